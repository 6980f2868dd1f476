//! Catalog entries for message authentication beyond SPF: DKIM signatures (`dkim.*`,
//! RFC 6376 / 8301 / 8463), DMARC (`dmarc.*`, RFC 9989 with RFC 7489 differences) and
//! ARC chains (`arc.*`, RFC 8617).

crate::findings! {
    /// The message carries no DKIM-Signature at all.
    DKIM_NONE = {
        id: "dkim.none",
        severity: Error,
        area: Dkim,
        title: "Message is not DKIM-signed",
        explanation: "No DKIM-Signature header field is present, so no domain takes responsibility for the message (RFC 6376 §1). Without an aligned DKIM signature DMARC can only pass through SPF, which breaks on every forward; Gmail and Yahoo require DKIM for bulk senders since 2024.",
        fix: "Enable DKIM signing for the From domain at your mail provider or MTA, and publish the key it gives you: \"<selector>._domainkey.<domain> TXT \\\"v=DKIM1; k=rsa; p=<base64 public key>\\\"\" (RSA 2048 bits, RFC 8301 §3.2).",
        reference: "RFC 6376 §1, §3.6.1; RFC 8301 §3.2",
    },
    /// The body no longer hashes to `bh=`.
    DKIM_BODY_HASH_MISMATCH = {
        id: "dkim.body_hash_mismatch",
        severity: Error,
        area: Dkim,
        title: "DKIM body hash mismatch: the body changed after signing",
        explanation: "The canonicalized body does not hash to the signature's bh= value, so the body was modified after signing (RFC 6376 §3.7, §6.1.3). Usual causes are a footer or disclaimer added by a list or gateway, line endings rewritten, or re-encoding of the MIME parts. The verifier treats it as a failed signature.",
        fix: "Sign after every component that modifies the body (footers, disclaimers, content filters), or have the modifying system re-sign; use c=relaxed/relaxed to survive whitespace changes.",
        reference: "RFC 6376 §3.7, §6.1.3",
    },
    /// The header hash does not verify with the published key.
    DKIM_SIGNATURE_MISMATCH = {
        id: "dkim.signature_mismatch",
        severity: Error,
        area: Dkim,
        title: "DKIM signature does not verify",
        explanation: "The body hash matches but the b= signature over the signed header fields does not verify with the published key (RFC 6376 §6.1.3): a signed header was rewritten (Subject tag, From rewrite, re-folding under simple canonicalization) or the key was rotated while the message was in flight.",
        fix: "Keep signed headers untouched after signing (sign last, after list/gateway rewrites), use c=relaxed header canonicalization, and keep an old selector's key published for at least a week after rotating.",
        reference: "RFC 6376 §3.7, §6.1.3",
    },
    /// The selector's key record does not exist.
    DKIM_KEY_MISSING = {
        id: "dkim.key_missing",
        severity: Error,
        area: Dkim,
        title: "DKIM key record not found",
        explanation: "The key record <s>._domainkey.<d> named by the signature does not exist or holds no DKIM key (RFC 6376 §6.1.2: PERMFAIL, key unavailable), so the signature cannot be verified.",
        fix: "Publish the selector's public key: \"<selector>._domainkey.<domain> TXT \\\"v=DKIM1; k=rsa; p=<base64 public key>\\\"\", or sign with a selector whose key is published.",
        reference: "RFC 6376 §3.6.2.2, §6.1.2",
    },
    /// The key record has an empty `p=`.
    DKIM_KEY_REVOKED = {
        id: "dkim.key_revoked",
        severity: Error,
        area: Dkim,
        title: "DKIM key revoked (empty p=)",
        explanation: "The selector's key record has an empty p= tag, which means the key was revoked (RFC 6376 §3.6.1); every signature made with it fails.",
        fix: "Sign with the current selector, or publish the new key under this selector: \"<selector>._domainkey.<domain> TXT \\\"v=DKIM1; k=rsa; p=<base64 public key>\\\"\".",
        reference: "RFC 6376 §3.6.1",
    },
    /// RSA key below 1024 bits.
    DKIM_KEY_TOO_SHORT = {
        id: "dkim.key_too_short",
        severity: Error,
        area: Dkim,
        title: "DKIM RSA key shorter than 1024 bits",
        explanation: "RFC 8301 §3.2: verifiers MUST NOT consider signatures using RSA keys of less than 1024 bits as valid. Receivers such as Gmail ignore these signatures, so DKIM gives this message nothing.",
        fix: "Generate a 2048-bit RSA key (e.g. `openssl genrsa 2048`) and publish it under a new selector: \"<new-selector>._domainkey.<domain> TXT \\\"v=DKIM1; k=rsa; p=<base64 public key>\\\"\".",
        reference: "RFC 8301 §3.2",
    },
    /// RSA key of exactly 1024 bits.
    DKIM_KEY_WEAK = {
        id: "dkim.key_weak",
        severity: Warning,
        area: Dkim,
        title: "DKIM RSA key is only 1024 bits",
        explanation: "1024-bit RSA is the minimum RFC 8301 §3.2 allows; signers SHOULD use at least 2048 bits, and 1024-bit keys are within reach of well-funded attackers.",
        fix: "Rotate to a 2048-bit RSA key under a new selector and switch signing to it; keep the old key published for a week, then revoke it with \"p=\".",
        reference: "RFC 8301 §3.2",
    },
    /// `a=rsa-sha1`.
    DKIM_RSA_SHA1 = {
        id: "dkim.rsa_sha1",
        severity: Error,
        area: Dkim,
        title: "DKIM signature uses rsa-sha1",
        explanation: "RFC 8301 §3.1: rsa-sha1 MUST NOT be used for signing or verifying; SHA-1 is broken for collision resistance. Conforming verifiers treat the signature as not valid.",
        fix: "Configure the signer to use a=rsa-sha256 (or add an ed25519-sha256 signature per RFC 8463 next to it).",
        reference: "RFC 8301 §3.1",
    },
    /// Key record has `t=y`.
    DKIM_TESTING_MODE = {
        id: "dkim.testing_mode",
        severity: Warning,
        area: Dkim,
        title: "DKIM key is in testing mode (t=y)",
        explanation: "The key record carries t=y: the domain is testing DKIM, and verifiers MUST NOT treat signed messages differently from unsigned ones (RFC 6376 §3.6.1). Some receivers discount the signature entirely.",
        fix: "Remove t=y from the key record once signing works: \"<selector>._domainkey.<domain> TXT \\\"v=DKIM1; k=rsa; p=<key>\\\"\".",
        reference: "RFC 6376 §3.6.1",
    },
    /// Signature has `l=`.
    DKIM_BODY_LENGTH_TAG = {
        id: "dkim.body_length_tag",
        severity: Warning,
        area: Dkim,
        title: "DKIM signature limits the signed body length (l=)",
        explanation: "The l= tag signs only the first bytes of the body; anything appended after them is unsigned, which lets an attacker add content to a validly signed message (RFC 6376 §8.2). RFC 6376 §6.1.3 lets verifiers either honour l= or ignore such signatures; Inboxlens verifies the signed prefix and reports the unsigned tail.",
        fix: "Remove the body-length limit from the signer configuration (omit l=) so the whole body is signed.",
        reference: "RFC 6376 §3.5, §6.1.3, §8.2",
    },
    /// `x=` in the past (or not after `t=`).
    DKIM_EXPIRED = {
        id: "dkim.expired",
        severity: Error,
        area: Dkim,
        title: "DKIM signature expired (x=)",
        explanation: "The signature's expiration time x= lies before the verification time (or is not after its t= timestamp), so verifiers consider it invalid (RFC 6376 §3.5).",
        fix: "Use an expiration window longer than delivery can take (at least several days), or omit x=.",
        reference: "RFC 6376 §3.5",
    },
    /// `t=` in the future.
    DKIM_FUTURE_TIMESTAMP = {
        id: "dkim.future_timestamp",
        severity: Warning,
        area: Dkim,
        title: "DKIM signature timestamp is in the future",
        explanation: "The signature's t= timestamp is later than the verification time; RFC 6376 §3.5 lets verifiers ignore such signatures. The signer's clock is probably wrong.",
        fix: "Synchronise the signing server's clock with NTP.",
        reference: "RFC 6376 §3.5",
    },
    /// Malformed signature header, unsupported algorithm / version / key type.
    DKIM_SYNTAX = {
        id: "dkim.syntax",
        severity: Error,
        area: Dkim,
        title: "DKIM signature or key record cannot be evaluated",
        explanation: "The DKIM-Signature header field or its key record is malformed or uses an unsupported version, algorithm, canonicalization, key type, hash (key h=) or service (key s=), so verifiers return PERMFAIL (RFC 6376 §3.5, §3.6.1, §6.1.1, §6.1.2).",
        fix: "Fix the signer or key record: signatures need v=1, a=rsa-sha256 or ed25519-sha256, d=, s=, h= including From, bh= and b=; key records \"v=DKIM1; k=rsa; p=<base64>\".",
        reference: "RFC 6376 §3.5, §3.6.1, §6.1.1",
    },
    /// i= not within d=, or key t=s with a subdomain i=.
    DKIM_IDENTITY_MISMATCH = {
        id: "dkim.identity_mismatch",
        severity: Error,
        area: Dkim,
        title: "DKIM i= identity outside the signing domain",
        explanation: "The i= (AUID) domain must be d= or a subdomain of it, and exactly d= when the key has t=s (RFC 6376 §3.5, §3.6.1); otherwise the signature is invalid.",
        fix: "Set i= to an address at the d= domain (or omit it).",
        reference: "RFC 6376 §3.5, §3.6.1",
    },
    /// Key lookup failed temporarily.
    DKIM_TEMPERROR = {
        id: "dkim.temperror",
        severity: Warning,
        area: Dkim,
        title: "DKIM key lookup failed temporarily",
        explanation: "The DNS query for the selector's key timed out or returned SERVFAIL, so the signature could not be checked now (RFC 6376 §6.1.2: TEMPFAIL). Receivers usually defer or treat it as unauthenticated.",
        fix: "Check that every authoritative name server of the signing domain answers TXT queries for <selector>._domainkey.<domain> (and DNSSEC, if enabled, validates).",
        reference: "RFC 6376 §6.1.2",
    },
    /// No passing signature aligns with the From domain.
    DKIM_NOT_ALIGNED = {
        id: "dkim.not_aligned",
        severity: Warning,
        area: Dkim,
        title: "No valid DKIM signature aligned with the From domain",
        explanation: "The message has valid DKIM signatures, but none whose d= domain is the From domain (strict) or shares its organizational domain (relaxed), so DKIM does not count for DMARC (RFC 9989 §4.4.1). Typical for an ESP signing with its own domain.",
        fix: "Have your provider sign with your own domain (custom DKIM / \"authenticate your domain\"): publish the selector CNAME or TXT record they give you so that d=<your From domain>.",
        reference: "RFC 9989 §4.4.1; RFC 6376 §3.5",
    },
    /// From not signed, or important headers unsigned, or From not oversigned.
    DKIM_HEADERS_NOT_COVERED = {
        id: "dkim.headers_not_covered",
        severity: Warning,
        area: Dkim,
        title: "DKIM h= leaves important header fields unsigned",
        explanation: "The From field MUST be signed (RFC 6376 §5.4); Subject, Date, To, Message-ID and the List-Unsubscribe fields SHOULD be (§5.4.1), and listing From once more than it occurs (oversigning, §8.15) prevents a second From from being added after signing without breaking the signature.",
        fix: "Sign at least: h=from:from:to:subject:date:message-id:mime-version:content-type:list-unsubscribe:list-unsubscribe-post (repeat from to oversign it).",
        reference: "RFC 6376 §5.4, §5.4.1, §8.15",
    },
    /// DMARC: no policy record.
    DMARC_NONE = {
        id: "dmarc.none",
        severity: Error,
        area: Dmarc,
        title: "No DMARC record for the From domain",
        explanation: "The DNS tree walk found no DMARC policy record for the From domain or any parent (RFC 9989 §4.10.1), so receivers have no policy and no reports are sent. Gmail and Yahoo require a DMARC record (at least p=none) from bulk senders.",
        fix: "_dmarc.<domain> TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@<domain>\"",
        reference: "RFC 9989 §4.7, §4.10.1; RFC 7489 §6.1",
    },
    /// DMARC failed.
    DMARC_FAIL = {
        id: "dmarc.fail",
        severity: Error,
        area: Dmarc,
        title: "DMARC fails",
        explanation: "Neither SPF nor DKIM produced a pass for an identifier aligned with the From domain (RFC 9989 §4.4), so the receiver applies the domain's policy to this message.",
        fix: "Make at least one mechanism pass aligned: sign with d=<From domain> (best: survives forwarding), and/or send with a MAIL FROM under the From domain that your SPF record authorizes.",
        reference: "RFC 9989 §4.4, §4.10",
    },
    /// Policy p=none.
    DMARC_POLICY_NONE = {
        id: "dmarc.policy_none",
        severity: Warning,
        area: Dmarc,
        title: "DMARC policy is monitoring only (p=none)",
        explanation: "With p=none the domain asks receivers to take no action on failing mail (RFC 9989 §4.7), so spoofed mail using the domain is still delivered. It is a valid first step while reading aggregate reports.",
        fix: "After the reports show all legitimate mail passing: _dmarc.<domain> TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@<domain>\", then p=reject.",
        reference: "RFC 9989 §4.7",
    },
    /// DMARC could not be determined now.
    DMARC_TEMPERROR = {
        id: "dmarc.temperror",
        severity: Warning,
        area: Dmarc,
        title: "DMARC could not be evaluated (DNS temporary error)",
        explanation: "A DNS query of the tree walk or of an alignment check timed out or failed, so DMARC cannot be evaluated now (RFC 9989 §4.10.1, RFC 8601 temperror). The record is not treated as missing.",
        fix: "Check that the name servers of the From domain and its parents answer TXT queries for _dmarc.<name> reliably.",
        reference: "RFC 9989 §4.10.1; RFC 8601 §2.7.7",
    },
    /// DMARC record unusable.
    DMARC_PERMERROR = {
        id: "dmarc.permerror",
        severity: Error,
        area: Dmarc,
        title: "DMARC record is unusable",
        explanation: "A record at _dmarc.<domain> starts with v=DMARC1 but has no valid p= (and no rua= that would default it to none), so it is ignored (RFC 9989 §4.7, §4.10.1).",
        fix: "_dmarc.<domain> TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@<domain>\"",
        reference: "RFC 9989 §4.7",
    },
    /// No author domain in the From field.
    DMARC_NO_FROM_DOMAIN = {
        id: "dmarc.no_from_domain",
        severity: Error,
        area: Dmarc,
        title: "No From domain: DMARC cannot be evaluated",
        explanation: "DMARC evaluates the domain of the RFC5322.From address (RFC 9989 §4.10); the From field is missing or holds no address with a domain, which RFC 5322 §3.6 forbids. Receivers treat such mail as a DMARC permerror and often reject it.",
        fix: "Send with a From field holding one address: From: Name <user@example.com>",
        reference: "RFC 9989 §4.10; RFC 5322 §3.6.2",
    },
    /// Several From addresses with different domains.
    DMARC_MULTIPLE_FROM = {
        id: "dmarc.multiple_from",
        severity: Warning,
        area: Dmarc,
        title: "Several From domains: DMARC evaluated for each",
        explanation: "The From field names several mailboxes in different domains. RFC 7489 §6.6.1 lets receivers reject such mail or apply DMARC to each domain, taking the strictest outcome; many receivers reject it outright.",
        fix: "Send with a single author address in the From field.",
        reference: "RFC 7489 §6.6.1; RFC 9989 §4.10",
    },
    /// Policy in test mode `t=y`.
    DMARC_TEST_MODE = {
        id: "dmarc.test_mode",
        severity: Info,
        area: Dmarc,
        title: "DMARC policy in test mode (t=y)",
        explanation: "t=y asks receivers to apply the policy one level less strictly (reject as quarantine, quarantine as none) (RFC 9989 §4.7). RFC 7489 has no t= tag; its pct= played this role.",
        fix: "Remove t=y once reports show legitimate mail passing.",
        reference: "RFC 9989 §4.7",
    },
    /// RFC 7489 reads the record differently.
    DMARC_RFC7489_DIFFERENCE = {
        id: "dmarc.rfc7489_difference",
        severity: Info,
        area: Dmarc,
        title: "RFC 7489 receivers read this DMARC record differently",
        explanation: "RFC 9989 (DMARCbis) removed pct=, rf= and ri=, added psd=, np= and t=, and finds the organizational domain by a DNS tree walk instead of the Public Suffix List. Receivers still on RFC 7489 may apply a different policy to this message.",
        fix: "Publish a record both readings agree on: v=DMARC1; p=<policy>; sp=<policy>; rua=mailto:...; and avoid pct= other than 100.",
        reference: "RFC 9989 Appendix A; RFC 7489 §6.3",
    },
    /// ARC chain invalid.
    ARC_FAIL = {
        id: "arc.fail",
        severity: Warning,
        area: Arc,
        title: "ARC chain is broken",
        explanation: "The ARC headers do not form a valid chain (missing or misnumbered sets, a seal with cv=fail, a bad signature, or a malformed tag list) (RFC 8617 §5.2), so receivers cannot use the intermediaries' authentication results to override a DMARC failure.",
        fix: "If you operate an intermediary (list, forwarder), seal after your last modification with a valid key and a=rsa-sha256; otherwise contact the intermediary whose instance broke the chain.",
        reference: "RFC 8617 §4, §5.2",
    },
    /// ARC chain valid.
    ARC_PASS = {
        id: "arc.pass",
        severity: Info,
        area: Arc,
        title: "ARC chain validates",
        explanation: "Every ARC set verifies (RFC 8617 §5.2): the intermediaries listed in the seals vouch for the authentication results they saw, which receivers may use to accept a forwarded message whose DMARC now fails.",
        fix: "Nothing to do.",
        reference: "RFC 8617 §5.2",
    },
}
