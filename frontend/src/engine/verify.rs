//! Mailbox verification through the companion server (issue 11). A browser cannot open port
//! 25, so the server verifies; the page sends addresses and reads the core's typed results
//! ([`VerifyResult`]) back, and never decides a verdict itself.
//!
//! Two ways in, as the HTTP contract has them:
//! - up to [`DIRECT_MAX`] addresses: `POST /api/verify {"addresses": [...]}` answers
//!   `{"results": [VerifyResult, ...]}` in the same order;
//! - longer lists and files: `POST /api/verify/jobs` (the list as `text/csv` or `text/plain`,
//!   `?column=NAME`) starts a job (202 with its status); its progress comes as server-sent events
//!   (`GET .../events`: `progress`, then `done`) or, when the event stream fails, by polling
//!   `GET /api/verify/jobs/{id}`; the cleaned list is `GET .../result.csv`.

use super::UiError;
use super::companion::{NOT_FOUND, read_json, send};
use crate::list::{self, ADDED_COLUMNS};
use futures::StreamExt;
use futures::future::Either;
use inboxlens_core::verify::model::{Reason, Verdict, VerifyResult};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Most addresses one `POST /api/verify` takes; longer lists run as a job.
pub(crate) const DIRECT_MAX: usize = 100;
/// Longest the page waits for a direct verification: the server's own wait budget for
/// greylisting and back-offs (`--max-wait-s`, 10 minutes by default) plus a margin.
const DIRECT_DEADLINE_MS: u32 = 15 * 60 * 1000;
/// Deadline of one job request (start, status, result).
const STEP_DEADLINE_MS: u32 = 60_000;
/// An event stream silent for this long is given up for polling.
const SSE_SILENCE_MS: u32 = 30_000;
/// Pause between two status polls.
const POLL_INTERVAL_MS: u32 = 1_000;
/// Failed polls in a row after which the page stops watching.
const POLL_FAILURES_MAX: u32 = 10;
/// Rows of a job's result the page shows (the download has them all).
pub(crate) const PREVIEW_ROWS: usize = 1_000;

/// Addresses per verdict: a job's counts, or the page's count of direct results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct Counts {
    /// Deliverable addresses.
    #[serde(default)]
    pub(crate) deliverable: u64,
    /// Undeliverable addresses.
    #[serde(default)]
    pub(crate) undeliverable: u64,
    /// Risky addresses.
    #[serde(default)]
    pub(crate) risky: u64,
    /// Addresses without an answer.
    #[serde(default)]
    pub(crate) unknown: u64,
}

impl Counts {
    /// The count of one verdict.
    pub(crate) fn get(&self, v: Verdict) -> u64 {
        match v {
            Verdict::Deliverable => self.deliverable,
            Verdict::Undeliverable => self.undeliverable,
            Verdict::Risky => self.risky,
            Verdict::Unknown => self.unknown,
        }
    }

    /// Counts the verdicts of results.
    pub(crate) fn of(results: &[VerifyResult]) -> Counts {
        let mut c = Counts::default();
        for r in results {
            *match r.verdict {
                Verdict::Deliverable => &mut c.deliverable,
                Verdict::Undeliverable => &mut c.undeliverable,
                Verdict::Risky => &mut c.risky,
                Verdict::Unknown => &mut c.unknown,
            } += 1;
        }
        c
    }

    /// All four together.
    pub(crate) fn total(&self) -> u64 {
        self.deliverable + self.undeliverable + self.risky + self.unknown
    }
}

/// A job's status: the JSON of the 202, of `GET /api/verify/jobs/{id}` and of each event.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct JobStatus {
    /// The job id.
    pub(crate) id: String,
    /// `queued`, `running`, `done`, or a failure word.
    #[serde(default)]
    pub(crate) state: String,
    /// Addresses in the list, once known.
    #[serde(default)]
    pub(crate) total: Option<u64>,
    /// Addresses answered so far.
    #[serde(default)]
    pub(crate) done: u64,
    /// Answers so far per verdict.
    #[serde(default)]
    pub(crate) counts: Counts,
    /// Why a failed job failed.
    #[serde(default)]
    pub(crate) error: Option<String>,
}

impl JobStatus {
    /// The job finished and its `result.csv` is complete.
    pub(crate) fn finished(&self) -> bool {
        self.state == "done"
    }

    /// The job ended without a result.
    pub(crate) fn failed(&self) -> bool {
        matches!(self.state.as_str(), "failed" | "error" | "cancelled" | "canceled" | "expired")
    }

    fn failure(&self) -> UiError {
        UiError::new(
            "The verification job stopped",
            match &self.error {
                Some(e) => format!("Job {} ended “{}”: {e}", self.id, self.state),
                None => format!("Job {} ended “{}” without a result.", self.id, self.state),
            },
        )
    }
}

