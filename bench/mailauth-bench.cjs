// Verifies every message of a directory with mailauth's authenticate() in one process,
// DNS answered from a JSON cache ({name: {TXT|A|MX|PTR|AAAA: answer}}), like
// `mailauth report --dns-cache`. Prints one JSON line: {messages, seconds, per_second, results}.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const [, , mailauthDir, cacheFile, msgDir] = process.argv;
const { authenticate } = require(path.join(mailauthDir, 'lib', 'mailauth.js'));
const cache = JSON.parse(fs.readFileSync(cacheFile, 'utf-8'));
const resolver = async (name, rr) => {
  const match = cache?.[name.replace(/\.$/, '').toLowerCase()]?.[rr];
  if (!match) { const err = new Error('not found'); err.code = 'ENOTFOUND'; throw err; }
  return match;
};
(async () => {
  const files = fs.readdirSync(msgDir).sort().map(f => path.join(msgDir, f));
  const messages = files.map(f => fs.readFileSync(f));
  const results = {};
  const t0 = process.hrtime.bigint();
  for (const m of messages) {
    const r = await authenticate(m, { trustReceived: true, resolver, mta: 'mx.recipient.example', disableBimi: true });
    const key = `spf=${r.spf?.status?.result} dkim=${r.dkim?.results?.[0]?.status?.result} dmarc=${r.dmarc?.status?.result}`;
    results[key] = (results[key] || 0) + 1;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ messages: messages.length, seconds, per_second: messages.length / seconds, results }));
})().catch(e => { console.error(e); process.exit(1); });
