//! Address lists in and cleaned lists out: a CSV (its records' original bytes kept, quoting
//! intact, any delimiter of `,` `;` tab, BOM and CRLF preserved), a text list (one address per
//! line), or addresses given one by one; and the added columns written the same way for the CLI's
//! `--output` and the jobs' `result.csv`. Every bound is here: record size, field count, binary
//! input detection.

use super::ADDED_COLUMNS;
use inboxlens_core::verify::model::{Reason, VerifyResult};
use std::io::{BufRead, Read};

/// Longest input record (a CSV row, with quoted newlines, or a text line). An unbalanced quote
/// would otherwise swallow the rest of the file into one record.
pub(crate) const MAX_RECORD_BYTES: usize = 1 << 20;
/// Most fields in one CSV record.
pub(crate) const MAX_FIELDS: usize = 10_000;

/// How the input file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum InputFormat {
    /// By extension, else by the first line (a delimiter or quote means CSV).
    Auto,
    /// CSV with a header row.
    Csv,
    /// One address per line; blank lines are skipped.
    Txt,
}

// Errors

/// Why a run cannot start or go on (exit 2).
#[derive(Debug, thiserror::Error)]
pub(crate) enum VerifyError {
    /// Reading the input failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The input.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Writing the output or journal failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The input is not text.
    #[error("{path} is not a text/CSV file: {why}")]
    Binary {
        /// The input.
        path: String,
        /// What gave it away.
        why: String,
    },
    /// A record is longer than [`MAX_RECORD_BYTES`] or has too many fields.
    #[error("{path}: record {record} is too large ({why}); an unbalanced quote?")]
    RecordTooLarge {
        /// The input.
        path: String,
        /// 1-based record number.
        record: u64,
        /// What exceeded its bound.
        why: String,
    },
    /// The address column is not in the header.
    #[error("{path}: no column {wanted}; the columns found are: {found}. Choose one with --column NAME.")]
    MissingColumn {
        /// The input.
        path: String,
        /// What was looked for.
        wanted: String,
        /// The header's columns.
        found: String,
    },
    /// The CSV has no header row.
    #[error("{0}: the CSV is empty (no header row)")]
    EmptyCsv(String),
    /// The journal does not belong to this run or is unreadable.
    #[error("journal {path}: {why}")]
    Journal {
        /// The journal.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// Nothing to verify.
    #[error("no address given (ADDRESS... or --input FILE)")]
    NoInput,
    /// Bad flags.
    #[error("{0}")]
    Usage(String),
}

// Input

/// One input row: the raw bytes to re-emit (CSV) and the address cell.
#[derive(Debug)]
pub(crate) struct Row {
    /// The record as read, without its line terminator (CSV), or None (text input).
    pub(crate) raw: Option<Vec<u8>>,
    /// The address cell.
    pub(crate) address: String,
    /// The cell was not valid UTF-8 (`address` is its lossy decoding): a syntax error, not an
    /// address to look up.
    pub(crate) not_utf8: bool,
}

/// A CSV record: its raw bytes (without terminator) and its decoded fields.
type RawRecord = (Vec<u8>, Vec<Vec<u8>>);

/// A CSV record reader that keeps each record's raw bytes (original quoting intact).
pub(crate) struct CsvRecords {
    inner: Box<dyn BufRead + Send>,
    core: csv_core::Reader,
    raw: Vec<u8>,
    out: Vec<u8>,
    ends: Vec<usize>,
    eof: bool,
    records: u64,
    path: String,
}

impl CsvRecords {
    fn new(inner: Box<dyn BufRead + Send>, delimiter: u8, path: String) -> Self {
        CsvRecords {
            inner,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            raw: Vec::new(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            eof: false,
            records: 0,
            path,
        }
    }

    /// The next record: (raw bytes without leading blank lines and trailing terminator, fields).
    fn next(&mut self) -> Result<Option<RawRecord>, VerifyError> {
        self.raw.clear();
        let (mut outlen, mut nend) = (0usize, 0usize);
        loop {
            let chunk: Vec<u8> = if self.eof {
                Vec::new()
            } else {
                let buf =
                    self.inner.fill_buf().map_err(|source| VerifyError::Read { path: self.path.clone(), source })?;
                buf.to_vec()
            };
            if chunk.is_empty() {
                self.eof = true;
            }
            let (res, nin, nout, nends) =
                self.core.read_record(&chunk, &mut self.out[outlen..], &mut self.ends[nend..]);
            self.raw.extend_from_slice(&chunk[..nin]);
            if !self.eof {
                self.inner.consume(nin);
            }
            outlen += nout;
            nend += nends;
            if self.raw.len() > MAX_RECORD_BYTES {
                return Err(self.too_large(format!("more than {MAX_RECORD_BYTES} bytes")));
            }
            match res {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_FIELDS {
                        return Err(self.too_large(format!("more than {MAX_FIELDS} fields")));
                    }
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.records += 1;
                    let mut fields = Vec::with_capacity(nend);
                    let mut start = 0;
                    for &e in &self.ends[..nend] {
                        fields.push(self.out[start..e].to_vec());
                        start = e;
                    }
                    return Ok(Some((trim_terminators(&self.raw).to_vec(), fields)));
                }
                csv_core::ReadRecordResult::End => return Ok(None),
            }
        }
    }

