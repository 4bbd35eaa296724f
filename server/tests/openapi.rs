//! `/openapi.json` is generated from the code; real answers of the running
//! server must match the schemas it documents, status by status.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Checks `body` against the documented schema of `method path` → `status`.
fn check(doc: &Value, method: &Method, template: &str, status: StatusCode, body: &Value) {
    let op = &doc["paths"][template][method.as_str().to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {template} is not documented");
    let response = &op["responses"][status.as_str()];
    assert!(response.is_object(), "{method} {template} does not document status {status}");
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_null() {
        assert!(body.is_null(), "{method} {template} {status} documents no body but got {body}");
        return;
    }
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("schema of {template}: {e}"));
    let errors: Vec<String> = validator.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{method} {template} {status}: {body}\n{errors:#?}");
}

#[tokio::test]
async fn real_answers_match_the_generated_document() {
    let s = TestServer::start().await;
    let (status, doc) = s.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/events",
        "/v1/notifications",
        "/v1/notifications/unread-count",
        "/v1/notifications/{id}/read",
        "/v1/notifications/read-all",
        "/healthz",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the document");
    }

    let user = s.token("u-2");
    let mut system = event("o-2", "deal.assigned", "u-1", &["u-2"]);
    system["actor"] = json!({"type": "system"});
    system.as_object_mut().unwrap().remove("link");
    // (method, documented path, real path, bearer, body)
    type Call<'a> = (Method, &'a str, String, Option<&'a str>, Option<Value>);
    let calls: Vec<Call> = vec![
        (
            Method::POST,
            "/v1/events",
            "/v1/events".into(),
            Some(SERVICE_TOKEN),
            Some(event("o-1", "approval.expense.requested", "u-1", &["u-2"])),
        ),
        (
            Method::POST,
            "/v1/events",
            "/v1/events".into(),
            Some(SERVICE_TOKEN),
            Some(event("o-1", "approval.expense.requested", "u-1", &["u-2"])),
        ),
        (Method::POST, "/v1/events", "/v1/events".into(), Some(SERVICE_TOKEN), Some(system)),
        (Method::POST, "/v1/events", "/v1/events".into(), Some(SERVICE_TOKEN), Some(json!({"id": "x"}))),
        (Method::POST, "/v1/events", "/v1/events".into(), None, Some(json!({}))),
        (Method::POST, "/v1/events", "/v1/events".into(), Some(&user), Some(json!({}))),
        (Method::GET, "/v1/notifications", "/v1/notifications?tab=general&limit=1".into(), Some(&user), None),
        (Method::GET, "/v1/notifications", "/v1/notifications?tab=approval".into(), Some(&user), None),
        (Method::GET, "/v1/notifications", "/v1/notifications?tab=nope".into(), Some(&user), None),
        (Method::GET, "/v1/notifications", "/v1/notifications?tab=general".into(), None, None),
        (Method::GET, "/v1/notifications/unread-count", "/v1/notifications/unread-count".into(), Some(&user), None),
        (
            Method::POST,
            "/v1/notifications/read-all",
            "/v1/notifications/read-all".into(),
            Some(&user),
            Some(json!({"tab": "approval"})),
        ),
        (
            Method::POST,
            "/v1/notifications/read-all",
            "/v1/notifications/read-all".into(),
            Some(&user),
            Some(json!({"tab": 1})),
        ),
        (Method::POST, "/v1/notifications/{id}/read", "/v1/notifications/424242/read".into(), Some(&user), None),
        (Method::GET, "/healthz", "/healthz".into(), None, None),
    ];
    for (method, template, path, bearer, body) in calls {
        let (status, answer) = s.call(method.clone(), &path, bearer, body).await;
        check(&doc, &method, template, status, &answer);
    }
    // Mark one read (204, no body), with an id from a real page.
    let id = s.list_all("u-2", "tab=general").await[0]["id"].as_str().unwrap().to_owned();
    let (status, answer) = s.call(Method::POST, &format!("/v1/notifications/{id}/read"), Some(&user), None).await;
    check(&doc, &Method::POST, "/v1/notifications/{id}/read", status, &answer);
    // An item with `read_at` set still matches.
    let (status, page) = s.call(Method::GET, "/v1/notifications?tab=general", Some(&user), None).await;
    assert!(page["items"][0]["read_at"].is_string());
    check(&doc, &Method::GET, "/v1/notifications", status, &page);
}

#[tokio::test]
async fn the_schema_check_catches_a_wrong_body() {
    // Guards the test above: a body that breaks the documented schema fails.
    let s = TestServer::start().await;
    let (_, doc) = s.call(Method::GET, "/openapi.json", None, None).await;
    let wrong = json!({"items": [{"id": 5}], "next_cursor": null});
    let outcome = std::panic::catch_unwind(|| check(&doc, &Method::GET, "/v1/notifications", StatusCode::OK, &wrong));
    assert!(outcome.is_err());
}

#[tokio::test]
async fn approval_answers_match_the_generated_document() {
    let s = TestServer::start().await;
    let (_, doc) = s.call(Method::GET, "/openapi.json", None, None).await;
    let mut e = event("apv-evt", "approval.expense.requested", "u-1", &["u-2", "u-3"]);
    e["approval_id"] = json!("apv-1");
    s.ingest_ok(e).await;
    let (status, page) = s.get_as("u-2", "/v1/notifications?tab=approval").await;
    check(&doc, &Method::GET, "/v1/notifications", status, &page);
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    let user = s.running.state.auth.issue_named("u-2", Some("Ayu Lestari"), 600);
    let decision = format!("/v1/notifications/{id}/decision");
    let template = "/v1/notifications/{id}/decision";
    for body in [json!({"decision": "approve", "note": "fine"}), json!({"decision": "reject"}), json!({"decision": 1})]
    {
        let (status, answer) = s.call(Method::POST, &decision, Some(&user), Some(body)).await;
        check(&doc, &Method::POST, template, status, &answer);
    }
    let (status, answer) =
        s.call(Method::POST, "/v1/notifications/77/decision", Some(&user), Some(json!({"decision": "approve"}))).await;
    check(&doc, &Method::POST, template, status, &answer);
    let (status, page) = s.get_as("u-3", "/v1/notifications?tab=approval").await;
    assert_eq!(page["items"][0]["approval"]["state"], "approved");
    check(&doc, &Method::GET, "/v1/notifications", status, &page);

    let resolve = "/v1/approvals/{approval_id}/resolve";
    let by = json!({"state": "rejected", "decided_by": {"id": "u-9", "name": "Rina"}});
    for (path, body) in [
        ("/v1/approvals/apv-1/resolve", by.clone()),
        ("/v1/approvals/nope/resolve", by.clone()),
        ("/v1/approvals/apv-1/resolve", json!({"state": 3})),
    ] {
        let (status, answer) = s.call(Method::POST, path, Some(SERVICE_TOKEN), Some(body)).await;
        check(&doc, &Method::POST, resolve, status, &answer);
    }
    for path in ["/v1/decisions", "/v1/decisions?after=0&limit=1", "/v1/decisions?limit=0"] {
        let (status, answer) = s.call(Method::GET, path, Some(SERVICE_TOKEN), None).await;
        check(&doc, &Method::GET, "/v1/decisions", status, &answer);
    }
}
