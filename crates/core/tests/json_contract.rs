//! The JSON contracts, pinned byte for byte against golden files (`tests/golden/`):
//!
//! - `analyze_sample.json`: `inboxlens analyze --sample --json` (the bundled sample, its zone
//!   offline, judged as of [`SAMPLE_RECEIVED_AT`] + 60 like the CLI does);
//! - `domain/<name>.json`: `inboxlens domain --json --offline --zone <lab zones>` for each lab
//!   domain, minus `timing` (wall-clock figures); every other field is deterministic, which
//!   the test checks by running each domain twice;
//! - `spf/<case>.json`: `inboxlens spf --json` for a few cases over the sample and lab zones;
//! - `corpora.tsv`: `relative/path<TAB>sha256` of the `analyze --json` output for every
//!   message of the public suites the other tests read (the corpora are read in place, only
//!   our hashes are stored). DNS: the suite's own keys where it ships them, else none.
//!
//! Regenerate after an intended change with `INBOXLENS_BLESS=1 cargo test -p inboxlens-core
//! --test json_contract` and review the diff. New fields are tolerated only when listed in
//! `support::golden::ALLOWED_ADDITIONS`; everything else must stay identical (issue 9).
//! The same `analyze_sample.json` is compared with the HTTP answer of `/api/analyze` in
//! `server/tests/json_contract_http.rs`.

mod support;

use inboxlens_core::analyze::{AnalyzeOptions, MessageReport, analyze_message};
use inboxlens_core::auth::spf::{SpfRequest, check_host};
use inboxlens_core::dns::Resolver;
use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::domain::{DomainOptions, DomainReport, check_domain};
use inboxlens_core::sample::{SAMPLE_MESSAGE, SAMPLE_RECEIVED_AT, SAMPLE_ZONE};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::golden;

/// The time every corpus message is judged at (fixed, so expiry checks do not drift).
const CORPUS_NOW: i64 = 1_700_000_000;

fn sample_zone() -> ZoneResolver {
    ZoneResolver::from_zone_text(SAMPLE_ZONE, None).expect("sample zone")
}

/// The CLI's `--json` output of one message report (pretty JSON and a newline).
fn analyze_json(report: &MessageReport) -> String {
    serde_json::to_string_pretty(report).expect("serialize") + "\n"
}

/// The CLI's `domain --json` output of one report, without `timing` (and so without the
/// `timing.elapsed_ms` the CLI adds): the CLI serializes through `serde_json::Value`.
fn domain_json(report: &DomainReport) -> String {
    let mut v = serde_json::to_value(report).expect("serialize");
    v.as_object_mut().expect("object").remove("timing");
    serde_json::to_string_pretty(&v).expect("serialize") + "\n"
}

#[tokio::test]
async fn analyze_sample_is_unchanged() {
    let resolver: Arc<dyn Resolver> = Arc::new(sample_zone());
    let opts = AnalyzeOptions::at(SAMPLE_RECEIVED_AT + 60);
    let report = analyze_message(SAMPLE_MESSAGE, resolver, &opts).await.expect("report");
    let text = analyze_json(&report);
    golden::check("analyze_sample.json", &text);
    // The CLI and the server print the same report: render it the server's way too.
    let tree = golden::parse(&text).expect("json");
    assert_eq!(golden::render_compact(&tree), serde_json::to_string(&report).unwrap());
    assert_round_trip(&report);
}

/// The typed reports read back what they wrote: serialize → deserialize → serialize is
/// the same text (so the server and the web app can hold `MessageReport` / `DomainReport`).
fn assert_round_trip<T: serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug>(report: &T) {
    let text = serde_json::to_string_pretty(report).expect("serialize");
    let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("deserialize: {e}\n{text}"));
    let again = serde_json::to_string_pretty(&back).expect("serialize again");
    if let Err(diff) = golden::compare(&text, &again) {
        panic!("the report does not survive a JSON round trip:\n{diff}");
    }
}

