//! Approvals decided from the bell (API.md §6), over real HTTP on SQLite
//! and PostgreSQL: actionable requests, first decision wins, settling for
//! every approver (read state, counts, streams), the producer's
//! resolution, and the signed, durable decision webhook.

mod common;

use std::time::Duration;

use common::process::ServerProcess;
use common::receiver::{Receiver, WEBHOOK_SECRET};
use common::sse::Stream;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An actionable deal approval request to `approvers`.
fn request(event_id: &str, approval_id: &str, approvers: &[&str]) -> Value {
    let mut e = event(event_id, "approval.deal.requested", "u-sales", approvers);
    e["approval_id"] = json!(approval_id);
    e
}

/// `user`'s notification of the approval tab (there is one in these tests).
async fn card(s: &TestServer, user: &str) -> Value {
    let items = s.list_all(user, "tab=approval").await;
    assert_eq!(items.len(), 1, "{items:?}");
    items[0].clone()
}

/// A token for `user` carrying the display name `name`.
fn named(s: &TestServer, user: &str, name: &str) -> String {
    s.running.state.auth.issue_named(user, Some(name), 3600)
}

/// The approval tab's first page, from the server at `base` (another process's too).
async fn approval_tab(client: &reqwest::Client, base: &str, token: &str) -> Value {
    let res = client.get(format!("{base}/v1/notifications?tab=approval")).bearer_auth(token).send().await.unwrap();
    res.json().await.unwrap()
}

async fn decide(s: &TestServer, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    s.call(Method::POST, &format!("/v1/notifications/{id}/decision"), Some(token), Some(body)).await
}

#[tokio::test]
async fn an_approval_id_makes_a_request_actionable_for_each_approver() {
    let s = TestServer::start().await;
    let body = s.ingest_ok(request("apv-evt-1", "apv-1", &["u-ayu", "u-budi"])).await;
    assert_eq!(body["stored"], 2);
    for user in ["u-ayu", "u-budi"] {
        let n = card(&s, user).await;
        assert_eq!(
            n["approval"],
            json!({"id": "apv-1", "state": "pending", "decided_by": null, "decided_at": null, "note": null, "source": null})
        );
    }
    // Other notifications say so with null, also approval requests without an id.
    s.ingest_ok(event("plain-1", "approval.expense.requested", "u-sales", &["u-citra"])).await;
    s.ingest_ok(event("plain-2", "mention", "u-sales", &["u-citra"])).await;
    for n in s.list_all("u-citra", "tab=approval").await.into_iter().chain(s.list_all("u-citra", "tab=general").await) {
        assert!(n.as_object().unwrap().contains_key("approval") && n["approval"].is_null(), "{n}");
    }
    // One approval row; a repeated event id changes nothing.
    let (status, again) = s.ingest(request("apv-evt-1", "apv-1", &["u-ayu", "u-budi", "u-dewi"])).await;
    assert_eq!((status, again["duplicate"].clone()), (StatusCode::OK, json!(true)));
    assert_eq!(s.row_count("approvals").await, 1);
    assert_eq!(s.list_all("u-dewi", "tab=approval").await.len(), 0);
}

#[tokio::test]
async fn an_approval_id_on_another_kind_is_refused_naming_the_field() {
    let s = TestServer::start().await;
    for kind in ["mention", "approval.deal.approved", "approval.expense.rejected", "message.incoming"] {
        let mut e = event(&format!("bad-{kind}"), kind, "u-sales", &["u-ayu"]);
        e["approval_id"] = json!("apv-x");
        let (status, body) = s.ingest(e).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {body}");
        assert_eq!(body["error"]["field"], "approval_id", "{kind}: {body}");
    }
    for bad in [json!(""), json!(42), json!("a\u{0}b"), json!("x".repeat(201))] {
        let mut e = request("bad-id", "apv-x", &["u-ayu"]);
        e["approval_id"] = bad.clone();
        let (status, body) = s.ingest(e).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "approval_id", "{bad}: {body}");
    }
    assert_eq!(s.row_count("notifications").await, 0);
    assert_eq!(s.row_count("approvals").await, 0);
}

