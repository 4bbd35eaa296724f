//! Several `bell-server` processes on one PostgreSQL database (SPEC §6): a
//! notification, a read change, a pop-up, an approval's settling or a
//! preferences change handled by one process reaches the streams held by
//! another, and idempotency holds across them. Each runs twice: with
//! PostgreSQL's LISTEN/NOTIFY as the bus between the processes, and with a
//! real NATS server (`BELL_BUS_URL`), which is also killed and restarted.
//!
//! These run when the suite runs on PostgreSQL (`cargo xtask test` does);
//! on SQLite, one file has one server, and they say so and pass.

mod common;

use common::nats::NatsServer;
use common::process::ServerProcess;
use common::sse::Stream;
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// What carries signals between the processes.
#[derive(Clone, Copy)]
enum Bus {
    Notify,
    Nats,
}

/// Each named test runs over both buses (`<name>::over_notify`, `<name>::over_nats`).
macro_rules! on_both_buses {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn over_notify() {
                super::$name(super::Bus::Notify).await
            }
            #[tokio::test]
            async fn over_nats() {
                super::$name(super::Bus::Nats).await
            }
        }
    )*};
}

on_both_buses!(
    notifications_and_read_changes_reach_streams_on_every_process,
    a_pop_up_reaches_the_device_stream_held_by_another_process,
    a_decision_settles_the_card_on_the_other_process,
    a_preferences_change_reaches_streams_and_routing_on_every_process,
);

/// What the processes share beside the database: its folder, and the NATS server.
struct Shared {
    _dir: tempfile::TempDir,
    nats: Option<NatsServer>,
}

