//! The whole message pipeline on the bundled sample and on hostile input, DNS from
//! zone files through the real seam.

use inboxlens_core::analyze::{AnalyzeError, AnalyzeOptions, MessageReport, analyze_message};
use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::dns::{DnsError, Resolver};
use inboxlens_core::sample::{SAMPLE_MESSAGE, SAMPLE_RECEIVED_AT, SAMPLE_ZONE};
use std::sync::Arc;

fn sample_zone() -> Arc<dyn Resolver> {
    Arc::new(ZoneResolver::from_zone_text(SAMPLE_ZONE, None).expect("sample zone"))
}

fn run(raw: &[u8], resolver: Arc<dyn Resolver>) -> Result<MessageReport, AnalyzeError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(analyze_message(raw, resolver, &AnalyzeOptions::at(SAMPLE_RECEIVED_AT + 60)))
}

fn ids(r: &MessageReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn sample_verdicts_come_from_its_zone() {
    let r = run(SAMPLE_MESSAGE, sample_zone()).expect("report");
    assert_eq!(r.envelope.client_ip.as_deref(), Some("192.0.2.25"));
    assert_eq!(r.envelope.mail_from.as_deref(), Some("bounces+8812@news.shop.example"));
    assert_eq!(r.auth.spf.result.to_string(), "pass");
    assert_eq!(r.auth.spf.domain, "news.shop.example");
    assert_eq!(r.auth.dkim.len(), 1);
    let d = &r.auth.dkim[0];
    assert_eq!((d.result.as_str(), d.domain.as_str(), d.selector.as_str()), ("pass", "shop.example", "nov2026"));
    assert_eq!(d.key_bits, Some(2048));
    assert_eq!(r.auth.dmarc.result, "pass");
    assert_eq!(r.auth.dmarc.policy.map(|p| p.as_str()), Some("none"));
    assert_eq!(r.auth.arc.result, "none");
    assert_eq!(r.hops.len(), 2);
    // p=none is reported, and the bit.ly link whose text shows another domain too.
    let found = ids(&r);
    assert!(found.iter().any(|id| id.starts_with("dmarc.") && id.contains("none")), "{found:?}");
    assert!(found.iter().any(|id| id.starts_with("body.")), "{found:?}");
    assert!(r.score > 5.0 && r.score < 10.0, "score {}", r.score);
    // Every answer used is evidence, and replaying the evidence gives the same verdicts.
    assert!(r.dns.iter().any(|e| e.name == "nov2026._domainkey.shop.example"));
    let replay = ZoneResolver::from_zone_text(&inboxlens_core::dns::recorder::evidence_to_zone(&r.dns), None).unwrap();
    let again = run(SAMPLE_MESSAGE, Arc::new(replay)).expect("replayed report");
    assert_eq!(again.auth, r.auth);
}

#[test]
fn tampered_body_is_a_body_hash_mismatch() {
    let text = String::from_utf8_lossy(SAMPLE_MESSAGE).replace("three new notebooks", "three cheap notebooks");
    let r = run(text.as_bytes(), sample_zone()).expect("report");
    assert_eq!(r.auth.dkim[0].result, "fail");
    assert!(ids(&r).contains(&"dkim.body_hash_mismatch"), "{:?}", ids(&r));
    assert_eq!(r.auth.dmarc.result, "pass", "SPF still passes aligned");
}

#[test]
fn dns_timeouts_are_temperror_not_missing() {
    let mut zone = ZoneResolver::from_zone_text(SAMPLE_ZONE, None).unwrap();
    zone.fail("news.shop.example", DnsError::Timeout);
    zone.fail("nov2026._domainkey.shop.example", DnsError::Timeout);
    let r = run(SAMPLE_MESSAGE, Arc::new(zone)).expect("report");
    assert_eq!(r.auth.spf.result.to_string(), "temperror");
    assert_eq!(r.auth.dkim[0].result, "temperror");
}

#[test]
fn lf_only_message_is_normalized_and_still_verifies() {
    let lf: Vec<u8> = SAMPLE_MESSAGE.iter().copied().filter(|&b| b != b'\r').collect();
    let r = run(&lf, sample_zone()).expect("report");
    assert!(r.meta.line_endings_normalized);
    assert_eq!(r.auth.dkim[0].result, "pass");
}

#[test]
fn hostile_input_gives_an_error_or_a_report_never_a_panic() {
    let empty = Arc::new(ZoneResolver::new()) as Arc<dyn Resolver>;
    assert_eq!(run(b"", empty.clone()).unwrap_err(), AnalyzeError::Empty);
    assert_eq!(run(b"   \r\n", empty.clone()).unwrap_err(), AnalyzeError::Empty);
    assert!(matches!(run(b"just some words without any header", empty.clone()), Err(AnalyzeError::NotAnEmail) | Ok(_)));
    let mut cases: Vec<Vec<u8>> = vec![
        b"From: a@b.example\r\nSubject: headers only\r\n".to_vec(),
        b"From: a@b.example\rSubject: cr only\r\rbody\r".to_vec(),
        b"From: a@b.example\nSubject: lf only\n\nbody\n".to_vec(),
        b"Subject: \xff\xfe 8-bit \x80\r\nFrom: \xc3\x28@x\r\n\r\n\x00\x01\x02".to_vec(),
        (0u8..=255).cycle().take(10_000).collect(),
    ];
    // Truncations of the sample at many points.
    for cut in (0..SAMPLE_MESSAGE.len()).step_by(97) {
        cases.push(SAMPLE_MESSAGE[..cut].to_vec());
    }
    // MIME nested 100 deep.
    let mut nested = String::from("From: a@b.example\r\nMIME-Version: 1.0\r\n");
    for i in 0..100 {
        nested.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"));
    }
    nested.push_str("Content-Type: text/plain\r\n\r\ndeep\r\n");
    for i in (0..100).rev() {
        nested.push_str(&format!("--b{i}--\r\n"));
    }
    cases.push(nested.into_bytes());
    for case in cases {
        let _ = run(&case, empty.clone());
    }
}

#[test]
fn fifty_megabytes_is_handled() {
    let mut big = b"From: a@b.example\r\nSubject: big\r\nContent-Type: text/plain\r\n\r\n".to_vec();
    big.extend(
        std::iter::repeat_n(
            b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n".as_slice(),
            50 * 1024 * 1024 / 65,
        )
        .flatten(),
    );
    let r = run(&big, Arc::new(ZoneResolver::new())).expect("50 MB message gets a report");
    assert!(r.summary.size_bytes > 50_000_000);
    let over = vec![b'a'; inboxlens_core::analyze::MAX_MESSAGE_BYTES + 1];
    assert!(matches!(run(&over, Arc::new(ZoneResolver::new())), Err(AnalyzeError::TooLarge(_))));
}
