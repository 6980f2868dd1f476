//! RFC 8601 Authentication-Results parser over arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = inboxlens_core::message::auth_results::parse_authentication_results(&text);
});
