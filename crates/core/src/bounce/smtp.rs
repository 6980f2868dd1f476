//! SMTP replies in free text: pasted transcripts (`550-5.7.26 ...` continued by
//! `550 5.7.26 ...`, RFC 5321 §4.2.1), replies quoted inside MTA bounces
//! (`host mx[1.2.3.4] said: 550 5.1.1 <a@b>: ...`, `RCPT TO:<a@b>: 550 ...`) and
//! Exchange NDRs (`#550 5.1.1 RESOLVER.ADR.RecipNotFound ##`).

use super::codes::StatusCode;
use serde::{Deserialize, Serialize};

/// At most this many replies are extracted.
const MAX_REPLIES: usize = 100;
/// At most this many lines are examined.
const MAX_LINES: usize = 50_000;
/// At most this many characters of reply text are kept.
const MAX_TEXT: usize = 4000;

/// One SMTP reply found in the input.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SmtpReply {
    /// The three-digit reply code (RFC 5321 §4.2).
    pub code: u16,
    /// The enhanced status code after it (RFC 2034 §4), if any.
    pub enhanced: Option<StatusCode>,
    /// The reply text, lines joined, code prefixes removed.
    pub text: String,
    /// The recipient the reply is about, when the surrounding text names one.
    pub recipient: Option<String>,
    /// The SMTP stage it answered (`connect`, `helo`, `mail_from`, `rcpt_to`,
    /// `data`), when the text says.
    pub stage: Option<String>,
}

/// A reply code at `s[at..]`: `[245]\d\d` followed by `-`, space, tab or end.
/// Returns (code, separator).
fn code_at(s: &str, at: usize) -> Option<(u16, Option<char>)> {
    let b = s.as_bytes();
    let d0 = *b.get(at)?;
    let d1 = *b.get(at + 1)?;
    let d2 = *b.get(at + 2)?;
    if !(matches!(d0, b'2' | b'4' | b'5') && (b'0'..=b'5').contains(&d1) && d2.is_ascii_digit()) {
        return None;
    }
    let sep = b.get(at + 3).copied();
    match sep {
        None => Some(((d0 - b'0') as u16 * 100 + (d1 - b'0') as u16 * 10 + (d2 - b'0') as u16, None)),
        Some(c @ (b'-' | b' ' | b'\t')) => {
            Some(((d0 - b'0') as u16 * 100 + (d1 - b'0') as u16 * 10 + (d2 - b'0') as u16, Some(c as char)))
        }
        _ => None,
    }
}

/// The enhanced code right after a reply code and its separator, and the byte
/// length it takes (with following spaces).
fn enhanced_after(rest: &str) -> (Option<StatusCode>, usize) {
    let trimmed = rest.trim_start_matches([' ', '\t']);
    let skipped = rest.len() - trimmed.len();
    match StatusCode::parse(trimmed) {
        Some(code) => {
            let token_len = trimmed.find([' ', '\t']).unwrap_or(trimmed.len());
            let after = trimmed.get(token_len..).unwrap_or_default();
            let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
            (Some(code), skipped + token_len + spaces)
        }
        None => (None, skipped),
    }
}

/// Splits on CRLF, LF or bare CR (each one line break).
pub(crate) fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
}

/// The lines of `text` (bounded).
fn lines_of(text: &str) -> Vec<&str> {
    split_lines(text).take(MAX_LINES).collect()
}

