// Placement (SPEC §4): wherever a host puts the bell, the open panel lies
// wholly inside the viewport, is not clipped by the host's containers, and
// its first tab, last tab, category filter and "Mark all as read" can be
// clicked; on a phone it is a full-width sheet with its own close button.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, event, token, ARTIFACTS, AXE_PATH } from './harness.mjs';

let env;
before(async () => {
  env = await start();
  await env.ingest(event('deal.assigned', 'u-place', { deal_name: 'PT Maju' }));
  await env.ingest(event('conversation.assigned', 'u-place', { contact_name: 'Rina', channel: 'whatsapp' }));
});
after(async () => { await env.stop(); });

let seq = 0;
/** A host page whose body is `body`, where `BELL` stands for the element. */
function host(body, style = '') {
  const bell = `<qontak-bell api="${env.api}" token="${token('u-place')}" app="crm" lang="en"></qontak-bell>`;
  return env.page(`/place-${++seq}.html`, `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>Host</title>
<style>body { margin: 0; font: 14px sans-serif; } ${style}</style>
<script type="module" src="${env.api}/widget/bell.js"></script></head><body>${body.replace('BELL', bell)}</body></html>`);
}

const FILLER = '<p>Lorem ipsum dolor sit amet.</p>'.repeat(120);
const PLACES = {
  'top right': ('<header style="display:flex;justify-content:flex-end;padding:8px">BELL</header>'),
  'top left, in the flow': ('<h1>Deals</h1><a href="#">Home</a> BELL'),
  'left sidebar': ('<nav style="position:fixed;left:0;top:0;bottom:0;width:64px;display:flex;flex-direction:column;justify-content:center;align-items:center;background:#eee">BELL</nav>'),
  'bottom left': ('<footer style="position:fixed;left:8px;bottom:8px">BELL</footer>'),
  'bottom right': ('<footer style="position:fixed;right:8px;bottom:8px">BELL</footer>'),
  'middle of a long scrolled page': (`${FILLER}<div id="here" style="text-align:center">BELL</div>${FILLER}`),
  'header with overflow hidden': ('<header style="height:48px;overflow:hidden;display:flex;justify-content:flex-end;padding:4px">BELL</header>'),
  'inside a transformed container': ('<div style="transform:translateX(0);margin:40px;height:60px;overflow:hidden">BELL</div>'),
  'inside contain: paint': ('<div style="contain:paint;margin:40px;width:200px;height:60px">BELL</div>'),
  'under a low z-index stacking context': (
    '<div style="position:relative;z-index:1;height:56px;display:flex;justify-content:flex-end">BELL</div>' +
    '<div style="position:fixed;inset:56px 0 0 0;z-index:10;background:rgb(0 0 0 / 0.3)"></div>'),
};

/** Opens the bell on `url` at `viewport` (scrolling `#here` to the middle);
 *  answers the page and the panel's box. */
