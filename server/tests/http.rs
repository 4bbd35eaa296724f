//! The HTTP surface around the API: authentication answers, error bodies,
//! health, CORS, request ids, and the binary's start-up and logs.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn token_with(secret: &str, sub: &str, exp_offset: i64) -> String {
    let exp = (bell_server::clock::now_ms() / 1000 + exp_offset) as u64;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &bell_server::auth::Claims { sub: sub.into(), exp, name: None },
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn user_endpoints_answer_401_403_exactly() {
    let s = TestServer::start().await;
    let expired = token_with(JWT_SECRET, "u-2", -5);
    let forged = token_with("another-secret", "u-2", 600);
    let no_sub = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"exp": bell_server::clock::now_ms() / 1000 + 600}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .unwrap();
    let endpoints = [
        (Method::GET, "/v1/notifications?tab=general", None),
        (Method::GET, "/v1/notifications/unread-count", None),
        (Method::POST, "/v1/notifications/1/read", None),
        (Method::POST, "/v1/notifications/read-all", Some(json!({"tab": "general"}))),
    ];
    for (method, path, body) in endpoints {
        for bad in [None, Some("garbage"), Some(expired.as_str()), Some(forged.as_str()), Some(no_sub.as_str())] {
            let (status, answer) = s.call(method.clone(), path, bad, body.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} with {bad:?}");
            assert!(answer["error"]["code"].is_string());
        }
        let (status, _) = s.call(method.clone(), path, Some(SERVICE_TOKEN), body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} with the service token");
    }
    let valid = token_with(JWT_SECRET, "u-2", 600);
    let (status, _) = s.call(Method::GET, "/v1/notifications/unread-count", Some(&valid), None).await;
    assert_eq!(status, StatusCode::OK);
    // `Basic` is not a bearer token.
    let res = s.client.get(s.url("/v1/notifications/unread-count")).basic_auth("u", Some("p")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_error_body() {
    let s = TestServer::start().await;
    let (status, body) = s.get_as("u-2", "/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = s.call(Method::DELETE, "/v1/events", Some(SERVICE_TOKEN), None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let s = TestServer::start().await;
    let (status, body) = s.call(Method::GET, "/healthz", None, None).await;
    let bus = if on_postgres() { "notify" } else { "none" };
    assert_eq!(
        (status, &body["status"], &body["database"], &body["bus"]),
        (StatusCode::OK, &json!("ok"), &json!("ok"), &json!(bus))
    );
    assert!(body["bus_received"].is_u64());
    // Without its database the instance says so, for the load balancer.
    s.running.state.store.close().await;
    let (status, body) = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(
        (status, &body["status"], &body["database"]),
        (StatusCode::SERVICE_UNAVAILABLE, &json!("degraded"), &json!("unreachable"))
    );
}

#[tokio::test]
async fn cors_allows_the_configured_origins_only() {
    let s = TestServer::start().await;
    let preflight = |origin: &'static str| {
        s.client
            .request(Method::OPTIONS, s.url("/v1/notifications/read-all"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization,content-type")
            .send()
    };
    let ok = preflight("https://chat.qontak.test").await.unwrap();
    assert!(ok.status().is_success());
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://chat.qontak.test");
    let allowed_headers = ok.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(allowed_headers.contains("authorization") && allowed_headers.contains("content-type"));
    let other = preflight("https://evil.test").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let get = s
        .client
        .get(s.url("/v1/notifications/unread-count"))
        .bearer_auth(s.token("u-2"))
        .header("origin", "https://crm.qontak.test")
        .send()
        .await
        .unwrap();
    assert_eq!(get.headers()["access-control-allow-origin"], "https://crm.qontak.test");
}

#[tokio::test]
async fn every_answer_carries_a_request_id_and_keeps_a_given_one() {
    let s = TestServer::start().await;
    let res = s.client.get(s.url("/healthz")).send().await.unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a uuid: {id}");
    let res = s.client.get(s.url("/healthz")).header("x-request-id", "trace-me-42").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me-42");
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bell-server"))
}

/// Starts the real binary in an empty folder with `env` (`None` removes a
/// variable): it must refuse to start, name `variable`, and create nothing.
fn assert_refuses_naming(variable: &str, env: &[(&str, Option<&str>)]) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = binary();
    cmd.current_dir(dir.path()).env("BELL_LISTEN", "127.0.0.1:0");
    for (key, value) in env {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(variable), "{stderr}");
    assert!(!dir.path().join("bell.db").exists(), "nothing was created");
}

#[test]
fn the_binary_refuses_to_start_without_secrets() {
    assert_refuses_naming("BELL_JWT_SECRET", &[("BELL_JWT_SECRET", None), ("BELL_SERVICE_TOKEN", None)]);
}

#[test]
fn the_binary_refuses_a_bad_pool_setting_naming_it() {
    assert_refuses_naming(
        "BELL_DATABASE_MAX_CONNECTIONS",
        &[
            ("BELL_JWT_SECRET", Some(JWT_SECRET)),
            ("BELL_SERVICE_TOKEN", Some(SERVICE_TOKEN)),
            ("BELL_DATABASE_URL", Some("sqlite://bell.db")),
            ("BELL_DATABASE_MAX_CONNECTIONS", Some("0")),
        ],
    );
}

/// `BELL_DATABASE_MAX_CONNECTIONS` holds under load: 80 requests at once on a
/// pool of 3 all succeed (they wait their turn), and PostgreSQL never sees
/// more than the pool's 3 plus the two of LISTEN/NOTIFY. (SQLite has no
/// server to count connections on: there it says so and passes.)
#[tokio::test]
async fn the_pool_setting_holds_under_load() {
    if !on_postgres() {
        eprintln!("not on PostgreSQL: no server to count connections on");
        return;
    }
    let s = TestServer::start_with(|c| c.database_pool.max_connections = 3).await;
    for i in 0..20 {
        s.ingest_ok(event(&format!("pool-{i}"), "mention", "u-1", &["u-2"])).await;
    }
    // One connection of its own, which the count leaves out.
    use sqlx::Connection;
    let mut watcher = sqlx::PgConnection::connect(&s.database_url).await.unwrap();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampling = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let n: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .fetch_one(&mut watcher)
                .await
                .unwrap();
                peak.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let burst = (0..80).map(|i| {
        let path = if i % 2 == 0 { "/v1/notifications?tab=general" } else { "/v1/notifications/unread-count" };
        s.get_as("u-2", path)
    });
    let answers = futures::future::join_all(burst).await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    sampling.await.unwrap();
    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK), "every request is served");
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    // The pool filled up to its setting (so the cap is what held it), and no further.
    assert!((3..=5).contains(&peak), "peak connections {peak}");
}

