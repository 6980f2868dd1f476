//! Message analysis in the page: only DNS questions leave it.

use super::{UiError, resolver};
use inboxlens_core::analyze::{AnalyzeError, AnalyzeOptions, MessageReport, analyze_message};
use inboxlens_core::dns::Resolver;
use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::sample::{SAMPLE_MESSAGE, SAMPLE_RECEIVED_AT, SAMPLE_ZONE};
use std::sync::Arc;

/// Envelope values the user typed (the CLI's `--ip`, `--helo`, `--mail-from`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Overrides {
    /// The connecting client's address.
    pub(crate) ip: Option<String>,
    /// The HELO/EHLO name.
    pub(crate) helo: Option<String>,
    /// The envelope sender (MAIL FROM).
    pub(crate) mail_from: Option<String>,
}

/// The bytes of a message typed or pasted into the textarea. The core converts bare LF
/// line ends back to CRLF itself (and says so in `meta`), so the text goes as it is.
pub(crate) fn textarea_to_wire(text: &str) -> Vec<u8> {
    text.as_bytes().to_vec()
}

/// Whether `raw` is the bundled sample (as loaded, or as it comes back from the
/// textarea with bare LF line ends).
fn is_bundled_sample(raw: &[u8]) -> bool {
    let no_cr = |b: &&u8| **b != b'\r';
    raw == SAMPLE_MESSAGE || raw.iter().filter(no_cr).eq(SAMPLE_MESSAGE.iter().filter(no_cr))
}

/// Analyses one message in the page; only DNS questions leave it. The bundled sample is
/// answered from its own zone alone (`.example` never resolves) and judged as of its
/// delivery, exactly like `inboxlens analyze --sample`: no question leaves the page.
#[allow(clippy::arc_with_non_send_sync)]
pub(crate) async fn analyze(raw: &[u8], endpoint: &str, ov: &Overrides) -> Result<MessageReport, UiError> {
    let sample = is_bundled_sample(raw);
    let resolver: Arc<dyn Resolver> = if sample {
        Arc::new(
            ZoneResolver::from_zone_text(SAMPLE_ZONE, None)
                .map_err(|e| UiError::new("Internal error", e.to_string()))?,
        )
    } else {
        resolver::doh(endpoint)?
    };
    let now = if sample { SAMPLE_RECEIVED_AT + 60 } else { crate::util::now_secs() as i64 };
    let mut opts = AnalyzeOptions::at(now);
    if let Some(ip) = &ov.ip {
        let parsed = ip.parse().map_err(|_| {
            UiError::new(
                "The client IP override is not an IP address",
                format!("“{ip}” is neither IPv4 (203.0.113.5) nor IPv6 (2001:db8::5)."),
            )
        })?;
        opts.overrides.ip = Some(parsed);
    }
    opts.overrides.helo = ov.helo.clone();
    opts.overrides.mail_from = ov.mail_from.clone();
    analyze_message(raw, resolver, &opts).await.map_err(|e| match e {
        AnalyzeError::Empty => UiError::new(
            "Nothing to analyse",
            "Paste a complete message (headers and body), drop an .eml file, or load the sample.",
        ),
        AnalyzeError::NotAnEmail => UiError::new(
            "This is not an email message",
            "No header fields (like “From:” or “Received:”) were found at the top. Copy the whole original message: in Gmail ⋮ → Show original, in Outlook File → Properties → Internet headers, in Thunderbird View → Message Source.",
        ),
        other => UiError::new("The message cannot be analysed", other.to_string()),
    })
}
