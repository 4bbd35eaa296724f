//! Validating a producer's event against the kinds table and applying the
//! ingestion rules (SPEC §3). Its shape (types, required and unknown fields)
//! was checked when the body was read (`crate::body`); here is what the
//! fields mean, each problem naming its field (`args.deal_name`,
//! `recipients.2`).

use bell_protocol::kind::{self, KindSpec};
use bell_protocol::{Actor, ArgType, NewEvent};
use serde_json::{Map, Value};

use crate::error::AppError;

/// A field of an event that is wrong: API.md §3's `code`, the field's path and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub code: &'static str,
    pub field: String,
    pub message: String,
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> AppError {
        AppError::field(e.code, e.field, e.message)
    }
}

fn problem(code: &'static str, field: &str, message: String) -> Invalid {
    Invalid { code, field: field.to_owned(), message }
}

/// Largest accepted request body of `POST /v1/events`.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;
/// Most recipients one event may name.
pub const MAX_RECIPIENTS: usize = 1000;
const MAX_ID_LEN: usize = 128;
const MAX_LINK_LEN: usize = 2048;

/// An event that passed validation.
#[derive(Clone, Debug)]
pub struct ValidEvent {
    pub id: String,
    pub spec: &'static KindSpec,
    pub actor: Actor,
    /// Distinct, in the producer's order.
    pub recipients: Vec<String>,
    pub args: Map<String, Value>,
    pub link: Option<String>,
    /// Milliseconds since the epoch, never later than arrival.
    pub created_at: i64,
    /// An actionable approval request's approval id (API.md §6).
    pub approval_id: Option<String>,
    /// Recipients whose preferences keep this category out of their bell
    /// (set by the pipeline from the preference cache).
    pub bell_off: std::collections::HashSet<String>,
}

impl ValidEvent {
    /// Who gets a stored copy, and how many recipients a rule suppressed.
    /// Incoming messages are never stored (they only reach pop-ups and push).
    pub fn stored_recipients(&self) -> (Vec<&str>, u32) {
        if self.spec.placement.is_none() {
            return (Vec::new(), 0);
        }
        let actor = self.actor.user_id();
        let mut suppressed = 0;
        let stored = self
            .recipients
            .iter()
            .map(String::as_str)
            .filter(|r| {
                // Self-assignment is silent (SPEC §3.1); so is a category
                // the recipient keeps out of their bell.
                let silent = (self.spec.assignment && actor == Some(*r)) || self.bell_off.contains(*r);
                suppressed += u32::from(silent);
                !silent
            })
            .collect();
        (stored, suppressed)
    }
}

fn missing(field: &str) -> Invalid {
    problem("missing_field", field, format!("`{field}` is required"))
}

fn invalid(field: &str, why: impl std::fmt::Display) -> Invalid {
    problem("invalid_value", field, format!("`{field}` {why}"))
}

/// A user id: 1–128 characters of letters, digits and `._:@-`.
pub fn is_user_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'@' | b'-'))
}

