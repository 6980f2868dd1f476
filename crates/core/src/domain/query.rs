//! The query context of one domain check: every DNS question goes through [`Ctx`],
//! which adds a per-query and an overall deadline, de-duplicates questions (one
//! in-flight cache per check: the second asker awaits the first answer), records
//! every answer as evidence (`report.dns`), and remembers how deep in a chain of
//! dependent queries each question was first asked (for the critical path).
//!
//! A timeout, SERVFAIL or any transport error becomes [`QueryError`], which the
//! checks turn into `temperror` findings — never into "no record".

use crate::dns::{DnsAnswer, DnsError, Rcode, RecordType, Resolver, normalize_name};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A boxed future: `Send` natively, local on wasm32 (JS futures are `!Send`).
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future: `Send` natively, local on wasm32 (JS futures are `!Send`).
#[cfg(target_arch = "wasm32")]
pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Why a question got no usable answer: a temporary failure (RFC 7208 §2.6.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryError {
    /// `timeout`, `servfail`, `refused`, `transport`, `malformed`, `invalid_name`, `deadline`.
    pub kind: String,
    /// Human-readable detail.
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of one question: an answer (NOERROR, possibly empty, or NXDOMAIN) or a failure.
pub type QResult = Result<DnsAnswer, QueryError>;

pub use crate::dns::recorder::DnsEvidence;

/// Where a question sat in the chains of dependent queries of a check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QueryDepth {
    /// The name asked.
    pub name: String,
    /// The type asked.
    #[serde(rename = "type")]
    pub rtype: RecordType,
    /// 1 = asked right away; n = asked after an answer of depth n-1 was needed.
    pub depth: u32,
}

type SharedQuery<'a> = Shared<BoxFut<'a, QResult>>;

/// The per-check query context. Cheap to share by reference among concurrent checks.
pub struct Ctx<'a> {
    resolver: &'a dyn Resolver,
    query_timeout: Duration,
    overall: Shared<BoxFuture<'static, ()>>,
    cache: Mutex<HashMap<(String, RecordType), SharedQuery<'a>>>,
    evidence: Arc<Mutex<Vec<(DnsEvidence, u32)>>>,
}

impl<'a> Ctx<'a> {
    /// A context over `resolver` with a per-query and an overall deadline (milliseconds;
    /// 0 = no deadline of that kind).
    pub fn new(resolver: &'a dyn Resolver, query_timeout_ms: u64, overall_timeout_ms: u64) -> Self {
        let overall: BoxFuture<'static, ()> = if overall_timeout_ms == 0 {
            futures::future::pending().boxed()
        } else {
            futures_timer::Delay::new(Duration::from_millis(overall_timeout_ms)).boxed()
        };
        Ctx {
            resolver,
            query_timeout: Duration::from_millis(query_timeout_ms),
            overall: overall.shared(),
            cache: Mutex::new(HashMap::new()),
            evidence: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Asks one question at chain depth `depth` (1 = independent of any other answer).
    /// Identical questions share one in-flight query.
    pub async fn query(&self, name: &str, rtype: RecordType, depth: u32) -> QResult {
        let key = (normalize_name(name), rtype);
        let fut = {
            let mut cache = match self.cache.lock() {
                Ok(c) => c,
                Err(poisoned) => poisoned.into_inner(),
            };
            if let Some(f) = cache.get(&key) {
                f.clone()
            } else {
                let f = run_query(
                    self.resolver,
                    key.0.clone(),
                    rtype,
                    depth,
                    self.query_timeout,
                    self.overall.clone(),
                    self.evidence.clone(),
                )
                .shared();
                cache.insert(key, f.clone());
                f
            }
        };
        fut.await
    }

    /// The evidence gathered so far, in the order the answers arrived.
    pub fn evidence(&self) -> Vec<DnsEvidence> {
        self.evidence_with_depth().into_iter().map(|(e, _)| e).collect()
    }

    /// The evidence with the chain depth of each question.
    pub fn evidence_with_depth(&self) -> Vec<(DnsEvidence, u32)> {
        match self.evidence.lock() {
            Ok(e) => e.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Resolves when the overall deadline passes (never, without one): for work other than
    /// DNS queries, such as the MTA-STS policy fetch.
    pub fn deadline(&self) -> Shared<BoxFuture<'static, ()>> {
        self.overall.clone()
    }

    /// Whether the overall deadline has passed.
    pub fn deadline_passed(&self) -> bool {
        self.overall.peek().is_some()
    }
}

/// The SPF tree walker (`auth::spf::tree`) asks through the check's context, so its
/// questions get the deadlines, de-duplication, evidence and chain depth of every other
/// question of the check; a failure is reported by its message.
impl crate::auth::spf::SpfDns for Ctx<'_> {
    fn query<'q>(
        &'q self,
        name: &'q str,
        rtype: RecordType,
        depth: u32,
    ) -> crate::auth::spf::BoxFut<'q, Result<DnsAnswer, String>> {
        Box::pin(async move { Ctx::query(self, name, rtype, depth).await.map_err(|e| e.message) })
    }
}

