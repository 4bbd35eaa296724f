// Notification settings in the panel (API.md §7) against the real server:
// a switch per category and channel, quiet hours, each change applied at
// once and routed accordingly, refusals rolled back with a message, and
// other tabs following live. Keyboard only, axe clean, en and id, phone sheet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, event, bellButton, token, ARTIFACTS, AXE_PATH } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const prefs = async (user) => (await fetch(`${env.api}/v1/preferences`, {
  headers: { authorization: `Bearer ${token(user)}` } })).json();

/** The routing decision of the user's browser for a notification (routing
 *  runs beside ingestion: waited for). */
async function browserDecision(user, id) {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${env.api}/v1/deliveries?notification_id=${id}`, {
      headers: { authorization: `Bearer ${token(user)}` } });
    if (res.ok) {
      const list = await res.json();
      const browser = list.find((d) => d.channel === 'browser');
      if (browser) return `${browser.decision}: ${browser.reason}`;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no routing decision for ${id}`);
}

/** The user's newest notification id (the API's own list). */
async function newestId(user, tab = 'general') {
  const res = await fetch(`${env.api}/v1/notifications?tab=${tab}`, { headers: { authorization: `Bearer ${token(user)}` } });
  return (await res.json()).items[0].id;
}

/** A page with the bell whose page-level pop-ups (no `sw`) are recorded in
 *  `window.__shown`; pop-ups are allowed. Answers once the browser is
 *  registered as the user's web device and its stream is open. */
async function openPage(user, { lang = 'en', viewport } = {}) {
  const context = await env.browser.newContext(viewport ? { viewport } : {});
  await context.grantPermissions(['notifications'], { origin: env.hostOrigin });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__shown = [];
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title, options) { super(title, options); window.__shown.push(options.body); }
    };
  });
  const streaming = page.waitForResponse((r) => r.url().includes('/v1/stream'));
  const registered = page.waitForResponse((r) => r.url().endsWith('/v1/devices/web'));
  await page.goto(env.bellPage(user, { lang }));
  await streaming;
  await registered;
  return { page, context };
}

async function openSettings(page, name = 'Notification settings', bell = bellButton(page)) {
  await bell.click();
  await page.getByRole('button', { name }).click();
}

const general = (page) => page.getByRole('group', { name: 'General' });

async function axe(page, what) {
  await page.addScriptTag({ content: readFileSync(AXE_PATH, 'utf8') });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document.querySelector('qontak-bell').shadowRoot.querySelector('.panel'));
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], what);
}

test('every category has a switch per channel, named "<Category> — <Channel>"; Back returns to the list', async () => {
  const u = 'u-prefs-view';
  const { page, context } = await openPage(u);
  await openSettings(page);
  const back = page.getByRole('button', { name: 'Back' });
  assert.ok(await back.evaluate((el) => el.getRootNode().activeElement === el), 'focus moves to Back');
  await page.getByRole('heading', { name: 'Notification settings' }).waitFor();
  assert.equal(await page.getByRole('tab').count(), 0, 'the list and its tabs give way');
  const groups = { General: ['Reminder', 'Mention', 'Assignment', 'Update', 'Download & upload'],
    Inbox: ['Assignment', 'Resolved', 'Contact'], Approval: ['Deals', 'Expenses'] };
  for (const [tab, categories] of Object.entries(groups)) {
    const group = page.getByRole('group', { name: tab });
    for (const c of categories) {
      for (const channel of ['In app', 'Browser', 'Mobile']) {
        const s = group.getByRole('switch', { name: `${c} — ${channel}`, exact: true });
        assert.equal(await s.isChecked(), true, `${tab}: ${c} — ${channel} is on by default`);
        assert.equal(await s.isDisabled(), tab === 'Approval' && channel === 'In app', `${tab}: ${c} — ${channel}`);
      }
    }
  }
  const chat = page.getByRole('group', { name: 'Chat' });
  assert.equal(await chat.getByRole('switch').count(), 2, 'incoming messages: browser and mobile only');
  await chat.getByRole('switch', { name: 'Incoming messages — Mobile', exact: true }).waitFor();
  assert.equal(await page.getByRole('switch', { name: 'Quiet hours' }).isChecked(), false);
  await page.screenshot({ path: `${ARTIFACTS}/preferences.png` });
  await axe(page, 'the settings view');
  await back.click();
  await page.getByRole('tab', { name: 'General' }).waitFor();
  assert.ok(await page.getByRole('button', { name: 'Notification settings' })
    .evaluate((el) => el.getRootNode().activeElement === el), 'focus returns to the settings button');
  // Reopening the bell shows the list, not the settings.
  await page.getByRole('button', { name: 'Notification settings' }).click();
  await page.keyboard.press('Escape');
  await bellButton(page).click();
  await page.getByRole('tab', { name: 'General' }).waitFor();
  await context.close();
});

