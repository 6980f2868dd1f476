//! `/api/domain/{domain}` (JSON and SSE, with the MTA-STS policy fetched by the server over
//! HTTPS with the lab CA) and `/api/explain-bounce`, against the lab.

mod serve_support;
use serde_json::Value;
use serve_support::{Server, client, lab_config, lab_or_skip};

#[tokio::test]
async fn domain_report_json_and_sse() {
    if !lab_or_skip("domain_report_json_and_sse") {
        return;
    }
    let srv = Server::start(&lab_config(""), &["--resolver", "127.0.0.1", "--allow-private"]);
    let c = client();

    let r = c.get(srv.url("/api/domain/Good.Test.?selector=s1,s2")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let rep: Value = r.json().await.unwrap();
    assert_eq!(rep["domain"], "good.test");
    assert_eq!(rep["mx"][0]["host"], "mx.good.test");
    assert!(rep["dkim"].as_array().unwrap().iter().any(|k| k["selector"] == "s1"), "{}", rep["dkim"]);
    // The policy was fetched by the server (HTTPS to 127.0.0.10:443, lab CA as anchor).
    assert_eq!(rep["mta_sts"]["policy_status"], "fetched", "{}", rep["mta_sts"]);
    assert_eq!(rep["mta_sts"]["policy"]["mode"], "enforce");
    assert!(rep["findings"].is_array());

    // SSE: one `section` event per section as it completes, then the whole `report`.
    let r = c.get(srv.url("/api/domain/good.test")).header("Accept", "text/event-stream").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/event-stream"));
    let text = r.text().await.unwrap();
    let mut sections = Vec::new();
    let mut report = None;
    let mut event = "";
    for line in text.lines() {
        if let Some(e) = line.strip_prefix("event: ") {
            event = if e == "section" {
                "section"
            } else if e == "report" {
                "report"
            } else {
                ""
            };
        } else if let Some(data) = line.strip_prefix("data: ") {
            let v: Value = serde_json::from_str(data).expect("SSE data is JSON");
            match event {
                "section" => sections.push(v["section"].as_str().unwrap().to_string()),
                "report" => report = Some(v),
                _ => {}
            }
        }
    }
    for s in ["spf", "dmarc", "dkim", "mx", "mta_sts", "tls_rpt", "bimi", "dnssec", "dane"] {
        assert!(sections.iter().any(|x| x == s), "no {s} section in {sections:?}");
    }
    let report = report.expect("a final report event");
    assert_eq!(report["domain"], "good.test");
    assert!(text.rfind("event: report") > text.rfind("event: section"), "the report comes last");

    let r = c.get(srv.url("/api/domain/not_a..domain")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = c.get(srv.url("/api/domain/good.test?selector=a%20b")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test]
async fn explain_bounce() {
    if !lab_or_skip("explain_bounce") {
        return;
    }
    let srv = Server::start(&lab_config(""), &["--resolver", "127.0.0.1"]);
    let c = client();
    let r = c
        .post(srv.url("/api/explain-bounce"))
        .body("550 5.1.1 <x@good.test>: Recipient address rejected: User unknown in virtual mailbox table")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let rep: Value = r.json().await.unwrap();
    assert_eq!(rep["recognised"], true);
    assert_eq!(rep["recipients"][0]["status"], "5.1.1");
    assert_eq!(rep["recipients"][0]["reply_code"], 550);

    let r = c.post(srv.url("/api/explain-bounce")).body("hello there").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let e: Value = r.json().await.unwrap();
    assert!(e["error"].as_str().unwrap().contains("SMTP reply"), "{e}");
}
