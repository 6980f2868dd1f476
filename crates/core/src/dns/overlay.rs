//! What-if overlay: zone data laid over another resolver. A question whose name and
//! type (or a CNAME at that name) appear in the overlay is answered from it; every
//! other question goes to the resolver underneath. "How would my mail fare if I
//! published this record?" — without publishing anything.

use super::zone::ZoneResolver;
use super::{DnsFuture, RecordType, Resolver};
use std::sync::Arc;

/// Zone data over a live resolver.
pub struct Overlay {
    zone: ZoneResolver,
    below: Arc<dyn Resolver>,
}

impl Overlay {
    /// `zone` answers first; `below` answers the rest.
    pub fn new(zone: ZoneResolver, below: Arc<dyn Resolver>) -> Self {
        Overlay { zone, below }
    }
}

impl Resolver for Overlay {
    fn query<'a>(&'a self, name: &'a str, rtype: RecordType) -> DnsFuture<'a> {
        if self.zone.has_rrset(name, rtype) { self.zone.query(name, rtype) } else { self.below.query(name, rtype) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_answers_its_rrsets_and_defers_the_rest() {
        let live =
            ZoneResolver::from_zone_text("x.test. 60 IN TXT \"live\"\nx.test. 60 IN A 192.0.2.1\n", None).unwrap();
        let what_if = ZoneResolver::from_zone_text("x.test. 60 IN TXT \"published\"", None).unwrap();
        let o = Overlay::new(what_if, Arc::new(live));
        let txt = futures::executor::block_on(o.query("x.test", RecordType::Txt)).unwrap();
        assert_eq!(txt.txt(), vec!["published".to_string()]);
        let a = futures::executor::block_on(o.query("x.test", RecordType::A)).unwrap();
        assert_eq!(a.ipv4().len(), 1);
    }
}
