// The Verify page (#/verify, issue 11) served by the real companion server (`inboxlens serve`)
// against the mail lab's verify.test receivers (tests/lab/bin/verifysmtp.py on 127.0.0.70-80):
// a pasted list goes through POST /api/verify and comes back row by row; a list over 100
// addresses and an uploaded CSV run as jobs (POST /api/verify/jobs, progress by SSE) and end with
// a summary and the cleaned CSV. Without the server, the page says what it needs.
// ratelimit.verify.test is avoided: its per-minute budget is shared with the server tests.
// SKIPPED when the lab is down unless INBOXLENS_REQUIRE_LAB=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, screenshot } from './lib/browser.mjs';
import { startHarness } from './lib/harness.mjs';
import { findLab, skipOrFail, LAB_DNS } from './lib/lab.mjs';
import { DIST, missing, startServer } from './lib/serve.mjs';

// the SMTP side has its own deadlines; these only keep a broken run from hanging
const DIRECT_TIMEOUT = 180_000;
const JOB_TIMEOUT = 300_000;

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

/** The rows of the results table: address, verdict and reason attributes. */
function rows(page) {
  return page.$$eval('[data-testid=verify-row]', (els) => els.map((e) => ({
    address: e.getAttribute('data-address'), verdict: e.getAttribute('data-verdict'), reason: e.getAttribute('data-reason'),
  })));
}

/** The summary's count per verdict (data-count) and its total. */
async function summary(page) {
  return page.$eval('[data-testid=verify-summary]', (el) => {
    const counts = { total: Number(el.getAttribute('data-total')) };
    for (const c of el.querySelectorAll('[data-verdict]')) counts[c.getAttribute('data-verdict')] = Number(c.getAttribute('data-count'));
    return counts;
  });
}

/** The text behind the download link (a blob: URL or the job's result.csv), fetched by the page. */
function downloaded(page) {
  return page.$eval('[data-testid=verify-download]', async (a) => {
    const r = await fetch(a.href);
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text(), href: a.getAttribute('href') };
  });
}

const lines = (text) => text.split(/\r?\n/).filter((l) => l !== '');

/** Records whether an element matching `selector` was ever in the page (installed before the click). */
function watchFor(page, selector) {
  return page.evaluate((sel) => {
    window.__seen = window.__seen || {};
    window.__seen[sel] = !!document.querySelector(sel);
    new MutationObserver(() => { if (document.querySelector(sel)) window.__seen[sel] = true; })
      .observe(document.body, { childList: true, subtree: true });
  }, selector);
}
const seen = (page, selector) => page.evaluate((sel) => !!(window.__seen && window.__seen[sel]), selector);

