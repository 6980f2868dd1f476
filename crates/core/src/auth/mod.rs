//! Sender authentication of a message: SPF (our own RFC 7208 evaluator), and DKIM,
//! ARC and DMARC through `mail-auth`, fed only by the DNS seam.

pub mod arc;
pub mod dkim;
pub mod dmarc;
pub mod spf;
