//! The decision webhook (API.md §6): every decision taken in the bell is
//! POSTed to `BELL_DECISION_WEBHOOK_URL`, signed, at least once.
//!
//! The `decisions` table is the outbox: a decision is written there in the
//! transaction that settles its approval, so it cannot be lost, and leaves
//! it only when the receiver answered `2xx`. Failures (an error status, a
//! timeout, a refused connection) are retried, the first within a second,
//! the delay doubling up to 5 minutes; a restart picks up where it was.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::Notify;

use crate::clock::now_ms;
use crate::push::backoff;
use crate::store::Store;

/// Decisions sent per pass.
const BATCH: u32 = 100;
/// How long a receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How long another process leaves decisions it sees taken alone
/// (PostgreSQL): longer than a pass can take.
const LEASE: Duration = Duration::from_secs(30);
/// How often the outbox looks for work it was not told about (decisions
/// of other processes, retries that came due).
const POLL: Duration = Duration::from_millis(250);

/// Where decisions go and how they are signed.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    pub url: url::Url,
    pub secret: String,
    /// The first retry's delay.
    pub first_retry: Duration,
}

/// A handle on the running outbox: `kick` after queueing a decision so it
/// leaves at once instead of at the next poll.
#[derive(Clone, Default)]
pub struct Outbox(Arc<Notify>);

impl Outbox {
    pub fn kick(&self) {
        self.0.notify_one();
    }
}

/// `Bell-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(secret: &str, t: u64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body.as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// Starts draining the outbox to the receiver.
pub fn start(store: Store, settings: WebhookSettings) -> anyhow::Result<Outbox> {
    let client = reqwest::Client::builder().timeout(TIMEOUT).connect_timeout(Duration::from_secs(5)).build()?;
    let outbox = Outbox::default();
    tokio::spawn(run(store, client, settings, outbox.clone()));
    Ok(outbox)
}

async fn run(store: Store, client: reqwest::Client, settings: WebhookSettings, outbox: Outbox) {
    // Until shutdown closes the store (what is left is sent after the restart).
    while !store.is_closed() {
        let now = now_ms();
        let due = match store.due_decisions(now, now + LEASE.as_millis() as i64, BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "reading the decision outbox failed");
                Vec::new()
            }
        };
        if due.is_empty() {
            let _ = tokio::time::timeout(POLL, outbox.0.notified()).await;
            continue;
        }
        let mut delivered = Vec::with_capacity(due.len());
        for decision in &due {
            match send(&client, &settings, &decision.body).await {
                Ok(()) => delivered.push(decision.id),
                Err(why) => {
                    let delay = backoff(settings.first_retry, decision.attempts as u32);
                    tracing::info!(why, attempts = decision.attempts + 1, "decision webhook will be retried");
                    if let Err(e) = store.decision_retry(decision.id, now_ms() + delay.as_millis() as i64).await {
                        tracing::warn!(error = format!("{e:#}"), "updating the decision outbox failed");
                    }
                }
            }
        }
        // If this fails the decisions are sent again: at least once.
        if let Err(e) = store.decisions_delivered(&delivered).await {
            tracing::warn!(error = format!("{e:#}"), "updating the decision outbox failed");
        }
    }
}

async fn send(client: &reqwest::Client, settings: &WebhookSettings, body: &str) -> Result<(), String> {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    let response = client
        .post(settings.url.clone())
        .header("content-type", "application/json")
        .header("bell-signature", signature(&settings.secret, t, body))
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| format!("{e}"))?;
    let status = response.status();
    if status.is_success() { Ok(()) } else { Err(format!("the receiver answered {status}")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_time_and_body() {
        // From `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec`.
        assert_eq!(
            signature("whsec", 1_700_000_000, r#"{"a":1}"#),
            "t=1700000000,v1=8ad37ba156048ae0e0a5533c75cdf26fee88b07f93cb57ee4c80adb053012032"
        );
    }
}
