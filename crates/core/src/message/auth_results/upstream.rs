//! The verdicts the receiving MX recorded (only its own fields are trusted, RFC 8601 §5)
//! and their comparison with the verdicts computed now, each drift with its likely cause.

use super::parse::{parse_arc_authentication_results, parse_authentication_results, parse_received_spf};
use super::{ArcAuthResults, AuthResultsHeader, MAX_HEADERS, ReceivedSpf};
use crate::findings::{Finding, catalog::path};
use crate::message::hops::{rough_org_domain, unfold};
use crate::verdict::{ResultWord, word_enum};
use mail_parser::Message;
use serde::{Deserialize, Serialize};

/// A header that could not be parsed, kept for display.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnparsedHeader {
    /// Field name as written.
    pub name: String,
    /// The value.
    pub raw: String,
    /// The parse error.
    pub error: String,
}

/// What the receiving side recorded at delivery time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UpstreamVerdicts {
    /// Every Authentication-Results field that parsed, topmost first.
    pub headers: Vec<AuthResultsHeader>,
    /// The authserv-id trusted: that of the topmost field, written by the receiving
    /// MX (RFC 8601 §5). Verdicts below come only from fields with this id (or, for
    /// providers that split results over several fields, from the run of topmost
    /// fields of the same organisation).
    pub trusted_authserv_id: Option<String>,
    /// Upstream SPF result (from the trusted fields, else Received-SPF).
    pub spf: Option<ResultWord>,
    /// Upstream DKIM results as (signing domain, result), in order.
    pub dkim: Vec<(String, ResultWord)>,
    /// Upstream DMARC result.
    pub dmarc: Option<ResultWord>,
    /// Upstream ARC result.
    pub arc: Option<ResultWord>,
    /// The topmost Received-SPF field, if any.
    pub received_spf: Option<ReceivedSpf>,
    /// ARC-Authentication-Results fields, topmost first.
    pub arc_results: Vec<ArcAuthResults>,
    /// Fields that did not parse.
    pub unparsed: Vec<UnparsedHeader>,
}

/// The verdicts computed now, as result words in lower case.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FreshVerdicts {
    /// SPF result.
    pub spf: Option<ResultWord>,
    /// DKIM (signing domain, result), in header order.
    pub dkim: Vec<(String, ResultWord)>,
    /// DMARC result.
    pub dmarc: Option<ResultWord>,
    /// ARC chain result.
    pub arc: Option<ResultWord>,
}

word_enum! {
    /// The authentication method a drift is about.
    pub enum DriftMethod {
        /// SPF (RFC 7208).
        Spf => "spf",
        /// DKIM (RFC 6376).
        Dkim => "dkim",
        /// DMARC (RFC 9989).
        Dmarc => "dmarc",
        /// ARC (RFC 8617).
        Arc => "arc",
    }
}

/// A verdict that differs between delivery time and now, with the likely cause.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Drift {
    /// `spf`, `dkim`, `dmarc` or `arc`.
    pub method: DriftMethod,
    /// The DKIM signing domain, for `dkim`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Result recorded upstream.
    pub upstream: ResultWord,
    /// Result computed now.
    pub fresh: ResultWord,
    /// Why they plausibly differ.
    pub explanation: String,
}

fn header_name_is(name: &str, want: &str) -> bool {
    name.trim().eq_ignore_ascii_case(want)
}

