//! Thin HTTP handlers: parse, call the store, answer. Each is documented for
//! the generated OpenAPI document by its `#[utoipa::path]`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use bell_protocol::query::{DEFAULT_LIMIT, MAX_LIMIT};
use bell_protocol::{
    Category, ErrorBody, IngestOutcome, NewEvent, Page, ReadAll, ReadAllOutcome, Settings, StreamPosition, Tab,
    UnreadCounts,
};
use serde_json::{Map, Value};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Producer, StreamUser, User, query_param};
use crate::clock::now_ms;
use crate::cursor::Cursor;
use crate::error::{AppError, AppResult};
use crate::ingest::{self, MAX_EVENT_BYTES};
use crate::openapi::ApiDoc;
use crate::routing::{App, Device, Platform};
use crate::store::ListQuery;

/// Largest body of the user endpoints.
const MAX_USER_BODY_BYTES: usize = 4 * 1024;

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
                .routes(routes!(put_device))
                .routes(routes!(put_presence, beacon_presence))
                .routes(routes!(deliveries))
                .layer(DefaultBodyLimit::max(MAX_USER_BODY_BYTES)),
        )
        .routes(routes!(healthz))
        .split_for_parts();
    let api = std::sync::Arc::new(api);
    api_router
        .route("/openapi.json", get(move || std::future::ready(Json(api.as_ref().clone()))))
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .with_state(state)
}

/// Parses a JSON body; a body over the route's limit is `413`.
fn json_body(body: Result<Bytes, BytesRejection>) -> AppResult<Value> {
    let bytes = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(MAX_EVENT_BYTES),
        _ => AppError::BadRequest(rejection.body_text()),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))
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
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    )
)]
async fn ingest_event(
    State(state): State<AppState>,
    _producer: Producer,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<impl IntoResponse> {
    let body = json_body(body)?;
    let ingested = accept(&state, &body).await?;
    let status = if ingested.outcome.duplicate { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok((status, Json(ingested.outcome)))
}

/// The way of every event: validate, store, wake the recipients' streams,
/// and queue routing to their devices. Producers and the demo both use it.
pub(crate) async fn accept(state: &AppState, body: &Value) -> AppResult<crate::store::Ingested> {
    let now = now_ms();
    let event = ingest::validate(body, &state.config.allowed_link_hosts, now)?;
    let routed = crate::delivery::Routed {
        kind: event.spec.name,
        args: event.args.clone(),
        actor: event.actor.clone(),
        link: event.link.clone(),
        chat: event.spec.placement.is_none_or(|(tab, _)| tab == Tab::Inbox),
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
        state.router.submit(routed, targets).await;
    }
    Ok(ingested)
}

/// Query parameters of the feed (documented; parsed by `parse_list_query`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ListParams {
    /// `general`, `inbox` or `approval`.
    tab: Tab,
    /// One of the tab's categories; all when absent.
    category: Option<Category>,
    /// Only unread notifications.
    unread_only: Option<bool>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1–100, default 20.
    limit: Option<u32>,
}

fn query_error(field: &str, message: String) -> AppError {
    AppError::field("invalid_query", field, message)
}

fn parse_list_query(raw: Option<&str>) -> AppResult<ListQuery> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let tab = match get("tab") {
        None => {
            return Err(AppError::field("missing_field", "tab", "`tab` is required: general, inbox or approval"));
        }
        Some(t) => Tab::parse(t)
            .ok_or_else(|| query_error("tab", format!("`tab` must be general, inbox or approval, not {t:?}")))?,
    };
    let category = match get("category") {
        None => None,
        Some(c) => Some(Category::parse(c).filter(|c| tab.has_category(*c)).ok_or_else(|| {
            let names: Vec<_> = tab.categories().iter().map(|c| c.as_str()).collect();
            query_error("category", format!("`category` of tab {} must be one of: {}", tab.as_str(), names.join(", ")))
        })?),
    };
    let unread_only = match get("unread_only") {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(v) => {
            return Err(query_error("unread_only", format!("`unread_only` must be true or false, not {v:?}")));
        }
    };
    let limit = match get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| query_error("limit", format!("`limit` must be a whole number from 1 to {MAX_LIMIT}")))?,
    };
    let after = match get("cursor") {
        None => None,
        Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
            AppError::field("invalid_cursor", "cursor", "`cursor` must be a `next_cursor` this server returned")
        })?),
    };
    Ok(ListQuery { tab, category, unread_only, limit, after })
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
    let query = parse_list_query(raw.as_deref())?;
    Ok(Json(state.store.page(&user, &query, now_ms()).await?))
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

