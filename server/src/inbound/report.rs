//! One test message's analysis: the core's message pipeline with the SMTP session as the
//! envelope, plus what the companion checks around it — the client's reverse DNS, the client
//! IP and the From / Return-Path domains on the configured DNS blocklists, the From domain's
//! domain check — joined by the core into one [`InboundReport`]. Nothing is judged here.

use crate::guard::non_public_reason;
use crate::http::AppState;
use inboxlens_core::analyze::{AnalyzeOptions, Now, analyze_message};
use inboxlens_core::dnsbl::DnsblReport;
use inboxlens_core::domain::{DomainOptions, DomainReport, check_domain, mx::reverse_dns};
use inboxlens_core::inbound::{InboundReport, InboundSession, session_overrides};
use serde::Serialize;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Deadline of one reverse-DNS query (PTR, then the names' addresses).
const PTR_TIMEOUT_MS: u64 = 5_000;
/// Most blocklist subjects per message: the client IP, the From and Return-Path domains.
const MAX_DNSBL_SUBJECTS: usize = 3;

/// The stored answer for a message that could not be analyzed at all (not an email).
#[derive(Debug, Serialize)]
pub(crate) struct FailedReport<'a> {
    /// Why: the core's `AnalyzeError` (`{kind, detail}`), or `{"kind": "timeout"}`. First
    /// field: `GET` recognizes a failure by it.
    pub error: serde_json::Value,
    /// The session that delivered it.
    pub inbound: &'a InboundSession,
}

fn failed(error: serde_json::Value, inbound: &InboundSession) -> Vec<u8> {
    serde_json::to_vec(&FailedReport { error, inbound }).unwrap_or_default()
}

/// Whether stored report bytes are a [`FailedReport`].
pub(crate) fn is_failure(json: &[u8]) -> bool {
    json.starts_with(b"{\"error\":")
}

/// Analyzes one received message; returns the report JSON to store. Runs on the blocking
/// pool under the caller's analysis slot (the core's futures are not `Send`) and within
/// `inbound.analysis_timeout_ms`: lookups still pending then end as temperror / unknown.
pub(crate) async fn analyze(
    st: Arc<AppState>,
    permit: tokio::sync::OwnedSemaphorePermit,
    mut session: InboundSession,
    raw: Vec<u8>,
) -> Vec<u8> {
    let ip: Option<IpAddr> = session.client_ip.parse().ok();
    // With allow_private (labs, tests) a loopback or private client is analyzed like any
    // other; without it, lookups about it (its PTR, blocklists) are the internal network's
    // business, and the report says the address is not public.
    session.client_public = st.config.allow_private || ip.is_some_and(|ip| non_public_reason(ip).is_none());
    let lookups = session.client_public;
    let deadline = Duration::from_millis(st.config.inbound.analysis_timeout_ms);
    let handle = tokio::runtime::Handle::current();
    let st2 = st.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        handle.block_on(async move {
            match tokio::time::timeout(deadline, run(&st2, session.clone(), &raw, ip, lookups, deadline)).await {
                Ok(json) => json,
                Err(_) => {
                    // Past the deadline even the message analysis did not finish: a report
                    // without the companion's extras is better than none.
                    let opts = AnalyzeOptions { now: Now::At(session.received_at), overrides: session_overrides(&session) };
                    match tokio::time::timeout(deadline, analyze_message(&raw, st2.resolver.clone(), &opts)).await {
                        Ok(Ok(r)) => {
                            serde_json::to_vec(&InboundReport::new(r, session, Vec::new(), None)).unwrap_or_default()
                        }
                        Ok(Err(e)) => failed(serde_json::to_value(&e).unwrap_or_default(), &session),
                        Err(_) => failed(
                            serde_json::json!({"kind": "timeout", "detail": "the analysis took longer than inbound.analysis_timeout_ms"}),
                            &session,
                        ),
                    }
                }
            }
        })
    })
    .await;
    joined.unwrap_or_else(|_| b"{\"error\":{\"kind\":\"internal\"}}".to_vec())
}

