//! SMTP probe driver (RFC 5321): for each MX of a domain (or one given host), each address and
//! each port, it connects under the target policy (guard.rs), runs the core's sans-IO
//! [`ClientSession`] over the socket — TLS through rustls (probe/tls.rs), every step under a
//! deadline — and hands the session record to the core's judge. This file decides nothing:
//! the dialogue is `inboxlens_core::smtp::client`, the verdicts and findings are
//! `inboxlens_core::smtp::judge`.

use super::tls::{DaneInfo, TlsSettings, Tlsa, dane_match};
use crate::config::SmtpConfig;
use crate::guard::{ConnectError, GuardError, HostSpec, TargetPolicy, parse_host};
use crate::limits::RateLimiter;
use inboxlens_core::dns::{DnsAnswer, DnsError, Rcode, RecordData, RecordType, Resolver, reverse_name};
use inboxlens_core::smtp::client::{
    ClientConfig, ClientSession, ConnectFailure, ConnectFailureKind, MailboxPlan, SessionRecord, Step, Timeouts,
    TlsFacts, TlsMode, TlsResult,
};
use inboxlens_core::smtp::judge::{self, Target};
use inboxlens_core::smtp::reply::ReplyLimits;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub(crate) use inboxlens_core::smtp::report::{MxHost, Skipped, SmtpProbeReport, SmtpResult, Verdict};

/// Longest reply line accepted (RFC 5321 §4.5.3.1.5 says 512 octets; servers exceed it).
const MAX_LINE: usize = 4096;
/// Most lines in one reply.
const MAX_LINES: usize = 200;
/// Most transcript entries per session.
const MAX_TRANSCRIPT: usize = 400;
/// Deadline for one DNS lookup made by the probe.
const DNS_DEADLINE: Duration = Duration::from_secs(10);
/// Deadline for the reply to QUIT (a courtesy).
const QUIT_DEADLINE_MS: u64 = 2_000;

/// `POST /api/probe/smtp` body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct SmtpProbeRequest {
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

/// Why a probe request could not run at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ProbeError {
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

/// Syntax check for an address given to RCPT TO: `local@domain`, no spaces, brackets or
/// line breaks (no command injection), RFC 5321 §4.5.3.1 length limits.
pub(crate) fn valid_address(addr: &str) -> bool {
    let Some((local, domain)) = addr.rsplit_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && addr.len() <= 254
        && !addr.bytes().any(|b| b.is_ascii_control() || b == b' ' || b == b'<' || b == b'>' || b == b'"')
        && crate::guard::is_valid_dns_name(&domain.to_ascii_lowercase())
}

/// What a probe request reaches, resolved and policy-checked, before any session: made by
/// [`SmtpProber::plan`], consumed by [`SmtpProber::run`].
#[derive(Debug)]
pub(crate) struct ProbePlan {
    /// The report skeleton (MX list, null / implicit MX, skipped addresses).
    report: SmtpProbeReport,
    /// Hosts in MX preference order with the addresses the policy allows.
    hosts: Vec<(String, Vec<IpAddr>)>,
    /// The ports to try, sorted and de-duplicated.
    ports: Vec<u16>,
}

impl ProbePlan {
    /// Every address a session will be opened to.
    pub(crate) fn addresses(&self) -> Vec<IpAddr> {
        self.hosts.iter().flat_map(|(_, ips)| ips.iter().copied()).collect()
    }
}

