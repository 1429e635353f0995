// The first page as a user on a slow connection feels it: Debian's Chromium, headless, with
// DevTools' "Fast 3G" network emulation (562.5 ms latency, 180 KB/s down, 84 KB/s up) and an
// empty cache, opens each page and prints the bytes transferred and the time until the page
// has hydrated (for the new-schedule form: until it accepts input, and then how long the
// preview takes to follow a cron expression typed in, which the server reads). Run by
// scripts/first-page.sh (`make bench`) against a release server:
// `node scripts/first-page.mjs http://127.0.0.1:PORT`.
import { chromium } from 'playwright-core';

const base = process.argv[2];
if (!base) {
  console.error('usage: node scripts/first-page.mjs BASE_URL [ROUNDS]');
  process.exit(2);
}
const rounds = Number(process.argv[3] ?? 3);
const FAST_3G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1.6 * 1024 * 1024 * 0.9) / 8,
  uploadThroughput: (750 * 1024 * 0.9) / 8,
};
// One schedule's page needs a schedule: a cron one in a zone with daylight-saving time.
const created = await fetch(`${base}/api/v1/schedules`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    name: `first page ${Date.now()}`,
    schedule: { cron: '0 9 * * 1-5', tz: 'America/New_York' },
    target: { url: 'http://127.0.0.1:9/hook' }, // first-page.sh allows loopback targets
  }),
});
if (created.status !== 201) {
  console.error(`creating a schedule: ${created.status} ${await created.text()}`);
  process.exit(1);
}
const { id } = await created.json();
// [path, as printed, what it is]
const pages = [
  ['/schedules/new', '/schedules/new', 'the new-schedule form'],
  ['/', '/', 'the schedules list'],
  ['/timeline', '/timeline', 'the timeline'],
  [`/schedules/${id}`, '/schedules/:id', 'one schedule\'s page'],
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function once(path) {
  const context = await browser.newContext(); // an empty cache every time
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  let bytes = 0;
  const wasm = { bytes: 0, files: 0, encoding: 'none' }; // the main module and its route's chunks
  const urls = new Map();
  cdp.on('Network.responseReceived', (event) => {
    urls.set(event.requestId, event.response);
  });
  cdp.on('Network.loadingFinished', (event) => {
    bytes += event.encodedDataLength;
    const response = urls.get(event.requestId);
    if (response?.url.endsWith('.wasm')) {
      wasm.bytes += event.encodedDataLength;
      wasm.files += 1;
      const headers = Object.fromEntries(
        Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
      wasm.encoding = headers['content-encoding'] ?? 'none';
    }
  });
  const started = Date.now();
  await page.goto(base + path, { waitUntil: 'commit' });
  await page.waitForSelector('main', { timeout: 120_000 });
  const painted = Date.now() - started;
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 120_000 });
  const interactive = Date.now() - started;
  let preview = null;
  if (path === '/schedules/new') {
    // Accepts input: typing into the name field works once hydrated.
    await page.fill('#name', 'typed');
    // The preview follows what is typed (on Fast 3G, with the server's reading).
    const typed = Date.now();
    await page.fill('#cron', '*/5 9-17 * * 1-5');
    await page.waitForFunction(
      () => document.querySelector('#description')?.textContent.startsWith('Every 5 minutes'),
      null, { timeout: 60_000 });
    preview = Date.now() - typed;
  }
  await context.close();
  return { bytes, painted, interactive, wasm, preview };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`first page under Fast 3G, empty cache, median of ${rounds} (and the slowest):`);
for (const [path, label, what] of pages) {
  const runs = [];
  for (let i = 0; i < rounds; i++) runs.push(await once(path));
  const last = runs[runs.length - 1];
  console.log(
    `  ${label.padEnd(16)} ${(median(runs.map((r) => r.bytes)) / 1024).toFixed(0).padStart(6)} KB transferred ` +
      `(wasm ${(last.wasm.bytes / 1024).toFixed(0)} KB in ${last.wasm.files} files, ${last.wasm.encoding}), ` +
      `HTML shown ${(median(runs.map((r) => r.painted)) / 1000).toFixed(1)} s, ` +
      `interactive ${(median(runs.map((r) => r.interactive)) / 1000).toFixed(1)} s ` +
      `(slowest ${(Math.max(...runs.map((r) => r.interactive)) / 1000).toFixed(1)} s)  (${what})`,
  );
  if (last.preview !== null) {
    console.log(
      `  ${''.padEnd(16)} the preview follows a typed cron expression after ` +
        `${(median(runs.map((r) => r.preview)) / 1000).toFixed(2)} s ` +
        `(slowest ${(Math.max(...runs.map((r) => r.preview)) / 1000).toFixed(2)} s)`,
    );
  }
}
await browser.close();
