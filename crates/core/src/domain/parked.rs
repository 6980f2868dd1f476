//! The parked-domain profile (`--parked`): a domain that sends and receives no mail
//! should publish `v=spf1 -all`, DMARC `p=reject` and a null MX (RFC 7505), following
//! the M3AAWG "Protecting Parked Domains" best practice.

use super::LookupStatus;
use super::dmarc::DmarcReport;
use super::fixes;
use super::mx::MxSummary;
use super::spf::SpfReport;
use crate::auth::dmarc::DmarcPolicy;
use crate::findings::{Finding, catalog::domain as cat};

/// Checks the parked profile on the finished SPF, DMARC and MX sections. Sections that
/// ended in temperror are not judged (inconclusive, not wrong).
pub fn check(domain: &str, spf: &SpfReport, dmarc: &DmarcReport, mx: &MxSummary, mx_count: usize) -> Vec<Finding> {
    let mut out = Vec::new();
    if spf.status != LookupStatus::Temperror {
        let ok = spf.records.len() == 1
            && spf.records.first().is_some_and(|r| {
                r.split_ascii_whitespace().map(str::to_ascii_lowercase).collect::<Vec<_>>() == ["v=spf1", "-all"]
            });
        if !ok {
            out.push(
                cat::PARKED_SPF
                    .emit()
                    .detail(if spf.records.is_empty() {
                        "no SPF record".to_string()
                    } else {
                        format!("SPF: {}", spf.records.join(" | "))
                    })
                    .fix(fixes::txt_line(domain, "v=spf1 -all")),
            );
        }
    }
    if dmarc.status != LookupStatus::Temperror {
        let p_ok = dmarc.policy == Some(DmarcPolicy::Reject);
        let sp_ok = dmarc
            .tags
            .iter()
            .find(|t| t.tag == "sp")
            .is_none_or(|t| DmarcPolicy::parse(&t.value) == Some(DmarcPolicy::Reject));
        if !(p_ok && sp_ok) {
            out.push(
                cat::PARKED_DMARC
                    .emit()
                    .detail(match &dmarc.record {
                        Some(r) => format!("DMARC: {r}"),
                        None => "no DMARC record".into(),
                    })
                    .fix(fixes::txt_line(
                        &format!("_dmarc.{domain}"),
                        "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s",
                    )),
            );
        }
    }
    if mx.status != LookupStatus::Temperror && !(mx.null_mx && mx_count == 1) {
        out.push(
            cat::PARKED_MX
                .emit()
                .detail(if mx.null_mx {
                    "null MX mixed with other MX records".to_string()
                } else {
                    format!("{mx_count} MX record(s), no null MX")
                })
                .fix(fixes::line(domain, "MX", "0 .")),
        );
    }
    out
}
