// End-to-end tests of the web app in headless Debian Chromium (playwright-core).
// The page is served from dist/ (build it first: CARGO_TARGET_DIR=target/web trunk build --release --offline)
// by a harness that also answers RFC 8484 DoH from the lab resolver (127.0.0.1:53), like `inboxlens serve`.
// Set INBOXLENS_BASE_URL to test a running `inboxlens serve` instead of the harness.
// Run: node --test tests/e2e/     (needs the mail lab; SKIPPED when it is down unless INBOXLENS_REQUIRE_LAB=1)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { startHarness } from './lib/harness.mjs';
import { launch, screenshot } from './lib/browser.mjs';
import { findLab, skipOrFail, LAB_DNS } from './lib/lab.mjs';
import { newsletter } from './lib/messages.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const DIST = process.env.INBOXLENS_DIST || path.join(ROOT, 'dist');
const REPORT_TIMEOUT = 30_000;

let lab;
let harness;
let base;

before(async () => {
  lab = await findLab();
  if (!lab.up) return;
  if (!process.env.INBOXLENS_BASE_URL) {
    assert.ok(fs.existsSync(path.join(DIST, 'index.html')),
      `no ${DIST}/index.html: build the web app first (CARGO_TARGET_DIR=target/web trunk build --release --offline)`);
    harness = await startHarness({ dist: DIST, companion: true, upstream: LAB_DNS });
  }
  base = process.env.INBOXLENS_BASE_URL || harness.url;
});

after(async () => { if (harness) await harness.close(); });

function wasmSize() {
  const wasm = fs.existsSync(DIST) ? fs.readdirSync(DIST).filter((f) => f.endsWith('.wasm')) : [];
  return wasm.map((f) => {
    const raw = fs.readFileSync(path.join(DIST, f));
    return { file: f, raw: raw.length, gz: zlib.gzipSync(raw, { level: 9 }).length };
  });
}

/** Waits for a report or an error box; fails with the error's text. */
async function waitForReport(page) {
  const which = await Promise.race([
    page.waitForSelector('[data-testid=report] [data-testid=score]', { timeout: REPORT_TIMEOUT }).then(() => 'report'),
    page.waitForSelector('[data-testid=error]', { timeout: REPORT_TIMEOUT }).then(() => 'error'),
  ]);
  if (which === 'error') assert.fail(`the page shows an error: ${await page.textContent('[data-testid=error]')}`);
}

async function verdicts(page) {
  const out = {};
  for (const k of ['spf', 'dkim', 'dmarc', 'arc']) out[k] = (await page.textContent(`[data-testid=verdict-${k}]`)).trim();
  return out;
}

async function findingIds(page, scope = '') {
  return page.$$eval(`${scope} [data-testid=finding]`, (els) => els.map((e) => ({ id: e.getAttribute('data-finding-id'), severity: e.getAttribute('data-severity') })));
}

test('load sample: score and verdicts, no console errors', async (t) => {
  if (!lab.up) return skipOrFail(t, lab.why);
  for (const s of wasmSize()) console.log(`wasm size: ${s.file} ${s.raw} bytes raw, ${(s.gz / 1024).toFixed(1)} KiB gzipped (budget 700 KB)`);
  const b = await launch();
  try {
    const t0 = Date.now();
    await b.page.goto(base + '/');
    await b.page.click('[data-testid=load-sample]');
    await waitForReport(b.page);
    console.log(`page load to first report on the sample: ${Date.now() - t0} ms (budget < 1000 ms)`);
    const score = await b.page.textContent('[data-testid=score]');
    assert.match(score, /\d/, 'score shows a number');
    const v = await verdicts(b.page);
    for (const [k, word] of Object.entries(v)) {
      assert.match(word, /\b(pass|fail|softfail|neutral|none|temperror|permerror|policy)\b/, `${k} verdict shows a result word: ${word}`);
    }
    // The bundled sample is answered from its own zone (shop.example): every verdict is known.
    assert.match(v.spf, /\bpass\b/, `sample SPF: ${v.spf}`);
    assert.match(v.dkim, /\bpass\b/, `sample DKIM: ${v.dkim}`);
    assert.match(v.dmarc, /\bpass\b/, `sample DMARC: ${v.dmarc}`);
    assert.match(v.arc, /\bnone\b/, `sample ARC: ${v.arc}`);
    assert.ok((await findingIds(b.page)).some((f) => f.id === 'dmarc.policy_none'), 'the sample\'s p=none is reported');
    assert.ok((await findingIds(b.page)).length > 0, 'findings are listed');
    assert.ok(await b.page.$('[data-finding-id]'), 'findings carry data-finding-id');
    await screenshot(b.page, 'analyze-sample');
    await b.page.setViewportSize({ width: 375, height: 800 });
    const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `usable at 375 px: the page is ${overflow}px wider than the viewport`);
    await screenshot(b.page, 'analyze-sample-375px');
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});

