//! `inboxlens verify`: mailbox verification and list cleaning (issue 11), the I/O shell around the
//! core's sans-IO scheduler ([`inboxlens_core::verify::scheduler`]).
//!
//! What this file does: reads addresses (arguments, a `.txt` list, a CSV with its original rows
//! kept byte for byte, or stdin), feeds them to the scheduler through a bounded window, resolves
//! MX through the DNS seam (`--zone`, `--offline`, `--resolver`, `--doh`), hands the scheduler's
//! SMTP sessions to a [`SessionRunner`], writes the results back in input order through a bounded
//! reorder buffer, and keeps a journal so that `--resume` continues an interrupted run with every
//! row exactly once in the output.
//!
//! Memory: the window bounds the rows held here; the core scheduler retains every distinct
//! address it was given, so it runs in generations of `--generation-rows` (drained, then
//! replaced). With SMTP this means one catch-all probe per domain per generation and a drain at
//! each boundary; a core scheduler that forgets finished items would remove both.
//!
//! The verification itself (scheduler, MX lookups, SMTP sessions) is [`crate::verify::engine`],
//! shared with the HTTP routes and the bulk jobs; the list format is [`crate::verify::list`].
//!
//! Exit codes: 0 the run completed (whatever the verdicts); 2 usage error, unreadable or binary
//! input, missing CSV column, journal mismatch.

use super::EXIT_USAGE;
use super::dns_flags::DnsArgs;
use super::render::Style;
use crate::verify::engine::{Engine, EngineConfig, GENERATION_ROWS};
use crate::verify::list::{self, Input, InputFormat, Row, VerifyError};
use crate::verify::smtp::SmtpSessionRunner;
use crate::verify::{DEFAULT_FROM_ADDRESS, SessionRunner, SessionSettings};
use clap::Args;
use inboxlens_core::dns::Resolver;
use inboxlens_core::verify::model::{Verdict, VerifyResult};
use inboxlens_core::verify::scheduler::{RowId, SchedulerConfig};
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Rows read ahead of the first row not yet written: bounds the scheduler's open items and the
/// reorder buffer (memory stays flat on any list length).
pub(crate) const DEFAULT_WINDOW: usize = 4096;
/// Rows written between two journal checkpoints (each checkpoint fsyncs output and journal).
pub(crate) const CHECKPOINT_ROWS: u64 = 512;
/// Longest time between two journal checkpoints while rows are being written.
pub(crate) const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);
/// Journal size that triggers a compaction (bounded disk use on any list length).
pub(crate) const JOURNAL_COMPACT_BYTES: u64 = 64 << 20;

