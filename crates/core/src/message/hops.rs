//! The Received chain as a list of hops (RFC 5321 §4.4, RFC 5322 §3.6.7).
//!
//! Every SMTP server that relays or delivers a message prepends a Received trace
//! field, so the header block lists them newest first. [`parse_hops`] returns them in
//! delivery order (oldest first) and keeps each one's position in the header block
//! ([`Hop::index`], 0 = topmost = newest), measures the delay from the previous hop
//! and flags clock skew, slow hops, missing dates and cross-organisation hops
//! without TLS. Parsing of a single field is mail-parser's Received parser.

use crate::findings::{Finding, catalog::path};
use mail_parser::{HeaderForm, HeaderName, HeaderValue, Host, Message, Received};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// More than this many seconds between hops is a slow hop (warning).
pub const SLOW_HOP_SECONDS: i64 = 5 * 60;
/// More than this many seconds between hops is a very slow hop.
pub const VERY_SLOW_HOP_SECONDS: i64 = 60 * 60;
/// A hop dated more than this many seconds *before* the previous one is clock skew.
/// Smaller negative delays are second-rounding and NTP jitter between two servers.
pub const CLOCK_SKEW_TOLERANCE_SECONDS: i64 = 60;
/// At most this many Received fields are read; a longer chain is a mail loop
/// (RFC 5321 §6.3 suggests rejecting after about 100 hops).
pub const MAX_HOPS: usize = 200;
/// At most this many bytes of a Received field are kept in [`Hop::raw`].
const MAX_RAW_BYTES: usize = 4096;

/// One Received trace field: one hand-over of the message between two servers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hop {
    /// Position of this Received field among the Received fields of the header
    /// block, 0 = the topmost (newest, written by the final receiver). Envelope
    /// sources such as `received[0]` refer to it.
    pub index: usize,
    /// The host of the `from` clause as written: the client's EHLO name for
    /// Postfix/Sendmail, its reverse-DNS name for Exim, or an address literal.
    pub from: Option<String>,
    /// The connecting client's IP address (an address literal or the `[ip]` comment).
    pub from_ip: Option<String>,
    /// The name the client IP resolved to, when the comment shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_rdns: Option<String>,
    /// The EHLO/HELO argument when the comment shows it separately (`helo=x`, `HELO x`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helo: Option<String>,
    /// The greeting command named in the comment (`HELO`, `EHLO`, `LHLO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helo_cmd: Option<String>,
    /// The receiving host of the `by` clause.
    pub by: Option<String>,
    /// The protocol of the `with` clause (RFC 3848 keywords: `ESMTPS`, `ESMTPSA`, `LMTP`...).
    pub with: Option<String>,
    /// The TLS version named in a comment (`TLSv1.3`).
    pub tls_version: Option<String>,
    /// The TLS cipher suite named in a comment.
    pub tls_cipher: Option<String>,
    /// The queue identifier of the `id` clause.
    pub id: Option<String>,
    /// The recipient of the `for` clause.
    pub for_: Option<String>,
    /// The RFC 1413 ident user, when a comment shows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ident: Option<String>,
    /// The link of the `via` clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The date after `;` as unix seconds (UTC), when it parsed.
    pub timestamp: Option<i64>,
    /// The date text after the last `;`, as written.
    pub date_text: Option<String>,
    /// Seconds since the previous hop that has a timestamp (negative = clock skew).
    pub delay_seconds: Option<i64>,
    /// The field value, unfolded and trimmed.
    pub raw: String,
}

impl Hop {
    /// Whether the hop records TLS: a TLS protocol keyword (RFC 3848 `…S`/`…SA`),
    /// a TLS version or a cipher suite.
    pub fn used_tls(&self) -> bool {
        if self.tls_version.is_some() || self.tls_cipher.is_some() {
            return true;
        }
        // RFC 3848: the "S" in ESMTPS/ESMTPSA/LMTPS/UTF8SMTPS... means TLS.
        let keyword = self.with.as_deref().is_some_and(|w| {
            let w = w.to_ascii_uppercase();
            w.ends_with('S') || w.ends_with("SA")
        });
        // Clauses mail-parser has no keyword for: "with SMTPS", "(TLS)", "using TLS",
        // Microsoft's "(version=TLS1_2, cipher=...)".
        keyword || self.raw.contains("SMTPS") || self.raw.contains("TLS") || self.raw.contains("SSL")
    }

