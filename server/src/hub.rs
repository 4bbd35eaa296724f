//! Tells the open streams of a user that there is news, and a device's
//! stream that it should show a pop-up.
//!
//! Connections subscribe per user, so an event wakes only its recipient's
//! streams: with 10,000 open streams, one event costs one map look-up, not
//! 10,000 wake-ups. Wake-ups coalesce (a stream that is busy reading finds
//! one pending wake-up, however many arrived); pop-ups queue per stream and
//! are dropped, not delayed, when a stream is too far behind to take them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, mpsc};

/// Pop-ups a stream may have waiting before newer ones are dropped.
const POPUP_QUEUE: usize = 32;

struct Subscriber {
    id: u64,
    device: Option<Arc<str>>,
    wake: Arc<Notify>,
    popups: mpsc::Sender<Arc<str>>,
}

#[derive(Default)]
struct Inner {
    users: Mutex<HashMap<Arc<str>, Vec<Subscriber>>>,
    next_id: AtomicU64,
}

#[derive(Clone, Default)]
pub struct Hub(Arc<Inner>);

impl Hub {
    pub fn new() -> Hub {
        Hub::default()
    }

    /// The user has news in the store.
    pub fn wake(&self, user: &str) {
        let users = self.0.users.lock().expect("hub lock");
        for s in users.get(user).into_iter().flatten() {
            s.wake.notify_one();
        }
    }

    /// `payload` is the JSON of a `popup` event for one device of `user` (not
    /// stored: a pop-up missed while disconnected is not shown late).
    pub fn popup(&self, user: &str, device: &str, payload: String) {
        let payload: Arc<str> = Arc::from(payload);
        let users = self.0.users.lock().expect("hub lock");
        for s in users.get(user).into_iter().flatten().filter(|s| s.device.as_deref() == Some(device)) {
            if s.popups.try_send(payload.clone()).is_err() {
                tracing::warn!(user, device, "pop-up dropped: the stream is too far behind");
            }
        }
    }

    /// Starts listening for `user` (and `device`'s pop-ups) until the
    /// subscription is dropped.
    pub fn subscribe(&self, user: &str, device: Option<&str>) -> Subscription {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        let wake = Arc::new(Notify::new());
        let (popups, popup_rx) = mpsc::channel(POPUP_QUEUE);
        let user: Arc<str> = Arc::from(user);
        let subscriber = Subscriber { id, device: device.map(Arc::from), wake: wake.clone(), popups };
        self.0.users.lock().expect("hub lock").entry(user.clone()).or_default().push(subscriber);
        Subscription { hub: self.clone(), user, id, wake, popups: popup_rx }
    }

    /// Open subscriptions (for tests and metrics).
    pub fn subscribers(&self) -> usize {
        self.0.users.lock().expect("hub lock").values().map(Vec::len).sum()
    }
}

pub enum Signal {
    /// Look in the store.
    Wake,
    Popup(Arc<str>),
}

/// One stream's place in the hub; leaves it when dropped.
pub struct Subscription {
    hub: Hub,
    user: Arc<str>,
    id: u64,
    wake: Arc<Notify>,
    popups: mpsc::Receiver<Arc<str>>,
}

impl Subscription {
    pub async fn next(&mut self) -> Signal {
        tokio::select! {
            biased;
            Some(payload) = self.popups.recv() => Signal::Popup(payload),
            () = self.wake.notified() => Signal::Wake,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut users = self.hub.0.users.lock().expect("hub lock");
        if let Some(list) = users.get_mut(&self.user) {
            list.retain(|s| s.id != self.id);
            if list.is_empty() {
                users.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn next(s: &mut Subscription) -> Option<Signal> {
        tokio::time::timeout(Duration::from_millis(50), s.next()).await.ok()
    }

    #[tokio::test]
    async fn wakes_only_the_users_streams_and_coalesces() {
        let hub = Hub::new();
        let mut a = hub.subscribe("a", None);
        let mut b = hub.subscribe("b", None);
        hub.wake("a");
        hub.wake("a");
        assert!(matches!(next(&mut a).await, Some(Signal::Wake)));
        assert!(next(&mut a).await.is_none(), "two wake-ups before a look are one");
        assert!(next(&mut b).await.is_none(), "b has no news");
    }

    #[tokio::test]
    async fn popups_reach_only_their_device_and_leave_on_drop() {
        let hub = Hub::new();
        let mut phone = hub.subscribe("a", Some("d1"));
        let mut other = hub.subscribe("a", Some("d2"));
        hub.popup("a", "d1", "{}".into());
        assert!(matches!(next(&mut phone).await, Some(Signal::Popup(p)) if &*p == "{}"));
        assert!(next(&mut other).await.is_none());
        assert_eq!(hub.subscribers(), 2);
        drop(phone);
        drop(other);
        assert_eq!(hub.subscribers(), 0, "dropped subscriptions leave the hub");
    }
}
