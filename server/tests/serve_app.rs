//! The embedded web app at `/`, health, capabilities, OpenAPI, metrics, and `/api/analyze`
//! with the core's bundled sample message and its zone (offline, no lab needed).

mod serve_support;
use serve_support::{Server, client};
use std::path::PathBuf;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sample_args() -> Vec<String> {
    let zone = repo_root().join("crates/core/assets/sample.zone");
    vec!["--offline".into(), "--zone".into(), zone.display().to_string()]
}

#[tokio::test]
async fn web_app_health_capabilities_openapi() {
    let args = sample_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let srv = Server::start("", &args);
    let c = client();

    let r = c.get(srv.url("/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    let body = r.text().await.unwrap();
    let index = repo_root().join("dist/index.html");
    let caps: serde_json::Value = c.get(srv.url("/api/capabilities")).send().await.unwrap().json().await.unwrap();
    for feature in ["smtp_probe", "dnsbl", "mta_sts"] {
        assert!(
            caps["features"].as_array().is_some_and(|f| f.iter().any(|x| x == feature)),
            "capabilities announce {feature}: {caps}"
        );
    }
    if caps["webapp_embedded"] == true {
        let on_disk = std::fs::read_to_string(&index).unwrap_or_default();
        assert_eq!(body, on_disk, "/ serves the embedded dist/index.html");
        // A client-side route falls back to the app.
        let r = c.get(srv.url("/domain/example.com")).send().await.unwrap();
        assert_eq!(r.text().await.unwrap(), on_disk);
    } else {
        assert!(!index.exists() || caps["webapp_embedded"] == false);
        assert!(body.contains("trunk build"), "without dist/, / says how to build the web app: {body}");
    }
    let r = c.get(srv.url("/no-such-asset.js")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);

    let health: serde_json::Value = c.get(srv.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");

    assert_eq!(caps["companion"], true);
    assert_eq!(caps["version"], env!("CARGO_PKG_VERSION"));
    assert!(caps["probes"]["smtp"].as_bool().unwrap());
    assert!(caps["probes"]["dnsbl"].as_bool().unwrap());
    // --offline: no wire upstream, so no DoH endpoint is announced.
    assert!(caps["doh"].is_null(), "{caps}");

    let doc: serde_json::Value = c.get(srv.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/analyze",
        "/api/domain/{domain}",
        "/api/probe/smtp",
        "/api/dnsbl/{query}",
        "/api/explain-bounce",
        "/api/mta-sts/{domain}",
        "/api/capabilities",
        "/dns-query",
        "/healthz",
        "/metrics",
    ] {
        assert!(doc["paths"][p].is_object(), "openapi lacks {p}");
    }

    let metrics = c.get(srv.url("/metrics")).send().await.unwrap();
    assert!(metrics.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/plain"));
    let text = metrics.text().await.unwrap();
    assert!(text.contains("# TYPE inboxlens_http_requests_total counter"));
    assert!(text.contains("route=\"/healthz\",status=\"200\"} 1"), "{text}");
    assert!(text.contains("route=\"/api/capabilities\",status=\"200\""), "{text}");
}

#[tokio::test]
async fn analyze_sample_message() {
    let args = sample_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let srv = Server::start("", &args);
    let c = client();
    let raw = std::fs::read(repo_root().join("crates/core/assets/sample.eml")).unwrap();
    // The sample is signed on 2026-11-23; judge it as of then, so the test does not age.
    let r = c.post(srv.url("/api/analyze?now=1795425300")).body(raw).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let report: serde_json::Value = r.json().await.unwrap();
    let score = report["score"].as_f64().unwrap();
    assert!((0.0..=10.0).contains(&score), "{score}");
    assert_eq!(report["auth"]["spf"]["result"], "pass", "{}", report["auth"]["spf"]);
    assert!(report["findings"].is_array());
    // Message bodies never reach the log.
    assert!(!srv.log_text().contains("November picks"));

    let r = c.post(srv.url("/api/analyze")).body("   \n").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("empty"), "{body}");
}
