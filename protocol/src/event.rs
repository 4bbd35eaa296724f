//! What producers send to `POST /v1/events`, and what they get back.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::notification::Actor;

/// A producer's event. The server validates the raw JSON field by field (so
/// that errors can name the field) and then builds this.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// The producer's unique event id: repeating it changes nothing.
    pub id: String,
    pub kind: String,
    pub actor: Actor,
    pub recipients: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub args: Map<String, Value>,
    /// A path on the host app (`/deals/42`) or an https URL on an allowed host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// RFC 3339; defaults to the time of arrival, and a future time is clamped to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
    /// The producer's id of the approval request: makes an
    /// `approval.*.requested` event actionable (API.md §6). Refused on other kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
}

/// The answer to an ingested event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestOutcome {
    /// Notifications stored, one per recipient.
    pub stored: u32,
    /// Recipients skipped by a rule (self-assignment).
    pub suppressed: u32,
    /// The event id was seen before; nothing changed.
    pub duplicate: bool,
}
