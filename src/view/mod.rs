//! The widget's view: `shell.html` is its markup, and each part below binds
//! one region of it to the state (`crate::state`) and handles its events.
//!
//! Text comes from the active catalog: in the markup, `data-l10n` names the
//! message that is an element's text and `data-l10n-label` the one that is its
//! `aria-label`; rows format their own text (`list`). Bindings are reactive
//! effects (`dom::bind`) owned by the mount's reactive owner, and listeners
//! live in the returned [`Teardown`]: unmounting drops both.

mod approval;
mod bell;
mod dom;
/// `Shell` and `RowParts`: the markup's `data-ref`s as typed structs (build.rs).
#[allow(dead_code)]
mod refs {
    include!(concat!(env!("OUT_DIR"), "/refs.rs"));

    impl Shell {
        /// A tab's button, its count badge and its spoken count.
        pub fn tab(&self, tab: bell_protocol::Tab) -> [&web_sys::Element; 3] {
            match tab {
                bell_protocol::Tab::General => [&self.tab_general, &self.count_general, &self.described_general],
                bell_protocol::Tab::Inbox => [&self.tab_inbox, &self.count_inbox, &self.described_inbox],
                bell_protocol::Tab::Approval => [&self.tab_approval, &self.count_approval, &self.described_approval],
            }
        }
    }
}
mod filters;
mod list;
mod popup_settings;
mod preferences;
mod tabs;

use reactive_graph::traits::Get;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

pub use dom::{Teardown, Timeout, after, bind, flag, keep, window};

use crate::intl::catalog;
use crate::state::Bell;

/// `shell.html` as build.rs ships it (without `data-ref`s and spacing).
const SHELL: &str = include_str!(concat!(env!("OUT_DIR"), "/shell.html"));

/// Renders the widget into `container` (inside the shadow root of `host`).
pub fn mount(bell: Bell, host: &HtmlElement, container: &Element) -> Teardown {
    container.set_inner_html(SHELL);
    let shell = refs::Shell::find(container);
    let mut teardown = Teardown::default();
    let root = container.clone();
    dom::bind(move || localize(&root, bell.lang.get()));
    bell::mount(bell, host, container, &shell, &mut teardown);
    tabs::mount(bell, &shell, &mut teardown);
    filters::mount(bell, &shell, &mut teardown);
    list::mount(bell, &shell, &mut teardown);
    popup_settings::mount(bell, &shell, &mut teardown);
    preferences::mount(bell, &shell, &mut teardown);
    teardown
}

/// Puts `lang`'s text into every element under `root` that names a message
/// (also into parts added later: a row's approval part, when it is built).
pub(super) fn localize(root: &Element, lang: crate::i18n::Lang) {
    let catalog = catalog(lang);
    for (selector, attribute) in [("data-l10n", None), ("data-l10n-label", Some("aria-label"))] {
        let Ok(nodes) = root.query_selector_all(&format!("[{selector}]")) else { continue };
        for i in 0..nodes.length() {
            let Some(el) = nodes.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
            let text = catalog.text(&el.get_attribute(selector).unwrap_or_default());
            match attribute {
                None => dom::set_text(&el, &text),
                Some(name) => dom::set_attr(&el, name, &text),
            }
        }
    }
}
