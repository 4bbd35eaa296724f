//! The first request of a connection, read before hyper sees it: a
//! `GET /v1/stream` on a fresh connection is served by `stream_writer`,
//! which keeps far less per connection than hyper's buffers; anything else
//! goes to hyper along with the bytes already read (`Prefixed`).

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Heads longer than this go to hyper, which has its own limit and answers.
const MAX_HEAD: usize = 16 * 1024;
/// Headers parsed here at most (more: hyper's business).
const MAX_HEADERS: usize = 48;

pub enum First {
    /// A stream request with nothing after its head.
    Stream(Box<http::Request<Body>>),
    /// Anything else, with the bytes read so far.
    Other(Bytes),
    /// Closed, or silent past the header-read timeout.
    Gone,
}

/// Reads until the first request's head is complete (or is not ours).
pub async fn read(socket: &mut TcpStream, timeout: Duration) -> First {
    let mut buffer = BytesMut::with_capacity(1024);
    let read = async {
        loop {
            match socket.read_buf(&mut buffer).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut head = httparse::Request::new(&mut headers);
            match head.parse(&buffer) {
                Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD => continue,
                Ok(httparse::Status::Complete(length)) if length == buffer.len() => return Some(stream_request(&head)),
                _ => return Some(None),
            }
        }
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(Some(Some(request))) => First::Stream(Box::new(request)),
        Ok(Some(None)) => First::Other(buffer.freeze()),
        Ok(None) | Err(_) => First::Gone,
    }
}

/// The request, when it is an HTTP/1.1 `GET /v1/stream` without a body.
fn stream_request(head: &httparse::Request) -> Option<http::Request<Body>> {
    let path = head.path?;
    let is_stream = head.method == Some("GET")
        && head.version == Some(1)
        && (path == "/v1/stream" || path.starts_with("/v1/stream?"))
        && !head.headers.iter().any(|h| {
            h.name.eq_ignore_ascii_case("transfer-encoding")
                || (h.name.eq_ignore_ascii_case("content-length") && h.value != b"0")
        });
    if !is_stream {
        return None;
    }
    let mut request = http::Request::get(path).version(http::Version::HTTP_11);
    for h in head.headers.iter() {
        request = request.header(h.name, h.value);
    }
    request.body(Body::empty()).ok()
}

/// A connection whose first bytes were already read: they come first.
pub struct Prefixed {
    prefix: Bytes,
    inner: TcpStream,
}

impl Prefixed {
    pub fn new(prefix: Bytes, inner: TcpStream) -> Prefixed {
        Prefixed { prefix, inner }
    }
}

impl AsyncRead for Prefixed {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        if self.prefix.has_remaining() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
