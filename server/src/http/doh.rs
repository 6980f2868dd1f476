//! The DoH endpoint `/dns-query` (RFC 8484): GET `?dns=<base64url>` (§4.1) and POST
//! `application/dns-message` (§4.1). The wire query is validated (one question, class IN,
//! a plain query), sent to the server's own upstream resolver over UDP with a fresh random
//! ID (TCP when the answer is truncated, RFC 7766), checked against the question, and
//! returned byte for byte with the client's ID restored — so the AD bit (RFC 4035 §3.2.3)
//! and every record reach the browser exactly as the validating resolver sent them.
//!
//! A [`DohPolicy`] keeps the endpoint from being a window into the host's network: names
//! under private suffixes (`.internal`, `.corp`...) and reverse zones of non-public ranges
//! are answered REFUSED without asking upstream, so are queries with RD=0 (cache snooping),
//! and an answer whose A/AAAA records point into non-public ranges is replaced by REFUSED.

use crate::guard::non_public_reason;
use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::{DNSClass, RecordType};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// Largest query accepted (RFC 8484 allows 65535; real queries are under 512 bytes).
pub(crate) const MAX_QUERY: usize = 4096;

/// Why a query was not answered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DohError {
    /// The query is not acceptable (HTTP 400).
    #[error("{0}")]
    BadQuery(String),
    /// The upstream did not answer in time (HTTP 504).
    #[error("the upstream resolver did not answer within {0} ms")]
    Timeout(u64),
    /// The upstream failed or answered nonsense (HTTP 502).
    #[error("the upstream resolver failed: {0}")]
    Upstream(String),
}

/// Forwards wire-format queries to one upstream resolver.
#[derive(Debug, Clone)]
pub(crate) struct DohForwarder {
    upstream: SocketAddr,
    timeout: Duration,
    policy: DohPolicy,
}

/// What the DoH endpoint refuses to resolve for the public.
#[derive(Debug, Clone, Default)]
pub(crate) struct DohPolicy {
    private_suffixes: Vec<String>,
    refuse_private_answers: bool,
}

impl DohPolicy {
    /// The policy of `doh.*`; with `allow_private` (labs and tests) answers pointing into
    /// private ranges are let through, names and RD=0 are still checked.
    pub(crate) fn from_config(c: &crate::config::DohConfig, allow_private: bool) -> Self {
        DohPolicy {
            private_suffixes: c
                .private_suffixes
                .iter()
                .map(|s| s.trim().trim_matches('.').to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect(),
            refuse_private_answers: c.refuse_private_answers && !allow_private,
        }
    }

    /// Why this question is not forwarded, if it is not.
    pub(crate) fn refuse_question(&self, q: &Question) -> Option<&'static str> {
        if !q.recursion_desired {
            return Some("RD=0 (cache snooping) is not served");
        }
        let name = q.name.trim_end_matches('.');
        if self.private_suffixes.iter().any(|s| name == s || name.ends_with(&format!(".{s}"))) {
            return Some("the name is under a private suffix");
        }
        if reverse_zone_is_private(name) {
            return Some("the name is a reverse zone of a non-public range");
        }
        None
    }

    /// Whether an upstream answer points into a non-public range and must not be shown.
    pub(crate) fn refuse_answer(&self, answer: &[u8]) -> bool {
        if !self.refuse_private_answers {
            return false;
        }
        let Ok(msg) = Message::from_vec(answer) else { return false };
        msg.answers
            .iter()
            .chain(msg.additionals.iter())
            .filter_map(|r| r.data.ip_addr())
            .any(|ip| non_public_reason(ip).is_some())
    }
}

