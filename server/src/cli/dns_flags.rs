//! The DNS flags every subcommand shares (`--zone`, `--offline`, `--resolver`, `--doh`)
//! and the resolver they build.

use clap::Args;
use std::path::PathBuf;

/// Where DNS answers come from.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct DnsArgs {
    /// Zone file (RFC 1035 master format) to overlay on live DNS; repeatable.
    #[arg(long = "zone", value_name = "FILE")]
    pub zones: Vec<PathBuf>,
    /// Keep going when a --zone file has bad lines: skip them with a warning (line number and
    /// reason on stderr) instead of refusing the whole file.
    #[arg(long)]
    pub zone_lenient: bool,
    /// Answer only from the --zone files: absent names are NXDOMAIN, absent types NODATA.
    #[arg(long)]
    pub offline: bool,
    /// DNS server to ask (plain DNS over UDP/TCP), instead of the system resolver.
    #[arg(long, value_name = "IP[:PORT]")]
    pub resolver: Option<String>,
    /// DNS-over-HTTPS endpoint (RFC 8484), e.g. https://dns.example/dns-query.
    #[arg(long, value_name = "URL", conflicts_with = "resolver")]
    pub doh: Option<String>,
    /// Per-query deadline in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    pub dns_timeout_ms: u64,
}

use inboxlens_core::dns::{Resolver, doh::DohResolver, overlay::Overlay, stub::SystemResolver, zone::ZoneResolver};
use std::sync::Arc;
use std::time::Duration;

/// Why the DNS flags do not make a resolver.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DnsSetupError {
    /// A zone file is unreadable or invalid.
    #[error(transparent)]
    Zone(#[from] inboxlens_core::dns::zone::ZoneError),
    /// `--resolver` is invalid or the system has no resolver.
    #[error(transparent)]
    Stub(#[from] inboxlens_core::dns::stub::StubError),
    /// `--offline` without any `--zone`.
    #[error("--offline needs at least one --zone FILE (every name would be NXDOMAIN)")]
    OfflineWithoutZone,
    /// `--doh` is not an http(s) URL.
    #[error("--doh needs an http:// or https:// URL, got {0:?}")]
    BadDohUrl(String),
}

impl DnsArgs {
    /// The resolver these flags describe: zones alone (`--offline`), or zones overlaid
    /// on DoH / the given server / the system resolver.
    pub(crate) fn build_resolver(&self) -> Result<Arc<dyn Resolver>, DnsSetupError> {
        let timeout = Duration::from_millis(self.dns_timeout_ms.max(1));
        let zone = if self.zones.is_empty() {
            None
        } else if self.zone_lenient {
            let (zone, warnings) = ZoneResolver::from_files_lenient(&self.zones)?;
            for w in warnings {
                eprintln!("warning: --zone {w}");
            }
            Some(zone)
        } else {
            Some(ZoneResolver::from_files(&self.zones)?)
        };
        if self.offline {
            return zone.map(|z| Arc::new(z) as Arc<dyn Resolver>).ok_or(DnsSetupError::OfflineWithoutZone);
        }
        let live: Arc<dyn Resolver> = if let Some(url) = &self.doh {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(DnsSetupError::BadDohUrl(url.clone()));
            }
            Arc::new(DohResolver::new(url.clone()).with_timeout(timeout))
        } else if let Some(server) = &self.resolver {
            Arc::new(SystemResolver::from_flag(server)?.with_timeout(timeout))
        } else {
            Arc::new(SystemResolver::from_system()?.with_timeout(timeout))
        };
        Ok(match zone {
            Some(z) => Arc::new(Overlay::new(z, live)),
            None => live,
        })
    }
}
