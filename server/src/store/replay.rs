//! Stream replay: what changed after a stream position.

use super::*;

/// A logged change as the stream sends it: `read` (a `ReadChange`) or
/// `approval` (an `ApprovalChange`), with its JSON as stored.
#[derive(Debug)]
pub struct LoggedChange {
    pub id: i64,
    pub event: String,
    pub data: String,
}

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
    /// changes (after `from.read`), oldest first, at most `limit` of each;
    /// notifications with their current read state. With them the unread
    /// counts, when there is anything new or `counts` is asked: all on one
    /// connection (a fan-out wakes many streams at once; each takes the
    /// pool once, not three times).
    pub async fn stream_since(
        &self,
        user: &str,
        from: StreamPosition,
        limit: u32,
        now: i64,
        counts: bool,
    ) -> anyhow::Result<StreamRead> {
        let mut connection = self.read.acquire().await?;
        let select = format!(
            "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND {RETAINED} AND seq > $4 ORDER BY seq LIMIT $5"
        );
        let rows = retained(sqlx::query(&select).bind(user), now)
            .bind(from.notification)
            .bind(i64::from(limit))
            .fetch_all(&mut *connection)
            .await?;
        let notifications = rows.iter().map(notification_from_row).collect::<anyhow::Result<Vec<_>>>()?;
        let changes: Vec<LoggedChange> = sqlx::query(
            "SELECT id, event, change FROM read_changes WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(user)
        .bind(from.read)
        .bind(i64::from(limit))
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .map(|r| LoggedChange { id: r.get(0), event: r.get(1), data: r.get(2) })
        .collect();
        let counts = if counts || !notifications.is_empty() || !changes.is_empty() {
            // Counts are extra: a failure costs the badge one update, not the news.
            super::feed::unread_counts_on(&mut connection, user, now).await.ok()
        } else {
            None
        };
        Ok(StreamRead { notifications, changes, counts })
    }
}

/// What a stream's read found.
pub struct StreamRead {
    pub notifications: Vec<Notification>,
    pub changes: Vec<LoggedChange>,
    pub counts: Option<UnreadCounts>,
}
