//! Recorded routing decisions (`GET /v1/deliveries`).

use super::*;

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

/// A routing decision to record: whose notification (by its key) and what
/// was decided for one device.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    pub user_id: String,
    pub notification_key: String,
    pub decision: Decision,
}

impl Store {
    /// Records routing decisions.
    pub async fn record_deliveries(&self, decisions: &[NewDelivery], now: i64) -> anyhow::Result<()> {
        for chunk in decisions.chunks(1000) {
            let mut insert = Sql::new(
                self.backend,
                "INSERT INTO deliveries (user_id, notification_id, device_id, platform, channel, decision, reason, created_at) ",
            );
            insert.push_values(chunk, |row, NewDelivery { user_id, notification_key, decision: d }| {
                row.push_bind(user_id)
                    .push_bind(notification_key)
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

    /// Whether `id` is one of the user's (retained or not) notifications.
    pub async fn has_notification(&self, user: &str, id: &str) -> anyhow::Result<bool> {
        let Ok(id) = id.parse::<i64>() else { return Ok(false) };
        let row = sqlx::query("SELECT 1 FROM notifications WHERE user_id = $1 AND seq = $2")
            .bind(user)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.is_some())
    }
}
