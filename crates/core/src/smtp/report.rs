//! The SMTP probe report: what `/api/probe/smtp` returns. These types moved here from the
//! server unchanged in their JSON (field names, order and values), so the judgement in
//! [`crate::smtp::judge`] can build them; result words are enums with serde renames.

use crate::smtp::reply::Reply;
use serde::{Deserialize, Serialize};

/// The probe's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SmtpProbeReport {
    /// The domain asked, if any.
    pub domain: Option<String>,
    /// The host asked, if any.
    pub host: Option<String>,
    /// MX records used, by preference.
    pub mx: Vec<MxHost>,
    /// RFC 7505 null MX: the domain accepts no mail.
    pub null_mx: bool,
    /// No MX: the domain itself was used as implicit MX (RFC 5321 §5.1).
    pub implicit_mx: bool,
    /// One entry per (host, address, port).
    pub results: Vec<SmtpResult>,
    /// Addresses not probed, and why (private address, resolution failure).
    pub skipped: Vec<Skipped>,
    /// Worst verdict of the port-25 results (of all results when port 25 was not probed);
    /// "fail" > "inconclusive" > "ok".
    pub verdict: Verdict,
    /// The EHLO name used.
    pub ehlo_name: String,
    /// Served from the per-target cooldown cache.
    pub cached: bool,
    /// The catalog findings these results amount to (`smtp.*`).
    #[serde(default)]
    pub findings: Vec<crate::findings::Finding>,
}

/// An MX record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MxHost {
    /// Preference (lower first).
    pub preference: u16,
    /// Exchange host name.
    pub host: String,
}

/// An address that was not probed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Skipped {
    /// Host name.
    pub host: String,
    /// The address, when there was one.
    pub ip: Option<String>,
    /// Why.
    pub reason: String,
}

/// Outcome of one session.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Everything checked worked.
    Ok,
    /// No definite answer: timeout, greylisting, temporary failure. Retry later.
    Inconclusive,
    /// A definite problem: refused connection, 5xx, failed TLS, rejected mailbox, open relay.
    Fail,
}

/// EHLO capabilities (RFC 5321 §4.1.1.1 and the extension RFCs).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Capabilities {
    /// The raw EHLO lines after the greeting line.
    pub raw: Vec<String>,
    /// STARTTLS (RFC 3207).
    pub starttls: bool,
    /// SIZE limit in bytes (RFC 1870); 0 = no fixed limit.
    pub size: Option<u64>,
    /// PIPELINING (RFC 2920).
    pub pipelining: bool,
    /// 8BITMIME (RFC 6152).
    pub eightbitmime: bool,
    /// SMTPUTF8 (RFC 6531).
    pub smtputf8: bool,
    /// CHUNKING (RFC 3030).
    pub chunking: bool,
    /// REQUIRETLS (RFC 8689).
    pub requiretls: bool,
    /// ENHANCEDSTATUSCODES (RFC 2034).
    pub enhancedstatuscodes: bool,
    /// DSN (RFC 3461).
    pub dsn: bool,
    /// AUTH mechanisms (RFC 4954).
    pub auth: Vec<String>,
}

/// One RCPT TO check. `address`, `code`, `enhanced_code`, `accepted` are the API contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RcptResult {
    /// The address asked.
    pub address: String,
    /// Reply code (0 when no reply came).
    pub code: u16,
    /// RFC 3463 enhanced status code, when given.
    pub enhanced_code: Option<String>,
    /// 2xx: the server accepts mail for it.
    pub accepted: bool,
    /// `accepted`, `rejected`, `greylisted` (4xx: retry later, not invalid), or `no_reply`.
    pub status: RcptStatus,
    /// Reply text.
    pub text: String,
}

