//! The one DNS seam of the core.
//!
//! Every check that needs DNS goes through [`Resolver`]. Implementations:
//! [`zone::ZoneResolver`] (RFC 1035 master files, offline or as an overlay),
//! [`doh::DohResolver`] (RFC 8484, native and wasm32), and, natively,
//! [`stub::StubResolver`] (plain DNS over UDP/TCP to one server, with the AD bit).
//! [`recorder::Recorder`] wraps any of them: it de-duplicates in-flight queries
//! and records every answer as evidence (`report.dns`), so a report can be replayed.
//!
//! Invariant: a timeout or SERVFAIL is a [`DnsError`] / temporary failure, never an
//! empty answer. Callers map it to `temperror`, never to "record missing".

pub mod doh;
pub mod mailauth_bridge;
pub mod overlay;
pub mod recorder;
#[cfg(not(target_arch = "wasm32"))]
pub mod stub;
pub mod wire;
pub mod zone;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::pin::Pin;

/// The record types the core asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordType {
    /// IPv4 address (RFC 1035 §3.4.1): where mail hosts live, and the answer form of DNSBL lookups.
    A,
    /// IPv6 address (RFC 3596).
    #[serde(rename = "AAAA")]
    Aaaa,
    /// Mail exchanger (RFC 1035 §3.3.9): the hosts that receive mail for a domain (RFC 5321 §5.1).
    #[serde(rename = "MX")]
    Mx,
    /// Text record (RFC 1035 §3.3.14): SPF, DKIM keys, DMARC, MTA-STS, TLS-RPT and BIMI live here.
    #[serde(rename = "TXT")]
    Txt,
    /// Reverse-DNS pointer (RFC 1035 §3.3.12): the name of an IP address, for forward-confirmed rDNS.
    #[serde(rename = "PTR")]
    Ptr,
    /// Alias (RFC 1035 §3.3.1): the name is another name; resolvers follow it.
    #[serde(rename = "CNAME")]
    Cname,
    /// Name server of a zone (RFC 1035 §3.3.11).
    #[serde(rename = "NS")]
    Ns,
    /// Start of a zone of authority (RFC 1035 §3.3.13): tells where a zone begins.
    #[serde(rename = "SOA")]
    Soa,
    /// TLS certificate association (RFC 6698): DANE for SMTP at `_25._tcp.<mx host>` (RFC 7672).
    #[serde(rename = "TLSA")]
    Tlsa,
    /// Certification authority authorization (RFC 8659): which CAs may issue for the name.
    #[serde(rename = "CAA")]
    Caa,
    /// Delegation signer (RFC 4034 §5): the parent's hash of a child zone's key, the link of the DNSSEC chain.
    #[serde(rename = "DS")]
    Ds,
    /// A zone's public DNSSEC key (RFC 4034 §2).
    #[serde(rename = "DNSKEY")]
    Dnskey,
}

impl RecordType {
    /// The presentation name (`"TXT"`).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Mx => "MX",
            RecordType::Txt => "TXT",
            RecordType::Ptr => "PTR",
            RecordType::Cname => "CNAME",
            RecordType::Ns => "NS",
            RecordType::Soa => "SOA",
            RecordType::Tlsa => "TLSA",
            RecordType::Caa => "CAA",
            RecordType::Ds => "DS",
            RecordType::Dnskey => "DNSKEY",
        }
    }

    /// Parses a presentation name, case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "A" => RecordType::A,
            "AAAA" => RecordType::Aaaa,
            "MX" => RecordType::Mx,
            "TXT" => RecordType::Txt,
            "PTR" => RecordType::Ptr,
            "CNAME" => RecordType::Cname,
            "NS" => RecordType::Ns,
            "SOA" => RecordType::Soa,
            "TLSA" => RecordType::Tlsa,
            "CAA" => RecordType::Caa,
            "DS" => RecordType::Ds,
            "DNSKEY" => RecordType::Dnskey,
            _ => return None,
        })
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// DNS response code of an answer (RFC 1035 §4.1.1, RFC 6895).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rcode {
    /// 0: the query was answered; with no records it is NODATA (the name exists without this type).
    NoError,
    /// 1: the server could not parse the query.
    FormErr,
    /// 2: the server failed (often a DNSSEC validation failure or an unreachable authority): a
    /// temporary error, never "no record".
    ServFail,
    /// 3: the name does not exist.
    NxDomain,
    /// 4: the server does not implement this kind of query.
    NotImp,
    /// 5: the server refuses to answer (policy, e.g. a DNSBL refusing public resolvers).
    Refused,
    /// Any other code (IANA DNS RCODE registry, RFC 6895), by number.
    Other(u16),
}

