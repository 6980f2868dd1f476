//! mox's record-parsing vectors (`mox/record-parse-vectors.json`, DERIVED from mox's Go test
//! tables) through our own parsers: SPF (`auth::spf::parse_record`), DKIM key records
//! (`auth::dkim::parse_key_record`), DMARC (the domain check `domain::dmarc::check`, run on a
//! real `ZoneResolver`, so discovery + lint + policy recovery are what is tested), MTA-STS TXT
//! and policy (`domain::mta_sts::{txt_problems, parse_policy}`) and TLS-RPT
//! (`domain::tls_rpt::lint`).
//!
//! Each vector: our valid/invalid verdict must agree with mox's, and the fields mox asserts
//! that we model must match. Where mox's reading contradicts the RFC, the vector is listed in
//! [`DISPUTES`] with the section, and our (opposite) verdict is asserted instead.

mod support;

use inboxlens_core::auth::dkim::parse_key_record;
use inboxlens_core::auth::spf::record::{Mechanism, Modifier, Qualifier, Term, parse_record};
use inboxlens_core::domain::LookupStatus;
use inboxlens_core::domain::query::Ctx;
use inboxlens_core::domain::{dmarc, mta_sts, tls_rpt};
use serde_json::Value;
use support::{corpora, read, say, txt_zone};

/// Vectors where mox contradicts the RFC: (kind, input, why). Our verdict is the opposite of
/// mox's `valid`, and that is what is asserted.
const DISPUTES: &[(&str, &str, &str)] = &[
    (
        "spf_record",
        "V=spf1 all Include:example.org a ?a -a +a ~a a:x a:x/0 a:x/24//64 a:x//64 mx mx:x ptr ptr:x IP4:10.0.0.1 ip4:0.0.0.0/0 ip4:10.0.0.1/24 ip6:2001:db8::1 ip6:2001:db8::1/128 exists:x REDIRECT=x exp=X Other=x",
        "RFC 7208 §7.1: domain-spec = macro-string domain-end, domain-end = \".\" toplabel [\".\"] / macro-expand, so a single-label target like 'x' is not a domain-spec (the OpenSPF suite, rfc7208-tests.yml 'a-only-toplabel', makes 'a:museum' a permerror); mox accepts it",
    ),
    (
        "dmarc_record",
        "v=DMARC1; sp=reject; p=reject",
        "RFC 7489 §6.3 required p= directly after v=; RFC 9989 (which obsoletes it) requires only v= first and lets the other tags appear in any order, so the record is valid with p=reject",
    ),
    (
        "dmarc_record",
        "v=DMARC1; rua=mailto:dmarc-feedback@example.com!99999999999999999999999999999999999999999999999",
        "RFC 7489 §6.4: the size suffix is \"!\" 1*DIGIT with no upper bound (and RFC 9989 has receivers ignore it), so the URI is syntactically valid and, with no p=, RFC 9989 §4.10.1 makes the record p=none; mox rejects the number because it overflows its integer type",
    ),
];

/// Floors of agreeing vectors per kind (= the current counts; disputes excluded).
const FLOORS: &[(&str, usize)] = &[
    ("spf_record", 25),
    ("dkim_key_record", 12),
    ("dmarc_record", 39),
    ("mta_sts_record", 18),
    ("mta_sts_policy", 24),
    ("tls_rpt_record", 20),
];

fn dispute(kind: &str, input: &str) -> Option<&'static str> {
    DISPUTES.iter().find(|(k, i, _)| *k == kind && *i == input).map(|(_, _, why)| *why)
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

/// Compares `got` with `want` (ASCII case-insensitive), naming the field on mismatch.
fn same(field: &str, got: &[String], want: &[String]) -> Result<(), String> {
    let eq = got.len() == want.len() && got.iter().zip(want).all(|(a, b)| a.eq_ignore_ascii_case(b));
    if eq { Ok(()) } else { Err(format!("{field}: got {got:?}, want {want:?}")) }
}

// ---- SPF (RFC 7208) ----

