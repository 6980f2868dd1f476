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

/// Lowest score in the [`Band::Good`] band.
pub const GOOD_FROM: f64 = 8.0;
/// Lowest score in the [`Band::Fair`] band.
pub const FAIR_FROM: f64 = 5.0;

/// How a score reads at a glance; the CLI and the web pages colour the score by it
/// (green / yellow / red), so every shell draws the line in the same place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    /// Below [`FAIR_FROM`]: at least one mechanism is broken (two errors in one area cost 4).
    Poor,
    /// From [`FAIR_FROM`] up to [`GOOD_FROM`]: works, with things to fix.
    Fair,
    /// [`GOOD_FROM`] or more: at most one error or a few warnings.
    Good,
}

impl Band {
    /// The band of a 0–10 score.
    pub fn for_score(score: f64) -> Band {
        if score >= GOOD_FROM {
            Band::Good
        } else if score >= FAIR_FROM {
            Band::Fair
        } else {
            Band::Poor
        }
    }

    /// `good` / `fair` / `poor` (also the web pages' CSS class).
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Good => "good",
            Band::Fair => "fair",
            Band::Poor => "poor",
        }
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    fn bands_split_at_eight_and_five() {
        assert_eq!(Band::for_score(10.0), Band::Good);
        assert_eq!(Band::for_score(8.0), Band::Good);
        assert_eq!(Band::for_score(7.9), Band::Fair);
        assert_eq!(Band::for_score(5.0), Band::Fair);
        assert_eq!(Band::for_score(4.9), Band::Poor);
        assert_eq!(Band::for_score(score(&[E.emit()])).as_str(), "good");
    }

    #[test]
    fn one_area_is_capped_and_score_never_negative() {
        let many: Vec<_> = (0..10).map(|_| E.emit()).collect();
        assert_eq!(score(&many), 10.0 - AREA_CAP);
    }
}