/// Lab domains and the options the CLI would be given for them.
fn lab_domains() -> Vec<(&'static str, &'static str, DomainOptions)> {
    let base =
        DomainOptions { selectors: Vec::new(), parked: false, query_timeout_ms: 2_000, overall_timeout_ms: 10_000 };
    let mut cases = vec![];
    for d in [
        "good.test",
        "bad.test",
        "none.test",
        "bogus.test",
        "slow.test",
        "dead.test",
        "lookups.bad.test",
        "twospf.bad.test",
        "void.bad.test",
        "loop.bad.test",
        "permissive.bad.test",
        "syntax.bad.test",
        "mxcname.bad.test",
    ] {
        cases.push((d, d, base.clone()));
    }
    let selectors = vec!["s1".to_string(), "s2".into(), "weak".into(), "broken".into(), "revoked".into()];
    cases.push(("bad.test", "bad.test-selectors", DomainOptions { selectors: selectors.clone(), ..base.clone() }));
    cases.push(("good.test", "good.test-selectors", DomainOptions { selectors, ..base.clone() }));
    cases.push(("bogus.test", "bogus.test-parked", DomainOptions { parked: true, ..base }));
    cases
}

#[tokio::test]
async fn domain_reports_of_the_lab_zones_are_unchanged() {
    let zone = support::lab_zones();
    for (domain, name, opts) in lab_domains() {
        let report = check_domain(domain, &zone, None, &opts).await;
        assert_round_trip(&report);
        let first = domain_json(&report);
        let second = domain_json(&check_domain(domain, &zone, None, &opts).await);
        assert_eq!(first, second, "{name}: two runs differ: a nondeterministic field needs normalizing");
        golden::check(&format!("domain/{name}.json"), &first);
    }
}

#[tokio::test]
async fn spf_outcomes_are_unchanged() {
    let sample = sample_zone();
    let lab = support::lab_zones();
    let cases: [(&str, &ZoneResolver, &str, &str, &str); 8] = [
        ("sample-pass", &sample, "192.0.2.25", "bounces+8812@news.shop.example", "mail-out.shop.example"),
        ("sample-include-pass", &sample, "198.51.100.7", "bounces@news.shop.example", ""),
        ("sample-softfail", &sample, "203.0.113.9", "bounces@news.shop.example", ""),
        ("sample-helo-null-sender", &sample, "192.0.2.25", "", "shop.example"),
        ("sample-none", &sample, "192.0.2.25", "a@nothing.shop.example", ""),
        ("lab-good", &lab, "127.0.0.1", "a@good.test", "mx.good.test"),
        ("lab-bad-lookups", &lab, "127.0.0.99", "a@lookups.bad.test", ""),
        ("lab-bad-twospf", &lab, "127.0.0.99", "a@twospf.bad.test", ""),
    ];
    for (name, zone, ip, mail_from, helo) in cases {
        let req = SpfRequest { ip: ip.parse().expect("ip"), mail_from: mail_from.into(), helo: helo.into() };
        let outcome = check_host(zone, &req).await;
        // `inboxlens spf --json`: pretty JSON and a newline.
        let text = serde_json::to_string_pretty(&outcome).expect("serialize") + "\n";
        golden::check(&format!("spf/{name}.json"), &text);
    }
}

/// The suites' message folders (as in `bounce_corpus.rs`, plus authheaders' messages).
const CORPUS_DIRS: &[&str] = &[
    "nodemailer-mailparser",
    "mailauth/fixtures",
    "spamassassin",
    "stalwart-mail-parser/resources/eml",
    "stalwart-mail-auth/resources/arf",
    "stalwart-mail-auth/resources/dmarc-feedback",
    "stalwart-mail-auth/resources/dkim",
    "stalwart-mail-auth/resources/arc",
    "mail-dkim-perl/corpus",
    "mox/dmarc-reports",
    "mox/tlsreports",
    "authheaders/messages",
];

