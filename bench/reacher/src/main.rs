//! Bench peer for `bench/compare-reacher.sh`: Reacher's `check-if-email-exists` (crates.io,
//! v0.11.11) run as a library on the same list `inboxlens verify` gets.
//!
//! Reads addresses on stdin (one per line, blank lines skipped), runs
//! `check_if_email_exists::check_email` on each with at most `--concurrency` checks in flight
//! (a `buffer_unordered` window over a lazily read stdin: memory is bounded by the window),
//! and prints one JSON line per address as it completes, tagged with its input line number
//! (`line`, from 0) so the script can put the answers back in input order.
//!
//! Configured for the lab: every provider (Gmail, Hotmail B2B/B2C, Yahoo, Mimecast,
//! Proofpoint, everything else) goes through plain SMTP on `--port` (default 25), so nothing
//! ever calls out to a web API or a headless browser; no Gravatar, no HaveIBeenPwned. DNS is
//! whatever `/etc/resolv.conf` says (Reacher builds a hickory resolver from the system
//! configuration on every check): the script runs this in a private mount namespace with a
//! resolv.conf that names the lab's resolver only.
//!
//! At the end it prints the in-process wall time (first address read to last answer
//! printed) on stderr, so process start-up is not part of the peer's figure.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use check_if_email_exists::smtp::verif_method::{
    EverythingElseVerifMethod, GmailVerifMethod, HotmailB2BVerifMethod, HotmailB2CVerifMethod, MimecastVerifMethod,
    ProofpointVerifMethod, VerifMethod, VerifMethodSmtpConfig, YahooVerifMethod,
};
use check_if_email_exists::{CheckEmailInput, check_email};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

const USAGE: &str = "usage: reacher-driver [--concurrency N] [--helo NAME] [--from ADDR] [--port P] [--timeout-s S] [--retries N] < addresses.txt";

/// Command line options; defaults match `inboxlens verify`'s where both have the knob.
struct Opts {
    /// Checks in flight at once (`inboxlens verify --concurrency` defaults to 16).
    concurrency: usize,
    /// EHLO name (the script passes the same `--helo` to both tools).
    helo: String,
    /// MAIL FROM (Reacher cannot send the null sender `<>`, so the script gives both tools one).
    from: String,
    /// SMTP port of the MX hosts.
    port: u16,
    /// Deadline of one SMTP connection, all commands included (Reacher's `smtp_timeout`).
    timeout: Duration,
    /// SMTP connections per address (Reacher's `retries`: 2 "might bypass greylisting").
    retries: usize,
}

fn parse_opts() -> Result<Opts, String> {
    let mut o = Opts {
        concurrency: 16,
        helo: "verifier.lab.test".into(),
        from: "probe@verifier.lab.test".into(),
        port: 25,
        timeout: Duration::from_secs(30),
        retries: 2,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{a} {v}: {e}"));
        match a.as_str() {
            "--concurrency" => o.concurrency = num(val()?)?.max(1) as usize,
            "--helo" => o.helo = val()?,
            "--from" => o.from = val()?,
            "--port" => o.port = u16::try_from(num(val()?)?).map_err(|e| format!("--port: {e}"))?,
            "--timeout-s" => o.timeout = Duration::from_secs(num(val()?)?.max(1)),
            "--retries" => o.retries = num(val()?)?.max(1) as usize,
            "-h" | "--help" => return Err(USAGE.into()),
            _ => return Err(format!("unknown argument {a}\n{USAGE}")),
        }
    }
    Ok(o)
}

/// The same SMTP configuration for every provider: Reacher's defaults send Yahoo and
/// Hotmail B2C to a headless browser (WebDriver), which the lab has no business reaching.
fn verif_method(o: &Opts) -> VerifMethod {
    let c = VerifMethodSmtpConfig {
        from_email: o.from.clone(),
        hello_name: o.helo.clone(),
        proxy: None,
        smtp_port: o.port,
        smtp_timeout: Some(o.timeout),
        retries: o.retries,
    };
    VerifMethod {
        proxies: HashMap::new(),
        gmail: GmailVerifMethod::Smtp(c.clone()),
        hotmailb2b: HotmailB2BVerifMethod::Smtp(c.clone()),
        hotmailb2c: HotmailB2CVerifMethod::Smtp(c.clone()),
        mimecast: MimecastVerifMethod::Smtp(c.clone()),
        proofpoint: ProofpointVerifMethod::Smtp(c.clone()),
        yahoo: YahooVerifMethod::Smtp(c.clone()),
        everything_else: EverythingElseVerifMethod::Smtp(c),
    }
}

/// One output line: Reacher's verdict, the SMTP details (or its error) and the flags that
/// make it call an address risky.
fn line_json(line: usize, address: &str, out: &Value, ms: u128) -> Value {
    json!({
        "line": line,
        "address": address,
        "is_reachable": out["is_reachable"],
        "is_valid_syntax": out["syntax"]["is_valid_syntax"],
        "smtp": out["smtp"],
        "mx": out["mx"],
        "is_role_account": out["misc"]["is_role_account"],
        "is_disposable": out["misc"]["is_disposable"],
        "duration_ms": ms,
    })
}

#[tokio::main]
async fn main() {
    let opts = match parse_opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let method = verif_method(&opts);
    let lines = BufReader::new(tokio::io::stdin()).lines();
    // Lazily read stdin: at most `concurrency` addresses are held at once.
    let addresses = futures::stream::unfold((lines, 0usize), |(mut lines, n)| async move {
        loop {
            match lines.next_line().await {
                Ok(Some(l)) if l.trim().is_empty() => continue,
                Ok(Some(l)) => return Some(((n, l.trim().to_string()), (lines, n + 1))),
                Ok(None) => return None,
                Err(e) => {
                    eprintln!("reacher-driver: stdin: {e}");
                    return None;
                }
            }
        }
    });
    let start = Instant::now();
    let mut count = 0usize;
    let results = addresses
        .map(|(n, address)| {
            let input = CheckEmailInput {
                to_email: address.clone(),
                verif_method: method.clone(),
                check_gravatar: false,
                haveibeenpwned_api_key: None,
                ..Default::default()
            };
            // Spawned, so the checks run on all the runtime's worker threads (one per core),
            // as `inboxlens verify`'s do.
            tokio::spawn(async move {
                let t = Instant::now();
                let out = check_email(&input).await;
                let ms = t.elapsed().as_millis();
                let v = serde_json::to_value(&out).unwrap_or(Value::Null);
                line_json(n, &address, &v, ms)
            })
        })
        .buffer_unordered(opts.concurrency);
    let mut results = std::pin::pin!(results);
    let stdout = std::io::stdout();
    while let Some(joined) = results.next().await {
        let v = match joined {
            Ok(v) => v,
            Err(e) => {
                eprintln!("reacher-driver: a check panicked: {e}");
                std::process::exit(1);
            }
        };
        count += 1;
        let mut w = stdout.lock();
        if writeln!(w, "{v}").and_then(|_| w.flush()).is_err() {
            std::process::exit(1);
        }
    }
    eprintln!(
        "reacher-driver: {count} addresses in {} ms (in-process), concurrency {}, retries {}, timeout {} s",
        start.elapsed().as_millis(),
        opts.concurrency,
        opts.retries,
        opts.timeout.as_secs()
    );
}
