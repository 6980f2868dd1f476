//! Header sanity (RFC 5322 §3.6, RFC 2045 §4, RFC 6532): the fields every receiver
//! looks at before it looks at anything else.
//!
//! Malformed headers are a spam signal of their own, and Gmail rejects messages that
//! are not RFC 5322 compliant (missing/duplicate From, no Message-ID) since 2024.
//! [`check_headers`] reads the parsed message plus the raw header block (for the
//! byte-level rules: line length, 8-bit bytes) and never panics on any input.

use crate::findings::Finding;
use crate::findings::catalog::content as cat;
use mail_parser::{Address, HeaderName, Message};
use serde::{Deserialize, Serialize};

/// A Date more than this far in the future is flagged (clock skew), seconds.
pub const DATE_FUTURE_TOLERANCE_SECS: i64 = 15 * 60;
/// A Date older than this many days (relative to `now`) is flagged.
pub const DATE_MAX_AGE_DAYS: i64 = 30;
/// RFC 5322 §2.1.1: a line MUST be no more than 998 characters, excluding CRLF.
pub const MAX_LINE_LEN: usize = 998;
/// At most this many header bytes are scanned for byte-level rules (bounded work).
const MAX_SCAN_BYTES: usize = 4 * 1024 * 1024;

/// One mailbox from an address header.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MailboxInfo {
    /// `local@domain` as written (None when the field had a display name only).
    pub address: Option<String>,
    /// The domain, lower case, without a trailing dot.
    pub domain: Option<String>,
    /// The decoded display name.
    pub display_name: Option<String>,
}

/// What the header block says, for the report and for later checks (DMARC uses
/// `from.domain`, the bulk checklist uses `rfc5322_ok` and `message_id_ok`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HeaderReport {
    /// Number of header fields in the top-level header block.
    pub header_count: usize,
    /// The first mailbox of the (last) From field.
    pub from: Option<MailboxInfo>,
    /// Number of From fields (RFC 5322 §3.6 allows exactly one).
    pub from_fields: usize,
    /// Number of mailboxes in the From field.
    pub from_mailboxes: usize,
    /// The Sender mailbox, if any.
    pub sender: Option<MailboxInfo>,
    /// Every Reply-To mailbox.
    pub reply_to: Vec<MailboxInfo>,
    /// The decoded Subject.
    pub subject: Option<String>,
    /// The Date field as written (trimmed).
    pub date: Option<String>,
    /// The Date as Unix seconds, when it parsed.
    pub date_unix: Option<i64>,
    /// `date_unix - now` in seconds (positive: in the future).
    pub date_skew_secs: Option<i64>,
    /// The Message-ID as written (trimmed, with angle brackets).
    pub message_id: Option<String>,
    /// The right-hand side of the Message-ID, lower case.
    pub message_id_domain: Option<String>,
    /// Message-ID present and well-formed (RFC 5322 §3.6.4).
    pub message_id_ok: bool,
    /// Mailboxes in To (all To fields).
    pub to_count: usize,
    /// Mailboxes in Cc (all Cc fields).
    pub cc_count: usize,
    /// The MIME-Version value.
    pub mime_version: Option<String>,
    /// The longest header line in bytes (without its line break).
    pub longest_line: usize,
    /// Whether any header byte is outside US-ASCII.
    pub has_8bit: bool,
    /// The basic RFC 5322 structure holds: one From with an address, a valid Date,
    /// no duplicated singleton field, no line over 998 characters.
    pub rfc5322_ok: bool,
}

/// The RFC5322.From domain (first mailbox of the last From field), lower case,
/// without a trailing dot. DMARC (RFC 7489 §3.1) and the bulk checklist key on it.
pub fn from_domain(msg: &Message) -> Option<String> {
    let from = msg.from()?;
    let mailbox = from.first()?;
    domain_of(mailbox.address()?)
}

/// The domain of `local@domain`, lower case, trailing dot removed; `None` if there
/// is no `@` or the domain is empty.
pub fn domain_of(address: &str) -> Option<String> {
    let (_, domain) = address.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('>').trim_end_matches('.');
    if domain.is_empty() { None } else { Some(domain.to_ascii_lowercase()) }
}

