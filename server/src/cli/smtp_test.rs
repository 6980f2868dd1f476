//! `inboxlens smtp-test HOST`: the SMTP submission tester (issue 12). Tries every port ×
//! security combination (or the ones given) concurrently under deadlines, logs in once with
//! the given credentials, optionally sends a test message, and prints the matrix, the
//! recommended setting and every failure explained (`--json`: the core's
//! [`SubmissionReport`]). The sessions are [`crate::probe::submission`]'s.
//!
//! The password comes from an environment variable (`--password-env VAR`) or the first line
//! of stdin (`--password-stdin`), never from an argument (argv is visible to every local user).
//!
//! Exit codes: 0 a setting works (`recommended` is not null); 1 nothing works; 2 usage error,
//! refused target, DNS failure.

use super::dns_flags::DnsArgs;
use super::render::{self, Style};
use super::{EXIT_FINDINGS, EXIT_USAGE};
use crate::config::SmtpConfig;
use crate::guard::TargetPolicy;
use crate::limits::RateLimiter;
use crate::probe::smtp::SmtpProber;
use crate::probe::submission::{self, PortField, SubmissionRequest};
use crate::probe::tls::TlsSettings;
use clap::Args;
use inboxlens_core::smtp::submission::{SubmissionReport, SubmissionResult};
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// Test SMTP submission settings.
#[derive(Debug, Args)]
pub(crate) struct SmtpTestArgs {
    /// The submission server (name or IP address), e.g. smtp.example.com.
    #[arg(value_name = "HOST")]
    pub host: String,
    /// Port: auto (25, 465, 587 and 2525), or one of them.
    #[arg(long, value_name = "auto|25|465|587|2525", default_value = "auto")]
    pub port: String,
    /// Security: auto (all three), implicit (TLS first, "SSL/TLS"), starttls, or none.
    #[arg(long, value_name = "auto|implicit|starttls|none", default_value = "auto")]
    pub security: String,
    /// User name to log in with (one login per test, only over TLS with a trusted certificate).
    #[arg(long, value_name = "U")]
    pub user: Option<String>,
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR", requires = "user", conflicts_with = "password_stdin")]
    pub password_env: Option<String>,
    /// Read the password from the first line of stdin.
    #[arg(long, requires = "user")]
    pub password_stdin: bool,
    /// Send a real test message to this address through the authenticated session.
    #[arg(long, value_name = "ADDR", requires = "user")]
    pub send_to: Option<String>,
    /// Sender of the test message (default: the user name, when it is an address).
    #[arg(long, value_name = "ADDR", requires = "send_to")]
    pub from: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print the session transcripts (AUTH secrets redacted).
    #[arg(long)]
    pub transcript: bool,
    /// Allow private / loopback addresses (labs and tests only).
    #[arg(long)]
    pub allow_private: bool,
    /// Deadline of each step (connect, TLS, greeting, each reply), in seconds.
    #[arg(long, value_name = "S", default_value_t = 10)]
    pub timeout_s: u64,
    /// Extra trust anchor (PEM) for the server's certificate; repeatable.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_files: Vec<PathBuf>,
    /// EHLO name (default: the machine's host name).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    #[command(flatten)]
    pub dns: DnsArgs,
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("inboxlens smtp-test: {msg}");
    ExitCode::from(EXIT_USAGE)
}

fn password(args: &SmtpTestArgs) -> Result<Option<String>, String> {
    if let Some(var) = &args.password_env {
        return std::env::var(var).map(Some).map_err(|_| format!("--password-env: {var} is not set (or not UTF-8)"));
    }
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("--password-stdin: {e}"))?;
        let p = line.strip_suffix('\n').unwrap_or(&line);
        let p = p.strip_suffix('\r').unwrap_or(p);
        return Ok(Some(p.to_string()));
    }
    if args.user.is_some() {
        return Err("--user needs --password-env VAR or --password-stdin (never a password on the command line)".into());
    }
    Ok(None)
}

