//! The RFC 7208 §4 `check_host()` evaluator: sequential, stops at the first match,
//! counts DNS-querying terms and void lookups (§4.6.4).

use super::macros::{self, MacroContext, MacroEnv, MacroString};
use super::record::{self, Mechanism, SpfRecord, is_spf_record, parse_record};
use super::{
    BoxFut, MAX_DNS_TERMS, MAX_NAMES_PER_TERM, MAX_VOID_LOOKUPS, SpfOutcome, SpfProblem, SpfResult, SpfSyntaxError,
};
use crate::dns::{DnsAnswer, DnsError, RecordType, Resolver, normalize_name, reverse_name};
use std::net::IpAddr;

/// Values for the explanation-only macros that the core cannot know by itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpfOptions {
    /// `%{r}`: the receiving host's domain (default `unknown`, RFC 7208 §7.2).
    pub receiver: Option<String>,
    /// `%{t}`: now, in seconds since the epoch (the core reads no clock; default 0).
    pub now: Option<u64>,
}

/// Why evaluation stopped early.
#[derive(Debug)]
enum Abort {
    Perm(SpfProblem, String),
    Temp(String),
}

/// The result of one record's evaluation (pass/fail/softfail/neutral/none).
#[derive(Debug, Default)]
struct Verdict {
    result: Option<SpfResult>,
    explanation: Option<String>,
    matched: Option<String>,
    matched_domain: Option<String>,
    via: Vec<String>,
}

/// What fetching a domain's SPF record gave.
enum Fetched {
    /// One `v=spf1` record (text decoded one byte per char, so non-ASCII stays visible).
    Record { text: String },
    /// No `v=spf1` record; `void` when the answer was NXDOMAIN or had no TXT at all.
    NoRecord { void: bool },
    /// More than one `v=spf1` record (§4.5: permerror).
    Multiple(Vec<String>),
    /// The TXT query timed out or failed (temperror).
    DnsError(String),
}

/// Decodes bytes one per char (latin-1), so a non-ASCII byte is kept as a non-ASCII char.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Fetches and selects the SPF record of `domain` (RFC 7208 §4.4, §4.5).
async fn fetch_record(resolver: &dyn Resolver, domain: &str) -> Fetched {
    match resolver.query(domain, RecordType::Txt).await {
        Err(e) => Fetched::DnsError(format!("the TXT lookup for {domain} failed: {e}")),
        Ok(ans) if ans.is_failure() => Fetched::DnsError(format!("the TXT lookup for {domain} answered {}", ans.rcode)),
        Ok(ans) => {
            let txts = ans.txt_bytes();
            let spf: Vec<String> = txts.iter().filter(|t| is_spf_record(t)).map(|t| latin1(t)).collect();
            match spf.len() {
                0 => Fetched::NoRecord { void: txts.is_empty() },
                1 => Fetched::Record { text: spf.first().cloned().unwrap_or_default() },
                _ => Fetched::Multiple(spf),
            }
        }
    }
}

/// RFC 7208 §4.3: the initial domain must be a multi-label name with labels of 1-63
/// octets, at most 253 in all, and a valid top label (so no literal or bare address).
pub(crate) fn valid_domain(domain: &str) -> bool {
    !domain.starts_with('[') && crate::names::check(domain, crate::names::Syntax::SPF_DOMAIN).is_ok()
}

struct Ctx<'a> {
    resolver: &'a dyn Resolver,
    ip: IpAddr,
    local: String,
    sender_domain: String,
    helo: String,
    opts: SpfOptions,
}

#[derive(Default)]
struct State {
    lookups: u32,
    void: u32,
    /// `%{p}` values, resolved once per current domain (the preference depends on it).
    ptr: std::collections::HashMap<String, String>,
}

impl State {
    fn count_lookup(&mut self, term: &str) -> Result<(), Abort> {
        self.lookups += 1;
        if self.lookups > MAX_DNS_TERMS {
            return Err(Abort::Perm(
                SpfProblem::TooManyLookups,
                format!(
                    "'{term}' is DNS-querying term number {}: the limit is {MAX_DNS_TERMS} (RFC 7208 §4.6.4)",
                    self.lookups
                ),
            ));
        }
        Ok(())
    }
    fn count_void(&mut self, what: &str) -> Result<(), Abort> {
        self.void += 1;
        if self.void > MAX_VOID_LOOKUPS {
            return Err(Abort::Perm(
                SpfProblem::TooManyVoidLookups,
                format!(
                    "{what} returned no records: that is void lookup number {}, the limit is {MAX_VOID_LOOKUPS} (RFC 7208 §4.6.4)",
                    self.void
                ),
            ));
        }
        Ok(())
    }
}

