//! Mailbox verification over HTTP (issue 11): `POST /api/verify` answers up to
//! [`MAX_ADDRESSES`] addresses at once; `/api/verify/jobs` takes whole lists (CSV or text) as
//! background jobs with status, SSE progress and the cleaned CSV. Both run the shared engine
//! ([`crate::verify::engine`]); the job store is [`crate::verify::jobs`]. Nothing here decides a
//! verdict: results are the core's, passed through.
//!
//! Guards (besides the middleware's token, Host check and per-request token): `/api/verify`
//! takes JSON only, costs `1 + verify_address_cost × addresses` API tokens, holds one of the
//! client's `max_concurrent_verify_per_client` slots and one of `max_concurrent_verify`
//! server-wide, and answers within `verify.request_timeout_ms` (addresses still open then are
//! `unknown / timeout`). Jobs: `text/csv` or `text/plain` only (a cross-site `Origin` is
//! refused), `verify_job_cost` tokens, the client's slot and one of `max_concurrent_verify_uploads`
//! while the list is read and checked (bodies in memory are bounded), the body limit, the row
//! limit and the job caps of [`crate::verify::jobs`].

use super::AppState;
use super::api::ClientId;
use super::error::{ApiError, body_rejection};
use crate::config::Config;
use crate::limits::Kind;
use crate::verify::SessionSettings;
use crate::verify::engine::{Engine, EngineConfig, GENERATION_ROWS};
use crate::verify::jobs::{JobError, JobSpec, JobState, JobStatus, server_wording};
use crate::verify::list::InputFormat;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use inboxlens_core::verify::model::{Reason, VerifyResult};
use inboxlens_core::verify::scheduler::{RowId, SchedulerConfig};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most addresses in one `POST /api/verify` (the contract's bound; longer lists are jobs).
pub(crate) const MAX_ADDRESSES: usize = 100;
/// The jobs route (the guard middleware checks its content type and origin).
pub(crate) const JOBS_PATH: &str = "/api/verify/jobs";
/// Least time between two SSE progress events of one subscriber.
const SSE_INTERVAL: Duration = Duration::from_millis(500);

/// The engine configuration of the server's verification runs; `max_wait_ms` bounds how long
/// an address may stay deferred (greylisting, back-off).
pub(crate) fn engine_config(config: &Config, settings: SessionSettings, smtp: bool, max_wait_ms: u64) -> EngineConfig {
    let v = &config.verify;
    EngineConfig {
        sched: SchedulerConfig {
            smtp,
            max_sessions: v.max_sessions.clamp(1, 1024),
            max_sessions_per_mx: v.max_sessions_per_mx.clamp(1, 64),
            max_dns_in_flight: (v.max_sessions * 4).clamp(4, 512),
            max_wait_ms,
            greylist_retry_ms: v.greylist_retry_secs.saturating_mul(1000).clamp(1000, max_wait_ms.max(1000)),
            ..SchedulerConfig::default()
        },
        settings,
        dns_deadline: Duration::from_millis(v.dns_timeout_ms.max(1)),
        generation_rows: GENERATION_ROWS,
    }
}

/// What verification sessions send: MAIL FROM, EHLO name, target policy, step deadline.
pub(crate) fn session_settings(config: &Config) -> SessionSettings {
    SessionSettings {
        from_address: config.verify.from_address.clone(),
        helo: config.verify_helo(),
        allow_private: config.allow_private,
        step_timeout: Duration::from_millis(config.verify.step_timeout_ms.max(1)),
    }
}

/// The deadline of one `/api/verify` request: `verify.request_timeout_ms`, kept 2 s below the
/// router's request deadline so the answer (with `timeout` rows) is sent before it.
fn request_deadline(config: &Config) -> Duration {
    let router = config.limits.request_timeout_ms.saturating_sub(2_000).max(1_000);
    Duration::from_millis(config.verify.request_timeout_ms.clamp(1, router))
}

/// Body of `POST /api/verify`.
#[derive(Debug, Deserialize)]
pub(crate) struct VerifyRequest {
    /// The addresses, 1 to [`MAX_ADDRESSES`].
    pub addresses: Vec<String>,
}

/// Answer of `POST /api/verify`.
#[derive(Debug, Serialize)]
pub(crate) struct VerifyResponse {
    /// One result per address, in the order given.
    pub results: Vec<VerifyResult>,
    /// Whether the mailboxes were asked over SMTP (`verify.smtp`).
    pub smtp: bool,
}

fn client_of(client: Option<Extension<ClientId>>) -> IpAddr {
    client.map(|c| c.0.0).unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// `POST /api/verify`: `{"addresses": [...]}` → `{"results": [...]}` in input order.
pub(crate) async fn verify(
    State(st): State<Arc<AppState>>,
    client: Option<Extension<ClientId>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let body = body.map_err(|r| body_rejection(r, st.config.limits.other_body_bytes))?;
    let req: VerifyRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be JSON like {{\"addresses\": [\"user@example.com\", \"other@example.org\"]}}: {e}"
        ))
    })?;
    let n = req.addresses.len();
    if n == 0 || n > MAX_ADDRESSES {
        return Err(ApiError::bad_request(format!(
            "addresses: give 1 to {MAX_ADDRESSES} addresses (got {n}); verify longer lists as a job: POST the CSV or \
             text list to {JOBS_PATH}"
        )));
    }
    let client = client_of(client);
    // The request paid 1 token in the middleware; the addresses are charged here, now that
    // their number is known.
    let extra = st.config.limits.verify_address_cost.saturating_mul(n as u32);
    if extra > 0
        && let Err(wait) = st.api_limiter.check(client, extra, Instant::now())
    {
        st.metrics.rate_limited("api");
        return Err(ApiError::rate_limited(wait.as_secs().max(1)));
    }
    let Some(_client_slot) = st.verify_per_client.try_acquire(client) else {
        return Err(ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!(
                "you already have {} verification requests running; wait for one to finish",
                st.config.limits.max_concurrent_verify_per_client
            ),
            retry_after: Some(5),
        });
    };
    let _permit = st.concurrency.acquire(Kind::Verify).await.ok_or_else(|| ApiError::busy(Kind::Verify.as_str()))?;

    // the time spent waiting for a slot counts against the deadline
    let deadline = request_deadline(&st.config).saturating_sub(started.elapsed()).max(Duration::from_secs(1));
    let max_wait_ms = st.config.verify.max_wait_secs.saturating_mul(1000).min(deadline.as_millis() as u64 / 2);
    let smtp = st.verify_runner.is_some();
    let cfg = engine_config(&st.config, session_settings(&st.config), smtp, max_wait_ms);
    let engine = Engine::new(Arc::clone(&st.resolver), st.verify_runner.clone(), cfg);
    let (tx, rx) = tokio::sync::mpsc::channel::<(RowId, String)>(n);
    for (i, a) in req.addresses.iter().enumerate() {
        // the channel holds every address: this never fails
        let _ = tx.try_send((i as RowId, a.clone()));
    }
    drop(tx);
    let mut slots: Vec<Option<VerifyResult>> = vec![None; n];
    let finished = tokio::time::timeout(
        deadline,
        engine.run(rx, |row, r| {
            if let Some(slot) = slots.get_mut(row as usize) {
                *slot = Some(r);
            }
        }),
    )
    .await
    .is_ok();
    let secs = deadline.as_secs_f64();
    let results: Vec<VerifyResult> = slots
        .into_iter()
        .zip(&req.addresses)
        .map(|(slot, address)| match slot {
            Some(r) => server_wording(r, smtp),
            None => VerifyResult::new(
                address.trim(),
                None,
                Reason::Timeout,
                format!(
                    "No answer within this request's deadline of {secs:.0} s; nothing is known about the mailbox. \
                     Try again later, or verify it in a job (POST {JOBS_PATH})."
                ),
            ),
        })
        .collect();
    for r in &results {
        st.metrics.probe("verify", r.verdict.as_str());
    }
    tracing::info!(addresses = n, finished, smtp, "verify");
    Ok(Json(VerifyResponse { results, smtp }).into_response())
}

