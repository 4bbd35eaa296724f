// The core flows in the two other engines, Firefox ESR and WebKitGTK
// (Safari's engine), against the real server with the host page on another
// origin: the element loads with no error, panel and tabs, a category
// filter, unread only, Today / Older, en ↔ id, a live row and badge, mark
// one / all read, Approve with the co-approver's card settling live, the
// panel inside the viewport from a bottom-left bell, the phone sheet, and
// pop-ups (or, where the engine cannot grant them, the fallback the widget
// takes, by name). Chromium runs the whole suite in the other files.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, event, token, ROOT } from './harness.mjs';
import { ENGINES } from './engines.mjs';

let env;
before(async () => {
  env = await start({ chromium: false });
  env.page('/bell-sw.js', readFileSync(join(ROOT, 'dist/bell-sw.js'), 'utf8'));
});
after(async () => { await env.stop(); });

/** In every host page, first thing: errors are recorded (WebDriver classic
 *  has no console to read), and `$bell` finds the widget's parts in its
 *  shadow root by role and visible name, as a user would. */
const HELPERS = () => {
  window.__errors = [];
  const error = console.error.bind(console);
  console.error = (...a) => { window.__errors.push(a.map(String).join(' ')); error(...a); };
  addEventListener('error', (e) => window.__errors.push(`${e.message || `failed to load ${e.target?.src || e.target?.href}`}`), true);
  addEventListener('unhandledrejection', (e) => window.__errors.push(`unhandled rejection: ${e.reason}`));
  // Streams opened and requests answered, so that a test knows when the
  // bell is live and its browser registered.
  window.__streams = 0;
  const RealSource = window.EventSource;
  window.EventSource = class extends RealSource {
    constructor(...a) { super(...a); this.addEventListener('open', () => { window.__streams += 1; }); }
  };
  // Pop-ups shown (or refused) through the worker and on the page.
  window.__popups = { worker: [], refused: [], page: [] };
  if (window.ServiceWorkerRegistration) {
    const show = ServiceWorkerRegistration.prototype.showNotification;
    ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
      return show.call(this, title, options).then(
        (v) => { window.__popups.worker.push(`${title} | ${options.body}`); return v; },
        (e) => { window.__popups.refused.push(String(e)); throw e; });
    };
  }
  if (window.Notification) {
    const RealNotification = window.Notification;
    window.Notification = class extends RealNotification {
      constructor(title, options) { super(title, options); window.__popups.page.push(`${title} | ${options.body}`); }
    };
  }
  window.__answered = [];
  const realFetch = window.fetch;
  window.fetch = (...a) => realFetch(...a).then((r) => { window.__answered.push(new URL(r.url).pathname); return r; });
  const root = () => document.querySelector('qontak-bell')?.shadowRoot;
  const shown = (el) => !!el && el.getClientRects().length > 0 && !el.closest('[hidden]');
  const all = (selector) => [...(root()?.querySelectorAll(selector) ?? [])].filter(shown);
  const name = (el) => (el.getAttribute('aria-label') || el.textContent).trim();
  window.$bell = {
    bell: () => root()?.querySelector('.bell__button'),
    label: () => root()?.querySelector('.bell__button')?.getAttribute('aria-label') ?? '',
    panel: () => { const p = root()?.querySelector('.panel'); return shown(p) ? p : null; },
    tab: (text) => all('[role=tab]').find((t) => t.querySelector('[data-l10n]').textContent === text),
    selectedTab: () => all('[role=tab]').find((t) => t.getAttribute('aria-selected') === 'true')?.querySelector('[data-l10n]').textContent,
    button: (text) => all('button').find((b) => name(b) === text),
    rows: () => all('li.item').map((li) => li.querySelector('.item__link').textContent),
    row: (text) => all('li.item').find((li) => li.textContent.includes(text)),
    markButton: (text) => window.$bell.row(text)?.querySelector('[data-act=mark]'),
    unread: (text) => window.$bell.row(text)?.classList.contains('item--unread'),
    headings: () => all('h3.section__title').map((h) => h.textContent),
    section: (heading) => all('section.section').find((s) => s.querySelector('h3').textContent === heading)
      ?.querySelectorAll('li.item').length ?? 0,
    switchNamed: (text) => all('label.filters__switch').find((l) => l.textContent.trim() === text)?.querySelector('input'),
    category: () => root().querySelector('select'),
    /** Picks a category as the engine's own option picker would. */
    choose: (value) => {
      const select = root().querySelector('select');
      select.value = value;
      select.dispatchEvent(new Event('change', { bubbles: true }));
    },
    inViewport: () => {
      const r = window.$bell.panel()?.getBoundingClientRect();
      return r && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 0.5 && r.bottom <= innerHeight + 0.5 && r.height >= 200
        ? [r.left, r.top, r.width, r.height].map(Math.round) : null;
    },
    /** The element at a control's centre is the control: nothing covers it. */
    hittable: (el) => {
      const r = el.getBoundingClientRect();
      let hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      while (hit?.shadowRoot) hit = hit.shadowRoot.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) ?? hit;
      return hit === el || el.contains(hit);
    },
  };
};
const HEAD = `<meta name="viewport" content="width=device-width, initial-scale=1"><script>(${HELPERS})()</script>`;

