//! MTA-STS policy fetch for the browser (RFC 8461 §3.3): `https://mta-sts.<domain>/.well-known/mta-sts.txt`,
//! fetched with a verifying TLS client (webpki roots + configured anchors), no redirects,
//! a size bound and a deadline. Name resolution goes through the server's resolver and the
//! target policy, so the fetch cannot be pointed at an internal address.

use crate::guard::{TargetPolicy, is_valid_dns_name};
use inboxlens_core::dns::{RecordType, Resolver};
use inboxlens_core::domain::{FetchError, FetchFuture, PolicyFetcher};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Largest policy accepted (RFC 8461 has no limit; real ones are a few hundred bytes).
const MAX_POLICY: usize = 64 * 1024;

/// What the fetch returned.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct MtaStsFetch {
    /// The domain.
    pub domain: String,
    /// The URL fetched.
    pub url: String,
    /// HTTP status, when a response came.
    pub http_status: Option<u16>,
    /// Content-Type header (RFC 8461 §3.2 requires text/plain).
    pub content_type: Option<String>,
    /// The policy text, as served.
    pub policy_text: Option<String>,
    /// The key/value pairs of the policy (RFC 8461 §3.2), in order.
    pub fields: Vec<(String, String)>,
    /// Why the fetch failed, in words.
    pub error: Option<String>,
}

/// Fetches MTA-STS policies.
pub(crate) struct MtaStsFetcher {
    client: reqwest::Client,
}

struct GuardedDns {
    resolver: Arc<dyn Resolver>,
    policy: TargetPolicy,
}

impl reqwest::dns::Resolve for GuardedDns {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.resolver.clone();
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let (a, aaaa) =
                futures::join!(resolver.query(&host, RecordType::A), resolver.query(&host, RecordType::Aaaa));
            let mut ips: Vec<IpAddr> = Vec::new();
            if let Ok(a) = a {
                ips.extend(a.ipv4().into_iter().map(IpAddr::V4));
            }
            if let Ok(aaaa) = aaaa {
                ips.extend(aaaa.ipv6().into_iter().map(IpAddr::V6));
            }
            let total = ips.len();
            let allowed: Vec<SocketAddr> =
                ips.into_iter().filter(|ip| policy.check_ip(*ip).is_ok()).map(|ip| SocketAddr::new(ip, 443)).collect();
            if allowed.is_empty() {
                let msg = if total == 0 {
                    format!("{host} has no address")
                } else {
                    format!("{host} resolves only to non-public addresses; refused")
                };
                return Err(Box::new(DnsRefusal(msg)) as Box<dyn std::error::Error + Send + Sync>);
            }
            let it: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(it)
        })
    }
}

impl MtaStsFetcher {
    /// A fetcher with the given TLS config and resolver.
    pub(crate) fn new(
        tls: rustls::ClientConfig,
        resolver: Arc<dyn Resolver>,
        policy: TargetPolicy,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(Arc::new(GuardedDns { resolver, policy }))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .no_proxy()
            .user_agent(concat!("inboxlens/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(MtaStsFetcher { client })
    }

    /// Fetches the policy of `domain` for the API: everything that happened, as data.
    pub(crate) async fn fetch(&self, domain: &str) -> Result<MtaStsFetch, String> {
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        if !is_valid_dns_name(&domain) {
            return Err(format!("{domain:?} is not a valid domain name"));
        }
        let url = policy_url(&domain);
        let mut out = MtaStsFetch {
            domain: domain.clone(),
            url,
            http_status: None,
            content_type: None,
            policy_text: None,
            fields: Vec::new(),
            error: None,
        };
        match self.fetch_raw(&domain).await {
            Err(e) => out.error = Some(e.to_string()),
            Ok(raw) => {
                out.http_status = Some(raw.status);
                out.content_type = raw.content_type;
                if raw.status != 200 {
                    out.error = Some(format!(
                        "HTTP {} (RFC 8461 §3.3: only 200 is a policy; redirects are not followed)",
                        raw.status
                    ));
                }
                let text = String::from_utf8_lossy(&raw.body).into_owned();
                out.fields = text
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .take(200)
                    .collect();
                out.policy_text = Some(text);
            }
        }
        Ok(out)
    }

    /// One GET, no redirects, body bounded to 64 KB.
    async fn fetch_raw(&self, domain: &str) -> Result<RawResponse, FetchError> {
        let mut resp = self.client.get(policy_url(domain)).send().await.map_err(|e| classify(&e))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| classify(&e))? {
            if body.len() + chunk.len() > MAX_POLICY {
                return Err(FetchError::TooLarge(MAX_POLICY));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse { status, content_type, body })
    }
}

struct RawResponse {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn policy_url(domain: &str) -> String {
    format!("https://mta-sts.{domain}/.well-known/mta-sts.txt")
}

/// The core's domain check fetches policies through this (RFC 8461 §3.3).
impl PolicyFetcher for MtaStsFetcher {
    fn fetch_mta_sts_policy<'a>(&'a self, domain: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            let raw = self.fetch_raw(domain).await?;
            if raw.status != 200 {
                return Err(FetchError::Status(raw.status));
            }
            Ok(String::from_utf8_lossy(&raw.body).into_owned())
        })
    }
}

/// Sorts a reqwest error into the core's [`FetchError`] kinds.
fn classify(e: &reqwest::Error) -> FetchError {
    let msg = describe_error(e);
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if s.downcast_ref::<rustls::Error>().is_some() {
            return FetchError::Tls(msg);
        }
        if s.downcast_ref::<DnsRefusal>().is_some() {
            return FetchError::Dns(msg);
        }
        src = s.source();
    }
    if e.is_connect() { FetchError::Connect(msg) } else { FetchError::Other(msg) }
}

/// Name resolution of the policy host failed or was refused by the target policy.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DnsRefusal(String);

fn describe_error(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}
