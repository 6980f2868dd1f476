//! DNSSEC status of a domain as seen by a validating resolver (RFC 4035 §3.2.3, §5.5):
//! `secure` (AD bit on the zone's answers), `insecure` (validated proof that the parent
//! has no DS), `bogus` (the parent publishes a validated DS but the zone's own answers
//! fail with SERVFAIL), `unvalidated` (the resolver sets AD on nothing: it does not
//! validate) or `temperror`. Bogus is told from a plain outage by the DS: a zone whose
//! parent has no DS cannot be bogus, and a dead zone with a DS is reported bogus only
//! when the SERVFAIL comes with the DS validated.

use super::query::Ctx;
use crate::dns::RecordType;
use crate::findings::{Finding, catalog::domain as cat};
use crate::verdict::word_enum;
use serde::{Deserialize, Serialize};

word_enum! {
    /// The DNSSEC state of a domain (RFC 4035 §4.3).
    pub enum DnssecStatus {
        /// Signed, and the validating resolver says so (AD bit).
        Secure => "secure",
        /// Not signed (no DS on the way down).
        Insecure => "insecure",
        /// Signed, but validation fails (SERVFAIL under a validated DS).
        Bogus => "bogus",
        /// Signed, but the resolver does not validate: unknown.
        Unvalidated => "unvalidated",
        /// The lookups failed temporarily.
        Temperror => "temperror",
    }
}

/// The `dnssec` part of a domain report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DnssecReport {
    /// secure / insecure / bogus / unvalidated / temperror.
    pub status: DnssecStatus,
    /// The zone (the domain or its closest ancestor) whose DS was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_zone: Option<String>,
    /// DS records found at the parent of `signed_zone`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ds: Vec<String>,
    /// Whether the resolver validates (set AD on some answer).
    pub resolver_validates: bool,
    /// How the status was reached.
    pub detail: String,
}

/// Determines the DNSSEC status of `domain`.
pub async fn check(ctx: &Ctx<'_>, domain: &str) -> (DnssecReport, Vec<Finding>) {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = d.split('.').collect();
    // The domain and its ancestors up to (not including) the root, asked at once.
    let names: Vec<String> = (0..labels.len()).map(|i| labels[i..].join(".")).take(8).collect();
    let soa_fut = ctx.query(&d, RecordType::Soa, 1);
    let ds_fut = futures::future::join_all(names.iter().map(|n| ctx.query(n, RecordType::Ds, 1)));
    let (soa, ds) = futures::join!(soa_fut, ds_fut);

    let validates =
        soa.as_ref().is_ok_and(|a| a.authenticated) || ds.iter().any(|r| r.as_ref().is_ok_and(|a| a.authenticated));
    // Walk up from the domain to the first name whose DS question got an answer. A
    // validated DS there: that zone is signed, and a SERVFAIL below it means bogus. A
    // validated "no DS" (or any other answer): the zone answering for that name is fine
    // or the delegation is insecure, so a failure is an outage, not a DNSSEC failure.
    let signed = names.iter().zip(ds.iter()).find_map(|(n, r)| r.as_ref().ok().map(|a| (n, a))).and_then(|(n, a)| {
        if a.authenticated && !a.records.is_empty() {
            Some((n.clone(), a.records.iter().map(|r| r.data.to_presentation()).collect::<Vec<_>>()))
        } else {
            None
        }
    });
    let own_ds = ds.first();
    let mut findings = Vec::new();
    let mut report = DnssecReport {
        status: DnssecStatus::Temperror,
        signed_zone: signed.as_ref().map(|(n, _)| n.clone()),
        ds: signed.as_ref().map(|(_, d)| d.clone()).unwrap_or_default(),
        resolver_validates: validates,
        detail: String::new(),
    };
    match &soa {
        Ok(a) if a.authenticated => {
            report.status = DnssecStatus::Secure;
            report.detail = format!("the resolver validated the answer for {d} (AD bit)");
        }
        Ok(_) if !validates => {
            report.status = DnssecStatus::Unvalidated;
            report.detail = "no answer carried the AD bit: the resolver does not validate".into();
            findings.push(cat::DNSSEC_NOT_VALIDATED.emit());
        }
        Ok(_) => {
            report.status = DnssecStatus::Insecure;
            report.detail = match own_ds {
                Some(Ok(a)) if a.records.is_empty() && a.authenticated => {
                    format!("validated proof that {d} has no DS at its parent")
                }
                _ => format!("answers for {d} are not signed (no secure delegation)"),
            };
            findings.push(cat::DNSSEC_UNSIGNED.emit().detail(report.detail.clone()));
        }
        Err(e) => {
            if let Some((zone, ds)) = &signed {
                report.status = DnssecStatus::Bogus;
                report.detail = format!(
                    "{zone} has a validated DS at its parent, but the answer for {d} failed ({}): validation fails",
                    e.message
                );
                findings.push(
                    cat::DNSSEC_BOGUS
                        .emit()
                        .detail(report.detail.clone())
                        .evidence(format!("{zone} DS {}", ds.join(" | "))),
                );
            } else {
                report.status = DnssecStatus::Temperror;
                report.detail = format!("SOA {d}: {} (no DS at the parent: not a DNSSEC failure)", e.message);
                findings.push(cat::DNSSEC_TEMPERROR.emit().detail(report.detail.clone()));
            }
        }
    }
    (report, findings)
}
