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

/// Which provider wrote the reply, from tell-tale words.
pub fn detect_provider(lower: &str) -> Option<&'static str> {
    if lower.contains("gsmtp") || lower.contains("support.google.com") || lower.contains("google.com") {
        Some("gmail")
    } else if lower.contains("outlook.com")
        || lower.contains("hotmail")
        || lower.contains("sender.office.com")
        || lower.contains("prod.outlook")
        || lower.contains("protection.outlook")
        || lower.contains("(s3150)")
        || lower.contains("(s3140)")
        || lower.contains("exchangelabs")
        || lower.contains("microsoft")
    {
        Some("microsoft")
    } else if lower.contains("yahoo")
        || lower.contains("[tss0")
        || lower.contains("[ph01]")
        || lower.contains("aol.com")
    {
        Some("yahoo")
    } else if lower.contains("amazon ses") || lower.contains("amazonses") {
        Some("amazon_ses")
    } else {
        None
    }
}

fn pm(
    provider: &str,
    pattern: &str,
    cause: BounceCause,
    explanation: &str,
    fix: &str,
    reference: &str,
) -> Option<ProviderMatch> {
    Some(ProviderMatch {
        provider: provider.into(),
        pattern: pattern.into(),
        cause,
        explanation: explanation.into(),
        fix: fix.into(),
        reference: reference.into(),
    })
}

const GMAIL_REF: &str = "Google: Gmail SMTP errors and codes (support.google.com/a/answer/3726730); Email sender guidelines (support.google.com/a/answer/81126)";
const MS_REF: &str = "Microsoft: Fix NDR 550 5.7.515 / Outlook.com postmaster (sender.office.com)";
const YAHOO_REF: &str = "Yahoo Sender Hub: SMTP error codes (senders.yahooinc.com/smtp-error-codes)";

