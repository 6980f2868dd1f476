//! BIMI (draft-brand-indicators-for-message-identification): `default._bimi` with an
//! https SVG logo (l=) and a mark certificate (a=); BIMI needs an enforcing DMARC policy.

use super::query::{Ctx, TxtLookup, txt_with_prefix};
use super::{LookupStatus, fixes};
use crate::auth::dmarc::DmarcPolicy;
use crate::findings::{Finding, catalog::domain as cat};
use serde::{Deserialize, Serialize};

/// The BIMI part of a domain report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BimiReport {
    /// found / none / temperror / permerror.
    pub status: LookupStatus,
    /// The record.
    pub record: Option<String>,
    /// l= (logo URL).
    pub logo: Option<String>,
    /// a= (certificate URL).
    pub certificate: Option<String>,
    /// Problems in the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Checks `default._bimi.<domain>`; `dmarc_policy` is the DMARC policy that applies
/// (and `dmarc_sp` the sub-domain policy), awaited only when a record exists.
pub async fn check(
    ctx: &Ctx<'_>,
    domain: &str,
    dmarc: impl std::future::Future<Output = (Option<DmarcPolicy>, Option<String>)>,
) -> (BimiReport, Vec<Finding>) {
    let name = format!("default._bimi.{domain}");
    let mut report =
        BimiReport { status: LookupStatus::None, record: None, logo: None, certificate: None, problems: Vec::new() };
    let mut findings = Vec::new();
    let record = match txt_with_prefix(ctx, &name, "v=BIMI1", 1).await {
        TxtLookup::TempError(e) => {
            report.status = LookupStatus::Temperror;
            findings.push(cat::BIMI_TEMPERROR.emit().detail(format!("TXT {name}: {}", e.message)));
            return (report, findings);
        }
        TxtLookup::None => {
            findings.push(cat::BIMI_MISSING.emit().fix(fixes::txt_line(
                &name,
                &format!("v=BIMI1; l=https://{domain}/bimi/logo.svg; a=https://{domain}/bimi/vmc.pem"),
            )));
            return (report, findings);
        }
        TxtLookup::Found(recs) => {
            if recs.len() > 1 {
                report.problems.push(format!("{} BIMI records", recs.len()));
            }
            recs.into_iter().next().unwrap_or_default()
        }
    };
    let mut logo = None;
    let mut cert = None;
    for (i, part) in record.split(';').map(str::trim).filter(|s| !s.is_empty()).take(32).enumerate() {
        let (k, v) = part
            .split_once('=')
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim()))
            .unwrap_or((part.to_ascii_lowercase(), ""));
        match k.as_str() {
            "v" if i == 0 && v == "BIMI1" => {}
            "v" => report.problems.push("v=BIMI1 must be the first tag".into()),
            "l" => logo = Some(v.to_string()),
            "a" => cert = Some(v.to_string()),
            _ => {}
        }
    }
    let ev = format!("{name} TXT \"{record}\"");
    let logo_fix = fixes::txt_line(
        &name,
        &format!("v=BIMI1; l=https://{domain}/bimi/logo.svg; a={}", cert.clone().unwrap_or_default()),
    );
    match logo.as_deref() {
        None => report.problems.push("no l= tag".into()),
        Some("") => {}
        Some(l) => {
            let lower = l.to_ascii_lowercase();
            let path = lower.split(['?', '#']).next().unwrap_or("");
            if !lower.starts_with("https://") || !path.ends_with(".svg") {
                findings.push(cat::BIMI_LOGO.emit().detail(format!("l={l}")).fix(logo_fix).evidence(ev.clone()));
            }
        }
    }
    match cert.as_deref() {
        None | Some("") => findings.push(cat::BIMI_NO_CERT.emit().evidence(ev.clone())),
        Some(a) if !a.to_ascii_lowercase().starts_with("https://") => {
            report.problems.push(format!("a={a} is not an https: URL"));
        }
        _ => {}
    }
    if !report.problems.is_empty() {
        findings.push(cat::BIMI_SYNTAX.emit().detail(report.problems.join("; ")).evidence(ev.clone()));
    }
    let (policy, sp) = dmarc.await;
    let enforced = |p: Option<DmarcPolicy>| matches!(p, Some(DmarcPolicy::Quarantine | DmarcPolicy::Reject));
    if !enforced(policy) || sp.as_deref().is_some_and(|sp| !enforced(DmarcPolicy::parse(sp))) {
        findings.push(
            cat::BIMI_DMARC
                .emit()
                .detail(format!(
                    "DMARC policy: p={}{}",
                    policy.map_or("(none found)", DmarcPolicy::as_str),
                    sp.as_deref().map(|s| format!(", sp={s}")).unwrap_or_default()
                ))
                .fix(fixes::txt_line(
                    &format!("_dmarc.{domain}"),
                    &format!("v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain}"),
                )),
        );
    }
    report.status = if report.problems.is_empty() { LookupStatus::Found } else { LookupStatus::Permerror };
    report.record = Some(record);
    report.logo = logo;
    report.certificate = cert;
    (report, findings)
}
