//! SPF record syntax (RFC 7208 §4.5, §4.6.1, §5, §6 and the §12 ABNF): a strict parser
//! into typed terms. Any syntax error anywhere in the record is a permerror (§4.6).

use super::macros::{MacroContext, MacroError, MacroString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A directive's qualifier (RFC 7208 §4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Qualifier {
    /// `+` (the default).
    Pass,
    /// `-`
    Fail,
    /// `~`
    SoftFail,
    /// `?`
    Neutral,
}

impl Qualifier {
    /// The qualifier as written (`+`, `-`, `~`, `?`).
    pub fn as_char(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::SoftFail => '~',
            Qualifier::Neutral => '?',
        }
    }

    /// The result a match with this qualifier produces (RFC 7208 §4.6.2).
    pub fn result(self) -> super::SpfResult {
        match self {
            Qualifier::Pass => super::SpfResult::Pass,
            Qualifier::Fail => super::SpfResult::Fail,
            Qualifier::SoftFail => super::SpfResult::SoftFail,
            Qualifier::Neutral => super::SpfResult::Neutral,
        }
    }
}

/// A mechanism (RFC 7208 §5), with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mechanism", rename_all = "lowercase")]
pub enum Mechanism {
    /// `all` (§5.1).
    All,
    /// `include:<domain-spec>` (§5.2).
    Include {
        /// The domain whose SPF record is evaluated; the include matches when that evaluation passes.
        domain: MacroString,
    },
    /// `a[:domain-spec][/cidr4][//cidr6]` (§5.3).
    A {
        /// The domain-spec after `:` whose A/AAAA addresses match; None: the domain being checked.
        domain: Option<MacroString>,
        /// IPv4 prefix length after `/` (0-32) applied to the addresses found; None means /32 (§5.3).
        cidr4: Option<u8>,
        /// IPv6 prefix length after `//` (0-128) applied to the addresses found; None means /128 (§5.3).
        cidr6: Option<u8>,
    },
    /// `mx[:domain-spec][/cidr4][//cidr6]` (§5.4).
    Mx {
        /// The domain-spec after `:` whose MX hosts' addresses match; None: the domain being checked.
        domain: Option<MacroString>,
        /// IPv4 prefix length after `/` (0-32) applied to each MX address; None means /32 (§5.4).
        cidr4: Option<u8>,
        /// IPv6 prefix length after `//` (0-128) applied to each MX address; None means /128 (§5.4).
        cidr6: Option<u8>,
    },
    /// `ptr[:domain-spec]` (§5.5, "SHOULD NOT be used").
    Ptr {
        /// The domain the validated PTR names must end in; None: the domain being checked.
        domain: Option<MacroString>,
    },
    /// `ip4:<network>[/cidr]` (§5.6).
    Ip4 {
        /// The network address as written (host bits may be set; only the prefix is compared).
        network: Ipv4Addr,
        /// Prefix length, 0-32; 32 when the term has no `/cidr` (§5.6).
        prefix: u8,
    },
    /// `ip6:<network>[/cidr]` (§5.6).
    Ip6 {
        /// The network address as written (host bits may be set; only the prefix is compared).
        network: Ipv6Addr,
        /// Prefix length, 0-128; 128 when the term has no `/cidr` (§5.6).
        prefix: u8,
    },
    /// `exists:<domain-spec>` (§5.7).
    Exists {
        /// The domain-spec (usually with macros) that matches when it has any A record, whatever the address.
        domain: MacroString,
    },
}

impl Mechanism {
    /// Whether evaluating it queries DNS and so counts toward the limit of 10 (§4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include { .. }
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr { .. }
                | Mechanism::Exists { .. }
        )
    }

    /// The mechanism name (`include`, `a`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Include { .. } => "include",
            Mechanism::A { .. } => "a",
            Mechanism::Mx { .. } => "mx",
            Mechanism::Ptr { .. } => "ptr",
            Mechanism::Ip4 { .. } => "ip4",
            Mechanism::Ip6 { .. } => "ip6",
            Mechanism::Exists { .. } => "exists",
        }
    }
}

