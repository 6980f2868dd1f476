//! `inboxlens analyze`: one report per message (files, directories or stdin).

use super::dns_flags::DnsArgs;
use super::render::{self, Style};
use super::{EXIT_FINDINGS, EXIT_USAGE};
use clap::Args;
use inboxlens_core::analyze::{AnalyzeOptions, MessageReport, Now, analyze_message};
use inboxlens_core::dns::Resolver;
use inboxlens_core::dns::overlay::Overlay;
use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::message::envelope::EnvelopeOverrides;
use inboxlens_core::sample::{SAMPLE_MESSAGE, SAMPLE_RECEIVED_AT, SAMPLE_ZONE};
use std::fmt::Write as _;
use std::io::{IsTerminal, Read};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Analyze raw messages (RFC 5322 with headers): authentication, path, headers, content.
#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// Message files, directories of messages, or `-` for stdin.
    #[arg(value_name = "FILE|DIR|-")]
    pub inputs: Vec<String>,
    /// Print the report as JSON.
    #[arg(long, conflicts_with = "jsonl")]
    pub json: bool,
    /// Print one JSON report per line (for several messages).
    #[arg(long)]
    pub jsonl: bool,
    /// Analyze the bundled sample message.
    #[arg(long)]
    pub sample: bool,
    /// Judge signatures and dates as of this time: unix seconds, or `received` (the top Received header's time).
    #[arg(long, value_name = "UNIX|received")]
    pub now: Option<String>,
    /// The connecting client's IP (instead of the one inferred from Received).
    #[arg(long)]
    pub ip: Option<IpAddr>,
    /// The HELO/EHLO name (instead of the inferred one).
    #[arg(long)]
    pub helo: Option<String>,
    /// The envelope sender (instead of Return-Path); `<>` for the null sender.
    #[arg(long = "mail-from", value_name = "ADDR")]
    pub mail_from: Option<String>,
    /// Exit 1 when a score is below this.
    #[arg(long, value_name = "SCORE")]
    pub fail_under: Option<f64>,
    #[command(flatten)]
    pub dns: DnsArgs,
}

/// One input: a name for messages, and where its bytes are (files are read by the
/// worker that analyzes them, so a large directory is never all in memory).
struct Input {
    name: String,
    bytes: Option<Vec<u8>>,
    path: Option<PathBuf>,
}

impl Input {
    fn load(&self) -> Result<Vec<u8>, String> {
        if let Some(b) = &self.bytes {
            return Ok(b.clone());
        }
        let Some(path) = &self.path else { return Err("no input".into()) };
        let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
        if meta.len() > inboxlens_core::analyze::MAX_MESSAGE_BYTES as u64 {
            return Err(format!("{} bytes is over the 64 MiB limit", meta.len()));
        }
        std::fs::read(path).map_err(|e| e.to_string())
    }
}

