//! MX records of a domain (RFC 5321 §5.1): preferences, null MX (RFC 7505), MX →
//! CNAME (RFC 2181 §10.3), MX → IP literal, hosts that do not resolve, A/AAAA per
//! host, and PTR with forward-confirmed reverse DNS per address.

use super::query::{Ctx, QueryError};
use super::{LookupStatus, fixes};
use crate::dns::{RecordType, reverse_name};
use crate::findings::{Finding, catalog::domain as cat};
use crate::verdict::word_enum;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// At most this many MX hosts are examined (hostile answers).
pub const MAX_HOSTS: usize = 20;

word_enum! {
    /// What became of one MX host.
    pub enum MxHostStatus {
        /// It has addresses.
        Ok => "ok",
        /// The name exists but has no A/AAAA record.
        NoAddress => "no_address",
        /// The name does not exist.
        Nxdomain => "nxdomain",
        /// The exchange is an IP address, not a host name (RFC 5321 §5.1 needs a name).
        IpLiteral => "ip_literal",
        /// Its lookups failed temporarily: not "no address".
        Temperror => "temperror",
        /// `MX 0 .`: the domain accepts no mail (RFC 7505).
        NullMx => "null_mx",
    }
}

/// One MX host (`mx[]` in the JSON contract).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MxHost {
    /// The exchange, lower case, no trailing dot.
    pub host: String,
    /// The preference (lower is tried first).
    pub preference: u16,
    /// Its IPv4 and IPv6 addresses.
    pub addresses: Vec<String>,
    /// What became of the host.
    pub status: MxHostStatus,
    /// The canonical name when the host is a CNAME (not allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cname: Option<String>,
    /// Reverse DNS of each address.
    pub reverse: Vec<ReverseDns>,
    /// Temporary failure detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// PTR and forward confirmation of one address.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReverseDns {
    /// The address.
    pub address: String,
    /// Its PTR names.
    pub ptr: Vec<String>,
    /// Whether one PTR name resolves back to the address (None: unknown / no PTR).
    pub fcrdns: Option<bool>,
    /// Temporary failure detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Summary of the MX set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MxSummary {
    /// found / none / temperror.
    pub status: LookupStatus,
    /// `MX 0 .` published (RFC 7505).
    pub null_mx: bool,
    /// No MX: mail goes to the domain's own A/AAAA (RFC 5321 §5.1), listed here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implicit_addresses: Vec<String>,
    /// Temporary failure detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_ip_literal(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.parse::<IpAddr>().is_ok() || (!h.is_empty() && h.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// PTR and forward confirmation of one address, alone (the inbound listener's client):
/// the same lookups as an MX host's, under `timeout_ms` per query and overall.
pub async fn reverse_dns(resolver: &dyn crate::dns::Resolver, ip: IpAddr, timeout_ms: u64) -> ReverseDns {
    let ctx = Ctx::new(resolver, timeout_ms, timeout_ms);
    ptr_check(&ctx, ip).await
}

async fn ptr_check(ctx: &Ctx<'_>, ip: IpAddr) -> ReverseDns {
    let mut out = ReverseDns { address: ip.to_string(), ptr: Vec::new(), fcrdns: None, error: None };
    match ctx.query(&reverse_name(ip), RecordType::Ptr, 3).await {
        Err(e) => out.error = Some(e.message),
        Ok(a) => {
            out.ptr = a.names().into_iter().map(|n| n.trim_end_matches('.').to_ascii_lowercase()).take(10).collect();
            if out.ptr.is_empty() {
                return out;
            }
            let rtype = if ip.is_ipv4() { RecordType::A } else { RecordType::Aaaa };
            let fwd = futures::future::join_all(out.ptr.iter().map(|n| ctx.query(n, rtype, 4))).await;
            let mut matched = false;
            let mut failed = None;
            for r in fwd {
                match r {
                    Ok(a) => {
                        let addrs: Vec<IpAddr> =
                            a.ipv4().into_iter().map(IpAddr::V4).chain(a.ipv6().into_iter().map(IpAddr::V6)).collect();
                        matched |= addrs.contains(&ip);
                    }
                    Err(e) => failed = Some(e.message),
                }
            }
            out.fcrdns = if matched {
                Some(true)
            } else if failed.is_some() {
                None
            } else {
                Some(false)
            };
            out.error = if matched { None } else { failed };
        }
    }
    out
}

