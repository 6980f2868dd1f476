//! DKIM public keys published by a domain (RFC 6376 §3.6.1): the selectors given, or
//! a documented list of common selectors probed all at once. For each key: type,
//! size (RSA < 1024 error, 1024 warning, RFC 8301 §3.2), testing flag, revocation,
//! syntax. Selectors cannot be listed from DNS, so finding none proves nothing.

use super::query::Ctx;
use super::{LookupStatus, fixes};
use crate::auth::dkim::key::{KeyRecordInfo, parse_key_record};
use crate::dns::RecordType;
use crate::findings::{Finding, catalog::domain as cat};
use serde::{Deserialize, Serialize};

/// Selectors probed when none are given: defaults of common mail providers and
/// software (Google Workspace, Microsoft 365, Mailchimp/Mandrill, SendGrid, Fastmail,
/// Proton, Zoho, Postmark, Everlytic, MxVault, cPanel/Plesk defaults, ...).
pub const COMMON_SELECTORS: &[&str] = &[
    "default",
    "dkim",
    "mail",
    "smtp",
    "google",
    "selector1",
    "selector2",
    "k1",
    "k2",
    "k3",
    "s1",
    "s2",
    "s1024",
    "s2048",
    "key1",
    "key2",
    "dk",
    "mandrill",
    "mxvault",
    "everlytickey1",
    "everlytickey2",
    "fm1",
    "fm2",
    "fm3",
    "protonmail",
    "protonmail2",
    "protonmail3",
    "zoho",
    "zmail",
    "pm",
    "mailjet",
    "mta",
    "sig1",
    "cm",
    "email",
];

/// One DKIM key record (`dkim[]` in the JSON contract).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DkimKey {
    /// The selector.
    pub selector: String,
    /// `<selector>._domainkey.<domain>`.
    pub name: String,
    /// found / none / temperror / permerror.
    pub status: LookupStatus,
    /// The record text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// `rsa` or `ed25519` (k=, default rsa).
    pub key_type: Option<String>,
    /// Key size in bits (RSA modulus; 256 for ed25519).
    pub key_bits: Option<u32>,
    /// t=y: testing mode.
    pub testing: bool,
    /// Empty p=: the key is revoked.
    pub revoked: bool,
    /// Problems found in the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Whether the selector was given by the user (else probed).
    pub requested: bool,
}

/// Key size the domain check reports: only for a key type it knows (`rsa`, `ed25519`)
/// whose `p=` is strict base64 (anything else is listed in the key's problems instead).
fn reported_bits(info: &KeyRecordInfo) -> Option<u32> {
    let known = matches!(info.key_type.as_str(), "rsa" | "ed25519");
    info.key_bits.filter(|_| known && info.key_is_strict_base64)
}

