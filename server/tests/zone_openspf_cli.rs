//! The openspf.org SPF suite (rfc7208-tests.yml) through **zone files and the CLI**: each
//! scenario's DNS data is written as an RFC 1035 master file — owner names with any octet
//! (`foo:bar/baz.example.com`, two spaces) as `\DDD` escapes, TXT bytes as `\DDD`, `TIMEOUT`
//! as the `$TIMEOUT` directive — and every test runs `inboxlens spf --offline --zone FILE
//! --json` as a user would. Must pass 203/203 like the in-process suite
//! (crates/core/tests/openspf_suite.rs), so the zone loader loses no record.

use serde::Deserialize;
use serde_yaml_ng::Value;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

fn corpora() -> Option<PathBuf> {
    let dir = std::env::var_os("INBOXLENS_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("INBOXLENS_REQUIRE_CORPORA").as_deref() == Ok("1") {
        panic!("corpora not found at {}", dir.display());
    }
    eprintln!("SKIPPED: corpora not found at {}", dir.display());
    None
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A YAML string as bytes: each char one byte (latin-1), as the suite's escapes mean.
fn bytes_of(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in s.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => out.push(b),
            Err(_) => out.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
        }
    }
    out
}

/// A domain name in master-file form (RFC 1035 §5.1): octets other than letters, digits,
/// `-`, `_` and `*` escaped as `\DDD`; absolute.
fn zone_name(name: &str) -> String {
    let mut out = String::new();
    for b in bytes_of(name.trim_end_matches('.')) {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'*' | b'.') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "\\{b:03}");
        }
    }
    out.push('.');
    out
}

/// A `<character-string>` in quotes, every byte outside printable ASCII (and `"`, `\`) as `\DDD`.
fn zone_string(s: &str) -> String {
    let mut out = String::from("\"");
    for b in bytes_of(s) {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' && b != b';' {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "\\{b:03}");
        }
    }
    out.push('"');
    out
}

fn txt_rdata(v: &Value) -> String {
    match v {
        Value::Sequence(items) if items.is_empty() => "\"\"".to_string(),
        Value::Sequence(items) => items.iter().map(|i| zone_string(&as_text(i))).collect::<Vec<_>>().join(" "),
        other => zone_string(&as_text(other)),
    }
}

/// The master file of one scenario (same harness rules as the in-process suite).
fn zone_file(zonedata: &Value) -> String {
    let mut out = String::from("$TTL 300\n");
    let Value::Mapping(map) = zonedata else { return out };
    for (name, rrs) in map {
        let name = as_text(name);
        let owner = zone_name(&name);
        let Value::Sequence(rrs) = rrs else { continue };
        let (mut timeout, mut has_txt) = (false, false);
        let (mut spf, mut lines, mut types) = (Vec::new(), Vec::new(), Vec::new());
        for rr in rrs {
            match rr {
                Value::String(s) if s == "TIMEOUT" => timeout = true,
                Value::Mapping(m) => {
                    for (k, v) in m {
                        let kind = as_text(k);
                        match kind.as_str() {
                            "SPF" => spf.push(format!("{owner} IN TXT {}", txt_rdata(v))),
                            "TXT" => {
                                has_txt = true;
                                if as_text(v) != "NONE" {
                                    lines.push(format!("{owner} IN TXT {}", txt_rdata(v)));
                                    types.push("TXT");
                                }
                            }
                            "A" | "AAAA" => {
                                lines.push(format!("{owner} IN {kind} {}", as_text(v)));
                                types.push(if kind == "A" { "A" } else { "AAAA" });
                            }
                            "MX" => {
                                let Value::Sequence(pair) = v else { panic!("MX must be [pref, host]") };
                                let pref = pair.first().and_then(Value::as_u64).expect("MX preference");
                                let host = pair.get(1).map(as_text).unwrap_or_default();
                                let host = if host.is_empty() { ".".to_string() } else { zone_name(&host) };
                                lines.push(format!("{owner} IN MX {pref} {host}"));
                                types.push("MX");
                            }
                            "PTR" | "CNAME" => {
                                lines.push(format!("{owner} IN {kind} {}", zone_name(&as_text(v))));
                                types.push(if kind == "PTR" { "PTR" } else { "CNAME" });
                            }
                            other => panic!("unknown zonedata type {other} at {name}"),
                        }
                    }
                }
                other => panic!("unexpected zonedata entry {other:?} at {name}"),
            }
        }
        if !has_txt && !spf.is_empty() {
            lines.extend(spf);
            types.push("TXT");
        }
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        if timeout {
            let missing: Vec<&str> =
                ["A", "AAAA", "MX", "TXT", "PTR"].into_iter().filter(|t| !types.contains(t)).collect();
            if types.is_empty() {
                let _ = writeln!(out, "$TIMEOUT {owner}");
            } else {
                let _ = writeln!(out, "$TIMEOUT {owner} {}", missing.join(" "));
            }
        }
    }
    out
}

