import { describe, expect, it } from 'vitest';
import { buildReferenceSnapshot } from '../../src/drift/reference.js';
import {
  escapeHtml,
  formatDriftValue,
  renderDriftReportHtml,
  renderDriftReportMarkdown,
  type DriftReportInput,
} from '../../src/drift/report.js';
import { evaluateDrift, summarizeProductionListings } from '../../src/drift/statistics.js';
import { type ListingRecord } from '../../src/listing/listing.js';

function listing(i: number, overrides: Partial<ListingRecord> = {}): ListingRecord {
  return {
    GrossSquareMeters: 50 + (i % 100) * 2,
    NetSquareMeters: 40 + (i % 100) * 1.5,
    BuildingAge: i % 30,
    NumberOfRooms: 1 + (i % 5),
    district: `district ${i % 3}`,
    HeatingType: 'Kombi Doğalgaz',
    StructureType: 'Betonarme',
    FloorLocation: `${i % 7}. Kat`,
    address: `mahalle ${i % 40}`,
    AdCreationDate: '2022-02',
    Subscription: 'standard',
    ...overrides,
  };
}
const rows = Array.from({ length: 300 }, (_, i) => listing(i));
const labels = rows.map((_, i) => (['low', 'medium', 'high'] as const)[i % 3]!);
const reference = buildReferenceSnapshot(rows, labels, { createdAt: new Date('2024-04-01T00:00:00Z') });

function inputFor(production: ListingRecord[]): DriftReportInput {
  return {
    evaluation: evaluateDrift(
      reference,
      summarizeProductionListings(reference, production, labels.slice(0, production.length)),
    ),
    checkedAt: '2024-05-01T10:00:00.000Z',
    windowDescription: 'since 2024-05-01T00:00:00.000Z',
    firstTs: Date.UTC(2024, 4, 1, 0, 1),
    lastTs: Date.UTC(2024, 4, 1, 9, 59),
    referenceCreatedAt: reference.createdAt,
    referenceRows: reference.rows,
    plots: [{ title: 'District <distribution>', href: 'plots/district distribution.png' }],
  };
}

describe('drift report', () => {
  // A district no one has seen, with markup in its name: must show up escaped.
  const drifted = rows.map((r) => ({ ...r, district: '<script>alert("x")</script>' }));
  const input = inputFor(drifted);

  it('lists every check in the Markdown table, with value, threshold and status', () => {
    const md = renderDriftReportMarkdown(input);
    const tableRows = md
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| metric') && !l.startsWith('| ---'));
    expect(tableRows).toHaveLength(input.evaluation.checks.length);
    for (const check of input.evaluation.checks) expect(md).toContain(`| ${check.name} |`);
    expect(md).toMatch(/\| psi\.district \| \d+\.\d{4} \| > 0\.25 \| ALERT \|/);
    expect(md).toContain('**Status: drift: 1 alert (psi.district) over 300 rows');
    expect(md).toContain('![District <distribution>](plots/district%20distribution.png)');
  });

  it('lists every check in the HTML table and escapes every value', () => {
    const html = renderDriftReportHtml(input);
    expect(html.match(/<tr class=/g)).toHaveLength(input.evaluation.checks.length);
    expect(html).not.toContain('<script>');
    expect(html).toContain('District &lt;distribution&gt;');
    expect(html).toContain('<img src="plots/district distribution.png"');
    expect(html).toContain('<tr class="alert"><td>psi.district</td>');
  });

  it('says "insufficient data" below the minimum sample, with no alert', () => {
    const small = inputFor(drifted.slice(0, 50));
    const md = renderDriftReportMarkdown(small);
    expect(md).toContain('insufficient data: 50 rows in the window, at least 200 needed before any alert');
    expect(md).not.toContain('ALERT');
    expect(renderDriftReportHtml(small)).toContain('class="status insufficient-data"');
  });

  it('formats each metric for people', () => {
    expect(formatDriftValue({ metric: 'psi', value: 0.123456 })).toBe('0.1235');
    expect(formatDriftValue({ metric: 'cardinality_ratio', value: 1.23456 })).toBe('1.235');
    expect(formatDriftValue({ metric: 'unseen_share', value: 0.05 })).toBe('5.00 %');
    expect(formatDriftValue({ metric: 'missing_rate_change', value: 0.1 })).toBe('+10.00 pp');
    expect(formatDriftValue({ metric: 'prediction_jsd', value: null })).toBe('n/a');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
