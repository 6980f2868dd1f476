//! Probe results → catalog findings (`findings::catalog::probe`). Pure functions over the
//! report types, so the judgement lives in one place and the API, CLI and web app show
//! the same findings.

use super::dnsbl::{DnsblReport, Status};
use super::smtp::{SmtpProbeReport, Verdict};
use inboxlens_core::findings::Finding;
use inboxlens_core::findings::catalog::probe as cat;

/// Findings for a DNSBL report: one per listing, one (info) per list without an answer.
pub fn dnsbl_findings(report: &DnsblReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for list in &report.lists {
        match list.status {
            Status::Listed => out.push(
                cat::BLOCKLIST_LISTED
                    .emit()
                    .detail(format!("{} is listed on {} ({})", report.query, list.zone, list.codes.join(", ")))
                    .evidence(list.txt.join(" ")),
            ),
            Status::Unknown => out.push(cat::BLOCKLIST_UNKNOWN.emit().detail(format!(
                "{}: {}",
                list.zone,
                list.meaning.clone().unwrap_or_else(|| "no usable answer".into())
            ))),
            Status::NotListed => {}
        }
    }
    out
}

/// Findings for an SMTP probe report.
pub fn smtp_findings(report: &SmtpProbeReport) -> Vec<Finding> {
    let mut out = Vec::new();
    let port25: Vec<_> = report.results.iter().filter(|r| r.port == 25).collect();
    if !port25.is_empty() && port25.iter().all(|r| !r.connected) {
        out.push(
            cat::SMTP_UNREACHABLE
                .emit()
                .detail(format!("{} address(es) tried on port 25, none connected", port25.len())),
        );
    }
    for r in &report.results {
        let at = format!("{} [{}]:{}", r.host, r.ip, r.port);
        if !r.connected {
            continue;
        }
        let offered = r.capabilities.as_ref().is_some_and(|c| c.starttls);
        if r.port != 465 && r.capabilities.is_some() && !offered && !r.implicit_tls {
            out.push(cat::SMTP_NO_STARTTLS.emit().detail(at.clone()));
        }
        if let Some(cert) = &r.cert {
            if cert.expired == Some(true) {
                out.push(
                    cat::SMTP_CERT_EXPIRED
                        .emit()
                        .detail(format!("{at}: not after {}", cert.not_after.clone().unwrap_or_default())),
                );
            } else if !cert.trusted {
                out.push(cat::SMTP_CERT_UNTRUSTED.emit().detail(format!(
                    "{at}: {}",
                    cert.trust_error.clone().unwrap_or_else(|| format!("issued by {}", cert.issuer))
                )));
            }
            if !cert.hostname_match {
                out.push(cat::SMTP_CERT_NAME_MISMATCH.emit().detail(format!("{at}: names {}", cert.sans.join(", "))));
            }
        }
        if r.auth_before_tls == Some(true) {
            out.push(cat::SMTP_AUTH_BEFORE_TLS.emit().detail(at.clone()));
        }
        if r.open_relay == Some(true) {
            out.push(cat::SMTP_OPEN_RELAY.emit().detail(at.clone()));
        }
        if r.banner_matches_ptr == Some(false) {
            out.push(cat::SMTP_BANNER_PTR_MISMATCH.emit().detail(format!(
                "{at}: banner {}, PTR {}",
                r.banner_host.clone().unwrap_or_default(),
                r.ptr.join(", ")
            )));
        }
        for rcpt in r.rcpt.iter().filter(|x| !x.accepted && (500..600).contains(&x.code)) {
            out.push(
                cat::SMTP_MAILBOX_REJECTED.emit().detail(format!("{}: {} {}", rcpt.address, rcpt.code, rcpt.text)),
            );
        }
        if r.catch_all == Some(true) {
            out.push(cat::SMTP_CATCH_ALL.emit().detail(at.clone()));
        }
        if r.verdict == Verdict::Inconclusive && r.rcpt.iter().any(|x| (400..500).contains(&x.code)) {
            out.push(cat::SMTP_GREYLISTED.emit().detail(at.clone()));
        }
    }
    out
}
