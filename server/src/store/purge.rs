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
        let deleted = sqlx::query(
            "DELETE FROM read_changes WHERE id IN (SELECT id FROM read_changes WHERE created_at < $1 LIMIT $2)",
        )
        .bind(now - 7 * crate::clock::DAY_MS)
        .bind(i64::from(batch))
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(deleted)
    }

    /// Forgets event ids older than the longest retention, in a batch.
    pub async fn purge_event_ids(&self, now: i64, batch: u32) -> anyhow::Result<u64> {
        let oldest_kept = Tab::ALL.iter().map(|t| retention_cutoff(*t, now)).min().unwrap_or(now);
        let deleted =
            sqlx::query("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_at < $1 LIMIT $2)")
                .bind(oldest_kept)
                .bind(i64::from(batch))
                .execute(&self.write)
                .await?
                .rows_affected();
        Ok(deleted)
    }
}
