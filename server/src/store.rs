//! All database access. Nothing outside this module writes SQL.
//!
//! One set of queries serves SQLite and PostgreSQL through sqlx's `Any`
//! driver (the SQL is portable: `$n` parameters, `ON CONFLICT`, `RETURNING`,
//! times as epoch milliseconds); what differs is how each is opened.
//!
//! SQLite runs in WAL mode with one writer connection (SQLite serialises
//! writers anyway; one connection means no `SQLITE_BUSY` between our own
//! writers) and a pool of reader connections that never block it.
//!
//! PostgreSQL has one pool, shared by several server processes. Ids must
//! become visible in the order they were handed out (stream positions and
//! read-all's `up_to` compare them), so the transactions that take
//! notification or read-change ids hold an advisory lock from taking them
//! until commit.

use std::time::Duration;

use anyhow::Context;
use bell_protocol::{
    Actor, Category, IngestOutcome, Notification, Page, ReadChange, StreamPosition, Tab, UnreadCounts,
};
use serde_json::{Map, Value};
use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, AnyRow};
use std::collections::{HashMap, HashSet};

use sqlx::{Any, Executor, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::clock::{retention_cutoff, rfc3339};
use crate::cursor::Cursor;
use crate::ingest::ValidEvent;
use crate::routing::{App, Channel, Decision, Device, Platform, Presence};
use crate::sql::Sql;

#[derive(Clone)]
pub struct Store {
    write: AnyPool,
    /// SQLite: read-only connections beside the writer; PostgreSQL: the same pool.
    read: AnyPool,
    backend: Backend,
    ingest_queue: mpsc::Sender<IngestJob>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How many connections a PostgreSQL pool opens at most, and how long a
/// request waits for one (`BELL_DATABASE_MAX_CONNECTIONS`,
/// `BELL_DATABASE_ACQUIRE_TIMEOUT_SECS`).
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_connections: 16, acquire_timeout: Duration::from_secs(5) }
    }
}

/// Advisory-lock keys that order id-taking writers, and let one process at
/// a time manage partitions (PostgreSQL).
const NOTIFICATION_IDS: i64 = 0x7165_6c6c_0001;
const READ_CHANGE_IDS: i64 = 0x7165_6c6c_0002;
const PARTITION_UPKEEP: i64 = 0x7165_6c6c_0003;

/// Width of one notification partition (PostgreSQL): a week, so the 90-day
/// retention spans about 14 and each week's expired rows go in one `DROP`.
pub const PARTITION_MS: i64 = 7 * crate::clock::DAY_MS;
/// Partitions are made this far ahead of time.
const PARTITIONS_AHEAD_MS: i64 = 14 * crate::clock::DAY_MS;
/// How long partition upkeep waits for a lock before trying again later, so
/// it never holds up requests queued behind it.
const UPKEEP_LOCK_TIMEOUT: &str = "500ms";

/// What one round of partition upkeep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PartitionUpkeep {
    pub created: Vec<String>,
    pub dropped: Vec<String>,
    /// Expired partitions left for the next round: a lock was not free.
    pub postponed: Vec<String>,
}

/// Events committed together at most (group commit).
const MAX_INGEST_BATCH: usize = 256;

struct IngestJob {
    event: ValidEvent,
    now: i64,
    reply: oneshot::Sender<anyhow::Result<Ingested>>,
}

/// One recorded routing decision, as `GET /v1/deliveries` answers it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub device_id: String,
    /// `web`, `android` or `ios`.
    pub platform: String,
    /// `browser` or `push`.
    pub channel: String,
    /// `sent` or `suppressed`.
    pub decision: String,
    pub reason: String,
}

