//! Why a DKIM signature broke, in plain words: a footer appended after signing (a
//! signed prefix of the body still matches `bh=`), line endings converted, a mailing
//! list's Subject tag or From rewrite, `c=simple` re-folding, an old signature whose key
//! was rotated. The work is bounded (body size, prefixes tried, bytes hashed).

use super::verify::{canonical_body, canonical_body_lines, hash_of};
use mail_auth::AuthenticatedMessage;
use mail_auth::dkim::{Canonicalization, Signature};

/// Largest body (bytes) on which the footer search re-hashes prefixes.
const FORENSICS_MAX_BODY: usize = 512 * 1024;
/// Most prefixes tried by the footer search.
const FORENSICS_MAX_PREFIXES: usize = 200;
/// Most bytes the footer search hashes in total (bounded work, also on wasm32).
const FORENSICS_HASH_BUDGET: usize = 8 * 1024 * 1024;

/// Counts line breaks that are not CRLF: (bare LF, bare CR).
fn bare_line_endings(data: &[u8]) -> (usize, usize) {
    let mut lf = 0;
    let mut cr = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' && (i == 0 || data.get(i - 1) != Some(&b'\r')) {
            lf += 1;
        }
        if b == b'\r' && data.get(i + 1) != Some(&b'\n') {
            cr += 1;
        }
    }
    (lf, cr)
}

/// `data` with every bare CR or LF turned into CRLF.
fn to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 20);
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        match b {
            b'\r' if data.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

/// Why the body hash differs: footer appended (a signed prefix still matches), line
/// endings converted, or content rewritten.
pub fn body_hash_cause(message: &AuthenticatedMessage<'_>, sig: &Signature) -> String {
    let body = message.raw_body();
    let relaxed = sig.cb == Canonicalization::Relaxed;
    let (lf, cr) = bare_line_endings(message.raw_message());
    if lf + cr > 0 {
        let fixed = to_crlf(body);
        let lines = canonical_body_lines(&fixed, relaxed);
        if hash_of(sig.a, &canonical_body(&lines, relaxed, sig.l)) == sig.bh {
            return format!(
                "line endings were changed after signing: the raw message has {lf} LF-only and {cr} CR-only line breaks, and with CRLF restored the body hash matches (a store or relay converted line endings)"
            );
        }
    }
    if body.len() <= FORENSICS_MAX_BODY {
        let lines = canonical_body_lines(body, relaxed);
        let n = lines.len();
        let lowest = n.saturating_sub(FORENSICS_MAX_PREFIXES);
        let mut spent = 0usize;
        for k in (lowest..n).rev() {
            let prefix = lines.get(..k).unwrap_or_default();
            let canon = canonical_body(prefix, relaxed, sig.l);
            spent += canon.len();
            if spent > FORENSICS_HASH_BUDGET {
                break;
            }
            if hash_of(sig.a, &canon) == sig.bh {
                let added: Vec<String> = lines
                    .get(k..)
                    .unwrap_or_default()
                    .iter()
                    .filter(|l| !l.is_empty())
                    .take(3)
                    .map(|l| String::from_utf8_lossy(l).chars().take(80).collect())
                    .collect();
                return format!(
                    "a footer was appended after signing: the first {k} of {n} body lines still match bh=, {} line(s) were added (mailing list footer or disclaimer){}",
                    n - k,
                    if added.is_empty() { String::new() } else { format!(", starting with \"{}\"", added.join(" / ")) }
                );
            }
        }
    }
    if lf + cr > 0 {
        return format!(
            "the raw message has {lf} LF-only and {cr} CR-only line breaks: line endings were probably changed in transit (and the body may also have been modified)"
        );
    }
    if sig.l > 0 {
        return format!(
            "the body was modified within the first l={} signed bytes (re-encoding or content rewriting by a gateway)",
            sig.l
        );
    }
    "the body was modified in transit and no signed prefix matches: re-encoded MIME parts (e.g. quoted-printable/base64 conversion), rewritten links (link protection), or content filtering".to_string()
}

/// The values of every `name` header field, trimmed.
pub(crate) fn header_values(message: &AuthenticatedMessage<'_>, name: &str) -> Vec<String> {
    message
        .headers()
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string())
        .collect()
}

/// Why the header signature does not verify.
pub fn signature_cause(message: &AuthenticatedMessage<'_>, sig: &Signature, now: u64) -> String {
    let mut causes: Vec<String> = Vec::new();
    let (lf, cr) = bare_line_endings(message.raw_headers());
    if lf + cr > 0 {
        causes.push(format!("the header block has {lf} LF-only / {cr} CR-only line breaks (line endings changed)"));
    }
    let signed = |n: &str| sig.h.iter().any(|h| h.eq_ignore_ascii_case(n));
    if signed("subject")
        && let Some(subject) = header_values(message, "Subject").first()
        && subject.starts_with('[')
        && subject.contains(']')
    {
        causes.push(format!(
            "the Subject starts with a tag (\"{}\"), probably added by a mailing list after signing",
            subject.chars().take(60).collect::<String>()
        ));
    }
    if signed("from") {
        let list = !header_values(message, "List-Id").is_empty();
        let via = header_values(message, "From").iter().any(|f| f.contains(" via "));
        if via || list {
            causes.push("the message went through a mailing list, which may have rewritten From/Subject or other signed headers".to_string());
        }
    }
    for name in &sig.h {
        let present = header_values(message, name).len();
        let listed = sig.h.iter().filter(|h| h.eq_ignore_ascii_case(name)).count();
        if present > listed && name.eq_ignore_ascii_case("from") {
            causes.push(format!(
                "{present} From fields but h= lists {listed}: a From field was probably added after signing"
            ));
        }
    }
    if sig.ch == Canonicalization::Simple {
        causes.push(
            "c=simple header canonicalization breaks on any re-folding or whitespace change by a relay".to_string(),
        );
    }
    if sig.t > 0 && now > sig.t && now - sig.t > 7 * 86_400 {
        causes.push(format!(
            "the signature is {} days old: the selector's key may have been rotated since signing",
            (now - sig.t) / 86_400
        ));
    }
    if causes.is_empty() {
        "a signed header field was modified after signing, or the key published now is not the one the signer used (key rotated or wrong selector)".to_string()
    } else {
        causes.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_line_endings_are_counted_and_repaired() {
        assert_eq!(bare_line_endings(b"a\nb\r\nc\rd"), (1, 1));
        assert_eq!(to_crlf(b"a\nb\r\nc\rd"), b"a\r\nb\r\nc\r\nd");
    }
}
