#!/usr/bin/env python3
"""SMTP submission servers that fail the way providers do, for `inboxlens smtp-test` (issue 12).

All in one aiosmtpd process; each --server spec is comma-separated key=value pairs:
  name=NAME,addr=127.0.0.4x:PORT,mode=MODE,tls=CERT:KEY
Modes:
  starttls       STARTTLS offered; AUTH PLAIN LOGIN advertised only after TLS (AUTH before it: 538 5.7.11)
  implicit       TLS from the first byte (like 465), then AUTH PLAIN LOGIN
  starttlsfirst  AUTH advertised in clear, but AUTH and MAIL before STARTTLS get
                 530 5.7.0 Must issue a STARTTLS command first; after TLS as starttls
  encryption     AUTH advertised in clear, AUTH before TLS gets
                 538 5.7.11 Encryption required for requested authentication mechanism; after TLS as starttls
  cleartext      AUTH advertised and accepted in clear (334 challenge): the unsafe server
The user name's local part picks the AUTH answer (any password unless said otherwise):
  ok         235 2.7.0 with the password "submit-secret", else 535 5.7.8 (Postfix/Dovecot text)
  badpass    535 5.7.8 Error: authentication failed: authentication failure
  app2fa     534-5.7.9 Application-specific password required (Gmail's two lines)
  m365off    535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled (Microsoft 365)
  ms535      535 5.7.3 Authentication unsuccessful (Microsoft 365, wrong password)
  tempfail   454 4.7.0 Temporary authentication failure
  anything else: 535 5.7.8
After a successful AUTH, MAIL/RCPT/DATA are accepted and the message is discarded (250 2.0.0);
mail from a sender other than the user name gets 553 5.7.1 ... not owned by user (Postfix's
reject_sender_login_mismatch); without AUTH, MAIL gets 530 5.7.0 Authentication required.
"""
import argparse
import asyncio
import ipaddress
import logging
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult

log = logging.getLogger("submitsmtp")
MODES = {"starttls", "implicit", "starttlsfirst", "encryption", "cleartext"}
PASSWORD = "submit-secret"

REPLIES = {
    "badpass": "535 5.7.8 Error: authentication failed: authentication failure",
    "app2fa": ("534-5.7.9 Application-specific password required. Learn more at\r\n"
               "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor lab-gsmtp"),
    "m365off": ("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
                "Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information. [LAB01.prod.exchangelabs.com]"),
    "ms535": "535 5.7.3 Authentication unsuccessful [LAB01.prod.exchangelabs.com]",
    "tempfail": "454 4.7.0 Temporary authentication failure",
}
WRONG = "535 5.7.8 Error: authentication failed: authentication failure"


def parse_spec(spec):
    d = dict(kv.split("=", 1) for kv in spec.split(",") if kv)
    host, port = d["addr"].rsplit(":", 1)
    if not ipaddress.ip_address(host.strip("[]")).is_loopback:
        raise SystemExit(f"refusing non-loopback address {host}")
    mode = d.get("mode", "starttls")
    if mode not in MODES:
        raise SystemExit(f"unknown mode {mode} (one of {sorted(MODES)})")
    if mode != "cleartext" and not d.get("tls"):
        raise SystemExit(f"mode={mode} needs tls=CERT:KEY")
    return {"name": d.get("name", mode), "host": host.strip("[]"), "port": int(port), "mode": mode,
            "tls": d.get("tls")}


def authenticator(server, session, envelope, mechanism, auth_data):
    user = (auth_data.login or b"").decode("utf-8", "replace")
    password = (auth_data.password or b"").decode("utf-8", "replace")
    local = user.partition("@")[0].lower()
    if local == "ok" and password == PASSWORD:
        log.info("AUTH %s ok for %s", mechanism, user)  # never the password
        return AuthResult(success=True, auth_data=user)
    log.info("AUTH %s refused for %s", mechanism, user)
    return AuthResult(success=False, handled=False, message=REPLIES.get(local, WRONG))


class Handler:
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        if address.lower() != str(session.auth_data or "").lower():
            return ("553 5.7.1 <%s>: Sender address rejected: not owned by user %s"
                    % (address, session.auth_data))
        envelope.mail_from = address
        return "250 2.1.0 Ok"

    async def handle_DATA(self, server, session, envelope):
        log.info("message from %s to %s: %d bytes (discarded)", envelope.mail_from, envelope.rcpt_tos,
                 len(envelope.content or b""))
        return "250 2.0.0 Ok: queued as LAB%08X (lab submission peer, discarded)" % (id(envelope) & 0xFFFFFFFF)


class SubmitSMTP(SMTP):
    """The mode's behaviour before TLS, on top of aiosmtpd's AUTH."""

    def __init__(self, *a, mode, **kw):
        self.lab_mode = mode
        super().__init__(*a, **kw)

    async def push(self, status):
        if isinstance(status, str) and status.startswith("530 Must issue a STARTTLS"):
            status = "530 5.7.0 Must issue a STARTTLS command first"  # RFC 3207 §4 with RFC 3463 code
        await super().push(status)

    async def smtp_AUTH(self, arg):
        if self.lab_mode == "encryption" and not self._tls_protocol:
            await self.push("538 5.7.11 Encryption required for requested authentication mechanism")
            return
        await super().smtp_AUTH(arg)


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
        mode = cfg["mode"]
        implicit = mode == "implicit"

        def factory(cfg=cfg, ctx=ctx, mode=mode, implicit=implicit):
            return SubmitSMTP(
                Handler(), mode=mode, hostname="%s.submit.lab.test" % cfg["name"],
                ident="lab-submit-%s (aiosmtpd)" % cfg["name"],
                tls_context=None if implicit else ctx,
                require_starttls=mode == "starttlsfirst",
                # AUTH advertised before TLS except on `starttls`; implicit TLS is TLS already
                auth_require_tls=mode == "starttls",
                authenticator=authenticator, timeout=60)

        srv = await loop.create_server(factory, host=cfg["host"], port=cfg["port"], ssl=ctx if implicit else None)
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
