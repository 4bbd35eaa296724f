//! Preferences (API.md §7): read in batches for ingestion and routing (see
//! `crate::preferences` for the cache in front), and changed in one
//! transaction with the `preferences` event every stream of the user gets.

use super::read_state::log_changes;
use super::*;

impl Store {
    /// The stored preferences of those of `users` who changed any.
    pub async fn preferences_of(&self, users: &[&str]) -> anyhow::Result<HashMap<String, String>> {
        let mut found = HashMap::new();
        for chunk in users.chunks(500) {
            let mut query = Sql::new(self.backend, "SELECT user_id, prefs FROM preferences WHERE user_id IN ");
            query.push_list(chunk.iter().copied());
            for r in query.build().fetch_all(&self.read).await? {
                found.insert(r.get::<String, _>(0), r.get::<String, _>(1));
            }
        }
        Ok(found)
    }

    /// A user's stored preferences (if any) and sound.
    pub async fn preferences(&self, user: &str) -> anyhow::Result<(Option<String>, bool)> {
        let prefs = sqlx::query_scalar("SELECT prefs FROM preferences WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&self.read)
            .await?;
        Ok((prefs, self.sound(user).await?))
    }

    /// Changes a user's preferences: `change` gets what is stored and the
    /// sound, and answers the new stored form, sound and the document to
    /// stream (or refuses, changing nothing). Changes are serialised with
    /// every other change streams are told of, so the last `preferences`
    /// event is the state that stays.
    pub async fn change_preferences<T, E: From<anyhow::Error>>(
        &self,
        user: &str,
        now: i64,
        change: impl FnOnce(Option<&str>, bool) -> Result<(String, bool, String, T), E>,
    ) -> Result<T, E> {
        let run = async {
            let mut tx = self.write.begin().await?;
            order_ids(&mut tx, self.backend, READ_CHANGE_IDS).await?;
            let stored: Option<String> = sqlx::query_scalar("SELECT prefs FROM preferences WHERE user_id = $1")
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
            let sound: Option<i64> = sqlx::query_scalar("SELECT sound FROM settings WHERE user_id = $1")
                .bind(user)
                .fetch_optional(&mut *tx)
                .await?;
            let (prefs, sound, document, answer) = match change(stored.as_deref(), sound.is_none_or(|s| s != 0)) {
                Ok(changed) => changed,
                Err(refused) => return Ok::<_, anyhow::Error>(Err(refused)),
            };
            sqlx::query(
                "INSERT INTO preferences (user_id, prefs, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO UPDATE SET prefs = excluded.prefs, updated_at = excluded.updated_at",
            )
            .bind(user)
            .bind(&prefs)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO settings (user_id, sound) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET sound = excluded.sound",
            )
            .bind(user)
            .bind(i64::from(sound))
            .execute(&mut *tx)
            .await?;
            log_changes(&mut tx, self.backend, &[(user, "preferences", document)], now).await?;
            tx.commit().await?;
            Ok(Ok(answer))
        };
        run.await.map_err(E::from)?
    }
}
