//! Building the exact records to publish: zone-file lines ready to paste.

/// A zone-file TXT line for `name` with `value`, split into character-strings of at
/// most 255 bytes (RFC 1035 §3.3.14; RFC 7208 §3.3 joins them back without spaces).
pub fn txt_line(name: &str, value: &str) -> String {
    let owner = format!("{}.", name.trim_end_matches('.'));
    let strings =
        split_255(value).iter().map(|s| format!("\"{}\"", crate::dns::escape_txt(s.as_bytes()))).collect::<Vec<_>>();
    if strings.len() > 1 {
        format!("{owner} 3600 IN TXT ( {} )", strings.join(" "))
    } else {
        format!("{owner} 3600 IN TXT {}", strings.join(" "))
    }
}

/// Splits at ≤ 255 bytes on character boundaries.
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

/// A zone-file line of any type.
pub fn line(name: &str, rtype: &str, data: &str) -> String {
    format!("{}. 3600 IN {rtype} {data}", name.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_split_at_255_bytes() {
        let v = "a".repeat(300);
        let l = txt_line("example.com", &v);
        assert!(l.starts_with("example.com. 3600 IN TXT ( \""));
        assert_eq!(split_255(&v).iter().map(String::len).collect::<Vec<_>>(), vec![255, 45]);
        assert_eq!(txt_line("x.example.", "v=spf1 -all"), "x.example. 3600 IN TXT \"v=spf1 -all\"");
    }
}
