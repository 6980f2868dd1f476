//! The verification scheduler: per-MX queues, bounded sessions, deferred items that come back at
//! their time (design.md, "Verification as a scheduler over per-MX queues").
//!
//! Pure code with injected time (milliseconds on any monotonic clock the driver chooses). A driver
//! (the CLI, the server's jobs) loops:
//! ```text
//! add(row, address)*  ->  loop { match next_action(now) {
//!     ResolveMx{domain}          -> resolve through the DNS seam, on_mx(domain, lookup, random_local, now)
//!     OpenSession{id, mx, batches} -> talk SMTP (RSET between batches), on_session_result(id, result, now)
//!     WaitUntil(t)               -> sleep until t or until an in-flight step finishes
//!     AwaitResults               -> wait for an in-flight step
//!     Done                       -> stop } ; drain_results() }
//! ```
//! Rules it applies (issue 11): null MX / NXDOMAIN / no mail host -> `no_mail_domain`; implicit MX
//! (RFC 5321 §5.1); MX preference order with fallback to the next MX when one refuses TCP; one
//! catch-all probe per domain per run; at most `max_sessions_per_mx` sessions per MX; RCPTs in
//! batches per session; greylisted items return after the server's hint within `max_wait_ms`;
//! 421 backs off that MX only; 452 4.5.3 continues in a new session; a session-level refusal is
//! never a verdict about a mailbox.

use super::address::{self, EmailAddress};
use super::judge::{Outcome, RcptReply, RetryKind, judge_rcpt};
use super::lists;
use super::model::{Reason, SmtpEvidence, VerifyResult};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

/// The caller's id for an input row (its position in the input, say).
pub type RowId = u64;
/// Milliseconds on the driver's clock.
pub type Millis = u64;

/// Limits and schedules (the CLI flags of issue 11 map onto these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerConfig {
    /// Ask SMTP at all (`--no-smtp` sets false: syntax + DNS only).
    pub smtp: bool,
    /// Sessions open at once, all MX together (`--concurrency`).
    pub max_sessions: usize,
    /// Sessions open at once to one MX host (`--per-domain-concurrency`).
    pub max_sessions_per_mx: usize,
    /// MX lookups in flight at once.
    pub max_dns_in_flight: usize,
    /// RCPTs in one session (lowered per MX when it answers 452 4.5.3).
    pub rcpts_per_session: usize,
    /// RCPTs per transaction; the driver sends RSET and MAIL FROM again between batches. By
    /// default a whole session is one transaction: receivers pay per transaction (Postfix opens a
    /// queue file at each transaction's first accepted RCPT), and RFC 5321 §4.5.3.1.8 has them
    /// take 100 recipients in one.
    pub rcpts_per_batch: usize,
    /// How long an item may stay deferred after its first RCPT (`--max-wait-s`).
    pub max_wait_ms: Millis,
    /// Greylisting retry when the server gave no hint (`--greylist-retry-s`).
    pub greylist_retry_ms: Millis,
    /// Retry of other temporary failures.
    pub transient_retry_ms: Millis,
    /// First back-off of an MX after 421 / "too many connections"; doubled each time in a row.
    pub rate_limit_backoff_ms: Millis,
    /// RCPT attempts per item before a temporary failure becomes its final answer.
    pub max_attempts: u32,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            smtp: true,
            max_sessions: 16,
            max_sessions_per_mx: 2,
            max_dns_in_flight: 32,
            rcpts_per_session: 20,
            rcpts_per_batch: 20,
            max_wait_ms: 600_000,
            greylist_retry_ms: 60_000,
            transient_retry_ms: 60_000,
            rate_limit_backoff_ms: 30_000,
            max_attempts: 4,
        }
    }
}

/// One MX record as resolved, with whether its host has an address (A/AAAA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxRecord {
    /// MX preference (lower first, RFC 5321 §5.1).
    pub preference: u16,
    /// The exchange host (`.` for a null MX, RFC 7505).
    pub exchange: String,
    /// The host resolves to at least one A/AAAA record.
    pub has_address: bool,
}

/// The MX lookup of one domain, as the driver found it through the DNS seam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxLookup {
    /// NOERROR with MX records.
    Records(Vec<MxRecord>),
    /// The domain exists without MX records; `domain_has_address` says whether the implicit MX
    /// applies (RFC 5321 §5.1: the domain itself, when it has A/AAAA).
    NoMx {
        /// The domain has A or AAAA records.
        domain_has_address: bool,
    },
    /// NXDOMAIN.
    NxDomain,
    /// SERVFAIL, timeout, ...: nothing is known.
    Failed(String),
}

/// One RCPT to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The id to answer with in [`SessionResult::replies`].
    pub id: u64,
    /// The address for `RCPT TO:<...>` (normalized form).
    pub address: String,
    /// The address needs SMTPUTF8 (RFC 6531): send it only when the server advertises it, else
    /// answer [`ProbeReply::Smtputf8Unsupported`].
    pub needs_smtputf8: bool,
    /// This is the domain's catch-all probe (a random local part).
    pub catch_all_probe: bool,
}

/// What the scheduler asks the driver to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Resolve the MX of this domain and call [`Scheduler::on_mx`].
    ResolveMx {
        /// The domain (A-labels).
        domain: String,
    },
    /// Open an SMTP session to `mx` and send the batches (RSET + MAIL FROM between batches), then
    /// call [`Scheduler::on_session_result`] with `id`.
    OpenSession {
        /// The session id.
        id: u64,
        /// The MX host name (the domain itself for an implicit MX).
        mx: String,
        /// RCPT batches, in order.
        batches: Vec<Vec<Probe>>,
    },
    /// Nothing to start before this time (or before an in-flight step finishes).
    WaitUntil(Millis),
    /// Nothing to start until an in-flight step finishes.
    AwaitResults,
    /// Every item has its result.
    Done,
}

/// The driver's answer to one RCPT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeReply {
    /// The server's reply.
    Reply(RcptReply),
    /// Not sent: the address needs SMTPUTF8 and the server did not advertise it.
    Smtputf8Unsupported,
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEnd {
    /// The RCPTs were sent (those without a reply in `replies` go back to the queue).
    Completed,
    /// TCP connection refused or host unreachable: the next MX by preference is tried.
    Refused,
    /// No TCP connection within the deadline: the next MX by preference is tried.
    ConnectTimeout,
    /// The driver may not connect to this MX (its addresses are not public and the target
    /// policy refuses them; this text says so): the next MX by preference is tried, and a domain
    /// with no other MX is answered with this text, at once (retrying cannot help).
    NotAllowed(String),
    /// The banner, EHLO, STARTTLS or MAIL FROM was answered with this refusal before any RCPT.
    Rejected(RcptReply),
    /// The session broke off (timeout mid-dialogue, TLS failure, protocol error).
    Failed {
        /// The reason unanswered items get once their attempts run out.
        reason: Reason,
        /// A human sentence.
        detail: String,
    },
}

/// The outcome of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionResult {
    /// How it ended.
    pub end: SessionEnd,
    /// The answers, by [`Probe::id`], in the order they came.
    pub replies: Vec<(u64, ProbeReply)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CatchAll {
    /// Not decided yet.
    Pending,
    /// Decided (None: could not tell).
    Known(Option<bool>),
}

#[derive(Debug)]
struct Domain {
    name: String,
    /// MX hosts by preference; empty until resolved.
    mx: Vec<String>,
    resolved: bool,
    resolving: bool,
    /// Items waiting for this domain's MX (ready ones; deferred ones sit in the heap).
    queue: VecDeque<usize>,
    catch_all: CatchAll,
    /// Accepted addresses held until the catch-all probe decides.
    held: Vec<usize>,
    /// Items not yet final.
    open_items: usize,
    /// Set when the lookup decided every address of the domain (no mail domain, `--no-smtp`).
    fate: Option<DomainFate>,
}

/// An answer that holds for every address of a domain.
#[derive(Debug, Clone)]
enum DomainFate {
    /// No mail domain or a failed lookup: this reason and detail.
    Settled(Reason, String),
    /// `--no-smtp`: the domain takes mail through this MX; the mailbox is not asked.
    NotChecked(Option<String>),
}

