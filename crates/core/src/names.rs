//! Domain names, once for the whole project: syntax (RFC 1035 §2.3.4 lengths, RFC 1123
//! §2.1 / RFC 5321 §4.1.2 letter-digit-hyphen host names), internationalized names
//! converted to A-labels by UTS #46 (the `idna` crate), and the organizational domain
//! of RFC 7489 §3.2 from the Public Suffix List compiled in (the list's text in
//! `assets/`, read by the `publicsuffix` crate; no file or network at run time, so it
//! works the same in the browser).
//!
//! Every place that needs to judge or compare names (the server's target guard, the
//! pages, SPF, the zone resolver, DMARC discovery, Reply-To and hop comparisons) calls
//! these functions instead of its own rules.

/// Most octets of a name in text form, without the trailing dot (255 on the wire, RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 253;
/// Most octets of one label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// Why a name is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing but dots or space.
    #[error("the name is empty")]
    Empty,
    /// Longer than [`MAX_NAME_LEN`].
    #[error("the name is {0} characters long; a domain name has at most 253 (RFC 1035 §2.3.4)")]
    TooLong(usize),
    /// Two dots in a row, or a leading dot.
    #[error("the name has an empty label (RFC 1035 §2.3.4)")]
    EmptyLabel,
    /// A label longer than [`MAX_LABEL_LEN`].
    #[error("label '{0}' is longer than 63 characters (RFC 1035 §2.3.4)")]
    LabelTooLong(String),
    /// A host-name label with something other than letters, digits, hyphens (and underscores).
    #[error("label '{0}' may hold only letters, digits and hyphens (RFC 1123 §2.1, RFC 5321 §4.1.2)")]
    NotLdh(String),
    /// A host-name label that starts or ends with a hyphen.
    #[error("label '{0}' starts or ends with a hyphen (RFC 1035 §2.3.1)")]
    EdgeHyphen(String),
    /// Fewer labels than the use needs (a domain has at least two).
    #[error("a domain name has at least {0} labels, e.g. example.com")]
    TooFewLabels(usize),
    /// A top-level label that cannot be one (all digits: an address, not a name; RFC 3696 §2).
    #[error("'{0}' is not a top-level label (RFC 3696 §2, RFC 7208 §7.1)")]
    BadTopLabel(String),
    /// A Unicode name that UTS #46 cannot convert.
    #[error("'{0}' is not a valid internationalized domain name (UTS #46)")]
    Idna(String),
}

/// Which syntax a use of a name needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// Labels are letters, digits and hyphens, not at either end (RFC 1123 §2.1, RFC 5321
    /// §4.1.2). Underscores are tolerated: real names have them (`_dmarc`, `_spf`, some
    /// MX targets; RFC 2181 §11 allows any octet in DNS).
    pub ldh: bool,
    /// Fewest labels.
    pub min_labels: usize,
    /// The last label must be a top-level label: letters, digits and inner hyphens, not
    /// all digits (RFC 3696 §2, RFC 7208 §7.1 `toplabel`).
    pub top_label: bool,
}

impl Syntax {
    /// Any name DNS can carry: only the lengths of RFC 1035 §2.3.4.
    pub const DNS: Syntax = Syntax { ldh: false, min_labels: 1, top_label: false };
    /// A domain or host name a user gives, or a mail domain: LDH labels, two labels at
    /// least, a real top-level label.
    pub const HOST: Syntax = Syntax { ldh: true, min_labels: 2, top_label: true };
    /// An SPF target domain (RFC 7208 §4.3, §7.1): DNS lengths, two labels at least and a
    /// valid top-level label; other labels may hold any character a macro expanded to.
    pub const SPF_DOMAIN: Syntax = Syntax { ldh: false, min_labels: 2, top_label: true };
}

/// Whether `label` is a top-level label: `( *alphanum ALPHA *alphanum ) / ( 1*alphanum
/// "-" *( alphanum / "-" ) alphanum )` (RFC 7208 §7.1, the RFC 3696 §2 rule).
pub fn is_top_label(label: &str) -> bool {
    let b = label.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    if b.contains(&b'-') {
        b.first().is_some_and(|c| c.is_ascii_alphanumeric()) && b.last().is_some_and(|c| c.is_ascii_alphanumeric())
    } else {
        b.iter().any(|c| c.is_ascii_alphabetic())
    }
}

