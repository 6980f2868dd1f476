// Finds the running mail lab: its resolver must answer, and the DKIM key we sign with must
// be the one its good.test zone publishes (LAB_STATE, else /tmp/inboxlens-lab, /tmp/mail-lab).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { dnsExchange } from './harness.mjs';

export const LAB_DNS = { host: process.env.LAB_DNS_HOST || '127.0.0.1', port: Number(process.env.LAB_DNS_PORT || 53) };

function buildQuery(name, qtype) {
  const parts = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  const header = Buffer.alloc(12); header.writeUInt16BE(Math.floor(Math.random() * 65535) + 1, 0); header.writeUInt16BE(0x0100, 2); header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5); tail.writeUInt16BE(qtype, 1); tail.writeUInt16BE(1, 3);
  return Buffer.concat([header, ...parts, tail]);
}

/** TXT strings of the first answers (minimal parser: enough for the lab's small answers). */
export async function txt(name) {
  const ans = await dnsExchange(buildQuery(name, 16), { ...LAB_DNS, timeoutMs: 2000 });
  const rcode = ans[3] & 0x0f;
  const ancount = ans.readUInt16BE(6);
  let i = 12;
  const skipName = () => { for (let n = 0; n < 128; n++) { const l = ans[i]; if (l === 0) { i += 1; return; } if ((l & 0xc0) === 0xc0) { i += 2; return; } i += 1 + l; } };
  skipName(); i += 4;
  const out = [];
  for (let a = 0; a < ancount; a++) {
    skipName();
    const type = ans.readUInt16BE(i); const rdlen = ans.readUInt16BE(i + 8); i += 10;
    if (type === 16) {
      let j = i; const strs = [];
      while (j < i + rdlen) { const l = ans[j]; strs.push(ans.subarray(j + 1, j + 1 + l).toString('latin1')); j += 1 + l; }
      out.push(strs.join(''));
    }
    i += rdlen;
  }
  return { rcode, records: out };
}

/**
 * { up: bool, why, state, dkimKeyPem } — `state` is the LAB_STATE whose s1.good.test key
 * matches the published one.
 */
export async function findLab() {
  let published;
  try {
    const r = await txt('s1._domainkey.good.test');
    published = r.records.find((t) => t.includes('p='));
    if (!published) return { up: false, why: `the lab resolver ${LAB_DNS.host}:${LAB_DNS.port} has no s1._domainkey.good.test key (rcode ${r.rcode})` };
  } catch (e) {
    return { up: false, why: `the lab resolver ${LAB_DNS.host}:${LAB_DNS.port} does not answer (${e.message}); start it with tests/lab/up.sh` };
  }
  const p = (published.match(/p=([A-Za-z0-9+/=]+)/) || [])[1];
  const candidates = [process.env.LAB_STATE, '/tmp/inboxlens-lab', '/tmp/mail-lab'].filter(Boolean);
  for (const state of candidates) {
    const pem = path.join(state, 'keys/dkim/s1.good.test.pem');
    if (!fs.existsSync(pem)) continue;
    const keyPem = fs.readFileSync(pem);
    const spki = crypto.createPublicKey(crypto.createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' }).toString('base64');
    if (spki === p) return { up: true, state, dkimKeyPem: keyPem };
  }
  return { up: false, why: `no s1.good.test.pem matching the published key in ${candidates.join(', ')} (set LAB_STATE)` };
}

/** Prints a loud SKIPPED line, or throws when INBOXLENS_REQUIRE_LAB=1. */
export function skipOrFail(t, why) {
  const msg = `SKIPPED: e2e web tests need the mail lab: ${why}`;
  if (process.env.INBOXLENS_REQUIRE_LAB === '1') throw new Error(msg);
  console.error(`\n*** ${msg} ***\n`);
  t.skip(msg);
}
