//! The SPF include tree of a domain: the one walker behind the domain check.
//!
//! Unlike `check_host()` there is no client address, so the walker looks at what it can
//! without one: every term of every record is parsed on its own (a broken term does not
//! hide the others), `a`/`exists` targets are queried, `mx` names and their addresses are
//! looked up, `include:`/`redirect=` targets are walked, and `ptr` and macro targets are
//! counted but not resolved. All terms of one record are resolved concurrently and each
//! include's record is fetched as soon as its parent is known; the counting afterwards
//! follows evaluation order (terms left to right, each include's subtree in place).
//!
//! The walker asks DNS through the small [`SpfDns`] trait, so the domain check's query
//! context (deadlines, evidence, critical-path depth) and a plain
//! [`Resolver`](crate::dns::Resolver) ([`ResolverDns`]) drive the same code. It stores raw
//! per-term facts ([`TreeTerm`]); reports and findings are computed from them.
//!
//! Counting rules (RFC 7208 §4.6.4), the same for every caller:
//! - a term that queries DNS (`include`, `a`, `mx`, `ptr`, `exists`, `redirect=`) counts 1
//!   toward [`MAX_DNS_TERMS`]; a `redirect=` ignored because the record has `all` (§6.1)
//!   counts 0;
//! - a term is void when its own lookup got no answer records (NOERROR with none, or
//!   NXDOMAIN): `a` (neither A nor AAAA), `exists` (no A), `mx` (no MX), and an
//!   `include:`/`redirect=` whose target's TXT query returned nothing at all. The limit is
//!   on void *terms* (§4.6.4: "limit the number of 'terms' for which DNS queries return
//!   ..."), so MX hosts without addresses are recorded ([`TreeTerm::mx_hosts_without_address`])
//!   but do not make the `mx` term void; `check_host()`, which queries one address family
//!   for a given client, counts each empty host answer as it meets it.
//! - the walk is bounded by [`MAX_TREE_NODES`] records and [`MAX_TREE_DEPTH`] nested
//!   includes; a target beyond is reported as not evaluated.

use super::BoxFut;
use super::limits::{MAX_DNS_TERMS, MAX_NAMES_PER_TERM, MAX_TREE_DEPTH, MAX_TREE_NODES};
use super::macros::MacroString;
use super::record::{Mechanism, Modifier, SpfSyntaxError, Term, is_spf_record, parse_term, split_terms};
use crate::dns::{DnsAnswer, MaybeSendSync, RecordType, Resolver};
use futures::future::join_all;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The DNS questions the walker asks, with the chain depth of each (1 = asked right
/// away, n = asked after an answer of depth n-1), so a caller can bound, record and time
/// them (the domain check's `Ctx` does).
pub trait SpfDns: MaybeSendSync {
    /// Asks one question. `Ok`: NOERROR (possibly without records) or NXDOMAIN. `Err`:
    /// why there is no usable answer (timeout, SERVFAIL, transport), in plain words — a
    /// temporary error, never "no record".
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType, depth: u32) -> BoxFut<'a, Result<DnsAnswer, String>>;
}

/// A plain [`Resolver`] as an [`SpfDns`]: no deadline beyond the resolver's own, no
/// evidence; failure rcodes (SERVFAIL, REFUSED, ...) become errors.
pub struct ResolverDns<'a>(pub &'a dyn Resolver);

impl SpfDns for ResolverDns<'_> {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType, _depth: u32) -> BoxFut<'a, Result<DnsAnswer, String>> {
        Box::pin(async move {
            match self.0.query(name, rtype).await {
                Err(e) => Err(e.to_string()),
                Ok(a) if a.is_failure() => Err(format!("the resolver answered {}", a.rcode)),
                Ok(a) => Ok(a),
            }
        })
    }
}

