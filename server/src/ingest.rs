//! Validating a producer's event and applying the ingestion rules (SPEC §3).
//!
//! The raw JSON is checked field by field rather than through serde's derive so
//! that every error names the field (`args.deal_name`, `recipients.2`).

use bell_protocol::kind::{self, KindSpec};
use bell_protocol::{Actor, ArgType};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::AppError;

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
                // Self-assignment is silent (SPEC §3.1).
                let silent = self.spec.assignment && actor == Some(*r);
                suppressed += u32::from(silent);
                !silent
            })
            .collect();
        (stored, suppressed)
    }
}

fn missing(field: &str) -> AppError {
    AppError::field("missing_field", field, format!("`{field}` is required"))
}

fn wrong_type(field: &str, expected: &str) -> AppError {
    AppError::field("invalid_type", field, format!("`{field}` must be {expected}"))
}

fn invalid(field: &str, why: impl std::fmt::Display) -> AppError {
    AppError::field("invalid_value", field, format!("`{field}` {why}"))
}

fn unknown_fields(obj: &Map<String, Value>, prefix: &str, allowed: &[&str]) -> Result<(), AppError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => {
            let field = format!("{prefix}{k}");
            Err(AppError::field("unknown_field", &field, format!("`{field}` is not a field of this object")))
        }
        None => Ok(()),
    }
}

fn required_str<'a>(obj: &'a Map<String, Value>, field: &str, path: &str) -> Result<&'a str, AppError> {
    match obj.get(field) {
        None | Some(Value::Null) => Err(missing(path)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(wrong_type(path, "a string")),
    }
}

fn optional_str<'a>(obj: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, AppError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(field, "a string or null")),
    }
}

/// A user id: 1–128 characters of letters, digits and `._:@-`.
pub fn is_user_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'@' | b'-'))
}

/// A link is a path on the host app (`/deals/42`) or an https URL on one of
/// `hosts`. Protocol-relative (`//evil`, `/\evil`), `javascript:`, `data:` and
/// every other scheme are refused.
pub fn check_link(link: &str, hosts: &[String]) -> Result<(), String> {
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
        return Ok(());
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
    Ok(())
}

/// Parses an RFC 3339 time into epoch milliseconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Checks an event body; `now` is the arrival time in epoch milliseconds.
pub fn validate(body: &Value, link_hosts: &[String], now: i64) -> Result<ValidEvent, AppError> {
    let obj = body.as_object().ok_or_else(|| wrong_type("body", "a JSON object"))?;
    unknown_fields(obj, "", &["id", "kind", "actor", "recipients", "args", "link", "occurred_at"])?;

    let id = required_str(obj, "id", "id")?;
    if id.trim().is_empty() || id.len() > 200 || id.chars().any(char::is_control) {
        return Err(invalid("id", "must be 1–200 printable characters"));
    }

    let kind_name = required_str(obj, "kind", "kind")?;
    let spec = kind::kind(kind_name)
        .ok_or_else(|| AppError::field("unknown_kind", "kind", format!("`{kind_name}` is not a known kind")))?;

    let actor = match obj.get("actor") {
        None | Some(Value::Null) => return Err(missing("actor")),
        Some(Value::Object(a)) => match required_str(a, "type", "actor.type")? {
            "system" => {
                unknown_fields(a, "actor.", &["type"])?;
                Actor::System
            }
            "user" => {
                unknown_fields(a, "actor.", &["type", "id", "name"])?;
                let id = required_str(a, "id", "actor.id")?;
                if !is_user_id(id) {
                    return Err(invalid("actor.id", "must be 1–128 letters, digits or `._:@-`"));
                }
                let name = required_str(a, "name", "actor.name")?;
                ArgType::Text.check(&Value::String(name.into())).map_err(|e| invalid("actor.name", e))?;
                Actor::User { id: id.into(), name: name.into() }
            }
            _ => return Err(invalid("actor.type", "must be `user` or `system`")),
        },
        Some(_) => return Err(wrong_type("actor", "an object")),
    };

    let recipients = match obj.get("recipients") {
        None | Some(Value::Null) => return Err(missing("recipients")),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(wrong_type("recipients", "an array of user ids")),
    };
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        return Err(invalid("recipients", format!("must name 1–{MAX_RECIPIENTS} users")));
    }
    let mut distinct: Vec<String> = Vec::with_capacity(recipients.len());
    for (i, r) in recipients.iter().enumerate() {
        let field = format!("recipients.{i}");
        let r = r.as_str().ok_or_else(|| wrong_type(&field, "a user id string"))?;
        if !is_user_id(r) {
            return Err(AppError::field(
                "invalid_recipient",
                &field,
                format!("`{field}` must be 1–128 letters, digits or `._:@-`"),
            ));
        }
        if !distinct.iter().any(|d| d == r) {
            distinct.push(r.to_owned());
        }
    }

    let args = match obj.get("args") {
        None | Some(Value::Null) => return Err(missing("args")),
        Some(Value::Object(a)) => a,
        Some(_) => return Err(wrong_type("args", "an object")),
    };
    for spec_arg in spec.args {
        let field = format!("args.{}", spec_arg.name);
        match args.get(spec_arg.name) {
            None | Some(Value::Null) => return Err(missing(&field)),
            Some(v) => spec_arg.ty.check(v).map_err(|why| {
                let expects_number = matches!(spec_arg.ty, ArgType::Count | ArgType::Number);
                let code = if expects_number == v.is_number() { "invalid_value" } else { "invalid_type" };
                AppError::field(code, &field, format!("`{field}` {why}"))
            })?,
        }
    }
    let allowed_args: Vec<&str> = spec.args.iter().map(|a| a.name).collect();
    unknown_fields(args, "args.", &allowed_args)?;

    let link = optional_str(obj, "link")?;
    if let Some(link) = link {
        check_link(link, link_hosts).map_err(|why| AppError::field("invalid_link", "link", format!("`link` {why}")))?;
    }

    let created_at = match optional_str(obj, "occurred_at")? {
        None => now,
        Some(s) => parse_time(s).ok_or_else(|| invalid("occurred_at", "must be an RFC 3339 date-time"))?.min(now),
    };

    Ok(ValidEvent {
        id: id.to_owned(),
        spec,
        actor,
        recipients: distinct,
        args: args.clone(),
        link: link.map(str::to_owned),
        created_at,
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
            assert_eq!(check_link(ok, &hosts()), Ok(()), "{ok}");
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
