//! Whole-message analysis over arbitrary bytes, DNS from the bundled sample zone:
//! must return a report or a typed error, never panic.
#![no_main]
use inboxlens_core::analyze::{AnalyzeOptions, analyze_message};
use inboxlens_core::dns::zone::ZoneResolver;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let zone = ZoneResolver::from_zone_text(inboxlens_core::sample::SAMPLE_ZONE, None).expect("sample zone parses");
    let opts = AnalyzeOptions::at(inboxlens_core::sample::SAMPLE_RECEIVED_AT);
    let _ = futures::executor::block_on(analyze_message(data, Arc::new(zone), &opts));
});
