//! The accept loop of `inboxlens serve`, in place of `axum::serve` (which gives hyper no
//! timer, so a client sending half a request header held its socket forever: slowloris).
//!
//! Each connection is served by hyper's HTTP/1 server with a [`TokioTimer`], so:
//! - the request headers must arrive within `header_read_timeout_ms`; the same deadline
//!   applies to a kept-alive connection waiting for its next request (idle timeout);
//! - a response write that makes no progress for `write_timeout_ms` (a client that never
//!   reads, so the socket buffers fill) closes the connection (`tokio-io-timeout`);
//! - at most `max_connections` connections are open server-wide and at most
//!   `max_connections_per_client` per client address (IPv6: per prefix); a connection past
//!   either cap is closed at once, before any byte is read, and counted in `/metrics`;
//! - a connection accepted while more than three quarters of the global cap are in use gets
//!   the shorter `pressure_header_read_timeout_ms`: a slowloris spread over many addresses
//!   (each under the per-client cap) must then reconnect every couple of seconds to keep the
//!   cap full, while normal clients, which send their headers at once, do not notice.
//!
//! The whole request after its headers is bounded by the router's request deadline.

use super::AppState;
use crate::limits::{ClientSlots, client_key};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

/// How long open connections get to finish their current request at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Raises this process's soft limit on open files to the hard limit (Unix) and returns the
/// soft limit in force, so the connection cap can stay below it.
pub(crate) fn raise_fd_limit() -> Option<u64> {
    // `rlimit` wraps getrlimit/setrlimit safely (the workspace forbids unsafe code).
    rlimit::increase_nofile_limit(u64::MAX).ok()
}

/// The connection caps in force: the configured global cap, kept 128 descriptors below
/// the file limit (`fd_limit`) so probes, DNS and logs always have some.
pub(crate) fn effective_max_connections(configured: usize, fd_limit: Option<u64>) -> usize {
    match fd_limit {
        Some(n) => configured.min((n.saturating_sub(128) as usize).max(16)),
        None => configured,
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish
/// their request (at most [`SHUTDOWN_GRACE`]).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    state: Arc<AppState>,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let l = &state.config.limits;
    let global = Arc::new(Semaphore::new(max_connections.max(1)));
    let per_client = ClientSlots::new(l.max_connections_per_client);
    let header_timeout = Duration::from_millis(l.header_read_timeout_ms.max(1));
    let pressure_timeout = Duration::from_millis(l.pressure_header_read_timeout_ms.max(1)).min(header_timeout);
    let pressure_mark = max_connections.max(1) / 4;
    let write_timeout = Duration::from_millis(l.write_timeout_ms.max(1));
    let v6_prefix = l.ipv6_client_prefix;
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // EMFILE / ENFILE / ECONNABORTED: back off briefly instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(global_permit) = global.clone().try_acquire_owned() else {
            state.metrics.connection_refused("global_cap");
            drop(stream);
            continue;
        };
        let under_pressure = global.available_permits() < pressure_mark;
        if under_pressure {
            state.metrics.connection_under_pressure();
        }
        let header_timeout = if under_pressure { pressure_timeout } else { header_timeout };
        let Some(client_slot) = per_client.try_acquire(client_key(peer.ip(), v6_prefix)) else {
            state.metrics.connection_refused("client_cap");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop_rx.clone();
        let metrics_state = state.clone();
        tokio::spawn(async move {
            let _held = (global_permit, client_slot);
            metrics_state.metrics.connections(1);
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .keep_alive(true)
                .max_buf_size(64 * 1024);
            // a write blocked this long (the client stopped reading) ends the connection
            let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
            stream.set_write_timeout(Some(write_timeout));
            let conn = builder.serve_connection(TokioIo::new(Box::pin(stream)), svc);
            tokio::pin!(conn);
            let stopping = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
                    }
                }
                () = stopping => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn.as_mut()).await;
                }
            }
            metrics_state.metrics.connections(-1);
        });
    }
    let _ = stop_tx.send(true);
    // Wait until every connection task released its global permit (or the grace ran out).
    let all = u32::try_from(max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(1), global.acquire_many(all)).await;
    Ok(())
}
