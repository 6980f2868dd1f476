//! Zone-file parsing (what-if overlays are pasted by users) over arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = inboxlens_core::dns::zone::ZoneResolver::from_zone_text(&text, None);
});
