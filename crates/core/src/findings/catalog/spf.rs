//! Catalog entries: spf (RFC 7208 results, limits and record problems).

crate::findings! {
    /// `check_host()` returned fail.
    FAIL = {
        id: "spf.fail",
        severity: Error,
        area: Spf,
        title: "SPF fail: the sending server is not authorized",
        explanation: "The domain's SPF record explicitly says this server may not send its mail (a '-' mechanism matched). Receivers may reject the message, and DMARC cannot pass through SPF (RFC 7208 §2.6.4, §8.4).",
        fix: "If this server is yours, add it to the SPF record before the '-all', e.g. \"v=spf1 ip4:192.0.2.10 include:_spf.your-esp.example -all\" (use your server's address / your provider's include).",
        reference: "RFC 7208 §2.6.4",
    },
    /// `check_host()` returned softfail.
    SOFTFAIL = {
        id: "spf.softfail",
        severity: Warning,
        area: Spf,
        title: "SPF softfail: the server is probably not authorized",
        explanation: "A '~' mechanism (usually '~all') matched: the domain says the server is probably not authorized. Receivers treat this as suspicious and DMARC does not count it as an SPF pass (RFC 7208 §2.6.5, §8.5).",
        fix: "Add the sending server to the SPF record (ip4:/ip6:/include: of your provider) so the message passes instead of reaching '~all'.",
        reference: "RFC 7208 §2.6.5",
    },
    /// `check_host()` returned neutral.
    NEUTRAL = {
        id: "spf.neutral",
        severity: Warning,
        area: Spf,
        title: "SPF neutral: the domain makes no assertion",
        explanation: "No mechanism authorized the server and the record ends in '?all' or has no 'all' at all, so the result is neutral, which DMARC treats like no SPF pass (RFC 7208 §2.6.2, §4.7).",
        fix: "List every sending server in the record and end it with '-all' or '~all', e.g. \"v=spf1 mx include:_spf.your-esp.example -all\".",
        reference: "RFC 7208 §2.6.2",
    },
    /// No SPF record.
    NONE = {
        id: "spf.none",
        severity: Warning,
        area: Spf,
        title: "No SPF record",
        explanation: "The domain publishes no 'v=spf1' TXT record (or the name is not a valid domain), so receivers cannot tell which servers may send for it. Gmail and Yahoo require SPF or DKIM for all senders and both for bulk senders (RFC 7208 §2.6.1, §4.5).",
        fix: "Publish exactly one TXT record at the domain, e.g. \"v=spf1 mx -all\" listing every server and provider that sends as the domain.",
        reference: "RFC 7208 §2.6.1",
    },
    /// temperror: DNS trouble.
    TEMPERROR = {
        id: "spf.temperror",
        severity: Warning,
        area: Spf,
        title: "SPF temperror: a DNS lookup failed",
        explanation: "A DNS query needed by SPF timed out or failed (SERVFAIL). This is a temporary error, not a missing record; receivers usually defer or treat the message as unauthenticated until DNS answers (RFC 7208 §2.6.6, §5).",
        fix: "Check that every name in the SPF tree answers quickly from all of its authoritative servers (e.g. `dig +norec TXT <name> @<each NS>`), and fix or remove includes whose servers time out.",
        reference: "RFC 7208 §2.6.6",
    },
    /// permerror, generic.
    PERMERROR = {
        id: "spf.permerror",
        severity: Error,
        area: Spf,
        title: "SPF permerror: the record cannot be evaluated",
        explanation: "The SPF record (or one it includes) is broken, so SPF yields permerror; DMARC treats it as an SPF failure and many receivers as a fail (RFC 7208 §2.6.7).",
        fix: "Correct the record so that it parses and evaluates, e.g. test it with `inboxlens domain <domain>` after each change.",
        reference: "RFC 7208 §2.6.7",
    },
    /// More than 10 DNS-querying terms.
    TOO_MANY_LOOKUPS = {
        id: "spf.too_many_lookups",
        severity: Error,
        area: Spf,
        title: "SPF needs more than 10 DNS lookups",
        explanation: "Evaluating the record needs more than 10 terms that query DNS (include, a, mx, ptr, exists, redirect, counted through every include). The 11th makes the result permerror for every message (RFC 7208 §4.6.4).",
        fix: "Remove unused includes, replace 'a'/'mx'/'ptr' with ip4:/ip6: ranges, and avoid nested includes of providers you no longer use, until the tree needs at most 10 lookups.",
        reference: "RFC 7208 §4.6.4",
    },
    /// More than 2 void lookups.
    VOID_LIMIT = {
        id: "spf.void_limit",
        severity: Error,
        area: Spf,
        title: "SPF has more than 2 void lookups",
        explanation: "More than two DNS lookups of the SPF evaluation returned no records (NXDOMAIN or an empty answer): names in 'a:', 'mx:', 'exists:' or 'include:' that do not exist. After the second, evaluation stops with permerror (RFC 7208 §4.6.4).",
        fix: "Remove or correct the mechanisms that point at names without records (e.g. an 'a:' for a retired host or an 'include:' of a domain that no longer publishes SPF).",
        reference: "RFC 7208 §4.6.4",
    },
    /// Several v=spf1 records.
    MULTIPLE_RECORDS = {
        id: "spf.multiple_records",
        severity: Error,
        area: Spf,
        title: "More than one SPF record",
        explanation: "A name publishes several TXT records starting with 'v=spf1'. SPF requires exactly one; with two or more the result is permerror (RFC 7208 §4.5, §3.2).",
        fix: "Merge the records into a single TXT record, e.g. \"v=spf1 include:_spf.a.example include:_spf.b.example -all\", and delete the others.",
        reference: "RFC 7208 §4.5",
    },
    /// Record syntax error.
    SYNTAX_ERROR = {
        id: "spf.syntax_error",
        severity: Error,
        area: Spf,
        title: "SPF record syntax error",
        explanation: "The record does not follow the SPF grammar (unknown mechanism, bad CIDR length, invalid domain, malformed macro, duplicate redirect=/exp=, or a non-ASCII or control character). Any syntax error anywhere makes the whole result permerror (RFC 7208 §4.6, §12).",
        fix: "Rewrite the offending term: mechanisms are all, include:, a, mx, ptr, ip4:, ip6:, exists:; CIDR lengths are /0-/32 (IPv4) and /0-/128 (IPv6) without leading zeros; terms are separated by single spaces.",
        reference: "RFC 7208 §12",
    },
    /// mx with more than 10 names.
    TOO_MANY_MX = {
        id: "spf.too_many_mx",
        severity: Error,
        area: Spf,
        title: "An 'mx' mechanism finds more than 10 MX names",
        explanation: "An 'mx' term's domain has more than 10 MX records; SPF may look up at most 10 and the mechanism then yields permerror (RFC 7208 §4.6.4).",
        fix: "Replace the 'mx' mechanism with ip4:/ip6: ranges of the mail servers, or reduce the MX set to at most 10 hosts.",
        reference: "RFC 7208 §4.6.4",
    },
    /// include/redirect to a domain without SPF.
    BROKEN_REFERENCE = {
        id: "spf.broken_include",
        severity: Error,
        area: Spf,
        title: "include:/redirect= points at a domain without SPF record",
        explanation: "An 'include:' or 'redirect=' target publishes no SPF record (or is not a valid domain). Unlike at the top level, this is not 'none' but permerror (RFC 7208 §5.2, §6.1).",
        fix: "Correct the target name (check your provider's documented include, e.g. 'include:_spf.google.com') or remove the term.",
        reference: "RFC 7208 §5.2",
    },
    /// A loop in the include/redirect graph.
    LOOP = {
        id: "spf.loop",
        severity: Error,
        area: Spf,
        title: "SPF include/redirect loop",
        explanation: "The include/redirect chain comes back to a domain already being evaluated. Evaluation runs until the 10-lookup limit and ends in permerror (RFC 7208 §4.6.4, §5.2).",
        fix: "Remove the include/redirect that points back up the chain.",
        reference: "RFC 7208 §4.6.4",
    },
    /// The ptr mechanism is used.
    PTR_USED = {
        id: "spf.ptr_mechanism",
        severity: Warning,
        area: Spf,
        title: "SPF uses the 'ptr' mechanism",
        explanation: "'ptr' is slow, unreliable and costs many DNS lookups; RFC 7208 says it SHOULD NOT be used and some receivers ignore it (RFC 7208 §5.5).",
        fix: "Replace 'ptr' with the ip4:/ip6: ranges of the servers it was meant to cover.",
        reference: "RFC 7208 §5.5",
    },
    /// +all authorizes everyone.
    PASS_ALL = {
        id: "spf.pass_all",
        severity: Error,
        area: Spf,
        title: "SPF authorizes every server ('+all')",
        explanation: "A record ending in '+all' (or 'all') lets any server on the Internet pass SPF for the domain, which defeats SPF and lets spoofed mail pass DMARC through SPF alignment (RFC 7208 §5.1, §11).",
        fix: "Replace '+all' with '-all' (or '~all') after listing your real senders, e.g. \"v=spf1 mx include:_spf.your-esp.example -all\".",
        reference: "RFC 7208 §5.1",
    },
    /// No client IP: SPF not evaluated.
    NOT_EVALUATED = {
        id: "spf.not_evaluated",
        severity: Info,
        area: Spf,
        title: "SPF not evaluated: client IP unknown",
        explanation: "SPF authorizes a client IP address for a domain; without the address of the server that handed the message to the receiver (no trustworthy Received hop), check_host() cannot run (RFC 7208 §4.1).",
        fix: "Analyze the message as received by the final mailbox (with its Received headers), or give the client IP explicitly (`inboxlens spf --ip ...`).",
        reference: "RFC 7208 §4.1",
    },
}