/// The SMTP prober: resolver, trust material, policy and settings.
pub(crate) struct SmtpProber {
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
    pub(crate) fn new(
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

    /// The target policy every connection goes through.
    pub(crate) fn policy(&self) -> TargetPolicy {
        self.policy
    }

    /// The EHLO name sessions announce.
    pub(crate) fn ehlo_name(&self) -> &str {
        &self.ehlo_name
    }

    /// The session settings (deadlines, reply bounds).
    pub(crate) fn settings(&self) -> &SmtpConfig {
        &self.settings
    }

    async fn lookup(&self, name: &str, rtype: RecordType) -> Result<DnsAnswer, DnsError> {
        match tokio::time::timeout(DNS_DEADLINE, self.resolver.query(name, rtype)).await {
            Ok(r) => r,
            Err(_) => Err(DnsError::Timeout),
        }
    }

    /// Validates a request and returns the cooldown key of its target (domain or host).
    pub(crate) fn target_key(req: &SmtpProbeRequest) -> Result<String, ProbeError> {
        match (&req.domain, &req.host) {
            (Some(d), None) => Ok(format!("domain:{}", d.trim().trim_end_matches('.').to_ascii_lowercase())),
            (None, Some(h)) => Ok(format!("host:{}", h.trim().trim_end_matches('.').to_ascii_lowercase())),
            _ => Err(ProbeError::BadRequest("give exactly one of \"domain\" or \"host\"".into())),
        }
    }

    /// Validates the request and resolves what it would reach (MX hosts, their addresses,
    /// filtered by the target policy), dialling nothing. The HTTP layer keys its cooldown by
    /// [`ProbePlan::addresses`] and then hands the same plan to [`SmtpProber::run`], so the
    /// addresses reserved are exactly the addresses probed (no second lookup to rebind).
    pub(crate) async fn plan(&self, req: &SmtpProbeRequest) -> Result<ProbePlan, ProbeError> {
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
                return Ok(ProbePlan { report, hosts: Vec::new(), ports });
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
                let (found, errors) = self.host_addresses(host).await;
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

        Ok(ProbePlan { report, hosts, ports })
    }

    /// Runs the sessions of a plan made by [`SmtpProber::plan`] and judges them.
    pub(crate) async fn run(&self, plan: ProbePlan, req: &SmtpProbeRequest, now_unix: u64) -> SmtpProbeReport {
        let ProbePlan { mut report, hosts, ports } = plan;
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
        // The catch-all domain: the first address's domain, else the (validated, normalized)
        // domain asked — never the raw request text (issue 10 item 3).
        let mailbox_domain = req
            .rcpt
            .first()
            .and_then(|a| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()))
            .or_else(|| req.domain.as_ref().map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase()));
        let mut futs = Vec::new();
        for (host, ips) in &hosts {
            for (i, ip) in ips.iter().enumerate() {
                for port in &ports {
                    let wants_mailbox = !req.rcpt.is_empty() || req.open_relay || catch_all;
                    let plan = (*port == 25 && i == 0 && wants_mailbox).then(|| {
                        // The random local part is drawn here: the core never draws randomness.
                        let token: u64 = rand::rng().random();
                        MailboxPlan {
                            reverse_path: self.settings.mail_from.clone(),
                            params: Vec::new(),
                            recipients: req.rcpt.clone(),
                            catch_all: if catch_all {
                                mailbox_domain.as_ref().map(|d| format!("inboxlens-nonexistent-{token:016x}@{d}"))
                            } else {
                                None
                            },
                            relay_test: req.open_relay.then(|| self.settings.relay_test_recipient.clone()),
                            batch_size: 100,
                            message: None,
                            max_rejected: 0,
                        }
                    });
                    let target = Target {
                        host: host.clone(),
                        ip: ip.to_string(),
                        port: *port,
                        ptr: ptrs.get(ip).cloned().unwrap_or_default(),
                    };
                    futs.push(self.session(target, *ip, plan, now_unix));
                }
            }
        }
        report.results = futures::future::join_all(futs).await;
        judge::finish_report(&mut report);
        report
    }

    /// One session: budget, connect, then the core's session machine over the socket.
    async fn session(&self, target: Target, ip: IpAddr, plan: Option<MailboxPlan>, now_unix: u64) -> SmtpResult {
        let start = Instant::now();
        if let Err(wait) = self.host_budget.check(ip, 1, start) {
            let msg = format!(
                "not probed: {ip} was probed often in the last minute (server-wide budget); retry in {} s",
                wait.as_secs().max(1)
            );
            return judge::not_probed(&target, &msg);
        }
        let s = &self.settings;
        let config = ClientConfig {
            ehlo_name: self.ehlo_name.clone(),
            port: target.port,
            tls: if inboxlens_core::smtp::implicit_tls_port(target.port) {
                TlsMode::Implicit
            } else {
                TlsMode::Opportunistic
            },
            auth: None,
            auth_requires_tls: true,
            probe_auth_without_tls: false,
            mailbox: plan,
            timeouts: Timeouts {
                banner_ms: s.banner_timeout_ms,
                command_ms: s.command_timeout_ms,
                quit_ms: QUIT_DEADLINE_MS.min(s.command_timeout_ms),
                session_ms: s.session_timeout_ms,
            },
            limits: ReplyLimits { max_line: MAX_LINE, max_lines: MAX_LINES, max_bytes: s.max_reply_bytes },
            max_transcript: MAX_TRANSCRIPT,
        };
        let record = self.run_client(&target, ip, config, now_unix, true).await;
        judge::session_result(&target, &record)
    }

    /// A host name's addresses (A, then AAAA), each lookup under the DNS deadline, with the
    /// lookup errors (an empty list without errors: the name has no address records).
    pub(crate) async fn host_addresses(&self, host: &str) -> (Vec<IpAddr>, Vec<String>) {
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
        (found, errors)
    }

    /// Connects to `ip` under the target policy and runs the core's session machine with
    /// `config` over the socket (TLS through rustls; DANE looked up when `dane`). The one SMTP
    /// socket driver: the probe and the mailbox verifier both run their sessions here.
    pub(crate) async fn run_client(
        &self,
        target: &Target,
        ip: IpAddr,
        config: ClientConfig,
        now_unix: u64,
        dane: bool,
    ) -> SessionRecord {
        let start = Instant::now();
        let mut session = ClientSession::new(config, 0);
        let ms = || start.elapsed().as_millis() as u64;
        let addr = SocketAddr::new(ip, target.port);
        session.note(&format!("connecting to {addr}"));
        match self.policy.connect(addr, Duration::from_millis(self.settings.connect_timeout_ms)).await {
            Ok(tcp) => {
                let step = session.on_connected(ms());
                self.drive(&mut session, tcp, step, target, start, CertCheck { now_unix, dane }).await;
            }
            Err(e) => {
                let kind = match &e {
                    ConnectError::Timeout(_) => ConnectFailureKind::Timeout,
                    ConnectError::Refused(GuardError::NonPublic { .. }) => ConnectFailureKind::NotPublic,
                    _ => ConnectFailureKind::Refused,
                };
                session.on_connect_failed(ConnectFailure { kind, message: e.to_string() }, ms());
            }
        }
        let mut record = session.into_record();
        record.elapsed_ms = start.elapsed().as_millis() as u64;
        record
    }

    /// Executes the session's steps on the socket until it is done. Reads are bounded by the
    /// session's deadlines; writes and the TLS handshake by the command deadline.
    async fn drive(
        &self,
        session: &mut ClientSession,
        tcp: TcpStream,
        mut step: Step,
        target: &Target,
        start: Instant,
        check: CertCheck,
    ) {
        let ms = || start.elapsed().as_millis() as u64;
        let io_deadline = Duration::from_millis(self.settings.command_timeout_ms);
        let mut stream = Stream::Plain(tcp);
        let mut buf = vec![0u8; 4096];
        loop {
            step = match step {
                Step::Done(_) => return,
                Step::Send(cmd) => match cmd.to_wire() {
                    Ok(wire) => match stream.write_all(&wire, io_deadline).await {
                        Ok(()) => session.poll(ms()),
                        Err(e) => session.on_io_error(&e, ms()),
                    },
                    // The session validated it already; never reached, but never a panic.
                    Err(e) => session.on_io_error(&e.to_string(), ms()),
                },
                Step::SendData(bytes) => match stream.write_all(&bytes, io_deadline).await {
                    Ok(()) => session.poll(ms()),
                    Err(e) => session.on_io_error(&e, ms()),
                },
                Step::StartTls => {
                    let tcp = match std::mem::replace(&mut stream, Stream::Gone) {
                        Stream::Plain(tcp) => tcp,
                        other => {
                            stream = other;
                            step = session.on_tls_done(TlsResult::Failed("TLS requested twice".into()), ms());
                            continue;
                        }
                    };
                    let (result, tls) = self.handshake(tcp, target, session, check).await;
                    if let Some(tls) = tls {
                        stream = Stream::Tls(Box::new(tls));
                    }
                    session.on_tls_done(result, ms())
                }
                Step::Wait(until) => {
                    let now = ms();
                    if until <= now {
                        session.poll(now)
                    } else {
                        match tokio::time::timeout(Duration::from_millis(until - now), stream.read(&mut buf)).await {
                            Ok(Ok(0)) => session.on_closed(ms()),
                            Ok(Ok(n)) => {
                                session.on_received(buf.get(..n).unwrap_or_default(), ms());
                                session.poll(ms())
                            }
                            Ok(Err(e)) => session.on_io_error(&e.to_string(), ms()),
                            Err(_) => session.poll(ms()),
                        }
                    }
                }
            };
        }
    }

    /// TLS handshake, then version, cipher, certificate assessment and DANE.
    async fn handshake(
        &self,
        tcp: TcpStream,
        target: &Target,
        session: &mut ClientSession,
        check: CertCheck,
    ) -> (TlsResult, Option<tokio_rustls::client::TlsStream<TcpStream>>) {
        let CertCheck { now_unix, dane } = check;
        let name = match target.host.parse::<IpAddr>() {
            Ok(ip) => rustls::pki_types::ServerName::IpAddress(ip.into()),
            Err(_) => match rustls::pki_types::ServerName::try_from(target.host.clone()) {
                Ok(n) => n,
                Err(e) => return (TlsResult::Failed(format!("bad server name: {e}")), None),
            },
        };
        let connector = tokio_rustls::TlsConnector::from(self.client_config.clone());
        let t = Duration::from_millis(self.settings.command_timeout_ms);
        let tls = match tokio::time::timeout(t, connector.connect(name, tcp)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return (TlsResult::Failed(e.to_string()), None),
            Err(_) => return (TlsResult::TimedOut(t.as_millis() as u64), None),
        };
        let (_, conn) = tls.get_ref();
        let version = conn.protocol_version().map(|v| match v {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
            other => format!("{other:?}"),
        });
        let cipher = conn.negotiated_cipher_suite().map(|c| format!("{:?}", c.suite()));
        let chain: Vec<rustls::pki_types::CertificateDer<'static>> =
            conn.peer_certificates().map(|c| c.iter().map(|d| d.clone().into_owned()).collect()).unwrap_or_default();
        let cert = self.tls.assess(&target.host, &chain, now_unix);
        session.note(&format!(
            "{} {} — certificate {} (trusted: {}, name match: {})",
            version.clone().unwrap_or_default(),
            cipher.clone().unwrap_or_default(),
            cert.subject,
            cert.trusted,
            cert.hostname_match
        ));
        let dane = if dane { self.dane(target, &chain, session).await } else { None };
        (TlsResult::Established(Box::new(TlsFacts { version, cipher, cert: Some(cert), dane })), Some(tls))
    }

    /// DANE (RFC 7672 §2.2.3): TLSA at `_port._tcp.<mx host>`, matched against the chain.
    async fn dane(
        &self,
        target: &Target,
        chain: &[rustls::pki_types::CertificateDer<'static>],
        session: &mut ClientSession,
    ) -> Option<DaneInfo> {
        if target.host.parse::<IpAddr>().is_ok() {
            return None;
        }
        let qname = format!("_{}._tcp.{}", target.port, target.host);
        let ans = self.lookup(&qname, RecordType::Tlsa).await.ok()?;
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
        if records.is_empty() {
            return None;
        }
        let matched_record = dane_match(&records, chain);
        session.note(&format!("DANE: {} TLSA record(s), match: {}", records.len(), matched_record.is_some()));
        Some(DaneInfo {
            name: qname,
            records,
            dnssec: ans.authenticated,
            matched: matched_record.is_some(),
            matched_record,
        })
    }
}

