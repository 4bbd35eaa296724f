//! Tells the open streams of a user that there is news, and a device's
//! stream that it should show a pop-up.
//!
//! Connections subscribe per user, so an event wakes only its recipient's
//! streams: with 10,000 open streams, one event costs one map look-up, not
//! 10,000 wake-ups. Wake-ups coalesce (a stream that is busy reading finds
//! one pending wake-up, however many arrived); pop-ups queue per stream and
//! are dropped, not delayed, when a stream is too far behind to take them.
//!
//! A user holds at most `max_streams_per_user` streams in a process
//! (`BELL_MAX_STREAMS_PER_USER`): a new one closes the oldest, so a newly
//! opened tab always works and one user's thousand tabs cannot make every
//! event cost a thousand store reads.
//!
//! With PostgreSQL, several server processes share the database; `bus/`
//! forwards what this hub is told to the others and back, and (for NATS)
//! which users this process holds streams of. On shutdown the
//! hub closes every stream, so the server can drain.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{Notify, mpsc, watch};

/// Pop-ups a stream may have waiting before newer ones are dropped.
const POPUP_QUEUE: usize = 32;

/// What one stream is told, behind one `Notify`: one allocation per stream
/// (a channel and two `Notify`s were about 1 KiB of every idle stream).
#[derive(Default)]
struct Inbox {
    notify: Notify,
    /// News in the store (wake-ups coalesce).
    woken: AtomicBool,
    /// A newer stream of the user took this one's place.
    evicted: AtomicBool,
    popups: Mutex<VecDeque<Arc<str>>>,
}

impl Inbox {
    fn wake(&self) {
        self.woken.store(true, Ordering::Release);
        self.notify.notify_one();
    }
}

struct Subscriber {
    id: u64,
    device: Option<Arc<str>>,
    inbox: Arc<Inbox>,
}

/// Streams one user may hold in a process unless configured otherwise.
pub const MAX_STREAMS_PER_USER: usize = 16;

struct Inner {
    /// Each user's streams, oldest first.
    users: Mutex<HashMap<Arc<str>, Vec<Subscriber>>>,
    max_streams_per_user: usize,
    next_id: AtomicU64,
    /// To the other server processes, when there are any (`bus/`).
    remote: OnceLock<mpsc::UnboundedSender<Remote>>,
    /// Told which users this process holds streams of, for a bus that
    /// routes by interest (NATS).
    interest: OnceLock<mpsc::UnboundedSender<Interest>>,
    closing: watch::Sender<bool>,
}

/// What travels to the other server processes.
#[derive(Debug)]
pub enum Remote {
    Wake(Arc<str>),
    Popup {
        user: Arc<str>,
        device: Arc<str>,
        payload: Arc<str>,
    },
    /// The user's preferences changed: other processes drop what they cached.
    Preferences(Arc<str>),
}

/// The first stream of a user opened in this process, or the last closed.
#[derive(Debug)]
pub enum Interest {
    Hold(Arc<str>),
    Release(Arc<str>),
}

#[derive(Clone)]
pub struct Hub(Arc<Inner>);

impl Default for Hub {
    fn default() -> Self {
        Hub::with_max_streams_per_user(MAX_STREAMS_PER_USER)
    }
}

impl Hub {
    pub fn with_max_streams_per_user(max: usize) -> Hub {
        Hub(Arc::new(Inner {
            users: Mutex::default(),
            max_streams_per_user: max.max(1),
            next_id: AtomicU64::new(0),
            remote: OnceLock::new(),
            interest: OnceLock::new(),
            closing: watch::channel(false).0,
        }))
    }

    /// Sends what this hub is told to the other processes too.
    pub fn forward_to(&self, remote: mpsc::UnboundedSender<Remote>) {
        let _ = self.0.remote.set(remote);
    }

