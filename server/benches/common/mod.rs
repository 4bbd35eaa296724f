//! What the server benchmarks share: the server as its own process, its CPU
//! time and memory from /proc, and latency statistics.
#![allow(dead_code)] // each bench uses a part

pub mod streams;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The server process; stopped (SIGTERM) when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// Starts the release `bell-server` on a free loopback port with its
/// database at `database_url`, and waits until it answers.
pub async fn start_server(
    database_url: &str,
    secret: &str,
    service: &str,
    env: &[(&str, &str)],
) -> anyhow::Result<(Server, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = Command::new(env!("CARGO_BIN_EXE_bell-server"))
        .env("BELL_LISTEN", format!("127.0.0.1:{port}"))
        .env("BELL_DATABASE_URL", database_url)
        .env("BELL_JWT_SECRET", secret)
        .env("BELL_SERVICE_TOKEN", service)
        .envs(env.iter().copied())
        .env("BELL_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..400 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return Ok((server, base));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    anyhow::bail!("bell-server did not come up")
}

/// CPU seconds a process has used (user + system), from /proc.
pub fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the name).
    (ticks(11) + ticks(12)) / 100.0
}

pub struct Stats {
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub per_sec: f64,
}

pub fn stats(mut samples: Vec<Duration>, wall: Duration) -> Stats {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).saturating_sub(1).min(samples.len() - 1)];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        max: *samples.last().unwrap(),
        per_sec: samples.len() as f64 / wall.as_secs_f64(),
    }
}

/// Resident memory of a process in bytes, from /proc.
pub fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// `BENCH_POSTGRES_URL`: the PostgreSQL server `cargo xtask bench postgres`
/// started (the benchmark then runs on it instead of SQLite).
pub fn postgres_server() -> Option<String> {
    std::env::var("BENCH_POSTGRES_URL").ok().filter(|v| !v.is_empty())
}

/// A new, empty database `name` on `server` (a copy of `template` when
/// given), replacing any left by an earlier run; answers its URL.
pub async fn fresh_postgres_database(server: &str, name: &str, template: Option<&str>) -> anyhow::Result<String> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(server).await?;
    // One statement each: `CREATE DATABASE` cannot share a transaction.
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await?;
    let copy = template.map(|t| format!(" TEMPLATE {t}")).unwrap_or_default();
    sqlx::raw_sql(&format!("CREATE DATABASE {name}{copy}")).execute(&mut admin).await?;
    admin.close().await?;
    let (base, _) = server.rsplit_once('/').expect("a postgres:// URL with a database");
    Ok(format!("{base}/{name}"))
}

/// Sends `n` requests from `concurrency` clients, each a fresh call of `make(i)`.
pub async fn measure<F, Fut>(n: usize, concurrency: usize, make: F) -> Stats
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send,
{
    let make = Arc::new(make);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (make, next) = (make.clone(), next.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        return samples;
                    }
                    let t = Instant::now();
                    let res = make(i).await.expect("request");
                    assert!(res.status().is_success(), "status {}", res.status());
                    let _ = res.bytes().await.expect("body");
                    samples.push(t.elapsed());
                }
            })
        })
        .collect();
    let mut samples = Vec::with_capacity(n);
    for w in workers {
        samples.extend(w.await.unwrap());
    }
    stats(samples, started.elapsed())
}

pub fn row(name: &str, s: &Stats) -> String {
    format!(
        "| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {:.0}/s |",
        s.p50.as_secs_f64() * 1e3,
        s.p99.as_secs_f64() * 1e3,
        s.max.as_secs_f64() * 1e3,
        s.per_sec
    )
}
