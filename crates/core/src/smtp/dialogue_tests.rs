//! Lab-free table tests of the client dialogue and its judgement: a scripted server answers
//! each command, the session machine decides, the judge turns the record into the probe's
//! result and findings. Every branch named in issue 9 §1 has a case here.

use super::client::*;
use super::command::{AuthMechanism, Command};
use super::judge::{Target, reply_cause, report_verdict, session_result, smtp_findings};
use super::reply::Reply;
use super::report::{CertInfo, RcptStatus, SmtpProbeReport, SmtpResult, Verdict};
use crate::bounce::classify::BounceCause;

/// What the scripted server does after a command (or at connect, for the banner).
#[derive(Debug, Clone)]
enum S {
    /// Sends these bytes.
    Bytes(&'static [u8]),
    /// Sends nothing: the deadline passes.
    Silent,
    /// Closes the connection.
    Closed,
    /// The TLS handshake succeeds / fails.
    TlsOk,
    TlsFail,
}

struct Run {
    record: SessionRecord,
    sent: Vec<String>,
    end: Option<SessionEnd>,
}

fn input(s: &mut ClientSession, what: &S, now: &mut u64) -> Step {
    match what {
        S::Bytes(b) => {
            s.on_received(b, *now);
            s.poll(*now)
        }
        S::Silent => match s.poll(*now) {
            Step::Wait(until) => {
                *now = until;
                s.poll(until)
            }
            other => other,
        },
        S::Closed => s.on_closed(*now),
        S::TlsOk | S::TlsFail => panic!("TLS result where bytes were expected"),
    }
}

/// Runs a session against `script`: the first entry answers the connect (banner, or the TLS
/// handshake on implicit TLS); each further entry is `(expected command prefix, answer)`.
fn dialogue(cfg: ClientConfig, script: &[(&str, S)]) -> Run {
    let mut now = 0u64;
    let mut s = ClientSession::new(cfg, now);
    now += 3;
    let mut step = s.on_connected(now);
    let mut script = script.iter().cloned().peekable();
    let mut sent = Vec::new();
    for _ in 0..200 {
        now += 1;
        step = match step {
            Step::Done(end) => return Run { record: s.into_record(), sent, end },
            Step::Wait(_) if script.peek().is_some_and(|(e, _)| e.is_empty()) => {
                let (_, what) = script.next().expect("banner");
                input(&mut s, &what, &mut now)
            }
            Step::Wait(_) => input(&mut s, &S::Silent, &mut now),
            Step::Send(cmd) => {
                let wire = cmd.to_wire().expect("the session sends only valid commands");
                assert!(!wire[..wire.len() - 2].iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
                let line = cmd.line().unwrap();
                sent.push(line.clone());
                let (expect, what) = script.next().unwrap_or(("QUIT", S::Closed));
                assert!(line.starts_with(expect), "sent {line:?}, script expected {expect:?}");
                input(&mut s, &what, &mut now)
            }
            Step::SendData(bytes) => {
                sent.push(format!("<data {} bytes>", bytes.len()));
                assert!(bytes.ends_with(b"\r\n.\r\n"));
                let (expect, what) = script.next().expect("reply to the message");
                assert_eq!(expect, "<data>");
                input(&mut s, &what, &mut now)
            }
            Step::StartTls => {
                let (expect, what) = script.next().expect("TLS");
                assert_eq!(expect, "TLS");
                let result = match what {
                    S::TlsOk => TlsResult::Established(Box::new(TlsFacts {
                        version: Some("TLSv1.3".into()),
                        cipher: Some("TLS13_AES_256_GCM_SHA384".into()),
                        cert: Some(CertInfo {
                            subject: "CN=mx.good.test".into(),
                            sans: vec!["mx.good.test".into()],
                            trusted: true,
                            hostname_match: true,
                            expired: Some(false),
                            ..CertInfo::default()
                        }),
                        dane: None,
                    })),
                    S::TlsFail => TlsResult::Failed("received corrupt message".into()),
                    other => panic!("{other:?} is not a TLS result"),
                };
                s.on_tls_done(result, now)
            }
        };
    }
    panic!("the session did not end");
}

fn target(port: u16) -> Target {
    Target { host: "mx.good.test".into(), ip: "192.0.2.10".into(), port, ptr: vec!["mx.good.test".into()] }
}

fn judged(port: u16, run: &Run) -> (SmtpResult, Vec<String>) {
    let r = session_result(&target(port), &run.record);
    let report = report_of(vec![r.clone()]);
    let ids = smtp_findings(&report).into_iter().map(|f| f.id).collect();
    (r, ids)
}

fn report_of(results: Vec<SmtpResult>) -> SmtpProbeReport {
    SmtpProbeReport {
        domain: Some("good.test".into()),
        host: None,
        mx: vec![],
        null_mx: false,
        implicit_mx: false,
        verdict: report_verdict(&results),
        results,
        skipped: vec![],
        ehlo_name: "probe.test".into(),
        cached: false,
        findings: vec![],
    }
}

fn mailbox(rcpt: &[&str]) -> MailboxPlan {
    MailboxPlan {
        reverse_path: "probe@inboxlens.test".into(),
        params: vec![],
        recipients: rcpt.iter().map(|s| s.to_string()).collect(),
        catch_all: None,
        relay_test: None,
        batch_size: 100,
        message: None,
        max_rejected: 0,
    }
}

const BANNER: S = S::Bytes(b"220 mx.good.test ESMTP Postfix\r\n");
const EHLO_TLS: S =
    S::Bytes(b"250-mx.good.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
const EHLO_PLAIN: S = S::Bytes(b"250-mx.good.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
const EHLO_AFTER_TLS: S = S::Bytes(b"250-mx.good.test\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n");
const OK: S = S::Bytes(b"250 2.0.0 Ok\r\n");
const BYE: S = S::Bytes(b"221 2.0.0 Bye\r\n");

#[test]
fn full_probe_with_mailbox_catch_all_and_relay_check() {
    let mut cfg = ClientConfig::probe("probe.test", 25);
    let mut plan = mailbox(&["user@good.test", "nobody@good.test"]);
    plan.catch_all = Some("inboxlens-nonexistent-00ff@good.test".into());
    plan.relay_test = Some("relay-test@example.org".into());
    cfg.mailbox = Some(plan);
    let run = dialogue(
        cfg,
        &[
            ("", BANNER),
            ("EHLO probe.test", EHLO_TLS),
            ("STARTTLS", S::Bytes(b"220 2.0.0 Ready to start TLS\r\n")),
            ("TLS", S::TlsOk),
            ("EHLO probe.test", EHLO_AFTER_TLS),
            ("MAIL FROM:<probe@inboxlens.test>", S::Bytes(b"250 2.1.0 Ok\r\n")),
            ("RCPT TO:<user@good.test>", S::Bytes(b"250 2.1.5 Ok\r\n")),
            (
                "RCPT TO:<nobody@good.test>",
                S::Bytes(b"550-5.1.1 <nobody@good.test>: Recipient address rejected:\r\n550 5.1.1 User unknown\r\n"),
            ),
            ("RCPT TO:<inboxlens-nonexistent-00ff@good.test>", S::Bytes(b"550 5.1.1 User unknown\r\n")),
            (
                "RCPT TO:<relay-test@example.org>",
                S::Bytes(b"554 5.7.1 <relay-test@example.org>: Relay access denied\r\n"),
            ),
            ("RSET", OK),
            ("QUIT", BYE),
        ],
    );
    assert_eq!(run.end, None);
    assert!(!run.sent.iter().any(|c| c == "DATA"), "never DATA");
    let (r, ids) = judged(25, &run);
    assert_eq!(r.banner.as_deref(), Some("mx.good.test ESMTP Postfix"));
    assert_eq!(r.banner_matches_ptr, Some(true));
    assert!(r.starttls && r.tls);
    assert_eq!(r.tls_version.as_deref(), Some("TLSv1.3"));
    assert_eq!(r.capabilities.as_ref().unwrap().size, Some(10_240_000));
    assert_eq!(r.capabilities_after_tls.as_ref().unwrap().auth, ["PLAIN", "LOGIN"]);
    assert_eq!(r.rcpt.len(), 2, "the catch-all and relay addresses are not mailbox results");
    assert_eq!(r.rcpt[0].status, RcptStatus::Accepted);
    assert_eq!(r.rcpt[1].status, RcptStatus::Rejected);
    assert_eq!(r.rcpt[1].enhanced_code.as_deref(), Some("5.1.1"));
    assert_eq!(r.rcpt[1].text, "5.1.1 <nobody@good.test>: Recipient address rejected: 5.1.1 User unknown");
    assert_eq!(r.catch_all, Some(false));
    assert_eq!(r.open_relay, Some(false));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.verdict_reason.contains("nobody@good.test: rejected (550"), "{}", r.verdict_reason);
    assert_eq!(ids, ["smtp.mailbox_rejected"]);
    assert!(r.transcript.iter().any(|l| l == "S: 550-5.1.1 <nobody@good.test>: Recipient address rejected:"));
    assert!(r.transcript.iter().any(|l| l == "C: RSET"));
    assert!(r.error.is_none());
}

#[test]
fn banner_421_is_inconclusive_and_554_fails() {
    for (banner, verdict, words) in [
        (S::Bytes(b"421 4.3.2 Service not available, closing\r\n"), Verdict::Inconclusive, "temporarily refusing"),
        (S::Bytes(b"554 5.7.1 No SMTP service here\r\n"), Verdict::Fail, "refuses sessions from this prober (554"),
    ] {
        let run = dialogue(ClientConfig::probe("probe.test", 25), &[("", banner), ("QUIT", BYE)]);
        assert_eq!(run.sent, ["QUIT"]);
        let (r, _) = judged(25, &run);
        assert_eq!(r.verdict, verdict);
        assert!(r.verdict_reason.contains(words), "{}", r.verdict_reason);
        assert!(r.capabilities.is_none());
    }
}

#[test]
fn ehlo_refused_falls_back_to_helo() {
    let run = dialogue(
        ClientConfig::probe("probe.test", 25),
        &[
            ("", BANNER),
            ("EHLO probe.test", S::Bytes(b"502 5.5.2 Error: command not recognized\r\n")),
            ("HELO probe.test", S::Bytes(b"250 mx.good.test\r\n")),
            ("QUIT", BYE),
        ],
    );
    assert_eq!(run.sent, ["EHLO probe.test", "HELO probe.test", "QUIT"]);
    let (r, ids) = judged(25, &run);
    assert_eq!(r.verdict, Verdict::Ok);
    assert!(!r.starttls);
    assert!(r.verdict_reason.contains("no STARTTLS"));
    assert_eq!(ids, ["smtp.no_starttls"], "HELO-only means no STARTTLS on port 25");

    let run = dialogue(
        ClientConfig::probe("probe.test", 25),
        &[("", BANNER), ("EHLO", S::Bytes(b"550 go away\r\n")), ("HELO", S::Bytes(b"550 go away\r\n")), ("QUIT", BYE)],
    );
    let (r, _) = judged(25, &run);
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.verdict_reason, "the server refused EHLO and HELO (550)");
}

#[test]
fn starttls_refused_fails_and_goes_on_in_plaintext() {
    let mut cfg = ClientConfig::probe("probe.test", 25);
    cfg.mailbox = Some(mailbox(&["user@good.test"]));
    let run = dialogue(
        cfg,
        &[
            ("", BANNER),
            ("EHLO", EHLO_TLS),
            ("STARTTLS", S::Bytes(b"454 4.7.0 TLS not available due to local problem\r\n")),
            ("MAIL FROM:", S::Bytes(b"250 2.1.0 Ok\r\n")),
            ("RCPT TO:<user@good.test>", S::Bytes(b"250 2.1.5 Ok\r\n")),
            ("RSET", OK),
            ("QUIT", BYE),
        ],
    );
    let (r, ids) = judged(25, &run);
    assert!(r.starttls && !r.tls);
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.verdict_reason, "STARTTLS is advertised but could not be used");
    assert!(r.transcript.iter().any(|l| l == "* STARTTLS advertised but refused"));
    assert!(ids.is_empty(), "offered: not smtp.no_starttls: {ids:?}");

    // With TLS required, the session ends before MAIL.
    let mut cfg = ClientConfig::probe("probe.test", 587);
    cfg.tls = TlsMode::Required;
    cfg.mailbox = Some(mailbox(&["user@good.test"]));
    let run =
        dialogue(cfg, &[("", BANNER), ("EHLO", EHLO_TLS), ("STARTTLS", S::Bytes(b"454 4.7.0 no\r\n")), ("QUIT", BYE)]);
    assert!(!run.sent.iter().any(|c| c.starts_with("MAIL")));
}

#[test]
fn plaintext_pipelined_after_starttls_is_discarded_and_reported() {
    // CVE-2011-0411 from the client's side: the 220 and a forged reply arrive together,
    // before the handshake. The forged 250 must not answer the EHLO sent over TLS.
    let run = dialogue(
        ClientConfig::probe("probe.test", 25),
        &[
            ("", BANNER),
            ("EHLO", EHLO_TLS),
            ("STARTTLS", S::Bytes(b"220 2.0.0 Ready\r\n250-forged\r\n250 AUTH PLAIN\r\n")),
            ("TLS", S::TlsOk),
            ("EHLO", S::Bytes(b"250-mx.good.test\r\n250 SIZE 5\r\n")),
            ("QUIT", BYE),
        ],
    );
    assert_eq!(run.record.plaintext_after_starttls, Some(28));
    let (r, ids) = judged(25, &run);
    let after = r.capabilities_after_tls.clone().unwrap();
    assert_eq!(after.size, Some(5), "the capabilities come from the reply over TLS");
    assert!(after.auth.is_empty(), "the forged AUTH line was discarded");
    assert_eq!(r.plaintext_after_starttls, Some(28));
    assert!(r.transcript.iter().any(|l| l == "* discarded 28 bytes sent before the TLS handshake"));
    assert_eq!(ids, ["smtp.plaintext_after_starttls"]);
    assert!(r.verdict_reason.contains("CVE-2011-0411"));
}

#[test]
fn greylisting_is_inconclusive() {
    for reply in
        [&b"450 4.7.1 <u@grey.test>: Recipient address rejected: greylisted\r\n"[..], b"451 4.7.1 Try later\r\n"]
    {
        let mut cfg = ClientConfig::probe("probe.test", 25);
        cfg.mailbox = Some(mailbox(&["u@grey.test"]));
        let leaked: &'static [u8] = Box::leak(reply.to_vec().into_boxed_slice());
        let run = dialogue(
            cfg,
            &[
                ("", BANNER),
                ("EHLO", EHLO_PLAIN),
                ("MAIL", S::Bytes(b"250 2.1.0 Ok\r\n")),
                ("RCPT", S::Bytes(leaked)),
                ("RSET", OK),
                ("QUIT", BYE),
            ],
        );
        let (r, ids) = judged(25, &run);
        assert_eq!(r.rcpt[0].status, RcptStatus::Greylisted);
        assert!(!r.rcpt[0].accepted);
        assert_eq!(r.rcpt[0].enhanced_code.as_deref(), Some("4.7.1"));
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert!(r.verdict_reason.contains("retry later"));
        assert!(ids.contains(&"smtp.greylisted".to_string()), "{ids:?}");
    }
}

#[test]
fn catch_all_and_open_relay() {
    let mut cfg = ClientConfig::probe("probe.test", 25);
    let mut plan = mailbox(&[]);
    plan.catch_all = Some("x-1234@good.test".into());
    plan.relay_test = Some("relay@example.org".into());
    cfg.mailbox = Some(plan);
    let run = dialogue(
        cfg,
        &[
            ("", BANNER),
            ("EHLO", EHLO_PLAIN),
            ("MAIL", S::Bytes(b"250 Ok\r\n")),
            ("RCPT TO:<x-1234@good.test>", S::Bytes(b"250 Ok\r\n")),
            ("RCPT TO:<relay@example.org>", S::Bytes(b"250 Ok\r\n")),
            ("RSET", OK),
            ("QUIT", BYE),
        ],
    );
    let (r, ids) = judged(25, &run);
    assert_eq!(r.catch_all, Some(true));
    assert_eq!(r.open_relay, Some(true));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.verdict_reason.contains("OPEN RELAY: mail for relay@example.org was accepted"));
    for id in ["smtp.open_relay", "smtp.catch_all", "smtp.no_starttls"] {
        assert!(ids.contains(&id.to_string()), "{id}: {ids:?}");
    }
}

