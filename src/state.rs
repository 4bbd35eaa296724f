//! The widget's state as signals, and the actions that change it (load,
//! page, mark read, read all). Components read these; only actions write.

use bell_protocol::{Category, Decision, Tab};
use reactive_graph::owner::{LocalStorage, StoredValue};
use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;
use reactive_graph::spawn_local;
use reactive_graph::wrappers::read::Signal;

use crate::api::{Api, ApiError, View};
use crate::counts::Counts;
use crate::feed::{self, Approval, Deciding, Notification, Row, id_order};
use crate::i18n::Lang;
use crate::order::{Answer, Order, PageAsked};

/// What the list area shows besides items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Idle,
    Loading,
    LoadingMore,
    Error,
    Offline,
    AuthExpired,
}

/// How often a decision that met an offline browser is sent again.
const RETRY_DECISION_MS: f64 = 2_000.0;

/// A row for `n`, with its time and local day read by the browser.
fn row(n: Notification) -> Row {
    let at = crate::intl::parse_time(&n.created_at);
    Row::new(n, at, crate::intl::local_day(at))
}

/// A page's rows still within their tab's retention on this device's clock.
fn listable(items: Vec<Notification>) -> Vec<Row> {
    feed::listable(items.into_iter().map(row).collect(), crate::intl::now())
}

#[derive(Clone, Copy)]
pub struct Bell {
    pub api: Signal<Api>,
    pub lang: Signal<Lang>,
    pub open: RwSignal<bool>,
    pub tab: RwSignal<Tab>,
    pub category: RwSignal<Option<Category>>,
    pub unread_only: RwSignal<bool>,
    pub counts: RwSignal<Option<Counts>>,
    pub rows: RwSignal<Vec<Row>>,
    pub next_cursor: RwSignal<Option<String>>,
    pub status: RwSignal<Status>,
    /// The clock, moved every `element::TICK_MS` (5 s), for relative times.
    pub now: RwSignal<f64>,
    /// The local calendar day, moved at local midnight.
    pub today: RwSignal<u32>,
    /// The preferences document (API.md §7) as the server last said it, as JSON text.
    pub prefs: RwSignal<Option<String>>,
    /// Which page, count and preference answers may still be shown (see [`Order`]).
    order: StoredValue<Order>,
    /// Tells the host its token expired.
    on_auth_expired: StoredValue<Box<dyn Fn()>, LocalStorage>,
}

impl Bell {
    pub fn new(api: Signal<Api>, lang: Signal<Lang>, on_auth_expired: Box<dyn Fn()>) -> Bell {
        let now = crate::intl::now();
        Bell {
            api,
            lang,
            open: RwSignal::new(false),
            tab: RwSignal::new(Tab::General),
            category: RwSignal::new(None),
            unread_only: RwSignal::new(false),
            counts: RwSignal::new(None),
            rows: RwSignal::new(Vec::new()),
            next_cursor: RwSignal::new(None),
            status: RwSignal::new(Status::Idle),
            now: RwSignal::new(now),
            today: RwSignal::new(crate::intl::local_day(now)),
            prefs: RwSignal::new(None),
            order: StoredValue::new(Order::default()),
            on_auth_expired: StoredValue::new_local(on_auth_expired),
        }
    }

    pub fn view(&self) -> View {
        View {
            tab: self.tab.get_untracked(),
            category: self.category.get_untracked(),
            unread_only: self.unread_only.get_untracked(),
        }
    }

    fn failed(&self, error: ApiError) {
        let status = match error {
            ApiError::Unauthorized => {
                if self.status.get_untracked() != Status::AuthExpired {
                    self.on_auth_expired.with_value(|f| f());
                }
                Status::AuthExpired
            }
            ApiError::Offline => Status::Offline,
            ApiError::Failed(_) => Status::Error,
        };
        self.status.try_set(status);
    }

    /// Reloads the unread counts (shown unless something newer was, see [`Order`]).
    pub fn load_counts(self) {
        let api = self.api.get_untracked();
        let asked = self.order.with_value(|o| o.counts.asked());
        spawn_local(async move {
            match api.counts().await {
                Ok(c) => {
                    match self.order.try_update_value(|o| o.counts.answered(asked)) {
                        Some(Answer::Apply) => _ = self.counts.try_set(Some(c)),
                        Some(Answer::AskAgain) => self.load_counts(),
                        _ => {}
                    }
                    if matches!(self.status.try_get_untracked(), Some(Status::Offline | Status::AuthExpired)) {
                        self.status.try_set(Status::Idle);
                    }
                }
                Err(e) => self.failed(e),
            }
        });
    }

