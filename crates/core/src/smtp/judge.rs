//! The judgement of SMTP sessions: pure functions from a [`SessionRecord`] to the probe
//! report's verdicts and to `smtp.*` catalog findings. This is the one place a probe result
//! is judged; the server's driver only observes.
//!
//! One rule for STARTTLS: it is expected on ports 25, 587 and 2525
//! ([`crate::smtp::starttls_expected`]); 465 is implicit TLS (RFC 8314 §3.3).

use super::client::{AuthSkipped, ConnectFailureKind, RcptRole, SessionEnd, SessionRecord};
use super::reply::Reply;
use super::report::{RcptResult, SmtpProbeReport, SmtpResult, Verdict};
use super::{implicit_tls_port, starttls_expected, submission_port};
use crate::bounce::classify::{BounceCause, ProviderMatch, classify};
use crate::findings::Finding;
use crate::findings::catalog::probe as cat;

/// What was connected to (the driver's facts that are not part of the dialogue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// MX host name or the given host.
    pub host: String,
    /// The address, as text.
    pub ip: String,
    /// The port.
    pub port: u16,
    /// PTR names of the address (lower case, no trailing dot).
    pub ptr: Vec<String>,
}

impl SmtpResult {
    /// An empty result for `target`, verdict inconclusive until judged.
    pub fn new(target: &Target) -> Self {
        SmtpResult {
            host: target.host.clone(),
            ip: target.ip.clone(),
            port: target.port,
            connected: false,
            banner: None,
            starttls: false,
            tls_version: None,
            cert: None,
            rcpt: Vec::new(),
            catch_all: None,
            verdict: Verdict::Inconclusive,
            transcript: Vec::new(),
            verdict_reason: String::new(),
            connect_ms: None,
            banner_ms: None,
            elapsed_ms: 0,
            banner_code: None,
            banner_host: None,
            ptr: target.ptr.clone(),
            banner_matches_ptr: None,
            capabilities: None,
            capabilities_after_tls: None,
            tls: false,
            implicit_tls: implicit_tls_port(target.port),
            tls_cipher: None,
            dane: None,
            auth_before_tls: None,
            open_relay: None,
            error: None,
            plaintext_after_starttls: None,
        }
    }
}

/// A session that was not run (the server-wide budget for the address is used up):
/// inconclusive, with the driver's reason.
pub fn not_probed(target: &Target, reason: &str) -> SmtpResult {
    let mut r = SmtpResult::new(target);
    r.transcript.push(format!("* {reason}"));
    r.error = Some(reason.to_string());
    r.verdict_reason = reason.to_string();
    r
}

/// The result of one session: the record's facts and their verdict.
pub fn session_result(target: &Target, rec: &SessionRecord) -> SmtpResult {
    let mut r = SmtpResult::new(target);
    r.transcript = rec.transcript.clone();
    r.connected = rec.connected;
    r.connect_ms = rec.connect_ms;
    r.banner_ms = rec.banner_ms;
    r.elapsed_ms = rec.elapsed_ms;
    r.implicit_tls = rec.implicit_tls;
    if let Some(f) = &rec.connect_failure {
        r.error = Some(f.message.clone());
        (r.verdict, r.verdict_reason) = match f.kind {
            ConnectFailureKind::Timeout => {
                (Verdict::Inconclusive, format!("{} (filtered port or unreachable host)", f.message))
            }
            ConnectFailureKind::NotPublic => (Verdict::Fail, f.message.clone()),
            ConnectFailureKind::Refused => {
                (Verdict::Fail, format!("port {} does not accept connections: {}", target.port, f.message))
            }
        };
        return r;
    }
    if let Some(b) = &rec.banner {
        r.banner = Some(b.text());
        r.banner_code = Some(b.code);
        let bhost = b.lines.first().and_then(|l| l.split_whitespace().next()).map(|h| h.to_ascii_lowercase());
        if let Some(bh) = &bhost {
            r.banner_matches_ptr = Some(r.ptr.iter().any(|p| p == bh.trim_end_matches('.')));
        }
        r.banner_host = bhost;
    }
    if let Some(caps) = &rec.capabilities {
        r.starttls = caps.starttls;
        if submission_port(target.port) && !rec.implicit_tls {
            r.auth_before_tls = Some(!caps.auth.is_empty());
        }
    }
    r.capabilities = rec.capabilities.clone();
    r.capabilities_after_tls = rec.capabilities_after_tls.clone();
    if let Some(t) = &rec.tls {
        r.tls = true;
        r.tls_version = t.version.clone();
        r.tls_cipher = t.cipher.clone();
        r.cert = t.cert.clone();
        r.dane = t.dane.clone();
    }
    r.plaintext_after_starttls = rec.plaintext_after_starttls;
    for x in &rec.rcpts {
        match x.role {
            RcptRole::Mailbox => r.rcpt.push(RcptResult::from_reply(&x.address, &x.reply)),
            RcptRole::CatchAll => {
                r.catch_all = match x.reply.class() {
                    2 => Some(true),
                    5 => Some(false),
                    _ => None,
                }
            }
            RcptRole::RelayTest => r.open_relay = Some(x.reply.is_positive()),
        }
    }
    let (verdict, reason) = verdict(&r, rec);
    r.verdict = verdict;
    r.verdict_reason = reason;
    if let Some(e) = &rec.end {
        r.error = Some(e.to_string());
    }
    r
}