/// A push waiting in the outbox.
#[derive(Clone, Debug)]
pub struct QueuedPush {
    pub id: i64,
    pub user_id: String,
    pub device_id: String,
    pub token: String,
    pub payload: String,
    pub attempts: i64,
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

const COLUMNS: &str = "id, kind, tab, category, actor_type, actor_id, actor_name, args, link, created_at, read_at";

/// `created_at` still inside its tab's retention, for queries across tabs.
const RETAINED: &str = "created_at >= CASE tab WHEN 'inbox' THEN $2 ELSE $3 END";

impl Store {
    /// Opens (creating if missing) and migrates the database at `url`:
    /// `sqlite://PATH` or `postgres://…`.
    pub async fn open(url: &str, pool: PoolSettings) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (write, read, backend) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = AnyPoolOptions::new()
                .max_connections(pool.max_connections)
                .acquire_timeout(pool.acquire_timeout)
                .connect(url)
                .await
                .context("connecting to PostgreSQL (BELL_DATABASE_URL)")?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await.context("migrating the database")?;
            // Partitions for now and the weeks ahead, before the first ingest
            // (if this fails, rows go to the default partition meanwhile).
            if let Err(e) = upkeep_partitions(&pool, crate::clock::now_ms()).await {
                tracing::warn!(error = format!("{e:#}"), "partition upkeep failed; retrying at the next purge");
            }
            (pool.clone(), pool, Backend::Postgres)
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .with_context(|| format!("BELL_DATABASE_URL: {url:?} is neither sqlite://PATH nor postgres://…"))?;
            let (write, read) = open_sqlite(path).await?;
            (write, read, Backend::Sqlite)
        };
        let (ingest_queue, jobs) = mpsc::channel(4 * MAX_INGEST_BATCH);
        tokio::spawn(ingest_loop(write.clone(), backend, jobs));
        Ok(Store { write, read, backend, ingest_queue })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks the database answers, writer included (for `/healthz`).
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.write).await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("SELECT 1").execute(&self.read).await?;
        }
        Ok(())
    }

    /// PostgreSQL: makes the partitions of the coming weeks and drops those
    /// whose every row is past the longest retention (as of `now`). SQLite
    /// has nothing to do.
    pub async fn upkeep_partitions(&self, now: i64) -> anyhow::Result<PartitionUpkeep> {
        match self.backend {
            Backend::Postgres => upkeep_partitions(&self.write, now).await,
            Backend::Sqlite => Ok(PartitionUpkeep::default()),
        }
    }

    /// Closes every connection (at shutdown, after the last request).
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await; // the same pool on PostgreSQL: a no-op then
    }

    /// Stores one event for all its recipients, or nothing when its id was
    /// seen before. Events arriving together are committed in one
    /// transaction (group commit): one WAL write for many events.
    pub async fn ingest(&self, event: ValidEvent, now: i64) -> anyhow::Result<Ingested> {
        let (reply, answer) = oneshot::channel();
        self.ingest_queue
            .send(IngestJob { event, now, reply })
            .await
            .map_err(|_| anyhow::anyhow!("the ingest writer has stopped"))?;
        answer.await.map_err(|_| anyhow::anyhow!("the ingest writer dropped a job"))?
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
        let next_cursor = match (more, last) {
            (true, Some((created_at, id))) => Some(Cursor { created_at, id, snapshot }.encode()),
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
    /// no such (retained) notification; `Some(changed)` otherwise. A change is
    /// logged for stream clients in the same transaction.
    pub async fn mark_read(&self, user: &str, id: i64, now: i64) -> anyhow::Result<Option<bool>> {
        let inbox_cutoff = retention_cutoff(Tab::Inbox, now);
        let other_cutoff = retention_cutoff(Tab::General, now);
        let mut tx = self.write.begin().await?;
        let changed = sqlx::query(&format!(
            "UPDATE notifications SET read_at = $4 WHERE user_id = $1 AND {RETAINED} AND id = $5 AND read_at IS NULL"
        ))
        .bind(user)
        .bind(inbox_cutoff)
        .bind(other_cutoff)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 1 {
            log_read_change(&mut tx, self.backend, user, &ReadChange::Ids { ids: vec![id.to_string()] }, now).await?;
            tx.commit().await?;
            return Ok(Some(true));
        }
        let exists = sqlx::query(&format!("SELECT 1 FROM notifications WHERE user_id = $1 AND {RETAINED} AND id = $4"))
            .bind(user)
            .bind(inbox_cutoff)
            .bind(other_cutoff)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
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
        let mut tx = self.write.begin().await?;
        let marked = query.execute(&mut *tx).await?.rows_affected();
        if marked > 0 {
            let change = ReadChange::All { tab, category, up_to: up_to.map(|n| n.to_string()) };
            log_read_change(&mut tx, self.backend, user, &change, now).await?;
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Where a new stream starts: after everything stored so far.
    pub async fn stream_head(&self) -> anyhow::Result<StreamPosition> {
        let notification: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM notifications").fetch_one(&self.read).await?;
        let read: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM read_changes").fetch_one(&self.read).await?;
        Ok(StreamPosition { notification, read })
    }

    /// A user's notifications and read changes after `from`, oldest first, at
    /// most `limit` of each; notifications with their current read state.
    pub async fn stream_since(
        &self,
        user: &str,
        from: StreamPosition,
        limit: u32,
        now: i64,
    ) -> anyhow::Result<(Vec<Notification>, Vec<(i64, ReadChange)>)> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND {RETAINED} AND id > $4 ORDER BY id LIMIT $5"
        ))
        .bind(user)
        .bind(retention_cutoff(Tab::Inbox, now))
        .bind(retention_cutoff(Tab::General, now))
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

    /// The user's settings (sound on unless turned off).
    pub async fn sound(&self, user: &str) -> anyhow::Result<bool> {
        let sound: Option<i64> = sqlx::query_scalar("SELECT sound FROM settings WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&self.read)
            .await?;
        Ok(sound.is_none_or(|s| s != 0))
    }

    pub async fn set_sound(&self, user: &str, sound: bool) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO settings (user_id, sound) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET sound = excluded.sound",
        )
        .bind(user)
        .bind(i64::from(sound))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Registers the user's device of a platform, replacing the previous one.
    pub async fn put_device(&self, user: &str, device: &Device, now: i64) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO devices (user_id, platform, device_id, app, push_token, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (user_id, platform) DO UPDATE SET device_id = excluded.device_id, app = excluded.app, \
             push_token = excluded.push_token, updated_at = excluded.updated_at",
        )
        .bind(user)
        .bind(device.platform.as_str())
        .bind(&device.device_id)
        .bind(device.app.map(App::as_str))
        .bind(device.push_token.as_deref())
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Records a device's presence on an app.
    pub async fn put_presence(
        &self,
        user: &str,
        device_id: &str,
        platform: Platform,
        app: App,
        active: bool,
        now: i64,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO presence (user_id, device_id, platform, app, active, reported_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (user_id, device_id, app) DO UPDATE SET platform = excluded.platform, active = excluded.active, \
             reported_at = excluded.reported_at",
        )
        .bind(user)
        .bind(device_id)
        .bind(platform.as_str())
        .bind(app.as_str())
        .bind(i64::from(active))
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Devices and fresh presence (reported at or after `fresh_since`) of
    /// those `users` who have a device; users without one are absent.
    pub async fn routing_inputs(
        &self,
        users: &[&str],
        fresh_since: i64,
    ) -> anyhow::Result<HashMap<String, (Vec<Device>, Vec<Presence>)>> {
        let mut found: HashMap<String, (Vec<Device>, Vec<Presence>)> = HashMap::new();
        for chunk in users.chunks(500) {
            let mut query =
                Sql::new("SELECT user_id, device_id, platform, app, push_token FROM devices WHERE user_id IN ");
            query.push_list(chunk.iter().copied());
            query.push(" ORDER BY user_id, platform");
            for r in query.build().fetch_all(&self.read).await? {
                let Some(platform) = Platform::parse(r.get::<&str, _>(2)) else { continue };
                let device = Device {
                    device_id: r.get(1),
                    platform,
                    app: r.get::<Option<&str>, _>(3).and_then(App::parse),
                    push_token: r.get(4),
                };
                found.entry(r.get(0)).or_default().0.push(device);
            }
        }
        if found.is_empty() {
            return Ok(found);
        }
        let owners: Vec<String> = found.keys().cloned().collect();
        for chunk in owners.chunks(500) {
            let mut query = Sql::new("SELECT user_id, device_id, app, active FROM presence WHERE reported_at >= ");
            query.push_bind(fresh_since).push(" AND user_id IN ");
            query.push_list(chunk.iter().map(String::as_str));
            for r in query.build().fetch_all(&self.read).await? {
                let Some(app) = App::parse(r.get::<&str, _>(2)) else { continue };
                let presence = Presence { device_id: r.get(1), app, active: r.get::<i64, _>(3) != 0 };
                if let Some(entry) = found.get_mut(r.get::<&str, _>(0)) {
                    entry.1.push(presence);
                }
            }
        }
        Ok(found)
    }

    /// The sound setting of several users (absent: the default, on).
    pub async fn sound_of(&self, users: &[&str]) -> anyhow::Result<HashMap<String, bool>> {
        let mut found = HashMap::new();
        for chunk in users.chunks(500) {
            let mut query = Sql::new("SELECT user_id, sound FROM settings WHERE user_id IN ");
            query.push_list(chunk.iter().copied());
            for r in query.build().fetch_all(&self.read).await? {
                found.insert(r.get::<String, _>(0), r.get::<i64, _>(1) != 0);
            }
        }
        Ok(found)
    }

    /// Records routing decisions: `(user, notification key, decision)`.
    pub async fn record_deliveries(&self, decisions: &[(String, String, Decision)], now: i64) -> anyhow::Result<()> {
        for chunk in decisions.chunks(1000) {
            let mut insert = Sql::new(
                "INSERT INTO deliveries (user_id, notification_id, device_id, platform, channel, decision, reason, created_at) ",
            );
            insert.push_values(chunk, |row, (user, key, d)| {
                row.push_bind(user)
                    .push_bind(key)
                    .push_bind(&d.device_id)
                    .push_bind(d.platform.as_str())
                    .push_bind(if d.channel == Channel::Browser { "browser" } else { "push" })
                    .push_bind(if d.sent { "sent" } else { "suppressed" })
                    .push_bind(d.reason)
                    .push_bind(now);
            });
            insert.build().execute(&self.write).await?;
        }
        Ok(())
    }

    /// Queues pushes: `(user, device, token, payload JSON)`.
    pub async fn queue_pushes(&self, pushes: &[(String, String, String, String)], now: i64) -> anyhow::Result<()> {
        for chunk in pushes.chunks(1000) {
            let mut insert = Sql::new(
                "INSERT INTO push_outbox (user_id, device_id, push_token, payload, attempts, next_at, created_at) ",
            );
            insert.push_values(chunk, |row, (user, device, token, payload)| {
                row.push_bind(user)
                    .push_bind(device)
                    .push_bind(token)
                    .push_bind(payload)
                    .push_bind(0_i64)
                    .push_bind(now)
                    .push_bind(now);
            });
            insert.build().execute(&self.write).await?;
        }
        Ok(())
    }

    /// Pushes whose time has come, oldest first.
    pub async fn due_pushes(&self, now: i64, limit: u32) -> anyhow::Result<Vec<QueuedPush>> {
        let rows = sqlx::query(
            "SELECT id, user_id, device_id, push_token, payload, attempts FROM push_outbox WHERE next_at <= $1 ORDER BY id LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .iter()
            .map(|r| QueuedPush {
                id: r.get(0),
                user_id: r.get(1),
                device_id: r.get(2),
                token: r.get(3),
                payload: r.get(4),
                attempts: r.get(5),
            })
            .collect())
    }

    pub async fn push_done(&self, id: i64) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM push_outbox WHERE id = $1").bind(id).execute(&self.write).await?;
        Ok(())
    }

    pub async fn push_retry(&self, id: i64, next_at: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE push_outbox SET attempts = attempts + 1, next_at = $2 WHERE id = $1")
            .bind(id)
            .bind(next_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// The token is dead: drop the push, and the token from the device.
    pub async fn push_unregistered(&self, id: i64, user: &str, device: &str) -> anyhow::Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM push_outbox WHERE id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("UPDATE devices SET push_token = NULL WHERE user_id = $1 AND device_id = $2")
            .bind(user)
            .bind(device)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The recorded decisions of one of the user's notifications.
    pub async fn deliveries(&self, user: &str, key: &str) -> anyhow::Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT device_id, platform, channel, decision, reason FROM deliveries \
             WHERE user_id = $1 AND notification_id = $2 ORDER BY id",
        )
        .bind(user)
        .bind(key)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Delivery {
                device_id: r.get(0),
                platform: r.get(1),
                channel: r.get(2),
                decision: r.get(3),
                reason: r.get(4),
            })
            .collect())
    }

    /// Forgets routing decisions past the longest retention, in a batch.
    pub async fn purge_deliveries(&self, now: i64, batch: u32) -> anyhow::Result<u64> {
        let oldest_kept = Tab::ALL.iter().map(|t| retention_cutoff(*t, now)).min().unwrap_or(now);
        let deleted = sqlx::query(
            "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < $1 LIMIT $2)",
        )
        .bind(oldest_kept)
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

    /// Bulk-loads `(recipient, event, read)` rows in one transaction, for
    /// demo data and benchmarks; a read row is read at its creation time.
    pub async fn load_rows(&self, rows: &[(String, ValidEvent, bool)]) -> anyhow::Result<()> {
        let events: Vec<(&ValidEvent, i64)> = rows.iter().map(|(_, ev, _)| (ev, ev.created_at)).collect();
        let targets: Vec<Target> = rows
            .iter()
            .enumerate()
            .map(|(i, (user, ev, read))| (i, user.as_str(), read.then_some(ev.created_at)))
            .collect();
        let mut tx = self.write.begin().await?;
        order_ids(&mut tx, self.backend, NOTIFICATION_IDS).await?;
        for chunk in targets.chunks(ROWS_PER_INSERT) {
            insert_rows(&mut tx, &events, chunk).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn log_read_change(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    user: &str,
    change: &ReadChange,
    now: i64,
) -> anyhow::Result<()> {
    order_ids(tx, backend, READ_CHANGE_IDS).await?;
    sqlx::query("INSERT INTO read_changes (user_id, change, created_at) VALUES ($1, $2, $3)")
        .bind(user)
        .bind(serde_json::to_string(change)?)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// See `Store::upkeep_partitions`. Partitions are named by the first day
/// they hold (`notifications_d<days since 1970>`).
async fn upkeep_partitions(pool: &AnyPool, now: i64) -> anyhow::Result<PartitionUpkeep> {
    let mut done = PartitionUpkeep::default();
    let oldest_kept = Tab::ALL.iter().map(|t| retention_cutoff(*t, now)).min().unwrap_or(now);
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PARTITION_UPKEEP).execute(&mut *tx).await?;
    sqlx::query(&format!("SET LOCAL lock_timeout = '{UPKEEP_LOCK_TIMEOUT}'")).execute(&mut *tx).await?;
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'notifications'::regclass AND c.relname::text LIKE 'notifications\\_d%'",
    )
    .fetch_all(&mut *tx)
    .await?;
    let start_of =
        |name: &str| name.strip_prefix("notifications_d")?.parse::<i64>().ok().map(|d| d * crate::clock::DAY_MS);

    // Whole partitions past every tab's retention go in one statement each.
    // A busy table (a long query holding it) postpones this to the next round
    // rather than stalling everything queued behind the drop.
    for name in &existing {
        let Some(start) = start_of(name) else { continue };
        if start + PARTITION_MS > oldest_kept {
            continue;
        }
        let drop = format!("DROP TABLE {name}");
        sqlx::query("SAVEPOINT upkeep").execute(&mut *tx).await?;
        let dropped = sqlx::query(&drop).execute(&mut *tx).await.map(|_| ());
        if unless_busy(&mut tx, dropped).await? {
            done.dropped.push(name.clone());
        } else {
            done.postponed.push(name.clone());
        }
    }

    // Every week from the oldest retained one to a fortnight ahead.
    let first = oldest_kept.div_euclid(PARTITION_MS) * PARTITION_MS;
    let mut start = first;
    while start < now + PARTITIONS_AHEAD_MS {
        let name = format!("notifications_d{}", start / crate::clock::DAY_MS);
        if !existing.contains(&name) {
            sqlx::query("SAVEPOINT upkeep").execute(&mut *tx).await?;
            let created = create_partition(&mut tx, &name, start, start + PARTITION_MS).await;
            if unless_busy(&mut tx, created).await? {
                done.created.push(name);
            } else {
                done.postponed.push(name);
            }
        }
        start += PARTITION_MS;
    }
    tx.commit().await?;
    Ok(done)
}

/// `Ok(true)` when `result` (of statements after `SAVEPOINT upkeep`) went
/// through; `Ok(false)` when a lock was not free in time, after undoing them.
async fn unless_busy<E: Into<anyhow::Error>>(
    tx: &mut Transaction<'_, Any>,
    result: Result<(), E>,
) -> anyhow::Result<bool> {
    let error = match result {
        Ok(()) => return Ok(true),
        Err(e) => e.into(),
    };
    let busy = error
        .downcast_ref::<sqlx::Error>()
        .and_then(|e| e.as_database_error())
        .is_some_and(|e| e.code().as_deref() == Some("55P03"));
    if !busy {
        return Err(error);
    }
    sqlx::query("ROLLBACK TO SAVEPOINT upkeep").execute(&mut **tx).await?;
    Ok(false)
}

/// Creates one partition. Rows of its range that landed in the default
/// partition meanwhile (the server was down for weeks) move into it.
async fn create_partition(tx: &mut Transaction<'_, Any>, name: &str, from: i64, to: i64) -> anyhow::Result<()> {
    let strays: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM notifications_default WHERE created_at >= $1 AND created_at < $2)",
    )
    .bind(from)
    .bind(to)
    .fetch_one(&mut **tx)
    .await?;
    if strays {
        sqlx::query("CREATE TEMPORARY TABLE partition_strays (LIKE notifications) ON COMMIT DROP")
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "WITH moved AS (DELETE FROM notifications_default WHERE created_at >= $1 AND created_at < $2 RETURNING *) \
             INSERT INTO partition_strays SELECT * FROM moved",
        )
        .bind(from)
        .bind(to)
        .execute(&mut **tx)
        .await?;
    }
    sqlx::query(&format!("CREATE TABLE {name} PARTITION OF notifications FOR VALUES FROM ({from}) TO ({to})"))
        .execute(&mut **tx)
        .await?;
    if strays {
        sqlx::query("INSERT INTO notifications SELECT * FROM partition_strays").execute(&mut **tx).await?;
        sqlx::query("DROP TABLE partition_strays").execute(&mut **tx).await?;
    }
    Ok(())
}

