// `node bench/terminal.mjs`: the Terminal benchmark of issue 3. It reports, it never asserts.
//
// Against `opentill serve` on SQLite (fresh data dir), at concurrency 32 over keep-alive HTTP:
//   1. baseline (same run, same server): PaymentIntent create + retrieve, 2 calls per iteration;
//   2. end-to-end server-driven payments, one simulated reader per worker: create PaymentIntent,
//      process_payment_intent, present_payment_method, retrieve the reader until the action
//      succeeded, capture (5 calls per payment);
//   3. 5,000 registered simulated readers, then the server's idle CPU over a few seconds.
// Options: --duration S (5), --concurrency N (32), --readers N (5000), --idle S (5).
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { percentile, startOpenTill } from './opentill-process.mjs';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    concurrency: { type: 'string' },
    readers: { type: 'string' },
    idle: { type: 'string' },
  },
});
const durationS = Number(flags.duration ?? 5);
const concurrency = Number(flags.concurrency ?? 32);
const idleReaders = Number(flags.readers ?? 5000);
const idleS = Number(flags.idle ?? 5);
const secretKey = `sk_test_benchterminal${process.pid}x${Date.now()}`;
const targets = { paymentsPerS: 600, p99Ms: 25 };

const server = await startOpenTill({ secretKey, name: 'terminal' });
const { port } = server;

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function call(method, path, body = '') {
  return new Promise((resolveCall, reject) => {
    const started = performance.now();
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${secretKey}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'stripe-version': '2026-10-28.endive',
        },
      },
      (response) => {
        let data = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          data += chunk;
        });
        response.on('end', () => {
          const ms = performance.now() - started;
          if (response.statusCode !== 200)
            reject(new Error(`${method} ${path}: ${response.statusCode} ${data.slice(0, 300)}`));
          else resolveCall({ body: JSON.parse(data), ms });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const cpuMs = () => server.cpuMs();

async function run(label, setup, iteration, callsPerIteration) {
  const states = await Promise.all(Array.from({ length: concurrency }, (_, i) => setup(i)));
  const latencies = [];
  let done = 0;
  const until = performance.now() + durationS * 1000;
  const cpuBefore = cpuMs();
  const started = performance.now();
  await Promise.all(
    states.map(async (state) => {
      while (performance.now() < until) {
        latencies.push(...(await iteration(state)));
        done += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuMs() - cpuBefore;
  const row = {
    label,
    perS: Math.round(done / seconds),
    callsPerS: Math.round((done * callsPerIteration) / seconds),
    p50: percentile(latencies, 0.5).toFixed(1),
    p99: percentile(latencies, 0.99).toFixed(1),
    srvUsPerCall: Math.round((cpu * 1000) / (done * callsPerIteration)),
  };
  console.log(JSON.stringify(row));
  return row;
}

const location = (await call('POST', '/v1/terminal/locations', 'display_name=Bench&address[country]=US')).body.id;
const createPi = 'amount=1000&currency=usd&payment_method_types[0]=card_present&capture_method=manual';

const baseline = await run(
  'baseline: PaymentIntent create + retrieve',
  async () => ({}),
  async () => {
    const created = await call('POST', '/v1/payment_intents', createPi);
    const retrieved = await call('GET', `/v1/payment_intents/${created.body.id}`);
    return [created.ms, retrieved.ms];
  },
  2,
);

const payments = await run(
  'terminal: create, process, present, poll, capture',
  async () => {
    const reader = await call('POST', '/v1/terminal/readers', `registration_code=simulated-wpe&location=${location}`);
    return { reader: reader.body.id };
  },
  async ({ reader }) => {
    const ms = [];
    const pi = await call('POST', '/v1/payment_intents', createPi);
    ms.push(pi.ms);
    ms.push(
      (await call('POST', `/v1/terminal/readers/${reader}/process_payment_intent`, `payment_intent=${pi.body.id}`)).ms,
    );
    ms.push((await call('POST', `/v1/test_helpers/terminal/readers/${reader}/present_payment_method`)).ms);
    for (;;) {
      const polled = await call('GET', `/v1/terminal/readers/${reader}`);
      ms.push(polled.ms);
      if (polled.body.action?.status === 'succeeded') break;
      if (polled.body.action?.status === 'failed') throw new Error(JSON.stringify(polled.body.action));
    }
    ms.push((await call('POST', `/v1/payment_intents/${pi.body.id}/capture`)).ms);
    return ms;
  },
  5,
);

for (let i = 0; i < idleReaders; i += concurrency) {
  await Promise.all(
    Array.from({ length: Math.min(concurrency, idleReaders - i) }, () =>
      call('POST', '/v1/terminal/readers', `registration_code=simulated-s700&location=${location}`),
    ),
  );
}
await new Promise((r) => setTimeout(r, 1000));
const idleBefore = cpuMs();
await new Promise((r) => setTimeout(r, idleS * 1000));
const idleCpuPct = (((cpuMs() - idleBefore) / (idleS * 1000)) * 100).toFixed(2);

console.log('\n| run | per s | API calls/s | p50 ms | p99 ms | server CPU µs/call |');
console.log('|---|---|---|---|---|---|');
for (const row of [baseline, payments]) {
  console.log(`| ${row.label} | ${row.perS} | ${row.callsPerS} | ${row.p50} | ${row.p99} | ${row.srvUsPerCall} |`);
}
console.log(
  `\npayments/s ${payments.perS} (target ≥ ${targets.paymentsPerS}: ${payments.perS >= targets.paymentsPerS ? 'met' : 'MISSED'}), ` +
    `p99 per call ${payments.p99} ms (target ≤ ${targets.p99Ms}: ${Number(payments.p99) <= targets.p99Ms ? 'met' : 'MISSED'})`,
);
console.log(
  `idle CPU with ${idleReaders + concurrency} registered simulated readers: ${idleCpuPct}% of one core over ${idleS} s ` +
    `(load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')})`,
);

agent.destroy();
await server.stop();
