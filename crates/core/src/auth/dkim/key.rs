//! The one DKIM key-record parser (RFC 6376 §3.6.1), used by signature verification
//! and by the domain check's key lint. Tag names are case-sensitive (RFC 6376 §3.2:
//! "Tags MUST be interpreted in a case-sensitive manner"): `P=` is not `p=`.

use super::KeyFlags;
use crate::dns::mailauth_bridge::RawTxt;
use base64::Engine;

/// A DKIM key record as we read it ourselves (RFC 6376 §3.6.1): `mail-auth`'s
/// `DomainKey` is opaque, and the reports need type, size, flags and problems.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyRecordInfo {
    /// `k=`, lower case (default `rsa`).
    pub key_type: String,
    /// Public key size in bits (RSA modulus, 256 for Ed25519), when `p=` decodes.
    pub key_bits: Option<u32>,
    /// `p=` present and empty.
    pub revoked: bool,
    /// `p=` present.
    pub has_key: bool,
    /// `p=` is strict base64 (RFC 4648 §4, padding included); a verifier may still read a
    /// sloppy one, the lint reports it.
    pub key_is_strict_base64: bool,
    /// `t=` flags.
    pub flags: KeyFlags,
    /// `h=` acceptable hashes, lower case, when restricted.
    pub hashes: Option<Vec<String>>,
    /// `s=` service types, lower case, when restricted.
    pub services: Option<Vec<String>>,
    /// `v=` present and not `DKIM1` as the first tag-spec.
    pub bad_version: bool,
    /// Tag-list syntax error (RFC 6376 §3.2): a duplicate tag, or whitespace after the final `;`.
    pub syntax_error: Option<String>,
    /// What is wrong with the record, in plain words, for a domain owner (the domain
    /// check's `dkim[].problems`): not tag=value, `v=` misplaced or not `DKIM1`, unknown
    /// `k=`, no `p=`, `p=` not base64 or not a key of its type. Empty for a good record.
    pub problems: Vec<String>,
}

impl KeyRecordInfo {
    /// `h=` allows sha1 only (RFC 8301 §3.1 forbids verifying rsa-sha1).
    pub fn sha1_only(&self) -> bool {
        self.hashes.as_ref().is_some_and(|h| !h.is_empty() && h.iter().all(|a| a == "sha1"))
    }
}

/// At most this many tag-specs are linted for `problems` (hostile records stay bounded).
const MAX_LINTED_TAGS: usize = 32;

