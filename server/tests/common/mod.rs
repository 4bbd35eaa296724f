//! A real `bell-server` on a loopback port over a fresh database, and a
//! small HTTP client for it. Every integration test goes through this.
//!
//! The database is a new SQLite file, or, when `BELL_TEST_POSTGRES_URL`
//! names a PostgreSQL server (`cargo xtask test` starts one), a new
//! PostgreSQL database on it: the same suite runs on both.
#![allow(dead_code)]

pub mod fcm;
pub mod nats;
pub mod process;
pub mod receiver;
pub mod sse;

use std::path::Path;
use std::time::Duration;

use bell_server::{Config, Running};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const SERVICE_TOKEN: &str = "test-service-token-3f9a";
pub const JWT_SECRET: &str = "test-jwt-secret-8c21";

pub struct TestServer {
    pub base: String,
    pub running: Running,
    pub database_url: String,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Whether this run's tests are on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("BELL_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty())
}

/// A database of its own for one server: a new SQLite file in `dir`, or a
/// new database on the PostgreSQL server of `BELL_TEST_POSTGRES_URL`.
pub async fn fresh_database(dir: &Path) -> String {
    let Some(server) = std::env::var("BELL_TEST_POSTGRES_URL").ok().filter(|v| !v.is_empty()) else {
        return format!("sqlite://{}", dir.join("bell.db").display());
    };
    use sqlx::Connection;
    let name = format!("bell_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&server).await.expect("BELL_TEST_POSTGRES_URL answers");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create test database");
    admin.close().await.ok();
    let mut url = reqwest::Url::parse(&server).expect("BELL_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

pub fn config(database_url: String) -> Config {
    let mut c = Config::from_env(false, |k| match k {
        "BELL_LISTEN" => Some("127.0.0.1:0".into()),
        "BELL_JWT_SECRET" => Some(JWT_SECRET.into()),
        "BELL_SERVICE_TOKEN" => Some(SERVICE_TOKEN.into()),
        "BELL_ALLOWED_LINK_HOSTS" => Some("app.qontak.com".into()),
        "BELL_ALLOWED_ORIGINS" => Some("https://chat.qontak.test,https://crm.qontak.test".into()),
        _ => None,
    })
    .expect("test config");
    c.database_url = database_url;
    c.purge_interval = Duration::from_secs(3600);
    c
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(dir.path()).await;
        let mut cfg = config(database_url);
        adjust(&mut cfg);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let running = bell_server::start(cfg, async {
            let _ = rx.await;
        })
        .await
        .expect("server starts");
        TestServer {
            base: format!("http://{}", running.addr),
            database_url: running.state.config.database_url.clone(),
            running,
            client: reqwest::Client::new(),
            _dir: dir,
            stop: Some(tx),
        }
    }

    /// A server whose pushes go to a loopback FCM (retries after 50 ms).
    pub async fn start_with_fcm(fcm: &fcm::Fcm) -> TestServer {
        let (credentials, endpoint) = (fcm.credentials.clone(), fcm.url.clone());
        Self::start_with(move |c| {
            c.fcm_credentials = Some(credentials);
            c.fcm_endpoint = endpoint;
            c.push_backoff = Duration::from_millis(50);
        })
        .await
    }

    pub fn token(&self, user: &str) -> String {
        self.running.state.auth.issue(user, 3600)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request reaches the server");
        let status = res.status();
        let text = res.text().await.unwrap();
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value)
    }

    pub async fn ingest(&self, event: Value) -> (StatusCode, Value) {
        self.call(Method::POST, "/v1/events", Some(SERVICE_TOKEN), Some(event)).await
    }

    /// Ingests and insists it was accepted.
    pub async fn ingest_ok(&self, event: Value) -> Value {
        let (status, body) = self.ingest(event.clone()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{event} -> {body}");
        body
    }

    /// Stores an event straight into the database, as it would have been
    /// stored at its `occurred_at`: for rows already past their retention,
    /// which ingestion now refuses.
    pub async fn seed(&self, event: Value) {
        let event: bell_protocol::NewEvent = serde_json::from_value(event).expect("an event");
        let at = event.occurred_at.as_deref().and_then(bell_server::ingest::parse_time).expect("an occurred_at");
        let valid = bell_server::ingest::validate(event, &[], at + 1).expect("valid when it occurred");
        let rows: Vec<bell_server::store::SeedRow> = valid
            .recipients
            .iter()
            .map(|r| bell_server::store::SeedRow { recipient: r.clone(), event: valid.clone(), read: false })
            .collect();
        self.running.state.store.load_rows(&rows).await.expect("seeded");
    }

    pub async fn get_as(&self, user: &str, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(&self.token(user)), None).await
    }

    pub async fn post_as(&self, user: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(&self.token(user)), body).await
    }

    /// Every item of a listing, following cursors.
    pub async fn list_all(&self, user: &str, query: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                None => format!("/v1/notifications?{query}"),
                Some(c) => format!("/v1/notifications?{query}&cursor={c}"),
            };
            let (status, page) = self.get_as(user, &path).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return items,
            }
        }
    }

    pub async fn counts(&self, user: &str) -> Value {
        let (status, body) = self.get_as(user, "/v1/notifications/unread-count").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Opens the server's database directly, to check what is stored.
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url).await.unwrap()
    }

    pub async fn row_count(&self, table: &str) -> i64 {
        let db = self.db().await;
        let n = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db).await.unwrap();
        db.close().await;
        n
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A valid event of `kind` from `actor` to `recipients`, with the kind's args.
pub fn event(id: &str, kind: &str, actor: &str, recipients: &[&str]) -> Value {
    json!({
        "id": id,
        "kind": kind,
        "actor": {"type": "user", "id": actor, "name": format!("User {actor}")},
        "recipients": recipients,
        "args": sample_args(kind),
        "link": "/deals/42",
    })
}

/// Valid arguments for every kind of the protocol table.
pub fn sample_args(kind: &str) -> Value {
    use bell_protocol::ArgType;
    let spec = bell_protocol::kind::kind(kind).unwrap_or_else(|| panic!("unknown kind {kind}"));
    let mut args = serde_json::Map::new();
    for a in spec.args {
        let v = match a.ty {
            ArgType::Text => json!(format!("{} value", a.name)),
            ArgType::OneOf(options) => json!(options[0]),
            ArgType::Timestamp => json!("2026-11-30T09:00:00Z"),
            ArgType::Count => json!(12),
            ArgType::Number => json!(1250000.5),
            ArgType::Currency => json!("IDR"),
        };
        args.insert(a.name.to_owned(), v);
    }
    Value::Object(args)
}

/// An RFC 3339 time `days` before now.
pub fn days_ago(days: f64) -> String {
    let ms = bell_server::clock::now_ms() - (days * 86_400_000.0) as i64;
    bell_server::clock::rfc3339(ms)
}

pub fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}