    /// Whether this hop crossed the network between two servers (SMTP/LMTP-like
    /// protocol or unknown), as opposed to a local pickup or a mailbox hand-over.
    fn is_network_hop(&self) -> bool {
        match self.with.as_deref() {
            Some(w) => {
                let w = w.to_ascii_uppercase();
                w.contains("SMTP")
            }
            None => true,
        }
    }
}

/// Unfolds a header value (removes CRLF / LF before white space) and trims it.
pub(crate) fn unfold(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\r' || c == '\n' {
            continue;
        }
        out.push(c);
    }
    out.trim().to_string()
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while cut > 0 && !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

fn host_string(host: Option<Host<'_>>) -> Option<String> {
    host.map(|h| h.to_string()).filter(|s| !s.is_empty())
}

/// The date text after the last `;` of a Received value, trimmed of comments.
fn date_text_of(raw: &str) -> Option<String> {
    let (_, after) = raw.rsplit_once(';')?;
    let t = after.trim();
    if t.is_empty() { None } else { Some(t.to_string()) }
}

/// Zone names of RFC 5322 §4.3 (obs-zone), as offsets in seconds.
fn obs_zone(name: &str) -> Option<i64> {
    Some(match name.to_ascii_uppercase().as_str() {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "EST" => -5 * 3600,
        "EDT" => -4 * 3600,
        "CST" => -6 * 3600,
        "CDT" => -5 * 3600,
        "MST" => -7 * 3600,
        "MDT" => -6 * 3600,
        "PST" => -8 * 3600,
        "PDT" => -7 * 3600,
        _ => return None,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A fallback for trace dates mail-parser does not read: the ctime/asctime layout
/// some old MTAs write (`Fri Feb 07 10:18:12 2003 -0800`, `Fri Sep 14 14:36:56 EDT
/// 2018`, `Sun Nov 13 14:50:12 2005`). Tokens may come in any order; a missing zone
/// is taken as UTC. Two-digit years follow RFC 5322 §4.3 (00–49 → 20xx, 50–99 → 19xx).
fn parse_loose_date(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let (mut year, mut month, mut day, mut time, mut zone) = (None, None, None, None, None);
    let cleaned: String = text.chars().map(|c| if c == ',' || c == '(' || c == ')' { ' ' } else { c }).collect();
    for tok in cleaned.split_whitespace().take(16) {
        let lower = tok.to_ascii_lowercase();
        if let Some(m) = MONTHS.iter().position(|m| lower.starts_with(m)) {
            if month.is_none() && lower.len() <= 9 {
                month = Some(m as i64 + 1);
            }
        } else if tok.contains(':') {
            let parts: Vec<i64> = tok.split(':').map(|p| p.parse::<i64>().unwrap_or(-1)).collect();
            let (h, mi, se) = match parts.as_slice() {
                [h, m] => (*h, *m, 0),
                [h, m, s] => (*h, *m, *s),
                _ => return None,
            };
            if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..61).contains(&se) {
                return None;
            }
            time = Some(h * 3600 + mi * 60 + se);
        } else if (tok.starts_with('+') || tok.starts_with('-')) && tok.len() == 5 {
            let n: i64 = tok.get(1..)?.parse().ok()?;
            let off = (n / 100) * 3600 + (n % 100) * 60;
            zone = Some(if tok.starts_with('-') { -off } else { off });
        } else if let Some(z) = obs_zone(tok) {
            zone = zone.or(Some(z));
        } else if let Ok(n) = tok.parse::<i64>() {
            if tok.len() >= 3 {
                year = Some(n);
            } else if day.is_none() && (1..=31).contains(&n) {
                day = Some(n);
            } else if year.is_none() {
                year = Some(if n < 50 { 2000 + n } else { 1900 + n });
            }
        }
    }
    let (year, month, day, time) = (year?, month?, day?, time?);
    if !(1900..=9999).contains(&year) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + time - zone.unwrap_or(0))
}

/// Removes RFC 5322 comments (nested parentheses, backslash escapes, quoted strings
/// kept), in one bounded pass. Each comment leaves a space behind (RFC 5322 §3.2.2:
/// a comment is CFWS), so the words around it stay apart.
pub(crate) fn strip_comments(value: &str) -> String {
    strip_comments_with(value, Some(' '))
}

/// [`strip_comments`] with the stand-in for each comment's `(` chosen by the caller:
/// `Some(' ')` keeps words apart, `None` drops comments without a trace.
pub(crate) fn strip_comments_with(value: &str, stand_in: Option<char>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth: u32 = 0;
    let mut escaped = false;
    let mut in_quote = false;
    for c in value.chars() {
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                in_quote = !in_quote;
                out.push(c);
            }
            '(' if !in_quote => {
                depth = depth.saturating_add(1);
                out.extend(stand_in);
            }
            ')' if !in_quote && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Builds a hop from mail-parser's parsed Received value.
fn hop_from_received(index: usize, received: Option<Received<'_>>, raw: &[u8]) -> Hop {
    let raw_text = truncate(unfold(raw), MAX_RAW_BYTES);
    let date_text = date_text_of(&raw_text);
    let Some(r) = received else {
        return Hop {
            index,
            from: None,
            from_ip: None,
            from_rdns: None,
            helo: None,
            helo_cmd: None,
            by: None,
            with: None,
            tls_version: None,
            tls_cipher: None,
            id: None,
            for_: None,
            ident: None,
            via: None,
            timestamp: None,
            date_text,
            delay_seconds: None,
            raw: raw_text,
        };
    };
    // mail-parser also reads a "from" out of comments. That is right for
    // "(from localhost [24.180.47.240])" or "(from user@localhost)", but Postfix's
    // "(Postfix, from userid 1002)" and qmail's "(qmail 84907 invoked from network)"
    // name no host: without a from clause proper, keep only a host-like value.
    let has_from_clause = strip_comments(&raw_text).split_whitespace().any(|w| w.eq_ignore_ascii_case("from"));
    let from = host_string(r.from()).filter(|f| {
        has_from_clause || f.contains('.') || f.contains('@') || f.contains(':') || f.eq_ignore_ascii_case("localhost")
    });
    let from_ip = r.from_ip().or(match r.from() {
        Some(Host::IpAddr(ip)) => Some(ip),
        _ => None,
    });
    let timestamp = r
        .date()
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp())
        .or_else(|| date_text.as_deref().and_then(parse_loose_date));
    Hop {
        index,
        from,
        from_ip: from_ip.map(|ip| ip.to_string()),
        from_rdns: r.from_iprev().map(str::to_string),
        helo: host_string(r.helo()),
        helo_cmd: r.helo_cmd().map(|g| g.as_str().to_string()),
        by: host_string(r.by()),
        with: r.with().map(|p| p.as_str().to_string()),
        tls_version: r.tls_version().map(|v| v.as_str().to_string()),
        tls_cipher: r.tls_cipher().map(str::to_string),
        id: r.id().map(str::to_string),
        for_: r.for_().map(str::to_string),
        ident: r.ident().map(str::to_string),
        via: r.via().map(str::to_string),
        timestamp,
        date_text,
        delay_seconds: None,
        raw: raw_text,
    }
}

/// Parses one Received field value (the bytes after the colon) into a hop with the
/// given index; no delay is computed. Useful for a single pasted header.
pub fn parse_received_value(index: usize, value: &[u8]) -> Hop {
    let parsed = HeaderForm::Received.parse(value);
    let received = parsed.value().as_received();
    hop_from_received(index, received, value)
}

/// Whether a hop carries no information at all (no clause parsed).
fn is_unparseable(hop: &Hop) -> bool {
    hop.from.is_none()
        && hop.from_ip.is_none()
        && hop.by.is_none()
        && hop.with.is_none()
        && hop.id.is_none()
        && hop.for_.is_none()
        && hop.timestamp.is_none()
}

/// Whether an IP address is not routable on the public Internet (RFC 1918 private,
/// loopback, link-local, CGNAT, ULA, documentation ranges excluded on purpose:
/// they appear in examples as "public").
pub fn is_internal_ip(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (o[0] == 100 && (o[1] & 0xC0) == 64) // 100.64.0.0/10 CGNAT (RFC 6598)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_ip(&IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00 // fc00::/7 ULA (RFC 4193)
                || (s[0] & 0xffc0) == 0xfe80 // fe80::/10 link-local
        }
    }
}

