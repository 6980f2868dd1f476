//! DMARC record of a domain: discovery by the RFC 9989 DNS tree walk (and what RFC
//! 7489's organizational-domain lookup would find), tag lint, policy strength,
//! external report destination authorization (RFC 7489 §7.1, RFC 9990 §4) and a
//! corrected record.
//!
//! RFC 7489's organizational domain comes from the Public Suffix List compiled into
//! the core (`crate::names::organizational_domain`).

use super::query::{Ctx, TxtLookup, txt_with_prefix};
use super::{LookupStatus, fixes};
use crate::auth::dmarc::DmarcPolicy;
use crate::findings::{Finding, catalog::domain as cat};
use serde::{Deserialize, Serialize};

/// RFC 9989 §4.10: names longer than this are shortened before walking up.
pub const WALK_MAX_LABELS: usize = 7;

/// The DMARC part of a domain report (`dmarc` in the JSON contract).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DmarcReport {
    /// found / none / temperror / permerror.
    pub status: LookupStatus,
    /// The record that applies to the domain.
    pub record: Option<String>,
    /// The policy that applies to mail from the domain (`p`, or `sp` when inherited).
    pub policy: Option<DmarcPolicy>,
    /// The domain whose `_dmarc` record applies (the policy domain).
    pub domain: Option<String>,
    /// Parsed tags, in record order.
    pub tags: Vec<DmarcTag>,
    /// How the record was found by each specification.
    pub discovery: DmarcDiscovery,
    /// Aggregate/failure report destinations and whether they accept the reports.
    pub report_destinations: Vec<ReportDestination>,
    /// The record with every error fixed, when it has errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected: Option<String>,
    /// Why the status is temperror / permerror.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One `tag=value` of the record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DmarcTag {
    /// Tag name, lower case.
    pub tag: String,
    /// Value as written.
    pub value: String,
    /// Problem with it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Discovery by RFC 9989 (tree walk) and RFC 7489 (organizational domain).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DmarcDiscovery {
    /// The `_dmarc` names queried by the tree walk, in walk order.
    pub walked: Vec<String>,
    /// RFC 9989: the domain whose record applies.
    pub rfc9989_policy_domain: Option<String>,
    /// RFC 9989: the organizational domain (psd= / shortest name with a record).
    pub rfc9989_org_domain: String,
    /// RFC 7489: the organizational domain (public suffix + one label, by the Public Suffix List).
    pub rfc7489_org_domain: String,
    /// RFC 7489: the domain whose record would apply.
    pub rfc7489_policy_domain: Option<String>,
    /// Note on the RFC 7489 reading.
    pub rfc7489_note: String,
}

/// One rua/ruf destination.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReportDestination {
    /// `rua` or `ruf`.
    pub tag: String,
    /// The URI as written.
    pub uri: String,
    /// Domain of the mailbox.
    pub domain: Option<String>,
    /// Outside the policy's organizational domain: needs authorization.
    pub external: bool,
    /// For external destinations: authorization record found (None: not checked / temperror).
    pub authorized: Option<bool>,
    /// The authorization name queried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_name: Option<String>,
}

/// RFC 7489 §3.2 organizational domain (the registrable domain by the Public Suffix List).
pub fn registrable_domain(domain: &str) -> String {
    crate::names::organizational_domain(domain)
}

/// The domains the RFC 9989 tree walk visits for `domain`, in order.
pub fn walk_names(domain: &str) -> Vec<String> {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = d.split('.').filter(|l| !l.is_empty()).collect();
    let mut out = vec![labels.join(".")];
    let start = if labels.len() > WALK_MAX_LABELS { WALK_MAX_LABELS } else { labels.len().saturating_sub(1) };
    for n in (1..=start).rev() {
        let name = labels[labels.len() - n..].join(".");
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Parsed tags of a record: (tag, value) pairs, in order.
pub fn parse_tags(record: &str) -> Vec<(String, String)> {
    record
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .take(64)
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
            None => (p.to_ascii_lowercase(), String::new()),
        })
        .collect()
}

fn tag<'t>(tags: &'t [(String, String)], name: &str) -> Option<&'t str> {
    tags.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A policy word (`p=`, `sp=`, `np=`), ASCII case-insensitively; `None` when invalid.
