// The viewer in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against
// a `wrangler dev --local` Worker this script starts on a free port with a fresh local D1: sign
// in, find a session by search, open its timeline, see an event appended through the API appear
// live, open the cost chart, and check that a read key gets no maintenance run button. Any
// console error, page error, failed request or HTTP error answer fails it. Screenshots go to
// $VIEWER_RESULTS_DIR (default viewer-results/). Prints `viewer chromium: N passed, M failed`.
//
// Usage: node hosts/viewer/tests/chromium.mjs   (after scripts/build-worker and npm ci)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  throw new Error(`${CHROMIUM} not found: install Debian's chromium (scripts/system-packages, or apt-get install chromium) or set CHROMIUM_BIN`);
}
const root = normalize(join(import.meta.dirname, '../../..'));
const wranglerBin = join(root, 'node_modules/.bin/wrangler');
if (!existsSync(wranglerBin)) throw new Error(`${wranglerBin} is missing: run npm ci (scripts/tools.sh asm_npm_install)`);
if (!existsSync(join(root, 'hosts/viewer/public/vendor/uPlot.esm.js'))) {
  throw new Error('hosts/viewer/public/vendor/ is empty: run scripts/build-worker (it runs scripts/build-viewer)');
}
const results = process.env.VIEWER_RESULTS_DIR ?? join(root, 'viewer-results');
mkdirSync(results, { recursive: true });
const run = Math.random().toString(36).slice(2, 8);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A key and its ASM_API_KEYS entry from scripts/asm-key. */
function makeKey(name, role, ...agents) {
  const out = execFileSync(join(root, 'scripts/asm-key'), [name, role, ...agents], { env: { ...process.env, ASM_KEY_FORMAT: 'lines' } });
  const [key, entry] = out.toString().trim().split('\n');
  return { key, entry: JSON.parse(entry) };
}

