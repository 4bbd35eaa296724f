//! Retention at scale on PostgreSQL (SPEC §6): notifications live in weekly
//! partitions made ahead of time; weeks past every tab's retention are
//! dropped whole, without waiting on a busy table; inside live weeks the
//! purge deletes per tab. On SQLite there are no partitions: these say so
//! and pass.

mod common;

use std::time::{Duration, Instant};

use bell_server::clock::{DAY_MS, now_ms};
use common::*;
use serde_json::Value;
use sqlx::{AnyPool, Row};

async fn on_pg() -> Option<TestServer> {
    if !on_postgres() {
        eprintln!("not on PostgreSQL: SQLite has no partitions");
        return None;
    }
    Some(TestServer::start().await)
}

fn at(id: &str, kind: &str, days: f64) -> Value {
    let mut e = event(id, kind, "u-1", &["u-2"]);
    e["occurred_at"] = Value::String(days_ago(days));
    e
}

async fn partitions(db: &AnyPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'notifications'::regclass ORDER BY 1",
    )
    .fetch_all(db)
    .await
    .unwrap()
}

/// The partition holding the notification of event `id`, or `None` if gone.
async fn home_of(db: &AnyPool, id: &str) -> Option<String> {
    sqlx::query("SELECT tableoid::regclass::text FROM notifications WHERE event_id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
        .unwrap()
        .map(|r| r.get(0))
}

#[tokio::test]
async fn each_week_is_a_partition_made_ahead_of_time() {
    let Some(s) = on_pg().await else { return };
    let db = s.db().await;
    let weeks: Vec<String> = partitions(&db).await.into_iter().filter(|p| p != "notifications_default").collect();
    // 90 days back (plus the week it starts in) to a fortnight ahead.
    assert!((15..=16).contains(&weeks.len()), "{weeks:?}");
    s.ingest_ok(at("p-now", "mention", 0.0)).await;
    s.ingest_ok(at("p-60", "mention", 60.0)).await;
    for id in ["p-now", "p-60"] {
        let home = home_of(&db, id).await.unwrap();
        assert!(home.starts_with("notifications_d"), "{id} is in a week's partition, not {home}");
    }
    assert_ne!(home_of(&db, "p-now").await, home_of(&db, "p-60").await);
}

#[tokio::test]
async fn expired_weeks_are_dropped_whole_and_live_weeks_purged_per_tab() {
    let Some(s) = on_pg().await else { return };
    let db = s.db().await;
    let store = &s.running.state.store;
    s.ingest_ok(at("g-80", "mention", 80.0)).await;
    s.ingest_ok(at("g-10", "mention", 10.0)).await;
    s.seed(at("i-10", "conversation.assigned", 10.0)).await;
    s.ingest_ok(at("i-1", "conversation.assigned", 1.0)).await;
    let old_week = home_of(&db, "g-80").await.unwrap();

    // Twenty-five days on, the week of g-80 is past the 90-day retention.
    let later = now_ms() + 25 * DAY_MS;
    let done = store.upkeep_partitions(later).await.unwrap();
    assert!(done.dropped.contains(&old_week), "{done:?}");
    assert!(done.postponed.is_empty(), "{done:?}");
    assert!(!done.created.is_empty(), "new weeks ahead: {done:?}");
    assert_eq!(home_of(&db, "g-80").await, None, "its rows went with the partition");
    assert!(!partitions(&db).await.contains(&old_week));

    // Inside live weeks, the purge deletes by tab: Inbox keeps 7 days.
    bell_server::retention::purge_expired(store, now_ms(), 100).await.unwrap();
    assert_eq!(home_of(&db, "i-10").await, None, "inbox past 7 days is deleted");
    assert!(home_of(&db, "g-10").await.is_some(), "general of the same week stays");
    assert!(home_of(&db, "i-1").await.is_some());
    assert_eq!(s.list_all("u-2", "tab=general").await.len(), 1);
}

#[tokio::test]
async fn a_busy_partition_postpones_its_drop_instead_of_stalling_requests() {
    let Some(s) = on_pg().await else { return };
    let db = s.db().await;
    let store = &s.running.state.store;
    s.ingest_ok(at("g-85", "mention", 85.0)).await;
    let old_week = home_of(&db, "g-85").await.unwrap();
    // A long report reading that week holds a lock on it.
    let mut reader = db.begin().await.unwrap();
    sqlx::query(&format!("SELECT count(*) FROM {old_week}")).fetch_one(&mut *reader).await.unwrap();

    let later = now_ms() + 25 * DAY_MS;
    let started = Instant::now();
    let done = store.upkeep_partitions(later).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "gave up waiting quickly: {:?}", started.elapsed());
    assert_eq!(done.postponed, vec![old_week.clone()], "{done:?}");
    assert!(home_of(&db, "g-85").await.is_some());

    reader.commit().await.unwrap();
    let done = store.upkeep_partitions(later).await.unwrap();
    assert_eq!(done.dropped, vec![old_week], "dropped on the next round");
}

#[tokio::test]
async fn rows_that_fell_into_the_default_partition_move_into_their_week() {
    let Some(s) = on_pg().await else { return };
    let db = s.db().await;
    let store = &s.running.state.store;
    // As if upkeep had not run for weeks: this week has no partition yet.
    s.ingest_ok(at("before", "mention", 0.0)).await;
    let this_week = home_of(&db, "before").await.unwrap();
    sqlx::query(&format!("DROP TABLE {this_week}")).execute(&db).await.unwrap();
    s.ingest_ok(at("stray", "mention", 0.0)).await;
    assert_eq!(home_of(&db, "stray").await.as_deref(), Some("notifications_default"));

    let done = store.upkeep_partitions(now_ms()).await.unwrap();
    assert_eq!(done.created, vec![this_week.clone()], "{done:?}");
    assert_eq!(home_of(&db, "stray").await, Some(this_week), "moved into its week");
    let listed = s.list_all("u-2", "tab=general").await;
    assert_eq!(listed.len(), 1, "listed once, unchanged");
}
