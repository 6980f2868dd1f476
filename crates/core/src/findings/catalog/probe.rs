//! Catalog entries: probe.

crate::findings! {}
