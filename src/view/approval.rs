//! The Approve / Reject part of an actionable approval request's row
//! (API.md §6): the buttons while it is pending, an optional note before a
//! rejection, and who decided and when once it is settled.
//!
//! Built only for actionable rows, from `<template data-ref="approval">`,
//! so the rows of a long list pay nothing for it.

use bell_protocol::{ApprovalState, Decision};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::Element;

use super::dom;
use super::refs::ApprovalParts;
use crate::feed::{Approval, Deciding};
use crate::i18n::Lang;
use crate::intl::{age, catalog, parse_time, relative};
use crate::state::Bell;

/// What the part was last drawn from: drawn again only when one changes.
/// (The state stands for the whole approval: who decided, when and the
/// note come with the one change a first-wins approval makes.)
type Drawn = (ApprovalState, Option<Deciding>, Lang, (&'static str, u64));

pub struct ApprovalView {
    parts: ApprovalParts,
    drawn: Option<Drawn>,
}

impl ApprovalView {
    /// A copy of the template in `lang`, put at the end of the row's `body`
    /// (a language switch re-translates it with the rest of the panel).
    pub fn build(template: &Element, body: &Element, lang: Lang) -> ApprovalView {
        let root: Element = template.clone_node_with_deep(true).expect_throw("approval").unchecked_into();
        super::localize(&root, lang);
        let _ = body.append_child(&root);
        ApprovalView { parts: ApprovalParts::of(&root), drawn: None }
    }

    pub fn update(&mut self, approval: &Approval, deciding: Option<Deciding>, lang: Lang, now: f64) {
        let decided_at = approval.at.as_deref().map(parse_time);
        let age = decided_at.map_or(("", 0), |at| age(at, now));
        if let Some((s, d, l, g)) = &self.drawn
            && *s == approval.state
            && *d == deciding
            && *l == lang
            && *g == age
        {
            return;
        }
        let p = &self.parts;
        let c = catalog(lang);
        match (&approval.state, &approval.by) {
            (ApprovalState::Pending, _) | (_, None) => {
                let busy = matches!(deciding, Some(Deciding::Sending | Deciding::Waiting));
                // A disabled button loses the focus: the part keeps it meanwhile.
                if busy && focus_within(&p.root) {
                    dom::focus(&p.root);
                }
                // Every button waits while the decision is on its way.
                dom::flag(&p.controls, "disabled", busy);
                let status = match deciding {
                    Some(Deciding::Waiting) => c.text("approval-waiting"),
                    Some(Deciding::Failed) => c.text("approval-failed"),
                    _ => String::new(),
                };
                dom::set_text(&p.outcome, &status);
            }
            (state, Some(by)) => {
                // The buttons go: if one of them had the focus, the outcome takes it.
                let had_focus = focus_within(&p.root);
                dom::flag(&p.controls, "hidden", true);
                let when = relative(lang, age);
                let mut text = c.with("approval-decided", &[("state", state.as_str()), ("name", by), ("when", &when)]);
                if let Some(note) = &approval.note {
                    text.push('\n');
                    text.push_str(note);
                }
                // Text, never markup: the name and the note are someone's input.
                dom::set_text(&p.outcome, &text);
                if had_focus {
                    dom::focus(&p.outcome);
                }
            }
        }
        self.drawn = Some((approval.state, deciding, lang, age));
    }
}

fn focus_within(el: &Element) -> bool {
    el.matches(":focus-within").unwrap_or(false)
}

/// Handles a click on one of the part's buttons (`act`) in the row of
/// notification `id`.
pub fn on_click(bell: Bell, act: &str, button: &Element, id: &str) {
    let Some(root) = button.closest(".approval").ok().flatten() else { return };
    let parts = ApprovalParts::of(&root);
    match act {
        "approve" => bell.decide(id, Decision::Approve, None),
        "reject" => {
            dom::flag(&parts.actions, "hidden", true);
            dom::flag(&parts.form, "hidden", false);
            dom::focus(&parts.note);
        }
        "confirm-reject" => {
            // (`value` through Reflect: one web-sys binding less.)
            let note =
                js_sys::Reflect::get(&parts.note, &"value".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
            let note = (!note.trim().is_empty()).then_some(note);
            bell.decide(id, Decision::Reject, note);
        }
        "cancel-reject" => cancel(&root),
        _ => {}
    }
}

/// Closes the note form (`inside`: an element of the part) and gives the
/// focus back to Reject.
pub fn cancel(inside: &Element) {
    let Some(root) = inside.closest(".approval").ok().flatten() else { return };
    let parts = ApprovalParts::of(&root);
    dom::flag(&parts.form, "hidden", true);
    dom::flag(&parts.actions, "hidden", false);
    dom::focus(&parts.reject);
}
