/* global document */
/**
 * DOM building without HTML strings: every piece of user text (run names,
 * params, tags, file names) becomes a text node, so it can never become markup.
 */

/**
 * Creates an element. `attrs` keys starting with "on" become listeners; `class`,
 * `dataset`-free plain attributes are set with setAttribute; children may be
 * nodes, strings (as text), numbers, or nested arrays; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'checked' || name === 'disabled' || name === 'selected') element[name] = Boolean(value);
    else if (name === 'value') element.value = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (typeof child === 'string' || typeof child === 'number')
      parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child);
  }
}

/** Replaces the children of `parent`. */
export function render(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/** A date and time in the reader's locale, or an em dash. */
export function formatTime(ms) {
  if (ms === undefined || ms === null) return '—';
  return new Date(Number(ms)).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A compact date and time for chart axes, e.g. "Nov 24, 16:00". */
export function formatShortTime(ms) {
  const date = new Date(Number(ms));
  const day = date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });
  return `${day}, ${time}`;
}

/** A duration such as "4.2 s" or "3 min 10 s". */
export function formatDuration(startMs, endMs) {
  if (!startMs || !endMs) return '—';
  const seconds = (endMs - startMs) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A metric value with up to 4 significant decimals; MLflow's NaN/Infinity strings pass through. */
export function formatNumber(value) {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 0.001 || abs >= 1e6)) return value.toExponential(3);
  return value.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
}

/** A byte count as B/KB/MB. */
export function formatBytes(bytes) {
  if (bytes === undefined || bytes === null) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `[{key, value}]` -> `{key: value}`. */
export function toRecord(list) {
  const out = {};
  for (const item of list ?? []) out[item.key] = item.value;
  return out;
}

/** A status label coloured by run status. */
export function statusBadge(status) {
  return h('span', { class: `status ${String(status)}` }, String(status ?? ''));
}

/** An alias badge (production and staging get their own colours). */
export function aliasBadge(alias) {
  return h('span', { class: `badge ${alias === 'production' || alias === 'staging' ? alias : ''}` }, alias);
}

/** A simple two-column key/value table, sorted by key. */
export function keyValueTable(record, emptyText) {
  const keys = Object.keys(record).sort();
  if (keys.length === 0) return h('p', { class: 'muted' }, emptyText);
  return h(
    'table',
    { class: 'kv' },
    h(
      'tbody',
      {},
      keys.map((key) => h('tr', {}, h('td', {}, key), h('td', {}, formatNumber(record[key])))),
    ),
  );
}

/** A notice box. */
export function notice(text, kind = '') {
  return h('div', { class: `notice ${kind}` }, text);
}
