// `node bench/cluster-terminal.mjs`: issue 13's end-to-end server-driven payment across nodes. It
// reports, it never asserts.
//
// One payment = four steps, as a POS backend and its reader make them (docs/terminal.md, server-driven):
//   create      POST /v1/payment_intents (card_present, manual capture)
//   process     POST /v1/terminal/readers/:id/process_payment_intent
//   present     the card: POST /v1/test_helpers/terminal/readers/:id/present_payment_method for a
//               simulated reader; for a device reader (test helpers only drive simulated readers)
//               the device's own `card_read` event to its node, answered by `event_result` (what
//               `opentill reader --auto-present` does) — the authorization runs in either
//   succeeded   GET  /v1/terminal/readers/:id until its action is `succeeded` (bounded)
// sent at a fixed rate (--rate payments/s over --readers readers, each reader one payment at a time,
// on a fixed schedule: a payment whose slot passed starts at once), on PostgreSQL (127.0.0.1:5432 db
// `test`, a fresh schema per part; else the embedded fallback). Two kinds of reader:
//   device     opentill-reader/1 devices over real WebSockets (acknowledging every command): the
//              reader lives on one node, so the cross-node path is the reader bus (docs/cluster.md);
//   simulated  `simulated-wpe` readers: no device, any node drives them (issue 13's call sequence
//              exactly, present_payment_method included).
// For each kind, in one run:
//   single   — one `opentill serve`; devices and API calls on it (no load balancer);
//   cluster  — --nodes nodes behind Debian's haproxy (packages/testkit startCluster) plus one more
//              node on the same schema that haproxy does not know: the devices pair and connect
//              there, the codes are registered and every API call is sent through haproxy, so every
//              call reaches a node that does not hold the reader (and the pairing codes are
//              registered across nodes too, docs/cluster.md).
// Printed: p50/p99 per call and per payment for both parts, the cluster/single ratio (issue 13: p99
// per call ≤ 2×), and the CPU the OpenTill nodes (and haproxy) spent per payment.
//
// Options: --rate N (4 payments/s), --readers N (4), --duration S (20), --warmup N (5 payments per
// reader, not counted), --nodes N (2), --kinds device,simulated, --samples FILE (every payment's
// per-call ms as JSON, by part: to pool several runs, e.g. before/after runs taken in turn).
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { URLSearchParams } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile, repoRoot } from './opentill-process.mjs';

