//! Address lists on the page's side: what is pasted into the Verify page (one address per line,
//! or a CSV with a header row) read into rows, and the cleaned CSV written back.
//!
//! It reads a list the way the server's `verify/list.rs` does (the same CSV-or-text rule on the
//! first line, the same delimiter sniffing, the same address-column names), so a list gives the
//! same rows whether the page sends it to `/api/verify` or as a bulk job. CSV records keep their
//! original text, so the cleaned CSV re-emits each input row as pasted. Nothing here judges an
//! address: verdicts come from the server (the core's `verify::judge`).

use std::borrow::Cow;

/// Longest record (a CSV row with its quoted newlines, or a text line), as the server's bound:
/// an unbalanced quote would otherwise swallow the rest of the list into one record.
pub(crate) const MAX_RECORD_CHARS: usize = 1 << 20;
/// Most fields in one CSV record (the server's bound).
pub(crate) const MAX_FIELDS: usize = 10_000;

/// The columns the cleaned CSV adds to every row: the same names, order and values as the
/// server's `result.csv` (`server/src/verify/mod.rs` `ADDED_COLUMNS`).
pub(crate) const ADDED_COLUMNS: [&str; 8] =
    ["verdict", "reason", "detail", "mx", "catch_all", "disposable", "role", "free"];

/// Why a pasted list cannot be read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ListError {
    /// The CSV has no header row.
    EmptyCsv,
    /// No column holds the addresses.
    MissingColumn {
        /// What was looked for.
        wanted: String,
        /// The header's columns.
        found: Vec<String>,
    },
    /// A record is over [`MAX_RECORD_CHARS`] or has more than [`MAX_FIELDS`] fields.
    RecordTooLarge {
        /// 1-based record number.
        record: usize,
    },
    /// A column name was given for a list that reads as one address per line.
    ColumnOnText,
}

impl ListError {
    /// The sentence a person reads.
    pub(crate) fn message(&self) -> String {
        match self {
            ListError::EmptyCsv => "The CSV is empty: it needs a header row naming its columns.".into(),
            ListError::MissingColumn { wanted, found } => format!(
                "No column {wanted}; the columns found are: {}. Type the address column's name in “Address column”, or put one address per line.",
                found.iter().map(|f| format!("“{f}”")).collect::<Vec<_>>().join(", ")
            ),
            ListError::RecordTooLarge { record } => format!(
                "Record {record} is too large (over {MAX_RECORD_CHARS} characters or {MAX_FIELDS} fields); is a quote left open?"
            ),
            ListError::ColumnOnText => "An address column applies to CSV input; this list reads as one address per line (its first line has no comma, semicolon, tab or quote). Clear “Address column”.".into(),
        }
    }
}

/// How the list was read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ListKind {
    /// One address per line; blank lines skipped.
    Text,
    /// CSV with a header row.
    Csv {
        /// `,` `;` or tab.
        delimiter: char,
        /// The header record as pasted.
        header_raw: String,
        /// The header's column names.
        columns: Vec<String>,
        /// Index of the address column.
        column: usize,
    },
}

/// One input row: its text as pasted (CSV) and its address cell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct InputRow {
    /// The CSV record as pasted, without its line terminator; `None` for a text list.
    pub(crate) raw: Option<String>,
    /// The address cell (a text line trimmed of surrounding whitespace).
    pub(crate) address: String,
}

/// A pasted list, read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AddressList {
    /// Text or CSV.
    pub(crate) kind: ListKind,
    /// The rows in order (duplicates kept: each row gets its answer).
    pub(crate) rows: Vec<InputRow>,
    /// `\r\n` when the input used it, else `\n`.
    pub(crate) terminator: &'static str,
}

impl AddressList {
    /// Whether the list is CSV (the bulk job is sent as `text/csv`).
    pub(crate) fn is_csv(&self) -> bool {
        matches!(self.kind, ListKind::Csv { .. })
    }

    /// The address cells, in order.
    pub(crate) fn addresses(&self) -> Vec<String> {
        self.rows.iter().map(|r| r.address.clone()).collect()
    }
}

/// Whether a header names an address column (the server's names).
pub(crate) fn is_address_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
    matches!(n.as_str(), "email" | "emailaddress" | "mail" | "address" | "emails" | "mailaddress")
}

/// The address column of a header: `wanted` (exact, then case-insensitive), else the only
/// column, else the first column with an address name.
pub(crate) fn find_column(names: &[String], wanted: Option<&str>) -> Result<usize, ListError> {
    let found = match wanted {
        Some(want) => names.iter().position(|n| n == want).or_else(|| {
            let w = want.to_lowercase();
            names.iter().position(|n| n.to_lowercase() == w)
        }),
        None if names.len() == 1 => Some(0),
        None => names.iter().position(|n| is_address_header(n)),
    };
    found.ok_or_else(|| ListError::MissingColumn {
        wanted: match wanted {
            Some(w) => format!("“{w}”"),
            None => "named email, e-mail, mail or address".into(),
        },
        found: names.to_vec(),
    })
}

