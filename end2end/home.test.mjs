// The home page: server-rendered, hydrated, styled, and talking to its server function.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { baseUrl, launch, openHydrated, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('home page is rendered on the server, with the figures', async () => {
  const response = await fetch(baseUrl + '/');
  assert.equal(response.status, 200);
  const html = await response.text();
  assert.match(html, /<h1[^>]*>Schedules<\/h1>/);
  assert.match(html, /Executors alive/);
  assert.match(html, /\/pkg\/scheduleman\.css/);
});

test('home page hydrates and the Refresh button reads the figures again', async () => {
  const { page, errors } = await openHydrated(browser, '/');
  const asOf = page.locator('#as-of');
  const first = await asOf.textContent();
  await page.click('#refresh');
  await page.waitForFunction(
    (before) => document.querySelector('#as-of')?.textContent !== before,
    first,
    { timeout: 10_000 },
  );
  assert.notEqual(await asOf.textContent(), first);
  assert.deepEqual(errors, []);
  await screenshot(page, 'home');
});

test('Tailwind styles are applied', async () => {
  const { page } = await openHydrated(browser, '/');
  const background = await page.$eval('#refresh', (el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(background, 'rgba(0, 0, 0, 0)', 'the button has no background: no Tailwind CSS');
  const padding = await page.$eval('main', (el) => getComputedStyle(el).paddingTop);
  assert.equal(padding, '32px');
});

test('the icon is served, and no request of the home page fails (issue 11)', async () => {
  for (const path of ['/favicon.ico', '/favicon.svg']) {
    const response = await fetch(baseUrl + path);
    assert.equal(response.status, 200, path);
    assert.match(response.headers.get('content-type') ?? '', /^image\//, path);
  }
  const page = await browser.newPage();
  const failed = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(baseUrl + '/');
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
  assert.deepEqual(failed, []);
  const icon = await page.$eval('link[rel="icon"]', (el) => el.getAttribute('href'));
  assert.equal((await fetch(baseUrl + icon)).status, 200);
  await page.close();
});

test('an unknown address answers 404 with a way back', async () => {
  const response = await fetch(baseUrl + '/no-such-page');
  assert.equal(response.status, 404);
  assert.match(await response.text(), /Page not found/);
});

test('read-only pages arrive complete without JavaScript', async () => {
  for (const [path, text] of [['/', 'Executors alive'], ['/dead-letters', 'Dead letters'], ['/executors', 'Executors']]) {
    const html = await (await fetch(baseUrl + path)).text();
    assert.match(html, new RegExp(text));
    assert.doesNotMatch(html, /Loading…/, `${path} still shows a loading placeholder`);
  }
});
