//! The seam between the verification scheduler and the SMTP client engine, both sans-IO.
//!
//! The scheduler asks for a session as batches of [`Probe`]s ([`Action::OpenSession`]); the SMTP
//! client ([`crate::smtp::client`]) runs a [`MailboxPlan`] and leaves a [`SessionRecord`]. This
//! module turns the first into the second's plan ([`mailbox_plan`]) and the record back into the
//! scheduler's [`SessionResult`] ([`session_result`]), so that every shell (CLI, HTTP, jobs)
//! reads a session the same way. What a refusal *means* stays in [`super::judge`]; this module
//! only says which reply answers which probe and how the session ended.
//!
//! [`Action::OpenSession`]: super::scheduler::Action::OpenSession

use super::judge::RcptReply;
use super::model::Reason;
use super::scheduler::{Probe, ProbeReply, SessionEnd, SessionResult};
use crate::smtp::client::{ConnectFailureKind, MailboxPlan, SessionEnd as ClientEnd, SessionRecord};
use crate::smtp::reply::Reply;

/// Refused recipients after which a session ends (the rest are asked in another session): one
/// under Postfix's `smtpd_soft_error_limit` (10), after which every reply is delayed 1 s.
pub const MAX_REJECTED_PER_SESSION: usize = 9;

/// The client plan for one scheduler session: every probe of every batch as a recipient, in
/// order (the catch-all probe is an ordinary recipient here: the scheduler judges its reply),
/// transactions of at most the largest batch's size separated by RSET, never DATA.
/// `reverse_path` empty means the null sender `<>`.
pub fn mailbox_plan(batches: &[Vec<Probe>], reverse_path: &str) -> MailboxPlan {
    MailboxPlan {
        reverse_path: reverse_path.to_string(),
        params: Vec::new(),
        recipients: batches.iter().flatten().map(|p| p.address.clone()).collect(),
        catch_all: None,
        relay_test: None,
        batch_size: batches.iter().map(Vec::len).max().unwrap_or(1).max(1),
        message: None,
        max_rejected: MAX_REJECTED_PER_SESSION,
    }
}

/// The reply in the scheduler's words.
fn rcpt_reply(r: &Reply) -> RcptReply {
    let lines: Vec<&str> = r.lines.iter().map(String::as_str).collect();
    RcptReply::from_lines(r.code, &lines)
}

/// Whether a session record ended on a failed TLS handshake before any recipient was asked:
/// the caller may run the session again without TLS, as MTAs with opportunistic TLS do
/// (RFC 7435 §1.3; Postfix `smtp_tls_security_level = may`).
pub fn tls_failed_before_rcpt(record: &SessionRecord) -> bool {
    matches!(record.end, Some(ClientEnd::Tls(_))) && record.rcpts.is_empty()
}

