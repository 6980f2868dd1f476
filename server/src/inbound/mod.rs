//! The inbound test address's SMTP receiver (`serve --smtp-listen ADDR:PORT --inbound-domain
//! NAME`): the socket driver of the core's sans-IO [`ServerConnection`]. It accepts, keeps
//! deadlines and bounds, runs STARTTLS (rustls), answers the machine's recipient checks from
//! the store, stores each message with the session's facts before its 250, and hands it to
//! the analysis ([`report`]). The dialogue's rules are the core's; this module decides
//! nothing about SMTP. It never relays and never sends mail.
//!
//! Bounds: connections server-wide and per client address, new connections per minute per
//! address, a deadline on every read (commands, DATA, the TLS handshake) and on the whole
//! connection, and the machine's own (line lengths, buffered input, message size, recipients,
//! commands before DATA, messages per connection).

pub(crate) mod report;
pub(crate) mod store;

use crate::config::InboundConfig;
use crate::http::AppState;
use crate::limits::{ClientSlots, RateLimiter, client_key};
use inboxlens_core::inbound::InboundSession;
use inboxlens_core::smtp::server::{Action, ReceivedMessage, Response, ServerConfig, ServerConnection};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{InboundStore, Lookup, StoreError, StoreLimits, is_token, new_token};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, broadcast};
use tokio_rustls::TlsAcceptor;

/// Bytes read from the socket at once; with the machine's unprocessed partial line this
/// stays under its input bound (`MAX_BUFFERED`).
const READ_CHUNK: usize = 8 * 1024;

/// Why the inbound receiver could not be set up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InboundError {
    /// The database could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The certificate or key could not be read.
    #[error("inbound TLS: {0}")]
    Tls(String),
}

/// The inbound feature's shared part: the store, the address domain, the notifications.
pub(crate) struct Inbound {
    /// Addresses, messages and reports.
    pub store: Arc<InboundStore>,
    /// The test addresses' domain, lower case.
    pub domain: String,
    /// The greeting's host name.
    pub hostname: String,
    /// How long an address lives.
    pub retention: Duration,
    /// The token of each report as it is stored (SSE listeners re-check the store on any).
    pub reports: broadcast::Sender<String>,
    /// New addresses per client (`GET /api/inbound`).
    pub address_limiter: RateLimiter,
    tls: Option<TlsAcceptor>,
}

impl Inbound {
    /// Opens the store and loads the certificate from the configuration.
    pub(crate) fn new(c: &InboundConfig, tracked_clients: usize) -> Result<Self, InboundError> {
        let store = InboundStore::open(
            &db_path(c),
            StoreLimits {
                max_live_tokens: c.max_live_tokens,
                max_messages: c.max_stored_messages,
                max_bytes: c.max_stored_bytes,
            },
        )?;
        let domain = c.domain.trim_end_matches('.').to_ascii_lowercase();
        let hostname = if c.hostname.is_empty() { domain.clone() } else { c.hostname.clone() };
        let tls = match (c.starttls, c.tls_cert.is_empty()) {
            (false, _) => None,
            (true, false) => Some(acceptor(&c.tls_cert, &c.tls_key)?),
            (true, true) => Some(self_signed(&hostname)?),
        };
        Ok(Inbound {
            store: Arc::new(store),
            hostname,
            domain,
            retention: Duration::from_secs(c.retention_hours.saturating_mul(3600)),
            reports: broadcast::channel(64).0,
            address_limiter: RateLimiter::with_capacity(c.addresses_per_minute, c.addresses_burst, tracked_clients),
            tls,
        })
    }

    /// A fresh address: `(token, address, expires_at)`.
    pub(crate) async fn create(&self, now: i64) -> Result<(String, String, i64), StoreError> {
        let token = new_token();
        let expires_at = now.saturating_add(self.retention.as_secs() as i64);
        let store = self.store.clone();
        let t = token.clone();
        blocking(move || store.create(&t, now, expires_at)).await?;
        let address = format!("{token}@{}", self.domain);
        Ok((token, address, expires_at))
    }

