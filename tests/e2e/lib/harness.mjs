// Test harness for the web app: serves dist/ and an RFC 8484 DoH endpoint backed by the
// lab resolver (plain DNS to 127.0.0.1:53 by default), the way `inboxlens serve` will.
// Loopback only. Every DoH question is logged so tests can see what left the page.
import http from 'node:http';
import dgram from 'node:dgram';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.eml': 'message/rfc822', '.txt': 'text/plain; charset=utf-8', '.ico': 'image/x-icon',
};
const MAX_DNS = 65535;

/** One DNS exchange with the upstream resolver: UDP, then TCP when the answer is truncated (TC bit). */
export async function dnsExchange(query, { host = '127.0.0.1', port = 53, timeoutMs = 4000 } = {}) {
  const udp = await new Promise((resolve, reject) => {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => { sock.close(); reject(new Error('DNS timeout')); }, timeoutMs);
    sock.on('message', (msg) => {
      if (msg.length >= 2 && msg[0] === query[0] && msg[1] === query[1]) {
        clearTimeout(timer); sock.close(); resolve(msg);
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); sock.close(); reject(e); });
    sock.send(query, port, host);
  });
  const truncated = udp.length > 2 && (udp[2] & 0x02) !== 0;
  if (!truncated) return udp;
  return await new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('DNS/TCP timeout')); }, timeoutMs);
    const len = Buffer.alloc(2); len.writeUInt16BE(query.length);
    let buf = Buffer.alloc(0);
    sock.on('connect', () => sock.write(Buffer.concat([len, query])));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > MAX_DNS + 2) { sock.destroy(); reject(new Error('DNS/TCP answer too large')); return; }
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer); sock.end(); resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Question name of a DNS query (for the log). */
export function qname(msg) {
  try {
    const labels = []; let i = 12;
    for (let n = 0; n < 128 && i < msg.length && msg[i] !== 0; n++) {
      const l = msg[i]; labels.push(msg.subarray(i + 1, i + 1 + l).toString('latin1')); i += 1 + l;
    }
    const qtype = msg.readUInt16BE(i + 1);
    return `${labels.join('.')}/${qtype}`;
  } catch { return '?'; }
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = []; let size = 0;
    req.on('data', (c) => { size += c.length; if (size > limit) { reject(new Error('body too large')); req.destroy(); } else chunks.push(c); });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Starts the harness on 127.0.0.1 and a free port.
 * options: dist (folder), companion (answer /api/capabilities like `inboxlens serve`), upstream {host, port}.
 * Returns { url, dohUrl, dnsLog, close() }.
 */
export async function startHarness({ dist, companion = true, upstream = { host: '127.0.0.1', port: 53 } } = {}) {
  const root = path.resolve(dist);
  const dnsLog = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    try {
      if (url.pathname === '/dns-query') {
        let query;
        if (req.method === 'POST') {
          if (!(req.headers['content-type'] || '').startsWith('application/dns-message')) {
            res.writeHead(415).end('content-type must be application/dns-message'); return;
          }
          query = await readBody(req, MAX_DNS);
        } else if (req.method === 'GET' && url.searchParams.get('dns')) {
          query = Buffer.from(url.searchParams.get('dns'), 'base64url');
        } else { res.writeHead(400).end('RFC 8484: POST a DNS message or GET ?dns='); return; }
        if (query.length < 12) { res.writeHead(400).end('short DNS message'); return; }
        dnsLog.push(qname(query));
        // RFC 8484 §4.1: id 0 on the wire to the client; any id upstream.
        const id = query.readUInt16BE(0);
        const q = Buffer.from(query); q.writeUInt16BE(id || Math.floor(Math.random() * 65535) + 1, 0);
        const answer = Buffer.from(await dnsExchange(q, upstream));
        answer.writeUInt16BE(id, 0);
        res.writeHead(200, { 'content-type': 'application/dns-message', 'cache-control': 'no-store' }).end(answer);
        return;
      }
      if (url.pathname === '/api/capabilities') {
        if (!companion) { res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}'); return; }
        res.writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ service: 'inboxlens-test-harness', doh: '/dns-query', features: ['doh'] }));
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
      let file = path.join(root, decodeURIComponent(url.pathname));
      if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
      if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
      if (!fs.existsSync(file)) { res.writeHead(404).end('not found'); return; }
      const body = fs.readFileSync(file);
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' })
        .end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`harness: ${e.message}`);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  return {
    url, dohUrl: `${url}/dns-query`, dnsLog,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
