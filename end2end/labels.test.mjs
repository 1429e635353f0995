// Labels in Chromium (issue 20): a schedule labelled in the form; the list filtered by a
// selector, a label chip linking to its selection; a bulk pause that first asks
// "Pause 2 schedules?" and then pauses exactly those.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, baseUrl, launch, openHydrated, screenshot } from './browser.mjs';

const echoUrl = process.env.SCHEDULEMAN_ECHO_URL ?? 'http://127.0.0.1:5003';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });


test('labels are set in the form, select the list, and a bulk pause confirms its count', async () => {
  const team = `t${Date.now()}`;
  const { page, errors } = await openHydrated(browser, '/schedules/new');
  await page.fill('#name', `${team} labelled`);
  await page.fill('#cron', '0 9 * * *');
  await page.fill('#labels', `team=${team}\nenv=prod`);
  await page.fill('#url', `${echoUrl}/labelled`);
  await page.click('#save');
  await page.waitForSelector('#signing-secret', { timeout: 15_000 });
  const created = await api('POST', '/api/v1/schedules', {
    name: `${team} second`, schedule: { every: '1h' }, target: { url: `${echoUrl}/second` },
    labels: { team, env: 'dev' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await api('POST', '/api/v1/schedules', {
    name: `${team} other team`, schedule: { every: '1h' }, target: { url: `${echoUrl}/other` },
    labels: { team: `${team}x` },
  });

  await page.goto(`${baseUrl}/?selector=${encodeURIComponent(`team=${team},env!=dev`)}`);
  await page.waitForSelector('main[data-hydrated="true"]');
  const rows = page.locator('tr.schedule-row');
  assert.deepEqual(await rows.evaluateAll((r) => r.map((row) => row.dataset.name)), [`${team} labelled`]);
  await page.locator(`tr.schedule-row a.label`, { hasText: `team=${team}` }).click();
  await page.waitForURL(/selector=team/);
  await page.waitForSelector('main[data-hydrated="true"]');
  await page.waitForFunction((n) => document.querySelectorAll('tr.schedule-row').length === n, 2);
  await screenshot(page, 'list-by-labels');

  let asked = '';
  page.once('dialog', async (dialog) => { asked = dialog.message(); await dialog.accept(); });
  await page.click('#bulk-pause');
  await page.locator('#bulk-result', { hasText: 'pause: 2 of 2 schedules' }).waitFor();
  assert.equal(asked, 'Pause 2 schedules?');
  const listed = await api('GET', `/api/v1/schedules?selector=${encodeURIComponent(`team=${team}`)}`);
  assert.deepEqual(listed.body.items.map((s) => s.state), ['paused', 'paused']);
  const other = await api('GET', `/api/v1/schedules?selector=${encodeURIComponent(`team=${team}x`)}`);
  assert.equal(other.body.items[0].state, 'active', 'a schedule the selector does not match is untouched');
  assert.deepEqual(errors, []);
});
