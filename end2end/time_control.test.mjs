// Time control in Chromium (issue 19): the form's Limits fieldset (a window picked in a
// zone, a run limit, jitter, a DST policy with the changes it affects listed before saving),
// the detail page's limits and fires left; "Trigger with a body…" marked manual in the
// history; "Pause until…" with a note, shown on the page and in the list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, reloadUntil, baseUrl, launch, openHydrated, screenshot } from './browser.mjs';

const echoUrl = process.env.SCHEDULEMAN_ECHO_URL ?? 'http://127.0.0.1:5003';
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const unique = (prefix) => `${prefix} ${Date.now()}-${Math.floor(Math.random() * 1000)}`;



test('the Limits fieldset shows what a DST policy does before saving, and the page shows the limits', async () => {
  const { page, errors } = await openHydrated(browser, '/schedules/new');
  // 01:30 and 02:30: New York skips 02:30 in March and repeats 01:30 in November.
  await page.fill('#cron', '30 1,2 * * *');
  await page.selectOption('#tz', 'America/New_York');
  const effect = page.locator('#dst-effects .dst-effect', { hasText: 'does not exist' }).first();
  await effect.waitFor();
  assert.match(await effect.textContent(), /Mar 20\d\d: 02:30 does not exist \(clocks jump 02:00→03:00\) — shifted to 03:00/);
  await page.selectOption('#dst-gap', 'skip');
  await page.locator('#dst-effects .dst-effect', { hasText: 'skipped' }).waitFor();
  assert.match(
    await page.locator('#dst-effects .dst-effect', { hasText: 'happens twice' }).first().textContent(),
    /Nov 20\d\d: 01:30 happens twice.*— runs once, at the first/,
    'a fixed-time job fires once in an overlap by default',
  );
  await page.selectOption('#dst-overlap', 'twice');
  const overlap = page.locator('#dst-effects .dst-effect', { hasText: 'runs twice' });
  await overlap.first().waitFor();
  assert.match(await overlap.first().textContent(), /Nov 20\d\d: 01:30 happens twice/);
  await page.fill('#max-fires', 'ten');
  await page.locator('#controls .field-error', { hasText: '"ten" is not a whole number' }).waitFor();
  await page.fill('#max-fires', '3');
  await page.fill('#jitter', '30s');
  assert.match(await page.textContent('#jitter-note'), /within 30s after its time/);
  // A window end picked on Tokyo's wall clock, a year from now.
  const year = new Date().getUTCFullYear() + 1;
  await page.selectOption('#window-zone', 'Asia/Tokyo');
  await page.fill('#ends-at', `${year}-06-30T09:00:00`);
  await screenshot(page, 'new-schedule-limits');
  const name = unique('limited');
  await page.fill('#name', name);
  await page.fill('#url', `${echoUrl}/limited`);
  await page.click('#save');
  await page.waitForSelector('#signing-secret', { timeout: 15_000 });
  await page.click('#continue');
  await page.waitForURL(/\/schedules\/[0-9a-f-]{36}$/, { timeout: 15_000 });
  await page.waitForSelector('main[data-hydrated="true"]');
  const limits = await page.textContent('#limits');
  assert.match(limits, /At most 3 fires/);
  assert.match(limits, /Each fire within 30s after its time/);
  assert.match(limits, /A time the clocks skip: skipped/);
  assert.match(limits, /A time that happens twice: fires at both/);
  assert.match(limits, /Not after/);
  assert.match(await page.textContent('#state'), /3 of 3 fires left/);
  const id = page.url().split('/').pop();
  const stored = await api('GET', `/api/v1/schedules/${id}`);
  assert.equal(stored.body.ends_at, `${year}-06-30T00:00:00Z`, '09:00 in Tokyo is 00:00 UTC');
  assert.equal(stored.body.dst_gap, 'skip');
  assert.equal(stored.body.max_fires, 3);
  assert.deepEqual(errors, []);
});

