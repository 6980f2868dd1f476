// The real companion server for e2e tests: `inboxlens serve` on a free loopback port, with the
// lab's resolver, CA and SMTP peers (--allow-private: the lab lives on 127.0.0.x).
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
export const BIN = process.env.INBOXLENS_BIN || path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'debug', 'inboxlens');
export const DIST = process.env.INBOXLENS_DIST || path.join(ROOT, 'dist');

/** Why the server cannot be started here, or null. */
export function missing() {
  if (!fs.existsSync(BIN)) return `no ${BIN} (cargo build -p inboxlens, or set INBOXLENS_BIN)`;
  if (!fs.existsSync(path.join(DIST, 'index.html'))) return `no ${DIST}/index.html (trunk build)`;
  return null;
}

/** Starts `inboxlens serve` (lab state folder `state`); resolves with { child, url, output() }. */
export function startServer(state, extraArgs = []) {
  return new Promise((resolve, reject) => {
    const env = {
      ...process.env,
      INBOXLENS_TRUST_ANCHORS: path.join(state, 'keys/tls/ca.crt'),
      INBOXLENS_DOH_UPSTREAM: '127.0.0.1:53',
      INBOXLENS_EHLO_NAME: 'probe.inboxlens.test',
      INBOXLENS_DIST: DIST,
    };
    const args = ['serve', '--listen', '127.0.0.1:0', '--resolver', '127.0.0.1', '--allow-private', ...extraArgs];
    const child = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => { child.kill(); reject(new Error('inboxlens serve did not start within 20 s')); }, 20_000);
    let out = '';
    let started = false;
    const onData = (d) => {
      // keep the tail only: a long run logs a lot
      out = (out + d.toString()).slice(-20_000);
      const m = !started && out.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) { started = true; clearTimeout(timer); resolve({ child, url: m[1], output: () => out }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); if (!started) reject(new Error(`inboxlens serve exited (${code}): ${out.slice(-500)}`)); });
  });
}