/// `true` for `in-addr.arpa` / `ip6.arpa` names whose (zero-padded) address is not public:
/// `10.in-addr.arpa`, `1.1.168.192.in-addr.arpa`, `…ip6.arpa` of fc00::/7. A name there that is
/// not a well-formed reverse name is treated as private too (nothing public lives there).
fn reverse_zone_is_private(name: &str) -> bool {
    if let Some(rest) = name.strip_suffix("in-addr.arpa") {
        let labels: Vec<&str> = rest.split('.').filter(|l| !l.is_empty()).collect();
        if labels.is_empty() || labels.len() > 4 {
            return true;
        }
        let mut o = [0u8; 4];
        for (i, l) in labels.iter().rev().enumerate() {
            match l.parse::<u8>() {
                Ok(v) => o[i] = v,
                Err(_) => return true,
            }
        }
        return non_public_reason(IpAddr::V4(Ipv4Addr::from(o))).is_some();
    }
    if let Some(rest) = name.strip_suffix("ip6.arpa") {
        let labels: Vec<&str> = rest.split('.').filter(|l| !l.is_empty()).collect();
        if labels.is_empty() || labels.len() > 32 {
            return true;
        }
        let mut v: u128 = 0;
        for (i, l) in labels.iter().rev().enumerate() {
            match u8::from_str_radix(l, 16) {
                Ok(n) if l.len() == 1 => v |= u128::from(n) << (124 - 4 * i),
                _ => return true,
            }
        }
        return non_public_reason(IpAddr::V6(Ipv6Addr::from(v))).is_some();
    }
    false
}

/// A REFUSED response (RFC 1035 §4.1.1 RCODE 5) to `query`, with its ID and question.
fn refused(query: &[u8]) -> Vec<u8> {
    let Ok(q) = Message::from_vec(query) else { return Vec::new() };
    let mut m = Message::error_msg(q.metadata.id, OpCode::Query, ResponseCode::Refused);
    m.metadata.recursion_desired = q.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    for question in q.queries {
        m.add_query(question);
    }
    m.to_vec().unwrap_or_default()
}

/// A forwarded answer.
#[derive(Debug)]
pub(crate) struct DohAnswer {
    /// The wire answer, client ID restored.
    pub wire: Vec<u8>,
    /// Smallest TTL in the answer (for Cache-Control, RFC 8484 §5.1).
    pub min_ttl: Option<u32>,
    /// `udp` or `tcp`.
    pub transport: &'static str,
}

/// Parses `IP` or `IP:PORT` (port 53 by default), `[v6]:port` included.
pub(crate) fn parse_upstream(s: &str) -> Option<SocketAddr> {
    let s = s.trim();
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa);
    }
    let bare = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(s);
    bare.parse::<std::net::IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53))
}

/// The first `nameserver` of /etc/resolv.conf.
pub(crate) fn system_upstream() -> Option<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .find_map(|rest| parse_upstream(rest.trim().split('%').next().unwrap_or("")))
}

impl DohForwarder {
    /// A forwarder to `upstream` with a per-query deadline.
    pub(crate) fn new(upstream: SocketAddr, timeout: Duration) -> Self {
        DohForwarder { upstream, timeout, policy: DohPolicy::default() }
    }

