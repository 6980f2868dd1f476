//! SPF record of a domain (RFC 7208): discovery, syntax lint, the include tree with
//! DNS lookups and void lookups counted per node and as a running total (RFC 7208
//! §4.6.4), and a flattened record that fits the limits, ready to publish.
//!
//! The tree is resolved level by level: all terms of one record are resolved
//! concurrently, and each include's record is fetched as soon as its parent is known.
//! Message-time SPF evaluation (with a client IP) lives in `crate::auth::spf`; here
//! there is no IP, so `ptr` and macro terms are counted but not resolved.

use super::query::{BoxFut, Ctx, QueryError, TxtLookup, starts_with_tag, txt_with_prefix};
use super::{LookupStatus, fixes};
use crate::dns::RecordType;
use crate::findings::{Finding, catalog::domain as cat};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};

/// RFC 7208 §4.6.4: at most 10 DNS-querying terms.
pub const LOOKUP_LIMIT: u32 = 10;
/// RFC 7208 §4.6.4: receivers SHOULD fail after 2 void lookups.
pub const VOID_LIMIT: u32 = 2;
/// Deepest include nesting walked (beyond, the limit is exceeded anyway).
pub const MAX_LEVEL: usize = 10;
/// Most include/redirect records fetched in one check (bounds hostile trees).
pub const MAX_NODES: usize = 120;
/// A record longer than this risks not fitting a 512-byte UDP answer (RFC 7208 §3.4).
pub const MAX_RECORD_BYTES: usize = 450;

/// The SPF part of a domain report (`spf` in the JSON contract).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpfReport {
    /// found / none / temperror / permerror.
    pub status: LookupStatus,
    /// Every `v=spf1` record at the domain (several = permerror).
    pub records: Vec<String>,
    /// DNS-querying terms over the whole tree (RFC 7208 §4.6.4), of `tree`.
    pub lookups: u32,
    /// Void lookups over the whole tree, of `tree`.
    pub void_lookups: u32,
    /// The include tree of the record needing most lookups.
    pub tree: Option<SpfNode>,
    /// Trees of the other records, when several are published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_trees: Vec<SpfNode>,
    /// A record that fits the limits, when the published one does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flattened: Option<FlattenedSpf>,
    /// Why the status is temperror / permerror.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl SpfReport {
    /// A section whose record could not be read (timeout / SERVFAIL): `temperror`, never
    /// "no record". `error` says why, when known.
    pub fn temperror(error: Option<String>) -> Self {
        SpfReport {
            status: LookupStatus::Temperror,
            records: Vec::new(),
            lookups: 0,
            void_lookups: 0,
            tree: None,
            other_trees: Vec::new(),
            flattened: None,
            error,
        }
    }
}

/// One SPF record in the tree.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpfNode {
    /// The domain whose record this is.
    pub domain: String,
    /// The record text, when found.
    pub record: Option<String>,
    /// ok / none / temperror / permerror / loop / not_evaluated.
    pub status: String,
    /// Lookups made by this record's own terms.
    pub lookups: u32,
    /// Void lookups of this record's own terms.
    pub void_lookups: u32,
    /// Running total of lookups when evaluation leaves this record (evaluation order).
    pub total: u32,
    /// Running total of void lookups when evaluation leaves this record.
    pub total_void: u32,
    /// The record's terms, in order.
    pub terms: Vec<SpfTerm>,
    /// Why the status is not ok.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One term of a record, with what resolving it cost.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SpfTerm {
    /// The term as written.
    pub term: String,
    /// Mechanism or modifier name (`include`, `a`, `ip4`, `redirect`, ...), or `invalid`.
    pub kind: String,
    /// `+`, `-`, `~`, `?` for mechanisms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<char>,
    /// DNS-querying terms counted for the limit: 0 or 1.
    pub lookups: u32,
    /// Address lookups below an mx term (RFC 7208 §4.6.4: at most 10 per mx), not counted
    /// in the limit of 10.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sub_lookups: u32,
    /// Whether the lookup returned no data (NXDOMAIN / NODATA).
    pub void: bool,
    /// Lookups counted so far in evaluation order, including this term (and its sub-tree).
    pub running_total: u32,
    /// Addresses the term resolved to (a, mx) or states (ip4, ip6), with prefix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The included / redirected record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<Box<SpfNode>>,
    /// A temporary failure or a syntax problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A record (and sub-records) that fits the 10-lookup limit, to publish as is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FlattenedSpf {
    /// The records: first the domain's own, then `_spfN.<domain>` parts if needed.
    pub records: Vec<PublishRecord>,
    /// Lookups the flattened record needs.
    pub lookups: u32,
    /// What the flattening could not preserve.
    pub notes: Vec<String>,
}

/// A TXT record to publish.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PublishRecord {
    /// Owner name.
    pub name: String,
    /// The record text.
    pub value: String,
    /// The zone-file line (strings split at 255 bytes, RFC 1035 §3.3.14).
    pub zone_line: String,
}

// ----------------------------------------------------------------------------- parsing

/// A parsed SPF mechanism (RFC 7208 §5).
#[derive(Debug, Clone, PartialEq)]
pub enum Mechanism {
    /// `all`
    All,
    /// `include:<domain-spec>`
    Include(String),
    /// `a[:domain][/v4][//v6]`
    A { domain: Option<String>, v4: Option<u8>, v6: Option<u8> },
    /// `mx[:domain][/v4][//v6]`
    Mx { domain: Option<String>, v4: Option<u8>, v6: Option<u8> },
    /// `ptr[:domain]`
    Ptr(Option<String>),
    /// `ip4:<addr>[/len]`
    Ip4(Ipv4Addr, Option<u8>),
    /// `ip6:<addr>[/len]`
    Ip6(Ipv6Addr, Option<u8>),
    /// `exists:<domain-spec>`
    Exists(String),
}

