//! The bounce explainer on real input from `../shared/corpora`: the Amazon SES DSN
//! (nodemailer-mailparser/delivery-status.eml), the SMTP reply quoted in RFC 6376
//! §6.3, and every other corpus message, which must *not* be taken for a bounce.
//! Plus pasted provider replies end to end, and mangled copies of the DSN.

mod support;

use inboxlens_core::bounce::classify::BounceCause;
use inboxlens_core::bounce::{BounceError, explain_bounce};
use inboxlens_core::findings::Severity;
use support::{corpora, read};

#[test]
fn amazon_ses_dsn() {
    let Some(root) = corpora() else { return };
    let raw = read(&root, "nodemailer-mailparser/delivery-status.eml");
    let r = explain_bounce(&raw);
    assert!(r.recognised, "{:?}", r.error);
    assert_eq!(r.format, "dsn");
    // Reporting-MTA: dns; amazonses.com
    assert_eq!(r.reporting_mta.as_deref(), Some("amazonses.com"));
    assert_eq!(r.recipients.len(), 1);
    let rc = &r.recipients[0];
    // Final-Recipient: rfc822; xxxx@xxxx.com / Action: failed / Status: 5.1.1
    assert_eq!(rc.recipient.as_deref(), Some("xxxx@xxxx.com"));
    assert_eq!(rc.action.as_deref(), Some("failed"));
    assert_eq!(rc.status.as_deref(), Some("5.1.1"));
    assert_eq!(rc.remote_mta.as_deref(), Some("amazonses.com"));
    let meaning = rc.status_meaning.as_ref().expect("meaning");
    assert_eq!(meaning.class, "Permanent Failure");
    assert_eq!(meaning.subject, "Addressing Status");
    assert_eq!(meaning.detail, "Bad destination mailbox address");
    // The Diagnostic-Code has no "smtp;" type and no reply code: SES never tried.
    assert!(rc.diagnostic.as_deref().unwrap_or_default().starts_with("Amazon SES did not send the message"));
    assert_eq!(rc.reply_code, None);
    assert_eq!(rc.permanent, Some(true));
    assert_eq!(rc.cause, BounceCause::MailboxUnknown);
    let p = rc.provider.as_ref().expect("SES pattern");
    assert_eq!((p.provider.as_str(), p.pattern.as_str()), ("amazon_ses", "ses_suppression_list"));
    assert!(rc.fix.contains("suppression list"));
    // Summary mirrors the one recipient.
    assert_eq!(r.cause, BounceCause::MailboxUnknown);
    assert_eq!(r.enhanced_status.as_deref(), Some("5.1.1"));
    assert_eq!(r.provider.as_deref(), Some("amazon_ses"));
    // The returned message (message/rfc822 part).
    let o = r.original.as_ref().expect("original");
    assert_eq!(o.subject.as_deref(), Some("Example Subject"));
    assert_eq!(o.from.as_deref(), Some("xxx@xxx.com"));
    assert_eq!(o.to.as_deref(), Some("not@found.com"));
    assert_eq!(o.message_id.as_deref(), Some("<xxxxx@email.amazonses.com>"));
    // One finding, an error, carrying the diagnostic as evidence.
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].id, "bounce.mailbox_unknown");
    assert_eq!(r.findings[0].severity, Severity::Error);
    assert!(r.findings[0].evidence.iter().any(|e| e.contains("5.1.1") && e.contains("suppression list")));
    // The report serializes (it is a front-end contract).
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["cause"], "mailbox_unknown");
    assert_eq!(json["recipients"][0]["status"], "5.1.1");
}

#[test]
fn amazon_ses_dsn_mangled_copies() {
    let Some(root) = corpora() else { return };
    let raw = read(&root, "nodemailer-mailparser/delivery-status.eml");
    // CRLF line ends: same answer
    let crlf = String::from_utf8_lossy(&raw).replace('\n', "\r\n");
    let r = explain_bounce(crlf.as_bytes());
    assert_eq!(r.format, "dsn");
    assert_eq!(r.recipients.first().and_then(|x| x.status.as_deref()), Some("5.1.1"));
    // CR-only: a report, never a panic
    let cr = String::from_utf8_lossy(&raw).replace('\n', "\r");
    let _ = explain_bounce(cr.as_bytes());
    // every truncation: a report, never a panic; once the status group is complete it is found
    let status_end =
        String::from_utf8_lossy(&raw).find("Status: 5.1.1").map(|i| i + "Status: 5.1.1".len()).unwrap_or(raw.len());
    for cut in (0..raw.len()).step_by(37) {
        let r = explain_bounce(raw.get(..cut).unwrap_or_default());
        if cut > status_end + 4 {
            assert!(r.recognised, "cut at {cut}");
            assert_eq!(r.enhanced_status.as_deref(), Some("5.1.1"), "cut at {cut}");
        }
    }
}

#[test]
fn rfc6376_quotes_a_451_reply() {
    let Some(root) = corpora() else { return };
    // RFC 6376 §6.3: "451 4.7.5 Unable to verify signature - key server unavailable"
    let r = explain_bounce(&read(&root, "rfc-text/rfc6376.txt"));
    assert!(r.recognised);
    assert_eq!(r.format, "smtp_reply");
    assert_eq!(r.recipients.len(), 1);
    assert_eq!(r.reply_code, Some(451));
    assert_eq!(r.enhanced_status.as_deref(), Some("4.7.5"));
    assert_eq!(r.status_meaning.as_ref().map(|m| m.detail.as_str()), Some("Cryptographic failure"));
    assert_eq!(r.cause, BounceCause::Auth);
    assert_eq!(r.permanent, Some(false));
    assert_eq!(r.findings.first().map(|f| f.severity), Some(Severity::Warning));
}

