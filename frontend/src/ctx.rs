//! What the shell shares with the pages: the route (URL fragment) and the app context
//! (settings). Pages depend on this module, never on the shell (`app`) itself.

use crate::settings::Settings;
use crate::util;
use yew::prelude::*;

/// A page of the app, from the URL fragment. Fragments carry nothing private: only a domain name.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Route {
    /// `#/`: analyze a message.
    Analyze,
    /// `#/domain` or `#/domain/example.com`: check a domain.
    Domain(Option<String>),
    /// `#/bounce`: explain a bounce.
    Bounce,
    /// `#/verify`: verify mailboxes and clean a list (needs the companion server).
    Verify,
    /// `#/inbound` (a new test address) or `#/inbound/<token>` (its report): send a test
    /// email (needs the companion server). The token is a capability: whoever has the link
    /// reads the report until it expires.
    Inbound(Option<String>),
    /// `#/smtp-test`: test SMTP submission settings (needs the companion server).
    SmtpTest,
}

impl Route {
    /// Parses `location.hash`.
    pub(crate) fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let mut parts = path.splitn(2, '/');
        match parts.next().unwrap_or("") {
            "domain" => {
                let d = parts.next().map(|d| decode_component(d).trim().to_string()).filter(|d| !d.is_empty());
                Route::Domain(d)
            }
            "bounce" => Route::Bounce,
            "verify" => Route::Verify,
            "inbound" => Route::Inbound(
                parts
                    .next()
                    .map(|t| t.trim().to_ascii_lowercase())
                    .filter(|t| !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_alphanumeric())),
            ),
            "smtp-test" => Route::SmtpTest,
            _ => Route::Analyze,
        }
    }

    /// The fragment for this route.
    pub(crate) fn to_hash(&self) -> String {
        match self {
            Route::Analyze => "#/".into(),
            Route::Domain(None) => "#/domain".into(),
            Route::Domain(Some(d)) => format!("#/domain/{}", encode_component(d)),
            Route::Bounce => "#/bounce".into(),
            Route::Verify => "#/verify".into(),
            Route::Inbound(None) => "#/inbound".into(),
            Route::Inbound(Some(t)) => format!("#/inbound/{t}"),
            Route::SmtpTest => "#/smtp-test".into(),
        }
    }
}

fn decode_component(s: &str) -> String {
    js_sys::decode_uri_component(s).ok().and_then(|v| v.as_string()).unwrap_or_else(|| s.to_string())
}

fn encode_component(s: &str) -> String {
    js_sys::encode_uri_component(s).as_string().unwrap_or_else(|| s.to_string())
}

/// Sets the URL fragment without adding a history entry per keystroke.
pub(crate) fn set_hash(route: &Route) {
    if let Some(w) = util::window() {
        let hash = route.to_hash();
        if w.location().hash().unwrap_or_default() != hash {
            let _ = w.location().set_hash(&hash);
        }
    }
}

/// What every page gets from the shell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AppCtx {
    /// The current DNS / companion settings.
    pub(crate) settings: Settings,
    /// Replaces the settings (the DNS settings box).
    pub(crate) set_settings: Callback<Settings>,
}
