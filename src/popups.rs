//! Browser pop-ups for the events the server routed to this browser (the
//! stream's `popup` events reach only the leader tab: one pop-up per browser).
//! Through the host's service worker when the element has `sw`, so a click
//! can focus or open a tab even after this page is gone; else page-level
//! `Notification`. Text comes from Fluent, in the language active now.

use bell_protocol::Actor;
use reactive_graph::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::api::Api;
use crate::intl::catalog;
use crate::state::Bell;

/// A `popup` event: `{"tag", "kind", "args", "actor", "link", "silent"}`.
struct Popup {
    tag: String,
    kind: String,
    args: crate::i18n::Args,
    actor: Actor,
    link: Option<String>,
    silent: bool,
}

impl Popup {
    fn read(data: &str) -> Option<Popup> {
        let v = crate::wire::parse(data)?;
        Some(Popup {
            tag: crate::wire::string(&v, "tag")?,
            kind: crate::wire::string(&v, "kind")?,
            args: crate::wire::args(&v),
            actor: crate::wire::actor(&crate::wire::get(&v, "actor"))?,
            link: crate::wire::string(&v, "link"),
            silent: crate::wire::get(&v, "silent").as_bool().unwrap_or(false),
        })
    }
}

/// `Notification.permission`: `granted`, `denied` or `default` (`unsupported` without the API).
pub fn permission() -> String {
    let global = js_sys::global();
    match js_sys::Reflect::get(&global, &"Notification".into()) {
        Ok(n) if !n.is_undefined() => {
            js_sys::Reflect::get(&n, &"permission".into()).ok().and_then(|p| p.as_string()).unwrap_or_default()
        }
        _ => "unsupported".into(),
    }
}

/// Asks for permission; call only from a user gesture (the panel's button).
pub async fn request_permission() -> String {
    let global = js_sys::global();
    let Ok(n) = js_sys::Reflect::get(&global, &"Notification".into()) else { return permission() };
    let Ok(request) =
        js_sys::Reflect::get(&n, &"requestPermission".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return permission();
    };
    if let Ok(promise) = request.call0(&n).and_then(|p| p.dyn_into::<js_sys::Promise>()) {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    permission()
}

thread_local! {
    /// The registration `register` resolved to: pop-ups use it directly (no
    /// look-up that could wait behind another tab's registration job).
    static REGISTRATION: std::cell::RefCell<Option<JsValue>> = const { std::cell::RefCell::new(None) };
}

/// Registers the host's copy of the widget's service worker under a scope
/// of its own (its own path), so it never clashes with the host's worker.
pub fn register_worker(sw: &str) {
    let Some(window) = web_sys::window() else { return };
    let Ok(container) = js_sys::Reflect::get(&window.navigator(), &"serviceWorker".into()) else { return };
    if container.is_undefined() {
        return;
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"scope".into(), &sw.into());
    if let Ok(register) =
        js_sys::Reflect::get(&container, &"register".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
        && let Ok(p) = register.call2(&container, &sw.into(), &options).and_then(|p| p.dyn_into::<js_sys::Promise>())
    {
        wasm_bindgen_futures::spawn_local(async move {
            if let Ok(registration) = wasm_bindgen_futures::JsFuture::from(p).await {
                REGISTRATION.with(|r| *r.borrow_mut() = Some(registration));
            }
        });
    }
}

/// Shows a `popup` event's pop-up, if the user allowed them, tagged
/// `<scope>:<notification id>`.
pub fn show(bell: Bell, api: &Api, sw: Option<String>, scope: &str, data: &str) {
    if permission() != "granted" {
        return;
    }
    let Some(popup) = Popup::read(data) else { return };
    let lang = bell.lang.get_untracked();
    let c = catalog(lang);
    let title = c.text("panel-title");
    let body = c.notification(&popup.kind, &popup.args, &popup.actor);
    let options = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(&options, &k.into(), v);
    };
    set("body", &body.into());
    // Tagged per user and server: the same id of another's never replaces it.
    set("tag", &format!("{scope}:{}", popup.tag).into());
    set("silent", &popup.silent.into());
    set("lang", &lang.tag().into());
    let link = popup.link.clone().unwrap_or_default();
    let data = js_sys::Object::new();
    for (k, v) in
        [("id", popup.tag.as_str()), ("link", link.as_str()), ("api", api.base.as_str()), ("token", api.token.as_str())]
    {
        let _ = js_sys::Reflect::set(&data, &k.into(), &v.into());
    }
    set("data", &data);
    wasm_bindgen_futures::spawn_local(async move {
        let shown = sw.is_some() && show_in_worker(&title, &options).await;
        // No worker (none given, or not active yet): a page-level pop-up.
        if !shown {
            show_in_page(bell, popup, title, options);
        }
    });
}

/// Shows through the worker's registration; false when there is none active yet.
async fn show_in_worker(title: &str, options: &js_sys::Object) -> bool {
    let get = |target: &JsValue, name: &str| {
        js_sys::Reflect::get(target, &name.into()).ok().filter(|v| !v.is_undefined() && !v.is_null())
    };
    let Some(registration) = REGISTRATION.with(|r| r.borrow().clone()) else { return false };
    if get(&registration, "active").is_none() {
        return false;
    }
    let Some(show) = get(&registration, "showNotification").and_then(|f| f.dyn_into::<js_sys::Function>().ok()) else {
        return false;
    };
    match show.call2(&registration, &title.into(), options).and_then(|p| p.dyn_into::<js_sys::Promise>()) {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
        Err(_) => false,
    }
}

fn show_in_page(bell: Bell, popup: Popup, title: String, options: js_sys::Object) {
    let global = js_sys::global();
    let Ok(ctor) = js_sys::Reflect::get(&global, &"Notification".into()).and_then(|f| f.dyn_into::<js_sys::Function>())
    else {
        return;
    };
    let args = js_sys::Array::of2(&title.into(), &options);
    let Ok(notification) = js_sys::Reflect::construct(&ctor, &args) else { return };
    let id = popup.tag.clone();
    let link = popup.link.clone();
    let on_click = Closure::<dyn FnMut()>::new(move || {
        bell.mark_read(&id, false);
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
            if let Some(link) = &link {
                let _ = window.location().assign(link);
            }
        }
    });
    let _ = js_sys::Reflect::set(&notification, &"onclick".into(), on_click.as_ref());
    // Lives as long as the pop-up may be clicked.
    on_click.forget();
}

/// Listens for the service worker's request to open a notification's page
/// here; the listener goes with the returned guard.
pub fn listen_for_open() -> Option<OpenListener> {
    let window = web_sys::window()?;
    let container =
        js_sys::Reflect::get(&window.navigator(), &"serviceWorker".into()).ok().filter(|c| !c.is_undefined())?;
    let target: web_sys::EventTarget = container.dyn_into().ok()?;
    let callback = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        let data = e.data();
        let kind = js_sys::Reflect::get(&data, &"type".into()).ok().and_then(|v| v.as_string());
        let link = js_sys::Reflect::get(&data, &"link".into()).ok().and_then(|v| v.as_string());
        if let (Some("qontak-bell:open"), Some(link), Some(w)) = (kind.as_deref(), link, web_sys::window()) {
            let _ = w.location().assign(&link);
        }
    });
    target.add_event_listener_with_callback("message", callback.as_ref().unchecked_ref()).ok()?;
    Some(OpenListener { target, callback })
}

pub struct OpenListener {
    target: web_sys::EventTarget,
    callback: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Drop for OpenListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback("message", self.callback.as_ref().unchecked_ref());
    }
}
