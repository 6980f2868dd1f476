//! SPF record parser (RFC 7208 §12 ABNF) over arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = inboxlens_core::auth::spf::parse_record(&text);
});
