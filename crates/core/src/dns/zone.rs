//! Zone-file resolver: answers from RFC 1035 master files (§5), alone (`--offline`)
//! or under an [`Overlay`](super::overlay::Overlay) over live DNS (what-if checks).
//!
//! Semantics: a name with no record at all (and no name below it) is NXDOMAIN; a name
//! that exists without the asked type is NODATA (NOERROR, no records); CNAMEs are
//! followed (bounded); `*.` wildcards answer names that do not exist (RFC 4592 §3.3).
//! `fail(name, err)` makes a name answer with a transport failure, as test suites
//! (openspf `TIMEOUT`, Mail::DKIM `~~Query timed out~~`) need; in a master file the
//! directive `$TIMEOUT <name> [TYPE ...]` does the same (an Inboxlens extension, for what-if
//! files and for running test suites through `--zone`).
//!
//! Owner names follow RFC 1035 §5.1: any octet may appear in a label, written as itself
//! (`foo:bar/baz.example.com.`) or escaped (`\DDD` decimal, `\X` for a literal X, e.g.
//! `two\032words` or `two\ words`). A line that cannot be read is reported with its line
//! number; [`ZoneResolver::add_zone_text_lenient`] keeps every other line and returns the
//! problems as warnings instead.

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
        /// The path as given.
        path: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The origin is not a valid domain name.
    #[error("invalid origin {0}")]
    Origin(String),
    /// One line of the master file is invalid.
    #[error("zone file syntax error at line {line}: {message}")]
    Line {
        /// 1-based line number (the first line of a parenthesized record).
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// An error in one of several files.
    #[error("{path}: {source}")]
    InFile {
        /// The file the error is in.
        path: String,
        /// The error inside that file.
        #[source]
        source: Box<ZoneError>,
    },
}

