//! Request bodies: one extractor, `Body<T>`, deserializes JSON into the very
//! structs the OpenAPI document shows, and its rejection is API.md §3's error
//! naming the field (`serde_path_to_error` gives the path): not JSON → 400
//! `invalid_json`; over the route's limit → 413; a field missing (or null) →
//! `missing_field`, of the wrong type → `invalid_type`, not one of its values
//! → `invalid_value`, not a field at all → `unknown_field`. What a field means
//! (a known kind, a user id, a link) is checked by the handler afterwards.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::AppError;

/// A JSON body of type `T`, at most `T::LIMIT` bytes, sent as
/// `application/json` (415 otherwise) unless `ANY_TYPE` (`sendBeacon` can
/// only send text/plain without a CORS preflight).
pub struct Body<T, const ANY_TYPE: bool = false>(pub T);

/// A request body type, and its size limit (which the route's
/// `DefaultBodyLimit` applies; the 413 says it).
pub trait Limited: DeserializeOwned {
    const LIMIT: usize;
}

impl<S: Send + Sync, T: Limited, const ANY_TYPE: bool> FromRequest<S> for Body<T, ANY_TYPE> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        if !ANY_TYPE && !is_json(&req) {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(T::LIMIT),
            _ if timed_out(&rejection) => AppError::BodyTimeout,
            _ => AppError::BadRequest(rejection.body_text()),
        })?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| AppError::BadRequest(format!("the body is not valid JSON: {e}")))?;
        parse(&value).map(Body)
    }
}

/// Whether the body stopped because it came slower than the body timeout.
fn timed_out(rejection: &axum::extract::rejection::BytesRejection) -> bool {
    let mut error: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(e) = error {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        error = e.source();
    }
    false
}

/// `Content-Type: application/json` (or another `+json` type), any parameters.
fn is_json(req: &Request) -> bool {
    let Some(value) = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A query string's parameters into `T` (first occurrence of each; empty ones
/// are absent; unknown ones ignored), each problem naming its parameter:
/// `missing_field` when required and absent, `invalid_query` otherwise.
pub fn parse_query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, AppError> {
    let mut params = serde_json::Map::new();
    let mut seen = std::collections::HashSet::new();
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        if seen.insert(k.to_string()) && !v.is_empty() {
            params.insert(k.into_owned(), Value::String(v.into_owned()));
        }
    }
    parse(&Value::Object(params)).map_err(|e| match e {
        AppError::Invalid { status, code, message, field } if code != "missing_field" => {
            AppError::Invalid { status, code: "invalid_query", message, field }
        }
        other => other,
    })
}

/// Deserializes `value`, naming the field of the first problem.
pub fn parse<T: DeserializeOwned>(value: &Value) -> Result<T, AppError> {
    // (serde would also take a struct from an array of its fields.)
    if !value.is_object() {
        return Err(AppError::field("invalid_type", "body", "the body must be a JSON object"));
    }
    // PostgreSQL stores no NUL character in text, and no field needs one:
    // refused the same way on every database.
    if let Some(field) = nul_at(value, &mut Vec::new()) {
        return Err(AppError::field("invalid_value", &field, format!("`{field}` must not contain a NUL character")));
    }
    serde_path_to_error::deserialize(value).map_err(|e| field_error(&e, value))
}

/// The path of the first string (or key) holding U+0000.
fn nul_at(value: &Value, path: &mut Vec<String>) -> Option<String> {
    let here = |path: &[String], last: &str| {
        let mut all: Vec<&str> = path.iter().map(String::as_str).collect();
        all.push(last);
        all.join(".")
    };
    match value {
        Value::String(s) if s.contains('\0') => Some(if path.is_empty() { "body".into() } else { path.join(".") }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            path.push(i.to_string());
            let found = nul_at(v, path);
            path.pop();
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                return Some(here(path, &k.replace('\0', "\\0")));
            }
            path.push(k.clone());
            let found = nul_at(v, path);
            path.pop();
            found
        }),
        _ => None,
    }
}