#[test]
fn recipients_go_in_batches_with_rset_between() {
    let mut cfg = ClientConfig::probe("probe.test", 25);
    let mut plan = mailbox(&["a@good.test", "b@good.test", "c@good.test"]);
    plan.batch_size = 2;
    cfg.mailbox = Some(plan);
    let ok = || S::Bytes(b"250 Ok\r\n");
    let run = dialogue(
        cfg,
        &[
            ("", BANNER),
            ("EHLO", EHLO_PLAIN),
            ("MAIL", ok()),
            ("RCPT TO:<a@", ok()),
            ("RCPT TO:<b@", ok()),
            ("RSET", ok()),
            ("MAIL", ok()),
            ("RCPT TO:<c@", S::Bytes(b"550 5.1.1 unknown\r\n")),
            ("RSET", ok()),
            ("QUIT", BYE),
        ],
    );
    let verbs: Vec<&str> = run.sent.iter().map(|s| s.split([' ', ':']).next().unwrap()).collect();
    assert_eq!(verbs, ["EHLO", "MAIL", "RCPT", "RCPT", "RSET", "MAIL", "RCPT", "RSET", "QUIT"]);
    let (r, _) = judged(25, &run);
    assert_eq!(r.rcpt.iter().map(|x| x.code).collect::<Vec<_>>(), [250, 250, 550]);
}