/// What looking up a name's SPF record found (RFC 7208 §4.4, §4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpfFetch {
    /// The `v=spf1` records at the name (more than one is a permerror, §4.5).
    Found(Vec<String>),
    /// No `v=spf1` record; `void` when the TXT answer had no records at all (§4.6.4).
    None {
        /// NXDOMAIN or NOERROR without any TXT record.
        void: bool,
    },
    /// The TXT query failed (temperror, §4.4).
    Failed(String),
}

/// Looks up the TXT records at `name` and selects the SPF ones: `v=spf1` followed by a
/// space or the end (RFC 7208 §4.5), at chain depth `depth`.
pub async fn fetch_spf(dns: &dyn SpfDns, name: &str, depth: u32) -> SpfFetch {
    match dns.query(name, RecordType::Txt, depth).await {
        Err(e) => SpfFetch::Failed(e),
        Ok(a) => {
            let txts = a.txt();
            let found: Vec<String> = txts.iter().filter(|t| is_spf_record(t.as_bytes())).cloned().collect();
            if found.is_empty() { SpfFetch::None { void: txts.is_empty() } } else { SpfFetch::Found(found) }
        }
    }
}

/// What became of one record of the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeStatus {
    /// The record was read and every term parses.
    #[serde(rename = "ok")]
    Ok,
    /// The name has no SPF record (an include/redirect target: permerror, §5.2, §6.1).
    #[serde(rename = "none")]
    None,
    /// The TXT lookup failed (temperror, never "no record").
    #[serde(rename = "temperror")]
    TempError,
    /// Several records, or a term that does not parse (§4.5, §4.6).
    #[serde(rename = "permerror")]
    PermError,
    /// The name is already on the path from the root: an include/redirect loop.
    #[serde(rename = "loop")]
    Loop,
    /// Not fetched: the walk's node or depth bound was reached.
    #[serde(rename = "not_evaluated")]
    NotEvaluated,
}

impl NodeStatus {
    /// The word used in reports (`ok`, `none`, `temperror`, `permerror`, `loop`, `not_evaluated`).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::Ok => "ok",
            NodeStatus::None => "none",
            NodeStatus::TempError => "temperror",
            NodeStatus::PermError => "permerror",
            NodeStatus::Loop => "loop",
            NodeStatus::NotEvaluated => "not_evaluated",
        }
    }
}

/// One record (one domain) of the tree, with the raw facts of each term.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// The domain whose record this is, as named by the term that led here.
    pub domain: String,
    /// The record text, when one record was found.
    pub record: Option<String>,
    /// What became of the record.
    pub status: NodeStatus,
    /// Why the status is not `ok` (for a record without terms).
    pub error: Option<String>,
    /// The TXT lookup of this name returned no records at all (a void lookup, §4.6.4).
    pub no_txt: bool,
    /// Every term, in record order.
    pub terms: Vec<TreeTerm>,
    /// DNS-querying terms of this record itself.
    pub lookups: u32,
    /// Void terms of this record itself.
    pub void_lookups: u32,
    /// DNS-querying terms counted in evaluation order when evaluation leaves this record.
    pub total: u32,
    /// Void terms counted in evaluation order when evaluation leaves this record.
    pub total_void: u32,
}

/// One term of a record and what resolving it found.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeTerm {
    /// The term as written.
    pub text: String,
    /// The term parsed by the RFC 7208 §12 grammar, or why it does not parse.
    pub parsed: Result<Term, SpfSyntaxError>,
    /// Counted toward the limit of 10: 0 or 1.
    pub lookups: u32,
    /// The term's own lookup returned no records (see the module's counting rules).
    pub void: bool,
    /// `mx`: the number of MX names found (more than 10 is a permerror, §4.6.4).
    pub mx_names: Option<u32>,
    /// `mx`: the MX names whose addresses were looked up (at most 10).
    pub hosts_looked_up: u32,
    /// `mx`: the MX names looked up that have neither an A nor an AAAA record.
    pub mx_hosts_without_address: u32,
    /// Addresses the target resolved to (`a`, `mx`).
    pub addresses: Vec<IpAddr>,
    /// A `redirect=` ignored because the record has an `all` mechanism (§6.1).
    pub ignored: bool,
    /// The target holds macros: it depends on the message and was not resolved (§7).
    pub uses_macros: bool,
    /// A lookup of this term failed (temperror).
    pub dns_error: Option<String>,
    /// The include/redirect target's record.
    pub child: Option<Box<TreeNode>>,
    /// DNS-querying terms counted in evaluation order, this term and its subtree included.
    pub running_total: u32,
    /// Void terms counted in evaluation order, this term and its subtree included.
    pub running_void: u32,
}

