//! Abuse limits: per-client token buckets (429 + Retry-After), server-wide concurrency caps
//! per kind of work (503 when the queue wait runs out), per-client slots (connections, SMTP
//! probes), and a per-target cooldown keyed by resolved address so the server cannot be used
//! to hammer one mail server. Every map here is bounded.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Default number of clients a limiter remembers.
#[cfg(test)]
const DEFAULT_TRACKED: usize = 100_000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A map bounded to `cap` entries with O(1) amortized eviction: two generations, the current
/// one and the previous one. A hit in the previous generation moves the entry to the
/// current one; when the current generation holds `cap / 2` entries the previous one is
/// dropped whole and the current one becomes the previous. What goes first is what was
/// touched least recently, and no insert scans the map (no 100k-entry `retain` under a mutex).
#[derive(Debug)]
pub(crate) struct BoundedMap<K, V> {
    half: usize,
    current: HashMap<K, V>,
    previous: HashMap<K, V>,
}

impl<K: Eq + Hash, V> BoundedMap<K, V> {
    /// A map holding at most `cap` entries (at least 2).
    pub(crate) fn new(cap: usize) -> Self {
        BoundedMap { half: (cap / 2).max(1), current: HashMap::new(), previous: HashMap::new() }
    }

    /// Entries held (both generations).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    /// The entry of `key`, created with `make` when absent; marks it recently used.
    pub(crate) fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        if !self.current.contains_key(&key) {
            let rescued = self.previous.remove(&key);
            if self.current.len() >= self.half {
                self.previous = std::mem::take(&mut self.current);
            }
            return self.current.entry(key).or_insert_with(|| rescued.unwrap_or_else(make));
        }
        self.current.entry(key).or_insert_with(make)
    }

    /// The entry of `key`, if held (does not mark it used).
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.current.get(key).or_else(|| self.previous.get(key))
    }

    /// Removes the entry of `key`.
    pub(crate) fn remove(&mut self, key: &K) -> Option<V> {
        self.current.remove(key).or_else(|| self.previous.remove(key))
    }

    /// Inserts or replaces the entry of `key`.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        if !self.current.contains_key(&key) {
            self.previous.remove(&key);
            if self.current.len() >= self.half {
                self.previous = std::mem::take(&mut self.current);
            }
        }
        self.current.insert(key, value);
    }
}

/// Parses `ADDR` or `ADDR/LEN` (a CIDR). `None` when malformed.
pub(crate) fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let s = s.trim();
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (s, None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let len = len.unwrap_or(max);
    (len <= max).then_some((ip.to_canonical(), len))
}

