//! JSON API handlers. Each is a thin shell: validate, take a concurrency slot, call the
//! core or a probe, map errors to `{error}` with the right status.

use super::AppState;
use super::doh::DohError;
use super::error::{ApiError, body_rejection};
use crate::guard::{HostSpec, TargetPolicy, non_public_reason, parse_host};
use crate::limits::{CooldownCheck, Kind};
use crate::probe::smtp::{ProbeError, SmtpProbeReport, SmtpProbeRequest, valid_address};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use inboxlens_core::analyze::{AnalyzeOptions, analyze_message};
use inboxlens_core::bounce::{BounceError, try_explain_bounce};
use inboxlens_core::domain::{DomainOptions, SectionUpdate, check_domain, check_domain_streaming, normalize_domain};
use serde::Deserialize;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The rate-limit identity of the caller, put on the request by the guard middleware.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientId(pub IpAddr);

/// Unix seconds now (the shell reads the clock; the core never does).
pub(crate) fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Query string of `/api/analyze`.
#[derive(Debug, Deserialize)]
pub(crate) struct AnalyzeQuery {
    /// Judge signatures and dates as of this unix time instead of now.
    pub now: Option<i64>,
}

/// `POST /api/analyze`: the raw message is the body; the answer is the core's report.
pub(crate) async fn analyze(
    State(st): State<Arc<AppState>>,
    Query(q): Query<AnalyzeQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    // The slot comes first: a queued upload stays in the kernel's socket buffer, not in memory
    // (60 concurrent 25 MB uploads would otherwise be 1.5 GB before any cap applies).
    let permit = st.concurrency.acquire(Kind::Analyze).await.ok_or_else(|| ApiError::busy(Kind::Analyze.as_str()))?;
    let body =
        Bytes::from_request(req, &st).await.map_err(|r| body_rejection(r, st.config.limits.analyze_body_bytes))?;
    let opts = AnalyzeOptions::at(q.now.unwrap_or_else(now_unix));
    // Parsing and signature checks are CPU work: run them on the blocking pool (bounded by the
    // analyze cap) so the async workers stay free for DoH, probes and health checks.
    let handle = tokio::runtime::Handle::current();
    let resolver = st.resolver.clone();
    let result = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        handle.block_on(analyze_message(&body, resolver, &opts))
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the analysis failed unexpectedly"))?;
    match result {
        Ok(report) => Ok(Json(report).into_response()),
        Err(e) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
    }
}

/// Query string of `/api/domain/{domain}`.
#[derive(Debug, Deserialize)]
pub(crate) struct DomainQuery {
    /// DKIM selectors, comma-separated (`selector=s1,s2`); default: the common-selector probe.
    pub selector: Option<String>,
    /// Check the parked-domain profile.
    #[serde(default)]
    pub parked: bool,
}

/// Most selectors in one request.
const MAX_SELECTORS: usize = 20;

/// `GET /api/domain/{domain}`: the core's domain report; with `Accept: text/event-stream`
/// each section is sent as an SSE `section` event as it completes, then the whole
/// report as a `report` event.
pub(crate) async fn domain(
    State(st): State<Arc<AppState>>,
    Path(domain): Path<String>,
    Query(q): Query<DomainQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let d = normalize_domain(&domain);
    if !crate::guard::is_valid_dns_name(&d) {
        return Err(ApiError::bad_request(format!(
            "{:?} is not a domain name",
            domain.chars().take(100).collect::<String>()
        )));
    }
    let selectors: Vec<String> = q
        .selector
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    if selectors.len() > MAX_SELECTORS {
        return Err(ApiError::bad_request(format!("at most {MAX_SELECTORS} DKIM selectors per request")));
    }
    if let Some(bad) = selectors.iter().find(|s| {
        s.len() > 63
            || !s
                .split('.')
                .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    }) {
        return Err(ApiError::bad_request(format!("{bad:?} is not a DKIM selector")));
    }
    let opts = DomainOptions { selectors, parked: q.parked, ..DomainOptions::default() };
    let permit = st.concurrency.acquire(Kind::Domain).await.ok_or_else(|| ApiError::busy(Kind::Domain.as_str()))?;
    let wants_sse =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/event-stream"));
    // The core's check future is not `Send` (it is shared with the single-threaded wasm32
    // build), so it runs on a blocking-pool thread driven by this runtime's handle.
    let handle = tokio::runtime::Handle::current();
    let st2 = st.clone();
    if !wants_sse {
        let report = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            handle.block_on(check_domain(&d, st2.resolver.as_ref(), Some(&st2.mta_sts), &opts))
        })
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the domain check failed unexpectedly"))?;
        st.metrics.probe("domain", if report.inconclusive { "inconclusive" } else { "ok" });
        return Ok(Json(report).into_response());
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        handle.block_on(async {
            let report = {
                let mut on_section = |u: SectionUpdate| {
                    if let Ok(ev) = Event::default().event("section").json_data(&u) {
                        let _ = tx.send(ev);
                    }
                };
                check_domain_streaming(&d, st2.resolver.as_ref(), Some(&st2.mta_sts), &opts, &mut on_section).await
            };
            st2.metrics.probe("domain", if report.inconclusive { "inconclusive" } else { "ok" });
            if let Ok(ev) = Event::default().event("report").json_data(&report) {
                let _ = tx.send(ev);
            }
        })
    });
    let stream =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|ev| (Ok::<_, Infallible>(ev), rx)) });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

