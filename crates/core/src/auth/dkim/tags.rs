//! The DKIM tag-list grammar (RFC 6376 §3.2), used by DKIM-Signature, the key record,
//! ARC-Seal and ARC-Message-Signature: `tag-spec *( ";" tag-spec ) [ ";" ]`, tag names
//! `ALPHA *( ALPHA / DIGIT / "_" )`, compared case-sensitively.

/// A tag-list could not be parsed (RFC 6376 §3.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagListError {
    /// `;;` or a leading `;`: a tag-spec needs a tag name.
    #[error("empty tag-spec (\";;\" or a leading \";\")")]
    EmptySpec,
    /// A tag-spec without `=`.
    #[error("tag-spec without '=': {0:?}")]
    NoEquals(String),
    /// A tag name not of the form `ALPHA *ALNUMPUNC`.
    #[error("invalid tag name {0:?} (must be ALPHA *(ALPHA / DIGIT / \"_\"))")]
    BadName(String),
    /// The same tag twice: the whole tag-list is invalid.
    #[error("duplicate tag {0:?}")]
    Duplicate(String),
    /// A value character outside VALCHAR / whitespace.
    #[error("invalid character in the value of tag {0:?}")]
    BadValue(String),
}

/// Parses a tag-list strictly (RFC 6376 §3.2): `tag-spec *(";" tag-spec) [";"]`.
/// Values keep their inner whitespace; surrounding FWS is trimmed.
pub fn parse_tag_list(value: &[u8]) -> Result<Vec<(String, String)>, TagListError> {
    let text = String::from_utf8_lossy(value);
    let specs: Vec<&str> = text.split(';').collect();
    let n = specs.len();
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        if spec.trim().is_empty() {
            if i + 1 == n && i > 0 {
                break; // trailing ";"
            }
            return Err(TagListError::EmptySpec);
        }
        let Some((name, val)) = spec.split_once('=') else {
            return Err(TagListError::NoEquals(spec.trim().to_string()));
        };
        let name = name.trim();
        let mut chars = name.chars();
        let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(TagListError::BadName(name.to_string()));
        }
        let val = val.trim();
        if val.chars().any(|c| !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || ('!'..='~').contains(&c))) {
            return Err(TagListError::BadValue(name.to_string()));
        }
        if out.iter().any(|(n, _)| n == name) {
            return Err(TagListError::Duplicate(name.to_string()));
        }
        out.push((name.to_string(), val.to_string()));
    }
    Ok(out)
}

/// Best-effort tag-list reading for reporting malformed headers (never fails).
pub fn parse_tag_list_lenient(value: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(value)
        .split(';')
        .filter_map(|s| s.split_once('='))
        .map(|(n, v)| (n.trim().to_string(), v.split_whitespace().collect::<String>()))
        .collect()
}

/// `s=` and `d=` of a signature field (DKIM-Signature, ARC-Message-Signature, ARC-Seal)
/// → `<s>._domainkey.<d>` (RFC 6376 §3.6.2.1), read leniently (the last of each wins);
/// `None` when either is missing or empty.
pub fn signature_key_name(value: &[u8]) -> Option<String> {
    let tags = parse_tag_list_lenient(value);
    let last = |name: &str| tags.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    match (last("s"), last("d")) {
        (Some(s), Some(d)) if !s.is_empty() && !d.is_empty() => Some(format!("{s}._domainkey.{d}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_tag_list() {
        assert!(parse_tag_list(b"a=1; b=2;").is_ok());
        assert!(parse_tag_list(b" a = 1 ;b=2").is_ok());
        assert_eq!(parse_tag_list(b"a=1;; b=2"), Err(TagListError::EmptySpec));
        assert_eq!(parse_tag_list(b"a=1; a=2"), Err(TagListError::Duplicate("a".into())));
        assert_eq!(parse_tag_list(b"a=1; _=2"), Err(TagListError::BadName("_".into())));
        assert_eq!(parse_tag_list(b"a=1; ==; t=1"), Err(TagListError::BadName("".into())));
        assert!(matches!(parse_tag_list(b"a=1; b"), Err(TagListError::NoEquals(_))));
    }

    #[test]
    fn key_names_of_signatures() {
        assert_eq!(
            signature_key_name(b"v=1; a=rsa-sha256; d=shop.example;\r\n s=nov 2026; b=abc").as_deref(),
            Some("nov2026._domainkey.shop.example")
        );
        assert_eq!(signature_key_name(b"v=1; d=shop.example; s="), None);
        assert_eq!(signature_key_name(b"i=1; s=x"), None);
        // Tag names are case-sensitive (RFC 6376 §3.2): `D=` is not `d=`.
        assert_eq!(signature_key_name(b"D=shop.example; s=x"), None);
    }

    #[test]
    fn lenient_reading_keeps_every_tag_and_removes_whitespace() {
        assert_eq!(
            parse_tag_list_lenient(b"d = ex ample.com; s=sel;; junk"),
            vec![("d".to_string(), "example.com".to_string()), ("s".to_string(), "sel".to_string())]
        );
    }
}
