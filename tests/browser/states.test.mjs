// States a user meets: loading, empty, error with retry, offline with
// automatic recovery, an expired token, and long lists loaded page by page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, event, bellButton, token, ARTIFACTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

test('loading, then empty: “You’re all caught up”', async () => {
  const page = await env.browser.newPage();
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/v1/notifications?*', async (route) => { await held; await route.continue(); });
  await page.goto(env.bellPage('u-empty'));
  await bellButton(page).click();
  await page.getByRole('status').filter({ hasText: 'Loading notifications…' }).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/state-loading.png` });
  release();
  await page.getByText('You’re all caught up').or(page.getByText("You're all caught up")).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Mark all as read' }).isDisabled(), true);
  await page.screenshot({ path: `${ARTIFACTS}/state-empty.png` });
  await page.close();
});

test('a failed load shows an error with a retry that works', async () => {
  const u = 'u-error';
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'After retry' }));
  const page = await env.browser.newPage();
  let fail = true;
  await page.route('**/v1/notifications?*', (route) => (fail ? route.fulfill({ status: 503, body: '{}' }) : route.continue()));
  await page.goto(env.bellPage(u));
  await bellButton(page).click();
  await page.getByRole('alert').filter({ hasText: 'Couldn’t load notifications' }).or(page.getByRole('alert').filter({ hasText: "Couldn't load notifications" })).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/state-error.png` });
  fail = false;
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('link', { name: /After retry/ }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 0);
  await page.close();
});

test('offline: says so, and recovers by itself with what arrived meanwhile', async () => {
  const u = 'u-offline';
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Before' }));
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.bellPage(u));
  await bellButton(page).click();
  await page.getByRole('link', { name: /Before/ }).waitFor();
  await context.setOffline(true);
  await page.getByRole('tab', { name: 'Inbox' }).click();
  await page.getByRole('status').filter({ hasText: 'You’re offline' }).or(page.getByRole('status').filter({ hasText: "You're offline" })).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/state-offline.png` });
  await env.ingest(event('conversation.assigned', u, { contact_name: 'While offline', channel: 'whatsapp' }));
  await context.setOffline(false);
  await page.getByRole('link', { name: /While offline/ }).waitFor();
  await page.getByRole('button', { name: 'Notifications, 2 unread' }).waitFor();
  assert.equal(await page.getByRole('status').filter({ hasText: /offline/ }).count(), 0, 'the offline notice is gone');
  await context.close();
});

test('401 dispatches bell-auth-expired (bubbling, composed); a new token resumes', async () => {
  const u = 'u-expired';
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Behind login' }));
  const page = await env.browser.newPage();
  await page.addInitScript(() => {
    window.addEventListener('bell-auth-expired', (e) => {
      (window.__expired ||= []).push({ bubbles: e.bubbles, composed: e.composed, target: e.target.tagName });
    });
  });
  await page.goto(env.bellPage(u, { token: token(u, -10) }));
  await page.waitForFunction(() => (window.__expired || []).length > 0);
  assert.deepEqual(await page.evaluate(() => window.__expired[0]), { bubbles: true, composed: true, target: 'QONTAK-BELL' });
  await page.evaluate((t) => document.querySelector('qontak-bell').setAttribute('token', t), token(u));
  await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  assert.equal(await page.evaluate(() => window.__expired.length), 1, 'told once');
  await page.close();
});

test('infinite scroll loads page after page; 1,000 notifications stay listed', async () => {
  const u = 'u-many';
  const events = Array.from({ length: 1000 }, (_, i) =>
    event('task.assigned', u, { task_name: `Task ${String(i).padStart(4, '0')}` }, { minutesAgo: i }));
  for (let i = 0; i < events.length; i += 50) await Promise.all(events.slice(i, i + 50).map((e) => env.ingest(e)));
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(u));
  await page.getByRole('button', { name: 'Notifications, 1,000 unread' }).click();
  const items = page.getByRole('listitem');
  await page.getByRole('link', { name: /Task 0000/ }).waitFor();
  assert.equal(await items.count(), 30, 'one page at first');
  let last = 0;
  while ((last = await items.count()) < 1000) {
    await page.locator('qontak-bell .list__end').scrollIntoViewIfNeeded();
    await page.waitForFunction((n) => document.querySelector('qontak-bell').shadowRoot.querySelectorAll('li').length > n, last);
  }
  assert.equal(await items.count(), 1000);
  await page.getByRole('link', { name: /Task 0999/ }).waitFor();
  const ids = await page.evaluate(() => [...document.querySelector('qontak-bell').shadowRoot.querySelectorAll('li')].map((li) => li.dataset.id));
  assert.equal(new Set(ids).size, 1000, 'no item twice');
  await page.close();
});
