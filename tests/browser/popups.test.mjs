// Browser pop-ups: permission asked only from the panel on a click; pop-ups
// through the host's service worker (one per browser, tagged with the server,
// user and notification id, text in the current language, sound per
// setting); page-level Notification without `sw`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, event, bellButton, token, ROOT, ARTIFACTS } from './harness.mjs';

let env;
before(async () => {
  env = await start();
  env.page('/bell-sw.js', readFileSync(join(ROOT, 'dist/bell-sw.js'), 'utf8'));
});
after(async () => { await env.stop(); });

const COUNT_REQUESTS = () => {
  window.__asked = 0;
  const original = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...a) => { window.__asked += 1; return original(...a); };
};

test('permission is asked only from the panel, on a click', async () => {
  const page = await env.browser.newPage();
  await page.addInitScript(COUNT_REQUESTS);
  await page.goto(env.bellPage('u-perm'));
  await bellButton(page).click();
  const enable = page.getByRole('button', { name: 'Turn on browser notifications' });
  await enable.waitFor();
  assert.equal(await page.evaluate(() => window.__asked), 0, 'not on page load');
  await enable.click();
  await page.waitForFunction(() => window.__asked === 1);
  // Headless Chromium answers "denied": the panel then says how to re-enable.
  await page.getByRole('note').filter({ hasText: 'Browser notifications are blocked' }).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/popups-blocked.png` });
  await page.close();
});

/** The pop-ups the page had its worker show (their `showNotification`
 *  resolved), as the probe below recorded them. The worker's own list
 *  (`getNotifications`) is not used to find them: headless Chromium now and
 *  then leaves a pop-up it did show out of that list (seen in about one run
 *  of this file in fifteen, with the widget's part done), and closes each
 *  about 25 s after showing it. */
async function popups(page) {
  return page.evaluate(() => window.__probe.shown.map(({ title, options: o }) =>
    ({ title, body: o.body, tag: o.tag, silent: o.silent, id: o.data?.id })));
}

/** The pop-ups shown, once `ready(list)` (waits up to ~10 s: slow CI). */
async function waitForPopups(page, ready) {
  for (let i = 0; i < 400; i++) {
    const list = await popups(page);
    if (ready(list)) return list;
    await page.waitForTimeout(25);
  }
  return popups(page);
}

/** Records, in the page, each `popup` event its streams received, each
 *  pop-up it asked the worker's registration for (and whether that
 *  resolved) and each page-level Notification, so that a pop-up missing
 *  from the worker says where it went. */
const PROBE = () => {
  window.__probe = { popupEvents: 0, pageNotifications: 0, streams: 0, workerShows: 0, shown: [], errors: [] };
  const show = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = function (...a) {
    window.__probe.workerShows += 1;
    return show.apply(this, a).then(
      (v) => { window.__probe.shown.push({ title: a[0], options: a[1] }); return v; },
      (e) => { window.__probe.errors.push(`showNotification: ${e}`); throw e; },
    );
  };
  const RealSource = window.EventSource;
  window.EventSource = class extends RealSource {
    constructor(...a) {
      super(...a);
      window.__probe.streams += 1;
      this.addEventListener('popup', () => { window.__probe.popupEvents += 1; });
    }
  };
  const RealNotification = window.Notification;
  window.Notification = class extends RealNotification {
    constructor(...a) {
      try { super(...a); } catch (e) { window.__probe.errors.push(`new Notification: ${e}`); throw e; }
      window.__probe.pageNotifications += 1;
    }
  };
};

/** The pop-up whose body has `text`, once the worker showed it; failing
 *  with what the page saw when none comes. */
async function expectPopup(page, text) {
  const list = await waitForPopups(page, (l) => l.some((n) => n.body.includes(text)));
  if (!list.some((n) => n.body.includes(text))) {
    const probe = await page.evaluate(() => window.__probe);
    assert.fail(`no pop-up "${text}" shown through the worker; the page saw ${JSON.stringify(probe)}`);
  }
  return list.find((n) => n.body.includes(text));
}

/** A page of `u` (CRM) in `context` whose bell streams, is a registered
 *  device (pop-ups are routed to those only) and has its worker active
 *  (else the widget falls back to a page pop-up). */
async function pageWithWorker(context, u) {
  const page = await context.newPage();
  await page.addInitScript(PROBE);
  const streaming = page.waitForResponse((r) => r.url().includes('/v1/stream'));
  const registered = page.waitForResponse((r) => r.url().endsWith('/v1/devices/web'));
  await page.goto(env.bellPage(u, { sw: '/bell-sw.js', app: 'crm' }));
  await streaming;
  await registered;
  await workerActive(page);
  return page;
}

/** Waits until `page` sees the widget's service worker active. */
async function workerActive(page) {
  const active = () => page.evaluate(async () => !!(await navigator.serviceWorker.getRegistration('/bell-sw.js'))?.active);
  for (let i = 0; i < 500 && !(await active()); i++) await page.waitForTimeout(20);
  assert.ok(await active(), 'the service worker is active');
}

test('pop-ups go through the service worker: one per browser, tagged, in the current language, sound per setting', async () => {
  const u = 'u-popups';
  const context = await env.browser.newContext();
  await context.grantPermissions(['notifications'], { origin: env.hostOrigin });
  const a = await pageWithWorker(context, u);
  const b = await context.newPage();
  await b.addInitScript(PROBE);
  await b.goto(env.bellPage(u, { sw: '/bell-sw.js', app: 'crm' }));
  await bellButton(b).waitFor();
  // Whichever tab shows the pop-up, it has its worker by now (a tab whose
  // worker is not active yet shows a page-level pop-up instead, by design).
  await workerActive(b);
  assert.equal(await a.evaluate(async () => (await navigator.serviceWorker.getRegistration('/bell-sw.js')).scope),
    `${env.hostOrigin}/bell-sw.js`, 'a scope of its own: it controls no page of the host');

  await env.ingest(event('deal.assigned', u, { deal_name: 'Pop deal' }));
  const first = await expectPopup(a, 'Pop deal');
  const listed = await (await fetch(`${env.api}/v1/notifications?tab=general`, { headers: { authorization: `Bearer ${token(u)}` } })).json();
  const id = listed.items[0].id;
  // Tagged per server and user: another account's pop-up of the same id never replaces it.
  assert.deepEqual(first, { title: 'Notifications', body: 'Budi Santoso assigned you the deal Pop deal', tag: `qontak-bell:${env.api}:${u}:${id}`, silent: false, id });
  await a.waitForTimeout(300);
  const asked = async (page) => page.evaluate(() => window.__probe.workerShows + window.__probe.pageNotifications);
  assert.equal((await asked(a)) + (await asked(b)), 1, 'one pop-up for two tabs');

  // Sound off in the panel, language switched: the next one is silent and Indonesian.
  await bellButton(a).click();
  const sound = a.getByRole('switch', { name: 'Notification sound' });
  await sound.waitFor();
  assert.equal(await sound.isChecked(), true);
  await sound.uncheck();
  await a.waitForFunction(async ([api, t]) => !(await (await fetch(`${api}/v1/settings`, { headers: { authorization: `Bearer ${t}` } })).json()).sound, [env.api, token(u)]);
  await a.evaluate(() => document.querySelectorAll('qontak-bell').forEach((el) => el.setAttribute('lang', 'id')));
  await b.evaluate(() => document.querySelectorAll('qontak-bell').forEach((el) => el.setAttribute('lang', 'id')));
  await env.ingest(event('approval.deal.requested', u, { deal_name: 'Sinar' }));
  const second = await expectPopup(a, 'Sinar');
  assert.deepEqual([second.title, second.body, second.silent], ['Notifikasi', 'Budi Santoso meminta persetujuan Anda untuk deal Sinar', true]);
  await context.close();
});

test('clicking a pop-up marks it read and brings the host tab to its link', async () => {
  // Headless Chromium cannot click a notification, so the test dispatches the
  // click inside the real service worker, on the real notification it shows.
  // (Focusing a tab or opening a window needs the user's click and cannot be
  // proved this way; marking read and steering the open tab can.)
  const u = 'u-popup-click';
  const deal = env.page('/deals/77', '<!doctype html><title>Deal 77</title><p>Deal 77</p>');
  const context = await env.browser.newContext();
  await context.grantPermissions(['notifications'], { origin: env.hostOrigin });
  const page = await pageWithWorker(context, u);
  const worker = context.serviceWorkers().find((w) => w.url().endsWith('/bell-sw.js'));
  assert.ok(worker, 'the worker is visible to the test');

  await env.ingest(event('deal.assigned', u, { deal_name: 'Click deal' }, { link: '/deals/77' }));
  const { tag, id } = await expectPopup(page, 'Click deal');
  const navigated = page.waitForURL(deal);
  const { title, options } = await page.evaluate((tag) => window.__probe.shown.find((n) => n.options.tag === tag), tag);
  await worker.evaluate(async ([tag, title, options]) => {
    let [n] = await self.registration.getNotifications({ tag });
    // Left out of the list by headless Chromium (see `popups`): the same
    // pop-up, shown again with the widget's own title and options.
    for (let i = 0; i < 5 && !n; i++) {
      await self.registration.showNotification(title, options);
      [n] = await self.registration.getNotifications({ tag });
    }
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
  }, [tag, title, options]);
  await navigated;
  assert.equal(await page.textContent('p'), 'Deal 77', 'the host tab went to the link');
  const readAt = async () => {
    const list = await (await fetch(`${env.api}/v1/notifications?tab=general`, { headers: { authorization: `Bearer ${token(u)}` } })).json();
    return list.items.find((n) => n.id === id).read_at;
  };
  for (let i = 0; i < 200 && !(await readAt()); i++) await page.waitForTimeout(25);
  assert.ok(await readAt(), 'marked read on the server');
  assert.equal(await worker.evaluate(async () => (await self.registration.getNotifications()).length), 0, 'the pop-up closed');
  await context.close();
});

test('without sw, a page-level Notification is shown', async () => {
  const u = 'u-page-popup';
  const context = await env.browser.newContext();
  await context.grantPermissions(['notifications'], { origin: env.hostOrigin });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__shown = [];
    const Real = window.Notification;
    class Recording extends Real {
      constructor(title, options) { super(title, options); window.__shown.push({ title, body: options.body, tag: options.tag }); }
    }
    window.Notification = Recording;
  });
  const streaming = page.waitForResponse((r) => r.url().includes('/v1/stream'));
  const registered = page.waitForResponse((r) => r.url().endsWith('/v1/devices/web'));
  await page.goto(env.bellPage(u, { app: 'crm' }));
  await streaming;
  await registered;
  await env.ingest(event('ticket.assigned', u, { ticket_name: 'Printer on fire' }));
  await page.waitForFunction(() => window.__shown.length === 1);
  const shown = await page.evaluate(() => window.__shown[0]);
  assert.equal(shown.body, 'Budi Santoso assigned you the ticket Printer on fire');
  await context.close();
});
