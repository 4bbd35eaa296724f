//! The bus over NATS (`BELL_BUS_URL=nats://…`): routed by interest.
//!
//! Each user has a subject, `bell.user.<base64url of the id>`. A process
//! subscribes to a user's subject while it holds at least one of the user's
//! streams (the hub reports when the first opens and the last closes), so
//! the NATS server sends it only its own users' wake-ups and pop-ups: with
//! N processes, each receives about 1/N of them, where LISTEN/NOTIFY gives
//! every process everything. Preference changes go on one subject every
//! process hears: any process may have cached them for routing.
//!
//! As with NOTIFY, only signals travel; the data is in the database. A
//! signal lost while NATS is away only delays: when the connection is back
//! (and its subscriptions with it), every stream of this process looks in
//! the store and every cached preference is read afresh. A subscription
//! that has just been made does the same for its user, since a wake-up
//! published before the NATS server knew of it reached nobody.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_nats::{Client, ConnectOptions, Event};
use base64::Engine;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::hub::{Hub, Interest, Remote};
use crate::preferences::PreferenceCache;

const USER_PREFIX: &str = "bell.user.";
const PREFERENCES: &str = "bell.preferences";

/// What one message on a user's subject says.
#[derive(Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
enum Message {
    Wake,
    Popup { device: String, payload: String },
}

/// The subject of `user`'s signals. Ids may hold any character; NATS
/// subject tokens may not hold `.`, `*`, `>` or spaces, nor be empty.
fn subject(user: &str) -> String {
    format!("{USER_PREFIX}u{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(user))
}

/// Connects `hub` (and the preference cache) to the other processes
/// through the NATS server at `url`; fails when it cannot be reached.
pub async fn connect(
    url: &str,
    hub: &Hub,
    preferences: &PreferenceCache,
    received: Arc<AtomicU64>,
) -> anyhow::Result<()> {
    let (events, connection) = mpsc::unbounded_channel();
    let client = ConnectOptions::new()
        .name("bell-server")
        // A process never needs what it published itself: its hub had it first.
        .no_echo()
        .event_callback(move |event| {
            let events = events.clone();
            async move {
                let _ = events.send(event);
            }
        })
        .connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("BELL_BUS_URL {url}: {e}"))?;
    let preference_changes = client.subscribe(PREFERENCES).await?;
    client.flush().await?;
    let (outbox, signals) = mpsc::unbounded_channel();
    hub.forward_to(outbox);
    let (interest, interests) = mpsc::unbounded_channel();
    hub.report_interest(interest);
    tokio::spawn(publish(client.clone(), signals));
    tokio::spawn(receive(
        client,
        interests,
        connection,
        preference_changes,
        hub.clone(),
        preferences.clone(),
        received,
    ));
    Ok(())
}

async fn publish(client: Client, mut signals: mpsc::UnboundedReceiver<Remote>) {
    let mut batch = Vec::new();
    while signals.recv_many(&mut batch, 1024).await > 0 {
        // While NATS is away the signals would only queue: dropped, they
        // cost nothing, and the reconnection wakes every stream anyway.
        if client.connection_state() != async_nats::connection::State::Connected {
            batch.clear();
            continue;
        }
        for signal in batch.drain(..) {
            let (subject, body) = match signal {
                Remote::Wake(user) => (subject(&user), serde_json::to_vec(&Message::Wake)),
                Remote::Popup { user, device, payload } => (
                    subject(&user),
                    serde_json::to_vec(&Message::Popup { device: device.to_string(), payload: payload.to_string() }),
                ),
                // A preference change names its user.
                Remote::Preferences(user) => (PREFERENCES.to_owned(), Ok(user.as_bytes().to_vec())),
            };
            if let Err(e) = client.publish(subject, body.unwrap_or_default().into()).await {
                tracing::warn!(error = %e, "NATS publish failed");
            }
        }
    }
}

/// What a message on `user`'s subject asks of this process's hub.
fn deliver(hub: &Hub, user: &str, payload: &[u8]) {
    match serde_json::from_slice::<Message>(payload) {
        Ok(Message::Wake) => hub.wake_here(user),
        Ok(Message::Popup { device, payload }) => hub.popup_here(user, &device, Arc::from(payload)),
        Err(_) => tracing::warn!("an unreadable message on the bus"),
    }
}

/// Follows the hub's interest (one task per held user, which the runtime
/// wakes only when its subject has a message: no scan over every
/// subscription), preference changes and the connection's state.
async fn receive(
    client: Client,
    mut interests: mpsc::UnboundedReceiver<Interest>,
    mut connection: mpsc::UnboundedReceiver<Event>,
    mut preference_changes: async_nats::Subscriber,
    hub: Hub,
    preferences: PreferenceCache,
    received: Arc<AtomicU64>,
) {
    let mut users: HashMap<Arc<str>, AbortOnDrop> = HashMap::new();
    let mut pending = Vec::new();
    loop {
        tokio::select! {
            n = interests.recv_many(&mut pending, 1024) => {
                if n == 0 {
                    return;
                }
                let mut held = Vec::new();
                for interest in pending.drain(..) {
                    match interest {
                        Interest::Hold(user) => match client.subscribe(subject(&user)).await {
                            Ok(mut subscriber) => {
                                let (hub, received, name) = (hub.clone(), received.clone(), user.clone());
                                let task = tokio::spawn(async move {
                                    while let Some(message) = subscriber.next().await {
                                        received.fetch_add(1, Ordering::Relaxed);
                                        deliver(&hub, &name, &message.payload);
                                    }
                                });
                                users.insert(user.clone(), AbortOnDrop(task));
                                held.push(user);
                            }
                            Err(e) => tracing::warn!(error = %e, "NATS subscribe failed"),
                        },
                        // The task's end drops its subscriber, which unsubscribes.
                        Interest::Release(user) => {
                            users.remove(&user);
                        }
                    }
                }
                // Once the NATS server has the subscriptions (a flush is a
                // round trip behind them), the new users' streams look in
                // the store for anything published before.
                if !held.is_empty() {
                    let _ = client.flush().await;
                    for user in held {
                        hub.wake_here(&user);
                    }
                }
            }
            Some(message) = preference_changes.next() => {
                received.fetch_add(1, Ordering::Relaxed);
                if let Ok(user) = std::str::from_utf8(&message.payload) {
                    // Forgotten before the wake-up: a stream woken by this
                    // change never meets the old preferences again.
                    preferences.forget(user);
                    hub.wake_here(user);
                }
            }
            Some(event) = connection.recv() => match event {
                Event::Connected => {
                    // Back (async-nats subscribes again on its own): after a
                    // round trip the subscriptions hold, and whatever was
                    // missed meanwhile is in the store.
                    let _ = client.flush().await;
                    tracing::info!("NATS connected");
                    preferences.forget_all();
                    hub.wake_everyone_here();
                }
                Event::Disconnected => tracing::warn!("NATS connection lost; reconnecting"),
                other => tracing::info!(event = %other, "NATS"),
            },
        }
    }
}

/// A user's subscription task, stopped when its entry goes.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_user_id_makes_a_valid_subject_token() {
        for user in ["u-1", "a.b", "*", ">", "with space", "ünï", ""] {
            let s = subject(user);
            let token = &s[USER_PREFIX.len()..];
            assert!(!token.is_empty() && !token.contains(['.', '*', '>', ' ']), "{user:?} → {s}");
        }
        assert_ne!(subject("a.b"), subject("a_b"));
    }
}
