//! The bell button with its badge, and the panel it discloses.

use leptos::html;
use leptos::prelude::*;

use super::filters::Filters;
use super::icons;
use super::list::List;
use super::popup_settings::PopupSettings;
use super::tabs::Tabs;
use crate::intl::catalog;
use crate::state::Bell;

/// `99+` above 99.
pub fn badge_text(n: u64) -> String {
    if n > 99 { "99+".into() } else { n.to_string() }
}

#[component]
pub fn BellRoot(
    /// The widget's state.
    bell: Bell,
    /// The custom element, to tell outside clicks from inside ones.
    host: web_sys::HtmlElement,
) -> impl IntoView {
    let button = NodeRef::<html::Button>::new();
    let panel = NodeRef::<html::Div>::new();
    // Built on first open, then kept and only hidden: reopening a long list
    // costs a style change, not a thousand new nodes.
    let built = RwSignal::new(false);
    let total = move || bell.counts.with(|c| c.as_ref().map_or(0, |c| c.total()));
    let close = move |refocus: bool| {
        bell.open.set(false);
        if refocus && let Some(b) = button.get_untracked() {
            let _ = b.focus();
        }
    };
    let toggle = move |_| {
        let opening = !bell.open.get_untracked();
        bell.open.set(opening);
        if !opening {
            return;
        }
        built.set(true);
        // Shown and focused now, not a tick later (the first open focuses
        // from `Tabs` once it is built).
        if let Some(panel) = panel.get_untracked() {
            panel.set_hidden(false);
            super::focus_first(&panel, "[role='tab'][aria-selected='true']");
        }
        // What was listed shows at once; only news is fetched.
        bell.refresh();
    };
    // A click anywhere outside the element closes the panel.
    let outside = window_event_listener(leptos::ev::click, move |ev| {
        if bell.open.get_untracked() && !ev.composed_path().includes(&host, 0) {
            close(false);
        }
    });
    on_cleanup(move || outside.remove());

    view! {
        <div class="bell" on:keydown=move |ev: web_sys::KeyboardEvent| {
            if ev.key() == "Escape" && bell.open.get_untracked() {
                ev.prevent_default();
                close(true);
            }
        }>
            <button
                node_ref=button
                class="bell__button"
                type="button"
                aria-haspopup="dialog"
                aria-expanded=move || bell.open.get().to_string()
                aria-controls="bell-panel"
                aria-label=move || catalog(bell.lang.get()).count("bell-label", "count", total())
                on:click=toggle
            >
                {icons::bell()}
                <Show when=move || { total() > 0 }>
                    <span class="bell__badge" aria-hidden="true">{move || badge_text(total())}</span>
                </Show>
            </button>
            <Show when=move || built.get()>
                <div
                    id="bell-panel"
                    class="panel"
                    role="dialog"
                    aria-labelledby="bell-panel-title"
                    node_ref=panel
                    hidden=move || !bell.open.get()
                >
                    <div class="panel__header">
                        <h2 id="bell-panel-title" class="panel__title">{super::label(bell, "panel-title")}</h2>
                        <button
                            type="button"
                            class="panel__mark-all"
                            disabled=move || bell.scope_unread() == 0
                            on:click=move |_| bell.read_all()
                        >
                            {icons::check_all()}
                            <span>{super::label(bell, "mark-all-read")}</span>
                        </button>
                    </div>
                    <Tabs bell=bell />
                    <Filters bell=bell />
                    <List bell=bell />
                    <PopupSettings bell=bell />
                </div>
            </Show>
        </div>
    }
}
