//! DNS blocklists (RFC 5782): query names, the reading of each list's return codes, the
//! report of `/api/dnsbl/{query}` and its `blocklist.*` findings. Pure: the server resolves
//! the names and hands the answers in as a [`ListLookup`].
//!
//! An IP address is looked up as its reversed octets (IPv6: reversed nibbles, §2.4) under each
//! IP list, a domain as itself under each domain list. Answers are read per list: a Spamhaus
//! `127.255.255.x` answer means "your query was refused" (public resolver, over quota) and is
//! `unknown`, never `listed`; SURBL / URIBL answer `127.0.0.1` for the same; any answer outside
//! 127.0.0.0/8 is not a list answer at all (a resolver rewriting NXDOMAIN).

#![deny(missing_docs)]

use crate::findings::Finding;
use crate::findings::catalog::probe as cat;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};

/// The DNSBL answer. `query` and `lists` are the API contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DnsblReport {
    /// The IP address or domain asked about.
    pub query: String,
    /// `ip` or `domain`.
    pub kind: SubjectKind,
    /// One entry per list.
    pub lists: Vec<ListResult>,
    /// Number of lists with status `listed`.
    pub listed_count: usize,
    /// The catalog findings these answers amount to (`blocklist.*`).
    #[serde(default)]
    pub findings: Vec<Finding>,
}

impl DnsblReport {
    /// The report for `subject` over the lists' results, with its count and findings.
    pub fn new(subject: &Subject, lists: Vec<ListResult>) -> Self {
        let listed_count = lists.iter().filter(|l| l.status == Status::Listed).count();
        let mut report =
            DnsblReport { query: subject.to_string(), kind: subject.kind(), lists, listed_count, findings: Vec::new() };
        report.findings = dnsbl_findings(&report);
        report
    }
}

/// What kind of subject was looked up.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    /// An IP address, on the IP lists.
    Ip,
    /// A domain, on the domain lists (RHSBL / URIBL).
    Domain,
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

/// How a list's return codes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListProfile {
    /// Spamhaus (ZEN, DBL): `127.255.255.x` = query refused; `127.0.0.x` / `127.0.1.x` name
    /// the sub-list.
    Spamhaus,
    /// SURBL: `127.0.0.1` = query refused; other codes are bit masks.
    Surbl,
    /// URIBL: as SURBL.
    Uribl,
    /// Any other list: `127.255.255.x` and a lone `127.0.0.1` are not listings (RFC 5782 §5).
    Generic,
}

impl ListProfile {
    /// The profile named in the configuration (`spamhaus`, `surbl`, `uribl`); anything else
    /// is generic.
    pub fn from_name(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "spamhaus" => ListProfile::Spamhaus,
            "surbl" => ListProfile::Surbl,
            "uribl" => ListProfile::Uribl,
            _ => ListProfile::Generic,
        }
    }
}

