//! Probes a browser cannot run: SMTP sessions (with TLS and DANE), DNS blocklists and
//! MTA-STS policy fetches. Native only; results are plain serde types the API returns.

pub(crate) mod dnsbl;
pub(crate) mod mta_sts;
pub(crate) mod smtp;
pub(crate) mod submission;
pub(crate) mod tls;
