// Language: English and Indonesian from Fluent catalogs, switched live by
// the `lang` attribute or `<html lang>`, with numbers and dates from Intl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, event, bellButton, ARTIFACTS } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

test('changing the lang attribute re-renders everything at once, without refetching', async () => {
  const u = 'u-lang';
  await env.ingest(event('approval.expense.requested', u, { expense_name: 'Client dinner', amount: 1250000, currency: 'IDR' }));
  await env.ingest(event('export.completed', u, { file_name: 'deals.csv', rows: 1240 }));
  await env.ingest(event('mention', u, { entity_type: 'ticket', entity_name: 'Login fails' }, { minutesAgo: 5 * 24 * 60 }));
  const page = await env.browser.newPage();
  const lists = [];
  page.on('request', (r) => { if (r.url().includes('/v1/notifications?')) lists.push(r.url()); });
  await page.goto(env.bellPage(u, { lang: 'en' }));
  await page.getByRole('button', { name: 'Notifications, 3 unread' }).click();
  await page.getByRole('link', { name: 'Your export deals.csv is ready: 1,240 rows' }).waitFor();
  await page.getByRole('heading', { name: 'Older' }).waitFor();
  const listedBefore = lists.length;

  await page.evaluate(() => document.querySelector('qontak-bell').setAttribute('lang', 'id'));
  await page.getByRole('button', { name: 'Notifikasi, 3 belum dibaca' }).waitFor();
  for (const name of ['Umum', 'Inbox', 'Persetujuan']) await page.getByRole('tab', { name }).waitFor();
  await page.getByRole('link', { name: 'Ekspor deals.csv sudah siap: 1.240 baris' }).waitFor();
  await page.getByRole('link', { name: 'Budi Santoso menyebut Anda di tiket Login fails' }).waitFor();
  await page.getByRole('heading', { name: 'Hari ini' }).waitFor();
  await page.getByRole('heading', { name: 'Sebelumnya' }).waitFor();
  await page.getByRole('switch', { name: 'Tampilkan yang belum dibaca' }).waitFor();
  await page.getByRole('combobox', { name: 'Kategori' }).waitFor();
  await page.getByRole('button', { name: 'Tandai semua sudah dibaca' }).waitFor();
  await page.getByRole('button', { name: 'Tandai sudah dibaca' }).first().waitFor();
  assert.equal(lists.length, listedBefore, 'no list request for a language switch');
  await page.screenshot({ path: `${ARTIFACTS}/panel-id.png` });

  await page.getByRole('tab', { name: 'Persetujuan' }).click();
  const expense = page.getByRole('link', { name: /Client dinner/ });
  await expense.waitFor();
  assert.match(await expense.textContent(), /meminta persetujuan Anda untuk pengeluaran Client dinner \(Rp\s1\.250\.000\)/);
  await page.close();
});

test('without its own lang the element follows <html lang>, live', async () => {
  const u = 'u-html-lang';
  await env.ingest(event('deal.assigned', u, { deal_name: 'PT Maju' }));
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(u, {}, { lang: 'id-ID' }));
  await page.getByRole('button', { name: 'Notifikasi, 1 belum dibaca' }).waitFor();
  await page.evaluate(() => { document.documentElement.lang = 'en'; });
  await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  await page.evaluate(() => { document.documentElement.lang = 'fr'; });
  await page.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
  // The element's own attribute wins over the page.
  await page.evaluate(() => { document.documentElement.lang = 'en'; document.querySelector('qontak-bell').setAttribute('lang', 'id'); });
  await page.getByRole('button', { name: 'Notifikasi, 1 belum dibaca' }).waitFor();
  await page.close();
});

test('dates inside messages and hover times follow the language and the device time zone', async () => {
  const u = 'u-dates';
  await env.ingest(event('reminder.due', u, { entity_type: 'deal', entity_name: 'Renewal', due_at: '2026-11-30T02:00:00Z' }));
  const context = await env.browser.newContext({ timezoneId: 'Asia/Jakarta' });
  const page = await context.newPage();
  await page.goto(env.bellPage(u));
  await bellButton(page).click();
  const link = page.getByRole('link', { name: /Renewal/ });
  await link.waitFor();
  assert.match(await link.textContent(), /Reminder: the deal Renewal is due Nov 30, 2026, 9:00\sAM/);
  await page.evaluate(() => document.querySelector('qontak-bell').setAttribute('lang', 'id'));
  await page.getByRole('link', { name: /Pengingat: deal Renewal jatuh tempo 30 Nov 2026(,| pukul) 09\.00/ }).waitFor();
  await context.close();
});
