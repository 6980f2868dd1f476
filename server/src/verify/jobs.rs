//! Bulk verification jobs (`/api/verify/jobs`): a list uploaded once and verified in the
//! background on the shared engine ([`super::engine`]), its progress observable and its cleaned
//! CSV downloadable when done. The HTTP shell is `http/verify.rs`; this is the store and the
//! runner, and it decides no verdict (the engine's results are counted and written as they are).
//!
//! Bounds (every one configurable in `[limits]` / `[verify]`):
//! - jobs kept: `max_jobs` (queued + running + finished). A new job drops the oldest finished
//!   one; when none has finished the new job is refused ([`JobError::Full`]). The map is scanned
//!   on insert, which is fine at this size (tens of jobs, not the limiters' 100 000 clients).
//! - jobs running: `max_running` (a semaphore; the others wait in state `queued`).
//! - per client: `max_per_client` jobs queued or running.
//! - rows: `max_rows` per list, counted when the list is submitted (the body size is the
//!   router's limit).
//! - time: a running job has `timeout`; a finished job is dropped `ttl` after it ended (on the
//!   next store access or by the sweeper, whichever comes first).
//!
//! Storage and memory: the list goes to `<dir>/<id>.list` when submitted, so a queued job holds
//! no memory; it is read back when the job starts (at most the body limit per running job).
//! Results are put back in input order through a reorder window of [`WINDOW`] rows, as the CLI
//! does, and written at once to `<dir>/<id>.csv.part`, renamed to `<id>.csv` when complete: a
//! download never sees a partial file. The engine's scheduler runs in generations of
//! [`JOB_GENERATION_ROWS`] rows (about 1 KB per distinct address each). A job's files are
//! deleted when the job is dropped; the directory when the server stops.

use super::SessionRunner;
use super::engine::{Engine, EngineConfig};
use super::list::{self, InputFormat, VerifyError};
use bytes::Bytes;
use inboxlens_core::dns::Resolver;
use inboxlens_core::verify::model::{Reason, Verdict, VerifyResult};
use inboxlens_core::verify::scheduler::RowId;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Semaphore, mpsc, watch};

/// Rows read ahead of the first row not yet written (the reorder window): bounds the rows a
/// running job holds besides its list.
pub(crate) const WINDOW: usize = 4096;
/// Rows per scheduler generation in a job (the core scheduler keeps about 1 KB per distinct
/// address of a generation: about 25 MB per running job).
pub(crate) const JOB_GENERATION_ROWS: u64 = 25_000;
/// Least time between two published progress states (the SSE stream sends at most 2 per second
/// on top of this).
const PUBLISH_INTERVAL: Duration = Duration::from_millis(200);
/// How often the sweeper drops expired jobs.
const SWEEP_INTERVAL: Duration = Duration::from_secs(30);

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum JobState {
    /// Waiting for a free running slot.
    Queued,
    /// Verifying.
    Running,
    /// Every row has its result; `result.csv` is ready.
    Done,
    /// Stopped without a result (`error` says why).
    Failed,
    /// Stopped by `DELETE` before it finished; kept (without files) until it expires.
    Cancelled,
}

impl JobState {
    /// The word of the JSON.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Done, failed or cancelled: nothing will change any more.
    pub(crate) fn is_finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed | JobState::Cancelled)
    }
}

/// Rows per verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct VerdictCounts {
    /// `deliverable` rows.
    pub deliverable: u64,
    /// `undeliverable` rows.
    pub undeliverable: u64,
    /// `risky` rows.
    pub risky: u64,
    /// `unknown` rows.
    pub unknown: u64,
}

/// What a job's status says (the JSON of `GET /api/verify/jobs/{id}` and of its events).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct JobStatus {
    /// The job id (128 random bits, hex).
    pub id: String,
    /// Where the job is.
    pub state: JobState,
    /// Rows in the list.
    pub total: u64,
    /// Rows with a final result.
    pub done: u64,
    /// Finished rows per verdict.
    pub counts: VerdictCounts,
    /// Finished rows per reason id.
    pub reasons: BTreeMap<&'static str, u64>,
    /// Why the job failed.
    pub error: Option<String>,
    /// How the list was read: `csv` or `txt`.
    pub format: &'static str,
    /// Unix seconds: submitted.
    pub created_at: i64,
    /// Unix seconds: started running.
    pub started_at: Option<i64>,
    /// Unix seconds: done or failed.
    pub finished_at: Option<i64>,
    /// Unix seconds: when the finished job and its result are dropped.
    pub expires_at: Option<i64>,
}

