//! A small, bounded HTML scanner (no DOM, no recursion): links with their anchor text,
//! images, forms, scripts and the visible text, and HTML entity decoding.

use super::find;

/// One `<img>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageTag {
    /// The `src` attribute.
    pub src: String,
    /// 1x1, zero-size or hidden.
    pub tracking: bool,
}

/// What the HTML scanner saw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HtmlScan {
    /// `(href, anchor text)` for `<a>` and `<area>` (text None for area).
    pub anchors: Vec<(String, Option<String>)>,
    /// Every `<img>`.
    pub images: Vec<ImageTag>,
    /// Visible non-whitespace characters (entities count as one).
    pub text_chars: usize,
    /// `<script>` elements.
    pub scripts: usize,
    /// `<form>` elements.
    pub forms: usize,
    /// `javascript:` in href/src/action attributes.
    pub js_urls: usize,
}

const MAX_ANCHOR_TEXT: usize = 300;
const MAX_TAGS: usize = 200_000;
const MAX_ATTRS: usize = 64;

/// Scans HTML without building a tree: comments, tags with attributes (quoted or
/// not), raw-text elements (`script`, `style`) and text. Linear in the input, no
/// recursion, bounded tag count; malformed HTML is read as far as it makes sense.
pub fn scan_html(html: &str) -> HtmlScan {
    let mut st = HtmlScan::default();
    let b = html.as_bytes();
    let n = b.len();
    let mut i = 0usize;
    let mut text_start = 0usize;
    let mut anchor: Option<(String, String)> = None;
    let mut tags = 0usize;
    while i < n {
        if b.get(i) != Some(&b'<') {
            i += 1;
            continue;
        }
        // flush text before the tag
        let seg = html.get(text_start..i).unwrap_or_default();
        add_text(seg, &mut st, &mut anchor);
        tags += 1;
        if tags > MAX_TAGS {
            text_start = n;
            break;
        }
        let rest = b.get(i..).unwrap_or_default();
        if rest.starts_with(b"<!--") {
            i = find(b.get(i + 4..).unwrap_or_default(), b"-->").map(|p| i + 4 + p + 3).unwrap_or(n);
            text_start = i;
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i = find(b.get(i..).unwrap_or_default(), b">").map(|p| i + p + 1).unwrap_or(n);
            text_start = i;
            continue;
        }
        let mut j = i + 1;
        let closing = b.get(j) == Some(&b'/');
        if closing {
            j += 1;
        }
        let name_start = j;
        while b.get(j).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b':') {
            j += 1;
        }
        if j == name_start {
            // a lone '<' is text
            text_start = i;
            i += 1;
            continue;
        }
        let name = html.get(name_start..j).unwrap_or_default().to_ascii_lowercase();
        let (attrs, end) = parse_attrs(html, j);
        i = end;
        text_start = end;
        if closing {
            if name == "a" {
                finish_anchor(&mut st, &mut anchor);
            }
            continue;
        }
        for (k, v) in &attrs {
            if matches!(k.as_str(), "href" | "src" | "action" | "formaction" | "background")
                && v.trim_start().to_ascii_lowercase().starts_with("javascript:")
            {
                st.js_urls += 1;
            }
        }
        let attr = |key: &str| attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        match name.as_str() {
            "a" => {
                finish_anchor(&mut st, &mut anchor);
                if let Some(href) = attr("href") {
                    anchor = Some((href.trim().to_string(), String::new()));
                }
            }
            "area" => {
                if let Some(href) = attr("href") {
                    st.anchors.push((href.trim().to_string(), None));
                }
            }
            "img" => {
                let src = attr("src").unwrap_or_default().trim().to_string();
                let w = attr("width").and_then(leading_number);
                let h = attr("height").and_then(leading_number);
                let style = attr("style").unwrap_or_default().to_ascii_lowercase().replace(' ', "");
                let tiny = matches!((w, h), (Some(w), Some(h)) if w <= 1 && h <= 1) || w == Some(0) || h == Some(0);
                let hidden = style.contains("display:none") || style.contains("visibility:hidden");
                let style_tiny = (style.contains("width:1px") || style.contains("width:0"))
                    && (style.contains("height:1px") || style.contains("height:0"));
                let remote = src.starts_with("http") || src.starts_with("//");
                st.images.push(ImageTag { tracking: remote && (tiny || hidden || style_tiny), src });
                // an image inside a link: use its alt text as anchor text
                if let Some((_, text)) = anchor.as_mut()
                    && let Some(alt) = attr("alt")
                    && text.len() < MAX_ANCHOR_TEXT
                {
                    text.push_str(alt);
                }
            }
            "form" => st.forms += 1,
            "script" | "style" | "title" | "textarea" | "xmp" => {
                if name == "script" {
                    st.scripts += 1;
                }
                let close = format!("</{name}");
                let from = i.min(n);
                let pos = find_ci(b.get(from..).unwrap_or_default(), close.as_bytes());
                match pos {
                    Some(p) => {
                        let after = from + p;
                        i = find(b.get(after..).unwrap_or_default(), b">").map(|q| after + q + 1).unwrap_or(n);
                    }
                    None => i = n,
                }
                text_start = i;
            }
            _ => {}
        }
    }
    let seg = html.get(text_start.min(n)..).unwrap_or_default();
    add_text(seg, &mut st, &mut anchor);
    finish_anchor(&mut st, &mut anchor);
    st
}

