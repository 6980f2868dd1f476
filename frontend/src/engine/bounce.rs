//! The bounce explainer: pure parsing, no DNS, nothing leaves the page.

use super::UiError;
use inboxlens_core::bounce::BounceReport;

/// Explains a bounce (DSN or pasted SMTP reply); input that is not a bounce is said in words.
pub(crate) async fn explain_bounce(text: &[u8]) -> Result<BounceReport, UiError> {
    let report = inboxlens_core::bounce::explain_bounce(text);
    if !report.recognised {
        let why = report.error_message.clone().unwrap_or_else(|| "this is not a bounce".into());
        return Err(UiError::new("This does not look like a bounce", format!("{why}. {}", report.fix)));
    }
    Ok(report)
}
