//! The approvals benchmark of docs/BENCHMARKS.md, run by
//! `cargo xtask bench approvals` (and, on PostgreSQL, by `bench postgres`).
//!
//! 1. Decision to every approver's stream: 400 approvers in 200 pairs hold
//!    one stream each; 1,000 actionable requests go to the pairs, and each
//!    is decided by its first approver, 50 decisions a second. The clock
//!    stops when the `approval` event has reached both approvers' streams.
//!    On PostgreSQL the second approver's stream is held by another server
//!    process than the one deciding, so every settlement crosses processes.
//! 2. The decision webhook's outbox: 10,000 decisions are taken through the
//!    API and left waiting in the outbox (as while a receiver is away); then
//!    the server starts with a webhook pointing at a receiver on loopback,
//!    and the clock runs until the receiver has all of them (checking each
//!    signature): the rate the outbox drains at.
//!
//! Traffic stays on 127.0.0.1.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bell_server::Auth;
use common::{fresh_postgres_database, postgres_server, start_server, stats};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "bench-jwt-secret";
const SERVICE: &str = "bench-service-token";
const WEBHOOK_SECRET: &str = "bench-webhook-secret";
const PAIRS: usize = 200;
const FANOUT_DECISIONS: usize = 1_000;
const FANOUT_RATE: u64 = 50;
const OUTBOX_DECISIONS: usize = 10_000;

/// When an approval's `approval` event reached its first and second approver.
type Seen = (Option<Instant>, Option<Instant>);

/// When each approval was decided, and when its event reached each approver.
#[derive(Default)]
struct Arrivals {
    decided: Mutex<HashMap<usize, Instant>>,
    seen: Mutex<HashMap<usize, Seen>>,
}

