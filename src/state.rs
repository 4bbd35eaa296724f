//! The widget's state as signals, and the actions that change it (load,
//! page, mark read, read all). Components read these; only actions write.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bell_protocol::{Category, ReadChange, Tab};
use reactive_graph::owner::{LocalStorage, StoredValue};
use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;
use reactive_graph::spawn_local;
use reactive_graph::wrappers::read::Signal;

use crate::api::{Api, ApiError, View};
use crate::counts::Counts;
use crate::i18n::Lang;
use crate::wire::Notification;

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

/// One listed notification.
#[derive(Clone)]
pub struct Row {
    pub n: Arc<Notification>,
    pub read: bool,
    /// Epoch ms of `created_at`.
    pub at: f64,
    /// Its calendar day in the device's time zone (`yyyymmdd`), for Today / Older.
    pub day: u32,
}

impl Row {
    fn new(n: Notification) -> Row {
        let at = crate::intl::parse_time(&n.created_at);
        let day = crate::intl::local_day(at);
        Row { read: n.read_at.is_some(), n: Arc::new(n), at, day }
    }

    /// The rows of a page's notifications that are still within their tab's
    /// retention on this device's clock.
    fn listable(items: Vec<Notification>) -> impl Iterator<Item = Row> {
        let now = crate::intl::now();
        items.into_iter().map(Row::new).filter(move |r| !r.expired(now))
    }

    /// Past its tab's retention at `now`: never shown (SPEC §4), even while
    /// a panel stays open for days and before the server's purge.
    fn expired(&self, now: f64) -> bool {
        self.at < now - self.n.tab.retention_days() as f64 * DAY_MS
    }

    /// Whether this row is listed above `other`: newer first, then by id.
    fn is_before(&self, other: &Row) -> bool {
        other.at < self.at || (other.at == self.at && id_order(&other.n.id, &self.n.id).is_lt())
    }
}

const DAY_MS: f64 = 86_400_000.0;

