//! How the pages read the core's words, in one place: result and status words, their
//! colours, the score band, the SPF limits, and the labels people read instead of field
//! names.
//!
//! Result words are read through their serialization ([`word`]): the JSON word
//! (`"pass"`, `"temperror"`, `"not_listed"`) is the contract, and it is the same whether
//! the core holds the result as a `String` or as an enum with serde renames. Pages never
//! compare a result with a literal themselves; they ask here.

use inboxlens_core::domain::Section;
use inboxlens_core::findings::score::Band;
use inboxlens_core::verify::model::{Reason, Verdict};
use serde::Serialize;

/// Most DNS-querying SPF terms one evaluation may use (RFC 7208 §4.6.4), as the core counts.
pub(crate) const SPF_LOOKUP_LIMIT: u64 = inboxlens_core::auth::spf::MAX_DNS_TERMS as u64;
/// Most void lookups one SPF evaluation may have (RFC 7208 §4.6.4), as the core counts.
pub(crate) const SPF_VOID_LIMIT: u64 = inboxlens_core::auth::spf::MAX_VOID_LOOKUPS as u64;

/// The JSON word of a result, status or kind (`pass`, `not_listed`, `ip_literal`).
/// Values that do not serialize to a string (numbers, booleans) give their JSON text.
pub(crate) fn word<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}

/// [`word`] of an optional value; `None` (and an empty word) stays `None`.
pub(crate) fn opt_word<T: Serialize>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(word).filter(|w| !w.is_empty())
}

/// Whether a result / status is the word `expected` (e.g. `is(&node.status, "ok")`).
pub(crate) fn is<T: Serialize + ?Sized>(value: &T, expected: &str) -> bool {
    word(value) == expected
}

/// A CSS class for an RFC result word (`pass`, `fail`, ...): `res-pass`.
pub(crate) fn result_class(word: &str) -> String {
    let w = word.split_whitespace().next().unwrap_or("none").to_ascii_lowercase();
    format!("res-{w}")
}

/// The badge class of a bulk-sender checklist status.
pub(crate) fn checklist_badge(status: &str) -> &'static str {
    match status {
        "pass" | "ok" | "met" | "yes" => "ok",
        "fail" | "missing" | "not_met" | "no" => "error",
        "warn" | "warning" | "partial" => "warning",
        _ => "neutral",
    }
}

/// The CSS class of a score (the core's band: `good` / `fair` / `poor`); no score, no class.
pub(crate) fn score_class(score: Option<f64>) -> &'static str {
    score.map(|s| Band::for_score(s).as_str()).unwrap_or("")
}

/// The four verdicts of mailbox verification, in the order the Verify page lists them.
pub(crate) const VERDICTS: [Verdict; 4] =
    [Verdict::Deliverable, Verdict::Undeliverable, Verdict::Risky, Verdict::Unknown];

/// The badge class of a verification verdict: keep (ok), remove (error), think twice
/// (warning), no answer yet (neutral, never read as invalid).
pub(crate) fn verdict_badge(v: Verdict) -> &'static str {
    match v {
        Verdict::Deliverable => "ok",
        Verdict::Undeliverable => "error",
        Verdict::Risky => "warning",
        Verdict::Unknown => "neutral",
    }
}

/// What a list owner does with an address of this verdict.
pub(crate) fn verdict_advice(v: Verdict) -> &'static str {
    match v {
        Verdict::Deliverable => "keep",
        Verdict::Undeliverable => "remove",
        Verdict::Risky => "keep with care",
        Verdict::Unknown => "keep, try again later",
    }
}

/// A verification reason in words (the stable id stays in the CSV and the JSON).
pub(crate) fn reason_label(r: Reason) -> &'static str {
    match r {
        Reason::MailboxExists => "Mailbox exists",
        Reason::MailboxNotFound => "Mailbox not found",
        Reason::MailboxFull => "Mailbox full",
        Reason::MailboxDisabled => "Mailbox disabled",
        Reason::CatchAll => "Catch-all domain",
        Reason::Disposable => "Disposable domain",
        Reason::Role => "Role address",
        Reason::NoMailDomain => "Domain takes no mail",
        Reason::Syntax => "Invalid syntax",
        Reason::Greylisted => "Greylisted",
        Reason::Blocked => "Our probe was blocked",
        Reason::RateLimited => "Rate-limited",
        Reason::TlsRequired => "TLS required",
        Reason::Timeout => "Timed out",
        Reason::SmtpError => "SMTP error",
        Reason::Smtputf8Unsupported => "SMTPUTF8 not supported",
        Reason::MailboxNotChecked => "Mailbox not checked",
    }
}

