//! The DNS wire decoder every DoH answer goes through (the browser's resolver and the
//! companion's): arbitrary bytes as a response to `a.fuzz.test` of a type picked by the first
//! byte. Must never panic or allocate past the message's own size.
#![no_main]
use inboxlens_core::dns::RecordType;
use inboxlens_core::dns::wire::{is_truncated, parse_response};
use libfuzzer_sys::fuzz_target;

const TYPES: [RecordType; 8] = [
    RecordType::A,
    RecordType::Aaaa,
    RecordType::Mx,
    RecordType::Txt,
    RecordType::Ptr,
    RecordType::Cname,
    RecordType::Tlsa,
    RecordType::Caa,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, wire)) = data.split_first() else { return };
    let rtype = TYPES[usize::from(pick) % TYPES.len()];
    let _ = is_truncated(wire);
    if let Ok(answer) = parse_response(wire, "a.fuzz.test", rtype) {
        // Every record decoded came out of the message: never more records than bytes.
        assert!(answer.records.len() + answer.cnames.len() <= wire.len());
    }
});
