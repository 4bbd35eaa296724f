// Today / Older by the calendar date in the device's time zone, moving at
// local midnight without a reload; relative times with the full time on hover.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, event, bellButton } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const at = (iso) => ({ ...event('mention', 'u-time', { entity_type: 'task', entity_name: iso }), occurred_at: iso });

test('sections follow the device’s calendar day and regroup at local midnight', async () => {
  // Yesterday in Jakarta (UTC+7), so that every time is in the past and
  // inside the retention whenever the test runs.
  const HOUR = 3_600_000;
  const local = new Date(Date.now() + 7 * HOUR);
  const day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - 7 * HOUR - 24 * HOUR;
  const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const [evening, night, dayBefore] = [iso(day + 17 * HOUR), iso(day + 3 * HOUR), iso(day - HOUR)];
  await env.ingest(at(evening)); // 17:00 Jakarta: Today
  await env.ingest(at(night)); // 03:00 Jakarta: Today (in UTC it is still the day before)
  await env.ingest(at(dayBefore)); // 23:00 Jakarta the day before: Older
  const context = await env.browser.newContext({ timezoneId: 'Asia/Jakarta' });
  const page = await context.newPage();
  await page.clock.install({ time: new Date(day + 23.5 * HOUR) }); // 23:30 Jakarta
  await page.goto(env.bellPage('u-time'));
  await bellButton(page).click();
  const section = (name) => page.getByRole('region', { name });
  const today = section('Today');
  await today.getByRole('listitem').first().waitFor();
  const names = async (s) => (await s.getByRole('link').allTextContents()).map((t) => t.replace(/.* task /, ''));
  assert.deepEqual(await names(today), [evening, night]);
  assert.deepEqual(await names(section('Older')), [dayBefore]);

  const time = page.locator('qontak-bell time').first();
  assert.equal(await time.textContent(), '6h');
  const full = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Jakarta' });
  const spaces = (t) => t.replace(/\s/g, ' ');
  assert.equal(spaces(await time.getAttribute('title')), spaces(full.format(new Date(evening))));
  assert.match(spaces(await time.getAttribute('title')), /5:00 PM/);

  // Local midnight passes (no reload): everything is Older now.
  await page.clock.runFor(31 * 60_000);
  await page.getByRole('heading', { name: 'Today' }).waitFor({ state: 'detached' });
  assert.deepEqual(await names(section('Older')), [evening, night, dayBefore]);
  assert.equal(await time.textContent(), '7h');
  await context.close();
});

test('a notification leaves the open list when it passes its tab’s retention, without a reload', async () => {
  const u = 'u-retention';
  const now = Date.now();
  const inbox = (name, occurredMs) => ({
    ...event('conversation.assigned', u, { contact_name: name, channel: 'whatsapp' }),
    occurred_at: new Date(occurredMs).toISOString(),
  });
  // The Inbox keeps 7 days: one with three minutes left, one from today.
  await env.ingest(inbox('Almost seven days', now - 7 * 86_400_000 + 3 * 60_000));
  await env.ingest(inbox('From today', now - 60 * 60_000));
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.clock.install({ time: new Date(now) });
  await page.goto(env.bellPage(u));
  await bellButton(page).click();
  await page.getByRole('tab', { name: 'Inbox' }).click();
  const old = page.getByRole('link', { name: /Almost seven days/ });
  await old.waitFor();
  await page.getByRole('link', { name: /From today/ }).waitFor();

  // Five minutes on (the server, on the real clock, would still list it for
  // a while: the widget's own clock decides what it shows, refreshes included).
  await page.clock.runFor(5 * 60_000);
  await old.waitFor({ state: 'detached' });
  assert.equal(await page.getByRole('link', { name: /From today/ }).count(), 1, 'the fresh one stays');
  assert.equal(await page.getByRole('listitem').count(), 1);
  await context.close();
});
