//! Configuration of `inboxlens serve`: a TOML file, then environment variables, then
//! command-line flags (each layer overrides the one before). Every key has a safe default,
//! so the server starts with no file at all. The README documents every key.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole configuration. Unknown keys are an error, so a typo is not silently ignored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    /// Address the HTTP server listens on (`127.0.0.1:8080`).
    pub listen: String,
    /// Allow probes to private / loopback addresses. For labs and tests only.
    pub allow_private: bool,
    /// Origins allowed to call the JSON API from another site (CORS). Empty = same origin only;
    /// `"*"` = any origin. The DoH endpoint uses `doh.cors_origins`, else this list.
    pub cors_origins: Vec<String>,
    /// Bearer token required on `/api/*` (except capabilities) and `/dns-query` when set.
    /// Prefer the `INBOXLENS_TOKEN` environment variable: a token in a file is easy to leak.
    pub token: Option<String>,
    /// Trust `X-Forwarded-For` for the client address (only behind your own reverse proxy):
    /// the client is the right-most hop that is not one of `trusted_proxies`.
    pub trust_forwarded_for: bool,
    /// Reverse proxies (CIDRs, `10.0.0.0/8`, `::1/128`; a bare address is a /32 or /128) whose
    /// `X-Forwarded-For` entries are believed. A peer outside this list is the client itself.
    pub trusted_proxies: Vec<String>,
    /// Host names (with or without `:port`) the API answers to; any other `Host` header gets
    /// 421 (DNS rebinding: a web page whose name re-resolves to 127.0.0.1 must not reach the
    /// API). Empty = loopback names only when listening on loopback, any name otherwise;
    /// `"*"` = any name.
    pub allowed_hosts: Vec<String>,
    /// DNS server (`IP` or `IP:PORT`) for every lookup of the server, when `--resolver`,
    /// `--doh` and `--offline` are not given. Empty = the system resolver.
    pub resolver: String,
    /// SMTP probe settings.
    pub smtp: SmtpConfig,
    /// DNS blocklists.
    pub dnsbl: DnsblConfig,
    /// Rate limits, concurrency caps, body limits.
    pub limits: LimitsConfig,
    /// The DoH endpoint's upstream.
    pub doh: DohConfig,
    /// Mailbox verification (`/api/verify`, `/api/verify/jobs`).
    pub verify: VerifyConfig,
    /// The inbound test address: an SMTP receiver for `<token>@<domain>` (off unless
    /// `inbound.listen` / `--smtp-listen` is set).
    pub inbound: InboundConfig,
    /// PEM files with extra trust anchors (CA certificates) for SMTP STARTTLS and MTA-STS fetches,
    /// on top of the webpki (Mozilla) roots.
    pub extra_trust_anchors: Vec<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".to_string(),
            allow_private: false,
            cors_origins: Vec::new(),
            token: None,
            trust_forwarded_for: false,
            trusted_proxies: vec!["127.0.0.0/8".to_string(), "::1/128".to_string()],
            allowed_hosts: Vec::new(),
            resolver: String::new(),
            smtp: SmtpConfig::default(),
            dnsbl: DnsblConfig::default(),
            limits: LimitsConfig::default(),
            doh: DohConfig::default(),
            verify: VerifyConfig::default(),
            inbound: InboundConfig::default(),
            extra_trust_anchors: Vec::new(),
        }
    }
}

/// SMTP probe settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct SmtpConfig {
    /// The name sent in EHLO. Must be a real FQDN of this host whose A/PTR match: a borrowed
    /// name (gmail.com) gets the prober blocklisted. Empty = the machine's hostname.
    pub ehlo_name: String,
    /// Reverse-path used for mailbox checks (`MAIL FROM:<...>`); empty = null reverse-path `<>`.
    pub mail_from: String,
    /// Ports probed when the request names none.
    pub default_ports: Vec<u16>,
    /// TCP connect deadline, milliseconds.
    pub connect_timeout_ms: u64,
    /// Deadline for the greeting banner, milliseconds (RFC 5321 §4.5.3.2 allows 5 min; probes are impatient).
    pub banner_timeout_ms: u64,
    /// Deadline for each command's reply, milliseconds.
    pub command_timeout_ms: u64,
    /// Deadline for one whole session (one host, address and port), milliseconds.
    pub session_timeout_ms: u64,
    /// Most bytes accepted for one reply (all its lines); a flooding peer ends the session.
    pub max_reply_bytes: usize,
    /// Most RCPT TO addresses per request.
    pub max_rcpt: usize,
    /// Most MX hosts probed per domain.
    pub max_mx_hosts: usize,
    /// Most addresses probed per host.
    pub max_addresses_per_host: usize,
    /// Foreign recipient used by the optional open-relay test; must not be local to any probed server.
    pub relay_test_recipient: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            ehlo_name: String::new(),
            mail_from: String::new(),
            default_ports: vec![25, 465, 587, 2525],
            connect_timeout_ms: 8_000,
            banner_timeout_ms: 20_000,
            command_timeout_ms: 15_000,
            session_timeout_ms: 60_000,
            max_reply_bytes: 64 * 1024,
            max_rcpt: 10,
            max_mx_hosts: 5,
            max_addresses_per_host: 2,
            relay_test_recipient: "inboxlens-relay-test@example.org".to_string(),
        }
    }
}

