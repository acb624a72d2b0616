// A session: its runs, its artifacts and its events as a timeline by sequence number, followed
// live through the Server-Sent Events tail (GET …/events/stream) once the whole log is shown.
import { api, seg, withToken } from './api.js';
import { announce, badge, duration, errorBox, h, int, pretty, table, timeEl, usd } from './dom.js';

const PAGE = 200;
const ERROR_TYPES = new Set(['error_occurred', 'session_failed', 'run_failed', 'run_timeout', 'tool_call_failed', 'policy_violation', 'tool_approval_denied']);

/** What an event is, for its marker and how its data is shown. */
function kindOf(type) {
  if (ERROR_TYPES.has(type)) return 'error';
  if (type.startsWith('message_')) return 'message';
  if (type.startsWith('tool_')) return 'tool';
  return 'other';
}

const isEmpty = (v) => v === undefined || v === null || (typeof v === 'object' && Object.keys(v).length === 0);
const text = (v) => (typeof v === 'string' ? v : pretty(v));

function collapsible(label, value, open = false) {
  return h('details', { open }, h('summary', {}, label), h('pre', {}, text(value)));
}

function eventItem(e) {
  const kind = kindOf(e.type);
  const data = e.data ?? {};
  const body = [];
  if (kind === 'message' && (data.content !== undefined || data.text !== undefined)) {
    body.push(h('p', { class: 'ev-body' }, text(data.content ?? data.text)));
  } else if (kind === 'tool') {
    const name = data.tool_name ?? data.name ?? data.tool;
    if (name) body.push(h('p', { class: 'ev-body' }, 'Tool ', h('code', {}, String(name))));
    const input = data.input ?? data.arguments ?? data.args;
    const output = data.output ?? data.result;
    if (!isEmpty(input)) body.push(collapsible('Input', input));
    if (!isEmpty(output)) body.push(collapsible('Output', output));
    if (data.error !== undefined) body.push(h('p', { class: 'ev-body' }, text(data.error)));
    if (isEmpty(input) && isEmpty(output) && !isEmpty(data)) body.push(collapsible('Data', data));
  } else if (kind === 'error') {
    const message = data.error_message ?? data.message ?? data.error ?? data.reason;
    if (message !== undefined) body.push(h('p', { class: 'ev-body' }, text(message)));
    if (!isEmpty(data)) body.push(collapsible('Details', data));
  } else if (!isEmpty(data)) {
    body.push(collapsible('Data', data));
  }
  const label = kind === 'error' ? h('span', { class: 'badge status-failed' }, 'Error') : null;
  return h('li', { class: `kind-${kind}`, id: `event-${e.sequence_number}`, 'data-sequence': e.sequence_number },
    h('div', { class: 'ev-head' },
      h('span', { class: 'ev-seq' }, h('span', { class: 'visually-hidden' }, 'Sequence '), `#${e.sequence_number}`),
      h('span', { class: 'ev-type' }, e.type), label,
      h('span', { class: 'ev-time' }, timeEl(e.timestamp)),
      e.run_id ? h('span', { class: 'ev-time' }, 'run ', h('code', {}, e.run_id)) : null),
    body);
}

function runsTable(runs) {
  if (!runs.length) return h('p', { class: 'empty' }, 'No runs.');
  const usage = (r, k) => r.token_usage?.[k];
  return table('Runs of this session', [
    { label: 'Run', rowHeader: true, cell: (r) => h('code', {}, r.id) },
    { label: 'Status', cell: (r) => badge(r.status) },
    { label: 'Provider', cell: (r) => r.provider ?? '—' },
    { label: 'Model', cell: (r) => r.provider_metadata?.model ?? '—' },
    { label: 'Input tokens', num: true, cell: (r) => int(usage(r, 'input_tokens')) },
    { label: 'Output tokens', num: true, cell: (r) => int(usage(r, 'output_tokens')) },
    { label: 'Total tokens', num: true, cell: (r) => int(usage(r, 'total_tokens') ?? ((usage(r, 'input_tokens') ?? 0) + (usage(r, 'output_tokens') ?? 0))) },
    { label: 'Cost', num: true, cell: (r) => usd(r.cost_usd) },
    { label: 'Duration', num: true, cell: (r) => duration(r.started_at, r.ended_at) },
    { label: 'Started', class: 'hide-narrow', cell: (r) => timeEl(r.started_at) },
  ], runs);
}

function artifactsList(artifacts) {
  if (!artifacts.length) return h('p', { class: 'empty' }, 'No artifacts.');
  return table('Artifacts of this session', [
    { label: 'Key', rowHeader: true, cell: (a) => h('code', {}, a.key) },
    { label: 'Type', cell: (a) => a.content_type ?? '—' },
    { label: 'Size', num: true, cell: (a) => (a.byte_size === undefined || a.byte_size === null ? '—' : `${int(a.byte_size)} B`) },
    { label: 'Run', class: 'hide-narrow', cell: (a) => (a.run_id ? h('code', {}, a.run_id) : '—') },
    { label: 'Download', cell: (a) => h('a', { href: withToken(`/v1/artifacts/${seg(a.key)}/content`), download: a.key.split('/').pop() || 'artifact', 'aria-label': `Download ${a.key}` }, 'Download') },
  ], artifacts);
}

