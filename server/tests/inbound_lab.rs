//! The inbound test address against the real listener (`serve --smtp-listen --inbound-domain`)
//! and the mail lab: direct SMTP sessions (plain, STARTTLS, pipelined, oversized, unknown
//! address, slow client, a blocklisted source address), a restart that keeps the report, and
//! the lab's Postfix relaying a DKIM-signed message to the listener on $LAB_INBOUND_LISTEN.
//! SKIPPED without the lab (failing under INBOXLENS_REQUIRE_LAB=1).

mod serve_support;

use serde_json::Value;
use serve_support::{Server, client, lab_config, lab_or_skip};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

const DOMAIN: &str = "inbound.test";

fn lab_state() -> PathBuf {
    PathBuf::from(std::env::var("LAB_STATE").unwrap_or_else(|_| "/tmp/inboxlens-lab".into()))
}

/// A database path of this test run (outside the server's own temp dir, so a restarted
/// server finds it).
fn db_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("inboxlens-inbound-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.redb"));
    let _ = std::fs::remove_file(&p);
    p
}

/// The lab config plus an `[inbound]` section (mx.good.test's lab certificate for STARTTLS).
fn config(db: &Path, extra: &str) -> String {
    let tls = lab_state().join("keys/tls");
    lab_config(&format!(
        "resolver = \"127.0.0.1\"\n[inbound]\ndb_path = {:?}\ntls_cert = {:?}\ntls_key = {:?}\nhostname = \"mx.inbound.test\"\n{extra}\n",
        db.display().to_string(),
        tls.join("mx.good.test.fullchain.pem").display().to_string(),
        tls.join("mx.good.test.key").display().to_string(),
    ))
}

fn start(listen: &str, db: &Path, extra: &str, allow_private: bool) -> Server {
    let mut args = vec!["--smtp-listen", listen, "--inbound-domain", DOMAIN];
    if allow_private {
        args.push("--allow-private");
    }
    Server::start(&config(db, extra), &args)
}

async fn new_address(srv: &Server) -> (String, String) {
    let v: Value = client().get(srv.url("/api/inbound")).send().await.unwrap().json().await.unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    let address = v["address"].as_str().unwrap().to_string();
    assert_eq!(address, format!("{token}@{DOMAIN}"));
    assert!(v["expires_at"].as_i64().unwrap() > 0);
    (token, address)
}

/// Polls `GET /api/inbound/{token}` until the report is there (status 200).
async fn report(srv: &Server, token: &str) -> Value {
    for _ in 0..240 {
        let r = client().get(srv.url(&format!("/api/inbound/{token}"))).send().await.unwrap();
        match r.status().as_u16() {
            200 => return r.json().await.unwrap(),
            202 => tokio::time::sleep(Duration::from_millis(250)).await,
            other => panic!("GET /api/inbound/{token}: {other} {}", r.text().await.unwrap_or_default()),
        }
    }
    panic!("no report for {token} after 60 s; log:\n{}", srv.log_text());
}

