//! The client side of an SMTP session (RFC 5321 §3, §4.1) as a sans-IO state machine.
//!
//! The driver owns the socket, TLS and the clock. It feeds what it reads to
//! [`ClientSession::on_received`] and executes the [`Step`]s the session returns:
//!
//! ```text
//! new(config, now) -> on_connected(now) | on_connect_failed(..)
//! loop: Send(cmd)      -> write cmd.to_wire(), then poll(now)
//!       SendData(b)    -> write b, then poll(now)
//!       StartTls       -> TLS handshake on the same socket, then on_tls_done(..)
//!       Wait(until)    -> read until `until` (ms on the driver's clock): on_received + poll,
//!                         on_closed(now) at EOF, poll(now) when the time has come
//!       Done(end)      -> stop; into_record() is the session record for the judge
//! ```
//!
//! The dialogue follows a [`ClientConfig`]: banner (§4.3.1), EHLO with HELO fallback
//! (§4.1.1.1, §4.1.4), STARTTLS when offered or required (RFC 3207), AUTH PLAIN/LOGIN
//! (RFC 4954), then mail transactions of at most `batch_size` recipients each, separated by
//! RSET (§4.1.1.5), with the caller's catch-all address (its random local part drawn by the
//! caller) and open-relay recipient, optional DATA (§4.1.1.4), and QUIT (§4.1.1.10). Every
//! wait has a deadline (§4.5.3.2 lists the server's; a probe is more impatient), replies are
//! bounded by the decoder, and the transcript is bounded and redacts AUTH secrets.

use super::command::{AuthMechanism, Command, Param, dot_stuff};
use super::reply::{Reply, ReplyDecoder, ReplyError, ReplyLimits};
use super::report::{Capabilities, CertInfo, DaneInfo};
use crate::smtp::{implicit_tls_port, printable};

/// Deadlines of a session, milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// For the greeting (RFC 5321 §4.5.3.2.1 allows 5 minutes; probes are impatient).
    pub banner_ms: u64,
    /// For each command's reply and for the TLS handshake.
    pub command_ms: u64,
    /// For the reply to QUIT (a courtesy; its absence changes nothing).
    pub quit_ms: u64,
    /// For the whole session.
    pub session_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { banner_ms: 20_000, command_ms: 15_000, quit_ms: 2_000, session_ms: 60_000 }
    }
}

/// How TLS is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS from the first byte (port 465, RFC 8314 §3.3).
    Implicit,
    /// STARTTLS when the server offers it (RFC 3207 §4), plaintext otherwise.
    Opportunistic,
    /// STARTTLS or nothing: the session ends before MAIL/AUTH if TLS cannot be set up.
    Required,
    /// Never TLS.
    Off,
}

/// Credentials for AUTH (RFC 4954); never written to the transcript.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The mechanism to use.
    pub mechanism: AuthMechanism,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ mechanism: {:?}, username: {:?}, password: <redacted> }}",
            self.mechanism, self.username
        )
    }
}

/// Mail transactions to run after the greeting (RFC 5321 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxPlan {
    /// The reverse-path (empty = the null sender `<>`).
    pub reverse_path: String,
    /// MAIL FROM parameters (SMTPUTF8, SIZE, ...).
    pub params: Vec<Param>,
    /// Addresses to check with RCPT TO.
    pub recipients: Vec<String>,
    /// An address whose local part the caller drew at random (`x-3f9c…@domain`); accepted
    /// means the domain accepts everything (catch-all), so RCPT results prove nothing.
    pub catch_all: Option<String>,
    /// A foreign recipient for the open-relay test (RFC 5321 §7.1, RFC 2505 §2).
    pub relay_test: Option<String>,
    /// Most recipients per transaction; transactions are separated by RSET. RFC 5321
    /// §4.5.3.1.8 makes servers accept at least 100.
    pub batch_size: usize,
    /// A message to send with DATA when a transaction has an accepted recipient; `None`
    /// (the probe) never sends DATA.
    pub message: Option<Vec<u8>>,
    /// Stop asking (QUIT) after this many refused recipients in the session; 0 = no limit.
    /// Receivers tarpit clients that collect errors: Postfix sleeps `smtpd_error_sleep_time`
    /// (1 s) before every reply once `smtpd_soft_error_limit` (10) errors were counted in the
    /// session (RSET does not reset it) and disconnects at `smtpd_hard_error_limit` (20). The
    /// recipients not asked are left for another session.
    pub max_rejected: usize,
}

