// Alerts in Chromium (issue 18): an admin adds a Slack-style channel on the Alerts page and
// sends it a test alert; a schedule that dies opens a schedule.dead incident, which the
// Alerts page, the header badge and the schedule's own page show, with its delivery; the
// schedule is muted from its page; re-armed, the incident is resolved.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, reloadUntil, baseUrl, launch, openHydrated, screenshot } from './browser.mjs';

const echoUrl = process.env.SCHEDULEMAN_ECHO_URL ?? 'http://127.0.0.1:5003';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });



test('a channel is added and tested; a dead schedule opens an incident everyone sees, then resolves', async () => {
  const { page, errors } = await openHydrated(browser, '/alerts');
  const channel = `ops ${Date.now()}`;
  await page.fill('#channel-name', channel);
  await page.selectOption('#channel-format', 'slack');
  await page.fill('#channel-url', `${echoUrl}/alerts`);
  await page.click('#add-channel');
  await page.locator('#channel-secret').waitFor();
  const row = page.locator(`tr.channel-row[data-name="${channel}"]`);
  await row.waitFor();
  await row.locator('button.send-test').click();
  await page.locator('#test-result', { hasText: 'reached' }).waitFor();

  const name = `doomed ${Date.now()}`;
  const created = await api('POST', '/api/v1/schedules', {
    name,
    schedule: { in: '1s' },
    max_attempts: 1,
    target: { url: `${echoUrl}/doomed?fail=500` },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;

  const incident = `#open-incidents tr.incident-row[data-event="schedule.dead"]:has(a:text("${name}"))`;
  await reloadUntil(page, '/alerts', incident);
  assert.match(await page.locator(incident).locator('.reason').textContent(), /500/);
  assert.ok(await page.locator('#incident-badge').isVisible(), 'the header shows open incidents');
  await reloadUntil(page, '/alerts', 'tr.delivery-row[data-status="sent"]:has-text("schedule.dead · open")');
  await screenshot(page, 'alerts');

  await page.goto(`${baseUrl}/schedules/${id}`);
  await page.waitForSelector('main[data-hydrated="true"]');
  await page.locator('#schedule-incidents tr.incident-row[data-event="schedule.dead"]').waitFor();
  await page.click('#mute-hour');
  await page.locator('#muted').waitFor();
  const rule = await api('GET', `/api/v1/schedules/${id}/alerts`);
  assert.ok(Date.parse(rule.body.muted_until) > Date.now() + 50 * 60_000, JSON.stringify(rule.body));
  await screenshot(page, 'schedule-alerts');

  assert.equal((await api('POST', `/api/v1/schedules/${id}/pause`)).status, 409, 'dead, not active');
  // Mended: an edit reschedules it, its next fire succeeds, and it is done.
  const mended = await api('PATCH', `/api/v1/schedules/${id}`, { target: { url: `${echoUrl}/mended` } });
  assert.equal(mended.status, 200, JSON.stringify(mended.body));
  await reloadUntil(page, '/alerts',
    `#resolved-incidents tr.incident-row[data-event="schedule.dead"]:has(a:text("${name}"))`);
  assert.deepEqual(errors, []);
});
