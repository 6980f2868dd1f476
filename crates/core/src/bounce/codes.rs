//! Enhanced mail system status codes (RFC 3463, IANA "SMTP Enhanced Status Codes"
//! registry, RFC 5248) and SMTP reply codes (RFC 5321 §4.2).

use serde::{Deserialize, Serialize};
use std::fmt;

/// An enhanced status code `class.subject.detail` (RFC 3463 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StatusCode {
    /// 2 (success), 4 (persistent transient failure) or 5 (permanent failure).
    pub class: u8,
    /// 0-999 (RFC 3463 §2: 1 to 3 digits).
    pub subject: u16,
    /// 0-999.
    pub detail: u16,
}

impl StatusCode {
    /// Parses `class.subject.detail` at the start of `s` (leading whitespace and a
    /// `#` allowed, trailing text ignored). RFC 3463 §2: class is 2, 4 or 5;
    /// subject and detail are 1-3 digits without leading zeros (zeros tolerated).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim_start().trim_start_matches('#');
        let mut parts = s.splitn(3, '.');
        let class_s = parts.next()?;
        let subject_s = parts.next()?;
        let rest = parts.next()?;
        let detail_s: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        // the detail must end the token (not "5.1.1a" / "5.1.1.2")
        let after = rest.get(detail_s.len()..).unwrap_or_default();
        let mut ac = after.chars();
        match (ac.next(), ac.next()) {
            (Some(c), _) if c.is_ascii_alphanumeric() => return None,
            (Some('.'), Some(d)) if d.is_ascii_digit() => return None,
            _ => {}
        }
        if class_s.len() != 1
            || subject_s.is_empty()
            || subject_s.len() > 3
            || detail_s.is_empty()
            || detail_s.len() > 3
        {
            return None;
        }
        if !subject_s.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let class: u8 = class_s.parse().ok()?;
        if !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(StatusCode { class, subject: subject_s.parse().ok()?, detail: detail_s.parse().ok()? })
    }

    /// Whether this is a permanent failure (class 5).
    pub fn is_permanent(&self) -> bool {
        self.class == 5
    }

    /// Same subject and detail, any class (`x.7.26`).
    pub fn is(&self, subject: u16, detail: u16) -> bool {
        self.subject == subject && self.detail == detail
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// The meaning of a status code, split in its three parts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StatusMeaning {
    /// The code as text (`5.1.1`).
    pub code: String,
    /// Class text (`Permanent Failure`).
    pub class: String,
    /// Subject text (`Addressing Status`).
    pub subject: String,
    /// Detail text (`Bad destination mailbox address`), or a generic text for an
    /// unregistered code.
    pub detail: String,
    /// Where the detail code is defined.
    pub reference: String,
    /// The detail is in the registry.
    pub registered: bool,
}

/// RFC 3463 §3.1: class sub-code.
pub fn class_text(class: u8) -> &'static str {
    match class {
        2 => "Success",
        4 => "Persistent Transient Failure",
        5 => "Permanent Failure",
        _ => "Unknown class",
    }
}

/// RFC 3463 §3.2: subject sub-code.
pub fn subject_text(subject: u16) -> &'static str {
    match subject {
        0 => "Other or Undefined Status",
        1 => "Addressing Status",
        2 => "Mailbox Status",
        3 => "Mail System Status",
        4 => "Network and Routing Status",
        5 => "Mail Delivery Protocol Status",
        6 => "Message Content or Media Status",
        7 => "Security or Policy Status",
        _ => "Unknown subject",
    }
}

