//! After ingestion: route each new notification (or incoming message) to the
//! user's devices, record every decision, and hand browser pop-ups to the
//! stream of the device that gets one. Runs beside the request, so producers
//! never wait for it.

use bell_protocol::Actor;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::clock::now_ms;
use crate::routing::{Channel, route};

/// What a pop-up shows, shared by all recipients of one event.
pub struct Routed {
    pub kind: &'static str,
    pub args: Map<String, Value>,
    pub actor: Actor,
    pub link: Option<String>,
    /// Chat events (Inbox kinds, incoming messages) follow presence; CRM events always go out.
    pub chat: bool,
}

/// Routes `what` for each `(user, notification key)`.
pub async fn deliver(state: AppState, what: Routed, targets: Vec<(String, String)>) {
    let now = now_ms();
    let fresh_since = now - state.config.presence_ttl.as_millis() as i64;
    for (user, key) in targets {
        let (devices, presence) = match state.store.routing_inputs(&user, fresh_since).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "routing inputs failed");
                continue;
            }
        };
        let decisions = route(what.chat, &devices, &presence);
        if decisions.is_empty() {
            continue;
        }
        if let Err(e) = state.store.record_deliveries(&user, &key, &decisions, now).await {
            tracing::warn!(error = format!("{e:#}"), "recording deliveries failed");
        }
        let sound = state.store.sound(&user).await.unwrap_or(true);
        for d in decisions.iter().filter(|d| d.sent && d.channel == Channel::Browser) {
            let payload = json!({
                "tag": key, "kind": what.kind, "args": what.args, "actor": what.actor, "link": what.link, "silent": !sound,
            });
            state.hub.popup(&user, &d.device_id, payload.to_string());
        }
    }
}
