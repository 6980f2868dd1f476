//! `inboxlens explain-bounce`: what a DSN or an SMTP reply means and what to do.

use super::render::{self, Style};
use super::EXIT_USAGE;
use clap::Args;
use std::io::Read;
use std::process::ExitCode;

/// Explain a bounce (RFC 3464 DSN) or a pasted SMTP reply.
#[derive(Debug, Args)]
pub struct BounceArgs {
    /// The bounce message or SMTP reply; `-` or nothing for stdin.
    #[arg(value_name = "FILE|-")]
    pub input: Option<String>,
    /// Print the explanation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub async fn run(args: BounceArgs) -> ExitCode {
    let bytes = match args.input.as_deref() {
        None | Some("-") => {
            let mut b = Vec::new();
            match std::io::stdin().take(32 * 1024 * 1024).read_to_end(&mut b) {
                Ok(_) => b,
                Err(e) => {
                    eprintln!("inboxlens explain-bounce: stdin: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            }
        }
        Some(path) => match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("inboxlens explain-bounce: {path}: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    let report = inboxlens_core::bounce::explain_bounce(&bytes);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    let s = Style::detect();
    println!("{}", s.bold("Bounce explained"));
    print!("{}", inboxlens_core::bounce::render_text(&report));
    let mut out = String::new();
    render::findings(&mut out, s, &report.findings);
    print!("{out}");
    ExitCode::SUCCESS
}
