//! List-Unsubscribe (RFC 2369 §3.2) and one-click unsubscribe (RFC 8058).
//!
//! Gmail and Yahoo (February 2024) and Microsoft (May 2025) require bulk senders to
//! offer one-click unsubscribe: an `https:` URI in List-Unsubscribe, the exact
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click` field, and a valid DKIM
//! signature whose `h=` covers both fields (RFC 8058 §3.1, §4).

use crate::findings::Finding;
use crate::findings::catalog::content as cat;
use crate::message::body::{host_of, is_scheme};
use crate::message::headers::{lossy_trim, truncate};
use mail_parser::{HeaderName, Message};
use serde::{Deserialize, Serialize};

/// The one value RFC 8058 §3.1 allows in List-Unsubscribe-Post.
pub const ONE_CLICK_VALUE: &str = "List-Unsubscribe=One-Click";
/// At most this many URIs are kept from one field (bounded work).
const MAX_URIS: usize = 16;

/// One URI of List-Unsubscribe.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnsubscribeUri {
    /// The URI with whitespace removed (RFC 2369 §2 allows folding inside).
    pub uri: String,
    /// `mailto`, `https`, `http` or the scheme as written (lower case).
    pub scheme: String,
    /// The host of an http(s) URI, or the domain of a mailto address.
    pub host: Option<String>,
}

/// What the list headers offer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UnsubscribeReport {
    /// A List-Unsubscribe field is present.
    pub present: bool,
    /// The field as written (unfolded).
    pub raw: Option<String>,
    /// The URIs in angle brackets, in order.
    pub uris: Vec<UnsubscribeUri>,
    /// A mailto: URI is offered.
    pub has_mailto: bool,
    /// An https: URI is offered (needed for one-click).
    pub has_https: bool,
    /// A plain-http URI is offered (RFC 8058 §3.1 requires HTTPS for one-click).
    pub has_http: bool,
    /// A List-Unsubscribe-Post field is present.
    pub post_present: bool,
    /// Its value as written (trimmed).
    pub post_value: Option<String>,
    /// The value is exactly `List-Unsubscribe=One-Click`.
    pub post_valid: bool,
    /// One-click is technically possible: an https URI plus a valid Post field.
    pub one_click: bool,
    /// A passing DKIM signature's `h=` covers both List-Unsubscribe and
    /// List-Unsubscribe-Post.
    pub dkim_covers_both: bool,
    /// `one_click && dkim_covers_both`: what RFC 8058 §4 asks for.
    pub one_click_compliant: bool,
}

/// Checks List-Unsubscribe / List-Unsubscribe-Post. `dkim_signed_headers` holds
/// the `h=` lists (lower case) of the DKIM signatures that *passed*.
///
/// Rules: RFC 2369 §3.2 (URIs in angle brackets), RFC 8058 §3.1 (https URI and the
/// exact Post value), RFC 8058 §4 (DKIM must cover both fields).
pub fn check_unsubscribe(msg: &Message, dkim_signed_headers: &[Vec<String>]) -> (UnsubscribeReport, Vec<Finding>) {
    let mut r = UnsubscribeReport::default();
    let mut f = Vec::new();
    let headers = msg.headers();

    if let Some(h) = headers.get(HeaderName::ListUnsubscribe) {
        r.present = true;
        let raw = lossy_trim(h.raw_value());
        r.uris = parse_uris(&raw);
        r.raw = Some(raw);
    }
    if let Some(h) = headers.get(HeaderName::ListUnsubscribePost) {
        r.post_present = true;
        let v = lossy_trim(h.raw_value());
        r.post_valid = v == ONE_CLICK_VALUE;
        r.post_value = Some(v);
    }
    r.has_mailto = r.uris.iter().any(|u| u.scheme == "mailto");
    r.has_https = r.uris.iter().any(|u| u.scheme == "https");
    r.has_http = r.uris.iter().any(|u| u.scheme == "http");
    r.one_click = r.has_https && r.post_valid;
    r.dkim_covers_both = dkim_signed_headers.iter().any(|h| {
        let has = |name: &str| h.iter().any(|x| x.trim().eq_ignore_ascii_case(name));
        has("list-unsubscribe") && has("list-unsubscribe-post")
    });
    r.one_click_compliant = r.one_click && r.dkim_covers_both;

    let raw_ev = r.raw.as_deref().map(|v| format!("List-Unsubscribe: {}", truncate(v, 300)));
    let post_ev = r.post_value.as_deref().map(|v| format!("List-Unsubscribe-Post: {}", truncate(v, 120)));

    if !r.present {
        if r.post_present {
            f.push(
                cat::UNSUBSCRIBE_POST_WITHOUT_URI
                    .emit()
                    .detail("List-Unsubscribe-Post is present but there is no List-Unsubscribe field.")
                    .evidence(post_ev.clone().unwrap_or_default()),
            );
        } else {
            f.push(cat::UNSUBSCRIBE_MISSING.emit());
        }
        return (r, f);
    }
    if r.uris.is_empty() {
        f.push(
            cat::UNSUBSCRIBE_MALFORMED
                .emit()
                .detail("List-Unsubscribe holds no URI in angle brackets.")
                .evidence(raw_ev.clone().unwrap_or_default()),
        );
    }
    if r.has_http {
        let bad: Vec<&str> = r.uris.iter().filter(|u| u.scheme == "http").map(|u| u.uri.as_str()).collect();
        f.push(
            cat::UNSUBSCRIBE_HTTP
                .emit()
                .detail(format!("Unsubscribe URI over plain http: {}", truncate(&bad.join(", "), 200))),
        );
    }
    if !r.uris.is_empty() && !r.has_https {
        f.push(
            cat::UNSUBSCRIBE_NO_HTTPS
                .emit()
                .detail(if r.has_mailto {
                    "Only a mailto: unsubscribe is offered; one-click (RFC 8058) needs an https: URI."
                } else {
                    "No https: unsubscribe URI is offered."
                })
                .evidence(raw_ev.clone().unwrap_or_default()),
        );
    }
    if r.post_present && !r.post_valid {
        f.push(
            cat::UNSUBSCRIBE_POST_INVALID
                .emit()
                .detail(format!(
                    "List-Unsubscribe-Post is \"{}\", not exactly \"{ONE_CLICK_VALUE}\".",
                    truncate(r.post_value.as_deref().unwrap_or_default(), 80)
                ))
                .evidence(post_ev.clone().unwrap_or_default()),
        );
    } else if !r.post_present && r.has_https {
        f.push(cat::UNSUBSCRIBE_POST_MISSING.emit().evidence(raw_ev.clone().unwrap_or_default()));
    } else if r.post_present && !r.has_https {
        f.push(
            cat::UNSUBSCRIBE_POST_WITHOUT_URI
                .emit()
                .detail("List-Unsubscribe-Post is present but List-Unsubscribe has no https: URI to POST to."),
        );
    }
    if r.one_click && !r.dkim_covers_both {
        let detail = if dkim_signed_headers.is_empty() {
            "No DKIM signature passed, so nothing vouches for the unsubscribe fields.".to_string()
        } else {
            let lists: Vec<String> = dkim_signed_headers.iter().take(4).map(|h| h.join(":")).collect();
            format!("No passing DKIM signature covers both fields; h= lists: {}", truncate(&lists.join(" | "), 300))
        };
        f.push(cat::UNSUBSCRIBE_NOT_DKIM_COVERED.emit().detail(detail));
    }
    (r, f)
}

/// Extracts the `<...>` URIs of an RFC 2369 field, whitespace inside removed;
/// text outside brackets (comments, garbage) is ignored.
pub fn parse_uris(value: &str) -> Vec<UnsubscribeUri> {
    let mut out = Vec::new();
    let mut rest = value;
    while out.len() < MAX_URIS {
        let Some(start) = rest.find('<') else { break };
        let after = rest.get(start + 1..).unwrap_or_default();
        let Some(end) = after.find('>') else { break };
        let inner: String = after.get(..end).unwrap_or_default().chars().filter(|c| !c.is_whitespace()).collect();
        rest = after.get(end + 1..).unwrap_or_default();
        if inner.is_empty() {
            continue;
        }
        let (scheme, tail) = match inner.split_once(':') {
            Some((s, t)) if is_scheme(s) => (s.to_ascii_lowercase(), t),
            _ => (String::new(), inner.as_str()),
        };
        let host = match scheme.as_str() {
            "http" | "https" => {
                let t = tail.trim_start_matches('/');
                let auth = t.split(['/', '?', '#']).next().unwrap_or_default();
                let hostport = auth.rsplit('@').next().unwrap_or_default();
                Some(host_of(hostport).to_ascii_lowercase()).filter(|h| !h.is_empty())
            }
            "mailto" => {
                let addr = tail.split('?').next().unwrap_or_default();
                crate::message::headers::domain_of(addr)
            }
            _ => None,
        };
        out.push(UnsubscribeUri { uri: inner.clone(), scheme, host });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn run(extra: &str, dkim: &[Vec<String>]) -> (UnsubscribeReport, Vec<Finding>) {
        let raw = format!("From: a@example.com\r\n{extra}Subject: x\r\n\r\nbody\r\n");
        let msg = MessageParser::new().parse(raw.as_bytes()).unwrap_or_default();
        check_unsubscribe(&msg, dkim)
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|x| x.id.as_str()).collect()
    }

    fn h(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn compliant_one_click() {
        let (r, f) = run(
            "List-Unsubscribe: <mailto:u@lists.example.com?subject=unsub>,\r\n <https://example.com/u/1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
            &[h(&["from", "list-unsubscribe", "list-unsubscribe-post"])],
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
        assert_eq!(r.uris.len(), 2);
        assert_eq!(r.uris[0].host.as_deref(), Some("lists.example.com"));
        assert_eq!(r.uris[1].host.as_deref(), Some("example.com"));
        assert!(r.one_click && r.dkim_covers_both && r.one_click_compliant);
    }

    #[test]
    fn dkim_must_cover_both() {
        let hdr =
            "List-Unsubscribe: <https://example.com/u/1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
        let (r, f) = run(hdr, &[h(&["from", "list-unsubscribe"]), h(&["list-unsubscribe-post"])]);
        assert!(r.one_click && !r.one_click_compliant);
        assert_eq!(ids(&f), vec!["unsubscribe.not_dkim_covered"]);
        let (_, f) = run(hdr, &[]);
        assert_eq!(ids(&f), vec!["unsubscribe.not_dkim_covered"]);
    }

    #[test]
    fn missing_and_partial() {
        assert_eq!(ids(&run("", &[]).1), vec!["unsubscribe.missing"]);
        let (r, f) = run("List-Unsubscribe: <mailto:u@example.com>\r\n", &[]);
        assert!(r.has_mailto && !r.one_click);
        assert_eq!(ids(&f), vec!["unsubscribe.no_https"]);
        let (_, f) = run("List-Unsubscribe: <https://example.com/u>\r\n", &[]);
        assert_eq!(ids(&f), vec!["unsubscribe.post_missing"]);
        let (r, f) = run(
            "List-Unsubscribe: <http://example.com/u>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
            &[],
        );
        assert!(r.has_http && !r.one_click);
        let ids = ids(&f);
        assert!(
            ids.contains(&"unsubscribe.http")
                && ids.contains(&"unsubscribe.no_https")
                && ids.contains(&"unsubscribe.post_without_uri"),
            "{ids:?}"
        );
    }

    #[test]
    fn post_value_must_be_exact() {
        let (r, f) = run(
            "List-Unsubscribe: <https://example.com/u>\r\nList-Unsubscribe-Post: list-unsubscribe=one-click\r\n",
            &[h(&["list-unsubscribe", "list-unsubscribe-post"])],
        );
        assert!(!r.post_valid && !r.one_click);
        assert_eq!(ids(&f), vec!["unsubscribe.post_invalid"]);
        let (_, f) = run("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", &[]);
        assert_eq!(ids(&f), vec!["unsubscribe.post_without_uri"]);
    }

    #[test]
    fn malformed_uris() {
        let (r, f) = run("List-Unsubscribe: https://example.com/no-brackets\r\n", &[]);
        assert!(r.present && r.uris.is_empty());
        assert_eq!(ids(&f), vec!["unsubscribe.malformed"]);
        let uris = parse_uris("<https://ex ample.com/a>, (comment) <  >, <https://[::1]:8443/x>, <weird>");
        assert_eq!(uris.len(), 3);
        assert_eq!(uris[0].uri, "https://example.com/a");
        assert_eq!(uris[1].host.as_deref(), Some("[::1]"));
        assert_eq!(uris[2].scheme, "");
        assert!(parse_uris("<<<<").is_empty());
    }
}