/// Two processes on one fresh database over `bus`, or `None` on SQLite.
async fn two_processes(bus: Bus) -> Option<(ServerProcess, ServerProcess, Shared)> {
    if !on_postgres() {
        eprintln!("not on PostgreSQL: several processes need a shared database");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let nats = match bus {
        Bus::Notify => None,
        Bus::Nats => Some(NatsServer::start().await),
    };
    let env: Vec<(&str, &str)> = nats.iter().map(|n| ("BELL_BUS_URL", n.url.as_str())).collect();
    let a = ServerProcess::spawn(&url, &env).await;
    let b = ServerProcess::spawn(&url, &env).await;
    Some((a, b, Shared { _dir: dir, nats }))
}

fn token(user: &str) -> String {
    bell_server::Auth::new(JWT_SECRET, SERVICE_TOKEN).issue(user, 600)
}

async fn ingest(client: &reqwest::Client, base: &str, event: &Value) -> (StatusCode, Value) {
    let res = client.post(format!("{base}/v1/events")).bearer_auth(SERVICE_TOKEN).json(event).send().await.unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

async fn notifications_and_read_changes_reach_streams_on_every_process(bus: Bus) {
    let Some((a, b, _shared)) = two_processes(bus).await else { return };
    let client = reqwest::Client::new();
    let mut on_a = Stream::open_at(&client, &a.base, &token("u-2"), None).await;
    let mut on_b = Stream::open_at(&client, &b.base, &token("u-2"), None).await;
    assert_eq!(on_a.next().await.event, "counts");
    assert_eq!(on_b.next().await.event, "counts");

    // Ingested through B: A's stream gets it (and B's own).
    let (status, _) = ingest(&client, &b.base, &event("x-1", "mention", "u-1", &["u-2"])).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let n = on_a.next_of("notification").await;
    assert_eq!(n.data["kind"], "mention");
    assert_eq!(on_b.next_of("notification").await.data["id"], n.data["id"]);

    // Read through A: B's stream is told.
    let id = n.data["id"].as_str().unwrap();
    let res =
        client.post(format!("{}/v1/notifications/{id}/read", a.base)).bearer_auth(token("u-2")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let read = on_b.next_of("read").await;
    assert_eq!(read.data["ids"], json!([id]));
    assert_eq!(on_b.next_of("counts").await.data["total"], 0);
}

#[tokio::test]
async fn idempotency_holds_across_processes() {
    let Some((a, b, _shared)) = two_processes(Bus::Notify).await else { return };
    let client = reqwest::Client::new();
    let event = event("same-everywhere", "deal.assigned", "u-1", &["u-2", "u-3"]);
    let sends = (0..24).map(|i| {
        let (client, base, event) = (client.clone(), if i % 2 == 0 { &a.base } else { &b.base }.clone(), event.clone());
        tokio::spawn(async move { ingest(&client, &base, &event).await })
    });
    let answers: Vec<(StatusCode, Value)> =
        futures::future::join_all(sends).await.into_iter().map(Result::unwrap).collect();
    // The first to arrive stores (202); every other answers as a duplicate (200).
    let fresh: Vec<_> = answers.iter().filter(|(_, v)| v["duplicate"] == false).collect();
    assert_eq!(fresh.len(), 1, "stored once: {answers:?}");
    assert_eq!(fresh[0].0, StatusCode::ACCEPTED);
    assert!(answers.iter().filter(|(_, v)| v["duplicate"] == true).all(|(s, _)| *s == StatusCode::OK), "{answers:?}");
    assert!(answers.iter().all(|(_, v)| v["stored"] == 2), "every answer tells the same outcome: {answers:?}");
    for user in ["u-2", "u-3"] {
        let page = ServerProcess::general_page(&client, &a.base, &token(user)).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "one notification for {user}");
    }
}

/// Registers u-2's browser `browser-1` through the server at `base`.
async fn register_browser(client: &reqwest::Client, base: &str) {
    let res = client
        .put(format!("{base}/v1/devices/web"))
        .bearer_auth(token("u-2"))
        .json(&json!({"device_id": "browser-1", "app": null, "push_token": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

async fn a_pop_up_reaches_the_device_stream_held_by_another_process(bus: Bus) {
    let Some((a, b, _shared)) = two_processes(bus).await else { return };
    let client = reqwest::Client::new();
    register_browser(&client, &a.base).await;
    let res =
        client.get(format!("{}/v1/stream?device_id=browser-1", a.base)).bearer_auth(token("u-2")).send().await.unwrap();
    let mut stream = Stream { response: res, buffer: String::new() };
    assert_eq!(stream.next().await.event, "counts");

    // Routed on B (where it was ingested); shown by A's stream of that browser.
    let mut incoming = event("msg-1", "message.incoming", "u-1", &["u-2"]);
    incoming["args"] = json!({"contact_name": "Rina", "channel": "whatsapp", "preview": "Halo"});
    let (status, body) = ingest(&client, &b.base, &incoming).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let popup = stream.next_of("popup").await;
    assert_eq!(popup.data["kind"], "message.incoming");
    assert_eq!(popup.data["args"]["contact_name"], "Rina");
}

/// The decision recorded for `key`'s browser on `base` (routing runs beside the request).
async fn browser_decision(client: &reqwest::Client, base: &str, key: &str) -> (String, String) {
    for _ in 0..300 {
        let res = client
            .get(format!("{base}/v1/deliveries?notification_id={key}"))
            .bearer_auth(token("u-2"))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::OK {
            let list: Value = res.json().await.unwrap();
            if let Some(d) = list.as_array().unwrap().first() {
                return (d["decision"].as_str().unwrap().to_owned(), d["reason"].as_str().unwrap().to_owned());
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no routing decision for {key}");
}

async fn a_preferences_change_reaches_streams_and_routing_on_every_process(bus: Bus) {
    let Some((a, b, _shared)) = two_processes(bus).await else { return };
    let client = reqwest::Client::new();
    register_browser(&client, &a.base).await;
    let mut on_b = Stream::open_at(&client, &b.base, &token("u-2"), None).await;
    assert_eq!(on_b.next().await.event, "counts");

    // B routes an event first, so it holds u-2's (default) preferences.
    ingest(&client, &b.base, &event("before", "deal.assigned", "u-1", &["u-2"])).await;
    let id = on_b.next_of("notification").await.data["id"].as_str().unwrap().to_owned();
    assert_eq!(browser_decision(&client, &b.base, &id).await.0, "sent");

    // Changed through A: B's stream is told, and B's routing and ingestion follow.
    let change = json!({"channels": {"general.assignment": {"browser": false}, "general.mention": {"bell": false}}});
    let res = client.put(format!("{}/v1/preferences", a.base)).bearer_auth(token("u-2")).json(&change).send().await;
    let doc: Value = res.unwrap().json().await.unwrap();
    assert_eq!(on_b.next_of("preferences").await.data, doc);
    ingest(&client, &b.base, &event("after", "deal.assigned", "u-1", &["u-2"])).await;
    let id = on_b.next_of("notification").await.data["id"].as_str().unwrap().to_owned();
    assert_eq!(browser_decision(&client, &b.base, &id).await, ("suppressed".into(), "muted by preference".into()));
    let (_, outcome) = ingest(&client, &b.base, &event("mention", "mention", "u-1", &["u-2"])).await;
    assert_eq!((&outcome["stored"], &outcome["suppressed"]), (&json!(0), &json!(1)), "{outcome}");
}

async fn a_decision_settles_the_card_on_the_other_process(bus: Bus) {
    let Some((a, b, _shared)) = two_processes(bus).await else { return };
    let client = reqwest::Client::new();
    let mut request = event("apv-request", "approval.deal.requested", "u-sales", &["u-2", "u-3"]);
    request["approval_id"] = json!("apv-1");
    assert_eq!(ingest(&client, &a.base, &request).await.0, StatusCode::ACCEPTED);
    let mut on_a = Stream::open_at(&client, &a.base, &token("u-3"), None).await;
    assert_eq!(on_a.next().await.event, "counts");

    // u-2 approves through B; u-3's card, streamed by A, settles.
    let page = ServerProcess::general_page(&client, &b.base, &token("u-2")).await;
    assert!(page["items"].as_array().unwrap().is_empty(), "approvals are on their own tab");
    let res = client.get(format!("{}/v1/notifications?tab=approval", b.base)).bearer_auth(token("u-2")).send().await;
    let tab: Value = res.unwrap().json().await.unwrap();
    let id = tab["items"][0]["id"].as_str().unwrap();
    let res = client
        .post(format!("{}/v1/notifications/{id}/decision", b.base))
        .bearer_auth(token("u-2"))
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let change = on_a.next_of("approval").await;
    assert_eq!(change.data["approval"]["state"], "approved");
    assert_eq!(change.data["approval"]["decided_by"]["id"], "u-2");
}

/// Every notification `stream` delivers until it has `n`, by event id.
async fn notifications(stream: &mut Stream, n: usize) -> Vec<String> {
    let mut seen = Vec::new();
    while seen.len() < n {
        let e = stream.next_of("notification").await;
        seen.push(e.data["args"]["entity_name"].as_str().unwrap().to_owned());
    }
    seen
}

#[tokio::test]
async fn nats_killed_and_restarted_loses_and_repeats_nothing() {
    let Some((a, b, mut shared)) = two_processes(Bus::Nats).await else { return };
    let nats = shared.nats.as_mut().unwrap();
    let client = reqwest::Client::new();
    let mention = |n: usize| {
        let mut e = event(&format!("m-{n}"), "mention", "u-1", &["u-2"]);
        e["args"]["entity_name"] = json!(format!("deal {n}"));
        e
    };
    let mut on_a = Stream::open_at(&client, &a.base, &token("u-2"), None).await;
    assert_eq!(on_a.next().await.event, "counts");
    ingest(&client, &b.base, &mention(1)).await;
    assert_eq!(notifications(&mut on_a, 1).await, ["deal 1"]);

    // NATS goes away without a word; B goes on accepting events, whose
    // wake-ups reach nobody.
    nats.kill();
    for n in 2..=4 {
        assert_eq!(ingest(&client, &b.base, &mention(n)).await.0, StatusCode::ACCEPTED);
    }
    // Back: A's stream finds them in the store, once each, in order; what
    // follows is live again.
    nats.restart().await;
    assert_eq!(notifications(&mut on_a, 3).await, ["deal 2", "deal 3", "deal 4"]);
    ingest(&client, &b.base, &mention(5)).await;
    assert_eq!(notifications(&mut on_a, 1).await, ["deal 5"]);
    assert!(on_a.try_next(std::time::Duration::from_millis(300)).await.is_none_or(|e| e.event != "notification"));
}

#[tokio::test]
async fn each_process_hears_only_the_users_it_holds_streams_of_over_nats() {
    let Some((a, b, _shared)) = two_processes(Bus::Nats).await else { return };
    let client = reqwest::Client::new();
    let received = |base: String| {
        let client = client.clone();
        async move {
            let health: Value = client.get(format!("{base}/healthz")).send().await.unwrap().json().await.unwrap();
            assert_eq!(health["bus"], "nats");
            health["bus_received"].as_u64().unwrap()
        }
    };
    // u-2 streams on A only; events for u-2 and for u-9 (streamed nowhere) come in on B.
    let mut on_a = Stream::open_at(&client, &a.base, &token("u-2"), None).await;
    assert_eq!(on_a.next().await.event, "counts");
    let before = (received(a.base.clone()).await, received(b.base.clone()).await);
    for n in 0..5 {
        ingest(&client, &b.base, &event(&format!("to-2-{n}"), "mention", "u-1", &["u-2"])).await;
        ingest(&client, &b.base, &event(&format!("to-9-{n}"), "mention", "u-1", &["u-9"])).await;
    }
    let _ = notifications(&mut on_a, 5).await;
    let after = (received(a.base.clone()).await, received(b.base.clone()).await);
    assert!(after.0 - before.0 >= 1, "A heard u-2's wake-ups");
    assert_eq!(after.1, before.1, "B holds no stream: it heard nothing");
    // A's stream closes: A stops hearing u-2.
    drop(on_a);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let quiet = received(a.base.clone()).await;
    ingest(&client, &b.base, &event("to-2-late", "mention", "u-1", &["u-2"])).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(received(a.base.clone()).await, quiet, "no stream of u-2 left on A: nothing sent to it");
}