/// A directive: qualifier + mechanism, with the term as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directive {
    /// `+`, `-`, `~` or `?`.
    pub qualifier: Qualifier,
    /// What is matched.
    pub mechanism: Mechanism,
    /// The term as it appears in the record (e.g. `-include:_spf.example.com`).
    pub text: String,
}

/// A modifier (RFC 7208 §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "modifier", rename_all = "lowercase")]
pub enum Modifier {
    /// `redirect=<domain-spec>` (§6.1).
    Redirect {
        /// The domain whose record replaces this one when no mechanism matched.
        domain: MacroString,
    },
    /// `exp=<domain-spec>` (§6.2).
    Exp {
        /// The domain whose TXT record, macro-expanded, explains a `fail` to the sender.
        domain: MacroString,
    },
    /// Any other `name=macro-string`; ignored by evaluation (§6).
    Unknown {
        /// The modifier name as written.
        name: String,
        /// Its value, parsed as a macro-string so a syntax error is still reported.
        value: MacroString,
    },
}

/// One term of a record, in record order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "term", rename_all = "lowercase")]
pub enum Term {
    /// A qualifier + mechanism (§4.6.2).
    Directive(Directive),
    /// `name=value` (§6).
    Modifier(Modifier),
}

impl Term {
    /// The term as written in the record.
    pub fn text(&self) -> String {
        match self {
            Term::Directive(d) => d.text.clone(),
            Term::Modifier(Modifier::Redirect { domain }) => format!("redirect={domain}"),
            Term::Modifier(Modifier::Exp { domain }) => format!("exp={domain}"),
            Term::Modifier(Modifier::Unknown { name, value }) => format!("{name}={value}"),
        }
    }
}

/// A parsed `v=spf1` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfRecord {
    /// Every term, in record order.
    pub terms: Vec<Term>,
}

impl SpfRecord {
    /// The directives, in evaluation order (§4.6.2).
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.terms.iter().filter_map(|t| match t {
            Term::Directive(d) => Some(d),
            Term::Modifier(_) => None,
        })
    }
    /// The `redirect=` target, if any (at most one: §6).
    pub fn redirect(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Redirect { domain }) => Some(domain),
            _ => None,
        })
    }
    /// The `exp=` target, if any (at most one: §6).
    pub fn exp(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Exp { domain }) => Some(domain),
            _ => None,
        })
    }
    /// Number of terms that query DNS when evaluated (§4.6.4): mechanisms
    /// include/a/mx/ptr/exists plus `redirect=`.
    pub fn dns_terms(&self) -> u32 {
        let mechs = self.directives().filter(|d| d.mechanism.queries_dns()).count() as u32;
        mechs + u32::from(self.redirect().is_some())
    }
}

/// Why a record (or one term of it) is not valid SPF (each is a permerror, RFC 7208 §4.6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpfSyntaxError {
    /// The text does not start with `v=spf1` followed by a space or the end (§4.5).
    #[error("not an SPF record: it must start with \"v=spf1\" (RFC 7208 §4.5)")]
    NotSpf,
    /// A character outside 7-bit ASCII (§3.1 / §4.5).
    #[error("the record contains a non-ASCII byte (RFC 7208 §3.1)")]
    NonAscii,
    /// A mechanism name that does not exist (§4.6.1): `term` as written, `name` its mechanism part.
    #[error("unknown mechanism '{term}' (RFC 7208 §5)")]
    UnknownMechanism {
        /// The whole term as written in the record.
        term: String,
        /// Its mechanism name (before `:` or `/`).
        name: String,
    },
    /// A malformed term: `reason` in plain words, `reference` the RFC 7208 section it breaks.
    #[error("invalid term '{term}': {reason} ({reference})")]
    InvalidTerm {
        /// The whole term as written in the record.
        term: String,
        /// What is wrong with it, in plain words.
        reason: String,
        /// The RFC 7208 section the term breaks (e.g. `RFC 7208 §5.6`).
        reference: &'static str,
    },
    /// A malformed or out-of-range CIDR prefix length (§5.6), told apart so a lint can name it.
    #[error("invalid term '{term}': {reason} (RFC 7208 §5.6)")]
    InvalidCidr {
        /// The whole term as written in the record.
        term: String,
        /// What is wrong with the prefix length.
        reason: String,
    },
    /// `redirect=` or `exp=` appears twice (§6).
    #[error("modifier '{0}' appears more than once (RFC 7208 §6)")]
    DuplicateModifier(String),
}

