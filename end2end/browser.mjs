// Launches Debian's Chromium headless for the end-to-end tests, and saves screenshots as
// test artifacts in end2end/artifacts/ (git-ignored).
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const baseUrl = process.env.SCHEDULEMAN_URL ?? 'http://127.0.0.1:3000';
export const artifactsDir = new URL('./artifacts/', import.meta.url).pathname;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// Opens `path` and waits until the page has hydrated.
export async function openHydrated(browser, path) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(baseUrl + path);
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
  return { page, errors };
}

export async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: `${artifactsDir}${name}.png`, fullPage: true });
}

// Calls the API of the server under test: the status and the JSON answer.
export async function api(method, path, body) {
  const response = await fetch(baseUrl + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

// Reloads `path` until `selector` shows, for up to `seconds`.
export async function reloadUntil(page, path, selector, seconds = 40) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    await page.goto(baseUrl + path);
    await page.waitForSelector('main[data-hydrated="true"]');
    if (await page.locator(selector).count() > 0) return;
    if (Date.now() >= deadline) throw new Error(`${selector} never showed on ${path}`);
    await page.waitForTimeout(700);
  }
}
