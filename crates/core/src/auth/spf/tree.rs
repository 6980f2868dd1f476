//! The SPF tree of a domain, for the domain check: every include/redirect followed,
//! every DNS-querying term counted per node and in evaluation order (RFC 7208 §4.6.4).
//!
//! Unlike `check_host()` there is no client address, so the walker looks at what it can
//! without one: `a`/`exists` targets are queried for A and AAAA (void = neither exists),
//! `mx` names are counted and their addresses queried, `ptr` is counted but cannot be
//! resolved. Terms whose target holds macros are counted but not resolved. Each level's
//! lookups and includes are resolved concurrently (the walk is fast over a slow resolver);
//! the counting afterwards follows evaluation order (mechanisms left to right, `redirect=`
//! last, and ignored when the record has `all`, §6.1).

use super::eval::{Fetched, fetch_record};
use super::macros::{self, MacroString};
use super::record::{Mechanism, Term, parse_record};
use super::{BoxFut, MAX_DNS_TERMS, MAX_NAMES_PER_TERM, MAX_VOID_LOOKUPS};
use crate::dns::{DnsAnswer, DnsError, RecordType, Resolver, normalize_name};
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Default most nodes (records) one walk fetches; a tree that needs more is far over the
/// §4.6.4 limit anyway and a hostile record must not make the walk unbounded.
pub const DEFAULT_MAX_NODES: usize = 100;

/// One DNS-querying (or ignored) term of a node, with what its lookups found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermLookup {
    /// The term as written.
    pub term: String,
    /// Counts toward the limit of 10 (§4.6.4). False for a `redirect=` ignored because of `all`.
    pub counts: bool,
    /// The term's own lookup found nothing (NXDOMAIN / no records): a void lookup.
    pub void: bool,
    /// `mx`: number of MX names found (more than 10 is a permerror, §4.6.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mx_names: Option<u32>,
    /// `mx`: address (A/AAAA) lookups of the MX names.
    pub address_lookups: u32,
    /// `mx`: MX names without any address (each counts as a void lookup here).
    pub void_address_lookups: u32,
    /// The lookup timed out or failed (evaluation would give temperror).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_error: Option<String>,
    /// Why the term was not resolved (macros that need a message, `ptr` needs a client).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_resolved: Option<String>,
    /// Index in `children` of the include/redirect target node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<usize>,
    /// DNS-querying terms counted so far in evaluation order, this one included.
    pub running_total: u32,
    /// Void lookups counted so far in evaluation order, this term's included.
    pub running_void: u32,
}

/// One domain of the tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfNode {
    /// The domain whose record this is.
    pub domain: String,
    /// The term that led here (`include:x`, `redirect=x`); `None` at the root.
    pub via: Option<String>,
    /// The selected `v=spf1` record, raw text.
    pub record: Option<String>,
    /// Every `v=spf1` record at the name (more than one is a permerror, §4.5).
    pub records_found: Vec<String>,
    /// Why the record does not parse (§4.6, permerror).
    pub parse_error: Option<String>,
    /// The parsed terms.
    pub terms: Vec<Term>,
    /// DNS-querying terms in this record (include, a, mx, ptr, exists, redirect; §4.6.4).
    pub lookups_here: u32,
    /// Void lookups made by this record's terms (§4.6.4).
    pub void_lookups_here: u32,
    /// MX names found by this record's `mx` terms.
    pub mx_names_here: u32,
    /// Address lookups of those MX names.
    pub mx_address_lookups_here: u32,
    /// `ptr` terms here (each would look up to 10 PTR names, §4.6.4; RFC 7208 §5.5 says
    /// "SHOULD NOT be used").
    pub ptr_terms_here: u32,
    /// Per-term detail, in evaluation order (`redirect=` last).
    pub lookups: Vec<TermLookup>,
    /// DNS-querying terms counted in evaluation order up to the end of this node's subtree.
    pub running_total: u32,
    /// The include/redirect targets.
    pub children: Vec<SpfNode>,
    /// This domain is already on the path from the root: an include/redirect loop.
    pub loop_detected: bool,
    /// The TXT lookup timed out / failed: temperror, *not* "no record".
    pub dns_error: Option<String>,
    /// The name does not exist (NXDOMAIN).
    pub nxdomain: bool,
    /// The TXT lookup returned no records at all (NXDOMAIN or NODATA): a void lookup.
    pub no_txt: bool,
    /// Not fetched: the walk's node budget was spent.
    pub skipped: bool,
}