#[tokio::test]
async fn the_first_decision_settles_it_for_every_approver() {
    let s = TestServer::start().await;
    s.ingest_ok(request("evt-2", "apv-2", &["u-ayu", "u-budi", "u-citra"])).await;
    s.ingest_ok(event("other", "approval.deal.requested", "u-sales", &["u-budi"])).await;
    assert_eq!(s.counts("u-budi").await["tabs"]["approval"]["total"], 2);
    let ayu = named(&s, "u-ayu", "Ayu Lestari");
    let mine = card(&s, "u-ayu").await;
    let id = mine["id"].as_str().unwrap();

    let (status, body) = decide(&s, &ayu, id, json!({"decision": "reject", "note": "Budget is <b>over</b>"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let approval = &body["approval"];
    assert_eq!(approval["state"], "rejected");
    assert_eq!(approval["decided_by"], json!({"id": "u-ayu", "name": "Ayu Lestari"}));
    assert_eq!(approval["note"], "Budget is <b>over</b>", "stored as text, as given");
    assert_eq!(approval["source"], "bell");
    assert!(approval["decided_at"].as_str().is_some_and(|t| bell_server::ingest::parse_time(t).is_some()));

    // Every approver's copy shows it and is read; counts follow.
    for user in ["u-ayu", "u-budi", "u-citra"] {
        let n = s.list_all(user, "tab=approval").await.into_iter().find(|n| !n["approval"].is_null()).unwrap();
        assert_eq!(&n["approval"], approval, "{user}");
        assert!(n["read_at"].is_string(), "{user}: read");
    }
    assert_eq!(s.counts("u-citra").await["total"], 0);
    assert_eq!(s.counts("u-budi").await["tabs"]["approval"]["total"], 1, "only the other request is left");

    // A second decision, by anyone, changes nothing and says who won.
    let budi_card = s.list_all("u-budi", "tab=approval").await.into_iter().find(|n| !n["approval"].is_null()).unwrap();
    let (status, late) =
        decide(&s, &s.token("u-budi"), budi_card["id"].as_str().unwrap(), json!({"decision": "approve"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{late}");
    assert_eq!(late["error"]["code"], "already_decided");
    assert_eq!(&late["approval"], approval);
    let (status, again) = decide(&s, &ayu, id, json!({"decision": "reject"})).await;
    assert_eq!((status, &again["approval"]), (StatusCode::CONFLICT, approval), "a double click");
}

#[tokio::test]
async fn the_name_is_the_tokens_or_else_its_subject() {
    let s = TestServer::start().await;
    s.ingest_ok(request("evt-3", "apv-3", &["u-ayu"])).await;
    let id = card(&s, "u-ayu").await["id"].as_str().unwrap().to_owned();
    let (status, body) = decide(&s, &s.token("u-ayu"), &id, json!({"decision": "approve", "note": null})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["approval"]["decided_by"], json!({"id": "u-ayu", "name": "u-ayu"}));
    assert_eq!(body["approval"]["note"], Value::Null);
}

#[tokio::test]
async fn decisions_refuse_what_they_cannot_do() {
    let s = TestServer::start().await;
    s.ingest_ok(request("evt-4", "apv-4", &["u-ayu"])).await;
    s.ingest_ok(event("plain", "approval.deal.requested", "u-sales", &["u-ayu"])).await;
    let items = s.list_all("u-ayu", "tab=approval").await;
    let actionable = items.iter().find(|n| !n["approval"].is_null()).unwrap()["id"].as_str().unwrap().to_owned();
    let plain = items.iter().find(|n| n["approval"].is_null()).unwrap()["id"].as_str().unwrap().to_owned();
    let ayu = s.token("u-ayu");
    let ok = json!({"decision": "approve"});

    // Not the caller's, not actionable, not an id.
    for (token, id) in [
        (s.token("u-budi"), actionable.as_str()),
        (ayu.clone(), plain.as_str()),
        (ayu.clone(), "x"),
        (ayu.clone(), "999"),
    ] {
        let (status, body) = decide(&s, &token, id, ok.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {body}");
    }
    // Bad decisions and notes name the field.
    for (body, field) in [
        (json!({"decision": "maybe"}), "decision"),
        (json!({}), "decision"),
        (json!({"decision": "approve", "note": "x".repeat(501)}), "note"),
        (json!({"decision": "approve", "note": 7}), "note"),
        (json!({"decision": "approve", "extra": 1}), "extra"),
    ] {
        let (status, answer) = decide(&s, &ayu, &actionable, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    // A note of exactly 500 characters (not bytes) is fine: checked below by deciding.
    let (status, _) =
        s.call(Method::POST, &format!("/v1/notifications/{actionable}/decision"), None, Some(ok.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = decide(&s, SERVICE_TOKEN, &actionable, ok.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(card_state(&s, "u-ayu").await, "pending", "nothing changed");

    // The longest note, each character sent escaped as a surrogate pair
    // (6 KB of JSON: over the other user endpoints' 4 KiB), is taken.
    let note = "😀".repeat(500);
    let escaped = format!(r#"{{"decision": "approve", "note": "{}"}}"#, r"\uD83D\uDE00".repeat(500));
    assert!(escaped.len() > 6000);
    let res = s
        .client
        .post(s.url(&format!("/v1/notifications/{actionable}/decision")))
        .bearer_auth(&ayu)
        .header("content-type", "application/json")
        .body(escaped)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["approval"]["note"], note);
}

async fn card_state(s: &TestServer, user: &str) -> String {
    let items = s.list_all(user, "tab=approval").await;
    items.iter().find(|n| !n["approval"].is_null()).unwrap()["approval"]["state"].as_str().unwrap().to_owned()
}

/// 50 approvers decide at once: exactly one wins.
#[tokio::test]
async fn fifty_concurrent_decisions_give_exactly_one_winner() {
    let s = TestServer::start().await;
    let approvers: Vec<String> = (0..50).map(|i| format!("u-a{i}")).collect();
    let refs: Vec<&str> = approvers.iter().map(String::as_str).collect();
    s.ingest_ok(request("evt-5", "apv-5", &refs)).await;
    let mut calls = Vec::new();
    for (i, user) in approvers.iter().enumerate() {
        let id = card(&s, user).await["id"].as_str().unwrap().to_owned();
        let token = named(&s, user, &format!("Approver {i}"));
        let decision = if i % 2 == 0 { "approve" } else { "reject" };
        calls.push((token, id, json!({"decision": decision})));
    }
    let answers = futures::future::join_all(calls.iter().map(|(t, id, b)| decide(&s, t, id, b.clone()))).await;
    assert_eq!(answers.iter().filter(|(st, _)| *st == StatusCode::OK).count(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|(st, _)| *st == StatusCode::CONFLICT).count(), 49, "{answers:?}");
    let winner = &answers.iter().find(|(st, _)| *st == StatusCode::OK).unwrap().1["approval"];
    assert!(answers.iter().all(|(_, b)| &b["approval"] == winner), "every loser sees the winner");
    assert_eq!(s.row_count("decisions").await, 1);
}

/// The same across two server processes on one PostgreSQL database.
#[tokio::test]
async fn first_decision_wins_across_server_processes() {
    if !on_postgres() {
        return; // One SQLite file has one server.
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let (a, b) = (ServerProcess::spawn(&url, &[]).await, ServerProcess::spawn(&url, &[]).await);
    let client = reqwest::Client::new();
    let approvers: Vec<String> = (0..50).map(|i| format!("u-p{i}")).collect();
    let mut e = request("evt-6", "apv-6", &approvers.iter().map(String::as_str).collect::<Vec<_>>());
    e["occurred_at"] = json!(bell_server::clock::rfc3339(bell_server::clock::now_ms()));
    let res = client.post(format!("{}/v1/events", a.base)).bearer_auth(SERVICE_TOKEN).json(&e).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let auth = bell_server::Auth::new(JWT_SECRET, SERVICE_TOKEN);
    let mut calls = Vec::new();
    for (i, user) in approvers.iter().enumerate() {
        let token = auth.issue_named(user, Some(user), 3600);
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let page = approval_tab(&client, base, &token).await;
        let id = page["items"][0]["id"].as_str().unwrap().to_owned();
        calls.push(
            client
                .post(format!("{base}/v1/notifications/{id}/decision"))
                .bearer_auth(token)
                .json(&json!({"decision": "approve"})),
        );
    }
    let answers =
        futures::future::join_all(calls.into_iter().map(|c| async { c.send().await.unwrap().status() })).await;
    assert_eq!(answers.iter().filter(|st| **st == StatusCode::OK).count(), 1, "{answers:?}");
    assert_eq!(answers.iter().filter(|st| **st == StatusCode::CONFLICT).count(), 49, "{answers:?}");
}

#[tokio::test]
async fn the_producer_resolves_elsewhere_with_the_same_effects() {
    let s = TestServer::start().await;
    s.ingest_ok(request("evt-7", "apv-7", &["u-ayu", "u-budi"])).await;
    let s = &s;
    let resolve = |id: &str, token: &str, body: Value| {
        let path = format!("/v1/approvals/{id}/resolve");
        let token = token.to_owned();
        async move { s.call(Method::POST, &path, Some(&token), Some(body)).await }
    };
    let by = json!({"id": "u-manager", "name": "Rina Manager"});
    // Bad input names the field; a user token is not the producer; unknown ids are 404.
    for (body, field) in [
        (json!({"state": "pending", "decided_by": by}), "state"),
        (json!({"state": "done", "decided_by": by}), "state"),
        (json!({"state": "approved"}), "decided_by"),
        (json!({"state": "approved", "decided_by": {"id": "", "name": "X"}}), "decided_by.id"),
        (json!({"state": "approved", "decided_by": {"id": "u-m", "name": " "}}), "decided_by.name"),
        (json!({"state": "approved", "decided_by": by, "note": "n".repeat(501)}), "note"),
    ] {
        let (status, answer) = resolve("apv-7", SERVICE_TOKEN, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let ok = json!({"state": "approved", "decided_by": by, "note": "Approved on the deal page"});
    assert_eq!(resolve("apv-7", &s.token("u-ayu"), ok.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(resolve("apv-unknown", SERVICE_TOKEN, ok.clone()).await.0, StatusCode::NOT_FOUND);
    assert_eq!(card_state(s, "u-ayu").await, "pending");

    let mut stream = Stream::open(s, "u-budi", None).await;
    let (status, body) = resolve("apv-7", SERVICE_TOKEN, ok.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["approval"]["source"], "producer");
    assert_eq!(body["approval"]["decided_by"], by);
    let change = stream.next_of("approval").await;
    assert_eq!(change.data["approval"], body["approval"]);
    for user in ["u-ayu", "u-budi"] {
        let n = card(s, user).await;
        assert_eq!(n["approval"], body["approval"]);
        assert!(n["read_at"].is_string());
    }
    // First wins here too; and the producer's own resolutions are not listed back to it.
    let (status, late) = resolve("apv-7", SERVICE_TOKEN, json!({"state": "rejected", "decided_by": by})).await;
    assert_eq!((status, &late["approval"]), (StatusCode::CONFLICT, &body["approval"]));
    let id = card(s, "u-ayu").await["id"].as_str().unwrap().to_owned();
    assert_eq!(decide(s, &s.token("u-ayu"), &id, json!({"decision": "reject"})).await.0, StatusCode::CONFLICT);
    let (_, decisions) = s.call(Method::GET, "/v1/decisions", Some(SERVICE_TOKEN), None).await;
    assert_eq!(decisions["items"], json!([]));
}

#[tokio::test]
async fn every_approvers_streams_hear_it_and_replay_it_after_reconnecting() {
    let s = TestServer::start().await;
    s.ingest_ok(request("evt-8", "apv-8", &["u-ayu", "u-budi"])).await;
    let budi_card = card(&s, "u-budi").await;
    let mut ayu_tab_1 = Stream::open(&s, "u-ayu", None).await;
    let mut ayu_tab_2 = Stream::open(&s, "u-ayu", None).await;
    let mut budi = Stream::open(&s, "u-budi", None).await;
    let seen = budi.next_of("counts").await;
    drop(budi); // Budi's tab is offline while it is decided.

    let ayu_id = card(&s, "u-ayu").await["id"].as_str().unwrap().to_owned();
    let (status, body) = decide(&s, &named(&s, "u-ayu", "Ayu Lestari"), &ayu_id, json!({"decision": "approve"})).await;
    assert_eq!(status, StatusCode::OK);
    for stream in [&mut ayu_tab_1, &mut ayu_tab_2] {
        let read = stream.next_of("read").await;
        assert_eq!(read.data, json!({"scope": "ids", "ids": [ayu_id]}));
        let change = stream.next_of("approval").await;
        assert_eq!(change.data, json!({"notification_id": ayu_id, "approval": body["approval"]}));
        assert_eq!(stream.next_of("counts").await.data["total"], 0);
    }
    // Budi comes back with Last-Event-ID: the settlement is replayed with his own id.
    let mut again = Stream::open(&s, "u-budi", Some(&seen.id)).await;
    let change = again.next_of("approval").await;
    assert_eq!(change.data, json!({"notification_id": budi_card["id"], "approval": body["approval"]}));
}

#[tokio::test]
async fn the_webhook_delivers_every_decision_signed_through_failures() {
    let receiver = Receiver::start().await;
    let url = receiver.url.clone();
    let s = TestServer::start_with(move |c| {
        c.webhook = Some(bell_server::webhook::WebhookSettings {
            url: url.parse().unwrap(),
            secret: WEBHOOK_SECRET.into(),
            first_retry: Duration::from_millis(100),
        })
    })
    .await;
    receiver.fail_next(3);
    for i in 0..5 {
        s.ingest_ok(request(&format!("evt-w{i}"), &format!("apv-w{i}"), &["u-ayu"])).await;
    }
    let ayu = named(&s, "u-ayu", "Ayu Lestari");
    let items = s.list_all("u-ayu", "tab=approval").await;
    let mut expected = Vec::new();
    for n in items.iter().rev() {
        let decision = if expected.len() % 2 == 0 { "approve" } else { "reject" };
        let (status, _) =
            decide(&s, &ayu, n["id"].as_str().unwrap(), json!({"decision": decision, "note": "ok"})).await;
        assert_eq!(status, StatusCode::OK);
        expected.push(n["approval"]["id"].as_str().unwrap().to_owned());
    }
    let got = receiver.wait_for(5, 20).await;
    assert_eq!(receiver.failed(), 3, "the receiver failed three deliveries");
    assert_eq!(receiver.bad_signatures(), 0);
    let mut delivered: Vec<String> = got.iter().map(|d| d["approval_id"].as_str().unwrap().to_owned()).collect();
    delivered.dedup();
    delivered.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(delivered, want, "every decision arrived");
    let first = got.iter().find(|d| d["approval_id"] == "apv-w0").unwrap();
    assert_eq!(first["event_id"], "evt-w0");
    assert_eq!(first["kind"], "approval.deal.requested");
    assert_eq!(first["decided_by"], json!({"id": "u-ayu", "name": "Ayu Lestari"}));
    assert_eq!(first["note"], "ok");
    assert!(uuid::Uuid::parse_str(first["delivery_id"].as_str().unwrap()).is_ok());

    // The reconciliation list: the same objects, in the order taken, in pages.
    let (status, page) = s.call(Method::GET, "/v1/decisions?limit=2", Some(SERVICE_TOKEN), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut listed: Vec<Value> = page["items"].as_array().unwrap().clone();
    let mut cursor = page["next_cursor"].as_str().unwrap().to_owned();
    loop {
        let (_, page) =
            s.call(Method::GET, &format!("/v1/decisions?limit=2&after={cursor}"), Some(SERVICE_TOKEN), None).await;
        let items = page["items"].as_array().unwrap();
        if items.is_empty() {
            assert_eq!(page["next_cursor"], cursor.as_str(), "an empty page keeps the place");
            break;
        }
        listed.extend(items.iter().cloned());
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
    }
    let order: Vec<&str> = listed.iter().map(|d| d["approval_id"].as_str().unwrap()).collect();
    assert_eq!(order, expected.iter().map(String::as_str).collect::<Vec<_>>());
    for d in &listed {
        assert!(got.contains(d), "the webhook sent {d}");
    }
    for (token, want) in [(s.token("u-ayu"), StatusCode::FORBIDDEN), (String::new(), StatusCode::UNAUTHORIZED)] {
        let bearer = (!token.is_empty()).then_some(token.as_str());
        assert_eq!(s.call(Method::GET, "/v1/decisions", bearer, None).await.0, want);
    }
    for bad in ["after=x", "after=-1", "limit=0", "limit=101"] {
        let (status, body) = s.call(Method::GET, &format!("/v1/decisions?{bad}"), Some(SERVICE_TOKEN), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(body["error"]["field"], bad.split('=').next().unwrap());
    }
}

/// Decisions wait in the outbox while the receiver is away and the server
/// restarts, and all arrive afterwards.
#[tokio::test]
async fn webhook_deliveries_survive_a_restart_while_the_receiver_is_away() {
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let hook = receiver.url.clone();
    let env = [
        ("BELL_DECISION_WEBHOOK_URL", hook.as_str()),
        ("BELL_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("BELL_WEBHOOK_FIRST_RETRY_MS", "100"),
    ];
    let server = ServerProcess::spawn(&url, &env).await;
    let client = reqwest::Client::new();
    let auth = bell_server::Auth::new(JWT_SECRET, SERVICE_TOKEN);
    let ayu = auth.issue_named("u-ayu", Some("Ayu Lestari"), 3600);
    let away = receiver.go_away().await;
    for i in 0..4 {
        let mut e = request(&format!("evt-r{i}"), &format!("apv-r{i}"), &["u-ayu"]);
        e["occurred_at"] = json!(bell_server::clock::rfc3339(bell_server::clock::now_ms()));
        let res =
            client.post(format!("{}/v1/events", server.base)).bearer_auth(SERVICE_TOKEN).json(&e).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
    }
    let page = approval_tab(&client, &server.base, &ayu).await;
    for n in page["items"].as_array().unwrap() {
        let res = client
            .post(format!("{}/v1/notifications/{}/decision", server.base, n["id"].as_str().unwrap()))
            .bearer_auth(&ayu)
            .json(&json!({"decision": "approve"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    // Refused connections meanwhile; then a restart, and the receiver returns.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let port = server.port();
    server.stop().await;
    let server = ServerProcess::spawn_on(port, &url, &env).await;
    let receiver = away.back().await;
    let got = receiver.wait_for(4, 30).await;
    let mut ids: Vec<&str> = got.iter().map(|d| d["approval_id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids, ["apv-r0", "apv-r1", "apv-r2", "apv-r3"], "{got:?}");
    assert_eq!(receiver.bad_signatures(), 0);
    drop(server);
}

/// A later request naming the same approval adds approvers to it; one that
/// comes after the decision arrives settled, and read.
#[tokio::test]
async fn a_later_request_for_the_same_approval_joins_it() {
    let s = TestServer::start().await;
    s.ingest_ok(request("evt-j1", "apv-j", &["u-ayu"])).await;
    s.ingest_ok(request("evt-j2", "apv-j", &["u-budi"])).await;
    assert_eq!(s.row_count("approvals").await, 1);
    let budi = card(&s, "u-budi").await;
    assert_eq!(budi["approval"]["state"], "pending");
    let (status, body) =
        decide(&s, &named(&s, "u-budi", "Budi Santoso"), budi["id"].as_str().unwrap(), json!({"decision": "approve"}))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(card(&s, "u-ayu").await["approval"], body["approval"], "the first request's approver too");
    s.ingest_ok(request("evt-j3", "apv-j", &["u-citra"])).await;
    let late = card(&s, "u-citra").await;
    assert_eq!(late["approval"], body["approval"]);
    assert!(late["read_at"].is_string(), "nothing to act on");
    assert_eq!(s.counts("u-citra").await["total"], 0);
}
