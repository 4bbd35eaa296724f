//! The listed notifications and how they change, as plain Rust (compiled
//! natively too, so `cargo test` covers it): a page replacing or extending
//! the list, a refresh putting what is new on top, a live arrival inserted
//! in order, read changes, and rows leaving at their tab's retention. Times
//! come in as arguments (`now`, each row's `at` and local `day`): the
//! browser's clock and time zone stay in `state` and `intl`.

use std::cmp::Ordering;
use std::sync::Arc;

use bell_protocol::{Actor, ApprovalState, Category, ReadChange, Tab};

use crate::i18n::Args;

/// `bell_protocol::Notification` as the widget reads it (`wire`): the same
/// fields, with the producer's arguments kept as text, numbers and flags for
/// the catalogs (no JSON value type in the wasm).
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub id: String,
    pub kind: String,
    pub tab: Tab,
    pub category: Category,
    pub actor: Actor,
    pub args: Args,
    pub link: Option<String>,
    pub created_at: String,
    pub read_at: Option<String>,
    /// An actionable approval request's approval (API.md §6).
    pub approval: Option<Approval>,
}

/// An approval as a card shows it: the protocol's `Approval` without what
/// the widget never shows (ids, source), read straight from the JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approval {
    pub state: ApprovalState,
    /// The decider's display name.
    pub by: Option<String>,
    /// When it was decided (RFC 3339).
    pub at: Option<String>,
    pub note: Option<String>,
}

/// Where a decision taken in this tab stands until its answer settles the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deciding {
    /// On its way: the buttons wait.
    Sending,
    /// The browser is offline: it is sent when it is back (the `online` refresh).
    Waiting,
    /// The server refused it for another reason: the buttons work again.
    Failed,
}

/// One listed notification. What changes while it is listed (read state,
/// approval) is kept beside the notification, which is shared as it came.
#[derive(Clone, Debug)]
pub struct Row {
    pub n: Arc<Notification>,
    pub read: bool,
    /// An actionable request's approval as it now stands.
    pub approval: Option<Approval>,
    /// This tab's decision on it, until it is settled.
    pub deciding: Option<Deciding>,
    /// Epoch ms of `created_at`.
    pub at: f64,
    /// Its calendar day in the device's time zone (`yyyymmdd`), for Today / Older.
    pub day: u32,
}

pub const DAY_MS: f64 = 86_400_000.0;

impl Row {
    /// A row for `n`, created at `at` (epoch ms) on local `day`.
    pub fn new(mut n: Notification, at: f64, day: u32) -> Row {
        let approval = n.approval.take();
        Row { read: n.read_at.is_some(), approval, deciding: None, n: Arc::new(n), at, day }
    }

    /// Past its tab's retention at `now`: never shown (SPEC §4), even while
    /// a panel stays open for days and before the server's purge.
    pub fn expired(&self, now: f64) -> bool {
        self.at < now - self.n.tab.retention_days() as f64 * DAY_MS
    }

    /// Whether this row is listed above `other`: newer first, then by id.
    pub fn is_before(&self, other: &Row) -> bool {
        other.at < self.at || (other.at == self.at && id_order(&other.n.id, &self.n.id).is_lt())
    }
}

/// Ids are decimal strings growing in arrival order: compare by length, then text.
pub fn id_order(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The rows of a page that are still within their tab's retention at `now`.
pub fn listable(rows: Vec<Row>, now: f64) -> Vec<Row> {
    rows.into_iter().filter(|r| !r.expired(now)).collect()
}

/// A refresh's first page merged into the list: what was read elsewhere
/// meanwhile is marked read, and what is new goes where it belongs (newest
/// first). Whether the list changed.
pub fn merge_refresh(rows: &mut Vec<Row>, page: Vec<Row>, now: f64) -> bool {
    let mut changed = false;
    for n in page.iter().filter(|r| r.read) {
        if let Some(r) = listed(rows, &n.n.id).filter(|r| !r.read) {
            r.read = true;
            changed = true;
        }
    }
    for n in &page {
        if let Some(approval) = &n.approval {
            changed |= set_approval(rows, &n.n.id, approval);
        }
    }
    for row in page {
        changed |= insert_live(rows, row, now, false);
    }
    changed
}

/// A live arrival inserted in order, unless it is listed already, past its
/// retention, or belongs below the last loaded page (`more`: there are pages
/// not loaded yet, which will bring it). Whether it was inserted.
pub fn insert_live(rows: &mut Vec<Row>, row: Row, now: f64, more: bool) -> bool {
    if row.expired(now) || rows.iter().any(|r| r.n.id == row.n.id) {
        return false;
    }
    let at = rows.iter().position(|r| row.is_before(r)).unwrap_or(rows.len());
    if at < rows.len() || !more {
        rows.insert(at, row);
        return true;
    }
    false
}

/// Marks read every listed row `which` picks; whether any changed.
pub fn mark_read_where(rows: &mut [Row], which: impl Fn(&Row) -> bool) -> bool {
    let mut changed = false;
    for r in rows.iter_mut().filter(|r| !r.read && which(r)) {
        r.read = true;
        changed = true;
    }
    changed
}

/// Whether a read change of the stream covers `row`.
pub fn covers(change: &ReadChange, row: &Row) -> bool {
    match change {
        ReadChange::Ids { ids } => ids.contains(&row.n.id),
        ReadChange::All { tab, category, up_to } => {
            row.n.tab == *tab
                && category.is_none_or(|c| c == row.n.category)
                && up_to.as_deref().is_none_or(|u| id_order(&row.n.id, u).is_le())
        }
    }
}

/// Listed row `id`.
fn listed<'a>(rows: &'a mut [Row], id: &str) -> Option<&'a mut Row> {
    rows.iter_mut().find(|r| r.n.id == id)
}

