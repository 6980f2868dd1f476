//! `inboxlens serve`: the companion server — the embedded web app, the JSON API, the DoH
//! endpoint and the probes, in one binary. Configuration: TOML file, then `INBOXLENS_*`
//! environment variables, then these flags.

use super::EXIT_USAGE;
use super::dns_flags::DnsArgs;
use crate::config::Config;
use crate::http::{self, AppState};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Run the companion server (web app, API, DoH endpoint, probes).
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// TOML configuration file (every key is documented in the README).
    #[arg(long, value_name = "FILE", env = "INBOXLENS_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free port).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Allow probes to private, loopback and other non-public addresses. LABS AND TESTS ONLY:
    /// on an exposed server this lets anyone reach your internal network.
    #[arg(long)]
    pub allow_private: bool,
    /// MAIL FROM of mailbox verification sessions (default: `verify.from_address`, else the
    /// null sender `<>`).
    #[arg(long, value_name = "ADDR")]
    pub from_address: Option<String>,
    /// EHLO name of mailbox verification sessions (default: `verify.helo`, else
    /// `smtp.ehlo_name`, else the machine's hostname).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// Run the inbound test address's SMTP receiver on this address (`inbound.listen`), e.g.
    /// `0.0.0.0:25`; needs `--inbound-domain`.
    #[arg(long, value_name = "ADDR:PORT")]
    pub smtp_listen: Option<String>,
    /// The domain of the test addresses (`inbound.domain`): `<token>@NAME`; its MX must point
    /// at this host.
    #[arg(long, value_name = "NAME")]
    pub inbound_domain: Option<String>,
    /// Log as JSON lines instead of text.
    #[arg(long)]
    pub log_json: bool,
    #[command(flatten)]
    pub dns: DnsArgs,
}

