//! Calls into the core's domain check (streaming) and bounce explainer, serializing their
//! reports for the views (the same JSON the CLI prints with `--json`).

use crate::engine::{DomainInput, UiError};
use inboxlens_core::bounce::explain_bounce;
use inboxlens_core::dns::Resolver;
use inboxlens_core::domain::{DomainOptions, SectionUpdate, check_domain_streaming};
use serde_json::Value;
use std::sync::Arc;

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, UiError> {
    serde_json::to_value(v).map_err(|e| {
        UiError::new(
            "Internal error",
            format!("The report could not be serialized: {e}"),
        )
    })
}

/// Runs the core's streaming domain check. No MTA-STS policy fetcher in the browser: the
/// policy lives on another origin; the core reports it as not fetched and says why.
pub async fn run(
    input: &DomainInput,
    resolver: Arc<dyn Resolver>,
    mut on_section: impl FnMut(Value) + 'static,
) -> Result<Value, UiError> {
    let opts = DomainOptions {
        selectors: input.selectors.clone(),
        parked: input.parked,
        ..DomainOptions::default()
    };
    let mut forward = |s: SectionUpdate| {
        if let Ok(v) = serde_json::to_value(&s) {
            on_section(v);
        }
    };
    let report =
        check_domain_streaming(&input.domain, resolver.as_ref(), None, &opts, &mut forward).await;
    to_json(&report)
}

/// Runs the core's bounce explainer; input that is not a bounce is said in words.
pub fn bounce(text: &[u8]) -> Result<Value, UiError> {
    let report = explain_bounce(text);
    if !report.recognised {
        let why = report
            .error_message
            .clone()
            .unwrap_or_else(|| "this is not a bounce".into());
        return Err(UiError::new(
            "This does not look like a bounce",
            format!("{why}. {}", report.fix),
        ));
    }
    to_json(&report)
}
