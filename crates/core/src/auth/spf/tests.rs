//! Tests of check_host() and the tree walker over the real zone resolver.

use super::*;
use crate::dns::zone::ZoneResolver;
use crate::dns::{DnsError, RecordData};
use futures::executor::block_on;

fn txt(z: &mut ZoneResolver, name: &str, text: &str) {
    z.add_record(name, 300, RecordData::Txt { strings: vec![text.as_bytes().to_vec()] });
}
fn a(z: &mut ZoneResolver, name: &str, ip: &str) {
    z.add_record(name, 300, RecordData::A { address: ip.parse().expect("ipv4") });
}
fn mx(z: &mut ZoneResolver, name: &str, pref: u16, host: &str) {
    z.add_record(name, 300, RecordData::Mx { preference: pref, exchange: host.into() });
}
fn req(ip: &str, mail_from: &str, helo: &str) -> SpfRequest {
    SpfRequest { ip: ip.parse().expect("ip"), mail_from: mail_from.into(), helo: helo.into() }
}
fn ids(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.id.as_str()).collect()
}

/// example.com -> a, mx, include:_spf.example.com (-> include:deep, a:host),
/// include:other.example.net (-> redirect=_spf.example.com again).
fn nested_zone() -> ZoneResolver {
    let mut z = ZoneResolver::new();
    txt(&mut z, "example.com", "v=spf1 a mx include:_spf.example.com include:other.example.net -all");
    a(&mut z, "example.com", "192.0.2.1");
    mx(&mut z, "example.com", 10, "mail.example.com");
    a(&mut z, "mail.example.com", "192.0.2.2");
    txt(&mut z, "_spf.example.com", "v=spf1 ip4:192.0.2.0/24 include:deep.example.org a:host.example.com");
    txt(&mut z, "deep.example.org", "v=spf1 exists:x.example.org ptr -all");
    txt(&mut z, "other.example.net", "v=spf1 redirect=_spf.example.com");
    txt(&mut z, "other.example.net", "unrelated verification text");
    z
}

fn child<'t>(n: &'t TreeNode, term: &str) -> &'t TreeNode {
    n.terms.iter().find(|t| t.text == term).and_then(|t| t.child.as_deref()).unwrap_or_else(|| panic!("{term}"))
}

#[test]
fn tree_counts_nested_includes_in_evaluation_order() {
    let z = nested_zone();
    let root = block_on(walk_tree(&z, "Example.COM."));
    assert_eq!(root.domain, "example.com");
    assert_eq!(root.status, NodeStatus::Ok);
    assert_eq!(root.lookups, 4, "a, mx, two includes");
    let mx = root.terms.iter().find(|t| t.text == "mx").expect("mx term");
    assert_eq!((mx.mx_names, mx.hosts_looked_up, mx.mx_hosts_without_address), (Some(1), 1, 0));
    let spf = child(&root, "include:_spf.example.com");
    assert_eq!(spf.domain, "_spf.example.com");
    assert_eq!(spf.lookups, 2);
    assert_eq!(spf.void_lookups, 1, "a:host.example.com does not exist");
    let deep = child(spf, "include:deep.example.org");
    assert_eq!(deep.domain, "deep.example.org");
    assert_eq!((deep.lookups, deep.void_lookups), (2, 1), "exists (void) and ptr (counted, not resolved)");
    // Evaluation order: a=1 mx=2 include=3 [include deep=4 [exists=5 ptr=6] a:host=7] include other=8 [redirect=9 [...=13]].
    assert_eq!(deep.total, 6);
    assert_eq!(spf.total, 7);
    let other = child(&root, "include:other.example.net");
    assert_eq!(other.lookups, 1, "the non-SPF TXT beside the record is not a second record");
    let again = child(other, "redirect=_spf.example.com");
    assert_eq!(again.domain, "_spf.example.com");
    assert_eq!(again.status, NodeStatus::Ok, "the same include on two branches is not a loop");
    assert_eq!((root.total, root.total_void), (13, 4));
    assert_eq!(root.terms.iter().map(|t| t.running_total).collect::<Vec<_>>(), vec![1, 2, 7, 13, 13]);
    assert_eq!(
        root.first_over_limit(),
        Some(("deep.example.org".to_string(), "exists:x.example.org".to_string())),
        "the 11th lookup: deep.example.org's exists, reached again through the redirect"
    );
}

