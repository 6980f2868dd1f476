//! SMTP probe (RFC 5321): for each MX of a domain (or one given host), each address and each
//! port: TCP connect with timing, banner and PTR match, EHLO capabilities, STARTTLS (RFC 3207)
//! or implicit TLS (RFC 8314), certificate and DANE, AUTH-only-after-TLS on 587 (RFC 6409 /
//! RFC 8314 §3.3), and an optional mailbox check (MAIL FROM + RCPT TO, then RSET/QUIT — never
//! DATA) with catch-all and open-relay detection. Every step has a deadline and every reply a
//! size bound, so a tarpit or a flooding peer ends as "inconclusive", never as a hung request.

use super::tls::{CertInfo, DaneInfo, TlsSettings, Tlsa, dane_match};
use crate::config::SmtpConfig;
use crate::guard::{ConnectError, GuardError, HostSpec, TargetPolicy, parse_host};
use crate::limits::RateLimiter;
use inboxlens_core::dns::{DnsAnswer, DnsError, Rcode, RecordData, RecordType, Resolver, reverse_name};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// Longest reply line accepted (RFC 5321 §4.5.3.1.5 says 512 octets; servers exceed it).
const MAX_LINE: usize = 4096;
/// Most lines in one reply.
const MAX_LINES: usize = 200;
/// Most transcript entries per session.
const MAX_TRANSCRIPT: usize = 400;
/// Deadline for one DNS lookup made by the probe.
const DNS_DEADLINE: Duration = Duration::from_secs(10);

/// `POST /api/probe/smtp` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SmtpProbeRequest {
    /// Probe the MX hosts of this domain.
    #[serde(default)]
    pub domain: Option<String>,
    /// Or probe this one host (name or IP literal).
    #[serde(default)]
    pub host: Option<String>,
    /// Ports (subset of 25, 465, 587, 2525); default from the configuration.
    #[serde(default)]
    pub ports: Option<Vec<u16>>,
    /// Addresses to check with RCPT TO (port 25 only).
    #[serde(default)]
    pub rcpt: Vec<String>,
    /// Also test whether a foreign recipient is refused (open relay test).
    #[serde(default)]
    pub open_relay: bool,
    /// Test a random local part for catch-all (default: on when `rcpt` is given).
    #[serde(default)]
    pub catch_all: Option<bool>,
}

/// The probe's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SmtpProbeReport {
    /// The domain asked, if any.
    pub domain: Option<String>,
    /// The host asked, if any.
    pub host: Option<String>,
    /// MX records used, by preference.
    pub mx: Vec<MxHost>,
    /// RFC 7505 null MX: the domain accepts no mail.
    pub null_mx: bool,
    /// No MX: the domain itself was used as implicit MX (RFC 5321 §5.1).
    pub implicit_mx: bool,
    /// One entry per (host, address, port).
    pub results: Vec<SmtpResult>,
    /// Addresses not probed, and why (private address, resolution failure).
    pub skipped: Vec<Skipped>,
    /// Worst verdict of the port-25 results (of all results when port 25 was not probed);
    /// "fail" > "inconclusive" > "ok".
    pub verdict: Verdict,
    /// The EHLO name used.
    pub ehlo_name: String,
    /// Served from the per-target cooldown cache.
    pub cached: bool,
    /// The catalog findings these results amount to (`smtp.*`).
    #[serde(default)]
    pub findings: Vec<inboxlens_core::findings::Finding>,
}

/// An MX record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MxHost {
    /// Preference (lower first).
    pub preference: u16,
    /// Exchange host name.
    pub host: String,
}

/// An address that was not probed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Skipped {
    /// Host name.
    pub host: String,
    /// The address, when there was one.
    pub ip: Option<String>,
    /// Why.
    pub reason: String,
}

/// Outcome of one session.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Everything checked worked.
    Ok,
    /// No definite answer: timeout, greylisting, temporary failure. Retry later.
    Inconclusive,
    /// A definite problem: refused connection, 5xx, failed TLS, rejected mailbox, open relay.
    Fail,
}

/// EHLO capabilities (RFC 5321 §4.1.1.1 and the extension RFCs).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Capabilities {
    /// The raw EHLO lines after the greeting line.
    pub raw: Vec<String>,
    /// STARTTLS (RFC 3207).
    pub starttls: bool,
    /// SIZE limit in bytes (RFC 1870); 0 = no fixed limit.
    pub size: Option<u64>,
    /// PIPELINING (RFC 2920).
    pub pipelining: bool,
    /// 8BITMIME (RFC 6152).
    pub eightbitmime: bool,
    /// SMTPUTF8 (RFC 6531).
    pub smtputf8: bool,
    /// CHUNKING (RFC 3030).
    pub chunking: bool,
    /// REQUIRETLS (RFC 8689).
    pub requiretls: bool,
    /// ENHANCEDSTATUSCODES (RFC 2034).
    pub enhancedstatuscodes: bool,
    /// DSN (RFC 3461).
    pub dsn: bool,
    /// AUTH mechanisms (RFC 4954).
    pub auth: Vec<String>,
}