/// Verify mailboxes and clean lists.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Addresses to verify.
    #[arg(value_name = "ADDRESS")]
    pub addresses: Vec<String>,
    /// Read addresses from FILE: a CSV (with a header row), a .txt list (one per line), or `-`
    /// for stdin.
    #[arg(long, short = 'i', value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// The CSV column holding the address (default: a column named email / e-mail / mail /
    /// address, or the only column).
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// Input format; `auto` reads the extension (.csv / .txt) and otherwise the first line.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub format: InputFormat,
    /// Write the cleaned CSV here: every input row in input order with its original columns and
    /// quoting, plus verdict,reason,detail,mx,catch_all,disposable,role,free.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The journal that makes the run resumable (default: the output path + `.journal`).
    #[arg(long, value_name = "FILE", requires = "output")]
    pub journal: Option<PathBuf>,
    /// Continue an interrupted run from its journal: finished rows are not probed again.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Print all results as JSON (one object for one address, else an array).
    #[arg(long, conflicts_with = "jsonl")]
    pub json: bool,
    /// Print one JSON result per input row and line, in input order.
    #[arg(long)]
    pub jsonl: bool,
    /// Syntax and DNS only: never open an SMTP session.
    #[arg(long)]
    pub no_smtp: bool,
    /// MAIL FROM address for the probes (default: the null sender `<>`).
    #[arg(long, value_name = "ADDR")]
    pub from_address: Option<String>,
    /// EHLO name (default: the machine's host name).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// Allow MX hosts on private / loopback addresses (labs and tests only).
    #[arg(long)]
    pub allow_private: bool,
    /// SMTP sessions open at once (all MX together); MX lookups in flight are 4x this.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// SMTP sessions open at once to one MX host.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub per_domain_concurrency: usize,
    /// Deadline of one SMTP step (connect, banner, one command), in seconds.
    #[arg(long, value_name = "S", default_value_t = 30)]
    pub timeout_s: u64,
    /// Retry of a greylisted address when the server gives no hint, in seconds.
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub greylist_retry_s: u64,
    /// Longest an address may stay deferred (greylisting, rate limits), in seconds.
    #[arg(long, value_name = "S", default_value_t = 600)]
    pub max_wait_s: u64,
    /// Rows read ahead of the first unwritten row (memory bound).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_WINDOW, hide = true)]
    pub window: usize,
    /// Rows written between two journal checkpoints.
    #[arg(long, value_name = "N", default_value_t = CHECKPOINT_ROWS, hide = true)]
    pub checkpoint_rows: u64,
    /// Rows per scheduler generation (bounds the scheduler's memory on long lists).
    #[arg(long, value_name = "N", default_value_t = GENERATION_ROWS, hide = true)]
    pub generation_rows: u64,
    /// The journal is compacted when it grows past this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = JOURNAL_COMPACT_BYTES, hide = true)]
    pub journal_compact_bytes: u64,
    #[command(flatten)]
    pub dns: DnsArgs,
}

/// The SMTP session driver (None with `--no-smtp`).
fn session_runner(
    args: &VerifyArgs,
    resolver: &Arc<dyn Resolver>,
    settings: &SessionSettings,
) -> Result<Option<Arc<dyn SessionRunner>>, VerifyError> {
    if args.no_smtp {
        return Ok(None);
    }
    let runner = SmtpSessionRunner::new(Arc::clone(resolver), settings, args.per_domain_concurrency.clamp(1, 64))
        .map_err(|e| VerifyError::Usage(e.to_string()))?;
    Ok(Some(Arc::new(runner)))
}

/// Opens the addresses the arguments name: the positional addresses, or `--input` (a file or `-`
/// for stdin).
fn open_input(args: &VerifyArgs) -> Result<Input, VerifyError> {
    let Some(path) = &args.input else {
        if args.addresses.is_empty() {
            return Err(VerifyError::NoInput);
        }
        return Ok(Input {
            source: list::Source::Args(args.addresses.clone().into_iter()),
            header_raw: None,
            delimiter: b',',
            terminator: b"\n",
            label: "arguments".into(),
            file_len: None,
        });
    };
    if !args.addresses.is_empty() {
        return Err(VerifyError::Usage("give addresses as arguments or with --input, not both".into()));
    }
    let stdin = path.as_os_str() == "-";
    let label = if stdin { "stdin".to_string() } else { path.display().to_string() };
    let (reader, file_len): (Box<dyn BufRead + Send>, Option<u64>) = if stdin {
        (Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())), None)
    } else {
        let f = File::open(path).map_err(|source| VerifyError::Read { path: label.clone(), source })?;
        let len = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
        (Box::new(BufReader::with_capacity(1 << 16, f)), len)
    };
    let ext = if stdin { None } else { path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase) };
    list::open_reader(reader, label, ext, args.format, args.column.as_deref(), file_len)
}

/// The cleaned CSV being written (bytes counted for the journal's checkpoints).
struct CsvOut {
    file: BufWriter<File>,
    path: String,
    bytes: u64,
    delimiter: u8,
    terminator: &'static [u8],
}

impl CsvOut {
    fn write_all(&mut self, b: &[u8]) -> Result<(), VerifyError> {
        self.file.write_all(b).map_err(|source| VerifyError::Write { path: self.path.clone(), source })?;
        self.bytes += b.len() as u64;
        Ok(())
    }

    fn header(&mut self, original: Option<&[u8]>) -> Result<(), VerifyError> {
        let line = list::header_line(original, self.delimiter, self.terminator);
        self.write_all(&line)
    }

