//! The SMTP reply decoder on arbitrary bytes, fed in arbitrary pieces: it must never panic,
//! never hold more than its bounds, and give the same replies however the bytes are split.
#![no_main]

use inboxlens_core::smtp::reply::{ReplyDecoder, ReplyLimits};
use libfuzzer_sys::fuzz_target;

fn decode(chunks: &[&[u8]], limits: ReplyLimits) -> Result<Vec<(u16, Vec<String>)>, String> {
    let mut d = ReplyDecoder::new(limits);
    let mut out = Vec::new();
    for c in chunks {
        d.push(c).map_err(|e| e.to_string())?;
        while let Some(r) = d.next_reply().map_err(|e| e.to_string())? {
            assert!(r.lines.len() <= limits.max_lines);
            assert!((200..600).contains(&r.code));
            out.push((r.code, r.lines));
        }
        assert!(d.pending() <= 2 * limits.max_bytes + limits.max_lines * 6);
    }
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    let limits = ReplyLimits { max_line: 256, max_lines: 16, max_bytes: 2048 };
    let whole = decode(&[data], limits);
    let cut = data.first().map(|b| usize::from(*b)).unwrap_or(0).min(data.len());
    let (a, b) = data.split_at(cut);
    let split = decode(&[a, b], limits);
    // Success must not depend on how the bytes arrived.
    if let (Ok(w), Ok(s)) = (&whole, &split) {
        assert_eq!(w, s);
    }
});
