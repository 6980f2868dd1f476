//! Abuse limits and access control of `inboxlens serve`: per-client rate limit (429 with
//! Retry-After, counted in /metrics), request body limit (413 as JSON), bearer token,
//! CORS allow-list for the API and open CORS for DoH. No lab needed: DNS is an offline zone.

mod serve_support;
use serve_support::{Server, client, temp_file};

const ZONE: &str = "$ORIGIN limits.test.\n$TTL 60\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n@ IN A 192.0.2.10\n";

fn offline_args(zone: &std::path::Path) -> Vec<String> {
    vec!["--offline".into(), "--zone".into(), zone.display().to_string()]
}

#[tokio::test]
async fn rate_limit_returns_429_with_retry_after() {
    let zone = temp_file("limits.zone", ZONE);
    let args = offline_args(&zone);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let srv = Server::start("[limits]\napi_per_minute = 6\napi_burst = 3\n", &args);
    let c = client();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let r = c.get(srv.url("/api/dnsbl/192.0.2.1")).send().await.unwrap();
        statuses.push(r.status().as_u16());
        if r.status().as_u16() == 429 {
            retry_after = r.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(String::from);
            let body: serde_json::Value = r.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("too many requests"), "{body}");
        }
    }
    assert_eq!(&statuses[..3], &[200, 200, 200], "{statuses:?}");
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    let secs: u64 = retry_after.expect("Retry-After header").parse().expect("seconds");
    assert!(secs >= 1);
    // Health and metrics are not rate limited, and the refusals are counted.
    let metrics = c.get(srv.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let line = metrics.lines().find(|l| l.starts_with("inboxlens_rate_limited_total{bucket=\"api\"}")).unwrap();
    let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(n, 3, "{metrics}");
    assert!(metrics.contains("route=\"/api/dnsbl/{query}\",status=\"429\"} 3"), "{metrics}");
}

#[tokio::test]
async fn body_limit_and_bad_input_are_json_errors() {
    let zone = temp_file("limits.zone", ZONE);
    let args = offline_args(&zone);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let srv = Server::start("[limits]\nanalyze_body_bytes = 2000\nother_body_bytes = 1000\n", &args);
    let c = client();
    let r = c.post(srv.url("/api/analyze")).body(vec![b'a'; 5000]).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("2000"), "{body}");

    let r = c
        .post(srv.url("/api/probe/smtp"))
        .header("content-type", "application/json")
        .body(vec![b' '; 3000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);

    let r = c
        .post(srv.url("/api/probe/smtp"))
        .header("content-type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("JSON"), "{body}");

    let r = c
        .post(srv.url("/api/probe/smtp"))
        .json(&serde_json::json!({"host": "192.0.2.1", "rcpt": ["a@b.test>\r\nDATA"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400, "command injection through RCPT must be refused");

    let r = c.get(srv.url("/api/dnsbl/not%20a%20name")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = c.get(srv.url("/api/nope")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("openapi"), "{body}");
}

#[tokio::test]
async fn bearer_token_and_cors() {
    let zone = temp_file("limits.zone", ZONE);
    let args = offline_args(&zone);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let srv =
        Server::start_env("cors_origins = [\"https://app.example\"]\n", &args, &[("INBOXLENS_TOKEN", "s3cret-token")]);
    let c = client();
    let r = c.get(srv.url("/api/dnsbl/192.0.2.1")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.headers().get("www-authenticate").unwrap(), "Bearer");
    let r = c.get(srv.url("/api/dnsbl/192.0.2.1")).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c.get(srv.url("/api/dnsbl/192.0.2.1")).bearer_auth("s3cret-token").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Capabilities stay public so the web app can tell a token is needed.
    let caps: serde_json::Value = c.get(srv.url("/api/capabilities")).send().await.unwrap().json().await.unwrap();
    assert_eq!(caps["auth_required"], true);
    // The token never reaches the log.
    assert!(!srv.log_text().contains("s3cret-token"));

    // CORS: the allow-listed origin gets the header, another origin does not.
    let r = c.get(srv.url("/api/capabilities")).header("Origin", "https://app.example").send().await.unwrap();
    assert_eq!(r.headers().get("access-control-allow-origin").unwrap(), "https://app.example");
    let r = c.get(srv.url("/api/capabilities")).header("Origin", "https://evil.example").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // Preflight for the API.
    let r = c
        .request(reqwest::Method::OPTIONS, srv.url("/api/probe/smtp"))
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,authorization")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers().get("access-control-allow-origin").unwrap(), "https://app.example");
    // DoH follows the same allow-list (doh.cors_origins when set): not a resolver for any page.
    let r = c
        .request(reqwest::Method::OPTIONS, srv.url("/dns-query"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = c
        .request(reqwest::Method::OPTIONS, srv.url("/dns-query"))
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers().get("access-control-allow-origin").unwrap(), "https://app.example");
}
