//! Domain check over the lab's zone files (tests/lab/conf/zones) through the real
//! offline DNS seam (`ZoneResolver`): every expected finding of bad.test and its
//! one-problem sub-domains, good.test clean, none.test "missing" (not temperror),
//! unreachable and never-answering names as temperror (never "missing"), the parked
//! profile, DMARC report authorization, SPF flattening, streaming and evidence replay.

use inboxlens_core::dns::recorder::evidence_to_zone;
use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::dns::{DnsError, DnsFuture, RecordData, RecordType, Resolver};
use inboxlens_core::domain::{
    DomainOptions, DomainReport, FetchError, FetchFuture, LookupStatus, PolicyFetcher, Section, check_domain,
    check_domain_streaming,
};
use inboxlens_core::findings::Severity;

mod support;

/// The lab zones, test keys substituted (`support::lab_zones`).
fn lab() -> ZoneResolver {
    support::lab_zones()
}

fn opts() -> DomainOptions {
    DomainOptions { selectors: Vec::new(), parked: false, query_timeout_ms: 2_000, overall_timeout_ms: 10_000 }
}

fn ids(r: &DomainReport) -> Vec<String> {
    r.findings.iter().map(|f| f.id.clone()).collect()
}

fn has(r: &DomainReport, id: &str) -> bool {
    r.findings.iter().any(|f| f.id == id)
}

fn finding<'r>(r: &'r DomainReport, id: &str) -> &'r inboxlens_core::findings::Finding {
    r.findings.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no {id} in {:?}", ids(r)))
}

async fn check(z: &ZoneResolver, domain: &str, o: &DomainOptions) -> DomainReport {
    check_domain(domain, z, None, o).await
}

