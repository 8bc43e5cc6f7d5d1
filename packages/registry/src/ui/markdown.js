/**
 * A small Markdown renderer for run reports that builds DOM nodes directly
 * (headings, paragraphs, lists, code blocks, tables, bold, italic, inline code,
 * links with http(s) targets). No HTML from the file is ever interpreted.
 */
import { h } from './dom.js';

function inline(text) {
  const nodes = [];
  const pattern = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*|\[[^\]]+\]\([^)\s]+\))/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    const token = match[0];
    if (token.startsWith('`')) nodes.push(h('code', {}, token.slice(1, -1)));
    else if (token.startsWith('**')) nodes.push(h('strong', {}, token.slice(2, -2)));
    else if (token.startsWith('*')) nodes.push(h('em', {}, token.slice(1, -1)));
    else {
      const [, label, href] = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token);
      nodes.push(
        /^https?:\/\//.test(href)
          ? h('a', { href, rel: 'noopener noreferrer', target: '_blank' }, label)
          : label,
      );
    }
    last = match.index + token.length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

function tableRow(line) {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((cell) => cell.trim());
}

/** Renders `source` into a detached element. */
export function renderMarkdown(source) {
  const root = h('div', { class: 'markdown' });
  const lines = String(source).replace(/\r\n/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i += 1;
    } else if (line.startsWith('```')) {
      const code = [];
      i += 1;
      while (i < lines.length && !lines[i].startsWith('```')) code.push(lines[i++]);
      i += 1;
      root.appendChild(h('pre', {}, h('code', {}, code.join('\n'))));
    } else if (/^#{1,6}\s/.test(line)) {
      const level = Math.min(/^#+/.exec(line)[0].length + 1, 6);
      root.appendChild(h(`h${level}`, {}, inline(line.replace(/^#+\s*/, ''))));
      i += 1;
    } else if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?[\s:-]+\|/.test(lines[i + 1])) {
      const head = tableRow(line);
      i += 2;
      const rows = [];
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i])) rows.push(tableRow(lines[i++]));
      root.appendChild(
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              head.map((c) => h('th', {}, inline(c))),
            ),
          ),
          h(
            'tbody',
            {},
            rows.map((r) =>
              h(
                'tr',
                {},
                r.map((c) => h('td', {}, inline(c))),
              ),
            ),
          ),
        ),
      );
    } else if (/^\s*([-*]|\d+\.)\s/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items = [];
      while (i < lines.length && /^\s*([-*]|\d+\.)\s/.test(lines[i])) {
        items.push(h('li', {}, inline(lines[i].replace(/^\s*([-*]|\d+\.)\s/, ''))));
        i += 1;
      }
      root.appendChild(h(ordered ? 'ol' : 'ul', {}, items));
    } else {
      const paragraph = [];
      while (i < lines.length && lines[i].trim() !== '' && !/^(#|```|\s*[-*]\s|\s*\|)/.test(lines[i]))
        paragraph.push(lines[i++]);
      if (paragraph.length === 0) paragraph.push(lines[i++]);
      root.appendChild(h('p', {}, inline(paragraph.join(' '))));
    }
  }
  return root;
}
