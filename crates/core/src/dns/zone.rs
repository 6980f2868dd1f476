//! Zone-file resolver: answers from RFC 1035 master files (§5), alone (`--offline`)
//! or under an [`Overlay`](super::overlay::Overlay) over live DNS (what-if checks).
//!
//! Semantics: a name with no record at all (and no name below it) is NXDOMAIN; a name
//! that exists without the asked type is NODATA (NOERROR, no records); CNAMEs are
//! followed (bounded); `*.` wildcards answer names that do not exist (RFC 4592 §3.3).
//! `fail(name, err)` makes a name answer with a transport failure, as test suites
//! (openspf `TIMEOUT`, Mail::DKIM `~~Query timed out~~`) need.

use super::wire::{MAX_CNAME_CHAIN, record_from_hickory, record_type_of};
use super::{DnsAnswer, DnsError, DnsFuture, DnsRecord, Rcode, RecordData, RecordType, Resolver, normalize_name};
use hickory_proto::rr::Name;
use hickory_proto::serialize::txt::Parser;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// Why a zone file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ZoneError {
    /// The text is not a valid master file.
    #[error("zone file syntax error: {0}")]
    Syntax(String),
    /// The file could not be read.
    #[error("cannot read zone file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The origin is not a valid domain name.
    #[error("invalid origin {0}")]
    Origin(String),
}

/// A resolver that answers from zone data held in memory.
#[derive(Debug, Clone, Default)]
pub struct ZoneResolver {
    records: HashMap<String, Vec<DnsRecord>>,
    failures: HashMap<(String, Option<RecordType>), DnsError>,
    authenticated: bool,
}

impl ZoneResolver {
    /// An empty zone: every name is NXDOMAIN.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses master-file text. Relative names need `origin` or a `$ORIGIN` line.
    pub fn from_zone_text(text: &str, origin: Option<&str>) -> Result<Self, ZoneError> {
        let mut zone = Self::new();
        zone.add_zone_text(text, origin)?;
        Ok(zone)
    }

    /// Loads several zone files.
    pub fn from_files<P: AsRef<std::path::Path>>(paths: &[P]) -> Result<Self, ZoneError> {
        let mut zone = Self::new();
        for p in paths {
            let path = p.as_ref();
            let text = std::fs::read_to_string(path)
                .map_err(|source| ZoneError::Read { path: path.display().to_string(), source })?;
            zone.add_zone_text(&text, None)?;
        }
        Ok(zone)
    }

    /// Adds the records of a master file. `$INCLUDE` is refused (no file access
    /// from pasted text).
    pub fn add_zone_text(&mut self, text: &str, origin: Option<&str>) -> Result<&mut Self, ZoneError> {
        if text.lines().any(|l| l.trim_start().to_ascii_uppercase().starts_with("$INCLUDE")) {
            return Err(ZoneError::Syntax("$INCLUDE is not supported".into()));
        }
        let origin = match origin {
            Some(o) => Some(Name::from_str(o).map_err(|_| ZoneError::Origin(o.to_string()))?),
            None => None,
        };
        // Pasted snippets often have neither $ORIGIN nor SOA; default the origin to the
        // root so absolute names work and relative ones are read as absolute.
        let origin = origin.or_else(|| Some(Name::root()));
        let text = with_default_ttl(&join_parenthesized(text));
        let (_, sets) =
            Parser::new(text.as_str(), None, origin).parse().map_err(|e| ZoneError::Syntax(e.to_string()))?;
        for set in sets.values() {
            for rec in set.records_without_rrsigs() {
                if let Some(r) = record_from_hickory(rec) {
                    self.push(r);
                }
            }
        }
        Ok(self)
    }

    /// Adds one record.
    pub fn add_record(&mut self, name: &str, ttl: u32, data: RecordData) -> &mut Self {
        self.push(DnsRecord { name: normalize_name(name), ttl, data });
        self
    }

    /// Makes every query for `name` fail with `err` (e.g. [`DnsError::Timeout`]).
    pub fn fail(&mut self, name: &str, err: DnsError) -> &mut Self {
        self.failures.insert((normalize_name(name), None), err);
        self
    }

    /// Makes queries for one type at `name` fail with `err`.
    pub fn fail_type(&mut self, name: &str, rtype: RecordType, err: DnsError) -> &mut Self {
        self.failures.insert((normalize_name(name), Some(rtype)), err);
        self
    }

    /// Marks answers as DNSSEC-validated (AD bit), for tests of secure zones.
    pub fn set_authenticated(&mut self, authenticated: bool) -> &mut Self {
        self.authenticated = authenticated;
        self
    }

    /// Whether the zone holds any data or failure for exactly this name.
    pub fn has_name(&self, name: &str) -> bool {
        let n = normalize_name(name);
        self.records.contains_key(&n) || self.failures.keys().any(|(f, _)| *f == n)
    }

