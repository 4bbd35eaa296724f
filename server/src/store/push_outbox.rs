//! The push outbox: pushes wait here until the gateway takes them.

use super::*;

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

/// A push to queue: for whom, to which device and token, and its JSON.
#[derive(Clone, Debug)]
pub struct NewPush {
    pub user_id: String,
    pub device_id: String,
    pub token: String,
    pub payload: String,
}

impl Store {
    /// Queues pushes for the outbox worker.
    pub async fn queue_pushes(&self, pushes: &[NewPush], now: i64) -> anyhow::Result<()> {
        for chunk in pushes.chunks(1000) {
            let mut insert = Sql::new(
                self.backend,
                "INSERT INTO push_outbox (user_id, device_id, push_token, payload, attempts, next_at, created_at) ",
            );
            insert.push_values(chunk, |row, p| {
                row.push_bind(&p.user_id)
                    .push_bind(&p.device_id)
                    .push_bind(&p.token)
                    .push_bind(&p.payload)
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
}
