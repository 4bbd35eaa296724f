//! General / Inbox / Approval, following the WAI-ARIA tabs pattern: arrow
//! keys, Home and End move focus and select (roving tabindex); each tab
//! shows its unread count.

use bell_protocol::Tab;
use reactive_graph::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::bell::badge_text;
use super::dom::{self, Teardown};
use super::refs::Shell;
use crate::intl::catalog;
use crate::state::Bell;

fn select(bell: Bell, buttons: &[Element; 3], tab: Tab, focus: bool) {
    if bell.tab.get_untracked() != tab {
        bell.tab.set(tab);
        bell.category.set(None);
        bell.load_first_page();
    }
    if focus {
        dom::focus(&buttons[Tab::ALL.iter().position(|t| *t == tab).unwrap_or(0)]);
    }
}

pub fn mount(bell: Bell, shell: &Shell, teardown: &mut Teardown) {
    let (list, panel) = (shell.tabs.clone(), shell.list.clone());
    let buttons = Tab::ALL.map(|t| shell.tab(t)[0].clone());
    for tab in Tab::ALL {
        let [button, count, described] = shell.tab(tab).map(Clone::clone);
        // Selection on its own: a `tabindex` write costs Chromium a style
        // and layout pass, so it happens only when the tab changes.
        dom::bind(move || {
            let selected = bell.tab.get() == tab;
            dom::set_attr(&button, "aria-selected", if selected { "true" } else { "false" });
            dom::set_attr(&button, "tabindex", if selected { "0" } else { "-1" });
        });
        dom::bind(move || {
            let n = bell.tab_unread(tab);
            dom::set_text(&count, &badge_text(n));
            let _ = count.class_list().toggle_with_force("tabs__count--zero", n == 0);
            dom::set_text(&described, &catalog(bell.lang.get()).count("tab-unread", "count", n));
        });
    }
    dom::bind(move || dom::set_attr(&panel, "aria-labelledby", &format!("tab-{}", bell.tab.get().as_str())));

    {
        let buttons = buttons.clone();
        teardown.on(&list, "click", move |ev| {
            let tab = dom::closest(&ev, "[data-tab]").and_then(|b| b.get_attribute("data-tab"));
            if let Some(tab) = tab.as_deref().and_then(Tab::parse) {
                select(bell, &buttons, tab, false);
            }
        });
    }
    teardown.on(&list, "keydown", move |ev| {
        let tabs = Tab::ALL;
        let at = tabs.iter().position(|t| *t == bell.tab.get_untracked()).unwrap_or(0);
        let next = match ev.unchecked_ref::<web_sys::KeyboardEvent>().key().as_str() {
            "ArrowRight" => tabs[(at + 1) % tabs.len()],
            "ArrowLeft" => tabs[(at + tabs.len() - 1) % tabs.len()],
            "Home" => tabs[0],
            "End" => tabs[tabs.len() - 1],
            _ => return,
        };
        ev.prevent_default();
        select(bell, &buttons, next, true);
    });
}
