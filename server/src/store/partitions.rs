//! PostgreSQL partitions: a week each, made ahead of time, dropped whole once
//! past every retention.

use super::*;

pub(super) const PARTITION_UPKEEP: i64 = 0x7165_6c6c_0003;

/// Width of one notification partition (PostgreSQL): a week, so the 90-day
/// retention spans about 14 and each week's expired rows go in one `DROP`.
pub const PARTITION_MS: i64 = 7 * crate::clock::DAY_MS;

/// Partitions are made this far ahead of time.
pub(super) const PARTITIONS_AHEAD_MS: i64 = 14 * crate::clock::DAY_MS;

/// How long partition upkeep waits for a lock before trying again later, so
/// it never holds up requests queued behind it.
pub(super) const UPKEEP_LOCK_TIMEOUT: &str = "500ms";

/// What one round of partition upkeep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PartitionUpkeep {
    pub created: Vec<String>,
    pub dropped: Vec<String>,
    /// Expired partitions left for the next round: a lock was not free.
    pub postponed: Vec<String>,
}

impl Store {
    /// PostgreSQL: makes the partitions of the coming weeks and drops those
    /// whose every row is past the longest retention (as of `now`). SQLite
    /// has nothing to do.
    pub async fn upkeep_partitions(&self, now: i64) -> anyhow::Result<PartitionUpkeep> {
        match self.backend {
            Backend::Postgres => upkeep_partitions(&self.write, now).await,
            Backend::Sqlite => Ok(PartitionUpkeep::default()),
        }
    }
}

/// See `Store::upkeep_partitions`. Partitions are named by the first day
/// they hold (`notifications_d<days since 1970>`).
pub(super) async fn upkeep_partitions(pool: &AnyPool, now: i64) -> anyhow::Result<PartitionUpkeep> {
    let mut done = PartitionUpkeep::default();
    let oldest_kept = super::purge::oldest_kept(now);
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
pub(super) async fn unless_busy<E: Into<anyhow::Error>>(
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
pub(super) async fn create_partition(
    tx: &mut Transaction<'_, Any>,
    name: &str,
    from: i64,
    to: i64,
) -> anyhow::Result<()> {
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