/// What a job verifies: pasted text, or a file exactly as it is on disk.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum JobInput {
    /// Pasted text; `csv` when it reads as CSV ([`list::looks_like_csv`]).
    Text {
        /// The list.
        text: String,
        /// Sent as `text/csv` (else `text/plain`).
        csv: bool,
    },
    /// A picked or dropped file, sent as its bytes (the server reads its encoding, delimiter
    /// and line ends, and re-emits each record as it is).
    File(web_sys::File),
}

impl JobInput {
    /// The Content-Type the job API reads the body by: CSV files by extension or type.
    fn content_type(&self) -> &'static str {
        match self {
            JobInput::Text { csv: true, .. } => "text/csv",
            JobInput::Text { csv: false, .. } => "text/plain",
            JobInput::File(f) => {
                let name = f.name().to_ascii_lowercase();
                if name.ends_with(".csv") || name.ends_with(".tsv") || f.type_() == "text/csv" {
                    "text/csv"
                } else {
                    "text/plain"
                }
            }
        }
    }

    fn body(&self) -> wasm_bindgen::JsValue {
        match self {
            JobInput::Text { text, .. } => wasm_bindgen::JsValue::from_str(text),
            JobInput::File(f) => f.clone().into(),
        }
    }
}

/// A missing route means a server without mailbox verification; anything else as it came.
fn explain_missing(e: UiError) -> UiError {
    if e.title == NOT_FOUND {
        UiError::new(
            "This Inboxlens server cannot verify mailboxes",
            format!("It has no /api/verify ({}). Update inboxlens and restart `inboxlens serve`.", e.message),
        )
    } else {
        e
    }
}

/// The answer of `POST /api/verify`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct DirectAnswer {
    /// One result per address, in the order sent.
    pub(crate) results: Vec<VerifyResult>,
    /// Whether the server asked the mail servers over SMTP (off: every mailbox is "not checked").
    #[serde(default)]
    pub(crate) smtp: Option<bool>,
}

/// Verifies up to [`DIRECT_MAX`] addresses at once; the results come back in the same order.
pub(crate) async fn verify_addresses(addresses: Vec<String>) -> Result<DirectAnswer, UiError> {
    #[derive(serde::Serialize)]
    struct Request {
        addresses: Vec<String>,
    }
    let n = addresses.len();
    let body = serde_json::to_string(&Request { addresses })
        .map_err(|e| UiError::new("Internal error", format!("The request could not be written: {e}")))?;
    let body = Some((wasm_bindgen::JsValue::from_str(&body), "application/json"));
    let (_, text) = send("POST", "/api/verify", body, DIRECT_DEADLINE_MS).await.map_err(explain_missing)?;
    let resp: DirectAnswer = read_json("/api/verify", &text)?;
    if resp.results.len() != n {
        return Err(UiError::new(
            "The Inboxlens server gave an answer this page cannot read",
            format!("{n} addresses were sent and {} results came back.", resp.results.len()),
        ));
    }
    Ok(resp)
}

/// Starts a bulk job; `column` names the address column of a CSV.
pub(crate) async fn start_job(input: &JobInput, column: Option<&str>) -> Result<JobStatus, UiError> {
    let path = match column {
        Some(c) => format!("/api/verify/jobs?column={}", js_sys::encode_uri_component(c)),
        None => "/api/verify/jobs".to_string(),
    };
    let (_, text) = send("POST", &path, Some((input.body(), input.content_type())), STEP_DEADLINE_MS)
        .await
        .map_err(explain_missing)?;
    read_json(&path, &text)
}

fn job_path(id: &str) -> String {
    format!("/api/verify/jobs/{}", js_sys::encode_uri_component(id))
}

/// Where a finished job's cleaned CSV is.
pub(crate) fn result_url(id: &str) -> String {
    format!("{}/result.csv", job_path(id))
}

/// A job's status now.
pub(crate) async fn job_status(id: &str) -> Result<JobStatus, UiError> {
    let path = job_path(id);
    let (_, text) = send("GET", &path, None, STEP_DEADLINE_MS).await?;
    read_json(&path, &text)
}

/// Deletes a job on the server (a running one stops verifying).
pub(crate) async fn delete_job(id: &str) -> Result<(), UiError> {
    send("DELETE", &job_path(id), None, STEP_DEADLINE_MS).await.map(|_| ())
}