    /// The state of `token` (garbage never reaches the database).
    pub(crate) async fn lookup(&self, token: &str, now: i64) -> Result<Lookup, StoreError> {
        if !is_token(token) {
            return Ok(Lookup::NotFound);
        }
        let store = self.store.clone();
        let t = token.to_string();
        blocking(move || store.lookup(&t, now)).await
    }

    /// Deletes `token` and what it holds.
    pub(crate) async fn delete(&self, token: &str, now: i64) -> Result<bool, StoreError> {
        if !is_token(token) {
            return Ok(false);
        }
        let store = self.store.clone();
        let t = token.to_string();
        blocking(move || store.delete(&t, now)).await
    }

    /// The token of a recipient address when it is one of ours and live.
    async fn live_token(&self, rcpt: &str, now: i64) -> Option<String> {
        let (local, domain) = rcpt.rsplit_once('@')?;
        let local = local.to_ascii_lowercase();
        if !domain.trim_end_matches('.').eq_ignore_ascii_case(&self.domain) || !is_token(&local) {
            return None;
        }
        let store = self.store.clone();
        let t = local.clone();
        blocking(move || store.accepts(&t, now)).await.ok()?.then_some(local)
    }
}

/// Runs a store call on the blocking pool (redb commits fsync).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f).await.unwrap_or(Err(StoreError::Full("the storage task failed")))
}

/// The database file: `inbound.db_path`, else one per SMTP listen address under the user's
/// state directory (`$XDG_STATE_HOME` or `~/.local/state`, else the temp dir), so a
/// restarted server finds its reports and two servers never share a file.
pub(crate) fn db_path(c: &InboundConfig) -> PathBuf {
    if !c.db_path.is_empty() {
        return PathBuf::from(&c.db_path);
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir);
    let name: String =
        c.listen.chars().map(|ch| if ch.is_ascii_alphanumeric() || ch == '.' { ch } else { '_' }).collect();
    base.join("inboxlens").join(format!("inbound-{name}.redb"))
}

/// Without a configured certificate, a self-signed one for the host name, made at start:
/// sending MTAs use STARTTLS opportunistically and do not verify it (RFC 3207 §4.1, RFC 7435),
/// so the test still shows whether and how the sender encrypts.
fn self_signed(hostname: &str) -> Result<TlsAcceptor, InboundError> {
    use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let ck = rcgen::generate_simple_self_signed(vec![hostname.to_string()])
        .map_err(|e| InboundError::Tls(format!("self-signed certificate: {e}")))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    server_config(vec![ck.cert.der().clone()], key)
}

fn server_config(
    certs: Vec<rustls_pki_types::CertificateDer<'static>>,
    key: rustls_pki_types::PrivateKeyDer<'static>,
) -> Result<TlsAcceptor, InboundError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| InboundError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| InboundError::Tls(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn acceptor(cert: &str, key: &str) -> Result<TlsAcceptor, InboundError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| InboundError::Tls(format!("{cert}: {e}")))?
        .collect::<Result<_, _>>()
        .map_err(|e| InboundError::Tls(format!("{cert}: {e}")))?;
    if certs.is_empty() {
        return Err(InboundError::Tls(format!("{cert}: no CERTIFICATE block")));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| InboundError::Tls(format!("{key}: {e}")))?;
    server_config(certs, key)
}

/// The listener's per-connection bounds, from the configuration.
struct Bounds {
    machine: ServerConfig,
    read_timeout: Duration,
    session_timeout: Duration,
}

/// Unix seconds now.
fn now_unix() -> i64 {
    crate::http::api::now_unix()
}