test('verify page, pasted list: one request to /api/verify, a row per address with the core verdict, summary, filters, cleaned CSV', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch();
  try {
    await b.page.goto(base + '/#/verify');
    assert.equal(await b.page.getAttribute('header nav a[href="#/verify"]', 'aria-current'), 'page', 'nav link "Verify list" is current');
    assert.match(await b.page.textContent('header nav a[href="#/verify"]'), /Verify list/);
    const list = ['user@accept.verify.test', 'nobody@accept.verify.test', 'a@nullmx.verify.test', 'x@catchall.verify.test', 'user@block.verify.test'];
    await b.page.fill('textarea[data-testid=verify-input]', list.join('\n'));
    await b.page.click('button[data-testid=verify]');
    await b.page.waitForSelector('[data-testid=verify-summary]', { timeout: DIRECT_TIMEOUT });

    const got = await rows(b.page);
    assert.deepEqual(got.map((r) => r.address), list, 'one row per address, in order');
    assert.deepEqual(got.map((r) => r.verdict), ['deliverable', 'undeliverable', 'undeliverable', 'risky', 'unknown'],
      `verdicts: ${JSON.stringify(got)}`);
    assert.deepEqual(got.map((r) => r.reason), ['mailbox_exists', 'mailbox_not_found', 'no_mail_domain', 'catch_all', 'blocked']);
    assert.deepEqual(await summary(b.page), { total: 5, deliverable: 1, undeliverable: 2, risky: 1, unknown: 1 });
    const table = await b.page.textContent('[data-testid=verify-results]');
    assert.match(table, /mx\.accept\.verify\.test/, 'the MX that answered is shown');
    assert.match(table, /catch-all/, 'the catch-all flag is shown');

    const calls = b.requests.filter((r) => new URL(r.url).pathname.startsWith('/api/verify'));
    assert.deepEqual(calls.map((r) => `${r.method} ${new URL(r.url).pathname}`), ['POST /api/verify'], 'a short list is one direct request');
    assert.deepEqual(JSON.parse(calls[0].post.toString()), { addresses: list });

    // filters hide and show a verdict's rows
    await b.page.click('[data-testid=verify-filter-undeliverable]');
    assert.deepEqual((await rows(b.page)).map((r) => r.verdict), ['deliverable', 'risky', 'unknown']);
    assert.equal(await b.page.getAttribute('[data-testid=verify-filter-undeliverable]', 'aria-pressed'), 'false');
    await b.page.click('[data-testid=verify-filter-undeliverable]');
    assert.equal((await rows(b.page)).length, 5);

    // the cleaned CSV, written in the page: the pasted rows with the added columns, quoted where needed
    const csv = await downloaded(b.page);
    const out = lines(csv.text);
    assert.equal(out.length, 6, csv.text);
    assert.equal(out[0], 'address,verdict,reason,detail,mx,catch_all,disposable,role,free');
    assert.match(out[1], /^user@accept\.verify\.test,deliverable,mailbox_exists,/);
    assert.match(out[5], /^user@block\.verify\.test,unknown,blocked,/);
    await screenshot(b.page, 'verify-direct');
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});