fn run_query<'a>(
    resolver: &'a dyn Resolver,
    name: String,
    rtype: RecordType,
    depth: u32,
    query_timeout: Duration,
    overall: Shared<BoxFuture<'static, ()>>,
    evidence: Arc<Mutex<Vec<(DnsEvidence, u32)>>>,
) -> BoxFut<'a, QResult> {
    Box::pin(async move {
        let raw: Option<Result<DnsAnswer, DnsError>> = if overall.peek().is_some() {
            None
        } else {
            let q = resolver.query(&name, rtype).map(Some);
            let per: BoxFuture<'static, Option<Result<DnsAnswer, DnsError>>> = if query_timeout.is_zero() {
                futures::future::pending().boxed()
            } else {
                futures_timer::Delay::new(query_timeout).map(|_| None).boxed()
            };
            let over = overall.map(|_| None);
            let raced =
                futures::future::select(q, futures::future::select(per, over).map(|e| e.factor_first().0)).await;
            raced.factor_first().0
        };
        let raw = raw.unwrap_or(Err(DnsError::Timeout));
        let ev = DnsEvidence::from_result(&name, rtype, &raw);
        match evidence.lock() {
            Ok(mut e) => e.push((ev, depth)),
            Err(poisoned) => poisoned.into_inner().push((ev, depth)),
        }
        match raw {
            Ok(answer) => classify(answer),
            Err(DnsError::Timeout) => Err(QueryError {
                kind: "timeout".into(),
                message: format!("no answer for {name} {rtype} within the deadline"),
            }),
            Err(e) => Err(from_dns_error(&e)),
        }
    })
}

/// SERVFAIL / REFUSED / other rcodes say nothing about the data: failure.
fn classify(answer: DnsAnswer) -> QResult {
    match answer.rcode {
        Rcode::NoError | Rcode::NxDomain => Ok(answer),
        other => Err(QueryError {
            kind: other.to_string().to_ascii_lowercase(),
            message: format!("the resolver answered {other}"),
        }),
    }
}

fn from_dns_error(e: &DnsError) -> QueryError {
    let kind = match e {
        DnsError::Timeout => "timeout",
        DnsError::Transport(_) => "transport",
        DnsError::Malformed(_) => "malformed",
        DnsError::InvalidName(_) => "invalid_name",
    };
    QueryError { kind: kind.into(), message: e.to_string() }
}

/// The outcome of looking up a set of TXT records that start with a version tag.
#[derive(Debug, Clone, PartialEq)]
pub enum TxtLookup {
    /// The name has these records starting with the tag (case-insensitive), possibly several.
    Found(Vec<String>),
    /// NXDOMAIN or no record with the tag.
    None,
    /// Timeout / SERVFAIL: unknown.
    TempError(QueryError),
}

/// Looks up TXT at `name` and keeps the records whose text starts with `prefix`
/// (case-insensitive, followed by end, space or `;`).
pub async fn txt_with_prefix(ctx: &Ctx<'_>, name: &str, prefix: &str, depth: u32) -> TxtLookup {
    match ctx.query(name, RecordType::Txt, depth).await {
        Err(e) => TxtLookup::TempError(e),
        Ok(a) => {
            let found: Vec<String> = a.txt().into_iter().filter(|t| starts_with_tag(t, prefix)).collect();
            if found.is_empty() { TxtLookup::None } else { TxtLookup::Found(found) }
        }
    }
}

/// True when `text` starts with `tag` case-insensitively and the tag ends there
/// (end of text, whitespace or `;`).
pub fn starts_with_tag(text: &str, tag: &str) -> bool {
    let t = text.trim_start();
    match t.get(..tag.len()) {
        Some(head) if head.eq_ignore_ascii_case(tag) => {
            matches!(t[tag.len()..].chars().next(), None | Some(' ') | Some(';') | Some('\t'))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_prefix_requires_boundary() {
        assert!(starts_with_tag("v=spf1 -all", "v=spf1"));
        assert!(starts_with_tag("V=SPF1", "v=spf1"));
        assert!(!starts_with_tag("v=spf10 -all", "v=spf1"));
        assert!(starts_with_tag("v=DMARC1;p=none", "v=DMARC1"));
        assert!(!starts_with_tag("x", "v=DMARC1"));
    }
}