fn parse_read_all(body: &Value) -> AppResult<ReadAll> {
    let obj: &Map<String, Value> =
        body.as_object().ok_or_else(|| AppError::field("invalid_type", "body", "the body must be a JSON object"))?;
    if let Some(k) = obj.keys().find(|k| !["tab", "category", "up_to"].contains(&k.as_str())) {
        return Err(AppError::field("unknown_field", k.as_str(), format!("`{k}` is not a field of read-all")));
    }
    let tab = match obj.get("tab") {
        None | Some(Value::Null) => {
            return Err(AppError::field("missing_field", "tab", "`tab` is required"));
        }
        Some(Value::String(t)) => Tab::parse(t)
            .ok_or_else(|| AppError::field("invalid_value", "tab", "`tab` must be general, inbox or approval"))?,
        Some(_) => {
            return Err(AppError::field("invalid_type", "tab", "`tab` must be a string"));
        }
    };
    let category = match obj.get("category") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(Category::parse(c).filter(|c| tab.has_category(*c)).ok_or_else(|| {
            AppError::field(
                "invalid_value",
                "category",
                format!("`category` is not a category of tab {}", tab.as_str()),
            )
        })?),
        Some(_) => {
            return Err(AppError::field("invalid_type", "category", "`category` must be a string or null"));
        }
    };
    let up_to = match obj.get("up_to") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(AppError::field("invalid_type", "up_to", "`up_to` must be a notification id or null"));
        }
    };
    Ok(ReadAll { tab, category, up_to })
}

/// Mark read every unread notification of a tab (and category) that arrived
/// no later than `up_to`.
#[utoipa::path(
    post, path = "/v1/notifications/read-all", tag = "read state",
    request_body = ReadAll,
    security(("user_token" = [])),
    responses(
        (status = 200, body = ReadAllOutcome),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
async fn read_all(
    State(state): State<AppState>,
    User(user): User,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Json<ReadAllOutcome>> {
    let request = parse_read_all(&json_body(body)?)?;
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

/// The caller's live events as Server-Sent Events: `notification`, `read`
/// and `counts`, each with an `id` to resume from.
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
        (status = 200, description = "`text/event-stream` of `notification` (a Notification), `read` (a ReadChange), `counts` (UnreadCounts) and `popup` (`{tag, kind, args, actor, link, silent}`, for this device) events; a comment keeps it alive when idle (every 15 s by default, `BELL_STREAM_KEEPALIVE_SECS`)", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody),
    )
)]
async fn stream(
    State(state): State<AppState>,
    StreamUser(user): StreamUser,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> AppResult<impl IntoResponse> {
    // An unreadable Last-Event-ID starts afresh rather than failing: a 4xx
    // would stop `EventSource` from ever reconnecting.
    let from_query = query_param(raw.as_deref(), "last_event_id");
    let device = query_param(raw.as_deref(), "device_id");
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .or(from_query)
        .and_then(|v| StreamPosition::decode(&v));
    let events = crate::stream::open(
        state.store.clone(),
        state.hub.clone(),
        user,
        device,
        resume,
        state.config.stream_keep_alive,
    )
    .await?;
    // Tells nginx (and proxies that follow it) not to buffer the stream,
    // even where its config forgot `proxy_buffering off`.
    Ok(([("x-accel-buffering", "no")], events))
}

/// An object body with only `allowed` fields.
fn object<'a>(body: &'a Value, allowed: &[&str]) -> AppResult<&'a Map<String, Value>> {
    let obj =
        body.as_object().ok_or_else(|| AppError::field("invalid_type", "body", "the body must be a JSON object"))?;
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(AppError::field("unknown_field", k.as_str(), format!("`{k}` is not a field here")));
    }
    Ok(obj)
}

fn bool_field(obj: &Map<String, Value>, name: &str) -> AppResult<bool> {
    match obj.get(name) {
        Some(Value::Bool(b)) => Ok(*b),
        None | Some(Value::Null) => Err(AppError::field("missing_field", name, format!("`{name}` is required"))),
        Some(_) => Err(AppError::field("invalid_type", name, format!("`{name}` must be true or false"))),
    }
}

fn device_id_field(obj: &Map<String, Value>) -> AppResult<String> {
    match obj.get("device_id") {
        Some(Value::String(s)) if ingest::is_user_id(s) => Ok(s.clone()),
        None | Some(Value::Null) => Err(AppError::field("missing_field", "device_id", "`device_id` is required")),
        Some(_) => {
            Err(AppError::field("invalid_value", "device_id", "`device_id` must be 1–128 letters, digits or `._:@-`"))
        }
    }
}

/// A field holding one of a few names (`parse` knows them; `allowed` says them).
fn choice_field<T>(
    obj: &Map<String, Value>,
    name: &str,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> AppResult<Option<T>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse(s)
            .map(Some)
            .ok_or_else(|| AppError::field("invalid_value", name, format!("`{name}` must be {allowed}"))),
        Some(_) => Err(AppError::field("invalid_type", name, format!("`{name}` must be {allowed}"))),
    }
}

fn required<T>(value: Option<T>, name: &str) -> AppResult<T> {
    value.ok_or_else(|| AppError::field("missing_field", name, format!("`{name}` is required")))
}

