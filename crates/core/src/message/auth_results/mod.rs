//! Upstream verdicts: Authentication-Results (RFC 8601), ARC-Authentication-Results
//! (RFC 8617 §4.1.1) and Received-SPF (RFC 7208 §9.1), and their comparison with the
//! verdicts computed now.
//!
//! The receiving MX records what it concluded at delivery time. Comparing that with a
//! fresh evaluation explains problems that only show up later (a DKIM key rotated
//! away, an SPF record edited) and problems that only showed up at delivery (DNS
//! temperrors). mail-auth has no Authentication-Results parser, so this is ours: a
//! tokenizer that understands CFWS (nested comments anywhere), quoted strings and the
//! RFC 8601 §2.2 grammar, tolerant of the deviations real providers write (Outlook's
//! repeated authserv-id, Yahoo's legacy `from=` pseudo-properties, ptype-less
//! properties, missing `;`). Every tolerance applied is recorded in
//! [`AuthResultsHeader::deviations`]. Bad input is an [`AuthResultsError`], never a panic.

//!
//! - [`parse`]: the tokenizer and the three field grammars;
//! - [`upstream`]: the trusted upstream verdicts of a message and their drift from now.

pub mod parse;
pub mod upstream;

use crate::verdict::ResultWord;
use serde::{Deserialize, Serialize};

pub use parse::{parse_arc_authentication_results, parse_authentication_results, parse_received_spf};
pub use upstream::{
    Drift, DriftMethod, FreshVerdicts, UnparsedHeader, UpstreamVerdicts, collect_upstream, compare, derive_verdicts,
};

/// Longest header value accepted (real ones are a few KB).
pub const MAX_HEADER_LEN: usize = 64 * 1024;
/// Deepest comment nesting accepted.
pub(crate) const MAX_COMMENT_DEPTH: usize = 64;
/// At most this many result entries are kept per header.
pub(crate) const MAX_RESULTS: usize = 256;
/// At most this many properties are kept per result.
pub(crate) const MAX_PROPS: usize = 64;
/// At most this many Authentication-Results fields are read from one message.
pub(crate) const MAX_HEADERS: usize = 128;

/// Why a header value could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthResultsError {
    /// The value is empty or only white space and comments.
    #[error("empty header value")]
    Empty,
    /// The value is longer than [`MAX_HEADER_LEN`].
    #[error("header value too long ({0} bytes)")]
    TooLong(usize),
    /// The value does not start with an authserv-id (RFC 8601 §2.2).
    #[error("missing authserv-id")]
    MissingAuthservId,
    /// A `(` comment is not closed.
    #[error("unterminated comment starting at byte {0}")]
    UnterminatedComment(usize),
    /// Comments nest deeper than the parser accepts.
    #[error("comments nested too deeply at byte {0}")]
    CommentTooDeep(usize),
    /// A `"` quoted string is not closed.
    #[error("unterminated quoted string starting at byte {0}")]
    UnterminatedQuote(usize),
    /// A token other than the grammar allows.
    #[error("syntax error at byte {at}: expected {expected}, found {found}")]
    Syntax {
        /// What the grammar expected.
        expected: &'static str,
        /// Byte offset in the value.
        at: usize,
        /// What was found instead.
        found: String,
    },
    /// An ARC-Authentication-Results value without a valid `i=` instance.
    #[error("missing or invalid ARC instance (i=)")]
    BadArcInstance,
}

/// One `ptype.property=value` of a result (RFC 8601 §2.2, §2.3). Legacy or
/// non-conforming properties without a ptype have `ptype` empty.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Prop {
    /// `smtp`, `header`, `body`, `policy` (lower case), or empty.
    pub ptype: String,
    /// `mailfrom`, `d`, `i`, `b`, `from`... (lower case).
    pub property: String,
    /// The value as written (quotes removed).
    pub value: String,
}

/// One `method=result` entry (RFC 8601 §2.2 `resinfo`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MethodResult {
    /// `spf`, `dkim`, `dmarc`, `arc`, `iprev`, `auth`... (lower case).
    pub method: String,
    /// The `/version` after the method name, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_version: Option<String>,
    /// `pass`, `fail`, `softfail`, `none`, `temperror`... (lower case; other words kept).
    pub result: ResultWord,
    /// The `reason=` text.
    pub reason: Option<String>,
    /// The first comment after the result (many providers explain there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The properties in order.
    pub props: Vec<Prop>,
}

