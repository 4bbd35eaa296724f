//! General / Inbox / Approval, following the WAI-ARIA tabs pattern: arrow
//! keys, Home and End move focus and select (roving tabindex).

use bell_protocol::Tab;
use leptos::html;
use leptos::prelude::*;

use crate::intl::catalog;
use crate::state::Bell;

fn message(tab: Tab) -> &'static str {
    match tab {
        Tab::General => "tab-general",
        Tab::Inbox => "tab-inbox",
        Tab::Approval => "tab-approval",
    }
}

#[component]
pub fn Tabs(
    /// The widget's state.
    bell: Bell,
) -> impl IntoView {
    let list = NodeRef::<html::Div>::new();
    let select = move |tab: Tab, focus: bool| {
        if bell.tab.get_untracked() != tab {
            bell.tab.set(tab);
            bell.category.set(None);
            bell.load_first_page();
        }
        if focus && let Some(list) = list.get_untracked() {
            super::focus_first(&list, &format!("[data-tab='{}']", tab.as_str()));
        }
    };
    // The active tab gets focus when the panel opens.
    Effect::new(move |_| {
        if let Some(list) = list.get() {
            super::focus_first(&list, "[aria-selected='true']");
        }
    });
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let tabs = Tab::ALL;
        let at = tabs.iter().position(|t| *t == bell.tab.get_untracked()).unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => tabs[(at + 1) % tabs.len()],
            "ArrowLeft" => tabs[(at + tabs.len() - 1) % tabs.len()],
            "Home" => tabs[0],
            "End" => tabs[tabs.len() - 1],
            _ => return,
        };
        ev.prevent_default();
        select(next, true);
    };
    view! {
        <div class="tabs" role="tablist" node_ref=list on:keydown=on_key>
            {Tab::ALL
                .into_iter()
                .map(|tab| {
                    let selected = move || bell.tab.get() == tab;
                    let count = move || bell.tab_unread(tab);
                    let count_id = format!("tab-count-{}", tab.as_str());
                    let hidden_id = count_id.clone();
                    view! {
                        <button
                            type="button"
                            role="tab"
                            class="tabs__tab"
                            data-tab=tab.as_str()
                            id=format!("tab-{}", tab.as_str())
                            aria-selected=move || selected().to_string()
                            aria-controls="bell-tabpanel"
                            aria-describedby=count_id.clone()
                            tabindex=move || if selected() { "0" } else { "-1" }
                            on:click=move |_| select(tab, false)
                        >
                            {super::label(bell, message(tab))}
                            <span class="tabs__count" class:tabs__count--zero=move || count() == 0 aria-hidden="true">
                                {move || super::bell::badge_text(count())}
                            </span>
                            <span class="visually-hidden" id=hidden_id>
                                {move || catalog(bell.lang.get()).count("tab-unread", "count", count())}
                            </span>
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}
