//! The server benchmark of docs/BENCHMARKS.md, run by `cargo xtask bench server`.
//!
//! Seeds 1,000,000 notifications over 10,000 users into a SQLite file (cached
//! in target/bench between runs), starts the release `bell-server` binary on
//! loopback as its own process, and measures through HTTP:
//! list-page and unread-count latency, read-all over 10,000 unread,
//! approval decisions (first decision wins, settling every approver's copy),
//! and single-recipient ingestion throughput. Bounded in requests and time;
//! traffic goes to 127.0.0.1 only.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bell_server::clock::{DAY_MS, now_ms};
use bell_server::store::SeedRow;
use bell_server::{Auth, Store, ingest};
use common::{cpu_secs, fresh_postgres_database, measure, postgres_server, row, start_server, stats};
use serde_json::json;

const USERS: usize = 10_000;
const PER_USER: usize = 100;
const HEAVY_USERS: usize = 5;
const HEAVY_UNREAD: usize = 10_000;
const SECRET: &str = "bench-jwt-secret";
const SERVICE: &str = "bench-service-token";
/// Decisions measured per run of the decision benchmark.
const DECISIONS: usize = 2_000;

fn user(i: usize) -> String {
    format!("u-{i:05}")
}

/// The kinds a user's 100 rows cycle through: mostly General, then Inbox, then Approval.
const MIX: &[&str] = &[
    "deal.assigned",
    "mention",
    "task.status_changed",
    "reminder.due",
    "export.completed",
    "ticket.assigned",
    "conversation.assigned",
    "conversation.resolved",
    "approval.deal.requested",
    "approval.expense.approved",
];

fn args(kind: &str) -> serde_json::Value {
    match kind {
        "deal.assigned" | "approval.deal.requested" => json!({"deal_name": "PT Maju Jaya renewal"}),
        "mention" => json!({"entity_type": "deal", "entity_name": "PT Maju Jaya renewal"}),
        "task.status_changed" => json!({"task_name": "Call back", "status": "Done"}),
        "reminder.due" => json!({"entity_type": "task", "entity_name": "Call back", "due_at": "2026-11-30T09:00:00Z"}),
        "export.completed" => json!({"file_name": "deals.csv", "rows": 1240}),
        "ticket.assigned" => json!({"ticket_name": "Login fails"}),
        "conversation.assigned" | "conversation.resolved" => {
            json!({"contact_name": "Rina Wijaya", "channel": "whatsapp"})
        }
        "approval.expense.approved" => json!({"expense_name": "Dinner", "amount": 1250000, "currency": "IDR"}),
        _ => unreachable!("{kind}"),
    }
}

fn event(id: String, kind: &str, recipient: &str, ago_ms: i64, now: i64) -> ingest::ValidEvent {
    let body = json!({
        "id": id, "kind": kind, "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
        "recipients": [recipient], "args": args(kind), "link": "/deals/42",
    });
    let mut ev =
        ingest::validate(serde_json::from_value(body).expect("an event"), &[], now).expect("valid bench event");
    ev.created_at = now - ago_ms;
    ev
}

