//! One live stream per browser and user: the tab that holds a Web Lock
//! (the leader) keeps the `EventSource` open and relays each event to the
//! other tabs over a `BroadcastChannel`. When the leader closes, the lock
//! passes to a waiting tab, which resumes from the last event id it relayed,
//! so no event falls in the gap.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, EventSource, MessageEvent};

use crate::api::Api;
use crate::state::Bell;

const EVENTS: [&str; 5] = ["notification", "read", "approval", "counts", "preferences"];
/// After the stream closed for good (an HTTP error), the leader tries again after this long.
const RETRY_MS: i32 = 5_000;

/// The user a token names (`sub`), read without verifying: only to name the
/// channel and lock shared by this user's tabs. The server verifies.
fn token_subject(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let mut b64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !b64.len().is_multiple_of(4) {
        b64.push('=');
    }
    let json = web_sys::window()?.atob(&b64).ok()?;
    crate::wire::string(&crate::wire::parse(&json)?, "sub")
}

struct Shared {
    bell: Bell,
    api: Api,
    /// Pop-ups routed to this browser come on the leader's stream.
    device: String,
    /// The host's service-worker path, for pop-ups.
    sw: Option<String>,
    /// `qontak-bell:<api>:<user>`: names the channel, the lock and the
    /// pop-ups' tags (so another user's or server's pop-up never replaces
    /// or closes this user's of the same id).
    scope: String,
    channel: BroadcastChannel,
    /// The last event id seen, relayed or received: where a new leader resumes.
    last_id: Option<String>,
    source: Option<EventSource>,
    listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
    retry: Option<i32>,
    closed: bool,
}

/// A running connection; `close` (or drop) ends it and gives up the lead.
pub struct Realtime {
    shared: Rc<RefCell<Shared>>,
    release: Rc<RefCell<Option<Function>>>,
    abort: web_sys::AbortController,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_lock: Closure<dyn FnMut(JsValue) -> Promise>,
}

impl Drop for Realtime {
    fn drop(&mut self) {
        let mut s = self.shared.borrow_mut();
        s.closed = true;
        if let Some(source) = s.source.take() {
            source.close();
        }
        if let (Some(id), Some(w)) = (s.retry.take(), web_sys::window()) {
            w.clear_timeout_with_handle(id);
        }
        s.channel.set_onmessage(None);
        s.channel.close();
        // The stream's listeners hold `shared`: a cycle until they go.
        let listeners = (std::mem::take(&mut s.listeners), s.on_error.take());
        drop(s);
        drop(listeners);
        // Leader: release the lock. Waiting: withdraw the request.
        if let Some(release) = self.release.borrow_mut().take() {
            let _ = release.call0(&JsValue::NULL);
        }
        self.abort.abort();
    }
}

/// Starts taking part for `api`'s user; `None` when the browser lacks what
/// it needs (the widget then relies on its periodic refresh).
pub fn connect(bell: Bell, api: Api, device: String, sw: Option<String>) -> Option<Realtime> {
    let window = web_sys::window()?;
    let user = token_subject(&api.token)?;
    let name = format!("qontak-bell:{}:{}", api.base, user);
    let channel = BroadcastChannel::new(&name).ok()?;
    let shared = Rc::new(RefCell::new(Shared {
        bell,
        api,
        device,
        sw,
        scope: name.clone(),
        channel: channel.clone(),
        last_id: None,
        source: None,
        listeners: Vec::new(),
        on_error: None,
        retry: None,
        closed: false,
    }));

    // Followers apply what the leader relays.
    let on_message = {
        let shared = shared.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let message = e.data();
            let (Some(event), Some(id), Some(data)) = (
                crate::wire::string(&message, "event"),
                crate::wire::string(&message, "id"),
                crate::wire::string(&message, "data"),
            ) else {
                return;
            };
            let bell = {
                let mut s = shared.borrow_mut();
                s.last_id = Some(id);
                s.bell
            };
            bell.apply_stream_event(&event, &data);
        })
    };
    channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

    let release: Rc<RefCell<Option<Function>>> = Rc::default();
    let on_lock = {
        let (shared, release) = (shared.clone(), release.clone());
        Closure::<dyn FnMut(JsValue) -> Promise>::new(move |_lock: JsValue| {
            open_source(&shared);
            // Held until `release` is called (unmount or a new token).
            Promise::new(&mut |resolve, _| {
                *release.borrow_mut() = Some(resolve);
            })
        })
    };
    let abort = web_sys::AbortController::new().ok()?;
    let locks = Reflect::get(&window.navigator(), &"locks".into()).ok().filter(|l| !l.is_undefined());
    match locks {
        Some(locks) => {
            let options = Object::new();
            let _ = Reflect::set(&options, &"signal".into(), &abort.signal());
            let request: Function = Reflect::get(&locks, &"request".into()).ok()?.dyn_into().ok()?;
            let pending = request.call3(&locks, &name.into(), &options, on_lock.as_ref()).ok()?;
            // An aborted request rejects; nothing to do then.
            if let Ok(p) = pending.dyn_into::<Promise>() {
                let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
                let _ = p.catch(&ignore);
                ignore.forget();
            }
        }
        // No Web Locks: every tab keeps its own stream.
        None => open_source(&shared),
    }
    Some(Realtime { shared, release, abort, _on_message: on_message, _on_lock: on_lock })
}