#[derive(Debug)]
struct Item {
    domain: usize,
    address: Option<EmailAddress>,
    /// The catch-all probe's RCPT address.
    probe_address: String,
    catch_all_probe: bool,
    /// (row, address as given) for every row with this normalized address.
    rows: Vec<(RowId, String)>,
    disposable: bool,
    role: bool,
    free: bool,
    attempts: u32,
    first_seen: Option<Millis>,
    first_rcpt: Option<Millis>,
    last_retry: Option<(RetryKind, RcptReply, String)>,
    done: bool,
    /// Accepted, waiting for the catch-all decision: (mx, reply).
    accepted: Option<(String, RcptReply)>,
    /// The final answer (its `address` is the first row's), for duplicates that come later.
    result: Option<VerifyResult>,
}

#[derive(Debug, Default)]
struct Mx {
    open: usize,
    dead: Option<SessionEnd>,
    backoff_until: Millis,
    backoff_ms: Millis,
    /// Since when this host has been throttling us without a break (None: it is not).
    throttled_since: Option<Millis>,
    rcpt_limit: Option<usize>,
    /// Domains that list this host.
    domains: Vec<usize>,
}

#[derive(Debug)]
struct Session {
    mx: String,
    items: Vec<usize>,
}

/// The per-MX verification scheduler. See the module doc for the driver loop.
#[derive(Debug)]
pub struct Scheduler {
    cfg: SchedulerConfig,
    items: Vec<Item>,
    by_normalized: HashMap<String, usize>,
    domains: Vec<Domain>,
    domain_ids: HashMap<String, usize>,
    mxs: HashMap<String, Mx>,
    /// MX hosts in the order they were first seen: sessions are started round-robin over them.
    mx_order: Vec<String>,
    mx_cursor: usize,
    deferred: BinaryHeap<Reverse<(Millis, usize)>>,
    to_resolve: VecDeque<usize>,
    dns_in_flight: usize,
    sessions: HashMap<u64, Session>,
    next_session: u64,
    results: VecDeque<(RowId, VerifyResult)>,
    open_items: usize,
    /// The latest `now` seen (for answers given inside [`Scheduler::add`]).
    last_now: Millis,
}

impl Scheduler {
    /// A scheduler with these limits and nothing queued.
    pub fn new(cfg: SchedulerConfig) -> Self {
        Scheduler {
            cfg,
            items: Vec::new(),
            by_normalized: HashMap::new(),
            domains: Vec::new(),
            domain_ids: HashMap::new(),
            mxs: HashMap::new(),
            mx_order: Vec::new(),
            mx_cursor: 0,
            deferred: BinaryHeap::new(),
            to_resolve: VecDeque::new(),
            dns_in_flight: 0,
            sessions: HashMap::new(),
            next_session: 1,
            results: VecDeque::new(),
            open_items: 0,
            last_now: 0,
        }
    }

    /// Items (distinct normalized addresses and catch-all probes) without a final answer: a
    /// streaming driver keeps this bounded by adding rows only while it is below its window.
    pub fn open_items(&self) -> usize {
        self.open_items
    }

    /// Adds one input row. A syntax error is answered at once; a duplicate of an address already
    /// added is answered with it (probed once).
    pub fn add(&mut self, row: RowId, input: &str) {
        let given = input.trim().to_string();
        let addr = match address::parse(input) {
            Ok(a) => a,
            Err(e) => {
                let r = VerifyResult::new(given, None, Reason::Syntax, format!("Invalid address: {e}."));
                self.results.push_back((row, r));
                return;
            }
        };
        let normalized = addr.normalized();
        if let Some(&i) = self.by_normalized.get(&normalized) {
            match &self.items[i].result {
                Some(r) => {
                    let mut r = r.clone();
                    r.address = given;
                    self.results.push_back((row, r));
                }
                None => self.items[i].rows.push((row, given)),
            }
            return;
        }
        let domain_name = addr.domain_ascii();
        let d = match self.domain_ids.get(&domain_name) {
            Some(&d) => d,
            None => {
                let d = self.domains.len();
                self.domains.push(Domain {
                    name: domain_name.clone(),
                    mx: Vec::new(),
                    resolved: false,
                    resolving: false,
                    queue: VecDeque::new(),
                    catch_all: CatchAll::Pending,
                    held: Vec::new(),
                    open_items: 0,
                    fate: None,
                });
                self.domain_ids.insert(domain_name.clone(), d);
                self.to_resolve.push_back(d);
                d
            }
        };
        let item = Item {
            domain: d,
            disposable: lists::is_disposable(&domain_name),
            role: lists::is_role(&addr.local_unquoted_lower()),
            free: lists::is_free(&domain_name),
            probe_address: normalized.clone(),
            address: Some(addr),
            catch_all_probe: false,
            rows: vec![(row, given)],
            attempts: 0,
            first_seen: None,
            first_rcpt: None,
            last_retry: None,
            done: false,
            accepted: None,
            result: None,
        };
        let i = self.items.len();
        self.items.push(item);
        self.by_normalized.insert(normalized, i);
        self.open_items += 1;
        self.domains[d].open_items += 1;
        self.domains[d].queue.push_back(i);
        if let Some(fate) = self.domains[d].fate.clone() {
            // a late address on a domain already decided
            self.domains[d].queue.pop_back();
            self.apply_fate(i, &fate, self.last_now);
        }
    }

    /// Answers an item from its domain's fate.
    fn apply_fate(&mut self, i: usize, fate: &DomainFate, now: Millis) {
        let domain = self.domains[self.items[i].domain].name.clone();
        match fate {
            DomainFate::Settled(reason, detail) => self.finish(i, *reason, detail.clone(), None, None, now),
            DomainFate::NotChecked(mx) => {
                let via = mx.as_deref().unwrap_or("?");
                let (reason, detail) = if self.items[i].disposable {
                    (Reason::Disposable, format!("{domain} takes mail (MX {via}) but is a disposable-address domain."))
                } else {
                    (
                        Reason::MailboxNotChecked,
                        format!("{domain} takes mail (MX {via}); the mailbox was not asked (--no-smtp)."),
                    )
                };
                self.finish(i, reason, detail, mx.clone(), None, now);
            }
        }
    }

    /// Takes the results ready so far (each input row exactly once, in completion order).
    pub fn drain_results(&mut self) -> Vec<(RowId, VerifyResult)> {
        self.results.drain(..).collect()
    }

