//! SQLite connections: WAL mode, one writer, readers beside it, and
//! checkpoints that never block the writer.

use super::*;

/// Settings of every SQLite connection, and `extra` ones of its pool.
pub(super) fn sqlite_setup<'c>(
    conn: &'c mut sqlx::AnyConnection,
    extra: &'static str,
) -> futures::future::BoxFuture<'c, Result<(), sqlx::Error>> {
    // In WAL, synchronous=NORMAL is durable against application crashes and
    // consistent after power loss (it may lose the last commits).
    const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000; \
         PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456; \
         PRAGMA journal_size_limit = -1;";
    Box::pin(async move {
        conn.execute(sqlx::raw_sql(PRAGMAS)).await?;
        if !extra.is_empty() {
            conn.execute(sqlx::raw_sql(extra)).await?;
        }
        Ok(())
    })
}

/// The SQLite writer (one connection) and readers, in WAL mode.
pub(super) async fn open_sqlite(path: &str) -> anyhow::Result<(AnyPool, AnyPool)> {
    open_sqlite_with(path, RESTART_FRAMES).await
}

/// [`open_sqlite`], the WAL started over past `restart_frames`.
async fn open_sqlite_with(path: &str, restart_frames: i64) -> anyhow::Result<(AnyPool, AnyPool)> {
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
        .after_connect(|conn, _| sqlite_setup(conn, "PRAGMA busy_timeout = 1000;"))
        .connect(&format!("sqlite://{path}"))
        .await?;
    tokio::spawn(checkpoint_loop(checkpointer, restart_frames));
    let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2).max(4) as u32;
    let read = AnyPoolOptions::new()
        .max_connections(readers)
        .after_connect(|conn, _| sqlite_setup(conn, ""))
        .connect(&format!("sqlite://{path}?mode=ro"))
        .await?;
    Ok((write, read))
}

/// WAL frames (about 4 KiB each) past which the checkpointer restarts the
/// WAL: about 64 MiB.
const RESTART_FRAMES: i64 = 16_384;

/// Copies the WAL back into the database file every 200 ms without blocking
/// the writer (PASSIVE), so commits never pay for a checkpoint.
///
/// Under steady writes that alone lets the WAL grow without end: SQLite
/// starts it over only when a writer begins with every frame copied back,
/// and with a commit every few milliseconds that moment never comes (1,000
/// events/s for 20 s left a 919 MiB WAL beside a 10 MiB database; when a
/// lull finally came, the commit that started it over spent 240 ms cutting
/// the file back to the old `journal_size_limit`). So once the WAL passes
/// `restart_frames` ([`RESTART_FRAMES`]), a RESTART checkpoint follows
/// the passive one and the next commit starts the WAL over. It holds
/// writers off while it copies the frames the passive one left, syncs, and
/// waits for the readers of the moment (at most a second, this connection's
/// busy timeout): about 100 ms at 10,000 events/s, a few at 1,000. Tried
/// without waiting for readers instead, it rarely found a moment without
/// one, and the WAL kept growing. The file is never cut back
/// (`journal_size_limit = -1`), so starting over costs no `ftruncate`; it
/// stays near 64 MiB.
pub(super) async fn checkpoint_loop(pool: AnyPool, restart_frames: i64) {
    let mut ticker = tokio::time::interval(Duration::from_millis(200));
    // (busy, frames in the WAL, frames copied back)
    let checkpoint = async |mode: &str| {
        sqlx::query_as::<_, (i64, i64, i64)>(&format!("PRAGMA wal_checkpoint({mode})")).fetch_one(&pool).await.ok()
    };
    loop {
        ticker.tick().await;
        if pool.is_closed() {
            return;
        }
        let passive = checkpoint("PASSIVE").await;
        if passive.is_some_and(|(_, frames, _)| frames > restart_frames) {
            checkpoint("RESTART").await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steady writes and reads for `for_ms`; answers the WAL's largest size
    /// seen (bytes) and the frames written meanwhile.
    async fn steady_load(restart_frames: i64, for_ms: u64) -> (u64, i64) {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let (write, read) = open_sqlite_with(path.to_str().unwrap(), restart_frames).await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").execute(&write).await.unwrap();
        let until = std::time::Instant::now() + Duration::from_millis(for_ms);
        let reader = tokio::spawn(async move {
            while std::time::Instant::now() < until {
                let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&read).await.unwrap();
            }
        });
        let (mut largest, mut commits) = (0, 0);
        let body = "x".repeat(3000);
        while std::time::Instant::now() < until {
            sqlx::query("INSERT INTO t (body) VALUES ($1)").bind(&body).execute(&write).await.unwrap();
            commits += 1;
            if commits % 50 == 0 {
                largest = largest.max(std::fs::metadata(dir.path().join("wal.db-wal")).map_or(0, |m| m.len()));
            }
        }
        reader.await.unwrap();
        // Each commit appends at least its row's page.
        (largest, commits)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_steady_writes() {
        // 64 frames (256 KiB) to start over: a tenth of what is written.
        let (largest, commits) = steady_load(64, 3_000).await;
        let written = commits as u64 * 4096;
        assert!(written > 40 * 256 * 1024, "too little was written to tell: {commits} commits");
        // Without the RESTART it grows to about three times what was
        // written (each commit appends more than its row's page); with it,
        // a third to two thirds, with the machine busy.
        assert!(largest < written, "the WAL grew to {largest} B of {written} B written");
    }
}