    fn row(&mut self, raw: Option<&[u8]>, r: &VerifyResult) -> Result<(), VerifyError> {
        let line = list::result_line(raw, r, self.delimiter, self.terminator);
        self.write_all(&line)
    }

    fn sync(&mut self) -> Result<(), VerifyError> {
        let path = self.path.clone();
        self.file.flush().map_err(|source| VerifyError::Write { path: path.clone(), source })?;
        self.file.get_ref().sync_data().map_err(|source| VerifyError::Write { path, source })
    }
}

/// What goes to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StdoutMode {
    /// One coloured line per address.
    Human,
    /// JSON lines.
    Jsonl,
    /// A JSON array (or one object for one argument).
    Json { single: bool },
    /// Nothing per row (a summary on stderr): `--output` without `--jsonl`.
    Quiet,
}

fn human_line(style: Style, r: &VerifyResult) -> String {
    let code = match r.verdict {
        Verdict::Deliverable => "32",
        Verdict::Undeliverable => "31",
        Verdict::Risky => "33",
        Verdict::Unknown => "2",
    };
    let verdict = if style.color {
        format!("\x1b[{code}m{:<13}\x1b[0m", r.verdict.as_str())
    } else {
        format!("{:<13}", r.verdict.as_str())
    };
    let mut flags = Vec::new();
    if r.role {
        flags.push("role");
    }
    if r.free {
        flags.push("free");
    }
    if r.disposable {
        flags.push("disposable");
    }
    let flags = if flags.is_empty() { String::new() } else { format!(" [{}]", flags.join(",")) };
    let address = if r.address.is_empty() { "\"\"" } else { r.address.as_str() };
    format!("{address:<32} {verdict} {:<20}{flags} {}", r.reason.as_str(), style.dim(&r.detail))
}

// ---------------------------------------------------------------------------------------------
// Journal

/// One journal line.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum JournalLine {
    /// First line: what run this journal belongs to.
    Header { inboxlens_verify_journal: u32, input: String, input_len: Option<u64>, column: Option<String> },
    /// The output holds exactly rows `[0, rows)` in its first `bytes` bytes (both fsync'd).
    Checkpoint { rows: u64, bytes: u64, done: bool },
    /// A finished row (completion order).
    Result { row: RowId, result: VerifyResult },
}

const JOURNAL_VERSION: u32 = 1;

/// What a journal says about an interrupted run.
struct JournalState {
    rows: u64,
    bytes: u64,
    done: bool,
    /// Results of rows at or past `rows` (at most the window).
    ahead: HashMap<RowId, VerifyResult>,
    /// Length of the journal's valid prefix (a torn last line is cut off).
    valid_len: u64,
    header_seen: bool,
}

fn read_journal(path: &Path, input: &Input, args: &VerifyArgs) -> Result<Option<JournalState>, VerifyError> {
    let label = path.display().to_string();
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(VerifyError::Read { path: label, source }),
    };
    let mut st =
        JournalState { rows: 0, bytes: 0, done: false, ahead: HashMap::new(), valid_len: 0, header_seen: false };
    let mut r = BufReader::new(f);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line).map_err(|source| VerifyError::Read { path: label.clone(), source })?;
        if n == 0 || line.last() != Some(&b'\n') {
            break; // end, or a torn last line
        }
        let Ok(parsed) = serde_json::from_slice::<JournalLine>(&line) else { break };
        match parsed {
            JournalLine::Header { inboxlens_verify_journal, input: inp, input_len, column } => {
                let mismatch = if inboxlens_verify_journal != JOURNAL_VERSION {
                    Some(format!("version {inboxlens_verify_journal}, this build writes {JOURNAL_VERSION}"))
                } else if inp != input.label || column != args.column {
                    Some(format!("it belongs to a run on {inp:?} (column {column:?})"))
                } else if input_len.is_some() && input.file_len.is_some() && input_len != input.file_len {
                    Some(format!("the input changed size since ({input_len:?} -> {:?} bytes)", input.file_len))
                } else {
                    None
                };
                if let Some(why) = mismatch {
                    return Err(VerifyError::Journal {
                        path: label,
                        why: format!("{why}; delete it (and the output) to start over"),
                    });
                }
                st.header_seen = true;
            }
            JournalLine::Checkpoint { rows, bytes, done } => {
                st.rows = rows;
                st.bytes = bytes;
                st.done = done;
                st.ahead.retain(|&k, _| k >= rows);
            }
            JournalLine::Result { row, result } => {
                if row >= st.rows {
                    st.ahead.insert(row, result);
                }
            }
        }
        st.valid_len += n as u64;
    }
    Ok(Some(st))
}