    /// Tells `interest` the users held now, then each first stream of a
    /// user and each last one closing (sent under the hub's lock: in order).
    pub fn report_interest(&self, interest: mpsc::UnboundedSender<Interest>) {
        let users = self.0.users.lock().expect("hub lock");
        for user in users.keys() {
            let _ = interest.send(Interest::Hold(user.clone()));
        }
        let _ = self.0.interest.set(interest);
    }

    fn interest(&self, change: Interest) {
        if let Some(interest) = self.0.interest.get() {
            let _ = interest.send(change);
        }
    }

    fn forward(&self, signal: Remote) {
        if let Some(remote) = self.0.remote.get() {
            let _ = remote.send(signal);
        }
    }

    /// The user has news in the store.
    pub fn wake(&self, user: &str) {
        self.wake_here(user);
        self.forward(Remote::Wake(Arc::from(user)));
    }

    /// The user changed their preferences here: their streams read the
    /// change, and the other processes forget their cached copy.
    pub fn preferences_changed(&self, user: &str) {
        self.wake(user);
        self.forward(Remote::Preferences(Arc::from(user)));
    }

    /// Wakes this process's streams of `user` only.
    pub fn wake_here(&self, user: &str) {
        let users = self.0.users.lock().expect("hub lock");
        for s in users.get(user).into_iter().flatten() {
            s.inbox.wake();
        }
    }

    /// Every stream of this process looks in the store (after wake-ups from
    /// other processes may have been lost).
    pub fn wake_everyone_here(&self) {
        let users = self.0.users.lock().expect("hub lock");
        for s in users.values().flatten() {
            s.inbox.wake();
        }
    }

    /// `payload` is the JSON of a `popup` event for one device of `user` (not
    /// stored: a pop-up missed while disconnected is not shown late).
    pub fn popup(&self, user: &str, device: &str, payload: String) {
        let payload: Arc<str> = Arc::from(payload);
        self.popup_here(user, device, payload.clone());
        self.forward(Remote::Popup { user: Arc::from(user), device: Arc::from(device), payload });
    }

    /// Hands a pop-up to this process's stream of that device, if it has one.
    pub fn popup_here(&self, user: &str, device: &str, payload: Arc<str>) {
        let users = self.0.users.lock().expect("hub lock");
        for s in users.get(user).into_iter().flatten().filter(|s| s.device.as_deref() == Some(device)) {
            let mut popups = s.inbox.popups.lock().expect("inbox lock");
            if popups.len() >= POPUP_QUEUE {
                tracing::warn!(user, device, "pop-up dropped: the stream is too far behind");
                continue;
            }
            popups.push_back(payload.clone());
            drop(popups);
            s.inbox.notify.notify_one();
        }
    }

    /// Starts listening for `user` (and `device`'s pop-ups) until the
    /// subscription is dropped.
    pub fn subscribe(&self, user: &str, device: Option<&str>) -> Subscription {
        let id = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        let inbox = Arc::new(Inbox::default());
        let user: Arc<str> = Arc::from(user);
        let subscriber = Subscriber { id, device: device.map(Arc::from), inbox: inbox.clone() };
        {
            let mut users = self.0.users.lock().expect("hub lock");
            if !users.contains_key(&user) {
                self.interest(Interest::Hold(user.clone()));
            }
            let streams = users.entry(user.clone()).or_default();
            while streams.len() >= self.0.max_streams_per_user {
                let oldest = streams.remove(0);
                oldest.inbox.evicted.store(true, Ordering::Release);
                oldest.inbox.notify.notify_one();
                tracing::info!(user = &*user, "a stream closed: the user opened more than the limit");
            }
            streams.push(subscriber);
        }
        let closing = self.0.closing.subscribe();
        Subscription { hub: self.clone(), user, id, inbox, closing }
    }

    /// Open subscriptions (for tests and metrics).
    pub fn subscribers(&self) -> usize {
        self.0.users.lock().expect("hub lock").values().map(Vec::len).sum()
    }

    /// Ends every stream, now and from now on (graceful shutdown: clients
    /// reconnect, to another instance behind the proxy).
    pub fn close(&self) {
        self.0.closing.send_replace(true);
    }
}

