//! The `<qontak-bell>` element's Rust side. `js/bell.js` defines the custom
//! element and calls `mount` when it connects, `BellHandle::attribute` when
//! an attribute changes and `BellHandle::unmount` when it disconnects.

use reactive_graph::owner::{LocalStorage, Owner, StoredValue};
use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;
use reactive_graph::wrappers::read::Signal;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, ShadowRootInit, ShadowRootMode};

use crate::api::Api;
use crate::i18n::Lang;
use crate::intl;
use crate::state::{Bell, Status};
use crate::view::{Teardown, Timeout, bind, keep, window};

/// `style/bell.css`, minified by build.rs.
const STYLE: &str = include_str!(concat!(env!("OUT_DIR"), "/bell.css"));
/// How often the widget looks at the clock, and retries while offline.
const TICK_MS: i32 = 5_000;
/// Every how many ticks it refreshes counts (until the stream replaces polling).
const REFRESH_EVERY: u32 = 6;

/// The element's attributes as signals.
#[derive(Clone, Copy)]
struct Attributes {
    api: RwSignal<String>,
    token: RwSignal<String>,
    app: RwSignal<String>,
    sw: RwSignal<Option<String>>,
    lang: RwSignal<Option<String>>,
    html_lang: RwSignal<Option<String>>,
}

/// A mounted widget; dropping it (through `unmount`) removes everything it
/// started: DOM, listeners, timers and observers.
#[wasm_bindgen]
pub struct BellHandle {
    attributes: Attributes,
    owner: Owner,
    teardown: Teardown,
}

#[wasm_bindgen]
impl BellHandle {
    /// An observed attribute changed (`None` when removed).
    pub fn attribute(&self, name: &str, value: Option<String>) {
        let a = self.attributes;
        match name {
            "api" => a.api.set(value.unwrap_or_default()),
            "token" => a.token.set(value.unwrap_or_default()),
            "app" => a.app.set(value.unwrap_or_default()),
            "sw" => a.sw.set(value.filter(|v| !v.is_empty())),
            "lang" => a.lang.set(value),
            _ => {}
        }
    }

    pub fn unmount(self) {
        drop(self.teardown);
        self.owner.cleanup();
    }
}

fn document_lang() -> Option<String> {
    web_sys::window()?.document()?.document_element()?.get_attribute("lang")
}

