//! The `message/delivery-status` body of a DSN (RFC 3464 §2): a per-message
//! group, then one group per recipient, groups separated by blank lines, each a
//! list of header-style fields (folded lines allowed).

use serde::{Deserialize, Serialize};

/// At most this many recipient groups are read.
const MAX_RECIPIENTS: usize = 1000;
/// At most this many fields per group.
const MAX_FIELDS: usize = 100;

/// The parsed fields of a delivery-status body; names lower case, values unfolded.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DeliveryStatus {
    /// Per-message fields (Reporting-MTA, Arrival-Date, Original-Envelope-Id, ...).
    pub per_message: Vec<(String, String)>,
    /// Per-recipient groups.
    pub recipients: Vec<Vec<(String, String)>>,
}

/// Fields that only appear in per-recipient groups (RFC 3464 §2.3).
const RECIPIENT_FIELDS: &[&str] = &[
    "original-recipient",
    "final-recipient",
    "action",
    "status",
    "remote-mta",
    "diagnostic-code",
    "last-attempt-date",
    "final-log-id",
    "will-retry-until",
];

/// Parses a delivery-status body. Never fails: lines that are not fields are
/// skipped, and a document without blank lines is split where a field repeats.
pub fn parse_delivery_status(body: &str) -> DeliveryStatus {
    let mut groups: Vec<Vec<(String, String)>> = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for raw_line in super::smtp::split_lines(body).take(100_000) {
        if raw_line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
            continue;
        }
        if raw_line.starts_with([' ', '\t']) {
            if let Some((_, v)) = current.last_mut()
                && v.len() < 8192
            {
                v.push(' ');
                v.push_str(raw_line.trim());
            }
            continue;
        }
        let Some((name, value)) = raw_line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || name.contains(char::is_whitespace) {
            continue;
        }
        // a second Final-Recipient in the same group starts a new recipient
        if name == "final-recipient" && current.iter().any(|(n, _)| n == "final-recipient") {
            groups.push(std::mem::take(&mut current));
        }
        if current.len() < MAX_FIELDS {
            current.push((name, value.trim().to_string()));
        }
        if groups.len() > MAX_RECIPIENTS {
            break;
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    let mut out = DeliveryStatus::default();
    for g in groups {
        let is_recipient = g.iter().any(|(n, _)| RECIPIENT_FIELDS.contains(&n.as_str()));
        if is_recipient {
            // per-message fields written into a recipient group (no blank line)
            for (n, v) in g.iter().filter(|(n, _)| !RECIPIENT_FIELDS.contains(&n.as_str()) && !n.starts_with("x-")) {
                if !out.per_message.iter().any(|(pn, _)| pn == n) {
                    out.per_message.push((n.clone(), v.clone()));
                }
            }
            if out.recipients.len() < MAX_RECIPIENTS {
                out.recipients.push(g);
            }
        } else {
            out.per_message.extend(g);
        }
    }
    out
}

/// The value of a field in a group.
pub fn field<'a>(group: &'a [(String, String)], name: &str) -> Option<&'a str> {
    group.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Strips the `type;` prefix of an RFC 3464 typed value (`rfc822; a@b`,
/// `dns; mx.example.com`, `smtp; 550 ...`). Values without a plausible type token
/// are returned whole. Returns (type, value).
pub fn typed_value(v: &str) -> (Option<String>, String) {
    match v.split_once(';') {
        Some((t, rest)) if !t.trim().is_empty() && t.trim().len() <= 20 && !t.trim().contains(char::is_whitespace) => {
            (Some(t.trim().to_ascii_lowercase()), rest.trim().to_string())
        }
        _ => (None, v.trim().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3464_example() {
        let body = "Reporting-MTA: dns; cs.utk.edu\r\nArrival-Date: Wed, 12 Jul 2023 10:00:00 -0400\r\n\r\nOriginal-Recipient: rfc822;louisl@larry.slip.umd.edu\r\nFinal-Recipient: rfc822;louisl@larry.slip.umd.edu\r\nAction: failed\r\nStatus: 4.0.0\r\nDiagnostic-Code: smtp; 426 connection timed out\r\n  (retried)\r\n\r\nFinal-Recipient: rfc822;b@example.org\r\nAction: delayed\r\nStatus: 4.4.1\r\n";
        let d = parse_delivery_status(body);
        assert_eq!(field(&d.per_message, "reporting-mta"), Some("dns; cs.utk.edu"));
        assert_eq!(d.recipients.len(), 2);
        assert_eq!(field(&d.recipients[0], "diagnostic-code"), Some("smtp; 426 connection timed out (retried)"));
        assert_eq!(field(&d.recipients[1], "action"), Some("delayed"));
        assert_eq!(typed_value("rfc822;b@example.org"), (Some("rfc822".into()), "b@example.org".into()));
        assert_eq!(typed_value("Amazon SES did not send; see guide").0, None);
    }

    #[test]
    fn no_blank_lines_and_garbage() {
        let d = parse_delivery_status(
            "Reporting-MTA: dns; a\nFinal-Recipient: rfc822; x@a.b\nStatus: 5.1.1\nFinal-Recipient: rfc822; y@a.b\nStatus: 5.2.2\ngarbage line\n",
        );
        assert_eq!(d.recipients.len(), 2);
        assert_eq!(field(&d.per_message, "reporting-mta"), Some("dns; a"));
        assert!(parse_delivery_status("").recipients.is_empty());
        assert!(parse_delivery_status("\u{0}\u{1}::::\n   \n:").recipients.is_empty());
    }
}
