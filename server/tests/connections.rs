//! What a hostile or broken client cannot do to the real binary: hold a
//! connection without sending (a header-read timeout, which also ends an
//! idle keep-alive connection), trickle a body (a body timeout), or exhaust
//! the process's open files so that `/healthz` stops answering.

mod common;

use std::time::{Duration, Instant};

use common::process::ServerProcess;
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUTS: [(&str, &str); 2] = [("BELL_HEADER_READ_TIMEOUT_SECS", "1"), ("BELL_BODY_READ_TIMEOUT_SECS", "1")];

/// Seconds until the server closes `socket` (reading and discarding what it
/// sends); panics after `limit`.
async fn closed_within(socket: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), socket.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("still open after {limit:?}"),
        }
    }
}

async fn database(dir: &tempfile::TempDir) -> String {
    fresh_database(dir.path()).await
}

#[tokio::test]
async fn silent_slow_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn(&database(&dir).await, &TIMEOUTS).await;
    let address = server.base.trim_start_matches("http://").to_owned();

    // Connects and says nothing.
    let mut silent = TcpStream::connect(&address).await.unwrap();
    let took = closed_within(&mut silent, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(800), "closed too early: {took:?}");

    // Starts a request and never finishes its headers.
    let mut slow = TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: bell\r\nX-Slow: ").await.unwrap();
    closed_within(&mut slow, Duration::from_secs(5)).await;

    // A keep-alive connection that answered one request, then sits idle.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: bell\r\n\r\n").await.unwrap();
    let mut first = vec![0u8; 1024];
    let n = idle.read(&mut first).await.unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    closed_within(&mut idle, Duration::from_secs(5)).await;

    // Promises a body and trickles part of it: 408, then closed.
    let mut trickle = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "PUT /v1/settings HTTP/1.1\r\nHost: bell\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"sound\"",
        bell_server::auth::Auth::new(JWT_SECRET, SERVICE_TOKEN).issue("u-1", 600)
    );
    trickle.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), trickle.read(&mut answer)).await.expect("an answer").unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );

    // A stream is a response: it outlives the header timeout.
    let token = bell_server::auth::Auth::new(JWT_SECRET, SERVICE_TOKEN).issue("u-2", 600);
    let client = reqwest::Client::new();
    let mut stream = common::sse::Stream::open_at(&client, &server.base, &token, None).await;
    assert_eq!(stream.next().await.event, "counts");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(stream.response.chunk().await.is_ok(), "the stream is still open");
    server.stop().await;
}

#[tokio::test]
async fn silent_sockets_cannot_stop_healthz_under_a_low_file_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::spawn_with_fd_limit(&database(&dir).await, &TIMEOUTS, 256).await;
    let address = server.base.trim_start_matches("http://").to_owned();
    // More silent sockets than the process may open files.
    let mut silent = Vec::new();
    for _ in 0..300 {
        if let Ok(socket) = TcpStream::connect(&address).await {
            silent.push(socket);
        }
    }
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let started = Instant::now();
    let health = client.get(format!("{}/healthz", server.base)).send().await.expect("/healthz answers");
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(10));
    drop(silent);
    server.stop().await;
}
