//! Who is calling: a user (HS256 JWT) or a producer (the service token).
//!
//! Missing, invalid or expired credentials are `401`; a valid credential of
//! the wrong kind (a user token on `/v1/events`, the service token on a user
//! endpoint) is `403` (API.md §2).

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::AppError;

/// The claims of a user token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: u64,
}

#[derive(Clone)]
pub struct Auth(Arc<AuthInner>);

struct AuthInner {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    service_token: String,
}

impl Auth {
    pub fn new(jwt_secret: &str, service_token: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        // Expiry is exact: a host refreshes tokens on `bell-auth-expired`.
        validation.leeway = 0;
        Auth(Arc::new(AuthInner {
            decoding: DecodingKey::from_secret(jwt_secret.as_bytes()),
            encoding: EncodingKey::from_secret(jwt_secret.as_bytes()),
            validation,
            service_token: service_token.to_owned(),
        }))
    }

    /// The user id of a valid token.
    pub fn user_of(&self, token: &str) -> Option<String> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.0.decoding, &self.0.validation).ok()?;
        let sub = data.claims.sub;
        // (No database stores a NUL character: such a user cannot exist.)
        (!sub.is_empty() && !sub.contains('\0')).then_some(sub)
    }

    pub fn is_service_token(&self, token: &str) -> bool {
        token.as_bytes().ct_eq(self.0.service_token.as_bytes()).into()
    }

    /// Mints a user token (demo pages, tests and benchmarks).
    pub fn issue(&self, user_id: &str, valid_for_secs: u64) -> String {
        let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs()
            + valid_for_secs;
        let claims = Claims { sub: user_id.to_owned(), exp };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)
            .expect("HS256 encoding cannot fail")
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// What a bearer token turned out to be.
enum Credential {
    User(String),
    Service,
    Invalid,
}

/// Reads the request's bearer token; `401` when there is none.
fn credential<S>(parts: &Parts, state: &S) -> Result<Credential, AppError>
where
    Auth: FromRef<S>,
{
    classify(&Auth::from_ref(state), bearer(parts))
}

fn classify(auth: &Auth, token: Option<&str>) -> Result<Credential, AppError> {
    let token = token.ok_or(AppError::Unauthorized("missing_token"))?;
    Ok(if auth.is_service_token(token) {
        Credential::Service
    } else {
        auth.user_of(token).map_or(Credential::Invalid, Credential::User)
    })
}

/// A user's id, or why the credential is not a user's.
fn user_of(credential: Credential) -> Result<String, AppError> {
    match credential {
        Credential::User(user) => Ok(user),
        Credential::Service => Err(AppError::Forbidden("the service token cannot act as a user")),
        Credential::Invalid => Err(AppError::Unauthorized("invalid_token")),
    }
}

/// The signed-in user of a widget request.
#[derive(Clone, Debug)]
pub struct User(pub String);

impl<S: Send + Sync> FromRequestParts<S> for User
where
    Auth: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        user_of(credential(parts, state)?).map(User)
    }
}

/// A producer holding the service token.
#[derive(Clone, Copy, Debug)]
pub struct Producer;

impl<S: Send + Sync> FromRequestParts<S> for Producer
where
    Auth: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match credential(parts, state)? {
            Credential::Service => Ok(Producer),
            Credential::User(_) => Err(AppError::Forbidden("user tokens cannot send events")),
            Credential::Invalid => Err(AppError::Unauthorized("invalid_token")),
        }
    }
}

/// One decoded query-string parameter.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// The user of a stream request: a bearer token, or `?access_token=` because
/// `EventSource` cannot send headers.
#[derive(Clone, Debug)]
pub struct StreamUser(pub String);

impl<S: Send + Sync> FromRequestParts<S> for StreamUser
where
    Auth: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let query_token = query_param(parts.uri.query(), "access_token");
        let token = bearer(parts).map(str::to_owned).or(query_token);
        user_of(classify(&Auth::from_ref(state), token.as_deref())?).map(StreamUser)
    }
}