/// `POST /api/explain-bounce`: a DSN (RFC 3464) or a pasted SMTP reply, explained by the core.
pub(crate) async fn explain_bounce(State(st): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    let permit = st.concurrency.acquire(Kind::Explain).await.ok_or_else(|| ApiError::busy(Kind::Explain.as_str()))?;
    let body =
        Bytes::from_request(req, &st).await.map_err(|r| body_rejection(r, st.config.limits.analyze_body_bytes))?;
    // MIME parsing is CPU work: the blocking pool, so DoH and /healthz keep their workers.
    let result = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        try_explain_bounce(&body)
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the bounce explanation failed unexpectedly"))?;
    match result {
        Ok(report) => Ok(Json(report).into_response()),
        Err(e @ BounceError::TooLarge(_)) => Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())),
        Err(e) => Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
    }
}

/// `POST /api/probe/smtp`.
pub(crate) async fn probe_smtp(
    State(st): State<Arc<AppState>>,
    client: Option<Extension<ClientId>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|r| body_rejection(r, st.config.limits.other_body_bytes))?;
    let req: SmtpProbeRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be JSON like {{\"domain\": \"example.com\"}} or {{\"host\": \"mx.example.com\", \"ports\": [25], \"rcpt\": [\"user@example.com\"]}}: {e}"
        ))
    })?;
    let req = validate_probe_request(req, &st.config)?;
    let client = client.map(|c| c.0.0).unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    // One client cannot hold every SMTP slot with tarpits.
    let _client_slot = smtp_client_slot(&st, client)?;
    // Resolved and policy-checked once: the cooldown is reserved for exactly the addresses
    // the sessions will dial (no second lookup a rebinding name could answer differently).
    let plan = match st.smtp.plan(&req).await {
        Ok(plan) => plan,
        Err(e) => {
            st.metrics.probe("smtp", "refused");
            return Err(probe_error(e));
        }
    };
    let targets = crate::limits::normalize_targets(plan.addresses());
    let request_key = serde_json::to_string(&req).unwrap_or_default();
    let reservation = match st.smtp_cooldown.reserve(client, &targets, &request_key, Instant::now()) {
        CooldownCheck::Free(r) => r,
        CooldownCheck::Cached(mut report) => {
            report.cached = true;
            st.metrics.probe("smtp", "cached");
            return Ok(Json(redact(report, &st)).into_response());
        }
        CooldownCheck::Busy(wait) => {
            let secs = wait.as_secs().max(1);
            return Err(ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: format!(
                    "you probed this target (one of its addresses) moments ago with other parameters; to protect it, try again in {secs} s"
                ),
                retry_after: Some(secs),
            });
        }
    };
    let Some(_permit) = st.concurrency.acquire(Kind::Smtp).await else {
        st.smtp_cooldown.cancel(client, reservation);
        return Err(ApiError::busy(Kind::Smtp.as_str()));
    };
    let report = st.smtp.run(plan, &req, now_unix().max(0) as u64).await;
    for r in &report.results {
        st.metrics.probe(
            "smtp",
            match r.verdict {
                crate::probe::smtp::Verdict::Ok => "ok",
                crate::probe::smtp::Verdict::Fail => "fail",
                crate::probe::smtp::Verdict::Inconclusive => "inconclusive",
            },
        );
    }
    let report = redact(report, &st);
    let json = serde_json::to_vec(&report).unwrap_or_default();
    tracing::info!(targets = targets.len(), sessions = report.results.len(), verdict = ?report.verdict, "smtp probe");
    st.smtp_cooldown.complete(
        reservation,
        report,
        json.len(),
        st.config.limits.max_cached_report_bytes,
        Instant::now(),
    );
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json).into_response())
}

