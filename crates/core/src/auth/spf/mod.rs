//! SPF (RFC 7208): our own strict evaluator.
//!
//! `mail-auth`'s SPF accepts records RFC 7208 requires to be permerrors and lacks the
//! void-lookup limit (see `notes/mail-auth.md`), so the core evaluates SPF itself:
//! [`check_host`] is the §4 `check_host()` function (with the §2.4 HELO fallback),
//! [`tree`] is the one walker of a domain's whole include/redirect tree (the domain check
//! renders it), [`parse_record`] / [`parse_term`] are the §12 grammar (whole record / one
//! term), and [`limits`] holds every processing limit. All DNS goes through the
//! [`Resolver`](crate::dns::Resolver) seam; a DNS failure is always `temperror`, never
//! "no record".

mod eval;
pub mod macros;
pub mod record;
pub mod tree;

pub use eval::SpfOptions;
pub use limits::{MAX_DNS_TERMS, MAX_NAMES_PER_TERM, MAX_VOID_LOOKUPS};
pub use record::{
    Directive, Mechanism, Modifier, Qualifier, SpfRecord, SpfSyntaxError, Term, parse_record, parse_term, split_terms,
};
pub use tree::{NodeStatus, ResolverDns, SpfDns, SpfFetch, TreeNode, TreeTerm, Walker, fetch_spf, walk_tree};

use crate::dns::Resolver;
use crate::findings::{Finding, catalog::spf as cat};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// Every SPF processing limit, in one place: the evaluator, the tree walker, the domain
/// report and the pages use these.
pub mod limits {
    /// Most DNS-querying terms one evaluation may use (RFC 7208 §4.6.4).
    pub const MAX_DNS_TERMS: u32 = 10;
    /// Most void lookups one evaluation may see (RFC 7208 §4.6.4, "SHOULD limit ... to two").
    pub const MAX_VOID_LOOKUPS: u32 = 2;
    /// Most MX names (and PTR names) one `mx` (`ptr`) term may look at (RFC 7208 §4.6.4).
    pub const MAX_NAMES_PER_TERM: usize = 10;
    /// Most records one tree walk fetches. A valid tree has at most 10 DNS-querying
    /// terms, so at most 10 include/redirect records; the walk goes further to show how
    /// far over the limit a tree is, and stops here so a hostile tree stays bounded.
    pub const MAX_TREE_NODES: usize = 120;
    /// Deepest include/redirect nesting walked: the 11th nested include is the 11th
    /// DNS-querying term on its path, past the limit in every evaluation that reaches it.
    pub const MAX_TREE_DEPTH: usize = 10;
    /// A record longer than this risks not fitting a 512-byte UDP answer (RFC 7208 §3.4).
    pub const MAX_RECORD_BYTES: usize = 450;
}

/// The result of `check_host()` (RFC 7208 §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    /// The client is authorized (§2.6.3).
    Pass,
    /// The client is explicitly not authorized (§2.6.4).
    Fail,
    /// Probably not authorized (§2.6.5).
    SoftFail,
    /// No assertion (§2.6.2).
    Neutral,
    /// No SPF record, or the domain is not a valid name (§2.6.1).
    None,
    /// A transient (DNS) error (§2.6.6). Never means "no record".
    TempError,
    /// The record is broken or a processing limit was exceeded (§2.6.7).
    PermError,
}