/// The append-only journal: results in completion order and checkpoints. Compacted (rewritten to
/// a temporary file and renamed over, so a kill leaves either file whole) when it grows past
/// `compact_bytes`, so its size stays bounded on any list length.
struct Journal {
    file: BufWriter<File>,
    path: String,
    path_buf: PathBuf,
    /// The header line's content: (input, input length, column).
    header: (String, Option<u64>, Option<String>),
    bytes: u64,
    compact_bytes: u64,
}

impl Journal {
    fn header_line(&self) -> JournalLine {
        JournalLine::Header {
            inboxlens_verify_journal: JOURNAL_VERSION,
            input: self.header.0.clone(),
            input_len: self.header.1,
            column: self.header.2.clone(),
        }
    }

    fn line(&mut self, l: &JournalLine) -> Result<(), VerifyError> {
        let mut s = serde_json::to_vec(l).unwrap_or_default();
        s.push(b'\n');
        self.bytes += s.len() as u64;
        self.file.write_all(&s).map_err(|source| VerifyError::Write { path: self.path.clone(), source })
    }

    /// Rewrites the journal as header + `checkpoint` + the results still ahead of it.
    fn compact<'a>(
        &mut self,
        checkpoint: JournalLine,
        ahead: impl Iterator<Item = (RowId, &'a VerifyResult)>,
    ) -> Result<(), VerifyError> {
        let err = |source| VerifyError::Write { path: self.path.clone(), source };
        let mut tmp_path = self.path_buf.clone().into_os_string();
        tmp_path.push(".tmp");
        let tmp_path = PathBuf::from(tmp_path);
        let tmp = File::create(&tmp_path).map_err(err)?;
        let mut next = Journal {
            file: BufWriter::new(tmp),
            path: self.path.clone(),
            path_buf: self.path_buf.clone(),
            header: self.header.clone(),
            bytes: 0,
            compact_bytes: self.compact_bytes,
        };
        next.line(&self.header_line())?;
        next.line(&checkpoint)?;
        for (row, result) in ahead {
            next.line(&JournalLine::Result { row, result: result.clone() })?;
        }
        next.sync()?;
        std::fs::rename(&tmp_path, &self.path_buf).map_err(err)?;
        if let Some(dir) = self.path_buf.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        *self = next;
        Ok(())
    }

    fn sync(&mut self) -> Result<(), VerifyError> {
        let path = self.path.clone();
        self.file.flush().map_err(|source| VerifyError::Write { path: path.clone(), source })?;
        self.file.get_ref().sync_data().map_err(|source| VerifyError::Write { path, source })
    }
}

// ---------------------------------------------------------------------------------------------
// The driver

/// What the reader thread and the engine send to the driver loop.
enum Event {
    /// A row's final result (from the engine, in completion order).
    Result(RowId, VerifyResult),
    /// The engine answered every row it was given and ended.
    EngineDone,
    /// An input row (from the reader thread).
    Row(RowId, Row),
    /// The input ended after this many rows.
    InputEnd(RowId),
    /// The input could not be read.
    InputError(VerifyError),
}

/// Counts per verdict, for the summary.
#[derive(Default)]
struct Counts {
    by_verdict: BTreeMap<&'static str, u64>,
    by_reason: BTreeMap<&'static str, u64>,
}

