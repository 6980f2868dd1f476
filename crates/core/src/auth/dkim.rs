//! DKIM verification (RFC 6376, RFC 8301, RFC 8463) through `mail-auth`, fed only by
//! the DNS seam, plus the one entry point [`verify_auth`] that runs DKIM, ARC and
//! DMARC over one message.
//!
//! `mail-auth` does the cryptography. On top of it this module adds what a
//! deliverability report needs and `mail-auth` hides: key type and size (parsed from the
//! very TXT answer `mail-auth` used), key flags, failure forensics with a likely cause,
//! RFC 8301 policy (rsa-sha1, keys under 1024 bits), key `s=` / `h=` restrictions, and
//! judging `x=` / `t=` against the caller's `now` instead of the real clock.
//!
//! Reading of `l=` (RFC 6376 §6.1.3 allows either): signatures with a body length limit
//! ARE verified over the signed prefix (`parse_with_opts(raw, None, false)`), and a
//! `dkim.body_length_tag` finding reports the unsigned tail either way.

use crate::auth::{arc, dmarc};
use crate::dns::Resolver;
use crate::dns::mailauth_bridge::{self, Prefetch, RawTxt, SeamCache, TxtKind};
use crate::findings::catalog::auth as cat;
use crate::findings::{Finding, Severity};
use mail_auth::crypto::{Algorithm, CryptoError, HashAlgorithm};
use mail_auth::dkim::{Canonicalization, DkimError, Signature, VerifySignature};
use mail_auth::headers::Header;
use mail_auth::{AuthenticatedMessage, DkimOutput, DkimResult, DnsError, Error, Parameters, SpfOutput, TxtRecord};
use serde::{Deserialize, Serialize};

/// How Inboxlens reads `l=` (stated in every `dkim.body_length_tag` finding).
pub const BODY_LENGTH_READING: &str = "Inboxlens verifies signatures with l= over the signed prefix (RFC 6376 §6.1.3 allows verifiers to honour l= or to ignore such signatures; strict verifiers such as mail-auth's default parse treat them as neutral).";

/// Grace for a `t=` timestamp ahead of `now` before the signature is set aside (clock skew).
pub const FUTURE_TIMESTAMP_GRACE: u64 = 86_400;

/// Largest body (bytes) on which the footer search re-hashes prefixes.
const FORENSICS_MAX_BODY: usize = 512 * 1024;
/// Most prefixes tried by the footer search.
const FORENSICS_MAX_PREFIXES: usize = 200;
/// Most bytes the footer search hashes in total (bounded work, also on wasm32).
const FORENSICS_HASH_BUDGET: usize = 8 * 1024 * 1024;

/// Why a signature did not pass, and the most likely reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DkimFailure {
    /// `body_hash_mismatch` | `signature_mismatch` | `key_missing` | `key_revoked` |
    /// `key_syntax` | `key_too_short` | `rsa_sha1` | `expired` | `future_timestamp` |
    /// `identity_mismatch` | `syntax` | `dns_temperror`.
    pub kind: String,
    /// The likely cause, in plain words, from what the message and DNS show.
    pub likely_cause: String,
}

/// The key record's `t=` flags (RFC 6376 §3.6.1).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct KeyFlags {
    /// `t=y`: the domain is testing DKIM.
    pub testing: bool,
    /// `t=s`: `i=` must be exactly `d=`, not a subdomain.
    pub strict_identity: bool,
}

/// The verdict on one DKIM-Signature header field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DkimVerdict {
    /// `pass|fail|neutral|policy|none|temperror|permerror` (RFC 8601 §2.7.1).
    pub result: String,
    /// `d=`, lower case.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// `rsa-sha256|ed25519-sha256|rsa-sha1`.
    pub algorithm: String,
    /// `rsa` / `ed25519` from the key record's `k=`.
    pub key_type: Option<String>,
    /// RSA modulus length, or 256 for Ed25519.
    pub key_bits: Option<u32>,
    /// `h=`, as written.
    pub headers: Vec<String>,
    /// `l=`.
    pub body_length: Option<u64>,
    /// `x=`.
    pub expiration: Option<u64>,
    /// `t=`.
    pub timestamp: Option<u64>,
    /// `header/body`, e.g. `relaxed/relaxed`.
    pub canonicalization: String,
    /// Key record flags.
    pub key_flags: KeyFlags,
    /// Whether the cryptographic check itself succeeded (`None` when it was not reached).
    /// A `policy` result with `Some(true)` is a valid signature refused by RFC 8301.
    pub signature_valid: Option<bool>,
    /// Why it did not pass.
    pub failure: Option<DkimFailure>,
    /// `d=` aligns with the RFC5322.From domain under the DMARC record's `adkim=`
    /// (relaxed when no record).
    pub aligned_with_from: bool,
    /// The key record text used, as the seam answered it.
    pub key_record: Option<String>,
}

/// Everything the authentication checks found in one message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthVerdicts {
    /// DKIM verdicts in header order (top first).
    pub dkim: Vec<DkimVerdict>,
    /// The ARC chain.
    pub arc: arc::ArcVerdict,
    /// DMARC.
    pub dmarc: dmarc::DmarcVerdict,
    /// `dkim.*`, `dmarc.*`, `arc.*` findings.
    pub findings: Vec<Finding>,
    /// Lookups `mail-auth` asked for that the prefetch did not cover (answered as
    /// temporary errors). Zero unless an unusual tag (ATPS, `r=y`) needed more DNS.
    pub unprefetched_lookups: u32,
}

