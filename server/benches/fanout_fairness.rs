//! One user's fan-out against another user's reads (the hardening issue's
//! point 3), run by `cargo xtask bench fairness`.
//!
//! The adversarial run held 1,000 streams of one user and sent that user 20
//! events a second: another user's list request went from 1.8 ms to a p50
//! of 70 ms. This opens 1,000 streams of one user the same way (the server
//! keeps `BELL_MAX_STREAMS_PER_USER`, 16 by default, closing the oldest),
//! then measures another user's list page idle and under that load.
//! `BENCH_MAX_STREAMS=1000` runs it without the cap, for comparison (with
//! `BENCH_READS=200`: each read then waits its turn behind the fan-out).
//! Traffic stays on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bell_server::Auth;
use common::{start_server, stats};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "bench-jwt-secret";
const SERVICE: &str = "bench-service-token";
const STREAMS: usize = 1_000;
const RATE: u64 = 20;
/// `BENCH_READS` lowers it for the uncapped run, where each read is slow.
const READS: usize = 2_000;

/// Opens a stream of `token` and drains it until the server closes it.
async fn hold(addr: String, token: String) -> anyhow::Result<()> {
    let mut socket = TcpStream::connect(&addr).await?;
    let request = format!("GET /v1/stream?access_token={token} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    socket.write_all(request.as_bytes()).await?;
    tokio::spawn(async move {
        let mut buffer = vec![0u8; 4096];
        while matches!(socket.read(&mut buffer).await, Ok(n) if n > 0) {}
    });
    Ok(())
}

async fn reads(client: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<common::Stats> {
    let count = std::env::var("BENCH_READS").ok().and_then(|n| n.parse().ok()).unwrap_or(READS);
    let mut samples = Vec::with_capacity(count);
    let started = Instant::now();
    for _ in 0..count {
        let t = Instant::now();
        let res = client.get(format!("{base}/v1/notifications?tab=general&limit=20")).bearer_auth(token).send().await?;
        anyhow::ensure!(res.status().is_success(), "{}", res.status());
        res.bytes().await?;
        samples.push(t.elapsed());
    }
    Ok(stats(samples, started.elapsed()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("fairness.db").display());
    let cap = std::env::var("BENCH_MAX_STREAMS").unwrap_or_else(|_| "16".into());
    let (_server, base) = start_server(&url, SECRET, SERVICE, &[("BELL_MAX_STREAMS_PER_USER", cap.as_str())]).await?;
    let auth = Auth::new(SECRET, SERVICE);
    let client = reqwest::Client::new();
    // The reader has a page of its own to list.
    for i in 0..40 {
        let body = json!({
            "id": format!("reader-{i}"), "kind": "deal.assigned",
            "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
            "recipients": ["u-reader"], "args": {"deal_name": "PT Maju Jaya renewal"},
        });
        client.post(format!("{base}/v1/events")).bearer_auth(SERVICE).json(&body).send().await?;
    }
    let reader = auth.issue("u-reader", 3600);
    let idle = reads(&client, &base, &reader).await?;

    let addr = base.trim_start_matches("http://").to_owned();
    let busy = auth.issue("u-busy", 3600);
    for _ in 0..STREAMS {
        hold(addr.clone(), busy.clone()).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (client, base, stop) = (client.clone(), base.clone(), stop.clone());
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                ticks.tick().await;
                let body = json!({
                    "id": format!("busy-{i}"), "kind": "mention",
                    "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
                    "recipients": ["u-busy"], "args": {"entity_type": "deal", "entity_name": "Hot deal"},
                });
                let _ = client.post(format!("{base}/v1/events")).bearer_auth(SERVICE).json(&body).send().await;
                i += 1;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let loaded = reads(&client, &base, &reader).await?;
    stop.store(true, Ordering::Relaxed);
    producer.await?;

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let report = [
        "| another user's list page (1 client, SQLite) | p50 | p99 | max |".to_owned(),
        "|---|---|---|---|".to_owned(),
        format!("| idle | {:.2} ms | {:.2} ms | {:.2} ms |", ms(idle.p50), ms(idle.p99), ms(idle.max)),
        format!(
            "| while one user opened {STREAMS} streams ({cap} kept) and gets {RATE} events/s | {:.2} ms | {:.2} ms | {:.2} ms |",
            ms(loaded.p50),
            ms(loaded.p99),
            ms(loaded.max)
        ),
    ]
    .join("\n");
    println!("\n{report}\n");
    let out = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("fairness.md"), &report)?;
    Ok(())
}