/// Runs the subcommand.
pub(crate) async fn run(args: SmtpTestArgs) -> ExitCode {
    let password = match password(&args) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    let resolver = match args.dns.build_resolver() {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let tls = match TlsSettings::new(&args.ca_files) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let step_ms = args.timeout_s.max(1).saturating_mul(1000);
    let settings = SmtpConfig {
        connect_timeout_ms: step_ms,
        banner_timeout_ms: step_ms,
        command_timeout_ms: step_ms,
        session_timeout_ms: step_ms.saturating_mul(4),
        ..SmtpConfig::default()
    };
    let ehlo = args.helo.clone().unwrap_or_else(|| crate::config::Config::default().ehlo_name());
    let prober = match SmtpProber::new(
        resolver,
        tls,
        TargetPolicy { allow_private: args.allow_private },
        settings,
        ehlo,
        RateLimiter::with_capacity(0, 1, 1),
    ) {
        Ok(p) => p,
        Err(e) => return usage(format!("TLS setup failed: {e}")),
    };
    let req = SubmissionRequest {
        host: args.host.clone(),
        port: Some(PortField::Word(args.port.clone())),
        security: Some(args.security.clone()),
        user: args.user.clone(),
        password,
        send_to: args.send_to.clone(),
        from: args.from.clone(),
    };
    let test = match submission::validate(&req, &prober) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let ip = match submission::resolve(&prober, &test).await {
        Ok(ip) => ip,
        Err(e) => return usage(e),
    };
    let now = crate::http::api::now_unix().max(0) as u64;
    let report = submission::run(&prober, &test, ip, submission::tester_timeouts(step_ms, step_ms), now).await;
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(j) => println!("{j}"),
            Err(e) => return usage(e),
        }
    } else {
        print!("{}", human(&report, Style::detect(), args.transcript));
    }
    if report.recommended.is_some() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FINDINGS) }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn cert_cell(r: &SubmissionResult) -> String {
    match &r.cert {
        None => "-".into(),
        Some(c) if c.trusted && c.hostname_match => "ok".into(),
        Some(c) if !c.hostname_match => "name mismatch".into(),
        Some(_) => "untrusted".into(),
    }
}

fn login_cell(r: &SubmissionResult, login_requested: bool) -> String {
    let l = &r.login;
    let code = match (l.code, &l.enhanced_code) {
        (Some(c), Some(e)) => format!("{c} {e}"),
        (Some(c), None) => c.to_string(),
        _ => String::new(),
    };
    if l.ok {
        format!("ok ({code})")
    } else if l.attempted && code.is_empty() {
        "no answer".into()
    } else if l.attempted {
        format!("refused ({code})")
    } else if !code.is_empty() {
        format!("in clear: {code}")
    } else if let Some(f) = l.failure {
        f.as_str().replace('_', " ")
    } else if login_requested {
        "-".into()
    } else {
        "not asked".into()
    }
}

/// The matrix, the recommendation, the test send and the findings, as text.
pub(crate) fn human(report: &SubmissionReport, style: Style, transcripts: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}{}",
        style.bold("SMTP submission test:"),
        report.host,
        report.ip.as_ref().filter(|ip| **ip != report.host).map(|ip| format!(" ({ip})")).unwrap_or_default()
    );
    let header = ["PORT", "SECURITY", "CONNECTED", "TLS", "CERT", "AUTH BEFORE TLS", "AUTH", "LOGIN", "PROBLEM"];
    let rows: Vec<[String; 9]> = report
        .results
        .iter()
        .map(|r| {
            [
                r.port.to_string(),
                r.security.to_string(),
                yes_no(r.connected).to_string(),
                r.tls_version.clone().unwrap_or_else(|| "-".into()),
                cert_cell(r),
                if r.auth_mechanisms_before_tls.is_empty() {
                    "-".into()
                } else {
                    r.auth_mechanisms_before_tls.join(" ")
                },
                if r.auth_mechanisms.is_empty() { "-".into() } else { r.auth_mechanisms.join(" ") },
                login_cell(r, report.login_requested),
                r.failure.map(|f| f.as_str().replace('_', " ")).unwrap_or_default(),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ").trim_end().to_string()
    };
    let _ = writeln!(out, "\n  {}", style.bold(&line(&header.map(String::from))));
    for (row, r) in rows.iter().zip(&report.results) {
        let text = line(row);
        let text = if r.usable { style.bold(&text) } else { text };
        let _ = writeln!(out, "  {text}");
    }
    let _ = writeln!(out);
    match &report.recommended {
        Some(rec) => {
            let _ = writeln!(out, "{} {}", style.bold("Recommended:"), style.bold(&rec.text));
        }
        None => {
            let _ = writeln!(out, "{} none: no combination works", style.bold("Recommended:"));
        }
    }
    for r in report.results.iter().filter(|r| r.login.attempted) {
        if let Some(reply) = &r.login.reply {
            let _ = writeln!(
                out,
                "{} port {} {}: {}",
                style.bold("Login:"),
                r.port,
                r.security.label(),
                reply.replace('\n', " | ")
            );
        }
    }
    if let Some(s) = &report.send {
        let what = if s.accepted {
            format!("accepted ({})", s.reply.clone().unwrap_or_default().replace('\n', " | "))
        } else {
            s.reply.clone().or_else(|| s.explanation.clone()).unwrap_or_default()
        };
        let _ = writeln!(out, "{} to {} from {}: {what}", style.bold("Test send:"), s.to, s.from);
    }
    let _ = writeln!(out, "\n{}", style.bold("Findings"));
    render::findings(&mut out, style, &report.findings);
    if transcripts {
        for r in &report.results {
            let _ = writeln!(out, "\n{}", style.bold(&format!("port {} {}", r.port, r.security.label())));
            for l in &r.transcript {
                let _ = writeln!(out, "  {l}");
            }
        }
    }
    out
}
