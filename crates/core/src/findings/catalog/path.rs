//! Catalog entries for the message path: the Received chain (`hops.*`), the inferred
//! SMTP envelope (`envelope.*`) and the verdicts recorded upstream in
//! Authentication-Results (`upstream.*`).

crate::findings! {
    /// No Received header at all: nothing shows how the message travelled.
    HOPS_NONE = {
        id: "hops.none",
        severity: Info,
        area: Hops,
        title: "No Received headers",
        explanation: "The message carries no Received trace fields, so its delivery path, the connecting IP and the SMTP timing cannot be reconstructed. Every SMTP server that relays or delivers a message must prepend a Received field (RFC 5321 §4.4); a message without any was probably saved before it was sent (a draft or an exported template) or its headers were stripped.",
        fix: "Analyze the message as it arrived in the recipient's mailbox (\"Show original\" / \"View source\" in the mail client), not a copy saved from the sender's side, or pass the connecting IP with --ip.",
        reference: "RFC 5321 §4.4",
    },
    /// A Received field that the trace-field parser could not make sense of.
    HOPS_UNPARSEABLE = {
        id: "hops.unparseable",
        severity: Warning,
        area: Hops,
        title: "Unparseable Received header",
        explanation: "A Received field has none of the clauses RFC 5321 §4.4 defines (from, by, with, id, for, and the date after ';'), so this hop cannot be placed in the delivery path. It is usually written by a non-conforming relay or a filter, or the header was damaged in transit.",
        fix: "If the server that wrote this header is yours, configure it to write the standard trace format: \"Received: from <helo> (<rdns> [<ip>]) by <host> with ESMTPS id <id> for <rcpt>; <RFC 5322 date>\".",
        reference: "RFC 5321 §4.4; RFC 5322 §3.6.7",
    },
    /// A Received field without a date after the `;`.
    HOPS_MISSING_TIMESTAMP = {
        id: "hops.missing_timestamp",
        severity: Warning,
        area: Hops,
        title: "Received header without a valid timestamp",
        explanation: "Every Received field ends with '; date-time' (RFC 5322 §3.6.7, RFC 5321 §4.4). Without it the time spent at this hop cannot be measured, and spam filters that score trace consistency treat the hop as suspicious.",
        fix: "Configure the relay that wrote this hop to end its Received field with an RFC 5322 date, e.g. \"; Mon, 23 Nov 2026 11:13:04 +0000\".",
        reference: "RFC 5322 §3.6.7; RFC 5321 §4.4",
    },
    /// A hop dated before the previous one: one of the two clocks is wrong.
    HOPS_CLOCK_SKEW = {
        id: "hops.clock_skew",
        severity: Warning,
        area: Hops,
        title: "Clock skew between hops",
        explanation: "A hop claims to have received the message before the previous hop did. Received timestamps are written by each server from its own clock (RFC 5321 §4.4), so a negative delay means one of the two servers has a wrong clock or time zone. Skewed clocks also break DKIM t=/x= checks and ARC timestamps, and make delivery delays impossible to diagnose.",
        fix: "Synchronise the clocks of the servers named in this hop with NTP (e.g. enable chrony or systemd-timesyncd) and check that their time-zone offset is correct.",
        reference: "RFC 5321 §4.4; RFC 5322 §3.6.7",
    },
    /// More than five minutes spent between two hops.
    HOPS_SLOW_HOP = {
        id: "hops.slow_hop",
        severity: Warning,
        area: Hops,
        title: "Slow hop (over 5 minutes)",
        explanation: "The message spent more than five minutes between two consecutive hops. Normal relaying takes seconds; minutes usually mean greylisting (a temporary 4xx rejection and a retry), a busy queue, or content scanning. RFC 5321 §4.5.4.1 lets a client wait 30 minutes before retrying a temporary failure, which is how a greylisted message picks up this delay.",
        fix: "Look at the receiving server's logs for 4xx replies to the sending IP at that time; if the delay is greylisting, send from stable IPs with good reputation (or ask the receiver to whitelist them); if it is queueing on your side, check the outbound queue (e.g. `postqueue -p`).",
        reference: "RFC 5321 §4.4, §4.5.4.1",
    },
    /// More than an hour spent between two hops.
    HOPS_VERY_SLOW_HOP = {
        id: "hops.very_slow_hop",
        severity: Warning,
        area: Hops,
        title: "Very slow hop (over 1 hour)",
        explanation: "The message spent more than an hour between two consecutive hops: it sat in a queue through several delivery retries (RFC 5321 §4.5.4.1), typically because the next server was unreachable, rate-limited the sender or deferred it for reputation reasons. Time-sensitive mail (sign-up codes, password resets) is useless after such a delay.",
        fix: "Check the sending server's queue and logs for deferral replies (4xx with an enhanced status code such as 4.7.0 or 4.7.28) at that time, fix the cause (rate limits, reputation, DNS of the next hop), and monitor queue age.",
        reference: "RFC 5321 §4.4, §4.5.4.1",
    },
    /// A hop between different organisations that did not use TLS.
    HOPS_NO_TLS = {
        id: "hops.no_tls",
        severity: Info,
        area: Hops,
        title: "Hop between organisations without TLS",
        explanation: "This hop crossed from one organisation's server to another's and its Received field records neither a TLS protocol keyword (ESMTPS/ESMTPSA, RFC 3848) nor a TLS version or cipher. Mail relayed in clear text between organisations can be read or altered on the way; RFC 8314 asks for TLS on every hop and RFC 8461 (MTA-STS) lets a receiving domain require it.",
        fix: "On the sending server enable opportunistic TLS for outbound SMTP (Postfix: smtp_tls_security_level = may, or dane/encrypt), and on the receiving side offer STARTTLS with a valid certificate and publish an MTA-STS policy.",
        reference: "RFC 8314 §5; RFC 3848; RFC 5321 §4.4",
    },
    /// The client IP could not be found in any Received field.
    ENVELOPE_NO_CLIENT_IP = {
        id: "envelope.no_client_ip",
        severity: Warning,
        area: Envelope,
        title: "Connecting IP not found",
        explanation: "No Received field written by the receiving server names the IP address of the client that connected to it. SPF is evaluated against that address (RFC 7208 §2.4, §4.1), so without it SPF cannot be checked for this message.",
        fix: "Pass the sending server's IP with --ip (e.g. --ip 192.0.2.10), or analyze the message as delivered to the recipient so the receiving MX's Received header is present.",
        reference: "RFC 7208 §4.1; RFC 5321 §4.4",
    },
    /// Only private or loopback client IPs in the trace.
    ENVELOPE_PRIVATE_CLIENT_IP = {
        id: "envelope.private_client_ip",
        severity: Warning,
        area: Envelope,
        title: "Only a private client IP was found",
        explanation: "Every client IP in the Received chain is private, loopback or link-local (RFC 1918, RFC 4193, RFC 5735). SPF evaluated against such an address says nothing about the public path, because SPF authorises the IP that connected to the receiving MX from the Internet (RFC 7208 §2.4).",
        fix: "Pass the public IP of the server that handed the message to the receiving MX with --ip, or analyze the message as received at the external MX.",
        reference: "RFC 7208 §2.4; RFC 1918",
    },
    /// The topmost hops are internal; the public client IP came from further down.
    ENVELOPE_INTERNAL_HOPS_SKIPPED = {
        id: "envelope.internal_hops_skipped",
        severity: Info,
        area: Envelope,
        title: "Internal hops skipped to find the client IP",
        explanation: "The newest Received field(s) record a hand-over between internal components (a content filter on loopback, an internal relay on a private address), so the connecting client of the receiving MX was taken from the first Received field further down that names a public IP. SPF checks that address (RFC 7208 §2.4).",
        fix: "Nothing to fix if those hops are your receiving infrastructure. If the inferred IP is wrong, pass the right one with --ip.",
        reference: "RFC 7208 §2.4; RFC 5321 §4.4",
    },
    /// The receiving MX's Received field does not show the HELO name.
    ENVELOPE_NO_HELO = {
        id: "envelope.no_helo",
        severity: Info,
        area: Envelope,
        title: "HELO name not found",
        explanation: "The receiving server's Received field does not record the name the client gave in EHLO/HELO (RFC 5321 §4.4 puts it in the 'from' clause). SPF can still be checked for MAIL FROM, but the HELO identity check (RFC 7208 §2.3) and the null-sender fallback cannot be done.",
        fix: "Pass the HELO name with --helo (e.g. --helo mail.example.com).",
        reference: "RFC 7208 §2.3; RFC 5321 §4.4",
    },
    /// No Return-Path: the MAIL FROM address is unknown.
    ENVELOPE_NO_RETURN_PATH = {
        id: "envelope.no_return_path",
        severity: Info,
        area: Envelope,
        title: "No Return-Path header",
        explanation: "The delivering server records the SMTP MAIL FROM address in a Return-Path header at final delivery (RFC 5321 §4.4). Without it the envelope sender is unknown, so SPF for MAIL FROM and DMARC SPF alignment cannot be evaluated from this copy.",
        fix: "Analyze the message as delivered to the mailbox (it then carries Return-Path), or pass the envelope sender with --mail-from bounce@example.com.",
        reference: "RFC 5321 §4.4; RFC 7208 §2.4",
    },
    /// `Return-Path: <>`: a bounce or other auto-generated message.
    ENVELOPE_NULL_SENDER = {
        id: "envelope.null_sender",
        severity: Info,
        area: Envelope,
        title: "Null envelope sender (<>)",
        explanation: "The message was sent with an empty reverse path (MAIL FROM:<>), as delivery status notifications and other automatic replies must be (RFC 5321 §4.5.5). SPF then checks the HELO identity instead: the MAIL FROM identity becomes postmaster@<helo> (RFC 7208 §2.4), so the HELO name needs its own SPF record.",
        fix: "Publish an SPF record for the sending server's HELO name, e.g. \"mail.example.com. IN TXT \\\"v=spf1 a -all\\\"\".",
        reference: "RFC 7208 §2.4; RFC 5321 §4.5.5",
    },
    /// No Authentication-Results header from the receiving MX.
    UPSTREAM_NO_AUTH_RESULTS = {
        id: "upstream.no_auth_results",
        severity: Info,
        area: AuthResults,
        title: "No Authentication-Results header",
        explanation: "The message carries no Authentication-Results field, so the receiving server's own SPF/DKIM/DMARC verdicts at delivery time are unknown and cannot be compared with the fresh ones (RFC 8601 §2). Only the fresh verdicts computed now are shown.",
        fix: "Analyze the message as delivered to the recipient's mailbox (the receiving provider adds Authentication-Results), not the copy from the sender's Sent folder.",
        reference: "RFC 8601 §2",
    },
    /// Several authserv-ids: only the receiving MX's ones are trusted.
    UPSTREAM_MULTIPLE_AUTHSERV_IDS = {
        id: "upstream.multiple_authserv_ids",
        severity: Info,
        area: AuthResults,
        title: "Authentication-Results from several servers",
        explanation: "Authentication-Results fields from more than one authentication service are present. A receiver may only trust the fields written by its own border MTA (the topmost ones); others may have been added by earlier relays or forged by the sender, and RFC 8601 §5 requires them to be ignored (or removed on entry). Only the topmost authserv-id is used for the comparison.",
        fix: "No action for the sender. Receivers: strip Authentication-Results fields carrying your own authserv-id on entry and ignore foreign ones (RFC 8601 §5).",
        reference: "RFC 8601 §5",
    },
    /// An Authentication-Results field that could not be parsed.
    UPSTREAM_UNPARSEABLE = {
        id: "upstream.unparseable",
        severity: Info,
        area: AuthResults,
        title: "Unparseable Authentication-Results header",
        explanation: "An Authentication-Results (or ARC-Authentication-Results / Received-SPF) field does not follow the RFC 8601 §2.2 grammar (authserv-id, optional version, then ';'-separated method=result entries with ptype.property=value properties), so its verdicts were not used.",
        fix: "If the field is written by your server, make it follow RFC 8601 §2.2, e.g. \"Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com\".",
        reference: "RFC 8601 §2.2; RFC 8617 §4.1.1; RFC 7208 §9.1",
    },
    /// The fresh SPF verdict differs from the one recorded at delivery.
    UPSTREAM_SPF_DRIFT = {
        id: "upstream.spf_drift",
        severity: Info,
        area: AuthResults,
        title: "SPF result differs from the receiving server's",
        explanation: "The SPF result computed now differs from the one the receiving server recorded at delivery (RFC 8601 §2.7.2). SPF depends on the client IP, the MAIL FROM/HELO identity and the DNS at evaluation time (RFC 7208 §4), so a difference means the evaluation used a different IP or identity, the SPF record changed since delivery, or one side hit a DNS error.",
        fix: "Check that the IP and MAIL FROM used here match the delivery (pass --ip / --mail-from if not); if they do, compare the SPF record published now with the one in force at delivery time.",
        reference: "RFC 8601 §2.7.2; RFC 7208 §4",
    },
    /// A DKIM signature that verified at delivery now fails, or the reverse.
    UPSTREAM_DKIM_DRIFT = {
        id: "upstream.dkim_drift",
        severity: Info,
        area: AuthResults,
        title: "DKIM result differs from the receiving server's",
        explanation: "A DKIM signature has a different result now than the receiving server recorded (RFC 8601 §2.7.1). A pass at delivery that fails now means the public key was rotated or removed from DNS since (RFC 6376 §3.6.1, §6.1.2), or the message was modified after delivery (forwarded, re-encoded by a mail client, a footer added). A fail at delivery that passes now points at a DNS problem at delivery or a changed key.",
        fix: "Keep retired DKIM keys published (or with an empty p= only after all mail signed with them is older than the retention you need), rotate selectors rather than replacing a key in place, and analyze the original message file rather than a re-saved copy.",
        reference: "RFC 8601 §2.7.1; RFC 6376 §3.6.1, §6.1.2",
    },
    /// The DMARC verdict differs.
    UPSTREAM_DMARC_DRIFT = {
        id: "upstream.dmarc_drift",
        severity: Info,
        area: AuthResults,
        title: "DMARC result differs from the receiving server's",
        explanation: "The DMARC result computed now differs from the one recorded at delivery (RFC 8601 §2.7; RFC 7489 §11.2). DMARC follows from the SPF and DKIM results and the published policy, so this usually follows an SPF or DKIM drift, or a DMARC record changed since delivery.",
        fix: "Look at the SPF and DKIM drift above first; if both agree, compare the _dmarc TXT record published now with the one at delivery.",
        reference: "RFC 8601 §2.7; RFC 7489 §11.2",
    },
    /// The ARC verdict differs.
    UPSTREAM_ARC_DRIFT = {
        id: "upstream.arc_drift",
        severity: Info,
        area: AuthResults,
        title: "ARC result differs from the receiving server's",
        explanation: "The ARC chain result computed now differs from the one recorded at delivery (RFC 8617 §4.1.3). ARC seals cover the headers at each hop, so a change after delivery, a rotated sealing key, or ARC headers added by the final mailbox store after the verdict change the result.",
        fix: "Analyze the original message file; if sealing keys were rotated, keep old ARC selectors published while mail sealed with them can still be verified.",
        reference: "RFC 8617 §4.1.3, §5.2",
    },
    /// Upstream reported a temporary error.
    UPSTREAM_TEMPERROR = {
        id: "upstream.temperror",
        severity: Info,
        area: AuthResults,
        title: "Receiving server hit a temporary error",
        explanation: "The receiving server recorded temperror for a check: a DNS lookup timed out or failed at delivery (RFC 8601 §2.7; RFC 7208 §2.6.6; RFC 6376 §6.1.2). Receivers often defer or treat such mail as unauthenticated, which can cost deliverability even though nothing is wrong now.",
        fix: "Make the DNS for the sending domains robust: at least two authoritative name servers on different networks, short TXT answers (under 512 bytes if possible) and no slow CNAME chains.",
        reference: "RFC 8601 §2.7; RFC 7208 §2.6.6",
    },
}
