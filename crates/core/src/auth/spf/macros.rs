//! SPF macros (RFC 7208 §7): parsing of `macro-string` / `domain-spec` / `explain-string`
//! and their expansion.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// Longest domain name that may be queried after expansion (RFC 7208 §7.3, last paragraph).
pub const MAX_DOMAIN_LEN: usize = crate::names::MAX_NAME_LEN;
/// Cap for a DIGIT transformer: more parts than this cannot occur in a 253-character name
/// anyway, and the cap keeps a hostile `%{d99999999999}` from overflowing.
const MAX_DIGITS: u32 = 128;

/// One piece of a parsed macro string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MacroToken {
    /// Literal text (including what `%%`, `%_`, `%-` stand for).
    Literal {
        /// The text, with `%%`, `%_` and `%-` already turned into `%`, space and `%20`.
        text: String,
    },
    /// `%{` letter transformers delimiters `}` (RFC 7208 §7.1).
    Expand {
        /// The macro letter, lower case.
        letter: char,
        /// Upper-case letter: URL-escape the value (RFC 7208 §7.3).
        url_escape: bool,
        /// Keep only this many right-hand parts (nonzero).
        digits: Option<u32>,
        /// The `r` transformer: reverse the parts.
        reverse: bool,
        /// Delimiters to split on (default `.`).
        delimiters: String,
    },
}

/// Where a macro string appears; decides which macro letters are allowed (RFC 7208 §7.1:
/// `c`, `r`, `t` only in explanation text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacroContext {
    /// A `domain-spec` of a mechanism or of `redirect=` / `exp=`.
    Domain,
    /// The value of an unknown modifier (`macro-string`, every ABNF letter allowed).
    Modifier,
    /// The TXT text fetched by `exp=` (`explain-string`: spaces allowed).
    Explanation,
}

/// A parsed macro string; keeps its source text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacroString {
    /// The text as written in the record.
    pub raw: String,
    /// The parsed pieces.
    pub tokens: Vec<MacroToken>,
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

/// Why a macro string is not valid (RFC 7208 §7.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MacroError {
    /// `%` not followed by `{`, `%`, `_` or `-` (RFC 7208 §7.1).
    #[error("'%' must be followed by '{{', '%', '_' or '-' (RFC 7208 §7.1)")]
    BadPercent,
    /// `%{` without a closing `}` or with a bad transformer/delimiter.
    #[error("malformed macro expression '%{{{0}' (RFC 7208 §7.1)")]
    BadExpand(String),
    /// A macro letter that does not exist, or `c`/`r`/`t` outside explanation text.
    #[error("macro letter '{0}' is not allowed here (RFC 7208 §7.2)")]
    BadLetter(char),
    /// A character that is not a visible ASCII character (`macro-literal` is %x21-24 / %x26-7E).
    #[error("character {0:?} is not allowed in a macro string (RFC 7208 §7.1)")]
    BadChar(char),
}

impl MacroString {
    /// Parses `text` per the RFC 7208 §7.1 ABNF for `ctx`.
    pub fn parse(text: &str, ctx: MacroContext) -> Result<Self, MacroError> {
        let mut tokens: Vec<MacroToken> = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '%' => match chars.next() {
                    Some('%') => lit.push('%'),
                    Some('_') => lit.push(' '),
                    Some('-') => lit.push_str("%20"),
                    Some('{') => {
                        let mut body = String::new();
                        let mut closed = false;
                        for c in chars.by_ref() {
                            if c == '}' {
                                closed = true;
                                break;
                            }
                            body.push(c);
                        }
                        if !closed {
                            return Err(MacroError::BadExpand(body));
                        }
                        if !lit.is_empty() {
                            tokens.push(MacroToken::Literal { text: std::mem::take(&mut lit) });
                        }
                        tokens.push(parse_expand(&body, ctx)?);
                    }
                    _ => return Err(MacroError::BadPercent),
                },
                ' ' if ctx == MacroContext::Explanation => lit.push(' '),
                '\x21'..='\x7e' => lit.push(c),
                other => return Err(MacroError::BadChar(other)),
            }
        }
        if !lit.is_empty() {
            tokens.push(MacroToken::Literal { text: lit });
        }
        Ok(MacroString { raw: text.to_string(), tokens })
    }

    /// True when the string contains a `%{..}` expansion (its value depends on the message).
    pub fn has_macros(&self) -> bool {
        self.tokens.iter().any(|t| matches!(t, MacroToken::Expand { .. }))
    }

    /// The text if it holds no `%{..}` expansion.
    pub fn literal(&self) -> Option<String> {
        if self.has_macros() {
            return None;
        }
        Some(
            self.tokens
                .iter()
                .map(|t| match t {
                    MacroToken::Literal { text } => text.as_str(),
                    MacroToken::Expand { .. } => "",
                })
                .collect(),
        )
    }
}

