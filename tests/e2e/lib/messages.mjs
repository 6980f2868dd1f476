// Realistic test messages from good.test (the lab's well-configured domain), relayed by
// mx.good.test (127.0.0.10, the address good.test's SPF record allows), DKIM-signed with
// the lab's s1 key. Used by the e2e tests.
import { dkimSign } from './dkim.mjs';

const HEADERS = ['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type',
  'list-unsubscribe', 'list-unsubscribe-post'];

function rfc2822(d) {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * A newsletter as the reader's mailbox received it. `secret` (optional) goes into the body only.
 * Returns the full message (CRLF line ends).
 */
export function newsletter({ keyPem, date = new Date(), secret = '', upstream = true }) {
  const t = Math.floor(date.getTime() / 1000);
  const sent = rfc2822(new Date((t - 3) * 1000));
  const relayed = rfc2822(new Date((t - 2) * 1000));
  const delivered = rfc2822(date);
  const id = `${t.toString(16)}.7f2a31`;
  const greeting = secret ? `Your account reference is ${secret}. Keep it private.` : 'Thanks for reading.';
  const core = [
    'From: Good Test Newsletter <news@good.test>',
    'To: Reader <reader@example.net>',
    'Subject: Your November product update',
    `Date: ${sent}`,
    `Message-ID: <${id}@app1.good.test>`,
    'MIME-Version: 1.0',
    'List-Unsubscribe: <https://good.test/unsubscribe?u=8c1f2e>,',
    ' <mailto:unsubscribe@good.test?subject=unsubscribe>',
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    'Content-Type: multipart/alternative; boundary="b1_7f2a31"',
    '',
    '--b1_7f2a31',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    'Hello,',
    '',
    'Here is what changed this month:',
    '',
    '* Faster search across all your projects',
    '* Dark mode for the dashboard',
    '* Exports in CSV and JSON',
    '',
    'Read the full notes: https://good.test/changelog/2026-11',
    '',
    greeting,
    '-- ',
    'Good Test Inc., 1 Example Street, Springfield',
    'Unsubscribe: https://good.test/unsubscribe?u=8c1f2e',
    '',
    '--b1_7f2a31',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    '<!doctype html><html><body style="font-family:sans-serif">',
    '<h1>November product update</h1>',
    '<p>Hello,</p><p>Here is what changed this month:</p>',
    '<ul><li>Faster search across all your projects</li><li>Dark mode for the dashboard</li><li>Exports in CSV and JSON</li></ul>',
    '<p><a href="https://good.test/changelog/2026-11">Read the full notes</a></p>',
    `<p>${greeting}</p>`,
    '<p style="color:#666;font-size:12px">Good Test Inc., 1 Example Street, Springfield &middot;',
    '<a href="https://good.test/unsubscribe?u=8c1f2e">Unsubscribe</a></p>',
    '</body></html>',
    '',
    '--b1_7f2a31--',
    '',
  ].join('\r\n');
  const signed = dkimSign(core, { domain: 'good.test', selector: 's1', privateKeyPem: keyPem, headers: HEADERS, time: t - 3 });
  const trace = [
    'Return-Path: <bounce+news@good.test>',
    ...(upstream ? ['Authentication-Results: mx.example.net;',
      '\tspf=pass (mx.example.net: domain of bounce+news@good.test designates 127.0.0.10 as permitted sender) smtp.mailfrom=bounce+news@good.test;',
      '\tdkim=pass header.d=good.test header.s=s1 header.b=' + (signed.match(/b=([A-Za-z0-9+/]{8})/) || ['', 'x'])[1] + ';',
      '\tdmarc=pass (p=reject dis=none) header.from=good.test'] : []),
    'Received: from mx.good.test (mx.good.test [127.0.0.10])',
    '\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))',
    `\tby mx.example.net (Postfix) with ESMTPS id 4Nx2Lq3kTz9sR`,
    `\tfor <reader@example.net>; ${delivered}`,
    'Received: from app1.good.test (app1.good.test [127.0.0.10])',
    `\tby mx.good.test (Postfix) with ESMTPSA id 7F2A31C0042`,
    `\tfor <reader@example.net>; ${relayed}`,
  ].join('\r\n');
  return `${trace}\r\n${signed}`;
}