impl Rcode {
    /// From the numeric code.
    pub fn from_u16(code: u16) -> Self {
        match code {
            0 => Rcode::NoError,
            1 => Rcode::FormErr,
            2 => Rcode::ServFail,
            3 => Rcode::NxDomain,
            4 => Rcode::NotImp,
            5 => Rcode::Refused,
            n => Rcode::Other(n),
        }
    }
    /// The numeric code.
    pub fn to_u16(self) -> u16 {
        match self {
            Rcode::NoError => 0,
            Rcode::FormErr => 1,
            Rcode::ServFail => 2,
            Rcode::NxDomain => 3,
            Rcode::NotImp => 4,
            Rcode::Refused => 5,
            Rcode::Other(n) => n,
        }
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rcode::NoError => f.write_str("NOERROR"),
            Rcode::FormErr => f.write_str("FORMERR"),
            Rcode::ServFail => f.write_str("SERVFAIL"),
            Rcode::NxDomain => f.write_str("NXDOMAIN"),
            Rcode::NotImp => f.write_str("NOTIMP"),
            Rcode::Refused => f.write_str("REFUSED"),
            Rcode::Other(n) => write!(f, "RCODE{n}"),
        }
    }
}

/// The data of one resource record, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "UPPERCASE")]
pub enum RecordData {
    /// IPv4 address record.
    A {
        /// The address the name resolves to.
        address: Ipv4Addr,
    },
    /// IPv6 address record.
    #[serde(rename = "AAAA")]
    Aaaa {
        /// The address the name resolves to.
        address: Ipv6Addr,
    },
    /// Mail exchanger record.
    #[serde(rename = "MX")]
    Mx {
        /// Lower values are tried first (RFC 5321 §5.1); equal values share the load.
        preference: u16,
        /// The mail host, lower case without the trailing dot; empty for a null MX (`.`, RFC 7505).
        exchange: String,
    },
    /// The character-strings of one TXT record, as raw bytes (RFC 1035 §3.3.14).
    /// RFC 7208 §3.3: SPF (and DKIM/DMARC) readers concatenate them with nothing between.
    #[serde(rename = "TXT")]
    Txt {
        /// The character-strings (each at most 255 bytes), in record order.
        strings: Vec<Vec<u8>>,
    },
    /// Reverse-DNS pointer record.
    #[serde(rename = "PTR")]
    Ptr {
        /// The host name the address points to, lower case without the trailing dot.
        name: String,
    },
    /// Alias record.
    #[serde(rename = "CNAME")]
    Cname {
        /// The canonical name the alias points to.
        name: String,
    },
    /// Name server record.
    #[serde(rename = "NS")]
    Ns {
        /// The host name of the name server.
        name: String,
    },
    /// DANE TLSA record (RFC 6698 §2.1).
    #[serde(rename = "TLSA")]
    Tlsa {
        /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE; SMTP uses 2 and 3 (RFC 7672 §3.1).
        usage: u8,
        /// Which part of the certificate is matched: 0 the whole certificate, 1 its SubjectPublicKeyInfo.
        selector: u8,
        /// How `data` is compared: 0 the bytes themselves, 1 their SHA-256, 2 their SHA-512.
        matching: u8,
        /// The association data (the selected bytes or their digest), raw bytes, not hex.
        data: Vec<u8>,
    },
    /// CAA record (RFC 8659 §4.1).
    #[serde(rename = "CAA")]
    Caa {
        /// Flags; 128 is the issuer-critical bit (an unknown critical tag forbids issuance).
        flags: u8,
        /// Property tag: `issue`, `issuewild`, `iodef`, ...
        tag: String,
        /// Property value, e.g. the CA's domain for `issue`.
        value: String,
    },
    /// Any other type, in presentation form.
    #[serde(rename = "OTHER")]
    Other {
        /// The type's name as the DNS library prints it (`SOA`, or a number for types it does not know).
        rtype: String,
        /// The RDATA in presentation (zone file) form.
        text: String,
    },
}