fn policy_word(v: &str) -> Option<DmarcPolicy> {
    DmarcPolicy::parse(v)
}

/// How much a policy protects: none < quarantine < reject.
fn strength(p: DmarcPolicy) -> u8 {
    match p {
        DmarcPolicy::Reject => 2,
        DmarcPolicy::Quarantine => 1,
        DmarcPolicy::None => 0,
    }
}

/// What is wrong with one `tag=value` of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagProblem {
    /// A tag RFC 9989 does not define (receivers ignore it).
    Unknown,
    /// A defined tag with a value outside its grammar.
    InvalidValue,
    /// The tag appeared before in the same record.
    Duplicate,
}

impl TagProblem {
    /// The text of the `problem` field in the JSON contract.
    fn text(self, k: &str, v: &str) -> String {
        match self {
            TagProblem::Unknown => "unknown tag".into(),
            TagProblem::InvalidValue => format!("invalid value \"{v}\" for {k}="),
            TagProblem::Duplicate => format!("duplicate tag {k}"),
        }
    }
}

/// Checks one tag value; `None` when valid.
fn tag_problem(k: &str, v: &str) -> Option<TagProblem> {
    let ok = match k {
        "v" => v == "DMARC1",
        "p" | "sp" | "np" => policy_word(v).is_some(),
        "adkim" | "aspf" => matches!(v.to_ascii_lowercase().as_str(), "r" | "s"),
        "fo" => !v.is_empty() && v.split(':').all(|o| matches!(o.trim(), "0" | "1" | "d" | "s")),
        "psd" => matches!(v.to_ascii_lowercase().as_str(), "y" | "n" | "u"),
        "t" => matches!(v.to_ascii_lowercase().as_str(), "y" | "n"),
        "pct" => v.parse::<u32>().is_ok_and(|n| n <= 100),
        "rf" => v.split(':').all(|f| f.trim().eq_ignore_ascii_case("afrf")),
        "ri" => v.parse::<u32>().is_ok(),
        "rua" | "ruf" => v.split(',').all(|u| uri_ok(u.trim())),
        _ => return Some(TagProblem::Unknown),
    };
    if ok { None } else { Some(TagProblem::InvalidValue) }
}

