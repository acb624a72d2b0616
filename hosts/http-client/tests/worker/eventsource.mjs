// A browser following a session of the local Worker with a plain EventSource (headless Debian
// Chromium driven by playwright-core), for the Worker harness (live_tail.rs). EventSource sends
// no Authorization header, so the key goes in `access_token`; when the Worker ends the stream
// (ASM_STREAM_SECONDS), the browser reconnects by itself with Last-Event-ID.
//
//   node eventsource.mjs URL TOKEN SESSION COUNT
// Prints `open` when the stream first opens (the harness writes only then, so that its writes
// fall on both sides of the stream's planned end however long the browser took to start), then
// one JSON line: { ids: [[lastEventId, sequence_number], …], reconnects, errors }.
import { chromium } from 'playwright-core';

const [url, token, session, count] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const errors = [];
try {
  const page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  // The Worker serves no favicon; the browser's automatic request for one is not the page's.
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  // Same origin as the stream, so the browser's own rules apply and no CORS is involved.
  await page.goto(`${url}/v1/health`);
  await page.exposeFunction('streamOpened', () => console.log('open'));
  const result = await page.evaluate(
    ({ session, token, count }) =>
      new Promise((resolve) => {
        const ids = [];
        let opens = 0;
        const path = `/v1/sessions/${session}/events/stream?access_token=${encodeURIComponent(token)}`;
        const source = new EventSource(path);
        const done = (why) => {
          source.close();
          resolve({ ids, reconnects: opens - 1, why });
        };
        source.onopen = () => {
          opens += 1;
          if (opens === 1) window.streamOpened();
        };
        source.onmessage = (m) => {
          ids.push([Number(m.lastEventId), JSON.parse(m.data).sequence_number]);
          if (ids.length >= count) done('complete');
        };
        setTimeout(() => done('timeout'), 60_000);
      }),
    { session, token, count: Number(count) },
  );
  // The stream's planned ends show as failed loads of the event stream in the console; they are
  // EventSource's reconnects, not errors of the page.
  const real = errors.filter((e) => !/events\/stream/.test(e) && !/ERR_INCOMPLETE_CHUNKED_ENCODING/.test(e));
  console.log(JSON.stringify({ ...result, errors: real }));
} finally {
  await browser.close();
}