/// One RCPT TO check. `address`, `code`, `enhanced_code`, `accepted` are the API contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RcptResult {
    /// The address asked.
    pub address: String,
    /// Reply code (0 when no reply came).
    pub code: u16,
    /// RFC 3463 enhanced status code, when given.
    pub enhanced_code: Option<String>,
    /// 2xx: the server accepts mail for it.
    pub accepted: bool,
    /// `accepted`, `rejected`, `greylisted` (4xx: retry later, not invalid), or `no_reply`.
    pub status: String,
    /// Reply text.
    pub text: String,
}

/// One (host, address, port) session. The fields of issue 5's contract come first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SmtpResult {
    /// MX host name (or the given host).
    pub host: String,
    /// Address connected to.
    pub ip: String,
    /// Port.
    pub port: u16,
    /// TCP connection established.
    pub connected: bool,
    /// The greeting, all lines joined.
    pub banner: Option<String>,
    /// STARTTLS offered in EHLO.
    pub starttls: bool,
    /// Negotiated TLS version (`TLSv1.3`), after STARTTLS or implicit TLS.
    pub tls_version: Option<String>,
    /// Certificate as presented over TLS.
    pub cert: Option<CertInfo>,
    /// RCPT TO checks (port 25 sessions of the first address of each host).
    pub rcpt: Vec<RcptResult>,
    /// A random local part was accepted: the server accepts everything (RCPT says nothing).
    pub catch_all: Option<bool>,
    /// The verdict.
    pub verdict: Verdict,
    /// Full transcript: `C: ` client, `S: ` server, `* ` probe notes.
    pub transcript: Vec<String>,
    /// Why the verdict, in words.
    pub verdict_reason: String,
    /// TCP connect time, milliseconds.
    pub connect_ms: Option<u64>,
    /// Time to the banner, milliseconds after connect.
    pub banner_ms: Option<u64>,
    /// Whole session time, milliseconds.
    pub elapsed_ms: u64,
    /// Reply code of the banner.
    pub banner_code: Option<u16>,
    /// The host name the banner announces (first word).
    pub banner_host: Option<String>,
    /// PTR names of the address.
    pub ptr: Vec<String>,
    /// The banner host name is one of the PTR names.
    pub banner_matches_ptr: Option<bool>,
    /// Capabilities before TLS (or over implicit TLS).
    pub capabilities: Option<Capabilities>,
    /// Capabilities after STARTTLS.
    pub capabilities_after_tls: Option<Capabilities>,
    /// TLS established (STARTTLS or implicit).
    pub tls: bool,
    /// Implicit TLS (port 465).
    pub implicit_tls: bool,
    /// Negotiated cipher suite.
    pub tls_cipher: Option<String>,
    /// DANE TLSA check, when records are published.
    pub dane: Option<DaneInfo>,
    /// On submission ports: AUTH offered before TLS (credentials could go in clear).
    pub auth_before_tls: Option<bool>,
    /// Open-relay test: a foreign recipient was accepted.
    pub open_relay: Option<bool>,
    /// What ended the session early, if anything.
    pub error: Option<String>,
}

impl SmtpResult {
    fn new(host: &str, ip: IpAddr, port: u16) -> Self {
        SmtpResult {
            host: host.to_string(),
            ip: ip.to_string(),
            port,
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
            ptr: Vec::new(),
            banner_matches_ptr: None,
            capabilities: None,
            capabilities_after_tls: None,
            tls: false,
            implicit_tls: port == 465,
            tls_cipher: None,
            dane: None,
            auth_before_tls: None,
            open_relay: None,
            error: None,
        }
    }

    fn note(&mut self, prefix: &str, text: &str) {
        if self.transcript.len() < MAX_TRANSCRIPT {
            self.transcript.push(format!("{prefix}{}", printable(text)));
        } else if self.transcript.len() == MAX_TRANSCRIPT {
            self.transcript.push("* transcript truncated".to_string());
        }
    }
}

/// Why a probe request could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// Every target was refused by the target policy.
    #[error("{0}")]
    Refused(String),
    /// The domain does not exist or has nothing to probe.
    #[error("{0}")]
    NotFound(String),
    /// DNS failed (timeout, SERVFAIL): nothing can be said.
    #[error("{0}")]
    Dns(String),
}

/// A session-ending problem.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("no reply within {0} ms")]
    Timeout(u64),
    #[error("the server closed the connection")]
    Closed,
    #[error("reply larger than {0} bytes: the server floods, session ended")]
    TooLarge(usize),
    #[error("malformed reply line: {0}")]
    Malformed(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS handshake failed: {0}")]
    Tls(String),
}

impl SessionError {
    fn verdict(&self) -> Verdict {
        match self {
            SessionError::Tls(_) => Verdict::Fail,
            _ => Verdict::Inconclusive,
        }
    }
}

/// One SMTP reply.
#[derive(Debug, Clone)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn class(&self) -> u16 {
        self.code / 100
    }
    fn text(&self) -> String {
        self.lines.join(" ")
    }
    /// RFC 3463 / RFC 2034: `class.subject.detail` at the start of the text.
    fn enhanced(&self) -> Option<String> {
        let first = self.lines.first()?;
        let tok = first.split_whitespace().next()?;
        let parts: Vec<&str> = tok.split('.').collect();
        let ok = parts.len() == 3
            && matches!(parts.first(), Some(&"2") | Some(&"4") | Some(&"5"))
            && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| tok.to_string())
    }
}