fn spf(input: &str, expected: Option<&Value>) -> (bool, Result<(), String>) {
    let rec = match parse_record(input) {
        Ok(r) => r,
        Err(_) => return (false, Ok(())),
    };
    let Some(exp) = expected else { return (true, Ok(())) };
    let check = || -> Result<(), String> {
        if let Some(want) = exp.get("directives") {
            let want = strs(want);
            let got: Vec<_> = rec.directives().collect();
            if got.len() != want.len() {
                return Err(format!("directives: got {}, want {}", got.len(), want.len()));
            }
            for (d, w) in got.iter().zip(&want) {
                let (q, body) = match w.as_bytes().first() {
                    Some(b'+') => (Qualifier::Pass, &w[1..]),
                    Some(b'-') => (Qualifier::Fail, &w[1..]),
                    Some(b'~') => (Qualifier::SoftFail, &w[1..]),
                    Some(b'?') => (Qualifier::Neutral, &w[1..]),
                    _ => (Qualifier::Pass, w.as_str()),
                };
                let name = body.split([':', '/']).next().unwrap_or("");
                if d.qualifier != q || !d.mechanism.name().eq_ignore_ascii_case(name) {
                    return Err(format!("directive {w}: got {:?} {}", d.qualifier, d.mechanism.name()));
                }
                // The typed argument, where the vector names one.
                let arg = body.split_once(':').map(|(_, a)| a);
                let typed_ok = match (&d.mechanism, arg) {
                    (Mechanism::Exists { domain } | Mechanism::Include { domain }, Some(a)) => domain.raw == a,
                    _ => d.text.trim_start_matches(['+', '-', '~', '?']).eq_ignore_ascii_case(body),
                };
                if !typed_ok {
                    return Err(format!("directive {w}: got {:?}", d.mechanism));
                }
            }
        }
        if let Some(want) = exp.get("redirect").and_then(Value::as_str) {
            same("redirect", &rec.redirect().map(|m| m.raw.clone()).into_iter().collect::<Vec<_>>(), &[want.into()])?;
        }
        if let Some(want) = exp.get("exp").and_then(Value::as_str) {
            same("exp", &rec.exp().map(|m| m.raw.clone()).into_iter().collect::<Vec<_>>(), &[want.into()])?;
        }
        if let Some(want) = exp.get("other_modifiers").and_then(Value::as_array) {
            let got: Vec<String> = rec
                .terms
                .iter()
                .filter_map(|t| match t {
                    Term::Modifier(Modifier::Unknown { name, value }) => Some(format!("{name}={}", value.raw)),
                    _ => None,
                })
                .collect();
            let want: Vec<String> = want.iter().map(|p| strs(p).join("=")).collect();
            same("other_modifiers", &got, &want)?;
        }
        Ok(())
    };
    (true, check())
}

// ---- DKIM key records (RFC 6376 §3.6.1, §3.2) ----

fn dkim(input: &str, expected: Option<&Value>) -> (bool, Result<(), String>) {
    let k = parse_key_record(input);
    let valid = k.syntax_error.is_none()
        && k.has_key
        && !k.bad_version
        && matches!(k.key_type.as_str(), "rsa" | "ed25519")
        && (k.revoked || k.key_bits.is_some());
    let Some(exp) = expected.filter(|_| valid) else { return (valid, Ok(())) };
    let check = || -> Result<(), String> {
        if let Some(want) = exp.get("k").and_then(Value::as_str) {
            same("k", std::slice::from_ref(&k.key_type), &[want.into()])?;
        }
        if exp.get("p_empty").and_then(Value::as_bool) == Some(true) && !k.revoked {
            return Err("p_empty: key not read as revoked".into());
        }
        if exp.get("p_base64").is_some() && (k.revoked || k.key_bits.is_none()) {
            return Err(format!("p_base64: key not decoded ({:?} bits)", k.key_bits));
        }
        if let Some(want) = exp.get("h") {
            same("h", &k.hashes.clone().unwrap_or_default(), &strs(want))?;
        }
        if let Some(want) = exp.get("s") {
            let want = strs(want);
            let got = k.services.clone().unwrap_or_else(|| vec!["*".into()]);
            same("s", &got, &want)?;
        }
        if let Some(want) = exp.get("t") {
            let want = strs(want);
            if k.flags.testing != want.iter().any(|f| f == "y")
                || k.flags.strict_identity != want.iter().any(|f| f == "s")
            {
                return Err(format!("t: got {:?}, want {want:?}", k.flags));
            }
        }
        Ok(())
    };
    (valid, check())
}