    /// Reads the preferences or, with `change` (a `PUT` body the switches
    /// already show), changes them. The answer is the whole document, shown
    /// unless something newer was (see [`Order`]). A change that fails shows
    /// the last document known again, and `message` (the view's) with it.
    pub fn sync_prefs(self, change: Option<String>, message: Option<web_sys::Element>) {
        let api = self.api.get_untracked();
        let write = change.is_some();
        let asked = self.order.try_update_value(|o| o.prefs.sent(write)).unwrap_or_default();
        spawn_local(async move {
            // The document as JSON text: as it is, or after the change.
            let method = if write { "PUT" } else { "GET" };
            let answer = match api.fetch(method, "/v1/preferences", change.as_deref()).await {
                Ok(response) => Api::text(response).await,
                Err(e) => Err(e),
            };
            let Some((show, ask)) = self.order.try_update_value(|o| o.prefs.state_answered(write, asked)) else {
                return;
            };
            if let Some(message) = &message {
                crate::view::flag(message, "hidden", answer.is_ok());
            }
            match answer {
                Ok(doc) if show => _ = self.prefs.try_set(Some(doc)),
                // (Bindings show the document as it was.)
                Err(e) if write => {
                    self.prefs.try_update(|_| {});
                    if e == ApiError::Unauthorized {
                        self.failed(e);
                    }
                }
                _ => {}
            }
            if ask {
                self.sync_prefs(None, None);
            }
        });
    }

    /// Loads the first page of the current view, replacing the list.
    pub fn load_first_page(self) {
        let asked = self.order.try_update_value(Order::new_view).unwrap_or(Order::default().page());
        let (api, view) = (self.api.get_untracked(), self.view());
        self.status.set(Status::Loading);
        self.rows.set(Vec::new());
        self.next_cursor.set(None);
        spawn_local(async move {
            let page = api.page(view, None).await;
            match self.page_answered(asked) {
                Answer::Apply => {}
                Answer::AskAgain => return self.load_first_page(),
                Answer::Drop => return,
            }
            match page {
                Ok(page) => {
                    self.rows.try_set(listable(page.items));
                    self.next_cursor.try_set(page.next_cursor);
                    self.status.try_set(Status::Idle);
                }
                Err(e) => self.failed(e),
            }
        });
    }

    /// Appends the next page, if there is one and nothing is loading.
    pub fn load_more(self) {
        let Some(cursor) = self.next_cursor.get_untracked() else { return };
        if self.status.get_untracked() != Status::Idle {
            return;
        }
        let asked = self.order.with_value(Order::page);
        let (api, view) = (self.api.get_untracked(), self.view());
        self.status.set(Status::LoadingMore);
        spawn_local(async move {
            let page = api.page(view, Some(&cursor)).await;
            match self.page_answered(asked) {
                Answer::Apply => {}
                Answer::AskAgain => {
                    self.status.try_set(Status::Idle);
                    return self.load_more();
                }
                Answer::Drop => return,
            }
            match page {
                Ok(page) => {
                    let mut items = Some(listable(page.items));
                    self.change_rows(&mut |rows| {
                        rows.extend(items.take().unwrap_or_default());
                        true
                    });
                    self.next_cursor.try_set(page.next_cursor);
                    self.status.try_set(Status::Idle);
                }
                Err(e) => self.failed(e),
            }
        });
    }

    /// Picks up what arrived meanwhile: counts, and new items of the open
    /// view put on top of what is listed.
    pub fn refresh(self) {
        self.load_counts();
        if self.open.get_untracked() {
            self.refresh_rows();
        }
    }