    /// Whether the zone holds data of this type (or a CNAME) at this name.
    pub fn has_rrset(&self, name: &str, rtype: RecordType) -> bool {
        let n = normalize_name(name);
        self.failures.contains_key(&(n.clone(), Some(rtype)))
            || self.failures.contains_key(&(n.clone(), None))
            || self.records.get(&n).is_some_and(|rs| {
                rs.iter().any(|r| {
                    let t = record_type_of(&r.data);
                    t == Some(rtype) || t == Some(RecordType::Cname)
                })
            })
    }

    /// Every name with data, sorted (for listings and tests).
    pub fn names(&self) -> Vec<String> {
        let sorted: BTreeMap<_, _> = self.records.iter().collect();
        sorted.keys().map(|k| k.to_string()).collect()
    }

    fn push(&mut self, record: DnsRecord) {
        let list = self.records.entry(record.name.clone()).or_default();
        if !list.contains(&record) {
            list.push(record);
        }
    }

    /// The records at `name`, or at the wildcard that covers it (RFC 4592 §3.3.1).
    fn node(&self, name: &str) -> Option<Vec<DnsRecord>> {
        if let Some(rs) = self.records.get(name) {
            return Some(rs.clone());
        }
        if self.is_empty_non_terminal(name) {
            return Some(Vec::new());
        }
        // Closest encloser's wildcard: only for names that do not exist.
        let mut labels = name.split('.');
        labels.next();
        let mut parent: Vec<&str> = labels.collect();
        while !parent.is_empty() {
            let p = parent.join(".");
            let wildcard = format!("*.{p}");
            if let Some(rs) = self.records.get(&wildcard) {
                return Some(rs.iter().map(|r| DnsRecord { name: name.to_string(), ..r.clone() }).collect());
            }
            if self.records.contains_key(&p) || self.is_empty_non_terminal(&p) {
                break;
            }
            parent.remove(0);
        }
        None
    }

    fn is_empty_non_terminal(&self, name: &str) -> bool {
        let suffix = format!(".{name}");
        self.records.keys().any(|k| k.ends_with(&suffix))
    }

    fn failure(&self, name: &str, rtype: RecordType) -> Option<DnsError> {
        self.failures
            .get(&(name.to_string(), Some(rtype)))
            .or_else(|| self.failures.get(&(name.to_string(), None)))
            .cloned()
    }

    /// Answers one question synchronously.
    pub fn answer(&self, name: &str, rtype: RecordType) -> Result<DnsAnswer, DnsError> {
        let mut target = normalize_name(name);
        if crate::names::check(&target, crate::names::Syntax::DNS).is_err() {
            return Err(DnsError::InvalidName(name.to_string()));
        }
        let mut cnames = Vec::new();
        for _ in 0..=MAX_CNAME_CHAIN {
            if let Some(err) = self.failure(&target, rtype) {
                return Err(err);
            }
            let Some(node) = self.node(&target) else {
                return Ok(DnsAnswer {
                    rcode: Rcode::NxDomain,
                    records: Vec::new(),
                    cnames,
                    authenticated: self.authenticated,
                });
            };
            let records: Vec<DnsRecord> =
                node.iter().filter(|r| record_type_of(&r.data) == Some(rtype)).cloned().collect();
            if !records.is_empty() || rtype == RecordType::Cname {
                return Ok(DnsAnswer { rcode: Rcode::NoError, records, cnames, authenticated: self.authenticated });
            }
            let cname = node.iter().find_map(|r| match &r.data {
                RecordData::Cname { name } => Some((r.clone(), name.clone())),
                _ => None,
            });
            match cname {
                Some((rec, next)) => {
                    cnames.push(rec);
                    target = next;
                }
                None => {
                    return Ok(DnsAnswer {
                        rcode: Rcode::NoError,
                        records: Vec::new(),
                        cnames,
                        authenticated: self.authenticated,
                    });
                }
            }
        }
        // A CNAME loop or an over-long chain: what a resolver reports as SERVFAIL.
        Ok(DnsAnswer { rcode: Rcode::ServFail, records: Vec::new(), cnames, authenticated: false })
    }
}

impl Resolver for ZoneResolver {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a> {
        let answer = self.answer(name, rtype);
        Box::pin(async move { answer })
    }
}

