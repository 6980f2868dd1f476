//! Likely cause of a failed delivery, from the reply code, the enhanced status
//! code (RFC 3463) and the reply text, with provider-specific patterns for Gmail,
//! Microsoft (Outlook.com / Exchange Online), Yahoo and Amazon SES.

use super::codes::StatusCode;
use serde::{Deserialize, Serialize};

/// What most likely caused the bounce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BounceCause {
    /// SPF / DKIM / DMARC / ARC failed or missing.
    Auth,
    /// The sending IP or domain is on a blocklist.
    Blocklist,
    /// The recipient address does not exist (or is disabled).
    MailboxUnknown,
    /// The recipient's mailbox is over quota.
    MailboxFull,
    /// Too much mail too fast, or reputation-based throttling.
    RateLimit,
    /// Temporary rejection of a first delivery attempt (greylisting).
    Greylisting,
    /// Refused by a local policy rule.
    Policy,
    /// Refused because of what the message contains (virus, attachment, ...).
    Content,
    /// Classified as spam / bad reputation.
    Spam,
    /// TLS required but not used.
    Tls,
    /// DNS problem (domain does not exist, no MX, null MX, no PTR).
    Dns,
    /// The message is too large.
    Size,
    /// The server does not relay for the sender.
    RelayDenied,
    /// Connection problem or delivery time expired.
    Network,
    /// The delivery succeeded (a success DSN).
    Delivered,
    /// Nothing recognisable.
    Unknown,
}