/// One DNS blocklist.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct DnsblList {
    /// The list's zone (`zen.spamhaus.org`).
    pub zone: String,
    /// How to read its answers: `spamhaus` (127.255.255.x = query refused), `surbl` / `uribl`
    /// (127.0.0.1 = query refused, other codes are bit masks), or `generic`.
    #[serde(default = "default_profile")]
    pub profile: String,
}

fn default_profile() -> String {
    "generic".to_string()
}

impl DnsblList {
    fn new(zone: &str, profile: &str) -> Self {
        DnsblList { zone: zone.to_string(), profile: profile.to_string() }
    }
}

/// DNS blocklist settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct DnsblConfig {
    /// Lists queried by IP address (reversed octets, RFC 5782 §2.1).
    pub ip_lists: Vec<DnsblList>,
    /// Lists queried by domain name (RFC 5782 §2.3).
    pub domain_lists: Vec<DnsblList>,
    /// Deadline for one list's answer, milliseconds.
    pub timeout_ms: u64,
}

impl Default for DnsblConfig {
    fn default() -> Self {
        DnsblConfig {
            ip_lists: vec![
                DnsblList::new("zen.spamhaus.org", "spamhaus"),
                DnsblList::new("bl.spamcop.net", "generic"),
                DnsblList::new("b.barracudacentral.org", "generic"),
                DnsblList::new("dnsbl-1.uceprotect.net", "generic"),
                DnsblList::new("psbl.surriel.com", "generic"),
                DnsblList::new("bl.mailspike.net", "generic"),
            ],
            domain_lists: vec![
                DnsblList::new("dbl.spamhaus.org", "spamhaus"),
                DnsblList::new("multi.surbl.org", "surbl"),
                DnsblList::new("multi.uribl.com", "uribl"),
            ],
            timeout_ms: 5_000,
        }
    }
}

