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
pub(super) async fn open_sqlite(path: &str) -> anyhow::Result<(AnyPool, AnyPool)> {
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
pub(super) async fn checkpoint_loop(pool: AnyPool) {
    let mut ticker = tokio::time::interval(Duration::from_millis(200));
    loop {
        ticker.tick().await;
        if pool.is_closed() {
            return;
        }
        let _ = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await;
    }
}
