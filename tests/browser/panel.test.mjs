// The bell and its panel in a real browser against the real server: badge,
// disclosure, tabs, filters, read state, links, accessibility, safety.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, event, bellButton, token, ARTIFACTS, AXE_PATH, SERVICE_TOKEN } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const counts = async (user) => (await fetch(`${env.api}/v1/notifications/unread-count`, {
  headers: { authorization: `Bearer ${token(user)}` } })).json();

async function open(user, attrs) {
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(user, attrs));
  await bellButton(page).click();
  await page.getByRole('tab', { name: 'General' }).waitFor();
  return page;
}

test('badge shows the unread total and 99+ above 99', async () => {
  for (let i = 0; i < 3; i++) await env.ingest(event('mention', 'u-badge', { entity_type: 'deal', entity_name: `D${i}` }));
  const page = await env.browser.newPage();
  await page.goto(env.bellPage('u-badge'));
  const bell = page.getByRole('button', { name: 'Notifications, 3 unread' });
  await bell.waitFor();
  assert.equal((await page.locator('qontak-bell .bell__badge').textContent()).trim(), '3');
  await Promise.all(Array.from({ length: 100 }, (_, i) =>
    env.ingest(event('deal.assigned', 'u-badge', { deal_name: `Deal ${i}` }))));
  await page.reload();
  await page.getByRole('button', { name: 'Notifications, 103 unread' }).waitFor();
  assert.equal((await page.locator('qontak-bell .bell__badge').textContent()).trim(), '99+');
  await page.close();
});

test('the panel opens on click, Enter and Space, closes on Escape, outside click and second click, moving focus', async () => {
  const page = await env.browser.newPage();
  await page.goto(env.bellPage('u-disclosure', {}, { body: '<p id="outside">Host content</p>' }));
  const bell = bellButton(page);
  await bell.click();
  const general = page.getByRole('tab', { name: 'General' });
  await general.waitFor();
  assert.equal(await bell.getAttribute('aria-expanded'), 'true');
  assert.ok(await general.evaluate((el) => el.getRootNode().activeElement === el), 'focus moves into the panel');
  await page.keyboard.press('Escape');
  await general.waitFor({ state: 'hidden' });
  assert.ok(await bell.evaluate((el) => el.getRootNode().activeElement === el), 'focus returns to the bell');
  await page.keyboard.press('Enter');
  await general.waitFor();
  await page.keyboard.press('Escape');
  await general.waitFor({ state: 'hidden' });
  await page.keyboard.press(' ');
  await general.waitFor();
  await page.click('#outside');
  await general.waitFor({ state: 'hidden' });
  await bell.click();
  await general.waitFor();
  await bell.click();
  await general.waitFor({ state: 'hidden' });
  assert.equal(await bell.getAttribute('aria-expanded'), 'false');
  // Closed, the panel keeps its rendering but is out of reach: no roles for
  // assistive technology, nothing in it takes focus, Tab leaves the widget.
  assert.equal(await page.getByRole('tab').count(), 0);
  assert.ok(await page.evaluate(() => {
    const root = document.querySelector('qontak-bell').shadowRoot;
    const tab = root.querySelector('[role=tab]');
    tab.focus();
    return root.activeElement !== tab;
  }), 'a closed panel takes no focus');
  await bell.focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.querySelector('qontak-bell').shadowRoot.activeElement), null);
  await page.close();
});

test('tabs follow the WAI-ARIA pattern: arrows, Home, End, roving tabindex', async () => {
  const page = await open('u-tabs');
  const tab = (name) => page.getByRole('tab', { name });
  const state = async () => Promise.all(['General', 'Inbox', 'Approval'].map(async (n) => [
    await tab(n).getAttribute('aria-selected'), await tab(n).getAttribute('tabindex')]));
  assert.deepEqual(await state(), [['true', '0'], ['false', '-1'], ['false', '-1']]);
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await state(), [['false', '-1'], ['true', '0'], ['false', '-1']]);
  assert.ok(await tab('Inbox').evaluate((el) => el.getRootNode().activeElement === el));
  await page.keyboard.press('End');
  assert.equal(await tab('Approval').getAttribute('aria-selected'), 'true');
  await page.keyboard.press('ArrowRight');
  assert.equal(await tab('General').getAttribute('aria-selected'), 'true');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await tab('Approval').getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Home');
  assert.equal(await tab('General').getAttribute('aria-selected'), 'true');
  const panel = page.getByRole('tabpanel');
  assert.equal(await panel.getAttribute('aria-labelledby'), 'tab-general');
  await page.close();
});