/// Opens `user`'s stream and, once its first `counts` arrived, reports
/// every `approval` event of an `apv-<k>` approval as seen by side `side`.
async fn watch(addr: String, token: String, side: usize, arrivals: Arc<Arrivals>) -> anyhow::Result<()> {
    let mut socket = TcpStream::connect(&addr).await?;
    socket.set_nodelay(true)?;
    let request =
        format!("GET /v1/stream?access_token={token} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    socket.write_all(request.as_bytes()).await?;
    let mut buffer = vec![0u8; 8192];
    let mut text = String::new();
    while !text.contains("event: counts") {
        let n = socket.read(&mut buffer).await?;
        anyhow::ensure!(n > 0, "the stream closed before its first event");
        text.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    tokio::spawn(async move {
        let mut text = String::new();
        loop {
            let n = match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            text.push_str(&String::from_utf8_lossy(&buffer[..n]));
            // Whole SSE frames only; an unfinished one waits for the next read.
            while let Some(end) = text.find("\n\n") {
                let frame: String = text.drain(..end + 2).collect();
                if !frame.lines().any(|l| l == "event: approval") {
                    continue;
                }
                let Some(k) =
                    frame.split("\"id\":\"apv-").nth(1).and_then(|r| r.split('"').next()?.parse::<usize>().ok())
                else {
                    continue;
                };
                let now = Instant::now();
                let mut seen = arrivals.seen.lock().unwrap();
                let entry = seen.entry(k).or_default();
                if side == 0 {
                    entry.0.get_or_insert(now)
                } else {
                    entry.1.get_or_insert(now)
                };
            }
        }
    });
    Ok(())
}

async fn post(client: &reqwest::Client, url: String, bearer: &str, body: serde_json::Value) -> anyhow::Result<u16> {
    Ok(client.post(url).bearer_auth(bearer).json(&body).send().await?.status().as_u16())
}

fn request(k: usize, approvers: [String; 2]) -> serde_json::Value {
    json!({
        "id": format!("bench-apv-{k}"), "kind": "approval.expense.requested", "approval_id": format!("apv-{k}"),
        "actor": {"type": "user", "id": "u-actor", "name": "Citra Dewi"},
        "recipients": approvers,
        "args": {"expense_name": "Client dinner", "amount": 2750000, "currency": "IDR"}, "link": "/expenses/19",
    })
}

/// Part 1: decision to both approvers' streams.
async fn fanout(database_url: &str, two_processes: bool) -> anyhow::Result<String> {
    let (deciding, base) = start_server(database_url, SECRET, SERVICE, &[]).await?;
    let other = if two_processes { Some(start_server(database_url, SECRET, SERVICE, &[]).await?) } else { None };
    let other_base = other.as_ref().map_or_else(|| base.clone(), |(_, b)| b.clone());
    let auth = Auth::new(SECRET, SERVICE);
    let arrivals = Arc::new(Arrivals::default());
    let pair = |p: usize| [format!("pa-{p:03}"), format!("pb-{p:03}")];
    for p in 0..PAIRS {
        let [a, b] = pair(p);
        watch(base.trim_start_matches("http://").into(), auth.issue(&a, 3600), 0, arrivals.clone()).await?;
        watch(other_base.trim_start_matches("http://").into(), auth.issue(&b, 3600), 1, arrivals.clone()).await?;
    }
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    // The requests first (each pair's approver `a` has its notifications in order: ids 1, 2, …).
    for k in 0..FANOUT_DECISIONS {
        let status = post(&client, format!("{base}/v1/events"), SERVICE, request(k, pair(k % PAIRS))).await?;
        anyhow::ensure!(status == 202, "ingest answered {status}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / FANOUT_RATE));
    let mut decisions = Vec::new();
    for k in 0..FANOUT_DECISIONS {
        ticks.tick().await;
        let [a, _] = pair(k % PAIRS);
        let (client, base, token, arrivals) = (client.clone(), base.clone(), auth.issue(&a, 3600), arrivals.clone());
        decisions.push(tokio::spawn(async move {
            // Approver a's notification of request k is its (k / PAIRS + 1)th.
            let url = format!("{base}/v1/notifications/{}/decision", k / PAIRS + 1);
            arrivals.decided.lock().unwrap().insert(k, Instant::now());
            post(&client, url, &token, json!({"decision": "approve"})).await
        }));
    }
    for d in decisions {
        let status = d.await??;
        anyhow::ensure!(status == 200, "a decision answered {status}");
    }
    for _ in 0..250 {
        if arrivals.seen.lock().unwrap().values().filter(|(a, b)| a.is_some() && b.is_some()).count()
            == FANOUT_DECISIONS
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (decided, seen) = (arrivals.decided.lock().unwrap(), arrivals.seen.lock().unwrap());
    let mut latencies = Vec::new();
    for (k, at) in decided.iter() {
        if let Some((Some(a), Some(b))) = seen.get(k) {
            latencies.push((*a.max(b)).duration_since(*at));
        }
    }
    anyhow::ensure!(latencies.len() == FANOUT_DECISIONS, "{} settlements reached both streams", latencies.len());
    let s = stats(latencies, Duration::from_secs(1));
    drop((deciding, other));
    Ok(format!(
        "| decision to both approvers' streams{}, {FANOUT_DECISIONS} decisions at {FANOUT_RATE}/s, p50 / p99 / max | {:.1} / {:.1} / {:.1} ms |",
        if two_processes { " (the second on another server process)" } else { "" },
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        s.max.as_secs_f64() * 1e3
    ))
}

/// Part 2: the outbox drained to a loopback receiver.
async fn outbox(database_url: &str) -> anyhow::Result<String> {
    // Decisions taken while no webhook is configured are recorded but not
    // queued (`next_at` NULL); they are queued below, all due at once, as
    // they would be after a receiver came back.
    let (server, base) = start_server(database_url, SECRET, SERVICE, &[]).await?;
    let auth = Auth::new(SECRET, SERVICE);
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let (client, base, auth, next) = (client.clone(), base.clone(), auth.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= OUTBOX_DECISIONS {
                        return anyhow::Ok(());
                    }
                    let k = 1_000_000 + k;
                    let approvers = [format!("oa-{k}"), format!("ob-{k}")];
                    let token = auth.issue_named(&approvers[0], Some("Ayu Lestari"), 3600);
                    anyhow::ensure!(
                        post(&client, format!("{base}/v1/events"), SERVICE, request(k, approvers)).await? == 202
                    );
                    let url = format!("{base}/v1/notifications/1/decision");
                    anyhow::ensure!(
                        post(&client, url, &token, json!({"decision": "reject", "note": "Over budget"})).await? == 200
                    );
                }
            })
        })
        .collect();
    for w in workers {
        w.await??;
    }
    drop(server);
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(database_url).await?;
    let queued = sqlx::query("UPDATE decisions SET next_at = 0").execute(&db).await?.rows_affected();
    anyhow::ensure!(queued as usize == OUTBOX_DECISIONS, "{queued} decisions recorded");
    db.close().await;

    // The receiver: counts deliveries with a valid signature.
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let counter = counter.clone();
            async move {
                let signature = headers.get("bell-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
                let t = signature.split(',').find_map(|p| p.strip_prefix("t=")).and_then(|t| t.parse().ok());
                if t.is_some_and(|t| bell_server::webhook::signature(WEBHOOK_SECRET, t, &body) == signature) {
                    counter.fetch_add(1, Ordering::Relaxed);
                    axum::http::StatusCode::NO_CONTENT
                } else {
                    axum::http::StatusCode::UNAUTHORIZED
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let env = [("BELL_DECISION_WEBHOOK_URL", hook.as_str()), ("BELL_WEBHOOK_SECRET", WEBHOOK_SECRET)];
    let started = Instant::now();
    let (_server, _) = start_server(database_url, SECRET, SERVICE, &env).await?;
    while received.load(Ordering::Relaxed) < OUTBOX_DECISIONS {
        anyhow::ensure!(started.elapsed() < Duration::from_secs(120), "the outbox did not drain in 2 minutes");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let drained = started.elapsed();
    Ok(format!(
        "| decision webhook outbox drained to a loopback receiver | {OUTBOX_DECISIONS} signed deliveries in {:.2} s (incl. the server's start): {:.0}/s |",
        drained.as_secs_f64(),
        OUTBOX_DECISIONS as f64 / drained.as_secs_f64()
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let postgres = postgres_server();
    let url = |name: &'static str| {
        let (dir, postgres) = (dir.path().to_owned(), postgres.clone());
        async move {
            match postgres {
                None => Ok::<_, anyhow::Error>(format!("sqlite://{}", dir.join(format!("{name}.db")).display())),
                Some(server) => fresh_postgres_database(&server, name, None).await,
            }
        }
    };
    let report = [
        if postgres.is_some() {
            "| measurement (PostgreSQL; HTTP on loopback) | figure |".to_owned()
        } else {
            "| measurement (SQLite, one server process; HTTP on loopback) | figure |".to_owned()
        },
        "|---|---|".to_owned(),
        fanout(&url("bell_apv_fanout").await?, postgres.is_some()).await?,
        outbox(&url("bell_apv_outbox").await?).await?,
    ]
    .join("\n");
    println!("\n{report}\n");
    let name = if postgres.is_some() { "approvals-postgres.md" } else { "approvals.md" };
    let out = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join(name), &report)?;
    Ok(())
}
