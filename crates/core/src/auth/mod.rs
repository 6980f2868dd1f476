//! Sender authentication of a message: SPF (our own RFC 7208 evaluator), and DKIM,
//! ARC and DMARC through `mail-auth`, fed only by the DNS seam.
//!
//! The modules depend one way: [`dkim`] knows nothing of the others, [`arc`] reads DKIM
//! key records and tag lists, [`dmarc`] reads the DKIM verdicts; this module runs the
//! three over one message ([`AuthPlan`], [`verify_auth`]).

pub mod arc;
pub mod dkim;
pub mod dmarc;
pub mod spf;

use crate::dns::mailauth_bridge::{self, Prefetch, SeamCache};
use crate::dns::{RecordType, Resolver};
use crate::findings::Finding;
use crate::findings::catalog::auth as cat;
use dkim::DkimVerdict;
use mail_auth::{AuthenticatedMessage, DkimOutput, Parameters, SpfOutput};
use serde::{Deserialize, Serialize};

/// Most signature keys asked for ahead of the verification (hostile messages carry
/// hundreds of signature fields; `mail-auth` itself stops at its own limits).
pub const MAX_PREFETCHED_KEYS: usize = 32;

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

/// DKIM, ARC and DMARC of one message, in two steps: the plan (the message parsed once,
/// and the signature keys it needs, which can be fetched while SPF runs), then
/// [`AuthPlan::evaluate`] once the SPF result is known (DMARC needs it).
pub struct AuthPlan<'m> {
    /// The message as `mail-auth` reads it; `None` when it has no header field at all.
    message: Option<AuthenticatedMessage<'m>>,
}

impl<'m> AuthPlan<'m> {
    /// Parses `raw` (signatures with `l=` are kept: see [`dkim::BODY_LENGTH_READING`]).
    pub fn new(raw: &'m [u8]) -> Self {
        AuthPlan { message: AuthenticatedMessage::parse_with_opts(raw, None, false) }
    }

    /// The TXT names of the keys of every DKIM-Signature, ARC-Message-Signature and
    /// ARC-Seal (`<s>._domainkey.<d>`, RFC 6376 §3.6.2.1), in header order, at most
    /// [`MAX_PREFETCHED_KEYS`]. Read leniently from the raw fields, so a signature
    /// `mail-auth` cannot parse still has its key looked up (and shown in the evidence).
    pub fn key_names(&self) -> Vec<String> {
        let Some(message) = &self.message else { return Vec::new() };
        message
            .headers()
            .iter()
            .filter(|(name, _)| {
                let name = name.trim_ascii();
                [&b"DKIM-Signature"[..], b"ARC-Message-Signature", b"ARC-Seal"]
                    .iter()
                    .any(|want| name.eq_ignore_ascii_case(want))
            })
            .filter_map(|(_, value)| dkim::tags::signature_key_name(value))
            .take(MAX_PREFETCHED_KEYS)
            .collect()
    }

    /// Asks for every key of [`AuthPlan::key_names`] at once, so the answers are in the
    /// resolver's cache (the analysis's recorder) when the verification needs them.
    pub async fn prefetch_keys(&self, resolver: &dyn Resolver) {
        let names = self.key_names();
        futures::future::join_all(names.iter().map(|n| resolver.query(n, RecordType::Txt))).await;
    }

    /// Runs DKIM, ARC and DMARC as of `now` (unix seconds). All DNS goes through
    /// `resolver`, prefetched in parallel; `mail-auth` sees exactly those answers.
    /// `spf_domain` is the domain SPF checked (MAIL FROM domain, or HELO when the reverse
    /// path was null) and `spf` its result (RFC 9989 §4.4.2 uses it for alignment).
    pub async fn evaluate(&self, resolver: &dyn Resolver, spf_domain: &str, spf: &SpfOutput, now: u64) -> AuthVerdicts {
        let Some(message) = &self.message else {
            // No header fields at all: nothing to authenticate, no author domain.
            let mut dmarc = dmarc::DmarcVerdict::no_from();
            dmarc.result = dmarc::DmarcResult::PermError;
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
        };

        let mut plan = Prefetch::default();
        dkim::plan_dkim(message, &mut plan);
        arc::plan_arc(message, &mut plan);
        dmarc::plan_dmarc(message, spf_domain, &mut plan);
        let cache = SeamCache::prefetch(resolver, &plan).await;
        let auth = mailauth_bridge::authenticator();

        let outputs = auth.verify_dkim(Parameters::new(message).with_cache(&cache)).await;
        let (mut dkim, passing) = dkim::verify::build_dkim_verdicts(message, &outputs, &cache, now);

        let (arc_verdict, arc_findings) = arc::evaluate_arc(&auth, message, &cache, now).await;

        let dmarc_outputs: Vec<DkimOutput<'_>> = passing.iter().filter_map(|i| outputs.get(*i).cloned()).collect();
        let (dmarc_verdict, dmarc_findings) =
            dmarc::evaluate_dmarc(&auth, message, &cache, &dmarc_outputs, &dkim, spf_domain, spf).await;

        for v in dkim.iter_mut() {
            v.aligned_with_from = dmarc_verdict
                .alignment
                .iter()
                .any(|r| r.identifier == dmarc::AlignedIdentifier::Dkim && r.domain == v.domain && r.aligned);
        }

        let mut findings = dkim::findings::dkim_findings(message, &dkim, &dmarc_verdict);
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
}

/// Runs DKIM, ARC and DMARC on `raw` as of `now` (unix seconds): [`AuthPlan::new`] then
/// [`AuthPlan::evaluate`], for callers that have nothing to run meanwhile.
pub async fn verify_auth(
    raw: &[u8],
    resolver: &dyn Resolver,
    spf_domain: &str,
    spf: &SpfOutput,
    now: u64,
) -> AuthVerdicts {
    AuthPlan::new(raw).evaluate(resolver, spf_domain, spf, now).await
}