/// Checks the selectors (given, or [`COMMON_SELECTORS`]) of `domain`, all at once.
pub async fn check(ctx: &Ctx<'_>, domain: &str, selectors: &[String]) -> (Vec<DkimKey>, Vec<Finding>) {
    let requested = !selectors.is_empty();
    let list: Vec<String> = if requested {
        let mut v: Vec<String> = Vec::new();
        for s in selectors {
            let s = s.trim().to_string();
            if !s.is_empty() && !v.contains(&s) {
                v.push(s);
            }
        }
        v
    } else {
        COMMON_SELECTORS.iter().map(|s| s.to_string()).collect()
    };
    let answers = futures::future::join_all(list.iter().map(|sel| async move {
        let name = format!("{sel}._domainkey.{domain}");
        let r = ctx.query(&name, RecordType::Txt, 1).await;
        (sel.clone(), name, r)
    }))
    .await;
    let mut keys = Vec::new();
    let mut findings = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    for (selector, name, r) in answers {
        let mut key = DkimKey {
            selector: selector.clone(),
            name: name.clone(),
            status: LookupStatus::None,
            record: None,
            key_type: None,
            key_bits: None,
            testing: false,
            revoked: false,
            problems: Vec::new(),
            requested,
        };
        match r {
            Err(e) => {
                key.status = LookupStatus::Temperror;
                key.problems.push(e.message.clone());
                failed.push(format!("{selector} ({})", e.message));
                keys.push(key);
            }
            Ok(a) => {
                let txts = a.txt();
                // A DKIM key record: v=DKIM1 or a p= tag (v= is optional, RFC 6376 §3.6.1).
                let dkim: Vec<&String> =
                    txts.iter().filter(|t| t.trim_start().starts_with("v=DKIM1") || t.contains("p=")).collect();
                let Some(record) = dkim.first() else {
                    if requested {
                        findings.push(cat::DKIM_MISSING.emit().detail(format!("no DKIM key at {name}")));
                        keys.push(key);
                    }
                    continue;
                };
                let info = parse_key_record(record);
                let bits = reported_bits(&info);
                key.status = if info.problems.is_empty() { LookupStatus::Found } else { LookupStatus::Permerror };
                key.record = Some((*record).clone());
                key.key_type = Some(info.key_type.clone());
                key.key_bits = bits;
                key.testing = info.flags.testing;
                key.revoked = info.revoked;
                key.problems = info.problems.clone();
                let ev = format!("{name} TXT \"{record}\"");
                let new_key = fixes::txt_line(
                    &format!("<new selector>._domainkey.{domain}"),
                    "v=DKIM1; k=rsa; p=<base64 of a 2048-bit public key>",
                );
                if !info.problems.is_empty() {
                    findings.push(
                        cat::DKIM_SYNTAX
                            .emit()
                            .detail(format!("selector {selector}: {}", info.problems.join("; ")))
                            .fix(format!(
                                "Publish the key again, e.g.:\n{}",
                                fixes::txt_line(&name, "v=DKIM1; k=rsa; p=<base64 of the DER public key>")
                            ))
                            .evidence(ev.clone()),
                    );
                }
                if info.revoked {
                    findings.push(
                        cat::DKIM_REVOKED
                            .emit()
                            .detail(format!("selector {selector} has p= empty"))
                            .evidence(ev.clone()),
                    );
                }
                if info.flags.testing {
                    let fixed = record.replace("t=y;", "").replace("; t=y", "");
                    findings.push(
                        cat::DKIM_TESTING
                            .emit()
                            .detail(format!("selector {selector}"))
                            .fix(fixes::txt_line(&name, fixed.trim()))
                            .evidence(ev.clone()),
                    );
                }
                if info.sha1_only() {
                    findings.push(cat::DKIM_SHA1.emit().detail(format!("selector {selector}")).evidence(ev.clone()));
                }
                if info.key_type == "rsa"
                    && let Some(bits) = bits
                {
                    if bits < 1024 {
                        findings.push(
                            cat::DKIM_WEAK
                                .emit()
                                .detail(format!("selector {selector}: RSA {bits} bits"))
                                .fix(new_key)
                                .evidence(ev),
                        );
                    } else if bits < 2048 {
                        findings.push(
                            cat::DKIM_1024
                                .emit()
                                .detail(format!("selector {selector}: RSA {bits} bits"))
                                .fix(new_key)
                                .evidence(ev),
                        );
                    }
                }
                keys.push(key);
            }
        }
    }
    if !failed.is_empty() {
        findings.push(cat::DKIM_TEMPERROR.emit().detail(format!(
            "{} selector(s) could not be looked up: {}",
            failed.len(),
            failed.join(", ")
        )));
    }
    if failed.is_empty() && !keys.iter().any(|k| matches!(k.status, LookupStatus::Found | LookupStatus::Permerror)) {
        let probed =
            if requested { list.join(", ") } else { format!("{} common selectors ({})", list.len(), list.join(", ")) };
        findings.push(
            cat::DKIM_NONE_FOUND.emit().detail(format!("probed {probed}: no DKIM key found — this proves nothing")),
        );
    }
    (keys, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_bits_need_a_known_type_and_strict_base64() {
        let ed = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        assert_eq!(reported_bits(&parse_key_record(&format!("v=DKIM1; k=ed25519; p={ed}"))), Some(256));
        // Unpadded base64: a verifier reads the key, the lint reports it and no size.
        let unpadded = parse_key_record(&format!("v=DKIM1; k=ed25519; p={}", ed.trim_end_matches('=')));
        assert_eq!(unpadded.key_bits, Some(256));
        assert_eq!(reported_bits(&unpadded), None);
        assert!(!unpadded.problems.is_empty());
        assert_eq!(reported_bits(&parse_key_record(&format!("v=DKIM1; k=dsa; p={ed}"))), None);
    }
}