/// How a list is read (the CLI's `--format` and `--column`).
#[derive(Debug, Clone)]
pub(crate) struct JobSpec {
    /// CSV, text, or sniffed.
    pub format: InputFormat,
    /// The address column of a CSV.
    pub column: Option<String>,
}

/// Why a job cannot be accepted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JobError {
    /// The list cannot be read (binary, missing column, bad record...).
    #[error("{0}")]
    Input(VerifyError),
    /// More rows than `limits.verify_job_max_rows`.
    #[error("the list has more than {max} rows (limits.verify_job_max_rows); split it into several jobs")]
    TooManyRows {
        /// The limit.
        max: u64,
    },
    /// No row at all.
    #[error("the list holds no address (an empty body, or a CSV with a header row only)")]
    Empty,
    /// The client has `max_per_client` jobs queued or running.
    #[error("you already have {cap} verification jobs queued or running; wait for one to finish")]
    ClientBusy {
        /// The cap.
        cap: usize,
    },
    /// The store is full of jobs that have not finished.
    #[error("the server already holds {max} verification jobs and none has finished; try again later")]
    Full {
        /// The cap.
        max: usize,
    },
    /// The list could not be stored.
    #[error("cannot store the job's list: {0}")]
    Storage(std::io::Error),
}

/// The store's limits.
#[derive(Debug, Clone)]
pub(crate) struct JobLimits {
    /// Jobs kept.
    pub max_jobs: usize,
    /// Jobs running at once.
    pub max_running: usize,
    /// Jobs queued or running per client.
    pub max_per_client: usize,
    /// Rows per list.
    pub max_rows: u64,
    /// Longest run of one job.
    pub timeout: Duration,
    /// How long a finished job is kept.
    pub ttl: Duration,
}