    /// The same forwarder under `policy`.
    pub(crate) fn with_policy(mut self, policy: DohPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The upstream address (for capabilities / logs).
    pub(crate) fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Validates `query`, forwards it and returns the answer.
    pub(crate) async fn forward(&self, query: &[u8]) -> Result<DohAnswer, DohError> {
        let question = validate_query(query)?;
        if let Some(reason) = self.policy.refuse_question(&question) {
            tracing::info!(reason, "DoH query refused by policy");
            return Ok(DohAnswer { wire: refused(query), min_ttl: None, transport: "refused" });
        }
        let client_id = u16::from_be_bytes([query[0], query[1]]);
        let our_id: u16 = rand::random();
        let mut wire = query.to_vec();
        wire[0..2].copy_from_slice(&our_id.to_be_bytes());
        let ms = self.timeout.as_millis() as u64;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let udp = tokio::time::timeout_at(deadline, self.udp(&wire, our_id, &question)).await;
        let (mut answer, transport) = match udp {
            Err(_) => return Err(DohError::Timeout(ms)),
            Ok(Err(e)) => return Err(e),
            Ok(Ok((resp, truncated))) => {
                if truncated {
                    match tokio::time::timeout_at(deadline, self.tcp(&wire, our_id, &question)).await {
                        Err(_) => return Err(DohError::Timeout(ms)),
                        Ok(r) => (r?, "tcp"),
                    }
                } else {
                    (resp, "udp")
                }
            }
        };
        if self.policy.refuse_answer(&answer) {
            tracing::info!("DoH answer refused: it points into a non-public range");
            return Ok(DohAnswer { wire: refused(query), min_ttl: None, transport: "refused" });
        }
        let min_ttl = Message::from_vec(&answer).ok().and_then(|m| m.answers.iter().map(|r| r.ttl).min());
        if answer.len() >= 2 {
            answer[0..2].copy_from_slice(&client_id.to_be_bytes());
        }
        Ok(DohAnswer { wire: answer, min_ttl, transport })
    }

    async fn udp(&self, wire: &[u8], id: u16, q: &Question) -> Result<(Vec<u8>, bool), DohError> {
        let bind: SocketAddr = if self.upstream.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }
            .parse()
            .map_err(|_| DohError::Upstream("bad bind address".into()))?;
        let sock = UdpSocket::bind(bind).await.map_err(|e| DohError::Upstream(e.to_string()))?;
        sock.connect(self.upstream).await.map_err(|e| DohError::Upstream(e.to_string()))?;
        sock.send(wire).await.map_err(|e| DohError::Upstream(e.to_string()))?;
        let mut buf = vec![0u8; 65_535];
        // Bounded: the caller's deadline ends this loop; stray datagrams are ignored.
        loop {
            let n = sock.recv(&mut buf).await.map_err(|e| DohError::Upstream(e.to_string()))?;
            let resp = buf.get(..n).unwrap_or(&[]);
            if let Some(truncated) = check_response(resp, id, q) {
                return Ok((resp.to_vec(), truncated));
            }
        }
    }

    async fn tcp(&self, wire: &[u8], id: u16, q: &Question) -> Result<Vec<u8>, DohError> {
        let mut s = TcpStream::connect(self.upstream).await.map_err(|e| DohError::Upstream(e.to_string()))?;
        let len = u16::try_from(wire.len()).map_err(|_| DohError::BadQuery("query too large".into()))?;
        let mut framed = Vec::with_capacity(wire.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(wire);
        s.write_all(&framed).await.map_err(|e| DohError::Upstream(e.to_string()))?;
        let mut lenbuf = [0u8; 2];
        s.read_exact(&mut lenbuf).await.map_err(|e| DohError::Upstream(e.to_string()))?;
        let n = usize::from(u16::from_be_bytes(lenbuf));
        let mut resp = vec![0u8; n];
        s.read_exact(&mut resp).await.map_err(|e| DohError::Upstream(e.to_string()))?;
        match check_response(&resp, id, q) {
            Some(_) => Ok(resp),
            None => Err(DohError::Upstream("the TCP answer does not match the question".into())),
        }
    }
}

/// The question of a query, for matching the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Question {
    name: String,
    rtype: RecordType,
    class: DNSClass,
    recursion_desired: bool,
}

/// RFC 8484 §4.1 / RFC 1035 §4.1: a standard query with exactly one question, class IN,
/// no answer records; zone transfers and ANY (RFC 8482) are refused.
pub(crate) fn validate_query(query: &[u8]) -> Result<Question, DohError> {
    if query.len() < 12 {
        return Err(DohError::BadQuery("the DNS message is shorter than a header".into()));
    }
    if query.len() > MAX_QUERY {
        return Err(DohError::BadQuery(format!("the DNS query is larger than {MAX_QUERY} bytes")));
    }
    let msg = Message::from_vec(query).map_err(|e| DohError::BadQuery(format!("not a DNS message: {e}")))?;
    if msg.metadata.message_type != MessageType::Query || msg.metadata.op_code != OpCode::Query {
        return Err(DohError::BadQuery("only standard queries are accepted".into()));
    }
    if msg.queries.len() != 1 || !msg.answers.is_empty() || !msg.authorities.is_empty() {
        return Err(DohError::BadQuery("a query must have exactly one question and no records".into()));
    }
    let Some(q) = msg.queries.first() else {
        return Err(DohError::BadQuery("no question".into()));
    };
    if q.query_class() != DNSClass::IN {
        return Err(DohError::BadQuery("only class IN is served".into()));
    }
    match q.query_type() {
        RecordType::AXFR | RecordType::IXFR => return Err(DohError::BadQuery("zone transfers are not served".into())),
        RecordType::ANY => return Err(DohError::BadQuery("ANY queries are not served (RFC 8482)".into())),
        _ => {}
    }
    Ok(Question {
        name: q.name().to_ascii().to_ascii_lowercase(),
        rtype: q.query_type(),
        class: q.query_class(),
        recursion_desired: msg.metadata.recursion_desired,
    })
}