    /// Feeds the MX lookup of `domain`. `catch_all_local` is a random local part (from the
    /// driver's RNG) for the domain's catch-all probe.
    pub fn on_mx(&mut self, domain: &str, lookup: MxLookup, catch_all_local: &str, now: Millis) {
        self.last_now = self.last_now.max(now);
        let Some(&d) = self.domain_ids.get(domain) else { return };
        if self.domains[d].resolved {
            return;
        }
        if self.domains[d].resolving {
            self.domains[d].resolving = false;
            self.dns_in_flight = self.dns_in_flight.saturating_sub(1);
        }
        self.domains[d].resolved = true;
        for &i in &self.domains[d].queue {
            self.items[i].first_seen.get_or_insert(now);
        }
        let no_mail = |detail: String| Some((Reason::NoMailDomain, detail));
        let outcome: Option<(Reason, String)> = match lookup {
            MxLookup::NxDomain => no_mail(format!("The domain {domain} does not exist (NXDOMAIN).")),
            MxLookup::Failed(e) => {
                Some((Reason::SmtpError, format!("The MX lookup of {domain} failed ({e}); nothing is known about it.")))
            }
            MxLookup::NoMx { domain_has_address: false } => {
                no_mail(format!("{domain} has no MX record and no address (RFC 5321 §5.1): it takes no mail."))
            }
            MxLookup::NoMx { domain_has_address: true } => {
                self.domains[d].mx = vec![domain.to_string()];
                None
            }
            MxLookup::Records(mut recs) => {
                let null = recs.len() == 1 && recs[0].exchange.trim_end_matches('.').is_empty();
                recs.retain(|r| !r.exchange.trim_end_matches('.').is_empty());
                if null {
                    no_mail(format!("{domain} publishes a null MX (RFC 7505): it takes no mail."))
                } else {
                    recs.sort_by_key(|r| r.preference);
                    let hosts: Vec<String> = recs
                        .iter()
                        .filter(|r| r.has_address)
                        .map(|r| r.exchange.trim_end_matches('.').to_ascii_lowercase())
                        .collect();
                    if hosts.is_empty() {
                        no_mail(format!("No MX host of {domain} has an address: mail to it cannot be delivered."))
                    } else {
                        self.domains[d].mx = hosts;
                        None
                    }
                }
            }
        };
        let fate = match outcome {
            Some((reason, detail)) => Some(DomainFate::Settled(reason, detail)),
            None if !self.cfg.smtp => Some(DomainFate::NotChecked(self.domains[d].mx.first().cloned())),
            None => None,
        };
        if let Some(fate) = fate {
            self.domains[d].catch_all = CatchAll::Known(None);
            self.domains[d].fate = Some(fate.clone());
            let items: Vec<usize> = self.domains[d].queue.drain(..).collect();
            for i in items {
                self.apply_fate(i, &fate, now);
            }
            return;
        }
        for host in self.domains[d].mx.clone() {
            let mx = self.mxs.entry(host.clone()).or_insert_with(|| {
                self.mx_order.push(host.clone());
                Mx::default()
            });
            mx.domains.push(d);
        }
        // the catch-all probe goes first
        let probe = Item {
            domain: d,
            address: None,
            probe_address: format!("{catch_all_local}@{domain}"),
            catch_all_probe: true,
            rows: Vec::new(),
            disposable: false,
            role: false,
            free: false,
            attempts: 0,
            first_seen: Some(now),
            first_rcpt: None,
            last_retry: None,
            done: false,
            accepted: None,
            result: None,
        };
        let i = self.items.len();
        self.items.push(probe);
        self.open_items += 1;
        self.domains[d].open_items += 1;
        self.domains[d].queue.push_front(i);
    }

    /// The domain's MX in use: the first by preference that has not refused us.
    fn current_mx(&self, d: usize) -> Option<&String> {
        self.domains[d].mx.iter().find(|h| self.mxs.get(*h).is_none_or(|m| m.dead.is_none()))
    }

    /// What to do next at time `now`.
    pub fn next_action(&mut self, now: Millis) -> Action {
        self.last_now = self.last_now.max(now);
        // deferred items whose time came return to their domain queue
        while let Some(Reverse((t, i))) = self.deferred.peek().copied() {
            if t > now {
                break;
            }
            self.deferred.pop();
            if !self.items[i].done {
                let d = self.items[i].domain;
                self.domains[d].queue.push_back(i);
            }
        }
        if self.dns_in_flight < self.cfg.max_dns_in_flight {
            while let Some(d) = self.to_resolve.pop_front() {
                if !self.domains[d].resolved && !self.domains[d].resolving {
                    self.domains[d].resolving = true;
                    self.dns_in_flight += 1;
                    return Action::ResolveMx { domain: self.domains[d].name.clone() };
                }
            }
        }
        if self.sessions.len() < self.cfg.max_sessions && !self.mx_order.is_empty() {
            let n = self.mx_order.len();
            for k in 0..n {
                let idx = (self.mx_cursor + k) % n;
                let host = self.mx_order[idx].clone();
                if let Some(action) = self.try_open(&host, now) {
                    self.mx_cursor = (idx + 1) % n;
                    return action;
                }
            }
        }
        if self.open_items == 0 && self.sessions.is_empty() && self.dns_in_flight == 0 {
            return Action::Done;
        }
        let next_deferred = self.deferred.iter().map(|Reverse((t, _))| *t).min();
        let next_backoff =
            self.mxs.values().filter(|m| m.backoff_until > now && m.dead.is_none()).map(|m| m.backoff_until).min();
        let waiting_on_backoff = next_backoff.filter(|_| self.domains.iter().any(|d| !d.queue.is_empty()));
        match [next_deferred, waiting_on_backoff].into_iter().flatten().min() {
            Some(t) => Action::WaitUntil(t),
            None if !self.sessions.is_empty() || self.dns_in_flight > 0 => Action::AwaitResults,
            None => {
                // nothing in flight, nothing timed, items left: their domains have no usable MX
                self.fail_stranded(now);
                if self.open_items == 0 { Action::Done } else { Action::AwaitResults }
            }
        }
    }

    /// Items left in queues of domains whose every MX refused us.
    fn fail_stranded(&mut self, now: Millis) {
        for d in 0..self.domains.len() {
            if self.domains[d].queue.is_empty() || self.current_mx(d).is_some() || !self.domains[d].resolved {
                continue;
            }
            self.strand_domain(d, now);
        }
    }

    fn strand_domain(&mut self, d: usize, now: Millis) {
        let hosts = self.domains[d].mx.join(", ");
        let timeout = self.domains[d]
            .mx
            .iter()
            .all(|h| matches!(self.mxs.get(h).and_then(|m| m.dead.as_ref()), Some(SessionEnd::ConnectTimeout)));
        let not_allowed: Vec<&str> = self.domains[d]
            .mx
            .iter()
            .filter_map(|h| match self.mxs.get(h).and_then(|m| m.dead.as_ref()) {
                Some(SessionEnd::NotAllowed(why)) => Some(why.as_str()),
                _ => None,
            })
            .collect();
        let (reason, detail) = if timeout {
            (
                Reason::Timeout,
                format!(
                    "No MX host of {} ({hosts}) answered in time; nothing is known about the mailbox.",
                    self.domains[d].name
                ),
            )
        } else if not_allowed.len() == self.domains[d].mx.len() {
            (
                Reason::SmtpError,
                format!(
                    "No MX host of {} ({hosts}) may be contacted: {}; nothing is known about the mailbox.",
                    self.domains[d].name,
                    not_allowed.join("; ")
                ),
            )
        } else {
            (
                Reason::SmtpError,
                format!(
                    "No MX host of {} ({hosts}) accepted a connection; nothing is known about the mailbox.",
                    self.domains[d].name
                ),
            )
        };
        let items: Vec<usize> = self.domains[d].queue.drain(..).collect();
        for i in items {
            self.finish(i, reason, detail.clone(), None, None, now);
        }
    }

    fn try_open(&mut self, host: &str, now: Millis) -> Option<Action> {
        let mx = self.mxs.get(host)?;
        if mx.dead.is_some() || mx.open >= self.cfg.max_sessions_per_mx || mx.backoff_until > now {
            return None;
        }
        let limit = mx.rcpt_limit.unwrap_or(self.cfg.rcpts_per_session).min(self.cfg.rcpts_per_session).max(1);
        let domains = mx.domains.clone();
        let mut picked = Vec::new();
        for d in domains {
            if self.current_mx(d).map(String::as_str) != Some(host) {
                continue;
            }
            while picked.len() < limit {
                match self.domains[d].queue.pop_front() {
                    Some(i) if self.items[i].done => continue,
                    Some(i) => {
                        self.items[i].first_seen.get_or_insert(now);
                        picked.push(i);
                    }
                    None => break,
                }
            }
            if picked.len() >= limit {
                break;
            }
        }
        if picked.is_empty() {
            return None;
        }
        let id = self.next_session;
        self.next_session += 1;
        if let Some(m) = self.mxs.get_mut(host) {
            m.open += 1;
        }
        let probes: Vec<Probe> = picked
            .iter()
            .map(|&i| {
                let it = &self.items[i];
                Probe {
                    id: i as u64,
                    address: it.probe_address.clone(),
                    needs_smtputf8: it.address.as_ref().is_some_and(EmailAddress::needs_smtputf8),
                    catch_all_probe: it.catch_all_probe,
                }
            })
            .collect();
        let batches = probes.chunks(self.cfg.rcpts_per_batch.max(1)).map(<[Probe]>::to_vec).collect();
        self.sessions.insert(id, Session { mx: host.to_string(), items: picked });
        Some(Action::OpenSession { id, mx: host.to_string(), batches })
    }

