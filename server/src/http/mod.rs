//! The HTTP server: routes, shared state and the middleware every request passes
//! (metrics and logs, bearer token, per-client rate limit, CORS, body limits).
//!
//! Logs carry method, route, status, duration and client address — never a body, a query
//! string or a header value (no message content, no token).

pub(crate) mod api;
pub(crate) mod assets;
pub(crate) mod doh;
pub(crate) mod error;
pub(crate) mod inbound;
pub(crate) mod listener;
pub(crate) mod metrics;
pub(crate) mod openapi;
pub(crate) mod smtp_test;
pub(crate) mod verify;

use crate::config::Config;
use crate::guard::TargetPolicy;
use crate::limits::{ClientSlots, Concurrency, Cooldown, Kind, RateLimiter, cidr_contains, client_key, parse_cidr};
use crate::probe::dnsbl::DnsblChecker;
use crate::probe::mta_sts::MtaStsFetcher;
use crate::probe::smtp::{SmtpProbeReport, SmtpProber};
use crate::probe::tls::TlsSettings;
use crate::verify::SessionRunner;
use crate::verify::jobs::{JobLimits, JobStore};
use crate::verify::smtp::{RunnerError, SmtpSessionRunner};
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use doh::DohForwarder;
use error::ApiError;
use inboxlens_core::dns::Resolver;
use metrics::Metrics;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

/// Everything a handler needs.
pub(crate) struct AppState {
    /// The configuration in force.
    pub config: Config,
    /// The server's resolver (the core DNS seam).
    pub resolver: Arc<dyn Resolver>,
    /// SMTP prober.
    pub smtp: SmtpProber,
    /// DNSBL checker.
    pub dnsbl: DnsblChecker,
    /// MTA-STS policy fetcher.
    pub mta_sts: MtaStsFetcher,
    /// DoH forwarder (`None`: no wire upstream, e.g. `--offline`).
    pub doh: Option<DohForwarder>,
    /// Per-client bucket for `/api/*`.
    pub api_limiter: RateLimiter,
    /// Per-client bucket for `/dns-query`.
    pub doh_limiter: RateLimiter,
    /// Per-client bucket of wrong-token requests (token guessing).
    pub auth_failures: RateLimiter,
    /// SMTP probes running per client.
    pub smtp_per_client: ClientSlots,
    /// `trusted_proxies`, parsed.
    pub trusted_proxies: Vec<(IpAddr, u8)>,
    /// SHA-256 of the bearer token (compared in constant time, no length leak).
    pub token_digest: Option<[u8; 32]>,
    /// Concurrency caps.
    pub concurrency: Concurrency,
    /// Per-target cooldown of SMTP probes, keyed by resolved address.
    pub smtp_cooldown: Cooldown<SmtpProbeReport>,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// How many extra trust anchors were loaded.
    pub extra_anchor_count: usize,
    /// SMTP sessions of mailbox verification (`None`: `verify.smtp = false`).
    pub verify_runner: Option<Arc<dyn SessionRunner>>,
    /// `/api/verify` requests running per client.
    pub verify_per_client: ClientSlots,
    /// Bulk verification jobs.
    pub jobs: Arc<JobStore>,
    /// The inbound test address (`None`: no `inbound.listen`).
    pub inbound: Option<Arc<crate::inbound::Inbound>>,
    /// `/api/smtp-test` logins per client address (password guessing).
    pub smtp_test_client_logins: RateLimiter,
    /// `/api/smtp-test` logins per target address, whoever asks.
    pub smtp_test_target_logins: RateLimiter,
}

