// `node bench/cluster.mjs`: the cluster benchmark of issue 13. It reports, it never asserts.
//
// PaymentIntent create (raw client, Idempotency-Key on every request, c=32) on PostgreSQL
// (127.0.0.1:5432 db `test`, a fresh schema per part; else the embedded fallback), in one run:
//   baseline — one `opentill serve`, load sent to it directly (no load balancer);
//   1, 2, 3 nodes — the same server binary on one schema behind Debian's haproxy (packages/testkit
//                   cluster.ts: the configuration `opentill cluster` uses), load sent to haproxy.
// For each: throughput, p50/p99, and the CPU the OpenTill nodes spent per request (user + system from
// /proc/<pid>/stat of every node, summed), plus haproxy's own CPU per request. On a 2-core machine
// throughput cannot grow with nodes (load generator, PostgreSQL and the nodes share the cores): the
// figure to read is node CPU per request, flat from 1 to 3 nodes when a node does no cross-node work.
//
// Each node is first warmed up on its own (--node-warmup S of load sent to it directly): otherwise
// every extra node pays its own JIT warm-up out of the same number of requests, and at the low rates
// of a loaded 2-core machine that alone inflates the per-request figure of a bigger cluster.
//
// Options: --duration S (5), --warmup S (1), --node-warmup S (3), --concurrency N (32), --nodes 1,2,3.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadInChild } from './opentill-process.mjs';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'node-warmup': { type: 'string' },
    concurrency: { type: 'string' },
    nodes: { type: 'string' },
  },
});
const durationS = Number(flags.duration ?? 5);
const warmupS = Number(flags.warmup ?? 1);
const nodeWarmupS = Number(flags['node-warmup'] ?? 3);
const concurrency = Number(flags.concurrency ?? 32);
const nodeCounts = (flags.nodes ?? '1,2,3').split(',').map(Number);
const createBody = 'amount=1000&currency=eur&payment_method_types[0]=card_present&capture_method=manual';
const log = (line) => process.stderr.write(`${line}\n`);
// Same settings for every server: no conformance check (a test-only hook), operator log at warn.
const serverEnv = { OPENTILL_TEST_ANSWER_CHECK: '', OPENTILL_LOG_LEVEL: 'warn' };

const { startCluster, startServer, provisionHaproxy, testPostgres, freshSchema } =
  await import('../packages/testkit/dist/index.js');
const haproxy = provisionHaproxy();
const pg = await testPostgres();

/** CPU time (user + system) of a live process so far, µs; /proc counts clock ticks of 10 ms (USER_HZ = 100). */
function cpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** The nodes' CPU with no load over `seconds`: their background work (scheduler, dispatcher, log flush), µs per second. */
async function idleCpuUsPerSecond(nodePids, seconds) {
  const before = nodePids.map(cpuUs);
  const started = process.hrtime.bigint();
  await new Promise((done) => setTimeout(done, seconds * 1000));
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  return nodePids.reduce((sum, pid, i) => sum + cpuUs(pid) - before[i], 0) / elapsedS;
}

/** Load sent to each node directly, not measured: its JIT warm-up. */
async function warmUp(nodeUrls, secretKey) {
  for (const url of nodeUrls) {
    await loadInChild({
      url: `${url}/v1/payment_intents`,
      mode: 'create',
      body: createBody,
      concurrency,
      durationS: nodeWarmupS,
      warmupS: 0,
      secretKey,
      client: 'raw',
    });
  }
}

