// One `opentill serve` on SQLite in a fresh data dir, for the standalone benchmarks: its port, its
// CPU time and RSS read from /proc (so the server's own cost is measured, not the load generator's),
// and a stop that removes the data dir.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// `args`: more `serve` options; `dataDir`: an existing one (kept at stop); `drainLog`: the operator
// log on at its default level, read and dropped (as a log shipper would), instead of off.
export async function startOpenTill({ secretKey, name, args = [], dataDir: given, drainLog = false }) {
  const dataDir = given ?? mkdtempSync(join(os.tmpdir(), `opentill-bench-${name}-`));
  // BENCH_SERVER_NODE_ARGS passes node flags to the server only (e.g. --cpu-prof), as in run.mjs.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(repoRoot, 'apps/opentill/dist/main.js'),
      'serve',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--secret-key',
      secretKey,
      ...args,
    ],
    drainLog
      ? { stdio: ['ignore', 'pipe', 'pipe'] }
      : {
          // stderr is the bench's terminal, not a log sink: the per-request operator log stays off here
          // (bench/run.mjs and bench/request-log.mjs measure with it on, drained).
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, OPENTILL_LOG_LEVEL: process.env.OPENTILL_LOG_LEVEL ?? 'warn' },
        },
  );
  if (drainLog) child.stderr.resume();
  const port = await new Promise((resolvePort, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (match) resolvePort(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return {
    port,
    child,
    /** Server CPU (user + system) so far, ms; /proc counts clock ticks of 10 ms (USER_HZ = 100). */
    cpuMs() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    rssKb() {
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]);
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (given === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};

/**
 * Runs the load generator (bench/load.mjs) in its own process, so it never shares an event loop
 * with the server it measures, and resolves with the result line it prints.
 */
export function loadInChild(config) {
  return new Promise((resolveLoad, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bench/load.mjs'), JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
    });
    child.once('exit', (code) =>
      code === 0 ? resolveLoad(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`load exited ${code}`)),
    );
  });
}
