//! The tab panel: Today / Older sections of the current view, its states
//! (loading, empty, error, offline) and infinite scroll.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::item::Item;
use crate::state::{Bell, Row, Status};

#[component]
pub fn List(
    /// The widget's state.
    bell: Bell,
) -> impl IntoView {
    let scroller = NodeRef::<html::Div>::new();
    let sentinel = NodeRef::<html::Div>::new();

    // Load the next page when the end of the list scrolls into view.
    let observer = StoredValue::new_local(None::<(web_sys::IntersectionObserver, Closure<dyn FnMut(js_sys::Array)>)>);
    Effect::new(move |_| {
        let (Some(root), Some(target)) = (scroller.get(), sentinel.get()) else { return };
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let visible =
                entries.iter().any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
            if visible {
                bell.load_more();
            }
        });
        let options = web_sys::IntersectionObserverInit::new();
        options.set_root(Some(&root));
        options.set_root_margin("200px");
        if let Ok(io) = web_sys::IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options) {
            io.observe(&target);
            observer.set_value(Some((io, callback)));
        }
    });
    on_cleanup(move || {
        if let Some(Some((io, _))) =
            observer.try_with_value(|o| o.as_ref().map(|(io, _)| io.clone()).map(|io| (io, ())))
        {
            io.disconnect();
        }
    });

    // The rows of one section: keyed `For` below re-renders only what changed.
    let section = move |today: bool| {
        move || {
            let day = bell.today.get();
            bell.rows.with(|rows| rows.iter().filter(|r| (r.day == day) == today).cloned().collect::<Vec<Row>>())
        }
    };
    let has = move |today: bool| {
        Memo::new(move |_| {
            let day = bell.today.get();
            bell.rows.with(|rows| rows.iter().any(|r| (r.day == day) == today))
        })
    };
    let (has_today, has_older) = (has(true), has(false));
    let empty = move || bell.status.get() == Status::Idle && bell.rows.with(Vec::is_empty);

    view! {
        <div
            id="bell-tabpanel"
            class="list"
            role="tabpanel"
            aria-labelledby=move || format!("tab-{}", bell.tab.get().as_str())
            node_ref=scroller
            aria-busy=move || matches!(bell.status.get(), Status::Loading | Status::LoadingMore).to_string()
        >
            <Show when=super::status_is(bell, Status::Offline)>
                <p class="state state--offline" role="status">{super::label(bell, "offline")}</p>
            </Show>
            <Show when=super::status_is(bell, Status::Error)>
                <div class="state state--error" role="alert">
                    <p>{super::label(bell, "error-title")}</p>
                    <button type="button" class="state__retry" on:click=move |_| bell.load_first_page()>
                        {super::label(bell, "retry")}
                    </button>
                </div>
            </Show>
            <Show when=super::status_is(bell, Status::Loading)>
                <p class="state state--loading" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    {super::label(bell, "loading")}
                </p>
            </Show>
            <Show when=empty>
                <div class="state state--empty" role="status">
                    <p class="state__title">{super::label(bell, "empty-title")}</p>
                    <p>{super::label(bell, "empty-body")}</p>
                </div>
            </Show>
            <Show when=move || has_today.get()>
                <section class="section" aria-labelledby="bell-today">
                    <h3 class="section__title" id="bell-today">{super::label(bell, "section-today")}</h3>
                    <ul class="section__items" role="list">
                        <For each=section(true) key=|r| r.n.id.clone() let:row>
                            <Item bell=bell row=row />
                        </For>
                    </ul>
                </section>
            </Show>
            <Show when=move || has_older.get()>
                <section class="section" aria-labelledby="bell-older">
                    <h3 class="section__title" id="bell-older">{super::label(bell, "section-older")}</h3>
                    <ul class="section__items" role="list">
                        <For each=section(false) key=|r| r.n.id.clone() let:row>
                            <Item bell=bell row=row />
                        </For>
                    </ul>
                </section>
            </Show>
            <Show when=super::status_is(bell, Status::LoadingMore)>
                <p class="state state--more" role="status">{super::label(bell, "loading-more")}</p>
            </Show>
            <div class="list__end" node_ref=sentinel aria-hidden="true"></div>
        </div>
    }
}