/// Rate limits, concurrency caps and body limits.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LimitsConfig {
    /// API requests per minute per client address (0 = unlimited).
    pub api_per_minute: u32,
    /// Burst allowance of the API bucket.
    pub api_burst: u32,
    /// DoH queries per minute per client address (0 = unlimited); a domain check is dozens of queries.
    pub doh_per_minute: u32,
    /// Burst allowance of the DoH bucket.
    pub doh_burst: u32,
    /// Extra cost (in API tokens) of one SMTP probe request.
    pub smtp_probe_cost: u32,
    /// SMTP probes running at once, server-wide.
    pub max_concurrent_smtp: usize,
    /// DNSBL lookups running at once, server-wide.
    pub max_concurrent_dnsbl: usize,
    /// Message analyses running at once, server-wide.
    pub max_concurrent_analyze: usize,
    /// Domain checks running at once, server-wide.
    pub max_concurrent_domain: usize,
    /// DoH queries forwarded at once, server-wide.
    pub max_concurrent_doh: usize,
    /// Seconds a target host stays in cooldown after a probe (identical requests get the cached result).
    pub target_cooldown_secs: u64,
    /// SMTP sessions per minute to one IP address, server-wide, whoever asks (0 = unlimited):
    /// many domains share one MX, so the per-request cooldown alone cannot protect it.
    pub host_sessions_per_minute: u32,
    /// Burst allowance of the per-address session budget.
    pub host_sessions_burst: u32,
    /// Logins (`/api/smtp-test` requests with credentials) per minute per client address
    /// (0 = unlimited): the tester must not become a password-guessing tool.
    pub smtp_test_logins_per_minute: u32,
    /// Burst allowance of the per-client login bucket.
    pub smtp_test_logins_burst: u32,
    /// Logins per minute to one server address, whoever asks (0 = unlimited): many clients
    /// together must not guess one account's password either.
    pub smtp_test_target_logins_per_minute: u32,
    /// Burst allowance of the per-server login bucket.
    pub smtp_test_target_logins_burst: u32,
    /// Largest message accepted by `/api/analyze`, bytes (25 MB).
    pub analyze_body_bytes: usize,
    /// Largest body of every other endpoint, bytes.
    pub other_body_bytes: usize,
    /// How long a request waits for a concurrency slot before getting 503, milliseconds.
    pub queue_timeout_ms: u64,
    /// Deadline of a whole request until its response starts (slow bodies included), milliseconds.
    pub request_timeout_ms: u64,
    /// Deadline for a request's headers, milliseconds; it also closes a kept-alive connection
    /// that stays idle this long (slowloris: partial headers held open).
    pub header_read_timeout_ms: u64,
    /// The header deadline (and idle keep-alive timeout) of connections accepted while more than
    /// three quarters of `max_connections` are open, milliseconds: under a slowloris spread over
    /// many addresses (each below the per-client cap) a stalled socket then costs the attacker a
    /// new connection every this often instead of every `header_read_timeout_ms`.
    pub pressure_header_read_timeout_ms: u64,
    /// A response write that makes no progress this long (the client stopped reading and the
    /// socket buffers are full) closes the connection, milliseconds.
    pub write_timeout_ms: u64,
    /// Open HTTP connections, server-wide; past it new connections are closed at once.
    /// Clamped below the process's file-descriptor limit at start.
    pub max_connections: usize,
    /// Open HTTP connections from one client address (IPv6: one prefix, see `ipv6_client_prefix`).
    pub max_connections_per_client: usize,
    /// IPv6 clients are keyed by this prefix length (one /64 is one subscriber, not 2^64 clients).
    pub ipv6_client_prefix: u8,
    /// Most client addresses each rate limiter remembers; past it the least recently seen go first.
    pub max_tracked_clients: usize,
    /// Bounce explanations running at once, server-wide.
    pub max_concurrent_explain: usize,
    /// SMTP probes one client may run at once (tarpits hold a slot for a whole session).
    pub max_concurrent_smtp_per_client: usize,
    /// Largest probe report kept in the cooldown cache, bytes of JSON (bigger ones are not cached).
    pub max_cached_report_bytes: usize,
    /// Wrong-token requests per minute per client address before every request of that client
    /// gets 429 (token guessing).
    pub auth_failures_per_minute: u32,
    /// Burst allowance of the wrong-token bucket.
    pub auth_failures_burst: u32,
    /// `/api/verify` requests running at once, server-wide (each runs its own SMTP sessions).
    pub max_concurrent_verify: usize,
    /// `/api/verify` requests one client may run at once (job uploads in progress count too).
    pub max_concurrent_verify_per_client: usize,
    /// Extra API tokens one address of `/api/verify` costs (on top of the request's 1), so a
    /// 100-address request weighs 100 single ones (capped at `api_burst`).
    pub verify_address_cost: u32,
    /// API tokens one `POST /api/verify/jobs` costs (a job is bounded by the job caps below,
    /// not by the bucket).
    pub verify_job_cost: u32,
    /// Largest list accepted by `POST /api/verify/jobs`, bytes (413 past it).
    pub verify_job_body_bytes: usize,
    /// Most rows (addresses) in one job's list (400 past it).
    pub verify_job_max_rows: u64,
    /// Job lists being uploaded and checked at once, server-wide (each holds its body in memory
    /// until it is stored; the slot is taken before the body is read).
    pub max_concurrent_verify_uploads: usize,
    /// Jobs verifying at once, server-wide; the others wait in state `queued`.
    pub max_running_verify_jobs: usize,
    /// Jobs kept (queued, running and finished); past it the oldest finished job is dropped,
    /// and when none is finished a new job gets 503.
    pub max_verify_jobs: usize,
    /// Jobs one client may have queued or running at once (429 past it).
    pub max_verify_jobs_per_client: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            api_per_minute: 120,
            api_burst: 60,
            doh_per_minute: 3_000,
            doh_burst: 600,
            smtp_probe_cost: 10,
            max_concurrent_smtp: 8,
            max_concurrent_dnsbl: 16,
            max_concurrent_analyze: 16,
            max_concurrent_domain: 32,
            max_concurrent_doh: 256,
            target_cooldown_secs: 60,
            host_sessions_per_minute: 30,
            host_sessions_burst: 12,
            smtp_test_logins_per_minute: 3,
            smtp_test_logins_burst: 5,
            smtp_test_target_logins_per_minute: 10,
            smtp_test_target_logins_burst: 20,
            analyze_body_bytes: 25 * 1024 * 1024,
            other_body_bytes: 256 * 1024,
            queue_timeout_ms: 10_000,
            request_timeout_ms: 120_000,
            header_read_timeout_ms: 10_000,
            pressure_header_read_timeout_ms: 2_000,
            write_timeout_ms: 30_000,
            max_connections: 2_048,
            max_connections_per_client: 64,
            ipv6_client_prefix: 64,
            max_tracked_clients: 100_000,
            max_concurrent_explain: 16,
            max_concurrent_smtp_per_client: 2,
            max_cached_report_bytes: 256 * 1024,
            auth_failures_per_minute: 6,
            auth_failures_burst: 10,
            max_concurrent_verify: 4,
            max_concurrent_verify_per_client: 2,
            verify_address_cost: 1,
            verify_job_cost: 10,
            verify_job_body_bytes: 20 * 1024 * 1024,
            verify_job_max_rows: 100_000,
            max_concurrent_verify_uploads: 4,
            max_running_verify_jobs: 2,
            max_verify_jobs: 64,
            max_verify_jobs_per_client: 4,
        }
    }
}

