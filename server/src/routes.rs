//! Thin HTTP handlers: parse, call the store, answer. Each is documented for
//! the generated OpenAPI document by its `#[utoipa::path]`.

use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use bell_protocol::query::{DEFAULT_LIMIT, MAX_LIMIT};
use bell_protocol::{
    Category, ErrorBody, IngestOutcome, NewEvent, Page, Preferences, PreferencesUpdate, ReadAll, ReadAllOutcome,
    Settings, StreamPosition, Tab, UnreadCounts,
};
use serde::Deserialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Producer, StreamUser, User, query_param};
use crate::body::{Body, Limited};
use crate::clock::now_ms;
use crate::cursor::Cursor;
use crate::error::{AppError, AppResult};
use crate::ingest::{self, MAX_EVENT_BYTES};
use crate::openapi::ApiDoc;
use crate::preferences::UserPrefs;
use crate::routing::{App, Device, Platform};
use crate::store::ListQuery;

/// Largest body of the user endpoints.
const MAX_USER_BODY_BYTES: usize = 4 * 1024;
/// Longest push token a device may register.
const MAX_PUSH_TOKEN_BYTES: usize = 4096;
/// A device registration: room for the longest push token besides the rest.
const MAX_DEVICE_BODY_BYTES: usize = MAX_USER_BODY_BYTES + MAX_PUSH_TOKEN_BYTES;

impl Limited for NewEvent {
    const LIMIT: usize = MAX_EVENT_BYTES;
}
impl Limited for ReadAll {
    const LIMIT: usize = MAX_USER_BODY_BYTES;
}
impl Limited for Settings {
    const LIMIT: usize = MAX_USER_BODY_BYTES;
}
impl Limited for PreferencesUpdate {
    const LIMIT: usize = MAX_USER_BODY_BYTES;
}
impl Limited for DeviceBody {
    const LIMIT: usize = MAX_DEVICE_BODY_BYTES;
}
impl Limited for PresenceBody {
    const LIMIT: usize = MAX_USER_BODY_BYTES;
}

pub fn router(state: AppState) -> Router {
    let (api_router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(ingest_event))
        .layer(DefaultBodyLimit::max(MAX_EVENT_BYTES))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(list_notifications))
                .routes(routes!(unread_count))
                .routes(routes!(mark_read))
                .routes(routes!(read_all))
                .routes(routes!(stream))
                .routes(routes!(get_settings, put_settings))
                .routes(routes!(get_preferences, put_preferences))
                .routes(routes!(put_presence, beacon_presence))
                .routes(routes!(deliveries))
                .layer(DefaultBodyLimit::max(MAX_USER_BODY_BYTES)),
        )
        .merge(crate::approvals::routes())
        .merge(OpenApiRouter::new().routes(routes!(put_device)).layer(DefaultBodyLimit::max(MAX_DEVICE_BODY_BYTES)))
        .routes(routes!(healthz))
        .split_for_parts();
    let api = std::sync::Arc::new(api);
    api_router
        .route("/openapi.json", get(move || std::future::ready(Json(api.as_ref().clone()))))
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .with_state(state)
}

/// Ingest a producer's event.
#[utoipa::path(
    post, path = "/v1/events", tag = "producers",
    request_body = NewEvent,
    security(("service_token" = [])),
    responses(
        (status = 202, description = "Stored for its recipients", body = IngestOutcome),
        (status = 200, description = "This event id was seen before; nothing changed", body = IngestOutcome),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "Missing or wrong service token", body = ErrorBody),
        (status = 403, description = "A user token", body = ErrorBody),
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    )
)]
async fn ingest_event(
    State(state): State<AppState>,
    _producer: Producer,
    Body(event): Body<NewEvent>,
) -> AppResult<impl IntoResponse> {
    let ingested = crate::pipeline::accept(&state, event).await?;
    let status = if ingested.outcome.duplicate { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok((status, Json(ingested.outcome)))
}

/// Query parameters of the feed.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// `general`, `inbox` or `approval`.
    tab: Tab,
    /// One of the tab's categories; all when absent.
    category: Option<Category>,
    /// Only unread notifications (`true`/`false`, or `1`/`0`).
    #[serde(default, deserialize_with = "flag")]
    unread_only: Option<bool>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1–100, default 20.
    #[serde(default, deserialize_with = "limit")]
    limit: Option<u32>,
}

