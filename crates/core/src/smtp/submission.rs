//! The SMTP submission tester (issue 12): which port × security combinations of a server work
//! for a mail client, why the others fail, and the setting to recommend. Pure logic over the
//! client machine's [`SessionRecord`]s; the server drives the sessions
//! (`server/src/submission.rs`).
//!
//! The flow the driver follows:
//!
//! 1. [`plan`]: the combinations to try (`auto` = every port of [`AUTO_PORTS`] × every
//!    [`Security`]), each a discovery session built by [`session_config`] (no password is sent;
//!    without TLS a secret-less `AUTH <mechanism>` learns the server's 530 / 538 / 334 answer).
//! 2. [`row_result`] turns each record into a matrix row.
//! 3. [`login_candidates`]: the rows where a password may be sent (TLS up, a certificate naming
//!    the host, PLAIN or LOGIN offered), best first; the driver logs in on them one
//!    at a time and stops at the first AUTH answer ([`login_settled`]); only an accepted login
//!    is repeated on the other candidates, so a wrong password is one failed attempt on the
//!    account, never one per combination.
//! 4. [`finish`]: explanations that need two rows (implicit TLS spoken to a STARTTLS port and the
//!    reverse), the recommendation ([`recommend`]) and the findings.
//!
//! Every failure is explained from ONE table, [`FAILURES`]: reply code / enhanced code / text
//! patterns (provider texts included) and the connection or TLS facts, each row pointing at its
//! catalog entry (`submission.*`: explanation with its source, fix).

use super::client::{
    AuthSkipped, ClientConfig, ConnectFailureKind, Credentials, MailboxPlan, RcptRole, SessionEnd, SessionRecord,
    Timeouts, TlsMode,
};
use super::command::AuthMechanism;
use super::reply::{Reply, ReplyLimits};
use crate::findings::catalog::submission as cat;
use crate::findings::{Finding, FindingSpec};
use crate::verdict::word_enum;
use serde::{Deserialize, Serialize};

/// The ports `auto` tries: relay (25, RFC 5321), submissions (465, RFC 8314 §3.3), submission
/// (587, RFC 6409 §3.1) and the common alternative 2525.
pub const AUTO_PORTS: [u16; 4] = [25, 465, 587, 2525];

/// Most logins one test makes (a row whose session never reached AUTH does not settle it).
pub const MAX_LOGIN_ATTEMPTS: usize = 3;

word_enum! {
    /// How a client protects the session.
    pub enum Security {
        /// TLS from the first byte (RFC 8314 §3.3; "SSL/TLS" in mail clients).
        Implicit => "implicit",
        /// Clear text, then STARTTLS (RFC 3207).
        Starttls => "starttls",
        /// No encryption at all.
        Plaintext => "none",
    }
}

/// Every security mode, in the order `auto` tries them.
pub const AUTO_SECURITY: [Security; 3] = [Security::Implicit, Security::Starttls, Security::Plaintext];

impl Security {
    /// How mail clients label it.
    pub fn label(self) -> &'static str {
        match self {
            Security::Implicit => "implicit TLS",
            Security::Starttls => "STARTTLS",
            Security::Plaintext => "no encryption",
        }
    }
}

/// One port × security combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Combo {
    /// The port.
    pub port: u16,
    /// The security mode.
    pub security: Security,
}

/// The combinations to try: `None` is `auto` (every value). Ports first in [`AUTO_PORTS`] order.
pub fn plan(port: Option<u16>, security: Option<Security>) -> Vec<Combo> {
    let ports: Vec<u16> = port.map(|p| vec![p]).unwrap_or_else(|| AUTO_PORTS.to_vec());
    let securities: Vec<Security> = security.map(|s| vec![s]).unwrap_or_else(|| AUTO_SECURITY.to_vec());
    ports.iter().flat_map(|&port| securities.iter().map(move |&security| Combo { port, security })).collect()
}

/// How much a combination is preferred (lower first): 587 STARTTLS, then 465 implicit TLS
/// (RFC 8314 §3.3 prefers implicit TLS; both are what providers document), then 2525, then 25.
pub fn preference(combo: Combo) -> u8 {
    match (combo.port, combo.security) {
        (587, Security::Starttls) => 0,
        (465, Security::Implicit) => 1,
        (2525, Security::Starttls) => 2,
        (2525, Security::Implicit) => 3,
        (587, Security::Implicit) => 4,
        (465, Security::Starttls) => 5,
        (25, Security::Starttls) => 6,
        (25, Security::Implicit) => 7,
        (_, Security::Plaintext) => u8::MAX,
        _ => 8,
    }
}

/// The client configuration of one session. `credentials` are for a login session (only ever
/// used over TLS: `auth_requires_tls` stays on); on a [`Security::Plaintext`] row they only
/// arm the secret-less AUTH probe. `mailbox` is the optional test send.
pub fn session_config(
    combo: Combo,
    ehlo_name: &str,
    timeouts: Timeouts,
    limits: ReplyLimits,
    credentials: Option<Credentials>,
    mailbox: Option<MailboxPlan>,
) -> ClientConfig {
    ClientConfig {
        ehlo_name: ehlo_name.to_string(),
        port: combo.port,
        tls: match combo.security {
            Security::Implicit => TlsMode::Implicit,
            Security::Starttls => TlsMode::Required,
            Security::Plaintext => TlsMode::Off,
        },
        auth: credentials,
        auth_requires_tls: true,
        probe_auth_without_tls: combo.security == Security::Plaintext,
        mailbox,
        timeouts,
        limits,
        max_transcript: 200,
    }
}

