//! Devices, presence, settings and the routing decisions recorded per device
//! (SPEC §5), with pop-ups reaching the right browser's stream.

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn put(s: &TestServer, user: &str, path: &str, body: Value) -> (StatusCode, Value) {
    s.call(Method::PUT, path, Some(&s.token(user)), Some(body)).await
}

/// The decisions for a notification, waiting for routing (it runs beside the request).
async fn decisions(s: &TestServer, user: &str, key: &str, expected: usize) -> Vec<(String, String, String)> {
    for _ in 0..200 {
        let (status, body) = s.get_as(user, &format!("/v1/deliveries?notification_id={key}")).await;
        // An incoming message is the user's once its decisions are recorded.
        if status == StatusCode::NOT_FOUND {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        let list = body.as_array().unwrap();
        if list.len() >= expected {
            return list
                .iter()
                .map(|d| {
                    let s = |k: &str| d[k].as_str().unwrap().to_owned();
                    (s("device_id"), s("channel"), s("decision"))
                })
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no routing decisions for {key}");
}

async fn devices(s: &TestServer, user: &str) {
    assert_eq!(
        put(s, user, "/v1/devices/web", json!({"device_id": "browser-1", "app": null, "push_token": null})).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, _) =
        put(s, user, "/v1/devices/android", json!({"device_id": "pixel-chat", "app": "chat", "push_token": "fcm-a"}))
            .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) =
        put(s, user, "/v1/devices/ios", json!({"device_id": "iphone-crm", "app": "crm", "push_token": "fcm-i"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn presence(s: &TestServer, user: &str, device: &str, platform: &str, app: &str, active: bool) {
    let body = json!({"device_id": device, "platform": platform, "app": app, "active": active});
    assert_eq!(put(s, user, "/v1/presence", body).await.0, StatusCode::NO_CONTENT);
}

fn newest_id(items: &[Value]) -> String {
    items[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn chat_events_skip_the_device_the_user_is_active_on_and_crm_events_always_go_out() {
    let fcm = fcm::Fcm::start().await;
    let s = TestServer::start_with_fcm(&fcm).await;
    devices(&s, "u-2").await;
    presence(&s, "u-2", "browser-1", "web", "chat", true).await;

    s.ingest_ok(event("chat-1", "conversation.assigned", "u-1", &["u-2"])).await;
    let id = newest_id(&s.list_all("u-2", "tab=inbox").await);
    let got = decisions(&s, "u-2", &id, 3).await;
    assert!(got.contains(&("browser-1".into(), "browser".into(), "suppressed".into())), "{got:?}");
    assert!(got.contains(&("pixel-chat".into(), "push".into(), "sent".into())), "{got:?}");
    assert!(got.contains(&("iphone-crm".into(), "push".into(), "suppressed".into())), "{got:?}");

    // Active only on Chat Mobile: the browser gets the pop-up, the phone nothing.
    presence(&s, "u-2", "browser-1", "web", "chat", false).await;
    presence(&s, "u-2", "pixel-chat", "android", "chat", true).await;
    s.ingest_ok(event("chat-2", "conversation.resolved", "u-1", &["u-2"])).await;
    let id = newest_id(&s.list_all("u-2", "tab=inbox").await);
    let got = decisions(&s, "u-2", &id, 3).await;
    assert!(got.contains(&("browser-1".into(), "browser".into(), "sent".into())), "{got:?}");
    assert!(got.contains(&("pixel-chat".into(), "push".into(), "suppressed".into())), "{got:?}");

    // CRM events: web and CRM Mobile always, whatever the presence; Chat Mobile never.
    presence(&s, "u-2", "browser-1", "web", "crm", true).await;
    s.ingest_ok(event("crm-1", "deal.assigned", "u-1", &["u-2"])).await;
    let id = newest_id(&s.list_all("u-2", "tab=general").await);
    let got = decisions(&s, "u-2", &id, 3).await;
    assert!(got.contains(&("browser-1".into(), "browser".into(), "sent".into())), "{got:?}");
    assert!(got.contains(&("iphone-crm".into(), "push".into(), "sent".into())), "{got:?}");
    assert!(got.contains(&("pixel-chat".into(), "push".into(), "suppressed".into())), "{got:?}");
    // Why: every decision says.
    let (_, body) = s.get_as("u-2", &format!("/v1/deliveries?notification_id={id}")).await;
    assert!(body.as_array().unwrap().iter().all(|d| !d["reason"].as_str().unwrap().is_empty()));
    // Someone else's notification, or none at all: 404, as for any other resource.
    let (status, body) = s.get_as("u-3", &format!("/v1/deliveries?notification_id={id}")).await;
    assert_eq!((status, &body["error"]["code"]), (StatusCode::NOT_FOUND, &json!("not_found")), "{body}");
    let (status, _) = s.get_as("u-2", "/v1/deliveries?notification_id=987654321").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn incoming_messages_are_routed_by_event_id_and_never_stored() {
    let fcm = fcm::Fcm::start().await;
    let s = TestServer::start_with_fcm(&fcm).await;
    devices(&s, "u-2").await;
    s.ingest_ok(event("msg-7", "message.incoming", "u-9", &["u-2"])).await;
    let got = decisions(&s, "u-2", "msg-7", 3).await;
    assert!(got.contains(&("browser-1".into(), "browser".into(), "sent".into())), "{got:?}");
    assert!(got.contains(&("pixel-chat".into(), "push".into(), "sent".into())), "{got:?}");
    assert!(got.contains(&("iphone-crm".into(), "push".into(), "suppressed".into())), "{got:?}");
    assert_eq!(s.row_count("notifications").await, 0);
}

#[tokio::test]
async fn presence_is_forgotten_after_its_ttl() {
    let s = TestServer::start_with(|c| c.presence_ttl = Duration::from_millis(300)).await;
    devices(&s, "u-2").await;
    presence(&s, "u-2", "browser-1", "web", "chat", true).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    s.ingest_ok(event("late", "conversation.assigned", "u-1", &["u-2"])).await;
    let id = newest_id(&s.list_all("u-2", "tab=inbox").await);
    let got = decisions(&s, "u-2", &id, 3).await;
    assert!(
        got.contains(&("browser-1".into(), "browser".into(), "sent".into())),
        "a stale report is not active: {got:?}"
    );
}

#[tokio::test]
async fn a_new_device_of_a_platform_replaces_the_old_one() {
    let fcm = fcm::Fcm::start().await;
    let s = TestServer::start_with_fcm(&fcm).await;
    put(&s, "u-2", "/v1/devices/android", json!({"device_id": "old-phone", "app": "crm", "push_token": "t1"})).await;
    put(&s, "u-2", "/v1/devices/android", json!({"device_id": "new-phone", "app": "crm", "push_token": "t2"})).await;
    s.ingest_ok(event("crm-2", "mention", "u-1", &["u-2"])).await;
    let id = newest_id(&s.list_all("u-2", "tab=general").await);
    let got = decisions(&s, "u-2", &id, 1).await;
    assert_eq!(got, vec![("new-phone".to_owned(), "push".to_owned(), "sent".to_owned())]);
}

#[tokio::test]
async fn bad_device_presence_and_settings_requests_name_the_field() {
    let s = TestServer::start().await;
    for (path, body, field) in [
        ("/v1/devices/desktop", json!({"device_id": "d"}), "platform"),
        ("/v1/devices/web", json!({}), "device_id"),
        ("/v1/devices/android", json!({"device_id": "p", "app": "mail"}), "app"),
        ("/v1/devices/android", json!({"device_id": "p", "push_token": 5}), "push_token"),
        ("/v1/presence", json!({"device_id": "d", "platform": "web", "app": "chat"}), "active"),
        ("/v1/presence", json!({"device_id": "d", "platform": "tv", "app": "chat", "active": true}), "platform"),
        ("/v1/presence", json!({"device_id": "d", "platform": "web", "active": true}), "app"),
        ("/v1/settings", json!({"sound": "loud"}), "sound"),
        ("/v1/settings", json!({"sound": true, "volume": 3}), "volume"),
    ] {
        let (status, answer) = put(&s, "u-2", path, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{path} {body}: {answer}");
    }
    let (status, answer) = s.get_as("u-2", "/v1/deliveries").await;
    assert_eq!((status, &answer["error"]["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("notification_id")));
}

#[tokio::test]
async fn settings_default_to_sound_on_and_are_per_user() {
    let s = TestServer::start().await;
    assert_eq!(s.get_as("u-2", "/v1/settings").await, (StatusCode::OK, json!({"sound": true})));
    assert_eq!(
        put(&s, "u-2", "/v1/settings", json!({"sound": false})).await,
        (StatusCode::OK, json!({"sound": false}))
    );
    assert_eq!(s.get_as("u-2", "/v1/settings").await.1, json!({"sound": false}));
    assert_eq!(s.get_as("u-3", "/v1/settings").await.1, json!({"sound": true}));
}

#[tokio::test]
async fn a_popup_reaches_only_the_stream_of_the_browser_it_was_routed_to() {
    let s = TestServer::start().await;
    devices(&s, "u-2").await;
    put(&s, "u-2", "/v1/settings", json!({"sound": false})).await;
    let token = s.token("u-2");
    let mut res =
        s.client.get(s.url(&format!("/v1/stream?access_token={token}&device_id=browser-1"))).send().await.unwrap();
    let mut other =
        s.client.get(s.url(&format!("/v1/stream?access_token={token}&device_id=another"))).send().await.unwrap();
    // Let both streams start (their first event is the counts).
    let _ = res.chunk().await.unwrap();
    let _ = other.chunk().await.unwrap();
    s.ingest_ok(event("pop-1", "deal.assigned", "u-1", &["u-2"])).await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !text.contains("event: popup") {
        let chunk = tokio::time::timeout_at(deadline, res.chunk()).await.expect("a popup within 5 s").unwrap().unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let data = text.split("event: popup").nth(1).unwrap().lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
    let popup: Value = serde_json::from_str(data).unwrap();
    let id = newest_id(&s.list_all("u-2", "tab=general").await);
    assert_eq!(popup["tag"], id.as_str());
    assert_eq!(popup["kind"], "deal.assigned");
    assert_eq!(popup["silent"], true, "sound is off");
    assert_eq!(popup["actor"]["name"], "User u-1");
    // The other device's stream gets the notification, not the pop-up.
    let mut seen = String::new();
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_millis(300), other.chunk()).await {
        seen.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(seen.contains("event: notification") && !seen.contains("event: popup"), "{seen}");
}
