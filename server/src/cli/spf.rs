//! `inboxlens spf`: RFC 7208 check_host() for one client IP and sender.

use super::dns_flags::DnsArgs;
use super::render::Style;
use super::{EXIT_FINDINGS, EXIT_USAGE};
use clap::Args;
use inboxlens_core::auth::spf::{SpfRequest, SpfResult, check_host};
use std::net::IpAddr;
use std::process::ExitCode;

/// Evaluate SPF (RFC 7208) for a client IP, MAIL FROM and HELO.
#[derive(Debug, Args)]
pub(crate) struct SpfArgs {
    /// The connecting client's IP.
    #[arg(long)]
    pub ip: IpAddr,
    /// The envelope sender (MAIL FROM); empty or `<>` for the null sender (then HELO is checked).
    #[arg(long = "mail-from", value_name = "ADDR")]
    pub mail_from: String,
    /// The HELO/EHLO name.
    #[arg(long, default_value = "")]
    pub helo: String,
    /// Print `{result, explanation, lookups, void_lookups, ...}` as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub dns: DnsArgs,
}

/// Runs the subcommand. Exit 1 for fail/softfail/permerror/temperror.
pub(crate) async fn run(args: SpfArgs) -> ExitCode {
    let resolver = match args.dns.build_resolver() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("inboxlens spf: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mail_from = args.mail_from.trim().trim_matches(|c| c == '<' || c == '>').to_string();
    let req = SpfRequest { ip: args.ip, mail_from, helo: args.helo.clone() };
    let outcome = check_host(resolver.as_ref(), &req).await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome).unwrap_or_default());
    } else {
        let s = Style::detect();
        let word = outcome.result.to_string();
        println!("{} {} for {} ({})", s.bold("SPF"), s.verdict(&word), outcome.domain, outcome.identity);
        if let Some(rec) = &outcome.record {
            println!("  record:      {rec}");
        }
        if let Some(m) = &outcome.matched {
            println!(
                "  matched:     {m}{}",
                outcome.matched_domain.as_ref().map(|d| format!(" (in {d})")).unwrap_or_default()
            );
        }
        println!(
            "  lookups:     {}/10 DNS-querying terms, {}/2 void (RFC 7208 §4.6.4)",
            outcome.lookups, outcome.void_lookups
        );
        if let Some(e) = &outcome.explanation {
            println!("  explanation: {e}");
        }
        if let Some(p) = &outcome.problem {
            println!("  problem:     {p}");
        }
    }
    match outcome.result {
        SpfResult::Pass | SpfResult::Neutral | SpfResult::None => ExitCode::SUCCESS,
        _ => ExitCode::from(EXIT_FINDINGS),
    }
}