/// Parses a key record's tag list. Never fails: unknown tags are ignored (§3.6.1), and
/// what is wrong is reported in `syntax_error`, `bad_version` and `problems`. Tag names
/// are case-sensitive (§3.2); `k=`, `h=` and `s=` values are compared in lower case and
/// the `t=` flags case-insensitively (ABNF quoted strings, RFC 5234 §2.3).
pub fn parse_key_record(text: &str) -> KeyRecordInfo {
    let mut info = KeyRecordInfo { key_type: "rsa".to_string(), ..Default::default() };
    let mut p: Option<String> = None;
    // §3.2: tag-list = tag-spec *( ";" tag-spec ) [ ";" ]: nothing but the end after a final ';'.
    if let Some(pos) = text.rfind(';')
        && let Some(tail) = text.get(pos + 1..)
        && !tail.is_empty()
        && tail.bytes().all(|b| b.is_ascii_whitespace())
    {
        info.syntax_error = Some("whitespace after the final ';' (RFC 6376 §3.2)".into());
    }
    let mut seen: Vec<&str> = Vec::new();
    // Position among the non-empty tag-specs (the lint counts those; `bad_version` the raw ones).
    let mut linted = 0usize;
    for (i, spec) in text.split(';').enumerate() {
        let trimmed = spec.trim();
        let lint = !trimmed.is_empty() && linted < MAX_LINTED_TAGS;
        let position = linted;
        if !trimmed.is_empty() {
            linted += 1;
        }
        let Some((name, value)) = spec.split_once('=') else {
            if lint {
                info.problems.push(format!("\"{trimmed}\" is not tag=value"));
            }
            continue;
        };
        let name = name.trim();
        // §3.2: "if a tag name does occur more than once, the entire tag-list is invalid".
        if seen.contains(&name) {
            info.syntax_error = Some(format!("tag {name}= appears more than once (RFC 6376 §3.2)"));
        } else if seen.len() < 64 {
            seen.push(name);
        }
        let compact: String = value.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        match name {
            "v" => {
                info.bad_version = i != 0 || compact != "DKIM1";
                if lint && position != 0 {
                    info.problems.push("v= must be the first tag".into());
                }
                if lint && value.trim() != "DKIM1" {
                    info.problems.push(format!("v={}: must be DKIM1", value.trim()));
                }
            }
            "k" => info.key_type = compact.to_ascii_lowercase(),
            "p" => p = Some(compact),
            "t" => {
                for f in compact.split(':') {
                    if f.eq_ignore_ascii_case("y") {
                        info.flags.testing = true;
                    } else if f.eq_ignore_ascii_case("s") {
                        info.flags.strict_identity = true;
                    }
                }
            }
            "h" => info.hashes = Some(compact.split(':').map(|s| s.to_ascii_lowercase()).collect()),
            "s" => info.services = Some(compact.split(':').map(|s| s.to_ascii_lowercase()).collect()),
            _ => {}
        }
    }
    if !matches!(info.key_type.as_str(), "rsa" | "ed25519") {
        info.problems.push(format!("k={}: unknown key type (rsa or ed25519, RFC 8463)", info.key_type));
    }
    let Some(p) = p else {
        info.problems.push("no p= tag (public key) in the record".into());
        return info;
    };
    info.has_key = true;
    if p.is_empty() {
        info.revoked = true;
        return info;
    }
    if let Some(der) = base64_decode(&p) {
        info.key_bits = match info.key_type.as_str() {
            "ed25519" => (der.len() == 32).then_some(256),
            _ => rsa_modulus_bits(&der),
        };
    }
    match base64::engine::general_purpose::STANDARD.decode(p.as_bytes()) {
        Err(e) => info.problems.push(format!("p= is not valid base64 ({e})")),
        Ok(der) => {
            info.key_is_strict_base64 = true;
            match info.key_type.as_str() {
                "ed25519" if der.len() != 32 => {
                    info.problems.push(format!("ed25519 key must be 32 bytes, got {}", der.len()))
                }
                "rsa" if rsa_modulus_bits(&der).is_none() => {
                    info.problems.push("p= does not hold an RSA public key (SubjectPublicKeyInfo)".into())
                }
                _ => {}
            }
        }
    }
    info
}

/// Standard base64 (RFC 4648 §4), whitespace ignored. `None` on any other character.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// One DER TLV: (tag, content, rest); `None` when malformed or longer than the input.
fn der_tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *data.first()?;
    let first = *data.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (first as usize, 2usize)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *data.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let content = data.get(hdr..hdr.checked_add(len)?)?;
    let rest = data.get(hdr + len..)?;
    Some((tag, content, rest))
}

/// RSA modulus and public exponent (big-endian, leading zeros stripped) from a
/// SubjectPublicKeyInfo (RFC 5280 §4.1) or a bare PKCS#1 RSAPublicKey (RFC 8017
/// §A.1.1); both occur in `p=` (RFC 6376 §3.6.1).
pub fn rsa_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (tag, seq, _) = der_tlv(der)?;
    if tag != 0x30 {
        return None;
    }
    let (t1, _, rest) = der_tlv(seq)?;
    let rsa_seq = if t1 == 0x30 {
        // SPKI: AlgorithmIdentifier, then BIT STRING holding RSAPublicKey.
        let (t2, bits, _) = der_tlv(rest)?;
        if t2 != 0x03 {
            return None;
        }
        let inner = bits.get(1..)?; // unused-bits octet
        let (t3, rsa_seq, _) = der_tlv(inner)?;
        if t3 != 0x30 {
            return None;
        }
        rsa_seq
    } else if t1 == 0x02 {
        seq
    } else {
        return None;
    };
    let (t4, n, rest) = der_tlv(rsa_seq)?;
    let (t5, e, _) = der_tlv(rest)?;
    if t4 != 0x02 || t5 != 0x02 {
        return None;
    }
    let strip = |v: &[u8]| -> Option<Vec<u8>> {
        let skip = v.iter().take_while(|b| **b == 0).count();
        let out = v.get(skip..)?.to_vec();
        (!out.is_empty()).then_some(out)
    };
    Some((strip(n)?, strip(e)?))
}

/// RSA modulus size in bits (see [`rsa_components`]).
pub fn rsa_modulus_bits(der: &[u8]) -> Option<u32> {
    let (n, _) = rsa_components(der)?;
    let first = *n.first()?;
    Some((n.len() as u32 - 1) * 8 + (8 - first.leading_zeros()))
}

