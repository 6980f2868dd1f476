//! TLS side of the SMTP probe: the handshake (STARTTLS, RFC 3207, or implicit TLS, RFC 8314),
//! then an independent look at what the server presented: certificate chain, trust against
//! the webpki roots plus configured anchors, host-name match (RFC 6125 §6.4), and DANE
//! TLSA matching (RFC 6698 §2.1, RFC 7672 §3).
//!
//! The handshake itself accepts any certificate (signatures are still verified): a probe must
//! be able to *report* an untrusted or expired certificate, not just fail on it.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256, Sha512};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

pub(crate) use inboxlens_core::smtp::report::{CertInfo, ChainEntry, DaneInfo, Tlsa};

/// Trust material and crypto shared by every probe.
#[derive(Debug, Clone)]
pub(crate) struct TlsSettings {
    /// The rustls provider (aws-lc-rs).
    pub provider: Arc<CryptoProvider>,
    /// webpki (Mozilla) roots plus the configured extra anchors.
    pub roots: Arc<RootCertStore>,
    /// How many extra anchors were loaded (reported by `/api/capabilities`).
    pub extra_anchor_count: usize,
}

/// Why the trust material could not be loaded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TlsSetupError {
    /// An anchor file could not be read or parsed.
    #[error("trust anchor file {path}: {message}")]
    Anchor { path: String, message: String },
}

impl TlsSettings {
    /// Builds the root store from webpki-roots plus the PEM files in `extra`.
    pub(crate) fn new(extra: &[impl AsRef<Path>]) -> Result<Self, TlsSetupError> {
        let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let mut count = 0;
        for path in extra {
            let path = path.as_ref();
            let err = |message: String| TlsSetupError::Anchor { path: path.display().to_string(), message };
            let iter = CertificateDer::pem_file_iter(path).map_err(|e| err(e.to_string()))?;
            let mut in_file = 0;
            for cert in iter {
                let cert = cert.map_err(|e| err(e.to_string()))?;
                roots.add(cert).map_err(|e| err(e.to_string()))?;
                in_file += 1;
            }
            if in_file == 0 {
                return Err(err("no CERTIFICATE block found".into()));
            }
            count += in_file;
        }
        Ok(TlsSettings {
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
            roots: Arc::new(roots),
            extra_anchor_count: count,
        })
    }

    /// Client config used by probes: any certificate is accepted during the handshake (signatures
    /// are verified), and trust is judged afterwards by [`TlsSettings::assess`].
    pub(crate) fn probe_client_config(&self) -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
        let verifier = Arc::new(AcceptAnyCert { provider: self.provider.clone() });
        let cfg = rustls::ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Arc::new(cfg))
    }

    /// Client config that verifies normally (used for HTTPS fetches such as MTA-STS policies).
    pub(crate) fn verifying_client_config(&self) -> Result<rustls::ClientConfig, rustls::Error> {
        Ok(rustls::ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(self.roots.clone())
            .with_no_client_auth())
    }

    /// Judges a presented chain for `host` (a DNS name or an IP literal).
    pub(crate) fn assess(&self, host: &str, chain: &[CertificateDer<'_>], now_unix: u64) -> CertInfo {
        let mut info = CertInfo::default();
        let Some(leaf) = chain.first() else {
            info.trust_error = Some("the server presented no certificate".into());
            return info;
        };
        let parsed = describe(leaf);
        match parsed {
            Some(d) => {
                info.subject = d.subject;
                info.issuer = d.issuer;
                info.sans = d.sans;
                info.not_before = d.not_before;
                info.not_after = d.not_after;
                info.expired = d.not_after_unix.map(|t| t < now_unix as i64);
                info.days_left = d.not_after_unix.map(|t| (t - now_unix as i64).div_euclid(86_400));
                info.hostname_match = name_matches(host, &info.sans);
            }
            None => info.trust_error = Some("the certificate could not be parsed".into()),
        }
        info.chain = chain
            .iter()
            .filter_map(|c| describe(c))
            .map(|d| ChainEntry { subject: d.subject, issuer: d.issuer, not_after: d.not_after })
            .collect();
        let server_name = match host.parse::<IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => match ServerName::try_from(host.to_string()) {
                Ok(n) => n,
                Err(_) => {
                    info.trust_error = Some(format!("{host:?} is not a valid server name"));
                    return info;
                }
            },
        };
        let verifier =
            match WebPkiServerVerifier::builder_with_provider(self.roots.clone(), self.provider.clone()).build() {
                Ok(v) => v,
                Err(e) => {
                    info.trust_error = Some(format!("verifier unavailable: {e}"));
                    return info;
                }
            };
        let intermediates = chain.get(1..).unwrap_or(&[]);
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(now_unix));
        match verifier.verify_server_cert(leaf, intermediates, &server_name, &[], now) {
            Ok(_) => info.trusted = true,
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. },
            )) => {
                // The chain is trusted; only the name is wrong (reported by hostname_match).
                info.trusted = true;
                info.hostname_match = false;
            }
            Err(e) => {
                info.trusted = false;
                info.trust_error = Some(e.to_string());
            }
        }
        info
    }
}