/// Where the DoH endpoint forwards queries.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct DohConfig {
    /// Upstream DNS server (`IP` or `IP:PORT`). Empty = the `--resolver` flag, else the first
    /// `nameserver` of /etc/resolv.conf.
    pub upstream: String,
    /// Deadline for one forwarded query (UDP, then TCP on truncation), milliseconds.
    pub timeout_ms: u64,
    /// Origins allowed to call `/dns-query` from another site (CORS); `"*"` = any origin.
    /// Empty = the API's `cors_origins`.
    pub cors_origins: Vec<String>,
    /// Names under these suffixes are refused (REFUSED): the host's internal zones are not
    /// for the public. Reverse zones of non-public ranges are always refused.
    pub private_suffixes: Vec<String>,
    /// Drop answers (REFUSED) whose A/AAAA records point into non-public ranges
    /// (DNS rebinding and internal-network mapping through the companion).
    pub refuse_private_answers: bool,
}

impl Default for DohConfig {
    fn default() -> Self {
        DohConfig {
            upstream: String::new(),
            timeout_ms: 4_000,
            cors_origins: Vec::new(),
            private_suffixes: [
                "internal",
                "local",
                "lan",
                "corp",
                "home",
                "home.arpa",
                "intranet",
                "private",
                "localhost",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            refuse_private_answers: true,
        }
    }
}

/// Mailbox verification by the server: `POST /api/verify` (up to 100 addresses, answered at
/// once) and the bulk jobs of `/api/verify/jobs`. The caps and sizes are in `[limits]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct VerifyConfig {
    /// Ask the MX hosts about each mailbox over SMTP (RCPT TO, never DATA). `false`: syntax,
    /// DNS and lists only (every deliverable-looking address is `unknown / mailbox_not_checked`).
    pub smtp: bool,
    /// MAIL FROM of the verification sessions (`--from-address`); empty = the null
    /// reverse-path `<>`, which every receiver must accept (RFC 5321 §4.5.5).
    pub from_address: String,
    /// EHLO name of the verification sessions (`--helo`); empty = `smtp.ehlo_name` (else the
    /// machine's hostname).
    pub helo: String,
    /// Deadline of one SMTP step (connect, banner, one command), milliseconds.
    pub step_timeout_ms: u64,
    /// Deadline of one domain's MX resolution (MX and the exchanges' addresses), milliseconds.
    pub dns_timeout_ms: u64,
    /// SMTP sessions one verification run (a request or a job) opens at once, all MX together.
    pub max_sessions: usize,
    /// SMTP sessions one run opens at once to one MX host.
    pub max_sessions_per_mx: usize,
    /// Retry of a greylisted address when the server gives no hint, seconds.
    pub greylist_retry_secs: u64,
    /// Longest a job's address may stay deferred (greylisting, rate limits), seconds. A request
    /// to `/api/verify` waits at most half its deadline.
    pub max_wait_secs: u64,
    /// Deadline of one `/api/verify` request, milliseconds (kept below
    /// `limits.request_timeout_ms`); addresses without an answer by then are `unknown / timeout`.
    pub request_timeout_ms: u64,
    /// Longest a job may run once started, seconds; past it the job fails.
    pub job_timeout_secs: u64,
    /// How long a finished job (status and result.csv) is kept, seconds.
    pub job_ttl_secs: u64,
    /// Directory for the jobs' lists and result files (a per-process `inboxlens-jobs-PID`
    /// directory is made inside and removed at exit); empty = the system temp directory.
    pub jobs_dir: String,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        VerifyConfig {
            smtp: true,
            from_address: String::new(),
            helo: String::new(),
            step_timeout_ms: 15_000,
            dns_timeout_ms: 10_000,
            max_sessions: 8,
            max_sessions_per_mx: 2,
            greylist_retry_secs: 60,
            max_wait_secs: 600,
            request_timeout_ms: 60_000,
            job_timeout_secs: 4 * 3600,
            job_ttl_secs: 3600,
            jobs_dir: String::new(),
        }
    }
}

