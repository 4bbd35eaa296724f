//! All database access. Nothing outside this module writes SQL, so the
//! PostgreSQL backend can sit behind the same methods.
//!
//! SQLite runs in WAL mode with one writer connection (SQLite serialises
//! writers anyway; one connection means no `SQLITE_BUSY` between our own
//! writers) and a pool of reader connections that never block it.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use bell_protocol::{Actor, Category, IngestOutcome, Notification, Page, Tab, UnreadCounts};
use serde_json::{Map, Value};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};

use crate::clock::{retention_cutoff, rfc3339};
use crate::cursor::Cursor;
use crate::ingest::ValidEvent;

#[derive(Clone)]
pub struct Store {
    write: SqlitePool,
    read: SqlitePool,
}

/// What a list request asks for.
#[derive(Clone, Copy, Debug)]
pub struct ListQuery {
    pub tab: Tab,
    pub category: Option<Category>,
    pub unread_only: bool,
    pub limit: u32,
    pub after: Option<Cursor>,
}

/// The outcome of an ingested event, with the rows it stored (for the stream).
#[derive(Debug)]
pub struct Ingested {
    pub outcome: IngestOutcome,
    pub stored: Vec<(String, Notification)>,
}

const COLUMNS: &str =
    "id, kind, tab, category, actor_type, actor_id, actor_name, args, link, created_at, read_at";

/// `created_at` still inside its tab's retention, for queries across tabs.
const RETAINED: &str = "created_at >= CASE tab WHEN 'inbox' THEN $2 ELSE $3 END";

