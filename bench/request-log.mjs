// The request log's cost (issue 12). It reports, it never asserts. In one run:
//   1. PaymentIntent create throughput and p99 with the request log OFF and ON (`--request-log`),
//      alternated off/on/off/on, each in a fresh server (SQLite), the operator log at its default
//      (info, JSON to a drained pipe) in both. Target: ON within 10 % of OFF.
//   2. `GET /opentill/v1/request_log?limit=10` p99 with 1,000 rows (the baseline) and with
//      1,000,000 rows (inserted straight into the table, 30 % of them 4xx), unfiltered and with a
//      `status=4xx` and a `path=` filter. Target: p99 ≤ 50 ms.
// Options (env): BENCH_DURATION (5), BENCH_WARMUP (1), BENCH_CONCURRENCY (create, 32), BENCH_LIST_CONCURRENCY
// (lists, 1: the p99 target is a latency, not a queue),
// BENCH_ONLY=create|list (both by default), BENCH_ROUNDS (2 off/on pairs).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadInChild, repoRoot, startOpenTill } from './opentill-process.mjs';

const durationS = Number(process.env.BENCH_DURATION ?? 5);
const warmupS = Number(process.env.BENCH_WARMUP ?? 1);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const secretKey = `sk_test_benchlog${process.pid}x${Date.now()}`;
const createBody = 'amount=1000&currency=eur&payment_method_types[0]=card_present&capture_method=manual';
const log = (line) => process.stdout.write(`${line}\n`);

const serve = (dataDir, args) => startOpenTill({ secretKey, name: 'request-log', dataDir, args, drainLog: true });

const load = (config) => loadInChild({ concurrency, durationS, warmupS, secretKey, client: 'raw', ...config });

async function createRound(requestLog) {
  const server = await startOpenTill({
    secretKey,
    name: 'request-log',
    args: ['--request-log', requestLog],
    drainLog: true,
  });
  try {
    const cpu0 = server.cpuMs();
    const result = await load({ url: `http://127.0.0.1:${server.port}/`, mode: 'create', body: createBody });
    // Warm-up requests are not counted in `completed` alone; CPU over everything sent is close enough.
    result.serverCpuUsPerRequest = Math.round(((server.cpuMs() - cpu0) * 1000) / Math.max(1, result.completed));
    return result;
  } finally {
    await server.stop();
  }
}

