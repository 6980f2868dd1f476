//! The message pipeline: raw bytes in, one [`MessageReport`] out.
//!
//! Order (data flow): parse → Received hops → envelope → SPF ∥ DKIM-key prefetch →
//! DKIM/ARC/DMARC (mail-auth, fed by the seam) → headers, List-Unsubscribe, body →
//! bulk-sender checklist → upstream Authentication-Results comparison → score.
//! Every DNS answer goes through one [`Recorder`], whose evidence becomes `dns[]`.

use crate::auth::dkim::DkimResult;
use crate::auth::spf::{SpfOutcome, SpfRequest, check_host, findings_for};
use crate::auth::{AuthPlan, AuthVerdicts};
use crate::dns::Resolver;
use crate::dns::recorder::{DnsEvidence, Recorder};
use crate::findings::{Finding, score::score};
use crate::message::auth_results::{self, FreshVerdicts};
use crate::message::body::{BodyReport, check_body};
use crate::message::bulk::{BulkInput, ChecklistItem, bulk_checklist};
use crate::message::envelope::{Envelope, EnvelopeOverrides, infer_envelope};
use crate::message::headers::{HeaderReport, check_headers};
use crate::message::hops::{Hop, parse_hops};
use crate::message::unsubscribe::{UnsubscribeReport, check_unsubscribe};
use crate::verdict::{ResultWord, word_enum};
use mail_parser::MessageParser;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

/// Largest message analyzed (the server caps requests at 25 MB; files may be larger).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// As of when signatures and dates are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode", content = "unix")]
pub enum Now {
    /// A fixed time (the caller's clock, or `--now UNIX`).
    At(i64),
    /// The time the topmost Received header was written (`--now received`); falls back
    /// to the given time when no Received header has a date.
    Received(i64),
}

/// Options of one analysis.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// As of when signatures and dates are judged.
    pub now: Now,
    /// Envelope facts given by the caller instead of inferred.
    pub overrides: EnvelopeOverrides,
}

impl AnalyzeOptions {
    /// Analysis as of `now` (unix seconds), envelope inferred from the message.
    pub fn at(now: i64) -> Self {
        AnalyzeOptions { now: Now::At(now), overrides: EnvelopeOverrides::default() }
    }
}

/// Why a message could not be analyzed at all. Anything less than this is a partial
/// report with findings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum AnalyzeError {
    /// Nothing to analyze.
    #[error("the input is empty: paste a whole message, headers included")]
    Empty,
    /// Over [`MAX_MESSAGE_BYTES`].
    #[error("the message is {0} bytes; the limit is 64 MiB")]
    TooLarge(usize),
    /// No header field could be read: this is not an email.
    #[error(
        "this does not look like an email: no header fields (like \"From:\" or \"Received:\") were found at the top"
    )]
    NotAnEmail,
}

/// The whole report on one message (JSON contract: see README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageReport {
    /// 0–10, derived from `findings` (see `findings::score`).
    pub score: f64,
    /// One-line facts for the top of the report.
    pub summary: Summary,
    /// Client IP, HELO and MAIL FROM, inferred from the Received chain (or given).
    pub envelope: Envelope,
    /// The verdicts computed now: SPF, DKIM, DMARC, ARC.
    pub auth: AuthSection,
    /// What upstream servers recorded, and how it differs from now.
    pub upstream: UpstreamSection,
    /// The Received chain, oldest hop first.
    pub hops: Vec<Hop>,
    /// Header field checks (From, Date, Message-ID, ...).
    pub headers: HeaderReport,
    /// List-Unsubscribe and one-click unsubscribe (RFC 2369, RFC 8058).
    pub unsubscribe: UnsubscribeReport,
    /// MIME structure, links, images, attachments.
    pub body: BodyReport,
    /// The bulk-sender requirements (Gmail, Yahoo, Microsoft), item by item.
    pub bulk_sender: Vec<ChecklistItem>,
    /// Every finding, errors first.
    pub findings: Vec<Finding>,
    /// Every DNS answer the report rests on (replayable).
    pub dns: Vec<DnsEvidence>,
    /// How the analysis was made.
    pub meta: Meta,
}

impl MessageReport {
    /// Adds findings judged outside the message (the companion's blocklist lookups, the
    /// sending domain's check, the inbound session's own facts) so the report stays one
    /// report: findings sorted again, score and summary counts recomputed. A finding whose
    /// id and detail are already present is not added twice.
    pub fn add_findings(&mut self, extra: impl IntoIterator<Item = Finding>) {
        for f in extra {
            if !self.findings.iter().any(|g| g.id == f.id && g.detail == f.detail) {
                self.findings.push(f);
            }
        }
        sort_findings(&mut self.findings);
        self.score = score(&self.findings);
        self.summary.errors = self.findings.iter().filter(|f| f.severity == crate::findings::Severity::Error).count();
        self.summary.warnings =
            self.findings.iter().filter(|f| f.severity == crate::findings::Severity::Warning).count();
    }
}

