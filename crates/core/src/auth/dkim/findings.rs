//! The `dkim.*` findings of the verdicts: one per failure kind, plus weak keys, rsa-sha1,
//! testing mode, `l=`, unsigned or not oversigned header fields, and valid signatures
//! that do not align with the From domain.

use super::forensics::header_values;
use super::{BODY_LENGTH_READING, DkimFailureKind, DkimResult, DkimVerdict};
use crate::auth::dmarc;
use crate::findings::catalog::auth as cat;
use crate::findings::{Finding, Severity};
use mail_auth::AuthenticatedMessage;

/// Findings for the DKIM verdicts (`dmarc` gives the From domain for the alignment note).
pub fn dkim_findings(
    message: &AuthenticatedMessage<'_>,
    dkim: &[DkimVerdict],
    dmarc: &dmarc::DmarcVerdict,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if dkim.is_empty() {
        out.push(cat::DKIM_NONE.emit().detail("No DKIM-Signature header field."));
        return out;
    }
    for v in dkim {
        let who = format!("d={} s={}", v.domain, v.selector);
        let ev = |f: Finding| {
            let f = f.evidence(format!(
                "DKIM-Signature: {who} a={} c={} h={}",
                v.algorithm,
                v.canonicalization,
                v.headers.join(":")
            ));
            match &v.key_record {
                Some(k) => f.evidence(format!("{}._domainkey.{} TXT \"{}\"", v.selector, v.domain, k)),
                None => f,
            }
        };
        if let Some(fail) = &v.failure {
            let spec = match fail.kind {
                DkimFailureKind::BodyHashMismatch => Some(&cat::DKIM_BODY_HASH_MISMATCH),
                DkimFailureKind::SignatureMismatch => Some(&cat::DKIM_SIGNATURE_MISMATCH),
                DkimFailureKind::KeyMissing => Some(&cat::DKIM_KEY_MISSING),
                DkimFailureKind::KeyRevoked => Some(&cat::DKIM_KEY_REVOKED),
                DkimFailureKind::KeyTooShort => Some(&cat::DKIM_KEY_TOO_SHORT),
                DkimFailureKind::RsaSha1 => Some(&cat::DKIM_RSA_SHA1),
                DkimFailureKind::Expired => Some(&cat::DKIM_EXPIRED),
                DkimFailureKind::FutureTimestamp => Some(&cat::DKIM_FUTURE_TIMESTAMP),
                DkimFailureKind::IdentityMismatch => Some(&cat::DKIM_IDENTITY_MISMATCH),
                DkimFailureKind::DnsTemperror => Some(&cat::DKIM_TEMPERROR),
                DkimFailureKind::KeySyntax | DkimFailureKind::Syntax => Some(&cat::DKIM_SYNTAX),
            };
            if let Some(spec) = spec {
                out.push(ev(spec.emit().detail(format!("{who}: {}", fail.likely_cause))));
            }
        }
        if v.algorithm == "rsa-sha1" && v.failure.as_ref().is_none_or(|f| f.kind != DkimFailureKind::RsaSha1) {
            out.push(ev(cat::DKIM_RSA_SHA1.emit().detail(format!("{who} signs with rsa-sha1."))));
        }
        if v.key_type.as_deref() == Some("rsa")
            && let Some(bits) = v.key_bits
        {
            if bits < 1024 && v.failure.as_ref().is_none_or(|f| f.kind != DkimFailureKind::KeyTooShort) {
                out.push(ev(cat::DKIM_KEY_TOO_SHORT.emit().detail(format!("{who}: RSA key of {bits} bits."))));
            } else if (1024..2048).contains(&bits) {
                out.push(ev(cat::DKIM_KEY_WEAK.emit().detail(format!("{who}: RSA key of {bits} bits."))));
            }
        }
        if v.key_flags.testing {
            out.push(ev(cat::DKIM_TESTING_MODE.emit().detail(format!("{who}: the key record has t=y."))));
        }
        if let Some(l) = v.body_length {
            let body_len = message.raw_body().len();
            out.push(ev(cat::DKIM_BODY_LENGTH_TAG.emit().detail(format!(
                "{who} has l={l}; the raw body is {body_len} bytes{}. {BODY_LENGTH_READING}",
                if (l as usize) < body_len {
                    format!(", so about {} bytes after the signed prefix are unsigned", body_len - l as usize)
                } else {
                    String::new()
                }
            ))));
        }
        if !v.headers.is_empty() {
            let signed = |n: &str| v.headers.iter().filter(|h| h.eq_ignore_ascii_case(n)).count();
            let mut missing = Vec::new();
            if signed("from") == 0 {
                missing.push("From is not signed (RFC 6376 §5.4: MUST)".to_string());
            }
            let unsigned: Vec<&str> = ["Subject", "Date", "To"].into_iter().filter(|n| signed(n) == 0).collect();
            if !unsigned.is_empty() {
                missing.push(format!("{} not signed", unsigned.join(", ")));
            }
            let from_count = header_values(message, "From").len();
            if signed("from") > 0 && signed("from") <= from_count {
                missing.push("From is not oversigned (list it once more than it occurs, RFC 6376 §8.15)".to_string());
            }
            if !missing.is_empty() {
                let sev = if signed("from") == 0 { Severity::Error } else { Severity::Warning };
                let mut f = cat::DKIM_HEADERS_NOT_COVERED.emit().detail(format!("{who}: {}.", missing.join("; ")));
                if sev == Severity::Error {
                    f = f.severity(Severity::Error);
                } else if signed("from") > 0 && unsigned.is_empty() {
                    f = f.severity(Severity::Info);
                }
                out.push(ev(f));
            }
        }
    }
    let any_pass = dkim.iter().any(|v| v.result == DkimResult::Pass);
    let any_aligned = dkim.iter().any(|v| v.result == DkimResult::Pass && v.aligned_with_from);
    if any_pass && !any_aligned && !dmarc.domain.is_empty() {
        let ds: Vec<String> = dkim.iter().filter(|v| v.result == DkimResult::Pass).map(|v| v.domain.clone()).collect();
        out.push(cat::DKIM_NOT_ALIGNED.emit().detail(format!(
            "Valid signatures by {} but the From domain is {}.",
            ds.join(", "),
            dmarc.domain
        )));
    }
    out
}
