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
// Like for like: a node's CPU per request falls with the requests it has in flight at once (the store
// batches concurrent round trips into one statement, the request log flushes concurrent lines
// together, one event-loop wake-up serves several requests), so 32 connections split over 3 nodes
// cost each node more per request than 32 on one node, with no cross-node work at all. The run
// therefore also loads one node directly at each cluster part's per-node concurrency (c / N) and
// judges issue 13's 15 % on each part's ratio to that direct node. --per-node-concurrency K instead
// gives every part K connections per node (K × N in total), so the parts compare directly.
//
// Options: --duration S (5), --warmup S (1), --node-warmup S (3), --concurrency N (32), --nodes 1,2,3,
// --per-node-concurrency K (off).
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
    'per-node-concurrency': { type: 'string' },
  },
});
const durationS = Number(flags.duration ?? 5);
const warmupS = Number(flags.warmup ?? 1);
const nodeWarmupS = Number(flags['node-warmup'] ?? 3);
const concurrency = Number(flags.concurrency ?? 32);
const nodeCounts = (flags.nodes ?? '1,2,3').split(',').map(Number);
const perNode = flags['per-node-concurrency'] ? Number(flags['per-node-concurrency']) : null;
/** Total connections of a part with `nodes` nodes. */
const totalConcurrency = (nodes) => (perNode ? perNode * nodes : concurrency);
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
async function warmUp(nodeUrls, secretKey, concurrency) {
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

/** `loads`: [{ url, secretKey, concurrency }], run at once (several for independent nodes loaded side by side). */
async function measure(loads, nodePids, balancerPid) {
  const idleUsPerS = await idleCpuUsPerSecond(nodePids, durationS);
  const before = nodePids.map(cpuUs);
  const started = process.hrtime.bigint();
  const lbBefore = balancerPid ? cpuUs(balancerPid) : 0;
  const results = await Promise.all(
    loads.map((load) =>
      loadInChild({
        url: `${load.url}/v1/payment_intents`,
        mode: 'create',
        body: createBody,
        concurrency: load.concurrency,
        durationS,
        warmupS,
        secretKey: load.secretKey,
        client: 'raw',
      }),
    ),
  );
  // Side by side loads: requests and rates add up; latencies are the worst load's.
  const result = {
    completed: results.reduce((sum, r) => sum + r.completed, 0),
    rps: Math.round(results.reduce((sum, r) => sum + r.rps, 0)),
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
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
/** One node loaded directly with `c` connections. */
async function direct(c, part) {
  log(`${part} …`);
  const schema = await freshSchema(pg.url, 'bench_cluster_direct');
  const server = await startServer({
    store: 'postgres',
    name: 'bench_cluster_direct',
    database: schema.url,
    env: serverEnv,
  });
  try {
    await warmUp([server.baseUrl], server.secretKey, c);
    return {
      part,
      concurrency: c,
      perNode: c,
      ...(await measure(
        [{ url: server.baseUrl, secretKey: server.secretKey, concurrency: c }],
        [server.process.pid],
        null,
      )),
    };
  } finally {
    await server.stop();
    await schema.drop();
  }
}
/**
 * `count` independent nodes (each its own schema, nothing shared but PostgreSQL's server and the
 * cores), each loaded directly at the same per-node concurrency as the cluster part: the same
 * processes on the same cores as the cluster, without haproxy and without one shared schema. A node
 * of the cluster costing what an independent node costs is no cross-node overhead.
 */
async function independent(count) {
  const c = Math.round(totalConcurrency(count) / count);
  const part = `${count} independent nodes, direct, c=${c} each`;
  log(`${part} …`);
  const started = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const schema = await freshSchema(pg.url, `bench_cluster_alone_${i}`);
      const server = await startServer({
        store: 'postgres',
        name: `bench_cluster_alone_${i}`,
        database: schema.url,
        env: serverEnv,
      });
      started.push({ schema, server });
      await warmUp([server.baseUrl], server.secretKey, c);
    }
    return {
      part,
      concurrency: c * count,
      perNode: c,
      ...(await measure(
        started.map(({ server }) => ({ url: server.baseUrl, secretKey: server.secretKey, concurrency: c })),
        started.map(({ server }) => server.process.pid),
        null,
      )),
    };
  } finally {
    for (const { schema, server } of started) {
      await server.stop();
      await schema.drop();
    }
  }
}
/** `count` nodes on one schema behind haproxy, loaded through haproxy. */
async function cluster(count) {
  const c = totalConcurrency(count);
  log(`${count} node${count > 1 ? 's' : ''} behind haproxy …`);
  const started = await startCluster({ name: `bench_cluster_${count}`, nodes: count, env: serverEnv });
  try {
    const pids = started.nodes.map((node) => node.server.process.pid);
    await warmUp(
      started.nodes.map((node) => node.url),
      started.secretKey,
      Math.round(c / count),
    );
    // The same nodes on their one schema, each loaded directly at c / N (no haproxy): splits what
    // haproxy costs the nodes from what sharing one schema costs them.
    if (count > 1) {
      rows.push({
        part: `${count} nodes on one schema, direct, c=${Math.round(c / count)} each`,
        concurrency: Math.round(c / count) * count,
        perNode: Math.round(c / count),
        sharedDirect: count,
        ...(await measure(
          started.nodes.map((node) => ({
            url: node.url,
            secretKey: started.secretKey,
            concurrency: Math.round(c / count),
          })),
          pids,
          null,
        )),
      });
    }
    return {
      part: `${count} node${count > 1 ? 's' : ''} behind haproxy`,
      nodes: count,
      concurrency: c,
      perNode: Math.round(c / count),
      ...(await measure(
        [{ url: started.url, secretKey: started.secretKey, concurrency: c }],
        pids,
        started.balancerPid,
      )),
    };
  } finally {
    await started.stop();
  }
}

// Each cluster part runs right after the parts it is compared with (a shared machine's load moves
// between minutes): the baseline, then per node count the direct node at c / N, N independent
// nodes, and the cluster.
rows.push(await direct(totalConcurrency(1), 'baseline: 1 node, direct'));
const directAt = new Map([[totalConcurrency(1), rows[0]]]);
const independentOf = new Map();
for (const count of nodeCounts) {
  const c = Math.round(totalConcurrency(count) / count);
  if (!directAt.has(c)) {
    const row = await direct(c, `1 node, direct, c=${c} (= c/${count})`);
    directAt.set(c, row);
    rows.push(row);
  }
  if (count > 1) {
    const row = await independent(count);
    independentOf.set(count, row);
    rows.push(row);
  }
  rows.push(await cluster(count));
}

const base = rows[0];
const ratio = (value, of) => (value === null || !of ? '' : ` (${(value / of).toFixed(2)}×)`);
const spreadOf = (values) => (Math.max(...values) - Math.min(...values)) / Math.min(...values);
process.stdout.write(
  `\nPaymentIntent create through haproxy, PostgreSQL${pg.embedded ? ' (EMBEDDED)' : ''}, raw client, ` +
    `${perNode ? `c=${perNode} per node` : `c=${concurrency} in total`}, ${durationS} s; ` +
    `${os.availableParallelism?.() ?? os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}\n`,
);
process.stdout.write(
  '| part | c (per node) | req/s | p50 ms | p99 ms | errors | node CPU µs/req (× baseline) | without idle work (× baseline) | × direct node at the same per-node c | × independent nodes (same count, same c each) | nodes idle CPU ms/s | haproxy CPU µs/req |\n' +
    '|---|---|---|---|---|---|---|---|---|---|---|---|\n',
);
for (const row of rows) {
  const like = row.nodes ? directAt.get(row.perNode) : null;
  row.likeRatio = like ? row.nodeRequestCpuUs / like.nodeRequestCpuUs : null;
  const alone = row.nodes
    ? row.nodes === 1
      ? like
      : independentOf.get(row.nodes)
    : row.sharedDirect
      ? independentOf.get(row.sharedDirect)
      : null;
  row.aloneRatio = alone ? row.nodeRequestCpuUs / alone.nodeRequestCpuUs : null;
  process.stdout.write(
    `| ${row.part} | ${row.concurrency} (${row.perNode}) | ${row.rps}${ratio(row.rps, base.rps)} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors} | ` +
      `${row.nodeCpuUs}${ratio(row.nodeCpuUs, base.nodeCpuUs)} | ${row.nodeRequestCpuUs}${ratio(row.nodeRequestCpuUs, base.nodeRequestCpuUs)} | ` +
      `${row.likeRatio === null ? '-' : `${row.likeRatio.toFixed(2)}×`} | ` +
      `${row.aloneRatio === null ? '-' : `${row.aloneRatio.toFixed(2)}×`} | ${row.idleCpuMsPerS} | ${row.haproxyCpuUs ?? '-'} |\n`,
  );
}
const clusterRows = rows.filter((row) => row.nodes);
if (clusterRows.length > 1) {
  const raw = spreadOf(clusterRows.map((row) => row.nodeRequestCpuUs));
  const like = spreadOf(clusterRows.map((row) => row.likeRatio));
  const alone = spreadOf(clusterRows.map((row) => row.aloneRatio));
  process.stdout.write(
    `node CPU per request without idle work across ${nodeCounts.join('/')} nodes: spread ${(raw * 100).toFixed(1)} %` +
      `${perNode ? ' (same per-node concurrency)' : ` (c=${concurrency} split over the nodes)`}; ` +
      `ratio to a direct node at the same per-node concurrency: ${clusterRows.map((row) => row.likeRatio.toFixed(2)).join('/')}×, ` +
      `spread ${(like * 100).toFixed(1)} %; ratio to as many independent nodes: ` +
      `${clusterRows.map((row) => row.aloneRatio.toFixed(2)).join('/')}×, spread ${(alone * 100).toFixed(1)} % ` +
      `(issue 13: within 15 %)\n`,
  );
}
const sharedRows = rows.filter((row) => row.sharedDirect);
if (sharedRows.length > 0) {
  process.stdout.write(
    `cross-node cost (the cluster's nodes on one schema, loaded directly, / as many independent nodes at the same c each): ` +
      `${sharedRows.map((row) => `${row.sharedDirect} nodes ${row.aloneRatio.toFixed(2)}×`).join(', ')}\n`,
  );
}