/// Validates every user field of a probe request once, here at the API boundary, and
/// returns the normalized request the prober gets: no field may carry a control character
/// (CR, LF, NUL... would reach the SMTP wire) or surrounding space; `domain` / `host` are
/// lower-cased without the trailing dot.
pub(crate) fn validate_probe_request(
    mut req: SmtpProbeRequest,
    config: &crate::config::Config,
) -> Result<SmtpProbeRequest, ApiError> {
    fn clean(field: &str, v: &str) -> Result<(), ApiError> {
        if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(ApiError::bad_request(format!(
                "{field}: {:?} contains a space or a control character (CR, LF, NUL...)",
                v.chars().take(100).collect::<String>()
            )));
        }
        Ok(())
    }
    match (&req.domain, &req.host) {
        (Some(d), None) => {
            clean("domain", d)?;
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if !crate::guard::is_valid_dns_name(&d) {
                return Err(ApiError::bad_request(format!(
                    "domain: {:?} is not a valid domain name",
                    d.chars().take(100).collect::<String>()
                )));
            }
            req.domain = Some(d);
        }
        (None, Some(h)) => {
            clean("host", h)?;
            let h = match parse_host(h).map_err(|e| ApiError::bad_request(format!("host: {e}")))? {
                HostSpec::Ip(ip) => ip.to_string(),
                HostSpec::Name(n) => n,
            };
            req.host = Some(h);
        }
        _ => return Err(ApiError::bad_request("give exactly one of \"domain\" or \"host\"")),
    }
    if let Some(ports) = &req.ports {
        if ports.is_empty() || ports.len() > 4 {
            return Err(ApiError::bad_request("ports: give 1 to 4 ports"));
        }
        for p in ports {
            TargetPolicy { allow_private: config.allow_private }
                .check_port(*p)
                .map_err(|e| ApiError::new(StatusCode::FORBIDDEN, e.to_string()))?;
        }
    }
    if req.rcpt.len() > config.smtp.max_rcpt {
        return Err(ApiError::bad_request(format!("rcpt: at most {} addresses per request", config.smtp.max_rcpt)));
    }
    for a in &req.rcpt {
        clean("rcpt", a)?;
        if !valid_address(a) {
            return Err(ApiError::bad_request(format!(
                "rcpt: {:?} is not an email address",
                a.chars().take(100).collect::<String>()
            )));
        }
    }
    Ok(req)
}

/// Drops non-public addresses from a report's skipped list (unless `allow_private`): a
/// public companion must not tell strangers what internal names resolve to.
fn redact(mut report: SmtpProbeReport, st: &AppState) -> SmtpProbeReport {
    if !st.config.allow_private {
        for s in &mut report.skipped {
            if s.ip
                .as_deref()
                .and_then(|ip| ip.parse::<IpAddr>().ok())
                .is_some_and(|ip| non_public_reason(ip).is_some())
            {
                s.ip = None;
            }
        }
    }
    report
}

