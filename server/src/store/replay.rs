//! Stream replay: what changed after a stream position.

use super::*;

impl Store {
    /// Where a new stream of `user` starts: after everything stored so far
    /// (the user's own last notification id; the read-change log's last id).
    pub async fn stream_head(&self, user: &str) -> anyhow::Result<StreamPosition> {
        let notification: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(last_seq), 0) FROM user_seqs WHERE user_id = $1")
                .bind(user)
                .fetch_one(&self.read)
                .await?;
        let read: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM read_changes").fetch_one(&self.read).await?;
        Ok(StreamPosition { notification, read })
    }

    /// A user's notifications (after its id `from.notification`) and read
    /// changes (after `from.read`), oldest first, at
    /// most `limit` of each; notifications with their current read state.
    pub async fn stream_since(
        &self,
        user: &str,
        from: StreamPosition,
        limit: u32,
        now: i64,
    ) -> anyhow::Result<(Vec<Notification>, Vec<(i64, ReadChange)>)> {
        let select = format!(
            "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND {RETAINED} AND seq > $4 ORDER BY seq LIMIT $5"
        );
        let rows = retained(sqlx::query(&select).bind(user), now)
            .bind(from.notification)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?;
        let notifications = rows.iter().map(notification_from_row).collect::<anyhow::Result<Vec<_>>>()?;
        let changes =
            sqlx::query("SELECT id, change FROM read_changes WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                .bind(user)
                .bind(from.read)
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?
                .iter()
                .map(|r| Ok((r.get::<i64, _>(0), serde_json::from_str(r.get::<&str, _>(1))?)))
                .collect::<anyhow::Result<Vec<_>>>()?;
        Ok((notifications, changes))
    }
}