/// Reads Authentication-Results, ARC-Authentication-Results and Received-SPF
/// fields of a message and extracts the trusted upstream verdicts (RFC 8601 §5:
/// only the receiving MX's own fields are trusted). Findings: `upstream.unparseable`.
pub fn collect_upstream(msg: &Message<'_>) -> (UpstreamVerdicts, Vec<Finding>) {
    let mut up = UpstreamVerdicts::default();
    let mut findings = Vec::new();
    let mut seen = 0usize;
    for header in msg.root().headers().iter() {
        let name = header.raw_name();
        let is_ar = header_name_is(name, "Authentication-Results");
        let is_aar = header_name_is(name, "ARC-Authentication-Results");
        let is_rspf = header_name_is(name, "Received-SPF");
        if !(is_ar || is_aar || is_rspf) {
            continue;
        }
        seen += 1;
        if seen > MAX_HEADERS {
            break;
        }
        let raw = unfold(header.raw_value());
        let outcome = if is_ar {
            parse_authentication_results(&raw).map(|h| up.headers.push(h))
        } else if is_aar {
            parse_arc_authentication_results(&raw).map(|h| up.arc_results.push(h))
        } else {
            parse_received_spf(&raw).map(|r| {
                if up.received_spf.is_none() {
                    up.received_spf = Some(r);
                }
            })
        };
        if let Err(e) = outcome {
            findings.push(
                path::UPSTREAM_UNPARSEABLE.emit().detail(format!("{name}: {e}")).evidence(format!("{name}: {raw}")),
            );
            up.unparsed.push(UnparsedHeader { name: name.to_string(), raw, error: e.to_string() });
        }
    }
    derive_verdicts(&mut up);
    (up, findings)
}

/// Indices of the trusted headers: same authserv-id as the topmost, plus the run of
/// topmost headers from the same organisation (providers such as iCloud write one
/// field per filter host).
fn trusted_indices(headers: &[AuthResultsHeader]) -> Vec<usize> {
    let Some(top) = headers.first() else {
        return Vec::new();
    };
    let top_org = rough_org_domain(&top.authserv_id);
    let mut in_run = true;
    let mut out = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let same_id = h.authserv_id.eq_ignore_ascii_case(&top.authserv_id);
        let same_org = top_org.is_some() && rough_org_domain(&h.authserv_id) == top_org;
        if same_id || (in_run && same_org) {
            out.push(i);
        } else {
            in_run = false;
        }
    }
    out
}

/// Fills the spf/dkim/dmarc/arc fields from the trusted headers.
pub fn derive_verdicts(up: &mut UpstreamVerdicts) {
    up.trusted_authserv_id = up.headers.first().map(|h| h.authserv_id.clone());
    let trusted: Vec<&AuthResultsHeader> =
        trusted_indices(&up.headers).into_iter().filter_map(|i| up.headers.get(i)).collect();
    let all = || trusted.iter().flat_map(|h| h.results.iter());
    up.spf = all()
        .filter(|r| r.method == "spf")
        .find(|r| r.prop("smtp", "mailfrom").is_some())
        .or_else(|| all().find(|r| r.method == "spf"))
        .map(|r| r.result.clone())
        .or_else(|| up.received_spf.as_ref().map(|r| r.result.clone()));
    up.dkim =
        all().filter(|r| r.method == "dkim").map(|r| (r.domain().unwrap_or_default(), r.result.clone())).collect();
    up.dmarc = all().find(|r| r.method == "dmarc").map(|r| r.result.clone());
    up.arc = all().find(|r| r.method == "arc").map(|r| r.result.clone());
}

/// The word compared: lower case, and RFC 5451 `hardfail` is RFC 8601 `fail`.
fn norm(result: &ResultWord) -> ResultWord {
    let r = result.as_str().trim().to_ascii_lowercase();
    if r == "hardfail" { ResultWord::Fail } else { ResultWord::from(r) }
}