impl SpfResult {
    /// The RFC 8601 / RFC 7208 §2.6 token (`pass`, `temperror`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::SoftFail => "softfail",
            SpfResult::Neutral => "neutral",
            SpfResult::None => "none",
            SpfResult::TempError => "temperror",
            SpfResult::PermError => "permerror",
        }
    }

    /// Parses a token, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "pass" => SpfResult::Pass,
            "fail" => SpfResult::Fail,
            "softfail" => SpfResult::SoftFail,
            "neutral" => SpfResult::Neutral,
            "none" => SpfResult::None,
            "temperror" => SpfResult::TempError,
            "permerror" => SpfResult::PermError,
            _ => return None,
        })
    }

    fn to_mailauth(self) -> mail_auth::SpfResult {
        match self {
            SpfResult::Pass => mail_auth::SpfResult::Pass,
            SpfResult::Fail => mail_auth::SpfResult::Fail,
            SpfResult::SoftFail => mail_auth::SpfResult::SoftFail,
            SpfResult::Neutral => mail_auth::SpfResult::Neutral,
            SpfResult::None => mail_auth::SpfResult::None,
            SpfResult::TempError => mail_auth::SpfResult::TempError,
            SpfResult::PermError => mail_auth::SpfResult::PermError,
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to check: the SMTP client address, MAIL FROM (may be empty) and HELO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfRequest {
    /// The SMTP client's address (IPv4-mapped IPv6 is treated as IPv4, §5).
    pub ip: IpAddr,
    /// The MAIL FROM address without angle brackets; empty for a null reverse-path.
    pub mail_from: String,
    /// The HELO/EHLO name (the identity checked when `mail_from` is empty, §2.3).
    pub helo: String,
}

/// Why a check ended in permerror / temperror, as a machine-readable kind
/// (the plain-words version is [`SpfOutcome::problem`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpfProblem {
    /// A record does not follow the RFC 7208 §12 grammar (§4.6).
    Syntax,
    /// A record has a non-ASCII byte (§3.1).
    NonAscii,
    /// More than one `v=spf1` record at one name (§4.5).
    MultipleRecords,
    /// More than 10 DNS-querying terms (§4.6.4).
    TooManyLookups,
    /// More than 2 void lookups (§4.6.4).
    TooManyVoidLookups,
    /// An `mx` term found more than 10 MX names (§4.6.4).
    TooManyMxNames,
    /// `include:` pointed at a domain without SPF record (§5.2).
    IncludeWithoutRecord,
    /// `redirect=` pointed at a domain without SPF record (§6.1).
    RedirectWithoutRecord,
    /// `include:` / `redirect=` target expanded to an invalid domain (§4.3, §6.1).
    InvalidTarget,
    /// A DNS query timed out or failed (temperror, §4.4 / §5).
    Dns,
    /// No client address was known, so nothing was evaluated.
    NotEvaluated,
}

/// The outcome of one SPF check: the result and everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpfOutcome {
    /// The `check_host()` result.
    pub result: SpfResult,
    /// The domain checked: the MAIL FROM domain, or HELO when MAIL FROM is empty (§2.4).
    pub domain: String,
    /// `mailfrom` or `helo`.
    pub identity: String,
    /// The `v=spf1` record of `domain`, as published.
    pub record: Option<String>,
    /// The `exp=` explanation (§6.2), only for `fail`.
    pub explanation: Option<String>,
    /// DNS-querying terms evaluated (§4.6.4, limit 10).
    pub lookups: u32,
    /// Void lookups seen (§4.6.4, limit 2).
    pub void_lookups: u32,
    /// The mechanism that matched, as written (innermost: inside an include, the include's mechanism).
    pub matched: Option<String>,
    /// The domain whose record holds `matched`.
    pub matched_domain: Option<String>,
    /// The include/redirect terms followed from `domain` down to `matched`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
    /// Why the result is permerror / temperror, in plain words.
    pub problem: Option<String>,
    /// The kind of `problem`.
    pub problem_kind: Option<SpfProblem>,
}

impl SpfOutcome {
    /// A `none` outcome for `domain` checked as `identity` (`mailfrom` / `helo`), before
    /// any lookup: no record, no match, no problem. The starting point of an evaluation
    /// and of the outcomes that never reach one.
    pub(crate) fn none(domain: String, identity: &str) -> SpfOutcome {
        SpfOutcome {
            result: SpfResult::None,
            domain,
            identity: identity.into(),
            record: None,
            explanation: None,
            lookups: 0,
            void_lookups: 0,
            matched: None,
            matched_domain: None,
            via: Vec::new(),
            problem: None,
            problem_kind: None,
        }
    }

    /// The outcome when the client address is unknown (e.g. no trustworthy Received
    /// hop): SPF cannot be evaluated (RFC 7208 §4.1 needs `<ip>`). The result is `none`
    /// with `problem` saying why, so it is never mistaken for "no record".
    pub fn without_client_ip(mail_from: &str, helo: &str) -> SpfOutcome {
        let mail_from = mail_from.trim().trim_start_matches('<').trim_end_matches('>').trim();
        let (domain, identity) = match mail_from.rsplit_once('@') {
            Some((_, d)) if !d.is_empty() => (d.to_string(), "mailfrom"),
            _ if !mail_from.is_empty() && !mail_from.contains('@') => (mail_from.to_string(), "mailfrom"),
            _ => (helo.trim().to_string(), "helo"),
        };
        SpfOutcome {
            problem: Some("the connecting client's IP address is unknown, so SPF was not evaluated".into()),
            problem_kind: Some(SpfProblem::NotEvaluated),
            ..SpfOutcome::none(domain, identity)
        }
    }

    /// This result as a `mail_auth::SpfOutput`, so mail-auth's DMARC can use it.
    pub fn to_mailauth(&self) -> mail_auth::SpfOutput {
        let out = mail_auth::SpfOutput::new(self.domain.clone()).with_result(self.result.to_mailauth());
        match &self.explanation {
            Some(e) => out.with_explanation(e.clone()),
            None => out,
        }
    }
}

/// RFC 7208 §4 `check_host()` for a message: checks the MAIL FROM identity, or the HELO
/// identity with sender `postmaster@<helo>` when MAIL FROM is empty (§2.4).
pub async fn check_host(resolver: &dyn Resolver, req: &SpfRequest) -> SpfOutcome {
    check_host_with(resolver, req, &SpfOptions::default()).await
}