/// Makes the ids this transaction takes from `sequence` visible only after
/// every id taken before them (PostgreSQL; SQLite has one writer anyway).
async fn order_ids(tx: &mut Transaction<'_, Any>, backend: Backend, sequence: i64) -> anyhow::Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(sequence).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Settings of every SQLite connection, and `extra` ones of its pool.
fn sqlite_setup<'c>(
    conn: &'c mut sqlx::AnyConnection,
    extra: &'static str,
) -> futures::future::BoxFuture<'c, Result<(), sqlx::Error>> {
    // In WAL, synchronous=NORMAL is durable against application crashes and
    // consistent after power loss (it may lose the last commits).
    const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; \
         PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456; \
         PRAGMA journal_size_limit = 67108864;";
    Box::pin(async move {
        conn.execute(sqlx::raw_sql(PRAGMAS)).await?;
        if !extra.is_empty() {
            conn.execute(sqlx::raw_sql(extra)).await?;
        }
        Ok(())
    })
}

/// The SQLite writer (one connection) and readers, in WAL mode.
async fn open_sqlite(path: &str) -> anyhow::Result<(AnyPool, AnyPool)> {
    let write = AnyPoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        // Checkpoints run beside the writer (`checkpoint_loop`), not inside its commits.
        .after_connect(|conn, _| sqlite_setup(conn, "PRAGMA wal_autocheckpoint = 0;"))
        .connect(&format!("sqlite://{path}?mode=rwc"))
        .await
        .with_context(|| format!("opening {path}"))?;
    sqlx::migrate!("./migrations/sqlite").run(&write).await.context("migrating the database")?;
    let checkpointer = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| sqlite_setup(conn, ""))
        .connect(&format!("sqlite://{path}"))
        .await?;
    tokio::spawn(checkpoint_loop(checkpointer));
    let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2).max(4) as u32;
    let read = AnyPoolOptions::new()
        .max_connections(readers)
        .after_connect(|conn, _| sqlite_setup(conn, ""))
        .connect(&format!("sqlite://{path}?mode=ro"))
        .await?;
    Ok((write, read))
}

