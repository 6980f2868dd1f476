//! Bridge between our DNS seam and `mail-auth`'s verifiers.
//!
//! `mail-auth` resolves through a compiled-in backend unless its [`DnsCache`] answers.
//! [`SeamCache`] is a `DnsCache` filled *before* verification from our [`Resolver`]
//! (every needed name fetched in parallel), and it answers **every** lookup: a name that
//! was not prefetched gets a resolver error (a temporary failure), never a fall-through
//! to `mail-auth`'s own resolver. As a second guard, [`authenticator`] builds the
//! `MessageAuthenticator` with an endpoint that cannot be parsed as a URL, so even a
//! fall-through could not put a packet on the wire.
//!
//! Answers keep the seam's invariant: NXDOMAIN / NODATA become
//! `DnsError::RecordNotFound(rcode)` ("no record"), timeouts and SERVFAIL become
//! `DnsError::Resolver` (temperror), never "missing".
//!
//! Keys are lower-case FQDNs with a trailing dot, as `mail-auth` builds them.

use super::{DnsAnswer, DnsError as SeamError, Rcode, RecordType, Resolver};
use mail_auth::dkim::{AtpsRecord, DkimReportRecord, DomainKey};
use mail_auth::dmarc::DmarcRecord;
use mail_auth::dns::TxtRecordParser;
use mail_auth::{DnsCache, DnsError, Error, MessageAuthenticator, Negative, RecordSet, ResolverCache, TxtRecord};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The text `mail-auth` sees for a name that was not prefetched.
pub const NOT_PREFETCHED: &str = "name was not prefetched through the DNS seam";

/// Upper bound of names one verification may prefetch (bounded work per message).
pub const MAX_PREFETCH: usize = 256;

/// Which parser a TXT name's answer goes through (RFC 6376 §3.6.2.2 key records,
/// RFC 9989 §4.7 policy records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxtKind {
    /// `<selector>._domainkey.<d>`: a DKIM / ARC public key record.
    DomainKey,
    /// `_dmarc.<domain>`: a DMARC policy record.
    Dmarc,
    /// `_report._domainkey.<d>`: a DKIM failure-reporting record (RFC 6651 §3), read
    /// when a signature has `r=y`.
    DkimReport,
    /// `<d or hash>._atps.<domain>`: an ATPS authorization (RFC 6541 §4).
    Atps,
}

impl TxtKind {
    /// The kind a name implies: `_dmarc.` prefix or `._domainkey.` label.
    pub fn of_name(name: &str) -> Option<Self> {
        let n = name.to_ascii_lowercase();
        if n.starts_with("_dmarc.") {
            Some(TxtKind::Dmarc)
        } else if n.contains("._domainkey.") {
            Some(TxtKind::DomainKey)
        } else {
            None
        }
    }
}

/// What the seam answered for one TXT name, kept raw for our own record parsing
/// (key size, flags, DMARC record text), so that `mail-auth` and our reports read the
/// very same answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawTxt {
    /// TXT records, each with its character-strings joined (RFC 7208 §3.3).
    Records(Vec<Vec<u8>>),
    /// NXDOMAIN: the name does not exist.
    NxDomain,
    /// NOERROR without TXT records.
    NoData,
    /// Timeout, SERVFAIL, transport failure: a temporary error.
    Failed(String),
}

impl RawTxt {
    /// From a seam answer.
    pub fn from_answer(answer: Result<DnsAnswer, SeamError>) -> Self {
        match answer {
            Err(e) => RawTxt::Failed(e.to_string()),
            Ok(a) if a.is_failure() => RawTxt::Failed(format!("{}", a.rcode)),
            Ok(a) if a.rcode == Rcode::NxDomain => RawTxt::NxDomain,
            Ok(a) => {
                let txt = a.txt_bytes();
                if txt.is_empty() { RawTxt::NoData } else { RawTxt::Records(txt) }
            }
        }
    }

    /// The records as lossy UTF-8 strings (empty unless [`RawTxt::Records`]).
    pub fn texts(&self) -> Vec<String> {
        match self {
            RawTxt::Records(r) => r.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect(),
            _ => Vec::new(),
        }
    }