/// What a session does and within which bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The name sent in EHLO/HELO.
    pub ehlo_name: String,
    /// The port connected to (for the record; 465 implies [`TlsMode::Implicit`]).
    pub port: u16,
    /// How TLS is used.
    pub tls: TlsMode,
    /// AUTH after the greeting (and after TLS), for submission tests.
    pub auth: Option<Credentials>,
    /// Refuse to send credentials without TLS (RFC 8314 §3.3, RFC 4954 §4). Default on.
    pub auth_requires_tls: bool,
    /// Without TLS, when the server advertises the mechanism anyway, send `AUTH <mechanism>`
    /// alone (no initial response, so no secret) to learn what the server would answer — 530
    /// 5.7.0 "must issue STARTTLS first", 538 5.7.11 "encryption required" or a 334 challenge —
    /// and cancel a challenge with `*` (RFC 4954 §4). The submission tester's `none` rows. Default off.
    pub probe_auth_without_tls: bool,
    /// Mail transactions, if any.
    pub mailbox: Option<MailboxPlan>,
    /// Deadlines.
    pub timeouts: Timeouts,
    /// Reply bounds.
    pub limits: ReplyLimits,
    /// Most transcript lines kept.
    pub max_transcript: usize,
}

impl ClientConfig {
    /// A probe of `port` with defaults: implicit TLS on 465, opportunistic STARTTLS elsewhere.
    pub fn probe(ehlo_name: &str, port: u16) -> Self {
        ClientConfig {
            ehlo_name: ehlo_name.to_string(),
            port,
            tls: if implicit_tls_port(port) { TlsMode::Implicit } else { TlsMode::Opportunistic },
            auth: None,
            auth_requires_tls: true,
            probe_auth_without_tls: false,
            mailbox: None,
            timeouts: Timeouts::default(),
            limits: ReplyLimits::default(),
            max_transcript: 400,
        }
    }
}

/// What the driver does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Write this command (`to_wire()`; it was validated), then `poll`.
    Send(Command),
    /// Write these bytes (a dot-stuffed message with its end marker), then `poll`.
    SendData(Vec<u8>),
    /// Run the TLS handshake on the connection, then call `on_tls_done`. Every byte read
    /// before has been consumed or discarded; nothing read in plaintext may be kept.
    StartTls,
    /// Read until this time (ms on the driver's clock), then `poll` again.
    Wait(u64),
    /// The session is over; `None` when it ran to its end.
    Done(Option<SessionEnd>),
}

/// Why a connection could not be made (the driver's words, typed for the judge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailureKind {
    /// No answer within the connect deadline (filtered port or unreachable host).
    Timeout,
    /// The address is not public and the target policy refuses it.
    NotPublic,
    /// Refused, reset or another error.
    Refused,
}

/// A failed connection attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectFailure {
    /// The kind.
    pub kind: ConnectFailureKind,
    /// The driver's message.
    pub message: String,
}

/// What ended a session early.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionEnd {
    /// No reply within the step's deadline.
    #[error("no reply within {0} ms")]
    Timeout(u64),
    /// The whole-session deadline passed.
    #[error("session deadline of {0} ms reached")]
    SessionDeadline(u64),
    /// The server closed the connection.
    #[error("the server closed the connection")]
    Closed,
    /// The reply stream broke a bound or the grammar.
    #[error("{0}")]
    Reply(#[from] ReplyError),
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(String),
    /// A command could not be written (bad argument): nothing was sent.
    #[error("command not sent: {0}")]
    Command(#[from] super::command::CommandError),
    /// A reply arrived where none was expected (e.g. during the TLS handshake).
    #[error("unexpected reply {0} while no command was pending")]
    Unexpected(u16),
}

/// The TLS facts the driver observed (version, cipher, certificate, DANE).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TlsFacts {
    /// `TLSv1.3`, ...
    pub version: Option<String>,
    /// The negotiated cipher suite.
    pub cipher: Option<String>,
    /// The certificate as assessed by the driver's verifier.
    pub cert: Option<CertInfo>,
    /// DANE TLSA check, when records were published.
    pub dane: Option<DaneInfo>,
}