const { values: flags } = parseArgs({
  options: {
    rate: { type: 'string' },
    readers: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    nodes: { type: 'string' },
    kinds: { type: 'string' },
    samples: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (flags.help) {
  process.stdout.write(
    'node bench/cluster-terminal.mjs [--rate 4] [--readers 4] [--duration 20] [--warmup 5] [--nodes 2] [--samples FILE]\n',
  );
  process.exit(0);
}
const rate = Number(flags.rate ?? 4);
const readerCount = Number(flags.readers ?? 4);
const durationS = Number(flags.duration ?? 20);
const warmupPayments = Number(flags.warmup ?? 5);
const nodeCount = Number(flags.nodes ?? 2);
const idleS = 3;
const kinds = (flags.kinds ?? 'device,simulated').split(',');
const log = (line) => process.stderr.write(`${line}\n`);
// Same settings for every server: no conformance check (a test-only hook), operator log at warn.
const serverEnv = { OPENTILL_TEST_ANSWER_CHECK: '', OPENTILL_LOG_LEVEL: 'warn' };

const { startCluster, startServer, testPostgres, freshSchema, provisionHaproxy } = await import(
  join(repoRoot, 'packages/testkit/dist/index.js')
);
const { TestDevice, cardRead } = await import(join(repoRoot, 'apps/opentill/dist/e2e/reader-device-client.js'));
const pg = await testPostgres();
const haproxy = provisionHaproxy();

/** CPU time (user + system) of a live process so far, µs; /proc counts clock ticks of 10 ms. */
function cpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function call(base, secretKey, method, path, params) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    ...(params ? { body: new URLSearchParams(params).toString() } : {}),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

/**
 * `readerCount` devices paired and connected on `deviceUrl`, their codes registered through `apiUrl`
 * (another node in the cluster part: the pairing codes are cluster-wide); or simulated readers.
 */
async function makeReaders(kind, deviceUrl, apiUrl, secretKey) {
  const location = await call(apiUrl, secretKey, 'POST', '/v1/terminal/locations', {
    display_name: 'Bench',
    'address[country]': 'FR',
  });
  const readers = [];
  for (let i = 0; i < readerCount; i += 1) {
    if (kind === 'simulated') {
      const reader = await call(apiUrl, secretKey, 'POST', '/v1/terminal/readers', {
        registration_code: 'simulated-wpe',
        location: location.id,
      });
      readers.push({ id: reader.id, device: null });
      continue;
    }
    const { device: pairing, code } = await TestDevice.pair(deviceUrl);
    const reader = await call(apiUrl, secretKey, 'POST', '/v1/terminal/readers', {
      registration_code: code,
      location: location.id,
    });
    const device = await TestDevice.connect(deviceUrl, await pairing.paired());
    readers.push({ id: reader.id, device });
  }
  return readers;
}

const callNames = ['create', 'process', 'present', 'succeeded'];

/** One payment; resolves with each call's latency (ms). */
async function pay(apiUrl, secretKey, { id: readerId, device }) {
  const times = {};
  const timed = async (name, run) => {
    const started = performance.now();
    const result = await run();
    times[name] = performance.now() - started;
    return result;
  };
  const intent = await timed('create', () =>
    call(apiUrl, secretKey, 'POST', '/v1/payment_intents', {
      amount: '1000',
      currency: 'eur',
      'payment_method_types[0]': 'card_present',
      capture_method: 'manual',
    }),
  );
  await timed('process', () =>
    call(apiUrl, secretKey, 'POST', `/v1/terminal/readers/${readerId}/process_payment_intent`, {
      payment_intent: intent.id,
    }),
  );
  if (device) {
    const action = (await device.command()).command.action;
    await timed('present', async () => {
      const result = await device.event(cardRead(action.id));
      if (!result.ok) throw new Error(`card_read: ${JSON.stringify(result.error)}`);
    });
  } else {
    await timed('present', () =>
      call(apiUrl, secretKey, 'POST', `/v1/test_helpers/terminal/readers/${readerId}/present_payment_method`, {}),
    );
  }
  await timed('succeeded', async () => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const reader = await call(apiUrl, secretKey, 'GET', `/v1/terminal/readers/${readerId}`);
      if (reader.action?.status === 'succeeded') return;
      if (reader.action?.status === 'failed') throw new Error(`action failed: ${JSON.stringify(reader.action)}`);
      await new Promise((done) => setTimeout(done, 10));
    }
    throw new Error(`reader ${readerId} never reached succeeded`);
  });
  return times;
}

/** Each reader pays on a fixed schedule (rate / readers per second); returns every payment's call times. */
async function drive(apiUrl, secretKey, readers, cpuPids) {
  for (const reader of readers) {
    for (let i = 0; i < warmupPayments; i += 1) await pay(apiUrl, secretKey, reader);
  }
  // The nodes' background work (scheduler, dispatcher, bus polls), measured idle, is taken out below.
  const idleBefore = cpuPids.map(cpuUs);
  const idleStarted = performance.now();
  await new Promise((done) => setTimeout(done, idleS * 1000));
  const idleUsPerS = cpuPids.map((pid, i) => (cpuUs(pid) - idleBefore[i]) / ((performance.now() - idleStarted) / 1000));
  const cpuBefore = cpuPids.map(cpuUs);
  const perReader = readers.length;
  const intervalMs = (1000 * perReader) / rate;
  const paymentsPerReader = Math.max(1, Math.round((durationS * rate) / perReader));
  const started = performance.now();
  let late = 0;
  const payments = [];
  await Promise.all(
    readers.map(async (reader, r) => {
      for (let i = 0; i < paymentsPerReader; i += 1) {
        const slot = started + (r * intervalMs) / perReader + i * intervalMs;
        const wait = slot - performance.now();
        if (wait > 0) await new Promise((done) => setTimeout(done, wait));
        else late += 1;
        payments.push(await pay(apiUrl, secretKey, reader));
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const cpu = cpuPids.map((pid, i) => Math.max(0, cpuUs(pid) - cpuBefore[i] - idleUsPerS[i] * elapsedS));
  return { payments, late, elapsedS, cpu };
}

function summarize(result) {
  const perCall = {};
  for (const name of callNames) {
    const xs = result.payments.map((p) => p[name]);
    perCall[name] = { p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) };
  }
  const allCalls = result.payments.flatMap((p) => callNames.map((name) => p[name]));
  const totals = result.payments.map((p) => callNames.reduce((sum, name) => sum + p[name], 0));
  return {
    samples: result.payments,
    perCall,
    call: { p50: percentile(allCalls, 0.5), p99: percentile(allCalls, 0.99) },
    payment: { p50: percentile(totals, 0.5), p99: percentile(totals, 0.99) },
    count: result.payments.length,
    achieved: result.payments.length / result.elapsedS,
    late: result.late,
  };
}

log(`PostgreSQL: ${pg.embedded ? 'EMBEDDED PGlite fallback' : pg.url}; ${haproxy.version} (${haproxy.source})`);
async function runKind(kind, parts) {
  {
    log(`${kind}: single node, readers and API calls on one node …`);
    const schema = await freshSchema(pg.url, 'bench_terminal_single');
    const server = await startServer({
      store: 'postgres',
      name: 'bench_terminal_single',
      database: schema.url,
      env: serverEnv,
    });
    let readers = [];
    try {
      readers = await makeReaders(kind, server.baseUrl, server.baseUrl, server.secretKey);
      const result = await drive(server.baseUrl, server.secretKey, readers, [server.process.pid]);
      parts.push({
        label: `${kind}: single node`,
        ...summarize(result),
        nodeCpuUsPerPayment: Math.round(result.cpu[0] / result.payments.length),
        haproxyCpuUsPerPayment: null,
      });
    } finally {
      for (const reader of readers) reader.device?.close();
      await server.stop();
      await schema.drop();
    }
  }
  {
    log(`${kind}: ${nodeCount} nodes behind haproxy${kind === 'device' ? ', devices on one more node' : ''} …`);
    const schema = await freshSchema(pg.url, 'bench_terminal_cluster');
    const cluster = await startCluster({
      name: 'bench_terminal_cluster',
      nodes: nodeCount,
      database: schema.url,
      env: serverEnv,
    });
    let deviceNode = null;
    let readers = [];
    try {
      // A simulated reader has no device and no node: any node drives it, so no extra node is started.
      if (kind === 'device') {
        deviceNode = await startServer({
          store: 'postgres',
          name: 'bench_terminal_device_node',
          database: schema.url,
          secretKey: cluster.secretKey,
          args: ['--node-name', 'devices'],
          env: serverEnv,
        });
      }
      readers = await makeReaders(kind, deviceNode?.baseUrl, cluster.url, cluster.secretKey);
      const nodePids = [
        ...(deviceNode ? [deviceNode.process.pid] : []),
        ...cluster.nodes.map((node) => node.server.process.pid),
      ];
      const result = await drive(cluster.url, cluster.secretKey, readers, [...nodePids, cluster.balancerPid]);
      const nodeCpu = result.cpu.slice(0, nodePids.length).reduce((sum, us) => sum + us, 0);
      parts.push({
        label: `${kind}: haproxy → ${nodeCount} nodes${kind === 'device' ? ', device on another' : ''}`,
        ...summarize(result),
        nodeCpuUsPerPayment: Math.round(nodeCpu / result.payments.length),
        haproxyCpuUsPerPayment: Math.round(result.cpu.at(-1) / result.payments.length),
      });
    } finally {
      for (const reader of readers) reader.device?.close();
      await deviceNode?.stop();
      await cluster.stop();
      await schema.drop();
    }
  }
}

const byKind = [];
for (const kind of kinds) {
  const parts = [];
  await runKind(kind, parts);
  byKind.push(parts);
}
if (flags.samples) {
  const samples = Object.fromEntries(byKind.flat().map((part) => [part.label, part.samples]));
  writeFileSync(
    flags.samples,
    JSON.stringify({ rate, readers: readerCount, durationS, loadAverage: os.loadavg(), samples }),
  );
}
const ms = (x) => (x < 10 ? x.toFixed(1) : String(Math.round(x)));
const ratio = (x, of) => `${(x / of).toFixed(2)}×`;
process.stdout.write(
  `\nServer-driven payments at ${rate}/s over ${readerCount} readers, ${durationS} s, PostgreSQL${pg.embedded ? ' (EMBEDDED)' : ''}; ` +
    `${os.availableParallelism?.() ?? os.cpus().length} cores, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
);
process.stdout.write(
  '| part | payments (per s) | late starts | ' +
    callNames.map((name) => `${name} p50/p99 ms`).join(' | ') +
    ' | any call p50/p99 ms | payment p50/p99 ms | node CPU µs/payment | haproxy CPU µs/payment |\n' +
    `|---|---|---|${callNames.map(() => '---|').join('')}---|---|---|---|\n`,
);
for (const part of byKind.flat()) {
  process.stdout.write(
    `| ${part.label} | ${part.count} (${part.achieved.toFixed(2)}) | ${part.late} | ` +
      callNames.map((name) => `${ms(part.perCall[name].p50)} / ${ms(part.perCall[name].p99)}`).join(' | ') +
      ` | ${ms(part.call.p50)} / ${ms(part.call.p99)} | ${ms(part.payment.p50)} / ${ms(part.payment.p99)} | ` +
      `${part.nodeCpuUsPerPayment} | ${part.haproxyCpuUsPerPayment ?? '-'} |\n`,
  );
}
for (const [single, across] of byKind) {
  process.stdout.write(
    `${single.label.split(':')[0]}: cluster / single: p99 ${callNames.map((name) => `${name} ${ratio(across.perCall[name].p99, single.perCall[name].p99)}`).join(', ')}; ` +
      `any call ${ratio(across.call.p99, single.call.p99)}; payment ${ratio(across.payment.p99, single.payment.p99)} ` +
      `(issue 13: p99 per call ≤ 2×); node CPU per payment ${ratio(across.nodeCpuUsPerPayment, single.nodeCpuUsPerPayment)}\n`,
  );
}