/// Provider-specific patterns (they take precedence over the generic rules).
pub fn provider_pattern(status: Option<StatusCode>, lower: &str) -> Option<ProviderMatch> {
    let st = |s: u16, d: u16| status.is_some_and(|c| c.is(s, d));
    let provider = detect_provider(lower)?;
    match provider {
        "gmail" => {
            if st(7, 26) || lower.contains("unauthenticated") {
                return pm(
                    "gmail",
                    "gmail_5_7_26",
                    BounceCause::Auth,
                    "Gmail blocked the message as unauthenticated: neither SPF nor DKIM passed for the From domain (DMARC), which Gmail requires of all senders since 2024.",
                    "Make DKIM pass with d=<your From domain> and SPF pass for the Return-Path domain; publish DMARC (\"_dmarc.<domain> TXT \\\"v=DMARC1; p=none\\\"\"). Check the Authentication-Results of a test message to Gmail.",
                    GMAIL_REF,
                );
            }
            if st(7, 27) {
                return pm(
                    "gmail",
                    "gmail_x_7_27",
                    BounceCause::Auth,
                    "Gmail: the message did not pass SPF (Gmail uses x.7.27 for SPF failures of bulk senders).",
                    "Authorize the sending IP in the SPF record of the MAIL FROM domain, e.g. \"v=spf1 ip4:<sending IP> include:<provider> ~all\".",
                    GMAIL_REF,
                );
            }
            if st(7, 30) {
                return pm(
                    "gmail",
                    "gmail_x_7_30",
                    BounceCause::Auth,
                    "Gmail: the message did not pass DKIM, which Gmail requires of bulk senders.",
                    "Sign every message with DKIM (2048-bit key, d=<your domain>) and publish the key at <selector>._domainkey.<domain>.",
                    GMAIL_REF,
                );
            }
            if st(7, 31) || st(7, 40) {
                return pm(
                    "gmail",
                    "gmail_dmarc_missing",
                    BounceCause::Auth,
                    "Gmail: the From domain publishes no DMARC policy, required for bulk senders.",
                    "Publish \"_dmarc.<domain> TXT \\\"v=DMARC1; p=none; rua=mailto:dmarc@<domain>\\\"\".",
                    GMAIL_REF,
                );
            }
            if st(7, 32) {
                return pm(
                    "gmail",
                    "gmail_x_7_32",
                    BounceCause::Auth,
                    "Gmail: the From domain is not aligned with the SPF or DKIM domain (DMARC alignment), required for bulk senders.",
                    "Sign with DKIM d=<your From domain>, or use a Return-Path under your From domain that passes SPF.",
                    GMAIL_REF,
                );
            }
            if st(7, 28) || lower.contains("unusual rate of unsolicited") {
                return pm(
                    "gmail",
                    "gmail_x_7_28",
                    BounceCause::RateLimit,
                    "Gmail detected an unusual rate of unsolicited mail from your IP or domain and is rate limiting it.",
                    "Reduce volume to Gmail, stop mailing unengaged or purchased lists, make sure every message is authenticated, and watch the spam rate in Google Postmaster Tools (keep it under 0.3%).",
                    GMAIL_REF,
                );
            }
            if st(7, 29) || lower.contains("tls connection") {
                return pm(
                    "gmail",
                    "gmail_tls",
                    BounceCause::Tls,
                    "Gmail requires bulk mail to be sent over TLS.",
                    "Enable STARTTLS on the sending MTA (Postfix: \"smtp_tls_security_level = may\").",
                    GMAIL_REF,
                );
            }
            if st(7, 25) || lower.contains("ptr record") {
                return pm(
                    "gmail",
                    "gmail_ptr",
                    BounceCause::Dns,
                    "Gmail: the sending IP has no PTR record, or its PTR does not resolve back to the IP.",
                    "Set a PTR for the sending IP (ask the IP owner) to a name whose A/AAAA record points back to the IP.",
                    GMAIL_REF,
                );
            }
            if lower.contains("gcdp") {
                return pm(
                    "gmail",
                    "gmail_gcdp",
                    BounceCause::Policy,
                    "A custom rule of the recipient's Google Workspace administrator refused the message (gcdp).",
                    "Contact the recipient organization's administrator.",
                    GMAIL_REF,
                );
            }
            if lower.contains("low reputation")
                || lower.contains("likely unsolicited")
                || lower.contains("likely suspicious")
            {
                return pm(
                    "gmail",
                    "gmail_reputation",
                    BounceCause::Spam,
                    "Gmail judged the message or the sending IP/domain to have too low a reputation (likely unsolicited mail).",
                    "Authenticate, send only to opted-in recipients, lower volume, and monitor Google Postmaster Tools; reputation recovers slowly.",
                    GMAIL_REF,
                );
            }
            if st(2, 1) && lower.contains("rate")
                || lower.contains("receiving mail at a rate")
                || lower.contains("receiving mail too quickly")
            {
                return pm(
                    "gmail",
                    "gmail_recipient_rate",
                    BounceCause::RateLimit,
                    "The Gmail recipient is receiving mail faster than Gmail allows; the message is deferred.",
                    "Nothing to change on your side; your MTA retries. Avoid bursts to the same recipient.",
                    GMAIL_REF,
                );
            }
            None
        }
        "microsoft" => {
            if lower.contains("s3150") || lower.contains("s3140") || lower.contains("on our block list") {
                return pm(
                    "microsoft",
                    "microsoft_s3150",
                    BounceCause::Blocklist,
                    "Outlook.com has the sending IP (or part of its network) on its block list.",
                    "Request delisting at https://sender.office.com (Outlook.com delist portal) and fix the cause; enroll the IP in Microsoft SNDS to watch its reputation.",
                    MS_REF,
                );
            }
            if status.is_some_and(|c| c.subject == 7 && c.detail == 515) {
                return pm(
                    "microsoft",
                    "microsoft_5_7_515",
                    BounceCause::Auth,
                    "Outlook.com (since May 2025) rejects high-volume mail whose From domain does not pass SPF, DKIM and DMARC: \"sending domain does not meet the required authentication level\".",
                    "Make SPF and DKIM both pass and publish DMARC at least p=none aligned with SPF or DKIM: \"_dmarc.<domain> TXT \\\"v=DMARC1; p=none; rua=mailto:dmarc@<domain>\\\"\".",
                    MS_REF,
                );
            }
            if status.is_some_and(|c| c.subject == 7 && c.detail == 509) || lower.contains("does not pass dmarc") {
                return pm(
                    "microsoft",
                    "microsoft_5_7_509",
                    BounceCause::Auth,
                    "Microsoft: the sending domain failed DMARC and its policy is reject.",
                    "Make the message pass DMARC (aligned SPF or DKIM for the From domain).",
                    MS_REF,
                );
            }
            if status.is_some_and(|c| c.subject == 7 && matches!(c.detail, 511 | 606 | 708))
                || lower.contains("banned sender")
            {
                return pm(
                    "microsoft",
                    "microsoft_banned",
                    BounceCause::Blocklist,
                    "Microsoft has banned the sending IP or domain (5.7.511 / 5.7.606 / 5.7.708).",
                    "Request delisting (https://sender.office.com, or the Microsoft 365 delist portal for Exchange Online) after fixing the cause.",
                    MS_REF,
                );
            }
            if status.is_some_and(|c| c.class == 4 && c.subject == 7 && (650..=652).contains(&c.detail))
                || lower.contains("temporarily rate limited")
            {
                return pm(
                    "microsoft",
                    "microsoft_rate_limit",
                    BounceCause::RateLimit,
                    "Outlook.com is rate limiting the sending IP because of its reputation (4.7.650-4.7.652).",
                    "Slow down, keep retrying, improve list hygiene; check the IP in Microsoft SNDS.",
                    MS_REF,
                );
            }
            if lower.contains("recipientnotfound") || st(1, 10) {
                return pm(
                    "microsoft",
                    "microsoft_recipient_not_found",
                    BounceCause::MailboxUnknown,
                    "Exchange Online: the recipient address was not found in the recipient's directory.",
                    "Remove or correct the address.",
                    MS_REF,
                );
            }
            if st(7, 57) || lower.contains("client not authenticated") {
                return pm(
                    "microsoft",
                    "microsoft_5_7_57",
                    BounceCause::RelayDenied,
                    "Exchange Online: the client did not authenticate before sending (SMTP AUTH required for submission).",
                    "Authenticate to smtp.office365.com:587 with SMTP AUTH, or use a connector.",
                    MS_REF,
                );
            }
            None
        }
        "yahoo" => {
            if lower.contains("tss04") {
                return pm(
                    "yahoo",
                    "yahoo_tss04",
                    BounceCause::RateLimit,
                    "Yahoo temporarily deferred mail from the IP because of unexpected volume or user complaints ([TSS04]).",
                    "Slow down and keep retrying; reduce complaints (one-click unsubscribe, opted-in recipients); check Yahoo's Complaint Feedback Loop.",
                    YAHOO_REF,
                );
            }
            if lower.contains("tss09") {
                return pm(
                    "yahoo",
                    "yahoo_tss09",
                    BounceCause::Blocklist,
                    "Yahoo permanently deferred mail from the IP ([TSS09]) because of poor reputation.",
                    "Fix the cause and contact Yahoo through the Sender Hub support form.",
                    YAHOO_REF,
                );
            }
            if lower.contains("ph01") {
                return pm(
                    "yahoo",
                    "yahoo_ph01",
                    BounceCause::Policy,
                    "Yahoo refused the message for policy reasons ([PH01]), usually content or URL reputation.",
                    "Check links and domains in the message against blocklists (Spamhaus DBL, SURBL); remove URL shorteners.",
                    YAHOO_REF,
                );
            }
            if lower.contains("bl21") || lower.contains("bl22") || lower.contains("bl23") || lower.contains("spamhaus")
            {
                return pm(
                    "yahoo",
                    "yahoo_spamhaus",
                    BounceCause::Blocklist,
                    "Yahoo refused the connection because the sending IP is on a Spamhaus list ([BL21]-[BL23]).",
                    "Look the IP up at https://check.spamhaus.org and request removal after fixing the cause.",
                    YAHOO_REF,
                );
            }
            if st(7, 9) || lower.contains("not accepted for policy reasons") {
                return pm(
                    "yahoo",
                    "yahoo_5_7_9",
                    BounceCause::Auth,
                    "Yahoo rejected the message for policy reasons; with 5.7.9 this is a DMARC failure of the From domain.",
                    "Make the message pass DMARC: aligned DKIM (d=<From domain>) or aligned SPF.",
                    YAHOO_REF,
                );
            }
            None
        }
        "amazon_ses" => {
            if lower.contains("suppression list") {
                return pm(
                    "amazon_ses",
                    "ses_suppression_list",
                    BounceCause::MailboxUnknown,
                    "Amazon SES did not even try: the address is on the account's suppression list because it hard-bounced or complained before.",
                    "Remove the address from your list. If it is valid again, remove it from the SES account-level suppression list (aws sesv2 delete-suppressed-destination --email-address <address>).",
                    "Amazon SES Developer Guide: account-level suppression list",
                );
            }
            None
        }
        _ => None,
    }
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
        // a Gmail 5.1.1 falls through to the generic rule
        assert_eq!(
            cause(550, "5.1.1", "The email account that you tried to reach does not exist. - gsmtp"),
            (MailboxUnknown, None)
        );
    }
}