/// The delimiter of the first line: the most frequent of `,` `;` tab outside quotes (`,` on a tie).
pub(crate) fn sniff_delimiter(head: &str) -> char {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in head.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&k| (counts[k], usize::from(k == 0))).unwrap_or(0);
    if counts[best] == 0 { ',' } else { [',', ';', '\t'][best] }
}

/// Whether text reads as CSV: its first line holds a delimiter or a quote (the server's rule for
/// input without a file extension).
pub(crate) fn looks_like_csv(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.split('\n').next().unwrap_or("");
    first.contains([',', ';', '\t', '"'])
}

/// Reads a pasted list. `column` names the address column of a CSV.
pub(crate) fn parse(text: &str, column: Option<&str>) -> Result<AddressList, ListError> {
    let terminator = if text.contains("\r\n") { "\r\n" } else { "\n" };
    if !looks_like_csv(text) {
        if column.is_some() {
            return Err(ListError::ColumnOnText);
        }
        let mut rows = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            if line.len() > MAX_RECORD_CHARS {
                return Err(ListError::RecordTooLarge { record: i + 1 });
            }
            let address = line.trim_start_matches('\u{feff}').trim();
            if !address.is_empty() {
                rows.push(InputRow { raw: None, address: address.to_string() });
            }
        }
        return Ok(AddressList { kind: ListKind::Text, rows, terminator });
    }
    let body = text.trim_start_matches('\u{feff}');
    let delimiter = sniff_delimiter(body);
    let mut records = CsvRecords::new(text, delimiter);
    let Some((header_raw, header)) = records.next().transpose()? else {
        return Err(ListError::EmptyCsv);
    };
    let columns: Vec<String> = header.iter().map(|f| f.trim_start_matches('\u{feff}').trim().to_string()).collect();
    let col = find_column(&columns, column)?;
    let mut rows = Vec::new();
    for rec in records {
        let (raw, fields) = rec?;
        let address = fields.get(col).cloned().unwrap_or_default();
        rows.push(InputRow { raw: Some(raw.to_string()), address });
    }
    Ok(AddressList {
        kind: ListKind::Csv { delimiter, header_raw: header_raw.to_string(), columns, column: col },
        rows,
        terminator,
    })
}

/// CSV records of a text (RFC 4180, any delimiter): each record's original text (without
/// the blank lines before it and its terminator) and its decoded fields. Quotes open only at the
/// start of a field; a quote inside an unquoted field is literal (as csv-core reads it).
pub(crate) struct CsvRecords<'a> {
    text: &'a str,
    pos: usize,
    delimiter: char,
    record: usize,
}

impl<'a> CsvRecords<'a> {
    /// Records of `text` split at `delimiter`.
    pub(crate) fn new(text: &'a str, delimiter: char) -> Self {
        CsvRecords { text, pos: 0, delimiter, record: 0 }
    }
}

impl<'a> Iterator for CsvRecords<'a> {
    type Item = Result<(&'a str, Vec<String>), ListError>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = &self.text[self.pos..];
        let skipped = rest.len() - rest.trim_start_matches(['\r', '\n']).len();
        let start = self.pos + skipped;
        if start >= self.text.len() {
            self.pos = self.text.len();
            return None;
        }
        self.record += 1;
        let mut fields = Vec::new();
        let mut field = String::new();
        // field states: at the start, inside an unquoted field, inside quotes, after a closing quote
        #[derive(PartialEq)]
        enum St {
            Start,
            Plain,
            Quoted,
            AfterQuote,
        }
        let mut st = St::Start;
        let mut end = self.text.len();
        let mut next = self.text.len();
        let mut chars = self.text[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let at = start + i;
            if at - start > MAX_RECORD_CHARS || fields.len() >= MAX_FIELDS {
                self.pos = self.text.len();
                return Some(Err(ListError::RecordTooLarge { record: self.record }));
            }
            match st {
                St::Quoted => {
                    if c == '"' {
                        if chars.peek().map(|&(_, n)| n) == Some('"') {
                            chars.next();
                            field.push('"');
                        } else {
                            st = St::AfterQuote;
                        }
                    } else {
                        field.push(c);
                    }
                }
                _ if c == '\n' || c == '\r' => {
                    end = at;
                    next = at + 1;
                    if c == '\r' && chars.peek().map(|&(_, n)| n) == Some('\n') {
                        next += 1;
                    }
                    break;
                }
                _ if c == self.delimiter => {
                    fields.push(std::mem::take(&mut field));
                    st = St::Start;
                }
                St::Start if c == '"' => st = St::Quoted,
                St::AfterQuote | St::Start | St::Plain => {
                    field.push(c);
                    if st == St::Start {
                        st = St::Plain;
                    }
                }
            }
        }
        fields.push(field);
        self.pos = next;
        Some(Ok((&self.text[start..end], fields)))
    }
}

/// One field written for a CSV: quoted (quotes doubled) only when it holds the delimiter, a
/// quote or a line break, as the server's writer does (`csv::QuoteStyle::Necessary`).
pub(crate) fn encode_field(delimiter: char, field: &str) -> Cow<'_, str> {
    if field.contains([delimiter, '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", field.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(field)
    }
}

