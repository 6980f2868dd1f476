//! The result contract of one verified address (issue 11, "The contract"): the JSON of
//! `inboxlens verify --jsonl`, `/api/verify` and the added columns of the cleaned CSV.
//! Field names and enum words are stable: checks outside this repository read them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The overall answer for one address: what a list owner should do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The receiver accepted the mailbox (and the domain is not catch-all): keep it.
    Deliverable,
    /// The receiver or DNS says mail cannot be delivered (no such mailbox, no mail domain, bad
    /// syntax): remove it.
    Undeliverable,
    /// Deliverable today but likely to hurt (full mailbox, catch-all domain, disposable domain).
    Risky,
    /// No answer about the mailbox itself (blocked, rate-limited, greylisted past the budget,
    /// timeouts): keep it and try again later. Never read as "invalid".
    Unknown,
}

impl Verdict {
    /// The stable word (`deliverable`, ...), as in the JSON and the CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Deliverable => "deliverable",
            Verdict::Undeliverable => "undeliverable",
            Verdict::Risky => "risky",
            Verdict::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the verdict is what it is: a stable id (issue 11, "Reasons").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// RCPT TO was accepted (2xx) on a domain that rejects random local parts.
    MailboxExists,
    /// The receiver says the mailbox does not exist (5.1.1, "user unknown", provider texts).
    MailboxNotFound,
    /// Over quota (5.2.2 / 4.2.2).
    MailboxFull,
    /// The mailbox exists but is disabled (5.2.1).
    MailboxDisabled,
    /// The domain accepts any local part (the random probe was accepted).
    CatchAll,
    /// The domain is on the disposable-domain list.
    Disposable,
    /// A role address (postmaster, info, sales, ...); an existing one stays deliverable.
    Role,
    /// The domain takes no mail: null MX (RFC 7505), NXDOMAIN, or no MX and no address.
    NoMailDomain,
    /// The address is not valid RFC 5321/5322 syntax.
    Syntax,
    /// Still greylisted when the wait budget (`--max-wait-s`) ran out.
    Greylisted,
    /// The receiver refuses us (5.7.x policy, DNSBL text, client access denied), not the mailbox.
    Blocked,
    /// The receiver throttled us (421, "too many connections") until the budget ran out.
    RateLimited,
    /// The receiver requires STARTTLS and it could not be used (530 5.7.0).
    TlsRequired,
    /// No answer in time (connect, banner or a command).
    Timeout,
    /// Any other SMTP failure that says nothing about the mailbox.
    SmtpError,
    /// The address needs SMTPUTF8 (RFC 6531) and the receiver does not advertise it.
    Smtputf8Unsupported,
    /// Syntax and mail domain are fine; the mailbox was not asked (`--no-smtp`).
    MailboxNotChecked,
}

