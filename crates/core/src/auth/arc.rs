//! ARC chain validation (RFC 8617) through `mail-auth`, fed only by the DNS seam,
//! with the structural checks `mail-auth` leaves out:
//!
//! - ARC-Seal / ARC-Authentication-Results without any ARC-Message-Signature is a
//!   broken chain (RFC 8617 §5.2 step 2), not "no chain";
//! - `a=rsa-sha1` is refused (RFC 8301 §3.1; RFC 8617 §4.1.1 uses the DKIM algorithms);
//! - `a=` is required in both AMS and AS (RFC 8617 §4.1.2, §4.1.3), there is no default;
//! - the AMS `h=` must not list ARC-Seal (RFC 8617 §4.1.2);
//! - AS and AMS are DKIM tag-lists (RFC 6376 §3.2): a malformed tag name, a duplicate
//!   tag or an empty tag-spec (`;;`) invalidates the whole header field.

use crate::auth::dkim::parse_key_record;
use crate::auth::dkim::tags::parse_tag_list;
use crate::dns::mailauth_bridge::{Prefetch, SeamCache, TxtKind};
use crate::findings::Finding;
use crate::findings::catalog::auth as cat;
use crate::verdict::word_enum;
use mail_auth::arc::ChainValidation;
use mail_auth::dkim::VerifySignature;
use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, Parameters};
use serde::{Deserialize, Serialize};

/// Largest ARC instance number RFC 8617 §4.2.1 allows.
pub const MAX_INSTANCES: u32 = 50;

word_enum! {
    /// The result of an ARC chain, and the `cv=` a sealer wrote (RFC 8617 §4.4, §5.1.1).
    pub enum ArcResult {
        /// Every set validates.
        Pass => "pass",
        /// The chain is broken (structure, signature, key, expiry).
        Fail => "fail",
        /// No ARC header fields (as `cv=`: the first set).
        None => "none",
    }
}

/// The ARC chain as a receiver would see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArcVerdict {
    /// The chain's validation result (RFC 8617 §4.4).
    pub result: ArcResult,
    /// Number of ARC sets (highest `i=` seen on a seal).
    pub instances: u32,
    /// `cv=` of the newest seal.
    pub cv: Option<ArcResult>,
    /// `d=` of each ARC-Seal, in instance order.
    pub sealers: Vec<String>,
    /// Why the chain failed.
    pub problem: Option<String>,
}

impl ArcVerdict {
    /// No ARC header fields at all.
    pub fn none() -> Self {
        ArcVerdict { result: ArcResult::None, instances: 0, cv: None, sealers: Vec::new(), problem: None }
    }
}

/// Adds the key names of every ARC-Message-Signature and ARC-Seal.
pub fn plan_arc(message: &AuthenticatedMessage<'_>, plan: &mut Prefetch) {
    for h in message.arc_message_signatures() {
        plan.add_txt(&h.header.domain_key(), TxtKind::DomainKey);
    }
    for h in message.arc_seals() {
        plan.add_txt(&h.header.domain_key(), TxtKind::DomainKey);
    }
}

/// The structural checks `mail-auth` does not make, over every ARC header field.
/// Returns the first problem found.
pub fn structural_problem(message: &AuthenticatedMessage<'_>) -> Option<String> {
    let mut ams = 0usize;
    let mut other = 0usize;
    for (name, value) in message.headers() {
        let is_as = name.eq_ignore_ascii_case(b"ARC-Seal");
        let is_ams = name.eq_ignore_ascii_case(b"ARC-Message-Signature");
        if name.eq_ignore_ascii_case(b"ARC-Authentication-Results") {
            other += 1;
        }
        if !(is_as || is_ams) {
            continue;
        }
        let kind = if is_as { "ARC-Seal" } else { "ARC-Message-Signature" };
        if is_ams {
            ams += 1;
        } else {
            other += 1;
        }
        let tags = match parse_tag_list(value) {
            Ok(t) => t,
            Err(e) => return Some(format!("{kind} tag-list is invalid: {e} (RFC 6376 §3.2)")),
        };
        let get = |k: &str| tags.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let required: &[&str] =
            if is_as { &["a", "b", "cv", "d", "i", "s"] } else { &["a", "b", "bh", "d", "h", "i", "s"] };
        for r in required {
            match get(r) {
                None => return Some(format!("{kind} has no {r}= tag (RFC 8617 §4.1)")),
                // An empty AMS h= signs only the AMS itself; accepted (the suite's
                // ams_fields_h_empty expects Pass).
                Some("") if !(is_ams && *r == "h") => {
                    return Some(format!("{kind} has an empty {r}= tag (RFC 8617 §4.1)"));
                }
                Some(_) => {}
            }
        }
        match get("a").map(|a| a.to_ascii_lowercase()) {
            Some(a) if a == "rsa-sha256" || a == "ed25519-sha256" => {}
            Some(a) if a == "rsa-sha1" => {
                return Some(format!("{kind} uses a=rsa-sha1, which RFC 8301 §3.1 forbids for verifying"));
            }
            Some(a) => return Some(format!("{kind} has an unsupported a={a}")),
            None => {}
        }
        if is_as && get("h").is_some() {
            return Some("ARC-Seal carries an h= tag, which RFC 8617 §4.1.3 forbids".to_string());
        }
        if is_ams
            && let Some(h) = get("h")
            && h.split(':').any(|x| x.trim().eq_ignore_ascii_case("arc-seal"))
        {
            return Some("ARC-Message-Signature h= lists ARC-Seal, which RFC 8617 §4.1.2 forbids".to_string());
        }
    }
    if ams == 0 && other > 0 {
        return Some("ARC-Seal / ARC-Authentication-Results present without any ARC-Message-Signature: incomplete ARC set (RFC 8617 §5.2)".to_string());
    }
    None
}

