// Shared set-up of the browser tests: the real bell-server (with the built
// widget) on one loopback origin, host pages on another, Debian's Chromium
// driven by playwright-core. Nothing here is mocked.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../tools/package.json'));
const { chromium } = require('playwright-core');
export const AXE_PATH = require.resolve('axe-core/axe.min.js');

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = join(ROOT, 'tests/artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const SECRET = 'browser-test-jwt-secret';
export const SERVICE_TOKEN = 'browser-test-service-token';

/** A free loopback port. */
export function freePort() {
  return new Promise((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
/** An HS256 user token, as a host page would get from its login (`name`:
 *  the optional display name claim). */
export function token(sub, expiresIn = 3600, name = undefined) {
  const claims = { sub, exp: Math.floor(Date.now() / 1000) + expiresIn, ...(name ? { name } : {}) };
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

/** Starts a host-page server, bell-server (with `--demo` when asked) and
 *  Chromium (unless `chromium: false`: the other engines' tests). */
export async function start({ demo = false, chromium: withChromium = true } = {}) {
  const pages = new Map();
  const dirs = new Map();
  const TYPES = { js: 'text/javascript', wasm: 'application/wasm', html: 'text/html; charset=utf-8' };
  const host = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    let page = pages.get(path);
    const [, prefix, file] = path.match(/^(\/[^/]+)\/([\w.-]+)$/) ?? [];
    if (page === undefined && dirs.has(prefix)) {
      try { page = readFileSync(join(dirs.get(prefix), file)); } catch {}
    }
    if (page === undefined) { res.writeHead(404).end('not found'); return; }
    const type = TYPES[path.split('.').pop()] ?? TYPES.html;
    res.writeHead(200, { 'content-type': type }).end(page);
  });
  await new Promise((r) => host.listen(0, '127.0.0.1', r));
  const hostOrigin = `http://127.0.0.1:${host.address().port}`;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bell-browser-'));
  const api = `http://127.0.0.1:${port}`;
  const server = spawn(join(ROOT, 'target/debug/bell-server'), demo ? ['--demo'] : [], {
    env: {
      ...process.env,
      BELL_LISTEN: `127.0.0.1:${port}`,
      BELL_DATABASE_URL: `sqlite://${join(dir, 'bell.db')}`,
      BELL_JWT_SECRET: SECRET,
      BELL_SERVICE_TOKEN: SERVICE_TOKEN,
      BELL_ALLOWED_ORIGINS: hostOrigin,
      BELL_ALLOWED_LINK_HOSTS: 'app.qontak.test',
      BELL_WIDGET_DIR: join(ROOT, 'dist'),
      BELL_LOG: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${api}/healthz`)).ok) break; } catch {}
    if (i > 200) throw new Error('bell-server did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  const browser = withChromium && await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  let seq = 0;
  const env = {
    api, hostOrigin, browser,
    /** Serves `html` at `path` on the host origin; answers its URL. */
    page(path, html) { pages.set(path, html); return `${hostOrigin}${path}`; },
    /** Serves the files of the folder `dir` under `/prefix/` on the host origin. */
    dir(prefix, dir) { dirs.set(`/${prefix}`, dir); return `${hostOrigin}/${prefix}/`; },
    /** A host page with one bell for `user` (extra attributes as an object). */
    bellPage(user, attrs = {}, { head = '', body = '', lang = 'en' } = {}) {
      const all = { api, token: token(user), app: 'crm', ...attrs };
      const attributes = Object.entries(all).filter(([, v]) => v !== null).map(([k, v]) => `${k}="${v}"`).join(' ');
      const path = `/page-${++seq}.html`;
      return env.page(path, `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Host</title>${head}
<script type="module" src="${api}/widget/bell.js"></script></head>
<body><header style="display:flex;justify-content:flex-end;padding:8px"><qontak-bell ${attributes}></qontak-bell></header>${body}</body></html>`);
    },
    async ingest(event) {
      const res = await fetch(`${api}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      if (res.status !== 202) throw new Error(`ingest ${res.status}: ${await res.text()}`);
      return res.json();
    },
    /** A producer's call with the service token: `[status, body]`. */
    async producer(method, path, body) {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return [res.status, text ? JSON.parse(text) : null];
    },
    async stop() {
      if (browser) await browser.close();
      const exited = new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
      server.kill('SIGTERM');
      await Promise.all([exited, new Promise((r) => host.close(r))]);
      // The server's SQLite files: each run starts from an empty database.
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

/** An init script counting, in the page, what a mounted widget holds on to
 *  outside its own DOM: open streams, listeners on window and document,
 *  intervals, broadcast channels and observers (`window.__held`); streams
 *  ever opened (`window.__opened`); and a trunk app's wasm (`window.__wasm`). */
export const LEDGER = () => {
  const held = { streams: 0, listeners: 0, intervals: 0, channels: 0, observers: 0 };
  window.__held = held;
  addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; });
  const RealSource = window.EventSource;
  window.EventSource = class extends RealSource {
    constructor(...a) { super(...a); held.streams += 1; window.__opened = (window.__opened ?? 0) + 1; }
    close() { if (this.readyState !== 2) held.streams -= 1; super.close(); }
  };
  for (const target of [window, document]) {
    const add = target.addEventListener.bind(target);
    const remove = target.removeEventListener.bind(target);
    const live = new Set();
    target.addEventListener = (type, fn, options) => {
      if (!live.has(fn)) { live.add(fn); held.listeners += 1; }
      return add(type, fn, options);
    };
    target.removeEventListener = (type, fn, options) => {
      if (live.delete(fn)) held.listeners -= 1;
      return remove(type, fn, options);
    };
  }
  const intervals = new Set();
  const [setI, clearI] = [window.setInterval.bind(window), window.clearInterval.bind(window)];
  window.setInterval = (...a) => { const id = setI(...a); intervals.add(id); held.intervals = intervals.size; return id; };
  window.clearInterval = (id) => { intervals.delete(id); held.intervals = intervals.size; return clearI(id); };
  const RealChannel = window.BroadcastChannel;
  window.BroadcastChannel = class extends RealChannel {
    constructor(...a) { super(...a); held.channels += 1; this.__open = true; }
    close() { if (this.__open) { this.__open = false; held.channels -= 1; } super.close(); }
  };
  for (const name of ['MutationObserver', 'IntersectionObserver', 'ResizeObserver']) {
    const Real = window[name];
    window[name] = class extends Real {
      observe(...a) { if (!this.__on) { this.__on = true; held.observers += 1; } return super.observe(...a); }
      disconnect() { if (this.__on) { this.__on = false; held.observers -= 1; } return super.disconnect(); }
    };
  }
};

let eventSeq = 0;
/** A valid event; `minutesAgo` sets `occurred_at`. */
export function event(kind, recipient, args, { actor = { type: 'user', id: 'u-9', name: 'Budi Santoso' }, minutesAgo = 0, link = '/deals/42' } = {}) {
  return {
    id: `evt-${process.pid}-${++eventSeq}`,
    kind, actor, recipients: [recipient], args, link,
    occurred_at: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  };
}

/** An init script standing in for visibility and focus (headless tabs are
 *  always visible and focused): `window.__visible` / `window.__focused`
 *  say what the page reports; it is hidden anyway when the browser really
 *  hides it (unloading). */
export const VISIBILITY_STAND_IN = () => {
  window.__visible = true;
  window.__focused = true;
  const real = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState').get;
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true,
    get() { return window.__visible && real.call(this) === 'visible' ? 'visible' : 'hidden'; },
  });
  Document.prototype.hasFocus = () => window.__focused;
};

/** The open shadow root's bell button etc. are reachable with normal locators
 *  (Playwright pierces open shadow roots). */
export const bellButton = (page) => page.getByRole('button', { name: /^Notifications/ });