impl RecordData {
    /// The TXT record's character-strings concatenated (RFC 7208 §3.3), lossily as UTF-8.
    pub fn txt_joined(&self) -> Option<String> {
        match self {
            RecordData::Txt { strings } => Some(String::from_utf8_lossy(&strings.concat()).into_owned()),
            _ => None,
        }
    }

    /// The TXT record's character-strings concatenated as raw bytes.
    pub fn txt_bytes(&self) -> Option<Vec<u8>> {
        match self {
            RecordData::Txt { strings } => Some(strings.concat()),
            _ => None,
        }
    }

    /// Presentation form, as `dig` would print the RDATA.
    pub fn to_presentation(&self) -> String {
        match self {
            RecordData::A { address } => address.to_string(),
            RecordData::Aaaa { address } => address.to_string(),
            RecordData::Mx { preference, exchange } => format!("{preference} {exchange}"),
            RecordData::Txt { strings } => {
                strings.iter().map(|s| format!("\"{}\"", escape_txt(s))).collect::<Vec<_>>().join(" ")
            }
            RecordData::Ptr { name } | RecordData::Cname { name } | RecordData::Ns { name } => name.clone(),
            RecordData::Tlsa { usage, selector, matching, data } => {
                format!("{usage} {selector} {matching} {}", hex(data))
            }
            RecordData::Caa { flags, tag, value } => format!("{flags} {tag} \"{value}\""),
            RecordData::Other { text, .. } => text.clone(),
        }
    }
}

/// Escapes a TXT character-string for presentation (RFC 1035 §5.1).
pub fn escape_txt(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out
}

/// Lower-case hex.
pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// One resource record of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRecord {
    /// Owner name, lower case, no trailing dot.
    pub name: String,
    /// Seconds the answer may be cached, as the answering resolver gave it (counts down in caches).
    pub ttl: u32,
    /// The decoded RDATA.
    pub data: RecordData,
}

/// A DNS answer as the core sees it: the response code, the records of the asked
/// type at the asked name (after following CNAMEs), and the DNSSEC AD bit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsAnswer {
    /// Response code: NOERROR without records (NODATA) and NXDOMAIN mean "no such record"; any
    /// other code is a failure that says nothing about the data ([`DnsAnswer::is_failure`]).
    pub rcode: Rcode,
    /// Records of the requested type (owner may be a CNAME target).
    pub records: Vec<DnsRecord>,
    /// CNAME records followed to reach the answer, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cnames: Vec<DnsRecord>,
    /// The AD bit: the answering resolver validated it with DNSSEC (RFC 4035 §3.2.3).
    pub authenticated: bool,
}