/// A message from sender@good.test, DKIM-signed with the lab key (selector s1).
fn signed_message(to: &str, subject: &str) -> Vec<u8> {
    use mail_auth::crypto::{RsaKey, Sha256};
    use mail_auth::dkim::DkimSigner;
    use rustls_pki_types::PrivateKeyDer;
    use rustls_pki_types::pem::PemObject;
    let date = "Fri, 04 Dec 2026 18:00:00 +0000";
    let body = format!(
        "From: Sender <sender@good.test>\r\nTo: <{to}>\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{}@good.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello from the lab.\r\n.leading dot line\r\n",
        subject.replace(' ', "-")
    );
    let key_path = std::env::var("LAB_DKIM_KEY")
        .map(PathBuf::from)
        .unwrap_or_else(|_| lab_state().join("keys/dkim/s1.good.test.pem"));
    let pem = std::fs::read(&key_path).expect("lab DKIM key");
    let key = RsaKey::<Sha256>::from_key_der(PrivateKeyDer::from_pem_slice(&pem).unwrap()).unwrap();
    let sig = DkimSigner::from_key(key)
        .domain("good.test")
        .selector("s1")
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .sign(body.as_bytes())
        .unwrap();
    let mut out = mail_auth::headers::HeaderWriter::to_header(&sig).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// A tiny SMTP client over any stream: writes lines, reads (multi-line) replies.
struct Smtp<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Smtp<S> {
    fn new(io: S) -> Self {
        Smtp { io: BufReader::new(io) }
    }

    /// One reply: (code, all lines).
    async fn reply(&mut self) -> (u16, Vec<String>) {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(30), self.io.read_line(&mut line))
                .await
                .expect("reply deadline")
                .expect("read");
            assert!(n > 0, "connection closed; lines so far {lines:?}");
            let line = line.trim_end().to_string();
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                break;
            }
        }
        (lines[0][..3].parse().unwrap(), lines)
    }

    async fn send(&mut self, data: &[u8]) {
        self.io.get_mut().write_all(data).await.unwrap();
        self.io.get_mut().flush().await.unwrap();
    }

    async fn cmd(&mut self, line: &str) -> (u16, Vec<String>) {
        self.send(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// DATA with dot-stuffing; the reply to the final dot.
    async fn data(&mut self, message: &[u8]) -> (u16, Vec<String>) {
        assert_eq!(self.cmd("DATA").await.0, 354);
        let mut out = Vec::new();
        for line in message.split_inclusive(|b| *b == b'\n') {
            if line.first() == Some(&b'.') {
                out.push(b'.');
            }
            out.extend_from_slice(line);
        }
        if !out.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        self.send(&out).await;
        self.reply().await
    }
}

/// Connects to `to` from the source address `from` (the lab gives loopback addresses meanings).
async fn connect(from: &str, to: &str) -> TcpStream {
    let to: SocketAddr = to.parse().unwrap();
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind(format!("{from}:0").parse().unwrap()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), sock.connect(to)).await.expect("connect deadline").expect("connect")
}

/// A whole plain-text transaction; the reply to the message.
async fn send_plain(from: &str, to: &str, helo: &str, mail_from: &str, rcpt: &str, msg: &[u8]) -> u16 {
    let mut s = Smtp::new(connect(from, to).await);
    assert_eq!(s.reply().await.0, 220);
    assert_eq!(s.cmd(&format!("EHLO {helo}")).await.0, 250);
    assert_eq!(s.cmd(&format!("MAIL FROM:<{mail_from}>")).await.0, 250);
    assert_eq!(s.cmd(&format!("RCPT TO:<{rcpt}>")).await.0, 250);
    let code = s.data(msg).await.0;
    assert_eq!(s.cmd("QUIT").await.0, 221);
    code
}

