//! The feed: pages of a tab, and unread counts.

use super::*;

/// What a list request asks for.
#[derive(Clone, Copy, Debug)]
pub struct ListQuery {
    pub tab: Tab,
    pub category: Option<Category>,
    pub unread_only: bool,
    pub limit: u32,
    pub after: Option<Cursor>,
}

impl Store {
    /// One page of a user's tab, newest first, and where the next one starts.
    pub async fn page(
        &self,
        user: &str,
        q: &ListQuery,
        now: i64,
    ) -> anyhow::Result<(Vec<Notification>, Option<Cursor>)> {
        // One read transaction: the snapshot id and the rows come from the same state.
        let mut tx = self.read.begin().await?;
        let snapshot = match q.after {
            Some(c) => c.snapshot,
            None => {
                sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM notifications")
                    .fetch_one(&mut *tx)
                    .await?
            }
        };
        let mut sql = format!(
            "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND tab = $2 AND created_at >= $3 AND id <= $4"
        );
        let mut n = 4;
        if q.category.is_some() {
            n += 1;
            sql += &format!(" AND category = ${n}");
        }
        if q.unread_only {
            sql += " AND read_at IS NULL";
        }
        if q.after.is_some() {
            sql += &format!(" AND created_at <= ${} AND (created_at < ${} OR id < ${})", n + 1, n + 1, n + 2);
            n += 2;
        }
        sql += &format!(" ORDER BY created_at DESC, id DESC LIMIT ${}", n + 1);

        let mut query =
            sqlx::query(&sql).bind(user).bind(q.tab.as_str()).bind(retention_cutoff(q.tab, now)).bind(snapshot);
        if let Some(c) = q.category {
            query = query.bind(c.as_str());
        }
        if let Some(c) = q.after {
            query = query.bind(c.created_at).bind(c.id);
        }
        let rows = query.bind(i64::from(q.limit) + 1).fetch_all(&mut *tx).await?;
        tx.commit().await?;

        let more = rows.len() > q.limit as usize;
        let mut items = Vec::with_capacity(q.limit as usize);
        let mut last = None;
        for row in rows.iter().take(q.limit as usize) {
            last = Some((row.get::<i64, _>("created_at"), row.get::<i64, _>("id")));
            items.push(notification_from_row(row)?);
        }
        let next = match (more, last) {
            (true, Some((created_at, id))) => Some(Cursor { created_at, id, snapshot }),
            _ => None,
        };
        Ok((items, next))
    }

    /// Unread counts of every tab and category, within retention.
    pub async fn unread_counts(&self, user: &str, now: i64) -> anyhow::Result<UnreadCounts> {
        let mut connection = self.read.acquire().await?;
        unread_counts_on(&mut connection, user, now).await
    }
}

/// [`Store::unread_counts`] on a connection already held (a stream's read
/// makes all its queries on one).
pub(super) async fn unread_counts_on(
    connection: &mut sqlx::AnyConnection,
    user: &str,
    now: i64,
) -> anyhow::Result<UnreadCounts> {
    let select = format!(
        "SELECT tab, category, COUNT(*) FROM notifications \
         WHERE user_id = $1 AND read_at IS NULL AND {RETAINED} GROUP BY tab, category"
    );
    let rows = retained(sqlx::query(&select).bind(user), now).fetch_all(&mut *connection).await?;
    let mut counts = UnreadCounts::zero();
    for row in rows {
        let (tab, category) = (row.get::<String, _>(0), row.get::<String, _>(1));
        if let (Some(t), Some(c)) = (Tab::parse(&tab), Category::parse(&category)) {
            counts.add(t, c, row.get::<i64, _>(2) as u64);
        }
    }
    Ok(counts)
}
