// Load generator: N concurrent workers in a tight async loop over keep-alive HTTP
// (node's own http.Agent, no third-party load tool). Run by run.mjs as a child process,
// so it never shares an event loop with the server it measures.
//
// client 'agent' (default): node:http with a keep-alive Agent — costs ~100 µs CPU per request.
// client 'raw': one net.Socket per worker, the request written as one buffer, the response read by
// Content-Length — several times cheaper, so that on a 2-core machine the generator takes less
// of the CPU the server needs. Responses without Content-Length (chunked) are counted as errors.
//
//   node bench/load.mjs '<json config>'
//
// config: { url, mode: 'get'|'create'|'retrieve'|'post'|'list', concurrency, durationS, warmupS,
//           client?: 'agent'|'raw', secretKey?, body?, idsIn?, idsOut?, stripeVersion?,
//           headers? (added to every request, e.g. { 'Stripe-Account': 'acct_…' }) }
// Prints one JSON line with the results on stdout.
import http from 'node:http';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const config = JSON.parse(process.argv[2]);
const {
  url,
  mode,
  concurrency = 32,
  durationS = 5,
  warmupS = 1,
  secretKey = '',
  stripeVersion = '2026-10-28.endive',
  body = '',
  idsIn,
  idsOut,
  client = 'agent',
  headers: extraHeaders = {},
  // Open loop: requests start on a fixed schedule of `rate` per second in total (one every 1/rate s),
  // each on a free connection of the `concurrency` pool, whatever the answers' pace; a request whose
  // slot passed while every connection was busy starts at once and its latency counts from its slot.
  // Unset: closed loop, each connection sends its next request as soon as the last one is answered.
  rate = 0,
  // true: print `mark window-start` / `mark window-end` lines on stdout when the measured window opens and
  // closes, so the caller can read the server's CPU over the window alone (steady state, no JIT warm-up).
  marks = false,
} = config;

const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
const bodyBuffer = Buffer.from(body);

// What stripe-node 23 sends on a POST (minus X-Stripe-Client-User-Agent's long JSON).
const baseHeaders = {
  Authorization: `Bearer ${secretKey}`,
  'Stripe-Version': stripeVersion,
  'User-Agent': 'Stripe/v1 NodeBindings/23.1.0',
  Accept: 'application/json',
  ...extraHeaders,
};

let ids = [];
if (mode === 'retrieve') {
  ids = readFileSync(idsIn, 'utf8').split('\n').filter(Boolean);
  if (ids.length === 0) throw new Error('no ids to retrieve');
}
const createdIds = [];
const maxIdsKept = 200_000;

function agentRequest(_w, method, path, headers, payload) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers,
        agent,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }),
        );
        res.on('error', (error) => resolve({ status: 0, body: Buffer.from(String(error)) }));
      },
    );
    req.on('error', (error) => resolve({ status: 0, body: Buffer.from(String(error)) }));
    if (payload) req.end(payload);
    else req.end();
  });
}

/** A keep-alive connection with one request in flight at a time. */
class RawConnection {
  constructor() {
    this.socket = null;
    this.pending = null;
    this.buffer = Buffer.alloc(0);
  }

