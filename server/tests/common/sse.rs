//! A minimal Server-Sent Events reader over a streaming response.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use super::TestServer;

#[derive(Debug)]
pub struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: Value,
}

pub struct Stream {
    pub response: reqwest::Response,
    pub buffer: String,
}

impl Stream {
    pub async fn open(s: &TestServer, user: &str, last_event_id: Option<&str>) -> Stream {
        Stream::open_at(&s.client, &s.base, &s.token(user), last_event_id).await
    }

    /// A stream of any server at `base` (another process, too).
    pub async fn open_at(client: &reqwest::Client, base: &str, token: &str, last_event_id: Option<&str>) -> Stream {
        let mut request = client.get(format!("{base}/v1/stream")).bearer_auth(token);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Stream { response, buffer: String::new() }
    }

    pub async fn next(&mut self) -> SseEvent {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if event.is_empty() {
                    continue; // a keep-alive comment
                }
                return SseEvent { id, event, data: serde_json::from_str(&data).unwrap() };
            }
            let chunk = tokio::time::timeout(Duration::from_secs(5), self.response.chunk())
                .await
                .expect("an event within 5 s")
                .unwrap()
                .expect("the stream stays open");
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// The next event, or `None` when the stream ended or stayed quiet for
    /// `within` (keep-alive comments do not count).
    pub async fn try_next(&mut self, within: Duration) -> Option<SseEvent> {
        tokio::time::timeout(within, async {
            loop {
                if self.buffer.contains("\n\n") {
                    return Some(self.next().await);
                }
                let chunk = self.response.chunk().await.ok()??;
                self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// Skips to the next event of `name`.
    pub async fn next_of(&mut self, name: &str) -> SseEvent {
        loop {
            let e = self.next().await;
            if e.event == name {
                return e;
            }
        }
    }
}