    fn refresh_rows(self) {
        if self.rows.with_untracked(Vec::is_empty) || self.status.get_untracked() != Status::Idle {
            self.load_first_page();
            return;
        }
        let asked = self.order.with_value(Order::page);
        let (api, view) = (self.api.get_untracked(), self.view());
        spawn_local(async move {
            let Ok(page) = api.page(view, None).await else { return };
            match self.page_answered(asked) {
                Answer::Apply => {}
                Answer::AskAgain => return self.refresh_rows(),
                Answer::Drop => return,
            }
            let page: Vec<Row> = page.items.into_iter().map(row).collect();
            let mut page = Some(page);
            self.change_rows(&mut |rows| {
                feed::merge_refresh(rows, page.take().unwrap_or_default(), crate::intl::now())
            });
        });
    }

    /// Marks notification `id` read: at once on screen, then on the server.
    /// An id not listed unread is sent only when `listed_only` is false (a
    /// clicked pop-up's, which the list may not hold).
    pub fn mark_read(self, id: &str, listed_only: bool) {
        let listed = self.read_here(id);
        if !listed && listed_only {
            return;
        }
        let (api, id) = (self.api.get_untracked(), id.to_owned());
        self.write_sent();
        spawn_local(async move {
            let result = api.mark_read(&id).await;
            let mut ask = self.write_answered() || !listed;
            if let Err(e) = result {
                if listed {
                    self.set_read(&id, false);
                }
                self.failed(e);
                ask = true;
            }
            if ask {
                self.load_counts();
            }
        });
    }

    /// Marks listed row `id` read on screen, its unread count one less;
    /// whether it was unread.
    fn read_here(self, id: &str) -> bool {
        let Some((tab, category)) = self.set_read(id, true) else { return false };
        self.order.update_value(|o| o.counts.changed());
        self.counts.update(|c| {
            if let Some(c) = c {
                c.take_one(tab, category);
            }
        });
        true
    }

    /// Sets a listed row's read state; its tab and category when that changed it.
    fn set_read(self, id: &str, read: bool) -> Option<(Tab, Category)> {
        let mut changed = None;
        self.change_rows(&mut |rows| {
            changed = feed::set_read(rows, id, read);
            changed.is_some()
        });
        changed
    }

    /// Changes the list through `f`, which answers whether it changed
    /// anything (subscribers run only then). Every change of the list goes
    /// through here: one compiled update instead of one per caller.
    fn change_rows(self, f: &mut dyn FnMut(&mut Vec<Row>) -> bool) -> bool {
        self.rows.try_maybe_update(|rows| {
            let changed = f(rows);
            (changed, changed)
        }) == Some(true)
    }

    /// Marks read what the active tab and category hold, up to the newest
    /// notification listed: anything that arrives meanwhile stays unread.
    pub fn read_all(self) {
        let view = self.view();
        let up_to = self.rows.with_untracked(|rows| feed::newest_id(rows));
        let api = self.api.get_untracked();
        self.write_sent();
        spawn_local(async move {
            let result = api.read_all(view.tab, view.category, up_to.clone()).await;
            self.write_answered();
            match result {
                Ok(_) => {
                    if let Some(up_to) = up_to {
                        self.mark_listed_read(&|r| id_order(&r.n.id, &up_to).is_le());
                    }
                    self.load_counts();
                }
                Err(e) => self.failed(e),
            }
        });
    }

    /// Decides listed approval request `id`. A decision already on its way
    /// (a double click, Enter held down) is not sent again.
    pub fn decide(self, id: &str, decision: Decision, note: Option<String>) {
        if self.change_rows(&mut |rows| feed::begin_deciding(rows, id)) {
            self.send_decision(id.to_owned(), decision, note);
        }
    }

    fn set_deciding(self, id: &str, state: Option<Deciding>) {
        self.change_rows(&mut |rows| feed::set_deciding(rows, id, state));
    }

    /// Sends a decision until it has an answer. While the browser is
    /// offline (or the server out of reach, which looks the same) it is sent
    /// again every few seconds. One the server took before the connection
    /// dropped, or one settled meanwhile, answers `409` with the standing
    /// decision: nothing is ever decided twice.
    fn send_decision(self, id: String, decision: Decision, note: Option<String>) {
        // (Read each time: the host may give a new token meanwhile; none once unmounted.)
        let Some(api) = self.api.try_get_untracked() else { return };
        self.write_sent();
        spawn_local(async move {
            let result = api.decide(&id, decision, note.as_deref()).await;
            if self.write_answered() {
                self.load_counts();
            }
            match result {
                // Ours, or (409) the one that came first: either settles the card.
                Ok(approval) => self.settled(&id, approval),
                Err(ApiError::Offline) => {
                    self.set_deciding(&id, Some(Deciding::Waiting));
                    crate::view::after(RETRY_DECISION_MS, move || self.send_decision(id, decision, note));
                }
                Err(e) => {
                    self.set_deciding(&id, Some(Deciding::Failed));
                    if e == ApiError::Unauthorized {
                        self.failed(e);
                    }
                }
            }
        });
    }

