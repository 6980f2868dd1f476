//! `POST /api/smtp-test`: the SMTP submission tester over HTTP (issue 12), the same report as
//! `inboxlens smtp-test --json`.
//!
//! Credentials pass through this route, so on top of the API's limits:
//! - on a listener that is not loopback, it needs the bearer token (a server without
//!   `INBOXLENS_TOKEN` refuses it with 403: passwords must not be sent to a companion anyone
//!   can reach);
//! - a request with credentials costs one login from the client's bucket (checked before the
//!   host is even resolved) and one from the target address's bucket (before any connection),
//!   both bounded maps ([`crate::limits::RateLimiter`]), so the companion cannot be used to
//!   guess passwords, alone or by many clients together;
//! - nothing is cached or logged: the access log has no body, the request's `Debug` hides the
//!   password, transcripts show `AUTH PLAIN <redacted>`.

use super::AppState;
use super::api::{ClientId, probe_error};
use super::error::{ApiError, body_rejection};
use crate::limits::Kind;
use crate::probe::submission::{self, SubmissionRequest};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

/// The route.
pub(crate) const PATH: &str = "/api/smtp-test";
/// Longest greeting wait of a tester session, ms (a silent implicit-TLS port costs this).
const BANNER_MS_MAX: u64 = 10_000;
/// Longest wait for one reply, ms.
const COMMAND_MS_MAX: u64 = 20_000;

fn login_limited(wait_secs: u64, what: &str) -> ApiError {
    ApiError {
        status: StatusCode::TOO_MANY_REQUESTS,
        message: format!(
            "too many SMTP logins {what}: to keep this server from being used to guess passwords, try again in {wait_secs} s"
        ),
        retry_after: Some(wait_secs),
    }
}

/// `POST /api/smtp-test`.
pub(crate) async fn smtp_test(
    State(st): State<Arc<AppState>>,
    client: Option<Extension<ClientId>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let loopback = st.config.listen.parse::<SocketAddr>().map(|a| a.ip().is_loopback()).unwrap_or(false);
    if !loopback && st.token_digest.is_none() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the SMTP tester takes passwords, so on a non-loopback address it needs a token: start the server with INBOXLENS_TOKEN set and send \"Authorization: Bearer <token>\"",
        ));
    }
    let body = body.map_err(|r| body_rejection(r, st.config.limits.other_body_bytes))?;
    let req: SubmissionRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be JSON like {{\"host\": \"smtp.example.com\", \"port\": 587, \"security\": \"starttls\", \"user\": \"me@example.com\", \"password\": \"...\"}}: {}",
            json_error(&e)
        ))
    })?;
    let test = submission::validate(&req, &st.smtp).map_err(probe_error)?;
    drop(req);
    let client = client.map(|c| c.0.0).unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if test.has_credentials()
        && let Err(wait) = st.smtp_test_client_logins.check(client, 1, Instant::now())
    {
        st.metrics.rate_limited("smtp_test_login");
        tracing::warn!(client = %client, "smtp-test: login limit");
        return Err(login_limited(wait.as_secs().max(1), "from your address"));
    }
    let _client_slot = super::api::smtp_client_slot(&st, client)?;
    let ip = submission::resolve(&st.smtp, &test).await.map_err(probe_error)?;
    if test.has_credentials()
        && let Err(wait) = st.smtp_test_target_logins.check(ip, 1, Instant::now())
    {
        st.metrics.rate_limited("smtp_test_target");
        return Err(login_limited(wait.as_secs().max(1), "to this server"));
    }
    let _permit = st.concurrency.acquire(Kind::Smtp).await.ok_or_else(|| ApiError::busy(Kind::Smtp.as_str()))?;
    let smtp = &st.config.smtp;
    let timeouts = submission::tester_timeouts(
        smtp.banner_timeout_ms.min(BANNER_MS_MAX),
        smtp.command_timeout_ms.min(COMMAND_MS_MAX),
    );
    let report = submission::run(&st.smtp, &test, ip, timeouts, super::api::now_unix().max(0) as u64).await;
    st.metrics.probe("smtp_test", if report.recommended.is_some() { "ok" } else { "fail" });
    tracing::info!(
        combinations = report.results.len(),
        login = test.has_credentials(),
        recommended = report.recommended.is_some(),
        "smtp test"
    );
    Ok(Json(report).into_response())
}

/// serde's message for a bad value quotes the value (it may be the password): only the field
/// names of missing / unknown fields and the position are echoed.
fn json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    if msg.starts_with("missing field") || msg.starts_with("unknown field") {
        return msg.split(", expected").next().unwrap_or(&msg).to_string();
    }
    format!("{:?} error at line {} column {}", e.classify(), e.line(), e.column())
}