fn finding_ids(report: &Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

fn assert_auth_pass(r: &Value) {
    assert_eq!(r["auth"]["spf"]["result"], "pass", "spf: {}", r["auth"]["spf"]);
    assert_eq!(r["auth"]["dkim"][0]["result"], "pass", "dkim: {}", r["auth"]["dkim"]);
    assert_eq!(r["auth"]["dmarc"]["result"], "pass", "dmarc: {}", r["auth"]["dmarc"]);
}

#[tokio::test]
async fn plain_session_report_survives_restart_and_delete() {
    if !lab_or_skip("plain_session_report_survives_restart_and_delete") {
        return;
    }
    let listen = "127.0.3.41:2525";
    let db = db_path("plain");
    let srv = start(listen, &db, "", true);
    let (token, address) = new_address(&srv).await;
    let waiting = client().get(srv.url(&format!("/api/inbound/{token}"))).send().await.unwrap();
    assert_eq!(waiting.status().as_u16(), 202);
    assert_eq!(waiting.json::<Value>().await.unwrap()["status"], "waiting");
    // From mx.good.test's own address: SPF, DKIM and DMARC pass, the PTR is forward-confirmed.
    let code = send_plain(
        "127.0.0.10",
        listen,
        "mx.good.test",
        "sender@good.test",
        &address,
        &signed_message(&address, "plain session"),
    )
    .await;
    assert_eq!(code, 250);
    let r = report(&srv, &token).await;
    assert_auth_pass(&r);
    let i = &r["inbound"];
    assert_eq!(i["client_ip"], "127.0.0.10");
    assert_eq!(i["client_ptr"], "mx.good.test");
    assert_eq!(i["helo"], "mx.good.test");
    assert_eq!(i["mail_from"], "sender@good.test");
    assert_eq!(i["rcpt"], address);
    assert_eq!(i["tls_version"], Value::Null);
    assert!(i["received_at"].as_i64().unwrap() > 0);
    assert_eq!(r["envelope"]["source"]["client_ip"], "smtp session");
    let ids = finding_ids(&r);
    assert!(ids.contains(&"inbound.no_tls".to_string()), "{ids:?}");
    // --allow-private: the loopback client is analyzed like a public one.
    assert_eq!(i["client_public"], true);
    assert!(!ids.contains(&"inbound.client_not_public".to_string()), "{ids:?}");
    assert!(!ids.iter().any(|i| i == "blocklist.listed"), "{ids:?}");
    assert!(r["blocklists"].as_array().unwrap().iter().any(|b| b["query"] == "127.0.0.10"));
    assert_eq!(r["domain_check"]["domain"], "good.test");
    assert!(r["score"].as_f64().is_some());
    // One message per address: a second one is refused.
    let mut s = Smtp::new(connect("127.0.0.10", listen).await);
    s.reply().await;
    s.cmd("EHLO mx.good.test").await;
    s.cmd("MAIL FROM:<sender@good.test>").await;
    let (code, lines) = s.cmd(&format!("RCPT TO:<{address}>")).await;
    assert_eq!(code, 550, "{lines:?}");
    drop(s);

    // A restart: the report is read back from the database.
    drop(srv);
    let srv = start(listen, &db, "", true);
    let again = report(&srv, &token).await;
    assert_eq!(again["inbound"], r["inbound"]);
    assert_eq!(again["score"], r["score"]);
    let del = client().delete(srv.url(&format!("/api/inbound/{token}"))).send().await.unwrap();
    assert_eq!(del.status().as_u16(), 204);
    let gone = client().get(srv.url(&format!("/api/inbound/{token}"))).send().await.unwrap();
    assert_eq!(gone.status().as_u16(), 404);
    let garbage = client().get(srv.url("/api/inbound/not-a-token")).send().await.unwrap();
    assert_eq!(garbage.status().as_u16(), 404);
}

#[tokio::test]
async fn starttls_session_records_tls() {
    if !lab_or_skip("starttls_session_records_tls") {
        return;
    }
    let listen = "127.0.3.42:2525";
    let srv = start(listen, &db_path("tls"), "", true);
    let (token, address) = new_address(&srv).await;
    let mut s = Smtp::new(connect("127.0.0.10", listen).await);
    assert_eq!(s.reply().await.0, 220);
    let (_, ehlo) = s.cmd("EHLO mx.good.test").await;
    for ext in ["PIPELINING", "8BITMIME", "SMTPUTF8", "STARTTLS"] {
        assert!(ehlo.iter().any(|l| l.ends_with(ext)), "{ext} in {ehlo:?}");
    }
    assert!(ehlo.iter().any(|l| l.contains("SIZE 10485760")), "{ehlo:?}");
    assert_eq!(s.cmd("STARTTLS").await.0, 220);
    let tcp = s.io.into_inner();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pki_types::pem::PemObject::pem_file_iter(lab_state().join("keys/tls/ca.crt")).expect("lab CA") {
        roots.add(cert.unwrap()).unwrap();
    }
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls_pki_types::ServerName::try_from("mx.good.test").unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(cfg)).connect(name, tcp).await.expect("TLS handshake");
    let mut s = Smtp::new(tls);
    let (_, ehlo) = s.cmd("EHLO mx.good.test").await;
    assert!(!ehlo.iter().any(|l| l.ends_with("STARTTLS")), "not offered twice: {ehlo:?}");
    assert_eq!(s.cmd("MAIL FROM:<sender@good.test> BODY=8BITMIME SMTPUTF8").await.0, 250);
    assert_eq!(s.cmd(&format!("RCPT TO:<{address}>")).await.0, 250);
    assert_eq!(s.data(&signed_message(&address, "tls session")).await.0, 250);
    assert_eq!(s.cmd("QUIT").await.0, 221);
    let r = report(&srv, &token).await;
    assert_auth_pass(&r);
    assert_eq!(r["inbound"]["tls_version"], "TLSv1.3");
    assert!(r["inbound"]["tls_cipher"].as_str().unwrap().starts_with("TLS13_"), "{}", r["inbound"]);
    assert!(!finding_ids(&r).contains(&"inbound.no_tls".to_string()));
}

