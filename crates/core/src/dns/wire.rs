//! DNS wire format (RFC 1035 §4) through hickory-proto: building queries and turning
//! responses into [`DnsAnswer`]. Shared by the DoH and stub resolvers and by the
//! server's DoH endpoint, so every transport decodes answers the same way.

use super::{DnsAnswer, DnsError, DnsRecord, Rcode, RecordData, RecordType, normalize_name};
use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, Record, RecordType as HType};
use std::str::FromStr;

/// Largest DNS message we accept or produce (RFC 1035 §2.3.4 / RFC 8484 §6: 65535).
pub const MAX_MESSAGE: usize = 65_535;
/// How many CNAMEs we follow inside one answer before giving up (loops, hostile answers).
pub const MAX_CNAME_CHAIN: usize = 8;

/// Converts our record type to hickory's.
pub fn to_hickory(rtype: RecordType) -> HType {
    match rtype {
        RecordType::A => HType::A,
        RecordType::Aaaa => HType::AAAA,
        RecordType::Mx => HType::MX,
        RecordType::Txt => HType::TXT,
        RecordType::Ptr => HType::PTR,
        RecordType::Cname => HType::CNAME,
        RecordType::Ns => HType::NS,
        RecordType::Soa => HType::SOA,
        RecordType::Tlsa => HType::TLSA,
        RecordType::Caa => HType::CAA,
        RecordType::Ds => HType::DS,
        RecordType::Dnskey => HType::DNSKEY,
    }
}

/// Converts hickory's record type to ours, when we model it.
pub fn from_hickory(rtype: HType) -> Option<RecordType> {
    Some(match rtype {
        HType::A => RecordType::A,
        HType::AAAA => RecordType::Aaaa,
        HType::MX => RecordType::Mx,
        HType::TXT => RecordType::Txt,
        HType::PTR => RecordType::Ptr,
        HType::CNAME => RecordType::Cname,
        HType::NS => RecordType::Ns,
        HType::SOA => RecordType::Soa,
        HType::TLSA => RecordType::Tlsa,
        HType::CAA => RecordType::Caa,
        HType::DS => RecordType::Ds,
        HType::DNSKEY => RecordType::Dnskey,
        _ => return None,
    })
}

/// Parses a domain name for a query, rejecting what cannot be asked.
pub fn parse_name(name: &str) -> Result<Name, DnsError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.len() > 253 + 1 {
        return Err(DnsError::InvalidName(name.to_string()));
    }
    let mut parsed = Name::from_str(trimmed).map_err(|e| DnsError::InvalidName(format!("{name}: {e}")))?;
    parsed.set_fqdn(true);
    Ok(parsed)
}

/// Builds a recursive query. `id` 0 is what RFC 8484 §4.1 asks of DoH clients.
/// `dnssec_ok` sets the EDNS DO bit so a validating resolver reports the AD bit
/// (RFC 6840 §5.7: setting AD in the query also asks for it).
pub fn build_query(name: &str, rtype: RecordType, id: u16, dnssec_ok: bool) -> Result<Vec<u8>, DnsError> {
    let qname = parse_name(name)?;
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = true;
    msg.metadata.authentic_data = true;
    msg.add_query(Query::query(qname, to_hickory(rtype)));
    let mut edns = Edns::new();
    edns.set_max_payload(1232);
    edns.set_dnssec_ok(dnssec_ok);
    msg.set_edns(edns);
    msg.to_vec().map_err(|e| DnsError::Malformed(e.to_string()))
}

/// Converts one hickory record to ours (`None` for RRSIG/OPT and other types we skip).
pub fn record_from_hickory(record: &Record) -> Option<DnsRecord> {
    let name = normalize_name(&record.name.to_ascii());
    let data = match &record.data {
        RData::A(a) => RecordData::A { address: a.0 },
        RData::AAAA(a) => RecordData::Aaaa { address: a.0 },
        RData::MX(mx) => {
            RecordData::Mx { preference: mx.preference, exchange: normalize_name(&mx.exchange.to_ascii()) }
        }
        RData::TXT(txt) => RecordData::Txt { strings: txt.txt_data.iter().map(|s| s.to_vec()).collect() },
        RData::PTR(p) => RecordData::Ptr { name: normalize_name(&p.0.to_ascii()) },
        RData::CNAME(c) => RecordData::Cname { name: normalize_name(&c.0.to_ascii()) },
        RData::NS(n) => RecordData::Ns { name: normalize_name(&n.0.to_ascii()) },
        RData::TLSA(t) => RecordData::Tlsa {
            usage: u8::from(t.cert_usage),
            selector: u8::from(t.selector),
            matching: u8::from(t.matching),
            data: t.cert_data.clone(),
        },
        RData::CAA(c) => RecordData::Caa {
            flags: if c.issuer_critical { 128 } else { 0 } | c.reserved_flags,
            tag: c.tag.clone(),
            value: String::from_utf8_lossy(&c.value).into_owned(),
        },
        other => {
            let rtype = other.record_type();
            if matches!(rtype, HType::RRSIG | HType::OPT | HType::NSEC | HType::NSEC3) {
                return None;
            }
            RecordData::Other { rtype: rtype.to_string(), text: other.to_string() }
        }
    };
    Some(DnsRecord { name, ttl: record.ttl, data })
}