/// The organizational domain (RFC 7489 §3.2, Public Suffix List): see
/// [`crate::names::organizational_domain`].
pub fn base_domain(domain: &str) -> String {
    crate::names::organizational_domain(domain)
}

/// Whether two domains share the same organizational domain (RFC 7489 §3.2).
pub fn same_organization(a: &str, b: &str) -> bool {
    crate::names::same_organization(a, b)
}

fn mailbox_info(name: Option<&str>, address: Option<&str>) -> MailboxInfo {
    MailboxInfo {
        address: address.map(|a| a.trim().to_string()),
        domain: address.and_then(domain_of),
        display_name: name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
    }
}

/// The singleton fields of the RFC 5322 §3.6 table (max 1 occurrence).
const SINGLETONS: &[(&str, HeaderName<'static>)] = &[
    ("Date", HeaderName::Date),
    ("From", HeaderName::From),
    ("Sender", HeaderName::Sender),
    ("Reply-To", HeaderName::ReplyTo),
    ("To", HeaderName::To),
    ("Cc", HeaderName::Cc),
    ("Bcc", HeaderName::Bcc),
    ("Message-ID", HeaderName::MessageId),
    ("In-Reply-To", HeaderName::InReplyTo),
    ("References", HeaderName::References),
    ("Subject", HeaderName::Subject),
];

/// Checks the top-level header block. `raw` is the whole message as received;
/// `now` is the analysis time (Unix seconds) for the Date skew rules.
///
/// Rules: RFC 5322 §3.6 (field counts), §3.6.1 (Date), §3.6.2 (From/Sender),
/// §3.6.4 (Message-ID), §2.1.1 (998-character lines), RFC 2045 §4 (MIME-Version),
/// RFC 6532 §3 (8-bit header bytes need SMTPUTF8).
pub fn check_headers(msg: &Message, raw: &[u8], now: i64) -> (HeaderReport, Vec<Finding>) {
    let mut r = HeaderReport::default();
    let mut f = Vec::new();
    let headers = msg.headers();
    r.header_count = headers.len();

    if headers.is_empty() {
        f.push(cat::HEADERS_NONE.emit().detail("The message has no header fields at all."));
        return (r, f);
    }

    // --- byte-level rules on the raw header block ---------------------------------
    let root = msg.root_part();
    let body_off = (root.offset_body() as usize).min(raw.len());
    let header_block = raw.get(..body_off.min(MAX_SCAN_BYTES)).unwrap_or_default();
    let (longest, long_line) = longest_line(header_block);
    r.longest_line = longest;
    if longest > MAX_LINE_LEN {
        let mut fi = cat::HEADERS_LINE_TOO_LONG
            .emit()
            .detail(format!("A header line is {longest} characters long (limit {MAX_LINE_LEN})."));
        if let Some(line) = long_line {
            fi = fi.evidence(truncate(&line, 120));
        }
        f.push(fi);
    }
    r.has_8bit = header_block.iter().any(|b| *b >= 0x80);
    if r.has_8bit && !received_with_utf8(msg) {
        let field = first_8bit_field(msg);
        let mut fi = cat::HEADERS_RAW_8BIT.emit().detail(
            "Header fields contain raw 8-bit bytes, but no Received header shows an SMTPUTF8 (UTF8SMTP) transfer.",
        );
        if let Some(name) = field {
            fi = fi.evidence(format!("first field with 8-bit bytes: {name}"));
        }
        f.push(fi);
    }

    // --- duplicate singletons (RFC 5322 §3.6 table) ---------------------------------
    let mut dup_ok = true;
    for (label, name) in SINGLETONS {
        let count = headers.all(name.clone()).count();
        if count > 1 {
            if *label == "From" {
                continue; // reported by the From rule below
            }
            dup_ok = false;
            f.push(
                cat::HEADERS_DUPLICATE_SINGLETON
                    .emit()
                    .detail(format!("{label} appears {count} times; RFC 5322 §3.6 allows it at most once."))
                    .evidence(format!("{label} x{count}")),
            );
        }
    }

    // --- From / Sender (RFC 5322 §3.6.2) -----------------------------------------
    r.from_fields = headers.all(HeaderName::From).count();
    let from_list = msg.from();
    let from_mailboxes: Vec<(Option<&str>, Option<&str>)> =
        from_list.map(|l| l.mailboxes().map(|m| (m.name(), m.address())).collect()).unwrap_or_default();
    r.from_mailboxes = from_mailboxes.len();
    r.from = from_mailboxes.first().map(|(n, a)| mailbox_info(*n, *a));
    let from_raw = headers.get(HeaderName::From).map(|h| lossy_trim(h.raw_value())).unwrap_or_default();
    let mut from_ok = true;
    if r.from_fields == 0 {
        from_ok = false;
        f.push(cat::HEADERS_FROM_MISSING.emit());
    } else {
        if r.from_fields > 1 {
            from_ok = false;
            let all: Vec<String> =
                headers.all(HeaderName::From).take(8).map(|h| format!("From:{}", lossy_trim(h.raw_value()))).collect();
            let mut fi =
                cat::HEADERS_FROM_MULTIPLE.emit().detail(format!("The message has {} From fields.", r.from_fields));
            for e in all {
                fi = fi.evidence(e);
            }
            f.push(fi);
        }
        let has_address = r.from.as_ref().and_then(|m| m.domain.as_ref()).is_some();
        if !has_address {
            from_ok = false;
            f.push(
                cat::HEADERS_FROM_INVALID
                    .emit()
                    .detail("The From field has no parseable address (local@domain).")
                    .evidence(format!("From: {}", truncate(&from_raw, 200))),
            );
        }
    }
    let sender_list = msg.sender();
    let sender_boxes: Vec<(Option<&str>, Option<&str>)> =
        sender_list.map(|l| l.mailboxes().map(|m| (m.name(), m.address())).collect()).unwrap_or_default();
    r.sender = sender_boxes.first().map(|(n, a)| mailbox_info(*n, *a));
    if r.from_mailboxes > 1 && r.sender.is_none() {
        from_ok = false;
        f.push(
            cat::HEADERS_FROM_MULTIPLE_MAILBOXES
                .emit()
                .detail(format!("From lists {} mailboxes and there is no Sender field.", r.from_mailboxes))
                .evidence(format!("From: {}", truncate(&from_raw, 200))),
        );
    }
    if headers.contains(HeaderName::Sender) && (sender_boxes.len() != 1 || sender_list.is_some_and(|l| l.has_groups()))
    {
        f.push(
            cat::HEADERS_SENDER_INVALID.emit().detail(format!(
                "Sender holds {} mailboxes; RFC 5322 §3.6.2 requires exactly one.",
                sender_boxes.len()
            )),
        );
    }

    // --- Reply-To ---------------------------------------------------------------
    if let Some(list) = msg.reply_to() {
        r.reply_to = list.mailboxes().map(|m| mailbox_info(m.name(), m.address())).collect();
    }
    if let Some(from_dom) = r.from.as_ref().and_then(|m| m.domain.clone()) {
        let foreign: Vec<String> =
            r.reply_to.iter().filter_map(|m| m.domain.clone()).filter(|d| !same_organization(d, &from_dom)).collect();
        if let Some(d) = foreign.first() {
            f.push(
                cat::HEADERS_REPLY_TO_DOMAIN_DIFFERS
                    .emit()
                    .detail(format!("Replies go to {d}, while the message is From {from_dom}."))
                    .evidence(format!("From domain {from_dom}; Reply-To domain {d}")),
            );
        }
    }

    // --- Date (RFC 5322 §3.6.1, §3.3) -------------------------------------------------
    let mut date_ok = true;
    match headers.get(HeaderName::Date) {
        None => {
            date_ok = false;
            f.push(cat::HEADERS_DATE_MISSING.emit());
        }
        Some(h) => {
            let text = lossy_trim(h.raw_value());
            r.date = Some(text.clone());
            match h.value().as_datetime().filter(|d| d.is_valid()) {
                None => {
                    date_ok = false;
                    f.push(
                        cat::HEADERS_DATE_INVALID
                            .emit()
                            .detail("The Date field does not parse as an RFC 5322 date-time.")
                            .evidence(format!("Date: {}", truncate(&text, 200))),
                    );
                }
                Some(d) => {
                    let ts = d.to_timestamp();
                    r.date_unix = Some(ts);
                    let skew = ts.saturating_sub(now);
                    r.date_skew_secs = Some(skew);
                    if skew > DATE_FUTURE_TOLERANCE_SECS {
                        f.push(
                            cat::HEADERS_DATE_FUTURE
                                .emit()
                                .detail(format!("The Date is {} ahead of the analysis time.", human_duration(skew)))
                                .evidence(format!("Date: {text}")),
                        );
                    } else if -skew > DATE_MAX_AGE_DAYS * 86_400 {
                        f.push(
                            cat::HEADERS_DATE_OLD
                                .emit()
                                .detail(format!("The Date is {} older than the analysis time.", human_duration(-skew)))
                                .evidence(format!("Date: {text}")),
                        );
                    }
                }
            }
        }
    }

    // --- Message-ID (RFC 5322 §3.6.4) ------------------------------------------------
    match headers.get(HeaderName::MessageId) {
        None => f.push(cat::HEADERS_MESSAGE_ID_MISSING.emit()),
        Some(h) => {
            let text = lossy_trim(h.raw_value());
            r.message_id = Some(text.clone());
            match parse_msg_id(&text) {
                Ok(domain) => {
                    r.message_id_ok = true;
                    r.message_id_domain = Some(domain);
                }
                Err(why) => f.push(
                    cat::HEADERS_MESSAGE_ID_MALFORMED
                        .emit()
                        .detail(why)
                        .evidence(format!("Message-ID: {}", truncate(&text, 200))),
                ),
            }
        }
    }

    // --- recipients --------------------------------------------------------------
    r.to_count = msg.all_to().map(|l| count_mailboxes(&l)).sum();
    r.cc_count = msg.all_cc().map(|l| count_mailboxes(&l)).sum();

    // --- MIME-Version (RFC 2045 §4) -------------------------------------------------
    r.mime_version = headers.get(HeaderName::MimeVersion).map(|h| lossy_trim(h.raw_value()));
    let uses_mime = headers.contains(HeaderName::ContentType) || headers.contains(HeaderName::ContentTransferEncoding);
    match r.mime_version.as_deref() {
        None if uses_mime => f.push(cat::HEADERS_MIME_VERSION_MISSING.emit()),
        Some(v) if strip_comments(v).trim() != "1.0" => f.push(
            cat::HEADERS_MIME_VERSION_INVALID
                .emit()
                .detail(format!("MIME-Version is \"{}\"; the only defined value is 1.0.", truncate(v, 60))),
        ),
        _ => {}
    }

    // --- Subject -----------------------------------------------------------------------
    match headers.get(HeaderName::Subject) {
        None => f.push(cat::HEADERS_SUBJECT_MISSING.emit()),
        Some(h) => {
            let subject = h.value().as_text().map(str::to_string).unwrap_or_else(|| lossy_trim(h.raw_value()));
            let trimmed = subject.trim().to_string();
            if trimmed.is_empty() {
                f.push(cat::HEADERS_SUBJECT_EMPTY.emit());
            } else if is_all_caps(&trimmed) {
                f.push(cat::HEADERS_SUBJECT_ALL_CAPS.emit().evidence(format!("Subject: {}", truncate(&trimmed, 200))));
            }
            r.subject = Some(trimmed);
        }
    }

    r.rfc5322_ok = from_ok && date_ok && dup_ok && longest <= MAX_LINE_LEN;
    (r, f)
}

fn count_mailboxes(list: &mail_parser::AddressList) -> usize {
    list.iter()
        .map(|a| match a {
            Address::Mailbox(_) => 1,
            Address::Group(g) => g.len(),
        })
        .sum()
}

/// Validates `<id-left@id-right>` (RFC 5322 §3.6.4 msg-id, with RFC 6532 UTF-8
/// allowed) and returns the lower-cased right-hand side.
pub fn parse_msg_id(value: &str) -> Result<String, String> {
    let v = strip_comments(value);
    let v = v.trim();
    if v.is_empty() {
        return Err("Message-ID is empty.".into());
    }
    let inner = v
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .ok_or_else(|| "Message-ID is not enclosed in angle brackets <...>.".to_string())?;
    if inner.contains(['<', '>']) {
        return Err("Message-ID holds more than one identifier.".into());
    }
    if inner.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("Message-ID contains whitespace or control characters.".into());
    }
    let (left, right) =
        inner.rsplit_once('@').ok_or_else(|| "Message-ID has no '@' between id-left and id-right.".to_string())?;
    if left.is_empty() || right.is_empty() {
        return Err("Message-ID has an empty id-left or id-right.".into());
    }
    let left_ok = if left.starts_with('"') {
        left.len() >= 2 && left.ends_with('"') // obs-id-left quoted-string
    } else {
        is_dot_atom(left)
    };
    if !left_ok {
        return Err(format!("Message-ID id-left \"{}\" is not a dot-atom.", truncate(left, 60)));
    }
    let right_ok = if right.starts_with('[') {
        right.ends_with(']') // no-fold-literal
    } else {
        is_dot_atom(right)
    };
    if !right_ok {
        return Err(format!("Message-ID id-right \"{}\" is not a dot-atom or [literal].", truncate(right, 60)));
    }
    Ok(right.trim_end_matches('.').to_ascii_lowercase())
}