fn parse_expand(body: &str, ctx: MacroContext) -> Result<MacroToken, MacroError> {
    let bad = || MacroError::BadExpand(body.to_string());
    let mut chars = body.chars();
    let letter_raw = chars.next().ok_or_else(bad)?;
    let letter = letter_raw.to_ascii_lowercase();
    let allowed = match ctx {
        MacroContext::Domain => "slodiphv",
        MacroContext::Modifier | MacroContext::Explanation => "slodiphvcrt",
    };
    if !letter_raw.is_ascii_alphabetic() {
        return Err(bad());
    }
    if !allowed.contains(letter) {
        return Err(MacroError::BadLetter(letter_raw));
    }
    let rest: Vec<char> = chars.collect();
    let mut i = 0;
    let mut digits: Option<u32> = None;
    while let Some(d) = rest.get(i).and_then(|c| c.to_digit(10)) {
        let cur = digits.unwrap_or(0);
        digits = Some(cur.saturating_mul(10).saturating_add(d).min(u32::MAX / 20));
        i += 1;
    }
    if digits == Some(0) {
        // RFC 7208 §7.3: "If a DIGIT is specified, the value MUST be nonzero."
        return Err(bad());
    }
    let mut reverse = false;
    if matches!(rest.get(i), Some('r') | Some('R')) {
        reverse = true;
        i += 1;
    }
    let mut delimiters = String::new();
    for c in rest.iter().skip(i) {
        if ".-+,/_=".contains(*c) {
            delimiters.push(*c);
        } else {
            return Err(bad());
        }
    }
    Ok(MacroToken::Expand {
        letter,
        url_escape: letter_raw.is_ascii_uppercase(),
        digits: digits.map(|d| d.min(MAX_DIGITS)),
        reverse,
        delimiters,
    })
}

/// The values macros expand to (RFC 7208 §7.2).
#[derive(Debug, Clone)]
pub struct MacroEnv {
    /// `l`: local-part of the sender.
    pub local: String,
    /// `o`: domain of the sender.
    pub sender_domain: String,
    /// `d`: the domain being checked now.
    pub domain: String,
    /// `i` / `c` / `v`: the client address (IPv4-mapped addresses already unmapped).
    pub ip: IpAddr,
    /// `h`: HELO/EHLO domain.
    pub helo: String,
    /// `p`: the validated domain name of the client, or `unknown`.
    pub ptr: String,
    /// `r`: the receiving host.
    pub receiver: String,
    /// `t`: the current time, seconds since the epoch.
    pub now: u64,
}

impl MacroEnv {
    fn value(&self, letter: char) -> String {
        match letter {
            's' => format!("{}@{}", self.local, self.sender_domain),
            'l' => self.local.clone(),
            'o' => self.sender_domain.clone(),
            'd' => self.domain.clone(),
            'i' => dotted_ip(self.ip),
            'p' => self.ptr.clone(),
            'v' => match self.ip {
                IpAddr::V4(_) => "in-addr".to_string(),
                IpAddr::V6(_) => "ip6".to_string(),
            },
            'h' => self.helo.clone(),
            'c' => self.ip.to_string(),
            'r' => self.receiver.clone(),
            't' => self.now.to_string(),
            _ => String::new(),
        }
    }
}

/// `%{i}`: dotted quad for IPv4, dot-separated nibbles for IPv6 (RFC 7208 §7.3).
pub fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let mut out = String::with_capacity(63);
            for (n, b) in v6.octets().iter().enumerate() {
                if n > 0 {
                    out.push('.');
                }
                out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
                out.push('.');
                out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
            }
            out
        }
    }
}

/// URL-escapes everything outside the RFC 3986 `unreserved` set (RFC 7208 §7.3).
fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Expands a macro string (RFC 7208 §7.3). `p` must already be resolved in `env`.
pub fn expand(ms: &MacroString, env: &MacroEnv) -> String {
    let mut out = String::new();
    for t in &ms.tokens {
        match t {
            MacroToken::Literal { text } => out.push_str(text),
            MacroToken::Expand { letter, url_escape: esc, digits, reverse, delimiters } => {
                let value = env.value(*letter);
                let delims: &str = if delimiters.is_empty() { "." } else { delimiters };
                let mut parts: Vec<&str> = value.split(|c: char| delims.contains(c)).collect();
                if *reverse {
                    parts.reverse();
                }
                if let Some(n) = digits {
                    let n = *n as usize;
                    if n < parts.len() {
                        parts = parts.split_off(parts.len() - n);
                    }
                }
                let joined = parts.join(".");
                if *esc {
                    out.push_str(&url_escape(&joined));
                } else {
                    out.push_str(&joined);
                }
            }
        }
    }
    out
}

