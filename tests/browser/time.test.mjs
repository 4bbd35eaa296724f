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
  // 2026-11-26 23:30 in Jakarta (UTC+7) is 16:30 UTC.
  await env.ingest(at('2026-11-26T10:00:00Z')); // 17:00 Jakarta, Nov 26: Today
  await env.ingest(at('2026-11-25T20:00:00Z')); // 03:00 Jakarta, Nov 26: Today (in UTC it is still Nov 25)
  await env.ingest(at('2026-11-25T16:00:00Z')); // 23:00 Jakarta, Nov 25: Older
  const context = await env.browser.newContext({ timezoneId: 'Asia/Jakarta' });
  const page = await context.newPage();
  await page.clock.install({ time: new Date('2026-11-26T16:30:00Z') });
  await page.goto(env.bellPage('u-time'));
  await bellButton(page).click();
  const section = (name) => page.getByRole('region', { name });
  const today = section('Today');
  await today.getByRole('listitem').first().waitFor();
  const names = async (s) => (await s.getByRole('link').allTextContents()).map((t) => t.replace(/.* task /, ''));
  assert.deepEqual(await names(today), ['2026-11-26T10:00:00Z', '2026-11-25T20:00:00Z']);
  assert.deepEqual(await names(section('Older')), ['2026-11-25T16:00:00Z']);

  const time = page.locator('qontak-bell time').first();
  assert.equal(await time.textContent(), '6h');
  assert.match(await time.getAttribute('title'), /Nov 26, 2026, 5:00\sPM/);

  // Local midnight passes (no reload): everything is Older now.
  await page.clock.runFor(31 * 60_000);
  await page.getByRole('heading', { name: 'Today' }).waitFor({ state: 'detached' });
  assert.deepEqual(await names(section('Older')), ['2026-11-26T10:00:00Z', '2026-11-25T20:00:00Z', '2026-11-25T16:00:00Z']);
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
