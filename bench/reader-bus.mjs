// `node bench/reader-bus.mjs`: what a reader command costs when the device is on another node
// (issue 13, item 1; docs/cluster.md). It reports, it never asserts.
//
// Two `opentill serve` nodes on one fresh PostgreSQL schema (real server at 127.0.0.1:5432, db `test`,
// or OPENTILL_BENCH_DATABASE_URL), one opentill-reader/1 device connected to node A. In one run:
//   1. baseline: set_reader_display sent to node A (the device's node): API → device → ack → answer;
//   2. the same call sent to node B: a command row, NOTIFY, node A delivers, records the ack, B answers;
//   3. the same with every NOTIFY ignored (a second pair of nodes, OPENTILL_TEST_READER_BUS_WAKEUPS=off):
//      the poll alone carries the bus (poll interval --poll-ms).
// Calls are sequential (one reader takes one command at a time), at most one per 50 ms (the device's
// frame rate limit). Options: --calls N (200), --poll-ms N (500).
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { URLSearchParams } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { freshSchema, startServer } = await import(join(repoRoot, 'packages/testkit/dist/index.js'));
const { TestDevice } = await import(join(repoRoot, 'apps/opentill/dist/e2e/reader-device-client.js'));

const { values: flags } = parseArgs({
  options: { calls: { type: 'string' }, 'poll-ms': { type: 'string' }, help: { type: 'boolean' } },
});
if (flags.help) {
  process.stdout.write('node bench/reader-bus.mjs [--calls 200] [--poll-ms 500]\n');
  process.exit(0);
}
const calls = Number(flags.calls ?? 200);
const pollMs = Number(flags['poll-ms'] ?? 500);
const url = process.env.OPENTILL_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const round = (x) => Math.round(x * 100) / 100;

async function api(node, path, params) {
  const response = await fetch(`${node.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function twoNodes(name, env) {
  const schema = await freshSchema(url, name);
  // No conformance check in a benchmark: it is the test suite's, and costs CPU per answer.
  const nodeEnv = {
    OPENTILL_TEST_ANSWER_CHECK: '',
    OPENTILL_READER_BUS_POLL_MS: String(pollMs),
    OPENTILL_LOG_LEVEL: 'warn',
    ...env,
  };
  const a = await startServer({ store: 'postgres', name: `${name}_a`, database: schema.url, env: nodeEnv });
  const b = await startServer({
    store: 'postgres',
    name: `${name}_b`,
    database: schema.url,
    env: nodeEnv,
    secretKey: a.secretKey,
  });
  const location = await api(a, '/v1/terminal/locations', { display_name: 'Bench', 'address[country]': 'FR' });
  const { device: pairing, code } = await TestDevice.pair(a.baseUrl);
  const reader = await api(a, '/v1/terminal/readers', { registration_code: code, location: location.id });
  const device = await TestDevice.connect(a.baseUrl, await pairing.paired());
  return {
    a,
    b,
    reader,
    device,
    async stop() {
      device.close();
      await b.stop();
      await a.stop();
      await schema.drop();
    },
  };
}

async function measure(node, readerId) {
  const params = {
    type: 'cart',
    'cart[currency]': 'eur',
    'cart[total]': '350',
    'cart[tax]': '0',
    'cart[line_items][0][description]': 'Coffee',
    'cart[line_items][0][amount]': '350',
    'cart[line_items][0][quantity]': '1',
  };
  const latencies = [];
  // A device may send at most 50 frames/s (limits.readerMessagesPerSecondMax, burst 100), and it
  // acknowledges every command: calls back to back on a quiet machine (~7 ms each) drained that
  // budget within seconds and the node closed the device (`rate_limited`), so the next call failed
  // with terminal_reader_timeout. Calls start at most every `spacingMs` (each still timed alone).
  const spacingMs = 50;
  let lastStart = -Infinity;
  const paced = async () => {
    const wait = lastStart + spacingMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastStart = performance.now();
  };
  // Warm-up (JIT, pools, prepared statements), not counted.
  for (let i = 0; i < 20; i += 1) {
    await paced();
    await api(node, `/v1/terminal/readers/${readerId}/set_reader_display`, params);
  }
  for (let i = 0; i < calls; i += 1) {
    await paced();
    const started = performance.now();
    await api(node, `/v1/terminal/readers/${readerId}/set_reader_display`, params);
    latencies.push(performance.now() - started);
  }
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

const rows = [];
const notified = await twoNodes('bench_bus', {});
try {
  rows.push(['device node (baseline)', await measure(notified.a, notified.reader.id)]);
  rows.push(['other node, NOTIFY', await measure(notified.b, notified.reader.id)]);
} finally {
  await notified.stop();
}
const polled = await twoNodes('bench_bus_poll', { OPENTILL_TEST_READER_BUS_WAKEUPS: 'off' });
try {
  rows.push(['other node, poll only', await measure(polled.b, polled.reader.id)]);
} finally {
  await polled.stop();
}
const [, base] = rows[0];
process.stdout.write(`set_reader_display, ${calls} sequential calls, device on node A, poll ${pollMs} ms\n`);
for (const [label, { p50, p99 }] of rows) {
  process.stdout.write(
    `  ${label.padEnd(24)} p50 ${String(round(p50)).padStart(8)} ms (×${round(p50 / base.p50)})   ` +
      `p99 ${String(round(p99)).padStart(8)} ms (×${round(p99 / base.p99)})\n`,
  );
}
