//! The browser's DNS seam: DoH to the chosen endpoint (RFC 8484 over `fetch`).

use super::UiError;
use inboxlens_core::dns::Resolver;
use inboxlens_core::dns::doh::DohResolver;
use std::sync::Arc;

/// The browser's resolver: DoH to the chosen endpoint.
/// (The core takes an `Arc<dyn Resolver>`; on wasm32 nothing is `Send`: one thread.)
#[allow(clippy::arc_with_non_send_sync)]
pub(super) fn doh(endpoint: &str) -> Result<Arc<dyn Resolver>, UiError> {
    crate::settings::check_endpoint(endpoint).map_err(|m| UiError::new("The DNS endpoint is not usable", m))?;
    Ok(Arc::new(DohResolver::new(endpoint.trim().to_string())))
}