fn spf_explanation(up: &ResultWord, fresh: &ResultWord) -> String {
    match (up.as_str(), fresh.as_str()) {
        ("temperror", _) => format!(
            "The receiving server hit a DNS error (temperror) while evaluating SPF at delivery; evaluated now it is {fresh}. Nothing may be wrong now, but receivers treat temperror as unauthenticated, so check the reliability of the sender's DNS (RFC 7208 §2.6.6)."
        ),
        (_, "temperror") => format!(
            "The receiving server got {up} at delivery, but a DNS lookup failed now (temperror): the SPF record's DNS (or an include:) is not answering at the moment (RFC 7208 §2.6.6)."
        ),
        (_, "permerror") => format!(
            "SPF was {up} at delivery and is permerror now: the record has since become invalid (a syntax error, more than one v=spf1 record, or more than 10 DNS-querying terms, RFC 7208 §4.6.4)."
        ),
        ("permerror", _) => format!(
            "SPF was permerror at delivery and is {fresh} now: the record was fixed since, or the lookup-limit count differed (includes changed, RFC 7208 §4.6.4)."
        ),
        ("none", _) => format!(
            "There was no SPF record (none) at delivery and there is one now ({fresh}): the record was published after the message was delivered, or the evaluation now uses a different MAIL FROM/HELO domain."
        ),
        (_, "none") => format!(
            "SPF was {up} at delivery and finds no record now: the SPF record was removed since delivery, or the MAIL FROM/HELO domain used now differs from the delivery's (check --mail-from)."
        ),
        ("pass", _) => format!(
            "SPF passed at delivery but is {fresh} now: this evaluation probably uses a different client IP or MAIL FROM than the receiving MX saw (check the inferred envelope, or pass --ip/--mail-from), or the SPF record changed since delivery (an include or IP range removed)."
        ),
        (_, "pass") => format!(
            "SPF was {up} at delivery but passes now: the SPF record was changed since delivery to authorise this IP (an include or ip4:/ip6: added), or the receiving MX evaluated a different IP (e.g. a forwarder's)."
        ),
        _ => format!(
            "SPF was {up} at delivery and is {fresh} now: the SPF record's qualifiers or content changed since delivery, or a different IP/identity is evaluated now."
        ),
    }
}

fn dkim_explanation(domain: &str, up: &ResultWord, fresh: &ResultWord) -> String {
    let d = if domain.is_empty() { "the signature".to_string() } else { format!("the d={domain} signature") };
    match (up.as_str(), fresh.as_str()) {
        ("pass", "fail") => format!(
            "{d} verified at delivery but fails now: either the public key was rotated or replaced in DNS since delivery (same selector, new key), or the message was modified after delivery (re-encoded or re-saved by a mail client, a footer or banner added, headers rewritten) (RFC 6376 §6.1.3)."
        ),
        ("pass", "permerror") | ("pass", "none") => format!(
            "{d} verified at delivery but is {fresh} now: the key record was removed or revoked (empty p=) since delivery, which is normal after a key rotation once old mail is no longer expected to verify (RFC 6376 §3.6.1, §6.1.2) — or the DKIM-Signature header was removed from this copy."
        ),
        ("pass", "temperror") => format!(
            "{d} verified at delivery; the key lookup fails temporarily now (DNS timeout/SERVFAIL), so nothing can be concluded until DNS answers again (RFC 6376 §6.1.2)."
        ),
        ("pass", "policy") => format!(
            "{d} verified at delivery but is rejected by local policy now (e.g. an RSA key under 1024 bits, an expired x=, or l= in use) (RFC 8601 §2.7.1)."
        ),
        ("temperror", _) => format!(
            "The receiving server could not fetch the key for {d} at delivery (temperror); now it is {fresh}. Make the DKIM key's DNS reliable: receivers count temperror as unauthenticated."
        ),
        (_, "pass") => format!(
            "{d} was {up} at delivery but verifies now: the key was published or corrected after delivery, or the receiving side modified the message before verifying it."
        ),
        _ => format!(
            "{d} was {up} at delivery and is {fresh} now: the key record changed since delivery or the message was modified after delivery."
        ),
    }
}

