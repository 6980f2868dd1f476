//! The SMTP submission tester (issue 12) against the lab: Postfix mx.good.test with Dovecot SASL
//! (587 STARTTLS with AUTH only after TLS, 465 implicit TLS, 25 without AUTH, 2525 closed; a real
//! login, a wrong password answered 535 5.7.8, a real test send), and the aiosmtpd peer
//! `tests/lab/bin/submitsmtp.py` on 127.0.0.41/42 that answers every row of the failure table
//! the way providers do. CLI (`inboxlens smtp-test --json`) and HTTP (`POST /api/smtp-test`),
//! including the attempt limit that stops password guessing before the target is reached.

mod serve_support;
use serde_json::{Value, json};
use serve_support::{Server, client, lab_ca, lab_or_skip, temp_file};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

/// The lab's SASL user (tests/lab/lab.env).
fn submit_user() -> String {
    std::env::var("LAB_SUBMIT_USER").unwrap_or_else(|_| "submit@good.test".into())
}

fn submit_password() -> String {
    std::env::var("LAB_SUBMIT_PASSWORD").unwrap_or_else(|_| "lab-submit-secret".into())
}

/// The peer's only good password (tests/lab/bin/submitsmtp.py).
const PEER_PASSWORD: &str = "submit-secret";

fn open(addr: &str) -> bool {
    addr.parse::<SocketAddr>().ok().and_then(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)).ok()).is_some()
}

/// The lab, and the submission peer on 127.0.0.41/42 (started by tests/lab/up.sh).
fn peer_or_skip(test: &str) -> bool {
    if !lab_or_skip(test) {
        return false;
    }
    if open("127.0.0.41:587") && open("127.0.0.42:587") {
        return true;
    }
    if std::env::var("INBOXLENS_REQUIRE_LAB").as_deref() == Ok("1") {
        panic!("{test}: the submission peer (tests/lab/bin/submitsmtp.py on 127.0.0.41/42) is not running");
    }
    eprintln!("SKIPPED: {test}: the submission peer (127.0.0.41/42, tests/lab/up.sh) is not running");
    false
}

/// Names for the peer: submit.lab.test -> 127.0.0.41, submit2.lab.test -> 127.0.0.42 (its
/// certificate names both; 127.0.0.41 as an IP literal is the name-mismatch case).
fn peer_zone() -> std::path::PathBuf {
    temp_file(
        "submit.zone",
        "$ORIGIN lab.test.\n$TTL 300\n@ IN SOA ns.lab.test. host.lab.test. 1 3600 600 86400 300\n\
         submit IN A 127.0.0.41\nsubmit2 IN A 127.0.0.42\n",
    )
}

/// Logins to the lab Postfix one test at a time: Dovecot delays every login from an address
/// after failed ones (its auth penalty, up to 15 s), so the tests that log in take turns and
/// wait up to [`POSTFIX_STEP_S`] per reply.
static POSTFIX: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
/// Per-step deadline for sessions that log in to the lab Postfix (auth penalty + 2 s delay).
const POSTFIX_STEP_S: &str = "20";

fn postfix_turn() -> tokio::sync::MutexGuard<'static, ()> {
    POSTFIX.blocking_lock()
}

/// Runs `inboxlens smtp-test ARGS --json` with the lab resolver, CA and `--allow-private`;
/// the password (if any) through the environment. Returns (exit code, report, stderr).
fn cli(args: &[&str], password: Option<&str>) -> (i32, Value, String) {
    cli_with(args, password, "5")
}

fn cli_with(args: &[&str], password: Option<&str>, timeout_s: &str) -> (i32, Value, String) {
    cli_ca(args, password, timeout_s, true)
}

/// `with_ca`: the lab CA as `--ca-file` (without it the lab certificates are untrusted).
fn cli_ca(args: &[&str], password: Option<&str>, timeout_s: &str, with_ca: bool) -> (i32, Value, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_inboxlens"));
    cmd.arg("smtp-test").args(args).args([
        "--json",
        "--resolver",
        "127.0.0.1",
        "--allow-private",
        "--timeout-s",
        timeout_s,
    ]);
    cmd.args(["--zone", peer_zone().to_str().unwrap(), "--helo", "probe.inboxlens.test"]);
    if let Some(ca) = lab_ca().filter(|_| with_ca) {
        cmd.arg("--ca-file").arg(ca);
    }
    if let Some(p) = password {
        cmd.env("SMTP_TEST_PASSWORD", p).args(["--password-env", "SMTP_TEST_PASSWORD"]);
    }
    let out = cmd.output().expect("run inboxlens smtp-test");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: stdout {stdout:?}, stderr {stderr}"));
    (out.status.code().unwrap_or(-1), report, stderr)
}

