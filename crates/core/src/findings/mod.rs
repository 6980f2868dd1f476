//! The findings catalog: every problem or remark Inboxlens can report, in one place.
//!
//! Each entry ([`FindingSpec`]) has a stable id (`area.name`), a severity, a title, an
//! explanation that cites the rule it rests on (RFC section or provider guideline), and
//! a default fix. Checks never invent findings: they call [`FindingSpec::emit`] on an
//! entry of [`catalog`] and may add detail, a concrete fix (the exact record or header
//! to publish) and evidence. CLI, server and web app render the same [`Finding`].

pub mod catalog;
pub mod publish;
pub mod score;

pub use publish::PublishRecord;

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing (a remark, an optional improvement); does not lower the score.
    Info,
    /// Hurts delivery or protection somewhat, or will under stricter receivers; lowers the score a little.
    Warning,
    /// Breaks authentication or delivery (receivers reject, junk or ignore something); lowers the score most.
    Error,
}

impl Severity {
    /// `info` / `warning` / `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The area a finding belongs to; the UI groups by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// The SMTP envelope: MAIL FROM / RCPT TO and the client host (RFC 5321 §3.3).
    Envelope,
    /// The Received chain: the servers the message passed through (RFC 5321 §4.4).
    Hops,
    /// SPF (RFC 7208): the client IP against the sending domain's record.
    Spf,
    /// DKIM signatures and keys (RFC 6376).
    Dkim,
    /// DMARC policy and alignment (RFC 9989, RFC 7489).
    Dmarc,
    /// ARC chains added by forwarders and lists (RFC 8617).
    Arc,
    /// The verdicts other servers wrote (Authentication-Results, Received-SPF; RFC 8601).
    AuthResults,
    /// Header fields and their syntax (RFC 5322).
    Headers,
    /// List-Unsubscribe and one-click unsubscribe (RFC 2369, RFC 8058).
    Unsubscribe,
    /// The body: MIME structure, HTML, links, attachments.
    Body,
    /// Gmail's and Yahoo's requirements for bulk senders (2024).
    BulkSender,
    /// Why a delivery failed, read from a bounce or SMTP reply (RFC 3464, RFC 3463).
    Bounce,
    /// MX records and the mail hosts they name (RFC 5321 §5.1, RFC 7505).
    Mx,
    /// MTA-STS: TLS policy for inbound SMTP (RFC 8461).
    MtaSts,
    /// TLS-RPT: where TLS failure reports go (RFC 8460).
    TlsRpt,
    /// BIMI: the brand logo record.
    Bimi,
    /// DNSSEC signing and validation of the domain (RFC 4033).
    Dnssec,
    /// DANE TLSA records for the mail hosts (RFC 7672).
    Dane,
    /// DNS problems that are not one protocol's (e.g. parked-domain records).
    Dns,
    /// DNS blocklists (DNSBL) that list the sending IP or domain (RFC 5782).
    Blocklist,
    /// What an SMTP server answered when probed (RFC 5321, RFC 3207).
    Smtp,
}

impl Area {
    /// Human name of the area.
    pub fn title(self) -> &'static str {
        match self {
            Area::Envelope => "Envelope",
            Area::Hops => "Delivery path",
            Area::Spf => "SPF",
            Area::Dkim => "DKIM",
            Area::Dmarc => "DMARC",
            Area::Arc => "ARC",
            Area::AuthResults => "Upstream verdicts",
            Area::Headers => "Headers",
            Area::Unsubscribe => "Unsubscribe",
            Area::Body => "Content",
            Area::BulkSender => "Bulk-sender requirements",
            Area::Bounce => "Bounce",
            Area::Mx => "MX",
            Area::MtaSts => "MTA-STS",
            Area::TlsRpt => "TLS-RPT",
            Area::Bimi => "BIMI",
            Area::Dnssec => "DNSSEC",
            Area::Dane => "DANE",
            Area::Dns => "DNS",
            Area::Blocklist => "Blocklists",
            Area::Smtp => "SMTP",
        }
    }
}

/// A catalog entry: what a finding *is*, independent of one message or domain.
#[derive(Debug, Clone, Copy)]
pub struct FindingSpec {
    /// Stable id, `area.snake_name` (e.g. `dkim.body_hash_mismatch`). Never renamed.
    pub id: &'static str,
    /// How bad it is; decides what it costs in the score ([`score`]).
    pub severity: Severity,
    /// The group the UI shows it in.
    pub area: Area,
    /// Short headline, a sentence fragment a person reads ("SPF record has too many lookups").
    pub title: &'static str,
    /// Plain explanation, ending with the rule's source (e.g. "RFC 6376 §3.7").
    pub explanation: &'static str,
    /// The default fix, used when the check cannot write a more concrete one.
    pub fix: &'static str,
    /// Where the rule comes from, e.g. `RFC 7208 §4.6.4`.
    pub reference: &'static str,
}

impl FindingSpec {
    /// A finding from this entry, with the default explanation and fix.
    pub fn emit(&'static self) -> Finding {
        // Every explanation names its source (the guide's rule): append it when the
        // catalog text does not already cite it.
        let cited = self.explanation.contains(self.reference)
            || self.reference.split(';').map(str::trim).any(|part| !part.is_empty() && self.explanation.contains(part));
        let explanation = if cited {
            self.explanation.to_string()
        } else {
            format!("{} ({})", self.explanation.trim_end(), self.reference)
        };
        Finding {
            id: self.id.to_string(),
            severity: self.severity,
            area: self.area,
            title: self.title.to_string(),
            explanation,
            fix: self.fix.to_string(),
            reference: self.reference.to_string(),
            detail: None,
            evidence: Vec::new(),
            publish: Vec::new(),
        }
    }
}

/// One finding in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The catalog id (`area.snake_name`), stable across releases: match on it, never on the title.
    pub id: String,
    /// How bad it is in this case: the catalog's severity unless the check adjusted it.
    pub severity: Severity,
    /// The group the UI shows it in.
    pub area: Area,
    /// Short headline, from the catalog.
    pub title: String,
    /// Why it matters, ending with the rule's source: the catalog's explanation, with the
    /// reference appended when the text does not already cite it.
    pub explanation: String,
    /// What to do: the exact record or header to publish where the check knows it.
    pub fix: String,
    /// The rule's source (RFC section / guideline).
    pub reference: String,
    /// What was seen in this message or domain (e.g. "bh= differs: footer likely added").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The evidence it rests on: header lines, DNS records, SMTP replies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The records the fix asks to publish, structured (`{name, type, value}`), for
    /// copy-paste boxes and scripts: exactly the zone-file lines of `fix` that the core's
    /// record printer wrote ([`PublishRecord::zone_line`]), read back by its inverse.
    /// Empty when the fix publishes nothing (or only shows a generic example).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publish: Vec<PublishRecord>,
}

impl Finding {
    /// Adds what was seen in this case.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    /// Replaces the fix with a concrete one (the exact record or header). The records it
    /// prints (lines built with [`PublishRecord::zone_line`], e.g. by `domain::fixes`) are
    /// also set as [`Finding::publish`], so the text and the structure always agree.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self.publish = PublishRecord::all_in(&self.fix);
        self
    }
    /// Adds one piece of evidence.
    pub fn evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence.push(evidence.into());
        self
    }
    /// Overrides the severity (e.g. a warning raised to error in a parked-domain check).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}
