//! The only place the web app calls the core (and the companion server's JSON API).
//! Each function builds the browser's DNS seam (DoH over `fetch`, optionally under a
//! what-if overlay, or the sample's own zone), runs the core and hands back the core's
//! typed report — the same value `inboxlens … --json` prints and "Export JSON" saves.
//! Failures become [`UiError`]s worded for people.
//!
//! Submodules depend only on [`error`] and [`resolver`] (and `domain` on `companion` for
//! the MTA-STS policy fetch); nothing here depends on the pages.

pub mod bounce;
pub mod companion;
pub mod domain;
pub mod error;
pub mod message;
mod resolver;

pub use bounce::explain_bounce;
pub use domain::{DomainInput, check_domain, check_domain_name};
pub use error::UiError;
pub use message::{Overrides, analyze, textarea_to_wire};