#[test]
fn corpus_messages_are_not_bounces() {
    let Some(root) = corpora() else { return };
    let dirs = [
        "nodemailer-mailparser",
        "mailauth/fixtures",
        "spamassassin",
        "stalwart-mail-parser/resources/eml",
        "stalwart-mail-auth/resources/arf",
        "stalwart-mail-auth/resources/dmarc-feedback",
        "stalwart-mail-auth/resources/dkim",
        "stalwart-mail-auth/resources/arc",
        "mail-dkim-perl/corpus",
        "mox/dmarc-reports",
        "mox/tlsreports",
    ];
    let mut files = Vec::new();
    for d in dirs {
        let mut stack = vec![root.join(d)];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().and_then(|x| x.to_str()).is_some_and(|x| matches!(x, "eml" | "txt" | "msg")) {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    assert!(files.len() >= 200, "only {} corpus messages found", files.len());
    let mut recognised = Vec::new();
    for f in &files {
        let raw = std::fs::read(f).unwrap_or_default();
        let r = explain_bounce(&raw);
        if r.recognised {
            recognised.push(f.display().to_string());
        } else {
            assert!(
                matches!(r.error, Some(BounceError::NotRecognised | BounceError::Empty | BounceError::Binary)),
                "{}",
                f.display()
            );
            assert_eq!(r.findings.first().map(|x| x.id.as_str()), Some("bounce.not_recognised"));
        }
    }
    eprintln!("bounce explainer: {} corpus messages, recognised as bounces: {:?}", files.len(), recognised);
    // exactly one real bounce in these folders: the Amazon SES DSN
    assert_eq!(recognised.len(), 1, "{recognised:?}");
    assert!(recognised[0].ends_with("delivery-status.eml"));
}

#[test]
fn pasted_provider_replies() {
    // (reply as the provider documents it, reply code, status, cause, pattern)
    let cases: &[(&str, u16, &str, BounceCause, Option<&str>)] = &[
        (
            "550-5.7.26 This mail is unauthenticated, which poses a security risk to the\n550-5.7.26 sender and Gmail users, and has been blocked. The sender must\n550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,\n550-5.7.26 DKIM checks did not pass and SPF check for [example.com] did not\n550-5.7.26 pass with ip: [192.0.2.1]. To best protect our users from spam, the\n550-5.7.26 message has been blocked. Please visit\n550-5.7.26  https://support.google.com/mail/answer/81126#authentication for more\n550 5.7.26 information. a1-20020a17 - gsmtp\n",
            550,
            "5.7.26",
            BounceCause::Auth,
            Some("gmail_5_7_26"),
        ),
        (
            "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating\n421-4.7.28 from your SPF domain [example.com]. To protect our users from spam,\n421 4.7.28 mail has been temporarily rate limited. - gsmtp",
            421,
            "4.7.28",
            BounceCause::RateLimit,
            Some("gmail_x_7_28"),
        ),
        (
            "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
            550,
            "5.7.1",
            BounceCause::Blocklist,
            Some("microsoft_s3150"),
        ),
        (
            "550 5.7.515 Access denied, sending domain [example.com] does not meet the required authentication level. The sender's domain in the 5322.From address doesn't meet the authentication requirements defined for the sender. [BN1PEPF00004680.namprd03.prod.outlook.com]",
            550,
            "5.7.515",
            BounceCause::Auth,
            Some("microsoft_5_7_515"),
        ),
        (
            "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
            421,
            "4.7.0",
            BounceCause::RateLimit,
            Some("yahoo_tss04"),
        ),
        (
            "554 Message not allowed - [PH01] Email not accepted for policy reasons.  Please visit https://postmaster.yahooinc.com/error-codes",
            554,
            "",
            BounceCause::Policy,
            Some("yahoo_ph01"),
        ),
        (
            "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1",
            554,
            "5.7.1",
            BounceCause::Blocklist,
            None,
        ),
        (
            "450 4.2.0 <bob@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
            450,
            "4.2.0",
            BounceCause::Greylisting,
            None,
        ),
        ("554 5.7.1 <bob@example.org>: Relay access denied", 554, "5.7.1", BounceCause::RelayDenied, None),
        (
            "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
            550,
            "5.1.1",
            BounceCause::MailboxUnknown,
            None,
        ),
        ("552 5.3.4 Message size exceeds fixed limit", 552, "5.3.4", BounceCause::Size, None),
        ("550 5.7.10 REQUIRETLS support required", 550, "5.7.10", BounceCause::Tls, None),
        (
            "550 5.1.2 Host or domain name not found. Name service error for name=exmaple.com type=MX: Host not found",
            550,
            "5.1.2",
            BounceCause::Dns,
            None,
        ),
    ];
    for (text, code, status, cause, pattern) in cases {
        let r = explain_bounce(text.as_bytes());
        assert!(r.recognised, "{text}");
        assert_eq!(r.reply_code, Some(*code), "{text}");
        assert_eq!(r.enhanced_status.as_deref().unwrap_or_default(), *status, "{text}");
        assert_eq!(r.cause, *cause, "{text}");
        let got = r.recipients.first().and_then(|x| x.provider.as_ref()).map(|p| p.pattern.as_str());
        assert_eq!(got, *pattern, "{text}");
        assert!(!r.fix.is_empty() && !r.explanation.is_empty());
        assert_eq!(r.findings.len(), 1, "{text}");
        assert_eq!(r.findings[0].id, format!("bounce.{}", cause.as_str()));
    }
}