/// One term of a record (RFC 7208 §4.6.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// A mechanism with its qualifier.
    Mechanism { qualifier: char, mechanism: Mechanism },
    /// `redirect=`
    Redirect(String),
    /// `exp=`
    Exp(String),
    /// Another `name=value` modifier (ignored by receivers, RFC 7208 §6).
    Modifier(String, String),
    /// A term that does not parse; `cidr` tells a bad prefix length from other errors.
    Invalid { reason: String, cidr: bool },
}

/// Parses one term. Never panics; invalid input is [`Term::Invalid`].
pub fn parse_term(raw: &str) -> Term {
    let invalid = |reason: String| Term::Invalid { reason, cidr: false };
    // Modifiers: name=value, where name is ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
    if let Some((name, value)) = raw.split_once('=') {
        let is_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if is_name && !name.contains(':') {
            return match name.to_ascii_lowercase().as_str() {
                "redirect" => match check_domain_spec(value) {
                    Ok(()) => Term::Redirect(value.to_string()),
                    Err(e) => invalid(format!("redirect={value}: {e}")),
                },
                "exp" => match check_domain_spec(value) {
                    Ok(()) => Term::Exp(value.to_string()),
                    Err(e) => invalid(format!("exp={value}: {e}")),
                },
                other => Term::Modifier(other.to_string(), value.to_string()),
            };
        }
    }
    let (qualifier, rest) = match raw.chars().next() {
        Some(q @ ('+' | '-' | '~' | '?')) => (q, &raw[1..]),
        _ => ('+', raw),
    };
    let (name, arg) = match rest.find([':', '/']) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let lname = name.to_ascii_lowercase();
    let mechanism = match lname.as_str() {
        "all" => {
            if arg.is_some() {
                return invalid(format!("\"{raw}\": all takes no argument"));
            }
            Mechanism::All
        }
        "include" | "exists" => {
            let Some(spec) = arg.and_then(|a| a.strip_prefix(':')) else {
                return invalid(format!("\"{raw}\": {lname} needs :<domain>"));
            };
            if let Err(e) = check_domain_spec(spec) {
                return invalid(format!("\"{raw}\": {e}"));
            }
            if lname == "include" { Mechanism::Include(spec.to_string()) } else { Mechanism::Exists(spec.to_string()) }
        }
        "a" | "mx" => {
            let (domain, v4, v6) = match parse_domain_cidr(arg) {
                Ok(x) => x,
                Err((reason, cidr)) => return Term::Invalid { reason: format!("\"{raw}\": {reason}"), cidr },
            };
            if lname == "a" { Mechanism::A { domain, v4, v6 } } else { Mechanism::Mx { domain, v4, v6 } }
        }
        "ptr" => match arg {
            None => Mechanism::Ptr(None),
            Some(a) => match a.strip_prefix(':') {
                Some(spec) if check_domain_spec(spec).is_ok() => Mechanism::Ptr(Some(spec.to_string())),
                _ => return invalid(format!("\"{raw}\": bad ptr argument")),
            },
        },
        "ip4" => {
            let Some(spec) = arg.and_then(|a| a.strip_prefix(':')) else {
                return invalid(format!("\"{raw}\": ip4 needs :<address>"));
            };
            let (addr, len) = match spec.split_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (spec, None),
            };
            let Ok(ip) = addr.parse::<Ipv4Addr>() else {
                return invalid(format!("\"{raw}\": {addr} is not an IPv4 address"));
            };
            let len = match len.map(|l| parse_prefix(l, 32)) {
                None => None,
                Some(Ok(n)) => Some(n),
                Some(Err(e)) => return Term::Invalid { reason: format!("\"{raw}\": {e}"), cidr: true },
            };
            Mechanism::Ip4(ip, len)
        }
        "ip6" => {
            let Some(spec) = arg.and_then(|a| a.strip_prefix(':')) else {
                return invalid(format!("\"{raw}\": ip6 needs :<address>"));
            };
            let (addr, len) = match spec.rsplit_once('/') {
                Some((a, l)) => (a, Some(l)),
                None => (spec, None),
            };
            let Ok(ip) = addr.parse::<Ipv6Addr>() else {
                return invalid(format!("\"{raw}\": {addr} is not an IPv6 address"));
            };
            let len = match len.map(|l| parse_prefix(l, 128)) {
                None => None,
                Some(Ok(n)) => Some(n),
                Some(Err(e)) => return Term::Invalid { reason: format!("\"{raw}\": {e}"), cidr: true },
            };
            Mechanism::Ip6(ip, len)
        }
        _ => return invalid(format!("\"{raw}\": unknown mechanism \"{name}\"")),
    };
    Term::Mechanism { qualifier, mechanism }
}

fn parse_prefix(s: &str, max: u8) -> Result<u8, String> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("prefix length \"{s}\" is not a number"));
    }
    match s.parse::<u8>() {
        Ok(n) if n <= max && !(s.len() > 1 && s.starts_with('0')) => Ok(n),
        _ => Err(format!("prefix length /{s} out of range 0-{max}")),
    }
}

type DomainCidr = (Option<String>, Option<u8>, Option<u8>);

fn parse_domain_cidr(arg: Option<&str>) -> Result<DomainCidr, (String, bool)> {
    let Some(arg) = arg else { return Ok((None, None, None)) };
    let (domain, cidr) = if let Some(rest) = arg.strip_prefix(':') {
        match rest.find('/') {
            Some(i) => (Some(&rest[..i]), &rest[i..]),
            None => (Some(rest), ""),
        }
    } else {
        (None, arg)
    };
    if let Some(d) = domain {
        check_domain_spec(d).map_err(|e| (e, false))?;
    }
    let (v4, v6) = if cidr.is_empty() {
        (None, None)
    } else if let Some(v6) = cidr.strip_prefix("//") {
        (None, Some(parse_prefix(v6, 128).map_err(|e| (e, true))?))
    } else if let Some(rest) = cidr.strip_prefix('/') {
        match rest.split_once("//") {
            Some((a, b)) => {
                (Some(parse_prefix(a, 32).map_err(|e| (e, true))?), Some(parse_prefix(b, 128).map_err(|e| (e, true))?))
            }
            None => (Some(parse_prefix(rest, 32).map_err(|e| (e, true))?), None),
        }
    } else {
        return Err((format!("unexpected \"{cidr}\""), false));
    };
    Ok((domain.map(str::to_string), v4, v6))
}

