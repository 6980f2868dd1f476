//! The bulk-sender checklist: what Gmail and Yahoo (February 2024) and Microsoft
//! Outlook.com (May 2025) require from senders of 5,000+ messages a day, item by
//! item, derived from the rest of the analysis.
//!
//! Sources:
//! - Google, "Email sender guidelines" (support.google.com/a/answer/81126) and its FAQ.
//! - Yahoo, "Sender Best Practices" (senders.yahooinc.com/best-practices).
//! - Microsoft, "Strengthening Email Ecosystem: Outlook's New Requirements for
//!   High-Volume Senders" (techcommunity.microsoft.com, April 2025; enforced 5 May 2025).
//!
//! Items a single message cannot show (spam rate, unsubscribe handling time, FCrDNS
//! when the caller has no PTR result) are listed with status `not_visible`.

use crate::auth::dmarc::{DmarcPolicy, DmarcResult};
use crate::auth::spf::SpfResult;
use crate::findings::catalog::content as cat;
use crate::findings::{Finding, FindingSpec};
use crate::verdict::word_enum;
use serde::{Deserialize, Serialize};

const GMAIL: &str = "Google Email sender guidelines (support.google.com/a/answer/81126)";
const YAHOO: &str = "Yahoo Sender Best Practices (senders.yahooinc.com/best-practices)";
const MICROSOFT: &str = "Microsoft Outlook.com high-volume sender requirements (May 2025)";

word_enum! {
    /// Whether a message meets one checklist requirement.
    pub enum ChecklistStatus {
        /// Met.
        Pass => "pass",
        /// Not met.
        Fail => "fail",
        /// Recommended and not met, or not decidable (a DNS error).
        Warning => "warning",
        /// A single message cannot show it (spam rate, list handling, unchecked PTR).
        NotVisible => "not_visible",
    }
}

word_enum! {
    /// The requirements of the bulk-sender checklist (Gmail and Yahoo 2024, Microsoft 2025), by stable id.
    pub enum ChecklistId {
        /// SPF passes for the sending domain (RFC 7208).
        SpfPass => "spf_pass",
        /// A DKIM signature verifies (RFC 6376).
        DkimPass => "dkim_pass",
        /// The From domain publishes a DMARC record (p=none is enough).
        DmarcRecord => "dmarc_record",
        /// DMARC passes: SPF or DKIM passes for a domain aligned with From (RFC 7489 §3.1).
        DmarcAligned => "dmarc_aligned",
        /// A passing DKIM signature is aligned with From, so DMARC survives forwarding.
        DkimAligned => "dkim_aligned",
        /// The sending IP has forward-confirmed reverse DNS.
        Ptr => "ptr",
        /// The message reached the receiver over TLS.
        Tls => "tls",
        /// The message is formatted per RFC 5322.
        Rfc5322 => "rfc5322",
        /// The message has a valid Message-ID (RFC 5322 §3.6.4).
        MessageId => "message_id",
        /// Marketing mail carries List-Unsubscribe (RFC 2369).
        ListUnsubscribe => "list_unsubscribe",
        /// Marketing mail supports one-click unsubscribe (RFC 8058).
        OneClickUnsubscribe => "one_click_unsubscribe",
        /// User-reported spam stays below 0.3% (only the providers' dashboards show it).
        SpamRate => "spam_rate",
        /// Unsubscribe requests are honored within 2 days (a list-processing matter).
        UnsubscribeHonored => "unsubscribe_honored",
        /// Invalid addresses are removed and mail goes only to those who asked for it (Microsoft).
        ListHygiene => "list_hygiene",
    }
}

/// One requirement and whether this message meets it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChecklistItem {
    /// Which requirement (stable id, e.g. `spf_pass`).
    pub id: ChecklistId,
    /// The requirement in one sentence.
    pub requirement: String,
    /// Who requires it, with the document.
    pub source: String,
    /// `pass`, `fail`, `warning` or `not_visible`.
    pub status: ChecklistStatus,
    /// What was seen.
    pub detail: String,
}