/// The client address as SPF sees it: IPv4-mapped IPv6 is IPv4 (RFC 7208 §5).
pub(crate) fn effective_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// Runs `check_host(ip, domain, sender)` and packages the outcome.
pub(super) async fn run(
    resolver: &dyn Resolver,
    ip: IpAddr,
    domain: &str,
    sender: &str,
    helo: &str,
    opts: &SpfOptions,
) -> SpfOutcome {
    let (local, sender_domain) = match sender.rsplit_once('@') {
        Some((l, d)) => (l, d),
        None => ("", sender),
    };
    let ctx = Ctx {
        resolver,
        ip: effective_ip(ip),
        local: if local.is_empty() { "postmaster".to_string() } else { local.to_string() },
        sender_domain: sender_domain.to_string(),
        helo: helo.to_string(),
        opts: opts.clone(),
    };
    let domain_clean = domain.strip_suffix('.').unwrap_or(domain).to_string();
    let mut outcome = SpfOutcome::none(domain_clean.clone(), "mailfrom");
    if !valid_domain(&domain_clean) {
        // RFC 7208 §4.3: a malformed initial domain is "none".
        return outcome;
    }
    let mut st = State::default();
    let mut top_record = None;
    let res = check(&ctx, &mut st, domain_clean, true, 0, &mut top_record).await;
    outcome.record = top_record;
    outcome.lookups = st.lookups;
    outcome.void_lookups = st.void;
    match res {
        Ok(v) => {
            outcome.result = v.result.unwrap_or(SpfResult::None);
            outcome.explanation = v.explanation;
            outcome.matched = v.matched;
            outcome.matched_domain = v.matched_domain;
            outcome.via = v.via;
        }
        Err(Abort::Perm(kind, why)) => {
            outcome.result = SpfResult::PermError;
            outcome.problem = Some(why);
            outcome.problem_kind = Some(kind);
        }
        Err(Abort::Temp(why)) => {
            outcome.result = SpfResult::TempError;
            outcome.problem = Some(why);
            outcome.problem_kind = Some(SpfProblem::Dns);
        }
    }
    outcome
}

fn syntax_abort(domain: &str, e: &SpfSyntaxError) -> Abort {
    let kind = if matches!(e, SpfSyntaxError::NonAscii) { SpfProblem::NonAscii } else { SpfProblem::Syntax };
    Abort::Perm(kind, format!("the SPF record of {domain} is invalid: {e}"))
}

