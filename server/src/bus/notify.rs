//! The bus over PostgreSQL's LISTEN/NOTIFY (when no `BELL_BUS_URL` is set).
//!
//! Every process listens on one channel. What a process's hub sees locally
//! it also publishes, a few milliseconds' worth per NOTIFY; what arrives
//! from the others it hands to its own hub. Only wake-ups travel (and the
//! pop-ups, which are never stored): the data itself is read from the
//! database, which NOTIFY follows (it is delivered after the commit).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;

use crate::hub::{Hub, Remote};
use crate::preferences::PreferenceCache;

const CHANNEL: &str = "qontak_bell";
/// NOTIFY payloads must stay under 8,000 bytes.
const MAX_PAYLOAD: usize = 7_500;

#[derive(Serialize, Deserialize, Default)]
struct Note {
    /// The publishing process, which ignores its own notes.
    from: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    wake: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    popups: Vec<(String, String, String)>,
    /// Users whose preferences changed (each process drops its cached copy).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    preferences: Vec<String>,
}

/// Listens before returning (so nothing published after start is missed)
/// and connects `hub` (and the preference cache) to the other processes.
pub async fn connect(
    url: &str,
    hub: &Hub,
    preferences: &PreferenceCache,
    received: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let me = uuid::Uuid::new_v4().to_string();
    let mut listener = PgListener::connect(url).await?;
    listener.listen(CHANNEL).await?;
    // Notes go out one after another: one connection is all it uses.
    let publisher = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect(url).await?;
    let (outbox, notes) = mpsc::unbounded_channel();
    hub.forward_to(outbox);
    tokio::spawn(publish(publisher, me.clone(), notes));
    tokio::spawn(receive(listener, me, hub.clone(), preferences.clone(), received));
    Ok(())
}

async fn publish(pool: sqlx::PgPool, me: String, mut queue: mpsc::UnboundedReceiver<Remote>) {
    let mut batch = Vec::new();
    while queue.recv_many(&mut batch, 1024).await > 0 {
        for payload in encode(&me, batch.drain(..)) {
            // A lost note only delays: streams re-read on their next wake-up.
            if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(&payload).execute(&pool).await {
                tracing::warn!(error = %e, "NOTIFY failed");
            }
        }
    }
}

/// Packs signals into as few payloads as fit the limit.
fn encode(me: &str, signals: impl Iterator<Item = Remote>) -> Vec<String> {
    let mut out = Vec::new();
    let mut note = Note { from: me.to_owned(), ..Note::default() };
    let mut size = 0;
    for signal in signals {
        let added = match &signal {
            Remote::Wake(user) | Remote::Preferences(user) => user.len() + 4,
            Remote::Popup { user, device, payload } => user.len() + device.len() + payload.len() + 16,
        };
        if size + added > MAX_PAYLOAD && size > 0 {
            out.push(serde_json::to_string(&note).unwrap_or_default());
            note = Note { from: me.to_owned(), ..Note::default() };
            size = 0;
        }
        if added > MAX_PAYLOAD {
            tracing::warn!("a pop-up too large for NOTIFY stays with this process");
            continue;
        }
        size += added;
        match signal {
            Remote::Wake(user) => note.wake.push(user.to_string()),
            Remote::Preferences(user) => note.preferences.push(user.to_string()),
            Remote::Popup { user, device, payload } => {
                note.popups.push((user.to_string(), device.to_string(), payload.to_string()))
            }
        }
    }
    if size > 0 {
        out.push(serde_json::to_string(&note).unwrap_or_default());
    }
    out
}

async fn receive(
    mut listener: PgListener,
    me: String,
    hub: Hub,
    preferences: PreferenceCache,
    received: Arc<AtomicU64>,
) {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => {
                let Ok(note) = serde_json::from_str::<Note>(n.payload()) else { continue };
                // Every process receives every note, its own included.
                let signals = note.wake.len() + note.popups.len() + note.preferences.len();
                received.fetch_add(signals as u64, Ordering::Relaxed);
                if note.from == me {
                    continue;
                }
                // Forgotten before the wake-ups: a stream woken by this
                // change never meets the old preferences again.
                for user in &note.preferences {
                    preferences.forget(user);
                }
                for user in &note.wake {
                    hub.wake_here(user);
                }
                for (user, device, payload) in note.popups {
                    hub.popup_here(&user, &device, Arc::from(payload));
                }
            }
            // The connection dropped and is back: notes may have been lost
            // in between, so every local stream looks in the store.
            Ok(None) => {
                tracing::warn!("LISTEN connection lost and re-established");
                preferences.forget_all();
                hub.wake_everyone_here();
            }
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN failed; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_signals_under_the_notify_limit() {
        let many = (0..2_000).map(|i| Remote::Wake(Arc::from(format!("user-{i:05}").as_str())));
        let payloads = encode("me", many);
        assert!(payloads.len() > 1);
        let mut users = 0;
        for p in &payloads {
            assert!(p.len() < 8_000, "{}", p.len());
            users += serde_json::from_str::<Note>(p).unwrap().wake.len();
        }
        assert_eq!(users, 2_000, "nothing dropped");
    }
}