impl TreeTerm {
    fn new(text: String, parsed: Result<Term, SpfSyntaxError>) -> Self {
        TreeTerm {
            text,
            parsed,
            lookups: 0,
            void: false,
            mx_names: None,
            hosts_looked_up: 0,
            mx_hosts_without_address: 0,
            addresses: Vec::new(),
            ignored: false,
            uses_macros: false,
            dns_error: None,
            child: None,
            running_total: 0,
            running_void: 0,
        }
    }

    /// An `mx` term found more than [`MAX_NAMES_PER_TERM`] MX names (permerror, §4.6.4).
    pub fn too_many_mx_names(&self) -> bool {
        self.mx_names.is_some_and(|n| n as usize > MAX_NAMES_PER_TERM)
    }
}

impl TreeNode {
    fn empty(domain: &str, status: NodeStatus, error: Option<String>) -> Self {
        TreeNode {
            domain: domain.to_string(),
            record: None,
            status,
            error,
            no_txt: false,
            terms: Vec::new(),
            lookups: 0,
            void_lookups: 0,
            total: 0,
            total_void: 0,
        }
    }

    /// Fills the running counts in evaluation order, starting from zero at this node;
    /// returns (DNS-querying terms, void terms) of the whole subtree.
    pub fn number(&mut self) -> (u32, u32) {
        self.number_from(0, 0)
    }

    fn number_from(&mut self, mut total: u32, mut voids: u32) -> (u32, u32) {
        for t in &mut self.terms {
            total += t.lookups;
            voids += u32::from(t.void);
            if let Some(child) = t.child.as_deref_mut() {
                (total, voids) = child.number_from(total, voids);
            }
            t.running_total = total;
            t.running_void = voids;
        }
        self.total = total;
        self.total_void = voids;
        (total, voids)
    }

    /// Where evaluation passes the limit of 10 DNS-querying terms: (domain, term), in
    /// evaluation order. Needs [`TreeNode::number`] first.
    pub fn first_over_limit(&self) -> Option<(String, String)> {
        let mut before = self.total.saturating_sub(self.subtree_lookups());
        for t in &self.terms {
            if t.lookups > 0 {
                before += t.lookups;
                if before > MAX_DNS_TERMS {
                    return Some((self.domain.clone(), t.text.clone()));
                }
            }
            if let Some(child) = t.child.as_deref() {
                if child.total > MAX_DNS_TERMS {
                    return child.first_over_limit();
                }
                before = child.total;
            }
        }
        None
    }

    fn subtree_lookups(&self) -> u32 {
        self.terms.iter().map(|t| t.lookups + t.child.as_deref().map(TreeNode::subtree_lookups).unwrap_or(0)).sum()
    }
}

/// The walk of one domain check: the DNS seam and the node budget shared by every tree
/// it walks (several records at one name share one budget).
pub struct Walker<'d> {
    dns: &'d dyn SpfDns,
    nodes: AtomicUsize,
}

fn key(domain: &str) -> String {
    domain.to_ascii_lowercase().trim_end_matches('.').to_string()
}

impl<'d> Walker<'d> {
    /// A walker asking `dns`, with a fresh budget of [`MAX_TREE_NODES`] records.
    pub fn new(dns: &'d dyn SpfDns) -> Self {
        Walker { dns, nodes: AtomicUsize::new(0) }
    }