    fn too_large(&self, why: String) -> VerifyError {
        VerifyError::RecordTooLarge { path: self.path.clone(), record: self.records + 1, why }
    }
}

/// The record without the blank lines csv-core skipped before it and without its terminator.
fn trim_terminators(raw: &[u8]) -> &[u8] {
    let start = raw.iter().position(|&b| b != b'\r' && b != b'\n').unwrap_or(raw.len());
    let end = raw.iter().rposition(|&b| b != b'\r' && b != b'\n').map_or(start, |p| p + 1);
    &raw[start..end.max(start)]
}

/// Where rows come from.
pub(crate) enum Source {
    /// Command-line arguments.
    Args(std::vec::IntoIter<String>),
    /// One address per line.
    Text { inner: Box<dyn BufRead + Send>, path: String, line: u64 },
    /// CSV: the address is field `column`.
    Csv { records: Box<CsvRecords>, column: usize },
}

impl Source {
    pub(crate) fn next(&mut self) -> Result<Option<Row>, VerifyError> {
        match self {
            Source::Args(it) => Ok(it.next().map(|a| Row { raw: None, address: a, not_utf8: false })),
            Source::Text { inner, path, line } => loop {
                let mut buf = Vec::new();
                let n = inner
                    .by_ref()
                    .take(MAX_RECORD_BYTES as u64 + 1)
                    .read_until(b'\n', &mut buf)
                    .map_err(|source| VerifyError::Read { path: path.clone(), source })?;
                if n == 0 {
                    return Ok(None);
                }
                *line += 1;
                if buf.len() > MAX_RECORD_BYTES {
                    return Err(VerifyError::RecordTooLarge {
                        path: path.clone(),
                        record: *line,
                        why: format!("a line longer than {MAX_RECORD_BYTES} bytes"),
                    });
                }
                let not_utf8 = std::str::from_utf8(&buf).is_err();
                let text = String::from_utf8_lossy(&buf);
                let text = text.trim_start_matches('\u{feff}').trim();
                if text.is_empty() {
                    continue;
                }
                return Ok(Some(Row { raw: None, address: text.to_string(), not_utf8 }));
            },
            Source::Csv { records, column } => Ok(records.next()?.map(|(raw, fields)| {
                let cell = fields.get(*column).map(Vec::as_slice).unwrap_or_default();
                Row {
                    raw: Some(raw),
                    address: String::from_utf8_lossy(cell).into_owned(),
                    not_utf8: std::str::from_utf8(cell).is_err(),
                }
            })),
        }
    }
}

impl Row {
    /// The result of a row whose address cell is not UTF-8: a syntax error naming the likely
    /// cause (the CLI and the jobs answer it without asking the engine).
    pub(crate) fn not_utf8_result(&self) -> VerifyResult {
        VerifyResult::new(
            self.address.trim(),
            None,
            Reason::Syntax,
            "Invalid address: the cell is not valid UTF-8 (is the file in another encoding?).",
        )
    }
}

/// The opened input: its rows, the CSV header (raw, for the output), delimiter and terminator.
pub(crate) struct Input {
    pub(crate) source: Source,
    pub(crate) header_raw: Option<Vec<u8>>,
    pub(crate) delimiter: u8,
    pub(crate) terminator: &'static [u8],
    pub(crate) label: String,
    /// Length of a regular input file (journal fingerprint).
    pub(crate) file_len: Option<u64>,
}

const SNIFF_BYTES: usize = 8192;

/// Rejects input that is not text: a NUL byte, control characters (other than tab, CR, LF, form
/// feed) in more than 1 % of the first 8 KiB, or invalid UTF-8 with more than 30 % high bytes. A
/// Latin-1 list (mostly ASCII, a few high bytes) is text: its non-UTF-8 cells become syntax errors.
fn check_text(head: &[u8], label: &str) -> Result<(), VerifyError> {
    let binary = |why: String| Err(VerifyError::Binary { path: label.into(), why });
    if let Some(p) = head.iter().position(|&b| b == 0) {
        return binary(format!("a NUL byte at offset {p}"));
    }
    let controls =
        head.iter().filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n' | 0x0c)) || b == 0x7f).count();
    if controls * 100 > head.len() {
        return binary(format!("{controls} control bytes in the first {} bytes", head.len()));
    }
    if let Err(e) = std::str::from_utf8(head) {
        let cut_char = e.error_len().is_none() && head.len() >= SNIFF_BYTES;
        let high = head.iter().filter(|&&b| b >= 0x80).count();
        if !cut_char && high * 100 > head.len() * 30 {
            return binary(format!("invalid UTF-8 at offset {} and {high} high bytes", e.valid_up_to()));
        }
    }
    Ok(())
}

/// The delimiter of the first line: the most frequent of `,` `;` tab outside quotes (`,` on a tie).
fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&k| (counts[k], usize::from(k == 0))).unwrap_or(0);
    if counts[best] == 0 { b',' } else { b",;\t"[best] }
}

