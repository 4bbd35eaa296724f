// `cargo xtask bench widget`: what a host downloads (gzip -9), and timings in
// headless Chromium against the real server on loopback. A benchmark, not a
// test: it prints figures for docs/BENCHMARKS.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { start, event, ROOT } from '../browser/harness.mjs';

// Enough runs that the p95 is not simply the slowest one (a single stall of
// this shared 2-core machine).
const RUNS = 40;
const dist = join(ROOT, 'dist');
const files = ['bell.js', 'qontak-bell.js', 'qontak-bell_bg.wasm'];
const sizes = files.map((f) => {
  const raw = readFileSync(join(dist, f));
  return { file: f, raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
});
const total = sizes.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip }), { raw: 0, gzip: 0 });

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)];
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
};
const ms = (v) => `${v.toFixed(1)} ms`;

const env = await start();
const user = 'u-bench';
const events = Array.from({ length: 1000 }, (_, i) =>
  event(i % 2 ? 'deal.assigned' : 'mention', user, i % 2 ? { deal_name: `Deal ${i}` } : { entity_type: 'task', entity_name: `Task ${i}` }, { minutesAgo: i * 7 }));
for (let i = 0; i < events.length; i += 50) await Promise.all(events.slice(i, i + 50).map((e) => env.ingest(e)));

// Script tag to interactive bell: from the start of the page's <head> to the
// bell button existing, named, in the shadow root.
const interactive = async (warmCache) => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const url = env.bellPage(user, {}, { head: '<script>window.__t0 = performance.now()</script>' });
  const ready = () => page.evaluate(() => new Promise((resolve) => {
    const check = () => {
      const b = document.querySelector('qontak-bell')?.shadowRoot?.querySelector('button[aria-label]');
      if (b) resolve(performance.now() - window.__t0); else requestAnimationFrame(check);
    };
    check();
  }));
  if (warmCache) { await page.goto(url); await ready(); }
  await page.goto(url);
  const t = await ready();
  await context.close();
  return t;
};
const cold = [], warm = [];
for (let i = 0; i < RUNS; i++) { cold.push(await interactive(false)); warm.push(await interactive(true)); }

/** Loads at least `n` items into an open panel by scrolling. */
async function openWith(n) {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(env.bellPage(user, { lang: 'en' }));
  await page.getByRole('button', { name: /^Notifications/ }).click();
  const items = page.getByRole('listitem');
  await items.first().waitFor();
  while (await items.count() < n) {
    const have = await items.count();
    await page.locator('qontak-bell .list__end').scrollIntoViewIfNeeded();
    await page.waitForFunction((have) => document.querySelector('qontak-bell').shadowRoot.querySelectorAll('li').length > have, have);
  }
  return { page, listed: await items.count() };
}
/** Milliseconds from an action until (a) its work is done — script, then a
 *  forced style and layout of the panel, i.e. everything but the paint
 *  itself — and (b) the frame after it (which adds the wait for vsync). */
const timed = (page, action, arg) => page.evaluate(async ([action, arg]) => {
  const el = document.querySelector('qontak-bell');
  const t0 = performance.now();
  if (action === 'toggle') el.shadowRoot.querySelector('.bell__button').click();
  else el.setAttribute('lang', arg);
  await new Promise((r) => setTimeout(r, 0)); // reactive effects run as microtasks before this
  el.shadowRoot.querySelector('.panel').getBoundingClientRect(); // style + layout now
  const work = performance.now() - t0;
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return [work, performance.now() - t0];
}, [action, arg]);

const big = await openWith(1000);
const open = [];
for (let i = 0; i < RUNS; i++) {
  await timed(big.page, 'toggle'); // close
  open.push(await timed(big.page, 'toggle')); // open again
}
const small = await openWith(100);
const switchLang = [];
for (let i = 0; i < RUNS; i++) switchLang.push(await timed(small.page, 'lang', i % 2 ? 'en' : 'id'));
await env.stop();

const lines = [
  '| file | raw | gzip -9 |', '|---|---|---|',
  ...sizes.map((s) => `| ${s.file} | ${s.raw} B | ${s.gzip} B |`),
  `| **total** (the CSS is inside the wasm) | ${total.raw} B | **${total.gzip} B (${(total.gzip / 1024).toFixed(1)} KiB)** |`,
  '',
  `| timing (headless Chromium, ${RUNS} runs) | median | p95 | max |`, '|---|---|---|---|',
  ...[
    ['script tag → interactive bell, cold cache', stats(cold)],
    ['script tag → interactive bell, warm cache', stats(warm)],
    [`open the panel with ${big.listed} items loaded: script + style + layout`, stats(open.map((x) => x[0]))],
    [`open the panel with ${big.listed} items loaded: to the next frame`, stats(open.map((x) => x[1]))],
    [`switch language with ${small.listed} items listed: script + style + layout`, stats(switchLang.map((x) => x[0]))],
    [`switch language with ${small.listed} items listed: to the next frame`, stats(switchLang.map((x) => x[1]))],
  ].map(([name, s]) => `| ${name} | ${ms(s.median)} | ${ms(s.p95)} | ${ms(s.max)} |`),
];
const text = lines.join('\n');
console.log(`\n${text}\n`);
writeFileSync(join(ROOT, 'target/widget-bench.md'), text);