    /// Puts an item back: at `at` (deferred) or now (front of its queue).
    fn requeue(&mut self, i: usize, at: Option<Millis>) {
        match at {
            Some(t) => self.deferred.push(Reverse((t, i))),
            None => {
                let d = self.items[i].domain;
                self.domains[d].queue.push_front(i);
            }
        }
    }

    /// Defers an item to `at`, or finishes it when that is past its wait budget.
    fn defer_or_finish(&mut self, i: usize, at: Millis, kind: RetryKind, mx: &str, now: Millis) {
        let mut start = self.items[i].first_rcpt.unwrap_or(now);
        // a throttling host's budget runs from when it started throttling, not per address
        if matches!(kind, RetryKind::RateLimited)
            && let Some(t) = self.mxs.get(mx).and_then(|m| m.throttled_since)
        {
            start = start.min(t);
        }
        if at > start.saturating_add(self.cfg.max_wait_ms) || self.items[i].attempts >= self.cfg.max_attempts {
            let reply = self.items[i].last_retry.as_ref().map(|(_, r, _)| r.clone());
            let reason = kind.exhausted_reason();
            let detail = match &reply {
                Some(r) => format!(
                    "{mx} still answered {} {}\"{}\" when the wait budget ran out; nothing is known about the mailbox.",
                    r.code,
                    r.enhanced.map(|c| format!("{c} ")).unwrap_or_default(),
                    r.text
                ),
                None => format!("{mx} kept deferring; nothing is known about the mailbox."),
            };
            self.finish(i, reason, detail, Some(mx.to_string()), reply.map(|r| r.evidence()), now);
        } else {
            self.requeue(i, Some(at));
        }
    }

    /// Feeds the outcome of session `id`.
    pub fn on_session_result(&mut self, id: u64, result: SessionResult, now: Millis) {
        self.last_now = self.last_now.max(now);
        let Some(session) = self.sessions.remove(&id) else { return };
        let host = session.mx.clone();
        if let Some(m) = self.mxs.get_mut(&host) {
            m.open = m.open.saturating_sub(1);
        }
        match &result.end {
            SessionEnd::Refused | SessionEnd::ConnectTimeout | SessionEnd::NotAllowed(_) => {
                if let Some(m) = self.mxs.get_mut(&host) {
                    m.dead = Some(result.end.clone());
                }
                for &i in session.items.iter().rev() {
                    self.requeue(i, None);
                }
                // domains with no MX left are answered now
                let doms: Vec<usize> = self.mxs.get(&host).map(|m| m.domains.clone()).unwrap_or_default();
                for d in doms {
                    if self.current_mx(d).is_none() {
                        self.strand_domain(d, now);
                    }
                }
                return;
            }
            SessionEnd::Rejected(reply) => {
                self.on_session_rejected(&session, reply.clone(), now);
                return;
            }
            _ => {}
        }
        let mut answered = vec![false; session.items.len()];
        let mut saw_rate_limit = false;
        let mut too_many_at: Option<usize> = None;
        let mut rcpts_answered = 0usize;
        for (probe_id, reply) in &result.replies {
            let Some(k) = session.items.iter().position(|&i| i as u64 == *probe_id) else { continue };
            if answered[k] {
                continue;
            }
            answered[k] = true;
            let i = session.items[k];
            if self.items[i].done {
                continue;
            }
            self.items[i].first_rcpt.get_or_insert(now);
            let reply = match reply {
                ProbeReply::Smtputf8Unsupported => {
                    let detail = format!(
                        "The address needs SMTPUTF8 (RFC 6531) and {host} does not advertise it: it cannot receive this address."
                    );
                    self.finish(i, Reason::Smtputf8Unsupported, detail, Some(host.clone()), None, now);
                    continue;
                }
                ProbeReply::Reply(r) => r.clone(),
            };
            let pos = rcpts_answered;
            let reply_closes = reply.code == 421;
            rcpts_answered += 1;
            self.items[i].attempts += 1;
            let j = judge_rcpt(&reply);
            match j.outcome {
                Outcome::Accepted => self.on_accepted(i, &host, reply, now),
                Outcome::Final(reason) => {
                    let detail = format!(
                        "{host} answered RCPT TO:<{}> with {} {}\"{}\" (rule {}).",
                        self.items[i].probe_address,
                        reply.code,
                        reply.enhanced.map(|c| format!("{c} ")).unwrap_or_default(),
                        reply.text,
                        j.rule_id()
                    );
                    self.finish(i, reason, detail, Some(host.clone()), Some(reply.evidence()), now);
                }
                Outcome::Retry(kind) => {
                    self.items[i].last_retry = Some((kind, reply, host.clone()));
                    match kind {
                        RetryKind::Greylisted { hint_s } => {
                            let wait = hint_s.map(|s| s * 1000).unwrap_or(self.cfg.greylist_retry_ms).max(1000);
                            self.defer_or_finish(i, now + wait, kind, &host, now);
                        }
                        RetryKind::RateLimited => {
                            saw_rate_limit = true;
                            let until = self.back_off(&host, now);
                            self.defer_or_finish(i, until, kind, &host, now);
                        }
                        RetryKind::TooManyRecipients => {
                            // not about the mailbox: the attempt does not count
                            self.items[i].attempts -= 1;
                            if too_many_at.is_none() {
                                too_many_at = Some(pos);
                            }
                            if pos == 0 {
                                // even one RCPT is too many now: a rate limit in disguise
                                saw_rate_limit = true;
                                let until = self.back_off(&host, now);
                                self.defer_or_finish(i, until, RetryKind::RateLimited, &host, now);
                            } else {
                                self.requeue(i, None);
                            }
                        }
                        RetryKind::TemporarilyBlocked | RetryKind::Transient if reply_closes => {
                            // 421 closes the channel whatever its text (RFC 5321 §3.8): back off the MX
                            saw_rate_limit = true;
                            let until = self.back_off(&host, now);
                            self.defer_or_finish(i, until, kind, &host, now);
                        }
                        RetryKind::TemporarilyBlocked | RetryKind::Transient => {
                            self.defer_or_finish(i, now + self.cfg.transient_retry_ms, kind, &host, now);
                        }
                    }
                }
            }
        }
        if let Some(n) = too_many_at.filter(|&n| n > 0)
            && let Some(m) = self.mxs.get_mut(&host)
        {
            m.rcpt_limit = Some(n.max(1));
        }
        if !saw_rate_limit && let Some(m) = self.mxs.get_mut(&host) {
            m.backoff_ms = 0;
            m.throttled_since = None;
        }
        // a host that has throttled us for the whole wait budget answers the rest of this
        // session now (rate_limited), instead of one address per back-off
        // (or whose next try, after the back-off, would come after the budget ran out)
        let throttled_out = saw_rate_limit
            && self.mxs.get(&host).is_some_and(|m| {
                m.throttled_since.is_some_and(|t| {
                    let budget_end = t.saturating_add(self.cfg.max_wait_ms);
                    now >= budget_end || m.backoff_until > budget_end
                })
            });
        // items without an answer
        let backoff = self.mxs.get(&host).map(|m| m.backoff_until).filter(|&t| t > now);
        for (k, &i) in session.items.iter().enumerate().rev() {
            if answered[k] || self.items[i].done {
                continue;
            }
            if throttled_out {
                self.finish_throttled(i, &host, now);
                continue;
            }
            match &result.end {
                // a session that broke off right after a throttling answer (421 closes the
                // channel) was the throttle, not a failure: the rest waits for the back-off
                SessionEnd::Failed { reason, detail } if !saw_rate_limit => {
                    self.items[i].attempts += 1;
                    if self.items[i].attempts >= self.cfg.max_attempts {
                        let d = format!("{detail} ({} attempts).", self.items[i].attempts);
                        self.finish(i, *reason, d, Some(host.clone()), None, now);
                    } else {
                        // never longer than the wait budget
                        let retry = self.cfg.transient_retry_ms.min(self.cfg.max_wait_ms.max(1000));
                        self.requeue(i, Some(now + retry));
                    }
                }
                _ => self.requeue(i, backoff),
            }
        }
        if throttled_out {
            // and so does every address still queued for this host
            let doms: Vec<usize> = self.mxs.get(&host).map(|m| m.domains.clone()).unwrap_or_default();
            for d in doms {
                if self.current_mx(d).map(String::as_str) != Some(host.as_str()) {
                    continue;
                }
                let mut items: Vec<usize> = self.domains[d].queue.drain(..).collect();
                // deferred ones too (they stay in the heap, skipped once done)
                items.extend(
                    self.deferred
                        .iter()
                        .map(|Reverse((_, i))| *i)
                        .filter(|&i| self.items[i].domain == d && !self.items[i].done),
                );
                for i in items {
                    self.finish_throttled(i, &host, now);
                }
            }
        }
    }

