//! One notification: category icon, the actor's initials, its text as a
//! link, the relative time (full local time on hover), an unread dot and a
//! "Mark as read" button while unread.

use bell_protocol::Actor;
use leptos::prelude::*;

use super::icons;
use crate::intl::{Browser, catalog, full_time, relative};
use crate::state::{Bell, Row};

/// "Budi Santoso" → "BS"; the system actor gets the bell.
fn initials(actor: &Actor) -> Option<String> {
    match actor {
        Actor::User { name, .. } => Some(
            name.split_whitespace().filter_map(|w| w.chars().next()).take(2).flat_map(char::to_uppercase).collect(),
        ),
        Actor::System => None,
    }
}

/// Same-origin links open in this tab; others in a new one.
fn opens_here(link: &str) -> bool {
    let Some(window) = web_sys::window() else { return true };
    let base = window.location().href().unwrap_or_default();
    match web_sys::Url::new_with_base(link, &base) {
        Ok(url) => Some(url.origin()) == window.location().origin().ok(),
        Err(_) => true,
    }
}

#[component]
pub fn Item(
    /// The widget's state.
    bell: Bell,
    /// The notification shown.
    row: Row,
) -> impl IntoView {
    let n = row.n.clone();
    let read = row.read.clone();
    let unread = {
        let read = read.clone();
        move || !read.get()
    };
    let text = {
        let n = n.clone();
        move || catalog(bell.lang.get()).notification(&n.kind, &n.args, &n.actor, &Browser)
    };
    let at = row.at;
    let when = move || relative(bell.lang.get(), at, bell.now.get());
    let title = move || full_time(bell.lang.get(), at);
    let same_tab = n.link.as_deref().is_none_or(opens_here);
    let on_open = {
        let row = row.clone();
        move |_| bell.mark_read(&row)
    };
    let on_mark = {
        let row = row.clone();
        move |_| bell.mark_read(&row)
    };
    let avatar = match initials(&n.actor) {
        Some(i) => view! { <span class="item__avatar" aria-hidden="true">{i}</span> }.into_any(),
        None => view! { <span class="item__avatar item__avatar--system" aria-hidden="true">{icons::bell()}</span> }
            .into_any(),
    };
    let unread_class = unread.clone();
    let unread_button = unread.clone();
    view! {
        <li class="item" class:item--unread=unread_class data-id=n.id.clone()>
            {avatar}
            <span class="item__category" aria-hidden="true">{icons::category(n.category)}</span>
            <div class="item__body">
                <a
                    class="item__link"
                    href=n.link.clone()
                    role=n.link.is_none().then_some("link")
                    tabindex=n.link.is_none().then_some("0")
                    target=(!same_tab).then_some("_blank")
                    rel=(!same_tab).then_some("noopener noreferrer")
                    on:click=on_open
                >
                    {text}
                </a>
                <time class="item__time" datetime=n.created_at.clone() title=title>{when}</time>
            </div>
            <Show when=unread_button.clone()>
                <span class="item__dot" aria-hidden="true"></span>
                <button
                    type="button"
                    class="item__mark"
                    aria-label=super::label(bell, "mark-read")
                    title=super::label(bell, "mark-read")
                    on:click=on_mark.clone()
                >
                    {icons::check()}
                </button>
            </Show>
        </li>
    }
}