/// Sets the read state of listed row `id`; its tab and category when that changed it.
pub fn set_read(rows: &mut [Row], id: &str, read: bool) -> Option<(Tab, Category)> {
    let r = listed(rows, id).filter(|r| r.read != read)?;
    r.read = read;
    Some((r.n.tab, r.n.category))
}

/// Shows listed row `id`'s approval as `approval` now stands (settled
/// elsewhere, or by this tab); whether that changed the row.
pub fn set_approval(rows: &mut [Row], id: &str, approval: &Approval) -> bool {
    let Some(r) = listed(rows, id).filter(|r| r.approval.as_ref() != Some(approval)) else { return false };
    r.approval = Some(approval.clone());
    true
}

/// Starts this tab's decision on listed row `id`, unless one is already on
/// its way (a double click); whether it started.
pub fn begin_deciding(rows: &mut [Row], id: &str) -> bool {
    let Some(r) = listed(rows, id) else { return false };
    if matches!(r.deciding, Some(Deciding::Sending | Deciding::Waiting)) {
        return false;
    }
    r.deciding = Some(Deciding::Sending);
    true
}

/// Sets this tab's decision state on listed row `id`; whether it changed.
pub fn set_deciding(rows: &mut [Row], id: &str, deciding: Option<Deciding>) -> bool {
    let Some(r) = listed(rows, id).filter(|r| r.deciding != deciding) else { return false };
    r.deciding = deciding;
    true
}

/// Drops the rows past their tab's retention at `now`; whether any went.
pub fn drop_expired(rows: &mut Vec<Row>, now: f64) -> bool {
    let listed = rows.len();
    rows.retain(|r| !r.expired(now));
    rows.len() != listed
}

