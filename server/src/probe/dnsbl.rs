//! DNS blocklist lookups (RFC 5782), the resolving half: every list of the subject's kind is
//! asked in parallel through the server's resolver, under a deadline. What the answers mean
//! (per-list return codes, `listed` / `not_listed` / `unknown`, `blocklist.*` findings) is
//! judged by the core: `inboxlens_core::dnsbl`.

use crate::config::{DnsblConfig, DnsblList};
use crate::guard::is_valid_dns_name;
use inboxlens_core::dns::{Rcode, RecordType, Resolver};
use inboxlens_core::dnsbl::{ListLookup, ListProfile, list_result, query_name};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

pub(crate) use inboxlens_core::dnsbl::{DnsblReport, ListResult, Status, Subject};

/// Why a query could not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DnsblError {
    /// The input is neither an IP address nor a domain name.
    #[error("{0:?} is neither an IP address nor a domain name")]
    BadQuery(String),
}

/// Parses user input: an IP address, or a domain name (lower-cased, trailing dot removed).
pub(crate) fn parse_subject(input: &str) -> Result<Subject, DnsblError> {
    let s = input.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(Subject::Ip(ip));
    }
    let d = s.trim_end_matches('.').to_ascii_lowercase();
    if is_valid_dns_name(&d) {
        Ok(Subject::Domain(d))
    } else {
        Err(DnsblError::BadQuery(s.chars().take(100).collect()))
    }
}

/// Runs DNSBL lookups through the server's resolver.
pub(crate) struct DnsblChecker {
    resolver: Arc<dyn Resolver>,
    config: DnsblConfig,
}

impl DnsblChecker {
    /// A checker over `resolver` with the configured lists.
    pub(crate) fn new(resolver: Arc<dyn Resolver>, config: DnsblConfig) -> Self {
        DnsblChecker { resolver, config }
    }

    /// The configured lists (for `/api/capabilities`).
    pub(crate) fn config(&self) -> &DnsblConfig {
        &self.config
    }

    /// Looks `input` up on every list of its kind, in parallel.
    pub(crate) async fn check(&self, input: &str) -> Result<DnsblReport, DnsblError> {
        let subject = parse_subject(input)?;
        let lists = match &subject {
            Subject::Ip(_) => &self.config.ip_lists,
            Subject::Domain(_) => &self.config.domain_lists,
        };
        let timeout = Duration::from_millis(self.config.timeout_ms);
        let futs = lists.iter().map(|list| self.one(&subject, list, timeout));
        let lists = futures::future::join_all(futs).await;
        Ok(DnsblReport::new(&subject, lists))
    }

    async fn one(&self, subject: &Subject, list: &DnsblList, timeout: Duration) -> ListResult {
        let zone = list.zone.trim_end_matches('.').to_ascii_lowercase();
        let profile = ListProfile::from_name(&list.profile);
        let name = query_name(subject, &zone);
        let lookup = match tokio::time::timeout(timeout, self.resolver.query(&name, RecordType::A)).await {
            Ok(Ok(a)) => match a.rcode {
                Rcode::NxDomain => ListLookup::NxDomain,
                Rcode::NoError => ListLookup::Answer(a.ipv4()),
                other => ListLookup::Rcode(other.to_string()),
            },
            Ok(Err(e)) => ListLookup::Failed(e.to_string()),
            Err(_) => ListLookup::TimedOut(timeout.as_millis() as u64),
        };
        let mut out = list_result(&zone, profile, &lookup);
        // RFC 5782 §2.1: the TXT record at the same name carries the listing reason.
        if out.status == Status::Listed
            && let Ok(Ok(t)) = tokio::time::timeout(timeout, self.resolver.query(&name, RecordType::Txt)).await
        {
            out.txt = t.txt().into_iter().map(|s| s.chars().take(500).collect()).take(10).collect();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects() {
        assert_eq!(parse_subject(" 127.0.0.66 ").unwrap(), Subject::Ip("127.0.0.66".parse().unwrap()));
        assert_eq!(parse_subject("Bad.Test.").unwrap(), Subject::Domain("bad.test".into()));
        assert!(parse_subject("not a domain").is_err());
        assert!(parse_subject("bad.test\r\n").is_ok_and(|s| s == Subject::Domain("bad.test".into())));
    }
}