impl MethodResult {
    /// The value of `ptype.property`, case-insensitively.
    pub fn prop(&self, ptype: &str, property: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|p| p.ptype.eq_ignore_ascii_case(ptype) && p.property.eq_ignore_ascii_case(property))
            .map(|p| p.value.as_str())
    }

    /// The domain this result is about: `header.d`, else the domain of `header.i`,
    /// `smtp.mailfrom`, `header.from` or `smtp.helo`, lower case.
    pub fn domain(&self) -> Option<String> {
        let pick = |v: &str| {
            let d = v.rsplit_once('@').map_or(v, |(_, d)| d);
            let d = d.trim().trim_matches(|c| c == '<' || c == '>').trim_end_matches('.');
            if d.is_empty() { None } else { Some(d.to_ascii_lowercase()) }
        };
        [("header", "d"), ("header", "i"), ("smtp", "mailfrom"), ("header", "from"), ("smtp", "helo")]
            .into_iter()
            .find_map(|(t, p)| self.prop(t, p).and_then(pick))
    }
}

/// A parsed Authentication-Results field (RFC 8601 §2.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthResultsHeader {
    /// Who wrote it: the authentication service identifier.
    pub authserv_id: String,
    /// The optional version after the authserv-id.
    pub version: Option<u32>,
    /// The results; empty for `none`.
    pub results: Vec<MethodResult>,
    /// The value as given (unfolded).
    pub raw: String,
    /// Tolerances applied to non-conforming input, for display.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deviations: Vec<String>,
}

impl AuthResultsHeader {
    /// Results of one method, in order.
    pub fn method<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a MethodResult> + 'a {
        self.results.iter().filter(move |r| r.method.eq_ignore_ascii_case(method))
    }
}

/// A parsed ARC-Authentication-Results field: an Authentication-Results payload
/// preceded by `i=N;` (RFC 8617 §4.1.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArcAuthResults {
    /// The ARC instance (1..=50).
    pub instance: u32,
    /// The payload.
    pub header: AuthResultsHeader,
}

/// A parsed Received-SPF field (RFC 7208 §9.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReceivedSpf {
    /// The SPF result word, lower case.
    pub result: ResultWord,
    /// The comment after the result.
    pub comment: Option<String>,
    /// The `key=value` pairs in order (`client-ip`, `envelope-from`, `helo`,
    /// `receiver`, `identity`, `mechanism`, `problem`...), keys lower case.
    pub params: Vec<(String, String)>,
    /// The value as given.
    pub raw: String,
}