/// One-line facts for the top of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The Subject, decoded.
    pub subject: Option<String>,
    /// The From address.
    pub from: Option<String>,
    /// The From address's domain, lower case.
    pub from_domain: Option<String>,
    /// The Date field as written.
    pub date: Option<String>,
    /// Size of the message analyzed, in bytes.
    pub size_bytes: usize,
    /// Number of error findings.
    pub errors: usize,
    /// Number of warning findings.
    pub warnings: usize,
}

/// Fresh verdicts (contract: `auth.spf.{result,domain}`, `auth.dkim[]`, `auth.dmarc`, `auth.arc`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthSection {
    /// SPF of the envelope (RFC 7208).
    pub spf: SpfOutcome,
    /// One verdict per DKIM-Signature, in header order.
    pub dkim: Vec<crate::auth::dkim::DkimVerdict>,
    /// DMARC of the From domain.
    pub dmarc: crate::auth::dmarc::DmarcVerdict,
    /// The ARC chain.
    pub arc: crate::auth::arc::ArcVerdict,
}

/// What upstream servers said (Authentication-Results) and how it differs from now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpstreamSection {
    /// Authentication-Results, ARC-Authentication-Results and Received-SPF as read.
    pub verdicts: auth_results::UpstreamVerdicts,
    /// Verdicts that differ between delivery and now, each with its likely cause.
    pub drift: Vec<auth_results::Drift>,
}

word_enum! {
    /// Where the analysis time came from.
    pub enum NowSource {
        /// The caller's clock or a fixed `--now UNIX`.
        Clock => "clock",
        /// An explicit flag (kept for readers of older reports).
        Flag => "flag",
        /// The topmost Received header's date (`--now received`).
        Received => "received",
    }
}

/// How the analysis was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The version of Inboxlens that wrote the report.
    pub inboxlens_version: String,
    /// The time signatures and dates were judged against.
    pub now: i64,
    /// Where `now` came from.
    pub now_source: NowSource,
    /// The message had bare LF line ends and was converted to CRLF before DKIM
    /// verification (RFC 5322 §2.3 requires CRLF; pasted text loses it).
    pub line_endings_normalized: bool,
}