/// One job.
pub(crate) struct Job {
    id: String,
    client: IpAddr,
    spec: JobSpec,
    status: watch::Sender<JobStatus>,
    /// When the job finished (monotonic, for the TTL and eviction order).
    ended: Mutex<Option<Instant>>,
    task: Mutex<Option<tokio::task::AbortHandle>>,
    list_path: PathBuf,
    part_path: PathBuf,
    result_path: PathBuf,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Job {
    /// The current status.
    pub(crate) fn status(&self) -> JobStatus {
        self.status.borrow().clone()
    }

    /// Every status change from now on (a slow reader just sees the latest).
    pub(crate) fn subscribe(&self) -> watch::Receiver<JobStatus> {
        self.status.subscribe()
    }

    /// The finished result file (exists once the state is `done`).
    pub(crate) fn result_path(&self) -> &Path {
        &self.result_path
    }

    fn state(&self) -> JobState {
        self.status.borrow().state
    }

    fn ended(&self) -> Option<Instant> {
        *lock(&self.ended)
    }

    /// Marks the job finished (done when `error` is None) and stamps its expiry.
    fn finish(&self, error: Option<String>, ttl: Duration) {
        self.finish_as(if error.is_some() { JobState::Failed } else { JobState::Done }, error, ttl);
    }

    /// Marks the job finished in `state` (unless it already is) and stamps its expiry.
    fn finish_as(&self, state: JobState, error: Option<String>, ttl: Duration) {
        let mut ended = lock(&self.ended);
        if ended.is_some() {
            return;
        }
        *ended = Some(Instant::now());
        let now = unix_now();
        self.status.send_modify(|s| {
            s.state = state;
            s.error = error;
            s.finished_at = Some(now);
            s.expires_at = Some(now.saturating_add(ttl.as_secs() as i64));
        });
    }

    /// Stops the job's task (if running) and deletes its files.
    fn discard(&self) {
        if let Some(t) = lock(&self.task).take() {
            t.abort();
        }
        for p in [&self.list_path, &self.part_path, &self.result_path] {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The jobs of this server.
pub(crate) struct JobStore {
    limits: JobLimits,
    dir: PathBuf,
    resolver: Arc<dyn Resolver>,
    runner: Option<Arc<dyn SessionRunner>>,
    engine: EngineConfig,
    running: Arc<Semaphore>,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

impl JobStore {
    /// A store keeping its files in `<base>/inboxlens-jobs-<pid>` (created on the first job),
    /// running jobs on engines made of `resolver`, `runner` and `engine`.
    pub(crate) fn new(
        limits: JobLimits,
        base: PathBuf,
        resolver: Arc<dyn Resolver>,
        runner: Option<Arc<dyn SessionRunner>>,
        engine: EngineConfig,
    ) -> Self {
        let dir = base.join(format!("inboxlens-jobs-{}", std::process::id()));
        JobStore {
            running: Arc::new(Semaphore::new(limits.max_running.max(1))),
            limits,
            dir,
            resolver,
            runner,
            engine,
            jobs: Mutex::new(HashMap::new()),
        }
    }

    /// The store's limits.
    pub(crate) fn limits(&self) -> &JobLimits {
        &self.limits
    }

    /// The job `id`, unless unknown or expired.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Job>> {
        self.sweep();
        lock(&self.jobs).get(id).cloned()
    }

    /// `DELETE`: a queued or running job is cancelled (stopped, its files deleted, its status
    /// kept with state `cancelled` until it expires); a finished one is removed. None when unknown.
    pub(crate) fn cancel_or_remove(&self, id: &str) -> Option<JobState> {
        let job = self.get(id)?;
        if job.state().is_finished() {
            self.remove(id);
            return Some(JobState::Done);
        }
        job.finish_as(JobState::Cancelled, Some("cancelled by DELETE".into()), self.limits.ttl);
        job.discard();
        Some(JobState::Cancelled)
    }

    /// Deletes the job `id` (stopping it when it runs); false when unknown. Subscribers of a
    /// job that had not finished get a last `failed` state.
    pub(crate) fn remove(&self, id: &str) -> bool {
        let Some(job) = lock(&self.jobs).remove(id) else { return false };
        job.finish(Some("the job was deleted".into()), Duration::ZERO);
        job.discard();
        true
    }

    /// Drops the finished jobs whose time is up.
    pub(crate) fn sweep(&self) {
        let ttl = self.limits.ttl;
        let expired: Vec<Arc<Job>> = {
            let mut jobs = lock(&self.jobs);
            let ids: Vec<String> = jobs
                .iter()
                .filter(|(_, j)| j.ended().is_some_and(|t| t.elapsed() >= ttl))
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| jobs.remove(id)).collect()
        };
        for j in expired {
            j.discard();
        }
    }

    /// Drops expired jobs every [`SWEEP_INTERVAL`] (files of a job nobody asks about again
    /// still go on time), after deleting what servers killed before their exit left behind.
    pub(crate) fn spawn_sweeper(self: &Arc<Self>) {
        if let Some(base) = self.dir.parent().map(Path::to_path_buf) {
            tokio::task::spawn_blocking(move || remove_stale_dirs(&base));
        }
        let store = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(SWEEP_INTERVAL).await;
                match store.upgrade() {
                    Some(s) => s.sweep(),
                    None => return,
                }
            }
        });
    }

