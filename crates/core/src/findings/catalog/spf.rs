//! Catalog entries of SPF (RFC 7208): the results of a message's `check_host()`
//! (`spf.<result>`: fail, softfail, neutral, none, permerror, not evaluated), and the
//! problems of a published record (`spf_record.*`: limits, syntax, loops, ...), emitted
//! both by the domain check and by a message's evaluation that ran into them.

crate::findings! {
    // ---------------------------------------------------------------- results (spf.*)
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
    // ---------------------------------------------------------------- the record (spf_record.*)
    // Problems of a published record, whichever check meets them: the domain check's lint
    // of the whole tree, and a message's check_host() that ended in permerror/temperror
    // because of one of them (one id per problem).
    /// `spf_record.missing`: The domain publishes no TXT record starting with "v=spf1", so receivers get SPF result
    /// "none" for mail from it and cannot tell legitimate servers from forgers (RFC 7208 §4.5).
    SPF_MISSING = { id: "spf_record.missing", severity: Warning, area: Spf,
        title: "No SPF record",
        explanation: "The domain publishes no TXT record starting with \"v=spf1\", so receivers get SPF result \"none\" for mail from it and cannot tell legitimate servers from forgers (RFC 7208 §4.5). Gmail and Yahoo require SPF or DKIM for all senders and both for bulk senders.",
        fix: "example.com. IN TXT \"v=spf1 mx -all\"",
        reference: "RFC 7208 §4.5" },
    /// `spf_record.multiple`: More than one TXT record at the name starts with "v=spf1".
    SPF_MULTIPLE = { id: "spf_record.multiple", severity: Error, area: Spf,
        title: "Several SPF records",
        explanation: "More than one TXT record at the name starts with \"v=spf1\". RFC 7208 §4.5 makes this a permerror: every SPF check of mail from this domain fails, whatever the records say. Merge them into one record.",
        fix: "Publish exactly one \"v=spf1 ...\" TXT record that merges the mechanisms of all of them.",
        reference: "RFC 7208 §4.5" },
    /// `spf_record.temperror`: A DNS query needed to read or evaluate the SPF record timed out or failed
    /// (SERVFAIL).
    SPF_TEMPERROR = { id: "spf_record.temperror", severity: Warning, area: Spf,
        title: "SPF lookup failed (temperror): inconclusive",
        explanation: "A DNS query needed to read or evaluate the SPF record timed out or failed (SERVFAIL). Receivers get SPF \"temperror\" and usually defer or treat the mail with suspicion. This is NOT a missing record: the data could not be read (RFC 7208 §2.6.6, §4.4).",
        fix: "Check that every authoritative name server of the domain (and of each included domain) answers TXT/A/MX queries quickly and consistently.",
        reference: "RFC 7208 §2.6.6" },
    /// `spf_record.syntax`: The record contains a term that is not valid SPF (unknown mechanism, bad domain-spec,
    /// bad IP address or modifier).
    SPF_SYNTAX = { id: "spf_record.syntax", severity: Error, area: Spf,
        title: "SPF syntax error",
        explanation: "The record contains a term that is not valid SPF (unknown mechanism, bad domain-spec, bad IP address or modifier). Receivers return permerror for the whole record (RFC 7208 §4.6, §12), so SPF fails for all mail.",
        fix: "Remove or correct the invalid term; the corrected record is shown in the detail.",
        reference: "RFC 7208 §4.6, §5, §6" },
    /// `spf_record.bad_cidr`: A CIDR prefix length is out of range (ip4: 0–32, ip6: 0–128) or malformed.
    SPF_BAD_CIDR = { id: "spf_record.bad_cidr", severity: Error, area: Spf,
        title: "Invalid CIDR length in SPF",
        explanation: "A CIDR prefix length is out of range (ip4: 0–32, ip6: 0–128) or malformed. RFC 7208 §5.6 makes an invalid prefix a syntax error: permerror.",
        fix: "Write the network as ip4:192.0.2.0/24 (prefix 0-32) or ip6:2001:db8::/32 (prefix 0-128).",
        reference: "RFC 7208 §5.6" },
    /// `spf_record.ptr_deprecated`: RFC 7208 §5.5 says the ptr mechanism SHOULD NOT be published: it is slow,
    /// unreliable, costs extra DNS lookups and some receivers ignore it.
    SPF_PTR = { id: "spf_record.ptr_deprecated", severity: Warning, area: Spf,
        title: "SPF uses the deprecated ptr mechanism",
        explanation: "RFC 7208 §5.5 says the ptr mechanism SHOULD NOT be published: it is slow, unreliable, costs extra DNS lookups and some receivers ignore it. List the sending networks with ip4:/ip6: instead.",
        fix: "Replace ptr with ip4:/ip6: mechanisms for the servers that send mail.",
        reference: "RFC 7208 §5.5" },
    /// `spf_record.pass_all`: The record ends with "+all" (or "all"), so every host on the Internet passes SPF for
    /// this domain; the record protects nothing and spammers can pass SPF as you (RFC 7208 §5.1, §A).
    SPF_PASS_ALL = { id: "spf_record.pass_all", severity: Error, area: Spf,
        title: "SPF +all authorizes the whole Internet",
        explanation: "The record ends with \"+all\" (or \"all\"), so every host on the Internet passes SPF for this domain; the record protects nothing and spammers can pass SPF as you (RFC 7208 §5.1, §A). Use -all (or ~all while migrating).",
        fix: "example.com. IN TXT \"v=spf1 mx -all\"",
        reference: "RFC 7208 §5.1" },
    /// `spf_record.neutral_all`: "?all" states nothing about unlisted hosts: forged mail gets "neutral", which
    /// receivers treat like no SPF at all (RFC 7208 §2.6.2).
    SPF_NEUTRAL_ALL = { id: "spf_record.neutral_all", severity: Warning, area: Spf,
        title: "SPF ends with ?all (neutral)",
        explanation: "\"?all\" states nothing about unlisted hosts: forged mail gets \"neutral\", which receivers treat like no SPF at all (RFC 7208 §2.6.2). End the record with -all (or ~all).",
        fix: "Replace ?all with -all.",
        reference: "RFC 7208 §2.6.2, §5.1" },
    /// `spf_record.no_all`: Without an "all" mechanism or a redirect, the default result for unlisted hosts is
    /// neutral (RFC 7208 §4.7): forged mail is not rejected.
    SPF_NO_ALL = { id: "spf_record.no_all", severity: Warning, area: Spf,
        title: "SPF has no all mechanism",
        explanation: "Without an \"all\" mechanism or a redirect, the default result for unlisted hosts is neutral (RFC 7208 §4.7): forged mail is not rejected. End the record with -all.",
        fix: "Append -all to the record.",
        reference: "RFC 7208 §4.7" },
    /// `spf_record.redirect_with_all`: The record has both an "all" mechanism and a redirect= modifier.
    SPF_REDIRECT_WITH_ALL = { id: "spf_record.redirect_with_all", severity: Warning, area: Spf,
        title: "SPF redirect= is ignored because of all",
        explanation: "The record has both an \"all\" mechanism and a redirect= modifier. RFC 7208 §6.1 says redirect is ignored when the record contains all, so the redirected record is never used.",
        fix: "Remove either all or redirect=.",
        reference: "RFC 7208 §6.1" },
    /// `spf_record.macros`: The record uses macros (%{i}, %{s}, ...).
    SPF_MACROS = { id: "spf_record.macros", severity: Info, area: Spf,
        title: "SPF uses macros",
        explanation: "The record uses macros (%{i}, %{s}, ...). They are valid but expand per message, cost a DNS lookup each time, cannot be flattened and are often mis-written (RFC 7208 §7). The domain check cannot evaluate them without a message.",
        fix: "Keep macros only if you need per-sender policy; otherwise list ip4:/ip6:/include: explicitly.",
        reference: "RFC 7208 §7" },
    /// `spf_record.broad_range`: An ip4:/ip6: mechanism covers a huge part of the address space (e.g. ip4:0.0.0.0/1
    /// is half the Internet).
    SPF_BROAD_RANGE = { id: "spf_record.broad_range", severity: Error, area: Spf,
        title: "SPF authorizes an overly broad address range",
        explanation: "An ip4:/ip6: mechanism covers a huge part of the address space (e.g. ip4:0.0.0.0/1 is half the Internet). That authorizes far more hosts than you run and lets anyone there pass SPF as you (RFC 7208 §5.6, §11).",
        fix: "List only the networks of your own sending servers, e.g. ip4:192.0.2.0/24.",
        reference: "RFC 7208 §5.6, §11" },
    /// `spf_record.too_many_lookups`: Evaluating the record needs more than 10 DNS-querying terms (include, a, mx,
    /// ptr, exists, redirect), counted across the whole include tree.
    SPF_TOO_MANY_LOOKUPS = { id: "spf_record.too_many_lookups", severity: Error, area: Spf,
        title: "SPF needs more than 10 DNS lookups",
        explanation: "Evaluating the record needs more than 10 DNS-querying terms (include, a, mx, ptr, exists, redirect), counted across the whole include tree. RFC 7208 §4.6.4 makes the 11th a permerror, so SPF fails for mail matched late in the record. The tree shows where the lookups come from; the fix is a flattened record that fits.",
        fix: "Publish the flattened record shown (include: resolved to ip4:/ip6:), or remove unused includes.",
        reference: "RFC 7208 §4.6.4" },
    /// `spf_record.too_many_void_lookups`: More than two DNS lookups of the record return no data (NXDOMAIN or
    /// NODATA).
    SPF_TOO_MANY_VOIDS = { id: "spf_record.too_many_void_lookups", severity: Error, area: Spf,
        title: "SPF has more than 2 void lookups",
        explanation: "More than two DNS lookups of the record return no data (NXDOMAIN or NODATA). RFC 7208 §4.6.4 says receivers SHOULD return permerror after the second void lookup.",
        fix: "Remove the mechanisms that point at names that do not exist.",
        reference: "RFC 7208 §4.6.4" },
    /// `spf_record.include_loop`: An include: or redirect= leads back to a record already being evaluated.
    SPF_INCLUDE_LOOP = { id: "spf_record.include_loop", severity: Error, area: Spf,
        title: "SPF include loop",
        explanation: "An include: or redirect= leads back to a record already being evaluated. Evaluation can never finish; receivers stop at the lookup limit with permerror (RFC 7208 §4.6.4, §5.2).",
        fix: "Remove the include that points back to the record itself.",
        reference: "RFC 7208 §5.2" },
    /// `spf_record.include_without_spf`: An include: or redirect= names a domain that publishes no SPF record.
    SPF_INCLUDE_NONE = { id: "spf_record.include_without_spf", severity: Error, area: Spf,
        title: "SPF include or redirect target has no SPF record",
        explanation: "An include: or redirect= names a domain that publishes no SPF record. RFC 7208 §5.2 and §6.1 make that a permerror for the whole evaluation.",
        fix: "Remove the include/redirect, or fix the name (typo?).",
        reference: "RFC 7208 §5.2, §6.1" },
    /// `spf_record.mx_too_many`: RFC 7208 §4.6.4 limits one mx mechanism to 10 MX records; with more, receivers
    /// return permerror.
    SPF_MX_TOO_MANY = { id: "spf_record.mx_too_many", severity: Error, area: Spf,
        title: "mx mechanism with more than 10 MX hosts",
        explanation: "RFC 7208 §4.6.4 limits one mx mechanism to 10 MX records; with more, receivers return permerror.",
        fix: "Replace mx with ip4:/ip6: mechanisms for the hosts that actually send.",
        reference: "RFC 7208 §4.6.4" },
    /// `spf_record.too_long`: The record is over 450 bytes.
    SPF_TOO_LONG = { id: "spf_record.too_long", severity: Warning, area: Spf,
        title: "SPF record is long",
        explanation: "The record is over 450 bytes. RFC 7208 §3.4 advises keeping the answer under 512 bytes so that it fits in a UDP DNS response; longer answers need TCP, which some resolvers fail at.",
        fix: "Shorten the record: move ip4:/ip6: lists into include:_spf1.<domain> sub-records.",
        reference: "RFC 7208 §3.4" },

}