#[test]
fn check_host_counts_the_same_way_and_stops_at_first_match() {
    let z = nested_zone();
    let out = block_on(check_host(&z, &req("192.0.2.77", "user@example.com", "mx.example.com")));
    assert_eq!(out.result, SpfResult::Pass);
    assert_eq!(out.lookups, 3, "a, mx, include; the ip4 inside matched");
    assert_eq!(out.matched.as_deref(), Some("ip4:192.0.2.0/24"));
    assert_eq!(out.matched_domain.as_deref(), Some("_spf.example.com"));
    assert_eq!(out.via, vec!["include:_spf.example.com".to_string()]);
    assert_eq!(out.identity, "mailfrom");
    assert_eq!(out.record.as_deref(), Some("v=spf1 a mx include:_spf.example.com include:other.example.net -all"));
    assert!(findings_for(&out).is_empty());

    // Outside the range: exists (void 1), ptr without PTR (void 2), a:host (void 3) -> permerror.
    let out = block_on(check_host(&z, &req("198.51.100.1", "user@example.com", "mx.example.com")));
    assert_eq!(out.result, SpfResult::PermError);
    assert_eq!(out.problem_kind, Some(SpfProblem::TooManyVoidLookups));
    assert_eq!((out.lookups, out.void_lookups), (7, 3));
    assert_eq!(ids(&findings_for(&out)), vec!["spf_record.too_many_void_lookups"]);
}

#[test]
fn tree_detects_loops_and_check_host_hits_the_limit() {
    let mut z = ZoneResolver::new();
    txt(&mut z, "a.example", "v=spf1 include:b.example -all");
    txt(&mut z, "b.example", "v=spf1 include:a.example ~all");
    let root = block_on(walk_tree(&z, "a.example"));
    let again = child(child(&root, "include:b.example"), "include:a.example");
    assert_eq!(again.domain, "a.example");
    assert_eq!(again.status, NodeStatus::Loop);
    assert!(again.record.is_none() && again.terms.is_empty());
    assert_eq!(root.total, 2);
    let out = block_on(check_host(&z, &req("192.0.2.1", "x@a.example", "h.example")));
    assert_eq!(out.result, SpfResult::PermError);
    assert_eq!(out.problem_kind, Some(SpfProblem::TooManyLookups));
    assert_eq!(out.lookups, 11);
}

#[test]
fn void_limit_in_tree_and_evaluation() {
    let mut z = ZoneResolver::new();
    txt(&mut z, "v.example", "v=spf1 a:n1.v.example a:n2.v.example a:n3.v.example ip4:192.0.2.9 -all");
    let root = block_on(walk_tree(&z, "v.example"));
    assert_eq!((root.total, root.total_void), (3, 3));
    assert_eq!(root.terms.iter().map(|l| l.running_void).collect::<Vec<_>>(), vec![1, 2, 3, 3, 3]);
    let out = block_on(check_host(&z, &req("192.0.2.9", "x@v.example", "")));
    assert_eq!(out.result, SpfResult::PermError, "the third void lookup comes before the ip4 match");
    assert_eq!(out.void_lookups, 3);
}

#[test]
fn timeout_is_temperror_never_no_record() {
    let mut z = ZoneResolver::new();
    txt(&mut z, "t.example", "v=spf1 include:slow.example -all");
    z.fail("slow.example", DnsError::Timeout);
    let root = block_on(walk_tree(&z, "t.example"));
    let slow = child(&root, "include:slow.example");
    assert_eq!(slow.status, NodeStatus::TempError);
    assert!(slow.error.is_some() && slow.record.is_none() && !slow.no_txt);
    assert!(!root.terms[0].void, "a failed lookup is not a void one");
    let out = block_on(check_host(&z, &req("192.0.2.1", "x@t.example", "h.example")));
    assert_eq!(out.result, SpfResult::TempError);
    assert_eq!(out.problem_kind, Some(SpfProblem::Dns));
    assert_eq!(ids(&findings_for(&out)), vec!["spf_record.temperror"]);
    // The root itself timing out.
    let root = block_on(walk_tree(&z, "slow.example"));
    assert_eq!(root.status, NodeStatus::TempError);
    let out = block_on(check_host(&z, &req("192.0.2.1", "x@slow.example", "h.example")));
    assert_eq!(out.result, SpfResult::TempError);
}

