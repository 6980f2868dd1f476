//! `inboxlens domain` end to end: the real binary against the live mail lab resolver
//! (unbound on 127.0.0.1:53, DNSSEC-validating; HTTPS policy server on 127.0.0.10:443).
//! Lab tests print a loud SKIPPED line when the lab does not answer, unless
//! `INBOXLENS_REQUIRE_LAB=1` (then they fail). The offline tests (`--offline --zone`)
//! need no lab.

mod serve_support;

use serde_json::Value;
use serve_support::lab_ca;
use std::net::UdpSocket;
use std::process::{Command, Output};
use std::time::Duration;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_inboxlens"))
}

/// A minimal DNS query (RFC 1035 §4.1): good.test SOA, recursion desired.
fn lab_answers() -> bool {
    let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else { return false };
    let _ = sock.set_read_timeout(Some(Duration::from_secs(2)));
    let mut q = vec![0x4c, 0x41, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in ["good", "test"] {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 6, 0, 1]);
    if sock.send_to(&q, "127.0.0.1:53").is_err() {
        return false;
    }
    let mut buf = [0u8; 1500];
    match sock.recv(&mut buf) {
        Ok(n) if n >= 12 => buf[0] == 0x4c && buf[1] == 0x41 && (buf[3] & 0x0f) == 0 && (buf[6] != 0 || buf[7] != 0),
        _ => false,
    }
}

