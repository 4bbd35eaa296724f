//! `GET /v1/stream`: live events, replay with `Last-Event-ID` (also after a
//! restart), and authentication — over real HTTP and a real database.

mod common;

use std::time::Duration;

use common::sse::Stream;
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn new_notifications_read_changes_and_counts_arrive_live() {
    let s = TestServer::start().await;
    let mut stream = Stream::open(&s, "u-2", None).await;
    let first = stream.next().await;
    assert_eq!(first.event, "counts", "a fresh stream starts with the counts");
    assert_eq!(first.data["total"], 0);

    s.ingest_ok(event("live-1", "mention", "u-1", &["u-2"])).await;
    let n = stream.next().await;
    assert_eq!(n.event, "notification");
    assert_eq!(n.data["kind"], "mention");
    assert!(n.data["read_at"].is_null());
    let counts = stream.next().await;
    assert_eq!((counts.event.as_str(), &counts.data["total"]), ("counts", &json!(1)));
    // The same position (ids are sealed, each with a nonce of its own).
    let seal = bell_server::seal::Seal::new(JWT_SECRET);
    assert_eq!(seal.open(&counts.id), seal.open(&n.id));
    assert!(seal.open(&n.id).is_some_and(|p| p.starts_with('n')));

    let id = n.data["id"].as_str().unwrap();
    s.post_as("u-2", &format!("/v1/notifications/{id}/read"), None).await;
    let read = stream.next().await;
    assert_eq!((read.event.as_str(), &read.data), ("read", &json!({"scope": "ids", "ids": [id]})));
    assert_eq!(stream.next_of("counts").await.data["total"], 0);

    s.ingest_ok(event("live-2", "conversation.resolved", "u-1", &["u-2"])).await;
    stream.next_of("notification").await;
    s.post_as("u-2", "/v1/notifications/read-all", Some(json!({"tab": "inbox"}))).await;
    let read = stream.next_of("read").await;
    assert_eq!(read.data, json!({"scope": "all", "tab": "inbox", "category": null, "up_to": null}));
}

#[tokio::test]
async fn other_users_events_never_reach_a_stream() {
    let s = TestServer::start().await;
    let mut mine = Stream::open(&s, "u-2", None).await;
    mine.next().await;
    s.ingest_ok(event("other-1", "mention", "u-1", &["u-3"])).await;
    s.ingest_ok(event("mine-1", "mention", "u-1", &["u-2"])).await;
    let n = mine.next().await;
    assert_eq!(n.event, "notification");
    assert!(n.data["id"].is_string());
    let rows = s.list_all("u-2", "tab=general").await;
    assert_eq!(n.data["id"], rows[0]["id"], "the first event is u-2's own");
}

#[tokio::test]
async fn reconnecting_with_last_event_id_replays_what_was_missed() {
    let s = TestServer::start().await;
    s.ingest_ok(event("before", "mention", "u-1", &["u-2"])).await;
    let mut stream = Stream::open(&s, "u-2", None).await;
    let resume = stream.next().await.id;
    drop(stream);
    s.ingest_ok(event("missed-1", "deal.assigned", "u-1", &["u-2"])).await;
    s.ingest_ok(event("missed-2", "task.assigned", "u-1", &["u-2"])).await;
    let missed = s.list_all("u-2", "tab=general").await;
    let first_missed = missed.iter().find(|i| i["kind"] == "deal.assigned").unwrap()["id"].as_str().unwrap().to_owned();
    s.post_as("u-2", &format!("/v1/notifications/{first_missed}/read"), None).await;

    let mut stream = Stream::open(&s, "u-2", Some(&resume)).await;
    let a = stream.next().await;
    let b = stream.next().await;
    assert_eq!((a.event.as_str(), b.event.as_str()), ("notification", "notification"));
    assert_eq!((a.data["kind"].as_str(), b.data["kind"].as_str()), (Some("deal.assigned"), Some("task.assigned")));
    assert!(a.data["read_at"].is_string(), "replayed with its current read state");
    let read = stream.next().await;
    assert_eq!(read.event, "read");
    let counts = stream.next().await;
    assert_eq!((counts.event.as_str(), &counts.data["total"]), ("counts", &json!(2)));
    // Nothing from before the resume point comes again.
    let again = Stream::open(&s, "u-2", Some(&counts.id)).await;
    drop(again);
}

#[tokio::test]
async fn replay_survives_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_database(dir.path()).await;
    let first = TestServer::start_with(|c| c.database_url = db.clone()).await;
    let mut stream = Stream::open(&first, "u-2", None).await;
    let resume = stream.next().await.id;
    drop(stream);
    first.ingest_ok(event("during-restart", "mention", "u-1", &["u-2"])).await;
    drop(first);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let second = TestServer::start_with(|c| c.database_url = db.clone()).await;
    let mut stream = Stream::open(&second, "u-2", Some(&resume)).await;
    let n = stream.next().await;
    assert_eq!((n.event.as_str(), n.data["kind"].as_str()), ("notification", Some("mention")));
}