async fn seed(database_url: &str) -> anyhow::Result<()> {
    let store = Store::open(database_url, Default::default()).await?;
    let now = now_ms();
    let started = Instant::now();
    let mut rows = Vec::with_capacity(20_000);
    for u in 0..USERS {
        for i in 0..PER_USER {
            let kind = MIX[i % MIX.len()];
            // Spread over the last 6 days (inside every tab's retention); the
            // newest 30 of each user are unread.
            let ago = (i as i64) * (6 * DAY_MS / PER_USER as i64) + (u as i64 % 1000);
            let event = event(format!("seed-{u}-{i}"), kind, &user(u), ago, now);
            rows.push(SeedRow { recipient: user(u), event, read: i >= 30 });
        }
        if rows.len() >= 20_000 {
            store.load_rows(&rows).await?;
            rows.clear();
        }
    }
    for h in 0..HEAVY_USERS {
        for i in 0..HEAVY_UNREAD {
            let kind = MIX[i % 6]; // General kinds only
            let event = event(format!("heavy-{h}-{i}"), kind, &format!("heavy-{h}"), i as i64 * 1000, now);
            rows.push(SeedRow { recipient: format!("heavy-{h}"), event, read: false });
        }
        store.load_rows(&rows).await?;
        rows.clear();
    }
    store.load_rows(&rows).await?;
    eprintln!("seeded {} rows in {:.1?}", USERS * PER_USER + HEAVY_USERS * HEAVY_UNREAD, started.elapsed());
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let postgres = postgres_server();
    let work_url = match &postgres {
        None => {
            let cached = dir.join("bell-1m.db");
            let marker = dir.join("bell-1m.done");
            if !marker.exists() {
                let _ = std::fs::remove_file(&cached);
                seed(&format!("sqlite://{}", cached.display())).await?;
                // Fold the WAL into the main file so a plain copy is complete.
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", cached.display())).await?;
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&pool).await?;
                pool.close().await;
                std::fs::write(&marker, "seeded")?;
            }
            // Work on a copy: read-all and ingestion change the data.
            let work = dir.join("bell-work.db");
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", work.display()));
            }
            std::fs::copy(&cached, &work)?;
            format!("sqlite://{}", work.display())
        }
        Some(server) => {
            // The seeded database is kept in the benchmark's PostgreSQL
            // (target/bench/pg); each run works on a copy made from it.
            let marker = dir.join("pg-1m.done");
            if !marker.exists() {
                let seed_url = fresh_postgres_database(server, "bell_seed", None).await?;
                seed(&seed_url).await?;
                let pool = sqlx::PgPool::connect(&seed_url).await?;
                sqlx::raw_sql("VACUUM ANALYZE").execute(&pool).await?;
                pool.close().await;
                std::fs::write(&marker, "seeded")?;
            }
            fresh_postgres_database(server, "bell_work", Some("bell_seed")).await?
        }
    };

    let (server, base) = start_server(&work_url, SECRET, SERVICE, &[]).await?;
    let server_pid = server.0.id();
    let auth = Auth::new(SECRET, SERVICE);
    let tokens: Arc<Vec<String>> = Arc::new((0..USERS).map(|u| auth.issue(&user(u), 3600)).collect());
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let mut report = vec![
        "| measurement (HTTP on loopback) | p50 | p99 | max | throughput |".to_owned(),
        "|---|---|---|---|---|".to_owned(),
    ];

    let list = |concurrency: usize, n: usize| {
        let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
        measure(n, concurrency, move |i| {
            let u = (i * 7919) % USERS;
            let tab = ["general", "inbox", "approval"][i % 3];
            client.get(format!("{base}/v1/notifications?tab={tab}&limit=20")).bearer_auth(&tokens[u]).send()
        })
    };
    // `BENCH_ONLY=ingest` skips to ingestion (for profiling it).
    let only_ingest = std::env::var("BENCH_ONLY").is_ok_and(|v| v == "ingest");
    if !only_ingest {
        let _warm = list(4, 2_000).await;
        report.push(row("list page (20 items), 1 client", &list(1, 10_000).await));
        report.push(row("list page (20 items), 8 clients", &list(8, 20_000).await));
        {
            let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
            let s = measure(10_000, 1, move |i| {
                let u = (i * 7919) % USERS;
                client
                    .get(format!("{base}/v1/notifications?tab=general&category=assignment&unread_only=true&limit=20"))
                    .bearer_auth(&tokens[u])
                    .send()
            })
            .await;
            report.push(row("list page, category + unread only, 1 client", &s));
        }
        let counts = |concurrency: usize, n: usize| {
            let (client, base, tokens) = (client.clone(), base.clone(), tokens.clone());
            measure(n, concurrency, move |i| {
                client
                    .get(format!("{base}/v1/notifications/unread-count"))
                    .bearer_auth(&tokens[(i * 7919) % USERS])
                    .send()
            })
        };
        report.push(row("unread count, 1 client", &counts(1, 10_000).await));
        report.push(row("unread count, 8 clients", &counts(8, 20_000).await));

        let mut read_all = Vec::new();
        for h in 0..HEAVY_USERS {
            let t = Instant::now();
            let res = client
                .post(format!("{base}/v1/notifications/read-all"))
                .bearer_auth(auth.issue(&format!("heavy-{h}"), 600))
                .json(&json!({"tab": "general"}))
                .send()
                .await?;
            let body: serde_json::Value = res.json().await?;
            read_all.push(t.elapsed());
            assert_eq!(body["marked"], HEAVY_UNREAD as u64, "{body}");
        }
        report.push(row(
            &format!("read-all over {HEAVY_UNREAD} unread ({HEAVY_USERS} users)"),
            &stats(read_all, Duration::from_secs(1)),
        ));

        // Decisions: actionable requests to two fresh approvers each (whose
        // one notification is id 1), decided by the first of the two.
        let requests = 2 * DECISIONS;
        let (c, b) = (client.clone(), base.clone());
        measure(requests, 16, move |k| {
            c.post(format!("{b}/v1/events"))
                .bearer_auth(SERVICE)
                .json(&json!({
                    "id": format!("bench-apv-{k}"), "kind": "approval.deal.requested", "approval_id": format!("apv-{k}"),
                    "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
                    "recipients": [format!("apv-{k}-a"), format!("apv-{k}-b")],
                    "args": {"deal_name": "PT Maju Jaya renewal"}, "link": "/deals/42",
                }))
                .send()
        })
        .await;
        let approver_tokens: Arc<Vec<String>> = Arc::new(
            (0..requests).map(|k| auth.issue_named(&format!("apv-{k}-a"), Some("Ayu Lestari"), 3600)).collect(),
        );
        let decide = |concurrency: usize, from: usize| {
            let (client, base, tokens) = (client.clone(), base.clone(), approver_tokens.clone());
            measure(DECISIONS, concurrency, move |i| {
                client
                    .post(format!("{base}/v1/notifications/1/decision"))
                    .bearer_auth(&tokens[from + i])
                    .json(&json!({"decision": "approve", "note": "Within budget"}))
                    .send()
            })
        };
        report.push(row("decision (settles 2 approvers' copies), 1 client", &decide(1, 0).await));
        report.push(row("decision (settles 2 approvers' copies), 8 clients", &decide(8, DECISIONS).await));
    }

    let ingest = |concurrency: usize, n: usize, tag: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        measure(n, concurrency, move |i| {
            client
                .post(format!("{base}/v1/events"))
                .bearer_auth(SERVICE)
                .json(&json!({
                    "id": format!("bench-{tag}-{i}"), "kind": "deal.assigned",
                    "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
                    "recipients": [user((i * 31) % USERS)], "args": {"deal_name": "PT Maju Jaya renewal"}, "link": "/deals/42",
                }))
                .send()
        })
    };
    report.push(row("ingest, single recipient, 1 producer", &ingest(1, 5_000, "a").await));
    let (cpu_before, bench_before) = (cpu_secs(server_pid), cpu_secs(std::process::id()));
    let n = if only_ingest { 200_000 } else { 40_000 };
    let s = ingest(32, n, "b").await;
    let server_cpu = cpu_secs(server_pid) - cpu_before;
    let client_cpu = cpu_secs(std::process::id()) - bench_before;
    report.push(row("ingest, single recipient, 32 producers", &s));
    report.push(format!(
        "\nDuring the 32-producer ingest the server used {:.0} µs of CPU per event and this load generator {:.0} µs \
         (2 cores shared): at the server's own cost, one core ingests {:.0} events/s.",
        server_cpu / n as f64 * 1e6,
        client_cpu / n as f64 * 1e6,
        n as f64 / server_cpu
    ));

    let text = report.join("\n");
    println!("\n{text}\n");
    let name = if postgres.is_some() { "server-postgres.md" } else { "server.md" };
    std::fs::write(dir.join(name), &text)?;
    Ok(())
}
