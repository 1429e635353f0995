// The next 24 hours at a glance (issue 11): a mark per fire, a band for a dense schedule,
// hours in the viewer's zone, and a click on a fire opens its schedule.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { baseUrl, launch, screenshot } from './browser.mjs';

const echoUrl = process.env.SCHEDULEMAN_ECHO_URL ?? 'http://127.0.0.1:5003';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function create(name, schedule) {
  const response = await fetch(`${baseUrl}/api/v1/schedules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, schedule, target: { url: `${echoUrl}/timeline` } }),
  });
  const text = await response.text();
  assert.equal(response.status, 201, text);
  return JSON.parse(text).id;
}

// The row of schedule `name`: a page shows 50 rows, soonest first, so other tests'
// schedules may push it to a later page; it follows the "Later schedules" links.
async function findRow(page, name) {
  for (let n = 1; n <= 10; n++) {
    await page.goto(`${baseUrl}/timeline?page=${n}`);
    await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
    // Chromium names the zone by its old alias.
    await page.waitForFunction(() => /^Asia\/(Kolkata|Calcutta)$/.test(document.querySelector('#viewer-zone')?.textContent ?? ''));
    const row = page.locator(`.timeline-row[data-name="${name}"]`);
    if (await row.count() > 0) return row;
    assert.ok(await page.locator('#timeline-next').count() > 0, `${name} is on no page`);
  }
  assert.fail(`${name} not found in 10 pages`);
}

test('the timeline draws each fire of the next 24 hours, dense schedules as bands', async () => {
  const stamp = Date.now();
  const once = `timeline once ${stamp}`;
  const dense = `timeline dense ${stamp}`;
  const onceId = await create(once, { in: '3h' });
  await create(dense, { cron: '*/5 * * * *', tz: 'UTC' });

  const context = await browser.newContext({ timezoneId: 'Asia/Kolkata' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  const denseRow = await findRow(page, dense);
  assert.equal(await denseRow.locator('rect.band').count(), 1, 'a band for every 5 minutes');
  assert.match(await denseRow.locator('rect.band title').textContent(), /^(28[78]|289) fires$/);
  // Hour labels are on the viewer's clock: Kolkata is UTC+5:30, so they read HH:00 where
  // HH is a multiple of 3 there.
  const labels = await page.locator('#timeline-axis .tick').allTextContents();
  assert.ok(labels.length >= 7, labels.join(' '));
  assert.ok(labels.every((l) => /^(00|03|06|09|12|15|18|21):00$/.test(l)), labels.join(' '));
  await screenshot(page, 'timeline');

  const onceRow = await findRow(page, once);
  assert.equal(await onceRow.locator('line.fire').count(), 1, 'one mark for a one-shot');

  await onceRow.locator('line.fire').click({ force: true });
  await page.waitForURL(`${baseUrl}/schedules/${onceId}`);
  assert.deepEqual(errors, []);
  await context.close();
});