test('trigger with a body is marked manual; pause until with a note shows on the page and in the list', async () => {
  const name = unique('controlled');
  const created = await api('POST', '/api/v1/schedules', {
    name,
    schedule: { every: '1h' },
    target: { url: `${echoUrl}/controlled` },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const { page, errors } = await openHydrated(browser, `/schedules/${id}`);
  await page.click('#trigger-with-body');
  await page.fill('#trigger-body', '{"one_off": true}');
  await page.click('#trigger-send');
  await reloadUntil(page, `/schedules/${id}`, '#history .execution .manual');

  await page.click('#pause-with-note');
  // An hour from now on the browser's wall clock, as a datetime-local input takes it.
  const until = await page.evaluate(() => {
    const d = new Date(Date.now() + 3600_000);
    const pad = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  });
  await page.fill('#pause-until', until);
  await page.fill('#pause-note', 'deploy freeze');
  await page.click('#pause-confirm');
  await reloadUntil(page, `/schedules/${id}`, '#state .pause-note');
  assert.match(await page.textContent('#state .pause-note'), /until .*, by local: deploy freeze/);
  await screenshot(page, 'schedule-paused-until');
  const stored = await api('GET', `/api/v1/schedules/${id}`);
  assert.equal(stored.body.state, 'paused');
  const minutes = (Date.parse(stored.body.paused_until) - Date.now()) / 60_000;
  assert.ok(minutes > 55 && minutes <= 60, `paused for about an hour, not ${minutes} minutes`);

  await page.goto(`${baseUrl}/?search=${encodeURIComponent(name)}`);
  await page.waitForSelector('main[data-hydrated="true"]');
  const row = page.locator(`tr.schedule-row[data-name="${name}"]`);
  assert.match(await row.locator('.pause-note').textContent(), /by local: deploy freeze/);
  assert.deepEqual(errors, []);
});

test('pause until is read on the browser\'s own clock: a skipped time is refused, a doubled one is the first', async () => {
  const created = await api('POST', '/api/v1/schedules', {
    name: unique('paused in New York'),
    schedule: { every: '1h' },
    target: { url: `${echoUrl}/new-york` },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  // One schedule's page carries no zone tables (issue 21): the browser's zone is read through
  // its own date functions.
  const context = await browser.newContext({ timezoneId: 'America/New_York' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${baseUrl}/schedules/${id}`);
  await page.waitForSelector('main[data-hydrated="true"]');
  await page.click('#pause-with-note');
  // Next year's second Sunday of March, New York's clocks jump 02:00 → 03:00; its first
  // Sunday of November, they go back 02:00 → 01:00 (a pause may end at most 10 years ahead).
  const year = new Date().getUTCFullYear() + 1;
  const sunday = (month, nth) => {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + 7 * (nth - 1);
  };
  const march = `${year}-03-${String(sunday(2, 2)).padStart(2, '0')}`;
  const november = sunday(10, 1);
  await page.fill('#pause-until', `${march}T02:30`);
  await page.click('#pause-confirm');
  await page.waitForSelector('#pause-problem');
  assert.match(
    await page.textContent('#pause-problem'),
    new RegExp(`${march} 02:30 does not exist on your clock`),
  );
  assert.equal((await api('GET', `/api/v1/schedules/${id}`)).body.state, 'active');
  // 01:30 that November Sunday happens twice; the first is EDT, 05:30 UTC.
  await page.fill('#pause-until', `${year}-11-${String(november).padStart(2, '0')}T01:30`);
  await page.click('#pause-confirm');
  await reloadUntil(page, `/schedules/${id}`, '#state .pause-note');
  const stored = await api('GET', `/api/v1/schedules/${id}`);
  assert.equal(stored.body.state, 'paused');
  assert.equal(Date.parse(stored.body.paused_until), Date.UTC(year, 10, november, 5, 30), stored.body.paused_until);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a backfill is previewed, started and shown done, its fires marked in the history', async () => {
  const name = unique('backfilled');
  const created = await api('POST', '/api/v1/schedules', {
    name,
    schedule: { cron: '* * * * *', tz: 'UTC' },
    paused: true,
    target: { url: `${echoUrl}/backfilled` },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  const { page, errors } = await openHydrated(browser, `/schedules/${id}`);
  // The last five whole minutes on the browser's wall clock.
  const [from, to] = await page.evaluate(() => {
    const pad = (n) => String(n).padStart(2, '0');
    const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    return [local(new Date(minute - 4 * 60_000)), local(minute)];
  });
  await page.fill('#backfill-from', from);
  await page.fill('#backfill-to', to);
  await page.fill('#backfill-pace', '200ms');
  await page.click('#backfill-preview');
  await page.locator('.backfill-summary', { hasText: 'Would make 5 fires' }).waitFor();
  await page.click('#backfill-start');
  await page.locator('.backfill-summary', { hasText: 'Started: 5 fires' }).waitFor();
  await reloadUntil(page, `/schedules/${id}`, '#backfills .backfill-row[data-state="done"]');
  assert.match(await page.textContent('#backfills .backfill-row .progress'), /5 of 5 delivered/);
  assert.equal(await page.locator('#history .execution .backfill').count(), 5);
  await screenshot(page, 'schedule-backfill');
  assert.deepEqual(errors, []);
});

test('a running backfill is cancelled from the page, whose parts read on the viewer\'s clock', async () => {
  const name = unique('cancelled backfill');
  const created = await api('POST', '/api/v1/schedules', {
    name,
    schedule: { cron: '* * * * *', tz: 'UTC' },
    paused: true,
    target: { url: `${echoUrl}/cancelled` },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  // One fire an hour: the first goes at once, the other four wait.
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const started = await api('POST', `/api/v1/schedules/${id}/backfill`, {
    from: new Date(minute - 4 * 60_000).toISOString(),
    to: new Date(minute).toISOString(),
    pace: '1h',
  });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${baseUrl}/schedules/${id}`);
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
  const running = page.locator('#backfills .backfill-row[data-state="running"]');
  await running.waitFor();
  // The server writes UTC; the browser reads each time of the rendered list on its clock.
  await page.waitForFunction(
    () => document.querySelector('#backfills .backfill-row time')?.textContent.includes('GMT+9'),
  );
  assert.match(await running.locator('time').first().getAttribute('title'), / UTC$/);
  await running.locator('.cancel-backfill').click();
  await page.locator('#backfills .backfill-row[data-state="cancelled"]').waitFor();
  assert.match(await page.textContent('#backfills .backfill-row .progress'), /[45] cancelled/);

  // The next execution's countdown, written by the server, ticks in the browser.
  const ticking = await api('POST', '/api/v1/schedules', {
    name: unique('countdown'),
    schedule: { every: '30m' },
    target: { url: `${echoUrl}/countdown` },
  });
  assert.equal(ticking.status, 201, JSON.stringify(ticking.body));
  await page.goto(`${baseUrl}/schedules/${ticking.body.id}`);
  await page.waitForSelector('main[data-hydrated="true"]', { timeout: 30_000 });
  const countdown = await page.textContent('#next-execution .countdown');
  assert.match(countdown, /^in \d+ min \d+ s$/);
  await page.waitForFunction(
    (first) => document.querySelector('#next-execution .countdown')?.textContent !== first,
    countdown,
    { timeout: 5_000 },
  );
  assert.match(await page.textContent('#next-execution time'), /GMT\+9/);
  assert.deepEqual(errors, []);
  await context.close();
});
