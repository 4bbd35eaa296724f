//! Time as the store keeps it: epoch milliseconds, shown as RFC 3339 UTC.

use bell_protocol::Tab;
use chrono::{DateTime, SecondsFormat, Utc};

pub const DAY_MS: i64 = 86_400_000;

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `2026-11-24T08:15:00Z`, with a fraction only when there is one, and no
/// trailing zeros in it (`…:01.5Z`).
pub fn rfc3339(ms: i64) -> String {
    let Some(t) = DateTime::<Utc>::from_timestamp_millis(ms) else { return String::new() };
    let text = t.to_rfc3339_opts(SecondsFormat::Millis, true);
    match text.split_once('.') {
        Some((whole, fraction)) => {
            let digits = fraction.trim_end_matches('Z').trim_end_matches('0');
            if digits.is_empty() { format!("{whole}Z") } else { format!("{whole}.{digits}Z") }
        }
        None => text,
    }
}

/// Parses an RFC 3339 time into epoch milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp_millis())
}

/// The oldest `created_at` still shown in `tab` at `now`.
pub fn retention_cutoff(tab: Tab, now: i64) -> i64 {
    now - tab.retention_days() * DAY_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_whole_seconds_without_fraction() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_500), "1970-01-01T00:00:01.5Z");
        assert_eq!(rfc3339(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
        assert_eq!(parse_rfc3339("2025-11-24T23:00:00.123+07:00"), Some(1_764_000_000_123));
        assert_eq!(parse_rfc3339("24 Nov 2025"), None);
    }

    #[test]
    fn cutoffs_follow_the_tab() {
        assert_eq!(retention_cutoff(Tab::Inbox, 10 * DAY_MS), 3 * DAY_MS);
        assert_eq!(retention_cutoff(Tab::General, 100 * DAY_MS), 10 * DAY_MS);
    }
}