    /// Answers an item left unasked because its host throttled us for the whole wait budget.
    fn finish_throttled(&mut self, i: usize, host: &str, now: Millis) {
        let detail = format!(
            "{host} kept throttling this verifier (421 / too many connections) for the whole wait budget ({} s); \
             nothing is known about the mailbox.",
            self.cfg.max_wait_ms / 1000
        );
        self.finish(i, Reason::RateLimited, detail, Some(host.to_string()), None, now);
    }

    /// Starts or doubles the back-off of an MX; returns when it ends.
    fn back_off(&mut self, host: &str, now: Millis) -> Millis {
        // never longer than the whole wait budget: `--max-wait-s 10` bounds a throttled run
        let first = self.cfg.rate_limit_backoff_ms.max(1).min(self.cfg.max_wait_ms.max(1));
        let cap = self.cfg.max_wait_ms.max(first);
        let Some(m) = self.mxs.get_mut(host) else { return now + first };
        m.throttled_since.get_or_insert(now);
        if m.backoff_until <= now {
            m.backoff_ms = if m.backoff_ms == 0 { first } else { (m.backoff_ms * 2).min(cap) };
            m.backoff_until = now + m.backoff_ms;
        }
        m.backoff_until
    }

    /// The banner, EHLO, STARTTLS or MAIL FROM refused the session.
    fn on_session_rejected(&mut self, session: &Session, reply: RcptReply, now: Millis) {
        let host = session.mx.clone();
        let j = judge_rcpt(&reply);
        match j.outcome {
            Outcome::Retry(kind) => {
                let until = match kind {
                    RetryKind::Greylisted { hint_s: Some(s) } => now + s * 1000,
                    _ => self.back_off(&host, now),
                };
                let kind = if matches!(kind, RetryKind::Greylisted { .. }) { kind } else { RetryKind::RateLimited };
                for &i in &session.items {
                    self.items[i].first_rcpt.get_or_insert(now);
                    self.items[i].attempts += 1;
                    self.items[i].last_retry = Some((kind, reply.clone(), host.clone()));
                    self.defer_or_finish(i, until, kind, &host, now);
                }
            }
            other => {
                // A refusal before RCPT is about the session (our client, TLS, the sender), never
                // about a mailbox: an "undeliverable" reading becomes smtp_error.
                let reason = match other {
                    Outcome::Final(r) if r.verdict() != super::model::Verdict::Undeliverable => r,
                    _ => Reason::SmtpError,
                };
                let detail = format!(
                    "{host} refused the session before RCPT with {} {}\"{}\" (rule {}); nothing is known about the mailbox.",
                    reply.code,
                    reply.enhanced.map(|c| format!("{c} ")).unwrap_or_default(),
                    reply.text,
                    j.rule_id()
                );
                for &i in &session.items {
                    self.finish(i, reason, detail.clone(), Some(host.clone()), Some(reply.evidence()), now);
                }
            }
        }
    }

    fn on_accepted(&mut self, i: usize, host: &str, reply: RcptReply, now: Millis) {
        let d = self.items[i].domain;
        if self.items[i].catch_all_probe {
            self.finish_catch_all(d, Some(true), now);
            self.items[i].done = true;
            self.open_items -= 1;
            self.domains[d].open_items -= 1;
            return;
        }
        match self.domains[d].catch_all {
            CatchAll::Pending => {
                self.items[i].accepted = Some((host.to_string(), reply));
                self.domains[d].held.push(i);
            }
            CatchAll::Known(_) => {
                self.items[i].accepted = Some((host.to_string(), reply));
                self.finish_accepted(i, now);
            }
        }
    }

    fn finish_accepted(&mut self, i: usize, now: Millis) {
        let d = self.items[i].domain;
        let Some((host, reply)) = self.items[i].accepted.take() else { return };
        let catch_all = match self.domains[d].catch_all {
            CatchAll::Known(c) => c,
            CatchAll::Pending => None,
        };
        let quoted = format!("{} \"{}\"", reply.code, reply.text);
        let (reason, detail) = if catch_all == Some(true) {
            (
                Reason::CatchAll,
                format!("{host} accepted it ({quoted}) but also accepts a random local part: the domain is catch-all."),
            )
        } else if self.items[i].disposable {
            (Reason::Disposable, format!("{host} accepted it ({quoted}); the domain is a disposable-address service."))
        } else {
            (Reason::MailboxExists, format!("{host} accepted RCPT TO ({quoted})."))
        };
        self.finish(i, reason, detail, Some(host), Some(reply.evidence()), now);
    }

    /// The catch-all probe decided (or could not): release the held addresses.
    fn finish_catch_all(&mut self, d: usize, value: Option<bool>, now: Millis) {
        if self.domains[d].catch_all != CatchAll::Pending {
            return;
        }
        self.domains[d].catch_all = CatchAll::Known(value);
        let held = std::mem::take(&mut self.domains[d].held);
        for i in held {
            self.finish_accepted(i, now);
        }
    }