/// Reads the A records one list returned (RFC 5782 §2.1 and the operators' documented codes).
pub fn interpret(profile: ListProfile, codes: &[Ipv4Addr]) -> (Status, Option<String>) {
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
    match profile {
        ListProfile::Spamhaus => {
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
        ListProfile::Surbl | ListProfile::Uribl => {
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
        ListProfile::Generic => {
            // The 127.255.255.0/24 "error" convention is honoured for every list.
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

/// What the resolver said for one list's A query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListLookup {
    /// The lookup failed (the resolver's message).
    Failed(String),
    /// No answer within this many ms.
    TimedOut(u64),
    /// NXDOMAIN.
    NxDomain,
    /// Another failure rcode (SERVFAIL, REFUSED, ...), as text.
    Rcode(String),
    /// NOERROR with these A records (possibly none).
    Answer(Vec<Ipv4Addr>),
}

/// One list's result from its lookup. The caller adds TXT reasons when the status is
/// `listed` (RFC 5782 §2.1: the TXT record carries the reason).
pub fn list_result(zone: &str, profile: ListProfile, lookup: &ListLookup) -> ListResult {
    let mut out = ListResult {
        zone: zone.to_string(),
        status: Status::Unknown,
        codes: Vec::new(),
        txt: Vec::new(),
        meaning: None,
    };
    match lookup {
        ListLookup::Failed(e) => out.meaning = Some(format!("lookup failed: {e}")),
        ListLookup::TimedOut(ms) => out.meaning = Some(format!("no answer within {ms} ms")),
        ListLookup::NxDomain => out.status = Status::NotListed,
        ListLookup::Rcode(r) => out.meaning = Some(format!("the list answered {r}")),
        ListLookup::Answer(codes) => {
            out.codes = codes.iter().map(ToString::to_string).collect();
            (out.status, out.meaning) = interpret(profile, codes);
        }
    }
    out
}

/// What is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An address, on the IP lists.
    Ip(IpAddr),
    /// A domain (lower case, no trailing dot), on the domain lists.
    Domain(String),
}

impl Subject {
    /// `ip` or `domain`.
    pub fn kind(&self) -> SubjectKind {
        match self {
            Subject::Ip(_) => SubjectKind::Ip,
            Subject::Domain(_) => SubjectKind::Domain,
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Subject::Ip(ip) => write!(f, "{ip}"),
            Subject::Domain(d) => f.write_str(d),
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

/// Findings for a DNSBL report: one per listing, one (info) per list without a usable answer.
pub fn dnsbl_findings(report: &DnsblReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for list in &report.lists {
        match list.status {
            Status::Listed => out.push(
                cat::BLOCKLIST_LISTED
                    .emit()
                    .detail(format!("{} is listed on {} ({})", report.query, list.zone, list.codes.join(", ")))
                    .evidence(list.txt.join(" ")),
            ),
            Status::Unknown => out.push(cat::BLOCKLIST_UNKNOWN.emit().detail(format!(
                "{}: {}",
                list.zone,
                list.meaning.clone().unwrap_or_else(|| "no usable answer".into())
            ))),
            Status::NotListed => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spamhaus_refusal_is_unknown_never_listed() {
        for code in [[127, 255, 255, 254], [127, 255, 255, 252], [127, 255, 255, 255]] {
            let (s, m) = interpret(ListProfile::Spamhaus, &[Ipv4Addr::from(code)]);
            assert_eq!(s, Status::Unknown, "{code:?}");
            assert!(m.unwrap().contains("not a listing"));
        }
        let (s, m) = interpret(ListProfile::Spamhaus, &[Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 4)]);
        assert_eq!(s, Status::Listed);
        assert!(m.unwrap().contains("XBL"));
        assert_eq!(interpret(ListProfile::Generic, &[Ipv4Addr::new(127, 255, 255, 254)]).0, Status::Unknown);
        assert_eq!(interpret(ListProfile::Generic, &[Ipv4Addr::new(127, 0, 0, 2)]).0, Status::Listed);
        assert_eq!(interpret(ListProfile::Generic, &[]).0, Status::NotListed);
        assert_eq!(interpret(ListProfile::Generic, &[Ipv4Addr::new(127, 0, 0, 1)]).0, Status::Unknown);
    }

    #[test]
    fn surbl_and_hijacked_answers() {
        assert_eq!(interpret(ListProfile::Surbl, &[Ipv4Addr::new(127, 0, 0, 1)]).0, Status::Unknown);
        assert_eq!(interpret(ListProfile::Uribl, &[Ipv4Addr::new(127, 0, 0, 2)]).0, Status::Listed);
        assert_eq!(interpret(ListProfile::Generic, &[Ipv4Addr::new(93, 184, 216, 34)]).0, Status::Unknown);
        assert_eq!(ListProfile::from_name("SURBL"), ListProfile::Surbl);
        assert_eq!(ListProfile::from_name("other"), ListProfile::Generic);
    }

    #[test]
    fn query_names() {
        let ip = Subject::Ip("127.0.0.66".parse().unwrap());
        assert_eq!(query_name(&ip, "bl.test"), "66.0.0.127.bl.test");
        let v6 = Subject::Ip("2001:db8::1".parse().unwrap());
        assert!(query_name(&v6, "bl.test").starts_with("1.0.0.0.0.0.0.0"));
        assert!(query_name(&v6, "bl.test").ends_with("8.b.d.0.1.0.0.2.bl.test"));
        assert_eq!(query_name(&Subject::Domain("bad.test".into()), "dbl.test"), "bad.test.dbl.test");
    }

    #[test]
    fn lookups_become_results_and_findings() {
        let subject = Subject::Ip("127.0.0.2".parse().unwrap());
        let lists = vec![
            list_result("bl.test", ListProfile::Generic, &ListLookup::Answer(vec![Ipv4Addr::new(127, 0, 0, 2)])),
            list_result(
                "zen.test",
                ListProfile::Spamhaus,
                &ListLookup::Answer(vec![Ipv4Addr::new(127, 255, 255, 254)]),
            ),
            list_result("ok.test", ListProfile::Generic, &ListLookup::NxDomain),
            list_result("slow.test", ListProfile::Generic, &ListLookup::TimedOut(5000)),
        ];
        let rep = DnsblReport::new(&subject, lists);
        assert_eq!(rep.listed_count, 1);
        let ids: Vec<&str> = rep.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["blocklist.listed", "blocklist.unknown", "blocklist.unknown"]);
        let json = serde_json::to_value(&rep).unwrap();
        assert_eq!(json["kind"], "ip");
        assert_eq!(json["lists"][2]["status"], "not_listed");
        assert_eq!(json["lists"][3]["meaning"], "no answer within 5000 ms");
    }
}
