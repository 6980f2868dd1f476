//! DNS blocklist lookups (RFC 5782): an IP address is looked up as its reversed octets
//! (IPv6: reversed nibbles, §2.4) under each IP list, a domain as itself under each domain
//! list, all in parallel through the server's resolver. Answers are read per list: a
//! Spamhaus `127.255.255.x` answer means "your query was refused" (public resolver, over
//! quota) and is reported as `unknown`, never as `listed`; SURBL / URIBL answer `127.0.0.1`
//! for the same; any answer outside 127.0.0.0/8 is not a list answer at all.

use crate::config::{DnsblConfig, DnsblList};
use crate::guard::is_valid_dns_name;
use inboxlens_core::dns::{Rcode, RecordType, Resolver};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

/// The DNSBL answer. `query` and `lists` are the API contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DnsblReport {
    /// The IP address or domain asked about.
    pub query: String,
    /// `ip` or `domain`.
    pub kind: String,
    /// One entry per list.
    pub lists: Vec<ListResult>,
    /// Number of lists with status `listed`.
    pub listed_count: usize,
    /// The catalog findings these answers amount to (`blocklist.*`).
    #[serde(default)]
    pub findings: Vec<inboxlens_core::findings::Finding>,
}

/// One list's answer. `zone`, `status`, `codes`, `txt` are the API contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListResult {
    /// The list zone.
    pub zone: String,
    /// `listed`, `not_listed` or `unknown`.
    pub status: Status,
    /// The A records returned (return codes).
    pub codes: Vec<String>,
    /// The TXT reason(s), when listed.
    pub txt: Vec<String>,
    /// What the codes mean, or why the status is unknown.
    pub meaning: Option<String>,
}

/// A list's verdict.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The address / domain is on the list.
    Listed,
    /// NXDOMAIN: not on the list.
    NotListed,
    /// No usable answer: timeout, refused query, error code.
    Unknown,
}

/// Why a query could not run.
#[derive(Debug, thiserror::Error)]
pub enum DnsblError {
    /// The input is neither an IP address nor a domain name.
    #[error("{0:?} is neither an IP address nor a domain name")]
    BadQuery(String),
}

/// Reads the A records one list returned. Pure, so each list's rules are unit-tested.
pub fn interpret(list: &DnsblList, codes: &[Ipv4Addr]) -> (Status, Option<String>) {
    if codes.is_empty() {
        return (Status::NotListed, None);
    }
    if let Some(bad) = codes.iter().find(|c| c.octets()[0] != 127) {
        return (
            Status::Unknown,
            Some(format!(
                "answer {bad} is outside 127.0.0.0/8: the resolver rewrites NXDOMAIN, the result means nothing"
            )),
        );
    }
    match list.profile.as_str() {
        "spamhaus" => {
            if let Some(c) = codes.iter().find(|c| c.octets()[1..3] == [255, 255]) {
                let why = match c.octets()[3] {
                    252 => "typing error in the DNSBL name",
                    254 => "query via a public/open resolver refused by Spamhaus",
                    255 => "excessive number of queries",
                    _ => "query refused by Spamhaus",
                };
                return (Status::Unknown, Some(format!("{c}: {why} — not a listing")));
            }
            let names: Vec<&str> = codes
                .iter()
                .map(|c| match c.octets()[2..4] {
                    [0, 2] => "SBL (spam source)",
                    [0, 3] => "SBL CSS (snowshoe spam)",
                    [0, 4..=7] => "XBL (exploited / botnet)",
                    [0, 9] => "SBL DROP",
                    [0, 10..=11] => "PBL (end-user range, should not send direct)",
                    [1, 2] => "DBL spam domain",
                    [1, 4] => "DBL phishing domain",
                    [1, 5] => "DBL malware domain",
                    [1, 6] => "DBL botnet C&C domain",
                    [1, 102..=106] => "DBL abused legitimate domain",
                    _ => "listed",
                })
                .collect();
            (Status::Listed, Some(names.join(", ")))
        }
        "surbl" | "uribl" => {
            if codes.iter().any(|c| c.octets()[1..4] == [0, 0, 1]) {
                return (
                    Status::Unknown,
                    Some("127.0.0.1: query refused (public resolver or over quota) — not a listing".into()),
                );
            }
            (
                Status::Listed,
                Some(format!(
                    "bitmask {}",
                    codes.iter().map(|c| c.octets()[3].to_string()).collect::<Vec<_>>().join(",")
                )),
            )
        }
        _ => {
            // Generic lists: the 127.255.255.0/24 "error" convention is honoured for all of them.
            if let Some(c) = codes.iter().find(|c| c.octets()[1..3] == [255, 255]) {
                return (Status::Unknown, Some(format!("{c}: the list refused the query — not a listing")));
            }
            if codes.iter().all(|c| *c == Ipv4Addr::new(127, 0, 0, 1)) {
                return (
                    Status::Unknown,
                    Some("127.0.0.1 is not a listing code (RFC 5782 §5): query likely refused".into()),
                );
            }
            (Status::Listed, None)
        }
    }
}

/// The query name of `subject` under `zone` (RFC 5782 §2.1, §2.4, §2.3).
pub fn query_name(subject: &Subject, zone: &str) -> String {
    match subject {
        Subject::Ip(IpAddr::V4(v4)) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.{zone}", o[3], o[2], o[1], o[0])
        }
        Subject::Ip(IpAddr::V6(v6)) => {
            let mut s = String::with_capacity(64 + zone.len());
            for b in v6.octets().iter().rev() {
                s.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
                s.push('.');
                s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
                s.push('.');
            }
            s.push_str(zone);
            s
        }
        Subject::Domain(d) => format!("{d}.{zone}"),
    }
}

