//! The inbound test address (mail-tester's workflow), its pure half: the facts of the SMTP
//! session that delivered a test message, the findings they amount to, and the one report
//! that joins the message analysis with what the companion looked up around it (blocklists,
//! the sending domain's check).
//!
//! The listener (server/src/inbound) drives [`crate::smtp::server::ServerConnection`], records
//! the session as an [`InboundSession`], analyzes the message with the session's own client
//! IP, HELO and MAIL FROM as the envelope ([`session_overrides`]) and hands the rest here:
//! [`InboundReport::new`] decides nothing the other reports do not already decide, it only adds
//! the session's own findings ([`session_findings`]) and the blocklist / domain findings to the
//! message report, so one score and one findings list cover the whole test.

use crate::analyze::MessageReport;
use crate::dnsbl::DnsblReport;
use crate::domain::DomainReport;
use crate::findings::catalog::probe as cat;
use crate::findings::{Area, Finding};
use crate::message::envelope::EnvelopeOverrides;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What the listener saw of the session that delivered a test message (the `inbound` key of
/// the report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundSession {
    /// The address the client connected from.
    pub client_ip: String,
    /// The client address's reverse-DNS name: the forward-confirmed one when there is one,
    /// else the first PTR name; `None` without a PTR (or when not looked up).
    pub client_ptr: Option<String>,
    /// Whether a PTR name resolves back to the address (`None`: no PTR, not looked up, or
    /// the lookups failed).
    #[serde(default)]
    pub client_fcrdns: Option<bool>,
    /// The client address counts as public: a public address, or any address when the
    /// server runs with `allow_private` (labs); false: private, loopback, ... and not looked
    /// up (see `inbound.client_not_public`).
    #[serde(default = "yes")]
    pub client_public: bool,
    /// The EHLO/HELO name.
    pub helo: String,
    /// The reverse-path (`""` is the null sender `<>`).
    pub mail_from: String,
    /// The test address the message was sent to.
    pub rcpt: String,
    /// The TLS version of the session (`TLSv1.3`), `None` in clear text.
    pub tls_version: Option<String>,
    /// The TLS cipher suite (`TLS13_AES_256_GCM_SHA384`), `None` in clear text.
    pub tls_cipher: Option<String>,
    /// When the message was accepted, unix seconds.
    pub received_at: i64,
    /// Whether the listener offered STARTTLS (a certificate was configured): without it, a
    /// clear-text session is not the sender's fault.
    #[serde(default)]
    pub starttls_offered: bool,
}

fn yes() -> bool {
    true
}

/// The envelope of the analysis: the session's own client IP, HELO and MAIL FROM, labelled
/// `smtp session` in the report's `envelope.source`.
pub fn session_overrides(session: &InboundSession) -> EnvelopeOverrides {
    EnvelopeOverrides {
        ip: session.client_ip.parse::<IpAddr>().ok(),
        helo: Some(session.helo.clone()).filter(|h| !h.is_empty()),
        mail_from: Some(session.mail_from.clone()),
        from_session: true,
    }
}

/// The session's own findings: a non-public client, reverse DNS, clear text.
pub fn session_findings(session: &InboundSession) -> Vec<Finding> {
    let mut out = Vec::new();
    if !session.client_public {
        out.push(
            cat::INBOUND_CLIENT_NOT_PUBLIC
                .emit()
                .detail(format!("the message was delivered from {}, which is not a public address", session.client_ip)),
        );
    } else {
        match (&session.client_ptr, session.client_fcrdns) {
            (None, _) => {
                out.push(cat::INBOUND_CLIENT_NO_PTR.emit().detail(format!("{} has no PTR record", session.client_ip)))
            }
            (Some(ptr), Some(false)) => out.push(
                cat::INBOUND_CLIENT_FCRDNS_MISMATCH
                    .emit()
                    .detail(format!("{} has PTR {ptr}, which does not resolve back to it", session.client_ip)),
            ),
            _ => {}
        }
    }
    if session.tls_version.is_none() && session.starttls_offered {
        out.push(cat::INBOUND_NO_TLS.emit().detail(format!(
            "{} ({}) sent the message in clear text although STARTTLS was offered",
            session.helo, session.client_ip
        )));
    }
    out
}

/// Areas of the domain check whose findings are about sending (the rest — MX, MTA-STS,
/// TLS-RPT, DANE — are about receiving mail, and stay in `domain_check` only).
pub fn sending_area(area: Area) -> bool {
    matches!(area, Area::Spf | Area::Dkim | Area::Dmarc | Area::Dns | Area::Bimi)
}

