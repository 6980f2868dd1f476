//! Golden-file comparison for the JSON contracts (`analyze --json`, `domain --json`,
//! `spf --json`, `/api/analyze`), shared by `crates/core/tests/json_contract.rs` and
//! `server/tests/json_contract_http.rs` (which includes this file by path).
//!
//! - The golden files live in `crates/core/tests/golden/` and hold the exact bytes the CLI
//!   prints (serde_json's pretty form plus a final newline).
//! - `INBOXLENS_BLESS=1` rewrites them from the current output (review the `git diff`!).
//! - A mismatch fails with a readable diff of `path = value` lines in document order.
//! - The only tolerated difference is a key listed in [`ALLOWED_ADDITIONS`] that the golden
//!   file does not have (a new field; the contract allows additions, never changes).
//!   Everything else — key names, key order, values, number formatting — must be
//!   byte-identical.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Keys that may appear in the output without being in the golden file. A pattern is a
/// path in the `path = value` notation of the diff, `[*]` standing for any array index;
/// it matches that key and everything below it. Add a pattern here (with the issue that
/// introduces the field) instead of re-blessing when a field is added.
pub(crate) const ALLOWED_ADDITIONS: &[&str] = &[
    // issue 9 §4: findings get a structured `publish` {name, type, value} for copy-paste records.
    "findings[*].publish",
];

/// The golden folder.
pub(crate) fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(golden_rel())
}

/// Where the golden folder is relative to the manifest of the crate that runs the test.
fn golden_rel() -> &'static str {
    if Path::new(env!("CARGO_MANIFEST_DIR")).ends_with("crates/core") {
        "tests/golden"
    } else {
        "../crates/core/tests/golden"
    }
}

/// `INBOXLENS_BLESS=1`: write the current output as the new golden files.
pub(crate) fn blessing() -> bool {
    std::env::var("INBOXLENS_BLESS").as_deref() == Ok("1")
}

/// Compares `actual` (the full text, as the CLI would print it) with `golden/<name>`;
/// under `INBOXLENS_BLESS=1` writes it instead. Panics with a diff on a mismatch.
pub(crate) fn check(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if blessing() {
        std::fs::create_dir_all(path.parent().expect("golden dir")).expect("create golden dir");
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("BLESSED {}", path.display());
        return;
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run the test with INBOXLENS_BLESS=1 to create it", path.display()));
    if let Err(diff) = compare(&golden, actual) {
        panic!(
            "{name}: the JSON contract changed (golden file {}).\n{diff}\nIf the change is intended, \
             regenerate with INBOXLENS_BLESS=1 and review the git diff; a new field belongs in ALLOWED_ADDITIONS.",
            path.display()
        );
    }
}

/// `Ok` when `actual` equals `golden` byte for byte, or differs only by keys of
/// [`ALLOWED_ADDITIONS`] that `golden` lacks; else the diff.
pub(crate) fn compare(golden: &str, actual: &str) -> Result<(), String> {
    if golden == actual {
        return Ok(());
    }
    let g = parse(golden).map_err(|e| format!("golden file is not JSON: {e}"))?;
    let mut a = parse(actual).map_err(|e| format!("output is not JSON: {e}"))?;
    let removed = strip_allowed(&mut a, Some(&g), "");
    let newline = if actual.ends_with('\n') { "\n" } else { "" };
    if removed > 0 && render(&a) + newline == golden {
        return Ok(());
    }
    let (gl, al) = (flatten(&g), flatten(&a));
    if gl == al {
        return Err("the values are equal but the bytes differ (whitespace or formatting)".into());
    }
    Err(diff(&gl, &al))
}

/// `actual` without any key of [`ALLOWED_ADDITIONS`], re-rendered in serde_json's pretty
/// form (identical to `actual` when it has none): what the corpus hashes are taken of, so
/// an allowed new field does not change them.
pub(crate) fn without_allowed(actual: &str) -> String {
    let mut a = parse(actual).expect("output is JSON");
    strip_allowed(&mut a, None, "");
    render(&a)
}

/// A JSON document as written: object keys in order, strings and numbers as their source text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// `{...}`: (key with its quotes, value) in order.
    Object(Vec<(String, Node)>),
    /// `[...]`.
    Array(Vec<Node>),
    /// A string (with quotes and escapes), number, `true`, `false` or `null`, as written.
    Scalar(String),
}

