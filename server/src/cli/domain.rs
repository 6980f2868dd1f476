//! `inboxlens domain DOMAIN...`: every email DNS check of one or many domains (SPF tree,
//! DMARC, DKIM keys, MX with FCrDNS, MTA-STS, TLS-RPT, BIMI, DNSSEC, DANE), through the
//! shared DNS flags (so `--zone` overlays give what-if checks). Several domains run with
//! bounded concurrency and a progress bar on a terminal.
//!
//! Exit codes: 0 no error finding; 1 an `error` finding in some domain; 2 usage error
//! (no/invalid domain, unreadable `--domains-file`, bad DNS flags or `--ca-file`).

use super::dns_flags::DnsArgs;
use super::render::{self, Style};
use super::{EXIT_FINDINGS, EXIT_USAGE};
use crate::guard::{TargetPolicy, is_valid_dns_name};
use crate::probe::mta_sts::MtaStsFetcher;
use crate::probe::tls::TlsSettings;
use clap::Args;
use futures::StreamExt;
use inboxlens_core::dns::Resolver;
use inboxlens_core::domain::mx::MxHostStatus;
use inboxlens_core::domain::{
    DomainOptions, DomainReport, FetchError, FetchFuture, LookupStatus, PolicyFetcher, check_domain, spf::SpfNode,
};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Most domains read from a `--domains-file` (bulk checks stay bounded).
pub(crate) const MAX_DOMAINS: usize = 100_000;

/// Check domains' email DNS setup.
#[derive(Debug, Args)]
pub(crate) struct DomainArgs {
    /// Domains to check.
    #[arg(value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// Read more domains from FILE, one per line (`#` comments and blank lines ignored).
    #[arg(long, value_name = "FILE")]
    pub domains_file: Option<PathBuf>,
    /// Print the report as JSON (an object for one domain, an array for several).
    #[arg(long, conflicts_with = "jsonl")]
    pub json: bool,
    /// Print one JSON report per line, as each domain completes.
    #[arg(long)]
    pub jsonl: bool,
    /// DKIM selector to check (repeatable); without it a list of common selectors is probed.
    #[arg(long = "selector", value_name = "S")]
    pub selectors: Vec<String>,
    /// Check the parked-domain profile: `v=spf1 -all`, DMARC `p=reject`, null MX.
    #[arg(long)]
    pub parked: bool,
    /// Extra trust anchor (PEM) for the MTA-STS policy fetch; repeatable.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_files: Vec<PathBuf>,
    /// Do not fetch MTA-STS policies over HTTPS.
    #[arg(long)]
    pub no_fetch: bool,
    /// Deadline of one domain's whole check, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 15_000)]
    pub overall_timeout_ms: u64,
    /// Domains checked at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,
    #[command(flatten)]
    pub dns: DnsArgs,
}

/// The native MTA-STS policy fetcher of the CLI: verifying TLS (webpki roots plus
/// `--ca-file` anchors), names resolved through the same resolver as the check, no
/// redirects, 64 KB cap and a deadline (RFC 8461 §3.3). Private addresses are allowed:
/// the user checks their own, possibly internal, domains.
fn build_fetcher(args: &DomainArgs, resolver: Arc<dyn Resolver>) -> Result<Option<Arc<SpawnedFetcher>>, String> {
    if args.no_fetch || args.dns.offline {
        return Ok(None);
    }
    let tls = TlsSettings::new(&args.ca_files).map_err(|e| e.to_string())?;
    let cfg = tls.verifying_client_config().map_err(|e| format!("TLS setup: {e}"))?;
    let fetcher = MtaStsFetcher::new(cfg, resolver, TargetPolicy { allow_private: true })
        .map_err(|e| format!("HTTPS client: {e}"))?;
    Ok(Some(Arc::new(SpawnedFetcher(Arc::new(fetcher)))))
}

/// Runs each policy fetch as its own task, so the TLS handshake's CPU work runs on another
/// worker thread instead of stalling the check's concurrent DNS queries.
struct SpawnedFetcher(Arc<MtaStsFetcher>);

impl PolicyFetcher for SpawnedFetcher {
    fn fetch_mta_sts_policy<'a>(&'a self, domain: &'a str) -> FetchFuture<'a> {
        let inner = Arc::clone(&self.0);
        let domain = domain.to_string();
        let task = tokio::spawn(async move { inner.fetch_mta_sts_policy(&domain).await });
        Box::pin(async move {
            match task.await {
                Ok(r) => r,
                Err(e) => Err(FetchError::Other(format!("fetch task failed: {e}"))),
            }
        })
    }
}

fn read_domains(args: &DomainArgs) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = args.domains.clone();
    if let Some(path) = &args.domains_file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        out.extend(
            text.lines()
                .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
                .filter(|l| !l.is_empty())
                .take(MAX_DOMAINS),
        );
    }
    let mut seen = std::collections::HashSet::new();
    let mut list = Vec::new();
    for d in out {
        let n = inboxlens_core::domain::normalize_domain(&d);
        if !is_valid_dns_name(&n) {
            return Err(format!("{d:?} is not a valid domain name"));
        }
        if seen.insert(n.clone()) {
            list.push(n);
        }
    }
    if list.is_empty() {
        return Err("no domain given (DOMAIN... or --domains-file FILE)".into());
    }
    Ok(list)
}

