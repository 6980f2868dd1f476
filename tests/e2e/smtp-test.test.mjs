// The "Test SMTP settings" page (#/smtp-test, issue 12) served by the real companion server
// (`inboxlens serve`) against the lab's Postfix submission (mx.good.test: 587 STARTTLS with AUTH
// only after TLS, 465 implicit TLS, 25 without AUTH, 2525 closed; Dovecot SASL user
// LAB_SUBMIT_USER): the form goes through POST /api/smtp-test, the matrix renders with the
// recommended setting, and a wrong password is explained (535 5.7.8). The password never shows
// in the page. SKIPPED when the lab is down unless INBOXLENS_REQUIRE_LAB=1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, screenshot } from './lib/browser.mjs';
import { findLab, skipOrFail } from './lib/lab.mjs';
import { missing, startServer } from './lib/serve.mjs';

// the server has its own deadlines (a silent port costs its greeting deadline); this only keeps
// a broken run from hanging
const TEST_TIMEOUT = 180_000;
const USER = process.env.LAB_SUBMIT_USER || 'submit@good.test';
const PASSWORD = process.env.LAB_SUBMIT_PASSWORD || 'lab-submit-secret';

let server;
let base;
let why;

before(async () => {
  const lab = await findLab();
  if (!lab.up) { why = lab.why; return; }
  why = missing();
  if (why) return;
  server = await startServer(lab.state);
  base = server.url;
});

after(() => { if (server) server.child.kill(); });

/** The matrix rows: port, security, usable and failure attributes, and the login cell's text. */
function rows(page) {
  return page.$$eval('[data-testid=smtp-test-row]', (els) => els.map((e) => ({
    port: Number(e.getAttribute('data-port')), security: e.getAttribute('data-security'),
    usable: e.getAttribute('data-usable') === 'true', failure: e.getAttribute('data-failure'),
    login: e.querySelectorAll('td')[7].textContent,
  })));
}

async function runTest(page, { host, port, security, user, password }) {
  await page.fill('[data-testid=smtp-test-host]', host);
  if (port) await page.selectOption('[data-testid=smtp-test-port]', port);
  if (security) await page.selectOption('[data-testid=smtp-test-security]', security);
  await page.fill('[data-testid=smtp-test-user]', user || '');
  await page.fill('[data-testid=smtp-test-password]', password || '');
  await page.click('[data-testid=smtp-test-run]');
  await page.waitForSelector('[data-testid=smtp-test-recommended]', { timeout: TEST_TIMEOUT });
}

test('smtp-test page: the submission matrix of the lab Postfix renders with the recommended setting', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch({ width: 1400, height: 1100 });
  try {
    await b.page.goto(base + '/#/smtp-test');
    assert.equal(await b.page.getAttribute('header nav a[href="#/smtp-test"]', 'aria-current'), 'page', 'nav entry is current');
    assert.match(await b.page.textContent('header nav a[href="#/smtp-test"]'), /Test SMTP settings/);
    await runTest(b.page, { host: 'mx.good.test', user: USER, password: PASSWORD });

    const rec = b.page.locator('[data-testid=smtp-test-recommended]');
    assert.equal(await rec.getAttribute('data-port'), '587');
    assert.equal(await rec.getAttribute('data-security'), 'starttls');
    assert.equal(await rec.getAttribute('data-auth'), 'PLAIN');
    assert.match(await rec.textContent(), /port 587, STARTTLS, AUTH PLAIN/);

    const got = await rows(b.page);
    assert.equal(got.length, 12, 'every port x security');
    const at = (port, security) => got.find((r) => r.port === port && r.security === security);
    assert.ok(at(587, 'starttls').usable, JSON.stringify(got));
    assert.match(at(587, 'starttls').login, /ok 235 2\.7\.0/);
    assert.ok(at(465, 'implicit').usable, 'accepted on 587, so 465 was logged in too');
    assert.equal(at(587, 'implicit').failure, 'implicit_tls_on_starttls_port');
    assert.equal(at(465, 'starttls').failure, 'starttls_on_implicit_port');
    assert.equal(at(587, 'none').failure, 'auth_not_offered_before_tls');
    for (const s of ['implicit', 'starttls', 'none']) assert.equal(at(2525, s).failure, 'connection_refused');
    const matrix = await b.page.textContent('[data-testid=smtp-test-matrix]');
    assert.match(matrix, /TLSv1\.[23]/);
    assert.match(matrix, /PLAIN LOGIN/);
    const findings = await b.page.textContent('[data-testid=smtp-test-report]');
    assert.match(findings, /Implicit TLS spoken to a STARTTLS port/);

    // one request, the password only in its body, never in the page
    const calls = b.requests.filter((r) => new URL(r.url).pathname === '/api/smtp-test');
    assert.equal(calls.length, 1);
    assert.deepEqual(JSON.parse(calls[0].post.toString()), { host: 'mx.good.test', port: 'auto', security: 'auto', user: USER, password: PASSWORD });
    const shown = await b.page.evaluate(() => document.body.innerText + document.body.innerHTML);
    assert.ok(!shown.includes(PASSWORD), 'the password is not rendered');
    await screenshot(b.page, 'smtp-test-matrix');
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});

test('smtp-test page: a wrong password is refused with 535 5.7.8 and explained, nothing recommended', async (t) => {
  if (!base) return skipOrFail(t, why);
  const b = await launch();
  try {
    await b.page.goto(base + '/#/smtp-test');
    await runTest(b.page, { host: 'mx.good.test', port: '587', security: 'starttls', user: USER, password: 'not-the-password' });
    const rec = b.page.locator('[data-testid=smtp-test-recommended]');
    assert.equal(await rec.getAttribute('data-port'), '');
    assert.match(await rec.textContent(), /nothing works/);
    const got = await rows(b.page);
    assert.equal(got.length, 1);
    assert.equal(got[0].failure, 'bad_credentials');
    assert.match(got[0].login, /refused 535 5\.7\.8/);
    const report = await b.page.textContent('[data-testid=smtp-test-report]');
    assert.match(report, /User name or password not accepted \(535 5\.7\.8\)/);
    assert.match(report, /RFC 4954 §6/);
    await screenshot(b.page, 'smtp-test-wrong-password');
    assert.deepEqual(b.consoleErrors, [], 'no console errors');
  } finally { await b.close(); }
});
