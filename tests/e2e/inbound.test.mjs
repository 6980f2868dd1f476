// "Send a test email" (#/inbound, issue 12) served by the real companion server with its inbound
// SMTP receiver (`inboxlens serve --smtp-listen ... --inbound-domain inbound.test`): the page shows
// a fresh address, waits (server-sent events), and renders the analyze page's report once a
// DKIM-signed message is sent to that address over SMTP from mx.good.test's address (127.0.0.10,
// a raw SMTP client on net.Socket); the page's link shows the report again; delete removes it.
// SKIPPED when the lab is down unless INBOXLENS_REQUIRE_LAB=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { launch, screenshot } from './lib/browser.mjs';
import { dkimSign } from './lib/dkim.mjs';
import { findLab, skipOrFail } from './lib/lab.mjs';
import { missing, startServer } from './lib/serve.mjs';

const SMTP_LISTEN = process.env.INBOXLENS_E2E_INBOUND_LISTEN || '127.0.3.48:2525';
const REPORT_TIMEOUT = 90_000;

let lab;
let server;
let base;
let why;
let dir;

before(async () => {
  lab = await findLab();
  if (!lab.up) { why = lab.why; return; }
  why = missing();
  if (why) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inboxlens-e2e-inbound-'));
  const config = path.join(dir, 'config.toml');
  const tls = path.join(lab.state, 'keys/tls');
  fs.writeFileSync(config, [
    '[inbound]',
    `db_path = ${JSON.stringify(path.join(dir, 'inbound.redb'))}`,
    `tls_cert = ${JSON.stringify(path.join(tls, 'mx.good.test.fullchain.pem'))}`,
    `tls_key = ${JSON.stringify(path.join(tls, 'mx.good.test.key'))}`,
    '[dnsbl]',
    'ip_lists = [{ zone = "bl.test" }]',
    'domain_lists = [{ zone = "dbl.test", profile = "spamhaus" }]',
    '',
  ].join('\n'));
  server = await startServer(lab.state, ['--config', config, '--smtp-listen', SMTP_LISTEN, '--inbound-domain', 'inbound.test']);
  base = server.url;
});

after(() => {
  if (server) server.child.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A tiny SMTP client: one command at a time, each reply read whole (multi-line aware). */
function smtpSession({ host, port, localAddress }) {
  const sock = net.connect({ host, port, localAddress });
  let buf = '';
  const waiting = [];
  const replies = [];
  const pump = () => {
    for (;;) {
      const m = buf.match(/^(?:\d{3}-[^\r\n]*\r\n)*\d{3} [^\r\n]*\r\n/);
      if (!m) return;
      buf = buf.slice(m[0].length);
      const r = { code: Number(m[0].slice(0, 3)), text: m[0] };
      if (waiting.length) waiting.shift()(r); else replies.push(r);
    }
  };
  sock.on('data', (d) => { buf += d.toString('latin1'); pump(); });
  const reply = () => new Promise((resolve, reject) => {
    if (replies.length) return resolve(replies.shift());
    const timer = setTimeout(() => reject(new Error(`no SMTP reply; buffer ${JSON.stringify(buf)}`)), 30_000);
    waiting.push((r) => { clearTimeout(timer); resolve(r); });
  });
  const cmd = async (line) => { sock.write(line + '\r\n'); return reply(); };
  return { sock, reply, cmd, close: () => sock.destroy() };
}

async function sendMessage(address, raw) {
  const [host, port] = SMTP_LISTEN.split(':');
  const s = smtpSession({ host, port: Number(port), localAddress: '127.0.0.10' });
  try {
    assert.equal((await s.reply()).code, 220);
    assert.equal((await s.cmd('EHLO mx.good.test')).code, 250);
    assert.equal((await s.cmd('MAIL FROM:<sender@good.test>')).code, 250);
    assert.equal((await s.cmd(`RCPT TO:<${address}>`)).code, 250);
    assert.equal((await s.cmd('DATA')).code, 354);
    const stuffed = raw.replace(/\r?\n/g, '\r\n').split('\r\n').map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n');
    const r = await s.cmd(stuffed.replace(/\r\n$/, '') + '\r\n.');
    assert.equal(r.code, 250, r.text);
    assert.equal((await s.cmd('QUIT')).code, 221);
  } finally { s.close(); }
}

test('send a test email: fresh address, waiting, then the full report; the link shows it again; delete', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch();
  try {
    await b.page.goto(base + '/#/inbound');
    await b.page.waitForSelector('[data-testid=inbound-address]', { timeout: 30_000 });
    await b.page.waitForSelector('[data-testid=inbound-waiting]', { timeout: 30_000 });
    const address = (await b.page.textContent('[data-testid=inbound-address]')).trim();
    assert.match(address, /^[a-z2-7]{26}@inbound\.test$/, address);
    assert.match(await b.page.textContent('[data-testid=inbound-waiting]'), /Waiting for your message/);
    assert.equal(await b.page.getAttribute('header nav a[href="#/inbound"]', 'aria-current'), 'page', 'nav link is current');
    // the address became the page's link
    const token = address.split('@')[0];
    await b.page.waitForFunction((tok) => location.hash === `#/inbound/${tok}`, token);
    await screenshot(b.page, 'inbound-waiting');

    const raw = [
      'From: Sender <sender@good.test>',
      `To: <${address}>`,
      'Subject: Inboxlens e2e test message',
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${token}.e2e@good.test>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Hello from the e2e test.',
      '.a line with a leading dot',
      '',
    ].join('\r\n');
    const signed = dkimSign(raw, { domain: 'good.test', selector: 's1', privateKeyPem: lab.dkimKeyPem });
    await sendMessage(address, signed);

    // the analyze page's report component, with its data-testids
    await b.page.waitForSelector('[data-testid=report]', { timeout: REPORT_TIMEOUT });
    assert.match(await b.page.textContent('[data-testid=verdict-spf]'), /pass/);
    assert.match(await b.page.textContent('[data-testid=verdict-dkim]'), /pass/);
    assert.match(await b.page.textContent('[data-testid=verdict-dmarc]'), /pass/);
    assert.match(await b.page.textContent('[data-testid=score]'), /\d+\.\d/);
    const session = await b.page.textContent('[data-testid=inbound-session]');
    assert.match(session, /127\.0\.0\.10/, session);
    assert.match(session, /mx\.good\.test/, session);
    assert.equal(await b.page.$('[data-testid=inbound-waiting]'), null, 'no longer waiting');
    await screenshot(b.page, 'inbound-report');

    // the link works on its own (a new page load)
    await b.page.reload();
    await b.page.waitForSelector('[data-testid=report]', { timeout: 30_000 });
    assert.match(await b.page.textContent('[data-testid=inbound-session]'), /127\.0\.0\.10/);

    // the events stream was used for the wait
    const paths = b.requests.map((r) => new URL(r.url).pathname);
    assert.ok(paths.includes('/api/inbound'), `new address requested: ${paths}`);

    await b.page.click('[data-testid=inbound-delete]');
    await b.page.waitForSelector('[data-testid=inbound-deleted]', { timeout: 30_000 });
    const gone = await b.page.evaluate(async (tok) => (await fetch(`/api/inbound/${tok}`)).status, token);
    assert.equal(gone, 404);
    assert.deepEqual(b.consoleErrors.filter((e) => !/404/.test(e)), [], 'no console errors');
  } finally { await b.close(); }
});
