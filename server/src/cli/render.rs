//! Human output shared by the subcommands: findings grouped by area, coloured only
//! when stdout is a terminal (and `NO_COLOR` is unset).

use inboxlens_core::findings::score::Band;
use inboxlens_core::findings::{Finding, Severity};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal;

/// ANSI styling, on or off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a TTY and `NO_COLOR` is not set (no-color.org).
    pub(crate) fn detect() -> Self {
        Style { color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() }
    }
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }
    /// Bold.
    pub(crate) fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    /// Dimmed.
    pub(crate) fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    /// Colour of a result word: green for pass, red for fail/permerror, yellow otherwise.
    pub(crate) fn verdict(&self, word: &str) -> String {
        let code = match word {
            "pass" | "ok" | "secure" | "not_listed" => "32",
            "fail" | "permerror" | "bogus" | "listed" => "31",
            "none" | "neutral" => "2",
            _ => "33",
        };
        self.paint(code, word)
    }
    /// Severity badge.
    pub(crate) fn severity(&self, s: Severity) -> String {
        match s {
            Severity::Error => self.paint("1;31", "error  "),
            Severity::Warning => self.paint("33", "warning"),
            Severity::Info => self.paint("36", "info   "),
        }
    }
    /// Score with colour by band.
    pub(crate) fn score(&self, score: f64) -> String {
        let code = match Band::for_score(score) {
            Band::Good => "1;32",
            Band::Fair => "1;33",
            Band::Poor => "1;31",
        };
        self.paint(code, &format!("{score:.1}/10"))
    }
}

/// Findings grouped by area, errors first within each group.
pub(crate) fn findings(out: &mut String, style: Style, findings: &[Finding]) {
    if findings.is_empty() {
        let _ = writeln!(out, "  {}", style.dim("no findings"));
        return;
    }
    let mut by_area: BTreeMap<&'static str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_area.entry(f.area.title()).or_default().push(f);
    }
    for (area, mut list) in by_area {
        list.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let _ = writeln!(out, "\n  {}", style.bold(area));
        for f in list {
            let _ =
                writeln!(out, "    {} {} {}", style.severity(f.severity), f.title, style.dim(&format!("[{}]", f.id)));
            if let Some(d) = &f.detail {
                let _ = writeln!(out, "            {d}");
            }
            if f.severity != Severity::Info {
                let _ = writeln!(out, "            {} {}", style.dim("why:"), f.explanation);
                for (i, line) in f.fix.lines().enumerate() {
                    let label = if i == 0 { "fix:" } else { "    " };
                    let _ = writeln!(out, "            {} {line}", style.dim(label));
                }
            }
        }
    }
}

/// Whether any finding is an error (exit code 1).
pub(crate) fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