#[test]
fn mail_from_refused_skips_the_recipients() {
    let mut cfg = ClientConfig::probe("probe.test", 25);
    cfg.mailbox = Some(mailbox(&["a@good.test"]));
    let run = dialogue(
        cfg,
        &[
            ("", BANNER),
            ("EHLO", EHLO_PLAIN),
            ("MAIL", S::Bytes(b"553 5.7.1 sender rejected\r\n")),
            ("RSET", OK),
            ("QUIT", BYE),
        ],
    );
    assert!(!run.sent.iter().any(|c| c.starts_with("RCPT")));
    let (r, _) = judged(25, &run);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.verdict_reason.contains("MAIL FROM refused (553"));
}

#[test]
fn flood_bounds_end_the_session_inconclusive() {
    let endless: &'static [u8] = Box::leak(vec![b'A'; 5000].into_boxed_slice());
    let many: &'static [u8] = Box::leak(b"250-x\r\n".repeat(201).into_boxed_slice());
    for (what, words) in [
        (S::Bytes(endless), "longer than 4096"),
        (S::Bytes(many), "more than 200 lines"),
        (S::Bytes(b"220-a\r\n221 b\r\n"), "code changed"),
        (S::Bytes(b"HTTP/1.1 400 Bad Request\r\n"), "malformed reply line"),
    ] {
        let run = dialogue(ClientConfig::probe("probe.test", 25), &[("", what)]);
        let (r, _) = judged(25, &run);
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert!(r.error.as_deref().unwrap().contains(words), "{:?}", r.error);
        assert!(r.banner.is_none());
    }
    // Too many bytes in one reply, delivered in pieces.
    let mut cfg = ClientConfig::probe("probe.test", 25);
    cfg.limits.max_bytes = 1000;
    let mut s = ClientSession::new(cfg, 0);
    s.on_connected(1);
    let mut step = Step::Wait(0);
    for _ in 0..200 {
        s.on_received(b"220-padding padding padding\r\n", 2);
        step = s.poll(2);
        if matches!(step, Step::Done(_)) {
            break;
        }
    }
    assert!(matches!(step, Step::Done(Some(SessionEnd::Reply(_)))), "{step:?}");
}