/// RFC 5322 §3.2.3 dot-atom-text (atext plus UTF-8 per RFC 6532 §3.2).
fn is_dot_atom(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && !s.ends_with('.')
        && !s.contains("..")
        && s.chars().all(|c| !c.is_ascii() || c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
}

/// Removes RFC 5322 comments `( ... )` without a trace (`1.0 (x)` → `1.0 `).
fn strip_comments(s: &str) -> String {
    super::hops::strip_comments_with(s, None)
}

/// At least 6 letters and none lower case.
fn is_all_caps(s: &str) -> bool {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 6 && letters.iter().all(|c| !c.is_lowercase()) && letters.iter().any(|c| c.is_uppercase())
}

/// The longest line (CRLF, LF or bare CR all end a line) and its text.
fn longest_line(block: &[u8]) -> (usize, Option<String>) {
    let mut best = 0usize;
    let mut best_start = 0usize;
    let mut start = 0usize;
    let mut i = 0usize;
    while i <= block.len() {
        let at_end = i == block.len();
        let b = block.get(i).copied().unwrap_or(b'\n');
        if at_end || b == b'\n' || b == b'\r' {
            let len = i - start;
            if len > best {
                best = len;
                best_start = start;
            }
            if !at_end && b == b'\r' && block.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    let line = if best > MAX_LINE_LEN {
        block.get(best_start..best_start + best).map(|l| String::from_utf8_lossy(l).into_owned())
    } else {
        None
    };
    (best, line)
}

/// RFC 6531 §4.3: `with UTF8SMTP`, `UTF8SMTPA`, `UTF8SMTPS`, `UTF8SMTPSA`
/// (also `UTF8ESMTP*` as some MTAs write it) in a Received field.
fn received_with_utf8(msg: &Message) -> bool {
    msg.headers().all(HeaderName::Received).take(64).any(|h| {
        let v = String::from_utf8_lossy(h.raw_value()).to_ascii_uppercase();
        v.split(|c: char| c.is_whitespace() || c == ';' || c == '(' || c == ')')
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w.first() == Some(&"WITH") && w.get(1).is_some_and(|p| p.starts_with("UTF8")))
    })
}

fn first_8bit_field(msg: &Message) -> Option<String> {
    msg.headers()
        .iter()
        .find(|h| h.raw_value().iter().any(|b| *b >= 0x80) || h.raw_name().bytes().any(|b| b >= 0x80))
        .map(|h| h.raw_name().to_string())
}

/// The raw value, unfolded and trimmed, lossily decoded as UTF-8.
pub(crate) fn lossy_trim(raw: &[u8]) -> String {
    let s = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(s.len());
    for part in s.split(['\r', '\n']) {
        if part.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part.trim());
    }
    out.trim().to_string()
}

/// Cuts `s` to at most `max` characters, adding `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

fn human_duration(secs: i64) -> String {
    let secs = secs.unsigned_abs();
    if secs < 3600 {
        format!("{} min", secs / 60)
    } else if secs < 2 * 86_400 {
        format!("{} h", secs / 3600)
    } else {
        format!("{} days", secs / 86_400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    const NOW: i64 = 1_700_000_000; // 2023-11-14T22:13:20Z

    fn run(raw: &str) -> (HeaderReport, Vec<Finding>) {
        let msg = MessageParser::new().parse(raw.as_bytes()).unwrap_or_default();
        check_headers(&msg, raw.as_bytes(), NOW)
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|x| x.id.as_str()).collect()
    }

    const GOOD: &str = "From: Ann <ann@example.com>\r\nTo: bob@example.org\r\nSubject: Hello there\r\nDate: Tue, 14 Nov 2023 22:00:00 +0000\r\nMessage-ID: <abc.123@mail.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHi\r\n";

    #[test]
    fn clean_message_has_no_findings() {
        let (r, f) = run(GOOD);
        assert!(f.is_empty(), "{:?}", ids(&f));
        assert!(r.rfc5322_ok && r.message_id_ok);
        let from = r.from.expect("from");
        assert_eq!(from.domain.as_deref(), Some("example.com"));
        assert_eq!(from.display_name.as_deref(), Some("Ann"));
        assert_eq!(r.message_id_domain.as_deref(), Some("mail.example.com"));
        assert_eq!(r.to_count, 1);
        assert_eq!(r.date_skew_secs, Some(-800));
    }

    #[test]
    fn missing_from_date_msgid_subject() {
        let (r, f) = run("To: bob@example.org\r\nX-Foo: bar\r\n\r\nbody\r\n");
        let ids = ids(&f);
        for id in
            ["headers.from_missing", "headers.date_missing", "headers.message_id_missing", "headers.subject_missing"]
        {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        assert!(!r.rfc5322_ok);
    }

    #[test]
    fn date_rules() {
        let future = GOOD.replace("Tue, 14 Nov 2023 22:00:00 +0000", "Wed, 15 Nov 2023 10:00:00 +0000");
        assert!(ids(&run(&future).1).contains(&"headers.date_future"));
        let within = GOOD.replace("Tue, 14 Nov 2023 22:00:00 +0000", "Tue, 14 Nov 2023 22:25:00 +0000");
        assert!(run(&within).1.is_empty());
        let old = GOOD.replace("Tue, 14 Nov 2023 22:00:00 +0000", "Mon, 1 May 2023 10:00:00 +0000");
        assert!(ids(&run(&old).1).contains(&"headers.date_old"));
        let bad = GOOD.replace("Tue, 14 Nov 2023 22:00:00 +0000", "yesterday at noon");
        let (r, f) = run(&bad);
        assert!(ids(&f).contains(&"headers.date_invalid"));
        assert!(!r.rfc5322_ok);
    }

    #[test]
    fn message_id_rules() {
        assert_eq!(parse_msg_id("<a.b@Example.COM>"), Ok("example.com".into()));
        assert_eq!(parse_msg_id(" <x@[127.0.0.1]> (comment)"), Ok("[127.0.0.1]".into()));
        assert!(parse_msg_id("a@b").is_err());
        assert!(parse_msg_id("<ab>").is_err());
        assert!(parse_msg_id("<a b@c>").is_err());
        assert!(parse_msg_id("<a..b@c>").is_err());
        assert!(parse_msg_id("<@c>").is_err());
        let bad = GOOD.replace("<abc.123@mail.example.com>", "abc123");
        let (r, f) = run(&bad);
        assert!(ids(&f).contains(&"headers.message_id_malformed"));
        assert!(!r.message_id_ok);
    }

    #[test]
    fn from_rules() {
        let two = GOOD.replace("From: Ann <ann@example.com>\r\n", "From: a@example.com\r\nFrom: b@example.net\r\n");
        let (r, f) = run(&two);
        assert_eq!(r.from_fields, 2);
        assert!(ids(&f).contains(&"headers.from_multiple"));
        let multi = GOOD.replace("From: Ann <ann@example.com>", "From: a@example.com, b@example.com");
        assert!(ids(&run(&multi).1).contains(&"headers.from_multiple_mailboxes"));
        let with_sender = multi.replace("To:", "Sender: a@example.com\r\nTo:");
        assert!(!ids(&run(&with_sender).1).contains(&"headers.from_multiple_mailboxes"));
        let noaddr = GOOD.replace("From: Ann <ann@example.com>", "From: Ann");
        assert!(ids(&run(&noaddr).1).contains(&"headers.from_invalid"));
    }

    #[test]
    fn sender_must_be_one_mailbox() {
        let two = GOOD.replace("To:", "Sender: a@example.com, b@example.com\r\nTo:");
        assert!(ids(&run(&two).1).contains(&"headers.sender_invalid"));
        let empty = GOOD.replace("To:", "Sender: \r\nTo:");
        assert!(ids(&run(&empty).1).contains(&"headers.sender_invalid"));
        let one = GOOD.replace("To:", "Sender: a@example.com\r\nTo:");
        let (r, f) = run(&one);
        assert!(f.is_empty(), "{:?}", ids(&f));
        assert_eq!(r.sender.and_then(|s| s.address).as_deref(), Some("a@example.com"));
    }

    #[test]
    fn reply_to_and_duplicates() {
        let rt = GOOD.replace("To:", "Reply-To: x@other.example.net\r\nTo:");
        assert!(ids(&run(&rt).1).contains(&"headers.reply_to_domain_differs"));
        let rt_same = GOOD.replace("To:", "Reply-To: x@support.example.com\r\nTo:");
        assert!(run(&rt_same).1.is_empty());
        let dup = GOOD.replace("Subject: Hello there\r\n", "Subject: a\r\nSubject: b\r\n");
        let (r, f) = run(&dup);
        assert!(ids(&f).contains(&"headers.duplicate_singleton"));
        assert!(!r.rfc5322_ok);
    }

    #[test]
    fn mime_subject_and_line_rules() {
        let nomime = GOOD.replace("MIME-Version: 1.0\r\n", "");
        assert!(ids(&run(&nomime).1).contains(&"headers.mime_version_missing"));
        let badmime = GOOD.replace("MIME-Version: 1.0", "MIME-Version: 2.0");
        assert!(ids(&run(&badmime).1).contains(&"headers.mime_version_invalid"));
        let caps = GOOD.replace("Hello there", "FREE MONEY NOW");
        assert!(ids(&run(&caps).1).contains(&"headers.subject_all_caps"));
        let empty = GOOD.replace("Subject: Hello there", "Subject: ");
        assert!(ids(&run(&empty).1).contains(&"headers.subject_empty"));
        let long = GOOD
            .replace("X-None", "")
            .replace("To: bob@example.org", &format!("To: bob@example.org\r\nX-Long: {}", "a".repeat(1200)));
        let (r, f) = run(&long);
        assert!(r.longest_line > 1200);
        assert!(ids(&f).contains(&"headers.line_too_long"));
    }

    #[test]
    fn eight_bit_headers() {
        let raw = GOOD.replace("Hello there", "Grüße");
        assert!(ids(&run(&raw).1).contains(&"headers.raw_8bit"));
        let with_utf8 = format!("Received: from a by b with UTF8SMTPS id 1; Tue, 14 Nov 2023 22:00:00 +0000\r\n{raw}");
        assert!(!ids(&run(&with_utf8).1).contains(&"headers.raw_8bit"));
        let encoded = GOOD.replace("Hello there", "=?utf-8?q?Gr=C3=BC=C3=9Fe?=");
        assert!(!ids(&run(&encoded).1).contains(&"headers.raw_8bit"));
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        for raw in [
            "",
            "\r\n\r\n",
            "no colon here",
            "From: a@b.c\rSubject: cr only\rDate: x\r\rbody",
            "From: a@b.c\nSubject: lf only\nDate: Tue, 14 Nov 2023 22:00:00 +0000\n\nbody",
            "From: a@b.c\r\nSubject: headers only\r\n",
            "\u{0}\u{1}\u{ff}garbage",
        ] {
            let msg = MessageParser::new().parse(raw.as_bytes()).unwrap_or_default();
            let (_r, _f) = check_headers(&msg, raw.as_bytes(), NOW);
        }
        let (_, f) = run("");
        assert_eq!(ids(&f), vec!["headers.none"]);
    }

    #[test]
    fn helpers() {
        assert_eq!(base_domain("mail.example.co.uk"), "example.co.uk");
        assert_eq!(base_domain("a.b.example.com."), "example.com");
        assert!(same_organization("news.example.com", "example.com"));
        assert!(!same_organization("example.com", "example.net"));
        assert_eq!(domain_of("Ann@Example.COM."), Some("example.com".into()));
        assert_eq!(domain_of("nobody"), None);
        let msg = MessageParser::new().parse(GOOD.as_bytes()).unwrap_or_default();
        assert_eq!(from_domain(&msg).as_deref(), Some("example.com"));
    }
}
