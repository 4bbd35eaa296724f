//! `GET /v1/stream`: Server-Sent Events of a user's notifications, read
//! changes and unread counts.
//!
//! Nothing is pushed from memory: a connection is only *woken* by the hub
//! and then reads what is new from the store, after its position. The same
//! read serves a reconnect with `Last-Event-ID` (also after a restart, since
//! positions are database ids), so live delivery and replay cannot diverge.

mod reads;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use bell_protocol::StreamPosition;
use futures::stream::{self, Stream, StreamExt};

use crate::AppState;
use crate::hub::{Signal, Subscription};
use crate::seal::Seal;
pub use reads::Reads;

/// How many streams hyper serves on a connection it kept alive after
/// another request, where the lean writer (`serve/`) cannot take them.
#[derive(Clone, Default)]
pub struct ReusedStreams(Arc<std::sync::atomic::AtomicUsize>);

impl ReusedStreams {
    pub fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count(&self) -> CountedStream {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        CountedStream(self.0.clone())
    }
}

/// One of [`ReusedStreams`], until the stream ends.
struct CountedStream(Arc<std::sync::atomic::AtomicUsize>);

impl Drop for CountedStream {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Most items of each kind sent per wake-up; more follow without waiting.
pub const BATCH: u32 = 200;

struct Connection {
    seal: Seal,
    reads: Reads,
    user: Arc<str>,
    position: StreamPosition,
    wakes: Subscription,
    /// Counted while open, when hyper serves it on a kept-alive connection.
    _reused: Option<CountedStream>,
    /// Read the store without waiting first (start, replay, or a full batch).
    read_now: bool,
    started: bool,
}

impl Connection {
    /// The position as the client sees it: sealed.
    fn id(&self) -> String {
        self.seal.seal(&self.position.encode())
    }

    async fn next_events(&mut self) -> Option<Vec<Event>> {
        loop {
            if !self.read_now {
                match self.wakes.next().await {
                    Signal::Wake => {}
                    Signal::Popup(payload) => {
                        let id = self.id();
                        let popup = Event::default().event("popup").id(id).data(&*payload);
                        return Some(vec![popup]);
                    }
                    Signal::Closed => return None,
                }
            }
            self.read_now = false;
            let first = !self.started;
            // Boxed: only while reading. Inline, the read's state would be
            // part of every idle stream's memory.
            let read = Box::pin(self.reads.read(self.user.clone(), self.position, first));
            let found = match read.await {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(error = format!("{e:#}"), "stream read failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    self.read_now = true;
                    continue;
                }
            };
            self.started = true;
            let (notifications, changes) = (found.notifications, found.changes);
            if notifications.is_empty() && changes.is_empty() && !first {
                continue;
            }
            self.read_now = notifications.len() == BATCH as usize || changes.len() == BATCH as usize;
            let mut events = Vec::with_capacity(notifications.len() + changes.len() + 1);
            for n in notifications {
                self.position.notification = n.id.parse().unwrap_or(self.position.notification);
                events.push(event("notification", self.id(), &n));
            }
            for change in changes {
                self.position.read = change.id;
                events.push(Event::default().event(change.event).id(self.id()).data(change.data));
            }
            // Counts after every change, so a badge needs nothing else.
            if let Some(counts) = found.counts {
                events.push(event("counts", self.id(), &counts));
            }
            return Some(events);
        }
    }
}

fn event(name: &str, id: String, data: &impl serde::Serialize) -> Event {
    Event::default().event(name).id(id.clone()).json_data(data).unwrap_or_else(|_| Event::default().event(name).id(id))
}

/// The event stream of `user`, from `resume` (a `Last-Event-ID`) or from now;
/// `lean`: written by `serve`'s lean writer (else hyper's, counted).
pub async fn open(
    state: &AppState,
    user: String,
    device: Option<String>,
    resume: Option<StreamPosition>,
    lean: bool,
) -> anyhow::Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>> {
    // Subscribe before reading the head: nothing can fall between the two.
    let wakes = state.hub.subscribe(&user, device.as_deref());
    let head = state.store.stream_head(&user).await?;
    // A position past the newest ids (made up, or from a database since
    // reset) would wait for ids that never come: it starts at the head.
    let position = match resume {
        Some(p) => StreamPosition { notification: p.notification.min(head.notification), read: p.read.min(head.read) },
        None => head,
    };
    let user = Arc::from(user);
    let (seal, reads) = (state.seal.clone(), state.stream_reads.clone());
    let _reused = (!lean).then(|| state.reused_streams.count());
    let connection = Connection { seal, reads, user, position, wakes, _reused, read_now: true, started: false };
    let events = stream::unfold(connection, |mut c| async move { c.next_events().await.map(|e| (e, c)) })
        .flat_map(stream::iter)
        .map(Ok);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(state.config.stream_keep_alive)))
}