async fn host_check(ctx: &Ctx<'_>, preference: u16, host: String) -> MxHost {
    let mut h = MxHost {
        host: host.clone(),
        preference,
        addresses: Vec::new(),
        status: MxHostStatus::Ok,
        cname: None,
        reverse: Vec::new(),
        error: None,
    };
    if is_ip_literal(&host) {
        h.status = MxHostStatus::IpLiteral;
        return h;
    }
    let (a, aaaa) = futures::join!(ctx.query(&host, RecordType::A, 2), ctx.query(&host, RecordType::Aaaa, 2));
    let mut ips: Vec<IpAddr> = Vec::new();
    let mut nx = 0;
    let mut err: Option<QueryError> = None;
    for r in [a, aaaa] {
        match r {
            Ok(ans) => {
                if let Some(c) = ans.cnames.first() {
                    h.cname = ans
                        .cnames
                        .last()
                        .map(|r| r.data.to_presentation().trim_end_matches('.').to_string())
                        .or(Some(c.name.clone()));
                }
                if ans.rcode == crate::dns::Rcode::NxDomain {
                    nx += 1;
                }
                ips.extend(ans.ipv4().into_iter().map(IpAddr::V4));
                ips.extend(ans.ipv6().into_iter().map(IpAddr::V6));
            }
            Err(e) => err = Some(e),
        }
    }
    h.addresses = ips.iter().map(|i| i.to_string()).collect();
    if ips.is_empty() {
        if let Some(e) = err {
            h.status = MxHostStatus::Temperror;
            h.error = Some(e.message);
        } else {
            h.status = if nx > 0 { MxHostStatus::Nxdomain } else { MxHostStatus::NoAddress };
        }
        return h;
    }
    if let Some(e) = err {
        h.error = Some(e.message);
    }
    h.reverse = futures::future::join_all(ips.iter().take(16).map(|ip| ptr_check(ctx, *ip))).await;
    h
}

