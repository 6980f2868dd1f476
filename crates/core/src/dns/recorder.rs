//! Evidence recorder and in-flight de-duplication.
//!
//! [`Recorder`] wraps the resolver a check uses. Every distinct question is sent once
//! (concurrent askers share one in-flight future) and its answer is recorded as a
//! [`DnsEvidence`] row, in the order first asked. The rows carry zone-file lines, so a
//! report's `dns[]` can be replayed offline with [`evidence_to_zone`].

use super::{DnsAnswer, DnsError, DnsFuture, RecordType, Resolver, normalize_name, wire::record_type_of};
use futures::FutureExt;
use futures::future::Shared;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// One DNS answer a report rests on (contract: the report's `dns[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsEvidence {
    /// The name asked, lower case, no trailing dot.
    pub name: String,
    /// The type asked.
    #[serde(rename = "type")]
    pub rtype: RecordType,
    /// Response code, or `None` when no answer came (see `error`).
    pub rcode: Option<String>,
    /// The records, as zone-file lines (`name TTL IN TYPE data`), CNAMEs first.
    pub records: Vec<String>,
    /// Smallest TTL of the answer records.
    pub ttl: Option<u32>,
    /// The DNSSEC AD bit of the answer (RFC 4035 §3.2.3).
    pub ad: bool,
    /// Transport failure (timeout, network), when there was no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl DnsEvidence {
    /// The evidence row of one question and its outcome: the answer's rcode, records
    /// (CNAMEs first, as zone-file lines), smallest TTL and AD bit, or the transport
    /// error when no answer came. Shared by [`Recorder`] and the domain check's query
    /// layer so both write the same `dns[]` rows.
    pub fn from_result(name: &str, rtype: RecordType, result: &Result<DnsAnswer, DnsError>) -> Self {
        match result {
            Ok(answer) => DnsEvidence {
                name: name.to_string(),
                rtype,
                rcode: Some(answer.rcode.to_string()),
                records: answer.cnames.iter().chain(answer.records.iter()).map(zone_line).collect(),
                ttl: answer.min_ttl(),
                ad: answer.authenticated,
                error: None,
            },
            Err(err) => DnsEvidence {
                name: name.to_string(),
                rtype,
                rcode: None,
                records: Vec::new(),
                ttl: None,
                ad: false,
                error: Some(err.to_string()),
            },
        }
    }
}

/// A record as one zone-file line.
pub fn zone_line(record: &super::DnsRecord) -> String {
    let rtype = record_type_of(&record.data).map(|t| t.as_str().to_string()).unwrap_or_else(|| match &record.data {
        super::RecordData::Other { rtype, .. } => rtype.clone(),
        _ => "TYPE0".into(),
    });
    format!("{}. {} IN {} {}", record.name, record.ttl, rtype, record.data.to_presentation())
}

/// Zone text that answers the same as the evidence (for `--offline` replays).
pub fn evidence_to_zone(evidence: &[DnsEvidence]) -> String {
    let mut out = String::new();
    for e in evidence {
        for line in &e.records {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

type SharedAnswer = Shared<DnsFuture<'static>>;

/// Wraps a resolver: one query per distinct question, every answer recorded.
pub struct Recorder {
    inner: Arc<dyn Resolver>,
    inflight: Mutex<HashMap<(String, RecordType), SharedAnswer>>,
    evidence: Arc<Mutex<Vec<DnsEvidence>>>,
}

impl Recorder {
    /// Records what `inner` answers.
    pub fn new(inner: Arc<dyn Resolver>) -> Self {
        Recorder { inner, inflight: Mutex::new(HashMap::new()), evidence: Arc::new(Mutex::new(Vec::new())) }
    }

    /// The answers recorded so far, in the order first asked.
    pub fn evidence(&self) -> Vec<DnsEvidence> {
        self.evidence.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// How many distinct questions were asked.
    pub fn questions(&self) -> usize {
        self.inflight.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

impl Resolver for Recorder {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a> {
        let key = (normalize_name(name), rtype);
        let shared = {
            let mut map = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
            map.entry(key.clone())
                .or_insert_with(|| {
                    let inner = Arc::clone(&self.inner);
                    let evidence = Arc::clone(&self.evidence);
                    let (qname, qtype) = key.clone();
                    let fut: DnsFuture<'static> = Box::pin(async move {
                        let result = inner.query(&qname, qtype).await;
                        let row = DnsEvidence::from_result(&qname, qtype, &result);
                        evidence.lock().unwrap_or_else(PoisonError::into_inner).push(row);
                        result
                    });
                    fut.shared()
                })
                .clone()
        };
        Box::pin(shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::zone::ZoneResolver;

    #[test]
    fn dedupes_and_records_in_order() {
        let zone = ZoneResolver::from_zone_text("a.test. 60 IN TXT \"one\" \"two\"\nb.test. 60 IN A 192.0.2.1\n", None)
            .unwrap();
        let rec = Recorder::new(Arc::new(zone));
        futures::executor::block_on(async {
            let (x, y) = futures::join!(rec.query("a.test", RecordType::Txt), rec.query("A.TEST.", RecordType::Txt));
            assert_eq!(x, y);
            rec.query("b.test", RecordType::A).await.unwrap();
            rec.query("c.test", RecordType::A).await.unwrap();
        });
        let ev = rec.evidence();
        assert_eq!(ev.len(), 3, "one row per distinct question: {ev:?}");
        assert_eq!(ev[0].records, vec!["a.test. 60 IN TXT \"one\" \"two\"".to_string()]);
        assert_eq!(ev[2].rcode.as_deref(), Some("NXDOMAIN"));
        // Replay: the zone built from evidence answers the same.
        let replay = ZoneResolver::from_zone_text(&evidence_to_zone(&ev), None).unwrap();
        let again = futures::executor::block_on(replay.query("a.test", RecordType::Txt)).unwrap();
        assert_eq!(again.txt(), vec!["onetwo".to_string()]);
    }
}
