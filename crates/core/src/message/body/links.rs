//! URLs: found in plain text, split into parts, classified (IP hosts, URL shorteners,
//! the domain an anchor text displays), and collected with the report's caps.

use super::{COMMON_TLDS, LinkMismatch, LinkReport, MAX_EXAMPLES, MAX_LINKS, SHORTENERS};
use crate::message::headers::{same_organization, truncate};
use std::net::Ipv4Addr;

/// `http(s)://` URLs in plain text.
pub(crate) fn text_urls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut i = 0usize;
    while out.len() < MAX_LINKS {
        let Some(p) = lower.get(i..).and_then(|r| r.find("http")) else {
            break;
        };
        let at = i + p;
        let rest = lower.get(at..).unwrap_or_default();
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = text
                .get(at..)
                .unwrap_or_default()
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ')' | ']' | '\''))
                .map(|e| at + e)
                .unwrap_or(text.len());
            if let Some(u) = text.get(at..end) {
                out.push(u.trim_end_matches(['.', ',', ';', ':', '!', '?']).to_string());
            }
            i = end.max(at + 4);
        } else {
            i = at + 4;
        }
    }
    out
}

/// The parts of an http(s) URL the checks need.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlParts {
    /// Lower-case scheme.
    pub scheme: String,
    /// Lower-case host.
    pub host: String,
    /// A `user@` part precedes the host.
    pub userinfo: bool,
}

/// RFC 3986 §3.1 scheme characters (letters, digits, `+`, `-`, `.`), not empty.
pub(crate) fn is_scheme(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// The host of an RFC 3986 §3.2.2 `host[:port]`: an IP-literal keeps its brackets
/// (`[2001:db8::1]:443` → `[2001:db8::1]`), otherwise everything before the first `:`.
/// Case and a trailing dot are left to the caller.
pub(crate) fn host_of(hostport: &str) -> String {
    if hostport.starts_with('[') {
        hostport.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        hostport.split(':').next().unwrap_or_default().to_string()
    }
}

/// Parses `scheme://[userinfo@]host[:port]/...`; the host is lower case without a
/// trailing dot (IPv6 literals keep their brackets).
pub fn parse_url(url: &str) -> Option<UrlParts> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if !is_scheme(&scheme) {
        return None;
    }
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or_default();
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((_, h)) => (true, h),
        None => (false, authority),
    };
    let host = host_of(hostport);
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    Some(UrlParts { scheme, host, userinfo })
}

/// Whether `host` is an IP literal: dotted IPv4, `[IPv6]`, or an all-numeric /
/// hex host (`http://3232235777/`, obfuscated IPv4).
pub fn is_ip_host(host: &str) -> bool {
    host.parse::<Ipv4Addr>().is_ok()
        || host.starts_with('[')
        || (!host.is_empty() && host.chars().all(|c| c.is_ascii_digit()))
        || (host.starts_with("0x") && host.len() > 2 && host.chars().skip(2).all(|c| c.is_ascii_hexdigit()))
}

pub(crate) fn is_shortener(host: &str) -> bool {
    let h = host.strip_prefix("www.").unwrap_or(host);
    SHORTENERS.contains(&h)
}

/// The domain an anchor text *shows*, when the text looks like a URL or a bare
/// domain (`www.bank.com`, `https://bank.com/login`, `bank.com`).
pub fn displayed_domain(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '>']).trim_start_matches(['(', '<']);
    if t.is_empty() || t.contains(char::is_whitespace) || t.contains('@') && !t.contains("://") {
        return None;
    }
    if t.contains("://") {
        return parse_url(t).map(|u| u.host);
    }
    let host = t.split(['/', '?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    let host = host.split(':').next().unwrap_or_default().trim_end_matches('.').to_string();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    let tld = labels.last().copied().unwrap_or_default();
    // Without "www." a bare word.word is only a domain if the TLD is a ccTLD or a
    // common gTLD: "report.pdf" or "click.here" are not domains.
    let known_tld = tld.len() == 2 || COMMON_TLDS.contains(&tld) || host.starts_with("www.");
    let tld_ok = tld.len() >= 2 && tld.len() <= 24 && tld.chars().all(|c| c.is_ascii_alphabetic()) && known_tld;
    let chars_ok = host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    (tld_ok && chars_ok).then_some(host)
}

#[derive(Default)]
pub(crate) struct LinkCollector {
    pub(crate) r: LinkReport,
    seen: usize,
}

impl LinkCollector {
    pub(crate) fn add(&mut self, href: &str, text: Option<&str>) {
        if self.seen >= MAX_LINKS {
            return;
        }
        self.seen += 1;
        let h = href.trim();
        let lower = h.to_ascii_lowercase();
        if lower.starts_with("mailto:") {
            self.r.mailto += 1;
            return;
        }
        if lower.starts_with("javascript:") {
            return; // counted by the scanner
        }
        let Some(u) = parse_url(h) else { return };
        match u.scheme.as_str() {
            "https" => self.r.https += 1,
            "http" => self.r.http += 1,
            _ => return,
        }
        self.r.count += 1;
        if self.r.domains.len() < MAX_EXAMPLES && !self.r.domains.contains(&u.host) {
            self.r.domains.push(u.host.clone());
        }
        if is_shortener(&u.host) && self.r.shorteners.len() < MAX_EXAMPLES {
            self.r.shorteners.push(truncate(h, 200));
        }
        if is_ip_host(&u.host) && self.r.ip_literals.len() < MAX_EXAMPLES {
            self.r.ip_literals.push(truncate(h, 200));
        }
        if u.userinfo && self.r.userinfo.len() < MAX_EXAMPLES {
            self.r.userinfo.push(truncate(h, 200));
        }
        if let Some(shown) = text.and_then(displayed_domain)
            && !same_organization(&shown, &u.host)
            && shown != u.host
            && self.r.mismatches.len() < MAX_EXAMPLES
        {
            self.r.mismatches.push(LinkMismatch {
                text: truncate(text.unwrap_or_default().trim(), 200),
                text_domain: shown,
                href: truncate(h, 300),
                href_domain: u.host,
            });
        }
    }

    pub(crate) fn finish(self) -> LinkReport {
        self.r
    }
}
