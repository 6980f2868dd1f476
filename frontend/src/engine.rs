//! The only place the web app calls the core. Each function builds the browser's DNS
//! seam (DoH over `fetch`, optionally under a what-if overlay), runs the core and hands
//! back the core's report serialized to JSON — the same document `inboxlens … --json`
//! prints and "Export JSON" saves. Failures become [`UiError`]s worded for people.

use inboxlens_core::analyze::{AnalyzeError, AnalyzeOptions, analyze_message};
use inboxlens_core::dns::Resolver;
use inboxlens_core::dns::doh::DohResolver;
use inboxlens_core::dns::overlay::Overlay;
use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::sample::{SAMPLE_MESSAGE, SAMPLE_RECEIVED_AT, SAMPLE_ZONE};
use serde_json::Value;
use std::sync::Arc;
use wasm_bindgen::JsCast;

/// A failure as a person should read it: what happened, and what to do.
#[derive(Clone, Debug, PartialEq)]
pub struct UiError {
    pub title: String,
    pub message: String,
}

impl UiError {
    /// A titled message.
    pub fn new(title: impl Into<String>, message: impl Into<String>) -> Self {
        UiError { title: title.into(), message: message.into() }
    }
}

/// Envelope values the user typed (the CLI's `--ip`, `--helo`, `--mail-from`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Overrides {
    pub ip: Option<String>,
    pub helo: Option<String>,
    pub mail_from: Option<String>,
}

/// The bytes of a message typed or pasted into the textarea. The core converts bare LF
/// line ends back to CRLF itself (and says so in `meta`), so the text goes as it is.
pub fn textarea_to_wire(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// The browser's resolver: DoH to the chosen endpoint.
fn doh(endpoint: &str) -> Result<Arc<dyn Resolver>, UiError> {
    crate::settings::check_endpoint(endpoint).map_err(|m| UiError::new("The DNS endpoint is not usable", m))?;
    Ok(Arc::new(DohResolver::new(endpoint.trim().to_string())))
}

/// Whether `raw` is the bundled sample (as loaded, or as it comes back from the
/// textarea with bare LF line ends).
fn is_bundled_sample(raw: &[u8]) -> bool {
    let no_cr = |b: &&u8| **b != b'\r';
    raw == SAMPLE_MESSAGE || raw.iter().filter(no_cr).eq(SAMPLE_MESSAGE.iter().filter(no_cr))
}

/// Analyses one message in the page; only DNS questions leave it. The bundled sample is
/// answered from its own zone alone (`.example` never resolves) and judged as of its
/// delivery, exactly like `inboxlens analyze --sample`: no question leaves the page.
#[allow(clippy::arc_with_non_send_sync)]
pub async fn analyze(raw: &[u8], endpoint: &str, ov: &Overrides) -> Result<Value, UiError> {
    let sample = is_bundled_sample(raw);
    let resolver: Arc<dyn Resolver> = if sample {
        Arc::new(
            ZoneResolver::from_zone_text(SAMPLE_ZONE, None)
                .map_err(|e| UiError::new("Internal error", e.to_string()))?,
        )
    } else {
        doh(endpoint)?
    };
    let now = if sample { SAMPLE_RECEIVED_AT + 60 } else { crate::util::now_secs() as i64 };
    let mut opts = AnalyzeOptions::at(now);
    if let Some(ip) = &ov.ip {
        let parsed = ip.parse().map_err(|_| {
            UiError::new(
                "The client IP override is not an IP address",
                format!("“{ip}” is neither IPv4 (203.0.113.5) nor IPv6 (2001:db8::5)."),
            )
        })?;
        opts.overrides.ip = Some(parsed);
    }
    opts.overrides.helo = ov.helo.clone();
    opts.overrides.mail_from = ov.mail_from.clone();
    let report = analyze_message(raw, resolver, &opts).await.map_err(|e| match e {
        AnalyzeError::Empty => UiError::new(
            "Nothing to analyse",
            "Paste a complete message (headers and body), drop an .eml file, or load the sample.",
        ),
        AnalyzeError::NotAnEmail => UiError::new(
            "This is not an email message",
            "No header fields (like “From:” or “Received:”) were found at the top. Copy the whole original message: in Gmail ⋮ → Show original, in Outlook File → Properties → Internet headers, in Thunderbird View → Message Source.",
        ),
        other => UiError::new("The message cannot be analysed", other.to_string()),
    })?;
    serde_json::to_value(&report)
        .map_err(|e| UiError::new("Internal error", format!("The report could not be serialized: {e}")))
}

/// What the domain form holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DomainInput {
    pub domain: String,
    pub selectors: Vec<String>,
    pub parked: bool,
    /// Zone-file lines to overlay (what-if), relative names under `domain`.
    pub whatif: String,
}

