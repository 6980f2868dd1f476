//! Mailbox verification over HTTP against the real `inboxlens serve` binary: `POST /api/verify`
//! and the bulk jobs of `/api/verify/jobs` (status, SSE events, result.csv, DELETE, limits).
//!
//! Two kinds of tests: the job machinery and the request guards on a zone file (`--offline
//! --zone`, `[verify] smtp = false`: no lab needed, always run), and the verdicts through the
//! lab (`verify.test` resolved by the lab resolver, SMTP to its receivers on 127.0.0.70-80,
//! `--allow-private`). The lab tests print SKIPPED when the lab does not answer, and fail under
//! `INBOXLENS_REQUIRE_LAB=1`. The lab's `ratelimit.verify.test` throttles per minute, so no
//! test here asks it.

mod serve_support;
use serde_json::{Value, json};
use serve_support::{Server, client, lab_config, temp_file};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

const ZONE: &str = "\
$ORIGIN v.test.
$TTL 60
@       SOA ns.v.test. h.v.test. 1 300 60 86400 60
@       NS  ns.v.test.
ns      A   127.0.0.2
ok      MX  10 mx.ok.v.test.
mx.ok   A   192.0.2.10
null    MX  0 .
";

/// The added columns of every result row.
const ADDED: &str = "verdict,reason,detail,mx,catch_all,disposable,role,free";

/// A server answering from the test zone only, SMTP verification off, small job limits.
fn offline_server() -> Server {
    let zone = temp_file("v.test.zone", ZONE);
    Server::start(
        "[verify]\nsmtp = false\n[limits]\napi_per_minute = 6000\napi_burst = 1000\nverify_job_body_bytes = 65536\n\
         verify_job_max_rows = 50\n",
        &["--offline", "--zone", zone.to_str().unwrap()],
    )
}

/// `accept.verify.test MX` through the lab resolver (NOERROR with an answer) and the accept
/// receiver listening: else a loud SKIPPED (or a panic under `INBOXLENS_REQUIRE_LAB=1`).
fn verify_lab_or_skip(test: &str) -> bool {
    let answers = (|| {
        let sock = UdpSocket::bind("127.0.0.1:0").ok()?;
        sock.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        let mut q = vec![0x56, 0x45, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for label in ["accept", "verify", "test"] {
            q.push(label.len() as u8);
            q.extend_from_slice(label.as_bytes());
        }
        q.extend_from_slice(&[0, 0, 15, 0, 1]);
        sock.send_to(&q, ("127.0.0.1", 53)).ok()?;
        let mut buf = [0u8; 1500];
        let n = sock.recv(&mut buf).ok()?;
        Some(n >= 12 && buf[0] == 0x56 && buf[1] == 0x45 && (buf[3] & 0x0f) == 0 && (buf[6] != 0 || buf[7] != 0))
    })()
    .unwrap_or(false);
    let peer = "127.0.0.70:25"
        .parse::<SocketAddr>()
        .ok()
        .and_then(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)).ok());
    if answers && peer.is_some() {
        return true;
    }
    if std::env::var("INBOXLENS_REQUIRE_LAB").as_deref() == Ok("1") {
        panic!("{test}: the lab does not answer verify.test (INBOXLENS_REQUIRE_LAB=1); start it with tests/lab/up.sh");
    }
    eprintln!(
        "SKIPPED: {test}: verify.test does not resolve on the lab resolver or its receivers are down (tests/lab/up.sh)"
    );
    false
}

/// A server on the lab: its resolver, private MX addresses allowed, short SMTP deadlines.
fn lab_server(extra_args: &[&str]) -> Server {
    let config = lab_config("") + "\n[verify]\nstep_timeout_ms = 5000\ndns_timeout_ms = 5000\n";
    let mut args = vec!["--resolver", "127.0.0.1", "--allow-private", "--helo", "probe.inboxlens.test"];
    args.extend_from_slice(extra_args);
    Server::start(&config, &args)
}

/// POSTs a list as a job; returns (status, Location, body).
async fn post_job(
    c: &reqwest::Client,
    srv: &Server,
    query: &str,
    ctype: &str,
    body: Vec<u8>,
) -> (u16, Option<String>, Value) {
    let r = c
        .post(srv.url(&format!("/api/verify/jobs{query}")))
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    let body = r.json().await.unwrap_or(Value::Null);
    (status, location, body)
}

