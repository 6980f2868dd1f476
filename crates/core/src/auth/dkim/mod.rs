//! DKIM verification (RFC 6376, RFC 8301, RFC 8463) through `mail-auth`, fed only by
//! the DNS seam.
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
//!
//! - [`tags`]: the RFC 6376 §3.2 tag-list grammar (shared with ARC);
//! - [`key`]: the one key-record parser (RFC 6376 §3.6.1), also used by the domain check;
//! - [`verify`]: one verdict per signature (our judgement over `mail-auth`'s);
//! - [`forensics`]: the likely cause of a body-hash or signature mismatch;
//! - [`findings`]: the `dkim.*` findings of the verdicts.
//!
//! The whole-message entry point (DKIM, ARC, DMARC together) is [`crate::auth::verify_auth`].

pub mod findings;
pub mod forensics;
pub mod key;
pub mod tags;
pub mod verify;

use crate::dns::mailauth_bridge::{Prefetch, TxtKind};
use crate::verdict::word_enum;
use mail_auth::AuthenticatedMessage;
use mail_auth::crypto::Algorithm;
use mail_auth::dkim::{Canonicalization, VerifySignature};
use serde::{Deserialize, Serialize};

pub use key::{KeyRecordInfo, parse_key_record};

/// How Inboxlens reads `l=` (stated in every `dkim.body_length_tag` finding).
pub const BODY_LENGTH_READING: &str = "Inboxlens verifies signatures with l= over the signed prefix (RFC 6376 §6.1.3 allows verifiers to honour l= or to ignore such signatures; strict verifiers such as mail-auth's default parse treat them as neutral).";

/// Grace for a `t=` timestamp ahead of `now` before the signature is set aside (clock skew).
pub const FUTURE_TIMESTAMP_GRACE: u64 = 86_400;

word_enum! {
    /// The result of one DKIM signature, as RFC 8601 §2.7.1 words it.
    pub enum DkimResult {
        /// The signature verified and meets RFC 8301 (key size, algorithm).
        Pass => "pass",
        /// The signature did not verify (body hash or header signature).
        Fail => "fail",
        /// The signature could not be evaluated as valid (expired, future `t=`, `l=` refused).
        Neutral => "neutral",
        /// Cryptographically valid but refused by local policy (RFC 8301: rsa-sha1, short keys).
        Policy => "policy",
        /// No signature.
        None => "none",
        /// The key lookup failed temporarily: not "no key".
        TempError => "temperror",
        /// The signature or its key record is unusable.
        PermError => "permerror",
    }
}

word_enum! {
    /// Why a DKIM signature did not pass; each kind has its catalog finding.
    pub enum DkimFailureKind {
        /// The body changed after signing (`bh=` differs).
        BodyHashMismatch => "body_hash_mismatch",
        /// The header signature `b=` does not verify.
        SignatureMismatch => "signature_mismatch",
        /// No key record at `<s>._domainkey.<d>`.
        KeyMissing => "key_missing",
        /// The key record has an empty `p=`.
        KeyRevoked => "key_revoked",
        /// The key record cannot be used (syntax, `s=` / `h=` restrictions, bad `p=`).
        KeySyntax => "key_syntax",
        /// RSA key under 1024 bits (RFC 8301 §3.2).
        KeyTooShort => "key_too_short",
        /// rsa-sha1 (RFC 8301 §3.1).
        RsaSha1 => "rsa_sha1",
        /// `x=` has passed.
        Expired => "expired",
        /// `t=` is in the future.
        FutureTimestamp => "future_timestamp",
        /// `i=` is not within `d=`.
        IdentityMismatch => "identity_mismatch",
        /// The DKIM-Signature header field is malformed.
        Syntax => "syntax",
        /// The key lookup failed temporarily.
        DnsTemperror => "dns_temperror",
    }
}

/// Why a signature did not pass, and the most likely reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DkimFailure {
    /// What went wrong (one catalog finding per kind).
    pub kind: DkimFailureKind,
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
    /// The signature's result (RFC 8601 §2.7.1).
    pub result: DkimResult,
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

/// Name of a canonicalization as written in `c=`.
pub(crate) fn canon_name(c: Canonicalization) -> &'static str {
    match c {
        Canonicalization::Relaxed => "relaxed",
        Canonicalization::Simple => "simple",
    }
}