/// The lab's MTA-STS policy file (served by the lab's HTTPS server on 127.0.0.10:443).
struct StaticPolicy(&'static str);
impl PolicyFetcher for StaticPolicy {
    fn fetch_mta_sts_policy<'a>(&'a self, domain: &'a str) -> FetchFuture<'a> {
        let r = if domain == "good.test" {
            Ok(self.0.to_string())
        } else {
            Err(FetchError::Dns(format!("mta-sts.{domain}: NXDOMAIN")))
        };
        Box::pin(async move { r })
    }
}

#[tokio::test]
async fn bad_test_apex_has_every_problem() {
    let z = lab();
    let o = DomainOptions { selectors: vec!["weak".into(), "broken".into(), "revoked".into()], ..opts() };
    let r = check(&z, "bad.test", &o).await;

    // SPF: two records (permerror), the first needs 13–17 lookups; the tree says where.
    assert_eq!(r.spf.records.len(), 2);
    assert_eq!(r.spf.status, LookupStatus::Permerror);
    assert!(has(&r, "spf_record.multiple"));
    assert!((13..=17).contains(&r.spf.lookups), "lookups {}", r.spf.lookups);
    let tree = r.spf.tree.as_ref().expect("tree");
    assert!(tree.record.as_deref().is_some_and(|t| t.contains("include:_s1.bad.test")));
    let s4 =
        tree.terms.iter().find(|t| t.term == "include:_s4.bad.test").and_then(|t| t.node.as_deref()).expect("_s4 node");
    let s7 =
        s4.terms.iter().find(|t| t.term == "include:_s7.bad.test").and_then(|t| t.node.as_deref()).expect("_s7 node");
    assert!(s7.terms.iter().any(|t| t.kind == "ptr" && t.lookups == 1));
    assert_eq!(tree.total, r.spf.lookups);
    assert_eq!(tree.terms.last().map(|t| t.running_total), Some(r.spf.lookups));
    let too_many = finding(&r, "spf_record.too_many_lookups");
    assert!(too_many.detail.as_deref().is_some_and(|d| d.contains("11th lookup")), "{:?}", too_many.detail);
    let flat = r.spf.flattened.as_ref().expect("flattened record");
    assert!(flat.lookups <= 10);
    let root = &flat.records[0];
    assert_eq!(root.name, "bad.test");
    assert!(root.value.starts_with("v=spf1 ") && root.value.ends_with("~all"), "{}", root.value);
    for ip in ["ip4:127.0.0.20", "ip4:127.0.0.2", "ip4:127.0.0.10", "ip4:127.0.0.66"] {
        assert!(root.value.split(' ').any(|t| t == ip), "{ip} missing in {}", root.value);
    }
    assert!(too_many.fix.contains(&root.zone_line));
    assert!(has(&r, "spf_record.ptr_deprecated"));
    assert!(has(&r, "spf_record.macros"));

    // DMARC: p=none, pct=150, rua without mailto:, sp=maybe, fo=9.
    // sp=maybe is invalid and rua= holds no valid URI: receivers apply no DMARC (RFC 9989 §4.10.1).
    assert_eq!(r.dmarc.policy, None);
    assert_eq!(r.dmarc.status, LookupStatus::Permerror);
    assert_eq!(r.dmarc.domain.as_deref(), Some("bad.test"));
    assert!(has(&r, "dmarc_record.pct_invalid"));
    assert!(has(&r, "dmarc_record.report_uri_invalid"));
    assert!(has(&r, "dmarc_record.removed_tag"));
    assert!(has(&r, "dmarc_record.policy_none"));
    let inv = finding(&r, "dmarc_record.invalid_value");
    let d = inv.detail.clone().unwrap_or_default();
    assert!(d.contains("sp=maybe") && d.contains("fo=9"), "{d}");
    assert_eq!(r.dmarc.corrected.as_deref(), Some("v=DMARC1; p=none; rua=mailto:dmarc@bad.test"));
    assert!(inv.fix.contains("_dmarc.bad.test. 3600 IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@bad.test\""));

    // MX: mail.bad.test is a CNAME, missing.bad.test does not exist, 127.0.0.20 has no PTR.
    let mail = r.mx.iter().find(|h| h.host == "mail.bad.test").expect("mail MX");
    assert_eq!(mail.preference, 10);
    assert_eq!(mail.cname.as_deref(), Some("mx2.bad.test"));
    assert_eq!(mail.addresses, vec!["127.0.0.20".to_string()]);
    assert!(has(&r, "mx.cname"));
    let missing = r.mx.iter().find(|h| h.host == "missing.bad.test").expect("missing MX");
    assert_eq!(missing.status, "nxdomain");
    assert!(finding(&r, "mx.host_unresolvable").detail.as_deref().is_some_and(|d| d.contains("missing.bad.test")));
    assert!(finding(&r, "mx.no_ptr").detail.as_deref().is_some_and(|d| d.contains("127.0.0.20")));

    // DKIM: weak = RSA-1024 (warning), broken (syntax error), revoked (empty p=).
    let weak = r.dkim.iter().find(|k| k.selector == "weak").expect("weak");
    assert_eq!((weak.key_type.as_deref(), weak.key_bits), (Some("rsa"), Some(1024)));
    assert_eq!(finding(&r, "dkim_key.rsa_1024").severity, Severity::Warning);
    let broken = r.dkim.iter().find(|k| k.selector == "broken").expect("broken");
    assert_eq!(broken.status, LookupStatus::Permerror);
    assert!(finding(&r, "dkim_key.syntax").detail.as_deref().is_some_and(|d| d.contains("broken")));
    assert!(r.dkim.iter().any(|k| k.selector == "revoked" && k.revoked));
    assert!(has(&r, "dkim_key.revoked"));

    assert!(r.score < 5.0, "score {}", r.score);
    assert!(!r.inconclusive);
    assert!(!r.dns.is_empty());
}

#[tokio::test]
async fn bad_test_subdomains_one_problem_each() {
    let z = lab();
    let o = opts();
    let lookups = check(&z, "lookups.bad.test", &o).await;
    assert_eq!(lookups.spf.records.len(), 1);
    assert!((13..=17).contains(&lookups.spf.lookups));
    assert!(has(&lookups, "spf_record.too_many_lookups") && !has(&lookups, "spf_record.multiple"));
    assert!(lookups.spf.flattened.as_ref().is_some_and(|f| f.records[0].value.ends_with("-all")));
    // DMARC found by the RFC 9989 tree walk at bad.test.
    assert_eq!(lookups.dmarc.domain.as_deref(), Some("bad.test"));
    assert!(has(&lookups, "dmarc_record.inherited"));

    let two = check(&z, "twospf.bad.test", &o).await;
    let fix = finding(&two, "spf_record.multiple").fix.clone();
    assert!(
        fix.contains("twospf.bad.test. 3600 IN TXT \"v=spf1 ")
            && fix.contains("ip4:127.0.0.20")
            && fix.contains(" mx ")
            && fix.contains("-all\""),
        "{fix}"
    );
    assert_eq!(two.spf.status, LookupStatus::Permerror);

    let void = check(&z, "void.bad.test", &o).await;
    assert_eq!(void.spf.void_lookups, 3);
    assert!(has(&void, "spf_record.too_many_void_lookups"));
    assert!(!has(&void, "spf_record.too_many_lookups"));

    let lp = check(&z, "loop.bad.test", &o).await;
    assert!(has(&lp, "spf_record.include_loop"), "{:?}", ids(&lp));

    let perm = check(&z, "permissive.bad.test", &o).await;
    let f = finding(&perm, "spf_record.pass_all");
    assert!(f.fix.contains("permissive.bad.test. 3600 IN TXT \"v=spf1 -all\""), "{}", f.fix);

    let syn = check(&z, "syntax.bad.test", &o).await;
    let f = finding(&syn, "spf_record.syntax");
    let d = f.detail.clone().unwrap_or_default();
    assert!(d.contains("300.1.1.1") && d.contains("foo"), "{d}");
    assert!(f.fix.contains("\"v=spf1 -all\""));

    let mxc = check(&z, "mxcname.bad.test", &o).await;
    assert!(has(&mxc, "mx.cname"));
    assert!(!has(&mxc, "mx.host_unresolvable"));
}

#[tokio::test]
async fn none_test_is_missing_not_temperror() {
    let z = lab();
    let r = check(&z, "none.test", &opts()).await;
    assert_eq!(r.spf.status, LookupStatus::None);
    assert_eq!(r.dmarc.status, LookupStatus::None);
    assert_eq!(r.mx_summary.status, LookupStatus::None);
    assert_eq!(r.mx_summary.implicit_addresses, vec!["127.0.0.30".to_string()]);
    for id in [
        "spf_record.missing",
        "dmarc_record.missing",
        "mx.missing",
        "dkim_key.none_found",
        "mta_sts.missing",
        "tls_rpt.missing",
    ] {
        assert!(has(&r, id), "{id} missing from {:?}", ids(&r));
    }
    assert!(!r.findings.iter().any(|f| f.id.ends_with("temperror")), "{:?}", ids(&r));
    assert!(!r.inconclusive);
    assert!(finding(&r, "dkim_key.none_found").explanation.contains("proves nothing"));
}

#[tokio::test]
async fn good_test_is_clean() {
    let mut z = lab();
    z.set_authenticated(true);
    let policy = StaticPolicy("version: STSv1\nmode: enforce\nmx: mx.good.test\nmax_age: 86400\n");
    let r = check_domain("good.test", &z, Some(&policy), &opts()).await;
    let bad: Vec<_> = r.findings.iter().filter(|f| f.severity != Severity::Info).map(|f| (&f.id, &f.detail)).collect();
    assert!(bad.is_empty(), "good.test has problems: {bad:?}");
    assert_eq!(r.score, 10.0);
    assert_eq!(r.spf.lookups, 1);
    assert_eq!(r.dmarc.policy.map(|p| p.as_str()), Some("reject"));
    assert_eq!(r.dnssec.status, "secure");
    assert_eq!(r.mta_sts.policy_status, "fetched");
    assert!(r.mta_sts.mx_not_covered.is_empty());
    let s1 = r.dkim.iter().find(|k| k.selector == "s1").expect("s1 probed");
    assert_eq!(s1.key_bits, Some(2048));
    let s2 = r.dkim.iter().find(|k| k.selector == "s2").expect("s2 probed");
    assert_eq!((s2.key_type.as_deref(), s2.key_bits), (Some("ed25519"), Some(256)));
    let mx = &r.mx[0];
    assert_eq!((mx.host.as_str(), mx.preference), ("mx.good.test", 10));
    assert_eq!(mx.reverse[0].fcrdns, Some(true));
    assert!(r.dane.iter().any(|h| h.host == "mx.good.test" && h.status == LookupStatus::Found));
    assert_eq!(r.bimi.logo.as_deref(), Some("https://good.test/bimi/logo.svg"));

    // A policy that does not list the MX is caught.
    let wrong = StaticPolicy("version: STSv1\nmode: enforce\nmx: other.good.test\nmax_age: 86400\n");
    let r2 = check_domain("good.test", &z, Some(&wrong), &opts()).await;
    assert_eq!(r2.mta_sts.mx_not_covered, vec!["mx.good.test".to_string()]);
    assert!(finding(&r2, "mta_sts.mx_not_covered").fix.contains("mx: mx.good.test"));

    // Without a fetcher the report says the policy was not fetched, and why.
    let r3 = check_domain("good.test", &z, None, &opts()).await;
    assert_eq!(r3.mta_sts.policy_status, "not_fetched");
    assert!(has(&r3, "mta_sts.policy_not_fetched"));
    // Without validation, DNSSEC is unknown, not "insecure".
    let plain = lab();
    let r4 = check(&plain, "good.test", &opts()).await;
    assert_eq!(r4.dnssec.status, "unvalidated");
}

/// Wraps the zone resolver: every name under `suffix` times out, like dead.test's
/// nameserver that drops every query; or never answers at all (`hang`).
struct Unreachable {
    zone: ZoneResolver,
    suffix: &'static str,
    hang: bool,
}
impl Resolver for Unreachable {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a> {
        let n = name.trim_end_matches('.').to_ascii_lowercase();
        if n == self.suffix || n.ends_with(&format!(".{}", self.suffix)) {
            if self.hang {
                return Box::pin(futures::future::pending());
            }
            return Box::pin(async { Err(DnsError::Timeout) });
        }
        self.zone.query(name, rtype)
    }
}

#[tokio::test]
async fn dead_test_is_temperror_never_missing() {
    let dead = Unreachable { zone: lab(), suffix: "dead.test", hang: false };
    let r = check_domain("dead.test", &dead, None, &opts()).await;
    assert_eq!(r.spf.status, LookupStatus::Temperror);
    assert_eq!(r.dmarc.status, LookupStatus::Temperror);
    assert_eq!(r.mx_summary.status, LookupStatus::Temperror);
    assert_eq!(r.dnssec.status, "temperror");
    assert!(r.inconclusive);
    assert!(!r.findings.iter().any(|f| f.id.ends_with(".missing") || f.id.ends_with(".none_found")), "{:?}", ids(&r));
    for id in
        ["spf_record.temperror", "dmarc_record.temperror", "mx.temperror", "mta_sts.temperror", "tls_rpt.temperror"]
    {
        assert!(has(&r, id), "{id} missing from {:?}", ids(&r));
    }

    // A nameserver that never answers: the per-query deadline ends every query.
    let hang = Unreachable { zone: lab(), suffix: "dead.test", hang: true };
    let o = DomainOptions { query_timeout_ms: 100, overall_timeout_ms: 5_000, ..opts() };
    let r = check_domain("dead.test", &hang, None, &o).await;
    assert_eq!(r.spf.status, LookupStatus::Temperror);
    let under: Vec<_> = r.dns.iter().filter(|e| e.name.ends_with("dead.test")).collect();
    assert!(!under.is_empty() && under.iter().all(|e| e.rcode.is_none() && e.error.is_some()), "{under:?}");
    // And the overall deadline ends the whole check.
    let o = DomainOptions { query_timeout_ms: 0, overall_timeout_ms: 200, ..opts() };
    let r = check_domain("dead.test", &hang, None, &o).await;
    assert!(r.timing.deadline_hit);
    assert_eq!(r.dmarc.status, LookupStatus::Temperror);
}

#[tokio::test]
async fn bogus_is_told_from_an_outage_by_the_ds() {
    let mut z = lab();
    z.set_authenticated(true);
    // The parent (test.) publishes a validated DS for bogus.test, but the zone's answers
    // fail validation: a validating resolver answers SERVFAIL (here: a failure).
    z.add_record(
        "bogus.test",
        60,
        RecordData::Other { rtype: "DS".into(), text: "12345 13 2 0123456789abcdef".into() },
    );
    for t in [RecordType::Soa, RecordType::Mx, RecordType::Txt, RecordType::A, RecordType::Aaaa] {
        z.fail_type("bogus.test", t, DnsError::Transport("SERVFAIL".into()));
    }
    z.fail("_dmarc.bogus.test", DnsError::Transport("SERVFAIL".into()));
    let r = check(&z, "bogus.test", &opts()).await;
    assert_eq!(r.dnssec.status, "bogus", "{:?}", r.dnssec);
    assert!(has(&r, "dnssec.bogus"));
    // dead.test has no DS: an outage, not bogus.
    let dead = Unreachable { zone: lab(), suffix: "dead.test", hang: false };
    let r = check_domain("dead.test", &dead, None, &opts()).await;
    assert!(!has(&r, "dnssec.bogus"));
}

#[tokio::test]
async fn parked_profile() {
    let mut z = lab();
    z.add_zone_text(
        "$ORIGIN parked.example.\n$TTL 60\n@ TXT \"v=spf1 -all\"\n@ MX 0 .\n_dmarc TXT \"v=DMARC1; p=reject; sp=reject\"\n",
        None,
    )
    .expect("zone");
    let o = DomainOptions { parked: true, ..opts() };
    let good = check(&z, "parked.example", &o).await;
    assert!(good.mx_summary.null_mx);
    assert!(!good.findings.iter().any(|f| f.id.starts_with("parked.")), "{:?}", ids(&good));
    // bogus.test (read offline): spf -all is right, but no DMARC and a real MX.
    let bad = check(&z, "bogus.test", &o).await;
    assert!(!has(&bad, "parked.spf"));
    assert!(finding(&bad, "parked.dmarc").fix.contains("v=DMARC1; p=reject"));
    assert_eq!(finding(&bad, "parked.mx").fix, "bogus.test. 3600 IN MX 0 .");
}

#[tokio::test]
async fn external_report_destination_authorization() {
    let mut z = ZoneResolver::new();
    z.add_zone_text(
        "$ORIGIN ext.example.\n$TTL 60\n@ TXT \"v=spf1 -all\"\n_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.example.net,mailto:x@ext.example\"\n\
         $ORIGIN ok.example.\n_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@reports.example.net\"\n\
         ok.example._report._dmarc.reports.example.net. TXT \"v=DMARC1\"\n",
        None,
    )
    .expect("zone");
    let r = check(&z, "ext.example", &opts()).await;
    let ext = r.dmarc.report_destinations.iter().find(|d| d.external).expect("external destination");
    assert_eq!(ext.authorized, Some(false));
    assert_eq!(ext.authorization_name.as_deref(), Some("ext.example._report._dmarc.reports.example.net"));
    assert!(r.dmarc.report_destinations.iter().any(|d| !d.external && d.authorized.is_none()));
    assert!(
        finding(&r, "dmarc_record.external_destination_unauthorized")
            .fix
            .contains("ext.example._report._dmarc.reports.example.net. 3600 IN TXT \"v=DMARC1\"")
    );
    let ok = check(&z, "ok.example", &opts()).await;
    assert_eq!(ok.dmarc.report_destinations[0].authorized, Some(true));
    assert!(!has(&ok, "dmarc_record.external_destination_unauthorized"));
}

#[tokio::test]
async fn flattening_splits_long_records() {
    let mut zone = String::from("$ORIGIN big.example.\n$TTL 60\n");
    let includes: Vec<String> = (1..=12).map(|i| format!("include:p{i}.big.example")).collect();
    zone.push_str(&format!("@ TXT \"v=spf1 {} -all\"\n", includes.join(" ")));
    for i in 1..=12 {
        let ips: Vec<String> = (1..=10).map(|j| format!("ip4:10.{i}.{j}.0/24")).collect();
        zone.push_str(&format!("p{i} TXT \"v=spf1 {} ~all\"\n", ips.join(" ")));
    }
    let z = ZoneResolver::from_zone_text(&zone, None).expect("zone");
    let r = check(&z, "big.example", &opts()).await;
    assert_eq!(r.spf.lookups, 12);
    let flat = r.spf.flattened.as_ref().expect("flattened");
    assert!(flat.records.len() > 2, "{:?}", flat.records);
    assert!(flat.lookups <= 10);
    assert!(flat.records.iter().all(|p| p.value.len() <= 450));
    assert!(flat.records[0].value.ends_with("-all"));
    let nets: usize = flat.records.iter().map(|p| p.value.matches("ip4:").count()).sum();
    assert_eq!(nets, 120);
    assert!(
        flat.records
            .iter()
            .skip(1)
            .all(|p| p.name.starts_with("_spf") && flat.records[0].value.contains(&format!("include:{}", p.name)))
    );
    // The flattened records, published, evaluate with the new lookup count.
    let mut published = ZoneResolver::new();
    for p in &flat.records {
        published.add_zone_text(&p.zone_line, None).expect("publishable zone line");
    }
    let again = check(&published, "big.example", &opts()).await;
    assert_eq!(again.spf.lookups, flat.lookups);
    assert!(!has(&again, "spf_record.too_many_lookups"));
}

#[tokio::test]
async fn streaming_reports_each_section_once_and_evidence_replays() {
    let z = lab();
    let mut seen = Vec::new();
    let r = check_domain_streaming("bad.test", &z, None, &opts(), &mut |u| seen.push(u.data.section())).await;
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 9);
    assert_eq!(seen.len(), 9);
    assert!(seen.contains(&Section::Dane));
    assert!(r.timing.critical_path >= 3, "{:?}", r.timing);
    // Replaying the evidence offline gives the same findings.
    let replay = ZoneResolver::from_zone_text(&evidence_to_zone(&r.dns), None).expect("replay zone");
    let again = check(&replay, "bad.test", &opts()).await;
    let mut a = ids(&r);
    let mut b = ids(&again);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    // JSON contract fields.
    let j = serde_json::to_value(&r).expect("json");
    for path in [
        "/domain",
        "/score",
        "/spf/records",
        "/spf/lookups",
        "/spf/void_lookups",
        "/spf/tree",
        "/dmarc/record",
        "/dmarc/policy",
        "/dmarc/domain",
        "/mx/0/host",
        "/mx/0/preference",
        "/mx/0/addresses",
        "/dnssec",
        "/findings",
        "/dns",
    ] {
        assert!(j.pointer(path).is_some(), "{path} missing");
    }
}