impl SpfNode {
    fn new(domain: &str, via: Option<String>) -> Self {
        SpfNode {
            domain: domain.to_string(),
            via,
            record: None,
            records_found: Vec::new(),
            parse_error: None,
            terms: Vec::new(),
            lookups_here: 0,
            void_lookups_here: 0,
            mx_names_here: 0,
            mx_address_lookups_here: 0,
            ptr_terms_here: 0,
            lookups: Vec::new(),
            running_total: 0,
            children: Vec::new(),
            loop_detected: false,
            dns_error: None,
            nxdomain: false,
            no_txt: false,
            skipped: false,
        }
    }

    /// Every node of the subtree, depth first, this one first.
    pub fn iter(&self) -> Vec<&SpfNode> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.iter());
        }
        out
    }
}

/// A domain's whole SPF tree with totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfTree {
    /// The domain asked about.
    pub root: SpfNode,
    /// DNS-querying terms of the whole tree (§4.6.4 limit: 10).
    pub total_lookups: u32,
    /// Void lookups of the whole tree (§4.6.4 limit: 2).
    pub total_void_lookups: u32,
    /// `total_lookups` > 10: every evaluation reaching the end is a permerror.
    pub over_lookup_limit: bool,
    /// `total_void_lookups` > 2.
    pub over_void_limit: bool,
    /// The term (and its domain) at which evaluation would pass the limit of 10.
    pub lookup_limit_exceeded_at: Option<String>,
    /// Some node was not fetched because the walk hit its node budget.
    pub truncated: bool,
}

/// Walks the SPF tree of `domain` (at most [`DEFAULT_MAX_NODES`] records).
pub async fn walk_tree(resolver: &dyn Resolver, domain: &str) -> SpfTree {
    walk_tree_with_limit(resolver, domain, DEFAULT_MAX_NODES).await
}

/// [`walk_tree`] with an explicit node budget.
pub async fn walk_tree_with_limit(resolver: &dyn Resolver, domain: &str, max_nodes: usize) -> SpfTree {
    let budget = AtomicUsize::new(max_nodes.max(1));
    let domain = normalize_name(domain);
    let mut root = walk_node(resolver, domain, None, Vec::new(), &budget).await;
    let mut total = 0;
    let mut void = 0;
    let mut exceeded = None;
    assign_totals(&mut root, &mut total, &mut void, &mut exceeded);
    let truncated = root.iter().iter().any(|n| n.skipped);
    SpfTree {
        total_lookups: total,
        total_void_lookups: void,
        over_lookup_limit: total > MAX_DNS_TERMS,
        over_void_limit: void > MAX_VOID_LOOKUPS,
        lookup_limit_exceeded_at: exceeded,
        truncated,
        root,
    }
}

fn assign_totals(node: &mut SpfNode, total: &mut u32, void: &mut u32, exceeded: &mut Option<String>) {
    let SpfNode { lookups, children, domain, .. } = node;
    for l in lookups.iter_mut() {
        if l.counts {
            *total += 1;
            if *total == MAX_DNS_TERMS + 1 && exceeded.is_none() {
                *exceeded = Some(format!("'{}' in {}", l.term, domain));
            }
        }
        *void += u32::from(l.void) + l.void_address_lookups;
        l.running_total = *total;
        l.running_void = *void;
        if let Some(child) = l.child.and_then(|i| children.get_mut(i)) {
            assign_totals(child, total, void, exceeded);
        }
    }
    node.running_total = *total;
}

/// What one term's resolution produced.
struct TermOut {
    lookup: TermLookup,
    child: Option<SpfNode>,
}

fn answer_void(a: &DnsAnswer) -> bool {
    a.is_empty_or_nxdomain()
}

fn fmt_err(what: &str, e: &DnsError) -> String {
    format!("{what}: {e}")
}