/// The registered detail codes: `(subject, detail, text, reference)`.
pub const DETAILS: &[(u16, u16, &str, &str)] = &[
    (0, 0, "Other undefined Status", "RFC 3463 §3.1"),
    (1, 0, "Other address status", "RFC 3463 §3.2"),
    (1, 1, "Bad destination mailbox address", "RFC 3463 §3.2"),
    (1, 2, "Bad destination system address", "RFC 3463 §3.2"),
    (1, 3, "Bad destination mailbox address syntax", "RFC 3463 §3.2"),
    (1, 4, "Destination mailbox address ambiguous", "RFC 3463 §3.2"),
    (1, 5, "Destination address valid", "RFC 3463 §3.2"),
    (1, 6, "Destination mailbox has moved, No forwarding address", "RFC 3463 §3.2"),
    (1, 7, "Bad sender's mailbox address syntax", "RFC 3463 §3.2"),
    (1, 8, "Bad sender's system address", "RFC 3463 §3.2"),
    (1, 9, "Message relayed to non-compliant mailer", "RFC 3886"),
    (1, 10, "Recipient address has null MX", "RFC 7505 §4.2"),
    (2, 0, "Other or undefined mailbox status", "RFC 3463 §3.3"),
    (2, 1, "Mailbox disabled, not accepting messages", "RFC 3463 §3.3"),
    (2, 2, "Mailbox full", "RFC 3463 §3.3"),
    (2, 3, "Message length exceeds administrative limit", "RFC 3463 §3.3"),
    (2, 4, "Mailing list expansion problem", "RFC 3463 §3.3"),
    (3, 0, "Other or undefined mail system status", "RFC 3463 §3.4"),
    (3, 1, "Mail system full", "RFC 3463 §3.4"),
    (3, 2, "System not accepting network messages", "RFC 3463 §3.4"),
    (3, 3, "System not capable of selected features", "RFC 3463 §3.4"),
    (3, 4, "Message too big for system", "RFC 3463 §3.4"),
    (3, 5, "System incorrectly configured", "RFC 3463 §3.4"),
    (3, 6, "Requested priority was changed", "RFC 8098 / RFC 6710"),
    (4, 0, "Other or undefined network or routing status", "RFC 3463 §3.5"),
    (4, 1, "No answer from host", "RFC 3463 §3.5"),
    (4, 2, "Bad connection", "RFC 3463 §3.5"),
    (4, 3, "Directory server failure", "RFC 3463 §3.5"),
    (4, 4, "Unable to route", "RFC 3463 §3.5"),
    (4, 5, "Mail system congestion", "RFC 3463 §3.5"),
    (4, 6, "Routing loop detected", "RFC 3463 §3.5"),
    (4, 7, "Delivery time expired", "RFC 3463 §3.5"),
    (5, 0, "Other or undefined protocol status", "RFC 3463 §3.6"),
    (5, 1, "Invalid command", "RFC 3463 §3.6"),
    (5, 2, "Syntax error", "RFC 3463 §3.6"),
    (5, 3, "Too many recipients", "RFC 3463 §3.6"),
    (5, 4, "Invalid command arguments", "RFC 3463 §3.6"),
    (5, 5, "Wrong protocol version", "RFC 3463 §3.6"),
    (5, 6, "Authentication Exchange line is too long", "RFC 4954 §6"),
    (6, 0, "Other or undefined media error", "RFC 3463 §3.7"),
    (6, 1, "Media not supported", "RFC 3463 §3.7"),
    (6, 2, "Conversion required and prohibited", "RFC 3463 §3.7"),
    (6, 3, "Conversion required but not supported", "RFC 3463 §3.7"),
    (6, 4, "Conversion with loss performed", "RFC 3463 §3.7"),
    (6, 5, "Conversion Failed", "RFC 3463 §3.7"),
    (6, 6, "Message content not available", "RFC 4468 §5"),
    (6, 7, "Non-ASCII addresses not permitted for that sender/recipient", "RFC 6531 §3.5"),
    (6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client", "RFC 6531 §3.7.4.2"),
    (6, 9, "UTF-8 header message cannot be transferred to one or more recipients", "RFC 6531 §3.7.5"),
    (7, 0, "Other or undefined security status", "RFC 3463 §3.8"),
    (7, 1, "Delivery not authorized, message refused", "RFC 3463 §3.8"),
    (7, 2, "Mailing list expansion prohibited", "RFC 3463 §3.8"),
    (7, 3, "Security conversion required but not possible", "RFC 3463 §3.8"),
    (7, 4, "Security features not supported", "RFC 3463 §3.8"),
    (7, 5, "Cryptographic failure", "RFC 3463 §3.8"),
    (7, 6, "Cryptographic algorithm not supported", "RFC 3463 §3.8"),
    (7, 7, "Message integrity failure", "RFC 3463 §3.8"),
    (7, 8, "Authentication credentials invalid", "RFC 4954 §6"),
    (7, 9, "Authentication mechanism is too weak", "RFC 4954 §6"),
    (7, 10, "Encryption Needed", "RFC 5248 §2.4"),
    (7, 11, "Encryption required for requested authentication mechanism", "RFC 4954 §6"),
    (7, 12, "A password transition is needed", "RFC 4954 §6"),
    (7, 13, "User Account Disabled", "RFC 5248 §2.4"),
    (7, 14, "Trust relationship required", "RFC 5248 §2.4"),
    (7, 15, "Priority Level is too low", "RFC 6710 §5"),
    (7, 16, "Message is too big for the specified priority", "RFC 6710 §5"),
    (7, 17, "Mailbox owner has changed", "RFC 7293 §8"),
    (7, 18, "Domain owner has changed", "RFC 7293 §8"),
    (7, 19, "RRVS test cannot be completed", "RFC 7293 §8"),
    (7, 20, "No passing DKIM signature found", "RFC 7372 §3.1"),
    (7, 21, "No acceptable DKIM signature found", "RFC 7372 §3.1"),
    (7, 22, "No valid author-matched DKIM signature found", "RFC 7372 §3.1"),
    (7, 23, "SPF validation failed", "RFC 7372 §3.2"),
    (7, 24, "SPF validation error", "RFC 7372 §3.2"),
    (7, 25, "Reverse DNS validation failed", "RFC 7372 §3.3"),
    (7, 26, "Multiple authentication checks failed", "RFC 7372 §3.4"),
    (7, 27, "Sender address has null MX", "RFC 7505 §4.2"),
    (7, 28, "Mail flood detected", "IANA SMTP Enhanced Status Codes registry"),
    (7, 29, "ARC validation failure", "RFC 8617 §7.2.2"),
    (7, 30, "REQUIRETLS support required", "RFC 8689 §5"),
];

/// The registered text of `x.subject.detail`.
pub fn detail_text(subject: u16, detail: u16) -> Option<(&'static str, &'static str)> {
    DETAILS.iter().find(|(s, d, _, _)| *s == subject && *d == detail).map(|(_, _, t, r)| (*t, *r))
}

/// The meaning of a code: class, subject and detail texts (RFC 3463 §3).
pub fn meaning(code: StatusCode) -> StatusMeaning {
    let (detail, reference, registered) = match detail_text(code.subject, code.detail) {
        Some((t, r)) => (t.to_string(), r.to_string(), true),
        None => (
            format!("Unregistered detail {} of subject {}: {}", code.detail, code.subject, subject_text(code.subject)),
            "RFC 3463 §3".to_string(),
            false,
        ),
    };
    StatusMeaning {
        code: code.to_string(),
        class: class_text(code.class).to_string(),
        subject: subject_text(code.subject).to_string(),
        detail,
        reference,
        registered,
    }
}

/// The RFC 5321 §4.2.2/§4.2.3 meaning of a reply code (plus RFC 3207/4954/7504).
pub fn reply_code_text(code: u16) -> &'static str {
    match code {
        211 => "System status, or system help reply",
        214 => "Help message",
        220 => "Service ready",
        221 => "Service closing transmission channel",
        235 => "Authentication successful",
        250 => "Requested mail action okay, completed",
        251 => "User not local; will forward",
        252 => "Cannot VRFY user, but will accept message and attempt delivery",
        334 => "Server challenge (AUTH)",
        354 => "Start mail input; end with <CRLF>.<CRLF>",
        421 => "Service not available, closing transmission channel",
        432 => "A password transition is needed",
        450 => "Requested mail action not taken: mailbox unavailable (busy or temporarily blocked)",
        451 => "Requested action aborted: local error in processing",
        452 => "Requested action not taken: insufficient system storage",
        454 => "Temporary authentication failure, or TLS not available",
        455 => "Server unable to accommodate parameters",
        500 => "Syntax error, command unrecognized",
        501 => "Syntax error in parameters or arguments",
        502 => "Command not implemented",
        503 => "Bad sequence of commands",
        504 => "Command parameter not implemented",
        521 => "Host does not accept mail (null MX)",
        523 => "Encryption needed",
        530 => "Authentication required",
        534 => "Authentication mechanism is too weak",
        535 => "Authentication credentials invalid",
        538 => "Encryption required for requested authentication mechanism",
        550 => "Requested action not taken: mailbox unavailable or rejected by policy",
        551 => "User not local",
        552 => "Requested mail action aborted: exceeded storage allocation",
        553 => "Requested action not taken: mailbox name not allowed",
        554 => "Transaction failed (or no SMTP service here)",
        555 => "MAIL FROM/RCPT TO parameters not recognized or not implemented",
        556 => "Domain does not accept mail (null MX)",
        c if (200..300).contains(&c) => "Positive completion",
        c if (300..400).contains(&c) => "Positive intermediate",
        c if (400..500).contains(&c) => "Transient negative completion: try again later",
        c if (500..600).contains(&c) => "Permanent negative completion",
        _ => "Not an SMTP reply code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_codes() {
        assert_eq!(StatusCode::parse("5.1.1"), Some(StatusCode { class: 5, subject: 1, detail: 1 }));
        assert_eq!(StatusCode::parse(" 4.7.28 rest"), Some(StatusCode { class: 4, subject: 7, detail: 28 }));
        assert_eq!(StatusCode::parse("#5.7.515"), Some(StatusCode { class: 5, subject: 7, detail: 515 }));
        assert_eq!(StatusCode::parse("5.7.1;"), Some(StatusCode { class: 5, subject: 7, detail: 1 }));
        assert_eq!(StatusCode::parse("5.7.1."), Some(StatusCode { class: 5, subject: 7, detail: 1 }));
        assert_eq!(StatusCode::parse("3.1.1"), None);
        assert_eq!(StatusCode::parse("5.1"), None);
        assert_eq!(StatusCode::parse("5.1.1234"), None);
        assert_eq!(StatusCode::parse("5.1.1.2"), None);
        assert_eq!(StatusCode::parse("5.x.1"), None);
        assert_eq!(StatusCode::parse("123.042"), None);
        assert_eq!(StatusCode::parse(""), None);
    }

    #[test]
    fn meanings() {
        let m = meaning(StatusCode { class: 5, subject: 1, detail: 1 });
        assert_eq!(m.class, "Permanent Failure");
        assert_eq!(m.subject, "Addressing Status");
        assert_eq!(m.detail, "Bad destination mailbox address");
        assert!(m.registered);
        let m = meaning(StatusCode { class: 5, subject: 7, detail: 26 });
        assert_eq!(m.detail, "Multiple authentication checks failed");
        assert_eq!(m.reference, "RFC 7372 §3.4");
        let m = meaning(StatusCode { class: 5, subject: 7, detail: 515 });
        assert!(!m.registered);
        assert_eq!(m.subject, "Security or Policy Status");
        assert_eq!(reply_code_text(550), "Requested action not taken: mailbox unavailable or rejected by policy");
        assert_eq!(reply_code_text(499), "Transient negative completion: try again later");
        // every subject 0..=7 has an x.y.0 entry
        for s in 0..=7 {
            assert!(detail_text(s, 0).is_some(), "{s}.0 missing");
        }
    }
}
