//! Marking one notification read, and read-all scoped to a tab, a category
//! and the `up_to` watermark.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn listed(s: &TestServer, user: &str, query: &str) -> Vec<Value> {
    s.list_all(user, query).await
}

#[tokio::test]
async fn marking_one_read_is_idempotent_and_keeps_the_first_read_time() {
    let s = TestServer::start().await;
    s.ingest_ok(event("e-1", "mention", "u-1", &["u-2"])).await;
    let id = listed(&s, "u-2", "tab=general").await[0]["id"].as_str().unwrap().to_owned();
    let (status, body) = s.post_as("u-2", &format!("/v1/notifications/{id}/read"), None).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let first = listed(&s, "u-2", "tab=general").await[0]["read_at"].clone();
    assert!(first.is_string());
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (status, _) = s.post_as("u-2", &format!("/v1/notifications/{id}/read"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(listed(&s, "u-2", "tab=general").await[0]["read_at"], first);
    assert_eq!(s.counts("u-2").await["total"], 0);
}

#[tokio::test]
async fn someone_elses_or_unknown_notification_is_404_and_stays_unread() {
    let s = TestServer::start().await;
    s.ingest_ok(event("e-1", "mention", "u-1", &["u-2"])).await;
    let id = listed(&s, "u-2", "tab=general").await[0]["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/v1/notifications/{id}/read"),
        "/v1/notifications/999999/read".into(),
        "/v1/notifications/abc/read".into(),
    ] {
        let (status, body) = s.post_as("u-3", &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    assert_eq!(s.counts("u-2").await["total"], 1);
}

#[tokio::test]
async fn read_all_marks_only_the_tab_and_category_asked_for() {
    let s = TestServer::start().await;
    for (i, kind) in [
        "mention",
        "mention",
        "deal.assigned",
        "task.status_changed",
        "conversation.assigned",
        "approval.deal.requested",
    ]
    .iter()
    .enumerate()
    {
        s.ingest_ok(event(&format!("e-{i}"), kind, "u-1", &["u-2", "u-3"])).await;
    }
    let (status, body) =
        s.post_as("u-2", "/v1/notifications/read-all", Some(json!({"tab": "general", "category": "mention"}))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"marked": 2})));
    let c = s.counts("u-2").await;
    assert_eq!(c["tabs"]["general"]["categories"]["mention"], 0);
    assert_eq!(c["tabs"]["general"]["total"], 2);
    assert_eq!(c["tabs"]["inbox"]["total"], 1);
    assert_eq!(c["tabs"]["approval"]["total"], 1);
    // The other recipient's copies are untouched.
    assert_eq!(s.counts("u-3").await["total"], 6);

    // "All" of a tab, twice: the second finds nothing left.
    let (_, body) =
        s.post_as("u-2", "/v1/notifications/read-all", Some(json!({"tab": "general", "category": null}))).await;
    assert_eq!(body, json!({"marked": 2}));
    let (_, body) = s.post_as("u-2", "/v1/notifications/read-all", Some(json!({"tab": "general"}))).await;
    assert_eq!(body, json!({"marked": 0}));
    assert_eq!(s.counts("u-2").await["total"], 2);
}

#[tokio::test]
async fn read_all_leaves_what_arrived_after_up_to_unread() {
    let s = TestServer::start().await;
    for i in 0..3 {
        s.ingest_ok(event(&format!("seen-{i}"), "mention", "u-1", &["u-2"])).await;
    }
    let seen = listed(&s, "u-2", "tab=general").await;
    let newest_seen = seen[0]["id"].as_str().unwrap().to_owned();
    // Arrives after the user looked, one of them backdated below what was seen.
    s.ingest_ok(event("late-new", "mention", "u-1", &["u-2"])).await;
    let mut backdated = event("late-old", "mention", "u-1", &["u-2"]);
    backdated["occurred_at"] = json!(days_ago(1.0));
    s.ingest_ok(backdated).await;

    let (status, body) =
        s.post_as("u-2", "/v1/notifications/read-all", Some(json!({"tab": "general", "up_to": newest_seen}))).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"marked": 3})));
    let unread = listed(&s, "u-2", "tab=general&unread_only=true").await;
    let mut kinds: Vec<String> = unread.iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    kinds.sort();
    assert_eq!(unread.len(), 2, "{unread:?}");
    assert!(unread.iter().all(|i| !ids(&seen).contains(&i["id"].as_str().unwrap().to_owned())));
}

#[tokio::test]
async fn bad_read_all_requests_name_the_field_and_mark_nothing() {
    let s = TestServer::start().await;
    s.ingest_ok(event("e-1", "mention", "u-1", &["u-2"])).await;
    for (body, field) in [
        (json!({}), "tab"),
        (json!({"tab": "everything"}), "tab"),
        (json!({"tab": 3}), "tab"),
        (json!({"tab": "inbox", "category": "mention"}), "category"),
        (json!({"tab": "general", "up_to": "latest"}), "up_to"),
        (json!({"tab": "general", "up_to": 5}), "up_to"),
        (json!({"tab": "general", "scope": "all"}), "scope"),
    ] {
        let (status, answer) = s.post_as("u-2", "/v1/notifications/read-all", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    assert_eq!(s.counts("u-2").await["total"], 1);
}