    /// Converts to the parsed value `mail-auth` caches: `T::parse_records(..)` for data,
    /// `RecordNotFound(rcode)` for NXDOMAIN (3) / NODATA (0), `Resolver` for failures.
    pub fn to_txt_record(&self, kind: TxtKind) -> TxtRecord {
        match self {
            RawTxt::Records(records) => match kind {
                TxtKind::DomainKey => DomainKey::parse_records(records).into(),
                TxtKind::Dmarc => DmarcRecord::parse_records(records).into(),
                TxtKind::DkimReport => DkimReportRecord::parse_records(records).into(),
                TxtKind::Atps => AtpsRecord::parse_records(records).into(),
            },
            RawTxt::NxDomain => TxtRecord::Error(Error::Dns(DnsError::RecordNotFound(3))),
            RawTxt::NoData => TxtRecord::Error(Error::Dns(DnsError::RecordNotFound(0))),
            RawTxt::Failed(why) => TxtRecord::Error(Error::Dns(DnsError::Resolver(why.clone()))),
        }
    }

    /// True for a temporary failure.
    pub fn is_failed(&self) -> bool {
        matches!(self, RawTxt::Failed(_))
    }
}

/// Existence of a name as its A lookup saw it (RFC 9989 `np=` needs it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existence {
    /// The name has A records, or exists without them (NODATA).
    Exists,
    /// NXDOMAIN.
    NxDomain,
    /// The lookup failed (timeout / SERVFAIL).
    Unknown,
}

/// The set of names to fetch before verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefetch {
    /// TXT names (any case, with or without trailing dot) and their parser.
    pub txt: Vec<(String, TxtKind)>,
    /// Names whose A record decides existence (the RFC5322.From domains).
    pub a: Vec<String>,
}

impl Prefetch {
    /// Adds a TXT name once.
    pub fn add_txt(&mut self, name: &str, kind: TxtKind) {
        let key = fqdn(name);
        if !self.txt.iter().any(|(n, _)| fqdn(n) == key) && self.txt.len() < MAX_PREFETCH {
            self.txt.push((key, kind));
        }
    }
    /// Adds an A name once.
    pub fn add_a(&mut self, name: &str) {
        let key = fqdn(name);
        if !self.a.iter().any(|n| fqdn(n) == key) && self.a.len() < MAX_PREFETCH {
            self.a.push(key);
        }
    }
    /// Adds `_dmarc.<suffix>` for every name the RFC 9989 §4.10.1 DNS tree walk of
    /// `domain` queries: the domain itself, then (after skipping to 7 labels for long
    /// names) each parent down to the top-level label.
    pub fn add_dmarc_walk(&mut self, domain: &str) {
        for name in dmarc_walk_names(domain) {
            self.add_txt(&format!("_dmarc.{name}"), TxtKind::Dmarc);
        }
    }
}

/// The names the RFC 9989 §4.10.1 tree walk visits for `domain`, in order (the same
/// sequence `mail-auth` queries): all labels, then at most 7, then one fewer each step.
pub fn dmarc_walk_names(domain: &str) -> Vec<String> {
    let d = crate::dns::normalize_name(domain);
    let labels: Vec<&str> = d.split('.').filter(|l| !l.is_empty()).collect();
    let total = labels.len();
    let mut out = Vec::new();
    if total < 2 {
        return out;
    }
    let mut count = total;
    loop {
        let start = total - count;
        if let Some(slice) = labels.get(start..) {
            out.push(slice.join("."));
        }
        if count == 1 {
            break;
        }
        count = if count >= 8 { 7 } else { count - 1 };
    }
    out
}

/// Lower-case FQDN with trailing dot: the key form `mail-auth` uses.
/// Exactly `mail-auth`'s `ToFqdn`, so that a prefetched key always matches its lookup.
pub fn fqdn(name: &str) -> String {
    use mail_auth::dns::ToFqdn;
    name.to_fqdn().into_owned()
}