test('verify page, 120 addresses: a job with progress, a summary and a cleaned CSV of 121 lines', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch();
  try {
    await b.page.goto(base + '/#/verify');
    const existing = ['user', 'info', 'postmaster', 'sales'];
    const list = Array.from({ length: 120 }, (_, i) =>
      (i % 5 === 0 ? existing[(i / 5) % existing.length] : `nobody${i}`) + '@accept.verify.test');
    const expectDeliverable = list.filter((a) => existing.includes(a.split('@')[0])).length;
    await b.page.fill('textarea[data-testid=verify-input]', list.join('\n'));
    await watchFor(b.page, '[data-testid=verify-progress]');
    await b.page.click('button[data-testid=verify]');
    await b.page.waitForSelector('[data-testid=verify-summary]', { timeout: JOB_TIMEOUT });

    assert.ok(await seen(b.page, '[data-testid=verify-progress]'), 'a progress bar was shown while the job ran');
    const paths = b.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`).filter((p) => p.includes('/api/verify'));
    assert.ok(paths.includes('POST /api/verify/jobs'), `a long list runs as a job: ${paths.join(', ')}`);
    assert.ok(!paths.includes('POST /api/verify'), 'and not as a direct request');
    const job = b.requests.find((r) => r.method === 'POST' && new URL(r.url).pathname === '/api/verify/jobs');
    assert.match(job.headers['content-type'], /^text\/plain/);
    assert.ok(paths.some((p) => /^GET \/api\/verify\/jobs\/[^/]+\/events$/.test(p)), 'progress followed by server-sent events');

    assert.deepEqual(await summary(b.page),
      { total: 120, deliverable: expectDeliverable, undeliverable: 120 - expectDeliverable, risky: 0, unknown: 0 });
    const shown = await rows(b.page);
    assert.equal(shown.length, 120, 'the job\'s rows are shown');
    assert.deepEqual(shown.map((r) => r.address), list);
    // an existing role mailbox stays deliverable, flagged as a role
    const info = await b.page.$$eval('[data-testid=verify-row][data-address^="info@"]',
      (els) => els.map((e) => [e.getAttribute('data-verdict'), e.querySelector('.flag')?.textContent]));
    assert.ok(info.length > 0 && info.every(([v, flag]) => v === 'deliverable' && flag === 'role'), JSON.stringify(info));

    const csv = await downloaded(b.page);
    assert.equal(csv.status, 200);
    assert.match(csv.href, /^\/api\/verify\/jobs\/[^/]+\/result\.csv$/);
    const out = lines(csv.text);
    assert.equal(out.length, 121, 'header + 120 rows');
    assert.match(out[0], /^address,verdict,reason,detail,mx,catch_all,disposable,role,free$/);
    assert.match(out[1], /^user@accept\.verify\.test,deliverable,/);
    assert.match(out[2], /^nobody1@accept\.verify\.test,undeliverable,mailbox_not_found,/);
    await screenshot(b.page, 'verify-job');
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});

test('verify page, job whose event stream fails: the page polls the job status to the end', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch();
  try {
    // the network drops the event stream; the server itself is untouched
    await b.context.route(/\/api\/verify\/jobs\/[^/]+\/events$/, (route) => route.abort('connectionreset'));
    await b.page.goto(base + '/#/verify');
    const list = Array.from({ length: 101 }, (_, i) => (i % 2 ? `gone${i}` : 'sales') + '@accept.verify.test');
    await b.page.fill('textarea[data-testid=verify-input]', list.join('\n'));
    await b.page.click('button[data-testid=verify]');
    await b.page.waitForSelector('[data-testid=verify-summary]', { timeout: JOB_TIMEOUT });
    assert.deepEqual(await summary(b.page), { total: 101, deliverable: 51, undeliverable: 50, risky: 0, unknown: 0 });
    const paths = b.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`);
    assert.ok(paths.some((p) => /^GET \/api\/verify\/jobs\/[0-9a-f]+$/.test(p)), `polled the status: ${paths.filter((p) => p.includes('/api/verify')).join(', ')}`);
    assert.equal(lines((await downloaded(b.page)).text).length, 102);
    assert.deepEqual(b.consoleErrors.filter((e) => !/ERR_CONNECTION_RESET|EventSource/.test(e)), [], 'no console errors (but the dropped stream)');
  } finally { await b.close(); }
});

test('verify page, stopping a job cancels it on the server', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch();
  try {
    await b.page.goto(base + '/#/verify');
    // grey.verify.test answers 450 until LAB_VERIFY_GREY_S (3 s) have passed: the job cannot end before the click
    // fresh local parts per run: a triplet seen in an earlier run would be let through at once
    const run = `${process.pid}${Date.now() % 100000}`;
    const list = Array.from({ length: 101 }, (_, i) => `g${run}x${i}@grey.verify.test`);
    await b.page.fill('textarea[data-testid=verify-input]', list.join('\n'));
    await b.page.click('button[data-testid=verify]');
    await b.page.waitForSelector('[data-testid=verify-stop]', { timeout: JOB_TIMEOUT });
    const id = await b.page.getAttribute('[data-testid=verify-job]', 'data-job-id');
    await b.page.click('[data-testid=verify-stop]');
    await b.page.waitForSelector('[data-testid=error]', { timeout: JOB_TIMEOUT });
    assert.match(await b.page.textContent('[data-testid=error]'), /Stopped.*cancelled/s);
    assert.ok(b.requests.some((r) => r.method === 'DELETE' && new URL(r.url).pathname === `/api/verify/jobs/${id}`));
    const st = await b.page.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, body: await r.json() }; }, `/api/verify/jobs/${id}`);
    assert.equal(st.status, 200);
    assert.equal(st.body.state, 'cancelled', 'the job is cancelled on the server');
    assert.equal(await b.page.$('[data-testid=verify-summary]'), null, 'no summary of a stopped job');
  } finally { await b.close(); }
});

