//! `POST /v1/events`: validation, the ingestion rules, idempotency, fan-out.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn every_kind_of_the_protocol_table_is_accepted_and_placed_in_its_tab() {
    let s = TestServer::start().await;
    for (i, spec) in bell_protocol::KINDS.iter().enumerate() {
        let body = s.ingest_ok(event(&format!("e-{i}"), spec.name, "u-1", &["u-2"])).await;
        let stored = u64::from(spec.placement.is_some());
        assert_eq!(body, json!({"stored": stored, "suppressed": 0, "duplicate": false}), "{}", spec.name);
    }
    for spec in bell_protocol::KINDS {
        let Some((tab, category)) = spec.placement else {
            continue;
        };
        let items = s.list_all("u-2", &format!("tab={}&category={}", tab.as_str(), category.as_str())).await;
        let item = items.iter().find(|i| i["kind"] == spec.name).unwrap_or_else(|| panic!("{} not listed", spec.name));
        assert_eq!(item["tab"], tab.as_str());
        assert_eq!(item["category"], category.as_str());
        assert_eq!(item["args"], sample_args(spec.name));
        assert_eq!(item["read_at"], Value::Null);
    }
}

/// Each bad event is answered with the error code and the field, and stores nothing.
#[tokio::test]
async fn bad_events_name_the_field_and_change_nothing() {
    let s = TestServer::start().await;
    let good = event("e-bad", "deal.assigned", "u-1", &["u-2"]);
    let with = |path: &[&str], value: Value| {
        let mut e = good.clone();
        let mut target = &mut e;
        for p in &path[..path.len() - 1] {
            target = &mut target[*p];
        }
        target[path[path.len() - 1]] = value;
        e
    };
    let without = |path: &[&str]| {
        let mut e = good.clone();
        let mut target = &mut e;
        for p in &path[..path.len() - 1] {
            target = &mut target[*p];
        }
        target.as_object_mut().unwrap().remove(path[path.len() - 1]);
        e
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (without(&["id"]), "missing_field", "id"),
        (with(&["id"], json!(7)), "invalid_type", "id"),
        (with(&["id"], json!("")), "invalid_value", "id"),
        (without(&["kind"]), "missing_field", "kind"),
        (with(&["kind"], json!("deal.exploded")), "unknown_kind", "kind"),
        (without(&["actor"]), "missing_field", "actor"),
        (with(&["actor"], json!("u-1")), "invalid_type", "actor"),
        (with(&["actor", "type"], json!("robot")), "invalid_value", "actor.type"),
        (without(&["actor", "name"]), "missing_field", "actor.name"),
        (with(&["actor", "id"], json!("u 1")), "invalid_value", "actor.id"),
        (without(&["recipients"]), "missing_field", "recipients"),
        (with(&["recipients"], json!("u-2")), "invalid_type", "recipients"),
        (with(&["recipients"], json!([])), "invalid_value", "recipients"),
        (with(&["recipients"], json!(["u-2", 3])), "invalid_type", "recipients.1"),
        (with(&["recipients"], json!(["u-2", "<script>"])), "invalid_recipient", "recipients.1"),
        (without(&["args"]), "missing_field", "args"),
        (with(&["args"], json!([])), "invalid_type", "args"),
        (without(&["args", "deal_name"]), "missing_field", "args.deal_name"),
        (with(&["args", "deal_name"], json!(42)), "invalid_type", "args.deal_name"),
        (with(&["args", "deal_name"], json!("")), "invalid_value", "args.deal_name"),
        (with(&["args", "extra"], json!("x")), "unknown_field", "args.extra"),
        (with(&["priority"], json!("high")), "unknown_field", "priority"),
        (with(&["link"], json!("javascript:alert(1)")), "invalid_link", "link"),
        (with(&["link"], json!("data:text/html,hi")), "invalid_link", "link"),
        (with(&["link"], json!("//evil.example/x")), "invalid_link", "link"),
        (with(&["link"], json!("https://evil.example/x")), "invalid_link", "link"),
        (with(&["link"], json!("http://app.qontak.com/x")), "invalid_link", "link"),
        (with(&["link"], json!(5)), "invalid_type", "link"),
        (with(&["occurred_at"], json!("last tuesday")), "invalid_value", "occurred_at"),
    ];
    for (body, code, field) in cases {
        let (status, answer) = s.ingest(body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {answer}");
        assert_eq!(answer["error"]["code"], code, "{body} -> {answer}");
        assert_eq!(answer["error"]["field"], field, "{body} -> {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains('`'), "{answer}");
    }
    // Typed arguments of other kinds.
    let mut export = event("e-x", "export.completed", "u-1", &["u-2"]);
    export["args"]["rows"] = json!("12");
    let (status, answer) = s.ingest(export).await;
    assert_eq!((status, &answer["error"]["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("args.rows")));
    let mut expense = event("e-y", "approval.expense.requested", "u-1", &["u-2"]);
    expense["args"]["currency"] = json!("rupiah");
    let (_, answer) = s.ingest(expense).await;
    assert_eq!(answer["error"]["field"], "args.currency");
    let mut reminder = event("e-z", "reminder.due", "u-1", &["u-2"]);
    reminder["args"]["due_at"] = json!("tomorrow");
    let (_, answer) = s.ingest(reminder).await;
    assert_eq!(answer["error"]["field"], "args.due_at");

    // Not JSON at all.
    let res = s
        .client
        .post(s.url("/v1/events"))
        .bearer_auth(SERVICE_TOKEN)
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "invalid_json");

    assert_eq!(s.row_count("notifications").await, 0);
    assert_eq!(s.row_count("events").await, 0);
    // The event id of a refused event is still free.
    s.ingest_ok(good).await;
}

#[tokio::test]
async fn oversize_payloads_are_refused_with_413() {
    let s = TestServer::start().await;
    let mut e = event("e-big", "deal.assigned", "u-1", &["u-2"]);
    e["args"]["padding"] = json!("x".repeat(70 * 1024));
    let (status, body) = s.ingest(e).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(s.row_count("events").await, 0);
}

#[tokio::test]
async fn links_on_allowed_https_hosts_and_relative_paths_are_kept() {
    let s = TestServer::start().await;
    let mut e = event("e-1", "deal.assigned", "u-1", &["u-2"]);
    e["link"] = json!("https://app.qontak.com/deals/42?tab=notes");
    s.ingest_ok(e).await;
    let mut e = event("e-2", "ticket.assigned", "u-1", &["u-2"]);
    e.as_object_mut().unwrap().remove("link");
    s.ingest_ok(e).await;
    let items = s.list_all("u-2", "tab=general").await;
    assert_eq!(items[0]["link"], Value::Null);
    assert_eq!(items[1]["link"], "https://app.qontak.com/deals/42?tab=notes");
}

#[tokio::test]
async fn self_assignment_is_suppressed_for_the_actor_only() {
    let s = TestServer::start().await;
    for (i, kind) in
        ["deal.assigned", "ticket.assigned", "task.assigned", "task.checklist_assigned", "conversation.assigned"]
            .iter()
            .enumerate()
    {
        let body = s.ingest_ok(event(&format!("a-{i}"), kind, "u-1", &["u-1", "u-2"])).await;
        assert_eq!(body, json!({"stored": 1, "suppressed": 1, "duplicate": false}), "{kind}");
    }
    // Assigning only yourself stores nothing at all.
    let body = s.ingest_ok(event("a-self", "deal.assigned", "u-1", &["u-1"])).await;
    assert_eq!(body, json!({"stored": 0, "suppressed": 1, "duplicate": false}));
    assert_eq!(s.counts("u-1").await["total"], 0);
    assert_eq!(s.counts("u-2").await["total"], 5);
    // Not an assignment: mentioning yourself is kept.
    let body = s.ingest_ok(event("m-self", "mention", "u-1", &["u-1"])).await;
    assert_eq!(body["stored"], 1);
}

#[tokio::test]
async fn system_actor_is_kept_as_system() {
    let s = TestServer::start().await;
    let mut e = event("sys-1", "deal.assigned", "u-1", &["u-2"]);
    e["actor"] = json!({"type": "system"});
    s.ingest_ok(e).await;
    let items = s.list_all("u-2", "tab=general").await;
    assert_eq!(items[0]["actor"], json!({"type": "system"}));
    // A mention keeps the person who posted it.
    s.ingest_ok(event("men-1", "mention", "u-7", &["u-2"])).await;
    let items = s.list_all("u-2", "tab=general&category=mention").await;
    assert_eq!(items[0]["actor"], json!({"type": "user", "id": "u-7", "name": "User u-7"}));
}

#[tokio::test]
async fn incoming_messages_are_accepted_but_never_stored_or_counted() {
    let s = TestServer::start().await;
    let body = s.ingest_ok(event("msg-1", "message.incoming", "u-9", &["u-2"])).await;
    assert_eq!(body, json!({"stored": 0, "suppressed": 0, "duplicate": false}));
    assert_eq!(s.row_count("notifications").await, 0);
    assert_eq!(s.counts("u-2").await["total"], 0);
    for tab in ["general", "inbox", "approval"] {
        assert!(s.list_all("u-2", &format!("tab={tab}")).await.is_empty());
    }
    // Still idempotent.
    let (status, body) = s.ingest(event("msg-1", "message.incoming", "u-9", &["u-2"])).await;
    assert_eq!((status, body["duplicate"].clone()), (StatusCode::OK, json!(true)));
}

#[tokio::test]
async fn a_repeated_event_id_changes_nothing_and_answers_success() {
    let s = TestServer::start().await;
    s.ingest_ok(event("dup-1", "deal.assigned", "u-1", &["u-2", "u-3"])).await;
    // A retry, even with other content, stores nothing more.
    let mut retry = event("dup-1", "ticket.assigned", "u-1", &["u-2", "u-4"]);
    retry["args"] = json!({"ticket_name": "other"});
    let (status, body) = s.ingest(retry).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"stored": 2, "suppressed": 0, "duplicate": true}));
    assert_eq!(s.row_count("notifications").await, 2);
    assert!(s.list_all("u-4", "tab=general").await.is_empty());
}

#[tokio::test]
async fn concurrent_duplicates_store_exactly_once() {
    let s = TestServer::start().await;
    let attempts = 24;
    let sends = (0..attempts).map(|_| s.ingest(event("race-1", "deal.assigned", "u-1", &["u-2", "u-3"])));
    let answers = futures::future::join_all(sends).await;
    let accepted = answers.iter().filter(|(st, _)| *st == StatusCode::ACCEPTED).count();
    let duplicates = answers.iter().filter(|(st, b)| *st == StatusCode::OK && b["duplicate"] == true).count();
    assert_eq!((accepted, duplicates), (1, attempts - 1), "{answers:?}");
    assert_eq!(s.row_count("notifications").await, 2);
}

#[tokio::test]
async fn fan_out_gives_each_recipient_a_copy_with_its_own_read_state() {
    let s = TestServer::start().await;
    let body = s.ingest_ok(event("fan-1", "mention", "u-1", &["u-2", "u-3", "u-4", "u-3"])).await;
    assert_eq!(body["stored"], 3, "a recipient named twice gets one copy");
    let mine = s.list_all("u-2", "tab=general").await;
    let (status, _) =
        s.post_as("u-2", &format!("/v1/notifications/{}/read", mine[0]["id"].as_str().unwrap()), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(s.counts("u-2").await["total"], 0);
    assert_eq!(s.counts("u-3").await["total"], 1);
    assert_eq!(s.counts("u-4").await["total"], 1);
    let theirs = s.list_all("u-3", "tab=general").await;
    assert_eq!(theirs[0]["read_at"], Value::Null);
}

#[tokio::test]
async fn occurred_at_sets_created_at_and_a_future_time_is_clamped_to_now() {
    let s = TestServer::start().await;
    let mut past = event("t-past", "mention", "u-1", &["u-2"]);
    past["occurred_at"] = json!("2026-11-24T15:15:00+07:00");
    let mut future = event("t-future", "mention", "u-1", &["u-2"]);
    future["occurred_at"] = json!("2999-01-01T00:00:00Z");
    let before = bell_server::clock::now_ms();
    s.ingest_ok(past).await;
    s.ingest_ok(future).await;
    let after = bell_server::clock::now_ms();
    let items = s.list_all("u-2", "tab=general").await;
    let future_item = &items[0];
    let t = bell_server::ingest::parse_time(future_item["created_at"].as_str().unwrap()).unwrap();
    assert!(t >= before && t <= after, "future time clamped to arrival: {future_item}");
    // The backdated one keeps its own time, normalised to UTC.
    let db = s.db().await;
    let stored: i64 = sqlx::query_scalar("SELECT created_at FROM notifications WHERE event_id = 't-past'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(stored, bell_server::ingest::parse_time("2026-11-24T08:15:00Z").unwrap());
}

#[tokio::test]
async fn producer_credentials_are_required() {
    let s = TestServer::start().await;
    let e = event("auth-1", "mention", "u-1", &["u-2"]);
    let (status, body) = s.call(reqwest::Method::POST, "/v1/events", None, Some(e.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "missing_token");
    let (status, _) = s.call(reqwest::Method::POST, "/v1/events", Some("wrong"), Some(e.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let user = s.token("u-1");
    let (status, body) = s.call(reqwest::Method::POST, "/v1/events", Some(&user), Some(e)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden");
    assert_eq!(s.row_count("events").await, 0);
}

/// A link is stored as the WHATWG URL parser reads it (what a browser will
/// follow), not as the producer spelled it.
#[tokio::test]
async fn links_are_stored_normalized() {
    let s = TestServer::start().await;
    for (i, (sent, stored)) in [
        ("https://app.qontak.com\\@evil.com", "https://app.qontak.com/@evil.com"),
        ("https://APP.qontak.com:443/deals/../tasks/7", "https://app.qontak.com/tasks/7"),
        ("/deals/./42/../43?tab=notes#top", "/deals/43?tab=notes#top"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut e = event(&format!("link-{i}"), "mention", "u-1", &[&format!("u-link-{i}")]);
        e["link"] = json!(sent);
        s.ingest_ok(e).await;
        let items = s.list_all(&format!("u-link-{i}"), "tab=general").await;
        assert_eq!(items[0]["link"], stored, "{sent}");
    }
}

/// Dates are real instants, and an event already past its tab's retention
/// (stored, but never shown) is refused naming `occurred_at`.
#[tokio::test]
async fn dates_are_real_and_within_retention() {
    let s = TestServer::start().await;
    let mut reminder = event("d-1", "reminder.due", "u-1", &["u-2"]);
    reminder["args"]["due_at"] = json!("2026-99-99T99:99:99Z");
    let (status, answer) = s.ingest(reminder).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("args.due_at")));
    assert_eq!(answer["error"]["code"], "invalid_value");
    let mut reminder = event("d-2", "reminder.due", "u-1", &["u-2"]);
    reminder["args"]["due_at"] = json!("2026-02-30T10:00:00Z");
    assert_eq!(s.ingest(reminder).await.0, StatusCode::UNPROCESSABLE_ENTITY, "no 30 February");

    for (id, kind, days) in [("old-inbox", "conversation.assigned", 7.5), ("old-general", "mention", 91.0)] {
        let mut e = event(id, kind, "u-1", &["u-2"]);
        e["occurred_at"] = json!(days_ago(days));
        let (status, answer) = s.ingest(e).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(
            (answer["error"]["code"].as_str(), answer["error"]["field"].as_str()),
            (Some("invalid_value"), Some("occurred_at"))
        );
    }
    // Just inside: stored and listed.
    let mut e = event("fresh-inbox", "conversation.assigned", "u-1", &["u-2"]);
    e["occurred_at"] = json!(days_ago(6.9));
    s.ingest_ok(e).await;
    assert_eq!(s.row_count("notifications").await, 1);
    assert_eq!(s.list_all("u-2", "tab=inbox").await.len(), 1);
}