/// Plain TCP or TLS over TCP.
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A connection with a bounded read buffer.
struct Conn {
    stream: Stream,
    buf: Vec<u8>,
    max_reply: usize,
}

impl Conn {
    fn new(stream: Stream, max_reply: usize) -> Self {
        Conn { stream, buf: Vec::with_capacity(1024), max_reply }
    }

    /// Reads one (possibly multi-line) reply within `deadline`, logging it to the transcript.
    async fn read_reply(&mut self, deadline: Duration, r: &mut SmtpResult) -> Result<Reply, SessionError> {
        let ms = deadline.as_millis() as u64;
        match tokio::time::timeout(deadline, self.read_reply_inner(r)).await {
            Ok(res) => res,
            Err(_) => Err(SessionError::Timeout(ms)),
        }
    }

    async fn read_reply_inner(&mut self, r: &mut SmtpResult) -> Result<Reply, SessionError> {
        let mut lines = Vec::new();
        let mut code: Option<u16> = None;
        let mut total = 0usize;
        loop {
            let line = self.read_line(&mut total).await?;
            r.note("S: ", &line);
            let bytes = line.as_bytes();
            let digits = bytes.get(0..3).filter(|d| d.iter().all(u8::is_ascii_digit));
            let Some(digits) = digits else {
                return Err(SessionError::Malformed(printable(&line).chars().take(80).collect()));
            };
            let this_code = digits.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
            if let Some(c) = code
                && c != this_code
            {
                return Err(SessionError::Malformed(format!("code changed from {c} to {this_code} mid-reply")));
            }
            code = Some(this_code);
            let sep = bytes.get(3).copied();
            lines.push(line.get(4..).unwrap_or("").to_string());
            match sep {
                Some(b'-') => {
                    if lines.len() >= MAX_LINES {
                        return Err(SessionError::TooLarge(self.max_reply));
                    }
                }
                Some(b' ') | None => {
                    return Ok(Reply { code: this_code, lines });
                }
                Some(_) => return Err(SessionError::Malformed(printable(&line).chars().take(80).collect())),
            }
        }
    }

    async fn read_line(&mut self, total: &mut usize) -> Result<String, SessionError> {
        loop {
            if let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.buf.len() > MAX_LINE {
                return Err(SessionError::TooLarge(MAX_LINE));
            }
            let mut chunk = [0u8; 2048];
            let n = self.stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(SessionError::Closed);
            }
            *total += n;
            if *total > self.max_reply {
                return Err(SessionError::TooLarge(self.max_reply));
            }
            self.buf.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
        }
    }

    async fn send(&mut self, cmd: &str, deadline: Duration, r: &mut SmtpResult) -> Result<(), SessionError> {
        r.note("C: ", cmd);
        let line = format!("{cmd}\r\n");
        let fut = async {
            self.stream.write_all(line.as_bytes()).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(deadline, fut).await {
            Ok(res) => Ok(res?),
            Err(_) => Err(SessionError::Timeout(deadline.as_millis() as u64)),
        }
    }

    async fn command(&mut self, cmd: &str, deadline: Duration, r: &mut SmtpResult) -> Result<Reply, SessionError> {
        self.send(cmd, deadline, r).await?;
        self.read_reply(deadline, r).await
    }
}

/// Parses an EHLO reply's extension lines (RFC 5321 §4.1.1.1).
fn parse_capabilities(reply: &Reply) -> Capabilities {
    let mut caps = Capabilities::default();
    for line in reply.lines.iter().skip(1) {
        caps.raw.push(line.clone());
        let mut words = line.split_whitespace();
        let Some(kw) = words.next() else { continue };
        let kw = kw.to_ascii_uppercase();
        // Old servers advertise "AUTH=LOGIN PLAIN".
        let (kw, first_param) = match kw.split_once('=') {
            Some((k, p)) => (k.to_string(), Some(p.to_string())),
            None => (kw, None),
        };
        let params: Vec<String> = first_param.into_iter().chain(words.map(str::to_string)).collect();
        match kw.as_str() {
            "STARTTLS" => caps.starttls = true,
            "SIZE" => caps.size = Some(params.first().and_then(|p| p.parse().ok()).unwrap_or(0)),
            "PIPELINING" => caps.pipelining = true,
            "8BITMIME" => caps.eightbitmime = true,
            "SMTPUTF8" => caps.smtputf8 = true,
            "CHUNKING" => caps.chunking = true,
            "REQUIRETLS" => caps.requiretls = true,
            "ENHANCEDSTATUSCODES" => caps.enhancedstatuscodes = true,
            "DSN" => caps.dsn = true,
            "AUTH" => {
                for p in params {
                    let m = p.to_ascii_uppercase();
                    if !caps.auth.contains(&m) {
                        caps.auth.push(m);
                    }
                }
            }
            _ => {}
        }
    }
    caps
}

/// Replaces control characters so a hostile peer cannot smuggle terminal escapes into the UI.
fn printable(s: &str) -> String {
    s.chars().take(1000).map(|c| if c.is_control() && c != '\t' { '\u{fffd}' } else { c }).collect()
}

