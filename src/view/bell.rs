//! The bell button with its badge, and the panel it discloses: opens on
//! click (and Enter / Space, being a button), closes on Escape, an outside
//! click, a second click or its close button (a phone's sheet), moving
//! focus in and back.
//!
//! The open panel is placed by `place` next to the bell and wholly inside
//! the viewport, and again on every scroll and resize while open; where the
//! host would clip or cover it, it moves into the browser's top layer
//! (`lift`).

use reactive_graph::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use std::cell::Cell;
use std::rc::Rc;

use bell_protocol::Tab;

use super::dom::{self, Teardown};
use super::refs::Shell;
use crate::intl::catalog;
use crate::state::Bell;

/// `99+` above 99.
pub fn badge_text(n: u64) -> String {
    if n > 99 { "99+".into() } else { n.to_string() }
}

pub fn mount(bell: Bell, host: &HtmlElement, root: &Element, shell: &Shell, teardown: &mut Teardown) {
    let (button, badge, mark_all) = (shell.bell_button.clone(), shell.badge.clone(), shell.mark_all.clone());
    let panel = shell.panel.clone();

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
    let panel: HtmlElement = panel.unchecked_into();
    let placement = Rc::new(Placement::default());
    {
        let (button, panel, placement) = (button.clone(), panel.clone(), placement.clone());
        dom::bind(move || {
            let open = bell.open.get();
            dom::set_attr(&button, "aria-expanded", if open { "true" } else { "false" });
            show(&button, &panel, open, &placement);
        });
    }
    // Follow the bell while open: scrolling anything, resizing, zooming.
    for (event, capture) in [("scroll", true), ("resize", false)] {
        let (button, panel, placement) = (button.clone(), panel.clone(), placement.clone());
        let f = move |_| {
            if bell.open.get_untracked() {
                place(&button, &panel, placement.wanted.get());
            }
        };
        if capture { teardown.on_capture(&dom::window(), event, f) } else { teardown.on(&dom::window(), event, f) }
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
        let (panel, bell_button) = (panel.clone(), button.clone());
        let tabs = [Tab::General, Tab::Inbox, Tab::Approval].map(|t| shell.tab(t)[0].clone());
        teardown.on(&button, "click", move |_| {
            let opening = !bell.open.get_untracked();
            bell.open.set(opening);
            if !opening {
                return;
            }
            dom::flag(&panel, "data-prefs", false);
            // Shown, placed and focused now, not after the effects have run.
            // (A `RenderEffect` would not do: in reactive_graph 0.2 only its
            // first run is synchronous; updates wait like an `Effect`'s.)
            show(&bell_button, &panel, true, &placement);
            let selected = Tab::ALL.iter().position(|t| *t == bell.tab.get_untracked()).unwrap_or(0);
            dom::focus(&tabs[selected]);
            // What was listed shows at once; only news is fetched.
            bell.refresh();
        });
    }
    {
        let close = close.clone();
        teardown.on(&shell.close, "click", move |_| close(true));
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

/// What placing keeps between openings and scroll events.
#[derive(Default)]
struct Placement {
    /// The height the panel asks for, read at each opening (a host may theme
    /// it), not at every scroll event.
    wanted: Cell<f64>,
    /// Whether an opening has looked at what the host does to the panel.
    sighted: Cell<bool>,
}

/// Opens (placed) or closes the panel; nothing when it already is so.
fn show(button: &Element, panel: &HtmlElement, open: bool, placement: &Placement) {
    if open != panel.has_attribute("hidden") {
        return;
    }
    dom::flag(panel, "hidden", !open);
    if open {
        placement.wanted.set(wanted_height(panel));
        place(button, panel, placement.wanted.get());
        // Looked at once, at the first opening: hit tests cost as much as
        // the opening itself.
        if !placement.sighted.replace(true) && !lifted(panel) && !in_sight(panel) {
            lift(panel);
            place(button, panel, placement.wanted.get());
        }
    }
}

/// The height the panel asks for (`--bell-panel-height`; 560 px unthemed).
fn wanted_height(panel: &HtmlElement) -> f64 {
    dom::window()
        .get_computed_style(panel)
        .ok()
        .flatten()
        .map(|s| js_sys::parse_float(&s.get_property_value("--bell-panel-height").unwrap_or_default()))
        .filter(|h| h.is_finite() && *h > 0.0)
        .unwrap_or(560.0)
}

/// Whether the panel is in the browser's top layer.
fn lifted(panel: &HtmlElement) -> bool {
    panel.matches(":popover-open").unwrap_or(false)
}

/// Puts the panel into the browser's top layer, where no container of the
/// host clips, covers or moves it (`overflow`, `transform`, `contain`, a low
/// `z-index`). It stays there, closed as before (`hidden`: invisible, its
/// layout kept): moving a long list in and out of the top layer lays it all
/// out again. Only panels the host would hide go there, since even a closed
/// one in the top layer makes every opening lay it out anew (3 ms with 1,000
/// rows). (Without the Popover API it stays where it is.)
fn lift(panel: &HtmlElement) {
    let _ = panel.show_popover();
}

/// Whether the placed panel is what the page shows at its corners and
/// centre: nothing of the host clips it, covers it or moved it elsewhere.
fn in_sight(panel: &HtmlElement) -> bool {
    let Some(root) = panel.get_root_node().dyn_into::<web_sys::ShadowRoot>().ok() else { return true };
    let r = panel.get_bounding_client_rect();
    // (Inside its rounded corners.)
    let (l, t, w, h) = (r.left() + 16.0, r.top() + 16.0, r.width() - 32.0, r.height() - 32.0);
    [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.5, 0.5)].iter().all(|(x, y)| {
        root.element_from_point((l + x * w) as f32, (t + y * h) as f32)
            .is_some_and(|hit| panel.contains(Some(hit.unchecked_ref())))
    })
}

/// Away from the viewport's edges, and from the bell.
const MARGIN: f64 = 8.0;
/// The least height worth opening into when neither side has the room.
const MIN_HEIGHT: f64 = 240.0;

/// Puts the open panel below the bell, or above it when there is more room
/// there, aligned with the bell's right edge (its left edge when that does
/// not fit), shifted to lie wholly inside the viewport and no taller than the
/// room it has (its list scrolls inside). A phone's sheet is placed by CSS.
/// Writes only what changed, so reopening in the same place relays nothing.
fn place(button: &Element, panel: &HtmlElement, wanted: f64) {
    let style = panel.style();
    let Some(root) = dom::document().document_element() else { return };
    let (vw, vh) = (f64::from(root.client_width()), f64::from(root.client_height()));
    if vw < 480.0 {
        for property in ["top", "left", "height"] {
            let _ = style.remove_property(property);
        }
        return;
    }
    let bell = button.get_bounding_client_rect();
    let width = f64::from(panel.offset_width());
    let wanted = wanted.min(vh - 2.0 * MARGIN);
    let below = vh - bell.bottom() - 2.0 * MARGIN;
    let above = bell.top() - 2.0 * MARGIN;
    let under = wanted <= below || below >= above;
    let room = if under { below } else { above };
    let height = wanted.min(room.max(MIN_HEIGHT)).min(vh - 2.0 * MARGIN);
    let top = if under { bell.bottom() + MARGIN } else { bell.top() - MARGIN - height };
    let top = top.min(vh - MARGIN - height).max(MARGIN);
    let mut left = bell.right() - width;
    if left < MARGIN {
        left = bell.left();
    }
    let left = left.min(vw - MARGIN - width).max(MARGIN);
    for (property, value) in [("top", top), ("left", left), ("height", height)] {
        // Whole pixels: Rust's float formatting would cost the download kilobytes.
        let value = format!("{}px", value.round() as i32);
        if style.get_property_value(property).ok().as_deref() != Some(value.as_str()) {
            let _ = style.set_property(property, &value);
        }
    }
}