/// The handshake's result, as the driver reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsResult {
    /// TLS is up.
    Established(Box<TlsFacts>),
    /// The handshake failed.
    Failed(String),
    /// The handshake did not finish within this many ms.
    TimedOut(u64),
}

/// Why a recipient was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RcptRole {
    /// A caller's address.
    Mailbox,
    /// The random catch-all address.
    CatchAll,
    /// The foreign open-relay recipient.
    RelayTest,
}

/// One RCPT TO and its reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RcptRecord {
    /// The address.
    pub address: String,
    /// Why it was asked.
    pub role: RcptRole,
    /// The reply.
    pub reply: Reply,
}

/// The AUTH exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRecord {
    /// The mechanism.
    pub mechanism: AuthMechanism,
    /// The final reply (235 = authenticated), `None` when AUTH was not attempted.
    pub reply: Option<Reply>,
    /// Why it was not attempted.
    pub skipped: Option<AuthSkipped>,
    /// With [`ClientConfig::probe_auth_without_tls`]: the server's answer to the secret-less
    /// `AUTH <mechanism>` sent without TLS (530, 538, or 334 when it would take the secret in clear).
    pub without_tls: Option<Reply>,
}

/// Why AUTH was not attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthSkipped {
    /// The server does not offer the mechanism.
    NotOffered,
    /// No TLS, and credentials are never sent in clear.
    NoTls,
}

/// Everything a session observed; the judge ([`crate::smtp::judge`]) turns it into verdicts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionRecord {
    /// The port.
    pub port: u16,
    /// TLS from the first byte.
    pub implicit_tls: bool,
    /// STARTTLS was required by the config.
    pub tls_required: bool,
    /// The connection attempt failed.
    pub connect_failure: Option<ConnectFailure>,
    /// TCP connected.
    pub connected: bool,
    /// Connect time, ms.
    pub connect_ms: Option<u64>,
    /// The greeting.
    pub banner: Option<Reply>,
    /// Time to the greeting after connect (after the handshake on implicit TLS), ms.
    pub banner_ms: Option<u64>,
    /// The EHLO reply (before TLS).
    pub ehlo: Option<Reply>,
    /// The HELO reply, when EHLO was refused.
    pub helo: Option<Reply>,
    /// Capabilities before TLS (or over implicit TLS); empty after a HELO fallback.
    pub capabilities: Option<Capabilities>,
    /// The reply to STARTTLS.
    pub starttls_reply: Option<Reply>,
    /// Bytes the server sent after STARTTLS's 220 and before the handshake (RFC 3207 §6,
    /// CVE-2011-0411); they were discarded.
    pub plaintext_after_starttls: Option<usize>,
    /// TLS facts, when TLS was established.
    pub tls: Option<TlsFacts>,
    /// Capabilities after STARTTLS.
    pub capabilities_after_tls: Option<Capabilities>,
    /// The AUTH exchange.
    pub auth: Option<AuthRecord>,
    /// MAIL FROM replies, one per transaction.
    pub mail_from: Vec<Reply>,
    /// RCPT TO replies in order.
    pub rcpts: Vec<RcptRecord>,
    /// Recipients not sent: their address is not ASCII and the server did not advertise
    /// SMTPUTF8 (RFC 6531 §3.4: such a recipient must not be sent to it).
    pub smtputf8_skipped: Vec<String>,
    /// Replies to DATA and to the message (354, then 250 or an error).
    pub data: Vec<Reply>,
    /// What ended the session early.
    pub end: Option<SessionEnd>,
    /// Session time, ms.
    pub elapsed_ms: u64,
    /// `C: ` client, `S: ` server, `* ` notes; AUTH secrets redacted; bounded.
    pub transcript: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthStage {
    /// Waiting for the reply to AUTH PLAIN with its initial response.
    Plain,
    /// Waiting for the 334 to AUTH LOGIN.
    LoginStart,
    /// Waiting for the 334 after the user name.
    LoginUser,
    /// Waiting for the final reply after the password.
    LoginPassword,
    /// Waiting for the reply to the secret-less `AUTH <mechanism>` sent without TLS.
    ProbeWithoutTls,
    /// Waiting for the reply to the `*` that cancelled the challenge of that probe.
    ProbeCancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    ImplicitHandshake,
    Banner,
    Ehlo,
    Helo,
    StartTls,
    Handshake,
    EhloAfterTls,
    Auth(AuthStage),
    MailFrom,
    Rcpt,
    Data,
    DataBody,
    Rset,
    Quit,
    Done,
}