async fn run(
    st: &AppState,
    mut session: InboundSession,
    raw: &[u8],
    ip: Option<IpAddr>,
    lookups: bool,
    deadline: Duration,
) -> Vec<u8> {
    if let (Some(ip), true) = (ip, lookups) {
        let r = reverse_dns(st.resolver.as_ref(), ip, PTR_TIMEOUT_MS).await;
        session.client_ptr = r.ptr.first().cloned();
        session.client_fcrdns = r.fcrdns;
    }
    let opts = AnalyzeOptions { now: Now::At(session.received_at), overrides: session_overrides(&session) };
    let report = match analyze_message(raw, st.resolver.clone(), &opts).await {
        Ok(r) => r,
        Err(e) => return failed(serde_json::to_value(&e).unwrap_or_default(), &session),
    };
    let from_domain = report.summary.from_domain.clone();
    let mail_from_domain =
        session.mail_from.rsplit_once('@').map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase());
    let mut subjects: Vec<String> = Vec::new();
    if let (Some(ip), true) = (ip, lookups) {
        subjects.push(ip.to_string());
    }
    for d in [from_domain.clone(), mail_from_domain].into_iter().flatten() {
        if !subjects.contains(&d) {
            subjects.push(d);
        }
    }
    subjects.truncate(MAX_DNSBL_SUBJECTS);
    let dnsbl = futures::future::join_all(subjects.iter().map(|s| st.dnsbl.check(s)));
    let domain = domain_check(st, from_domain.as_deref(), &report, deadline);
    let (dnsbl, domain) = futures::join!(dnsbl, domain);
    let blocklists: Vec<DnsblReport> =
        dnsbl.into_iter().filter_map(Result::ok).filter(|r| !r.lists.is_empty()).collect();
    serde_json::to_vec(&InboundReport::new(report, session, blocklists, domain)).unwrap_or_default()
}

/// The From domain's domain check, with the selectors of its own DKIM signatures.
async fn domain_check(
    st: &AppState,
    domain: Option<&str>,
    report: &inboxlens_core::analyze::MessageReport,
    deadline: Duration,
) -> Option<DomainReport> {
    let domain = domain?;
    if !crate::guard::is_valid_dns_name(domain) {
        return None;
    }
    let mut selectors: Vec<String> = report
        .auth
        .dkim
        .iter()
        .filter(|d| d.domain.eq_ignore_ascii_case(domain) && !d.selector.is_empty())
        .map(|d| d.selector.to_ascii_lowercase())
        .collect();
    selectors.dedup();
    selectors.truncate(10);
    let opts = DomainOptions {
        selectors,
        overall_timeout_ms: (deadline.as_millis() as u64 / 2).max(1_000),
        ..DomainOptions::default()
    };
    Some(check_domain(domain, st.resolver.as_ref(), Some(&st.mta_sts), &opts).await)
}

/// The trace fields a receiving MTA prepends (RFC 5321 §4.4): `Return-Path` with the
/// reverse-path and our `Received` line (TLS version and cipher as Postfix writes them).
pub(crate) fn trace_fields(session: &InboundSession, hostname: &str, token: &str) -> Vec<u8> {
    let date = mail_parser::DateTime::from_timestamp(session.received_at).to_rfc822();
    let tls = match (&session.tls_version, &session.tls_cipher) {
        (Some(v), Some(c)) => format!("\r\n\t(using {v} with cipher {c})"),
        _ => String::new(),
    };
    let with = if session.tls_version.is_some() { "ESMTPS" } else { "ESMTP" };
    let clean = |s: &str| inboxlens_core::smtp::printable(s).replace(['\r', '\n'], " ");
    format!(
        "Return-Path: <{}>\r\nReceived: from {} ([{}])\r\n\tby {} (Inboxlens) with {with} id {token}{tls}\r\n\tfor <{}>; {date}\r\n",
        clean(&session.mail_from),
        clean(&session.helo),
        session.client_ip,
        hostname,
        clean(&session.rcpt),
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_fields_are_one_return_path_and_one_received() {
        let mut s = InboundSession {
            client_ip: "192.0.2.7".into(),
            client_ptr: None,
            client_fcrdns: None,
            client_public: true,
            helo: "mx.example.test".into(),
            mail_from: "bounce@example.test".into(),
            rcpt: "tok@inbound.test".into(),
            tls_version: Some("TLSv1.3".into()),
            tls_cipher: Some("TLS13_AES_128_GCM_SHA256".into()),
            received_at: 1_700_000_000,
            starttls_offered: true,
        };
        let t = String::from_utf8(trace_fields(&s, "mx.inbound.test", "tok")).unwrap();
        assert!(
            t.starts_with("Return-Path: <bounce@example.test>\r\nReceived: from mx.example.test ([192.0.2.7])\r\n")
        );
        assert!(t.contains("with ESMTPS id tok\r\n\t(using TLSv1.3 with cipher TLS13_AES_128_GCM_SHA256)"), "{t}");
        assert!(t.ends_with("for <tok@inbound.test>; Tue, 14 Nov 2023 22:13:20 +0000\r\n"), "{t}");
        // Nothing a client sent can start a header line of its own.
        s.mail_from = "a@b.test\r\nX-Injected: 1".into();
        s.tls_version = None;
        let t = String::from_utf8(trace_fields(&s, "h", "tok")).unwrap();
        assert_eq!(t.matches("\r\n").count(), 4, "{t:?}");
        assert!(t.contains("with ESMTP id tok\r\n"));
    }
}