/// Runs the subcommand.
pub(crate) async fn run(args: VerifyArgs) -> ExitCode {
    let handle = tokio::runtime::Handle::current();
    match tokio::task::spawn_blocking(move || drive(args, handle)).await {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("inboxlens verify: {e}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(e) => {
            eprintln!("inboxlens verify: the run failed: {e}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn default_helo() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| s.contains('.'))
        .unwrap_or_else(|| "localhost.localdomain".into())
}

/// The synchronous driver loop (blocking reads and writes; DNS and SMTP run as tasks on `rt`).
fn drive(args: VerifyArgs, rt: tokio::runtime::Handle) -> Result<(), VerifyError> {
    if args.window == 0 || args.concurrency == 0 || args.per_domain_concurrency == 0 {
        return Err(VerifyError::Usage("--concurrency, --per-domain-concurrency and the window must be > 0".into()));
    }
    let resolver: Arc<dyn Resolver> = args.dns.build_resolver().map_err(|e| VerifyError::Usage(e.to_string()))?;
    let settings = SessionSettings {
        from_address: args.from_address.clone().unwrap_or_else(|| DEFAULT_FROM_ADDRESS.to_string()),
        helo: args.helo.clone().unwrap_or_else(default_helo),
        allow_private: args.allow_private,
        step_timeout: Duration::from_secs(args.timeout_s.max(1)),
    };
    let runner = session_runner(&args, &resolver, &settings)?;
    let cfg = SchedulerConfig {
        smtp: runner.is_some(),
        max_sessions: args.concurrency.clamp(1, 1024),
        max_sessions_per_mx: args.per_domain_concurrency.clamp(1, 64),
        max_dns_in_flight: (args.concurrency * 4).clamp(4, 512),
        max_wait_ms: args.max_wait_s.saturating_mul(1000),
        greylist_retry_ms: args.greylist_retry_s.saturating_mul(1000).max(1000),
        ..SchedulerConfig::default()
    };
    if let (Some(i), Some(o)) = (&args.input, &args.output)
        && let (Ok(i), Ok(o)) = (std::fs::canonicalize(i), std::fs::canonicalize(o))
        && i == o
    {
        return Err(VerifyError::Usage(format!("--output {} is the input file; write elsewhere", o.display())));
    }
    let input = open_input(&args)?;
    let label = input.label.clone();
    let window = args.window.clamp(1, 1 << 20);

    // journal and output
    let journal_path = args.journal.clone().or_else(|| {
        args.output.as_ref().map(|o| {
            let mut p = o.clone().into_os_string();
            p.push(".journal");
            PathBuf::from(p)
        })
    });
    let mut resume_from =
        JournalState { rows: 0, bytes: 0, done: false, ahead: HashMap::new(), valid_len: 0, header_seen: false };
    if let Some(jp) = &journal_path {
        let existing = read_journal(jp, &input, &args)?;
        match (existing, args.resume) {
            (Some(st), true) if st.done => {
                eprintln!(
                    "inboxlens verify: {} is complete ({} rows, journal {}); nothing to resume.",
                    args.output.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                    st.rows,
                    jp.display()
                );
                return Ok(());
            }
            (Some(st), true) => resume_from = st,
            (Some(st), false) if !st.done && st.header_seen => {
                return Err(VerifyError::Journal {
                    path: jp.display().to_string(),
                    why: format!(
                        "records an unfinished run ({} rows written); pass --resume to continue it, or delete the \
                         journal to start over",
                        st.rows
                    ),
                });
            }
            (None, true) => eprintln!("inboxlens verify: no journal at {}; starting from the beginning.", jp.display()),
            _ => {}
        }
    }
    let mut out = match &args.output {
        Some(p) => {
            let label = p.display().to_string();
            let mut f = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(p)
                .map_err(|source| VerifyError::Write { path: label.clone(), source })?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            if resume_from.bytes > len {
                return Err(VerifyError::Journal {
                    path: journal_path.as_ref().map(|j| j.display().to_string()).unwrap_or_default(),
                    why: format!("{label} is shorter ({len} bytes) than the journal says ({})", resume_from.bytes),
                });
            }
            f.set_len(resume_from.bytes).map_err(|source| VerifyError::Write { path: label.clone(), source })?;
            f.seek(SeekFrom::End(0)).map_err(|source| VerifyError::Write { path: label.clone(), source })?;
            Some(CsvOut {
                file: BufWriter::with_capacity(1 << 16, f),
                path: label,
                bytes: resume_from.bytes,
                delimiter: input.delimiter,
                terminator: input.terminator,
            })
        }
        None => None,
    };
    let mut journal = match &journal_path {
        Some(jp) => {
            let label = jp.display().to_string();
            let mut f = OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false)
                .open(jp)
                .map_err(|source| VerifyError::Write { path: label.clone(), source })?;
            f.set_len(resume_from.valid_len).map_err(|source| VerifyError::Write { path: label.clone(), source })?;
            f.seek(SeekFrom::End(0)).map_err(|source| VerifyError::Write { path: label.clone(), source })?;
            let mut j = Journal {
                file: BufWriter::new(f),
                path: label,
                path_buf: jp.clone(),
                header: (input.label.clone(), input.file_len, args.column.clone()),
                bytes: resume_from.valid_len,
                compact_bytes: args.journal_compact_bytes.max(1),
            };
            if !resume_from.header_seen {
                j.line(&j.header_line())?;
            }
            Some(j)
        }
        None => None,
    };
    if let Some(o) = out.as_mut()
        && resume_from.rows == 0
        && resume_from.bytes == 0
    {
        o.header(input.header_raw.as_deref())?;
    }

    let mode = if args.jsonl {
        StdoutMode::Jsonl
    } else if args.json {
        StdoutMode::Json { single: args.input.is_none() && args.addresses.len() == 1 }
    } else if args.output.is_some() {
        StdoutMode::Quiet
    } else {
        StdoutMode::Human
    };
    let style = Style::detect();
    let progress = if std::io::stderr().is_terminal() && (args.input.is_some() || args.addresses.len() > 1) {
        let pb = indicatif::ProgressBar::new(0);
        if let Ok(s) = indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} addresses, {rate}, ETA {eta} {msg}",
        ) {
            let s = s.with_key("rate", |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", st.per_sec());
            });
            pb.set_style(s.progress_chars("=> "));
        }
        if let Some(total) = count_rows(&args) {
            pb.set_length(total);
        }
        pb.set_position(resume_from.rows);
        Some(pb)
    } else {
        None
    };

    // The engine runs the core scheduler on the runtime; rows go to it through a bounded
    // channel and every result comes back here as an event (in completion order).
    let engine = Engine::new(
        Arc::clone(&resolver),
        runner,
        EngineConfig {
            sched: cfg,
            settings,
            dns_deadline: Duration::from_millis(args.dns.dns_timeout_ms.max(1).saturating_mul(6)),
            generation_rows: args.generation_rows.max(1),
        },
    );
    let (tx, rx) = mpsc::channel::<Event>();
    let (rows_tx, rows_rx) = tokio::sync::mpsc::channel::<(RowId, String)>(window);
    let mut rows_tx = Some(rows_tx);
    {
        let (tx, done_tx) = (tx.clone(), tx.clone());
        rt.spawn(async move {
            engine
                .run(rows_rx, move |row, r| {
                    let _ = tx.send(Event::Result(row, r));
                })
                .await;
            let _ = done_tx.send(Event::EngineDone);
        });
    }
    // The reader thread may hold at most `window` rows read and not yet written: one permit per
    // row, given back when the row is written.
    let (permit_tx, permit_rx) = mpsc::sync_channel::<()>(window);
    for _ in 0..window {
        let _ = permit_tx.try_send(());
    }
    let skip_rows = resume_from.rows;
    let reader_tx = tx.clone();
    let mut source = input.source;
    let reader = std::thread::spawn(move || {
        let mut id: RowId = 0;
        loop {
            if id >= skip_rows && permit_rx.recv().is_err() {
                return;
            }
            match source.next() {
                Ok(Some(row)) => {
                    if id >= skip_rows && reader_tx.send(Event::Row(id, row)).is_err() {
                        return;
                    }
                    id += 1;
                }
                Ok(None) => {
                    let _ = reader_tx.send(Event::InputEnd(id));
                    return;
                }
                Err(e) => {
                    let _ = reader_tx.send(Event::InputError(e));
                    return;
                }
            }
        }
    });
    // rows read and not yet written: row -> (raw, result when known)
    let mut pending: Pending = BTreeMap::new();
    let mut next_emit: RowId = resume_from.rows;
    let mut input_end: Option<RowId> = None;
    let mut since_checkpoint = 0u64;
    let mut last_checkpoint = Instant::now();
    let mut counts = Counts::default();
    let mut stdout = std::io::stdout().lock();
    let mut json_first = true;
    let mut stdout_closed = false;
    if let StdoutMode::Json { single: false } = mode {
        let _ = write!(stdout, "[");
    }
    let checkpoint_rows = args.checkpoint_rows.max(1);
    let mut engine_done = false;
    let mut ready: Vec<(RowId, VerifyResult)> = Vec::new();

    let result: Result<(), VerifyError> = loop {
        // 2. results into the reorder buffer, then write the ready prefix in order
        let mut write_error = None;
        for (row, r) in ready.drain(..) {
            if let Some(j) = journal.as_mut()
                && let Err(e) = j.line(&JournalLine::Result { row, result: r.clone() })
            {
                write_error = Some(e);
            }
            if let Some(slot) = pending.get_mut(&row) {
                slot.1 = Some(r);
            }
        }
        while write_error.is_none()
            && !stdout_closed
            && let Some(entry) = pending.first_entry()
        {
            if *entry.key() != next_emit || entry.get().1.is_none() {
                break;
            }
            let (raw, r) = entry.remove();
            let Some(r) = r else { break };
            if let Some(o) = out.as_mut()
                && let Err(e) = o.row(raw.as_deref(), &r)
            {
                write_error = Some(e);
                break;
            }
            *counts.by_verdict.entry(r.verdict.as_str()).or_default() += 1;
            *counts.by_reason.entry(r.reason.as_str()).or_default() += 1;
            let written = match mode {
                StdoutMode::Human => {
                    let line = human_line(style, &r);
                    match &progress {
                        Some(pb) => pb.suspend(|| writeln!(stdout, "{line}")),
                        None => writeln!(stdout, "{line}"),
                    }
                }
                StdoutMode::Jsonl => writeln!(stdout, "{}", serde_json::to_string(&r).unwrap_or_default()),
                StdoutMode::Json { single } => {
                    let text = serde_json::to_string_pretty(&r).unwrap_or_default();
                    if single {
                        writeln!(stdout, "{text}")
                    } else {
                        let first = std::mem::replace(&mut json_first, false);
                        write!(stdout, "{}\n{text}", if first { "" } else { "," })
                    }
                }
                StdoutMode::Quiet => Ok(()),
            };
            // stdout closed (`| head`) and no output file: nobody reads the rest, stop
            if written.is_err() && out.is_none() {
                stdout_closed = true;
            }
            next_emit += 1;
            since_checkpoint += 1;
            let _ = permit_tx.try_send(());
            if let Some(pb) = &progress {
                pb.inc(1);
            }
        }
        if let Some(e) = write_error {
            break Err(e);
        }
        if stdout_closed {
            break Ok(());
        }
        if since_checkpoint >= checkpoint_rows
            || (since_checkpoint > 0 && last_checkpoint.elapsed() >= CHECKPOINT_INTERVAL)
        {
            if let Err(e) = checkpoint(&mut out, &mut journal, next_emit, false, &pending) {
                break Err(e);
            }
            let _ = stdout.flush();
            since_checkpoint = 0;
            last_checkpoint = Instant::now();
        }
        // 3. finished?
        if engine_done && input_end == Some(next_emit) {
            break Ok(());
        }
        // a row the finished engine never answered would stall the run: fail loudly instead
        if engine_done
            && input_end.is_some()
            && let Some((row, _)) = pending.iter().find(|(_, (_, r))| r.is_none())
        {
            break Err(VerifyError::Usage(format!(
                "internal error: row {row} has no result after the engine finished (the output is resumable)"
            )));
        }
        // 4. wait for a row or a result
        let mut got = match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(ev) => Some(ev),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                break Err(VerifyError::Usage("internal error: channel closed".into()));
            }
        };
        let mut failed = None;
        while let Some(ev) = got.take() {
            match ev {
                Event::Result(row, r) => ready.push((row, r)),
                Event::EngineDone => engine_done = true,
                Event::Row(id, row) => {
                    if let Some(r) = resume_from.ahead.remove(&id) {
                        pending.insert(id, (row.raw, Some(r)));
                    } else if row.not_utf8 {
                        ready.push((id, row.not_utf8_result()));
                        pending.insert(id, (row.raw, None));
                    } else {
                        pending.insert(id, (row.raw, None));
                        if let Some(t) = &rows_tx
                            && t.blocking_send((id, row.address)).is_err()
                        {
                            failed = Some(VerifyError::Usage("internal error: the engine stopped early".into()));
                        }
                    }
                }
                Event::InputEnd(n) => {
                    input_end = Some(n.max(resume_from.rows));
                    // no more rows: the engine finishes what it has and ends
                    rows_tx = None;
                }
                Event::InputError(e) => failed = Some(e),
            }
            if ready.len() >= window {
                break;
            }
            got = rx.try_recv().ok();
        }
        if let Some(e) = failed {
            break Err(e);
        }
    };
    drop(rows_tx);
    drop(permit_tx);
    if result.is_ok() && !stdout_closed {
        // on an error the reader may be blocked on stdin: the process exits without it
        let _ = reader.join();
    }
    if let Err(e) = result {
        // what is written so far stays resumable
        let _ = checkpoint(&mut out, &mut journal, next_emit, false, &pending);
        return Err(e);
    }
    checkpoint(&mut out, &mut journal, next_emit, true, &pending)?;
    if let StdoutMode::Json { single: false } = mode {
        let _ = writeln!(stdout, "\n]");
    }
    let _ = stdout.flush();
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    if mode == StdoutMode::Quiet || progress_summary_wanted(&args) {
        let verdicts: Vec<String> = counts.by_verdict.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let reasons: Vec<String> = counts.by_reason.iter().map(|(k, v)| format!("{k} {v}")).collect();
        eprintln!(
            "inboxlens verify: {} rows from {}: {} ({})",
            next_emit - resume_from.rows,
            label,
            verdicts.join(", "),
            reasons.join(", ")
        );
    }
    Ok(())
}

