//! The companion server's JSON API (`inboxlens serve`, same origin), read into typed
//! answers. The types mirror the HTTP contract (the server's `probe` reports); only the
//! fields the pages show are read, so fields the server adds later change nothing here.

use super::UiError;
use futures::future::Either;
use inboxlens_core::findings::Finding;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;

/// `GET /api/dnsbl/{ip-or-domain}`: one answer per blocklist.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct DnsblReport {
    /// The address or domain asked about.
    pub(crate) query: String,
    /// One entry per list.
    #[serde(default)]
    pub(crate) lists: Vec<DnsblList>,
    /// The catalog findings these answers amount to (`blocklist.*`).
    #[serde(default)]
    pub(crate) findings: Vec<Finding>,
}

/// One list's answer.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct DnsblList {
    /// The list zone.
    pub(crate) zone: String,
    /// `listed`, `not_listed` or `unknown`.
    pub(crate) status: String,
    /// The A records returned (return codes).
    #[serde(default)]
    pub(crate) codes: Vec<String>,
    /// The TXT reason(s), when listed.
    #[serde(default)]
    pub(crate) txt: Vec<String>,
    /// What the codes mean, or why the status is unknown.
    #[serde(default)]
    pub(crate) meaning: Option<String>,
}

/// `POST /api/probe/smtp`: one session per MX host and port.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct SmtpProbeReport {
    /// One entry per host and port tried.
    #[serde(default)]
    pub(crate) results: Vec<SmtpSession>,
    /// The catalog findings of the probe (`smtp.*`).
    #[serde(default)]
    pub(crate) findings: Vec<Finding>,
}

/// One SMTP session of a probe.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct SmtpSession {
    /// The MX host name.
    pub(crate) host: String,
    /// The address connected to.
    #[serde(default)]
    pub(crate) ip: String,
    /// The port.
    pub(crate) port: u16,
    /// Whether the TCP connection opened.
    #[serde(default)]
    pub(crate) connected: bool,
    /// The banner (220 greeting) text.
    #[serde(default)]
    pub(crate) banner: Option<String>,
    /// Whether STARTTLS was offered.
    #[serde(default)]
    pub(crate) starttls: bool,
    /// The negotiated TLS version (`TLSv1.3`), when TLS was reached.
    #[serde(default)]
    pub(crate) tls_version: Option<String>,
    /// `ok`, `inconclusive` or `fail`.
    pub(crate) verdict: String,
    /// Why the verdict.
    #[serde(default)]
    pub(crate) verdict_reason: String,
    /// What went wrong, when something did.
    #[serde(default)]
    pub(crate) error: Option<String>,
    /// The dialogue, one line per command or reply.
    #[serde(default)]
    pub(crate) transcript: Vec<String>,
}

/// `GET /api/mta-sts/{domain}`: the policy file fetched for the browser.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct MtaStsFetch {
    /// The HTTP status of the policy URL, when it answered.
    #[serde(default)]
    pub(crate) http_status: Option<u16>,
    /// The policy text (HTTP 200 body).
    #[serde(default)]
    pub(crate) policy_text: Option<String>,
    /// Why the fetch failed, when it did.
    #[serde(default)]
    pub(crate) error: Option<String>,
}

/// The error body of a refused request.
#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorBody {
    Message { message: String },
    Nested { error: ErrorDetail },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorDetail {
    Message { message: String },
    Text(String),
}

impl ErrorBody {
    fn message(self) -> String {
        match self {
            ErrorBody::Message { message } | ErrorBody::Nested { error: ErrorDetail::Message { message } } => message,
            ErrorBody::Nested { error: ErrorDetail::Text(t) } => t,
        }
    }
}

/// Blocklist look-up of an address or domain.
pub(crate) async fn dnsbl(query: &str) -> Result<DnsblReport, UiError> {
    let path = format!("/api/dnsbl/{}", js_sys::encode_uri_component(query).as_string().unwrap_or_default());
    call("GET", &path, None).await
}

/// SMTP probe of a domain's MX hosts.
pub(crate) async fn probe_smtp(domain: &str) -> Result<SmtpProbeReport, UiError> {
    #[derive(serde::Serialize)]
    struct Request<'a> {
        domain: &'a str,
    }
    let body = serde_json::to_string(&Request { domain })
        .map_err(|e| UiError::new("Internal error", format!("The request could not be written: {e}")))?;
    call("POST", "/api/probe/smtp", Some(body)).await
}