test('verify page, uploaded CSV: a job that keeps the file\'s rows; a missing column is the server\'s error in words', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch();
  try {
    await b.page.goto(base + '/#/verify');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inboxlens-e2e-verify-'));
    const file = path.join(dir, 'contacts.csv');
    fs.writeFileSync(file, 'name;Contact;note\r\n"Smith; J";user@accept.verify.test;"say ""hi"""\r\nNo One;nobody@accept.verify.test;\r\n');
    try {
      await b.page.setInputFiles('[data-testid=verify-file]', file);
      await b.page.waitForSelector('[data-testid=verify-file-note]');
      await b.page.fill('[data-testid=verify-column]', 'Contact');
      await b.page.click('button[data-testid=verify]');
      await b.page.waitForSelector('[data-testid=verify-summary]', { timeout: JOB_TIMEOUT });
      assert.deepEqual(await summary(b.page), { total: 2, deliverable: 1, undeliverable: 1, risky: 0, unknown: 0 });
      const job = b.requests.find((r) => r.method === 'POST' && new URL(r.url).pathname === '/api/verify/jobs');
      assert.equal(new URL(job.url).searchParams.get('column'), 'Contact');
      assert.match(job.headers['content-type'], /^text\/csv/);
      assert.deepEqual((await rows(b.page)).map((r) => [r.address, r.verdict]),
        [['user@accept.verify.test', 'deliverable'], ['nobody@accept.verify.test', 'undeliverable']]);
      const out = lines((await downloaded(b.page)).text);
      assert.equal(out.length, 3);
      assert.equal(out[0], 'name;Contact;note;verdict;reason;detail;mx;catch_all;disposable;role;free', 'the file\'s header and delimiter are kept');
      assert.ok(out[1].startsWith('"Smith; J";user@accept.verify.test;"say ""hi""";deliverable;'), out[1]);

      // a column the file does not have: the server refuses, the page says why
      await b.page.setInputFiles('[data-testid=verify-file]', file);
      await b.page.fill('[data-testid=verify-column]', 'nope');
      await b.page.click('button[data-testid=verify]');
      await b.page.waitForSelector('[data-testid=error]', { timeout: JOB_TIMEOUT });
      assert.match(await b.page.textContent('[data-testid=error]'), /nope/);
      await screenshot(b.page, 'verify-upload-error');
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
    assert.deepEqual(b.consoleErrors.filter((e) => !/status of 400/.test(e)), [], 'no console errors (but the refused request)');
  } finally { await b.close(); }
});

test('verify page without the companion server: says it is needed and how to start it', async (t) => {
  if (!lab.up) return skipOrFail(t, lab.why);
  if (!fs.existsSync(path.join(DIST, 'index.html'))) return skipOrFail(t, `no ${DIST}/index.html (trunk build)`);
  const plain = await startHarness({ dist: DIST, companion: false, upstream: LAB_DNS });
  const b = await launch();
  try {
    await b.context.route(/^https:\/\//, (route) => route.fulfill({ status: 503, body: 'blocked in tests' }));
    await b.page.goto(plain.url + '/#/verify');
    await b.page.waitForSelector('[data-testid=verify-needs-server]');
    assert.match(await b.page.textContent('[data-testid=verify-needs-server]'), /scripts\/run\.sh/);
    await b.page.fill('textarea[data-testid=verify-input]', 'user@accept.verify.test');
    await b.page.click('button[data-testid=verify]');
    await b.page.waitForSelector('[data-testid=error]');
    assert.match(await b.page.textContent('[data-testid=error]'), /needs the Inboxlens server.*scripts\/run\.sh/s);
    assert.ok(!b.requests.some((r) => new URL(r.url).pathname.startsWith('/api/verify')), 'nothing was sent');
    await screenshot(b.page, 'verify-no-server');
    assert.deepEqual(b.consoleErrors.filter((e) => !/status of 404/.test(e)), [], 'no console errors (but the 404 of /api/capabilities)');
  } finally { await b.close(); await plain.close(); }
});