/// The newest listed id (what "Mark all as read" marks up to).
pub fn newest_id(rows: &[Row]) -> Option<String> {
    rows.iter().map(|r| r.n.id.clone()).max_by(|a, b| id_order(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: f64 = 1_000.0 * DAY_MS;

    fn n(id: &str, tab: Tab, read: bool) -> Notification {
        Notification {
            id: id.into(),
            kind: "mention".into(),
            tab,
            category: if tab == Tab::Inbox { Category::Resolved } else { Category::Mention },
            actor: Actor::System {},
            args: Vec::new(),
            link: None,
            created_at: String::new(),
            read_at: read.then(String::new),
            approval: None,
        }
    }

    /// A general row `minutes` old.
    fn row(id: &str, minutes: f64) -> Row {
        Row::new(n(id, Tab::General, false), NOW - minutes * 60_000.0, 1)
    }

    fn ids(rows: &[Row]) -> Vec<&str> {
        rows.iter().map(|r| r.n.id.as_str()).collect()
    }

    #[test]
    fn ids_compare_as_numbers() {
        assert!(id_order("9", "10").is_lt());
        assert!(id_order("10", "10").is_eq());
        assert!(id_order("11", "10").is_gt());
    }

    #[test]
    fn a_refresh_puts_news_in_order_and_marks_what_was_read_elsewhere() {
        let mut rows = vec![row("30", 1.0), row("20", 10.0), row("10", 30.0)];
        let mut read_elsewhere = row("20", 10.0);
        read_elsewhere.read = true;
        // New: one newest, one backdated between the listed ones, one listed again.
        let page = vec![row("40", 0.0), read_elsewhere, row("35", 20.0), row("30", 1.0)];
        assert!(merge_refresh(&mut rows, page, NOW));
        assert_eq!(ids(&rows), ["40", "30", "20", "35", "10"]);
        assert!(rows[2].read);
        // The same page again changes nothing.
        let again = vec![row("40", 0.0), row("35", 20.0)];
        assert!(!merge_refresh(&mut rows, again, NOW));
    }

    #[test]
    fn equal_times_list_the_later_id_first() {
        let mut rows = vec![row("11", 5.0)];
        assert!(insert_live(&mut rows, row("12", 5.0), NOW, false));
        assert!(insert_live(&mut rows, row("9", 5.0), NOW, false));
        assert_eq!(ids(&rows), ["12", "11", "9"]);
    }

    #[test]
    fn a_live_arrival_goes_in_order_but_not_past_the_loaded_pages() {
        let mut rows = vec![row("30", 1.0), row("10", 30.0)];
        assert!(insert_live(&mut rows, row("20", 10.0), NOW, true));
        assert_eq!(ids(&rows), ["30", "20", "10"]);
        // Older than everything loaded while more pages exist: the next page brings it.
        assert!(!insert_live(&mut rows, row("5", 60.0), NOW, true));
        assert!(insert_live(&mut rows, row("5", 60.0), NOW, false));
        assert!(!insert_live(&mut rows, row("20", 10.0), NOW, false), "listed already");
        assert_eq!(ids(&rows), ["30", "20", "10", "5"]);
    }

    #[test]
    fn rows_past_their_tabs_retention_are_never_listed() {
        let day = 24.0 * 60.0;
        let old_inbox = Row::new(n("1", Tab::Inbox, false), NOW - 8.0 * DAY_MS, 1);
        let week_old_general = row("2", 8.0 * day);
        let ancient_general = row("3", 91.0 * day);
        let page = vec![old_inbox.clone(), week_old_general.clone(), ancient_general.clone()];
        assert_eq!(ids(&listable(page, NOW)), ["2"]);
        let mut rows = Vec::new();
        assert!(!insert_live(&mut rows, old_inbox.clone(), NOW, false));
        // A listed row leaves when its retention passes, by the device's clock.
        let mut rows = vec![Row::new(n("4", Tab::Inbox, false), NOW - 6.0 * DAY_MS, 1), week_old_general];
        assert!(!drop_expired(&mut rows, NOW));
        assert!(drop_expired(&mut rows, NOW + 1.5 * DAY_MS));
        assert_eq!(ids(&rows), ["2"]);
    }

    #[test]
    fn read_changes_mark_what_they_cover() {
        let mut rows =
            vec![row("30", 1.0), row("20", 10.0), Row::new(n("15", Tab::Inbox, false), NOW, 1), row("10", 30.0)];
        let up_to_20 = ReadChange::All { tab: Tab::General, category: None, up_to: Some("20".into()) };
        assert!(mark_read_where(&mut rows, |r| covers(&up_to_20, r)));
        let read: Vec<bool> = rows.iter().map(|r| r.read).collect();
        assert_eq!(read, [false, true, false, true], "not the newer one, not another tab");
        assert!(!mark_read_where(&mut rows, |r| covers(&up_to_20, r)), "nothing left to change");
        let one = ReadChange::Ids { ids: vec!["30".into()] };
        assert!(mark_read_where(&mut rows, |r| covers(&one, r)));
        assert_eq!(set_read(&mut rows, "30", false), Some((Tab::General, Category::Mention)));
        assert_eq!(set_read(&mut rows, "30", false), None, "already unread");
        assert_eq!(newest_id(&rows).as_deref(), Some("30"));
    }

    #[test]
    fn a_settled_approval_replaces_the_listed_one_once() {
        let pending_approval = Approval { state: ApprovalState::Pending, by: None, at: None, note: None };
        let mut pending = row("7", 1.0);
        pending.approval = Some(pending_approval.clone());
        let mut rows = vec![row("8", 0.5), pending];
        assert!(begin_deciding(&mut rows, "7"));
        assert!(!begin_deciding(&mut rows, "7"), "a double click sends once");
        assert!(set_deciding(&mut rows, "7", Some(Deciding::Failed)));
        assert!(begin_deciding(&mut rows, "7"), "after a failure it can be sent again");
        let approved = Approval {
            state: ApprovalState::Approved,
            by: Some("Ayu Lestari".into()),
            at: Some("2026-12-02T08:00:00Z".into()),
            note: None,
        };
        assert!(set_approval(&mut rows, "7", &approved));
        assert_eq!(rows[1].approval.as_ref(), Some(&approved));
        assert!(!set_approval(&mut rows, "7", &approved), "already shown");
        assert!(!set_approval(&mut rows, "99", &approved), "not listed");
        // A refresh brings a decision taken while this tab was away.
        let mut stale = vec![row("7", 1.0)];
        stale[0].approval = Some(pending_approval);
        assert!(merge_refresh(&mut stale, rows.clone(), NOW));
        assert_eq!(stale.iter().find(|r| r.n.id == "7").unwrap().approval.as_ref(), Some(&approved));
    }
}
