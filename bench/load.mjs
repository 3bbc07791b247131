// Load generator: N concurrent workers in a tight async loop over keep-alive HTTP
// (node's own http.Agent, no third-party load tool). Run by run.mjs as a child process,
// so it never shares an event loop with the server it measures.
//
//   node bench/load.mjs '<json config>'
//
// config: { url, mode: 'get'|'create'|'retrieve'|'post', concurrency, durationS, warmupS,
//           secretKey?, body?, idsIn?, idsOut?, stripeVersion? }
// Prints one JSON line with the results on stdout.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const config = JSON.parse(process.argv[2]);
const {
  url, mode, concurrency = 32, durationS = 5, warmupS = 1,
  secretKey = '', stripeVersion = '2026-10-28.endive',
  body = '', idsIn, idsOut,
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
};

let ids = [];
if (mode === 'retrieve') {
  ids = readFileSync(idsIn, 'utf8').split('\n').filter(Boolean);
  if (ids.length === 0) throw new Error('no ids to retrieve');
}
const createdIds = [];
const maxIdsKept = 200_000;

function request(method, path, headers, payload) {
  return new Promise((resolve) => {
    const req = http.request({
      host: target.hostname, port: target.port, method, path, headers, agent,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
      res.on('error', (error) => resolve({ status: 0, body: Buffer.from(String(error)) }));
    });
    req.on('error', (error) => resolve({ status: 0, body: Buffer.from(String(error)) }));
    if (payload) req.end(payload); else req.end();
  });
}

function next(i) {
  switch (mode) {
    case 'get':
      return request('GET', target.pathname, { Accept: 'application/json' });
    case 'post':
      return request('POST', target.pathname, {
        ...baseHeaders,
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': bodyBuffer.length,
        'Idempotency-Key': `stripe-node-retry-${randomUUID()}`,
      }, bodyBuffer);
    case 'create':
      return request('POST', '/v1/payment_intents', {
        ...baseHeaders,
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': bodyBuffer.length,
        'Idempotency-Key': `stripe-node-retry-${randomUUID()}`,
      }, bodyBuffer);
    case 'retrieve':
      return request('GET', `/v1/payment_intents/${ids[i % ids.length]}`, baseHeaders);
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

const latencies = []; // ms, requests completed inside the measured window only
const statusCounts = {};
const errorSamples = [];
let errors = 0;
let counter = 0;
let stopped = false;

const t0 = performance.now();
const measureStart = t0 + warmupS * 1000;
const measureEnd = measureStart + durationS * 1000;

async function worker() {
  while (!stopped) {
    const i = counter++;
    const start = performance.now();
    const res = await next(i);
    const end = performance.now();
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

latencies.sort((a, b) => a - b);
const pct = (p) => latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
const round = (x, d = 2) => x === null ? null : Math.round(x * 10 ** d) / 10 ** d;
if (idsOut) writeFileSync(idsOut, createdIds.join('\n'));
process.stdout.write(`${JSON.stringify({
  mode,
  concurrency,
  durationS,
  warmupS,
  requests: latencies.length,
  rps: Math.round(latencies.length / durationS),
  p50Ms: round(pct(50)),
  p90Ms: round(pct(90)),
  p99Ms: round(pct(99)),
  maxMs: round(latencies.at(-1) ?? null),
  errors,
  statusCounts,
  errorSamples,
  idsWritten: idsOut ? createdIds.length : undefined,
})}\n`);