/// Checks the MX records of `domain`.
pub async fn check(ctx: &Ctx<'_>, domain: &str) -> ((Vec<MxHost>, MxSummary), Vec<Finding>) {
    let mut findings = Vec::new();
    let mut summary =
        MxSummary { status: LookupStatus::None, null_mx: false, implicit_addresses: Vec::new(), error: None };
    // The domain's own addresses are asked at once: they are the implicit MX when there is
    // no MX (RFC 5321 §5.1), and SPF's `a` needs them anyway.
    let (answer, own) = futures::join!(ctx.query(domain, RecordType::Mx, 1), super::spf::addresses_of(ctx, domain, 1));
    let answer = match answer {
        Err(e) => {
            summary.status = LookupStatus::Temperror;
            summary.error = Some(e.message.clone());
            findings.push(cat::MX_TEMPERROR.emit().detail(format!("MX {domain}: {}", e.message)));
            return ((Vec::new(), summary), findings);
        }
        Ok(a) => a,
    };
    let mut mx: Vec<(u16, String)> =
        answer.mx().into_iter().map(|(p, h)| (p, h.trim_end_matches('.').to_ascii_lowercase())).collect();
    mx.sort();
    mx.truncate(MAX_HOSTS);
    if mx.is_empty() {
        // Implicit MX: the domain's own addresses (RFC 5321 §5.1).
        match own {
            Ok(ips) => summary.implicit_addresses = ips.iter().map(|i| i.to_string()).collect(),
            Err(e) => summary.error = Some(e.message),
        }
        let detail = if summary.implicit_addresses.is_empty() {
            format!("{domain} has no MX and no address: it cannot receive mail")
        } else {
            format!(
                "{domain} has no MX; mail goes to its address {} (implicit MX)",
                summary.implicit_addresses.join(", ")
            )
        };
        findings.push(cat::MX_MISSING.emit().detail(detail).fix(format!(
            "{}\n(or, if the domain receives no mail: {})",
            fixes::line(domain, "MX", &format!("10 mx.{domain}.")),
            fixes::line(domain, "MX", "0 .")
        )));
        return ((Vec::new(), summary), findings);
    }
    summary.status = LookupStatus::Found;
    let nulls = mx.iter().filter(|(_, h)| h.is_empty() || h == ".").count();
    if nulls > 0 {
        summary.null_mx = true;
        if mx.len() > nulls {
            findings.push(
                cat::MX_NULL_MIXED
                    .emit()
                    .detail(format!("{} MX records besides the null MX", mx.len() - nulls))
                    .fix(fixes::line(domain, "MX", "0 .")),
            );
        } else {
            findings.push(cat::MX_NULL.emit().detail(format!("{domain} MX 0 .")));
            return ((vec![null_host(mx[0].0)], summary), findings);
        }
    }
    let hosts: Vec<MxHost> = futures::future::join_all(
        mx.iter().filter(|(_, h)| !h.is_empty() && h != ".").map(|(p, h)| host_check(ctx, *p, h.clone())),
    )
    .await;
    for h in &hosts {
        let ev = format!("{domain} MX {} {}", h.preference, h.host);
        match h.status {
            MxHostStatus::IpLiteral => findings.push(
                cat::MX_IP_LITERAL
                    .emit()
                    .detail(format!("MX {} {} is an IP address", h.preference, h.host))
                    .fix(format!(
                        "{}\n{}",
                        fixes::line(domain, "MX", &format!("{} mx.{domain}.", h.preference)),
                        fixes::line(&format!("mx.{domain}"), "A", h.host.trim_start_matches('[').trim_end_matches(']'))
                    ))
                    .evidence(ev),
            ),
            MxHostStatus::Nxdomain | MxHostStatus::NoAddress => findings.push(
                cat::MX_UNRESOLVABLE
                    .emit()
                    .detail(format!(
                        "{} ({}): {}",
                        h.host,
                        h.preference,
                        if h.status == MxHostStatus::Nxdomain { "NXDOMAIN" } else { "no A/AAAA record" }
                    ))
                    .evidence(ev),
            ),
            MxHostStatus::Temperror => findings.push(
                cat::MX_TEMPERROR
                    .emit()
                    .detail(format!("{}: {}", h.host, h.error.clone().unwrap_or_default()))
                    .evidence(ev),
            ),
            MxHostStatus::Ok | MxHostStatus::NullMx => {}
        }
        if let Some(target) = &h.cname {
            findings.push(
                cat::MX_CNAME
                    .emit()
                    .detail(format!("{} is a CNAME for {target}", h.host))
                    .fix(fixes::line(domain, "MX", &format!("{} {target}.", h.preference)))
                    .evidence(ev_cname(&h.host, target)),
            );
        }
        for r in &h.reverse {
            if r.ptr.is_empty() && r.error.is_none() {
                let ip: Option<IpAddr> = r.address.parse().ok();
                findings.push(
                    cat::MX_NO_PTR.emit().detail(format!("{} ({}) has no PTR record", r.address, h.host)).fix(
                        match ip {
                            Some(ip) => fixes::line(&reverse_name(ip), "PTR", &format!("{}.", h.host)),
                            None => String::new(),
                        },
                    ),
                );
            } else if r.fcrdns == Some(false) {
                findings.push(cat::MX_FCRDNS.emit().detail(format!(
                    "{} ({}) has PTR {} which does not resolve back to {}",
                    r.address,
                    h.host,
                    r.ptr.join(", "),
                    r.address
                )));
            } else if r.fcrdns.is_none()
                && let Some(e) = &r.error
            {
                findings.push(cat::MX_TEMPERROR.emit().detail(format!("reverse DNS of {}: {e}", r.address)));
            }
        }
    }
    let mut all = hosts;
    if summary.null_mx {
        all.insert(0, null_host(0));
    }
    ((all, summary), findings)
}

fn null_host(preference: u16) -> MxHost {
    MxHost {
        host: ".".into(),
        preference,
        addresses: Vec::new(),
        status: MxHostStatus::NullMx,
        cname: None,
        reverse: Vec::new(),
        error: None,
    }
}

fn ev_cname(host: &str, target: &str) -> String {
    format!("{host} CNAME {target}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals() {
        assert!(is_ip_literal("192.0.2.1"));
        assert!(is_ip_literal("[192.0.2.1]"));
        assert!(!is_ip_literal("mx.example.com"));
    }
}