impl DnsAnswer {
    /// An answer with records.
    pub fn with_records(records: Vec<DnsRecord>) -> Self {
        DnsAnswer { rcode: Rcode::NoError, records, cnames: Vec::new(), authenticated: false }
    }
    /// NXDOMAIN: the name does not exist.
    pub fn nxdomain() -> Self {
        DnsAnswer { rcode: Rcode::NxDomain, records: Vec::new(), cnames: Vec::new(), authenticated: false }
    }
    /// NODATA: the name exists, with no record of this type.
    pub fn nodata() -> Self {
        DnsAnswer { rcode: Rcode::NoError, records: Vec::new(), cnames: Vec::new(), authenticated: false }
    }
    /// NXDOMAIN, or NOERROR without records: RFC 7208 §4.6.4 calls both "void".
    pub fn is_empty_or_nxdomain(&self) -> bool {
        self.rcode == Rcode::NxDomain || (self.rcode == Rcode::NoError && self.records.is_empty())
    }
    /// SERVFAIL / REFUSED / other errors: the answer says nothing about the data.
    pub fn is_failure(&self) -> bool {
        !matches!(self.rcode, Rcode::NoError | Rcode::NxDomain)
    }
    /// TXT records, each with its strings joined (RFC 7208 §3.3).
    pub fn txt(&self) -> Vec<String> {
        self.records.iter().filter_map(|r| r.data.txt_joined()).collect()
    }
    /// TXT records as raw bytes, each with its strings joined.
    pub fn txt_bytes(&self) -> Vec<Vec<u8>> {
        self.records.iter().filter_map(|r| r.data.txt_bytes()).collect()
    }
    /// IPv4 addresses in the answer.
    pub fn ipv4(&self) -> Vec<Ipv4Addr> {
        self.records
            .iter()
            .filter_map(|r| match r.data {
                RecordData::A { address } => Some(address),
                _ => None,
            })
            .collect()
    }
    /// IPv6 addresses in the answer.
    pub fn ipv6(&self) -> Vec<Ipv6Addr> {
        self.records
            .iter()
            .filter_map(|r| match r.data {
                RecordData::Aaaa { address } => Some(address),
                _ => None,
            })
            .collect()
    }
    /// MX records as (preference, exchange), in answer order.
    pub fn mx(&self) -> Vec<(u16, String)> {
        self.records
            .iter()
            .filter_map(|r| match &r.data {
                RecordData::Mx { preference, exchange } => Some((*preference, exchange.clone())),
                _ => None,
            })
            .collect()
    }
    /// Names in PTR / CNAME / NS records.
    pub fn names(&self) -> Vec<String> {
        self.records
            .iter()
            .filter_map(|r| match &r.data {
                RecordData::Ptr { name } | RecordData::Cname { name } | RecordData::Ns { name } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }
    /// The smallest TTL of the records, if any.
    pub fn min_ttl(&self) -> Option<u32> {
        self.records.iter().map(|r| r.ttl).min()
    }
}

/// Why a query produced no answer at all. Every variant is a *temporary* failure
/// for the checks (RFC 7208 §5 "temperror"), never "no record".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum DnsError {
    /// No answer within the deadline.
    #[error("DNS query timed out")]
    Timeout,
    /// The transport failed (socket, HTTP, fetch).
    #[error("DNS transport failed: {0}")]
    Transport(String),
    /// The answer could not be decoded.
    #[error("malformed DNS answer: {0}")]
    Malformed(String),
    /// The name is not a valid DNS name.
    #[error("invalid DNS name: {0}")]
    InvalidName(String),
}

/// The future a [`Resolver`] returns: `Send` natively, local on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub type DnsFuture<'a> = Pin<Box<dyn Future<Output = Result<DnsAnswer, DnsError>> + Send + 'a>>;
/// The future a [`Resolver`] returns: `Send` natively, local on wasm32.
#[cfg(target_arch = "wasm32")]
pub type DnsFuture<'a> = Pin<Box<dyn Future<Output = Result<DnsAnswer, DnsError>> + 'a>>;

/// `Send + Sync` natively; nothing on wasm32 (single-threaded, JS futures are !Send).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSendSync for T {}
/// `Send + Sync` natively; nothing on wasm32 (single-threaded, JS futures are !Send).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSendSync for T {}

/// The DNS seam. `name` is a domain name with or without the trailing dot, any case.
///
/// Implementations answer NXDOMAIN / NODATA as `Ok(DnsAnswer)` with the right
/// `rcode`, and transport trouble as `Err(DnsError)`. They do not retry forever:
/// every query ends within the implementation's deadline.
pub trait Resolver: MaybeSendSync {
    /// Ask one question.
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a>;
}

impl<R: Resolver + ?Sized> Resolver for std::sync::Arc<R> {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a> {
        (**self).query(name, rtype)
    }
}

impl<R: Resolver + ?Sized> Resolver for &R {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a> {
        (**self).query(name, rtype)
    }
}

/// Lower-cases a name and strips the trailing dot: the form used for keys and evidence.
pub fn normalize_name(name: &str) -> String {
    let n = name.trim_end_matches('.');
    n.to_ascii_lowercase()
}

/// The reverse-lookup name of an address (RFC 1035 §3.5, RFC 3596 §2.5).
pub fn reverse_name(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        std::net::IpAddr::V6(v6) => {
            let mut s = String::with_capacity(72);
            for b in v6.octets().iter().rev() {
                s.push(char::from_digit((b & 0xf) as u32, 16).unwrap_or('0'));
                s.push('.');
                s.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
                s.push('.');
            }
            s.push_str("ip6.arpa");
            s
        }
    }
}
