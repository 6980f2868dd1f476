//! The DoH endpoint `/dns-query` (RFC 8484): GET `?dns=<base64url>` (§4.1) and POST
//! `application/dns-message` (§4.1). The wire query is validated (one question, class IN,
//! a plain query), sent to the server's own upstream resolver over UDP with a fresh random
//! ID (TCP when the answer is truncated, RFC 7766), checked against the question, and
//! returned byte for byte with the client's ID restored — so the AD bit (RFC 4035 §3.2.3)
//! and every record reach the browser exactly as the validating resolver sent them.

use hickory_proto::op::{Message, MessageType, OpCode};
use hickory_proto::rr::{DNSClass, RecordType};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// Largest query accepted (RFC 8484 allows 65535; real queries are under 512 bytes).
pub const MAX_QUERY: usize = 4096;

/// Why a query was not answered.
#[derive(Debug, thiserror::Error)]
pub enum DohError {
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
pub struct DohForwarder {
    upstream: SocketAddr,
    timeout: Duration,
}

/// A forwarded answer.
#[derive(Debug)]
pub struct DohAnswer {
    /// The wire answer, client ID restored.
    pub wire: Vec<u8>,
    /// Smallest TTL in the answer (for Cache-Control, RFC 8484 §5.1).
    pub min_ttl: Option<u32>,
    /// `udp` or `tcp`.
    pub transport: &'static str,
}

/// Parses `IP` or `IP:PORT` (port 53 by default), `[v6]:port` included.
pub fn parse_upstream(s: &str) -> Option<SocketAddr> {
    let s = s.trim();
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Some(sa);
    }
    let bare = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(s);
    bare.parse::<std::net::IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53))
}

/// The first `nameserver` of /etc/resolv.conf.
pub fn system_upstream() -> Option<SocketAddr> {
    let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .find_map(|rest| parse_upstream(rest.trim().split('%').next().unwrap_or("")))
}

impl DohForwarder {
    /// A forwarder to `upstream` with a per-query deadline.
    pub fn new(upstream: SocketAddr, timeout: Duration) -> Self {
        DohForwarder { upstream, timeout }
    }

    /// The upstream address (for capabilities / logs).
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Validates `query`, forwards it and returns the answer.
    pub async fn forward(&self, query: &[u8]) -> Result<DohAnswer, DohError> {
        let question = validate_query(query)?;
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
pub struct Question {
    name: String,
    rtype: RecordType,
    class: DNSClass,
}

/// RFC 8484 §4.1 / RFC 1035 §4.1: a standard query with exactly one question, class IN,
/// no answer records; zone transfers and ANY (RFC 8482) are refused.
pub fn validate_query(query: &[u8]) -> Result<Question, DohError> {
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
    Ok(Question { name: q.name().to_ascii().to_ascii_lowercase(), rtype: q.query_type(), class: q.query_class() })
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
    fn upstream_forms() {
        assert_eq!(parse_upstream("127.0.0.1"), Some("127.0.0.1:53".parse().unwrap()));
        assert_eq!(parse_upstream("127.0.0.1:5353"), Some("127.0.0.1:5353".parse().unwrap()));
        assert_eq!(parse_upstream("[::1]"), Some("[::1]:53".parse().unwrap()));
        assert_eq!(parse_upstream("nonsense"), None);
    }
}
