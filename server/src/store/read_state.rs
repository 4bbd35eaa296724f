//! Read state: one notification, or everything of a tab up to an id; each
//! change logged for the streams (in `read_changes`, which also carries
//! approval settlements, see approvals.rs).

use super::*;

impl Store {
    /// Marks one of the user's notifications read. `None` when the user has
    /// no such (retained) notification; `Some(changed)` otherwise. A change is
    /// logged for stream clients in the same transaction.
    pub async fn mark_read(&self, user: &str, id: i64, now: i64) -> anyhow::Result<Option<bool>> {
        let mut tx = self.write.begin().await?;
        let update = format!(
            "UPDATE notifications SET read_at = $4 WHERE user_id = $1 AND {RETAINED} AND seq = $5 AND read_at IS NULL"
        );
        let changed =
            retained(sqlx::query(&update).bind(user), now).bind(now).bind(id).execute(&mut *tx).await?.rows_affected();
        if changed == 1 {
            log_read_change(&mut tx, self.backend, user, &ReadChange::Ids { ids: vec![id.to_string()] }, now).await?;
            tx.commit().await?;
            return Ok(Some(true));
        }
        let select = format!("SELECT 1 FROM notifications WHERE user_id = $1 AND {RETAINED} AND seq = $4");
        let exists = retained(sqlx::query(&select).bind(user), now).bind(id).fetch_optional(&mut *tx).await?.is_some();
        tx.rollback().await?;
        Ok(exists.then_some(false))
    }

    /// Marks the user's unread notifications of a tab (and category) read,
    /// only those that arrived no later than `up_to`. Answers how many.
    pub async fn read_all(
        &self,
        user: &str,
        tab: Tab,
        category: Option<Category>,
        up_to: Option<i64>,
        now: i64,
    ) -> anyhow::Result<u64> {
        let mut sql = String::from(
            "UPDATE notifications SET read_at = $1 \
             WHERE user_id = $2 AND tab = $3 AND read_at IS NULL AND created_at >= $4 AND seq <= $5",
        );
        if category.is_some() {
            sql += " AND category = $6";
        }
        let mut query = sqlx::query(&sql)
            .bind(now)
            .bind(user)
            .bind(tab.as_str())
            .bind(retention_cutoff(tab, now))
            .bind(up_to.unwrap_or(i64::MAX));
        if let Some(c) = category {
            query = query.bind(c.as_str());
        }
        let mut tx = self.write.begin().await?;
        let marked = query.execute(&mut *tx).await?.rows_affected();
        if marked > 0 {
            let change = ReadChange::All { tab, category, up_to: up_to.map(|n| n.to_string()) };
            log_read_change(&mut tx, self.backend, user, &change, now).await?;
        }
        tx.commit().await?;
        Ok(marked)
    }
}

pub(super) async fn log_read_change(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    user: &str,
    change: &ReadChange,
    now: i64,
) -> anyhow::Result<()> {
    log_changes(tx, backend, &[(user, "read", serde_json::to_string(change)?)], now).await
}

/// Logs changes for stream clients: each a user, the SSE event type it is
/// sent as, and its JSON.
pub(super) async fn log_changes(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    changes: &[(&str, &str, String)],
    now: i64,
) -> anyhow::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    order_ids(tx, backend, READ_CHANGE_IDS).await?;
    for chunk in changes.chunks(1000) {
        let mut insert = Sql::new(backend, "INSERT INTO read_changes (user_id, event, change, created_at) ");
        insert.push_values(chunk, |row, (user, event, change)| {
            row.push_bind(*user).push_bind(*event).push_bind(change).push_bind(now);
        });
        insert.build().execute(&mut **tx).await?;
    }
    Ok(())
}