/// The report of one test message: the `analyze --json` report, flattened, plus the session
/// and what the companion looked up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundReport {
    /// The message analysis (its findings include every finding below).
    #[serde(flatten)]
    pub report: MessageReport,
    /// The SMTP session that delivered the message.
    pub inbound: InboundSession,
    /// DNSBL answers: the client IP, then the From and Return-Path domains (empty when the
    /// client is not public and `allow_private` is off, or when no list is configured).
    #[serde(default)]
    pub blocklists: Vec<DnsblReport>,
    /// The sending (From) domain's domain check, when one ran.
    #[serde(default)]
    pub domain_check: Option<DomainReport>,
}

impl InboundReport {
    /// Joins the parts: the session's findings, every blocklist finding and the domain
    /// check's sending findings are added to the message report's findings and score.
    pub fn new(
        mut report: MessageReport,
        inbound: InboundSession,
        blocklists: Vec<DnsblReport>,
        domain_check: Option<DomainReport>,
    ) -> Self {
        let mut extra = session_findings(&inbound);
        extra.extend(blocklists.iter().flat_map(|b| b.findings.iter().cloned()));
        if let Some(d) = &domain_check {
            extra.extend(d.findings.iter().filter(|f| sending_area(f.area)).cloned());
        }
        report.add_findings(extra);
        InboundReport { report, inbound, blocklists, domain_check }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnsbl::{ListResult, Status, Subject};

    fn session() -> InboundSession {
        InboundSession {
            client_ip: "192.0.2.10".into(),
            client_ptr: Some("mx.example.test".into()),
            client_fcrdns: Some(true),
            client_public: true,
            helo: "mx.example.test".into(),
            mail_from: "bounce@example.test".into(),
            rcpt: "abc@inbound.test".into(),
            tls_version: Some("TLSv1.3".into()),
            tls_cipher: Some("TLS13_AES_256_GCM_SHA384".into()),
            received_at: 1_700_000_000,
            starttls_offered: true,
        }
    }

    fn ids(s: &InboundSession) -> Vec<String> {
        session_findings(s).into_iter().map(|f| f.id).collect()
    }

    #[test]
    fn session_facts_become_findings() {
        assert!(ids(&session()).is_empty());
        let private = InboundSession { client_ip: "127.0.0.1".into(), client_public: false, ..session() };
        assert_eq!(ids(&private), ["inbound.client_not_public"]);
        let no_ptr = InboundSession { client_ptr: None, client_fcrdns: None, ..session() };
        assert_eq!(ids(&no_ptr), ["inbound.client_no_ptr"]);
        let mismatch = InboundSession { client_fcrdns: Some(false), ..session() };
        assert_eq!(ids(&mismatch), ["inbound.client_fcrdns_mismatch"]);
        let clear = InboundSession { tls_version: None, tls_cipher: None, ..session() };
        assert_eq!(ids(&clear), ["inbound.no_tls"]);
        let not_offered = InboundSession { starttls_offered: false, ..clear };
        assert!(ids(&not_offered).is_empty(), "no certificate configured: not the sender's fault");
        let o = session_overrides(&session());
        assert_eq!(o.ip, Some("192.0.2.10".parse().unwrap()));
        assert!(o.from_session);
    }

    #[test]
    fn one_report_one_score() {
        let raw = b"From: a@example.test\r\nTo: b@inbound.test\r\nSubject: t\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <1@example.test>\r\n\r\nhello\r\n";
        let zone = crate::dns::zone::ZoneResolver::from_zone_text("", None).unwrap();
        let opts = crate::analyze::AnalyzeOptions {
            now: crate::analyze::Now::At(1_700_000_000),
            overrides: session_overrides(&session()),
        };
        let report =
            futures::executor::block_on(crate::analyze::analyze_message(raw, std::sync::Arc::new(zone), &opts))
                .unwrap();
        assert_eq!(report.envelope.source.client_ip, "smtp session");
        let before = report.score;
        let listed = DnsblReport::new(
            &Subject::Ip("192.0.2.10".parse().unwrap()),
            vec![ListResult {
                zone: "bl.test".into(),
                status: Status::Listed,
                codes: vec!["127.0.0.2".into()],
                txt: vec![],
                meaning: None,
            }],
        );
        let r = InboundReport::new(report, session(), vec![listed], None);
        assert!(r.report.findings.iter().any(|f| f.id == "blocklist.listed"));
        assert!(r.report.score < before, "a listing costs points: {} vs {before}", r.report.score);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["inbound"]["client_ip"], "192.0.2.10");
        assert!(json["auth"]["spf"].is_object(), "the analyze report is flattened in");
        let back: InboundReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }
}
