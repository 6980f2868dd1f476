//! Target policy: where the server may open a connection on someone's behalf.
//!
//! A probe server reachable from the internet is an SSRF tool unless it refuses every
//! non-public address. The policy is applied twice: to the addresses DNS returned (before
//! connecting) and to the address the socket actually connected to (after), so a name that
//! re-resolves to 127.0.0.1 between the two (DNS rebinding) is still refused. Ports are
//! limited to the SMTP set. `allow_private` lifts the address rule for labs and tests only.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpStream;

/// The ports a probe may connect to: SMTP (25, RFC 5321), submissions (465, RFC 8314),
/// submission (587, RFC 6409) and the common alternative 2525.
pub(crate) const ALLOWED_PORTS: [u16; 4] = [25, 465, 587, 2525];

/// Why a target was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum GuardError {
    /// The address is not a public unicast address. The message does not repeat the address:
    /// it would tell a stranger what an internal name resolves to.
    #[error("refusing to connect: the target resolves to a {reason} address (probes only go to public addresses)")]
    NonPublic { ip: IpAddr, reason: &'static str },
    /// The port is not one of the SMTP ports.
    #[error("refusing port {0}: only the SMTP ports 25, 465, 587 and 2525 may be probed")]
    Port(u16),
    /// The host name is not a syntactically valid DNS name or IP literal.
    #[error("{0:?} is not a valid host name")]
    BadHost(String),
}

/// Why a guarded connection failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    /// Refused by the policy (before or after connecting).
    #[error(transparent)]
    Refused(#[from] GuardError),
    /// No connection within the deadline.
    #[error("connection timed out after {0} ms")]
    Timeout(u64),
    /// The connection failed (refused, unreachable...).
    #[error("connection failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Classifies an address: `None` when it is public unicast, else the kind of special range.
/// Ranges from the IANA special-purpose registries (RFC 6890 and updates).
pub(crate) fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if o[0] == 0 {
        return Some("\"this network\" (RFC 791)");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    if o[0] == 10 || (o[0] == 172 && (16..=31).contains(&o[1])) || (o[0] == 192 && o[1] == 168) {
        return Some("private (RFC 1918)");
    }
    if o[0] == 100 && (64..=127).contains(&o[1]) {
        return Some("shared CGNAT (RFC 6598)");
    }
    if o[0] == 169 && o[1] == 254 {
        return Some("link-local (RFC 3927; cloud metadata lives here)");
    }
    if o[0] == 192 && o[1] == 0 && o[2] == 0 {
        return Some("IETF protocol assignment (RFC 6890)");
    }
    if (o[0] == 192 && o[1] == 0 && o[2] == 2)
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113)
    {
        return Some("documentation (RFC 5737)");
    }
    if o[0] == 198 && (o[1] == 18 || o[1] == 19) {
        return Some("benchmarking (RFC 2544)");
    }
    if o[0] == 192 && o[1] == 88 && o[2] == 99 {
        return Some("6to4 relay anycast (RFC 7526)");
    }
    if ip.is_multicast() {
        return Some("multicast");
    }
    if ip.is_broadcast() {
        return Some("broadcast");
    }
    if o[0] >= 240 {
        return Some("reserved (RFC 1112)");
    }
    None
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible addresses reach the embedded IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_reason(v4);
    }
    let seg = ip.segments();
    // SIIT IPv4-translated addresses ::ffff:0:a.b.c.d (RFC 2765 §2.1, ::ffff:0:0:0/96).
    if seg[0..6] == [0, 0, 0, 0, 0xffff, 0] {
        return Some("IPv4-translated (RFC 2765)");
    }
    // Local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215): translates into the operator's own network.
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1 {
        return Some("local-use NAT64 (RFC 8215)");
    }
    if seg[0..6] == [0, 0, 0, 0, 0, 0] {
        return Some("IPv4-compatible (deprecated, RFC 4291)");
    }
    // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052) translates to the embedded IPv4 address.
    if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
        let o = ip.octets();
        let v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
        return v4_reason(v4);
    }
    if seg[0] & 0xfe00 == 0xfc00 {
        return Some("unique local (RFC 4193)");
    }
    if seg[0] & 0xffc0 == 0xfe80 {
        return Some("link-local");
    }
    if seg[0] & 0xffc0 == 0xfec0 {
        return Some("site-local (deprecated, RFC 3879)");
    }
    if ip.is_multicast() {
        return Some("multicast");
    }
    if seg[0] == 0x2001 && seg[1] == 0x0db8 {
        return Some("documentation (RFC 3849)");
    }
    if seg[0] == 0x0100 && seg[1..4] == [0, 0, 0] {
        return Some("discard-only (RFC 6666)");
    }
    if seg[0] == 0x2002 {
        // 6to4: the embedded IPv4 address decides.
        let o = ip.octets();
        return v4_reason(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    if seg[0] == 0x2001 && seg[1] < 0x0200 {
        return Some("IETF protocol assignment (RFC 6890)");
    }
    None
}

/// The policy every probe goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TargetPolicy {
    /// Lift the address rule (labs and tests). Ports stay restricted.
    pub allow_private: bool,
}

