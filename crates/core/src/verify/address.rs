//! Address syntax (RFC 5321 §4.1.2 `Mailbox`, RFC 5322 §3.2.3 `atext`, RFC 6531 §3.3 UTF-8
//! extensions), normalization, IDN domains through UTS #46 and the SMTPUTF8 need.
//!
//! One parser for one grammar: the verifier's view of an address is the SMTP envelope address
//! (what `RCPT TO:<...>` carries), not a full RFC 5322 `addr-spec` with comments and folding
//! white space, which never appear in an envelope.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use thiserror::Error;

/// RFC 5321 §4.5.3.1.1: the maximum total length of a user name or other local part is 64 octets.
pub const MAX_LOCAL_OCTETS: usize = 64;
/// RFC 5321 §4.5.3.1.3 (path of 256 octets including `<` and `>`), as corrected by erratum 1690:
/// an address is at most 254 octets.
pub const MAX_ADDRESS_OCTETS: usize = 254;
/// RFC 1035 §2.3.4 / RFC 5321 §4.5.3.1.2: a domain name is at most 255 octets (253 characters in
/// text form without the trailing dot).
pub const MAX_DOMAIN_OCTETS: usize = 253;
/// RFC 1035 §2.3.4: a label is at most 63 octets.
pub const MAX_LABEL_OCTETS: usize = 63;

/// Why an address is not a valid envelope address.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyntaxError {
    /// Nothing but white space.
    #[error("the address is empty")]
    Empty,
    /// No `@` outside a quoted local part.
    #[error("no @ separates a local part from a domain")]
    NoAt,
    /// `@domain` with nothing before it.
    #[error("the local part (before @) is empty")]
    EmptyLocal,
    /// RFC 5321 §4.5.3.1.1.
    #[error("the local part is {0} octets long; RFC 5321 §4.5.3.1.1 allows at most 64")]
    LocalTooLong(usize),
    /// RFC 5321 §4.5.3.1.3 with erratum 1690.
    #[error("the address is {0} octets long; RFC 5321 allows at most 254")]
    AddressTooLong(usize),
    /// A character that RFC 5322 `atext` (or RFC 6531 UTF-8) does not allow unquoted.
    #[error("the character {0:?} is not allowed in an unquoted local part (RFC 5322 §3.2.3)")]
    BadLocalChar(char),
    /// A leading, trailing or doubled dot in an unquoted local part (`.a@`, `a.@`, `a..b@`).
    #[error("a dot may not start or end an unquoted local part or follow another dot (RFC 5321 Dot-string)")]
    DotPlacement,
    /// `"abc@example.com`.
    #[error("the quoted local part has no closing quote")]
    UnterminatedQuote,
    /// A control character (or a bare backslash at the end) inside quotes.
    #[error("the character {0:?} is not allowed in a quoted local part (RFC 5321 qtextSMTP)")]
    BadQuotedChar(char),
    /// `"a"b@example.com`.
    #[error("text follows the closing quote of the local part")]
    TextAfterQuote,
    /// `a@`.
    #[error("the domain (after @) is empty")]
    EmptyDomain,
    /// UTS #46 refused the domain (disallowed code point, bad punycode, ...).
    #[error("the domain {domain:?} is not a valid internationalized domain name (UTS #46)")]
    BadIdn {
        /// The domain as given.
        domain: String,
    },
    /// A label with characters other than letters, digits and hyphens, or a hyphen at an end.
    #[error("the domain label {0:?} is not letters, digits and inner hyphens (RFC 5321 §4.1.2 sub-domain)")]
    BadLabel(String),
    /// Empty label (`a@x..com`, `a@.x.com`).
    #[error("the domain has an empty label")]
    EmptyLabel,
    /// RFC 1035 §2.3.4.
    #[error("the domain label {0:?} is longer than 63 octets")]
    LabelTooLong(String),
    /// RFC 1035 §2.3.4.
    #[error("the domain is {0} octets long; at most 253 are allowed")]
    DomainTooLong(usize),
    /// `a@localhost`: mail on the Internet needs a fully qualified domain (RFC 5321 §2.3.5).
    #[error("the domain {0:?} is not fully qualified (RFC 5321 §2.3.5)")]
    NotFullyQualified(String),
    /// `a@1.2.3.4` (an IP address needs brackets) or any all-numeric top-level label.
    #[error("the top-level label of {0:?} is all digits; an IP address must be written as [1.2.3.4]")]
    NumericTld(String),
    /// `a@[999.1.1.1]`, `a@[IPv6:zz]`.
    #[error("the address literal {0:?} is not an IPv4 or IPv6 address (RFC 5321 §4.1.3)")]
    BadAddressLiteral(String),
}