/// The MTA-STS policy file of a domain.
pub(crate) async fn mta_sts_policy(domain: &str) -> Result<MtaStsFetch, UiError> {
    let path = format!("/api/mta-sts/{}", js_sys::encode_uri_component(domain));
    call("GET", &path, None).await
}

/// Longest a JSON call may take (the SMTP probe of slow servers takes about a minute).
const CALL_DEADLINE_MS: u32 = 300_000;

/// Calls the companion server's JSON API (same origin); its errors are JSON with a message.
async fn call<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>) -> Result<T, UiError> {
    let body = body.map(|b| (wasm_bindgen::JsValue::from_str(&b), "application/json"));
    let (_, text) = send(method, path, body, CALL_DEADLINE_MS).await?;
    read_json(path, &text)
}

/// Reads a JSON answer of the companion server.
pub(super) fn read_json<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, UiError> {
    serde_json::from_str(text)
        .map_err(|e| UiError::new("The Inboxlens server gave an answer this page cannot read", format!("{path}: {e}")))
}

/// The error when the companion server does not answer (or the page lost it).
pub(super) fn unreachable() -> UiError {
    UiError::new(
        "The Inboxlens server did not answer",
        "Check that `inboxlens serve` is still running, then try again.",
    )
}

/// Sends a request to the companion server (same origin) with a body and its Content-Type,
/// and reads the answer's text; the request is aborted after `deadline_ms`. A refusal (any
/// status other than 2xx) becomes a [`UiError`] carrying the server's `{"error": ...}` sentence.
pub(super) async fn send(
    method: &str,
    path: &str,
    body: Option<(wasm_bindgen::JsValue, &str)>,
    deadline_ms: u32,
) -> Result<(u16, String), UiError> {
    let w = crate::util::window().ok_or_else(|| UiError::new("No window", "This page must run in a browser."))?;
    let abort = web_sys::AbortController::new().ok();
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(a) = &abort {
        init.set_signal(Some(&a.signal()));
    }
    if let Some((b, _)) = &body {
        init.set_body(b);
    }
    let req = web_sys::Request::new_with_str_and_init(path, &init)
        .map_err(|_| UiError::new("Request failed", "The request could not be built."))?;
    let _ = req.headers().set("Accept", "application/json");
    if let Some((_, content_type)) = &body {
        let _ = req.headers().set("Content-Type", content_type);
    }
    let exchange = async {
        let resp = wasm_bindgen_futures::JsFuture::from(w.fetch_with_request(&req)).await.map_err(|_| unreachable())?;
        let resp: web_sys::Response = resp.dyn_into().map_err(|_| unreachable())?;
        let text = wasm_bindgen_futures::JsFuture::from(resp.text().map_err(|_| unreachable())?)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        Ok::<_, UiError>((resp, text))
    };
    let timer = gloo_timers::future::TimeoutFuture::new(deadline_ms);
    let (resp, text) = match futures::future::select(Box::pin(exchange), timer).await {
        Either::Left((r, _)) => r?,
        Either::Right(_) => {
            if let Some(a) = &abort {
                a.abort();
            }
            return Err(UiError::new(
                "The Inboxlens server took too long",
                format!(
                    "No answer from {path} within {} s; try again later or with fewer addresses.",
                    deadline_ms / 1000
                ),
            ));
        }
    };
    if !resp.ok() {
        return Err(refusal(resp.status(), &resp.status_text(), &text));
    }
    Ok((resp.status(), text))
}

/// The title of a 404 answer (a route this server does not have, or a job it forgot).
pub(super) const NOT_FOUND: &str = "Not found on the Inboxlens server";

/// A refused request in words: the server's own sentence under a title that says what to do.
pub(super) fn refusal(status: u16, status_text: &str, text: &str) -> UiError {
    let msg = serde_json::from_str::<ErrorBody>(text)
        .map(ErrorBody::message)
        .unwrap_or_else(|_| format!("HTTP {status} {status_text}"));
    let title = match status {
        429 => "Too many requests: wait a moment",
        413 => "Too large for the Inboxlens server",
        503 => "The Inboxlens server is busy",
        404 => NOT_FOUND,
        _ => "The Inboxlens server refused",
    };
    UiError::new(title, msg)
}
