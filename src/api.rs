//! The typed client of the notification server (API.md §4).

use bell_protocol::{Category, Decision, Tab};
use gloo_net::http::{Request, Response};
use wasm_bindgen::JsValue;

use crate::counts::Counts;
use crate::feed::Approval;
use crate::wire;
use crate::wire::Page;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// 401: the host must give a new token (`bell-auth-expired`).
    Unauthorized,
    /// The request never reached the server.
    Offline,
    /// Any other failure, with the HTTP status (0 when the body was wrong).
    Failed(u16),
}

/// Where the server is and who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    pub base: String,
    pub token: String,
}

/// The feed a view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub tab: Tab,
    pub category: Option<Category>,
    pub unread_only: bool,
}

pub const PAGE_SIZE: u32 = 30;

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.trim_end_matches('/'), path)
    }

    /// The body read by `read` (a `wire` reader); a body it cannot read is a failure.
    async fn json<T>(response: Response, read: fn(&JsValue) -> Option<T>) -> Result<T, ApiError> {
        read(&Self::body(response).await?).ok_or(ApiError::Failed(0))
    }

    /// A response's JSON (one compiled body for every reader).
    async fn body(response: Response) -> Result<JsValue, ApiError> {
        wire::parse(&Self::text(response).await?).ok_or(ApiError::Failed(0))
    }

    pub async fn text(response: Response) -> Result<String, ApiError> {
        response.text().await.map_err(|_| ApiError::Offline)
    }

    pub async fn counts(&self) -> Result<Counts, ApiError> {
        Self::json(self.fetch("GET", "/v1/notifications/unread-count", None).await?, wire::counts).await
    }

    pub async fn page(&self, view: View, cursor: Option<&str>) -> Result<Page, ApiError> {
        let mut path = format!("/v1/notifications?tab={}&limit={PAGE_SIZE}", view.tab.as_str());
        if let Some(c) = view.category {
            path = path + "&category=" + c.as_str();
        }
        if view.unread_only {
            path += "&unread_only=true";
        }
        if let Some(c) = cursor {
            path = path + "&cursor=" + &String::from(js_sys::encode_uri_component(c));
        }
        Self::json(self.fetch("GET", &path, None).await?, wire::page).await
    }

    /// Marks one read. Sent with `keepalive` so it completes while a click
    /// navigates the page away.
    pub async fn mark_read(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("/v1/notifications/{}/read", js_sys::encode_uri_component(id));
        self.send_keepalive("POST", &path, None).await
    }

    /// Registers this browser as the user's web device.
    pub async fn put_web_device(&self, device_id: &str) -> Result<(), ApiError> {
        let body =
            wire::object(&[("device_id", device_id.into()), ("app", JsValue::NULL), ("push_token", JsValue::NULL)]);
        self.send_keepalive("PUT", "/v1/devices/web", Some(&body)).await
    }

    /// Reports whether the user is active on `app` in this browser; `keepalive`
    /// so the last report on `pagehide` still leaves.
    pub async fn put_presence(&self, device_id: &str, app: &str, active: bool) -> Result<(), ApiError> {
        let body = presence(device_id, app, active);
        self.send_keepalive("PUT", "/v1/presence", Some(&body)).await
    }

    /// The last presence report of a closing page: `sendBeacon` leaves even
    /// while the page unloads, and needs no CORS preflight.
    pub fn beacon_presence(&self, device_id: &str, app: &str) {
        let body = presence(device_id, app, false);
        let url = self.url(&format!("/v1/presence?access_token={}", js_sys::encode_uri_component(&self.token)));
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().send_beacon_with_opt_str(&url, Some(&body));
        }
    }

    /// A request whose answer is not read.
    async fn send_keepalive(&self, method: &str, path: &str, body: Option<&str>) -> Result<(), ApiError> {
        self.fetch(method, path, body).await.map(drop)
    }

    /// Every request of the widget, one compiled path: `method` on `path`
    /// with the token and an optional JSON body, sent by gloo-net. With
    /// `keepalive` (which gloo-net's builder has no option for), so a mark
    /// read or decision completes while a click navigates the page away.
    pub async fn fetch(&self, method: &str, path: &str, body: Option<&str>) -> Result<Response, ApiError> {
        let url = self.url(path);
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        // web-sys has no setter for `keepalive`.
        let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &true.into());
        let headers = web_sys::Headers::new().map_err(|_| ApiError::Failed(0))?;
        headers.set("Authorization", &format!("Bearer {}", self.token)).map_err(|_| ApiError::Failed(0))?;
        if let Some(body) = body {
            headers.set("Content-Type", "application/json").map_err(|_| ApiError::Failed(0))?;
            init.set_body(&wasm_bindgen::JsValue::from_str(body));
        }
        init.set_headers(&headers);
        let request = web_sys::Request::new_with_str_and_init(&url, &init).map_err(|_| ApiError::Failed(0))?;
        let response = Request::from(request).send().await.map_err(|_| ApiError::Offline)?;
        match response.status() {
            // (409: only a decision answers it, with the standing one to show.)
            200..=299 | 409 => Ok(response),
            401 => Err(ApiError::Unauthorized),
            status => Err(ApiError::Failed(status)),
        }
    }

    /// Decides an actionable approval request. A `409` is an answer too: it
    /// carries the standing decision, which is shown like one's own.
    pub async fn decide(&self, id: &str, decision: Decision, note: Option<&str>) -> Result<Approval, ApiError> {
        let path = format!("/v1/notifications/{}/decision", js_sys::encode_uri_component(id));
        let decision = match decision {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        };
        let body = wire::object(&[("decision", decision.into()), ("note", note.map_or(JsValue::NULL, JsValue::from))]);
        let answer = self.post(&path, body).await?;
        wire::approval_of(&wire::get(&answer, "approval")).ok_or(ApiError::Failed(0))
    }

    /// POSTs a JSON body (with `keepalive`: it is sent even when the page
    /// navigates away meanwhile); the answer's JSON. One body of code for
    /// every POST that reads an answer: each caller reads its own field.
    async fn post(&self, path: &str, body: String) -> Result<JsValue, ApiError> {
        Self::body(self.fetch("POST", path, Some(&body)).await?).await
    }

    pub async fn read_all(&self, tab: Tab, category: Option<Category>, up_to: Option<String>) -> Result<u64, ApiError> {
        let body = wire::object(&[
            ("tab", tab.as_str().into()),
            ("category", category.map_or(JsValue::NULL, |c| c.as_str().into())),
            ("up_to", up_to.map_or(JsValue::NULL, JsValue::from)),
        ]);
        let answer = self.post("/v1/notifications/read-all", body).await?;
        wire::number(&answer, "marked").map(|n| n as u64).ok_or(ApiError::Failed(0))
    }
}

/// A presence report of this browser.
fn presence(device_id: &str, app: &str, active: bool) -> String {
    wire::object(&[
        ("device_id", device_id.into()),
        ("platform", "web".into()),
        ("app", app.into()),
        ("active", active.into()),
    ])
}