/// Analyzes stored messages that have no report yet (the server stopped while analyzing).
pub(crate) fn resume_pending(st: &Arc<AppState>) {
    let Some(inbound) = st.inbound.clone() else { return };
    let pending = match inbound.store.pending(now_unix()) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "inbound: cannot read pending messages");
            return;
        }
    };
    for (token, session) in pending {
        tracing::info!(token = %short(&token), "inbound: analyzing a message stored before the restart");
        spawn_analysis(st.clone(), inbound.clone(), token, session);
    }
}

/// Deletes expired addresses every `inbound.sweep_interval_secs`.
pub(crate) fn spawn_sweeper(st: &Arc<AppState>) {
    let Some(inbound) = st.inbound.clone() else { return };
    let every = Duration::from_secs(st.config.inbound.sweep_interval_secs.max(1));
    tokio::spawn(async move {
        loop {
            let store = inbound.store.clone();
            match blocking(move || store.sweep(now_unix())).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "inbound: expired test addresses deleted"),
                Err(e) => tracing::warn!(error = %e, "inbound: sweep failed"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// The first characters of a token, for logs (a whole token is a key to a report).
fn short(token: &str) -> &str {
    token.get(..6).unwrap_or(token)
}

/// Accepts SMTP connections until `shutdown` completes.
pub(crate) async fn serve(listener: TcpListener, st: Arc<AppState>, shutdown: impl std::future::Future<Output = ()>) {
    let Some(inbound) = st.inbound.clone() else { return };
    let c = &st.config.inbound;
    let bounds = Arc::new(Bounds {
        machine: ServerConfig {
            hostname: inbound.hostname.clone(),
            domains: vec![inbound.domain.clone()],
            starttls: inbound.tls.is_some(),
            max_recipients: c.max_recipients,
            max_message_bytes: c.max_message_bytes,
            max_errors: 10,
            max_commands: c.max_commands,
            max_messages: c.max_messages_per_connection,
            verify_recipients: true,
        },
        read_timeout: Duration::from_millis(c.read_timeout_ms),
        session_timeout: Duration::from_millis(c.session_timeout_ms),
    });
    let global = Arc::new(Semaphore::new(c.max_connections));
    let per_ip = ClientSlots::new(c.max_connections_per_ip);
    let rate =
        RateLimiter::with_capacity(c.connections_per_minute, c.connections_burst, st.config.limits.max_tracked_clients);
    let prefix = st.config.limits.ipv6_client_prefix;
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "inbound: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let peer = SocketAddr::new(peer.ip().to_canonical(), peer.port());
        let key = client_key(peer.ip(), prefix);
        let refusal = if rate.check(key, 1, Instant::now()).is_err() {
            Some("4.7.0 Too many connections from your address, try again later")
        } else {
            None
        };
        let slot = per_ip.try_acquire(key);
        let permit = global.clone().try_acquire_owned().ok();
        let (st, inbound, bounds) = (st.clone(), inbound.clone(), bounds.clone());
        tokio::spawn(async move {
            let mut tcp = tcp;
            let refusal = refusal
                .or(slot.is_none().then_some("4.7.0 Too many open connections from your address"))
                .or(permit.is_none().then_some("4.3.2 Too many connections, try again later"));
            if let Some(text) = refusal {
                st.metrics.probe("inbound_connection", "refused");
                let r = Response { code: 421, lines: vec![text.to_string()] };
                let _ = tokio::time::timeout(Duration::from_secs(5), tcp.write_all(&r.to_wire())).await;
                return;
            }
            let _held = (slot, permit);
            let deadline = bounds.session_timeout;
            let host = inbound.hostname.clone();
            match tokio::time::timeout(deadline, session(tcp, peer, &st, &inbound, &bounds)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::debug!(peer = %peer, error = %e, "inbound: session ended"),
                Err(_) => tracing::info!(peer = %peer, host = %host, "inbound: session deadline reached"),
            }
        });
    }
}

/// How a stretch of the dialogue ended.
enum Step {
    /// The machine said close (its last reply is written).
    Closed,
    /// The client asked for TLS (the 220 is written).
    StartTls,
}

/// The facts of the connection the machine does not know.
struct Conn<'a> {
    peer: SocketAddr,
    st: &'a Arc<AppState>,
    inbound: &'a Arc<Inbound>,
    bounds: &'a Bounds,
    tls: Option<(String, String)>,
}

async fn session(
    mut tcp: TcpStream,
    peer: SocketAddr,
    st: &Arc<AppState>,
    inbound: &Arc<Inbound>,
    bounds: &Bounds,
) -> std::io::Result<()> {
    let _ = tcp.set_nodelay(true);
    let mut machine = ServerConnection::new(bounds.machine.clone());
    let mut conn = Conn { peer, st, inbound, bounds, tls: None };
    st.metrics.probe("inbound_connection", "accepted");
    write(&mut tcp, &machine.greeting().to_wire(), bounds.read_timeout).await?;
    match drive(&mut tcp, &mut machine, &mut conn).await? {
        Step::Closed => Ok(()),
        Step::StartTls => {
            let Some(acceptor) = inbound.tls.clone() else { return Ok(()) };
            let mut tls = match tokio::time::timeout(bounds.read_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake deadline")),
            };
            let (_, server) = tls.get_ref();
            let version = server.protocol_version().map(tls_version_name);
            let cipher = server.negotiated_cipher_suite().map(|c| format!("{:?}", c.suite()));
            conn.tls = version.zip(cipher);
            machine.on_tls_established();
            let r = drive(&mut tls, &mut machine, &mut conn).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), tls.shutdown()).await;
            r.map(|_| ())
        }
    }
}