// ---- DMARC (RFC 9989; RFC 7489) through the domain check ----

fn dmarc(input: &str, expected: Option<&Value>) -> (bool, Result<(), String>) {
    let zone = txt_zone([("_dmarc.example.com", input)]);
    let ctx = Ctx::new(&zone, 2_000, 10_000);
    let (report, _findings) = futures::executor::block_on(dmarc::check(&ctx, "example.com"));
    let valid = report.status == LookupStatus::Found;
    let Some(exp) = expected.filter(|_| valid) else { return (valid, Ok(())) };
    let tag = |name: &str| -> Option<String> { report.tags.iter().find(|t| t.tag == name).map(|t| t.value.clone()) };
    let list = |name: &str| -> Vec<String> {
        tag(name).map(|v| v.split(':').map(|s| s.trim().to_string()).collect()).unwrap_or_default()
    };
    let check = || -> Result<(), String> {
        for (field, v) in exp.as_object().into_iter().flatten() {
            match field.as_str() {
                "note" => {}
                "p" => {
                    let want = v.as_str().unwrap_or_default().to_string();
                    same("p", &report.policy.map(|p| p.to_string()).into_iter().collect::<Vec<_>>(), &[want])?
                }
                "v" | "sp" | "adkim" | "aspf" => {
                    let want = v.as_str().unwrap_or_default().to_string();
                    same(field, &tag(field).into_iter().collect::<Vec<_>>(), &[want])?
                }
                "ri" | "pct" => {
                    let want = v.as_u64().map(|n| n.to_string()).unwrap_or_default();
                    same(field, &tag(field).into_iter().collect::<Vec<_>>(), &[want])?
                }
                "fo" | "rf" => same(field, &list(field), &strs(v))?,
                "rua" | "ruf" => {
                    let got: Vec<String> =
                        report.report_destinations.iter().filter(|d| d.tag == *field).map(|d| d.uri.clone()).collect();
                    let want: Vec<String> = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|u| match u {
                            Value::String(s) => s.clone(),
                            o => format!(
                                "{}!{}{}",
                                o["address"].as_str().unwrap_or_default(),
                                o["max_size"].as_u64().unwrap_or_default(),
                                o["unit"].as_str().unwrap_or_default()
                            ),
                        })
                        .collect();
                    same(field, &got, &want)?
                }
                other => return Err(format!("unmodelled field {other}")),
            }
        }
        Ok(())
    };
    (valid, check())
}

// ---- MTA-STS (RFC 8461) ----

fn mta_sts_record(input: &str, expected: Option<&Value>) -> (bool, Result<(), String>) {
    let (id, problems) = mta_sts::txt_problems(input);
    let valid = problems.is_empty();
    let Some(exp) = expected.filter(|_| valid) else { return (valid, Ok(())) };
    let want = exp.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
    (valid, same("id", &id.into_iter().collect::<Vec<_>>(), &[want]))
}

fn mta_sts_policy(input: &str, expected: Option<&Value>) -> (bool, Result<(), String>) {
    let p = mta_sts::parse_policy(input);
    let valid = p.problems.is_empty();
    let Some(exp) = expected.filter(|_| valid) else { return (valid, Ok(())) };
    let check = || -> Result<(), String> {
        let one = |k: &str| exp.get(k).and_then(Value::as_str).map(str::to_string).into_iter().collect::<Vec<_>>();
        same("version", &p.version.clone().into_iter().collect::<Vec<_>>(), &one("version"))?;
        same("mode", &p.mode.iter().map(|m| m.to_string()).collect::<Vec<_>>(), &one("mode"))?;
        same("mx", &p.mx, &strs(exp.get("mx").unwrap_or(&Value::Null)))?;
        if p.max_age != exp.get("max_age").and_then(Value::as_u64) {
            return Err(format!("max_age: got {:?}", p.max_age));
        }
        Ok(())
    };
    (valid, check())
}

// ---- TLS-RPT (RFC 8460) ----

fn tls_rpt(input: &str, expected: Option<&Value>) -> (bool, Result<(), String>) {
    let (problems, rua) = tls_rpt::lint(input);
    let valid = problems.is_empty();
    let Some(exp) = expected.filter(|_| valid) else { return (valid, Ok(())) };
    // mox keeps one list per rua= tag; we merge them in record order.
    let want: Vec<String> = exp.get("rua").and_then(Value::as_array).into_iter().flatten().flat_map(strs).collect();
    (valid, same("rua", &rua, &want))
}