impl SpfSyntaxError {
    /// Whether the problem is a CIDR prefix length (RFC 7208 §5.6).
    pub fn is_cidr(&self) -> bool {
        matches!(self, SpfSyntaxError::InvalidCidr { .. })
    }

    /// The problem of one term in a few words, without the term itself or the RFC
    /// reference: what a per-term report shows next to the term.
    pub fn term_reason(&self) -> String {
        match self {
            SpfSyntaxError::UnknownMechanism { name, .. } => format!("unknown mechanism \"{name}\""),
            SpfSyntaxError::InvalidTerm { reason, .. } | SpfSyntaxError::InvalidCidr { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
}

fn invalid(term: &str, reason: impl Into<String>, reference: &'static str) -> SpfSyntaxError {
    SpfSyntaxError::InvalidTerm { term: term.to_string(), reason: reason.into(), reference }
}

fn invalid_cidr(term: &str, reason: impl Into<String>) -> SpfSyntaxError {
    SpfSyntaxError::InvalidCidr { term: term.to_string(), reason: reason.into() }
}

/// Most terms read from one record. A TXT record fits in a 64 KiB answer, so a real
/// record is far below this; the bound keeps a hostile one from costing more.
pub const MAX_TERMS: usize = 512;

/// The terms of a selected record (the text after `v=spf1`), split on spaces as the
/// RFC 7208 §12 grammar does (`terms = *( 1*SP ( directive / modifier ) )`), at most
/// [`MAX_TERMS`]. Any other whitespace stays inside a term and makes it invalid.
pub fn split_terms(record: &str) -> impl Iterator<Item = &str> {
    record.get(6..).unwrap_or("").split(' ').filter(|t| !t.is_empty()).take(MAX_TERMS)
}

/// True when `text` is selected as an SPF record: `v=spf1` (any case) followed by a space
/// or the end (RFC 7208 §4.5).
pub fn is_spf_record(text: &[u8]) -> bool {
    text.len() >= 6 && text[..6].eq_ignore_ascii_case(b"v=spf1") && (text.len() == 6 || text[6] == b' ')
}

/// Parses a whole record (`v=spf1 ...`) strictly per RFC 7208 §12.
pub fn parse_record(text: &str) -> Result<SpfRecord, SpfSyntaxError> {
    if !is_spf_record(text.as_bytes()) {
        return Err(SpfSyntaxError::NotSpf);
    }
    if !text.is_ascii() {
        return Err(SpfSyntaxError::NonAscii);
    }
    let mut terms = Vec::new();
    let (mut seen_redirect, mut seen_exp) = (false, false);
    // §12: terms = *( 1*SP ( directive / modifier ) ), record ends with *SP.
    for raw in split_terms(text) {
        let term = parse_term(raw)?;
        match &term {
            Term::Modifier(Modifier::Redirect { .. }) => {
                if seen_redirect {
                    return Err(SpfSyntaxError::DuplicateModifier("redirect".into()));
                }
                seen_redirect = true;
            }
            Term::Modifier(Modifier::Exp { .. }) => {
                if seen_exp {
                    return Err(SpfSyntaxError::DuplicateModifier("exp".into()));
                }
                seen_exp = true;
            }
            _ => {}
        }
        terms.push(term);
    }
    Ok(SpfRecord { terms })
}

fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic())
        && c.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
}

/// Parses one term of a record (RFC 7208 §4.6.1, §12): the per-term grammar that
/// [`parse_record`] applies to every term, public so a lint can judge a broken record
/// term by term (one bad term does not hide the others).
pub fn parse_term(raw: &str) -> Result<Term, SpfSyntaxError> {
    if !raw.is_ascii() {
        return Err(invalid(raw, "a term must be 7-bit ASCII", "RFC 7208 §3.1, §12"));
    }
    // A modifier is `name "=" ...` with the '=' before any ':' or '/' (§4.6.1, §12).
    let first_special = raw.find([':', '/', '=']);
    if let Some(pos) = first_special
        && raw.as_bytes().get(pos) == Some(&b'=')
    {
        let (name, value) = (&raw[..pos], &raw[pos + 1..]);
        if !is_name(name) {
            return Err(invalid(raw, "a modifier name must start with a letter", "RFC 7208 §12"));
        }
        let lname = name.to_ascii_lowercase();
        return Ok(Term::Modifier(match lname.as_str() {
            "redirect" => Modifier::Redirect { domain: domain_spec(raw, value)? },
            "exp" => Modifier::Exp { domain: domain_spec(raw, value)? },
            _ => Modifier::Unknown {
                name: name.to_string(),
                value: MacroString::parse(value, MacroContext::Modifier).map_err(|e| macro_err(raw, e))?,
            },
        }));
    }
    parse_directive(raw).map(Term::Directive)
}

fn macro_err(term: &str, e: MacroError) -> SpfSyntaxError {
    let reference = if matches!(e, MacroError::BadLetter(_)) { "RFC 7208 §7.2" } else { "RFC 7208 §7.1" };
    let text = e.to_string();
    let reason = text.rsplit_once(" (RFC").map(|(r, _)| r.to_string()).unwrap_or(text);
    invalid(term, reason, reference)
}

/// Validates a `domain-spec` (RFC 7208 §7.1): a macro string ending in a macro expansion
/// or in `"." toplabel ["."]`.
fn domain_spec(term: &str, text: &str) -> Result<MacroString, SpfSyntaxError> {
    if text.is_empty() {
        return Err(invalid(term, "the domain-spec is empty", "RFC 7208 §7.1"));
    }
    let ms = MacroString::parse(text, MacroContext::Domain).map_err(|e| macro_err(term, e))?;
    // domain-end: the raw text after the last macro-expand ("%{..}", "%%", "%_", "%-").
    let tail_start = last_macro_end(text);
    let tail = &text[tail_start..];
    if tail.is_empty() && tail_start > 0 {
        return Ok(ms);
    }
    let body = tail.strip_suffix('.').unwrap_or(tail);
    match body.rfind('.') {
        Some(dot) if is_toplabel(&body[dot + 1..]) => {}
        _ => {
            let reason = format!("'{text}' does not end in a valid top-level label");
            return Err(invalid(term, reason, "RFC 7208 §7.1 domain-end"));
        }
    }
    // A spec without macros is the name itself: one that no DNS query can carry (an empty
    // or over-long label, RFC 1035 §2.3.4) never matches anything. RFC 7208 leaves the
    // result open (no-match or permerror; openspf "invalid-domain-*" accepts both); it is
    // read as a syntax error here, so the lint names it and the corrected record drops it.
    if !text.contains('%')
        && let Err(e) = crate::names::check(text, crate::names::Syntax::DNS)
    {
        return Err(invalid(term, format!("'{text}' is not a valid domain name: {e}"), "RFC 7208 §4.8"));
    }
    Ok(ms)
}

/// Byte offset just after the last macro-expand in `text` (0 if none). `text` is already
/// known to be a valid macro string.
fn last_macro_end(text: &str) -> usize {
    let b = text.as_bytes();
    let mut i = 0;
    let mut end = 0;
    while i < b.len() {
        if b[i] == b'%' {
            match b.get(i + 1) {
                Some(b'{') => {
                    let close = text[i..].find('}').map(|p| i + p + 1).unwrap_or(b.len());
                    end = close;
                    i = close;
                    continue;
                }
                Some(_) => {
                    end = i + 2;
                    i += 2;
                    continue;
                }
                None => break,
            }
        }
        i += 1;
    }
    end
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
/// (RFC 7208 §7.1).
pub fn is_toplabel(s: &str) -> bool {
    crate::names::is_top_label(s)
}

fn parse_cidr(term: &str, digits: &str, max: u8) -> Result<u8, SpfSyntaxError> {
    // ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT); ip6 likewise with 0*2DIGIT.
    let ok = !digits.is_empty()
        && digits.len() <= 3
        && digits.bytes().all(|c| c.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'));
    let value: Option<u8> = if ok { digits.parse().ok() } else { None };
    match value {
        Some(v) if v <= max => Ok(v),
        _ => Err(invalid_cidr(term, format!("invalid CIDR length '/{digits}' (0-{max}, no leading zeros)"))),
    }
}

/// Splits a trailing `dual-cidr-length` off `s`: returns (rest, cidr4, cidr6).
fn split_dual_cidr<'a>(term: &str, s: &'a str) -> Result<(&'a str, Option<u8>, Option<u8>), SpfSyntaxError> {
    let mut rest = s;
    let mut cidr6 = None;
    let mut cidr4 = None;
    if let Some(pos) = rest.rfind("//") {
        let digits = &rest[pos + 2..];
        if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
            cidr6 = Some(parse_cidr(term, digits, 128)?);
            rest = &rest[..pos];
        }
    }
    if let Some(pos) = rest.rfind('/') {
        let digits = &rest[pos + 1..];
        if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
            cidr4 = Some(parse_cidr(term, digits, 32)?);
            rest = &rest[..pos];
        }
    }
    Ok((rest, cidr4, cidr6))
}