/// `true`/`1` or `false`/`0`, as a query string writes them.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match String::deserialize(d)?.as_str() {
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(serde::de::Error::custom("true or false")),
    }
}

/// A page size from 1 to `MAX_LIMIT`.
fn limit<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let text = String::deserialize(d)?;
    match text.parse::<u32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)) {
        Some(n) => Ok(Some(n)),
        None => Err(serde::de::Error::custom(format!("a whole number from 1 to {MAX_LIMIT}"))),
    }
}

fn parse_list_query(raw: Option<&str>, seal: &crate::seal::Seal) -> AppResult<ListQuery> {
    let p: ListParams = crate::body::parse_query(raw)?;
    if let Some(c) = p.category.filter(|c| !p.tab.has_category(*c)) {
        let names: Vec<_> = p.tab.categories().iter().map(|c| c.as_str()).collect();
        let message =
            format!("`category` {} is not of tab {}: one of {}", c.as_str(), p.tab.as_str(), names.join(", "));
        return Err(AppError::field("invalid_query", "category", message));
    }
    let after = match p.cursor {
        None => None,
        Some(c) => Some(Cursor::open(&c, seal).ok_or_else(|| {
            AppError::field("invalid_cursor", "cursor", "`cursor` must be a `next_cursor` this server returned")
        })?),
    };
    Ok(ListQuery {
        tab: p.tab,
        category: p.category,
        unread_only: p.unread_only.unwrap_or(false),
        limit: p.limit.unwrap_or(DEFAULT_LIMIT),
        after,
    })
}

/// One page of the caller's notifications in a tab, newest first.
#[utoipa::path(
    get, path = "/v1/notifications", tag = "feed",
    params(ListParams),
    security(("user_token" = [])),
    responses(
        (status = 200, body = Page),
        (status = 401, body = ErrorBody),
        (status = 422, description = "A query parameter is wrong; `field` names it", body = ErrorBody),
    )
)]
async fn list_notifications(
    State(state): State<AppState>,
    User(user): User,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Page>> {
    let query = parse_list_query(raw.as_deref(), &state.seal)?;
    let (items, next) = state.store.page(&user, &query, now_ms()).await?;
    Ok(Json(Page { items, next_cursor: next.map(|c| c.seal(&state.seal)) }))
}

/// Unread counts of every tab and category (zeros included).
#[utoipa::path(
    get, path = "/v1/notifications/unread-count", tag = "feed",
    security(("user_token" = [])),
    responses((status = 200, body = UnreadCounts), (status = 401, body = ErrorBody))
)]
async fn unread_count(State(state): State<AppState>, User(user): User) -> AppResult<Json<UnreadCounts>> {
    Ok(Json(state.store.unread_counts(&user, now_ms()).await?))
}

/// Mark one notification read (idempotent).
#[utoipa::path(
    post, path = "/v1/notifications/{id}/read", tag = "read state",
    params(("id" = String, Path, description = "The notification's id")),
    security(("user_token" = [])),
    responses(
        (status = 204, description = "Read (also when it already was)"),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such notification of the caller's", body = ErrorBody),
    )
)]
async fn mark_read(State(state): State<AppState>, User(user): User, Path(id): Path<String>) -> AppResult<StatusCode> {
    let id = id.parse::<i64>().ok().filter(|n| *n > 0).ok_or(AppError::NotFound)?;
    match state.store.mark_read(&user, id, now_ms()).await? {
        Some(changed) => {
            if changed {
                state.hub.wake(&user);
            }
            Ok(StatusCode::NO_CONTENT)
        }
        None => Err(AppError::NotFound),
    }
}

