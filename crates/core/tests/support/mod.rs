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
pub(crate) fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The corpora folder: `$INBOXLENS_CORPORA`, else `../shared/corpora` next to the repo.
/// When it is absent: a loud SKIPPED line and `None` (the test returns), or a panic
/// when `INBOXLENS_REQUIRE_CORPORA=1` (CI).
pub(crate) fn corpora() -> Option<PathBuf> {
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
pub(crate) fn read(root: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A TXT record of `value`, split into 255-byte character-strings (RFC 1035 §3.3.14).
pub(crate) fn txt(value: &str) -> RecordData {
    RecordData::Txt { strings: value.as_bytes().chunks(255).map(|c| c.to_vec()).collect() }
}

/// A zone of TXT records from `(name, value)` pairs (TTL 300).
pub(crate) fn txt_zone<'a>(records: impl IntoIterator<Item = (&'a str, &'a str)>) -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    for (name, value) in records {
        zone.add_record(name, 300, txt(value));
    }
    zone
}

/// stalwart's resource layout: DNS lines (`name value`), a blank line, then the
/// message (LF line ends). Returns the TXT zone and the message in CRLF.
pub(crate) fn dns_and_message(text: &str) -> (ZoneResolver, Vec<u8>) {
    let (dns, msg) = text.split_once("\n\n").expect("dns and message");
    let zone = txt_zone(dns.lines().filter_map(|line| line.split_once(' ')));
    (zone, crlf(msg.as_bytes()))
}

/// LF → CRLF; line ends that are already CRLF stay as they are.
pub(crate) fn crlf(text: &[u8]) -> Vec<u8> {
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
pub(crate) fn no_spf() -> SpfOutput {
    SpfOutput::new(String::new()).with_result(SpfResult::None)
}

pub(crate) mod golden;

/// Test keys (public halves only), substituted for the lab's `@DKIM_...@` placeholders.
pub(crate) const LAB_RSA_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDGgD+pXgyQHijKtqt4dyXy/kcOnASQw+KDGJpcy3rrB2Fy6g1Cpblk8KrP6fjNYdHHg0A0yPk+UvPKnavQGq4duwnjnk2MLjlMmI5Qh4Z8Gh2nBBCCvuqU5cqPJxibnufWxqSeDMLDOlMSRwyqWh+2+eN3vSeyjeEbxhQImugECQIDAQAB";
/// The lab's 2048-bit RSA test key (public half).
pub(crate) const LAB_RSA_2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwGQnJObPz4KGl7hOba32wWvrjQWDK6EjDHO9m4YmSgRLMBtKnGIOfa+3JEmNxp+QfFCcTUnBuj1r9pGW0PdpoULThfD89OCdSrhzkAZIhGhrhNFf9bh48JcgzSIgwikqfH0kcWtnOjiHCj3dG+se63iJ1hOLqsK32CjrwxiGy8WsNXQSIW3LvuYMb37CqcF1Fzyk7yuOtv+rCjrTBo/VwxREXaELso6PkS2o39VEfd5kheL0f35kiT/gdkOPRzr78TaliQ3GKQi3BQxybcJ/K6WFxSqSRk/5kp4Hm9jLgMwWyN+JyJy4yhjNweIAXmaQV1HAsq2/5T+0a6eYX9pLoQIDAQAB";
/// The lab's Ed25519 test key (public half).
pub(crate) const LAB_ED25519: &str = "DrXEV1GyZxOUeBBbQFSequXaL+mNBimnu38LCg4g7o0=";
/// The lab's TLSA association data.
pub(crate) const LAB_TLSA_HEX: &str = "3b7c4f1d2e9a8b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c";

/// The lab's zone folder (`tests/lab/conf/zones`).
pub(crate) fn lab_zones_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/lab/conf/zones")
}

fn quoted_chunks(s: &str) -> String {
    s.as_bytes().chunks(200).map(|c| format!("\"{}\"", String::from_utf8_lossy(c))).collect::<Vec<_>>().join(" ")
}

/// Joins `( ... )` multi-line records onto one line. The zone parser (hickory's lexer)
/// reads a `;` inside a quoted string within parentheses as a comment, which breaks
/// the lab's multi-line DKIM records; on one line the same record parses.
pub(crate) fn collapse_parens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut comment = false;
    for c in text.chars() {
        if comment {
            if c != '\n' {
                continue;
            }
            comment = false;
        }
        match c {
            ';' if !quoted => comment = true,
            '"' => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            '\n' if depth > 0 => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The lab zones as the lab's up.sh renders them, with the test keys, in one offline
/// [`ZoneResolver`].
pub(crate) fn lab_zones() -> ZoneResolver {
    // Each file carries its own $ORIGIN; load them one by one.
    let mut z = ZoneResolver::new();
    for f in [
        "test.zone",
        "good.test.zone",
        "bad.test.zone",
        "none.test.zone",
        "bogus.test.zone",
        "127.in-addr.arpa.zone",
        "slow.test.zone",
        "dead.test.zone",
    ] {
        let path = lab_zones_dir().join(f);
        let t = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let t = t
            .replace("@DKIM_S1@", &quoted_chunks(&format!("p={LAB_RSA_2048}")))
            .replace("@DKIM_WEAK@", &quoted_chunks(&format!("p={LAB_RSA_1024}")))
            .replace("@DKIM_S2@", LAB_ED25519)
            .replace("@TLSA_MX@", LAB_TLSA_HEX);
        z.add_zone_text(&collapse_parens(&t), None).unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    z
}

/// `FAKE_DNS.dat` of Mail::DKIM: `name  value`; `NXDOMAIN` = absent; `~~Query timed out~~`
/// and `~~SERVFAIL~~` = temporary failures.
pub(crate) fn fake_dns(text: &str) -> ZoneResolver {
    let mut zone = ZoneResolver::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once(char::is_whitespace) else {
            continue;
        };
        match value.trim() {
            "NXDOMAIN" => {}
            "~~Query timed out~~" => {
                zone.fail(name, inboxlens_core::dns::DnsError::Timeout);
            }
            "~~SERVFAIL~~" => {
                zone.fail(name, inboxlens_core::dns::DnsError::Transport("SERVFAIL".to_string()));
            }
            "\"\"" => {
                zone.add_record(name, 300, txt("")); // an empty TXT string
            }
            v => {
                zone.add_record(name, 300, txt(v));
            }
        }
    }
    zone
}