impl TargetPolicy {
    /// Checks an address.
    pub(crate) fn check_ip(&self, ip: IpAddr) -> Result<(), GuardError> {
        if self.allow_private {
            // Even a lab has no business with the unspecified or multicast addresses.
            if ip.is_unspecified() || ip.is_multicast() {
                return Err(GuardError::NonPublic {
                    ip,
                    reason: if ip.is_unspecified() { "unspecified" } else { "multicast" },
                });
            }
            return Ok(());
        }
        match non_public_reason(ip) {
            Some(reason) => Err(GuardError::NonPublic { ip, reason }),
            None => Ok(()),
        }
    }

    /// Checks a port.
    pub(crate) fn check_port(&self, port: u16) -> Result<(), GuardError> {
        if ALLOWED_PORTS.contains(&port) { Ok(()) } else { Err(GuardError::Port(port)) }
    }

    /// Connects to `addr` within `timeout`, checking the policy on the address asked for
    /// and again on the peer address the socket reports (rebinding / NAT64 surprises).
    pub(crate) async fn connect(&self, addr: SocketAddr, timeout: Duration) -> Result<TcpStream, ConnectError> {
        self.check_port(addr.port())?;
        self.check_ip(addr.ip())?;
        let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(r) => r?,
            Err(_) => return Err(ConnectError::Timeout(timeout.as_millis() as u64)),
        };
        let peer = stream.peer_addr()?;
        self.check_ip(peer.ip())?;
        self.check_port(peer.port())?;
        Ok(stream)
    }
}

/// Validates a host given by a user: an IP literal (optionally in brackets) or a DNS name
/// (RFC 1123 §2.1 labels, 253 octets at most). Returns the normalized form.
pub(crate) fn parse_host(input: &str) -> Result<HostSpec, GuardError> {
    let s = input.trim();
    let unbracketed = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(s);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Ok(HostSpec::Ip(ip));
    }
    let name = inboxlens_core::names::normalize(s);
    if is_valid_dns_name(&name) {
        Ok(HostSpec::Name(name))
    } else {
        Err(GuardError::BadHost(input.chars().take(100).collect()))
    }
}

/// A parsed host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostSpec {
    /// An IP literal.
    Ip(IpAddr),
    /// A lower-case DNS name without the trailing dot.
    Name(String),
}

/// RFC 1035 §2.3.4 / RFC 1123 §2.1 host name syntax (letters, digits, hyphens; underscores
/// are tolerated because real MX targets sometimes have them). At least two labels.
pub(crate) fn is_valid_dns_name(name: &str) -> bool {
    name == "localhost" || inboxlens_core::names::check(name, inboxlens_core::names::Syntax::HOST).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssrf_matrix() {
        let p = TargetPolicy { allow_private: false };
        for bad in [
            "127.0.0.1",
            "127.0.0.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.254",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:7f00:1::1",
            "2001:db8::1",
            "64:ff9b:1::808:808",
            "64:ff9b:1:ffff::1",
            "::ffff:0:808:808",
            "::ffff:0:0a00:1",
        ] {
            let ip: IpAddr = bad.parse().unwrap();
            assert!(p.check_ip(ip).is_err(), "{bad} should be refused");
        }
        for good in ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2a00:1450:4001::1", "64:ff9b::808:808"] {
            let ip: IpAddr = good.parse().unwrap();
            assert!(p.check_ip(ip).is_ok(), "{good} should be allowed");
        }
        let lab = TargetPolicy { allow_private: true };
        assert!(lab.check_ip("127.0.0.10".parse().unwrap()).is_ok());
        assert!(lab.check_ip("0.0.0.0".parse().unwrap()).is_err());
    }

    #[test]
    fn ports_and_hosts() {
        let p = TargetPolicy { allow_private: true };
        for port in ALLOWED_PORTS {
            assert!(p.check_port(port).is_ok());
        }
        for port in [22, 80, 443, 6379, 0] {
            assert_eq!(p.check_port(port), Err(GuardError::Port(port)));
        }
        assert_eq!(parse_host("MX.Good.Test.").unwrap(), HostSpec::Name("mx.good.test".into()));
        assert_eq!(parse_host("[::1]").unwrap(), HostSpec::Ip("::1".parse().unwrap()));
        assert!(parse_host("a b.test").is_err());
        assert!(parse_host("http://x.test/").is_err());
        assert!(parse_host("-x.test").is_err());
    }

    #[tokio::test]
    async fn connect_refuses_before_dialing() {
        let p = TargetPolicy { allow_private: false };
        let err = p.connect("127.0.0.1:25".parse().unwrap(), Duration::from_millis(200)).await;
        assert!(matches!(err, Err(ConnectError::Refused(GuardError::NonPublic { .. }))));
        let err = p.connect("8.8.8.8:80".parse().unwrap(), Duration::from_millis(200)).await;
        assert!(matches!(err, Err(ConnectError::Refused(GuardError::Port(80)))));
    }
}
