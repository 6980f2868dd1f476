//! Calls into the core's domain check (streaming) and bounce explainer, serializing their
//! reports for the views (the same JSON the CLI prints with `--json`).

use crate::engine::{DomainInput, UiError};
use inboxlens_core::bounce::explain_bounce;
use inboxlens_core::dns::Resolver;
use inboxlens_core::domain::{
    DomainOptions, FetchError, FetchFuture, PolicyFetcher, SectionUpdate, check_domain_streaming,
};
use serde_json::Value;
use std::sync::Arc;

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, UiError> {
    serde_json::to_value(v)
        .map_err(|e| UiError::new("Internal error", format!("The report could not be serialized: {e}")))
}

/// The browser's MTA-STS policy fetcher: the policy lives on another origin (no CORS), so
/// the companion server fetches it (`GET /api/mta-sts/{domain}`, with its certificate check,
/// deadline and 64 KB cap, RFC 8461 §3.3) and the core parses and judges the text here.
struct CompanionPolicyFetcher;

impl PolicyFetcher for CompanionPolicyFetcher {
    fn fetch_mta_sts_policy<'a>(&'a self, domain: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            let path = format!("/api/mta-sts/{}", js_sys::encode_uri_component(domain));
            let v = crate::engine::companion_json("GET", &path, None)
                .await
                .map_err(|e| FetchError::Other(format!("{}: {}", e.title, e.message)))?;
            if let Some(err) = v.get("error").and_then(Value::as_str) {
                return Err(FetchError::Other(err.to_string()));
            }
            match v.get("http_status").and_then(Value::as_u64) {
                Some(200) => {}
                Some(code) => return Err(FetchError::Status(u16::try_from(code).unwrap_or(0))),
                None => return Err(FetchError::Other("the companion server gave no HTTP status".into())),
            }
            v.get("policy_text")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| FetchError::Other("the companion server returned no policy text".into()))
        })
    }
}

/// Runs the core's streaming domain check. The MTA-STS policy is fetched through the
/// companion server when the page has one (`companion_mta_sts`); otherwise the core
/// reports it as not fetched and says why.
pub async fn run(
    input: &DomainInput,
    resolver: Arc<dyn Resolver>,
    companion_mta_sts: bool,
    mut on_section: impl FnMut(Value) + 'static,
) -> Result<Value, UiError> {
    let opts = DomainOptions { selectors: input.selectors.clone(), parked: input.parked, ..DomainOptions::default() };
    let companion = CompanionPolicyFetcher;
    let fetcher: Option<&dyn PolicyFetcher> = companion_mta_sts.then_some(&companion as &dyn PolicyFetcher);
    let mut forward = |s: SectionUpdate| {
        if let Ok(v) = serde_json::to_value(&s) {
            on_section(v);
        }
    };
    let report = check_domain_streaming(&input.domain, resolver.as_ref(), fetcher, &opts, &mut forward).await;
    to_json(&report)
}

/// Runs the core's bounce explainer; input that is not a bounce is said in words.
pub fn bounce(text: &[u8]) -> Result<Value, UiError> {
    let report = explain_bounce(text);
    if !report.recognised {
        let why = report.error_message.clone().unwrap_or_else(|| "this is not a bounce".into());
        return Err(UiError::new("This does not look like a bounce", format!("{why}. {}", report.fix)));
    }
    to_json(&report)
}
