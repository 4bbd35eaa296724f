// Approvals decided from the bell (SPEC §7, API.md §6), in headless
// Chromium against the real server: Approve / Reject on the card, the note,
// every approver's open tabs and browsers following within a second, the
// winner shown on a stale card, buttons that wait, offline → online, the
// keyboard, axe, and both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, event, bellButton, token, AXE_PATH, ARTIFACTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

let approvalSeq = 0;
/** An actionable expense approval request to `approvers`; answers its approval id. */
async function requestApproval(approvers, expense = 'Team dinner') {
  const approvalId = `apv-${process.pid}-${++approvalSeq}`;
  const e = event('approval.expense.requested', approvers[0], { expense_name: expense, amount: 1250000, currency: 'IDR' });
  e.recipients = approvers;
  e.approval_id = approvalId;
  await env.ingest(e);
  return approvalId;
}

/** A page of `user` (display name `name`) with the panel open on the
 *  Approval tab; `leader`: the browser's first tab, which opens the stream
 *  (the others hear it through the leader). */
async function approvalTab(context, user, name, { lang = 'en', leader = true } = {}) {
  const page = await context.newPage();
  const streaming = leader && page.waitForResponse((r) => r.url().includes('/v1/stream'));
  await page.goto(env.bellPage(user, { token: token(user, 3600, name), lang }, { lang }));
  await page.getByRole('button', { name: lang === 'id' ? /^Notifikasi/ : /^Notifications/ }).click();
  await page.getByRole('tab', { name: lang === 'id' ? 'Persetujuan' : 'Approval' }).click();
  await page.getByRole('listitem').first().waitFor();
  await streaming;
  return page;
}

const card = (page, text) => page.getByRole('listitem').filter({ hasText: text });

