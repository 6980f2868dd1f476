//! The SMTP submission tester's driver (issue 12): `inboxlens smtp-test` and `POST /api/smtp-test`.
//!
//! It validates the request once, resolves the host under the target policy (the probe's SSRF
//! guard: public addresses only unless `--allow-private`, SMTP ports only), runs the discovery
//! sessions of every port × security combination concurrently, then at most
//! [`MAX_LOGIN_ATTEMPTS`] login sessions one after the other (best candidate first, stopping at
//! the first AUTH answer); only when that login was accepted are the other candidates logged in
//! too (at once), so a wrong password costs the account one failed attempt. Every session runs
//! over [`SmtpProber::run_client`] under deadlines. What the
//! sessions mean — the matrix rows, the failure table, the recommendation — is
//! [`inboxlens_core::smtp::submission`]; this file decides nothing.
//!
//! Credentials: held only in memory for the request, sent only over TLS to a server whose
//! certificate names the host, redacted in every transcript
//! (`AUTH PLAIN <redacted>`), never logged ([`SubmissionRequest`]'s `Debug` hides the password)
//! and never stored (the HTTP route caches nothing).

use super::smtp::{ProbeError, SmtpProber, valid_address};
use crate::guard::{HostSpec, parse_host};
use inboxlens_core::smtp::client::{Credentials, SessionRecord, Timeouts};
use inboxlens_core::smtp::command::AuthMechanism;
use inboxlens_core::smtp::judge::Target;
use inboxlens_core::smtp::reply::ReplyLimits;
use inboxlens_core::smtp::submission::{
    self, Combo, MAX_LOGIN_ATTEMPTS, Security, SubmissionReport, login_candidates, login_settled, row_result,
    session_config,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Longest user name accepted.
const MAX_USER: usize = 256;
/// Longest password accepted.
const MAX_PASSWORD: usize = 1024;

/// `port` in a request: a number or `"auto"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum PortField {
    /// One port.
    Number(u16),
    /// `"auto"` (or a number written as a string).
    Word(String),
}

/// `POST /api/smtp-test` body (and what the CLI flags make).
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmissionRequest {
    /// The submission server: a DNS name or an IP literal.
    pub host: String,
    /// 25, 465, 587, 2525 or `"auto"` (default).
    #[serde(default)]
    pub port: Option<PortField>,
    /// `implicit`, `starttls`, `none` or `auto` (default).
    #[serde(default)]
    pub security: Option<String>,
    /// The user name to log in with.
    #[serde(default)]
    pub user: Option<String>,
    /// Its password (never logged, never stored, never sent without TLS).
    #[serde(default)]
    pub password: Option<String>,
    /// Send a real test message to this address through the authenticated session.
    #[serde(default)]
    pub send_to: Option<String>,
    /// The test message's sender (default: the user name when it is an address).
    #[serde(default)]
    pub from: Option<String>,
}

impl std::fmt::Debug for SubmissionRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmissionRequest")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("send_to", &self.send_to)
            .field("from", &self.from)
            .finish()
    }
}

/// A validated request.
#[derive(Clone)]
pub(crate) struct SubmissionTest {
    /// The host, normalized (lower case, no trailing dot; IP literals as parsed).
    pub host: HostSpec,
    /// The combinations to try.
    pub combos: Vec<Combo>,
    /// User name and password.
    credentials: Option<(String, String)>,
    /// Recipient and sender of the test message.
    send: Option<(String, String)>,
}

impl std::fmt::Debug for SubmissionTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubmissionTest")
            .field("host", &self.host)
            .field("combos", &self.combos)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("send", &self.send)
            .finish_non_exhaustive()
    }
}

impl SubmissionTest {
    /// Whether a login was asked for (the attempt limits apply).
    pub(crate) fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// The host as text.
    pub(crate) fn host_text(&self) -> String {
        match &self.host {
            HostSpec::Ip(ip) => ip.to_string(),
            HostSpec::Name(n) => n.clone(),
        }
    }
}

fn bad(msg: impl Into<String>) -> ProbeError {
    ProbeError::BadRequest(msg.into())
}

fn no_controls(field: &str, v: &str) -> Result<(), ProbeError> {
    if v.chars().any(|c| c.is_control()) {
        return Err(bad(format!("{field} contains a control character (CR, LF, NUL...)")));
    }
    Ok(())
}