impl Store {
    /// Opens (creating if missing) and migrates the database at `url`.
    pub async fn open(url: &str) -> anyhow::Result<Store> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .with_context(|| format!("BELL_DATABASE_URL: {url:?} is not sqlite://PATH"))?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL, NORMAL is durable against application crashes and
            // consistent after power loss (it may lose the last commits).
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", "-32768")
            .pragma("temp_store", "memory");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening {path}"))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&write)
            .await
            .context("migrating the database")?;
        let readers = std::thread::available_parallelism()
            .map_or(4, |n| n.get() * 2)
            .max(4) as u32;
        let read = SqlitePoolOptions::new()
            .max_connections(readers)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Store { write, read })
    }

    /// Checks the database answers (for `/healthz`).
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Stores one event for all its recipients in one transaction, or nothing
    /// when its id was seen before.
    pub async fn ingest(&self, ev: &ValidEvent, now: i64) -> anyhow::Result<Ingested> {
        let (recipients, suppressed) = ev.stored_recipients();
        let mut tx = self.write.begin().await?;
        let fresh = sqlx::query(
            "INSERT INTO events (id, received_at, stored, suppressed) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&ev.id)
        .bind(now)
        .bind(recipients.len() as i64)
        .bind(i64::from(suppressed))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !fresh {
            let row = sqlx::query("SELECT stored, suppressed FROM events WHERE id = $1")
                .bind(&ev.id)
                .fetch_one(&mut *tx)
                .await?;
            tx.rollback().await?;
            let outcome = IngestOutcome {
                stored: row.get::<i64, _>(0) as u32,
                suppressed: row.get::<i64, _>(1) as u32,
                duplicate: true,
            };
            return Ok(Ingested {
                outcome,
                stored: Vec::new(),
            });
        }
        let stored = insert_notifications(&mut tx, ev, &recipients).await?;
        tx.commit().await?;
        let outcome = IngestOutcome {
            stored: stored.len() as u32,
            suppressed,
            duplicate: false,
        };
        Ok(Ingested { outcome, stored })
    }

    /// One page of a user's tab, newest first.
    pub async fn page(&self, user: &str, q: &ListQuery, now: i64) -> anyhow::Result<Page> {
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
            sql += &format!(
                " AND created_at <= ${} AND (created_at < ${} OR id < ${})",
                n + 1,
                n + 1,
                n + 2
            );
            n += 2;
        }
        sql += &format!(" ORDER BY created_at DESC, id DESC LIMIT ${}", n + 1);

        let mut query = sqlx::query(&sql)
            .bind(user)
            .bind(q.tab.as_str())
            .bind(retention_cutoff(q.tab, now))
            .bind(snapshot);
        if let Some(c) = q.category {
            query = query.bind(c.as_str());
        }
        if let Some(c) = q.after {
            query = query.bind(c.created_at).bind(c.id);
        }
        let rows = query
            .bind(i64::from(q.limit) + 1)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;

        let more = rows.len() > q.limit as usize;
        let mut items = Vec::with_capacity(q.limit as usize);
        let mut last = None;
        for row in rows.iter().take(q.limit as usize) {
            last = Some((row.get::<i64, _>("created_at"), row.get::<i64, _>("id")));
            items.push(notification_from_row(row)?);
        }
        let next_cursor = match (more, last) {
            (true, Some((created_at, id))) => Some(
                Cursor {
                    created_at,
                    id,
                    snapshot,
                }
                .encode(),
            ),
            _ => None,
        };
        Ok(Page { items, next_cursor })
    }

    /// Unread counts of every tab and category, within retention.
    pub async fn unread_counts(&self, user: &str, now: i64) -> anyhow::Result<UnreadCounts> {
        let rows = sqlx::query(&format!(
            "SELECT tab, category, COUNT(*) FROM notifications \
             WHERE user_id = $1 AND read_at IS NULL AND {RETAINED} GROUP BY tab, category"
        ))
        .bind(user)
        .bind(retention_cutoff(Tab::Inbox, now))
        .bind(retention_cutoff(Tab::General, now))
        .fetch_all(&self.read)
        .await?;
        let mut counts = UnreadCounts::zero();
        for row in rows {
            let (tab, category) = (row.get::<String, _>(0), row.get::<String, _>(1));
            if let (Some(t), Some(c)) = (Tab::parse(&tab), Category::parse(&category)) {
                counts.add(t, c, row.get::<i64, _>(2) as u64);
            }
        }
        Ok(counts)
    }

    /// Marks one of the user's notifications read. `None` when the user has
    /// no such (retained) notification; `Some(changed)` otherwise.
    pub async fn mark_read(&self, user: &str, id: i64, now: i64) -> anyhow::Result<Option<bool>> {
        let inbox_cutoff = retention_cutoff(Tab::Inbox, now);
        let other_cutoff = retention_cutoff(Tab::General, now);
        let changed = sqlx::query(&format!(
            "UPDATE notifications SET read_at = $4 WHERE user_id = $1 AND {RETAINED} AND id = $5 AND read_at IS NULL"
        ))
        .bind(user)
        .bind(inbox_cutoff)
        .bind(other_cutoff)
        .bind(now)
        .bind(id)
        .execute(&self.write)
        .await?
        .rows_affected();
        if changed == 1 {
            return Ok(Some(true));
        }
        let exists = sqlx::query(&format!(
            "SELECT 1 FROM notifications WHERE user_id = $1 AND {RETAINED} AND id = $4"
        ))
        .bind(user)
        .bind(inbox_cutoff)
        .bind(other_cutoff)
        .bind(id)
        .fetch_optional(&self.write)
        .await?
        .is_some();
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
             WHERE user_id = $2 AND tab = $3 AND read_at IS NULL AND created_at >= $4 AND id <= $5",
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
        Ok(query.execute(&self.write).await?.rows_affected())
    }

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

    /// Forgets event ids older than the longest retention, in a batch.
    pub async fn purge_event_ids(&self, now: i64, batch: u32) -> anyhow::Result<u64> {
        let oldest_kept = Tab::ALL
            .iter()
            .map(|t| retention_cutoff(*t, now))
            .min()
            .unwrap_or(now);
        let deleted = sqlx::query("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_at < $1 LIMIT $2)")
            .bind(oldest_kept)
            .bind(i64::from(batch))
            .execute(&self.write)
            .await?
            .rows_affected();
        Ok(deleted)
    }

    /// Bulk-loads rows in one transaction, for benchmarks and demo data:
    /// `(user, event, created_at, read)` with the event's kind, actor and args.
    pub async fn load_rows(&self, rows: &[(String, ValidEvent, bool)]) -> anyhow::Result<()> {
        let mut tx = self.write.begin().await?;
        for (user, ev, read) in rows {
            let ids = insert_notifications(&mut tx, ev, &[user.as_str()]).await?;
            if *read {
                sqlx::query("UPDATE notifications SET read_at = created_at WHERE id = $1")
                    .bind(ids[0].1.id.parse::<i64>()?)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_notifications(
    tx: &mut Transaction<'_, Sqlite>,
    ev: &ValidEvent,
    recipients: &[&str],
) -> anyhow::Result<Vec<(String, Notification)>> {
    let Some((tab, category)) = ev.spec.placement else {
        return Ok(Vec::new());
    };
    let args = serde_json::to_string(&ev.args)?;
    let (actor_type, actor_id, actor_name) = match &ev.actor {
        Actor::User { id, name } => ("user", Some(id.as_str()), Some(name.as_str())),
        Actor::System => ("system", None, None),
    };
    let mut stored = Vec::with_capacity(recipients.len());
    for user in recipients {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notifications \
             (user_id, event_id, kind, tab, category, actor_type, actor_id, actor_name, args, link, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(*user)
        .bind(&ev.id)
        .bind(ev.spec.name)
        .bind(tab.as_str())
        .bind(category.as_str())
        .bind(actor_type)
        .bind(actor_id)
        .bind(actor_name)
        .bind(&args)
        .bind(ev.link.as_deref())
        .bind(ev.created_at)
        .fetch_one(&mut **tx)
        .await?;
        stored.push((
            (*user).to_owned(),
            Notification {
                id: id.to_string(),
                kind: ev.spec.name.to_owned(),
                tab,
                category,
                actor: ev.actor.clone(),
                args: ev.args.clone(),
                link: ev.link.clone(),
                created_at: rfc3339(ev.created_at),
                read_at: None,
            },
        ));
    }
    Ok(stored)
}

fn notification_from_row(row: &sqlx::sqlite::SqliteRow) -> anyhow::Result<Notification> {
    let tab: String = row.get("tab");
    let category: String = row.get("category");
    let actor = match row.get::<&str, _>("actor_type") {
        "user" => Actor::User {
            id: row.get::<Option<String>, _>("actor_id").unwrap_or_default(),
            name: row
                .get::<Option<String>, _>("actor_name")
                .unwrap_or_default(),
        },
        _ => Actor::System,
    };
    let args: Map<String, Value> = serde_json::from_str(row.get::<&str, _>("args"))?;
    Ok(Notification {
        id: row.get::<i64, _>("id").to_string(),
        kind: row.get("kind"),
        tab: Tab::parse(&tab).with_context(|| format!("stored tab {tab:?}"))?,
        category: Category::parse(&category)
            .with_context(|| format!("stored category {category:?}"))?,
        actor,
        args,
        link: row.get("link"),
        created_at: rfc3339(row.get("created_at")),
        read_at: row.get::<Option<i64>, _>("read_at").map(rfc3339),
    })
}