/// A and AAAA for `name`: (void = neither has records, error).
async fn addresses(resolver: &dyn Resolver, name: &str) -> (bool, Option<String>) {
    let (a, aaaa) = futures::join!(resolver.query(name, RecordType::A), resolver.query(name, RecordType::Aaaa));
    let mut void = true;
    for (r, t) in [(a, "A"), (aaaa, "AAAA")] {
        match r {
            Err(e) => return (false, Some(fmt_err(&format!("{t} {name}"), &e))),
            Ok(ans) if ans.is_failure() => {
                return (false, Some(format!("{t} {name} answered {}", ans.rcode)));
            }
            Ok(ans) => void &= answer_void(&ans),
        }
    }
    (void, None)
}

fn literal_target(ms: Option<&MacroString>, domain: &str) -> Result<String, String> {
    match ms {
        None => Ok(domain.to_string()),
        Some(ms) => match ms.literal() {
            Some(l) => Ok(normalize_name(&macros::to_query_name(&l))),
            None => Err(format!("target '{}' uses macros; it depends on the message", ms.raw)),
        },
    }
}

fn walk_node<'a>(
    resolver: &'a dyn Resolver,
    domain: String,
    via: Option<String>,
    ancestors: Vec<String>,
    budget: &'a AtomicUsize,
) -> BoxFut<'a, SpfNode> {
    Box::pin(async move {
        let mut node = SpfNode::new(&domain, via);
        if ancestors.contains(&domain) {
            node.loop_detected = true;
            return node;
        }
        if budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1)).is_err() {
            node.skipped = true;
            return node;
        }
        let text = match fetch_record(resolver, &domain).await {
            Fetched::DnsError(why) => {
                node.dns_error = Some(why);
                return node;
            }
            Fetched::NoRecord { nxdomain, void } => {
                node.nxdomain = nxdomain;
                node.no_txt = void;
                return node;
            }
            Fetched::Multiple(all) => {
                node.records_found = all;
                return node;
            }
            Fetched::Record { text, all } => {
                node.records_found = all;
                text
            }
        };
        node.record = Some(text.clone());
        let rec = match parse_record(&text) {
            Ok(r) => r,
            Err(e) => {
                node.parse_error = Some(e.to_string());
                return node;
            }
        };
        let has_all = rec.directives().any(|d| matches!(d.mechanism, Mechanism::All));
        let mut path = ancestors.clone();
        path.push(domain.clone());

        // Evaluation order: directives left to right, then redirect (§6.1).
        let mut jobs: Vec<BoxFut<'a, TermOut>> = Vec::new();
        for d in rec.directives() {
            if !d.mechanism.queries_dns() {
                continue;
            }
            let term = d.text.clone();
            let mech = d.mechanism.clone();
            let dom = domain.clone();
            let path = path.clone();
            jobs.push(Box::pin(async move { resolve_term(resolver, &dom, term, &mech, path, budget).await }));
        }
        if let Some(target) = rec.redirect() {
            let term = format!("redirect={target}");
            if has_all {
                jobs.push(Box::pin(std::future::ready(TermOut {
                    lookup: lookup_entry(
                        term,
                        false,
                        Some("ignored: the record has an 'all' mechanism (RFC 7208 §6.1)".into()),
                    ),
                    child: None,
                })));
            } else {
                let target = target.clone();
                let dom = domain.clone();
                let path = path.clone();
                jobs.push(Box::pin(async move { follow(resolver, &dom, term, &target, path, budget).await }));
            }
        }
        for out in join_all(jobs).await {
            let mut lookup = out.lookup;
            if let Some(child) = out.child {
                lookup.child = Some(node.children.len());
                node.children.push(child);
            }
            if lookup.counts {
                node.lookups_here += 1;
            }
            node.void_lookups_here += u32::from(lookup.void) + lookup.void_address_lookups;
            node.mx_names_here += lookup.mx_names.unwrap_or(0);
            node.mx_address_lookups_here += lookup.address_lookups;
            node.lookups.push(lookup);
        }
        node.ptr_terms_here = rec.directives().filter(|d| matches!(d.mechanism, Mechanism::Ptr { .. })).count() as u32;
        node.terms = rec.terms.clone();
        node
    })
}