/// Whether `ip` is inside the CIDR `(net, len)` (IPv4-mapped IPv6 counts as IPv4).
pub(crate) fn cidr_contains(net: (IpAddr, u8), ip: IpAddr) -> bool {
    match (net.0, ip.to_canonical()) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = if net.1 == 0 { 0 } else { u32::MAX << (32 - u32::from(net.1)) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = if net.1 == 0 { 0 } else { u128::MAX << (128 - u32::from(net.1)) };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// The identity a client is limited by: IPv4 addresses as they are (IPv4-mapped IPv6 is
/// unwrapped), IPv6 addresses cut to their first `v6_prefix` bits — one /64 is one
/// subscriber, and counting it as 2^64 clients would make every per-client limit void.
pub(crate) fn client_key(ip: IpAddr, v6_prefix: u8) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let p = u32::from(v6_prefix.min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

/// A token bucket per client address. `per_minute == 0` disables it. At most `capacity`
/// clients are remembered; the least recently seen are forgotten first (a forgotten client
/// starts again with a full bucket, which is what an idle client would have anyway).
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<BoundedMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A limiter refilling `per_minute` tokens per minute, holding at most `burst` (at least 1).
    #[cfg(test)]
    pub(crate) fn new(per_minute: u32, burst: u32) -> Self {
        Self::with_capacity(per_minute, burst, DEFAULT_TRACKED)
    }

    /// Same, remembering at most `capacity` clients.
    pub(crate) fn with_capacity(per_minute: u32, burst: u32, capacity: usize) -> Self {
        RateLimiter {
            per_sec: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(BoundedMap::new(capacity)),
        }
    }

    /// Whether this limiter limits anything.
    pub(crate) fn enabled(&self) -> bool {
        self.per_sec > 0.0
    }

    /// Clients remembered right now.
    #[cfg(test)]
    pub(crate) fn tracked(&self) -> usize {
        lock(&self.buckets).len()
    }

    /// Takes `cost` tokens for `client` at `now`; `Err(retry_after)` when the bucket is short.
    pub(crate) fn check(&self, client: IpAddr, cost: u32, now: Instant) -> Result<(), Duration> {
        if !self.enabled() {
            return Ok(());
        }
        let cost = f64::from(cost.max(1)).min(self.burst);
        let mut map = lock(&self.buckets);
        let burst = self.burst;
        let b = map.get_or_insert_with(client, || Bucket { tokens: burst, last: now });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_sec).min(self.burst);
        b.last = now;
        if b.tokens >= cost {
            b.tokens -= cost;
            Ok(())
        } else {
            let wait = (cost - b.tokens) / self.per_sec;
            Err(Duration::from_secs_f64(wait.clamp(1.0, 3600.0)))
        }
    }

    /// Whether `client` has less than one token at `now`, without taking any:
    /// `Some(retry_after)` when it has run dry.
    pub(crate) fn exhausted(&self, client: IpAddr, now: Instant) -> Option<Duration> {
        if !self.enabled() {
            return None;
        }
        let map = lock(&self.buckets);
        let b = map.get(&client)?;
        let tokens = (b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * self.per_sec).min(self.burst);
        (tokens < 1.0).then(|| Duration::from_secs_f64(((1.0 - tokens) / self.per_sec).clamp(1.0, 3600.0)))
    }
}

/// A per-client count of things held at once (open connections, running probes), each
/// released when its [`ClientSlot`] is dropped. Only clients holding something are in the
/// map, so it is bounded by what the server-wide caps let in.
#[derive(Debug, Clone)]
pub(crate) struct ClientSlots {
    cap: usize,
    held: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One slot of a [`ClientSlots`]; released on drop.
#[derive(Debug)]
pub(crate) struct ClientSlot {
    key: IpAddr,
    held: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl ClientSlots {
    /// At most `cap` (at least 1) slots per client.
    pub(crate) fn new(cap: usize) -> Self {
        ClientSlots { cap: cap.max(1), held: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// Takes a slot for `key`; `None` when it already holds `cap`.
    pub(crate) fn try_acquire(&self, key: IpAddr) -> Option<ClientSlot> {
        let mut m = lock(&self.held);
        let n = m.entry(key).or_insert(0);
        if *n >= self.cap {
            return None;
        }
        *n += 1;
        Some(ClientSlot { key, held: self.held.clone() })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut m = lock(&self.held);
        if let Some(n) = m.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.key);
            }
        }
    }
}

/// The kinds of work with their own concurrency cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// SMTP probes.
    Smtp,
    /// DNSBL lookups.
    Dnsbl,
    /// Message analyses.
    Analyze,
    /// Domain checks (and MTA-STS fetches).
    Domain,
    /// Forwarded DoH queries.
    Doh,
    /// Bounce explanations.
    Explain,
    /// Mailbox verification requests (`/api/verify`).
    Verify,
    /// Lists being uploaded and checked for a verification job (each holds its body in memory).
    VerifyUpload,
}

impl Kind {
    /// Label used in metrics and messages.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Smtp => "smtp",
            Kind::Dnsbl => "dnsbl",
            Kind::Analyze => "analyze",
            Kind::Domain => "domain",
            Kind::Doh => "doh",
            Kind::Explain => "explain-bounce",
            Kind::Verify => "verify",
            Kind::VerifyUpload => "verification job upload",
        }
    }
}

/// Server-wide concurrency caps, one semaphore per [`Kind`].
#[derive(Debug)]
pub(crate) struct Concurrency {
    caps: HashMap<Kind, Arc<Semaphore>>,
    wait: Duration,
}

impl Concurrency {
    /// Caps from the configuration; `wait` is how long a request queues for a slot.
    pub(crate) fn new(caps: &[(Kind, usize)], wait: Duration) -> Self {
        Concurrency { caps: caps.iter().map(|(k, n)| (*k, Arc::new(Semaphore::new((*n).max(1))))).collect(), wait }
    }

    /// Waits (at most the configured queue time) for a slot of `kind`; `None` = server busy.
    pub(crate) async fn acquire(&self, kind: Kind) -> Option<OwnedSemaphorePermit> {
        let sem = self.caps.get(&kind)?.clone();
        match tokio::time::timeout(self.wait, sem.acquire_owned()).await {
            Ok(Ok(permit)) => Some(permit),
            _ => None,
        }
    }
}

/// The per-target cooldown of SMTP probes, keyed by the addresses a request resolves to
/// (normalized: `::ffff:a.b.c.d` is `a.b.c.d`), not by the text of the request — so aliases
/// (`a1…aN.evil.test` → one IP, `[ip]` vs `ip`) are one target. A request *reserves* its
/// addresses before it probes, so concurrent requests cannot slip past each other.
///
/// - An identical request (same parameters) within the cooldown gets the cached report,
///   whoever asks.
/// - The same client asking again about one of those addresses with other parameters is
///   refused until the cooldown ends.
/// - Other clients are not locked out by someone else's probe: the server-wide session
///   budget per address (`host_sessions_per_minute`) is what protects the target from them.
#[derive(Debug)]
pub(crate) struct Cooldown<V> {
    period: Duration,
    state: Mutex<CooldownState<V>>,
}