/// Loose check of an RFC 7208 §7.1 domain-spec: printable, no spaces, labels ≤ 63,
/// and, without macros, at least two labels with a non-numeric top label.
pub fn check_domain_spec(spec: &str) -> Result<(), String> {
    if spec.is_empty() {
        return Err("empty domain".into());
    }
    if spec.len() > 253 + 60 || !spec.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("\"{spec}\" is not a valid domain"));
    }
    if spec.contains('%') {
        return check_macros(spec);
    }
    let d = spec.trim_end_matches('.');
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.len() > 63) {
        return Err(format!("\"{spec}\" is not a fully qualified domain"));
    }
    let top = labels.last().copied().unwrap_or("");
    if top.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{spec}\" ends in a numeric label (an IP address is not a domain)"));
    }
    Ok(())
}

fn check_macros(spec: &str) -> Result<(), String> {
    let b = spec.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            match b.get(i + 1) {
                Some(b'%' | b'_' | b'-') => i += 2,
                Some(b'{') => {
                    let Some(end) = spec[i..].find('}') else {
                        return Err(format!("unterminated macro in \"{spec}\""));
                    };
                    let body = &spec[i + 2..i + end];
                    let letter = body.chars().next().map(|c| c.to_ascii_lowercase());
                    if !matches!(letter, Some('s' | 'l' | 'o' | 'd' | 'i' | 'p' | 'v' | 'h' | 'c' | 'r' | 't')) {
                        return Err(format!("unknown macro letter in %{{{body}}}"));
                    }
                    i += end + 1;
                }
                _ => return Err(format!("bad % escape in \"{spec}\"")),
            }
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// The terms of a record (after `v=spf1`), split on spaces.
pub fn terms_of(record: &str) -> Vec<&str> {
    let rest = record.trim();
    let rest = rest.get(6..).unwrap_or("");
    rest.split_ascii_whitespace().take(512).collect()
}

// ----------------------------------------------------------------------------- walking

struct Walk<'c, 'a> {
    ctx: &'c Ctx<'a>,
    nodes: AtomicUsize,
}

/// Fetches an include/redirect target's record and walks it.
fn walk_target<'w, 'a: 'w>(
    w: &'w Walk<'w, 'a>,
    domain: String,
    ancestors: Vec<String>,
    qdepth: u32,
    level: usize,
) -> BoxFut<'w, SpfNode> {
    Box::pin(async move {
        let key = domain.to_ascii_lowercase().trim_end_matches('.').to_string();
        if ancestors.contains(&key) {
            return empty_node(&domain, "loop", Some(format!("{domain} is already being evaluated: include loop")));
        }
        if level > MAX_LEVEL || w.nodes.fetch_add(1, Ordering::Relaxed) >= MAX_NODES {
            return empty_node(&domain, "not_evaluated", Some("include tree too deep or too large".into()));
        }
        match txt_with_prefix(w.ctx, &domain, "v=spf1", qdepth).await {
            TxtLookup::TempError(e) => empty_node(&domain, "temperror", Some(e.message)),
            TxtLookup::None => empty_node(&domain, "none", Some(format!("{domain} has no SPF record"))),
            TxtLookup::Found(recs) if recs.len() > 1 => {
                empty_node(&domain, "permerror", Some(format!("{domain} has {} SPF records", recs.len())))
            }
            TxtLookup::Found(mut recs) => {
                let rec = recs.pop().unwrap_or_default();
                let mut anc = ancestors;
                anc.push(key);
                walk_record(w, domain, rec, anc, qdepth + 1, level).await
            }
        }
    })
}

fn empty_node(domain: &str, status: &str, error: Option<String>) -> SpfNode {
    SpfNode {
        domain: domain.to_string(),
        record: None,
        status: status.to_string(),
        lookups: 0,
        void_lookups: 0,
        total: 0,
        total_void: 0,
        terms: Vec::new(),
        error,
    }
}

/// Resolves all terms of one record concurrently.
fn walk_record<'w, 'a: 'w>(
    w: &'w Walk<'w, 'a>,
    domain: String,
    record: String,
    ancestors: Vec<String>,
    qdepth: u32,
    level: usize,
) -> BoxFut<'w, SpfNode> {
    Box::pin(async move {
        let raw_terms: Vec<String> = terms_of(&record).into_iter().map(str::to_string).collect();
        let has_all =
            raw_terms.iter().any(|t| matches!(parse_term(t), Term::Mechanism { mechanism: Mechanism::All, .. }));
        let futs = raw_terms.into_iter().map(|raw| {
            let domain = domain.clone();
            let ancestors = ancestors.clone();
            async move { resolve_term(w, &domain, raw, ancestors, qdepth, level, has_all).await }
        });
        let terms: Vec<SpfTerm> = futures::future::join_all(futs).await;
        let lookups = terms.iter().map(|t| t.lookups).sum();
        let void_lookups = terms.iter().filter(|t| t.void).count() as u32;
        let status = if terms.iter().any(|t| t.kind == "invalid") { "permerror" } else { "ok" };
        SpfNode {
            domain,
            record: Some(record),
            status: status.to_string(),
            lookups,
            void_lookups,
            total: 0,
            total_void: 0,
            terms,
            error: None,
        }
    })
}

fn term_base(raw: &str, kind: &str, qualifier: Option<char>) -> SpfTerm {
    SpfTerm {
        term: raw.to_string(),
        kind: kind.to_string(),
        qualifier,
        lookups: 0,
        sub_lookups: 0,
        void: false,
        running_total: 0,
        addresses: Vec::new(),
        node: None,
        error: None,
    }
}

