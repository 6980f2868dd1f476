//! Prometheus text exposition (format 0.0.4) of request, probe and rate-limit counters.
//! Labels are route templates (`/api/domain/{domain}`), never raw paths, and the standard
//! HTTP methods (anything else is `other`): bounded cardinality, whatever clients send.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Counters of the server.
#[derive(Debug)]
pub(crate) struct Metrics {
    started: Instant,
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    durations: Mutex<BTreeMap<String, (u64, f64)>>,
    probes: Mutex<BTreeMap<(String, String), u64>>,
    rate_limited: Mutex<BTreeMap<String, u64>>,
    doh_upstream: Mutex<BTreeMap<String, u64>>,
    in_flight: AtomicU64,
    connections: AtomicU64,
    connections_refused: Mutex<BTreeMap<&'static str, u64>>,
    connections_under_pressure: AtomicU64,
}

/// The method label: one of the RFC 9110 methods (and PATCH), else `other` — a client
/// inventing methods must not add a series per method.
pub(crate) fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
}

fn bump<K: Ord>(m: &Mutex<BTreeMap<K, u64>>, k: K) {
    let mut g = match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    *g.entry(k).or_insert(0) += 1;
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty counters.
    pub(crate) fn new() -> Self {
        Metrics {
            started: Instant::now(),
            requests: Mutex::new(BTreeMap::new()),
            durations: Mutex::new(BTreeMap::new()),
            probes: Mutex::new(BTreeMap::new()),
            rate_limited: Mutex::new(BTreeMap::new()),
            doh_upstream: Mutex::new(BTreeMap::new()),
            in_flight: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            connections_refused: Mutex::new(BTreeMap::new()),
            connections_under_pressure: AtomicU64::new(0),
        }
    }

    /// A request finished. `route` must be a route template or a fixed word; the method is
    /// reduced to [`method_label`].
    pub(crate) fn request(&self, method: &str, route: &str, status: u16, secs: f64) {
        bump(&self.requests, (method_label(method).to_string(), route.to_string(), status));
        let mut d = match self.durations.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let e = d.entry(route.to_string()).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += secs;
    }

    /// A request started / ended (gauge).
    pub(crate) fn in_flight(&self, delta: i64) {
        if delta >= 0 {
            self.in_flight.fetch_add(delta as u64, Ordering::Relaxed);
        } else {
            self.in_flight.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
    }

    /// A connection opened (`1`) or closed (`-1`) (gauge).
    pub(crate) fn connections(&self, delta: i64) {
        if delta >= 0 {
            self.connections.fetch_add(delta as u64, Ordering::Relaxed);
        } else {
            self.connections.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
        }
    }

    /// A connection was closed at accept because a cap was full (`global_cap`, `client_cap`).
    pub(crate) fn connection_refused(&self, reason: &'static str) {
        bump(&self.connections_refused, reason);
    }

    /// A connection was accepted with the short header deadline (the global cap is 3/4 full).
    pub(crate) fn connection_under_pressure(&self) {
        self.connections_under_pressure.fetch_add(1, Ordering::Relaxed);
    }

    /// A probe finished with a verdict (`ok`, `fail`, `inconclusive`, `listed`...).
    pub(crate) fn probe(&self, kind: &str, outcome: &str) {
        bump(&self.probes, (kind.to_string(), outcome.to_string()));
    }

    /// A request was refused by a rate limit.
    pub(crate) fn rate_limited(&self, bucket: &str) {
        bump(&self.rate_limited, bucket.to_string());
    }

    /// A DoH query was forwarded over `transport` (`udp`, `tcp`) or failed (`error`).
    pub(crate) fn doh_upstream(&self, transport: &str) {
        bump(&self.doh_upstream, transport.to_string());
    }

    /// Renders the exposition text.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        let _ =
            writeln!(out, "# HELP inboxlens_up Whether the server is up.\n# TYPE inboxlens_up gauge\ninboxlens_up 1");
        let _ = writeln!(
            out,
            "# HELP inboxlens_uptime_seconds Seconds since start.\n# TYPE inboxlens_uptime_seconds gauge\ninboxlens_uptime_seconds {:.0}",
            self.started.elapsed().as_secs_f64()
        );
        let _ = writeln!(
            out,
            "# HELP inboxlens_http_in_flight Requests being served.\n# TYPE inboxlens_http_in_flight gauge\ninboxlens_http_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP inboxlens_http_connections Open HTTP connections.\n# TYPE inboxlens_http_connections gauge\ninboxlens_http_connections {}",
            self.connections.load(Ordering::Relaxed)
        );
        let _ = writeln!(out, "# HELP inboxlens_http_connections_refused_total Connections closed at accept by a cap.");
        let _ = writeln!(out, "# TYPE inboxlens_http_connections_refused_total counter");
        if let Ok(g) = self.connections_refused.lock() {
            for (r, n) in g.iter() {
                let _ = writeln!(out, "inboxlens_http_connections_refused_total{{reason=\"{r}\"}} {n}");
            }
        }
        let _ = writeln!(
            out,
            "# HELP inboxlens_http_connections_under_pressure_total Connections accepted with the short header deadline (3/4 of the cap in use).\n# TYPE inboxlens_http_connections_under_pressure_total counter\ninboxlens_http_connections_under_pressure_total {}",
            self.connections_under_pressure.load(Ordering::Relaxed)
        );
        let _ = writeln!(out, "# HELP inboxlens_http_requests_total HTTP requests by method, route and status.");
        let _ = writeln!(out, "# TYPE inboxlens_http_requests_total counter");
        if let Ok(g) = self.requests.lock() {
            for ((m, r, s), n) in g.iter() {
                let _ = writeln!(
                    out,
                    "inboxlens_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {n}",
                    esc(m),
                    esc(r)
                );
            }
        }
        let _ = writeln!(out, "# HELP inboxlens_http_request_duration_seconds Time spent serving requests, by route.");
        let _ = writeln!(out, "# TYPE inboxlens_http_request_duration_seconds summary");
        if let Ok(g) = self.durations.lock() {
            for (r, (n, s)) in g.iter() {
                let _ = writeln!(out, "inboxlens_http_request_duration_seconds_sum{{route=\"{}\"}} {s:.6}", esc(r));
                let _ = writeln!(out, "inboxlens_http_request_duration_seconds_count{{route=\"{}\"}} {n}", esc(r));
            }
        }
        let _ = writeln!(out, "# HELP inboxlens_probes_total Probes run, by kind and outcome.");
        let _ = writeln!(out, "# TYPE inboxlens_probes_total counter");
        if let Ok(g) = self.probes.lock() {
            for ((k, o), n) in g.iter() {
                let _ = writeln!(out, "inboxlens_probes_total{{kind=\"{}\",outcome=\"{}\"}} {n}", esc(k), esc(o));
            }
        }
        let _ = writeln!(out, "# HELP inboxlens_rate_limited_total Requests refused with 429, by bucket.");
        let _ = writeln!(out, "# TYPE inboxlens_rate_limited_total counter");
        if let Ok(g) = self.rate_limited.lock() {
            if g.is_empty() {
                let _ = writeln!(out, "inboxlens_rate_limited_total{{bucket=\"api\"}} 0");
            }
            for (b, n) in g.iter() {
                let _ = writeln!(out, "inboxlens_rate_limited_total{{bucket=\"{}\"}} {n}", esc(b));
            }
        }
        let _ = writeln!(out, "# HELP inboxlens_doh_upstream_total DoH queries forwarded upstream, by transport.");
        let _ = writeln!(out, "# TYPE inboxlens_doh_upstream_total counter");
        if let Ok(g) = self.doh_upstream.lock() {
            for (t, n) in g.iter() {
                let _ = writeln!(out, "inboxlens_doh_upstream_total{{transport=\"{}\"}} {n}", esc(t));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invented_methods_share_one_label() {
        let m = Metrics::new();
        for i in 0..200 {
            m.request(&format!("MX{i}"), "static", 405, 0.0);
        }
        m.request("GET", "/healthz", 200, 0.0);
        let text = m.render();
        let series = text.lines().filter(|l| l.starts_with("inboxlens_http_requests_total{")).count();
        assert_eq!(series, 2, "{text}");
        assert!(text.contains("method=\"other\",route=\"static\",status=\"405\"} 200"), "{text}");
    }
}