async function measure(url, secretKey, nodePids, balancerPid) {
  const idleUsPerS = await idleCpuUsPerSecond(nodePids, durationS);
  const before = nodePids.map(cpuUs);
  const started = process.hrtime.bigint();
  const lbBefore = balancerPid ? cpuUs(balancerPid) : 0;
  const result = await loadInChild({
    url: `${url}/v1/payment_intents`,
    mode: 'create',
    body: createBody,
    concurrency,
    durationS,
    warmupS,
    secretKey,
    client: 'raw',
  });
  const nodeUs = nodePids.reduce((sum, pid, i) => sum + cpuUs(pid) - before[i], 0);
  const loadS = Number(process.hrtime.bigint() - started) / 1e9;
  const lbUs = balancerPid ? cpuUs(balancerPid) - lbBefore : null;
  const per = (us) => (us === null ? null : Math.round(us / Math.max(1, result.completed)));
  return {
    rps: result.rps,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
    nodeCpuUs: per(nodeUs),
    // The same without the nodes' background work (measured idle just before): the per-request cost.
    nodeRequestCpuUs: per(Math.max(0, nodeUs - idleUsPerS * loadS)),
    idleCpuMsPerS: Math.round(idleUsPerS / 100) / 10,
    haproxyCpuUs: per(lbUs),
  };
}

const rows = [];
log(`PostgreSQL: ${pg.embedded ? 'EMBEDDED PGlite fallback' : pg.url}; ${haproxy.version} (${haproxy.source})`);
{
  log('baseline: one node, direct …');
  const schema = await freshSchema(pg.url, 'bench_cluster_direct');
  const server = await startServer({
    store: 'postgres',
    name: 'bench_cluster_direct',
    database: schema.url,
    env: serverEnv,
  });
  try {
    await warmUp([server.baseUrl], server.secretKey);
    rows.push({
      part: 'baseline: 1 node, direct',
      ...(await measure(server.baseUrl, server.secretKey, [server.process.pid], null)),
    });
  } finally {
    await server.stop();
    await schema.drop();
  }
}
for (const count of nodeCounts) {
  log(`${count} node${count > 1 ? 's' : ''} behind haproxy …`);
  const cluster = await startCluster({ name: `bench_cluster_${count}`, nodes: count, env: serverEnv });
  try {
    const pids = cluster.nodes.map((node) => node.server.process.pid);
    await warmUp(
      cluster.nodes.map((node) => node.url),
      cluster.secretKey,
    );
    rows.push({
      part: `${count} node${count > 1 ? 's' : ''} behind haproxy`,
      ...(await measure(cluster.url, cluster.secretKey, pids, cluster.balancerPid)),
    });
  } finally {
    await cluster.stop();
  }
}

const base = rows[0];
const ratio = (value, of) => (value === null || !of ? '' : ` (${(value / of).toFixed(2)}×)`);
process.stdout.write(
  `\nPaymentIntent create through haproxy, PostgreSQL${pg.embedded ? ' (EMBEDDED)' : ''}, raw client, c=${concurrency}, ${durationS} s; ` +
    `${os.availableParallelism?.() ?? os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}\n`,
);
process.stdout.write(
  '| part | req/s | p50 ms | p99 ms | errors | node CPU µs/req (× baseline) | without idle work (× baseline) | nodes idle CPU ms/s | haproxy CPU µs/req |\n' +
    '|---|---|---|---|---|---|---|---|---|\n',
);
for (const row of rows) {
  process.stdout.write(
    `| ${row.part} | ${row.rps}${ratio(row.rps, base.rps)} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors} | ` +
      `${row.nodeCpuUs}${ratio(row.nodeCpuUs, base.nodeCpuUs)} | ${row.nodeRequestCpuUs}${ratio(row.nodeRequestCpuUs, base.nodeRequestCpuUs)} | ` +
      `${row.idleCpuMsPerS} | ${row.haproxyCpuUs ?? '-'} |\n`,
  );
}
const clusterRows = rows.slice(1).map((row) => row.nodeRequestCpuUs);
if (clusterRows.length > 1) {
  const spread = (Math.max(...clusterRows) - Math.min(...clusterRows)) / Math.min(...clusterRows);
  process.stdout.write(
    `node CPU per request without idle work across ${nodeCounts.join('/')} nodes: spread ${(spread * 100).toFixed(1)} % (issue 13: within 15 %)\n`,
  );
}