/// Query string of `POST /api/verify/jobs`.
#[derive(Debug, Deserialize)]
pub(crate) struct JobQuery {
    /// The CSV column holding the address (like the CLI's `--column`).
    pub column: Option<String>,
    /// `csv`, `txt` or `auto` (default: `csv` for `text/csv`, else sniffed from the first line).
    pub format: Option<String>,
}

/// A job's status with the links to its routes.
#[derive(Debug, Serialize)]
pub(crate) struct JobView {
    #[serde(flatten)]
    status: JobStatus,
    links: JobLinks,
}

#[derive(Debug, Serialize)]
struct JobLinks {
    status: String,
    events: String,
    result: String,
}

fn view(status: JobStatus) -> JobView {
    let base = format!("{JOBS_PATH}/{}", status.id);
    JobView {
        links: JobLinks { events: format!("{base}/events"), result: format!("{base}/result.csv"), status: base },
        status,
    }
}

/// A `VerifyError` message as an HTTP client reads it (`?column=` instead of `--column`).
fn http_wording(message: String) -> String {
    message.replace("--column NAME", "?column=NAME").replace("--column", "?column=")
}

fn job_error(e: JobError) -> ApiError {
    match e {
        JobError::Input(e) => ApiError::bad_request(http_wording(e.to_string())),
        e @ (JobError::TooManyRows { .. } | JobError::Empty) => ApiError::bad_request(e.to_string()),
        e @ JobError::ClientBusy { .. } => {
            ApiError { status: StatusCode::TOO_MANY_REQUESTS, message: e.to_string(), retry_after: Some(30) }
        }
        e @ JobError::Full { .. } => {
            ApiError { status: StatusCode::SERVICE_UNAVAILABLE, message: e.to_string(), retry_after: Some(60) }
        }
        e @ JobError::Storage(_) => {
            tracing::error!(error = %e, "verification job not stored");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        }
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no verification job {:?} (unknown, deleted or expired)", id.chars().take(64).collect::<String>()),
    )
}