/// Copies the WAL back into the database file every 200 ms without blocking
/// the writer (PASSIVE), so commits never pay for a checkpoint.
/// `journal_size_limit` trims the WAL file once it has been reset.
async fn checkpoint_loop(pool: AnyPool) {
    let mut ticker = tokio::time::interval(Duration::from_millis(200));
    loop {
        ticker.tick().await;
        if pool.is_closed() {
            return;
        }
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await;
    }
}

/// Takes whatever events are waiting (never waiting for more) and commits
/// them together. If a batch fails, each of its events is retried alone so one
/// bad event cannot fail the others.
async fn ingest_loop(pool: AnyPool, backend: Backend, mut jobs: mpsc::Receiver<IngestJob>) {
    let mut batch = Vec::with_capacity(MAX_INGEST_BATCH);
    while jobs.recv_many(&mut batch, MAX_INGEST_BATCH).await > 0 {
        let events: Vec<(&ValidEvent, i64)> = batch.iter().map(|j| (&j.event, j.now)).collect();
        match ingest_batch(&pool, backend, &events).await {
            Ok(results) => {
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            Err(e) if batch.len() == 1 => {
                let _ = batch.pop().expect("one job").reply.send(Err(e));
            }
            Err(_) => {
                for job in batch.drain(..) {
                    let result = ingest_batch(&pool, backend, &[(&job.event, job.now)]).await;
                    let _ = job.reply.send(result.map(|mut r| r.remove(0)));
                }
            }
        }
    }
}

/// Most notification rows in one INSERT (12 parameters each, well under
/// SQLite's limit of 32,766).
const ROWS_PER_INSERT: usize = 1000;

/// Ingests a batch in one transaction with one multi-row INSERT per table,
/// answering each event's outcome in order.
async fn ingest_batch(
    pool: &AnyPool,
    backend: Backend,
    events: &[(&ValidEvent, i64)],
) -> anyhow::Result<Vec<Ingested>> {
    let plans: Vec<(Vec<&str>, u32)> = events.iter().map(|(ev, _)| ev.stored_recipients()).collect();
    let mut tx = pool.begin().await?;

    // Claim the event ids; the ones already known come back missing.
    let mut insert = Sql::new("INSERT INTO events (id, received_at, stored, suppressed) ");
    insert.push_values(events.iter().zip(&plans), |row, ((ev, now), (recipients, suppressed))| {
        row.push_bind(&ev.id).push_bind(*now).push_bind(recipients.len() as i64).push_bind(i64::from(*suppressed));
    });
    insert.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
    let mut claimed: HashSet<String> =
        insert.build_query_scalar::<String>().fetch_all(&mut *tx).await?.into_iter().collect();

    // Fresh events store their rows; the first of several with one id wins.
    let mut fresh = vec![false; events.len()];
    for (i, (ev, _)) in events.iter().enumerate() {
        fresh[i] = claimed.remove(&ev.id);
    }
    let rows: Vec<Target> = plans
        .iter()
        .enumerate()
        .filter(|(i, _)| fresh[*i])
        .flat_map(|(i, (recipients, _))| recipients.iter().map(move |r| (i, *r, None)))
        .collect();
    let mut stored: Vec<Vec<(String, Notification)>> = events.iter().map(|_| Vec::new()).collect();
    if !rows.is_empty() {
        order_ids(&mut tx, backend, NOTIFICATION_IDS).await?;
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        for (i, user, n) in insert_rows(&mut tx, events, chunk).await? {
            stored[i].push((user, n));
        }
    }

    // Repeated ids answer the counts of their first arrival.
    let repeated: Vec<&str> =
        events.iter().zip(&fresh).filter(|(_, f)| !**f).map(|((ev, _), _)| ev.id.as_str()).collect();
    let mut earlier: HashMap<String, (u32, u32)> = HashMap::new();
    if !repeated.is_empty() {
        let mut query = Sql::new("SELECT id, stored, suppressed FROM events WHERE id IN ");
        query.push_list(repeated.iter().copied());
        for row in query.build().fetch_all(&mut *tx).await? {
            earlier.insert(row.get(0), (row.get::<i64, _>(1) as u32, row.get::<i64, _>(2) as u32));
        }
    }
    tx.commit().await?;

    let results = events
        .iter()
        .zip(plans)
        .zip(stored)
        .zip(fresh)
        .map(|((((ev, _), (_, suppressed)), stored), fresh)| {
            if fresh {
                let outcome = IngestOutcome { stored: stored.len() as u32, suppressed, duplicate: false };
                Ingested { outcome, stored }
            } else {
                let (stored, suppressed) = earlier.get(&ev.id).copied().unwrap_or_default();
                Ingested { outcome: IngestOutcome { stored, suppressed, duplicate: true }, stored: Vec::new() }
            }
        })
        .collect();
    Ok(results)
}

/// One row to insert: the index of its event, the recipient, and `read_at`.
type Target<'a> = (usize, &'a str, Option<i64>);