/// The client session machine.
#[derive(Debug, Clone)]
pub struct ClientSession {
    config: ClientConfig,
    phase: Phase,
    decoder: ReplyDecoder,
    record: SessionRecord,
    started: u64,
    connected_at: u64,
    deadline: u64,
    step_timeout: u64,
    /// All recipients in order, with their role.
    queue: Vec<(String, RcptRole)>,
    /// Next recipient index.
    next_rcpt: usize,
    /// Recipients sent in the current transaction.
    in_batch: usize,
    /// Accepted recipients in the current transaction.
    accepted_in_batch: usize,
    /// Refused recipients in the session.
    rejected: usize,
}

impl ClientSession {
    /// A session starting at `now` (ms on the driver's clock).
    pub fn new(config: ClientConfig, now: u64) -> Self {
        let mut queue = Vec::new();
        if let Some(plan) = &config.mailbox {
            queue.extend(plan.recipients.iter().map(|a| (a.clone(), RcptRole::Mailbox)));
            queue.extend(plan.catch_all.iter().map(|a| (a.clone(), RcptRole::CatchAll)));
            queue.extend(plan.relay_test.iter().map(|a| (a.clone(), RcptRole::RelayTest)));
        }
        let record = SessionRecord {
            port: config.port,
            implicit_tls: config.tls == TlsMode::Implicit,
            tls_required: config.tls == TlsMode::Required,
            ..SessionRecord::default()
        };
        ClientSession {
            decoder: ReplyDecoder::new(config.limits),
            config,
            phase: Phase::Connecting,
            record,
            started: now,
            connected_at: now,
            deadline: u64::MAX,
            step_timeout: 0,
            queue,
            next_rcpt: 0,
            in_batch: 0,
            accepted_in_batch: 0,
            rejected: 0,
        }
    }

    /// The record so far.
    pub fn record(&self) -> &SessionRecord {
        &self.record
    }

    /// The record, consuming the session.
    pub fn into_record(self) -> SessionRecord {
        self.record
    }

    /// Whether the session is over.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Adds a `* ` note to the transcript (the driver's own observations).
    pub fn note(&mut self, text: &str) {
        self.push_transcript("* ", text);
    }

    fn push_transcript(&mut self, prefix: &str, text: &str) {
        let max = self.config.max_transcript;
        if self.record.transcript.len() < max {
            self.record.transcript.push(format!("{prefix}{}", printable(text)));
        } else if self.record.transcript.len() == max {
            self.record.transcript.push("* transcript truncated".to_string());
        }
    }

    /// The connection could not be made: the session is over.
    pub fn on_connect_failed(&mut self, failure: ConnectFailure, now: u64) -> Step {
        self.note(&format!("connect failed: {}", failure.message));
        self.record.connect_failure = Some(failure);
        self.finish(now, None)
    }

    /// TCP is up at `now`.
    pub fn on_connected(&mut self, now: u64) -> Step {
        self.record.connected = true;
        self.record.connect_ms = Some(now.saturating_sub(self.started));
        self.connected_at = now;
        self.note(&format!("connected in {} ms", now.saturating_sub(self.started)));
        if self.config.tls == TlsMode::Implicit {
            self.phase = Phase::ImplicitHandshake;
            self.note("TLS handshake");
            return Step::StartTls;
        }
        self.expect(Phase::Banner, now, self.config.timeouts.banner_ms)
    }

    /// Bytes read from the connection. A bound broken here ends the session at the next poll.
    pub fn on_received(&mut self, bytes: &[u8], now: u64) {
        let _ = now;
        // An error is kept inside the decoder and returned by the next `next_reply`.
        let _ = self.decoder.push(bytes);
    }

    /// The server closed the connection.
    pub fn on_closed(&mut self, now: u64) -> Step {
        match self.phase {
            Phase::Done => Step::Done(self.record.end.clone()),
            Phase::Quit => self.finish(now, None),
            _ => {
                self.note(&format!("session ended: {}", SessionEnd::Closed));
                self.finish(now, Some(SessionEnd::Closed))
            }
        }
    }