/// The key record text `mail-auth` used: the first record that parses (RFC 6376 §3.6.2.2).
pub(crate) fn key_record_text(raw: Option<&RawTxt>) -> Option<String> {
    let texts = raw?.texts();
    texts
        .iter()
        .find(|t| {
            let info = parse_key_record(t);
            info.has_key && !info.bad_version
        })
        .or_else(|| texts.first())
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519_P: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    #[test]
    fn key_record_sizes_and_flags() {
        // RFC 6376 Appendix C key (1024-bit RSA, SPKI).
        let k = parse_key_record(
            "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB",
        );
        assert_eq!(k.key_type, "rsa");
        assert_eq!(k.key_bits, Some(1024));
        assert!(!k.flags.testing);
        assert!(k.problems.is_empty(), "{:?}", k.problems);
        let k = parse_key_record(&format!("v=DKIM1; k=ed25519; t=y:s; p={ED25519_P}"));
        assert_eq!(k.key_bits, Some(256));
        assert!(k.flags.testing && k.flags.strict_identity);
        let k = parse_key_record("v=DKIM1; p=");
        assert!(k.revoked && k.problems.is_empty());
        assert!(parse_key_record("v=DKIM2; p=abc").bad_version);
        // RFC 6376 §3.2 tag-list syntax.
        assert_eq!(parse_key_record("v=DKIM1; p=").syntax_error, None);
        assert_eq!(parse_key_record("v=DKIM1; p=;").syntax_error, None);
        assert!(parse_key_record("v=DKIM1; p=; p=").syntax_error.is_some());
        assert!(parse_key_record("v=DKIM1; p=; ").syntax_error.is_some());
    }

    #[test]
    fn tag_names_are_case_sensitive() {
        // RFC 6376 §3.2: "Tags MUST be interpreted in a case-sensitive manner." `P=` is an
        // unknown tag, so this record has no public key at all; `K=` does not set the type.
        let k = parse_key_record(&format!("v=DKIM1; K=ed25519; P={ED25519_P}"));
        assert!(!k.has_key);
        assert_eq!(k.key_type, "rsa");
        assert_eq!(k.problems, vec!["no p= tag (public key) in the record".to_string()]);
        // `V=` is not the version tag either: the record is read as having no v= (allowed).
        let k = parse_key_record(&format!("V=DKIM2; k=ed25519; p={ED25519_P}"));
        assert!(!k.bad_version && k.problems.is_empty());
        // Values of k= / h= are compared case-insensitively, t= flags too (ABNF literals).
        let k = parse_key_record(&format!("k=ED25519; h=SHA1; t=Y; p={ED25519_P}"));
        assert_eq!((k.key_type.as_str(), k.key_bits), ("ed25519", Some(256)));
        assert!(k.sha1_only() && k.flags.testing);
    }

    #[test]
    fn problems_for_the_domain_check() {
        let k = parse_key_record("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC-not-base64!!");
        assert!(k.problems.iter().any(|p| p.starts_with("p= is not valid base64")), "{:?}", k.problems);
        assert!(!k.key_is_strict_base64);
        let k = parse_key_record("k=rsa; v=DKIM1; p=AAAA");
        assert!(k.problems.contains(&"v= must be the first tag".to_string()), "{:?}", k.problems);
        assert!(k.problems.iter().any(|p| p.contains("RSA public key")), "{:?}", k.problems);
        let k = parse_key_record("v=DKIM1; k=dsa; junk; p=");
        assert_eq!(
            k.problems,
            vec!["\"junk\" is not tag=value".to_string(), "k=dsa: unknown key type (rsa or ed25519, RFC 8463)".into()]
        );
        let k = parse_key_record("v=DKIM1; k=ed25519; p=AAAA");
        assert_eq!(k.problems, vec!["ed25519 key must be 32 bytes, got 3".to_string()]);
        // Hostile input: many tags, only the first ones are linted.
        let many = (0..500).map(|i| format!("x{i}")).collect::<Vec<_>>().join(";");
        assert!(parse_key_record(&many).problems.len() <= MAX_LINTED_TAGS + 2);
    }

    #[test]
    fn base64_and_der_are_bounded() {
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("a$b"), None);
        assert_eq!(rsa_modulus_bits(&[0x30, 0x84, 0xff]), None);
        assert_eq!(rsa_modulus_bits(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(rsa_modulus_bits(&[]), None);
        // PKCS#1 RSAPublicKey with a 9-bit modulus 0x01ff and e=3.
        assert_eq!(rsa_modulus_bits(&[0x30, 0x07, 0x02, 0x02, 0x01, 0xff, 0x02, 0x01, 0x03]), Some(9));
    }
}
