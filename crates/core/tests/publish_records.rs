//! Findings carry the records their fix asks to publish as structured `publish` entries
//! (`{name, type, value}`), equal to the zone-file lines in the fix text: checked on a real
//! domain check over a zone (DMARC p=none, two SPF records, no MX).

use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::domain::{DomainOptions, check_domain};
use inboxlens_core::findings::{Finding, PublishRecord};

const ZONE: &str = r#"
$ORIGIN pub.test.
$TTL 300
@       IN SOA ns.pub.test. hostmaster.pub.test. 1 3600 600 86400 300
@       IN NS  ns.pub.test.
ns      IN A   192.0.2.53
@       IN TXT "v=spf1 ip4:192.0.2.1 -all"
@       IN TXT "v=spf1 ip4:192.0.2.2 -all"
_dmarc  IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@pub.test"
"#;

fn report_findings() -> Vec<Finding> {
    let resolver = ZoneResolver::from_zone_text(ZONE, Some("pub.test.")).expect("zone parses");
    let report = futures::executor::block_on(check_domain("pub.test", &resolver, None, &DomainOptions::default()));
    report.findings
}

/// The fix lines that are records, as the user reads them: `<owner>. 3600 IN <type> <data>`
/// (an alternative in prose, "(or …: example.com. 3600 IN MX 0 .)", is not one to publish).
fn record_lines(f: &Finding) -> Vec<String> {
    f.fix
        .lines()
        .map(str::trim)
        .filter(|l| {
            let mut tokens = l.split(' ');
            tokens.next().is_some_and(|owner| owner.ends_with('.'))
                && tokens.next() == Some("3600")
                && tokens.next() == Some("IN")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn dmarc_policy_none_fix_publishes_the_quarantine_record() {
    let findings = report_findings();
    let f = findings
        .iter()
        .find(|f| f.publish.iter().any(|r| r.name == "_dmarc.pub.test" && r.value.contains("p=quarantine")))
        .unwrap_or_else(|| panic!("no finding publishes a p=quarantine DMARC record: {findings:#?}"));
    assert_eq!(f.publish.len(), 1, "{f:#?}");
    let rec = &f.publish[0];
    assert_eq!(rec.rtype, "TXT");
    assert!(rec.value.starts_with("v=DMARC1; p=quarantine"), "{rec:?}");
    assert!(rec.value.contains("rua=mailto:dmarc@pub.test"), "the corrected record keeps rua=: {rec:?}");
    assert_eq!(record_lines(f), vec![rec.zone_line()], "publish says what the fix text says");
}

#[test]
fn spf_multiple_records_fix_publishes_the_merged_record() {
    let findings = report_findings();
    let f = findings
        .iter()
        .find(|f| f.publish.iter().any(|r| r.name == "pub.test" && r.value.starts_with("v=spf1")))
        .unwrap_or_else(|| panic!("no finding publishes an SPF record: {findings:#?}"));
    let rec = &f.publish[0];
    assert_eq!(rec.rtype, "TXT");
    assert!(
        rec.value.contains("ip4:192.0.2.1") && rec.value.contains("ip4:192.0.2.2"),
        "both records' mechanisms are merged: {rec:?}"
    );
    assert_eq!(record_lines(f), f.publish.iter().map(PublishRecord::zone_line).collect::<Vec<_>>());
    // The fix is more than the record: the prose line is not a record.
    assert!(f.fix.lines().count() > f.publish.len(), "{}", f.fix);
}

#[test]
fn every_finding_publishes_exactly_its_record_lines() {
    let findings = report_findings();
    assert!(findings.iter().any(|f| !f.publish.is_empty()));
    for f in &findings {
        let printed: Vec<String> = f.publish.iter().map(PublishRecord::zone_line).collect();
        assert_eq!(record_lines(f), printed, "{}: {}", f.id, f.fix);
    }
}

#[test]
fn an_alternative_in_prose_is_not_published() {
    let findings = report_findings();
    let f = findings
        .iter()
        .find(|f| f.publish.iter().any(|r| r.rtype == "MX"))
        .unwrap_or_else(|| panic!("no finding publishes an MX record: {findings:#?}"));
    assert!(f.fix.contains("IN MX 0 ."), "the fix offers the null MX as an alternative: {}", f.fix);
    assert_eq!(f.publish, vec![PublishRecord::new("pub.test", "MX", "10 mx.pub.test.")]);
}

#[test]
fn publish_is_additive_json() {
    let findings = report_findings();
    let with = findings.iter().find(|f| !f.publish.is_empty()).expect("a finding with records");
    let v = serde_json::to_value(with).expect("serializes");
    let first = &v["publish"][0];
    assert_eq!(first["name"], with.publish[0].name.as_str());
    assert_eq!(first["type"], "TXT");
    assert_eq!(first["value"], with.publish[0].value.as_str());
    let without = findings.iter().find(|f| f.publish.is_empty()).expect("a finding without records");
    assert!(serde_json::to_value(without).expect("serializes").get("publish").is_none(), "absent when empty");
}
