//! Bounce explainer: DSN (RFC 3464) and SMTP replies (RFC 5321, RFC 3463).
//!
//! [`explain_bounce`] accepts a delivery status notification (multipart/report with
//! a `message/delivery-status` part, RFC 3464 / RFC 6522), a non-standard bounce
//! message that quotes the remote server's reply (Exim, qmail, Exchange NDR text),
//! or a pasted SMTP reply (`550-5.7.1 ...` / `550 5.7.1 ...`). It returns, per
//! recipient, the reply code, the enhanced status code with its meaning, the
//! likely cause, a plain explanation and the fix, plus `bounce.*` findings.
//! Input that is none of these gives a report with `recognised: false` and the
//! typed reason; nothing panics.

/// Likely cause and provider patterns.
pub mod classify;
/// RFC 3463 / RFC 5321 code tables.
pub mod codes;
/// RFC 3464 delivery-status parsing.
pub mod dsn;
/// SMTP replies in free text.
pub mod smtp;

use crate::findings::catalog::bounce as cat;
use crate::findings::{Finding, FindingSpec, Severity};
use classify::{BounceCause, ProviderMatch, classify};
use codes::{StatusCode, StatusMeaning};
use mail_parser::{MessageParser, PartKind};
use serde::{Deserialize, Serialize};

/// Inputs larger than this are refused (a bounce is small; the original message
/// attached to a DSN rarely exceeds a few MB).
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// At most this many MIME parts are searched for the delivery-status part.
const MAX_PARTS: usize = 1000;
/// At most this much text is scanned for SMTP replies.
const MAX_SCAN: usize = 2 * 1024 * 1024;

/// Why an input is not a bounce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BounceError {
    /// Nothing was given.
    #[error("the input is empty")]
    Empty,
    /// Larger than [`MAX_INPUT_BYTES`].
    #[error("the input is {0} bytes; the limit is 64 MiB")]
    TooLarge(usize),
    /// Mostly binary bytes.
    #[error("the input is binary data, not a bounce message or SMTP reply")]
    Binary,
    /// Text without a DSN or an SMTP reply.
    #[error(
        "no delivery status notification (RFC 3464 message/delivery-status) and no SMTP reply such as \"550 5.1.1 ...\" was found"
    )]
    NotRecognised,
}

/// The message that bounced, from the returned copy or headers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct OriginalMessage {
    /// From address.
    pub from: Option<String>,
    /// First To address.
    pub to: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// Message-ID with angle brackets.
    pub message_id: Option<String>,
    /// Date, RFC 5322 format.
    pub date: Option<String>,
}

/// One recipient's outcome.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BounceRecipient {
    /// Final-Recipient (or the address named near the reply).
    pub recipient: Option<String>,
    /// Original-Recipient, when the DSN gives it.
    pub original_recipient: Option<String>,
    /// DSN Action: `failed`, `delayed`, `delivered`, `relayed`, `expanded`.
    pub action: Option<String>,
    /// The enhanced status code (`5.1.1`).
    pub status: Option<String>,
    /// The RFC 3463 meaning of `status`.
    pub status_meaning: Option<StatusMeaning>,
    /// The SMTP reply code (`550`).
    pub reply_code: Option<u16>,
    /// The RFC 5321 meaning of `reply_code`.
    pub reply_code_meaning: Option<String>,
    /// The remote server, from Remote-MTA.
    pub remote_mta: Option<String>,
    /// The remote server's text (Diagnostic-Code or the reply).
    pub diagnostic: Option<String>,
    /// The SMTP stage that failed, when known (`rcpt_to`, `data`, ...).
    pub stage: Option<String>,
    /// Permanent (5xx) or temporary (4xx) failure; None when unknown.
    pub permanent: Option<bool>,
    /// The likely cause.
    pub cause: BounceCause,
    /// The provider-specific pattern that matched.
    pub provider: Option<ProviderMatch>,
    /// Plain explanation.
    pub explanation: String,
    /// What to do.
    pub fix: String,
}

