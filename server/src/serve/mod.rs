//! Serving connections with limits a hostile client cannot outlast: a
//! header-read timeout (which also closes a keep-alive connection that sits
//! idle: streams are responses, so theirs never runs), a request-body timeout
//! (`lib.rs`, a tower-http layer), a cap on open connections below the
//! process's file-descriptor limit (raised to its hard limit at start-up), and
//! an accept loop that waits out `Too many open files` instead of stopping.
//! Graceful shutdown as before: stop accepting, let in-flight requests end.
//!
//! A fresh connection's first request is read here (`first`): a stream
//! request is answered by the router and written by `stream_writer`, lean
//! for as long as the stream stays open; everything else is hyper's.

mod first;
mod stream_writer;

/// Marks a stream request written by the lean writer (a fresh connection);
/// without it, hyper serves the stream on a connection it kept alive.
#[derive(Clone, Copy, Debug)]
pub struct LeanWriter;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Descriptors kept free for the database, files and the listener itself.
const RESERVED_FDS: u64 = 64;

/// The connection limits of `Config` (API.md §1's variables).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

/// Raises the soft limit of open files to the hard one; answers how many
/// connections fit under it (at most `wanted`).
pub fn connections_that_fit(wanted: usize) -> usize {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => wanted.min(limit.saturating_sub(RESERVED_FDS).max(1) as usize),
        Err(e) => {
            tracing::warn!(error = %e, "could not read or raise the open-file limit");
            wanted
        }
    }
}

pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // HTTP/1.1 (what browsers and proxies speak without TLS): telling it
    // from cleartext HTTP/2 would wait for a silent client's first bytes
    // with no timeout at all.
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("never closed"),
            () = &mut shutdown => break,
        };
        let socket = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, _)) => socket,
                Err(e) => {
                    // Out of descriptors (or a connection reset before it was
                    // taken): wait a moment instead of spinning or stopping.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = socket.set_nodelay(true);
        let (builder, router, watcher) = (builder.clone(), router.clone(), graceful.watcher());
        let header_read_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            let mut socket = socket;
            match first::read(&mut socket, header_read_timeout).await {
                first::First::Stream(request) => stream_writer::serve(socket, *request, router).await,
                first::First::Other(prefix) => {
                    let io = TokioIo::new(first::Prefixed::new(prefix, socket));
                    let connection = builder.serve_connection(io, TowerToHyperService::new(router));
                    let _ = watcher.watch(connection).await;
                }
                first::First::Gone => {}
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