/// Checks that a typed domain is a plausible DNS name before any query goes out.
pub fn check_domain_name(name: &str) -> Result<(), UiError> {
    let bad = |why: &str| {
        UiError::new(
            "That is not a domain name",
            format!("“{name}”: {why}. Type a domain such as example.com (no https://, no @)."),
        )
    };
    if name.is_empty() {
        return Err(UiError::new("No domain", "Type the domain that sends your mail, e.g. example.com."));
    }
    if name.contains("://") || name.contains('/') {
        return Err(bad("a web address, not a domain"));
    }
    if name.contains('@') {
        return Err(bad("an email address; use the part after the @"));
    }
    inboxlens_core::names::host_name(name).map(|_| ()).map_err(|e| bad(&e.to_string()))
}

/// The resolver for a domain check: DoH, under the what-if zone lines when there are any.
/// (The core takes an `Arc<dyn Resolver>`; on wasm32 nothing is `Send`: one thread.)
#[allow(clippy::arc_with_non_send_sync)]
fn domain_resolver(input: &DomainInput, endpoint: &str) -> Result<Arc<dyn Resolver>, UiError> {
    let live = doh(endpoint)?;
    if input.whatif.trim().is_empty() {
        return Ok(live);
    }
    let origin = format!("{}.", input.domain.trim_end_matches('.'));
    let zone = ZoneResolver::from_zone_text(&input.whatif, Some(&origin)).map_err(|e| {
        UiError::new(
            "The what-if records could not be read",
            format!(
                "{e}. Write one record per line in zone-file form, e.g. `_dmarc 300 IN TXT \"v=DMARC1; p=reject\"`."
            ),
        )
    })?;
    Ok(Arc::new(Overlay::new(zone, live)))
}

/// Runs every email DNS check of a domain; `on_section` receives each section as soon as
/// its answers are in, the return value is the whole report.
pub async fn check_domain(
    input: &DomainInput,
    endpoint: &str,
    companion_mta_sts: bool,
    on_section: impl FnMut(Value) + 'static,
) -> Result<Value, UiError> {
    let resolver = domain_resolver(input, endpoint)?;
    crate::domain_glue::run(input, resolver, companion_mta_sts, on_section).await
}

/// Explains a bounce (DSN or pasted SMTP reply). Pure parsing: no DNS, nothing leaves the page.
pub async fn explain_bounce(text: &[u8]) -> Result<Value, UiError> {
    crate::domain_glue::bounce(text)
}

/// Calls the companion server's JSON API (same origin); its errors are JSON with a message.
pub async fn companion_json(method: &str, path: &str, body: Option<String>) -> Result<Value, UiError> {
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
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !resp.ok() {
        let msg = crate::util::first_text(&json, &["/message", "/error/message", "/error"])
            .unwrap_or_else(|| format!("HTTP {} {}", resp.status(), resp.status_text()));
        let title =
            if resp.status() == 429 { "Too many requests: wait a moment" } else { "The Inboxlens server refused" };
        return Err(UiError::new(title, msg));
    }
    Ok(json)
}