/// The explained bounce.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BounceReport {
    /// A DSN or SMTP reply was found.
    pub recognised: bool,
    /// `dsn`, `text_bounce`, `smtp_reply` or `unrecognised`.
    pub format: String,
    /// Why it was not recognised.
    pub error: Option<BounceError>,
    /// The error as a sentence.
    pub error_message: Option<String>,
    /// Reporting-MTA of a DSN.
    pub reporting_mta: Option<String>,
    /// Arrival-Date of a DSN.
    pub arrival_date: Option<String>,
    /// The returned message, when included.
    pub original: Option<OriginalMessage>,
    /// Every recipient (or reply) found.
    pub recipients: Vec<BounceRecipient>,
    /// Summary of the first failed recipient: reply code.
    pub reply_code: Option<u16>,
    /// Summary: enhanced status code.
    pub enhanced_status: Option<String>,
    /// Summary: its meaning.
    pub status_meaning: Option<StatusMeaning>,
    /// Summary: the likely cause.
    pub cause: BounceCause,
    /// Summary: explanation.
    pub explanation: String,
    /// Summary: fix.
    pub fix: String,
    /// Summary: provider that wrote the reply.
    pub provider: Option<String>,
    /// Summary: permanent failure?
    pub permanent: Option<bool>,
    /// `bounce.*` findings.
    pub findings: Vec<Finding>,
}

impl BounceReport {
    fn unrecognised(err: BounceError) -> Self {
        let finding = cat::BOUNCE_NOT_RECOGNISED.emit().detail(err.to_string());
        BounceReport {
            recognised: false,
            format: "unrecognised".into(),
            error_message: Some(err.to_string()),
            error: Some(err),
            reporting_mta: None,
            arrival_date: None,
            original: None,
            recipients: Vec::new(),
            reply_code: None,
            enhanced_status: None,
            status_meaning: None,
            cause: BounceCause::Unknown,
            explanation: BounceCause::Unknown.explanation().into(),
            fix: "Paste the complete bounce message (with its headers and the message/delivery-status part) or the SMTP reply line, e.g. \"550 5.1.1 <user@example.com>: Recipient address rejected\".".into(),
            provider: None,
            permanent: None,
            findings: vec![finding],
        }
    }
}

/// Explains a bounce; never fails. Non-bounce input gives `recognised: false`
/// with the reason in `error`.
pub fn explain_bounce(text: &[u8]) -> BounceReport {
    match try_explain_bounce(text) {
        Ok(r) => r,
        Err(e) => BounceReport::unrecognised(e),
    }
}

/// Explains a bounce, or says why the input is not one.
pub fn try_explain_bounce(text: &[u8]) -> Result<BounceReport, BounceError> {
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(BounceError::Empty);
    }
    if text.len() > MAX_INPUT_BYTES {
        return Err(BounceError::TooLarge(text.len()));
    }
    let sample = text.get(..text.len().min(8192)).unwrap_or_default();
    let binary =
        sample.iter().filter(|b| **b == 0 || (**b < 0x20 && !matches!(**b, b'\r' | b'\n' | b'\t' | 0x0c))).count();
    if binary * 10 > sample.len() {
        return Err(BounceError::Binary);
    }

    // 1. A MIME message: look for message/delivery-status (RFC 3464 §2).
    if let Some(msg) = MessageParser::new().parse(text).filter(|m| m.headers().has_known()) {
        let mut original = None;
        let mut status_body: Option<String> = None;
        let mut human_text = String::new();
        for p in msg.parts().take(MAX_PARTS) {
            let ct = p.content_type();
            let (t, st) = ct
                .map(|c| (c.ctype().to_ascii_lowercase(), c.subtype().unwrap_or_default().to_ascii_lowercase()))
                .unwrap_or_else(|| ("text".into(), "plain".into()));
            if t == "message" && (st == "delivery-status" || st == "global-delivery-status") && status_body.is_none() {
                status_body = Some(String::from_utf8_lossy(&p.decoded()).into_owned());
            } else if t == "message" && (st == "rfc822" || st == "global") && original.is_none() {
                if let PartKind::Message(nested) = p.kind() {
                    original = Some(original_from_headers(&nested.headers()));
                } else {
                    original = parse_headers_block(&p.decoded());
                }
            } else if t == "text" && st == "rfc822-headers" && original.is_none() {
                original = parse_headers_block(&p.decoded());
            } else if matches!(p.kind(), PartKind::Text)
                && p.message().id() == 0
                && human_text.len() < MAX_SCAN
                && let Some(tx) = p.text()
            {
                let take = floor(&tx, MAX_SCAN - human_text.len());
                human_text.push_str(tx.get(..take).unwrap_or_default());
                human_text.push('\n');
            }
        }
        if let Some(body) = status_body {
            let report = from_dsn(&body, original.clone(), &human_text);
            if !report.recipients.is_empty() {
                return Ok(report);
            }
        }
        // 2. A bounce message without a DSN part: scan its text for quoted replies.
        let replies = smtp::parse_smtp_replies(&human_text);
        if !replies.is_empty() && is_bounce_like(&msg) {
            return Ok(from_replies(replies, "text_bounce", original));
        }
    }

    // 3. Pasted SMTP reply / transcript.
    let s = String::from_utf8_lossy(text.get(..text.len().min(MAX_SCAN)).unwrap_or_default()).into_owned();
    let replies = smtp::parse_smtp_replies(&s);
    if replies.is_empty() {
        return Err(BounceError::NotRecognised);
    }
    Ok(from_replies(replies, "smtp_reply", None))
}