/// Runs the subcommand.
pub(crate) async fn run(args: DomainArgs) -> ExitCode {
    let domains = match read_domains(&args) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("inboxlens domain: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let resolver = match args.dns.build_resolver() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("inboxlens domain: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let fetcher = match build_fetcher(&args, resolver.clone()) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("inboxlens domain: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let opts = DomainOptions {
        selectors: args.selectors.clone(),
        parked: args.parked,
        query_timeout_ms: args.dns.dns_timeout_ms,
        overall_timeout_ms: args.overall_timeout_ms,
    };
    let progress = if domains.len() > 1 && std::io::stderr().is_terminal() && !args.json && !args.jsonl {
        let pb = indicatif::ProgressBar::new(domains.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg} ({eta})") {
            pb.set_style(style.progress_chars("=> "));
        }
        Some(pb)
    } else if domains.len() > 1 && std::io::stderr().is_terminal() {
        Some(indicatif::ProgressBar::new(domains.len() as u64))
    } else {
        None
    };

    let concurrency = args.concurrency.clamp(1, 256);
    let mut results: Vec<Option<(DomainReport, u128)>> = vec![None; domains.len()];
    let mut any_error = false;
    {
        // Each domain is its own task: several domains use every worker thread.
        let mut stream = futures::stream::iter(domains.iter().cloned().enumerate())
            .map(|(i, d)| {
                let resolver = Arc::clone(&resolver);
                let fetcher = fetcher.clone();
                let opts = opts.clone();
                let task = tokio::spawn(async move {
                    let start = Instant::now();
                    let f: Option<&dyn PolicyFetcher> = fetcher.as_deref().map(|f| f as &dyn PolicyFetcher);
                    let report = check_domain(&d, resolver.as_ref(), f, &opts).await;
                    (report, start.elapsed().as_millis())
                });
                async move { (i, task.await) }
            })
            .buffer_unordered(concurrency);
        while let Some((i, joined)) = stream.next().await {
            let (report, ms) = match joined {
                Ok(x) => x,
                Err(e) => {
                    eprintln!(
                        "inboxlens domain: check of {} failed: {e}",
                        domains.get(i).map(String::as_str).unwrap_or("?")
                    );
                    any_error = true;
                    continue;
                }
            };
            any_error |= render::has_error(&report.findings);
            if let Some(pb) = &progress {
                pb.set_message(report.domain.clone());
                pb.inc(1);
            }
            if args.jsonl {
                let line = serde_json::to_string(&to_json(&report, ms)).unwrap_or_default();
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            } else if let Some(slot) = results.get_mut(i) {
                *slot = Some((report, ms));
            }
        }
    }
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    if args.json {
        let values: Vec<serde_json::Value> = results.iter().flatten().map(|(r, ms)| to_json(r, *ms)).collect();
        let doc = if values.len() == 1 {
            values.into_iter().next().unwrap_or_default()
        } else {
            serde_json::Value::Array(values)
        };
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else if !args.jsonl {
        let style = Style::detect();
        let mut out = String::new();
        for (r, ms) in results.iter().flatten() {
            human(&mut out, style, r, *ms);
        }
        print!("{out}");
    }
    if any_error { ExitCode::from(EXIT_FINDINGS) } else { ExitCode::SUCCESS }
}

/// The report as JSON, with the wall time of its check added under `timing.elapsed_ms`.
fn to_json(report: &DomainReport, elapsed_ms: u128) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    if let Some(t) = v.get_mut("timing").and_then(|t| t.as_object_mut()) {
        t.insert("elapsed_ms".into(), serde_json::Value::from(elapsed_ms as u64));
    }
    v
}

fn status_word(s: LookupStatus) -> &'static str {
    match s {
        LookupStatus::Found => "ok",
        LookupStatus::None => "none",
        LookupStatus::Temperror => "temperror",
        LookupStatus::Permerror => "permerror",
    }
}

fn tree_lines(out: &mut String, s: Style, node: &SpfNode, indent: usize) {
    let pad = " ".repeat(indent);
    let rec =
        node.record.as_deref().map(|r| format!("\"{r}\"")).unwrap_or_else(|| node.error.clone().unwrap_or_default());
    let _ = writeln!(
        out,
        "{pad}{} {} {}",
        s.bold(&node.domain),
        s.dim(&format!("[{} lookups here, total {}; {} void]", node.lookups, node.total, node.void_lookups)),
        rec
    );
    for t in &node.terms {
        if let Some(child) = t.node.as_deref() {
            tree_lines(out, s, child, indent + 2);
        }
    }
}

