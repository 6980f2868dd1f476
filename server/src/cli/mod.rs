//! Command-line parsing (clap) and dispatch to one module per subcommand.
//!
//! Exit codes (contract): 0 ok; 1 an `error` finding or a score under `--fail-under`;
//! 2 usage error or unreadable input.

pub(crate) mod analyze;
pub(crate) mod bounce;
pub(crate) mod dns_flags;
pub(crate) mod domain;
pub(crate) mod render;
pub(crate) mod serve;
pub(crate) mod smtp_test;
pub(crate) mod spf;
pub(crate) mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Inboxlens: email deliverability analyzer.
#[derive(Debug, Parser)]
#[command(name = "inboxlens", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Analyze raw messages: authentication, delivery path, headers, content, score.
    Analyze(analyze::AnalyzeArgs),
    /// Evaluate SPF for a client IP and sender (RFC 7208).
    Spf(spf::SpfArgs),
    /// Explain a bounce (DSN) or an SMTP reply, with the likely cause and the fix.
    ExplainBounce(bounce::BounceArgs),
    /// Check a domain's email DNS setup (SPF, DMARC, DKIM, MX, MTA-STS, TLS-RPT, BIMI, DNSSEC, DANE).
    Domain(domain::DomainArgs),
    /// Verify mailboxes and clean address lists (syntax, MX, SMTP RCPT), resumable.
    Verify(verify::VerifyArgs),
    /// Run the companion server (web app, API, DoH endpoint, probes).
    Serve(serve::ServeArgs),
    /// Test SMTP submission settings: every port × security, login, the recommended setting.
    SmtpTest(smtp_test::SmtpTestArgs),
}

/// Exit code 1: an `error` finding or a score under `--fail-under`.
pub(crate) const EXIT_FINDINGS: u8 = 1;
/// Exit code 2: usage error or unreadable input.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Parses the command line and runs the subcommand on a tokio runtime.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("inboxlens: cannot start the async runtime: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Command::Analyze(args) => analyze::run(args).await,
            Command::Spf(args) => spf::run(args).await,
            Command::ExplainBounce(args) => bounce::run(args).await,
            Command::Domain(args) => domain::run(args).await,
            Command::Verify(args) => verify::run(args).await,
            Command::Serve(args) => serve::run(args).await,
            Command::SmtpTest(args) => smtp_test::run(args).await,
        }
    })
}