/// The core's section as it is named in the JSON (`mta_sts`): the `data-section` value.
pub(crate) fn section_key(section: Section) -> String {
    word(&section)
}

/// The heading of a domain-report section.
pub(crate) fn section_title(section: Section) -> &'static str {
    match section {
        Section::Spf => "SPF",
        Section::Dmarc => "DMARC",
        Section::Dkim => "DKIM keys",
        Section::Mx => "MX",
        Section::MtaSts => "MTA-STS",
        Section::TlsRpt => "TLS-RPT",
        Section::Bimi => "BIMI",
        Section::Dnssec => "DNSSEC",
        Section::Dane => "DANE",
    }
}

/// The label a person reads for a report field: the field's meaning, not its key
/// (`rfc7489_org_domain` → "Organizational domain (RFC 7489)"). Fields without an entry
/// are spelled out word by word with their acronyms capitalised (`dkim_aligned` → "DKIM aligned").
pub(crate) fn label(key: &str) -> String {
    let known = match key {
        "rfc7489_org_domain" => "Organizational domain (RFC 7489)",
        "rfc9989_org_domain" => "Organizational domain (RFC 9989 tree walk)",
        "rfc7489_policy_domain" => "Policy record found at (RFC 7489)",
        "rfc9989_policy_domain" => "Policy record found at (RFC 9989)",
        "rfc7489_note" => "RFC 7489 note",
        "organizational_domain" => "Organizational domain",
        "record_domain" => "Record found at",
        "walked" => "Names asked (tree walk)",
        "policy" => "Policy",
        "sp" => "Subdomain policy",
        "np" => "Non-existent subdomain policy",
        "rua" => "Aggregate reports to (rua)",
        "ruf" => "Failure reports to (ruf)",
        "adkim" => "DKIM alignment (adkim)",
        "aspf" => "SPF alignment (aspf)",
        "spf_aligned" => "SPF aligned with From",
        "dkim_aligned" => "DKIM aligned with From",
        "aligned_with_from" => "Aligned with From",
        "spf_alignment_mode" => "SPF alignment mode",
        "dkim_alignment_mode" => "DKIM alignment mode",
        "from_domains" => "From domains",
        "cross_check" => "Cross-check",
        "disposition" => "What receivers do (disposition)",
        "report_destinations" => "Report destinations",
        "authorization_name" => "Authorization record",
        "authorized" => "Authorized",
        "external" => "Outside the domain",
        "corrected" => "Corrected record",
        "tags" => "Tags",
        "tag" => "Tag",
        "value" => "Value",
        "problem" => "Problem",
        "problems" => "Problems",
        "problem_kind" => "Kind of problem",
        "status" => "Status",
        "record" => "Record",
        "records" => "Records",
        "error" => "Error",
        "detail" => "Detail",
        "id" => "ID",
        "mode" => "Mode",
        "max_age" => "Maximum age (seconds)",
        "mx" => "MX hosts",
        "mx_not_covered" => "MX hosts the policy does not cover",
        "policy_status" => "Policy fetch",
        "policy_error" => "Policy fetch error",
        "signed_zone" => "Signed zone",
        "resolver_validates" => "Resolver validates DNSSEC",
        "ds" => "DS records",
        "tlsa" => "TLSA records",
        "logo" => "Logo (l=)",
        "certificate" => "Certificate (a=)",
        "key_bits" => "Key size (bits)",
        "key_type" => "Key type",
        "key_record" => "Key record",
        "key_flags" => "Key flags",
        "body_length" => "Body length limit (l=)",
        "signature_valid" => "Signature valid",
        "canonicalization" => "Canonicalization",
        "expiration" => "Expires (x=)",
        "timestamp" => "Signed at (t=)",
        "void_lookups" => "Void lookups",
        "lookups" => "DNS lookups",
        "matched" => "Matched term",
        "matched_domain" => "Matched in record of",
        "identity" => "Checked identity",
        "explanation" => "Explanation",
        "via" => "Via",
        "instances" => "ARC sets",
        "cv" => "Chain validation (cv=)",
        "sealers" => "Sealed by",
        "message_id" => "Message-ID",
        "message_id_domain" => "Message-ID domain",
        "message_id_ok" => "Message-ID well formed",
        "mime_version" => "MIME-Version",
        "reply_to" => "Reply-To",
        "date_skew_secs" => "Date off by (seconds)",
        "date_unix" => "Date (Unix time)",
        "rfc5322_ok" => "Valid RFC 5322 header",
        "one_click" => "One-click unsubscribe (RFC 8058)",
        "one_click_compliant" => "One-click compliant (RFC 8058)",
        "post_present" => "List-Unsubscribe-Post present",
        "post_valid" => "List-Unsubscribe-Post valid",
        "post_value" => "List-Unsubscribe-Post",
        "text_chars_per_image" => "Text characters per image",
        "tracking_pixels" => "Tracking pixels",
        "html_only" => "HTML only (no text part)",
        "has_8bit" => "Has 8-bit content",
        "longest_line" => "Longest line (bytes)",
        "reply_code" => "Reply code",
        "enhanced_status" => "Status code",
        "reporting_mta" => "Reporting server",
        "remote_mta" => "Remote server",
        "arrival_date" => "Arrived",
        "original_recipient" => "Original recipient",
        "diagnostic" => "Server's words (diagnostic)",
        "recognised" => "Recognised as a bounce",
        "permanent" => "Permanent",
        "queries" => "DNS queries",
        "critical_path" => "Longest chain of dependent queries",
        "critical_queries" => "Queries on that chain",
        "deadline_hit" => "Deadline reached",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    spell_out(key)
}

/// `snake_case_key` → "Snake case key", with the acronyms of the trade in capitals.
fn spell_out(key: &str) -> String {
    let words: Vec<String> = key
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "spf" | "dkim" | "dmarc" | "arc" | "mx" | "tls" | "ip" | "ttl" | "ptr" | "rua" | "ruf" | "mime"
            | "html" | "http" | "https" | "url" | "uri" | "uris" | "id" | "js" | "ds" | "dns" | "bimi" | "dane"
            | "tlsa" | "rfc" | "smtp" | "helo" | "dsn" | "cc" | "svg" | "vmc" | "sts" | "rpt" | "ad" => {
                w.to_ascii_uppercase()
            }
            "dnssec" => "DNSSEC".into(),
            "fcrdns" => "FCrDNS".into(),
            "ms" => "(ms)".into(),
            "secs" => "(seconds)".into(),
            other => other.to_string(),
        })
        .collect();
    let s = words.join(" ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Pretty JSON of a report for "Export JSON" / "Copy JSON" (the `--json` document).
pub(crate) fn pretty_json<T: Serialize + ?Sized>(report: &T) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_string())
}

