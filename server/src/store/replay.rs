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

/// One stream's part of a read made for many streams at once.
#[derive(Clone, Debug)]
pub struct StreamAsk {
    pub user: std::sync::Arc<str>,
    pub from: StreamPosition,
    /// Send the counts even when nothing is new (a stream's first read).
    pub counts: bool,
}

impl Store {
    /// [`Store::stream_since`] for many streams in three queries, whatever
    /// their number: an event to 1,000 users wakes 1,000 streams at once,
    /// and 3,000 queries cost far more than 3 (each is a round trip to a
    /// connection's thread on SQLite, and to the server on PostgreSQL).
    /// Answers in the order of `asks`; a user may be asked twice (two tabs
    /// at different positions).
    pub async fn stream_since_many(&self, asks: &[StreamAsk], limit: u32, now: i64) -> anyhow::Result<Vec<StreamRead>> {
        if let [ask] = asks {
            return Ok(vec![self.stream_since(&ask.user, ask.from, limit, now, ask.counts).await?]);
        }
        // Each ask as [its index, user, after notification, after change],
        // one JSON parameter: one statement text whatever the number of asks.
        let wanted = serde_json::to_string(
            &asks
                .iter()
                .enumerate()
                .map(|(i, a)| serde_json::json!([i, &*a.user, a.from.notification, a.from.read]))
                .collect::<Vec<_>>(),
        )?;
        let wanted_table = match self.backend {
            Backend::Sqlite => {
                "SELECT json_extract(value, '$[0]') AS ask, json_extract(value, '$[1]') AS user_id, \
                 json_extract(value, '$[2]') AS after_seq, json_extract(value, '$[3]') AS after_change \
                 FROM json_each($1)"
            }
            Backend::Postgres => {
                "SELECT (w->>0)::bigint AS ask, w->>1 AS user_id, (w->>2)::bigint AS after_seq, \
                 (w->>3)::bigint AS after_change FROM jsonb_array_elements($1::jsonb) AS w"
            }
        };
        let mut found: Vec<StreamRead> =
            asks.iter().map(|_| StreamRead { notifications: Vec::new(), changes: Vec::new(), counts: None }).collect();
        let mut connection = self.read.acquire().await?;
        // At most `limit` of each ask's rows: numbered within the ask.
        let select = format!(
            "WITH wanted AS ({wanted_table}) \
             SELECT * FROM (SELECT w.ask, n.*, ROW_NUMBER() OVER (PARTITION BY w.ask ORDER BY n.seq) AS rank \
               FROM wanted w JOIN notifications n ON n.user_id = w.user_id AND n.seq > w.after_seq \
               WHERE n.created_at >= CASE n.tab WHEN 'inbox' THEN $2 ELSE $3 END) AS found \
             WHERE rank <= $4 ORDER BY ask, seq"
        );
        let rows = retained(sqlx::query(&select).bind(&wanted), now)
            .bind(i64::from(limit))
            .fetch_all(&mut *connection)
            .await?;
        for row in &rows {
            found[ask_of(row)?].notifications.push(notification_from_row(row)?);
        }
        let select = format!(
            "WITH wanted AS ({wanted_table}) \
             SELECT * FROM (SELECT w.ask, c.id, c.event, c.change, \
               ROW_NUMBER() OVER (PARTITION BY w.ask ORDER BY c.id) AS rank \
               FROM wanted w JOIN read_changes c ON c.user_id = w.user_id AND c.id > w.after_change) AS found \
             WHERE rank <= $2 ORDER BY ask, id"
        );
        let rows = sqlx::query(&select).bind(&wanted).bind(i64::from(limit)).fetch_all(&mut *connection).await?;
        for row in &rows {
            let change = LoggedChange { id: row.get("id"), event: row.get("event"), data: row.get("change") };
            found[ask_of(row)?].changes.push(change);
        }
        // Counts for the asks that found something or asked for them, per user.
        let wants_counts =
            |ask: &StreamAsk, f: &StreamRead| ask.counts || !f.notifications.is_empty() || !f.changes.is_empty();
        let mut counted: Vec<&str> =
            asks.iter().zip(&found).filter(|(a, f)| wants_counts(a, f)).map(|(a, _)| &*a.user).collect();
        counted.sort_unstable();
        counted.dedup();
        if counted.is_empty() {
            return Ok(found);
        }
        let users_table = match self.backend {
            Backend::Sqlite => "SELECT value FROM json_each($1)",
            Backend::Postgres => "SELECT jsonb_array_elements_text($1::jsonb)",
        };
        let select = format!(
            "SELECT user_id, tab, category, COUNT(*) AS unread FROM notifications \
             WHERE user_id IN ({users_table}) AND read_at IS NULL AND {RETAINED} GROUP BY user_id, tab, category"
        );
        // Counts are extra: a failure costs the badges one update, not the news.
        let Ok(rows) = retained(sqlx::query(&select).bind(serde_json::to_string(&counted)?), now)
            .fetch_all(&mut *connection)
            .await
        else {
            return Ok(found);
        };
        let mut counts: HashMap<&str, UnreadCounts> = counted.iter().map(|u| (*u, UnreadCounts::zero())).collect();
        for row in &rows {
            let (user, tab, category) = (row.get::<&str, _>(0), row.get::<String, _>(1), row.get::<String, _>(2));
            if let (Some(c), Some(t), Some(k)) = (counts.get_mut(user), Tab::parse(&tab), Category::parse(&category)) {
                c.add(t, k, row.get::<i64, _>(3) as u64);
            }
        }
        for (ask, f) in asks.iter().zip(&mut found) {
            if wants_counts(ask, f) {
                f.counts = counts.get(&*ask.user).cloned();
            }
        }
        Ok(found)
    }
}

/// Which ask a row of a many-stream read answers.
fn ask_of(row: &AnyRow) -> anyhow::Result<usize> {
    usize::try_from(row.try_get::<i64, _>("ask")?).context("a negative ask index")
}

/// What a stream's read found.
pub struct StreamRead {
    pub notifications: Vec<Notification>,
    pub changes: Vec<LoggedChange>,
    pub counts: Option<UnreadCounts>,
}