fn floor(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A message from a mailer daemon / postmaster, or with a bounce-like subject.
fn is_bounce_like(msg: &mail_parser::Message) -> bool {
    let from = msg.from().and_then(|f| f.first()).and_then(|m| m.address()).unwrap_or_default().to_ascii_lowercase();
    let subject = msg.subject().unwrap_or_default().to_ascii_lowercase();
    let rp_empty = msg
        .headers()
        .get(mail_parser::HeaderName::ReturnPath)
        .is_some_and(|h| String::from_utf8_lossy(h.raw_value()).trim() == "<>");
    rp_empty
        || ["mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"].iter().any(|w| from.contains(w))
        || [
            "undeliver",
            "delivery status",
            "delivery failure",
            "delivery has failed",
            "returned mail",
            "failure notice",
            "non-delivery",
            "not delivered",
            "delivery notification",
            "could not be delivered",
            "mail delivery failed",
        ]
        .iter()
        .any(|w| subject.contains(w))
}

fn parse_headers_block(data: &[u8]) -> Option<OriginalMessage> {
    let msg = MessageParser::new().parse_headers(data)?;
    Some(original_from_headers(&msg.headers()))
}

fn original_from_headers(h: &mail_parser::Headers) -> OriginalMessage {
    let first =
        |l: Option<mail_parser::AddressList>| l.and_then(|l| l.first()).and_then(|m| m.address()).map(str::to_string);
    OriginalMessage {
        from: first(h.from()),
        to: first(h.to()),
        subject: h.subject().map(str::to_string),
        message_id: h.message_id().map(|m| format!("<{m}>")),
        date: h.date().map(|d| d.to_rfc822()),
    }
}

fn from_dsn(body: &str, original: Option<OriginalMessage>, human_text: &str) -> BounceReport {
    let ds = dsn::parse_delivery_status(body);
    let human_replies = smtp::parse_smtp_replies(human_text);
    let mut recipients = Vec::new();
    for g in &ds.recipients {
        let recipient = dsn::field(g, "final-recipient").map(|v| dsn::typed_value(v).1);
        let original_recipient = dsn::field(g, "original-recipient").map(|v| dsn::typed_value(v).1);
        let action = dsn::field(g, "action").map(|a| a.trim().to_ascii_lowercase());
        let status = dsn::field(g, "status").and_then(StatusCode::parse);
        let remote_mta = dsn::field(g, "remote-mta").map(|v| dsn::typed_value(v).1);
        let diag_raw = dsn::field(g, "diagnostic-code").map(|v| dsn::typed_value(v).1);
        let reply = diag_raw.as_deref().and_then(|d| smtp::parse_smtp_replies(d).into_iter().next());
        // when the diagnostic is missing, the human-readable part may quote the reply
        let reply = reply.or_else(|| {
            human_replies
                .iter()
                .find(|r| {
                    r.recipient.as_deref().zip(recipient.as_deref()).is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                })
                .cloned()
        });
        let diagnostic = diag_raw.clone().or_else(|| reply.as_ref().map(|r| r.text.clone()));
        let status = status.or(reply.as_ref().and_then(|r| r.enhanced));
        let code = reply.as_ref().map(|r| r.code).or_else(|| leading_code(diag_raw.as_deref().unwrap_or_default()));
        recipients.push(build_recipient(
            recipient,
            original_recipient,
            action,
            status,
            code,
            remote_mta,
            diagnostic,
            reply.and_then(|r| r.stage),
        ));
    }
    let mut report = summarize(recipients, "dsn", original);
    report.reporting_mta = dsn::field(&ds.per_message, "reporting-mta").map(|v| dsn::typed_value(v).1);
    report.arrival_date = dsn::field(&ds.per_message, "arrival-date").map(str::to_string);
    report
}

/// A bare `550 text` diagnostic (no enhanced code) still has its reply code.
fn leading_code(s: &str) -> Option<u16> {
    let t = s.trim_start();
    let digits: String = t.chars().take(3).collect();
    let next = t.chars().nth(3);
    if digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit()) && next.is_none_or(|c| c == ' ' || c == '-') {
        digits.parse().ok().filter(|c| (200..600).contains(c))
    } else {
        None
    }
}

