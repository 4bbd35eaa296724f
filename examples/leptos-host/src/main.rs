//! A Leptos host app with the bell as a component: the page's own signals
//! drive it (who is signed in, the language) and it comes and goes with the
//! view. The browser tests (`tests/browser/leptos.test.mjs`) open it as
//! `index.html?api=…&token=…&other=…`: the server's origin and two users'
//! tokens, as a real app would have them from its login.

#[cfg(target_arch = "wasm32")]
fn main() {
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("a browser app: build it with trunk (see README)");
}

#[cfg(target_arch = "wasm32")]
mod app {
    use leptos::prelude::*;
    use leptos_bell::Bell;

    fn query(name: &str) -> String {
        let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
        web_sys::UrlSearchParams::new_with_str(&search).ok().and_then(|p| p.get(name)).unwrap_or_default()
    }

    #[component]
    pub fn App() -> impl IntoView {
        let api = query("api");
        let tokens = [query("token"), query("other")];
        let signed_in = RwSignal::new(0usize);
        let token = Signal::derive(move || tokens[signed_in.get()].clone());
        let lang = RwSignal::new("en".to_string());
        let shown = RwSignal::new(true);
        let expired = RwSignal::new(0u32);
        view! {
            <header>
                <h1>"Deals"</h1>
                <button type="button" id="switch-user" on:click=move |_| signed_in.update(|i| *i = 1 - *i)>
                    "Switch user"
                </button>
                <label>
                    "Language "
                    <select id="lang" on:change=move |ev| lang.set(event_target_value(&ev))>
                        <option value="en">"English"</option>
                        <option value="id">"Bahasa Indonesia"</option>
                    </select>
                </label>
                <label>
                    <input type="checkbox" id="show-bell" prop:checked=shown on:change=move |ev| shown.set(event_target_checked(&ev))/>
                    " Show the bell"
                </label>
                <Show when=move || shown.get()>
                    <Bell
                        api=api.clone()
                        token=token
                        app="crm"
                        lang=lang
                        on_auth_expired=Callback::new(move |()| expired.update(|n| *n += 1))
                    />
                </Show>
            </header>
            <main>
                <p>"Sessions expired: " <output id="expired">{expired}</output></p>
            </main>
        }
    }
}
