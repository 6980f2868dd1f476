//! The async driver of the core's verification scheduler
//! ([`inboxlens_core::verify::scheduler`]): it feeds rows in, runs the MX lookups and SMTP
//! sessions the scheduler asks for as tasks (each under a deadline), wakes the scheduler at the
//! times it names, and hands every final result out as soon as it is known. The CLI, the HTTP
//! route and the bulk jobs all verify through this one loop; ordering, journals and storage are
//! theirs.
//!
//! Memory: the caller bounds the rows in flight (it sends at most a window ahead of what it has
//! written); the core scheduler retains every distinct address it was given (to answer
//! duplicates), so it runs in generations of `generation_rows` rows: drained, then replaced.

use super::{SessionRunner, SessionSettings};
use inboxlens_core::dns::Resolver;
use inboxlens_core::verify::dns::resolve_mx;
use inboxlens_core::verify::model::{Reason, VerifyResult};
use inboxlens_core::verify::scheduler::{
    Action, Millis, MxLookup, RowId, Scheduler, SchedulerConfig, SessionEnd, SessionResult,
};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Rows given to one scheduler before it is drained and replaced: the core scheduler retains
/// about 1 KB per distinct address, so this bounds it near 100 MB.
pub(crate) const GENERATION_ROWS: u64 = 100_000;

/// How the engine runs.
#[derive(Debug, Clone)]
pub(crate) struct EngineConfig {
    /// The scheduler's limits and schedules.
    pub sched: SchedulerConfig,
    /// What every SMTP session needs (MAIL FROM, EHLO name, target policy, step deadline).
    pub settings: SessionSettings,
    /// Deadline of one domain's MX resolution (MX + the exchanges' addresses).
    pub dns_deadline: Duration,
    /// Rows per scheduler generation.
    pub generation_rows: u64,
}

/// A task's outcome.
enum Event {
    Mx(String, MxLookup),
    Session(u64, SessionResult),
}

/// What a running task was for (to answer for it if it panics).
enum Pending {
    Mx(String),
    Session(u64),
}

/// The verification engine: resolver, SMTP session runner and configuration.
pub(crate) struct Engine {
    resolver: Arc<dyn Resolver>,
    runner: Option<Arc<dyn SessionRunner>>,
    cfg: EngineConfig,
}

/// A random local part for a domain's catch-all probe (the core never draws randomness).
pub(crate) fn random_local() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let tail: String =
        (0..14).map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)])).collect();
    tail
}

impl Engine {
    /// An engine. Without a `runner` the scheduler must have `smtp: false` (syntax and DNS only);
    /// the engine sets it so.
    pub(crate) fn new(
        resolver: Arc<dyn Resolver>,
        runner: Option<Arc<dyn SessionRunner>>,
        mut cfg: EngineConfig,
    ) -> Self {
        if runner.is_none() {
            cfg.sched.smtp = false;
        }
        Engine { resolver, runner, cfg }
    }