#[tokio::test]
async fn pipelined_session_unknown_address_and_no_relay() {
    if !lab_or_skip("pipelined_session_unknown_address_and_no_relay") {
        return;
    }
    let listen = "127.0.3.43:2525";
    let srv = start(listen, &db_path("pipe"), "", true);
    let (token, address) = new_address(&srv).await;
    let mut s = Smtp::new(connect("127.0.0.10", listen).await);
    assert_eq!(s.reply().await.0, 220);
    assert_eq!(s.cmd("EHLO mx.good.test").await.0, 250);
    // RFC 2920: the whole transaction in one write, the replies read afterwards.
    let unknown = format!("{}@{DOMAIN}", "a".repeat(26));
    s.send(
        format!(
            "MAIL FROM:<sender@good.test>\r\nRCPT TO:<{unknown}>\r\nRCPT TO:<someone@elsewhere.test>\r\nRCPT TO:<{address}>\r\nDATA\r\n"
        )
        .as_bytes(),
    )
    .await;
    let mut codes = Vec::new();
    let mut texts = Vec::new();
    for _ in 0..5 {
        let (c, l) = s.reply().await;
        codes.push(c);
        texts.push(l.join(" "));
    }
    assert_eq!(codes, [250, 550, 550, 250, 354], "{texts:?}");
    assert!(texts[1].contains("5.1.1"), "unknown token: {}", texts[1]);
    assert!(texts[2].contains("5.7.1"), "no relay: {}", texts[2]);
    let msg = signed_message(&address, "pipelined");
    let mut body = msg.clone();
    body.extend_from_slice(b".\r\nQUIT\r\n");
    // (the message has no line starting with a dot other than the stuffed one below)
    let stuffed: Vec<u8> = String::from_utf8(body).unwrap().replace("\r\n.leading", "\r\n..leading").into_bytes();
    s.send(&stuffed).await;
    assert_eq!(s.reply().await.0, 250);
    assert_eq!(s.reply().await.0, 221);
    let r = report(&srv, &token).await;
    assert_auth_pass(&r);
    assert_eq!(r["inbound"]["rcpt"], address);
}