async fn resolve_term<'w, 'a: 'w>(
    w: &'w Walk<'w, 'a>,
    domain: &str,
    raw: String,
    ancestors: Vec<String>,
    qdepth: u32,
    level: usize,
    has_all: bool,
) -> SpfTerm {
    match parse_term(&raw) {
        Term::Invalid { reason, .. } => {
            let mut t = term_base(&raw, "invalid", None);
            t.error = Some(reason);
            t
        }
        Term::Exp(_) => term_base(&raw, "exp", None),
        Term::Modifier(name, _) => term_base(&raw, &name, None),
        Term::Redirect(target) => {
            let mut t = term_base(&raw, "redirect", None);
            t.lookups = 1;
            if has_all {
                t.error = Some("ignored: the record has an all mechanism (RFC 7208 §6.1)".into());
                t.lookups = 0;
                return t;
            }
            if target.contains('%') {
                return t;
            }
            let node = walk_target(w, target, ancestors, qdepth, level + 1).await;
            t.void = node.status == "none";
            t.node = Some(Box::new(node));
            t
        }
        Term::Mechanism { qualifier, mechanism } => match mechanism {
            Mechanism::All => term_base(&raw, "all", Some(qualifier)),
            Mechanism::Ip4(ip, len) => {
                let mut t = term_base(&raw, "ip4", Some(qualifier));
                t.addresses.push(format!("{ip}/{}", len.unwrap_or(32)));
                t
            }
            Mechanism::Ip6(ip, len) => {
                let mut t = term_base(&raw, "ip6", Some(qualifier));
                t.addresses.push(format!("{ip}/{}", len.unwrap_or(128)));
                t
            }
            Mechanism::Ptr(_) => {
                let mut t = term_base(&raw, "ptr", Some(qualifier));
                t.lookups = 1;
                t
            }
            Mechanism::Exists(spec) => {
                let mut t = term_base(&raw, "exists", Some(qualifier));
                t.lookups = 1;
                if !spec.contains('%') {
                    match w.ctx.query(&spec, RecordType::A, qdepth).await {
                        Ok(a) => t.void = a.records.is_empty(),
                        Err(e) => t.error = Some(e.message),
                    }
                }
                t
            }
            Mechanism::Include(target) => {
                let mut t = term_base(&raw, "include", Some(qualifier));
                t.lookups = 1;
                if target.contains('%') {
                    return t;
                }
                let node = walk_target(w, target, ancestors, qdepth, level + 1).await;
                t.void = node.status == "none";
                t.node = Some(Box::new(node));
                t
            }
            Mechanism::A { domain: d, v4, v6 } => {
                let mut t = term_base(&raw, "a", Some(qualifier));
                t.lookups = 1;
                let target = d.unwrap_or_else(|| domain.to_string());
                if target.contains('%') {
                    return t;
                }
                match addresses_of(w.ctx, &target, qdepth).await {
                    Ok(addrs) => {
                        t.void = addrs.is_empty();
                        t.addresses = with_prefix(&addrs, v4, v6);
                    }
                    Err(e) => t.error = Some(e.message),
                }
                t
            }
            Mechanism::Mx { domain: d, v4, v6 } => {
                let mut t = term_base(&raw, "mx", Some(qualifier));
                t.lookups = 1;
                let target = d.unwrap_or_else(|| domain.to_string());
                if target.contains('%') {
                    return t;
                }
                match w.ctx.query(&target, RecordType::Mx, qdepth).await {
                    Err(e) => t.error = Some(e.message),
                    Ok(a) => {
                        let hosts: Vec<String> =
                            a.mx().into_iter().map(|(_, h)| h).filter(|h| !h.is_empty() && h != ".").collect();
                        t.void = hosts.is_empty();
                        if hosts.len() > 10 {
                            t.error = Some(format!("{} MX hosts: more than 10 (RFC 7208 §4.6.4)", hosts.len()));
                        }
                        t.sub_lookups = hosts.len().min(10) as u32;
                        let futs = hosts.iter().take(10).map(|h| addresses_of(w.ctx, h, qdepth + 1));
                        let mut all = Vec::new();
                        for r in futures::future::join_all(futs).await {
                            match r {
                                Ok(v) => all.extend(v),
                                Err(e) => t.error = Some(e.message),
                            }
                        }
                        t.addresses = with_prefix(&all, v4, v6);
                    }
                }
                t
            }
        },
    }
}

/// A and AAAA of a name, concurrently. A failure of either is a failure.
pub(crate) async fn addresses_of(ctx: &Ctx<'_>, name: &str, qdepth: u32) -> Result<Vec<IpAddr>, QueryError> {
    let (a, aaaa) = futures::join!(ctx.query(name, RecordType::A, qdepth), ctx.query(name, RecordType::Aaaa, qdepth));
    let mut out: Vec<IpAddr> = a?.ipv4().into_iter().map(IpAddr::V4).collect();
    out.extend(aaaa?.ipv6().into_iter().map(IpAddr::V6));
    Ok(out)
}

fn with_prefix(addrs: &[IpAddr], v4: Option<u8>, v6: Option<u8>) -> Vec<String> {
    addrs
        .iter()
        .map(|ip| match ip {
            IpAddr::V4(a) => format!("{a}/{}", v4.unwrap_or(32)),
            IpAddr::V6(a) => format!("{a}/{}", v6.unwrap_or(128)),
        })
        .collect()
}

/// Fills `running_total` / `total` in evaluation order; returns (lookups, voids) at the end.
fn number(node: &mut SpfNode, mut total: u32, mut voids: u32) -> (u32, u32) {
    for t in &mut node.terms {
        total += t.lookups;
        if t.void {
            voids += 1;
        }
        if let Some(child) = t.node.as_deref_mut() {
            let (nt, nv) = number(child, total, voids);
            total = nt;
            voids = nv;
        }
        t.running_total = total;
    }
    node.total = total;
    node.total_void = voids;
    (total, voids)
}

/// Where the 11th lookup happens: (domain, term), in evaluation order.
fn first_over_limit(node: &SpfNode, limit: u32) -> Option<(String, String)> {
    let mut before = node.total.saturating_sub(subtree_lookups(node));
    for t in &node.terms {
        if t.lookups > 0 {
            before += t.lookups;
            if before > limit {
                return Some((node.domain.clone(), t.term.clone()));
            }
        }
        if let Some(child) = t.node.as_deref() {
            if child.total > limit {
                return first_over_limit(child, limit);
            }
            before = child.total;
        }
    }
    None
}