/// Finds the SMTP replies in `text`.
pub fn parse_smtp_replies(text: &str) -> Vec<SmtpReply> {
    let lines = lines_of(text);
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < lines.len() && out.len() < MAX_REPLIES {
        let line = lines.get(i).copied().unwrap_or_default();
        let trimmed = line.trim_start();
        // 1. a reply at the start of a line, possibly multi-line (RFC 5321 §4.2.1)
        if let Some((code, sep)) = code_at(trimmed, 0) {
            let after = trimmed.get(4.min(trimmed.len())..).unwrap_or_default();
            let (enhanced, skip) = enhanced_after(after);
            // a bare number at line start is not a reply unless it looks like one
            if enhanced.is_some() || sep == Some('-') || (looks_like_reply_text(after) && smtpish(after)) {
                let mut text_parts = vec![after.get(skip..).unwrap_or_default().trim().to_string()];
                let mut last_sep = sep;
                let mut j = i + 1;
                while last_sep == Some('-') && j < lines.len() {
                    let next = lines.get(j).copied().unwrap_or_default().trim_start();
                    match code_at(next, 0) {
                        Some((c2, s2)) if c2 == code => {
                            let after2 = next.get(4.min(next.len())..).unwrap_or_default();
                            let (_, skip2) = enhanced_after(after2);
                            text_parts.push(after2.get(skip2..).unwrap_or_default().trim().to_string());
                            last_sep = s2;
                            j += 1;
                        }
                        _ => break,
                    }
                }
                // an MTA may fold the reply into indented continuation lines
                if line.starts_with([' ', '\t']) {
                    while j < lines.len() {
                        let next = lines.get(j).copied().unwrap_or_default();
                        if next.trim().is_empty()
                            || !next.starts_with([' ', '\t'])
                            || code_at(next.trim_start(), 0).is_some()
                        {
                            break;
                        }
                        text_parts.push(next.trim().to_string());
                        j += 1;
                    }
                }
                let text = strip_repeated_prefixes(&join_text(&text_parts), code);
                let context = context_before(&lines, i);
                out.push(make_reply(code, enhanced, text, &context));
                i = j.max(i + 1);
                continue;
            }
        }
        // 2. a reply quoted inside a line (followed by folded continuation lines)
        if let Some((pos, code)) = find_embedded(line) {
            let after = line.get(pos + 4..).unwrap_or_default();
            let (enhanced, skip) = enhanced_after(after);
            let mut text = after.get(skip..).unwrap_or_default().trim().to_string();
            let mut j = i + 1;
            while j < lines.len() && text.len() < MAX_TEXT {
                let next = lines.get(j).copied().unwrap_or_default();
                if next.trim().is_empty() || !next.starts_with([' ', '\t']) {
                    break;
                }
                text.push(' ');
                text.push_str(next.trim());
                j += 1;
            }
            let text = strip_repeated_prefixes(&text, code);
            let mut context = context_before(&lines, i);
            context.push(line.get(..pos).unwrap_or_default().to_string());
            out.push(make_reply(code, enhanced, truncate_chars(&text, MAX_TEXT), &context));
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// A reply text, not a number in prose: starts with a letter, `<`, `[`, `#` or `(`.
fn looks_like_reply_text(after: &str) -> bool {
    after.trim_start().starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '<' | '[' | '#' | '(' | '\''))
}

/// Words that SMTP reply texts use; a code without an enhanced status code is
/// only taken as a reply when its text has one of them.
fn smtpish(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "mailbox",
        "user",
        "recipient",
        "relay",
        "reject",
        "denied",
        "block",
        "spam",
        "try again",
        "too many",
        "rate",
        "service",
        "unavailable",
        "temporar",
        "defer",
        "policy",
        "unknown",
        "address",
        "connection",
        "tls",
        "authenticat",
        "quota",
        "message",
        "mail",
        "sender",
        "domain",
        "host",
        "listed",
        "refused",
        "not allowed",
        "syntax",
        "command",
        "greylist",
        "graylist",
        "limit",
        "exceeded",
        "closing",
    ];
    let lower = text.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.contains(w))
}

/// An embedded reply: a code preceded by a delimiter and followed by an enhanced
/// code, or preceded by `said:` / `:` / `#` / a quote.
fn find_embedded(line: &str) -> Option<(usize, u16)> {
    let b = line.as_bytes();
    let mut at = 0usize;
    while at + 3 <= b.len() {
        let prev = if at == 0 { None } else { b.get(at - 1).copied() };
        let boundary = matches!(prev, None | Some(b' ' | b'\t' | b'\'' | b'"' | b'(' | b'#' | b':' | b'[' | b'='));
        if boundary
            && let Some((code, sep)) = code_at(line, at)
            && code >= 400
        {
            let after = line.get(at + 4..).unwrap_or_default();
            let (enh, _) = enhanced_after(after);
            let before = line.get(..at).unwrap_or_default().trim_end().to_ascii_lowercase();
            let quoted = before.ends_with("said:")
                || before.ends_with(':')
                || before.ends_with('#')
                || before.ends_with('\'')
                || before.ends_with('"')
                || before.ends_with("reply:")
                || before.ends_with("error:");
            if (enh.is_some() && sep.is_some())
                || (quoted && sep.is_some() && looks_like_reply_text(after) && smtpish(after))
            {
                return Some((at, code));
            }
        }
        at += 1;
    }
    None
}

/// Removes the `550-5.7.26` / `550 5.7.26` prefixes that stay inside a reply
/// folded into one paragraph by an MTA.
fn strip_repeated_prefixes(text: &str, code: u16) -> String {
    let code_s = code.to_string();
    let dash = format!("{code}-");
    let toks: Vec<&str> = text.split_whitespace().collect();
    let mut out = Vec::with_capacity(toks.len());
    let mut k = 0usize;
    while let Some(tok) = toks.get(k).copied() {
        if let Some(rest) = tok.strip_prefix(&dash)
            && (rest.is_empty() || StatusCode::parse(rest).is_some())
        {
            k += 1;
            continue;
        }
        if tok == code_s && toks.get(k + 1).is_some_and(|n| StatusCode::parse(n).is_some()) {
            k += 2;
            continue;
        }
        out.push(tok);
        k += 1;
    }
    out.join(" ")
}

fn join_text(parts: &[String]) -> String {
    truncate_chars(&parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(" "), MAX_TEXT)
}

fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The three lines before line `i` (for the recipient and the SMTP stage).
fn context_before(lines: &[&str], i: usize) -> Vec<String> {
    lines.get(i.saturating_sub(3)..i).unwrap_or_default().iter().map(|s| s.to_string()).collect()
}

