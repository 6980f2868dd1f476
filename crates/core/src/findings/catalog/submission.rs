//! Catalog entries: the SMTP submission tester (`inboxlens smtp-test`, `/api/smtp-test`), one per
//! row of [`crate::smtp::submission::FAILURES`], the one table that explains why a mail client
//! cannot submit through a server (reply codes, provider texts, TLS and connection facts).

crate::findings! {
    /// `submission.bad_credentials`: 535 5.7.8: the server refused the user name or password.
    SUBMISSION_BAD_CREDENTIALS = { id: "submission.bad_credentials", severity: Error, area: Smtp,
        title: "User name or password not accepted (535 5.7.8)",
        explanation: "The server answered AUTH with 535 5.7.8 \"authentication credentials invalid\": the user name or the password is wrong (RFC 4954 §6). Many providers want the whole address as the user name; Microsoft answers 535 5.7.3 for the same cause.",
        fix: "Check the user name (often the full email address) and re-type the password; if the account uses two-step verification, create an app password and use that instead.",
        reference: "RFC 4954 §6" },
    /// `submission.app_password_required`: 534 5.7.9: the account has two-step verification, so the normal
    /// password is refused over SMTP.
    SUBMISSION_APP_PASSWORD_REQUIRED = { id: "submission.app_password_required", severity: Error, area: Smtp,
        title: "Application-specific password required (534 5.7.9)",
        explanation: "The server answered 534 5.7.9: the account has two-step verification, so its normal password is refused for SMTP and an application-specific password (or OAuth) is required (Google: https://support.google.com/mail/?p=InvalidSecondFactor; RFC 4954 §6 defines 534 5.7.9 as \"mechanism too weak\").",
        fix: "Create an app password for this mail client (Google: https://myaccount.google.com/apppasswords; Yahoo, iCloud and Fastmail offer the same) and use it as the SMTP password.",
        reference: "https://support.google.com/mail/?p=InvalidSecondFactor" },
    /// `submission.smtp_auth_disabled`: 535 5.7.139: Microsoft 365 has SMTP AUTH switched off for the mailbox
    /// or the tenant.
    SUBMISSION_SMTP_AUTH_DISABLED = { id: "submission.smtp_auth_disabled", severity: Error, area: Smtp,
        title: "SMTP AUTH is disabled for this mailbox (535 5.7.139)",
        explanation: "Microsoft 365 answered 535 5.7.139 \"Authentication unsuccessful, SmtpClientAuthentication is disabled\": authenticated SMTP submission is switched off for the mailbox or the whole tenant, whatever the password (https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission).",
        fix: "In the Microsoft 365 admin center, open the user's Mail settings and enable \"Authenticated SMTP\" (PowerShell: Set-CASMailbox -Identity <user> -SmtpClientAuthenticationDisabled $false); a tenant-wide switch and security defaults can also block it.",
        reference: "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission" },
    /// `submission.starttls_required`: 530 5.7.0: the server wants STARTTLS before AUTH or MAIL.
    SUBMISSION_STARTTLS_REQUIRED = { id: "submission.starttls_required", severity: Warning, area: Smtp,
        title: "STARTTLS must come first (530 5.7.0)",
        explanation: "The server answered 530 5.7.0 \"Must issue a STARTTLS command first\": it takes AUTH and mail only after the connection is encrypted (RFC 3207 §4).",
        fix: "Set the client's security to STARTTLS on this port (or use implicit TLS on port 465).",
        reference: "RFC 3207 §4" },
    /// `submission.encryption_required`: 538 5.7.11: the mechanism is allowed only over an encrypted connection.
    SUBMISSION_ENCRYPTION_REQUIRED = { id: "submission.encryption_required", severity: Warning, area: Smtp,
        title: "Encryption required for authentication (538 5.7.11)",
        explanation: "The server answered 538 5.7.11 \"Encryption required for requested authentication mechanism\": it refuses to take a password over a clear-text connection (RFC 4954 §6).",
        fix: "Use STARTTLS on this port or implicit TLS on port 465 before authenticating.",
        reference: "RFC 4954 §6" },
    /// `submission.auth_temporary_failure`: 454 4.7.0: the server could not check the credentials right now.
    SUBMISSION_AUTH_TEMPORARY_FAILURE = { id: "submission.auth_temporary_failure", severity: Warning, area: Smtp,
        title: "Temporary authentication failure (454 4.7.0)",
        explanation: "The server answered 454 4.7.0 \"Temporary authentication failure\": its password back end was unavailable or it throttles this client after failed attempts; nothing is known about the credentials (RFC 4954 §6).",
        fix: "Wait a few minutes and try again; if it persists, the provider may have locked the account after failed logins (sign in on its web site to unlock it).",
        reference: "RFC 4954 §6" },
    /// `submission.authentication_required`: 530 5.7.0 without a STARTTLS hint: the server relays only for
    /// authenticated clients.
    SUBMISSION_AUTHENTICATION_REQUIRED = { id: "submission.authentication_required", severity: Warning, area: Smtp,
        title: "Authentication required (530 5.7.0)",
        explanation: "The server answered 530 5.7.0 \"Authentication required\": a submission server accepts mail only from authenticated users (RFC 4954 §6, RFC 6409 §4.3).",
        fix: "Enable SMTP authentication in the client (\"my outgoing server requires authentication\") with the account's user name and password.",
        reference: "RFC 4954 §6" },
    /// `submission.auth_refused`: AUTH refused with a reply the table has no more precise row for.
    SUBMISSION_AUTH_REFUSED = { id: "submission.auth_refused", severity: Error, area: Smtp,
        title: "Authentication refused",
        explanation: "The server refused AUTH with a reply that names no more precise cause; the reply text is the server's own explanation (RFC 4954 §6).",
        fix: "Read the server's reply text; check the user name, the password and whether the account may use SMTP at all (some providers switch it off by default).",
        reference: "RFC 4954 §6" },
    /// `submission.auth_not_offered_before_tls`: no AUTH in the EHLO answer before STARTTLS, as it should be.
    SUBMISSION_AUTH_NOT_OFFERED_BEFORE_TLS = { id: "submission.auth_not_offered_before_tls", severity: Info, area: Smtp,
        title: "AUTH is not offered before STARTTLS",
        explanation: "Before STARTTLS the server does not advertise AUTH, so a client set to \"no encryption\" cannot log in; this is correct, passwords must not travel in clear (RFC 3207 §4.2, RFC 8314 §3.3). The client must use STARTTLS (it then sees AUTH in the second EHLO answer).",
        fix: "Set the client's security to STARTTLS on this port, or implicit TLS (SSL/TLS) on port 465.",
        reference: "RFC 8314 §3.3" },
    /// `submission.auth_cleartext_accepted`: the server challenged an AUTH sent over a clear-text connection.
    SUBMISSION_AUTH_CLEARTEXT_ACCEPTED = { id: "submission.auth_cleartext_accepted", severity: Error, area: Smtp,
        title: "The server accepts passwords over clear text",
        explanation: "Without TLS the server answered AUTH with a 334 challenge: it would take the password in clear, readable by anyone on the path (RFC 8314 §3.3, RFC 4954 §4). The tester cancelled without sending any secret.",
        fix: "Offer AUTH only after TLS (Postfix: smtpd_tls_auth_only = yes; Exim: auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}), and configure clients for STARTTLS or port 465.",
        reference: "RFC 8314 §3.3" },
    /// `submission.auth_not_offered`: no AUTH mechanism the client speaks is offered, even after TLS.
    SUBMISSION_AUTH_NOT_OFFERED = { id: "submission.auth_not_offered", severity: Warning, area: Smtp,
        title: "No usable AUTH mechanism offered",
        explanation: "The EHLO answer (after TLS) lists no AUTH PLAIN or LOGIN, so password login is impossible on this port; port 25 of an MX usually takes no AUTH at all (RFC 4954 §3, RFC 6409 §4.3).",
        fix: "Use the provider's submission port (587 with STARTTLS or 465 with implicit TLS); server side, enable SASL on it (Postfix: smtpd_sasl_auth_enable = yes in master.cf's submission service).",
        reference: "RFC 4954 §3" },
    /// `submission.starttls_not_offered`: STARTTLS security was asked but the server does not offer it.
    SUBMISSION_STARTTLS_NOT_OFFERED = { id: "submission.starttls_not_offered", severity: Warning, area: Smtp,
        title: "STARTTLS is not offered on this port",
        explanation: "The EHLO answer lists no STARTTLS, so a client set to STARTTLS stops here; the port may be implicit TLS, or the server has no TLS configured (RFC 3207 §4).",
        fix: "Try implicit TLS (port 465), or enable STARTTLS on the server with a certificate for its name.",
        reference: "RFC 3207 §4" },
    /// `submission.port25_blocked`: nothing answers on port 25: residential ISPs block it.
    SUBMISSION_PORT25_BLOCKED = { id: "submission.port25_blocked", severity: Warning, area: Smtp,
        title: "Port 25 is blocked or closed",
        explanation: "The connection to port 25 was refused or timed out. Residential and many cloud networks block outgoing port 25 to stop spam from infected machines (M3AAWG, Managing Port 25: https://www.m3aawg.org/sites/default/files/document/Managing-Port-25.pdf); mail clients submit on 587 or 465 instead (RFC 6409 §3.1, RFC 8314 §3.3).",
        fix: "Use port 587 with STARTTLS or 465 with implicit TLS (2525 where the provider offers it); port 25 is for server-to-server relay.",
        reference: "RFC 6409 §3.1" },
    /// `submission.connection_refused`: nothing listens on this port.
    SUBMISSION_CONNECTION_REFUSED = { id: "submission.connection_refused", severity: Info, area: Smtp,
        title: "Connection refused on this port",
        explanation: "The host answered the connection with a reset: nothing listens on this port, so the provider does not offer submission here (RFC 6409 §3.1 names 587, RFC 8314 §3.3 names 465).",
        fix: "Use a port that connects (see the matrix); check the provider's documented SMTP settings.",
        reference: "RFC 6409 §3.1" },
    /// `submission.connection_timeout`: no answer to the connection within the deadline.
    SUBMISSION_CONNECTION_TIMEOUT = { id: "submission.connection_timeout", severity: Info, area: Smtp,
        title: "No answer on this port (time-out)",
        explanation: "The connection got no answer within the deadline: a firewall on the path (yours, your network's or the server's) drops it (RFC 6409 §3.1).",
        fix: "Use another port (587, 465, 2525); on a corporate or hotel network, ask whether outgoing SMTP ports are filtered.",
        reference: "RFC 6409 §3.1" },
    /// `submission.no_greeting`: TCP connected but no 220 greeting came.
    SUBMISSION_NO_GREETING = { id: "submission.no_greeting", severity: Warning, area: Smtp,
        title: "Connected, but no SMTP greeting",
        explanation: "The connection opened but the server sent no 220 greeting within the deadline; an SMTP server greets first (RFC 5321 §4.3.1). A port that waits silently usually expects a TLS handshake first (implicit TLS).",
        fix: "Try implicit TLS (SSL/TLS) on this port; otherwise the server is overloaded or a proxy holds the connection.",
        reference: "RFC 5321 §4.3.1" },
    /// `submission.implicit_tls_on_starttls_port`: TLS spoken first to a port that greets in clear text.
    SUBMISSION_IMPLICIT_TLS_ON_STARTTLS_PORT = { id: "submission.implicit_tls_on_starttls_port", severity: Info, area: Smtp,
        title: "Implicit TLS spoken to a STARTTLS port",
        explanation: "The client opened with a TLS handshake but the server answered in clear text (its 220 greeting): this port speaks plain SMTP and upgrades with STARTTLS; clients show \"wrong version number\" or \"SSL routines\" errors (RFC 8314 §3.3, RFC 3207 §4).",
        fix: "Set the client's security to STARTTLS on this port, or use implicit TLS (SSL/TLS) on port 465.",
        reference: "RFC 8314 §3.3" },
    /// `submission.starttls_on_implicit_port`: clear text spoken to a port that expects TLS first.
    SUBMISSION_STARTTLS_ON_IMPLICIT_PORT = { id: "submission.starttls_on_implicit_port", severity: Info, area: Smtp,
        title: "STARTTLS (or no encryption) spoken to an implicit-TLS port",
        explanation: "The client waited for a clear-text greeting but this port expects a TLS handshake first (implicit TLS, like 465), so nothing comes until the client times out (RFC 8314 §3.3).",
        fix: "Set the client's security to SSL/TLS (implicit TLS) on this port, or use STARTTLS on port 587.",
        reference: "RFC 8314 §3.3" },
    /// `submission.tls_failed`: the TLS handshake failed for another reason.
    SUBMISSION_TLS_FAILED = { id: "submission.tls_failed", severity: Warning, area: Smtp,
        title: "TLS handshake failed",
        explanation: "The TLS handshake did not complete (no common protocol version or cipher, or a broken server); a client cannot encrypt and must not send a password (RFC 8314 §4.1).",
        fix: "Read the handshake error; the server needs TLS 1.2 or newer with a current cipher suite and a certificate for its name.",
        reference: "RFC 8314 §4.1" },
    /// `submission.cert_name_mismatch`: the certificate does not name the host the client connects to.
    SUBMISSION_CERT_NAME_MISMATCH = { id: "submission.cert_name_mismatch", severity: Error, area: Smtp,
        title: "Certificate does not match the server name",
        explanation: "No subjectAltName of the certificate matches the host name configured in the client, so the client cannot tell the server from an impostor: mail clients refuse or warn, and the tester sends no password (RFC 7817 §3, RFC 6125 §6.4).",
        fix: "Configure the client with a host name the certificate names (often the provider's documented smtp.<provider> name, not a CNAME or an IP address), or reissue the certificate for the name in use.",
        reference: "RFC 7817 §3" },
    /// `submission.cert_untrusted`: the certificate does not chain to a trusted root.
    SUBMISSION_CERT_UNTRUSTED = { id: "submission.cert_untrusted", severity: Warning, area: Smtp,
        title: "Certificate is not trusted",
        explanation: "The certificate names the host but does not chain to a trusted root (self-signed, private CA, missing intermediate or expired): mail clients refuse or ask the user to accept it, which trains users to accept an impostor's (RFC 7817 §3, RFC 8314 §4.1). The tester still logged in, since the name matches.",
        fix: "Install a certificate from a public CA (ACME / Let's Encrypt) and serve the full chain; for a private CA, give the tester its certificate (--ca-file) and install it on every client.",
        reference: "RFC 7817 §3" },
    /// `submission.sender_not_owned`: the test message's sender is refused for this login.
    SUBMISSION_SENDER_NOT_OWNED = { id: "submission.sender_not_owned", severity: Warning, area: Smtp,
        title: "Sender address refused for this login",
        explanation: "MAIL FROM was refused after a successful login: the server lets each user send only as their own addresses (RFC 6409 §6.1; Postfix reject_sender_login_mismatch answers 553 5.7.1 \"not owned by user\").",
        fix: "Send from the account's own address (--from), or add the address as an alias / send-as identity of the account.",
        reference: "RFC 6409 §6.1" },
    /// `submission.send_refused`: the test message was refused.
    SUBMISSION_SEND_REFUSED = { id: "submission.send_refused", severity: Warning, area: Smtp,
        title: "The test message was refused",
        explanation: "The server refused the test message (at MAIL FROM, RCPT TO or after DATA); the reply says why (RFC 5321 §4.2.2, §4.1.1.4).",
        fix: "Read the server's reply: a recipient refused for relaying means the login did not authorize relaying; a refused message may be a content or rate limit.",
        reference: "RFC 5321 §4.2.2" },
}