const hostPage = (user, attrs = {}, options = {}) =>
  env.bellPage(user, { token: token(user, 3600, options.name), ...attrs }, { head: HEAD, ...options });

/** The errors the page recorded and the engine's console printed. */
async function noErrors(tab) {
  const recorded = await tab.eval(() => window.__errors);
  assert.deepEqual([...recorded, ...tab.consoleErrors], [], `${tab.engine}: errors on the page`);
}

/** Opens the panel; waits for its first row unless `empty`. */
async function openPanel(tab, { empty = false } = {}) {
  await tab.waitFor('the bell', () => window.$bell.label().startsWith('Notifications') || window.$bell.label().startsWith('Notifikasi'));
  await tab.click(() => window.$bell.bell());
  await tab.waitFor('the open panel', (empty) => !!window.$bell.panel() && (empty || window.$bell.rows().length > 0), empty);
}

const counts = async (user) => (await fetch(`${env.api}/v1/notifications/unread-count`, {
  headers: { authorization: `Bearer ${token(user)}` } })).json();
async function serverTotal(user, n) {
  for (let i = 0; i < 200 && (await counts(user)).total !== n; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal((await counts(user)).total, n, 'the server agrees');
}

let userSeq = 0;
const user = (what) => `u-${what}-${++userSeq}`;

for (const [key, launch] of Object.entries(ENGINES)) {
  describe(key, () => {
    let engine;
    before(async () => { engine = await launch(); });
    after(async () => { await engine?.close(); });

    test('loads with no error: panel, tabs, category filter, unread only, Today / Older', async () => {
      const u = user('core');
      await env.ingest(event('mention', u, { entity_type: 'task', entity_name: 'Prepare Q4 proposal' }, { minutesAgo: 3 }));
      await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju Jaya renewal' }, { minutesAgo: 3 * 24 * 60 }));
      await env.ingest(event('conversation.assigned', u, { contact_name: 'Rina Wijaya', channel: 'whatsapp' }));
      const tab = await engine.open();
      await tab.goto(hostPage(u));
      await tab.waitFor('the badge', () => window.$bell.label() === 'Notifications, 3 unread');
      await openPanel(tab);
      assert.equal(await tab.eval(() => window.$bell.selectedTab()), 'General');
      assert.deepEqual(await tab.eval(() => window.$bell.headings()), ['Today', 'Older']);
      assert.deepEqual(await tab.eval(() => [window.$bell.section('Today'), window.$bell.section('Older')]), [1, 1]);
      assert.deepEqual(await tab.eval(() => window.$bell.rows()), [
        'Budi Santoso mentioned you in the task Prepare Q4 proposal', 'Budi Santoso assigned you the deal PT Maju Jaya renewal']);

      await tab.eval(() => window.$bell.choose('mention'));
      await tab.waitFor('the mention only', () => window.$bell.rows().length === 1 && window.$bell.rows()[0].includes('Prepare Q4'));
      await tab.eval(() => window.$bell.choose(''));
      await tab.waitFor('both rows again', () => window.$bell.rows().length === 2);

      // Read one; "Show unread only" hides it.
      await tab.click(() => window.$bell.markButton('PT Maju Jaya'));
      await tab.waitFor('the badge after a read', () => window.$bell.label() === 'Notifications, 2 unread');
      await tab.click(() => window.$bell.switchNamed('Show unread only'));
      await tab.waitFor('unread only', () => window.$bell.rows().length === 1 && !window.$bell.row('PT Maju'));
      await tab.click(() => window.$bell.switchNamed('Show unread only'));
      await tab.waitFor('all rows', () => window.$bell.rows().length === 2);

      // Another tab lists its own kinds.
      await tab.click(() => window.$bell.tab('Inbox'));
      await tab.waitFor('the Inbox row', () => window.$bell.rows().join() === 'Budi Santoso assigned you a WhatsApp conversation with Rina Wijaya');
      assert.equal(await tab.eval(() => window.$bell.selectedTab()), 'Inbox');
      await tab.press('Escape');
      await tab.waitFor('the panel closed', () => !window.$bell.panel());
      await noErrors(tab);
      await tab.close();
    });

    test('language switch en ↔ id, live', async () => {
      const u = user('lang');
      await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju Jaya' }));
      const tab = await engine.open();
      await tab.goto(hostPage(u));
      await openPanel(tab);
      await tab.eval(() => document.querySelector('qontak-bell').setAttribute('lang', 'id'));
      await tab.waitFor('Indonesian', () => window.$bell.label() === 'Notifikasi, 1 belum dibaca' && !!window.$bell.tab('Umum'));
      assert.deepEqual(await tab.eval(() => window.$bell.headings()), ['Hari ini']);
      assert.deepEqual(await tab.eval(() => window.$bell.rows()), ['Budi Santoso menugaskan deal PT Maju Jaya kepada Anda']);
      await tab.eval(() => document.querySelector('qontak-bell').setAttribute('lang', 'en'));
      await tab.waitFor('English', () => window.$bell.label() === 'Notifications, 1 unread' && !!window.$bell.tab('General'));
      await noErrors(tab);
      await tab.close();
    });

    test('a live row and badge without reload; mark one and all read', async () => {
      const u = user('live');
      await env.ingest(event('task.assigned', u, { task_name: 'Call back Rina' }));
      const tab = await engine.open();
      await tab.goto(hostPage(u));
      await openPanel(tab);
      await tab.waitFor('the stream', () => window.__streams > 0);
      await env.ingest(event('task.assigned', u, { task_name: 'Send quote' }));
      await tab.waitFor('the live row', () => window.$bell.rows()[0]?.includes('Send quote') && window.$bell.label() === 'Notifications, 2 unread');
      await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Renewal' }));
      await tab.waitFor('a second live row', () => window.$bell.rows()[0]?.includes('Renewal') && window.$bell.label() === 'Notifications, 3 unread');
      await tab.click(() => window.$bell.markButton('Call back Rina'));
      await tab.waitFor('one read', () => !window.$bell.unread('Call back Rina') && window.$bell.label() === 'Notifications, 2 unread');
      await serverTotal(u, 2);
      await tab.click(() => window.$bell.button('Mark all as read'));
      await tab.waitFor('all read', () => window.$bell.label() === 'Notifications' && window.$bell.rows().every((r) => !window.$bell.unread(r)));
      await serverTotal(u, 0);
      await noErrors(tab);
      await tab.close();
    });

    test('Approve from the bell; the co-approver\'s card settles live', async () => {
      const [ayu, budi] = [user('ayu'), user('budi')];
      const e = event('approval.expense.requested', ayu, { expense_name: 'Client lunch', amount: 1250000, currency: 'IDR' });
      e.recipients = [ayu, budi];
      e.approval_id = `apv-${key}-${process.pid}`;
      await env.ingest(e);
      const tabs = [];
      for (const [u, name] of [[ayu, 'Ayu Lestari'], [budi, 'Budi Santoso']]) {
        const tab = await engine.open();
        await tab.goto(hostPage(u, {}, { name }));
        await openPanel(tab, { empty: true });
        await tab.click(() => window.$bell.tab('Approval'));
        await tab.waitFor('the pending card', () => !!window.$bell.button('Approve'));
        await tab.waitFor('the stream', () => window.__streams > 0);
        tabs.push(tab);
      }

      await tabs[0].click(() => window.$bell.button('Approve'));
      for (const tab of tabs) {
        await tab.waitFor('the settled card', () => window.$bell.row('Client lunch')?.textContent.includes('Approved by Ayu Lestari · now')
          && !window.$bell.button('Approve'));
      }
      for (const tab of tabs) { await noErrors(tab); await tab.close(); }
    });

    test('from a bell in the bottom-left corner, the panel opens inside the viewport', async () => {
      const u = user('corner');
      await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju' }));
      const tab = await engine.open({ width: 1024, height: 640 });
      const bell = `<qontak-bell api="${env.api}" token="${token(u)}" app="crm" lang="en"></qontak-bell>`;
      await tab.goto(env.page(`/corner-${key}.html`, `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Host</title>${HEAD}<style>body { margin: 0; font: 14px sans-serif }</style>
<script type="module" src="${env.api}/widget/bell.js"></script></head>
<body><p>Host content</p><footer style="position:fixed;left:8px;bottom:8px">${bell}</footer></body></html>`));
      await openPanel(tab);
      const box = await tab.waitFor('the panel inside the viewport', () => window.$bell.inViewport());
      const bellBox = await tab.eval(() => window.$bell.bell().getBoundingClientRect().toJSON());
      assert.ok(box[1] + box[3] <= bellBox.top, `above the bell: ${box} / ${JSON.stringify(bellBox)}`);
      assert.ok(await tab.eval(() => ['General', 'Approval'].every((t) => window.$bell.hittable(window.$bell.tab(t)))
        && window.$bell.hittable(window.$bell.category()) && window.$bell.hittable(window.$bell.button('Mark all as read'))),
      'its controls are not covered');
      await tab.click(() => window.$bell.tab('Approval'));
      await tab.waitFor('the Approval tab', () => window.$bell.selectedTab() === 'Approval');
      await noErrors(tab);
      await tab.close();
    });

    test('a phone gets a full-width sheet with a close button', async () => {
      const u = user('phone');
      await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju' }));
      const tab = await engine.open({ width: 390, height: 844 });
      await tab.goto(hostPage(u));
      await openPanel(tab);
      // (WebKitGTK's MiniBrowser window is at least 447 px wide: still a phone's.)
      const [width, height] = await tab.waitFor('the sheet', () => {
        const r = window.$bell.panel().getBoundingClientRect();
        return r.width === innerWidth && r.height === innerHeight && r.left === 0 && r.top === 0 && [innerWidth, innerHeight];
      });
      assert.ok(width < 480 && height === 844, `a phone's viewport: ${width}×${height}`);
      await tab.click(() => window.$bell.button('Close'));
      await tab.waitFor('the sheet closed', () => !window.$bell.panel());
      await noErrors(tab);
      await tab.close();
    });

    test('pop-ups', async () => {
      const u = user('popup');
      const tab = await engine.open({ notifications: env.hostOrigin });
      await tab.goto(hostPage(u, { sw: '/bell-sw.js' }));
      await tab.waitFor('the bell', () => window.$bell.label() === 'Notifications');
      const permission = await tab.eval(() => Notification.permission);
      if (key === 'firefox') {
        // Firefox grants them; its worker is active and the browser registered.
        assert.equal(permission, 'granted');
        await tab.waitFor('the worker', () => navigator.serviceWorker.getRegistration('/bell-sw.js').then((r) => !!r?.active));
        await tab.waitFor('the stream and this browser registered', () => window.__streams > 0 && window.__answered.includes('/v1/devices/web'));
        await env.ingest(event('deal.assigned', u, { deal_name: 'Pop-up deal' }));
        const popups = await tab.waitFor('the pop-up', () => window.__popups.page.length + window.__popups.worker.length > 0 && window.__popups);
        // Headless Firefox has no alert service: the worker's
        // showNotification fails (NS_ERROR_FAILURE), and the widget falls
        // back to a page-level Notification with the same text.
        assert.deepEqual(popups.worker, []);
        assert.match(popups.refused.join(), /NS_ERROR_FAILURE/);
        assert.deepEqual(popups.page, ['Notifications | Budi Santoso assigned you the deal Pop-up deal']);
      } else {
        // WebKitGTK under WebDriver has no way to grant notifications
        // (`Notification.permission` stays "default"): the widget asks for
        // nothing on load, offers "Turn on browser notifications" in the
        // panel, and the notification arrives live in the bell only.
        assert.equal(permission, 'default');
        await tab.waitFor('the stream', () => window.__streams > 0);
        await tab.click(() => window.$bell.bell());
        await tab.waitFor('the offer to turn pop-ups on', () => !!window.$bell.button('Turn on browser notifications'));
        await env.ingest(event('deal.assigned', u, { deal_name: 'Pop-up deal' }));
        await tab.waitFor('the row, live', () => window.$bell.rows()[0]?.includes('Pop-up deal') && window.$bell.label() === 'Notifications, 1 unread');
        assert.deepEqual(await tab.eval(() => window.__popups), { worker: [], refused: [], page: [] });
      }
      await noErrors(tab);
      await tab.close();
    });
  });
}
