//! The pages and the companion-only features.

pub(crate) mod analyze;
pub(crate) mod bounce;
pub(crate) mod companion;
pub(crate) mod domain;
pub(crate) mod inbound;
pub(crate) mod smtp_test;
pub(crate) mod verify;
