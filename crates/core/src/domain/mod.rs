//! Domain check: every email DNS check of a domain, fully parallel — SPF (tree, lint,
//! flattening), DMARC (RFC 9989 tree walk, lint, report authorization), DKIM keys,
//! MX (with PTR / FCrDNS), MTA-STS, TLS-RPT, BIMI, DNSSEC, DANE and the parked profile.
//!
//! All questions go through one [`query::Ctx`] per check: independent queries are in
//! flight at once, identical ones are asked once, each has a deadline and the check has
//! an overall deadline. A timeout or SERVFAIL is reported as temperror, never as "no
//! record". Each section is reported as soon as it completes
//! ([`check_domain_streaming`]), for the web app's live fill-in and the server's SSE.
//! Catalog entries: `findings::catalog::domain`.

pub mod bimi;
pub mod dane;
pub mod dkim_keys;
pub mod dmarc;
pub mod dnssec;
pub mod fixes;
pub mod mta_sts;
pub mod mx;
pub mod parked;
pub mod query;
pub mod spf;
pub mod tls_rpt;

use crate::dns::{MaybeSendSync, Resolver};
use crate::findings::{Finding, Severity};
use futures::{FutureExt, StreamExt};
use query::{BoxFut, Ctx, DnsEvidence};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// Outcome of looking up one kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupStatus {
    /// A valid record was found.
    Found,
    /// There is no such record (NXDOMAIN / NODATA) — known for sure.
    None,
    /// A query timed out or failed: inconclusive, NOT "no record".
    Temperror,
    /// A record was found but is unusable (syntax, several records, limits).
    Permerror,
}

/// What to check and how long to wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainOptions {
    /// DKIM selectors to check; empty = probe [`dkim_keys::COMMON_SELECTORS`].
    pub selectors: Vec<String>,
    /// Check the parked-domain profile (`v=spf1 -all`, `p=reject`, null MX).
    pub parked: bool,
    /// Deadline of one DNS query, ms (0 = the resolver's own).
    pub query_timeout_ms: u64,
    /// Deadline of the whole check, ms (0 = none): pending queries then end as temperror.
    pub overall_timeout_ms: u64,
}

impl Default for DomainOptions {
    fn default() -> Self {
        DomainOptions { selectors: Vec::new(), parked: false, query_timeout_ms: 5_000, overall_timeout_ms: 15_000 }
    }
}

/// Why an MTA-STS policy could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum FetchError {
    /// No HTTPS fetcher in this environment (e.g. the browser without the companion server).
    #[error("policy not fetched: {0}")]
    Unavailable(String),
    /// mta-sts.<domain> does not resolve.
    #[error("name resolution failed: {0}")]
    Dns(String),
    /// TCP connection failed.
    #[error("connection failed: {0}")]
    Connect(String),
    /// TLS handshake or certificate validation failed (RFC 8461 §3.3 requires a valid certificate).
    #[error("TLS/certificate error: {0}")]
    Tls(String),
    /// HTTP status other than 200 (RFC 8461 §3.3).
    #[error("HTTP status {0} (must be 200)")]
    Status(u16),
    /// Body over 64 KB (RFC 8461 §3.3).
    #[error("policy larger than {0} bytes")]
    TooLarge(usize),
    /// No complete answer within the deadline.
    #[error("timed out")]
    Timeout,
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

/// The future a [`PolicyFetcher`] returns: `Send` natively, local on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<String, FetchError>> + Send + 'a>>;
/// The future a [`PolicyFetcher`] returns: `Send` natively, local on wasm32.
#[cfg(target_arch = "wasm32")]
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<String, FetchError>> + 'a>>;

/// Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` (RFC 8461 §3.3). The core
/// does no HTTP itself: the CLI/server implement it natively, the web app through the
/// companion server. Implementations enforce a certificate check, a deadline and a
/// 64 KB body cap.
pub trait PolicyFetcher: MaybeSendSync {
    /// The policy text (HTTP 200 body).
    fn fetch_mta_sts_policy<'a>(&'a self, domain: &'a str) -> FetchFuture<'a>;
}

/// The sections of a report, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// SPF (RFC 7208).
    Spf,
    /// DMARC (RFC 9989).
    Dmarc,
    /// DKIM keys (RFC 6376).
    Dkim,
    /// MX hosts (RFC 5321, RFC 7505).
    Mx,
    /// MTA-STS (RFC 8461).
    MtaSts,
    /// TLS-RPT (RFC 8460).
    TlsRpt,
    /// BIMI.
    Bimi,
    /// DNSSEC (RFC 4035).
    Dnssec,
    /// DANE for SMTP (RFC 7672).
    Dane,
}

