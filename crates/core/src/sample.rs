//! The bundled sample: a realistic marketing message from `shop.example` and the DNS
//! zone its verdicts come from. `.example` is reserved (RFC 2606), so the sample never
//! depends on live DNS: CLI (`analyze --sample`), server and web app ("Load sample")
//! analyze it with [`SAMPLE_ZONE`] overlaid and show the same report.

/// The raw sample message (CRLF line ends, DKIM-signed by `nov2026._domainkey.shop.example`).
pub const SAMPLE_MESSAGE: &[u8] = include_bytes!("../assets/sample.eml");

/// The zone (RFC 1035 master format) that answers the sample's DNS questions.
pub const SAMPLE_ZONE: &str = include_str!("../assets/sample.zone");

/// The time the sample was received (its top Received header), so verdicts and date
/// checks do not drift as the real clock moves on.
pub const SAMPLE_RECEIVED_AT: i64 = 1_795_425_247;