/// Mark read every unread notification of a tab (and category) that arrived
/// no later than `up_to`.
#[utoipa::path(
    post, path = "/v1/notifications/read-all", tag = "read state",
    request_body = ReadAll,
    security(("user_token" = [])),
    responses(
        (status = 200, body = ReadAllOutcome),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 413, description = "Body over 4 KiB", body = ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn read_all(
    State(state): State<AppState>,
    User(user): User,
    Body(request): Body<ReadAll>,
) -> AppResult<Json<ReadAllOutcome>> {
    if let Some(c) = request.category.filter(|c| !request.tab.has_category(*c)) {
        let message = format!("`category` {} is not a category of tab {}", c.as_str(), request.tab.as_str());
        return Err(AppError::field("invalid_value", "category", message));
    }
    let up_to =
        match &request.up_to {
            None => None,
            Some(s) => Some(s.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                AppError::field("invalid_value", "up_to", "`up_to` must be the id of a notification")
            })?),
        };
    let marked = state.store.read_all(&user, request.tab, request.category, up_to, now_ms()).await?;
    if marked > 0 {
        state.hub.wake(&user);
    }
    Ok(Json(ReadAllOutcome { marked }))
}

/// The caller's live events as Server-Sent Events: `notification`, `read`,
/// `approval` and `counts`, each with an `id` to resume from.
#[utoipa::path(
    get, path = "/v1/stream", tag = "stream",
    params(
        ("access_token" = Option<String>, Query, description = "The user token, for `EventSource`, which cannot send headers"),
        ("Last-Event-ID" = Option<String>, Header, description = "The last event id received: what came after it is replayed"),
        ("last_event_id" = Option<String>, Query, description = "The same, for a new `EventSource` (which cannot set the header)"),
        ("device_id" = Option<String>, Query, description = "This browser's device id: `popup` events routed to it come on this stream"),
    ),
    security(("user_token" = [])),
    responses(
        (status = 200, description = "`text/event-stream` of `notification` (a Notification), `read` (a ReadChange), `approval` (an ApprovalChange: one of the caller's approval requests was settled), `counts` (UnreadCounts) and `popup` (`{tag, kind, args, actor, link, silent}`, for this device) events; a comment keeps it alive when idle (every 15 s by default, `BELL_STREAM_KEEPALIVE_SECS`)", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody),
    )
)]
async fn stream(
    State(state): State<AppState>,
    StreamUser(user): StreamUser,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
    lean: Option<axum::Extension<crate::serve::LeanWriter>>,
) -> AppResult<impl IntoResponse> {
    // An unreadable Last-Event-ID starts afresh rather than failing: a 4xx
    // would stop `EventSource` from ever reconnecting.
    let from_query = query_param(raw.as_deref(), "last_event_id");
    let device = query_param(raw.as_deref(), "device_id");
    let resume =
        headers.get("last-event-id").and_then(|v| v.to_str().ok().map(str::to_owned)).or(from_query).and_then(|v| {
            match state.seal.open(&v) {
                Some(plain) => StreamPosition::decode(&plain),
                // An id from before sealing (a client connected across the upgrade).
                None => StreamPosition::decode(&v),
            }
        });
    let events = crate::stream::open(&state, user, device, resume, lean.is_some()).await?;
    // Tells nginx (and proxies that follow it) not to buffer the stream,
    // even where its config forgot `proxy_buffering off`.
    Ok(([("x-accel-buffering", "no")], events))
}

/// A device id: a string of the characters of a user id. (Anything else is
/// an invalid value, as the contract has always said.)
fn device_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(id) if ingest::is_user_id(&id) => Ok(id),
        _ => Err(serde::de::Error::custom("1–128 letters, digits or `._:@-`")),
    }
}

/// A push token: a string of 1–4096 bytes, or null.
fn push_token<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(t)) if !t.is_empty() && t.len() <= MAX_PUSH_TOKEN_BYTES => Ok(Some(t)),
        Some(_) => Err(serde::de::Error::custom("a token string or null")),
    }
}

const PLATFORMS: &str = "web, android or ios";

/// The caller's settings.
#[utoipa::path(get, path = "/v1/settings", tag = "settings", security(("user_token" = [])),
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody)))]
async fn get_settings(State(state): State<AppState>, User(user): User) -> AppResult<Json<Settings>> {
    Ok(Json(Settings { sound: state.store.sound(&user).await? }))
}