/// The inbound test address (`serve --smtp-listen ADDR:PORT --inbound-domain NAME`): an SMTP
/// receiver that accepts mail only for live `<token>@<domain>` addresses, never relays and
/// never sends, analyzes each message with the session's facts and keeps the report (and the
/// raw message) in an embedded database until it expires.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct InboundConfig {
    /// SMTP listen address (`0.0.0.0:25`); empty = no inbound listener (`--smtp-listen`).
    pub listen: String,
    /// The domain of the test addresses; its MX must point at this host (`--inbound-domain`).
    pub domain: String,
    /// The name in the SMTP greeting and EHLO reply; empty = `domain`.
    pub hostname: String,
    /// Offer STARTTLS.
    pub starttls: bool,
    /// PEM certificate chain offered with STARTTLS; empty (with `tls_key`) = a self-signed
    /// certificate for `hostname`, made at start (senders use STARTTLS opportunistically and
    /// do not verify it).
    pub tls_cert: String,
    /// PEM private key of `tls_cert`.
    pub tls_key: String,
    /// How long an address and its report are kept, hours.
    pub retention_hours: u64,
    /// The database file (redb) holding addresses, reports and raw messages; empty = one per
    /// listen address, `$XDG_STATE_HOME/inboxlens/inbound-ADDR_PORT.redb` (else
    /// `~/.local/state/...`).
    pub db_path: String,
    /// Largest message accepted, bytes (announced as SIZE; 552 past it).
    #[serde(alias = "max_message_size")]
    pub max_message_bytes: usize,
    /// Recipients accepted per message.
    pub max_recipients: usize,
    /// Commands accepted before DATA (and between messages) on one connection.
    pub max_commands: usize,
    /// Messages accepted on one connection.
    pub max_messages_per_connection: usize,
    /// Live (unexpired) test addresses kept; past it `GET /api/inbound` gets 503.
    pub max_live_tokens: usize,
    /// Raw messages kept; past it the listener answers 452 (insufficient storage).
    pub max_stored_messages: usize,
    /// Bytes of raw messages kept, all together; past it 452 as well.
    pub max_stored_bytes: u64,
    /// Open SMTP connections, server-wide; past it new ones get 421.
    pub max_connections: usize,
    /// Open SMTP connections from one client address (IPv6: per `limits.ipv6_client_prefix`).
    pub max_connections_per_ip: usize,
    /// New connections per minute from one client address (0 = unlimited).
    pub connections_per_minute: u32,
    /// Burst allowance of the per-address connection bucket.
    pub connections_burst: u32,
    /// Deadline of every read (a command, a chunk of DATA, the TLS handshake), milliseconds;
    /// a client that stays silent this long gets 421 and is disconnected.
    #[serde(alias = "command_timeout_ms", alias = "timeout_ms")]
    pub read_timeout_ms: u64,
    /// Deadline of one whole connection, milliseconds.
    pub session_timeout_ms: u64,
    /// Deadline of one message's analysis, blocklist lookups and domain check, milliseconds.
    pub analysis_timeout_ms: u64,
    /// Seconds between two sweeps of expired addresses.
    pub sweep_interval_secs: u64,
    /// New test addresses per minute per client (`GET /api/inbound`; 0 = unlimited): the
    /// live addresses are a shared pool (`max_live_tokens`) one client must not drain.
    pub addresses_per_minute: u32,
    /// Burst allowance of the per-client address bucket.
    pub addresses_burst: u32,
}

