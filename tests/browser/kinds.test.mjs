// Every kind of the protocol table rendered in both languages from the
// compiled catalogs, with counts of one and of many (plural forms), the
// system actor, selectors on channels and entity types, and numbers, money
// and dates from the browser's Intl.
import { test, before, after } from 'node:test';
import { start, event } from './harness.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const SYSTEM = { actor: { type: 'system' } };
const DUE = '2026-11-30T02:00:00Z';
// [tab, kind, args, options, English, Indonesian]: the texts exactly, or a
// pattern where Intl's spacing or the CLDR version may vary.
const KINDS = [
  ['General', 'reminder.due', { entity_type: 'deal', entity_name: 'Renewal', due_at: DUE }, {},
    /^Reminder: the deal Renewal is due Nov 30, 2026, 9:00\sAM$/, /^Pengingat: deal Renewal jatuh tempo 30 Nov 2026(,| pukul) 09\.00$/],
  ['General', 'mention', { entity_type: 'comment', entity_name: 'Q4 plan' }, {},
    'Budi Santoso mentioned you in the comment Q4 plan', 'Budi Santoso menyebut Anda di komentar Q4 plan'],
  ['General', 'deal.assigned', { deal_name: 'PT Maju' }, {},
    'Budi Santoso assigned you the deal PT Maju', 'Budi Santoso menugaskan deal PT Maju kepada Anda'],
  ['General', 'deal.assigned', { deal_name: 'PT Baru' }, SYSTEM,
    'The deal PT Baru was automatically assigned to you', 'Deal PT Baru ditugaskan kepada Anda secara otomatis'],
  ['General', 'ticket.assigned', { ticket_name: 'Login fails' }, {},
    'Budi Santoso assigned you the ticket Login fails', 'Budi Santoso menugaskan tiket Login fails kepada Anda'],
  ['General', 'task.assigned', { task_name: 'Call back' }, {},
    'Budi Santoso assigned you the task Call back', 'Budi Santoso menugaskan tugas Call back kepada Anda'],
  ['General', 'task.checklist_assigned', { task_name: 'Onboard', item_name: 'Send contract' }, {},
    'Budi Santoso assigned you the checklist item Send contract in Onboard',
    'Budi Santoso menugaskan item checklist Send contract di Onboard kepada Anda'],
  ['General', 'ticket.status_changed', { ticket_name: 'Login fails', status: 'Solved' }, {},
    'Budi Santoso moved the ticket Login fails to Solved', 'Budi Santoso mengubah status tiket Login fails menjadi Solved'],
  ['General', 'task.status_changed', { task_name: 'Call back', status: 'Done' }, {},
    'Budi Santoso moved the task Call back to Done', 'Budi Santoso mengubah status tugas Call back menjadi Done'],
  ['General', 'automation.triggered', { rule_name: 'Auto-tag', entity_type: 'company', entity_name: 'Acme' }, {},
    'Automation Auto-tag ran on the company Acme', 'Otomatisasi Auto-tag berjalan pada perusahaan Acme'],
  ['General', 'export.completed', { file_name: 'one.csv', rows: 1 }, {},
    'Your export one.csv is ready: 1 row', 'Ekspor one.csv sudah siap: 1 baris'],
  ['General', 'export.completed', { file_name: 'many.csv', rows: 1240 }, {},
    'Your export many.csv is ready: 1,240 rows', 'Ekspor many.csv sudah siap: 1.240 baris'],
  ['General', 'export.failed', { file_name: 'x.csv' }, {},
    'Your export x.csv failed. Please try again.', 'Ekspor x.csv gagal. Silakan coba lagi.'],
  ['General', 'import.completed', { file_name: 'a.csv', rows: 1, failed_rows: 0 }, {},
    'Import of a.csv finished: 1 row imported, none failed', 'Impor a.csv selesai: 1 baris diimpor, tidak ada yang gagal'],
  ['General', 'import.completed', { file_name: 'b.csv', rows: 20, failed_rows: 1 }, {},
    'Import of b.csv finished: 20 rows imported, 1 failed', 'Impor b.csv selesai: 20 baris diimpor, 1 gagal'],
  ['General', 'import.completed', { file_name: 'c.csv', rows: 300, failed_rows: 12 }, {},
    'Import of c.csv finished: 300 rows imported, 12 failed', 'Impor c.csv selesai: 300 baris diimpor, 12 gagal'],
  ['General', 'import.failed', { file_name: 'd.csv' }, {},
    'Import of d.csv failed. Please check the file and try again.', 'Impor d.csv gagal. Periksa berkasnya lalu coba lagi.'],
  ['Inbox', 'conversation.assigned', { contact_name: 'Rina', channel: 'whatsapp' }, {},
    'Budi Santoso assigned you a WhatsApp conversation with Rina', 'Budi Santoso menugaskan percakapan WhatsApp dengan Rina kepada Anda'],
  ['Inbox', 'conversation.assigned', { contact_name: 'Dewi', channel: 'livechat' }, SYSTEM,
    'A live chat conversation with Dewi was automatically assigned to you',
    'Percakapan live chat dengan Dewi ditugaskan kepada Anda secara otomatis'],
  ['Inbox', 'conversation.resolved', { contact_name: 'Rina', channel: 'line' }, {},
    'Budi Santoso resolved the line conversation with Rina', 'Budi Santoso menyelesaikan percakapan line dengan Rina'],
  ['Inbox', 'contact.blocked', { contact_name: 'Spam Bot' }, {},
    'Budi Santoso blocked the contact Spam Bot', 'Budi Santoso memblokir kontak Spam Bot'],
  ['Inbox', 'contact.unblocked', { contact_name: 'Spam Bot' }, {},
    'Budi Santoso unblocked the contact Spam Bot', 'Budi Santoso membuka blokir kontak Spam Bot'],
  ['Approval', 'approval.deal.requested', { deal_name: 'PT Maju' }, {},
    'Budi Santoso asked you to approve the deal PT Maju', 'Budi Santoso meminta persetujuan Anda untuk deal PT Maju'],
  ['Approval', 'approval.deal.approved', { deal_name: 'PT Maju' }, {},
    'Budi Santoso approved the deal PT Maju', 'Budi Santoso menyetujui deal PT Maju'],
  ['Approval', 'approval.deal.rejected', { deal_name: 'PT Maju' }, {},
    'Budi Santoso rejected the deal PT Maju', 'Budi Santoso menolak deal PT Maju'],
  ['Approval', 'approval.expense.requested', { expense_name: 'Dinner', amount: 1250000, currency: 'IDR' }, {},
    /^Budi Santoso asked you to approve the expense Dinner \(IDR\s1,250,000\)$/,
    /^Budi Santoso meminta persetujuan Anda untuk pengeluaran Dinner \(Rp\s1\.250\.000\)$/],
  // Rupiah are written without decimals in every engine (their Intl data
  // disagree), unless the amount has a fraction.
  ['Approval', 'approval.expense.approved', { expense_name: 'Fuel', amount: 2750000.5, currency: 'IDR' }, {},
    /^Budi Santoso approved the expense Fuel \(IDR\s2,750,000\.50\)$/,
    /^Budi Santoso menyetujui pengeluaran Fuel \(Rp\s2\.750\.000,50\)$/],
  ['Approval', 'approval.expense.approved', { expense_name: 'Taxi', amount: 75.5, currency: 'USD' }, {},
    'Budi Santoso approved the expense Taxi ($75.50)', /^Budi Santoso menyetujui pengeluaran Taxi \(US\$\s?75,50\)$/],
  ['Approval', 'approval.expense.rejected', { expense_name: 'Hotel', amount: 3, currency: 'EUR' }, {},
    'Budi Santoso rejected the expense Hotel (€3.00)', /^Budi Santoso menolak pengeluaran Hotel \(€\s?3,00\)$/],
];