/// Extracts the answer to (`qname`, `rtype`) from the records of a response,
/// following CNAMEs (bounded) the way a stub resolver does (RFC 1034 §3.6.2).
pub fn select_answer(records: &[DnsRecord], qname: &str, rtype: RecordType) -> (Vec<DnsRecord>, Vec<DnsRecord>) {
    let mut target = normalize_name(qname);
    let mut cnames = Vec::new();
    for _ in 0..=MAX_CNAME_CHAIN {
        let matching: Vec<DnsRecord> =
            records.iter().filter(|r| r.name == target && record_type_of(&r.data) == Some(rtype)).cloned().collect();
        if !matching.is_empty() || rtype == RecordType::Cname {
            return (matching, cnames);
        }
        let next = records.iter().find_map(|r| match &r.data {
            RecordData::Cname { name } if r.name == target => Some((r.clone(), name.clone())),
            _ => None,
        });
        match next {
            Some((rec, name)) => {
                cnames.push(rec);
                target = name;
            }
            None => return (Vec::new(), cnames),
        }
    }
    (Vec::new(), cnames)
}

/// The record type of decoded data.
pub fn record_type_of(data: &RecordData) -> Option<RecordType> {
    Some(match data {
        RecordData::A { .. } => RecordType::A,
        RecordData::Aaaa { .. } => RecordType::Aaaa,
        RecordData::Mx { .. } => RecordType::Mx,
        RecordData::Txt { .. } => RecordType::Txt,
        RecordData::Ptr { .. } => RecordType::Ptr,
        RecordData::Cname { .. } => RecordType::Cname,
        RecordData::Ns { .. } => RecordType::Ns,
        RecordData::Tlsa { .. } => RecordType::Tlsa,
        RecordData::Caa { .. } => RecordType::Caa,
        RecordData::Other { rtype, .. } => RecordType::parse(rtype)?,
    })
}

/// Decodes a wire response into a [`DnsAnswer`] for the question asked. Checks that the
/// response answers that question (a hostile or confused server cannot slip in another).
pub fn parse_response(bytes: &[u8], qname: &str, rtype: RecordType) -> Result<DnsAnswer, DnsError> {
    if bytes.len() > MAX_MESSAGE {
        return Err(DnsError::Malformed("answer larger than 65535 bytes".into()));
    }
    let msg = Message::from_vec(bytes).map_err(|e| DnsError::Malformed(e.to_string()))?;
    if msg.metadata.message_type != MessageType::Response {
        return Err(DnsError::Malformed("not a response".into()));
    }
    if let Some(q) = msg.queries.first() {
        let asked = normalize_name(qname);
        if normalize_name(&q.name.to_ascii()) != asked || q.query_type != to_hickory(rtype) {
            return Err(DnsError::Malformed(format!(
                "answer is for {} {} instead of {asked} {rtype}",
                q.name, q.query_type
            )));
        }
    }
    let rcode = Rcode::from_u16(u16::from(msg.metadata.response_code));
    let decoded: Vec<DnsRecord> = msg.answers.iter().filter_map(record_from_hickory).collect();
    let (records, cnames) = select_answer(&decoded, qname, rtype);
    Ok(DnsAnswer { rcode, records, cnames, authenticated: msg.metadata.authentic_data })
}

/// Whether a response was truncated (TC bit): the stub retries over TCP (RFC 7766).
pub fn is_truncated(bytes: &[u8]) -> bool {
    bytes.get(2).is_some_and(|b| b & 0x02 != 0)
}