/// How a session's TLS peer is assessed: the clock for certificate validity, and whether DANE
/// TLSA records are looked up (the probe reports them; the verifier does not need them).
#[derive(Debug, Clone, Copy)]
struct CertCheck {
    now_unix: u64,
    dane: bool,
}

/// Plain TCP or TLS over TCP (or nothing, during the switch).
enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    Gone,
}

impl Stream {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf).await,
            Stream::Tls(s) => s.read(buf).await,
            Stream::Gone => Ok(0),
        }
    }

    async fn write_all(&mut self, bytes: &[u8], deadline: Duration) -> Result<(), String> {
        let fut = async {
            match self {
                Stream::Plain(s) => {
                    s.write_all(bytes).await?;
                    s.flush().await
                }
                Stream::Tls(s) => {
                    s.write_all(bytes).await?;
                    s.flush().await
                }
                Stream::Gone => Err(std::io::Error::from(std::io::ErrorKind::NotConnected)),
            }
        };
        match tokio::time::timeout(deadline, fut).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("write not done within {} ms", deadline.as_millis())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_syntax() {
        assert!(valid_address("user@good.test"));
        assert!(!valid_address("user@good.test>\r\nDATA"));
        assert!(!valid_address("user"));
        assert!(!valid_address("a b@good.test"));
        assert!(!valid_address("@good.test"));
    }
}
