//! Every finding Inboxlens can emit, one file per area. [`ALL`] lists them all; a test
//! checks that ids are unique, well-formed (`area.snake_name`) and that every
//! explanation cites its source.

pub mod auth;
pub mod bounce;
pub mod content;
pub mod domain;
pub mod path;
pub mod probe;
pub mod spf;
pub mod submission;

use super::FindingSpec;

/// Every catalog entry.
pub fn all() -> Vec<&'static FindingSpec> {
    let mut v: Vec<&'static FindingSpec> = Vec::new();
    v.extend_from_slice(spf::ALL);
    v.extend_from_slice(auth::ALL);
    v.extend_from_slice(path::ALL);
    v.extend_from_slice(content::ALL);
    v.extend_from_slice(bounce::ALL);
    v.extend_from_slice(domain::ALL);
    v.extend_from_slice(probe::ALL);
    v.extend_from_slice(submission::ALL);
    v
}

/// Looks an entry up by id.
pub fn by_id(id: &str) -> Option<&'static FindingSpec> {
    all().into_iter().find(|s| s.id == id)
}

/// Declares catalog entries as `pub static NAME: FindingSpec` plus an `ALL` slice.
#[macro_export]
macro_rules! findings {
    ($( $(#[$m:meta])* $name:ident = { id: $id:expr, severity: $sev:ident, area: $area:ident, title: $title:expr, explanation: $expl:expr, fix: $fix:expr, reference: $refr:expr $(,)? } ),* $(,)?) => {
        $(
            $(#[$m])*
            pub static $name: $crate::findings::FindingSpec = $crate::findings::FindingSpec {
                id: $id,
                severity: $crate::findings::Severity::$sev,
                area: $crate::findings::Area::$area,
                title: $title,
                explanation: $expl,
                fix: $fix,
                reference: $refr,
            };
        )*
        /// Every entry of this file.
        pub static ALL: &[&$crate::findings::FindingSpec] = &[$(&$name),*];
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_unique_wellformed_and_cited() {
        let mut seen = HashSet::new();
        for spec in all() {
            assert!(seen.insert(spec.id), "duplicate finding id {}", spec.id);
            let (area, name) = spec.id.split_once('.').expect("id is area.name");
            assert!(!area.is_empty() && !name.is_empty(), "{}", spec.id);
            assert!(
                spec.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'),
                "id {} not snake case",
                spec.id
            );
            assert!(!spec.reference.is_empty(), "{} has no reference", spec.id);
            assert!(!spec.title.is_empty() && !spec.explanation.is_empty() && !spec.fix.is_empty(), "{}", spec.id);
        }
    }
}