/// TXT cache: parsed answers by FQDN; a miss answers a resolver error.
pub struct TxtCache {
    map: HashMap<Box<str>, TxtRecord>,
    misses: AtomicUsize,
}

impl ResolverCache<Box<str>, TxtRecord> for TxtCache {
    fn get<Q>(&self, name: &Q) -> Option<TxtRecord>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.map.get(name) {
            Some(v) => Some(v.clone()),
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Some(TxtRecord::Error(Error::Dns(DnsError::Resolver(NOT_PREFETCHED.to_string()))))
            }
        }
    }
    fn remove<Q>(&self, _name: &Q) -> Option<TxtRecord>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        None
    }
    fn insert(&self, _key: Box<str>, _value: TxtRecord, _valid_until: web_time::Instant) {}
}

/// Answer caches for A/AAAA/MX/PTR: prefilled where needed; every miss answers a
/// SERVFAIL-coded negative (which `mail-auth` treats as "unknown", never NXDOMAIN).
pub struct AnswerCache<K, T> {
    map: HashMap<K, Result<RecordSet<T>, Negative>>,
    misses: AtomicUsize,
}

impl<K: Hash + Eq, T: Clone> ResolverCache<K, Result<RecordSet<T>, Negative>> for AnswerCache<K, T> {
    fn get<Q>(&self, name: &Q) -> Option<Result<RecordSet<T>, Negative>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        match self.map.get(name) {
            Some(v) => Some(v.clone()),
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                Some(Err(Negative { code: Rcode::ServFail.to_u16() }))
            }
        }
    }
    fn remove<Q>(&self, _name: &Q) -> Option<Result<RecordSet<T>, Negative>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        None
    }
    fn insert(&self, _key: K, _value: Result<RecordSet<T>, Negative>, _valid_until: web_time::Instant) {}
}

/// A [`DnsCache`] holding exactly the seam's answers for one verification.
pub struct SeamCache {
    txt: TxtCache,
    ipv4: AnswerCache<Box<str>, Ipv4Addr>,
    ipv6: AnswerCache<Box<str>, Ipv6Addr>,
    mx: AnswerCache<Box<str>, mail_auth::Mx>,
    ptr: AnswerCache<IpAddr, Box<str>>,
    raw: HashMap<String, RawTxt>,
    existence: HashMap<String, Existence>,
}

impl SeamCache {
    /// Fetches every name of `plan` through `resolver`, all in parallel, and keeps
    /// the answers (raw and parsed for `mail-auth`).
    pub async fn prefetch(resolver: &dyn Resolver, plan: &Prefetch) -> Self {
        let txt_names: Vec<(String, TxtKind)> =
            plan.txt.iter().take(MAX_PREFETCH).map(|(n, k)| (fqdn(n), *k)).collect();
        let a_names: Vec<String> = plan.a.iter().take(MAX_PREFETCH).map(|n| fqdn(n)).collect();
        let txt_futs = txt_names.iter().map(|(n, _)| resolver.query(n, RecordType::Txt));
        let a_futs = a_names.iter().map(|n| resolver.query(n, RecordType::A));
        let (txt_answers, a_answers) =
            futures::future::join(futures::future::join_all(txt_futs), futures::future::join_all(a_futs)).await;

        let mut txt_map = HashMap::new();
        let mut raw = HashMap::new();
        for ((name, kind), answer) in txt_names.into_iter().zip(txt_answers) {
            let r = RawTxt::from_answer(answer);
            txt_map.insert(name.clone().into_boxed_str(), r.to_txt_record(kind));
            raw.insert(name, r);
        }
        let mut ipv4_map = HashMap::new();
        let mut existence = HashMap::new();
        for (name, answer) in a_names.into_iter().zip(a_answers) {
            let (value, ex) = match answer {
                Err(_) => (Err(Negative { code: Rcode::ServFail.to_u16() }), Existence::Unknown),
                Ok(a) if a.is_failure() => (Err(Negative { code: a.rcode.to_u16() }), Existence::Unknown),
                Ok(a) if a.rcode == Rcode::NxDomain => (Err(Negative { code: 3 }), Existence::NxDomain),
                Ok(a) => {
                    let ips = a.ipv4();
                    if ips.is_empty() {
                        (Err(Negative { code: 0 }), Existence::Exists)
                    } else {
                        (
                            Ok(RecordSet {
                                records: Arc::from(ips.into_boxed_slice()),
                                dnssec_status: if a.authenticated {
                                    mail_auth::DnssecStatus::Secure
                                } else {
                                    mail_auth::DnssecStatus::Indeterminate
                                },
                            }),
                            Existence::Exists,
                        )
                    }
                }
            };
            ipv4_map.insert(name.clone().into_boxed_str(), value);
            existence.insert(name, ex);
        }
        SeamCache {
            txt: TxtCache { map: txt_map, misses: AtomicUsize::new(0) },
            ipv4: AnswerCache { map: ipv4_map, misses: AtomicUsize::new(0) },
            ipv6: AnswerCache { map: HashMap::new(), misses: AtomicUsize::new(0) },
            mx: AnswerCache { map: HashMap::new(), misses: AtomicUsize::new(0) },
            ptr: AnswerCache { map: HashMap::new(), misses: AtomicUsize::new(0) },
            raw,
            existence,
        }
    }