export async function sessionView(main, id) {
  const [session, runs, artifacts] = await Promise.all([
    api('GET', `/v1/sessions/${seg(id)}`),
    api('GET', `/v1/sessions/${seg(id)}/runs`),
    api('GET', `/v1/sessions/${seg(id)}/artifacts`),
  ]);
  const timeline = h('ol', { class: 'timeline', id: 'timeline', 'aria-label': 'Events by sequence number' });
  const liveText = h('span', {}, 'Not following');
  const live = h('span', { class: 'live', id: 'live-state', 'data-state': 'off' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), liveText);
  const follow = h('input', { type: 'checkbox', id: 'follow', checked: true });
  const pager = h('div', { class: 'pager' });
  const problem = h('div');
  const newEvents = h('div', { class: 'visually-hidden', 'aria-live': 'polite', id: 'new-events' });
  const tags = (session.tags ?? []).map((t) => h('span', { class: 'tag' }, t));

  main.replaceChildren(
    h('p', {}, h('a', { href: '#/sessions' }, '← Sessions')),
    h('h1', { tabindex: '-1' }, 'Session ', h('span', { class: 'mono' }, session.id)),
    h('dl', { class: 'meta' },
      h('dt', {}, 'Agent'), h('dd', {}, h('code', {}, session.agent_id)),
      h('dt', {}, 'Status'), h('dd', {}, badge(session.status)),
      h('dt', {}, 'Tags'), h('dd', {}, tags.length ? tags : '—'),
      h('dt', {}, 'Created'), h('dd', {}, timeEl(session.created_at)),
      h('dt', {}, 'Updated'), h('dd', {}, timeEl(session.updated_at)),
      session.parent_session_id ? [h('dt', {}, 'Parent'), h('dd', {}, h('a', { href: `#/session/${seg(session.parent_session_id)}` }, session.parent_session_id))] : null),
    h('h2', {}, 'Runs'), runsTable(runs.runs),
    h('h2', {}, 'Artifacts'), artifactsList(artifacts.artifacts),
    h('h2', { id: 'events-title' }, 'Events'),
    h('div', { class: 'pager' }, h('label', { class: 'live', for: 'follow' }, follow, 'Follow live'), live),
    problem, timeline, pager, newEvents);

  let last = 0;
  let source = null;
  const emptyNote = h('p', { class: 'empty' }, 'No events yet.');
  const add = (events, fresh) => {
    if (events.length) emptyNote.remove();
    for (const e of events) {
      if (e.sequence_number <= last) continue;
      const item = eventItem(e);
      if (fresh) item.classList.add('new');
      timeline.append(item);
      last = e.sequence_number;
    }
  };

  const setLive = (state, label) => {
    live.dataset.state = state;
    liveText.textContent = label;
  };

  function startLive() {
    if (source || !follow.checked) return;
    source = new EventSource(withToken(`/v1/sessions/${seg(id)}/events/stream`, { from_sequence: last + 1 }));
    setLive('connecting', 'Connecting…');
    source.addEventListener('open', () => setLive('live', 'Live'));
    source.addEventListener('message', (m) => {
      const event = JSON.parse(m.data);
      add([event], true);
      newEvents.textContent = `New event #${event.sequence_number}: ${event.type}`;
    });
    source.addEventListener('up-to-date', () => setLive('live', 'Live'));
    source.addEventListener('pruned', (m) => {
      const { from, first_stored: first } = JSON.parse(m.data);
      problem.replaceChildren(h('p', { class: 'hint' }, `Retention removed events ${from} to ${first - 1}.`));
    });
    source.addEventListener('error', (m) => {
      if (m.data) {
        const e = JSON.parse(m.data);
        problem.replaceChildren(errorBox(e));
      }
      setLive('connecting', source?.readyState === EventSource.CLOSED ? 'Disconnected' : 'Reconnecting…');
    });
  }

  function stopLive() {
    if (source) { source.close(); source = null; }
    setLive('off', 'Not following');
  }

  follow.addEventListener('change', () => (follow.checked ? maybeLive() : stopLive()));

  let atEnd = false;
  function maybeLive() { if (atEnd) startLive(); }

  async function loadPage() {
    try {
      const page = await api('GET', `/v1/sessions/${seg(id)}/events?after=${last}&limit=${PAGE}`);
      add(page.events, false);
      atEnd = page.events.length < PAGE;
      pager.replaceChildren(atEnd ? '' : h('button', { type: 'button', onclick: async () => { await loadPage(); announce(`${timeline.children.length} events shown.`); } }, 'Load more events'));
      maybeLive();
    } catch (err) {
      problem.replaceChildren(errorBox(err));
    }
  }
  await loadPage();
  if (!timeline.children.length) timeline.before(emptyNote);
  return stopLive;
}