/// Why the state could not be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StateError {
    /// Trust anchors unreadable.
    #[error(transparent)]
    Tls(#[from] crate::probe::tls::TlsSetupError),
    /// rustls refused the configuration.
    #[error("TLS setup failed: {0}")]
    Rustls(#[from] rustls::Error),
    /// The HTTP client for MTA-STS could not be built.
    #[error("HTTP client setup failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The verification session driver could not be built.
    #[error("verification setup failed: {0}")]
    Verify(#[from] RunnerError),
    /// The inbound store or certificate could not be set up.
    #[error(transparent)]
    Inbound(#[from] crate::inbound::InboundError),
}

impl AppState {
    /// Builds the state from the configuration, the resolver and the DoH upstream.
    pub(crate) fn new(
        config: Config,
        resolver: Arc<dyn Resolver>,
        doh_upstream: Option<SocketAddr>,
    ) -> Result<Self, StateError> {
        let tls = TlsSettings::new(&config.extra_trust_anchors)?;
        let policy = TargetPolicy { allow_private: config.allow_private };
        let tracked = config.limits.max_tracked_clients;
        let host_budget = RateLimiter::with_capacity(
            config.limits.host_sessions_per_minute,
            config.limits.host_sessions_burst,
            tracked,
        );
        let smtp = SmtpProber::new(
            resolver.clone(),
            tls.clone(),
            policy,
            config.smtp.clone(),
            config.ehlo_name(),
            host_budget,
        )?;
        let dnsbl = DnsblChecker::new(resolver.clone(), config.dnsbl.clone());
        let mta_sts = MtaStsFetcher::new(tls.verifying_client_config()?, resolver.clone(), policy)?;
        let l = &config.limits;
        let concurrency = Concurrency::new(
            &[
                (Kind::Smtp, l.max_concurrent_smtp),
                (Kind::Dnsbl, l.max_concurrent_dnsbl),
                (Kind::Analyze, l.max_concurrent_analyze),
                (Kind::Domain, l.max_concurrent_domain),
                (Kind::Doh, l.max_concurrent_doh),
                (Kind::Explain, l.max_concurrent_explain),
                (Kind::Verify, l.max_concurrent_verify),
                (Kind::VerifyUpload, l.max_concurrent_verify_uploads),
            ],
            Duration::from_millis(l.queue_timeout_ms),
        );
        let verify_settings = verify::session_settings(&config);
        let verify_runner: Option<Arc<dyn SessionRunner>> = if config.verify.smtp {
            Some(Arc::new(SmtpSessionRunner::new(
                resolver.clone(),
                &verify_settings,
                config.verify.max_sessions_per_mx,
            )?))
        } else {
            None
        };
        let jobs_base = if config.verify.jobs_dir.is_empty() {
            std::env::temp_dir()
        } else {
            std::path::PathBuf::from(&config.verify.jobs_dir)
        };
        let jobs = Arc::new(JobStore::new(
            JobLimits {
                max_jobs: l.max_verify_jobs,
                max_running: l.max_running_verify_jobs,
                max_per_client: l.max_verify_jobs_per_client,
                max_rows: l.verify_job_max_rows,
                timeout: Duration::from_secs(config.verify.job_timeout_secs.max(1)),
                ttl: Duration::from_secs(config.verify.job_ttl_secs),
            },
            jobs_base,
            resolver.clone(),
            verify_runner.clone(),
            verify::engine_config(
                &config,
                verify_settings,
                verify_runner.is_some(),
                config.verify.max_wait_secs.saturating_mul(1000),
            ),
        ));
        let inbound = if config.inbound.listen.is_empty() {
            None
        } else {
            Some(Arc::new(crate::inbound::Inbound::new(&config.inbound, tracked)?))
        };
        Ok(AppState {
            inbound,
            api_limiter: RateLimiter::with_capacity(l.api_per_minute, l.api_burst, tracked),
            doh_limiter: RateLimiter::with_capacity(l.doh_per_minute, l.doh_burst, tracked),
            auth_failures: RateLimiter::with_capacity(l.auth_failures_per_minute, l.auth_failures_burst, tracked),
            smtp_per_client: ClientSlots::new(l.max_concurrent_smtp_per_client),
            trusted_proxies: config.trusted_proxies.iter().filter_map(|p| parse_cidr(p)).collect(),
            token_digest: config.token.as_ref().map(|t| token_digest(t.as_bytes())),
            smtp_cooldown: Cooldown::new(Duration::from_secs(l.target_cooldown_secs), tracked),
            doh: doh_upstream.map(|u| {
                DohForwarder::new(u, Duration::from_millis(config.doh.timeout_ms))
                    .with_policy(doh::DohPolicy::from_config(&config.doh, config.allow_private))
            }),
            concurrency,
            smtp,
            dnsbl,
            mta_sts,
            resolver,
            metrics: Metrics::new(),
            extra_anchor_count: tls.extra_anchor_count,
            verify_runner,
            verify_per_client: ClientSlots::new(l.max_concurrent_verify_per_client),
            jobs,
            smtp_test_client_logins: RateLimiter::with_capacity(
                l.smtp_test_logins_per_minute,
                l.smtp_test_logins_burst,
                tracked,
            ),
            smtp_test_target_logins: RateLimiter::with_capacity(
                l.smtp_test_target_logins_per_minute,
                l.smtp_test_target_logins_burst,
                tracked,
            ),
            config,
        })
    }
}

/// The whole application.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let l = &state.config.limits;
    let other = l.other_body_bytes;
    let api = Router::new()
        .route("/api/analyze", post(api::analyze).layer(DefaultBodyLimit::max(l.analyze_body_bytes)))
        .route("/api/domain/{domain}", get(api::domain))
        .route("/api/probe/smtp", post(api::probe_smtp))
        .route(smtp_test::PATH, post(smtp_test::smtp_test))
        .route("/api/dnsbl/{query}", get(api::dnsbl))
        .route("/api/explain-bounce", post(api::explain_bounce).layer(DefaultBodyLimit::max(l.analyze_body_bytes)))
        .route("/api/mta-sts/{domain}", get(api::mta_sts))
        .route("/api/verify", post(verify::verify))
        .route(verify::JOBS_PATH, post(verify::create_job).layer(DefaultBodyLimit::max(l.verify_job_body_bytes)))
        .route("/api/verify/jobs/{id}", get(verify::get_job).delete(verify::delete_job))
        .route("/api/verify/jobs/{id}/events", get(verify::job_events))
        .route("/api/verify/jobs/{id}/result.csv", get(verify::job_result))
        .route("/api/inbound", get(inbound::create))
        .route("/api/inbound/{token}", get(inbound::get).delete(inbound::delete))
        .route("/api/inbound/{token}/events", get(inbound::events))
        .route("/api/capabilities", get(api::capabilities))
        .route("/api/openapi.json", get(openapi::openapi))
        .layer(DefaultBodyLimit::max(other))
        .layer(api_cors(&state.config));
    let dns = Router::new()
        .route("/dns-query", get(api::doh_get).post(api::doh_post))
        .layer(DefaultBodyLimit::max(doh::MAX_QUERY))
        .layer(doh_cors(&state.config));
    Router::new()
        .merge(api)
        .merge(dns)
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(state.clone(), guard_layer))
        .layer(middleware::from_fn_with_state(state.clone(), observe_layer))
        .with_state(state)
}

/// Unknown `/api/...` paths get a JSON 404; other GETs are the web app's files and routes.
async fn fallback(method: Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return api::api_not_found(uri).await.into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return ApiError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, format!("{method} is not allowed on {path}"))
            .into_response();
    }
    assets::serve(uri).await
}

