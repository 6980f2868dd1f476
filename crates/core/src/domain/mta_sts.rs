//! MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file fetched over HTTPS
//! by the caller's [`PolicyFetcher`](super::PolicyFetcher) (the core does no HTTP),
//! its syntax, mode, max_age, and the `mx:` patterns matched against the real MX hosts.

use super::query::{Ctx, TxtLookup, txt_with_prefix};
use super::{FetchError, LookupStatus, PolicyFetcher, fixes};
use crate::findings::{Finding, catalog::domain as cat};
use crate::verdict::word_enum;
use serde::{Deserialize, Serialize};

word_enum! {
    /// What became of the MTA-STS policy fetch (RFC 8461 §3.3).
    pub enum PolicyStatus {
        /// Fetched over HTTPS.
        Fetched => "fetched",
        /// No fetcher in this environment (e.g. the browser without the companion).
        NotFetched => "not_fetched",
        /// The fetch failed (DNS, TLS, HTTP status, size, deadline).
        Failed => "failed",
        /// Not attempted (no usable `_mta-sts` record).
        Skipped => "skipped",
    }
}

word_enum! {
    /// The `mode:` of an MTA-STS policy (RFC 8461 §5): what a sending MTA does when it cannot
    /// deliver over TLS to an MX the policy names.
    pub enum StsMode {
        /// Senders must not deliver to an MX that fails validation.
        Enforce => "enforce",
        /// Senders deliver anyway and report the failure (TLS-RPT, RFC 8460).
        Testing => "testing",
        /// The domain withdraws its policy; senders treat it as having none.
        None => "none",
    }
}

/// A policy file's `mode:` value: one of the RFC 8461 modes, or the text as written when it
/// is not one (then a syntax problem is listed). Serialized as the bare word either way, so the
/// JSON carries exactly what the file said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PolicyMode {
    /// `enforce`, `testing` or `none`, exactly as RFC 8461 §3.2 spells it.
    Known(StsMode),
    /// Any other text (including other letter cases), kept as written.
    Invalid(String),
}

impl PolicyMode {
    /// Reads a `mode:` value; only the exact lower-case words are modes.
    pub fn read(text: &str) -> Self {
        match StsMode::parse(text) {
            Some(m) if m.as_str() == text => PolicyMode::Known(m),
            _ => PolicyMode::Invalid(text.to_string()),
        }
    }

    /// The mode, when the value is a valid one.
    pub fn known(&self) -> Option<StsMode> {
        match self {
            PolicyMode::Known(m) => Some(*m),
            PolicyMode::Invalid(_) => None,
        }
    }

    /// The value as written in the policy file.
    pub fn as_str(&self) -> &str {
        match self {
            PolicyMode::Known(m) => m.as_str(),
            PolicyMode::Invalid(text) => text,
        }
    }
}

impl std::fmt::Display for PolicyMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// RFC 8461 §3.2: largest max_age (one year).
pub const MAX_AGE_LIMIT: u64 = 31_557_600;
/// Below this a policy is considered short-lived (one day).
pub const MAX_AGE_SHORT: u64 = 86_400;

/// The MTA-STS part of a domain report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MtaStsReport {
    /// found / none / temperror / permerror (of the TXT record).
    pub status: LookupStatus,
    /// The `_mta-sts` record.
    pub record: Option<String>,
    /// Its id=.
    pub id: Option<String>,
    /// The policy, when fetched.
    pub policy: Option<MtaStsPolicy>,
    /// fetched / not_fetched / failed / skipped.
    pub policy_status: PolicyStatus,
    /// Why the policy was not fetched or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_error: Option<String>,
    /// MX hosts matched by no `mx:` pattern.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mx_not_covered: Vec<String>,
}

/// A parsed policy file (RFC 8461 §3.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct MtaStsPolicy {
    /// version: (STSv1).
    pub version: Option<String>,
    /// `mode:` (enforce / testing / none, or the invalid text as written); `None` when the file
    /// has no `mode:` line.
    pub mode: Option<PolicyMode>,
    /// max_age in seconds.
    pub max_age: Option<u64>,
    /// mx: patterns.
    pub mx: Vec<String>,
    /// Syntax problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// The raw text.
    pub text: String,
}

