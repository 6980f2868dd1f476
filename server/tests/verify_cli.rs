//! `inboxlens verify` end to end: the real binary on zone files written here (`--offline
//! --zone`, no lab needed): arguments, `.txt`, CSV with its original bytes kept, stdin, JSON
//! contracts, bad input, and a kill -9 at many points followed by `--resume` (every row exactly
//! once). The lab tests resolve `verify.test` through the lab's resolver and ask the lab's SMTP
//! receivers (tests/lab/bin/verifysmtp.py: greylisting, throttling, recipient caps, blocks,
//! provider texts, catch-all, STARTTLS-required, SMTPUTF8) and Postfix; they print SKIPPED when
//! the lab does not answer, unless `INBOXLENS_REQUIRE_LAB=1`.

use serde_json::Value;
use std::io::Write;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inboxlens"));
    c.env("NO_COLOR", "1");
    c
}

fn tmpdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("inboxlens-verify-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ZONE: &str = "\
$ORIGIN v.test.
$TTL 60
@       SOA ns.v.test. h.v.test. 1 300 60 86400 60
@       NS  ns.v.test.
ns      A   127.0.0.2
ok      MX  10 mx.ok.v.test.
mx.ok   A   192.0.2.10
null    MX  0 .
implicit A  192.0.2.11
noaddr  MX  10 mx.noaddr.v.test.
";

/// Writes the test zone into `dir` and returns the common flags.
fn zone_flags(dir: &Path) -> Vec<String> {
    let z = dir.join("v.test.zone");
    std::fs::write(&z, ZONE).unwrap();
    vec!["verify".into(), "--no-smtp".into(), "--offline".into(), "--zone".into(), z.display().to_string()]
}

fn run(dir: &Path, extra: &[&str]) -> Output {
    let mut args = zone_flags(dir);
    args.extend(extra.iter().map(|s| s.to_string()));
    output_within_deadline(bin().args(&args))
}

/// Runs the command to its end, failing the test instead of hanging when a run stalls (a run
/// here takes well under a second; the deadline is generous for a loaded machine).
fn output_within_deadline(cmd: &mut Command) -> Output {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut pipes = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut pipes.0, &mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut pipes.1, &mut b);
        b
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            panic!("inboxlens verify stalled: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output { status, stdout: out_t.join().unwrap(), stderr: err_t.join().unwrap() }
}

fn jsonl(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn arguments_give_one_result_per_address_in_order_with_the_contract_fields() {
    let dir = tmpdir("args");
    let inputs = [
        "a@ok.v.test",
        "postmaster@ok.v.test",
        "b@null.v.test",
        "c@implicit.v.test",
        "d@noaddr.v.test",
        "e@nosuch.v.test",
        "a..b@ok.v.test",
        "",
        "A@OK.V.TEST",
        "a@ok.v.test",
    ];
    let mut args = vec!["--jsonl"];
    args.extend(inputs);
    let out = run(&dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = jsonl(&out);
    assert_eq!(rows.len(), inputs.len());
    for (r, given) in rows.iter().zip(inputs) {
        assert_eq!(r["address"], given, "results come in input order, address as given");
        for k in [
            "normalized",
            "verdict",
            "reason",
            "detail",
            "mx",
            "smtp",
            "catch_all",
            "disposable",
            "role",
            "free",
            "attempts",
            "duration_ms",
        ] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
    }
    let vr = |i: usize| (rows[i]["verdict"].as_str().unwrap(), rows[i]["reason"].as_str().unwrap());
    // the mailbox is never asked with --no-smtp: unknown, never a guessed verdict
    assert_eq!(vr(0), ("unknown", "mailbox_not_checked"));
    assert_eq!(rows[0]["mx"], "mx.ok.v.test");
    assert_eq!(rows[0]["attempts"], 0);
    assert_eq!(rows[1]["role"], true);
    assert_eq!(vr(2), ("undeliverable", "no_mail_domain"));
    assert!(rows[2]["detail"].as_str().unwrap().contains("RFC 7505"));
    assert_eq!(vr(3), ("unknown", "mailbox_not_checked"));
    assert_eq!(rows[3]["mx"], "implicit.v.test", "implicit MX (RFC 5321 §5.1)");
    assert_eq!(vr(4), ("undeliverable", "no_mail_domain"));
    assert_eq!(vr(5), ("undeliverable", "no_mail_domain"));
    assert_eq!(vr(6), ("undeliverable", "syntax"));
    assert_eq!(vr(7), ("undeliverable", "syntax"));
    assert_eq!(rows[8]["normalized"], "A@ok.v.test");
    assert_eq!(rows[9], rows[0], "a duplicate gets the same answer");

    // human output: one line per address, the verdict and reason on it
    let out = run(&dir, &["a@ok.v.test", "b@null.v.test"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("a@ok.v.test") && lines[0].contains("unknown") && lines[0].contains("mailbox_not_checked")
    );
    assert!(lines[1].contains("undeliverable") && lines[1].contains("no_mail_domain"));
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal");

    // --json: one object for one address, an array for several
    let one: Value = serde_json::from_slice(&run(&dir, &["--json", "a@ok.v.test"]).stdout).unwrap();
    assert_eq!(one["reason"], "mailbox_not_checked");
    let many: Value = serde_json::from_slice(&run(&dir, &["--json", "a@ok.v.test", "x@null.v.test"]).stdout).unwrap();
    assert_eq!(many.as_array().map(Vec::len), Some(2));
    assert_eq!(many[1]["reason"], "no_mail_domain");
}

#[test]
fn an_mx_the_target_policy_refuses_is_never_dialled_and_gives_no_verdict() {
    // mx.ok.v.test is 192.0.2.10 (TEST-NET-1): without --allow-private the policy refuses it
    // before any packet leaves, and the mailbox stays unknown (never a guessed verdict)
    let dir = tmpdir("policy");
    let mut args = zone_flags(&dir);
    args.retain(|a| a != "--no-smtp");
    args.extend(["--jsonl".into(), "--timeout-s".into(), "2".into(), "a@ok.v.test".into()]);
    let out = output_within_deadline(bin().args(&args));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = &jsonl(&out)[0];
    assert_eq!((r["verdict"].as_str(), r["reason"].as_str()), (Some("unknown"), Some("smtp_error")), "{r}");
    assert!(r["detail"].as_str().unwrap().contains("not public"), "{r}");
}

/// The output CSV's records through the csv crate (cells lossy UTF-8).
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(path).unwrap();
    r.byte_records().map(|x| x.unwrap().iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect()).collect()
}

#[test]
fn csv_rows_come_back_in_order_with_their_original_bytes_and_the_added_columns() {
    let dir = tmpdir("csv");
    let raw_rows: [&[u8]; 8] = [
        b"\xef\xbb\xbfName,\"E-mail\",note",
        b"\"Smith, J\",a@ok.v.test,\"say \"\"hi\"\"\"",
        b"X,,empty cell",
        b"\"multi\nline\", b@null.v.test ,z",
        b"dup,a@ok.v.test,",
        b"short",
        b"'quoted' ,\"c@implicit.v.test\",\"\"",
        b"garbage,\xff\xfe@ok.v.test,x",
    ];
    let mut input = Vec::new();
    for r in raw_rows {
        input.extend_from_slice(r);
        input.extend_from_slice(b"\r\n");
    }
    input.extend_from_slice(b"\r\n"); // a blank line at the end is no row
    let inp = dir.join("list.csv");
    std::fs::write(&inp, &input).unwrap();
    let outp = dir.join("cleaned.csv");
    let out = run(&dir, &["--input", inp.to_str().unwrap(), "--output", outp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "--output without --jsonl prints nothing per row");
    let bytes = std::fs::read(&outp).unwrap();
    // every physical line is the original record + the added columns, CRLF kept
    let mut rest: &[u8] = &bytes;
    for (k, raw) in raw_rows.iter().enumerate() {
        assert!(rest.starts_with(raw), "row {k} keeps its bytes: {:?}", String::from_utf8_lossy(rest));
        rest = &rest[raw.len()..];
        assert_eq!(rest[0], b',', "row {k}");
        let end = rest.windows(2).position(|w| w == b"\r\n").expect("CRLF kept");
        rest = &rest[end + 2..];
    }
    assert!(rest.is_empty(), "no extra rows: {:?}", String::from_utf8_lossy(rest));
    let recs = read_csv(&outp);
    assert_eq!(recs.len(), 8);
    let tail = |k: usize| -> Vec<String> {
        let r = &recs[k];
        r[r.len() - 8..].to_vec()
    };
    assert_eq!(tail(0), ["verdict", "reason", "detail", "mx", "catch_all", "disposable", "role", "free"]);
    assert_eq!(&tail(1)[..2], ["unknown", "mailbox_not_checked"]);
    assert_eq!(tail(1)[3], "mx.ok.v.test");
    assert_eq!(tail(1)[4], "", "catch_all unknown without SMTP");
    assert_eq!(&tail(1)[5..], ["false", "false", "false"]);
    assert_eq!(&tail(2)[..2], ["undeliverable", "syntax"], "empty cell");
    assert_eq!(&tail(3)[..2], ["undeliverable", "no_mail_domain"], "cell trimmed");
    assert_eq!(tail(4), tail(1), "duplicate answered like the first");
    assert_eq!(&tail(5)[..2], ["undeliverable", "syntax"], "row without the column");
    assert_eq!(&tail(6)[..2], ["unknown", "mailbox_not_checked"]);
    assert_eq!(&tail(7)[..2], ["undeliverable", "syntax"], "invalid UTF-8 in a cell is a syntax error, not a crash");
    assert!(tail(1)[2].contains("mailbox was not asked"), "{:?}", tail(1));

    // --jsonl with --output: JSON on stdout, the same CSV in the file
    let outp2 = dir.join("cleaned2.csv");
    let out = run(&dir, &["--input", inp.to_str().unwrap(), "--output", outp2.to_str().unwrap(), "--jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[0]["address"], "a@ok.v.test");
    assert_eq!(rows[2]["address"], "b@null.v.test");
    assert_eq!(std::fs::read(&outp2).unwrap(), bytes);
}

#[test]
fn semicolon_csv_and_explicit_column() {
    let dir = tmpdir("semi");
    let inp = dir.join("l.csv");
    std::fs::write(&inp, "id;Work Mail;x\n1;a@ok.v.test;\"p;q\"\n").unwrap();
    let outp = dir.join("o.csv");
    let out =
        run(&dir, &["--input", inp.to_str().unwrap(), "--column", "work mail", "--output", outp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&outp).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id;Work Mail;x;verdict;reason;detail;"), "{text}");
    assert!(lines[1].starts_with("1;a@ok.v.test;\"p;q\";unknown;mailbox_not_checked;"), "{text}");
}

#[test]
fn text_lists_and_stdin() {
    let dir = tmpdir("txt");
    let inp = dir.join("l.txt");
    std::fs::write(&inp, "\u{feff}a@ok.v.test\r\n\r\n  b@null.v.test  \nnot an address\n").unwrap();
    let outp = dir.join("o.csv");
    let out = run(&dir, &["--input", inp.to_str().unwrap(), "--output", outp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recs = read_csv(&outp);
    assert_eq!(recs.len(), 4);
    assert_eq!(&recs[0][0], "address");
    assert_eq!((recs[1][0].as_str(), recs[1][1].as_str()), ("a@ok.v.test", "unknown"));
    assert_eq!((recs[2][0].as_str(), recs[2][2].as_str()), ("b@null.v.test", "no_mail_domain"));
    assert_eq!((recs[3][0].as_str(), recs[3][2].as_str()), ("not an address", "syntax"));

    let mut args = zone_flags(&dir);
    args.extend(["--input".into(), "-".into(), "--jsonl".into()]);
    let mut child = bin().args(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"x@ok.v.test\ny@null.v.test\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["reason"], "no_mail_domain");
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let dir = tmpdir("bad");
    // missing column: the columns found are named
    let inp = dir.join("nocol.csv");
    std::fs::write(&inp, "first,last,phone\nA,B,1\n").unwrap();
    let out = run(&dir, &["--input", inp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("\"first\"") && e.contains("\"last\"") && e.contains("\"phone\"") && e.contains("--column"),
        "{e}"
    );
    let out = run(&dir, &["--input", inp.to_str().unwrap(), "--column", "email"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("\"email\""), "{}", stderr(&out));
    // binary garbage
    let bin_in = dir.join("garbage.csv");
    let mut junk = b"PK\x03\x04".to_vec();
    junk.extend((0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    std::fs::write(&bin_in, &junk).unwrap();
    let out = run(&dir, &["--input", bin_in.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a text/CSV file"), "{}", stderr(&out));
    // an empty CSV has no header
    let empty = dir.join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let out = run(&dir, &["--input", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    // the output may not overwrite the input
    let same = dir.join("same.csv");
    std::fs::write(&same, "email\na@ok.v.test\n").unwrap();
    let out = run(&dir, &["--input", same.to_str().unwrap(), "--output", same.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&same).unwrap(), "email\na@ok.v.test\n");
    // unreadable input, no input at all
    assert_eq!(run(&dir, &["--input", "/nonexistent/list.csv"]).status.code(), Some(2));
    assert_eq!(run(&dir, &[]).status.code(), Some(2));
    // an unbalanced quote does not swallow memory: the record bound stops it
    let unbalanced = dir.join("quote.csv");
    let mut text = String::from("email\n\"a@ok.v.test\n");
    for _ in 0..40_000 {
        text.push_str("filler line of an unclosed quote\n");
    }
    std::fs::write(&unbalanced, text).unwrap();
    let out = run(&dir, &["--input", unbalanced.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("too large"), "{}", stderr(&out));
}

fn make_list(rows: usize) -> Vec<u8> {
    let mut s = String::from("id,email,note\n");
    let domains = ["ok.v.test", "null.v.test", "implicit.v.test", "noaddr.v.test"];
    for i in 0..rows {
        let d = if i % 7 == 0 { format!("nx{}.v.test", i % 50) } else { domains[i % 4].to_string() };
        s.push_str(&format!("{i},user{}@{d},\"n, {i}\"\n", i % 900));
    }
    s.into_bytes()
}

/// (rows, bytes) the journal's last checkpoint says are durable in the output ((0, 0) without one).
fn last_checkpoint(journal: &Path) -> (u64, u64) {
    let text = String::from_utf8_lossy(&std::fs::read(journal).unwrap_or_default()).into_owned();
    let Some(at) = text.rfind("{\"rows\":") else { return (0, 0) };
    let num = |from: &str| from.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0);
    let rows = num(&text[at + 8..]);
    let bytes = text[at..].find("\"bytes\":").map_or(0, |b| num(&text[at + b + 8..]));
    (rows, bytes)
}

#[test]
fn kill_9_at_many_points_then_resume_gives_every_row_exactly_once() {
    let dir = tmpdir("kill");
    let rows = 3000;
    let list = make_list(rows);
    let inp = dir.join("list.csv");
    std::fs::write(&inp, &list).unwrap();
    let reference = dir.join("ref.csv");
    let out = run(&dir, &["--input", inp.to_str().unwrap(), "--output", reference.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let want = std::fs::read(&reference).unwrap();
    assert_eq!(read_csv(&reference).len(), rows + 1);

    // the killed run reads stdin, fed in paced chunks, so it is mid-run when killed
    let outp = dir.join("killed.csv");
    let journal = dir.join("killed.csv.journal");
    let mut kills = 0;
    let mut finished = false;
    let mut uncovered_kills = 0;
    for round in 0..200 {
        let mut args = zone_flags(&dir);
        args.extend(
            [
                "--input",
                "-",
                "--output",
                outp.to_str().unwrap(),
                "--window",
                "64",
                "--checkpoint-rows",
                "500",
                "--journal-compact-bytes",
                "30000",
            ]
            .map(String::from),
        );
        if round > 0 {
            args.push("--resume".into());
        }
        let mut child =
            bin().args(&args).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let feed = list.clone();
        let writer = std::thread::spawn(move || {
            for chunk in feed.chunks(2048) {
                if stdin.write_all(chunk).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        // round 0 is killed at once (before anything is durable); odd rounds after some progress
        // (a different amount each time); even rounds as soon as the output holds rows that no
        // checkpoint covers yet (a 500-row checkpoint is larger than the 64 KiB write buffer)
        let target = if round == 0 { 0 } else { last_checkpoint(&journal).0 + 150 + (round * 37 % 150) as u64 };
        let status = loop {
            if let Some(st) = child.try_wait().unwrap() {
                break Some(st);
            }
            let (done, bytes) = last_checkpoint(&journal);
            let uncovered =
                round % 2 == 0 && round > 0 && std::fs::metadata(&outp).map(|m| m.len()).unwrap_or(0) > bytes.max(1);
            if uncovered {
                uncovered_kills += 1;
            }
            if (round % 2 == 1 || round == 0) && done >= target || uncovered {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                break None;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let _ = writer.join();
        if let Some(st) = status {
            let mut e = String::new();
            let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut e);
            assert!(st.success(), "round {round}: {st:?} {e}");
            finished = true;
            break;
        }
    }
    eprintln!("killed {kills} times ({uncovered_kills} with rows past the last checkpoint) before a run finished");
    assert!(uncovered_kills >= 1, "at least one kill with uncheckpointed rows in the output");
    assert!(finished, "the resumed runs finish");
    assert!(kills >= 4, "killed mid-run several times ({kills})");
    let got = std::fs::read(&outp).unwrap();
    assert!(got == want, "after {kills} kills the output equals an uninterrupted run");
    let j = std::fs::read_to_string(&journal).unwrap();
    assert!(j.len() < 200_000, "the journal was compacted ({} bytes)", j.len());
    assert!(j.lines().last().unwrap().contains("\"done\":true"), "the journal ends with the final checkpoint");
    let recs = read_csv(&outp);
    let ids: Vec<&str> = recs.iter().skip(1).map(|r| r[0].as_str()).collect();
    assert_eq!(ids, (0..rows).map(|i| i.to_string()).collect::<Vec<_>>(), "every row exactly once, in order");

    // a finished run resumes to nothing; an unfinished journal is not overwritten silently
    let out = run(&dir, &["--input", "-", "--output", outp.to_str().unwrap(), "--resume"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("complete"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&outp).unwrap(), want);
}

#[test]
fn an_unfinished_journal_needs_resume_and_must_match_the_input() {
    let dir = tmpdir("journal");
    let inp = dir.join("l.csv");
    std::fs::write(&inp, make_list(50)).unwrap();
    let outp = dir.join("o.csv");
    let jp = dir.join("o.csv.journal");
    // an interrupted run: the header line and nothing else
    std::fs::write(
        &jp,
        format!(
            "{{\"inboxlens_verify_journal\":1,\"input\":{:?},\"input_len\":{},\"column\":null}}\n",
            inp.display().to_string(),
            std::fs::metadata(&inp).unwrap().len()
        ),
    )
    .unwrap();
    let out = run(&dir, &["--input", inp.to_str().unwrap(), "--output", outp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--resume"), "{}", stderr(&out));
    // another input with the same output: refused
    let other = dir.join("other.csv");
    std::fs::write(&other, make_list(10)).unwrap();
    let out = run(&dir, &["--input", other.to_str().unwrap(), "--output", outp.to_str().unwrap(), "--resume"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("belongs to a run on"), "{}", stderr(&out));
    // the right input resumes (from row 0) and completes
    let out = run(&dir, &["--input", inp.to_str().unwrap(), "--output", outp.to_str().unwrap(), "--resume"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(read_csv(&outp).len(), 51);
    // a custom journal path
    let j2 = dir.join("custom.journal");
    let out2 = dir.join("o2.csv");
    let out = run(
        &dir,
        &["--input", inp.to_str().unwrap(), "--output", out2.to_str().unwrap(), "--journal", j2.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&j2).unwrap().contains("\"done\":true"));
    assert_eq!(std::fs::read(&out2).unwrap(), std::fs::read(&outp).unwrap());
}

/// `accept.verify.test MX` through the lab resolver: NOERROR with an answer.
fn lab_verify_zone_answers() -> bool {
    let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else { return false };
    let _ = sock.set_read_timeout(Some(Duration::from_secs(2)));
    let mut q = vec![0x56, 0x45, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in ["accept", "verify", "test"] {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.extend_from_slice(&[0, 0, 15, 0, 1]);
    let server = std::env::var("LAB_RESOLVER").unwrap_or_else(|_| "127.0.0.1".into());
    if sock.send_to(&q, (server.as_str(), 53)).is_err() {
        return false;
    }
    let mut buf = [0u8; 1500];
    match sock.recv(&mut buf) {
        Ok(n) if n >= 12 => buf[0] == 0x56 && buf[1] == 0x45 && (buf[3] & 0x0f) == 0 && (buf[6] != 0 || buf[7] != 0),
        _ => false,
    }
}

#[test]
fn lab_verify_test_domains_through_the_lab_resolver() {
    if !lab_verify_zone_answers() {
        if std::env::var("INBOXLENS_REQUIRE_LAB").as_deref() == Ok("1") {
            panic!("the lab resolver does not answer accept.verify.test MX (INBOXLENS_REQUIRE_LAB=1)");
        }
        eprintln!(
            "SKIPPED: lab_verify_test_domains_through_the_lab_resolver: verify.test does not resolve on the lab resolver (tests/lab/up.sh)"
        );
        return;
    }
    let server = std::env::var("LAB_RESOLVER").unwrap_or_else(|_| "127.0.0.1".into());
    let inputs = [
        "user@accept.verify.test",
        "a@nullmx.verify.test",
        "a@nosuch.verify.test",
        "a@noaddr.verify.test",
        "a@nomail.verify.test",
        "user@implicit.verify.test",
        "user@münchen.verify.test",
        "user@fallback.verify.test",
    ];
    let mut args = vec!["verify", "--no-smtp", "--allow-private", "--resolver", &server, "--jsonl"];
    args.extend(inputs);
    let out = output_within_deadline(bin().args(&args));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = jsonl(&out);
    assert_eq!(r.len(), inputs.len());
    let reason = |i: usize| r[i]["reason"].as_str().unwrap().to_string();
    assert_eq!(reason(0), "mailbox_not_checked");
    assert_eq!(r[0]["mx"], "mx.accept.verify.test");
    for i in 1..=4 {
        assert_eq!(reason(i), "no_mail_domain", "{}", inputs[i]);
        assert_eq!(r[i]["verdict"], "undeliverable");
    }
    assert_eq!(r[5]["mx"], "implicit.verify.test");
    assert_eq!(r[6]["mx"], "mx.accept.verify.test", "IDN via UTS #46");
    assert_eq!(r[6]["normalized"], "user@xn--mnchen-3ya.verify.test");
    assert_eq!(r[7]["mx"], "mx.dead.verify.test", "preference order: the dead primary first");
}

#[test]
fn tiny_windows_and_scheduler_generations_give_the_same_rows_in_the_same_order() {
    let dir = tmpdir("window");
    let inp = dir.join("l.csv");
    std::fs::write(&inp, make_list(400)).unwrap();
    let mut outputs = Vec::new();
    for (k, (window, generation)) in
        [("1", "100000"), ("3", "100000"), ("4096", "100000"), ("64", "7"), ("5", "2")].into_iter().enumerate()
    {
        let outp = dir.join(format!("o{k}.csv"));
        let flags = ["--window", window, "--generation-rows", generation];
        let out =
            run(&dir, &[&["--input", inp.to_str().unwrap(), "--output", outp.to_str().unwrap()][..], &flags].concat());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        outputs.push(std::fs::read(&outp).unwrap());
    }
    assert_eq!(read_csv(&dir.join("o0.csv")).len(), 401);
    assert!(outputs.windows(2).all(|w| w[0] == w[1]), "window and scheduler generations change nothing but memory");
}

/// Skips (or fails under `INBOXLENS_REQUIRE_LAB=1`) when the lab is not up.
fn lab_or_skip(test: &str) -> bool {
    if lab_verify_zone_answers() {
        return true;
    }
    if std::env::var("INBOXLENS_REQUIRE_LAB").as_deref() == Ok("1") {
        panic!("the lab resolver does not answer accept.verify.test MX (INBOXLENS_REQUIRE_LAB=1)");
    }
    eprintln!("SKIPPED: {test}: verify.test does not resolve on the lab resolver (tests/lab/up.sh)");
    false
}

/// Mailboxes that exist on every non-catch-all lab receiver (tests/lab/bin/verifysmtp.py); the
/// lab's Postfix (good.test) has user and postmaster of these (and dmarc, tlsrpt).
const EXISTING: [&str; 4] = ["user", "info", "postmaster", "sales"];

#[test]
fn lab_smtp_verdicts_on_receivers_that_misbehave_and_never_a_false_undeliverable() {
    if !lab_or_skip("lab_smtp_verdicts_on_receivers_that_misbehave_and_never_a_false_undeliverable") {
        return;
    }
    let server = std::env::var("LAB_RESOLVER").unwrap_or_else(|_| "127.0.0.1".into());
    // (address, verdict, reason, mx)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("user@accept.verify.test", "deliverable", "mailbox_exists", "mx.accept.verify.test"),
        ("nobody@accept.verify.test", "undeliverable", "mailbox_not_found", "mx.accept.verify.test"),
        // Postfix itself (the lab's good.test MX)
        ("user@good.test", "deliverable", "mailbox_exists", "mx.good.test"),
        ("nosuchuser@good.test", "undeliverable", "mailbox_not_found", "mx.good.test"),
        // provider texts
        ("info@gmail.verify.test", "deliverable", "mailbox_exists", "mx.gmail.verify.test"),
        ("nobody@gmail.verify.test", "undeliverable", "mailbox_not_found", "mx.gmail.verify.test"),
        ("nobody@yahoo.verify.test", "undeliverable", "mailbox_not_found", "mx.yahoo.verify.test"),
        ("nobody@exchange.verify.test", "undeliverable", "mailbox_not_found", "mx.exchange.verify.test"),
        // a catch-all domain proves nothing about a mailbox
        ("anyone@catchall.verify.test", "risky", "catch_all", "mx.catchall.verify.test"),
        // a block of our IP is about us, not the mailbox: never undeliverable
        ("user@block.verify.test", "unknown", "blocked", "mx.block.verify.test"),
        ("nobody@block.verify.test", "unknown", "blocked", "mx.block.verify.test"),
        // greylisting (450 "try again in 3 seconds"): retried after the hint, then answered
        ("sales@grey.verify.test", "deliverable", "mailbox_exists", "mx.grey.verify.test"),
        ("nobody@grey.verify.test", "undeliverable", "mailbox_not_found", "mx.grey.verify.test"),
        // 452 4.5.3 after 3 recipients in one transaction: the rest go in the next one
        ("user@rcptcap.verify.test", "deliverable", "mailbox_exists", "mx.rcptcap.verify.test"),
        ("info@rcptcap.verify.test", "deliverable", "mailbox_exists", "mx.rcptcap.verify.test"),
        ("sales@rcptcap.verify.test", "deliverable", "mailbox_exists", "mx.rcptcap.verify.test"),
        ("postmaster@rcptcap.verify.test", "deliverable", "mailbox_exists", "mx.rcptcap.verify.test"),
        ("nobody@rcptcap.verify.test", "undeliverable", "mailbox_not_found", "mx.rcptcap.verify.test"),
        // 530 5.7.0 until STARTTLS: the session upgrades first
        ("user@tlsreq.verify.test", "deliverable", "mailbox_exists", "mx.tlsreq.verify.test"),
        // dead primary MX (TCP refused): the secondary answers
        ("postmaster@fallback.verify.test", "deliverable", "mailbox_exists", "mx.accept.verify.test"),
        // every MX dead: nothing is known
        ("user@alldead.verify.test", "unknown", "smtp_error", ""),
        // SMTPUTF8 (RFC 6531): sent only where advertised
        ("jörg@noutf8.verify.test", "undeliverable", "smtputf8_unsupported", "mx.noutf8.verify.test"),
        ("jörg@utf8.verify.test", "undeliverable", "mailbox_not_found", "mx.accept.verify.test"),
        ("user@münchen.verify.test", "deliverable", "mailbox_exists", "mx.accept.verify.test"),
    ];
    let mut args = vec![
        "verify",
        "--allow-private",
        "--resolver",
        &server,
        "--timeout-s",
        "10",
        "--greylist-retry-s",
        "2",
        "--max-wait-s",
        "60",
        "--helo",
        "verifier.lab.test",
        "--jsonl",
    ];
    args.extend(cases.iter().map(|c| c.0));
    let out = output_within_deadline(bin().args(&args));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = jsonl(&out);
    assert_eq!(r.len(), cases.len(), "one line per address");
    let mut false_undeliverable = Vec::new();
    for (res, (address, verdict, reason, mx)) in r.iter().zip(cases) {
        assert_eq!(res["address"], *address);
        assert_eq!(
            (res["verdict"].as_str().unwrap(), res["reason"].as_str().unwrap()),
            (*verdict, *reason),
            "{address}: {res}"
        );
        if !mx.is_empty() {
            assert_eq!(res["mx"], *mx, "{address}");
        }
        let local = address.split('@').next().unwrap();
        if EXISTING.contains(&local) && res["verdict"] == "undeliverable" {
            false_undeliverable.push(address.to_string());
        }
    }
    assert!(false_undeliverable.is_empty(), "existing mailboxes called undeliverable: {false_undeliverable:?}");
    // the catch-all flag is set only where the random probe was accepted
    let catch_all = |a: &str| r.iter().find(|x| x["address"] == a).unwrap()["catch_all"].clone();
    assert_eq!(catch_all("anyone@catchall.verify.test"), true);
    assert_eq!(catch_all("user@accept.verify.test"), false);
    // the SMTP evidence is in the JSON (the 550 5.1.1 reply)
    let nf = &r[1];
    assert_eq!(nf["smtp"]["code"], 550, "{nf}");
}

#[test]
fn lab_smtp_a_throttling_receiver_gives_rate_limited_never_undeliverable_within_the_budget() {
    if !lab_or_skip("lab_smtp_a_throttling_receiver_gives_rate_limited_never_undeliverable_within_the_budget") {
        return;
    }
    // ratelimit.verify.test: 5 RCPTs per minute per client address, then 421 (closes); its
    // state depends on earlier runs in the same minute, so each address may be answered or
    // rate_limited, but an existing mailbox is never undeliverable and the run ends in budget
    let server = std::env::var("LAB_RESOLVER").unwrap_or_else(|_| "127.0.0.1".into());
    let mut args = vec![
        "verify".to_string(),
        "--allow-private".into(),
        "--resolver".into(),
        server,
        "--timeout-s".into(),
        "5".into(),
        "--max-wait-s".into(),
        "6".into(),
        "--jsonl".into(),
    ];
    let mut addrs: Vec<String> = EXISTING.iter().map(|l| format!("{l}@ratelimit.verify.test")).collect();
    addrs.extend((0..12).map(|k| format!("nobody{k}@ratelimit.verify.test")));
    args.extend(addrs.iter().cloned());
    let out = output_within_deadline(bin().args(&args));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = jsonl(&out);
    assert_eq!(r.len(), addrs.len());
    let mut limited = 0;
    for res in &r {
        let a = res["address"].as_str().unwrap();
        let reason = res["reason"].as_str().unwrap();
        let existing = EXISTING.contains(&a.split('@').next().unwrap());
        let want = if existing { "mailbox_exists" } else { "mailbox_not_found" };
        assert!(reason == want || reason == "rate_limited", "{a}: {res}");
        if reason == "rate_limited" {
            limited += 1;
            assert_eq!(res["verdict"], "unknown");
        }
    }
    // 16 addresses + a catch-all probe against 5 per minute: some must have been throttled
    assert!(limited >= 1, "the receiver allows 5 RCPTs a minute; 17 were needed: {r:?}");
}
