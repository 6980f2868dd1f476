//! The SMTP sessions the verification scheduler asks for, over the probe's socket/TLS driver
//! ([`SmtpProber::run_client`]). The dialogue is the core's client machine
//! ([`inboxlens_core::smtp::client`]); which reply answers which probe and how a session ended is
//! the core's [`inboxlens_core::verify::session`]. Here: the MX host's addresses, the target
//! policy, the next address when one refuses the connection, and one plaintext retry when the
//! STARTTLS handshake fails (what an MTA with opportunistic TLS does, RFC 7435 §1.3).

use super::{SessionFuture, SessionRunner, SessionSettings};
use crate::config::SmtpConfig;
use crate::guard::TargetPolicy;
use crate::limits::RateLimiter;
use crate::probe::smtp::SmtpProber;
use crate::probe::tls::TlsSettings;
use inboxlens_core::dns::Resolver;
use inboxlens_core::smtp::client::{ClientConfig, Timeouts, TlsMode};
use inboxlens_core::smtp::judge::Target;
use inboxlens_core::smtp::reply::ReplyLimits;
use inboxlens_core::verify::model::Reason;
use inboxlens_core::verify::scheduler::{Probe, SessionEnd, SessionResult};
use inboxlens_core::verify::session::{mailbox_plan, session_result, tls_failed_before_rcpt};
use std::net::IpAddr;
use std::sync::Arc;

/// Addresses of one MX host tried before the host counts as unreachable.
const MAX_ADDRESSES_PER_MX: usize = 3;
/// The SMTP port of an MX (RFC 5321 §4.5.4.2).
const SMTP_PORT: u16 = 25;

/// Runs verification sessions with the core's SMTP client over real sockets.
pub(crate) struct SmtpSessionRunner {
    prober: Arc<SmtpProber>,
    per_mx: Arc<MxSlots>,
}

/// Sessions open per MX host across every run that shares this runner (the server's requests and
/// jobs each drive their own scheduler, whose per-MX cap holds only within that run). A session
/// waits for a slot; the engine's session deadline bounds the wait.
pub(crate) struct MxSlots {
    per_host: usize,
    hosts: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Semaphore>>>,
}

/// Idle hosts are forgotten once this many are remembered (a host with a session open is kept:
/// their number is bounded by the sessions in flight).
const MX_SLOTS_REMEMBERED: usize = 4096;

impl MxSlots {
    /// At most `per_host` sessions per MX host at once (0: no cap).
    pub(crate) fn new(per_host: usize) -> Self {
        MxSlots { per_host, hosts: std::sync::Mutex::new(std::collections::HashMap::new()) }
    }

    /// Waits for a slot of `host`; the slot is held until the permit drops.
    pub(crate) async fn acquire(&self, host: &str) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if self.per_host == 0 {
            return None;
        }
        let sem = {
            let mut hosts = match self.hosts.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            if hosts.len() >= MX_SLOTS_REMEMBERED && !hosts.contains_key(host) {
                let per_host = self.per_host;
                hosts.retain(|_, s| s.available_permits() < per_host);
            }
            Arc::clone(
                hosts
                    .entry(host.to_ascii_lowercase())
                    .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(self.per_host))),
            )
        };
        // the semaphore is never closed
        sem.acquire_owned().await.ok()
    }

    /// Sessions open to `host` now (for tests).
    #[cfg(test)]
    pub(crate) fn open(&self, host: &str) -> usize {
        let hosts = self.hosts.lock().map(|h| h.get(host).map(|s| self.per_host - s.available_permits()));
        hosts.ok().flatten().unwrap_or(0)
    }
}

/// Why the runner could not be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunnerError {
    /// The TLS trust store could not be set up.
    #[error("TLS setup: {0}")]
    Tls(String),
}

impl SmtpSessionRunner {
    /// A runner resolving MX addresses with `resolver`, connecting under the target policy of
    /// `settings.allow_private`, each step within `settings.step_timeout`, with at most
    /// `max_sessions_per_mx` sessions open to one MX host across all its callers (0: no cap).
    pub(crate) fn new(
        resolver: Arc<dyn Resolver>,
        settings: &SessionSettings,
        max_sessions_per_mx: usize,
    ) -> Result<Self, RunnerError> {
        let tls = TlsSettings::new(&[] as &[std::path::PathBuf]).map_err(|e| RunnerError::Tls(e.to_string()))?;
        let step_ms = settings.step_timeout.as_millis().max(1) as u64;
        let smtp = SmtpConfig {
            ehlo_name: settings.helo.clone(),
            mail_from: settings.from_address.clone(),
            connect_timeout_ms: step_ms,
            banner_timeout_ms: step_ms,
            command_timeout_ms: step_ms,
            ..SmtpConfig::default()
        };
        let prober = SmtpProber::new(
            resolver,
            tls,
            TargetPolicy { allow_private: settings.allow_private },
            smtp,
            settings.helo.clone(),
            // no per-address budget: sessions per MX host are bounded by the scheduler and MxSlots
            RateLimiter::with_capacity(0, 0, 1),
        )
        .map_err(|e| RunnerError::Tls(e.to_string()))?;
        Ok(SmtpSessionRunner { prober: Arc::new(prober), per_mx: Arc::new(MxSlots::new(max_sessions_per_mx)) })
    }
}