/// Run with `cargo test -p inboxlens-web --target wasm32-unknown-unknown` and
/// `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner` (Node.js): the
/// web app builds for wasm32 only.
#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn labels_read_as_words() {
        assert_eq!(label("rfc7489_org_domain"), "Organizational domain (RFC 7489)");
        assert_eq!(label("dkim_covers_both"), "DKIM covers both");
        assert_eq!(label("connect_ms"), "Connect (ms)");
        assert_eq!(label("fcrdns"), "FCrDNS");
    }

    #[test]
    fn words_are_the_json_words() {
        assert_eq!(word(&Section::MtaSts), "mta_sts");
        assert_eq!(word("pass"), "pass");
        assert_eq!(opt_word(&None::<String>), None);
        assert!(is(&String::from("ok"), "ok"));
        assert_eq!(score_class(Some(8.0)), "good");
        assert_eq!(score_class(Some(4.0)), "poor");
        assert_eq!(score_class(None), "");
    }

    #[test]
    fn verdicts_have_distinct_badges_and_unknown_is_not_an_error() {
        let badges: Vec<&str> = VERDICTS.iter().map(|v| verdict_badge(*v)).collect();
        assert_eq!(badges, ["ok", "error", "warning", "neutral"]);
        assert_eq!(reason_label(Reason::CatchAll), "Catch-all domain");
    }
}