    /// Records the final answer of item `i` for each of its rows.
    fn finish(
        &mut self,
        i: usize,
        reason: Reason,
        detail: String,
        mx: Option<String>,
        smtp: Option<SmtpEvidence>,
        now: Millis,
    ) {
        if self.items[i].done {
            return;
        }
        self.items[i].done = true;
        self.open_items -= 1;
        let d = self.items[i].domain;
        self.domains[d].open_items -= 1;
        if self.items[i].catch_all_probe {
            let value = match reason {
                Reason::MailboxNotFound | Reason::MailboxDisabled => Some(false),
                _ => None,
            };
            self.finish_catch_all(d, value, now);
            return;
        }
        let catch_all = match self.domains[d].catch_all {
            CatchAll::Known(c) => c,
            CatchAll::Pending => None,
        };
        let it = &mut self.items[i];
        let normalized = it.address.as_ref().map(EmailAddress::normalized);
        let mut r = VerifyResult::new(String::new(), normalized, reason, detail);
        r.mx = mx;
        r.smtp = smtp;
        r.catch_all = catch_all;
        r.disposable = it.disposable;
        r.role = it.role;
        r.free = it.free;
        r.attempts = it.attempts;
        r.duration_ms = it.first_seen.map(|t| now.saturating_sub(t)).unwrap_or(0);
        for (row, given) in std::mem::take(&mut it.rows) {
            let mut each = r.clone();
            each.address = given;
            self.results.push_back((row, each));
        }
        it.result = Some(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::model::Verdict;

    fn reply(w: &str) -> ProbeReply {
        ProbeReply::Reply(RcptReply::from_wire(w).unwrap())
    }

    fn mx(pref: u16, host: &str) -> MxRecord {
        MxRecord { preference: pref, exchange: host.into(), has_address: true }
    }

    fn cfg() -> SchedulerConfig {
        SchedulerConfig {
            max_sessions: 8,
            max_sessions_per_mx: 2,
            rcpts_per_session: 10,
            rcpts_per_batch: 5,
            max_wait_ms: 300_000,
            greylist_retry_ms: 60_000,
            transient_retry_ms: 60_000,
            rate_limit_backoff_ms: 30_000,
            max_attempts: 3,
            ..SchedulerConfig::default()
        }
    }

    fn start(s: &mut Scheduler, now: Millis) -> (u64, String, Vec<Vec<Probe>>) {
        match s.next_action(now) {
            Action::OpenSession { id, mx, batches } => (id, mx, batches),
            other => panic!("expected a session, got {other:?}"),
        }
    }

    fn resolve(s: &mut Scheduler, now: Millis, lookups: &[(&str, MxLookup)]) {
        for _ in 0..lookups.len() {
            match s.next_action(now) {
                Action::ResolveMx { domain } => {
                    let l =
                        lookups.iter().find(|(d, _)| *d == domain).unwrap_or_else(|| panic!("no lookup for {domain}"));
                    s.on_mx(&domain, l.1.clone(), "rnd8k2q", now);
                }
                other => panic!("expected ResolveMx, got {other:?}"),
            }
        }
    }

    fn results(s: &mut Scheduler) -> HashMap<RowId, VerifyResult> {
        s.drain_results().into_iter().collect()
    }

    fn ok_replies(batches: &[Vec<Probe>], mut f: impl FnMut(&Probe) -> ProbeReply) -> Vec<(u64, ProbeReply)> {
        batches.iter().flatten().map(|p| (p.id, f(p))).collect()
    }

    #[test]
    fn syntax_errors_and_duplicates_are_answered_without_probing_twice() {
        let mut s = Scheduler::new(cfg());
        s.add(0, "a..b@example.com");
        s.add(1, "User@Example.com");
        s.add(2, " User@EXAMPLE.com ");
        let r = results(&mut s);
        assert_eq!(r[&0].reason, Reason::Syntax);
        assert_eq!(r[&0].verdict, Verdict::Undeliverable);
        assert!(r[&0].normalized.is_none());
        resolve(&mut s, 0, &[("example.com", MxLookup::Records(vec![mx(10, "mx.example.com")]))]);
        let (id, host, batches) = start(&mut s, 0);
        assert_eq!(host, "mx.example.com");
        let all: Vec<&Probe> = batches.iter().flatten().collect();
        assert_eq!(all.len(), 2, "catch-all probe + one probe for both duplicate rows: {all:?}");
        assert!(all[0].catch_all_probe && all[0].address == "rnd8k2q@example.com");
        let replies = ok_replies(&batches, |p| {
            if p.catch_all_probe { reply("550 5.1.1 User unknown") } else { reply("250 2.1.5 Ok") }
        });
        s.on_session_result(id, SessionResult { end: SessionEnd::Completed, replies }, 100);
        let r = results(&mut s);
        assert_eq!(r.len(), 2);
        assert_eq!(r[&1].address, "User@Example.com");
        assert_eq!(r[&2].address, "User@EXAMPLE.com");
        for row in [1, 2] {
            assert_eq!(r[&row].reason, Reason::MailboxExists);
            assert_eq!(r[&row].verdict, Verdict::Deliverable);
            assert_eq!(r[&row].catch_all, Some(false));
            assert_eq!(r[&row].normalized.as_deref(), Some("User@example.com"));
            assert_eq!(r[&row].mx.as_deref(), Some("mx.example.com"));
            assert_eq!(r[&row].attempts, 1);
        }
        // a duplicate that arrives after the answer gets the same answer, no new probe
        s.add(3, "User@example.com");
        assert_eq!(results(&mut s)[&3].reason, Reason::MailboxExists);
        assert_eq!(s.next_action(200), Action::Done);
    }

    #[test]
    fn dns_outcomes_null_mx_nxdomain_implicit_mx_and_mx_without_address() {
        let mut s = Scheduler::new(cfg());
        for (row, a) in ["a@null.test", "a@nx.test", "a@aonly.test", "a@noaddr.test", "a@nothing.test", "a@fail.test"]
            .iter()
            .enumerate()
        {
            s.add(row as u64, a);
        }
        resolve(
            &mut s,
            0,
            &[
                ("null.test", MxLookup::Records(vec![mx(0, ".")])),
                ("nx.test", MxLookup::NxDomain),
                ("aonly.test", MxLookup::NoMx { domain_has_address: true }),
                (
                    "noaddr.test",
                    MxLookup::Records(vec![MxRecord {
                        preference: 10,
                        exchange: "mx.noaddr.test".into(),
                        has_address: false,
                    }]),
                ),
                ("nothing.test", MxLookup::NoMx { domain_has_address: false }),
                ("fail.test", MxLookup::Failed("SERVFAIL".into())),
            ],
        );
        let r = results(&mut s);
        for row in [0, 1, 3, 4] {
            assert_eq!(r[&row].reason, Reason::NoMailDomain, "row {row}: {}", r[&row].detail);
            assert_eq!(r[&row].verdict, Verdict::Undeliverable);
        }
        assert!(r[&0].detail.contains("RFC 7505"));
        assert_eq!(r[&5].verdict, Verdict::Unknown);
        assert!(!r.contains_key(&2));
        // implicit MX: the domain itself (RFC 5321 §5.1)
        let (_, host, _) = start(&mut s, 0);
        assert_eq!(host, "aonly.test");
    }

    #[test]
    fn catch_all_is_probed_once_per_domain_and_makes_accepted_addresses_risky() {
        let mut s = Scheduler::new(cfg());
        s.add(0, "a@ca.test");
        s.add(1, "b@ca.test");
        s.add(2, "c@ca.test");
        resolve(&mut s, 0, &[("ca.test", MxLookup::Records(vec![mx(10, "mx.ca.test")]))]);
        let (id, _, batches) = start(&mut s, 0);
        let probes: Vec<&Probe> = batches.iter().flatten().collect();
        assert_eq!(probes.iter().filter(|p| p.catch_all_probe).count(), 1);
        let replies = ok_replies(&batches, |_| reply("250 2.1.5 Ok"));
        s.on_session_result(id, SessionResult { end: SessionEnd::Completed, replies }, 10);
        let r = results(&mut s);
        assert_eq!(r.len(), 3);
        for v in r.values() {
            assert_eq!((v.verdict, v.reason, v.catch_all), (Verdict::Risky, Reason::CatchAll, Some(true)));
        }
        assert_eq!(s.next_action(20), Action::Done);
    }

    #[test]
    fn accepted_addresses_wait_for_a_greylisted_catch_all_probe() {
        let mut s = Scheduler::new(cfg());
        s.add(0, "a@g.test");
        resolve(&mut s, 0, &[("g.test", MxLookup::Records(vec![mx(10, "mx.g.test")]))]);
        let (id, _, batches) = start(&mut s, 0);
        let replies = ok_replies(&batches, |p| {
            if p.catch_all_probe { reply("450 4.7.1 Greylisted, try again in 30 seconds") } else { reply("250 Ok") }
        });
        s.on_session_result(id, SessionResult { end: SessionEnd::Completed, replies }, 1_000);
        assert!(results(&mut s).is_empty(), "held until the catch-all probe decides");
        assert_eq!(s.next_action(1_000), Action::WaitUntil(31_000), "the server's hint");
        let (id, _, batches) = start(&mut s, 31_000);
        assert!(batches[0][0].catch_all_probe);
        s.on_session_result(
            id,
            SessionResult { end: SessionEnd::Completed, replies: ok_replies(&batches, |_| reply("550 5.1.1 no")) },
            31_500,
        );
        let r = results(&mut s);
        assert_eq!((r[&0].reason, r[&0].catch_all), (Reason::MailboxExists, Some(false)));
        assert_eq!(r[&0].duration_ms, 31_500);
    }

    #[test]
    fn greylisting_retries_after_the_hint_while_other_addresses_proceed_and_gives_up_at_max_wait() {
        let mut s = Scheduler::new(SchedulerConfig {
            max_wait_ms: 150_000,
            rcpts_per_session: 2,
            max_sessions_per_mx: 1,
            ..cfg()
        });
        s.add(0, "grey@d.test");
        s.add(1, "other@d.test");
        s.add(2, "late@d.test");
        resolve(&mut s, 0, &[("d.test", MxLookup::Records(vec![mx(10, "mx.d.test")]))]);
        let (id, _, batches) = start(&mut s, 0);
        let addrs: Vec<String> = batches.iter().flatten().map(|p| p.address.clone()).collect();
        assert_eq!(addrs, ["rnd8k2q@d.test", "grey@d.test"], "rcpts_per_session bounds the session");
        let grey = |p: &Probe| {
            if p.catch_all_probe {
                reply("550 5.1.1 no")
            } else {
                reply("450 4.7.1 Greylisted, try again in 60 seconds")
            }
        };
        s.on_session_result(id, SessionResult { end: SessionEnd::Completed, replies: ok_replies(&batches, grey) }, 0);
        // the others go on meanwhile
        let (id, _, batches) = start(&mut s, 1);
        let addrs: Vec<String> = batches.iter().flatten().map(|p| p.address.clone()).collect();
        assert_eq!(addrs, ["other@d.test", "late@d.test"]);
        s.on_session_result(
            id,
            SessionResult { end: SessionEnd::Completed, replies: ok_replies(&batches, |_| reply("250 ok")) },
            2,
        );
        assert_eq!(results(&mut s).len(), 2);
        assert_eq!(s.next_action(2), Action::WaitUntil(60_000));
        // still greylisted at 60 s; the next hint (60 s) stays inside the 150 s budget
        let (id, _, batches) = start(&mut s, 60_000);
        s.on_session_result(
            id,
            SessionResult { end: SessionEnd::Completed, replies: ok_replies(&batches, grey) },
            60_000,
        );
        assert_eq!(s.next_action(60_000), Action::WaitUntil(120_000));
        // past the budget: greylisted, unknown, never undeliverable
        let (id, _, batches) = start(&mut s, 120_000);
        s.on_session_result(
            id,
            SessionResult { end: SessionEnd::Completed, replies: ok_replies(&batches, grey) },
            120_000,
        );
        let r = results(&mut s);
        assert_eq!((r[&0].verdict, r[&0].reason, r[&0].attempts), (Verdict::Unknown, Reason::Greylisted, 3));
        assert_eq!(r[&0].smtp.as_ref().map(|e| e.code), Some(450));
        assert_eq!(s.next_action(120_000), Action::Done);
    }

    #[test]
    fn rate_limit_421_backs_off_that_mx_only() {
        let mut s = Scheduler::new(cfg());
        s.add(0, "a@slow.test");
        s.add(1, "b@fast.test");
        resolve(
            &mut s,
            0,
            &[
                ("slow.test", MxLookup::Records(vec![mx(10, "mx.slow.test")])),
                ("fast.test", MxLookup::Records(vec![mx(10, "mx.fast.test")])),
            ],
        );
        let (id_slow, host, batches) = start(&mut s, 0);
        assert_eq!(host, "mx.slow.test");
        let first = batches[0][0].id;
        // 421 on the first RCPT: the server closes; the rest were not answered
        s.on_session_result(
            id_slow,
            SessionResult {
                end: SessionEnd::Completed,
                replies: vec![(first, reply("421 4.7.0 Too many connections from your IP"))],
            },
            0,
        );
        let (id_fast, host, batches) = start(&mut s, 0);
        assert_eq!(host, "mx.fast.test", "the other MX is not held back");
        s.on_session_result(
            id_fast,
            SessionResult { end: SessionEnd::Completed, replies: ok_replies(&batches, |_| reply("550 5.1.1 x")) },
            5,
        );
        assert_eq!(results(&mut s)[&1].reason, Reason::MailboxNotFound);
        assert_eq!(s.next_action(5), Action::WaitUntil(30_000));
        // a second 421 doubles the back-off
        let (id, _, batches) = start(&mut s, 30_000);
        s.on_session_result(
            id,
            SessionResult {
                end: SessionEnd::Rejected(RcptReply::from_wire("421 4.7.0 Try later").unwrap()),
                replies: vec![],
            },
            30_000,
        );
        assert_eq!(s.next_action(30_000), Action::WaitUntil(90_000));
        let (id, _, batches2) = start(&mut s, 90_000);
        assert_eq!(batches2.iter().flatten().count(), batches.iter().flatten().count());
        s.on_session_result(
            id,
            SessionResult {
                end: SessionEnd::Completed,
                replies: ok_replies(
                    &batches2,
                    |p| if p.catch_all_probe { reply("550 5.1.1 no") } else { reply("250 ok") },
                ),
            },
            90_001,
        );
        let r = results(&mut s);
        assert_eq!(r[&0].reason, Reason::MailboxExists);
    }

    #[test]
    fn rate_limit_that_outlasts_the_budget_is_rate_limited_not_a_verdict() {
        let mut s = Scheduler::new(SchedulerConfig { max_wait_ms: 40_000, ..cfg() });
        s.add(0, "a@rl.test");
        resolve(&mut s, 0, &[("rl.test", MxLookup::Records(vec![mx(10, "mx.rl.test")]))]);
        let mut now = 0;
        loop {
            match s.next_action(now) {
                Action::OpenSession { id, batches, .. } => s.on_session_result(
                    id,
                    SessionResult {
                        end: SessionEnd::Completed,
                        replies: ok_replies(&batches, |_| reply("421 4.7.0 too many connections")),
                    },
                    now,
                ),
                Action::WaitUntil(t) => now = t,
                Action::Done => break,
                other => panic!("{other:?}"),
            }
            assert!(now < 1_000_000, "must terminate");
        }
        let r = results(&mut s);
        assert_eq!((r[&0].verdict, r[&0].reason), (Verdict::Unknown, Reason::RateLimited));
    }

    #[test]
    fn too_many_recipients_continues_in_a_new_session_and_learns_the_limit() {
        let mut s = Scheduler::new(SchedulerConfig { rcpts_per_session: 10, rcpts_per_batch: 4, ..cfg() });
        for k in 0..7 {
            s.add(k, &format!("u{k}@many.test"));
        }
        resolve(&mut s, 0, &[("many.test", MxLookup::Records(vec![mx(10, "mx.many.test")]))]);
        let (id, _, batches) = start(&mut s, 0);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4], "RCPT batches (RSET between)");
        let probes: Vec<Probe> = batches.into_iter().flatten().collect();
        let replies: Vec<(u64, ProbeReply)> = probes
            .iter()
            .enumerate()
            .map(|(k, p)| {
                (p.id, if k < 3 { reply("550 5.1.1 unknown") } else { reply("452 4.5.3 Error: too many recipients") })
            })
            .collect();
        s.on_session_result(id, SessionResult { end: SessionEnd::Completed, replies }, 0);
        assert_eq!(results(&mut s).len(), 2, "catch-all probe + two addresses answered");
        // no waiting: a new session at once, at most 3 RCPTs now
        let (id, _, batches) = start(&mut s, 0);
        assert_eq!(batches.iter().flatten().count(), 3, "learned limit: 3 RCPTs were answered before the 452");
        s.on_session_result(
            id,
            SessionResult { end: SessionEnd::Completed, replies: ok_replies(&batches, |_| reply("550 5.1.1 x")) },
            1,
        );
        // the second session left 5 - 3 = 2 addresses: one more session
        loop {
            match s.next_action(2) {
                Action::OpenSession { id, batches, .. } => {
                    assert!(batches.iter().flatten().count() <= 3);
                    s.on_session_result(
                        id,
                        SessionResult {
                            end: SessionEnd::Completed,
                            replies: ok_replies(&batches, |_| reply("550 5.1.1 x")),
                        },
                        2,
                    )
                }
                Action::Done => break,
                other => panic!("{other:?}"),
            }
        }
        let r = results(&mut s);
        assert_eq!(r.len(), 5);
        assert!(r.values().all(|v| v.reason == Reason::MailboxNotFound && v.attempts == 1), "{r:?}");
    }

