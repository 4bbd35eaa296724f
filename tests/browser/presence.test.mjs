// Presence from real tabs decides the routing of chat pop-ups: a tab that is
// visible and focused on chat suppresses them for its browser; hidden, it
// does not. Visibility is stood in for (headless tabs are always visible).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, event, token, VISIBILITY_STAND_IN } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

async function decisions(user, key) {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${env.api}/v1/deliveries?notification_id=${key}`, { headers: { authorization: `Bearer ${token(user)}` } });
    const list = await res.json();
    if (list.length) return list;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no decisions for ${key}`);
}

/** Resolves when a presence report with `active` has been answered (stored). */
const presenceReport = (page, active) => page.waitForResponse((r) =>
  r.url().endsWith('/v1/presence') && r.request().method() === 'PUT' && JSON.parse(r.request().postData()).active === active)
  .then((r) => r.request());

test('a tab active on chat suppresses chat pop-ups for its browser; hidden, it gets them', async () => {
  const u = 'u-presence';
  const page = await env.browser.newPage();
  await page.addInitScript(VISIBILITY_STAND_IN);
  const reported = presenceReport(page, true);
  await page.goto(env.bellPage(u, { app: 'chat' }));
  const first = JSON.parse((await reported).postData());
  assert.equal(first.platform, 'web');
  assert.equal(first.app, 'chat');
  const device = await page.evaluate(() => localStorage.getItem('qontak-bell:device-id'));
  assert.equal(first.device_id, device);

  const e1 = event('message.incoming', u, { contact_name: 'Rina', channel: 'whatsapp', preview: 'Hi!' });
  await env.ingest(e1);
  const d1 = await decisions(u, e1.id);
  assert.deepEqual(d1.map((d) => [d.device_id, d.channel, d.decision]), [[device, 'browser', 'suppressed']]);

  // The user switches to another tab: hidden, not active.
  const hidden = presenceReport(page, false);
  await page.evaluate(() => { window.__visible = false; document.dispatchEvent(new Event('visibilitychange', { bubbles: true })); });
  await hidden;
  const e2 = event('message.incoming', u, { contact_name: 'Rina', channel: 'whatsapp', preview: 'Still there?' });
  await env.ingest(e2);
  const d2 = await decisions(u, e2.id);
  assert.deepEqual(d2.map((d) => [d.device_id, d.decision]), [[device, 'sent']]);

  // Back, but the window lost focus: still not active.
  const blurred = presenceReport(page, false);
  await page.evaluate(() => { window.__visible = true; window.__focused = false; window.dispatchEvent(new Event('blur')); });
  await blurred;
  const e3 = event('conversation.assigned', u, { contact_name: 'Rina', channel: 'whatsapp' });
  await env.ingest(e3);
  const listed = await (await fetch(`${env.api}/v1/notifications?tab=inbox`, { headers: { authorization: `Bearer ${token(u)}` } })).json();
  const d3 = await decisions(u, listed.items[0].id);
  assert.equal(d3[0].decision, 'sent');

  // Active again; then leaving the page sends a last report, so the next chat
  // message pops up in this browser (the page is gone).
  const back = presenceReport(page, true);
  await page.evaluate(() => { window.__focused = true; window.dispatchEvent(new Event('focus')); });
  await back;
  const e4 = event('message.incoming', u, { contact_name: 'Rina', channel: 'whatsapp', preview: 'Seen?' });
  await env.ingest(e4);
  assert.equal((await decisions(u, e4.id))[0].decision, 'suppressed');
  await page.goto(env.page('/elsewhere.html', '<!doctype html><p>Another page of the host</p>'));
  let decision;
  for (let i = 0; i < 50 && decision !== 'sent'; i++) {
    const e5 = event('message.incoming', u, { contact_name: 'Rina', channel: 'whatsapp', preview: `Bye ${i}` });
    await env.ingest(e5);
    decision = (await decisions(u, e5.id))[0].decision;
  }
  assert.equal(decision, 'sent', 'pagehide reported the tab inactive');
  await page.close();
});

test('a CRM page never suppresses chat pop-ups, and CRM events always pop up', async () => {
  const u = 'u-presence-crm';
  const page = await env.browser.newPage();
  await page.addInitScript(VISIBILITY_STAND_IN);
  const reported = presenceReport(page, true);
  await page.goto(env.bellPage(u, { app: 'crm' }));
  await reported;
  const chat = event('message.incoming', u, { contact_name: 'Budi', channel: 'instagram', preview: 'Halo' });
  await env.ingest(chat);
  assert.equal((await decisions(u, chat.id))[0].decision, 'sent');
  await page.close();
});
