//! `inboxlens explain-bounce`: what a DSN or an SMTP reply means and what to do.

use super::EXIT_USAGE;
use super::render::{self, Style};
use clap::Args;
use std::io::Read;
use std::process::ExitCode;

/// Explain a bounce (RFC 3464 DSN) or a pasted SMTP reply.
#[derive(Debug, Args)]
pub(crate) struct BounceArgs {
    /// The bounce message or SMTP reply; `-` or nothing for stdin.
    #[arg(value_name = "FILE|-")]
    pub input: Option<String>,
    /// Print the explanation as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs the subcommand.
pub(crate) async fn run(args: BounceArgs) -> ExitCode {
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
    print!("{}", text(&report, s));
    let mut out = String::new();
    render::findings(&mut out, s, &report.findings);
    print!("{out}");
    ExitCode::SUCCESS
}

/// The human rendering of a bounce report.
fn text(r: &inboxlens_core::bounce::BounceReport, s: Style) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    if !r.recognised {
        let _ =
            writeln!(o, "  {}", r.error_message.as_deref().unwrap_or("not recognised as a bounce or an SMTP reply"));
        return o;
    }
    let code = match (r.reply_code, r.enhanced_status.as_deref()) {
        (Some(c), Some(e)) => format!("{c} {e}"),
        (Some(c), None) => c.to_string(),
        (None, Some(e)) => e.to_string(),
        (None, None) => "-".into(),
    };
    let cause = serde_json::to_value(r.cause).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let _ = writeln!(o, "  format:  {}", r.format);
    let _ = writeln!(
        o,
        "  code:    {code}{}",
        r.status_meaning.as_ref().map(|m| format!("  ({}: {})", m.subject, m.detail)).unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "  cause:   {}{}",
        s.bold(&cause),
        r.provider.as_deref().map(|p| format!("  [{p}]")).unwrap_or_default()
    );
    let _ = writeln!(o, "  meaning: {}", r.explanation);
    let _ = writeln!(o, "  fix:     {}", r.fix);
    for rcpt in &r.recipients {
        let _ = writeln!(
            o,
            "  - {} {} {}",
            rcpt.recipient.as_deref().unwrap_or("?"),
            rcpt.status.as_deref().unwrap_or(""),
            s.dim(rcpt.diagnostic.as_deref().unwrap_or(""))
        );
    }
    o
}
