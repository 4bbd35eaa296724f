//! `GET /v1/notifications` and `/unread-count`: filters, cursor pages,
//! counts and retention.

mod common;

use std::collections::HashSet;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Ingests `n` events of `kind` for `user`, `minutes_apart` apart, oldest first.
async fn seed(s: &TestServer, prefix: &str, kind: &str, user: &str, n: usize) {
    for i in 0..n {
        let mut e = event(&format!("{prefix}-{i}"), kind, "u-actor", &[user]);
        e["occurred_at"] = json!(days_ago((n - i) as f64 / 1440.0));
        s.ingest_ok(e).await;
    }
}

#[tokio::test]
async fn lists_by_tab_category_and_unread_only_newest_first() {
    let s = TestServer::start().await;
    seed(&s, "d", "deal.assigned", "u-2", 3).await;
    seed(&s, "m", "mention", "u-2", 2).await;
    seed(&s, "c", "conversation.resolved", "u-2", 2).await;
    seed(&s, "x", "approval.expense.approved", "u-2", 1).await;
    seed(&s, "other", "mention", "u-3", 4).await;

    let general = s.list_all("u-2", "tab=general").await;
    assert_eq!(general.len(), 5);
    let times: Vec<i64> =
        general.iter().map(|i| bell_server::ingest::parse_time(i["created_at"].as_str().unwrap()).unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert!(general.iter().all(|i| i["tab"] == "general"));

    let mentions = s.list_all("u-2", "tab=general&category=mention").await;
    assert_eq!(mentions.len(), 2);
    assert!(mentions.iter().all(|i| i["kind"] == "mention"));
    assert_eq!(s.list_all("u-2", "tab=inbox").await.len(), 2);
    assert_eq!(s.list_all("u-2", "tab=approval&category=expense").await.len(), 1);
    assert!(s.list_all("u-2", "tab=approval&category=deal").await.is_empty());

    // Read one mention: unread_only drops it, the plain list keeps it.
    let id = mentions[0]["id"].as_str().unwrap();
    s.post_as("u-2", &format!("/v1/notifications/{id}/read"), None).await;
    let unread = s.list_all("u-2", "tab=general&unread_only=true").await;
    assert_eq!(unread.len(), 4);
    assert!(unread.iter().all(|i| i["id"] != id && i["read_at"].is_null()));
    let unread_mentions = s.list_all("u-2", "tab=general&category=mention&unread_only=true").await;
    assert_eq!(ids(&unread_mentions), vec![mentions[1]["id"].as_str().unwrap().to_owned()]);
    let all = s.list_all("u-2", "tab=general&unread_only=false").await;
    let read = all.iter().find(|i| i["id"] == id).unwrap();
    assert!(read["read_at"].is_string());
}

#[tokio::test]
async fn pages_follow_the_cursor_and_respect_the_limit() {
    let s = TestServer::start().await;
    seed(&s, "p", "mention", "u-2", 7).await;
    let (status, page) = s.get_as("u-2", "/v1/notifications?tab=general&limit=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    assert!(page["next_cursor"].is_string());
    let (_, page) = s.get_as("u-2", "/v1/notifications?tab=general").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 7, "default limit 20");
    assert_eq!(page["next_cursor"], Value::Null);

    // Exactly full last page: no dangling cursor to an empty page.
    let (_, page) = s.get_as("u-2", "/v1/notifications?tab=general&limit=7").await;
    assert_eq!(page["next_cursor"], Value::Null);

    let mut seen = Vec::new();
    let mut path = "/v1/notifications?tab=general&limit=2".to_owned();
    loop {
        let (_, page) = s.get_as("u-2", &path).await;
        seen.extend(ids(page["items"].as_array().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/notifications?tab=general&limit=2&cursor={c}"),
            None => break,
        }
    }
    let expected = ids(&s.list_all("u-2", "tab=general&limit=100").await);
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn bad_list_queries_name_the_parameter() {
    let s = TestServer::start().await;
    for (query, code, field) in [
        ("", "missing_field", "tab"),
        ("tab=", "missing_field", "tab"),
        ("tab=everything", "invalid_query", "tab"),
        ("tab=inbox&category=mention", "invalid_query", "category"),
        ("tab=general&category=nope", "invalid_query", "category"),
        ("tab=general&limit=0", "invalid_query", "limit"),
        ("tab=general&limit=101", "invalid_query", "limit"),
        ("tab=general&limit=ten", "invalid_query", "limit"),
        ("tab=general&unread_only=maybe", "invalid_query", "unread_only"),
        ("tab=general&cursor=garbage", "invalid_cursor", "cursor"),
    ] {
        let (status, body) = s.get_as("u-2", &format!("/v1/notifications?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(
            (body["error"]["code"].as_str(), body["error"]["field"].as_str()),
            (Some(code), Some(field)),
            "{query}: {body}"
        );
    }
    // Empty and unknown parameters are ignored; 1/0 are flags too.
    for query in
        ["tab=general&category=&limit=&cursor=", "tab=general&unread_only=1&utm=x", "tab=general&unread_only=0"]
    {
        let (status, body) = s.get_as("u-2", &format!("/v1/notifications?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
    }
    let (status, _) = s.get_as("u-2", "/v1/notifications?tab=general&limit=100").await;
    assert_eq!(status, StatusCode::OK);
}

/// Producers keep sending, with times old and new, while a user pages
/// through: the pages together hold every item that existed when paging
/// began, each exactly once, in order.
#[tokio::test]
async fn pages_never_repeat_or_skip_under_concurrent_inserts() {
    let s = std::sync::Arc::new(TestServer::start().await);
    seed(&s, "base", "mention", "u-2", 60).await;
    let before = s.list_all("u-2", "tab=general&limit=100").await;
    assert_eq!(before.len(), 60);

    let writer = {
        let s = s.clone();
        tokio::spawn(async move {
            for i in 0..120 {
                let mut e = event(&format!("live-{i}"), "deal.assigned", "u-actor", &["u-2"]);
                // Newest, and backdated into the middle of the list that is being paged.
                let ago = if i % 2 == 0 { 0.0 } else { (i % 60) as f64 / 1440.0 };
                e["occurred_at"] = json!(days_ago(ago));
                s.ingest_ok(e).await;
            }
        })
    };
    let mut seen = Vec::new();
    let mut path = "/v1/notifications?tab=general&limit=7".to_owned();
    loop {
        let (_, page) = s.get_as("u-2", &path).await;
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        tokio::task::yield_now().await;
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/notifications?tab=general&limit=7&cursor={c}"),
            None => break,
        }
    }
    writer.await.unwrap();

    let seen_ids = ids(&seen);
    let distinct: HashSet<_> = seen_ids.iter().collect();
    assert_eq!(distinct.len(), seen_ids.len(), "no item twice");
    let before_ids: HashSet<_> = ids(&before).into_iter().collect();
    assert!(before_ids.iter().all(|id| distinct.contains(id)), "every item that existed is shown");
    let times: Vec<i64> =
        seen.iter().map(|i| bell_server::ingest::parse_time(i["created_at"].as_str().unwrap()).unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first across pages");
    // After paging, a fresh listing shows everything.
    assert_eq!(s.list_all("u-2", "tab=general&limit=100").await.len(), 180);
}

#[tokio::test]
async fn unread_counts_cover_every_tab_and_category_with_zeros() {
    let s = TestServer::start().await;
    assert_eq!(
        s.counts("u-new").await,
        json!({"total": 0, "tabs": {
            "general": {"total": 0, "categories": {"reminder": 0, "mention": 0, "assignment": 0, "update": 0, "download_upload": 0}},
            "inbox": {"total": 0, "categories": {"assignment": 0, "resolved": 0, "contact": 0}},
            "approval": {"total": 0, "categories": {"deal": 0, "expense": 0}}
        }})
    );
    seed(&s, "a", "deal.assigned", "u-2", 3).await;
    seed(&s, "b", "conversation.assigned", "u-2", 2).await;
    seed(&s, "c", "contact.unblocked", "u-2", 1).await;
    seed(&s, "d", "approval.deal.requested", "u-2", 1).await;
    seed(&s, "e", "mention", "u-3", 1).await;
    let c = s.counts("u-2").await;
    assert_eq!(c["total"], 7);
    assert_eq!(c["tabs"]["general"]["total"], 3);
    assert_eq!(c["tabs"]["general"]["categories"]["assignment"], 3);
    assert_eq!(c["tabs"]["general"]["categories"]["mention"], 0);
    assert_eq!(c["tabs"]["inbox"], json!({"total": 3, "categories": {"assignment": 2, "resolved": 0, "contact": 1}}));
    assert_eq!(c["tabs"]["approval"], json!({"total": 1, "categories": {"deal": 1, "expense": 0}}));
}

#[tokio::test]
async fn nothing_past_its_tab_retention_is_listed_or_counted() {
    let s = TestServer::start().await;
    let at = |id: &str, kind: &str, days: f64| {
        let mut e = event(id, kind, "u-1", &["u-2"]);
        e["occurred_at"] = json!(days_ago(days));
        e
    };
    // Inbox keeps 7 days, General and Approval 90.
    s.ingest_ok(at("inbox-fresh", "conversation.assigned", 6.9)).await;
    s.seed(at("inbox-old", "conversation.assigned", 7.1)).await;
    s.ingest_ok(at("general-8d", "mention", 8.0)).await;
    s.seed(at("general-old", "mention", 90.1)).await;
    s.ingest_ok(at("approval-89d", "approval.deal.approved", 89.0)).await;
    s.seed(at("approval-old", "approval.deal.approved", 91.0)).await;

    let listed = |items: Vec<Value>| items.len();
    assert_eq!(listed(s.list_all("u-2", "tab=inbox").await), 1);
    assert_eq!(listed(s.list_all("u-2", "tab=general").await), 1);
    assert_eq!(listed(s.list_all("u-2", "tab=approval").await), 1);
    let c = s.counts("u-2").await;
    assert_eq!((c["total"].clone(), c["tabs"]["inbox"]["total"].clone()), (json!(3), json!(1)));

    // An expired notification cannot be marked read either.
    let db = s.db().await;
    let old_id: i64 =
        sqlx::query_scalar("SELECT id FROM notifications WHERE event_id = 'inbox-old'").fetch_one(&db).await.unwrap();
    let (status, _) = s.post_as("u-2", &format!("/v1/notifications/{old_id}/read"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, body) = s.post_as("u-2", "/v1/notifications/read-all", Some(json!({"tab": "inbox"}))).await;
    assert_eq!(body["marked"], 1);
}

#[tokio::test]
async fn the_purge_deletes_expired_rows_in_bounded_batches() {
    let s = TestServer::start().await;
    for i in 0..7 {
        let mut e = event(&format!("old-{i}"), "conversation.resolved", "u-1", &["u-2"]);
        e["occurred_at"] = json!(days_ago(8.0 + i as f64));
        s.seed(e).await;
    }
    let mut keep = event("keep-inbox", "conversation.resolved", "u-1", &["u-2"]);
    keep["occurred_at"] = json!(days_ago(6.0));
    s.ingest_ok(keep).await;
    let mut keep = event("keep-general", "mention", "u-1", &["u-2"]);
    keep["occurred_at"] = json!(days_ago(30.0));
    s.ingest_ok(keep).await;
    assert_eq!(s.row_count("notifications").await, 9);

    let store = &s.running.state.store;
    let now = bell_server::clock::now_ms();
    // One statement never deletes more than its batch.
    assert_eq!(store.purge_batch(bell_protocol::Tab::Inbox, now, 3).await.unwrap(), 3);
    assert_eq!(s.row_count("notifications").await, 6);
    let deleted = bell_server::retention::purge_expired(store, now, 3).await.unwrap();
    assert_eq!(deleted, 4);
    let db = s.db().await;
    let left: Vec<String> =
        sqlx::query_scalar("SELECT event_id FROM notifications ORDER BY event_id").fetch_all(&db).await.unwrap();
    assert_eq!(left, ["keep-general", "keep-inbox"]);
}

#[tokio::test]
async fn the_purge_task_runs_on_its_interval() {
    let s = TestServer::start_with(|c| c.purge_interval = std::time::Duration::from_millis(50)).await;
    let mut e = event("stale", "conversation.resolved", "u-1", &["u-2"]);
    e["occurred_at"] = json!(days_ago(10.0));
    s.seed(e).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.row_count("notifications").await > 0 {
        assert!(std::time::Instant::now() < deadline, "purge task did not run");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