#[tokio::test]
async fn the_stream_takes_the_token_as_a_query_and_refuses_others() {
    let s = TestServer::start().await;
    let token = s.token("u-2");
    let res = s.client.get(s.url(&format!("/v1/stream?access_token={token}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = s.client.get(s.url("/v1/stream?access_token=nonsense")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = s.client.get(s.url("/v1/stream")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = s.client.get(s.url(&format!("/v1/stream?access_token={SERVICE_TOKEN}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A new EventSource passes its resume point as a query parameter.
    s.ingest_ok(event("q-1", "mention", "u-1", &["u-2"])).await;
    let res =
        s.client.get(s.url(&format!("/v1/stream?access_token={token}&last_event_id=n0.r0"))).send().await.unwrap();
    let mut stream = Stream { response: res, buffer: String::new() };
    assert_eq!(stream.next().await.event, "notification", "replayed from the query's position");
    // An unreadable Last-Event-ID starts afresh instead of failing.
    let res =
        s.client.get(s.url("/v1/stream")).bearer_auth(&token).header("last-event-id", "garbage").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_idle_stream_sends_keep_alive_comments() {
    let s = TestServer::start_with(|c| c.stream_keep_alive = Duration::from_millis(300)).await;
    let Stream { mut response, .. } = Stream::open(&s, "u-2", None).await;
    // The stream opens with the current counts; then nothing happens for
    // u-2, yet comments (`:` lines, never events) keep the connection busy.
    let started = std::time::Instant::now();
    let mut text = String::new();
    while text.matches("\n\n").count() < 4 {
        let chunk = tokio::time::timeout(Duration::from_secs(3), response.chunk())
            .await
            .expect("a keep-alive within 3 s")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(started.elapsed() >= Duration::from_millis(800), "paced by the interval, not sent at once");
    let blocks: Vec<&str> = text.split("\n\n").filter(|b| !b.is_empty()).collect();
    assert!(blocks[0].starts_with("event: counts"), "{:?}", blocks[0]);
    for block in &blocks[1..] {
        assert!(block.lines().all(|l| l.starts_with(':')), "only comments on an idle stream: {block:?}");
    }
}

/// A `Last-Event-ID` ahead of every id (made up, or from a database since
/// reset) starts at the newest ids instead of waiting for ids that never come.
#[tokio::test]
async fn a_last_event_id_ahead_of_the_newest_is_clamped() {
    let s = TestServer::start().await;
    s.ingest_ok(event("before", "mention", "u-1", &["u-2"])).await;
    let mut stream = Stream::open(&s, "u-2", Some("n999999999.r999999999")).await;
    s.ingest_ok(event("after", "deal.assigned", "u-1", &["u-2"])).await;
    let n = stream.next_of("notification").await;
    assert_eq!(n.data["kind"], "deal.assigned", "new events still arrive; nothing older is replayed");
    let (_, read) = s.post_as("u-2", &format!("/v1/notifications/{}/read", n.data["id"].as_str().unwrap()), None).await;
    assert!(read.is_null() || read.is_object());
    assert_eq!(stream.next_of("read").await.data["scope"], "ids");
}

/// A user's streams beyond `BELL_MAX_STREAMS_PER_USER` close the oldest: a
/// newly opened tab always works, and the others keep receiving.
#[tokio::test]
async fn a_users_streams_are_capped_and_the_oldest_closes() {
    let s = TestServer::start_with(|c| c.max_streams_per_user = 2).await;
    let mut oldest = Stream::open(&s, "u-2", None).await;
    assert_eq!(oldest.next().await.event, "counts");
    let mut second = Stream::open(&s, "u-2", None).await;
    let mut other_user = Stream::open(&s, "u-3", None).await;
    let mut newest = Stream::open(&s, "u-2", None).await;
    // The oldest ends (its body finishes); nothing else does.
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = oldest.response.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the oldest stream was closed");
    s.ingest_ok(event("cap-1", "mention", "u-1", &["u-2", "u-3"])).await;
    assert_eq!(second.next_of("notification").await.data["kind"], "mention");
    assert_eq!(newest.next_of("notification").await.data["kind"], "mention");
    assert_eq!(other_user.next_of("notification").await.data["kind"], "mention");
}

/// Stream ids and page cursors tell a user nothing about other users'
/// notifications: they are sealed, and what the user sends back still
/// resumes and pages exactly.
#[tokio::test]
async fn stream_ids_and_cursors_reveal_no_ones_activity() {
    let s = TestServer::start().await;
    for i in 0..30 {
        s.ingest_ok(event(&format!("others-{i}"), "mention", "u-1", &["u-other"])).await;
    }
    let mut stream = Stream::open(&s, "u-new", None).await;
    let first = stream.next().await;
    // Sealed: not `n<id>.r<id>`, and only the server's key opens it.
    assert!(!first.id.contains('.'), "{}", first.id);
    assert!(bell_server::seal::Seal::new(JWT_SECRET).open(&first.id).is_some_and(|p| p.starts_with('n')));
    assert_eq!(bell_server::seal::Seal::new("another secret").open(&first.id), None);
    // Someone else's news moves nothing this user can read...
    s.ingest_ok(event("others-more", "mention", "u-1", &["u-other"])).await;
    // ...and this user's own ids still resume exactly.
    s.ingest_ok(event("mine-1", "mention", "u-1", &["u-new"])).await;
    let mine = stream.next_of("notification").await;
    drop(stream);
    // Notification ids count per user: the 31 of u-other's before it show nowhere.
    assert_eq!(mine.data["id"], "1");
    for i in 0..3 {
        s.ingest_ok(event(&format!("others-late-{i}"), "mention", "u-1", &["u-other"])).await;
    }
    s.ingest_ok(event("mine-2", "deal.assigned", "u-1", &["u-new"])).await;
    let ids: Vec<Value> = s.list_all("u-new", "tab=general").await.iter().map(|n| n["id"].clone()).collect();
    assert_eq!(ids, [json!("2"), json!("1")]);
    let mut resumed = Stream::open(&s, "u-new", Some(&mine.id)).await;
    assert_eq!(resumed.next_of("notification").await.data["kind"], "deal.assigned", "resumed after mine-1");
    // A forged or altered id starts afresh rather than replaying.
    let mut forged = Stream::open(&s, "u-new", Some(&format!("{}x", &mine.id[..mine.id.len() - 1]))).await;
    assert_eq!(forged.next().await.event, "counts");

    // Cursors: opaque, and paging stays exact.
    for i in 0..5 {
        s.ingest_ok(event(&format!("page-{i}"), "mention", "u-1", &["u-pager"])).await;
    }
    let (_, page) = s.get_as("u-pager", "/v1/notifications?tab=general&limit=2").await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&cursor).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("v1."), "not a readable cursor");
    assert_eq!(s.list_all("u-pager", "tab=general").await.len(), 5);
    let (status, _) = s.get_as("u-pager", &format!("/v1/notifications?tab=general&cursor={cursor}x")).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
}

/// The raw answer to `request` on a fresh connection, up to its first event.
async fn raw_stream(s: &TestServer, request: String) -> (tokio::net::TcpStream, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(s.base.trim_start_matches("http://")).await.unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("event: counts") {
        let n = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buffer)).await.unwrap().unwrap();
        assert!(n > 0, "closed: {}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buffer[..n]);
    }
    (socket, String::from_utf8_lossy(&seen).into_owned())
}

#[tokio::test]
async fn a_stream_on_a_fresh_connection_is_chunked_and_leaves_the_hub_when_the_client_goes() {
    let s = TestServer::start().await;
    let token = s.token("u-lean");
    let (socket, answer) =
        raw_stream(&s, format!("GET /v1/stream?access_token={token} HTTP/1.1\r\nHost: bell\r\n\r\n")).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    let head = answer.split("\r\n\r\n").next().unwrap().to_ascii_lowercase();
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(head.contains("transfer-encoding: chunked") && head.contains("x-accel-buffering: no"), "{head}");
    assert_eq!(s.running.state.hub.subscribers(), 1);
    assert_eq!(s.running.state.reused_streams.get(), 0, "the lean writer's");
    // Gone without a word: its place in the hub goes at once, not at the next keep-alive.
    drop(socket);
    for _ in 0..100 {
        if s.running.state.hub.subscribers() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(s.running.state.hub.subscribers(), 0);

    // A refused stream is an ordinary answer, then the connection closes.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(s.base.trim_start_matches("http://")).await.unwrap();
    socket.write_all(b"GET /v1/stream HTTP/1.1\r\nHost: bell\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 401 Unauthorized\r\n") && answer.contains("\"code\":\"missing_token\""),
        "{answer}"
    );
}

#[tokio::test]
async fn a_stream_after_another_request_on_a_kept_alive_connection_still_streams() {
    let s = TestServer::start().await;
    let token = s.token("u-kept");
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: bell\r\n\r\nGET /v1/stream?access_token={token} HTTP/1.1\r\nHost: bell\r\n\r\n"
    );
    let (_socket, answer) = raw_stream(&s, request).await;
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 2, "{answer}");
    s.ingest_ok(event("kept-1", "mention", "u-1", &["u-kept"])).await;
    // Served, but by hyper with its buffers: `/healthz` counts it.
    let (_, health) = s.call(reqwest::Method::GET, "/healthz", None, None).await;
    assert_eq!((&health["streams"], &health["streams_on_reused_connections"]), (&json!(1), &json!(1)));
    drop(_socket);
    for _ in 0..100 {
        if s.running.state.reused_streams.get() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(s.running.state.reused_streams.get(), 0, "uncounted when it closes");
}

/// What the store read answers, comparable: notification ids and read
/// states, change ids, counts.
fn digest(found: &bell_server::store::StreamRead) -> Value {
    json!({
        "notifications": found.notifications.iter().map(|n| json!([n.id, n.read_at])).collect::<Vec<_>>(),
        "changes": found.changes.iter().map(|c| json!([c.id, c.event, c.data])).collect::<Vec<_>>(),
        "counts": found.counts,
    })
}

#[tokio::test]
async fn streams_read_together_get_what_each_would_read_alone() {
    use bell_protocol::StreamPosition;
    use bell_server::store::StreamAsk;
    let s = TestServer::start().await;
    let store = &s.running.state.store;
    let start = async |user: &str| store.stream_head(user).await.unwrap();
    let (a0, b0) = (start("u-a").await, start("u-b").await);
    for i in 0..5 {
        s.ingest_ok(event(&format!("a-{i}"), "mention", "u-1", &["u-a"])).await;
    }
    let a2 = StreamPosition { notification: a0.notification + 2, read: a0.read };
    for i in 0..2 {
        s.ingest_ok(event(&format!("b-{i}"), "deal.assigned", "u-1", &["u-b", "u-a"])).await;
    }
    let first_of_a = s.list_all("u-a", "tab=general").await.last().unwrap()["id"].as_str().unwrap().to_owned();
    s.post_as("u-a", &format!("/v1/notifications/{first_of_a}/read"), None).await;
    s.post_as("u-b", "/v1/notifications/read-all", Some(json!({"tab": "general"}))).await;
    let b_now = start("u-b").await;

    // The same user twice at different positions, one with nothing new, one
    // asking for counts only, and more rows than the limit (3).
    let asks: Vec<StreamAsk> = [
        ("u-a", a0, false),
        ("u-b", b0, false),
        ("u-a", a2, false),
        ("u-c", start("u-c").await, true),
        ("u-b", b_now, false),
    ]
    .into_iter()
    .map(|(user, from, counts)| StreamAsk { user: user.into(), from, counts })
    .collect();
    let now = bell_server::clock::now_ms();
    let together = store.stream_since_many(&asks, 3, now).await.unwrap();
    assert_eq!(together.len(), asks.len());
    for (ask, found) in asks.iter().zip(&together) {
        let alone = store.stream_since(&ask.user, ask.from, 3, now, ask.counts).await.unwrap();
        assert_eq!(digest(found), digest(&alone), "{} from {:?}", ask.user, ask.from);
    }
    // Not vacuous: the asks found different things.
    let found: Vec<(usize, usize, bool)> =
        together.iter().map(|f| (f.notifications.len(), f.changes.len(), f.counts.is_some())).collect();
    assert_eq!(found, [(3, 1, true), (2, 1, true), (3, 1, true), (0, 0, true), (0, 0, false)]);
}

#[tokio::test]
async fn streams_woken_by_one_event_each_get_only_their_own() {
    let s = TestServer::start().await;
    let users: Vec<String> = (0..40).map(|i| format!("u-fan-{i:02}")).collect();
    s.ingest_ok(event("fan-before", "mention", "u-1", &["u-fan-00"])).await;
    let mut streams = Vec::new();
    // The first user in two tabs.
    for user in users.iter().chain(&users[..1]) {
        let mut stream = Stream::open(&s, user, None).await;
        assert_eq!(stream.next().await.event, "counts");
        streams.push((user, stream));
    }
    let recipients: Vec<&str> = users.iter().map(String::as_str).collect();
    s.ingest_ok(event("fan-1", "deal.assigned", "u-1", &recipients)).await;
    for (user, stream) in &mut streams {
        let n = stream.next().await;
        assert_eq!((n.event.as_str(), &n.data["kind"]), ("notification", &json!("deal.assigned")), "{user}");
        let mine = s.list_all(user, "tab=general").await;
        assert_eq!(n.data["id"], mine[0]["id"], "{user} got its own copy");
        let unread = if *user == "u-fan-00" { 2 } else { 1 };
        let c = stream.next().await;
        assert_eq!((c.event.as_str(), &c.data["total"]), ("counts", &json!(unread)), "{user}");
        assert!(stream.try_next(Duration::from_millis(50)).await.is_none(), "{user}: nothing else");
    }
}
