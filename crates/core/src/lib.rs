//! Inboxlens core: email deliverability analysis shared by the CLI, the companion
//! server and the in-browser (wasm32) web app.
//!
//! The core performs no I/O except through the DNS seam ([`dns::Resolver`]) and
//! reads no clock: the caller passes `now`. See `ARCHITECTURE.md` for the codemap.

#![warn(missing_docs)]

pub mod analyze;
pub mod auth;
pub mod bounce;
pub mod dns;
pub mod dnsbl;
pub mod domain;
pub mod findings;
pub mod inbound;
pub mod message;
pub mod names;
pub mod sample;
pub mod smtp;
pub mod verdict;
pub mod verify;