fn subtree_lookups(node: &SpfNode) -> u32 {
    node.terms.iter().map(|t| t.lookups + t.node.as_deref().map(subtree_lookups).unwrap_or(0)).sum()
}

/// Checks the SPF record of `domain`.
pub async fn check(ctx: &Ctx<'_>, domain: &str) -> (SpfReport, Vec<Finding>) {
    let mut findings = Vec::new();
    let lookup = txt_with_prefix(ctx, domain, "v=spf1", 1).await;
    let records = match lookup {
        TxtLookup::TempError(e) => {
            findings.push(
                cat::SPF_TEMPERROR
                    .emit()
                    .detail(format!("TXT {domain}: {}", e.message))
                    .evidence(format!("{domain} TXT: {e}")),
            );
            return (SpfReport::temperror(Some(e.message)), findings);
        }
        TxtLookup::None => {
            findings.push(
                cat::SPF_MISSING
                    .emit()
                    .detail(format!("{domain} has no TXT record starting with v=spf1"))
                    .fix(fixes::txt_line(domain, "v=spf1 mx -all")),
            );
            return (
                SpfReport {
                    status: LookupStatus::None,
                    records: Vec::new(),
                    lookups: 0,
                    void_lookups: 0,
                    tree: None,
                    other_trees: Vec::new(),
                    flattened: None,
                    error: None,
                },
                findings,
            );
        }
        TxtLookup::Found(r) => r,
    };
    let walk = Walk { ctx, nodes: AtomicUsize::new(0) };
    let root_key = domain.to_ascii_lowercase();
    let futs = records.iter().map(|r| walk_record(&walk, domain.to_string(), r.clone(), vec![root_key.clone()], 2, 0));
    let mut trees: Vec<SpfNode> = futures::future::join_all(futs).await;
    for t in &mut trees {
        number(t, 0, 0);
    }
    // The tree that needs most lookups is the one shown (several records: permerror anyway).
    let best = trees.iter().enumerate().max_by_key(|(i, t)| (t.total, usize::MAX - i)).map(|(i, _)| i).unwrap_or(0);
    let tree = if trees.is_empty() { None } else { Some(trees.remove(best)) };
    let other_trees = trees;

    let mut status = LookupStatus::Found;
    let mut error = None;
    if records.len() > 1 {
        status = LookupStatus::Permerror;
        error = Some(format!("{} SPF records", records.len()));
        let merged = merge_records(&records);
        let mut f = cat::SPF_MULTIPLE
            .emit()
            .detail(format!("{} records start with v=spf1 at {domain}", records.len()))
            .fix(format!(
                "Delete the {} records and publish this one (their mechanisms merged; check the lookup count below):\n{}",
                records.len(),
                fixes::txt_line(domain, &merged)
            ));
        for r in &records {
            f = f.evidence(format!("{domain} TXT \"{r}\""));
        }
        findings.push(f);
    }
    let (lookups, voids) = tree.as_ref().map(|t| (t.total, t.total_void)).unwrap_or((0, 0));
    let mut flattened = None;
    if let Some(tree) = &tree {
        let mut lint = Lint::default();
        lint_node(tree, true, &mut lint);
        if lint.temperror.is_some() && status == LookupStatus::Found {
            status = LookupStatus::Temperror;
        }
        if (lint.permerror || lookups > LOOKUP_LIMIT || voids > VOID_LIMIT) && status == LookupStatus::Found {
            status = LookupStatus::Permerror;
        }
        let root_record = tree.record.clone().unwrap_or_default();
        let corrected = corrected_record(&root_record);
        if let Some(e) = &lint.temperror {
            error = Some(e.clone());
        }
        findings.extend(lint.into_findings(domain, &root_record, &corrected));
        if lookups > LOOKUP_LIMIT {
            let flat = flatten(domain, tree);
            let place = first_over_limit(tree, LOOKUP_LIMIT)
                .map(|(d, t)| format!("; the 11th lookup is \"{t}\" in the record of {d}"))
                .unwrap_or_default();
            let fix = flat.records.iter().map(|r| r.zone_line.clone()).collect::<Vec<_>>().join("\n");
            findings.push(
                cat::SPF_TOO_MANY_LOOKUPS
                    .emit()
                    .detail(format!(
                        "{lookups} DNS lookups (limit {LOOKUP_LIMIT}){place}. Per record: {}",
                        per_node_summary(tree)
                    ))
                    .fix(format!("Publish this flattened record ({} lookups):\n{fix}", flat.lookups))
                    .evidence(format!("{domain} TXT \"{root_record}\"")),
            );
            flattened = Some(flat);
        }
        if voids > VOID_LIMIT {
            findings.push(
                cat::SPF_TOO_MANY_VOIDS
                    .emit()
                    .detail(format!("{voids} void lookups (limit {VOID_LIMIT}): {}", void_terms(tree).join(", "))),
            );
        }
        if root_record.len() > MAX_RECORD_BYTES {
            findings.push(cat::SPF_TOO_LONG.emit().detail(format!("{} bytes", root_record.len())));
        }
    }
    (SpfReport { status, records, lookups, void_lookups: voids, tree, other_trees, flattened, error }, findings)
}

fn per_node_summary(node: &SpfNode) -> String {
    let mut parts = Vec::new();
    fn rec(n: &SpfNode, parts: &mut Vec<String>) {
        parts.push(format!("{} {} (total {})", n.domain, n.lookups, n.total));
        for t in &n.terms {
            if let Some(c) = t.node.as_deref() {
                rec(c, parts);
            }
        }
    }
    rec(node, &mut parts);
    parts.join(", ")
}

fn void_terms(node: &SpfNode) -> Vec<String> {
    let mut out = Vec::new();
    for t in &node.terms {
        if t.void {
            out.push(format!("\"{}\" in {}", t.term, node.domain));
        }
        if let Some(c) = t.node.as_deref() {
            out.extend(void_terms(c));
        }
    }
    out
}