/// Polls the job until it is done or failed (bounded: a stalled job fails the test).
async fn wait_finished(c: &reqwest::Client, srv: &Server, id: &str) -> Value {
    for _ in 0..1200 {
        let st: Value = c.get(srv.url(&format!("/api/verify/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
        if st["state"] == "done" || st["state"] == "failed" {
            return st;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish; log:\n{}", srv.log_text());
}

/// The events of an SSE body: (event name, JSON data).
fn sse_events(text: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut event = String::new();
    for line in text.lines() {
        if let Some(e) = line.strip_prefix("event: ") {
            event = e.to_string();
        } else if let Some(d) = line.strip_prefix("data: ") {
            out.push((event.clone(), serde_json::from_str(d).expect("SSE data is JSON")));
        }
    }
    out
}

/// The added columns of each result record (the last 8 fields), header included.
fn added_columns(csv_bytes: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv_bytes);
    r.byte_records()
        .map(|x| {
            let rec = x.unwrap();
            let f: Vec<String> = rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
            f[f.len() - 8..].to_vec()
        })
        .collect()
}

/// Checks that `result` is `raw_rows` in order, each record's bytes followed by `,` and the
/// added columns up to `term`.
fn assert_rows_kept(result: &[u8], raw_rows: &[&[u8]], term: &[u8]) {
    let mut rest = result;
    for (k, raw) in raw_rows.iter().enumerate() {
        assert!(rest.starts_with(raw), "row {k} keeps its bytes: {:?}", String::from_utf8_lossy(rest));
        rest = &rest[raw.len()..];
        assert_eq!(rest[0], b',', "row {k}");
        let end = rest.windows(term.len()).position(|w| w == term).expect("terminator kept");
        rest = &rest[end + term.len()..];
    }
    assert!(rest.is_empty(), "no extra rows: {:?}", String::from_utf8_lossy(rest));
}

#[tokio::test]
async fn verify_request_guards() {
    let srv = offline_server();
    let c = client();
    let url = srv.url("/api/verify");
    // 101 addresses: 400 naming the bound and the jobs route
    let many: Vec<String> = (0..101).map(|i| format!("u{i}@ok.v.test")).collect();
    let r = c.post(&url).json(&json!({ "addresses": many })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("1 to 100"), "{e}");
    assert!(e["error"].as_str().unwrap().contains("/api/verify/jobs"), "{e}");
    // none at all
    let r = c.post(&url).json(&json!({ "addresses": [] })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // not JSON, or JSON of another shape
    for body in ["{\"addresses\": [", "{\"address\": \"a@ok.v.test\"}", "{\"addresses\": [1]}"] {
        let r = c.post(&url).header("content-type", "application/json").body(body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "{body}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("addresses"), "{e}");
    }
    // a CORS-simple content type: 415 before anything runs
    let r = c
        .post(&url)
        .header("content-type", "text/plain")
        .body("{\"addresses\":[\"a@ok.v.test\"]}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);

    // syntax and DNS answers without SMTP, in input order, duplicates answered each
    let addrs = ["a@ok.v.test", "b@null.v.test", "not an address", "a@ok.v.test", "c@nosuch.v.test"];
    let r = c.post(&url).json(&json!({ "addresses": addrs })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["smtp"], false);
    let res = body["results"].as_array().unwrap();
    assert_eq!(res.len(), addrs.len());
    for (r, a) in res.iter().zip(addrs) {
        assert_eq!(r["address"], a);
        for k in ["normalized", "verdict", "reason", "detail", "mx", "catch_all", "disposable", "role", "free", "smtp"]
        {
            assert!(r.get(k).is_some(), "result has {k}: {r}");
        }
    }
    assert_eq!(res[0]["reason"], "mailbox_not_checked");
    assert_eq!(res[0]["verdict"], "unknown");
    assert!(!res[0]["detail"].as_str().unwrap().contains("--no-smtp"), "no CLI flag in server answers: {}", res[0]);
    assert_eq!(res[1]["reason"], "no_mail_domain");
    assert_eq!(res[2]["reason"], "syntax");
    assert_eq!(res[3], res[0]);
    assert_eq!(res[4]["verdict"], "undeliverable");

    // discovery
    let caps: Value = c.get(srv.url("/api/capabilities")).send().await.unwrap().json().await.unwrap();
    assert_eq!(caps["verify"]["available"], true, "{caps}");
    assert_eq!(caps["verify"]["smtp"], false);
    assert!(caps["features"].as_array().unwrap().iter().any(|f| f == "verify"));
    let doc: Value = c.get(srv.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    for p in [
        "/api/verify",
        "/api/verify/jobs",
        "/api/verify/jobs/{id}",
        "/api/verify/jobs/{id}/events",
        "/api/verify/jobs/{id}/result.csv",
    ] {
        assert!(doc["paths"][p].is_object(), "openapi lacks {p}");
    }
}

#[tokio::test]
async fn job_lifecycle_offline() {
    let srv = offline_server();
    let c = client();
    // quoted fields, an escaped quote, a quoted newline, extra columns, an empty cell, CRLF
    let raw_rows: [&[u8]; 6] = [
        b"id,\"Name\",email,notes",
        b"1,\"Smith, J\",a@ok.v.test,\"say \"\"hi\"\"\"",
        b"2,\"multi\nline\",b@null.v.test,",
        b"3,X,,empty address",
        b"4,dup,a@ok.v.test,x",
        b"5,'q',\"c@nosuch.v.test\",\"\"",
    ];
    let mut body = Vec::new();
    for r in raw_rows {
        body.extend_from_slice(r);
        body.extend_from_slice(b"\r\n");
    }
    let (status, location, job) = post_job(&c, &srv, "?column=email", "text/csv", body).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "128 random bits in hex: {id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(location.as_deref(), Some(format!("/api/verify/jobs/{id}").as_str()));
    assert_eq!(job["total"], 5);
    assert!(["queued", "running", "done"].contains(&job["state"].as_str().unwrap()), "{job}");
    assert_eq!(job["format"], "csv");

    // SSE: a progress event at once, then the done event that ends the stream
    let r = c.get(srv.url(&format!("/api/verify/jobs/{id}/events"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let events = sse_events(&r.text().await.unwrap());
    assert_eq!(events.first().map(|e| e.0.as_str()), Some("progress"), "{events:?}");
    let (last, done) = events.last().unwrap();
    assert_eq!(last, "done", "{events:?}");
    assert_eq!(events.iter().filter(|e| e.0 == "done").count(), 1);
    assert_eq!(done["state"], "done");

    let st = wait_finished(&c, &srv, &id).await;
    assert_eq!(st["state"], "done", "{st}");
    assert_eq!(st["done"], 5);
    assert_eq!(st["error"], Value::Null);
    assert_eq!(st["counts"], json!({"deliverable": 0, "undeliverable": 3, "risky": 0, "unknown": 2}));
    assert_eq!(st["reasons"]["mailbox_not_checked"], 2);
    assert_eq!(st["reasons"]["no_mail_domain"], 2);
    assert_eq!(st["reasons"]["syntax"], 1);
    assert_eq!(done["counts"], st["counts"]);

    let r = c.get(srv.url(&format!("/api/verify/jobs/{id}/result.csv"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(format!("id,\"Name\",email,notes,{ADDED}\r\n").as_bytes()));
    assert_rows_kept(&bytes, &raw_rows, b"\r\n");
    let cols = added_columns(&bytes);
    assert_eq!(cols.len(), 6);
    assert_eq!(&cols[1][..2], ["unknown", "mailbox_not_checked"]);
    assert_eq!(cols[1][3], "mx.ok.v.test");
    assert_eq!(&cols[2][..2], ["undeliverable", "no_mail_domain"]);
    assert_eq!(&cols[3][..2], ["undeliverable", "syntax"]);
    assert_eq!(cols[4], cols[1], "a duplicate is answered like the first");
    assert_eq!(&cols[5][..2], ["undeliverable", "no_mail_domain"]);

    // a text list (one address per line)
    let (status, _, job) = post_job(&c, &srv, "", "text/plain", b"a@ok.v.test\n\nb@null.v.test\n".to_vec()).await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["format"], "txt");
    assert_eq!(job["total"], 2);
    let tid = job["id"].as_str().unwrap().to_string();
    assert_eq!(wait_finished(&c, &srv, &tid).await["state"], "done");
    let text =
        c.get(srv.url(&format!("/api/verify/jobs/{tid}/result.csv"))).send().await.unwrap().text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("address,{ADDED}"));
    assert!(lines[1].starts_with("a@ok.v.test,unknown,mailbox_not_checked,"), "{text}");
    assert!(lines[2].starts_with("b@null.v.test,undeliverable,no_mail_domain,"), "{text}");
    assert_eq!(lines.len(), 3);

    // DELETE drops the job and its result
    let r = c.delete(srv.url(&format!("/api/verify/jobs/{id}"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    for path in ["", "/events", "/result.csv"] {
        let r = c.get(srv.url(&format!("/api/verify/jobs/{id}{path}"))).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
    }
}

#[tokio::test]
async fn job_input_errors_and_limits() {
    let srv = offline_server();
    let c = client();
    // unknown ids
    for path in ["", "/events", "/result.csv"] {
        let r =
            c.get(srv.url(&format!("/api/verify/jobs/00112233445566778899aabbccddeeff{path}"))).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
        let e: Value = r.json().await.unwrap();
        assert!(e["error"].as_str().unwrap().contains("no verification job"), "{e}");
    }
    let r = c.delete(srv.url("/api/verify/jobs/nope")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // a body over verify_job_body_bytes (64 KiB here): 413
    let big = "a@ok.v.test\n".repeat(10_000).into_bytes();
    let (status, _, e) = post_job(&c, &srv, "", "text/plain", big).await;
    assert_eq!(status, 413, "{e}");
    assert!(e["error"].as_str().unwrap().contains("65536"), "{e}");
    // more rows than verify_job_max_rows (50 here): 400
    let (status, _, e) = post_job(&c, &srv, "", "text/plain", "a@ok.v.test\n".repeat(51).into_bytes()).await;
    assert_eq!(status, 400);
    assert!(e["error"].as_str().unwrap().contains("more than 50 rows"), "{e}");
    // binary, missing column, empty, header only: 400 with the reader's message
    let cases: [(&str, &str, &[u8], &str); 5] = [
        ("", "text/plain", b"PK\x03\x04\x00\x00\x00\x00\x14\x00", "not a text/CSV file"),
        ("?column=mail", "text/csv", b"name,email\nA,a@ok.v.test\n", "no column \"mail\""),
        ("", "text/csv", b"name,phone\nA,1\n", "columns found are"),
        ("", "text/plain", b"", "no address"),
        ("", "text/csv", b"email\r\n", "no address"),
    ];
    for (query, ctype, body, want) in cases {
        let (status, _, e) = post_job(&c, &srv, query, ctype, body.to_vec()).await;
        assert_eq!(status, 400, "{want}: {e}");
        let msg = e["error"].as_str().unwrap();
        assert!(msg.contains(want), "{want}: {e}");
        assert!(!msg.contains("--column"), "HTTP wording: {e}");
    }
    // other content types: 415; a page of another site: 403
    let (status, _, _) = post_job(&c, &srv, "", "application/json", b"[\"a@ok.v.test\"]".to_vec()).await;
    assert_eq!(status, 415);
    let (status, _, _) = post_job(&c, &srv, "", "application/x-www-form-urlencoded", b"a=b".to_vec()).await;
    assert_eq!(status, 415);
    let r = c
        .post(srv.url("/api/verify/jobs"))
        .header("content-type", "text/plain")
        .header("origin", "https://evil.example")
        .body("a@ok.v.test\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "a CORS-simple cross-site POST must not start a job");
    let (status, _, e) = post_job(&c, &srv, "?format=xml", "text/plain", b"a@ok.v.test\n".to_vec()).await;
    assert_eq!(status, 400, "{e}");
}

#[tokio::test]
async fn lab_verify_request_verdicts() {
    if !verify_lab_or_skip("lab_verify_request_verdicts") {
        return;
    }
    let srv = lab_server(&[]);
    let c = client();
    let addrs = [
        "user@accept.verify.test",
        "nobody@accept.verify.test",
        "a@nullmx.verify.test",
        "x@catchall.verify.test",
        "user@block.verify.test",
        "user@accept.verify.test",
    ];
    let r = c.post(srv.url("/api/verify")).json(&json!({ "addresses": addrs })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", srv.log_text());
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["smtp"], true);
    let res = body["results"].as_array().unwrap();
    assert_eq!(res.len(), addrs.len());
    let got: Vec<(&str, &str, &str)> = res
        .iter()
        .map(|r| (r["address"].as_str().unwrap(), r["verdict"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("user@accept.verify.test", "deliverable", "mailbox_exists"),
            ("nobody@accept.verify.test", "undeliverable", "mailbox_not_found"),
            ("a@nullmx.verify.test", "undeliverable", "no_mail_domain"),
            ("x@catchall.verify.test", "risky", "catch_all"),
            ("user@block.verify.test", "unknown", "blocked"),
            ("user@accept.verify.test", "deliverable", "mailbox_exists"),
        ],
        "{body}"
    );
    assert_eq!(res[0]["mx"], "mx.accept.verify.test");
    assert_eq!(res[0]["smtp"]["code"], 250);
    assert_eq!(res[3]["catch_all"], true);
    assert_eq!(res[1]["smtp"]["code"], 550);
    let caps: Value = c.get(srv.url("/api/capabilities")).send().await.unwrap().json().await.unwrap();
    assert_eq!(caps["verify"]["smtp"], true);
    assert_eq!(caps["verify"]["helo"], "probe.inboxlens.test", "--helo names the verification sessions");
}

#[tokio::test]
async fn lab_job_counts_events_and_result() {
    if !verify_lab_or_skip("lab_job_counts_events_and_result") {
        return;
    }
    let srv = lab_server(&[]);
    let c = client();
    // a greylisted address (fresh local part: greylisted at least LAB_VERIFY_GREY_S seconds)
    // keeps the job running while result.csv is asked for
    let grey = format!("g{}x{}@grey.verify.test", std::process::id(), rand_suffix());
    let rows: Vec<Vec<u8>> = vec![
        b"\"Full name\",Email,extra".to_vec(),
        b"\"Doe, Jane\",user@accept.verify.test,\"a \"\"b\"\"\"".to_vec(),
        b"Nobody,nobody@accept.verify.test,".to_vec(),
        b"\"Null\nMX\",a@nullmx.verify.test,z".to_vec(),
        b"Catch,x@catchall.verify.test,1".to_vec(),
        b"Block,user@block.verify.test,2".to_vec(),
        b"Bad,not-an-address,3".to_vec(),
        b"Dup,user@accept.verify.test,4".to_vec(),
        format!("Grey,{grey},5").into_bytes(),
    ];
    let mut body = Vec::new();
    for r in &rows {
        body.extend_from_slice(r);
        body.push(b'\n');
    }
    let (status, location, job) = post_job(&c, &srv, "", "text/csv", body).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    assert!(location.unwrap().ends_with(&id));
    assert_eq!(job["total"], 8);

    let r = c.get(srv.url(&format!("/api/verify/jobs/{id}/result.csv"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 409, "the greylisted row keeps the job running");
    let e: Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("ready when its state is done"), "{e}");

    let r = c.get(srv.url(&format!("/api/verify/jobs/{id}/events"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let events = sse_events(&r.text().await.unwrap());
    let progress: Vec<&Value> = events.iter().filter(|e| e.0 == "progress").map(|e| &e.1).collect();
    assert!(!progress.is_empty(), "{events:?}");
    assert!(progress.iter().all(|p| p["state"] != "failed"), "{events:?}");
    let (last, done) = events.last().unwrap();
    assert_eq!(last, "done");
    assert_eq!(done["state"], "done", "{done}");
    // progress only grows
    let dones: Vec<u64> = progress.iter().map(|p| p["done"].as_u64().unwrap()).collect();
    assert!(dones.windows(2).all(|w| w[0] <= w[1]), "{dones:?}");

    let st = wait_finished(&c, &srv, &id).await;
    assert_eq!(st["state"], "done", "{st}");
    assert_eq!(st["done"], 8);
    let counts = &st["counts"];
    assert_eq!(counts["deliverable"], 2, "{st}");
    assert_eq!(counts["risky"], 1, "{st}");
    // nobody@, nullmx, syntax; the grey row's answer after its greylisting is the peer's
    assert!(counts["undeliverable"].as_u64().unwrap() >= 3, "{st}");
    assert!(counts["unknown"].as_u64().unwrap() >= 1, "{st}");
    assert_eq!(counts["undeliverable"].as_u64().unwrap() + counts["unknown"].as_u64().unwrap(), 5, "{st}");
    assert_eq!(st["reasons"]["mailbox_exists"], 2);
    assert_eq!(st["reasons"]["blocked"], 1);
    assert_eq!(st["reasons"]["catch_all"], 1);

    let bytes =
        c.get(srv.url(&format!("/api/verify/jobs/{id}/result.csv"))).send().await.unwrap().bytes().await.unwrap();
    assert!(bytes.starts_with(format!("\"Full name\",Email,extra,{ADDED}\n").as_bytes()));
    let expected: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
    assert_rows_kept(&bytes, &expected, b"\n");
    let cols = added_columns(&bytes);
    let verdicts: Vec<(&str, &str)> = cols[1..8].iter().map(|c| (c[0].as_str(), c[1].as_str())).collect();
    assert_eq!(
        verdicts,
        [
            ("deliverable", "mailbox_exists"),
            ("undeliverable", "mailbox_not_found"),
            ("undeliverable", "no_mail_domain"),
            ("risky", "catch_all"),
            ("unknown", "blocked"),
            ("undeliverable", "syntax"),
            ("deliverable", "mailbox_exists"),
        ]
    );
    assert_eq!(cols[1][3], "mx.accept.verify.test");
    assert_eq!(cols[4][4], "true", "catch_all column");
}

/// A few random digits for a fresh greylisting triplet (the test process's clock is enough).
fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
        % 1_000_000_007
}
