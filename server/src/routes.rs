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
    Category, ErrorBody, IngestOutcome, NewEvent, Page, ReadAll, ReadAllOutcome, StreamPosition, Tab, UnreadCounts,
};
use serde_json::{Map, Value};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{Producer, StreamUser, User};
use crate::clock::now_ms;
use crate::cursor::Cursor;
use crate::error::{AppError, AppResult};
use crate::ingest::{self, MAX_EVENT_BYTES};
use crate::openapi::ApiDoc;
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
    let now = now_ms();
    let event = ingest::validate(&body, &state.config.allowed_link_hosts, now)?;
    let ingested = state.store.ingest(event, now).await?;
    for (user, _) in &ingested.stored {
        state.hub.wake(user);
    }
    let status = if ingested.outcome.duplicate { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok((status, Json(ingested.outcome)))
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
    ),
    security(("user_token" = [])),
    responses(
        (status = 200, description = "`text/event-stream` of `notification` (a Notification), `read` (a ReadChange) and `counts` (UnreadCounts) events; a comment every 15 s keeps it alive", content_type = "text/event-stream"),
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
    let from_query = raw.as_deref().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "last_event_id").map(|(_, v)| v.into_owned())
    });
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok().map(str::to_owned))
        .or(from_query)
        .and_then(|v| StreamPosition::decode(&v));
    Ok(crate::stream::open(state.store.clone(), state.hub.clone(), user, resume).await?)
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