/// Checks `name` (one trailing dot allowed) against `syntax`.
pub fn check(name: &str, syntax: Syntax) -> Result<(), NameError> {
    let n = name.strip_suffix('.').unwrap_or(name);
    if n.is_empty() {
        return Err(NameError::Empty);
    }
    if n.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong(n.len()));
    }
    let mut count = 0;
    for label in n.split('.') {
        count += 1;
        if label.is_empty() {
            return Err(NameError::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong(label.to_string()));
        }
        if syntax.ldh {
            if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(NameError::NotLdh(label.to_string()));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(NameError::EdgeHyphen(label.to_string()));
            }
        }
    }
    if count < syntax.min_labels {
        return Err(NameError::TooFewLabels(syntax.min_labels));
    }
    if syntax.top_label {
        let top = n.rsplit('.').next().unwrap_or_default();
        if !is_top_label(top) {
            return Err(NameError::BadTopLabel(top.to_string()));
        }
    }
    Ok(())
}

/// A name in the form used for queries, keys and comparisons: trimmed, without the
/// trailing dot, lower case, Unicode labels converted to A-labels by UTS #46
/// (`bücher.example` → `xn--bcher-kva.example`).
pub fn to_ascii(name: &str) -> Result<String, NameError> {
    let n = name.trim();
    let n = n.strip_suffix('.').unwrap_or(n);
    if n.is_ascii() {
        return Ok(n.to_ascii_lowercase());
    }
    match idna::domain_to_ascii(n) {
        Ok(a) => Ok(a),
        Err(_) => Err(NameError::Idna(n.chars().take(MAX_NAME_LEN).collect())),
    }
}

/// [`to_ascii`], or the trimmed lower-case text when UTS #46 rejects it (a later
/// [`check`] then says why): for callers that report on any input.
pub fn normalize(name: &str) -> String {
    to_ascii(name).unwrap_or_else(|_| name.trim().trim_end_matches('.').to_lowercase())
}

/// A host or domain name given by a user, converted ([`to_ascii`]) and checked
/// ([`Syntax::HOST`]); the form to query.
pub fn host_name(input: &str) -> Result<String, NameError> {
    let name = to_ascii(input)?;
    check(&name, Syntax::HOST)?;
    Ok(name)
}

/// The organizational domain of `name` (RFC 7489 §3.2): its public suffix by the Public
/// Suffix List plus one label (`mail.example.co.uk` → `example.co.uk`, `a.b.com.au` →
/// `b.com.au`). A name that is itself a public suffix, or is not a name, is its own
/// organizational domain. Names under a suffix the list does not know use its default
/// rule (`*`: the last label is the suffix).
pub fn organizational_domain(name: &str) -> String {
    use publicsuffix::Psl;
    let n = normalize(name);
    let org = public_suffix_list().domain(n.as_bytes()).and_then(|d| std::str::from_utf8(d.as_bytes()).ok());
    match org {
        Some(org) => org.to_string(),
        None => n,
    }
}

/// The Public Suffix List compiled in (`assets/public_suffix_list.dat`, MPL-2.0), parsed
/// once. Should it ever fail to parse, the list is empty and every name falls to the
/// default rule (the last label is the suffix) rather than failing the caller.
fn public_suffix_list() -> &'static publicsuffix::List {
    static LIST: std::sync::OnceLock<publicsuffix::List> = std::sync::OnceLock::new();
    LIST.get_or_init(|| include_str!("../assets/public_suffix_list.dat").parse().unwrap_or_default())
}