fn make_reply(code: u16, enhanced: Option<StatusCode>, text: String, context: &[String]) -> SmtpReply {
    let recipient = first_address(&text).or_else(|| context.iter().rev().find_map(|c| first_address(c)));
    let mut all = context.join(" ");
    all.push(' ');
    all.push_str(&text);
    SmtpReply { code, enhanced, stage: stage_of(&all.to_ascii_lowercase()), text, recipient }
}

/// The first `local@domain` in `s` (angle brackets optional).
pub fn first_address(s: &str) -> Option<String> {
    for tok in
        s.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';' | '"' | '\'' | '(' | ')' | '[' | ']'))
    {
        let tok = tok.trim_matches(|c: char| c == ':' || c == '.');
        let tok = tok.strip_prefix("to:").or_else(|| tok.strip_prefix("TO:")).unwrap_or(tok);
        let Some((local, domain)) = tok.rsplit_once('@') else {
            continue;
        };
        if local.is_empty() || local.contains(':') || domain.len() < 3 || !domain.contains('.') {
            continue;
        }
        if domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.') && !domain.starts_with('.') {
            return Some(tok.to_string());
        }
    }
    None
}

/// Which SMTP command the reply answered, from Postfix/Exim wording.
fn stage_of(lower: &str) -> Option<String> {
    let s = if lower.contains("rcpt to") || lower.contains("in reply to rcpt") {
        "rcpt_to"
    } else if lower.contains("end of data") || lower.contains("after data") || lower.contains("in reply to data") {
        "data"
    } else if lower.contains("mail from") {
        "mail_from"
    } else if lower.contains("in reply to ehlo")
        || lower.contains("in reply to helo")
        || lower.contains("after ehlo")
        || lower.contains("after helo")
    {
        "helo"
    } else if lower.contains("greeting") || lower.contains("initial connection") || lower.contains("banner") {
        "connect"
    } else {
        return None;
    };
    Some(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiline_gmail_reply() {
        let t = "550-5.7.26 This mail is unauthenticated, which poses a security risk to the\r\n550-5.7.26 sender and Gmail users, and has been blocked.\r\n550 5.7.26 information. abc - gsmtp\r\n";
        let r = parse_smtp_replies(t);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code, 550);
        assert_eq!(r[0].enhanced.map(|c| c.to_string()).as_deref(), Some("5.7.26"));
        assert!(r[0].text.starts_with("This mail is unauthenticated"));
        assert!(r[0].text.ends_with("gsmtp"));
        assert!(!r[0].text.contains("550"));
    }

    #[test]
    fn postfix_quoted_reply() {
        let t = "<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n    <bob@example.org>: Recipient address rejected: User unknown in virtual\n    mailbox table (in reply to RCPT TO command)\n";
        let r = parse_smtp_replies(t);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code, 550);
        assert_eq!(r[0].recipient.as_deref(), Some("bob@example.org"));
        assert_eq!(r[0].stage.as_deref(), Some("rcpt_to"));
        assert!(r[0].text.contains("User unknown in virtual mailbox table"));
    }

    #[test]
    fn postfix_folded_multiline() {
        let t = "<a@gmail.com>: host gmail-smtp-in.l.google.com[142.250.1.26] said:\n    550-5.7.26 This mail is unauthenticated 550-5.7.26 and blocked. 550 5.7.26\n    Please visit https://support.google.com/mail/answer/81126 - gsmtp (in reply\n    to end of DATA command)\n";
        let r = parse_smtp_replies(t);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].enhanced.map(|c| c.to_string()).as_deref(), Some("5.7.26"));
        assert!(!r[0].text.contains("550"), "{}", r[0].text);
        assert_eq!(r[0].stage.as_deref(), Some("data"));
    }

    #[test]
    fn exchange_and_exim() {
        let r = parse_smtp_replies("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].enhanced.map(|c| c.to_string()).as_deref(), Some("5.1.1"));
        let exim = "  user@example.net\n    host mx.example.net [192.0.2.9]\n    SMTP error from remote mail server after RCPT TO:<user@example.net>:\n    550 5.1.1 No such user\n";
        let r = parse_smtp_replies(exim);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].recipient.as_deref(), Some("user@example.net"));
        assert_eq!(r[0].stage.as_deref(), Some("rcpt_to"));
        assert_eq!(r[0].text, "No such user");
    }

    #[test]
    fn prose_numbers_are_not_replies() {
        assert!(parse_smtp_replies("123.042 Euro pro Jahr\n500 people came\nwe have 450 apples").is_empty());
        assert!(parse_smtp_replies("").is_empty());
        assert_eq!(parse_smtp_replies("421 Too many connections from your IP").len(), 1);
        assert_eq!(parse_smtp_replies("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred").len(), 1);
    }

    #[test]
    fn addresses() {
        assert_eq!(first_address("RCPT TO:<a.b@example.com>:").as_deref(), Some("a.b@example.com"));
        assert_eq!(first_address("no address here @ all"), None);
        assert_eq!(first_address("mailto:x@y"), None);
    }
}