struct Described {
    subject: String,
    issuer: String,
    sans: Vec<String>,
    not_before: Option<String>,
    not_after: Option<String>,
    not_after_unix: Option<i64>,
}

fn describe(der: &CertificateDer<'_>) -> Option<Described> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for gn in &ext.value.general_names {
            match gn {
                GeneralName::DNSName(n) => sans.push(n.to_ascii_lowercase()),
                GeneralName::IPAddress(bytes) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*bytes) {
                        sans.push(IpAddr::from(a).to_string());
                    } else if let Ok(a) = <[u8; 16]>::try_from(*bytes) {
                        sans.push(IpAddr::from(a).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let nb = cert.validity().not_before.timestamp();
    let na = cert.validity().not_after.timestamp();
    Some(Described {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        sans,
        not_before: Some(rfc3339(nb)),
        not_after: Some(rfc3339(na)),
        not_after_unix: Some(na),
    })
}

/// Formats unix seconds as RFC 3339 UTC (`2026-11-23T11:00:00Z`), proleptic Gregorian.
pub(crate) fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, (secs % 3600) / 60, secs % 60)
}

/// RFC 6125 §6.4: does one of `sans` match `host`? A wildcard is only the whole left-most
/// label and matches exactly one label. IP hosts match IP SANs only.
pub(crate) fn name_matches(host: &str, sans: &[String]) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if let Ok(ip) = host.parse::<IpAddr>() {
        return sans.iter().any(|s| s.parse::<IpAddr>().ok() == Some(ip));
    }
    sans.iter().any(|san| {
        let san = san.trim_end_matches('.').to_ascii_lowercase();
        if let Some(rest) = san.strip_prefix("*.") {
            match host.split_once('.') {
                Some((first, tail)) => !first.is_empty() && tail == rest && rest.contains('.'),
                None => false,
            }
        } else {
            san == host
        }
    })
}

/// Matches TLSA records against a chain (leaf first): usage 3 (DANE-EE) against the leaf,
/// usage 2 (DANE-TA) against the other certificates; usages 0/1 are not used for SMTP
/// (RFC 7672 §3.1.3) and never count as a match.
pub(crate) fn dane_match(records: &[Tlsa], chain: &[CertificateDer<'_>]) -> Option<String> {
    for rec in records {
        let Some(want) = unhex(&rec.data) else { continue };
        let candidates: Vec<&CertificateDer<'_>> = match rec.usage {
            3 => chain.iter().take(1).collect(),
            2 => chain.iter().skip(1).collect(),
            _ => continue,
        };
        for cert in candidates {
            let selected: Vec<u8> = match rec.selector {
                0 => cert.as_ref().to_vec(),
                1 => match spki(cert) {
                    Some(s) => s,
                    None => continue,
                },
                _ => continue,
            };
            let digest: Vec<u8> = match rec.matching {
                0 => selected,
                1 => Sha256::digest(&selected).to_vec(),
                2 => Sha512::digest(&selected).to_vec(),
                _ => continue,
            };
            if digest == want {
                return Some(format!("{} {} {} {}", rec.usage, rec.selector, rec.matching, rec.data));
            }
        }
    }
    None
}

fn spki(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    use x509_parser::prelude::*;
    let (_, c) = X509Certificate::from_der(cert.as_ref()).ok()?;
    Some(c.tbs_certificate.subject_pki.raw.to_vec())
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect()
}

/// Accepts any certificate chain but still checks the handshake signatures with the provider's
/// algorithms, so the session really is with the key in the presented certificate.
#[derive(Debug)]
struct AcceptAnyCert {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_rules() {
        let sans = vec!["*.good.test".to_string(), "good.test".to_string()];
        assert!(name_matches("mx.good.test", &sans));
        assert!(name_matches("GOOD.test.", &sans));
        assert!(!name_matches("a.mx.good.test", &sans));
        assert!(!name_matches("good.test.evil", &sans));
        assert!(!name_matches("x.test", &["*.test".to_string()]), "no wildcard over a TLD-like single label");
        assert!(name_matches("192.0.2.1", &["192.0.2.1".to_string()]));
        assert!(!name_matches("192.0.2.1", &["*.good.test".to_string()]));
    }

    #[test]
    fn time_format() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