#[tokio::test]
async fn oversized_message_is_refused_with_552() {
    if !lab_or_skip("oversized_message_is_refused_with_552") {
        return;
    }
    let listen = "127.0.3.44:2525";
    let srv = start(listen, &db_path("size"), "max_message_bytes = 4096", true);
    let (token, address) = new_address(&srv).await;
    let mut s = Smtp::new(connect("127.0.0.10", listen).await);
    s.reply().await;
    let (_, ehlo) = s.cmd("EHLO mx.good.test").await;
    assert!(ehlo.iter().any(|l| l.ends_with("SIZE 4096")), "{ehlo:?}");
    // Declared too big: refused at MAIL (RFC 1870).
    assert_eq!(s.cmd("MAIL FROM:<sender@good.test> SIZE=5000").await.0, 552);
    // Undeclared: refused after DATA, the session goes on.
    assert_eq!(s.cmd("MAIL FROM:<sender@good.test>").await.0, 250);
    assert_eq!(s.cmd(&format!("RCPT TO:<{address}>")).await.0, 250);
    let mut big = b"From: a@good.test\r\nSubject: big\r\n\r\n".to_vec();
    for _ in 0..100 {
        big.extend_from_slice(&[b'x'; 78]);
        big.extend_from_slice(b"\r\n");
    }
    assert_eq!(s.data(&big).await.0, 552);
    assert_eq!(s.cmd("NOOP").await.0, 250);
    assert_eq!(s.cmd("QUIT").await.0, 221);
    let r = client().get(srv.url(&format!("/api/inbound/{token}"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 202, "nothing was stored");
}

#[tokio::test]
async fn slow_client_gets_421_after_the_read_deadline() {
    if !lab_or_skip("slow_client_gets_421_after_the_read_deadline") {
        return;
    }
    let listen = "127.0.3.45:2525";
    let _srv = start(listen, &db_path("slow"), "read_timeout_ms = 400", true);
    let mut s = Smtp::new(connect("127.0.0.10", listen).await);
    assert_eq!(s.reply().await.0, 220);
    assert_eq!(s.cmd("EHLO slow.test").await.0, 250);
    // Half a command, then silence.
    s.send(b"MAIL FROM:<a@").await;
    let (code, lines) = s.reply().await;
    assert_eq!(code, 421, "{lines:?}");
    assert!(lines[0].contains("4.4.2"), "{lines:?}");
    let mut rest = String::new();
    let n = tokio::time::timeout(Duration::from_secs(10), s.io.read_line(&mut rest)).await.unwrap().unwrap_or(0);
    assert_eq!(n, 0, "the connection is closed");
}

#[tokio::test]
async fn blocklisted_client_shows_the_listing() {
    if !lab_or_skip("blocklisted_client_shows_the_listing") {
        return;
    }
    let listen = "127.0.3.46:2525";
    let srv = start(listen, &db_path("listed"), "", true);
    let (token, address) = new_address(&srv).await;
    // 127.0.0.66 (spammer.bad.test) is on bl.test and zen.test.
    let code = send_plain(
        "127.0.0.66",
        listen,
        "spammer.bad.test",
        "sender@good.test",
        &address,
        &signed_message(&address, "listed"),
    )
    .await;
    assert_eq!(code, 250);
    let r = report(&srv, &token).await;
    assert_eq!(r["inbound"]["client_ip"], "127.0.0.66");
    let listed: Vec<&Value> =
        r["findings"].as_array().unwrap().iter().filter(|f| f["id"] == "blocklist.listed").collect();
    assert!(
        listed.iter().any(|f| f["detail"].as_str().unwrap_or("").contains("127.0.0.66 is listed on bl.test")),
        "{listed:?}"
    );
    // SPF fails for that address; DKIM still passes.
    assert_eq!(r["auth"]["spf"]["result"], "fail");
    assert_eq!(r["auth"]["dkim"][0]["result"], "pass");
}

#[tokio::test]
async fn without_allow_private_a_loopback_client_is_reported_not_looked_up() {
    if !lab_or_skip("without_allow_private_a_loopback_client_is_reported_not_looked_up") {
        return;
    }
    let listen = "127.0.3.47:2525";
    let srv = start(listen, &db_path("private"), "", false);
    let (token, address) = new_address(&srv).await;
    let code = send_plain(
        "127.0.0.66",
        listen,
        "spammer.bad.test",
        "sender@good.test",
        &address,
        &signed_message(&address, "private"),
    )
    .await;
    assert_eq!(code, 250, "the message is still stored");
    let r = report(&srv, &token).await;
    assert_eq!(r["inbound"]["client_public"], false);
    assert_eq!(r["inbound"]["client_ptr"], Value::Null, "no reverse lookup of a private address");
    let ids = finding_ids(&r);
    assert!(ids.contains(&"inbound.client_not_public".to_string()), "{ids:?}");
    assert!(!r["blocklists"].as_array().unwrap().iter().any(|b| b["query"] == "127.0.0.66"), "IP not looked up");
}

/// The lab's Postfix (mx.good.test) relays a DKIM-signed message for *@inbound.test to the
/// listener on $LAB_INBOUND_LISTEN: the report shows Postfix's real address and TLS.
#[tokio::test]
async fn postfix_relays_a_signed_message_to_the_listener() {
    if !lab_or_skip("postfix_relays_a_signed_message_to_the_listener") {
        return;
    }
    let listen = std::env::var("LAB_INBOUND_LISTEN").unwrap_or_else(|_| "127.0.0.40:2525".into());
    // No [inbound] section at all: the defaults (a self-signed certificate for STARTTLS, the
    // database under the state directory) are what this test runs on.
    let srv = Server::start(
        &lab_config("resolver = \"127.0.0.1\"\n"),
        &["--smtp-listen", &listen, "--inbound-domain", DOMAIN, "--allow-private"],
    );
    let (token, address) = new_address(&srv).await;
    // Submitted from the trusted client 127.0.0.99 (mynetworks may relay) to mx.good.test:25.
    let code = send_plain(
        "127.0.0.99",
        "127.0.0.10:25",
        "client.good.test",
        "sender@good.test",
        &address,
        &signed_message(&address, "via postfix"),
    )
    .await;
    assert_eq!(code, 250, "Postfix queued it");
    let r = report(&srv, &token).await;
    assert_auth_pass(&r);
    let i = &r["inbound"];
    assert_eq!(i["client_ip"], "127.0.0.10", "Postfix's own address: {i}");
    assert_eq!(i["client_ptr"], "mx.good.test");
    assert_eq!(i["client_fcrdns"], true);
    assert_eq!(i["helo"], "mx.good.test");
    assert!(i["tls_version"].as_str().is_some_and(|v| v.starts_with("TLSv1.")), "opportunistic TLS: {i}");
    assert!(r["hops"].as_array().unwrap().len() >= 2, "Postfix's Received and ours");
}