/// Parses JSON text into an order-preserving [`Node`] tree.
pub(crate) fn parse(text: &str) -> Result<Node, String> {
    let b = text.as_bytes();
    let mut i = 0;
    let node = parse_value(b, &mut i)?;
    skip_ws(b, &mut i);
    if i != b.len() {
        return Err(format!("trailing text at byte {i}"));
    }
    Ok(node)
}

fn skip_ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && b[*i].is_ascii_whitespace() {
        *i += 1;
    }
}

fn parse_string(b: &[u8], i: &mut usize) -> Result<String, String> {
    let start = *i;
    *i += 1;
    while *i < b.len() {
        match b[*i] {
            b'\\' => *i += 2,
            b'"' => {
                *i += 1;
                return Ok(String::from_utf8_lossy(&b[start..*i]).into_owned());
            }
            _ => *i += 1,
        }
    }
    Err(format!("unterminated string at byte {start}"))
}

fn parse_value(b: &[u8], i: &mut usize) -> Result<Node, String> {
    skip_ws(b, i);
    match b.get(*i) {
        None => Err("unexpected end".into()),
        Some(b'{') => {
            *i += 1;
            let mut entries = Vec::new();
            loop {
                skip_ws(b, i);
                match b.get(*i) {
                    Some(b'}') => {
                        *i += 1;
                        return Ok(Node::Object(entries));
                    }
                    Some(b',') => *i += 1,
                    Some(b'"') => {
                        let key = parse_string(b, i)?;
                        skip_ws(b, i);
                        if b.get(*i) != Some(&b':') {
                            return Err(format!("expected ':' at byte {i}"));
                        }
                        *i += 1;
                        entries.push((key, parse_value(b, i)?));
                    }
                    _ => return Err(format!("unexpected byte in object at {i}")),
                }
            }
        }
        Some(b'[') => {
            *i += 1;
            let mut items = Vec::new();
            loop {
                skip_ws(b, i);
                match b.get(*i) {
                    Some(b']') => {
                        *i += 1;
                        return Ok(Node::Array(items));
                    }
                    Some(b',') => *i += 1,
                    Some(_) => items.push(parse_value(b, i)?),
                    None => return Err("unterminated array".into()),
                }
            }
        }
        Some(b'"') => parse_string(b, i).map(Node::Scalar),
        Some(_) => {
            let start = *i;
            while *i < b.len() && !matches!(b[*i], b',' | b']' | b'}') && !b[*i].is_ascii_whitespace() {
                *i += 1;
            }
            Ok(Node::Scalar(String::from_utf8_lossy(&b[start..*i]).into_owned()))
        }
    }
}

/// serde_json's pretty form (two-space indent, `"key": value`, `[]` / `{}` when empty).
pub(crate) fn render(node: &Node) -> String {
    let mut out = String::new();
    render_into(node, 0, &mut out);
    out
}