fn lab_or_skip(test: &str) -> bool {
    if lab_answers() {
        return true;
    }
    if std::env::var("INBOXLENS_REQUIRE_LAB").as_deref() == Ok("1") {
        panic!(
            "{test}: the mail lab does not answer good.test SOA on 127.0.0.1:53 (INBOXLENS_REQUIRE_LAB=1); start it with tests/lab/up.sh"
        );
    }
    eprintln!("SKIPPED: {test}: the mail lab does not answer on 127.0.0.1:53 (start it with tests/lab/up.sh)");
    false
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run inboxlens")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn ids(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["id"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

#[test]
fn good_test_is_clean_secure_with_valid_mta_sts() {
    if !lab_or_skip("good_test_is_clean_secure_with_valid_mta_sts") {
        return;
    }
    let Some(ca) = lab_ca() else { panic!("lab is up but its CA (keys/tls/ca.crt) was not found; set LAB_STATE") };
    let ca = ca.display().to_string();
    let out = run(&["domain", "good.test", "--resolver", "127.0.0.1", "--ca-file", &ca, "--json"]);
    let r = json(&out);
    let problems: Vec<&Value> =
        r["findings"].as_array().map(|a| a.iter().filter(|f| f["severity"] != "info").collect()).unwrap_or_default();
    assert!(problems.is_empty(), "good.test: {problems:?}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(r["score"], 10.0);
    assert_eq!(r["dnssec"]["status"], "secure");
    assert_eq!(r["mta_sts"]["policy_status"], "fetched", "{}", r["mta_sts"]);
    assert_eq!(r["mta_sts"]["policy"]["mode"], "enforce");
    assert_eq!(r["spf"]["lookups"], 1);
    assert_eq!(r["dmarc"]["policy"], "reject");
    assert_eq!(r["mx"][0]["host"], "mx.good.test");
    assert_eq!(r["mx"][0]["addresses"][0], "127.0.0.10");
    assert_eq!(r["mx"][0]["reverse"][0]["fcrdns"], true);
    let dkim = r["dkim"].as_array().expect("dkim[]");
    assert!(dkim.iter().any(|k| k["selector"] == "s1" && k["key_type"] == "rsa" && k["key_bits"] == 2048));
    assert!(dkim.iter().any(|k| k["selector"] == "s2" && k["key_type"] == "ed25519"));
    assert!(
        r["dane"].as_array().is_some_and(|d| d.iter().any(|h| h["status"] == "found" && h["authenticated"] == true))
    );
    assert!(r["dns"].as_array().is_some_and(|d| d.iter().any(|e| e["ad"] == true)));
    assert!(r["timing"]["critical_path"].as_u64().is_some_and(|n| n >= 2));
}

#[test]
fn bad_test_reports_its_problems() {
    if !lab_or_skip("bad_test_reports_its_problems") {
        return;
    }
    let out = run(&[
        "domain",
        "bad.test",
        "--resolver",
        "127.0.0.1",
        "--no-fetch",
        "--json",
        "--selector",
        "weak",
        "--selector",
        "broken",
        "--selector",
        "revoked",
    ]);
    assert_eq!(out.status.code(), Some(1), "error findings give exit 1");
    let r = json(&out);
    let lookups = r["spf"]["lookups"].as_u64().unwrap_or(0);
    assert!((13..=17).contains(&lookups), "lookups {lookups}");
    assert_eq!(r["spf"]["records"].as_array().map(Vec::len), Some(2));
    let f = ids(&r);
    for id in [
        "spf_record.multiple",
        "spf_record.too_many_lookups",
        "dmarc_record.pct_invalid",
        "dmarc_record.report_uri_invalid",
        "dmarc_record.invalid_value",
        "dmarc_record.policy_none",
        "mx.cname",
        "mx.host_unresolvable",
        "mx.no_ptr",
        "dkim_key.rsa_1024",
        "dkim_key.syntax",
        "dkim_key.revoked",
    ] {
        assert!(f.iter().any(|x| x == id), "{id} missing from {f:?}");
    }
    assert_eq!(r["dnssec"]["status"], "insecure");
    assert!(
        r["spf"]["flattened"]["records"][0]["zone_line"]
            .as_str()
            .is_some_and(|l| l.starts_with("bad.test. 3600 IN TXT \"v=spf1 "))
    );
}

#[test]
fn dead_test_is_temperror_within_the_deadline() {
    if !lab_or_skip("dead_test_is_temperror_within_the_deadline") {
        return;
    }
    let out = run(&[
        "domain",
        "dead.test",
        "--resolver",
        "127.0.0.1",
        "--dns-timeout-ms",
        "1500",
        "--overall-timeout-ms",
        "4000",
        "--json",
    ]);
    let r = json(&out);
    for section in ["spf", "dmarc", "mta_sts", "tls_rpt", "bimi"] {
        assert_eq!(r[section]["status"], "temperror", "{section}: {}", r[section]);
    }
    assert_eq!(r["mx_summary"]["status"], "temperror");
    assert_eq!(r["inconclusive"], true);
    assert_ne!(r["dnssec"]["status"], "bogus");
    let f = ids(&r);
    assert!(
        !f.iter().any(|x| x.ends_with(".missing") || x.ends_with(".none_found")),
        "a timeout must never read as a missing record: {f:?}"
    );
    assert!(f.iter().any(|x| x == "spf_record.temperror"));
}

#[test]
fn bogus_test_is_dnssec_bogus() {
    if !lab_or_skip("bogus_test_is_dnssec_bogus") {
        return;
    }
    let out = run(&["domain", "bogus.test", "--resolver", "127.0.0.1", "--no-fetch", "--json"]);
    let r = json(&out);
    assert_eq!(r["dnssec"]["status"], "bogus", "{}", r["dnssec"]);
    assert!(ids(&r).iter().any(|x| x == "dnssec.bogus"));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn several_domains_as_jsonl_and_a_zone_overlay_what_if() {
    if !lab_or_skip("several_domains_as_jsonl_and_a_zone_overlay_what_if") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("inboxlens-domain-lab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let list = dir.join("domains.txt");
    std::fs::write(&list, "# lab domains\nnone.test\n\ngood.test\n").expect("write list");
    let out = run(&[
        "domain",
        "slow.test",
        "--domains-file",
        list.to_str().unwrap_or(""),
        "--resolver",
        "127.0.0.1",
        "--no-fetch",
        "--jsonl",
    ]);
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("jsonl line")).collect();
    let mut domains: Vec<&str> = lines.iter().filter_map(|r| r["domain"].as_str()).collect();
    domains.sort();
    assert_eq!(domains, vec!["good.test", "none.test", "slow.test"]);
    let none = lines.iter().find(|r| r["domain"] == "none.test").expect("none.test");
    assert_eq!(none["dmarc"]["status"], "none");
    assert_eq!(out.status.code(), Some(1), "none.test has no DMARC: an error finding");

    // What-if: publish DMARC for none.test in an overlay zone, nothing in real DNS.
    let zone = dir.join("whatif.zone");
    std::fs::write(&zone, "_dmarc.none.test. 60 IN TXT \"v=DMARC1; p=reject; rua=mailto:d@none.test\"\n")
        .expect("write zone");
    let out = run(&[
        "domain",
        "none.test",
        "--resolver",
        "127.0.0.1",
        "--zone",
        zone.to_str().unwrap_or(""),
        "--no-fetch",
        "--json",
    ]);
    let r = json(&out);
    assert_eq!(r["dmarc"]["policy"], "reject");
    assert_eq!(r["spf"]["status"], "none", "the rest still comes from the lab");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn offline_parked_profile_and_usage_errors() {
    let dir = std::env::temp_dir().join(format!("inboxlens-domain-offline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let zone = dir.join("parked.zone");
    std::fs::write(
        &zone,
        "$ORIGIN parked.example.\n$TTL 60\n@ IN TXT \"v=spf1 -all\"\n@ IN MX 0 .\n_dmarc IN TXT \"v=DMARC1; p=reject; sp=reject\"\n\
         $ORIGIN half.example.\n@ IN TXT \"v=spf1 mx -all\"\n@ IN MX 10 mx.half.example.\nmx IN A 192.0.2.1\n",
    )
    .expect("write zone");
    let z = zone.to_str().unwrap_or("");
    let ok = run(&["domain", "parked.example", "--offline", "--zone", z, "--parked", "--json"]);
    let r = json(&ok);
    assert!(!ids(&r).iter().any(|x| x.starts_with("parked.")), "{:?}", ids(&r));
    assert_eq!(r["mx_summary"]["null_mx"], true);
    assert_eq!(r["dnssec"]["status"], "unvalidated");
    let bad = run(&["domain", "half.example", "--offline", "--zone", z, "--parked"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(text.contains("parked.spf") && text.contains("half.example. 3600 IN TXT \"v=spf1 -all\""), "{text}");
    assert!(text.contains("half.example. 3600 IN MX 0 ."), "{text}");

    for args in [
        vec!["domain"],
        vec!["domain", "not a domain!"],
        vec!["domain", "x.example", "--domains-file", "/nonexistent/list"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
