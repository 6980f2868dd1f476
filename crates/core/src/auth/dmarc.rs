//! DMARC (RFC 9989, DMARCbis) over the DKIM verdicts and the SPF result, with the
//! records read from the DNS seam (the same answers `mail-auth` sees).
//!
//! `mail-auth`'s `verify_dmarc` gives the verdict for a single From domain; this module
//! runs the same RFC 9989 evaluation itself to report what `mail-auth` keeps internal
//! (where the tree walk found the record, each identifier's alignment and why, the
//! policy that applies whatever the result) and to evaluate every domain of a
//! multi-address From field, which `mail-auth` skips (RFC 7489 §6.6.1). Where the two
//! evaluations disagree the verdict says so in `cross_check`.

use crate::auth::dkim::DkimResult;
use crate::auth::dkim::DkimVerdict;
use crate::dns::mailauth_bridge::{Existence, Prefetch, RawTxt, SeamCache, dmarc_walk_names};
use crate::findings::Finding;
use crate::findings::catalog::auth as cat;
use crate::verdict::{ResultWord, word_enum};
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::dmarc::{Alignment, DmarcRecord, Policy, Psd};
use mail_auth::dns::TxtRecordParser;
use mail_auth::{
    AuthenticatedMessage, DkimOutput, DmarcResult as MailAuthDmarcResult, MessageAuthenticator, Parameters, SpfOutput,
    SpfResult,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

word_enum! {
    /// The DMARC result (RFC 9989 §4.8, RFC 8601 §2.7.7).
    pub enum DmarcResult {
        /// An aligned SPF or DKIM pass.
        Pass => "pass",
        /// No aligned pass: the policy applies.
        Fail => "fail",
        /// No usable policy record.
        None => "none",
        /// A DNS query failed temporarily: not "no record".
        TempError => "temperror",
        /// The message cannot be evaluated (no From domain).
        PermError => "permerror",
    }
}

word_enum! {
    /// A DMARC policy (`p=`, `sp=`, `np=`) or the disposition it asks for (RFC 9989 §4.7).
    pub enum DmarcPolicy {
        /// Monitoring only.
        None => "none",
        /// Treat failing mail as suspicious (spam folder).
        Quarantine => "quarantine",
        /// Refuse failing mail.
        Reject => "reject",
    }
}

word_enum! {
    /// Identifier alignment mode (`aspf=` / `adkim=`, RFC 9989 §4.4).
    pub enum AlignmentMode {
        /// The same organizational domain is enough.
        Relaxed => "relaxed",
        /// The domains must be identical.
        Strict => "strict",
    }
}

word_enum! {
    /// The authenticated identifier an alignment row is about.
    pub enum AlignedIdentifier {
        /// The SPF-authenticated domain (MAIL FROM, or HELO for a null sender).
        Spf => "spf",
        /// A DKIM `d=` domain.
        Dkim => "dkim",
    }
}

/// One identifier's alignment with the From domain (RFC 9989 §4.4).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AlignmentRow {
    /// `spf` or `dkim`.
    pub identifier: AlignedIdentifier,
    /// The authenticated domain (SPF domain, DKIM `d=`).
    pub domain: String,
    /// The mechanism's own result (an SPF or a DKIM word).
    pub result: ResultWord,
    /// The domain aligns with the From domain under `mode`.
    pub aligned: bool,
    /// `relaxed` or `strict`.
    pub mode: AlignmentMode,
    /// Why it aligns or not.
    pub why: String,
}

/// The DMARC verdict.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DmarcVerdict {
    /// The DMARC result.
    pub result: DmarcResult,
    /// Published policy that applies to the From domain: `p=` for the domain itself,
    /// `sp=` for a sub-domain, `np=` for a non-existent sub-domain (RFC 9989 §4.7),
    /// whatever the result.
    pub policy: Option<DmarcPolicy>,
    /// The RFC5322.From domain (the decisive one when there are several).
    pub domain: String,
    /// The policy record text.
    pub record: Option<String>,
    /// Where the tree walk found it (`_dmarc.<record_domain>`).
    pub record_domain: Option<String>,
    /// Organizational domain of the From domain (RFC 9989 §4.10.2).
    pub organizational_domain: Option<String>,
    /// An aligned SPF pass.
    pub spf_aligned: bool,
    /// An aligned DKIM pass.
    pub dkim_aligned: bool,
    /// `aspf=`.
    pub spf_alignment_mode: AlignmentMode,
    /// `adkim=`.
    pub dkim_alignment_mode: AlignmentMode,
    /// One row per identifier.
    pub alignment: Vec<AlignmentRow>,
    /// The action requested for this message: `none|quarantine|reject` (after `t=y`).
    pub disposition: DmarcPolicy,
    /// Where RFC 7489 reads the record differently.
    pub rfc7489_note: Option<String>,
    /// Every From domain evaluated (more than one when the From field has several).
    pub from_domains: Vec<String>,
    /// Set when `mail-auth`'s evaluation disagreed with ours (its result is used).
    pub cross_check: Option<String>,
    /// Why the result is `temperror` / `permerror`, or why the record was not usable.
    pub problem: Option<String>,
}

