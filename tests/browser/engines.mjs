// The other two browser engines, behind one small interface so that one
// test body runs in each: Firefox ESR (Debian's, over WebDriver BiDi with
// puppeteer-core, headless) and WebKitGTK (Safari's engine: Debian's
// MiniBrowser under WebKitWebDriver, with selenium-webdriver). Debian's
// MiniBrowser has no headless mode, so it draws into a private Xvfb display.
//
// A tab offers what the tests need and nothing engine-specific:
// `eval(fn, ...args)` runs `fn` in the page, `click(fn, ...args)` clicks the
// element `fn` returns with the engine's real pointer input, `press(key)`
// types one key, `waitFor(what, fn, ...args)` polls until `fn` is truthy.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './harness.mjs';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../tools/package.json'));

const WAIT_MS = 10_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What every tab shares: polling until a page condition holds, and
 *  clicks that wait until the element takes them (as Playwright's do: a
 *  list re-rendering under the pointer is not a failure). */
class Tab {
  async click(fn, ...args) {
    const until = Date.now() + WAIT_MS;
    for (;;) {
      try {
        return await this.clickOnce(fn, ...args);
      } catch (e) {
        if (Date.now() > until) throw e;
      }
      await sleep(50);
    }
  }

  async waitFor(what, fn, ...args) {
    const until = Date.now() + WAIT_MS;
    let last;
    for (;;) {
      try {
        last = await this.eval(fn, ...args);
        if (last) return last;
      } catch (e) {
        last = e; // a navigation in between: try again
      }
      if (Date.now() > until) throw new Error(`${this.engine}: timed out waiting for ${what} (last: ${last})`);
      await sleep(50);
    }
  }
}

class FirefoxTab extends Tab {
  engine = 'Firefox';
  constructor(context, page) {
    super();
    Object.assign(this, { context, page, consoleErrors: [] });
    page.on('console', (m) => { if (m.type() === 'error') this.consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => this.consoleErrors.push(String(e)));
  }
  goto(url) { return this.page.goto(url); }
  eval(fn, ...args) { return this.page.evaluate(fn, ...args); }
  async clickOnce(fn, ...args) {
    const handle = await this.page.evaluateHandle(fn, ...args);
    const element = handle.asElement();
    if (!element) throw new Error(`Firefox: nothing to click (${fn})`);
    await element.click();
    await handle.dispose();
  }
  press(key) { return this.page.keyboard.press(key); }
  resize(width, height) { return this.page.setViewport({ width, height }); }
  close() { return this.context.close(); }
}

class WebKitTab extends Tab {
  engine = 'WebKit';
  consoleErrors = []; // WebDriver classic has no console: the host page records errors itself
  constructor(driver, server) {
    super();
    Object.assign(this, { driver, server });
  }
  goto(url) { return this.driver.get(url); }
  eval(fn, ...args) { return this.driver.executeScript(fn, ...args); }
  async clickOnce(fn, ...args) {
    const element = await this.driver.executeScript(fn, ...args);
    if (!element) throw new Error(`WebKit: nothing to click (${fn})`);
    await element.click();
  }
  press(key) {
    const { Key } = require('selenium-webdriver');
    return this.driver.actions().sendKeys(Key[key.toUpperCase()] ?? key).perform();
  }
  /** Sizes the window so that the page's viewport is `width` × `height`. */
  async resize(width, height) {
    const window = this.driver.manage().window();
    await window.setRect({ width, height });
    const [w, h] = await this.eval(() => [innerWidth, innerHeight]);
    if (w !== width || h !== height) await window.setRect({ width: 2 * width - w, height: 2 * height - h });
  }
  async close() {
    await this.driver.quit().catch(() => {});
    this.server.kill();
  }
}

/** Firefox ESR: one headless browser; each tab in its own context (profile). */
async function firefox() {
  const puppeteer = require('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
  });
  return {
    name: 'Firefox',
    version: await browser.version(),
    /** Grants pop-ups to `origin` in a new tab's context, where the engine can. */
    async open({ width = 1024, height = 700, notifications = null } = {}) {
      const context = await browser.createBrowserContext();
      if (notifications) await context.overridePermissions(notifications, ['notifications']);
      const page = await context.newPage();
      await page.setViewport({ width, height });
      return new FirefoxTab(context, page);
    },
    close: () => browser.close(),
  };
}

/** WebKitGTK: a private X display; each tab a MiniBrowser of its own (one
 *  WebKitWebDriver holds one session), so tabs share no storage. */
async function webkit() {
  const { Builder } = require('selenium-webdriver');
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1600x1200x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  const display = await new Promise((resolve, reject) => {
    let out = '';
    xvfb.stdio[3].on('data', (d) => { out += d; if (out.includes('\n')) resolve(`:${out.trim()}`); });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
  });
  const binary = process.env.MINIBROWSER || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
  const tabs = new Set();
  return {
    name: 'WebKit',
    async open({ width = 1024, height = 700 } = {}) {
      const port = await freePort();
      const server = spawn('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'],
        { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
      for (let i = 0; ; i++) {
        try { if ((await (await fetch(`http://127.0.0.1:${port}/status`)).json()).value.ready) break; } catch {}
        if (i > 200) throw new Error('WebKitWebDriver did not start');
        await sleep(25);
      }
      const driver = await new Builder().usingServer(`http://127.0.0.1:${port}`).withCapabilities({
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary, args: ['--automation'] },
      }).build();
      const tab = new WebKitTab(driver, server);
      tabs.add(tab);
      const close = tab.close.bind(tab);
      tab.close = () => { tabs.delete(tab); return close(); };
      await tab.resize(width, height);
      return tab;
    },
    async close() {
      await Promise.all([...tabs].map((t) => t.close()));
      xvfb.kill();
    },
  };
}

export const ENGINES = { firefox, webkit };