fn render_into(node: &Node, depth: usize, out: &mut String) {
    let pad = |d: usize, out: &mut String| out.push_str(&"  ".repeat(d));
    match node {
        Node::Scalar(s) => out.push_str(s),
        Node::Object(e) if e.is_empty() => out.push_str("{}"),
        Node::Array(a) if a.is_empty() => out.push_str("[]"),
        Node::Object(entries) => {
            out.push_str("{\n");
            for (n, (k, v)) in entries.iter().enumerate() {
                pad(depth + 1, out);
                out.push_str(k);
                out.push_str(": ");
                render_into(v, depth + 1, out);
                out.push_str(if n + 1 < entries.len() { ",\n" } else { "\n" });
            }
            pad(depth, out);
            out.push('}');
        }
        Node::Array(items) => {
            out.push_str("[\n");
            for (n, v) in items.iter().enumerate() {
                pad(depth + 1, out);
                render_into(v, depth + 1, out);
                out.push_str(if n + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(depth, out);
            out.push(']');
        }
    }
}

/// serde_json's compact form of `node` (what axum's `Json` sends).
pub(crate) fn render_compact(node: &Node) -> String {
    match node {
        Node::Scalar(s) => s.clone(),
        Node::Object(entries) => format!(
            "{{{}}}",
            entries.iter().map(|(k, v)| format!("{k}:{}", render_compact(v))).collect::<Vec<_>>().join(",")
        ),
        Node::Array(items) => format!("[{}]", items.iter().map(render_compact).collect::<Vec<_>>().join(",")),
    }
}

fn child_path(path: &str, key: &str) -> String {
    let key = key.trim_matches('"');
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// Whether `path` (`findings[3].publish`) matches `pattern` (`findings[*].publish`).
fn matches(pattern: &str, path: &str) -> bool {
    let (mut p, mut s) = (pattern.as_bytes(), path.as_bytes());
    loop {
        match (p.first(), s.first()) {
            (None, None) => return true,
            (Some(_), None) | (None, Some(_)) => return false,
            _ if p.starts_with(b"[*]") && s.first() == Some(&b'[') => {
                let Some(end) = s.iter().position(|&c| c == b']') else { return false };
                p = &p[3..];
                s = &s[end + 1..];
            }
            (Some(a), Some(b)) if a == b => {
                p = &p[1..];
                s = &s[1..];
            }
            _ => return false,
        }
    }
}

/// Removes from `actual` every allowed key that `golden` (the node at the same place) lacks;
/// returns how many were removed.
fn strip_allowed(actual: &mut Node, golden: Option<&Node>, path: &str) -> usize {
    let mut removed = 0;
    match actual {
        Node::Object(entries) => {
            let golden_entries = match golden {
                Some(Node::Object(g)) => Some(g),
                _ => None,
            };
            let before = entries.len();
            entries.retain(|(k, _)| {
                let in_golden = golden_entries.is_some_and(|g| g.iter().any(|(gk, _)| gk == k));
                in_golden || !ALLOWED_ADDITIONS.iter().any(|p| matches(p, &child_path(path, k)))
            });
            removed += before - entries.len();
            for (k, v) in entries.iter_mut() {
                let g = golden_entries.and_then(|g| g.iter().find(|(gk, _)| gk == k).map(|(_, gv)| gv));
                removed += strip_allowed(v, g, &child_path(path, k));
            }
        }
        Node::Array(items) => {
            for (n, v) in items.iter_mut().enumerate() {
                let g = match golden {
                    Some(Node::Array(g)) => g.get(n),
                    _ => None,
                };
                removed += strip_allowed(v, g, &format!("{path}[{n}]"));
            }
        }
        Node::Scalar(_) => {}
    }
    removed
}

/// `path = value` lines in document order (empty containers as `{}` / `[]`).
pub(crate) fn flatten(node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    flatten_into(node, "", &mut out);
    out
}

fn flatten_into(node: &Node, path: &str, out: &mut Vec<String>) {
    match node {
        Node::Scalar(s) => out.push(format!("{path} = {s}")),
        Node::Object(e) if e.is_empty() => out.push(format!("{path} = {{}}")),
        Node::Array(a) if a.is_empty() => out.push(format!("{path} = []")),
        Node::Object(entries) => {
            for (k, v) in entries {
                flatten_into(v, &child_path(path, k), out);
            }
        }
        Node::Array(items) => {
            for (n, v) in items.iter().enumerate() {
                flatten_into(v, &format!("{path}[{n}]"), out);
            }
        }
    }
}

/// A line diff (`-` golden, `+` actual, with up to 3 lines of context), at most 80 lines.
pub(crate) fn diff(golden: &[String], actual: &[String]) -> String {
    let prefix = golden.iter().zip(actual).take_while(|(a, b)| a == b).count();
    let suffix = golden[prefix..].iter().rev().zip(actual[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let g = &golden[prefix..golden.len() - suffix];
    let a = &actual[prefix..actual.len() - suffix];
    let mut lines = Vec::new();
    for l in &golden[prefix.saturating_sub(3)..prefix] {
        lines.push(format!("  {l}"));
    }
    if g.len() * a.len() <= 4_000_000 {
        // Longest common subsequence of the differing middle.
        let mut lcs = vec![vec![0u32; a.len() + 1]; g.len() + 1];
        for i in (0..g.len()).rev() {
            for j in (0..a.len()).rev() {
                lcs[i][j] = if g[i] == a[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < g.len() || j < a.len() {
            if i < g.len() && j < a.len() && g[i] == a[j] {
                lines.push(format!("  {}", g[i]));
                i += 1;
                j += 1;
            } else if j < a.len() && (i == g.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
                lines.push(format!("+ {}", a[j]));
                j += 1;
            } else {
                lines.push(format!("- {}", g[i]));
                i += 1;
            }
        }
    } else {
        lines.extend(g.iter().map(|l| format!("- {l}")));
        lines.extend(a.iter().map(|l| format!("+ {l}")));
    }
    for l in &golden[golden.len() - suffix..(golden.len() - suffix + 3).min(golden.len())] {
        lines.push(format!("  {l}"));
    }
    let total = lines.len();
    let mut text = lines.into_iter().take(80).collect::<Vec<_>>().join("\n");
    if total > 80 {
        text.push_str(&format!("\n... {} more diff lines", total - 80));
    }
    format!("--- golden\n+++ actual\n{text}")
}
