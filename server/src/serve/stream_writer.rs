//! Serves a `GET /v1/stream` request read by `first`: the router answers it
//! as any request (CORS, authentication, tracing and the handler all run as
//! usual), and this writes the answer: its head once, then each piece of
//! the body as a chunk as it comes. Per idle stream it keeps a task and the
//! response's own state, where hyper keeps an 8 KiB read buffer (grown to
//! 16 KiB by the first request) and an 8 KiB write buffer for as long as the
//! stream lasts. The connection closes with the stream.

use std::fmt::Write as _;

use axum::Router;
use axum::body::Body;
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tower::ServiceExt;

pub async fn serve(mut socket: TcpStream, mut request: http::Request<Body>, router: Router) {
    request.extensions_mut().insert(super::LeanWriter);
    let Ok(response) = router.oneshot(request).await;
    let (parts, body) = response.into_parts();
    // A body of known length (an error answer) goes as it is; a stream in chunks.
    let chunked = !parts.headers.contains_key(http::header::CONTENT_LENGTH);
    let mut head = String::with_capacity(512);
    let _ = write!(head, "HTTP/1.1 {} {}\r\n", parts.status.as_u16(), parts.status.canonical_reason().unwrap_or(""));
    for (name, value) in &parts.headers {
        let _ = write!(head, "{name}: {}\r\n", String::from_utf8_lossy(value.as_bytes()));
    }
    head.push_str(if chunked {
        "transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    } else {
        "connection: close\r\n\r\n"
    });
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    drop(head);
    let mut body = std::pin::pin!(body);
    let (mut reader, mut writer) = socket.split();
    // Bytes from the client after its request: only its going away matters.
    let mut probe = [0u8; 16];
    loop {
        tokio::select! {
            frame = body.frame() => match frame {
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else { continue };
                    if data.is_empty() {
                        continue;
                    }
                    let written = if chunked {
                        let mut chunk = Vec::with_capacity(data.len() + 12);
                        let _ = std::io::Write::write_fmt(&mut chunk, format_args!("{:x}\r\n", data.len()));
                        chunk.extend_from_slice(&data);
                        chunk.extend_from_slice(b"\r\n");
                        writer.write_all(&chunk).await
                    } else {
                        writer.write_all(&data).await
                    };
                    if written.is_err() {
                        return;
                    }
                }
                None => {
                    if chunked {
                        let _ = writer.write_all(b"0\r\n\r\n").await;
                    }
                    return;
                }
                Some(Err(_)) => return,
            },
            read = reader.read(&mut probe) => {
                if matches!(read, Ok(0) | Err(_)) {
                    return;
                }
            }
        }
    }
}