/// Parses a policy file. Never panics; problems are listed.
pub fn parse_policy(text: &str) -> MtaStsPolicy {
    let mut p = MtaStsPolicy { text: text.chars().take(65_536).collect(), ..Default::default() };
    for line in text.lines().take(1000) {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            p.problems.push(format!("line \"{line}\" is not key: value"));
            continue;
        };
        let v = v.trim();
        match k.trim() {
            "version" => p.version = Some(v.to_string()),
            "mode" => p.mode = Some(PolicyMode::read(v)),
            "max_age" => match v.parse::<u64>() {
                Ok(n) if n <= MAX_AGE_LIMIT && v.len() <= 10 => p.max_age = Some(n),
                _ => p.problems.push(format!("max_age \"{v}\" is not an integer 0-{MAX_AGE_LIMIT}")),
            },
            "mx" => {
                if !is_mx_pattern(v) {
                    p.problems.push(format!("mx \"{v}\" is not a host name or *.host name (RFC 8461 §3.2)"));
                }
                p.mx.push(v.to_ascii_lowercase());
            }
            k => {
                // RFC 8461 §3.2: sts-policy-extension = sts-policy-ext-name *WSP ":" *WSP
                // sts-policy-ext-value, the value non-empty.
                if !is_ext_name(k.trim()) || v.is_empty() {
                    p.problems.push(format!("line \"{line}\" is not a valid extension (RFC 8461 §3.2)"));
                }
            }
        }
    }
    if p.version.as_deref() != Some("STSv1") {
        p.problems.push(format!("version must be STSv1 (got {})", p.version.as_deref().unwrap_or("nothing")));
    }
    match &p.mode {
        Some(PolicyMode::Known(_)) => {}
        Some(PolicyMode::Invalid(m)) => p.problems.push(format!("mode \"{m}\" is not enforce/testing/none")),
        None => p.problems.push("no mode".into()),
    }
    if p.max_age.is_none() && !p.problems.iter().any(|x| x.starts_with("max_age")) {
        p.problems.push("no max_age".into());
    }
    let mode = p.mode.as_ref().and_then(PolicyMode::known);
    if p.mx.is_empty() && mode != Some(StsMode::None) {
        p.problems.push("no mx: line".into());
    }
    p
}

/// `sts-ext-name` / `sts-policy-ext-name` (RFC 8461 §3.1, §3.2) and `tlsrpt-ext-name` (RFC 8460
/// §3): `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`.
pub fn is_ext_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.first().is_some_and(|c| c.is_ascii_alphanumeric())
        && b.len() <= 32
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// An `mx:` value (RFC 8461 §3.2: `[ "*." ] Domain`, Domain per RFC 5321 §4.1.2): ASCII labels of
/// letters, digits and inner hyphens, optionally after one leading `*.` wildcard label.
pub fn is_mx_pattern(v: &str) -> bool {
    let host = v.strip_prefix("*.").unwrap_or(v);
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b.len() <= 63
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
                && b.first().is_some_and(|c| c.is_ascii_alphanumeric())
                && b.last().is_some_and(|c| c.is_ascii_alphanumeric())
        })
}

/// RFC 8461 §4.1: `*.example.com` matches exactly one leftmost label.
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host.split_once('.').is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
        None => pattern == host,
    }
}

/// Reads an `_mta-sts` TXT record (RFC 8461 §3.1): its `id=` and the syntax problems (empty when
/// the record is valid). `sts-text-record = sts-version 1*(sts-field-delim sts-field)
/// [sts-field-delim]`: no empty fields, `id` 1-32 alphanumerics, extensions `sts-ext-name=value`.
pub fn txt_problems(record: &str) -> (Option<String>, Vec<String>) {
    let mut id = None;
    let mut problems = Vec::new();
    let parts: Vec<&str> = record.split(';').map(str::trim).take(64).collect();
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            // One trailing delimiter is allowed; any other empty field is not.
            if i != last || i == 0 {
                problems.push("empty field between ';' (RFC 8461 §3.1)".into());
            }
            continue;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match k.trim() {
            "v" if i == 0 && v.trim() == "STSv1" => {}
            "v" => problems.push("v=STSv1 must be first".into()),
            "id" => {
                let v = v.trim();
                if v.is_empty() || v.len() > 32 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    problems.push(format!("id=\"{v}\" must be 1-32 letters/digits"));
                }
                id = Some(v.to_string());
            }
            k => {
                // sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): no '=' or ';', not empty.
                let v = v.trim();
                let value_ok = !v.is_empty() && v.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'=' && b != b';');
                if !is_ext_name(k) || !value_ok || !part.contains('=') {
                    problems.push(format!("\"{part}\" is not a valid extension (RFC 8461 §3.1)"));
                }
            }
        }
    }
    if id.is_none() {
        problems.push("no id=".into());
    }
    (id, problems)
}

