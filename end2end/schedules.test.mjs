// Schedules through the UI: every kind through the form, live validation, the reason a
// trigger failed, dead letters and re-arming, and a DST-gap Run At flagged before saving.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { baseUrl, launch, openHydrated, screenshot } from './browser.mjs';

const echoUrl = process.env.SCHEDULEMAN_ECHO_URL ?? 'http://127.0.0.1:5003';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const unique = (prefix) => `${prefix} ${Date.now()}-${Math.floor(Math.random() * 1000)}`;

async function fillCommon(page, name, url) {
  await page.fill('#name', name);
  await page.fill('#url', url);
}

async function saveAndOpen(page) {
  await page.click('#save');
  // A new schedule's signing secret is shown once, then the user goes on to the schedule.
  await page.waitForSelector('#signing-secret', { timeout: 15_000 });
  assert.match(await page.textContent('#signing-secret .secret'), /^whsec_[0-9a-f]{64}$/);
  await page.click('#continue');
  await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/, { timeout: 15_000 });
  await page.waitForSelector('main[data-hydrated="true"]');
  await page.waitForSelector('#schedule-name');
}

test('a cron schedule is validated as you type, saved, and shows its next execution', async () => {
  const { page, errors } = await openHydrated(browser, '/schedules/new');
  await page.fill('#cron', '0 25 * * *');
  await page.waitForSelector('#schedule-error');
  assert.match(await page.textContent('#schedule-error'), /cron field 2 \(hour\) is 25; hours are 0–23/);
  await page.fill('#cron', '*/5 9-17 * * 1-5');
  await page.selectOption('#tz', 'Europe/Berlin');
  await page.waitForSelector('#description');
  assert.equal(await page.textContent('#description'), 'Every 5 minutes, 09:00–17:59, Monday through Friday, Europe/Berlin');
  assert.equal(await page.locator('#preview .next-fire').count(), 5);
  await screenshot(page, 'new-schedule-cron');

  const name = unique('cron report');
  await fillCommon(page, name, `${echoUrl}/cron`);
  await saveAndOpen(page);
  assert.equal(await page.textContent('#schedule-name'), name);
  assert.match(await page.textContent('#schedule-description'), /Europe\/Berlin/);
  const next = page.locator('#next-execution time');
  assert.equal(await next.count(), 1, 'the next execution is shown');
  assert.match(await page.textContent('#next-execution'), /in \d/);
  await screenshot(page, 'schedule-detail');

  // And it is listed on the home page with its next execution.
  const { page: home } = await openHydrated(browser, `/?search=${encodeURIComponent(name)}`);
  const row = home.locator(`tr.schedule-row[data-name="${name}"]`);
  await row.waitFor();
  assert.equal(await row.locator('.next-execution time').count(), 1);
  // Its title reads the run in the schedule's own zone, from the page's data (the list's
  // browser code has no zone tables).
  assert.match(
    await row.locator('.next-execution time').getAttribute('title'),
    /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00 CES?T$/,
  );
  await screenshot(home, 'schedules');
  assert.deepEqual(errors, []);
});

test('every, in and Run At schedules are created through the form', async () => {
  for (const [kind, field, value, description] of [
    ['every', '#every', '90s', /^Every 90s$/],
    ['in', '#in', '2h', /^Once at .*\(2h after it was set\)$/],
  ]) {
    const { page } = await openHydrated(browser, '/schedules/new');
    await page.click(`button[data-kind="${kind}"]`);
    await page.fill(field, value);
    await fillCommon(page, unique(kind), `${echoUrl}/${kind}`);
    await saveAndOpen(page);
    assert.match(await page.textContent('#schedule-description'), description);
  }
  const { page } = await openHydrated(browser, '/schedules/new');
  await page.click('button[data-kind="at"]');
  await page.selectOption('#at-zone', 'Asia/Kolkata');
  await page.fill('#at', '2099-06-01T09:00:00');
  await page.waitForSelector('#run-at-instant');
  assert.match(await page.textContent('#run-at-instant'), /2099-06-01 03:30:00 UTC/);
  await fillCommon(page, unique('run at'), `${echoUrl}/at`);
  await saveAndOpen(page);
  assert.match(await page.textContent('#schedule-description'), /Once at 2099-06-01 09:00 IST/);
});

// The next full hour on Tokyo's wall clock (UTC+9, no DST), as the picker writes it.
function nextFullHourInTokyo(now) {
  const tokyo = new Date(now + 9 * 3600e3);
  tokyo.setUTCMinutes(0, 0, 0);
  tokyo.setUTCHours(tokyo.getUTCHours() + 1);
  return tokyo.toISOString().slice(0, 16);
}