/// [`check_host`] with options (receiver name and time for the `%{r}` / `%{t}` macros).
pub async fn check_host_with(resolver: &dyn Resolver, req: &SpfRequest, opts: &SpfOptions) -> SpfOutcome {
    let mail_from = req.mail_from.trim().trim_start_matches('<').trim_end_matches('>').trim();
    let helo = req.helo.trim();
    if mail_from.is_empty() {
        let sender = format!("postmaster@{helo}");
        let mut out = eval::run(resolver, req.ip, helo, &sender, helo, opts).await;
        out.identity = "helo".into();
        out
    } else {
        let domain = match mail_from.rsplit_once('@') {
            Some((_, d)) => d,
            None => mail_from,
        };
        eval::run(resolver, req.ip, domain, mail_from, helo, opts).await
    }
}

/// RFC 7208 §4 `check_host(<ip>, <domain>, <sender>)` directly. An empty `sender`
/// means `postmaster@<domain>`.
pub async fn check_host_domain(
    resolver: &dyn Resolver,
    ip: IpAddr,
    domain: &str,
    sender: &str,
    helo: &str,
) -> SpfOutcome {
    let sender = if sender.trim().is_empty() { format!("postmaster@{domain}") } else { sender.trim().to_string() };
    let mut out = eval::run(resolver, ip, domain, &sender, helo, &SpfOptions::default()).await;
    if sender.eq_ignore_ascii_case(&format!("postmaster@{helo}")) && domain.eq_ignore_ascii_case(helo) {
        out.identity = "helo".into();
    }
    out
}

/// The findings an SPF outcome gives rise to: its result (`spf.*`), or the record
/// problem that made it permerror / temperror (`spf_record.*`, as the domain check names it).
pub fn findings_for(outcome: &SpfOutcome) -> Vec<Finding> {
    let mut out = Vec::new();
    let d = &outcome.domain;
    let record_ev = outcome.record.as_ref().map(|r| format!("{d} TXT \"{r}\""));
    let with_ev = |f: Finding| match &record_ev {
        Some(e) => f.evidence(e.clone()),
        None => f,
    };
    let matched = outcome
        .matched
        .as_ref()
        .map(|m| match &outcome.matched_domain {
            Some(md) if !md.eq_ignore_ascii_case(d) => format!("'{m}' (in the record of {md})"),
            _ => format!("'{m}'"),
        })
        .unwrap_or_else(|| "no mechanism".into());
    let ip_hint = "the sending server's address";
    match outcome.result {
        SpfResult::Pass => {}
        SpfResult::Fail => out.push(with_ev(cat::FAIL.emit().detail(format!(
            "{d} does not authorize {ip_hint}: {matched} matched{}",
            outcome.explanation.as_ref().map(|e| format!("; the domain explains: \"{e}\"")).unwrap_or_default()
        )))),
        SpfResult::SoftFail => out.push(with_ev(cat::SOFTFAIL.emit().detail(format!("{d}: {matched} matched (~)")))),
        SpfResult::Neutral => out.push(with_ev(
            cat::NEUTRAL.emit().detail(format!("{d}: {matched} matched; the record makes no assertion")),
        )),
        SpfResult::None if outcome.problem_kind == Some(SpfProblem::NotEvaluated) => {
            out.push(cat::NOT_EVALUATED.emit().detail(outcome.problem.clone().unwrap_or_default()))
        }
        SpfResult::None => out.push(
            cat::NONE.emit().detail(format!("{d} publishes no SPF record (or is not a valid domain name)")).fix(
                format!(
                    "Publish one TXT record at {d}, e.g. \"v=spf1 mx -all\" listing every server that sends as {d}."
                ),
            ),
        ),
        SpfResult::TempError => out.push(with_ev(
            cat::SPF_TEMPERROR.emit().detail(outcome.problem.clone().unwrap_or_else(|| "a DNS query failed".into())),
        )),
        SpfResult::PermError => {
            let spec = match outcome.problem_kind {
                Some(SpfProblem::TooManyLookups) => &cat::SPF_TOO_MANY_LOOKUPS,
                Some(SpfProblem::TooManyVoidLookups) => &cat::SPF_TOO_MANY_VOIDS,
                Some(SpfProblem::MultipleRecords) => &cat::SPF_MULTIPLE,
                Some(SpfProblem::Syntax) | Some(SpfProblem::NonAscii) => &cat::SPF_SYNTAX,
                Some(SpfProblem::TooManyMxNames) => &cat::SPF_MX_TOO_MANY,
                Some(SpfProblem::IncludeWithoutRecord)
                | Some(SpfProblem::RedirectWithoutRecord)
                | Some(SpfProblem::InvalidTarget) => &cat::SPF_INCLUDE_NONE,
                _ => &cat::PERMERROR,
            };
            out.push(with_ev(
                spec.emit()
                    .detail(outcome.problem.clone().unwrap_or_else(|| "the SPF record cannot be evaluated".into())),
            ));
        }
    }
    out
}

/// A boxed future: `Send` natively, local on wasm32 (JS futures are `!Send`).
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
/// A boxed future: `Send` natively, local on wasm32 (JS futures are `!Send`).
#[cfg(target_arch = "wasm32")]
pub type BoxFut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;

#[cfg(test)]
mod tests;