    /// Reading or writing failed.
    pub fn on_io_error(&mut self, message: &str, now: u64) -> Step {
        match self.phase {
            Phase::Done => Step::Done(self.record.end.clone()),
            Phase::Quit => self.finish(now, None),
            _ => {
                let e = SessionEnd::Io(message.to_string());
                self.note(&format!("session ended: {e}"));
                self.finish(now, Some(e))
            }
        }
    }

    /// Decodes what was received and advances: the next step.
    pub fn poll(&mut self, now: u64) -> Step {
        if self.phase == Phase::Done {
            return Step::Done(self.record.end.clone());
        }
        if matches!(self.phase, Phase::Handshake | Phase::ImplicitHandshake | Phase::Connecting) {
            return Step::Wait(self.deadline.min(self.session_deadline()));
        }
        match self.decoder.next_reply() {
            Ok(Some(reply)) => return self.on_reply(reply, now),
            Ok(None) => {}
            Err(e) => {
                if self.phase == Phase::Quit {
                    return self.finish(now, None);
                }
                self.note(&format!("session ended: {e}"));
                return self.finish(now, Some(SessionEnd::Reply(e)));
            }
        }
        if now >= self.session_deadline() {
            if self.phase == Phase::Quit {
                return self.finish(now, None);
            }
            let e = SessionEnd::SessionDeadline(self.config.timeouts.session_ms);
            self.note(&e.to_string());
            return self.finish(now, Some(e));
        }
        if now >= self.deadline {
            if self.phase == Phase::Quit {
                return self.finish(now, None);
            }
            let e = SessionEnd::Timeout(self.step_timeout);
            self.note(&format!("session ended: {e}"));
            return self.finish(now, Some(e));
        }
        Step::Wait(self.deadline.min(self.session_deadline()))
    }

    fn session_deadline(&self) -> u64 {
        self.started.saturating_add(self.config.timeouts.session_ms)
    }

    /// The TLS handshake finished (after STARTTLS or at the start of an implicit-TLS session).
    pub fn on_tls_done(&mut self, result: TlsResult, now: u64) -> Step {
        let implicit = match self.phase {
            Phase::ImplicitHandshake => true,
            Phase::Handshake => false,
            _ => return self.finish(now, Some(SessionEnd::Tls("TLS result without a handshake".into()))),
        };
        match result {
            TlsResult::Established(facts) => {
                self.record.tls = Some(*facts);
                // Nothing read before the handshake survives it.
                self.decoder = ReplyDecoder::new(self.config.limits);
                if implicit {
                    self.connected_at = now;
                    self.expect(Phase::Banner, now, self.config.timeouts.banner_ms)
                } else {
                    self.send(Command::Ehlo(self.config.ehlo_name.clone()), Phase::EhloAfterTls, now)
                }
            }
            TlsResult::Failed(msg) => {
                self.note(&format!("TLS handshake failed: {msg}"));
                let e = SessionEnd::Tls(msg);
                self.note(&format!("session ended: {e}"));
                self.finish(now, Some(e))
            }
            TlsResult::TimedOut(ms) => {
                let e = SessionEnd::Timeout(ms);
                self.note(&format!("session ended: {e}"));
                self.finish(now, Some(e))
            }
        }
    }

    fn expect(&mut self, phase: Phase, now: u64, timeout: u64) -> Step {
        self.phase = phase;
        self.step_timeout = timeout;
        self.deadline = now.saturating_add(timeout);
        self.poll(now)
    }

    fn send(&mut self, cmd: Command, phase: Phase, now: u64) -> Step {
        if let Err(e) = cmd.line() {
            self.note(&format!("command not sent: {e}"));
            return self.finish(now, Some(SessionEnd::Command(e)));
        }
        self.push_transcript("C: ", &cmd.redacted());
        let timeout = if phase == Phase::Quit { self.config.timeouts.quit_ms } else { self.config.timeouts.command_ms };
        self.phase = phase;
        self.step_timeout = timeout;
        self.deadline = now.saturating_add(timeout);
        Step::Send(cmd)
    }

