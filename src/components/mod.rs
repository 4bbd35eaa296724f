//! The widget's view, one component per file.

mod bell;
mod filters;
mod icons;
mod item;
mod list;
mod popup_settings;
mod tabs;

pub use bell::BellRoot;

/// Focuses the first element under `root` matching `selector`.
fn focus_first(root: &web_sys::Element, selector: &str) {
    use wasm_bindgen::JsCast;
    if let Ok(Some(el)) = root.query_selector(selector) {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}