#[test]
fn tarpit_and_closed_connections() {
    let run = dialogue(ClientConfig::probe("probe.test", 25), &[("", S::Silent)]);
    let (r, _) = judged(25, &run);
    assert_eq!(r.verdict, Verdict::Inconclusive);
    assert_eq!(r.error.as_deref(), Some("no reply within 20000 ms"));
    assert!(r.verdict_reason.contains("tarpit"));

    let run = dialogue(ClientConfig::probe("probe.test", 25), &[("", BANNER), ("EHLO", S::Closed)]);
    let (r, _) = judged(25, &run);
    assert_eq!(r.error.as_deref(), Some("the server closed the connection"));
    assert_eq!(r.verdict, Verdict::Inconclusive);

    // The whole-session deadline wins over a slow drip of continuation lines.
    let mut cfg = ClientConfig::probe("probe.test", 25);
    cfg.timeouts.session_ms = 100;
    let mut s = ClientSession::new(cfg, 0);
    s.on_connected(1);
    let mut now = 1;
    let step = loop {
        now += 30;
        s.on_received(b"220-still greeting\r\n", now);
        match s.poll(now) {
            Step::Wait(_) => continue,
            other => break other,
        }
    };
    assert_eq!(step, Step::Done(Some(SessionEnd::SessionDeadline(100))));
}