fn api_cors(config: &Config) -> CorsLayer {
    cors_for(&config.cors_origins, Duration::from_secs(3600))
}

/// The DoH endpoint's own allow-list (`doh.cors_origins`), else the API's: a page on any
/// site must not be able to use this host's resolver as a window into its network.
fn doh_cors(config: &Config) -> CorsLayer {
    let origins = if config.doh.cors_origins.is_empty() { &config.cors_origins } else { &config.doh.cors_origins };
    cors_for(origins, Duration::from_secs(86_400))
}

fn cors_for(origins: &[String], max_age: Duration) -> CorsLayer {
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION])
        .max_age(max_age);
    if origins.iter().any(|o| o == "*") {
        base.allow_origin(Any)
    } else {
        let origins: Vec<HeaderValue> =
            origins.iter().filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()).collect();
        base.allow_origin(AllowOrigin::list(origins))
    }
}

/// The client address: the socket peer; with `trust_forwarded_for` and a peer that is one of
/// `trusted_proxies`, the right-most `X-Forwarded-For` hop that is not a trusted proxy (the
/// left part of the header is whatever the client wrote, so it is never believed).
pub(crate) fn client_ip(state: &AppState, req: &Request) -> IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if !state.config.trust_forwarded_for {
        return peer;
    }
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    forwarded_client(peer, &hops, &state.trusted_proxies)
}