    #[test]
    fn sessions_per_mx_are_bounded() {
        let mut s = Scheduler::new(SchedulerConfig { rcpts_per_session: 5, max_sessions_per_mx: 2, ..cfg() });
        for k in 0..30 {
            s.add(k, &format!("u{k}@big.test"));
        }
        resolve(&mut s, 0, &[("big.test", MxLookup::Records(vec![mx(10, "mx.big.test")]))]);
        let (a, _, _) = start(&mut s, 0);
        let (_b, _, _) = start(&mut s, 0);
        assert_eq!(s.next_action(0), Action::AwaitResults, "two sessions to one MX at most");
        s.on_session_result(
            a,
            SessionResult { end: SessionEnd::Failed { reason: Reason::Timeout, detail: "x".into() }, replies: vec![] },
            1,
        );
        assert!(matches!(s.next_action(1), Action::OpenSession { .. }));
    }

    #[test]
    fn refused_primary_falls_back_to_the_next_mx_by_preference_and_all_refused_is_unknown() {
        let mut s = Scheduler::new(cfg());
        s.add(0, "a@fb.test");
        s.add(1, "a@dead.test");
        resolve(
            &mut s,
            0,
            &[
                ("fb.test", MxLookup::Records(vec![mx(20, "mx2.fb.test"), mx(10, "mx1.fb.test")])),
                ("dead.test", MxLookup::Records(vec![mx(10, "mx.dead.test")])),
            ],
        );
        let mut opened = Vec::new();
        let mut now = 0;
        loop {
            match s.next_action(now) {
                Action::OpenSession { id, mx, batches } => {
                    opened.push(mx.clone());
                    let end = if mx == "mx2.fb.test" { SessionEnd::Completed } else { SessionEnd::Refused };
                    let replies = if mx == "mx2.fb.test" {
                        ok_replies(
                            &batches,
                            |p| if p.catch_all_probe { reply("550 5.1.1 no") } else { reply("250 ok") },
                        )
                    } else {
                        vec![]
                    };
                    s.on_session_result(id, SessionResult { end, replies }, now);
                }
                Action::Done => break,
                Action::WaitUntil(t) => now = t,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(opened.iter().position(|h| h == "mx1.fb.test"), Some(0), "preference 10 first: {opened:?}");
        assert!(opened.contains(&"mx2.fb.test".to_string()));
        let r = results(&mut s);
        assert_eq!((r[&0].reason, r[&0].mx.as_deref()), (Reason::MailboxExists, Some("mx2.fb.test")));
        assert_eq!((r[&1].verdict, r[&1].reason), (Verdict::Unknown, Reason::SmtpError));
    }

    #[test]
    fn a_host_that_keeps_throttling_ends_within_the_wait_budget_not_one_address_per_back_off() {
        let max_wait = 8_000;
        let mut s = Scheduler::new(SchedulerConfig { max_wait_ms: max_wait, ..cfg() });
        for k in 0..40 {
            s.add(k, &format!("u{k}@slow.test"));
        }
        resolve(&mut s, 0, &[("slow.test", MxLookup::Records(vec![mx(10, "mx.slow.test")]))]);
        let mut now = 0;
        loop {
            match s.next_action(now) {
                Action::OpenSession { id, batches, .. } => {
                    // 421 to the first RCPT, then the channel is closed
                    let first = batches[0][0].id;
                    let replies = vec![(first, reply("421 4.7.0 Too many connections from your IP"))];
                    let end = SessionEnd::Failed { reason: Reason::SmtpError, detail: "closed".into() };
                    s.on_session_result(id, SessionResult { end, replies }, now);
                }
                Action::WaitUntil(t) => now = t,
                Action::Done => break,
                other => panic!("{other:?}"),
            }
            assert!(now <= 3 * max_wait, "still going at {now} ms");
        }
        let r = results(&mut s);
        assert_eq!(r.len(), 40);
        assert!(r.values().all(|x| x.reason == Reason::RateLimited && x.verdict == Verdict::Unknown));
    }

    #[test]
    fn an_mx_the_driver_may_not_contact_answers_its_domain_at_once_with_why() {
        let mut s = Scheduler::new(cfg());
        s.add(0, "a@private.test");
        resolve(&mut s, 0, &[("private.test", MxLookup::Records(vec![mx(10, "mx.private.test")]))]);
        let mut sessions = 0;
        loop {
            match s.next_action(0) {
                Action::OpenSession { id, .. } => {
                    sessions += 1;
                    let end = SessionEnd::NotAllowed("10.1.2.3 is private".into());
                    s.on_session_result(id, SessionResult { end, replies: vec![] }, 0);
                }
                Action::Done => break,
                other => panic!("no wait, no retry: {other:?}"),
            }
        }
        assert_eq!(sessions, 1);
        let r = results(&mut s);
        assert_eq!((r[&0].verdict, r[&0].reason), (Verdict::Unknown, Reason::SmtpError));
        assert!(r[&0].detail.contains("10.1.2.3 is private"), "{}", r[&0].detail);
    }

    #[test]
    fn session_level_refusals_are_never_a_verdict_about_the_mailbox() {
        for (wire, want) in [
            ("554 5.7.1 Service unavailable; client [127.0.0.1] listed at bl.test", Reason::Blocked),
            ("550 5.1.1 Sender address rejected: not owned by user", Reason::SmtpError),
            ("530 5.7.0 Must issue a STARTTLS command first", Reason::TlsRequired),
        ] {
            let mut s = Scheduler::new(cfg());
            s.add(0, "a@b.test");
            resolve(&mut s, 0, &[("b.test", MxLookup::Records(vec![mx(10, "mx.b.test")]))]);
            let (id, _, _) = start(&mut s, 0);
            s.on_session_result(
                id,
                SessionResult { end: SessionEnd::Rejected(RcptReply::from_wire(wire).unwrap()), replies: vec![] },
                0,
            );
            let r = results(&mut s);
            assert_eq!((r[&0].verdict, r[&0].reason), (Verdict::Unknown, want), "{wire}");
            assert_eq!(r[&0].catch_all, None);
            assert_eq!(s.next_action(0), Action::Done);
        }
    }

    #[test]
    fn rcpt_level_block_and_smtputf8_and_transient_exhaustion() {
        let mut s = Scheduler::new(cfg());
        s.add(0, "blocked@p.test");
        s.add(1, "δοκιμή@p.test");
        s.add(2, "flaky@p.test");
        resolve(&mut s, 0, &[("p.test", MxLookup::Records(vec![mx(10, "mx.p.test")]))]);
        let mut now = 0;
        let mut utf8_flags = HashMap::new();
        loop {
            match s.next_action(now) {
                Action::OpenSession { id, batches, .. } => {
                    let replies = ok_replies(&batches, |p| {
                        utf8_flags.insert(p.address.clone(), p.needs_smtputf8);
                        match p.address.split('@').next().unwrap() {
                            "blocked" => reply("550 5.7.1 Client host [127.0.0.1] blocked using bl.test"),
                            "flaky" => reply("451 4.3.0 Temporary lookup failure"),
                            _ if p.needs_smtputf8 => ProbeReply::Smtputf8Unsupported,
                            _ => reply("550 5.1.1 no"),
                        }
                    });
                    s.on_session_result(id, SessionResult { end: SessionEnd::Completed, replies }, now);
                }
                Action::WaitUntil(t) => now = t,
                Action::Done => break,
                other => panic!("{other:?}"),
            }
        }
        let r = results(&mut s);
        assert_eq!((r[&0].verdict, r[&0].reason), (Verdict::Unknown, Reason::Blocked));
        assert_eq!(r[&1].reason, Reason::Smtputf8Unsupported);
        assert_eq!(utf8_flags.get("δοκιμή@p.test"), Some(&true));
        assert_eq!((r[&2].verdict, r[&2].reason, r[&2].attempts), (Verdict::Unknown, Reason::SmtpError, 3));
    }

    #[test]
    fn no_smtp_mode_answers_from_dns_and_lists_only() {
        let mut s = Scheduler::new(SchedulerConfig { smtp: false, ..cfg() });
        s.add(0, "a@ok.test");
        s.add(1, "x@mailinator.com");
        resolve(
            &mut s,
            0,
            &[
                ("ok.test", MxLookup::Records(vec![mx(10, "mx.ok.test")])),
                ("mailinator.com", MxLookup::Records(vec![mx(10, "mail.mailinator.com")])),
            ],
        );
        let r = results(&mut s);
        assert_eq!((r[&0].verdict, r[&0].reason), (Verdict::Unknown, Reason::MailboxNotChecked));
        assert_eq!((r[&1].verdict, r[&1].reason, r[&1].disposable), (Verdict::Risky, Reason::Disposable, true));
        // a later row on a decided domain is answered at once
        s.add(2, "b@ok.test");
        assert_eq!(results(&mut s)[&2].reason, Reason::MailboxNotChecked);
        assert_eq!(s.next_action(1), Action::Done);
    }
}
