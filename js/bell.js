// The one file a host page includes:
//   <script type="module" src="https://bell.example/widget/bell.js"></script>
// It loads the wasm (relative to itself, across origins through CORS) and
// defines <qontak-bell>. Module scope: it adds no globals but the element.
//
// The wasm download starts at once, alongside the glue's, rather than after
// the glue has loaded and run: one round trip less before the bell shows.
const wasm = fetch(new URL('qontak-bell_bg.wasm', import.meta.url));
const glue = import('./qontak-bell.js');
const ready = glue.then((g) => g.default({ module_or_path: wasm }).then(() => g));
const ATTRIBUTES = ['api', 'token', 'app', 'lang', 'sw'];

class QontakBell extends HTMLElement {
  static get observedAttributes() { return ATTRIBUTES; }

  connectedCallback() {
    const generation = (this.#generation += 1);
    ready.then(({ mount }) => {
      // Disconnected (or reconnected) while the wasm was loading.
      if (!this.isConnected || generation !== this.#generation || this.#handle) return;
      this.#handle = mount(this);
    }, (error) => console.error('qontak-bell: the widget failed to load', error));
  }

  disconnectedCallback() {
    this.#generation += 1;
    this.#handle?.unmount();
    this.#handle = null;
  }

  attributeChangedCallback(name, _old, value) {
    this.#handle?.attribute(name, value);
  }

  #handle = null;
  #generation = 0;
}

if (!customElements.get('qontak-bell')) customElements.define('qontak-bell', QontakBell);