/// The part after `@`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailDomain {
    /// A domain name in A-label (ASCII) form, lower case, no trailing dot.
    Name(String),
    /// An address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`, RFC 5321 §4.1.3).
    Literal(IpAddr),
}

/// A syntactically valid envelope address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    /// The local part as it goes on the wire: case kept (RFC 5321 §2.4: only the receiver may
    /// fold case), quotes kept only when needed.
    pub local: String,
    /// The domain.
    pub domain: MailDomain,
    /// The domain in U-label form for display (same as the ASCII form when not an IDN).
    pub domain_unicode: String,
    /// The local part was quoted in the input (`"john smith"@example.com`).
    pub quoted: bool,
}

impl EmailAddress {
    /// The domain as used for DNS and grouping: A-labels, or `[ip]` for a literal.
    pub fn domain_ascii(&self) -> String {
        match &self.domain {
            MailDomain::Name(n) => n.clone(),
            MailDomain::Literal(IpAddr::V4(v4)) => format!("[{v4}]"),
            MailDomain::Literal(IpAddr::V6(v6)) => format!("[IPv6:{v6}]"),
        }
    }

    /// The normalized address: local part as on the wire, domain lower-case A-labels. Two
    /// inputs with the same normalized form are the same mailbox for probing purposes.
    pub fn normalized(&self) -> String {
        format!("{}@{}", self.local, self.domain_ascii())
    }

    /// RFC 6531 §3.2: a non-ASCII local part can only be sent with the SMTPUTF8 extension. A
    /// non-ASCII domain cannot force it: it travels as A-labels.
    pub fn needs_smtputf8(&self) -> bool {
        !self.local.is_ascii()
    }

    /// The local part without quotes and quoted-pair backslashes, lower-cased: what role lists
    /// compare against.
    pub fn local_unquoted_lower(&self) -> String {
        if !self.quoted && !self.local.starts_with('"') {
            return self.local.to_lowercase();
        }
        let inner = self.local.trim_start_matches('"').trim_end_matches('"');
        let mut out = String::with_capacity(inner.len());
        let mut esc = false;
        for c in inner.chars() {
            if !esc && c == '\\' {
                esc = true;
                continue;
            }
            esc = false;
            out.extend(c.to_lowercase());
        }
        out
    }
}

/// RFC 5322 §3.2.3 `atext`, plus RFC 6531 §3.3 UTF8-non-ascii.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || (!c.is_ascii() && !c.is_control())
}

/// RFC 5321 `qtextSMTP` (%d32-33 / %d35-91 / %d93-126), plus RFC 6531 UTF8-non-ascii.
fn is_qtext(c: char) -> bool {
    matches!(c as u32, 32..=33 | 35..=91 | 93..=126) || (!c.is_ascii() && !c.is_control())
}

/// Parses a dot-string local part; `Ok(())` when valid.
fn check_dot_string(s: &str) -> Result<(), SyntaxError> {
    if s.starts_with('.') || s.ends_with('.') || s.contains("..") {
        return Err(SyntaxError::DotPlacement);
    }
    match s.chars().find(|&c| c != '.' && !is_atext(c)) {
        Some(c) => Err(SyntaxError::BadLocalChar(c)),
        None => Ok(()),
    }
}