word_enum! {
    /// Why a combination (or its login, or the test send) failed: the rows of [`FAILURES`].
    pub enum FailureKind {
        /// 535 5.7.8: wrong user name or password.
        BadCredentials => "bad_credentials",
        /// 534 5.7.9: two-step verification, an app password is required.
        AppPasswordRequired => "app_password_required",
        /// 535 5.7.139: Microsoft 365 SMTP AUTH disabled for the mailbox.
        SmtpAuthDisabled => "smtp_auth_disabled",
        /// 530 5.7.0: STARTTLS first.
        StarttlsRequired => "starttls_required",
        /// 538 5.7.11: encryption required for the mechanism.
        EncryptionRequired => "encryption_required",
        /// 454 4.7.0: temporary authentication failure.
        AuthTemporaryFailure => "auth_temporary_failure",
        /// 530 5.7.0 without a TLS hint: authentication required.
        AuthenticationRequired => "authentication_required",
        /// Any other refusal of AUTH.
        AuthRefused => "auth_refused",
        /// AUTH not advertised before STARTTLS.
        AuthNotOfferedBeforeTls => "auth_not_offered_before_tls",
        /// A 334 challenge over clear text.
        AuthCleartextAccepted => "auth_cleartext_accepted",
        /// No PLAIN / LOGIN even after TLS.
        AuthNotOffered => "auth_not_offered",
        /// STARTTLS not advertised.
        StarttlsNotOffered => "starttls_not_offered",
        /// Refused or time-out on port 25.
        Port25Blocked => "port25_blocked",
        /// Refused on another port.
        ConnectionRefused => "connection_refused",
        /// Time-out on another port.
        ConnectionTimeout => "connection_timeout",
        /// Connected, no greeting.
        NoGreeting => "no_greeting",
        /// A TLS handshake answered with clear text.
        ImplicitTlsOnStarttlsPort => "implicit_tls_on_starttls_port",
        /// Clear text waiting on a TLS-first port.
        StarttlsOnImplicitPort => "starttls_on_implicit_port",
        /// Another TLS handshake failure.
        TlsFailed => "tls_failed",
        /// The certificate does not name the host.
        CertNameMismatch => "cert_name_mismatch",
        /// The certificate does not chain to a trusted root.
        CertUntrusted => "cert_untrusted",
        /// MAIL FROM refused after login (sender not owned by the user).
        SenderNotOwned => "sender_not_owned",
        /// The test message was refused otherwise.
        SendRefused => "send_refused",
    }
}

/// One row of the failure table: what a reply must look like to mean this failure (all given
/// parts must match; a row with neither code nor pattern is a fact row, chosen by the session's
/// facts instead of a reply), and the catalog entry that explains it.
#[derive(Debug, Clone, Copy)]
pub struct FailureRow {
    /// The failure.
    pub kind: FailureKind,
    /// The reply code, when the row reads replies.
    pub code: Option<u16>,
    /// The enhanced status code (RFC 3463), when it matters.
    pub enhanced: Option<&'static str>,
    /// Lower-case fragments of the reply text, any of which must occur (empty: any text).
    pub text: &'static [&'static str],
    /// The explanation, its source and the fix.
    pub finding: &'static FindingSpec,
}

const fn fact(kind: FailureKind, finding: &'static FindingSpec) -> FailureRow {
    FailureRow { kind, code: None, enhanced: None, text: &[], finding }
}

/// THE failure table. Reply rows are read in order, first match wins (so the specific
/// Microsoft 5.7.139 and the provider texts come before the generic 535); fact rows carry the
/// explanations of what the session observed without a reply.
pub static FAILURES: &[FailureRow] = &[
    // Microsoft 365: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox."
    FailureRow {
        kind: FailureKind::SmtpAuthDisabled,
        code: None,
        enhanced: Some("5.7.139"),
        text: &[],
        finding: &cat::SUBMISSION_SMTP_AUTH_DISABLED,
    },
    FailureRow {
        kind: FailureKind::SmtpAuthDisabled,
        code: None,
        enhanced: None,
        text: &["smtpclientauthentication is disabled"],
        finding: &cat::SUBMISSION_SMTP_AUTH_DISABLED,
    },
    // Google: "534-5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor"
    FailureRow {
        kind: FailureKind::AppPasswordRequired,
        code: None,
        enhanced: None,
        text: &["application-specific password", "app password", "invalidsecondfactor"],
        finding: &cat::SUBMISSION_APP_PASSWORD_REQUIRED,
    },
    FailureRow {
        kind: FailureKind::AppPasswordRequired,
        code: Some(534),
        enhanced: Some("5.7.9"),
        text: &[],
        finding: &cat::SUBMISSION_APP_PASSWORD_REQUIRED,
    },
    // Postfix/Dovecot "535 5.7.8 Error: authentication failed", Gmail "535-5.7.8 Username and Password not accepted".
    FailureRow {
        kind: FailureKind::BadCredentials,
        code: Some(535),
        enhanced: Some("5.7.8"),
        text: &[],
        finding: &cat::SUBMISSION_BAD_CREDENTIALS,
    },
    // Microsoft: "535 5.7.3 Authentication unsuccessful".
    FailureRow {
        kind: FailureKind::BadCredentials,
        code: Some(535),
        enhanced: None,
        text: &[],
        finding: &cat::SUBMISSION_BAD_CREDENTIALS,
    },
    // RFC 3207 §4: "530 5.7.0 Must issue a STARTTLS command first".
    FailureRow {
        kind: FailureKind::StarttlsRequired,
        code: Some(530),
        enhanced: None,
        text: &["starttls", "tls first", "encryption first"],
        finding: &cat::SUBMISSION_STARTTLS_REQUIRED,
    },
    // RFC 4954 §6: "530 5.7.0 Authentication required".
    FailureRow {
        kind: FailureKind::AuthenticationRequired,
        code: Some(530),
        enhanced: None,
        text: &[],
        finding: &cat::SUBMISSION_AUTHENTICATION_REQUIRED,
    },
    // RFC 4954 §6: "538 5.7.11 Encryption required for requested authentication mechanism".
    FailureRow {
        kind: FailureKind::EncryptionRequired,
        code: Some(538),
        enhanced: None,
        text: &[],
        finding: &cat::SUBMISSION_ENCRYPTION_REQUIRED,
    },
    FailureRow {
        kind: FailureKind::EncryptionRequired,
        code: None,
        enhanced: Some("5.7.11"),
        text: &[],
        finding: &cat::SUBMISSION_ENCRYPTION_REQUIRED,
    },
    // RFC 4954 §6: "454 4.7.0 Temporary authentication failure".
    FailureRow {
        kind: FailureKind::AuthTemporaryFailure,
        code: Some(454),
        enhanced: None,
        text: &[],
        finding: &cat::SUBMISSION_AUTH_TEMPORARY_FAILURE,
    },
    // Postfix reject_sender_login_mismatch: "553 5.7.1 <x@y>: Sender address rejected: not owned by user u".
    FailureRow {
        kind: FailureKind::SenderNotOwned,
        code: None,
        enhanced: None,
        text: &["not owned by user", "not owned by"],
        finding: &cat::SUBMISSION_SENDER_NOT_OWNED,
    },
    fact(FailureKind::AuthRefused, &cat::SUBMISSION_AUTH_REFUSED),
    fact(FailureKind::AuthNotOfferedBeforeTls, &cat::SUBMISSION_AUTH_NOT_OFFERED_BEFORE_TLS),
    fact(FailureKind::AuthCleartextAccepted, &cat::SUBMISSION_AUTH_CLEARTEXT_ACCEPTED),
    fact(FailureKind::AuthNotOffered, &cat::SUBMISSION_AUTH_NOT_OFFERED),
    fact(FailureKind::StarttlsNotOffered, &cat::SUBMISSION_STARTTLS_NOT_OFFERED),
    fact(FailureKind::Port25Blocked, &cat::SUBMISSION_PORT25_BLOCKED),
    fact(FailureKind::ConnectionRefused, &cat::SUBMISSION_CONNECTION_REFUSED),
    fact(FailureKind::ConnectionTimeout, &cat::SUBMISSION_CONNECTION_TIMEOUT),
    fact(FailureKind::NoGreeting, &cat::SUBMISSION_NO_GREETING),
    fact(FailureKind::ImplicitTlsOnStarttlsPort, &cat::SUBMISSION_IMPLICIT_TLS_ON_STARTTLS_PORT),
    fact(FailureKind::StarttlsOnImplicitPort, &cat::SUBMISSION_STARTTLS_ON_IMPLICIT_PORT),
    fact(FailureKind::TlsFailed, &cat::SUBMISSION_TLS_FAILED),
    fact(FailureKind::CertNameMismatch, &cat::SUBMISSION_CERT_NAME_MISMATCH),
    fact(FailureKind::CertUntrusted, &cat::SUBMISSION_CERT_UNTRUSTED),
    fact(FailureKind::SendRefused, &cat::SUBMISSION_SEND_REFUSED),
];