  connect() {
    const socket = net.connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.tryParse();
    });
    const fail = (error) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const pending = this.pending;
      this.pending = null;
      pending?.({ status: 0, body: Buffer.from(String(error ?? 'connection closed')) });
    };
    socket.on('error', fail);
    socket.on('close', () => fail(null));
  }

  tryParse() {
    if (!this.pending) return;
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffer.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) {
      this.socket.destroy();
      this.socket = null;
      const pending = this.pending;
      this.pending = null;
      pending({ status: 0, body: Buffer.from(`response without Content-Length: ${head.slice(0, 200)}`) });
      return;
    }
    const total = headerEnd + 4 + Number(m[1]);
    if (this.buffer.length < total) return;
    const responseBody = this.buffer.subarray(headerEnd + 4, total);
    this.buffer = this.buffer.subarray(total);
    const pending = this.pending;
    this.pending = null;
    pending({ status, body: responseBody });
  }

  request(method, path, headers, payload) {
    if (!this.socket) this.connect();
    let head = `${method} ${path} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    head += '\r\n';
    return new Promise((resolve) => {
      this.pending = resolve;
      this.socket.write(payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : head);
    });
  }
}
const rawConnections = [];
function rawRequest(w, method, path, headers, payload) {
  rawConnections[w] ??= new RawConnection();
  return rawConnections[w].request(method, path, headers, payload);
}

const request = client === 'raw' ? rawRequest : agentRequest;

function next(i, w) {
  switch (mode) {
    case 'get':
      return request(w, 'GET', target.pathname, { Accept: 'application/json' });
    case 'post':
      return request(
        w,
        'POST',
        target.pathname,
        {
          ...baseHeaders,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': bodyBuffer.length,
          'Idempotency-Key': `stripe-node-retry-${randomUUID()}`,
        },
        bodyBuffer,
      );
    case 'create':
      return request(
        w,
        'POST',
        '/v1/payment_intents',
        {
          ...baseHeaders,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': bodyBuffer.length,
          'Idempotency-Key': `stripe-node-retry-${randomUUID()}`,
        },
        bodyBuffer,
      );
    case 'retrieve':
      return request(w, 'GET', `/v1/payment_intents/${ids[i % ids.length]}`, baseHeaders);
    case 'list': // an authenticated GET of the url, query string included
      return request(w, 'GET', `${target.pathname}${target.search}`, baseHeaders);
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

const latencies = []; // ms, requests completed inside the measured window only
const statusCounts = {};
const errorSamples = [];
let errors = 0;
let counter = 0;
let completed = 0; // all requests, warm-up included (for CPU per request)
let windowCompleted = 0; // requests that ended inside the measured window (for the window's CPU per request)
let stopped = false;

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const measureStart = t0 + warmupS * 1000;
const measureEnd = measureStart + durationS * 1000;
if (marks) {
  setTimeout(() => process.stdout.write('mark window-start\n'), measureStart - performance.now()).unref();
  setTimeout(() => process.stdout.write('mark window-end\n'), measureEnd - performance.now()).unref();
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
async function worker(_, w) {
  while (!stopped) {
    const i = counter++;
    let start = performance.now();
    if (rate > 0) {
      const due = t0 + (i * 1000) / rate;
      if (due >= measureEnd) break;
      if (due > start) await sleep(due - start);
      start = due;
    }
    const res = await next(i, w);
    const end = performance.now();
    completed += 1;
    if (end >= measureStart && end < measureEnd) windowCompleted += 1;
    if (mode === 'create' && res.status === 200 && createdIds.length < maxIdsKept) {
      // The id is the first field of the object: no need to parse the whole body.
      const m = /"id":"(pi_[A-Za-z0-9]+)"/.exec(res.body.toString('latin1', 0, 80));
      if (m) createdIds.push(m[1]);
    }
    if (start >= measureStart && end <= measureEnd) {
      latencies.push(end - start);
      statusCounts[res.status] = (statusCounts[res.status] ?? 0) + 1;
      if (res.status < 200 || res.status >= 300) {
        errors += 1;
        if (errorSamples.length < 5) errorSamples.push({ status: res.status, body: res.body.toString('utf8', 0, 400) });
      }
    } else if ((res.status < 200 || res.status >= 300) && errorSamples.length < 5) {
      // Failures during warm-up are not counted in the window but still shown.
      errorSamples.push({ warmup: true, status: res.status, body: res.body.toString('utf8', 0, 400) });
    }
    if (end >= measureEnd) stopped = true;
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
agent.destroy();
for (const c of rawConnections) c?.socket?.destroy();
const cpu = process.cpuUsage(cpu0);

latencies.sort((a, b) => a - b);
const pct = (p) =>
  latencies.length === 0
    ? null
    : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
const round = (x, d = 2) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
if (idsOut) writeFileSync(idsOut, createdIds.join('\n'));
process.stdout.write(
  `${JSON.stringify({
    mode,
    client,
    concurrency,
    durationS,
    warmupS,
    requests: latencies.length,
    rps: Math.round(latencies.length / durationS),
    p50Ms: round(pct(50)),
    p90Ms: round(pct(90)),
    p99Ms: round(pct(99)),
    maxMs: round(latencies.at(-1) ?? null),
    rate: rate || undefined,
    errors,
    completed,
    windowCompleted,
    generatorCpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, completed)),
    statusCounts,
    errorSamples,
    idsWritten: idsOut ? createdIds.length : undefined,
  })}\n`,
);
