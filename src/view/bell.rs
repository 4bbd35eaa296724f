//! The bell button with its badge, and the panel it discloses: opens on
//! click (and Enter / Space, being a button), closes on Escape, an outside
//! click or a second click, moving focus in and back.

use reactive_graph::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::dom::{self, Teardown};
use crate::intl::catalog;
use crate::state::Bell;

/// `99+` above 99.
pub fn badge_text(n: u64) -> String {
    if n > 99 { "99+".into() } else { n.to_string() }
}

pub fn mount(bell: Bell, host: &HtmlElement, root: &Element, teardown: &mut Teardown) {
    let button = dom::find(root, ".bell__button");
    let badge = dom::find(root, ".bell__badge");
    let panel = dom::find(root, ".panel");
    let mark_all = dom::find(root, ".panel__mark-all");

    let total = move || bell.counts.with(|c| c.as_ref().map_or(0, |c| c.total()));
    {
        let button = button.clone();
        dom::bind(move || {
            let n = total();
            dom::set_attr(&button, "aria-label", &catalog(bell.lang.get()).count("bell-label", "count", n));
            dom::set_text(&badge, &badge_text(n));
            dom::flag(&badge, "hidden", n == 0);
        });
    }
    {
        let (button, panel) = (button.clone(), panel.clone());
        dom::bind(move || {
            let open = bell.open.get();
            dom::set_attr(&button, "aria-expanded", if open { "true" } else { "false" });
            dom::flag(&panel, "hidden", !open);
        });
    }
    {
        let mark_all = mark_all.clone();
        dom::bind(move || dom::flag(&mark_all, "disabled", bell.scope_unread() == 0));
    }

    let close = {
        let button = button.clone();
        move |refocus: bool| {
            bell.open.set(false);
            if refocus {
                dom::focus(&button);
            }
        }
    };
    {
        let panel = panel.clone();
        teardown.on(&button, "click", move |_| {
            let opening = !bell.open.get_untracked();
            bell.open.set(opening);
            if !opening {
                return;
            }
            // Shown and focused now, not after the effects have run.
            dom::flag(&panel, "hidden", false);
            dom::focus(&dom::find(&panel, "[role='tab'][aria-selected='true']"));
            // What was listed shows at once; only news is fetched.
            bell.refresh();
        });
    }
    teardown.on(&mark_all, "click", move |_| bell.read_all());
    {
        let close = close.clone();
        teardown.on(root, "keydown", move |ev| {
            let key = ev.unchecked_ref::<web_sys::KeyboardEvent>().key();
            if key == "Escape" && bell.open.get_untracked() {
                ev.prevent_default();
                close(true);
            }
        });
    }
    // A click anywhere outside the element closes the panel.
    let host = host.clone();
    teardown.on(&dom::window(), "click", move |ev| {
        if bell.open.get_untracked() && !ev.composed_path().includes(&host, 0) {
            close(false);
        }
    });
}
