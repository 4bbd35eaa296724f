//! Server configuration from the environment (API.md §1).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    /// PostgreSQL pool size and wait (SQLite has one writer and fixed readers).
    pub database_pool: crate::store::PoolSettings,
    pub jwt_secret: String,
    /// What user tokens must say and what may verify them (beside the secret).
    pub tokens: crate::auth::TokenSettings,
    pub service_token: String,
    /// Hosts an absolute https link may point to (lower-case).
    pub allowed_link_hosts: Vec<String>,
    pub presence_ttl: Duration,
    pub allowed_origins: Vec<String>,
    pub widget_dir: PathBuf,
    /// How often the retention purge runs.
    pub purge_interval: Duration,
    /// Rows deleted per purge statement, so no delete holds the writer long.
    pub purge_batch: u32,
    /// A Google service-account key file: mobile pushes go out through FCM.
    pub fcm_credentials: Option<PathBuf>,
    /// Where FCM is (tests point it at loopback).
    pub fcm_endpoint: String,
    /// First retry delay of a failed push (doubling each time).
    pub push_backoff: Duration,
    /// How often an idle stream sends a comment, so proxies keep it open.
    pub stream_keep_alive: Duration,
    /// Streams one user may hold per process; a new one closes the oldest.
    pub max_streams_per_user: usize,
    /// How long a client may take to send a request's headers, and how long
    /// a keep-alive connection may sit idle.
    pub header_read_timeout: Duration,
    /// How long a client may take to send a request's body.
    pub body_read_timeout: Duration,
    /// Open connections at most (also kept under the open-file limit).
    pub max_connections: usize,
    /// Where decisions taken in the bell are POSTed, and the signing key.
    pub webhook: Option<crate::webhook::WebhookSettings>,
    /// A NATS server carrying signals between processes (`nats://host:port`);
    /// without it, PostgreSQL's LISTEN/NOTIFY does.
    pub bus_url: Option<String>,
    pub demo: bool,
}

/// The fixed secrets of `--demo` (never valid outside demo mode, which refuses
/// to start without them being these).
pub const DEMO_JWT_SECRET: &str = "demo-jwt-secret-not-for-production";
pub const DEMO_SERVICE_TOKEN: &str = "demo-service-token";
/// The demo's decision webhook signs with this key; its receiver is the
/// demo itself (`/demo/webhook`), unless `BELL_DECISION_WEBHOOK_URL` is set.
pub const DEMO_WEBHOOK_SECRET: &str = "demo-webhook-secret";

