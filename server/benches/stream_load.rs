//! The stream benchmark of docs/BENCHMARKS.md, run by `cargo xtask bench stream`.
//!
//! Starts the release `bell-server` as its own process on a fresh SQLite
//! file, opens 10,000 `GET /v1/stream` connections (one per user, each
//! waiting for its first `counts` event), and measures:
//! - the server's resident memory per idle connection;
//! - ingest-to-client latency: producers post 1,000 events/s for 20 s, each
//!   to one of the 10,000 users, and the clock stops when the notification's
//!   bytes reach that user's connection.
//!
//! Clients are plain TCP sockets reading the raw response, so the client
//! side stays light enough to share the 2 cores. Traffic stays on 127.0.0.1.
//!
//! With `BENCH_POSTGRES_URL` (`cargo xtask bench postgres`), two server
//! processes share one PostgreSQL database: the streams are held by the
//! first and the events posted to the second, so every notification crosses
//! processes over LISTEN/NOTIFY (cross-process fan-out).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bell_server::Auth;
use common::streams::{Clock, arrivals, connect, post_marked, source};
use common::{cpu_secs, fresh_postgres_database, postgres_server, rss_bytes, start_server, stats};
use serde_json::json;

/// Defaults of `BENCH_STREAM_CLIENTS`, `BENCH_STREAM_RATE` (events/s) and
/// `BENCH_STREAM_SECONDS`.
const CLIENTS: usize = 10_000;
const RATE: u64 = 1_000;
const SECONDS: u64 = 20;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
const SECRET: &str = "bench-jwt-secret";
const SERVICE: &str = "bench-service-token";
fn user(i: usize) -> String {
    format!("s-{i:05}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let postgres = postgres_server();
    let database_url = match &postgres {
        None => format!("sqlite://{}", dir.path().join("stream.db").display()),
        Some(server) => fresh_postgres_database(server, "bell_stream", None).await?,
    };
    let clients = setting("BENCH_STREAM_CLIENTS", CLIENTS as u64) as usize;
    // One descriptor per client here and one per stream there (the server
    // inherits the raised limit); its connection cap raised to match.
    // Raising the hard limit needs CAP_SYS_RESOURCE (which this project's
    // machines do not give: their hard limit is 20,000 per process).
    let wanted = (clients + 512) as u64;
    let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    if wanted > hard && rlimit::setrlimit(rlimit::Resource::NOFILE, wanted, wanted).is_err() {
        anyhow::bail!("{clients} streams need {wanted} open files; the hard limit is {hard} and cannot be raised here");
    }
    rlimit::setrlimit(rlimit::Resource::NOFILE, wanted.max(hard), wanted.max(hard))?;
    let cap = (clients + 1_000).max(20_000).to_string();
    // The streams' server; on PostgreSQL a second process takes the events.
    let (server, base) =
        start_server(&database_url, SECRET, SERVICE, &[("BELL_MAX_CONNECTIONS", cap.as_str())]).await?;
    let producer_side = match &postgres {
        Some(_) => Some(start_server(&database_url, SECRET, SERVICE, &[]).await?),
        None => None,
    };
    let ingest_base = producer_side.as_ref().map_or_else(|| base.clone(), |(_, b)| b.clone());
    let pid = server.0.id();
    let addr = base.trim_start_matches("http://").to_owned();
    let auth = Auth::new(SECRET, SERVICE);
    let (rate, seconds) = (setting("BENCH_STREAM_RATE", RATE), setting("BENCH_STREAM_SECONDS", SECONDS));
    let events = (rate * seconds) as usize;
    // Then a fan-out: events each to 1,000 users (the most an event may name).
    let (fanouts, fanout_width) = (setting("BENCH_STREAM_FANOUTS", 10) as usize, 1_000.min(clients));
    // Events go to the first `recipients` users (all, unless told otherwise).
    let recipients = (setting("BENCH_STREAM_RECIPIENTS", clients as u64) as usize).min(clients);
    let clock = Arc::new(Clock {
        base: Instant::now(),
        sent: (0..events + fanouts).map(|_| AtomicU64::new(0)).collect(),
        received: AtomicUsize::new(0),
        latencies: std::sync::Mutex::new(Vec::with_capacity(events)),
    });

    // Warm the server up (pools, first allocations) before the baseline.
    for u in 0..10 {
        connect(source(u), &addr, &auth.issue(&format!("warm-{u}"), 3600), clock.clone()).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_bytes(pid);
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let openers: Vec<_> = (0..100)
        .map(|_| {
            let (addr, next, clock, auth) = (addr.clone(), next.clone(), clock.clone(), auth.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= clients {
                        return anyhow::Ok(());
                    }
                    connect(source(i), &addr, &auth.issue(&user(i), 3600), clock.clone()).await?;
                }
            })
        })
        .collect();
    for o in openers {
        o.await??;
    }
    let opened_in = started.elapsed();
    let accept_rate = clients as f64 / opened_in.as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = rss_bytes(pid);
    let per_client = rss_idle.saturating_sub(rss_before) as f64 / clients as f64;
    eprintln!("{clients} streams open in {opened_in:.1?}; server RSS {} → {} MiB", rss_before >> 20, rss_idle >> 20);

    // 1,000 events/s: one every millisecond, each posted by its own task so a
    // slow answer never holds the pace back.
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let cpu_before = cpu_secs(pid);
    let producer_cpu_before = producer_side.as_ref().map_or(0.0, |(p, _)| cpu_secs(p.0.id()));
    let mut ticks = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let load_started = Instant::now();
    let mut posts = Vec::with_capacity(events);
    for seq in 0..events {
        ticks.tick().await;
        let recipient = user(seq * 7919 % recipients);
        posts.push(tokio::spawn(post_marked(
            client.clone(),
            ingest_base.clone(),
            SERVICE,
            clock.clone(),
            seq,
            recipient,
        )));
    }
    let mut accepted = 0;
    for p in posts {
        accepted += usize::from(p.await?);
    }
    let offered = events as f64 / load_started.elapsed().as_secs_f64();
    // Let the last notifications arrive (up to 10 s).
    arrivals(&clock, accepted).await;
    let server_cpu = cpu_secs(pid) - cpu_before + producer_side.as_ref().map_or(0.0, |(p, _)| cpu_secs(p.0.id()))
        - producer_cpu_before;
    let received = clock.received.load(Ordering::Relaxed);
    let latencies = std::mem::take(&mut *clock.latencies.lock().unwrap());

    // The fan-out: one event at a time to 1,000 users, each holding a stream.
    // Its answer comes once the 1,000 rows are committed and the streams woken.
    let mut answered = Vec::with_capacity(fanouts);
    for k in 0..fanouts {
        let seq = events + k;
        let to: Vec<String> = (0..fanout_width).map(|j| user((k * fanout_width + j) % clients)).collect();
        let body = json!({
            "id": format!("stream-bench-fanout-{k}"), "kind": "deal.assigned",
            "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
            "recipients": to, "args": {"deal_name": format!("bench-seq-{seq} renewal")}, "link": "/deals/42",
        });
        let before = clock.received.load(Ordering::Relaxed);
        clock.sent[seq].store(clock.base.elapsed().as_nanos() as u64, Ordering::Release);
        let res = client.post(format!("{ingest_base}/v1/events")).bearer_auth(SERVICE).json(&body).send().await?;
        anyhow::ensure!(res.status().as_u16() == 202, "fan-out event: {}", res.status());
        answered.push(Duration::from_nanos(
            clock.base.elapsed().as_nanos() as u64 - clock.sent[seq].load(Ordering::Relaxed),
        ));
        for _ in 0..500 {
            if clock.received.load(Ordering::Relaxed) >= before + fanout_width {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let fanout_latencies: Vec<Duration> =
        std::mem::take(&mut *clock.latencies.lock().unwrap()).into_iter().map(|(_, l)| l).collect();
    let fanout_delivered = fanout_latencies.len();
    let first_arrival = fanout_latencies.iter().min().copied().unwrap_or_default();
    answered.sort();
    let answered_p50 = answered.get(answered.len() / 2).copied().unwrap_or_default();
    let f = stats(fanout_latencies, Duration::from_secs(1));
    anyhow::ensure!(!latencies.is_empty(), "no notification reached a stream");
    // The worst latency of each second of load, to see when a slow one happened.
    let mut worst = vec![Duration::ZERO; seconds as usize];
    for (seq, l) in &latencies {
        let second = (seq / rate as usize).min(worst.len() - 1);
        worst[second] = worst[second].max(*l);
    }
    eprintln!("worst latency per second of load (ms): {:?}", worst.iter().map(|d| d.as_millis()).collect::<Vec<_>>());
    let s = stats(latencies.into_iter().map(|(_, l)| l).collect(), Duration::from_secs(seconds));
    let rss_loaded = rss_bytes(pid);
    // SQLite only: how far the WAL grew beside the database.
    let file_mib = |name: &str| std::fs::metadata(dir.path().join(name)).map_or(0, |m| m.len() >> 20);
    let (wal_mib, db_mib) = (file_mib("stream.db-wal"), file_mib("stream.db"));

    let report = [
        if postgres.is_some() {
            "| measurement (PostgreSQL; streams on one server process, events posted to another) | figure |".to_owned()
        } else {
            "| measurement (one server process, HTTP on loopback) | figure |".to_owned()
        },
        "|---|---|".to_owned(),
        format!(
            "| concurrent stream clients held | {clients} (opened in {:.1} s: {accept_rate:.0} streams/s) |",
            opened_in.as_secs_f64()
        ),
        format!(
            "| server memory per idle stream client | {:.1} KiB (RSS {} → {} MiB) |",
            per_client / 1024.0,
            rss_before >> 20,
            rss_idle >> 20
        ),
        format!("| events posted / accepted / delivered to their stream | {events} / {accepted} / {received} |"),
        format!("| offered ingest rate | {offered:.0} events/s for {seconds} s |"),
        format!("| ingest-to-client latency p50 / p99 / max | {} ms |", in_ms(&s)),
        format!(
            "| server CPU while loaded (all server processes) | {:.0}% of one core ({:.0} µs per event, incl. its stream's read) |",
            server_cpu / load_started.elapsed().as_secs_f64() * 100.0,
            server_cpu / events as f64 * 1e6
        ),
        format!("| server memory under load | {} MiB |", rss_loaded >> 20),
        if postgres.is_some() {
            String::new()
        } else {
            format!("| SQLite files after the load: WAL / database | {wal_mib} / {db_mib} MiB |")
        },
        format!(
            "| fan-out: {fanouts} events to {fanout_width} users each, delivered / p50 / p99 / max | {fanout_delivered} / {} ms |",
            in_ms(&f)
        ),
        format!(
            "| fan-out: its event answered (1,000 rows stored) p50 / first stream reached | {:.1} / {:.1} ms |",
            answered_p50.as_secs_f64() * 1e3,
            first_arrival.as_secs_f64() * 1e3
        ),
    ]
    .into_iter()
    .filter(|line| !line.is_empty())
    .collect::<Vec<_>>()
    .join("\n");
    println!("\n{report}\n");
    let name = if postgres.is_some() { "stream-postgres.md" } else { "stream.md" };
    std::fs::write(format!("{}/../target/bench/{name}", env!("CARGO_MANIFEST_DIR")), &report)?;
    anyhow::ensure!(received == accepted, "{} accepted notifications never reached their stream", accepted - received);
    anyhow::ensure!(fanout_delivered == fanouts * fanout_width, "fan-out: {fanout_delivered} deliveries");
    Ok(())
}

/// p50 / p99 / max in milliseconds.
fn in_ms(s: &common::Stats) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!("{:.1} / {:.1} / {:.1}", ms(s.p50), ms(s.p99), ms(s.max))
}
