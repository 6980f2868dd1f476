//! One verdict per DKIM-Signature header field: `mail-auth`'s cryptographic result,
//! then what it leaves out (key `s=` / `h=` restrictions, `x=` / `t=` against the
//! caller's `now`, RFC 8301 key size and algorithm, `q=`), and our own verification for
//! signatures `mail-auth` refuses on the real clock.

use super::forensics::{body_hash_cause, signature_cause};
use super::key::{KeyRecordInfo, base64_decode, key_record_text, parse_key_record, rsa_components};
use super::tags::parse_tag_list_lenient;
use super::{
    DkimFailure, DkimFailureKind, DkimResult, DkimVerdict, FUTURE_TIMESTAMP_GRACE, KeyFlags, algorithm_name, canon_name,
};
use crate::dns::mailauth_bridge::{RawTxt, SeamCache};
use mail_auth::crypto::{Algorithm, CryptoError, HashAlgorithm};
use mail_auth::dkim::{Canonicalization, DkimError, Signature, VerifySignature};
use mail_auth::headers::Header;
use mail_auth::{AuthenticatedMessage, DkimOutput, DkimResult as MailAuthDkimResult, DnsError, Error, TxtRecord};

/// A failure of `kind` with its likely cause.
fn failure(kind: DkimFailureKind, cause: impl Into<String>) -> Option<DkimFailure> {
    Some(DkimFailure { kind, likely_cause: cause.into() })
}

/// Builds one verdict per DKIM-Signature header, in header order. Returns the verdicts
/// and the indexes (into `outputs`) whose pass or temperror DMARC may use.
pub fn build_dkim_verdicts(
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
        let tags = parse_tag_list_lenient(h.value);
        let get = |k: &str| tags.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
        let (result, kind, cause) = match &h.header {
            Error::Dkim(DkimError::UnsupportedVersion) => {
                (DkimResult::PermError, DkimFailureKind::Syntax, "unsupported v= (RFC 6376 requires v=1)".to_string())
            }
            Error::Dkim(DkimError::UnsupportedAlgorithm) => (
                DkimResult::PermError,
                DkimFailureKind::Syntax,
                format!("unsupported a={} (RFC 6376 §3.3, RFC 8463)", get("a")),
            ),
            Error::Dkim(DkimError::UnsupportedCanonicalization) => {
                (DkimResult::PermError, DkimFailureKind::Syntax, format!("unsupported c={}", get("c")))
            }
            Error::Dkim(DkimError::BodyLengthTag) => {
                (DkimResult::Neutral, DkimFailureKind::Syntax, "l= present and strict parsing ignores it".to_string())
            }
            e => (
                DkimResult::PermError,
                DkimFailureKind::Syntax,
                format!("the DKIM-Signature header field is malformed ({e})"),
            ),
        };
        let verdict = DkimVerdict {
            result,
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
            result: DkimResult::None,
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
            Some(why) => (DkimResult::PermError, None, failure(DkimFailureKind::Syntax, why)),
            None => judge(message, h, out.result(), raw, key_parsed.as_ref(), key.as_ref(), key_text.as_deref(), now),
        };
        v.result = result;
        v.signature_valid = sig_valid;
        v.failure = fail;
        if matches!(v.result, DkimResult::Pass | DkimResult::TempError) {
            passing.push(out_index);
        }
        rows.push((pos_of(h.value), v));
    }
    rows.sort_by_key(|(p, _)| *p);
    (rows.into_iter().map(|(_, v)| v).collect(), passing)
}

/// A signature's result, whether its cryptography checked out, and why it did not pass.
type Judged = (DkimResult, Option<bool>, Option<DkimFailure>);