fn from_replies(replies: Vec<smtp::SmtpReply>, format: &str, original: Option<OriginalMessage>) -> BounceReport {
    let recipients = replies
        .into_iter()
        .map(|r| {
            let action = Some(
                if r.code >= 500 {
                    "failed"
                } else if r.code >= 400 {
                    "delayed"
                } else {
                    "delivered"
                }
                .to_string(),
            );
            build_recipient(r.recipient, None, action, r.enhanced, Some(r.code), None, Some(r.text), r.stage)
        })
        .collect();
    summarize(recipients, format, original)
}

#[allow(clippy::too_many_arguments)]
fn build_recipient(
    recipient: Option<String>,
    original_recipient: Option<String>,
    action: Option<String>,
    status: Option<StatusCode>,
    reply_code: Option<u16>,
    remote_mta: Option<String>,
    diagnostic: Option<String>,
    stage: Option<String>,
) -> BounceRecipient {
    let mut lower = diagnostic.as_deref().unwrap_or_default().to_ascii_lowercase();
    if let Some(m) = remote_mta.as_deref() {
        lower.push(' ');
        lower.push_str(&m.to_ascii_lowercase());
    }
    let (mut cause, provider) = classify(reply_code, status, &lower);
    if matches!(action.as_deref(), Some("delivered" | "relayed" | "expanded")) {
        cause = BounceCause::Delivered;
    }
    let permanent = status.map(|s| s.class == 5).or(reply_code.map(|c| c >= 500)).or(match action.as_deref() {
        Some("failed") => Some(true),
        Some("delayed") => Some(false),
        _ => None,
    });
    let (explanation, fix) = match &provider {
        Some(p) if cause != BounceCause::Delivered => (p.explanation.clone(), p.fix.clone()),
        _ => (cause.explanation().to_string(), cause.fix().to_string()),
    };
    BounceRecipient {
        recipient,
        original_recipient,
        action,
        status: status.map(|s| s.to_string()),
        status_meaning: status.map(codes::meaning),
        reply_code,
        reply_code_meaning: reply_code.map(|c| codes::reply_code_text(c).to_string()),
        remote_mta,
        diagnostic,
        stage,
        permanent,
        cause,
        provider,
        explanation,
        fix,
    }
}

fn summarize(recipients: Vec<BounceRecipient>, format: &str, original: Option<OriginalMessage>) -> BounceReport {
    let primary = recipients
        .iter()
        .find(|r| r.cause != BounceCause::Delivered && r.permanent == Some(true))
        .or_else(|| recipients.iter().find(|r| r.cause != BounceCause::Delivered))
        .or_else(|| recipients.first());
    let findings = findings_for(&recipients);
    BounceReport {
        recognised: true,
        format: format.into(),
        error: None,
        error_message: None,
        reporting_mta: None,
        arrival_date: None,
        original,
        reply_code: primary.and_then(|p| p.reply_code),
        enhanced_status: primary.and_then(|p| p.status.clone()),
        status_meaning: primary.and_then(|p| p.status_meaning.clone()),
        cause: primary.map(|p| p.cause).unwrap_or(BounceCause::Unknown),
        explanation: primary.map(|p| p.explanation.clone()).unwrap_or_default(),
        fix: primary.map(|p| p.fix.clone()).unwrap_or_default(),
        provider: primary.and_then(|p| p.provider.as_ref().map(|m| m.provider.clone())),
        permanent: primary.and_then(|p| p.permanent),
        findings,
        recipients,
    }
}

