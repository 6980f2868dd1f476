#!/usr/bin/env bash
# Abuse load test of `inboxlens serve` (issue 10): normal users and the attacks of the
# README's Security table at the same time, against the release build, loopback only.
#
#   bench/abuse.sh                                   # builds the release binary
#   INBOXLENS_BIN=/path/to/inboxlens DURATION=60 bench/abuse.sh
#
# Normal users: USERS clients, each on its own 127.0.20.x address, one request every ~0.5 s
# (healthz, capabilities, the sample message to /api/analyze, a DNSBL lookup, and a DoH query
# for good.test MX when the lab resolver runs).
# Attacks, each from its own addresses:
#   slowloris     SLOW sockets sending half a header, reopened when the server closes them
#   uploads       8 clients looping 20 MB bodies to /api/analyze and /api/explain-bounce
#   methods       invented HTTP methods (metrics cardinality)
#   injection     CR/LF in probe fields, text/plain POSTs, foreign Host headers
#   spoofing      random X-Forwarded-For values
#   doh           names under private suffixes, private reverse zones, RD=0
# Prints: normal requests' p50/p99 and statuses (goal: no status other than 2xx/429/503),
# peak RSS of the server, attack sockets opened / closed by the server / still open at the
# end, and the number of request series in /metrics. The server runs with the default
# configuration (header_read_timeout_ms = 10 s), DNS from the bundled sample zone (offline).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-60}
USERS=${USERS:-20}
SLOW=${SLOW:-1500}
case $DURATION in ''|*[!0-9]*) echo "DURATION must be a number" >&2; exit 2 ;; esac
case $USERS in ''|*[!0-9]*) echo "USERS must be a number" >&2; exit 2 ;; esac
case $SLOW in ''|*[!0-9]*) echo "SLOW must be a number" >&2; exit 2 ;; esac
if [ "$DURATION" -gt 300 ] || [ "$SLOW" -gt 5000 ] || [ "$USERS" -gt 200 ]; then
  echo "refusing: at most 300 s, 5000 slow sockets, 200 users" >&2; exit 2
fi
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 2; }

BIN=${INBOXLENS_BIN:-}
if [ -z "$BIN" ]; then
  (cd "$ROOT" && cargo build --release -p inboxlens >&2)
  BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/inboxlens
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d /tmp/inboxlens-abuse.XXXXXX)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Defaults. DoH forwards to the lab resolver when it runs (normal users then ask it for
# good.test MX); without the lab, to a closed loopback port, and normal users skip DoH.
if (exec 3<>/dev/tcp/127.0.0.1/53) 2>/dev/null; then DOH_UP=127.0.0.1; NORMAL_DOH=1; else DOH_UP=127.0.0.1:9; NORMAL_DOH=0; fi
printf '[doh]\nupstream = "%s"\ntimeout_ms = 2000\n' "$DOH_UP" > "$WORK/abuse.toml"
"$BIN" serve --listen 127.0.0.1:0 --config "$WORK/abuse.toml" --offline \
  --zone "$ROOT/crates/core/assets/sample.zone" >"$WORK/stdout" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/stdout" 2>/dev/null && break
  sleep 0.1
done
BASE=$(sed -n 's/^inboxlens: listening on //p' "$WORK/stdout" | head -1)
[ -n "$BASE" ] || { echo "server did not start:"; cat "$WORK/server.log"; exit 1; }
case $BASE in http://127.*) ;; *) echo "not loopback: $BASE" >&2; exit 1 ;; esac

SAMPLE=$(ls "$ROOT"/crates/core/assets/sample*.eml 2>/dev/null | head -1 || true)
python3 - "$BASE" "$SERVER_PID" "$DURATION" "$USERS" "$SLOW" "${SAMPLE:-}" "$NORMAL_DOH" <<'PY'
import asyncio, base64, random, socket, struct, sys, time

base, pid, duration, users, slow, sample = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
normal_doh = sys.argv[7] == "1"
host, port = base.removeprefix("http://").rsplit(":", 1)
port = int(port)
message = open(sample, "rb").read() if sample else b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
deadline = time.monotonic() + duration
stats = {"normal_lat": [], "normal_status": {}, "slow_opened": 0, "slow_closed": 0, "attack_status": {}}

def peak_rss_mib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0

def doh_query(name, rd=True, qtype=None):
    q = struct.pack(">HHHHHH", 0, 0x0100 if rd else 0, 1, 0, 0, 0)
    for label in name.strip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", qtype or (12 if name.endswith("arpa") else 1), 1)

async def request(src, method, path, body=b"", headers=None, timeout=30):
    """One HTTP/1.1 request on a fresh connection from source address src; returns status or an error word."""
    headers = dict(headers or {})
    headers.setdefault("Host", f"{host}:{port}")
    headers["Content-Length"] = str(len(body))
    headers["Connection"] = "close"
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port, local_addr=(src, 0)), timeout)
        w.write(head.encode() + body)
        await asyncio.wait_for(w.drain(), timeout)
        line = await asyncio.wait_for(r.readline(), timeout)
        await asyncio.wait_for(r.read(), timeout)
        w.close()
        parts = line.split()
        return int(parts[1]) if len(parts) > 1 else "empty"
    except asyncio.TimeoutError:
        return "timeout"
    except (ConnectionError, OSError):
        return "reset"

def bump(d, k):
    d[k] = d.get(k, 0) + 1