/// Checks MTA-STS of `domain`; `mx_hosts` is awaited only when a policy is fetched.
/// The policy fetch starts together with the TXT query, and is dropped when there is no record.
pub async fn check(
    ctx: &Ctx<'_>,
    domain: &str,
    fetcher: Option<&dyn PolicyFetcher>,
    mx_hosts: impl std::future::Future<Output = Vec<String>>,
) -> (MtaStsReport, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut report = MtaStsReport {
        status: LookupStatus::None,
        record: None,
        id: None,
        policy: None,
        policy_status: PolicyStatus::Skipped,
        policy_error: None,
        mx_not_covered: Vec::new(),
    };
    let name = format!("_mta-sts.{domain}");
    let txt = txt_with_prefix(ctx, &name, "v=STSv1", 1);
    let (lookup, fetched) = match fetcher {
        Some(f) => {
            // The fetch is bounded by the check's overall deadline too.
            let deadline = ctx.deadline();
            let fetch = Box::pin(async move {
                match futures::future::select(f.fetch_mta_sts_policy(domain), deadline).await {
                    futures::future::Either::Left((r, _)) => r,
                    futures::future::Either::Right(_) => Err(FetchError::Timeout),
                }
            });
            futures::pin_mut!(txt);
            match futures::future::select(txt, fetch).await {
                futures::future::Either::Left((lookup, fetch)) => {
                    if matches!(lookup, TxtLookup::Found(_)) {
                        (lookup, Some(fetch.await))
                    } else {
                        (lookup, None)
                    }
                }
                futures::future::Either::Right((fetched, txt)) => (txt.await, Some(fetched)),
            }
        }
        None => (txt.await, None),
    };
    let record = match lookup {
        TxtLookup::TempError(e) => {
            report.status = LookupStatus::Temperror;
            findings.push(cat::MTA_STS_TEMPERROR.emit().detail(format!("TXT {name}: {}", e.message)));
            return (report, findings);
        }
        TxtLookup::None => {
            findings.push(cat::MTA_STS_MISSING.emit().fix(format!(
                "{}\nand serve https://mta-sts.{domain}/.well-known/mta-sts.txt:\nversion: STSv1\nmode: testing\nmx: <each MX host>\nmax_age: 604800",
                fixes::txt_line(&name, "v=STSv1; id=20240101000000")
            )));
            return (report, findings);
        }
        TxtLookup::Found(recs) => {
            if recs.len() > 1 {
                report.status = LookupStatus::Permerror;
                findings.push(
                    cat::MTA_STS_TXT_SYNTAX
                        .emit()
                        .detail(format!("{} records at {name}: senders ignore MTA-STS", recs.len())),
                );
            }
            recs.into_iter().next().unwrap_or_default()
        }
    };
    let (id, problems) = txt_problems(&record);
    report.record = Some(record.clone());
    report.id = id;
    if report.status == LookupStatus::None {
        report.status = if problems.is_empty() { LookupStatus::Found } else { LookupStatus::Permerror };
    }
    if !problems.is_empty() {
        findings.push(
            cat::MTA_STS_TXT_SYNTAX
                .emit()
                .detail(problems.join("; "))
                .fix(fixes::txt_line(&name, "v=STSv1; id=20240101000000"))
                .evidence(format!("{name} TXT \"{record}\"")),
        );
    }
    let text = match fetched {
        None => {
            report.policy_status = PolicyStatus::NotFetched;
            report.policy_error = Some("no HTTPS fetcher in this environment".into());
            findings.push(cat::MTA_STS_NOT_FETCHED.emit());
            return (report, findings);
        }
        Some(Err(e)) => {
            report.policy_status = PolicyStatus::Failed;
            report.policy_error = Some(e.to_string());
            if matches!(e, FetchError::Unavailable(_)) {
                findings.push(cat::MTA_STS_NOT_FETCHED.emit().detail(e.to_string()));
            } else {
                findings.push(
                    cat::MTA_STS_FETCH.emit().detail(format!("https://mta-sts.{domain}/.well-known/mta-sts.txt: {e}")),
                );
            }
            return (report, findings);
        }
        Some(Ok(t)) => t,
    };
    report.policy_status = PolicyStatus::Fetched;
    let policy = parse_policy(&text);
    let hosts = mx_hosts.await;
    let policy_fix = format!(
        "version: STSv1\nmode: {}\n{}max_age: 604800",
        policy
            .mode
            .as_ref()
            .and_then(PolicyMode::known)
            .filter(|m| matches!(m, StsMode::Enforce | StsMode::Testing))
            .unwrap_or(StsMode::Testing),
        hosts.iter().map(|h| format!("mx: {h}\n")).collect::<String>()
    );
    if !policy.problems.is_empty() {
        findings.push(cat::MTA_STS_POLICY_SYNTAX.emit().detail(policy.problems.join("; ")).fix(policy_fix.clone()));
    }
    let mode = policy.mode.as_ref().and_then(PolicyMode::known);
    match mode {
        Some(StsMode::Testing) => findings.push(cat::MTA_STS_TESTING.emit()),
        Some(StsMode::None) => findings.push(cat::MTA_STS_NONE.emit()),
        Some(StsMode::Enforce) | None => {}
    }
    if let Some(age) = policy.max_age
        && age < MAX_AGE_SHORT
    {
        findings.push(cat::MTA_STS_MAX_AGE.emit().detail(format!("max_age: {age}")));
    }
    if mode != Some(StsMode::None) {
        report.mx_not_covered = hosts.iter().filter(|h| !policy.mx.iter().any(|p| mx_matches(p, h))).cloned().collect();
        if !report.mx_not_covered.is_empty() {
            findings.push(
                cat::MTA_STS_MX_MISMATCH
                    .emit()
                    .detail(format!(
                        "MX {} not matched by mx: {}",
                        report.mx_not_covered.join(", "),
                        if policy.mx.is_empty() { "(none)".to_string() } else { policy.mx.join(", ") }
                    ))
                    .fix(policy_fix),
            );
        }
    }
    report.policy = Some(policy);
    (report, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_and_patterns() {
        let p = parse_policy("version: STSv1\r\nmode: enforce\r\nmx: *.example.com\r\nmax_age: 604800\r\n");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert!(mx_matches("*.example.com", "mx1.example.com"));
        assert!(!mx_matches("*.example.com", "a.b.example.com"));
        assert!(!mx_matches("*.example.com", "example.com"));
        assert_eq!(p.mode, Some(PolicyMode::Known(StsMode::Enforce)));
        let bad = parse_policy("version: STSv2\nmode: strict\nmax_age: x\n");
        assert!(bad.problems.len() >= 3, "{:?}", bad.problems);
        assert_eq!(bad.mode, Some(PolicyMode::Invalid("strict".into())));
        assert_eq!(parse_policy("mode: Enforce").mode, Some(PolicyMode::Invalid("Enforce".into())));
    }

    #[test]
    fn mode_serializes_as_the_word_written() {
        for text in ["enforce", "testing", "none", "strict", "Enforce", ""] {
            let mode = PolicyMode::read(text);
            let json = serde_json::to_string(&mode).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<PolicyMode>(&json).unwrap(), mode);
        }
    }

    #[test]
    fn policy_mx_and_extensions_follow_rfc8461_abnf() {
        let ok = |t: &str| parse_policy(t).problems.is_empty();
        assert!(ok("version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 1\nmore: ext e  ns ion"));
        for bad in ["mx:", "mx: *.*.example", "mx: **.example", "mx: test.example-", "mx: m\u{f8}x.example"] {
            assert!(!ok(&format!("version: STSv1\nmode: enforce\nmax_age: 0\n{bad}")), "{bad}");
        }
        for bad in ["ext:", "_bad: x", "a12345678901234567890123456789012: 1"] {
            assert!(!ok(&format!("version: STSv1\nmode: none\nmax_age: 0\n{bad}")), "{bad}");
        }
    }

    #[test]
    fn txt_record_fields() {
        assert!(txt_problems("v=STSv1; id=20160831085700Z;").1.is_empty());
        assert!(txt_problems("v=STSv1; id=a; more=a; ext=2").1.is_empty());
        for bad in [
            "v=STSv1; id=a;;",
            "v=STSv1; id=a; more=",
            "v=STSv1; id=a; 1%=a",
            "v=STSv1; id=a; test==",
            "v=STSv1; id=test-123",
        ] {
            assert!(!txt_problems(bad).1.is_empty(), "{bad}");
        }
    }
}
