// Small DOM and formatting helpers: elements are built with `h`, never from HTML strings, so
// stored text can never become markup.

/** An element: `h('a', { href, class: 'x', onclick }, 'text', child, [more])`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** A table with a caption; `columns` are `{ label, num, cell(row) }`. */
export function table(caption, columns, rows, { captionHidden = true } = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('caption', { class: captionHidden ? 'visually-hidden' : 'caption' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : c.class }, c.label)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c, i) =>
        h(i === 0 && c.rowHeader ? 'th' : 'td', {
          class: c.num ? 'num' : c.class, scope: i === 0 && c.rowHeader ? 'row' : undefined, 'data-label': c.label,
        }, h('span', {}, c.cell(r)))))))));
}

export function badge(status) {
  return h('span', { class: `badge status-${status}` }, status ?? '—');
}

export function errorBox(error) {
  const code = error?.code ? ` (${error.code})` : '';
  return h('div', { class: 'error-box', role: 'alert' }, `${error?.message ?? error}${code}`);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function timeEl(iso) {
  return iso ? h('time', { datetime: iso }, when(iso)) : '—';
}

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export const int = (n) => (n === undefined || n === null ? '—' : integer.format(n));
export const usd = (n) => (n === undefined || n === null ? '—' : `$${Number(n).toFixed(Number(n) !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`);

export function duration(startIso, endIso) {
  if (!startIso) return '—';
  if (!endIso) return 'running';
  const ms = new Date(endIso) - new Date(startIso);
  if (!(ms >= 0)) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Says `text` to screen readers through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById('announce');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

/** A date input's value (`YYYY-MM-DD`) as an ISO timestamp at the start of that UTC day, plus `days`. */
export function dayStart(value, days = 0) {
  if (!value) return undefined;
  const d = new Date(`${value}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString();
}

export const pretty = (v) => JSON.stringify(v, null, 2);
