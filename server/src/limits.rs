//! Abuse limits: per-client token buckets (429 + Retry-After), server-wide concurrency caps
//! per kind of work (503 when the queue wait runs out), and a per-target cooldown so the
//! server cannot be used to hammer one mail server.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Most clients tracked at once; past it the idle ones are dropped first.
const MAX_TRACKED: usize = 100_000;

/// A token bucket per client address. `per_minute == 0` disables it.
#[derive(Debug)]
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A limiter refilling `per_minute` tokens per minute, holding at most `burst` (at least 1).
    pub fn new(per_minute: u32, burst: u32) -> Self {
        RateLimiter {
            per_sec: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether this limiter limits anything.
    pub fn enabled(&self) -> bool {
        self.per_sec > 0.0
    }

    /// Takes `cost` tokens for `client` at `now`; `Err(retry_after)` when the bucket is short.
    pub fn check(&self, client: IpAddr, cost: u32, now: Instant) -> Result<(), Duration> {
        if !self.enabled() {
            return Ok(());
        }
        let cost = f64::from(cost.max(1)).min(self.burst);
        let mut map = match self.buckets.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() >= MAX_TRACKED && !map.contains_key(&client) {
            // Drop buckets that have refilled completely: they carry no state.
            let full_after = Duration::from_secs_f64(self.burst / self.per_sec);
            map.retain(|_, b| now.saturating_duration_since(b.last) < full_after);
            if map.len() >= MAX_TRACKED {
                // Still full (a flood from many addresses): refuse rather than grow without bound.
                return Err(Duration::from_secs(1));
            }
        }
        let b = map.entry(client).or_insert(Bucket { tokens: self.burst, last: now });
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
}

/// The kinds of work with their own concurrency cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
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
}

impl Kind {
    /// Label used in metrics and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Smtp => "smtp",
            Kind::Dnsbl => "dnsbl",
            Kind::Analyze => "analyze",
            Kind::Domain => "domain",
            Kind::Doh => "doh",
        }
    }
}

/// Server-wide concurrency caps, one semaphore per [`Kind`].
#[derive(Debug)]
pub struct Concurrency {
    caps: HashMap<Kind, Arc<Semaphore>>,
    wait: Duration,
}

impl Concurrency {
    /// Caps from the configuration; `wait` is how long a request queues for a slot.
    pub fn new(caps: &[(Kind, usize)], wait: Duration) -> Self {
        Concurrency { caps: caps.iter().map(|(k, n)| (*k, Arc::new(Semaphore::new((*n).max(1))))).collect(), wait }
    }

    /// Waits (at most the configured queue time) for a slot of `kind`; `None` = server busy.
    pub async fn acquire(&self, kind: Kind) -> Option<OwnedSemaphorePermit> {
        let sem = self.caps.get(&kind)?.clone();
        match tokio::time::timeout(self.wait, sem.acquire_owned()).await {
            Ok(Ok(permit)) => Some(permit),
            _ => None,
        }
    }
}

/// Remembers when each target was last probed, with the result of the identical request:
/// within the cooldown an identical request gets the cached result and a different one on
/// the same target is refused with the time left.
#[derive(Debug)]
pub struct Cooldown<K, V> {
    period: Duration,
    entries: Mutex<HashMap<K, (Instant, String, V)>>,
}

/// What the cooldown cache says about a new request.
#[derive(Debug, PartialEq)]
pub enum CooldownCheck<V> {
    /// Go ahead.
    Free,
    /// Identical request within the cooldown: here is its result.
    Cached(V),
    /// Another request hit this target recently; try again after this long.
    Busy(Duration),
}

impl<K: Eq + Hash + Clone, V: Clone> Cooldown<K, V> {
    /// A cache with the given cooldown (zero disables it).
    pub fn new(period: Duration) -> Self {
        Cooldown { period, entries: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, String, V)>> {
        match self.entries.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Looks up `target` for a request identified by `request_key`.
    pub fn check(&self, target: &K, request_key: &str, now: Instant) -> CooldownCheck<V> {
        if self.period.is_zero() {
            return CooldownCheck::Free;
        }
        let mut map = self.lock();
        let period = self.period;
        if map.len() > MAX_TRACKED / 10 {
            map.retain(|_, (t, _, _)| now.saturating_duration_since(*t) < period);
        }
        match map.get(target) {
            Some((t, key, v)) if now.saturating_duration_since(*t) < period => {
                if key == request_key {
                    CooldownCheck::Cached(v.clone())
                } else {
                    let left = period.saturating_sub(now.saturating_duration_since(*t));
                    CooldownCheck::Busy(left.max(Duration::from_secs(1)))
                }
            }
            _ => CooldownCheck::Free,
        }
    }

    /// Records a finished probe of `target`.
    pub fn record(&self, target: K, request_key: String, value: V, now: Instant) {
        if self.period.is_zero() {
            return;
        }
        self.lock().insert(target, (now, request_key, value));
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

    #[test]
    fn cooldown_caches_identical_and_refuses_other() {
        let cd: Cooldown<String, u32> = Cooldown::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let k = "mx.example".to_string();
        assert_eq!(cd.check(&k, "a", t0), CooldownCheck::Free);
        cd.record(k.clone(), "a".into(), 7, t0);
        assert_eq!(cd.check(&k, "a", t0 + Duration::from_secs(5)), CooldownCheck::Cached(7));
        assert!(matches!(cd.check(&k, "b", t0 + Duration::from_secs(5)), CooldownCheck::Busy(_)));
        assert_eq!(cd.check(&k, "b", t0 + Duration::from_secs(61)), CooldownCheck::Free);
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
