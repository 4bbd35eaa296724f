//! A stored notification as the feed and the stream send it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::kind::{Category, Tab};

/// Who caused the notification. `system` covers automatic assignment
/// (e.g. a deal created by a chatbot), shown as "automatically assigned".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Actor {
    User {
        id: String,
        name: String,
    },
    /// (An empty struct, so that fields a system actor cannot have are refused.)
    System {},
}

impl Actor {
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Actor::User { id, .. } => Some(id),
            Actor::System {} => None,
        }
    }
}

/// One recipient's copy of an event, with its own read state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    /// Opaque to clients. Ids grow in arrival order, which is what
    /// `read-all`'s `up_to` watermark compares.
    pub id: String,
    pub kind: String,
    pub tab: Tab,
    pub category: Category,
    pub actor: Actor,
    /// The producer's arguments, rendered by the widget's Fluent message.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub args: Map<String, Value>,
    /// A path on the host app or an https URL on an allowed host; `null` when none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub link: Option<String>,
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// RFC 3339, UTC; `null` while unread.
    #[cfg_attr(feature = "openapi", schema(required = true, format = DateTime))]
    pub read_at: Option<String>,
    /// An actionable approval request's approval (API.md §6); `null` for
    /// every other notification.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub approval: Option<crate::Approval>,
}
