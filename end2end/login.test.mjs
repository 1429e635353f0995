// Signing in to a server started with an API token (issue 11): a page asks for the token,
// a wrong one is refused with the reason, the right one goes on to the page first asked
// for, and Sign out ends the session. Runs against the second, token-guarded server that
// scripts/test.sh starts (SCHEDULEMAN_GUARDED_URL, SCHEDULEMAN_GUARDED_TOKEN).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, screenshot } from './browser.mjs';

const guardedUrl = process.env.SCHEDULEMAN_GUARDED_URL;
const token = process.env.SCHEDULEMAN_GUARDED_TOKEN;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('sign in with the token, land on the page asked for, sign out', async () => {
  assert.ok(guardedUrl && token, 'SCHEDULEMAN_GUARDED_URL and _TOKEN: run through make test');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(guardedUrl + '/dead-letters');
  await page.waitForURL(/\/login\?next=%2Fdead-letters$/);
  await page.waitForSelector('#token');
  await screenshot(page, 'login');

  await page.fill('#token', 'not the token');
  await page.click('button[type="submit"]');
  await page.waitForSelector("text=That is neither this server's token nor an active API key.");
  assert.equal((await context.cookies()).length, 0, 'no session for a wrong token');

  await page.fill('#token', token);
  await page.click('button[type="submit"]');
  await page.waitForURL(guardedUrl + '/dead-letters');
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
  assert.match(await page.textContent('h1'), /Dead letters/);
  const session = (await context.cookies()).find((cookie) => cookie.httpOnly);
  assert.ok(session, 'an HttpOnly session cookie');

  await page.click('#sign-out');
  await page.waitForURL(/\/login/);
  await page.goto(guardedUrl + '/');
  await page.waitForURL(/\/login\?next=%2F$/);
  await context.close();
});