/// Inserts rows in one statement; answers each stored notification with the
/// index of its event and its recipient.
async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    events: &[(&ValidEvent, i64)],
    rows: &[Target<'_>],
) -> anyhow::Result<Vec<(usize, String, Notification)>> {
    let columns: Vec<EventColumns> = events.iter().map(|(ev, _)| EventColumns::of(ev)).collect::<Result<_, _>>()?;
    let mut insert = Sql::new(
        "INSERT INTO notifications \
         (user_id, event_id, kind, tab, category, actor_type, actor_id, actor_name, args, link, created_at, read_at) ",
    );
    insert.push_values(rows, |row, (i, user, read_at)| {
        let (ev, c) = (events[*i].0, &columns[*i]);
        row.push_bind(*user)
            .push_bind(&ev.id)
            .push_bind(ev.spec.name)
            .push_bind(c.tab.as_str())
            .push_bind(c.category.as_str())
            .push_bind(c.actor_type)
            .push_bind(ev.actor.user_id())
            .push_bind(c.actor_name.as_deref())
            .push_bind(&c.args)
            .push_bind(ev.link.as_deref())
            .push_bind(ev.created_at)
            .push_bind(*read_at);
    });
    insert.push(" RETURNING id, event_id, user_id");
    let returned = insert.build().fetch_all(&mut **tx).await?;
    // RETURNING's row order is not promised: match rows by (event, user).
    let index: HashMap<(&str, &str), (usize, Option<i64>)> =
        rows.iter().map(|(i, u, read_at)| ((events[*i].0.id.as_str(), *u), (*i, *read_at))).collect();
    returned
        .iter()
        .map(|r| {
            let (id, event_id, user): (i64, &str, &str) = (r.get(0), r.get(1), r.get(2));
            let (i, read_at) = *index.get(&(event_id, user)).context("RETURNING gave an unknown row")?;
            Ok((i, user.to_owned(), notification_of(events[i].0, id, &columns[i], read_at)))
        })
        .collect()
}