test('tabs list their own kinds; category and unread-only filter; counts per tab', async () => {
  const u = 'u-filters';
  await env.ingest(event('mention', u, { entity_type: 'task', entity_name: 'Prepare Q4 proposal' }, { minutesAgo: 3 }));
  await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju Jaya renewal' }, { minutesAgo: 2 }));
  await env.ingest(event('conversation.assigned', u, { contact_name: 'Rina Wijaya', channel: 'whatsapp' }, { minutesAgo: 1 }));
  await env.ingest(event('approval.expense.requested', u, { expense_name: 'Client dinner', amount: 1250000, currency: 'IDR' }));
  const page = await open(u);
  const items = page.getByRole('listitem');
  await page.getByRole('link', { name: 'Budi Santoso mentioned you in the task Prepare Q4 proposal' }).waitFor();
  assert.equal(await items.count(), 2);
  const general = page.getByRole('tab', { name: 'General' });
  assert.equal(await general.getAttribute('aria-describedby'), 'tab-count-general');
  assert.equal(await page.locator('qontak-bell #tab-count-general').textContent(), '2 unread');

  await page.getByRole('combobox', { name: 'Category' }).selectOption('mention');
  await page.getByRole('link', { name: /PT Maju Jaya/ }).waitFor({ state: 'detached' });
  await page.getByRole('link', { name: /Prepare Q4 proposal/ }).waitFor();
  assert.equal(await items.count(), 1);

  await page.getByRole('tab', { name: 'Inbox' }).click();
  await page.getByRole('link', { name: 'Budi Santoso assigned you a WhatsApp conversation with Rina Wijaya' }).waitFor();
  assert.equal(await page.getByRole('combobox', { name: 'Category' }).inputValue(), '', 'the filter resets to All');
  const options = await page.getByRole('combobox', { name: 'Category' }).locator('option').allTextContents();
  assert.deepEqual(options, ['All', 'Assignment', 'Resolved', 'Contact']);

  await page.getByRole('tab', { name: 'Approval' }).click();
  const expense = page.getByRole('link', { name: /Client dinner/ });
  await expense.waitFor();
  assert.match(await expense.textContent(), /Budi Santoso asked you to approve the expense Client dinner \(IDR\s1,250,000\)/);

  // Read one, then "Show unread only" hides it.
  await page.getByRole('tab', { name: 'General' }).click();
  await page.getByRole('button', { name: 'Mark as read' }).first().waitFor();
  await page.getByRole('listitem').filter({ hasText: 'PT Maju' }).getByRole('button', { name: 'Mark as read' }).click();
  await page.getByRole('button', { name: 'Notifications, 3 unread' }).waitFor();
  const unreadOnly = page.getByRole('switch', { name: 'Show unread only' });
  await unreadOnly.check();
  await page.getByRole('link', { name: /Prepare Q4 proposal/ }).waitFor();
  assert.equal(await page.getByRole('link', { name: /PT Maju Jaya/ }).count(), 0);
  assert.equal(await items.count(), 1);
  await unreadOnly.uncheck();
  await page.getByRole('link', { name: /PT Maju Jaya/ }).waitFor();
  await page.close();
});

test('mark one read: the button goes, the badge and the server agree', async () => {
  const u = 'u-mark-one';
  await env.ingest(event('task.assigned', u, { task_name: 'Call back Rina' }));
  await env.ingest(event('task.assigned', u, { task_name: 'Send quote' }));
  const page = await open(u);
  const item = page.getByRole('listitem').filter({ hasText: 'Call back Rina' });
  await item.getByRole('button', { name: 'Mark as read' }).click();
  await item.getByRole('button', { name: 'Mark as read' }).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  await expectCount(u, 1);
  await page.close();
});