impl ReceivedSpf {
    /// The value of a key, case-insensitively.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: &str) -> AuthResultsHeader {
        match parse_authentication_results(v) {
            Ok(h) => h,
            Err(e) => panic!("{v}: {e}"),
        }
    }

    #[test]
    fn rfc8601_examples() {
        // RFC 8601 Appendix B.2: nothing done.
        let h = ok("example.org 1; none");
        assert_eq!(h.authserv_id, "example.org");
        assert_eq!(h.version, Some(1));
        assert!(h.results.is_empty());
        // B.3 with comments and a property.
        let h = ok("example.com;\r\n          spf=pass smtp.mailfrom=example.net");
        assert_eq!(h.results[0].method, "spf");
        assert_eq!(h.results[0].prop("smtp", "mailfrom"), Some("example.net"));
        // B.4: several results and comments.
        let h = ok(
            "example.com;\n auth=pass (cram-md5) smtp.auth=sender@example.net;\n spf=pass smtp.mailfrom=example.net",
        );
        assert_eq!(h.results.len(), 2);
        assert_eq!(h.results[0].comment.as_deref(), Some("cram-md5"));
        assert_eq!(h.results[0].prop("smtp", "auth"), Some("sender@example.net"));
        // B.6 with reason and nested comments.
        let h = ok(
            "example.com (a (nested) comment); dkim=pass reason=\"good signature\" header.i=@mail-router.example.net; dkim=fail reason=bad header.i=@newyork.example.com",
        );
        assert_eq!(h.authserv_id, "example.com");
        assert_eq!(h.results[0].reason.as_deref(), Some("good signature"));
        assert_eq!(h.results[1].reason.as_deref(), Some("bad"));
        assert_eq!(h.results[1].domain().as_deref(), Some("newyork.example.com"));
        assert!(h.deviations.is_empty(), "{:?}", h.deviations);
    }

    #[test]
    fn quoted_values_versions_and_padding() {
        let h = ok(
            "Authentication-Results: mail.bmsi.com; iprev=pass policy.iprev=\"2001:748:100:40::2:2\" (mout0.freenet.de); dkim/1=pass header.b=abc+/de== header.d=x.example",
        );
        assert_eq!(h.results[0].prop("policy", "iprev"), Some("2001:748:100:40::2:2"));
        assert_eq!(h.results[1].method, "dkim");
        assert_eq!(h.results[1].method_version.as_deref(), Some("1"));
        assert_eq!(h.results[1].prop("header", "b"), Some("abc+/de=="));
        assert_eq!(h.results[1].prop("header", "d"), Some("x.example"));
        let h = ok("mx.google.com; spf=pass smtp.mailfrom=SRS0=63fc=V7=kreata.ee=andris@srs1.zonevs.eu; dmarc=fail");
        assert_eq!(h.results[0].prop("smtp", "mailfrom"), Some("SRS0=63fc=V7=kreata.ee=andris@srs1.zonevs.eu"));
        assert_eq!(h.results[1].result, "fail");
    }

    #[test]
    fn tolerant_outlook_yahoo() {
        let h = ok(
            "outlook.com; spf=pass (sender IP is 66.111.4.222)\n smtp.mailfrom=fastmail.com; outlook.com; dkim=pass (signature was verified)\n header.d=fastmail.com; dmarc=pass action=none\n header.from=fastmail.com;",
        );
        assert_eq!(h.results.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["spf", "dkim", "dmarc"]);
        assert_eq!(h.results[2].prop("", "action"), Some("none"));
        assert!(!h.deviations.is_empty());
        let h = ok(
            "mta4011.mail.gq1.yahoo.com  from=fastmail.com; domainkeys=neutral (no sig);  from=messagingengine.com; dkim=pass (ok)",
        );
        assert_eq!(h.authserv_id, "mta4011.mail.gq1.yahoo.com");
        assert_eq!(h.results.len(), 2);
        assert_eq!(h.results[1].method, "dkim");
        assert_eq!(h.results[1].prop("header", "from"), Some("messagingengine.com"));
        // missing ';' between results
        let h = ok("mx.example; spf=pass smtp.mailfrom=a.example dkim=fail header.d=b.example");
        assert_eq!(h.results.len(), 2);
    }

    #[test]
    fn errors_are_typed() {
        assert_eq!(parse_authentication_results("   "), Err(AuthResultsError::Empty));
        assert_eq!(parse_authentication_results("; spf=pass"), Err(AuthResultsError::MissingAuthservId));
        assert_eq!(parse_authentication_results("foo=bar; spf=pass"), Err(AuthResultsError::MissingAuthservId));
        // Microsoft's internal form without authserv-id is accepted, with a deviation.
        let h = ok("dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=microsoft.com;");
        assert_eq!(h.authserv_id, "");
        assert_eq!(h.results.len(), 2);
        assert!(!h.deviations.is_empty());
        assert!(matches!(
            parse_authentication_results("x; spf=pass (unclosed"),
            Err(AuthResultsError::UnterminatedComment(_))
        ));
        assert!(matches!(parse_authentication_results("x; spf=\"open"), Err(AuthResultsError::UnterminatedQuote(_))));
        assert!(matches!(parse_authentication_results("x; spf="), Err(AuthResultsError::Syntax { .. })));
        assert!(matches!(
            parse_authentication_results("x; spf=pass smtp.mailfrom="),
            Err(AuthResultsError::Syntax { .. })
        ));
        let deep = format!("x; spf=pass {}", "(".repeat(100));
        assert!(matches!(parse_authentication_results(&deep), Err(AuthResultsError::CommentTooDeep(_))));
        assert!(matches!(
            parse_authentication_results(&"a".repeat(MAX_HEADER_LEN + 1)),
            Err(AuthResultsError::TooLong(_))
        ));
    }

    #[test]
    fn arc_and_received_spf() {
        let a = parse_arc_authentication_results("i=2; mx.google.com; dkim=pass header.i=@example.org; arc=pass (i=1)")
            .unwrap();
        assert_eq!(a.instance, 2);
        assert_eq!(a.header.authserv_id, "mx.google.com");
        assert_eq!(a.header.results[1].method, "arc");
        assert_eq!(parse_arc_authentication_results("mx.google.com; spf=pass"), Err(AuthResultsError::BadArcInstance));
        assert_eq!(parse_arc_authentication_results("i=0; mx; none"), Err(AuthResultsError::BadArcInstance));
        let r = parse_received_spf("Received-SPF: pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender)\r\n receiver=mybox.example.org; client-ip=192.0.2.1;\r\n envelope-from=\"myname@example.com\"; helo=foo.example.com;").unwrap();
        assert_eq!(r.result, "pass");
        assert_eq!(r.param("client-ip"), Some("192.0.2.1"));
        assert_eq!(r.param("envelope-from"), Some("myname@example.com"));
        assert_eq!(r.param("helo"), Some("foo.example.com"));
        assert!(r.comment.as_deref().unwrap_or_default().contains("designates"));
    }

    fn verdicts(headers: &[&str]) -> UpstreamVerdicts {
        let mut up = UpstreamVerdicts { headers: headers.iter().map(|h| ok(h)).collect(), ..Default::default() };
        derive_verdicts(&mut up);
        up
    }

    #[test]
    fn trusted_only_topmost_and_drift() {
        let up = verdicts(&[
            "mx.receiver.example; spf=pass smtp.mailfrom=s.example; dkim=pass header.d=s.example; dkim=pass header.d=esp.example; dmarc=pass header.from=s.example; arc=none",
            "relay.attacker.example; spf=fail smtp.mailfrom=s.example; dkim=fail header.d=s.example",
        ]);
        assert_eq!(up.trusted_authserv_id.as_deref(), Some("mx.receiver.example"));
        assert_eq!(up.spf.as_ref().map(ResultWord::as_str), Some("pass"));
        assert_eq!(up.dkim, vec![("s.example".into(), ResultWord::Pass), ("esp.example".into(), ResultWord::Pass)]);
        let fresh = FreshVerdicts {
            spf: Some("pass".into()),
            dkim: vec![("s.example".into(), ResultWord::Fail), ("esp.example".into(), ResultWord::Pass)],
            dmarc: Some("pass".into()),
            arc: Some("pass".into()),
        };
        let (drifts, findings) = compare(&up, &fresh);
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["upstream.multiple_authserv_ids", "upstream.dkim_drift", "upstream.arc_drift"]);
        assert_eq!(drifts[0].domain.as_deref(), Some("s.example"));
        assert!(drifts[0].explanation.contains("rotated"), "{}", drifts[0].explanation);
        assert!(drifts[1].explanation.contains("added its own ARC set"));
    }

    #[test]
    fn split_headers_same_org_and_no_headers() {
        let up = verdicts(&[
            "mr21p00im-dmarcmilter001.me.com; dmarc=pass header.from=fastmail.com",
            "mr21p00im-spfmilter010.me.com; spf=temperror smtp.mailfrom=a@fastmail.com",
        ]);
        assert_eq!(up.spf.as_ref().map(ResultWord::as_str), Some("temperror"));
        assert_eq!(up.dmarc.as_ref().map(ResultWord::as_str), Some("pass"));
        let (drifts, findings) = compare(&up, &FreshVerdicts { spf: Some("pass".into()), ..Default::default() });
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["upstream.temperror", "upstream.spf_drift"]);
        assert!(drifts[0].explanation.contains("DNS error"));
        let (d, f) = compare(&UpstreamVerdicts::default(), &FreshVerdicts::default());
        assert!(d.is_empty());
        assert_eq!(f[0].id, "upstream.no_auth_results");
    }

    /// Deterministic pseudo-random input (xorshift), biased towards the characters
    /// the grammar cares about.
    fn garbage(seed: &mut u64, len: usize) -> String {
        const ALPHABET: &[u8] = b"ab.=;()\"\\ @/:-\t\r\n0123456789\xc3\xa9\xff";
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            bytes.push(ALPHABET[(*seed % ALPHABET.len() as u64) as usize]);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..3000 {
            let g = garbage(&mut seed, i % 160);
            let _ = parse_authentication_results(&g);
            let _ = parse_authentication_results(&format!("mx.example; {g}"));
            let _ = parse_arc_authentication_results(&format!("i=1; mx; {g}"));
            let _ = parse_received_spf(&g);
            let _ = parse_received_spf(&format!("pass {g}"));
        }
    }

    #[test]
    fn truncations_never_panic() {
        let v = "Authentication-Results: mx.google.com;\r\n dkim=pass header.i=@fastmail.com header.s=fm1 header.b=2j32dcmg;\r\n spf=pass (google.com: domain of \"x\" (nested (deep)) designates 66.111.4.26 as permitted sender) smtp.mailfrom=deliverability@fastmail.com;\r\n dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=fastmail.com reason=\"q\\\"x\"";
        for (i, _) in v.char_indices() {
            let s = &v[..i];
            let _ = parse_authentication_results(s);
            let _ = parse_arc_authentication_results(&format!("i=1; {s}"));
            let _ = parse_received_spf(s);
            let _ = parse_authentication_results(&v[i..]);
        }
    }
}