// ---------------------------------------------------------------------------------------------
// The Worker.
const state = mkdtempSync(join(tmpdir(), 'asm-viewer-d1-'));
const wranglerEnv = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false' };
execFileSync(wranglerBin, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state], { cwd: root, env: wranglerEnv, stdio: ['ignore', 'ignore', 'inherit'] });
const admin = makeKey('viewer-admin', 'admin');
const reader = makeKey('viewer-reader', 'read');
const port = await freePort();
const inspector = await freePort();
const logFile = join(results, 'wrangler.log');
const log = [];
const worker = spawn(wranglerBin, ['dev', '--local', '--ip', '127.0.0.1', '--port', String(port), '--inspector-ip', '127.0.0.1',
  '--inspector-port', String(inspector), '--show-interactive-dev-session=false', '--persist-to', state,
  '--var', `ASM_API_KEYS:${JSON.stringify([admin.entry, reader.entry])}`],
{ cwd: root, env: wranglerEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
worker.stdout.on('data', (d) => log.push(d));
worker.stderr.on('data', (d) => log.push(d));
const base = `http://127.0.0.1:${port}`;
let browser;
const cleanup = () => {
  try { process.kill(-worker.pid, 'SIGTERM'); } catch { /* already gone */ }
  rmSync(state, { recursive: true, force: true });
};
process.on('exit', cleanup);

async function waitForWorker() {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (worker.exitCode !== null) throw new Error(`wrangler dev exited (${worker.exitCode}):\n${Buffer.concat(log)}`);
    try {
      if ((await fetch(`${base}/v1/health`)).ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer within 600 s:\n${Buffer.concat(log)}`);
}

async function call(method, path, body, key = admin.key) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// ---------------------------------------------------------------------------------------------
// Steps: each one passes or fails; after a failure the rest are counted as failed (not reached).
const steps = [];
const step = (name, fn) => steps.push({ name, fn });
let passed = 0;
let failed = 0;

const agent = `viewer-agent-${run}`;
let sessionId;
let page;
const problems = [];

/** The artifact's bytes: 5,120 bytes of a build log. */
const buildLog = 'ld: out of memory while linking asm-edge\n'.repeat(128).slice(0, 5120);

async function seed() {
  const session = await call('POST', '/v1/sessions', { agent_id: agent, tags: ['demo', 'viewer'], metadata: { title: 'viewer test' } });
  sessionId = session.id;
  for (let i = 0; i < 6; i++) await call('POST', '/v1/sessions', { agent_id: `other-agent-${i % 3}`, tags: i % 2 ? ['batch'] : [] });
  const now = Date.now();
  const runs = [
    { provider: 'anthropic', model: 'claude-sonnet-4', input: 1200, output: 340, cost: 0.0087, status: 'completed', ms: 5400 },
    { provider: 'openai', model: 'gpt-4o', input: 800, output: 220, cost: 0.0043, status: 'completed', ms: 3100 },
    { provider: 'anthropic', model: 'claude-haiku-4', input: 400, output: 90, cost: 0.0006, status: 'failed', ms: 900 },
  ];
  for (const [i, r] of runs.entries()) {
    const created = await call('POST', `/v1/sessions/${sessionId}/runs`, { input: { prompt: `step ${i + 1}` } });
    const started = new Date(now - (i + 1) * 86_400_000);
    await call('PUT', `/v1/runs/${created.id}`, {
      ...created, status: r.status, provider: r.provider, provider_metadata: { model: r.model },
      token_usage: { input_tokens: r.input, output_tokens: r.output, total_tokens: r.input + r.output }, cost_usd: r.cost,
      started_at: started.toISOString(), ended_at: new Date(started.getTime() + r.ms).toISOString(),
      ...(r.status === 'failed' ? { error: { message: 'rate limited' } } : {}),
    });
  }
  const runId = (await call('GET', `/v1/sessions/${sessionId}/runs`)).runs[0].id;
  const events = [
    { type: 'message_sent', data: { content: 'Summarise the build log, please.' } },
    { type: 'tool_call_started', data: { tool_name: 'read_file', input: { path: 'build.log', lines: 200 } } },
    { type: 'tool_call_completed', data: { tool_name: 'read_file', output: { bytes: 5120, truncated: false } } },
    { type: 'error_occurred', data: { error_message: 'the linker ran out of memory' } },
    { type: 'message_received', data: { content: 'The build failed while linking: out of memory.' } },
  ];
  for (const e of events) await call('POST', `/v1/sessions/${sessionId}/events`, { ...e, run_id: runId });
  // The artifact with its bytes, through the content route (into the Worker's local R2).
  const key = encodeURIComponent(`${sessionId}/build.log`);
  const stored = await fetch(`${base}/v1/artifacts/${key}/content?session_id=${sessionId}&run_id=${runId}`, {
    method: 'PUT', headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'text/plain' }, body: buildLog,
  });
  if (stored.status !== 201) throw new Error(`artifact upload: ${stored.status} ${await stored.text()}`);
}

async function signIn(key) {
  await page.goto(base);
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API key').press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
}

async function labelled() {
  // Every form control has a label a screen reader announces.
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => !el.labels?.length && !el.getAttribute('aria-label') && !el.textContent.trim())
    .map((el) => el.outerHTML.slice(0, 80)));
}

/** At a phone's width (390 px) the page must not scroll sideways; saves `name`.png there. */
async function atPhoneWidth(name) {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  await page.screenshot({ path: join(results, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(300);
  if (!fits) throw new Error(`${name}: the page scrolls sideways at 390 px`);
}

step('the Worker serves the viewer at / with a same-origin content security policy', async () => {
  await waitForWorker();
  await seed();
  const r = await fetch(`${base}/`);
  const html = await r.text();
  if (!r.ok || !html.includes('<main id="main"')) throw new Error(`GET / answered ${r.status}`);
  const csp = r.headers.get('content-security-policy') ?? '';
  if (!csp.includes("default-src 'self'")) throw new Error(`no CSP on /: ${csp}`);
  const api = await fetch(`${base}/v1/sessions`);
  if (api.status !== 401) throw new Error(`/v1/ without a key answered ${api.status}, not the Worker's 401`);
});

step('sign in with the keyboard (the key stays in session storage)', async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Leaving a timeline closes its EventSource on purpose: the tail's request ends aborted.
    if (r.failure()?.errorText === 'net::ERR_ABORTED' && new URL(r.url()).pathname.endsWith('/events/stream')) return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`request off the Worker: ${r.url()}`); });
  page.setDefaultTimeout(60_000);
  await page.goto(base);
  await page.getByLabel('API key').waitFor();
  if (!(await page.getByLabel('API key').evaluate((el) => el === document.activeElement))) throw new Error('the key field has no focus');
  // The skip link is the first stop, shows when focused, and takes the keyboard to the content.
  const first = await page.evaluate(() => document.querySelector('a[href], button, input, select, textarea')?.textContent);
  if (first !== 'Skip to content') throw new Error(`the first focusable element is ${first}, not the skip link`);
  await page.locator('.skip').focus();
  const box = await page.locator('.skip').boundingBox();
  if (!box || box.x < 0) throw new Error('the focused skip link is off screen');
  await page.keyboard.press('Enter');
  if (!(await page.evaluate(() => document.activeElement?.id === 'main' && location.hash === ''))) throw new Error('the skip link did not move the focus to the content');
  await page.screenshot({ path: join(results, 'sign-in.png') });
  await signIn(admin.key);
  const stored = await page.evaluate(() => sessionStorage.getItem('asm-viewer-key'));
  if (stored !== admin.key) throw new Error('the key is not in session storage');
  const who = await page.locator('#who-text').textContent();
  if (!who.includes('viewer-admin (admin)')) throw new Error(`signed in as ${who}`);
});

