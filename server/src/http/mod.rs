//! The HTTP server: routes, shared state and the middleware every request passes
//! (metrics and logs, bearer token, per-client rate limit, CORS, body limits).
//!
//! Logs carry method, route, status, duration and client address — never a body, a query
//! string or a header value (no message content, no token).

pub mod api;
pub mod assets;
pub mod doh;
pub mod error;
pub mod metrics;
pub mod openapi;

use crate::config::Config;
use crate::guard::TargetPolicy;
use crate::limits::{Concurrency, Cooldown, Kind, RateLimiter};
use crate::probe::dnsbl::DnsblChecker;
use crate::probe::mta_sts::MtaStsFetcher;
use crate::probe::smtp::{SmtpProbeReport, SmtpProber};
use crate::probe::tls::TlsSettings;
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
pub struct AppState {
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
    /// Concurrency caps.
    pub concurrency: Concurrency,
    /// Per-target cooldown of SMTP probes.
    pub smtp_cooldown: Cooldown<String, SmtpProbeReport>,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// How many extra trust anchors were loaded.
    pub extra_anchor_count: usize,
}

/// Why the state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Trust anchors unreadable.
    #[error(transparent)]
    Tls(#[from] crate::probe::tls::TlsSetupError),
    /// rustls refused the configuration.
    #[error("TLS setup failed: {0}")]
    Rustls(#[from] rustls::Error),
    /// The HTTP client for MTA-STS could not be built.
    #[error("HTTP client setup failed: {0}")]
    Http(#[from] reqwest::Error),
}

impl AppState {
    /// Builds the state from the configuration, the resolver and the DoH upstream.
    pub fn new(
        config: Config,
        resolver: Arc<dyn Resolver>,
        doh_upstream: Option<SocketAddr>,
    ) -> Result<Self, StateError> {
        let tls = TlsSettings::new(&config.extra_trust_anchors)?;
        let policy = TargetPolicy { allow_private: config.allow_private };
        let host_budget = RateLimiter::new(config.limits.host_sessions_per_minute, config.limits.host_sessions_burst);
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
            ],
            Duration::from_millis(l.queue_timeout_ms),
        );
        Ok(AppState {
            api_limiter: RateLimiter::new(l.api_per_minute, l.api_burst),
            doh_limiter: RateLimiter::new(l.doh_per_minute, l.doh_burst),
            smtp_cooldown: Cooldown::new(Duration::from_secs(l.target_cooldown_secs)),
            doh: doh_upstream.map(|u| DohForwarder::new(u, Duration::from_millis(config.doh.timeout_ms))),
            concurrency,
            smtp,
            dnsbl,
            mta_sts,
            resolver,
            metrics: Metrics::new(),
            extra_anchor_count: tls.extra_anchor_count,
            config,
        })
    }
}

/// The whole application.
pub fn router(state: Arc<AppState>) -> Router {
    let l = &state.config.limits;
    let other = l.other_body_bytes;
    let api = Router::new()
        .route("/api/analyze", post(api::analyze).layer(DefaultBodyLimit::max(l.analyze_body_bytes)))
        .route("/api/domain/{domain}", get(api::domain))
        .route("/api/probe/smtp", post(api::probe_smtp))
        .route("/api/dnsbl/{query}", get(api::dnsbl))
        .route("/api/explain-bounce", post(api::explain_bounce).layer(DefaultBodyLimit::max(l.analyze_body_bytes)))
        .route("/api/mta-sts/{domain}", get(api::mta_sts))
        .route("/api/capabilities", get(api::capabilities))
        .route("/api/openapi.json", get(openapi::openapi))
        .layer(DefaultBodyLimit::max(other))
        .layer(api_cors(&state.config));
    let dns = Router::new()
        .route("/dns-query", get(api::doh_get).post(api::doh_post))
        .layer(DefaultBodyLimit::max(doh::MAX_QUERY))
        .layer(
            // DNS answers are public: any page may use this resolver (RFC 8484 §5.2 caching aside).
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION])
                .max_age(Duration::from_secs(86_400)),
        );
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
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION])
        .max_age(Duration::from_secs(3600));
    if config.cors_origins.iter().any(|o| o == "*") {
        base.allow_origin(Any)
    } else {
        let origins: Vec<HeaderValue> =
            config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok()).collect();
        base.allow_origin(AllowOrigin::list(origins))
    }
}

/// The client address: the socket peer, or the first `X-Forwarded-For` entry when configured.
pub fn client_ip(state: &AppState, req: &Request) -> IpAddr {
    if state.config.trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return ip;
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
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

/// Bearer token and rate limits, before any handler runs.
async fn guard_layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_api = path.starts_with("/api/");
    let is_doh = path == "/dns-query";
    if (!is_api && !is_doh) || req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    let public = matches!(path, "/api/capabilities" | "/api/openapi.json");
    if let (Some(token), false) = (&state.config.token, public) {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(given.as_bytes(), token.as_bytes()) {
            let mut r = ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "this server requires a token: send \"Authorization: Bearer <token>\"",
            )
            .into_response();
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    let client = client_ip(&state, &req);
    let (limiter, bucket, cost) = if is_doh {
        (&state.doh_limiter, "doh", 1)
    } else if path == "/api/probe/smtp" {
        (&state.api_limiter, "api", state.config.limits.smtp_probe_cost.max(1))
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
