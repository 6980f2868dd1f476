//! The only place the web app calls the core (and the companion server's JSON API).
//! Each function builds the browser's DNS seam (DoH over `fetch`, optionally under a
//! what-if overlay, or the sample's own zone), runs the core and hands back the core's
//! typed report — the same value `inboxlens … --json` prints and "Export JSON" saves.
//! Failures become [`UiError`]s worded for people.
//!
//! Submodules depend only on [`error`] and [`resolver`] (and `domain` on `companion` for
//! the MTA-STS policy fetch, `verify` on `companion`'s requests and on `crate::list`); nothing
//! here depends on the pages.

pub(crate) mod bounce;
pub(crate) mod companion;
pub(crate) mod domain;
pub(crate) mod error;
pub(crate) mod inbound;
pub(crate) mod message;
mod resolver;
pub(crate) mod smtp_test;
pub(crate) mod verify;

pub(crate) use bounce::explain_bounce;
pub(crate) use domain::{DomainInput, check_domain, check_domain_name};
pub(crate) use error::UiError;
pub(crate) use message::{Overrides, analyze, textarea_to_wire};