/// Runs the server until Ctrl-C / SIGTERM.
pub(crate) async fn run(args: ServeArgs) -> ExitCode {
    init_tracing(args.log_json);
    let mut config = match Config::load(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("inboxlens serve: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Some(l) = &args.listen {
        config.listen = l.clone();
    }
    if args.allow_private {
        config.allow_private = true;
    }
    if let Some(f) = &args.from_address {
        config.verify.from_address = f.clone();
    }
    if let Some(h) = &args.helo {
        config.verify.helo = h.clone();
    }
    if let Some(l) = &args.smtp_listen {
        config.inbound.listen = l.clone();
    }
    if let Some(d) = &args.inbound_domain {
        config.inbound.domain = d.clone();
    }
    if let Err(e) = config.validate() {
        eprintln!("inboxlens serve: {e}");
        return ExitCode::from(EXIT_USAGE);
    }
    let listen: SocketAddr = match config.listen.parse() {
        Ok(a) => a,
        Err(_) => {
            eprintln!("inboxlens serve: --listen {:?} is not an IP:PORT address", config.listen);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // The config file's resolver applies when no DNS source was given on the command line.
    let mut dns = args.dns.clone();
    if dns.resolver.is_none() && dns.doh.is_none() && !dns.offline && !config.resolver.is_empty() {
        dns.resolver = Some(config.resolver.clone());
    }
    let resolver = match dns.build_resolver() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("inboxlens serve: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // The DoH endpoint forwards wire queries: it needs a plain-DNS upstream.
    let doh_upstream = if !config.doh.upstream.is_empty() {
        match http::doh::parse_upstream(&config.doh.upstream) {
            Some(u) => Some(u),
            None => {
                eprintln!("inboxlens serve: doh.upstream {:?} is not IP or IP:PORT", config.doh.upstream);
                return ExitCode::from(EXIT_USAGE);
            }
        }
    } else if dns.offline || dns.doh.is_some() {
        None
    } else if let Some(r) = &dns.resolver {
        http::doh::parse_upstream(r)
    } else {
        http::doh::system_upstream()
    };

    if config.allow_private {
        tracing::warn!(
            "!!! --allow-private is ON: probes may reach loopback and private networks. \
             Use this for labs and tests only, NEVER on a server others can reach. !!!"
        );
    }
    if config.smtp.ehlo_name.is_empty() {
        tracing::warn!(
            ehlo = %config.ehlo_name(),
            "smtp.ehlo_name is not set; using the machine's hostname. Set it to this host's real FQDN (with matching A and PTR) before probing public servers"
        );
    }
    if config.trust_forwarded_for && config.trusted_proxies.is_empty() {
        tracing::warn!("trust_forwarded_for is on but trusted_proxies is empty: X-Forwarded-For is ignored");
    }
    if listen.ip().is_unspecified() && config.token.is_none() {
        tracing::warn!(
            "listening on all interfaces without INBOXLENS_TOKEN: anyone who reaches this port can run probes"
        );
    }
    if !zones_ok(&dns) {
        tracing::warn!(
            "--zone overlays apply to the API; the DoH endpoint forwards to the upstream resolver unchanged"
        );
    }

    let state = match AppState::new(config, resolver, doh_upstream) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("inboxlens serve: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    state.jobs.spawn_sweeper();
    // The inbound receiver binds before the HTTP line is printed, so a script that read
    // that line can send mail at once.
    let smtp_listener = match start_inbound(&state).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let app = http::router(state.clone());
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("inboxlens serve: cannot listen on {listen}: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let bound = listener.local_addr().unwrap_or(listen);
    tracing::info!(
        addr = %bound,
        doh_upstream = ?state.doh.as_ref().map(|d| d.upstream()),
        webapp = http::assets::has_webapp(),
        "inboxlens serve listening"
    );
    // Machine-readable line for scripts and tests (port 0 → the real port).
    println!("inboxlens: listening on http://{bound}");
    let (smtp_stop, smtp_stopped) = tokio::sync::oneshot::channel::<()>();
    if let Some(l) = smtp_listener {
        if let Ok(a) = l.local_addr() {
            println!("inboxlens: smtp listening on {a}");
        }
        tokio::spawn(crate::inbound::serve(l, state.clone(), async move {
            let _ = smtp_stopped.await;
        }));
    }
    let fd_limit = http::listener::raise_fd_limit();
    let max_connections = http::listener::effective_max_connections(state.config.limits.max_connections, fd_limit);
    if max_connections < state.config.limits.max_connections {
        tracing::warn!(
            configured = state.config.limits.max_connections,
            max_connections,
            fd_limit = ?fd_limit,
            "limits.max_connections lowered to stay below the open-file limit"
        );
    }
    let served = http::listener::serve(listener, app, state.clone(), max_connections, shutdown_signal()).await;
    let _ = smtp_stop.send(());
    // the jobs' lists and results are personal data: nothing stays behind
    state.jobs.remove_all();
    match served {
        Ok(()) => {
            tracing::info!("inboxlens serve stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("inboxlens serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Binds the inbound SMTP listener (when configured), starts its sweeper and re-analyzes
/// messages stored before a restart without a report.
async fn start_inbound(state: &Arc<AppState>) -> Result<Option<tokio::net::TcpListener>, ExitCode> {
    let Some(inbound) = &state.inbound else { return Ok(None) };
    let c = &state.config.inbound;
    let addr: SocketAddr = c.listen.parse().map_err(|_| {
        eprintln!("inboxlens serve: --smtp-listen {:?} is not an IP:PORT address", c.listen);
        ExitCode::from(EXIT_USAGE)
    })?;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        eprintln!("inboxlens serve: cannot listen for SMTP on {addr}: {e}");
        ExitCode::from(EXIT_USAGE)
    })?;
    tracing::info!(
        addr = %listener.local_addr().unwrap_or(addr),
        domain = %inbound.domain,
        starttls = c.starttls,
        self_signed = c.starttls && c.tls_cert.is_empty(),
        db = %crate::inbound::db_path(c).display(),
        "inbound test address receiver listening"
    );
    crate::inbound::spawn_sweeper(state);
    crate::inbound::resume_pending(state);
    Ok(Some(listener))
}

fn zones_ok(dns: &DnsArgs) -> bool {
    dns.zones.is_empty() || dns.offline
}

fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("INBOXLENS_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