    /// Verifies the rows received on `rows` until the channel closes and every row has its
    /// result. Each result goes to `emit` as soon as it is final (not in input order; every row
    /// exactly once).
    pub(crate) async fn run(
        self,
        mut rows: mpsc::Receiver<(RowId, String)>,
        mut emit: impl FnMut(RowId, VerifyResult),
    ) {
        let clock = Instant::now();
        let now = || clock.elapsed().as_millis() as Millis;
        let generation_rows = self.cfg.generation_rows.max(1);
        let step = self.cfg.settings.step_timeout;
        let session_deadline = |rcpts: usize| step.saturating_mul(4 + 2 * rcpts.min(1000) as u32);
        let dns_deadline = self.cfg.dns_deadline;
        let mut sched = Scheduler::new(self.cfg.sched.clone());
        let mut added = 0u64;
        let mut held: VecDeque<(RowId, String)> = VecDeque::new();
        let mut rows_open = true;
        let mut tasks: JoinSet<Event> = JoinSet::new();
        let mut pending: HashMap<tokio::task::Id, Pending> = HashMap::new();
        loop {
            // 1. start what the scheduler asks for
            let mut wake: Option<Millis> = None;
            let mut sched_done = false;
            loop {
                match sched.next_action(now()) {
                    Action::ResolveMx { domain } => {
                        let resolver = Arc::clone(&self.resolver);
                        let d = domain.clone();
                        let h = tasks.spawn(async move {
                            let lookup = match tokio::time::timeout(dns_deadline, resolve_mx(resolver.as_ref(), &d))
                                .await
                            {
                                Ok(l) => l,
                                Err(_) => MxLookup::Failed(format!("no answer within {} ms", dns_deadline.as_millis())),
                            };
                            Event::Mx(d, lookup)
                        });
                        pending.insert(h.id(), Pending::Mx(domain));
                    }
                    Action::OpenSession { id, mx, batches } => {
                        let rcpts = batches.iter().map(Vec::len).sum();
                        let deadline = session_deadline(rcpts);
                        let fut = match &self.runner {
                            Some(r) => r.run(mx, batches, self.cfg.settings.clone()),
                            // unreachable: the scheduler asks SMTP only with a runner (see new)
                            None => Box::pin(async { failed(Reason::SmtpError, "no SMTP session driver".into()) }),
                        };
                        let h = tasks.spawn(async move {
                            let result = match tokio::time::timeout(deadline, fut).await {
                                Ok(r) => r,
                                Err(_) => failed(
                                    Reason::Timeout,
                                    format!("The session did not finish within {} s.", deadline.as_secs()),
                                ),
                            };
                            Event::Session(id, result)
                        });
                        pending.insert(h.id(), Pending::Session(id));
                    }
                    Action::WaitUntil(until) => {
                        wake = Some(until);
                        break;
                    }
                    Action::AwaitResults => break,
                    Action::Done if !held.is_empty() => {
                        // the drained generation is dropped with everything it retained (its last
                        // results are taken first)
                        for (row, r) in sched.drain_results() {
                            emit(row, r);
                        }
                        sched = Scheduler::new(self.cfg.sched.clone());
                        added = 0;
                        while added < generation_rows
                            && let Some((row, address)) = held.pop_front()
                        {
                            sched.add(row, &address);
                            added += 1;
                        }
                    }
                    Action::Done => {
                        sched_done = true;
                        break;
                    }
                }
            }
            for (row, r) in sched.drain_results() {
                emit(row, r);
            }
            if sched_done && !rows_open && held.is_empty() && tasks.is_empty() {
                return;
            }
            // 2. wait for a row, a task or the scheduler's timer
            let sleep = wake.map(|t| Duration::from_millis(t.saturating_sub(now())));
            tokio::select! {
                r = rows.recv(), if rows_open => match r {
                    Some((row, address)) => {
                        if added < generation_rows {
                            sched.add(row, &address);
                            added += 1;
                        } else {
                            held.push_back((row, address));
                        }
                    }
                    None => rows_open = false,
                },
                Some(res) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    let event = match res {
                        Ok((id, ev)) => {
                            pending.remove(&id);
                            ev
                        }
                        // a task that panicked still answers for its domain or session
                        Err(e) => match pending.remove(&e.id()) {
                            Some(Pending::Mx(d)) => Event::Mx(d, MxLookup::Failed(format!("internal error: {e}"))),
                            Some(Pending::Session(id)) => {
                                Event::Session(id, failed(Reason::SmtpError, format!("internal error: {e}")))
                            }
                            None => continue,
                        },
                    };
                    match event {
                        Event::Mx(domain, lookup) => sched.on_mx(&domain, lookup, &random_local(), now()),
                        Event::Session(id, result) => sched.on_session_result(id, result, now()),
                    }
                }
                _ = tokio::time::sleep(sleep.unwrap_or(Duration::ZERO)), if sleep.is_some() => {}
                // nothing can make progress (a scheduler that waits for nothing): stop; the
                // caller sees the rows without a result and says so
                else => return,
            }
        }
    }
}

/// A session that ended without answers.
fn failed(reason: Reason, detail: String) -> SessionResult {
    SessionResult { end: SessionEnd::Failed { reason, detail }, replies: Vec::new() }
}