/// `check_host()` for one domain (§4). `want_exp`: this record's `exp=` may explain a
/// fail (not inside `include:`, §6.2). `top` receives the first record text seen.
fn check<'a>(
    ctx: &'a Ctx<'a>,
    st: &'a mut State,
    domain: String,
    want_exp: bool,
    depth: u32,
    top: &'a mut Option<String>,
) -> BoxFut<'a, Result<Verdict, Abort>> {
    Box::pin(async move {
        let text = match fetch_record(ctx.resolver, &domain).await {
            Fetched::DnsError(why) => return Err(Abort::Temp(why)),
            Fetched::NoRecord { void, .. } => {
                // An include/redirect target without any TXT is a void lookup (§4.6.4),
                // counted as the tree counts it; the caller turns "none" into permerror.
                if depth > 0 && void {
                    st.void += 1;
                }
                return Ok(Verdict::default());
            }
            Fetched::Multiple(all) => {
                if top.is_none() && depth == 0 {
                    *top = all.first().cloned();
                }
                return Err(Abort::Perm(
                    SpfProblem::MultipleRecords,
                    format!(
                        "{domain} publishes {} \"v=spf1\" TXT records; exactly one is allowed (RFC 7208 §4.5)",
                        all.len()
                    ),
                ));
            }
            Fetched::Record { text } => text,
        };
        if depth == 0 {
            *top = Some(text.clone());
        }
        let rec: SpfRecord = parse_record(&text).map_err(|e| syntax_abort(&domain, &e))?;
        let env_domain = domain.clone();
        for d in rec.directives() {
            let m = match_mechanism(ctx, st, &d.mechanism, &d.text, &env_domain, depth).await?;
            if let Some(mut inner) = m {
                let result = d.qualifier.result();
                let mut v = Verdict { result: Some(result), ..Verdict::default() };
                if inner.matched.is_some() {
                    // Matched inside an include: report the innermost mechanism.
                    v.matched = inner.matched.take();
                    v.matched_domain = inner.matched_domain.take();
                    v.via.push(d.text.clone());
                    v.via.append(&mut inner.via);
                } else {
                    v.matched = Some(d.text.clone());
                    v.matched_domain = Some(domain.clone());
                }
                if result == SpfResult::Fail
                    && want_exp
                    && let Some(exp) = rec.exp()
                {
                    v.explanation = explanation(ctx, st, exp, &domain).await;
                }
                return Ok(v);
            }
        }
        if let Some(target) = rec.redirect() {
            let term = format!("redirect={target}");
            st.count_lookup(&term)?;
            let name = expand_domain(ctx, st, target, &domain).await;
            if !valid_domain(&name) {
                return Err(Abort::Perm(
                    SpfProblem::InvalidTarget,
                    format!("'{term}' in {domain} expands to '{name}', not a valid domain (RFC 7208 §6.1)"),
                ));
            }
            let mut sub_top = None;
            let mut sub = check(ctx, st, name.clone(), want_exp, depth + 1, &mut sub_top).await?;
            if sub.result.is_none() {
                return Err(Abort::Perm(
                    SpfProblem::RedirectWithoutRecord,
                    format!("'{term}' in {domain}: {name} has no SPF record (RFC 7208 §6.1)"),
                ));
            }
            sub.via.insert(0, term);
            return Ok(sub);
        }
        // §4.7: no match and no redirect.
        Ok(Verdict { result: Some(SpfResult::Neutral), ..Verdict::default() })
    })
}

fn env(ctx: &Ctx<'_>, st: &State, domain: &str) -> MacroEnv {
    MacroEnv {
        local: ctx.local.clone(),
        sender_domain: ctx.sender_domain.clone(),
        domain: domain.to_string(),
        ip: ctx.ip,
        helo: ctx.helo.clone(),
        ptr: st.ptr.get(domain).cloned().unwrap_or_else(|| "unknown".into()),
        receiver: ctx.opts.receiver.clone().unwrap_or_else(|| "unknown".into()),
        now: ctx.opts.now.unwrap_or(0),
    }
}

/// Expands a domain-spec into a query name (§7.3: trailing dot dropped, left-truncated to 253).
async fn expand_domain(ctx: &Ctx<'_>, st: &mut State, ms: &MacroString, domain: &str) -> String {
    if macros::uses_ptr(ms) && !st.ptr.contains_key(domain) {
        let p = validated_ptr(ctx, domain).await;
        st.ptr.insert(domain.to_string(), p);
    }
    macros::to_query_name(&macros::expand(ms, &env(ctx, st, domain)))
}

/// `%{p}` (RFC 7208 §7.3): a validated reverse name of the client, preferring `domain`
/// itself, then a subdomain of it, then any; `unknown` if none validates.
async fn validated_ptr(ctx: &Ctx<'_>, domain: &str) -> String {
    let names = match ctx.resolver.query(&reverse_name(ctx.ip), RecordType::Ptr).await {
        Ok(a) if !a.is_failure() => a.names(),
        _ => return "unknown".into(),
    };
    let mut validated = Vec::new();
    for name in names.iter().take(MAX_NAMES_PER_TERM) {
        if address_matches(ctx, name).await {
            validated.push(name.trim_end_matches('.').to_string());
        }
    }
    let dl = domain.to_ascii_lowercase();
    let pick = validated
        .iter()
        .find(|n| n.eq_ignore_ascii_case(&dl))
        .or_else(|| validated.iter().find(|n| n.to_ascii_lowercase().ends_with(&format!(".{dl}"))))
        .or_else(|| validated.first());
    pick.cloned().unwrap_or_else(|| "unknown".into())
}

/// Whether `name` has an address record equal to the client (DNS errors: no, §5.5).
async fn address_matches(ctx: &Ctx<'_>, name: &str) -> bool {
    let rtype = if ctx.ip.is_ipv4() { RecordType::A } else { RecordType::Aaaa };
    match ctx.resolver.query(name, rtype).await {
        Ok(a) if !a.is_failure() => addresses(&a).contains(&ctx.ip),
        _ => false,
    }
}