/// What a reply means, read with the bounce explainer's rules (provider rule table, then
/// RFC 3463 codes, then words): one reading for bounces, probes and the mailbox verifier, so
/// "no such user" (Exchange Online `550 5.4.1 ... Access denied`, Yahoo "dd This user doesn't
/// have a ... account") is never confused with "blocked" (blocklist and policy texts).
pub fn reply_cause(reply: &Reply) -> (BounceCause, Option<ProviderMatch>) {
    classify(Some(reply.code), reply.enhanced, &reply.text().to_ascii_lowercase())
}

/// How bad an early end is: a failed TLS handshake is a definite problem; timeouts, closed
/// connections and floods say nothing definite about the server (retry).
pub fn end_verdict(end: &SessionEnd) -> Verdict {
    match end {
        SessionEnd::Tls(_) => Verdict::Fail,
        _ => Verdict::Inconclusive,
    }
}

fn verdict(r: &SmtpResult, rec: &SessionRecord) -> (Verdict, String) {
    if let Some(e) = &rec.end {
        let reason = match e {
            SessionEnd::Timeout(_) | SessionEnd::SessionDeadline(_) => {
                format!("{e}: the server is slow or a tarpit; inconclusive, retry later")
            }
            _ => e.to_string(),
        };
        return (end_verdict(e), reason);
    }
    // Greeting (RFC 5321 §3.1, §4.3.1): 220 or the session is refused (421 / 554).
    if let Some(b) = &rec.banner
        && b.code != 220
    {
        return if b.is_transient() {
            (Verdict::Inconclusive, format!("the server is temporarily refusing sessions ({})", b.code))
        } else {
            (Verdict::Fail, format!("the server refuses sessions from this prober ({} {})", b.code, b.text()))
        };
    }
    if let Some(h) = &rec.helo
        && !h.is_positive()
    {
        let v = if h.is_transient() { Verdict::Inconclusive } else { Verdict::Fail };
        return (v, format!("the server refused EHLO and HELO ({})", h.code));
    }
    let mut verdict = Verdict::Ok;
    let mut reasons: Vec<String> = Vec::new();
    let offered = rec.capabilities.as_ref().is_some_and(|c| c.starttls);
    if offered && rec.tls.is_none() && !rec.implicit_tls {
        verdict = Verdict::Fail;
        reasons.push("STARTTLS is advertised but could not be used".into());
    }
    if rec.tls_required && !offered && rec.tls.is_none() {
        verdict = Verdict::Fail;
        reasons.push("STARTTLS is required but not offered".into());
    }
    if r.auth_before_tls == Some(true) {
        reasons.push("AUTH is offered before TLS: passwords may be sent in clear (RFC 8314 §3.3)".into());
    }
    if rec.capabilities.is_some() && starttls_expected(r.port) && !offered && !rec.implicit_tls {
        reasons.push("no STARTTLS: mail to this server travels unencrypted".into());
    }
    if let Some(n) = rec.plaintext_after_starttls {
        reasons.push(format!(
            "{n} bytes arrived after the STARTTLS 220 and before the TLS handshake; discarded (RFC 3207 §6, CVE-2011-0411)"
        ));
    }
    if let Some(a) = &rec.auth {
        match (&a.reply, a.skipped) {
            (_, Some(AuthSkipped::NoTls)) => {
                verdict = verdict.max(Verdict::Fail);
                reasons.push(format!(
                    "AUTH {} not attempted: no TLS, credentials are never sent in clear",
                    a.mechanism.name()
                ));
            }
            (_, Some(AuthSkipped::NotOffered)) => {
                verdict = verdict.max(Verdict::Fail);
                reasons.push(format!("AUTH {} is not offered", a.mechanism.name()));
            }
            (Some(reply), None) if reply.code != 235 => {
                verdict = verdict.max(if reply.is_transient() { Verdict::Inconclusive } else { Verdict::Fail });
                reasons.push(format!("AUTH {} refused ({} {})", a.mechanism.name(), reply.code, reply.text()));
            }
            _ => {}
        }
    }
    for mail in rec.mail_from.iter().filter(|m| !m.is_positive()) {
        verdict = verdict.max(if mail.is_transient() { Verdict::Inconclusive } else { Verdict::Fail });
        reasons.push(format!("MAIL FROM refused ({} {})", mail.code, mail.text()));
    }
    for x in rec.rcpts.iter().filter(|x| x.role == RcptRole::Mailbox) {
        let reply = &x.reply;
        if reply.is_transient() {
            verdict = verdict.max(Verdict::Inconclusive);
            reasons.push(format!(
                "{}: temporarily refused ({}), likely greylisting: inconclusive, retry later",
                x.address, reply.code
            ));
        } else if !reply.is_positive() {
            verdict = verdict.max(Verdict::Fail);
            reasons.push(format!("{}: rejected ({} {})", x.address, reply.code, reply.text()));
        }
    }
    if r.catch_all == Some(true) {
        reasons.push("catch-all: a random address is accepted, so RCPT results prove nothing".into());
    }
    for x in rec.rcpts.iter().filter(|x| x.role == RcptRole::RelayTest && x.reply.is_positive()) {
        verdict = Verdict::Fail;
        reasons.push(format!("OPEN RELAY: mail for {} was accepted", x.address));
    }
    if let Some(last) = rec.data.last()
        && !last.is_positive()
        && last.code != 354
    {
        verdict = verdict.max(if last.is_transient() { Verdict::Inconclusive } else { Verdict::Fail });
        reasons.push(format!("the message was refused ({} {})", last.code, last.text()));
    }
    let reason = if reasons.is_empty() { "all checks passed".to_string() } else { reasons.join("; ") };
    (verdict, reason)
}