test('a new schedule opens in the browser zone on its next full hour, retry delays in humantime (issue 11)', async () => {
  const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  const before = nextFullHourInTokyo(Date.now());
  await page.goto(baseUrl + '/schedules/new');
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
  await page.waitForFunction(() => document.querySelector('#tz')?.value === 'Asia/Tokyo');
  await page.click('button[data-kind="at"]');
  assert.equal(await page.inputValue('#at-zone'), 'Asia/Tokyo');
  const opened = await page.inputValue('#at');
  assert.ok([before, nextFullHourInTokyo(Date.now())].includes(opened), opened);
  await page.waitForSelector('#run-at-instant');
  assert.equal(await page.locator('#run-at-warning, #schedule-error').count(), 0, 'no error before typing');

  assert.equal(await page.inputValue('#backoff-initial'), '1s');
  assert.equal(await page.inputValue('#backoff-max'), '5m');
  await page.fill('#backoff-initial', '300000');
  const error = page.locator('.field-error');
  await error.first().waitFor();
  assert.match(await error.first().textContent(), /no unit; write e\.g\. 300000ms, 1s or 5m/);
  await screenshot(page, 'new-schedule-defaults');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the form and the detail page say where DST moved a run (issue 11)', async () => {
  const { page, errors } = await openHydrated(browser, '/schedules/new');
  // 02:30 on the second Sunday of March: the day New York's clocks jump 02:00 → 03:00.
  await page.fill('#cron', '30 2 * 3 0#2');
  await page.selectOption('#tz', 'America/New_York');
  await page.waitForFunction(() => document.querySelector('#description')?.textContent.includes('second Sunday'));
  const note = page.locator('#preview .next-fire .dst-note').first();
  await note.waitFor();
  assert.match(await note.textContent(), /DST: 02:30 does not exist that day \(clocks jump 02:00→03:00\); runs at the first instant after the gap/);
  assert.match(await page.locator('#preview .next-fire').first().textContent(), /03:00:00 EDT/);
  await screenshot(page, 'new-schedule-dst-note');
  await fillCommon(page, unique('dst'), `${echoUrl}/dst`);
  await saveAndOpen(page);
  assert.equal(await page.locator('.next-fire .dst-note').count(), 5, 'every next fire is on a DST day');
  assert.deepEqual(errors, []);
});

test('a Run At inside a DST gap is flagged, and an ambiguous one offers both', async () => {
  const { page } = await openHydrated(browser, '/schedules/new');
  await page.click('button[data-kind="at"]');
  await page.selectOption('#at-zone', 'America/New_York');
  await page.fill('#at', '2027-03-14T02:30:00');
  await page.waitForSelector('#run-at-warning');
  assert.match(await page.textContent('#run-at-warning'), /does not exist in America\/New_York: the clocks jump from 02:00 to 03:00/);
  await screenshot(page, 'run-at-dst-gap');
  await page.fill('#at', '2027-11-07T01:30:00');
  await page.waitForSelector('#ambiguous');
  assert.match(await page.textContent('#ambiguous'), /occurs twice/);
  // 01:30 EDT first; choosing the second occurrence reads 01:30 EST, an hour later.
  assert.match(await page.textContent('#run-at-instant'), /2027-11-07 05:30:00 UTC/);
  await page.check('#ambiguous input[value="second"]');
  await page.waitForFunction(
    () => document.querySelector('#run-at-instant')?.textContent.includes('06:30:00 UTC'),
  );
  assert.equal(await page.isChecked('#ambiguous input[value="second"]'), true);
  assert.equal(await page.isChecked('#ambiguous input[value="first"]'), false);
});

test('the server refuses a private target next to the URL field', async () => {
  const { page } = await openHydrated(browser, '/schedules/new');
  await fillCommon(page, unique('sneaky'), 'http://10.1.2.3/hook');
  await page.click('#save');
  const error = page.locator('.field-error');
  await error.first().waitFor();
  assert.match(await error.first().textContent(), /private network address/);
});

test('a failing target shows why, dies, appears in dead letters and is re-armed', async () => {
  const { page } = await openHydrated(browser, '/schedules/new');
  await page.click('button[data-kind="in"]');
  await page.fill('#in', '1s');
  const name = unique('failing');
  await fillCommon(page, name, `${echoUrl}/fail?fail=503`);
  await page.fill('#max-attempts', '2');
  await page.fill('#backoff-initial', '200ms');
  await saveAndOpen(page);
  await page.waitForFunction(() => document.querySelector('#state')?.textContent.includes('dead'), null, { timeout: 30_000 });
  assert.match(await page.textContent('#last-outcome'), /HTTP 503: failing on request with 503/);
  await page.waitForSelector('#history tr.execution');
  assert.match(await page.textContent('#history'), /HTTP 503/);
  // Punctuality (issue 11): the fire failed both attempts; the chart has its hour.
  await page.waitForSelector('#punctuality #day .fires');
  assert.equal(await page.textContent('#punctuality #day .fires'), '1 fire, 1 failed');
  assert.equal(await page.textContent('#punctuality #day .success-rate'), '0 %');
  assert.match(await page.textContent('#punctuality #day .lag'), /lag p50 \d+ ms · p99 \d+ ms/);
  assert.equal(await page.locator('#punctuality-chart g.hour').count(), 1);
  assert.match(await page.textContent('#history tr.execution .lag'), /\d+ (ms|s)/);
  await screenshot(page, 'schedule-dead');

  const { page: home } = await openHydrated(browser, `/?search=${encodeURIComponent(name)}`);
  const listed = home.locator(`tr.schedule-row[data-name="${name}"] .success-day`);
  await listed.waitFor();
  assert.equal(await listed.textContent(), '0 %');

  const { page: dead } = await openHydrated(browser, '/dead-letters');
  const row = dead.locator(`tr.dead-row[data-name="${name}"]`);
  await row.waitFor();
  assert.match(await row.locator('.reason').textContent(), /HTTP 503/);
  await screenshot(dead, 'dead-letters');
  await row.locator('button.rearm').click();
  await dead.waitForSelector('#rearmed');
  await row.waitFor({ state: 'detached' });
});

test('the executors page lists the running executors', async () => {
  const { page } = await openHydrated(browser, '/executors');
  await page.waitForSelector('tr.executor');
  assert.ok(await page.locator('tr.executor').count() >= 1);
  await screenshot(page, 'executors');
});