    /// Shows listed row `id`'s approval as settled: read, with its outcome.
    fn settled(self, id: &str, approval: Approval) {
        self.change_rows(&mut |rows| feed::set_approval(rows, id, &approval));
        self.read_here(id);
    }

    /// Applies an event of the live stream (`notification`, `read`,
    /// `approval`, `counts`) whose JSON is `data`.
    pub fn apply_stream_event(self, event: &str, data: &str) {
        if matches!(event, "notification" | "read" | "approval") {
            self.order.update_value(Order::rows_changed);
        }
        match event {
            "counts" => {
                if let Some(counts) = crate::wire::parse(data).and_then(|v| crate::wire::counts(&v))
                    && self.order.try_update_value(|o| o.counts.pushed()) == Some(true)
                {
                    self.counts.try_set(Some(counts));
                }
            }
            "preferences" if self.order.try_update_value(|o| o.prefs.pushed()) == Some(true) => {
                self.prefs.try_set(Some(data.to_owned()));
            }
            "notification" => {
                let Some(n) = crate::wire::parse(data).and_then(|v| crate::wire::notification(&v)) else { return };
                let view = self.view();
                let shown = n.tab == view.tab && view.category.is_none_or(|c| c == n.category);
                // Only into a list that is loaded; otherwise the next load brings it.
                if !shown || self.status.get_untracked() == Status::Loading {
                    return;
                }
                let more = self.next_cursor.get_untracked().is_some();
                let row = row(n);
                let mut row = Some(row);
                self.change_rows(&mut |rows| {
                    row.take().is_some_and(|row| feed::insert_live(rows, row, crate::intl::now(), more))
                });
            }
            "read" => {
                let Some(change) = crate::wire::parse(data).and_then(|v| crate::wire::read_change(&v)) else { return };
                self.mark_listed_read(&|r| feed::covers(&change, r));
            }
            "approval" => {
                let Some((id, approval)) = crate::wire::parse(data).and_then(|v| crate::wire::approval_change(&v))
                else {
                    return;
                };
                self.settled(&id, approval);
            }
            _ => {}
        }
    }

    /// A write that changes counts leaves (see [`Order`]).
    fn write_sent(self) {
        self.order.update_value(|o| o.counts.write_sent());
    }

    /// A write was answered: whether counts must be asked again.
    fn write_answered(self) -> bool {
        self.order.try_update_value(|o| o.counts.write_answered()) == Some(true)
    }

    /// What to do with a page answer asked at `asked` (dropped once unmounted).
    fn page_answered(self, asked: PageAsked) -> Answer {
        self.order.try_with_value(|o| o.page_answered(asked)).unwrap_or(Answer::Drop)
    }

    /// Marks read every listed row `which` picks (one update, if any changed).
    fn mark_listed_read(self, which: &dyn Fn(&Row) -> bool) {
        self.change_rows(&mut |rows| feed::mark_read_where(rows, which));
    }

    /// Drops the listed rows that have passed their tab's retention by `now`.
    pub fn drop_expired(self, now: f64) {
        self.change_rows(&mut |rows| feed::drop_expired(rows, now));
    }

    /// Unread count of a tab (0 until counts are known).
    pub fn tab_unread(&self, tab: Tab) -> u64 {
        self.counts.with(|c| c.as_ref().map_or(0, |c| c.tab(tab)))
    }

    /// Unread count of what "Mark all as read" would mark.
    pub fn scope_unread(&self) -> u64 {
        let (tab, category) = (self.tab.get(), self.category.get());
        self.counts.with(|c| match (c, category) {
            (None, _) => 0,
            (Some(c), None) => c.tab(tab),
            (Some(c), Some(cat)) => c.category(tab, cat),
        })
    }
}