/// As leader: opens the stream, resuming after the last event seen.
fn open_source(shared: &Rc<RefCell<Shared>>) {
    let mut s = shared.borrow_mut();
    if s.closed {
        return;
    }
    let mut url = format!(
        "{}/v1/stream?access_token={}&device_id={}",
        s.api.base.trim_end_matches('/'),
        String::from(js_sys::encode_uri_component(&s.api.token)),
        String::from(js_sys::encode_uri_component(&s.device))
    );
    if let Some(id) = &s.last_id {
        url.push_str(&format!("&last_event_id={}", String::from(js_sys::encode_uri_component(id))));
    }
    let Ok(source) = EventSource::new(&url) else { return };
    let mut listeners = Vec::new();
    for name in EVENTS {
        let shared = shared.clone();
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(data) = e.data().as_string() else { return };
            let id = e.last_event_id();
            let (bell, channel) = {
                let mut s = shared.borrow_mut();
                s.last_id = Some(id.clone());
                (s.bell, s.channel.clone())
            };
            bell.apply_stream_event(name, &data);
            // A plain object: BroadcastChannel clones it, no JSON text needed.
            let message = js_sys::Object::new();
            for (k, v) in [("event", name), ("id", id.as_str()), ("data", data.as_str())] {
                let _ = js_sys::Reflect::set(&message, &k.into(), &v.into());
            }
            let _ = channel.post_message(&message);
        });
        let _ = source.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
        listeners.push(listener);
    }
    // Pop-ups: shown by the leader alone, never relayed (one per browser).
    let popup = {
        let shared = shared.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(data) = e.data().as_string() else { return };
            let (bell, api, sw, scope) = {
                let s = shared.borrow();
                (s.bell, s.api.clone(), s.sw.clone(), s.scope.clone())
            };
            crate::popups::show(bell, &api, sw, &scope, &data);
        })
    };
    let _ = source.add_event_listener_with_callback("popup", popup.as_ref().unchecked_ref());
    listeners.push(popup);
    // Network errors reconnect by themselves (with Last-Event-ID); an HTTP
    // error closes the stream: try again later from where it stopped.
    let on_error = {
        let shared = shared.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let closed = shared.borrow().source.as_ref().is_some_and(|s| s.ready_state() == EventSource::CLOSED);
            if !closed {
                return;
            }
            let again = shared.clone();
            let retry = Closure::once_into_js(move || {
                again.borrow_mut().retry = None;
                open_source(&again);
            });
            if let Some(w) = web_sys::window() {
                shared.borrow_mut().retry =
                    w.set_timeout_with_callback_and_timeout_and_arguments_0(retry.unchecked_ref(), RETRY_MS).ok();
            }
        })
    };
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    if let Some(old) = s.source.replace(source) {
        old.close();
    }
    s.listeners = listeners;
    s.on_error = Some(on_error);
}
