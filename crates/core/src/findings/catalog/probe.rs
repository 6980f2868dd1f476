//! Catalog entries: the companion server's probes (DNS blocklists, SMTP sessions). The
//! probes run natively in the server; their results are judged into these findings by
//! `crate::smtp::judge` and `crate::dnsbl`, so every front end shows them like any other.

crate::findings! {
    /// `blocklist.listed`: The address or domain is on a DNS blocklist (DNSBL/URIBL) that receivers query while
    /// mail arrives; many reject or junk listed senders outright (RFC 5782 §2).
    BLOCKLIST_LISTED = { id: "blocklist.listed", severity: Error, area: Blocklist,
        title: "Listed on a DNS blocklist",
        explanation: "The address or domain is on a DNS blocklist (DNSBL/URIBL) that receivers query while mail arrives; many reject or junk listed senders outright (RFC 5782 §2).",
        fix: "Read the listing reason (the list's TXT answer and lookup page), fix its cause (compromised account, open relay, unauthenticated mail, bad list hygiene), then request removal on the list operator's site.",
        reference: "RFC 5782 §2" },
    /// `blocklist.unknown`: The list did not answer, or answered with a code meaning the query itself was refused
    /// (Spamhaus 127.255.255.x: queries through public or high-volume resolvers are blocked).
    BLOCKLIST_UNKNOWN = { id: "blocklist.unknown", severity: Info, area: Blocklist,
        title: "Blocklist gave no usable answer",
        explanation: "The list did not answer, or answered with a code meaning the query itself was refused (Spamhaus 127.255.255.x: queries through public or high-volume resolvers are blocked). That says nothing about a listing (RFC 5782 §2.1).",
        fix: "Query the list from a resolver of your own (not a public one), or with the operator's data-query key (e.g. Spamhaus DQS), and check again.",
        reference: "RFC 5782 §2.1" },
    /// `smtp.unreachable`: Mail is delivered to port 25 of the MX hosts (RFC 5321 §5.1); if none answers, senders
    /// queue and finally bounce the mail.
    SMTP_UNREACHABLE = { id: "smtp.unreachable", severity: Error, area: Smtp,
        title: "No MX host accepts connections on port 25",
        explanation: "Mail is delivered to port 25 of the MX hosts (RFC 5321 §5.1); if none answers, senders queue and finally bounce the mail.",
        fix: "Open TCP port 25 on the MX hosts (firewall, security group) and make sure the MTA listens on their public addresses.",
        reference: "RFC 5321 §5.1" },
    /// `smtp.no_starttls`: Without STARTTLS, mail to this host crosses the Internet in clear text, and MTA-STS /
    /// DANE cannot be used (RFC 3207 §4, RFC 8461 §4).
    SMTP_NO_STARTTLS = { id: "smtp.no_starttls", severity: Error, area: Smtp,
        title: "MX does not offer STARTTLS",
        explanation: "Without STARTTLS, mail to this host crosses the Internet in clear text, and MTA-STS / DANE cannot be used (RFC 3207 §4, RFC 8461 §4).",
        fix: "Enable STARTTLS in the MTA with a certificate for the MX name (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files = /path/fullchain-and-key.pem).",
        reference: "RFC 3207 §4" },
    /// `smtp.plaintext_after_starttls`: After its 220 reply to STARTTLS the server (or something on the path) sent
    /// more plaintext before the TLS handshake.
    SMTP_PLAINTEXT_AFTER_STARTTLS = { id: "smtp.plaintext_after_starttls", severity: Warning, area: Smtp,
        title: "Bytes arrived between STARTTLS and the TLS handshake",
        explanation: "After its 220 reply to STARTTLS the server (or something on the path) sent more plaintext before the TLS handshake. Such bytes must be discarded, never read as if TLS protected them (RFC 3207 §6; the injection flaw CVE-2011-0411). The probe discarded them; a broken server or a man in the middle sends them.",
        fix: "Check the MTA and any proxy or firewall doing SMTP inspection in front of it: nothing may follow the 220 reply to STARTTLS until the TLS handshake.",
        reference: "RFC 3207 §6" },
    /// `smtp.cert_untrusted`: The certificate does not chain to a public root (self-signed, missing intermediate,
    /// or expired).
    SMTP_CERT_UNTRUSTED = { id: "smtp.cert_untrusted", severity: Warning, area: Smtp,
        title: "MX certificate is not trusted",
        explanation: "The certificate does not chain to a public root (self-signed, missing intermediate, or expired). Opportunistic TLS still encrypts, but MTA-STS senders refuse delivery (RFC 8461 §4.2).",
        fix: "Install a certificate from a public CA (e.g. ACME / Let's Encrypt) and serve the full chain (leaf + intermediates).",
        reference: "RFC 8461 §4.2" },
    /// `smtp.cert_name_mismatch`: No subjectAltName of the certificate matches the MX host name, so a verifying
    /// sender (MTA-STS, RFC 8461 §4.2; DANE-TA, RFC 7672 §3.2.3) cannot accept it (RFC 6125 §6.4).
    SMTP_CERT_NAME_MISMATCH = { id: "smtp.cert_name_mismatch", severity: Warning, area: Smtp,
        title: "MX certificate does not name the MX host",
        explanation: "No subjectAltName of the certificate matches the MX host name, so a verifying sender (MTA-STS, RFC 8461 §4.2; DANE-TA, RFC 7672 §3.2.3) cannot accept it (RFC 6125 §6.4).",
        fix: "Issue the certificate for the exact MX host name (add it as a subjectAltName).",
        reference: "RFC 6125 §6.4" },
    /// `smtp.cert_expired`: An expired certificate fails every verifying sender (MTA-STS, DANE-TA) and is a sign of
    /// broken renewal (RFC 5280 §4.1.2.5).
    SMTP_CERT_EXPIRED = { id: "smtp.cert_expired", severity: Error, area: Smtp,
        title: "MX certificate has expired",
        explanation: "An expired certificate fails every verifying sender (MTA-STS, DANE-TA) and is a sign of broken renewal (RFC 5280 §4.1.2.5).",
        fix: "Renew the certificate and reload the MTA; automate renewal (ACME) and monitor expiry.",
        reference: "RFC 5280 §4.1.2.5" },
    /// `smtp.auth_before_tls`: Offering AUTH on a clear-text connection invites clients to send passwords
    /// unencrypted; a submission server must require TLS first (RFC 8314 §3.3, RFC 4954 §4).
    SMTP_AUTH_BEFORE_TLS = { id: "smtp.auth_before_tls", severity: Error, area: Smtp,
        title: "Submission offers AUTH before TLS",
        explanation: "Offering AUTH on a clear-text connection invites clients to send passwords unencrypted; a submission server must require TLS first (RFC 8314 §3.3, RFC 4954 §4).",
        fix: "Offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes), or use implicit TLS on port 465.",
        reference: "RFC 8314 §3.3" },
    /// `smtp.open_relay`: The server accepted a recipient in a domain it does not serve from an unauthenticated
    /// client.
    SMTP_OPEN_RELAY = { id: "smtp.open_relay", severity: Error, area: Smtp,
        title: "Open relay: mail for foreign domains is accepted",
        explanation: "The server accepted a recipient in a domain it does not serve from an unauthenticated client. Spammers find open relays within hours and the host ends up on every blocklist (RFC 5321 §7.1, RFC 2505 §2).",
        fix: "Relay only for authenticated users and your own networks (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination).",
        reference: "RFC 5321 §7.1" },
    /// `smtp.banner_ptr_mismatch`: The greeting names a host that is not the reverse-DNS name of the address.
    SMTP_BANNER_PTR_MISMATCH = { id: "smtp.banner_ptr_mismatch", severity: Info, area: Smtp,
        title: "Banner name does not match the address's PTR",
        explanation: "The greeting names a host that is not the reverse-DNS name of the address. Receivers do not require it, but a consistent name, PTR and HELO is what reputation systems expect (RFC 5321 §4.1.3, M3AAWG).",
        fix: "Set the MTA's hostname (Postfix: myhostname) to the address's PTR name and make that name resolve back to the address.",
        reference: "RFC 5321 §4.1.3" },
    /// `smtp.mailbox_rejected`: RCPT TO answered with a permanent 5xx: the address does not exist there (or is
    /// refused), so mail to it bounces (RFC 5321 §4.2.2, RFC 3463 X.1.1).
    SMTP_MAILBOX_REJECTED = { id: "smtp.mailbox_rejected", severity: Warning, area: Smtp,
        title: "A mailbox was rejected",
        explanation: "RCPT TO answered with a permanent 5xx: the address does not exist there (or is refused), so mail to it bounces (RFC 5321 §4.2.2, RFC 3463 X.1.1).",
        fix: "Check the address spelling; remove addresses that keep bouncing from your lists.",
        reference: "RFC 5321 §4.2.2" },
    /// `smtp.catch_all`: A random, surely non-existent local part was accepted at RCPT time, so accepted addresses
    /// prove nothing about a mailbox (RFC 5321 §3.3 allows accepting and bouncing later).
    SMTP_CATCH_ALL = { id: "smtp.catch_all", severity: Info, area: Smtp,
        title: "Domain accepts any recipient (catch-all)",
        explanation: "A random, surely non-existent local part was accepted at RCPT time, so accepted addresses prove nothing about a mailbox (RFC 5321 §3.3 allows accepting and bouncing later).",
        fix: "Nothing to fix on your side; treat mailbox checks against this domain as inconclusive.",
        reference: "RFC 5321 §3.3" },
    /// `smtp.greylisted`: The server answered 4xx to the first attempt, as greylisting does; a real sender retries
    /// and is then accepted, so this is not a failure (RFC 5321 §4.2.1, RFC 6647 §2).
    SMTP_GREYLISTED = { id: "smtp.greylisted", severity: Info, area: Smtp,
        title: "Temporary rejection (greylisting): inconclusive",
        explanation: "The server answered 4xx to the first attempt, as greylisting does; a real sender retries and is then accepted, so this is not a failure (RFC 5321 §4.2.1, RFC 6647 §2).",
        fix: "Retry the probe after a few minutes.",
        reference: "RFC 6647 §2" },
    /// `inbound.client_not_public`: the inbound listener's SMTP client is a private or loopback address.
    INBOUND_CLIENT_NOT_PUBLIC = { id: "inbound.client_not_public", severity: Warning, area: Envelope,
        title: "The test message came from a private address",
        explanation: "The server that delivered the test message connected from a private, loopback or otherwise non-public address (RFC 6890). SPF, reverse DNS and blocklists judge the public address that hands mail to a receiver's MX (RFC 7208 §2.4), so these results say nothing about how the Internet sees your mail.",
        fix: "Send the test from the server that delivers your real mail over the Internet (not from inside the companion's network); in a lab, start the server with --allow-private.",
        reference: "RFC 7208 §2.4; RFC 6890" },
    /// `inbound.client_no_ptr`: the delivering address has no reverse DNS.
    INBOUND_CLIENT_NO_PTR = { id: "inbound.client_no_ptr", severity: Warning, area: Envelope,
        title: "The sending server's address has no reverse DNS (PTR)",
        explanation: "The address that delivered the test message has no PTR record. Large receivers reject or junk mail from addresses without reverse DNS (Gmail's sender guidelines require a PTR and a matching forward record; RFC 1912 §2.1 asks for PTRs on every host).",
        fix: "Ask whoever runs the address's reverse zone (your hosting provider) for a PTR naming the mail server, and make that name resolve back to the same address.",
        reference: "RFC 1912 §2.1; RFC 8601 §3" },
    /// `inbound.client_fcrdns_mismatch`: the PTR name does not resolve back to the delivering address.
    INBOUND_CLIENT_FCRDNS_MISMATCH = { id: "inbound.client_fcrdns_mismatch", severity: Warning, area: Envelope,
        title: "Reverse DNS of the sending server is not forward-confirmed",
        explanation: "None of the PTR names of the delivering address resolves back to that address (forward-confirmed reverse DNS fails). Receivers treat such a name as unverified and many score or reject it (RFC 8601 §3 iprev; M3AAWG and Gmail sender guidelines).",
        fix: "Make the PTR name's A/AAAA record include the sending address, or change the PTR to a name that does.",
        reference: "RFC 8601 §3; RFC 1912 §2.1" },
    /// `inbound.no_tls`: the test message was delivered in clear text.
    INBOUND_NO_TLS = { id: "inbound.no_tls", severity: Warning, area: Hops,
        title: "The test message was delivered without TLS",
        explanation: "The sending server did not use STARTTLS although the receiver offered it, so the message crossed the network in clear text. RFC 8314 asks for TLS on every hop, and Gmail's and Yahoo's sender requirements include a TLS connection.",
        fix: "Enable opportunistic TLS for outbound SMTP on the sending server (Postfix: smtp_tls_security_level = may; Exim: tls_try_verify_hosts / hosts_try_tls = *).",
        reference: "RFC 8314 §5; RFC 3207" },
}