impl DmarcVerdict {
    /// No RFC5322.From domain: DMARC has nothing to evaluate.
    pub fn no_from() -> Self {
        DmarcVerdict {
            result: DmarcResult::None,
            policy: None,
            domain: String::new(),
            record: None,
            record_domain: None,
            organizational_domain: None,
            spf_aligned: false,
            dkim_aligned: false,
            spf_alignment_mode: AlignmentMode::Relaxed,
            dkim_alignment_mode: AlignmentMode::Relaxed,
            alignment: Vec::new(),
            disposition: DmarcPolicy::None,
            rfc7489_note: None,
            from_domains: Vec::new(),
            cross_check: None,
            problem: None,
        }
    }
}

/// The From domains of the message, lower case, de-duplicated, in order.
pub fn from_domains(message: &AuthenticatedMessage<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in message.from_addresses() {
        if let Some((_, d)) = a.rsplit_once('@') {
            let d = crate::dns::normalize_name(d);
            if !d.is_empty() && !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out
}

/// Adds the tree walks of the From domains, DKIM `d=` domains and the SPF domain, and
/// the From domains' A lookups (existence for `np=`).
pub fn plan_dmarc(message: &AuthenticatedMessage<'_>, spf_domain: &str, plan: &mut Prefetch) {
    for d in from_domains(message) {
        plan.add_dmarc_walk(&d);
        plan.add_a(&d);
    }
    for h in message.dkim_signatures() {
        plan.add_dmarc_walk(&h.header.d);
    }
    if !spf_domain.is_empty() {
        plan.add_dmarc_walk(spf_domain);
    }
}

/// A tree-walk hit: the name, the parsed record and its text.
type WalkHit = (String, Arc<DmarcRecord>, String);

/// The RFC 9989 §4.10.1 DNS tree walk over the prefetched answers. `Err` on a
/// temporary DNS failure.
fn tree_walk(cache: &SeamCache, domain: &str) -> Result<Vec<WalkHit>, String> {
    let mut found = Vec::new();
    for name in dmarc_walk_names(domain) {
        let qname = format!("_dmarc.{name}");
        match cache.raw_txt(&qname) {
            Some(RawTxt::Records(records)) => {
                let parsed = records.iter().find_map(|r| DmarcRecord::parse(r).ok().map(|p| (p, r)));
                if let Some((rec, text)) = parsed {
                    let stop = matches!(rec.psd, Psd::Yes | Psd::No);
                    found.push((name.clone(), Arc::new(rec), String::from_utf8_lossy(text).into_owned()));
                    if stop {
                        break;
                    }
                }
            }
            Some(RawTxt::Failed(why)) => return Err(format!("{qname}: {why}")),
            Some(_) => {}
            None => return Err(format!("{qname}: not fetched")),
        }
    }
    Ok(found)
}

/// Organizational domain from a walk (RFC 9989 §4.10.2): the first `psd=n` record's
/// domain, one label below a `psd=y` record, else the shortest name with a record.
fn organizational_domain(walk: &[WalkHit], start: &str) -> Option<String> {
    for (name, rec, _) in walk {
        match rec.psd {
            Psd::No => return Some(name.clone()),
            Psd::Yes if name != start => {
                let depth = name.split('.').filter(|l| !l.is_empty()).count() + 1;
                let labels: Vec<&str> = start.split('.').filter(|l| !l.is_empty()).collect();
                return labels.get(labels.len().saturating_sub(depth)..).map(|s| s.join("."));
            }
            _ => {}
        }
    }
    walk.last().map(|(n, _, _)| n.clone())
}

fn org_of(cache: &SeamCache, domain: &str) -> Result<String, String> {
    let walk = tree_walk(cache, domain)?;
    Ok(organizational_domain(&walk, domain).unwrap_or_else(|| domain.to_string()))
}

fn policy_name(p: Policy) -> DmarcPolicy {
    match p {
        Policy::None | Policy::Unspecified => DmarcPolicy::None,
        Policy::Quarantine => DmarcPolicy::Quarantine,
        Policy::Reject => DmarcPolicy::Reject,
    }
}

fn mode_name(a: Alignment) -> AlignmentMode {
    match a {
        Alignment::Relaxed => AlignmentMode::Relaxed,
        Alignment::Strict => AlignmentMode::Strict,
    }
}

/// Alignment of `id` with the From domain (RFC 9989 §4.4.1/§4.4.2): identical, or under
/// relaxed mode the same organizational domain.
fn aligned(cache: &SeamCache, id: &str, from: &str, from_org: &str, mode: Alignment) -> Result<(bool, String), String> {
    if id.is_empty() {
        return Ok((false, "no domain".to_string()));
    }
    if id == from {
        return Ok((true, format!("{id} is the From domain")));
    }
    if mode == Alignment::Strict {
        return Ok((false, format!("strict mode needs {id} to equal {from}")));
    }
    let under = id.strip_suffix(from_org).is_some_and(|p| p.is_empty() || p.ends_with('.'));
    if !under {
        return Ok((false, format!("{id} is not under the organizational domain {from_org}")));
    }
    let org = org_of(cache, id)?;
    if org == from_org {
        Ok((true, format!("{id} and {from} share the organizational domain {from_org}")))
    } else {
        Ok((false, format!("organizational domain of {id} is {org}, of {from} is {from_org}")))
    }
}

fn spf_word(r: SpfResult) -> ResultWord {
    match r {
        SpfResult::Pass => ResultWord::Pass,
        SpfResult::Fail => ResultWord::Fail,
        SpfResult::SoftFail => ResultWord::SoftFail,
        SpfResult::Neutral => ResultWord::Neutral,
        SpfResult::TempError => ResultWord::TempError,
        SpfResult::PermError => ResultWord::PermError,
        SpfResult::None => ResultWord::None,
    }
}

fn rfc7489_note(record: &str, record_domain: &str, from: &str, org: &str) -> Option<String> {
    let tags: Vec<(String, String)> = record
        .split(';')
        .filter_map(|s| s.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let get = |k: &str| tags.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut notes = Vec::new();
    if let Some(pct) = get("pct")
        && pct != "100"
    {
        notes.push(format!(
            "pct={pct}: RFC 7489 receivers apply the policy to only {pct}% of failing mail (RFC 9989 removed pct=)"
        ));
    }
    for t in ["rf", "ri"] {
        if get(t).is_some() {
            notes.push(format!("{t}= is read by RFC 7489 receivers only (removed in RFC 9989)"));
        }
    }
    if get("np").is_some() {
        notes.push(
            "np= is unknown to RFC 7489 receivers, which apply sp= (or p=) to non-existent sub-domains".to_string(),
        );
    }
    if get("psd").is_some() {
        notes.push(
            "psd= is unknown to RFC 7489 receivers, which find the organizational domain with the Public Suffix List"
                .to_string(),
        );
    }
    if get("t").is_some() {
        notes.push("t= is unknown to RFC 7489 receivers (they apply the policy fully)".to_string());
    }
    let labels: Vec<&str> = from.split('.').collect();
    let naive = labels.get(labels.len().saturating_sub(2)..).map(|s| s.join(".")).unwrap_or_default();
    if record_domain != from && record_domain != naive {
        notes.push(format!("the record was found at _dmarc.{record_domain} by the tree walk; RFC 7489 only queries the From domain and its PSL organizational domain, so it may find no record"));
    } else if org != naive {
        notes.push(format!("the tree walk gives the organizational domain {org}; RFC 7489 uses the Public Suffix List, which may give a different one"));
    }
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// One From domain's evaluation.
fn evaluate_domain(
    cache: &SeamCache,
    from: &str,
    dkim: &[DkimVerdict],
    spf_domain: &str,
    spf: SpfResult,
) -> DmarcVerdict {
    let mut v = DmarcVerdict::no_from();
    v.domain = from.to_string();
    v.from_domains = vec![from.to_string()];
    let walk = match tree_walk(cache, from) {
        Ok(w) => w,
        Err(why) => {
            v.result = DmarcResult::TempError;
            v.problem = Some(format!("the DNS tree walk failed ({why}); the record is not treated as missing"));
            return v;
        }
    };
    let Some(org) = organizational_domain(&walk, from) else {
        return v; // none: no record anywhere
    };
    v.organizational_domain = Some(org.clone());
    let (hit, exact) = match walk.iter().find(|(n, _, _)| n == from) {
        Some(h) => (h, true),
        None => match walk.iter().find(|(n, _, _)| *n == org).or_else(|| walk.last()) {
            Some(h) => (h, false),
            None => return v,
        },
    };
    let (rname, rec, rtext) = hit;
    v.record = Some(rtext.clone());
    v.record_domain = Some(rname.clone());
    if rec.p == Policy::Unspecified && rec.rua.is_empty() {
        v.result = DmarcResult::None;
        v.problem = Some(format!(
            "the record at _dmarc.{rname} has no p= and no rua=, so it is not a usable policy record (RFC 9989 §4.7)"
        ));
        return v;
    }
    let policy = if rec.p == Policy::Unspecified {
        Policy::None
    } else if exact {
        rec.p
    } else if rec.np != rec.sp && cache.existence(from) == Existence::NxDomain {
        rec.np
    } else {
        rec.sp
    };
    v.policy = Some(policy_name(policy));
    v.spf_alignment_mode = mode_name(rec.aspf);
    v.dkim_alignment_mode = mode_name(rec.adkim);
    v.rfc7489_note = rfc7489_note(rtext, rname, from, &org);

    let mut temp = false;
    // SPF (RFC 9989 §4.4.2).
    let spf_dom = crate::dns::normalize_name(spf_domain);
    match aligned(cache, &spf_dom, from, &org, rec.aspf) {
        Ok((al, why)) => {
            v.spf_aligned = al && spf == SpfResult::Pass;
            temp |= al && spf == SpfResult::TempError;
            v.alignment.push(AlignmentRow {
                identifier: AlignedIdentifier::Spf,
                domain: spf_dom.clone(),
                result: spf_word(spf),
                aligned: al,
                mode: v.spf_alignment_mode,
                why,
            });
        }
        Err(why) => {
            temp |= spf == SpfResult::Pass;
            v.alignment.push(AlignmentRow {
                identifier: AlignedIdentifier::Spf,
                domain: spf_dom.clone(),
                result: spf_word(spf),
                aligned: false,
                mode: v.spf_alignment_mode,
                why: format!("organizational domain unknown (DNS temporary error: {why})"),
            });
        }
    }
    // DKIM (RFC 9989 §4.4.1).
    for d in dkim {
        if d.domain.is_empty() {
            continue;
        }
        match aligned(cache, &d.domain, from, &org, rec.adkim) {
            Ok((al, why)) => {
                v.dkim_aligned |= al && d.result == DkimResult::Pass;
                temp |= al && d.result == DkimResult::TempError;
                v.alignment.push(AlignmentRow {
                    identifier: AlignedIdentifier::Dkim,
                    domain: d.domain.clone(),
                    result: ResultWord::from_word(d.result.as_str()),
                    aligned: al,
                    mode: v.dkim_alignment_mode,
                    why,
                });
            }
            Err(why) => {
                temp |= d.result == DkimResult::Pass;
                v.alignment.push(AlignmentRow {
                    identifier: AlignedIdentifier::Dkim,
                    domain: d.domain.clone(),
                    result: ResultWord::from_word(d.result.as_str()),
                    aligned: false,
                    mode: v.dkim_alignment_mode,
                    why: format!("organizational domain unknown (DNS temporary error: {why})"),
                });
            }
        }
    }
    v.result = if v.spf_aligned || v.dkim_aligned {
        DmarcResult::Pass
    } else if temp {
        DmarcResult::TempError
    } else {
        DmarcResult::Fail
    };
    let applied = if rec.t {
        match policy {
            Policy::Reject => Policy::Quarantine,
            Policy::Quarantine => Policy::None,
            p => p,
        }
    } else {
        policy
    };
    v.disposition = if v.result == DmarcResult::Fail { policy_name(applied) } else { DmarcPolicy::None };
    v
}

/// `mail-auth`'s result as ours.
fn word(r: &MailAuthDmarcResult) -> DmarcResult {
    match r {
        MailAuthDmarcResult::Pass => DmarcResult::Pass,
        MailAuthDmarcResult::Fail(_) => DmarcResult::Fail,
        MailAuthDmarcResult::TempError(_) => DmarcResult::TempError,
        MailAuthDmarcResult::PermError(_) => DmarcResult::PermError,
        MailAuthDmarcResult::None => DmarcResult::None,
    }
}

/// How strict a policy is: reject > quarantine > none.
fn strictness(policy: Option<DmarcPolicy>) -> u8 {
    match policy {
        Some(DmarcPolicy::Reject) => 2,
        Some(DmarcPolicy::Quarantine) => 1,
        _ => 0,
    }
}

/// Which of several From domains' outcomes decides (RFC 7489 §6.6.1: the strictest).
fn rank(result: DmarcResult) -> u8 {
    match result {
        DmarcResult::Fail => 0,
        DmarcResult::TempError => 1,
        DmarcResult::PermError => 2,
        DmarcResult::None => 3,
        DmarcResult::Pass => 4,
    }
}

/// Evaluates DMARC for every From domain. `dkim_outputs` are the `mail-auth` outputs of
/// the signatures that count (pass / temperror after our policy checks).
pub async fn evaluate_dmarc(
    auth: &MessageAuthenticator,
    message: &AuthenticatedMessage<'_>,
    cache: &SeamCache,
    dkim_outputs: &[DkimOutput<'_>],
    dkim: &[DkimVerdict],
    spf_domain: &str,
    spf: &SpfOutput,
) -> (DmarcVerdict, Vec<Finding>) {
    let domains = from_domains(message);
    let mut findings = Vec::new();
    if domains.is_empty() {
        // RFC 9989 §4.10: DMARC needs exactly one Author Domain; without one the
        // message cannot be evaluated (and RFC 5322 §3.6 requires a From field).
        let mut v = DmarcVerdict::no_from();
        v.result = DmarcResult::PermError;
        v.problem = Some("no domain in the RFC5322.From field".to_string());
        findings
            .push(cat::DMARC_NO_FROM_DOMAIN.emit().detail("No domain could be extracted from the RFC5322.From field."));
        return (v, findings);
    }
    let mut evals: Vec<DmarcVerdict> =
        domains.iter().map(|d| evaluate_domain(cache, d, dkim, spf_domain, spf.result())).collect();
    // RFC 7489 §6.6.1: with several author domains the strictest outcome applies.
    evals.sort_by_key(|e| (rank(e.result), std::cmp::Reverse(strictness(e.policy))));
    let mut verdict = match evals.first() {
        Some(v) => v.clone(),
        None => DmarcVerdict::no_from(),
    };
    verdict.from_domains = domains.clone();
    if domains.len() == 1 {
        let params = DmarcParameters::new(message, dkim_outputs, spf_domain, spf);
        let out = auth.verify_dmarc(Parameters::new(params).with_cache(cache)).await;
        let theirs = word(&out.result());
        if theirs != verdict.result {
            verdict.cross_check = Some(format!("mail-auth: {theirs}, Inboxlens: {}", verdict.result));
            verdict.result = theirs;
        }
    } else {
        let rows: Vec<String> = evals.iter().map(|e| format!("{}: {}", e.domain, e.result)).collect();
        findings.push(cat::DMARC_MULTIPLE_FROM.emit().detail(format!(
            "From domains {}; per-domain results: {}.",
            domains.join(", "),
            rows.join(", ")
        )));
        for e in evals.iter().skip(1) {
            verdict.alignment.extend(e.alignment.iter().cloned());
        }
    }

    let d = verdict.domain.clone();
    let fix_record = format!("_dmarc.{d} TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{d}\"");
    match verdict.result {
        DmarcResult::None if verdict.record.is_some() => findings.push(
            cat::DMARC_PERMERROR
                .emit()
                .detail(format!(
                    "The record at _dmarc.{} has no valid p= and no rua=.",
                    verdict.record_domain.clone().unwrap_or_default()
                ))
                .evidence(verdict.record.clone().unwrap_or_default())
                .fix(fix_record.clone()),
        ),
        DmarcResult::None => findings.push(
            cat::DMARC_NONE.emit().detail(format!("No DMARC record for {d} or its parents.")).fix(fix_record.clone()),
        ),
        DmarcResult::Fail => {
            let rows: Vec<String> = verdict
                .alignment
                .iter()
                .map(|r| format!("{} {} {} ({})", r.identifier, r.domain, r.result, r.why))
                .collect();
            findings.push(
                cat::DMARC_FAIL
                    .emit()
                    .detail(format!(
                        "DMARC fails for {d}; policy {} → {}. {}",
                        verdict.policy.map(DmarcPolicy::as_str).unwrap_or_default(),
                        verdict.disposition,
                        rows.join("; ")
                    ))
                    .evidence(verdict.record.clone().unwrap_or_default()),
            )
        }
        DmarcResult::TempError => findings.push(cat::DMARC_TEMPERROR.emit().detail(format!(
            "DMARC for {d} could not be evaluated: {}",
            verdict.problem.clone().unwrap_or_else(|| {
                "a DNS query of an alignment check failed temporarily".to_string()
            })
        ))),
        DmarcResult::Pass | DmarcResult::PermError => {}
    }
    if verdict.policy == Some(DmarcPolicy::None) && verdict.record.is_some() {
        findings.push(
            cat::DMARC_POLICY_NONE
                .emit()
                .detail(format!(
                    "The policy applying to {d} is none (record at _dmarc.{}).",
                    verdict.record_domain.clone().unwrap_or_default()
                ))
                .evidence(verdict.record.clone().unwrap_or_default())
                .fix({
                    let at = verdict.record_domain.clone().unwrap_or(d.clone());
                    let record = verdict.record.as_deref().unwrap_or("v=DMARC1; p=none");
                    format!("_dmarc.{at} TXT \"{}\"", enforcing_record(record, &at))
                }),
        );
    }
    if let Some(rec) = &verdict.record
        && rec.split(';').any(|t| t.split_once('=').is_some_and(|(k, v)| k.trim() == "t" && v.trim() == "y"))
    {
        findings.push(
            cat::DMARC_TEST_MODE
                .emit()
                .detail(format!("The record at _dmarc.{} has t=y.", verdict.record_domain.clone().unwrap_or_default())),
        );
    }
    if let Some(note) = &verdict.rfc7489_note {
        findings.push(
            cat::DMARC_RFC7489_DIFFERENCE
                .emit()
                .detail(note.clone())
                .evidence(verdict.record.clone().unwrap_or_default()),
        );
    }
    (verdict, findings)
}

/// The published record with its `none` policies raised to `quarantine`, keeping every
/// other tag the owner chose (`rua`, `adkim`, ...), dropping the tags RFC 9989 removed
/// (`pct`, `rf`, `ri`), and adding an aggregate-report address when there is none, so the
/// owner keeps seeing what enforcement does (RFC 9989 §4.7, §5.3).
pub fn enforcing_record(record: &str, domain: &str) -> String {
    let mut tags: Vec<String> = Vec::new();
    let mut has_rua = false;
    for tag in record.split(';') {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        let (key, value) = tag.split_once('=').map(|(k, v)| (k.trim(), v.trim())).unwrap_or((tag, ""));
        let key_lc = key.to_ascii_lowercase();
        match key_lc.as_str() {
            "pct" | "rf" | "ri" => continue,
            "p" | "sp" | "np" if value.eq_ignore_ascii_case("none") => tags.push(format!("{key_lc}=quarantine")),
            "rua" => {
                has_rua = true;
                tags.push(format!("{key_lc}={value}"));
            }
            _ => tags.push(if value.is_empty() { key.to_string() } else { format!("{key}={value}") }),
        }
    }
    if !has_rua {
        tags.push(format!("rua=mailto:dmarc-reports@{domain}"));
    }
    tags.join("; ")
}

#[cfg(test)]
mod enforcing_record_tests {
    use super::enforcing_record;

    #[test]
    fn keeps_owner_tags_raises_none_drops_removed_tags() {
        assert_eq!(
            enforcing_record("v=DMARC1; p=none; rua=mailto:d@shop.example; pct=100", "shop.example"),
            "v=DMARC1; p=quarantine; rua=mailto:d@shop.example"
        );
        assert_eq!(
            enforcing_record("v=DMARC1;p=reject;sp=none", "x.example"),
            "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc-reports@x.example"
        );
    }
}
