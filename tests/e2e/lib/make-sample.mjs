// Regenerates frontend/assets/sample.eml (the "Load sample" message) with the running lab's
// DKIM key:  node tests/e2e/lib/make-sample.mjs   (LAB_STATE honoured)
// With another lab's keys the sample's DKIM verdict is `fail` (the page explains why).
import fs from 'node:fs';
import path from 'node:path';
import { findLab } from './lab.mjs';
import { newsletter } from './messages.mjs';

const lab = await findLab();
if (!lab.up) { console.error(`make-sample: ${lab.why}`); process.exit(1); }
const out = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../frontend/assets/sample.eml');
const msg = newsletter({ keyPem: lab.dkimKeyPem, date: new Date(Date.UTC(2026, 10, 23, 9, 14, 7)) });
fs.writeFileSync(out, msg);
console.log(`make-sample: wrote ${out} (${msg.length} bytes, signed with ${lab.state}/keys/dkim/s1.good.test.pem)`);
