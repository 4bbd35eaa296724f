//! `cargo xtask bench preferences`: ingestion with stored preferences
//! against ingestion without, in one run on one server (docs/BENCHMARKS.md).
//!
//! Two groups of 10,000 users on a fresh database: group A has no stored
//! preferences; every user of group B has some (a third keep another
//! category out of the bell, a third mute the browser for it, a third have
//! quiet hours that are not now), so both groups store and route the same
//! rows and only reading preferences differs. A tenth of each group has a
//! browser registered, so routing reads them too. After a warm-up, 24
//! phases of 2,500 single-recipient events from 32 producers run in A B B A
//! order (throughput drifts as the database grows: both groups see the
//! same drift); then ten 1,000-recipient events per group. Bounded in requests and time; traffic goes to
//! 127.0.0.1 only.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use bell_server::Auth;
use common::{Stats, fresh_postgres_database, measure, postgres_server, row, start_server, stats};
use serde_json::json;

const USERS: usize = 10_000;
const EVENTS: usize = 2_500;
const PRODUCERS: usize = 32;
/// Phases of `EVENTS`, half each group's.
const PHASES: usize = 24;
const SECRET: &str = "bench-jwt-secret";
const SERVICE: &str = "bench-service-token";

fn user(group: char, i: usize) -> String {
    format!("{group}-{i:05}")
}

/// What group B's user `i` has changed: nothing of it suppresses `deal.assigned`.
fn preferences(i: usize) -> serde_json::Value {
    match i % 3 {
        0 => json!({"channels": {"general.update": {"bell": false}}}),
        1 => json!({"channels": {"general.mention": {"browser": false}, "chat.incoming": {"push": false}}}),
        _ => {
            json!({"quiet_hours": {"start": "03:00", "end": "03:01", "days": ["sun"], "time_zone": "Pacific/Kiritimati"}})
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    let postgres = postgres_server();
    let url = match &postgres {
        None => {
            let file = dir.join("bell-preferences.db");
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", file.display()));
            }
            format!("sqlite://{}", file.display())
        }
        Some(server) => fresh_postgres_database(server, "bell_preferences", None).await?,
    };
    let (_server, base) = start_server(&url, SECRET, SERVICE, &[]).await?;
    let auth = Auth::new(SECRET, SERVICE);
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;

    // Group B's preferences, and a browser for a tenth of each group.
    let started = Instant::now();
    let (c, b) = (client.clone(), base.clone());
    let tokens: Arc<Vec<String>> = Arc::new((0..USERS).map(|i| auth.issue(&user('b', i), 3600)).collect());
    let t = tokens.clone();
    measure(USERS, 16, move |i| c.put(format!("{b}/v1/preferences")).bearer_auth(&t[i]).json(&preferences(i)).send())
        .await;
    let devices: Arc<Vec<String>> = Arc::new(
        (0..USERS / 10).flat_map(|i| [user('a', i * 10), user('b', i * 10)]).map(|u| auth.issue(&u, 3600)).collect(),
    );
    let (c, b, d) = (client.clone(), base.clone(), devices.clone());
    measure(devices.len(), 16, move |i| {
        c.put(format!("{b}/v1/devices/web"))
            .bearer_auth(&d[i])
            .json(&json!({"device_id": format!("browser-{i}"), "app": null, "push_token": null}))
            .send()
    })
    .await;
    eprintln!("set up {USERS} users' preferences and {} browsers in {:.1?}", devices.len(), started.elapsed());

    let ingest = |group: char, phase: usize| {
        let (client, base) = (client.clone(), base.clone());
        measure(EVENTS, PRODUCERS, move |i| {
            client
                .post(format!("{base}/v1/events"))
                .bearer_auth(SERVICE)
                .json(&json!({
                    "id": format!("{group}-{phase}-{i}"), "kind": "deal.assigned",
                    "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
                    "recipients": [user(group, (i * 31) % USERS)], "args": {"deal_name": "PT Maju Jaya renewal"},
                    "link": "/deals/42",
                }))
                .send()
        })
    };
    // Warm-up (a third group): the first phase of a fresh server and
    // database is slower whatever it ingests.
    ingest('w', 0).await;
    // Short phases in A B B A order, so that both groups see the same
    // database as it grows (throughput drifts down as it does).
    let (mut a_time, mut b_time) = (0.0, 0.0);
    let mut phases = Vec::new();
    for k in 0..PHASES {
        let group = if matches!(k % 4, 0 | 3) { 'a' } else { 'b' };
        let s = ingest(group, k).await;
        let secs = EVENTS as f64 / s.per_sec;
        if group == 'a' {
            a_time += secs;
        } else {
            b_time += secs;
        }
        phases.push(format!("{}{:.0}", group.to_ascii_uppercase(), s.per_sec));
    }
    let per_group = (PHASES / 2 * EVENTS) as f64;
    let (without, with) = (per_group / a_time, per_group / b_time);
    let report = vec![
        format!("| ingest, single recipient, 32 producers, {} phases of {EVENTS} (A B B A …) | throughput |", PHASES),
        "|---|---|".to_owned(),
        format!("| A: no stored preferences | {without:.0}/s |"),
        format!("| B: every recipient with stored preferences (cache cold in B's first phase) | {with:.0}/s |"),
        format!(
            "\nB against A: {:+.1} %. Each phase, in order (events/s): {}.",
            (with / without - 1.0) * 100.0,
            phases.join(", ")
        ),
    ];
    let mut report = report;
    // Ten events of 1,000 recipients per group, one after another.
    let fan_out = |group: char| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let mut samples = Vec::new();
            let started = Instant::now();
            for e in 0..10 {
                let recipients: Vec<String> = (0..1000).map(|i| user(group, e * 1000 + i)).collect();
                let t = Instant::now();
                let res = client
                    .post(format!("{base}/v1/events"))
                    .bearer_auth(SERVICE)
                    .json(&json!({
                        "id": format!("{group}-fan-{e}"), "kind": "deal.assigned",
                        "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
                        "recipients": recipients, "args": {"deal_name": "PT Maju Jaya renewal"}, "link": "/deals/42",
                    }))
                    .send()
                    .await
                    .expect("ingest");
                assert!(res.status().is_success(), "{}", res.status());
                samples.push(t.elapsed());
            }
            stats(samples, started.elapsed())
        }
    };
    let fan: [(&str, Stats); 2] = [
        ("1,000 recipients, A (no stored preferences)", fan_out('a').await),
        ("1,000 recipients, B (every recipient with preferences)", fan_out('b').await),
    ];
    report.push("\n| one event (10 in a row) | p50 | p99 | max | events/s |".to_owned());
    report.push("|---|---|---|---|---|".to_owned());
    for (name, s) in &fan {
        report.push(row(name, s));
    }
    let text = report.join("\n");
    println!("\n{text}\n");
    let name = if postgres.is_some() { "preferences-postgres.md" } else { "preferences.md" };
    std::fs::write(dir.join(name), &text)?;
    Ok(())
}
