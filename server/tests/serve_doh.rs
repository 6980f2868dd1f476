//! The DoH endpoint (RFC 8484) against the lab's validating resolver: GET and POST, the AD
//! bit preserved for the signed good.test, SERVFAIL for bogus.test, the client's ID kept,
//! TCP fallback on truncation, and malformed queries refused.

mod serve_support;
use base64::Engine as _;
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use serve_support::{Server, client, lab_config, lab_or_skip};

fn query(name: &str, t: RecordType, id: u16, edns_payload: Option<u16>) -> Vec<u8> {
    let mut m = Message::query();
    m.metadata.id = id;
    m.metadata.recursion_desired = true;
    // RFC 6840 §5.7: ask for the AD bit.
    m.metadata.authentic_data = true;
    m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
    if let Some(p) = edns_payload {
        let mut e = Edns::new();
        e.set_max_payload(p);
        e.set_dnssec_ok(true);
        m.set_edns(e);
    }
    m.to_vec().unwrap()
}

#[tokio::test]
async fn doh_answers_from_the_lab_resolver() {
    if !lab_or_skip("doh_answers_from_the_lab_resolver") {
        return;
    }
    // --allow-private: the lab's names resolve to 127.0.0.x, which the DoH policy refuses otherwise.
    let srv = Server::start(&lab_config(""), &["--resolver", "127.0.0.1", "--allow-private"]);
    let c = client();
    let caps: serde_json::Value = c.get(srv.url("/api/capabilities")).send().await.unwrap().json().await.unwrap();
    assert_eq!(caps["doh"], "/dns-query");

    // GET, base64url without padding; RFC 8484 §4.1 recommends ID 0.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(query("good.test.", RecordType::MX, 0, None));
    let r = c.get(srv.url(&format!("/dns-query?dns={b64}"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers().get("content-type").unwrap(), "application/dns-message");
    assert!(r.headers().get("cache-control").unwrap().to_str().unwrap().starts_with("max-age="));
    let m = Message::from_vec(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(m.metadata.id, 0);
    assert_eq!(m.metadata.message_type, MessageType::Response);
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.metadata.authentic_data, "good.test is signed: the validating resolver's AD bit must survive");
    assert!(m.answers.iter().any(|a| a.data.to_string().contains("mx.good.test")), "{:?}", m.answers);

    // POST, with a non-zero ID that must come back unchanged.
    let r = c
        .post(srv.url("/dns-query"))
        .header("content-type", "application/dns-message")
        .body(query("mx.good.test.", RecordType::A, 0x4242, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let m = Message::from_vec(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(m.metadata.id, 0x4242);
    assert!(m.answers.iter().any(|a| a.data.to_string() == "127.0.0.10"), "{:?}", m.answers);

    // bogus.test fails DNSSEC validation: SERVFAIL, passed through as is.
    let r = c
        .post(srv.url("/dns-query"))
        .header("content-type", "application/dns-message")
        .body(query("bogus.test.", RecordType::A, 7, None))
        .send()
        .await
        .unwrap();
    let m = Message::from_vec(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(m.metadata.response_code, ResponseCode::ServFail);

    // A big answer (RSA-2048 DKIM key + RRSIG) with a 512-byte EDNS size is truncated over UDP: the server retries
    // over TCP and returns the whole answer.
    let before = c.get(srv.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(!before.contains("transport=\"tcp\""));
    let r = c
        .post(srv.url("/dns-query"))
        .header("content-type", "application/dns-message")
        .body(query("s1._domainkey.good.test.", RecordType::TXT, 9, Some(512)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let m = Message::from_vec(&r.bytes().await.unwrap()).unwrap();
    assert!(!m.metadata.truncation);
    assert!(!m.answers.is_empty());
    let after = c.get(srv.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(after.contains("inboxlens_doh_upstream_total{transport=\"tcp\"} 1"), "{after}");

    // Refusals.
    let r = c.get(srv.url("/dns-query")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = c.get(srv.url("/dns-query?dns=!!!")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = c.post(srv.url("/dns-query")).header("content-type", "text/plain").body("x").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let mut resp = Message::response(1, OpCode::Query);
    resp.add_query(Query::query(Name::from_ascii("good.test.").unwrap(), RecordType::A));
    let r = c
        .post(srv.url("/dns-query"))
        .header("content-type", "application/dns-message")
        .body(resp.to_vec().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "a response is not a query");
    let r = c
        .post(srv.url("/dns-query"))
        .header("content-type", "application/dns-message")
        .body(query("good.test.", RecordType::AXFR, 1, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "no zone transfers");
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("zone transfer"));
}

/// Without `--allow-private`, an answer pointing into a non-public range (the lab's
/// mx.good.test is 127.0.0.10) is replaced by REFUSED: the companion is no window into the
/// host's network.
#[tokio::test]
async fn doh_refuses_answers_pointing_inside() {
    if !lab_or_skip("doh_refuses_answers_pointing_inside") {
        return;
    }
    let srv = Server::start(&lab_config(""), &["--resolver", "127.0.0.1"]);
    let r = client()
        .post(srv.url("/dns-query"))
        .header("content-type", "application/dns-message")
        .body(query("mx.good.test.", RecordType::A, 0x99, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let m = Message::from_vec(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(m.metadata.response_code, ResponseCode::Refused, "{:?}", m.answers);
    assert!(m.answers.is_empty());
}
