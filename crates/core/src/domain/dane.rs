//! DANE for SMTP (RFC 7672, RFC 6698): TLSA records at `_25._tcp.<mx host>`, linted,
//! and meaningful only when they validate with DNSSEC.

use super::query::Ctx;
use super::{LookupStatus, fixes};
use crate::dns::{RecordData, RecordType};
use crate::findings::{Finding, catalog::domain as cat};
use serde::{Deserialize, Serialize};

/// TLSA records of one MX host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DaneHost {
    /// The MX host.
    pub host: String,
    /// `_25._tcp.<host>`.
    pub name: String,
    /// found / none / temperror.
    pub status: LookupStatus,
    /// TLSA records in presentation form.
    pub tlsa: Vec<String>,
    /// The TLSA answer validated (AD bit).
    pub authenticated: bool,
    /// Problems in the records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Lints one TLSA record (RFC 6698 §2.1, RFC 7672 §3.1.3). Returns (errors, pkix).
pub fn lint_tlsa(usage: u8, selector: u8, matching: u8, data: &[u8]) -> (Vec<String>, bool) {
    let mut errors = Vec::new();
    if usage > 3 {
        errors.push(format!("usage {usage} unknown (0-3)"));
    }
    if selector > 1 {
        errors.push(format!("selector {selector} unknown (0-1)"));
    }
    match (matching, data.len()) {
        (0, 0) => errors.push("matching type 0 with empty data".into()),
        (1, n) if n != 32 => errors.push(format!("SHA-256 data must be 32 bytes, got {n}")),
        (2, n) if n != 64 => errors.push(format!("SHA-512 data must be 64 bytes, got {n}")),
        (m, _) if m > 2 => errors.push(format!("matching type {m} unknown (0-2)")),
        _ => {}
    }
    (errors, usage <= 1)
}

/// Checks TLSA for every MX host. `dnssec_validates` (awaited after the TLSA queries):
/// the resolver validates (else the AD bit means nothing and no "without DNSSEC"
/// finding is raised).
pub async fn check(
    ctx: &Ctx<'_>,
    hosts: &[String],
    dnssec_validates: impl std::future::Future<Output = bool>,
) -> (Vec<DaneHost>, Vec<Finding>) {
    let answers = futures::future::join_all(hosts.iter().map(|h| async move {
        let name = format!("_25._tcp.{h}");
        let r = ctx.query(&name, RecordType::Tlsa, 2).await;
        (h.clone(), name, r)
    }))
    .await;
    let dnssec_validates = dnssec_validates.await;
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for (host, name, r) in answers {
        let mut dh = DaneHost {
            host: host.clone(),
            name: name.clone(),
            status: LookupStatus::None,
            tlsa: Vec::new(),
            authenticated: false,
            problems: Vec::new(),
        };
        match r {
            Err(e) => {
                dh.status = LookupStatus::Temperror;
                dh.problems.push(e.message.clone());
                findings.push(cat::DANE_TEMPERROR.emit().detail(format!("TLSA {name}: {}", e.message)));
            }
            Ok(a) => {
                dh.authenticated = a.authenticated;
                let mut pkix = false;
                for rec in &a.records {
                    if let RecordData::Tlsa { usage, selector, matching, data } = &rec.data {
                        dh.tlsa.push(rec.data.to_presentation());
                        let (errs, is_pkix) = lint_tlsa(*usage, *selector, *matching, data);
                        pkix |= is_pkix;
                        dh.problems.extend(errs);
                    }
                }
                if !dh.tlsa.is_empty() {
                    dh.status = LookupStatus::Found;
                    let fix = fixes::line(&name, "TLSA", "3 1 1 <sha256 of the server's SubjectPublicKeyInfo>");
                    if !dh.problems.is_empty() {
                        findings.push(
                            cat::DANE_SYNTAX
                                .emit()
                                .detail(format!("{name}: {}", dh.problems.join("; ")))
                                .fix(fix.clone()),
                        );
                    }
                    if pkix {
                        findings
                            .push(cat::DANE_PKIX.emit().detail(format!("{name}: {}", dh.tlsa.join(" | "))).fix(fix));
                    }
                    if dnssec_validates && !a.authenticated {
                        findings.push(
                            cat::DANE_WITHOUT_DNSSEC.emit().detail(format!("{name} does not validate (no AD bit)")),
                        );
                    }
                }
            }
        }
        out.push(dh);
    }
    (out, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlsa_lint() {
        assert!(lint_tlsa(3, 1, 1, &[0; 32]).0.is_empty());
        assert!(!lint_tlsa(3, 1, 1, &[0; 31]).0.is_empty());
        assert!(lint_tlsa(1, 0, 2, &[0; 64]).1);
        assert!(!lint_tlsa(4, 2, 3, &[1]).0.is_empty());
    }
}
