//! Approvals decided from the bell (API.md §6): an approver's decision, the
//! producer's resolution, and the ordered list of decisions to reconcile.

use axum::Json;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bell_protocol::query::{DEFAULT_LIMIT, MAX_LIMIT};
use bell_protocol::{
    Approval, ApprovalAnswer, Decider, DecisionPage, DecisionRequest, DecisionSource, ErrorBody, ErrorDetail,
    Resolution,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{NamedUser, Producer};
use crate::body::{Body, Limited};
use crate::clock::now_ms;
use crate::error::{AppError, AppResult};
use crate::ingest::is_user_id;
use crate::store::{Settle, Settlement};

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// Largest body: the longest note and name fit even when a client sends
/// every character escaped as a surrogate pair (`\uD83D\uDE00`, 12 bytes).
const MAX_BODY_BYTES: usize = 16 * 1024;

impl Limited for DecisionRequest {
    const LIMIT: usize = MAX_BODY_BYTES;
}
impl Limited for Resolution {
    const LIMIT: usize = MAX_BODY_BYTES;
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(decide))
        .routes(routes!(resolve))
        .routes(routes!(decisions))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// The answer of a decision that came too late.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct AlreadyDecided {
    /// `already_decided`.
    error: ErrorDetail,
    /// The standing decision, unchanged.
    approval: Approval,
}

/// Decide one of the caller's actionable approval requests. The first
/// decision wins; it makes the approval read for every approver and tells
/// their streams.
#[utoipa::path(
    post, path = "/v1/notifications/{id}/decision", tag = "approvals",
    params(("id" = String, Path, description = "The caller's notification of the approval request")),
    request_body = DecisionRequest,
    security(("user_token" = [])),
    responses(
        (status = 200, description = "Decided: the approval as it now stands", body = ApprovalAnswer),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The service token", body = ErrorBody),
        (status = 404, description = "Not the caller's notification, or not actionable", body = ErrorBody),
        (status = 409, description = "Decided before (by anyone): the standing decision", body = AlreadyDecided),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody),
        (status = 422, description = "A bad `decision` or `note`", body = ErrorBody),
    )
)]
async fn decide(
    State(state): State<AppState>,
    NamedUser(who): NamedUser,
    Path(id): Path<String>,
    Body(request): Body<DecisionRequest>,
) -> AppResult<Response> {
    let seq = id.parse::<i64>().ok().filter(|n| *n > 0).ok_or(AppError::NotFound)?;
    let note = note(request.note.as_deref())?;
    let now = now_ms();
    let approval_id = state.store.approval_of(&who.id, seq, now).await?.ok_or(AppError::NotFound)?;
    let decided_by = Decider { name: who.name.unwrap_or_else(|| who.id.clone()), id: who.id };
    let settlement = Settlement {
        state: request.decision.state(),
        decided_by: &decided_by,
        note,
        source: DecisionSource::Bell,
        webhook: state.webhook.is_some(),
    };
    let settled = state.store.settle(&approval_id, &settlement, now).await?;
    if let (Settle::Settled { .. }, Some(outbox)) = (&settled, &state.webhook) {
        outbox.kick();
    }
    answer(&state, settled)
}