fn corpus_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for d in CORPUS_DIRS {
        let mut stack = vec![root.join(d)];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let p = e.path();
                let ext = p.extension().and_then(|x| x.to_str());
                if p.is_dir() {
                    stack.push(p);
                } else if d.starts_with("authheaders") || ext.is_some_and(|x| matches!(x, "eml" | "txt" | "msg")) {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// The message and the DNS it is analyzed with: stalwart's `dkim/` and `arc/` resources
/// carry their keys (DNS lines, a blank line, the message), Mail::DKIM's corpus has
/// `FAKE_DNS.dat`; everything else gets no DNS at all (every name NXDOMAIN).
fn message_and_dns(rel: &str, raw: Vec<u8>, mail_dkim: &ZoneResolver) -> (Vec<u8>, ZoneResolver) {
    if rel.starts_with("stalwart-mail-auth/resources/dkim/") || rel.starts_with("stalwart-mail-auth/resources/arc/") {
        let (zone, msg) = support::dns_and_message(&String::from_utf8_lossy(&raw));
        return (msg, zone);
    }
    if rel.starts_with("mail-dkim-perl/") {
        return (raw, mail_dkim.clone());
    }
    (raw, ZoneResolver::new())
}

#[test]
fn corpus_reports_are_unchanged() {
    let Some(root) = support::corpora() else { return };
    let mail_dkim = support::fake_dns(
        &std::fs::read_to_string(root.join("mail-dkim-perl/FAKE_DNS.dat")).expect("mail-dkim-perl/FAKE_DNS.dat"),
    );
    let files = corpus_files(&root);
    assert!(files.len() >= 200, "only {} corpus messages found", files.len());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut tsv = String::new();
    for path in &files {
        let rel = path.strip_prefix(&root).expect("under root").to_string_lossy().replace('\\', "/");
        let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let (msg, zone) = message_and_dns(&rel, raw, &mail_dkim);
        let resolver: Arc<dyn Resolver> = Arc::new(zone);
        let line = match rt.block_on(analyze_message(&msg, resolver, &AnalyzeOptions::at(CORPUS_NOW))) {
            Ok(report) => {
                assert_round_trip(&report);
                let text = golden::without_allowed(&analyze_json(&report));
                format!("{rel}\t{:x}\n", Sha256::digest(text.as_bytes()))
            }
            // The CLI prints `{"source": ..., "error": ...}`: pin the error.
            Err(err) => format!("{rel}\terror {}\n", serde_json::to_string(&err).expect("serialize")),
        };
        tsv.push_str(&line);
    }
    if golden::blessing() {
        golden::check("corpora.tsv", &tsv);
        return;
    }
    let path = golden::golden_dir().join("corpora.tsv");
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with INBOXLENS_BLESS=1 to create it", path.display()));
    if want != tsv {
        let want_lines: Vec<String> = want.lines().map(String::from).collect();
        let got_lines: Vec<String> = tsv.lines().map(String::from).collect();
        panic!(
            "analyze --json changed for some corpus messages (golden {}).\n{}\nRun `inboxlens analyze --json \
             --offline --now {CORPUS_NOW} <file>` on a changed file before and after to see how; if intended, \
             regenerate with INBOXLENS_BLESS=1.",
            path.display(),
            golden::diff(&want_lines, &got_lines)
        );
    }
    support::say(&format!("json contract: {} corpus messages unchanged", files.len()));
}

#[test]
fn the_comparison_tolerates_only_allowed_additions() {
    let golden = "{\n  \"score\": 8.5,\n  \"findings\": [\n    {\n      \"id\": \"a.b\"\n    }\n  ]\n}\n";
    assert_eq!(golden::compare(golden, golden), Ok(()));
    // An allowed new key on a finding passes.
    let added = "{\n  \"score\": 8.5,\n  \"findings\": [\n    {\n      \"id\": \"a.b\",\n      \"publish\": {\n        \"name\": \"x\"\n      }\n    }\n  ]\n}\n";
    assert_eq!(golden::compare(golden, added), Ok(()));
    assert_eq!(golden::without_allowed(added) + "\n", golden);
    // Any other new key, a changed value, a changed number format or key order fails.
    let other = golden.replace("\"id\": \"a.b\"", "\"id\": \"a.b\",\n      \"extra\": 1");
    let err = golden::compare(golden, &other).unwrap_err();
    assert!(err.contains("+ findings[0].extra = 1"), "{err}");
    let value = golden.replace("a.b", "a.c");
    let err = golden::compare(golden, &value).unwrap_err();
    assert!(err.contains("- findings[0].id = \"a.b\"") && err.contains("+ findings[0].id = \"a.c\""), "{err}");
    assert!(golden::compare(golden, &golden.replace("8.5", "8.50")).is_err());
    let reordered = "{\n  \"findings\": [\n    {\n      \"id\": \"a.b\"\n    }\n  ],\n  \"score\": 8.5\n}\n";
    assert!(golden::compare(golden, reordered).is_err());
    // Whitespace alone is a byte difference too.
    assert!(golden::compare(golden, &golden.replace("\n", "\n ")).is_err());
}