const TABS = { en: ['General', 'Inbox', 'Approval'], id: ['Umum', 'Inbox', 'Persetujuan'] };

test('every kind renders in English and Indonesian, with plural forms for one and many', async () => {
  const u = 'u-kinds';
  for (const [, kind, args, options] of KINDS) await env.ingest(event(kind, u, args, options));
  const context = await env.browser.newContext({ timezoneId: 'Asia/Jakarta', viewport: { width: 1280, height: 2000 } });
  const page = await context.newPage();
  await page.goto(env.bellPage(u, { lang: 'en' }));
  await page.getByRole('button', { name: `Notifications, ${KINDS.length} unread`, exact: true }).click();
  for (const [lang, column] of [['en', 4], ['id', 5]]) {
    if (lang === 'id') {
      await page.evaluate(() => document.querySelector('qontak-bell').setAttribute('lang', 'id'));
      await page.getByRole('button', { name: `Notifikasi, ${KINDS.length} belum dibaca`, exact: true }).waitFor();
    }
    for (const [i, tab] of ['General', 'Inbox', 'Approval'].entries()) {
      await page.getByRole('tab', { name: TABS[lang][i] }).click();
      for (const row of KINDS.filter(([t]) => t === tab)) {
        const name = row[column];
        await page.getByRole('link', typeof name === 'string' ? { name, exact: true } : { name }).waitFor({ timeout: 5000 })
          .catch(() => { throw new Error(`${lang}: no item reads ${name} (${row[1]})`); });
      }
    }
    await page.getByRole('tab', { name: TABS[lang][0] }).click();
  }
  await context.close();
});

test('the bell and tab counts use the plural form of their number', async () => {
  const u = 'u-one';
  await env.ingest(event('approval.deal.requested', u, { deal_name: 'PT Satu' }));
  const page = await env.browser.newPage();
  await page.goto(env.bellPage(u, { lang: 'en' }));
  await page.getByRole('button', { name: 'Notifications, 1 unread', exact: true }).click();
  const approval = page.getByRole('tab', { name: 'Approval' });
  await approval.waitFor();
  const description = async () => page.evaluate(() => {
    const root = document.querySelector('qontak-bell').shadowRoot;
    return root.getElementById('tab-count-approval').textContent;
  });
  for (let i = 0; i < 50 && (await description()) !== '1 unread'; i++) await page.waitForTimeout(20);
  if ((await description()) !== '1 unread') throw new Error(`tab count reads ${await description()}`);
  await env.ingest(event('approval.deal.requested', u, { deal_name: 'PT Dua' }));
  await page.getByRole('button', { name: 'Notifications, 2 unread', exact: true }).waitFor();
  await page.evaluate(() => document.querySelector('qontak-bell').setAttribute('lang', 'id'));
  await page.getByRole('button', { name: 'Notifikasi, 2 belum dibaca', exact: true }).waitFor();
  await page.close();
});
