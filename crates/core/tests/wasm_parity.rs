//! The core gives exactly the same verdicts natively and compiled to wasm32 (in headless
//! Chromium through wasm-bindgen-test): the same message and the same DNS data (a zone
//! served by the real `ZoneResolver` seam) must produce the same SPF, DKIM (per signature:
//! result, domain, selector, algorithm, key size), DMARC and ARC verdicts and the same
//! authentication findings, both times equal to the table below.
//!
//! Natively: `cargo test -p inboxlens-core --test wasm_parity`.
//! In the browser: `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! CHROMEDRIVER=/usr/bin/chromedriver cargo test -p inboxlens-core --target wasm32-unknown-unknown --test wasm_parity`.
//!
//! The message was signed by the e2e DKIM signer (tests/e2e/lib/dkim.mjs) with two test keys
//! (RSA-2048 and Ed25519, RFC 8463) whose public halves are published in `ZONE`; it is
//! verified as of `NOW` (a fixed time: the core reads no clock).

use inboxlens_core::analyze::{AnalyzeOptions, analyze_message};
use inboxlens_core::dns::DnsError;
use inboxlens_core::dns::zone::ZoneResolver;
use serde_json::Value;
use std::sync::Arc;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// 2026-11-23T07:47:00Z, 20 s after the signatures' `t=`.
const NOW: i64 = 1_795_420_020;

const ZONE: &str = concat!(
    "$ORIGIN parity.test.\n",
    "@ 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n",
    "@ 300 IN MX 10 mx.parity.test.\n",
    "mx 300 IN A 192.0.2.10\n",
    "_dmarc 300 IN TXT \"v=DMARC1; p=reject; adkim=s; aspf=r\"\n",
    "rsa._domainkey 300 IN TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0Al48x5Z1JMNYi2H7NgEu+rL6Po2zWs9ux/jpaBvdcJFJXDh+ujOfdfv7CpuiAIpp3/p3fj18DYhJ5f/RgnLj1uX6rXid1UCRR7rbzS3InuIf6PFGmD1kmu4RIT3lWlcc5QjywtWrkVT4MuqLm2HhlTmup4H\" \"W90vTr95On6ERMGrqQt6j2nyIOjj9P6xl0BUUcLNFO+lWJwa6jNMhJuidXe24IkZZKw4tCGcGEC7gYmOq6NKaqCb3P5YEaA7VmiBipeYbpLIHMaKVlvhr/3Oa/QsUZyyEKwQCEc3OQMxKVI8y+75WK87SVQfeSYc/dnquYM8XVY0wngejttuHULMDwIDAQAB\"\n",
    "ed._domainkey 300 IN TXT \"v=DKIM1; k=ed25519; p=UKPu07n8MLwIjRPmW7gmOyis5KnSkUMxxxAqbZz2cAM=\"\n",
);

/// Signed by `ed` (Ed25519) on top of `rsa` (RSA-2048), both d=parity.test.
const SIGNED: &str = concat!(
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=parity.test; s=ed; t=1795420000;\r\n",
    "	h=from:to:subject:date:message-id:mime-version:content-type;\r\n",
    "	bh=YFIfkVzvC8sCAWa9L/qQY1tQYJlyFCXTgP+enoo1t8U=;\r\n",
    "	b=iklNyIyJIwqOG5fiqDqoL3CoB9AeMjNwFh9Q7MElGn3Ml0Un3383EZKMOjmneXPyTHCKxvys\r\n",
    "	 5oGHqBsev2JiDw==\r\n",
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=parity.test; s=rsa; t=1795420000;\r\n",
    "	h=from:to:subject:date:message-id:mime-version:content-type;\r\n",
    "	bh=YFIfkVzvC8sCAWa9L/qQY1tQYJlyFCXTgP+enoo1t8U=;\r\n",
    "	b=pLlY+y2+mzoOUR5btQZrzpoEh4chq4iP1diW2gu9nnt3WZWYXyR8CAjYWnTkeeuyPjWRZbgk\r\n",
    "	 /iXhh93awjy3w/ULqylr/5mM4LSwvoGWqVuee7NyAVB+eFryz0tD+cT61gGx5i/qZ8jpOqdc\r\n",
    "	 8+2Vo7n5Aua0Mq7U/jBVhfpsyUI5x55YRk1+Ob4j5PmxMM3eksHTVktOpLsGzcVyqar3+KII\r\n",
    "	 8QpgDdUCYaGVWO4PPId/racPQQ0AO95hVZ3EcbKC8hOgSB7dC/l6Y0zqumImkn+6j+PnD1xf\r\n",
    "	 CJQB+j0vMaZFRngbC/IFpyoEst4FR0A6B+1mBGSzw+42CP89ffrmbw==\r\n",
    "From: Parity Team <team@parity.test>\r\n",
    "To: someone@receiver.test\r\n",
    "Subject: Parity check\r\n",
    "Date: Mon, 23 Nov 2026 07:46:40 +0000\r\n",
    "Message-ID: <parity-1@parity.test>\r\n",
    "MIME-Version: 1.0\r\n",
    "Content-Type: text/plain; charset=utf-8\r\n",
    "\r\n",
    "The same verdicts natively and in the browser.\r\n",
);