impl FailureRow {
    fn is_reply_row(&self) -> bool {
        self.code.is_some() || self.enhanced.is_some() || !self.text.is_empty()
    }

    fn matches(&self, reply: &Reply, text: &str) -> bool {
        self.is_reply_row()
            && self.code.is_none_or(|c| c == reply.code)
            && self.enhanced.is_none_or(|e| reply.enhanced_text().as_deref() == Some(e))
            && (self.text.is_empty() || self.text.iter().any(|t| text.contains(t)))
    }
}

/// The table row of a failure (every kind has one; the table test checks it).
pub fn failure_row(kind: FailureKind) -> &'static FailureRow {
    FAILURES.iter().find(|r| r.kind == kind).unwrap_or(&FAILURES[FAILURES.len() - 1])
}

/// The first reply row of [`FAILURES`] a negative reply matches.
pub fn classify_reply(reply: &Reply) -> Option<FailureKind> {
    if reply.is_positive() {
        return None;
    }
    let text = reply.text().to_ascii_lowercase();
    FAILURES.iter().find(|r| r.matches(reply, &text)).map(|r| r.kind)
}

/// A failure with its explanation (source cited), fix and source, as rows and logins carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explained {
    /// The table row.
    pub failure: FailureKind,
    /// The catalog explanation, citing its source.
    pub explanation: String,
    /// What to do.
    pub fix: String,
    /// The RFC section or provider document.
    pub source: String,
}

/// The explanation of a failure, from its table row's catalog entry.
pub fn explain(kind: FailureKind) -> Explained {
    let f = failure_row(kind).finding.emit();
    Explained { failure: kind, explanation: f.explanation, fix: f.fix, source: f.reference }
}

/// The certificate facts a mail client decides on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFacts {
    /// Chains to a trusted root and is in its validity period.
    pub trusted: bool,
    /// A subjectAltName matches the host name (RFC 6125 §6.4).
    pub hostname_match: bool,
    /// notAfter, RFC 3339 UTC.
    pub not_after: Option<String>,
    /// Subject DN.
    pub subject: String,
    /// subjectAltNames.
    pub sans: Vec<String>,
    /// Issuer DN.
    pub issuer: String,
    /// Why it is not trusted.
    pub trust_error: Option<String>,
}

/// The login of a row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    /// Credentials were sent (over TLS) on this row.
    pub attempted: bool,
    /// 235: authenticated.
    pub ok: bool,
    /// The mechanism used (or probed without TLS).
    pub mechanism: Option<String>,
    /// The final reply code to AUTH (or to the secret-less AUTH of a `none` row).
    pub code: Option<u16>,
    /// Its enhanced status code.
    pub enhanced_code: Option<String>,
    /// The exact reply, lines as on the wire joined by `\n`.
    pub reply: Option<String>,
    /// The failure's table row, when the login failed or could not happen.
    pub failure: Option<FailureKind>,
    /// Its explanation, citing the source.
    pub explanation: Option<String>,
    /// Its fix.
    pub fix: Option<String>,
    /// Its source (RFC section or provider document).
    pub source: Option<String>,
}

impl Login {
    fn explained(&mut self, kind: FailureKind) {
        let e = explain(kind);
        self.failure = Some(kind);
        self.explanation = Some(e.explanation);
        self.fix = Some(e.fix);
        self.source = Some(e.source);
    }

    fn set_reply(&mut self, reply: &Reply) {
        self.code = Some(reply.code);
        self.enhanced_code = reply.enhanced_text();
        self.reply = Some(wire_text(reply));
    }
}

fn wire_text(reply: &Reply) -> String {
    reply.wire_lines().iter().map(|l| crate::smtp::printable(l)).collect::<Vec<_>>().join("\n")
}

/// One matrix row: a port × security combination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionResult {
    /// The port.
    pub port: u16,
    /// The security mode.
    pub security: Security,
    /// TCP connected.
    pub connected: bool,
    /// The 220 greeting.
    pub banner: Option<String>,
    /// The negotiated TLS version.
    pub tls_version: Option<String>,
    /// The certificate, when TLS came up.
    pub cert: Option<CertFacts>,
    /// AUTH mechanisms offered where a login would happen: after STARTTLS, over implicit TLS,
    /// or in clear text on a `none` row.
    pub auth_mechanisms: Vec<String>,
    /// AUTH was advertised on the clear-text connection (before STARTTLS).
    pub auth_before_tls: bool,
    /// The mechanisms advertised before STARTTLS.
    pub auth_mechanisms_before_tls: Vec<String>,
    /// STARTTLS advertised (clear-text rows).
    pub starttls_offered: bool,
    /// The login.
    pub login: Login,
    /// This combination works for a mail client (TLS up, a certificate naming the host, AUTH
    /// offered; with credentials: login accepted).
    pub usable: bool,
    /// Why the combination itself failed (connection, TLS, certificate), when it did.
    pub failure: Option<FailureKind>,
    /// Its explanation, citing the source.
    pub explanation: Option<String>,
    /// Its fix.
    pub fix: Option<String>,
    /// Its source.
    pub source: Option<String>,
    /// The driver's error (connect, TLS or reply error).
    pub error: Option<String>,
    /// Session time, ms.
    pub elapsed_ms: u64,
    /// `C: ` client, `S: ` server, `* ` notes; AUTH secrets redacted.
    pub transcript: Vec<String>,
}