/// Joins `( ... )` groups onto one line (RFC 1035 §5.1), dropping comments outside
/// quotes. hickory's lexer reads a `;` inside a quoted string within parentheses as a
/// comment, which breaks the common multi-line DKIM record
/// `( "v=DKIM1; k=rsa; " "p=..." )`; doing the grouping here avoids that.
fn join_parenthesized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut depth, mut quoted, mut escaped, mut comment) = (0usize, false, false, false);
    for c in text.chars() {
        if comment {
            if c == '\n' {
                comment = false;
                out.push(if depth > 0 { ' ' } else { '\n' });
            }
            continue;
        }
        if quoted {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                out.push(c);
            }
            ';' => comment = true,
            '(' => {
                depth += 1;
                out.push(' ');
            }
            ')' if depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            '\n' if depth > 0 => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// hickory's parser needs a TTL on the first record; snippets often have none.
fn with_default_ttl(text: &str) -> String {
    if text.lines().any(|l| l.trim_start().to_ascii_uppercase().starts_with("$TTL")) {
        text.to_string()
    } else {
        format!("$TTL 300\n{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    const ZONE: &str = r#"
$ORIGIN example.test.
@       3600 IN SOA ns hostmaster 1 7200 3600 1209600 300
@       IN MX 10 mx
@       IN TXT "v=spf1 " "ip4:192.0.2.1 -all"
mx      IN A 192.0.2.10
alias   IN CNAME mx
*.wild  IN TXT "wild"
a.b.c   IN A 192.0.2.99
"#;

    #[test]
    fn answers_nxdomain_nodata_and_records() {
        let z = ZoneResolver::from_zone_text(ZONE, None).unwrap();
        let txt = block_on(z.query("EXAMPLE.test.", RecordType::Txt)).unwrap();
        assert_eq!(txt.txt(), vec!["v=spf1 ip4:192.0.2.1 -all".to_string()], "strings concatenated (RFC 7208 §3.3)");
        let nodata = block_on(z.query("mx.example.test", RecordType::Txt)).unwrap();
        assert_eq!((nodata.rcode, nodata.records.len()), (Rcode::NoError, 0));
        let nx = block_on(z.query("nope.example.test", RecordType::A)).unwrap();
        assert_eq!(nx.rcode, Rcode::NxDomain);
        let ent = block_on(z.query("b.c.example.test", RecordType::A)).unwrap();
        assert_eq!(ent.rcode, Rcode::NoError, "empty non-terminal is NODATA, not NXDOMAIN");
    }

    #[test]
    fn follows_cnames_and_wildcards() {
        let z = ZoneResolver::from_zone_text(ZONE, None).unwrap();
        let a = block_on(z.query("alias.example.test", RecordType::A)).unwrap();
        assert_eq!(a.ipv4(), vec!["192.0.2.10".parse::<std::net::Ipv4Addr>().unwrap()]);
        assert_eq!(a.cnames.len(), 1);
        let w = block_on(z.query("x.wild.example.test", RecordType::Txt)).unwrap();
        assert_eq!(w.txt(), vec!["wild".to_string()]);
        assert_eq!(w.records[0].name, "x.wild.example.test");
    }

    #[test]
    fn cname_loop_is_servfail_not_a_hang() {
        let mut z = ZoneResolver::new();
        z.add_record("a.test", 60, RecordData::Cname { name: "b.test".into() });
        z.add_record("b.test", 60, RecordData::Cname { name: "a.test".into() });
        let ans = block_on(z.query("a.test", RecordType::Txt)).unwrap();
        assert_eq!(ans.rcode, Rcode::ServFail);
    }

    #[test]
    fn failures_and_bad_input() {
        let mut z = ZoneResolver::new();
        z.fail("slow.test", DnsError::Timeout);
        assert_eq!(block_on(z.query("slow.test", RecordType::Txt)), Err(DnsError::Timeout));
        assert!(ZoneResolver::from_zone_text("example.test. IN A not-an-ip", None).is_err());
        assert!(ZoneResolver::from_zone_text("$INCLUDE /etc/passwd", None).is_err());
        assert!(matches!(block_on(z.query("a..b", RecordType::A)), Err(DnsError::InvalidName(_))));
    }

    #[test]
    fn multi_line_record_with_semicolons_in_quotes() {
        let text = "$ORIGIN example.test.\ns1._domainkey IN TXT ( \"v=DKIM1; k=rsa; \" ; key follows\n    \"p=MIIB\\\"x;y\" )\nmx IN A 192.0.2.1 ; comment\n";
        let z = ZoneResolver::from_zone_text(text, None).unwrap();
        let a = block_on(z.query("s1._domainkey.example.test", RecordType::Txt)).unwrap();
        assert_eq!(a.txt(), vec!["v=DKIM1; k=rsa; p=MIIB\"x;y".to_string()]);
        assert_eq!(block_on(z.query("mx.example.test", RecordType::A)).unwrap().ipv4().len(), 1);
    }

    #[test]
    fn snippet_without_ttl_or_origin() {
        let z = ZoneResolver::from_zone_text("_dmarc.example.com. IN TXT \"v=DMARC1; p=reject\"", None).unwrap();
        let a = block_on(z.query("_dmarc.example.com", RecordType::Txt)).unwrap();
        assert_eq!(a.txt(), vec!["v=DMARC1; p=reject".to_string()]);
    }
}
