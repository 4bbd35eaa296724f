//! One error type for every handler: it becomes API.md §3's body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bell_protocol::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the body is not JSON at all.
    #[error("{0}")]
    BadRequest(String),
    /// 422 (`status`: another where a contract says so): a field is wrong.
    #[error("{message}")]
    Invalid { status: StatusCode, code: &'static str, message: String, field: Option<String> },
    #[error("missing or invalid credentials")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("the body must be JSON (`Content-Type: application/json`)")]
    UnsupportedMediaType,
    #[error("the body came slower than the body timeout (`BELL_BODY_READ_TIMEOUT_SECS`)")]
    BodyTimeout,
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 422 naming the field that is wrong.
    pub fn field(code: &'static str, field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message: message.into(),
            field: Some(field.into()),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
            AppError::Invalid { status, code, .. } => (*status, code),
            AppError::Unauthorized(code) => (StatusCode::UNAUTHORIZED, code),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            AppError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            AppError::BodyTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let AppError::Internal(e) = &self {
            // The cause is logged with the request id; the client gets no internals.
            tracing::error!(error = format!("{e:#}"), "request failed");
        }
        let field = match &self {
            AppError::Invalid { field, .. } => field.clone(),
            _ => None,
        };
        let body = ErrorBody { error: ErrorDetail { code: code.to_owned(), message: self.to_string(), field } };
        let mut res = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        res
    }
}

pub type AppResult<T> = Result<T, AppError>;
