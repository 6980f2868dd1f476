//! Inboxlens core: email deliverability analysis shared by the CLI, the companion
//! server and the in-browser (wasm32) web app.
//!
//! The core performs no I/O except through the DNS seam ([`dns::Resolver`]) and
//! reads no clock: the caller passes `now`. See `ARCHITECTURE.md` for the codemap.

pub mod analyze;
pub mod auth;
pub mod bounce;
pub mod dns;
pub mod domain;
pub mod findings;
pub mod message;
pub mod sample;
pub mod verdict;
