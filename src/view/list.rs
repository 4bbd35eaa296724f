//! The tab panel: its states (loading, empty, error, offline), the Today /
//! Older sections of the current view, and infinite scroll.
//!
//! Rows are keyed by notification id: a render moves, adds and removes
//! `<li>`s and rewrites only the text whose inputs changed (read state,
//! language, clock), so a 1,000-item list updates in a pass over an array.

use std::cell::{Cell, RefCell};

use bell_protocol::{Actor, Category};
use reactive_graph::prelude::*;
use rustc_hash::FxHashMap;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Node};

use super::approval::{self, ApprovalView};
use super::dom::{self, Teardown};
use super::refs::{RowParts, Shell};
use crate::feed::Row;
use crate::i18n::Lang;
use crate::intl::{age, catalog, full_time, relative};
use crate::state::{Bell, Status};

/// One row's markup; `build` fills it in. The "Mark as read" button and
/// the unread dot (a pseudo-element) show while unread (`.item--unread`).
const SYSTEM_AVATAR: &str = r#"<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>"#;

/// One icon per category, so a glance tells what kind of news it is.
fn icon(c: Category) -> &'static str {
    match c {
        Category::Reminder => "M12 6v6l4 2M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20",
        Category::Mention => "M16 12a4 4 0 1 1-8 0 4 4 0 0 1 8 0v1.5a2.5 2.5 0 0 0 5 0V12a9 9 0 1 0-3.5 7.1",
        Category::Assignment => {
            "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8M19 8v6M22 11h-6"
        }
        Category::Update => "M21 12a9 9 0 0 1-15 6.7L3 16M3 12a9 9 0 0 1 15-6.7L21 8M21 3v5h-5M3 21v-5h5",
        Category::DownloadUpload => "M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3",
        Category::Resolved => "M22 11.1V12a10 10 0 1 1-5.9-9.1M22 4 12 14l-3-3",
        Category::Contact => "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20M4.9 4.9l14.2 14.2",
        Category::Deal => "M12 2v20M17 5H9.5a3.5 3.5 0 0 0 0 7h5a3.5 3.5 0 0 1 0 7H6",
        Category::Expense => "M2 7h20v12H2zM16 13h2M2 11h20",
    }
}

/// "Budi Santoso" → "BS"; the system actor gets the bell. Upper-cased by
/// the browser: Rust's Unicode case tables would add 15 KB to the download.
fn initials(actor: &Actor) -> Option<String> {
    match actor {
        Actor::User { name, .. } => {
            let first: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect();
            Some(js_sys::JsString::from(first).to_upper_case().into())
        }
        Actor::System {} => None,
    }
}

/// Same-origin links open in this tab; others in a new one. A relative link
/// resolves to `origin` itself, so the page's origin is all it needs.
fn opens_here(link: &str, origin: &str) -> bool {
    web_sys::Url::new_with_base(link, origin).map_or(true, |url| url.origin() == origin)
}

/// A row on screen and what its text was made from.
struct RowView {
    li: Element,
    body: Element,
    link: Element,
    time: Element,
    mark: Element,
    read: bool,
    lang: Option<Lang>,
    age: (&'static str, u64),
    /// Approve / Reject and the outcome, for an actionable request.
    approval: Option<ApprovalView>,
    /// The render that last listed it: rows no render lists any more go.
    render: u64,
}

impl RowView {
    /// A row's nodes, with everything that never changes filled in.
    fn build(template: &Element, row: &Row, origin: &str) -> RowView {
        let li: Element = template.clone_node_with_deep(true).expect_throw("row").unchecked_into();
        let RowParts { avatar, category_icon, body, link, time, mark } = RowParts::of(&li);
        let n = &row.n;
        dom::set_attr(&li, "data-id", &n.id);
        match initials(&n.actor) {
            Some(initials) => dom::set_text(&avatar, &initials),
            None => {
                let _ = avatar.class_list().add_1("item__avatar--system");
                avatar.set_inner_html(SYSTEM_AVATAR);
            }
        }
        dom::set_attr(&category_icon, "d", icon(n.category));
        match &n.link {
            Some(href) => {
                dom::set_attr(&link, "href", href);
                if !opens_here(href, origin) {
                    dom::set_attr(&link, "target", "_blank");
                    dom::set_attr(&link, "rel", "noopener noreferrer");
                }
            }
            None => {
                dom::set_attr(&link, "role", "link");
                dom::set_attr(&link, "tabindex", "0");
            }
        }
        dom::set_attr(&time, "datetime", &n.created_at);
        RowView { li, body, link, time, mark, read: true, lang: None, age: ("", 0), approval: None, render: 0 }
    }

