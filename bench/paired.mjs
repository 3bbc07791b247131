// `node bench/paired.mjs [--rounds 8] [--duration 8] [--warmup 3] [--store postgres|sqlite] BEFORE_MAIN [AFTER_MAIN]`
//
// Two builds of `opentill serve` loaded AT THE SAME TIME, each by its own load generator (raw client,
// c=32, PaymentIntent create with an Idempotency-Key, as run.mjs), for --rounds rounds; each round
// starts both servers afresh (a fresh schema each on 127.0.0.1:5432 db `test`, or a fresh data dir).
// Printed per round and in total: each server's CPU µs per request over the measured window (the
// `steady` column of run.mjs) and their ratio (AFTER / BEFORE).
//
// Why paired: on this shared 2-core machine, other sessions' load moves a server's CPU per request by
// ±10–15 % between runs minutes apart, more than a change worth 5 %. Two servers measured over the
// same seconds see the same load, so the per-round ratio cancels most of it (each server has about
// one core less than alone, the same for both). AFTER_MAIN defaults to this checkout's build.
// It reports, it never asserts.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const benchDir = dirname(fileURLToPath(import.meta.url));
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    store: { type: 'string' },
  },
});
const rounds = Number(flags.rounds ?? 8);
const durationS = Number(flags.duration ?? 8);
const warmupS = Number(flags.warmup ?? 3);
const store = flags.store ?? 'postgres';
if (positionals.length < 1 || !['postgres', 'sqlite'].includes(store)) {
  process.stderr.write(
    'node bench/paired.mjs [--rounds 8] [--duration 8] [--warmup 3] [--store postgres|sqlite] BEFORE_MAIN [AFTER_MAIN]\n',
  );
  process.exit(2);
}
const builds = [resolve(positionals[0]), resolve(positionals[1] ?? join(benchDir, '../apps/opentill/dist/main.js'))];
const secretKey = `sk_test_paired${process.pid}x${Date.now()}`;
const createBody = 'amount=1000&currency=eur&payment_method_types[0]=card_present&capture_method=manual';
const tmp = mkdtempSync(join(os.tmpdir(), 'opentill-paired-'));
const { testPostgres, freshSchema } = await import('../packages/testkit/dist/postgres.js');
const pgInfo = store === 'postgres' ? await testPostgres() : null;
if (pgInfo?.embedded)
  process.stderr.write('PostgreSQL unreachable: EMBEDDED PGlite, figures say nothing about PostgreSQL\n');

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}

async function startServer(main, round, index) {
  const schema = pgInfo ? await freshSchema(pgInfo.url, 'paired') : null;
  const args = [main, 'serve', '--port', '0', '--data-dir', mkdtempSync(join(tmp, `${round}-${index}-`))];
  args.push('--secret-key', secretKey, ...(schema ? ['--database', schema.url] : []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => {
    if (output.length < 10_000) output += chunk.toString();
  });
  const port = await new Promise((resolvePort, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk.toString();
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolvePort(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
  return { child, port, drop: schema ? schema.drop : async () => undefined };
}

/** Loads one server; resolves with the load generator's result and the server's CPU µs per request in the window. */
function load(server) {
  const marks = {};
  const child = spawn(
    process.execPath,
    [
      join(benchDir, 'load.mjs'),
      JSON.stringify({
        url: `http://127.0.0.1:${server.port}/`,
        mode: 'create',
        body: createBody,
        concurrency: 32,
        durationS,
        warmupS,
        secretKey,
        client: 'raw',
        marks: true,
      }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  let seen = 0;
  child.stdout.on('data', (chunk) => {
    out += chunk.toString();
    for (let end = out.indexOf('\n', seen); end >= 0; end = out.indexOf('\n', seen)) {
      const line = out.slice(seen, end);
      seen = end + 1;
      if (line.startsWith('mark ')) marks[line.slice(5)] = cpuUs(server.child.pid);
    }
  });
  return new Promise((resolveLoad, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      const result = JSON.parse(out.trim().split('\n').at(-1));
      resolveLoad({ result, us: (marks['window-end'] - marks['window-start']) / result.windowCompleted });
    });
  });
}

const loadLine = () => os.loadavg()[0].toFixed(2);
console.log(`paired create on ${store}, c=32 each, ${durationS} s (+${warmupS} s warm-up), ${rounds} rounds`);
console.log(`BEFORE ${builds[0]}\nAFTER  ${builds[1]}\nload average ${loadLine()} at the start`);
const perRound = [];
for (let round = 0; round < rounds; round += 1) {
  const servers = [];
  try {
    for (const [index, main] of builds.entries()) servers.push(await startServer(main, round, index));
    const [before, after] = await Promise.all(servers.map(load));
    const errors = before.result.errors + after.result.errors;
    perRound.push({ before: before.us, after: after.us });
    console.log(
      `round ${round + 1}: BEFORE ${before.result.rps} req/s ${before.us.toFixed(0)} µs/req | AFTER ${after.result.rps} req/s ` +
        `${after.us.toFixed(0)} µs/req | ratio ${(after.us / before.us).toFixed(3)} | errors ${errors} | load ${loadLine()}`,
    );
  } finally {
    for (const server of servers) {
      server.child.kill('SIGTERM');
      if (server.child.exitCode === null) await new Promise((done) => server.child.once('exit', done));
      await server.drop();
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
const ratios = perRound.map((r) => r.after / r.before);
console.log(
  `BEFORE µs/req mean ${mean(perRound.map((r) => r.before)).toFixed(0)}, median ${median(perRound.map((r) => r.before)).toFixed(0)}; ` +
    `AFTER mean ${mean(perRound.map((r) => r.after)).toFixed(0)}, median ${median(perRound.map((r) => r.after)).toFixed(0)}`,
);
console.log(
  `AFTER / BEFORE per round: ${ratios.map((r) => r.toFixed(3)).join(' ')}; mean ${mean(ratios).toFixed(3)}, median ` +
    `${median(ratios).toFixed(3)}, AFTER lower in ${ratios.filter((r) => r < 1).length} of ${ratios.length}`,
);