    fn quit(&mut self, now: u64) -> Step {
        self.send(Command::Quit, Phase::Quit, now)
    }

    fn finish(&mut self, now: u64, end: Option<SessionEnd>) -> Step {
        if self.record.end.is_none() {
            self.record.end = end;
        }
        self.record.elapsed_ms = now.saturating_sub(self.started);
        self.phase = Phase::Done;
        Step::Done(self.record.end.clone())
    }

    /// A complete reply arrived (normally through [`ClientSession::poll`]).
    pub fn on_reply(&mut self, reply: Reply, now: u64) -> Step {
        for line in reply.wire_lines() {
            self.push_transcript("S: ", &line);
        }
        match self.phase {
            Phase::Banner => {
                self.record.banner_ms = Some(now.saturating_sub(self.connected_at));
                let ok = reply.code == 220;
                self.record.banner = Some(reply);
                if ok {
                    self.send(Command::Ehlo(self.config.ehlo_name.clone()), Phase::Ehlo, now)
                } else {
                    // 421 / 554 greeting: the server refuses this session (RFC 5321 §3.1, §4.3.1).
                    self.quit(now)
                }
            }
            Phase::Ehlo => {
                let ok = reply.is_positive();
                if ok {
                    self.record.capabilities = Some(Capabilities::from_ehlo(&reply));
                }
                self.record.ehlo = Some(reply);
                if ok {
                    self.after_greeting(now)
                } else {
                    // RFC 5321 §4.1.4: a client may fall back to HELO when EHLO is refused.
                    self.send(Command::Helo(self.config.ehlo_name.clone()), Phase::Helo, now)
                }
            }
            Phase::Helo => {
                let ok = reply.is_positive();
                self.record.helo = Some(reply);
                if ok {
                    self.record.capabilities = Some(Capabilities::default());
                    self.after_greeting(now)
                } else {
                    self.quit(now)
                }
            }
            Phase::StartTls => {
                let ok = reply.code == 220;
                self.record.starttls_reply = Some(reply);
                if ok {
                    let pending = self.decoder.discard_pending();
                    if pending > 0 {
                        // RFC 3207 §6 / CVE-2011-0411: bytes that came in plaintext after the
                        // 220 must never be read as if they were protected by TLS.
                        self.record.plaintext_after_starttls = Some(pending);
                        self.note(&format!("discarded {pending} bytes sent before the TLS handshake"));
                    }
                    self.phase = Phase::Handshake;
                    self.step_timeout = self.config.timeouts.command_ms;
                    self.deadline = now.saturating_add(self.step_timeout);
                    self.note("TLS handshake");
                    Step::StartTls
                } else {
                    self.note("STARTTLS advertised but refused");
                    if self.config.tls == TlsMode::Required { self.quit(now) } else { self.after_tls(now) }
                }
            }
            Phase::EhloAfterTls => {
                if reply.is_positive() {
                    self.record.capabilities_after_tls = Some(Capabilities::from_ehlo(&reply));
                }
                self.after_tls(now)
            }
            Phase::Auth(stage) => self.on_auth_reply(stage, reply, now),
            Phase::MailFrom => {
                let ok = reply.is_positive();
                self.record.mail_from.push(reply);
                self.in_batch = 0;
                self.accepted_in_batch = 0;
                if ok {
                    self.next_in_transaction(now)
                } else {
                    // No transaction: skip the remaining recipients.
                    self.next_rcpt = self.queue.len();
                    self.send(Command::Rset, Phase::Rset, now)
                }
            }
            Phase::Rcpt => {
                let (address, role) = self.queue.get(self.next_rcpt).cloned().unwrap_or_default_pair();
                let refused = !reply.is_positive();
                if !refused {
                    self.accepted_in_batch += 1;
                }
                self.record.rcpts.push(RcptRecord { address, role, reply });
                self.next_rcpt += 1;
                self.in_batch += 1;
                if refused {
                    self.rejected += 1;
                    let max = self.config.mailbox.as_ref().map_or(0, |p| p.max_rejected);
                    if max > 0 && self.rejected >= max && self.next_rcpt < self.queue.len() {
                        self.note(&format!("{max} recipients refused in this session: the rest wait for another"));
                        return self.quit(now);
                    }
                }
                self.next_in_transaction(now)
            }
            Phase::Data => {
                let go = reply.code == 354;
                self.record.data.push(reply);
                let message = self.config.mailbox.as_ref().and_then(|p| p.message.clone());
                match (go, message) {
                    (true, Some(m)) => {
                        self.push_transcript("C: ", &format!("<message, {} bytes>", m.len()));
                        self.phase = Phase::DataBody;
                        self.step_timeout = self.config.timeouts.command_ms;
                        self.deadline = now.saturating_add(self.step_timeout);
                        Step::SendData(dot_stuff(&m))
                    }
                    _ => self.send(Command::Rset, Phase::Rset, now),
                }
            }
            Phase::DataBody => {
                self.record.data.push(reply);
                self.send(Command::Rset, Phase::Rset, now)
            }
            Phase::Rset => {
                if self.next_rcpt < self.queue.len() {
                    self.mail_from(now)
                } else {
                    self.quit(now)
                }
            }
            Phase::Quit => self.finish(now, None),
            Phase::Connecting | Phase::ImplicitHandshake | Phase::Handshake | Phase::Done => {
                let e = SessionEnd::Unexpected(reply.code);
                self.finish(now, Some(e))
            }
        }
    }

