//! Message analysis that needs no DNS: parsing, the Received chain, envelope
//! inference, upstream Authentication-Results, header sanity, List-Unsubscribe,
//! body/MIME signals and the bulk-sender checklist.

pub mod auth_results;
pub mod body;
pub mod bulk;
pub mod envelope;
pub mod headers;
pub mod hops;
pub mod unsubscribe;