/// `TLSv1.3` as Postfix and OpenSSL write it.
fn tls_version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

async fn write<S: AsyncWrite + Unpin>(io: &mut S, bytes: &[u8], deadline: Duration) -> std::io::Result<()> {
    match tokio::time::timeout(deadline, async {
        io.write_all(bytes).await?;
        io.flush().await
    })
    .await
    {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "write deadline")),
    }
}

/// Runs the machine over `io` until it closes or asks for TLS. Replies to pipelined
/// commands are written together, before the next read (RFC 2920 §3.1).
async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    machine: &mut ServerConnection,
    conn: &mut Conn<'_>,
) -> std::io::Result<Step> {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut out: Vec<u8> = Vec::new();
    let deadline = conn.bounds.read_timeout;
    loop {
        while let Some(action) = machine.next_action() {
            let action = match action {
                Action::CheckRecipient(rcpt) => {
                    let live = conn.inbound.live_token(&rcpt, now_unix()).await.is_some();
                    match machine.recipient_checked(live) {
                        Some(a) => a,
                        None => continue,
                    }
                }
                other => other,
            };
            match action {
                Action::Respond(r) => {
                    let r = deliver(machine, conn, r).await;
                    out.extend_from_slice(&r.to_wire());
                }
                Action::ReadData(r) => out.extend_from_slice(&r.to_wire()),
                Action::Close(r) => {
                    out.extend_from_slice(&r.to_wire());
                    write(io, &out, deadline).await?;
                    return Ok(Step::Closed);
                }
                Action::StartTls(r) => {
                    out.extend_from_slice(&r.to_wire());
                    write(io, &out, deadline).await?;
                    return Ok(Step::StartTls);
                }
                Action::CheckRecipient(_) => {}
            }
        }
        if !out.is_empty() {
            write(io, &out, deadline).await?;
            out.clear();
        }
        let n = match tokio::time::timeout(deadline, io.read(&mut buf)).await {
            Ok(Ok(0)) => return Ok(Step::Closed),
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                // RFC 5321 §4.5.3.2: a server may close a silent connection; it says why first.
                let r = Response {
                    code: 421,
                    lines: vec![format!("4.4.2 {} Error: timeout exceeded", conn.inbound.hostname)],
                };
                let _ = write(io, &r.to_wire(), Duration::from_secs(2)).await;
                return Ok(Step::Closed);
            }
        };
        machine.on_bytes(&buf[..n]);
    }
}

