// The web app served by the real companion server (`inboxlens serve`, which embeds dist/ —
// a debug binary reads it from disk), against the mail lab: the page finds the companion,
// uses its /dns-query, gets the MTA-STS policy through /api/mta-sts/{domain}, and probes the
// lab's Postfix through /api/probe/smtp. SKIPPED when the lab is down unless INBOXLENS_REQUIRE_LAB=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { launch, screenshot } from './lib/browser.mjs';
import { findLab, skipOrFail } from './lib/lab.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const BIN = process.env.INBOXLENS_BIN || path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'debug', 'inboxlens');
const DIST = process.env.INBOXLENS_DIST || path.join(ROOT, 'dist');
const TIMEOUT = 60_000;

let lab;
let server;
let base;
let why;

/** Starts `inboxlens serve` on a free loopback port; resolves with its base URL. */
function startServer(state) {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      INBOXLENS_TRUST_ANCHORS: path.join(state, 'keys/tls/ca.crt'),
      INBOXLENS_DOH_UPSTREAM: '127.0.0.1:53',
      INBOXLENS_EHLO_NAME: 'probe.inboxlens.test',
      INBOXLENS_DIST: DIST,
    };
    const child = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--resolver', '127.0.0.1', '--allow-private'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => { child.kill(); reject(new Error('inboxlens serve did not start within 20 s')); }, 20_000);
    let out = '';
    const onData = (d) => {
      out += d.toString();
      const m = out.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) { clearTimeout(timer); resolve({ child, url: m[1] }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`inboxlens serve exited (${code}): ${out.slice(-500)}`)); });
  });
}

before(async () => {
  lab = await findLab();
  if (!lab.up) { why = lab.why; return; }
  if (!fs.existsSync(BIN)) { why = `no ${BIN} (cargo build -p inboxlens, or set INBOXLENS_BIN)`; return; }
  if (!fs.existsSync(path.join(DIST, 'index.html'))) { why = `no ${DIST}/index.html (trunk build)`; return; }
  server = await startServer(lab.state);
  base = server.url;
});

after(() => { if (server) server.child.kill(); });

test('served by the companion: its DoH, MTA-STS policy fetch and SMTP probe work from the page', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch();
  try {
    await b.page.goto(base + '/#/domain/good.test');
    await b.page.waitForSelector('[data-testid=domain-report]', { timeout: TIMEOUT });
    assert.equal(await b.page.inputValue('[data-testid=doh-endpoint]'), `${base}/dns-query`, 'the companion\'s DoH endpoint is the default');
    const ids = await b.page.$$eval('[data-testid=domain-report] [data-testid=finding]', (els) => els.map((e) => e.getAttribute('data-finding-id')));
    assert.ok(!ids.includes('mta_sts.policy_not_fetched'), `the MTA-STS policy was fetched through the companion: ${ids.join(' ')}`);
    assert.match(await b.page.textContent('[data-testid=domain-report]'), /enforce/, 'the fetched policy (mode: enforce) is shown');
    const dohCalls = b.requests.filter((r) => new URL(r.url).pathname === '/dns-query');
    assert.ok(dohCalls.length > 5, `DNS went through the companion's /dns-query (${dohCalls.length} requests)`);
    assert.ok(b.requests.some((r) => new URL(r.url).pathname === '/api/mta-sts/good.test'), 'policy fetched via /api/mta-sts');

    await b.page.click('[data-testid=smtp-probe-run]');
    await b.page.waitForSelector('[data-testid=smtp-probe-results]', { timeout: TIMEOUT });
    const probe = await b.page.textContent('[data-testid=smtp-probe-results]');
    assert.match(probe, /mx\.good\.test/, 'the probe reports the MX host');
    assert.match(probe, /TLSv?1\.[23]/, 'STARTTLS negotiated with the lab Postfix');
    const probeFindings = await b.page.$$eval('[data-testid=smtp-probe-results] [data-testid=finding]', (els) => els.map((e) => e.getAttribute('data-finding-id')));
    assert.ok(!probeFindings.includes('smtp.no_starttls') && !probeFindings.includes('smtp.cert_untrusted'), `mx.good.test's TLS is fine: ${probeFindings.join(' ')}`);
    await screenshot(b.page, 'companion-domain-good');
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});
