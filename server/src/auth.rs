//! Who is calling: a user (a JWT: HS256 with the server's secret, or RS256 /
//! ES256 verified with a public key the host's identity provider publishes)
//! or a producer (the service token).
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
    /// The user's display name, shown to co-approvers when they decide
    /// (API.md §6); optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Who a valid user token names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub id: String,
    /// The token's `name` claim, when it is a usable name.
    pub name: Option<String>,
}

/// A public key user tokens may be signed with, by its `kid`.
#[derive(Clone)]
pub struct PublicKey {
    pub kid: String,
    algorithm: Algorithm,
    key: DecodingKey,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({}, {:?})", self.kid, self.algorithm)
    }
}

impl PublicKey {
    /// `kid=path/to/key.pem`, or a path alone (its `kid` is the file name
    /// without `.pem`). An RSA key verifies RS256, a P-256 key ES256.
    pub fn read(entry: &str) -> anyhow::Result<PublicKey> {
        let (kid, path) = match entry.split_once('=') {
            Some((kid, path)) => (kid.trim().to_owned(), std::path::PathBuf::from(path.trim())),
            None => {
                let path = std::path::PathBuf::from(entry);
                let kid = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                (kid, path)
            }
        };
        let pem = std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let (algorithm, key) = match DecodingKey::from_rsa_pem(&pem) {
            Ok(key) => (Algorithm::RS256, key),
            Err(_) => match DecodingKey::from_ec_pem(&pem) {
                Ok(key) => (Algorithm::ES256, key),
                Err(_) => anyhow::bail!("{}: not an RSA or EC public key in PEM", path.display()),
            },
        };
        if kid.is_empty() {
            anyhow::bail!("{}: a key needs a kid", path.display());
        }
        Ok(PublicKey { kid, algorithm, key })
    }
}

/// What user tokens must carry (`aud`, `iss`: checked only when set) and
/// the public keys that may sign them besides the HS256 secret.
#[derive(Clone, Debug, Default)]
pub struct TokenSettings {
    pub audience: Option<String>,
    pub issuer: Option<String>,
    pub public_keys: Vec<PublicKey>,
}

#[derive(Clone)]
pub struct Auth(Arc<AuthInner>);

struct AuthInner {
    decoding: DecodingKey,
    encoding: EncodingKey,
    settings: TokenSettings,
    service_token: String,
}

impl Auth {
    pub fn new(jwt_secret: &str, service_token: &str) -> Self {
        Auth::with(jwt_secret, service_token, TokenSettings::default())
    }

    pub fn with(jwt_secret: &str, service_token: &str, settings: TokenSettings) -> Self {
        Auth(Arc::new(AuthInner {
            decoding: DecodingKey::from_secret(jwt_secret.as_bytes()),
            encoding: EncodingKey::from_secret(jwt_secret.as_bytes()),
            settings,
            service_token: service_token.to_owned(),
        }))
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        let settings = &self.0.settings;
        let mut required = vec!["exp", "sub"];
        required.extend(settings.audience.as_ref().map(|_| "aud"));
        required.extend(settings.issuer.as_ref().map(|_| "iss"));
        validation.set_required_spec_claims(&required);
        // Expiry is exact: a host refreshes tokens on `bell-auth-expired`.
        validation.leeway = 0;
        validation.validate_nbf = true;
        match &settings.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &settings.issuer {
            validation.set_issuer(&[iss]);
        }
        validation
    }

    /// The user id of a valid token.
    pub fn user_of(&self, token: &str) -> Option<String> {
        self.identity_of(token).map(|i| i.id)
    }

    /// The user a valid token names, with its display name.
    pub fn identity_of(&self, token: &str) -> Option<Identity> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let key = match header.alg {
            Algorithm::HS256 => &self.0.decoding,
            alg @ (Algorithm::RS256 | Algorithm::ES256) => {
                let kid = header.kid.as_deref()?;
                &self.0.settings.public_keys.iter().find(|k| k.kid == kid && k.algorithm == alg)?.key
            }
            _ => return None,
        };
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation(header.alg)).ok()?;
        let Claims { sub, name, .. } = data.claims;
        // (No database stores a NUL character: such a user cannot exist.)
        let name =
            name.filter(|n| !n.trim().is_empty() && n.chars().count() <= 200 && !n.chars().any(char::is_control));
        (!sub.is_empty() && !sub.contains('\0')).then_some(Identity { id: sub, name })
    }

    pub fn is_service_token(&self, token: &str) -> bool {
        token.as_bytes().ct_eq(self.0.service_token.as_bytes()).into()
    }

    /// Mints a user token (demo pages, tests and benchmarks).
    pub fn issue(&self, user_id: &str, valid_for_secs: u64) -> String {
        self.issue_named(user_id, None, valid_for_secs)
    }

    /// Mints a user token carrying a display name.
    pub fn issue_named(&self, user_id: &str, name: Option<&str>, valid_for_secs: u64) -> String {
        let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs()
            + valid_for_secs;
        let claims = Claims { sub: user_id.to_owned(), exp, name: name.map(str::to_owned) };
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
    User(Identity),
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
        auth.identity_of(token).map_or(Credential::Invalid, Credential::User)
    })
}

/// A user, or why the credential is not a user's.
fn user_of(credential: Credential) -> Result<Identity, AppError> {
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
        user_of(credential(parts, state)?).map(|i| User(i.id))
    }
}

/// The signed-in user with the display name their token carries (for
/// decisions, which show who decided).
#[derive(Clone, Debug)]
pub struct NamedUser(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for NamedUser
where
    Auth: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        user_of(credential(parts, state)?).map(NamedUser)
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
            Credential::User(_) => Err(AppError::Forbidden("a user token cannot act as the producer")),
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
        user_of(classify(&Auth::from_ref(state), token.as_deref())?).map(|i| StreamUser(i.id))
    }
}