impl BounceCause {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            BounceCause::Auth => "auth",
            BounceCause::Blocklist => "blocklist",
            BounceCause::MailboxUnknown => "mailbox_unknown",
            BounceCause::MailboxFull => "mailbox_full",
            BounceCause::RateLimit => "rate_limit",
            BounceCause::Greylisting => "greylisting",
            BounceCause::Policy => "policy",
            BounceCause::Content => "content",
            BounceCause::Spam => "spam",
            BounceCause::Tls => "tls",
            BounceCause::Dns => "dns",
            BounceCause::Size => "size",
            BounceCause::RelayDenied => "relay_denied",
            BounceCause::Network => "network",
            BounceCause::Delivered => "delivered",
            BounceCause::Unknown => "unknown",
        }
    }

    /// A plain explanation of the cause.
    pub fn explanation(self) -> &'static str {
        match self {
            BounceCause::Auth => {
                "The receiver could not authenticate the message: SPF, DKIM or DMARC failed, or the From domain is not aligned with an authenticated domain (RFC 7489 §3.1). Gmail, Yahoo and Microsoft reject unauthenticated mail."
            }
            BounceCause::Blocklist => {
                "The sending IP address or domain is listed on a blocklist (DNSBL/RHSBL such as Spamhaus) or on the receiver's own block list, so mail from it is refused."
            }
            BounceCause::MailboxUnknown => {
                "The recipient address does not exist at the receiving domain, or the mailbox was disabled (RFC 3463 X.1.1 / X.2.1). This is a hard bounce."
            }
            BounceCause::MailboxFull => {
                "The recipient's mailbox is over its storage quota (RFC 3463 X.2.2). It may clear when the recipient deletes mail."
            }
            BounceCause::RateLimit => {
                "The receiver is throttling your mail: too many messages or connections in a short time, or a reputation-based limit. 4xx replies are retried by your server."
            }
            BounceCause::Greylisting => {
                "The receiver temporarily refused the first attempt from an unknown sender (greylisting); a standards-compliant MTA retries and the retry is accepted."
            }
            BounceCause::Policy => {
                "A local policy of the receiving system refused the message (RFC 3463 X.7.1 \"Delivery not authorized, message refused\")."
            }
            BounceCause::Content => {
                "The receiver refused the message because of what it contains: a virus, a blocked attachment type, or content rules (RFC 3463 X.6.x / X.7.1)."
            }
            BounceCause::Spam => {
                "The receiver's filter classified the message or the sender as spam, or the sender's reputation is too low."
            }
            BounceCause::Tls => {
                "The receiver (or the message) requires an encrypted TLS connection and the delivery did not use one (RFC 3207; RFC 3463 X.7.10; RFC 8689 X.7.30)."
            }
            BounceCause::Dns => {
                "A DNS lookup failed: the recipient domain does not exist or has no usable MX (RFC 3463 X.1.2 / X.4.4), it publishes a null MX (RFC 7505), or the sending IP lacks reverse DNS."
            }
            BounceCause::Size => {
                "The message is larger than the receiver accepts (RFC 1870 SIZE; RFC 3463 X.3.4 / X.2.3)."
            }
            BounceCause::RelayDenied => {
                "The server refused to relay: it does not accept mail for that recipient domain from you (RFC 5321 §3.6.2), typically because the client did not authenticate with SMTP AUTH."
            }
            BounceCause::Network => {
                "The sending server could not reach the receiver (no answer, connection refused or dropped) or gave up after the retry period (RFC 3463 X.4.1 / X.4.2 / X.4.7)."
            }
            BounceCause::Delivered => {
                "The report says the message was delivered, relayed or expanded: it is a success notification, not a failure (RFC 3464 §2.3.3)."
            }
            BounceCause::Unknown => {
                "The reply does not match a known pattern; read the diagnostic text for the receiver's reason."
            }
        }
    }

    /// The generic fix for the cause.
    pub fn fix(self) -> &'static str {
        match self {
            BounceCause::Auth => {
                "Make SPF and DKIM pass and align with the From domain: authorize the sending service in SPF (\"v=spf1 include:<provider> -all\"), enable DKIM signing with d=<your domain>, publish \"_dmarc.<your domain> TXT \\\"v=DMARC1; p=none; rua=mailto:dmarc@<your domain>\\\"\", then verify with `inboxlens analyze` on a message you sent."
            }
            BounceCause::Blocklist => {
                "Look the sending IP and domain up on the list named in the reply (https://check.spamhaus.org for Spamhaus), fix the cause (compromised account, open relay, purchased list), then request delisting. Send through a reputable IP meanwhile."
            }
            BounceCause::MailboxUnknown => {
                "Remove the address from your list (it will bounce every time) and check it for typos; repeated mail to unknown users harms your sender reputation."
            }
            BounceCause::MailboxFull => {
                "Retry later (your server does so for a 4xx). If it persists for several days, treat the address as inactive and suppress it."
            }
            BounceCause::RateLimit => {
                "Slow down for this receiver: fewer parallel connections and messages per connection, keep retrying 4xx replies, warm up new IPs gradually, and check complaint rates (Google Postmaster Tools, Microsoft SNDS)."
            }
            BounceCause::Greylisting => {
                "Nothing to fix: let your MTA retry (after a few minutes, from the same IP). The message is accepted on a later attempt."
            }
            BounceCause::Policy => {
                "Read the receiver's text for the rule that matched; if unclear, contact postmaster@<recipient domain> with the full bounce."
            }
            BounceCause::Content => {
                "Remove what the receiver objects to (blocked attachment types, suspicious links, malware) and resend; share files through a link instead of attaching them."
            }
            BounceCause::Spam => {
                "Authenticate (SPF, DKIM, DMARC), mail only recipients who opted in, remove URL shorteners and suspicious links, and watch your reputation in Google Postmaster Tools / Microsoft SNDS."
            }
            BounceCause::Tls => {
                "Enable STARTTLS with a valid certificate on the sending MTA (Postfix: \"smtp_tls_security_level = may\", or \"encrypt\" for this destination)."
            }
            BounceCause::Dns => {
                "Check the recipient domain for typos and that it has MX records (dig MX <domain>); for your own sending IP publish a PTR record that resolves back to it."
            }
            BounceCause::Size => {
                "Send smaller messages: link to large files instead of attaching them (most receivers accept 20-25 MB including the base64 overhead)."
            }
            BounceCause::RelayDenied => {
                "Submit mail through your own provider on port 587 with SMTP AUTH, or deliver directly to the recipient domain's MX; do not relay through a server that does not serve you."
            }
            BounceCause::Network => {
                "Usually temporary: your server keeps retrying. If it persists, check the recipient's MX hosts accept connections on port 25 and that your outbound port 25 is not blocked."
            }
            BounceCause::Delivered => "Nothing to fix.",
            BounceCause::Unknown => {
                "Read the diagnostic text and contact postmaster@<recipient domain> with the full bounce if the reason is unclear."
            }
        }
    }
}

/// A provider-specific pattern that matched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ProviderMatch {
    /// `gmail`, `microsoft`, `yahoo`, `amazon_ses`.
    pub provider: String,
    /// Stable pattern id (`gmail_5_7_26`, `microsoft_s3150`, ...).
    pub pattern: String,
    /// The cause this pattern implies.
    pub cause: BounceCause,
    /// What the provider means by it.
    pub explanation: String,
    /// The concrete fix.
    pub fix: String,
    /// The provider's documentation.
    pub reference: String,
}

/// Which provider wrote a reply: the words that give it away, per provider, first match wins.
pub const PROVIDER_TELLTALES: &[(&str, &[&str])] = &[
    ("gmail", &["gsmtp", "support.google.com", "google.com"]),
    (
        "microsoft",
        &[
            "outlook.com",
            "hotmail",
            "sender.office.com",
            "prod.outlook",
            "protection.outlook",
            "(s3150)",
            "(s3140)",
            "exchangelabs",
            "microsoft",
            "aka.ms/exosmtperrors",
            "resolver.adr.",
            "resolver.rst.",
        ],
    ),
    ("yahoo", &["yahoo", "[tss0", "[ph01]", "aol.com"]),
    ("amazon_ses", &["amazon ses", "amazonses"]),
];