/// Validates every field once: host syntax, port (the SMTP set), security word, credential
/// bounds (no control characters: they would end an SMTP line), addresses of the test send.
pub(crate) fn validate(req: &SubmissionRequest, prober: &SmtpProber) -> Result<SubmissionTest, ProbeError> {
    no_controls("host", &req.host)?;
    if req.host.trim().is_empty() || req.host.chars().any(char::is_whitespace) {
        return Err(bad("host: give one host name or IP address, e.g. smtp.example.com"));
    }
    let host = parse_host(&req.host).map_err(|e| bad(format!("host: {e}")))?;
    let port = match &req.port {
        None => None,
        Some(PortField::Number(p)) => Some(*p),
        Some(PortField::Word(w)) if w.eq_ignore_ascii_case("auto") => None,
        Some(PortField::Word(w)) => {
            Some(w.trim().parse::<u16>().map_err(|_| bad("port: give 25, 465, 587, 2525 or \"auto\""))?)
        }
    };
    if let Some(p) = port {
        prober.policy().check_port(p).map_err(|e| ProbeError::Refused(e.to_string()))?;
    }
    let security = match req.security.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(w) if w.eq_ignore_ascii_case("auto") => None,
        Some(w) => Some(Security::parse(w).ok_or_else(|| bad("security: give implicit, starttls, none or auto"))?),
    };
    let credentials = match (&req.user, &req.password) {
        (None, None) => None,
        (Some(u), Some(p)) => {
            no_controls("user", u)?;
            if p.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
                return Err(bad("password contains CR, LF or NUL"));
            }
            if u.is_empty() || u.len() > MAX_USER {
                return Err(bad(format!("user: 1 to {MAX_USER} bytes")));
            }
            if p.is_empty() || p.len() > MAX_PASSWORD {
                return Err(bad(format!("password: 1 to {MAX_PASSWORD} bytes")));
            }
            Some((u.clone(), p.clone()))
        }
        _ => return Err(bad("give both user and password (or neither)")),
    };
    let send = match &req.send_to {
        None => None,
        Some(to) => {
            let Some((user, _)) = &credentials else {
                return Err(bad(
                    "send_to needs user and password: the test message goes through the authenticated session",
                ));
            };
            no_controls("send_to", to)?;
            if !valid_address(to) {
                return Err(bad("send_to is not an email address"));
            }
            let from = req.from.clone().unwrap_or_else(|| user.clone());
            no_controls("from", &from)?;
            if !valid_address(&from) {
                return Err(bad("from: give the sender address (the user name is not an email address)"));
            }
            Some((to.clone(), from))
        }
    };
    if req.from.is_some() && send.is_none() {
        return Err(bad("from is only used with send_to"));
    }
    Ok(SubmissionTest { host, combos: submission::plan(port, security), credentials, send })
}

/// The address the sessions dial: the IP literal, or the first address of the name that the
/// target policy allows (resolved once, so every session dials the same one).
pub(crate) async fn resolve(prober: &SmtpProber, test: &SubmissionTest) -> Result<IpAddr, ProbeError> {
    let policy = prober.policy();
    match &test.host {
        HostSpec::Ip(ip) => {
            policy.check_ip(*ip).map_err(|e| ProbeError::Refused(e.to_string()))?;
            Ok(*ip)
        }
        HostSpec::Name(name) => {
            let (ips, errors) = prober.host_addresses(name).await;
            if ips.is_empty() {
                return Err(if errors.is_empty() {
                    ProbeError::NotFound(format!("{name} has no A or AAAA record"))
                } else {
                    ProbeError::Dns(format!("could not look up {name}: {}", errors.join("; ")))
                });
            }
            let mut refused = None;
            for ip in ips {
                match policy.check_ip(ip) {
                    Ok(()) => return Ok(ip),
                    Err(e) => refused = Some(e.to_string()),
                }
            }
            Err(ProbeError::Refused(refused.unwrap_or_default()))
        }
    }
}

/// Deadlines of the tester's sessions: `banner_ms` for the greeting (a silent implicit-TLS
/// port costs this much), `command_ms` for each reply (servers delay a refused AUTH: Dovecot
/// by 2 s), the whole session bounded by both.
pub(crate) fn tester_timeouts(banner_ms: u64, command_ms: u64) -> Timeouts {
    let (banner_ms, command_ms) = (banner_ms.max(500), command_ms.max(500));
    Timeouts {
        banner_ms,
        command_ms,
        quit_ms: command_ms.min(2_000),
        session_ms: banner_ms.saturating_add(command_ms.saturating_mul(3)),
    }
}