async function open(url, viewport, name, { deviceScaleFactor = 1 } = {}) {
  const context = await env.browser.newContext({ viewport, deviceScaleFactor });
  const page = await context.newPage();
  await page.goto(url);
  await page.evaluate(() => document.getElementById('here')?.scrollIntoView({ block: 'center' }));
  const bell = page.getByRole('button', { name: /^Notifications, 2 unread/ });
  await bell.click();
  const panel = page.getByRole('dialog', { name: 'Notifications' });
  await panel.waitFor();
  await page.getByRole('link', { name: /PT Maju/ }).waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/placement-${name.replaceAll(/[^a-z0-9]+/gi, '-')}.png` });
  return { context, page, panel };
}

/** The panel lies inside the viewport and its controls take clicks. */
async function assertUsable(page, panel, where) {
  const box = await panel.boundingBox();
  const { width, height } = page.viewportSize();
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5,
    `${where}: panel ${JSON.stringify(box)} is not inside ${width}×${height}`);
  assert.ok(box.height >= 200, `${where}: panel is only ${box.height}px tall`);
  // Trial clicks check that the element is visible, stable and the one hit at its centre.
  await page.getByRole('combobox', { name: 'Category' }).click({ trial: true, timeout: 2000 });
  await page.getByRole('button', { name: 'Mark all as read' }).click({ trial: true, timeout: 2000 });
  await page.getByRole('tab', { name: 'Approval' }).click({ timeout: 2000 });
  await page.getByRole('tab', { name: 'General' }).click({ timeout: 2000 });
  assert.equal(await page.getByRole('tab', { name: 'General' }).getAttribute('aria-selected'), 'true', where);
}

for (const [name, url] of Object.entries(PLACES)) {
  test(`placement: ${name}`, async () => {
    const { context, page, panel } = await open(host(url), { width: 1280, height: 720 }, name);
    await assertUsable(page, panel, name);
    await context.close();
  });
}

test('placement: 200% zoom (half the CSS viewport, twice the pixels)', async () => {
  const { context, page, panel } = await open(host(PLACES['top right']), { width: 640, height: 360 }, 'zoom-200', { deviceScaleFactor: 2 });
  await assertUsable(page, panel, '200% zoom');
  // The list scrolls inside the panel, which fits the short viewport.
  const scrolls = await page.evaluate(() => {
    const list = document.querySelector('qontak-bell').shadowRoot.querySelector('.list');
    return list.scrollHeight >= list.clientHeight;
  });
  assert.ok(scrolls);
  await context.close();
});

test('the panel follows the bell on scroll and resize, staying inside the viewport', async () => {
  const { context, page, panel } = await open(host(PLACES['middle of a long scrolled page']), { width: 1280, height: 720 }, 'scroll');
  const bellBox = () => page.getByRole('button', { name: /^Notifications/ }).boundingBox();
  const before = await panel.boundingBox();
  const bellBefore = await bellBox();
  // An instant scroll (a wheel's is animated), then two frames for the scroll event.
  await page.evaluate(() => new Promise((resolve) => {
    window.scrollBy({ top: 120, behavior: 'instant' });
    requestAnimationFrame(() => requestAnimationFrame(resolve));
  }));
  const bellAfter = await bellBox();
  const after = await panel.boundingBox();
  assert.ok(Math.abs(bellBefore.y - 120 - bellAfter.y) <= 1, 'the page scrolled');
  // Next to the bell (below it, or above it where there is more room) before and after.
  const adjacent = (p, b) => Math.abs(p.y - (b.y + b.height + 8)) <= 1 || Math.abs(p.y + p.height - (b.y - 8)) <= 1;
  const where = JSON.stringify({ before, after, bellBefore, bellAfter });
  assert.ok(adjacent(before, bellBefore) && adjacent(after, bellAfter), `next to the bell: ${where}`);
  assert.notEqual(after.y, before.y, `moved with the bell: ${where}`);
  await page.setViewportSize({ width: 700, height: 500 });
  await page.waitForTimeout(100);
  await assertUsable(page, panel, 'after resize');
  await context.close();
});

for (const viewport of [{ width: 360, height: 640 }, { width: 390, height: 844 }]) {
  test(`a ${viewport.width}×${viewport.height} phone gets a full-width sheet with a close button`, async () => {
    const { context, page, panel } = await open(host(PLACES['top left, in the flow']), viewport, `phone-${viewport.width}`);
    const box = await panel.boundingBox();
    assert.deepEqual([box.x, box.y, Math.round(box.width), Math.round(box.height)], [0, 0, viewport.width, viewport.height]);
    await assertUsable(page, panel, `${viewport.width}px phone`);
    await page.addScriptTag({ content: readFileSync(AXE_PATH, 'utf8') });
    const violations = await page.evaluate(async () => {
      const r = await window.axe.run(document.querySelector('qontak-bell'), { resultTypes: ['violations'] });
      return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(violations, [], 'axe on the sheet');
    const close = page.getByRole('button', { name: 'Close', exact: true });
    await close.click();
    await panel.waitFor({ state: 'hidden' });
    // Focus is back on the bell, whose name is the same.
    assert.match(await page.evaluate(() => document.querySelector('qontak-bell').shadowRoot.activeElement?.getAttribute('aria-label')), /^Notifications/);
    // Translated, and Escape still closes the sheet.
    await page.evaluate(() => document.querySelector('qontak-bell').setAttribute('lang', 'id'));
    await page.getByRole('button', { name: /^Notifikasi/ }).click();
    await page.getByRole('button', { name: 'Tutup', exact: true }).waitFor();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    await context.close();
  });
}
