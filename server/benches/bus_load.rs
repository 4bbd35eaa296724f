//! The bus benchmark of docs/BENCHMARKS.md, run by `cargo xtask bench bus`:
//! LISTEN/NOTIFY against NATS, in one run, on the same machine.
//!
//! For each bus: four release `bell-server` processes on one fresh
//! PostgreSQL database (with `BELL_BUS_URL` pointing at a local
//! `nats-server` for NATS), 10,000 users each holding one stream, spread
//! over the four; events at a fixed rate, each to one user and posted to a
//! process that does not hold that user's stream, so every notification
//! crosses processes. It reports the cross-process delivery latency (post
//! to the bytes reaching the stream) and the bus signals each process
//! received (`/healthz`'s `bus_received`). Traffic stays on 127.0.0.1.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bell_server::Auth;
use common::streams::{Clock, arrivals, connect, post_marked, source};
use common::{Server, fresh_postgres_database, postgres_server, start_server, stats};

const SECRET: &str = "bench-jwt-secret";
const SERVICE: &str = "bench-service-token";
const PROCESSES: usize = 4;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn user(i: usize) -> String {
    format!("b-{i:05}")
}

struct Nats(Child);

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn nats_server() -> anyhow::Result<(Nats, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new("/usr/sbin/nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let nats = Nats(child);
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok((nats, format!("nats://127.0.0.1:{port}")));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    anyhow::bail!("nats-server did not come up")
}

async fn bus_received(client: &reqwest::Client, base: &str) -> anyhow::Result<u64> {
    let health: serde_json::Value = client.get(format!("{base}/healthz")).send().await?.json().await?;
    health["bus_received"].as_u64().ok_or_else(|| anyhow::anyhow!("no bus_received in {health}"))
}

struct Outcome {
    row: String,
    received_per_process: f64,
}

async fn run(postgres: &str, bus: &str, nats_url: Option<&str>) -> anyhow::Result<Outcome> {
    let (users, rate, seconds) =
        (setting("BENCH_BUS_USERS", 10_000) as usize, setting("BENCH_BUS_RATE", 500), setting("BENCH_BUS_SECONDS", 10));
    let database = fresh_postgres_database(postgres, "bell_bus", None).await?;
    let env: Vec<(&str, &str)> = nats_url.map(|u| ("BELL_BUS_URL", u)).into_iter().collect();
    let mut servers: Vec<(Server, String)> = Vec::new();
    for _ in 0..PROCESSES {
        servers.push(start_server(&database, SECRET, SERVICE, &env).await?);
    }
    let bases: Vec<String> = servers.iter().map(|(_, b)| b.clone()).collect();
    let auth = Auth::new(SECRET, SERVICE);
    let events = (rate * seconds) as usize;
    let clock = Arc::new(Clock {
        base: Instant::now(),
        sent: (0..events).map(|_| AtomicU64::new(0)).collect(),
        received: AtomicUsize::new(0),
        latencies: std::sync::Mutex::new(Vec::with_capacity(events)),
    });
    // User i streams on process i % 4.
    let next = Arc::new(AtomicUsize::new(0));
    let openers: Vec<_> = (0..100)
        .map(|_| {
            let (bases, next, clock, auth) = (bases.clone(), next.clone(), clock.clone(), auth.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= users {
                        return anyhow::Ok(());
                    }
                    let addr = bases[i % PROCESSES].trim_start_matches("http://");
                    connect(source(i), addr, &auth.issue(&user(i), 3600), clock.clone()).await?;
                }
            })
        })
        .collect();
    for o in openers {
        o.await??;
    }
    // The subscriptions settle (NATS: one per user, made as streams open).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let mut before = Vec::new();
    for base in &bases {
        before.push(bus_received(&client, base).await?);
    }

    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut posts = Vec::with_capacity(events);
    for seq in 0..events {
        ticks.tick().await;
        let to = seq * 7919 % users;
        // Posted to the next process: never the one holding the stream.
        let base = bases[(to + 1) % PROCESSES].clone();
        posts.push(tokio::spawn(post_marked(client.clone(), base, SERVICE, clock.clone(), seq, user(to))));
    }
    let mut accepted = 0;
    for p in posts {
        accepted += usize::from(p.await?);
    }
    arrivals(&clock, accepted).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut received = Vec::new();
    for (base, before) in bases.iter().zip(&before) {
        received.push(bus_received(&client, base).await? - before);
    }
    let delivered = clock.received.load(Ordering::Relaxed);
    let latencies: Vec<Duration> =
        std::mem::take(&mut *clock.latencies.lock().unwrap()).into_iter().map(|(_, l)| l).collect();
    anyhow::ensure!(!latencies.is_empty(), "no notification reached a stream");
    let s = stats(latencies, Duration::from_secs(seconds));
    let mean = received.iter().sum::<u64>() as f64 / PROCESSES as f64;
    let row = format!(
        "| {bus} | {users} | {rate}/s × {seconds} s | {events} / {accepted} / {delivered} | {:.1} / {:.1} / {:.1} ms | {} (mean {mean:.0}, {:.2} per event) |",
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        s.max.as_secs_f64() * 1e3,
        received.iter().map(u64::to_string).collect::<Vec<_>>().join(" / "),
        mean / events as f64,
    );
    eprintln!("{row}");
    drop(servers);
    Ok(Outcome { row, received_per_process: mean })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let postgres =
        postgres_server().ok_or_else(|| anyhow::anyhow!("run through `cargo xtask bench bus` (PostgreSQL)"))?;
    // 10,000 client sockets here, 2,500 server sockets in each process.
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    rlimit::setrlimit(rlimit::Resource::NOFILE, hard, hard)?;
    let notify = run(&postgres, "LISTEN/NOTIFY", None).await?;
    let (_nats, url) = nats_server().await?;
    let nats = run(&postgres, "NATS", Some(&url)).await?;
    println!(
        "\n| bus | users (streams) | events | posted / accepted / delivered | cross-process latency p50 / p99 / max | bus signals received per process |"
    );
    println!("|---|---|---|---|---|---|");
    println!("{}\n{}", notify.row, nats.row);
    println!(
        "\nWith NATS each process received {:.0}% of what it received with LISTEN/NOTIFY.",
        nats.received_per_process / notify.received_per_process * 100.0
    );
    Ok(())
}
