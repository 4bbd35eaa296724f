//! Purges of what is past its retention, in batches.

use super::*;

impl Store {
    /// Deletes up to `batch` notifications of `tab` older than its retention,
    /// answering how many. Callers loop until it answers less than `batch`,
    /// so the writer is never held for long.
    pub async fn purge_batch(&self, tab: Tab, now: i64, batch: u32) -> anyhow::Result<u64> {
        let deleted = sqlx::query(
            "DELETE FROM notifications WHERE id IN \
             (SELECT id FROM notifications WHERE tab = $1 AND created_at < $2 LIMIT $3)",
        )
        .bind(tab.as_str())
        .bind(retention_cutoff(tab, now))
        .bind(i64::from(batch))
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(deleted)
    }

    /// Forgets read changes older than the stream's replay window (7 days), in a batch.
    pub async fn purge_read_changes(&self, now: i64, batch: u32) -> anyhow::Result<u64> {
        self.delete_older("read_changes", "created_at", now - 7 * crate::clock::DAY_MS, batch).await
    }

    /// Forgets event ids older than the longest retention, in a batch.
    pub async fn purge_event_ids(&self, now: i64, batch: u32) -> anyhow::Result<u64> {
        self.delete_older("events", "received_at", oldest_kept(now), batch).await
    }

    /// Forgets routing decisions past the longest retention, in a batch.
    pub async fn purge_deliveries(&self, now: i64, batch: u32) -> anyhow::Result<u64> {
        self.delete_older("deliveries", "created_at", oldest_kept(now), batch).await
    }

    /// Deletes up to `batch` rows of `table` whose `column` is before `cutoff`
    /// (both names are this module's constants, never input).
    async fn delete_older(&self, table: &str, column: &str, cutoff: i64, batch: u32) -> anyhow::Result<u64> {
        let sql = format!("DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {column} < $1 LIMIT $2)");
        let deleted = sqlx::query(&sql).bind(cutoff).bind(i64::from(batch)).execute(&self.write).await?.rows_affected();
        Ok(deleted)
    }
}

/// The oldest time any tab still shows at `now` (the longest retention).
pub(super) fn oldest_kept(now: i64) -> i64 {
    Tab::ALL.iter().map(|t| retention_cutoff(*t, now)).min().unwrap_or(now)
}