#[test]
fn multiple_records_mx_limit_and_syntax_in_tree() {
    let mut z = ZoneResolver::new();
    txt(&mut z, "m.example", "v=spf1 include:two.example include:bad.example mx:many.example -all");
    txt(&mut z, "two.example", "v=spf1 -all");
    txt(&mut z, "two.example", "V=SPF1 +all");
    txt(&mut z, "bad.example", "v=spf1 ip4:192.0.2.1/33");
    for i in 0..11u16 {
        mx(&mut z, "many.example", i, &format!("mx{i}.many.example"));
        a(&mut z, &format!("mx{i}.many.example"), "192.0.2.50");
    }
    let root = block_on(walk_tree(&z, "m.example"));
    let two = child(&root, "include:two.example");
    assert_eq!(two.status, NodeStatus::PermError);
    assert_eq!(two.error.as_deref(), Some("two.example has 2 SPF records"));
    assert!(two.record.is_none());
    let bad = child(&root, "include:bad.example");
    assert_eq!(bad.status, NodeStatus::PermError);
    assert!(bad.terms[0].parsed.as_ref().is_err_and(|e| e.is_cidr() && e.to_string().contains("/33")));
    let mxl = root.terms.iter().find(|l| l.text == "mx:many.example").expect("mx term");
    assert_eq!(mxl.mx_names, Some(11));
    assert!(mxl.too_many_mx_names());
    assert_eq!(mxl.hosts_looked_up, 10, "at most 10 names are looked up");
    let out = block_on(check_host(&z, &req("192.0.2.1", "x@two.example", "h")));
    assert_eq!((out.result, out.problem_kind), (SpfResult::PermError, Some(SpfProblem::MultipleRecords)));
    assert_eq!(ids(&findings_for(&out)), vec!["spf_record.multiple"]);
}

#[test]
fn helo_identity_mapped_ipv4_and_mailauth_bridge() {
    let mut z = ZoneResolver::new();
    txt(&mut z, "mx.example.org", "v=spf1 ip4:192.0.2.10 -all exp=why.example.org");
    txt(&mut z, "why.example.org", "%{i} is not allowed to send for %{d} (%{l})");
    let out = block_on(check_host(&z, &req("::ffff:192.0.2.10", "", "mx.example.org")));
    assert_eq!((out.result, out.identity.as_str(), out.domain.as_str()), (SpfResult::Pass, "helo", "mx.example.org"));
    let out = block_on(check_host(&z, &req("192.0.2.11", "<>", "mx.example.org")));
    assert_eq!(out.result, SpfResult::Fail);
    assert_eq!(out.explanation.as_deref(), Some("192.0.2.11 is not allowed to send for mx.example.org (postmaster)"));
    let ma = out.to_mailauth();
    assert_eq!(ma.result(), mail_auth::SpfResult::Fail);
    assert_eq!(ma.domain(), "mx.example.org");
    assert_eq!(out.result.to_string(), "fail");
    assert_eq!(serde_json::to_value(SpfResult::TempError).expect("json"), serde_json::json!("temperror"));
    // An invalid initial domain is "none" (RFC 7208 §4.3), without any DNS query.
    let out = block_on(check_host(&z, &req("192.0.2.11", "x@[192.0.2.1]", "h")));
    assert_eq!((out.result, out.problem.is_none()), (SpfResult::None, true));
    assert_eq!(ids(&findings_for(&out)), vec!["spf.none"]);
    let out = SpfOutcome::without_client_ip("a@b.example", "h.example");
    assert_eq!(ids(&findings_for(&out)), vec!["spf.not_evaluated"]);
}