/// Ids are decimal strings growing in arrival order: compare by length, then text.
pub fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
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
    /// Ticks every 30 s, for relative times.
    pub now: RwSignal<f64>,
    /// The local calendar day, moved at local midnight.
    pub today: RwSignal<u32>,
    /// Bumped by every view change so late answers of an older view are dropped.
    generation: StoredValue<Arc<AtomicU64>>,
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
            generation: StoredValue::new(Arc::new(AtomicU64::new(0))),
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

    /// Reloads the unread counts.
    pub fn load_counts(self) {
        let api = self.api.get_untracked();
        spawn_local(async move {
            match api.counts().await {
                Ok(c) => {
                    self.counts.try_set(Some(c));
                    if matches!(self.status.try_get_untracked(), Some(Status::Offline | Status::AuthExpired)) {
                        self.status.try_set(Status::Idle);
                    }
                }
                Err(e) => self.failed(e),
            }
        });
    }

    /// Loads the first page of the current view, replacing the list.
    pub fn load_first_page(self) {
        let generation = self.generation.with_value(|g| g.fetch_add(1, Ordering::SeqCst) + 1);
        let (api, view) = (self.api.get_untracked(), self.view());
        self.status.set(Status::Loading);
        self.rows.set(Vec::new());
        self.next_cursor.set(None);
        spawn_local(async move {
            let page = api.page(view, None).await;
            if self.generation.try_with_value(|g| g.load(Ordering::SeqCst)) != Some(generation) {
                return;
            }
            match page {
                Ok(page) => {
                    self.rows.try_set(Row::listable(page.items).collect());
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
        let generation = self.generation.with_value(|g| g.load(Ordering::SeqCst));
        let (api, view) = (self.api.get_untracked(), self.view());
        self.status.set(Status::LoadingMore);
        spawn_local(async move {
            let page = api.page(view, Some(&cursor)).await;
            if self.generation.try_with_value(|g| g.load(Ordering::SeqCst)) != Some(generation) {
                return;
            }
            match page {
                Ok(page) => {
                    self.rows.try_update(|rows| rows.extend(Row::listable(page.items)));
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
        if !self.open.get_untracked() {
            return;
        }
        if self.rows.with_untracked(Vec::is_empty) || self.status.get_untracked() != Status::Idle {
            self.load_first_page();
            return;
        }
        let generation = self.generation.with_value(|g| g.load(Ordering::SeqCst));
        let (api, view) = (self.api.get_untracked(), self.view());
        spawn_local(async move {
            let Ok(page) = api.page(view, None).await else { return };
            if self.generation.try_with_value(|g| g.load(Ordering::SeqCst)) != Some(generation) {
                return;
            }
            self.rows.maybe_update(|rows| {
                let mut changed = false;
                // Read elsewhere meanwhile (another tab, another device).
                for n in page.items.iter().filter(|n| n.read_at.is_some()) {
                    if let Some(r) = rows.iter_mut().find(|r| r.n.id == n.id && !r.read) {
                        r.read = true;
                        changed = true;
                    }
                }
                // New on top: insert each where it belongs (newest first).
                for row in Row::listable(page.items) {
                    if !rows.iter().any(|r| r.n.id == row.n.id) {
                        let at = rows.iter().position(|r| row.is_before(r)).unwrap_or(rows.len());
                        rows.insert(at, row);
                        changed = true;
                    }
                }
                changed
            });
        });
    }

    /// Marks the listed notification `id` read: at once on screen, then on the server.
    pub fn mark_read(self, id: &str) {
        let Some((tab, category)) = self.set_read(id, true) else { return };
        self.counts.update(|c| {
            if let Some(c) = c {
                c.take_one(tab, category);
            }
        });
        let (api, id) = (self.api.get_untracked(), id.to_owned());
        spawn_local(async move {
            if let Err(e) = api.mark_read(&id).await {
                self.set_read(&id, false);
                self.failed(e);
                self.load_counts();
            }
        });
    }

    /// Sets a listed row's read state; its tab and category when that changed it.
    fn set_read(self, id: &str, read: bool) -> Option<(Tab, Category)> {
        self.rows
            .try_maybe_update(|rows| match rows.iter_mut().find(|r| r.n.id == id && r.read != read) {
                Some(r) => {
                    r.read = read;
                    (true, Some((r.n.tab, r.n.category)))
                }
                None => (false, None),
            })
            .flatten()
    }

    /// Marks read what the active tab and category hold, up to the newest
    /// notification listed: anything that arrives meanwhile stays unread.
    pub fn read_all(self) {
        let view = self.view();
        let up_to = self.rows.with_untracked(|rows| rows.iter().map(|r| r.n.id.clone()).max_by(|a, b| id_order(a, b)));
        let api = self.api.get_untracked();
        spawn_local(async move {
            match api.read_all(view.tab, view.category, up_to.clone()).await {
                Ok(_) => {
                    if let Some(up_to) = up_to {
                        self.mark_listed_read(|r| id_order(&r.n.id, &up_to).is_le());
                    }
                    self.load_counts();
                }
                Err(e) => self.failed(e),
            }
        });
    }

    /// Applies an event of the live stream (`notification`, `read`, `counts`)
    /// whose JSON is `data`.
    pub fn apply_stream_event(self, event: &str, data: &str) {
        match event {
            "counts" => {
                if let Some(counts) = crate::wire::parse(data).and_then(|v| crate::wire::counts(&v)) {
                    self.counts.try_set(Some(counts));
                }
            }
            "notification" => {
                let Some(n) = crate::wire::parse(data).and_then(|v| crate::wire::notification(&v)) else { return };
                let view = self.view();
                let shown = n.tab == view.tab && view.category.is_none_or(|c| c == n.category);
                // Only into a list that is loaded; otherwise the next load brings it.
                if !shown || self.status.get_untracked() == Status::Loading {
                    return;
                }
                self.rows.try_update(|rows| {
                    if rows.iter().any(|r| r.n.id == n.id) {
                        return;
                    }
                    let row = Row::new(n);
                    if row.expired(crate::intl::now()) {
                        return;
                    }
                    let at = rows.iter().position(|r| row.is_before(r)).unwrap_or(rows.len());
                    // Past the last loaded page it belongs to a page not loaded yet.
                    if at < rows.len() || self.next_cursor.get_untracked().is_none() {
                        rows.insert(at, row);
                    }
                });
            }
            "read" => {
                let Some(change) = crate::wire::parse(data).and_then(|v| crate::wire::read_change(&v)) else { return };
                self.mark_listed_read(|r| match &change {
                    ReadChange::Ids { ids } => ids.contains(&r.n.id),
                    ReadChange::All { tab, category, up_to } => {
                        r.n.tab == *tab
                            && category.is_none_or(|c| c == r.n.category)
                            && up_to.as_deref().is_none_or(|u| id_order(&r.n.id, u).is_le())
                    }
                });
            }
            _ => {}
        }
    }

    /// Marks read every listed row `which` picks (one update, if any changed).
    fn mark_listed_read(self, which: impl Fn(&Row) -> bool) {
        self.rows.maybe_update(|rows| {
            let mut changed = false;
            for r in rows.iter_mut().filter(|r| !r.read && which(r)) {
                r.read = true;
                changed = true;
            }
            changed
        });
    }

    /// Drops the listed rows that have passed their tab's retention by `now`.
    pub fn drop_expired(self, now: f64) {
        self.rows.maybe_update(|rows| {
            let listed = rows.len();
            rows.retain(|r| !r.expired(now));
            rows.len() != listed
        });
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
