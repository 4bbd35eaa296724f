//! Several `bell-server` processes on one PostgreSQL database (SPEC §6): a
//! notification, a read change or a pop-up handled by one process reaches
//! the streams held by another, and idempotency holds across them.
//!
//! These run when the suite runs on PostgreSQL (`cargo xtask test` does);
//! on SQLite, one file has one server, and they say so and pass.

mod common;

use common::process::ServerProcess;
use common::sse::Stream;
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Two processes on one fresh database, or `None` on SQLite.
async fn two_processes() -> Option<(ServerProcess, ServerProcess, tempfile::TempDir)> {
    if !on_postgres() {
        eprintln!("not on PostgreSQL: several processes need a shared database");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let a = ServerProcess::spawn(&url, &[]).await;
    let b = ServerProcess::spawn(&url, &[]).await;
    Some((a, b, dir))
}

fn token(user: &str) -> String {
    bell_server::Auth::new(JWT_SECRET, SERVICE_TOKEN).issue(user, 600)
}

async fn ingest(client: &reqwest::Client, base: &str, event: &Value) -> (StatusCode, Value) {
    let res = client.post(format!("{base}/v1/events")).bearer_auth(SERVICE_TOKEN).json(event).send().await.unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn notifications_and_read_changes_reach_streams_on_every_process() {
    let Some((a, b, _dir)) = two_processes().await else { return };
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
    let Some((a, b, _dir)) = two_processes().await else { return };
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

#[tokio::test]
async fn a_pop_up_reaches_the_device_stream_held_by_another_process() {
    let Some((a, b, _dir)) = two_processes().await else { return };
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

#[tokio::test]
async fn a_preferences_change_reaches_streams_and_routing_on_every_process() {
    let Some((a, b, _dir)) = two_processes().await else { return };
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
