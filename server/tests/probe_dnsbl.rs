//! DNSBL lookups against the lab's rbldnsd (through unbound): 127.0.0.66 listed on bl.test
//! and zen.test with TXT reasons, 127.0.0.1 not listed, bad.test on dbl.test, and a Spamhaus-
//! style `127.255.255.254` "query refused" answer (overlaid with --zone) reported as unknown.

mod serve_support;
use serde_json::Value;
use serve_support::{Server, client, lab_config, lab_or_skip, temp_file};

fn list<'a>(rep: &'a Value, zone: &str) -> &'a Value {
    rep["lists"].as_array().unwrap().iter().find(|l| l["zone"] == zone).unwrap_or_else(|| panic!("no {zone} in {rep}"))
}

#[tokio::test]
async fn lab_blocklists() {
    if !lab_or_skip("lab_blocklists") {
        return;
    }
    // 127.0.0.2 is listed on zen.test; the overlay makes zen.test answer "refused" for it instead.
    let overlay = temp_file("refused.zone", "2.0.0.127.zen.test. 60 IN A 127.255.255.254\n");
    // The resolver comes from the config file here (no --resolver flag).
    let srv = Server::start(&lab_config("resolver = \"127.0.0.1\"\n"), &["--zone", overlay.to_str().unwrap()]);
    let c = client();
    let get = |q: &'static str| {
        let c = c.clone();
        let url = srv.url(&format!("/api/dnsbl/{q}"));
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.json::<Value>().await.unwrap()
        }
    };

    let rep = get("127.0.0.66").await;
    assert_eq!(rep["query"], "127.0.0.66");
    let bl = list(&rep, "bl.test");
    assert_eq!(bl["status"], "listed");
    assert_eq!(bl["codes"][0], "127.0.0.2");
    assert!(bl["txt"][0].as_str().unwrap().contains("127.0.0.66"), "{bl}");
    let zen = list(&rep, "zen.test");
    assert_eq!(zen["status"], "listed");
    assert_eq!(zen["codes"].as_array().unwrap().len(), 2, "{zen}");
    assert_eq!(rep["listed_count"], 2);
    let ids = |rep: &serde_json::Value| -> Vec<String> {
        rep["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(&rep).iter().filter(|i| *i == "blocklist.listed").count(), 2, "one finding per listing: {rep}");

    let rep = get("127.0.0.1").await;
    for l in rep["lists"].as_array().unwrap() {
        assert_eq!(l["status"], "not_listed", "{l}");
        assert!(l["codes"].as_array().unwrap().is_empty());
    }
    assert!(ids(&rep).is_empty(), "not listed anywhere: no findings: {rep}");

    let rep = get("127.0.0.2").await;
    assert_eq!(list(&rep, "bl.test")["status"], "listed");
    let zen = list(&rep, "zen.test");
    assert_eq!(zen["status"], "unknown", "127.255.255.254 is a refusal, never a listing: {zen}");
    assert_eq!(zen["codes"][0], "127.255.255.254");
    assert!(zen["meaning"].as_str().unwrap().contains("not a listing"));

    let rep = get("bad.test").await;
    let dbl = list(&rep, "dbl.test");
    assert_eq!(dbl["status"], "listed");
    assert!(dbl["txt"][0].as_str().unwrap().contains("bad.test"));
    let rep = get("x.spam.bad.test").await;
    assert_eq!(list(&rep, "dbl.test")["status"], "listed");
    let rep = get("good.test").await;
    assert_eq!(list(&rep, "dbl.test")["status"], "not_listed");

    let metrics = c.get(srv.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("inboxlens_probes_total{kind=\"dnsbl\",outcome=\"unknown\"} 1"), "{metrics}");
}