/// Syntax check for an address given to RCPT TO: `local@domain`, no spaces, brackets or
/// line breaks (no command injection), RFC 5321 §4.5.3.1 length limits.
pub fn valid_address(addr: &str) -> bool {
    let Some((local, domain)) = addr.rsplit_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && addr.len() <= 254
        && !addr.bytes().any(|b| b.is_ascii_control() || b == b' ' || b == b'<' || b == b'>' || b == b'"')
        && crate::guard::is_valid_dns_name(&domain.to_ascii_lowercase())
}

/// What the mailbox part of a session does.
#[derive(Debug, Clone)]
struct MailboxPlan {
    rcpt: Vec<String>,
    catch_all_domain: Option<String>,
    open_relay: bool,
}

/// The SMTP prober: resolver, trust material, policy and settings.
pub struct SmtpProber {
    resolver: Arc<dyn Resolver>,
    host_budget: RateLimiter,
    tls: TlsSettings,
    client_config: Arc<rustls::ClientConfig>,
    policy: TargetPolicy,
    settings: SmtpConfig,
    ehlo_name: String,
}

impl SmtpProber {
    /// A prober using `resolver` for MX/A/AAAA/PTR/TLSA lookups.
    /// `host_budget` bounds the sessions to one address, server-wide.
    pub fn new(
        resolver: Arc<dyn Resolver>,
        tls: TlsSettings,
        policy: TargetPolicy,
        settings: SmtpConfig,
        ehlo_name: String,
        host_budget: RateLimiter,
    ) -> Result<Self, rustls::Error> {
        let client_config = tls.probe_client_config()?;
        Ok(SmtpProber { resolver, host_budget, tls, client_config, policy, settings, ehlo_name })
    }

    async fn lookup(&self, name: &str, rtype: RecordType) -> Result<DnsAnswer, DnsError> {
        match tokio::time::timeout(DNS_DEADLINE, self.resolver.query(name, rtype)).await {
            Ok(r) => r,
            Err(_) => Err(DnsError::Timeout),
        }
    }

    /// Validates a request and returns the cooldown key of its target (domain or host).
    pub fn target_key(req: &SmtpProbeRequest) -> Result<String, ProbeError> {
        match (&req.domain, &req.host) {
            (Some(d), None) => Ok(format!("domain:{}", d.trim().trim_end_matches('.').to_ascii_lowercase())),
            (None, Some(h)) => Ok(format!("host:{}", h.trim().trim_end_matches('.').to_ascii_lowercase())),
            _ => Err(ProbeError::BadRequest("give exactly one of \"domain\" or \"host\"".into())),
        }
    }

    /// Runs the probe. `now_unix` is used for certificate expiry. The report carries the
    /// findings its results amount to.
    pub async fn probe(&self, req: &SmtpProbeRequest, now_unix: u64) -> Result<SmtpProbeReport, ProbeError> {
        let mut report = self.probe_sessions(req, now_unix).await?;
        report.findings = super::findings::smtp_findings(&report);
        Ok(report)
    }