/// `ip4-network = qnum "." qnum "." qnum "." qnum` with no leading zeros (RFC 7208 §12).
fn parse_ip4(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut o = [0u8; 4];
    for (slot, p) in o.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|c| c.is_ascii_digit()) || (p.len() > 1 && p.starts_with('0'))
        {
            return None;
        }
        *slot = p.parse().ok()?;
    }
    Some(Ipv4Addr::from(o))
}

fn parse_directive(raw: &str) -> Result<Directive, SpfSyntaxError> {
    let (qualifier, body) = match raw.as_bytes().first() {
        Some(b'+') => (Qualifier::Pass, &raw[1..]),
        Some(b'-') => (Qualifier::Fail, &raw[1..]),
        Some(b'~') => (Qualifier::SoftFail, &raw[1..]),
        Some(b'?') => (Qualifier::Neutral, &raw[1..]),
        _ => (Qualifier::Pass, raw),
    };
    let name_end = body.find([':', '/']).unwrap_or(body.len());
    let name = body[..name_end].to_ascii_lowercase();
    let after = &body[name_end..];
    let arg = after.strip_prefix(':');
    let mechanism = match name.as_str() {
        "all" => {
            if !after.is_empty() {
                return Err(invalid(raw, "'all' takes no argument", "RFC 7208 §5.1"));
            }
            Mechanism::All
        }
        "include" | "exists" => {
            let Some(spec) = arg else {
                return Err(invalid(raw, format!("'{name}' needs ':domain'"), "RFC 7208 §5.2, §5.7"));
            };
            let domain = domain_spec(raw, spec)?;
            if name == "include" { Mechanism::Include { domain } } else { Mechanism::Exists { domain } }
        }
        "a" | "mx" => {
            let (domain, cidr4, cidr6) = match arg {
                Some(spec) => {
                    let (d, c4, c6) = split_dual_cidr(raw, spec)?;
                    (Some(domain_spec(raw, d)?), c4, c6)
                }
                None => {
                    let (d, c4, c6) = split_dual_cidr(raw, after)?;
                    if !d.is_empty() {
                        return Err(invalid_cidr(raw, "malformed CIDR length"));
                    }
                    (None, c4, c6)
                }
            };
            if name == "a" { Mechanism::A { domain, cidr4, cidr6 } } else { Mechanism::Mx { domain, cidr4, cidr6 } }
        }
        "ptr" => match arg {
            Some(spec) => Mechanism::Ptr { domain: Some(domain_spec(raw, spec)?) },
            None if after.is_empty() => Mechanism::Ptr { domain: None },
            None => return Err(invalid(raw, "'ptr' takes no CIDR length", "RFC 7208 §5.5")),
        },
        "ip4" => {
            let Some(spec) = arg else {
                return Err(invalid(raw, "'ip4' needs ':address'", "RFC 7208 §5.6"));
            };
            let (addr, cidr) = match spec.split_once('/') {
                Some((a, c)) => (a, Some(parse_cidr(raw, c, 32)?)),
                None => (spec, None),
            };
            let network = parse_ip4(addr)
                .ok_or_else(|| invalid(raw, format!("{addr} is not an IPv4 address"), "RFC 7208 §5.6"))?;
            Mechanism::Ip4 { network, prefix: cidr.unwrap_or(32) }
        }
        "ip6" => {
            let Some(spec) = arg else {
                return Err(invalid(raw, "'ip6' needs ':address'", "RFC 7208 §5.6"));
            };
            let (addr, cidr) = match spec.split_once('/') {
                Some((a, c)) => (a, Some(parse_cidr(raw, c, 128)?)),
                None => (spec, None),
            };
            let network: Ipv6Addr =
                addr.parse().map_err(|_| invalid(raw, format!("{addr} is not an IPv6 address"), "RFC 7208 §5.6"))?;
            Mechanism::Ip6 { network, prefix: cidr.unwrap_or(128) }
        }
        _ => {
            return Err(SpfSyntaxError::UnknownMechanism { term: raw.to_string(), name: body[..name_end].to_string() });
        }
    };
    Ok(Directive { qualifier, mechanism, text: raw.to_string() })
}