/// Changes a user's preferences and tells their streams and the other
/// processes; the whole document after the change.
async fn change_preferences(state: &AppState, user: &str, update: &PreferencesUpdate) -> AppResult<Preferences> {
    let (prefs, document) = state
        .store
        .change_preferences(user, now_ms(), |stored, sound| {
            let prefs = stored.map(UserPrefs::from_stored).unwrap_or_default().apply(update)?;
            let sound = update.sound.unwrap_or(sound);
            let document = prefs.document(sound);
            let json = serde_json::to_string(&document).map_err(anyhow::Error::from)?;
            Ok::<_, AppError>((prefs.to_stored(), sound, json, (prefs, document)))
        })
        .await?;
    state.preferences.set(user, prefs);
    state.hub.preferences_changed(user);
    Ok(document)
}

/// The caller's preferences per category and channel, quiet hours and sound.
#[utoipa::path(get, path = "/v1/preferences", tag = "settings", security(("user_token" = [])),
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody)))]
async fn get_preferences(State(state): State<AppState>, User(user): User) -> AppResult<Json<Preferences>> {
    let (stored, sound) = state.store.preferences(&user).await?;
    Ok(Json(stored.as_deref().map(UserPrefs::from_stored).unwrap_or_default().document(sound)))
}

/// Changes what the body names of the caller's preferences; the rest stays.
/// A change streams a `preferences` event to every stream of the user.
#[utoipa::path(put, path = "/v1/preferences", tag = "settings", request_body = PreferencesUpdate, security(("user_token" = [])),
    responses((status = 200, description = "The whole document after the change", body = Preferences), (status = 401, body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Body over 4 KiB", body = ErrorBody), (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody), (status = 422, description = "A key, channel, time, day or time zone is wrong, or an approval's bell is turned off; `field` names it and nothing changed", body = ErrorBody)))]
async fn put_preferences(
    State(state): State<AppState>,
    User(user): User,
    Body(update): Body<PreferencesUpdate>,
) -> AppResult<Json<Preferences>> {
    Ok(Json(change_preferences(&state, &user, &update).await?))
}

/// Changes the caller's settings.
#[utoipa::path(put, path = "/v1/settings", tag = "settings", request_body = Settings, security(("user_token" = [])),
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Body over 4 KiB", body = ErrorBody), (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    User(user): User,
    Body(settings): Body<Settings>,
) -> AppResult<Json<Settings>> {
    // The same field as the preferences' `sound`: their streams hear of it too.
    let update = PreferencesUpdate { sound: Some(settings.sound), ..PreferencesUpdate::default() };
    let document = change_preferences(&state, &user, &update).await?;
    Ok(Json(Settings { sound: document.sound }))
}

/// A device registration.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DeviceBody {
    #[serde(deserialize_with = "device_id")]
    #[schema(pattern = "^[A-Za-z0-9._:@-]{1,128}$")]
    device_id: String,
    /// `chat` or `crm` for a phone; `null` for a browser.
    #[serde(default)]
    app: Option<App>,
    /// 1–4096 bytes.
    #[serde(default, deserialize_with = "push_token")]
    #[schema(min_length = 1, max_length = 4096)]
    push_token: Option<String>,
}

