// `node bench/connect.mjs`: what acting as a connected account costs (issue 14: "Stripe-Account
// requests within 10 % of the platform's own"). It reports, it never asserts.
//
// One `opentill serve` on SQLite (fresh data dir); a connected account created through the API;
// then PaymentIntent create and retrieve, each measured as the platform itself and with
// `Stripe-Account`, alternated (platform, connected, platform, connected) so drift on a loaded
// machine hits both alike. The load generator (bench/load.mjs) runs in its own process.
//
// Options: --duration S (3), --warmup S (1), --concurrency N (16), --rounds N (2),
// --store sqlite|postgres (sqlite; postgres: 127.0.0.1:5432 db `test` in a fresh schema, else PGlite).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadInChild } from './opentill-process.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const opentillMain = join(resolve(benchDir, '..'), 'apps/opentill/dist/main.js');
const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    store: { type: 'string' },
  },
});
const durationS = Number(flags.duration ?? 3);
const warmupS = Number(flags.warmup ?? 1);
const concurrency = Number(flags.concurrency ?? 16);
const rounds = Number(flags.rounds ?? 2);
const store = flags.store ?? 'sqlite';
let databaseUrl = null;
let dropSchema = async () => undefined;
if (store === 'postgres') {
  const { testPostgres, freshSchema } = await import('../packages/testkit/dist/postgres.js');
  const schema = await freshSchema((await testPostgres()).url, 'bench_connect');
  databaseUrl = schema.url;
  dropSchema = schema.drop;
}
const secretKey = `sk_test_benchconnect${process.pid}x${Date.now()}`;
const createBody = 'amount=1000&currency=usd&payment_method_types[0]=card_present&capture_method=manual';
const tmp = mkdtempSync(join(os.tmpdir(), 'opentill-bench-connect-'));
const clockTicks = 100;

function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}

function startServer() {
  const args = [opentillMain, 'serve', '--port', '0', '--data-dir', join(tmp, 'data'), '--secret-key', secretKey];
  if (databaseUrl) args.push('--database', databaseUrl);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`opentill did not start:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk.toString();
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, port: Number(m[1]) });
      }
    });
    child.stderr.on('data', (chunk) => {
      output += chunk.toString();
    });
  });
}

const runLoad = (config) => loadInChild({ concurrency, durationS, warmupS, secretKey, client: 'raw', ...config });

async function measure(pid, config) {
  const before = cpuUs(pid);
  const result = await runLoad(config);
  return {
    rps: result.rps,
    p99Ms: result.latencyMs?.p99 ?? result.p99Ms,
    errors: result.errors,
    cpuUs: Math.round((cpuUs(pid) - before) / Math.max(1, result.completed)),
  };
}

const { child, port } = await startServer();
try {
  const base = `http://127.0.0.1:${port}`;
  const created = await fetch(`${base}/v1/accounts`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secretKey}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'type=express',
  });
  const account = (await created.json()).id;
  const as = { platform: {}, connected: { 'Stripe-Account': account } };
  const results = { create: { platform: [], connected: [] }, retrieve: { platform: [], connected: [] } };
  for (let round = 0; round < rounds; round += 1) {
    for (const who of ['platform', 'connected']) {
      const ids = join(tmp, `ids-${who}-${round}`);
      results.create[who].push(
        await measure(child.pid, {
          url: `${base}/v1/payment_intents`,
          mode: 'create',
          body: createBody,
          headers: as[who],
          idsOut: ids,
        }),
      );
      results.retrieve[who].push(
        await measure(child.pid, { url: `${base}/v1/payment_intents`, mode: 'retrieve', idsIn: ids, headers: as[who] }),
      );
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  process.stdout.write(
    `Stripe-Account vs the platform's own requests (${store}, concurrency ${concurrency}, ${rounds} rounds of ${durationS} s, alternated)\n`,
  );
  // Throughput on a shared, loaded machine is noisy; server CPU per request is the steadier figure.
  process.stdout.write(
    'operation   who         req/s (median)  server CPU µs/req  errors   req/s ratio  CPU ratio (connected / platform)\n',
  );
  for (const op of ['create', 'retrieve']) {
    const rps = {
      platform: median(results[op].platform.map((r) => r.rps)),
      connected: median(results[op].connected.map((r) => r.rps)),
    };
    const cpu = {
      platform: median(results[op].platform.map((r) => r.cpuUs)),
      connected: median(results[op].connected.map((r) => r.cpuUs)),
    };
    for (const who of ['platform', 'connected']) {
      const errors = results[op][who].reduce((n, r) => n + (r.errors ?? 0), 0);
      process.stdout.write(
        `${op.padEnd(11)} ${who.padEnd(11)} ${String(Math.round(rps[who])).padStart(14)}  ${String(cpu[who]).padStart(17)}  ${String(errors).padStart(6)}` +
          (who === 'connected'
            ? `   ${(rps.connected / rps.platform).toFixed(3).padStart(11)}  ${(cpu.connected / cpu.platform).toFixed(3)}`
            : '') +
          '\n',
      );
    }
  }
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(tmp, { recursive: true, force: true });
  await dropSchema();
}
