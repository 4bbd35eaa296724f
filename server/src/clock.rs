//! Time as the store keeps it: epoch milliseconds, shown as RFC 3339 UTC.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use bell_protocol::Tab;

pub const DAY_MS: i64 = 86_400_000;

pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// `2026-11-24T08:15:00Z`, with milliseconds only when there are some.
pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
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
    }

    #[test]
    fn cutoffs_follow_the_tab() {
        assert_eq!(retention_cutoff(Tab::Inbox, 10 * DAY_MS), 3 * DAY_MS);
        assert_eq!(retention_cutoff(Tab::General, 100 * DAY_MS), 10 * DAY_MS);
    }
}
