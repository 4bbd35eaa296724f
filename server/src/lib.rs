//! `bell-server`: the notification server behind the `<qontak-bell>` widget.
//!
//! `app(state)` builds the whole HTTP surface so tests can serve it on a
//! loopback port; `start(config)` opens the store, starts the background
//! tasks and serves. `main.rs` only reads the environment.

pub mod approvals;
pub mod auth;
pub mod body;
pub mod bus;
pub mod clock;
pub mod config;
pub mod cursor;
pub mod delivery;
pub mod demo;
pub mod error;
pub mod hub;
pub mod ingest;
pub mod openapi;
pub mod pipeline;
pub mod preferences;
pub mod push;
pub mod retention;
pub mod routes;
pub mod routing;
pub mod seal;
pub mod serve;
pub mod sql;
pub mod store;
pub mod stream;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use auth::Auth;
pub use config::Config;
pub use store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub auth: Auth,
    pub config: Arc<Config>,
    /// Wakes the stream connections of a user when something of theirs changed.
    pub hub: hub::Hub,
    /// The streams' reads of the store, those woken together made together.
    pub stream_reads: stream::Reads,
    /// Streams that hyper serves on a kept-alive connection (for `/healthz`).
    pub reused_streams: stream::ReusedStreams,
    /// Routes new notifications to devices, beside the requests.
    pub deliveries: delivery::Deliveries,
    /// Seals stream ids and page cursors.
    pub seal: seal::Seal,
    /// The decision webhook's outbox, when `BELL_DECISION_WEBHOOK_URL` is set.
    pub webhook: Option<webhook::Outbox>,
    /// Users' preferences, kept off the database on the ingest and routing paths.
    pub preferences: preferences::PreferenceCache,
    /// The bus to the other processes, if any.
    pub bus: bus::BusInfo,
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

impl AppState {
    pub async fn new(config: Config) -> anyhow::Result<AppState> {
        let store = Store::open(&config.database_url, config.database_pool).await?;
        let auth = Auth::with(&config.jwt_secret, &config.service_token, config.tokens.clone());
        let hub = hub::Hub::with_max_streams_per_user(config.max_streams_per_user);
        let preferences = preferences::PreferenceCache::default();
        let bus = match (&config.bus_url, store.backend()) {
            (Some(url), store::Backend::Postgres) => {
                let bus = bus::BusInfo { kind: "nats", ..Default::default() };
                bus::nats::connect(url, &hub, &preferences, bus.received.clone()).await?;
                bus
            }
            (Some(_), _) => anyhow::bail!("BELL_BUS_URL needs PostgreSQL: on SQLite, one process holds every stream"),
            (None, store::Backend::Postgres) => {
                let bus = bus::BusInfo { kind: "notify", ..Default::default() };
                bus::notify::connect(&config.database_url, &hub, &preferences, bus.received.clone()).await?;
                bus
            }
            (None, _) => bus::BusInfo { kind: "none", ..Default::default() },
        };
        let gateway = match &config.fcm_credentials {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("BELL_FCM_CREDENTIALS {}: {e}", path.display()))?;
                let account: push::ServiceAccount = serde_json::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("BELL_FCM_CREDENTIALS is not a service-account key: {e}"))?;
                let fcm: Arc<dyn push::PushGateway> = Arc::new(push::Fcm::new(account, &config.fcm_endpoint)?);
                tokio::spawn(push::run_outbox(
                    store.clone(),
                    fcm,
                    config.push_backoff,
                    std::time::Duration::from_millis(200),
                ));
                true
            }
            None => false,
        };
        let deliveries =
            delivery::Deliveries::start(store.clone(), hub.clone(), preferences.clone(), config.presence_ttl, gateway);
        let seal = seal::Seal::new(&config.jwt_secret);
        // As many reads in flight as cores: the rest of the pool serves pages.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let stream_reads = stream::Reads::start(store.clone(), stream::BATCH, cores.clamp(2, 8));
        let webhook = config.webhook.clone().map(|w| webhook::start(store.clone(), w)).transpose()?;
        Ok(AppState {
            store,
            auth,
            config: Arc::new(config),
            hub,
            stream_reads,
            reused_streams: stream::ReusedStreams::default(),
            deliveries,
            seal,
            webhook,
            preferences,
            bus,
        })
    }
}

/// The whole HTTP surface: API, OpenAPI document, health, widget files.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let widget = ServeDir::new(&state.config.widget_dir);
    let cors = cors(&state.config.allowed_origins);
    let body_timeout = state.config.body_read_timeout;
    let demo = state.config.demo.then(|| demo::routes().with_state(state.clone()));
    let mut router = routes::router(state);
    if let Some(demo) = demo {
        router = router.merge(demo);
    }
    router
        .nest_service("/widget", widget)
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                // The path only: query strings may carry `access_token`.
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // A body that trickles in slower than this is cut off (408).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(body_timeout))
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("last-event-id")])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(std::time::Duration::from_secs(3600))
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Opens the store, starts the retention purge and serves on `config.listen`
/// until `shutdown` resolves.
pub async fn start(
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    let state = AppState::new(config).await?;
    if state.config.demo {
        demo::seed(&state).await?;
    }
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    let addr = listener.local_addr()?;
    let purge =
        tokio::spawn(retention::run(state.store.clone(), state.config.purge_interval, state.config.purge_batch));
    let router = app(state.clone());
    let limits = serve::Limits {
        header_read_timeout: state.config.header_read_timeout,
        max_connections: serve::connections_that_fit(state.config.max_connections),
    };
    let (hub, store) = (state.hub.clone(), state.store.clone());
    let task = tokio::spawn(async move {
        // On shutdown: stop accepting, end every stream (clients reconnect
        // elsewhere), let in-flight requests finish, then close the database.
        let shutdown = async move {
            shutdown.await;
            tracing::info!("shutting down: draining requests and streams");
            hub.close();
        };
        let served = serve::serve(listener, router, limits, shutdown).await;
        purge.abort();
        store.close().await;
        served
    });
    Ok(Running { addr, state, task })
}
