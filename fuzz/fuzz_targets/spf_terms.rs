//! The per-term SPF grammar the domain check lints with (`auth::spf::parse_term` over
//! `split_terms`), and what the domain check builds from it (the corrected and the merged
//! record), over arbitrary text: must return a term or a typed error, never panic; a
//! term that parses must parse again from its own text to the same term, and the
//! whole-record parser must agree with the per-term one.
#![no_main]
use inboxlens_core::auth::spf::{parse_record, parse_term, split_terms};
use inboxlens_core::domain::spf::{corrected_record, merge_records};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let record = format!("v=spf1 {text}");
    let mut all_ok = true;
    for raw in split_terms(&record) {
        match parse_term(raw) {
            Ok(term) => assert_eq!(parse_term(&term.text()).ok(), Some(term.clone()), "{raw}"),
            Err(e) => {
                all_ok = false;
                let _ = (e.term_reason(), e.is_cidr(), e.to_string());
            }
        }
    }
    // Every term valid: the whole record parses, or only a duplicate modifier is wrong.
    if all_ok && record.is_ascii() {
        if let Err(e) = parse_record(&record) {
            assert!(matches!(e, inboxlens_core::auth::spf::SpfSyntaxError::DuplicateModifier(_)), "{record}: {e}");
        }
    }
    let corrected = corrected_record(&record);
    assert!(split_terms(&corrected).all(|t| parse_term(t).is_ok()), "{corrected}");
    let _ = merge_records(&[record, corrected]);
});