/// The media type of a request, lower-case, without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// `POST /api/verify/jobs`: the list is the body → 202 with the job's status and `Location`.
pub(crate) async fn create_job(
    State(st): State<Arc<AppState>>,
    client: Option<Extension<ClientId>>,
    Query(q): Query<JobQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let client = client_of(client);
    let format = match q.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => InputFormat::Csv,
        Some("txt") | Some("text") => InputFormat::Txt,
        Some("auto") => InputFormat::Auto,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "format: {:?} is not csv, txt or auto",
                other.chars().take(20).collect::<String>()
            )));
        }
        None if media_type(req.headers()) == "text/csv" => InputFormat::Csv,
        None => InputFormat::Auto,
    };
    let column = q.column.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    if column.as_ref().is_some_and(|c| c.len() > 256 || c.chars().any(char::is_control)) {
        return Err(ApiError::bad_request("column: at most 256 characters, no control characters"));
    }
    // Refused before the body is read: a busy client's upload stays in its socket. The slots
    // bound the bodies held in memory until they are stored.
    st.jobs.admit(client).map_err(job_error)?;
    let Some(_client_slot) = st.verify_per_client.try_acquire(client) else {
        return Err(ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!(
                "you already have {} verification requests or job uploads running; wait for one to finish",
                st.config.limits.max_concurrent_verify_per_client
            ),
            retry_after: Some(5),
        });
    };
    let _permit =
        st.concurrency.acquire(Kind::VerifyUpload).await.ok_or_else(|| ApiError::busy(Kind::VerifyUpload.as_str()))?;
    let limit = st.config.limits.verify_job_body_bytes;
    let body = Bytes::from_request(req, &st).await.map_err(|r| body_rejection(r, limit))?;
    let status = st.jobs.submit(client, body, JobSpec { format, column }).await.map_err(job_error)?;
    tracing::info!(job = %status.id, rows = status.total, "verification job queued");
    let location = format!("{JOBS_PATH}/{}", status.id);
    let mut resp = (StatusCode::ACCEPTED, Json(view(status))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// `GET /api/verify/jobs/{id}`.
pub(crate) async fn get_job(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let job = st.jobs.get(&id).ok_or_else(|| not_found(&id))?;
    Ok(Json(view(job.status())).into_response())
}

/// `DELETE /api/verify/jobs/{id}`: stops the job if it runs and deletes it with its files.
pub(crate) async fn delete_job(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    if st.jobs.remove(&id) { Ok(StatusCode::NO_CONTENT.into_response()) } else { Err(not_found(&id)) }
}

/// `GET /api/verify/jobs/{id}/events`: SSE. The first event is a `progress` with the current
/// status; then `progress` at most every 500 ms while the status changes, and a last `done`
/// (state `done` or `failed`), after which the stream ends. A slow reader skips to the latest
/// status (a `watch` channel: nothing queues up); keep-alive comments every 15 s.
pub(crate) async fn job_events(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let job = st.jobs.get(&id).ok_or_else(|| not_found(&id))?;
    let mut rx = job.subscribe();
    drop(job);
    let stream = async_stream::stream! {
        let mut first = true;
        loop {
            let status = rx.borrow_and_update().clone();
            let finished = status.state.is_finished();
            if (first || !finished)
                && let Ok(ev) = Event::default().event("progress").json_data(view(status.clone()))
            {
                yield Ok::<Event, Infallible>(ev);
            }
            if finished {
                if let Ok(ev) = Event::default().event("done").json_data(view(status)) {
                    yield Ok(ev);
                }
                break;
            }
            first = false;
            tokio::time::sleep(SSE_INTERVAL).await;
            // the job was dropped without a last state: end the stream
            if rx.changed().await.is_err() {
                break;
            }
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// `GET /api/verify/jobs/{id}/result.csv`: the cleaned CSV once the job is done (409 before).
pub(crate) async fn job_result(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let job = st.jobs.get(&id).ok_or_else(|| not_found(&id))?;
    let status = job.status();
    match status.state {
        JobState::Done => {}
        JobState::Failed => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("job {id} failed ({}); it has no result", status.error.unwrap_or_default()),
            ));
        }
        JobState::Queued | JobState::Running => {
            return Err(ApiError {
                status: StatusCode::CONFLICT,
                message: format!(
                    "job {id} is {}: {} of {} rows verified; result.csv is ready when its state is done (see \
                     {JOBS_PATH}/{id} or its events)",
                    status.state.as_str(),
                    status.done,
                    status.total
                ),
                retry_after: Some(5),
            });
        }
    }
    let file = tokio::fs::File::open(job.result_path()).await.map_err(|_| not_found(&id))?;
    let len = file.metadata().await.ok().map(|m| m.len());
    let stream = async_stream::stream! {
        use tokio::io::AsyncReadExt;
        let mut file = file;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match file.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => yield Ok::<Bytes, std::io::Error>(Bytes::copy_from_slice(&buf[..n])),
                Err(e) => {
                    yield Err(e);
                    break;
                }
            }
        }
    };
    let mut resp = Body::from_stream(stream).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"inboxlens-verify-{id}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_stays_below_the_router_deadline() {
        let mut c = Config::default();
        assert_eq!(request_deadline(&c), Duration::from_secs(60));
        c.limits.request_timeout_ms = 30_000;
        assert_eq!(request_deadline(&c), Duration::from_secs(28));
    }

    #[test]
    fn cli_flags_become_query_parameters_in_messages() {
        assert_eq!(
            http_wording("the list: no column \"x\"; ... Choose one with --column NAME.".into()),
            "the list: no column \"x\"; ... Choose one with ?column=NAME."
        );
    }
}
