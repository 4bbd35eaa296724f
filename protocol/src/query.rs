//! Feed pages and read-state requests.

use serde::{Deserialize, Serialize};

use crate::kind::{Category, Tab};
use crate::notification::Notification;

/// Default and maximum page sizes of `GET /v1/notifications`.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// One page of a tab's notifications, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page {
    pub items: Vec<Notification>,
    /// Pass back as `cursor` for the next page; `null` on the last one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// `GET/PUT /v1/settings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Pop-ups play the browser's notification sound.
    pub sound: bool,
}

/// `POST /v1/notifications/read-all`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReadAll {
    pub tab: Tab,
    #[serde(default)]
    pub category: Option<Category>,
    /// The newest notification id the user has seen: anything that arrived
    /// after it stays unread.
    #[serde(default)]
    pub up_to: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadAllOutcome {
    pub marked: u64,
}