async def normal_user(i):
    src = f"127.0.20.{i + 1}"
    b64 = base64.urlsafe_b64encode(doh_query("good.test", qtype=15)).rstrip(b"=").decode()
    menu = [
        ("GET", "/healthz", b"", {}),
        ("GET", "/api/capabilities", b"", {}),
        ("POST", "/api/analyze", message, {"Content-Type": "message/rfc822"}),
        ("GET", "/api/dnsbl/192.0.2.1", b"", {}),
    ]
    if normal_doh:
        menu.append(("GET", f"/dns-query?dns={b64}", b"", {"Accept": "application/dns-message"}))
    while time.monotonic() < deadline:
        m, p, b, h = random.choice(menu)
        t = time.monotonic()
        s = await request(src, m, p, b, h)
        stats["normal_lat"].append(time.monotonic() - t)
        bump(stats["normal_status"], s)
        await asyncio.sleep(random.uniform(0.3, 0.7))

async def slow_socket(j):
    src = f"127.0.30.{j % 50 + 1}"
    while time.monotonic() < deadline:
        try:
            r, w = await asyncio.open_connection(host, port, local_addr=(src, 0))
        except OSError:
            await asyncio.sleep(0.5)
            continue
        stats["slow_opened"] += 1
        w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-a: ")
        try:
            await w.drain()
            left = deadline - time.monotonic()
            if left <= 0:
                w.close()
                return ("open", r, w)
            data = await asyncio.wait_for(r.read(), left)
            stats["slow_closed"] += 1
            w.close()
        except asyncio.TimeoutError:
            return ("open", r, w)
        except (ConnectionError, OSError):
            stats["slow_closed"] += 1
    return None

async def uploads(k):
    src = f"127.0.31.{k + 1}"
    big = b"a" * (20 * 1024 * 1024)
    while time.monotonic() < deadline:
        path = "/api/analyze" if k % 2 == 0 else "/api/explain-bounce"
        bump(stats["attack_status"], ("upload", await request(src, "POST", path, big, {"Content-Type": "text/plain"}, timeout=60)))

async def small_attacks(k):
    src = f"127.0.32.{k + 1}"
    n = 0
    while time.monotonic() < deadline:
        n += 1
        kind = n % 6
        if kind == 0:
            s = await request(src, f"MX{random.randint(1, 10**6)}", "/")
        elif kind == 1:
            s = await request(src, "POST", "/api/probe/smtp", b'{"domain":"\\r\\nexample.com","ports":[25],"catch_all":true}', {"Content-Type": "application/json"})
        elif kind == 2:
            s = await request(src, "POST", "/api/probe/smtp", b'{"domain":"example.com"}', {"Content-Type": "text/plain"})
        elif kind == 3:
            s = await request(src, "GET", "/api/capabilities", headers={"Host": "rebind.evil.example"})
        elif kind == 4:
            s = await request(src, "GET", "/api/dnsbl/192.0.2.1", headers={"X-Forwarded-For": f"10.{random.randint(0,255)}.{random.randint(0,255)}.1"})
        else:
            name = random.choice(["db.corp.internal", "nas.home.arpa", "5.1.168.192.in-addr.arpa"])
            b64 = base64.urlsafe_b64encode(doh_query(name, rd=random.random() < 0.5)).rstrip(b"=").decode()
            s = await request(src, "GET", f"/dns-query?dns={b64}")
        bump(stats["attack_status"], (["methods", "crlf", "text/plain", "host", "xff", "doh"][kind], s))
        await asyncio.sleep(0.05)

async def main():
    slow_tasks = [asyncio.create_task(slow_socket(j)) for j in range(slow)]
    others = [asyncio.create_task(normal_user(i)) for i in range(users)]
    others += [asyncio.create_task(uploads(k)) for k in range(8)]
    others += [asyncio.create_task(small_attacks(k)) for k in range(4)]
    await asyncio.gather(*others)
    leftovers = [x for x in await asyncio.gather(*slow_tasks) if x]
    # Sockets still open at the end: give the header-read timeout (10 s) and some margin.
    still_open = 0
    end = time.monotonic() + 15
    for _, r, w in leftovers:
        try:
            await asyncio.wait_for(r.read(), max(0.01, end - time.monotonic()))
            stats["slow_closed"] += 1
        except asyncio.TimeoutError:
            still_open += 1
        except (ConnectionError, OSError):
            stats["slow_closed"] += 1
        w.close()
    _, metrics_ok = None, None
    r, w = await asyncio.open_connection(host, port)
    w.write(f"GET /metrics HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
    text = (await r.read()).decode(errors="replace")
    series = sum(1 for l in text.splitlines() if l.startswith("inboxlens_http_requests_total{"))
    lat = sorted(stats["normal_lat"])
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0
    bad = {k: v for k, v in stats["normal_status"].items() if not (isinstance(k, int) and (200 <= k < 300 or k in (429, 503)))}
    print(f"duration {duration} s, {users} normal users, {slow} slowloris sockets, 8 upload loops, 4 small-attack loops")
    print(f"normal requests: {len(lat)}, p50 {pct(0.50):.0f} ms, p99 {pct(0.99):.0f} ms, statuses {dict(sorted(stats['normal_status'].items(), key=str))}")
    print(f"normal requests with an error other than 429/503: {sum(bad.values())} {bad if bad else ''}")
    print(f"server peak RSS: {peak_rss_mib()} MiB")
    print(f"slowloris sockets: {stats['slow_opened']} opened, {stats['slow_closed']} closed by the server, {still_open} still open 15 s after the end")
    print(f"/metrics request series: {series}")
    print("attack responses:", dict(sorted(stats["attack_status"].items(), key=str)))

asyncio.run(main())
PY
