//! Mobile push: a gateway trait with an FCM HTTP v1 implementation, and the
//! outbox worker that drains queued pushes through it — retrying with
//! backoff on 5xx/429 and network errors, dropping a device's token when FCM
//! answers UNREGISTERED. Nothing is lost while the gateway is down.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::clock::now_ms;
use crate::store::Store;

/// Why a push did not leave.
#[derive(Debug, PartialEq, Eq)]
pub enum PushError {
    /// The token is dead: forget it.
    Unregistered,
    /// Try again later (5xx, 429, network).
    Retry(String),
    /// Refused for good (other 4xx).
    Rejected(String),
}

pub type PushFuture<'a> = Pin<Box<dyn Future<Output = Result<(), PushError>> + Send + 'a>>;

/// Sends one data message to one device token.
pub trait PushGateway: Send + Sync {
    fn send<'a>(&'a self, token: &'a str, data: &'a Map<String, Value>) -> PushFuture<'a>;
}

/// The fields of a Google service-account key file that FCM needs.
#[derive(Clone, Deserialize)]
pub struct ServiceAccount {
    pub project_id: String,
    pub client_email: String,
    pub private_key: String,
    pub token_uri: String,
}

/// FCM HTTP v1: OAuth2 access tokens from the service account (an RS256 JWT
/// assertion), then `POST {endpoint}/v1/projects/{project}/messages:send`.
pub struct Fcm {
    client: reqwest::Client,
    account: ServiceAccount,
    key: jsonwebtoken::EncodingKey,
    endpoint: String,
    access: Mutex<Option<(String, Instant)>>,
}

impl Fcm {
    pub fn new(account: ServiceAccount, endpoint: &str) -> anyhow::Result<Fcm> {
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .context("the service account's private_key is not an RSA PEM key")?;
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
        Ok(Fcm { client, account, key, endpoint: endpoint.trim_end_matches('/').to_owned(), access: Mutex::new(None) })
    }

    /// A cached access token, renewed a minute before it expires.
    async fn access_token(&self) -> Result<String, PushError> {
        let mut cached = self.access.lock().await;
        if let Some((token, until)) = cached.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let iat = (now_ms() / 1000) as u64;
        let claims = json!({
            "iss": self.account.client_email, "scope": "https://www.googleapis.com/auth/firebase.messaging",
            "aud": self.account.token_uri, "iat": iat, "exp": iat + 3600,
        });
        let assertion =
            jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256), &claims, &self.key)
                .map_err(|e| PushError::Rejected(format!("signing the assertion: {e}")))?;
        let response = self
            .client
            .post(&self.account.token_uri)
            .form(&[("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", &assertion)])
            .send()
            .await
            .map_err(|e| PushError::Retry(format!("token endpoint: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            let why = format!("token endpoint answered {status}");
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                PushError::Retry(why)
            } else {
                PushError::Rejected(why)
            });
        }
        let body: Value = response.json().await.map_err(|e| PushError::Retry(format!("token answer: {e}")))?;
        let token = body["access_token"].as_str().ok_or_else(|| PushError::Retry("no access_token".into()))?.to_owned();
        let lifetime = body["expires_in"].as_u64().unwrap_or(3600).saturating_sub(60);
        *cached = Some((token.clone(), Instant::now() + Duration::from_secs(lifetime)));
        Ok(token)
    }
}

impl PushGateway for Fcm {
    fn send<'a>(&'a self, token: &'a str, data: &'a Map<String, Value>) -> PushFuture<'a> {
        Box::pin(async move {
            let access = self.access_token().await?;
            // FCM data values are strings.
            let data: Map<String, Value> = data
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.as_str().map_or_else(|| v.to_string(), str::to_owned))))
                .collect();
            let message = json!({"message": {
                "token": token,
                "data": data,
                "android": {"priority": "high"},
                "apns": {"headers": {"apns-priority": "10"}},
            }});
            let url = format!("{}/v1/projects/{}/messages:send", self.endpoint, self.account.project_id);
            let response = self
                .client
                .post(url)
                .bearer_auth(access)
                .json(&message)
                .send()
                .await
                .map_err(|e| PushError::Retry(format!("FCM: {e}")))?;
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let unregistered =
                body["error"]["details"].as_array().is_some_and(|d| d.iter().any(|x| x["errorCode"] == "UNREGISTERED"));
            if unregistered || status.as_u16() == 404 {
                return Err(PushError::Unregistered);
            }
            if status.is_server_error() || status.as_u16() == 429 {
                return Err(PushError::Retry(format!("FCM answered {status}")));
            }
            if status.as_u16() == 401 {
                *self.access.lock().await = None;
                return Err(PushError::Retry("FCM refused the access token".into()));
            }
            Err(PushError::Rejected(format!("FCM answered {status}: {body}")))
        })
    }
}

/// Delay before retry `attempt` (1, 2, 4 … × `base`, at most 5 minutes).
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1 << attempt.min(16)).min(Duration::from_secs(300))
}

/// Drains the outbox through `gateway` until the task is dropped.
pub async fn run_outbox(store: Store, gateway: Arc<dyn PushGateway>, base_backoff: Duration, poll: Duration) {
    let mut ticker = tokio::time::interval(poll);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let due = match store.due_pushes(now_ms(), 100).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), "reading the push outbox failed");
                continue;
            }
        };
        for push in due {
            let payload: Map<String, Value> = serde_json::from_str(&push.payload).unwrap_or_default();
            let result = gateway.send(&push.token, &payload).await;
            let outcome = match result {
                Ok(()) => store.push_done(push.id).await,
                Err(PushError::Unregistered) => store.push_unregistered(push.id, &push.user_id, &push.device_id).await,
                Err(PushError::Retry(why)) => {
                    tracing::info!(why, attempts = push.attempts + 1, "push will be retried");
                    let next = now_ms() + backoff(base_backoff, push.attempts as u32).as_millis() as i64;
                    store.push_retry(push.id, next).await
                }
                Err(PushError::Rejected(why)) => {
                    tracing::warn!(why, "push refused for good");
                    store.push_done(push.id).await
                }
            };
            if let Err(e) = outcome {
                tracing::warn!(error = format!("{e:#}"), "updating the push outbox failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 0), Duration::from_secs(1));
        assert_eq!(backoff(base, 3), Duration::from_secs(8));
        assert_eq!(backoff(base, 30), Duration::from_secs(300));
    }
}