impl Default for InboundConfig {
    fn default() -> Self {
        InboundConfig {
            listen: String::new(),
            domain: String::new(),
            hostname: String::new(),
            starttls: true,
            tls_cert: String::new(),
            tls_key: String::new(),
            retention_hours: 72,
            db_path: String::new(),
            max_message_bytes: 10 * 1024 * 1024,
            max_recipients: 10,
            max_commands: 300,
            max_messages_per_connection: 10,
            max_live_tokens: 10_000,
            max_stored_messages: 2_000,
            max_stored_bytes: 2 * 1024 * 1024 * 1024,
            max_connections: 100,
            max_connections_per_ip: 8,
            connections_per_minute: 60,
            connections_burst: 20,
            read_timeout_ms: 60_000,
            session_timeout_ms: 600_000,
            analysis_timeout_ms: 60_000,
            sweep_interval_secs: 300,
            addresses_per_minute: 6,
            addresses_burst: 30,
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// The file is not valid TOML or has an unknown key.
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// An environment variable has a value that cannot be used.
    #[error("invalid environment variable {name}: {message}")]
    Env { name: &'static str, message: String },
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads the file (if any), then applies the environment ([`Config::apply_env`]).
    pub(crate) fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut cfg = match path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.to_path_buf(), source })?;
                Config::from_toml(&text).map_err(|message| ConfigError::Parse { path: p.to_path_buf(), message })?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        Ok(cfg)
    }