/// Whether two names have the same organizational domain (RFC 7489 §3.2).
pub fn same_organization(a: &str, b: &str) -> bool {
    organizational_domain(a) == organizational_domain(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizational_domain_uses_the_public_suffix_list() {
        assert_eq!(organizational_domain("x.co.uk"), "x.co.uk");
        assert_eq!(organizational_domain("mail.x.co.uk."), "x.co.uk");
        assert_eq!(organizational_domain("a.b.com.au"), "b.com.au");
        assert_eq!(organizational_domain("News.Example.COM"), "example.com");
        assert_eq!(organizational_domain("a.b.example.com"), "example.com");
        assert_eq!(organizational_domain("example.com"), "example.com");
        // A public suffix is its own organizational domain.
        assert_eq!(organizational_domain("co.uk"), "co.uk");
        // Unknown top-level domain: the default rule, the last label is the suffix.
        assert_eq!(organizational_domain("mx.good.test"), "good.test");
        // IDN: compared as A-labels.
        assert_eq!(organizational_domain("mail.bücher.example"), "xn--bcher-kva.example");
        assert!(same_organization("news.example.co.uk", "example.co.uk"));
        assert!(!same_organization("a.co.uk", "b.co.uk"), "two registrants under co.uk");
    }

    #[test]
    fn the_compiled_in_list_is_read_whole() {
        use publicsuffix::Psl;
        let list = public_suffix_list();
        assert!(!list.is_empty());
        // Private-section rules count too (RFC 7489 §3.2 uses the whole list).
        assert_eq!(organizational_domain("a.b.github.io"), "b.github.io");
        // Unicode rules are also held as A-labels (公司.cn).
        assert_eq!(list.suffix(b"a.b.xn--55qx5d.cn").map(|s| s.as_bytes().to_vec()), Some(b"xn--55qx5d.cn".to_vec()));
        assert_eq!(organizational_domain("www.b.公司.cn"), "b.xn--55qx5d.cn");
    }

    #[test]
    fn idn_is_converted_by_uts46() {
        assert_eq!(to_ascii("bücher.example").as_deref(), Ok("xn--bcher-kva.example"));
        assert_eq!(to_ascii(" BÜCHER.example. ").as_deref(), Ok("xn--bcher-kva.example"));
        assert_eq!(host_name("Bücher.Example").as_deref(), Ok("xn--bcher-kva.example"));
        assert_eq!(to_ascii("Example.COM.").as_deref(), Ok("example.com"));
        assert!(matches!(to_ascii("a\u{200B}\u{0301}b.\u{0301}example"), Err(NameError::Idna(_))));
    }

    #[test]
    fn syntax_limits_and_invalid_names() {
        let label63 = "a".repeat(63);
        let label64 = "a".repeat(64);
        assert_eq!(check(&format!("{label63}.example"), Syntax::HOST), Ok(()));
        assert_eq!(check(&format!("{label64}.example"), Syntax::HOST), Err(NameError::LabelTooLong(label64.clone())));
        // 253 characters: labels of 63, 61, 61, 61 and "com", with four dots.
        let name253 = format!("{}.{1}.{1}.{1}.com", "a".repeat(63), "a".repeat(61));
        assert_eq!(name253.len(), 253);
        assert_eq!(check(&name253, Syntax::HOST), Ok(()));
        assert_eq!(check(&format!("{name253}."), Syntax::HOST), Ok(()), "the trailing dot is not counted");
        let name254 = format!("a{name253}");
        assert_eq!(check(&name254, Syntax::HOST), Err(NameError::TooLong(254)));
        assert_eq!(check(&name254, Syntax::DNS), Err(NameError::TooLong(254)));
        for bad in ["", ".", "a..example", ".example.com"] {
            assert!(check(bad, Syntax::DNS).is_err(), "{bad:?}");
        }
        assert_eq!(check("-a.example", Syntax::HOST), Err(NameError::EdgeHyphen("-a".into())));
        assert_eq!(check("a b.example", Syntax::HOST), Err(NameError::NotLdh("a b".into())));
        assert_eq!(check("a b.example", Syntax::DNS), Ok(()), "DNS itself carries any octet");
        assert_eq!(check("localhost", Syntax::HOST), Err(NameError::TooFewLabels(2)));
        assert_eq!(check("192.0.2.1", Syntax::HOST), Err(NameError::BadTopLabel("1".into())));
        assert_eq!(check("_dmarc.example.com", Syntax::HOST), Ok(()));
        assert_eq!(check("xn--bcher-kva.example", Syntax::HOST), Ok(()));
        assert_eq!(check("foo:bar.example.com", Syntax::SPF_DOMAIN), Ok(()));
        assert!(check("example.123", Syntax::SPF_DOMAIN).is_err());
        assert!(host_name("https://example.com/").is_err());
        assert!(host_name("user@example.com").is_err());
    }
}