    /// After EHLO/HELO: STARTTLS when offered (or required), else on.
    fn after_greeting(&mut self, now: u64) -> Step {
        let offered = self.record.capabilities.as_ref().is_some_and(|c| c.starttls);
        match self.config.tls {
            TlsMode::Opportunistic | TlsMode::Required if offered => self.send(Command::StartTls, Phase::StartTls, now),
            TlsMode::Required => {
                self.note("STARTTLS required but not offered");
                self.quit(now)
            }
            _ => self.after_tls(now),
        }
    }

    /// After TLS (or without it): AUTH, then the mail transactions, then QUIT.
    fn after_tls(&mut self, now: u64) -> Step {
        if self.config.tls == TlsMode::Required && self.record.tls.is_none() {
            return self.quit(now);
        }
        if let Some(creds) = self.config.auth.clone()
            && self.record.auth.is_none()
        {
            let caps = self.record.capabilities_after_tls.as_ref().or(self.record.capabilities.as_ref());
            let offered = caps.is_some_and(|c| c.auth.iter().any(|m| m == creds.mechanism.name()));
            let skipped = if self.config.auth_requires_tls && self.record.tls.is_none() {
                Some(AuthSkipped::NoTls)
            } else if !offered {
                Some(AuthSkipped::NotOffered)
            } else {
                None
            };
            self.record.auth = Some(AuthRecord { mechanism: creds.mechanism, reply: None, skipped, without_tls: None });
            if skipped == Some(AuthSkipped::NoTls) && offered && self.config.probe_auth_without_tls {
                // No initial response: nothing secret is on this line (RFC 4954 §4).
                return self.send(
                    Command::Auth { mechanism: creds.mechanism, initial_response: None },
                    Phase::Auth(AuthStage::ProbeWithoutTls),
                    now,
                );
            }
            if skipped.is_none() {
                return match creds.mechanism {
                    AuthMechanism::Plain => self.send(
                        Command::auth_plain(&creds.username, &creds.password),
                        Phase::Auth(AuthStage::Plain),
                        now,
                    ),
                    AuthMechanism::Login => self.send(
                        Command::Auth { mechanism: AuthMechanism::Login, initial_response: None },
                        Phase::Auth(AuthStage::LoginStart),
                        now,
                    ),
                };
            }
        }
        self.start_mail(now)
    }