fn row<'a>(rep: &'a Value, port: u64, security: &str) -> &'a Value {
    rep["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["port"] == port && r["security"] == security)
        .unwrap_or_else(|| panic!("no row {port} {security}: {rep:#}"))
}

fn finding_ids(rep: &Value) -> Vec<String> {
    rep["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

/// No transcript line carries a secret: AUTH lines are redacted.
fn assert_redacted(rep: &Value, secrets: &[&str]) {
    let text = rep.to_string();
    for s in secrets {
        assert!(!text.contains(s), "a secret leaked into the report");
    }
    use base64::Engine as _;
    for r in rep["results"].as_array().unwrap() {
        for l in r["transcript"].as_array().unwrap() {
            let l = l.as_str().unwrap();
            if l.starts_with("C: AUTH") {
                assert!(
                    l == "C: AUTH PLAIN <redacted>" || l == "C: AUTH PLAIN" || l.starts_with("C: AUTH LOGIN"),
                    "{l}"
                );
            }
        }
    }
    for s in secrets {
        let b64 = base64::engine::general_purpose::STANDARD.encode(s);
        assert!(!text.contains(&b64), "a base64 secret leaked");
    }
}

#[test]
fn postfix_matrix_login_and_test_send() {
    if !lab_or_skip("postfix_matrix_login_and_test_send") {
        return;
    }
    let (user, password) = (submit_user(), submit_password());
    let _turn = postfix_turn();
    let (code, rep, stderr) = cli_with(
        &["mx.good.test", "--user", &user, "--send-to", "someone@example.org"],
        Some(&password),
        POSTFIX_STEP_S,
    );
    assert_eq!(code, 0, "{stderr}\n{rep:#}");
    assert_eq!(rep["host"], "mx.good.test");
    assert_eq!(rep["results"].as_array().unwrap().len(), 12, "4 ports x 3 securities");
    assert_eq!(
        rep["recommended"],
        json!({"port": 587, "security": "starttls", "auth": "PLAIN", "text": "port 587, STARTTLS, AUTH PLAIN"})
    );

    let r587 = row(&rep, 587, "starttls");
    assert_eq!(r587["connected"], true);
    assert!(r587["banner"].as_str().unwrap().starts_with("mx.good.test"), "{r587}");
    assert!(r587["tls_version"].as_str().unwrap().starts_with("TLSv1."));
    assert_eq!(r587["cert"]["trusted"], true);
    assert_eq!(r587["cert"]["hostname_match"], true);
    assert!(r587["cert"]["not_after"].as_str().unwrap().ends_with('Z'));
    assert_eq!(r587["auth_before_tls"], false, "Postfix offers AUTH only after STARTTLS");
    assert_eq!(r587["auth_mechanisms"], json!(["PLAIN", "LOGIN"]));
    let login = &r587["login"];
    assert_eq!(login["attempted"], true);
    assert_eq!(login["ok"], true);
    assert_eq!(login["code"], 235);
    assert_eq!(login["enhanced_code"], "2.7.0");
    assert!(login["reply"].as_str().unwrap().starts_with("235 2.7.0"));
    assert!(login["explanation"].is_null());
    // The best row first; accepted, so the other candidate (465) was logged in too; no other
    // row got the password (25 offers no AUTH, the rest have no TLS).
    let attempted: Vec<(u64, String)> = rep["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["login"]["attempted"] == true)
        .map(|r| (r["port"].as_u64().unwrap(), r["security"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(attempted, [(465, "implicit".to_string()), (587, "starttls".to_string())], "{rep:#}");

    // The real test send through the authenticated session (Postfix queues it).
    let send = &rep["send"];
    assert_eq!(send["accepted"], true, "{send}");
    assert_eq!(send["port"], 587);
    assert_eq!(send["code"], 250);
    assert!(send["reply"].as_str().unwrap().contains("queued as"), "{send}");
    let t = r587["transcript"].as_array().unwrap();
    assert!(t.iter().any(|l| l == "C: AUTH PLAIN <redacted>"), "{t:?}");
    assert!(t.iter().any(|l| l.as_str().unwrap().starts_with("C: <message, ")), "{t:?}");

    // 465 implicit works too; the mismatches and the closed port are explained.
    let r465 = row(&rep, 465, "implicit");
    assert_eq!(r465["tls_version"].as_str().map(|v| v.starts_with("TLSv1.")), Some(true));
    assert_eq!(r465["login"]["ok"], true, "{r465}");
    assert_eq!(r465["usable"], true);
    assert_eq!(r465["auth_mechanisms"], json!(["PLAIN", "LOGIN"]));
    assert_eq!(row(&rep, 587, "implicit")["failure"], "implicit_tls_on_starttls_port");
    assert_eq!(row(&rep, 465, "starttls")["failure"], "starttls_on_implicit_port");
    assert_eq!(row(&rep, 587, "none")["login"]["failure"], "auth_not_offered_before_tls");
    for security in ["implicit", "starttls", "none"] {
        let r = row(&rep, 2525, security);
        assert_eq!(r["connected"], false);
        assert_eq!(r["failure"], "connection_refused");
        assert!(r["source"].as_str().unwrap().starts_with("RFC"), "{r}");
    }
    let ids = finding_ids(&rep);
    for id in [
        "submission.implicit_tls_on_starttls_port",
        "submission.starttls_on_implicit_port",
        "submission.auth_not_offered_before_tls",
        "submission.connection_refused",
    ] {
        assert!(ids.contains(&id.to_string()), "{id} in {ids:?}");
    }
    assert_redacted(&rep, &[&password]);

    // Without the lab CA the chain is untrusted but names the host: reported, and the login
    // still happens (a mail client can be told to accept it).
    let (code, rep, _) = cli_ca(
        &["mx.good.test", "--port", "587", "--security", "starttls", "--user", &user],
        Some(&password),
        POSTFIX_STEP_S,
        false,
    );
    assert_eq!(code, 0, "{rep:#}");
    let r = row(&rep, 587, "starttls");
    assert_eq!((r["cert"]["trusted"].clone(), r["cert"]["hostname_match"].clone()), (json!(false), json!(true)));
    assert_eq!(r["failure"], "cert_untrusted");
    assert_eq!(r["login"]["ok"], true);
    assert_eq!(rep["recommended"]["text"], "port 587, STARTTLS, AUTH PLAIN");
    assert!(finding_ids(&rep).contains(&"submission.cert_untrusted".to_string()));
}

#[test]
fn postfix_wrong_password_is_535_5_7_8() {
    if !lab_or_skip("postfix_wrong_password_is_535_5_7_8") {
        return;
    }
    let _turn = postfix_turn();
    let (code, rep, _) = cli_with(
        &["mx.good.test", "--port", "587", "--security", "starttls", "--user", &submit_user()],
        Some("not-the-password"),
        POSTFIX_STEP_S,
    );
    assert_eq!(code, 1, "nothing works with a wrong password");
    assert!(rep["recommended"].is_null());
    let login = &row(&rep, 587, "starttls")["login"];
    assert_eq!(login["attempted"], true);
    assert_eq!(login["ok"], false);
    assert_eq!(login["code"], 535);
    assert_eq!(login["enhanced_code"], "5.7.8");
    assert_eq!(login["failure"], "bad_credentials");
    assert!(login["reply"].as_str().unwrap().starts_with("535 5.7.8"), "{login}");
    assert!(login["explanation"].as_str().unwrap().contains("RFC 4954 §6"));
    assert_eq!(login["source"], "RFC 4954 §6");
    assert_eq!(finding_ids(&rep), ["submission.bad_credentials"]);
    let (_, rep, _) = cli_with(&["mx.good.test", "--user", &submit_user()], Some("not-the-password"), POSTFIX_STEP_S);
    let attempted = rep["results"].as_array().unwrap().iter().filter(|r| r["login"]["attempted"] == true).count();
    assert_eq!(attempted, 1, "a refused password is not tried on the other rows: {rep:#}");
    assert!(rep["recommended"].is_null());
    assert_redacted(&rep, &["not-the-password"]);
}

#[test]
fn peer_answers_every_row_of_the_failure_table() {
    if !peer_or_skip("peer_answers_every_row_of_the_failure_table") {
        return;
    }
    // The user name picks the provider failure; 587 STARTTLS with a trusted certificate.
    for (user, kind, code, enhanced) in [
        ("badpass@submit.lab.test", "bad_credentials", 535, "5.7.8"),
        ("app2fa@submit.lab.test", "app_password_required", 534, "5.7.9"),
        ("m365off@submit.lab.test", "smtp_auth_disabled", 535, "5.7.139"),
        ("ms535@submit.lab.test", "bad_credentials", 535, "5.7.3"),
        ("tempfail@submit.lab.test", "auth_temporary_failure", 454, "4.7.0"),
    ] {
        let (code_exit, rep, _) =
            cli(&["submit.lab.test", "--port", "587", "--security", "starttls", "--user", user], Some(PEER_PASSWORD));
        assert_eq!(code_exit, 1, "{user}");
        let login = &row(&rep, 587, "starttls")["login"];
        assert_eq!(login["attempted"], true, "{user}");
        assert_eq!(login["failure"], kind, "{user}: {login}");
        assert_eq!(login["code"], code, "{user}");
        assert_eq!(login["enhanced_code"], enhanced, "{user}");
        assert!(!login["explanation"].as_str().unwrap().is_empty());
        assert!(finding_ids(&rep).contains(&format!("submission.{kind}")), "{user}");
    }
    // Gmail's two-line 534 is kept exactly as sent.
    let (_, rep, _) = cli(
        &["submit.lab.test", "--port", "465", "--security", "implicit", "--user", "app2fa@submit.lab.test"],
        Some(PEER_PASSWORD),
    );
    let reply = row(&rep, 465, "implicit")["login"]["reply"].as_str().unwrap().to_string();
    assert!(
        reply.starts_with("534-5.7.9 Application-specific password required") && reply.contains("\n534 5.7.9"),
        "{reply}"
    );
    assert!(row(&rep, 465, "implicit")["login"]["source"].as_str().unwrap().contains("support.google.com"));

    // The whole matrix with the good password: 587 STARTTLS recommended; 25 wants STARTTLS
    // first (530 5.7.0 to the secret-less AUTH), 2525 speaks implicit TLS where STARTTLS is
    // expected.
    let (code, rep, _) = cli(&["submit.lab.test", "--user", "ok@submit.lab.test"], Some(PEER_PASSWORD));
    assert_eq!(code, 0, "{rep:#}");
    assert_eq!(rep["recommended"]["text"], "port 587, STARTTLS, AUTH PLAIN");
    let r25 = row(&rep, 25, "none");
    assert_eq!(r25["auth_before_tls"], true);
    assert_eq!(r25["login"]["attempted"], false, "no secret is ever sent in clear");
    assert_eq!(r25["login"]["code"], 530);
    assert_eq!(r25["login"]["enhanced_code"], "5.7.0");
    assert_eq!(r25["login"]["failure"], "starttls_required");
    assert_eq!(row(&rep, 2525, "starttls")["failure"], "starttls_on_implicit_port");
    let r2525 = row(&rep, 2525, "implicit");
    assert!(r2525["tls_version"].is_string() && r2525["failure"].is_null(), "{r2525}");
    assert_eq!(r2525["login"]["ok"], true, "accepted on 587, so logged in on every candidate");
    assert_eq!(row(&rep, 465, "implicit")["usable"], true);
    assert_redacted(&rep, &[PEER_PASSWORD]);

    // 538 5.7.11 before TLS, and a server that would take the password in clear (334).
    let (_, rep, _) = cli(
        &["submit2.lab.test", "--port", "587", "--security", "none", "--user", "ok@submit.lab.test"],
        Some(PEER_PASSWORD),
    );
    let login = &row(&rep, 587, "none")["login"];
    assert_eq!(
        (login["code"].clone(), login["failure"].clone()),
        (json!(538), json!("encryption_required")),
        "{login}"
    );
    let (_, rep, _) = cli(
        &["submit2.lab.test", "--port", "25", "--security", "none", "--user", "ok@submit.lab.test"],
        Some(PEER_PASSWORD),
    );
    let r = row(&rep, 25, "none");
    assert_eq!(r["login"]["failure"], "auth_cleartext_accepted", "{r}");
    assert_eq!(r["login"]["attempted"], false);
    assert!(
        r["transcript"].as_array().unwrap().iter().any(|l| l == "C: AUTH PLAIN"),
        "secret-less AUTH, then cancelled"
    );
    assert_redacted(&rep, &[PEER_PASSWORD]);

    // The certificate names submit.lab.test: by IP address the name does not match, and no
    // password is sent.
    let (code, rep, _) = cli(
        &["127.0.0.41", "--port", "587", "--security", "starttls", "--user", "ok@submit.lab.test"],
        Some(PEER_PASSWORD),
    );
    assert_eq!(code, 1);
    let r = row(&rep, 587, "starttls");
    assert_eq!(r["cert"]["hostname_match"], false);
    assert_eq!(r["cert"]["trusted"], true, "{r}");
    assert_eq!(r["failure"], "cert_name_mismatch");
    assert_eq!(r["login"]["attempted"], false);
    assert!(!r["transcript"].as_array().unwrap().iter().any(|l| l.as_str().unwrap().starts_with("C: AUTH")));

    // A test send from an address the login does not own: 553 5.7.1, explained.
    let (_, rep, _) = cli(
        &[
            "submit.lab.test",
            "--port",
            "465",
            "--user",
            "ok@submit.lab.test",
            "--send-to",
            "someone@example.org",
            "--from",
            "other@submit.lab.test",
        ],
        Some(PEER_PASSWORD),
    );
    assert_eq!(rep["send"]["code"], 553, "{}", rep["send"]);
    assert_eq!(rep["send"]["failure"], "sender_not_owned");
    assert_eq!(rep["send"]["accepted"], false);
}

#[test]
fn refused_targets_and_bad_usage() {
    // No lab needed: a private address without --allow-private is refused before any dial.
    let out = Command::new(env!("CARGO_BIN_EXE_inboxlens"))
        .args(["smtp-test", "127.0.0.10", "--port", "587", "--offline", "--zone"])
        .arg(peer_zone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing"), "{}", String::from_utf8_lossy(&out.stderr));
    // A password is never an argument.
    let out = Command::new(env!("CARGO_BIN_EXE_inboxlens"))
        .args(["smtp-test", "smtp.example.com", "--user", "u@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--password-env"));
    let out = Command::new(env!("CARGO_BIN_EXE_inboxlens"))
        .args(["smtp-test", "smtp.example.com", "--port", "8025", "--offline", "--zone"])
        .arg(peer_zone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "only the SMTP ports");
}

/// Config for the HTTP tests: lab CA, 20 s per reply (Dovecot's auth penalty),
/// generous API limits so only the login limits speak.
fn http_config(extra_limits: &str) -> String {
    let anchors =
        lab_ca().map(|p| format!("extra_trust_anchors = [{:?}]\n", p.display().to_string())).unwrap_or_default();
    format!(
        "{anchors}\n[smtp]\nehlo_name = \"probe.inboxlens.test\"\nconnect_timeout_ms = 3000\nbanner_timeout_ms = 3000\n\
         command_timeout_ms = 20000\nsession_timeout_ms = 60000\n\n[limits]\napi_per_minute = 6000\napi_burst = 1000\n\
         host_sessions_per_minute = 6000\nhost_sessions_burst = 1000\n{extra_limits}"
    )
}

async fn post(srv: &Server, body: Value) -> (u16, Value) {
    let r = client().post(srv.url("/api/smtp-test")).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn http_login_and_the_same_report() {
    if !lab_or_skip("http_login_and_the_same_report") {
        return;
    }
    let srv = Server::start(&http_config(""), &["--resolver", "127.0.0.1", "--allow-private"]);
    let password = submit_password();
    let _turn = POSTFIX.lock().await;
    let (status, rep) = post(
        &srv,
        json!({"host": "mx.good.test", "user": submit_user(), "password": password, "send_to": "someone@example.org"}),
    )
    .await;
    assert_eq!(status, 200, "{rep}");
    assert_eq!(rep["recommended"]["port"], 587);
    assert_eq!(rep["recommended"]["security"], "starttls");
    assert_eq!(rep["recommended"]["auth"], "PLAIN");
    assert_eq!(row(&rep, 587, "starttls")["login"]["ok"], true);
    assert_eq!(rep["send"]["accepted"], true, "{}", rep["send"]);
    assert_redacted(&rep, &[&password]);
    // One combination, no credentials: recommended from what offers AUTH over TLS.
    let (status, rep) = post(&srv, json!({"host": "mx.good.test", "port": 465, "security": "implicit"})).await;
    assert_eq!(status, 200, "{rep}");
    assert_eq!(rep["results"].as_array().unwrap().len(), 1);
    assert_eq!(rep["recommended"]["text"], "port 465, implicit TLS, AUTH PLAIN");
    assert_eq!(row(&rep, 465, "implicit")["login"]["attempted"], false);
    // Validation at the boundary.
    for bad in [
        json!({"host": "mx.good.test", "port": 8025}),
        json!({"host": "mx.good.test", "security": "ssl"}),
        json!({"host": "mx.good.test", "user": "u"}),
        json!({"host": "mx.good.test", "user": "u\r\nQUIT", "password": "p"}),
        json!({"host": "mx.good.test", "send_to": "x@example.org"}),
        json!({"host": "mx.good.test", "pasword": "typo"}),
    ] {
        let (status, body) = post(&srv, bad.clone()).await;
        assert!(status == 400 || status == 403, "{bad}: {status} {body}");
    }
    // A bad value is not echoed (it could be the password).
    let (status, body) = post(&srv, json!({"host": "mx.good.test", "user": "u", "password": 12345678})).await;
    assert_eq!(status, 400);
    assert!(!body.to_string().contains("12345678"), "{body}");
    assert!(!srv.log_text().contains(&password), "the password is never logged");
}

#[tokio::test]
async fn http_password_guessing_hits_the_login_limit_before_the_target() {
    // Against the peer (every wrong password is a plain 535 5.7.8 there): the lab Postfix's
    // Dovecot slows every later login from this address after failed ones.
    if !peer_or_skip("http_password_guessing_hits_the_login_limit_before_the_target") {
        return;
    }
    let zone = peer_zone();
    let srv = Server::start(
        &http_config("smtp_test_logins_per_minute = 1\nsmtp_test_logins_burst = 3\n"),
        &["--resolver", "127.0.0.1", "--allow-private", "--zone", zone.to_str().unwrap()],
    );
    let guess = |n: usize| json!({"host": "submit.lab.test", "port": 587, "security": "starttls", "user": "ok@submit.lab.test", "password": format!("guess-{n}")});
    for n in 0..3 {
        let (status, rep) = post(&srv, guess(n)).await;
        assert_eq!(status, 200, "{rep}");
        let login = &row(&rep, 587, "starttls")["login"];
        assert_eq!(
            (login["code"].clone(), login["failure"].clone()),
            (json!(535), json!("bad_credentials")),
            "attempt {n}"
        );
    }
    let started = std::time::Instant::now();
    let r = client().post(srv.url("/api/smtp-test")).json(&guess(3)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("guess passwords"), "{body}");
    // Refused before any DNS lookup or connection (the peer's log has 3 refused AUTHs, not 4).
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // The same limit holds for the right password: it is the attempts that are counted.
    let mut right = guess(4);
    right["password"] = json!(PEER_PASSWORD);
    assert_eq!(post(&srv, right).await.0, 429);
    // Without credentials the tester still answers (no login is spent).
    let (status, rep) = post(&srv, json!({"host": "submit.lab.test", "port": 587, "security": "starttls"})).await;
    assert_eq!(status, 200, "{rep}");
    assert_eq!(rep["recommended"]["text"], "port 587, STARTTLS, AUTH PLAIN");
}

#[tokio::test]
async fn http_needs_a_token_off_loopback() {
    // `inboxlens serve --listen 0.0.0.0:0` without INBOXLENS_TOKEN: the route refuses (403)
    // before reading anything; with a token it needs the bearer.
    use std::io::{BufRead, BufReader};
    for token in [None, Some("t0ken-for-smtp-test")] {
        let dir = temp_file("c.toml", "");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_inboxlens"));
        cmd.args(["serve", "--listen", "0.0.0.0:0", "--offline", "--zone"]).arg(peer_zone());
        cmd.arg("--config").arg(&dir).env_remove("INBOXLENS_TOKEN").env_remove("INBOXLENS_CONFIG");
        if let Some(t) = token {
            cmd.env("INBOXLENS_TOKEN", t);
        }
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().rsplit(':').next().unwrap().trim_end_matches('/').to_string();
        let url = format!("http://127.0.0.1:{port}/api/smtp-test");
        let body = json!({"host": "submit.lab.test", "user": "u", "password": "p"});
        let r = client().post(&url).json(&body).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let doc: Value = client()
            .get(url.replace("/api/smtp-test", "/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["paths"]["/api/smtp-test"]["post"].is_object(), "openapi has the route");
        assert!(doc["components"]["schemas"]["SmtpTestReport"]["properties"]["recommended"].is_object());
        match token {
            None => {
                assert_eq!(status, 403, "{text}");
                assert!(text.contains("INBOXLENS_TOKEN"), "{text}");
            }
            Some(t) => {
                assert_eq!(status, 401, "no bearer: {text}");
                let r = client()
                    .post(&url)
                    .bearer_auth(t)
                    .json(&json!({"host": "submit.lab.test", "port": 99}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 403, "with the bearer the request is read (and port 99 refused)");
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
