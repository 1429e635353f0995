// Importing a crontab (issue 11): a preview line by line with errors by line number and next
// runs, nothing written until confirmed, then a second import of the same source changes
// nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { baseUrl, launch, openHydrated, screenshot } from './browser.mjs';

const echoUrl = process.env.SCHEDULEMAN_ECHO_URL ?? 'http://127.0.0.1:5003';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function previewed(page, text) {
  await page.fill('#crontab', text);
  const before = await page.evaluate(() => document.querySelector('#import-summary')?.textContent ?? null);
  await page.click('#preview-import');
  await page.waitForFunction(
    (old) => {
      const summary = document.querySelector('#import-summary')?.textContent;
      return summary && summary !== old;
    },
    before,
    { timeout: 15_000 },
  );
  return page.textContent('#import-summary');
}

test('a crontab is previewed line by line, then imported once confirmed', async () => {
  const { page, errors } = await openHydrated(browser, '/import');
  const source = `e2e-${Date.now()}`;
  await page.fill('#source', source);
  await page.fill('#import-target', `${echoUrl}/crontab`);
  await page.selectOption('#import-tz', 'America/New_York');
  const good = [
    '# Nightly report',
    `30 2 * * * curl -X POST ${echoUrl}/report`,
    'MAILTO=ops@example.com',
    `@hourly /usr/local/bin/cleanup-${source}.sh`,
  ];
  const withError = [...good, '0 25 * * * /bin/true'].join('\n');
  assert.equal(await previewed(page, withError), '2 to create, 0 to change, 0 left alone, 1 line in error');
  const bad = page.locator('tr.plan-line[data-line="5"] .line-error');
  assert.match(await bad.textContent(), /cron field 2 \(hour\) is 25; hours are 0–23/);
  assert.equal(await page.isDisabled('#confirm-import'), true, 'no import while a line is wrong');
  const report = page.locator('tr.plan-line[data-line="2"]');
  assert.match(await report.locator('.understood').textContent(), /At 02:30, America\/New_York · Nightly report/);
  assert.equal(await report.locator('.next-fire').count(), 3);
  await screenshot(page, 'import-preview-error');

  assert.equal(await previewed(page, good.join('\n')), '2 to create, 0 to change, 0 left alone, 0 lines in error');
  await page.click('#confirm-import');
  await page.waitForSelector('#import-done');
  assert.match(await page.textContent('#import-done'), /Imported: 2 created, 0 changed, 0 left alone/);
  await screenshot(page, 'import-done');

  // The same crontab again: nothing to do.
  assert.equal(await previewed(page, good.join('\n') + '\n'), '0 to create, 0 to change, 2 left alone, 0 lines in error');
  assert.equal(await page.isDisabled('#confirm-import'), true);
  assert.deepEqual(errors, []);

  const html = await (await fetch(`${baseUrl}/?search=${encodeURIComponent('Nightly report')}`)).text();
  assert.match(html, /Nightly report/);
});