/// Whether the header names an address column.
fn is_address_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
    matches!(n.as_str(), "email" | "emailaddress" | "mail" | "address" | "emails" | "mailaddress")
}

/// Opens a list from `reader`: sniffs text vs binary, CSV vs one address per line (by `ext`, the
/// file's extension, or by the first line), the delimiter and the line terminator, and finds the
/// address column (`column`, else a column named email / e-mail / mail / address, else the only
/// column). `label` names the input in errors.
pub(crate) fn open_reader(
    mut reader: Box<dyn BufRead + Send>,
    label: String,
    ext: Option<String>,
    format: InputFormat,
    column: Option<&str>,
    file_len: Option<u64>,
) -> Result<Input, VerifyError> {
    // look at the head without consuming it: one fill of the buffer is enough for the sniff
    let head: Vec<u8> = {
        let buf = reader.fill_buf().map_err(|source| VerifyError::Read { path: label.clone(), source })?;
        buf[..buf.len().min(SNIFF_BYTES)].to_vec()
    };
    check_text(&head, &label)?;
    let head_text = head.strip_prefix(b"\xef\xbb\xbf".as_slice()).unwrap_or(&head);
    let first_line = head_text.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let csv = match format {
        InputFormat::Csv => true,
        InputFormat::Txt => false,
        InputFormat::Auto => match ext.as_deref() {
            Some("csv") | Some("tsv") => true,
            Some("txt") | Some("lst") | Some("list") => false,
            _ => first_line.iter().any(|&b| matches!(b, b',' | b';' | b'\t' | b'"')),
        },
    };
    let terminator: &'static [u8] = if head.windows(2).any(|w| w == b"\r\n") { b"\r\n" } else { b"\n" };
    if !csv {
        if column.is_some() {
            return Err(VerifyError::Usage(format!("--column applies to CSV input; {label} is read as text")));
        }
        return Ok(Input {
            source: Source::Text { inner: reader, path: label.clone(), line: 0 },
            header_raw: None,
            delimiter: b',',
            terminator,
            label,
            file_len,
        });
    }
    let delimiter = if ext.as_deref() == Some("tsv") { b'\t' } else { sniff_delimiter(head_text) };
    let mut records = Box::new(CsvRecords::new(reader, delimiter, label.clone()));
    let Some((header_raw, header)) = records.next()? else {
        return Err(VerifyError::EmptyCsv(label));
    };
    let names: Vec<String> = header.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect();
    let found_column = match column {
        Some(want) => names.iter().position(|n| n == want).or_else(|| {
            let w = want.to_lowercase();
            names.iter().position(|n| n.to_lowercase() == w)
        }),
        None if names.len() == 1 => Some(0),
        None => names.iter().position(|n| is_address_header(n)),
    };
    let Some(column) = found_column else {
        let wanted = match column {
            Some(w) => format!("{w:?}"),
            None => "named email, e-mail, mail or address".into(),
        };
        let found = names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ");
        return Err(VerifyError::MissingColumn { path: label, wanted, found });
    };
    // the BOM (if any) is part of header_raw: csv-core consumed it with the first record
    let header_raw = if head.starts_with(b"\xef\xbb\xbf") && !header_raw.starts_with(b"\xef\xbb\xbf") {
        [b"\xef\xbb\xbf".as_slice(), &header_raw].concat()
    } else {
        header_raw
    };
    Ok(Input {
        source: Source::Csv { records, column },
        header_raw: Some(header_raw),
        delimiter,
        terminator,
        label,
        file_len,
    })
}

