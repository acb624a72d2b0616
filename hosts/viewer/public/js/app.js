// The viewer's shell: sign-in, the key's identity (GET /v1/keys/current) and the hash router
// (#/sessions, #/session/<id>, #/usage, #/retention). Each view renders into <main> and may return
// a function that stops what it started (a live tail).
import { api, ApiError, forgetKey, storedKey, storeKey } from './api.js';
import { announce, errorBox, h } from './dom.js';
import { sessionsView } from './sessions.js';
import { sessionView } from './session.js';
import { usageView } from './usage.js';
import { retentionView } from './retention.js';

const main = document.getElementById('main');
let who = null;
let stop = null;

function signInView(message) {
  const input = h('input', { id: 'key', name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'key-hint' });
  const problem = h('div');
  if (message) problem.append(errorBox(message));
  const form = h('form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const key = input.value.trim();
      problem.replaceChildren();
      try {
        who = await api('GET', '/v1/keys/current', undefined, key);
        storeKey(key);
        showIdentity();
        if (!location.hash || location.hash === '#/' || location.hash === '#/sign-in') location.hash = '#/sessions';
        else render();
      } catch (err) {
        problem.append(errorBox(err.status === 401 ? 'That key is not valid here.' : err));
        input.focus();
      }
    },
  },
  h('label', { for: 'key' }, 'API key', input),
  h('p', { class: 'hint', id: 'key-hint' }, 'A key made by scripts/asm-key (scripts/dev keeps an admin key in .dev.key). It stays in this tab only, and every view goes through the API with it, so its role and agents apply.'),
  h('button', { class: 'primary', type: 'submit' }, 'Sign in'));
  main.replaceChildren(h('section', { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in'), problem, form));
  document.title = 'Sign in · ASM viewer';
  input.focus();
}

function showIdentity() {
  const signedIn = Boolean(who);
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('who').hidden = !signedIn;
  if (!signedIn) return;
  const agents = who.agents ? `, agents ${who.agents.join(', ')}` : '';
  document.getElementById('who-text').textContent = `${who.name} (${who.role}${agents})`;
}

const ROUTES = [
  [/^#\/sessions(?:\?(.*))?$/, (m) => sessionsView(main, new URLSearchParams(m[1] ?? ''))],
  [/^#\/session\/([^?]+)$/, (m) => sessionView(main, decodeURIComponent(m[1]))],
  [/^#\/usage(?:\?(.*))?$/, (m) => usageView(main, new URLSearchParams(m[1] ?? ''))],
  [/^#\/retention$/, () => retentionView(main, who)],
];

async function render() {
  if (stop) { stop(); stop = null; }
  if (!storedKey()) { who = null; showIdentity(); signInView(); return; }
  if (!who) {
    try {
      who = await api('GET', '/v1/keys/current');
    } catch (err) {
      forgetKey(); who = null; showIdentity();
      signInView(err instanceof ApiError && err.status === 401 ? 'The stored key is no longer valid; sign in again.' : err);
      return;
    }
    showIdentity();
  }
  const hash = location.hash || '#/sessions';
  const found = ROUTES.map(([re, view]) => [hash.match(re), view]).find(([m]) => m);
  for (const a of document.querySelectorAll('nav a')) {
    const section = a.getAttribute('href');
    if (hash.startsWith(section) || (section === '#/sessions' && hash.startsWith('#/session/'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!found) { location.replace('#/sessions'); return; }
  main.replaceChildren(h('p', { class: 'hint' }, 'Loading…'));
  try {
    stop = (await found[1](found[0])) ?? null;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) { forgetKey(); who = null; render(); return; }
    main.replaceChildren(h('h1', { tabindex: '-1' }, 'Something went wrong'), errorBox(err));
  }
  const title = main.querySelector('h1');
  if (title) {
    document.title = `${title.textContent} · ASM viewer`;
    announce(title.textContent);
  }
}

// The skip link moves the focus without touching the hash, which is the router's.
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
document.getElementById('sign-out').addEventListener('click', () => {
  forgetKey();
  who = null;
  if (location.hash === '#/sign-in') render();
  else location.hash = '#/sign-in';
});
window.addEventListener('hashchange', () => {
  // A new view takes the focus to its heading, unless it put the focus somewhere itself.
  render().then(() => { if (!main.contains(document.activeElement)) main.querySelector('h1')?.focus(); });
});
render();
