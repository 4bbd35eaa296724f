//! A stand-in for Google's OAuth2 token endpoint and FCM HTTP v1 on a
//! loopback port. It checks each request the way the real ones would (a
//! signed RS256 assertion; the bearer token it issued; the message JSON)
//! and can be told to fail.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde_json::{Value, json};

#[derive(Default)]
pub struct Inbox {
    /// Accepted messages (the `message` objects).
    pub messages: Vec<Value>,
    /// Statuses to answer next, before accepting (e.g. 503, 429).
    pub failures: VecDeque<u16>,
    /// Tokens FCM no longer knows.
    pub dead: HashSet<String>,
    pub token_requests: usize,
}

pub struct Fcm {
    pub url: String,
    pub inbox: Arc<Mutex<Inbox>>,
    pub credentials: std::path::PathBuf,
    addr: std::net::SocketAddr,
    public: Vec<u8>,
    _dir: tempfile::TempDir,
}

const ACCESS: &str = "ya29.loopback-access-token";

impl Fcm {
    /// Starts the receiver; the service-account key file names its token endpoint.
    pub async fn start() -> Fcm {
        let fcm = Fcm::prepare();
        fcm.serve().await;
        fcm
    }

    /// Key file and address, not listening yet (a gateway that is down).
    pub fn prepare() -> Fcm {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        let out = std::process::Command::new("openssl")
            .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out"])
            .arg(&key)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl genpkey");
        let public =
            std::process::Command::new("openssl").args(["pkey", "-pubout", "-in"]).arg(&key).output().unwrap().stdout;
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let url = format!("http://{addr}");
        let credentials = dir.path().join("service-account.json");
        let account = json!({
            "type": "service_account", "project_id": "qontak-test", "client_email": "bell@qontak-test.iam.gserviceaccount.com",
            "private_key": std::fs::read_to_string(&key).unwrap(), "token_uri": format!("{url}/token"),
        });
        std::fs::write(&credentials, account.to_string()).unwrap();
        Fcm { url, inbox: Arc::default(), credentials, addr, public, _dir: dir }
    }

    /// Starts answering on the prepared address.
    pub async fn serve(&self) {
        let decoding = Arc::new(jsonwebtoken::DecodingKey::from_rsa_pem(&self.public).unwrap());
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        let app = Router::new()
            .route("/token", post(token))
            .route("/v1/projects/{project}/messages:send", post(send))
            .with_state((self.inbox.clone(), decoding));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    }

    pub fn messages(&self) -> Vec<Value> {
        self.inbox.lock().unwrap().messages.clone()
    }
}

type Shared = (Arc<Mutex<Inbox>>, Arc<jsonwebtoken::DecodingKey>);

async fn token(
    State((inbox, key)): State<Shared>,
    Form(form): Form<Vec<(String, String)>>,
) -> (StatusCode, Json<Value>) {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    assert_eq!(get("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[] as &[&str]);
    validation.validate_aud = false;
    let claims =
        jsonwebtoken::decode::<Value>(&get("assertion"), &key, &validation).expect("a valid RS256 assertion").claims;
    assert_eq!(claims["scope"], "https://www.googleapis.com/auth/firebase.messaging");
    assert_eq!(claims["iss"], "bell@qontak-test.iam.gserviceaccount.com");
    inbox.lock().unwrap().token_requests += 1;
    (StatusCode::OK, Json(json!({"access_token": ACCESS, "expires_in": 3599, "token_type": "Bearer"})))
}

async fn send(
    State((inbox, _)): State<Shared>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    assert_eq!(project, "qontak-test", "the project of the key file");
    assert_eq!(headers["authorization"], format!("Bearer {ACCESS}"));
    let message = body["message"].clone();
    assert!(message["token"].is_string(), "{body}");
    assert!(message["data"].as_object().unwrap().values().all(Value::is_string), "FCM data values are strings: {body}");
    let mut inbox = inbox.lock().unwrap();
    if let Some(status) = inbox.failures.pop_front() {
        return (
            StatusCode::from_u16(status).unwrap(),
            Json(json!({"error": {"code": status, "status": "UNAVAILABLE"}})),
        );
    }
    if inbox.dead.contains(message["token"].as_str().unwrap()) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"code": 404, "status": "NOT_FOUND", "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}})),
        );
    }
    inbox.messages.push(message);
    (StatusCode::OK, Json(json!({"name": "projects/qontak-test/messages/1"})))
}