fn spec_for(cause: BounceCause) -> &'static FindingSpec {
    match cause {
        BounceCause::Auth => &cat::BOUNCE_AUTH,
        BounceCause::Blocklist => &cat::BOUNCE_BLOCKLIST,
        BounceCause::MailboxUnknown => &cat::BOUNCE_MAILBOX_UNKNOWN,
        BounceCause::MailboxFull => &cat::BOUNCE_MAILBOX_FULL,
        BounceCause::RateLimit => &cat::BOUNCE_RATE_LIMIT,
        BounceCause::Greylisting => &cat::BOUNCE_GREYLISTING,
        BounceCause::Policy => &cat::BOUNCE_POLICY,
        BounceCause::Content => &cat::BOUNCE_CONTENT,
        BounceCause::Spam => &cat::BOUNCE_SPAM,
        BounceCause::Tls => &cat::BOUNCE_TLS,
        BounceCause::Dns => &cat::BOUNCE_DNS,
        BounceCause::Size => &cat::BOUNCE_SIZE,
        BounceCause::RelayDenied => &cat::BOUNCE_RELAY_DENIED,
        BounceCause::Network => &cat::BOUNCE_NETWORK,
        BounceCause::Delivered => &cat::BOUNCE_DELIVERED,
        BounceCause::Unknown => &cat::BOUNCE_UNKNOWN,
    }
}