impl SessionRunner for SmtpSessionRunner {
    fn run(&self, mx: String, batches: Vec<Vec<Probe>>, settings: SessionSettings) -> SessionFuture {
        let prober = Arc::clone(&self.prober);
        let slots = Arc::clone(&self.per_mx);
        Box::pin(async move {
            let _slot = slots.acquire(&mx).await;
            run_session(&prober, mx, batches, &settings).await
        })
    }
}

/// The client configuration of one verification session.
fn client_config(settings: &SessionSettings, batches: &[Vec<Probe>], tls: TlsMode) -> ClientConfig {
    let step = settings.step_timeout.as_millis().max(1) as u64;
    let rcpts: u64 = batches.iter().map(|b| b.len() as u64).sum();
    ClientConfig {
        ehlo_name: settings.helo.clone(),
        port: SMTP_PORT,
        tls,
        auth: None,
        auth_requires_tls: true,
        probe_auth_without_tls: false,
        mailbox: Some(mailbox_plan(batches, &settings.from_address)),
        timeouts: Timeouts {
            banner_ms: step,
            command_ms: step,
            quit_ms: step.min(2_000),
            session_ms: step.saturating_mul(4 + 2 * rcpts.min(1000)),
        },
        limits: ReplyLimits::default(),
        max_transcript: 64,
    }
}

async fn run_session(
    prober: &SmtpProber,
    mx: String,
    batches: Vec<Vec<Probe>>,
    settings: &SessionSettings,
) -> SessionResult {
    let ips = match mx.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => match prober.host_addresses(&mx).await {
            (ips, _) if !ips.is_empty() => ips,
            // the MX host has no address: unreachable, the scheduler tries the next MX
            (_, errors) if errors.is_empty() => {
                return SessionResult { end: SessionEnd::Refused, replies: Vec::new() };
            }
            (_, errors) => {
                let detail = format!(
                    "The addresses of {mx} could not be resolved ({}); nothing is known about the mailbox.",
                    errors.join("; ")
                );
                return SessionResult {
                    end: SessionEnd::Failed { reason: Reason::SmtpError, detail },
                    replies: Vec::new(),
                };
            }
        },
    };
    let now_unix =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    let mut last = None;
    for ip in ips.into_iter().take(MAX_ADDRESSES_PER_MX) {
        let target = Target { host: mx.clone(), ip: ip.to_string(), port: SMTP_PORT, ptr: Vec::new() };
        let mut record = prober
            .run_client(&target, ip, client_config(settings, &batches, TlsMode::Opportunistic), now_unix, false)
            .await;
        if tls_failed_before_rcpt(&record) {
            record =
                prober.run_client(&target, ip, client_config(settings, &batches, TlsMode::Off), now_unix, false).await;
        }
        if record.connect_failure.is_some() {
            // this address is unreachable (or not allowed): the next one
            last = Some(session_result(&batches, &record));
            continue;
        }
        return session_result(&batches, &record);
    }
    last.unwrap_or(SessionResult { end: SessionEnd::Refused, replies: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn mx_slots_cap_sessions_per_host_across_callers_and_forget_idle_hosts() {
        let slots = Arc::new(MxSlots::new(2));
        let a = slots.acquire("mx.a.test").await;
        let b = slots.acquire("MX.A.test").await;
        assert_eq!(slots.open("mx.a.test"), 2);
        // a third waits until one is released
        let s2 = Arc::clone(&slots);
        let third = tokio::spawn(async move { s2.acquire("mx.a.test").await.is_some() });
        tokio::task::yield_now().await;
        assert!(!third.is_finished());
        drop(a);
        assert!(third.await.unwrap());
        drop(b);
        // other hosts are independent; idle hosts are forgotten past the bound
        for k in 0..(MX_SLOTS_REMEMBERED + 10) {
            drop(slots.acquire(&format!("mx{k}.test")).await);
        }
        assert!(slots.hosts.lock().unwrap().len() <= MX_SLOTS_REMEMBERED + 1);
        assert!(MxSlots::new(0).acquire("x").await.is_none(), "0: no cap");
    }
}
