// Customers' cost (issue 14, item 4). It reports, it never asserts. In one server (SQLite):
//   1. PaymentIntent create without `customer` (the baseline) and with a `customer` (checked against
//      the store on every create), alternated base/with/base/with: throughput, p99, server CPU.
//   2. Customer create, beside the same run's PaymentIntent create.
//   3. `GET /v1/customers/search?query=email:'…'` (a scan of every customer through the matcher)
//      beside `GET /v1/customers?email=…` (the store's filter), one request at a time, over the
//      customers step 2 created.
// Options (env): BENCH_DURATION (5), BENCH_WARMUP (1), BENCH_CONCURRENCY (32), BENCH_ROUNDS (2).
import os from 'node:os';
import { loadInChild, startOpenTill } from './opentill-process.mjs';

const durationS = Number(process.env.BENCH_DURATION ?? 5);
const warmupS = Number(process.env.BENCH_WARMUP ?? 1);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const secretKey = `sk_test_benchcus${process.pid}x${Date.now()}`;
const createBody = 'amount=1000&currency=eur&payment_method_types[0]=card_present&capture_method=manual';
const log = (line) => process.stdout.write(`${line}\n`);

const load = (config) => loadInChild({ concurrency, durationS, warmupS, secretKey, client: 'raw', ...config });

async function measured(server, config) {
  const cpu0 = server.cpuMs();
  const result = await load(config);
  result.serverCpuUsPerRequest = Math.round(((server.cpuMs() - cpu0) * 1000) / Math.max(1, result.completed));
  return result;
}

const line = (label, r, base) => {
  const bad = Object.entries(r.statusCounts).filter(([status]) => status !== '200');
  return (
    `  ${label.padEnd(40)} ${String(r.rps).padStart(7)} req/s  p50 ${String(r.p50Ms).padStart(6)} ms  p99 ${String(r.p99Ms).padStart(6)} ms` +
    `  server CPU ${String(r.serverCpuUsPerRequest).padStart(5)} µs/req` +
    (base ? `  ×${(r.rps / base.rps).toFixed(2)} of the baseline's req/s` : '  (baseline)') +
    (bad.length ? `  NON-200: ${JSON.stringify(bad)} ${JSON.stringify(r.errorSamples?.slice(0, 1))}` : '')
  );
};

log(
  `customers bench: ${os.availableParallelism()} cores, ${durationS}s per round (+${warmupS}s warm-up), concurrency ${concurrency}, ` +
    `load average ${os.loadavg()[0].toFixed(1)}`,
);
const server = await startOpenTill({ secretKey, name: 'customers' });
try {
  const base = `http://127.0.0.1:${server.port}`;
  const customer = await (
    await fetch(`${base}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=bench%40example.com',
    })
  ).json();
  log('PaymentIntent create, without and with customer (alternated):');
  for (let round = 0; round < rounds; round += 1) {
    const without = await measured(server, { url: `${base}/`, mode: 'create', body: createBody });
    log(line('create (no customer)', without));
    const withCustomer = await measured(server, {
      url: `${base}/`,
      mode: 'create',
      body: `${createBody}&customer=${customer.id}`,
    });
    log(line('create (customer=cus_…)', withCustomer, without));
  }
  log('Customer create:');
  const baseline = await measured(server, { url: `${base}/`, mode: 'create', body: createBody });
  log(line('PaymentIntent create', baseline));
  const customers = await measured(server, {
    url: `${base}/v1/customers`,
    mode: 'post',
    body: 'email=someone%40example.com&name=Someone',
  });
  log(line('POST /v1/customers', customers, baseline));
  const count = customers.completed + 1;
  log(`Search over ${count} customers (concurrency 1):`);
  const listed = await measured(server, {
    url: `${base}/v1/customers?email=bench%40example.com`,
    mode: 'list',
    concurrency: 1,
  });
  log(line('GET /v1/customers?email= (store filter)', listed));
  const query = encodeURIComponent("email:'bench@example.com'");
  const searched = await measured(server, {
    url: `${base}/v1/customers/search?query=${query}`,
    mode: 'list',
    concurrency: 1,
  });
  log(line('GET /v1/customers/search?query=email:…', searched, listed));
} finally {
  await server.stop();
}