/// Follows a job until it ends: server-sent events first, polling when the stream fails or falls
/// silent. `on_update` sees every status; `alive` says whether the page still wants them (a new
/// run or leaving the page stops the watch).
pub(crate) async fn watch_job(
    id: &str,
    on_update: &dyn Fn(&JobStatus),
    alive: &dyn Fn() -> bool,
) -> Result<JobStatus, UiError> {
    if let Some(end) = watch_events(id, on_update, alive).await {
        return end;
    }
    let mut failures = 0;
    loop {
        if !alive() {
            return Err(UiError::new("Stopped", "The page stopped following this job."));
        }
        match job_status(id).await {
            Ok(st) => {
                failures = 0;
                on_update(&st);
                if st.finished() {
                    return Ok(st);
                }
                if st.failed() {
                    return Err(st.failure());
                }
            }
            Err(e) => {
                failures += 1;
                if failures >= POLL_FAILURES_MAX {
                    return Err(UiError::new(
                        e.title,
                        format!(
                            "{} The job may still be running on the server; its result will be at {}.",
                            e.message,
                            result_url(id)
                        ),
                    ));
                }
            }
        }
        gloo_timers::future::TimeoutFuture::new(POLL_INTERVAL_MS).await;
    }
}

/// What the event listeners leave for the watcher (the newest status wins: a bounded slot, not
/// a queue).
#[derive(Default)]
struct Slot {
    latest: Option<JobStatus>,
    done: Option<JobStatus>,
    broken: bool,
}

/// An event listener kept alive as long as it is registered.
type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// An open `EventSource` and its listeners; closed and unhooked when dropped.
struct Events {
    source: web_sys::EventSource,
    listeners: Vec<(&'static str, Listener)>,
}

impl Drop for Events {
    fn drop(&mut self) {
        self.source.close();
        for (name, cb) in &self.listeners {
            let _ = self.source.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        }
    }
}

/// The job through its event stream. `None` when the stream failed or fell silent before the
/// end (the caller polls), else how the job ended.
async fn watch_events(
    id: &str,
    on_update: &dyn Fn(&JobStatus),
    alive: &dyn Fn() -> bool,
) -> Option<Result<JobStatus, UiError>> {
    let source = web_sys::EventSource::new(&format!("{}/events", job_path(id))).ok()?;
    let slot = Rc::new(RefCell::new(Slot::default()));
    // capacity 1: a pending wake-up covers every event that arrives before the watcher runs
    let (wake, mut woken) = futures::channel::mpsc::channel::<()>(1);
    let mut events = Events { source, listeners: Vec::new() };
    for name in ["progress", "done", "error"] {
        let slot = slot.clone();
        let mut wake = wake.clone();
        let cb = Listener::new(move |e: web_sys::Event| {
            let data = e.dyn_ref::<web_sys::MessageEvent>().and_then(|m| m.data().as_string());
            let status = data.as_deref().and_then(|d| serde_json::from_str::<JobStatus>(d).ok());
            let mut s = slot.borrow_mut();
            match (name, status) {
                ("done", Some(st)) => s.done = Some(st),
                (_, Some(st)) if st.finished() || st.failed() => s.done = Some(st),
                ("progress", Some(st)) => s.latest = Some(st),
                // a connection error, or a server `error` event without a status
                _ => s.broken = true,
            }
            let _ = wake.try_send(());
        });
        let _ = events.source.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        events.listeners.push((name, cb));
    }
    drop(wake);
    loop {
        if !alive() {
            return Some(Err(UiError::new("Stopped", "The page stopped following this job.")));
        }
        let silence = gloo_timers::future::TimeoutFuture::new(SSE_SILENCE_MS);
        match futures::future::select(woken.next(), silence).await {
            Either::Left((Some(()), _)) => {}
            // every sender gone (cannot happen while the listeners live) or silence: poll instead
            Either::Left((None, _)) | Either::Right(_) => return None,
        }
        let (latest, done, broken) = {
            let mut s = slot.borrow_mut();
            (s.latest.take(), s.done.take(), std::mem::take(&mut s.broken))
        };
        if let Some(st) = latest
            && alive()
        {
            on_update(&st);
        }
        if let Some(st) = done {
            drop(events);
            on_update(&st);
            return Some(if st.failed() { Err(st.failure()) } else { Ok(st) });
        }
        if broken {
            return None;
        }
    }
}

/// A finished job's results, read back from its `result.csv` for the table (at most
/// [`PREVIEW_ROWS`]); `column` is the address column the job was started with. The CSV carries
/// the contract's added columns, not the SMTP evidence: those results have no `smtp` and zero
/// attempts and duration.
pub(crate) async fn job_results(id: &str, column: Option<&str>) -> Result<Vec<VerifyResult>, UiError> {
    let path = result_url(id);
    let (_, text) = send("GET", &path, None, STEP_DEADLINE_MS).await?;
    read_result_csv(&text, column).map_err(|why| {
        UiError::new("The cleaned CSV cannot be shown here", format!("{why} It can still be downloaded."))
    })
}

/// Results from a cleaned CSV: each record's address cell and its [`ADDED_COLUMNS`] (the last
/// eight fields).
pub(crate) fn read_result_csv(text: &str, column: Option<&str>) -> Result<Vec<VerifyResult>, String> {
    let body = text.trim_start_matches('\u{feff}');
    let delimiter = list::sniff_delimiter(body);
    let mut records = list::CsvRecords::new(body, delimiter);
    let (_, header) = records.next().ok_or("The CSV is empty.")?.map_err(|e| e.message())?;
    let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let n = names.len();
    if n < ADDED_COLUMNS.len() + 1 || names[n - ADDED_COLUMNS.len()..] != ADDED_COLUMNS {
        return Err(format!("Its header does not end with the columns {}.", ADDED_COLUMNS.join(",")));
    }
    let first_added = n - ADDED_COLUMNS.len();
    let address_col = list::find_column(&names[..first_added], column).unwrap_or(0);
    let mut out = Vec::new();
    for rec in records.take(PREVIEW_ROWS) {
        let (_, fields) = rec.map_err(|e| e.message())?;
        if fields.len() < n {
            return Err(format!("A record has {} fields where the header has {n}.", fields.len()));
        }
        out.push(from_csv_fields(&fields[fields.len() - ADDED_COLUMNS.len()..], &fields[address_col])?);
    }
    Ok(out)
}

fn word<T: DeserializeOwned>(w: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(w.to_string())).map_err(|_| format!("Unknown word “{w}”."))
}