test('DKIM-signed message analysed with DNS over DoH: SPF, DKIM, DMARC pass; the message never leaves the page', async (t) => {
  if (!lab.up) return skipOrFail(t, lab.why);
  const token = `privtok${crypto.randomBytes(8).toString('hex')}`;
  const msg = newsletter({ keyPem: lab.dkimKeyPem, date: new Date(), secret: token, upstream: false });
  assert.ok(msg.includes(token));
  const b = await launch();
  try {
    await b.page.goto(base + '/');
    // Point the page explicitly at the lab-backed DoH endpoint (and check it is remembered).
    const doh = `${base}/dns-query`;
    await b.page.fill('[data-testid=doh-endpoint]', doh);
    await b.page.press('[data-testid=doh-endpoint]', 'Enter');
    assert.equal(await b.page.evaluate(() => localStorage.getItem('inboxlens.doh')), doh);
    const before = b.requests.length;
    await b.page.fill('[data-testid=message-input]', msg);
    await b.page.click('[data-testid=analyze]');
    await waitForReport(b.page);
    const v = await verdicts(b.page);
    assert.match(v.spf, /\bpass\b/, `SPF: ${v.spf}`);
    assert.match(v.dkim, /\bpass\b/, `DKIM: ${v.dkim}`);
    assert.match(v.dmarc, /\bpass\b/, `DMARC: ${v.dmarc}`);
    await screenshot(b.page, 'analyze-dkim-pass');

    // PRIVACY: every request made while analysing — URL, headers, body — is free of the token.
    const during = b.requests.slice(before);
    assert.ok(during.length > 0, 'DNS questions went out');
    const needle = token.toLowerCase();
    for (const r of during) {
      const hay = [r.url, JSON.stringify(r.headers), r.post ? r.post.toString('latin1') : ''].join('\n').toLowerCase();
      assert.ok(!hay.includes(needle), `request ${r.method} ${r.url} carries the message's private token`);
      const u = new URL(r.url);
      const dns = u.searchParams.get('dns');
      if (dns) assert.ok(!Buffer.from(dns, 'base64url').toString('latin1').toLowerCase().includes(needle), `DoH GET ${r.url} carries the token`);
      assert.ok(u.hostname === '127.0.0.1' || u.hostname === 'localhost', `request to a non-loopback host: ${r.url}`);
    }
    const kinds = [...new Set(during.map((r) => new URL(r.url).pathname))];
    console.log(`privacy: ${during.length} requests during analysis, paths ${kinds.join(', ')}; none carries the token`);
    assert.deepEqual(kinds, ['/dns-query'], 'only DoH questions leave the page during analysis');
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});

test('domain check: good.test clean, bad.test shows its problems; shareable URL; what-if overlay', async (t) => {
  if (!lab.up) return skipOrFail(t, lab.why);
  const b = await launch();
  try {
    await b.page.goto(base + '/#/domain');
    await b.page.fill('[data-testid=domain-input]', 'good.test');
    await b.page.click('[data-testid=check-domain]');
    await b.page.waitForSelector('[data-testid=domain-report]', { timeout: REPORT_TIMEOUT });
    assert.equal(new URL(b.page.url()).hash, '#/domain/good.test', 'the URL is shareable');
    const good = await findingIds(b.page, '[data-testid=domain-report]');
    assert.deepEqual(good.filter((f) => f.severity === 'error').map((f) => f.id), [], 'good.test has no error findings');
    await screenshot(b.page, 'domain-good');

    // A shared link checks the domain on arrival.
    await b.page.goto(base + '/#/domain/bad.test');
    await b.page.waitForFunction(() => document.querySelector('[data-testid=domain-report] h2')?.textContent.includes('bad.test'), null, { timeout: REPORT_TIMEOUT });
    const bad = (await findingIds(b.page, '[data-testid=domain-report]')).map((f) => f.id);
    console.log(`bad.test findings: ${bad.join(' ')}`);
    assert.ok(bad.some((id) => id === 'spf_record.multiple' || id === 'spf_record.too_many_lookups'), 'bad.test: SPF problem (two records, too many lookups)');
    assert.ok(bad.some((id) => id.startsWith('dmarc_record.')), 'bad.test: DMARC record problems');
    assert.ok(bad.includes('mx.cname'), 'bad.test: MX points to a CNAME');
    await screenshot(b.page, 'domain-bad');

    // Sections fill in live: slow.test's nameserver answers after 500 ms, so the page shows
    // the sections pending and then done before the whole report. The resolver may hold
    // slow.test in its cache (TTL 60 s) from an earlier test, which makes the live phase
    // short: a MutationObserver records it however brief it is, instead of racing it.
    await b.page.goto(base + '/#/domain');
    await b.page.evaluate(() => {
      window.__live = { pending: false, section: false };
      const seen = () => {
        if (document.querySelector('[data-testid=live-sections] [data-pending]')) window.__live.pending = true;
        if (document.querySelector('[data-testid=live-sections] [data-section]')) window.__live.section = true;
      };
      new MutationObserver(seen).observe(document.body, { childList: true, subtree: true, attributes: true });
    });
    await b.page.fill('[data-testid=domain-input]', 'slow.test');
    await b.page.click('[data-testid=check-domain]');
    await b.page.waitForSelector('[data-testid=live-sections], [data-testid=domain-report]', { timeout: REPORT_TIMEOUT });
    if (await b.page.$('[data-testid=live-sections]')) await screenshot(b.page, 'domain-live');
    await b.page.waitForSelector('[data-testid=domain-report]', { timeout: REPORT_TIMEOUT });
    const live = await b.page.evaluate(() => window.__live);
    assert.ok(live.pending, 'sections were shown pending while their queries ran');
    assert.ok(live.section, 'finished sections were shown before the whole report');

    // What-if: overlay a DMARC record on none.test (which has none) before publishing.
    await b.page.goto(base + '/#/domain');
    await b.page.fill('[data-testid=domain-input]', 'none.test');
    await b.page.click('[data-testid=check-domain]');
    await b.page.waitForSelector('[data-testid=domain-report]', { timeout: REPORT_TIMEOUT });
    const beforeIds = (await findingIds(b.page, '[data-testid=domain-report]')).map((f) => f.id);
    assert.ok(beforeIds.includes('dmarc_record.missing'), `none.test has no DMARC record: ${beforeIds.join(' ')}`);
    await b.page.fill('[data-testid=whatif-input]', '_dmarc 300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@none.test"');
    await b.page.click('[data-testid=check-domain]');
    await b.page.waitForSelector('[data-testid=domain-report]', { timeout: REPORT_TIMEOUT });
    const afterIds = (await findingIds(b.page, '[data-testid=domain-report]')).map((f) => f.id);
    assert.ok(!afterIds.includes('dmarc_record.missing'), `with the what-if record, DMARC is found: ${afterIds.join(' ')}`);
    await screenshot(b.page, 'domain-whatif');
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});

test('explain bounce, errors in words, dark mode', async (t) => {
  if (!lab.up) return skipOrFail(t, lab.why);
  const b = await launch({ width: 375, height: 800 });
  try {
    await b.page.goto(base + '/#/bounce');
    await b.page.fill('[data-testid=bounce-input]', '550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users.\n550 5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.');
    await b.page.click('[data-testid=explain-bounce]');
    await b.page.waitForSelector('[data-testid=bounce-report], [data-testid=error]', { timeout: REPORT_TIMEOUT });
    const text = await b.page.textContent('main');
    assert.match(text, /5\.7\.26/, 'the enhanced status code is shown');
    assert.ok(await b.page.$('[data-testid=bounce-report]'), `bounce explained: ${text.slice(0, 300)}`);
    await screenshot(b.page, 'bounce-375px');

    // Not an email: a human message, no crash.
    await b.page.goto(base + '/#/');
    await b.page.fill('[data-testid=message-input]', 'hello, this is just a sentence');
    await b.page.click('[data-testid=analyze]');
    await b.page.waitForSelector('[data-testid=error]', { timeout: REPORT_TIMEOUT });
    assert.match(await b.page.textContent('[data-testid=error]'), /not an email/i);

    // Dark mode toggle is remembered.
    await b.page.click('header button[aria-pressed]');
    const theme = await b.page.evaluate(() => document.documentElement.getAttribute('data-theme'));
    assert.ok(theme === 'dark' || theme === 'light');
    await b.page.reload();
    await b.page.waitForSelector('[data-testid=doh-endpoint]');
    assert.equal(await b.page.evaluate(() => document.documentElement.getAttribute('data-theme')), theme);
    await b.page.setViewportSize({ width: 1200, height: 900 });
    await b.page.goto(base + '/#/');
    await b.page.click('[data-testid=load-sample]');
    await waitForReport(b.page);
    await screenshot(b.page, `analyze-sample-${theme}`);
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});

test('without the companion server: public DoH default, companion features say what they need', async (t) => {
  if (!lab.up) return skipOrFail(t, lab.why);
  if (process.env.INBOXLENS_BASE_URL) return t.skip('needs the harness (a page not served by `inboxlens serve`)');
  const plain = await startHarness({ dist: DIST, companion: false, upstream: LAB_DNS });
  const b = await launch();
  try {
    // Nothing may reach the public resolver from a test: answer it locally with an error.
    await b.context.route(/^https:\/\//, (route) => route.fulfill({ status: 503, body: 'blocked in tests' }));
    await b.page.goto(plain.url + '/#/domain');
    await b.page.waitForFunction(() => document.querySelector('[data-testid=doh-endpoint]')?.value.startsWith('https://'));
    const doh = await b.page.inputValue('[data-testid=doh-endpoint]');
    assert.equal(doh, 'https://cloudflare-dns.com/dns-query', 'public DoH default without the companion server');
    assert.match(await b.page.textContent('main'), /inboxlens serve/, 'says how to get the companion features');
    // A DoH endpoint that fails: verdicts are temperror and the page says so in words.
    await b.page.goto(plain.url + '/#/');
    await b.page.fill('[data-testid=message-input]', newsletter({ keyPem: lab.dkimKeyPem, date: new Date(), upstream: false }));
    await b.page.click('[data-testid=analyze]');
    await waitForReport(b.page);
    assert.match(await b.page.textContent('[data-testid=report]'), /could not be reached|DNS questions failed/, 'DoH failure explained');
    assert.match(await b.page.textContent('[data-testid=verdict-spf]'), /temperror/);
    await screenshot(b.page, 'analyze-doh-unreachable');
    const external = b.requests.filter((r) => !new URL(r.url).hostname.startsWith('127.'));
    assert.ok(external.every((r) => new URL(r.url).hostname === 'cloudflare-dns.com'), 'only the DoH endpoint is asked');
  } finally { await b.close(); await plain.close(); }
});