fn dmarc_explanation(up: &ResultWord, fresh: &ResultWord) -> String {
    match (up.as_str(), fresh.as_str()) {
        ("temperror", _) | (_, "temperror") => format!("A DNS lookup failed ({} side): DMARC was {up} at delivery and is {fresh} now (RFC 7489 §6.6.3).", if *up == ResultWord::TempError { "delivery" } else { "this evaluation's" }),
        ("none", _) => format!("No DMARC record applied at delivery (none) and one does now ({fresh}): a _dmarc record was published since delivery."),
        (_, "none") => format!("DMARC was {up} at delivery and finds no policy now: the _dmarc record was removed since delivery."),
        ("pass", "fail") => "DMARC passed at delivery but fails now: the aligned SPF or DKIM pass behind it is gone (see the SPF/DKIM drift), typically a DKIM key rotated away after delivery or SPF evaluated with a different IP.".to_string(),
        ("fail", "pass") => "DMARC failed at delivery but passes now: an aligned SPF or DKIM result improved since delivery (record fixed, key published), or the receiver evaluated a forwarded copy.".to_string(),
        _ => format!("DMARC was {up} at delivery and is {fresh} now: it follows from the SPF/DKIM results and the _dmarc record, one of which changed."),
    }
}

fn arc_explanation(up: &ResultWord, fresh: &ResultWord) -> String {
    match (up.as_str(), fresh.as_str()) {
        ("none", "pass") | ("none", "fail") => format!("No ARC chain existed when the receiving server checked (none), but one is present now ({fresh}): the receiver (or a later internal hop) added its own ARC set after recording its verdict, so this evaluation sees a seal the receiver never checked."),
        ("pass", "fail") => "The ARC chain validated at delivery but fails now: a sealing key was rotated since, or the message (or its ARC headers) was modified after delivery (RFC 8617 §5.2).".to_string(),
        _ => format!("ARC was {up} at delivery and is {fresh} now: the chain's keys or the sealed headers changed since delivery, or ARC sets were added after the verdict was recorded."),
    }
}