impl Reason {
    /// The stable id (`mailbox_not_found`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MailboxExists => "mailbox_exists",
            Reason::MailboxNotFound => "mailbox_not_found",
            Reason::MailboxFull => "mailbox_full",
            Reason::MailboxDisabled => "mailbox_disabled",
            Reason::CatchAll => "catch_all",
            Reason::Disposable => "disposable",
            Reason::Role => "role",
            Reason::NoMailDomain => "no_mail_domain",
            Reason::Syntax => "syntax",
            Reason::Greylisted => "greylisted",
            Reason::Blocked => "blocked",
            Reason::RateLimited => "rate_limited",
            Reason::TlsRequired => "tls_required",
            Reason::Timeout => "timeout",
            Reason::SmtpError => "smtp_error",
            Reason::Smtputf8Unsupported => "smtputf8_unsupported",
            Reason::MailboxNotChecked => "mailbox_not_checked",
        }
    }

    /// The verdict a reason implies. The one place this mapping lives: a reason that says
    /// nothing about the mailbox (blocked, rate limits, timeouts, ...) is `unknown`, never
    /// `undeliverable` (issue 11: calling a blocked probe invalid deletes real customers).
    pub fn verdict(self) -> Verdict {
        match self {
            Reason::MailboxExists | Reason::Role => Verdict::Deliverable,
            Reason::MailboxNotFound | Reason::MailboxDisabled | Reason::NoMailDomain | Reason::Syntax => {
                Verdict::Undeliverable
            }
            Reason::MailboxFull | Reason::CatchAll | Reason::Disposable => Verdict::Risky,
            Reason::Greylisted
            | Reason::Blocked
            | Reason::RateLimited
            | Reason::TlsRequired
            | Reason::Timeout
            | Reason::SmtpError
            | Reason::MailboxNotChecked => Verdict::Unknown,
            // RFC 6531 §3.2: a message to a non-ASCII address cannot be delivered through a
            // server without SMTPUTF8 (it must bounce); the receiver told us it has none, so the
            // address is undeliverable there whether or not a mailbox of that name exists.
            Reason::Smtputf8Unsupported => Verdict::Undeliverable,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SMTP answer that decided the verdict, as the server wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpEvidence {
    /// The three-digit reply code (RFC 5321 §4.2).
    pub code: u16,
    /// The enhanced status code (RFC 3463), e.g. `5.1.1`, when the reply carried one.
    pub enhanced_code: Option<String>,
    /// The reply text, lines joined with a space, code prefixes removed.
    pub reply: String,
}

/// The result for one address: the issue 11 contract, field for field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResult {
    /// The address as given (trimmed of surrounding whitespace only).
    pub address: String,
    /// The normalized address (domain lower-cased, A-label form), or null when the syntax is
    /// invalid.
    pub normalized: Option<String>,
    /// What to do with the address.
    pub verdict: Verdict,
    /// Why (stable id).
    pub reason: Reason,
    /// One human sentence, citing the server's reply when there was one.
    pub detail: String,
    /// The MX host that gave the deciding answer.
    pub mx: Option<String>,
    /// The deciding SMTP answer.
    pub smtp: Option<SmtpEvidence>,
    /// Whether the domain accepts any local part; null when not probed or not known.
    pub catch_all: Option<bool>,
    /// The domain is on the disposable-domain list.
    pub disposable: bool,
    /// The local part is a role name (postmaster, info, sales, ...).
    pub role: bool,
    /// The domain is a free mailbox provider (gmail.com, ...).
    pub free: bool,
    /// RCPT attempts made for this address (0 without SMTP).
    pub attempts: u32,
    /// Time from the first to the last step for this address, in milliseconds.
    pub duration_ms: u64,
}

impl VerifyResult {
    /// A result whose verdict follows its reason ([`Reason::verdict`]), with empty flags and
    /// counters the caller fills in.
    pub fn new(
        address: impl Into<String>,
        normalized: Option<String>,
        reason: Reason,
        detail: impl Into<String>,
    ) -> Self {
        VerifyResult {
            address: address.into(),
            normalized,
            verdict: reason.verdict(),
            reason,
            detail: detail.into(),
            mx: None,
            smtp: None,
            catch_all: None,
            disposable: false,
            role: false,
            free: false,
            attempts: 0,
            duration_ms: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_field_names_and_words_follow_the_contract() {
        let mut r = VerifyResult::new("A@Example.com", Some("A@example.com".into()), Reason::MailboxNotFound, "x");
        r.smtp = Some(SmtpEvidence { code: 550, enhanced_code: Some("5.1.1".into()), reply: "no".into() });
        let v = serde_json::to_value(&r).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        for k in [
            "address",
            "normalized",
            "verdict",
            "reason",
            "detail",
            "mx",
            "smtp",
            "catch_all",
            "disposable",
            "role",
            "free",
            "attempts",
            "duration_ms",
        ] {
            assert!(keys.contains(&k), "missing {k} in {keys:?}");
        }
        assert_eq!(v["verdict"], "undeliverable");
        assert_eq!(v["reason"], "mailbox_not_found");
        assert_eq!(v["smtp"]["enhanced_code"], "5.1.1");
        assert!(v["catch_all"].is_null());
        let back: VerifyResult = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn every_reason_serializes_to_its_stable_id_and_policy_reasons_are_unknown() {
        let all = [
            Reason::MailboxExists,
            Reason::MailboxNotFound,
            Reason::MailboxFull,
            Reason::MailboxDisabled,
            Reason::CatchAll,
            Reason::Disposable,
            Reason::Role,
            Reason::NoMailDomain,
            Reason::Syntax,
            Reason::Greylisted,
            Reason::Blocked,
            Reason::RateLimited,
            Reason::TlsRequired,
            Reason::Timeout,
            Reason::SmtpError,
            Reason::Smtputf8Unsupported,
            Reason::MailboxNotChecked,
        ];
        for r in all {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for r in [Reason::Blocked, Reason::RateLimited, Reason::Greylisted, Reason::Timeout, Reason::TlsRequired] {
            assert_eq!(r.verdict(), Verdict::Unknown, "{r}");
        }
        assert_eq!(Reason::MailboxFull.verdict(), Verdict::Risky);
        assert_eq!(Reason::CatchAll.verdict(), Verdict::Risky);
        assert_eq!(Reason::Role.verdict(), Verdict::Deliverable);
        for v in [Verdict::Deliverable, Verdict::Undeliverable, Verdict::Risky, Verdict::Unknown] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
    }
}