fn uri_ok(u: &str) -> bool {
    let Some(rest) = u.get(..7).filter(|p| p.eq_ignore_ascii_case("mailto:")).map(|_| &u[7..]) else {
        return false;
    };
    let (addr, size) = match rest.split_once('!') {
        Some((a, s)) => (a, Some(s)),
        None => (rest, None),
    };
    // RFC 7489 §6.4: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]. RFC 9989 makes
    // receivers ignore the size, but a malformed suffix still makes the URI invalid.
    let size_ok = size.is_none_or(|s| {
        let digits = s.strip_suffix(['k', 'm', 'g', 't', 'K', 'M', 'G', 'T']).unwrap_or(s);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    size_ok && addr.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
}

/// True when `text` starts with the DMARC version tag: `"v" *WSP "=" *WSP "DMARC1"` followed by
/// the end, whitespace or `;` (RFC 7489 §6.4 / RFC 9989 ABNF `dmarc-version`: spaces around `=`
/// are allowed). `DMARC1` is matched case-insensitively here so that a wrongly cased version is
/// found and reported by the lint rather than read as "no record".
pub fn is_dmarc_record(text: &str) -> bool {
    let t = text.trim_start_matches([' ', '\t']);
    let Some(rest) = t.strip_prefix(['v', 'V']) else {
        return false;
    };
    let Some(rest) = rest.trim_start_matches([' ', '\t']).strip_prefix('=') else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    match rest.get(..6) {
        Some(head) if head.eq_ignore_ascii_case("DMARC1") => {
            matches!(rest[6..].chars().next(), None | Some(' ' | '\t' | ';'))
        }
        _ => false,
    }
}

/// TXT records at `name` that are DMARC records ([`is_dmarc_record`]).
async fn dmarc_txt(ctx: &Ctx<'_>, name: &str, depth: u32) -> TxtLookup {
    match ctx.query(name, crate::dns::RecordType::Txt, depth).await {
        Err(e) => TxtLookup::TempError(e),
        Ok(a) => {
            let found: Vec<String> = a.txt().into_iter().filter(|t| is_dmarc_record(t)).collect();
            if found.is_empty() { TxtLookup::None } else { TxtLookup::Found(found) }
        }
    }
}

/// The policy a receiver applies from a record's tags (RFC 9989 §4.10.1): a valid `p=`, unless
/// `p` is missing/invalid or an `sp=`/`np=` is present but invalid; then `none` when `rua=` holds a
/// valid URI, else `None` (no DMARC processing).
pub fn recovered_policy(tags: &[(String, String)]) -> Option<DmarcPolicy> {
    let p = tag(tags, "p").and_then(policy_word);
    let bad_sub = ["sp", "np"].iter().any(|k| tag(tags, k).is_some_and(|v| policy_word(v).is_none()));
    let has_rua = tag(tags, "rua").is_some_and(|v| v.split(',').any(|u| uri_ok(u.trim())));
    match p {
        Some(p) if !bad_sub => Some(p),
        _ if has_rua => Some(DmarcPolicy::None),
        _ => None,
    }
}

/// The mailbox domain of a report URI (`mailto:a@b.example!10m` → `b.example`).
fn uri_domain(u: &str) -> Option<String> {
    let rest = u.trim();
    let rest = if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case("mailto:") { &rest[7..] } else { rest };
    let addr = rest.split('!').next()?;
    let (_, d) = addr.rsplit_once('@')?;
    let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.is_empty() { None } else { Some(d) }
}

/// The record with invalid and removed tags dropped, bare addresses turned into
/// `mailto:` URIs and `p` defaulted to `none`; `p_override` replaces the policy.
pub fn corrected_record(tags: &[(String, String)], p_override: Option<DmarcPolicy>) -> String {
    let mut out = vec!["v=DMARC1".to_string()];
    let p = p_override.or_else(|| tag(tags, "p").and_then(policy_word)).unwrap_or(DmarcPolicy::None);
    out.push(format!("p={p}"));
    for k in ["sp", "np", "adkim", "aspf", "fo", "psd", "t"] {
        if let Some(v) = tag(tags, k)
            && tag_problem(k, v).is_none()
        {
            // A sub-domain policy weaker than p is dropped: it then defaults to p.
            if matches!(k, "sp" | "np") && policy_word(v).is_some_and(|sub| strength(sub) < strength(p)) {
                continue;
            }
            out.push(format!("{k}={}", v.to_ascii_lowercase()));
        }
    }
    for k in ["rua", "ruf"] {
        if let Some(v) = tag(tags, k) {
            let uris: Vec<String> = v
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .filter_map(|u| {
                    if uri_ok(u) {
                        Some(u.to_string())
                    } else if uri_ok(&format!("mailto:{u}")) {
                        Some(format!("mailto:{u}"))
                    } else {
                        None
                    }
                })
                .collect();
            if !uris.is_empty() {
                out.push(format!("{k}={}", uris.join(",")));
            }
        }
    }
    out.join("; ")
}

/// Checks DMARC for `domain`.
pub async fn check(ctx: &Ctx<'_>, domain: &str) -> (DmarcReport, Vec<Finding>) {
    let mut findings = Vec::new();
    let names = walk_names(domain);
    let org7489 = registrable_domain(domain);
    // Every name of the walk is asked at once: the walk then reads the answers in order.
    let mut all_names = names.clone();
    if !all_names.contains(&org7489) {
        all_names.push(org7489.clone());
    }
    let lookups: Vec<TxtLookup> = futures::future::join_all(
        all_names.iter().map(|n| async move { dmarc_txt(ctx, &format!("_dmarc.{n}"), 1).await }),
    )
    .await;
    let at =
        |name: &str| -> Option<&TxtLookup> { all_names.iter().position(|n| n == name).and_then(|i| lookups.get(i)) };

    let walked: Vec<String> = names.iter().map(|n| format!("_dmarc.{n}")).collect();
    let note = format!(
        "RFC 7489 §3.2: the organizational domain {org7489} is the public suffix plus one label, by the Public Suffix List."
    );
    let mut discovery = DmarcDiscovery {
        walked,
        rfc9989_policy_domain: None,
        rfc9989_org_domain: domain.to_string(),
        rfc7489_org_domain: org7489.clone(),
        rfc7489_policy_domain: None,
        rfc7489_note: note,
    };
    let mut report = DmarcReport {
        status: LookupStatus::None,
        record: None,
        policy: None,
        domain: None,
        tags: Vec::new(),
        discovery: discovery.clone(),
        report_destinations: Vec::new(),
        corrected: None,
        error: None,
    };

    // RFC 9989 walk: the first name with exactly one record wins; a temperror before any
    // record stops the walk as temperror (never read as "no record").
    let mut found: Option<(String, String)> = None;
    for n in &names {
        match at(n) {
            Some(TxtLookup::TempError(e)) => {
                report.status = LookupStatus::Temperror;
                report.error = Some(format!("_dmarc.{n}: {}", e.message));
                findings.push(cat::DMARC_TEMPERROR.emit().detail(format!("TXT _dmarc.{n}: {}", e.message)));
                report.discovery = discovery;
                return (report, findings);
            }
            Some(TxtLookup::Found(recs)) if recs.len() > 1 => {
                report.status = LookupStatus::Permerror;
                report.error = Some(format!("{} DMARC records at _dmarc.{n}", recs.len()));
                let mut f = cat::DMARC_MULTIPLE.emit().detail(format!("{} records at _dmarc.{n}", recs.len()));
                for r in recs {
                    f = f.evidence(format!("_dmarc.{n} TXT \"{r}\""));
                }
                findings.push(f);
                report.domain = Some(n.clone());
                report.discovery = discovery;
                return (report, findings);
            }
            Some(TxtLookup::Found(recs)) => {
                if let Some(r) = recs.first() {
                    found = Some((n.clone(), r.clone()));
                }
                break;
            }
            _ => {}
        }
    }
    // RFC 9989 §4.10.2 organizational domain: psd=n → that name; psd=y → one label below; else
    // the shortest name with a record.
    let mut org = None;
    for (i, n) in names.iter().enumerate().rev() {
        if let Some(TxtLookup::Found(recs)) = at(n)
            && let Some(r) = recs.first()
        {
            let tags = parse_tags(r);
            match tag(&tags, "psd").map(str::to_ascii_lowercase).as_deref() {
                Some("n") => {
                    org = Some(n.clone());
                    break;
                }
                Some("y") => {
                    org = Some(if i > 0 { names[i - 1].clone() } else { n.clone() });
                    break;
                }
                _ => {
                    if org.is_none() {
                        org = Some(n.clone());
                    }
                }
            }
        }
    }
    discovery.rfc9989_org_domain = org.unwrap_or_else(|| domain.to_string());
    discovery.rfc9989_policy_domain = found.as_ref().map(|(n, _)| n.clone());
    // RFC 7489: the domain itself, then the organizational domain.
    let own = at(&names[0]);
    discovery.rfc7489_policy_domain = match own {
        Some(TxtLookup::Found(_)) => Some(names[0].clone()),
        _ => match at(&org7489) {
            Some(TxtLookup::Found(r)) if r.len() == 1 => Some(org7489.clone()),
            _ => None,
        },
    };
    if discovery.rfc7489_policy_domain != discovery.rfc9989_policy_domain {
        findings.push(cat::DMARC_DISCOVERY_DIFFERS.emit().detail(format!(
                "RFC 9989 tree walk: {}; RFC 7489 (organizational domain {}): {}",
                discovery
                    .rfc9989_policy_domain
                    .as_deref()
                    .map(|d| format!("_dmarc.{d}"))
                    .unwrap_or_else(|| "no record".into()),
                org7489,
                discovery
                    .rfc7489_policy_domain
                    .as_deref()
                    .map(|d| format!("_dmarc.{d}"))
                    .unwrap_or_else(|| "no record".into()),
            )));
    }

    let Some((policy_domain, record)) = found else {
        report.discovery = discovery;
        findings.push(
            cat::DMARC_MISSING
                .emit()
                .detail(format!("no v=DMARC1 record at {}", report.discovery.walked.join(", ")))
                .fix(fixes::txt_line(
                    &format!("_dmarc.{domain}"),
                    &format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}"),
                )),
        );
        return (report, findings);
    };
    let inherited = policy_domain != names[0];
    let tags = parse_tags(&record);
    let ev = format!("_dmarc.{policy_domain} TXT \"{record}\"");
    let dmarc_name = format!("_dmarc.{policy_domain}");

    let mut syntax = Vec::new();
    let mut invalid = Vec::new();
    let mut unknown = Vec::new();
    let mut removed = Vec::new();
    let mut tag_rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, (k, v)) in tags.iter().enumerate() {
        let mut problem = tag_problem(k, v);
        if !seen.insert(k.clone()) {
            problem = Some(TagProblem::Duplicate);
            syntax.push(format!("duplicate tag {k}="));
        }
        if i == 0 && k != "v" {
            syntax.push("the record does not start with v=DMARC1".into());
        }
        if k == "v" && i != 0 {
            syntax.push("v= must be the first tag".into());
        }
        if k == "v" && v != "DMARC1" {
            syntax.push(format!("v={v}: must be exactly DMARC1"));
        }
        match k.as_str() {
            "pct" | "rf" | "ri" => removed.push(format!("{k}={v}")),
            _ => {}
        }
        match problem {
            Some(TagProblem::Unknown) => unknown.push(format!("{k}={v}")),
            Some(TagProblem::InvalidValue) if !matches!(k.as_str(), "pct" | "rua" | "ruf" | "v") => {
                invalid.push(format!("{k}={v}"))
            }
            _ => {}
        }
        tag_rows.push(DmarcTag { tag: k.clone(), value: v.clone(), problem: problem.map(|p| p.text(k, v)) });
    }
    let p = tag(&tags, "p").and_then(policy_word);
    let sp = tag(&tags, "sp").and_then(policy_word);
    let np = tag(&tags, "np").and_then(policy_word);
    let has_rua = tag(&tags, "rua").is_some_and(|v| v.split(',').any(|u| uri_ok(u.trim())));
    // RFC 9989 §4.10.1: no valid p= (or an invalid sp=/np=) but a valid rua= → treat as p=none.
    let p_eff = recovered_policy(&tags);
    let effective = if inherited { sp.or(p_eff) } else { p_eff };

    let corrected = corrected_record(&tags, None);
    let corrected_line = fixes::txt_line(&dmarc_name, &corrected);
    let has_errors = !syntax.is_empty()
        || !invalid.is_empty()
        || p.is_none()
        || !removed.is_empty()
        || !unknown.is_empty()
        || tag(&tags, "rua").is_some_and(|v| !v.split(',').all(|u| uri_ok(u.trim())))
        || tag(&tags, "ruf").is_some_and(|v| !v.split(',').all(|u| uri_ok(u.trim())));

    if !syntax.is_empty() {
        findings
            .push(cat::DMARC_SYNTAX.emit().detail(syntax.join("; ")).fix(corrected_line.clone()).evidence(ev.clone()));
    }
    if p.is_none() {
        findings.push(
            cat::DMARC_MISSING_P
                .emit()
                .detail(match tag(&tags, "p") {
                    Some(v) => format!("p={v} is not none/quarantine/reject"),
                    None => "no p= tag".into(),
                })
                .fix(corrected_line.clone())
                .evidence(ev.clone()),
        );
    }
    if !invalid.is_empty() {
        let mut detail = invalid.join(", ");
        if ["sp", "np"].iter().any(|k| tag(&tags, k).is_some_and(|v| policy_word(v).is_none())) {
            detail.push_str(match &p_eff {
                Some(_) => "; an invalid sp=/np= makes receivers treat the whole record as p=none (RFC 9989 §4.10.1)",
                None => "; an invalid sp=/np= with no valid rua= makes receivers ignore the record (RFC 9989 §4.10.1)",
            });
        }
        findings.push(cat::DMARC_INVALID_VALUE.emit().detail(detail).fix(corrected_line.clone()).evidence(ev.clone()));
    }
    if let Some(v) = tag(&tags, "pct")
        && tag_problem("pct", v).is_some()
    {
        findings.push(
            cat::DMARC_PCT_INVALID.emit().detail(format!("pct={v}")).fix(corrected_line.clone()).evidence(ev.clone()),
        );
    }
    if !removed.is_empty() {
        findings.push(cat::DMARC_REMOVED_TAG.emit().detail(removed.join(", ")).fix(corrected_line.clone()));
    }
    if !unknown.is_empty() {
        findings.push(cat::DMARC_UNKNOWN_TAG.emit().detail(unknown.join(", ")).fix(corrected_line.clone()));
    }
    for k in ["rua", "ruf"] {
        if let Some(v) = tag(&tags, k) {
            let bad: Vec<&str> = v.split(',').map(str::trim).filter(|u| !uri_ok(u)).collect();
            if !bad.is_empty() {
                findings.push(
                    cat::DMARC_RUA_NOT_MAILTO
                        .emit()
                        .detail(format!("{k}={}: not a mailto: URI", bad.join(",")))
                        .fix(corrected_line.clone())
                        .evidence(ev.clone()),
                );
            }
        }
    }
    if !has_rua {
        let mut t = tags.clone();
        t.retain(|(k, _)| k != "rua");
        t.push(("rua".into(), format!("mailto:dmarc-reports@{policy_domain}")));
        findings.push(cat::DMARC_NO_RUA.emit().fix(fixes::txt_line(&dmarc_name, &corrected_record(&t, None))));
    }
    // The effective policy is none, or the record is ignored while it asks for none.
    if p_eff.or(p) == Some(DmarcPolicy::None) {
        findings.push(
            cat::DMARC_POLICY_NONE
                .emit()
                .detail(format!("p=none at {dmarc_name}"))
                .fix(fixes::txt_line(&dmarc_name, &corrected_record(&tags, Some(DmarcPolicy::Quarantine))))
                .evidence(ev.clone()),
        );
    }
    if let Some(pv) = p_eff {
        let weaker: Vec<String> = [("sp", sp), ("np", np)]
            .iter()
            .filter_map(|(k, v)| v.filter(|v| strength(*v) < strength(pv)).map(|v| format!("{k}={v} < p={pv}")))
            .collect();
        if !weaker.is_empty() {
            findings.push(cat::DMARC_SUBDOMAIN_WEAKER.emit().detail(weaker.join(", ")).fix(corrected_line.clone()));
        }
    }
    if tag(&tags, "t").is_some_and(|v| v.eq_ignore_ascii_case("y")) {
        findings.push(cat::DMARC_TESTING.emit().evidence(ev.clone()));
    }
    if inherited {
        findings.push(cat::DMARC_INHERITED.emit().detail(format!(
            "no _dmarc.{}; the record of {policy_domain} applies (policy {})",
            names[0],
            effective.map_or("unknown", DmarcPolicy::as_str)
        )));
    }

    // External report destinations (RFC 7489 §7.1, RFC 9990 §4): all asked at once.
    let own_org = registrable_domain(&policy_domain);
    let mut dests: Vec<ReportDestination> = Vec::new();
    for k in ["rua", "ruf"] {
        if let Some(v) = tag(&tags, k) {
            for u in v.split(',').map(str::trim).filter(|u| !u.is_empty()) {
                let d = uri_domain(u);
                let external = d.as_ref().is_some_and(|d| registrable_domain(d) != own_org);
                dests.push(ReportDestination {
                    tag: k.to_string(),
                    uri: u.to_string(),
                    authorization_name: if external {
                        d.as_ref().map(|d| format!("{policy_domain}._report._dmarc.{d}"))
                    } else {
                        None
                    },
                    domain: d,
                    external,
                    authorized: None,
                });
            }
        }
    }
    let checks = futures::future::join_all(dests.iter().map(|d| async move {
        match &d.authorization_name {
            Some(n) => Some(txt_with_prefix(ctx, n, "v=DMARC1", 2).await),
            None => None,
        }
    }))
    .await;
    for (d, c) in dests.iter_mut().zip(checks) {
        match c {
            Some(TxtLookup::Found(_)) => d.authorized = Some(true),
            Some(TxtLookup::None) => {
                d.authorized = Some(false);
                let name = d.authorization_name.clone().unwrap_or_default();
                findings.push(
                    cat::DMARC_EXTERNAL_UNAUTHORIZED
                        .emit()
                        .detail(format!("{}={} is outside {own_org}; no v=DMARC1 TXT at {name}", d.tag, d.uri))
                        .fix(format!(
                            "The operator of {} publishes:\n{}",
                            d.domain.as_deref().unwrap_or(""),
                            fixes::txt_line(&name, "v=DMARC1")
                        )),
                );
            }
            Some(TxtLookup::TempError(e)) => {
                findings.push(cat::DMARC_TEMPERROR.emit().detail(format!(
                    "authorization of {} ({}): {}",
                    d.uri,
                    d.authorization_name.clone().unwrap_or_default(),
                    e.message
                )));
            }
            None => {}
        }
    }

    report.status = if syntax.is_empty() && p_eff.is_some() { LookupStatus::Found } else { LookupStatus::Permerror };
    report.record = Some(record.clone());
    report.policy = effective;
    report.domain = Some(policy_domain);
    report.tags = tag_rows;
    report.discovery = discovery;
    report.report_destinations = dests;
    report.corrected = if has_errors { Some(corrected) } else { None };
    (report, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_names_follow_rfc9989() {
        assert_eq!(walk_names("a.b.example.com"), vec!["a.b.example.com", "b.example.com", "example.com", "com"]);
        let long = "a.b.c.d.e.f.g.h.example.com";
        let w = walk_names(long);
        assert_eq!(w[0], long);
        assert_eq!(w[1], "d.e.f.g.h.example.com"); // shortened to 7 labels
        assert_eq!(w.last().map(String::as_str), Some("com"));
    }

    #[test]
    fn corrected_record_fixes_bad_tags() {
        let tags = parse_tags("v=DMARC1; p=none; pct=150; rua=dmarc@bad.test; sp=maybe; fo=9");
        assert_eq!(corrected_record(&tags, None), "v=DMARC1; p=none; rua=mailto:dmarc@bad.test");
        assert_eq!(
            corrected_record(&parse_tags("v=DMARC1; p=reject; sp=none; rua=mailto:a@x.example"), None),
            "v=DMARC1; p=reject; rua=mailto:a@x.example"
        );
    }

    #[test]
    fn tag_values() {
        assert!(tag_problem("fo", "0:1:d:s").is_none());
        assert!(tag_problem("fo", "9").is_some());
        assert!(tag_problem("rua", "mailto:a@b.example!10m, mailto:c@d.example").is_none());
        assert!(tag_problem("rua", "dmarc@bad.test").is_some());
        assert_eq!(registrable_domain("a.b.example.com"), "example.com");
        // RFC 7489 §6.4 size suffix: "!" 1*DIGIT [k/m/g/t].
        assert!(tag_problem("rua", "mailto:a@b.example!10m").is_none());
        assert!(tag_problem("rua", "mailto:a@b.example!0G").is_none());
        assert!(tag_problem("rua", "mailto:a@b.example!").is_some());
        assert!(tag_problem("rua", "mailto:a@b.example!10p").is_some());
    }

    #[test]
    fn version_tag_allows_spaces_around_equals() {
        assert!(is_dmarc_record("v=DMARC1; p=none"));
        assert!(is_dmarc_record("V = DMARC1 ; P = reject"));
        assert!(is_dmarc_record("v=DMARC1"));
        assert!(is_dmarc_record("v=dmarc1; p=none")); // found, then flagged by the lint
        assert!(!is_dmarc_record("v=DMARC12"));
        assert!(!is_dmarc_record("v="));
        assert!(!is_dmarc_record("x v=DMARC1"));
    }

    #[test]
    fn invalid_sub_policy_recovers_to_none_only_with_rua() {
        let t = |s: &str| recovered_policy(&parse_tags(s));
        assert_eq!(t("v=DMARC1; p=reject"), Some(DmarcPolicy::Reject));
        assert_eq!(t("v=DMARC1; p=Quarantine"), Some(DmarcPolicy::Quarantine));
        assert_eq!(t("v=DMARC1; p=reject; sp=invalid; rua=mailto:a@b.example"), Some(DmarcPolicy::None));
        assert_eq!(t("v=DMARC1; p=reject; np=bogus; rua=mailto:a@b.example"), Some(DmarcPolicy::None));
        assert_eq!(t("v=DMARC1; p=reject; sp=invalid"), None);
        assert_eq!(t("v=DMARC1; rua=mailto:a@b.example"), Some(DmarcPolicy::None));
        assert_eq!(t("v=DMARC1; sp=reject"), None);
    }
}