/// Whether `ip` lies in `network/prefix` (same family only).
pub fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let p = u32::from(prefix.min(32));
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let p = u32::from(prefix.min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

impl fmt::Display for SpfRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=spf1")?;
        for t in &self.terms {
            write!(f, " {}", t.text())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> SpfRecord {
        match parse_record(s) {
            Ok(r) => r,
            Err(e) => panic!("{s}: {e}"),
        }
    }
    fn err(s: &str) {
        assert!(parse_record(s).is_err(), "{s} should be rejected");
    }

    #[test]
    fn parses_typed_terms() {
        let r = ok(
            "v=spf1 +a mx/24//64 -include:_spf.example.com ~ip4:192.0.2.0/24 ?ip6:2001:db8::/32 ptr exists:%{i}.x.example.com redirect=_spf.example.net exp=exp.%{d} moo.cow-far_out=man:dog/cat -all",
        );
        assert_eq!(r.terms.len(), 11);
        let d: Vec<&Directive> = r.directives().collect();
        assert_eq!(d[0].mechanism, Mechanism::A { domain: None, cidr4: None, cidr6: None });
        assert_eq!(d[1].mechanism, Mechanism::Mx { domain: None, cidr4: Some(24), cidr6: Some(64) });
        assert_eq!(d[2].qualifier, Qualifier::Fail);
        assert!(matches!(&d[2].mechanism, Mechanism::Include { domain } if domain.raw == "_spf.example.com"));
        assert_eq!(d[3].mechanism, Mechanism::Ip4 { network: Ipv4Addr::new(192, 0, 2, 0), prefix: 24 });
        assert_eq!(d[3].qualifier, Qualifier::SoftFail);
        assert!(matches!(d[4].mechanism, Mechanism::Ip6 { prefix: 32, .. }));
        assert_eq!(r.redirect().map(|m| m.raw.as_str()), Some("_spf.example.net"));
        assert_eq!(r.exp().map(|m| m.raw.as_str()), Some("exp.%{d}"));
        assert_eq!(r.dns_terms(), 6);
        assert_eq!(
            r.to_string(),
            "v=spf1 +a mx/24//64 -include:_spf.example.com ~ip4:192.0.2.0/24 ?ip6:2001:db8::/32 ptr exists:%{i}.x.example.com redirect=_spf.example.net exp=exp.%{d} moo.cow-far_out=man:dog/cat -all"
        );
        // Case-insensitive version and names; trailing / double spaces.
        ok("V=SPF1  A:Example.COM  -ALL ");
        ok("v=spf1");
        ok("v=spf1 a:foo:bar/baz.example.com");
        ok("v=spf1 a:foo.example.xn--zckzah");
        ok("v=spf1 a:%{H}");
        ok("v=spf1 include:o.spf.example.com. ~all");
        ok("v=spf1 ip6:::1.1.1.1/0");
        ok("v=spf1 a//33 mx/0//0 -all");
    }

    #[test]
    fn rejects_bad_syntax() {
        for s in [
            "v=spf10",
            "v=spf1 a:\u{ef}garbage.example.net",
            "v=spf1 a:ctrl.example.com\rptr -all",
            "v=spf1 ip4:192.0.2.5\n",
            "v=spf1 ip4:1.2.3.4 -all moo",
            "v=spf1 moo.cow/far_out=man:dog/cat",
            "v=spf1 moo.cow:far_out=man:dog/cat",
            "v=spf1 redirect:t2.example.com",
            "v=spf1 a:foo-bar",
            "v=spf1 -all.",
            "v=spf1 -all:foobar",
            "v=spf1 -all/8",
            "v=spf1 ptr/0",
            "v=spf1 ptr:",
            "v=spf1 a/33",
            "v=spf1 a//129",
            "v=spf1 a/24/64",
            "v=spf1 a:example.com:8080",
            "v=spf1 a:foo.example.com\0",
            "v=spf1 a:111.222.33.44",
            "v=spf1 a:abc.123",
            "v=spf1 a:museum",
            "v=spf1 a:museum.",
            "v=spf1 a:example.-com",
            "v=spf1 a:mail.example...com -all",
            "v=spf1 include:a123456789012345678901234567890123456789012345678901234567890123.example.com",
            "v=spf1 a:",
            "v=spf1 include +all",
            "v=spf1 include:",
            "v=spf1 include:ip5.example.com/24",
            "v=spf1 exists",
            "v=spf1 exists:",
            "v=spf1 exists:mail.example.com/24",
            "v=spf1 ip4:1.2.3.4/33",
            "v=spf1 ip4:1.2.3.4/032",
            "v=spf1 ip4",
            "v=spf1 ip4:1.2.3.4//32",
            "v=spf1 ip4:1.2.3.4:8080",
            "v=spf1 ip4:1.2.3",
            "v=spf1 ip4:01.2.3.4",
            "v=spf1 -all ip6",
            "v=spf1 ip6:::1.1.1.1/129",
            "v=spf1 ip6:::1.1.1.1//33",
            "v=spf1 ip6::CAFE::BABE",
            "v=spf1 1up=foo",
            "v=spf1 =all",
            "v=spf1 -all foo=%abc",
            "v=spf1 exp= -all",
            "v=spf1 exp=-all",
            "v=spf1 redirect=-all ?all",
            "v=spf1 ?all redirect=",
            "v=spf1 exp=a.example.com -all exp=b.example.com",
            "v=spf1 redirect=a.example.com redirect=a.example.com",
            "v=spf1 a:%{a}.example.com",
            "v=spf1 exp=%{r}.example.com",
            "v=spf1 -exists:%(ir).sbl.example.com",
            "v=spf1 exists:foo%.sbl.example.com",
        ] {
            err(s);
        }
    }

    #[test]
    fn networks() {
        let n: IpAddr = "192.0.2.0".parse().expect("ip");
        assert!(in_network("192.0.2.77".parse().expect("ip"), n, 24));
        assert!(!in_network("192.0.3.1".parse().expect("ip"), n, 24));
        assert!(in_network("8.8.8.8".parse().expect("ip"), n, 0));
        assert!(!in_network("::1".parse().expect("ip"), n, 0));
        let n6: IpAddr = "cafe:babe:8000::".parse().expect("ip");
        assert!(in_network("cafe:babe:8000::1".parse().expect("ip"), n6, 33));
        assert!(!in_network("cafe:babe::1".parse().expect("ip"), n6, 33));
    }
}