/// Lint results gathered over the tree, one finding per kind.
#[derive(Default)]
struct Lint {
    syntax: Vec<String>,
    cidr: Vec<String>,
    ptr: Vec<String>,
    pass_all: Vec<String>,
    neutral_all: bool,
    no_all: bool,
    redirect_with_all: bool,
    macros: Vec<String>,
    broad: Vec<String>,
    loops: Vec<String>,
    include_none: Vec<String>,
    mx_many: Vec<String>,
    temperror: Option<String>,
    permerror: bool,
}

impl Lint {
    fn into_findings(self, domain: &str, root_record: &str, corrected: &str) -> Vec<Finding> {
        let mut out = Vec::new();
        let fix_line = fixes::txt_line(domain, corrected);
        let ev = format!("{domain} TXT \"{root_record}\"");
        if !self.syntax.is_empty() {
            out.push(
                cat::SPF_SYNTAX
                    .emit()
                    .detail(self.syntax.join("; "))
                    .fix(format!("Publish:\n{fix_line}"))
                    .evidence(ev.clone()),
            );
        }
        if !self.cidr.is_empty() {
            out.push(cat::SPF_BAD_CIDR.emit().detail(self.cidr.join("; ")).fix(format!("Publish:\n{fix_line}")));
        }
        if !self.ptr.is_empty() {
            out.push(cat::SPF_PTR.emit().detail(format!("ptr in {}", self.ptr.join(", "))));
        }
        if !self.pass_all.is_empty() {
            out.push(
                cat::SPF_PASS_ALL
                    .emit()
                    .detail(format!("+all in {}", self.pass_all.join(", ")))
                    .fix(format!("Publish:\n{fix_line}"))
                    .evidence(ev.clone()),
            );
        }
        if self.neutral_all {
            out.push(cat::SPF_NEUTRAL_ALL.emit().fix(format!("Publish:\n{fix_line}")).evidence(ev.clone()));
        }
        if self.no_all {
            out.push(cat::SPF_NO_ALL.emit().fix(format!("Publish:\n{fix_line}")).evidence(ev.clone()));
        }
        if self.redirect_with_all {
            out.push(cat::SPF_REDIRECT_WITH_ALL.emit().fix(format!("Publish:\n{fix_line}")).evidence(ev.clone()));
        }
        if !self.macros.is_empty() {
            out.push(cat::SPF_MACROS.emit().detail(self.macros.join(", ")));
        }
        if !self.broad.is_empty() {
            out.push(cat::SPF_BROAD_RANGE.emit().detail(self.broad.join(", ")).fix(format!("Publish:\n{fix_line}")));
        }
        if !self.loops.is_empty() {
            out.push(cat::SPF_INCLUDE_LOOP.emit().detail(self.loops.join(", ")));
        }
        if !self.include_none.is_empty() {
            out.push(cat::SPF_INCLUDE_NONE.emit().detail(self.include_none.join(", ")));
        }
        if !self.mx_many.is_empty() {
            out.push(cat::SPF_MX_TOO_MANY.emit().detail(self.mx_many.join(", ")));
        }
        if let Some(e) = self.temperror {
            out.push(cat::SPF_TEMPERROR.emit().detail(e));
        }
        out
    }
}

fn lint_node(node: &SpfNode, root: bool, lint: &mut Lint) {
    let at = &node.domain;
    match node.status.as_str() {
        "loop" => {
            lint.loops.push(format!("{at} includes itself"));
            lint.permerror = true;
        }
        "none" => {
            lint.include_none.push(format!("{at} has no SPF record"));
            lint.permerror = true;
        }
        "permerror" if node.record.is_none() => {
            lint.include_none.push(node.error.clone().unwrap_or_default());
            lint.permerror = true;
        }
        "temperror" if lint.temperror.is_none() => {
            lint.temperror = Some(format!("{at}: {}", node.error.clone().unwrap_or_default()));
        }
        _ => {}
    }
    let mut has_all = false;
    let mut has_redirect = false;
    for t in &node.terms {
        if t.term.contains('%') {
            lint.macros.push(format!("\"{}\" in {at}", t.term));
        }
        match parse_term(&t.term) {
            Term::Invalid { reason, cidr } => {
                lint.permerror = true;
                if cidr {
                    lint.cidr.push(format!("{reason} in {at}"))
                } else {
                    lint.syntax.push(format!("{reason} in {at}"))
                }
            }
            Term::Redirect(_) => has_redirect = true,
            Term::Mechanism { qualifier, mechanism } => match mechanism {
                Mechanism::All => {
                    has_all = true;
                    match qualifier {
                        '+' => lint.pass_all.push(at.clone()),
                        '?' if root => lint.neutral_all = true,
                        _ => {}
                    }
                }
                Mechanism::Ptr(_) => lint.ptr.push(at.clone()),
                Mechanism::Ip4(_, Some(len)) if len < 16 && qualifier == '+' => {
                    lint.broad.push(format!("{} in {at} ({} addresses)", t.term, 1u64 << (32 - u32::from(len))));
                }
                Mechanism::Ip6(_, Some(len)) if len < 32 && qualifier == '+' => {
                    lint.broad.push(format!("{} in {at}", t.term));
                }
                _ => {}
            },
            _ => {}
        }
        if t.kind == "mx" && t.error.as_deref().is_some_and(|e| e.contains("more than 10")) {
            lint.mx_many.push(format!("\"{}\" in {at}", t.term));
        }
        if let Some(e) = &t.error
            && t.kind != "invalid"
            && !e.starts_with("ignored")
            && !e.contains("more than 10")
            && lint.temperror.is_none()
        {
            lint.temperror = Some(format!("\"{}\" in {at}: {e}", t.term));
        }
        if let Some(child) = t.node.as_deref() {
            lint_node(child, false, lint);
        }
    }
    if root && node.record.is_some() {
        if !has_all && !has_redirect {
            lint.no_all = true;
        }
        if has_all && has_redirect {
            lint.redirect_with_all = true;
        }
    }
}

