#!/usr/bin/env python3
"""SMTP receivers that answer RCPT TO the way real ones do, for `inboxlens verify` (issue 11).

All in one aiosmtpd process; each --server spec is comma-separated key=value pairs:
  name=NAME,addr=127.0.0.7x:25,mode=MODE[,mailboxes=a+b][,n=N][,hint=S][,tls=CERT:KEY][,utf8=0|1]
Modes (RCPT TO answers; mailboxes default "user+info+postmaster+sales", matched on the local part):
  accept     known mailboxes 250, others 550 5.1.1 (Postfix text)
  grey       first RCPT of a (client IP, MAIL FROM, RCPT) triplet 450 4.7.1 "... try again in HINT seconds"
             until HINT (default 30) seconds passed, then as accept
  ratelimit  at most N (default 5) RCPTs per minute per client IP, then 421 4.7.0 (closes) - N=-N gives 450 4.7.1
  rcptcap    452 4.5.3 after N (default 3) recipients in one transaction, otherwise as accept
  block      every RCPT: 550 5.7.1 Service unavailable; client [IP] blocked using bl.test (listed at bl.test)
  gmail      unknown: Gmail's multi-line 550-5.1.1 "The email account that you tried to reach does not exist"
  yahoo      unknown: 554 delivery error: dd This user doesn't have a yahoo.com account (...)
  exchange   unknown: 550 5.4.1 Recipient address rejected: Access denied (Exchange Online DBEB)
  catchall   every RCPT 250
  tlsreq     530 5.7.0 Must issue a STARTTLS command first, until STARTTLS (needs tls=)
utf8=1 advertises SMTPUTF8 (RFC 6531), utf8=0 (default) does not. Nothing is delivered: DATA is refused.
"""
import argparse
import asyncio
import collections
import ipaddress
import logging
import os
import signal
import ssl
import time

from aiosmtpd.smtp import SMTP

log = logging.getLogger("verifysmtp")
MODES = {"accept", "grey", "ratelimit", "rcptcap", "block", "gmail", "yahoo", "exchange", "catchall", "tlsreq"}


def parse_spec(spec):
    d = dict(kv.split("=", 1) for kv in spec.split(",") if kv)
    host, port = d["addr"].rsplit(":", 1)
    if not ipaddress.ip_address(host.strip("[]")).is_loopback:
        raise SystemExit(f"refusing non-loopback address {host}")
    mode = d.get("mode", "accept")
    if mode not in MODES:
        raise SystemExit(f"unknown mode {mode} (one of {sorted(MODES)})")
    if mode == "tlsreq" and not d.get("tls"):
        raise SystemExit("mode=tlsreq needs tls=CERT:KEY")
    return {
        "name": d.get("name", mode),
        "host": host.strip("[]"),
        "port": int(port),
        "mode": mode,
        "mailboxes": {x.lower() for x in d.get("mailboxes", "user+info+postmaster+sales").split("+") if x},
        "n": int(d.get("n", {"ratelimit": 5, "rcptcap": 3}.get(mode, 0))),
        "hint": int(d.get("hint", 30)),
        "tls": d.get("tls"),
        "utf8": d.get("utf8", "0") == "1",
    }


class Handler:
    def __init__(self, cfg):
        self.cfg = cfg
        self.first_seen = {}  # greylisting triplets, bounded below
        self.rcpt_times = collections.defaultdict(collections.deque)  # ratelimit per client IP

    def known(self, address):
        return address.rpartition("@")[0].lower().strip('"') in self.cfg["mailboxes"]

    def unknown_reply(self, address):
        mode = self.cfg["mode"]
        if mode == "gmail":
            return ("550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
                    "550-5.1.1 double-checking the recipient's email address for typos or\r\n"
                    "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser lab-gsmtp")
        if mode == "yahoo":
            return ("554 delivery error: dd This user doesn't have a yahoo.com account (%s) [0] - "
                    "mta1000.mail.lab.yahoo.com" % address)
        if mode == "exchange":
            return "550 5.4.1 Recipient address rejected: Access denied. [LAB01.prod.exchangelabs.com]"
        return "550 5.1.1 <%s>: Recipient address rejected: User unknown in virtual mailbox table" % address

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        cfg, ip, now = self.cfg, session.peer[0], time.monotonic()
        mode = cfg["mode"]
        if mode == "block":
            return ("550 5.7.1 Service unavailable; client [%s] blocked using bl.test; "
                    "see http://bl.test/lookup?ip=%s (listed at bl.test)" % (ip, ip))
        if mode == "ratelimit":
            q = self.rcpt_times[ip]
            while q and now - q[0] > 60:
                q.popleft()
            if len(q) >= abs(cfg["n"]):
                if cfg["n"] < 0:
                    return "450 4.7.1 Too many recipients from %s this minute, slow down" % ip
                server._lab_close = True
                return "421 4.7.0 Too many connections from your IP %s, closing transmission channel" % ip
            q.append(now)
        if mode == "rcptcap" and len(envelope.rcpt_tos) >= cfg["n"]:
            return "452 4.5.3 Error: too many recipients"
        if mode == "grey":
            if len(self.first_seen) > 100_000:
                self.first_seen.clear()
            key = (ip, envelope.mail_from or "", address.lower())
            first = self.first_seen.setdefault(key, now)
            wait = cfg["hint"] - (now - first)
            if wait > 0:
                return ("450 4.7.1 <%s>: Recipient address rejected: Greylisted, try again in %d seconds"
                        % (address, int(wait) + 1))
        if mode == "catchall" or self.known(address):
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 Ok"
        return self.unknown_reply(address)

    async def handle_DATA(self, server, session, envelope):
        return "554 5.3.0 lab verification peer: no delivery"


class VerifySMTP(SMTP):
    """Closes the connection after a 421 (RFC 5321 §3.8) and answers 530 5.7.0 before STARTTLS."""

    async def push(self, status):
        if isinstance(status, str) and status.startswith("530 Must issue a STARTTLS"):
            status = "530 5.7.0 Must issue a STARTTLS command first"  # RFC 3207 §4 with RFC 3463 code
        await super().push(status)
        if getattr(self, "_lab_close", False):
            self._lab_close = False
            if self.transport is not None:
                self.transport.close()


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", action="append", required=True)
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    loop = asyncio.get_running_loop()
    servers = []
    for spec in args.server:
        cfg = parse_spec(spec)
        ctx = None
        if cfg["tls"]:
            cert, key = cfg["tls"].split(":", 1)
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(cert, key)
        handler = Handler(cfg)

        def factory(cfg=cfg, handler=handler, ctx=ctx):
            s = VerifySMTP(handler, hostname="mx.%s.verify.test" % cfg["name"], tls_context=ctx,
                           require_starttls=cfg["mode"] == "tlsreq", enable_SMTPUTF8=cfg["utf8"],
                           ident="lab-verify-%s (aiosmtpd)" % cfg["name"], timeout=60)
            return s

        srv = await loop.create_server(factory, host=cfg["host"], port=cfg["port"])
        servers.append(srv)
        log.info("listening %s on %s:%d %s", cfg["name"], cfg["host"], cfg["port"], cfg)
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(main())