impl SubmissionResult {
    fn explained(&mut self, kind: FailureKind) {
        let e = explain(kind);
        self.failure = Some(kind);
        self.explanation = Some(e.explanation);
        self.fix = Some(e.fix);
        self.source = Some(e.source);
    }

    fn combo(&self) -> Combo {
        Combo { port: self.port, security: self.security }
    }

    /// The certificate names the host: the password may be sent. An untrusted chain (a
    /// private CA, self-signed) is reported and ranked lower, but a mail client can be told
    /// to accept it; a certificate for another name is an impostor's as far as anyone knows.
    fn cert_names_host(&self) -> bool {
        self.cert.as_ref().is_some_and(|c| c.hostname_match)
    }

    fn cert_trusted(&self) -> bool {
        self.cert.as_ref().is_some_and(|c| c.trusted)
    }

    fn auth_mechanism(&self) -> Option<AuthMechanism> {
        let has = |m: &str| self.auth_mechanisms.iter().any(|x| x.eq_ignore_ascii_case(m));
        if has("PLAIN") {
            Some(AuthMechanism::Plain)
        } else if has("LOGIN") {
            Some(AuthMechanism::Login)
        } else {
            None
        }
    }
}

/// Whether a TLS handshake error says the peer answered in clear text (an SMTP greeting
/// read as a TLS record): rustls reports an invalid content type or a corrupt message.
fn looks_like_cleartext_answer(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    ["invalidcontenttype", "invalid content type", "corrupt message", "wrong version number", "http request"]
        .iter()
        .any(|p| e.contains(p))
}

/// A matrix row from a session record. `credentials_given`: the user asked for a login, so a
/// row where it could not happen says why.
pub fn row_result(combo: Combo, rec: &SessionRecord, credentials_given: bool) -> SubmissionResult {
    let mut r = SubmissionResult {
        port: combo.port,
        security: combo.security,
        connected: rec.connected,
        banner: rec.banner.as_ref().map(|b| b.text()),
        tls_version: rec.tls.as_ref().and_then(|t| t.version.clone()),
        cert: rec.tls.as_ref().and_then(|t| t.cert.as_ref()).map(|c| CertFacts {
            trusted: c.trusted,
            hostname_match: c.hostname_match,
            not_after: c.not_after.clone(),
            subject: c.subject.clone(),
            sans: c.sans.clone(),
            issuer: c.issuer.clone(),
            trust_error: c.trust_error.clone(),
        }),
        auth_mechanisms: Vec::new(),
        auth_before_tls: false,
        auth_mechanisms_before_tls: Vec::new(),
        starttls_offered: rec.capabilities.as_ref().is_some_and(|c| c.starttls),
        login: Login::default(),
        usable: false,
        failure: None,
        explanation: None,
        fix: None,
        source: None,
        error: rec
            .connect_failure
            .as_ref()
            .map(|f| f.message.clone())
            .or_else(|| rec.end.as_ref().map(|e| e.to_string())),
        elapsed_ms: rec.elapsed_ms,
        transcript: rec.transcript.clone(),
    };
    let before = rec.capabilities.as_ref().map(|c| c.auth.clone()).unwrap_or_default();
    match combo.security {
        Security::Implicit => r.auth_mechanisms = before,
        Security::Starttls => {
            r.auth_before_tls = !before.is_empty();
            r.auth_mechanisms_before_tls = before;
            r.auth_mechanisms = rec.capabilities_after_tls.as_ref().map(|c| c.auth.clone()).unwrap_or_default();
        }
        Security::Plaintext => {
            r.auth_before_tls = !before.is_empty();
            r.auth_mechanisms_before_tls = before.clone();
            r.auth_mechanisms = before;
        }
    }

    // The combination itself: connection, greeting, TLS, certificate.
    if let Some(f) = &rec.connect_failure {
        match (&f.kind, combo.port) {
            (ConnectFailureKind::NotPublic, _) => {}
            (_, 25) => r.explained(FailureKind::Port25Blocked),
            (ConnectFailureKind::Timeout, _) => r.explained(FailureKind::ConnectionTimeout),
            (ConnectFailureKind::Refused, _) => r.explained(FailureKind::ConnectionRefused),
        }
        return r;
    }
    if !rec.connected {
        return r;
    }
    let tls_failed = matches!(rec.end, Some(SessionEnd::Tls(_))) && rec.tls.is_none();
    if combo.security == Security::Implicit && tls_failed && rec.banner.is_none() {
        let msg = rec.end.as_ref().map(|e| e.to_string()).unwrap_or_default();
        r.explained(if looks_like_cleartext_answer(&msg) {
            FailureKind::ImplicitTlsOnStarttlsPort
        } else {
            FailureKind::TlsFailed
        });
        return r;
    }
    if combo.security == Security::Implicit && rec.banner.is_none() && rec.tls.is_none() {
        // The handshake timed out (or the connection closed during it).
        r.explained(FailureKind::TlsFailed);
        return r;
    }
    if rec.banner.is_none() {
        r.explained(if combo.port == 465 { FailureKind::StarttlsOnImplicitPort } else { FailureKind::NoGreeting });
        return r;
    }
    if combo.security == Security::Starttls {
        if !r.starttls_offered && rec.capabilities.is_some() {
            r.explained(FailureKind::StarttlsNotOffered);
            return r;
        }
        if tls_failed || rec.tls.is_none() {
            if rec.capabilities.is_some() {
                r.explained(FailureKind::TlsFailed);
            }
            return r;
        }
    }
    if let Some(c) = &r.cert {
        if !c.hostname_match {
            r.explained(FailureKind::CertNameMismatch);
        } else if !c.trusted {
            r.explained(FailureKind::CertUntrusted);
        }
    }

    // The login.
    login_of(&mut r, rec, credentials_given);
    let auth_ok = if credentials_given { r.login.ok } else { r.auth_mechanism().is_some() };
    r.usable = combo.security != Security::Plaintext && r.tls_version.is_some() && r.cert_names_host() && auth_ok;
    r
}