/// Several records merged into one: every valid mechanism once, in order, ending with the
/// first record's `-all`/`~all` (else `-all`).
pub fn merge_records(records: &[String]) -> String {
    let mut out: Vec<String> = vec!["v=spf1".into()];
    let mut all: Option<String> = None;
    for r in records {
        for raw in terms_of(r) {
            match parse_term(raw) {
                Term::Invalid { .. } | Term::Redirect(_) | Term::Exp(_) | Term::Modifier(..) => {}
                Term::Mechanism { qualifier, mechanism: Mechanism::All } => {
                    if all.is_none() && matches!(qualifier, '-' | '~') {
                        all = Some(format!("{qualifier}all"));
                    }
                }
                _ => {
                    if !out.iter().any(|t| t.eq_ignore_ascii_case(raw)) {
                        out.push(raw.to_string());
                    }
                }
            }
        }
    }
    out.push(all.unwrap_or_else(|| "-all".into()));
    out.join(" ")
}

/// The record with invalid terms dropped, `+all`/`?all` turned into `-all`, a missing
/// `all` added, and `redirect=` dropped when `all` is present.
pub fn corrected_record(record: &str) -> String {
    let mut out: Vec<String> = vec!["v=spf1".into()];
    let mut all: Option<String> = None;
    let mut redirect: Option<String> = None;
    for raw in terms_of(record) {
        match parse_term(raw) {
            Term::Invalid { .. } => {}
            Term::Mechanism { qualifier, mechanism: Mechanism::All } => {
                all = Some(if matches!(qualifier, '-' | '~') { format!("{qualifier}all") } else { "-all".into() });
            }
            Term::Mechanism { mechanism: Mechanism::Ptr(_), .. } => {}
            Term::Mechanism { mechanism: Mechanism::Ip4(_, Some(len)), .. } if len < 16 => {}
            Term::Mechanism { mechanism: Mechanism::Ip6(_, Some(len)), .. } if len < 32 => {}
            Term::Redirect(_) => redirect = Some(raw.to_string()),
            _ => out.push(raw.to_string()),
        }
    }
    match (all, redirect) {
        (Some(a), _) => out.push(a),
        (None, Some(r)) => out.push(r),
        (None, None) => out.push("-all".into()),
    }
    out.join(" ")
}

// ----------------------------------------------------------------------------- flattening

/// Flattens the tree: include/a/mx resolved to ip4/ip6 (pass terms only, as an include
/// matches only on a pass), ptr/exists/macro terms kept, the root's `-all`/`~all` kept,
/// and split into `_spfN.<domain>` includes when longer than 450 bytes.
pub fn flatten(domain: &str, tree: &SpfNode) -> FlattenedSpf {
    let mut nets: Vec<String> = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    let mut notes: Vec<String> = vec![
        "Flattening freezes the addresses of included providers: re-run the check when a provider changes its servers."
            .to_string(),
    ];
    let mut all_q = '~';
    let mut saw_all = false;
    collect(tree, true, &mut nets, &mut kept, &mut notes, &mut all_q, &mut saw_all);
    if !saw_all {
        notes.push("The record had no all: ~all added.".into());
    }
    dedupe_nets(&mut nets);
    let all_term = format!("{all_q}all");
    let kept_lookups = kept.iter().filter(|k| lookup_term(k)).count() as u32;

    let single = std::iter::once("v=spf1".to_string())
        .chain(nets.iter().cloned())
        .chain(kept.iter().cloned())
        .chain(std::iter::once(all_term.clone()))
        .collect::<Vec<_>>()
        .join(" ");
    let mut records = Vec::new();
    let lookups = if single.len() <= MAX_RECORD_BYTES {
        records.push(publish(domain, &single));
        kept_lookups
    } else {
        let mut chunks: Vec<Vec<String>> = vec![Vec::new()];
        let mut len = "v=spf1".len();
        for n in &nets {
            if len + 1 + n.len() > MAX_RECORD_BYTES {
                chunks.push(Vec::new());
                len = "v=spf1".len();
            }
            if let Some(last) = chunks.last_mut() {
                last.push(n.clone());
            }
            len += 1 + n.len();
        }
        let mut root_terms = vec!["v=spf1".to_string()];
        let mut parts = Vec::new();
        for (i, c) in chunks.iter().enumerate() {
            let name = format!("_spf{}.{}", i + 1, domain.trim_end_matches('.'));
            root_terms.push(format!("include:{name}"));
            let value = std::iter::once("v=spf1".to_string()).chain(c.iter().cloned()).collect::<Vec<_>>().join(" ");
            parts.push(publish(&name, &value));
        }
        root_terms.extend(kept.iter().cloned());
        root_terms.push(all_term);
        records.push(publish(domain, &root_terms.join(" ")));
        records.extend(parts);
        chunks.len() as u32 + kept_lookups
    };
    if lookups > LOOKUP_LIMIT {
        notes.push(format!("Still {lookups} lookups: remove some ptr/exists terms or providers."));
    }
    FlattenedSpf { records, lookups, notes }
}

fn lookup_term(t: &str) -> bool {
    matches!(
        parse_term(t),
        Term::Mechanism {
            mechanism: Mechanism::Ptr(_)
                | Mechanism::Exists(_)
                | Mechanism::Include(_)
                | Mechanism::A { .. }
                | Mechanism::Mx { .. },
            ..
        }
    )
}

