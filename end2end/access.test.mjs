// API keys with roles and the audit log (issue 18), in Chromium against the token-guarded
// server: an admin creates a read key on the Keys page (shown once); signed in with it, the
// UI names the key and its role and offers no button the role cannot use, and header values
// are hidden; the admin revokes it and the key's session ends at its next page; the Audit
// page and the schedule's own page show who did what.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { baseUrl, launch, screenshot } from './browser.mjs';

const guardedUrl = process.env.SCHEDULEMAN_GUARDED_URL;
const token = process.env.SCHEDULEMAN_GUARDED_TOKEN;
const echoUrl = process.env.SCHEDULEMAN_ECHO_URL ?? 'http://127.0.0.1:5003';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signIn(context, secret, path = '/') {
  const page = await context.newPage();
  await page.goto(guardedUrl + path);
  await page.waitForSelector('#token');
  await page.fill('#token', secret);
  await page.click('button[type="submit"]');
  await page.waitForURL(guardedUrl + path);
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
  return page;
}

test('a read key sees but cannot change, is revoked at once, and the audit log says who did what', async () => {
  assert.ok(guardedUrl && token, 'SCHEDULEMAN_GUARDED_URL and _TOKEN: run through make test');
  // A schedule to look at, made through the open server on the same database.
  const name = `audited ${Date.now()}`;
  const created = await fetch(baseUrl + '/api/v1/schedules', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      schedule: { every: '1h' },
      target: { url: `${echoUrl}/audited`, headers: { 'X-Api-Key': 'hunter2-e2e' } },
      paused: true,
    }),
  });
  const answer = await created.text();
  assert.equal(created.status, 201, answer);
  const { id } = JSON.parse(answer);

  const adminContext = await browser.newContext();
  const admin = await signIn(adminContext, token, '/keys');
  await admin.fill('#key-name', 'viewer e2e');
  await admin.selectOption('#key-role', 'read');
  await admin.click('#create-key');
  const shown = admin.locator('#new-key-shown code');
  await shown.waitFor();
  const key = (await shown.textContent()).trim();
  assert.match(key, /^sk_[0-9a-f]{40}$/);
  await admin.locator('tr.key-row[data-name="viewer e2e"]').waitFor();
  await screenshot(admin, 'keys');

  const viewerContext = await browser.newContext();
  const viewer = await signIn(viewerContext, key, `/schedules/${id}`);
  await viewer.waitForSelector('#schedule-name');
  assert.equal((await viewer.textContent('#who')).trim(), 'viewer e2e · read');
  for (const hidden of ['#edit', '#delete', '#rotate-secret', '#resume', '#trigger']) {
    assert.equal(await viewer.locator(hidden).count(), 0, `${hidden} is offered to a read key`);
  }
  const nav = await viewer.textContent('header nav');
  assert.ok(!nav.includes('New schedule') && !nav.includes('Keys') && !nav.includes('Audit'), nav);
  assert.ok(!(await viewer.textContent('main')).includes('hunter2-e2e'), 'a header value is shown');
  await screenshot(viewer, 'read-key-schedule');

  await admin.locator('tr.key-row[data-name="viewer e2e"] button.revoke').click();
  await admin.locator('tr.key-row[data-name="viewer e2e"]', { hasText: 'revoked' }).waitFor();
  await viewer.goto(guardedUrl + '/');
  await viewer.waitForURL(/\/login\?next=%2F$/);

  await admin.goto(guardedUrl + '/audit?action=key.');
  await admin.waitForSelector('main[data-hydrated="true"]');
  const actions = await admin.locator('tr.audit-row').evaluateAll(
    (rows) => rows.map((row) => row.dataset.action));
  assert.deepEqual(actions.slice(0, 2), ['key.revoke', 'key.create']);
  assert.equal(await admin.locator('tr.audit-row td.actor').first().textContent(), 'bootstrap token');
  await screenshot(admin, 'audit');

  await admin.goto(`${guardedUrl}/schedules/${id}`);
  await admin.locator('#changes tr.audit-row[data-action="schedule.create"]').waitFor();
  const changes = await admin.textContent('#changes');
  assert.ok(changes.includes(name) && changes.includes('local'), changes);
  assert.ok(!changes.includes('hunter2-e2e'), changes);
  await adminContext.close();
  await viewerContext.close();
});