#[test]
fn openspf_rfc7208_through_zone_files_and_the_cli() {
    let Some(dir) = corpora() else { return };
    let text = std::fs::read_to_string(dir.join("openspf-spf-tests/rfc7208-tests.yml")).expect("suite");
    let tmp = std::env::temp_dir().join(format!("inboxlens-openspf-zones-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (mut passed, mut total, mut failures) = (0, 0, Vec::new());
    for (n, doc) in serde_yaml_ng::Deserializer::from_str(&text).enumerate() {
        let scenario = Value::deserialize(doc).expect("YAML document");
        let zone = tmp.join(format!("scenario-{n}.zone"));
        std::fs::write(&zone, zone_file(scenario.get("zonedata").unwrap_or(&Value::Null))).unwrap();
        let Some(Value::Mapping(tests)) = scenario.get("tests") else { continue };
        for (name, t) in tests {
            total += 1;
            let name = as_text(name);
            let out = Command::new(env!("CARGO_BIN_EXE_inboxlens"))
                .arg("spf")
                .arg("--offline")
                .arg("--zone")
                .arg(&zone)
                .arg("--ip")
                .arg(as_text(t.get("host").expect("host")))
                .arg("--mail-from")
                .arg(t.get("mailfrom").map(as_text).unwrap_or_default())
                .arg("--helo")
                .arg(t.get("helo").map(as_text).unwrap_or_default())
                .arg("--json")
                .output()
                .expect("run inboxlens spf");
            let Ok(outcome) = serde_json::from_slice::<serde_json::Value>(&out.stdout) else {
                failures.push(format!("{name}: no JSON: {}", String::from_utf8_lossy(&out.stderr)));
                continue;
            };
            let got = outcome["result"].as_str().unwrap_or("").to_string();
            let expected: Vec<String> = match t.get("result") {
                Some(Value::Sequence(l)) => l.iter().map(as_text).collect(),
                Some(v) => vec![as_text(v)],
                None => panic!("{name}: no result"),
            };
            let mut ok = expected.iter().any(|e| e.eq_ignore_ascii_case(&got));
            if let Some(exp) = t.get("explanation").map(as_text) {
                let e = outcome["explanation"].as_str();
                ok &= if exp == "DEFAULT" { e.is_none() } else { e.is_some_and(|e| e.eq_ignore_ascii_case(&exp)) };
            }
            if ok {
                passed += 1;
            } else {
                failures.push(format!("{name}: expected {expected:?}, got {got} ({outcome}) zone {}", zone.display()));
            }
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    println!("openspf rfc7208 through zone files + CLI: {passed}/{total} passed");
    eprintln!("openspf rfc7208 through zone files + CLI: {passed}/{total} passed");
    assert_eq!(total, 203);
    assert_eq!(passed, 203, "{failures:#?}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A zone file with one bad line: refused with the line number, or (`--zone-lenient`) used
/// without that line and with a warning naming it.
#[test]
fn bad_zone_line_is_reported_and_lenient_keeps_the_rest() {
    let dir = std::env::temp_dir().join(format!("inboxlens-lenient-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let zone = dir.join("what-if.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.com.\n@ IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\nbroken IN A 999.1.1.1\nfoo:bar/baz IN TXT \"v=spf1 -all\"\n",
    )
    .unwrap();
    let run = |lenient: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_inboxlens"));
        c.args(["spf", "--offline", "--json", "--ip", "192.0.2.7", "--mail-from", "a@example.com", "--zone"])
            .arg(&zone);
        if lenient {
            c.arg("--zone-lenient");
        }
        c.output().expect("run inboxlens spf")
    };
    let strict = run(false);
    assert_eq!(strict.status.code(), Some(2));
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(err.contains("line 3"), "{err}");
    let lenient = run(true);
    let err = String::from_utf8_lossy(&lenient.stderr);
    assert!(err.contains("line 3") && err.contains("skipped"), "{err}");
    let out: serde_json::Value = serde_json::from_slice(&lenient.stdout).expect("JSON");
    assert_eq!(out["result"], "pass", "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
