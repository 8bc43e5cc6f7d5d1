/* global fetch */
/**
 * A run's artifact browser: a folder tree, and a preview of the chosen file.
 * Images show inline; Markdown is rendered (as DOM, never HTML); HTML reports
 * run in a sandboxed iframe without scripts; text shows as text; anything
 * else is offered as a download (the server always sends attachments).
 */
import { artifactUrl, get } from '../api.js';
import { formatBytes, h, render } from '../dom.js';
import { renderMarkdown } from '../markdown.js';

const IMAGE = /\.(png|jpe?g|gif|webp|svg)$/i;
const TEXT = /\.(txt|log|json|csv|ya?ml|py|ts|js|cfg|ini|toml)$|(^|\/)MLmodel$/i;
const PREVIEW_LIMIT = 200_000;

/** Every file under `path` of a run, depth-first, up to `limit` entries. */
export async function listRunFiles(runId, path = '', limit = 500, depth = 0) {
  const { files = [] } = await get('artifacts/list', { run_id: runId, path: path || undefined });
  const out = [];
  for (const file of files) {
    if (out.length >= limit) break;
    if (file.is_dir) {
      const children = depth < 6 ? await listRunFiles(runId, file.path, limit - out.length, depth + 1) : [];
      out.push({ ...file, children });
    } else out.push(file);
  }
  return out;
}

function baseName(path) {
  return path.split('/').pop();
}

async function preview(target, artifactUri, file) {
  const url = artifactUrl(artifactUri, file.path);
  const head = h(
    'div',
    { class: 'preview-head' },
    h('strong', {}, file.path),
    h(
      'span',
      {},
      h('span', { class: 'muted' }, formatBytes(file.file_size)),
      ' ',
      h('a', { href: url, download: baseName(file.path) }, 'Download'),
    ),
  );
  if (IMAGE.test(file.path)) {
    render(target, head, h('img', { src: url, alt: file.path }));
    return;
  }
  const isMarkdown = /\.md$/i.test(file.path);
  const isHtml = /\.html?$/i.test(file.path);
  if (!isMarkdown && !isHtml && !TEXT.test(file.path)) {
    render(
      target,
      head,
      h('p', { class: 'muted' }, 'No preview for this file type; download it to open it.'),
    );
    return;
  }
  if ((file.file_size ?? 0) > PREVIEW_LIMIT) {
    render(
      target,
      head,
      h('p', { class: 'muted' }, 'This file is too large to preview; download it instead.'),
    );
    return;
  }
  const text = await (await fetch(url)).text();
  if (isMarkdown) render(target, head, renderMarkdown(text));
  // sandbox="" without allow-scripts: the report's scripts never run, and it gets an opaque origin.
  else if (isHtml)
    render(target, head, h('iframe', { sandbox: '', srcdoc: text, title: `Report ${file.path}` }));
  else render(target, head, h('pre', {}, text));
}

/** The artifact card for one run. */
export async function artifactBrowser(run) {
  const runId = run.info.run_id;
  const files = await listRunFiles(runId);
  const target = h(
    'div',
    { class: 'preview', id: 'artifact-preview' },
    h('p', { class: 'muted' }, 'Choose a file to preview it.'),
  );
  let selectedButton;
  const tree = (entries) =>
    h(
      'ul',
      { class: 'tree' },
      entries.map((entry) =>
        entry.is_dir
          ? h('li', {}, h('span', { class: 'dir' }, `${baseName(entry.path)}/`), tree(entry.children ?? []))
          : h(
              'li',
              {},
              h(
                'button',
                {
                  class: 'file',
                  type: 'button',
                  'data-path': entry.path,
                  onclick: (event) => {
                    selectedButton?.classList.remove('selected');
                    selectedButton = event.currentTarget;
                    selectedButton.classList.add('selected');
                    preview(target, run.info.artifact_uri, entry).catch((error) =>
                      render(target, h('p', { class: 'error' }, String(error.message ?? error))),
                    );
                  },
                },
                baseName(entry.path),
              ),
            ),
      ),
    );
  const card = h(
    'div',
    { class: 'card', id: 'artifacts' },
    h('h2', {}, 'Artifacts'),
    files.length === 0
      ? h('p', { class: 'muted' }, 'This run has no artifacts.')
      : h('div', { class: 'artifacts' }, h('div', {}, tree(files)), target),
  );
  // Open the first image (a plot) right away: it is what people look for first.
  const firstImage = card.querySelector('button.file[data-path$=".png"]');
  if (firstImage) firstImage.click();
  return card;
}