    /// Parses TOML text.
    pub(crate) fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Applies `INBOXLENS_*` environment variables through `get` (injected for tests):
    /// `INBOXLENS_LISTEN`, `INBOXLENS_TOKEN`, `INBOXLENS_EHLO_NAME`, `INBOXLENS_MAIL_FROM`,
    /// `INBOXLENS_CORS_ORIGINS` (comma-separated), `INBOXLENS_TRUST_ANCHORS` (colon-separated
    /// paths), `INBOXLENS_RESOLVER`, `INBOXLENS_DOH_UPSTREAM`, `INBOXLENS_ALLOW_PRIVATE`.
    pub(crate) fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = get("INBOXLENS_LISTEN").filter(|v| !v.is_empty()) {
            self.listen = v;
        }
        if let Some(v) = get("INBOXLENS_TOKEN").filter(|v| !v.is_empty()) {
            self.token = Some(v);
        }
        if let Some(v) = get("INBOXLENS_EHLO_NAME").filter(|v| !v.is_empty()) {
            self.smtp.ehlo_name = v;
        }
        if let Some(v) = get("INBOXLENS_MAIL_FROM") {
            self.smtp.mail_from = v;
        }
        if let Some(v) = get("INBOXLENS_CORS_ORIGINS") {
            self.cors_origins = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        }
        if let Some(v) = get("INBOXLENS_TRUST_ANCHORS") {
            self.extra_trust_anchors = v.split(':').filter(|s| !s.is_empty()).map(PathBuf::from).collect();
        }
        if let Some(v) = get("INBOXLENS_RESOLVER") {
            self.resolver = v;
        }
        if let Some(v) = get("INBOXLENS_DOH_UPSTREAM") {
            self.doh.upstream = v;
        }
        if let Some(v) = get("INBOXLENS_ALLOW_PRIVATE") {
            self.allow_private = match v.as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" | "" => false,
                _ => {
                    return Err(ConfigError::Env {
                        name: "INBOXLENS_ALLOW_PRIVATE",
                        message: format!("expected 1/0/true/false, got {v:?}"),
                    });
                }
            };
        }
        Ok(())
    }

    /// Checks values that would make the server misbehave.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.smtp;
        if s.default_ports.is_empty() {
            return Err(ConfigError::Invalid("smtp.default_ports is empty".into()));
        }
        for p in &s.default_ports {
            if !crate::guard::ALLOWED_PORTS.contains(p) {
                return Err(ConfigError::Invalid(format!(
                    "smtp.default_ports: {p} is not an SMTP port (allowed: 25, 465, 587, 2525)"
                )));
            }
        }
        if s.max_reply_bytes < 512 {
            return Err(ConfigError::Invalid("smtp.max_reply_bytes must be at least 512 (RFC 5321 §4.5.3.1.5)".into()));
        }
        let l = &self.limits;
        for (name, v) in [
            ("limits.max_concurrent_smtp", l.max_concurrent_smtp),
            ("limits.max_concurrent_dnsbl", l.max_concurrent_dnsbl),
            ("limits.max_concurrent_analyze", l.max_concurrent_analyze),
            ("limits.max_concurrent_domain", l.max_concurrent_domain),
            ("limits.max_concurrent_doh", l.max_concurrent_doh),
            ("limits.max_concurrent_explain", l.max_concurrent_explain),
            ("limits.max_concurrent_smtp_per_client", l.max_concurrent_smtp_per_client),
            ("limits.max_connections", l.max_connections),
            ("limits.max_connections_per_client", l.max_connections_per_client),
            ("limits.max_tracked_clients", l.max_tracked_clients),
            ("limits.max_concurrent_verify", l.max_concurrent_verify),
            ("limits.max_concurrent_verify_per_client", l.max_concurrent_verify_per_client),
            ("limits.max_concurrent_verify_uploads", l.max_concurrent_verify_uploads),
            ("limits.max_running_verify_jobs", l.max_running_verify_jobs),
            ("limits.max_verify_jobs", l.max_verify_jobs),
            ("limits.max_verify_jobs_per_client", l.max_verify_jobs_per_client),
            ("verify.max_sessions", self.verify.max_sessions),
            ("verify.max_sessions_per_mx", self.verify.max_sessions_per_mx),
        ] {
            if v == 0 {
                return Err(ConfigError::Invalid(format!("{name} must be at least 1")));
            }
        }
        if l.verify_job_max_rows == 0 {
            return Err(ConfigError::Invalid("limits.verify_job_max_rows must be at least 1".into()));
        }
        let v = &self.verify;
        for (name, ms) in [
            ("verify.step_timeout_ms", v.step_timeout_ms),
            ("verify.dns_timeout_ms", v.dns_timeout_ms),
            ("verify.request_timeout_ms", v.request_timeout_ms),
            ("verify.job_timeout_secs", v.job_timeout_secs),
            ("verify.job_ttl_secs", v.job_ttl_secs),
        ] {
            if ms == 0 {
                return Err(ConfigError::Invalid(format!("{name} must be at least 1")));
            }
        }
        let i = &self.inbound;
        if !i.listen.is_empty() {
            if i.domain.is_empty() || !crate::guard::is_valid_dns_name(&i.domain.to_ascii_lowercase()) {
                return Err(ConfigError::Invalid(
                    "inbound.domain (--inbound-domain) must be a domain name when inbound.listen is set".into(),
                ));
            }
            if i.tls_cert.is_empty() != i.tls_key.is_empty() {
                return Err(ConfigError::Invalid("inbound.tls_cert and inbound.tls_key go together".into()));
            }
            for (name, v) in [
                ("inbound.retention_hours", i.retention_hours),
                ("inbound.max_message_bytes", i.max_message_bytes as u64),
                ("inbound.max_recipients", i.max_recipients as u64),
                ("inbound.max_commands", i.max_commands as u64),
                ("inbound.max_messages_per_connection", i.max_messages_per_connection as u64),
                ("inbound.max_live_tokens", i.max_live_tokens as u64),
                ("inbound.max_stored_messages", i.max_stored_messages as u64),
                ("inbound.max_stored_bytes", i.max_stored_bytes),
                ("inbound.max_connections", i.max_connections as u64),
                ("inbound.max_connections_per_ip", i.max_connections_per_ip as u64),
                ("inbound.read_timeout_ms", i.read_timeout_ms),
                ("inbound.session_timeout_ms", i.session_timeout_ms),
                ("inbound.analysis_timeout_ms", i.analysis_timeout_ms),
                ("inbound.sweep_interval_secs", i.sweep_interval_secs),
            ] {
                if v == 0 {
                    return Err(ConfigError::Invalid(format!("{name} must be at least 1")));
                }
            }
        }
        if l.write_timeout_ms == 0 {
            return Err(ConfigError::Invalid("limits.write_timeout_ms must be at least 1".into()));
        }
        if l.header_read_timeout_ms == 0 {
            return Err(ConfigError::Invalid("limits.header_read_timeout_ms must be at least 1".into()));
        }
        if l.pressure_header_read_timeout_ms == 0 {
            return Err(ConfigError::Invalid("limits.pressure_header_read_timeout_ms must be at least 1".into()));
        }
        if !(1..=128).contains(&l.ipv6_client_prefix) {
            return Err(ConfigError::Invalid("limits.ipv6_client_prefix must be 1 to 128".into()));
        }
        for p in &self.trusted_proxies {
            if crate::limits::parse_cidr(p).is_none() {
                return Err(ConfigError::Invalid(format!("trusted_proxies: {p:?} is not an address or CIDR")));
            }
        }
        for list in self.dnsbl.ip_lists.iter().chain(&self.dnsbl.domain_lists) {
            if !matches!(list.profile.as_str(), "generic" | "spamhaus" | "surbl" | "uribl") {
                return Err(ConfigError::Invalid(format!(
                    "dnsbl list {}: unknown profile {:?} (generic, spamhaus, surbl, uribl)",
                    list.zone, list.profile
                )));
            }
        }
        Ok(())
    }

    /// The EHLO name of verification sessions: `verify.helo`, else [`Config::ehlo_name`].
    pub(crate) fn verify_helo(&self) -> String {
        if self.verify.helo.is_empty() { self.ehlo_name() } else { self.verify.helo.clone() }
    }

    /// The EHLO name to use: the configured one, else the machine's hostname.
    pub(crate) fn ehlo_name(&self) -> String {
        if !self.smtp.ehlo_name.is_empty() {
            return self.smtp.ehlo_name.clone();
        }
        std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "localhost".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented example (repo root) parses and equals the defaults, so the README's
    /// configuration reference cannot drift from the code.
    #[test]
    fn example_config_is_the_defaults() {
        let example = Config::from_toml(include_str!("../../inboxlens.example.toml")).expect("example parses");
        let defaults = Config::from_toml("").expect("empty config");
        assert_eq!(format!("{example:?}"), format!("{defaults:?}"));
    }

    #[test]
    fn file_then_env_layering() {
        let mut cfg = Config::from_toml(
            "listen = \"0.0.0.0:9000\"\n[smtp]\nehlo_name = \"probe.example.net\"\n[limits]\napi_per_minute = 5\n",
        )
        .unwrap();
        assert_eq!(cfg.listen, "0.0.0.0:9000");
        assert_eq!(cfg.limits.api_per_minute, 5);
        assert_eq!(cfg.limits.analyze_body_bytes, 25 * 1024 * 1024);
        cfg.apply_env(|k| match k {
            "INBOXLENS_LISTEN" => Some("127.0.0.1:1".into()),
            "INBOXLENS_CORS_ORIGINS" => Some("https://a.example, https://b.example".into()),
            "INBOXLENS_RESOLVER" => Some("127.0.0.1:53".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.listen, "127.0.0.1:1");
        assert_eq!(cfg.cors_origins, vec!["https://a.example", "https://b.example"]);
        assert_eq!(cfg.smtp.ehlo_name, "probe.example.net");
        assert_eq!(cfg.resolver, "127.0.0.1:53");
        cfg.validate().unwrap();
    }

    #[test]
    fn unknown_key_and_bad_port_are_errors() {
        assert!(Config::from_toml("lisen = \"x\"").is_err());
        let cfg = Config::from_toml("[smtp]\ndefault_ports = [25, 80]").unwrap();
        assert!(cfg.validate().is_err());
        let cfg = Config::from_toml("[[dnsbl.ip_lists]]\nzone = \"bl.test\"\nprofile = \"weird\"").unwrap();
        assert!(cfg.validate().is_err());
    }

    #[test]
    fn inbound_needs_a_domain_and_whole_tls_pairs() {
        let cfg = Config::from_toml("[inbound]\nlisten = \"127.0.0.1:2525\"").unwrap();
        assert!(cfg.validate().is_err(), "no domain");
        let cfg =
            Config::from_toml("[inbound]\nlisten = \"127.0.0.1:2525\"\ndomain = \"in.test\"\ntls_cert = \"c.pem\"")
                .unwrap();
        assert!(cfg.validate().is_err(), "cert without key");
        let cfg = Config::from_toml(
            "[inbound]\nlisten = \"127.0.0.1:2525\"\ndomain = \"in.test\"\ncommand_timeout_ms = 500\nmax_message_size = 4096",
        )
        .unwrap();
        cfg.validate().unwrap();
        assert_eq!((cfg.inbound.read_timeout_ms, cfg.inbound.max_message_bytes), (500, 4096), "aliases");
        // Off by default: no listener, nothing to validate.
        Config::default().validate().unwrap();
    }
}