/// The one SPF walker (`auth::spf::tree`) counts the same through the domain check's query
/// context (deadlines, evidence, dedup) as over a plain resolver (`auth::spf::walk_tree`).
#[tokio::test]
async fn lookup_counts_agree_with_the_spf_engine() {
    let z = lab();
    for d in ["lookups.bad.test", "void.bad.test", "good.test", "permissive.bad.test", "mxcname.bad.test"] {
        let ours = check(&z, d, &opts()).await;
        let theirs = inboxlens_core::auth::spf::walk_tree(&z, d).await;
        assert_eq!(ours.spf.lookups, theirs.total, "{d}: lookups");
        assert_eq!(ours.spf.void_lookups, theirs.total_void, "{d}: void lookups");
    }
}

/// One zone with a mistake in every other record kind: MX to an IP literal and a null MX
/// mixed in, bad MTA-STS id, TLS-RPT without a URI scheme, BIMI with an http PNG under
/// p=none, a PKIX TLSA with a short digest, DKIM in testing mode with SHA-1 only.
#[tokio::test]
async fn misconfigurations_of_the_other_records() {
    let zone = "$ORIGIN lint.example.\n$TTL 60\n\
        @ MX 10 192.0.2.1.\n@ MX 0 .\n@ MX 20 mx.lint.example.\nmx A 192.0.2.25\n\
        @ TXT \"v=spf1 mx -all\"\n\
        _dmarc TXT \"v=DMARC1; p=none; rua=mailto:d@lint.example\"\n\
        _mta-sts TXT \"v=STSv1; id=bad-id!\"\n\
        _smtp._tls TXT \"v=TLSRPTv1; rua=tls@lint.example\"\n\
        default._bimi TXT \"v=BIMI1; l=http://lint.example/logo.png\"\n\
        _25._tcp.mx TLSA 1 1 1 abcdef\n\
        k1._domainkey TXT \"v=DKIM1; k=ed25519; t=y; h=sha1; p=DrXEV1GyZxOUeBBbQFSequXaL+mNBimnu38LCg4g7o0=\"\n";
    let z = ZoneResolver::from_zone_text(zone, None).expect("zone");
    let r = check(&z, "lint.example", &opts()).await;
    for id in [
        "mx.ip_literal",
        "mx.null_mx_mixed",
        "mta_sts.txt_syntax",
        "tls_rpt.syntax",
        "bimi.logo_url",
        "bimi.dmarc_not_enforced",
        "dane.tlsa_invalid",
        "dane.pkix_usage",
        "dkim_key.testing",
        "dkim_key.sha1_only",
    ] {
        assert!(has(&r, id), "{id} missing from {:?}", ids(&r));
    }
    assert!(r.mx_summary.null_mx);
    assert!(r.dkim.iter().any(|k| k.selector == "k1" && k.testing && k.key_bits == Some(256)));
    // TLS-RPT missing would be a warning here (DANE is published) — but it is present and broken.
    assert_eq!(r.tls_rpt.status, LookupStatus::Permerror);
    assert!(finding(&r, "bimi.dmarc_not_enforced").fix.contains("p=quarantine"));
}