/// A line that was skipped by a lenient load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneWarning {
    /// The file, when loaded from one.
    pub path: Option<String>,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for ZoneWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{p}: line {}: {} (line skipped)", self.line, self.message),
            None => write!(f, "line {}: {} (line skipped)", self.line, self.message),
        }
    }
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

    /// Loads several zone files; the first bad line fails the load.
    pub fn from_files<P: AsRef<std::path::Path>>(paths: &[P]) -> Result<Self, ZoneError> {
        let mut zone = Self::new();
        for p in paths {
            let path = p.as_ref();
            let text = std::fs::read_to_string(path)
                .map_err(|source| ZoneError::Read { path: path.display().to_string(), source })?;
            zone.add_zone_text(&text, None)
                .map_err(|e| ZoneError::InFile { path: path.display().to_string(), source: Box::new(e) })?;
        }
        Ok(zone)
    }

    /// Loads several zone files keeping every readable line; the bad ones come back as warnings.
    pub fn from_files_lenient<P: AsRef<std::path::Path>>(paths: &[P]) -> Result<(Self, Vec<ZoneWarning>), ZoneError> {
        let mut zone = Self::new();
        let mut warnings = Vec::new();
        for p in paths {
            let path = p.as_ref();
            let text = std::fs::read_to_string(path)
                .map_err(|source| ZoneError::Read { path: path.display().to_string(), source })?;
            let found = zone
                .add_zone_text_lenient(&text, None)
                .map_err(|e| ZoneError::InFile { path: path.display().to_string(), source: Box::new(e) })?;
            warnings.extend(found.into_iter().map(|w| ZoneWarning { path: Some(path.display().to_string()), ..w }));
        }
        Ok((zone, warnings))
    }

    /// Adds the records of a master file; a bad line fails the whole text with its line
    /// number. `$INCLUDE` is refused (no file access from pasted text).
    pub fn add_zone_text(&mut self, text: &str, origin: Option<&str>) -> Result<&mut Self, ZoneError> {
        let warnings = self.load(text, origin, false)?;
        debug_assert!(warnings.is_empty());
        Ok(self)
    }

    /// Adds the records of a master file, skipping the lines that cannot be read; they are
    /// returned as warnings. `$INCLUDE` and a bad origin still fail.
    pub fn add_zone_text_lenient(&mut self, text: &str, origin: Option<&str>) -> Result<Vec<ZoneWarning>, ZoneError> {
        self.load(text, origin, true)
    }

    fn load(&mut self, text: &str, origin: Option<&str>, lenient: bool) -> Result<Vec<ZoneWarning>, ZoneError> {
        if text.lines().any(|l| l.trim_start().to_ascii_uppercase().starts_with("$INCLUDE")) {
            return Err(ZoneError::Syntax("$INCLUDE is not supported".into()));
        }
        let origin = match origin {
            Some(o) => Name::from_str(o).map_err(|_| ZoneError::Origin(o.to_string()))?,
            // Pasted snippets often have neither $ORIGIN nor SOA; default the origin to the
            // root so absolute names work and relative ones are read as absolute.
            None => Name::root(),
        };
        let prepared = prepare(text, origin.clone());
        let mut warnings = Vec::new();
        for (line, message) in &prepared.errors {
            if !lenient {
                return Err(ZoneError::Line { line: *line, message: message.clone() });
            }
            warnings.push(ZoneWarning { path: None, line: *line, message: message.clone() });
        }
        // Fast path: the whole text at once (hickory keeps $TTL / previous-owner state).
        let whole: String = prepared.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n");
        let whole = with_default_ttl(&whole);
        let records = match Parser::new(whole.as_str(), None, Some(origin)).parse() {
            Ok((_, sets)) => sets
                .values()
                .flat_map(|set| set.records_without_rrsigs().filter_map(record_from_hickory).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            Err(_) => {
                // Find the bad lines: each record line on its own, with the origin, TTL and
                // owner it inherits.
                let mut records = Vec::new();
                for l in prepared.lines.iter().filter(|l| l.record) {
                    let one = format!("$ORIGIN {}\n$TTL {}\n{} {}", l.origin, l.ttl, l.owner, l.rest);
                    match Parser::new(one.as_str(), None, Some(l.origin.clone())).parse() {
                        Ok((_, sets)) => {
                            for set in sets.values() {
                                records.extend(set.records_without_rrsigs().filter_map(record_from_hickory));
                            }
                        }
                        Err(e) if lenient => {
                            warnings.push(ZoneWarning { path: None, line: l.line, message: e.to_string() })
                        }
                        Err(e) => return Err(ZoneError::Line { line: l.line, message: e.to_string() }),
                    }
                }
                records
            }
        };
        for r in records {
            let r = prepared.restore(r);
            self.push(r);
        }
        for (name, rtype) in prepared.timeouts {
            let name = normalize_name(&name);
            match rtype {
                Some(t) => self.fail_type(&name, t, DnsError::Timeout),
                None => self.fail(&name, DnsError::Timeout),
            };
        }
        warnings.sort_by_key(|w| w.line);
        Ok(warnings)
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

/// One logical line of a master file, ready for hickory's parser.
#[derive(Debug)]
struct PreparedLine {
    /// 1-based number of its first physical line.
    line: usize,
    /// The text given to the parser (owner possibly replaced by a placeholder).
    text: String,
    /// Whether it is a record (not a directive).
    record: bool,
    /// The origin in force, absolute.
    origin: Name,
    /// The `$TTL` in force.
    ttl: String,
    /// The owner, absolute (inherited by lines that start with a blank).
    owner: String,
    /// The line without its owner.
    rest: String,
}

#[derive(Debug, Default)]
struct Prepared {
    lines: Vec<PreparedLine>,
    errors: Vec<(usize, String)>,
    /// Placeholder label → the owner name (or relative part) it stands for.
    placeholders: HashMap<String, String>,
    timeouts: Vec<(String, Option<RecordType>)>,
}

impl Prepared {
    /// A name whose first label is a placeholder gets its real text back.
    fn unplaceholder(&self, name: &str) -> String {
        let (first, rest) = name.split_once('.').unwrap_or((name, ""));
        match self.placeholders.get(first) {
            Some(real) if rest.is_empty() => normalize_name(real),
            Some(real) => normalize_name(&format!("{real}.{rest}")),
            None => name.to_string(),
        }
    }
}

const PLACEHOLDER: &str = "inboxlens-escaped-owner-";

impl Prepared {
    /// A placeholder for a name token with escapes or unusual octets (relative stays relative).
    fn placeholder_for(&mut self, token: &str) -> Result<String, String> {
        let decoded = decode_name(token)?;
        let label = format!("{PLACEHOLDER}{}", self.placeholders.len());
        let absolute = token.ends_with('.') && !token.ends_with("\\.");
        let placeholder = if absolute { format!("{label}.") } else { label.clone() };
        self.placeholders.insert(label, decoded);
        Ok(placeholder)
    }

    /// `rest` (a record line after its owner) with the target name of an MX / CNAME / PTR /
    /// NS record replaced by a placeholder when it needs one; `None` when nothing changes.
    fn rewrite_rdata_name(&mut self, rest: &str) -> Result<Option<String>, String> {
        let mut tokens = Vec::new();
        let mut r = rest;
        while !r.trim().is_empty() {
            let (t, next) = split_token(r);
            tokens.push(t.to_string());
            r = next;
        }
        let Some(type_at) = tokens.iter().position(|t| {
            !(t.bytes().next().is_some_and(|b| b.is_ascii_digit())
                || matches!(t.to_ascii_uppercase().as_str(), "IN" | "CH" | "HS" | "CS"))
        }) else {
            return Ok(None);
        };
        let rtype = tokens[type_at].to_ascii_uppercase();
        if !matches!(rtype.as_str(), "MX" | "CNAME" | "PTR" | "NS") {
            return Ok(None);
        }
        if tokens.len() <= type_at + 1 {
            return Ok(None);
        }
        let Some(last) = tokens.last_mut() else { return Ok(None) };
        if !needs_escape_handling(last) {
            return Ok(None);
        }
        *last = self.placeholder_for(last)?;
        Ok(Some(tokens.join(" ")))
    }

    /// The record with placeholder names (owner and target) given their real text back.
    fn restore(&self, mut r: DnsRecord) -> DnsRecord {
        r.name = self.unplaceholder(&r.name);
        match &mut r.data {
            RecordData::Mx { exchange, .. } => *exchange = self.unplaceholder(exchange),
            RecordData::Cname { name } | RecordData::Ptr { name } | RecordData::Ns { name } => {
                *name = self.unplaceholder(name)
            }
            _ => {}
        }
        r
    }
}

/// Splits `text` into logical lines and makes each one something hickory reads: owner names
/// with RFC 1035 §5.1 escapes or octets outside letters, digits, `-`, `_` and `*` are replaced
/// by a placeholder label; `$TIMEOUT` directives are taken out.
fn prepare(text: &str, mut origin: Name) -> Prepared {
    let mut out = Prepared::default();
    let mut ttl = "300".to_string();
    let mut owner = origin.to_ascii();
    for (line, text) in logical_lines(text) {
        if text.trim().is_empty() {
            continue;
        }
        let starts_blank = text.starts_with(' ') || text.starts_with('\t');
        let (first, rest) = split_token(&text);
        let upper = first.to_ascii_uppercase();
        if !starts_blank && upper == "$ORIGIN" {
            let (o, _) = split_token(rest);
            match Name::from_str(o) {
                Ok(n) if n.is_fqdn() => origin = n,
                Ok(n) => match n.append_domain(&origin) {
                    Ok(n) => origin = n,
                    Err(e) => out.errors.push((line, e.to_string())),
                },
                Err(e) => out.errors.push((line, format!("bad $ORIGIN: {e}"))),
            }
            out.lines.push(PreparedLine::directive(line, text.clone(), &origin, &ttl, &owner));
            continue;
        }
        if !starts_blank && upper == "$TTL" {
            ttl = split_token(rest).0.to_string();
            out.lines.push(PreparedLine::directive(line, text.clone(), &origin, &ttl, &owner));
            continue;
        }
        if !starts_blank && upper == "$TIMEOUT" {
            let mut parts = rest.split_whitespace();
            let Some(name) = parts.next() else {
                out.errors.push((line, "$TIMEOUT needs a name".into()));
                continue;
            };
            let name = absolute_text(name, &origin);
            let types: Vec<&str> = parts.collect();
            if types.is_empty() {
                out.timeouts.push((name.clone(), None));
            }
            for t in types {
                match RecordType::parse(&t.to_ascii_uppercase()) {
                    Some(t) => out.timeouts.push((name.clone(), Some(t))),
                    None => out.errors.push((line, format!("$TIMEOUT: unknown type {t}"))),
                }
            }
            continue;
        }
        if !starts_blank && first.starts_with('$') {
            out.errors.push((line, format!("unsupported directive {first}")));
            continue;
        }
        let (text, rest) = if starts_blank {
            (text.clone(), text.clone())
        } else if needs_escape_handling(first) {
            match out.placeholder_for(first) {
                Ok(placeholder) => {
                    owner = absolute_text(&placeholder, &origin);
                    (format!("{placeholder} {rest}"), rest.to_string())
                }
                Err(e) => {
                    out.errors.push((line, format!("owner {first:?}: {e}")));
                    continue;
                }
            }
        } else {
            owner = absolute_text(first, &origin);
            (text.clone(), rest.to_string())
        };
        // A name in the RDATA of MX / CNAME / PTR / NS may need the same treatment.
        let (text, rest) = match out.rewrite_rdata_name(&rest) {
            Ok(Some(new_rest)) => {
                let text =
                    if starts_blank { format!(" {new_rest}") } else { format!("{} {new_rest}", split_token(&text).0) };
                (text, new_rest)
            }
            Ok(None) => (text, rest),
            Err(e) => {
                out.errors.push((line, e));
                continue;
            }
        };
        out.lines.push(PreparedLine {
            line,
            text,
            record: true,
            origin: origin.clone(),
            ttl: ttl.clone(),
            owner: owner.clone(),
            rest,
        });
    }
    out
}

impl PreparedLine {
    fn directive(line: usize, text: String, origin: &Name, ttl: &str, owner: &str) -> Self {
        PreparedLine {
            line,
            text,
            record: false,
            origin: origin.clone(),
            ttl: ttl.to_string(),
            owner: owner.to_string(),
            rest: String::new(),
        }
    }
}

/// The first token (up to an unescaped blank) and the rest after the blanks.
fn split_token(text: &str) -> (&str, &str) {
    let t = text.trim_start_matches([' ', '\t']);
    let mut escaped = false;
    for (i, c) in t.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ' ' || c == '\t' {
            return (&t[..i], t[i..].trim_start_matches([' ', '\t']));
        }
    }
    (t, "")
}

/// `name` made absolute against `origin` (`@` is the origin), as text with a trailing dot.
fn absolute_text(name: &str, origin: &Name) -> String {
    let o = origin.to_ascii();
    if name == "@" {
        o
    } else if name.ends_with('.') && !name.ends_with("\\.") {
        name.to_string()
    } else if o == "." {
        format!("{name}.")
    } else {
        format!("{name}.{o}")
    }
}

/// Whether an owner needs our RFC 1035 §5.1 decoding (hickory reads only host-name octets).
fn needs_escape_handling(owner: &str) -> bool {
    owner != "@" && owner.bytes().any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'*' | b'.')))
}

