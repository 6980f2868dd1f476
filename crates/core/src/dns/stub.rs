//! Native stub resolver: plain DNS (RFC 1035 §4.2) over UDP with TCP fallback on
//! truncation (RFC 7766), to one recursive server — the one given with `--resolver`,
//! or the first nameserver of the system configuration (read with hickory-resolver).
//! We do the exchange ourselves to keep the AD bit and the exact rcode, and to bound
//! every step: a per-query deadline covers all attempts.

use super::wire::{MAX_MESSAGE, build_query, is_truncated, parse_response};
use super::{DnsAnswer, DnsError, DnsFuture, RecordType, Resolver};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// A stub resolver talking to one server.
#[derive(Debug, Clone)]
pub struct SystemResolver {
    server: SocketAddr,
    timeout: Duration,
    attempts: u32,
}

/// Why the resolver could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum StubError {
    /// `--resolver` was not `IP` or `IP:PORT`.
    #[error("invalid resolver address {0:?}: expected IP or IP:PORT")]
    BadAddress(String),
    /// The system configuration names no server.
    #[error("no nameserver in the system configuration: {0}")]
    NoSystemServer(String),
}

impl SystemResolver {
    /// Talks to `server`.
    pub fn new(server: SocketAddr) -> Self {
        SystemResolver { server, timeout: Duration::from_secs(5), attempts: 2 }
    }

    /// Parses `IP`, `IP:PORT` or `[v6]:PORT`.
    pub fn from_flag(flag: &str) -> Result<Self, StubError> {
        if let Ok(sa) = flag.parse::<SocketAddr>() {
            return Ok(Self::new(sa));
        }
        if let Ok(ip) = flag.trim_matches(|c| c == '[' || c == ']').parse::<IpAddr>() {
            return Ok(Self::new(SocketAddr::new(ip, 53)));
        }
        Err(StubError::BadAddress(flag.to_string()))
    }

    /// The first nameserver of /etc/resolv.conf (or the platform's equivalent).
    pub fn from_system() -> Result<Self, StubError> {
        let (config, _) =
            hickory_resolver::system_conf::read_system_conf().map_err(|e| StubError::NoSystemServer(e.to_string()))?;
        let ns =
            config.name_servers().first().ok_or_else(|| StubError::NoSystemServer("resolv.conf lists none".into()))?;
        Ok(Self::new(SocketAddr::new(ns.ip, 53)))
    }

    /// Sets the deadline for one question (all attempts together).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The server asked.
    pub fn server(&self) -> SocketAddr {
        self.server
    }

    async fn exchange(&self, name: &str, rtype: RecordType) -> Result<DnsAnswer, DnsError> {
        let attempts = self.attempts.max(1);
        let per_attempt = self.timeout / attempts;
        let mut last = DnsError::Timeout;
        for _ in 0..attempts {
            match tokio::time::timeout(per_attempt, self.udp(name, rtype)).await {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(err @ (DnsError::InvalidName(_) | DnsError::Malformed(_)))) => return Err(err),
                Ok(Err(err)) => last = err,
                Err(_) => last = DnsError::Timeout,
            }
        }
        Err(last)
    }

    async fn udp(&self, name: &str, rtype: RecordType) -> Result<DnsAnswer, DnsError> {
        let id: u16 = rand_id();
        let query = build_query(name, rtype, id, true)?;
        let bind: SocketAddr = if self.server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }
            .parse()
            .map_err(|_| DnsError::Transport("bind address".into()))?;
        let sock = UdpSocket::bind(bind).await.map_err(|e| DnsError::Transport(e.to_string()))?;
        sock.connect(self.server).await.map_err(|e| DnsError::Transport(e.to_string()))?;
        sock.send(&query).await.map_err(|e| DnsError::Transport(e.to_string()))?;
        let mut buf = vec![0u8; 4096];
        loop {
            let n = sock.recv(&mut buf).await.map_err(|e| DnsError::Transport(e.to_string()))?;
            let reply = buf.get(..n).unwrap_or_default();
            // Ignore stray datagrams with another id (RFC 5452 §9.1).
            if reply.len() < 12 || u16::from_be_bytes([reply[0], reply[1]]) != id {
                continue;
            }
            if is_truncated(reply) {
                return self.tcp(name, rtype).await;
            }
            return parse_response(reply, name, rtype);
        }
    }

    async fn tcp(&self, name: &str, rtype: RecordType) -> Result<DnsAnswer, DnsError> {
        let id = rand_id();
        let query = build_query(name, rtype, id, true)?;
        let mut stream = TcpStream::connect(self.server).await.map_err(|e| DnsError::Transport(e.to_string()))?;
        let len = u16::try_from(query.len()).map_err(|_| DnsError::Malformed("query too long".into()))?;
        let mut framed = len.to_be_bytes().to_vec();
        framed.extend_from_slice(&query);
        stream.write_all(&framed).await.map_err(|e| DnsError::Transport(e.to_string()))?;
        let mut lenbuf = [0u8; 2];
        stream.read_exact(&mut lenbuf).await.map_err(|e| DnsError::Transport(e.to_string()))?;
        let n = u16::from_be_bytes(lenbuf) as usize;
        if !(12..=MAX_MESSAGE).contains(&n) {
            return Err(DnsError::Malformed(format!("TCP answer of {n} bytes")));
        }
        let mut reply = vec![0u8; n];
        stream.read_exact(&mut reply).await.map_err(|e| DnsError::Transport(e.to_string()))?;
        if u16::from_be_bytes([reply[0], reply[1]]) != id {
            return Err(DnsError::Malformed("TCP answer with another id".into()));
        }
        parse_response(&reply, name, rtype)
    }
}

fn rand_id() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x5eed);
    (h.finish() & 0xffff) as u16
}

impl Resolver for SystemResolver {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a> {
        Box::pin(self.exchange(name, rtype))
    }
}