fn login_of(r: &mut SubmissionResult, rec: &SessionRecord, credentials_given: bool) {
    let auth = rec.auth.as_ref();
    if let Some(a) = auth {
        r.login.mechanism = Some(a.mechanism.name().to_string());
    }
    if r.security == Security::Plaintext {
        match auth.and_then(|a| a.without_tls.as_ref()) {
            Some(reply) if reply.code == 334 => {
                r.login.set_reply(reply);
                r.login.explained(FailureKind::AuthCleartextAccepted);
            }
            Some(reply) => {
                r.login.set_reply(reply);
                r.login.explained(classify_reply(reply).unwrap_or(FailureKind::AuthRefused));
            }
            None if !r.auth_before_tls && r.starttls_offered => r.login.explained(FailureKind::AuthNotOfferedBeforeTls),
            None if credentials_given && !r.auth_before_tls => r.login.explained(FailureKind::AuthNotOffered),
            None => {}
        }
        return;
    }
    if r.tls_version.is_none() {
        return;
    }
    match auth {
        Some(a) if a.skipped.is_none() => {
            r.login.attempted = true;
            if let Some(reply) = &a.reply {
                r.login.set_reply(reply);
                r.login.ok = reply.code == 235;
                if !r.login.ok {
                    let kind = classify_reply(reply).unwrap_or(if reply.is_transient() {
                        FailureKind::AuthTemporaryFailure
                    } else {
                        FailureKind::AuthRefused
                    });
                    r.login.explained(kind);
                }
            }
        }
        Some(a) if a.skipped == Some(AuthSkipped::NotOffered) => r.login.explained(FailureKind::AuthNotOffered),
        _ if rec.capabilities_after_tls.is_some() || r.security == Security::Implicit => {
            if r.auth_mechanism().is_none() {
                if credentials_given {
                    r.login.explained(FailureKind::AuthNotOffered);
                }
            } else if credentials_given && !r.cert_names_host() {
                // The password is never sent to a certificate for another name.
                if let Some(kind) = r.failure {
                    r.login.explained(kind);
                }
            }
        }
        _ => {}
    }
}

/// The rows a password may be sent on, best first, with the mechanism to use (PLAIN before
/// LOGIN): TLS up, a certificate naming the host (trusted ones first), PLAIN or LOGIN offered.
pub fn login_candidates(results: &[SubmissionResult]) -> Vec<(Combo, AuthMechanism)> {
    let mut c: Vec<(Combo, AuthMechanism)> = results
        .iter()
        .filter(|r| r.security != Security::Plaintext && r.tls_version.is_some() && r.cert_names_host())
        .filter_map(|r| r.auth_mechanism().map(|m| (r.combo(), m)))
        .collect();
    let trusted = |combo: &Combo| {
        results.iter().any(|r| r.port == combo.port && r.security == combo.security && r.cert_trusted())
    };
    c.sort_by_key(|(combo, _)| (!trusted(combo), preference(*combo)));
    c
}

/// Whether a login row settles the test: the server answered AUTH (accepted or refused, the
/// same account gives the same answer on another port). A row whose session ended before AUTH
/// does not, and the next candidate is tried.
pub fn login_settled(result: &SubmissionResult) -> bool {
    result.login.attempted && result.login.code.is_some()
}

/// The recommended setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The port.
    pub port: u16,
    /// The security mode.
    pub security: Security,
    /// The AUTH mechanism (`PLAIN` or `LOGIN`).
    pub auth: String,
    /// In words: "port 587, STARTTLS, AUTH PLAIN".
    pub text: String,
}

/// The best usable row: with credentials, one whose login succeeded; without, one with TLS, a
/// certificate naming the host and AUTH offered. A trusted certificate first, then 587 STARTTLS
/// before 465 implicit TLS before the rest ([`preference`]); PLAIN before LOGIN. `None` when
/// nothing works.
pub fn recommend(results: &[SubmissionResult]) -> Option<Recommendation> {
    let best = results.iter().filter(|r| r.usable).min_by_key(|r| (!r.cert_trusted(), preference(r.combo())))?;
    let auth = if best.login.ok {
        best.login.mechanism.clone().unwrap_or_else(|| "PLAIN".into())
    } else {
        best.auth_mechanism().map(|m| m.name().to_string())?
    };
    Some(Recommendation {
        port: best.port,
        security: best.security,
        text: format!("port {}, {}, AUTH {auth}", best.port, best.security.label()),
        auth,
    })
}

/// The optional test send's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSend {
    /// The recipient.
    pub to: String,
    /// The sender (MAIL FROM and From:).
    pub from: String,
    /// The row it was sent through, when a login succeeded.
    pub port: Option<u16>,
    /// Its security.
    pub security: Option<Security>,
    /// MAIL FROM was sent.
    pub attempted: bool,
    /// The message was accepted (250 after DATA).
    pub accepted: bool,
    /// The last reply's code.
    pub code: Option<u16>,
    /// Its enhanced code.
    pub enhanced_code: Option<String>,
    /// The exact last reply.
    pub reply: Option<String>,
    /// Why it was not sent or refused.
    pub failure: Option<FailureKind>,
    /// Its explanation.
    pub explanation: Option<String>,
}

/// The test send of a login session: the first refusal (MAIL FROM, RCPT TO, DATA, the
/// message) or the final 250.
pub fn send_result(to: &str, from: &str, login: Option<(Combo, &SessionRecord)>) -> TestSend {
    let mut s = TestSend { to: to.to_string(), from: from.to_string(), ..TestSend::default() };
    let Some((combo, rec)) = login else {
        s.explanation = Some("not sent: no login succeeded".into());
        return s;
    };
    s.port = Some(combo.port);
    s.security = Some(combo.security);
    let logged_in = rec.auth.as_ref().and_then(|a| a.reply.as_ref()).is_some_and(|r| r.code == 235);
    if !logged_in {
        s.explanation = Some("not sent: the login did not succeed".into());
        return s;
    }
    s.attempted = !rec.mail_from.is_empty();
    let replies = rec
        .mail_from
        .iter()
        .chain(rec.rcpts.iter().filter(|x| x.role == RcptRole::Mailbox).map(|x| &x.reply))
        .chain(rec.data.iter());
    let mut last = None;
    for reply in replies {
        last = Some(reply);
        if !reply.is_positive() && reply.code != 354 {
            break;
        }
    }
    if let Some(reply) = last {
        s.code = Some(reply.code);
        s.enhanced_code = reply.enhanced_text();
        s.reply = Some(wire_text(reply));
        s.accepted = reply.is_positive() && rec.data.len() >= 2;
        if !s.accepted {
            let kind = match classify_reply(reply) {
                Some(FailureKind::SenderNotOwned) => FailureKind::SenderNotOwned,
                _ => FailureKind::SendRefused,
            };
            s.failure = Some(kind);
            s.explanation = Some(explain(kind).explanation);
        }
    } else if let Some(e) = &rec.end {
        s.explanation = Some(format!("not sent: {e}"));
    }
    s
}

