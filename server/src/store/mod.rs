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
//!
//! A notification's id as clients see it is `seq`, counted per user (see
//! `take_seqs`); the table's own `id` never leaves the server unsealed.

use std::time::Duration;

use anyhow::Context;
use bell_protocol::{Actor, Category, IngestOutcome, Notification, ReadChange, StreamPosition, Tab, UnreadCounts};
use serde_json::{Map, Value};
use sqlx::AnyPool;
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use std::collections::{HashMap, HashSet};

use sqlx::{Any, Executor, Row, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::clock::{retention_cutoff, rfc3339};
use crate::cursor::Cursor;
use crate::ingest::ValidEvent;
use crate::routing::{App, Channel, Decision, Device, Platform, Presence};
use crate::sql::Sql;

mod approvals;
mod deliveries;
mod devices;
mod feed;
mod ingest;
mod partitions;
mod preferences;
mod purge;
mod push_outbox;
mod read_state;
mod replay;
mod sqlite;

pub use approvals::{QueuedDecision, Settle, Settlement};
pub use deliveries::{Delivery, NewDelivery};
pub use feed::ListQuery;
pub use ingest::{Ingested, SeedRow};
pub use partitions::{PARTITION_MS, PartitionUpkeep};
pub use push_outbox::{NewPush, QueuedPush};
pub use replay::{LoggedChange, StreamAsk, StreamRead};

use ingest::{IngestJob, MAX_INGEST_BATCH, ingest_loop};
use partitions::upkeep_partitions;
use sqlite::open_sqlite;

#[derive(Clone)]
pub struct Store {
    write: AnyPool,
    /// SQLite: read-only connections beside the writer; PostgreSQL: the same pool.
    read: AnyPool,
    backend: Backend,
    ingest_queue: mpsc::Sender<IngestJob>,
    /// Transactions the ingest writer committed (each a group of events).
    ingest_commits: std::sync::Arc<std::sync::atomic::AtomicU64>,
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

const COLUMNS: &str =
    "id, seq, kind, tab, category, actor_type, actor_id, actor_name, args, link, created_at, read_at, approval";

/// `created_at` still inside its tab's retention, for queries across tabs.
/// Its cut-offs are parameters `$2` and `$3`: bind them with [`retained`].
const RETAINED: &str = "created_at >= CASE tab WHEN 'inbox' THEN $2 ELSE $3 END";

/// The cut-offs [`RETAINED`] compares with, in its order (`$2`: the inbox's,
/// `$3`: the other tabs'), bound after the query's `$1`.
fn retained<'q>(
    query: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
    now: i64,
) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    query.bind(retention_cutoff(Tab::Inbox, now)).bind(retention_cutoff(Tab::General, now))
}

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
        let ingest_commits = std::sync::Arc::default();
        tokio::spawn(ingest_loop(write.clone(), backend, jobs, std::sync::Arc::clone(&ingest_commits)));
        Ok(Store { write, read, backend, ingest_queue, ingest_commits })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many transactions the ingest writer has committed (group commits).
    pub fn ingest_commits(&self) -> u64 {
        self.ingest_commits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Checks the database answers, writer included (for `/healthz`).
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.write).await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("SELECT 1").execute(&self.read).await?;
        }
        Ok(())
    }

    /// Whether `close` was called: background workers stop.
    pub fn is_closed(&self) -> bool {
        self.write.is_closed()
    }

    /// Closes every connection (at shutdown, after the last request).
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await; // the same pool on PostgreSQL: a no-op then
    }
}

/// Makes the ids this transaction takes from `sequence` visible only after
/// every id taken before them (PostgreSQL; SQLite has one writer anyway).
async fn order_ids(tx: &mut Transaction<'_, Any>, backend: Backend, sequence: i64) -> anyhow::Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(sequence).execute(&mut **tx).await?;
    }
    Ok(())
}

fn notification_from_row(row: &AnyRow) -> anyhow::Result<Notification> {
    let tab: String = row.get("tab");
    let category: String = row.get("category");
    let actor = match row.get::<&str, _>("actor_type") {
        "user" => Actor::User {
            id: row.get::<Option<String>, _>("actor_id").unwrap_or_default(),
            name: row.get::<Option<String>, _>("actor_name").unwrap_or_default(),
        },
        _ => Actor::System {},
    };
    let args: Map<String, Value> = serde_json::from_str(row.get::<&str, _>("args"))?;
    Ok(Notification {
        id: row.get::<i64, _>("seq").to_string(),
        kind: row.get("kind"),
        tab: Tab::parse(&tab).with_context(|| format!("stored tab {tab:?}"))?,
        category: Category::parse(&category).with_context(|| format!("stored category {category:?}"))?,
        actor,
        args,
        link: row.get("link"),
        created_at: rfc3339(row.get("created_at")),
        read_at: row.get::<Option<i64>, _>("read_at").map(rfc3339),
        approval: row.get::<Option<&str>, _>("approval").map(serde_json::from_str).transpose()?,
    })
}