fn addresses(a: &DnsAnswer) -> Vec<IpAddr> {
    a.ipv4().into_iter().map(IpAddr::V4).chain(a.ipv6().into_iter().map(IpAddr::V6)).collect()
}

fn dns_temp(what: &str, e: &DnsError) -> Abort {
    Abort::Temp(format!("{what} failed: {e}"))
}

/// One DNS question of the evaluation: a transport failure or a failure rcode (SERVFAIL,
/// REFUSED, ...) is a temperror (§4.4, §5), described by `what`.
async fn checked_query(
    ctx: &Ctx<'_>,
    name: &str,
    rtype: RecordType,
    what: &str,
) -> Result<crate::dns::DnsAnswer, Abort> {
    let ans = ctx.resolver.query(name, rtype).await.map_err(|e| dns_temp(what, &e))?;
    if ans.is_failure() {
        return Err(Abort::Temp(format!("{what} answered {}", ans.rcode)));
    }
    Ok(ans)
}

/// Address query for `a`/`mx` targets: Ok(addresses) or temperror; counts a void answer.
async fn address_lookup(ctx: &Ctx<'_>, st: &mut State, name: &str, term: &str) -> Result<Vec<IpAddr>, Abort> {
    let rtype = if ctx.ip.is_ipv4() { RecordType::A } else { RecordType::Aaaa };
    let what = format!("the {rtype} lookup for {name} ('{term}')");
    let ans = checked_query(ctx, name, rtype, &what).await?;
    if ans.is_empty_or_nxdomain() {
        st.count_void(&what)?;
    }
    Ok(addresses(&ans))
}

fn cidr_match(ip: IpAddr, addrs: &[IpAddr], cidr4: Option<u8>, cidr6: Option<u8>) -> bool {
    addrs.iter().any(|a| match a {
        IpAddr::V4(_) => record::in_network(ip, *a, cidr4.unwrap_or(32)),
        IpAddr::V6(_) => record::in_network(ip, *a, cidr6.unwrap_or(128)),
    })
}