    /// The raw answer for a prefetched TXT name (any case, dot optional).
    pub fn raw_txt(&self, name: &str) -> Option<&RawTxt> {
        self.raw.get(&fqdn(name))
    }

    /// The parsed value `mail-auth` will see for a TXT name.
    pub fn txt_record(&self, name: &str) -> Option<TxtRecord> {
        self.txt.map.get(fqdn(name).as_str()).cloned()
    }

    /// Whether a prefetched A name exists.
    pub fn existence(&self, name: &str) -> Existence {
        self.existence.get(&fqdn(name)).copied().unwrap_or(Existence::Unknown)
    }

    /// How many lookups asked for a name that was not prefetched (each answered as a
    /// temporary error). Zero in a correct prefetch plan.
    pub fn misses(&self) -> usize {
        self.txt.misses.load(Ordering::Relaxed)
            + self.ipv4.misses.load(Ordering::Relaxed)
            + self.ipv6.misses.load(Ordering::Relaxed)
            + self.mx.misses.load(Ordering::Relaxed)
            + self.ptr.misses.load(Ordering::Relaxed)
    }
}

impl DnsCache for SeamCache {
    type Txt = TxtCache;
    type Mx = AnswerCache<Box<str>, mail_auth::Mx>;
    type Ipv4 = AnswerCache<Box<str>, Ipv4Addr>;
    type Ipv6 = AnswerCache<Box<str>, Ipv6Addr>;
    type Ptr = AnswerCache<IpAddr, Box<str>>;

    fn txt(&self) -> Option<&Self::Txt> {
        Some(&self.txt)
    }
    fn mx(&self) -> Option<&Self::Mx> {
        Some(&self.mx)
    }
    fn ipv4(&self) -> Option<&Self::Ipv4> {
        Some(&self.ipv4)
    }
    fn ipv6(&self) -> Option<&Self::Ipv6> {
        Some(&self.ipv6)
    }
    fn ptr(&self) -> Option<&Self::Ptr> {
        Some(&self.ptr)
    }
}