/// One finding per cause (recipients with the same cause are grouped); temporary
/// failures are downgraded to warnings.
fn findings_for(recipients: &[BounceRecipient]) -> Vec<Finding> {
    let mut causes: Vec<BounceCause> = Vec::new();
    for r in recipients {
        if !causes.contains(&r.cause) {
            causes.push(r.cause);
        }
    }
    let mut out = Vec::new();
    for cause in causes {
        let group: Vec<&BounceRecipient> = recipients.iter().filter(|r| r.cause == cause).collect();
        let Some(first) = group.first() else { continue };
        let names: Vec<String> = group
            .iter()
            .take(5)
            .map(|r| r.recipient.clone().unwrap_or_else(|| "(recipient not named)".into()))
            .collect();
        let mut detail =
            format!("{} recipient(s): {}{}", group.len(), names.join(", "), if group.len() > 5 { ", ..." } else { "" });
        if let Some(p) = &first.provider {
            detail.push_str(&format!(". {} ({}): {}", p.provider, p.pattern, p.explanation));
        }
        let mut f = spec_for(cause).emit().detail(detail).fix(first.fix.clone());
        if cause != BounceCause::Delivered
            && cause != BounceCause::Unknown
            && group.iter().all(|r| r.permanent == Some(false))
        {
            f = f.severity(Severity::Warning);
        }
        for r in group.iter().take(5) {
            let mut ev = String::new();
            if let Some(c) = r.reply_code {
                ev.push_str(&format!("{c} "));
            }
            if let Some(s) = &r.status {
                ev.push_str(&format!("{s} "));
            }
            ev.push_str(&crate::message::headers::truncate(r.diagnostic.as_deref().unwrap_or_default(), 300));
            if !ev.trim().is_empty() {
                f = f.evidence(ev.trim().to_string());
            }
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_gmail_reply() {
        let r = explain_bounce(b"550-5.7.26 This mail is unauthenticated, which poses a security risk to the\r\n550-5.7.26 sender and Gmail users, and has been blocked.\r\n550 5.7.26 https://support.google.com/mail/answer/81126#authentication - gsmtp\r\n");
        assert!(r.recognised);
        assert_eq!(r.format, "smtp_reply");
        assert_eq!(r.reply_code, Some(550));
        assert_eq!(r.enhanced_status.as_deref(), Some("5.7.26"));
        assert_eq!(r.cause, BounceCause::Auth);
        assert_eq!(r.provider.as_deref(), Some("gmail"));
        assert_eq!(r.permanent, Some(true));
        assert_eq!(r.status_meaning.as_ref().map(|m| m.detail.as_str()), Some("Multiple authentication checks failed"));
        assert_eq!(r.findings.first().map(|f| f.id.as_str()), Some("bounce.auth"));
        assert_eq!(r.findings.first().map(|f| f.severity), Some(Severity::Error));
    }

    #[test]
    fn temporary_is_warning() {
        let r = explain_bounce(b"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes");
        assert_eq!(r.cause, BounceCause::RateLimit);
        assert_eq!(r.permanent, Some(false));
        assert_eq!(r.findings.first().map(|f| f.severity), Some(Severity::Warning));
        assert_eq!(
            r.recipients.first().and_then(|x| x.provider.as_ref()).map(|p| p.pattern.as_str()),
            Some("yahoo_tss04")
        );
    }

    #[test]
    fn dsn_multipart_report() {
        let dsn = "From: MAILER-DAEMON@mx.example.net\r\nTo: a@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\nArrival-Date: Tue, 14 Nov 2023 22:00:00 +0000\r\n\r\nFinal-Recipient: rfc822; bob@example.org\r\nOriginal-Recipient: rfc822;bob@example.org\r\nAction: failed\r\nStatus: 5.2.2\r\nRemote-MTA: dns; mx.example.org\r\nDiagnostic-Code: smtp; 552 5.2.2 <bob@example.org>: Mailbox full\r\n\r\nFinal-Recipient: rfc822; carol@example.org\r\nAction: delayed\r\nStatus: 4.4.1\r\nDiagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.2]:25: Connection timed out\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: a@example.com\r\nTo: bob@example.org\r\nSubject: hello\r\nMessage-ID: <m1@example.com>\r\n\r\n--B--\r\n";
        let r = explain_bounce(dsn.as_bytes());
        assert!(r.recognised, "{:?}", r.error);
        assert_eq!(r.format, "dsn");
        assert_eq!(r.reporting_mta.as_deref(), Some("mx.example.net"));
        assert_eq!(r.recipients.len(), 2);
        assert_eq!(r.recipients[0].recipient.as_deref(), Some("bob@example.org"));
        assert_eq!(r.recipients[0].cause, BounceCause::MailboxFull);
        assert_eq!(r.recipients[0].reply_code, Some(552));
        assert_eq!(r.recipients[0].remote_mta.as_deref(), Some("mx.example.org"));
        assert_eq!(r.recipients[1].cause, BounceCause::Network);
        assert_eq!(r.recipients[1].permanent, Some(false));
        assert_eq!(r.cause, BounceCause::MailboxFull);
        let orig = r.original.expect("original headers");
        assert_eq!(orig.subject.as_deref(), Some("hello"));
        assert_eq!(orig.message_id.as_deref(), Some("<m1@example.com>"));
        let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, vec!["bounce.mailbox_full", "bounce.network"]);
    }

    #[test]
    fn exim_text_bounce() {
        let t = "Return-Path: <>\r\nFrom: Mail Delivery System <Mailer-Daemon@mx.example.com>\r\nSubject: Mail delivery failed: returning message to sender\r\n\r\nThis message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\nrecipients. This is a permanent error. The following address(es) failed:\r\n\r\n  user@example.net\r\n    host mx.example.net [192.0.2.9]\r\n    SMTP error from remote mail server after RCPT TO:<user@example.net>:\r\n    550 5.1.1 <user@example.net>: Recipient address rejected: User unknown\r\n";
        let r = explain_bounce(t.as_bytes());
        assert_eq!(r.format, "text_bounce");
        assert_eq!(r.cause, BounceCause::MailboxUnknown);
        assert_eq!(r.recipients.first().and_then(|x| x.recipient.as_deref()), Some("user@example.net"));
        assert_eq!(r.recipients.first().and_then(|x| x.stage.as_deref()), Some("rcpt_to"));
    }

    #[test]
    fn not_a_bounce() {
        for (input, err) in [
            (&b""[..], BounceError::Empty),
            (&b"   \r\n"[..], BounceError::Empty),
            (&b"\x00\x01\x02\x03\x04\x05binary"[..], BounceError::Binary),
            (&b"Hello Bob, lunch at 12?"[..], BounceError::NotRecognised),
            (&b"From: a@example.com\r\nSubject: hi\r\n\r\nWe sold 550 units.\r\n"[..], BounceError::NotRecognised),
        ] {
            let r = explain_bounce(input);
            assert!(!r.recognised);
            assert_eq!(r.error, Some(err));
            assert_eq!(r.findings.first().map(|f| f.id.as_str()), Some("bounce.not_recognised"));
        }
    }

    #[test]
    fn garbage_never_panics() {
        const ALPHABET: &[u8] = b"5502.1 -\r\n:;<>@abcMessage/delivery-status";
        let mut seed: u32 = 12345;
        for len in [1usize, 7, 64, 500, 4096] {
            let mut v = Vec::with_capacity(len);
            for _ in 0..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                v.push(ALPHABET[(seed >> 16) as usize % ALPHABET.len()]);
            }
            let _ = explain_bounce(&v);
        }
        let _ = explain_bounce(b"Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\n\r\n--x--");
        let _ = explain_bounce("550 5.1.1 ünïcödé ✉".as_bytes());
    }
}