fn progress_summary_wanted(args: &VerifyArgs) -> bool {
    args.output.is_some()
}

/// Makes the written prefix durable: output first, then the checkpoint that names it.
fn checkpoint(
    out: &mut Option<CsvOut>,
    journal: &mut Option<Journal>,
    rows: u64,
    done: bool,
    pending: &Pending,
) -> Result<(), VerifyError> {
    let Some(o) = out.as_mut() else { return Ok(()) };
    o.sync()?;
    if let Some(j) = journal.as_mut() {
        let cp = JournalLine::Checkpoint { rows, bytes: o.bytes, done };
        if j.bytes > j.compact_bytes {
            j.compact(cp, pending.iter().filter_map(|(&row, (_, r))| r.as_ref().map(|r| (row, r))))?;
        } else {
            j.line(&cp)?;
            j.sync()?;
        }
    }
    Ok(())
}

/// Rows read and not yet written: row -> (raw record, result when known).
type Pending = BTreeMap<RowId, (Option<Vec<u8>>, Option<VerifyResult>)>;

/// Rows in a regular input file (for the progress bar's total); None for stdin or on any error.
fn count_rows(args: &VerifyArgs) -> Option<u64> {
    let path = args.input.as_ref()?;
    if path.as_os_str() == "-" {
        return None;
    }
    let mut input = open_input(args).ok()?;
    let mut n = 0u64;
    while let Ok(Some(_)) = input.source.next() {
        n += 1;
    }
    Some(n)
}
