//! User tokens as identity providers issue them: `nbf` honoured, `aud` and
//! `iss` checked only when configured, and RS256 / ES256 tokens verified with
//! public keys chosen by `kid` (several at once, for rotation) beside HS256.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use bell_server::auth::{PublicKey, TokenSettings};
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn openssl(args: &[&str]) {
    let status = Command::new("openssl").args(args).status().expect("openssl");
    assert!(status.success(), "openssl {args:?}");
}

/// A fresh key pair: `(private PEM, public PEM path)`.
fn key_pair(dir: &Path, name: &str, algorithm: &str) -> (Vec<u8>, PathBuf) {
    let private = dir.join(format!("{name}.key"));
    let public = dir.join(format!("{name}.pem"));
    let p = private.to_str().unwrap();
    match algorithm {
        "rsa" => openssl(&["genpkey", "-quiet", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", p]),
        _ => openssl(&["genpkey", "-quiet", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p]),
    }
    openssl(&["pkey", "-in", p, "-pubout", "-out", public.to_str().unwrap()]);
    (std::fs::read(&private).unwrap(), public)
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn claims(extra: Value) -> Value {
    let mut c = json!({"sub": "u-jwt", "exp": now() + 600});
    c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    c
}

fn hs256(claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(JWT_SECRET.as_bytes()))
        .unwrap()
}

fn signed(alg: Algorithm, kid: Option<&str>, private: &[u8], claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(private).unwrap(),
        _ => EncodingKey::from_ec_pem(private).unwrap(),
    };
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

async fn status_with(s: &TestServer, token: &str) -> StatusCode {
    s.client.get(s.url("/v1/notifications/unread-count")).bearer_auth(token).send().await.unwrap().status()
}

#[tokio::test]
async fn standard_claims_are_honoured_and_checked_only_when_configured() {
    let s = TestServer::start().await;
    // `aud` and `iss` from an identity provider: nothing configured, nothing refused.
    let token = hs256(&claims(json!({"aud": "crm", "iss": "https://id.example"})));
    assert_eq!(status_with(&s, &token).await, StatusCode::OK);
    // Not valid before a time to come.
    assert_eq!(status_with(&s, &hs256(&claims(json!({"nbf": now() + 300})))).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status_with(&s, &hs256(&claims(json!({"nbf": now() - 5})))).await, StatusCode::OK);

    let s = TestServer::start_with(|c| {
        c.tokens.audience = Some("bell".into());
        c.tokens.issuer = Some("https://id.example".into());
    })
    .await;
    let ok = claims(json!({"aud": "bell", "iss": "https://id.example"}));
    assert_eq!(status_with(&s, &hs256(&ok)).await, StatusCode::OK);
    for wrong in [
        json!({"aud": "other", "iss": "https://id.example"}),
        json!({"aud": "bell", "iss": "https://evil.example"}),
        json!({"iss": "https://id.example"}),
        json!({"aud": "bell"}),
    ] {
        assert_eq!(status_with(&s, &hs256(&claims(wrong.clone()))).await, StatusCode::UNAUTHORIZED, "{wrong}");
    }
}

#[tokio::test]
async fn public_key_tokens_are_verified_by_kid_with_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let (rsa_old, rsa_old_pub) = key_pair(dir.path(), "rsa-old", "rsa");
    let (rsa_new, rsa_new_pub) = key_pair(dir.path(), "rsa-new", "rsa");
    let (ec, ec_pub) = key_pair(dir.path(), "ec-2026", "ec");
    let (stranger, _) = key_pair(dir.path(), "stranger", "rsa");
    let keys = vec![
        PublicKey::read(&format!("2026-01={}", rsa_old_pub.display())).unwrap(),
        PublicKey::read(&format!("2026-07={}", rsa_new_pub.display())).unwrap(),
        PublicKey::read(ec_pub.to_str().unwrap()).unwrap(),
    ];
    let s = TestServer::start_with(move |c| c.tokens = TokenSettings { public_keys: keys, ..Default::default() }).await;
    let c = claims(json!({}));
    assert_eq!(status_with(&s, &signed(Algorithm::RS256, Some("2026-01"), &rsa_old, &c)).await, StatusCode::OK);
    assert_eq!(status_with(&s, &signed(Algorithm::RS256, Some("2026-07"), &rsa_new, &c)).await, StatusCode::OK);
    assert_eq!(status_with(&s, &signed(Algorithm::ES256, Some("ec-2026"), &ec, &c)).await, StatusCode::OK);
    assert_eq!(status_with(&s, &hs256(&c)).await, StatusCode::OK, "HS256 beside them");
    for (what, token) in [
        ("another key under a known kid", signed(Algorithm::RS256, Some("2026-01"), &stranger, &c)),
        ("the wrong key of two", signed(Algorithm::RS256, Some("2026-07"), &rsa_old, &c)),
        ("an unknown kid", signed(Algorithm::RS256, Some("2025-01"), &rsa_old, &c)),
        ("no kid", signed(Algorithm::RS256, None, &rsa_old, &c)),
        ("an RSA kid named for ES256", signed(Algorithm::ES256, Some("2026-01"), &ec, &c)),
        ("expired", signed(Algorithm::RS256, Some("2026-01"), &rsa_old, &json!({"sub": "u-jwt", "exp": now() - 10}))),
    ] {
        assert_eq!(status_with(&s, &token).await, StatusCode::UNAUTHORIZED, "{what}");
    }
    // The user is the token's subject, whichever key signed it.
    let token = signed(Algorithm::ES256, Some("ec-2026"), &ec, &c);
    let res = s.client.get(s.url("/v1/notifications?tab=general")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[test]
fn a_key_file_that_is_not_a_public_key_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.pem");
    std::fs::write(&path, "not a key").unwrap();
    let error = PublicKey::read(path.to_str().unwrap()).unwrap_err().to_string();
    assert!(error.contains("junk.pem"), "{error}");
    let config = bell_server::Config::from_env(false, |name| match name {
        "BELL_JWT_SECRET" | "BELL_SERVICE_TOKEN" => Some("x".repeat(32)),
        "BELL_JWT_PUBLIC_KEYS" => Some(path.display().to_string()),
        _ => None,
    });
    let error = format!("{:#}", config.unwrap_err());
    assert!(error.contains("BELL_JWT_PUBLIC_KEYS") && error.contains("junk.pem"), "{error}");
}
