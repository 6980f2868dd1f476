//! Catalog entries of the domain check (`inboxlens domain`): DMARC record
//! (`dmarc_record.*`), DKIM keys (`dkim_key.*`), MX, MTA-STS, TLS-RPT, BIMI,
//! DNSSEC, DANE and the parked-domain profile. The SPF record's entries
//! (`spf_record.*`) are in `catalog::spf`, with the SPF results. The checks replace the default
//! `fix` with the full record to publish whenever they can build it.

crate::findings! {
    // ---------------------------------------------------------------- DMARC record
    /// `dmarc_record.missing`: No DMARC record was found at _dmarc.<domain> or by the DNS tree walk to its parents
    /// (RFC 9989 §4.10).
    DMARC_MISSING = { id: "dmarc_record.missing", severity: Error, area: Dmarc,
        title: "No DMARC record",
        explanation: "No DMARC record was found at _dmarc.<domain> or by the DNS tree walk to its parents (RFC 9989 §4.10). Receivers apply no policy to forged mail and send you no reports; Gmail and Yahoo require DMARC for bulk senders.",
        fix: "_dmarc.example.com. IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com\"",
        reference: "RFC 9989 §4.10, RFC 7489 §6.6.3" },
    /// `dmarc_record.multiple`: More than one TXT record at _dmarc.<domain> starts with v=DMARC1.
    DMARC_MULTIPLE = { id: "dmarc_record.multiple", severity: Error, area: Dmarc,
        title: "Several DMARC records",
        explanation: "More than one TXT record at _dmarc.<domain> starts with v=DMARC1. Receivers then apply no DMARC policy at all (RFC 7489 §6.6.3, RFC 9989 §4.10).",
        fix: "Keep exactly one v=DMARC1 record.",
        reference: "RFC 9989 §4.10" },
    /// `dmarc_record.temperror`: The DMARC query timed out or failed (SERVFAIL).
    DMARC_TEMPERROR = { id: "dmarc_record.temperror", severity: Warning, area: Dmarc,
        title: "DMARC lookup failed (temperror): inconclusive",
        explanation: "The DMARC query timed out or failed (SERVFAIL). This is not \"no record\": receivers will retry or treat mail as temperror (RFC 9989 §4.10).",
        fix: "Make sure the domain's name servers answer TXT queries for _dmarc.<domain>.",
        reference: "RFC 9989 §4.10" },
    /// `dmarc_record.syntax`: The record does not start with v=DMARC1, has a duplicate or malformed tag, or a tag
    /// with an invalid value.
    DMARC_SYNTAX = { id: "dmarc_record.syntax", severity: Error, area: Dmarc,
        title: "DMARC syntax error",
        explanation: "The record does not start with v=DMARC1, has a duplicate or malformed tag, or a tag with an invalid value. Receivers ignore invalid tags, or the whole record, so the intended policy may not apply (RFC 9989 §4.7, RFC 7489 §6.3).",
        fix: "Publish the corrected record shown.",
        reference: "RFC 9989 §4.7" },
    /// `dmarc_record.invalid_value`: A tag has a value outside its grammar (e.g. sp=maybe, fo=9, adkim=x).
    DMARC_INVALID_VALUE = { id: "dmarc_record.invalid_value", severity: Error, area: Dmarc,
        title: "DMARC tag with an invalid value",
        explanation: "A tag has a value outside its grammar (e.g. sp=maybe, fo=9, adkim=x). Receivers ignore such a tag and use its default (RFC 9989 §4.7, RFC 7489 §6.3).",
        fix: "Publish the corrected record shown.",
        reference: "RFC 9989 §4.7" },
    /// `dmarc_record.missing_p`: The p= tag is required (RFC 7489 §6.3).
    DMARC_MISSING_P = { id: "dmarc_record.missing_p", severity: Error, area: Dmarc,
        title: "DMARC record without p=",
        explanation: "The p= tag is required (RFC 7489 §6.3). RFC 9989 treats a record without a valid p= as p=none when it has rua=, otherwise the record is unusable.",
        fix: "Add p=none (monitoring), then move to p=quarantine and p=reject.",
        reference: "RFC 9989 §4.7, RFC 7489 §6.3" },
    /// `dmarc_record.pct_invalid`: pct= must be an integer from 0 to 100 (RFC 7489 §6.3).
    DMARC_PCT_INVALID = { id: "dmarc_record.pct_invalid", severity: Error, area: Dmarc,
        title: "DMARC pct= out of range",
        explanation: "pct= must be an integer from 0 to 100 (RFC 7489 §6.3). Moreover RFC 9989 removed pct= altogether (replaced by t=y for testing), so remove it.",
        fix: "Remove pct=; use t=y while testing an enforcing policy.",
        reference: "RFC 7489 §6.3, RFC 9989 Appendix A" },
    /// `dmarc_record.removed_tag`: pct=, rf= and ri= were removed by RFC 9989 (DMARCbis): receivers following it
    /// ignore them. pct is replaced by t=y (testing), rf by the single AFRF format, ri by the receiver's own
    /// schedule.
    DMARC_REMOVED_TAG = { id: "dmarc_record.removed_tag", severity: Info, area: Dmarc,
        title: "DMARC tag removed by RFC 9989",
        explanation: "pct=, rf= and ri= were removed by RFC 9989 (DMARCbis): receivers following it ignore them. pct is replaced by t=y (testing), rf by the single AFRF format, ri by the receiver's own schedule.",
        fix: "Remove pct=, rf= and ri= from the record.",
        reference: "RFC 9989 Appendix A" },
    /// `dmarc_record.unknown_tag`: The record has a tag that DMARC does not define.
    DMARC_UNKNOWN_TAG = { id: "dmarc_record.unknown_tag", severity: Warning, area: Dmarc,
        title: "Unknown DMARC tag",
        explanation: "The record has a tag that DMARC does not define. Receivers ignore unknown tags (RFC 9989 §4.7), so it is probably a typo of a tag you meant to set.",
        fix: "Remove the tag or correct its name.",
        reference: "RFC 9989 §4.7" },
    /// `dmarc_record.report_uri_invalid`: rua= and ruf= take a comma-separated list of URIs; RFC 9989 supports only
    /// mailto: (RFC 7489 §6.2 requires URIs).
    DMARC_RUA_NOT_MAILTO = { id: "dmarc_record.report_uri_invalid", severity: Error, area: Dmarc,
        title: "DMARC report address is not a mailto: URI",
        explanation: "rua= and ruf= take a comma-separated list of URIs; RFC 9989 supports only mailto: (RFC 7489 §6.2 requires URIs). A bare address like dmarc@example.com is not a URI, so no reports are sent.",
        fix: "rua=mailto:dmarc@example.com",
        reference: "RFC 9989 §4.7, RFC 7489 §6.2" },
    /// `dmarc_record.policy_none`: p=none asks receivers to take no action on mail that fails DMARC: forged mail
    /// from your domain is still delivered.
    DMARC_POLICY_NONE = { id: "dmarc_record.policy_none", severity: Warning, area: Dmarc,
        title: "DMARC policy is p=none (monitoring only)",
        explanation: "p=none asks receivers to take no action on mail that fails DMARC: forged mail from your domain is still delivered. It is the right first step while reading reports, then move to p=quarantine and p=reject (RFC 9989 §7.1).",
        fix: "_dmarc.example.com. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com\"",
        reference: "RFC 9989 §7.1" },
    /// `dmarc_record.subdomain_policy_weaker`: sp= (or np=) is weaker than p=, so forgers can use invented
    /// sub-domains (a.example.com) to bypass your policy (RFC 9989 §4.7).
    DMARC_SUBDOMAIN_WEAKER = { id: "dmarc_record.subdomain_policy_weaker", severity: Warning, area: Dmarc,
        title: "Subdomain policy weaker than the domain policy",
        explanation: "sp= (or np=) is weaker than p=, so forgers can use invented sub-domains (a.example.com) to bypass your policy (RFC 9989 §4.7).",
        fix: "Set sp= and np= at least as strict as p=, or remove them (they default to p).",
        reference: "RFC 9989 §4.7" },
    /// `dmarc_record.testing`: t=y asks receivers to apply one step less than the policy (reject as quarantine,
    /// quarantine as none) (RFC 9989 §4.7).
    DMARC_TESTING = { id: "dmarc_record.testing", severity: Warning, area: Dmarc,
        title: "DMARC t=y: policy in test mode",
        explanation: "t=y asks receivers to apply one step less than the policy (reject as quarantine, quarantine as none) (RFC 9989 §4.7). Remove it when tests are done.",
        fix: "Remove t=y from the record.",
        reference: "RFC 9989 §4.7" },
    /// `dmarc_record.no_reports`: Without rua= you receive no aggregate reports, so you cannot see who sends mail
    /// as your domain nor whether it authenticates (RFC 9989 §4.7, RFC 9990).
    DMARC_NO_RUA = { id: "dmarc_record.no_reports", severity: Warning, area: Dmarc,
        title: "DMARC record asks for no aggregate reports",
        explanation: "Without rua= you receive no aggregate reports, so you cannot see who sends mail as your domain nor whether it authenticates (RFC 9989 §4.7, RFC 9990).",
        fix: "Add rua=mailto:dmarc-reports@<your domain>.",
        reference: "RFC 9990 §2, RFC 9989 §4.7" },
    /// `dmarc_record.external_destination_unauthorized`: A rua/ruf address is in another organizational domain,
    /// which must publish <your domain>._report._dmarc.<its domain> TXT "v=DMARC1" to accept the reports.
    DMARC_EXTERNAL_UNAUTHORIZED = { id: "dmarc_record.external_destination_unauthorized", severity: Error, area: Dmarc,
        title: "External DMARC report destination has not authorized the reports",
        explanation: "A rua/ruf address is in another organizational domain, which must publish <your domain>._report._dmarc.<its domain> TXT \"v=DMARC1\" to accept the reports. Without it receivers drop that destination (RFC 7489 §7.1, RFC 9990 §4).",
        fix: "The report receiver publishes: example.com._report._dmarc.reports.example.net. IN TXT \"v=DMARC1\"",
        reference: "RFC 7489 §7.1, RFC 9990 §4" },
    /// `dmarc_record.inherited`: The domain has no _dmarc record of its own; the policy applies from a parent
    /// domain found by the RFC 9989 DNS tree walk (§4.10).
    DMARC_INHERITED = { id: "dmarc_record.inherited", severity: Info, area: Dmarc,
        title: "DMARC policy found by the tree walk",
        explanation: "The domain has no _dmarc record of its own; the policy applies from a parent domain found by the RFC 9989 DNS tree walk (§4.10). Its sp=/np= apply, not its p=.",
        fix: "Publish _dmarc.<domain> if this domain needs its own policy or reports.",
        reference: "RFC 9989 §4.10" },
    /// `dmarc_record.discovery_differs`: RFC 7489 looks at _dmarc.<domain>, then at the organizational domain (its
    /// registrable domain); RFC 9989 walks the DNS tree.
    DMARC_DISCOVERY_DIFFERS = { id: "dmarc_record.discovery_differs", severity: Info, area: Dmarc,
        title: "RFC 7489 and RFC 9989 find different DMARC policies",
        explanation: "RFC 7489 looks at _dmarc.<domain>, then at the organizational domain (its registrable domain); RFC 9989 walks the DNS tree. For this domain the two readings disagree, so receivers on different versions apply different policies (RFC 9989 §4.10, RFC 7489 §6.6.3).",
        fix: "Publish _dmarc.<domain> explicitly so both readings agree.",
        reference: "RFC 9989 §4.10, RFC 7489 §6.6.3" },

    // ---------------------------------------------------------------- DKIM keys
    /// `dkim_key.none_found`: None of the probed selectors has a DKIM key.
    DKIM_NONE_FOUND = { id: "dkim_key.none_found", severity: Info, area: Dkim,
        title: "No DKIM key found at the probed selectors",
        explanation: "None of the probed selectors has a DKIM key. That proves nothing: selectors are arbitrary names and cannot be listed from DNS (RFC 6376 §3.1). Give your real selector (s= in a DKIM-Signature of your mail) with --selector.",
        fix: "Run again with --selector <the s= value of your DKIM-Signature>.",
        reference: "RFC 6376 §3.1" },
    /// `dkim_key.missing`: The selector you named has no DKIM key record (NXDOMAIN or no TXT with p=).
    DKIM_MISSING = { id: "dkim_key.missing", severity: Warning, area: Dkim,
        title: "No DKIM key at the given selector",
        explanation: "The selector you named has no DKIM key record (NXDOMAIN or no TXT with p=). Signatures with s=<selector> fail with permerror \"no key\" (RFC 6376 §6.1.2).",
        fix: "Publish the public key: <selector>._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=<base64 DER public key>\"",
        reference: "RFC 6376 §3.6.2.1, §6.1.2" },
    /// `dkim_key.weak_rsa`: Keys under 1024 bits can be factored; RFC 8301 §3.2 says verifiers MUST NOT consider
    /// signatures with them valid, so mail signed with this key fails DKIM.
    DKIM_WEAK = { id: "dkim_key.weak_rsa", severity: Error, area: Dkim,
        title: "DKIM RSA key shorter than 1024 bits",
        explanation: "Keys under 1024 bits can be factored; RFC 8301 §3.2 says verifiers MUST NOT consider signatures with them valid, so mail signed with this key fails DKIM.",
        fix: "Generate a 2048-bit RSA key (openssl genrsa 2048) and publish it at a new selector.",
        reference: "RFC 8301 §3.2" },
    /// `dkim_key.rsa_1024`: 1024-bit RSA is the minimum verifiers accept (RFC 8301 §3.2) and is considered weak;
    /// RFC 8301 asks signers to use at least 2048 bits.
    DKIM_1024 = { id: "dkim_key.rsa_1024", severity: Warning, area: Dkim,
        title: "DKIM RSA key of 1024 bits",
        explanation: "1024-bit RSA is the minimum verifiers accept (RFC 8301 §3.2) and is considered weak; RFC 8301 asks signers to use at least 2048 bits.",
        fix: "Rotate to a 2048-bit RSA key (or add an ed25519 key, RFC 8463) at a new selector.",
        reference: "RFC 8301 §3.2" },
    /// `dkim_key.testing`: t=y says the domain is testing DKIM: verifiers MUST NOT treat signed mail differently
    /// from unsigned mail (RFC 6376 §3.6.1), so DKIM gives no benefit.
    DKIM_TESTING = { id: "dkim_key.testing", severity: Warning, area: Dkim,
        title: "DKIM key in testing mode (t=y)",
        explanation: "t=y says the domain is testing DKIM: verifiers MUST NOT treat signed mail differently from unsigned mail (RFC 6376 §3.6.1), so DKIM gives no benefit.",
        fix: "Remove t=y from the key record once signing works.",
        reference: "RFC 6376 §3.6.1" },
    /// `dkim_key.revoked`: An empty p= means the key was revoked (RFC 6376 §3.6.1): signatures with this selector
    /// fail.
    DKIM_REVOKED = { id: "dkim_key.revoked", severity: Info, area: Dkim,
        title: "DKIM key revoked (empty p=)",
        explanation: "An empty p= means the key was revoked (RFC 6376 §3.6.1): signatures with this selector fail. Fine for a retired selector; an error if your mail is still signed with it.",
        fix: "If this selector is still in use, publish its public key: p=<base64 DER>.",
        reference: "RFC 6376 §3.6.1" },
    /// `dkim_key.syntax`: The key record is malformed (bad base64 in p=, a key that does not decode, unknown k=, or
    /// v= not DKIM1).
    DKIM_SYNTAX = { id: "dkim_key.syntax", severity: Error, area: Dkim,
        title: "DKIM key record is invalid",
        explanation: "The key record is malformed (bad base64 in p=, a key that does not decode, unknown k=, or v= not DKIM1). Verifiers return permerror for every signature with this selector (RFC 6376 §3.6.1, §6.1.2).",
        fix: "Publish the key as: v=DKIM1; k=rsa; p=<base64 of the DER SubjectPublicKeyInfo>.",
        reference: "RFC 6376 §3.6.1" },
    /// `dkim_key.sha1_only`: h=sha1 restricts the key to rsa-sha1, which RFC 8301 §3.1 forbids signers to use and
    /// verifiers may reject.
    DKIM_SHA1 = { id: "dkim_key.sha1_only", severity: Warning, area: Dkim,
        title: "DKIM key allows only SHA-1",
        explanation: "h=sha1 restricts the key to rsa-sha1, which RFC 8301 §3.1 forbids signers to use and verifiers may reject.",
        fix: "Remove h= or set h=sha256.",
        reference: "RFC 8301 §3.1" },
    /// `dkim_key.temperror`: The query for a selector timed out or failed; this is not "no key".
    DKIM_TEMPERROR = { id: "dkim_key.temperror", severity: Warning, area: Dkim,
        title: "DKIM key lookup failed (temperror): inconclusive",
        explanation: "The query for a selector timed out or failed; this is not \"no key\". Verifiers return temperror (RFC 6376 §6.1.2).",
        fix: "Make sure the name servers answer TXT queries under _domainkey.",
        reference: "RFC 6376 §6.1.2" },

    // ---------------------------------------------------------------- MX
    /// `mx.missing`: The domain has no MX record.
    MX_MISSING = { id: "mx.missing", severity: Warning, area: Mx,
        title: "No MX record",
        explanation: "The domain has no MX record. Senders then fall back to its A/AAAA record (implicit MX, RFC 5321 §5.1), or cannot deliver bounces and replies at all. If the domain receives no mail, publish a null MX (RFC 7505).",
        fix: "example.com. IN MX 10 mx.example.com.   (or, for no mail: example.com. IN MX 0 .)",
        reference: "RFC 5321 §5.1, RFC 7505" },
    /// `mx.null_mx`: The domain publishes "MX 0 ." (RFC 7505): it accepts no mail.
    MX_NULL = { id: "mx.null_mx", severity: Info, area: Mx,
        title: "Null MX: the domain accepts no mail",
        explanation: "The domain publishes \"MX 0 .\" (RFC 7505): it accepts no mail. Mail you send from it cannot get bounces or replies, and some receivers reject mail from domains that cannot receive.",
        fix: "Keep it if the domain never sends or receives mail.",
        reference: "RFC 7505 §3" },
    /// `mx.null_mx_mixed`: A null MX ("MX 0 .") must be the only MX record of the domain (RFC 7505 §3); mixed with
    /// others, senders' behaviour is undefined.
    MX_NULL_MIXED = { id: "mx.null_mx_mixed", severity: Error, area: Mx,
        title: "Null MX published together with other MX records",
        explanation: "A null MX (\"MX 0 .\") must be the only MX record of the domain (RFC 7505 §3); mixed with others, senders' behaviour is undefined.",
        fix: "Remove either the null MX or the other MX records.",
        reference: "RFC 7505 §3" },
    /// `mx.cname`: The MX target is an alias (CNAME).
    MX_CNAME = { id: "mx.cname", severity: Error, area: Mx,
        title: "MX host is a CNAME",
        explanation: "The MX target is an alias (CNAME). RFC 2181 §10.3 and RFC 5321 §5.1 require the MX to name a host with A/AAAA records directly; some senders refuse or mis-handle it.",
        fix: "Point the MX at the canonical host name (the CNAME's target).",
        reference: "RFC 2181 §10.3, RFC 5321 §5.1" },
    /// `mx.ip_literal`: An MX exchange must be a host name (RFC 7505 §1, RFC 5321 §5.1); "MX 10 192.0.2.1" is
    /// looked up as a name "192.0.2.1." and fails.
    MX_IP_LITERAL = { id: "mx.ip_literal", severity: Error, area: Mx,
        title: "MX points at an IP address",
        explanation: "An MX exchange must be a host name (RFC 7505 §1, RFC 5321 §5.1); \"MX 10 192.0.2.1\" is looked up as a name \"192.0.2.1.\" and fails.",
        fix: "example.com. IN MX 10 mx.example.com.  plus  mx.example.com. IN A 192.0.2.1",
        reference: "RFC 5321 §5.1" },
    /// `mx.host_unresolvable`: The MX host has no A or AAAA record (NXDOMAIN or no data), so senders cannot deliver
    /// to it and fall through to the next MX, or bounce (RFC 5321 §5.1).
    MX_UNRESOLVABLE = { id: "mx.host_unresolvable", severity: Error, area: Mx,
        title: "MX host has no address",
        explanation: "The MX host has no A or AAAA record (NXDOMAIN or no data), so senders cannot deliver to it and fall through to the next MX, or bounce (RFC 5321 §5.1).",
        fix: "Publish an A/AAAA record for the host or remove the MX record.",
        reference: "RFC 5321 §5.1" },
    /// `mx.temperror`: An MX, address or PTR query timed out or failed (SERVFAIL); the result is unknown, not "no
    /// record".
    MX_TEMPERROR = { id: "mx.temperror", severity: Warning, area: Mx,
        title: "MX lookup failed (temperror): inconclusive",
        explanation: "An MX, address or PTR query timed out or failed (SERVFAIL); the result is unknown, not \"no record\". Senders will queue and retry (RFC 5321 §5.1).",
        fix: "Make sure all name servers of the domain answer.",
        reference: "RFC 5321 §5.1" },
    /// `mx.no_ptr`: The mail server's address has no PTR record.
    MX_NO_PTR = { id: "mx.no_ptr", severity: Warning, area: Mx,
        title: "MX address has no reverse DNS (PTR)",
        explanation: "The mail server's address has no PTR record. Many receivers reject or penalize mail from addresses without reverse DNS (Gmail sender guidelines, RFC 1912 §2.1), and the MX usually sends mail too.",
        fix: "Ask the owner of the address block to publish: <reversed ip>.in-addr.arpa. IN PTR <mx host>.",
        reference: "RFC 1912 §2.1, Gmail sender guidelines" },
    /// `mx.fcrdns_mismatch`: The PTR name of the address does not resolve back to the same address (FCrDNS fails).
    MX_FCRDNS = { id: "mx.fcrdns_mismatch", severity: Warning, area: Mx,
        title: "Forward-confirmed reverse DNS fails",
        explanation: "The PTR name of the address does not resolve back to the same address (FCrDNS fails). Receivers check this for sending servers (Gmail and Yahoo bulk-sender requirements, RFC 8601 §3 iprev).",
        fix: "Make the PTR name's A/AAAA record include the address, or change the PTR to a name that does.",
        reference: "RFC 8601 §2.7.3, Gmail sender guidelines" },

    // ---------------------------------------------------------------- MTA-STS
    /// `mta_sts.missing`: Without MTA-STS (RFC 8461) senders deliver to you over opportunistic TLS, which an
    /// attacker on the path can strip.
    MTA_STS_MISSING = { id: "mta_sts.missing", severity: Info, area: MtaSts,
        title: "No MTA-STS",
        explanation: "Without MTA-STS (RFC 8461) senders deliver to you over opportunistic TLS, which an attacker on the path can strip. Publish _mta-sts TXT and a policy to require TLS.",
        fix: "_mta-sts.example.com. IN TXT \"v=STSv1; id=20240101000000\"  and serve https://mta-sts.example.com/.well-known/mta-sts.txt:\nversion: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 604800",
        reference: "RFC 8461 §3" },
    /// `mta_sts.txt_syntax`: The _mta-sts record must be "v=STSv1; id=<1-32 letters/digits>" (RFC 8461 §3.1);
    /// senders ignore an invalid one, and with several records MTA-STS is not used.
    MTA_STS_TXT_SYNTAX = { id: "mta_sts.txt_syntax", severity: Error, area: MtaSts,
        title: "Invalid _mta-sts TXT record",
        explanation: "The _mta-sts record must be \"v=STSv1; id=<1-32 letters/digits>\" (RFC 8461 §3.1); senders ignore an invalid one, and with several records MTA-STS is not used.",
        fix: "_mta-sts.example.com. IN TXT \"v=STSv1; id=20240101000000\"",
        reference: "RFC 8461 §3.1" },
    /// `mta_sts.policy_unavailable`: The _mta-sts record exists but
    /// https://mta-sts.<domain>/.well-known/mta-sts.txt could not be fetched over HTTPS with a valid certificate
    /// (RFC 8461 §3.3).
    MTA_STS_FETCH = { id: "mta_sts.policy_unavailable", severity: Error, area: MtaSts,
        title: "MTA-STS policy cannot be fetched",
        explanation: "The _mta-sts record exists but https://mta-sts.<domain>/.well-known/mta-sts.txt could not be fetched over HTTPS with a valid certificate (RFC 8461 §3.3). Senders treat the domain as having no policy.",
        fix: "Serve the policy file with status 200, Content-Type text/plain, a certificate valid for mta-sts.<domain>.",
        reference: "RFC 8461 §3.3" },
    /// `mta_sts.policy_not_fetched`: The policy file is served over HTTPS (RFC 8461 §3.3); this run had no HTTPS
    /// fetcher (e.g. the web app without the companion server), so only the TXT record was checked.
    MTA_STS_NOT_FETCHED = { id: "mta_sts.policy_not_fetched", severity: Info, area: MtaSts,
        title: "MTA-STS policy not fetched",
        explanation: "The policy file is served over HTTPS (RFC 8461 §3.3); this run had no HTTPS fetcher (e.g. the web app without the companion server), so only the TXT record was checked.",
        fix: "Run the check from the CLI or through the companion server to fetch the policy.",
        reference: "RFC 8461 §3.3" },
    /// `mta_sts.policy_syntax`: The policy file must have version: STSv1, mode: enforce|testing|none, max_age
    /// (0–31557600) and at least one mx: line unless mode is none (RFC 8461 §3.2).
    MTA_STS_POLICY_SYNTAX = { id: "mta_sts.policy_syntax", severity: Error, area: MtaSts,
        title: "Invalid MTA-STS policy",
        explanation: "The policy file must have version: STSv1, mode: enforce|testing|none, max_age (0–31557600) and at least one mx: line unless mode is none (RFC 8461 §3.2). Senders ignore an invalid policy.",
        fix: "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 604800",
        reference: "RFC 8461 §3.2" },
    /// `mta_sts.mode_testing`: mode: testing only asks senders to report TLS failures (with TLS-RPT); they still
    /// deliver without TLS (RFC 8461 §5).
    MTA_STS_TESTING = { id: "mta_sts.mode_testing", severity: Info, area: MtaSts,
        title: "MTA-STS in testing mode",
        explanation: "mode: testing only asks senders to report TLS failures (with TLS-RPT); they still deliver without TLS (RFC 8461 §5). Move to enforce after checking the reports.",
        fix: "mode: enforce",
        reference: "RFC 8461 §5" },
    /// `mta_sts.mode_none`: mode: none withdraws the policy (RFC 8461 §5): senders do not require TLS.
    MTA_STS_NONE = { id: "mta_sts.mode_none", severity: Warning, area: MtaSts,
        title: "MTA-STS mode none",
        explanation: "mode: none withdraws the policy (RFC 8461 §5): senders do not require TLS.",
        fix: "mode: testing (then enforce)",
        reference: "RFC 8461 §5" },
    /// `mta_sts.max_age_short`: A short max_age makes the policy expire between visits, leaving a window for
    /// downgrade attacks.
    MTA_STS_MAX_AGE = { id: "mta_sts.max_age_short", severity: Warning, area: MtaSts,
        title: "MTA-STS max_age is short",
        explanation: "A short max_age makes the policy expire between visits, leaving a window for downgrade attacks. RFC 8461 §3.2 suggests weeks (e.g. 604800 = 1 week or more).",
        fix: "max_age: 604800",
        reference: "RFC 8461 §3.2" },
    /// `mta_sts.mx_not_covered`: An MX host matches no mx: pattern of the policy.
    MTA_STS_MX_MISMATCH = { id: "mta_sts.mx_not_covered", severity: Error, area: MtaSts,
        title: "MX host not listed in the MTA-STS policy",
        explanation: "An MX host matches no mx: pattern of the policy. In enforce mode senders refuse to deliver to it (RFC 8461 §4.1).",
        fix: "Add an mx: line for every MX host (wildcards like *.example.com match one label).",
        reference: "RFC 8461 §4.1" },
    /// `mta_sts.temperror`: The _mta-sts TXT query timed out or failed; whether MTA-STS is published is unknown
    /// (RFC 8461 §3.1).
    MTA_STS_TEMPERROR = { id: "mta_sts.temperror", severity: Warning, area: MtaSts,
        title: "MTA-STS lookup failed (temperror): inconclusive",
        explanation: "The _mta-sts TXT query timed out or failed; whether MTA-STS is published is unknown (RFC 8461 §3.1).",
        fix: "Make sure the name servers answer TXT queries for _mta-sts.<domain>.",
        reference: "RFC 8461 §3.1" },

    // ---------------------------------------------------------------- TLS-RPT
    /// `tls_rpt.missing`: Without _smtp._tls TXT (RFC 8460) you get no reports about senders failing to establish
    /// TLS to your MX, which you need before enforcing MTA-STS or DANE.
    TLS_RPT_MISSING = { id: "tls_rpt.missing", severity: Info, area: TlsRpt,
        title: "No TLS-RPT record",
        explanation: "Without _smtp._tls TXT (RFC 8460) you get no reports about senders failing to establish TLS to your MX, which you need before enforcing MTA-STS or DANE.",
        fix: "_smtp._tls.example.com. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.com\"",
        reference: "RFC 8460 §3" },
    /// `tls_rpt.syntax`: The _smtp._tls record must be "v=TLSRPTv1; rua=<mailto: or https: URIs>" (RFC 8460 §3); an
    /// invalid record, or several, means no reports.
    TLS_RPT_SYNTAX = { id: "tls_rpt.syntax", severity: Error, area: TlsRpt,
        title: "Invalid TLS-RPT record",
        explanation: "The _smtp._tls record must be \"v=TLSRPTv1; rua=<mailto: or https: URIs>\" (RFC 8460 §3); an invalid record, or several, means no reports.",
        fix: "_smtp._tls.example.com. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.com\"",
        reference: "RFC 8460 §3" },
    /// `tls_rpt.temperror`: The _smtp._tls TXT query timed out or failed; whether TLS-RPT is published is unknown
    /// (RFC 8460 §3).
    TLS_RPT_TEMPERROR = { id: "tls_rpt.temperror", severity: Warning, area: TlsRpt,
        title: "TLS-RPT lookup failed (temperror): inconclusive",
        explanation: "The _smtp._tls TXT query timed out or failed; whether TLS-RPT is published is unknown (RFC 8460 §3).",
        fix: "Make sure the name servers answer TXT queries for _smtp._tls.<domain>.",
        reference: "RFC 8460 §3" },

    // ---------------------------------------------------------------- BIMI
    /// `bimi.missing`: default._bimi publishes the brand logo shown next to authenticated mail by participating
    /// mailbox providers (BIMI draft, §4).
    BIMI_MISSING = { id: "bimi.missing", severity: Info, area: Bimi,
        title: "No BIMI record",
        explanation: "default._bimi publishes the brand logo shown next to authenticated mail by participating mailbox providers (BIMI draft, §4). Optional.",
        fix: "default._bimi.example.com. IN TXT \"v=BIMI1; l=https://example.com/bimi/logo.svg; a=https://example.com/bimi/vmc.pem\"",
        reference: "draft-brand-indicators-for-message-identification §4" },
    /// `bimi.syntax`: The record must start with v=BIMI1 and have l= (and optionally a=) with https: URLs (BIMI
    /// draft §4.2); providers ignore an invalid record.
    BIMI_SYNTAX = { id: "bimi.syntax", severity: Error, area: Bimi,
        title: "Invalid BIMI record",
        explanation: "The record must start with v=BIMI1 and have l= (and optionally a=) with https: URLs (BIMI draft §4.2); providers ignore an invalid record.",
        fix: "default._bimi.example.com. IN TXT \"v=BIMI1; l=https://example.com/bimi/logo.svg; a=\"",
        reference: "draft-brand-indicators-for-message-identification §4.2" },
    /// `bimi.logo_url`: l= must be an https: URL of an SVG Tiny PS file (BIMI draft §4.2); other schemes or formats
    /// are not shown.
    BIMI_LOGO = { id: "bimi.logo_url", severity: Error, area: Bimi,
        title: "BIMI logo is not an https SVG",
        explanation: "l= must be an https: URL of an SVG Tiny PS file (BIMI draft §4.2); other schemes or formats are not shown.",
        fix: "l=https://example.com/bimi/logo.svg",
        reference: "draft-brand-indicators-for-message-identification §4.2" },
    /// `bimi.no_certificate`: Gmail and Apple Mail show BIMI logos only with a Verified or Common Mark Certificate
    /// named by a= (BIMI draft §4.2); without it the logo is shown by few providers.
    BIMI_NO_CERT = { id: "bimi.no_certificate", severity: Info, area: Bimi,
        title: "BIMI without a mark certificate (a=)",
        explanation: "Gmail and Apple Mail show BIMI logos only with a Verified or Common Mark Certificate named by a= (BIMI draft §4.2); without it the logo is shown by few providers.",
        fix: "a=https://example.com/bimi/vmc.pem",
        reference: "draft-brand-indicators-for-message-identification §4.2" },
    /// `bimi.dmarc_not_enforced`: BIMI logos are shown only for domains whose DMARC policy is p=quarantine or
    /// p=reject (and sp not none) (BIMI draft §3.2).
    BIMI_DMARC = { id: "bimi.dmarc_not_enforced", severity: Error, area: Bimi,
        title: "BIMI requires an enforcing DMARC policy",
        explanation: "BIMI logos are shown only for domains whose DMARC policy is p=quarantine or p=reject (and sp not none) (BIMI draft §3.2). With p=none the BIMI record is ignored.",
        fix: "_dmarc.example.com. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com\"",
        reference: "draft-brand-indicators-for-message-identification §3.2" },
    /// `bimi.temperror`: The default._bimi TXT query timed out or failed; whether BIMI is published is unknown.
    BIMI_TEMPERROR = { id: "bimi.temperror", severity: Warning, area: Bimi,
        title: "BIMI lookup failed (temperror): inconclusive",
        explanation: "The default._bimi TXT query timed out or failed; whether BIMI is published is unknown.",
        fix: "Make sure the name servers answer TXT queries for default._bimi.<domain>.",
        reference: "draft-brand-indicators-for-message-identification §4" },

    // ---------------------------------------------------------------- DNSSEC
    /// `dnssec.bogus`: The parent publishes a DS record for the zone, but the zone's answers do not validate:
    /// validating resolvers answer SERVFAIL, so to them the domain's MX, SPF and DMARC do not exist and mail to and
    /// from it fails (RFC 4035 §5.5).
    DNSSEC_BOGUS = { id: "dnssec.bogus", severity: Error, area: Dnssec,
        title: "DNSSEC validation fails (bogus)",
        explanation: "The parent publishes a DS record for the zone, but the zone's answers do not validate: validating resolvers answer SERVFAIL, so to them the domain's MX, SPF and DMARC do not exist and mail to and from it fails (RFC 4035 §5.5).",
        fix: "Re-sign the zone, or publish at the parent the DS record that matches the current KSK (or remove the DS to go insecure).",
        reference: "RFC 4035 §5.5" },
    /// `dnssec.unsigned`: The parent publishes no DS record: answers for the domain cannot be validated (RFC 4033
    /// §5), and DANE for the MX cannot be used (RFC 7672 §2.2).
    DNSSEC_UNSIGNED = { id: "dnssec.unsigned", severity: Info, area: Dnssec,
        title: "Domain not signed with DNSSEC",
        explanation: "The parent publishes no DS record: answers for the domain cannot be validated (RFC 4033 §5), and DANE for the MX cannot be used (RFC 7672 §2.2).",
        fix: "Enable DNSSEC signing at the DNS host and publish the DS record at the registrar.",
        reference: "RFC 4033 §5, RFC 7672 §2.2" },
    /// `dnssec.not_validated`: The resolver set the AD bit on no answer, so it does not validate (or the answers
    /// come from offline zone files); the DNSSEC status could not be determined (RFC 4035 §3.2.3).
    DNSSEC_NOT_VALIDATED = { id: "dnssec.not_validated", severity: Info, area: Dnssec,
        title: "DNSSEC status unknown: resolver does not validate",
        explanation: "The resolver set the AD bit on no answer, so it does not validate (or the answers come from offline zone files); the DNSSEC status could not be determined (RFC 4035 §3.2.3).",
        fix: "Run the check with a validating resolver (--resolver <validating resolver> or --doh).",
        reference: "RFC 4035 §3.2.3" },
    /// `dnssec.temperror`: The queries used to determine the DNSSEC status timed out or failed without evidence of
    /// a bogus signature (no DS at the parent); the status is unknown (RFC 4035 §5.5).
    DNSSEC_TEMPERROR = { id: "dnssec.temperror", severity: Warning, area: Dnssec,
        title: "DNSSEC status inconclusive (temperror)",
        explanation: "The queries used to determine the DNSSEC status timed out or failed without evidence of a bogus signature (no DS at the parent); the status is unknown (RFC 4035 §5.5).",
        fix: "Make sure all name servers of the domain answer.",
        reference: "RFC 4035 §5.5" },

    // ---------------------------------------------------------------- DANE
    /// `dane.without_dnssec`: TLSA records are used only when they validate with DNSSEC (RFC 7672 §2.2); in an
    /// unsigned or bogus zone senders ignore them.
    DANE_WITHOUT_DNSSEC = { id: "dane.without_dnssec", severity: Warning, area: Dane,
        title: "TLSA record without DNSSEC",
        explanation: "TLSA records are used only when they validate with DNSSEC (RFC 7672 §2.2); in an unsigned or bogus zone senders ignore them.",
        fix: "Sign the zone with DNSSEC, or remove the TLSA records.",
        reference: "RFC 7672 §2.2, RFC 6698 §4.1" },
    /// `dane.tlsa_invalid`: A TLSA record has an unknown usage/selector/matching type or data of the wrong length
    /// for its matching type (SHA-256: 32 bytes, SHA-512: 64) (RFC 6698 §2.1).
    DANE_SYNTAX = { id: "dane.tlsa_invalid", severity: Error, area: Dane,
        title: "Invalid TLSA record",
        explanation: "A TLSA record has an unknown usage/selector/matching type or data of the wrong length for its matching type (SHA-256: 32 bytes, SHA-512: 64) (RFC 6698 §2.1). Senders ignore unusable records; if none is usable, delivery is deferred (RFC 7672 §2.2).",
        fix: "_25._tcp.mx.example.com. IN TLSA 3 1 1 <sha256 of the server's SubjectPublicKeyInfo>",
        reference: "RFC 6698 §2.1, RFC 7672 §2.2" },
    /// `dane.pkix_usage`: RFC 7672 §3.1.3 says SMTP clients treat usages PKIX-TA(0) and PKIX-EE(1) as unusable; use
    /// DANE-EE(3) or DANE-TA(2).
    DANE_PKIX = { id: "dane.pkix_usage", severity: Warning, area: Dane,
        title: "TLSA certificate usage 0/1 (PKIX) for SMTP",
        explanation: "RFC 7672 §3.1.3 says SMTP clients treat usages PKIX-TA(0) and PKIX-EE(1) as unusable; use DANE-EE(3) or DANE-TA(2).",
        fix: "_25._tcp.mx.example.com. IN TLSA 3 1 1 <sha256 of the server's SubjectPublicKeyInfo>",
        reference: "RFC 7672 §3.1.3" },
    /// `dane.temperror`: A TLSA query timed out or failed.
    DANE_TEMPERROR = { id: "dane.temperror", severity: Warning, area: Dane,
        title: "TLSA lookup failed (temperror): inconclusive",
        explanation: "A TLSA query timed out or failed. For a DNSSEC-signed MX, senders doing DANE defer delivery when TLSA cannot be looked up (RFC 7672 §2.2).",
        fix: "Make sure the name servers answer TLSA queries for _25._tcp.<mx host>.",
        reference: "RFC 7672 §2.2" },

    // ---------------------------------------------------------------- parked
    /// `parked.spf`: A domain that sends no mail should say so with "v=spf1 -all", so forged mail from it fails SPF
    /// (M3AAWG parked-domains BCP, RFC 7208 §5.1).
    PARKED_SPF = { id: "parked.spf", severity: Error, area: Dns,
        title: "Parked domain: SPF is not \"v=spf1 -all\"",
        explanation: "A domain that sends no mail should say so with \"v=spf1 -all\", so forged mail from it fails SPF (M3AAWG parked-domains BCP, RFC 7208 §5.1).",
        fix: "example.com. IN TXT \"v=spf1 -all\"",
        reference: "M3AAWG Protecting Parked Domains BCP, RFC 7208 §5.1" },
    /// `parked.dmarc`: A domain that sends no mail should publish DMARC p=reject (and sp=reject) so receivers
    /// reject forged mail (M3AAWG parked-domains BCP, RFC 9989 §7.1).
    PARKED_DMARC = { id: "parked.dmarc", severity: Error, area: Dns,
        title: "Parked domain: DMARC is not p=reject",
        explanation: "A domain that sends no mail should publish DMARC p=reject (and sp=reject) so receivers reject forged mail (M3AAWG parked-domains BCP, RFC 9989 §7.1).",
        fix: "_dmarc.example.com. IN TXT \"v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s\"",
        reference: "M3AAWG Protecting Parked Domains BCP, RFC 9989 §7.1" },
    /// `parked.mx`: A domain that receives no mail should publish a null MX "MX 0 ." (RFC 7505) so senders fail
    /// fast instead of retrying, and receivers know mail from it is fake.
    PARKED_MX = { id: "parked.mx", severity: Error, area: Dns,
        title: "Parked domain: no null MX",
        explanation: "A domain that receives no mail should publish a null MX \"MX 0 .\" (RFC 7505) so senders fail fast instead of retrying, and receivers know mail from it is fake.",
        fix: "example.com. IN MX 0 .",
        reference: "RFC 7505 §3" },
}
