//! Bounce explainer (RFC 3464 DSN / SMTP replies) over arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = inboxlens_core::bounce::explain_bounce(data);
});
