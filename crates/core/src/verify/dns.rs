//! MX resolution for the scheduler through the DNS seam: turns the answers into the
//! [`MxLookup`] the scheduler reads (null MX, implicit MX, MX hosts without address, NXDOMAIN).

use super::scheduler::{MxLookup, MxRecord};
use crate::dns::{DnsAnswer, DnsError, Rcode, RecordData, RecordType, Resolver};

/// At most this many MX records of one domain are looked at (each costs two address lookups).
pub const MAX_MX_HOSTS: usize = 10;

async fn has_address(resolver: &dyn Resolver, host: &str) -> Result<bool, DnsError> {
    for rtype in [RecordType::A, RecordType::Aaaa] {
        let a = resolver.query(host, rtype).await?;
        match a.rcode {
            Rcode::NoError if !a.records.is_empty() => return Ok(true),
            Rcode::NoError | Rcode::NxDomain => {}
            other => return Err(DnsError::Transport(format!("{rtype:?} {host}: {other}"))),
        }
    }
    Ok(false)
}

fn mx_records(answer: &DnsAnswer) -> Vec<(u16, String)> {
    answer
        .records
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Mx { preference, exchange } => Some((*preference, exchange.trim_end_matches('.').to_string())),
            _ => None,
        })
        .collect()
}

/// Resolves the MX of `domain` (A-labels) the way RFC 5321 §5.1 and RFC 7505 read it.
pub async fn resolve_mx(resolver: &dyn Resolver, domain: &str) -> MxLookup {
    let answer = match resolver.query(domain, RecordType::Mx).await {
        Ok(a) => a,
        Err(e) => return MxLookup::Failed(e.to_string()),
    };
    match answer.rcode {
        Rcode::NxDomain => return MxLookup::NxDomain,
        Rcode::NoError => {}
        other => return MxLookup::Failed(format!("MX {domain}: {other}")),
    }
    let mut recs = mx_records(&answer);
    if recs.is_empty() {
        return match has_address(resolver, domain).await {
            Ok(domain_has_address) => MxLookup::NoMx { domain_has_address },
            Err(e) => MxLookup::Failed(e.to_string()),
        };
    }
    recs.sort();
    recs.truncate(MAX_MX_HOSTS);
    let mut out = Vec::with_capacity(recs.len());
    for (preference, exchange) in recs {
        let has = if exchange.is_empty() {
            false
        } else {
            match has_address(resolver, &exchange).await {
                Ok(h) => h,
                Err(e) => return MxLookup::Failed(e.to_string()),
            }
        };
        out.push(MxRecord {
            preference,
            exchange: if exchange.is_empty() { ".".into() } else { exchange },
            has_address: has,
        });
    }
    MxLookup::Records(out)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::dns::zone::ZoneResolver;

    /// The lab's verify.test zone (tests/lab/conf/zones), read with our own zone reader: every
    /// behaviour domain resolves to what the lab promises.
    #[tokio::test]
    async fn lab_verify_zone_gives_each_shape() {
        let text = include_str!("../../../../tests/lab/conf/zones/verify.test.zone");
        let z = ZoneResolver::from_zone_text(text, None).expect("verify.test.zone parses");
        let hosts = |l: MxLookup| match l {
            MxLookup::Records(r) => {
                r.into_iter().map(|m| (m.preference, m.exchange, m.has_address)).collect::<Vec<_>>()
            }
            other => panic!("{other:?}"),
        };
        for (name, last_octet) in [
            ("accept", 70),
            ("grey", 71),
            ("ratelimit", 72),
            ("rcptcap", 73),
            ("block", 74),
            ("gmail", 75),
            ("yahoo", 76),
            ("exchange", 77),
            ("catchall", 78),
            ("tlsreq", 79),
            ("noutf8", 80),
        ] {
            let d = format!("{name}.verify.test");
            let h = hosts(resolve_mx(&z, &d).await);
            assert_eq!(h, vec![(10, format!("mx.{name}.verify.test"), true)], "{d}");
            let a = z.answer(&h[0].1, RecordType::A).unwrap();
            assert!(
                matches!(a.records[0].data, RecordData::A { address } if address.octets() == [127, 0, 0, last_octet]),
                "{d}"
            );
        }
        assert_eq!(
            hosts(resolve_mx(&z, "fallback.verify.test").await),
            vec![(10, "mx.dead.verify.test".into(), true), (20, "mx.accept.verify.test".into(), true)]
        );
        assert_eq!(hosts(resolve_mx(&z, "nullmx.verify.test").await), vec![(0, ".".into(), false)]);
        assert_eq!(
            hosts(resolve_mx(&z, "noaddr.verify.test").await),
            vec![(10, "mx.noaddr.verify.test".into(), false)]
        );
        assert_eq!(resolve_mx(&z, "implicit.verify.test").await, MxLookup::NoMx { domain_has_address: true });
        assert_eq!(resolve_mx(&z, "nomail.verify.test").await, MxLookup::NoMx { domain_has_address: false });
        assert_eq!(resolve_mx(&z, "nosuch.verify.test").await, MxLookup::NxDomain);
        let idn = crate::verify::address::parse("user@münchen.verify.test").unwrap();
        assert_eq!(hosts(resolve_mx(&z, &idn.domain_ascii()).await)[0].1, "mx.accept.verify.test");
    }

    #[tokio::test]
    async fn scheduler_reads_the_lab_shapes_as_issue_11_says() {
        use crate::verify::model::Reason;
        use crate::verify::scheduler::{Action, Scheduler, SchedulerConfig};
        let text = include_str!("../../../../tests/lab/conf/zones/verify.test.zone");
        let z = ZoneResolver::from_zone_text(text, None).unwrap();
        let mut s = Scheduler::new(SchedulerConfig { smtp: false, ..SchedulerConfig::default() });
        let inputs = [
            "a@nullmx.verify.test",
            "a@nosuch.verify.test",
            "a@noaddr.verify.test",
            "a@nomail.verify.test",
            "user@implicit.verify.test",
        ];
        for (row, a) in inputs.iter().enumerate() {
            s.add(row as u64, a);
        }
        while let Action::ResolveMx { domain } = s.next_action(0) {
            let l = resolve_mx(&z, &domain).await;
            s.on_mx(&domain, l, "x", 0);
        }
        let r: std::collections::HashMap<u64, _> = s.drain_results().into_iter().collect();
        for row in 0..4 {
            assert_eq!(r[&row].reason, Reason::NoMailDomain, "{}", inputs[row as usize]);
        }
        assert_eq!(r[&4].reason, Reason::MailboxNotChecked);
        assert_eq!(r[&4].mx.as_deref(), Some("implicit.verify.test"));
    }
}