fn collect(
    node: &SpfNode,
    root: bool,
    nets: &mut Vec<String>,
    kept: &mut Vec<String>,
    notes: &mut Vec<String>,
    all_q: &mut char,
    saw_all: &mut bool,
) {
    for t in &node.terms {
        let q = t.qualifier.unwrap_or('+');
        match t.kind.as_str() {
            "all" if root => {
                *saw_all = true;
                if matches!(q, '-' | '~') {
                    *all_q = q;
                } else {
                    notes.push(format!("{q}all replaced by ~all."));
                }
            }
            "redirect" if root => {
                if let Some(child) = t.node.as_deref() {
                    let mut child_all = '~';
                    let mut child_saw = false;
                    collect(child, true, nets, kept, notes, &mut child_all, &mut child_saw);
                    if child_saw {
                        *saw_all = true;
                        *all_q = child_all;
                    }
                }
            }
            "ip4" | "ip6" | "a" | "mx" => {
                if q == '+' {
                    for a in &t.addresses {
                        let kind = if a.contains(':') { "ip6" } else { "ip4" };
                        nets.push(format!("{kind}:{}", strip_full_prefix(a)));
                    }
                    if t.addresses.is_empty() && t.term.contains('%') {
                        kept.push(t.term.clone());
                    }
                } else if root {
                    for a in &t.addresses {
                        let kind = if a.contains(':') { "ip6" } else { "ip4" };
                        kept.push(format!("{q}{kind}:{}", strip_full_prefix(a)));
                    }
                } else {
                    notes.push(format!(
                        "\"{}\" in {} (not a pass) dropped: it never makes the include match.",
                        t.term, node.domain
                    ));
                }
            }
            "include" => {
                if q != '+' && !root {
                    continue;
                }
                match t.node.as_deref() {
                    Some(child) if child.record.is_some() && q == '+' => {
                        let mut a = '~';
                        let mut s = false;
                        collect(child, false, nets, kept, notes, &mut a, &mut s);
                    }
                    _ => kept.push(t.term.clone()),
                }
            }
            "ptr" | "exists" if q == '+' || root => {
                kept.push(if q == '+' { t.term.trim_start_matches('+').to_string() } else { t.term.clone() });
                notes.push(format!("\"{}\" from {} kept: it cannot be resolved in advance.", t.term, node.domain));
            }
            _ => {}
        }
    }
}

fn strip_full_prefix(a: &str) -> String {
    a.strip_suffix("/32").filter(|s| !s.contains(':')).or_else(|| a.strip_suffix("/128")).unwrap_or(a).to_string()
}

/// Removes duplicates and networks contained in another listed network.
fn dedupe_nets(nets: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    nets.retain(|n| seen.insert(n.clone()));
    let parsed: Vec<Option<(IpAddr, u8)>> = nets.iter().map(|n| parse_net(n)).collect();
    let mut keep = vec![true; nets.len()];
    for (i, a) in parsed.iter().enumerate() {
        let Some((ip, len)) = a else { continue };
        for (j, b) in parsed.iter().enumerate() {
            if i == j {
                continue;
            }
            if let Some((bip, blen)) = b
                && blen < len
                && contains(*bip, *blen, *ip)
            {
                keep[i] = false;
            }
        }
    }
    let mut k = keep.into_iter();
    nets.retain(|_| k.next().unwrap_or(true));
}

fn parse_net(n: &str) -> Option<(IpAddr, u8)> {
    let rest = n.strip_prefix("ip4:").or_else(|| n.strip_prefix("ip6:"))?;
    let (a, l) = match rest.rsplit_once('/') {
        Some((a, l)) => (a, l.parse().ok()?),
        None => (rest, if n.starts_with("ip4:") { 32 } else { 128 }),
    };
    Some((a.parse().ok()?, l))
}

/// Whether `ip` is inside `net/len`.
pub fn contains(net: IpAddr, len: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let len = u32::from(len.min(32));
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            (u32::from(n) & mask) == (u32::from(i) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let len = u32::from(len.min(128));
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            (u128::from(n) & mask) == (u128::from(i) & mask)
        }
        _ => false,
    }
}

fn publish(name: &str, value: &str) -> PublishRecord {
    PublishRecord {
        name: name.trim_end_matches('.').to_string(),
        value: value.to_string(),
        zone_line: fixes::txt_line(name, value),
    }
}

/// True when the text is an SPF record (`v=spf1` then end or space).
pub fn is_spf(text: &str) -> bool {
    starts_with_tag(text, "v=spf1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms_and_flags_errors() {
        assert!(matches!(parse_term("ip4:300.1.1.1"), Term::Invalid { cidr: false, .. }));
        assert!(matches!(parse_term("foo:bar"), Term::Invalid { .. }));
        assert!(matches!(parse_term("ip4:192.0.2.0/33"), Term::Invalid { cidr: true, .. }));
        assert!(matches!(
            parse_term("a/24//64"),
            Term::Mechanism { mechanism: Mechanism::A { v4: Some(24), v6: Some(64), .. }, .. }
        ));
        assert!(matches!(parse_term("-all"), Term::Mechanism { qualifier: '-', mechanism: Mechanism::All }));
        assert!(matches!(parse_term("redirect=_spf.example.com"), Term::Redirect(_)));
        assert!(matches!(
            parse_term("exists:%{i}.ex.example.com"),
            Term::Mechanism { mechanism: Mechanism::Exists(_), .. }
        ));
        assert!(matches!(parse_term("exists:%{q}.x.com"), Term::Invalid { .. }));
        assert!(matches!(parse_term("include:192.0.2.1"), Term::Invalid { .. }));
    }

    #[test]
    fn corrected_record_fixes_common_mistakes() {
        assert_eq!(corrected_record("v=spf1 ip4:300.1.1.1 foo:bar -all"), "v=spf1 -all");
        assert_eq!(corrected_record("v=spf1 +all"), "v=spf1 -all");
        assert_eq!(corrected_record("v=spf1 mx"), "v=spf1 mx -all");
        assert_eq!(corrected_record("v=spf1 mx ~all redirect=x.example"), "v=spf1 mx ~all");
        assert_eq!(corrected_record("v=spf1 ip4:0.0.0.0/1 ptr a ?all"), "v=spf1 a -all");
    }

    #[test]
    fn merges_several_records() {
        let recs = vec!["v=spf1 include:a.example ~all".to_string(), "v=spf1 a mx include:a.example -all".to_string()];
        assert_eq!(merge_records(&recs), "v=spf1 include:a.example a mx ~all");
    }

    #[test]
    fn dedupe_drops_contained_networks() {
        let mut v = vec!["ip4:192.0.2.0/24".to_string(), "ip4:192.0.2.7".to_string(), "ip4:192.0.2.0/24".to_string()];
        dedupe_nets(&mut v);
        assert_eq!(v, vec!["ip4:192.0.2.0/24".to_string()]);
    }
}