const APPS: &str = "`chat` or `crm`";
const PLATFORMS: &str = "web, android or ios";

/// The caller's settings.
#[utoipa::path(get, path = "/v1/settings", tag = "settings", security(("user_token" = [])),
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody)))]
async fn get_settings(State(state): State<AppState>, User(user): User) -> AppResult<Json<Settings>> {
    Ok(Json(Settings { sound: state.store.sound(&user).await? }))
}

/// Changes the caller's settings.
#[utoipa::path(put, path = "/v1/settings", tag = "settings", request_body = Settings, security(("user_token" = [])),
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    User(user): User,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Json<Settings>> {
    let body = json_body(body)?;
    let sound = bool_field(object(&body, &["sound"])?, "sound")?;
    state.store.set_sound(&user, sound).await?;
    Ok(Json(Settings { sound }))
}

/// A device registration.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct DeviceBody {
    device_id: String,
    /// `chat` or `crm` for a phone; `null` for a browser.
    app: Option<App>,
    push_token: Option<String>,
}

/// Registers the caller's device of a platform, replacing the previous one.
#[utoipa::path(put, path = "/v1/devices/{platform}", tag = "devices",
    params(("platform" = String, Path, description = "web, android or ios")),
    request_body = DeviceBody, security(("user_token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_device(
    State(state): State<AppState>,
    User(user): User,
    Path(platform): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<StatusCode> {
    let platform = Platform::parse(&platform)
        .ok_or_else(|| AppError::field("invalid_value", "platform", format!("`platform` must be {PLATFORMS}")))?;
    let body = json_body(body)?;
    let obj = object(&body, &["device_id", "app", "push_token"])?;
    let push_token = match obj.get("push_token") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if !t.is_empty() && t.len() <= 4096 => Some(t.clone()),
        Some(_) => {
            return Err(AppError::field("invalid_value", "push_token", "`push_token` must be a token string or null"));
        }
    };
    let app = choice_field(obj, "app", App::parse, APPS)?;
    let device = Device { device_id: device_id_field(obj)?, platform, app, push_token };
    state.store.put_device(&user, &device, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A presence report.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
struct PresenceBody {
    device_id: String,
    platform: Platform,
    app: App,
    /// Visible and focused (a phone: in the foreground).
    active: bool,
}

/// Reports whether the user is active on an app on a device; it counts for
/// `BELL_PRESENCE_TTL_SECS`.
#[utoipa::path(put, path = "/v1/presence", tag = "presence", request_body = PresenceBody, security(("user_token" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_presence(
    State(state): State<AppState>,
    User(user): User,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<StatusCode> {
    record_presence(&state, &user, body).await
}

/// The last report of a closing page, sent with `navigator.sendBeacon`
/// (which cannot set headers, so the token comes as `access_token`, and the
/// body as text/plain, so no CORS preflight is needed while the page unloads).
#[utoipa::path(post, path = "/v1/presence", tag = "presence", request_body = PresenceBody,
    params(("access_token" = Option<String>, Query, description = "The user token, for `sendBeacon`")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn beacon_presence(
    State(state): State<AppState>,
    StreamUser(user): StreamUser,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<StatusCode> {
    record_presence(&state, &user, body).await
}

async fn record_presence(state: &AppState, user: &str, body: Result<Bytes, BytesRejection>) -> AppResult<StatusCode> {
    let body = json_body(body)?;
    let obj = object(&body, &["device_id", "platform", "app", "active"])?;
    let device_id = device_id_field(obj)?;
    let platform = required(choice_field(obj, "platform", Platform::parse, PLATFORMS)?, "platform")?;
    let app = required(choice_field(obj, "app", App::parse, APPS)?, "app")?;
    let active = bool_field(obj, "active")?;
    state.store.put_presence(user, &device_id, platform, app, active, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The routing decisions recorded for one of the caller's notifications
/// (for an incoming message: its event id).
#[utoipa::path(get, path = "/v1/deliveries", tag = "presence",
    params(("notification_id" = String, Query, description = "A notification id, or an incoming message's event id")),
    security(("user_token" = [])),
    responses((status = 200, body = Vec<crate::store::Delivery>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn deliveries(
    State(state): State<AppState>,
    User(user): User,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<Vec<crate::store::Delivery>>> {
    let id = query_param(raw.as_deref(), "notification_id")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AppError::field("missing_field", "notification_id", "`notification_id` is required"))?;
    Ok(Json(state.store.deliveries(&user, &id).await?))
}

/// The answer of `/healthz`.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct Health {
    /// `ok` or `degraded`.
    status: &'static str,
    /// `ok` or `unreachable`.
    database: &'static str,
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
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(Health { status: "ok", database: "ok" })),
        Err(e) => {
            tracing::warn!(error = format!("{e:#}"), "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "degraded", database: "unreachable" }))
        }
    }
}
