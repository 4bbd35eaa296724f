//! Stream clients for the benchmarks: plain TCP sockets reading the raw
//! SSE response, so the client side stays light enough to share the cores,
//! and the clock that times each marked event from its post to its arrival.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Put in each event's deal name; the clients look for it.
pub const MARKER: &[u8] = b"bench-seq-";

/// When each event was posted (ns after `base`), by sequence number.
pub struct Clock {
    pub base: Instant,
    pub sent: Vec<AtomicU64>,
    pub received: AtomicUsize,
    pub latencies: std::sync::Mutex<Vec<(usize, Duration)>>,
}

impl Clock {
    pub fn arrived(&self, seq: usize) {
        let now = self.base.elapsed().as_nanos() as u64;
        let Some(sent) = self.sent.get(seq).map(|s| s.load(Ordering::Acquire)) else { return };
        if sent == 0 {
            return;
        }
        self.received.fetch_add(1, Ordering::Relaxed);
        self.latencies.lock().unwrap().push((seq, Duration::from_nanos(now.saturating_sub(sent))));
    }
}

/// Opens one stream and returns once its first `counts` event arrived; then
/// keeps reading in the background, reporting each marked event it sees.
/// The loopback address the `i`th client connects from: one address has
/// about 28,000 ports towards one server port, 16 of them enough for 100,000.
pub fn source(i: usize) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::new(127, 0, 0, 1 + (i % 16) as u8)
}

pub async fn connect(from: std::net::Ipv4Addr, addr: &str, token: &str, clock: Arc<Clock>) -> anyhow::Result<()> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((from, 0).into())?;
    let mut socket = socket.connect(addr.parse()?).await?;
    socket.set_nodelay(true)?;
    let request =
        format!("GET /v1/stream?access_token={token} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    socket.write_all(request.as_bytes()).await?;
    let mut buffer = vec![0u8; 4096];
    let mut seen = Vec::new();
    while !seen.windows(13).any(|w| w == b"event: counts") {
        let n = socket.read(&mut buffer).await?;
        anyhow::ensure!(n > 0, "the stream closed before its first event");
        seen.extend_from_slice(&buffer[..n]);
    }
    anyhow::ensure!(seen.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&seen[..seen.len().min(80)]));
    tokio::spawn(async move {
        // A marker may straddle two reads: keep the end of the last one.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let n = match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            carry.extend_from_slice(&buffer[..n]);
            let mut at = 0;
            while let Some(p) = find(&carry[at..], MARKER) {
                let digits_from = at + p + MARKER.len();
                let digits = carry[digits_from..].iter().take_while(|b| b.is_ascii_digit()).count();
                if digits_from + digits >= carry.len() {
                    break; // the number may go on in the next read
                }
                if let Ok(seq) = std::str::from_utf8(&carry[digits_from..digits_from + digits]).unwrap().parse() {
                    clock.arrived(seq);
                }
                at = digits_from + digits;
            }
            let keep_from = at.max(carry.len().saturating_sub(MARKER.len() + 12));
            carry.drain(..keep_from);
        }
    });
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Posts marked event `seq` for `recipient` through `base`, starting its
/// clock as it goes; answers whether it was accepted.
pub async fn post_marked(
    client: reqwest::Client,
    base: String,
    service: &str,
    clock: Arc<Clock>,
    seq: usize,
    recipient: String,
) -> bool {
    let body = serde_json::json!({
        "id": format!("bench-event-{seq}"), "kind": "deal.assigned",
        "actor": {"type": "user", "id": "u-actor", "name": "Budi Santoso"},
        "recipients": [recipient],
        "args": {"deal_name": format!("bench-seq-{seq} renewal")}, "link": "/deals/42",
    });
    clock.sent[seq].store(clock.base.elapsed().as_nanos() as u64, Ordering::Release);
    let res = client.post(format!("{base}/v1/events")).bearer_auth(service).json(&body).send().await;
    res.is_ok_and(|r| r.status().as_u16() == 202)
}

/// Waits until `n` marked events have arrived, 10 s at most.
pub async fn arrivals(clock: &Clock, n: usize) {
    for _ in 0..500 {
        if clock.received.load(Ordering::Relaxed) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
