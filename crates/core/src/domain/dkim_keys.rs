//! DKIM public keys published by a domain (RFC 6376 §3.6.1): the selectors given, or
//! a documented list of common selectors probed all at once. For each key: type,
//! size (RSA < 1024 error, 1024 warning, RFC 8301 §3.2), testing flag, revocation,
//! syntax. Selectors cannot be listed from DNS, so finding none proves nothing.

use super::query::Ctx;
use super::{LookupStatus, fixes};
use crate::dns::RecordType;
use crate::findings::{Finding, catalog::domain as cat};
use base64::Engine;
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

/// The parsed key record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KeyInfo {
    /// `rsa` / `ed25519` / other.
    pub key_type: String,
    /// Bits of the key.
    pub bits: Option<u32>,
    /// t=y.
    pub testing: bool,
    /// p= empty.
    pub revoked: bool,
    /// h= allows only sha1.
    pub sha1_only: bool,
    /// Syntax problems.
    pub problems: Vec<String>,
}

/// Parses a DKIM key record. Never panics; problems are listed.
pub fn parse_key(record: &str) -> KeyInfo {
    let mut info = KeyInfo { key_type: "rsa".into(), ..Default::default() };
    let mut p: Option<String> = None;
    for (i, part) in record.split(';').map(str::trim).filter(|s| !s.is_empty()).take(32).enumerate() {
        let Some((k, v)) = part.split_once('=') else {
            info.problems.push(format!("\"{part}\" is not tag=value"));
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim();
        match k.as_str() {
            "v" => {
                if i != 0 {
                    info.problems.push("v= must be the first tag".into());
                }
                if v != "DKIM1" {
                    info.problems.push(format!("v={v}: must be DKIM1"));
                }
            }
            "k" => info.key_type = v.to_ascii_lowercase(),
            "p" => p = Some(v.chars().filter(|c| !c.is_whitespace()).collect()),
            "t" => {
                let flags: Vec<String> = v.split(':').map(|f| f.trim().to_ascii_lowercase()).collect();
                info.testing = flags.iter().any(|f| f == "y");
            }
            "h" => {
                let algs: Vec<String> = v.split(':').map(|f| f.trim().to_ascii_lowercase()).collect();
                info.sha1_only = !algs.is_empty() && algs.iter().all(|a| a == "sha1");
            }
            _ => {}
        }
    }
    if !matches!(info.key_type.as_str(), "rsa" | "ed25519") {
        info.problems.push(format!("k={}: unknown key type (rsa or ed25519, RFC 8463)", info.key_type));
    }
    match p {
        None => info.problems.push("no p= tag (public key) in the record".into()),
        Some(p) if p.is_empty() => info.revoked = true,
        Some(p) => match base64::engine::general_purpose::STANDARD.decode(p.as_bytes()) {
            Err(e) => info.problems.push(format!("p= is not valid base64 ({e})")),
            Ok(der) => match info.key_type.as_str() {
                "ed25519" => {
                    if der.len() == 32 {
                        info.bits = Some(256);
                    } else {
                        info.problems.push(format!("ed25519 key must be 32 bytes, got {}", der.len()));
                    }
                }
                "rsa" => match rsa_modulus_bits(&der) {
                    Some(b) => info.bits = Some(b),
                    None => info.problems.push("p= does not hold an RSA public key (SubjectPublicKeyInfo)".into()),
                },
                _ => {}
            },
        },
    }
    info
}

/// One DER TLV: (tag, content, rest). Bounded by the input; `None` when malformed.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Bits of the RSA modulus in a SubjectPublicKeyInfo or a PKCS#1 RSAPublicKey.
pub fn rsa_modulus_bits(der: &[u8]) -> Option<u32> {
    let (tag, seq, _) = tlv(der)?;
    if tag != 0x30 {
        return None;
    }
    let (t1, first, after) = tlv(seq)?;
    let rsa_key = if t1 == 0x30 {
        // SubjectPublicKeyInfo: AlgorithmIdentifier then BIT STRING.
        let _ = first;
        let (t2, bits, _) = tlv(after)?;
        if t2 != 0x03 || bits.is_empty() {
            return None;
        }
        let (t3, inner, _) = tlv(&bits[1..])?;
        if t3 != 0x30 {
            return None;
        }
        inner
    } else {
        seq
    };
    let (tn, n, rest) = tlv(rsa_key)?;
    let (te, _e, _) = tlv(rest)?;
    if tn != 0x02 || te != 0x02 {
        return None;
    }
    let n: &[u8] = {
        let mut s = n;
        while let Some((&0, r)) = s.split_first() {
            s = r;
        }
        s
    };
    let (&top, _) = n.split_first()?;
    Some((n.len() as u32 - 1) * 8 + (8 - top.leading_zeros()))
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
                let info = parse_key(record);
                key.status = if info.problems.is_empty() { LookupStatus::Found } else { LookupStatus::Permerror };
                key.record = Some((*record).clone());
                key.key_type = Some(info.key_type.clone());
                key.key_bits = info.bits;
                key.testing = info.testing;
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
                if info.testing {
                    let fixed = record.replace("t=y;", "").replace("; t=y", "");
                    findings.push(
                        cat::DKIM_TESTING
                            .emit()
                            .detail(format!("selector {selector}"))
                            .fix(fixes::txt_line(&name, fixed.trim()))
                            .evidence(ev.clone()),
                    );
                }
                if info.sha1_only {
                    findings.push(cat::DKIM_SHA1.emit().detail(format!("selector {selector}")).evidence(ev.clone()));
                }
                if info.key_type == "rsa"
                    && let Some(bits) = info.bits
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
    fn rejects_garbage_and_reads_revoked() {
        let k = parse_key("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC-not-base64!!");
        assert!(!k.problems.is_empty());
        let r = parse_key("v=DKIM1; k=rsa; p=");
        assert!(r.revoked && r.problems.is_empty());
        let t = parse_key("v=DKIM1; t=y:s; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        assert!(t.testing);
        assert_eq!(t.bits, Some(256));
    }

    #[test]
    fn der_reader_is_bounded() {
        assert_eq!(rsa_modulus_bits(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(rsa_modulus_bits(&[]), None);
        // PKCS#1 RSAPublicKey with a 9-bit modulus 0x01ff and e=3.
        assert_eq!(rsa_modulus_bits(&[0x30, 0x07, 0x02, 0x02, 0x01, 0xff, 0x02, 0x01, 0x03]), Some(9));
    }
}