/// What is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An address, on the IP lists.
    Ip(IpAddr),
    /// A domain, on the domain lists.
    Domain(String),
}

impl Subject {
    /// Parses user input.
    pub fn parse(input: &str) -> Result<Subject, DnsblError> {
        let s = input.trim();
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Subject::Ip(ip));
        }
        let d = s.trim_end_matches('.').to_ascii_lowercase();
        if is_valid_dns_name(&d) {
            Ok(Subject::Domain(d))
        } else {
            Err(DnsblError::BadQuery(s.chars().take(100).collect()))
        }
    }
}

/// Runs DNSBL lookups through the server's resolver.
pub struct DnsblChecker {
    resolver: Arc<dyn Resolver>,
    config: DnsblConfig,
}

impl DnsblChecker {
    /// A checker over `resolver` with the configured lists.
    pub fn new(resolver: Arc<dyn Resolver>, config: DnsblConfig) -> Self {
        DnsblChecker { resolver, config }
    }

    /// The configured lists (for `/api/capabilities`).
    pub fn config(&self) -> &DnsblConfig {
        &self.config
    }

    /// Looks `input` up on every list of its kind, in parallel.
    pub async fn check(&self, input: &str) -> Result<DnsblReport, DnsblError> {
        let subject = Subject::parse(input)?;
        let (kind, lists, query) = match &subject {
            Subject::Ip(ip) => ("ip", &self.config.ip_lists, ip.to_string()),
            Subject::Domain(d) => ("domain", &self.config.domain_lists, d.clone()),
        };
        let timeout = Duration::from_millis(self.config.timeout_ms);
        let futs = lists.iter().map(|list| self.one(&subject, list, timeout));
        let lists = futures::future::join_all(futs).await;
        let listed_count = lists.iter().filter(|l| l.status == Status::Listed).count();
        let mut report = DnsblReport { query, kind: kind.to_string(), lists, listed_count, findings: Vec::new() };
        report.findings = super::findings::dnsbl_findings(&report);
        Ok(report)
    }

    async fn one(&self, subject: &Subject, list: &DnsblList, timeout: Duration) -> ListResult {
        let zone = list.zone.trim_end_matches('.').to_ascii_lowercase();
        let name = query_name(subject, &zone);
        let mut out = ListResult {
            zone: zone.clone(),
            status: Status::Unknown,
            codes: Vec::new(),
            txt: Vec::new(),
            meaning: None,
        };
        let a = match tokio::time::timeout(timeout, self.resolver.query(&name, RecordType::A)).await {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => {
                out.meaning = Some(format!("lookup failed: {e}"));
                return out;
            }
            Err(_) => {
                out.meaning = Some(format!("no answer within {} ms", timeout.as_millis()));
                return out;
            }
        };
        match a.rcode {
            Rcode::NxDomain => {
                out.status = Status::NotListed;
                return out;
            }
            Rcode::NoError => {}
            other => {
                out.meaning = Some(format!("the list answered {other}"));
                return out;
            }
        }
        let codes = a.ipv4();
        out.codes = codes.iter().map(ToString::to_string).collect();
        let (status, meaning) = interpret(list, &codes);
        out.status = status;
        out.meaning = meaning;
        if status == Status::Listed
            && let Ok(Ok(t)) = tokio::time::timeout(timeout, self.resolver.query(&name, RecordType::Txt)).await
        {
            out.txt = t.txt().into_iter().map(|s| s.chars().take(500).collect()).take(10).collect();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(profile: &str) -> DnsblList {
        DnsblList { zone: "zen.test".into(), profile: profile.into() }
    }

    #[test]
    fn spamhaus_refusal_is_unknown_never_listed() {
        for code in [[127, 255, 255, 254], [127, 255, 255, 252], [127, 255, 255, 255]] {
            let (s, m) = interpret(&list("spamhaus"), &[Ipv4Addr::from(code)]);
            assert_eq!(s, Status::Unknown, "{code:?}");
            assert!(m.unwrap().contains("not a listing"));
        }
        let (s, m) = interpret(&list("spamhaus"), &[Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 4)]);
        assert_eq!(s, Status::Listed);
        assert!(m.unwrap().contains("XBL"));
        // Generic lists also honour the convention.
        assert_eq!(interpret(&list("generic"), &[Ipv4Addr::new(127, 255, 255, 254)]).0, Status::Unknown);
        assert_eq!(interpret(&list("generic"), &[Ipv4Addr::new(127, 0, 0, 2)]).0, Status::Listed);
        assert_eq!(interpret(&list("generic"), &[]).0, Status::NotListed);
    }

    #[test]
    fn surbl_and_hijacked_answers() {
        assert_eq!(interpret(&list("surbl"), &[Ipv4Addr::new(127, 0, 0, 1)]).0, Status::Unknown);
        assert_eq!(interpret(&list("uribl"), &[Ipv4Addr::new(127, 0, 0, 2)]).0, Status::Listed);
        assert_eq!(interpret(&list("generic"), &[Ipv4Addr::new(93, 184, 216, 34)]).0, Status::Unknown);
    }

    #[test]
    fn query_names() {
        let ip = Subject::parse("127.0.0.66").unwrap();
        assert_eq!(query_name(&ip, "bl.test"), "66.0.0.127.bl.test");
        let v6 = Subject::parse("2001:db8::1").unwrap();
        assert!(query_name(&v6, "bl.test").starts_with("1.0.0.0.0.0.0.0"));
        assert!(query_name(&v6, "bl.test").ends_with("8.b.d.0.1.0.0.2.bl.test"));
        assert_eq!(query_name(&Subject::parse("Bad.Test.").unwrap(), "dbl.test"), "bad.test.dbl.test");
        assert!(Subject::parse("not a domain").is_err());
    }
}