/// Decodes a master-file name (RFC 1035 §5.1: `\DDD` is the octet DDD, `\X` is X) into its
/// text, without the trailing dot. Labels longer than 63 octets or empty labels are errors.
fn decode_name(token: &str) -> Result<String, String> {
    let b = token.as_bytes();
    let mut labels: Vec<Vec<u8>> = vec![Vec::new()];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            let digits = b.get(i + 1..i + 4).filter(|d| d.iter().all(u8::is_ascii_digit));
            if let Some(d) = digits {
                let v = u32::from(d[0] - b'0') * 100 + u32::from(d[1] - b'0') * 10 + u32::from(d[2] - b'0');
                let v = u8::try_from(v).map_err(|_| format!("\\{v} is not an octet (RFC 1035 §5.1)"))?;
                if let Some(l) = labels.last_mut() {
                    l.push(v);
                }
                i += 4;
            } else if let Some(x) = b.get(i + 1) {
                if let Some(l) = labels.last_mut() {
                    l.push(*x);
                }
                i += 2;
            } else {
                return Err("a name may not end with a lone backslash".into());
            }
        } else if c == b'.' {
            if i + 1 == b.len() {
                break;
            }
            labels.push(Vec::new());
            i += 1;
        } else {
            if let Some(l) = labels.last_mut() {
                l.push(c);
            }
            i += 1;
        }
    }
    if labels.iter().any(Vec::is_empty) {
        return Err("empty label".into());
    }
    if labels.iter().any(|l| l.len() > 63) {
        return Err("a label is longer than 63 octets (RFC 1035 §2.3.4)".into());
    }
    let text: Vec<String> = labels.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect();
    let text = text.join(".");
    if text.len() > 253 {
        return Err("the name is longer than 255 octets (RFC 1035 §2.3.4)".into());
    }
    Ok(text)
}