#[test]
fn implicit_tls_and_handshake_failure() {
    let run = dialogue(
        ClientConfig::probe("probe.test", 465),
        &[("TLS", S::TlsOk), ("", BANNER), ("EHLO", EHLO_AFTER_TLS), ("QUIT", BYE)],
    );
    let (r, ids) = judged(465, &run);
    assert!(r.implicit_tls && r.tls);
    assert_eq!(r.verdict, Verdict::Ok, "{}", r.verdict_reason);
    assert!(ids.is_empty(), "no STARTTLS is expected on 465: {ids:?}");

    let run = dialogue(ClientConfig::probe("probe.test", 465), &[("TLS", S::TlsFail)]);
    let (r, _) = judged(465, &run);
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.error.as_deref(), Some("TLS handshake failed: received corrupt message"));
}

#[test]
fn no_starttls_rule_is_the_same_on_25_587_and_2525() {
    for (port, expected) in [(25u16, true), (587, true), (2525, true), (465, false)] {
        let mut cfg = ClientConfig::probe("probe.test", port);
        cfg.tls = if port == 465 { TlsMode::Implicit } else { TlsMode::Opportunistic };
        let script: Vec<(&str, S)> = if port == 465 {
            vec![("TLS", S::TlsOk), ("", BANNER), ("EHLO", EHLO_PLAIN), ("QUIT", BYE)]
        } else {
            vec![("", BANNER), ("EHLO", EHLO_PLAIN), ("QUIT", BYE)]
        };
        let run = dialogue(cfg, &script);
        let (r, ids) = judged(port, &run);
        assert_eq!(ids.contains(&"smtp.no_starttls".to_string()), expected, "port {port}: {ids:?}");
        assert_eq!(r.verdict_reason.contains("no STARTTLS"), expected, "port {port}: {}", r.verdict_reason);
    }
}

