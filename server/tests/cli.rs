//! The `inboxlens` binary end to end: flags, JSON contracts, exit codes, and every
//! corpus message through `analyze --jsonl` without a panic.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_inboxlens"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).env("NO_COLOR", "1").output().expect("run inboxlens")
}

fn corpora() -> Option<PathBuf> {
    let dir = std::env::var_os("INBOXLENS_CORPORA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("INBOXLENS_REQUIRE_CORPORA").is_none(),
        "corpora required but not found at {}",
        dir.display()
    );
    eprintln!("SKIPPED: corpora not found at {} (set INBOXLENS_CORPORA)", dir.display());
    None
}

fn write_tmp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("inboxlens-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn analyze_sample_json_contract() {
    let out = run(&["analyze", "--sample", "--json"]);
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 1), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let score = v["score"].as_f64().expect("score");
    assert!((0.0..=10.0).contains(&score));
    for key in ["client_ip", "helo", "mail_from", "source"] {
        assert!(v["envelope"].get(key).is_some(), "envelope.{key}");
    }
    assert_eq!(v["auth"]["spf"]["result"], "pass");
    assert_eq!(v["auth"]["spf"]["domain"], "news.shop.example");
    let d = &v["auth"]["dkim"][0];
    assert_eq!(d["result"], "pass");
    assert_eq!(d["domain"], "shop.example");
    assert_eq!(d["selector"], "nov2026");
    assert_eq!(d["algorithm"], "rsa-sha256");
    assert_eq!(d["key_bits"], 2048);
    assert_eq!(v["auth"]["dmarc"]["result"], "pass");
    assert_eq!(v["auth"]["dmarc"]["policy"], "none");
    assert_eq!(v["auth"]["dmarc"]["domain"], "shop.example");
    assert_eq!(v["auth"]["arc"]["result"], "none");
    assert!(v["hops"].as_array().is_some_and(|h| h.len() == 2));
    let findings = v["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    for f in findings {
        for key in ["id", "severity", "title", "explanation", "fix"] {
            assert!(f[key].is_string(), "finding.{key} in {f}");
        }
    }
    assert!(v["dns"].as_array().is_some_and(|d| !d.is_empty()));
}

#[test]
fn human_output_and_fail_under() {
    let out = run(&["analyze", "--sample"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SPF") && text.contains("DKIM") && text.contains("/10"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    let strict = run(&["analyze", "--sample", "--fail-under", "9.9"]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn usage_and_unreadable_input_exit_2() {
    assert_eq!(run(&["analyze", "/nonexistent/file.eml"]).status.code(), Some(2));
    assert_eq!(run(&["analyze", "--now", "yesterday", "--sample"]).status.code(), Some(2));
    assert_eq!(run(&["no-such-subcommand"]).status.code(), Some(2));
    assert_eq!(run(&["analyze", "--offline", "--sample", "--zone", "/nonexistent.zone"]).status.code(), Some(2));
    let not_mail = write_tmp("words.txt", "hello, this is not an email at all");
    let out =
        run(&["analyze", "--offline", "--zone", write_tmp("e.zone", "").to_str().unwrap(), not_mail.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not look like an email"));
}

#[test]
fn spf_subcommand_json_from_zone() {
    let zone = write_tmp(
        "spf.zone",
        "example.test. 300 IN TXT \"v=spf1 a:mail.example.test include:_s.example.test -all\"\n\
         mail.example.test. 300 IN A 192.0.2.1\n\
         _s.example.test. 300 IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n",
    );
    let z = zone.to_str().unwrap();
    let out =
        run(&["spf", "--ip", "198.51.100.7", "--mail-from", "a@example.test", "--offline", "--zone", z, "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["result"], "pass");
    assert_eq!(v["lookups"], 2);
    assert_eq!(v["void_lookups"], 0);
    assert!(v.get("explanation").is_some());
    assert_eq!(out.status.code(), Some(0));
    let fail =
        run(&["spf", "--ip", "203.0.113.9", "--mail-from", "a@example.test", "--offline", "--zone", z, "--json"]);
    let v: Value = serde_json::from_slice(&fail.stdout).expect("json");
    assert_eq!(v["result"], "fail");
    assert_eq!(fail.status.code(), Some(1));
}

#[test]
fn explain_bounce_of_a_pasted_reply() {
    let reply = write_tmp(
        "reply.txt",
        "550-5.7.26 This mail has been blocked because the sender is unauthenticated.\n550 5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM. - gsmtp\n",
    );
    let out = run(&["explain-bounce", "--json", reply.to_str().unwrap()]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["reply_code"], 550);
    assert_eq!(v["enhanced_status"], "5.7.26");
    assert_eq!(v["cause"], "auth");
}

#[test]
fn every_corpus_message_analyzes_without_panic() {
    let Some(root) = corpora() else { return };
    let empty_zone = write_tmp("empty.zone", "");
    let dirs = [
        "nodemailer-mailparser",
        "mailauth/fixtures",
        "mox/dmarc-reports",
        "mox/tlsreports",
        "spamassassin",
        "stalwart-mail-parser/resources/eml",
        "mail-dkim-perl/corpus",
    ];
    let mut total = 0;
    for d in dirs {
        let dir = root.join(d);
        if !dir.is_dir() {
            continue;
        }
        let out =
            run(&["analyze", "--offline", "--zone", empty_zone.to_str().unwrap(), "--jsonl", dir.to_str().unwrap()]);
        assert_ne!(out.status.code(), Some(101), "panic in {d}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.code().is_some(), "killed in {d}");
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{d}: bad JSON line {e}: {line:.200}"));
            assert!(v.get("score").is_some() || v.get("error").is_some(), "{d}: {line:.200}");
            total += 1;
        }
    }
    eprintln!("analyzed {total} corpus messages");
    assert!(total > 100, "only {total} messages analyzed");
}

/// `inboxlens analyze --jsonl … | head -0`: a reader that goes away is not a crash (no panic
/// text, exit 0), whether the pipe closes before the first write or in the middle.
#[test]
fn closed_stdout_pipe_is_not_a_panic() {
    use std::process::Stdio;
    let dir = std::env::temp_dir().join(format!("inboxlens-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/core/assets/sample.eml");
    let raw = std::fs::read(&sample).unwrap();
    // enough output (~40 reports) to overrun the 64 KiB pipe buffer
    for i in 0..40 {
        std::fs::write(dir.join(format!("m{i}.eml")), &raw).unwrap();
    }
    let zone = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/core/assets/sample.zone");
    let mut child = bin()
        .args(["analyze", "--jsonl", "--offline", "--zone"])
        .arg(&zone)
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader leaves at once
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "panic on a closed pipe: {stderr}");
    assert!(out.status.success(), "exit {:?}, stderr: {stderr}", out.status);
    std::fs::remove_dir_all(&dir).ok();
}