/// Runs the real binary, sends authenticated requests, stops it, and reads
/// its log: every request is logged with its request id, no secret is.
#[tokio::test]
async fn the_binary_logs_requests_with_ids_and_never_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = binary()
        .current_dir(dir.path())
        .env("BELL_LISTEN", format!("127.0.0.1:{port}"))
        .env("BELL_JWT_SECRET", JWT_SECRET)
        .env("BELL_SERVICE_TOKEN", SERVICE_TOKEN)
        .env("BELL_DATABASE_URL", fresh_database(dir.path()).await)
        .env("BELL_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(up, "server came up");
    let user_token = token_with(JWT_SECRET, "u-2", 600);
    let res = client
        .post(format!("{base}/v1/events"))
        .bearer_auth(SERVICE_TOKEN)
        .header("x-request-id", "req-ingest-1")
        .json(&event("log-1", "mention", "u-1", &["u-2"]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let res = client
        .get(format!("{base}/v1/notifications?tab=general&access_token={user_token}"))
        .bearer_auth(&user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // SIGTERM: a graceful stop.
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit: {status}");
    let mut log = String::new();
    child.stdout.take().unwrap().read_to_string(&mut log).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(log.contains("req-ingest-1"), "{log}");
    assert!(log.contains("/v1/events") && log.contains("status=202"), "{log}");
    for secret in [SERVICE_TOKEN, JWT_SECRET, user_token.as_str()] {
        assert!(!log.contains(secret), "a secret leaked into the log:\n{log}");
    }
}

/// SIGTERM with a stream open: the stream is ended (its client reconnects,
/// to another instance behind the proxy), a request already in flight is
/// answered, and the process exits cleanly instead of waiting on the stream.
#[tokio::test]
async fn a_graceful_stop_ends_streams_and_finishes_requests() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = common::process::ServerProcess::spawn(&fresh_database(dir.path()).await, &[]).await;
    let client = reqwest::Client::new();
    let user = bell_server::Auth::new(JWT_SECRET, SERVICE_TOKEN).issue("u-2", 600);
    let mut stream = common::sse::Stream::open_at(&client, &server.base, &user, None).await;
    assert_eq!(stream.next().await.event, "counts");
    // A request on its way when the signal arrives: half its body is sent
    // before, half after.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = event("in-flight", "mention", "u-1", &["u-2"]).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut socket = tokio::net::TcpStream::connect(server.base.trim_start_matches("http://")).await.unwrap();
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {SERVICE_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(200)).await;
    socket.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 202"), "the in-flight request is answered: {answer}");
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.response.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ends on shutdown");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "the server exits within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "graceful exit: {status}");
}

/// `--demo` seeds several days of history for the demo users, once.
#[tokio::test]
async fn demo_mode_seeds_history_and_serves_the_demo_pages() {
    let s = TestServer::start_with(|c| c.demo = true).await;
    let counts = s.counts("u-1").await;
    assert!(counts["total"].as_u64().unwrap() > 0, "{counts}");
    let general = s.list_all("u-1", "tab=general").await;
    let days: std::collections::HashSet<&str> =
        general.iter().map(|i| &i["created_at"].as_str().unwrap()[..10]).collect();
    assert!(days.len() >= 3, "several days: {days:?}");
    assert!(general.iter().any(|i| i["read_at"].is_string()) && general.iter().any(|i| i["read_at"].is_null()));
    let res = s.client.get(s.url("/demo/chat")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("<qontak-bell") && html.contains("/widget/bell.js"));
    // Fire an event as another user, through the producer rules.
    let (status, body) = s
        .call(
            Method::POST,
            "/demo/fire",
            None,
            Some(json!({"kind": "task.assigned", "actor": "u-2", "recipient": "u-1"})),
        )
        .await;
    assert_eq!((status, body["stored"].as_u64()), (StatusCode::OK, Some(1)));
    // The fired event goes the producers' way: routed, and its decisions are there to show.
    let device = json!({"device_id": "demo-android-chat", "app": "crm", "push_token": "t"});
    s.call(Method::PUT, "/v1/devices/android", Some(&s.token("u-1")), Some(device)).await;
    let (_, fired) = s
        .call(
            Method::POST,
            "/demo/fire",
            None,
            Some(json!({"kind": "deal.assigned", "actor": "u-2", "recipient": "u-1"})),
        )
        .await;
    let key = fired["key"].as_str().unwrap().to_owned();
    let mut decisions = Value::Null;
    for _ in 0..200 {
        decisions = s.get_as("u-1", &format!("/v1/deliveries?notification_id={key}")).await.1;
        if decisions.as_array().is_some_and(|d| !d.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(decisions[0]["device_id"], "demo-android-chat", "{decisions}");
    assert_eq!(decisions[0]["reason"], "no push gateway is configured");
    let (status, body) = s
        .call(
            Method::POST,
            "/demo/fire",
            None,
            Some(json!({"kind": "task.assigned", "actor": "u-1", "recipient": "u-1"})),
        )
        .await;
    assert_eq!((status, body["suppressed"].as_u64()), (StatusCode::OK, Some(1)), "self-assignment stays silent");
}

/// The user endpoints' bodies: every problem is API.md §3's error with the
/// code and the field, as it was when these bodies were read by hand.
#[tokio::test]
async fn user_bodies_name_the_field_of_each_problem() {
    let s = TestServer::start().await;
    let token = s.token("u-1");
    let device = || json!({"device_id": "pixel-1", "app": "chat", "push_token": "fcm-1"});
    let presence = || json!({"device_id": "browser-1", "platform": "web", "app": "crm", "active": true});
    let with = |mut v: Value, k: &str, x: Value| {
        v[k] = x;
        v
    };
    let without = |mut v: Value, k: &str| {
        v.as_object_mut().unwrap().remove(k);
        v
    };
    let cases: Vec<(Method, &str, Value, &str, &str)> = vec![
        (Method::POST, "/v1/notifications/read-all", json!({}), "missing_field", "tab"),
        (Method::POST, "/v1/notifications/read-all", json!({"tab": null}), "missing_field", "tab"),
        (Method::POST, "/v1/notifications/read-all", json!({"tab": 5}), "invalid_type", "tab"),
        (Method::POST, "/v1/notifications/read-all", json!({"tab": "spam"}), "invalid_value", "tab"),
        (
            Method::POST,
            "/v1/notifications/read-all",
            json!({"tab": "general", "category": "deal"}),
            "invalid_value",
            "category",
        ),
        (
            Method::POST,
            "/v1/notifications/read-all",
            json!({"tab": "general", "category": 1}),
            "invalid_type",
            "category",
        ),
        (Method::POST, "/v1/notifications/read-all", json!({"tab": "general", "up_to": 7}), "invalid_type", "up_to"),
        (Method::POST, "/v1/notifications/read-all", json!({"tab": "general", "up_to": "x"}), "invalid_value", "up_to"),
        (Method::POST, "/v1/notifications/read-all", json!({"tab": "general", "all": true}), "unknown_field", "all"),
        (Method::POST, "/v1/notifications/read-all", json!(["general"]), "invalid_type", "body"),
        (Method::PUT, "/v1/settings", json!({}), "missing_field", "sound"),
        (Method::PUT, "/v1/settings", json!({"sound": "yes"}), "invalid_type", "sound"),
        (Method::PUT, "/v1/settings", json!({"sound": true, "volume": 3}), "unknown_field", "volume"),
        (Method::PUT, "/v1/devices/android", without(device(), "device_id"), "missing_field", "device_id"),
        (Method::PUT, "/v1/devices/android", with(device(), "device_id", json!("a b")), "invalid_value", "device_id"),
        (Method::PUT, "/v1/devices/android", with(device(), "device_id", json!(5)), "invalid_value", "device_id"),
        (Method::PUT, "/v1/devices/android", with(device(), "app", json!("mail")), "invalid_value", "app"),
        (Method::PUT, "/v1/devices/android", with(device(), "app", json!(1)), "invalid_type", "app"),
        (Method::PUT, "/v1/devices/android", with(device(), "push_token", json!("")), "invalid_value", "push_token"),
        (Method::PUT, "/v1/devices/android", with(device(), "push_token", json!(5)), "invalid_value", "push_token"),
        (Method::PUT, "/v1/devices/android", with(device(), "os", json!("14")), "unknown_field", "os"),
        (Method::PUT, "/v1/devices/tv", device(), "invalid_value", "platform"),
        (Method::PUT, "/v1/presence", without(presence(), "active"), "missing_field", "active"),
        (Method::PUT, "/v1/presence", with(presence(), "active", json!("yes")), "invalid_type", "active"),
        (Method::PUT, "/v1/presence", with(presence(), "platform", json!("tv")), "invalid_value", "platform"),
        (Method::PUT, "/v1/presence", with(presence(), "app", Value::Null), "missing_field", "app"),
        (Method::PUT, "/v1/presence", with(presence(), "device_id", json!("")), "invalid_value", "device_id"),
    ];
    for (method, path, body, code, field) in cases {
        let (status, answer) = s.call(method.clone(), path, Some(&token), Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path} {body} -> {answer}");
        assert_eq!(
            (answer["error"]["code"].as_str(), answer["error"]["field"].as_str()),
            (Some(code), Some(field)),
            "{method} {path} {body} -> {answer}"
        );
    }
    // Good bodies still go through.
    assert_eq!(
        s.call(Method::PUT, "/v1/devices/android", Some(&token), Some(device())).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.call(Method::PUT, "/v1/presence", Some(&token), Some(presence())).await.0, StatusCode::NO_CONTENT);
    // The longest push token fits its body (over the other user endpoints' 4 KiB); one byte more names the field.
    let longest = with(device(), "push_token", json!("t".repeat(4096)));
    assert_eq!(s.call(Method::PUT, "/v1/devices/android", Some(&token), Some(longest)).await.0, StatusCode::NO_CONTENT);
    let (status, answer) = s
        .call(
            Method::PUT,
            "/v1/devices/android",
            Some(&token),
            Some(with(device(), "push_token", json!("t".repeat(4097)))),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("push_token")),
        "{answer}"
    );
}

/// A body over a user endpoint's limit says that limit; a JSON endpoint
/// refuses a body that is not sent as JSON (415), except the presence
/// beacon, which `sendBeacon` can only send as text/plain.
#[tokio::test]
async fn body_limits_and_content_types_are_honest() {
    let s = TestServer::start().await;
    let token = s.token("u-1");
    let big = json!({"sound": true, "padding": "x".repeat(5000)}).to_string();
    let res = s
        .client
        .put(s.url("/v1/settings"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "payload_too_large");
    assert!(answer["error"]["message"].as_str().unwrap().contains("4096"), "{answer}");

    for (method, path, body) in [
        (Method::PUT, "/v1/settings", r#"{"sound": false}"#),
        (Method::POST, "/v1/notifications/read-all", r#"{"tab": "general"}"#),
        (Method::PUT, "/v1/presence", r#"{"device_id": "b-1", "platform": "web", "app": "crm", "active": true}"#),
    ] {
        for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
            let mut request = s.client.request(method.clone(), s.url(path)).bearer_auth(&token).body(body);
            if let Some(t) = content_type {
                request = request.header("content-type", t);
            }
            let res = request.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{method} {path} as {content_type:?}");
            let answer: Value = res.json().await.unwrap();
            assert_eq!(answer["error"]["code"], "unsupported_media_type");
        }
        let res = s
            .client
            .request(method.clone(), s.url(path))
            .bearer_auth(&token)
            .header("content-type", "application/json; charset=utf-8")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{method} {path} as JSON: {}", res.status());
    }
    // Nothing changed by the refused ones: the sound setting is still on... until the JSON one.
    let (_, settings) = s.get_as("u-1", "/v1/settings").await;
    assert_eq!(settings["sound"], false);
    let beacon = r#"{"device_id": "b-1", "platform": "web", "app": "crm", "active": false}"#;
    let res = s
        .client
        .post(s.url(&format!("/v1/presence?access_token={token}")))
        .header("content-type", "text/plain;charset=UTF-8")
        .body(beacon)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "the beacon's text/plain is JSON all the same");
    let res = s
        .client
        .post(s.url("/v1/events"))
        .bearer_auth(SERVICE_TOKEN)
        .header("content-type", "text/plain")
        .body(event("e-415", "mention", "u-1", &["u-2"]).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(s.row_count("notifications").await, 0, "nothing stored");
}

/// U+0000 is refused the same way on every database (PostgreSQL stores no
/// NUL in text): a body's field is a 422 naming it, an id a 404, a token's
/// subject a 401. Nothing is stored.
#[tokio::test]
async fn nul_characters_are_refused_naming_where() {
    let s = TestServer::start().await;
    let mut e = event("nul-1", "mention", "u-1", &["u-2"]);
    e["actor"]["name"] = json!("Bu\u{0}di");
    let (status, answer) = s.ingest(e).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("actor.name")));
    let mut e = event("nul-2", "deal.assigned", "u-1", &["u-2"]);
    e["args"]["deal_name"] = json!("PT\u{0}");
    let (status, answer) = s.ingest(e).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("args.deal_name")));
    let (status, answer) = s.ingest(event("nul-\u{0}", "mention", "u-1", &["u-2"])).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("id")));
    assert_eq!(s.row_count("notifications").await, 0);

    let token = s.token("u-1");
    let device = json!({"device_id": "pixel-1", "app": "chat", "push_token": "fcm\u{0}x"});
    let (status, answer) = s.call(Method::PUT, "/v1/devices/android", Some(&token), Some(device)).await;
    assert_eq!((status, answer["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("push_token")));
    let (status, _) = s.get_as("u-1", "/v1/deliveries?notification_id=a%00b").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, answer) = s.get_as("u-1", "/v1/notifications?tab=general%00").await;
    assert_eq!((status, answer["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("tab")));

    let (status, _) = s.get_as("u\u{0}1", "/v1/notifications/unread-count").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