    /// Brings the row's state and text up to date (`approval_template`: the
    /// part an actionable request adds).
    fn update(&mut self, row: &Row, lang: Lang, now: f64, mark_label: &str, approval_template: &Element) {
        if let Some(a) = &row.approval {
            let body = &self.body;
            let view = self.approval.get_or_insert_with(|| ApprovalView::build(approval_template, body, lang));
            view.update(a, row.deciding, lang, now);
        }
        if self.read != row.read {
            let _ = self.li.class_list().toggle_with_force("item--unread", !row.read);
            self.read = row.read;
        }
        if self.lang != Some(lang) {
            let n = &row.n;
            // Text, never markup: producer arguments cannot inject HTML.
            dom::set_text(&self.link, &catalog(lang).notification(&n.kind, &n.args, &n.actor));
            dom::set_attr(&self.time, "title", &full_time(lang, row.at));
            dom::set_attr(&self.mark, "aria-label", mark_label);
            dom::set_attr(&self.mark, "title", mark_label);
        }
        let age = age(row.at, now);
        if self.lang != Some(lang) || self.age != age {
            dom::set_text(&self.time, &relative(lang, age));
            self.lang = Some(lang);
            self.age = age;
        }
    }
}

/// Puts `nodes` in this order as the children of `parent`, moving only what
/// is out of place, and removes every other child.
fn place(parent: &Element, nodes: &[&Element]) {
    let mut cursor: Option<Node> = parent.first_child();
    for &node in nodes {
        let node: &Node = node;
        if cursor.as_ref() == Some(node) {
            cursor = node.next_sibling();
        } else {
            let _ = parent.insert_before(node, cursor.as_ref());
        }
    }
    while let Some(stale) = cursor {
        cursor = stale.next_sibling();
        let _ = parent.remove_child(&stale);
    }
}

pub fn mount(bell: Bell, shell: &Shell, teardown: &mut Teardown) {
    let panel = shell.list.clone();
    let (offline, error, loading, empty, more) =
        (shell.offline.clone(), shell.error.clone(), shell.loading.clone(), shell.empty.clone(), shell.more.clone());
    {
        let panel = panel.clone();
        dom::bind(move || {
            let status = bell.status.get();
            let no_rows = bell.rows.with(Vec::is_empty);
            dom::flag(&offline, "hidden", status != Status::Offline);
            dom::flag(&error, "hidden", status != Status::Error);
            dom::flag(&loading, "hidden", status != Status::Loading);
            dom::flag(&empty, "hidden", !(status == Status::Idle && no_rows));
            dom::flag(&more, "hidden", status != Status::LoadingMore);
            let busy = matches!(status, Status::Loading | Status::LoadingMore);
            dom::set_attr(&panel, "aria-busy", if busy { "true" } else { "false" });
        });
    }

    let sections = [shell.today.clone(), shell.older.clone()];
    let lists = [shell.today_items.clone(), shell.older_items.clone()];
    // The page's origin, read once: it never changes under a page.
    let origin = dom::window().location().origin().unwrap_or_default();
    // The row's markup: the `<li>` of `<template data-ref="row">`.
    let first_of = |template: &Element| {
        template
            .unchecked_ref::<web_sys::HtmlTemplateElement>()
            .content()
            .first_element_child()
            .expect_throw("an element in the template")
    };
    let template = first_of(&shell.row);
    let approval_template = first_of(&shell.approval);
    let views = RefCell::new(FxHashMap::<String, RowView>::default());
    let renders = Cell::new(0u64);
    dom::bind(move || {
        let mut views = views.borrow_mut();
        let render = renders.get() + 1;
        renders.set(render);
        let (lang, now, today) = (bell.lang.get(), bell.now.get(), bell.today.get());
        let mark_label = catalog(lang).text("mark-read");
        bell.rows.with(|rows| {
            for r in rows {
                if !views.contains_key(&r.n.id) {
                    views.insert(r.n.id.clone(), RowView::build(&template, r, &origin));
                }
                if let Some(view) = views.get_mut(&r.n.id) {
                    view.update(r, lang, now, &mark_label, &approval_template);
                    view.render = render;
                }
            }
            for (i, today_not_older) in [true, false].into_iter().enumerate() {
                let nodes: Vec<&Element> =
                    rows.iter().filter(|r| (r.day == today) == today_not_older).map(|r| &views[&r.n.id].li).collect();
                dom::flag(&sections[i], "hidden", nodes.is_empty());
                place(&lists[i], &nodes);
            }
            if views.len() > rows.len() {
                views.retain(|_, view| view.render == render);
            }
        });
    });

    // A click on a row's text opens its link (the browser follows `href`)
    // and marks it read; its button only marks it read.
    teardown.on(&panel, "click", move |ev| {
        let Some(act) = dom::closest(&ev, "[data-act]") else { return };
        let id = act.closest("[data-id]").ok().flatten().and_then(|li| li.get_attribute("data-id"));
        match (act.get_attribute("data-act").as_deref(), id) {
            (Some("retry"), _) => bell.load_first_page(),
            (Some("open" | "mark"), Some(id)) => bell.mark_read(&id, true),
            (Some(other), Some(id)) => approval::on_click(bell, other, &act, &id),
            _ => {}
        }
    });
    teardown.on(&panel, "keydown", move |ev| {
        match ev.unchecked_ref::<web_sys::KeyboardEvent>().key().as_str() {
            // A row without a link is a focusable `role=link`: Enter marks it read.
            "Enter" => {
                if let Some(link) = dom::closest(&ev, ".item__link:not([href])") {
                    link.unchecked_ref::<web_sys::HtmlElement>().click();
                }
            }
            // Escape in the note of a rejection closes the note, not the panel.
            "Escape" => {
                if let Some(form) = dom::closest(&ev, ".approval__form") {
                    ev.stop_propagation();
                    approval::cancel(&form);
                }
            }
            _ => {}
        }
    });

    // Load the next page when the end of the list scrolls into view.
    let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        let visible =
            entries.iter().any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
        if visible {
            bell.load_more();
        }
    });
    let options = web_sys::IntersectionObserverInit::new();
    options.set_root(Some(&panel));
    options.set_root_margin("200px");
    if let Ok(observer) = web_sys::IntersectionObserver::new_with_options(callback.as_ref().unchecked_ref(), &options) {
        observer.observe(&shell.list_end);
        teardown.defer(move || {
            observer.disconnect();
            drop(callback);
        });
    }
}