/// `Some(truncated)` when `resp` is a response to our question with our ID.
fn check_response(resp: &[u8], id: u16, q: &Question) -> Option<bool> {
    let msg = Message::from_vec(resp).ok()?;
    if msg.metadata.id != id || msg.metadata.message_type != MessageType::Response {
        return None;
    }
    let rq = msg.queries.first()?;
    let same = rq.name().to_ascii().to_ascii_lowercase() == q.name
        && rq.query_type() == q.rtype
        && rq.query_class() == q.class;
    same.then_some(msg.metadata.truncation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;
    use hickory_proto::rr::Name;

    fn query(name: &str, t: RecordType) -> Vec<u8> {
        let mut m = Message::query();
        m.metadata.id = 0;
        m.metadata.recursion_desired = true;
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), t));
        m.to_vec().unwrap()
    }

    #[test]
    fn validates_queries() {
        assert!(validate_query(&query("good.test.", RecordType::MX)).is_ok());
        assert!(validate_query(&query("good.test.", RecordType::AXFR)).is_err());
        assert!(validate_query(&query("good.test.", RecordType::ANY)).is_err());
        assert!(validate_query(b"short").is_err());
        assert!(validate_query(&vec![0u8; MAX_QUERY + 1]).is_err());
        let mut resp = Message::response(0, OpCode::Query);
        resp.add_query(Query::query(Name::from_ascii("good.test.").unwrap(), RecordType::A));
        assert!(validate_query(&resp.to_vec().unwrap()).is_err(), "a response is not a query");
    }

    #[test]
    fn policy_refuses_private_names_rd0_and_private_reverse_zones() {
        let p = DohPolicy::from_config(&crate::config::DohConfig::default(), false);
        let q = |name: &str, rd: bool| {
            let mut m = Message::query();
            m.metadata.recursion_desired = rd;
            m.add_query(Query::query(Name::from_ascii(name).unwrap(), RecordType::A));
            validate_query(&m.to_vec().unwrap()).unwrap()
        };
        assert!(p.refuse_question(&q("db.corp.internal.", true)).is_some());
        assert!(p.refuse_question(&q("printer.LAN.", true)).is_some());
        assert!(p.refuse_question(&q("x.home.arpa.", true)).is_some());
        assert!(p.refuse_question(&q("good.test.", false)).is_some(), "RD=0");
        assert!(p.refuse_question(&q("5.1.168.192.in-addr.arpa.", true)).is_some());
        assert!(p.refuse_question(&q("10.in-addr.arpa.", true)).is_some());
        assert!(
            p.refuse_question(&q("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.", true))
                .is_some()
        );
        assert!(p.refuse_question(&q("8.8.8.8.in-addr.arpa.", true)).is_none());
        assert!(p.refuse_question(&q("good.test.", true)).is_none());
        assert!(p.refuse_question(&q("internalnews.example.", true)).is_none());
    }

    #[test]
    fn upstream_forms() {
        assert_eq!(parse_upstream("127.0.0.1"), Some("127.0.0.1:53".parse().unwrap()));
        assert_eq!(parse_upstream("127.0.0.1:5353"), Some("127.0.0.1:5353".parse().unwrap()));
        assert_eq!(parse_upstream("[::1]"), Some("[::1]:53".parse().unwrap()));
        assert_eq!(parse_upstream("nonsense"), None);
    }
}