/// Human output: a summary per section, the SPF tree, then findings grouped by area.
fn human(out: &mut String, s: Style, r: &DomainReport, ms: u128) {
    let _ = writeln!(
        out,
        "{}  {}{}",
        s.bold(&r.domain),
        s.score(r.score),
        if r.inconclusive { format!("  {}", s.verdict("inconclusive (temperror)")) } else { String::new() }
    );
    let _ = writeln!(
        out,
        "  {}",
        s.dim(&format!(
            "{} DNS queries, critical path {} round trips, {ms} ms",
            r.timing.queries, r.timing.critical_path
        ))
    );
    let _ = writeln!(
        out,
        "  {:<9} {}  {}/10 lookups, {}/2 void",
        "SPF",
        s.verdict(status_word(r.spf.status)),
        r.spf.lookups,
        r.spf.void_lookups
    );
    for rec in &r.spf.records {
        let _ = writeln!(out, "            \"{rec}\"");
    }
    if let Some(tree) = &r.spf.tree
        && tree.terms.iter().any(|t| t.node.is_some())
    {
        tree_lines(out, s, tree, 12);
    }
    if let Some(flat) = &r.spf.flattened {
        let _ = writeln!(out, "            {} ({} lookups):", s.bold("flattened record"), flat.lookups);
        for p in &flat.records {
            let _ = writeln!(out, "            {}", p.zone_line);
        }
    }
    let _ = writeln!(
        out,
        "  {:<9} {}  {}",
        "DMARC",
        s.verdict(status_word(r.dmarc.status)),
        match (&r.dmarc.policy, &r.dmarc.domain) {
            (Some(p), Some(d)) => format!("policy {p} (from _dmarc.{d})"),
            _ => String::new(),
        }
    );
    if let Some(rec) = &r.dmarc.record {
        let _ = writeln!(out, "            \"{rec}\"");
    }
    let keys: Vec<String> = r
        .dkim
        .iter()
        .filter(|k| matches!(k.status, LookupStatus::Found | LookupStatus::Permerror))
        .map(|k| {
            format!(
                "{} ({}{}{})",
                k.selector,
                k.key_type.clone().unwrap_or_default(),
                k.key_bits.map(|b| format!(" {b}")).unwrap_or_default(),
                if k.revoked {
                    ", revoked"
                } else if k.status == LookupStatus::Permerror {
                    ", invalid"
                } else {
                    ""
                }
            )
        })
        .collect();
    let failed = r.dkim.iter().filter(|k| k.status == LookupStatus::Temperror).count();
    let dkim_line = match (keys.is_empty(), failed) {
        (true, 0) => s.dim("no key at the probed selectors (that proves nothing)"),
        (true, n) => format!("{} ({n} selector lookups failed)", s.verdict("temperror")),
        (false, 0) => keys.join(", "),
        (false, n) => format!("{} ({n} selector lookups failed)", keys.join(", ")),
    };
    let _ = writeln!(out, "  {:<9} {}", "DKIM", dkim_line);
    if r.mx.is_empty() {
        let _ = writeln!(out, "  {:<9} {}", "MX", s.verdict(status_word(r.mx_summary.status)));
    }
    for h in &r.mx {
        let rev: Vec<String> = h
            .reverse
            .iter()
            .map(|x| {
                format!(
                    "{} ← {}",
                    x.address,
                    if x.ptr.is_empty() {
                        "no PTR".to_string()
                    } else {
                        format!("{}{}", x.ptr.join(","), if x.fcrdns == Some(true) { " ✓" } else { " ✗" })
                    }
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:<9} {} {}  {}",
            "MX",
            h.preference,
            h.host,
            if h.status == MxHostStatus::Ok { rev.join("; ") } else { s.verdict(h.status.as_str()) }
        );
    }
    let _ = writeln!(
        out,
        "  {:<9} {}  {}",
        "MTA-STS",
        s.verdict(status_word(r.mta_sts.status)),
        r.mta_sts
            .policy
            .as_ref()
            .map(|p| format!(
                "mode {}, max_age {}",
                p.mode.as_ref().map(|m| m.as_str()).unwrap_or_default(),
                p.max_age.unwrap_or(0)
            ))
            .unwrap_or_else(|| r.mta_sts.policy_error.clone().unwrap_or_default())
    );
    let _ = writeln!(out, "  {:<9} {}", "TLS-RPT", s.verdict(status_word(r.tls_rpt.status)));
    let _ = writeln!(out, "  {:<9} {}", "BIMI", s.verdict(status_word(r.bimi.status)));
    let _ = writeln!(out, "  {:<9} {}  {}", "DNSSEC", s.verdict(r.dnssec.status.as_str()), s.dim(&r.dnssec.detail));
    let dane: Vec<String> = r
        .dane
        .iter()
        .filter(|h| h.status != LookupStatus::None)
        .map(|h| format!("{} {}", h.name, status_word(h.status)))
        .collect();
    let _ = writeln!(out, "  {:<9} {}", "DANE", if dane.is_empty() { s.dim("no TLSA") } else { dane.join(", ") });
    render::findings(out, s, &r.findings);
    let _ = writeln!(out);
}