/// The verdict of a whole probe: port 25 decides whether a domain receives mail; other ports
/// count only when port 25 was not probed (a closed 2525 is a fact, not a failure of the
/// domain). Worst first: fail > inconclusive > ok; no result at all is inconclusive.
pub fn report_verdict(results: &[SmtpResult]) -> Verdict {
    let on_25: Vec<Verdict> = results.iter().filter(|r| r.port == 25).map(|r| r.verdict).collect();
    if on_25.is_empty() {
        results.iter().map(|r| r.verdict).max().unwrap_or(Verdict::Inconclusive)
    } else {
        on_25.into_iter().max().unwrap_or(Verdict::Inconclusive)
    }
}

/// Completes a probe report: its verdict (a null MX, RFC 7505, means the domain receives no
/// mail: fail; otherwise [`report_verdict`]) and its findings.
pub fn finish_report(report: &mut SmtpProbeReport) {
    report.verdict = if report.null_mx { Verdict::Fail } else { report_verdict(&report.results) };
    report.findings = smtp_findings(report);
}

/// The `smtp.*` findings a probe report amounts to.
pub fn smtp_findings(report: &SmtpProbeReport) -> Vec<Finding> {
    let mut out = Vec::new();
    let port25: Vec<_> = report.results.iter().filter(|r| r.port == 25).collect();
    if !port25.is_empty() && port25.iter().all(|r| !r.connected) {
        out.push(
            cat::SMTP_UNREACHABLE
                .emit()
                .detail(format!("{} address(es) tried on port 25, none connected", port25.len())),
        );
    }
    for r in &report.results {
        let at = format!("{} [{}]:{}", r.host, r.ip, r.port);
        if !r.connected {
            continue;
        }
        let offered = r.capabilities.as_ref().is_some_and(|c| c.starttls);
        if starttls_expected(r.port) && r.capabilities.is_some() && !offered && !r.implicit_tls {
            out.push(cat::SMTP_NO_STARTTLS.emit().detail(at.clone()));
        }
        if let Some(n) = r.plaintext_after_starttls {
            out.push(
                cat::SMTP_PLAINTEXT_AFTER_STARTTLS
                    .emit()
                    .detail(format!("{at}: {n} bytes before the TLS handshake, discarded")),
            );
        }
        if let Some(cert) = &r.cert {
            if cert.expired == Some(true) {
                out.push(
                    cat::SMTP_CERT_EXPIRED
                        .emit()
                        .detail(format!("{at}: not after {}", cert.not_after.clone().unwrap_or_default())),
                );
            } else if !cert.trusted {
                out.push(cat::SMTP_CERT_UNTRUSTED.emit().detail(format!(
                    "{at}: {}",
                    cert.trust_error.clone().unwrap_or_else(|| format!("issued by {}", cert.issuer))
                )));
            }
            if !cert.hostname_match {
                out.push(cat::SMTP_CERT_NAME_MISMATCH.emit().detail(format!("{at}: names {}", cert.sans.join(", "))));
            }
        }
        if r.auth_before_tls == Some(true) {
            out.push(cat::SMTP_AUTH_BEFORE_TLS.emit().detail(at.clone()));
        }
        if r.open_relay == Some(true) {
            out.push(cat::SMTP_OPEN_RELAY.emit().detail(at.clone()));
        }
        if r.banner_matches_ptr == Some(false) {
            out.push(cat::SMTP_BANNER_PTR_MISMATCH.emit().detail(format!(
                "{at}: banner {}, PTR {}",
                r.banner_host.clone().unwrap_or_default(),
                r.ptr.join(", ")
            )));
        }
        for rcpt in r.rcpt.iter().filter(|x| !x.accepted && (500..600).contains(&x.code)) {
            out.push(
                cat::SMTP_MAILBOX_REJECTED.emit().detail(format!("{}: {} {}", rcpt.address, rcpt.code, rcpt.text)),
            );
        }
        if r.catch_all == Some(true) {
            out.push(cat::SMTP_CATCH_ALL.emit().detail(at.clone()));
        }
        if r.verdict == Verdict::Inconclusive && r.rcpt.iter().any(|x| (400..500).contains(&x.code)) {
            out.push(cat::SMTP_GREYLISTED.emit().detail(at.clone()));
        }
    }
    out
}
