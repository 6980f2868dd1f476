//! DNS-over-HTTPS client (RFC 8484), natively and on wasm32 (reqwest uses `fetch`
//! in the browser). Queries use message id 0 (RFC 8484 §4.1) and the DO bit, so a
//! validating upstream reports the AD bit.

use super::wire::{MAX_MESSAGE, build_query, parse_response};
use super::{DnsAnswer, DnsError, DnsFuture, RecordType, Resolver};
use std::time::Duration;

/// RFC 8484 §6 media type.
pub const DNS_MESSAGE: &str = "application/dns-message";

/// GET (`?dns=` base64url, cache-friendly) or POST (body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DohMethod {
    /// The query base64url-encoded in the `dns` parameter (RFC 8484 §4.1): HTTP caches can keep answers.
    Get,
    /// The query as the request body, `application/dns-message` (RFC 8484 §4.1).
    Post,
}

/// A DoH resolver for one endpoint URL.
#[derive(Debug, Clone)]
pub struct DohResolver {
    endpoint: String,
    method: DohMethod,
    timeout: Duration,
    client: reqwest::Client,
}

impl DohResolver {
    /// A POST resolver with a 5 s deadline per query.
    pub fn new(endpoint: impl Into<String>) -> Self {
        DohResolver {
            endpoint: endpoint.into(),
            method: DohMethod::Post,
            timeout: Duration::from_secs(5),
            client: reqwest::Client::new(),
        }
    }

    /// Chooses GET or POST.
    pub fn with_method(mut self, method: DohMethod) -> Self {
        self.method = method;
        self
    }

    /// Sets the per-query deadline.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Uses a preconfigured HTTP client (extra CA roots, proxies).
    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = client;
        self
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn exchange(&self, name: &str, rtype: RecordType) -> Result<DnsAnswer, DnsError> {
        let query = build_query(name, rtype, 0, true)?;
        let request = match self.method {
            DohMethod::Post => self
                .client
                .post(&self.endpoint)
                .header("content-type", DNS_MESSAGE)
                .header("accept", DNS_MESSAGE)
                .body(query),
            DohMethod::Get => {
                let encoded = data_encoding::BASE64URL_NOPAD.encode(&query);
                self.client.get(&self.endpoint).query(&[("dns", encoded)]).header("accept", DNS_MESSAGE)
            }
        };
        let response = request.timeout(self.timeout).send().await.map_err(map_http_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(DnsError::Transport(format!("DoH endpoint answered HTTP {status}")));
        }
        if response.content_length().is_some_and(|len| len as usize > MAX_MESSAGE) {
            return Err(DnsError::Malformed("DoH answer larger than 65535 bytes".into()));
        }
        let body = response.bytes().await.map_err(map_http_error)?;
        parse_response(&body, name, rtype)
    }
}

fn map_http_error(err: reqwest::Error) -> DnsError {
    if err.is_timeout() { DnsError::Timeout } else { DnsError::Transport(err.to_string()) }
}

impl Resolver for DohResolver {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a> {
        Box::pin(self.exchange(name, rtype))
    }
}
