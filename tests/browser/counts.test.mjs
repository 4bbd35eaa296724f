// Late answers never undo something newer: a count or page answer the
// server computed before a mark-read or a live event, and that reaches the
// widget after it, is not shown over it. Answers are held back by route
// interception: the server answers at once, the page gets it when the test
// says, so the order is exact, not a matter of timing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, event, bellButton } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

/** Holds back the first answer to requests `matching` picks: `fetched`
 *  resolves once the server has answered it, `release()` hands it to the
 *  page, `delivered` resolves after that. Later requests pass through. */
async function holdFirst(page, matching) {
  let fetched, release, delivered;
  const hold = {
    fetched: new Promise((r) => { fetched = r; }),
    released: new Promise((r) => { release = r; }),
    delivered: new Promise((r) => { delivered = r; }),
  };
  hold.release = release;
  let first = true;
  await page.route(matching, async (route) => {
    if (!first) return route.continue();
    first = false;
    const response = await route.fetch();
    fetched();
    await hold.released;
    await route.fulfill({ response });
    delivered();
  });
  return hold;
}

const isCounts = (url) => new URL(url).pathname === '/v1/notifications/unread-count';
const isPage = (url) => new URL(url).pathname === '/v1/notifications';

/** Every badge and General tab count the page shows, in order. */
async function recordCounts(page) {
  await page.evaluate(() => {
    const root = document.querySelector('qontak-bell').shadowRoot;
    window.__seen = [];
    const look = () => {
      const seen = `${root.querySelector('.bell__badge')?.textContent ?? ''}|${root.getElementById('tab-count-general')?.textContent ?? ''}`;
      if (window.__seen.at(-1) !== seen) window.__seen.push(seen);
    };
    look();
    new MutationObserver(look).observe(root, { subtree: true, childList: true, characterData: true });
  });
}

/** What the page showed from the first time it showed `from` on. */
const seenSince = async (page, from) => {
  const seen = await page.evaluate(() => window.__seen);
  return seen.slice(seen.findIndex((s) => s.startsWith(from)));
};
const settle = (page) => page.waitForTimeout(600); // a window for a wrong count to show: nothing should

test('marking a row read while a count request is in flight: the late answer does not undo it', async () => {
  const u = 'u-late-count';
  for (const name of ['Call Rina', 'Send quote', 'Visit PT Maju']) {
    await env.ingest(event('task.assigned', u, { task_name: name }));
  }
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(u));
  await page.getByRole('button', { name: 'Notifications, 3 unread' }).waitFor();
  const hold = await holdFirst(page, isCounts);
  await bellButton(page).click(); // opening asks for counts: held (the server said 3)
  await hold.fetched;
  const item = page.getByRole('listitem').filter({ hasText: 'Call Rina' });
  await recordCounts(page);
  await item.getByRole('button', { name: 'Mark as read' }).click();
  await page.getByRole('button', { name: 'Notifications, 2 unread' }).waitFor();
  hold.release();
  await hold.delivered;
  await settle(page);
  assert.equal(await bellButton(page).getAttribute('aria-label'), 'Notifications, 2 unread');
  assert.deepEqual((await seenSince(page, '2|')).filter((s) => s.startsWith('3')), [], 'the badge never went back to 3');
  assert.equal(await page.evaluate(() => document.querySelector('qontak-bell').shadowRoot
    .getElementById('tab-count-general').textContent), '2 unread');
  assert.equal(await page.getByRole('listitem').getByRole('button', { name: 'Mark as read' }).count(), 2);
  await page.close();
});

test('a live event while a count request is in flight: the late answer does not drop it', async () => {
  const u = 'u-late-live';
  await env.ingest(event('task.assigned', u, { task_name: 'Call Rina' }));
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(u));
  await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  const hold = await holdFirst(page, isCounts);
  await bellButton(page).click();
  await hold.fetched; // the server counted 1
  await recordCounts(page);
  await env.ingest(event('task.assigned', u, { task_name: 'Send quote' }));
  await page.getByRole('button', { name: 'Notifications, 2 unread' }).waitFor();
  hold.release();
  await hold.delivered;
  await settle(page);
  assert.equal(await bellButton(page).getAttribute('aria-label'), 'Notifications, 2 unread');
  assert.deepEqual((await seenSince(page, '2|')).filter((s) => s.startsWith('1|')), [], 'the badge never went back to 1');
  await page.close();
});

test('a live event while the first page is in flight: the row is listed all the same', async () => {
  const u = 'u-late-page';
  await env.ingest(event('task.assigned', u, { task_name: 'Call Rina' }));
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(u));
  await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  const hold = await holdFirst(page, isPage);
  await bellButton(page).click();
  await hold.fetched; // the server listed one row
  await env.ingest(event('task.assigned', u, { task_name: 'Send quote' }));
  await page.getByRole('button', { name: 'Notifications, 2 unread' }).waitFor();
  hold.release();
  await hold.delivered;
  // Without asking again, this row would come only with the 30 s refresh.
  await page.getByRole('listitem').filter({ hasText: 'Send quote' }).waitFor({ timeout: 3000 });
  assert.equal(await page.getByRole('listitem').count(), 2);
  await page.close();
});

test('a switch turned while the preferences are being read: the late read does not turn it back', async () => {
  const u = 'u-late-prefs';
  const page = await env.browser.newPage();
  const loaded = page.waitForResponse((r) => r.url().endsWith('/v1/preferences'));
  await page.goto(env.bellPage(u));
  await loaded; // (the sound switch's read at start-up)
  await bellButton(page).click();
  await page.getByRole('tab', { name: 'General' }).waitFor();
  // Opening the settings reads the preferences: that answer is held (all on).
  let fetched, release;
  const held = new Promise((r) => { fetched = r; });
  const released = new Promise((r) => { release = r; });
  let first = true;
  await page.route((url) => new URL(url).pathname === '/v1/preferences', async (route) => {
    if (route.request().method() !== 'GET' || !first) return route.continue();
    first = false;
    const response = await route.fetch();
    fetched();
    await released;
    await route.fulfill({ response });
  });
  await page.getByRole('button', { name: 'Notification settings' }).click();
  await held;
  const mention = page.getByRole('group', { name: 'General' }).getByRole('switch', { name: 'Mention — Browser', exact: true });
  const saved = page.waitForResponse((r) => r.url().endsWith('/v1/preferences') && r.request().method() === 'PUT');
  await mention.click();
  assert.equal((await saved).status(), 200);
  release();
  await page.waitForTimeout(600); // a window for the late answer to show: it must not
  assert.equal(await mention.isChecked(), false, 'the switch stays off');
  await page.close();
});
