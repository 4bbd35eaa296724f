//! Preferences per category and channel, and quiet hours (API.md §7): what
//! a change may say (each refusal naming its field), the compact form
//! ingestion and routing read, the quiet window in the user's time zone,
//! and the cache that keeps those reads off the database.
//!
//! Only what differs from the default is stored (`{"off": ["general.update.browser"],
//! "quiet_hours": …}`, keys by name so a new category needs no migration);
//! `sound` stays in `settings`, shared with `/v1/settings`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use bell_protocol::{Channel, Day, Preferences, PreferencesUpdate, QuietHours, Switches, Topic};
use chrono::{Datelike, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::store::Store;

/// A user's preferences as ingestion and routing read them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserPrefs {
    /// Bit `topic * 3 + channel` set: that channel is off for that topic.
    off: u64,
    quiet: Option<Quiet>,
}

/// A quiet window in minutes of the day, the days it starts on (bit 0:
/// Monday) and its zone; with the wire form it was given in.
#[derive(Clone, Debug, PartialEq)]
struct Quiet {
    start: u32,
    end: u32,
    days: u8,
    zone: Tz,
    wire: QuietHours,
}

const _: () = assert!(bell_protocol::preferences::TOPICS * 3 <= 64, "the switches fit one u64");

fn bit(topic: Topic, channel: Channel) -> u64 {
    let c = Channel::ALL.iter().position(|x| *x == channel).unwrap_or_default();
    1 << (topic.index() * 3 + c)
}

/// Everything on, no quiet hours.
pub static DEFAULT: LazyLock<Arc<UserPrefs>> = LazyLock::new(Arc::default);

/// What is stored for a user.
#[derive(Serialize, Deserialize, Default)]
struct Stored {
    #[serde(default)]
    off: Vec<String>,
    #[serde(default)]
    quiet_hours: Option<QuietHours>,
}

impl UserPrefs {
    /// Whether `channel` is on for `topic`.
    pub fn allows(&self, topic: Topic, channel: Channel) -> bool {
        self.off & bit(topic, channel) == 0
    }

    /// Whether `at_ms` (epoch ms) falls in the quiet window: the wall clock
    /// in the window's zone (so DST moves it with the zone), inside a window
    /// that started today, or yesterday when it crosses midnight.
    pub fn quiet_at(&self, at_ms: i64) -> bool {
        let Some(q) = &self.quiet else { return false };
        let Some(utc) = chrono::DateTime::from_timestamp_millis(at_ms) else { return false };
        let local = utc.with_timezone(&q.zone);
        let minute = local.hour() * 60 + local.minute();
        let today = local.weekday().num_days_from_monday();
        let starts_on = |day: u32| q.days & (1 << day) != 0;
        if q.start < q.end {
            starts_on(today) && (q.start..q.end).contains(&minute)
        } else {
            (starts_on(today) && minute >= q.start) || (starts_on((today + 6) % 7) && minute < q.end)
        }
    }

    /// The whole document (API.md §7), every key present.
    pub fn document(&self, sound: bool) -> Preferences {
        let channels = Topic::all()
            .map(|t| {
                let on = |c| self.allows(t, c);
                let switches = Switches {
                    bell: t.stored().then(|| on(Channel::Bell)),
                    browser: on(Channel::Browser),
                    push: on(Channel::Push),
                };
                (t.key(), switches)
            })
            .collect();
        Preferences { channels, quiet_hours: self.quiet.as_ref().map(|q| q.wire.clone()), sound }
    }

    /// These preferences changed by `update`, or the first problem naming
    /// its field (nothing is changed then).
    pub fn apply(&self, update: &PreferencesUpdate) -> Result<UserPrefs, AppError> {
        let mut next = self.clone();
        for (key, switches) in &update.channels {
            let field = format!("channels.{key}");
            let topic = Topic::parse(key)
                .ok_or_else(|| AppError::field("unknown_field", &field, format!("`{key}` is not a preference key")))?;
            for (channel, on) in switches.named() {
                let field = format!("{field}.{}", channel.as_str());
                if channel == Channel::Bell && !topic.stored() {
                    return Err(AppError::field(
                        "unknown_field",
                        field,
                        format!("`{key}` is never stored: it has no bell"),
                    ));
                }
                if channel == Channel::Bell && !on && !topic.bell_optional() {
                    return Err(AppError::field(
                        "invalid_value",
                        field,
                        "a request that needs a decision always reaches the bell",
                    ));
                }
                if on {
                    next.off &= !bit(topic, channel);
                } else {
                    next.off |= bit(topic, channel);
                }
            }
        }
        if let Some(quiet) = &update.quiet_hours {
            next.quiet = quiet.as_ref().map(Quiet::read).transpose()?;
        }
        Ok(next)
    }

