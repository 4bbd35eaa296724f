//! `GET /v1/stream`: Server-Sent Events of a user's notifications, read
//! changes and unread counts.
//!
//! Nothing is pushed from memory: a connection is only *woken* by the hub
//! and then reads what is new from the store, after its position. The same
//! read serves a reconnect with `Last-Event-ID` (also after a restart, since
//! positions are database ids), so live delivery and replay cannot diverge.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use bell_protocol::StreamPosition;
use futures::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast;

use crate::clock::now_ms;
use crate::store::Store;

/// Most items of each kind sent per wake-up; more follow without waiting.
const BATCH: u32 = 200;

/// What the hub tells connections.
#[derive(Clone, Debug)]
enum Signal {
    /// The user has news in the store.
    Wake(Arc<str>),
    /// One device of the user should show this pop-up (not stored: a pop-up
    /// missed while disconnected is not shown late).
    Popup { user: Arc<str>, device: Arc<str>, payload: Arc<str> },
}

/// Tells connections which user has news, and which device gets a pop-up.
#[derive(Clone)]
pub struct Hub(broadcast::Sender<Signal>);

impl Hub {
    pub fn new() -> Hub {
        Hub(broadcast::channel(4096).0)
    }

    pub fn wake(&self, user: &str) {
        // No receivers is fine: nobody is connected.
        let _ = self.0.send(Signal::Wake(Arc::from(user)));
    }

    /// `payload` is the JSON of a `popup` event.
    pub fn popup(&self, user: &str, device: &str, payload: String) {
        let _ = self.0.send(Signal::Popup {
            user: Arc::from(user),
            device: Arc::from(device),
            payload: Arc::from(payload),
        });
    }
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

enum Woken {
    Store,
    Popup(Arc<str>),
    Closed,
}

struct Connection {
    store: Store,
    user: String,
    /// The browser's device id, for pop-ups routed to it.
    device: Option<String>,
    position: StreamPosition,
    wakes: broadcast::Receiver<Signal>,
    /// Read the store without waiting first (start, replay, or a full batch).
    read_now: bool,
    started: bool,
}

impl Connection {
    /// Waits until this user may have news, or this device a pop-up.
    async fn wait(&mut self) -> Woken {
        loop {
            match self.wakes.recv().await {
                Ok(Signal::Wake(user)) if *user == *self.user => return Woken::Store,
                Ok(Signal::Popup { user, device, payload })
                    if *user == *self.user && self.device.as_deref() == Some(&*device) =>
                {
                    return Woken::Popup(payload);
                }
                Ok(_) => {}
                // Missed wake-ups: just look.
                Err(broadcast::error::RecvError::Lagged(_)) => return Woken::Store,
                Err(broadcast::error::RecvError::Closed) => return Woken::Closed,
            }
        }
    }

    async fn next_events(&mut self) -> Option<Vec<Event>> {
        loop {
            if !self.read_now {
                match self.wait().await {
                    Woken::Store => {}
                    Woken::Popup(payload) => {
                        let popup = Event::default().event("popup").id(self.position.encode()).data(&*payload);
                        return Some(vec![popup]);
                    }
                    Woken::Closed => return None,
                }
            }
            self.read_now = false;
            let now = now_ms();
            let (notifications, changes) = match self.store.stream_since(&self.user, self.position, BATCH, now).await {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(error = format!("{e:#}"), "stream read failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    self.read_now = true;
                    continue;
                }
            };
            let first = !self.started;
            self.started = true;
            if notifications.is_empty() && changes.is_empty() && !first {
                continue;
            }
            self.read_now = notifications.len() == BATCH as usize || changes.len() == BATCH as usize;
            let mut events = Vec::with_capacity(notifications.len() + changes.len() + 1);
            for n in notifications {
                self.position.notification = n.id.parse().unwrap_or(self.position.notification);
                events.push(event("notification", self.position, &n));
            }
            for (id, change) in changes {
                self.position.read = id;
                events.push(event("read", self.position, &change));
            }
            // Counts after every change, so a badge needs nothing else.
            if let Ok(counts) = self.store.unread_counts(&self.user, now).await {
                events.push(event("counts", self.position, &counts));
            }
            return Some(events);
        }
    }
}

fn event(name: &str, position: StreamPosition, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .id(position.encode())
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event(name).id(position.encode()))
}

/// The event stream of `user`, from `resume` (a `Last-Event-ID`) or from now.
pub async fn open(
    store: Store,
    hub: Hub,
    user: String,
    device: Option<String>,
    resume: Option<StreamPosition>,
    keep_alive: Duration,
) -> anyhow::Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Subscribe before reading the head: nothing can fall between the two.
    let wakes = hub.0.subscribe();
    let position = match resume {
        Some(p) => p,
        None => store.stream_head().await?,
    };
    let connection = Connection { store, user, device, position, wakes, read_now: true, started: false };
    let events = stream::unfold(connection, |mut c| async move { c.next_events().await.map(|e| (e, c)) })
        .flat_map(stream::iter)
        .map(Ok);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(keep_alive)))
}