#[test]
fn auth_plain_and_login_are_redacted() {
    let mut cfg = ClientConfig::probe("probe.test", 587);
    cfg.auth =
        Some(Credentials { mechanism: AuthMechanism::Plain, username: "user".into(), password: "hunter2".into() });
    let run = dialogue(
        cfg,
        &[
            ("", BANNER),
            ("EHLO", EHLO_TLS),
            ("STARTTLS", S::Bytes(b"220 go\r\n")),
            ("TLS", S::TlsOk),
            ("EHLO", EHLO_AFTER_TLS),
            ("AUTH PLAIN AHVzZXIAaHVudGVyMg==", S::Bytes(b"235 2.7.0 Authentication successful\r\n")),
            ("QUIT", BYE),
        ],
    );
    let (r, _) = judged(587, &run);
    assert_eq!(r.verdict, Verdict::Ok, "{}", r.verdict_reason);
    assert_eq!(r.auth_before_tls, Some(false));
    assert!(r.transcript.iter().any(|l| l == "C: AUTH PLAIN <redacted>"));
    assert!(!r.transcript.iter().any(|l| l.contains("AHVzZXIAaHVudGVyMg")), "{:?}", r.transcript);

    let mut cfg = ClientConfig::probe("probe.test", 587);
    cfg.auth =
        Some(Credentials { mechanism: AuthMechanism::Login, username: "user".into(), password: "hunter2".into() });
    let run = dialogue(
        cfg,
        &[
            ("", BANNER),
            ("EHLO", EHLO_TLS),
            ("STARTTLS", S::Bytes(b"220 go\r\n")),
            ("TLS", S::TlsOk),
            ("EHLO", EHLO_AFTER_TLS),
            ("AUTH LOGIN", S::Bytes(b"334 VXNlcm5hbWU6\r\n")),
            ("dXNlcg==", S::Bytes(b"334 UGFzc3dvcmQ6\r\n")),
            ("aHVudGVyMg==", S::Bytes(b"535 5.7.8 Authentication credentials invalid\r\n")),
            ("QUIT", BYE),
        ],
    );
    let (r, _) = judged(587, &run);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.verdict_reason.contains("AUTH LOGIN refused (535"));
    assert_eq!(r.transcript.iter().filter(|l| *l == "C: <redacted>").count(), 2);

    // A server that keeps challenging gets one cancel ("*"), not an endless exchange.
    let mut cfg = ClientConfig::probe("probe.test", 465);
    cfg.auth = Some(Credentials { mechanism: AuthMechanism::Plain, username: "u".into(), password: "p".into() });
    let run = dialogue(
        cfg,
        &[
            ("TLS", S::TlsOk),
            ("", BANNER),
            ("EHLO", EHLO_AFTER_TLS),
            ("AUTH PLAIN", S::Bytes(b"334 \r\n")),
            ("*", S::Bytes(b"334 \r\n")),
            ("QUIT", BYE),
        ],
    );
    assert_eq!(run.sent.iter().filter(|c| *c == "*").count(), 1, "{:?}", run.sent);
    let (r, _) = judged(465, &run);
    assert_eq!(r.verdict, Verdict::Fail, "{}", r.verdict_reason);

    // Never over plaintext: no TLS offered, so no AUTH is sent at all.
    let mut cfg = ClientConfig::probe("probe.test", 587);
    cfg.auth = Some(Credentials { mechanism: AuthMechanism::Plain, username: "u".into(), password: "p".into() });
    let run = dialogue(cfg, &[("", BANNER), ("EHLO", S::Bytes(b"250-mx\r\n250 AUTH PLAIN\r\n")), ("QUIT", BYE)]);
    assert_eq!(run.sent, ["EHLO probe.test", "QUIT"]);
    let (r, ids) = judged(587, &run);
    assert_eq!(r.auth_before_tls, Some(true));
    assert!(ids.contains(&"smtp.auth_before_tls".to_string()));
    assert!(r.verdict_reason.contains("not attempted: no TLS"));
}