/// One (host, address, port) session. The fields of issue 5's contract come first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SmtpResult {
    /// MX host name (or the given host).
    pub host: String,
    /// Address connected to.
    pub ip: String,
    /// Port.
    pub port: u16,
    /// TCP connection established.
    pub connected: bool,
    /// The greeting, all lines joined.
    pub banner: Option<String>,
    /// STARTTLS offered in EHLO.
    pub starttls: bool,
    /// Negotiated TLS version (`TLSv1.3`), after STARTTLS or implicit TLS.
    pub tls_version: Option<String>,
    /// Certificate as presented over TLS.
    pub cert: Option<CertInfo>,
    /// RCPT TO checks (port 25 sessions of the first address of each host).
    pub rcpt: Vec<RcptResult>,
    /// A random local part was accepted: the server accepts everything (RCPT says nothing).
    pub catch_all: Option<bool>,
    /// The verdict.
    pub verdict: Verdict,
    /// Full transcript: `C: ` client, `S: ` server, `* ` probe notes.
    pub transcript: Vec<String>,
    /// Why the verdict, in words.
    pub verdict_reason: String,
    /// TCP connect time, milliseconds.
    pub connect_ms: Option<u64>,
    /// Time to the banner, milliseconds after connect.
    pub banner_ms: Option<u64>,
    /// Whole session time, milliseconds.
    pub elapsed_ms: u64,
    /// Reply code of the banner.
    pub banner_code: Option<u16>,
    /// The host name the banner announces (first word).
    pub banner_host: Option<String>,
    /// PTR names of the address.
    pub ptr: Vec<String>,
    /// The banner host name is one of the PTR names.
    pub banner_matches_ptr: Option<bool>,
    /// Capabilities before TLS (or over implicit TLS).
    pub capabilities: Option<Capabilities>,
    /// Capabilities after STARTTLS.
    pub capabilities_after_tls: Option<Capabilities>,
    /// TLS established (STARTTLS or implicit).
    pub tls: bool,
    /// Implicit TLS (port 465).
    pub implicit_tls: bool,
    /// Negotiated cipher suite.
    pub tls_cipher: Option<String>,
    /// DANE TLSA check, when records are published.
    pub dane: Option<DaneInfo>,
    /// On submission ports: AUTH offered before TLS (credentials could go in clear).
    pub auth_before_tls: Option<bool>,
    /// Open-relay test: a foreign recipient was accepted.
    pub open_relay: Option<bool>,
    /// What ended the session early, if anything.
    pub error: Option<String>,
    /// Bytes the server sent after STARTTLS's 220 and before the TLS handshake (RFC 3207 §6,
    /// CVE-2011-0411), discarded. Absent from the JSON when none came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext_after_starttls: Option<usize>,
}

/// What the probe says about a certificate chain. `subject`, `sans`, `issuer`, `not_after`,
/// `trusted`, `hostname_match` are the API contract.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CertInfo {
    /// Subject DN of the leaf.
    pub subject: String,
    /// DNS names and IP addresses of the leaf's subjectAltName.
    pub sans: Vec<String>,
    /// Issuer DN of the leaf.
    pub issuer: String,
    /// notBefore, RFC 3339 UTC.
    pub not_before: Option<String>,
    /// notAfter, RFC 3339 UTC.
    pub not_after: Option<String>,
    /// Whether notAfter is in the past.
    pub expired: Option<bool>,
    /// Whole days until notAfter (negative when expired).
    pub days_left: Option<i64>,
    /// Chains to a trusted root (webpki roots + configured anchors) and is in its validity period.
    pub trusted: bool,
    /// Why the chain is not trusted, as the verifier put it.
    pub trust_error: Option<String>,
    /// A SAN matches the MX host name (RFC 6125 §6.4, one left-most wildcard label).
    pub hostname_match: bool,
    /// The whole presented chain, leaf first.
    pub chain: Vec<ChainEntry>,
}

/// One certificate of the presented chain.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChainEntry {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// notAfter, RFC 3339 UTC.
    pub not_after: Option<String>,
}

/// One TLSA record (RFC 6698 §2.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tlsa {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// 0 full certificate, 1 SubjectPublicKeyInfo.
    pub selector: u8,
    /// 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching: u8,
    /// Association data, hex.
    pub data: String,
}

/// DANE result for one session.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DaneInfo {
    /// The TLSA RRset name asked (`_25._tcp.mx.example.com`, RFC 7672 §2.2.3).
    pub name: String,
    /// The records found.
    pub records: Vec<Tlsa>,
    /// Whether the answer was DNSSEC-validated (AD bit); RFC 7672 §2.2 ignores TLSA records otherwise.
    pub dnssec: bool,
    /// Whether a usable record (usage 2 or 3, RFC 7672 §3.1.3) matched the presented chain.
    pub matched: bool,
    /// The record that matched, in presentation form.
    pub matched_record: Option<String>,
}

/// What an RCPT TO reply means for the address (RFC 5321 §4.2.1 reply classes).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RcptStatus {
    /// 2xx: the server takes mail for the address.
    Accepted,
    /// 5xx: refused (unknown user, policy, relay denied).
    Rejected,
    /// 4xx: refused for now (greylisting, rate limit): inconclusive, retry later.
    Greylisted,
    /// No reply came (the session ended first).
    NoReply,
}

impl RcptStatus {
    /// The status a reply code gives.
    pub fn from_code(code: u16) -> Self {
        match code / 100 {
            2 => RcptStatus::Accepted,
            4 => RcptStatus::Greylisted,
            0 => RcptStatus::NoReply,
            _ => RcptStatus::Rejected,
        }
    }
}

impl RcptResult {
    /// The result of one RCPT TO reply for `address`.
    pub fn from_reply(address: &str, reply: &Reply) -> Self {
        RcptResult {
            address: address.to_string(),
            code: reply.code,
            enhanced_code: reply.enhanced_text(),
            accepted: reply.is_positive(),
            status: RcptStatus::from_code(reply.code),
            text: reply.text(),
        }
    }
}

