//! Probes a browser cannot run: SMTP sessions (with TLS and DANE), DNS blocklists and
//! MTA-STS policy fetches. Native only; results are plain serde types the API returns.

pub mod dnsbl;
pub mod mta_sts;
pub mod smtp;
pub mod tls;