/// The stored form of an event's shared columns.
struct EventColumns {
    tab: Tab,
    category: Category,
    actor_type: &'static str,
    actor_name: Option<String>,
    args: String,
}

impl EventColumns {
    fn of(ev: &ValidEvent) -> anyhow::Result<EventColumns> {
        let (tab, category) = ev.spec.placement.context("only placed kinds are stored")?;
        let (actor_type, actor_name) = match &ev.actor {
            Actor::User { name, .. } => ("user", Some(name.clone())),
            Actor::System => ("system", None),
        };
        Ok(EventColumns { tab, category, actor_type, actor_name, args: serde_json::to_string(&ev.args)? })
    }
}

fn notification_of(ev: &ValidEvent, id: i64, c: &EventColumns, read_at: Option<i64>) -> Notification {
    Notification {
        id: id.to_string(),
        kind: ev.spec.name.to_owned(),
        tab: c.tab,
        category: c.category,
        actor: ev.actor.clone(),
        args: ev.args.clone(),
        link: ev.link.clone(),
        created_at: rfc3339(ev.created_at),
        read_at: read_at.map(rfc3339),
    }
}

fn notification_from_row(row: &AnyRow) -> anyhow::Result<Notification> {
    let tab: String = row.get("tab");
    let category: String = row.get("category");
    let actor = match row.get::<&str, _>("actor_type") {
        "user" => Actor::User {
            id: row.get::<Option<String>, _>("actor_id").unwrap_or_default(),
            name: row.get::<Option<String>, _>("actor_name").unwrap_or_default(),
        },
        _ => Actor::System,
    };
    let args: Map<String, Value> = serde_json::from_str(row.get::<&str, _>("args"))?;
    Ok(Notification {
        id: row.get::<i64, _>("id").to_string(),
        kind: row.get("kind"),
        tab: Tab::parse(&tab).with_context(|| format!("stored tab {tab:?}"))?,
        category: Category::parse(&category).with_context(|| format!("stored category {category:?}"))?,
        actor,
        args,
        link: row.get("link"),
        created_at: rfc3339(row.get("created_at")),
        read_at: row.get::<Option<i64>, _>("read_at").map(rfc3339),
    })
}
