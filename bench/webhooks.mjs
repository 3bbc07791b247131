// `node bench/webhooks.mjs`: the webhook benchmark of issue 4. It reports, it never asserts.
//
// One `opentill serve` (SQLite by default, `--store postgres` for 127.0.0.1:5432 db test in a fresh
// schema), one local keep-alive receiver in this process, PaymentIntent creates (1 event each) at
// concurrency 32 for --duration seconds, in three phases:
//   baseline — no endpoint: what the server produces on its own (the same-run baseline);
//   healthy  — one '*' endpoint answering 200: deliveries/s and lag;
//   flaky    — the receiver fails 50 % of requests at random while events are produced, then
//              recovers: events lost (must be 0) and how long the backlog takes to drain.
// Lag is bounded from both sides: receive − create response (≤ true commit→receiver lag) and
// receive − create request start (≥ it).
//
// Options: --duration S (5), --concurrency N (32), --store sqlite|postgres (sqlite).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({
  options: { duration: { type: 'string' }, concurrency: { type: 'string' }, store: { type: 'string' } },
});
const durationS = Number(flags.duration ?? 5);
const concurrency = Number(flags.concurrency ?? 32);
const store = flags.store ?? 'sqlite';
const secretKey = `sk_test_bench${Date.now()}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const log = (line) => process.stderr.write(`${line}\n`);

function request(port, method, path, body) {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          Authorization: `Bearer ${secretKey}`,
          ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          res.statusCode < 300 ? resolvePromise(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startServer() {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'opentill-bench-wh-'));
  let dropSchema = async () => undefined;
  const args = [
    join(repoRoot, 'apps/opentill/dist/main.js'),
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--secret-key',
    secretKey,
  ];
  if (store === 'postgres') {
    const { freshSchema, testPostgres } = await import(join(repoRoot, 'packages/testkit/dist/index.js'));
    const schema = await freshSchema((await testPostgres()).url, 'bench webhooks');
    args.push('--database', schema.url);
    dropSchema = schema.drop;
  }
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      // OPENTILL_LOG_LEVEL: stderr is the bench's terminal, not a log sink (see opentill-process.mjs).
      env: {
        OPENTILL_LOG_LEVEL: 'warn',
        ...process.env,
        OPENTILL_WEBHOOK_RETRY: 'base=200ms,factor=2,cap=1s,window=1h',
        OPENTILL_WEBHOOK_POLL: '100ms',
      },
    },
  );
  const port = await new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (match) resolvePromise(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return {
    port,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
      await dropSchema();
    },
  };
}

/** Creates PaymentIntents for `seconds`; returns per-PI {start, end} times. */
async function produce(port, seconds) {
  const times = new Map();
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const start = performance.now();
        const pi = await request(
          port,
          'POST',
          '/v1/payment_intents',
          'amount=1000&currency=usd&payment_method_types[0]=card_present&capture_method=manual',
        );
        times.set(pi.id, { start, end: performance.now() });
      }
    }),
  );
  return times;
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  // The receiver: records the first 2xx-acknowledged arrival of each PaymentIntent's event.
  let failRate = 0;
  const acknowledged = new Map();
  let requests = 0;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      requests += 1;
      if (Math.random() < failRate) {
        res.writeHead(500);
        res.end('no');
        return;
      }
      const at = performance.now();
      const event = JSON.parse(body);
      const id = event.data.object.id;
      if (!acknowledged.has(id)) acknowledged.set(id, at);
      res.writeHead(200);
      res.end('ok');
    });
  });
  receiver.keepAliveTimeout = 60_000;
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

  const server = await startServer();
  const results = { store, durationS, concurrency, cpus: os.cpus().length, cpu: os.cpus()[0]?.model };
  try {
    log(`baseline: ${durationS}s of PaymentIntent creates, no endpoint`);
    const baseline = await produce(server.port, durationS);
    results.baselineCreatesPerS = Math.round(baseline.size / durationS);

    await request(
      server.port,
      'POST',
      '/v1/webhook_endpoints',
      `url=${encodeURIComponent(receiverUrl)}&enabled_events[0]=*`,
    );
    log(`healthy: ${durationS}s with one endpoint`);
    const started = performance.now();
    const healthy = await produce(server.port, durationS);
    const drainDeadline = performance.now() + 60_000;
    while ([...healthy.keys()].some((id) => !acknowledged.has(id)) && performance.now() < drainDeadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const lastAck = Math.max(...[...healthy.keys()].map((id) => acknowledged.get(id) ?? NaN));
    const lower = [];
    const upper = [];
    for (const [id, t] of healthy) {
      const at = acknowledged.get(id);
      if (at === undefined) continue;
      lower.push(Math.max(0, at - t.end));
      upper.push(at - t.start);
    }
    results.healthy = {
      createsPerS: Math.round(healthy.size / durationS),
      deliveries: lower.length,
      missing: healthy.size - lower.length,
      deliveriesPerS: Math.round(lower.length / ((lastAck - started) / 1000)),
      lagMs: {
        p50: [percentile(lower, 50), percentile(upper, 50)].map((v) => +v.toFixed(1)),
        p99: [percentile(lower, 99), percentile(upper, 99)].map((v) => +v.toFixed(1)),
      },
    };

    log(`flaky: ${durationS}s with the receiver failing 50 % at random`);
    failRate = 0.5;
    const requestsBefore = requests;
    const flaky = await produce(server.port, durationS);
    failRate = 0;
    const recovered = performance.now();
    const deadline = recovered + 120_000;
    while ([...flaky.keys()].some((id) => !acknowledged.has(id)) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const lost = [...flaky.keys()].filter((id) => !acknowledged.has(id)).length;
    results.flaky = {
      events: flaky.size,
      receiverRequests: requests - requestsBefore,
      lost,
      drainAfterRecoveryMs: Math.round(performance.now() - recovered),
    };
  } finally {
    await server.stop();
    receiver.closeAllConnections();
    receiver.close();
    agent.destroy();
  }
  const h = results.healthy;
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    `\nbaseline ${results.baselineCreatesPerS} creates/s; with webhooks ${h.createsPerS} creates/s, ` +
      `${h.deliveriesPerS} deliveries/s (target ≥ 2000: ${h.deliveriesPerS >= 2000 ? 'met' : 'MISSED'}), ` +
      `p99 lag ${h.lagMs.p99[0]}–${h.lagMs.p99[1]} ms (target ≤ 50: ${h.lagMs.p99[0] <= 50 ? 'met' : 'MISSED'}); ` +
      `flaky: ${results.flaky.lost} lost of ${results.flaky.events}, drained ${results.flaky.drainAfterRecoveryMs} ms after recovery\n`,
  );
}

main().catch((error) => {
  log(error.stack ?? String(error));
  process.exit(1);
});