/// Which provider wrote the reply, from tell-tale words ([`PROVIDER_TELLTALES`]).
pub fn detect_provider(lower: &str) -> Option<&'static str> {
    PROVIDER_TELLTALES.iter().find(|(_, words)| words.iter().any(|w| lower.contains(w))).map(|(p, _)| *p)
}

/// One condition of a provider rule; a rule matches when any of its conditions does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The enhanced status code (RFC 3463) has this subject and a detail in `details`
    /// (inclusive), of class `class` or of any class; and, if given, the text contains `text`.
    Code {
        /// 2, 4 or 5; `None` for any.
        class: Option<u8>,
        /// The subject.
        subject: u16,
        /// The detail range, inclusive.
        details: (u16, u16),
        /// Words the lower-case text must also contain.
        text: Option<&'static str>,
    },
    /// The lower-case text contains these words.
    Text(&'static str),
}

impl When {
    /// Whether the condition holds for a reply's status code and lower-case text.
    pub fn holds(&self, status: Option<StatusCode>, lower: &str) -> bool {
        match *self {
            When::Code { class, subject, details: (lo, hi), text } => {
                status.is_some_and(|c| {
                    class.is_none_or(|k| k == c.class) && c.subject == subject && (lo..=hi).contains(&c.detail)
                }) && text.is_none_or(|t| lower.contains(t))
            }
            When::Text(t) => lower.contains(t),
        }
    }
}

const fn st(subject: u16, detail: u16) -> When {
    When::Code { class: None, subject, details: (detail, detail), text: None }
}

const fn st_text(subject: u16, detail: u16, text: &'static str) -> When {
    When::Code { class: None, subject, details: (detail, detail), text: Some(text) }
}

const fn txt(text: &'static str) -> When {
    When::Text(text)
}

/// A provider-specific reply pattern: data, so the bounce explainer, the SMTP probe's judge
/// and the mailbox verifier read replies the same way ("no such user" vs "blocked").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderRule {
    /// `gmail`, `microsoft`, `yahoo`, `amazon_ses` (a key of [`PROVIDER_TELLTALES`]).
    pub provider: &'static str,
    /// Stable pattern id (`gmail_5_7_26`, `microsoft_s3150`, ...).
    pub pattern: &'static str,
    /// The rule matches when any of these holds.
    pub when: &'static [When],
    /// What the reply means.
    pub cause: BounceCause,
    /// With [`BounceCause::MailboxUnknown`]: the mailbox exists but is disabled (RFC 3463 X.2.1).
    /// The bounce cause folds the two together (both are hard bounces); the mailbox verifier
    /// keeps them apart (`mailbox_disabled` vs `mailbox_not_found`).
    pub disabled: bool,
    /// What the provider means by it.
    pub explanation: &'static str,
    /// The concrete fix.
    pub fix: &'static str,
    /// The provider's documentation (the source).
    pub reference: &'static str,
}

impl ProviderRule {
    /// The rule as the report's [`ProviderMatch`].
    pub fn to_match(&self) -> ProviderMatch {
        ProviderMatch {
            provider: self.provider.into(),
            pattern: self.pattern.into(),
            cause: self.cause,
            explanation: self.explanation.into(),
            fix: self.fix.into(),
            reference: self.reference.into(),
        }
    }
}

const GMAIL_REF: &str = "Google: Gmail SMTP errors and codes (support.google.com/a/answer/3726730); Email sender guidelines (support.google.com/a/answer/81126)";
const MS_REF: &str = "Microsoft: Fix NDR 550 5.7.515 / Outlook.com postmaster (sender.office.com)";
const EXO_541_REF: &str = "Microsoft Learn: Fix NDR error 550 5.4.1 in Exchange Online \
     (learn.microsoft.com/exchange/troubleshoot/email-delivery/ndr/fix-error-code-550-5-4-1-in-exchange-online): \
     Directory-Based Edge Blocking rejects recipients not in the organization's directory";
const EXO_5110_REF: &str = "Microsoft Learn: Fix NDR error 550 5.1.10 in Exchange Online \
     (learn.microsoft.com/exchange/troubleshoot/email-delivery/ndr/fix-error-code-550-5-1-10-in-exchange-online): \
     RESOLVER.ADR.RecipientNotFound, the recipient is not in the directory (not RFC 7505's null MX)";
const YAHOO_REF: &str = "Yahoo Sender Hub: SMTP error codes (senders.yahooinc.com/smtp-error-codes)";