/// Splits `input` into the local part (raw) and the domain, honouring a quoted local part.
fn split(input: &str) -> Result<(&str, &str, bool), SyntaxError> {
    if let Some(rest) = input.strip_prefix('"') {
        let mut esc = false;
        for (i, c) in rest.char_indices() {
            if esc {
                if !matches!(c as u32, 32..=126) && c.is_ascii() {
                    return Err(SyntaxError::BadQuotedChar(c));
                }
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == '"' {
                let local = &input[..i + 2];
                let after = &rest[i + 1..];
                return match after.strip_prefix('@') {
                    Some(domain) => Ok((local, domain, true)),
                    None if after.is_empty() => Err(SyntaxError::NoAt),
                    None => Err(SyntaxError::TextAfterQuote),
                };
            } else if !is_qtext(c) {
                return Err(SyntaxError::BadQuotedChar(c));
            }
        }
        return Err(SyntaxError::UnterminatedQuote);
    }
    let at = input.rfind('@').ok_or(SyntaxError::NoAt)?;
    Ok((&input[..at], &input[at + 1..], false))
}

/// The quoted local part in its simplest wire form: unquoted when the content is a valid
/// dot-string (`"john"` -> `john`, RFC 5321 §4.1.2: the forms are equivalent), else quoted with
/// only the needed backslashes.
fn normalize_quoted(raw: &str) -> String {
    let inner = &raw[1..raw.len() - 1];
    let mut content = String::with_capacity(inner.len());
    let mut esc = false;
    for c in inner.chars() {
        if !esc && c == '\\' {
            esc = true;
            continue;
        }
        esc = false;
        content.push(c);
    }
    if !content.is_empty() && check_dot_string(&content).is_ok() {
        return content;
    }
    let mut out = String::with_capacity(content.len() + 2);
    out.push('"');
    for c in content.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn parse_literal(lit: &str) -> Result<IpAddr, SyntaxError> {
    let bad = || SyntaxError::BadAddressLiteral(lit.to_string());
    let inner = lit.strip_prefix('[').and_then(|s| s.strip_suffix(']')).ok_or_else(bad)?;
    if let Some(v6) = inner.strip_prefix("IPv6:").or_else(|| inner.strip_prefix("ipv6:")) {
        return v6.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| bad());
    }
    inner.parse::<Ipv4Addr>().map(IpAddr::V4).map_err(|_| bad())
}

/// Converts a domain to lower-case A-labels (UTS #46, non-transitional, STD3 rules) and checks
/// it is a fully qualified host name. Returns (ascii, unicode).
pub fn normalize_domain(domain: &str) -> Result<(String, String), SyntaxError> {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    if d.is_empty() {
        return Err(SyntaxError::EmptyDomain);
    }
    if d.split('.').any(str::is_empty) {
        return Err(SyntaxError::EmptyLabel);
    }
    let ascii = idna::domain_to_ascii(d).map_err(|_| SyntaxError::BadIdn { domain: domain.to_string() })?;
    if ascii.is_empty() {
        return Err(SyntaxError::EmptyDomain);
    }
    if ascii.len() > MAX_DOMAIN_OCTETS {
        return Err(SyntaxError::DomainTooLong(ascii.len()));
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(SyntaxError::EmptyLabel);
        }
        if label.len() > MAX_LABEL_OCTETS {
            return Err(SyntaxError::LabelTooLong((*label).to_string()));
        }
        let ldh = label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ldh || label.starts_with('-') || label.ends_with('-') {
            return Err(SyntaxError::BadLabel((*label).to_string()));
        }
    }
    if labels.len() < 2 {
        return Err(SyntaxError::NotFullyQualified(ascii));
    }
    if labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit())) {
        return Err(SyntaxError::NumericTld(ascii));
    }
    let (unicode, _) = idna::domain_to_unicode(&ascii);
    Ok((ascii, unicode))
}