/// The data of one finished section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "section", content = "data", rename_all = "snake_case")]
pub enum SectionData {
    /// The SPF record, tree and lint.
    Spf(spf::SpfReport),
    /// The DMARC record and its discovery.
    Dmarc(dmarc::DmarcReport),
    /// The DKIM keys checked.
    Dkim(Vec<dkim_keys::DkimKey>),
    /// The MX hosts and the summary of the set.
    Mx {
        /// The MX hosts.
        hosts: Vec<mx::MxHost>,
        /// The MX set as a whole.
        summary: mx::MxSummary,
    },
    /// The MTA-STS record and policy.
    MtaSts(mta_sts::MtaStsReport),
    /// The TLS-RPT record.
    TlsRpt(tls_rpt::TlsRptReport),
    /// The BIMI record.
    Bimi(bimi::BimiReport),
    /// The DNSSEC state.
    Dnssec(dnssec::DnssecReport),
    /// TLSA records per MX host.
    Dane(Vec<dane::DaneHost>),
}

impl SectionData {
    /// Which section this is.
    pub fn section(&self) -> Section {
        match self {
            SectionData::Spf(_) => Section::Spf,
            SectionData::Dmarc(_) => Section::Dmarc,
            SectionData::Dkim(_) => Section::Dkim,
            SectionData::Mx { .. } => Section::Mx,
            SectionData::MtaSts(_) => Section::MtaSts,
            SectionData::TlsRpt(_) => Section::TlsRpt,
            SectionData::Bimi(_) => Section::Bimi,
            SectionData::Dnssec(_) => Section::Dnssec,
            SectionData::Dane(_) => Section::Dane,
        }
    }
}

/// One section, reported as soon as it completes: `{"section":"spf","data":{…},"findings":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionUpdate {
    /// The section and its data.
    #[serde(flatten)]
    pub data: SectionData,
    /// The section's findings.
    pub findings: Vec<Finding>,
}

/// How the check went: queries and the longest chain of dependent queries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Distinct questions asked.
    pub queries: usize,
    /// Longest chain of dependent queries (round trips on the critical path).
    pub critical_path: u32,
    /// The questions of the deepest level (at most 10).
    pub critical_queries: Vec<String>,
    /// The overall deadline passed before every answer came.
    pub deadline_hit: bool,
}

/// The domain report (JSON contract: `domain`, `score`, `spf.{records,lookups,void_lookups,tree}`,
/// `dmarc.{record,policy,domain}`, `mx[]{host,preference,addresses}`, `dkim[]{selector,key_type,key_bits}`,
/// `dnssec`, `findings[]`, `dns[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainReport {
    /// The domain checked (lower case, no trailing dot).
    pub domain: String,
    /// 0–10, from the findings (`findings::score`).
    pub score: f64,
    /// Some section could not be determined (temperror): the score is provisional.
    pub inconclusive: bool,
    /// SPF: records, lookup counts, include tree, flattening.
    pub spf: spf::SpfReport,
    /// DMARC: record, policy, discovery, report destinations.
    pub dmarc: dmarc::DmarcReport,
    /// DKIM keys of the given or probed selectors.
    pub dkim: Vec<dkim_keys::DkimKey>,
    /// MX hosts with addresses and reverse DNS.
    pub mx: Vec<mx::MxHost>,
    /// The MX set as a whole (null MX, implicit MX).
    pub mx_summary: mx::MxSummary,
    /// MTA-STS record and policy.
    pub mta_sts: mta_sts::MtaStsReport,
    /// TLS-RPT record.
    pub tls_rpt: tls_rpt::TlsRptReport,
    /// BIMI record.
    pub bimi: bimi::BimiReport,
    /// DNSSEC state.
    pub dnssec: dnssec::DnssecReport,
    /// TLSA records per MX host.
    pub dane: Vec<dane::DaneHost>,
    /// The parked-domain profile was checked.
    pub parked_profile: bool,
    /// Every finding, grouped by section.
    pub findings: Vec<Finding>,
    /// Every DNS answer the report rests on.
    pub dns: Vec<DnsEvidence>,
    /// Queries and critical path.
    pub timing: Timing,
}

/// Normalizes a domain as typed by a user: trimmed, lower case, no trailing dot, an
/// internationalized name as A-labels (UTS #46, `crate::names`).
pub fn normalize_domain(domain: &str) -> String {
    crate::names::normalize(domain)
}

/// Checks `domain`; see [`check_domain_streaming`].
pub async fn check_domain(
    domain: &str,
    resolver: &dyn Resolver,
    fetcher: Option<&dyn PolicyFetcher>,
    opts: &DomainOptions,
) -> DomainReport {
    check_domain_streaming(domain, resolver, fetcher, opts, &mut |_| {}).await
}

fn boxed<'a, T>(f: impl Future<Output = T> + MaybeSend + 'a) -> BoxFut<'a, T> {
    Box::pin(f)
}

