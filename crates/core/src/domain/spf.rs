//! SPF record of a domain (RFC 7208): discovery, syntax lint, the include tree with
//! DNS lookups and void lookups counted per node and as a running total (RFC 7208
//! §4.6.4), and a flattened record that fits the limits, ready to publish.
//!
//! The tree is walked by `crate::auth::spf::tree` (the one SPF walker, over the check's
//! query context: deadlines, evidence, critical-path depth) and parsed by its per-term
//! grammar; this module renders the walker's raw facts as the report (`spf` in the JSON
//! contract), lints them and builds the fixes. Message-time evaluation (with a client IP)
//! is `crate::auth::spf::check_host`.

use super::query::{Ctx, QueryError};
use super::{LookupStatus, fixes};
use crate::auth::spf::limits::{MAX_DNS_TERMS, MAX_NAMES_PER_TERM, MAX_RECORD_BYTES, MAX_VOID_LOOKUPS};
use crate::auth::spf::record::in_network;
use crate::auth::spf::{
    Mechanism, Modifier, NodeStatus, Qualifier, SpfFetch, Term, TreeNode, TreeTerm, Walker, fetch_spf, parse_term,
    split_terms,
};
use crate::dns::RecordType;
use crate::findings::{Finding, catalog::spf as cat};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

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
    pub status: NodeStatus,
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

// ----------------------------------------------------------------------------- rendering

/// The report's view of one record of the walked tree (`auth::spf::tree`).
fn render(n: &TreeNode) -> SpfNode {
    SpfNode {
        domain: n.domain.clone(),
        record: n.record.clone(),
        status: n.status,
        lookups: n.lookups,
        void_lookups: n.void_lookups,
        total: n.total,
        total_void: n.total_void,
        terms: n.terms.iter().map(render_term).collect(),
        error: n.error.clone(),
    }
}

