//! Shared harness for the `inboxlens serve` integration tests: starts the real binary on a
//! free loopback port with a generated config, and tells whether the mail lab is up.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A running server, killed (by its own handle) when dropped.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where its log goes (printed on failure).
    pub log: PathBuf,
    dir: PathBuf,
}

impl Server {
    /// Starts `inboxlens serve --listen 127.0.0.1:0 --config <generated> <args>`.
    pub(crate) fn start(config_toml: &str, args: &[&str]) -> Server {
        Self::start_env(config_toml, args, &[])
    }

    /// Same, with extra environment variables.
    pub(crate) fn start_env(config_toml: &str, args: &[&str], env: &[(&str, &str)]) -> Server {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("inboxlens-serve-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let config = dir.join("config.toml");
        std::fs::write(&config, config_toml).expect("write config");
        let log = dir.join("server.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_inboxlens"));
        cmd.arg("serve").arg("--listen").arg("127.0.0.1:0").arg("--config").arg(&config).args(args);
        cmd.env_remove("INBOXLENS_TOKEN").env_remove("INBOXLENS_CONFIG").env_remove("INBOXLENS_ALLOW_PRIVATE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdout(Stdio::piped()).stderr(Stdio::from(log_file)).stdin(Stdio::null());
        let mut child = cmd.spawn().expect("spawn inboxlens serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let mut sink = String::new();
            while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("server did not start; log:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
            }
        };
        let Some(url) = line.trim().strip_prefix("inboxlens: listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("unexpected first line {line:?}; log:\n{}", std::fs::read_to_string(&log).unwrap_or_default());
        };
        Server { child, base: url.to_string(), log, dir }
    }

    /// The server's process id (for /proc readings such as peak RSS).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `base + path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The server's log so far.
    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A file in this server's temp dir.
    pub(crate) fn write_file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).expect("write file");
        p
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A file in a fresh temp dir (for zone files given on the command line).
pub(crate) fn temp_file(name: &str, text: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("inboxlens-serve-file-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn port_open(addr: &str) -> bool {
    addr.parse::<SocketAddr>().ok().and_then(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)).ok()).is_some()
}

/// Whether the mail lab answers (unbound on 127.0.0.1:53, Postfix on 127.0.0.10:25).
/// When it does not: a loud SKIPPED line and `false`, or a panic under `INBOXLENS_REQUIRE_LAB=1`.
pub(crate) fn lab_or_skip(test: &str) -> bool {
    if port_open("127.0.0.1:53") && port_open("127.0.0.10:25") {
        return true;
    }
    if std::env::var("INBOXLENS_REQUIRE_LAB").as_deref() == Ok("1") {
        panic!("{test}: the mail lab is not running (INBOXLENS_REQUIRE_LAB=1); start it with tests/lab/up.sh");
    }
    eprintln!("SKIPPED: {test}: the mail lab is not running (start it with tests/lab/up.sh)");
    false
}

/// The lab CA certificate: `$LAB_STATE/keys/tls/ca.crt`, else the default state directories
/// of the project's lab copy and of the shared lab.
pub(crate) fn lab_ca() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Ok(s) = std::env::var("LAB_STATE") {
        candidates.push(PathBuf::from(s));
    }
    candidates.push(PathBuf::from("/tmp/inboxlens-lab"));
    candidates.push(PathBuf::from("/tmp/mail-lab"));
    candidates.into_iter().map(|d| d.join("keys/tls/ca.crt")).find(|p| p.exists())
}

/// Config for lab tests: short deadlines, the lab DNSBLs, the lab CA as anchor.
pub(crate) fn lab_config(extra: &str) -> String {
    let anchors =
        lab_ca().map(|p| format!("extra_trust_anchors = [{:?}]\n", p.display().to_string())).unwrap_or_default();
    format!(
        r#"{anchors}{extra}
[smtp]
ehlo_name = "probe.inboxlens.test"
mail_from = "probe@inboxlens.test"
connect_timeout_ms = 3000
banner_timeout_ms = 1500
command_timeout_ms = 3000
session_timeout_ms = 10000

[dnsbl]
ip_lists = [{{ zone = "bl.test" }}, {{ zone = "zen.test", profile = "spamhaus" }}]
domain_lists = [{{ zone = "dbl.test", profile = "spamhaus" }}]
timeout_ms = 3000

[limits]
target_cooldown_secs = 0
host_sessions_per_minute = 6000
host_sessions_burst = 1000
api_per_minute = 6000
api_burst = 1000
"#
    )
}

/// An async HTTP client without proxies.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build().expect("client")
}

/// Peak resident set size of a process in KiB (`VmHWM` of /proc/PID/status; Linux).
pub(crate) fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Raises this process's soft open-file limit to the hard limit; returns the new soft limit.
pub(crate) fn raise_nofile() -> u64 {
    rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024)
}
