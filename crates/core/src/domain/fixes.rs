//! Building the exact records to publish: zone-file lines ready to paste. The printer is
//! [`PublishRecord::zone_line`]; a fix that contains these lines gets the same records as
//! structured [`Finding::publish`](crate::findings::Finding::publish) entries.

use crate::findings::PublishRecord;

pub use crate::findings::publish::split_255;

/// A zone-file TXT line for `name` with `value`, split into character-strings of at
/// most 255 bytes (RFC 1035 §3.3.14; RFC 7208 §3.3 joins them back without spaces).
pub fn txt_line(name: &str, value: &str) -> String {
    PublishRecord::txt(name, value).zone_line()
}

/// A zone-file line of any type.
pub fn line(name: &str, rtype: &str, data: &str) -> String {
    PublishRecord::new(name, rtype, data).zone_line()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_split_at_255_bytes() {
        let v = "a".repeat(300);
        let l = txt_line("example.com", &v);
        assert!(l.starts_with("example.com. 3600 IN TXT ( \""));
        assert_eq!(split_255(&v).iter().map(String::len).collect::<Vec<_>>(), vec![255, 45]);
        assert_eq!(txt_line("x.example.", "v=spf1 -all"), "x.example. 3600 IN TXT \"v=spf1 -all\"");
        assert_eq!(line("example.com.", "MX", "0 ."), "example.com. 3600 IN MX 0 .");
    }
}
