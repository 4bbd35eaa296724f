//! The notification bell as a Leptos component, for host apps that are
//! themselves Leptos apps: `<Bell api token app/>` mounts the same widget as
//! the `<qontak-bell>` element, inside the host's own wasm (no second wasm,
//! no script tag) and on the host's reactive graph, so its props can be the
//! host's signals. Any other page embeds the element with one script tag
//! (README).
//!
//! ```ignore
//! use leptos::prelude::*;
//! use leptos_bell::Bell;
//!
//! let (token, set_token) = signal(login_token());
//! let (lang, set_lang) = signal("id".to_string());
//! view! {
//!     <Bell api="https://bell.example" token=token app="crm" lang=lang
//!         on_auth_expired=Callback::new(move |()| set_token.set(refresh_token()))/>
//! }
//! ```
//!
//! Natively the crate is empty: the widget is browser-only.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use qontak_bell::BellHandle;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// The bell and its panel. `api`: the notification server's origin;
/// `token`: the signed-in user's token (a new one, after
/// `on_auth_expired`, resumes the bell); `app`: `crm` or `chat`, the page's
/// app for presence; `lang`: `en` or `id` (without it, the page's
/// `<html lang>`); `sw`: the path of the host's copy of `bell-sw.js`, for
/// pop-ups through a service worker. The widget leaves the page with the
/// component: its DOM, listeners, timers and stream go too.
#[component]
pub fn Bell(
    #[prop(into)] api: Signal<String>,
    #[prop(into)] token: Signal<String>,
    #[prop(into)] app: Signal<String>,
    #[prop(into, optional)] lang: MaybeProp<String>,
    #[prop(into, optional)] sw: Option<String>,
    #[prop(optional)] on_auth_expired: Option<Callback<()>>,
) -> impl IntoView {
    let host = NodeRef::<leptos::html::Span>::new();
    // The mounted widget; not `Send` (it holds DOM closures), so kept out
    // of the reactive arena, and reached from cleanups through SendWrapper.
    let handle: Rc<RefCell<Option<Mounted>>> = Rc::default();

    let mounted = handle.clone();
    Effect::new(move |_| {
        let Some(element) = host.get() else { return };
        untrack(|| {
            let element: web_sys::HtmlElement = element.unchecked_into();
            let initial = [
                ("api", Some(api.get_untracked())),
                ("token", Some(token.get_untracked())),
                ("app", Some(app.get_untracked())),
                ("lang", lang.get_untracked()),
                ("sw", sw.clone()),
            ];
            for (name, value) in initial {
                if let Some(value) = value {
                    let _ = element.set_attribute(name, &value);
                }
            }
            match qontak_bell::mount(element.clone()) {
                Ok(widget) => {
                    let expired = on_auth_expired.map(|callback| {
                        let listener = Closure::<dyn FnMut()>::new(move || callback.run(()));
                        let _ = element
                            .add_event_listener_with_callback("bell-auth-expired", listener.as_ref().unchecked_ref());
                        listener
                    });
                    *mounted.borrow_mut() = Some(Mounted { widget, element, expired });
                }
                Err(error) => web_sys::console::error_2(&"qontak-bell: could not mount".into(), &error),
            }
        });
    });

    // Later changes of the props reach the widget as attribute changes do
    // on the element (the first run is the mount's own value).
    let forward = |name: &'static str, value: Signal<Option<String>>| {
        let handle = handle.clone();
        Effect::new(move |seen: Option<()>| {
            let value = value.get();
            if seen.is_some()
                && let Some(mounted) = handle.borrow().as_ref()
            {
                mounted.widget.attribute(name, value);
            }
        });
    };
    forward("api", Signal::derive(move || Some(api.get())));
    forward("token", Signal::derive(move || Some(token.get())));
    forward("app", Signal::derive(move || Some(app.get())));
    forward("lang", Signal::derive(move || lang.get()));

    let leaving = send_wrapper::SendWrapper::new(handle);
    on_cleanup(move || {
        if let Some(mounted) = leaving.borrow_mut().take() {
            mounted.unmount();
        }
    });

    view! { <span class="qontak-bell" node_ref=host></span> }
}

/// The widget mounted into the component's element.
struct Mounted {
    widget: BellHandle,
    element: web_sys::HtmlElement,
    expired: Option<Closure<dyn FnMut()>>,
}

impl Mounted {
    fn unmount(self) {
        if let Some(listener) = &self.expired {
            let _ = self
                .element
                .remove_event_listener_with_callback("bell-auth-expired", listener.as_ref().unchecked_ref());
        }
        self.widget.unmount();
    }
}