test('keyboard only: a channel turned off is stored and the next event is routed accordingly', async () => {
  const u = 'u-prefs-route';
  const { page, context } = await openPage(u);
  await bellButton(page).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('tab', { name: 'General' }).waitFor();
  await page.getByRole('button', { name: 'Notification settings' }).focus();
  await page.keyboard.press('Enter');
  const browserSwitch = general(page).getByRole('switch', { name: 'Assignment — Browser', exact: true });
  await browserSwitch.focus();
  const saved = page.waitForResponse((r) => r.url().endsWith('/v1/preferences') && r.request().method() === 'PUT');
  await page.keyboard.press('Space');
  assert.equal((await saved).status(), 200);
  assert.equal(await browserSwitch.isChecked(), false);
  assert.equal((await prefs(u)).channels['general.assignment'].browser, false);

  await env.ingest(event('deal.assigned', u, { deal_name: 'PT Muted' }));
  assert.equal(await browserDecision(u, await newestId(u)), 'suppressed: muted by preference');
  // Another category still pops up (the pop-up path works in this page).
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'PT Loud' }));
  await page.waitForFunction(() => window.__shown.length === 1);
  assert.match((await page.evaluate(() => window.__shown))[0], /PT Loud/, 'only the mention popped up');
  // The bell still lists both.
  await page.keyboard.press('Escape');
  await bellButton(page).click();
  await page.getByRole('listitem').filter({ hasText: 'PT Muted' }).waitFor();
  await context.close();
});

/** `HH:MM` `minutes` from now in the browser's own time zone. */
const clock = (page, minutes) => page.evaluate((m) => {
  const d = new Date(Date.now() + m * 60_000);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}, minutes);