/// What the checklist is derived from (results of the other checks).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BulkInput {
    /// SPF result.
    pub spf_result: Option<SpfResult>,
    /// `d=` domains of the DKIM signatures that passed.
    pub dkim_pass_domains: Vec<String>,
    /// A passing DKIM signature is aligned with the From domain.
    pub dkim_aligned_pass: bool,
    /// DMARC result.
    pub dmarc_result: Option<DmarcResult>,
    /// Published DMARC policy, None if no record.
    pub dmarc_policy: Option<DmarcPolicy>,
    /// RFC5322.From domain.
    pub from_domain: Option<String>,
    /// Forward-confirmed reverse DNS of the sending IP, when checked.
    pub ptr_ok: Option<bool>,
    /// TLS on the hop into the receiver, when the Received header says.
    pub tls_on_last_hop: Option<bool>,
    /// RFC 8058 one-click unsubscribe is complete (https URI + Post + DKIM coverage).
    pub one_click_unsubscribe: bool,
    /// A List-Unsubscribe field is present.
    pub list_unsubscribe_present: bool,
    /// Message-ID present and well-formed.
    pub message_id_ok: bool,
    /// Basic RFC 5322 structure holds.
    pub rfc5322_ok: bool,
}

fn item(id: ChecklistId, requirement: &str, source: String, status: ChecklistStatus, detail: String) -> ChecklistItem {
    ChecklistItem { id, requirement: requirement.into(), source, status, detail }
}

fn all3() -> String {
    format!("{GMAIL}; {YAHOO}; {MICROSOFT}")
}

