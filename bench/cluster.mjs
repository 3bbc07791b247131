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
// Open loop (--rate R): the closed loop above ties a node's arrivals to its own answers (a node
// that answers a batch at once gets the next batch at once, which is what lets it amortize), and
// haproxy's round robin breaks that tie: a client's next request goes to another node, so each node
// sees smoother arrivals and wakes up more often per request (measured: ~1.6 epoll waits per
// request through haproxy against ~0.6 direct). That is a property of the load model, not cross-node
// work. With --rate, every part gets the same arrivals: R requests/s on a fixed schedule (each on a
// free connection of a pool of --concurrency), whatever the answers' pace. The parts: 1 node direct
// at R, then per N: 1 node direct at R / N (the per-node rate of the cluster's nodes), N independent
// nodes at R / N each, N nodes on one schema loaded directly at R / N each, and N nodes behind haproxy
// at R. Pick R below what the 3-node part can serve on this machine, or the parts differ in queueing.
//
// Options: --duration S (5), --warmup S (1), --node-warmup S (3), --concurrency N (32), --nodes 1,2,3,
// --per-node-concurrency K (off), --rate R (off: closed loop).
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
    rate: { type: 'string' },
  },
});
const durationS = Number(flags.duration ?? 5);
const warmupS = Number(flags.warmup ?? 1);
const nodeWarmupS = Number(flags['node-warmup'] ?? 3);
const concurrency = Number(flags.concurrency ?? 32);
const nodeCounts = (flags.nodes ?? '1,2,3').split(',').map(Number);
const perNode = flags['per-node-concurrency'] ? Number(flags['per-node-concurrency']) : null;
/** Open loop: requests per second in total (0: closed loop). */
const rate = flags.rate ? Number(flags.rate) : 0;
if (rate && perNode) throw new Error('--rate and --per-node-concurrency are two load models: pick one');
/** A part's connections per node: the closed loop splits c over the nodes; the open loop keeps a pool of c per load. */
const connectionsPerNode = (count) => (rate ? concurrency : Math.round(totalConcurrency(count) / count));
/** What a node of an N-node part gets: its share of the connections, or of the rate. */
const perNodeKey = (count) => (rate ? rate / count : connectionsPerNode(count));
const rateLabel = (value) => `${Math.round(value)} req/s`;
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
        ...(load.rate ? { rate: load.rate } : {}),
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
/** One node loaded directly with `c` connections (open loop: at `nodeRate` requests/s). */
async function direct(c, part, nodeRate = 0) {
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
      perNodeRate: nodeRate,
      ...(await measure(
        [{ url: server.baseUrl, secretKey: server.secretKey, concurrency: c, rate: nodeRate }],
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
  const c = connectionsPerNode(count);
  const nodeRate = rate / count;
  const part = `${count} independent nodes, direct, ${rate ? rateLabel(nodeRate) : `c=${c}`} each`;
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
      perNodeRate: nodeRate,
      ...(await measure(
        started.map(({ server }) => ({
          url: server.baseUrl,
          secretKey: server.secretKey,
          concurrency: c,
          rate: nodeRate,
        })),
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
  const each = connectionsPerNode(count);
  const nodeRate = rate / count;
  log(`${count} node${count > 1 ? 's' : ''} behind haproxy …`);
  const started = await startCluster({ name: `bench_cluster_${count}`, nodes: count, env: serverEnv });
  try {
    const pids = started.nodes.map((node) => node.server.process.pid);
    await warmUp(
      started.nodes.map((node) => node.url),
      started.secretKey,
      Math.round(c / count),
    );
    const label = rate ? rateLabel(nodeRate) : `c=${each}`;
    // The same nodes on their one schema, each loaded directly at c / N (no haproxy): splits what
    // haproxy costs the nodes from what sharing one schema costs them.
    if (count > 1) {
      rows.push({
        part: `${count} nodes on one schema, direct, ${label} each`,
        concurrency: each * count,
        perNode: each,
        perNodeRate: nodeRate,
        sharedDirect: count,
        ...(await measure(
          started.nodes.map((node) => ({
            url: node.url,
            secretKey: started.secretKey,
            concurrency: each,
            rate: nodeRate,
          })),
          pids,
          null,
        )),
      });
    }
    return {
      part: `${count} node${count > 1 ? 's' : ''} behind haproxy${rate ? `, ${rateLabel(rate)}` : ''}`,
      nodes: count,
      concurrency: c,
      perNode: Math.round(c / count),
      perNodeRate: nodeRate,
      ...(await measure(
        [{ url: started.url, secretKey: started.secretKey, concurrency: c, rate }],
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
rows.push(await direct(totalConcurrency(1), `baseline: 1 node, direct${rate ? `, ${rateLabel(rate)}` : ''}`, rate));
const directAt = new Map([[perNodeKey(1), rows[0]]]);
const independentOf = new Map();
for (const count of nodeCounts) {
  const key = perNodeKey(count);
  if (!directAt.has(key)) {
    const row = rate
      ? await direct(concurrency, `1 node, direct, ${rateLabel(key)} (= R/${count})`, key)
      : await direct(key, `1 node, direct, c=${key} (= c/${count})`);
    directAt.set(key, row);
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
    `${rate ? `open loop at ${rateLabel(rate)} in total (pool of c=${concurrency} per load)` : perNode ? `c=${perNode} per node` : `c=${concurrency} in total`}, ${durationS} s; ` +
    `${os.availableParallelism?.() ?? os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(2)}\n`,
);
process.stdout.write(
  `| part | c (per node) | req/s | p50 ms | p99 ms | errors | node CPU µs/req (× baseline) | without idle work (× baseline) | × direct node at the same per-node ${rate ? 'rate' : 'c'} | × independent nodes (same count, same ${rate ? 'rate' : 'c'} each) | nodes idle CPU ms/s | haproxy CPU µs/req |\n` +
    '|---|---|---|---|---|---|---|---|---|---|---|---|\n',
);
for (const row of rows) {
  const like = row.nodes ? directAt.get(rate ? row.perNodeRate : row.perNode) : null;
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
      `${rate ? ` (the same ${rateLabel(rate)} in total)` : perNode ? ' (same per-node concurrency)' : ` (c=${concurrency} split over the nodes)`}; ` +
      `ratio to a direct node at the same per-node ${rate ? 'rate' : 'concurrency'}: ${clusterRows.map((row) => row.likeRatio.toFixed(2)).join('/')}×, ` +
      `spread ${(like * 100).toFixed(1)} %; ratio to as many independent nodes: ` +
      `${clusterRows.map((row) => row.aloneRatio.toFixed(2)).join('/')}×, spread ${(alone * 100).toFixed(1)} % ` +
      `(issue 13: within 15 %)\n`,
  );
}
const sharedRows = rows.filter((row) => row.sharedDirect);
if (sharedRows.length > 0) {
  process.stdout.write(
    `cross-node cost (the cluster's nodes on one schema, loaded directly, / as many independent nodes at the same ${rate ? 'rate' : 'c'} each): ` +
      `${sharedRows.map((row) => `${row.sharedDirect} nodes ${row.aloneRatio.toFixed(2)}×`).join(', ')}\n`,
  );
}