/// The test message (RFC 5322): the caller passes the date and Message-ID (the core reads no
/// clock and draws no randomness). `None` when an argument would break a header line.
pub fn test_message(from: &str, to: &str, via: &str, date: &str, message_id: &str) -> Option<Vec<u8>> {
    if [from, to, via, date, message_id].iter().any(|s| s.chars().any(|c| c.is_control())) {
        return None;
    }
    Some(
        format!(
            "From: <{from}>\r\nTo: <{to}>\r\nSubject: Inboxlens SMTP test via {via}\r\nDate: {date}\r\n\
             Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Auto-Submitted: auto-generated\r\nX-Inboxlens-Test: smtp-test\r\n\r\n\
             This message was sent by `inboxlens smtp-test` to check an SMTP submission setting:\r\n{via}.\r\n\
             It was accepted after authentication, so this setting can send mail.\r\n"
        )
        .into_bytes(),
    )
}

/// The mail transaction of the test send.
pub fn send_plan(from: &str, to: &str, message: Vec<u8>) -> MailboxPlan {
    MailboxPlan {
        reverse_path: from.to_string(),
        params: Vec::new(),
        recipients: vec![to.to_string()],
        catch_all: None,
        relay_test: None,
        batch_size: 1,
        message: Some(message),
        max_rejected: 0,
    }
}

/// The whole answer of `smtp-test` (the JSON contract of `--json` and `POST /api/smtp-test`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionReport {
    /// The host tested.
    pub host: String,
    /// The address connected to.
    pub ip: Option<String>,
    /// One row per port × security combination, in plan order.
    pub results: Vec<SubmissionResult>,
    /// The best working setting, `null` when nothing works.
    pub recommended: Option<Recommendation>,
    /// Credentials were given (a login was asked for).
    pub login_requested: bool,
    /// The optional test send.
    pub send: Option<TestSend>,
    /// The catalog findings (`submission.*`), one per failure kind with every row as evidence.
    pub findings: Vec<Finding>,
}

/// Cross-row explanations: a port that greets only over implicit TLS explains the silent
/// clear-text rows on it, and a port that greets in clear text explains the failed implicit
/// handshakes on it.
pub fn explain_matrix(results: &mut [SubmissionResult]) {
    let implicit_ok: Vec<u16> =
        results.iter().filter(|r| r.security == Security::Implicit && r.banner.is_some()).map(|r| r.port).collect();
    let cleartext_ok: Vec<u16> =
        results.iter().filter(|r| r.security != Security::Implicit && r.banner.is_some()).map(|r| r.port).collect();
    for r in results.iter_mut() {
        match (r.security, r.failure) {
            (Security::Starttls | Security::Plaintext, Some(FailureKind::NoGreeting))
                if implicit_ok.contains(&r.port) =>
            {
                r.explained(FailureKind::StarttlsOnImplicitPort)
            }
            (Security::Implicit, Some(FailureKind::TlsFailed)) if cleartext_ok.contains(&r.port) => {
                r.explained(FailureKind::ImplicitTlsOnStarttlsPort)
            }
            _ => {}
        }
    }
}

/// Completes a report: cross-row explanations, recommendation, findings.
pub fn finish(
    host: &str,
    ip: Option<String>,
    mut results: Vec<SubmissionResult>,
    send: Option<TestSend>,
    login_requested: bool,
) -> SubmissionReport {
    explain_matrix(&mut results);
    let recommended = recommend(&results);
    let findings = findings(&results, send.as_ref());
    SubmissionReport { host: host.to_string(), ip, results, recommended, login_requested, send, findings }
}