/// The provider rules, in precedence order within each provider.
pub const PROVIDER_RULES: &[ProviderRule] = &[
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_5_7_26",
        when: &[st(7, 26), txt("unauthenticated")],
        cause: BounceCause::Auth,
        disabled: false,
        explanation: "Gmail blocked the message as unauthenticated: neither SPF nor DKIM passed for the From domain (DMARC), which Gmail requires of all senders since 2024.",
        fix: "Make DKIM pass with d=<your From domain> and SPF pass for the Return-Path domain; publish DMARC (\"_dmarc.<domain> TXT \\\"v=DMARC1; p=none\\\"\"). Check the Authentication-Results of a test message to Gmail.",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_x_7_27",
        when: &[st(7, 27)],
        cause: BounceCause::Auth,
        disabled: false,
        explanation: "Gmail: the message did not pass SPF (Gmail uses x.7.27 for SPF failures of bulk senders).",
        fix: "Authorize the sending IP in the SPF record of the MAIL FROM domain, e.g. \"v=spf1 ip4:<sending IP> include:<provider> ~all\".",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_x_7_30",
        when: &[st(7, 30)],
        cause: BounceCause::Auth,
        disabled: false,
        explanation: "Gmail: the message did not pass DKIM, which Gmail requires of bulk senders.",
        fix: "Sign every message with DKIM (2048-bit key, d=<your domain>) and publish the key at <selector>._domainkey.<domain>.",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_dmarc_missing",
        when: &[st(7, 31), st(7, 40)],
        cause: BounceCause::Auth,
        disabled: false,
        explanation: "Gmail: the From domain publishes no DMARC policy, required for bulk senders.",
        fix: "Publish \"_dmarc.<domain> TXT \\\"v=DMARC1; p=none; rua=mailto:dmarc@<domain>\\\"\".",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_x_7_32",
        when: &[st(7, 32)],
        cause: BounceCause::Auth,
        disabled: false,
        explanation: "Gmail: the From domain is not aligned with the SPF or DKIM domain (DMARC alignment), required for bulk senders.",
        fix: "Sign with DKIM d=<your From domain>, or use a Return-Path under your From domain that passes SPF.",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_x_7_28",
        when: &[st(7, 28), txt("unusual rate of unsolicited")],
        cause: BounceCause::RateLimit,
        disabled: false,
        explanation: "Gmail detected an unusual rate of unsolicited mail from your IP or domain and is rate limiting it.",
        fix: "Reduce volume to Gmail, stop mailing unengaged or purchased lists, make sure every message is authenticated, and watch the spam rate in Google Postmaster Tools (keep it under 0.3%).",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_tls",
        when: &[st(7, 29), txt("tls connection")],
        cause: BounceCause::Tls,
        disabled: false,
        explanation: "Gmail requires bulk mail to be sent over TLS.",
        fix: "Enable STARTTLS on the sending MTA (Postfix: \"smtp_tls_security_level = may\").",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_ptr",
        when: &[st(7, 25), txt("ptr record")],
        cause: BounceCause::Dns,
        disabled: false,
        explanation: "Gmail: the sending IP has no PTR record, or its PTR does not resolve back to the IP.",
        fix: "Set a PTR for the sending IP (ask the IP owner) to a name whose A/AAAA record points back to the IP.",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_gcdp",
        when: &[txt("gcdp")],
        cause: BounceCause::Policy,
        disabled: false,
        explanation: "A custom rule of the recipient's Google Workspace administrator refused the message (gcdp).",
        fix: "Contact the recipient organization's administrator.",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_reputation",
        when: &[txt("low reputation"), txt("likely unsolicited"), txt("likely suspicious")],
        cause: BounceCause::Spam,
        disabled: false,
        explanation: "Gmail judged the message or the sending IP/domain to have too low a reputation (likely unsolicited mail).",
        fix: "Authenticate, send only to opted-in recipients, lower volume, and monitor Google Postmaster Tools; reputation recovers slowly.",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_disabled",
        when: &[txt("the email account that you tried to reach is disabled")],
        cause: BounceCause::MailboxUnknown,
        disabled: true,
        explanation: "Gmail: the account exists but is disabled (\"The email account that you tried to reach is disabled\", 5.2.1); mail to it bounces.",
        fix: "Remove the address from your list, or ask the recipient for a working address.",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "gmail",
        pattern: "gmail_recipient_rate",
        when: &[st_text(2, 1, "rate"), txt("receiving mail at a rate"), txt("receiving mail too quickly")],
        cause: BounceCause::RateLimit,
        disabled: false,
        explanation: "The Gmail recipient is receiving mail faster than Gmail allows; the message is deferred.",
        fix: "Nothing to change on your side; your MTA retries. Avoid bursts to the same recipient.",
        reference: GMAIL_REF,
    },
    ProviderRule {
        provider: "microsoft",
        pattern: "microsoft_s3150",
        when: &[txt("s3150"), txt("s3140"), txt("on our block list")],
        cause: BounceCause::Blocklist,
        disabled: false,
        explanation: "Outlook.com has the sending IP (or part of its network) on its block list.",
        fix: "Request delisting at https://sender.office.com (Outlook.com delist portal) and fix the cause; enroll the IP in Microsoft SNDS to watch its reputation.",
        reference: MS_REF,
    },
    ProviderRule {
        provider: "microsoft",
        pattern: "microsoft_5_7_515",
        when: &[st(7, 515)],
        cause: BounceCause::Auth,
        disabled: false,
        explanation: "Outlook.com (since May 2025) rejects high-volume mail whose From domain does not pass SPF, DKIM and DMARC: \"sending domain does not meet the required authentication level\".",
        fix: "Make SPF and DKIM both pass and publish DMARC at least p=none aligned with SPF or DKIM: \"_dmarc.<domain> TXT \\\"v=DMARC1; p=none; rua=mailto:dmarc@<domain>\\\"\".",
        reference: MS_REF,
    },
    ProviderRule {
        provider: "microsoft",
        pattern: "microsoft_5_7_509",
        when: &[st(7, 509), txt("does not pass dmarc")],
        cause: BounceCause::Auth,
        disabled: false,
        explanation: "Microsoft: the sending domain failed DMARC and its policy is reject.",
        fix: "Make the message pass DMARC (aligned SPF or DKIM for the From domain).",
        reference: MS_REF,
    },
    ProviderRule {
        provider: "microsoft",
        pattern: "microsoft_banned",
        when: &[st(7, 511), st(7, 606), st(7, 708), txt("banned sender")],
        cause: BounceCause::Blocklist,
        disabled: false,
        explanation: "Microsoft has banned the sending IP or domain (5.7.511 / 5.7.606 / 5.7.708).",
        fix: "Request delisting (https://sender.office.com, or the Microsoft 365 delist portal for Exchange Online) after fixing the cause.",
        reference: MS_REF,
    },
    ProviderRule {
        provider: "microsoft",
        pattern: "microsoft_rate_limit",
        when: &[
            When::Code { class: Some(4), subject: 7, details: (650, 652), text: None },
            txt("temporarily rate limited"),
        ],
        cause: BounceCause::RateLimit,
        disabled: false,
        explanation: "Outlook.com is rate limiting the sending IP because of its reputation (4.7.650-4.7.652).",
        fix: "Slow down, keep retrying, improve list hygiene; check the IP in Microsoft SNDS.",
        reference: MS_REF,
    },
    ProviderRule {
        provider: "microsoft",
        pattern: "microsoft_recipient_not_found",
        when: &[txt("recipientnotfound"), st(1, 10)],
        cause: BounceCause::MailboxUnknown,
        disabled: false,
        explanation: "Exchange Online: the recipient address was not found in the recipient's directory.",
        fix: "Remove or correct the address.",
        reference: EXO_5110_REF,
    },
    ProviderRule {
        provider: "microsoft",
        pattern: "microsoft_directory_miss",
        when: &[When::Code { class: Some(5), subject: 4, details: (1, 1), text: Some("access denied") }],
        cause: BounceCause::MailboxUnknown,
        disabled: false,
        explanation: "Exchange Online (Directory-Based Edge Blocking): the recipient is not in the receiving organization's directory. \"550 5.4.1 Recipient address rejected: Access denied\" means there is no such mailbox there; it is not a block of the sender.",
        fix: "Remove or correct the address; nothing to fix on the sending side.",
        reference: EXO_541_REF,
    },
    ProviderRule {
        provider: "microsoft",
        pattern: "microsoft_5_7_57",
        when: &[st(7, 57), txt("client not authenticated")],
        cause: BounceCause::RelayDenied,
        disabled: false,
        explanation: "Exchange Online: the client did not authenticate before sending (SMTP AUTH required for submission).",
        fix: "Authenticate to smtp.office365.com:587 with SMTP AUTH, or use a connector.",
        reference: MS_REF,
    },
    ProviderRule {
        provider: "yahoo",
        pattern: "yahoo_tss04",
        when: &[txt("tss04")],
        cause: BounceCause::RateLimit,
        disabled: false,
        explanation: "Yahoo temporarily deferred mail from the IP because of unexpected volume or user complaints ([TSS04]).",
        fix: "Slow down and keep retrying; reduce complaints (one-click unsubscribe, opted-in recipients); check Yahoo's Complaint Feedback Loop.",
        reference: YAHOO_REF,
    },
    ProviderRule {
        provider: "yahoo",
        pattern: "yahoo_tss09",
        when: &[txt("tss09")],
        cause: BounceCause::Blocklist,
        disabled: false,
        explanation: "Yahoo permanently deferred mail from the IP ([TSS09]) because of poor reputation.",
        fix: "Fix the cause and contact Yahoo through the Sender Hub support form.",
        reference: YAHOO_REF,
    },
    ProviderRule {
        provider: "yahoo",
        pattern: "yahoo_ph01",
        when: &[txt("ph01")],
        cause: BounceCause::Policy,
        disabled: false,
        explanation: "Yahoo refused the message for policy reasons ([PH01]), usually content or URL reputation.",
        fix: "Check links and domains in the message against blocklists (Spamhaus DBL, SURBL); remove URL shorteners.",
        reference: YAHOO_REF,
    },
    ProviderRule {
        provider: "yahoo",
        pattern: "yahoo_mailbox_disabled",
        when: &[txt("this mailbox is disabled (554.30)"), txt("mailbox is disabled")],
        cause: BounceCause::MailboxUnknown,
        disabled: true,
        explanation: "Yahoo: the mailbox exists but is disabled (554.30, an inactive account); mail to it bounces.",
        fix: "Remove the address from your list; Yahoo deletes long-inactive accounts.",
        reference: YAHOO_REF,
    },
    ProviderRule {
        provider: "yahoo",
        pattern: "yahoo_user_unknown",
        when: &[txt("this user doesn't have a"), txt("user doesn't have a yahoo")],
        cause: BounceCause::MailboxUnknown,
        disabled: false,
        explanation: "Yahoo: the address does not exist (\"dd This user doesn't have a yahoo.com account\"); it is a hard bounce, not a block.",
        fix: "Remove the address from your list; check it for typos.",
        reference: YAHOO_REF,
    },
    ProviderRule {
        provider: "yahoo",
        pattern: "yahoo_spamhaus",
        when: &[txt("bl21"), txt("bl22"), txt("bl23"), txt("spamhaus")],
        cause: BounceCause::Blocklist,
        disabled: false,
        explanation: "Yahoo refused the connection because the sending IP is on a Spamhaus list ([BL21]-[BL23]).",
        fix: "Look the IP up at https://check.spamhaus.org and request removal after fixing the cause.",
        reference: YAHOO_REF,
    },
    ProviderRule {
        provider: "yahoo",
        pattern: "yahoo_5_7_9",
        when: &[st(7, 9), txt("not accepted for policy reasons")],
        cause: BounceCause::Auth,
        disabled: false,
        explanation: "Yahoo rejected the message for policy reasons; with 5.7.9 this is a DMARC failure of the From domain.",
        fix: "Make the message pass DMARC: aligned DKIM (d=<From domain>) or aligned SPF.",
        reference: YAHOO_REF,
    },
    ProviderRule {
        provider: "amazon_ses",
        pattern: "ses_suppression_list",
        when: &[txt("suppression list")],
        cause: BounceCause::MailboxUnknown,
        disabled: false,
        explanation: "Amazon SES did not even try: the address is on the account's suppression list because it hard-bounced or complained before.",
        fix: "Remove the address from your list. If it is valid again, remove it from the SES account-level suppression list (aws sesv2 delete-suppressed-destination --email-address <address>).",
        reference: "Amazon SES Developer Guide: account-level suppression list",
    },
];

