//! The three pages and the companion-only features.

pub mod analyze;
pub mod bounce;
pub mod companion;
pub mod domain;