/// The organisational domain of a host name (RFC 7489 §3.2, Public Suffix List:
/// [`crate::names::organizational_domain`]), to tell whether a hop crossed between
/// organisations; `None` for an address literal or a name of one label.
pub(crate) fn rough_org_domain(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.');
    if host.parse::<IpAddr>().is_ok() || crate::names::check(host, crate::names::Syntax::DNS).is_err() {
        return None;
    }
    let org = crate::names::organizational_domain(host);
    org.contains('.').then_some(org)
}

/// The organisation of the client side of a hop: from its reverse DNS, its
/// `from` name or its HELO name, whichever is a real domain name.
fn client_org(hop: &Hop) -> Option<String> {
    [hop.from_rdns.as_deref(), hop.from.as_deref(), hop.helo.as_deref()]
        .into_iter()
        .flatten()
        .filter(|h| !h.eq_ignore_ascii_case("unknown") && !h.eq_ignore_ascii_case("localhost"))
        .find_map(rough_org_domain)
}

fn fmt_duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, (s % 3600) / 60, s % 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

fn hop_label(hop: &Hop) -> String {
    format!(
        "received[{}] {} → {}",
        hop.index,
        hop.from.as_deref().or(hop.from_ip.as_deref()).unwrap_or("?"),
        hop.by.as_deref().unwrap_or("?")
    )
}

