//! Preferences per category and channel, and quiet hours (API.md §7),
//! through the real HTTP API: the document, partial changes, each refusal
//! naming its field, and their effects on what is stored and routed.

mod common;

use std::time::Duration;

use bell_protocol::Topic;
use chrono::{Timelike, Utc};
use common::sse::Stream;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn put(s: &TestServer, user: &str, path: &str, body: Value) -> (StatusCode, Value) {
    s.call(Method::PUT, path, Some(&s.token(user)), Some(body)).await
}

async fn prefs(s: &TestServer, user: &str) -> Value {
    let (status, body) = s.get_as(user, "/v1/preferences").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// A browser and two phones (Chat Mobile, CRM Mobile), as in routing.rs.
async fn devices(s: &TestServer, user: &str) {
    for (path, body) in [
        ("/v1/devices/web", json!({"device_id": "browser-1", "app": null, "push_token": null})),
        ("/v1/devices/android", json!({"device_id": "pixel-chat", "app": "chat", "push_token": "fcm-a"})),
        ("/v1/devices/ios", json!({"device_id": "iphone-crm", "app": "crm", "push_token": "fcm-i"})),
    ] {
        assert_eq!(put(s, user, path, body).await.0, StatusCode::NO_CONTENT);
    }
}

/// Each device's `(decision, reason)` for a notification, once routed.
async fn routed(s: &TestServer, user: &str, key: &str, devices: usize) -> Vec<(String, String, String)> {
    for _ in 0..300 {
        let (status, body) = s.get_as(user, &format!("/v1/deliveries?notification_id={key}")).await;
        if status == StatusCode::OK && body.as_array().unwrap().len() >= devices {
            let mut got: Vec<(String, String, String)> = body
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    let s = |k: &str| d[k].as_str().unwrap().to_owned();
                    (s("device_id"), s("decision"), s("reason"))
                })
                .collect();
            got.sort();
            return got;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no routing decisions for {key}");
}

fn decision(device: &str, decision: &str, reason: &str) -> (String, String, String) {
    (device.into(), decision.into(), reason.into())
}

fn newest_id(s: &[Value]) -> String {
    s[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_key_of_the_kinds_table_is_there_all_on_and_a_change_keeps_the_rest() {
    let s = TestServer::start().await;
    let doc = prefs(&s, "u-2").await;
    let keys: Vec<String> = doc["channels"].as_object().unwrap().keys().cloned().collect();
    let mut expected: Vec<String> = Topic::all().map(Topic::key).collect();
    expected.sort();
    assert_eq!(keys, expected, "every <tab>.<category> of the kinds table and chat.incoming");
    for (key, switches) in doc["channels"].as_object().unwrap() {
        let want = if key == "chat.incoming" {
            json!({"browser": true, "push": true})
        } else {
            json!({"bell": true, "browser": true, "push": true})
        };
        assert_eq!(switches, &want, "{key}");
    }
    assert_eq!((&doc["quiet_hours"], &doc["sound"]), (&Value::Null, &json!(true)));

    let quiet = json!({"start": "21:00", "end": "07:00", "days": ["mon", "tue"], "time_zone": "Asia/Jakarta"});
    let (status, changed) = put(
        &s,
        "u-2",
        "/v1/preferences",
        json!({"channels": {"general.update": {"browser": false}}, "quiet_hours": quiet}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["channels"]["general.update"], json!({"bell": true, "browser": false, "push": true}));
    assert_eq!(changed["quiet_hours"], quiet);
    assert_eq!(prefs(&s, "u-2").await, changed, "the answer is the whole document as stored");
    // A second change names something else: the first stays.
    let (_, again) = put(&s, "u-2", "/v1/preferences", json!({"channels": {"chat.incoming": {"push": false}}})).await;
    assert_eq!(again["channels"]["general.update"]["browser"], false);
    assert_eq!(again["channels"]["chat.incoming"], json!({"browser": true, "push": false}));
    assert_eq!(again["quiet_hours"], quiet);
    // Another user is untouched.
    assert_eq!(prefs(&s, "u-3").await, doc);
    // `null` turns quiet hours off.
    let (_, off) = put(&s, "u-2", "/v1/preferences", json!({"quiet_hours": null})).await;
    assert_eq!(off["quiet_hours"], Value::Null);

    // `sound` is one field with /v1/settings, both ways.
    assert_eq!(put(&s, "u-2", "/v1/settings", json!({"sound": false})).await.0, StatusCode::OK);
    assert_eq!(prefs(&s, "u-2").await["sound"], false);
    put(&s, "u-2", "/v1/preferences", json!({"sound": true})).await;
    assert_eq!(s.get_as("u-2", "/v1/settings").await.1, json!({"sound": true}));
}

#[tokio::test]
async fn every_refusal_names_its_field_and_changes_nothing() {
    let s = TestServer::start().await;
    put(&s, "u-2", "/v1/preferences", json!({"channels": {"general.update": {"push": false}}})).await;
    let before = prefs(&s, "u-2").await;
    let quiet = |start: &str, end: &str, days: Value, zone: &str| json!({"quiet_hours": {"start": start, "end": end, "days": days, "time_zone": zone}});
    for (body, field) in [
        (json!({"channels": {"general.nope": {"push": false}}}), "channels.general.nope"),
        (json!({"channels": {"general.reminder": {"sms": false}}}), "channels.general.reminder.sms"),
        (json!({"channels": {"general.reminder": {"push": "no"}}}), "channels.general.reminder.push"),
        (json!({"channels": {"general.reminder": {"push": null}}}), "channels.general.reminder.push"),
        (json!({"channels": {"approval.deal": {"bell": false}}}), "channels.approval.deal.bell"),
        (json!({"channels": {"approval.expense": {"bell": false}}}), "channels.approval.expense.bell"),
        (json!({"channels": {"chat.incoming": {"bell": true}}}), "channels.chat.incoming.bell"),
        (json!({"sound": "loud"}), "sound"),
        (json!({"volume": 3}), "volume"),
        (quiet("25:00", "07:00", json!(["mon"]), "UTC"), "quiet_hours.start"),
        (quiet("21:00", "7pm", json!(["mon"]), "UTC"), "quiet_hours.end"),
        (quiet("21:00", "21:00", json!(["mon"]), "UTC"), "quiet_hours.end"),
        (quiet("21:00", "07:00", json!([]), "UTC"), "quiet_hours.days"),
        (quiet("21:00", "07:00", json!(["mon", "someday"]), "UTC"), "quiet_hours.days.1"),
        (quiet("21:00", "07:00", json!(["mon"]), "Asia/Atlantis"), "quiet_hours.time_zone"),
        (json!({"quiet_hours": {"start": "21:00", "end": "07:00", "days": ["mon"]}}), "quiet_hours.time_zone"),
        // A valid part beside a refused one: neither is applied.
        (
            json!({"channels": {"general.update": {"push": true}, "approval.deal": {"bell": false}}, "sound": false}),
            "channels.approval.deal.bell",
        ),
    ] {
        let (status, answer) = put(&s, "u-2", "/v1/preferences", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
        assert_eq!(prefs(&s, "u-2").await, before, "{body} changed nothing");
    }
}

#[tokio::test]
async fn a_bell_turned_off_stores_nothing_new_of_that_category_counted_as_suppressed() {
    let s = TestServer::start().await;
    s.ingest_ok(event("before", "mention", "u-1", &["u-2"])).await;
    put(&s, "u-2", "/v1/preferences", json!({"channels": {"general.mention": {"bell": false}}})).await;
    let outcome = s.ingest_ok(event("after", "mention", "u-1", &["u-2", "u-3"])).await;
    assert_eq!((&outcome["stored"], &outcome["suppressed"]), (&json!(1), &json!(1)), "{outcome}");
    let listed = s.list_all("u-2", "tab=general").await;
    assert_eq!(listed.len(), 1, "what was stored before stays: {listed:?}");
    assert_eq!(s.list_all("u-3", "tab=general").await.len(), 1, "another user still gets it");
    // Another category of the same tab still reaches the bell.
    s.ingest_ok(event("task", "task.assigned", "u-1", &["u-2"])).await;
    assert_eq!(s.list_all("u-2", "tab=general").await.len(), 2);
    // Turned back on: new mentions are stored again.
    put(&s, "u-2", "/v1/preferences", json!({"channels": {"general.mention": {"bell": true}}})).await;
    let outcome = s.ingest_ok(event("again", "mention", "u-1", &["u-2"])).await;
    assert_eq!((&outcome["stored"], &outcome["suppressed"]), (&json!(1), &json!(0)));
}

#[tokio::test]
async fn a_channel_turned_off_is_muted_by_preference_for_that_category_only() {
    let fcm = fcm::Fcm::start().await;
    let s = TestServer::start_with_fcm(&fcm).await;
    devices(&s, "u-2").await;
    let change = json!({"channels": {"general.assignment": {"browser": false}, "chat.incoming": {"push": false}}});
    assert_eq!(put(&s, "u-2", "/v1/preferences", change).await.0, StatusCode::OK);

    s.ingest_ok(event("deal", "deal.assigned", "u-1", &["u-2"])).await;
    let id = newest_id(&s.list_all("u-2", "tab=general").await);
    assert_eq!(
        routed(&s, "u-2", &id, 3).await,
        [
            decision("browser-1", "suppressed", "muted by preference"),
            decision("iphone-crm", "sent", "CRM notifications always go to web and CRM Mobile"),
            decision("pixel-chat", "suppressed", "Chat Mobile gets only chat notifications"),
        ]
    );
    // Another category keeps every channel.
    s.ingest_ok(event("mention", "mention", "u-1", &["u-2"])).await;
    let id = newest_id(&s.list_all("u-2", "tab=general").await);
    let got = routed(&s, "u-2", &id, 3).await;
    assert_eq!(got[0], decision("browser-1", "sent", "CRM notifications always go to web and CRM Mobile"));

    s.ingest_ok(event("msg", "message.incoming", "u-9", &["u-2"])).await;
    let got = routed(&s, "u-2", "msg", 3).await;
    assert!(got.contains(&decision("pixel-chat", "suppressed", "muted by preference")), "{got:?}");
    assert!(got.contains(&decision("browser-1", "sent", "the user is not active on chat on this device")), "{got:?}");
}

/// `HH:MM` of now plus `minutes` in Jakarta (UTC+7, no DST).
fn jakarta_in(minutes: i64) -> String {
    let t = Utc::now() + chrono::Duration::hours(7) + chrono::Duration::minutes(minutes);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

const EVERY_DAY: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[tokio::test]
async fn inside_quiet_hours_popups_and_pushes_wait_but_the_bell_stores_and_streams() {
    let fcm = fcm::Fcm::start().await;
    let s = TestServer::start_with_fcm(&fcm).await;
    devices(&s, "u-2").await;
    // A window around now in Jakarta (crossing midnight when now is near it).
    let quiet = json!({"quiet_hours": {"start": jakarta_in(-60), "end": jakarta_in(60), "days": EVERY_DAY, "time_zone": "Asia/Jakarta"}});
    assert_eq!(put(&s, "u-2", "/v1/preferences", quiet).await.0, StatusCode::OK);
    let mut stream = Stream::open(&s, "u-2", None).await;
    assert_eq!(stream.next().await.event, "counts");

    s.ingest_ok(event("quiet", "deal.assigned", "u-1", &["u-2"])).await;
    assert_eq!(stream.next_of("notification").await.data["kind"], "deal.assigned", "the bell still streams it");
    let id = newest_id(&s.list_all("u-2", "tab=general").await);
    let got = routed(&s, "u-2", &id, 3).await;
    assert_eq!(got[0], decision("browser-1", "suppressed", "quiet hours"));
    assert_eq!(got[1], decision("iphone-crm", "suppressed", "quiet hours"));
    assert_eq!(s.counts("u-2").await["total"], 1);

    // A window that is not now: routing as usual.
    let later = json!({"quiet_hours": {"start": jakarta_in(120), "end": jakarta_in(180), "days": EVERY_DAY, "time_zone": "Asia/Jakarta"}});
    put(&s, "u-2", "/v1/preferences", later).await;
    s.ingest_ok(event("loud", "deal.assigned", "u-1", &["u-2"])).await;
    let id = newest_id(&s.list_all("u-2", "tab=general").await);
    let got = routed(&s, "u-2", &id, 3).await;
    assert_eq!(got[0].1, "sent", "{got:?}");
    assert_eq!(got[1].1, "sent", "{got:?}");
}

#[tokio::test]
async fn a_change_streams_the_whole_document_to_every_stream_of_the_user() {
    let s = TestServer::start().await;
    let mut first = Stream::open(&s, "u-2", None).await;
    let mut second = Stream::open(&s, "u-2", None).await;
    let mut other = Stream::open(&s, "u-3", None).await;
    let position = first.next().await.id;
    for stream in [&mut second, &mut other] {
        assert_eq!(stream.next().await.event, "counts");
    }
    let (_, doc) = put(&s, "u-2", "/v1/preferences", json!({"channels": {"general.update": {"push": false}}})).await;
    assert_eq!(first.next_of("preferences").await.data, doc);
    assert_eq!(second.next_of("preferences").await.data, doc);
    assert!(other.try_next(Duration::from_millis(300)).await.is_none(), "another user hears nothing");
    // A sound change through /v1/settings is a preferences change too.
    put(&s, "u-2", "/v1/settings", json!({"sound": false})).await;
    assert_eq!(first.next_of("preferences").await.data["sound"], false);
    // Replayed to a stream that was away.
    let mut back = Stream::open(&s, "u-2", Some(&position)).await;
    assert_eq!(back.next_of("preferences").await.data, doc);
}

#[tokio::test]
async fn a_thousand_recipients_with_mixed_preferences_are_still_one_group_commit() {
    let s = TestServer::start().await;
    let users: Vec<String> = (0..1000).map(|i| format!("u-mix-{i:04}")).collect();
    // A third keep assignments out of the bell, a third mute their browser, a third change nothing.
    let puts = users.iter().enumerate().filter(|(i, _)| i % 3 != 2).map(|(i, u)| {
        let change = if i % 3 == 0 {
            json!({"channels": {"general.assignment": {"bell": false}}})
        } else {
            json!({"channels": {"general.assignment": {"browser": false}}})
        };
        let (client, url, token) = (s.client.clone(), s.url("/v1/preferences"), s.token(u));
        async move { client.put(url).bearer_auth(token).json(&change).send().await.unwrap().status() }
    });
    for status in futures::future::join_all(puts).await {
        assert_eq!(status, StatusCode::OK);
    }
    let recipients: Vec<&str> = users.iter().map(String::as_str).collect();
    let before = s.running.state.store.ingest_commits();
    let outcome = s.ingest_ok(event("to-everyone", "deal.assigned", "u-1", &recipients)).await;
    assert_eq!((&outcome["stored"], &outcome["suppressed"]), (&json!(666), &json!(334)), "{outcome}");
    assert_eq!(s.running.state.store.ingest_commits() - before, 1, "one transaction for the whole event");
    assert!(s.list_all("u-mix-0000", "tab=general").await.is_empty());
    assert_eq!(s.list_all("u-mix-0001", "tab=general").await.len(), 1);
}