/// RFC 8301 §3.2: a seal or signature made with an RSA key under 1024 bits is not valid.
fn short_key_problem(message: &AuthenticatedMessage<'_>, cache: &SeamCache) -> Option<String> {
    let names = message
        .arc_seals()
        .iter()
        .map(|h| ("ARC-Seal", h.header.domain_key()))
        .chain(message.arc_message_signatures().iter().map(|h| ("ARC-Message-Signature", h.header.domain_key())));
    for (kind, name) in names {
        let texts = cache.raw_txt(&name).map(|r| r.texts()).unwrap_or_default();
        if let Some(k) = texts.iter().map(|t| parse_key_record(t)).find(|k| k.has_key)
            && k.key_type == "rsa"
            && let Some(bits) = k.key_bits
            && bits < 1024
        {
            return Some(format!(
                "{kind} key {name} has {bits} bits; RFC 8301 §3.2 forbids treating signatures with RSA keys under 1024 bits as valid"
            ));
        }
    }
    None
}

fn cv_name(cv: &ChainValidation) -> ArcResult {
    match cv {
        ChainValidation::None => ArcResult::None,
        ChainValidation::Fail => ArcResult::Fail,
        ChainValidation::Pass => ArcResult::Pass,
    }
}

/// Validates the chain as of `now` (an AMS `x=` is judged against `now`).
pub async fn evaluate_arc(
    auth: &MessageAuthenticator,
    message: &AuthenticatedMessage<'_>,
    cache: &SeamCache,
    now: u64,
) -> (ArcVerdict, Vec<Finding>) {
    let seals = message.arc_seals();
    let mut ordered: Vec<_> =
        seals.iter().map(|h| (h.header.i, h.header.d.to_ascii_lowercase(), cv_name(&h.header.cv))).collect();
    ordered.sort_by_key(|(i, _, _)| *i);
    let instances = ordered.iter().map(|(i, _, _)| *i).max().unwrap_or(0).min(MAX_INSTANCES + 1);
    let cv = ordered.last().map(|(_, _, cv)| *cv);
    let sealers: Vec<String> = ordered.iter().map(|(_, d, _)| d.clone()).collect();

    let out = auth.verify_arc(Parameters::new(message).with_cache(cache)).await;
    let (mut result, mut problem) = match out.result() {
        DkimResult::Pass => (ArcResult::Pass, None),
        DkimResult::None => (ArcResult::None, None),
        DkimResult::TempError(e) => (ArcResult::Fail, Some(format!("temporary DNS error while fetching a key: {e}"))),
        DkimResult::Fail(e) | DkimResult::Neutral(e) | DkimResult::PermError(e) => {
            (ArcResult::Fail, Some(e.to_string()))
        }
    };
    if let Some(p) = structural_problem(message) {
        result = ArcResult::Fail;
        problem = Some(p);
    }
    if result == ArcResult::Pass
        && let Some(p) = short_key_problem(message, cache)
    {
        result = ArcResult::Fail;
        problem = Some(p);
    }
    if result == ArcResult::Pass
        && let Some(last) = message.arc_message_signatures().iter().max_by_key(|h| h.header.i)
        && last.header.x > 0
        && last.header.x <= now
    {
        result = ArcResult::Fail;
        problem = Some(format!(
            "the newest ARC-Message-Signature expired (x={} is before the verification time)",
            last.header.x
        ));
    }
    let has_arc = !message.arc_seals().is_empty()
        || !message.arc_message_signatures().is_empty()
        || !message.arc_authentication_results().is_empty()
        || message.has_arc_errors();
    if result == ArcResult::None && has_arc {
        result = ArcResult::Fail;
        problem.get_or_insert_with(|| "ARC header fields present but no complete ARC set".to_string());
    }
    let verdict = ArcVerdict { result, instances, cv, sealers, problem };
    let mut findings = Vec::new();
    match verdict.result {
        ArcResult::Fail => findings.push(cat::ARC_FAIL.emit().detail(format!(
            "{} ARC set(s), sealed by {}: {}",
            verdict.instances,
            if verdict.sealers.is_empty() { "nobody".to_string() } else { verdict.sealers.join(", ") },
            verdict.problem.clone().unwrap_or_default()
        ))),
        ArcResult::Pass => findings.push(cat::ARC_PASS.emit().detail(format!(
            "{} ARC set(s), sealed by {} (last cv={}).",
            verdict.instances,
            verdict.sealers.join(", "),
            verdict.cv.map(ArcResult::as_str).unwrap_or_default()
        ))),
        ArcResult::None => {}
    }
    (verdict, findings)
}