/// The `MessageAuthenticator` used with a [`SeamCache`]. It never performs I/O: every
/// lookup is answered by the cache, and its DoH endpoint is an unparsable URL, so a
/// request could not even be built.
///
/// Built once per process: constructing one builds an HTTP client, which loads the
/// system's root certificates (~150 file reads) — measured as most of the time of a
/// message analysis before this was cached. Clones share the client.
pub fn authenticator() -> MessageAuthenticator {
    static AUTHENTICATOR: std::sync::OnceLock<MessageAuthenticator> = std::sync::OnceLock::new();
    AUTHENTICATOR.get_or_init(|| MessageAuthenticator::new_doh("")).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_names_follow_rfc9989_order() {
        assert_eq!(
            dmarc_walk_names("a.b.example.com."),
            vec!["a.b.example.com", "b.example.com", "example.com", "com"]
        );
        let long = dmarc_walk_names("a.b.c.d.e.f.g.h.example.com");
        assert_eq!(long.first().map(String::as_str), Some("a.b.c.d.e.f.g.h.example.com"));
        assert_eq!(long.get(1).map(String::as_str), Some("d.e.f.g.h.example.com"));
        assert_eq!(long.len(), 8);
        assert!(dmarc_walk_names("localhost").is_empty());
    }

    #[tokio::test]
    async fn prefetched_answers_only_and_misses_are_temperrors() {
        use crate::dns::RecordData;
        use crate::dns::zone::ZoneResolver;
        let mut zone = ZoneResolver::new();
        zone.add_record(
            "sel._domainkey.example.com",
            300,
            RecordData::Txt {
                strings: vec![b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=".to_vec()],
            },
        );
        zone.add_record("_dmarc.example.com", 300, RecordData::Txt { strings: vec![b"v=DMARC1; p=reject".to_vec()] });
        zone.fail("_dmarc.slow.example", SeamError::Timeout);
        let mut plan = Prefetch::default();
        plan.add_txt("SEL._domainkey.Example.com.", TxtKind::DomainKey);
        plan.add_txt("_dmarc.example.com", TxtKind::Dmarc);
        plan.add_txt("_dmarc.slow.example", TxtKind::Dmarc);
        plan.add_txt("_dmarc.missing.example", TxtKind::Dmarc);
        plan.add_a("example.com");
        let cache = SeamCache::prefetch(&zone, &plan).await;
        assert!(matches!(cache.txt_record("sel._domainkey.example.com"), Some(TxtRecord::DomainKey(_))));
        assert!(matches!(cache.txt_record("_dmarc.example.com"), Some(TxtRecord::Dmarc(_))));
        assert!(matches!(
            cache.txt_record("_dmarc.slow.example"),
            Some(TxtRecord::Error(Error::Dns(DnsError::Resolver(_))))
        ));
        assert!(matches!(
            cache.txt_record("_dmarc.missing.example"),
            Some(TxtRecord::Error(Error::Dns(DnsError::RecordNotFound(3))))
        ));
        assert_eq!(cache.existence("example.com"), Existence::Exists);
        // A name nobody prefetched never reaches mail-auth's resolver.
        let txt = cache.txt().expect("txt cache");
        assert!(matches!(
            txt.get::<str>("other._domainkey.example.com."),
            Some(TxtRecord::Error(Error::Dns(DnsError::Resolver(_))))
        ));
        assert_eq!(cache.misses(), 1);
        let a = cache.ipv4().expect("a cache");
        assert!(matches!(a.get::<str>("nowhere.example."), Some(Err(Negative { code: 2 }))));
        assert_eq!(cache.misses(), 2);
    }

    #[test]
    fn raw_answers_map_to_mailauth_errors() {
        let nx = RawTxt::from_answer(Ok(DnsAnswer::nxdomain()));
        assert!(matches!(
            nx.to_txt_record(TxtKind::DomainKey),
            TxtRecord::Error(Error::Dns(DnsError::RecordNotFound(3)))
        ));
        let nodata = RawTxt::from_answer(Ok(DnsAnswer::nodata()));
        assert!(matches!(
            nodata.to_txt_record(TxtKind::Dmarc),
            TxtRecord::Error(Error::Dns(DnsError::RecordNotFound(0)))
        ));
        let timeout = RawTxt::from_answer(Err(SeamError::Timeout));
        assert!(matches!(timeout.to_txt_record(TxtKind::Dmarc), TxtRecord::Error(Error::Dns(DnsError::Resolver(_)))));
        let servfail = RawTxt::from_answer(Ok(DnsAnswer {
            rcode: Rcode::ServFail,
            records: vec![],
            cnames: vec![],
            authenticated: false,
        }));
        assert!(servfail.is_failed());
    }
}