async function expectCount(user, n) {
  for (let i = 0; i < 100; i++) {
    if ((await counts(user)).total === n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal((await counts(user)).total, n);
}

test('mark all as read marks only the active tab and category, and not what arrives while it is in flight', async () => {
  const u = 'u-mark-all';
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Seen mention' }));
  await env.ingest(event('deal.assigned', u, { deal_name: 'Other category' }));
  await env.ingest(event('conversation.resolved', u, { contact_name: 'Other tab', channel: 'instagram' }));
  const page = await open(u);
  await page.getByRole('combobox', { name: 'Category' }).selectOption('mention');
  await page.getByRole('link', { name: /Seen mention/ }).waitFor();
  await page.getByRole('link', { name: /Other category/ }).waitFor({ state: 'detached' });
  // Hold the request; a mention arrives (and shows, live) while it is in flight.
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/v1/notifications/read-all', async (route) => { await held; await route.continue(); });
  await page.getByRole('button', { name: 'Mark all as read' }).click();
  await env.ingest(event('mention', u, { entity_type: 'deal', entity_name: 'Arrived meanwhile' }));
  await page.getByRole('link', { name: /Arrived meanwhile/ }).waitFor();
  release();
  await page.getByRole('listitem').filter({ hasText: 'Seen mention' }).getByRole('button', { name: 'Mark as read' })
    .waitFor({ state: 'detached' });
  await expectCount(u, 3);
  const c = await counts(u);
  assert.equal(c.tabs.general.categories.mention, 1, 'what arrived in flight stays unread');
  assert.equal(c.tabs.general.categories.assignment, 1);
  assert.equal(c.tabs.inbox.total, 1);
  await page.getByRole('listitem').filter({ hasText: 'Arrived meanwhile' }).getByRole('button', { name: 'Mark as read' }).waitFor();
  await page.close();
});

test('clicking an item opens its page in the same tab and marks it read', async () => {
  const u = 'u-click';
  await env.ingest(event('ticket.assigned', u, { ticket_name: 'Login fails' }, { link: '/tickets/88' }));
  const page = await open(u);
  await Promise.all([
    page.waitForURL(`${env.hostOrigin}/tickets/88`),
    page.getByRole('link', { name: /Login fails/ }).click(),
  ]);
  await expectCount(u, 0);
  await page.close();
});

test('a link to another origin opens in a new tab (noopener), this tab stays', async () => {
  const u = 'u-other-origin';
  await env.ingest(event('ticket.assigned', u, { ticket_name: 'Elsewhere' }, { link: 'https://app.qontak.test/tickets/7' }));
  await env.ingest(event('ticket.assigned', u, { ticket_name: 'Here' }, { link: '/tickets/8' }));
  const page = await open(u);
  const elsewhere = page.getByRole('link', { name: /Elsewhere/ });
  await elsewhere.waitFor();
  assert.equal(await elsewhere.getAttribute('target'), '_blank');
  assert.equal(await elsewhere.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await page.getByRole('link', { name: /Here/ }).getAttribute('target'), null, 'same origin: same tab');
  const [popup] = await Promise.all([page.waitForEvent('popup'), elsewhere.click()]);
  // (app.qontak.test does not resolve here: the new tab shows an error page.)
  assert.ok(popup, 'a new tab opened');
  assert.equal(page.url().startsWith(env.hostOrigin), true, 'this tab stays');
  await popup.close();
  await page.close();
});

test('accessible names, and no axe violations closed or on any tab', async () => {
  const u = 'u-axe';
  await env.ingest(event('mention', u, { entity_type: 'comment', entity_name: 'Q4 plan' }));
  await env.ingest(event('deal.assigned', u, { deal_name: 'Old deal' }, { minutesAgo: 3 * 24 * 60 }));
  await env.ingest(event('contact.blocked', u, { contact_name: 'Spammer' }));
  await env.ingest(event('approval.deal.approved', u, { deal_name: 'Sinar Abadi' }));
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(u));
  await bellButton(page).waitFor();
  await page.addScriptTag({ content: readFileSync(AXE_PATH, 'utf8') });
  const axe = async (label) => {
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document.querySelector('qontak-bell'), { resultTypes: ['violations'] });
      return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(result, [], `axe on ${label}`);
  };
  await axe('the closed bell');
  await page.screenshot({ path: `${ARTIFACTS}/bell-closed.png`, clip: { x: 0, y: 0, width: 1280, height: 120 } });
  await bellButton(page).click();
  for (const name of ['General', 'Inbox', 'Approval']) {
    await page.getByRole('tab', { name }).click();
    await page.getByRole('listitem').first().waitFor();
    await axe(`the ${name} tab`);
    await page.screenshot({ path: `${ARTIFACTS}/panel-${name.toLowerCase()}.png` });
  }
  await page.getByRole('tab', { name: 'General' }).click();
  await page.getByRole('heading', { name: 'Today' }).waitFor();
  await page.getByRole('heading', { name: 'Older' }).waitFor();
  await page.getByRole('switch', { name: 'Show unread only' }).waitFor();
  await page.getByRole('combobox', { name: 'Category' }).waitFor();
  await page.getByRole('button', { name: 'Mark all as read' }).waitFor();
  const item = page.getByRole('listitem').filter({ hasText: 'Q4 plan' });
  await item.getByRole('link', { name: 'Budi Santoso mentioned you in the comment Q4 plan' }).waitFor();
  await item.getByRole('button', { name: 'Mark as read' }).waitFor();
  await page.emulateMedia({ colorScheme: 'dark' });
  await axe('the dark theme');
  await page.screenshot({ path: `${ARTIFACTS}/panel-dark.png` });
  await page.close();
});