fn render_term(t: &TreeTerm) -> SpfTerm {
    let (kind, qualifier, addresses) = match &t.parsed {
        Err(_) => ("invalid".to_string(), None, Vec::new()),
        Ok(Term::Modifier(Modifier::Redirect { .. })) => ("redirect".to_string(), None, Vec::new()),
        Ok(Term::Modifier(Modifier::Exp { .. })) => ("exp".to_string(), None, Vec::new()),
        Ok(Term::Modifier(Modifier::Unknown { name, .. })) => (name.to_ascii_lowercase(), None, Vec::new()),
        Ok(Term::Directive(d)) => {
            let addresses = match &d.mechanism {
                Mechanism::Ip4 { network, prefix } => vec![format!("{network}/{prefix}")],
                Mechanism::Ip6 { network, prefix } => vec![format!("{network}/{prefix}")],
                Mechanism::A { cidr4, cidr6, .. } | Mechanism::Mx { cidr4, cidr6, .. } => {
                    with_prefix(&t.addresses, *cidr4, *cidr6)
                }
                _ => Vec::new(),
            };
            (d.mechanism.name().to_string(), Some(d.qualifier.as_char()), addresses)
        }
    };
    let error = match &t.parsed {
        Err(e) => Some(format!("\"{}\": {}", t.text, e.term_reason())),
        Ok(_) => t
            .dns_error
            .clone()
            .or_else(|| {
                t.too_many_mx_names().then(|| {
                    format!(
                        "{} MX hosts: more than {MAX_NAMES_PER_TERM} (RFC 7208 §4.6.4)",
                        t.mx_names.unwrap_or_default()
                    )
                })
            })
            .or_else(|| t.ignored.then(|| "ignored: the record has an all mechanism (RFC 7208 §6.1)".to_string())),
    };
    SpfTerm {
        term: t.text.clone(),
        kind,
        qualifier,
        lookups: t.lookups,
        sub_lookups: t.hosts_looked_up,
        void: t.void,
        running_total: t.running_total,
        addresses,
        node: t.child.as_deref().map(|c| Box::new(render(c))),
        error,
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

/// Checks the SPF record of `domain`.
pub async fn check(ctx: &Ctx<'_>, domain: &str) -> (SpfReport, Vec<Finding>) {
    let mut findings = Vec::new();
    let records = match fetch_spf(ctx, domain, 1).await {
        SpfFetch::Failed(message) => {
            findings.push(
                cat::SPF_TEMPERROR
                    .emit()
                    .detail(format!("TXT {domain}: {message}"))
                    .evidence(format!("{domain} TXT: {message}")),
            );
            return (SpfReport::temperror(Some(message)), findings);
        }
        SpfFetch::None { .. } => {
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
        SpfFetch::Found(r) => r,
    };
    let walker = Walker::new(ctx);
    let mut trees: Vec<TreeNode> =
        futures::future::join_all(records.iter().map(|r| walker.walk_record(domain, r, 2))).await;
    // The tree that needs most lookups is the one shown (several records: permerror anyway).
    let best = trees.iter().enumerate().max_by_key(|(i, t)| (t.total, usize::MAX - i)).map(|(i, _)| i).unwrap_or(0);
    let raw_tree = if trees.is_empty() { None } else { Some(trees.remove(best)) };
    let other_trees: Vec<SpfNode> = trees.iter().map(render).collect();
    let tree = raw_tree.as_ref().map(render);

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
    let (lookups, voids) = raw_tree.as_ref().map(|t| (t.total, t.total_void)).unwrap_or((0, 0));
    let mut flattened = None;
    if let (Some(raw), Some(tree)) = (&raw_tree, &tree) {
        let mut lint = Lint::default();
        lint_node(raw, true, &mut lint);
        if lint.temperror.is_some() && status == LookupStatus::Found {
            status = LookupStatus::Temperror;
        }
        if (lint.permerror || lookups > MAX_DNS_TERMS || voids > MAX_VOID_LOOKUPS) && status == LookupStatus::Found {
            status = LookupStatus::Permerror;
        }
        let root_record = tree.record.clone().unwrap_or_default();
        let corrected = corrected_record(&root_record);
        if let Some(e) = &lint.temperror {
            error = Some(e.clone());
        }
        findings.extend(lint.into_findings(domain, &root_record, &corrected));
        if lookups > MAX_DNS_TERMS {
            let flat = flatten(domain, tree);
            let place = raw
                .first_over_limit()
                .map(|(d, t)| format!("; the 11th lookup is \"{t}\" in the record of {d}"))
                .unwrap_or_default();
            let fix = flat.records.iter().map(|r| r.zone_line.clone()).collect::<Vec<_>>().join("\n");
            findings.push(
                cat::SPF_TOO_MANY_LOOKUPS
                    .emit()
                    .detail(format!(
                        "{lookups} DNS lookups (limit {MAX_DNS_TERMS}){place}. Per record: {}",
                        per_node_summary(tree)
                    ))
                    .fix(format!("Publish this flattened record ({} lookups):\n{fix}", flat.lookups))
                    .evidence(format!("{domain} TXT \"{root_record}\"")),
            );
            flattened = Some(flat);
        }
        if voids > MAX_VOID_LOOKUPS {
            findings.push(
                cat::SPF_TOO_MANY_VOIDS.emit().detail(format!(
                    "{voids} void lookups (limit {MAX_VOID_LOOKUPS}): {}",
                    void_terms(tree).join(", ")
                )),
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

/// Lints one record of the walked tree and its subtree, from the walker's raw facts.
fn lint_node(node: &TreeNode, root: bool, lint: &mut Lint) {
    let at = &node.domain;
    match node.status {
        NodeStatus::Loop => {
            lint.loops.push(format!("{at} includes itself"));
            lint.permerror = true;
        }
        NodeStatus::None => {
            lint.include_none.push(format!("{at} has no SPF record"));
            lint.permerror = true;
        }
        NodeStatus::PermError if node.record.is_none() => {
            lint.include_none.push(node.error.clone().unwrap_or_default());
            lint.permerror = true;
        }
        NodeStatus::TempError if lint.temperror.is_none() => {
            lint.temperror = Some(format!("{at}: {}", node.error.clone().unwrap_or_default()));
        }
        _ => {}
    }
    let mut has_all = false;
    let mut has_redirect = false;
    for t in &node.terms {
        if t.text.contains('%') {
            lint.macros.push(format!("\"{}\" in {at}", t.text));
        }
        match &t.parsed {
            Err(e) => {
                lint.permerror = true;
                let line = format!("\"{}\": {} in {at}", t.text, e.term_reason());
                if e.is_cidr() { lint.cidr.push(line) } else { lint.syntax.push(line) }
            }
            Ok(Term::Modifier(Modifier::Redirect { .. })) => has_redirect = true,
            Ok(Term::Directive(d)) => match &d.mechanism {
                Mechanism::All => {
                    has_all = true;
                    match d.qualifier {
                        Qualifier::Pass => lint.pass_all.push(at.clone()),
                        Qualifier::Neutral if root => lint.neutral_all = true,
                        _ => {}
                    }
                }
                Mechanism::Ptr { .. } => lint.ptr.push(at.clone()),
                Mechanism::Ip4 { prefix, .. } if *prefix < 16 && d.qualifier == Qualifier::Pass => {
                    lint.broad.push(format!("{} in {at} ({} addresses)", t.text, 1u64 << (32 - u32::from(*prefix))));
                }
                Mechanism::Ip6 { prefix, .. } if *prefix < 32 && d.qualifier == Qualifier::Pass => {
                    lint.broad.push(format!("{} in {at}", t.text));
                }
                _ => {}
            },
            Ok(Term::Modifier(_)) => {}
        }
        if t.too_many_mx_names() {
            lint.mx_many.push(format!("\"{}\" in {at}", t.text));
        }
        if let Some(e) = &t.dns_error
            && lint.temperror.is_none()
        {
            lint.temperror = Some(format!("\"{}\" in {at}: {e}", t.text));
        }
        if let Some(child) = t.child.as_deref() {
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
        for raw in split_terms(r) {
            match parse_term(raw) {
                Err(_) | Ok(Term::Modifier(_)) => {}
                Ok(Term::Directive(d)) if d.mechanism == Mechanism::All => {
                    if all.is_none() && matches!(d.qualifier, Qualifier::Fail | Qualifier::SoftFail) {
                        all = Some(format!("{}all", d.qualifier.as_char()));
                    }
                }
                Ok(Term::Directive(_)) => {
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
    for raw in split_terms(record) {
        match parse_term(raw) {
            Err(_) => {}
            Ok(Term::Directive(d)) => match d.mechanism {
                Mechanism::All => {
                    all = Some(match d.qualifier {
                        Qualifier::Fail | Qualifier::SoftFail => format!("{}all", d.qualifier.as_char()),
                        _ => "-all".into(),
                    });
                }
                Mechanism::Ptr { .. } => {}
                Mechanism::Ip4 { prefix, .. } if prefix < 16 => {}
                Mechanism::Ip6 { prefix, .. } if prefix < 32 => {}
                _ => out.push(raw.to_string()),
            },
            Ok(Term::Modifier(Modifier::Redirect { .. })) => redirect = Some(raw.to_string()),
            Ok(Term::Modifier(_)) => out.push(raw.to_string()),
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
    if lookups > MAX_DNS_TERMS {
        notes.push(format!("Still {lookups} lookups: remove some ptr/exists terms or providers."));
    }
    FlattenedSpf { records, lookups, notes }
}

fn lookup_term(t: &str) -> bool {
    matches!(parse_term(t), Ok(Term::Directive(d)) if d.mechanism.queries_dns())
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
                && in_network(*ip, *bip, *blen)
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

fn publish(name: &str, value: &str) -> PublishRecord {
    PublishRecord {
        name: name.trim_end_matches('.').to_string(),
        value: value.to_string(),
        zone_line: fixes::txt_line(name, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lint_reads_terms_with_the_one_grammar() {
        let e = parse_term("ip4:300.1.1.1").expect_err("bad address");
        assert!(!e.is_cidr());
        assert_eq!(e.term_reason(), "300.1.1.1 is not an IPv4 address");
        assert_eq!(parse_term("foo:bar").expect_err("unknown").term_reason(), "unknown mechanism \"foo\"");
        assert!(parse_term("ip4:192.0.2.0/33").expect_err("cidr").is_cidr());
        assert!(parse_term("a/24/64").expect_err("cidr").is_cidr());
        assert!(matches!(
            parse_term("a/24//64"),
            Ok(Term::Directive(d)) if d.mechanism == Mechanism::A { domain: None, cidr4: Some(24), cidr6: Some(64) }
        ));
        assert!(matches!(parse_term("-all"), Ok(Term::Directive(d)) if d.qualifier == Qualifier::Fail));
        assert!(matches!(parse_term("redirect=_spf.example.com"), Ok(Term::Modifier(Modifier::Redirect { .. }))));
        assert!(matches!(parse_term("exists:%{i}.ex.example.com"), Ok(Term::Directive(_))));
        assert!(parse_term("exists:%{q}.x.com").is_err());
        assert!(parse_term("include:192.0.2.1").is_err());
        // A broken record is still read term by term.
        let terms: Vec<bool> =
            split_terms("v=spf1 ip4:300.1.1.1 a foo:bar -all").map(|t| parse_term(t).is_ok()).collect();
        assert_eq!(terms, vec![false, true, false, true]);
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