step('the list shows the sessions, the newest first; a search by agent finds the one', async () => {
  const rows = page.locator('#session-results tbody tr');
  await rows.nth(6).waitFor();
  if (await rows.count() !== 7) throw new Error(`${await rows.count()} rows, not 7`);
  const first = await rows.first().locator('a').textContent();
  if (first === sessionId) throw new Error('the oldest session is first');
  await page.screenshot({ path: join(results, 'list.png'), fullPage: true });
  await atPhoneWidth('list-phone');
  await page.getByLabel('Agent').fill(agent);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#session-results tbody tr').first().locator(`text=${sessionId}`).waitFor();
  if (await rows.count() !== 1) throw new Error(`the search found ${await rows.count()} sessions, not 1`);
  const missing = await labelled();
  if (missing.length) throw new Error(`controls without a label: ${missing.join(' | ')}`);
});

step('the session page shows its runs, artifacts and a timeline by sequence number', async () => {
  await page.getByRole('link', { name: sessionId }).click();
  await page.getByRole('heading', { level: 1, name: `Session ${sessionId}` }).waitFor();
  const items = page.locator('#timeline > li');
  await items.nth(4).waitFor();
  const seqs = await items.evaluateAll((els) => els.map((e) => Number(e.dataset.sequence)));
  if (seqs.join(',') !== '1,2,3,4,5') throw new Error(`sequence numbers ${seqs}`);
  if (!(await page.locator('#timeline > li.kind-error').textContent()).includes('the linker ran out of memory')) throw new Error('the error is not shown');
  const tool = page.locator('#timeline > li.kind-tool').first();
  await tool.getByText('Input').click();
  await tool.getByText('"path": "build.log"').waitFor();
  const runs = await page.locator('table').first().textContent();
  for (const want of ['claude-sonnet-4', 'gpt-4o', 'anthropic', '1,540', '$0.0087', '5.4 s']) {
    if (!runs.includes(want)) throw new Error(`the runs table lacks ${want}`);
  }
  const download = await page.getByRole('link', { name: `Download ${sessionId}/build.log` }).getAttribute('href');
  if (!download.startsWith(`/v1/artifacts/${encodeURIComponent(`${sessionId}/build.log`)}/content?access_token=`)) throw new Error(`download link ${download}`);
  // The link downloads the bytes that were uploaded (the key rides in the query string).
  const got = await page.evaluate(async (href) => (await fetch(href)).text(), download);
  if (got !== buildLog) throw new Error(`the download gave ${got.length} bytes, not the ${buildLog.length} uploaded`);
  await page.locator('#live-state[data-state="live"]').waitFor();
  await page.screenshot({ path: join(results, 'timeline.png'), fullPage: true });
});

step('an event appended through the API appears live', async () => {
  const appended = await call('POST', `/v1/sessions/${sessionId}/events`, { type: 'message_received', data: { content: `appended live ${run}` } });
  await page.locator(`#event-${appended.sequence_number}`).getByText(`appended live ${run}`).waitFor({ timeout: 30_000 });
  const announced = await page.locator('#new-events').textContent();
  if (!announced.includes(`#${appended.sequence_number}`)) throw new Error(`not announced: ${announced}`);
});

