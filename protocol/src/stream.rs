//! Events of `GET /v1/stream` (Server-Sent Events).
//!
//! Event types: `notification` (a [`Notification`](crate::Notification)),
//! `read` ([`ReadChange`]) and `counts` ([`UnreadCounts`](crate::UnreadCounts)).
//! Every event's `id` is a resume point: sent back as `Last-Event-ID`, the
//! stream replays what came after it, also across server restarts.

use serde::{Deserialize, Serialize};

use crate::kind::{Category, Tab};

/// Notifications that became read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum ReadChange {
    /// These notifications, by id.
    Ids { ids: Vec<String> },
    /// A read-all: the tab (and category) up to and including `up_to`.
    All { tab: Tab, category: Option<Category>, up_to: Option<String> },
}

/// A position in a user's stream: the last notification id and the last
/// read-change id delivered. Encoded as `n<id>.r<id>` in SSE ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamPosition {
    pub notification: i64,
    pub read: i64,
}

impl StreamPosition {
    pub fn encode(&self) -> String {
        format!("n{}.r{}", self.notification, self.read)
    }

    pub fn decode(s: &str) -> Option<StreamPosition> {
        let (n, r) = s.trim().split_once('.')?;
        let notification = n.strip_prefix('n')?.parse().ok()?;
        let read = r.strip_prefix('r')?.parse().ok()?;
        (notification >= 0 && read >= 0).then_some(StreamPosition { notification, read })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_reject_garbage() {
        let p = StreamPosition { notification: 42, read: 7 };
        assert_eq!(StreamPosition::decode(&p.encode()), Some(p));
        for bad in ["", "42", "n1", "n1.x2", "n-1.r0", "nx.r1"] {
            assert_eq!(StreamPosition::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn read_changes_are_tagged_by_scope() {
        let v = serde_json::to_value(ReadChange::Ids { ids: vec!["3".into()] }).unwrap();
        assert_eq!(v, serde_json::json!({"scope": "ids", "ids": ["3"]}));
        let v =
            serde_json::to_value(ReadChange::All { tab: Tab::Inbox, category: None, up_to: Some("9".into()) }).unwrap();
        assert_eq!(v, serde_json::json!({"scope": "all", "tab": "inbox", "category": null, "up_to": "9"}));
    }
}