/// The first rule of the reply's provider that matches.
pub fn provider_rule(status: Option<StatusCode>, lower: &str) -> Option<&'static ProviderRule> {
    let provider = detect_provider(lower)?;
    PROVIDER_RULES.iter().filter(|r| r.provider == provider).find(|r| r.when.iter().any(|w| w.holds(status, lower)))
}

/// Provider-specific patterns (they take precedence over the generic rules).
pub fn provider_pattern(status: Option<StatusCode>, lower: &str) -> Option<ProviderMatch> {
    provider_rule(status, lower).map(ProviderRule::to_match)
}

fn any(lower: &str, words: &[&str]) -> bool {
    words.iter().any(|w| lower.contains(w))
}

/// The likely cause, from the provider patterns, then the status code, then words
/// of the text, then the code classes. `lower` is the reply text in lower case.
pub fn classify(code: Option<u16>, status: Option<StatusCode>, lower: &str) -> (BounceCause, Option<ProviderMatch>) {
    if let Some(p) = provider_pattern(status, lower) {
        return (p.cause, Some(p));
    }
    (generic(code, status, lower), None)
}

fn generic(code: Option<u16>, status: Option<StatusCode>, lower: &str) -> BounceCause {
    use BounceCause::*;
    // Success notifications.
    if status.is_some_and(|s| s.class == 2) || code.is_some_and(|c| (200..300).contains(&c)) {
        return Delivered;
    }
    // Specific enhanced codes first (RFC 3463, RFC 7372, RFC 7505, RFC 8689).
    if let Some(s) = status {
        let c = match (s.subject, s.detail) {
            (1, 1) | (1, 6) | (2, 1) | (1, 3) => Some(MailboxUnknown),
            (1, 2) | (1, 10) | (4, 4) | (4, 3) | (7, 27) | (7, 25) => Some(Dns),
            (2, 2) => Some(MailboxFull),
            (2, 3) | (3, 4) => Some(Size),
            (4, 1) | (4, 2) | (4, 7) => Some(Network),
            (7, 10) | (7, 30) | (7, 11) => Some(Tls),
            (7, 5..=7) | (7, 20..=24) | (7, 26) | (7, 29) => Some(Auth),
            (7, 28) => Some(RateLimit),
            (6, _) => Some(Content),
            _ => None,
        };
        if let Some(c) = c {
            // a "user unknown" code with blocklist words is still about the address;
            // but relay refusals are sometimes sent as 5.1.1/5.7.1: words decide those.
            if !(matches!(c, MailboxUnknown) && any(lower, &["relay"])) {
                return c;
            }
        }
    }
    if any(
        lower,
        &[
            "requiretls",
            "tls required",
            "must issue a starttls",
            "starttls is required",
            "encryption required",
            "must use tls",
            "tls is required",
        ],
    ) {
        return Tls;
    }
    if any(
        lower,
        &[
            "spamhaus",
            "blocklist",
            "block list",
            "blacklist",
            "black list",
            "blocked using",
            "listed at",
            "listed in",
            "listed by",
            "dnsbl",
            " rbl",
            "spamcop",
            "barracuda",
            "sorbs",
            "uceprotect",
            "psbl",
        ],
    ) {
        return Blocklist;
    }
    if any(
        lower,
        &[
            "relay access denied",
            "relaying denied",
            "relay not permitted",
            "unable to relay",
            "relaying not allowed",
            "relay denied",
            "not permitted to relay",
            "we do not relay",
            "relay not allowed",
        ],
    ) || (lower.contains("relay") && any(lower, &["denied", "not permitted", "not allowed", "prohibited"]))
        || code == Some(530)
        || (lower.contains("authentication required") && !any(lower, &["dkim", "spf", "dmarc"]))
    {
        return RelayDenied;
    }
    if any(
        lower,
        &[
            "dmarc",
            "spf",
            "dkim",
            "unauthenticated",
            "not authenticated",
            "authentication check",
            "sender authentication",
            "arc validation",
            "sender policy framework",
            "domainkeys",
        ],
    ) {
        return Auth;
    }
    if any(lower, &["greylist", "graylist", "grey-list", "gray-list", "greylisted", "try again later, closing"]) {
        return Greylisting;
    }
    if any(
        lower,
        &[
            "user unknown",
            "unknown user",
            "does not exist",
            "doesn't exist",
            "no such user",
            "no such mailbox",
            "recipient not found",
            "invalid recipient",
            "recipient unknown",
            "unknown recipient",
            "mailbox unavailable",
            "mailbox not found",
            "no mailbox",
            "address rejected",
            "unrouteable address",
            "not a valid mailbox",
            "account disabled",
            "account has been disabled",
            "inactive user",
            "user not found",
            "address not found",
            "mailbox is disabled",
            "undeliverable address",
            "unknown address",
        ],
    ) {
        return MailboxUnknown;
    }
    if any(
        lower,
        &[
            "mailbox full",
            "mailbox is full",
            "over quota",
            "quota exceeded",
            "exceeded storage",
            "insufficient storage",
            "out of storage",
            "mailbox size limit",
            "user is over",
        ],
    ) {
        return MailboxFull;
    }
    if any(
        lower,
        &[
            "message size",
            "too large",
            "too big",
            "size limit",
            "exceeds the maximum size",
            "message length exceeds",
            "size exceeds",
        ],
    ) {
        return Size;
    }
    if any(
        lower,
        &[
            "host not found",
            "domain not found",
            "name service error",
            "nxdomain",
            "no mx",
            "mx record",
            "name or service not known",
            "dns",
            "unrouteable",
            "no such domain",
            "domain does not exist",
            "null mx",
            "does not accept mail",
        ],
    ) {
        return Dns;
    }
    if any(
        lower,
        &[
            "too many",
            "rate limit",
            "ratelimit",
            "rate-limit",
            "throttl",
            "exceeded the maximum number",
            "too fast",
            "slow down",
            "frequency",
            "rate of",
            "sending rate",
            "connection limit",
        ],
    ) {
        return RateLimit;
    }
    if any(
        lower,
        &[
            "connection timed out",
            "connection refused",
            "no route to host",
            "network is unreachable",
            "connection reset",
            "lost connection",
            "timed out",
            "delivery time expired",
            "retry timeout exceeded",
        ],
    ) {
        return Network;
    }
    if any(
        lower,
        &[
            "virus",
            "malware",
            "infected",
            "attachment",
            "content rejected",
            "message content",
            "prohibited content",
            "banned content",
            "file type",
            "phishing",
            "url reputation",
            "uri blocklist",
        ],
    ) {
        return Content;
    }
    if any(lower, &["spam", "unsolicited", "junk", "bulk mail", "reputation", "suspicious", "scam"]) {
        return Spam;
    }
    if let Some(s) = status
        && s.subject == 7
    {
        return if s.class == 4 { RateLimit } else { Policy };
    }
    if code == Some(421) {
        return RateLimit;
    }
    if lower.contains("policy") || code == Some(554) && lower.contains("reject") {
        return Policy;
    }
    Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_known_provider_and_a_unique_pattern() {
        let mut seen = std::collections::HashSet::new();
        for r in PROVIDER_RULES {
            assert!(PROVIDER_TELLTALES.iter().any(|(p, _)| *p == r.provider), "{}", r.pattern);
            assert!(seen.insert(r.pattern), "duplicate {}", r.pattern);
            assert!(!r.when.is_empty());
        }
    }

    fn cause(code: u16, status: &str, text: &str) -> (BounceCause, Option<String>) {
        let (c, p) = classify(Some(code), StatusCode::parse(status), &text.to_ascii_lowercase());
        (c, p.map(|p| p.pattern))
    }

    #[test]
    fn generic_causes() {
        use BounceCause::*;
        assert_eq!(cause(550, "5.1.1", "<a@b.c>: Recipient address rejected: User unknown").0, MailboxUnknown);
        assert_eq!(cause(552, "5.2.2", "Mailbox full").0, MailboxFull);
        assert_eq!(
            cause(554, "5.7.1", "Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org").0,
            Blocklist
        );
        assert_eq!(cause(554, "5.7.1", "<x@y.z>: Relay access denied").0, RelayDenied);
        assert_eq!(cause(550, "5.7.1", "Email rejected per DMARC policy for example.com").0, Auth);
        assert_eq!(cause(451, "4.7.1", "Greylisted, please try again in 300 seconds").0, Greylisting);
        assert_eq!(cause(421, "4.7.0", "Too many concurrent connections").0, RateLimit);
        assert_eq!(cause(421, "", "Service not available").0, RateLimit);
        assert_eq!(cause(552, "5.3.4", "Message size exceeds fixed limit").0, Size);
        assert_eq!(cause(550, "5.1.2", "Host or domain name not found").0, Dns);
        assert_eq!(cause(550, "5.7.10", "REQUIRETLS needed").0, Tls);
        assert_eq!(cause(530, "5.7.0", "Must issue a STARTTLS command first").0, Tls);
        assert_eq!(cause(554, "5.7.1", "Message rejected as spam by Content Filtering").0, Spam);
        assert_eq!(cause(550, "5.7.1", "Message refused").0, Policy);
        assert_eq!(cause(554, "5.6.0", "Message contains invalid header").0, Content);
        assert_eq!(cause(550, "5.7.23", "SPF validation failed").0, Auth);
        assert_eq!(cause(250, "2.0.0", "OK").0, Delivered);
        assert_eq!(cause(550, "", "computer says no").0, Unknown);
    }

    #[test]
    fn provider_patterns() {
        use BounceCause::*;
        assert_eq!(
            cause(550, "5.7.26", "This mail is unauthenticated ... - gsmtp"),
            (Auth, Some("gmail_5_7_26".into()))
        );
        assert_eq!(cause(550, "5.7.27", "SPF did not pass - gsmtp"), (Auth, Some("gmail_x_7_27".into())));
        assert_eq!(
            cause(421, "4.7.28", "unusual rate of unsolicited mail - gsmtp"),
            (RateLimit, Some("gmail_x_7_28".into()))
        );
        assert_eq!(
            cause(
                550,
                "5.7.1",
                "Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."
            ),
            (Blocklist, Some("microsoft_s3150".into()))
        );
        assert_eq!(
            cause(
                550,
                "5.7.515",
                "Access denied, sending domain [example.com] does not meet the required authentication level. outlook.com"
            ),
            (Auth, Some("microsoft_5_7_515".into()))
        );
        assert_eq!(
            cause(
                421,
                "4.7.0",
                "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"
            ),
            (RateLimit, Some("yahoo_tss04".into()))
        );
        assert_eq!(
            cause(
                554,
                "",
                "Message not allowed - [PH01] Email not accepted for policy reasons. Please visit https://postmaster.yahooinc.com/error-codes"
            ),
            (Policy, Some("yahoo_ph01".into()))
        );
        assert_eq!(
            cause(
                550,
                "5.1.1",
                "Amazon SES did not send the message to this address because it is on the suppression list"
            )
            .1
            .as_deref(),
            Some("ses_suppression_list")
        );
        // Directory misses are "no such user", never "blocked" (shared with the mailbox verifier).
        assert_eq!(
            cause(
                550,
                "5.4.1",
                "Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [AM4PEPF00027A5D.eurprd04.prod.outlook.com]"
            ),
            (MailboxUnknown, Some("microsoft_directory_miss".into()))
        );
        assert_eq!(
            cause(
                554,
                "",
                "delivery error: dd This user doesn't have a yahoo.com account (x@yahoo.com) [0] - mta1234.mail.yahoo.com"
            ),
            (MailboxUnknown, Some("yahoo_user_unknown".into()))
        );
        // A transient 4.4.1 from Microsoft is not a directory miss.
        assert_ne!(cause(451, "4.4.1", "access denied outlook.com").1.as_deref(), Some("microsoft_directory_miss"));
        // a Gmail 5.1.1 falls through to the generic rule
        assert_eq!(
            cause(550, "5.1.1", "The email account that you tried to reach does not exist. - gsmtp"),
            (MailboxUnknown, None)
        );
    }
}