/// One finding per failure kind seen, with each row's evidence (`port 587 STARTTLS: 535 ...`).
pub fn findings(results: &[SubmissionResult], send: Option<&TestSend>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut add = |kind: FailureKind, evidence: String| {
        let spec = failure_row(kind).finding;
        match out.iter_mut().find(|f| f.id == spec.id) {
            Some(f) => f.evidence.push(evidence),
            None => {
                let mut f = spec.emit().detail(evidence.clone());
                f.evidence.push(evidence);
                out.push(f);
            }
        }
    };
    for r in results {
        let at = format!("port {} {}", r.port, r.security.label());
        if let Some(kind) = r.failure {
            let what = match (&r.cert, kind) {
                (Some(c), FailureKind::CertNameMismatch) => format!("the certificate names {}", c.sans.join(", ")),
                (Some(c), FailureKind::CertUntrusted) => {
                    c.trust_error.clone().unwrap_or_else(|| format!("issued by {}", c.issuer))
                }
                _ => r.error.clone().unwrap_or_else(|| kind.as_str().replace('_', " ")),
            };
            add(kind, format!("{at}: {what}"));
        }
        if let Some(kind) = r.login.failure
            && Some(kind) != r.failure
        {
            let what =
                r.login.reply.clone().map(|x| x.replace('\n', " ")).unwrap_or_else(|| kind.as_str().replace('_', " "));
            add(kind, format!("{at}: {what}"));
        }
    }
    if let Some(s) = send
        && let Some(kind) = s.failure
    {
        add(kind, format!("test send to {}: {}", s.to, s.reply.clone().unwrap_or_default().replace('\n', " ")));
    }
    for f in out.iter_mut().filter(|f| f.evidence.len() > 1) {
        f.detail = Some(f.evidence.join("; "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::client::{AuthRecord, ConnectFailure, TlsFacts};
    use crate::smtp::report::{Capabilities, CertInfo};

    fn reply(code: u16, text: &str) -> Reply {
        Reply::new(code, &[text])
    }

    #[test]
    fn every_kind_has_a_row_and_every_row_a_catalog_entry() {
        for row in FAILURES {
            assert!(crate::findings::catalog::by_id(row.finding.id).is_some(), "{}", row.finding.id);
            assert_eq!(row.finding.id, format!("submission.{}", row.kind.as_str()), "row and entry agree");
            assert!(!row.finding.reference.is_empty());
            let e = explain(row.kind);
            assert!(e.explanation.contains(&e.source) || e.explanation.contains(e.source.split(';').next().unwrap()));
        }
        for kind in [
            FailureKind::BadCredentials,
            FailureKind::AppPasswordRequired,
            FailureKind::SmtpAuthDisabled,
            FailureKind::StarttlsRequired,
            FailureKind::EncryptionRequired,
            FailureKind::AuthTemporaryFailure,
            FailureKind::AuthenticationRequired,
            FailureKind::AuthRefused,
            FailureKind::AuthNotOfferedBeforeTls,
            FailureKind::AuthCleartextAccepted,
            FailureKind::AuthNotOffered,
            FailureKind::StarttlsNotOffered,
            FailureKind::Port25Blocked,
            FailureKind::ConnectionRefused,
            FailureKind::ConnectionTimeout,
            FailureKind::NoGreeting,
            FailureKind::ImplicitTlsOnStarttlsPort,
            FailureKind::StarttlsOnImplicitPort,
            FailureKind::TlsFailed,
            FailureKind::CertNameMismatch,
            FailureKind::CertUntrusted,
            FailureKind::SenderNotOwned,
            FailureKind::SendRefused,
        ] {
            assert_eq!(failure_row(kind).kind, kind, "{kind} has a row");
        }
    }

    #[test]
    fn reply_table() {
        let cases: &[(u16, &str, Option<FailureKind>)] = &[
            (535, "5.7.8 Error: authentication failed: authentication failure", Some(FailureKind::BadCredentials)),
            (
                535,
                "5.7.8 Username and Password not accepted. For more information, go to https://support.google.com/mail/?p=BadCredentials",
                Some(FailureKind::BadCredentials),
            ),
            (535, "5.7.3 Authentication unsuccessful", Some(FailureKind::BadCredentials)),
            (
                534,
                "5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor",
                Some(FailureKind::AppPasswordRequired),
            ),
            (534, "5.7.9 Authentication mechanism is too weak", Some(FailureKind::AppPasswordRequired)),
            (
                535,
                "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.",
                Some(FailureKind::SmtpAuthDisabled),
            ),
            (530, "5.7.0 Must issue a STARTTLS command first", Some(FailureKind::StarttlsRequired)),
            (530, "5.7.0 Authentication required", Some(FailureKind::AuthenticationRequired)),
            (
                538,
                "5.7.11 Encryption required for requested authentication mechanism",
                Some(FailureKind::EncryptionRequired),
            ),
            (454, "4.7.0 Temporary authentication failure", Some(FailureKind::AuthTemporaryFailure)),
            (
                553,
                "5.7.1 <x@good.test>: Sender address rejected: not owned by user submit@good.test",
                Some(FailureKind::SenderNotOwned),
            ),
            (504, "5.5.4 Unrecognized authentication type", None),
            (235, "2.7.0 Authentication successful", None),
        ];
        for (code, text, want) in cases {
            assert_eq!(classify_reply(&reply(*code, text)), *want, "{code} {text}");
        }
    }

    #[test]
    fn plans_every_combination() {
        assert_eq!(plan(None, None).len(), 12);
        assert_eq!(plan(Some(587), None).len(), 3);
        assert_eq!(plan(None, Some(Security::Implicit)).iter().map(|c| c.port).collect::<Vec<_>>(), AUTO_PORTS);
        assert_eq!(plan(Some(465), Some(Security::Implicit)), [Combo { port: 465, security: Security::Implicit }]);
        let cfg = session_config(
            Combo { port: 587, security: Security::Plaintext },
            "t.test",
            Timeouts::default(),
            ReplyLimits::default(),
            None,
            None,
        );
        assert!(cfg.probe_auth_without_tls && cfg.auth_requires_tls && cfg.tls == TlsMode::Off);
    }

    fn caps(auth: &[&str], starttls: bool) -> Capabilities {
        Capabilities { auth: auth.iter().map(|s| s.to_string()).collect(), starttls, ..Capabilities::default() }
    }

    fn tls(trusted: bool, name: bool) -> TlsFacts {
        TlsFacts {
            version: Some("TLSv1.3".into()),
            cipher: None,
            cert: Some(CertInfo { trusted, hostname_match: name, ..CertInfo::default() }),
            dane: None,
        }
    }

    fn starttls_record(auth_reply: Option<Reply>) -> SessionRecord {
        SessionRecord {
            port: 587,
            connected: true,
            banner: Some(reply(220, "mx.good.test ESMTP")),
            capabilities: Some(caps(&[], true)),
            tls: Some(tls(true, true)),
            capabilities_after_tls: Some(caps(&["PLAIN", "LOGIN"], false)),
            auth: auth_reply.map(|r| AuthRecord {
                mechanism: AuthMechanism::Plain,
                reply: Some(r),
                skipped: None,
                without_tls: None,
            }),
            ..SessionRecord::default()
        }
    }

    #[test]
    fn rows_logins_and_the_recommendation() {
        let c587 = Combo { port: 587, security: Security::Starttls };
        // Discovery, no credentials: usable, recommended from what offers AUTH over TLS.
        let r = row_result(c587, &starttls_record(None), false);
        assert!(r.usable && !r.auth_before_tls && r.failure.is_none(), "{r:?}");
        assert_eq!(r.auth_mechanisms, ["PLAIN", "LOGIN"]);
        assert_eq!(login_candidates(std::slice::from_ref(&r)), [(c587, AuthMechanism::Plain)]);
        let rec = recommend(std::slice::from_ref(&r)).unwrap();
        assert_eq!(rec.text, "port 587, STARTTLS, AUTH PLAIN");

        // Login accepted.
        let ok = row_result(c587, &starttls_record(Some(reply(235, "2.7.0 Authentication successful"))), true);
        assert!(ok.login.attempted && ok.login.ok && ok.usable && login_settled(&ok));
        // Login refused: explained, not usable, nothing recommended.
        let bad = row_result(c587, &starttls_record(Some(reply(535, "5.7.8 Error: authentication failed"))), true);
        assert_eq!(bad.login.failure, Some(FailureKind::BadCredentials));
        assert_eq!(bad.login.code, Some(535));
        assert_eq!(bad.login.enhanced_code.as_deref(), Some("5.7.8"));
        assert_eq!(bad.login.reply.as_deref(), Some("535 5.7.8 Error: authentication failed"));
        assert!(bad.login.explanation.as_deref().unwrap().contains("RFC 4954 §6"));
        assert!(recommend(std::slice::from_ref(&bad)).is_none());
        let report = finish("mx.good.test", None, vec![bad], None, true);
        assert_eq!(report.findings[0].id, "submission.bad_credentials");

        // A certificate for another name: no password is sent, and the row says why.
        let mut rec = starttls_record(None);
        rec.tls = Some(tls(true, false));
        let r = row_result(c587, &rec, true);
        assert_eq!(r.failure, Some(FailureKind::CertNameMismatch));
        assert_eq!(r.login.failure, Some(FailureKind::CertNameMismatch));
        assert!(!r.usable && login_candidates(&[r]).is_empty());
        // An untrusted chain for the right name: reported, but the login happens (a client can
        // be told to accept it); a trusted row is recommended first.
        let mut rec = starttls_record(Some(reply(235, "2.7.0 Authentication successful")));
        rec.tls = Some(tls(false, true));
        let untrusted = row_result(c587, &rec, true);
        assert_eq!(untrusted.failure, Some(FailureKind::CertUntrusted));
        assert!(untrusted.login.ok && untrusted.usable);
        let mut rec465 = starttls_record(Some(reply(235, "2.7.0 Authentication successful")));
        rec465.capabilities = Some(caps(&["PLAIN"], false));
        rec465.capabilities_after_tls = None;
        let trusted465 = row_result(Combo { port: 465, security: Security::Implicit }, &rec465, true);
        assert_eq!(recommend(&[untrusted.clone(), trusted465]).unwrap().port, 465);
        assert_eq!(recommend(&[untrusted]).unwrap().port, 587);

        // 465 implicit is preferred after 587 STARTTLS; LOGIN only when PLAIN is not offered.
        let mut rec465 = starttls_record(None);
        rec465.capabilities = Some(caps(&["LOGIN"], false));
        rec465.capabilities_after_tls = None;
        let r465 = row_result(Combo { port: 465, security: Security::Implicit }, &rec465, false);
        assert_eq!(recommend(std::slice::from_ref(&r465)).unwrap().text, "port 465, implicit TLS, AUTH LOGIN");
        let both = [r465, row_result(c587, &starttls_record(None), false)];
        assert_eq!(recommend(&both).unwrap().port, 587);
    }

    #[test]
    fn facts_without_replies() {
        let refused = || SessionRecord {
            connect_failure: Some(ConnectFailure {
                kind: ConnectFailureKind::Refused,
                message: "connection refused".into(),
            }),
            ..SessionRecord::default()
        };
        let r = row_result(Combo { port: 25, security: Security::Starttls }, &refused(), false);
        assert_eq!(r.failure, Some(FailureKind::Port25Blocked));
        let r = row_result(Combo { port: 2525, security: Security::Starttls }, &refused(), false);
        assert_eq!(r.failure, Some(FailureKind::ConnectionRefused));

        // Implicit TLS to a port that greets in clear text.
        let rec = SessionRecord {
            connected: true,
            end: Some(SessionEnd::Tls("received corrupt message of type InvalidContentType".into())),
            ..SessionRecord::default()
        };
        let r = row_result(Combo { port: 587, security: Security::Implicit }, &rec, false);
        assert_eq!(r.failure, Some(FailureKind::ImplicitTlsOnStarttlsPort));

        // Clear text waiting on an implicit port: explained by the implicit row of the same port.
        let silent =
            SessionRecord { connected: true, end: Some(SessionEnd::Timeout(3000)), ..SessionRecord::default() };
        let mut rows = vec![
            row_result(Combo { port: 2525, security: Security::Starttls }, &silent, false),
            row_result(Combo { port: 2525, security: Security::Implicit }, &starttls_record(None), false),
        ];
        assert_eq!(rows[0].failure, Some(FailureKind::NoGreeting));
        explain_matrix(&mut rows);
        assert_eq!(rows[0].failure, Some(FailureKind::StarttlsOnImplicitPort));

        // `none`: AUTH not offered before STARTTLS; or the server's answer to the secret-less AUTH.
        let mut plain = starttls_record(None);
        plain.tls = None;
        plain.capabilities_after_tls = None;
        let c = Combo { port: 587, security: Security::Plaintext };
        assert_eq!(row_result(c, &plain, true).login.failure, Some(FailureKind::AuthNotOfferedBeforeTls));
        plain.capabilities = Some(caps(&["PLAIN"], true));
        for (code, text, kind) in [
            (530, "5.7.0 Must issue a STARTTLS command first", FailureKind::StarttlsRequired),
            (538, "5.7.11 Encryption required for requested authentication mechanism", FailureKind::EncryptionRequired),
            (334, "", FailureKind::AuthCleartextAccepted),
        ] {
            plain.auth = Some(AuthRecord {
                mechanism: AuthMechanism::Plain,
                reply: None,
                skipped: Some(AuthSkipped::NoTls),
                without_tls: Some(reply(code, text)),
            });
            let r = row_result(c, &plain, true);
            assert_eq!(r.login.failure, Some(kind), "{code}");
            assert!(!r.login.attempted && !r.usable && r.auth_before_tls);
        }
    }

    #[test]
    fn json_contract_names() {
        // issue 12's contract: {host, results[]{port, security, connected, banner, tls_version,
        // cert{trusted, hostname_match, not_after}, auth_mechanisms[], auth_before_tls,
        // login{attempted, ok, code, enhanced_code, reply, explanation}}, recommended, findings[]}
        let c = Combo { port: 587, security: Security::Starttls };
        let ok = row_result(c, &starttls_record(Some(reply(235, "2.7.0 Authentication successful"))), true);
        let v = serde_json::to_value(finish("mx.good.test", Some("127.0.0.10".into()), vec![ok], None, true)).unwrap();
        for key in ["host", "results", "recommended", "findings"] {
            assert!(v.get(key).is_some(), "{key}");
        }
        let row = &v["results"][0];
        for key in [
            "port",
            "security",
            "connected",
            "banner",
            "tls_version",
            "cert",
            "auth_mechanisms",
            "auth_before_tls",
            "login",
        ] {
            assert!(row.get(key).is_some(), "results[].{key}");
        }
        for key in ["trusted", "hostname_match", "not_after"] {
            assert!(row["cert"].get(key).is_some(), "cert.{key}");
        }
        for key in ["attempted", "ok", "code", "enhanced_code", "reply", "explanation"] {
            assert!(row["login"].get(key).is_some(), "login.{key}");
        }
        assert_eq!(row["security"], "starttls");
        assert_eq!(
            v["recommended"],
            serde_json::json!({"port": 587, "security": "starttls", "auth": "PLAIN", "text": "port 587, STARTTLS, AUTH PLAIN"})
        );
        assert_eq!(serde_json::to_value(Security::Plaintext).unwrap(), "none");
        let back: SubmissionReport = serde_json::from_value(v).unwrap();
        assert_eq!(back.results[0].login.code, Some(235));
    }

    #[test]
    fn test_message_refuses_header_injection() {
        assert!(test_message("a@b.test", "c@d.test\r\nBcc: x@y.test", "port 587", "d", "id@x").is_none());
        let m = test_message("a@b.test", "c@d.test", "port 587, STARTTLS", "Fri, 4 Dec 2026 18:00:00 +0000", "1@x")
            .unwrap();
        assert!(String::from_utf8(m).unwrap().starts_with("From: <a@b.test>\r\nTo: <c@d.test>\r\n"));
    }
}
