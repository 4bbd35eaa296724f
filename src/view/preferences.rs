//! The settings view inside the panel (API.md §7): a switch per category
//! and channel, and quiet hours. Its rows are generated from the kinds
//! table by build.rs (`<!--preferences-->` in shell.html): each switch's
//! `name` is its key and `value` its channel, and it is named
//! "<Category> — <Channel>" by `aria-labelledby`. Here the view is
//! shown, filled from the preferences document whenever it changes (an
//! answer, another tab's change on the stream, a refusal showing the last
//! known state again), and each change is sent at once.

use js_sys::Array;
use reactive_graph::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlInputElement};

use super::dom::{self, Teardown};
use super::refs::Shell;
use crate::state::Bell;
use crate::wire;

/// Calls `f` with each `input` under `root` that `selector` picks.
fn each(root: &Element, selector: &str, f: &mut dyn FnMut(HtmlInputElement)) {
    if let Ok(nodes) = root.query_selector_all(selector) {
        for i in 0..nodes.length() {
            if let Some(node) = nodes.item(i) {
                f(node.unchecked_into());
            }
        }
    }
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

fn input(el: &Element) -> HtmlInputElement {
    el.clone().unchecked_into()
}

pub fn mount(bell: Bell, shell: &Shell, teardown: &mut Teardown) {
    let (panel, root, open, back) =
        (shell.panel.clone(), shell.prefs.clone(), shell.settings.clone(), shell.prefs_back.clone());
    let (quiet_on, quiet, start, end, zone) = (
        input(&shell.quiet_on),
        shell.quiet.clone(),
        input(&shell.quiet_start),
        input(&shell.quiet_end),
        shell.quiet_zone.clone(),
    );
    let error = shell.prefs_error.clone();

    {
        let (root, quiet_on, start, end, zone) =
            (root.clone(), quiet_on.clone(), start.clone(), end.clone(), zone.clone());
        dom::bind(move || {
            let Some(doc) = bell.prefs.get().as_deref().and_then(wire::parse) else { return };
            each(&root, "[role=switch][name]", &mut |s| {
                s.set_checked(wire::switch(&doc, &attr(&s, "name"), &s.value()))
            });
            let hours = wire::get(&doc, "quiet_hours");
            let on = hours.is_object();
            quiet_on.set_checked(on);
            dom::flag(&quiet, "disabled", !on);
            // Off, the window keeps what it showed (or the markup's
            // defaults): turning it on again starts from there.
            if on {
                start.set_value(&wire::string(&hours, "start").unwrap_or_default());
                end.set_value(&wire::string(&hours, "end").unwrap_or_default());
                let days: Array = wire::get(&hours, "days").unchecked_into();
                each(&quiet, "[name=day]", &mut |d| d.set_checked(days.includes(&d.value().into(), 0)));
            }
            let time_zone = wire::string(&hours, "time_zone").unwrap_or_else(crate::intl::time_zone);
            dom::set_text(&zone, &time_zone);
        });
    }

    // The view shown: `data-prefs` on the panel swaps the list for the settings.
    {
        let (back, panel) = (back.clone(), panel.clone());
        teardown.on(&open, "click", move |_| {
            dom::flag(&panel, "data-prefs", true);
            bell.sync_prefs(None, None);
            dom::focus(&back);
        });
    }
    teardown.on(&back, "click", move |_| {
        dom::flag(&panel, "data-prefs", false);
        dom::focus(&open);
    });
    let form = root.clone();
    teardown.on(&root, "change", move |e| {
        let Some(changed) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else { return };
        let key = attr(&changed, "name");
        let body = match key.as_str() {
            "day" | "" => {
                let window = if quiet_on.checked() {
                    let days = Array::new();
                    each(&form, "[name=day]:checked", &mut |d| {
                        days.push(&d.value().into());
                    });
                    wire::value(&[
                        ("start", start.value().into()),
                        ("end", end.value().into()),
                        ("days", days.into()),
                        ("time_zone", zone.text_content().into()),
                    ])
                } else {
                    JsValue::NULL
                };
                wire::value(&[("quiet_hours", window)])
            }
            _ => {
                let switch = wire::value(&[(&changed.value(), changed.checked().into())]);
                wire::value(&[("channels", wire::value(&[(&key, switch)]))])
            }
        };
        dom::flag(&error, "hidden", true);
        bell.sync_prefs(Some(wire::text(&body)), Some(error.clone()));
    });
}
