// The bell as a Leptos component (`leptos-bell`) inside a Leptos app built
// with trunk (`examples/leptos-host`): one wasm, no script tag, the app's
// own signals driving it. In headless Chromium against the real server,
// the app on another origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, event, token, ROOT, LEDGER } from './harness.mjs';

let env;
let app;
before(async () => {
  env = await start();
  app = env.dir('leptos', join(ROOT, 'examples/leptos-host/dist'));
});
after(async () => { await env.stop(); });

async function openApp(context, users, expires = [3600, 3600]) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(LEDGER);
  const params = new URLSearchParams({ api: env.api, token: token(users[0], expires[0]), other: token(users[1], expires[1]) });
  await page.goto(`${app}index.html?${params}`);
  return { page, errors };
}

const bell = (page, name) => page.getByRole('button', { name });

test('the bell works inside a Leptos app: badge, panel, a live row, mark read, no error', async () => {
  const [u, other] = ['u-leptos-1', 'u-leptos-1b'];
  await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju Jaya' }));
  const context = await env.browser.newContext();
  const { page, errors } = await openApp(context, [u, other]);
  await bell(page, 'Notifications, 1 unread').click();
  await page.getByRole('tab', { name: 'General' }).waitFor();
  await page.getByRole('link', { name: 'Budi Santoso assigned you the deal PT Maju Jaya' }).waitFor();
  // One wasm on the page (the app's); no widget script loaded.
  const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => r.name)
    .filter((n) => n.endsWith('.wasm') || n.endsWith('.js')).map((n) => new URL(n).pathname));
  assert.deepEqual(scripts.sort(), ['/leptos/leptos-host.js', '/leptos/leptos-host_bg.wasm']);
  await page.waitForFunction(() => window.__opened > 0);
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Renewal' }));
  await page.getByRole('link', { name: /mentioned you in the deal Renewal/ }).waitFor();
  await bell(page, 'Notifications, 2 unread').waitFor();
  await page.getByRole('listitem').filter({ hasText: 'PT Maju Jaya' }).getByRole('button', { name: 'Mark as read' }).click();
  await bell(page, 'Notifications, 1 unread').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('the app\'s signals drive it live: a new token, a new language; on_auth_expired reaches the app', async () => {
  const [ayu, budi] = ['u-leptos-ayu', 'u-leptos-budi'];
  await env.ingest(event('deal.assigned', ayu, { deal_name: 'Ayu deal' }));
  for (const name of ['One', 'Two']) await env.ingest(event('deal.assigned', budi, { deal_name: `Budi ${name}` }));
  const context = await env.browser.newContext();
  const { page, errors } = await openApp(context, [ayu, budi]);
  await bell(page, 'Notifications, 1 unread').click();
  await page.getByRole('link', { name: /Ayu deal/ }).waitFor();

  await page.selectOption('#lang', 'id');
  await bell(page, 'Notifikasi, 1 belum dibaca').waitFor();
  await page.getByRole('tab', { name: 'Umum' }).waitFor();
  await page.getByRole('link', { name: 'Budi Santoso menugaskan deal Ayu deal kepada Anda' }).waitFor();

  // Another user signs in: the same bell, now Budi's, without a reload
  // (the click on the app's button closed the panel, as any outside click).
  await page.click('#switch-user');
  await bell(page, 'Notifikasi, 2 belum dibaca').click();
  await page.getByRole('link', { name: 'Budi Santoso menugaskan deal Budi Two kepada Anda' }).waitFor();
  assert.equal(await page.getByRole('link', { name: /Ayu deal/ }).count(), 0);
  // Budi's stream: his next notification arrives live.
  await env.ingest(event('mention', budi, { entity_type: 'deal', entity_name: 'Live for Budi' }));
  await page.getByRole('link', { name: /Live for Budi/ }).waitFor();
  await page.selectOption('#lang', 'en');
  await bell(page, 'Notifications, 3 unread').waitFor();
  assert.deepEqual(errors, []);
  await context.close();

  // A token that has expired: the component calls the app back.
  const second = await env.browser.newContext();
  const expired = await openApp(second, [ayu, budi], [3600, -60]);
  await bell(expired.page, 'Notifications, 1 unread').waitFor();
  assert.equal(await expired.page.textContent('#expired'), '0');
  await expired.page.click('#switch-user');
  await expired.page.waitForFunction(() => document.querySelector('#expired').textContent === '1');
  await expired.page.click('#switch-user');
  await bell(expired.page, 'Notifications, 1 unread').waitFor();
  await second.close();
});

test('mounted and unmounted 50 times, it leaves nothing behind', async () => {
  const u = 'u-leptos-leak';
  await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju Jaya' }));
  const context = await env.browser.newContext();
  const { page, errors } = await openApp(context, [u, 'u-leptos-leak-b']);
  const toggle = page.locator('#show-bell');
  const cycle = async () => {
    await toggle.uncheck();
    await page.waitForFunction(() => !document.querySelector('.qontak-bell'));
    await toggle.check();
    // Mounted, counted and streaming each time.
    await bell(page, 'Notifications, 1 unread').waitFor();
    await page.waitForFunction(() => window.__held.streams === 1);
  };
  await bell(page, 'Notifications, 1 unread').waitFor();
  await page.waitForFunction(() => window.__held.streams === 1);
  const mounted = await page.evaluate(() => ({ ...window.__held }));
  await toggle.uncheck();
  await page.waitForFunction(() => !document.querySelector('.qontak-bell'));
  const none = await page.evaluate(() => ({ ...window.__held }));
  assert.deepEqual(none, { ...none, streams: 0, intervals: 0, channels: 0 }, 'an unmounted bell holds no stream, timer or channel');
  assert.ok(mounted.listeners > none.listeners && mounted.observers > none.observers, 'the ledger sees the widget');
  await toggle.check();
  // Ten to warm up (the allocator reaches its working size), then fifty.
  for (let i = 0; i < 9; i++) await cycle();
  const memoryAt10 = await page.evaluate(() => window.__wasm.memory.buffer.byteLength);
  for (let i = 0; i < 50; i++) await cycle();
  // After 60 mounts: exactly one widget's worth, then nothing.
  assert.deepEqual(await page.evaluate(() => ({ ...window.__held })), mounted, 'one mounted bell, as after the first mount');
  assert.equal(await page.locator('.qontak-bell').count(), 1);
  await toggle.uncheck();
  await page.waitForFunction(() => !document.querySelector('.qontak-bell'));
  assert.deepEqual(await page.evaluate(() => ({ ...window.__held })), none, 'nothing held after the last unmount');
  const memoryAt60 = await page.evaluate(() => window.__wasm.memory.buffer.byteLength);
  assert.equal(memoryAt60, memoryAt10, `the wasm memory did not grow from mount 10 to 60 (${memoryAt10} → ${memoryAt60} bytes)`);
  assert.equal(await page.evaluate(() => window.__opened), 61, 'one stream per mount');
  assert.deepEqual(errors, []);
  await context.close();
});