#[test]
fn data_is_sent_only_when_asked() {
    let mut cfg = ClientConfig::probe("probe.test", 25);
    let mut plan = mailbox(&["user@good.test"]);
    plan.message = Some(b"Subject: test\r\n\r\n.hello\r\n".to_vec());
    cfg.mailbox = Some(plan);
    let run = dialogue(
        cfg,
        &[
            ("", BANNER),
            ("EHLO", EHLO_PLAIN),
            ("MAIL", S::Bytes(b"250 Ok\r\n")),
            ("RCPT", S::Bytes(b"250 Ok\r\n")),
            ("DATA", S::Bytes(b"354 End data with <CR><LF>.<CR><LF>\r\n")),
            ("<data>", S::Bytes(b"250 2.0.0 Ok: queued as 1234\r\n")),
            ("RSET", OK),
            ("QUIT", BYE),
        ],
    );
    assert_eq!(run.record.data.iter().map(|r| r.code).collect::<Vec<_>>(), [354, 250]);
    assert!(run.sent.iter().any(|s| s.starts_with("<data")));
}

#[test]
fn injected_line_breaks_are_never_sent() {
    // issue 10 item 3: a CR/LF in an address ends the session before anything is written.
    let mut cfg = ClientConfig::probe("probe.test", 25);
    cfg.mailbox = Some(mailbox(&["\r\nx@good.test"]));
    let run = dialogue(cfg, &[("", BANNER), ("EHLO", EHLO_PLAIN), ("MAIL", S::Bytes(b"250 Ok\r\n"))]);
    assert!(matches!(run.end, Some(SessionEnd::Command(_))), "{:?}", run.end);
    assert!(!run.sent.iter().any(|c| c.starts_with("RCPT")));
    let _ = Command::Quit;
}