/// Analyzes one raw message. DNS goes through `resolver` only.
pub async fn analyze_message(
    raw: &[u8],
    resolver: Arc<dyn Resolver>,
    opts: &AnalyzeOptions,
) -> Result<MessageReport, AnalyzeError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(AnalyzeError::Empty);
    }
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(AnalyzeError::TooLarge(raw.len()));
    }
    let (raw, normalized) = normalize_line_endings(raw);
    let raw: &[u8] = &raw;
    let message = MessageParser::default().parse(raw).ok_or(AnalyzeError::NotAnEmail)?;
    if message.headers().is_empty() {
        return Err(AnalyzeError::NotAnEmail);
    }
    // Shared by the pipeline's futures; natively it is Send + Sync, on wasm32 (one thread)
    // nothing is, and an Arc costs nothing more than an Rc there.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    let recorder = Arc::new(Recorder::new(resolver));
    let dns: &dyn Resolver = recorder.as_ref();
    let mut findings: Vec<Finding> = Vec::new();

    let (hops, f) = parse_hops(&message);
    findings.extend(f);
    let (now, now_source) = match opts.now {
        Now::At(t) => (t, NowSource::Clock),
        Now::Received(fallback) => match hops.last().and_then(|h| h.timestamp) {
            Some(t) => (t, NowSource::Received),
            None => (fallback, NowSource::Clock),
        },
    };
    let (envelope, f) = infer_envelope(&message, &hops, &opts.overrides);
    findings.extend(f);

    // SPF and the signature key lookups are independent: run them together (the recorder
    // shares the answers with mail-auth's verification below).
    let auth_plan = AuthPlan::new(raw);
    let (spf, ()) = futures::join!(spf_for(dns, &envelope), auth_plan.prefetch_keys(dns));
    findings.extend(findings_for(&spf));

    let verdicts: AuthVerdicts = auth_plan.evaluate(dns, &spf.domain, &spf.to_mailauth(), now.max(0) as u64).await;
    findings.extend(verdicts.findings.iter().cloned());

    let (headers, f) = check_headers(&message, raw, now);
    findings.extend(f);
    let passing_h: Vec<Vec<String>> = verdicts
        .dkim
        .iter()
        .filter(|d| d.result == DkimResult::Pass)
        .map(|d| d.headers.iter().map(|h| h.to_ascii_lowercase()).collect())
        .collect();
    let (unsubscribe, f) = check_unsubscribe(&message, &passing_h);
    findings.extend(f);
    let (body, f) = check_body(&message, raw.len());
    findings.extend(f);

    let from_domain = headers.from.as_ref().and_then(|m| m.domain.clone());
    let bulk_input = BulkInput {
        spf_result: Some(spf.result),
        dkim_pass_domains: verdicts
            .dkim
            .iter()
            .filter(|d| d.result == DkimResult::Pass)
            .map(|d| d.domain.clone())
            .collect(),
        dkim_aligned_pass: verdicts.dmarc.dkim_aligned,
        dmarc_result: Some(verdicts.dmarc.result),
        dmarc_policy: verdicts.dmarc.policy,
        from_domain: from_domain.clone(),
        ptr_ok: None,
        // The hop into the receiving MX (the one the envelope came from, RFC 5321 §4.4).
        tls_on_last_hop: envelope.received_index.and_then(|i| hops.iter().find(|h| h.index == i)).map(|h| h.used_tls()),
        one_click_unsubscribe: unsubscribe.one_click_compliant,
        list_unsubscribe_present: unsubscribe.present,
        message_id_ok: headers.message_id_ok,
        rfc5322_ok: headers.rfc5322_ok,
    };
    let (bulk_sender, f) = bulk_checklist(&bulk_input);
    findings.extend(f);

    let (upstream_verdicts, f) = auth_results::collect_upstream(&message);
    findings.extend(f);
    let fresh = FreshVerdicts {
        spf: Some(ResultWord::from_word(spf.result.as_str())),
        dkim: verdicts.dkim.iter().map(|d| (d.domain.clone(), ResultWord::from_word(d.result.as_str()))).collect(),
        dmarc: Some(ResultWord::from_word(verdicts.dmarc.result.as_str())),
        arc: Some(ResultWord::from_word(verdicts.arc.result.as_str())),
    };
    let (drift, f) = auth_results::compare(&upstream_verdicts, &fresh);
    findings.extend(f);

    sort_findings(&mut findings);
    let summary = Summary {
        subject: headers.subject.clone(),
        from: headers.from.as_ref().and_then(|m| m.address.clone()),
        from_domain,
        date: headers.date.clone(),
        size_bytes: raw.len(),
        errors: findings.iter().filter(|f| f.severity == crate::findings::Severity::Error).count(),
        warnings: findings.iter().filter(|f| f.severity == crate::findings::Severity::Warning).count(),
    };
    Ok(MessageReport {
        score: score(&findings),
        summary,
        envelope,
        auth: AuthSection { spf, dkim: verdicts.dkim, dmarc: verdicts.dmarc, arc: verdicts.arc },
        upstream: UpstreamSection { verdicts: upstream_verdicts, drift },
        hops,
        headers,
        unsubscribe,
        body,
        bulk_sender,
        findings,
        dns: recorder.evidence(),
        meta: Meta {
            inboxlens_version: env!("CARGO_PKG_VERSION").to_string(),
            now,
            now_source,
            line_endings_normalized: normalized,
        },
    })
}

/// SPF for the inferred envelope; without a client IP there is nothing to evaluate.
async fn spf_for(dns: &dyn Resolver, envelope: &Envelope) -> SpfOutcome {
    let ip = envelope.client_ip.as_deref().and_then(|s| s.parse::<IpAddr>().ok());
    let helo = envelope.helo.clone().unwrap_or_default();
    let mail_from = envelope.mail_from.clone().unwrap_or_default();
    match ip {
        Some(ip) => check_host(dns, &SpfRequest { ip, mail_from, helo }).await,
        None => SpfOutcome::without_client_ip(&mail_from, &helo),
    }
}

/// Bare-LF messages (pasted text, many .eml exports) get CRLF line ends, which
/// RFC 5322 §2.3 requires and DKIM canonicalization assumes.
fn normalize_line_endings(raw: &[u8]) -> (std::borrow::Cow<'_, [u8]>, bool) {
    if raw.contains(&b'\r') || !raw.contains(&b'\n') {
        return (std::borrow::Cow::Borrowed(raw), false);
    }
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40);
    for &b in raw {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    (std::borrow::Cow::Owned(out), true)
}

/// Errors first, then warnings, then info; by area within a severity.
fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.area.cmp(&b.area)));
}
