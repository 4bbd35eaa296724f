//! Presence: this tab tells the server whether the user is active on its app
//! (`chat` or `crm`) — visible and focused — on visibility and focus changes,
//! with a heartbeat while visible and a last report on `pagehide`. The server
//! forgets a report after its TTL, so a crashed tab does not stay active.
//!
//! Activity is read from `document.visibilityState` and `document.hasFocus()`
//! at each report, so tests can stand in for them (headless tabs always say
//! visible and focused).

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::Api;

const STORAGE_KEY: &str = "qontak-bell:device-id";
/// Well inside the server's default 60 s TTL.
const HEARTBEAT_MS: u64 = 20_000;

/// This browser's device id, shared by its tabs (local storage), made once.
pub fn device_id() -> String {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(id) = storage.as_ref().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten()) {
        return id;
    }
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    let id = format!("web-{}", crypto.map(|c| c.random_uuid()).unwrap_or_else(|| js_sys::Math::random().to_string()));
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
    let gone = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let report = {
        let (api, app, device, gone) = (api.clone(), app.clone(), device.clone(), gone.clone());
        move |active: bool| {
            if gone.load(std::sync::atomic::Ordering::Relaxed) {
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
    let handles = [
        window_event_listener(leptos::ev::visibilitychange, {
            let now = now.clone();
            move |_| now()
        }),
        window_event_listener(leptos::ev::focus, {
            let now = now.clone();
            move |_| now()
        }),
        window_event_listener(leptos::ev::blur, move |_| now()),
    ];
    let leaving = {
        let (api, app, device, gone) = (api.clone(), app.clone(), device.clone(), gone.clone());
        window_event_listener(leptos::ev::pagehide, move |_| {
            gone.store(true, std::sync::atomic::Ordering::Relaxed);
            api.beacon_presence(&device, &app);
        })
    };
    // Back from the back/forward cache: report again.
    let returning = {
        let (report, gone) = (report.clone(), gone.clone());
        window_event_listener(leptos::ev::pageshow, move |_| {
            if gone.swap(false, std::sync::atomic::Ordering::Relaxed) {
                report(active_now());
            }
        })
    };
    let beat = {
        let report = report.clone();
        set_interval_with_handle(
            move || {
                // While visible (active or not), so the report never expires.
                if document_visible() {
                    report(active_now());
                }
            },
            std::time::Duration::from_millis(HEARTBEAT_MS),
        )
        .ok()
    };
    on_cleanup(move || {
        for h in handles {
            h.remove();
        }
        leaving.remove();
        returning.remove();
        if let Some(b) = beat {
            b.clear();
        }
        // Gone from this page: not active here any more.
        report(false);
    });
}

/// `document.visibilityState` is `visible` (read each time, so tests can stand in for it).
fn document_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| js_sys::Reflect::get(d.unchecked_ref(), &"visibilityState".into()).ok())
        .and_then(|v| v.as_string())
        .is_some_and(|v| v == "visible")
}