/// Renders the widget into `host`'s open shadow root.
#[wasm_bindgen]
pub fn mount(host: HtmlElement) -> Result<BellHandle, JsValue> {
    // Readable panics in development builds (release builds abort with `unreachable`).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // Effects and tasks run on the browser's microtask queue.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let shadow = match host.shadow_root() {
        Some(root) => {
            root.set_inner_html("");
            root
        }
        None => host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let style = document.create_element("style")?;
    style.set_text_content(Some(STYLE));
    shadow.append_child(&style)?;
    let container: HtmlElement = document.create_element("div")?.unchecked_into();
    container.set_class_name("root");
    shadow.append_child(&container)?;

    let owner = Owner::new();
    let (attributes, mut teardown) = owner.with(|| {
        let attributes = Attributes {
            api: RwSignal::new(host.get_attribute("api").unwrap_or_default()),
            token: RwSignal::new(host.get_attribute("token").unwrap_or_default()),
            app: RwSignal::new(host.get_attribute("app").unwrap_or_default()),
            sw: RwSignal::new(host.get_attribute("sw").filter(|v| !v.is_empty())),
            lang: RwSignal::new(host.get_attribute("lang")),
            html_lang: RwSignal::new(document_lang()),
        };
        let api = Signal::derive(move || Api { base: attributes.api.get(), token: attributes.token.get() });
        let lang = Signal::derive(move || {
            let own = attributes.lang.get().and_then(|l| Lang::from_tag(&l));
            own.or_else(|| attributes.html_lang.get().and_then(|l| Lang::from_tag(&l))).unwrap_or(Lang::En)
        });
        let event_target = host.clone();
        let bell = Bell::new(
            api,
            lang,
            Box::new(move || {
                let init = web_sys::CustomEventInit::new();
                init.set_bubbles(true);
                init.set_composed(true);
                if let Ok(event) = web_sys::CustomEvent::new_with_event_init_dict("bell-auth-expired", &init) {
                    let _ = event_target.dispatch_event(&event);
                }
            }),
        );
        // A new api or token: start over (also resumes after `bell-auth-expired`),
        // with a live stream for this user (closed when the effect runs again).
        // This browser's device id, shared by its tabs (read from storage once).
        let device = crate::presence::device_id();
        let device_for_stream = device.clone();
        let started = std::cell::Cell::new(false);
        bind(move || {
            let again = started.replace(true);
            let api = api.get();
            if api.base.is_empty() || api.token.is_empty() {
                return;
            }
            let sw = attributes.sw.get_untracked();
            if let Some(live) = crate::realtime::connect(bell, api.clone(), device_for_stream.clone(), sw) {
                let mut stream = Teardown::default();
                stream.defer(move || drop(live));
                keep(stream);
            }
            if again {
                bell.status.set(Status::Idle);
            }
            bell.load_counts();
            if bell.open.get_untracked() {
                bell.load_first_page();
            }
        });
        // The host's copy of the service worker, for pop-ups; and its request
        // to open a notification's page in this tab (it cannot navigate a page itself).
        bind(move || {
            if let Some(sw) = attributes.sw.get() {
                crate::popups::register_worker(&sw);
            }
        });
        let opener = crate::popups::listen_for_open();
        // Presence of this tab on its app; restarts with a new token or app.
        bind(move || crate::presence::run(api.get(), attributes.app.get(), device.clone()));
        // Everything this mount must undo is in `teardown` (dropped at the
        // unmount) or kept by an effect's owner (`keep`, undone when it re-runs).
        let mut teardown = crate::view::mount(bell, &host, &container);
        teardown.defer(move || drop(opener));
        let tick_count = std::cell::Cell::new(0u32);
        teardown.every(TICK_MS, move || {
            let now = intl::now();
            bell.now.set(now);
            bell.today.set(intl::local_day(now));
            bell.drop_expired(now);
            tick_count.set(tick_count.get() + 1);
            let offline = bell.status.get_untracked() == Status::Offline;
            if (offline || tick_count.get().is_multiple_of(REFRESH_EVERY))
                && bell.status.get_untracked() != Status::AuthExpired
            {
                bell.refresh();
            }
        });
        // The Today/Older split moves exactly at local midnight.
        let midnight = StoredValue::new_local(None);
        schedule_midnight(bell, midnight);
        teardown.defer(move || {
            midnight.try_set_value(None);
        });
        teardown.on(&window(), "online", move |_| bell.refresh());
        teardown.on(&window(), "visibilitychange", move |_| {
            if crate::presence::document_visible() {
                bell.refresh();
            }
        });
        (attributes, teardown)
    });

    // `<html lang>` counts when the element has no `lang` of its own.
    if let Some(root) = document.document_element() {
        let html_lang = attributes.html_lang;
        let callback = Closure::<dyn FnMut()>::new(move || {
            let _ = html_lang.try_set(document_lang());
        });
        let observer = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref())?;
        let options = web_sys::MutationObserverInit::new();
        options.set_attributes(true);
        options.set_attribute_filter(&js_sys::Array::of1(&JsValue::from_str("lang")));
        observer.observe_with_options(&root, &options)?;
        teardown.defer(move || {
            observer.disconnect();
            drop(callback);
        });
    }
    Ok(BellHandle { attributes, owner, teardown })
}

/// Re-arms itself every local midnight; `slot` holds the pending timeout so
/// unmounting can clear it (replacing it from inside its own callback is
/// safe: wasm-bindgen frees a running closure when it returns).
fn schedule_midnight(bell: Bell, slot: StoredValue<Option<Timeout>, LocalStorage>) {
    let timeout = Timeout::new(intl::until_next_midnight(intl::now()) + 50.0, move || {
        let now = intl::now();
        if bell.today.try_set(intl::local_day(now)).is_none() {
            bell.now.try_set(now);
            schedule_midnight(bell, slot);
        }
    });
    slot.try_set_value(Some(timeout));
}