/// Walks the hops right to left from `peer`: each trusted proxy vouches for the hop before it;
/// the first untrusted one is the client. An unparsable hop ends the walk at the last trusted one.
pub(crate) fn forwarded_client(peer: IpAddr, hops: &[&str], trusted: &[(IpAddr, u8)]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| cidr_contains(*net, ip));
    let mut client = peer;
    for hop in hops.iter().rev() {
        if !is_trusted(client) {
            break;
        }
        let hop = hop.trim();
        let hop = hop.strip_prefix('[').and_then(|h| h.split_once(']')).map(|(h, _)| h).unwrap_or(hop);
        match hop.parse::<IpAddr>().or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip())) {
            Ok(ip) => client = ip.to_canonical(),
            Err(_) => break,
        }
    }
    client
}

/// The rate-limit identity of a request: [`client_ip`] keyed per IPv6 prefix.
pub(crate) fn client_id(state: &AppState, req: &Request) -> IpAddr {
    client_key(client_ip(state, req), state.config.limits.ipv6_client_prefix)
}

/// SHA-256 of a token: comparing digests takes the same time whatever the lengths.
pub(crate) fn token_digest(token: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token).into()
}

/// Metrics and the access log (outermost).
async fn observe_layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = match req.extensions().get::<MatchedPath>() {
        Some(p) => p.as_str().to_string(),
        None if req.uri().path().starts_with("/api/") => "/api/*".to_string(),
        None => "static".to_string(),
    };
    let client = client_ip(&state, &req);
    state.metrics.in_flight(1);
    let deadline = Duration::from_millis(state.config.limits.request_timeout_ms.max(1));
    let mut resp = match tokio::time::timeout(deadline, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            format!("the request took longer than {} s and was stopped", deadline.as_secs()),
        )
        .into_response(),
    };
    state.metrics.in_flight(-1);
    let status = resp.status().as_u16();
    let secs = start.elapsed().as_secs_f64();
    state.metrics.request(method.as_str(), &route, status, secs);
    tracing::info!(method = %method, route = %route, status, ms = (secs * 1000.0).round() as u64, client = %client, "request");
    let h = resp.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    resp
}

/// Host check, bearer token, content type and rate limits, before any handler runs.
async fn guard_layer(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let path = path.as_str();
    let is_api = path.starts_with("/api/");
    let is_doh = path == "/dns-query";
    if !is_api && !is_doh && path != "/metrics" {
        return next.run(req).await;
    }
    // DNS rebinding: a page whose name now resolves to this server sends its own Host.
    if !host_allowed(&state, &req) {
        tracing::warn!(
            host = ?req.headers().get(header::HOST),
            "request refused: Host not in allowed_hosts (behind a reverse proxy, list its public name there)"
        );
        return ApiError::new(
            axum::http::StatusCode::MISDIRECTED_REQUEST,
            "this server does not answer to that host name (see allowed_hosts)",
        )
        .into_response();
    }
    if req.method() == Method::OPTIONS || path == "/metrics" {
        return next.run(req).await;
    }
    let client = client_id(&state, &req);
    req.extensions_mut().insert(api::ClientId(client));
    let public = matches!(path, "/api/capabilities" | "/api/openapi.json");
    if let (Some(digest), false) = (&state.token_digest, public) {
        let now = Instant::now();
        // A client that guessed wrong too often is refused before its token is even looked at,
        // so the answer tells a guesser nothing.
        if let Some(wait) = state.auth_failures.exhausted(client, now) {
            state.metrics.rate_limited("auth");
            return ApiError::rate_limited(wait.as_secs().max(1)).into_response();
        }
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(&token_digest(given.as_bytes()), digest) {
            let _ = state.auth_failures.check(client, 1, now);
            tracing::warn!(client = %client, "wrong or missing token");
            let mut r = ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "this server requires a token: send \"Authorization: Bearer <token>\"",
            )
            .into_response();
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    // JSON endpoints take JSON only: a text/plain POST is a "simple" cross-site request that
    // skips the CORS preflight, so accepting it would let any page trigger probes.
    if req.method() == Method::POST && JSON_POSTS.contains(&path) && !is_json(req.headers()) {
        return ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("POST {path} needs Content-Type: application/json"),
        )
        .into_response();
    }
    // A list for a verification job is CSV or text. `text/plain` is CORS-simple (no preflight),
    // so a browser request from another site is recognised by its Origin and refused.
    if req.method() == Method::POST && path == verify::JOBS_PATH {
        let media = verify::media_type(req.headers());
        if media != "text/csv" && media != "text/plain" {
            return ApiError::new(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("POST {path} needs Content-Type: text/csv or text/plain (the list as the body)"),
            )
            .into_response();
        }
        if !origin_allowed(&state, &req) {
            return ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "verification jobs cannot be created from another site's page (its Origin is not in cors_origins)",
            )
            .into_response();
        }
    }
    let (limiter, bucket, cost) = if is_doh {
        (&state.doh_limiter, "doh", 1)
    } else if path == "/api/probe/smtp" || path == smtp_test::PATH {
        (&state.api_limiter, "api", state.config.limits.smtp_probe_cost.max(1))
    } else if path == verify::JOBS_PATH && req.method() == Method::POST {
        (&state.api_limiter, "api", state.config.limits.verify_job_cost.max(1))
    } else {
        (&state.api_limiter, "api", 1)
    };
    if let Err(wait) = limiter.check(client, cost, Instant::now()) {
        state.metrics.rate_limited(bucket);
        tracing::warn!(client = %client, bucket, "rate limited");
        return ApiError::rate_limited(wait.as_secs().max(1)).into_response();
    }
    next.run(req).await
}

