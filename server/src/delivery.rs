//! After ingestion: route each new notification (or incoming message) to the
//! user's devices, record every decision, and hand browser pop-ups to the
//! stream of the device that gets one.
//!
//! One worker does it beside the requests, so producers never wait for it,
//! and it takes whatever jobs are waiting together: one look-up of devices,
//! presence and settings for all their users, one insert of all decisions.
//! Most users have no registered device, so this costs two small queries
//! per batch rather than per event.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bell_protocol::{Actor, Topic};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::clock::now_ms;
use crate::hub::Hub;
use crate::preferences::PreferenceCache;
use crate::preferences::UserPrefs;
use crate::routing::{Channel, Decision, route};
use crate::store::{NewDelivery, NewPush, Store};

/// What a pop-up shows, shared by all recipients of one event.
pub struct Routed {
    pub kind: &'static str,
    pub args: Map<String, Value>,
    pub actor: Actor,
    pub link: Option<String>,
    /// Chat events (Inbox kinds, incoming messages) follow presence; CRM events always go out.
    pub chat: bool,
    /// Whose preferences (category and channel) it falls under.
    pub topic: Topic,
}

/// One event's recipients: `(user, notification key)`.
struct Job {
    what: Arc<Routed>,
    targets: Vec<(String, String)>,
}

const MAX_JOBS: usize = 256;
const GATHER: Duration = Duration::from_millis(5);

/// The handle of the delivery worker, which routes stored events to devices.
#[derive(Clone)]
pub struct Deliveries(mpsc::Sender<Job>);

impl Deliveries {
    /// `push` says whether a push gateway is configured.
    pub fn start(
        store: Store,
        hub: Hub,
        preferences: PreferenceCache,
        presence_ttl: Duration,
        push: bool,
    ) -> Deliveries {
        let (tx, rx) = mpsc::channel(16 * MAX_JOBS);
        let routing = Routing { store, hub, preferences, presence_ttl, push };
        tokio::spawn(work(routing, rx));
        Deliveries(tx)
    }

    /// Queues `what` for each `(user, key)`; waits only when the worker is far behind.
    pub async fn submit(&self, what: Routed, targets: Vec<(String, String)>) {
        if !targets.is_empty() {
            let _ = self.0.send(Job { what: Arc::new(what), targets }).await;
        }
    }
}

/// What routing reads and whom it tells.
struct Routing {
    store: Store,
    hub: Hub,
    preferences: PreferenceCache,
    presence_ttl: Duration,
    /// Whether a push gateway is configured.
    push: bool,
}

async fn work(routing: Routing, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_JOBS);
    while jobs.recv_many(&mut batch, MAX_JOBS).await > 0 {
        // Gather a little longer: under load a batch then shares its queries
        // across dozens of events, for 5 ms of pop-up latency.
        if batch.len() < MAX_JOBS {
            tokio::time::sleep(GATHER).await;
            while batch.len() < MAX_JOBS {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
        }
        if let Err(e) = route_batch(&routing, &batch).await {
            tracing::warn!(error = format!("{e:#}"), "routing failed");
        }
        batch.clear();
    }
}

async fn route_batch(routing: &Routing, batch: &[Job]) -> anyhow::Result<()> {
    let Routing { store, hub, preferences, presence_ttl, push } = routing;
    let now = now_ms();
    let mut users: Vec<&str> = batch.iter().flat_map(|j| j.targets.iter().map(|(u, _)| u.as_str())).collect();
    users.sort_unstable();
    users.dedup();
    let inputs = store.routing_inputs(&users, now - presence_ttl.as_millis() as i64).await?;
    if inputs.is_empty() {
        return Ok(());
    }
    let with_devices: Vec<&str> = inputs.keys().map(String::as_str).collect();
    let sound = store.sound_of(&with_devices).await?;
    let prefs: HashMap<&str, Arc<UserPrefs>> =
        with_devices.iter().copied().zip(preferences.of(store, &with_devices).await?).collect();
    let mut decisions = Vec::new();
    let mut pushes = Vec::new();
    for job in batch {
        for (user, key) in &job.targets {
            let Some((devices, presence)) = inputs.get(user) else { continue };
            let mut routed = route(job.what.chat, devices, presence);
            if let Some(prefs) = prefs.get(user.as_str()) {
                apply_preferences(&mut routed, prefs, job.what.topic, now);
            }
            // What a pop-up or push carries; a pop-up adds whether it is silent.
            let w = &job.what;
            let mut payload = json!({"tag": key, "kind": w.kind, "args": w.args, "actor": w.actor, "link": w.link});
            for d in routed.iter_mut().filter(|d| d.sent && d.channel == Channel::Push) {
                let token = devices.iter().find(|x| x.device_id == d.device_id).and_then(|x| x.push_token.clone());
                match (*push, token) {
                    (true, Some(token)) => {
                        pushes.push(NewPush {
                            user_id: user.clone(),
                            device_id: d.device_id.clone(),
                            token,
                            payload: payload.to_string(),
                        });
                    }
                    _ => {
                        d.sent = false;
                        d.reason = "no push gateway is configured";
                    }
                }
            }
            payload["silent"] = json!(!sound.get(user).copied().unwrap_or(true));
            let popup = payload.to_string();
            for d in routed.iter().filter(|d| d.sent && d.channel == Channel::Browser) {
                hub.popup(user, &d.device_id, popup.clone());
            }
            decisions.extend(routed.into_iter().map(|decision| NewDelivery {
                user_id: user.clone(),
                notification_key: key.clone(),
                decision,
            }));
        }
    }
    store.queue_pushes(&pushes, now).await?;
    store.record_deliveries(&decisions, now).await
}

/// The user's say over what routing would send: a channel they turned off
/// for this category, and anything inside their quiet hours, is suppressed.
fn apply_preferences(routed: &mut [Decision], prefs: &UserPrefs, topic: Topic, now: i64) {
    let quiet = prefs.quiet_at(now);
    for d in routed.iter_mut().filter(|d| d.sent) {
        let channel = match d.channel {
            Channel::Browser => bell_protocol::Channel::Browser,
            Channel::Push => bell_protocol::Channel::Push,
        };
        if !prefs.allows(topic, channel) {
            (d.sent, d.reason) = (false, "muted by preference");
        } else if quiet {
            (d.sent, d.reason) = (false, "quiet hours");
        }
    }
}