    /// Walks the tree of one record already fetched at `domain` (its TXT question asked at
    /// depth `depth - 1`), and numbers it.
    pub async fn walk_record(&self, domain: &str, record: &str, depth: u32) -> TreeNode {
        let mut node = self.record_node(domain.to_string(), record.to_string(), vec![key(domain)], depth, 0).await;
        node.number();
        node
    }

    /// Fetches the SPF record of `domain` at depth `depth` and walks its tree, numbered.
    pub async fn walk_domain(&self, domain: &str, depth: u32) -> TreeNode {
        let mut node = self.target(domain.to_string(), Vec::new(), depth, 0).await;
        node.number();
        node
    }

    /// Fetches an include/redirect target's record and walks it.
    fn target<'w>(&'w self, domain: String, ancestors: Vec<String>, depth: u32, level: usize) -> BoxFut<'w, TreeNode> {
        Box::pin(async move {
            let k = key(&domain);
            if ancestors.contains(&k) {
                let why = format!("{domain} is already being evaluated: include loop");
                return TreeNode::empty(&domain, NodeStatus::Loop, Some(why));
            }
            if level > MAX_TREE_DEPTH || self.nodes.fetch_add(1, Ordering::Relaxed) >= MAX_TREE_NODES {
                let why = "include tree too deep or too large".to_string();
                return TreeNode::empty(&domain, NodeStatus::NotEvaluated, Some(why));
            }
            match fetch_spf(self.dns, &domain, depth).await {
                SpfFetch::Failed(e) => TreeNode::empty(&domain, NodeStatus::TempError, Some(e)),
                SpfFetch::None { void } => {
                    let why = format!("{domain} has no SPF record");
                    TreeNode { no_txt: void, ..TreeNode::empty(&domain, NodeStatus::None, Some(why)) }
                }
                SpfFetch::Found(recs) if recs.len() > 1 => {
                    let why = format!("{domain} has {} SPF records", recs.len());
                    TreeNode::empty(&domain, NodeStatus::PermError, Some(why))
                }
                SpfFetch::Found(mut recs) => {
                    let rec = recs.pop().unwrap_or_default();
                    let mut anc = ancestors;
                    anc.push(k);
                    self.record_node(domain, rec, anc, depth + 1, level).await
                }
            }
        })
    }

    /// Resolves all terms of one record concurrently.
    fn record_node<'w>(
        &'w self,
        domain: String,
        record: String,
        ancestors: Vec<String>,
        depth: u32,
        level: usize,
    ) -> BoxFut<'w, TreeNode> {
        Box::pin(async move {
            let parsed: Vec<(String, Result<Term, SpfSyntaxError>)> =
                split_terms(&record).map(|t| (t.to_string(), parse_term(t))).collect();
            let has_all = parsed
                .iter()
                .any(|(_, p)| matches!(p, Ok(Term::Directive(d)) if matches!(d.mechanism, Mechanism::All)));
            let futs = parsed.into_iter().map(|(text, p)| {
                let (domain, ancestors) = (&domain, ancestors.clone());
                async move { self.term(domain, TreeTerm::new(text, p), ancestors, depth, level, has_all).await }
            });
            let terms: Vec<TreeTerm> = join_all(futs).await;
            let status = if terms.iter().any(|t| t.parsed.is_err()) { NodeStatus::PermError } else { NodeStatus::Ok };
            TreeNode {
                lookups: terms.iter().map(|t| t.lookups).sum(),
                void_lookups: terms.iter().filter(|t| t.void).count() as u32,
                record: Some(record),
                status,
                terms,
                ..TreeNode::empty(&domain, status, None)
            }
        })
    }

    /// Follows an include/redirect into its target's record.
    async fn follow(
        &self,
        mut t: TreeTerm,
        spec: &MacroString,
        ancestors: Vec<String>,
        depth: u32,
        level: usize,
    ) -> TreeTerm {
        t.lookups = 1;
        if spec.raw.contains('%') {
            t.uses_macros = true;
            return t;
        }
        let node = self.target(spec.raw.clone(), ancestors, depth, level + 1).await;
        t.void = node.no_txt;
        t.child = Some(Box::new(node));
        t
    }

    async fn term(
        &self,
        domain: &str,
        mut t: TreeTerm,
        ancestors: Vec<String>,
        depth: u32,
        level: usize,
        has_all: bool,
    ) -> TreeTerm {
        let term = match &t.parsed {
            Ok(term) => term.clone(),
            Err(_) => return t,
        };
        let directive = match term {
            Term::Modifier(Modifier::Redirect { domain: spec }) => {
                if has_all {
                    t.ignored = true;
                    return t;
                }
                return self.follow(t, &spec, ancestors, depth, level).await;
            }
            Term::Modifier(_) => return t,
            Term::Directive(d) => d,
        };
        match directive.mechanism {
            Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => {}
            Mechanism::Include { domain: spec } => return self.follow(t, &spec, ancestors, depth, level).await,
            Mechanism::Ptr { .. } => t.lookups = 1,
            Mechanism::Exists { domain: spec } => {
                t.lookups = 1;
                if spec.raw.contains('%') {
                    t.uses_macros = true;
                    return t;
                }
                match self.dns.query(&spec.raw, RecordType::A, depth).await {
                    Ok(a) => t.void = a.ipv4().is_empty(),
                    Err(e) => t.dns_error = Some(e),
                }
            }
            Mechanism::A { domain: spec, .. } => {
                t.lookups = 1;
                let target = spec.map(|s| s.raw).unwrap_or_else(|| domain.to_string());
                if target.contains('%') {
                    t.uses_macros = true;
                    return t;
                }
                match addresses(self.dns, &target, depth).await {
                    Ok(addrs) => {
                        t.void = addrs.is_empty();
                        t.addresses = addrs;
                    }
                    Err(e) => t.dns_error = Some(e),
                }
            }
            Mechanism::Mx { domain: spec, .. } => {
                t.lookups = 1;
                let target = spec.map(|s| s.raw).unwrap_or_else(|| domain.to_string());
                if target.contains('%') {
                    t.uses_macros = true;
                    return t;
                }
                match self.dns.query(&target, RecordType::Mx, depth).await {
                    Err(e) => t.dns_error = Some(e),
                    Ok(a) => {
                        let mx = a.mx();
                        t.void = mx.is_empty();
                        let hosts: Vec<String> =
                            mx.into_iter().map(|(_, h)| h).filter(|h| !h.is_empty() && h != ".").collect();
                        t.mx_names = Some(hosts.len() as u32);
                        let looked_up: Vec<&String> = hosts.iter().take(MAX_NAMES_PER_TERM).collect();
                        t.hosts_looked_up = looked_up.len() as u32;
                        let results = join_all(looked_up.iter().map(|h| addresses(self.dns, h, depth + 1))).await;
                        for r in results {
                            match r {
                                Ok(v) => {
                                    t.mx_hosts_without_address += u32::from(v.is_empty());
                                    t.addresses.extend(v);
                                }
                                Err(e) => t.dns_error = Some(e),
                            }
                        }
                    }
                }
            }
        }
        t
    }
}

/// A and AAAA of a name, concurrently, at chain depth `depth`. A failure of either is a failure.
pub async fn addresses(dns: &dyn SpfDns, name: &str, depth: u32) -> Result<Vec<IpAddr>, String> {
    let (a, aaaa) = futures::join!(dns.query(name, RecordType::A, depth), dns.query(name, RecordType::Aaaa, depth));
    let mut out: Vec<IpAddr> = a?.ipv4().into_iter().map(IpAddr::V4).collect();
    out.extend(aaaa?.ipv6().into_iter().map(IpAddr::V6));
    Ok(out)
}

/// Walks the SPF tree of `domain` over a plain resolver: the record fetched, every
/// include/redirect followed, counted in evaluation order.
pub async fn walk_tree(resolver: &dyn Resolver, domain: &str) -> TreeNode {
    let dns = ResolverDns(resolver);
    Walker::new(&dns).walk_domain(&crate::dns::normalize_name(domain), 1).await
}