/// Compares the upstream verdicts with the fresh ones and explains each drift.
/// Findings: `upstream.no_auth_results`, `upstream.multiple_authserv_ids`,
/// `upstream.temperror`, `upstream.{spf,dkim,dmarc,arc}_drift` (RFC 8601 §2.7, §5).
pub fn compare(upstream: &UpstreamVerdicts, fresh: &FreshVerdicts) -> (Vec<Drift>, Vec<Finding>) {
    let mut drifts = Vec::new();
    let mut findings = Vec::new();
    if upstream.headers.is_empty() && upstream.received_spf.is_none() {
        findings.push(path::UPSTREAM_NO_AUTH_RESULTS.emit());
        return (drifts, findings);
    }
    let trusted_idx = trusted_indices(&upstream.headers);
    let evidence: Vec<String> = trusted_idx
        .iter()
        .filter_map(|&i| upstream.headers.get(i))
        .map(|h| format!("Authentication-Results: {}", h.raw))
        .collect();

    // Several authentication services.
    let mut ids: Vec<String> = Vec::new();
    for h in &upstream.headers {
        let id = if h.authserv_id.is_empty() { "(none)".to_string() } else { h.authserv_id.to_ascii_lowercase() };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let untrusted: Vec<&AuthResultsHeader> =
        upstream.headers.iter().enumerate().filter(|(i, _)| !trusted_idx.contains(i)).map(|(_, h)| h).collect();
    if ids.len() > 1 && !untrusted.is_empty() {
        let mut f = path::UPSTREAM_MULTIPLE_AUTHSERV_IDS.emit().detail(format!(
            "authserv-ids: {}; trusted: {} (topmost); ignored: {}",
            ids.join(", "),
            upstream.trusted_authserv_id.as_deref().unwrap_or("?"),
            untrusted
                .iter()
                .map(|h| if h.authserv_id.is_empty() { "(none)" } else { h.authserv_id.as_str() })
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for h in untrusted.iter().take(8) {
            f = f.evidence(format!("Authentication-Results: {}", h.raw));
        }
        findings.push(f);
    }

    // Temporary errors recorded upstream.
    let mut temp = Vec::new();
    if upstream.spf.as_ref().map(norm) == Some(ResultWord::TempError) {
        temp.push("spf".to_string());
    }
    for (d, r) in &upstream.dkim {
        if norm(r) == ResultWord::TempError {
            temp.push(if d.is_empty() { "dkim".into() } else { format!("dkim (d={d})") });
        }
    }
    if upstream.dmarc.as_ref().map(norm) == Some(ResultWord::TempError) {
        temp.push("dmarc".into());
    }
    if !temp.is_empty() {
        let mut f =
            path::UPSTREAM_TEMPERROR.emit().detail(format!("temperror recorded at delivery for: {}", temp.join(", ")));
        for e in &evidence {
            f = f.evidence(e.clone());
        }
        findings.push(f);
    }

    let push = |drifts: &mut Vec<Drift>,
                findings: &mut Vec<Finding>,
                spec: &'static crate::findings::FindingSpec,
                d: Drift| {
        let mut f = spec.emit().detail(format!(
            "{}{}: {} at delivery, {} now. {}",
            d.method,
            d.domain.as_deref().map(|x| format!(" (d={x})")).unwrap_or_default(),
            d.upstream,
            d.fresh,
            d.explanation
        ));
        for e in &evidence {
            f = f.evidence(e.clone());
        }
        findings.push(f);
        drifts.push(d);
    };

    if let (Some(u), Some(f)) = (upstream.spf.as_ref().map(norm), fresh.spf.as_ref().map(norm))
        && u != f
    {
        let explanation = spf_explanation(&u, &f);
        push(
            &mut drifts,
            &mut findings,
            &path::UPSTREAM_SPF_DRIFT,
            Drift { method: DriftMethod::Spf, domain: None, upstream: u, fresh: f, explanation },
        );
    }

    // DKIM: match by signing domain; an upstream result without a domain matches the
    // first fresh signature not yet matched.
    let mut used = vec![false; fresh.dkim.len()];
    for (ud, ur) in &upstream.dkim {
        let ur = norm(ur);
        let found = fresh.dkim.iter().enumerate().find(|(i, (fd, _))| {
            !used.get(*i).copied().unwrap_or(true) && (ud.is_empty() || fd.eq_ignore_ascii_case(ud))
        });
        let (fr, missing) = match found {
            Some((i, (_, fr))) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                (norm(fr), false)
            }
            None if ur == ResultWord::None || ud.is_empty() => continue,
            None => (ResultWord::None, true),
        };
        if fr != ur {
            let explanation = if missing {
                format!(
                    "The receiving server recorded dkim={ur} for d={ud}, but this copy carries no DKIM-Signature with d={ud}: the signature header was removed after delivery (a gateway or list rewrote the message, or only part of the headers were exported)."
                )
            } else {
                dkim_explanation(ud, &ur, &fr)
            };
            push(
                &mut drifts,
                &mut findings,
                &path::UPSTREAM_DKIM_DRIFT,
                Drift {
                    method: DriftMethod::Dkim,
                    domain: if ud.is_empty() { None } else { Some(ud.clone()) },
                    upstream: ur,
                    fresh: fr,
                    explanation,
                },
            );
        }
    }

    if let (Some(u), Some(f)) = (upstream.dmarc.as_ref().map(norm), fresh.dmarc.as_ref().map(norm))
        && u != f
    {
        let explanation = dmarc_explanation(&u, &f);
        push(
            &mut drifts,
            &mut findings,
            &path::UPSTREAM_DMARC_DRIFT,
            Drift { method: DriftMethod::Dmarc, domain: None, upstream: u, fresh: f, explanation },
        );
    }
    if let (Some(u), Some(f)) = (upstream.arc.as_ref().map(norm), fresh.arc.as_ref().map(norm))
        && u != f
        && !(u == ResultWord::Pass && f == ResultWord::Pass)
    {
        let explanation = arc_explanation(&u, &f);
        push(
            &mut drifts,
            &mut findings,
            &path::UPSTREAM_ARC_DRIFT,
            Drift { method: DriftMethod::Arc, domain: None, upstream: u, fresh: f, explanation },
        );
    }
    (drifts, findings)
}
