// The conformance cases in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): the page imports the package's browser entry by name, checks when it fetches
// its two WebAssembly modules, runs every case on sql.js, then the artifact suites on OPFS and
// memory; each outcome becomes a node:test test here.
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { SEED, loadDriver, report, reportSuite } from './support/conformance.mjs';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set CHROMIUM_BIN`);
}
const root = normalize(join(import.meta.dirname, '../../..'));
const driverDir = process.env.ASM_NPM_CONFORMANCE;
// Only what the page needs is served, each URL prefix from its folder.
const mounts = [
  ['/npm-conformance/', driverDir],
  ['/pkg/', join(root, 'pkg')],
  ['/node_modules/sql.js/dist/', join(root, 'node_modules/sql.js/dist')],
  ['/node_modules/aws4fetch/dist/', join(root, 'node_modules/aws4fetch/dist')],
  ['/hosts/npm/tests/', join(root, 'hosts/npm/tests')],
];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  const mount = mounts.find(([prefix]) => path.startsWith(prefix));
  const file = mount && normalize(join(mount[1], path.slice(mount[0].length)));
  if (!file || !file.startsWith(mount[1]) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/hosts/npm/tests/browser/index.html?seed=${SEED}`;

const driver = await loadDriver();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const pageErrors = [];
let outcome;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.asmResults !== undefined, null, { timeout: 600_000, polling: 500 });
  outcome = await page.evaluate(() => window.asmResults);
} finally {
  await browser.close();
  server.close();
}

describe('conformance chromium', () => {
  test('the page ran', () => {
    assert.deepEqual(pageErrors, []);
    assert.equal(outcome.error, undefined, outcome.error);
    console.log(`chromium: ${outcome.userAgent}`);
  });
  test('the full module is fetched on the first report, once', () => {
    assert.deepEqual(outcome.modules?.beforeReport, ['/pkg/wasm/asm_npm_bg.wasm']);
    assert.deepEqual(outcome.modules.afterReport, ['/pkg/wasm/asm_npm_bg.wasm', '/pkg/wasm-full/asm_npm_bg.wasm']);
    assert.equal(outcome.modules.eventCount, 2);
  });
  for (const { id, why } of outcome.results ?? []) {
    test(id, () => assert.equal(why, null, why ?? ''));
  }
  test('the artifact suites ran on OPFS and memory', () => {
    const ran = (outcome.blobSuites ?? []).map((o) => `${o.suite}-${o.host}`).sort();
    const hosts = ['chromium-memory', 'chromium-opfs'];
    assert.deepEqual(ran, ['artifacts', 'blobs', 'composite'].flatMap((s) => hosts.map((h) => `${s}-${h}`)).sort());
  });
  for (const { host, ...suite } of outcome.blobSuites ?? []) {
    test(`${suite.suite}-${host}`, () => assert.ok(reportSuite(host, suite)));
  }
  after(() => {
    if (!report('chromium', driver, outcome.results ?? [])) process.exitCode = 1;
  });
});
