//! The inbound test address's routes: `GET /api/inbound` (a fresh address),
//! `GET /api/inbound/{token}` (202 waiting, 200 report, 404), `GET /api/inbound/{token}/events`
//! (SSE: `waiting`, then `report`) and `DELETE /api/inbound/{token}`. The listener and the
//! store are `crate::inbound`.

use super::AppState;
use super::api::{ClientId, now_unix};
use super::error::ApiError;
use crate::inbound::report::is_failure;
use crate::inbound::store::{Lookup, StoreError};
use axum::Json;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// How often an SSE stream re-reads the store without a notification (a message that
/// arrived, an address that expired or was deleted).
const SSE_RECHECK: Duration = Duration::from_secs(2);
/// Longest one SSE stream stays open; the browser's EventSource reconnects after it.
const SSE_MAX: Duration = Duration::from_secs(30 * 60);

fn inbound(st: &AppState) -> Result<&Arc<crate::inbound::Inbound>, ApiError> {
    st.inbound.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "this server has no inbound test address (start it with --smtp-listen ADDR:PORT --inbound-domain NAME)",
        )
    })
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Full(why) => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: format!("no test address available right now ({why}); try again later"),
            retry_after: Some(60),
        },
        StoreError::NoSuchToken => not_found(),
        other => {
            tracing::warn!(error = %other, "inbound store");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the inbound store failed")
        }
    }
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "no such test address (unknown, expired or deleted)")
}

/// `GET /api/inbound`: a fresh test address, `{token, address, expires_at}`.
pub(crate) async fn create(
    State(st): State<Arc<AppState>>,
    client: Option<Extension<ClientId>>,
) -> Result<Response, ApiError> {
    let inbound = inbound(&st)?;
    let client = client.map(|c| c.0.0).unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if let Err(wait) = inbound.address_limiter.check(client, 1, std::time::Instant::now()) {
        st.metrics.rate_limited("inbound");
        return Err(ApiError::rate_limited(wait.as_secs().max(1)));
    }
    let (token, address, expires_at) = inbound.create(now_unix()).await.map_err(store_error)?;
    st.metrics.probe("inbound_address", "created");
    let mut r = Json(serde_json::json!({"token": token, "address": address, "expires_at": expires_at})).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /api/inbound/{token}`: 202 `{"status":"waiting", "received", "address"}` until a message arrived and was
/// analyzed, then 200 with the report (422 `{error, inbound}` when the message was not an
/// email); 404 for an unknown or expired token.
pub(crate) async fn get(State(st): State<Arc<AppState>>, Path(token): Path<String>) -> Result<Response, ApiError> {
    let inbound = inbound(&st)?;
    match inbound.lookup(&token, now_unix()).await.map_err(store_error)? {
        Lookup::NotFound => Err(not_found()),
        Lookup::Waiting { received } => Ok(json_bytes(
            StatusCode::ACCEPTED,
            serde_json::to_vec(&serde_json::json!({
                "status": "waiting",
                "received": received,
                "address": format!("{token}@{}", inbound.domain),
            }))
            .unwrap_or_default(),
        )),
        Lookup::Ready(json) if is_failure(&json) => Ok(json_bytes(StatusCode::UNPROCESSABLE_ENTITY, json)),
        Lookup::Ready(json) => Ok(json_bytes(StatusCode::OK, json)),
    }
}

/// `DELETE /api/inbound/{token}`: the address, its message and its report are deleted (204).
pub(crate) async fn delete(State(st): State<Arc<AppState>>, Path(token): Path<String>) -> Result<Response, ApiError> {
    let inbound = inbound(&st)?;
    if inbound.delete(&token, now_unix()).await.map_err(store_error)? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found())
    }
}

/// `GET /api/inbound/{token}/events`: SSE. `waiting` (`{"status":"waiting","received":bool}`,
/// again when a message arrives), then one `report` event with the report (or `failed` with
/// `{error, inbound}`), or `gone` when the address expires or is deleted; then the stream ends.
pub(crate) async fn events(State(st): State<Arc<AppState>>, Path(token): Path<String>) -> Result<Response, ApiError> {
    let inbound = inbound(&st)?.clone();
    // An unknown token is a plain 404, not a stream.
    if inbound.lookup(&token, now_unix()).await.map_err(store_error)? == Lookup::NotFound {
        return Err(not_found());
    }
    let mut notes = inbound.reports.subscribe();
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(4);
    tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        let mut last: Option<bool> = None;
        loop {
            let state = match inbound.lookup(&token, now_unix()).await {
                Ok(s) => s,
                Err(_) => Lookup::NotFound,
            };
            let event = match state {
                Lookup::Waiting { received } if last == Some(received) => None,
                Lookup::Waiting { received } => {
                    last = Some(received);
                    Some(
                        Event::default()
                            .event("waiting")
                            .data(format!("{{\"status\":\"waiting\",\"received\":{received}}}")),
                    )
                }
                Lookup::Ready(json) => {
                    let name = if is_failure(&json) { "failed" } else { "report" };
                    let _ = tx.send(Event::default().event(name).data(String::from_utf8_lossy(&json))).await;
                    return;
                }
                Lookup::NotFound => {
                    let _ = tx.send(Event::default().event("gone").data("{\"status\":\"gone\"}")).await;
                    return;
                }
            };
            if let Some(ev) = event
                && tx.send(ev).await.is_err()
            {
                return;
            }
            if started.elapsed() > SSE_MAX || tx.is_closed() {
                return;
            }
            // Woken by any stored report (ours or not), or re-check after a while.
            let _ = tokio::time::timeout(SSE_RECHECK, notes.recv()).await;
        }
    });
    let stream =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|ev| (Ok::<_, Infallible>(ev), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}