/// Checks on top of a cryptographically valid signature: key `s=` / `h=`, `x=` / `t=`
/// against `now`, RFC 8301 key size and algorithm.
fn judge_valid(sig: &Signature, key: Option<&KeyRecordInfo>, now: u64) -> Judged {
    let key_name = sig.domain_key();
    if let Some(k) = key {
        if let Some(services) = &k.services
            && !services.iter().any(|s| s == "*" || s == "email")
        {
            return (
                DkimResult::PermError,
                Some(true),
                failure(
                    DkimFailureKind::KeySyntax,
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
                    DkimResult::PermError,
                    Some(true),
                    failure(
                        DkimFailureKind::KeySyntax,
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
            DkimResult::Neutral,
            Some(true),
            failure(
                DkimFailureKind::Expired,
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
            DkimResult::Neutral,
            Some(true),
            failure(
                DkimFailureKind::FutureTimestamp,
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
            DkimResult::Policy,
            Some(true),
            failure(
                DkimFailureKind::KeyTooShort,
                format!(
                    "the RSA key at {key_name} has {bits} bits; RFC 8301 §3.2 forbids treating signatures with keys under 1024 bits as valid"
                ),
            ),
        );
    }
    if sig.a == Algorithm::RsaSha1 {
        return (
            DkimResult::Policy,
            Some(true),
            failure(
                DkimFailureKind::RsaSha1,
                "the signature is valid but uses rsa-sha1, which RFC 8301 §3.1 forbids for verifying",
            ),
        );
    }
    (DkimResult::Pass, Some(true), None)
}

/// RFC 6376 §3.5: `q=` names the key query methods; only `dns/txt` is defined, so a
/// signature offering no `dns/txt` cannot get its key (PERMFAIL).
fn query_method_problem(value: &[u8]) -> Option<String> {
    let tags = parse_tag_list_lenient(value);
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
    result: &MailAuthDkimResult,
    raw: Option<&RawTxt>,
    parsed: Option<&TxtRecord>,
    key: Option<&KeyRecordInfo>,
    key_text: Option<&str>,
    now: u64,
) -> Judged {
    let sig = &h.header;
    let key_name = sig.domain_key();
    match result {
        MailAuthDkimResult::Pass => judge_valid(sig, key, now),
        MailAuthDkimResult::Neutral(Error::Dkim(DkimError::BodyHashMismatch))
        | MailAuthDkimResult::Fail(Error::Dkim(DkimError::BodyHashMismatch)) => {
            if let Some(j) = key_unusable(parsed, raw, key, &key_name) {
                return j;
            }
            (DkimResult::Fail, Some(false), failure(DkimFailureKind::BodyHashMismatch, body_hash_cause(message, sig)))
        }
        MailAuthDkimResult::Neutral(Error::Dkim(DkimError::SignatureExpired)) => {
            // mail-auth compared x= with the real clock before any cryptography; redo
            // the verification ourselves and judge x= against `now`.
            let checked = match raw {
                Some(RawTxt::Failed(why)) => {
                    return (
                        DkimResult::TempError,
                        None,
                        failure(
                            DkimFailureKind::DnsTemperror,
                            format!("the lookup of {key_name} failed temporarily ({why})"),
                        ),
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
                Err(DkimFailureKind::BodyHashMismatch) => (
                    DkimResult::Fail,
                    Some(false),
                    failure(DkimFailureKind::BodyHashMismatch, body_hash_cause(message, sig)),
                ),
                Err(DkimFailureKind::SignatureMismatch) => (
                    DkimResult::Fail,
                    Some(false),
                    failure(DkimFailureKind::SignatureMismatch, signature_cause(message, sig, now)),
                ),
                Err(DkimFailureKind::IdentityMismatch) => (
                    DkimResult::PermError,
                    None,
                    failure(
                        DkimFailureKind::IdentityMismatch,
                        format!("i={} is not within d={} (RFC 6376 §3.5)", sig.i, sig.d),
                    ),
                ),
                Err(DkimFailureKind::KeyRevoked) => {
                    key_error(&Error::Dkim(DkimError::PublicKeyRevoked), raw, key, &key_name)
                }
                Err(_) => (
                    DkimResult::PermError,
                    None,
                    failure(
                        DkimFailureKind::KeySyntax,
                        format!("the key record at {key_name} cannot be used to verify this signature"),
                    ),
                ),
            }
        }
        MailAuthDkimResult::Fail(Error::Crypto(CryptoError::FailedVerification))
        | MailAuthDkimResult::Fail(Error::Crypto(CryptoError::Library(_))) => (
            DkimResult::Fail,
            Some(false),
            failure(DkimFailureKind::SignatureMismatch, signature_cause(message, sig, now)),
        ),
        MailAuthDkimResult::Fail(Error::Crypto(CryptoError::IncompatibleAlgorithms)) => (
            DkimResult::PermError,
            None,
            failure(
                DkimFailureKind::KeySyntax,
                format!(
                    "a={} does not match the key type k={} at {key_name}",
                    algorithm_name(sig.a),
                    key.map(|k| k.key_type.as_str()).unwrap_or("?")
                ),
            ),
        ),
        MailAuthDkimResult::Fail(Error::Dkim(DkimError::AuidMismatch)) => (
            DkimResult::PermError,
            None,
            failure(
                DkimFailureKind::IdentityMismatch,
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
        MailAuthDkimResult::TempError(e) => (
            DkimResult::TempError,
            None,
            failure(
                DkimFailureKind::DnsTemperror,
                format!("the lookup of {key_name} failed temporarily ({e}); the key is not treated as missing"),
            ),
        ),
        MailAuthDkimResult::PermError(e) | MailAuthDkimResult::Fail(e) | MailAuthDkimResult::Neutral(e) => {
            key_error(e, raw, key, &key_name)
        }
        MailAuthDkimResult::None => (DkimResult::None, None, None),
    }
}

fn key_error(e: &Error, raw: Option<&RawTxt>, key: Option<&KeyRecordInfo>, key_name: &str) -> Judged {
    match e {
        Error::Dkim(DkimError::PublicKeyRevoked) => (
            DkimResult::PermError,
            None,
            failure(
                DkimFailureKind::KeyRevoked,
                format!(
                    "{key_name} has an empty p=: the key was revoked, probably rotated away while this selector is still used for signing"
                ),
            ),
        ),
        Error::Dns(DnsError::RecordNotFound(code)) => (
            DkimResult::PermError,
            None,
            failure(
                DkimFailureKind::KeyMissing,
                format!(
                    "{key_name} does not exist ({}); the selector is wrong, or the key was removed after rotation",
                    if *code == 3 { "NXDOMAIN" } else { "no TXT record" }
                ),
            ),
        ),
        Error::Dns(DnsError::Resolver(why)) => (
            DkimResult::TempError,
            None,
            failure(DkimFailureKind::DnsTemperror, format!("the lookup of {key_name} failed temporarily ({why})")),
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
                    DkimResult::PermError,
                    None,
                    failure(
                        DkimFailureKind::KeySyntax,
                        format!("the TXT record at {key_name} cannot be used: {why} (RFC 6376 §3.6.1)"),
                    ),
                )
            } else {
                (
                    DkimResult::PermError,
                    None,
                    failure(
                        DkimFailureKind::KeyMissing,
                        format!(
                            "{key_name} holds no DKIM key record{}",
                            if empty { " (its TXT record is empty)" } else { "" }
                        ),
                    ),
                )
            }
        }
        Error::Dkim(DkimError::UnsupportedKeyType) => (
            DkimResult::PermError,
            None,
            failure(
                DkimFailureKind::KeySyntax,
                format!("{key_name} has an unsupported k= (RFC 6376 §3.6.1 defines rsa; RFC 8463 ed25519)"),
            ),
        ),
        Error::Crypto(CryptoError::MalformedPublicKey) | Error::Base64 => (
            DkimResult::PermError,
            None,
            failure(
                DkimFailureKind::KeySyntax,
                format!(
                    "the p= public key at {key_name} does not decode (bad base64, wrong length, or not an RSA/Ed25519 key)"
                ),
            ),
        ),
        other => (
            DkimResult::PermError,
            None,
            failure(DkimFailureKind::Syntax, format!("the signature could not be evaluated: {other}")),
        ),
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
) -> Result<(), DkimFailureKind> {
    let sig = &h.header;
    let key = key.ok_or(DkimFailureKind::KeyMissing)?;
    if key.revoked {
        return Err(DkimFailureKind::KeyRevoked);
    }
    if !key.has_key || key.bad_version {
        return Err(DkimFailureKind::KeySyntax);
    }
    if !sig.i.is_empty() {
        let auid = sig.i.rsplit_once('@').map(|(_, d)| d).unwrap_or_default().to_ascii_lowercase();
        let d = sig.d.to_ascii_lowercase();
        let ok = auid == d || (!key.flags.strict_identity && auid.ends_with(&format!(".{d}")));
        if !ok {
            return Err(DkimFailureKind::IdentityMismatch);
        }
    }
    // Body hash.
    let relaxed_body = sig.cb == Canonicalization::Relaxed;
    let lines = canonical_body_lines(message.raw_body(), relaxed_body);
    if hash_of(sig.a, &canonical_body(&lines, relaxed_body, sig.l)) != sig.bh {
        return Err(DkimFailureKind::BodyHashMismatch);
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
        .ok_or(DkimFailureKind::KeySyntax)?;
    match (sig.a, key.key_type.as_str()) {
        (Algorithm::Ed25519Sha256, "ed25519") => {
            let pk: [u8; 32] = der.as_slice().try_into().map_err(|_| DkimFailureKind::KeySyntax)?;
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk).map_err(|_| DkimFailureKind::KeySyntax)?;
            let sb: [u8; 64] = sig.b.as_slice().try_into().map_err(|_| DkimFailureKind::SignatureMismatch)?;
            let digest = hash_of(Algorithm::Ed25519Sha256, &data);
            vk.verify_strict(&digest, &ed25519_dalek::Signature::from_bytes(&sb))
                .map_err(|_| DkimFailureKind::SignatureMismatch)
        }
        (Algorithm::RsaSha256 | Algorithm::RsaSha1, "rsa") => {
            let (n, e) = rsa_components(&der).ok_or(DkimFailureKind::KeySyntax)?;
            let pk = rsa::RsaPublicKey::new_with_max_size(
                rsa::BigUint::from_bytes_be(&n),
                rsa::BigUint::from_bytes_be(&e),
                8192,
            )
            .map_err(|_| DkimFailureKind::KeySyntax)?;
            let (hash_len, prefix): (usize, &[u8]) =
                if sig.a == Algorithm::RsaSha1 { (20, &SHA1_PREFIX) } else { (32, &SHA256_PREFIX) };
            let scheme = rsa::Pkcs1v15Sign { hash_len: Some(hash_len), prefix: prefix.to_vec().into_boxed_slice() };
            pk.verify(scheme, &hash_of(sig.a, &data), &sig.b).map_err(|_| DkimFailureKind::SignatureMismatch)
        }
        _ => Err(DkimFailureKind::KeySyntax),
    }
}

/// Canonical body lines (RFC 6376 §3.4.3 simple / §3.4.4 relaxed), trailing empty
/// lines removed, without their CRLF.
pub(crate) fn canonical_body_lines(body: &[u8], relaxed: bool) -> Vec<Vec<u8>> {
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

/// The canonical body (RFC 6376 §3.4.3 / §3.4.4) of `lines`, cut at `l=` when given.
pub(crate) fn canonical_body(lines: &[Vec<u8>], relaxed: bool, l: u64) -> Vec<u8> {
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

/// The `a=` hash of `data`.
pub(crate) fn hash_of(a: Algorithm, data: &[u8]) -> Vec<u8> {
    let ha = if a == Algorithm::RsaSha1 { HashAlgorithm::Sha1 } else { HashAlgorithm::Sha256 };
    ha.hash(data).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_canonicalization_matches_rfc6376_examples() {
        // RFC 6376 §3.4.5: " C \r\nD \t E\r\n\r\n\r\n"
        let body = b" C \r\nD \t E\r\n\r\n\r\n";
        assert_eq!(canonical_body(&canonical_body_lines(body, true), true, 0), b" C\r\nD E\r\n");
        assert_eq!(canonical_body(&canonical_body_lines(body, false), false, 0), b" C \r\nD \t E\r\n");
        assert_eq!(canonical_body(&canonical_body_lines(b"", false), false, 0), b"\r\n");
        assert_eq!(canonical_body(&canonical_body_lines(b"", true), true, 0), b"");
    }
}