step('the timeline is readable at phone width', async () => {
  await atPhoneWidth('timeline-phone');
});

step('the usage and cost page draws the cost chart by model and provider', async () => {
  await page.getByRole('link', { name: 'Usage and cost' }).click();
  await page.getByRole('heading', { level: 1, name: 'Usage and cost' }).waitFor();
  for (const id of ['chart-over-time', 'chart-cost-model', 'chart-cost-provider', 'chart-tokens-provider']) {
    await page.locator(`#${id} canvas`).waitFor();
  }
  const model = page.locator('#chart-cost-model');
  await model.getByText('Cost by model (USD): the numbers').click();
  const numbers = await model.locator('table').textContent();
  for (const want of ['claude-sonnet-4', '$0.0087', 'gpt-4o', '$0.0043']) {
    if (!numbers.includes(want)) throw new Error(`the cost by model lacks ${want}: ${numbers}`);
  }
  const label = await model.locator('[role="img"]').getAttribute('aria-label');
  if (!label.includes('claude-sonnet-4')) throw new Error(`the chart's label: ${label}`);
  const total = await page.locator('.cards').textContent();
  if (!total.includes('$0.01')) throw new Error(`the total cost: ${total}`);
  await page.screenshot({ path: join(results, 'charts.png'), fullPage: true });
  await atPhoneWidth('charts-phone');
});

step('retention: an admin key sees the plan of a policy and runs it after confirming', async () => {
  await page.getByRole('link', { name: 'Retention' }).click();
  await page.locator('#retention-results [data-count="sessions_soft_deleted"]').waitFor();
  await page.getByLabel('Retention policy (JSON)').fill('{"max_events_per_session": 2}');
  await page.getByRole('button', { name: 'Show the plan' }).click();
  const pruned = page.locator('#retention-results [data-count="events_pruned"]');
  await page.waitForFunction(() => document.querySelector('#retention-results [data-count="events_pruned"]')?.textContent !== '0');
  const planned = await pruned.textContent();
  if (await page.locator('#confirm-run').isVisible()) throw new Error('the confirmation shows before the button is pressed');
  await page.locator('#run-maintenance').click();
  await page.screenshot({ path: join(results, 'retention-admin.png'), fullPage: true });
  await page.getByRole('button', { name: 'Yes, run it' }).click();
  await page.getByRole('heading', { name: 'What maintenance did' }).waitFor();
  if (await pruned.textContent() !== planned) throw new Error(`planned ${planned} pruned events, ran ${await pruned.textContent()}`);
  const left = (await call('GET', `/v1/sessions/${sessionId}/events`)).events.length;
  if (left !== 2) throw new Error(`${left} events left after pruning to 2`);
});

step('retention: a read key sees the plan but no run button', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  await signIn(reader.key);
  await page.getByRole('link', { name: 'Retention' }).click();
  await page.locator('#retention-results [data-count="sessions_soft_deleted"]').waitFor();
  if (await page.locator('#run-maintenance').count() !== 0) throw new Error('a read key sees the run button');
  await page.locator('#run-needs-admin').getByText('this key is read').waitFor();
});

step('no console error, page error or failed request on the way', async () => {
  if (problems.length) throw new Error(problems.join('\n'));
});

try {
  let broken = false;
  for (const { name, fn } of steps) {
    if (broken) {
      failed++;
      console.log(`not reached: ${name}`);
      continue;
    }
    try {
      await fn();
      passed++;
      console.log(`ok: ${name}`);
    } catch (e) {
      failed++;
      broken = true;
      console.log(`FAILED: ${name}\n  ${String(e.stack ?? e).split('\n').join('\n  ')}`);
      if (page) await page.screenshot({ path: join(results, 'failure.png'), fullPage: true }).catch(() => {});
    }
  }
} finally {
  await browser?.close();
  mkdirSync(results, { recursive: true });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(logFile, Buffer.concat(log));
}
console.log(`screenshots: ${results}`);
console.log(`viewer chromium: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
cleanup();
process.exit();
