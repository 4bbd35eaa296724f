import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, event, bellButton, token, ARTIFACTS, LEDGER } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

test('renders in an open shadow root, isolated from host CSS both ways', async () => {
  await env.ingest(event('deal.assigned', 'u-embed', { deal_name: 'PT Maju Jaya renewal' }));
  const url = env.bellPage('u-embed', {}, {
    head: '<style>button{display:none!important} *{font-family:serif!important}</style>',
    body: '<button id="host-button" style="display:inline-block!important">Host button</button>',
  });
  const page = await env.browser.newPage();
  await page.goto(url);
  const button = bellButton(page);
  await button.waitFor();
  // The bell is there before its counts arrive: wait for them.
  const label = () => button.getAttribute('aria-label');
  for (let i = 0; i < 250 && (await label()) !== 'Notifications, 1 unread'; i++) await page.waitForTimeout(20);
  assert.equal(await label(), 'Notifications, 1 unread');
  assert.ok(await button.isVisible(), 'host CSS does not hide the bell');
  const info = await page.evaluate(() => {
    const el = document.querySelector('qontak-bell');
    const host = document.getElementById('host-button');
    return {
      mode: el.shadowRoot?.mode,
      hostRadius: getComputedStyle(host).borderRadius,
      hostBackground: getComputedStyle(host).backgroundColor,
      styleSheetsInDocument: document.styleSheets.length,
    };
  });
  assert.equal(info.mode, 'open');
  assert.equal(info.hostRadius, '0px', 'widget CSS does not leak onto host buttons');
  assert.equal(info.styleSheetsInDocument, 1, 'only the host’s own stylesheet is in the document');
  await page.screenshot({ path: `${ARTIFACTS}/embedding-closed.png` });
  await page.close();
});

test('adds no globals besides the custom element', async () => {
  const bare = env.page('/bare.html', '<!doctype html><html><body></body></html>');
  const page = await env.browser.newPage();
  await page.goto(bare);
  const before = await page.evaluate(() => Object.getOwnPropertyNames(window));
  await page.goto(env.bellPage('u-globals'));
  await bellButton(page).waitFor();
  const afterNames = await page.evaluate(() => Object.getOwnPropertyNames(window));
  const added = afterNames.filter((n) => !before.includes(n));
  assert.deepEqual(added, []);
  assert.ok(await page.evaluate(() => !!customElements.get('qontak-bell')));
  await page.close();
});

test('two elements on one page work independently', async () => {
  await env.ingest(event('mention', 'u-two-a', { entity_type: 'deal', entity_name: 'A' }));
  const { token } = await import('./harness.mjs');
  const url = env.page('/two.html', `<!doctype html><html lang="en"><head>
<script type="module" src="${env.api}/widget/bell.js"></script></head><body>
<qontak-bell id="a" api="${env.api}" token="${token('u-two-a')}" app="crm"></qontak-bell>
<qontak-bell id="b" api="${env.api}" token="${token('u-two-b')}" app="chat" lang="id"></qontak-bell></body></html>`);
  const page = await env.browser.newPage();
  await page.goto(url);
  await page.locator('#a').getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  await page.locator('#b').getByRole('button', { name: 'Notifikasi' }).waitFor();
  await page.locator('#a').getByRole('button', { name: /^Notifications/ }).click();
  await page.locator('#a').getByRole('tab', { name: 'General' }).waitFor();
  assert.equal(await page.locator('#b').getByRole('tab').count(), 0, 'the other bell stays closed');
  await page.close();
});

test('removing the element leaves no timers, listeners or requests behind', async () => {
  const page = await env.browser.newPage();
  // Count the timers the page holds (the widget is the only code on it).
  await page.addInitScript(() => {
    const live = new Set();
    const wrap = (set, clear, once) => {
      const origSet = window[set].bind(window), origClear = window[clear].bind(window);
      window[set] = (fn, ms, ...rest) => {
        const id = origSet((...a) => { if (once) live.delete(id); return typeof fn === 'function' ? fn(...a) : undefined; }, ms, ...rest);
        live.add(id);
        return id;
      };
      window[clear] = (id) => { live.delete(id); return origClear(id); };
    };
    wrap('setInterval', 'clearInterval', false);
    wrap('setTimeout', 'clearTimeout', true);
    Object.defineProperty(window, '__liveTimers', { get: () => live.size, enumerable: false });
  });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(env.bellPage('u-remove'));
  await bellButton(page).click();
  await page.getByRole('tab', { name: 'General' }).waitFor();
  assert.ok(await page.evaluate(() => window.__liveTimers) >= 2, 'the clock tick and the midnight timer run while mounted');
  await page.evaluate(() => document.querySelector('qontak-bell').remove());
  assert.equal(await page.evaluate(() => window.__liveTimers), 0, 'every timer is cleared');
  const count = requests.length;
  await page.waitForTimeout(6_000); // longer than the widget's 5 s tick
  // Only the last presence report ("not active here any more") may leave.
  const after = requests.slice(count).filter((u) => !u.endsWith('/v1/presence'));
  assert.deepEqual(after, [], 'no requests after removal');
  await page.close();
});

test('taken out of the page and put back 50 times, with new tokens, it leaves nothing behind', async () => {
  const u = 'u-remount';
  await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju Jaya' }));
  const page = await env.browser.newPage();
  await page.addInitScript(LEDGER);
  await page.goto(env.bellPage(u));
  const streaming = () => page.waitForFunction(() => window.__held.streams === 1);
  await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  await streaming();
  const mounted = await page.evaluate(() => ({ ...window.__held }));
  // The widget's wasm memory (the glue's module is the one bell.js loaded).
  const memory = () => page.evaluate(async (api) =>
    (await (await import(`${api}/widget/qontak-bell.js`)).default()).memory.buffer.byteLength, env.api);
  const cycle = async (i) => {
    await page.evaluate(() => { window.__bell = document.querySelector('qontak-bell'); window.__bell.remove(); });
    await page.evaluate(() => document.querySelector('header').append(window.__bell));
    // Every other time a new token too: the stream starts over for it.
    if (i % 2) await page.evaluate((t) => window.__bell.setAttribute('token', t), token(u, 3600 + i));
    await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
    await streaming();
  };
  for (let i = 0; i < 10; i++) await cycle(i);
  const warm = await memory();
  for (let i = 0; i < 50; i++) await cycle(i);
  assert.deepEqual(await page.evaluate(() => ({ ...window.__held })), mounted, 'one mounted bell, as after the first mount');
  assert.equal(await memory(), warm, 'the wasm memory did not grow over 50 more mounts');
  await page.evaluate(() => window.__bell.remove());
  const none = await page.evaluate(() => ({ ...window.__held }));
  assert.deepEqual(none, { ...none, streams: 0, intervals: 0, channels: 0 }, 'a removed bell holds no stream, timer or channel');
  assert.ok(none.listeners < mounted.listeners && none.observers < mounted.observers);
  await page.close();
});