/// A link is a path on the host app (`/deals/42`) or an https URL on one of
/// `hosts`. Protocol-relative (`//evil`, `/\evil`), `javascript:`, `data:` and
/// every other scheme are refused. Answers the link as the WHATWG URL parser
/// reads it, which is what is stored: what a browser will follow.
pub fn check_link(link: &str, hosts: &[String]) -> Result<String, String> {
    if link.len() > MAX_LINK_LEN {
        return Err(format!("must be at most {MAX_LINK_LEN} bytes"));
    }
    if link.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain spaces or control characters".into());
    }
    if let Some(rest) = link.strip_prefix('/') {
        if rest.starts_with('/') || rest.starts_with('\\') {
            return Err("must not be protocol-relative (`//host`)".into());
        }
        // Resolved against a stand-in origin: the path, query and fragment
        // a browser would request on the host app.
        let base = url::Url::parse("https://host.invalid/").expect("a valid base");
        let url = base.join(link).map_err(|_| "must be a path starting with `/` or an https URL".to_string())?;
        if url.host_str() != Some("host.invalid") {
            return Err("must stay on the host app".into());
        }
        return Ok(url[url::Position::BeforePath..].to_owned());
    }
    let url = url::Url::parse(link).map_err(|_| "must be a path starting with `/` or an https URL".to_string())?;
    if url.scheme() != "https" {
        return Err(format!("must be a relative path or https, not `{}:`", url.scheme()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials".into());
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if !hosts.contains(&host) {
        return Err(format!("points to `{host}`, which is not an allowed link host"));
    }
    Ok(url.into())
}

/// Parses an RFC 3339 time into epoch milliseconds.
pub fn parse_time(s: &str) -> Option<i64> {
    crate::clock::parse_rfc3339(s)
}

/// Checks what an event's fields mean; `now` is the arrival time in epoch
/// milliseconds.
pub fn validate(event: NewEvent, link_hosts: &[String], now: i64) -> Result<ValidEvent, Invalid> {
    let NewEvent { id, kind: kind_name, actor, recipients, args, link, occurred_at, approval_id } = event;
    if id.trim().is_empty() || id.len() > 200 || id.chars().any(char::is_control) {
        return Err(invalid("id", "must be 1–200 printable characters"));
    }

    let spec = kind::kind(&kind_name)
        .ok_or_else(|| problem("unknown_kind", "kind", format!("`{kind_name}` is not a known kind")))?;
    if let Some(approval) = &approval_id {
        if !spec.is_approval_request() {
            let why = "`approval_id` makes only an approval request actionable \
                       (`approval.deal.requested`, `approval.expense.requested`)";
            return Err(problem("invalid_value", "approval_id", why.to_owned()));
        }
        if approval.trim().is_empty() || approval.len() > 200 || approval.chars().any(char::is_control) {
            return Err(invalid("approval_id", "must be 1–200 printable characters"));
        }
    }

    if let Actor::User { id, name } = &actor {
        if !is_user_id(id) {
            return Err(invalid("actor.id", "must be 1–128 letters, digits or `._:@-`"));
        }
        ArgType::Text.check(&Value::String(name.clone())).map_err(|e| invalid("actor.name", e))?;
    }

    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        return Err(invalid("recipients", format!("must name 1–{MAX_RECIPIENTS} users")));
    }
    let mut distinct: Vec<String> = Vec::with_capacity(recipients.len());
    for (i, r) in recipients.into_iter().enumerate() {
        if !is_user_id(&r) {
            let field = format!("recipients.{i}");
            let message = format!("`{field}` must be 1–128 letters, digits or `._:@-`");
            return Err(problem("invalid_recipient", &field, message));
        }
        if !distinct.contains(&r) {
            distinct.push(r);
        }
    }

    for spec_arg in spec.args {
        let field = format!("args.{}", spec_arg.name);
        match args.get(spec_arg.name) {
            None | Some(Value::Null) => return Err(missing(&field)),
            Some(v) => spec_arg.ty.check(v).map_err(|why| {
                let expects_number = matches!(spec_arg.ty, ArgType::Count | ArgType::Number);
                let code = if expects_number == v.is_number() { "invalid_value" } else { "invalid_type" };
                problem(code, &field, format!("`{field}` {why}"))
            })?,
        }
        // The kinds table checks a date's shape; here it must be a real instant.
        if let (ArgType::Timestamp, Some(Value::String(s))) = (spec_arg.ty, args.get(spec_arg.name))
            && parse_time(s).is_none()
        {
            return Err(invalid(&field, "must be a real RFC 3339 date-time"));
        }
    }
    if let Some(k) = args.keys().find(|k| spec.arg(k).is_none()) {
        let field = format!("args.{k}");
        return Err(problem("unknown_field", &field, format!("`{field}` is not an argument of this kind")));
    }

    let link = match link {
        Some(link) => Some(
            check_link(&link, link_hosts).map_err(|why| problem("invalid_link", "link", format!("`link` {why}")))?,
        ),
        None => None,
    };

    let created_at = match occurred_at {
        None => now,
        Some(s) => parse_time(&s).ok_or_else(|| invalid("occurred_at", "must be an RFC 3339 date-time"))?.min(now),
    };
    // Stored but never shown (SPEC §2): refused instead.
    if let Some((tab, _)) = spec.placement
        && created_at < crate::clock::retention_cutoff(tab, now)
    {
        let why = format!("is past the {}-day retention of the {} tab", tab.retention_days(), tab.as_str());
        return Err(invalid("occurred_at", why));
    }

    Ok(ValidEvent {
        id,
        spec,
        actor,
        recipients: distinct,
        args,
        link,
        created_at,
        approval_id,
        bell_off: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<String> {
        vec!["app.qontak.com".into()]
    }

    #[test]
    fn links_relative_or_https_on_allowed_hosts() {
        for ok in ["/deals/42", "/inbox?room=7#m", "https://app.qontak.com/deals/1", "https://APP.qontak.com/x"] {
            assert!(check_link(ok, &hosts()).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "//evil.com/x",
            "/\\evil.com",
            "http://app.qontak.com/x",
            "https://evil.com/x",
            "https://app.qontak.com.evil.com/x",
            "https://user:pw@app.qontak.com/",
            "deals/42",
            "/deals/ 42",
            "/deals\n42",
            "",
        ] {
            assert!(check_link(bad, &hosts()).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_are_stored_as_a_browser_reads_them() {
        let normal = |l: &str| check_link(l, &hosts()).unwrap();
        assert_eq!(normal("https://app.qontak.com\\@evil.com"), "https://app.qontak.com/@evil.com");
        assert_eq!(normal("https://APP.qontak.com:443/a/../b?x=1#y"), "https://app.qontak.com/b?x=1#y");
        assert_eq!(normal("/deals/./42/../43?tab=notes#top"), "/deals/43?tab=notes#top");
        assert_eq!(normal("/%7Euser/ü"), "/%7Euser/%C3%BC");
    }

    #[test]
    fn user_ids() {
        assert!(is_user_id("u-1"));
        assert!(is_user_id("agent@tenant.example:42"));
        assert!(!is_user_id(""));
        assert!(!is_user_id("u 1"));
        assert!(!is_user_id(&"u".repeat(129)));
    }

    #[test]
    fn times_parse_to_millis() {
        assert_eq!(parse_time("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(parse_time("1970-01-01T07:00:00+07:00"), Some(0));
        assert_eq!(parse_time("yesterday"), None);
    }
}
