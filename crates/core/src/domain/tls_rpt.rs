//! SMTP TLS Reporting (RFC 8460): the `_smtp._tls` TXT record.

use super::query::{Ctx, TxtLookup, txt_with_prefix};
use super::{LookupStatus, fixes};
use crate::findings::{Finding, catalog::domain as cat};
use serde::{Deserialize, Serialize};

/// The TLS-RPT part of a domain report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TlsRptReport {
    /// found / none / temperror / permerror.
    pub status: LookupStatus,
    /// The record.
    pub record: Option<String>,
    /// Report destinations (rua=).
    pub rua: Vec<String>,
    /// Problems in the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Problems of a `v=TLSRPTv1` record (RFC 8460 §3) and its rua URIs.
pub fn lint(record: &str) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let mut rua = Vec::new();
    let mut saw_rua = false;
    let parts: Vec<&str> = record.split(';').map(str::trim).take(32).collect();
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.iter().copied().enumerate() {
        if part.is_empty() {
            // §3: tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]:
            // one trailing ';' is allowed, an empty field is not.
            if i != last || i == 0 {
                problems.push("empty field between ';' (RFC 8460 §3)".into());
            }
            continue;
        }
        let (k, v) = part.split_once('=').map(|(k, v)| (k.trim(), v.trim())).unwrap_or((part, ""));
        match k {
            "v" if i == 0 && v == "TLSRPTv1" => {}
            "v" => problems.push("v=TLSRPTv1 must be the first tag".into()),
            "rua" => {
                saw_rua = true;
                for u in v.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                    let lower = u.to_ascii_lowercase();
                    // A URI (RFC 3986) holds no whitespace: "mailto:a@b.example other" is not one.
                    let ok = ((lower.starts_with("mailto:") && u.contains('@')) || lower.starts_with("https://"))
                        && !u.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control());
                    if !ok {
                        problems.push(format!("rua \"{u}\" is not a mailto: or https: URI"));
                    }
                    rua.push(u.to_string());
                }
            }
            k => {
                // §3: tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value,
                // tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E).
                let value_ok = !v.is_empty() && v.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'=' && b != b';');
                if !super::mta_sts::is_ext_name(k) || !value_ok || !part.contains('=') {
                    problems.push(format!("\"{part}\" is not a valid extension (RFC 8460 §3)"));
                }
            }
        }
    }
    if !saw_rua || rua.is_empty() {
        problems.push("no rua= destination".into());
    }
    (problems, rua)
}

/// Checks `_smtp._tls.<domain>`. (The caller raises a missing record to a warning when
/// MTA-STS or DANE is published: their failures are only visible through TLS-RPT.)
pub async fn check(ctx: &Ctx<'_>, domain: &str) -> (TlsRptReport, Vec<Finding>) {
    let name = format!("_smtp._tls.{domain}");
    let fix = fixes::txt_line(&name, &format!("v=TLSRPTv1; rua=mailto:tlsrpt@{domain}"));
    let mut report = TlsRptReport { status: LookupStatus::None, record: None, rua: Vec::new(), problems: Vec::new() };
    let mut findings = Vec::new();
    match txt_with_prefix(ctx, &name, "v=TLSRPTv1", 1).await {
        TxtLookup::TempError(e) => {
            report.status = LookupStatus::Temperror;
            findings.push(cat::TLS_RPT_TEMPERROR.emit().detail(format!("TXT {name}: {}", e.message)));
        }
        TxtLookup::None => findings.push(cat::TLS_RPT_MISSING.emit().fix(fix)),
        TxtLookup::Found(recs) => {
            let record = recs.first().cloned().unwrap_or_default();
            let (mut problems, rua) = lint(&record);
            if recs.len() > 1 {
                problems.push(format!("{} TLSRPTv1 records: reporters ignore them all", recs.len()));
            }
            report.status = if problems.is_empty() { LookupStatus::Found } else { LookupStatus::Permerror };
            if !problems.is_empty() {
                findings.push(
                    cat::TLS_RPT_SYNTAX
                        .emit()
                        .detail(problems.join("; "))
                        .fix(fix)
                        .evidence(format!("{name} TXT \"{record}\"")),
                );
            }
            report.record = Some(record);
            report.rua = rua;
            report.problems = problems;
        }
    }
    (report, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_tls_rpt() {
        assert!(lint("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example/x").0.is_empty());
        assert!(!lint("v=TLSRPTv1; rua=a@example.com").0.is_empty());
        assert!(!lint("v=TLSRPTv1").0.is_empty());
    }

    #[test]
    fn lint_fields_follow_rfc8460_abnf() {
        assert!(lint("v=TLSRPTv1; rua=mailto:a@example.com;").0.is_empty());
        assert!(lint("v=TLSRPTv1; rua=mailto:a@example.com; ext=yes").0.is_empty());
        for bad in [
            "v=TLSRPTv1; rua=mailto:a@example.com;;",
            "v=TLSRPTv1; rua=mailto:a@example.com; more=",
            "v=TLSRPTv1; rua=mailto:a@example.com; 1%=a",
            "v=TLSRPTv1; rua=mailto:a@example.com; test==",
            "v=TLSRPTv1; rua=mailto:a@example.com other",
        ] {
            assert!(!lint(bad).0.is_empty(), "{bad}");
        }
    }
}
