//! A decision-webhook receiver on loopback, as a producer would run one: it
//! checks `Bell-Signature` itself (HMAC-SHA256 of `"<t>.<body>"`), can be
//! told to fail, and can go away and come back on the same port.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;

pub const WEBHOOK_SECRET: &str = "whsec-test-51b7";

#[derive(Default)]
struct Seen {
    /// Accepted deliveries' bodies, in arrival order.
    accepted: Mutex<Vec<Value>>,
    /// Requests answered 500 on purpose, and requests with a bad signature.
    failed: AtomicUsize,
    bad_signatures: AtomicUsize,
    /// How many of the next requests to answer 500.
    fail_next: AtomicUsize,
}

pub struct Receiver {
    pub url: String,
    pub port: u16,
    seen: Arc<Seen>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port, Arc::default()).await
    }

    async fn start_on(port: u16, seen: Arc<Seen>) -> Receiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let state = seen.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let seen = state.clone();
                async move { receive(&seen, &headers, &body) }
            }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Receiver { url: format!("http://127.0.0.1:{port}/hook"), port, seen, stop: Some(stop) }
    }

    /// Answers 500 to the next `n` deliveries.
    pub fn fail_next(&self, n: usize) {
        self.seen.fail_next.store(n, Ordering::SeqCst);
    }

    /// Stops listening (connections are refused) until `back`.
    pub async fn go_away(mut self) -> Away {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Let the listener close.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        Away { port: self.port, seen: self.seen.clone() }
    }

    pub fn accepted(&self) -> Vec<Value> {
        self.seen.accepted.lock().unwrap().clone()
    }

    pub fn failed(&self) -> usize {
        self.seen.failed.load(Ordering::SeqCst)
    }

    pub fn bad_signatures(&self) -> usize {
        self.seen.bad_signatures.load(Ordering::SeqCst)
    }

    /// Waits until `n` deliveries were accepted (at most `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let got = self.accepted();
            if got.len() >= n || tokio::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A receiver that went away, remembering what it had seen.
pub struct Away {
    port: u16,
    seen: Arc<Seen>,
}

impl Away {
    pub async fn back(self) -> Receiver {
        Receiver::start_on(self.port, self.seen).await
    }
}

fn receive(seen: &Seen, headers: &HeaderMap, body: &str) -> StatusCode {
    if !signed(headers, body) {
        seen.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return StatusCode::UNAUTHORIZED;
    }
    if seen.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
        seen.failed.fetch_add(1, Ordering::SeqCst);
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    seen.accepted.lock().unwrap().push(serde_json::from_str(body).unwrap());
    StatusCode::NO_CONTENT
}

/// The check a producer makes: `t=<secs>,v1=<hex>` over `"<t>.<body>"`,
/// with a fresh `t`.
fn signed(headers: &HeaderMap, body: &str) -> bool {
    let Some(header) = headers.get("bell-signature").and_then(|v| v.to_str().ok()) else { return false };
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", x)) => t = x.parse::<u64>().ok(),
            Some(("v1", x)) => v1 = Some(x.to_owned()),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    if now.abs_diff(t) > 300 {
        return false;
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let Some(given) =
        (0..v1.len()).step_by(2).map(|i| u8::from_str_radix(v1.get(i..i + 2)?, 16).ok()).collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    mac.verify_slice(&given).is_ok()
}
