// The web app served by the real companion server (`inboxlens serve`, which embeds dist/ —
// a debug binary reads it from disk), against the mail lab: the page finds the companion,
// uses its /dns-query, gets the MTA-STS policy through /api/mta-sts/{domain}, and probes the
// lab's Postfix through /api/probe/smtp. SKIPPED when the lab is down unless INBOXLENS_REQUIRE_LAB=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot } from './lib/browser.mjs';
import { findLab, skipOrFail } from './lib/lab.mjs';
import { missing, startServer } from './lib/serve.mjs';

const TIMEOUT = 60_000;

let lab;
let server;
let base;
let why;

before(async () => {
  lab = await findLab();
  if (!lab.up) { why = lab.why; return; }
  why = missing();
  if (why) return;
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