/// A result from the added columns of one cleaned-CSV record.
fn from_csv_fields(added: &[String], address: &str) -> Result<VerifyResult, String> {
    let flag = |s: &str| s == "true";
    let verdict: Verdict = word(&added[0])?;
    let reason: Reason = word(&added[1])?;
    Ok(VerifyResult {
        address: address.trim().to_string(),
        normalized: None,
        verdict,
        reason,
        detail: added[2].clone(),
        mx: Some(added[3].clone()).filter(|m| !m.is_empty()),
        smtp: None,
        catch_all: match added[4].as_str() {
            "" => None,
            s => Some(flag(s)),
        },
        disposable: flag(&added[5]),
        role: flag(&added[6]),
        free: flag(&added[7]),
        attempts: 0,
        duration_ms: 0,
    })
}

/// A result's added columns, as the server's `result.csv` writes them ([`ADDED_COLUMNS`]).
pub(crate) fn csv_columns(r: &VerifyResult) -> [&str; 8] {
    let b = |v: bool| if v { "true" } else { "false" };
    [
        r.verdict.as_str(),
        r.reason.as_str(),
        &r.detail,
        r.mx.as_deref().unwrap_or(""),
        r.catch_all.map(b).unwrap_or(""),
        b(r.disposable),
        b(r.role),
        b(r.free),
    ]
}

/// The cleaned CSV of a directly verified list (the pasted rows, each with its result).
pub(crate) fn cleaned_csv(list: &list::AddressList, results: &[VerifyResult]) -> String {
    list::cleaned_csv(list, |i| results.get(i).map(csv_columns))
}

/// Run with `cargo test -p inboxlens-web --target wasm32-unknown-unknown` and
/// `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner` (Node.js).
#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_cleaned_csv_reads_back_into_the_same_results() {
        let mut a = VerifyResult::new("user@x.test", None, Reason::MailboxExists, "accepted, \"250 ok\"");
        a.mx = Some("mx.x.test".into());
        a.catch_all = Some(false);
        let mut b = VerifyResult::new("info@x.test", None, Reason::Role, "a role");
        b.role = true;
        let list = list::parse("name,email\nA,user@x.test\n\"B, b\",info@x.test\n", None).unwrap();
        let csv = cleaned_csv(&list, &[a.clone(), b.clone()]);
        let back = read_result_csv(&csv, None).unwrap();
        assert_eq!(back, [a, b]);
        assert_eq!(Counts::of(&back), Counts { deliverable: 2, ..Counts::default() });
        assert!(read_result_csv("address\nx@y\n", None).is_err());
    }

    #[test]
    fn job_status_reads_the_contract() {
        let st: JobStatus = serde_json::from_str(
            r#"{"id":"j1","state":"running","total":120,"done":7,"counts":{"deliverable":5,"undeliverable":1,"risky":0,"unknown":1},"extra":1}"#,
        )
        .unwrap();
        assert_eq!((st.total, st.done, st.counts.get(Verdict::Unknown), st.counts.total()), (Some(120), 7, 1, 7));
        assert!(!st.finished() && !st.failed());
    }
}