/// `Send` natively, nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` natively, nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// Checks `domain`, calling `on_section` as each section completes (sections run
/// concurrently; dependent ones — MTA-STS's mx: match, BIMI's DMARC requirement, DANE's
/// TLSA per MX — await only the answers they need).
///
/// `on_section` may be any closure or `&mut dyn FnMut(SectionUpdate)`; the returned future
/// is `Send` when the callback is (natively), so it can be spawned.
pub async fn check_domain_streaming<F: FnMut(SectionUpdate) + ?Sized>(
    domain: &str,
    resolver: &dyn Resolver,
    fetcher: Option<&dyn PolicyFetcher>,
    opts: &DomainOptions,
    on_section: &mut F,
) -> DomainReport {
    let domain = normalize_domain(domain);
    let ctx = Ctx::new(resolver, opts.query_timeout_ms, opts.overall_timeout_ms);
    let ctx = &ctx;
    let d = domain.as_str();

    let mx_fut = boxed(mx::check(ctx, d)).shared();
    let dmarc_fut = boxed(dmarc::check(ctx, d)).shared();
    let dnssec_fut = boxed(dnssec::check(ctx, d)).shared();
    // MTA-STS and DANE need only the MX names (one query), not the whole MX section
    // (addresses, PTR, FCrDNS): they start as soon as the MX answer is in.
    let mx_hosts = move || async move {
        match ctx.query(d, crate::dns::RecordType::Mx, 1).await {
            Ok(a) => {
                let mut mx = a.mx();
                mx.sort();
                mx.into_iter()
                    .map(|(_, h)| h.trim_end_matches('.').to_ascii_lowercase())
                    .filter(|h| !h.is_empty() && h != "." && h.parse::<std::net::IpAddr>().is_err())
                    .take(mx::MAX_HOSTS)
                    .collect::<Vec<_>>()
            }
            Err(_) => Vec::new(),
        }
    };
    let mut sections: futures::stream::FuturesUnordered<BoxFut<'_, SectionUpdate>> =
        futures::stream::FuturesUnordered::new();
    sections.push(boxed(async move {
        let (r, findings) = spf::check(ctx, d).await;
        SectionUpdate { data: SectionData::Spf(r), findings }
    }));
    sections
        .push(boxed(dmarc_fut.clone().map(|(r, findings)| SectionUpdate { data: SectionData::Dmarc(r), findings })));
    let selectors = opts.selectors.clone();
    sections.push(boxed(async move {
        let (keys, findings) = dkim_keys::check(ctx, d, &selectors).await;
        SectionUpdate { data: SectionData::Dkim(keys), findings }
    }));
    sections.push(boxed(
        mx_fut
            .clone()
            .map(|((hosts, summary), findings)| SectionUpdate { data: SectionData::Mx { hosts, summary }, findings }),
    ));
    let hosts_for_sts = mx_hosts();
    sections.push(boxed(async move {
        let (r, findings) = mta_sts::check(ctx, d, fetcher, hosts_for_sts).await;
        SectionUpdate { data: SectionData::MtaSts(r), findings }
    }));
    sections.push(boxed(async move {
        let (r, findings) = tls_rpt::check(ctx, d).await;
        SectionUpdate { data: SectionData::TlsRpt(r), findings }
    }));
    let dmarc_for_bimi = dmarc_fut.clone().map(|(r, _)| {
        let sp = r.tags.iter().find(|t| t.tag == "sp").map(|t| t.value.to_ascii_lowercase());
        (r.policy, sp)
    });
    sections.push(boxed(async move {
        let (r, findings) = bimi::check(ctx, d, dmarc_for_bimi).await;
        SectionUpdate { data: SectionData::Bimi(r), findings }
    }));
    sections
        .push(boxed(dnssec_fut.clone().map(|(r, findings)| SectionUpdate { data: SectionData::Dnssec(r), findings })));
    let hosts_for_dane = mx_hosts();
    let validates = dnssec_fut.clone().map(|(r, _)| r.resolver_validates);
    sections.push(boxed(async move {
        let hosts = hosts_for_dane.await;
        let (r, findings) = dane::check(ctx, &hosts, validates).await;
        SectionUpdate { data: SectionData::Dane(r), findings }
    }));

    let mut done: Vec<SectionUpdate> = Vec::with_capacity(9);
    while let Some(update) = sections.next().await {
        on_section(update.clone());
        done.push(update);
    }
    drop(sections);
    assemble(domain.clone(), done, opts, ctx)
}