impl Capabilities {
    /// Reads an EHLO reply's extension lines (RFC 5321 §4.1.1.1: the first line is the
    /// greeting, each further line `keyword [params]`). Old servers write `AUTH=LOGIN PLAIN`.
    pub fn from_ehlo(reply: &Reply) -> Self {
        let mut caps = Capabilities::default();
        for line in reply.lines.iter().skip(1) {
            caps.raw.push(line.clone());
            let mut words = line.split_whitespace();
            let Some(kw) = words.next() else { continue };
            let kw = kw.to_ascii_uppercase();
            let (kw, first_param) = match kw.split_once('=') {
                Some((k, p)) => (k.to_string(), Some(p.to_string())),
                None => (kw, None),
            };
            let params: Vec<String> = first_param.into_iter().chain(words.map(str::to_string)).collect();
            match kw.as_str() {
                "STARTTLS" => caps.starttls = true,
                "SIZE" => caps.size = Some(params.first().and_then(|p| p.parse().ok()).unwrap_or(0)),
                "PIPELINING" => caps.pipelining = true,
                "8BITMIME" => caps.eightbitmime = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                "CHUNKING" => caps.chunking = true,
                "REQUIRETLS" => caps.requiretls = true,
                "ENHANCEDSTATUSCODES" => caps.enhancedstatuscodes = true,
                "DSN" => caps.dsn = true,
                "AUTH" => {
                    for p in params {
                        let m = p.to_ascii_uppercase();
                        if !caps.auth.contains(&m) && caps.auth.len() < 32 {
                            caps.auth.push(m);
                        }
                    }
                }
                _ => {}
            }
        }
        caps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_parse() {
        let r = Reply::new(
            250,
            &[
                "mx.good.test",
                "PIPELINING",
                "SIZE 10240000",
                "AUTH=LOGIN PLAIN",
                "AUTH PLAIN CRAM-MD5",
                "STARTTLS",
                "8BITMIME",
                "SMTPUTF8",
                "CHUNKING",
            ],
        );
        let c = Capabilities::from_ehlo(&r);
        assert!(c.starttls && c.pipelining && c.eightbitmime && c.smtputf8 && c.chunking);
        assert!(!c.requiretls);
        assert_eq!(c.size, Some(10_240_000));
        assert_eq!(c.auth, vec!["LOGIN", "PLAIN", "CRAM-MD5"]);
    }

    /// The JSON of `/api/probe/smtp` keeps its field names and order (issue 9: byte-identical
    /// contracts); the list is the order of the server's structs before the move.
    #[test]
    fn json_field_order_is_the_contract() {
        let keys = |v: serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
        let target = crate::smtp::judge::Target { host: "h".into(), ip: "192.0.2.1".into(), port: 25, ptr: vec![] };
        let r = SmtpResult::new(&target);
        let json = serde_json::to_string(&r).unwrap();
        let order = [
            "host",
            "ip",
            "port",
            "connected",
            "banner",
            "starttls",
            "tls_version",
            "cert",
            "rcpt",
            "catch_all",
            "verdict",
            "transcript",
            "verdict_reason",
            "connect_ms",
            "banner_ms",
            "elapsed_ms",
            "banner_code",
            "banner_host",
            "ptr",
            "banner_matches_ptr",
            "capabilities",
            "capabilities_after_tls",
            "tls",
            "implicit_tls",
            "tls_cipher",
            "dane",
            "auth_before_tls",
            "open_relay",
            "error",
        ];
        let mut at = 0;
        for k in order {
            let pos = json.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} missing"));
            assert!(pos >= at, "{k} out of order");
            at = pos;
        }
        assert!(!json.contains("plaintext_after_starttls"), "absent unless it happened");
        let report = SmtpProbeReport {
            domain: None,
            host: Some("h".into()),
            mx: vec![],
            null_mx: false,
            implicit_mx: false,
            results: vec![],
            skipped: vec![],
            verdict: Verdict::Inconclusive,
            ehlo_name: "e".into(),
            cached: false,
            findings: vec![],
        };
        assert_eq!(
            keys(serde_json::to_value(&report).unwrap()),
            [
                "cached",
                "domain",
                "ehlo_name",
                "findings",
                "host",
                "implicit_mx",
                "mx",
                "null_mx",
                "results",
                "skipped",
                "verdict"
            ],
            "serde_json::Value sorts keys: this pins the names"
        );
        assert!(serde_json::to_string(&report).unwrap().starts_with("{\"domain\":null,\"host\":\"h\",\"mx\":[]"));
        assert_eq!(serde_json::to_string(&Verdict::Inconclusive).unwrap(), "\"inconclusive\"");
    }

    #[test]
    fn rcpt_status_words() {
        let words: Vec<String> =
            [250u16, 550, 450, 0].iter().map(|c| serde_json::to_string(&RcptStatus::from_code(*c)).unwrap()).collect();
        assert_eq!(words, ["\"accepted\"", "\"rejected\"", "\"greylisted\"", "\"no_reply\""]);
        let r = RcptResult::from_reply("x@good.test", &Reply::new(550, &["5.1.1 <x@good.test>: unknown"]));
        assert_eq!(r.enhanced_code.as_deref(), Some("5.1.1"));
        assert!(!r.accepted);
    }
}