/// After the machine's reply to the end of DATA: the message is stored (with the session)
/// before the client hears 250; when storage refuses, the client hears 452 instead and
/// keeps the message (RFC 5321 §4.5.3.1.10: insufficient storage is transient).
async fn deliver(machine: &mut ServerConnection, conn: &mut Conn<'_>, reply: Response) -> Response {
    let messages = machine.take_messages();
    if messages.is_empty() {
        return reply;
    }
    let mut stored = 0;
    for msg in messages {
        stored += store_message(conn, msg).await;
    }
    if stored == 0 {
        return Response { code: 452, lines: vec!["4.3.1 Insufficient storage, try again later".into()] };
    }
    reply
}

/// Stores one message under each of its test addresses and starts their analyses; how many
/// were stored.
async fn store_message(conn: &mut Conn<'_>, msg: ReceivedMessage) -> usize {
    let now = now_unix();
    let mut stored = 0;
    for rcpt in &msg.rcpt_to {
        let Some(token) = rcpt.rsplit_once('@').map(|(l, _)| l.to_ascii_lowercase()) else { continue };
        let session = InboundSession {
            client_ip: conn.peer.ip().to_string(),
            client_ptr: None,
            client_fcrdns: None,
            client_public: true,
            helo: msg.helo.clone(),
            mail_from: msg.mail_from.clone(),
            rcpt: rcpt.clone(),
            tls_version: conn.tls.as_ref().map(|t| t.0.clone()),
            tls_cipher: conn.tls.as_ref().map(|t| t.1.clone()),
            received_at: now,
            starttls_offered: conn.inbound.tls.is_some(),
        };
        let mut raw = report::trace_fields(&session, &conn.inbound.hostname, &token);
        raw.extend_from_slice(&msg.data);
        let store = conn.inbound.store.clone();
        let (t, s, r) = (token.clone(), session.clone(), raw.clone());
        match blocking(move || store.store_message(&t, &s, &r, now)).await {
            Ok(()) => {
                stored += 1;
                conn.st.metrics.probe("inbound_message", "stored");
                tracing::info!(token = %short(&token), peer = %conn.peer, bytes = raw.len(), tls = conn.tls.is_some(), "inbound: message stored");
                spawn_analysis(conn.st.clone(), conn.inbound.clone(), token, session);
            }
            Err(e) => {
                conn.st.metrics.probe("inbound_message", "refused");
                tracing::warn!(token = %short(&token), error = %e, "inbound: message not stored");
            }
        }
    }
    stored
}

/// Analyzes a stored message in the background. The task waits for a slot of the analysis
/// cap holding only the token and the session: the message is read from the store once the
/// slot is there, so a burst of messages queues on disk, not in memory.
fn spawn_analysis(st: Arc<AppState>, inbound: Arc<Inbound>, token: String, session: InboundSession) {
    tokio::spawn(async move {
        let permit = loop {
            if let Some(p) = st.concurrency.acquire(crate::limits::Kind::Analyze).await {
                break p;
            }
        };
        let store = inbound.store.clone();
        let t = token.clone();
        let raw = match blocking(move || store.raw(&t)).await {
            Ok(Some(raw)) => raw,
            // deleted meanwhile
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(token = %short(&token), error = %e, "inbound: message unreadable");
                return;
            }
        };
        let json = report::analyze(st.clone(), permit, session, raw).await;
        let store = inbound.store.clone();
        let t = token.clone();
        match blocking(move || store.store_report(&t, &json)).await {
            Ok(true) => {
                let _ = inbound.reports.send(token.clone());
                tracing::info!(token = %short(&token), "inbound: report stored");
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(token = %short(&token), error = %e, "inbound: report not stored"),
        }
    });
}