/// Fields encoded with the csv crate (quoted only where needed), without a terminator.
pub(crate) fn encode_fields(delimiter: u8, fields: &[&str]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(csv::QuoteStyle::Necessary)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(fields);
    let mut v = w.into_inner().unwrap_or_default();
    if v.last() == Some(&b'\n') {
        v.pop();
    }
    v
}

/// The output's header line: the input's header as read (or `address` for a text list) plus the
/// added columns, with the input's terminator.
pub(crate) fn header_line(original: Option<&[u8]>, delimiter: u8, terminator: &[u8]) -> Vec<u8> {
    let mut line = match original {
        Some(raw) => raw.to_vec(),
        None => encode_fields(delimiter, &["address"]),
    };
    line.push(delimiter);
    line.extend_from_slice(&encode_fields(delimiter, &ADDED_COLUMNS));
    line.extend_from_slice(terminator);
    line
}

/// One output line: the input record's bytes as read (or the address for a text list) plus the
/// result's added columns.
pub(crate) fn result_line(raw: Option<&[u8]>, r: &VerifyResult, delimiter: u8, terminator: &[u8]) -> Vec<u8> {
    let mut line = match raw {
        Some(raw) => raw.to_vec(),
        None => encode_fields(delimiter, &[&r.address]),
    };
    line.push(delimiter);
    let b = |v: bool| if v { "true" } else { "false" };
    let catch_all = r.catch_all.map(b).unwrap_or("");
    line.extend_from_slice(&encode_fields(
        delimiter,
        &[
            r.verdict.as_str(),
            r.reason.as_str(),
            &r.detail,
            r.mx.as_deref().unwrap_or(""),
            catch_all,
            b(r.disposable),
            b(r.role),
            b(r.free),
        ],
    ));
    line.extend_from_slice(terminator);
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_records_keep_their_quoting_and_fields_are_decoded() {
        let data = "\u{feff}name,email\r\n\"Smith, J\",\"j@x.test\"\r\n\r\n\"multi\nline\",a@b.test\nlast,  c@d.test";
        let mut r = CsvRecords::new(Box::new(std::io::Cursor::new(data.as_bytes().to_vec())), b',', "t".into());
        let (raw, f) = r.next().unwrap().unwrap();
        assert_eq!(raw, "\u{feff}name,email".as_bytes());
        assert_eq!(f, [b"name".to_vec(), b"email".to_vec()]);
        let (raw, f) = r.next().unwrap().unwrap();
        assert_eq!(raw, b"\"Smith, J\",\"j@x.test\"");
        assert_eq!(f[1], b"j@x.test");
        let (raw, f) = r.next().unwrap().unwrap();
        assert_eq!(raw, b"\"multi\nline\",a@b.test");
        assert_eq!(f[0], b"multi\nline");
        let (raw, _) = r.next().unwrap().unwrap();
        assert_eq!(raw, b"last,  c@d.test");
        assert!(r.next().unwrap().is_none());
    }

    #[test]
    fn delimiter_sniffing_ignores_quoted_delimiters() {
        assert_eq!(sniff_delimiter(b"a;b;\"c,d,e,f\"\n1,2,3"), b';');
        assert_eq!(sniff_delimiter(b"email\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
    }

    #[test]
    fn binary_input_is_refused() {
        assert!(check_text(b"PK\x03\x04\x00\x00", "x").is_err());
        assert!(check_text(b"\xff\xfe\xfd\xfc abc", "x").is_err());
        assert!(check_text(b"\x1b\x02\x03\x04\x05 abc", "x").is_err());
        assert!(check_text(b"name,email\nRen\xe9,r@x.test\n", "x").is_ok(), "Latin-1 is text");
        assert!(check_text("ok,é\n".as_bytes(), "x").is_ok());
    }
}