fn lookup_entry(term: String, counts: bool, not_resolved: Option<String>) -> TermLookup {
    TermLookup {
        term,
        counts,
        void: false,
        mx_names: None,
        address_lookups: 0,
        void_address_lookups: 0,
        dns_error: None,
        not_resolved,
        child: None,
        running_total: 0,
        running_void: 0,
    }
}

/// Follows an include/redirect target into a child node.
async fn follow<'a>(
    resolver: &'a dyn Resolver,
    domain: &str,
    term: String,
    target: &MacroString,
    path: Vec<String>,
    budget: &'a AtomicUsize,
) -> TermOut {
    let mut lookup = lookup_entry(term.clone(), true, None);
    match literal_target(Some(target), domain) {
        Err(why) => {
            lookup.not_resolved = Some(why);
            TermOut { lookup, child: None }
        }
        Ok(name) => {
            let child = walk_node(resolver, name, Some(term), path, budget).await;
            // The target's TXT lookup found nothing at all: a void lookup (§4.6.4).
            lookup.void = child.no_txt;
            TermOut { lookup, child: Some(child) }
        }
    }
}

async fn resolve_term<'a>(
    resolver: &'a dyn Resolver,
    domain: &str,
    term: String,
    mech: &Mechanism,
    path: Vec<String>,
    budget: &'a AtomicUsize,
) -> TermOut {
    let mut lookup = lookup_entry(term.clone(), true, None);
    match mech {
        Mechanism::Include { domain: spec } => {
            return follow(resolver, domain, term, spec, path, budget).await;
        }
        Mechanism::Ptr { .. } => {
            lookup.not_resolved = Some(
                "'ptr' needs the client's address; it is evaluated per message (and SHOULD NOT be used, RFC 7208 §5.5)"
                    .into(),
            );
        }
        Mechanism::A { domain: spec, .. } => match literal_target(spec.as_ref(), domain) {
            Err(why) => lookup.not_resolved = Some(why),
            Ok(name) => {
                let (void, err) = addresses(resolver, &name).await;
                lookup.void = void;
                lookup.dns_error = err;
            }
        },
        Mechanism::Exists { domain: spec } => match literal_target(Some(spec), domain) {
            Err(why) => lookup.not_resolved = Some(why),
            Ok(name) => match resolver.query(&name, RecordType::A).await {
                Err(e) => lookup.dns_error = Some(fmt_err(&format!("A {name}"), &e)),
                Ok(a) if a.is_failure() => lookup.dns_error = Some(format!("A {name} answered {}", a.rcode)),
                Ok(a) => lookup.void = answer_void(&a),
            },
        },
        Mechanism::Mx { domain: spec, .. } => match literal_target(spec.as_ref(), domain) {
            Err(why) => lookup.not_resolved = Some(why),
            Ok(name) => match resolver.query(&name, RecordType::Mx).await {
                Err(e) => lookup.dns_error = Some(fmt_err(&format!("MX {name}"), &e)),
                Ok(a) if a.is_failure() => lookup.dns_error = Some(format!("MX {name} answered {}", a.rcode)),
                Ok(a) => {
                    let mx = a.mx();
                    lookup.void = mx.is_empty();
                    lookup.mx_names = Some(mx.len() as u32);
                    let hosts: Vec<String> = mx
                        .iter()
                        .map(|(_, h)| normalize_name(h))
                        .filter(|h| !h.is_empty())
                        .take(MAX_NAMES_PER_TERM)
                        .collect();
                    let results = join_all(hosts.iter().map(|h| addresses(resolver, h))).await;
                    for (h, (void, err)) in hosts.iter().zip(results) {
                        lookup.address_lookups += 1;
                        if void {
                            lookup.void_address_lookups += 1;
                        }
                        if let Some(e) = err {
                            lookup.dns_error.get_or_insert_with(|| format!("MX target {h}: {e}"));
                        }
                    }
                }
            },
        },
        Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => lookup.counts = false,
    }
    TermOut { lookup, child: None }
}