#[test]
fn connect_failures_are_judged_by_kind() {
    for (kind, verdict, words) in [
        (ConnectFailureKind::Timeout, Verdict::Inconclusive, "filtered port"),
        (ConnectFailureKind::Refused, Verdict::Fail, "port 25 does not accept connections"),
        (ConnectFailureKind::NotPublic, Verdict::Fail, "private"),
    ] {
        let mut s = ClientSession::new(ClientConfig::probe("probe.test", 25), 0);
        let step = s.on_connect_failed(ConnectFailure { kind, message: "private or refused".into() }, 5);
        assert_eq!(step, Step::Done(None));
        let (r, ids) = judged(25, &Run { record: s.into_record(), sent: vec![], end: None });
        assert!(!r.connected);
        assert_eq!(r.verdict, verdict);
        assert!(r.verdict_reason.contains(words), "{}", r.verdict_reason);
        assert_eq!(ids, ["smtp.unreachable"]);
    }
}

#[test]
fn refusals_are_read_with_the_shared_rule_table() {
    let cases = [
        (
            550,
            "5.4.1 Recipient address rejected: Access denied. [DB5PEPF0000.eurprd04.prod.outlook.com]",
            BounceCause::MailboxUnknown,
        ),
        (
            554,
            "delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0]",
            BounceCause::MailboxUnknown,
        ),
        (
            550,
            "5.1.1 <x@good.test>: Recipient address rejected: User unknown in local recipient table",
            BounceCause::MailboxUnknown,
        ),
        (
            554,
            "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
            BounceCause::Blocklist,
        ),
        (554, "5.7.1 <r@example.org>: Relay access denied", BounceCause::RelayDenied),
        (450, "4.7.1 <u@grey.test>: Recipient address rejected: Greylisted", BounceCause::Greylisting),
    ];
    for (code, text, cause) in cases {
        assert_eq!(reply_cause(&Reply::new(code, &[text])).0, cause, "{code} {text}");
    }
}

#[test]
fn auth_without_tls_is_probed_without_any_secret() {
    // The submission tester's `none` rows: `AUTH PLAIN` alone learns the server's answer.
    for (answer, expect_cancel) in [
        (&b"530 5.7.0 Must issue a STARTTLS command first\r\n"[..], false),
        (&b"538 5.7.11 Encryption required for requested authentication mechanism\r\n"[..], false),
        (&b"334 \r\n"[..], true),
    ] {
        let mut cfg = ClientConfig::probe("probe.test", 587);
        cfg.tls = TlsMode::Off;
        cfg.probe_auth_without_tls = true;
        cfg.auth =
            Some(Credentials { mechanism: AuthMechanism::Plain, username: "user".into(), password: "hunter2".into() });
        let mut script = vec![
            ("", BANNER),
            ("EHLO", S::Bytes(b"250-mx\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n")),
            ("AUTH PLAIN", S::Bytes(answer)),
        ];
        if expect_cancel {
            script.push(("*", S::Bytes(b"501 5.7.0 Authentication aborted\r\n")));
        }
        script.push(("QUIT", BYE));
        let run = dialogue(cfg, &script);
        assert_eq!(run.sent.get(1).map(String::as_str), Some("AUTH PLAIN"), "{:?}", run.sent);
        assert_eq!(run.sent.iter().any(|c| c == "*"), expect_cancel, "{:?}", run.sent);
        for line in run.sent.iter().chain(run.record.transcript.iter()) {
            assert!(!line.contains("AHVzZXIAaHVudGVyMg") && !line.contains("aHVudGVyMg"), "{line}");
        }
        let auth = run.record.auth.as_ref().unwrap();
        assert_eq!(auth.skipped, Some(AuthSkipped::NoTls));
        assert!(auth.reply.is_none());
        assert_eq!(
            auth.without_tls.as_ref().unwrap().code,
            answer[..3].iter().fold(0u16, |a, d| a * 10 + u16::from(d - b'0'))
        );
    }
}
