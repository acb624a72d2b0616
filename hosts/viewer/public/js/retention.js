// Retention: what Maintenance would remove under a policy (POST /v1/maintenance/plan, a dry run
// any key may ask for) and, for admin keys only, the button that runs it (POST …/execute).
import { api } from './api.js';
import { errorBox, h, int, pretty } from './dom.js';

const DEFAULT_POLICY = { max_completed_session_age_days: 90, hard_delete_after_days: 30, max_events_per_session: 'infinity' };
const COUNTS = [
  ['sessions_soft_deleted', 'Sessions marked deleted'],
  ['sessions_hard_deleted', 'Sessions removed with everything they own'],
  ['events_pruned', 'Events pruned'],
  ['artifacts_cleaned', 'Orphaned artifact rows removed'],
  ['orphaned_sequences_cleaned', 'Orphaned sequence counters removed'],
];

function report(title, r) {
  return h('section', { class: 'plan', 'aria-label': title },
    h('h2', {}, title),
    h('dl', { class: 'meta' },
      COUNTS.map(([k, label]) => [h('dt', {}, label), h('dd', { 'data-count': k }, int(r[k]))]),
      h('dt', {}, 'Complete'), h('dd', {}, r.complete ? 'yes' : `no: ${(r.remaining ?? []).join(', ')} left for the next run`),
      h('dt', {}, 'Took'), h('dd', {}, `${int(r.duration_ms)} ms`)),
    (r.errors ?? []).length ? h('div', { class: 'error-box', role: 'alert' }, r.errors.join('; ')) : null);
}

export async function retentionView(main, who) {
  const policy = h('textarea', { id: 'policy', rows: 6, spellcheck: 'false', 'aria-describedby': 'policy-hint' }, pretty(DEFAULT_POLICY));
  const out = h('div', { id: 'retention-results' });
  const admin = who?.role === 'admin';
  const parsed = () => {
    try {
      return JSON.parse(policy.value);
    } catch (e) {
      throw new Error(`The policy is not JSON: ${e.message}`);
    }
  };
  const plan = async () => {
    out.replaceChildren(h('p', { class: 'hint' }, 'Planning…'));
    try {
      out.replaceChildren(report('What maintenance would do now', await api('POST', '/v1/maintenance/plan', parsed())));
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  };
  const confirmBox = h('div', { class: 'pager', hidden: true, id: 'confirm-run' },
    h('p', {}, 'This deletes data for good. Run maintenance now with this policy?'),
    h('button', { type: 'button', class: 'danger', id: 'run-confirm', onclick: async () => {
      confirmBox.hidden = true;
      out.replaceChildren(h('p', { class: 'hint' }, 'Running…'));
      try {
        out.replaceChildren(report('What maintenance did', await api('POST', '/v1/maintenance/execute', parsed())));
      } catch (err) {
        out.replaceChildren(errorBox(err));
      }
    } }, 'Yes, run it'),
    h('button', { type: 'button', onclick: () => { confirmBox.hidden = true; runButton?.focus(); } }, 'Cancel'));
  const runButton = admin
    ? h('button', { type: 'button', class: 'danger', id: 'run-maintenance', onclick: () => { confirmBox.hidden = false; confirmBox.querySelector('#run-confirm').focus(); } }, 'Run maintenance…')
    : null;

  main.replaceChildren(
    h('h1', { tabindex: '-1' }, 'Retention'),
    h('form', { onsubmit: (e) => { e.preventDefault(); plan(); } },
      h('label', { for: 'policy' }, 'Retention policy (JSON)', policy),
      h('p', { class: 'hint', id: 'policy-hint' }, 'ASM\'s RetentionPolicy: max_session_age_days, max_completed_session_age_days, hard_delete_after_days, max_events_per_session, max_total_events, exempt_statuses, exempt_tags. The default is the one wrangler.toml gives the daily cron run.'),
      h('div', { class: 'pager' },
        h('button', { type: 'submit', class: 'primary', id: 'plan' }, 'Show the plan'),
        runButton ?? h('p', { class: 'hint', id: 'run-needs-admin' }, `Running maintenance needs an admin key; this key is ${who?.role ?? 'unknown'}.`))),
    confirmBox, out);
  await plan();
  return null;
}
