//! The domain check in the page: every email DNS check through DoH (under the what-if
//! overlay when there is one), sections streamed as they complete.

use super::{UiError, companion, resolver};
use inboxlens_core::dns::Resolver;
use inboxlens_core::dns::overlay::Overlay;
use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::domain::{
    DomainOptions, DomainReport, FetchError, FetchFuture, PolicyFetcher, SectionUpdate, check_domain_streaming,
};
use std::sync::Arc;

/// What the domain form holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DomainInput {
    /// The domain to check.
    pub(crate) domain: String,
    /// DKIM selectors to look up (empty: the core tries common ones).
    pub(crate) selectors: Vec<String>,
    /// Check the no-mail (parked) profile.
    pub(crate) parked: bool,
    /// Zone-file lines to overlay (what-if), relative names under `domain`.
    pub(crate) whatif: String,
}

/// Checks that a typed domain is a plausible DNS name before any query goes out.
pub(crate) fn check_domain_name(name: &str) -> Result<(), UiError> {
    let bad = |why: &str| {
        UiError::new(
            "That is not a domain name",
            format!("“{name}”: {why}. Type a domain such as example.com (no https://, no @)."),
        )
    };
    if name.is_empty() {
        return Err(UiError::new("No domain", "Type the domain that sends your mail, e.g. example.com."));
    }
    if name.contains("://") || name.contains('/') {
        return Err(bad("a web address, not a domain"));
    }
    if name.contains('@') {
        return Err(bad("an email address; use the part after the @"));
    }
    inboxlens_core::names::host_name(name).map(|_| ()).map_err(|e| bad(&e.to_string()))
}

/// The resolver for a domain check: DoH, under the what-if zone lines when there are any.
#[allow(clippy::arc_with_non_send_sync)]
fn domain_resolver(input: &DomainInput, endpoint: &str) -> Result<Arc<dyn Resolver>, UiError> {
    let live = resolver::doh(endpoint)?;
    if input.whatif.trim().is_empty() {
        return Ok(live);
    }
    let origin = format!("{}.", input.domain.trim_end_matches('.'));
    let zone = ZoneResolver::from_zone_text(&input.whatif, Some(&origin)).map_err(|e| {
        UiError::new(
            "The what-if records could not be read",
            format!(
                "{e}. Write one record per line in zone-file form, e.g. `_dmarc 300 IN TXT \"v=DMARC1; p=reject\"`."
            ),
        )
    })?;
    Ok(Arc::new(Overlay::new(zone, live)))
}

/// The browser's MTA-STS policy fetcher: the policy lives on another origin (no CORS), so
/// the companion server fetches it (`GET /api/mta-sts/{domain}`, with its certificate check,
/// deadline and 64 KB cap, RFC 8461 §3.3) and the core parses and judges the text here.
struct CompanionPolicyFetcher;

impl PolicyFetcher for CompanionPolicyFetcher {
    fn fetch_mta_sts_policy<'a>(&'a self, domain: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            let answer = companion::mta_sts_policy(domain)
                .await
                .map_err(|e| FetchError::Other(format!("{}: {}", e.title, e.message)))?;
            if let Some(err) = answer.error {
                return Err(FetchError::Other(err));
            }
            match answer.http_status {
                Some(200) => {}
                Some(code) => return Err(FetchError::Status(code)),
                None => return Err(FetchError::Other("the companion server gave no HTTP status".into())),
            }
            answer.policy_text.ok_or_else(|| FetchError::Other("the companion server returned no policy text".into()))
        })
    }
}

/// Runs every email DNS check of a domain; `on_section` receives each section as soon as
/// its answers are in, the return value is the whole report. The MTA-STS policy is fetched
/// through the companion server when the page has one (`companion_mta_sts`); otherwise the
/// core reports it as not fetched and says why.
pub(crate) async fn check_domain(
    input: &DomainInput,
    endpoint: &str,
    companion_mta_sts: bool,
    mut on_section: impl FnMut(SectionUpdate) + 'static,
) -> Result<DomainReport, UiError> {
    let resolver = domain_resolver(input, endpoint)?;
    let opts = DomainOptions { selectors: input.selectors.clone(), parked: input.parked, ..DomainOptions::default() };
    let companion = CompanionPolicyFetcher;
    let fetcher: Option<&dyn PolicyFetcher> = companion_mta_sts.then_some(&companion as &dyn PolicyFetcher);
    Ok(check_domain_streaming(&input.domain, resolver.as_ref(), fetcher, &opts, &mut on_section).await)
}