/// POST endpoints whose body is JSON.
const JSON_POSTS: [&str; 3] = ["/api/probe/smtp", "/api/verify", smtp_test::PATH];

/// Whether a request's `Origin` (sent by browsers on cross-site and same-site POSTs) is this
/// server itself or one of `cors_origins`; a request without one (curl, scripts) passes.
fn origin_allowed(state: &AppState, req: &Request) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let origins = &state.config.cors_origins;
    if origins.iter().any(|o| o == "*" || o.trim().trim_end_matches('/').eq_ignore_ascii_case(&origin)) {
        return true;
    }
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).map(|h| h.trim().to_ascii_lowercase());
    matches!((authority, host), (Some(a), Some(h)) if a == h)
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether the request's `Host` is one this server answers to (see `allowed_hosts`).
fn host_allowed(state: &AppState, req: &Request) -> bool {
    let allowed = &state.config.allowed_hosts;
    if allowed.iter().any(|h| h == "*") {
        return true;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    let host = host.trim().to_ascii_lowercase();
    let name = strip_port(&host);
    if allowed.is_empty() {
        let listens_on_loopback =
            state.config.listen.parse::<SocketAddr>().map(|a| a.ip().is_loopback()).unwrap_or(false);
        if !listens_on_loopback {
            return true;
        }
        return name == "localhost"
            || name.ends_with(".localhost")
            || name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    }
    allowed.iter().any(|a| {
        let a = a.trim().to_ascii_lowercase();
        a == host || a == name
    })
}

/// `name:port` → `name`; `[v6]:port` → `[v6]`.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map(|(h, _)| &host[..h.len() + 1]).unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => h,
        _ => host,
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_takes_the_rightmost_untrusted_hop() {
        let trusted = vec![parse_cidr("10.0.0.0/8").unwrap(), parse_cidr("127.0.0.1").unwrap()];
        // The client wrote "1.1.1.1" itself; the proxy appended the real peer 203.0.113.5.
        assert_eq!(forwarded_client(ip("10.0.0.2"), &["1.1.1.1", " 203.0.113.5"], &trusted), ip("203.0.113.5"));
        // Two proxies in a row.
        assert_eq!(forwarded_client(ip("127.0.0.1"), &["203.0.113.5", "10.1.1.1"], &trusted), ip("203.0.113.5"));
        // A peer that is not a proxy is the client, whatever it claims.
        assert_eq!(forwarded_client(ip("198.51.100.9"), &["1.1.1.1"], &trusted), ip("198.51.100.9"));
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(forwarded_client(ip("10.0.0.2"), &["junk"], &trusted), ip("10.0.0.2"));
        assert_eq!(forwarded_client(ip("10.0.0.2"), &["[2001:db8::1]:443"], &trusted), ip("2001:db8::1"));
    }

    #[test]
    fn ports_are_stripped_from_hosts() {
        assert_eq!(strip_port("localhost:8080"), "localhost");
        assert_eq!(strip_port("[::1]:8080"), "[::1]");
        assert_eq!(strip_port("example.test"), "example.test");
    }
}