/// Runs the subcommand.
pub(crate) async fn run(args: AnalyzeArgs) -> ExitCode {
    let inputs = match collect_inputs(&args) {
        Ok(i) => i,
        Err(msg) => {
            eprintln!("inboxlens analyze: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let resolver = match sample_or_flags_resolver(&args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("inboxlens analyze: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    // The sample is judged as of just after it was received, so its report is stable.
    let now_flag = match (&args.now, args.sample) {
        (None, true) => Some((SAMPLE_RECEIVED_AT + 60).to_string()),
        (flag, _) => flag.clone(),
    };
    let now = match parse_now(now_flag.as_deref()) {
        Ok(n) => n,
        Err(msg) => {
            eprintln!("inboxlens analyze: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mail_from = args.mail_from.as_ref().map(|m| m.trim_matches(|c| c == '<' || c == '>').to_string());
    let opts = AnalyzeOptions {
        now,
        overrides: EnvelopeOverrides { ip: args.ip, helo: args.helo.clone(), mail_from, from_session: false },
    };
    let style = Style::detect();
    let mut worst = 0u8;
    let many = inputs.len() > 1;
    let fail_under = args.fail_under;
    let (json, jsonl) = (args.json, args.jsonl);
    // Messages are independent: analyze them on every core, print in input order.
    for_each_in_order(inputs, resolver, &opts, |name, result| match result {
        Ok(report) => {
            if jsonl {
                println!("{}", serde_json::to_string(&Sourced { source: &name, report: &report }).unwrap_or_default());
            } else if json {
                println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                print!("{}", human(&report, &name, many, style));
            }
            let below = fail_under.is_some_and(|t| report.score < t);
            if below || render::has_error(&report.findings) {
                worst = worst.max(EXIT_FINDINGS);
            }
        }
        Err(err) => {
            if jsonl || json {
                println!("{}", serde_json::json!({"source": name, "error": err}));
            }
            eprintln!("inboxlens analyze: {name}: {err}");
            worst = EXIT_USAGE;
        }
    });
    ExitCode::from(worst)
}

/// A JSONL line: the report plus the file it came from.
#[derive(serde::Serialize)]
struct Sourced<'a> {
    source: &'a str,
    #[serde(flatten)]
    report: &'a MessageReport,
}

/// Analyzes every input with one worker thread per core (each with its own
/// single-threaded runtime: the analysis future borrows the message and is not `Send`),
/// and hands the results to `emit` in input order.
fn for_each_in_order(
    inputs: Vec<Input>,
    resolver: Arc<dyn Resolver>,
    opts: &AnalyzeOptions,
    mut emit: impl FnMut(String, Result<MessageReport, String>),
) {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    let total = inputs.len();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(total).max(1);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<(usize, String, Result<MessageReport, String>)>(workers * 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, inputs, resolver) = (&next, &inputs, resolver.clone());
            scope.spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let result = input.load().and_then(|bytes| {
                        rt.block_on(analyze_message(&bytes, resolver.clone(), opts)).map_err(|e| e.to_string())
                    });
                    if tx.send((i, input.name.clone(), result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (i, name, result) in rx {
            pending.insert(i, (name, result));
            while let Some((name, result)) = pending.remove(&want) {
                emit(name, result);
                want += 1;
            }
        }
    });
}

/// The resolver of the DNS flags; with `--sample`, the sample's zone laid over it (or
/// alone, when no DNS flag is given), so the sample never depends on live DNS.
fn sample_or_flags_resolver(args: &AnalyzeArgs) -> Result<Arc<dyn Resolver>, String> {
    if !args.sample {
        return args.dns.build_resolver().map_err(|e| e.to_string());
    }
    let zone = ZoneResolver::from_zone_text(SAMPLE_ZONE, None).map_err(|e| format!("bundled sample zone: {e}"))?;
    let no_dns_flags = args.dns.zones.is_empty() && args.dns.resolver.is_none() && args.dns.doh.is_none();
    if no_dns_flags {
        return Ok(Arc::new(zone));
    }
    if args.dns.offline && args.dns.zones.is_empty() {
        return Ok(Arc::new(zone));
    }
    let below = args.dns.build_resolver().map_err(|e| e.to_string())?;
    Ok(Arc::new(Overlay::new(zone, below)))
}

fn parse_now(flag: Option<&str>) -> Result<Now, String> {
    let clock =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    match flag {
        None => Ok(Now::At(clock)),
        Some("received") => Ok(Now::Received(clock)),
        Some(s) => {
            s.parse::<i64>().map(Now::At).map_err(|_| format!("--now takes unix seconds or `received`, got {s:?}"))
        }
    }
}

fn collect_inputs(args: &AnalyzeArgs) -> Result<Vec<Input>, String> {
    let mut out = Vec::new();
    if args.sample {
        out.push(Input { name: "sample".into(), bytes: Some(SAMPLE_MESSAGE.to_vec()), path: None });
    }
    if args.inputs.is_empty() && !args.sample {
        if std::io::stdin().is_terminal() {
            return Err("no input: give FILE, DIR or `-` (stdin), or --sample for the bundled sample".into());
        }
        return Ok(vec![read_stdin()?]);
    }
    for arg in &args.inputs {
        if arg == "-" {
            out.push(read_stdin()?);
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| format!("{arg}: {e}"))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                out.push(read_file(&f)?);
            }
        } else {
            out.push(read_file(path)?);
        }
    }
    Ok(out)
}

fn read_file(path: &Path) -> Result<Input, String> {
    // Unreadable named files are a usage error up front (exit 2), not a late surprise.
    std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Input { name: path.display().to_string(), bytes: None, path: Some(path.to_path_buf()) })
}

fn read_stdin() -> Result<Input, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(inboxlens_core::analyze::MAX_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("stdin: {e}"))?;
    Ok(Input { name: "stdin".into(), bytes: Some(bytes), path: None })
}

/// The human report.
fn human(r: &MessageReport, name: &str, many: bool, s: Style) -> String {
    let mut o = String::new();
    if many {
        let _ = writeln!(o, "{}", s.bold(&format!("== {name}")));
    }
    let _ = writeln!(
        o,
        "{}  {}  {}",
        s.bold("Inboxlens"),
        s.score(r.score),
        s.dim(&format!("{} error(s), {} warning(s)", r.summary.errors, r.summary.warnings))
    );
    if let Some(subj) = &r.summary.subject {
        let _ = writeln!(o, "  Subject: {subj}");
    }
    if let Some(from) = &r.summary.from {
        let _ = writeln!(o, "  From:    {from}");
    }
    let e = &r.envelope;
    let _ = writeln!(o, "\n{}", s.bold("Envelope"));
    let _ = writeln!(o, "  client IP  {:<28} {}", e.client_ip.as_deref().unwrap_or("-"), s.dim(&e.source.client_ip));
    let _ = writeln!(o, "  HELO       {:<28} {}", e.helo.as_deref().unwrap_or("-"), s.dim(&e.source.helo));
    let _ = writeln!(o, "  MAIL FROM  {:<28} {}", e.mail_from.as_deref().unwrap_or("<>"), s.dim(&e.source.mail_from));

    let a = &r.auth;
    let _ = writeln!(o, "\n{}", s.bold("Authentication"));
    let spf = a.spf.result.to_string();
    let _ = writeln!(o, "  SPF    {:<10} {} ({} DNS lookups)", s.verdict(&spf), a.spf.domain, a.spf.lookups);
    if a.dkim.is_empty() {
        let _ = writeln!(o, "  DKIM   {}", s.verdict("none"));
    }
    for d in &a.dkim {
        let key = match (d.key_type.as_deref(), d.key_bits) {
            (Some(t), Some(b)) => format!("{t}-{b}"),
            _ => "key ?".into(),
        };
        let _ = writeln!(
            o,
            "  DKIM   {:<10} d={} s={} {} {}",
            s.verdict(d.result.as_str()),
            d.domain,
            d.selector,
            d.algorithm,
            key
        );
    }
    let _ = writeln!(
        o,
        "  DMARC  {:<10} {} policy={}",
        s.verdict(a.dmarc.result.as_str()),
        a.dmarc.domain,
        a.dmarc.policy.map(|p| p.as_str()).unwrap_or("-")
    );
    let _ = writeln!(o, "  ARC    {}", s.verdict(a.arc.result.as_str()));

    if !r.hops.is_empty() {
        let _ = writeln!(o, "\n{}", s.bold("Delivery path"));
        for (n, h) in r.hops.iter().enumerate() {
            let delay = h.delay_seconds.map(|d| format!("+{d}s")).unwrap_or_default();
            let tls = h.tls_version.clone().unwrap_or_else(|| h.with.clone().unwrap_or_default());
            let _ = writeln!(
                o,
                "  {:>2}. {} → {} {} {}",
                n + 1,
                h.from.as_deref().or(h.from_ip.as_deref()).unwrap_or("?"),
                h.by.as_deref().unwrap_or("?"),
                s.dim(&tls),
                delay
            );
        }
    }
    let _ = writeln!(o, "\n{}", s.bold("Findings"));
    render::findings(&mut o, s, &r.findings);
    let _ = writeln!(o);
    o
}
