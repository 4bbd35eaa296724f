//! Devices, presence and the sound setting: what routing reads.

use super::*;

impl Store {
    /// The user's settings (sound on unless turned off).
    pub async fn sound(&self, user: &str) -> anyhow::Result<bool> {
        let sound: Option<i64> = sqlx::query_scalar("SELECT sound FROM settings WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&self.read)
            .await?;
        Ok(sound.is_none_or(|s| s != 0))
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
            let mut query = Sql::new(
                self.backend,
                "SELECT user_id, device_id, platform, app, push_token FROM devices WHERE user_id IN ",
            );
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
            let mut query =
                Sql::new(self.backend, "SELECT user_id, device_id, app, active FROM presence WHERE reported_at >= ");
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
            let mut query = Sql::new(self.backend, "SELECT user_id, sound FROM settings WHERE user_id IN ");
            query.push_list(chunk.iter().copied());
            for r in query.build().fetch_all(&self.read).await? {
                found.insert(r.get::<String, _>(0), r.get::<i64, _>(1) != 0);
            }
        }
        Ok(found)
    }
}
