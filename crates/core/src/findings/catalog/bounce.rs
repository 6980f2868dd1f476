//! Catalog entries: bounce (`bounce.*`), one per likely cause of a failed delivery,
//! as classified by [`crate::bounce`]. The bounce explainer replaces the default fix
//! with the provider-specific one when a pattern matched.

crate::findings! {
    /// `bounce.not_recognised`: The input holds neither a delivery status notification (RFC 3464 §2:
    /// multipart/report with a message/delivery-status part) nor an SMTP reply line (RFC 5321 §4.2: three-digit
    /// code, optionally an RFC 3463 enhanced status code).
    BOUNCE_NOT_RECOGNISED = {
        id: "bounce.not_recognised", severity: Info, area: Bounce,
        title: "Not a bounce or SMTP reply",
        explanation: "The input holds neither a delivery status notification (RFC 3464 §2: multipart/report with a message/delivery-status part) nor an SMTP reply line (RFC 5321 §4.2: three-digit code, optionally an RFC 3463 enhanced status code).",
        fix: "Paste the whole bounce message including headers, or the server's reply line, e.g. \"550 5.1.1 <user@example.com>: Recipient address rejected: User unknown\".",
        reference: "RFC 3464 §2; RFC 5321 §4.2",
    },
    /// `bounce.auth`: The receiver refused the message because SPF, DKIM or DMARC did not pass or the From domain
    /// was not aligned (RFC 7372 X.7.20-X.7.26; RFC 7489 §6.6.2).
    BOUNCE_AUTH = {
        id: "bounce.auth", severity: Error, area: Bounce,
        title: "Rejected: authentication (SPF/DKIM/DMARC) failed",
        explanation: "The receiver refused the message because SPF, DKIM or DMARC did not pass or the From domain was not aligned (RFC 7372 X.7.20-X.7.26; RFC 7489 §6.6.2). Gmail (5.7.26), Microsoft (5.7.515) and Yahoo (5.7.9) reject unauthenticated mail since 2024-2025.",
        fix: "Publish SPF for the sending service (\"v=spf1 include:<provider> -all\"), sign with DKIM d=<your domain>, publish \"_dmarc.<your domain> TXT \\\"v=DMARC1; p=none; rua=mailto:dmarc@<your domain>\\\"\", then re-test with `inboxlens analyze`.",
        reference: "RFC 7372 §3; RFC 7489 §6.6.2; RFC 3463 X.7.1",
    },
    /// `bounce.blocklist`: The sending IP or domain is listed on a DNS blocklist (RFC 5782) such as Spamhaus, or on
    /// the receiver's own list (Microsoft S3150), so the receiver refuses it (RFC 3463 X.7.1).
    BOUNCE_BLOCKLIST = {
        id: "bounce.blocklist", severity: Error, area: Bounce,
        title: "Rejected: sender on a blocklist",
        explanation: "The sending IP or domain is listed on a DNS blocklist (RFC 5782) such as Spamhaus, or on the receiver's own list (Microsoft S3150), so the receiver refuses it (RFC 3463 X.7.1).",
        fix: "Look the IP/domain up on the list named in the reply (https://check.spamhaus.org; Microsoft: https://sender.office.com), remove the cause (compromised account, open relay, bad list), then request delisting.",
        reference: "RFC 5782; RFC 3463 X.7.1",
    },
    /// `bounce.mailbox_unknown`: The recipient mailbox does not exist or is disabled (RFC 3463 X.1.1 "Bad
    /// destination mailbox address", X.2.1 "Mailbox disabled").
    BOUNCE_MAILBOX_UNKNOWN = {
        id: "bounce.mailbox_unknown", severity: Error, area: Bounce,
        title: "Rejected: recipient address does not exist",
        explanation: "The recipient mailbox does not exist or is disabled (RFC 3463 X.1.1 \"Bad destination mailbox address\", X.2.1 \"Mailbox disabled\"). Hard bounces like this hurt reputation if you keep sending.",
        fix: "Remove the address from your list (or fix the typo). ESPs such as Amazon SES suppress it automatically.",
        reference: "RFC 3463 X.1.1, X.2.1",
    },
    /// `bounce.mailbox_full`: The recipient is over quota (RFC 3463 X.2.2 "Mailbox full"); usually temporary (452
    /// 4.2.2) but some receivers return it as permanent.
    BOUNCE_MAILBOX_FULL = {
        id: "bounce.mailbox_full", severity: Warning, area: Bounce,
        title: "Recipient mailbox is full",
        explanation: "The recipient is over quota (RFC 3463 X.2.2 \"Mailbox full\"); usually temporary (452 4.2.2) but some receivers return it as permanent.",
        fix: "Retry later; if it persists for days, treat the address as inactive and suppress it.",
        reference: "RFC 3463 X.2.2",
    },
    /// `bounce.rate_limit`: The receiver throttles your mail: too many messages or connections, or reputation-based
    /// limits (421 replies, RFC 3463 X.7.x; Gmail 4.7.28, Yahoo TSS04, Microsoft 4.7.650).
    BOUNCE_RATE_LIMIT = {
        id: "bounce.rate_limit", severity: Warning, area: Bounce,
        title: "Deferred: rate limited",
        explanation: "The receiver throttles your mail: too many messages or connections, or reputation-based limits (421 replies, RFC 3463 X.7.x; Gmail 4.7.28, Yahoo TSS04, Microsoft 4.7.650). Your MTA retries 4xx replies (RFC 5321 §4.5.4.1).",
        fix: "Lower concurrency and volume to this receiver, keep retrying, warm up new IPs gradually, reduce complaints, and watch Google Postmaster Tools / Microsoft SNDS.",
        reference: "RFC 5321 §4.2.1, §4.5.4.1; RFC 3463 X.7.0",
    },
    /// `bounce.greylisting`: The receiver temporarily refused the first attempt from an unknown sender (RFC 6647
    /// greylisting); a compliant MTA retries and succeeds.
    BOUNCE_GREYLISTING = {
        id: "bounce.greylisting", severity: Info, area: Bounce,
        title: "Deferred: greylisting",
        explanation: "The receiver temporarily refused the first attempt from an unknown sender (RFC 6647 greylisting); a compliant MTA retries and succeeds.",
        fix: "Nothing to fix: let your MTA retry after a few minutes from the same IP (RFC 6647 §4).",
        reference: "RFC 6647",
    },
    /// `bounce.policy`: A local policy refused the message (RFC 3463 X.7.1 "Delivery not authorized, message
    /// refused"); the reply text names the rule.
    BOUNCE_POLICY = {
        id: "bounce.policy", severity: Error, area: Bounce,
        title: "Rejected by the receiver's policy",
        explanation: "A local policy refused the message (RFC 3463 X.7.1 \"Delivery not authorized, message refused\"); the reply text names the rule.",
        fix: "Read the reply text for the rule; contact postmaster@<recipient domain> (RFC 5321 §4.5.1) with the full bounce if it is unclear.",
        reference: "RFC 3463 X.7.1; RFC 5321 §4.5.1",
    },
    /// `bounce.content`: The receiver refused what the message contains: malware, a blocked attachment type,
    /// malformed MIME or content rules (RFC 3463 X.6.x media errors, X.7.1).
    BOUNCE_CONTENT = {
        id: "bounce.content", severity: Error, area: Bounce,
        title: "Rejected because of the content",
        explanation: "The receiver refused what the message contains: malware, a blocked attachment type, malformed MIME or content rules (RFC 3463 X.6.x media errors, X.7.1).",
        fix: "Remove blocked attachments (share a link instead), fix the MIME structure, and remove links whose domains are blocklisted; then resend.",
        reference: "RFC 3463 X.6.0-X.6.5, X.7.1",
    },
    /// `bounce.spam`: The receiver's filter judged the message or sender to be spam or of low reputation (Gmail
    /// 5.7.1 "likely unsolicited"); authentication, content and complaint history all feed it (M3AAWG Sender BCP).
    BOUNCE_SPAM = {
        id: "bounce.spam", severity: Error, area: Bounce,
        title: "Rejected as spam / low reputation",
        explanation: "The receiver's filter judged the message or sender to be spam or of low reputation (Gmail 5.7.1 \"likely unsolicited\"); authentication, content and complaint history all feed it (M3AAWG Sender BCP).",
        fix: "Authenticate (SPF, DKIM, DMARC), send only to opted-in recipients, remove URL shorteners and suspicious links, offer one-click unsubscribe, and monitor Google Postmaster Tools / Microsoft SNDS.",
        reference: "RFC 3463 X.7.1; M3AAWG Sender BCP",
    },
    /// `bounce.tls`: The receiver or the message requires an encrypted connection (STARTTLS, RFC 3207; RFC 3463
    /// X.7.10 "Encryption Needed"; RFC 8689 X.7.30 REQUIRETLS) and the delivery did not use one.
    BOUNCE_TLS = {
        id: "bounce.tls", severity: Error, area: Bounce,
        title: "Rejected: TLS required",
        explanation: "The receiver or the message requires an encrypted connection (STARTTLS, RFC 3207; RFC 3463 X.7.10 \"Encryption Needed\"; RFC 8689 X.7.30 REQUIRETLS) and the delivery did not use one.",
        fix: "Enable STARTTLS with a valid certificate on the sending MTA (Postfix: \"smtp_tls_security_level = may\", or \"encrypt\" for this destination).",
        reference: "RFC 3207; RFC 5248 X.7.10; RFC 8689 §5",
    },
    /// `bounce.dns`: A DNS lookup failed: the recipient domain does not exist or has no MX (RFC 3463 X.1.2, X.4.4),
    /// publishes a null MX (RFC 7505 X.1.10), or the sending IP lacks forward-confirmed reverse DNS (RFC 7372
    /// X.7.25).
    BOUNCE_DNS = {
        id: "bounce.dns", severity: Error, area: Bounce,
        title: "DNS failure (domain, MX or PTR)",
        explanation: "A DNS lookup failed: the recipient domain does not exist or has no MX (RFC 3463 X.1.2, X.4.4), publishes a null MX (RFC 7505 X.1.10), or the sending IP lacks forward-confirmed reverse DNS (RFC 7372 X.7.25).",
        fix: "Check the recipient domain for typos and its MX (dig MX <domain>); for your sending IP set a PTR whose name resolves back to the IP.",
        reference: "RFC 3463 X.1.2, X.4.4; RFC 7505 §4.2; RFC 7372 §3.3",
    },
    /// `bounce.size`: The message exceeds the receiver's size limit (RFC 1870 SIZE; RFC 3463 X.3.4 "Message too big
    /// for system", X.2.3).
    BOUNCE_SIZE = {
        id: "bounce.size", severity: Error, area: Bounce,
        title: "Rejected: message too large",
        explanation: "The message exceeds the receiver's size limit (RFC 1870 SIZE; RFC 3463 X.3.4 \"Message too big for system\", X.2.3). Base64 attachments grow by a third.",
        fix: "Send a link to large files instead of attaching them; keep messages under 10 MB.",
        reference: "RFC 1870 §6; RFC 3463 X.3.4, X.2.3",
    },
    /// `bounce.relay_denied`: The server does not relay mail for you to that destination (RFC 5321 §3.6.2, §7.1):
    /// the client was not authenticated or used the wrong server.
    BOUNCE_RELAY_DENIED = {
        id: "bounce.relay_denied", severity: Error, area: Bounce,
        title: "Rejected: relaying denied",
        explanation: "The server does not relay mail for you to that destination (RFC 5321 §3.6.2, §7.1): the client was not authenticated or used the wrong server.",
        fix: "Submit through your own provider on port 587 with SMTP AUTH (RFC 6409), or deliver to the recipient domain's MX directly.",
        reference: "RFC 5321 §3.6.2; RFC 6409",
    },
    /// `bounce.network`: The sending server could not connect to the receiver or gave up after its retry period
    /// (RFC 3463 X.4.1 "No answer from host", X.4.2 "Bad connection", X.4.7 "Delivery time expired").
    BOUNCE_NETWORK = {
        id: "bounce.network", severity: Error, area: Bounce,
        title: "Delivery failed: network or timeout",
        explanation: "The sending server could not connect to the receiver or gave up after its retry period (RFC 3463 X.4.1 \"No answer from host\", X.4.2 \"Bad connection\", X.4.7 \"Delivery time expired\").",
        fix: "Usually temporary; check that the recipient's MX hosts answer on port 25 and that your outbound port 25 is not blocked, then resend.",
        reference: "RFC 3463 X.4.1, X.4.2, X.4.7",
    },
    /// `bounce.delivered`: The report's Action is delivered/relayed/expanded (RFC 3464 §2.3.3) or the status class
    /// is 2 (RFC 3463 §3.1): the message was delivered.
    BOUNCE_DELIVERED = {
        id: "bounce.delivered", severity: Info, area: Bounce,
        title: "Success notification",
        explanation: "The report's Action is delivered/relayed/expanded (RFC 3464 §2.3.3) or the status class is 2 (RFC 3463 §3.1): the message was delivered.",
        fix: "Nothing to fix.",
        reference: "RFC 3464 §2.3.3",
    },
    /// `bounce.unknown`: The reply does not match a known pattern; the enhanced status code (RFC 3463 §3) and the
    /// text are the best guide.
    BOUNCE_UNKNOWN = {
        id: "bounce.unknown", severity: Warning, area: Bounce,
        title: "Delivery failed for an unclassified reason",
        explanation: "The reply does not match a known pattern; the enhanced status code (RFC 3463 §3) and the text are the best guide.",
        fix: "Read the diagnostic text; contact postmaster@<recipient domain> (RFC 5321 §4.5.1) with the full bounce.",
        reference: "RFC 3463 §3; RFC 5321 §4.5.1",
    },
}