    /// Deletes every job's files and the directory (at shutdown).
    pub(crate) fn remove_all(&self) {
        let jobs: Vec<Arc<Job>> = lock(&self.jobs).drain().map(|(_, j)| j).collect();
        for j in jobs {
            j.discard();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Whether `client` may submit a job now (checked before its body is read, and again when
    /// the job is stored).
    pub(crate) fn admit(&self, client: IpAddr) -> Result<(), JobError> {
        self.sweep();
        let jobs = lock(&self.jobs);
        self.admit_locked(&jobs, client)
    }

    fn admit_locked(&self, jobs: &HashMap<String, Arc<Job>>, client: IpAddr) -> Result<(), JobError> {
        let cap = self.limits.max_per_client.max(1);
        let mine = jobs.values().filter(|j| j.client == client && !j.state().is_finished()).count();
        if mine >= cap {
            return Err(JobError::ClientBusy { cap });
        }
        let max = self.limits.max_jobs.max(1);
        if jobs.len() >= max && jobs.values().all(|j| j.ended().is_none()) {
            return Err(JobError::Full { max });
        }
        Ok(())
    }

    /// Validates the list (readable, the column found, 1 to `max_rows` rows), stores it and
    /// queues its job; the job starts as soon as a running slot is free.
    pub(crate) async fn submit(
        self: &Arc<Self>,
        client: IpAddr,
        body: Bytes,
        spec: JobSpec,
    ) -> Result<JobStatus, JobError> {
        self.admit(client)?;
        let max_rows = self.limits.max_rows;
        let id = format!("{:032x}", rand::random::<u128>());
        let dir = self.dir.clone();
        let list_path = dir.join(format!("{id}.list"));
        let (spec, total, format) = {
            let list_path = list_path.clone();
            tokio::task::spawn_blocking(move || -> Result<(JobSpec, u64, &'static str), JobError> {
                let (total, format) = count_rows(body.clone(), &spec, max_rows)?;
                make_dir(&dir).map_err(JobError::Storage)?;
                std::fs::write(&list_path, &body).map_err(JobError::Storage)?;
                Ok((spec, total, format))
            })
            .await
            .map_err(|e| JobError::Storage(std::io::Error::other(e.to_string())))??
        };
        let status = JobStatus {
            id: id.clone(),
            state: JobState::Queued,
            total,
            done: 0,
            counts: VerdictCounts::default(),
            reasons: BTreeMap::new(),
            error: None,
            format,
            created_at: unix_now(),
            started_at: None,
            finished_at: None,
            expires_at: None,
        };
        let job = Arc::new(Job {
            id: id.clone(),
            client,
            spec,
            status: watch::Sender::new(status.clone()),
            ended: Mutex::new(None),
            task: Mutex::new(None),
            part_path: self.dir.join(format!("{id}.csv.part")),
            result_path: self.dir.join(format!("{id}.csv")),
            list_path,
        });
        let evicted = {
            let mut jobs = lock(&self.jobs);
            if let Err(e) = self.admit_locked(&jobs, client) {
                drop(jobs);
                job.discard();
                return Err(e);
            }
            let evicted = if jobs.len() >= self.limits.max_jobs.max(1) {
                let oldest =
                    jobs.iter().filter_map(|(id, j)| j.ended().map(|t| (t, id.clone()))).min().map(|(_, id)| id);
                oldest.and_then(|id| jobs.remove(&id))
            } else {
                None
            };
            jobs.insert(id, Arc::clone(&job));
            evicted
        };
        if let Some(old) = evicted {
            old.discard();
        }
        let handle = tokio::spawn(run_job(Arc::clone(self), Arc::clone(&job)));
        *lock(&job.task) = Some(handle.abort_handle());
        Ok(status)
    }
}

/// Deletes the `inboxlens-jobs-PID` directories in `base` whose process is gone (a server
/// killed with SIGKILL cannot clean up; lists are personal data). Linux only (`/proc`); a
/// directory of another user stays (its removal fails).
fn remove_stale_dirs(base: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) =
            name.to_str().and_then(|n| n.strip_prefix("inboxlens-jobs-")).and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Creates the jobs directory, readable by this user only (lists are personal data).
fn make_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Opens a list as the job will read it.
fn open_list(data: Bytes, spec: &JobSpec) -> Result<list::Input, VerifyError> {
    let reader: Box<dyn std::io::BufRead + Send> = Box::new(std::io::Cursor::new(data));
    list::open_reader(reader, "the list".into(), None, spec.format, spec.column.as_deref(), None)
}

/// Reads the whole list once: its rows (1 to `max_rows`) and how it is read.
fn count_rows(data: Bytes, spec: &JobSpec, max_rows: u64) -> Result<(u64, &'static str), JobError> {
    let mut input = open_list(data, spec).map_err(JobError::Input)?;
    let format = if input.header_raw.is_some() { "csv" } else { "txt" };
    let mut n = 0u64;
    while input.source.next().map_err(JobError::Input)?.is_some() {
        n += 1;
        if n > max_rows {
            return Err(JobError::TooManyRows { max: max_rows });
        }
    }
    if n == 0 {
        return Err(JobError::Empty);
    }
    Ok((n, format))
}

/// The result as this server reports it: the core's "(--no-smtp)" wording names a CLI flag;
/// here SMTP verification is off by configuration.
pub(crate) fn server_wording(mut r: VerifyResult, smtp_on: bool) -> VerifyResult {
    if !smtp_on && r.reason == Reason::MailboxNotChecked {
        r.detail = r.detail.replace("(--no-smtp)", "(SMTP verification is off on this server)");
    }
    r
}

/// Counts of finished rows.
#[derive(Default)]
struct Progress {
    done: u64,
    counts: VerdictCounts,
    reasons: BTreeMap<&'static str, u64>,
}

impl Progress {
    fn add(&mut self, r: &VerifyResult) {
        self.done += 1;
        let c = &mut self.counts;
        *match r.verdict {
            Verdict::Deliverable => &mut c.deliverable,
            Verdict::Undeliverable => &mut c.undeliverable,
            Verdict::Risky => &mut c.risky,
            Verdict::Unknown => &mut c.unknown,
        } += 1;
        *self.reasons.entry(r.reason.as_str()).or_default() += 1;
    }

    fn publish(&self, job: &Job) {
        job.status.send_modify(|s| {
            s.done = self.done;
            s.counts = self.counts.clone();
            s.reasons = self.reasons.clone();
        });
    }
}

/// Runs one job: waits for a running slot, verifies under the job deadline, records the end.
async fn run_job(store: Arc<JobStore>, job: Arc<Job>) {
    // the semaphore is never closed
    let Ok(_permit) = Arc::clone(&store.running).acquire_owned().await else { return };
    let started = unix_now();
    job.status.send_modify(|s| {
        s.state = JobState::Running;
        s.started_at = Some(started);
    });
    let timeout = store.limits.timeout;
    let error = match tokio::time::timeout(timeout, verify_list(&store, &job)).await {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(format!("the job did not finish within {} s (verify.job_timeout_secs)", timeout.as_secs())),
    };
    let _ = tokio::fs::remove_file(&job.list_path).await;
    if error.is_some() {
        let _ = tokio::fs::remove_file(&job.part_path).await;
    }
    if let Some(e) = &error {
        tracing::warn!(job = %job.id, error = %e, "verification job failed");
    } else {
        tracing::info!(job = %job.id, rows = job.status().total, "verification job done");
    }
    job.finish(error, store.limits.ttl);
}

/// Verifies the stored list into the result file (see the module doc for the memory bounds).
async fn verify_list(store: &JobStore, job: &Job) -> Result<(), String> {
    let data = tokio::fs::read(&job.list_path).await.map_err(|e| format!("cannot read the stored list: {e}"))?;
    let input = open_list(Bytes::from(data), &job.spec).map_err(|e| e.to_string())?;
    let (delimiter, terminator) = (input.delimiter, input.terminator);
    let write_err = |e: std::io::Error| format!("cannot write the result file: {e}");
    let file = tokio::fs::File::create(&job.part_path).await.map_err(write_err)?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 16, file);
    out.write_all(&list::header_line(input.header_raw.as_deref(), delimiter, terminator)).await.map_err(write_err)?;

    let smtp_on = store.runner.is_some();
    let mut cfg = store.engine.clone();
    cfg.generation_rows = JOB_GENERATION_ROWS;
    let engine = Engine::new(Arc::clone(&store.resolver), store.runner.clone(), cfg);
    let (rows_tx, rows_rx) = mpsc::channel::<(RowId, String)>(WINDOW);
    // at most WINDOW rows are in the engine, so at most WINDOW results wait here
    let (res_tx, mut res_rx) = mpsc::unbounded_channel::<(RowId, VerifyResult)>();
    let engine_run = engine.run(rows_rx, move |row, r| {
        let _ = res_tx.send((row, r));
    });
    let mut source = input.source;
    let feed = async {
        let mut rows_tx = Some(rows_tx);
        let mut next_id: RowId = 0;
        let mut input_end = false;
        // rows read and not yet written: row -> (raw record, result when known)
        let mut pending: BTreeMap<RowId, (Option<Vec<u8>>, Option<VerifyResult>)> = BTreeMap::new();
        let mut progress = Progress::default();
        let mut published = Instant::now();
        loop {
            // 1. read ahead up to the window
            while !input_end && pending.len() < WINDOW {
                match source.next() {
                    Ok(Some(row)) => {
                        let id = next_id;
                        next_id += 1;
                        if row.not_utf8 {
                            let r = row.not_utf8_result();
                            progress.add(&r);
                            pending.insert(id, (row.raw, Some(r)));
                        } else {
                            pending.insert(id, (row.raw, None));
                            if let Some(tx) = &rows_tx
                                && tx.send((id, row.address)).await.is_err()
                            {
                                return Err("internal error: the verification engine stopped early".to_string());
                            }
                        }
                    }
                    Ok(None) => {
                        input_end = true;
                        // no more rows: the engine finishes what it has and ends
                        rows_tx = None;
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
            // 2. write the ready prefix, in input order
            while let Some(entry) = pending.first_entry() {
                if entry.get().1.is_none() {
                    break;
                }
                let (raw, r) = entry.remove();
                let Some(r) = r else { break };
                let line = list::result_line(raw.as_deref(), &r, delimiter, terminator);
                out.write_all(&line).await.map_err(write_err)?;
            }
            if published.elapsed() >= PUBLISH_INTERVAL {
                progress.publish(job);
                published = Instant::now();
            }
            if input_end && pending.is_empty() {
                progress.publish(job);
                return Ok(());
            }
            // 3. wait for results
            let Some(first) = res_rx.recv().await else {
                return Err(format!(
                    "internal error: {} rows have no result after the engine finished",
                    pending.values().filter(|(_, r)| r.is_none()).count()
                ));
            };
            let mut next = Some(first);
            while let Some((row, r)) = next.take() {
                let r = server_wording(r, smtp_on);
                progress.add(&r);
                if let Some(slot) = pending.get_mut(&row) {
                    slot.1 = Some(r);
                }
                next = res_rx.try_recv().ok();
            }
        }
    };
    // The engine and the feed run side by side in this task; when the feed ends (every row
    // written, or an error) the engine is dropped with its sessions.
    let fed = {
        tokio::pin!(engine_run);
        tokio::pin!(feed);
        let mut engine_ended = false;
        loop {
            tokio::select! {
                () = &mut engine_run, if !engine_ended => engine_ended = true,
                r = &mut feed => break r,
            }
        }
    };
    fed?;
    out.flush().await.map_err(write_err)?;
    let file = out.into_inner();
    file.sync_all().await.map_err(write_err)?;
    drop(file);
    tokio::fs::rename(&job.part_path, &job.result_path).await.map_err(write_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(format: InputFormat, column: Option<&str>) -> JobSpec {
        JobSpec { format, column: column.map(String::from) }
    }

    #[test]
    fn lists_are_counted_and_bad_ones_refused() {
        let csv = Bytes::from_static(b"name,email\n\"Doe, J\",j@x.test\nA,a@x.test\n");
        assert_eq!(count_rows(csv.clone(), &spec(InputFormat::Auto, None), 10).unwrap(), (2, "csv"));
        assert!(matches!(
            count_rows(csv.clone(), &spec(InputFormat::Auto, None), 1),
            Err(JobError::TooManyRows { max: 1 })
        ));
        assert!(matches!(
            count_rows(csv, &spec(InputFormat::Csv, Some("mail_address")), 10),
            Err(JobError::Input(VerifyError::MissingColumn { .. }))
        ));
        let txt = Bytes::from_static(b"a@x.test\n\nb@x.test\n");
        assert_eq!(count_rows(txt, &spec(InputFormat::Auto, None), 10).unwrap(), (2, "txt"));
        assert!(matches!(count_rows(Bytes::new(), &spec(InputFormat::Auto, None), 10), Err(JobError::Empty)));
        assert!(matches!(
            count_rows(Bytes::from_static(b"email\n"), &spec(InputFormat::Csv, None), 10),
            Err(JobError::Empty)
        ));
        assert!(matches!(
            count_rows(Bytes::from_static(b"PK\x03\x04\x00\x00\x00"), &spec(InputFormat::Auto, None), 10),
            Err(JobError::Input(VerifyError::Binary { .. }))
        ));
    }

    /// A store on a zone (no SMTP), its files in a fresh directory.
    fn store(max_jobs: usize, ttl: Duration) -> (Arc<JobStore>, PathBuf) {
        let zone = "$ORIGIN v.test.\n@ SOA ns.v.test. h.v.test. 1 300 60 86400 60\n@ NS ns.v.test.\n\
                    ok MX 10 mx.ok.v.test.\nmx.ok A 192.0.2.10\nnull MX 0 .\n";
        let resolver: Arc<dyn Resolver> =
            Arc::new(inboxlens_core::dns::zone::ZoneResolver::from_zone_text(zone, None).unwrap());
        let base = std::env::temp_dir().join(format!("inboxlens-jobs-unit-{}-{max_jobs}", std::process::id()));
        let engine = EngineConfig {
            sched: inboxlens_core::verify::scheduler::SchedulerConfig { smtp: false, ..Default::default() },
            settings: super::super::SessionSettings {
                from_address: String::new(),
                helo: "t.test".into(),
                allow_private: false,
                step_timeout: Duration::from_secs(1),
            },
            dns_deadline: Duration::from_secs(1),
            generation_rows: 10,
        };
        let limits = JobLimits {
            max_jobs,
            max_running: 1,
            max_per_client: 8,
            max_rows: 100,
            timeout: Duration::from_secs(60),
            ttl,
        };
        let s = Arc::new(JobStore::new(limits, base, resolver, None, engine));
        let dir = s.dir.clone();
        (s, dir)
    }

    async fn finished(store: &JobStore, id: &str) -> JobStatus {
        let mut rx = store.get(id).expect("job kept").subscribe();
        rx.wait_for(|s| s.state.is_finished()).await.expect("job finishes").clone()
    }

    #[tokio::test]
    async fn the_oldest_finished_job_makes_room_and_files_go_with_it() {
        let (store, dir) = store(2, Duration::from_secs(3600));
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let list = || Bytes::from_static(b"email\na@ok.v.test\nb@null.v.test\nbad\n");
        let spec = || spec(InputFormat::Csv, None);
        let a = store.submit(client, list(), spec()).await.unwrap().id;
        let st = finished(&store, &a).await;
        assert_eq!((st.state, st.total, st.done), (JobState::Done, 3, 3));
        assert_eq!(st.counts, VerdictCounts { deliverable: 0, undeliverable: 2, risky: 0, unknown: 1 });
        let a_file = store.get(&a).unwrap().result_path().to_path_buf();
        assert!(a_file.exists());
        assert!(!dir.join(format!("{a}.list")).exists(), "the list goes once the job ends");
        let b = store.submit(client, list(), spec()).await.unwrap().id;
        finished(&store, &b).await;
        let c = store.submit(client, list(), spec()).await.unwrap().id;
        assert!(store.get(&a).is_none(), "the oldest finished job was dropped");
        assert!(!a_file.exists(), "with its result");
        assert!(store.get(&b).is_some() && store.get(&c).is_some());
        finished(&store, &c).await;
        assert!(store.remove(&b));
        assert!(!store.remove(&b));
        store.remove_all();
        assert!(!dir.exists());
        let _ = std::fs::remove_dir(dir.parent().unwrap());
    }

    #[tokio::test]
    async fn finished_jobs_expire() {
        let (store, dir) = store(3, Duration::ZERO);
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let id =
            store.submit(client, Bytes::from_static(b"a@ok.v.test\n"), spec(InputFormat::Txt, None)).await.unwrap().id;
        let mut rx = store.get(&id).unwrap().subscribe();
        let _ = rx.wait_for(|s| s.state.is_finished()).await;
        assert!(store.get(&id).is_none(), "expired at once with a zero TTL");
        assert!(!dir.join(format!("{id}.csv")).exists());
        store.remove_all();
        let _ = std::fs::remove_dir(dir.parent().unwrap());
    }

    #[test]
    fn progress_counts_verdicts_and_reasons() {
        let mut p = Progress::default();
        p.add(&VerifyResult::new("a", None, Reason::Syntax, "x"));
        p.add(&VerifyResult::new("b", None, Reason::MailboxNotChecked, "x"));
        p.add(&VerifyResult::new("c", None, Reason::Syntax, "x"));
        assert_eq!(p.done, 3);
        assert_eq!(p.counts, VerdictCounts { deliverable: 0, undeliverable: 2, risky: 0, unknown: 1 });
        assert_eq!(p.reasons.get("syntax"), Some(&2));
    }
}
