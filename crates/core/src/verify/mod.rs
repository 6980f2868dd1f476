//! Mailbox verification and list cleaning (issue 11), sans-IO.
//!
//! The pieces a verifier needs that involve no socket: address syntax and normalization
//! ([`address`]), role / free-provider / disposable flags from maintained lists ([`lists`]), the
//! result contract of `inboxlens verify`, `/api/verify` and the jobs ([`model`]), the reading of an
//! RCPT reply into an outcome ([`judge`]) and the per-MX scheduler that decides which session to
//! open when ([`scheduler`]). The shells (CLI, server jobs) resolve MX through the DNS seam, open
//! SMTP sessions with the core's SMTP engine and feed the results back; time is always passed in.

pub mod address;
pub mod dns;
pub mod judge;
pub mod lists;
pub mod model;
pub mod scheduler;
pub mod session;