/// Evaluates one mechanism. `Ok(Some(v))`: matched (`v` carries the innermost match for
/// `include`); `Ok(None)`: no match.
async fn match_mechanism(
    ctx: &Ctx<'_>,
    st: &mut State,
    mech: &Mechanism,
    term: &str,
    domain: &str,
    depth: u32,
) -> Result<Option<Verdict>, Abort> {
    let ip = ctx.ip;
    match mech {
        Mechanism::All => Ok(Some(Verdict::default())),
        Mechanism::Ip4 { network, prefix } => {
            Ok(record::in_network(ip, IpAddr::V4(*network), *prefix).then(Verdict::default))
        }
        Mechanism::Ip6 { network, prefix } => {
            Ok(record::in_network(ip, IpAddr::V6(*network), *prefix).then(Verdict::default))
        }
        Mechanism::A { domain: spec, cidr4, cidr6 } => {
            st.count_lookup(term)?;
            let name = target(ctx, st, spec.as_ref(), domain).await;
            if !macros::is_queryable(&name) {
                return Ok(None);
            }
            let addrs = address_lookup(ctx, st, &name, term).await?;
            Ok(cidr_match(ip, &addrs, *cidr4, *cidr6).then(Verdict::default))
        }
        Mechanism::Mx { domain: spec, cidr4, cidr6 } => {
            st.count_lookup(term)?;
            let name = target(ctx, st, spec.as_ref(), domain).await;
            if !macros::is_queryable(&name) {
                return Ok(None);
            }
            let what = format!("the MX lookup for {name} ('{term}')");
            let ans = checked_query(ctx, &name, RecordType::Mx, &what).await?;
            let mx = ans.mx();
            if mx.is_empty() {
                st.count_void(&what)?;
                return Ok(None);
            }
            if mx.len() > MAX_NAMES_PER_TERM {
                return Err(Abort::Perm(
                    SpfProblem::TooManyMxNames,
                    format!(
                        "'{term}': {name} has {} MX records; at most {MAX_NAMES_PER_TERM} may be looked up (RFC 7208 §4.6.4)",
                        mx.len()
                    ),
                ));
            }
            for (_, exchange) in mx {
                let host = normalize_name(&exchange);
                if host.is_empty() {
                    continue; // RFC 7505 null MX: no host to look up.
                }
                let addrs = address_lookup(ctx, st, &host, term).await?;
                if cidr_match(ip, &addrs, *cidr4, *cidr6) {
                    return Ok(Some(Verdict::default()));
                }
            }
            Ok(None)
        }
        Mechanism::Ptr { domain: spec } => {
            st.count_lookup(term)?;
            let name = target(ctx, st, spec.as_ref(), domain).await;
            let tgt = normalize_name(&name);
            // §5.5: a DNS error on the PTR lookup means "no match".
            let names = match ctx.resolver.query(&reverse_name(ip), RecordType::Ptr).await {
                Ok(a) if !a.is_failure() => a.names(),
                _ => return Ok(None),
            };
            if names.is_empty() {
                st.count_void(&format!("the PTR lookup for {ip} ('{term}')"))?;
                return Ok(None);
            }
            for n in names.iter().take(MAX_NAMES_PER_TERM) {
                let n = normalize_name(n);
                if (n == tgt || n.ends_with(&format!(".{tgt}"))) && address_matches(ctx, &n).await {
                    return Ok(Some(Verdict::default()));
                }
            }
            Ok(None)
        }
        Mechanism::Exists { domain: spec } => {
            st.count_lookup(term)?;
            let name = expand_domain(ctx, st, spec, domain).await;
            if !macros::is_queryable(&name) {
                return Ok(None);
            }
            // §5.7: always an A query, whatever the client's address family.
            let what = format!("the A lookup for {name} ('{term}')");
            let ans = checked_query(ctx, &name, RecordType::A, &what).await?;
            if ans.ipv4().is_empty() {
                st.count_void(&what)?;
                return Ok(None);
            }
            Ok(Some(Verdict::default()))
        }
        Mechanism::Include { domain: spec } => {
            st.count_lookup(term)?;
            let name = expand_domain(ctx, st, spec, domain).await;
            if !valid_domain(&name) {
                return Err(Abort::Perm(
                    SpfProblem::InvalidTarget,
                    format!("'{term}' in {domain} expands to '{name}', not a valid domain (RFC 7208 §5.2)"),
                ));
            }
            if depth >= MAX_DNS_TERMS {
                return Err(Abort::Perm(
                    SpfProblem::TooManyLookups,
                    format!("'{term}': includes nested too deep (RFC 7208 §4.6.4)"),
                ));
            }
            let mut top = None;
            let sub = check(ctx, st, name.clone(), false, depth + 1, &mut top).await?;
            // §5.2 table: pass = match; fail/softfail/neutral = no match; none = permerror.
            match sub.result {
                Some(SpfResult::Pass) => Ok(Some(sub)),
                Some(_) => Ok(None),
                None => Err(Abort::Perm(
                    SpfProblem::IncludeWithoutRecord,
                    format!(
                        "'{term}' in {domain}: {name} has no SPF record, so the include is a permerror (RFC 7208 §5.2)"
                    ),
                )),
            }
        }
    }
}

/// The target name of a mechanism: its domain-spec expanded, or the current domain.
async fn target(ctx: &Ctx<'_>, st: &mut State, spec: Option<&MacroString>, domain: &str) -> String {
    match spec {
        Some(ms) => expand_domain(ctx, st, ms, domain).await,
        None => domain.to_string(),
    }
}

/// Computes the `exp=` explanation (RFC 7208 §6.2). Any problem means "no explanation".
async fn explanation(ctx: &Ctx<'_>, st: &mut State, exp: &MacroString, domain: &str) -> Option<String> {
    let name = expand_domain(ctx, st, exp, domain).await;
    if !macros::is_queryable(&name) {
        return None;
    }
    let ans = ctx.resolver.query(&name, RecordType::Txt).await.ok()?;
    if ans.rcode != crate::dns::Rcode::NoError {
        return None;
    }
    let txts = ans.txt_bytes();
    if txts.len() != 1 {
        return None;
    }
    let bytes = txts.first()?;
    if !bytes.is_ascii() {
        return None;
    }
    let text = latin1(bytes);
    let ms = MacroString::parse(&text, MacroContext::Explanation).ok()?;
    if macros::uses_ptr(&ms) && !st.ptr.contains_key(domain) {
        let p = validated_ptr(ctx, domain).await;
        st.ptr.insert(domain.to_string(), p);
    }
    Some(macros::expand(&ms, &env(ctx, st, domain)))
}