fn field_error(e: &serde_path_to_error::Error<serde_json::Error>, body: &Value) -> AppError {
    let mut path: Vec<String> = Vec::new();
    let mut at = Some(body);
    for segment in e.path().iter() {
        let step = match segment {
            serde_path_to_error::Segment::Seq { index } => {
                at = at.and_then(|v| v.get(index));
                index.to_string()
            }
            serde_path_to_error::Segment::Map { key } => {
                at = at.and_then(|v| v.get(key));
                key.clone()
            }
            serde_path_to_error::Segment::Enum { variant } => variant.clone(),
            serde_path_to_error::Segment::Unknown => continue,
        };
        path.push(step);
    }
    let inner = e.inner().to_string();
    // serde's messages name a missing or unknown field inside the object
    // the path points to.
    let named = |prefix: &str| {
        let rest = inner.strip_prefix(prefix)?.strip_prefix('`')?;
        Some(rest[..rest.find('`')?].to_owned())
    };
    let join = |path: &[String], name: Option<&str>| {
        let mut all: Vec<&str> = path.iter().map(String::as_str).collect();
        // (The path of an unknown field already ends with it.)
        all.extend(name.filter(|n| all.last() != Some(n)));
        if all.is_empty() { "body".to_owned() } else { all.join(".") }
    };
    if let Some(name) = named("missing field ") {
        let field = join(&path, Some(&name));
        return AppError::field("missing_field", &field, format!("`{field}` is required"));
    }
    if let Some(name) = named("unknown field ") {
        let field = join(&path, Some(&name));
        return AppError::field("unknown_field", &field, format!("`{field}` is not a field here"));
    }
    // A tagged object (`actor`) whose tag is wrong: the tag is the field.
    let tag = inner.contains("variant") && at.is_some_and(|v| v.get("type").is_some());
    let field = join(&path, tag.then_some("type"));
    // serde says what it expected; a field's own check says what it must be.
    let expected = inner.split_once(", expected ").map_or(inner.as_str(), |(_, e)| e);
    if inner.starts_with("invalid type: null") {
        AppError::field("missing_field", &field, format!("`{field}` is required"))
    } else if inner.starts_with("invalid type") {
        AppError::field("invalid_type", &field, format!("`{field}` must be {expected}"))
    } else {
        AppError::field("invalid_value", &field, format!("`{field}` must be {expected}"))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        list: Vec<String>,
        inner: Option<Inner>,
        who: bell_protocol::Actor,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "snake_case")]
    #[allow(dead_code)]
    enum Kind {
        Small,
        Large,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        kind: Kind,
    }

    fn error(v: Value) -> (String, Option<String>) {
        match parse::<Outer>(&v) {
            Err(AppError::Invalid { code, field, .. }) => (code.to_owned(), field),
            other => panic!("{other:?}"),
        }
    }

    fn good() -> Value {
        json!({"name": "n", "list": ["a"], "inner": {"kind": "small"}, "who": {"type": "user", "id": "u", "name": "U"}})
    }

    fn with(path: &[&str], value: Value) -> Value {
        let mut v = good();
        let mut at = &mut v;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = value;
        v
    }

    fn without(path: &[&str]) -> Value {
        let mut v = good();
        let mut at = &mut v;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at.as_object_mut().unwrap().remove(path[path.len() - 1]);
        v
    }

    #[test]
    fn every_problem_names_its_field_and_kind() {
        assert!(parse::<Outer>(&good()).is_ok());
        let e = |code: &str, field: &str| (code.to_owned(), Some(field.to_owned()));
        assert_eq!(error(without(&["name"])), e("missing_field", "name"));
        assert_eq!(error(with(&["name"], Value::Null)), e("missing_field", "name"));
        assert_eq!(error(with(&["name"], json!(5))), e("invalid_type", "name"));
        assert_eq!(error(with(&["list"], json!(["a", 3]))), e("invalid_type", "list.1"));
        assert_eq!(error(with(&["inner", "kind"], json!("huge"))), e("invalid_value", "inner.kind"));
        assert_eq!(error(with(&["inner", "extra"], json!(1))), e("unknown_field", "inner.extra"));
        assert_eq!(error(with(&["extra"], json!(1))), e("unknown_field", "extra"));
        assert_eq!(error(without(&["who", "name"])), e("missing_field", "who.name"));
        assert_eq!(error(with(&["who", "type"], json!("robot"))), e("invalid_value", "who.type"));
        assert_eq!(error(without(&["who", "type"])), e("missing_field", "who.type"));
        assert_eq!(error(with(&["who"], json!("u"))), e("invalid_type", "who"));
        assert_eq!(error(json!([])), e("invalid_type", "body"));
        assert_eq!(error(with(&["who", "extra"], json!(1))), e("unknown_field", "who.extra"));
        assert_eq!(error(with(&["who"], json!({"type": "system", "id": "u"}))), e("unknown_field", "who.id"));
    }
}