    fn on_auth_reply(&mut self, stage: AuthStage, reply: Reply, now: u64) -> Step {
        match stage {
            AuthStage::ProbeWithoutTls => {
                let challenged = reply.code == 334;
                if let Some(a) = self.record.auth.as_mut() {
                    a.without_tls = Some(reply);
                }
                if challenged {
                    // The server would take the secret in clear: cancel, never answer.
                    return self.send(Command::AuthResponse("*".into()), Phase::Auth(AuthStage::ProbeCancel), now);
                }
                return self.start_mail(now);
            }
            AuthStage::ProbeCancel => return self.start_mail(now),
            _ => {}
        }
        let creds = self.config.auth.clone();
        let next = match (stage, reply.code, creds) {
            (AuthStage::LoginStart, 334, Some(c)) => Some((Command::auth_response(&c.username), AuthStage::LoginUser)),
            (AuthStage::LoginUser, 334, Some(c)) => {
                Some((Command::auth_response(&c.password), AuthStage::LoginPassword))
            }
            _ => None,
        };
        if let Some((cmd, stage)) = next {
            return self.send(cmd, Phase::Auth(stage), now);
        }
        let cancelled = self.record.auth.as_ref().is_some_and(|a| a.reply.is_some());
        if reply.code == 334 && !cancelled {
            // A challenge we cannot answer: cancel the exchange once (RFC 4954 §4: "*").
            if let Some(a) = self.record.auth.as_mut() {
                a.reply = Some(reply);
            }
            return self.send(Command::AuthResponse("*".into()), Phase::Auth(AuthStage::LoginPassword), now);
        }
        if let Some(a) = self.record.auth.as_mut() {
            a.reply = Some(reply);
        }
        self.start_mail(now)
    }

    fn start_mail(&mut self, now: u64) -> Step {
        if self.config.mailbox.is_some() && (self.next_rcpt < self.queue.len() || self.record.mail_from.is_empty()) {
            self.mail_from(now)
        } else {
            self.quit(now)
        }
    }

    fn mail_from(&mut self, now: u64) -> Step {
        let Some(plan) = self.config.mailbox.as_ref() else { return self.quit(now) };
        let mut params = plan.params.clone();
        // RFC 6531 §3.4: a transaction with a non-ASCII path carries SMTPUTF8 (only offered
        // servers get such paths at all, see `next_in_transaction`).
        let batch = plan.batch_size.max(1);
        let end = self.next_rcpt.saturating_add(batch).min(self.queue.len());
        let utf8_ahead = !plan.reverse_path.is_ascii()
            || self.queue.get(self.next_rcpt..end).is_some_and(|q| q.iter().any(|(a, _)| !a.is_ascii()));
        if utf8_ahead && self.smtputf8_offered() && !params.iter().any(|p| p.keyword.eq_ignore_ascii_case("SMTPUTF8")) {
            params.push(Param::smtputf8());
        }
        let cmd = Command::MailFrom { reverse_path: plan.reverse_path.clone(), params };
        self.send(cmd, Phase::MailFrom, now)
    }

    /// Whether the server advertised SMTPUTF8 (after TLS when TLS is up).
    fn smtputf8_offered(&self) -> bool {
        let caps = if self.record.tls.is_some() {
            self.record.capabilities_after_tls.as_ref().or(self.record.capabilities.as_ref())
        } else {
            self.record.capabilities.as_ref()
        };
        caps.is_some_and(|c| c.smtputf8)
    }

    /// Next RCPT of the transaction, or DATA / RSET at its end.
    fn next_in_transaction(&mut self, now: u64) -> Step {
        let batch = self.config.mailbox.as_ref().map(|p| p.batch_size.max(1)).unwrap_or(1);
        // a non-ASCII recipient is never sent to a server without SMTPUTF8 (RFC 6531 §3.4)
        if !self.smtputf8_offered() {
            while let Some((address, _)) = self.queue.get(self.next_rcpt)
                && !address.is_ascii()
            {
                let address = address.clone();
                self.note(&format!("not sent (needs SMTPUTF8, not advertised): {address}"));
                self.record.smtputf8_skipped.push(address);
                self.next_rcpt += 1;
            }
        }
        if self.in_batch < batch
            && let Some((address, _)) = self.queue.get(self.next_rcpt)
        {
            let cmd = Command::RcptTo { forward_path: address.clone(), params: Vec::new() };
            return self.send(cmd, Phase::Rcpt, now);
        }
        let has_message = self.config.mailbox.as_ref().is_some_and(|p| p.message.is_some());
        if has_message && self.accepted_in_batch > 0 {
            return self.send(Command::Data, Phase::Data, now);
        }
        self.send(Command::Rset, Phase::Rset, now)
    }
}

trait PairDefault {
    fn unwrap_or_default_pair(self) -> (String, RcptRole);
}

impl PairDefault for Option<(String, RcptRole)> {
    fn unwrap_or_default_pair(self) -> (String, RcptRole) {
        self.unwrap_or((String::new(), RcptRole::Mailbox))
    }
}