#[derive(Debug)]
struct CooldownState<V> {
    /// Last finished probe per target address.
    results: BoundedMap<IpAddr, Finished<V>>,
    /// When each (client, target address) pair was last reserved.
    recent: BoundedMap<(IpAddr, IpAddr), Instant>,
}

#[derive(Debug)]
struct Finished<V> {
    at: Instant,
    request_key: String,
    /// `None` when the report was too large to keep.
    value: Option<Arc<V>>,
}

/// What the cooldown says about a new request.
#[derive(Debug, PartialEq)]
pub(crate) enum CooldownCheck<V> {
    /// Go ahead; hand the reservation back to [`Cooldown::complete`] with the result.
    Free(Reservation),
    /// Identical request within the cooldown: here is its result.
    Cached(V),
    /// This client probed one of these addresses recently; try again after this long.
    Busy(Duration),
}

/// The addresses a request reserved.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Reservation {
    targets: Vec<IpAddr>,
    request_key: String,
}

/// The normalized set of target addresses: IPv4-mapped IPv6 unwrapped, sorted, deduplicated.
pub(crate) fn normalize_targets(addrs: impl IntoIterator<Item = IpAddr>) -> Vec<IpAddr> {
    let mut v: Vec<IpAddr> = addrs.into_iter().map(|ip| ip.to_canonical()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl<V: Clone> Cooldown<V> {
    /// A cooldown of `period` (zero disables it) remembering at most `capacity` addresses.
    pub(crate) fn new(period: Duration, capacity: usize) -> Self {
        Cooldown {
            period,
            state: Mutex::new(CooldownState { results: BoundedMap::new(capacity), recent: BoundedMap::new(capacity) }),
        }
    }

    /// Checks and, when free, reserves `targets` for `client`'s request `request_key`.
    pub(crate) fn reserve(
        &self,
        client: IpAddr,
        targets: &[IpAddr],
        request_key: &str,
        now: Instant,
    ) -> CooldownCheck<V> {
        let targets = normalize_targets(targets.iter().copied());
        let free = |targets| CooldownCheck::Free(Reservation { targets, request_key: request_key.to_string() });
        if self.period.is_zero() || targets.is_empty() {
            return free(targets);
        }
        let period = self.period;
        let fresh = |t: Instant| now.saturating_duration_since(t) < period;
        let mut st = lock(&self.state);
        // Identical request, every address finished within the cooldown: the cached report.
        let mut cached = None;
        for t in &targets {
            match st.results.get(t) {
                Some(f) if fresh(f.at) && f.request_key == request_key && f.value.is_some() => {
                    cached = cached.or_else(|| f.value.clone());
                }
                _ => {
                    cached = None;
                    break;
                }
            }
        }
        if let Some(v) = cached {
            return CooldownCheck::Cached((*v).clone());
        }
        let client = client.to_canonical();
        let mut wait = Duration::ZERO;
        for t in &targets {
            if let Some(at) = st.recent.get(&(client, *t))
                && fresh(*at)
            {
                wait = wait.max(period.saturating_sub(now.saturating_duration_since(*at)));
            }
        }
        if !wait.is_zero() {
            return CooldownCheck::Busy(wait.max(Duration::from_secs(1)));
        }
        for t in &targets {
            st.recent.insert((client, *t), now);
        }
        drop(st);
        free(targets)
    }

    /// Hands a reservation back unused (the probe never dialled: refused, busy).
    pub(crate) fn cancel(&self, client: IpAddr, reservation: Reservation) {
        let client = client.to_canonical();
        let mut st = lock(&self.state);
        for t in reservation.targets {
            st.recent.remove(&(client, t));
        }
    }

    /// Records the result of a reserved probe; a report of more than `max_bytes` is not kept
    /// (the reservation still counts).
    pub(crate) fn complete(
        &self,
        reservation: Reservation,
        value: V,
        size_bytes: usize,
        max_bytes: usize,
        now: Instant,
    ) {
        if self.period.is_zero() || reservation.targets.is_empty() {
            return;
        }
        let value = (size_bytes <= max_bytes).then(|| Arc::new(value));
        let mut st = lock(&self.state);
        for t in reservation.targets {
            st.results
                .insert(t, Finished { at: now, request_key: reservation.request_key.clone(), value: value.clone() });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_then_refills() {
        let rl = RateLimiter::new(60, 3);
        let c: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check(c, 1, t0).is_ok());
        }
        let retry = rl.check(c, 1, t0).unwrap_err();
        assert!(retry >= Duration::from_secs(1));
        assert!(rl.check(other, 1, t0).is_ok(), "buckets are per client");
        assert!(rl.check(c, 1, t0 + Duration::from_secs(2)).is_ok(), "refilled at 1/s");
        assert!(RateLimiter::new(0, 0).check(c, 100, t0).is_ok(), "0 disables");
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cooldown_keys_by_address_and_reserves_before_probing() {
        let cd: Cooldown<u32> = Cooldown::new(Duration::from_secs(60), 1000);
        let t0 = Instant::now();
        let alice = ip("192.0.2.7");
        let bob = ip("192.0.2.8");
        let mx = [ip("198.51.100.25")];
        let CooldownCheck::Free(r) = cd.reserve(alice, &mx, "a", t0) else { panic!("first request is free") };
        // A concurrent request of the same client, through an alias or the mapped form, is refused
        // before the first one finished.
        assert!(matches!(cd.reserve(alice, &[ip("::ffff:198.51.100.25")], "alias", t0), CooldownCheck::Busy(_)));
        cd.complete(r, 7, 10, 100, t0);
        assert_eq!(cd.reserve(bob, &mx, "a", t0 + Duration::from_secs(5)), CooldownCheck::Cached(7));
        assert!(matches!(cd.reserve(alice, &mx, "b", t0 + Duration::from_secs(5)), CooldownCheck::Busy(_)));
        // Another client is not locked out by alice's probe (the per-address budget guards the target).
        assert!(matches!(cd.reserve(bob, &mx, "b", t0 + Duration::from_secs(5)), CooldownCheck::Free(_)));
        assert!(matches!(cd.reserve(alice, &mx, "b", t0 + Duration::from_secs(61)), CooldownCheck::Free(_)));
    }

    #[test]
    fn oversized_reports_are_not_cached() {
        let cd: Cooldown<u32> = Cooldown::new(Duration::from_secs(60), 1000);
        let t0 = Instant::now();
        let mx = [ip("198.51.100.25")];
        let CooldownCheck::Free(r) = cd.reserve(ip("192.0.2.7"), &mx, "a", t0) else { panic!() };
        cd.complete(r, 7, 5_000_000, 100, t0);
        assert!(matches!(cd.reserve(ip("192.0.2.8"), &mx, "a", t0), CooldownCheck::Free(_)));
    }

    #[test]
    fn bounded_map_evicts_without_scanning() {
        let rl = RateLimiter::with_capacity(60, 3, 1000);
        let t0 = Instant::now();
        for i in 0..100_000u32 {
            let _ = rl.check(IpAddr::V4(std::net::Ipv4Addr::from(i)), 1, t0);
        }
        assert!(rl.tracked() <= 1000, "{}", rl.tracked());
        // A recently seen client keeps its (empty) bucket.
        let c = ip("203.0.113.9");
        for _ in 0..3 {
            rl.check(c, 1, t0).unwrap();
        }
        for i in 0..400u32 {
            let _ = rl.check(IpAddr::V4(std::net::Ipv4Addr::from(i)), 1, t0);
        }
        assert!(rl.check(c, 1, t0).is_err());
    }

    #[test]
    fn client_keys_and_cidrs() {
        assert_eq!(client_key(ip("2001:db8:1:2:3:4:5:6"), 64), ip("2001:db8:1:2::"));
        assert_eq!(client_key(ip("2001:db8:1:2:ffff::1"), 64), client_key(ip("2001:db8:1:2::9"), 64));
        assert_eq!(client_key(ip("::ffff:192.0.2.1"), 64), ip("192.0.2.1"));
        let net = parse_cidr("10.0.0.0/8").unwrap();
        assert!(cidr_contains(net, ip("10.9.9.9")));
        assert!(cidr_contains(net, ip("::ffff:10.9.9.9")));
        assert!(!cidr_contains(net, ip("11.0.0.1")));
        assert!(cidr_contains(parse_cidr("::1").unwrap(), ip("::1")));
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("nope").is_none());
    }

    #[test]
    fn client_slots_cap_and_release() {
        let s = ClientSlots::new(2);
        let c = ip("192.0.2.1");
        let a = s.try_acquire(c).unwrap();
        let _b = s.try_acquire(c).unwrap();
        assert!(s.try_acquire(c).is_none());
        assert!(s.try_acquire(ip("192.0.2.2")).is_some());
        drop(a);
        assert!(s.try_acquire(c).is_some());
    }

    #[tokio::test]
    async fn concurrency_cap_times_out() {
        let c = Concurrency::new(&[(Kind::Smtp, 1)], Duration::from_millis(20));
        let held = c.acquire(Kind::Smtp).await;
        assert!(held.is_some());
        assert!(c.acquire(Kind::Smtp).await.is_none());
        drop(held);
        assert!(c.acquire(Kind::Smtp).await.is_some());
    }
}
