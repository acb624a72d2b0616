// The sessions list: POST /v1/search/sessions, the newest first, filtered by agent, status, tags
// and creation time, paged with the keyset cursor the API answers ("Load older sessions").
import { api, seg } from './api.js';
import { announce, badge, dayStart, errorBox, h, table, timeEl } from './dom.js';

const STATUSES = ['pending', 'active', 'paused', 'completed', 'failed', 'cancelled'];
const PAGE = 25;

export async function sessionsView(main, params) {
  const field = (name, label, attrs = {}) => {
    const input = h('input', { id: `f-${name}`, name, value: params.get(name) ?? '', ...attrs });
    return [input, h('label', { for: `f-${name}` }, label, input)];
  };
  const [idInput, idLabel] = field('id', 'Session id', { type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const [agentInput, agentLabel] = field('agent', 'Agent', { type: 'search', autocomplete: 'off', spellcheck: 'false' });
  const [tagsInput, tagsLabel] = field('tags', 'Tags (comma-separated)', { type: 'search', autocomplete: 'off' });
  const [fromInput, fromLabel] = field('from', 'Created from', { type: 'date' });
  const [toInput, toLabel] = field('to', 'Created until', { type: 'date' });
  const status = h('select', { id: 'f-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s, selected: params.get('status') === s }, s)));
  const results = h('div', { id: 'session-results' });
  const count = h('p', { class: 'hint', 'aria-live': 'polite' });

  const form = h('form', { class: 'form', role: 'search', 'aria-label': 'Find sessions', onsubmit: (e) => { e.preventDefault(); search(); } },
    idLabel, agentLabel, h('label', { for: 'f-status' }, 'Status', status), tagsLabel, fromLabel, toLabel,
    h('div', { class: 'actions' },
      h('button', { class: 'primary', type: 'submit' }, 'Search'),
      h('button', { type: 'button', onclick: () => { form.reset(); for (const i of form.querySelectorAll('input')) i.value = ''; status.value = ''; search(); } }, 'Clear')));

  main.replaceChildren(h('h1', { tabindex: '-1' }, 'Sessions'), form, count, results);

  let cursor = null;
  let rows = [];
  const columns = [
    { label: 'Session', rowHeader: true, cell: (s) => h('a', { href: `#/session/${seg(s.id)}`, class: 'mono' }, s.id) },
    { label: 'Agent', cell: (s) => h('span', { class: 'mono' }, s.agent_id) },
    { label: 'Status', cell: (s) => badge(s.status) },
    { label: 'Tags', cell: (s) => (s.tags ?? []).map((t) => h('span', { class: 'tag' }, t)) },
    { label: 'Created', cell: (s) => timeEl(s.created_at) },
    { label: 'Updated', class: 'hide-narrow', cell: (s) => timeEl(s.updated_at) },
  ];

  function query() {
    const q = { limit: PAGE, order_by: 'created_at_desc' };
    if (agentInput.value.trim()) q.agent_id = agentInput.value.trim();
    if (status.value) q.status = [status.value];
    const tags = tagsInput.value.split(',').map((t) => t.trim()).filter(Boolean);
    if (tags.length) q.tags = tags;
    if (fromInput.value) q.created_after = dayStart(fromInput.value);
    if (toInput.value) q.created_before = dayStart(toInput.value, 1);
    return q;
  }

  function draw() {
    const more = cursor
      ? h('div', { class: 'pager' }, h('button', { type: 'button', id: 'load-more', onclick: () => load(true) }, 'Load older sessions'))
      : null;
    results.replaceChildren(
      rows.length ? table('Sessions, the newest first', columns, rows) : h('p', { class: 'empty' }, 'No session matches.'),
      more ?? '');
  }

  async function load(next) {
    try {
      const page = await api('POST', '/v1/search/sessions', next ? { ...query(), cursor } : query());
      rows = next ? rows.concat(page.sessions) : page.sessions;
      // The API answers a cursor with every page; a short page is the last one.
      cursor = page.sessions.length >= PAGE ? page.cursor : null;
      count.textContent = `${page.total_count ?? rows.length} sessions match; showing ${rows.length}.`;
      draw();
      if (next) results.querySelectorAll('tbody tr')[rows.length - page.sessions.length]?.querySelector('a')?.focus();
    } catch (err) {
      results.replaceChildren(errorBox(err));
    }
  }

  async function search() {
    const p = new URLSearchParams();
    for (const [k, v] of [['id', idInput.value], ['agent', agentInput.value], ['status', status.value], ['tags', tagsInput.value], ['from', fromInput.value], ['to', toInput.value]]) {
      if (v.trim()) p.set(k, v.trim());
    }
    history.replaceState(null, '', `#/sessions${p.size ? `?${p}` : ''}`);
    const id = idInput.value.trim();
    if (id) {
      try {
        await api('GET', `/v1/sessions/${seg(id)}`);
        location.hash = `#/session/${seg(id)}`;
      } catch (err) {
        results.replaceChildren(errorBox(err.status === 404 ? `No session ${id} (or not one this key may see).` : err));
        announce('No such session.');
      }
      return;
    }
    await load(false);
    announce(count.textContent);
  }

  await load(false);
  return null;
}
