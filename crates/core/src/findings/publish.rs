//! Records to publish: the machine-readable twin of a fix's zone-file lines.
//!
//! A fix that tells the user to publish a record prints it as a zone-file line
//! (`_dmarc.example.com. 3600 IN TXT "v=DMARC1; p=quarantine"`, built by
//! [`PublishRecord::zone_line`], which `domain::fixes` uses). The same record is carried
//! structured in [`Finding::publish`](super::Finding::publish) so that a page or a script
//! can offer "copy this record" without reading prose. Both come from one printer and its
//! exact inverse ([`PublishRecord::from_zone_line`]), so the text and the structure cannot
//! say different things.

use serde::{Deserialize, Serialize};

/// The TTL every suggested record carries (one hour: short enough to correct a mistake).
pub const SUGGESTED_TTL: u32 = 3600;

/// One DNS record the user should publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishRecord {
    /// Owner name, fully qualified, without the trailing dot (`_dmarc.example.com`).
    pub name: String,
    /// Record type as written in zone files (`TXT`, `MX`, `TLSA`, `PTR`, `A`).
    #[serde(rename = "type")]
    pub rtype: String,
    /// The record data as a DNS provider's form wants it: for TXT the text itself,
    /// unquoted and unsplit (`v=DMARC1; p=quarantine`); for other types the presentation
    /// form (`10 mx.example.com.`).
    pub value: String,
}

impl PublishRecord {
    /// A TXT record with `value` as its text.
    pub fn txt(name: &str, value: &str) -> Self {
        PublishRecord { name: bare(name), rtype: "TXT".into(), value: value.to_string() }
    }

    /// A record of any type with `data` in presentation form.
    pub fn new(name: &str, rtype: &str, data: &str) -> Self {
        PublishRecord { name: bare(name), rtype: rtype.to_ascii_uppercase(), value: data.to_string() }
    }

    /// The zone-file line (RFC 1035 §5.1) with [`SUGGESTED_TTL`]. TXT text is quoted and split
    /// into character-strings of at most 255 bytes (RFC 1035 §3.3.14; RFC 7208 §3.3 joins them
    /// back without spaces), several strings grouped in parentheses.
    pub fn zone_line(&self) -> String {
        let owner = format!("{}.", self.name);
        if self.rtype != "TXT" {
            return format!("{owner} {SUGGESTED_TTL} IN {} {}", self.rtype, self.value);
        }
        let strings = split_255(&self.value)
            .iter()
            .map(|s| format!("\"{}\"", crate::dns::escape_txt(s.as_bytes())))
            .collect::<Vec<_>>();
        if strings.len() > 1 {
            format!("{owner} {SUGGESTED_TTL} IN TXT ( {} )", strings.join(" "))
        } else {
            format!("{owner} {SUGGESTED_TTL} IN TXT {}", strings.join(" "))
        }
    }

    /// Reads back a line that [`zone_line`](Self::zone_line) printed; any other line (prose,
    /// an example without the suggested TTL, a line with text before the owner) is `None`.
    /// The result prints as exactly `line` again.
    pub fn from_zone_line(line: &str) -> Option<Self> {
        let (owner, rest) = line.split_once(' ')?;
        let name = owner.strip_suffix('.').filter(|n| !n.is_empty() && !n.contains(char::is_whitespace))?;
        let rest = rest.strip_prefix(&format!("{SUGGESTED_TTL} IN "))?;
        let (rtype, data) = rest.split_once(' ')?;
        if rtype.is_empty() || !rtype.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) || data.is_empty() {
            return None;
        }
        let record = if rtype == "TXT" {
            PublishRecord { name: name.to_string(), rtype: rtype.to_string(), value: unquote_txt(data)? }
        } else {
            PublishRecord { name: name.to_string(), rtype: rtype.to_string(), value: data.to_string() }
        };
        // Only exact round trips count: a line that merely looks similar is prose.
        (record.zone_line() == line).then_some(record)
    }

    /// Every record line in a fix text, in order (lines are compared trimmed).
    pub fn all_in(fix: &str) -> Vec<PublishRecord> {
        fix.lines().filter_map(|l| PublishRecord::from_zone_line(l.trim())).collect()
    }
}

/// `name` without a trailing dot.
fn bare(name: &str) -> String {
    name.trim_end_matches('.').to_string()
}

/// Splits at ≤ 255 bytes on character boundaries (one TXT character-string each).
pub fn split_255(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in value.chars() {
        if cur.len() + c.len_utf8() > 255 {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// The text of `"…"` or `( "…" "…" )`, escapes (`\"`, `\\`, `\DDD`) undone, strings joined.
fn unquote_txt(data: &str) -> Option<String> {
    let inner = match data.strip_prefix("( ") {
        Some(rest) => rest.strip_suffix(" )")?,
        None => data,
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut chars = inner.bytes().peekable();
    loop {
        match chars.next() {
            None => break,
            Some(b' ') => continue,
            Some(b'"') => {}
            Some(_) => return None,
        }
        loop {
            match chars.next()? {
                b'"' => break,
                b'\\' => {
                    let c = chars.next()?;
                    if c.is_ascii_digit() {
                        let d2 = chars.next()?;
                        let d3 = chars.next()?;
                        let n = [c, d2, d3]
                            .iter()
                            .try_fold(0u32, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))?;
                        bytes.push(u8::try_from(n).ok()?);
                    } else {
                        bytes.push(c);
                    }
                }
                b => bytes.push(b),
            }
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_lines_round_trip_including_split_and_escapes() {
        for value in ["v=DMARC1; p=quarantine", "say \"hi\" \\ there", &"a".repeat(300), "é"] {
            let rec = PublishRecord::txt("_dmarc.example.com.", value);
            let line = rec.zone_line();
            assert_eq!(PublishRecord::from_zone_line(&line), Some(rec), "{line}");
        }
        let long = PublishRecord::txt("example.com", &"a".repeat(300)).zone_line();
        assert!(long.starts_with("example.com. 3600 IN TXT ( \""), "{long}");
        assert_eq!(split_255(&"a".repeat(300)).iter().map(String::len).collect::<Vec<_>>(), vec![255, 45]);
    }

    #[test]
    fn other_types_round_trip() {
        let mx = PublishRecord::new("example.com", "MX", "0 .");
        assert_eq!(mx.zone_line(), "example.com. 3600 IN MX 0 .");
        assert_eq!(PublishRecord::from_zone_line("example.com. 3600 IN MX 0 ."), Some(mx));
    }

    #[test]
    fn prose_and_catalog_examples_are_not_records() {
        for line in [
            "example.com. IN TXT \"v=spf1 mx -all\"",
            "(or, if the domain receives no mail: example.com. 3600 IN MX 0 .)",
            "Publish this flattened record (3 lookups):",
            "example.com. 3600 IN TXT \"unterminated",
            "example.com. 3600 IN TXT \"a\" trailing",
            "",
        ] {
            assert_eq!(PublishRecord::from_zone_line(line), None, "{line}");
        }
        let fix = "Publish:\nexample.com. 3600 IN TXT \"v=spf1 -all\"\nand wait an hour.";
        assert_eq!(PublishRecord::all_in(fix), vec![PublishRecord::txt("example.com", "v=spf1 -all")]);
    }
}