/// True when the string uses `%{p}` (expanding it costs DNS lookups).
pub fn uses_ptr(ms: &MacroString) -> bool {
    ms.tokens.iter().any(|t| matches!(t, MacroToken::Expand { letter: 'p', .. }))
}

/// Turns an expanded domain-spec into a query name: drops one trailing dot and, when
/// longer than 253 characters, removes labels from the left until it fits (RFC 7208 §7.3).
pub fn to_query_name(expanded: &str) -> String {
    let mut name = expanded.strip_suffix('.').unwrap_or(expanded);
    while name.len() > MAX_DOMAIN_LEN {
        match name.find('.') {
            Some(pos) => name = &name[pos + 1..],
            None => break,
        }
    }
    name.to_string()
}

/// RFC 1035 §2.3.4 size rules for a query name: no empty label, labels of at most 63
/// octets, at most 253 characters in all.
pub fn is_queryable(name: &str) -> bool {
    !name.ends_with('.') && crate::names::check(name, crate::names::Syntax::DNS).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn env() -> MacroEnv {
        MacroEnv {
            local: "strong-bad".into(),
            sender_domain: "email.example.com".into(),
            domain: "email.example.com".into(),
            ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
            helo: "mx.example.org".into(),
            ptr: "unknown".into(),
            receiver: "unknown".into(),
            now: 0,
        }
    }

    fn x(s: &str) -> String {
        expand(&MacroString::parse(s, MacroContext::Explanation).expect("valid"), &env())
    }

    // The examples of RFC 7208 §7.4.
    #[test]
    fn rfc7208_section_7_4_examples() {
        assert_eq!(x("%{s}"), "strong-bad@email.example.com");
        assert_eq!(x("%{o}"), "email.example.com");
        assert_eq!(x("%{d}"), "email.example.com");
        assert_eq!(x("%{d4}"), "email.example.com");
        assert_eq!(x("%{d3}"), "email.example.com");
        assert_eq!(x("%{d2}"), "example.com");
        assert_eq!(x("%{d1}"), "com");
        assert_eq!(x("%{dr}"), "com.example.email");
        assert_eq!(x("%{d2r}"), "example.email");
        assert_eq!(x("%{l}"), "strong-bad");
        assert_eq!(x("%{l-}"), "strong.bad");
        assert_eq!(x("%{lr}"), "strong-bad");
        assert_eq!(x("%{lr-}"), "bad.strong");
        assert_eq!(x("%{l1r-}"), "strong");
        assert_eq!(x("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
        assert_eq!(x("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
        assert_eq!(x("%{d2}.trusted-domains.example.net"), "example.com.trusted-domains.example.net");
        let mut e = env();
        e.ip = "2001:db8::cb01".parse().expect("ip");
        let ms = MacroString::parse("%{ir}.%{v}._spf.%{d2}", MacroContext::Domain).expect("valid");
        assert_eq!(
            expand(&ms, &e),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn escapes_and_errors() {
        assert_eq!(x("a%%b%_c%-d"), "a%b c%20d");
        assert_eq!(x("%{L}"), "strong-bad");
        let mut e = env();
        e.local = "~jack&jill=up".into();
        let ms = MacroString::parse("%{L}", MacroContext::Domain).expect("valid");
        assert_eq!(expand(&ms, &e), "~jack%26jill%3Dup");
        assert!(MacroString::parse("%{r}.x", MacroContext::Domain).is_err());
        assert!(MacroString::parse("%{d0}", MacroContext::Domain).is_err());
        assert!(MacroString::parse("%(ir)", MacroContext::Domain).is_err());
        assert!(MacroString::parse("foo%", MacroContext::Domain).is_err());
        assert!(MacroString::parse("%{d", MacroContext::Domain).is_err());
        assert!(MacroString::parse("%{dx}", MacroContext::Domain).is_err());
        assert!(MacroString::parse("a b", MacroContext::Domain).is_err());
        assert!(MacroString::parse("a b", MacroContext::Explanation).is_ok());
    }

    #[test]
    fn truncation_to_253() {
        let long = format!("{}.example.com", ["abcdefghij"; 30].join("."));
        let q = to_query_name(&long);
        assert!(q.len() <= 253);
        assert!(q.ends_with(".example.com"));
        assert!(long.ends_with(&q));
        assert_eq!(to_query_name("example.com."), "example.com");
        assert!(!is_queryable("a..b"));
        assert!(!is_queryable(&format!("{}.com", "a".repeat(64))));
    }
}
