//! The retention purge: deletes what its tab no longer shows (SPEC §2).
//!
//! Queries already hide expired rows; this keeps the database small. It
//! deletes in bounded batches with a pause between them so ingestion, which
//! shares the single SQLite writer, never waits behind one long delete.
//! On PostgreSQL, whole weeks past every retention are dropped as partitions
//! first (`Store::upkeep_partitions`); the batches then only remove what
//! expired inside live weeks (Inbox keeps 7 days, the others 90).

use std::time::Duration;

use bell_protocol::Tab;

use crate::clock::now_ms;
use crate::store::Store;

/// Deletes every expired notification and event id as of `now`, batch by
/// batch; answers how many notifications went.
pub async fn purge_expired(store: &Store, now: i64, batch: u32) -> anyhow::Result<u64> {
    let mut total = 0;
    for tab in Tab::ALL {
        loop {
            let n = store.purge_batch(tab, now, batch).await?;
            total += n;
            if n < u64::from(batch) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    while store.purge_event_ids(now, batch).await? == u64::from(batch) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    while store.purge_read_changes(now, batch).await? == u64::from(batch) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    while store.purge_deliveries(now, batch).await? == u64::from(batch) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(total)
}

/// Runs the purge every `interval` until the task is dropped.
pub async fn run(store: Store, interval: Duration, batch: u32) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match store.upkeep_partitions(now_ms()).await {
            Ok(done) if done != Default::default() => tracing::info!(?done, "partition upkeep"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = format!("{e:#}"), "partition upkeep failed; retrying next interval"),
        }
        match purge_expired(&store, now_ms(), batch).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "retention purge"),
            Err(e) => tracing::warn!(error = format!("{e:#}"), "retention purge failed; retrying next interval"),
        }
    }
}
