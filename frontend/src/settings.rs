//! Where DNS questions go, and whether the companion server is there.
//!
//! The page sends nothing but DNS questions (RFC 8484 DoH). The endpoint is the user's
//! choice when they made one (remembered in localStorage); otherwise the companion
//! server's `/dns-query` when the page is served by `inboxlens serve` (it answers
//! `/api/capabilities`), otherwise a public DoH resolver that allows CORS.

use crate::util;
use serde::Deserialize;
use wasm_bindgen::JsCast;

/// The public fallback: answers RFC 8484 POSTs with CORS headers.
pub(crate) const PUBLIC_DOH: &str = "https://cloudflare-dns.com/dns-query";

/// What the companion server said about itself at `/api/capabilities`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Capabilities {
    /// Absolute URL of its DoH endpoint.
    pub(crate) doh: String,
    /// Feature names it announced (e.g. `smtp_probe`, `dnsbl`, `mta_sts`).
    pub(crate) features: Vec<String>,
}

/// The part of `/api/capabilities` the page reads.
#[derive(Deserialize)]
struct CapabilitiesDoc {
    /// Its DoH endpoint, a path on the same origin or an absolute URL.
    #[serde(default)]
    doh: Option<String>,
    /// The names the web app switches its companion features on by.
    #[serde(default)]
    features: Vec<String>,
}

impl Capabilities {
    /// Whether a feature is offered. A companion that lists no features is assumed to offer
    /// the ones issue #5 requires of every `inboxlens serve`.
    pub(crate) fn has(&self, feature: &str) -> bool {
        self.features.is_empty() || self.features.iter().any(|f| f == feature)
    }
}

/// Whether the companion server is present.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Companion {
    /// `/api/capabilities` has not answered yet.
    Probing,
    /// Not served by the companion server (static hosting, a file server).
    Absent,
    /// Served by `inboxlens serve`.
    Present(Capabilities),
}

/// Why the current endpoint is the current one (shown next to it).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum DohSource {
    /// Typed by the user and remembered.
    User,
    /// The companion server's own endpoint.
    Companion,
    /// The public fallback.
    Public,
}

/// The app-wide settings, shared through a Yew context.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Settings {
    pub(crate) doh: String,
    pub(crate) source: DohSource,
    pub(crate) companion: Companion,
}

impl Settings {
    /// Start-up state: the remembered endpoint, or the public one until the companion answers.
    pub(crate) fn initial() -> Self {
        match util::storage_get(util::KEY_DOH).filter(|s| !s.trim().is_empty()) {
            Some(doh) => Settings { doh, source: DohSource::User, companion: Companion::Probing },
            None => Settings { doh: PUBLIC_DOH.to_string(), source: DohSource::Public, companion: Companion::Probing },
        }
    }

    /// Applies the companion probe's outcome; a user's own choice is kept.
    pub(crate) fn with_companion(&self, companion: Companion) -> Self {
        let mut next = self.clone();
        if next.source != DohSource::User {
            match &companion {
                Companion::Present(caps) => {
                    next.doh = caps.doh.clone();
                    next.source = DohSource::Companion;
                }
                _ => {
                    next.doh = PUBLIC_DOH.to_string();
                    next.source = DohSource::Public;
                }
            }
        }
        next.companion = companion;
        next
    }

    /// The user chose an endpoint (empty = back to the default).
    pub(crate) fn with_user_doh(&self, url: &str) -> Self {
        let url = url.trim();
        let mut next = self.clone();
        if url.is_empty() {
            util::storage_remove(util::KEY_DOH);
            next.source = DohSource::Public;
            next.doh = PUBLIC_DOH.to_string();
            if let Companion::Present(caps) = &self.companion {
                next.doh = caps.doh.clone();
                next.source = DohSource::Companion;
            }
        } else {
            util::storage_set(util::KEY_DOH, url);
            next.doh = url.to_string();
            next.source = DohSource::User;
        }
        next
    }
}

/// Validates a DoH endpoint typed by the user: an absolute http(s) URL.
pub(crate) fn check_endpoint(url: &str) -> Result<(), String> {
    let u = url.trim();
    if u.is_empty() {
        return Ok(());
    }
    match web_sys::Url::new(u) {
        Ok(parsed) if parsed.protocol() == "https:" || parsed.protocol() == "http:" => Ok(()),
        Ok(_) => Err("The DoH endpoint must be an http:// or https:// URL.".into()),
        Err(_) => Err(format!("“{u}” is not a URL. Write the full address, e.g. {PUBLIC_DOH}")),
    }
}

/// Asks the page's own origin whether it is the companion server.
/// Any failure (404, not JSON, network) means "absent"; it never raises an error in the page.
pub(crate) async fn probe_companion() -> Companion {
    let Some(w) = util::window() else {
        return Companion::Absent;
    };
    let origin = w.location().origin().unwrap_or_default();
    if !(origin.starts_with("http://") || origin.starts_with("https://")) {
        return Companion::Absent;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    let Ok(req) = web_sys::Request::new_with_str_and_init("/api/capabilities", &init) else {
        return Companion::Absent;
    };
    let _ = req.headers().set("Accept", "application/json");
    let Ok(resp) = wasm_bindgen_futures::JsFuture::from(w.fetch_with_request(&req)).await else {
        return Companion::Absent;
    };
    let Ok(resp) = resp.dyn_into::<web_sys::Response>() else {
        return Companion::Absent;
    };
    if !resp.ok() {
        return Companion::Absent;
    }
    let Ok(text_promise) = resp.text() else {
        return Companion::Absent;
    };
    let Ok(body) = wasm_bindgen_futures::JsFuture::from(text_promise).await else {
        return Companion::Absent;
    };
    let Some(body) = body.as_string() else {
        return Companion::Absent;
    };
    let Ok(doc) = serde_json::from_str::<CapabilitiesDoc>(&body) else {
        return Companion::Absent;
    };
    let doh_path = doc.doh.unwrap_or_else(|| "/dns-query".to_string());
    let doh = if doh_path.starts_with("http://") || doh_path.starts_with("https://") {
        doh_path
    } else {
        format!("{origin}/{}", doh_path.trim_start_matches('/'))
    };
    Companion::Present(Capabilities { doh, features: doc.features })
}