function fill(dataDir, from, to) {
  const db = new Database(join(dataDir, 'opentill.sqlite'));
  const accountId = db.prepare('SELECT account_id FROM api_keys LIMIT 1').get().account_id;
  const insert =
    db.prepare(`INSERT INTO request_log (id, account_id, created_ms, method, path, status, status_class, idempotency_key,
    replayed, error_type, error_code, duration_ms, source, request_params, response_body)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 1.5, 'secret_key', ?, ?)`);
  const now = Date.now();
  const params = JSON.stringify({ amount: '1000', currency: 'eur', payment_method_types: ['card_present'] });
  const body = JSON.stringify({
    id: 'pi_x',
    object: 'payment_intent',
    amount: 1000,
    currency: 'eur',
    status: 'requires_payment_method',
  });
  db.transaction(() => {
    for (let i = from; i < to; i += 1) {
      const failed = i % 10 < 3;
      insert.run(
        `req_bench${i}`,
        accountId,
        now - (to - i),
        i % 2 ? 'POST' : 'GET',
        i % 4 === 0 ? `/v1/refunds/re_${i}` : '/v1/payment_intents',
        failed ? 404 : 200,
        failed ? 4 : 2,
        i % 2 ? `key-${i}` : null,
        failed ? 'invalid_request_error' : null,
        failed ? 'resource_missing' : null,
        params,
        failed ? '{"error":{"type":"invalid_request_error","code":"resource_missing"}}' : body,
      );
    }
  })();
  // Fold the WAL into the database now: otherwise the server's first write checkpoints ~300 MB
  // while it is being measured.
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** The store's list alone (no HTTP, no other process): p50/p99 over 2,000 calls per query. */
async function storeFigures(dataDir, label) {
  const { SqliteStore } = await import(join(repoRoot, 'packages/store-sqlite/dist/index.js'));
  const store = new SqliteStore(join(dataDir, 'opentill.sqlite'));
  const db = new Database(join(dataDir, 'opentill.sqlite'), { readonly: true });
  const accountId = db.prepare('SELECT account_id FROM api_keys LIMIT 1').get().account_id;
  db.close();
  const queries = [
    ['unfiltered', {}],
    ['status=4xx', { statusClass: 4 }],
    ['path=/v1/refunds', { pathPrefix: '/v1/refunds' }],
    ['q=<idempotency key>', { q: 'key-501' }],
    ['page 2 (cursor)', { startingAfter: 'req_bench500' }],
    ['status=5xx (none)', { statusClass: 5 }],
    ['status=402 (none)', { status: 402 }],
    ['method=DELETE (none)', { method: 'DELETE' }],
  ];
  for (const [name, filters] of queries) {
    const times = [];
    for (let i = 0; i < 2_000; i += 1) {
      const t0 = performance.now();
      await store.requestLog.list({ accountId, limit: 10, ...filters });
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    log(
      `  ${label.padEnd(16)} ${name.padEnd(20)} store only: p50 ${times[1000].toFixed(3)} ms  p99 ${times[1980].toFixed(3)} ms`,
    );
  }
  await store.close();
}

async function listFigures(dataDir, label) {
  await storeFigures(dataDir, label);
  const server = await serve(dataDir, []);
  const base = `http://127.0.0.1:${server.port}/opentill/v1/request_log?limit=10`;
  try {
    for (const [name, url] of [
      ['unfiltered', base],
      ['status=4xx', `${base}&status=4xx`],
      ['path=/v1/refunds', `${base}&path=/v1/refunds`],
      ['q=<idempotency key>', `${base}&q=key-501`],
      ['page 2 (cursor)', `${base}&starting_after=req_bench500`],
      ['status=5xx (none)', `${base}&status=5xx`],
      ['status=402 (none)', `${base}&status=402`],
      ['method=DELETE (none)', `${base}&method=DELETE`],
    ]) {
      const cpu0 = server.cpuMs();
      const result = await load({ url, mode: 'list', concurrency: Number(process.env.BENCH_LIST_CONCURRENCY ?? 1) });
      const cpuUs = Math.round(((server.cpuMs() - cpu0) * 1000) / Math.max(1, result.completed));
      const bad = Object.entries(result.statusCounts).filter(([status]) => status !== '200');
      log(
        `  ${label.padEnd(16)} ${name.padEnd(18)} ${String(result.rps).padStart(6)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  server CPU ${cpuUs} µs/request` +
          `${bad.length ? `  NON-200: ${JSON.stringify(bad)}` : ''}${label.startsWith('1,000,000') ? `  (target p99 ≤ 50 ms: ${result.p99Ms <= 50 ? 'met' : 'MISSED'})` : ''}`,
      );
    }
  } finally {
    await server.stop();
  }
}

log(
  `request log bench: ${os.availableParallelism()} cores, ${durationS}s per round (+${warmupS}s warm-up), create concurrency ${concurrency}, ` +
    `list concurrency ${process.env.BENCH_LIST_CONCURRENCY ?? 1}, load average ${os.loadavg()[0].toFixed(1)}`,
);
const only = process.env.BENCH_ONLY ?? 'create,list';
if (only.includes('create')) {
  log('1. PaymentIntent create, request log off vs on (alternated, fresh SQLite server each round):');
  const rounds = { off: [], on: [] };
  for (const mode of Array.from({ length: Number(process.env.BENCH_ROUNDS ?? 2) }, () => ['off', 'on']).flat()) {
    const result = await createRound(mode);
    rounds[mode].push(result);
    log(
      `  request log ${mode.padEnd(3)} ${String(result.rps).padStart(6)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  ` +
        `server CPU ${result.serverCpuUsPerRequest} µs/request  errors ${result.errors}`,
    );
  }
  const mean = (xs, field) => xs.reduce((sum, x) => sum + x[field], 0) / xs.length;
  const [offRps, onRps] = [mean(rounds.off, 'rps'), mean(rounds.on, 'rps')];
  const [offP99, onP99] = [mean(rounds.off, 'p99Ms'), mean(rounds.on, 'p99Ms')];
  const [offCpu, onCpu] = [mean(rounds.off, 'serverCpuUsPerRequest'), mean(rounds.on, 'serverCpuUsPerRequest')];
  log(
    `  server CPU per create: off ${offCpu.toFixed(0)} µs, on ${onCpu.toFixed(0)} µs (${(((onCpu - offCpu) / offCpu) * 100).toFixed(1)} %)`,
  );
  const rpsDelta = ((onRps - offRps) / offRps) * 100;
  const p99Delta = ((onP99 - offP99) / offP99) * 100;
  log(
    `  mean: off ${offRps.toFixed(0)} req/s p99 ${offP99.toFixed(2)} ms | on ${onRps.toFixed(0)} req/s p99 ${onP99.toFixed(2)} ms | ` +
      `throughput ${rpsDelta >= 0 ? '+' : ''}${rpsDelta.toFixed(1)} %, p99 ${p99Delta >= 0 ? '+' : ''}${p99Delta.toFixed(1)} % ` +
      `(target within 10 %: ${rpsDelta >= -10 && p99Delta <= 10 ? 'met' : 'MISSED'})`,
  );
}

if (only.includes('list')) {
  log('2. GET /opentill/v1/request_log?limit=10 (SQLite):');
  const dataDir = mkdtempSync(join(os.tmpdir(), 'opentill-bench-log-list-'));
  try {
    const first = await serve(dataDir, []);
    await first.stop();
    fill(dataDir, 0, 1_000);
    await listFigures(dataDir, '1,000 rows');
    const started = Date.now();
    fill(dataDir, 1_000, 1_000_000);
    log(`  (inserted 999,000 rows in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    await listFigures(dataDir, '1,000,000 rows');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