/// The HTTP status of a probe's refusal (shared by the SMTP probe and the submission tester).
pub(crate) fn probe_error(e: ProbeError) -> ApiError {
    let status = match &e {
        ProbeError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ProbeError::Refused(_) => StatusCode::FORBIDDEN,
        ProbeError::NotFound(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ProbeError::Dns(_) => StatusCode::BAD_GATEWAY,
    };
    ApiError::new(status, e.to_string())
}

/// `GET /api/dnsbl/{ip-or-domain}`.
pub(crate) async fn dnsbl(State(st): State<Arc<AppState>>, Path(query): Path<String>) -> Result<Response, ApiError> {
    let _permit = st.concurrency.acquire(Kind::Dnsbl).await.ok_or_else(|| ApiError::busy(Kind::Dnsbl.as_str()))?;
    let report = st.dnsbl.check(&query).await.map_err(|e| ApiError::bad_request(e.to_string()))?;
    for l in &report.lists {
        st.metrics.probe(
            "dnsbl",
            match l.status {
                crate::probe::dnsbl::Status::Listed => "listed",
                crate::probe::dnsbl::Status::NotListed => "not_listed",
                crate::probe::dnsbl::Status::Unknown => "unknown",
            },
        );
    }
    Ok(Json(report).into_response())
}

/// `GET /api/mta-sts/{domain}`: the policy file, fetched for the browser (no CORS there).
pub(crate) async fn mta_sts(State(st): State<Arc<AppState>>, Path(domain): Path<String>) -> Result<Response, ApiError> {
    let _permit = st.concurrency.acquire(Kind::Domain).await.ok_or_else(|| ApiError::busy(Kind::Domain.as_str()))?;
    let fetched = st.mta_sts.fetch(&domain).await.map_err(ApiError::bad_request)?;
    st.metrics.probe("mta_sts", if fetched.error.is_none() { "ok" } else { "fail" });
    Ok(Json(fetched).into_response())
}

/// `GET /api/capabilities`: lets the web app detect the companion and its features.
pub(crate) async fn capabilities(State(st): State<Arc<AppState>>) -> Response {
    let c = &st.config;
    Json(serde_json::json!({
        "name": "inboxlens",
        "version": env!("CARGO_PKG_VERSION"),
        "companion": true,
        "doh": st.doh.as_ref().map(|_| "/dns-query"),
        "probes": {
            "smtp": true,
            "dnsbl": true,
            "mta_sts": true,
            "verify": true,
        },
        // The names the web app switches its companion features on by.
        "features": features(&st),
        "api": {
            "analyze": "/api/analyze",
            "domain": "/api/domain/{domain}",
            "probe_smtp": "/api/probe/smtp",
            "dnsbl": "/api/dnsbl/{query}",
            "explain_bounce": "/api/explain-bounce",
            "mta_sts": "/api/mta-sts/{domain}",
            "verify": "/api/verify",
            "verify_jobs": "/api/verify/jobs",
            "inbound": "/api/inbound",
            "openapi": "/api/openapi.json",
        },
        // The inbound test address (`null`: no --smtp-listen).
        "inbound": st.inbound.as_ref().map(|i| serde_json::json!({
            "domain": i.domain,
            "retention_hours": c.inbound.retention_hours,
            "max_message_bytes": c.inbound.max_message_bytes,
        })),
        // Mailbox verification: `smtp` false means syntax, DNS and lists only.
        "verify": {
            "available": true,
            "smtp": st.verify_runner.is_some(),
            "helo": c.verify_helo(),
            "max_addresses": super::verify::MAX_ADDRESSES,
            "job_max_rows": st.jobs.limits().max_rows,
            "job_body_bytes": c.limits.verify_job_body_bytes,
            "job_ttl_secs": st.jobs.limits().ttl.as_secs(),
        },
        "smtp": {
            "ports": c.smtp.default_ports,
            "allowed_ports": crate::guard::ALLOWED_PORTS,
            "ehlo_name": st.smtp_ehlo(),
            "max_rcpt": c.smtp.max_rcpt,
        },
        "extra_trust_anchors": st.extra_anchor_count,
        "dnsbl": {
            "ip_lists": st.dnsbl.config().ip_lists.iter().map(|l| l.zone.clone()).collect::<Vec<_>>(),
            "domain_lists": st.dnsbl.config().domain_lists.iter().map(|l| l.zone.clone()).collect::<Vec<_>>(),
        },
        "limits": {
            "analyze_body_bytes": c.limits.analyze_body_bytes,
            "api_per_minute": c.limits.api_per_minute,
        },
        "auth_required": c.token.is_some(),
        "allow_private": c.allow_private,
        "webapp_embedded": super::assets::has_webapp(),
    }))
    .into_response()
}

/// The names the web app switches its companion features on by.
fn features(st: &AppState) -> Vec<&'static str> {
    let mut f = vec!["smtp_probe", "dnsbl", "mta_sts", "verify", "verify_jobs"];
    if st.inbound.is_some() {
        f.push("inbound");
    }
    f
}

