//! The domain check's record parsers over arbitrary text: DMARC tags and the corrected record,
//! the MTA-STS policy file and TXT record, the TLS-RPT record, the SPF fix-up, and the DANE
//! TLSA lint over arbitrary bytes. None may panic; a corrected DMARC record is a valid record
//! (receivers apply a policy from it) and correcting it again changes nothing.
#![no_main]
use inboxlens_core::domain::{dane, dmarc, mta_sts, spf, tls_rpt};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let tags = dmarc::parse_tags(&text);
    let _ = dmarc::is_dmarc_record(&text);
    let _ = dmarc::recovered_policy(&tags);
    let fixed = dmarc::corrected_record(&tags, None);
    let again = dmarc::parse_tags(&fixed);
    assert!(dmarc::is_dmarc_record(&fixed), "corrected record {fixed:?} is not a DMARC record");
    assert!(dmarc::recovered_policy(&again).is_some(), "corrected record {fixed:?} has no policy");
    assert_eq!(dmarc::corrected_record(&again, None), fixed, "correcting {fixed:?} again changed it");
    let _ = dmarc::walk_names(&text);
    let policy = mta_sts::parse_policy(&text);
    for mx in &policy.mx {
        let _ = mta_sts::mx_matches(mx, "mx.example.test");
    }
    let _ = mta_sts::txt_problems(&text);
    let _ = tls_rpt::lint(&text);
    let _ = spf::corrected_record(&text);
    if data.len() >= 3 {
        let _ = dane::lint_tlsa(data[0], data[1], data[2], &data[3..]);
    }
});
