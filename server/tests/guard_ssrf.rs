//! The SSRF matrix: without `--allow-private`, probes to loopback, RFC 1918, CGNAT,
//! link-local (cloud metadata), ULA, multicast, unspecified and IPv4-mapped addresses are
//! refused with 403 before any connection — whether the address is given directly or comes
//! out of DNS (an MX pointing inside). Non-SMTP ports are refused too.

mod serve_support;
use serve_support::{Server, client, lab_config, lab_or_skip, temp_file};

const ZONE: &str = r#"$ORIGIN inside.test.
$TTL 60
@        IN SOA ns hostmaster 1 3600 600 86400 60
@        IN MX 10 mx
mx       IN A 10.0.0.5
meta     IN A 169.254.169.254
mta-sts  IN A 10.0.0.7
@        IN A 192.168.1.1
$ORIGIN mixed.test.
@        IN MX 10 mx
mx       IN A 127.0.0.10
"#;

#[tokio::test]
async fn private_targets_are_refused_without_allow_private() {
    let zone = temp_file("inside.zone", ZONE);
    let srv = Server::start(
        "[limits]\napi_per_minute = 6000\napi_burst = 1000\n",
        &["--offline", "--zone", zone.to_str().unwrap()],
    );
    let c = client();
    let hosts = [
        "127.0.0.1",
        "127.0.0.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.10",
        "100.64.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "[::1]",
        "::1",
        "fe80::1",
        "fd00::1",
        "ff02::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "localhost.",
        "meta.inside.test",
    ];
    for host in hosts {
        let resp = c
            .post(srv.url("/api/probe/smtp"))
            .json(&serde_json::json!({"host": host, "ports": [25]}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap();
        // "localhost." has no address in the offline zone: 422, never a connection.
        assert!(status == 403 || (host == "localhost." && status == 422), "{host}: expected 403, got {status} {body}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{host}: {body}");
        if status == 403 {
            assert!(body["error"].as_str().unwrap().contains("refusing"), "{host}: {body}");
        }
    }
    // Through DNS: the domain's MX resolves to a private address.
    for domain in ["inside.test", "mixed.test"] {
        let resp =
            c.post(srv.url("/api/probe/smtp")).json(&serde_json::json!({"domain": domain})).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 403, "{domain}");
    }
    // Ports outside the SMTP set, even to a public address.
    for port in [22, 80, 443, 6379, 11211] {
        let resp = c
            .post(srv.url("/api/probe/smtp"))
            .json(&serde_json::json!({"host": "192.0.2.1", "ports": [port]}))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(status, 403, "port {port}: {body}");
        assert!(body["error"].as_str().unwrap().contains("port"), "{body}");
    }
    // The MTA-STS fetch refuses the same addresses (mta-sts.inside.test is 10.0.0.7).
    let m: serde_json::Value = c.get(srv.url("/api/mta-sts/inside.test")).send().await.unwrap().json().await.unwrap();
    assert!(m["error"].as_str().is_some_and(|e| e.contains("non-public")), "{m}");
    assert!(m["http_status"].is_null(), "no HTTP exchange may happen: {m}");
}

#[tokio::test]
async fn lab_mx_is_refused_without_and_allowed_with_allow_private() {
    if !lab_or_skip("lab_mx_is_refused_without_and_allowed_with_allow_private") {
        return;
    }
    let c = client();
    let closed = Server::start(&lab_config(""), &["--resolver", "127.0.0.1"]);
    let resp = c
        .post(closed.url("/api/probe/smtp"))
        .json(&serde_json::json!({"domain": "good.test", "ports": [25]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let body: serde_json::Value = resp.json().await.unwrap();
    // The reason is given, the private address is not (issue 10 §6: no window into the network).
    let msg = body["error"].as_str().unwrap();
    assert!(msg.contains("loopback") && !msg.contains("127.0.0.10"), "{body}");

    let open = Server::start(&lab_config(""), &["--resolver", "127.0.0.1", "--allow-private"]);
    assert!(open.log_text().contains("allow-private"), "the log must warn loudly:\n{}", open.log_text());
    let resp = c
        .post(open.url("/api/probe/smtp"))
        .json(&serde_json::json!({"domain": "good.test", "ports": [25]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["results"][0]["connected"], true, "{body}");
}