impl AppState {
    fn smtp_ehlo(&self) -> String {
        self.config.ehlo_name()
    }
}

/// `GET /healthz`.
pub(crate) async fn healthz() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// `GET /metrics` (Prometheus text format 0.0.4).
pub(crate) async fn metrics(State(st): State<Arc<AppState>>) -> Response {
    let mut r = st.metrics.render().into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    r
}

/// Unknown `/api/...` path.
pub(crate) async fn api_not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("no API endpoint at {}; see /api/openapi.json", uri.path()))
}

/// Query string of `GET /dns-query`.
#[derive(Debug, Deserialize)]
pub(crate) struct DohQuery {
    /// The wire query, base64url without padding (RFC 8484 §4.1).
    pub dns: Option<String>,
}

/// `GET /dns-query?dns=...`.
pub(crate) async fn doh_get(State(st): State<Arc<AppState>>, Query(q): Query<DohQuery>) -> Result<Response, ApiError> {
    let Some(b64) = q.dns else {
        return Err(ApiError::bad_request("missing ?dns= (RFC 8484 §4.1: the query, base64url-encoded)"));
    };
    if b64.len() > super::doh::MAX_QUERY * 2 {
        return Err(ApiError::new(StatusCode::URI_TOO_LONG, "the dns parameter is too long"));
    }
    let wire = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64.trim_end_matches('='))
        .map_err(|_| ApiError::bad_request("the dns parameter is not base64url (RFC 8484 §4.1)"))?;
    doh_answer(&st, &wire).await
}

/// `POST /dns-query` with `Content-Type: application/dns-message`.
pub(crate) async fn doh_post(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.starts_with("application/dns-message") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST /dns-query needs Content-Type: application/dns-message (RFC 8484 §4.1)",
        ));
    }
    let body = body.map_err(|r| body_rejection(r, super::doh::MAX_QUERY))?;
    doh_answer(&st, &body).await
}

async fn doh_answer(st: &AppState, wire: &[u8]) -> Result<Response, ApiError> {
    let Some(fwd) = &st.doh else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "this server has no upstream DNS resolver for DoH (it runs with --offline or --doh); set doh.upstream",
        ));
    };
    let _permit = st.concurrency.acquire(Kind::Doh).await.ok_or_else(|| ApiError::busy(Kind::Doh.as_str()))?;
    match fwd.forward(wire).await {
        Ok(ans) => {
            st.metrics.doh_upstream(ans.transport);
            let mut r = ans.wire.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/dns-message"));
            let cache = format!("max-age={}", ans.min_ttl.unwrap_or(0));
            if let Ok(v) = HeaderValue::from_str(&cache) {
                h.insert(header::CACHE_CONTROL, v);
            }
            Ok(r)
        }
        Err(e) => {
            st.metrics.doh_upstream("error");
            let status = match e {
                DohError::BadQuery(_) => StatusCode::BAD_REQUEST,
                DohError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
                DohError::Upstream(_) => StatusCode::BAD_GATEWAY,
            };
            Err(ApiError::new(status, e.to_string()))
        }
    }
}

/// One of the client's SMTP session slots (`limits.max_concurrent_smtp_per_client`), shared by
/// the probe and the submission tester, so one client cannot hold every SMTP slot with tarpits.
pub(crate) fn smtp_client_slot(st: &AppState, client: IpAddr) -> Result<crate::limits::ClientSlot, ApiError> {
    st.smtp_per_client.try_acquire(client).ok_or_else(|| ApiError {
        status: StatusCode::TOO_MANY_REQUESTS,
        message: format!(
            "you already have {} SMTP probes running; wait for one to finish",
            st.config.limits.max_concurrent_smtp_per_client
        ),
        retry_after: Some(5),
    })
}