/// Parses one envelope address (surrounding white space and one pair of `<>` ignored).
pub fn parse(input: &str) -> Result<EmailAddress, SyntaxError> {
    let s = input.trim();
    let s = s.strip_prefix('<').and_then(|x| x.strip_suffix('>')).unwrap_or(s);
    if s.is_empty() {
        return Err(SyntaxError::Empty);
    }
    let (raw_local, raw_domain, quoted) = split(s)?;
    if raw_local.is_empty() {
        return Err(SyntaxError::EmptyLocal);
    }
    let local = if quoted {
        normalize_quoted(raw_local)
    } else {
        check_dot_string(raw_local)?;
        raw_local.to_string()
    };
    if local.len() > MAX_LOCAL_OCTETS {
        return Err(SyntaxError::LocalTooLong(local.len()));
    }
    if raw_domain.is_empty() {
        return Err(SyntaxError::EmptyDomain);
    }
    let (domain, domain_unicode) = if raw_domain.starts_with('[') {
        let ip = parse_literal(raw_domain)?;
        (MailDomain::Literal(ip), raw_domain.to_string())
    } else {
        let (ascii, unicode) = normalize_domain(raw_domain)?;
        (MailDomain::Name(ascii), unicode)
    };
    let addr = EmailAddress { local, domain, domain_unicode, quoted };
    let total = addr.normalized().len();
    if total > MAX_ADDRESS_OCTETS {
        return Err(SyntaxError::AddressTooLong(total));
    }
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_and_their_normal_forms() {
        let long_local = "a".repeat(64);
        let long_local_addr = format!("{long_local}@example.com");
        let cases: &[(&str, &str, bool)] = &[
            // (input, normalized, needs SMTPUTF8)
            ("user@example.com", "user@example.com", false),
            ("  User.Name+tag@Example.COM  ", "User.Name+tag@example.com", false),
            ("<a@example.com>", "a@example.com", false),
            ("\"john smith\"@example.com", "\"john smith\"@example.com", false),
            ("\"john\"@example.com", "john@example.com", false),
            ("\"a..b\"@example.com", "\"a..b\"@example.com", false),
            ("\"a\\\"b\"@example.com", "\"a\\\"b\"@example.com", false),
            ("\"a@b\"@example.com", "\"a@b\"@example.com", false),
            ("!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com", false),
            ("user@münchen.de", "user@xn--mnchen-3ya.de", false),
            ("user@XN--MNCHEN-3YA.DE", "user@xn--mnchen-3ya.de", false),
            ("user@ＥＸＡＭＰＬＥ.com", "user@example.com", false),
            ("user@example.com.", "user@example.com", false),
            ("δοκιμή@παράδειγμα.δοκιμή", "δοκιμή@xn--hxajbheg2az3al.xn--jxalpdlp", true),
            ("用户@例子.测试", "用户@xn--fsqu00a.xn--0zwm56d", true),
            ("a@[192.0.2.1]", "a@[192.0.2.1]", false),
            ("a@[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]", false),
            (long_local_addr.as_str(), long_local_addr.as_str(), false),
        ];
        for (input, want, utf8) in cases {
            let a = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(a.normalized(), *want, "{input:?}");
            assert_eq!(a.needs_smtputf8(), *utf8, "{input:?}");
        }
        assert_eq!(parse("user@münchen.de").unwrap().domain_unicode, "münchen.de");
    }

    #[test]
    fn invalid_addresses_name_their_error() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let long_addr = format!(
            "{}@{}.{}.{}.{}.com",
            "a".repeat(60),
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(60),
            "e".repeat(7)
        );
        let cases: Vec<(&str, SyntaxError)> = vec![
            ("", SyntaxError::Empty),
            ("   ", SyntaxError::Empty),
            ("plainaddress", SyntaxError::NoAt),
            ("@example.com", SyntaxError::EmptyLocal),
            ("a@", SyntaxError::EmptyDomain),
            ("a..b@example.com", SyntaxError::DotPlacement),
            (".a@example.com", SyntaxError::DotPlacement),
            ("a.@example.com", SyntaxError::DotPlacement),
            ("a b@example.com", SyntaxError::BadLocalChar(' ')),
            ("a(b)@example.com", SyntaxError::BadLocalChar('(')),
            ("a@b@example.com", SyntaxError::BadLocalChar('@')),
            ("\"abc@example.com", SyntaxError::UnterminatedQuote),
            ("\"a\"b@example.com", SyntaxError::TextAfterQuote),
            ("\"a\u{7}\"@example.com", SyntaxError::BadQuotedChar('\u{7}')),
            (long_local.as_str(), SyntaxError::LocalTooLong(65)),
            ("a@example..com", SyntaxError::EmptyLabel),
            ("a@.example.com", SyntaxError::EmptyLabel),
            ("a@-example.com", SyntaxError::BadLabel("-example".into())),
            ("a@exa_mple.com", SyntaxError::BadIdn { domain: "exa_mple.com".into() }),
            (long_label.as_str(), SyntaxError::LabelTooLong("b".repeat(64))),
            ("a@localhost", SyntaxError::NotFullyQualified("localhost".into())),
            ("a@192.0.2.1", SyntaxError::NumericTld("192.0.2.1".into())),
            ("a@[999.1.1.1]", SyntaxError::BadAddressLiteral("[999.1.1.1]".into())),
            (long_addr.as_str(), SyntaxError::AddressTooLong(255)),
        ];
        for (input, want) in cases {
            match parse(input) {
                Ok(a) => panic!("{input:?} parsed as {a:?}"),
                Err(e) => {
                    if matches!(want, SyntaxError::BadIdn { .. }) {
                        assert!(matches!(e, SyntaxError::BadIdn { .. } | SyntaxError::BadLabel(_)), "{input:?}: {e:?}");
                    } else {
                        assert_eq!(e, want, "{input:?}");
                    }
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }

    #[test]
    fn role_comparison_form_drops_quotes_and_case() {
        assert_eq!(parse("\"Post\\master\"@example.com").unwrap().local_unquoted_lower(), "postmaster");
        assert_eq!(parse("Info@example.com").unwrap().local_unquoted_lower(), "info");
    }
}
