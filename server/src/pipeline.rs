//! The way of every event (README "The way of one event"): validate against
//! the kinds table, store, wake the recipients' streams, and queue routing
//! to their devices. Producers (`POST /v1/events`) and the demo both use it.

use bell_protocol::{Channel, NewEvent, Tab, Topic};

use crate::AppState;
use crate::clock::now_ms;
use crate::error::AppResult;
use crate::store::Ingested;

pub async fn accept(state: &AppState, event: NewEvent) -> AppResult<Ingested> {
    let now = now_ms();
    let mut event = crate::ingest::validate(event, &state.config.allowed_link_hosts, now)?;
    // Who turned this category's bell off gets no copy (counted as suppressed).
    let topic = Topic::of(event.spec);
    if topic.bell_optional() {
        let recipients: Vec<&str> = event.recipients.iter().map(String::as_str).collect();
        let prefs = state.preferences.of(&state.store, &recipients).await?;
        event.bell_off = recipients
            .iter()
            .zip(prefs)
            .filter(|(_, p)| !p.allows(topic, Channel::Bell))
            .map(|(r, _)| (*r).to_owned())
            .collect();
    }
    let routed = crate::delivery::Routed {
        kind: event.spec.name,
        args: event.args.clone(),
        actor: event.actor.clone(),
        link: event.link.clone(),
        chat: event.spec.placement.is_none_or(|(tab, _)| tab == Tab::Inbox),
        topic: Topic::of(event.spec),
    };
    // Incoming messages are never stored: they are routed by their event id.
    let incoming: Vec<(String, String)> = match event.spec.placement {
        None => event.recipients.iter().map(|r| (r.clone(), event.id.clone())).collect(),
        Some(_) => Vec::new(),
    };
    let ingested = state.store.ingest(event, now).await?;
    for (user, _) in &ingested.stored {
        state.hub.wake(user);
    }
    if !ingested.outcome.duplicate {
        let mut targets: Vec<(String, String)> =
            ingested.stored.iter().map(|(u, n)| (u.clone(), n.id.clone())).collect();
        targets.extend(incoming);
        state.deliveries.submit(routed, targets).await;
    }
    Ok(ingested)
}
