// A small DKIM signer (RFC 6376) on node's crypto, for tests: rsa-sha256 or ed25519-sha256
// (RFC 8463), relaxed/relaxed canonicalization (§3.4.2, §3.4.4).
import crypto from 'node:crypto';

const CRLF = '\r\n';

/** §3.4.4 relaxed body: WSP runs → one SP, no trailing WSP, no trailing empty lines. */
export function relaxedBody(body) {
  const lines = body.replace(/\r?\n/g, CRLF).split(CRLF).map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? lines.join(CRLF) + CRLF : '';
}

/** §3.4.2 relaxed header: lower-case name, unfolded value with WSP runs → one SP, trimmed. */
export function relaxedHeader(name, value) {
  const v = value.replace(/\r?\n(?=[ \t])/g, '').replace(/[ \t]+/g, ' ').trim();
  return `${name.trim().toLowerCase()}:${v}`;
}

function splitMessage(raw) {
  const msg = raw.replace(/\r?\n/g, CRLF);
  const idx = msg.indexOf(CRLF + CRLF);
  const head = idx < 0 ? msg : msg.slice(0, idx + 2);
  const body = idx < 0 ? '' : msg.slice(idx + 4);
  const fields = [];
  for (const line of head.split(CRLF)) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1].value += CRLF + line;
    else { const c = line.indexOf(':'); fields.push({ name: line.slice(0, c), value: line.slice(c + 1) }); }
  }
  return { fields, body, head };
}

/**
 * Signs `raw` and returns the message with a DKIM-Signature field on top.
 * opts: { domain, selector, privateKeyPem, headers = ['from','to','subject','date','message-id'], time, algorithm }
 */
export function dkimSign(raw, { domain, selector, privateKeyPem, headers = ['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type'], time = Math.floor(Date.now() / 1000), algorithm } = {}) {
  const key = crypto.createPrivateKey(privateKeyPem);
  const alg = algorithm || (key.asymmetricKeyType === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256');
  const { fields, body } = splitMessage(raw);
  const bh = crypto.createHash('sha256').update(relaxedBody(body), 'utf8').digest('base64');
  // §5.4.2: sign the last instance of each named field; names not present are skipped.
  const used = new Map();
  const signed = [];
  const hList = [];
  for (const h of headers) {
    const all = fields.filter((f) => f.name.trim().toLowerCase() === h);
    const n = used.get(h) || 0;
    const f = all[all.length - 1 - n];
    if (f) { signed.push(relaxedHeader(f.name, f.value)); hList.push(h); used.set(h, n + 1); }
  }
  const sigValue = ` v=1; a=${alg}; c=relaxed/relaxed; d=${domain}; s=${selector}; t=${time};${CRLF}\th=${hList.join(':')};${CRLF}\tbh=${bh};${CRLF}\tb=`;
  const data = signed.map((s) => s + CRLF).join('') + relaxedHeader('DKIM-Signature', sigValue);
  let b;
  if (alg === 'ed25519-sha256') {
    b = crypto.sign(null, crypto.createHash('sha256').update(data, 'utf8').digest(), key).toString('base64');
  } else {
    b = crypto.sign('sha256', Buffer.from(data, 'utf8'), key).toString('base64');
  }
  const folded = b.replace(/(.{72})/g, `$1${CRLF}\t `).trimEnd();
  return `DKIM-Signature:${sigValue}${folded}${CRLF}${raw.replace(/\r?\n/g, CRLF)}`;
}