    async fn probe_sessions(&self, req: &SmtpProbeRequest, now_unix: u64) -> Result<SmtpProbeReport, ProbeError> {
        Self::target_key(req)?;
        let ports = req.ports.clone().unwrap_or_else(|| self.settings.default_ports.clone());
        if ports.is_empty() || ports.len() > 4 {
            return Err(ProbeError::BadRequest("give 1 to 4 ports".into()));
        }
        for p in &ports {
            self.policy.check_port(*p).map_err(|e| ProbeError::Refused(e.to_string()))?;
        }
        let mut ports = ports;
        ports.sort_unstable();
        ports.dedup();
        if req.rcpt.len() > self.settings.max_rcpt {
            return Err(ProbeError::BadRequest(format!("at most {} addresses per request", self.settings.max_rcpt)));
        }
        for a in &req.rcpt {
            if !valid_address(a) {
                return Err(ProbeError::BadRequest(format!(
                    "{:?} is not an email address",
                    a.chars().take(100).collect::<String>()
                )));
            }
        }

        let mut report = SmtpProbeReport {
            domain: req.domain.clone(),
            host: req.host.clone(),
            mx: Vec::new(),
            null_mx: false,
            implicit_mx: false,
            results: Vec::new(),
            skipped: Vec::new(),
            verdict: Verdict::Ok,
            ehlo_name: self.ehlo_name.clone(),
            cached: false,
            findings: Vec::new(),
        };

        // 1. Hosts to probe.
        let mut hosts: Vec<(String, Vec<IpAddr>)> = Vec::new();
        if let Some(domain) = &req.domain {
            let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
            if !crate::guard::is_valid_dns_name(&domain) {
                return Err(ProbeError::BadRequest(format!("{domain:?} is not a valid domain name")));
            }
            let ans = self
                .lookup(&domain, RecordType::Mx)
                .await
                .map_err(|e| ProbeError::Dns(format!("could not look up the MX records of {domain}: {e}")))?;
            match ans.rcode {
                Rcode::NxDomain => {
                    return Err(ProbeError::NotFound(format!("the domain {domain} does not exist (NXDOMAIN)")));
                }
                Rcode::NoError => {}
                other => return Err(ProbeError::Dns(format!("the MX lookup of {domain} failed ({other})"))),
            }
            let mut mx = ans.mx();
            mx.sort_by_key(|(p, _)| *p);
            if mx.len() == 1 && mx.first().is_some_and(|(_, h)| h.trim_end_matches('.').is_empty()) {
                report.null_mx = true;
                report.verdict = Verdict::Fail;
                return Ok(report);
            }
            if mx.is_empty() {
                report.implicit_mx = true;
                mx.push((0, domain.clone()));
            }
            for (pref, host) in mx.into_iter().take(self.settings.max_mx_hosts) {
                let host = host.trim_end_matches('.').to_ascii_lowercase();
                report.mx.push(MxHost { preference: pref, host: host.clone() });
                hosts.push((host, Vec::new()));
            }
        } else if let Some(h) = &req.host {
            match parse_host(h).map_err(|e| ProbeError::BadRequest(e.to_string()))? {
                HostSpec::Ip(ip) => hosts.push((ip.to_string(), vec![ip])),
                HostSpec::Name(n) => hosts.push((n, Vec::new())),
            }
        }

        // 2. Addresses, filtered by the target policy.
        let mut refused_reasons = Vec::new();
        for (host, ips) in hosts.iter_mut() {
            if ips.is_empty() {
                let (a, aaaa) = futures::join!(self.lookup(host, RecordType::A), self.lookup(host, RecordType::Aaaa));
                let mut found: Vec<IpAddr> = Vec::new();
                let mut errors = Vec::new();
                match a {
                    Ok(ans) => found.extend(ans.ipv4().into_iter().map(IpAddr::V4)),
                    Err(e) => errors.push(e.to_string()),
                }
                match aaaa {
                    Ok(ans) => found.extend(ans.ipv6().into_iter().map(IpAddr::V6)),
                    Err(e) => errors.push(e.to_string()),
                }
                if found.is_empty() {
                    let reason = if errors.is_empty() {
                        "the host name has no A or AAAA record".to_string()
                    } else {
                        format!("address lookup failed: {}", errors.join("; "))
                    };
                    report.skipped.push(Skipped { host: host.clone(), ip: None, reason });
                }
                *ips = found;
            }
            let mut kept = Vec::new();
            for ip in ips.iter() {
                match self.policy.check_ip(*ip) {
                    Ok(()) => kept.push(*ip),
                    Err(e) => {
                        refused_reasons.push(e.to_string());
                        report.skipped.push(Skipped {
                            host: host.clone(),
                            ip: Some(ip.to_string()),
                            reason: e.to_string(),
                        });
                    }
                }
            }
            kept.truncate(self.settings.max_addresses_per_host.max(1));
            *ips = kept;
        }
        if hosts.iter().all(|(_, ips)| ips.is_empty()) {
            if !refused_reasons.is_empty() {
                return Err(ProbeError::Refused(refused_reasons.join("; ")));
            }
            let why: Vec<String> = report.skipped.iter().map(|s| format!("{}: {}", s.host, s.reason)).collect();
            return Err(ProbeError::NotFound(format!("nothing to probe: {}", why.join("; "))));
        }

        // 3. PTR names, once per address.
        let all_ips: Vec<IpAddr> = hosts.iter().flat_map(|(_, ips)| ips.iter().copied()).collect();
        let ptr_futs = all_ips.iter().map(|ip| async move {
            let name = reverse_name(*ip);
            let names = match self.lookup(&name, RecordType::Ptr).await {
                Ok(ans) => ans.names().into_iter().map(|n| n.trim_end_matches('.').to_ascii_lowercase()).collect(),
                Err(_) => Vec::new(),
            };
            (*ip, names)
        });
        let ptrs: HashMap<IpAddr, Vec<String>> = futures::future::join_all(ptr_futs).await.into_iter().collect();

        // 4. Sessions, all in parallel (bounded: hosts × addresses × ports ≤ 5 × 2 × 4).
        let catch_all = req.catch_all.unwrap_or(!req.rcpt.is_empty());
        let mailbox_domain = req
            .rcpt
            .first()
            .and_then(|a| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
            .or_else(|| req.domain.clone());
        let mut futs = Vec::new();
        for (host, ips) in &hosts {
            for (i, ip) in ips.iter().enumerate() {
                for port in &ports {
                    let plan =
                        (*port == 25 && i == 0 && (!req.rcpt.is_empty() || req.open_relay || catch_all)).then(|| {
                            MailboxPlan {
                                rcpt: req.rcpt.clone(),
                                catch_all_domain: if catch_all { mailbox_domain.clone() } else { None },
                                open_relay: req.open_relay,
                            }
                        });
                    let ptr = ptrs.get(ip).cloned().unwrap_or_default();
                    futs.push(self.session(host.clone(), *ip, *port, ptr, plan, now_unix));
                }
            }
        }
        report.results = futures::future::join_all(futs).await;
        // Port 25 is what decides whether a domain receives mail; other ports only count
        // when port 25 was not probed (a closed 2525 is a fact, not a failure of the domain).
        let on_25: Vec<Verdict> = report.results.iter().filter(|r| r.port == 25).map(|r| r.verdict).collect();
        report.verdict = if on_25.is_empty() {
            report.results.iter().map(|r| r.verdict).max().unwrap_or(Verdict::Inconclusive)
        } else {
            on_25.into_iter().max().unwrap_or(Verdict::Inconclusive)
        };
        Ok(report)
    }

    async fn session(
        &self,
        host: String,
        ip: IpAddr,
        port: u16,
        ptr: Vec<String>,
        plan: Option<MailboxPlan>,
        now_unix: u64,
    ) -> SmtpResult {
        let mut r = SmtpResult::new(&host, ip, port);
        r.ptr = ptr;
        let start = Instant::now();
        if let Err(wait) = self.host_budget.check(ip, 1, start) {
            let msg = format!(
                "not probed: {ip} was probed often in the last minute (server-wide budget); retry in {} s",
                wait.as_secs().max(1)
            );
            r.note("* ", &msg);
            r.error = Some(msg.clone());
            r.verdict_reason = msg;
            return r;
        }
        let total = Duration::from_millis(self.settings.session_timeout_ms);
        let outcome = tokio::time::timeout(total, self.run_session(&mut r, ip, plan.as_ref(), now_unix)).await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                r.note("* ", &format!("session ended: {e}"));
                r.error = Some(e.to_string());
                r.verdict = e.verdict();
                r.verdict_reason = match &e {
                    SessionError::Timeout(_) => {
                        format!("{e}: the server is slow or a tarpit; inconclusive, retry later")
                    }
                    _ => e.to_string(),
                };
            }
            Err(_) => {
                let msg = format!("session deadline of {} ms reached", total.as_millis());
                r.note("* ", &msg);
                r.error = Some(msg.clone());
                r.verdict = Verdict::Inconclusive;
                r.verdict_reason = format!("{msg}: the server is slow or a tarpit; inconclusive, retry later");
            }
        }
        r.elapsed_ms = start.elapsed().as_millis() as u64;
        r
    }

    /// The session proper. Sets `verdict` when it runs to the end; errors are mapped by the caller.
    async fn run_session(
        &self,
        r: &mut SmtpResult,
        ip: IpAddr,
        plan: Option<&MailboxPlan>,
        now_unix: u64,
    ) -> Result<(), SessionError> {
        let s = &self.settings;
        let cmd_t = Duration::from_millis(s.command_timeout_ms);
        let addr = SocketAddr::new(ip, r.port);
        r.note("* ", &format!("connecting to {addr}"));
        let t0 = Instant::now();
        let tcp = match self.policy.connect(addr, Duration::from_millis(s.connect_timeout_ms)).await {
            Ok(t) => t,
            Err(e) => {
                r.note("* ", &format!("connect failed: {e}"));
                r.error = Some(e.to_string());
                (r.verdict, r.verdict_reason) = match &e {
                    ConnectError::Timeout(_) => {
                        (Verdict::Inconclusive, format!("{e} (filtered port or unreachable host)"))
                    }
                    ConnectError::Refused(GuardError::NonPublic { .. }) => (Verdict::Fail, e.to_string()),
                    _ => (Verdict::Fail, format!("port {} does not accept connections: {e}", r.port)),
                };
                return Ok(());
            }
        };
        r.connected = true;
        r.connect_ms = Some(t0.elapsed().as_millis() as u64);
        r.note("* ", &format!("connected in {} ms", t0.elapsed().as_millis()));

        let mut conn = if r.port == 465 {
            let tls = self.handshake(tcp, r, now_unix).await?;
            Conn::new(tls, s.max_reply_bytes)
        } else {
            Conn::new(Stream::Plain(tcp), s.max_reply_bytes)
        };

        // Banner (RFC 5321 §4.3.1 / §3.1).
        let tb = Instant::now();
        let banner = conn.read_reply(Duration::from_millis(s.banner_timeout_ms), r).await?;
        r.banner_ms = Some(tb.elapsed().as_millis() as u64);
        r.banner = Some(banner.text());
        r.banner_code = Some(banner.code);
        let bhost = banner.lines.first().and_then(|l| l.split_whitespace().next()).map(|h| h.to_ascii_lowercase());
        if let Some(bh) = &bhost {
            r.banner_matches_ptr = Some(r.ptr.iter().any(|p| p == bh.trim_end_matches('.')));
        }
        r.banner_host = bhost;
        if banner.code != 220 {
            (r.verdict, r.verdict_reason) = if banner.class() == 4 {
                (Verdict::Inconclusive, format!("the server is temporarily refusing sessions ({})", banner.code))
            } else {
                (
                    Verdict::Fail,
                    format!("the server refuses sessions from this prober ({} {})", banner.code, banner.text()),
                )
            };
            let _ = conn.command("QUIT", Duration::from_secs(2), r).await;
            return Ok(());
        }

        // EHLO (RFC 5321 §4.1.1.1), HELO as fallback.
        let ehlo = conn.command(&format!("EHLO {}", self.ehlo_name), cmd_t, r).await?;
        let caps = if ehlo.class() == 2 {
            parse_capabilities(&ehlo)
        } else {
            let helo = conn.command(&format!("HELO {}", self.ehlo_name), cmd_t, r).await?;
            if helo.class() != 2 {
                (r.verdict, r.verdict_reason) = (
                    if helo.class() == 4 { Verdict::Inconclusive } else { Verdict::Fail },
                    format!("the server refused EHLO and HELO ({})", helo.code),
                );
                let _ = conn.command("QUIT", Duration::from_secs(2), r).await;
                return Ok(());
            }
            Capabilities::default()
        };
        r.starttls = caps.starttls;
        let submission = r.port == 587 || r.port == 2525;
        if submission && !r.implicit_tls {
            r.auth_before_tls = Some(!caps.auth.is_empty());
        }
        r.capabilities = Some(caps.clone());

        // STARTTLS (RFC 3207).
        if caps.starttls && !r.implicit_tls {
            let reply = conn.command("STARTTLS", cmd_t, r).await?;
            if reply.code == 220 {
                if !conn.buf.is_empty() {
                    // RFC 3207 §6 / CVE-2011-0411: data pipelined before TLS must be discarded.
                    r.note("* ", &format!("discarded {} bytes sent before the TLS handshake", conn.buf.len()));
                }
                let Stream::Plain(tcp) = conn.stream else {
                    return Err(SessionError::Tls("STARTTLS inside TLS".into()));
                };
                let tls = self.handshake(tcp, r, now_unix).await?;
                conn = Conn::new(tls, s.max_reply_bytes);
                let ehlo2 = conn.command(&format!("EHLO {}", self.ehlo_name), cmd_t, r).await?;
                if ehlo2.class() == 2 {
                    r.capabilities_after_tls = Some(parse_capabilities(&ehlo2));
                }
            } else {
                r.note("* ", "STARTTLS advertised but refused");
            }
        }

        let mut verdict = Verdict::Ok;
        let mut reasons: Vec<String> = Vec::new();
        if caps.starttls && !r.tls && !r.implicit_tls {
            verdict = Verdict::Fail;
            reasons.push("STARTTLS is advertised but could not be used".into());
        }
        if r.auth_before_tls == Some(true) {
            reasons.push("AUTH is offered before TLS: passwords may be sent in clear (RFC 8314 §3.3)".into());
        }
        if r.port == 25 && !caps.starttls && !r.implicit_tls {
            reasons.push("no STARTTLS: mail to this server travels unencrypted".into());
        }

        // Mailbox check: MAIL FROM + RCPT TO, never DATA (RFC 5321 §3.3).
        if let Some(plan) = plan {
            let from = if s.mail_from.is_empty() { String::new() } else { s.mail_from.clone() };
            let mail = conn.command(&format!("MAIL FROM:<{from}>"), cmd_t, r).await?;
            if mail.class() != 2 {
                let v = if mail.class() == 4 { Verdict::Inconclusive } else { Verdict::Fail };
                verdict = verdict.max(v);
                reasons.push(format!("MAIL FROM refused ({} {})", mail.code, mail.text()));
            } else {
                for addr in &plan.rcpt {
                    let rr = self.rcpt(&mut conn, addr, cmd_t, r).await?;
                    match rr.status.as_str() {
                        "accepted" => {}
                        "greylisted" => {
                            verdict = verdict.max(Verdict::Inconclusive);
                            reasons.push(format!(
                                "{addr}: temporarily refused ({}), likely greylisting: inconclusive, retry later",
                                rr.code
                            ));
                        }
                        _ => {
                            verdict = verdict.max(Verdict::Fail);
                            reasons.push(format!("{addr}: rejected ({} {})", rr.code, rr.text));
                        }
                    }
                    r.rcpt.push(rr);
                }
                if let Some(domain) = &plan.catch_all_domain {
                    let token: u64 = rand::rng().random();
                    let probe_addr = format!("inboxlens-nonexistent-{token:016x}@{domain}");
                    let rr = self.rcpt(&mut conn, &probe_addr, cmd_t, r).await?;
                    r.catch_all = match rr.code / 100 {
                        2 => Some(true),
                        5 => Some(false),
                        _ => None,
                    };
                    if r.catch_all == Some(true) {
                        reasons.push("catch-all: a random address is accepted, so RCPT results prove nothing".into());
                    }
                }
                if plan.open_relay {
                    let rr = self.rcpt(&mut conn, &s.relay_test_recipient, cmd_t, r).await?;
                    r.open_relay = Some(rr.accepted);
                    if rr.accepted {
                        verdict = Verdict::Fail;
                        reasons.push(format!("OPEN RELAY: mail for {} was accepted", s.relay_test_recipient));
                    }
                }
            }
            let _ = conn.command("RSET", cmd_t, r).await?;
        }
        let _ = conn.command("QUIT", Duration::from_secs(2).min(cmd_t), r).await;
        r.verdict = verdict;
        r.verdict_reason = if reasons.is_empty() { "all checks passed".to_string() } else { reasons.join("; ") };
        Ok(())
    }

    async fn rcpt(
        &self,
        conn: &mut Conn,
        addr: &str,
        t: Duration,
        r: &mut SmtpResult,
    ) -> Result<RcptResult, SessionError> {
        let reply = conn.command(&format!("RCPT TO:<{addr}>"), t, r).await?;
        let status = match reply.class() {
            2 => "accepted",
            4 => "greylisted",
            _ => "rejected",
        };
        Ok(RcptResult {
            address: addr.to_string(),
            code: reply.code,
            enhanced_code: reply.enhanced(),
            accepted: reply.class() == 2,
            status: status.to_string(),
            text: reply.text(),
        })
    }

    /// TLS handshake, then version, cipher, certificate assessment and DANE.
    async fn handshake(&self, tcp: TcpStream, r: &mut SmtpResult, now_unix: u64) -> Result<Stream, SessionError> {
        let name = match r.host.parse::<IpAddr>() {
            Ok(ip) => rustls::pki_types::ServerName::IpAddress(ip.into()),
            Err(_) => rustls::pki_types::ServerName::try_from(r.host.clone())
                .map_err(|e| SessionError::Tls(format!("bad server name: {e}")))?,
        };
        r.note("* ", "TLS handshake");
        let connector = tokio_rustls::TlsConnector::from(self.client_config.clone());
        let t = Duration::from_millis(self.settings.command_timeout_ms);
        let tls = match tokio::time::timeout(t, connector.connect(name, tcp)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                r.note("* ", &format!("TLS handshake failed: {e}"));
                return Err(SessionError::Tls(e.to_string()));
            }
            Err(_) => return Err(SessionError::Timeout(t.as_millis() as u64)),
        };
        let (_, session) = tls.get_ref();
        r.tls = true;
        r.tls_version = session.protocol_version().map(|v| match v {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
            other => format!("{other:?}"),
        });
        r.tls_cipher = session.negotiated_cipher_suite().map(|c| format!("{:?}", c.suite()));
        let chain: Vec<rustls::pki_types::CertificateDer<'static>> =
            session.peer_certificates().map(|c| c.iter().map(|d| d.clone().into_owned()).collect()).unwrap_or_default();
        let cert = self.tls.assess(&r.host, &chain, now_unix);
        r.note(
            "* ",
            &format!(
                "{} {} — certificate {} (trusted: {}, name match: {})",
                r.tls_version.clone().unwrap_or_default(),
                r.tls_cipher.clone().unwrap_or_default(),
                cert.subject,
                cert.trusted,
                cert.hostname_match
            ),
        );
        r.cert = Some(cert);
        // DANE (RFC 7672 §2.2.3): TLSA at _port._tcp.<mx host>.
        if r.host.parse::<IpAddr>().is_err() {
            let qname = format!("_{}._tcp.{}", r.port, r.host);
            if let Ok(ans) = self.lookup(&qname, RecordType::Tlsa).await {
                let records: Vec<Tlsa> = ans
                    .records
                    .iter()
                    .filter_map(|rec| match &rec.data {
                        RecordData::Tlsa { usage, selector, matching, data } => Some(Tlsa {
                            usage: *usage,
                            selector: *selector,
                            matching: *matching,
                            data: inboxlens_core::dns::hex(data),
                        }),
                        _ => None,
                    })
                    .collect();
                if !records.is_empty() {
                    let matched_record = dane_match(&records, &chain);
                    r.note(
                        "* ",
                        &format!("DANE: {} TLSA record(s), match: {}", records.len(), matched_record.is_some()),
                    );
                    r.dane = Some(DaneInfo {
                        name: qname,
                        records,
                        dnssec: ans.authenticated,
                        matched: matched_record.is_some(),
                        matched_record,
                    });
                }
            }
        }
        Ok(Stream::Tls(Box::new(tls)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, lines: &[&str]) -> Reply {
        Reply { code, lines: lines.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn capabilities_parse() {
        let r = reply(
            250,
            &[
                "mx.good.test",
                "PIPELINING",
                "SIZE 10240000",
                "AUTH=LOGIN PLAIN",
                "AUTH PLAIN CRAM-MD5",
                "STARTTLS",
                "8BITMIME",
                "SMTPUTF8",
                "CHUNKING",
            ],
        );
        let c = parse_capabilities(&r);
        assert!(c.starttls && c.pipelining && c.eightbitmime && c.smtputf8 && c.chunking);
        assert!(!c.requiretls);
        assert_eq!(c.size, Some(10_240_000));
        assert_eq!(c.auth, vec!["LOGIN", "PLAIN", "CRAM-MD5"]);
    }

    #[test]
    fn enhanced_codes() {
        assert_eq!(reply(550, &["5.1.1 <x@good.test>: Recipient address rejected"]).enhanced(), Some("5.1.1".into()));
        assert_eq!(reply(250, &["Ok"]).enhanced(), None);
        assert_eq!(reply(450, &["4.7.1 greylisted"]).enhanced(), Some("4.7.1".into()));
    }

    #[test]
    fn address_syntax() {
        assert!(valid_address("user@good.test"));
        assert!(!valid_address("user@good.test>\r\nDATA"));
        assert!(!valid_address("user"));
        assert!(!valid_address("a b@good.test"));
        assert!(!valid_address("@good.test"));
    }

    #[tokio::test]
    async fn flooding_peer_is_bounded() {
        // A local peer that sends an endless reply without a newline.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            if let Ok((mut s, _)) = listener.accept().await {
                let junk = vec![b'A'; 8192];
                for _ in 0..1000 {
                    if s.write_all(&junk).await.is_err() {
                        break;
                    }
                }
            }
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut conn = Conn::new(Stream::Plain(tcp), 16 * 1024);
        let mut r = SmtpResult::new("flood", addr.ip(), 25);
        let err = conn.read_reply(Duration::from_secs(5), &mut r).await.unwrap_err();
        assert!(matches!(err, SessionError::TooLarge(_)), "{err}");
    }
}
