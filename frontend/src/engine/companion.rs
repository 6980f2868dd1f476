//! The companion server's JSON API (`inboxlens serve`, same origin), read into typed
//! answers. The types mirror the HTTP contract (the server's `probe` reports); only the
//! fields the pages show are read, so fields the server adds later change nothing here.

use super::UiError;
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

/// Calls the companion server's JSON API (same origin); its errors are JSON with a message.
async fn call<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>) -> Result<T, UiError> {
    let w = crate::util::window().ok_or_else(|| UiError::new("No window", "This page must run in a browser."))?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(b) = &body {
        init.set_body(&wasm_bindgen::JsValue::from_str(b));
    }
    let req = web_sys::Request::new_with_str_and_init(path, &init)
        .map_err(|_| UiError::new("Request failed", "The request could not be built."))?;
    let _ = req.headers().set("Accept", "application/json");
    if body.is_some() {
        let _ = req.headers().set("Content-Type", "application/json");
    }
    let unreachable = || {
        UiError::new(
            "The Inboxlens server did not answer",
            "Check that `inboxlens serve` is still running, then try again.",
        )
    };
    let resp = wasm_bindgen_futures::JsFuture::from(w.fetch_with_request(&req)).await.map_err(|_| unreachable())?;
    let resp: web_sys::Response = resp.dyn_into().map_err(|_| unreachable())?;
    let text = wasm_bindgen_futures::JsFuture::from(resp.text().map_err(|_| unreachable())?)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    if !resp.ok() {
        let msg = serde_json::from_str::<ErrorBody>(&text)
            .map(ErrorBody::message)
            .unwrap_or_else(|_| format!("HTTP {} {}", resp.status(), resp.status_text()));
        let title =
            if resp.status() == 429 { "Too many requests: wait a moment" } else { "The Inboxlens server refused" };
        return Err(UiError::new(title, msg));
    }
    serde_json::from_str(&text)
        .map_err(|e| UiError::new("The Inboxlens server gave an answer this page cannot read", format!("{path}: {e}")))
}
