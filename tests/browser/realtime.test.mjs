// One live stream per browser: badge, lists and read state follow within a
// second in every tab and every browser of the user; the lead passes on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, event, bellButton, token } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

/** Resolves how long `locator` took to appear, failing after `ms`. */
async function within(ms, locator) {
  const t0 = Date.now();
  await locator.waitFor({ timeout: ms });
  return Date.now() - t0;
}

test('a new notification reaches the badge and the open list within a second', async () => {
  const u = 'u-live';
  const page = await env.browser.newPage();
  const streaming = page.waitForResponse((r) => r.url().includes('/v1/stream'));
  await page.goto(env.bellPage(u));
  await bellButton(page).click();
  await page.getByText("You're all caught up").or(page.getByText('You’re all caught up')).waitFor();
  await streaming;
  await env.ingest(event('deal.assigned', u, { deal_name: 'Live deal' }));
  await within(1000, page.getByRole('button', { name: 'Notifications, 1 unread' }));
  await within(1000, page.getByRole('link', { name: /Live deal/ }));
  await page.close();
});

test('tabs share one stream; read state syncs across tabs; the lead passes on when the leader closes', async () => {
  const u = 'u-tabs-sync';
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Shared' }));
  const context = await env.browser.newContext();
  const streams = [];
  context.on('request', (r) => { if (r.url().includes('/v1/stream')) streams.push(r.url()); });
  const leader = await context.newPage();
  await leader.goto(env.bellPage(u));
  await leader.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  const follower = await context.newPage();
  await follower.goto(env.bellPage(u));
  await follower.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  // Both tabs live (the follower through the leader's relay): still one stream.
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Relayed' }));
  await within(1000, leader.getByRole('button', { name: 'Notifications, 2 unread' }));
  await within(1000, follower.getByRole('button', { name: 'Notifications, 2 unread' }));
  assert.equal(streams.length, 1, `one stream for two tabs: ${streams}`);

  // Read in the follower: the leader's badge follows.
  await bellButton(follower).click();
  await follower.getByRole('button', { name: 'Mark as read' }).first().click();
  await within(1000, leader.getByRole('button', { name: 'Notifications, 1 unread' }));
  await follower.getByRole('button', { name: 'Mark as read' }).first().click();
  await within(1000, leader.getByRole('button', { name: 'Notifications', exact: true }));

  // A new one shows in both.
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Second' }));
  await within(1000, leader.getByRole('button', { name: 'Notifications, 1 unread' }));
  await within(1000, follower.getByRole('button', { name: 'Notifications, 1 unread' }));

  // The leader goes away; the follower takes the lead and misses nothing.
  await leader.close();
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'After handover' }));
  await within(2000, follower.getByRole('button', { name: 'Notifications, 2 unread' }));
  await within(1000, follower.getByRole('link', { name: /After handover/ }));
  assert.equal(streams.length, 2, 'the new leader opened the one new stream');
  await context.close();
});

test('two browsers of the same user stay in sync', async () => {
  const u = 'u-two-browsers';
  await env.ingest(event('task.assigned', u, { task_name: 'Sync me' }));
  const a = await (await env.browser.newContext()).newPage();
  const b = await (await env.browser.newContext()).newPage();
  const streaming = b.waitForResponse((r) => r.url().includes('/v1/stream'));
  await a.goto(env.bellPage(u));
  await b.goto(env.bellPage(u));
  await a.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  await b.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  await streaming;
  await bellButton(a).click();
  await a.getByRole('button', { name: 'Mark all as read' }).click();
  await within(1000, b.getByRole('button', { name: 'Notifications' }));
  await a.context().close();
  await b.context().close();
});
