//! SMTP (RFC 5321) as sans-IO state machines, in the style of quinn-proto: the machines take
//! bytes and the time in and return actions; sockets, TLS and deadlines belong to the caller
//! (the server's probe driver, a future inbound listener, tests). Nothing here reads a clock,
//! draws a random number or opens a socket, so the module builds for wasm32 and every branch
//! of a dialogue is a table test.
//!
//! - [`reply`]: server replies, bytes in, bounded multi-line [`reply::Reply`]s out (§4.2).
//! - [`command`]: client commands, one grammar for writing (client) and parsing (server),
//!   refusing CR, LF and NUL in every argument (§4.1.1, command injection).
//! - [`client`]: the client session ([`client::ClientSession`]): probe, mailbox batches with
//!   RSET, catch-all and open-relay checks, AUTH PLAIN/LOGIN, optional DATA.
//! - [`server`]: the server side of a session, for an inbound listener.
//! - [`report`]: the probe report types (the JSON of `/api/probe/smtp`).
//! - [`judge`]: pure functions from a session record to verdicts and `smtp.*` findings.
//! - [`submission`]: the submission tester's matrix, its one failure table and the recommendation.

#![deny(missing_docs)]

pub mod client;
pub mod command;
pub mod judge;
pub mod reply;
pub mod report;
pub mod server;
pub mod submission;

#[cfg(test)]
mod dialogue_tests;

/// Replaces control characters so a hostile peer cannot smuggle terminal escapes or fake
/// transcript lines into a report; at most 1,000 characters are kept.
pub fn printable(s: &str) -> String {
    s.chars().take(1000).map(|c| if c.is_control() && c != '\t' { '\u{fffd}' } else { c }).collect()
}

/// The ports where a server is expected to offer STARTTLS (RFC 3207): 25 (relay, RFC 5321),
/// 587 (submission, RFC 6409) and 2525 (a common alternative submission port). Port 465 is
/// implicit TLS (RFC 8314 §3.3) and never offers STARTTLS.
pub fn starttls_expected(port: u16) -> bool {
    matches!(port, 25 | 587 | 2525)
}

/// Port 465 speaks TLS from the first byte (RFC 8314 §3.3).
pub fn implicit_tls_port(port: u16) -> bool {
    port == 465
}

/// Submission ports (RFC 6409 §3.1 and the common 2525), where AUTH matters.
pub fn submission_port(port: u16) -> bool {
    matches!(port, 587 | 2525)
}