/// Runs the test: discovery on every combination at once, then the logins, then the core's
/// judgement. `timeouts` bound each session; the prober's settings bound connect and TLS.
pub(crate) async fn run(
    prober: &SmtpProber,
    test: &SubmissionTest,
    ip: IpAddr,
    timeouts: Timeouts,
    now_unix: u64,
) -> SubmissionReport {
    let host = test.host_text();
    let limits = ReplyLimits { max_line: 4096, max_lines: 200, max_bytes: prober.settings().max_reply_bytes };
    let ehlo = prober.ehlo_name().to_string();
    let target = |port| Target { host: host.clone(), ip: ip.to_string(), port, ptr: Vec::new() };
    let creds = |mechanism| {
        test.credentials.as_ref().map(|(u, p)| Credentials { mechanism, username: u.clone(), password: p.clone() })
    };

    // 1. Discovery: no secret is sent (a `none` row only learns the answer to a bare AUTH).
    let futs = test.combos.iter().map(|&combo| {
        let t = target(combo.port);
        let c = if combo.security == Security::Plaintext { creds(AuthMechanism::Plain) } else { None };
        let config = session_config(combo, &ehlo, timeouts, limits, c, None);
        async move { prober.run_client(&t, ip, config, now_unix, false).await }
    });
    let records: Vec<SessionRecord> = futures::future::join_all(futs).await;
    let given = test.credentials.is_some();
    let mut rows: Vec<_> = test.combos.iter().zip(&records).map(|(c, rec)| row_result(*c, rec, given)).collect();

    // 2. Logins, best candidate first, one at a time; the first AUTH answer settles it.
    let mut send_session: Option<(Combo, SessionRecord)> = None;
    if given {
        for (combo, mechanism) in login_candidates(&rows).into_iter().take(MAX_LOGIN_ATTEMPTS) {
            let mailbox = test.send.as_ref().and_then(|(to, from)| {
                let via = format!("{host} port {}, {}", combo.port, combo.security.label());
                let id = format!("{:016x}.smtp-test@inboxlens.invalid", rand::rng().random::<u64>());
                let message = submission::test_message(from, to, &via, &rfc5322_date(now_unix), &id)?;
                Some(submission::send_plan(from, to, message))
            });
            let config = session_config(combo, &ehlo, timeouts, limits, creds(mechanism), mailbox);
            let rec = prober.run_client(&target(combo.port), ip, config, now_unix, false).await;
            let row = row_result(combo, &rec, true);
            let settled = login_settled(&row);
            if let Some(slot) = rows.iter_mut().find(|r| r.port == combo.port && r.security == combo.security) {
                *slot = row;
            }
            if test.send.is_some() && (settled || send_session.is_none()) {
                send_session = Some((combo, rec));
            }
            if settled {
                break;
            }
        }
        // Accepted: the other candidates are logged in too (at once, no test send), so the
        // matrix shows every working row. Refused: nothing more — one wrong password is one
        // failed attempt on the account.
        if rows.iter().any(|r| r.login.ok) {
            let rest: Vec<(Combo, AuthMechanism)> = login_candidates(&rows)
                .into_iter()
                .filter(|(c, _)| {
                    rows.iter().any(|r| r.port == c.port && r.security == c.security && !r.login.attempted)
                })
                .collect();
            let futs = rest.iter().map(|&(combo, mechanism)| {
                let t = target(combo.port);
                let config = session_config(combo, &ehlo, timeouts, limits, creds(mechanism), None);
                async move { (combo, prober.run_client(&t, ip, config, now_unix, false).await) }
            });
            for (combo, rec) in futures::future::join_all(futs).await {
                if let Some(slot) = rows.iter_mut().find(|r| r.port == combo.port && r.security == combo.security) {
                    *slot = row_result(combo, &rec, true);
                }
            }
        }
    }
    let send = test
        .send
        .as_ref()
        .map(|(to, from)| submission::send_result(to, from, send_session.as_ref().map(|(c, rec)| (*c, rec))));
    submission::finish(&host, Some(ip.to_string()), rows, send, given)
}

/// Unix seconds as an RFC 5322 §3.3 date in UTC (`Fri, 04 Dec 2026 18:00:00 +0000`).
pub(crate) fn rfc5322_date(unix: u64) -> String {
    let unix = unix as i64;
    let iso = super::tls::rfc3339(unix);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let weekday = DAYS.get(unix.div_euclid(86_400).rem_euclid(7) as usize).copied().unwrap_or("Thu");
    let (y, m, d) = (iso.get(0..4).unwrap_or("1970"), iso.get(5..7).unwrap_or("01"), iso.get(8..10).unwrap_or("01"));
    let month = m.parse::<usize>().ok().and_then(|m| MONTHS.get(m.wrapping_sub(1))).copied().unwrap_or("Jan");
    format!("{weekday}, {d} {month} {y} {} +0000", iso.get(11..19).unwrap_or("00:00:00"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc5322_date(1_796_407_200), "Fri, 04 Dec 2026 18:00:00 +0000");
    }

    #[test]
    fn the_password_is_never_in_debug_output() {
        let req = SubmissionRequest {
            host: "smtp.example.com".into(),
            user: Some("u@example.com".into()),
            password: Some("hunter2".into()),
            ..SubmissionRequest::default()
        };
        assert!(!format!("{req:?}").contains("hunter2"));
        let test = SubmissionTest {
            host: HostSpec::Name("smtp.example.com".into()),
            combos: Vec::new(),
            credentials: Some(("u".into(), "hunter2".into())),
            send: None,
        };
        assert!(!format!("{test:?}").contains("hunter2"));
    }
}