/// Reads the client's record of a session run with [`mailbox_plan`]`(batches)`: the answers by
/// probe id, and how the session ended.
///
/// - A refused / timed-out connect is [`SessionEnd::Refused`] / [`SessionEnd::ConnectTimeout`]
///   (the scheduler falls back to the next MX).
/// - A greeting other than 220, a refused EHLO and HELO, or a refused first MAIL FROM before any
///   RCPT is [`SessionEnd::Rejected`] with that reply (the judge reads it as a refusal of the
///   session, never of a mailbox).
/// - A recipient not sent because it needs SMTPUTF8 is [`ProbeReply::Smtputf8Unsupported`].
/// - A break-off (timeout, closed connection, TLS or protocol error) is [`SessionEnd::Failed`]
///   with the replies that came before it; the unanswered probes go back to the scheduler.
pub fn session_result(batches: &[Vec<Probe>], record: &SessionRecord) -> SessionResult {
    let mut replies = Vec::new();
    if let Some(f) = &record.connect_failure {
        let end = match f.kind {
            ConnectFailureKind::Timeout => SessionEnd::ConnectTimeout,
            ConnectFailureKind::Refused => SessionEnd::Refused,
            ConnectFailureKind::NotPublic => SessionEnd::NotAllowed(format!(
                "{} (the target policy refuses addresses that are not public)",
                f.message
            )),
        };
        return SessionResult { end, replies };
    }
    if !record.connected {
        let detail = "No connection was made; nothing is known about the mailbox.".to_string();
        return SessionResult { end: SessionEnd::Failed { reason: Reason::SmtpError, detail }, replies };
    }
    // refusals before any RCPT
    if let Some(b) = &record.banner
        && b.code != 220
    {
        return SessionResult { end: SessionEnd::Rejected(rcpt_reply(b)), replies };
    }
    let greeting_refused = record.ehlo.as_ref().is_some_and(|e| !e.is_positive())
        && record.helo.as_ref().is_some_and(|h| !h.is_positive());
    if greeting_refused && let Some(h) = &record.helo {
        return SessionResult { end: SessionEnd::Rejected(rcpt_reply(h)), replies };
    }
    if record.rcpts.is_empty()
        && let Some(m) = record.mail_from.first()
        && !m.is_positive()
    {
        return SessionResult { end: SessionEnd::Rejected(rcpt_reply(m)), replies };
    }
    // answers, in the order the client sent them (skipped ones never went out)
    let (mut ri, mut si) = (0usize, 0usize);
    for p in batches.iter().flatten() {
        if record.smtputf8_skipped.get(si) == Some(&p.address) {
            replies.push((p.id, ProbeReply::Smtputf8Unsupported));
            si += 1;
        } else if let Some(r) = record.rcpts.get(ri)
            && r.address == p.address
        {
            replies.push((p.id, ProbeReply::Reply(rcpt_reply(&r.reply))));
            ri += 1;
        } else {
            break;
        }
    }
    let end = match &record.end {
        None => SessionEnd::Completed,
        Some(e @ (ClientEnd::Timeout(_) | ClientEnd::SessionDeadline(_))) => SessionEnd::Failed {
            reason: Reason::Timeout,
            detail: format!("The server stopped answering ({e}); nothing is known about the mailbox."),
        },
        Some(e) => SessionEnd::Failed {
            reason: Reason::SmtpError,
            detail: format!("The session broke off ({e}); nothing is known about the mailbox."),
        },
    };
    SessionResult { end, replies }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::client::{ClientConfig, ClientSession, ConnectFailure, Step, TlsMode};

    fn probe(id: u64, address: &str) -> Probe {
        Probe { id, address: address.into(), needs_smtputf8: !address.is_ascii(), catch_all_probe: false }
    }

    /// Runs the real client machine against a scripted server: each reply answers the next
    /// command; `Err` ends the session with that client-side end.
    fn run(batches: &[Vec<Probe>], script: &[&str]) -> SessionRecord {
        let mut cfg = ClientConfig::probe("verifier.test", 25);
        cfg.tls = TlsMode::Off;
        cfg.mailbox = Some(mailbox_plan(batches, ""));
        let mut s = ClientSession::new(cfg, 0);
        let mut step = s.on_connected(0);
        let mut now = 0;
        let mut script = script.iter();
        loop {
            step = match step {
                Step::Done(_) => return s.into_record(),
                Step::Send(_) | Step::SendData(_) | Step::StartTls => s.poll(now),
                Step::Wait(_) => match script.next() {
                    Some(&"TIMEOUT") => {
                        now += 1_000_000;
                        s.poll(now)
                    }
                    Some(&"CLOSE") => s.on_closed(now),
                    Some(r) => {
                        s.on_received(format!("{r}\r\n").as_bytes(), now);
                        s.poll(now)
                    }
                    None => s.on_closed(now),
                },
            };
            now += 1;
        }
    }

    fn codes(r: &SessionResult) -> Vec<(u64, u16)> {
        r.replies
            .iter()
            .map(|(id, rep)| match rep {
                ProbeReply::Reply(x) => (*id, x.code),
                ProbeReply::Smtputf8Unsupported => (*id, 0),
            })
            .collect()
    }

    #[test]
    fn batches_become_transactions_and_replies_map_back_by_id() {
        let batches = vec![vec![probe(7, "a@x.test"), probe(9, "b@x.test")], vec![probe(3, "c@x.test")]];
        let plan = mailbox_plan(&batches, "");
        assert_eq!(plan.batch_size, 2);
        assert_eq!(plan.recipients, ["a@x.test", "b@x.test", "c@x.test"]);
        let rec = run(
            &batches,
            &[
                "220 hi",
                "250 ok",
                "250 ok",
                "250 2.1.5 ok",
                "550 5.1.1 no such user",
                "250 reset",
                "250 ok",
                "250 ok",
                "250 reset",
                "221 bye",
            ],
        );
        let r = session_result(&batches, &rec);
        assert_eq!(r.end, SessionEnd::Completed);
        assert_eq!(codes(&r), [(7, 250), (9, 550), (3, 250)]);
        match &r.replies[1].1 {
            ProbeReply::Reply(x) => {
                assert_eq!(x.enhanced.map(|c| c.to_string()).as_deref(), Some("5.1.1"));
                assert_eq!(x.text, "no such user");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refusals_before_rcpt_are_session_rejections() {
        let b = vec![vec![probe(1, "a@x.test")]];
        let r = session_result(&b, &run(&b, &["554 5.7.1 go away", "221 bye"]));
        assert!(matches!(&r.end, SessionEnd::Rejected(x) if x.code == 554 && x.text == "go away"), "{r:?}");
        let r = session_result(&b, &run(&b, &["421 4.7.0 too busy", "221 bye"]));
        assert!(matches!(&r.end, SessionEnd::Rejected(x) if x.code == 421));
        // EHLO and HELO refused
        let r = session_result(&b, &run(&b, &["220 hi", "502 no ehlo", "550 no helo either", "221 bye"]));
        assert!(matches!(&r.end, SessionEnd::Rejected(x) if x.code == 550 && x.text == "no helo either"));
        // EHLO refused, HELO fine: not a rejection
        let r = session_result(&b, &run(&b, &["220 hi", "502 no", "250 hello", "250 ok", "250 ok", "250 r", "221 b"]));
        assert_eq!(r.end, SessionEnd::Completed);
        assert_eq!(codes(&r), [(1, 250)]);
        // MAIL FROM <> refused
        let r = session_result(&b, &run(&b, &["220 hi", "250 ok", "553 5.7.1 sender rejected", "250 r", "221 b"]));
        assert!(matches!(&r.end, SessionEnd::Rejected(x) if x.code == 553), "{r:?}");
        assert!(r.replies.is_empty());
    }

    #[test]
    fn connect_failures_let_the_scheduler_try_the_next_mx() {
        let b = vec![vec![probe(1, "a@x.test")]];
        for (kind, want) in [
            (ConnectFailureKind::Refused, SessionEnd::Refused),
            (ConnectFailureKind::Timeout, SessionEnd::ConnectTimeout),
        ] {
            let mut s = ClientSession::new(ClientConfig::probe("v.test", 25), 0);
            s.on_connect_failed(ConnectFailure { kind, message: "x".into() }, 5);
            assert_eq!(session_result(&b, &s.into_record()).end, want);
        }
        let mut s = ClientSession::new(ClientConfig::probe("v.test", 25), 0);
        s.on_connect_failed(ConnectFailure { kind: ConnectFailureKind::NotPublic, message: "10.0.0.1".into() }, 5);
        assert!(matches!(
            session_result(&b, &s.into_record()).end,
            SessionEnd::NotAllowed(t) if t.contains("10.0.0.1")
        ));
    }

    #[test]
    fn a_stall_mid_session_keeps_the_answers_before_it() {
        let b = vec![vec![probe(1, "a@x.test"), probe(2, "b@x.test"), probe(3, "c@x.test")]];
        let r = session_result(&b, &run(&b, &["220 hi", "250 ok", "250 ok", "250 ok", "TIMEOUT"]));
        assert!(matches!(r.end, SessionEnd::Failed { reason: Reason::Timeout, .. }), "{r:?}");
        assert_eq!(codes(&r), [(1, 250)]);
        let r = session_result(&b, &run(&b, &["220 hi", "250 ok", "250 ok", "250 ok", "550 no", "CLOSE"]));
        assert!(matches!(r.end, SessionEnd::Failed { reason: Reason::SmtpError, .. }), "{r:?}");
        assert_eq!(codes(&r), [(1, 250), (2, 550)]);
    }

    #[test]
    fn a_session_ends_before_a_tarpitting_receivers_error_limit_and_leaves_the_rest() {
        let batch: Vec<Probe> = (0..12).map(|k| probe(k, &format!("nobody{k}@x.test"))).collect();
        let b = vec![batch];
        let mut script = vec!["220 hi", "250 ok", "250 ok"];
        script.extend(std::iter::repeat_n("550 5.1.1 no such user", 12));
        script.push("221 bye");
        let rec = run(&b, &script);
        assert_eq!(rec.rcpts.len(), MAX_REJECTED_PER_SESSION, "{:?}", rec.transcript);
        assert!(rec.transcript.iter().any(|l| l == "C: QUIT"));
        let r = session_result(&b, &rec);
        assert_eq!(r.end, SessionEnd::Completed);
        assert_eq!(r.replies.len(), MAX_REJECTED_PER_SESSION, "the other 3 go back to the scheduler");
    }

    #[test]
    fn smtputf8_recipients_are_sent_only_to_servers_that_advertise_it() {
        let b = vec![vec![probe(1, "a@x.test"), probe(2, "jörg@x.test"), probe(3, "c@x.test")]];
        // not advertised: the UTF-8 address is not sent, the others are
        let rec = run(&b, &["220 hi", "250 ok", "250 ok", "250 ok", "250 ok", "250 r", "221 b"]);
        assert!(!rec.transcript.iter().any(|l| l.starts_with("C: ") && l.contains("SMTPUTF8")), "{:?}", rec.transcript);
        assert_eq!(rec.smtputf8_skipped, ["jörg@x.test"]);
        let r = session_result(&b, &rec);
        assert_eq!(codes(&r), [(1, 250), (2, 0), (3, 250)]);
        // advertised: MAIL FROM carries SMTPUTF8 and the address is asked
        let rec = run(
            &b,
            &["220 hi", "250-hi\r\n250 SMTPUTF8", "250 ok", "250 ok", "550 5.1.1 unknown", "250 ok", "250 r", "221 b"],
        );
        assert!(rec.transcript.iter().any(|l| l.starts_with("C: MAIL FROM:<> SMTPUTF8")), "{:?}", rec.transcript);
        assert!(rec.smtputf8_skipped.is_empty());
        assert_eq!(codes(&session_result(&b, &rec)), [(1, 250), (2, 550), (3, 250)]);
    }

    #[test]
    fn a_tls_failure_before_rcpt_is_flagged_for_a_plaintext_retry() {
        let b = vec![vec![probe(1, "a@x.test")]];
        let mut cfg = ClientConfig::probe("v.test", 25);
        cfg.mailbox = Some(mailbox_plan(&b, ""));
        let mut s = ClientSession::new(cfg, 0);
        let _ = s.on_connected(0);
        s.on_received(b"220 hi\r\n", 1);
        let _ = s.poll(1);
        s.on_received(b"250-hi\r\n250 STARTTLS\r\n", 2);
        let _ = s.poll(2);
        s.on_received(b"220 go ahead\r\n", 3);
        assert_eq!(s.poll(3), Step::StartTls);
        let _ = s.on_tls_done(crate::smtp::client::TlsResult::Failed("bad record mac".into()), 4);
        let rec = s.into_record();
        assert!(tls_failed_before_rcpt(&rec));
        assert!(matches!(session_result(&b, &rec).end, SessionEnd::Failed { reason: Reason::SmtpError, .. }));
    }
}
