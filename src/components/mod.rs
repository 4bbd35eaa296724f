//! The widget's view, one component per file.

mod bell;
mod filters;
mod icons;
mod item;
mod list;
mod popup_settings;
mod tabs;

pub use bell::BellRoot;

use leptos::prelude::Get;

use crate::intl::catalog;
use crate::state::{Bell, Status};

// Leptos compiles its renderer once per closure *type*, and every `move ||`
// is a type of its own. The helpers below give every label, and every
// status condition, one shared type, so dozens of texts cost one copy of
// that code (docs/BENCHMARKS.md, "where the bytes are").

/// A UI string of the active language, as reactive text or attribute.
fn label(bell: Bell, id: &'static str) -> impl Fn() -> String + Copy + 'static {
    move || catalog(bell.lang.get()).text(id, None)
}

/// Whether the list is in `status`.
fn status_is(bell: Bell, status: Status) -> impl Fn() -> bool + Copy + 'static {
    move || bell.status.get() == status
}

/// Focuses the first element under `root` matching `selector`.
fn focus_first(root: &web_sys::Element, selector: &str) {
    use wasm_bindgen::JsCast;
    if let Ok(Some(el)) = root.query_selector(selector) {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}
