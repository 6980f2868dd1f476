//! Mailbox verification's I/O shell, shared by its three drivers (the CLI `inboxlens verify`, the
//! HTTP routes `/api/verify` and the bulk jobs): list input and output with every row's original
//! bytes kept ([`list`]), the async driver of the core's sans-IO scheduler ([`engine`]), and the
//! SMTP sessions the scheduler asks for ([`smtp`], over the probe's socket/TLS driver).
//!
//! The rules and verdicts are the core's (`inboxlens_core::verify`); nothing here decides.

pub(crate) mod engine;
pub(crate) mod jobs;
pub(crate) mod list;
pub(crate) mod smtp;

use inboxlens_core::verify::scheduler::{Probe, SessionResult};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The columns added to every output row, in this order.
pub(crate) const ADDED_COLUMNS: [&str; 8] =
    ["verdict", "reason", "detail", "mx", "catch_all", "disposable", "role", "free"];
/// Default MAIL FROM: the null reverse-path `<>` (RFC 5321 §4.5.5), which every receiver must
/// accept and which cannot make a bounce go to somebody else.
pub(crate) const DEFAULT_FROM_ADDRESS: &str = "";

// The SMTP hook

/// A boxed SMTP session future.
pub(crate) type SessionFuture = Pin<Box<dyn Future<Output = SessionResult> + Send>>;

/// What an SMTP session needs besides the scheduler's batches.
#[derive(Debug, Clone)]
pub(crate) struct SessionSettings {
    /// MAIL FROM (empty: `<>`).
    pub from_address: String,
    /// EHLO name.
    pub helo: String,
    /// Allow private / loopback MX addresses.
    pub allow_private: bool,
    /// Deadline of one step.
    pub step_timeout: Duration,
}

/// Where the scheduler's `OpenSession` actions go: connect to `mx`, EHLO (STARTTLS when offered),
/// and per batch MAIL FROM + RCPT TO each probe (RSET between batches), answering every probe by
/// its id. The driver adds an overall deadline around the future. An implementation checks each
/// MX address with `guard::TargetPolicy { allow_private: settings.allow_private }` before
/// connecting, and reports refused / timed-out connects as `SessionEnd::Refused` /
/// `SessionEnd::ConnectTimeout` so the scheduler falls back to the next MX.
pub(crate) trait SessionRunner: Send + Sync {
    /// Runs one session.
    fn run(&self, mx: String, batches: Vec<Vec<Probe>>, settings: SessionSettings) -> SessionFuture;
}