/// Runs DKIM, ARC and DMARC on `raw` as of `now` (unix seconds). All DNS goes through
/// `resolver`, prefetched in parallel; `mail-auth` sees exactly those answers.
/// `spf_domain` is the domain SPF checked (MAIL FROM domain, or HELO when the reverse
/// path was null) and `spf` its result (RFC 9989 §4.4.2 uses it for alignment).
pub async fn verify_auth(
    raw: &[u8],
    resolver: &dyn Resolver,
    spf_domain: &str,
    spf: &SpfOutput,
    now: u64,
) -> AuthVerdicts {
    let message = match AuthenticatedMessage::parse_with_opts(raw, None, false) {
        Some(m) => m,
        None => {
            // No header fields at all: nothing to authenticate, no author domain.
            let mut dmarc = dmarc::DmarcVerdict::no_from();
            dmarc.result = "permerror".to_string();
            return AuthVerdicts {
                dkim: Vec::new(),
                arc: arc::ArcVerdict::none(),
                findings: vec![
                    cat::DKIM_NONE.emit().detail("The message has no header fields."),
                    cat::DMARC_NO_FROM_DOMAIN.emit().detail("The message has no header fields."),
                ],
                dmarc,
                unprefetched_lookups: 0,
            };
        }
    };

    let mut plan = Prefetch::default();
    plan_dkim(&message, &mut plan);
    arc::plan_arc(&message, &mut plan);
    dmarc::plan_dmarc(&message, spf_domain, &mut plan);
    let cache = SeamCache::prefetch(resolver, &plan).await;
    let auth = mailauth_bridge::authenticator();

    let outputs = auth.verify_dkim(Parameters::new(&message).with_cache(&cache)).await;
    let (mut dkim, passing) = build_dkim_verdicts(&message, &outputs, &cache, now);

    let (arc_verdict, arc_findings) = arc::evaluate_arc(&auth, &message, &cache, now).await;

    let dmarc_outputs: Vec<DkimOutput<'_>> = passing.iter().filter_map(|i| outputs.get(*i).cloned()).collect();
    let (dmarc_verdict, dmarc_findings) =
        dmarc::evaluate_dmarc(&auth, &message, &cache, &dmarc_outputs, &dkim, spf_domain, spf).await;

    for v in dkim.iter_mut() {
        v.aligned_with_from =
            dmarc_verdict.alignment.iter().any(|r| r.identifier == "dkim" && r.domain == v.domain && r.aligned);
    }

    let mut findings = dkim_findings(&message, &dkim, &dmarc_verdict);
    findings.extend(arc_findings);
    findings.extend(dmarc_findings);

    AuthVerdicts {
        dkim,
        arc: arc_verdict,
        dmarc: dmarc_verdict,
        findings,
        unprefetched_lookups: u32::try_from(cache.misses()).unwrap_or(u32::MAX),
    }
}

/// Adds every DKIM-Signature's key name (`<s>._domainkey.<d>`, RFC 6376 §3.6.2.1), the
/// reporting record of `r=y` signatures (RFC 6651 §3) and the ATPS name of `atps=`
/// signatures whose domain is a From domain (RFC 6541 §4): every TXT name `mail-auth`'s
/// DKIM verifier may ask for.
pub fn plan_dkim(message: &AuthenticatedMessage<'_>, plan: &mut Prefetch) {
    for h in message.dkim_signatures() {
        let sig = &h.header;
        plan.add_txt(&sig.domain_key(), TxtKind::DomainKey);
        if sig.r {
            plan.add_txt(&format!("_report._domainkey.{}", sig.d), TxtKind::DkimReport);
        }
        if let Some(atps) = &sig.atps
            && message.from_addresses().iter().any(|f| f.rsplit_once('@').is_some_and(|(_, d)| d == atps))
        {
            let label = match &sig.atpsh {
                Some(ha) => data_encoding::BASE32_NOPAD.encode(ha.hash(sig.d.as_bytes()).as_ref()),
                None => sig.d.clone(),
            };
            plan.add_txt(&format!("{label}._atps.{atps}"), TxtKind::Atps);
        }
    }
}

/// Name of the algorithm as written in `a=`.
pub fn algorithm_name(a: Algorithm) -> &'static str {
    match a {
        Algorithm::RsaSha1 => "rsa-sha1",
        Algorithm::RsaSha256 => "rsa-sha256",
        Algorithm::Ed25519Sha256 => "ed25519-sha256",
        Algorithm::MlDsa44 => "mldsa44",
    }
}

fn canon_name(c: Canonicalization) -> &'static str {
    match c {
        Canonicalization::Relaxed => "relaxed",
        Canonicalization::Simple => "simple",
    }
}

/// A DKIM key record as we read it ourselves (RFC 6376 §3.6.1): `mail-auth`'s
/// `DomainKey` is opaque, and the report needs type, size and flags.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyRecordInfo {
    /// `k=` (default `rsa`).
    pub key_type: String,
    /// Public key size in bits (RSA modulus, 256 for Ed25519), when `p=` decodes.
    pub key_bits: Option<u32>,
    /// `p=` present and empty.
    pub revoked: bool,
    /// `p=` present.
    pub has_key: bool,
    /// `t=` flags.
    pub flags: KeyFlags,
    /// `h=` acceptable hashes, when restricted.
    pub hashes: Option<Vec<String>>,
    /// `s=` service types, when restricted.
    pub services: Option<Vec<String>>,
    /// `v=` present and not `DKIM1`.
    pub bad_version: bool,
    /// Tag-list syntax error (RFC 6376 §3.2): a duplicate tag, or whitespace after the final `;`.
    pub syntax_error: Option<String>,
}

