//! SMTP probe against the lab: Postfix mx.good.test (STARTTLS trusted through the lab CA,
//! DANE match, implicit TLS on 465, mailbox checks, relay denied) and the greylisting, slow
//! and tarpit servers (inconclusive within the configured deadlines).

mod serve_support;
use serde_json::{Value, json};
use serve_support::{Server, client, lab_ca, lab_config, lab_or_skip};

async fn probe(srv: &Server, body: Value) -> (u16, Value) {
    let r = client().post(srv.url("/api/probe/smtp")).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn result_on(report: &Value, port: u64) -> &Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["port"] == port)
        .unwrap_or_else(|| panic!("no result for port {port}: {report}"))
}

#[tokio::test]
async fn postfix_mx_good_test() {
    if !lab_or_skip("postfix_mx_good_test") {
        return;
    }
    let srv = Server::start(&lab_config(""), &["--resolver", "127.0.0.1", "--allow-private"]);
    let (status, rep) = probe(
        &srv,
        json!({"domain": "good.test", "ports": [25, 465, 587], "rcpt": ["user@good.test", "no-such-user@good.test"], "open_relay": true}),
    )
    .await;
    assert_eq!(status, 200, "{rep}");
    assert_eq!(rep["mx"][0]["host"], "mx.good.test");
    assert_eq!(rep["ehlo_name"], "probe.inboxlens.test");

    let r25 = result_on(&rep, 25);
    assert_eq!(r25["host"], "mx.good.test");
    assert_eq!(r25["ip"], "127.0.0.10");
    assert_eq!(r25["connected"], true);
    assert!(r25["banner"].as_str().unwrap().starts_with("mx.good.test"), "{r25}");
    assert_eq!(r25["banner_matches_ptr"], true);
    assert_eq!(r25["starttls"], true);
    assert!(r25["tls_version"].as_str().unwrap().starts_with("TLSv1."), "{r25}");
    let cert = &r25["cert"];
    assert_eq!(cert["subject"], "CN=mx.good.test");
    assert!(cert["sans"].as_array().unwrap().iter().any(|s| s == "mx.good.test"));
    assert!(cert["issuer"].as_str().unwrap().contains("Mail Lab"));
    assert!(cert["not_after"].as_str().unwrap().ends_with('Z'));
    assert_eq!(cert["hostname_match"], true);
    if lab_ca().is_some() {
        assert_eq!(cert["trusted"], true, "the lab CA is an extra anchor: {cert}");
    }
    // DANE: good.test publishes _25._tcp.mx.good.test TLSA, DNSSEC-signed.
    assert_eq!(r25["dane"]["dnssec"], true, "{}", r25["dane"]);
    assert_eq!(r25["dane"]["matched"], true, "{}", r25["dane"]);
    let caps = &r25["capabilities"];
    assert_eq!(caps["pipelining"], true);
    assert_eq!(caps["eightbitmime"], true);
    assert!(caps["size"].as_u64().unwrap() > 0);

    // Mailbox check: accepted, unknown user 550, no catch-all, relay denied — and never DATA.
    let rcpt = r25["rcpt"].as_array().unwrap();
    assert_eq!(rcpt.len(), 2);
    assert_eq!(rcpt[0]["address"], "user@good.test");
    assert_eq!(rcpt[0]["accepted"], true);
    assert_eq!(rcpt[0]["code"], 250);
    assert_eq!(rcpt[1]["code"], 550);
    assert_eq!(rcpt[1]["accepted"], false);
    assert_eq!(rcpt[1]["enhanced_code"], "5.1.1");
    assert_eq!(r25["catch_all"], false);
    assert_eq!(r25["open_relay"], false);
    assert_eq!(r25["verdict"], "fail", "one address is rejected");
    let ids: Vec<&str> = rep["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"smtp.mailbox_rejected"), "{ids:?}");
    for absent in [
        "smtp.no_starttls",
        "smtp.cert_untrusted",
        "smtp.cert_name_mismatch",
        "smtp.open_relay",
        "smtp.auth_before_tls",
        "smtp.unreachable",
    ] {
        assert!(!ids.contains(&absent), "mx.good.test is set up right, yet {absent}: {ids:?}");
    }
    let transcript: Vec<&str> = r25["transcript"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(transcript.iter().any(|l| l.starts_with("C: STARTTLS")));
    assert!(transcript.iter().any(|l| l.starts_with("C: MAIL FROM:<probe@inboxlens.test>")));
    assert!(transcript.iter().any(|l| l.starts_with("C: RSET")));
    assert!(transcript.iter().any(|l| l.starts_with("S: 554") && l.contains("Relay access denied")), "{transcript:?}");
    assert!(!transcript.iter().any(|l| l.starts_with("C: DATA") || l.starts_with("C: BDAT")), "never DATA");

    // 465: implicit TLS, the banner arrives over TLS.
    let r465 = result_on(&rep, 465);
    assert_eq!(r465["implicit_tls"], true);
    assert_eq!(r465["tls"], true);
    assert!(r465["banner"].as_str().unwrap().contains("mx.good.test"));
    assert_eq!(r465["verdict"], "ok", "{r465}");
    // 587: TLS required; AUTH (if any) is not offered before TLS.
    let r587 = result_on(&rep, 587);
    assert_eq!(r587["connected"], true);
    assert_eq!(r587["auth_before_tls"], false, "{r587}");
    assert_eq!(r587["tls"], true);

    // Only good addresses: the port-25 session is ok and so is the overall verdict.
    let (status, rep) = probe(&srv, json!({"host": "mx.good.test", "ports": [25], "rcpt": ["user@good.test"]})).await;
    assert_eq!(status, 200);
    assert_eq!(rep["verdict"], "ok", "{rep}");
    assert_eq!(rep["results"][0]["verdict"], "ok");
}

#[tokio::test]
async fn greylisting_slow_and_tarpit_are_inconclusive() {
    if !lab_or_skip("greylisting_slow_and_tarpit_are_inconclusive") {
        return;
    }
    let srv = Server::start(&lab_config(""), &["--resolver", "127.0.0.1", "--allow-private"]);
    // A fresh random address, so the greylist has never seen the triplet.
    let token: u64 = rand::random();
    let addr = format!("grey-{token:x}@grey.test");
    let (status, rep) =
        probe(&srv, json!({"domain": "grey.test", "ports": [25], "rcpt": [addr], "catch_all": false})).await;
    assert_eq!(status, 200, "{rep}");
    let r = &rep["results"][0];
    assert_eq!(r["connected"], true);
    assert_eq!(r["rcpt"][0]["code"].as_u64().unwrap() / 100, 4, "{r}");
    assert_eq!(r["rcpt"][0]["status"], "greylisted");
    assert_eq!(r["rcpt"][0]["accepted"], false);
    assert_eq!(r["verdict"], "inconclusive");
    assert!(r["verdict_reason"].as_str().unwrap().contains("retry later"));
    let ids: Vec<&str> = rep["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"smtp.greylisted"), "{ids:?}");
    assert!(ids.contains(&"smtp.cert_untrusted"), "grey's self-signed certificate: {ids:?}");

    // slow (5 s before the banner) and tarpit (never a banner), with a 1.5 s banner deadline.
    for host in ["127.0.0.12", "127.0.0.13"] {
        let (status, rep) = probe(&srv, json!({"host": host, "ports": [25]})).await;
        assert_eq!(status, 200, "{rep}");
        let r = &rep["results"][0];
        assert_eq!(r["connected"], true, "{host}");
        assert_eq!(r["verdict"], "inconclusive", "{host}: {r}");
        assert!(r["banner"].is_null(), "{host}");
        assert!(r["error"].as_str().unwrap().contains("no reply"), "{host}: {r}");
        assert_eq!(rep["verdict"], "inconclusive");
    }
}

#[tokio::test]
async fn cooldown_serves_identical_requests_from_cache() {
    if !lab_or_skip("cooldown_serves_identical_requests_from_cache") {
        return;
    }
    let cfg = lab_config("").replace("target_cooldown_secs = 0", "target_cooldown_secs = 600");
    let srv = Server::start(&cfg, &["--resolver", "127.0.0.1", "--allow-private"]);
    let body = json!({"host": "mx.good.test", "ports": [25]});
    let (s1, first) = probe(&srv, body.clone()).await;
    assert_eq!(s1, 200);
    assert_eq!(first["cached"], false);
    let (s2, second) = probe(&srv, body).await;
    assert_eq!(s2, 200);
    assert_eq!(second["cached"], true);
    assert_eq!(first["results"], second["results"]);
    // Other parameters on the same target within the cooldown: refused, with Retry-After.
    let r = client()
        .post(srv.url("/api/probe/smtp"))
        .json(&json!({"host": "mx.good.test", "ports": [587]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn per_address_session_budget_protects_a_shared_mx() {
    if !lab_or_skip("per_address_session_budget_protects_a_shared_mx") {
        return;
    }
    let cfg = lab_config("")
        .replace("host_sessions_per_minute = 6000", "host_sessions_per_minute = 1")
        .replace("host_sessions_burst = 1000", "host_sessions_burst = 2");
    let srv = Server::start(&cfg, &["--resolver", "127.0.0.1", "--allow-private"]);
    // Two sessions to 127.0.0.10 use the budget up...
    let (s, first) = probe(&srv, json!({"domain": "good.test", "ports": [25, 465]})).await;
    assert_eq!(s, 200);
    assert!(first["results"].as_array().unwrap().iter().all(|r| r["connected"] == true), "{first}");
    // ...so a request for another domain on the same address is not sent to it.
    let (s, second) = probe(&srv, json!({"host": "127.0.0.10", "ports": [25]})).await;
    assert_eq!(s, 200);
    let r = &second["results"][0];
    assert_eq!(r["connected"], false, "{r}");
    assert_eq!(r["verdict"], "inconclusive");
    assert!(r["error"].as_str().unwrap().contains("budget"), "{r}");
}

#[tokio::test]
async fn line_breaks_in_the_domain_never_reach_the_smtp_wire() {
    // Issue 10 item 3: the catch-all address was built from the raw `domain` field, so
    // "\r\ngood.test" put a CR/LF inside RCPT TO:<...> and Postfix read two commands.
    if !lab_or_skip("line_breaks_in_the_domain_never_reach_the_smtp_wire") {
        return;
    }
    let srv = Server::start(&lab_config(""), &["--resolver", "127.0.0.1", "--allow-private"]);
    let (status, rep) = probe(&srv, json!({"domain": "\r\ngood.test", "ports": [25], "catch_all": true})).await;
    if status != 200 {
        // Refusing the request at the API boundary is just as good.
        assert_eq!(status, 400, "{rep}");
        return;
    }
    let r25 = result_on(&rep, 25);
    let transcript: Vec<&str> = r25["transcript"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    let rcpt: Vec<&&str> = transcript.iter().filter(|l| l.starts_with("C: RCPT TO:")).collect();
    assert_eq!(rcpt.len(), 1, "{transcript:?}");
    assert!(rcpt[0].starts_with("C: RCPT TO:<inboxlens-nonexistent-") && rcpt[0].ends_with("@good.test>"), "{rcpt:?}");
    assert!(!transcript.iter().any(|l| l.contains('\u{fffd}')), "no control characters went out: {transcript:?}");
    assert!(!transcript.iter().any(|l| l.starts_with("S: 500") || l.starts_with("S: 501")), "{transcript:?}");
    assert_eq!(r25["catch_all"], false, "the random address is unknown to mx.good.test: {r25}");
}
