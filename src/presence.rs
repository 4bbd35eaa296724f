//! Presence: this tab tells the server whether the user is active on its app
//! (`chat` or `crm`) — visible and focused — on visibility and focus changes,
//! with a heartbeat while visible and a last report on `pagehide`. The server
//! forgets a report after its TTL, so a crashed tab does not stay active.
//!
//! Activity is read from `document.visibilityState` and `document.hasFocus()`
//! at each report, so tests can stand in for them (headless tabs always say
//! visible and focused).

use std::cell::Cell;
use std::rc::Rc;

use reactive_graph::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::Api;
use crate::view::{Teardown, keep};

const STORAGE_KEY: &str = "qontak-bell:device-id";
/// Well inside the server's default 60 s TTL.
const HEARTBEAT_MS: i32 = 20_000;

/// This browser's device id, shared by its tabs (local storage), made once.
pub fn device_id() -> String {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(id) = storage.as_ref().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()) {
        return id;
    }
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    // (Without `crypto`, the browser writes the random number: Rust's float
    // formatting would add kilobytes to the download for this one line.)
    let random =
        || String::from(js_sys::Number::from(js_sys::Math::random()).to_string_with_radix(36).unwrap_or_default());
    let id = format!("web-{}", crypto.map(|c| c.random_uuid()).unwrap_or_else(random));
    if let Some(s) = storage {
        let _ = s.set_item(STORAGE_KEY, &id);
    }
    id
}

/// Visible and focused.
fn active_now() -> bool {
    document_visible() && web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.has_focus().unwrap_or(false))
}

/// Registers the device and reports presence for `app` until the owner is cleaned up.
pub fn run(api: Api, app: String, device: String) {
    if api.base.is_empty() || api.token.is_empty() || !matches!(app.as_str(), "chat" | "crm") {
        return;
    }
    // After `pagehide` the beacon was the last word: events fired while the
    // page unloads (visibilitychange, blur) must not overtake it.
    let gone = Rc::new(Cell::new(false));
    let report = {
        let (api, app, device, gone) = (api.clone(), app.clone(), device.clone(), gone.clone());
        move |active: bool| {
            if gone.get() {
                return;
            }
            let (api, app, device) = (api.clone(), app.clone(), device.clone());
            spawn_local(async move {
                let _ = api.put_presence(&device, &app, active).await;
            });
        }
    };
    {
        let (api, device, report) = (api.clone(), device.clone(), report.clone());
        spawn_local(async move {
            let _ = api.put_web_device(&device).await;
            report(active_now());
        });
    }
    let now = {
        let report = report.clone();
        move || report(active_now())
    };
    let mut teardown = Teardown::default();
    let window = crate::view::window();
    for event in ["visibilitychange", "focus", "blur"] {
        let now = now.clone();
        teardown.on(&window, event, move |_| now());
    }
    {
        let (api, app, device, gone) = (api.clone(), app.clone(), device.clone(), gone.clone());
        teardown.on(&window, "pagehide", move |_| {
            gone.set(true);
            api.beacon_presence(&device, &app);
        });
    }
    // Back from the back/forward cache: report again.
    {
        let (report, gone) = (report.clone(), gone.clone());
        teardown.on(&window, "pageshow", move |_| {
            if gone.replace(false) {
                report(active_now());
            }
        });
    }
    {
        let report = report.clone();
        teardown.every(HEARTBEAT_MS, move || {
            // While visible (active or not), so the report never expires.
            if document_visible() {
                report(active_now());
            }
        });
    }
    // Gone from this page: not active here any more.
    teardown.defer(move || report(false));
    keep(teardown);
}

/// `document.visibilityState` is `visible` (read each time, so tests can stand in for it).
pub fn document_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| js_sys::Reflect::get(d.unchecked_ref(), &"visibilityState".into()).ok())
        .and_then(|v| v.as_string())
        .is_some_and(|v| v == "visible")
}