fn assemble(domain: String, mut done: Vec<SectionUpdate>, opts: &DomainOptions, ctx: &Ctx<'_>) -> DomainReport {
    done.sort_by_key(|u| u.data.section());
    let mut report = DomainReport {
        domain: domain.clone(),
        score: 0.0,
        inconclusive: false,
        spf: spf::SpfReport::temperror(None),
        dmarc: dmarc::DmarcReport {
            status: LookupStatus::Temperror,
            record: None,
            policy: None,
            domain: None,
            tags: Vec::new(),
            discovery: dmarc::DmarcDiscovery {
                walked: Vec::new(),
                rfc9989_policy_domain: None,
                rfc9989_org_domain: domain.clone(),
                rfc7489_org_domain: dmarc::registrable_domain(&domain),
                rfc7489_policy_domain: None,
                rfc7489_note: String::new(),
            },
            report_destinations: Vec::new(),
            corrected: None,
            error: None,
        },
        dkim: Vec::new(),
        mx: Vec::new(),
        mx_summary: mx::MxSummary {
            status: LookupStatus::Temperror,
            null_mx: false,
            implicit_addresses: Vec::new(),
            error: None,
        },
        mta_sts: mta_sts::MtaStsReport {
            status: LookupStatus::Temperror,
            record: None,
            id: None,
            policy: None,
            policy_status: mta_sts::PolicyStatus::Skipped,
            policy_error: None,
            mx_not_covered: Vec::new(),
        },
        tls_rpt: tls_rpt::TlsRptReport {
            status: LookupStatus::Temperror,
            record: None,
            rua: Vec::new(),
            problems: Vec::new(),
        },
        bimi: bimi::BimiReport {
            status: LookupStatus::Temperror,
            record: None,
            logo: None,
            certificate: None,
            problems: Vec::new(),
        },
        dnssec: dnssec::DnssecReport {
            status: dnssec::DnssecStatus::Temperror,
            signed_zone: None,
            ds: Vec::new(),
            resolver_validates: false,
            detail: String::new(),
        },
        dane: Vec::new(),
        parked_profile: opts.parked,
        findings: Vec::new(),
        dns: Vec::new(),
        timing: Timing { queries: 0, critical_path: 0, critical_queries: Vec::new(), deadline_hit: false },
    };
    let mut findings = Vec::new();
    for u in done {
        findings.extend(u.findings);
        match u.data {
            SectionData::Spf(r) => report.spf = r,
            SectionData::Dmarc(r) => report.dmarc = r,
            SectionData::Dkim(k) => report.dkim = k,
            SectionData::Mx { hosts, summary } => {
                report.mx = hosts;
                report.mx_summary = summary;
            }
            SectionData::MtaSts(r) => report.mta_sts = r,
            SectionData::TlsRpt(r) => report.tls_rpt = r,
            SectionData::Bimi(r) => report.bimi = r,
            SectionData::Dnssec(r) => report.dnssec = r,
            SectionData::Dane(r) => report.dane = r,
        }
    }
    // TLS-RPT matters once TLS is enforced: MTA-STS or DANE published.
    let uses_tls_policy =
        report.mta_sts.status == LookupStatus::Found || report.dane.iter().any(|h| h.status == LookupStatus::Found);
    if uses_tls_policy {
        for f in &mut findings {
            if f.id == crate::findings::catalog::domain::TLS_RPT_MISSING.id {
                f.severity = Severity::Warning;
                f.detail = Some("MTA-STS or DANE is published: without TLS-RPT their failures stay invisible".into());
            }
        }
    }
    if opts.parked {
        let mx_count = report.mx.len();
        findings.extend(parked::check(&domain, &report.spf, &report.dmarc, &report.mx_summary, mx_count));
    }
    report.inconclusive = report.spf.status == LookupStatus::Temperror
        || report.dmarc.status == LookupStatus::Temperror
        || report.mx_summary.status == LookupStatus::Temperror
        || findings.iter().any(|f| f.id.ends_with(".temperror"));
    report.score = crate::findings::score::score(&findings);
    report.findings = findings;
    let ev = ctx.evidence_with_depth();
    let max = ev.iter().map(|(_, d)| *d).max().unwrap_or(0);
    report.timing = Timing {
        queries: ev.len(),
        critical_path: max,
        critical_queries: ev
            .iter()
            .filter(|(_, d)| *d == max)
            .take(10)
            .map(|(e, _)| format!("{} {}", e.name, e.rtype))
            .collect(),
        deadline_hit: ctx.deadline_passed(),
    };
    report.dns = ev.into_iter().map(|(e, _)| e).collect();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_update_json_shape() {
        let u = SectionUpdate { data: SectionData::Dane(Vec::new()), findings: Vec::new() };
        let j = serde_json::to_value(&u).unwrap_or_default();
        assert_eq!(j["section"], "dane");
        assert!(j["data"].is_array());
        let back: SectionUpdate = serde_json::from_value(j)
            .unwrap_or(SectionUpdate { data: SectionData::Dkim(Vec::new()), findings: Vec::new() });
        assert_eq!(back, u);
    }
}