/// Fields joined into one record, without a terminator.
pub(crate) fn encode_record(delimiter: char, fields: &[&str]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(delimiter);
        }
        out.push_str(&encode_field(delimiter, f));
    }
    out
}

/// The cleaned CSV of a list: the header as pasted (or `address` for a text list) and each row
/// as pasted (or its address), each followed by the added columns `added(i)` gives for row `i`
/// ([`ADDED_COLUMNS`] order). Rows `added` has no answer for are left out.
pub(crate) fn cleaned_csv<'a>(list: &AddressList, added: impl Fn(usize) -> Option<[&'a str; 8]>) -> String {
    let (delimiter, header) = match &list.kind {
        ListKind::Csv { delimiter, header_raw, .. } => (*delimiter, header_raw.clone()),
        ListKind::Text => (',', encode_record(',', &["address"])),
    };
    let t = list.terminator;
    let mut out = String::new();
    out.push_str(&header);
    out.push(delimiter);
    out.push_str(&encode_record(delimiter, &ADDED_COLUMNS));
    out.push_str(t);
    for (i, row) in list.rows.iter().enumerate() {
        let Some(cols) = added(i) else { continue };
        match &row.raw {
            Some(raw) => out.push_str(raw),
            None => out.push_str(&encode_field(delimiter, &row.address)),
        }
        out.push(delimiter);
        out.push_str(&encode_record(delimiter, &cols));
        out.push_str(t);
    }
    out
}

/// Run with `cargo test -p inboxlens-web --target wasm32-unknown-unknown` and
/// `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner` (Node.js).
#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn text_lists_are_one_address_per_line_blank_lines_skipped() {
        let l = parse("\u{feff} a@x.test \n\n\r\nb@y.test\r\n", None).unwrap();
        assert_eq!(l.kind, ListKind::Text);
        assert_eq!(l.addresses(), ["a@x.test", "b@y.test"]);
        assert_eq!(l.terminator, "\r\n");
        assert_eq!(parse("a@x.test", Some("email")), Err(ListError::ColumnOnText));
    }

    #[test]
    fn csv_rows_keep_their_text_and_the_address_column_is_found() {
        let text = "name;E-Mail;note\n\"Smith; J\";\"j@x.test\";\"say \"\"hi\"\"\"\n\n\"multi\nline\";a@b.test;\nlast;c@d.test";
        let l = parse(text, None).unwrap();
        let ListKind::Csv { delimiter, header_raw, column, .. } = &l.kind else { panic!("csv") };
        assert_eq!((*delimiter, header_raw.as_str(), *column), (';', "name;E-Mail;note", 1));
        assert_eq!(l.addresses(), ["j@x.test", "a@b.test", "c@d.test"]);
        assert_eq!(l.rows[0].raw.as_deref(), Some("\"Smith; J\";\"j@x.test\";\"say \"\"hi\"\"\""));
        assert_eq!(l.rows[1].raw.as_deref(), Some("\"multi\nline\";a@b.test;"));
    }

    #[test]
    fn a_csv_without_an_address_column_says_which_columns_it_has() {
        let e = parse("name,phone\nx,1\n", None).unwrap_err();
        assert!(matches!(&e, ListError::MissingColumn { found, .. } if found == &["name", "phone"]));
        assert!(e.message().contains("“phone”"));
        let l = parse("name,Contact\nx,c@d.test\n", Some("contact")).unwrap();
        assert_eq!(l.addresses(), ["c@d.test"]);
    }

    #[test]
    fn unbalanced_quotes_are_bounded() {
        let text = format!("email,x\n\"{}", "a".repeat(MAX_RECORD_CHARS + 10));
        assert_eq!(parse(&text, None), Err(ListError::RecordTooLarge { record: 2 }));
    }

    #[test]
    fn the_cleaned_csv_quotes_what_needs_quoting_and_keeps_pasted_rows() {
        let l = parse("a@x.test\n", None).unwrap();
        let out = cleaned_csv(&l, |i| {
            Some([
                "undeliverable",
                "syntax",
                if i == 0 { "says \"no\", twice" } else { "x" },
                "",
                "",
                "false",
                "false",
                "false",
            ])
        });
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some("address,verdict,reason,detail,mx,catch_all,disposable,role,free"));
        assert_eq!(lines.next(), Some("a@x.test,undeliverable,syntax,\"says \"\"no\"\", twice\",,,false,false,false"));
        let csv = parse("id,email\n1,\"q@x.test\"\n", None).unwrap();
        let out = cleaned_csv(&csv, |_| {
            Some(["deliverable", "mailbox_exists", "ok", "mx.x.test", "false", "false", "false", "false"])
        });
        assert_eq!(
            out,
            "id,email,verdict,reason,detail,mx,catch_all,disposable,role,free\n1,\"q@x.test\",deliverable,mailbox_exists,ok,mx.x.test,false,false,false,false\n"
        );
        assert_eq!(encode_field('\t', "a\tb"), "\"a\tb\"");
        assert_eq!(encode_field(',', "a;b"), "a;b");
    }
}