/// Parses a key record's tag list. Never fails: unknown tags are ignored (§3.6.1).
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
    for (i, spec) in text.split(';').enumerate() {
        let Some((name, value)) = spec.split_once('=') else {
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
            "v" => info.bad_version = i != 0 || compact != "DKIM1",
            "k" => info.key_type = compact.to_ascii_lowercase(),
            "p" => p = Some(compact),
            "t" => {
                for f in compact.split(':') {
                    match f {
                        "y" => info.flags.testing = true,
                        "s" => info.flags.strict_identity = true,
                        _ => {}
                    }
                }
            }
            "h" => info.hashes = Some(compact.split(':').map(|s| s.to_ascii_lowercase()).collect()),
            "s" => info.services = Some(compact.split(':').map(|s| s.to_ascii_lowercase()).collect()),
            _ => {}
        }
    }
    if let Some(p) = p {
        info.has_key = true;
        if p.is_empty() {
            info.revoked = true;
        } else if let Some(der) = base64_decode(&p) {
            info.key_bits = match info.key_type.as_str() {
                "ed25519" => (der.len() == 32).then_some(256),
                _ => rsa_modulus_bits(&der),
            };
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

/// One DER TLV: (tag, content, rest).
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
fn key_record_text(raw: Option<&RawTxt>) -> Option<String> {
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

fn failure(kind: &str, cause: impl Into<String>) -> Option<DkimFailure> {
    Some(DkimFailure { kind: kind.to_string(), likely_cause: cause.into() })
}

/// Builds one verdict per DKIM-Signature header, in header order. Returns the verdicts
/// and the indexes (into `outputs`) whose pass or temperror DMARC may use.
fn build_dkim_verdicts(
    message: &AuthenticatedMessage<'_>,
    outputs: &[DkimOutput<'_>],
    cache: &SeamCache,
    now: u64,
) -> (Vec<DkimVerdict>, Vec<usize>) {
    // `mail-auth` first emits one neutral output per DKIM error header, then one per
    // parsed signature (verify.rs); pair them back up.
    let dkim_errors: Vec<_> =
        message.errors().iter().filter(|h| h.name.eq_ignore_ascii_case(b"DKIM-Signature")).collect();
    let skipped = message.errors().iter().filter(|h| matches!(h.header, Error::Dkim(_))).count();
    let mut rows: Vec<(usize, DkimVerdict)> = Vec::new();
    let mut passing = Vec::new();
    let pos_of =
        |value: &[u8]| message.headers().iter().position(|(_, v)| v.as_ptr() == value.as_ptr()).unwrap_or(usize::MAX);

    for h in dkim_errors {
        let tags = crate::auth::arc::parse_tag_list_lenient(h.value);
        let get = |k: &str| tags.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let (result, kind, cause) = match &h.header {
            Error::Dkim(DkimError::UnsupportedVersion) => {
                ("permerror", "syntax", "unsupported v= (RFC 6376 requires v=1)".to_string())
            }
            Error::Dkim(DkimError::UnsupportedAlgorithm) => {
                ("permerror", "syntax", format!("unsupported a={} (RFC 6376 §3.3, RFC 8463)", get("a")))
            }
            Error::Dkim(DkimError::UnsupportedCanonicalization) => {
                ("permerror", "syntax", format!("unsupported c={}", get("c")))
            }
            Error::Dkim(DkimError::BodyLengthTag) => {
                ("neutral", "syntax", "l= present and strict parsing ignores it".to_string())
            }
            e => ("permerror", "syntax", format!("the DKIM-Signature header field is malformed ({e})")),
        };
        let verdict = DkimVerdict {
            result: result.to_string(),
            domain: get("d").to_ascii_lowercase(),
            selector: get("s"),
            algorithm: get("a"),
            key_type: None,
            key_bits: None,
            headers: get("h").split(':').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            body_length: get("l").parse().ok(),
            expiration: get("x").parse().ok(),
            timestamp: get("t").parse().ok(),
            canonicalization: if get("c").is_empty() { "simple/simple".to_string() } else { get("c") },
            key_flags: KeyFlags::default(),
            signature_valid: None,
            failure: failure(kind, cause),
            aligned_with_from: false,
            key_record: None,
        };
        rows.push((pos_of(h.value), verdict));
    }

    for (idx, (h, out)) in message.dkim_signatures().iter().zip(outputs.iter().skip(skipped)).enumerate() {
        let out_index = skipped + idx;
        let sig = &h.header;
        let key_name = sig.domain_key();
        let raw = cache.raw_txt(&key_name);
        let key_text = key_record_text(raw);
        let key = key_text.as_deref().map(parse_key_record);
        let mut v = DkimVerdict {
            result: String::new(),
            domain: sig.d.to_ascii_lowercase(),
            selector: sig.s.clone(),
            algorithm: algorithm_name(sig.a).to_string(),
            key_type: key.as_ref().filter(|k| k.has_key).map(|k| k.key_type.clone()),
            key_bits: key.as_ref().and_then(|k| k.key_bits),
            headers: sig.h.clone(),
            body_length: (sig.l > 0).then_some(sig.l),
            expiration: (sig.x > 0).then_some(sig.x),
            timestamp: (sig.t > 0).then_some(sig.t),
            canonicalization: format!("{}/{}", canon_name(sig.ch), canon_name(sig.cb)),
            key_flags: key.as_ref().map(|k| k.flags.clone()).unwrap_or_default(),
            signature_valid: None,
            failure: None,
            aligned_with_from: false,
            key_record: key_text.clone(),
        };
        let key_parsed = cache.txt_record(&key_name);
        let (result, sig_valid, fail) = match query_method_problem(h.value) {
            Some(why) => ("permerror", None, failure("syntax", why)),
            None => judge(message, h, out.result(), raw, key_parsed.as_ref(), key.as_ref(), key_text.as_deref(), now),
        };
        v.result = result.to_string();
        v.signature_valid = sig_valid;
        v.failure = fail;
        if v.result == "pass" || v.result == "temperror" {
            passing.push(out_index);
        }
        rows.push((pos_of(h.value), v));
    }
    rows.sort_by_key(|(p, _)| *p);
    (rows.into_iter().map(|(_, v)| v).collect(), passing)
}

type Judged = (&'static str, Option<bool>, Option<DkimFailure>);

/// Checks on top of a cryptographically valid signature: key `s=` / `h=`, `x=` / `t=`
/// against `now`, RFC 8301 key size and algorithm.
fn judge_valid(sig: &Signature, key: Option<&KeyRecordInfo>, now: u64) -> Judged {
    let key_name = sig.domain_key();
    if let Some(k) = key {
        if let Some(services) = &k.services
            && !services.iter().any(|s| s == "*" || s == "email")
        {
            return (
                "permerror",
                Some(true),
                failure(
                    "key_syntax",
                    format!(
                        "the key record restricts the key to service s={} (RFC 6376 §3.6.1: not for email)",
                        services.join(":")
                    ),
                ),
            );
        }
        if let Some(hashes) = &k.hashes {
            let want = if sig.a == Algorithm::RsaSha1 { "sha1" } else { "sha256" };
            if !hashes.iter().any(|h| h == want) {
                return (
                    "permerror",
                    Some(true),
                    failure(
                        "key_syntax",
                        format!(
                            "the key record allows only h={} but the signature uses {} (RFC 6376 §3.6.1)",
                            hashes.join(":"),
                            want
                        ),
                    ),
                );
            }
        }
    }
    if sig.x > 0 && (sig.x <= sig.t || sig.x <= now) {
        return (
            "neutral",
            Some(true),
            failure(
                "expired",
                format!(
                    "x={} is {} (RFC 6376 §3.5); the signature itself is valid",
                    sig.x,
                    if sig.x <= sig.t {
                        "not after t=".to_string()
                    } else {
                        format!("{} s before the verification time", now - sig.x)
                    }
                ),
            ),
        );
    }
    if sig.t > now.saturating_add(FUTURE_TIMESTAMP_GRACE) {
        return (
            "neutral",
            Some(true),
            failure(
                "future_timestamp",
                format!(
                    "t={} is {} s after the verification time: the signer's clock is wrong (RFC 6376 §3.5)",
                    sig.t,
                    sig.t - now
                ),
            ),
        );
    }
    if let (Some(bits), true) = (key.and_then(|k| k.key_bits), key.is_some_and(|k| k.key_type == "rsa"))
        && bits < 1024
    {
        return (
            "policy",
            Some(true),
            failure(
                "key_too_short",
                format!(
                    "the RSA key at {key_name} has {bits} bits; RFC 8301 §3.2 forbids treating signatures with keys under 1024 bits as valid"
                ),
            ),
        );
    }
    if sig.a == Algorithm::RsaSha1 {
        return (
            "policy",
            Some(true),
            failure("rsa_sha1", "the signature is valid but uses rsa-sha1, which RFC 8301 §3.1 forbids for verifying"),
        );
    }
    ("pass", Some(true), None)
}

/// RFC 6376 §3.5: `q=` names the key query methods; only `dns/txt` is defined, so a
/// signature offering no `dns/txt` cannot get its key (PERMFAIL).
fn query_method_problem(value: &[u8]) -> Option<String> {
    let tags = crate::auth::arc::parse_tag_list_lenient(value);
    let q = tags.iter().find(|(n, _)| n == "q").map(|(_, v)| v.clone())?;
    let ok = q.split(':').any(|m| m.eq_ignore_ascii_case("dns/txt") || m.to_ascii_lowercase().starts_with("dns/txt/"));
    (!ok).then(|| format!("q={q} offers no dns/txt key retrieval, the only method RFC 6376 §3.5 defines"))
}

/// RFC 6376 §6.1.2 fetches the key before §6.1.3 hashes the body; `mail-auth` compares
/// the body hash first. When the key is unusable, that is the verdict.
fn key_unusable(
    parsed: Option<&TxtRecord>,
    raw: Option<&RawTxt>,
    key: Option<&KeyRecordInfo>,
    key_name: &str,
) -> Option<Judged> {
    match parsed {
        Some(TxtRecord::Error(e)) => Some(key_error(e, raw, key, key_name)),
        _ => None,
    }
}

/// Maps `mail-auth`'s result to ours and applies the checks it leaves out.
#[allow(clippy::too_many_arguments)]
fn judge(
    message: &AuthenticatedMessage<'_>,
    h: &Header<'_, Signature>,
    result: &DkimResult,
    raw: Option<&RawTxt>,
    parsed: Option<&TxtRecord>,
    key: Option<&KeyRecordInfo>,
    key_text: Option<&str>,
    now: u64,
) -> Judged {
    let sig = &h.header;
    let key_name = sig.domain_key();
    match result {
        DkimResult::Pass => judge_valid(sig, key, now),
        DkimResult::Neutral(Error::Dkim(DkimError::BodyHashMismatch))
        | DkimResult::Fail(Error::Dkim(DkimError::BodyHashMismatch)) => {
            if let Some(j) = key_unusable(parsed, raw, key, &key_name) {
                return j;
            }
            ("fail", Some(false), failure("body_hash_mismatch", body_hash_cause(message, sig)))
        }
        DkimResult::Neutral(Error::Dkim(DkimError::SignatureExpired)) => {
            // mail-auth compared x= with the real clock before any cryptography; redo
            // the verification ourselves and judge x= against `now`.
            let checked = match raw {
                Some(RawTxt::Failed(why)) => {
                    return (
                        "temperror",
                        None,
                        failure("dns_temperror", format!("the lookup of {key_name} failed temporarily ({why})")),
                    );
                }
                _ => {
                    if let Some(j) = key_unusable(parsed, raw, key, &key_name) {
                        return j;
                    }
                    verify_as_of(message, h, key, key_text)
                }
            };
            match checked {
                Ok(()) => judge_valid(sig, key, now),
                Err("body_hash_mismatch") => {
                    ("fail", Some(false), failure("body_hash_mismatch", body_hash_cause(message, sig)))
                }
                Err("signature_mismatch") => {
                    ("fail", Some(false), failure("signature_mismatch", signature_cause(message, sig, now)))
                }
                Err("identity_mismatch") => (
                    "permerror",
                    None,
                    failure("identity_mismatch", format!("i={} is not within d={} (RFC 6376 §3.5)", sig.i, sig.d)),
                ),
                Err("key_revoked") => key_error(&Error::Dkim(DkimError::PublicKeyRevoked), raw, key, &key_name),
                Err(_) => (
                    "permerror",
                    None,
                    failure(
                        "key_syntax",
                        format!("the key record at {key_name} cannot be used to verify this signature"),
                    ),
                ),
            }
        }
        DkimResult::Fail(Error::Crypto(CryptoError::FailedVerification))
        | DkimResult::Fail(Error::Crypto(CryptoError::Library(_))) => {
            ("fail", Some(false), failure("signature_mismatch", signature_cause(message, sig, now)))
        }
        DkimResult::Fail(Error::Crypto(CryptoError::IncompatibleAlgorithms)) => (
            "permerror",
            None,
            failure(
                "key_syntax",
                format!(
                    "a={} does not match the key type k={} at {key_name}",
                    algorithm_name(sig.a),
                    key.map(|k| k.key_type.as_str()).unwrap_or("?")
                ),
            ),
        ),
        DkimResult::Fail(Error::Dkim(DkimError::AuidMismatch)) => (
            "permerror",
            None,
            failure(
                "identity_mismatch",
                format!(
                    "i={} is not within d={}{} (RFC 6376 §3.5)",
                    sig.i,
                    sig.d,
                    if key.is_some_and(|k| k.flags.strict_identity) {
                        " (the key's t=s requires i= to be exactly d=)"
                    } else {
                        ""
                    }
                ),
            ),
        ),
        DkimResult::TempError(e) => (
            "temperror",
            None,
            failure(
                "dns_temperror",
                format!("the lookup of {key_name} failed temporarily ({e}); the key is not treated as missing"),
            ),
        ),
        DkimResult::PermError(e) | DkimResult::Fail(e) | DkimResult::Neutral(e) => key_error(e, raw, key, &key_name),
        DkimResult::None => ("none", None, None),
    }
}

fn key_error(
    e: &Error,
    raw: Option<&RawTxt>,
    key: Option<&KeyRecordInfo>,
    key_name: &str,
) -> (&'static str, Option<bool>, Option<DkimFailure>) {
    match e {
        Error::Dkim(DkimError::PublicKeyRevoked) => (
            "permerror",
            None,
            failure(
                "key_revoked",
                format!(
                    "{key_name} has an empty p=: the key was revoked, probably rotated away while this selector is still used for signing"
                ),
            ),
        ),
        Error::Dns(DnsError::RecordNotFound(code)) => (
            "permerror",
            None,
            failure(
                "key_missing",
                format!(
                    "{key_name} does not exist ({}); the selector is wrong, or the key was removed after rotation",
                    if *code == 3 { "NXDOMAIN" } else { "no TXT record" }
                ),
            ),
        ),
        Error::Dns(DnsError::Resolver(why)) => (
            "temperror",
            None,
            failure("dns_temperror", format!("the lookup of {key_name} failed temporarily ({why})")),
        ),
        Error::Dns(DnsError::InvalidRecordType) => {
            let empty = raw.is_some_and(|r| r.texts().iter().all(|t| t.trim().is_empty()));
            if matches!(raw, Some(RawTxt::Records(_))) && !empty {
                let why = match key {
                    Some(k) if k.bad_version => "its v= is not DKIM1 as the first tag",
                    Some(k) if !k.has_key => "it has no p= tag",
                    _ => "it is not a DKIM key record",
                };
                (
                    "permerror",
                    None,
                    failure(
                        "key_syntax",
                        format!("the TXT record at {key_name} cannot be used: {why} (RFC 6376 §3.6.1)"),
                    ),
                )
            } else {
                (
                    "permerror",
                    None,
                    failure(
                        "key_missing",
                        format!(
                            "{key_name} holds no DKIM key record{}",
                            if empty { " (its TXT record is empty)" } else { "" }
                        ),
                    ),
                )
            }
        }
        Error::Dkim(DkimError::UnsupportedKeyType) => (
            "permerror",
            None,
            failure(
                "key_syntax",
                format!("{key_name} has an unsupported k= (RFC 6376 §3.6.1 defines rsa; RFC 8463 ed25519)"),
            ),
        ),
        Error::Crypto(CryptoError::MalformedPublicKey) | Error::Base64 => (
            "permerror",
            None,
            failure(
                "key_syntax",
                format!(
                    "the p= public key at {key_name} does not decode (bad base64, wrong length, or not an RSA/Ed25519 key)"
                ),
            ),
        ),
        other => ("permerror", None, failure("syntax", format!("the signature could not be evaluated: {other}"))),
    }
}

/// DigestInfo prefixes for RSASSA-PKCS1-v1_5 (RFC 8017 §9.2 note 1).
const SHA256_PREFIX: [u8; 19] =
    [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
const SHA1_PREFIX: [u8; 15] =
    [0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14];

/// Relaxed header canonicalization (RFC 6376 §3.4.2).
fn relaxed_header(name: &[u8], value: &[u8], out: &mut Vec<u8>) {
    out.extend(name.trim_ascii().iter().map(|b| b.to_ascii_lowercase()));
    out.push(b':');
    let unfolded: Vec<u8> = value.iter().copied().filter(|b| *b != b'\r' && *b != b'\n').collect();
    let mut first = true;
    for tok in unfolded.split(|b| *b == b' ' || *b == b'\t').filter(|t| !t.is_empty()) {
        if !first {
            out.push(b' ');
        }
        first = false;
        out.extend_from_slice(tok);
    }
    if value.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
}

/// The signature header value with the `b=` value deleted (RFC 6376 §3.7), without its
/// final CRLF.
fn strip_b_value(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for seg in value.split_inclusive(|b| *b == b';') {
        let eq = seg.iter().position(|b| *b == b'=');
        match eq {
            Some(e) if seg.get(..e).is_some_and(|n| n.trim_ascii() == b"b") => {
                out.extend_from_slice(seg.get(..=e).unwrap_or_default());
                if seg.ends_with(b";") {
                    out.push(b';');
                }
            }
            _ => out.extend_from_slice(seg),
        }
    }
    while out.last().is_some_and(|b| *b == b'\r' || *b == b'\n') {
        out.pop();
    }
    out
}

/// Verifies one signature ourselves (RFC 6376 §6.1.3), for the case `mail-auth` refuses
/// before any cryptography: an `x=` already past on the real clock. Errors name the
/// failure kind.
fn verify_as_of(
    message: &AuthenticatedMessage<'_>,
    h: &Header<'_, Signature>,
    key: Option<&KeyRecordInfo>,
    key_text: Option<&str>,
) -> Result<(), &'static str> {
    let sig = &h.header;
    let key = key.ok_or("key_missing")?;
    if key.revoked {
        return Err("key_revoked");
    }
    if !key.has_key || key.bad_version {
        return Err("key_syntax");
    }
    if !sig.i.is_empty() {
        let auid = sig.i.rsplit_once('@').map(|(_, d)| d).unwrap_or_default().to_ascii_lowercase();
        let d = sig.d.to_ascii_lowercase();
        let ok = auid == d || (!key.flags.strict_identity && auid.ends_with(&format!(".{d}")));
        if !ok {
            return Err("identity_mismatch");
        }
    }
    // Body hash.
    let relaxed_body = sig.cb == Canonicalization::Relaxed;
    let lines = canonical_body_lines(message.raw_body(), relaxed_body);
    if hash_of(sig.a, &canonical_body(&lines, relaxed_body, sig.l)) != sig.bh {
        return Err("body_hash_mismatch");
    }
    // Header hash: h= instances picked bottom-up (RFC 6376 §5.4.2), then the signature
    // header itself with b= emptied and no final CRLF.
    let headers = message.headers();
    let mut used = vec![false; headers.len()];
    let mut data = Vec::with_capacity(1024);
    let relaxed = sig.ch == Canonicalization::Relaxed;
    let canon = |name: &[u8], value: &[u8], data: &mut Vec<u8>| {
        if relaxed {
            relaxed_header(name, value, data);
        } else {
            data.extend_from_slice(name);
            data.push(b':');
            data.extend_from_slice(value);
        }
    };
    for name in &sig.h {
        let found = (0..headers.len()).rev().find(|&i| {
            !used.get(i).copied().unwrap_or(true)
                && headers.get(i).is_some_and(|(n, _)| n.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
        });
        if let Some(i) = found {
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
            if let Some((n, v)) = headers.get(i) {
                canon(n, v, &mut data);
            }
        }
    }
    canon(h.name, &strip_b_value(h.value), &mut data);
    let der = key_text
        .and_then(|t| {
            t.split(';')
                .find_map(|spec| spec.split_once('=').filter(|(n, _)| n.trim() == "p").map(|(_, v)| v.to_string()))
        })
        .and_then(|p| base64_decode(&p))
        .ok_or("key_syntax")?;
    match (sig.a, key.key_type.as_str()) {
        (Algorithm::Ed25519Sha256, "ed25519") => {
            let pk: [u8; 32] = der.as_slice().try_into().map_err(|_| "key_syntax")?;
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk).map_err(|_| "key_syntax")?;
            let sb: [u8; 64] = sig.b.as_slice().try_into().map_err(|_| "signature_mismatch")?;
            let digest = hash_of(Algorithm::Ed25519Sha256, &data);
            vk.verify_strict(&digest, &ed25519_dalek::Signature::from_bytes(&sb)).map_err(|_| "signature_mismatch")
        }
        (Algorithm::RsaSha256 | Algorithm::RsaSha1, "rsa") => {
            let (n, e) = rsa_components(&der).ok_or("key_syntax")?;
            let pk = rsa::RsaPublicKey::new_with_max_size(
                rsa::BigUint::from_bytes_be(&n),
                rsa::BigUint::from_bytes_be(&e),
                8192,
            )
            .map_err(|_| "key_syntax")?;
            let (hash_len, prefix): (usize, &[u8]) =
                if sig.a == Algorithm::RsaSha1 { (20, &SHA1_PREFIX) } else { (32, &SHA256_PREFIX) };
            let scheme = rsa::Pkcs1v15Sign { hash_len: Some(hash_len), prefix: prefix.to_vec().into_boxed_slice() };
            pk.verify(scheme, &hash_of(sig.a, &data), &sig.b).map_err(|_| "signature_mismatch")
        }
        _ => Err("key_syntax"),
    }
}

/// Canonical body lines (RFC 6376 §3.4.3 simple / §3.4.4 relaxed), trailing empty
/// lines removed, without their CRLF.
fn canonical_body_lines(body: &[u8], relaxed: bool) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (line, next): (&[u8], &[u8]) = match rest.windows(2).position(|w| w == b"\r\n") {
            Some(p) => (rest.get(..p).unwrap_or_default(), rest.get(p + 2..).unwrap_or_default()),
            None => (rest, &[]),
        };
        let mut l = line.to_vec();
        if relaxed {
            let mut out = Vec::with_capacity(l.len());
            let mut in_ws = false;
            for &b in &l {
                if b == b' ' || b == b'\t' {
                    in_ws = true;
                } else {
                    if in_ws {
                        out.push(b' ');
                    }
                    in_ws = false;
                    out.push(b);
                }
            }
            l = out;
        }
        lines.push(l);
        rest = next;
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn canonical_body(lines: &[Vec<u8>], relaxed: bool, l: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    if out.is_empty() && !relaxed {
        out.extend_from_slice(b"\r\n");
    }
    if l > 0 && (l as usize) < out.len() {
        out.truncate(l as usize);
    }
    out
}

fn hash_of(a: Algorithm, data: &[u8]) -> Vec<u8> {
    let ha = if a == Algorithm::RsaSha1 { HashAlgorithm::Sha1 } else { HashAlgorithm::Sha256 };
    ha.hash(data).as_ref().to_vec()
}

/// Counts line breaks that are not CRLF: (bare LF, bare CR).
fn bare_line_endings(data: &[u8]) -> (usize, usize) {
    let mut lf = 0;
    let mut cr = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' && (i == 0 || data.get(i - 1) != Some(&b'\r')) {
            lf += 1;
        }
        if b == b'\r' && data.get(i + 1) != Some(&b'\n') {
            cr += 1;
        }
    }
    (lf, cr)
}

fn to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 20);
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        match b {
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

/// Why the body hash differs: footer appended (a signed prefix still matches), line
/// endings converted, or content rewritten.
fn body_hash_cause(message: &AuthenticatedMessage<'_>, sig: &Signature) -> String {
    let body = message.raw_body();
    let relaxed = sig.cb == Canonicalization::Relaxed;
    let (lf, cr) = bare_line_endings(message.raw_message());
    if lf + cr > 0 {
        let fixed = to_crlf(body);
        let lines = canonical_body_lines(&fixed, relaxed);
        if hash_of(sig.a, &canonical_body(&lines, relaxed, sig.l)) == sig.bh {
            return format!(
                "line endings were changed after signing: the raw message has {lf} LF-only and {cr} CR-only line breaks, and with CRLF restored the body hash matches (a store or relay converted line endings)"
            );
        }
    }
    if body.len() <= FORENSICS_MAX_BODY {
        let lines = canonical_body_lines(body, relaxed);
        let n = lines.len();
        let lowest = n.saturating_sub(FORENSICS_MAX_PREFIXES);
        let mut spent = 0usize;
        for k in (lowest..n).rev() {
            let prefix = lines.get(..k).unwrap_or_default();
            let canon = canonical_body(prefix, relaxed, sig.l);
            spent += canon.len();
            if spent > FORENSICS_HASH_BUDGET {
                break;
            }
            if hash_of(sig.a, &canon) == sig.bh {
                let added: Vec<String> = lines
                    .get(k..)
                    .unwrap_or_default()
                    .iter()
                    .filter(|l| !l.is_empty())
                    .take(3)
                    .map(|l| String::from_utf8_lossy(l).chars().take(80).collect())
                    .collect();
                return format!(
                    "a footer was appended after signing: the first {k} of {n} body lines still match bh=, {} line(s) were added (mailing list footer or disclaimer){}",
                    n - k,
                    if added.is_empty() { String::new() } else { format!(", starting with \"{}\"", added.join(" / ")) }
                );
            }
        }
    }
    if lf + cr > 0 {
        return format!(
            "the raw message has {lf} LF-only and {cr} CR-only line breaks: line endings were probably changed in transit (and the body may also have been modified)"
        );
    }
    if sig.l > 0 {
        return format!(
            "the body was modified within the first l={} signed bytes (re-encoding or content rewriting by a gateway)",
            sig.l
        );
    }
    "the body was modified in transit and no signed prefix matches: re-encoded MIME parts (e.g. quoted-printable/base64 conversion), rewritten links (link protection), or content filtering".to_string()
}

fn header_values(message: &AuthenticatedMessage<'_>, name: &str) -> Vec<String> {
    message
        .headers()
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string())
        .collect()
}

/// Why the header signature does not verify.
fn signature_cause(message: &AuthenticatedMessage<'_>, sig: &Signature, now: u64) -> String {
    let mut causes: Vec<String> = Vec::new();
    let (lf, cr) = bare_line_endings(message.raw_headers());
    if lf + cr > 0 {
        causes.push(format!("the header block has {lf} LF-only / {cr} CR-only line breaks (line endings changed)"));
    }
    let signed = |n: &str| sig.h.iter().any(|h| h.eq_ignore_ascii_case(n));
    if signed("subject")
        && let Some(subject) = header_values(message, "Subject").first()
        && subject.starts_with('[')
        && subject.contains(']')
    {
        causes.push(format!(
            "the Subject starts with a tag (\"{}\"), probably added by a mailing list after signing",
            subject.chars().take(60).collect::<String>()
        ));
    }
    if signed("from") {
        let list = !header_values(message, "List-Id").is_empty();
        let via = header_values(message, "From").iter().any(|f| f.contains(" via "));
        if via || list {
            causes.push("the message went through a mailing list, which may have rewritten From/Subject or other signed headers".to_string());
        }
    }
    for name in &sig.h {
        let present = header_values(message, name).len();
        let listed = sig.h.iter().filter(|h| h.eq_ignore_ascii_case(name)).count();
        if present > listed && name.eq_ignore_ascii_case("from") {
            causes.push(format!(
                "{present} From fields but h= lists {listed}: a From field was probably added after signing"
            ));
        }
    }
    if sig.ch == Canonicalization::Simple {
        causes.push(
            "c=simple header canonicalization breaks on any re-folding or whitespace change by a relay".to_string(),
        );
    }
    if sig.t > 0 && now > sig.t && now - sig.t > 7 * 86_400 {
        causes.push(format!(
            "the signature is {} days old: the selector's key may have been rotated since signing",
            (now - sig.t) / 86_400
        ));
    }
    if causes.is_empty() {
        "a signed header field was modified after signing, or the key published now is not the one the signer used (key rotated or wrong selector)".to_string()
    } else {
        causes.join("; ")
    }
}

/// Findings for the DKIM verdicts.
fn dkim_findings(
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
            let spec = match fail.kind.as_str() {
                "body_hash_mismatch" => Some(&cat::DKIM_BODY_HASH_MISMATCH),
                "signature_mismatch" => Some(&cat::DKIM_SIGNATURE_MISMATCH),
                "key_missing" => Some(&cat::DKIM_KEY_MISSING),
                "key_revoked" => Some(&cat::DKIM_KEY_REVOKED),
                "key_too_short" => Some(&cat::DKIM_KEY_TOO_SHORT),
                "rsa_sha1" => Some(&cat::DKIM_RSA_SHA1),
                "expired" => Some(&cat::DKIM_EXPIRED),
                "future_timestamp" => Some(&cat::DKIM_FUTURE_TIMESTAMP),
                "identity_mismatch" => Some(&cat::DKIM_IDENTITY_MISMATCH),
                "dns_temperror" => Some(&cat::DKIM_TEMPERROR),
                "key_syntax" | "syntax" => Some(&cat::DKIM_SYNTAX),
                _ => None,
            };
            if let Some(spec) = spec {
                out.push(ev(spec.emit().detail(format!("{who}: {}", fail.likely_cause))));
            }
        }
        if v.algorithm == "rsa-sha1" && v.failure.as_ref().is_none_or(|f| f.kind != "rsa_sha1") {
            out.push(ev(cat::DKIM_RSA_SHA1.emit().detail(format!("{who} signs with rsa-sha1."))));
        }
        if v.key_type.as_deref() == Some("rsa")
            && let Some(bits) = v.key_bits
        {
            if bits < 1024 && v.failure.as_ref().is_none_or(|f| f.kind != "key_too_short") {
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
    let any_pass = dkim.iter().any(|v| v.result == "pass");
    let any_aligned = dkim.iter().any(|v| v.result == "pass" && v.aligned_with_from);
    if any_pass && !any_aligned && !dmarc.domain.is_empty() {
        let ds: Vec<String> = dkim.iter().filter(|v| v.result == "pass").map(|v| v.domain.clone()).collect();
        out.push(cat::DKIM_NOT_ALIGNED.emit().detail(format!(
            "Valid signatures by {} but the From domain is {}.",
            ds.join(", "),
            dmarc.domain
        )));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_record_sizes_and_flags() {
        // RFC 6376 Appendix C key (1024-bit RSA, SPKI).
        let k = parse_key_record(
            "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB",
        );
        assert_eq!(k.key_type, "rsa");
        assert_eq!(k.key_bits, Some(1024));
        assert!(!k.flags.testing);
        let k = parse_key_record("v=DKIM1; k=ed25519; t=y:s; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        assert_eq!(k.key_bits, Some(256));
        assert!(k.flags.testing && k.flags.strict_identity);
        let k = parse_key_record("v=DKIM1; p=");
        assert!(k.revoked);
        assert!(parse_key_record("v=DKIM2; p=abc").bad_version);
        // RFC 6376 §3.2 tag-list syntax.
        assert_eq!(parse_key_record("v=DKIM1; p=").syntax_error, None);
        assert_eq!(parse_key_record("v=DKIM1; p=;").syntax_error, None);
        assert!(parse_key_record("v=DKIM1; p=; p=").syntax_error.is_some());
        assert!(parse_key_record("v=DKIM1; p=; ").syntax_error.is_some());
    }

    #[test]
    fn base64_and_der_are_bounded() {
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("a$b"), None);
        assert_eq!(rsa_modulus_bits(&[0x30, 0x84, 0xff]), None);
        assert_eq!(rsa_modulus_bits(&[]), None);
    }

    #[test]
    fn body_canonicalization_matches_rfc6376_examples() {
        // RFC 6376 §3.4.5: " C \r\nD \t E\r\n\r\n\r\n"
        let body = b" C \r\nD \t E\r\n\r\n\r\n";
        assert_eq!(canonical_body(&canonical_body_lines(body, true), true, 0), b" C\r\nD E\r\n");
        assert_eq!(canonical_body(&canonical_body_lines(body, false), false, 0), b" C \r\nD \t E\r\n");
        assert_eq!(canonical_body(&canonical_body_lines(b"", false), false, 0), b"\r\n");
        assert_eq!(canonical_body(&canonical_body_lines(b"", true), true, 0), b"");
        assert_eq!(bare_line_endings(b"a\nb\r\nc\rd"), (1, 1));
    }
}
