//! `cargo xtask bench [server|stream|approvals|fairness|preferences|postgres|bus|widget]`: the benchmarks behind docs/BENCHMARKS.md.

use crate::tools::{Result, build_widget, cargo, sh, tool};

fn server() -> Result {
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "http_load"]))
}

/// 10,000 open streams on one server: memory per idle client and
/// ingest-to-client latency at 1,000 events/s.
fn stream() -> Result {
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "stream_load"]))
}

/// Approvals: decision to every approver's stream, and the webhook outbox's drain rate.
fn approvals() -> Result {
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "approvals_load"]))
}

/// Another user's reads while one user holds 1,000 streams and gets 20 events/s.
fn fairness() -> Result {
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "fanout_fairness"]))
}

/// Ingestion with stored preferences against without, in one run.
fn preferences() -> Result {
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "preferences_load"]))
}

/// The server, stream, approvals and preferences benchmarks again on PostgreSQL (a durable server
/// of its own, kept in target/bench/pg); the stream one across two processes.
fn postgres() -> Result {
    let pg = crate::postgres::for_bench()?;
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "http_load"]).env("BENCH_POSTGRES_URL", &pg.url))?;
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "stream_load"]).env("BENCH_POSTGRES_URL", &pg.url))?;
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "approvals_load"]).env("BENCH_POSTGRES_URL", &pg.url))?;
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "preferences_load"]).env("BENCH_POSTGRES_URL", &pg.url))
}

/// The bus between processes: LISTEN/NOTIFY against NATS, four processes,
/// 10,000 users, every notification crossing processes.
fn bus() -> Result {
    crate::tools::install_missing(&[("/usr/sbin/nats-server", "nats-server")])?;
    let pg = crate::postgres::for_bench()?;
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "bus_load"]).env("BENCH_POSTGRES_URL", &pg.url))
}

/// Download size of the shipped widget and its timings in headless Chromium.
fn widget() -> Result {
    build_widget()?;
    sh(cargo().args(["build", "-p", "bell-server"]))?;
    sh(tool("node").arg("tests/bench/widget.mjs"))
}

pub fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("server") => server(),
        Some("stream") => stream(),
        Some("approvals") => approvals(),
        Some("fairness") => fairness(),
        Some("preferences") => preferences(),
        Some("postgres") => postgres(),
        Some("bus") => bus(),
        Some("widget") => widget(),
        None => server()
            .and_then(|()| stream())
            .and_then(|()| approvals())
            .and_then(|()| fairness())
            .and_then(|()| preferences())
            .and_then(|()| postgres())
            .and_then(|()| bus())
            .and_then(|()| widget()),
        Some(other) => Err(format!(
            "unknown benchmark {other:?}: use `server`, `stream`, `approvals`, `fairness`, `preferences`, `postgres`, `bus` or `widget`"
        )),
    }
}