/// The producer decided elsewhere (e.g. on the deal page): settle the
/// approval for every approver. Not sent to the webhook.
#[utoipa::path(
    post, path = "/v1/approvals/{approval_id}/resolve", tag = "approvals",
    params(("approval_id" = String, Path, description = "The producer's approval id")),
    request_body = Resolution,
    security(("service_token" = [])),
    responses(
        (status = 200, description = "Resolved: the approval as it now stands", body = ApprovalAnswer),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "Missing or wrong service token", body = ErrorBody),
        (status = 403, description = "A user token", body = ErrorBody),
        (status = 404, description = "No such approval", body = ErrorBody),
        (status = 409, description = "Decided before: the standing decision", body = AlreadyDecided),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody),
        (status = 422, description = "A field is wrong; `field` names it", body = ErrorBody),
    )
)]
async fn resolve(
    State(state): State<AppState>,
    _producer: Producer,
    Path(approval_id): Path<String>,
    Body(resolution): Body<Resolution>,
) -> AppResult<Response> {
    let by = &resolution.decided_by;
    if !is_user_id(&by.id) {
        return Err(AppError::field("invalid_value", "decided_by.id", "`decided_by.id` must be a user id"));
    }
    if by.name.trim().is_empty() || by.name.chars().count() > 200 || by.name.chars().any(char::is_control) {
        let why = "`decided_by.name` must be 1–200 printable characters";
        return Err(AppError::field("invalid_value", "decided_by.name", why));
    }
    let note = note(resolution.note.as_deref())?;
    let settlement = Settlement {
        state: resolution.state.state(),
        decided_by: by,
        note,
        source: DecisionSource::Producer,
        webhook: false,
    };
    answer(&state, state.store.settle(&approval_id, &settlement, now_ms()).await?)
}

/// A note as stored: none when empty.
fn note(note: Option<&str>) -> AppResult<Option<&str>> {
    match note {
        Some(n) if n.chars().count() > MAX_NOTE_CHARS => {
            Err(AppError::field("invalid_value", "note", format!("`note` must be at most {MAX_NOTE_CHARS} characters")))
        }
        Some(n) if n.trim().is_empty() => Ok(None),
        other => Ok(other),
    }
}

fn answer(state: &AppState, settled: Settle) -> AppResult<Response> {
    match settled {
        Settle::Settled { approval, approvers } => {
            for user in &approvers {
                state.hub.wake(user);
            }
            Ok(Json(ApprovalAnswer { approval }).into_response())
        }
        Settle::Standing(approval) => {
            let who = approval.decided_by.as_ref().map_or("someone", |d| d.name.as_str());
            let error = ErrorDetail {
                code: "already_decided".into(),
                message: format!("this approval was already {} by {who}", approval.state.as_str()),
                field: None,
            };
            Ok((StatusCode::CONFLICT, Json(AlreadyDecided { error, approval })).into_response())
        }
        Settle::Unknown => Err(AppError::NotFound),
    }
}

/// Query parameters of the decision list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DecisionParams {
    /// A `next_cursor` from before: the decisions taken after it.
    after: Option<String>,
    /// 1–100, default 20.
    limit: Option<String>,
}

/// Decisions taken in the bell, in the order they were taken, for producers
/// that missed webhook deliveries.
#[utoipa::path(
    get, path = "/v1/decisions", tag = "approvals",
    params(DecisionParams),
    security(("service_token" = [])),
    responses(
        (status = 200, description = "The decisions after `after`, oldest first", body = DecisionPage),
        (status = 401, description = "Missing or wrong service token", body = ErrorBody),
        (status = 403, description = "A user token", body = ErrorBody),
        (status = 422, description = "A query parameter is wrong; `field` names it", body = ErrorBody),
    )
)]
async fn decisions(
    State(state): State<AppState>,
    _producer: Producer,
    RawQuery(raw): RawQuery,
) -> AppResult<Json<DecisionPage>> {
    let p: DecisionParams = crate::body::parse_query(raw.as_deref())?;
    let after = match &p.after {
        None => 0,
        Some(a) => a.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            AppError::field("invalid_query", "after", "`after` must be a `next_cursor` this server returned")
        })?,
    };
    let limit = match &p.limit {
        None => DEFAULT_LIMIT,
        Some(l) => l.parse::<u32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
            AppError::field("invalid_query", "limit", format!("`limit` must be a whole number from 1 to {MAX_LIMIT}"))
        })?,
    };
    let rows = state.store.decisions_after(after, limit).await?;
    // Always a place to go on from: the last decision listed, or where the
    // caller already was when nothing is new.
    let next = rows.last().map_or(p.after.clone(), |(id, _)| Some(id.to_string()));
    Ok(Json(DecisionPage { items: rows.into_iter().map(|(_, d)| d).collect(), next_cursor: next }))
}
