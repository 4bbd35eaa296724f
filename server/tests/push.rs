//! Mobile push through the FCM HTTP v1 gateway, pointed at a loopback
//! stand-in that checks each request: delivery, retries with backoff,
//! dropped tokens, and an outbox that drains once the gateway is back.

mod common;

use std::time::Duration;

use common::fcm::Fcm;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn phone(s: &TestServer, user: &str, app: &str, token: &str) {
    let body = json!({"device_id": format!("phone-{app}"), "app": app, "push_token": token});
    let (status, _) = s.call(Method::PUT, "/v1/devices/android", Some(&s.token(user)), Some(body)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

async fn wait_for(fcm: &Fcm, n: usize) -> Vec<Value> {
    for _ in 0..300 {
        let got = fcm.messages();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{n} pushes did not arrive: {:?}", fcm.messages());
}

#[tokio::test]
async fn a_chat_event_reaches_chat_mobile_as_an_fcm_data_message() {
    let fcm = Fcm::start().await;
    let s = TestServer::start_with_fcm(&fcm).await;
    phone(&s, "u-2", "chat", "fcm-token-1").await;
    s.ingest_ok(event("push-1", "conversation.assigned", "u-1", &["u-2"])).await;
    let got = wait_for(&fcm, 1).await;
    let m = &got[0];
    assert_eq!(m["token"], "fcm-token-1");
    assert_eq!(m["data"]["kind"], "conversation.assigned");
    let args: Value = serde_json::from_str(m["data"]["args"].as_str().unwrap()).unwrap();
    assert_eq!(args["contact_name"], "contact_name value");
    assert_eq!(m["android"]["priority"], "high");
    let id = s.list_all("u-2", "tab=inbox").await[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(m["data"]["tag"], id.as_str());
    assert_eq!(fcm.inbox.lock().unwrap().token_requests, 1);
    // The access token is reused.
    s.ingest_ok(event("push-2", "message.incoming", "u-9", &["u-2"])).await;
    wait_for(&fcm, 2).await;
    assert_eq!(fcm.inbox.lock().unwrap().token_requests, 1);
}

#[tokio::test]
async fn server_errors_and_429_are_retried_with_backoff_until_delivered() {
    let fcm = Fcm::start().await;
    fcm.inbox.lock().unwrap().failures.extend([503, 429, 500]);
    let s = TestServer::start_with_fcm(&fcm).await;
    phone(&s, "u-2", "crm", "fcm-token-2").await;
    s.ingest_ok(event("retry-1", "deal.assigned", "u-1", &["u-2"])).await;
    let got = wait_for(&fcm, 1).await;
    assert_eq!(got[0]["token"], "fcm-token-2");
    assert!(fcm.inbox.lock().unwrap().failures.is_empty(), "all three failures were answered first");
    // (The row goes once the worker has read FCM's answer, just after FCM saw the message.)
    outbox_drains(&s).await;
}

/// Delivered pushes leave the outbox (within 6 s).
async fn outbox_drains(s: &TestServer) {
    for _ in 0..300 {
        if s.row_count("push_outbox").await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the outbox did not drain");
}

#[tokio::test]
async fn an_unregistered_token_is_dropped_from_its_device() {
    let fcm = Fcm::start().await;
    fcm.inbox.lock().unwrap().dead.insert("dead-token".into());
    let s = TestServer::start_with_fcm(&fcm).await;
    phone(&s, "u-2", "crm", "dead-token").await;
    s.ingest_ok(event("dead-1", "deal.assigned", "u-1", &["u-2"])).await;
    let db = s.db().await;
    for _ in 0..300 {
        let token: Option<String> =
            sqlx::query_scalar("SELECT push_token FROM devices WHERE user_id = 'u-2'").fetch_one(&db).await.unwrap();
        if token.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(s.row_count("push_outbox").await, 0);
    s.ingest_ok(event("dead-2", "deal.assigned", "u-1", &["u-2"])).await;
    let id = s.list_all("u-2", "tab=general").await[0]["id"].as_str().unwrap().to_owned();
    for _ in 0..300 {
        let (_, body) = s.get_as("u-2", &format!("/v1/deliveries?notification_id={id}")).await;
        if let Some(d) = body.as_array().and_then(|a| a.first()) {
            assert_eq!(
                (d["decision"].as_str(), d["reason"].as_str()),
                (Some("suppressed"), Some("no push token registered"))
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no decision recorded");
}

#[tokio::test]
async fn nothing_is_lost_while_the_gateway_is_down() {
    let fcm = Fcm::prepare(); // not listening yet
    let s = TestServer::start_with_fcm(&fcm).await;
    phone(&s, "u-2", "chat", "fcm-token-3").await;
    for i in 0..3 {
        s.ingest_ok(event(&format!("down-{i}"), "message.incoming", "u-9", &["u-2"])).await;
    }
    for _ in 0..300 {
        if s.row_count("push_outbox").await == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.row_count("push_outbox").await, 3, "kept while the gateway is unreachable");
    fcm.serve().await;
    let got = wait_for(&fcm, 3).await;
    assert!(got.iter().all(|m| m["token"] == "fcm-token-3"));
    outbox_drains(&s).await;
}