pub(crate) fn add_text(seg: &str, st: &mut HtmlScan, anchor: &mut Option<(String, String)>) {
    if seg.is_empty() {
        return;
    }
    let decoded = decode_entities(seg);
    st.text_chars += decoded.chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').count();
    if let Some((_, text)) = anchor.as_mut()
        && text.len() < MAX_ANCHOR_TEXT
    {
        text.push_str(&decoded);
    }
}

pub(crate) fn finish_anchor(st: &mut HtmlScan, anchor: &mut Option<(String, String)>) {
    if let Some((href, text)) = anchor.take() {
        let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
        st.anchors.push((href, Some(t)));
    }
}

/// Parses attributes from `start` (just after the tag name) to the closing `>`.
/// Returns the attributes (names lower case, values entity-decoded) and the index
/// after `>`.
pub(crate) fn parse_attrs(html: &str, start: usize) -> (Vec<(String, String)>, usize) {
    let b = html.as_bytes();
    let n = b.len();
    let mut i = start;
    let mut attrs = Vec::new();
    loop {
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace() || *c == b'/') {
            i += 1;
        }
        match b.get(i) {
            None => return (attrs, n),
            Some(b'>') => return (attrs, i + 1),
            _ => {}
        }
        let ns = i;
        while b.get(i).is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'=' | b'>' | b'/')) {
            i += 1;
        }
        if i == ns {
            i += 1; // stray byte ('=' with no name)
            continue;
        }
        let name = html.get(ns..i).unwrap_or_default().to_ascii_lowercase();
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
                i += 1;
            }
            match b.get(i) {
                Some(q @ (b'"' | b'\'')) => {
                    let q = *q;
                    let vs = i + 1;
                    let ve = b.get(vs..).and_then(|r| r.iter().position(|c| *c == q)).map(|p| vs + p).unwrap_or(n);
                    value = decode_entities(html.get(vs..ve).unwrap_or_default());
                    i = (ve + 1).min(n);
                }
                _ => {
                    let vs = i;
                    while b.get(i).is_some_and(|c| !c.is_ascii_whitespace() && *c != b'>') {
                        i += 1;
                    }
                    value = decode_entities(html.get(vs..i).unwrap_or_default());
                }
            }
        }
        if attrs.len() < MAX_ATTRS {
            attrs.push((name, value));
        }
    }
}

pub(crate) fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

pub(crate) fn leading_number(s: &str) -> Option<u32> {
    let digits: String = s.trim().chars().take_while(|c| c.is_ascii_digit()).take(9).collect();
    digits.parse().ok()
}

/// Decodes the common named entities and numeric references; unknown entities
/// are kept as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(rest.get(..pos).unwrap_or_default());
        let after = rest.get(pos + 1..).unwrap_or_default();
        let end = after.char_indices().take(12).find(|(_, c)| *c == ';').map(|(i, _)| i);
        let decoded = end.and_then(|e| {
            let ent = after.get(..e)?;
            let c = if let Some(num) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
                u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
            } else if let Some(num) = ent.strip_prefix('#') {
                num.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                match ent {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    "shy" | "zwnj" | "zwj" => Some('\u{200b}'),
                    "copy" => Some('©'),
                    "reg" => Some('®'),
                    "euro" => Some('€'),
                    "ndash" => Some('–'),
                    "mdash" => Some('—'),
                    "hellip" => Some('…'),
                    "auml" => Some('ä'),
                    "ouml" => Some('ö'),
                    "uuml" => Some('ü'),
                    "szlig" => Some('ß'),
                    "bdquo" => Some('„'),
                    "ldquo" => Some('“'),
                    "rdquo" => Some('”'),
                    _ if ent.len() <= 8 && ent.chars().all(|c| c.is_ascii_alphanumeric()) && !ent.is_empty() => {
                        Some('\u{fffd}')
                    }
                    _ => None,
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = after.get(e + 1..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