test('producer text is text: HTML in arguments is shown, never run', async () => {
  const u = 'u-xss';
  await env.ingest(event('deal.assigned', u, { deal_name: '<img src=x onerror="window.__xss=1">' },
    { actor: { type: 'user', id: 'u-evil', name: '<b>Evil</b>' } }));
  const page = await open(u);
  const link = page.getByRole('link', { name: /onerror/ });
  await link.waitFor();
  assert.equal(await link.textContent(), '<b>Evil</b> assigned you the deal <img src=x onerror="window.__xss=1">');
  assert.equal(await page.locator('qontak-bell img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await page.close();
});

test('the system actor reads as automatic assignment', async () => {
  const u = 'u-system';
  await env.ingest(event('deal.assigned', u, { deal_name: 'Chatbot lead' }, { actor: { type: 'system' } }));
  const page = await open(u);
  await page.getByRole('link', { name: 'The deal Chatbot lead was automatically assigned to you' }).waitFor();
  const avatar = page.locator('qontak-bell .item__avatar');
  assert.equal(await avatar.textContent(), '', 'the system actor gets the bell icon, not initials');
  assert.equal(await avatar.locator('svg').count(), 1);
  await page.close();
});

test('a notification without a link is still a link to the keyboard: Enter marks it read', async () => {
  const u = 'u-linkless';
  await env.ingest(event('mention', u, { entity_type: 'task', entity_name: 'No page' }, { link: null }));
  const page = await open(u);
  const item = page.getByRole('link', { name: /No page/ });
  await item.waitFor();
  assert.equal(await item.getAttribute('href'), null);
  await item.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Mark as read' }).count(), 0);
  // The badge changes before the server answers: wait for the server to agree.
  await expectCount(u, 0);
  await page.close();
});

test('a host themes the widget through its custom properties', async () => {
  const u = 'u-theme';
  await env.ingest(event('mention', u, { entity_type: 'task', entity_name: 'Themed' }));
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(u, {}, {
    head: '<style>qontak-bell { --bell-badge: rgb(0, 128, 0); --bell-accent: rgb(128, 0, 128); --bell-radius: 3px; }</style>',
  }));
  await bellButton(page).click();
  await page.getByRole('link', { name: /Themed/ }).waitFor();
  const style = (selector, property) => page.locator(`qontak-bell ${selector}`).first()
    .evaluate((el, p) => getComputedStyle(el)[p], property);
  assert.equal(await style('.bell__badge', 'backgroundColor'), 'rgb(0, 128, 0)');
  assert.equal(await style('.panel', 'borderTopLeftRadius'), '3px');
  assert.equal(await page.locator('qontak-bell .item--unread').first()
    .evaluate((el) => getComputedStyle(el, '::after').backgroundColor), 'rgb(128, 0, 128)', 'the unread dot');
  await page.close();
});

test('each item shows its actor’s initials, upper-cased in any script', async () => {
  const u = 'u-initials';
  const by = (id, name, deal) => event('deal.assigned', u, { deal_name: deal }, { actor: { type: 'user', id, name } });
  await env.ingest(by('u-a', 'Budi Santoso', 'One'));
  await env.ingest(by('u-b', 'ayu lestari putri', 'Two'));
  await env.ingest(by('u-c', 'élodie ñúñez', 'Three'));
  await env.ingest(by('u-d', 'Rina', 'Four'));
  const page = await open(u);
  const initials = async (deal) => page.getByRole('listitem').filter({ hasText: `deal ${deal}` }).locator('.item__avatar').textContent();
  await page.getByRole('listitem').nth(3).waitFor();
  assert.deepEqual(
    [await initials('One'), await initials('Two'), await initials('Three'), await initials('Four')],
    ['BS', 'AL', 'ÉÑ', 'R'],
  );
  await page.close();
});