pub enum Signal {
    /// Look in the store.
    Wake,
    Popup(Arc<str>),
    /// The server is shutting down: end the stream.
    Closed,
}

/// One stream's place in the hub; leaves it when dropped.
pub struct Subscription {
    hub: Hub,
    user: Arc<str>,
    id: u64,
    inbox: Arc<Inbox>,
    closing: watch::Receiver<bool>,
}

impl Subscription {
    /// The next signal, in order of urgency: closing, pop-ups, news. (A
    /// `notify_one` before the wait leaves a permit: nothing is missed.)
    pub async fn next(&mut self) -> Signal {
        loop {
            if *self.closing.borrow() || self.inbox.evicted.load(Ordering::Acquire) {
                return Signal::Closed;
            }
            if let Some(payload) = self.inbox.popups.lock().expect("inbox lock").pop_front() {
                return Signal::Popup(payload);
            }
            if self.inbox.woken.swap(false, Ordering::AcqRel) {
                return Signal::Wake;
            }
            tokio::select! {
                biased;
                _ = self.closing.wait_for(|closing| *closing) => return Signal::Closed,
                () = self.inbox.notify.notified() => {}
            }
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
                self.hub.interest(Interest::Release(self.user.clone()));
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
        let hub = Hub::default();
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
        let hub = Hub::default();
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

    #[tokio::test]
    async fn a_new_stream_beyond_the_limit_closes_the_users_oldest() {
        let hub = Hub::with_max_streams_per_user(2);
        let mut first = hub.subscribe("a", None);
        let mut second = hub.subscribe("a", None);
        let mut other_user = hub.subscribe("b", None);
        let mut third = hub.subscribe("a", None);
        assert!(matches!(next(&mut first).await, Some(Signal::Closed)), "the oldest closes");
        assert_eq!(hub.subscribers(), 3);
        hub.wake("a");
        assert!(matches!(next(&mut second).await, Some(Signal::Wake)));
        assert!(matches!(next(&mut third).await, Some(Signal::Wake)));
        assert!(next(&mut other_user).await.is_none(), "another user's streams are untouched");
        drop(first);
        assert_eq!(hub.subscribers(), 3, "the closed one had left already");
    }

    #[tokio::test]
    async fn forwards_to_other_processes_and_closes_streams() {
        let hub = Hub::default();
        let (tx, mut rx) = mpsc::unbounded_channel();
        hub.forward_to(tx);
        let mut a = hub.subscribe("a", None);
        hub.wake("a");
        hub.wake_here("a"); // from another process: not sent back
        assert!(matches!(rx.try_recv(), Ok(Remote::Wake(u)) if &*u == "a"));
        assert!(rx.try_recv().is_err());
        assert!(matches!(next(&mut a).await, Some(Signal::Wake)));
        hub.close();
        assert!(matches!(next(&mut a).await, Some(Signal::Closed)));
        let mut late = hub.subscribe("b", None);
        assert!(matches!(next(&mut late).await, Some(Signal::Closed)), "closed for new streams too");
    }

    #[test]
    fn reports_the_first_stream_of_a_user_and_the_last_closing() {
        let hub = Hub::default();
        let held = hub.subscribe("a", None);
        let (tx, mut rx) = mpsc::unbounded_channel();
        hub.report_interest(tx);
        let mut seen = || {
            std::iter::from_fn(|| rx.try_recv().ok())
                .map(|i| match i {
                    Interest::Hold(u) => format!("+{u}"),
                    Interest::Release(u) => format!("-{u}"),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(seen(), ["+a"], "the users held before");
        let a2 = hub.subscribe("a", None);
        let b = hub.subscribe("b", None);
        assert_eq!(seen(), ["+b"]);
        drop(held);
        assert_eq!(seen(), Vec::<String>::new(), "a still has a stream");
        drop(a2);
        drop(b);
        assert_eq!(seen(), ["-a", "-b"]);
    }
}
