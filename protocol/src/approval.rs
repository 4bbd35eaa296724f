//! Approvals decided from the bell (API.md §6, version 1.1 of the contract).
//!
//! An `approval.*.requested` event that names an `approval_id` is
//! actionable: each recipient is an approver, and the first decision (from
//! any approver's bell, or from the producer) settles it for all of them.

use serde::{Deserialize, Serialize};

/// Where an approval stands, as the list and the stream show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// The producer's id of the approval request.
    pub id: String,
    pub state: ApprovalState,
    /// `null` while pending.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub decided_by: Option<Decider>,
    /// RFC 3339, UTC; `null` while pending.
    #[cfg_attr(feature = "openapi", schema(required = true, format = DateTime))]
    pub decided_at: Option<String>,
    /// The decider's note (plain text); `null` when none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
    /// Where it was decided; `null` while pending.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub source: Option<DecisionSource>,
}

impl Approval {
    pub fn pending(id: &str) -> Approval {
        Approval {
            id: id.to_owned(),
            state: ApprovalState::Pending,
            decided_by: None,
            decided_at: None,
            note: None,
            source: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalState {
    Pending,
    Approved,
    Rejected,
}

impl ApprovalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Pending => "pending",
            ApprovalState::Approved => "approved",
            ApprovalState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalState> {
        [ApprovalState::Pending, ApprovalState::Approved, ApprovalState::Rejected].into_iter().find(|x| x.as_str() == s)
    }
}

/// Who decided: a user id and display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Decider {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecisionSource {
    /// An approver decided in the bell.
    Bell,
    /// The producer resolved it elsewhere (`POST /v1/approvals/{id}/resolve`).
    Producer,
}

/// An approver's answer, sent to `POST /v1/notifications/{id}/decision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    /// The state this decision settles the approval in.
    pub fn state(self) -> ApprovalState {
        match self {
            Decision::Approve => ApprovalState::Approved,
            Decision::Reject => ApprovalState::Rejected,
        }
    }
}

/// How the producer settled an approval elsewhere (`resolve`'s `state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    Rejected,
}

impl Outcome {
    /// The state this outcome settles the approval in.
    pub fn state(self) -> ApprovalState {
        match self {
            Outcome::Approved => ApprovalState::Approved,
            Outcome::Rejected => ApprovalState::Rejected,
        }
    }
}

/// The body of `POST /v1/notifications/{id}/decision`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub decision: Decision,
    /// At most 500 characters; shown to every approver as plain text.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

/// The body of `POST /v1/approvals/{approval_id}/resolve`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    pub state: Outcome,
    pub decided_by: Decider,
    /// At most 500 characters; shown to every approver as plain text.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

/// The answer of a decision or resolution: the approval as it now stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalAnswer {
    pub approval: Approval,
}

/// The stream's `approval` event: one of the user's actionable
/// notifications was settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalChange {
    /// This approver's own notification of the approval.
    pub notification_id: String,
    pub approval: Approval,
}

/// A decision taken in the bell, as the webhook POSTs it and
/// `GET /v1/decisions` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRecord {
    /// The receiver's dedupe key: a retried delivery repeats it.
    pub delivery_id: String,
    pub approval_id: String,
    /// The id of the event that requested the approval.
    pub event_id: String,
    /// That event's kind.
    pub kind: String,
    /// `approved` or `rejected`.
    pub decision: ApprovalState,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
    pub decided_by: Decider,
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub decided_at: String,
}

/// A page of `GET /v1/decisions`, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionPage {
    pub items: Vec<DecisionRecord>,
    /// Pass as `after` for the decisions that follow; `null` when this page
    /// reached the newest. (Keep the last one: decisions taken later follow it.)
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}
