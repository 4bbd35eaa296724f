// The demo as a new user sees it: `bell-server --demo` serves the Chat and CRM
// pages; the page shows live what routing sees of each device (this browser
// and the simulated phones) and, per fired event, why a pop-up or push did or
// did not go out. Visibility is stood in for (headless tabs are always visible).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, bellButton, ARTIFACTS, VISIBILITY_STAND_IN } from './harness.mjs';

let env;
before(async () => { env = await start({ demo: true }); });
after(async () => { await env.stop(); });


/** The live presence table as [device, platform, on chat, on crm] rows. */
const presenceRows = (page) => page.$$eval('#presence tbody tr', (rows) =>
  rows.map((tr) => [...tr.children].map((td) => td.textContent)));

async function until(page, check, what) {
  for (let i = 0; i < 100; i++) {
    const rows = await presenceRows(page);
    if (check(rows)) return rows;
    await page.waitForTimeout(100);
  }
  assert.fail(`${what}: ${JSON.stringify(await presenceRows(page))}`);
}

test('the demo page shows each device\'s presence live and why each event was or was not delivered', async () => {
  const page = await env.browser.newPage();
  await page.addInitScript(VISIBILITY_STAND_IN);
  await page.goto(`${env.api}/demo/chat`);
  await bellButton(page).waitFor();
  const me = await until(page, (rows) => rows.some((r) => r[0].endsWith('(this browser)') && r[2] === 'active'),
    'this browser shows as active on chat');
  const device = me.find((r) => r[0].endsWith('(this browser)'))[0].replace(' (this browser)', '');
  assert.equal(device, await page.evaluate(() => localStorage.getItem('qontak-bell:device-id')));

  // A chat message while active on chat: no pop-up for this browser, and the page says why.
  await page.selectOption('#fire select[name=kind]', 'message.incoming');
  await page.click('#fire button');
  await page.locator('#routing tbody tr', { hasText: device }).waitFor();
  const why = await page.locator('#routing tbody tr', { hasText: device }).textContent();
  assert.match(why, /suppressed/);

  // The user leaves the tab: the table follows.
  await page.evaluate(() => { window.__visible = false; window.__focused = false; document.dispatchEvent(new Event('visibilitychange', { bubbles: true })); });
  await until(page, (rows) => rows.some((r) => r[0] === `${device} (this browser)` && r[2] === 'away'), 'this browser shows as away');

  // A simulated Chat Mobile phone registers and comes to the foreground.
  const phone = page.locator('.phone[data-platform=android]');
  await phone.getByRole('button', { name: 'Register' }).click();
  await phone.getByRole('checkbox').check();
  await until(page, (rows) => rows.some((r) => r[0] === 'demo-android-chat' && r[1] === 'android' && r[2] === 'active'),
    'the phone shows as active on chat');
  await page.screenshot({ path: `${ARTIFACTS}/demo-presence.png`, fullPage: true });
  await page.close();
});

test('the CRM page requests an approval, the bell decides it, and the page shows the signed webhook delivery', async () => {
  const page = await env.browser.newPage();
  await page.goto(`${env.api}/demo/crm`);
  await bellButton(page).waitFor();
  await page.getByRole('button', { name: 'Request an expense approval' }).click();
  await page.getByText(/^Requested approval demo-apv-/).waitFor();
  const approvalId = (await page.locator('#approval-result').textContent()).match(/demo-apv-\w+/)[0];
  await bellButton(page).click();
  await page.getByRole('tab', { name: 'Approval' }).click();
  const card = page.getByRole('listitem').filter({ hasText: 'Client dinner at Plataran' });
  await card.getByRole('button', { name: 'Reject' }).click();
  await card.getByRole('textbox', { name: 'Note (optional)' }).fill('Over the team budget');
  await card.getByRole('button', { name: 'Reject' }).click();
  await card.getByText('Rejected by Ayu Lestari · now').waitFor({ timeout: 2000 });
  const row = page.locator('#webhook tbody tr', { hasText: approvalId });
  await row.waitFor({ timeout: 5000 });
  assert.deepEqual(await row.locator('td').allTextContents(), [approvalId, 'rejected', 'Ayu Lestari', 'Over the team budget', 'valid']);
  // Decided elsewhere first: the next request settles from the expense page.
  await page.getByRole('button', { name: 'Request an expense approval' }).click();
  await page.getByRole('button', { name: 'Approve it on the expense page instead' }).click();
  await page.getByText(/approved demo-apv-\w+ on its own page/).waitFor();
  await bellButton(page).click(); // (the clicks on the page closed the panel)
  await page.getByText('Approved by Dimas Pratama · now').waitFor({ timeout: 2000 });
  await page.screenshot({ path: `${ARTIFACTS}/demo-approvals.png`, fullPage: true });
  await page.close();
});