fn received(ip: &str) -> String {
    format!(
        "Return-Path: <bounce@parity.test>\r\nReceived: from mx.parity.test (mx.parity.test [{ip}])\r\n\tby mx.receiver.test (Postfix) with ESMTPS id 4P1\r\n\tfor <someone@receiver.test>; Mon, 23 Nov 2026 07:46:50 +0000\r\n"
    )
}

/// The verdicts that must not differ between targets, from the serialized report (the JSON contract).
fn verdicts(report: &Value) -> Value {
    let s = |v: &Value, p: &str| v.pointer(p).cloned().unwrap_or(Value::Null);
    let dkim: Vec<Value> = report
        .pointer("/auth/dkim")
        .and_then(Value::as_array)
        .map(|sigs| {
            sigs.iter()
                .map(|d| {
                    serde_json::json!([
                        s(d, "/result"),
                        s(d, "/domain"),
                        s(d, "/selector"),
                        s(d, "/algorithm"),
                        s(d, "/key_bits")
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let mut auth_findings: Vec<String> = report
        .pointer("/findings")
        .and_then(Value::as_array)
        .map(|fs| {
            fs.iter()
                .filter_map(|f| f.get("id").and_then(Value::as_str))
                .filter(|id| ["spf.", "dkim.", "dmarc.", "arc."].iter().any(|p| id.starts_with(p)))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    auth_findings.sort();
    serde_json::json!({
        "spf": s(report, "/auth/spf/result"),
        "spf_domain": s(report, "/auth/spf/domain"),
        "dkim": dkim,
        "dmarc": [s(report, "/auth/dmarc/result"), s(report, "/auth/dmarc/policy"), s(report, "/auth/dmarc/domain")],
        "arc": s(report, "/auth/arc/result"),
        "auth_findings": auth_findings,
    })
}

async fn analyze(zone: ZoneResolver, message: &str) -> Value {
    let report = analyze_message(message.as_bytes(), Arc::new(zone), &AnalyzeOptions::at(NOW))
        .await
        .expect("the message is analysable");
    serde_json::to_value(&report).expect("the report serializes")
}

fn zone() -> ZoneResolver {
    ZoneResolver::from_zone_text(ZONE, None).expect("test zone parses")
}

/// Scenario 1: delivered from an authorized address, both signatures intact.
async fn all_pass() -> Value {
    verdicts(&analyze(zone(), &format!("{}{SIGNED}", received("192.0.2.10"))).await)
}

/// Scenario 2: from an address SPF does not authorize, body changed after signing.
async fn tampered() -> Value {
    let msg = format!("{}{SIGNED}", received("198.51.100.7")).replace("same verdicts", "SAME verdicts");
    verdicts(&analyze(zone(), &msg).await)
}

/// Scenario 3: the Ed25519 key's name times out (a DNS failure is temperror, never "no key").
async fn key_timeout() -> Value {
    let mut z = zone();
    z.fail("ed._domainkey.parity.test", DnsError::Timeout);
    verdicts(&analyze(z, &format!("{}{SIGNED}", received("192.0.2.10"))).await)
}

fn expected_all_pass() -> Value {
    serde_json::json!({
        "spf": "pass", "spf_domain": "parity.test",
        "dkim": [["pass", "parity.test", "ed", "ed25519-sha256", 256], ["pass", "parity.test", "rsa", "rsa-sha256", 2048]],
        "dmarc": ["pass", "reject", "parity.test"],
        "arc": "none",
        "auth_findings": ["dkim.headers_not_covered", "dkim.headers_not_covered"],
    })
}
fn expected_tampered() -> Value {
    serde_json::json!({
        "spf": "fail", "spf_domain": "parity.test",
        "dkim": [["fail", "parity.test", "ed", "ed25519-sha256", 256], ["fail", "parity.test", "rsa", "rsa-sha256", 2048]],
        "dmarc": ["fail", "reject", "parity.test"],
        "arc": "none",
        "auth_findings": ["dkim.body_hash_mismatch", "dkim.body_hash_mismatch", "dkim.headers_not_covered", "dkim.headers_not_covered", "dmarc.fail", "spf.fail"],
    })
}
fn expected_key_timeout() -> Value {
    serde_json::json!({
        "spf": "pass", "spf_domain": "parity.test",
        "dkim": [["temperror", "parity.test", "ed", "ed25519-sha256", null], ["pass", "parity.test", "rsa", "rsa-sha256", 2048]],
        "dmarc": ["pass", "reject", "parity.test"],
        "arc": "none",
        "auth_findings": ["dkim.headers_not_covered", "dkim.headers_not_covered", "dkim.temperror"],
    })
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;

    #[test]
    fn all_pass_natively() {
        assert_eq!(futures::executor::block_on(all_pass()), expected_all_pass());
    }
    #[test]
    fn tampered_natively() {
        assert_eq!(futures::executor::block_on(tampered()), expected_tampered());
    }
    #[test]
    fn key_timeout_natively() {
        assert_eq!(futures::executor::block_on(key_timeout()), expected_key_timeout());
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::*;

    #[wasm_bindgen_test]
    async fn all_pass_in_browser() {
        assert_eq!(all_pass().await, expected_all_pass());
    }
    #[wasm_bindgen_test]
    async fn tampered_in_browser() {
        assert_eq!(tampered().await, expected_tampered());
    }
    #[wasm_bindgen_test]
    async fn key_timeout_in_browser() {
        assert_eq!(key_timeout().await, expected_key_timeout());
    }
}