/// Registers the caller's device of a platform, replacing the previous one.
#[utoipa::path(put, path = "/v1/devices/{platform}", tag = "devices",
    params(("platform" = Platform, Path, description = "web, android or ios")),
    request_body = DeviceBody, security(("user_token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Body over 8 KiB", body = ErrorBody), (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_device(
    State(state): State<AppState>,
    User(user): User,
    Path(platform): Path<String>,
    Body(body): Body<DeviceBody>,
) -> AppResult<StatusCode> {
    let platform = Platform::parse(&platform)
        .ok_or_else(|| AppError::field("invalid_value", "platform", format!("`platform` must be {PLATFORMS}")))?;
    let device = Device { device_id: body.device_id, platform, app: body.app, push_token: body.push_token };
    state.store.put_device(&user, &device, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A presence report.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PresenceBody {
    #[serde(deserialize_with = "device_id")]
    #[schema(pattern = "^[A-Za-z0-9._:@-]{1,128}$")]
    device_id: String,
    platform: Platform,
    app: App,
    /// Visible and focused (a phone: in the foreground).
    active: bool,
}

/// Reports whether the user is active on an app on a device; it counts for
/// `BELL_PRESENCE_TTL_SECS`.
#[utoipa::path(put, path = "/v1/presence", tag = "presence", request_body = PresenceBody, security(("user_token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Body over 4 KiB", body = ErrorBody), (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_presence(
    State(state): State<AppState>,
    User(user): User,
    Body(body): Body<PresenceBody>,
) -> AppResult<StatusCode> {
    record_presence(&state, &user, body).await
}

/// The last report of a closing page, sent with `navigator.sendBeacon`
/// (which cannot set headers, so the token comes as `access_token`, and the
/// body as text/plain, so no CORS preflight is needed while the page unloads).
#[utoipa::path(post, path = "/v1/presence", tag = "presence", request_body = PresenceBody,
    params(("access_token" = Option<String>, Query, description = "The user token, for `sendBeacon`")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Body over 4 KiB", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn beacon_presence(
    State(state): State<AppState>,
    StreamUser(user): StreamUser,
    Body(body): Body<PresenceBody, true>,
) -> AppResult<StatusCode> {
    record_presence(&state, &user, body).await
}

async fn record_presence(state: &AppState, user: &str, body: PresenceBody) -> AppResult<StatusCode> {
    state.store.put_presence(user, &body.device_id, body.platform, body.app, body.active, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routing decisions recorded for one of the caller's notifications
/// (for an incoming message: its event id).
#[utoipa::path(get, path = "/v1/deliveries", tag = "presence",
    params(("notification_id" = String, Query, description = "A notification id, or an incoming message's event id")),
    security(("user_token" = [])),
    responses((status = 200, body = Vec<crate::store::Delivery>), (status = 401, body = ErrorBody),
        (status = 404, description = "Not a notification (or incoming message) of the caller's", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn deliveries(
    State(state): State<AppState>,
    User(user): User,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Vec<crate::store::Delivery>>> {
    let id = query_param(raw.as_deref(), "notification_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AppError::field("missing_field", "notification_id", "`notification_id` is required"))?;
    if id.contains('\0') {
        return Err(AppError::NotFound);
    }
    let decisions = state.store.deliveries(&user, &id).await?;
    // Nothing recorded: the caller's notification not routed yet, or not theirs at all.
    if decisions.is_empty() && !state.store.has_notification(&user, &id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Json(decisions))
}

/// The answer of `/healthz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok` or `degraded`.
    status: &'static str,
    /// `ok` or `unreachable`.
    database: &'static str,
    /// The bus to the other processes: `nats`, `notify` (PostgreSQL's
    /// LISTEN/NOTIFY) or `none` (SQLite: one process).
    bus: &'static str,
    /// Signals this process has received on the bus since it started.
    bus_received: u64,
    /// Event streams open in this process.
    streams: usize,
    /// Of those, the ones on a connection kept alive after another request:
    /// each holds about 20 KiB of HTTP buffers instead of about 5 KiB. Above
    /// zero behind a proxy, the proxy reuses its connections for streams
    /// (see deploy/nginx.conf).
    streams_on_reused_connections: usize,
}

/// Liveness and database health.
#[utoipa::path(
    get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, description = "Serving, database reachable", body = Health),
        (status = 503, description = "Database unreachable", body = Health),
    )
)]
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let health = |status, database| Health {
        status,
        database,
        bus: state.bus.kind,
        bus_received: state.bus.received.load(std::sync::atomic::Ordering::Relaxed),
        streams: state.hub.subscribers(),
        streams_on_reused_connections: state.reused_streams.get(),
    };
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(health("ok", "ok"))),
        Err(e) => {
            tracing::warn!(error = format!("{e:#}"), "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(health("degraded", "unreachable")))
        }
    }
}
