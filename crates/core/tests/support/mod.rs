//! Helpers shared by the core integration tests (`mod support;` in each test file):
//! the public corpora read in place, lines on the real stderr, TXT records and zones
//! built from `name value` lists, LF → CRLF, and an SPF verdict of `none`.
//!
//! Not every test file uses every helper.
#![allow(dead_code)]

use inboxlens_core::dns::RecordData;
use inboxlens_core::dns::zone::ZoneResolver;
use mail_auth::{SpfOutput, SpfResult};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes to the real stderr: libtest captures `eprintln!` of passing tests, and
/// the SKIPPED line and the pass counts must be seen.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The corpora folder: `$INBOXLENS_CORPORA`, else `../shared/corpora` next to the repo.
/// When it is absent: a loud SKIPPED line and `None` (the test returns), or a panic
/// when `INBOXLENS_REQUIRE_CORPORA=1` (CI).
pub fn corpora() -> Option<PathBuf> {
    let dir = std::env::var_os("INBOXLENS_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("INBOXLENS_REQUIRE_CORPORA").as_deref() == Ok("1") {
        panic!("corpora not found at {} and INBOXLENS_REQUIRE_CORPORA=1", dir.display());
    }
    say(&format!("SKIPPED: corpora not found at {}", dir.display()));
    None
}

/// A corpus file's bytes; a missing file fails the test with its path.
pub fn read(root: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A TXT record of `value`, split into 255-byte character-strings (RFC 1035 §3.3.14).
pub fn txt(value: &str) -> RecordData {
    RecordData::Txt { strings: value.as_bytes().chunks(255).map(|c| c.to_vec()).collect() }
}

/// A zone of TXT records from `(name, value)` pairs (TTL 300).
pub fn txt_zone<'a>(records: impl IntoIterator<Item = (&'a str, &'a str)>) -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    for (name, value) in records {
        zone.add_record(name, 300, txt(value));
    }
    zone
}

/// stalwart's resource layout: DNS lines (`name value`), a blank line, then the
/// message (LF line ends). Returns the TXT zone and the message in CRLF.
pub fn dns_and_message(text: &str) -> (ZoneResolver, Vec<u8>) {
    let (dns, msg) = text.split_once("\n\n").expect("dns and message");
    let zone = txt_zone(dns.lines().filter_map(|line| line.split_once(' ')));
    (zone, crlf(msg.as_bytes()))
}

/// LF → CRLF; line ends that are already CRLF stay as they are.
pub fn crlf(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 20);
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' && (i == 0 || text.get(i - 1) != Some(&b'\r')) {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// SPF not evaluated: the `none` verdict the suites' flags ask for.
pub fn no_spf() -> SpfOutput {
    SpfOutput::new(String::new()).with_result(SpfResult::None)
}