/// Reads the Received chain of a message: hops in delivery order (oldest first),
/// delays between consecutive hops, and the `hops.*` findings (RFC 5321 §4.4,
/// RFC 5322 §3.6.7, RFC 8314 §5).
pub fn parse_hops(msg: &Message<'_>) -> (Vec<Hop>, Vec<Finding>) {
    let headers = msg.root().headers();
    let mut hops: Vec<Hop> = Vec::new();
    let mut findings = Vec::new();
    for (index, header) in headers.all(HeaderName::Received).take(MAX_HOPS).enumerate() {
        let received = match header.value() {
            HeaderValue::Received(r) => Some(r),
            _ => None,
        };
        hops.push(hop_from_received(index, received, header.raw_value()));
    }
    if hops.is_empty() {
        findings.push(path::HOPS_NONE.emit());
        return (hops, findings);
    }
    hops.reverse();
    findings.extend(analyse_hops(&mut hops));
    (hops, findings)
}

/// Computes delays on hops already in delivery order and returns the findings.
/// Exposed so a caller holding hops from elsewhere (a pasted chain) gets the same checks.
pub fn analyse_hops(hops: &mut [Hop]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut previous: Option<(i64, usize)> = None;
    for pos in 0..hops.len() {
        let Some(hop) = hops.get_mut(pos) else { break };
        if is_unparseable(hop) {
            findings.push(
                path::HOPS_UNPARSEABLE
                    .emit()
                    .detail(format!("received[{}] has no recognisable clause", hop.index))
                    .evidence(format!("Received: {}", hop.raw)),
            );
            continue;
        }
        let Some(ts) = hop.timestamp else {
            findings.push(
                path::HOPS_MISSING_TIMESTAMP
                    .emit()
                    .detail(match &hop.date_text {
                        Some(d) => format!("{}: date \"{d}\" is not a valid RFC 5322 date", hop_label(hop)),
                        None => format!("{}: no '; date' at the end", hop_label(hop)),
                    })
                    .evidence(format!("Received: {}", hop.raw)),
            );
            continue;
        };
        if let Some((prev_ts, prev_index)) = previous {
            let delay = ts.saturating_sub(prev_ts);
            hop.delay_seconds = Some(delay);
            let evidence = format!("Received: {}", hop.raw);
            if delay < -CLOCK_SKEW_TOLERANCE_SECONDS {
                findings.push(
                    path::HOPS_CLOCK_SKEW
                        .emit()
                        .detail(format!(
                            "{} is dated {} before received[{prev_index}]",
                            hop_label(hop),
                            fmt_duration(delay)
                        ))
                        .evidence(evidence),
                );
            } else if delay > VERY_SLOW_HOP_SECONDS {
                findings.push(
                    path::HOPS_VERY_SLOW_HOP
                        .emit()
                        .detail(format!("{} took {} after received[{prev_index}]", hop_label(hop), fmt_duration(delay)))
                        .evidence(evidence),
                );
            } else if delay > SLOW_HOP_SECONDS {
                findings.push(
                    path::HOPS_SLOW_HOP
                        .emit()
                        .detail(format!("{} took {} after received[{prev_index}]", hop_label(hop), fmt_duration(delay)))
                        .evidence(evidence),
                );
            }
        }
        previous = Some((ts, hop.index));
    }
    for hop in hops.iter() {
        if hop.used_tls() || !hop.is_network_hop() || is_unparseable(hop) {
            continue;
        }
        if hop.from_ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok()).is_some_and(|ip| is_internal_ip(&ip)) {
            continue;
        }
        let (Some(client), Some(server)) = (client_org(hop), hop.by.as_deref().and_then(rough_org_domain)) else {
            continue;
        };
        if client != server {
            findings.push(
                path::HOPS_NO_TLS
                    .emit()
                    .detail(format!(
                        "{} ({client} → {server}) with {} and no TLS version or cipher recorded",
                        hop_label(hop),
                        hop.with.as_deref().unwrap_or("no protocol")
                    ))
                    .evidence(format!("Received: {}", hop.raw)),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn parse(raw: &str) -> (Vec<Hop>, Vec<Finding>) {
        let msg = MessageParser::new().parse(raw.as_bytes()).expect("message");
        parse_hops(&msg)
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.id.as_str()).collect()
    }

    const CHAIN: &str = "Received: from mx.example.net (mx.example.net [10.0.0.5])\r\n\tby store.example.net with LMTP id abc; Mon, 2 Jan 2023 10:20:00 +0000\r\n\
Received: from mail.sender.org (mail.sender.org [203.0.113.9])\r\n\tby mx.example.net with ESMTPS id 123 for <bob@example.net>; Mon, 2 Jan 2023 10:12:00 +0000\r\n\
Received: from laptop ([198.51.100.7]) by mail.sender.org with ESMTPSA id xyz; Mon, 2 Jan 2023 11:00:00 +0100\r\n\
From: a@sender.org\r\n\r\nbody\r\n";

    #[test]
    fn delivery_order_delays_and_slow_hop() {
        let (hops, findings) = parse(CHAIN);
        assert_eq!(hops.len(), 3);
        assert_eq!(hops.iter().map(|h| h.index).collect::<Vec<_>>(), vec![2, 1, 0]);
        assert_eq!(hops[0].delay_seconds, None);
        assert_eq!(hops[1].delay_seconds, Some(12 * 60));
        assert_eq!(hops[2].delay_seconds, Some(8 * 60));
        assert_eq!(hops[1].from_ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(hops[1].with.as_deref(), Some("ESMTPS"));
        assert_eq!(hops[1].for_.as_deref(), Some("bob@example.net"));
        assert_eq!(hops[2].by.as_deref(), Some("store.example.net"));
        assert_eq!(ids(&findings), vec!["hops.slow_hop", "hops.slow_hop"]);
    }

    #[test]
    fn clock_skew_very_slow_missing_date_and_no_tls() {
        let raw = "Received: from a.other.com (a.other.com [192.0.2.1]) by mx.example.net with ESMTP id 1; Mon, 2 Jan 2023 09:00:00 +0000\r\n\
Received: from b.sender.org (b.sender.org [198.51.100.1]) by a.other.com with ESMTPS id 2; Mon, 2 Jan 2023 10:00:00 +0000\r\n\
Received: from c.sender.org by b.sender.org with ESMTPS id 3\r\n\
Received: from d.sender.org (d.sender.org [198.51.100.2]) by c.sender.org with ESMTPS id 4; Mon, 2 Jan 2023 07:00:00 +0000\r\n\
Subject: x\r\n\r\nbody";
        let (hops, findings) = parse(raw);
        assert_eq!(hops.len(), 4);
        let ids = ids(&findings);
        assert!(ids.contains(&"hops.missing_timestamp"), "{ids:?}");
        assert!(ids.contains(&"hops.very_slow_hop"), "{ids:?}");
        assert!(ids.contains(&"hops.clock_skew"), "{ids:?}");
        assert!(ids.contains(&"hops.no_tls"), "{ids:?}");
        // the hop without a date does not reset the delay baseline
        assert_eq!(hops[2].delay_seconds, Some(3 * 3600));
        assert_eq!(hops[3].delay_seconds, Some(-3600));
    }

    #[test]
    fn no_received_and_garbage() {
        let (hops, findings) = parse("Subject: hi\r\n\r\nbody");
        assert!(hops.is_empty());
        assert_eq!(ids(&findings), vec!["hops.none"]);
        let (hops, findings) = parse("Received: ;;;;\r\nSubject: x\r\n\r\n");
        assert_eq!(hops.len(), 1);
        assert!(ids(&findings).contains(&"hops.unparseable"), "{findings:?}");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        use crate::message::envelope::{EnvelopeOverrides, infer_envelope};
        const ALPHABET: &[u8] = b"Received: from by with id for ([]);:,.<>@-+ \r\n\t0123456789abcMonJanGMT\xff\x80";
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..1500 {
            let len = i % 300;
            let mut bytes = Vec::with_capacity(len + 16);
            bytes.extend_from_slice(b"Received: ");
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                bytes.push(ALPHABET[(seed % ALPHABET.len() as u64) as usize]);
            }
            let _ = parse_received_value(0, &bytes);
            let _ = parse_loose_date(&String::from_utf8_lossy(&bytes));
            if let Some(msg) = MessageParser::new().parse(&bytes) {
                let (hops, _) = parse_hops(&msg);
                let _ = infer_envelope(&msg, &hops, &EnvelopeOverrides::default());
            }
        }
    }

    #[test]
    fn loose_dates() {
        // 2003-02-07 18:18:12 UTC
        assert_eq!(parse_loose_date("Fri Feb 07 10:18:12 2003 -0800"), Some(1_044_641_892));
        assert_eq!(parse_loose_date("Fri Sep 14 14:36:56 EDT 2018"), Some(1_536_950_216));
        assert_eq!(parse_loose_date("Sun Nov 13 14:50:12 2005"), Some(1_131_893_412));
        assert_eq!(parse_loose_date("garbage"), None);
        assert_eq!(parse_loose_date("Fri Feb 07 25:18:12 2003"), None);
        let hop = parse_received_value(0, b" FROM a.example BY b.example ; Fri Feb 07 10:18:12 2003 -0800\r\n");
        assert_eq!(hop.timestamp, Some(1_044_641_892));
    }

    #[test]
    fn internal_ips_and_org_domain() {
        assert!(is_internal_ip(&"10.1.2.3".parse().unwrap()));
        assert!(is_internal_ip(&"127.0.0.1".parse().unwrap()));
        assert!(is_internal_ip(&"::1".parse().unwrap()));
        assert!(is_internal_ip(&"fd00::1".parse().unwrap()));
        assert!(is_internal_ip(&"100.70.0.1".parse().unwrap()));
        assert!(!is_internal_ip(&"8.8.8.8".parse().unwrap()));
        assert!(!is_internal_ip(&"2a00:1450::1".parse().unwrap()));
        assert_eq!(rough_org_domain("mail-ej1-f54.google.com").as_deref(), Some("google.com"));
        assert_eq!(rough_org_domain("mx.example.co.uk.").as_deref(), Some("example.co.uk"));
        assert_eq!(rough_org_domain("localhost"), None);
        assert_eq!(rough_org_domain("192.0.2.1"), None);
    }

    #[test]
    fn single_value_and_truncations_never_panic() {
        let v = b" from out-25.smtp.github.com (out-25.smtp.github.com. [192.30.252.208]) (using TLSv1.3 with cipher TLS13_AES_256_GCM_SHA384)\r\n\t by mail.stalw.art (Stalwart SMTP) with ESMTPS id 41A2C80D73C;\r\n\tTue, 29 Aug 2023 16:20:12 +0000\r\n";
        let hop = parse_received_value(0, v);
        assert_eq!(hop.from_ip.as_deref(), Some("192.30.252.208"));
        assert_eq!(hop.tls_version.as_deref(), Some("TLSv1.3"));
        assert_eq!(hop.timestamp, Some(1_693_326_012));
        assert!(hop.used_tls());
        for cut in 0..=v.len() {
            let _ = parse_received_value(0, &v[..cut]);
        }
    }
}