async function axe(page, label) {
  await page.addScriptTag({ content: readFileSync(AXE_PATH, 'utf8') });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document.querySelector('qontak-bell'), { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(result, [], `axe on ${label}`);
}

test('Approve settles the card on every open tab and browser of every approver within a second', async () => {
  await requestApproval(['u-ayu-1', 'u-budi-1'], 'Client lunch');
  const ayu = await env.browser.newContext();
  const ayuTab1 = await approvalTab(ayu, 'u-ayu-1', 'Ayu Lestari');
  const ayuTab2 = await approvalTab(ayu, 'u-ayu-1', 'Ayu Lestari', { leader: false });
  const budiLaptop = await approvalTab(await env.browser.newContext(), 'u-budi-1', 'Budi Santoso');
  const budiPhone = await approvalTab(await env.browser.newContext(), 'u-budi-1', 'Budi Santoso');
  const pending = card(ayuTab1, 'Client lunch');
  await pending.getByRole('button', { name: 'Approve' }).waitFor();
  await pending.getByRole('button', { name: 'Reject' }).waitFor();
  await axe(ayuTab1, 'a pending actionable card');
  await ayuTab1.screenshot({ path: `${ARTIFACTS}/approval-pending.png` });

  await pending.getByRole('button', { name: 'Approve' }).click();
  const t0 = Date.now();
  for (const page of [ayuTab1, ayuTab2, budiLaptop, budiPhone]) {
    const c = card(page, 'Client lunch');
    await c.getByText('Approved by Ayu Lestari · now').waitFor({ timeout: 1000 });
    assert.equal(await c.getByRole('button', { name: 'Approve' }).count(), 0, 'nothing left to act on');
    await bellButton(page).and(page.getByRole('button', { name: 'Notifications', exact: true })).waitFor({ timeout: 1000 });
  }
  assert.ok(Date.now() - t0 < 1500, `every approver within a second (${Date.now() - t0} ms)`);
  await axe(ayuTab1, 'a decided card');
  await ayuTab1.screenshot({ path: `${ARTIFACTS}/approval-decided.png` });
  await ayu.close();
});

test('Reject offers a note, shown as text; a stale card shows who won instead of an error', async () => {
  const approvalId = await requestApproval(['u-ayu-2', 'u-budi-2'], 'Hotel upgrade');
  const ayu = await approvalTab(await env.browser.newContext(), 'u-ayu-2', 'Ayu Lestari');
  // Budi's tab hears nothing live: his card stays pending until he acts.
  const budiContext = await env.browser.newContext();
  await budiContext.route(/\/v1\/stream/, (route) => route.abort());
  const budi = await budiContext.newPage();
  await budi.goto(env.bellPage('u-budi-2', { token: token('u-budi-2', 3600, 'Budi Santoso') }));
  await bellButton(budi).click();
  await budi.getByRole('tab', { name: 'Approval' }).click();
  await card(budi, 'Hotel upgrade').getByRole('button', { name: 'Approve' }).waitFor();

  const mine = card(ayu, 'Hotel upgrade');
  await mine.getByRole('button', { name: 'Reject' }).click();
  const note = mine.getByRole('textbox', { name: 'Note (optional)' });
  await note.waitFor();
  assert.equal(await note.evaluate((el) => el.getRootNode().activeElement === el), true, 'the note has the focus');
  assert.equal(await mine.getByRole('button', { name: 'Approve' }).count(), 0, 'only the confirming Reject while the note is open');
  await note.fill('<b>Too</b> expensive\nfor this quarter');
  await mine.getByRole('button', { name: 'Reject' }).click();
  await mine.getByText('Rejected by Ayu Lestari · now').waitFor({ timeout: 1000 });
  await mine.getByText('<b>Too</b> expensive').waitFor();
  assert.equal(await mine.locator('b').count(), 0, 'the note is text, never markup');

  // Budi's stale card: his Approve comes second and shows Ayu's rejection.
  const stale = card(budi, 'Hotel upgrade');
  await stale.getByRole('button', { name: 'Approve' }).click();
  await stale.getByText('Rejected by Ayu Lestari · now').waitFor({ timeout: 2000 });
  await stale.getByText('for this quarter').waitFor();
  assert.equal(await budi.getByRole('alert').count(), 0, 'no error');
  const [, decisions] = await env.producer('GET', '/v1/decisions?limit=100');
  const ours = decisions.items.filter((d) => d.approval_id === approvalId);
  assert.equal(ours.length, 1, 'one decision');
  assert.equal(ours[0].decision, 'rejected');
  assert.equal(ours[0].note, '<b>Too</b> expensive\nfor this quarter');
  await budiContext.close();
});

test('the buttons wait while the decision is sent: a double click decides once', async () => {
  const approvalId = await requestApproval(['u-ayu-3'], 'Slow network');
  const context = await env.browser.newContext();
  let sent = 0;
  let release;
  const held = new Promise((r) => { release = r; });
  await context.route(/\/decision$/, async (route) => { sent += 1; await held; await route.continue(); });
  const page = await approvalTab(context, 'u-ayu-3', 'Ayu Lestari');
  const c = card(page, 'Slow network');
  const approve = c.getByRole('button', { name: 'Approve' });
  await approve.click();
  await approve.click({ force: true }).catch(() => {});
  assert.equal(await approve.isDisabled(), true, 'Approve waits');
  assert.equal(await c.getByRole('button', { name: 'Reject' }).isDisabled(), true, 'Reject waits');
  release();
  await c.getByText('Approved by Ayu Lestari · now').waitFor({ timeout: 2000 });
  assert.equal(sent, 1, 'one request');
  const [, decisions] = await env.producer('GET', '/v1/decisions?limit=100');
  assert.equal(decisions.items.filter((d) => d.approval_id === approvalId).length, 1);
  await context.close();
});

test('offline → online: the decision waits for the network and is taken once', async () => {
  // (It is sent again every 2 s while the network is away: several tries, one decision.)
  const approvalId = await requestApproval(['u-ayu-4'], 'Offline trip');
  const context = await env.browser.newContext();
  const page = await approvalTab(context, 'u-ayu-4', 'Ayu Lestari');
  const c = card(page, 'Offline trip');
  await context.setOffline(true);
  await c.getByRole('button', { name: 'Approve' }).click();
  await c.getByText("Offline: your decision is sent when you're back online.").waitFor({ timeout: 2000 });
  assert.equal(await c.getByRole('button', { name: 'Approve' }).isDisabled(), true);
  let [, decisions] = await env.producer('GET', '/v1/decisions?limit=100');
  assert.equal(decisions.items.filter((d) => d.approval_id === approvalId).length, 0, 'nothing reached the server');
  await context.setOffline(false);
  await c.getByText('Approved by Ayu Lestari · now').waitFor({ timeout: 5000 });
  [, decisions] = await env.producer('GET', '/v1/decisions?limit=100');
  assert.equal(decisions.items.filter((d) => d.approval_id === approvalId).length, 1, 'taken once');
  await context.close();
});

test('keyboard: Reject opens the note, Escape closes it (not the panel), Enter approves, focus stays on the card', async () => {
  await requestApproval(['u-ayu-5'], 'Keyboard expense');
  const page = await approvalTab(await env.browser.newContext(), 'u-ayu-5', 'Ayu Lestari');
  const c = card(page, 'Keyboard expense');
  const focused = () => page.evaluate(() => {
    const active = document.querySelector('qontak-bell').shadowRoot.activeElement;
    return active && (active.getAttribute('aria-label') || active.textContent || active.tagName);
  });
  await c.getByRole('button', { name: 'Reject' }).focus();
  await page.keyboard.press('Enter');
  await c.getByRole('textbox', { name: 'Note (optional)' }).waitFor();
  await page.keyboard.type('Not now');
  await page.keyboard.press('Escape');
  await c.getByRole('button', { name: 'Approve' }).waitFor();
  assert.equal(await focused(), 'Reject', 'focus back on Reject');
  assert.equal(await page.getByRole('tab', { name: 'Approval' }).isVisible(), true, 'the panel stays open');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focused(), 'Approve');
  await page.keyboard.press('Enter');
  await c.getByText('Approved by Ayu Lestari · now').waitFor({ timeout: 2000 });
  assert.match(await focused(), /^Approved by Ayu Lestari/, 'the outcome takes the focus');
});

test('in Indonesian, and a decision the producer took elsewhere', async () => {
  const approvalId = await requestApproval(['u-ayu-6'], 'Makan malam tim');
  const page = await approvalTab(await env.browser.newContext(), 'u-ayu-6', 'Ayu Lestari', { lang: 'id' });
  const c = card(page, 'Makan malam tim');
  await c.getByRole('button', { name: 'Setujui' }).waitFor();
  await c.getByRole('button', { name: 'Tolak' }).click();
  await c.getByRole('textbox', { name: 'Catatan (opsional)' }).waitFor();
  await c.getByRole('button', { name: 'Batal' }).click();
  const [status] = await env.producer('POST', `/v1/approvals/${approvalId}/resolve`, {
    state: 'approved', decided_by: { id: 'u-rina', name: 'Rina Manager' }, note: null,
  });
  assert.equal(status, 200);
  await c.getByText('Disetujui oleh Rina Manager · baru saja').waitFor({ timeout: 1000 });
  // The language switch re-renders the outcome too.
  await page.evaluate(() => document.querySelector('qontak-bell').setAttribute('lang', 'en'));
  await c.getByText('Approved by Rina Manager · now').waitFor({ timeout: 1000 });
  await axe(page, 'a card the producer resolved');
});
