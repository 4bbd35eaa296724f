//! Preferences per category and channel, and quiet hours (API.md §7).
//!
//! The keys are derived from the kinds table: every `<tab>.<category>` a
//! kind is placed in, plus `chat.incoming` for incoming messages (never
//! stored, so it has no bell). A new kind or category is a new key without
//! anything else to change.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::kind::{Category, KindSpec, Tab};

/// What a preference is about: a tab's category, or chat's incoming messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    Category(Tab, Category),
    ChatIncoming,
}

/// How many topics there are: each tab's categories, and `chat.incoming`.
pub const TOPICS: usize = {
    let mut n = 1;
    let mut t = 0;
    while t < Tab::ALL.len() {
        n += Tab::ALL[t].categories().len();
        t += 1;
    }
    n
};

impl Topic {
    /// Every topic, in the order a settings view lists them (by tab, then
    /// the tab's filter order; `chat.incoming` last).
    pub fn all() -> impl Iterator<Item = Topic> {
        Tab::ALL
            .into_iter()
            .flat_map(|t| t.categories().iter().map(move |c| Topic::Category(t, *c)))
            .chain([Topic::ChatIncoming])
    }

    /// The topic of a kind: where it is placed, or incoming chat.
    pub fn of(spec: &KindSpec) -> Topic {
        spec.placement.map_or(Topic::ChatIncoming, |(t, c)| Topic::Category(t, c))
    }

    /// Its place in [`Topic::all`].
    pub fn index(self) -> usize {
        Topic::all().position(|t| t == self).unwrap_or(TOPICS - 1)
    }

    /// `general.reminder`, `chat.incoming`.
    pub fn key(self) -> String {
        match self {
            Topic::Category(t, c) => format!("{}.{}", t.as_str(), c.as_str()),
            Topic::ChatIncoming => "chat.incoming".into(),
        }
    }

    pub fn parse(key: &str) -> Option<Topic> {
        Topic::all().find(|t| t.key() == key)
    }

    /// Whether it has a bell channel (incoming messages are never stored).
    pub fn stored(self) -> bool {
        self != Topic::ChatIncoming
    }

    /// Whether the bell may be turned off: a request that needs a decision
    /// always reaches the bell.
    pub fn bell_optional(self) -> bool {
        !matches!(self, Topic::Category(Tab::Approval, _) | Topic::ChatIncoming)
    }
}

/// Where a notification can reach a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Stored in the bell (listed, counted, streamed).
    Bell,
    /// A browser pop-up.
    Browser,
    /// A mobile push.
    Push,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Bell, Channel::Browser, Channel::Push];

    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Bell => "bell",
            Channel::Browser => "browser",
            Channel::Push => "push",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One key's switches; `bell` is absent for `chat.incoming`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Switches {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bell: Option<bool>,
    pub browser: bool,
    pub push: bool,
}

/// A day of the week, as quiet hours name the days a window starts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    pub const ALL: [Day; 7] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri, Day::Sat, Day::Sun];

    /// Monday 0 … Sunday 6.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A daily quiet window: from `start` to `end` (24-hour `HH:MM`, crossing
/// midnight when `end` is earlier), starting on `days`, in `time_zone` (IANA).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    #[cfg_attr(feature = "openapi", schema(example = "21:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub start: String,
    #[cfg_attr(feature = "openapi", schema(example = "07:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$"))]
    pub end: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub days: Vec<Day>,
    #[cfg_attr(feature = "openapi", schema(example = "Asia/Jakarta"))]
    pub time_zone: String,
}

/// `GET /v1/preferences`, and the answer of `PUT`: every key, always.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preferences {
    /// Every `<tab>.<category>` of the kinds table, and `chat.incoming`.
    #[cfg_attr(feature = "openapi", schema(schema_with = every_key))]
    pub channels: BTreeMap<String, Switches>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub quiet_hours: Option<QuietHours>,
    /// Pop-ups play the browser's notification sound (also `/v1/settings`).
    pub sound: bool,
}

/// One key's switches to change; what is absent stays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SwitchesUpdate {
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub bell: Option<bool>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub browser: Option<bool>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub push: Option<bool>,
}

impl SwitchesUpdate {
    /// The named switches, in channel order.
    pub fn named(&self) -> impl Iterator<Item = (Channel, bool)> {
        [(Channel::Bell, self.bell), (Channel::Browser, self.browser), (Channel::Push, self.push)]
            .into_iter()
            .filter_map(|(c, v)| v.map(|v| (c, v)))
    }
}

/// `PUT /v1/preferences`: any part of the document; what it does not name
/// is unchanged. `quiet_hours: null` turns quiet hours off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PreferencesUpdate {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(schema_with = any_key))]
    pub channels: BTreeMap<String, SwitchesUpdate>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<QuietHours>))]
    pub quiet_hours: Option<Option<QuietHours>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub sound: Option<bool>,
}

/// The document's `channels`: an object with every key of the kinds table
/// (the OpenAPI document states them, derived from the same table).
#[cfg(feature = "openapi")]
fn every_key() -> utoipa::openapi::Object {
    keys("Switches", true)
}

/// An update's `channels`: any of the keys, each with any of its switches.
#[cfg(feature = "openapi")]
fn any_key() -> utoipa::openapi::Object {
    keys("SwitchesUpdate", false)
}

#[cfg(feature = "openapi")]
fn keys(switches: &str, required: bool) -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Ref};
    let mut object = ObjectBuilder::new().additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for topic in Topic::all() {
        object = object.property(topic.key(), Ref::from_schema_name(switches));
        if required {
            object = object.required(topic.key());
        }
    }
    object.build()
}

/// A field that is present (even as `null` where `T` takes it): `Some`.
/// With `#[serde(default)]`, an absent field is `None`; a `null` for a
/// boolean is a type error, not "unchanged".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KINDS;

    #[test]
    fn every_placement_of_the_kinds_table_is_a_key_and_nothing_else() {
        let keys: Vec<String> = Topic::all().map(Topic::key).collect();
        assert_eq!(keys.len(), TOPICS);
        for spec in KINDS {
            assert!(keys.contains(&Topic::of(spec).key()), "{} has no preference key", spec.name);
        }
        for topic in Topic::all() {
            assert!(KINDS.iter().any(|k| Topic::of(k) == topic), "{} has no kind", topic.key());
            assert_eq!(Topic::parse(&topic.key()), Some(topic));
            assert_eq!(Topic::all().nth(topic.index()), Some(topic));
        }
        assert_eq!(
            keys,
            [
                "general.reminder",
                "general.mention",
                "general.assignment",
                "general.update",
                "general.download_upload",
                "inbox.assignment",
                "inbox.resolved",
                "inbox.contact",
                "approval.deal",
                "approval.expense",
                "chat.incoming"
            ]
        );
    }

    #[test]
    fn an_update_tells_absent_from_null() {
        let u: PreferencesUpdate = serde_json::from_str(r#"{"quiet_hours": null}"#).unwrap();
        assert_eq!(u.quiet_hours, Some(None));
        let u: PreferencesUpdate = serde_json::from_str(r#"{"sound": false}"#).unwrap();
        assert_eq!((u.quiet_hours, u.sound), (None, Some(false)));
        assert!(serde_json::from_str::<PreferencesUpdate>(r#"{"sound": null}"#).is_err());
        assert!(serde_json::from_str::<SwitchesUpdate>(r#"{"bell": null}"#).is_err());
        assert!(serde_json::from_str::<SwitchesUpdate>(r#"{"sms": true}"#).is_err());
    }
}