type Runner = fn(&str, Option<&Value>) -> (bool, Result<(), String>);

#[test]
fn mox_record_parse_vectors() {
    let Some(root) = corpora() else { return };
    let data: Value = serde_json::from_slice(&read(&root, "mox/record-parse-vectors.json"))
        .unwrap_or_else(|e| panic!("record-parse-vectors.json: {e}"));
    let kinds: [(&str, Runner); 6] = [
        ("spf_record", spf),
        ("dkim_key_record", dkim),
        ("dmarc_record", dmarc),
        ("mta_sts_record", mta_sts_record),
        ("mta_sts_policy", mta_sts_policy),
        ("tls_rpt_record", tls_rpt),
    ];
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    let mut disputed = 0;
    for (kind, run) in kinds {
        let vectors = data[kind].as_array().cloned().unwrap_or_default();
        assert!(!vectors.is_empty(), "{kind}: no vectors");
        let mut pass = 0;
        for v in &vectors {
            let input = v["input"].as_str().unwrap_or_else(|| panic!("{kind}: input not a string"));
            let mox_valid = v["valid"].as_bool().unwrap_or_else(|| panic!("{kind}: valid not a bool"));
            let (ours, fields) = run(input, v.get("expected"));
            match dispute(kind, input) {
                Some(why) => {
                    disputed += 1;
                    if ours == mox_valid {
                        failures
                            .push(format!("{kind} {input:?}: listed as a dispute ({why}) but we now agree with mox"));
                    }
                }
                None if ours != mox_valid => failures.push(format!(
                    "{kind} {input:?}: mox valid={mox_valid}, ours valid={ours}{}",
                    v.get("comment").and_then(Value::as_str).map(|c| format!(" ({c})")).unwrap_or_default()
                )),
                None => match fields {
                    Ok(()) => pass += 1,
                    Err(e) => failures.push(format!("{kind} {input:?}: {e}")),
                },
            }
        }
        let floor = FLOORS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f).unwrap_or(usize::MAX);
        if pass < floor {
            failures.push(format!("{kind}: {pass} agree, floor {floor}"));
        }
        summary.push(format!("{kind} {pass}/{}", vectors.len()));
    }
    say(&format!("mox vectors: {} ({disputed} disputed with the RFC)", summary.join(", ")));
    assert_eq!(disputed, DISPUTES.len(), "a listed dispute matched no vector");
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

/// Our reading of each disputed vector, asserted for its stated reason (runs without corpora).
#[test]
fn disputed_vectors_read_per_rfc() {
    let spf_err = match parse_record(DISPUTES[0].1) {
        Err(e) => e.to_string(),
        Ok(r) => panic!("single-label domain-spec accepted: {r}"),
    };
    assert!(spf_err.contains("top-level label") && spf_err.contains("'x'"), "{spf_err}");
    // The same record with real domain names parses, typed term by typed term.
    let fixed = DISPUTES[0].1.replace(":x", ":x.example").replace("=x", "=x.example").replace("=X", "=X.example");
    let r = parse_record(&fixed).unwrap_or_else(|e| panic!("{fixed}: {e}"));
    assert_eq!(r.directives().count(), 21);
    assert_eq!(r.redirect().map(|m| m.raw.as_str()), Some("x.example"));
    assert!(r.directives().any(|d| matches!(&d.mechanism,
        Mechanism::A { domain: Some(m), cidr4: Some(24), cidr6: Some(64) } if m.raw == "x.example")));
    assert!(r.directives().any(|d| d.qualifier == Qualifier::Neutral && d.mechanism.name() == "a"));

    let policy_of = |record: &str| {
        let zone = txt_zone([("_dmarc.example.com", record)]);
        let ctx = Ctx::new(&zone, 2_000, 10_000);
        let (report, _) = futures::executor::block_on(dmarc::check(&ctx, "example.com"));
        (report.status, report.policy.map(|p| p.to_string()))
    };
    assert_eq!(policy_of(DISPUTES[1].1), (LookupStatus::Found, Some("reject".into())));
    assert_eq!(policy_of(DISPUTES[2].1), (LookupStatus::Found, Some("none".into())));
}