/// The logical lines of a master file with the number of the physical line each starts on:
/// `( ... )` groups joined, comments dropped (see [`join_parenthesized`]).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let joined = join_parenthesized(text);
    // join_parenthesized keeps one '\n' per line ending outside parentheses; count the
    // physical lines each logical line spans to number them.
    let mut out = Vec::new();
    let mut physical = 1;
    let mut starts = vec![1usize];
    let (mut depth, mut quoted, mut escaped, mut comment) = (0usize, false, false, false);
    for c in text.chars() {
        if c == '\n' {
            physical += 1;
        }
        if comment {
            if c == '\n' {
                comment = false;
                if depth == 0 {
                    starts.push(physical);
                }
            }
            continue;
        }
        if quoted {
            if c == '\n' && depth == 0 {
                starts.push(physical);
            }
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => quoted = true,
            ';' => comment = true,
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            '\n' if depth == 0 => starts.push(physical),
            _ => {}
        }
    }
    for (i, l) in joined.split('\n').enumerate() {
        out.push((starts.get(i).copied().unwrap_or(physical), l.to_string()));
    }
    out
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
        if escaped {
            // RFC 1035 §5.1 `\X` outside quotes: X is data, even `;`, `(` or `"`.
            escaped = false;
            out.push(c);
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                out.push(c);
            }
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
    fn any_octet_in_owner_names() {
        let text = "$ORIGIN example.com.\nfoo:bar/baz IN TXT \"v=spf1 -all\"\nabs:x/y.example.com. IN A 192.0.2.1\nmacro%percent\\032\\ space%20url-space IN TXT \"x\"\nesc\\046dot IN A 192.0.2.2\nmx IN MX 10 foo\\058bar\\047baz.example.com.\n";
        let z = ZoneResolver::from_zone_text(text, None).unwrap();
        let a = block_on(z.query("foo:bar/baz.example.com", RecordType::Txt)).unwrap();
        assert_eq!(a.txt(), vec!["v=spf1 -all".to_string()]);
        assert_eq!(block_on(z.query("abs:x/y.example.com", RecordType::A)).unwrap().ipv4().len(), 1);
        let a = block_on(z.query("macro%percent  space%20url-space.example.com", RecordType::Txt)).unwrap();
        assert_eq!(a.txt(), vec!["x".to_string()]);
        let mx = block_on(z.query("mx.example.com", RecordType::Mx)).unwrap();
        assert_eq!(mx.mx(), vec![(10, "foo:bar/baz.example.com".to_string())]);
    }

    #[test]
    fn bad_line_has_its_number_and_lenient_keeps_the_rest() {
        let text = "$ORIGIN example.test.\n; comment\nok1 IN A 192.0.2.1\nbad IN A not-an-ip\nok2 IN TXT ( \"a\"\n  \"b\" )\nbad2 IN MX x\nok3 IN A 192.0.2.3\n";
        let err = ZoneResolver::from_zone_text(text, None).unwrap_err();
        assert!(matches!(err, ZoneError::Line { line: 4, .. }), "{err}");
        let mut z = ZoneResolver::new();
        let w = z.add_zone_text_lenient(text, None).unwrap();
        assert_eq!(w.iter().map(|w| w.line).collect::<Vec<_>>(), vec![4, 7], "{w:?}");
        for n in ["ok1", "ok3"] {
            assert_eq!(block_on(z.query(&format!("{n}.example.test"), RecordType::A)).unwrap().ipv4().len(), 1);
        }
        assert_eq!(block_on(z.query("ok2.example.test", RecordType::Txt)).unwrap().txt(), vec!["ab".to_string()]);
    }

    #[test]
    fn timeout_directive() {
        let z = ZoneResolver::from_zone_text(
            "$ORIGIN t.test.\n$TIMEOUT slow\n$TIMEOUT half TXT\nhalf IN A 192.0.2.1\n",
            None,
        )
        .unwrap();
        assert_eq!(block_on(z.query("slow.t.test", RecordType::A)), Err(DnsError::Timeout));
        assert_eq!(block_on(z.query("half.t.test", RecordType::Txt)), Err(DnsError::Timeout));
        assert!(block_on(z.query("half.t.test", RecordType::A)).is_ok());
    }

    #[test]
    fn snippet_without_ttl_or_origin() {
        let z = ZoneResolver::from_zone_text("_dmarc.example.com. IN TXT \"v=DMARC1; p=reject\"", None).unwrap();
        let a = block_on(z.query("_dmarc.example.com", RecordType::Txt)).unwrap();
        assert_eq!(a.txt(), vec!["v=DMARC1; p=reject".to_string()]);
    }
}
