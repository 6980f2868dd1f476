//! Envelope inference: the SMTP identities SPF is evaluated for.
//!
//! SPF checks the IP of the client that connected to the receiving MX against the
//! MAIL FROM domain, or the HELO name for a null sender (RFC 7208 §2.3, §2.4). A saved
//! message does not carry the SMTP session, but the receiving MX writes the client IP
//! and the HELO name into its Received field (RFC 5321 §4.4) and the delivering server
//! records MAIL FROM as Return-Path. [`infer_envelope`] reads them back, skipping
//! internal hops (content filters on loopback, private relays), and says where each
//! value came from; command-line flags override any of them.

use super::hops::{Hop, is_internal_ip, strip_comments, unfold};
use crate::findings::{Finding, catalog::path};
use mail_parser::{HeaderName, Message};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The inferred SMTP envelope. JSON contract: `envelope.{client_ip,helo,mail_from,source}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope {
    /// IP address of the client that connected to the receiving MX.
    pub client_ip: Option<String>,
    /// The EHLO/HELO name that client gave.
    pub helo: Option<String>,
    /// The MAIL FROM address; `Some("")` is the null reverse path `<>`.
    pub mail_from: Option<String>,
    /// Where each value came from.
    pub source: EnvelopeSource,
    /// [`Hop::index`] of the Received field written by the receiving MX for the
    /// Internet-facing connection (the hop the client IP comes from), if known. Use it
    /// for per-connection facts such as TLS on the inbound hop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_index: Option<usize>,
}

/// Where each envelope value came from: `received[N]` (N = position of the Received
/// field from the top), `return-path`, `received[N] envelope-from`, `flag --ip`,
/// `flag --helo`, `flag --mail-from`, or `not found`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EnvelopeSource {
    /// Source of [`Envelope::client_ip`].
    pub client_ip: String,
    /// Source of [`Envelope::helo`].
    pub helo: String,
    /// Source of [`Envelope::mail_from`].
    pub mail_from: String,
}

/// Values given on the command line (`--ip`, `--helo`, `--mail-from`); they win over
/// anything read from the message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvelopeOverrides {
    /// `--ip`.
    pub ip: Option<IpAddr>,
    /// `--helo`.
    pub helo: Option<String>,
    /// `--mail-from` (an empty string means the null sender `<>`).
    pub mail_from: Option<String>,
    /// The values are the receiving SMTP session's own (the companion's inbound listener),
    /// not flags: their source reads `smtp session`.
    pub from_session: bool,
}

/// Source label of a value the inbound listener saw in its own SMTP session.
pub const SMTP_SESSION: &str = "smtp session";

/// Where an overridden value came from: the flag, or the inbound listener's session.
fn override_label(overrides: &EnvelopeOverrides, flag: &str) -> String {
    if overrides.from_session { SMTP_SESSION.to_string() } else { flag.to_string() }
}

/// Source label when nothing was found.
pub const NOT_FOUND: &str = "not found";

/// Whether a `from`/`helo` name is a placeholder rather than the client's HELO.
fn is_placeholder_name(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    n.is_empty() || n == "unknown" || n == "localhost" || n == "[unknown]" || n == "-"
}

/// The HELO name recorded in a hop: the explicit `helo=`/`HELO x` comment if any,
/// else the `from` clause name (RFC 5321 §4.4: From-domain is the EHLO argument).
fn helo_of(hop: &Hop) -> Option<String> {
    hop.helo
        .as_deref()
        .filter(|h| !is_placeholder_name(h))
        .or(hop.from.as_deref().filter(|h| !is_placeholder_name(h)))
        .map(str::to_string)
}

/// Extracts the address between `<` and `>` of a Return-Path value, ignoring
/// comments; returns `Some("")` for `<>` and `None` when there is no address.
pub fn parse_return_path(value: &str) -> Option<String> {
    let v = strip_comments(value);
    let v = v.trim();
    if let Some(start) = v.find('<') {
        let rest = v.get(start + 1..)?;
        let end = rest.find('>')?;
        let addr = rest.get(..end)?.trim();
        // A source route "<@a,@b:user@host>" (RFC 5321 §4.1.2) keeps only the mailbox.
        let addr = match addr.rsplit_once(':') {
            Some((route, mailbox)) if route.starts_with('@') => mailbox,
            _ => addr,
        };
        return Some(addr.trim().to_string());
    }
    // Some writers omit the brackets.
    let bare = v.split_whitespace().next()?;
    if bare.contains('@') { Some(bare.to_string()) } else { None }
}

/// The first IP address in a text (punctuation around it ignored).
fn first_ip_in(text: &str) -> Option<IpAddr> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .map(|w| w.trim_matches(|c: char| c == '[' || c == ']' || c == '.' || c == '"'))
        .map(|w| w.strip_prefix("IPv6:").unwrap_or(w))
        .find_map(|w| w.parse::<IpAddr>().ok())
}

/// IPs the receiving server says it evaluated, most trustworthy first: from the
/// topmost Authentication-Results (`smtp.remote-ip`, `policy.iprev`, the IP in the
/// spf result's comment) and the topmost Received-SPF `client-ip` (RFC 7208 §9.1).
fn receiver_ip_hints(msg: &Message<'_>) -> Vec<IpAddr> {
    use super::auth_results::{parse_authentication_results, parse_received_spf};
    let mut out = Vec::new();
    let headers = msg.root().headers();
    if let Some(ar) = headers
        .iter()
        .find(|h| h.raw_name().eq_ignore_ascii_case("Authentication-Results"))
        .and_then(|h| parse_authentication_results(&unfold(h.raw_value())).ok())
    {
        for r in &ar.results {
            let from_props = [("smtp", "remote-ip"), ("policy", "iprev"), ("smtp", "client-ip")]
                .into_iter()
                .filter_map(|(t, p)| r.prop(t, p))
                .find_map(first_ip_in);
            let from_comment = if r.method == "spf" { r.comment.as_deref().and_then(first_ip_in) } else { None };
            out.extend(from_props.into_iter().chain(from_comment));
        }
    }
    if let Some(ip) = headers
        .iter()
        .find(|h| h.raw_name().eq_ignore_ascii_case("Received-SPF"))
        .and_then(|h| parse_received_spf(&unfold(h.raw_value())).ok())
        .and_then(|r| r.param("client-ip").and_then(first_ip_in))
    {
        out.push(ip);
    }
    out.dedup();
    out
}

/// The `envelope-from <addr>` / `envelope-sender <addr>` comment some MTAs (Exim,
/// Sendmail) write into their Received field.
fn envelope_from_comment(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    for key in ["envelope-from", "envelope-sender"] {
        if let Some(pos) = lower.find(key) {
            let rest = raw.get(pos + key.len()..)?;
            let rest = rest.trim_start_matches([' ', '=', ':', '\t']);
            if rest.starts_with('<') {
                return parse_return_path(rest);
            }
            let token: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != ')' && *c != ';').collect();
            if token.contains('@') {
                return Some(token);
            }
        }
    }
    None
}

/// Infers client IP, HELO and MAIL FROM from the topmost Received field written by
/// the receiving MX (`received[0]`; internal hops skipped) and Return-Path, applying
/// the overrides. `hops` are the hops of [`super::hops::parse_hops`] (any order).
/// Findings: `envelope.*` (RFC 7208 §2.3, §2.4; RFC 5321 §4.4).
pub fn infer_envelope(msg: &Message<'_>, hops: &[Hop], overrides: &EnvelopeOverrides) -> (Envelope, Vec<Finding>) {
    let mut findings = Vec::new();
    // Newest first: received[0], received[1], ...
    let mut chain: Vec<&Hop> = hops.iter().collect();
    chain.sort_by_key(|h| h.index);

    // The hop whose client is the Internet-facing sender: the first one (from the
    // top) that names a public IP. Internal hand-overs above it are skipped.
    let mut first_with_ip: Option<&Hop> = None;
    let mut public_hop: Option<&Hop> = None;
    for hop in &chain {
        let Some(ip) = hop.from_ip.as_deref().and_then(|s| s.parse::<IpAddr>().ok()) else {
            continue;
        };
        if first_with_ip.is_none() {
            first_with_ip = Some(hop);
        }
        if !is_internal_ip(&ip) {
            public_hop = Some(hop);
            break;
        }
    }
    // The receiving server often names the IP it evaluated (Authentication-Results
    // spf comment / smtp.remote-ip / policy.iprev, Received-SPF client-ip). When that IP
    // is the client of a hop, that hop is the Internet-facing one, even if hops above
    // it carry public addresses of the receiver's own relays (Microsoft 365 writes
    // several such hops).
    let hint = receiver_ip_hints(msg);
    let confirmed: Option<&Hop> = hint.iter().find_map(|ip| {
        chain
            .iter()
            .copied()
            .find(|h| h.from_ip.as_deref().and_then(|s| s.parse::<IpAddr>().ok()).is_some_and(|hip| hip == *ip))
    });
    if let Some(hop) = confirmed {
        public_hop = Some(hop);
    }
    let chosen: Option<&Hop> = public_hop.or(first_with_ip).or(chain.first().copied());

    // client IP
    let (client_ip, client_src) = if let Some(ip) = overrides.ip {
        (Some(ip.to_string()), override_label(overrides, "flag --ip"))
    } else if let Some(hop) = public_hop {
        if hop.index > 0 {
            let skipped: Vec<String> = chain
                .iter()
                .take_while(|h| h.index < hop.index)
                .map(|h| {
                    format!(
                        "received[{}] {} → {}",
                        h.index,
                        h.from_ip.as_deref().or(h.from.as_deref()).unwrap_or("?"),
                        h.by.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            findings.push(
                path::ENVELOPE_INTERNAL_HOPS_SKIPPED
                    .emit()
                    .detail(format!(
                        "client IP {} taken from received[{}]{}; skipped internal hop(s): {}",
                        hop.from_ip.as_deref().unwrap_or("?"),
                        hop.index,
                        if confirmed.is_some() {
                            " (the IP the receiving server names in Authentication-Results / Received-SPF)"
                        } else {
                            ""
                        },
                        skipped.join("; ")
                    ))
                    .evidence(format!("Received: {}", hop.raw)),
            );
        }
        (hop.from_ip.clone(), format!("received[{}]", hop.index))
    } else if let Some(hop) = first_with_ip {
        findings.push(
            path::ENVELOPE_PRIVATE_CLIENT_IP
                .emit()
                .detail(format!(
                    "the only client IPs in the Received chain are internal; using {} from received[{}]",
                    hop.from_ip.as_deref().unwrap_or("?"),
                    hop.index
                ))
                .evidence(format!("Received: {}", hop.raw)),
        );
        (hop.from_ip.clone(), format!("received[{}] (internal address)", hop.index))
    } else {
        findings.push(path::ENVELOPE_NO_CLIENT_IP.emit().detail(if chain.is_empty() {
            "the message has no Received header".to_string()
        } else {
            format!("none of the {} Received headers names a client IP", chain.len())
        }));
        (None, NOT_FOUND.to_string())
    };

    // HELO: from the same hop as the client IP.
    let (helo, helo_src) = if let Some(h) = overrides.helo.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        (Some(h.to_string()), override_label(overrides, "flag --helo"))
    } else if let Some((hop, name)) = chosen.and_then(|h| helo_of(h).map(|n| (h, n))) {
        (Some(name), format!("received[{}]", hop.index))
    } else {
        let mut f = path::ENVELOPE_NO_HELO.emit();
        if let Some(hop) = chosen {
            f = f.evidence(format!("Received: {}", hop.raw));
        }
        findings.push(f);
        (None, NOT_FOUND.to_string())
    };

    // MAIL FROM: the topmost Return-Path, else an envelope-from comment.
    let return_path = msg.root().headers().all(HeaderName::ReturnPath).next().map(|h| unfold(h.raw_value()));
    let (mail_from, mail_from_src) = if let Some(m) = overrides.mail_from.as_deref() {
        let m = m.trim();
        let m = m.strip_prefix('<').and_then(|x| x.strip_suffix('>')).unwrap_or(m);
        (Some(m.to_string()), override_label(overrides, "flag --mail-from"))
    } else if let Some(addr) = return_path.as_deref().and_then(parse_return_path) {
        (Some(addr), "return-path".to_string())
    } else if let Some((hop, addr)) = chosen.and_then(|h| envelope_from_comment(&h.raw).map(|a| (h, a))) {
        (Some(addr), format!("received[{}] envelope-from", hop.index))
    } else {
        let mut f = path::ENVELOPE_NO_RETURN_PATH.emit();
        if let Some(rp) = &return_path {
            f = f.detail(format!("Return-Path \"{rp}\" holds no address"));
        }
        findings.push(f);
        (None, NOT_FOUND.to_string())
    };
    if mail_from.as_deref() == Some("") {
        let mut f = path::ENVELOPE_NULL_SENDER.emit();
        if let Some(h) = &helo {
            f = f
                .detail(format!("SPF will check the HELO identity postmaster@{h}"))
                .fix(format!("Publish an SPF record for the HELO name: \"{h}. IN TXT \\\"v=spf1 a -all\\\"\" (list the server's IPs)."));
        }
        findings.push(f);
    }

    let received_index = match &client_ip {
        Some(ip) => chain.iter().find(|h| h.from_ip.as_deref() == Some(ip.as_str())).map(|h| h.index),
        None => None,
    };
    (
        Envelope {
            received_index,
            client_ip,
            helo,
            mail_from,
            source: EnvelopeSource { client_ip: client_src, helo: helo_src, mail_from: mail_from_src },
        },
        findings,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::hops::parse_hops;
    use mail_parser::MessageParser;

    fn run(raw: &str, o: &EnvelopeOverrides) -> (Envelope, Vec<String>) {
        let msg = MessageParser::new().parse(raw.as_bytes()).expect("message");
        let (hops, _) = parse_hops(&msg);
        let (env, f) = infer_envelope(&msg, &hops, o);
        (env, f.into_iter().map(|f| f.id).collect())
    }

    #[test]
    fn topmost_public_hop_and_return_path() {
        let raw = "Return-Path: <bounce+x@sender.org>\r\n\
Received: from mail.sender.org (mail.sender.org [203.0.113.9]) by mx.example.net with ESMTPS id 1; Mon, 2 Jan 2023 10:12:00 +0000\r\n\
Received: from laptop ([198.51.100.7]) by mail.sender.org with ESMTPSA id 2; Mon, 2 Jan 2023 10:11:00 +0000\r\n\r\nbody";
        let (env, ids) = run(raw, &EnvelopeOverrides::default());
        assert_eq!(env.client_ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(env.helo.as_deref(), Some("mail.sender.org"));
        assert_eq!(env.mail_from.as_deref(), Some("bounce+x@sender.org"));
        assert_eq!(env.source.client_ip, "received[0]");
        assert_eq!(env.source.mail_from, "return-path");
        assert!(ids.is_empty(), "{ids:?}");
    }

    #[test]
    fn internal_hop_skipped_null_sender_and_exim_helo() {
        let raw = "Return-Path: <>\r\n\
Received: from localhost (localhost [127.0.0.1]) by mx.example.net with LMTP id 9; Mon, 2 Jan 2023 10:12:05 +0000\r\n\
Received: from host-1.isp.example ([198.51.100.20] helo=mta.bounces.example) by mx.example.net with esmtps id 8; Mon, 2 Jan 2023 10:12:00 +0000\r\n\r\nbody";
        let (env, ids) = run(raw, &EnvelopeOverrides::default());
        assert_eq!(env.client_ip.as_deref(), Some("198.51.100.20"));
        assert_eq!(env.source.client_ip, "received[1]");
        assert_eq!(env.received_index, Some(1));
        assert_eq!(env.helo.as_deref(), Some("mta.bounces.example"));
        assert_eq!(env.mail_from.as_deref(), Some(""));
        assert!(ids.contains(&"envelope.internal_hops_skipped".to_string()), "{ids:?}");
        assert!(ids.contains(&"envelope.null_sender".to_string()), "{ids:?}");
    }

    #[test]
    fn overrides_and_missing_everything() {
        let (env, ids) = run("Subject: x\r\n\r\nbody", &EnvelopeOverrides::default());
        assert_eq!(env.client_ip, None);
        assert_eq!(env.source.client_ip, NOT_FOUND);
        assert!(ids.contains(&"envelope.no_client_ip".to_string()));
        assert!(ids.contains(&"envelope.no_return_path".to_string()));
        assert!(ids.contains(&"envelope.no_helo".to_string()));
        let o = EnvelopeOverrides {
            ip: Some("192.0.2.1".parse().unwrap()),
            helo: Some("h.example".into()),
            mail_from: Some("<a@b.example>".into()),
            from_session: false,
        };
        let session = EnvelopeOverrides { from_session: true, ..o.clone() };
        let (env, _) = run("Subject: x\r\n\r\nbody", &session);
        assert_eq!(
            (env.source.client_ip.as_str(), env.source.helo.as_str(), env.source.mail_from.as_str()),
            (SMTP_SESSION, SMTP_SESSION, SMTP_SESSION)
        );
        let (env, ids) = run("Subject: x\r\n\r\nbody", &o);
        assert_eq!(env.client_ip.as_deref(), Some("192.0.2.1"));
        assert_eq!(env.source.client_ip, "flag --ip");
        assert_eq!(env.helo.as_deref(), Some("h.example"));
        assert_eq!(env.source.helo, "flag --helo");
        assert_eq!(env.mail_from.as_deref(), Some("a@b.example"));
        assert_eq!(env.source.mail_from, "flag --mail-from");
        assert!(ids.is_empty(), "{ids:?}");
    }

    #[test]
    fn private_only_and_envelope_from_comment() {
        let raw = "Received: from relay.corp (relay.corp [10.1.1.1]) by mx.corp with ESMTP id 1 (envelope-from <user@corp.example>); Mon, 2 Jan 2023 10:12:00 +0000\r\n\r\nbody";
        let (env, ids) = run(raw, &EnvelopeOverrides::default());
        assert_eq!(env.client_ip.as_deref(), Some("10.1.1.1"));
        assert!(ids.contains(&"envelope.private_client_ip".to_string()), "{ids:?}");
        assert_eq!(env.mail_from.as_deref(), Some("user@corp.example"));
        assert_eq!(env.source.mail_from, "received[0] envelope-from");
    }

    #[test]
    fn receiver_named_ip_wins_over_public_internal_relays() {
        // Microsoft 365 style: the top hops are the receiver's own relays on public
        // IPv6 addresses; Authentication-Results names the IP SPF was checked for.
        let raw = "Authentication-Results: spf=pass (sender IP is 203.0.113.77) smtp.mailfrom=s.example; dkim=none\r\n\
Received: from DM6PR1.prod.outlook.com (2603:10b6:5:2aa::24) by DM6PR2.prod.outlook.com with HTTPS; Mon, 2 Jan 2023 10:12:02 +0000\r\n\
Received: from BN7FT015.eop.prod.protection.outlook.com (2603:10b6:408:13f:cafe::dd) by DM6PR1.prod.outlook.com (2603:10b6:5:2aa::24) with Microsoft SMTP Server (version=TLS1_2, cipher=X) id 1; Mon, 2 Jan 2023 10:12:01 +0000\r\n\
Received: from mail.s.example (203.0.113.77) by BN7FT015.mail.protection.outlook.com (10.13.157.114) with Microsoft SMTP Server (version=TLS1_2, cipher=X) id 2; Mon, 2 Jan 2023 10:12:00 +0000\r\n\r\nbody";
        let (env, ids) = run(raw, &EnvelopeOverrides::default());
        assert_eq!(env.client_ip.as_deref(), Some("203.0.113.77"));
        assert_eq!(env.source.client_ip, "received[2]");
        assert_eq!(env.helo.as_deref(), Some("mail.s.example"));
        assert!(ids.contains(&"envelope.internal_hops_skipped".to_string()), "{ids:?}");
        assert_eq!(
            first_ip_in("google.com: domain of a@b designates 209.85.220.41 as permitted sender"),
            Some("209.85.220.41".parse().unwrap())
        );
        assert_eq!(first_ip_in("[IPv6:2607:f8b0::1]"), Some("2607:f8b0::1".parse().unwrap()));
    }

    #[test]
    fn return_path_forms() {
        assert_eq!(parse_return_path("<>").as_deref(), Some(""));
        assert_eq!(parse_return_path(" <a@b.c> (comment)").as_deref(), Some("a@b.c"));
        assert_eq!(parse_return_path("(c) < @r1,@r2:x@y.z >").as_deref(), Some("x@y.z"));
        assert_eq!(parse_return_path("a@b.c").as_deref(), Some("a@b.c"));
        assert_eq!(parse_return_path("garbage"), None);
        assert_eq!(parse_return_path("<unterminated"), None);
    }
}
