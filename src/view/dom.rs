//! The few DOM operations the view is made of, each compiled once.
//!
//! The widget renders through these and Leptos's reactive graph rather than
//! through Leptos's typed view tree: that renderer is compiled anew for every
//! view and closure type and was most of the download (docs/BENCHMARKS.md).

use reactive_graph::effect::Effect;
use reactive_graph::owner::{StoredValue, on_cleanup};
use reactive_graph::traits::UpdateValue;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Event, EventTarget, HtmlElement};

pub fn window() -> web_sys::Window {
    web_sys::window().expect_throw("a window")
}

pub fn document() -> web_sys::Document {
    window().document().expect_throw("a document")
}

pub fn create(tag: &str) -> Element {
    document().create_element(tag).expect_throw(tag)
}

/// The element at `path` under `root`: at each step, the child element of
/// that index (the paths build.rs computed from the markup).
pub fn at(root: &Element, path: &[usize]) -> Element {
    let mut el = root.clone();
    for &index in path {
        let mut child = el.first_element_child();
        for _ in 0..index {
            child = child.and_then(|c| c.next_element_sibling());
        }
        el = child.expect_throw("markup as built");
    }
    el
}

pub fn set_attr(el: &Element, name: &str, value: &str) {
    let _ = el.set_attribute(name, value);
}

/// Adds or removes a boolean attribute (`hidden`, `disabled`).
pub fn flag(el: &Element, name: &str, on: bool) {
    let _ = el.toggle_attribute_with_force(name, on);
}

pub fn set_text(el: &Element, text: &str) {
    el.set_text_content(Some(text));
}

/// Moves keyboard focus to `el`.
pub fn focus(el: &Element) {
    let _ = el.unchecked_ref::<HtmlElement>().focus();
}

/// The element an event started on, or the nearest ancestor matching `selector`.
pub fn closest(ev: &Event, selector: &str) -> Option<Element> {
    ev.target()?.dyn_into::<Element>().ok()?.closest(selector).ok().flatten()
}

/// Runs `f` now and again whenever a signal it read changes, for as long as
/// the current reactive owner lives. One `Effect` type serves every binding.
pub fn bind(f: impl Fn() + 'static) {
    let f: Box<dyn Fn()> = Box::new(f);
    Effect::new(move |_| f());
}

/// A listener: where, on which event, whether in the capture phase, and the
/// closure the browser calls.
type Listener = (EventTarget, &'static str, bool, Closure<dyn FnMut(Event)>);

/// What a mounted view attached to the page: event listeners, and anything
/// else to undo. Dropping it removes them all.
#[derive(Default)]
pub struct Teardown {
    listeners: Vec<Listener>,
    deferred: Vec<Box<dyn FnOnce()>>,
}

impl Teardown {
    /// Listens to `event` on `target` until the teardown.
    pub fn on(&mut self, target: &EventTarget, event: &'static str, f: impl FnMut(Event) + 'static) {
        self.listen(target, event, false, Box::new(f));
    }

    /// Listens in the capture phase: `scroll` of any scrolling element reaches
    /// the window only this way.
    pub fn on_capture(&mut self, target: &EventTarget, event: &'static str, f: impl FnMut(Event) + 'static) {
        self.listen(target, event, true, Box::new(f));
    }

    fn listen(&mut self, target: &EventTarget, event: &'static str, capture: bool, f: Box<dyn FnMut(Event)>) {
        let closure = Closure::wrap(f);
        let _ = target.add_event_listener_with_callback_and_bool(event, closure.as_ref().unchecked_ref(), capture);
        self.listeners.push((target.clone(), event, capture, closure));
    }

    /// Runs `f` at the teardown.
    pub fn defer(&mut self, f: impl FnOnce() + 'static) {
        self.deferred.push(Box::new(f));
    }

    /// Runs `f` every `ms` milliseconds until the teardown.
    pub fn every(&mut self, ms: i32, f: impl Fn() + 'static) {
        let f: Box<dyn Fn()> = Box::new(f);
        let closure = Closure::wrap(f);
        let id = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(closure.as_ref().unchecked_ref(), ms)
            .unwrap_or_default();
        self.defer(move || {
            window().clear_interval_with_handle(id);
            drop(closure);
        });
    }
}

/// Keeps `teardown` until the current reactive owner is cleaned up (an
/// effect re-running, or the unmount), then drops it.
pub fn keep(teardown: Teardown) {
    let slot = StoredValue::new_local(Some(teardown));
    on_cleanup(move || {
        let _ = slot.try_update_value(Option::take);
    });
}

/// A pending `setTimeout`: cleared, and its closure freed, when dropped
/// (a closure handed to JS for good would wait for the garbage collector).
pub struct Timeout {
    id: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Calls `f` once after `ms` milliseconds, unless dropped first.
    pub fn new(ms: f64, f: impl FnOnce() + 'static) -> Timeout {
        let callback = Closure::once(f);
        Timeout { id: set_timeout(callback.as_ref().unchecked_ref(), ms), _callback: callback }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        window().clear_timeout_with_handle(self.id);
    }
}

/// Calls `f` once after `ms` milliseconds, whatever happens meanwhile.
pub fn after(ms: f64, f: impl FnOnce() + 'static) {
    set_timeout(Closure::once_into_js(f).unchecked_ref(), ms);
}

fn set_timeout(f: &js_sys::Function, ms: f64) -> i32 {
    window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(f, ms.min(i32::MAX as f64) as i32)
        .unwrap_or_default()
}

impl Drop for Teardown {
    fn drop(&mut self) {
        for (target, event, capture, closure) in self.listeners.drain(..) {
            let _ =
                target.remove_event_listener_with_callback_and_bool(event, closure.as_ref().unchecked_ref(), capture);
        }
        for f in self.deferred.drain(..) {
            f();
        }
    }
}