    /// The stored form (only what differs from the default).
    pub fn to_stored(&self) -> String {
        let off = Topic::all()
            .flat_map(|t| Channel::ALL.into_iter().map(move |c| (t, c)))
            .filter(|(t, c)| !self.allows(*t, *c))
            .map(|(t, c)| format!("{}.{}", t.key(), c.as_str()))
            .collect();
        let stored = Stored { off, quiet_hours: self.quiet.as_ref().map(|q| q.wire.clone()) };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Reads the stored form; what no longer means anything (a key since
    /// removed from the kinds table) is left out.
    pub fn from_stored(text: &str) -> UserPrefs {
        let stored: Stored = serde_json::from_str(text).unwrap_or_default();
        let mut prefs = UserPrefs::default();
        for name in &stored.off {
            let Some((key, channel)) = name.rsplit_once('.') else { continue };
            if let (Some(t), Some(c)) = (Topic::parse(key), Channel::parse(channel)) {
                prefs.off |= bit(t, c);
            }
        }
        prefs.quiet = stored.quiet_hours.as_ref().and_then(|q| Quiet::read(q).ok());
        prefs
    }
}

/// `HH:MM` (24-hour) as minutes of the day.
fn minutes(text: &str, field: &str) -> Result<u32, AppError> {
    let bad = || AppError::field("invalid_value", field, format!("`{field}` must be a 24-hour time HH:MM"));
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl Quiet {
    fn read(q: &QuietHours) -> Result<Quiet, AppError> {
        let start = minutes(&q.start, "quiet_hours.start")?;
        let end = minutes(&q.end, "quiet_hours.end")?;
        if start == end {
            return Err(AppError::field(
                "invalid_value",
                "quiet_hours.end",
                "`quiet_hours.end` must differ from `start`",
            ));
        }
        if q.days.is_empty() {
            return Err(AppError::field("invalid_value", "quiet_hours.days", "`quiet_hours.days` must name a day"));
        }
        let zone: Tz = q.time_zone.parse().map_err(|_| {
            AppError::field(
                "invalid_value",
                "quiet_hours.time_zone",
                "`quiet_hours.time_zone` must be an IANA time zone",
            )
        })?;
        let days = q.days.iter().fold(0u8, |bits, d| bits | 1 << d.index());
        // Given back in a canonical form: each day once, in week order.
        let days_in_order = Day::ALL.into_iter().filter(|d| days & 1 << d.index() != 0).collect();
        let wire = QuietHours { days: days_in_order, ..q.clone() };
        Ok(Quiet { start, end, days, zone, wire })
    }
}

/// How long a cached entry is trusted without a change being heard: a
/// change note lost between processes is outlived by this.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// Users kept at most; past it the cache starts again (a miss costs one
/// batched query, never one per recipient).
const CAPACITY: usize = 200_000;

/// Preferences by user, read from the store in one query per batch of
/// misses, updated by a change here and dropped on a change elsewhere (the
/// bus tells). A user without stored preferences is cached as the default.
#[derive(Clone, Default)]
pub struct PreferenceCache(Arc<Inner>);

/// A cached user's preferences and when they were read.
type Entry = (Arc<UserPrefs>, Instant);

#[derive(Default)]
struct Inner {
    users: Mutex<HashMap<Arc<str>, Entry>>,
    /// Moved by every change: a load begun before one does not cache what it read.
    changes: AtomicU64,
}

impl PreferenceCache {
    /// The preferences of each of `users`, in order.
    pub async fn of(&self, store: &Store, users: &[&str]) -> anyhow::Result<Vec<Arc<UserPrefs>>> {
        let now = Instant::now();
        let mut found: Vec<Option<Arc<UserPrefs>>> = Vec::with_capacity(users.len());
        let mut missing = Vec::new();
        {
            let cached = self.0.users.lock().expect("preference cache");
            for user in users {
                let hit = cached.get(*user).filter(|(_, at)| now.duration_since(*at) < FRESH_FOR);
                if hit.is_none() {
                    missing.push(*user);
                }
                found.push(hit.map(|(p, _)| p.clone()));
            }
        }
        if missing.is_empty() {
            return Ok(found.into_iter().map(Option::unwrap_or_default).collect());
        }
        let before = self.0.changes.load(Ordering::Acquire);
        let stored = store.preferences_of(&missing).await?;
        let loaded: HashMap<&str, Arc<UserPrefs>> = missing
            .iter()
            .map(|u| (*u, stored.get(*u).map_or_else(|| DEFAULT.clone(), |s| Arc::new(UserPrefs::from_stored(s)))))
            .collect();
        {
            let mut cached = self.0.users.lock().expect("preference cache");
            if self.0.changes.load(Ordering::Acquire) == before {
                if cached.len() + loaded.len() > CAPACITY {
                    cached.clear();
                }
                cached.extend(loaded.iter().map(|(u, p)| (Arc::from(*u), (p.clone(), now))));
            }
        }
        Ok(users
            .iter()
            .zip(found)
            .map(|(u, hit)| hit.unwrap_or_else(|| loaded.get(u).cloned().unwrap_or_default()))
            .collect())
    }

    /// `user` changed their preferences in this process (already committed).
    pub fn set(&self, user: &str, prefs: UserPrefs) {
        let mut cached = self.0.users.lock().expect("preference cache");
        self.0.changes.fetch_add(1, Ordering::AcqRel);
        cached.insert(Arc::from(user), (Arc::new(prefs), Instant::now()));
    }

    /// `user` changed their preferences in another process.
    pub fn forget(&self, user: &str) {
        let mut cached = self.0.users.lock().expect("preference cache");
        self.0.changes.fetch_add(1, Ordering::AcqRel);
        cached.remove(user);
    }

    /// Changes may have been missed (the bus reconnected): read everything afresh.
    pub fn forget_all(&self) {
        let mut cached = self.0.users.lock().expect("preference cache");
        self.0.changes.fetch_add(1, Ordering::AcqRel);
        cached.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bell_protocol::{Category, Tab};

    fn update(json: &str) -> PreferencesUpdate {
        serde_json::from_str(json).unwrap()
    }

    fn field(e: AppError) -> String {
        match e {
            AppError::Invalid { field, .. } => field.unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    fn at(rfc3339: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
    }

    fn quiet(start: &str, end: &str, days: &str, zone: &str) -> UserPrefs {
        let json = format!(
            r#"{{"quiet_hours": {{"start": "{start}", "end": "{end}", "days": {days}, "time_zone": "{zone}"}}}}"#
        );
        UserPrefs::default().apply(&update(&json)).unwrap()
    }

    #[test]
    fn defaults_are_everything_on_with_every_key() {
        let doc = DEFAULT.document(true);
        assert_eq!(doc.channels.len(), bell_protocol::preferences::TOPICS);
        assert!(doc.channels.values().all(|s| s.browser && s.push && s.bell != Some(false)));
        assert_eq!(doc.channels["chat.incoming"].bell, None);
        assert_eq!(doc.channels["general.reminder"].bell, Some(true));
        assert_eq!(doc.quiet_hours, None);
    }

    #[test]
    fn a_change_names_only_what_it_changes_and_round_trips_through_storage() {
        let p = UserPrefs::default()
            .apply(&update(r#"{"channels": {"general.update": {"browser": false}, "chat.incoming": {"push": false}}}"#))
            .unwrap();
        let update_topic = Topic::Category(Tab::General, Category::Update);
        assert!(!p.allows(update_topic, Channel::Browser));
        assert!(p.allows(update_topic, Channel::Push) && p.allows(update_topic, Channel::Bell));
        assert!(!p.allows(Topic::ChatIncoming, Channel::Push));
        let p2 = p.apply(&update(r#"{"channels": {"general.update": {"push": false}}}"#)).unwrap();
        assert!(!p2.allows(update_topic, Channel::Browser), "an earlier change stays");
        assert_eq!(UserPrefs::from_stored(&p2.to_stored()), p2);
        let q = quiet("21:00", "07:00", r#"["fri","mon","mon"]"#, "Asia/Jakarta");
        assert_eq!(q.document(true).quiet_hours.unwrap().days, [Day::Mon, Day::Fri], "each day once, in order");
        assert_eq!(UserPrefs::from_stored(&q.to_stored()), q);
        let off = q.apply(&update(r#"{"quiet_hours": null}"#)).unwrap();
        assert_eq!(off.document(true).quiet_hours, None);
        // A key since removed is ignored, not an error.
        assert_eq!(UserPrefs::from_stored(r#"{"off": ["general.gone.browser"]}"#), UserPrefs::default());
    }

    #[test]
    fn each_refusal_names_its_field() {
        let p = UserPrefs::default();
        let refused = |json: &str| field(p.apply(&update(json)).unwrap_err());
        assert_eq!(refused(r#"{"channels": {"general.nope": {"push": false}}}"#), "channels.general.nope");
        assert_eq!(refused(r#"{"channels": {"approval.deal": {"bell": false}}}"#), "channels.approval.deal.bell");
        assert_eq!(refused(r#"{"channels": {"chat.incoming": {"bell": true}}}"#), "channels.chat.incoming.bell");
        let q = |s: &str, e: &str, days: &str, zone: &str| {
            refused(&format!(
                r#"{{"quiet_hours": {{"start": "{s}", "end": "{e}", "days": {days}, "time_zone": "{zone}"}}}}"#
            ))
        };
        assert_eq!(q("24:00", "07:00", r#"["mon"]"#, "UTC"), "quiet_hours.start");
        assert_eq!(q("9:00", "07:00", r#"["mon"]"#, "UTC"), "quiet_hours.start");
        assert_eq!(q("21:00", "07:60", r#"["mon"]"#, "UTC"), "quiet_hours.end");
        assert_eq!(q("21:00", "21:00", r#"["mon"]"#, "UTC"), "quiet_hours.end");
        assert_eq!(q("21:00", "07:00", "[]", "UTC"), "quiet_hours.days");
        assert_eq!(q("21:00", "07:00", r#"["mon"]"#, "Mars/Olympus"), "quiet_hours.time_zone");
        // Approval's bell may be turned on (it is on); its other channels off.
        assert!(p.apply(&update(r#"{"channels": {"approval.deal": {"bell": true, "push": false}}}"#)).is_ok());
    }

    #[test]
    fn the_quiet_window_follows_the_zone_crosses_midnight_and_starts_on_its_days() {
        // 21:00–07:00 starting Monday to Friday, Jakarta (UTC+7, no DST).
        let q = quiet("21:00", "07:00", r#"["mon","tue","wed","thu","fri"]"#, "Asia/Jakarta");
        assert!(q.quiet_at(at("2026-12-07T14:00:00Z")), "Monday 21:00 in Jakarta");
        assert!(!q.quiet_at(at("2026-12-07T13:59:00Z")), "Monday 20:59");
        assert!(q.quiet_at(at("2026-12-07T23:30:00Z")), "Tuesday 06:30: Monday's window");
        assert!(!q.quiet_at(at("2026-12-08T00:00:00Z")), "Tuesday 07:00: over");
        assert!(!q.quiet_at(at("2026-12-12T23:00:00Z")), "Sunday 06:00: Saturday started none");
        assert!(q.quiet_at(at("2026-12-11T23:00:00Z")), "Saturday 06:00: Friday's window");
        assert!(!q.quiet_at(at("2026-12-12T14:00:00Z")), "Saturday 21:00: no window starts");
        // Same-day window.
        let lunch = quiet("12:00", "13:00", r#"["sat"]"#, "UTC");
        assert!(lunch.quiet_at(at("2026-12-12T12:30:00Z")) && !lunch.quiet_at(at("2026-12-12T13:00:00Z")));
        // DST: New York 22:00–06:00 every day. 03:00 UTC is 22:00 in
        // summer (EDT, UTC−4) but 21:00 in winter (EST, UTC−5).
        let every = r#"["mon","tue","wed","thu","fri","sat","sun"]"#;
        let ny = quiet("22:00", "06:00", every, "America/New_York");
        assert!(ny.quiet_at(at("2026-07-01T02:00:00Z")), "22:00 EDT");
        assert!(!ny.quiet_at(at("2026-12-01T02:00:00Z")), "21:00 EST");
        assert!(ny.quiet_at(at("2026-12-01T03:00:00Z")), "22:00 EST");
        // The night clocks go forward (8 March 2026, 02:00 → 03:00 EDT): 06:30 EDT is out.
        assert!(ny.quiet_at(at("2026-03-08T09:30:00Z")), "05:30 EDT");
        assert!(!ny.quiet_at(at("2026-03-08T10:30:00Z")), "06:30 EDT");
    }
}
