//! The 0–10 score, derived only from findings.
//!
//! Weights (documented in README "Score"): start at 10; each `error` finding costs
//! [`ERROR_WEIGHT`], each `warning` [`WARNING_WEIGHT`], `info` nothing. One area can cost
//! at most [`AREA_CAP`] points, so one broken mechanism does not hide the others. The
//! result is clamped to 0–10 and rounded to one decimal.

use super::{Area, Finding, Severity};
use std::collections::BTreeMap;

/// Cost of an `error` finding.
pub const ERROR_WEIGHT: f64 = 2.0;
/// Cost of a `warning` finding.
pub const WARNING_WEIGHT: f64 = 0.5;
/// Most points one area can cost.
pub const AREA_CAP: f64 = 4.0;

/// The weight of one finding.
pub fn weight(finding: &Finding) -> f64 {
    match finding.severity {
        Severity::Error => ERROR_WEIGHT,
        Severity::Warning => WARNING_WEIGHT,
        Severity::Info => 0.0,
    }
}

/// Score of a set of findings, 0–10, one decimal.
pub fn score(findings: &[Finding]) -> f64 {
    let mut per_area: BTreeMap<Area, f64> = BTreeMap::new();
    for f in findings {
        *per_area.entry(f.area).or_default() += weight(f);
    }
    let cost: f64 = per_area.values().map(|c| c.min(AREA_CAP)).sum();
    ((10.0 - cost).clamp(0.0, 10.0) * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::FindingSpec;

    static E: FindingSpec = FindingSpec {
        id: "test.error",
        severity: Severity::Error,
        area: Area::Spf,
        title: "t",
        explanation: "e",
        fix: "f",
        reference: "r",
    };
    static W: FindingSpec = FindingSpec { id: "test.warn", severity: Severity::Warning, area: Area::Dkim, ..E };

    #[test]
    fn clean_is_ten_and_weights_add_up() {
        assert_eq!(score(&[]), 10.0);
        assert_eq!(score(&[E.emit()]), 8.0);
        assert_eq!(score(&[E.emit(), W.emit()]), 7.5);
    }

    #[test]
    fn one_area_is_capped_and_score_never_negative() {
        let many: Vec<_> = (0..10).map(|_| E.emit()).collect();
        assert_eq!(score(&many), 10.0 - AREA_CAP);
    }
}