/// Builds the checklist and one `bulk.*` finding per failed (or warning) item.
pub fn bulk_checklist(input: &BulkInput) -> (Vec<ChecklistItem>, Vec<Finding>) {
    let mut items = Vec::new();
    let from = input.from_domain.clone().unwrap_or_else(|| "example.com".into());
    let spf = input.spf_result;
    let dmarc = input.dmarc_result;

    // SPF
    items.push(match spf {
        Some(SpfResult::Pass) => item(
            ChecklistId::SpfPass,
            "SPF passes for the sending domain.",
            all3(),
            ChecklistStatus::Pass,
            "spf=pass".into(),
        ),
        Some(r @ SpfResult::TempError) => item(
            ChecklistId::SpfPass,
            "SPF passes for the sending domain.",
            all3(),
            ChecklistStatus::Warning,
            format!("spf={r}: a DNS error prevented the check; retry before concluding"),
        ),
        Some(r) => item(
            ChecklistId::SpfPass,
            "SPF passes for the sending domain.",
            all3(),
            ChecklistStatus::Fail,
            format!("spf={r}"),
        ),
        None => item(
            ChecklistId::SpfPass,
            "SPF passes for the sending domain.",
            all3(),
            ChecklistStatus::NotVisible,
            "SPF was not evaluated.".into(),
        ),
    });
    // DKIM
    items.push(if input.dkim_pass_domains.is_empty() {
        item(
            ChecklistId::DkimPass,
            "The message carries a passing DKIM signature.",
            all3(),
            ChecklistStatus::Fail,
            "No DKIM signature passed.".into(),
        )
    } else {
        item(
            ChecklistId::DkimPass,
            "The message carries a passing DKIM signature.",
            all3(),
            ChecklistStatus::Pass,
            format!("passing d= {}", input.dkim_pass_domains.join(", ")),
        )
    });
    // DMARC record
    items.push(match input.dmarc_policy {
        Some(p) => item(
            ChecklistId::DmarcRecord,
            "The From domain publishes a DMARC record (p=none is enough).",
            all3(),
            ChecklistStatus::Pass,
            format!("p={p}"),
        ),
        None => item(
            ChecklistId::DmarcRecord,
            "The From domain publishes a DMARC record (p=none is enough).",
            all3(),
            match dmarc {
                None | Some(DmarcResult::TempError) => ChecklistStatus::NotVisible,
                Some(_) => ChecklistStatus::Fail,
            },
            match dmarc {
                None => "DMARC was not evaluated.".into(),
                Some(DmarcResult::TempError) => "The DMARC lookup failed with a DNS error.".into(),
                Some(_) => format!("No DMARC record for {from}."),
            },
        ),
    });
    // DMARC pass (alignment)
    items.push(match dmarc {
        Some(DmarcResult::Pass) => item(
            ChecklistId::DmarcAligned,
            "DMARC passes: SPF or DKIM is aligned with the From domain.",
            all3(),
            ChecklistStatus::Pass,
            "dmarc=pass".into(),
        ),
        Some(r @ DmarcResult::TempError) => item(
            ChecklistId::DmarcAligned,
            "DMARC passes: SPF or DKIM is aligned with the From domain.",
            all3(),
            ChecklistStatus::Warning,
            format!("dmarc={r}: a DNS error prevented the check; retry before concluding"),
        ),
        Some(r) => item(
            ChecklistId::DmarcAligned,
            "DMARC passes: SPF or DKIM is aligned with the From domain.",
            all3(),
            ChecklistStatus::Fail,
            format!("dmarc={r}"),
        ),
        None => item(
            ChecklistId::DmarcAligned,
            "DMARC passes: SPF or DKIM is aligned with the From domain.",
            all3(),
            ChecklistStatus::NotVisible,
            "DMARC was not evaluated.".into(),
        ),
    });
    // DKIM alignment (recommended: survives forwarding, Yahoo asks for it)
    items.push(if input.dkim_aligned_pass {
        item(
            ChecklistId::DkimAligned,
            "A passing DKIM signature uses the From domain (survives forwarding).",
            format!("{YAHOO}; {GMAIL}"),
            ChecklistStatus::Pass,
            format!("aligned DKIM for {from}"),
        )
    } else {
        item(
            ChecklistId::DkimAligned,
            "A passing DKIM signature uses the From domain (survives forwarding).",
            format!("{YAHOO}; {GMAIL}"),
            ChecklistStatus::Warning,
            "No passing DKIM signature is aligned with the From domain; DMARC then rests on SPF alone, which forwarding breaks.".into(),
        )
    });
    // FCrDNS
    items.push(match input.ptr_ok {
        Some(true) => item(
            ChecklistId::Ptr,
            "The sending IP has forward-confirmed reverse DNS (PTR).",
            format!("{GMAIL}; {YAHOO}"),
            ChecklistStatus::Pass,
            "PTR resolves back to the IP.".into(),
        ),
        Some(false) => item(
            ChecklistId::Ptr,
            "The sending IP has forward-confirmed reverse DNS (PTR).",
            format!("{GMAIL}; {YAHOO}"),
            ChecklistStatus::Fail,
            "No PTR, or the PTR name does not resolve back to the IP.".into(),
        ),
        None => item(
            ChecklistId::Ptr,
            "The sending IP has forward-confirmed reverse DNS (PTR).",
            format!("{GMAIL}; {YAHOO}"),
            ChecklistStatus::NotVisible,
            "Reverse DNS of the sending IP was not checked.".into(),
        ),
    });
    // TLS
    items.push(match input.tls_on_last_hop {
        Some(true) => item(
            ChecklistId::Tls,
            "The message is transmitted over TLS.",
            GMAIL.into(),
            ChecklistStatus::Pass,
            "The receiving hop used TLS.".into(),
        ),
        Some(false) => item(
            ChecklistId::Tls,
            "The message is transmitted over TLS.",
            GMAIL.into(),
            ChecklistStatus::Fail,
            "The receiving hop shows no TLS (with SMTP/ESMTP, not ESMTPS).".into(),
        ),
        None => item(
            ChecklistId::Tls,
            "The message is transmitted over TLS.",
            GMAIL.into(),
            ChecklistStatus::NotVisible,
            "The Received header does not say whether TLS was used.".into(),
        ),
    });
    // RFC 5322
    items.push(if input.rfc5322_ok {
        item(
            ChecklistId::Rfc5322,
            "The message is formatted according to RFC 5322.",
            format!("{GMAIL}; {YAHOO}"),
            ChecklistStatus::Pass,
            "One From, valid Date, no duplicated fields.".into(),
        )
    } else {
        item(
            ChecklistId::Rfc5322,
            "The message is formatted according to RFC 5322.",
            format!("{GMAIL}; {YAHOO}"),
            ChecklistStatus::Fail,
            "See the headers.* findings.".into(),
        )
    });
    items.push(if input.message_id_ok {
        item(
            ChecklistId::MessageId,
            "The message has a valid Message-ID.",
            GMAIL.into(),
            ChecklistStatus::Pass,
            "Message-ID is well-formed.".into(),
        )
    } else {
        item(
            ChecklistId::MessageId,
            "The message has a valid Message-ID.",
            GMAIL.into(),
            ChecklistStatus::Fail,
            "Message-ID is missing or malformed.".into(),
        )
    });
    // Unsubscribe
    items.push(if input.list_unsubscribe_present {
        item(
            ChecklistId::ListUnsubscribe,
            "Marketing mail offers a List-Unsubscribe header.",
            all3(),
            ChecklistStatus::Pass,
            "List-Unsubscribe present.".into(),
        )
    } else {
        item(
            ChecklistId::ListUnsubscribe,
            "Marketing mail offers a List-Unsubscribe header.",
            all3(),
            ChecklistStatus::Fail,
            "No List-Unsubscribe header.".into(),
        )
    });
    items.push(if input.one_click_unsubscribe {
        item(
            ChecklistId::OneClickUnsubscribe,
            "Marketing mail supports one-click unsubscribe (RFC 8058), DKIM-signed.",
            format!("{GMAIL}; {YAHOO}"),
            ChecklistStatus::Pass,
            "https URI, List-Unsubscribe-Post and DKIM coverage present.".into(),
        )
    } else {
        item(
            ChecklistId::OneClickUnsubscribe,
            "Marketing mail supports one-click unsubscribe (RFC 8058), DKIM-signed.",
            format!("{GMAIL}; {YAHOO}"),
            ChecklistStatus::Fail,
            "One-click unsubscribe is incomplete (see unsubscribe.* findings).".into(),
        )
    });
    // Not visible from one message
    items.push(item(
        ChecklistId::SpamRate,
        "User-reported spam rate stays below 0.3% (aim for under 0.1%).",
        format!("{GMAIL}; {YAHOO}"),
        ChecklistStatus::NotVisible,
        "Check Google Postmaster Tools and Yahoo's Complaint Feedback Loop.".into(),
    ));
    items.push(item(
        ChecklistId::UnsubscribeHonored,
        "Unsubscribe requests are honored within 2 days.",
        format!("{GMAIL}; {YAHOO}"),
        ChecklistStatus::NotVisible,
        "Depends on the sender's list processing.".into(),
    ));
    items.push(item(
        ChecklistId::ListHygiene,
        "Invalid addresses are removed; mail goes only to recipients who asked for it.",
        MICROSOFT.into(),
        ChecklistStatus::NotVisible,
        "Watch bounce rates and Microsoft SNDS.".into(),
    ));

    let mut findings = Vec::new();
    for it in &items {
        if !matches!(it.status, ChecklistStatus::Fail | ChecklistStatus::Warning) {
            continue;
        }
        let spec: &'static FindingSpec = match it.id {
            ChecklistId::SpfPass => &cat::BULK_SPF_NOT_PASSING,
            ChecklistId::DkimPass => &cat::BULK_DKIM_NOT_PASSING,
            ChecklistId::DmarcRecord => &cat::BULK_DMARC_MISSING,
            ChecklistId::DmarcAligned => &cat::BULK_DMARC_NOT_PASSING,
            ChecklistId::DkimAligned => &cat::BULK_DKIM_NOT_ALIGNED,
            ChecklistId::Ptr => &cat::BULK_NO_FCRDNS,
            ChecklistId::Tls => &cat::BULK_NO_TLS,
            ChecklistId::Rfc5322 => &cat::BULK_NOT_RFC5322,
            ChecklistId::MessageId => &cat::BULK_NO_MESSAGE_ID,
            ChecklistId::ListUnsubscribe => &cat::BULK_NO_LIST_UNSUBSCRIBE,
            ChecklistId::OneClickUnsubscribe => &cat::BULK_NO_ONE_CLICK,
            // Not visible from one message: no finding.
            ChecklistId::SpamRate | ChecklistId::UnsubscribeHonored | ChecklistId::ListHygiene => continue,
        };
        let mut fi = spec.emit().detail(it.detail.clone());
        if it.id == ChecklistId::DmarcRecord {
            fi = fi.fix(format!(
                "Publish a DMARC record: _dmarc.{from}. TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@{from}\" and tighten to p=quarantine/reject once reports are clean."
            ));
        }
        findings.push(fi);
    }
    (items, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> BulkInput {
        BulkInput {
            spf_result: Some(SpfResult::Pass),
            dkim_pass_domains: vec!["example.com".into()],
            dkim_aligned_pass: true,
            dmarc_result: Some(DmarcResult::Pass),
            dmarc_policy: Some(DmarcPolicy::Reject),
            from_domain: Some("example.com".into()),
            ptr_ok: Some(true),
            tls_on_last_hop: Some(true),
            one_click_unsubscribe: true,
            list_unsubscribe_present: true,
            message_id_ok: true,
            rfc5322_ok: true,
        }
    }

    fn status<'a>(items: &'a [ChecklistItem], id: &str) -> &'a str {
        items.iter().find(|i| i.id == id).map(|i| i.status.as_str()).unwrap_or("absent")
    }

    #[test]
    fn all_good_has_no_findings_and_lists_invisible_items() {
        let (items, f) = bulk_checklist(&good());
        assert!(f.is_empty(), "{f:?}");
        assert_eq!(status(&items, "spam_rate"), "not_visible");
        assert_eq!(status(&items, "unsubscribe_honored"), "not_visible");
        assert!(items.iter().filter(|i| i.status == ChecklistStatus::Pass).count() >= 11);
        assert!(items.iter().all(|i| !i.source.is_empty() && !i.requirement.is_empty()));
    }

    #[test]
    fn failures_map_to_findings() {
        let input = BulkInput {
            spf_result: Some(SpfResult::SoftFail),
            dkim_pass_domains: vec![],
            dkim_aligned_pass: false,
            dmarc_result: Some(DmarcResult::None),
            dmarc_policy: None,
            from_domain: Some("shop.example".into()),
            ptr_ok: None,
            tls_on_last_hop: Some(false),
            one_click_unsubscribe: false,
            list_unsubscribe_present: false,
            message_id_ok: false,
            rfc5322_ok: false,
        };
        let (items, f) = bulk_checklist(&input);
        assert_eq!(status(&items, "spf_pass"), "fail");
        assert_eq!(status(&items, "dmarc_record"), "fail");
        assert_eq!(status(&items, "ptr"), "not_visible");
        assert_eq!(status(&items, "dkim_aligned"), "warning");
        let ids: Vec<&str> = f.iter().map(|x| x.id.as_str()).collect();
        for id in [
            "bulk.spf_not_passing",
            "bulk.dkim_not_passing",
            "bulk.dmarc_missing",
            "bulk.dmarc_not_passing",
            "bulk.dkim_not_aligned",
            "bulk.no_tls",
            "bulk.not_rfc5322",
            "bulk.no_message_id",
            "bulk.no_list_unsubscribe",
            "bulk.no_one_click",
        ] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        assert!(!ids.contains(&"bulk.no_fcrdns"));
        let dmarc = f.iter().find(|x| x.id == "bulk.dmarc_missing").map(|x| x.fix.clone()).unwrap_or_default();
        assert!(dmarc.contains("_dmarc.shop.example"));
    }

    #[test]
    fn dns_errors_are_not_failures() {
        let input =
            BulkInput { spf_result: Some(SpfResult::TempError), dmarc_result: Some(DmarcResult::TempError), ..good() };
        let input = BulkInput { dmarc_policy: None, ..input };
        let (items, f) = bulk_checklist(&input);
        assert_eq!(status(&items, "spf_pass"), "warning");
        assert_eq!(status(&items, "dmarc_record"), "not_visible");
        assert_eq!(status(&items, "dmarc_aligned"), "warning");
        assert!(!f.iter().any(|x| x.id == "bulk.dmarc_missing"));
    }

    #[test]
    fn unevaluated_inputs_are_not_visible() {
        let (items, _) = bulk_checklist(&BulkInput::default());
        assert_eq!(status(&items, "spf_pass"), "not_visible");
        assert_eq!(status(&items, "dmarc_aligned"), "not_visible");
        assert_eq!(status(&items, "dmarc_record"), "not_visible");
        assert_eq!(status(&items, "tls"), "not_visible");
    }
}