#[test]
fn check_host_domain_direct() {
    let mut z = ZoneResolver::new();
    txt(&mut z, "d.example", "v=spf1 exists:%{l}.users.d.example -all");
    a(&mut z, "alice.users.d.example", "127.0.0.2");
    let ip = "2001:db8::1".parse().expect("ip");
    let out = block_on(check_host_domain(&z, ip, "d.example", "alice@d.example", "h.example"));
    assert_eq!(out.result, SpfResult::Pass, "exists queries A even for an IPv6 client (RFC 7208 §5.7)");
    let out = block_on(check_host_domain(&z, ip, "d.example", "bob@d.example", "h.example"));
    assert_eq!(out.result, SpfResult::Fail);
}

#[test]
fn include_without_record_is_permerror_and_void_in_both() {
    let mut z = ZoneResolver::new();
    txt(&mut z, "i.example", "v=spf1 include:gone.example -all");
    let out = block_on(check_host(&z, &req("192.0.2.1", "x@i.example", "h")));
    assert_eq!((out.result, out.problem_kind), (SpfResult::PermError, Some(SpfProblem::IncludeWithoutRecord)));
    assert_eq!((out.lookups, out.void_lookups), (1, 1));
    assert_eq!(ids(&findings_for(&out)), vec!["spf_record.include_without_spf"]);
    let root = block_on(walk_tree(&z, "i.example"));
    assert_eq!((root.total, root.total_void), (1, 1));
    let gone = child(&root, "include:gone.example");
    assert_eq!(gone.status, NodeStatus::None);
    assert!(gone.no_txt);
    // A target with TXT records but none of them SPF: still "no SPF record", but not void
    // (the TXT answer had records, RFC 7208 §4.6.4) — in both engines.
    txt(&mut z, "gone.example", "some-verification=abc");
    let out = block_on(check_host(&z, &req("192.0.2.1", "x@i.example", "h")));
    assert_eq!((out.problem_kind, out.lookups, out.void_lookups), (Some(SpfProblem::IncludeWithoutRecord), 1, 0));
    let root = block_on(walk_tree(&z, "i.example"));
    assert_eq!((root.total, root.total_void), (1, 0));
    assert_eq!(child(&root, "include:gone.example").status, NodeStatus::None);
}

#[test]
fn void_terms_not_void_hosts_and_the_walk_bounds() {
    let mut z = ZoneResolver::new();
    // One MX host with an address, one without: the mx term found MX records, so it is
    // not void (RFC 7208 §4.6.4 limits void terms); the host without address is recorded.
    txt(&mut z, "h.example", "v=spf1 mx -all");
    mx(&mut z, "h.example", 10, "mx1.h.example");
    mx(&mut z, "h.example", 20, "gone.h.example");
    a(&mut z, "mx1.h.example", "192.0.2.25");
    let root = block_on(walk_tree(&z, "h.example"));
    let t = &root.terms[0];
    assert_eq!((t.void, t.mx_names, t.hosts_looked_up, t.mx_hosts_without_address), (false, Some(2), 2, 1));
    assert_eq!(t.addresses, vec!["192.0.2.25".parse::<std::net::IpAddr>().expect("ip")]);
    assert_eq!(root.total_void, 0);
    // A chain deeper than the depth bound: the walk stops there, says so, and stays finite.
    for i in 0..15 {
        txt(&mut z, &format!("c{i}.example"), &format!("v=spf1 include:c{}.example -all", i + 1));
    }
    let root = block_on(walk_tree(&z, "c0.example"));
    let mut n = &root;
    let mut depth = 0;
    while let Some(c) = n.terms.first().and_then(|t| t.child.as_deref()) {
        n = c;
        depth += 1;
    }
    assert_eq!(depth, limits::MAX_TREE_DEPTH + 1);
    assert_eq!(n.status, NodeStatus::NotEvaluated);
    assert_eq!(root.total as usize, limits::MAX_TREE_DEPTH + 1, "each include walked counts, the last one too");
    assert_eq!(root.first_over_limit(), Some(("c10.example".to_string(), "include:c11.example".to_string())));
}