impl Config {
    /// Reads the environment through `var` (a closure, so tests need not touch
    /// the process environment).
    pub fn from_env(demo: bool, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let get = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let list = |name: &str| -> Vec<String> {
            get(name)
                .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default()
        };
        let secret = |name: &str, demo_value: &str| -> anyhow::Result<String> {
            match get(name) {
                Some(v) => Ok(v),
                None if demo => Ok(demo_value.to_owned()),
                None => bail!("{name} is not set: the server refuses to start without it (or run with --demo)"),
            }
        };
        let count = |name: &str, default: usize| -> anyhow::Result<usize> {
            match get(name) {
                Some(v) => {
                    v.parse().ok().filter(|n| *n > 0).with_context(|| format!("{name}: {v:?} is not a positive number"))
                }
                None => Ok(default),
            }
        };
        let secs = |name: &str, default: u64| -> anyhow::Result<Duration> {
            match get(name) {
                Some(v) => Ok(Duration::from_secs(v.parse().with_context(|| format!("{name} must be whole seconds"))?)),
                None => Ok(Duration::from_secs(default)),
            }
        };
        // Intervals that drive timers: zero would spin (or panic in tokio).
        let positive_secs = |name: &str, default: u64| -> anyhow::Result<Duration> {
            let d = secs(name, default)?;
            anyhow::ensure!(!d.is_zero(), "{name} must be at least 1 second");
            Ok(d)
        };
        let listen = get("BELL_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        Ok(Config {
            listen: listen
                .parse()
                .with_context(|| format!("BELL_LISTEN: {listen:?} is not an address such as 127.0.0.1:8080"))?,
            database_url: get("BELL_DATABASE_URL").unwrap_or_else(|| "sqlite://bell.db".into()),
            database_pool: crate::store::PoolSettings {
                max_connections: u32::try_from(count(
                    "BELL_DATABASE_MAX_CONNECTIONS",
                    crate::store::PoolSettings::default().max_connections as usize,
                )?)
                .context("BELL_DATABASE_MAX_CONNECTIONS: too large")?,
                acquire_timeout: positive_secs("BELL_DATABASE_ACQUIRE_TIMEOUT_SECS", 5)?,
            },
            jwt_secret: secret("BELL_JWT_SECRET", DEMO_JWT_SECRET)?,
            tokens: crate::auth::TokenSettings {
                audience: get("BELL_JWT_AUDIENCE"),
                issuer: get("BELL_JWT_ISSUER"),
                public_keys: list("BELL_JWT_PUBLIC_KEYS")
                    .iter()
                    .map(|entry| crate::auth::PublicKey::read(entry))
                    .collect::<anyhow::Result<_>>()
                    .context("BELL_JWT_PUBLIC_KEYS")?,
            },
            service_token: secret("BELL_SERVICE_TOKEN", DEMO_SERVICE_TOKEN)?,
            allowed_link_hosts: list("BELL_ALLOWED_LINK_HOSTS").into_iter().map(|h| h.to_ascii_lowercase()).collect(),
            presence_ttl: secs("BELL_PRESENCE_TTL_SECS", 60)?,
            allowed_origins: list("BELL_ALLOWED_ORIGINS"),
            widget_dir: get("BELL_WIDGET_DIR").unwrap_or_else(|| "dist".into()).into(),
            purge_interval: positive_secs("BELL_PURGE_INTERVAL_SECS", 300)?,
            purge_batch: 1000,
            fcm_credentials: get("BELL_FCM_CREDENTIALS").map(PathBuf::from),
            fcm_endpoint: get("BELL_FCM_ENDPOINT").unwrap_or_else(|| "https://fcm.googleapis.com".into()),
            push_backoff: Duration::from_secs(1),
            stream_keep_alive: positive_secs("BELL_STREAM_KEEPALIVE_SECS", 15)?,
            header_read_timeout: positive_secs("BELL_HEADER_READ_TIMEOUT_SECS", 15)?,
            body_read_timeout: positive_secs("BELL_BODY_READ_TIMEOUT_SECS", 30)?,
            max_connections: count("BELL_MAX_CONNECTIONS", 20_000)?,
            max_streams_per_user: count("BELL_MAX_STREAMS_PER_USER", crate::hub::MAX_STREAMS_PER_USER)?,
            bus_url: match get("BELL_BUS_URL") {
                Some(url) if !(url.starts_with("nats://") || url.starts_with("tls://")) => {
                    bail!("BELL_BUS_URL: {url:?} is not a NATS server address such as nats://127.0.0.1:4222")
                }
                url => url,
            },
            webhook: match get("BELL_DECISION_WEBHOOK_URL") {
                None if demo => Some(crate::webhook::WebhookSettings {
                    url: url::Url::parse(&format!("http://{listen}/demo/webhook"))
                        .context("the demo's webhook address")?,
                    secret: DEMO_WEBHOOK_SECRET.into(),
                    first_retry: Duration::from_millis(500),
                }),
                None => None,
                Some(url) => {
                    let url = url::Url::parse(&url)
                        .ok()
                        .filter(|u| matches!(u.scheme(), "http" | "https"))
                        .with_context(|| format!("BELL_DECISION_WEBHOOK_URL: {url:?} is not an http(s) URL"))?;
                    let secret = get("BELL_WEBHOOK_SECRET")
                        .context("BELL_WEBHOOK_SECRET is required when BELL_DECISION_WEBHOOK_URL is set")?;
                    let first_retry = Duration::from_millis(count("BELL_WEBHOOK_FIRST_RETRY_MS", 500)? as u64);
                    if first_retry > Duration::from_secs(1) {
                        bail!("BELL_WEBHOOK_FIRST_RETRY_MS: at most 1000 (the first retry comes within a second)");
                    }
                    Some(crate::webhook::WebhookSettings { url, secret, first_retry })
                }
            },
            demo,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn refuses_to_start_without_secrets_unless_demo() {
        let err = Config::from_env(false, env(&[("BELL_SERVICE_TOKEN", "s")])).unwrap_err();
        assert!(err.to_string().contains("BELL_JWT_SECRET"), "{err}");
        let err = Config::from_env(false, env(&[("BELL_JWT_SECRET", "j")])).unwrap_err();
        assert!(err.to_string().contains("BELL_SERVICE_TOKEN"), "{err}");
        let demo = Config::from_env(true, env(&[])).unwrap();
        assert_eq!(demo.jwt_secret, DEMO_JWT_SECRET);
    }

    #[test]
    fn reads_pool_settings_and_names_a_bad_one() {
        let base = [("BELL_JWT_SECRET", "j"), ("BELL_SERVICE_TOKEN", "s")];
        let with = |extra: (&'static str, &'static str)| {
            let mut pairs = base.to_vec();
            pairs.push(extra);
            Config::from_env(false, env(&pairs.leak()[..]))
        };
        let c = with(("BELL_DATABASE_MAX_CONNECTIONS", "40")).unwrap();
        assert_eq!(c.database_pool.max_connections, 40);
        let c = with(("BELL_DATABASE_ACQUIRE_TIMEOUT_SECS", "2")).unwrap();
        assert_eq!(c.database_pool.acquire_timeout, Duration::from_secs(2));
        for bad in ["0", "-3", "many"] {
            let err = with(("BELL_DATABASE_MAX_CONNECTIONS", bad.to_owned().leak())).unwrap_err();
            assert!(err.to_string().contains("BELL_DATABASE_MAX_CONNECTIONS"), "{err}");
        }
        assert_eq!(with(("BELL_MAX_STREAMS_PER_USER", "4")).unwrap().max_streams_per_user, 4);
        assert_eq!(with(("BELL_TOKEN_UNUSED", "x")).unwrap().max_streams_per_user, crate::hub::MAX_STREAMS_PER_USER);
        for bad in ["0", "lots"] {
            let err = with(("BELL_MAX_STREAMS_PER_USER", bad.to_owned().leak())).unwrap_err();
            assert!(err.to_string().contains("BELL_MAX_STREAMS_PER_USER"), "{err}");
        }
        assert_eq!(
            with(("BELL_BUS_URL", "nats://127.0.0.1:4222")).unwrap().bus_url.as_deref(),
            Some("nats://127.0.0.1:4222")
        );
        assert_eq!(with(("BELL_TOKEN_UNUSED", "x")).unwrap().bus_url, None);
        let err = with(("BELL_BUS_URL", "redis://127.0.0.1")).unwrap_err();
        assert!(err.to_string().contains("BELL_BUS_URL"), "{err}");
        let err = with(("BELL_DATABASE_ACQUIRE_TIMEOUT_SECS", "soon")).unwrap_err();
        assert!(format!("{err:#}").contains("BELL_DATABASE_ACQUIRE_TIMEOUT_SECS"), "{err:#}");
        for timer in ["BELL_PURGE_INTERVAL_SECS", "BELL_STREAM_KEEPALIVE_SECS", "BELL_DATABASE_ACQUIRE_TIMEOUT_SECS"] {
            let err = with((timer, "0")).unwrap_err();
            assert!(err.to_string().contains(timer), "{err}");
        }
    }

    #[test]
    fn reads_lists_and_defaults() {
        let c = Config::from_env(
            false,
            env(&[
                ("BELL_JWT_SECRET", "j"),
                ("BELL_SERVICE_TOKEN", "s"),
                ("BELL_ALLOWED_LINK_HOSTS", " App.Qontak.com, crm.qontak.com ,"),
                ("BELL_ALLOWED_ORIGINS", "https://chat.qontak.com"),
            ]),
        )
        .unwrap();
        assert_eq!(c.allowed_link_hosts, ["app.qontak.com", "crm.qontak.com"]);
        assert_eq!(c.allowed_origins, ["https://chat.qontak.com"]);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://bell.db");
        assert_eq!(c.presence_ttl, Duration::from_secs(60));
        assert_eq!(c.stream_keep_alive, Duration::from_secs(15));
        assert_eq!(c.database_pool.max_connections, 16);
        assert_eq!(c.database_pool.acquire_timeout, Duration::from_secs(5));
        assert!(
            Config::from_env(
                false,
                env(&[("BELL_JWT_SECRET", "j"), ("BELL_SERVICE_TOKEN", "s"), ("BELL_LISTEN", "nope")])
            )
            .is_err()
        );
    }
}