test('quiet hours covering now: no pop-up, while the row still arrives live', async () => {
  const u = 'u-prefs-quiet';
  const { page, context } = await openPage(u);
  await openSettings(page);
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  await page.getByText(zone, { exact: true }).waitFor(); // the zone defaults to the browser's
  const put = (body) => page.waitForResponse((r) => r.url().endsWith('/v1/preferences')
    && r.request().method() === 'PUT' && r.request().postData().includes(body));
  let saved = put('"quiet_hours":{"start":"22:00","end":"07:00"');
  await page.getByRole('switch', { name: 'Quiet hours' }).click();
  assert.equal((await saved).status(), 200, 'turned on with the window shown (22:00–07:00)');
  const [from, to] = [await clock(page, -60), await clock(page, 60)];
  saved = put(`"start":"${from}"`);
  await page.getByLabel('From', { exact: true }).fill(from);
  assert.equal((await saved).status(), 200);
  saved = put(`"end":"${to}"`);
  await page.getByLabel('To', { exact: true }).fill(to);
  assert.equal((await saved).status(), 200);
  const stored = (await prefs(u)).quiet_hours;
  assert.deepEqual([stored.start, stored.end], [from, to]);
  assert.equal(stored.time_zone, zone);
  assert.deepEqual(stored.days, ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

  await page.getByRole('button', { name: 'Back' }).click();
  await env.ingest(event('deal.assigned', u, { deal_name: 'PT Night' }));
  await page.getByRole('listitem').filter({ hasText: 'PT Night' }).waitFor();
  assert.equal(await browserDecision(u, await newestId(u)), 'suppressed: quiet hours');
  await page.waitForTimeout(500); // a window for a wrong pop-up to show: none should
  assert.deepEqual(await page.evaluate(() => window.__shown), []);

  // A day unticked is a change too; quiet hours off again: pop-ups are back.
  await page.getByRole('button', { name: 'Notification settings' }).click();
  saved = put('"days":["mon","tue","wed","thu","fri","sat"]');
  await page.getByRole('checkbox', { name: 'Sun' }).uncheck();
  assert.equal((await saved).status(), 200);
  const off = page.waitForResponse((r) => r.url().endsWith('/v1/preferences') && r.request().postData()?.includes('"quiet_hours":null'));
  await page.getByRole('switch', { name: 'Quiet hours' }).click();
  await off;
  await env.ingest(event('deal.assigned', u, { deal_name: 'PT Morning' }));
  await page.waitForFunction(() => window.__shown.length === 1);
  await context.close();
});

test('a refused change is rolled back with a message; other tabs follow changes live', async () => {
  const u = 'u-prefs-sync';
  const one = await openPage(u);
  const two = await openPage(u);
  for (const { page } of [one, two]) await openSettings(page);
  const update = (page) => general(page).getByRole('switch', { name: 'Update — Mobile', exact: true });
  await update(one.page).click();
  await update(two.page).waitFor();
  await two.page.waitForFunction(() => !document.querySelector('qontak-bell').shadowRoot
    .querySelector('[name="general.update"][value="push"]').checked);
  // Quiet hours on (22:00–07:00), shown in the other tab too.
  const on = one.page.waitForResponse((r) => r.url().endsWith('/v1/preferences') && r.status() === 200);
  await one.page.getByRole('switch', { name: 'Quiet hours' }).click();
  await on;
  await two.page.getByRole('switch', { name: 'Quiet hours', checked: true }).waitFor();
  // To equal to From is refused (422): To goes back to 07:00, and says so.
  const refused = one.page.waitForResponse((r) => r.url().endsWith('/v1/preferences') && r.status() === 422);
  await one.page.getByLabel('To', { exact: true }).fill('22:00');
  await refused;
  await one.page.getByRole('alert').filter({ hasText: 'Your change was not saved. Try again.' }).waitFor();
  const to = one.page.getByLabel('To', { exact: true });
  for (let i = 0; i < 100 && (await to.inputValue()) !== '07:00'; i++) await one.page.waitForTimeout(20);
  assert.equal(await one.page.getByLabel('To', { exact: true }).inputValue(), '07:00');
  assert.equal((await prefs(u)).quiet_hours.end, '07:00', 'nothing changed');
  // The next change clears the message.
  await update(one.page).click();
  await one.page.getByRole('alert').filter({ hasText: 'not saved' }).waitFor({ state: 'hidden' });
  await two.page.waitForFunction(() => document.querySelector('qontak-bell').shadowRoot
    .querySelector('[name="general.update"][value="push"]').checked);
  await one.context.close();
  await two.context.close();
});

test('in Indonesian and in the phone sheet, keyboard usable and axe clean', async () => {
  const u = 'u-prefs-id';
  const { page, context } = await openPage(u, { lang: 'id', viewport: { width: 390, height: 844 } });
  await openSettings(page, 'Pengaturan notifikasi', page.getByRole('button', { name: /^Notifikasi/ }));
  await page.getByRole('button', { name: 'Kembali' }).waitFor();
  const umum = page.getByRole('group', { name: 'Umum' });
  const s = umum.getByRole('switch', { name: 'Pengingat — Seluler', exact: true });
  await s.focus();
  await page.keyboard.press('Space');
  for (let i = 0; i < 100 && (await prefs(u)).channels['general.reminder'].push !== false; i++) await page.waitForTimeout(20);
  assert.equal((await prefs(u)).channels['general.reminder'].push, false);
  await page.getByRole('switch', { name: 'Jam tenang' }).waitFor();
  await page.getByRole('group', { name: 'Persetujuan' }).getByRole('switch', { name: 'Deal — Di aplikasi', exact: true }).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/preferences-phone-id.png` });
  await axe(page, 'the settings view in the phone sheet');
  await context.close();
});
