/**
 * Starts the real `opentill serve` binary as a child process for black-box tests, on SQLite (a
 * fresh temp dir) or on PostgreSQL (a fresh schema), and stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshSchema, testPostgres } from './postgres.js';
import { violationMarker } from './conformance/answer-check.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const opentillMain = join(repoRoot, 'apps/opentill/dist/main.js');
/** Loaded by every test server: checks each `/v1` answer against stripe-node's types (docs/conformance.md). */
const conformanceAnswerCheck = join(dirname(fileURLToPath(import.meta.url)), 'conformance', 'answer-check.js');

export interface RunningServer {
  port: number;
  baseUrl: string;
  secretKey: string;
  publishableKey: string;
  process: ChildProcess;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export type StoreKind = 'sqlite' | 'postgres';

let keyCounter = 0;

/** The conformance violations a server printed (answer-check.ts), or null. */
function conformanceViolations(output: string): string | null {
  const at = output.indexOf(violationMarker);
  return at < 0 ? null : output.slice(at, at + 4000);
}

/**
 * The output of every server this test process started: at exit, any conformance violation one
 * printed fails the test file (exit code 1), also for a test that only looked at an error's status
 * or a server killed on purpose. Not a throw from stop(): that would skip the caller's clean-up
 * (a receiver left open keeps the file from ever ending).
 */
const outputs: Array<() => string> = [];

/** Records violations found in this process (a webhook body a test receiver got): they fail the file at exit. */
export function recordConformanceViolations(where: string, lines: readonly string[]): void {
  const text = `${violationMarker} ${where}:\n  ${lines.join('\n  ')}\n`;
  process.stderr.write(text);
  checkAtExit(() => text);
}

function checkAtExit(output: () => string): void {
  if (outputs.length === 0) {
    process.on('exit', () => {
      const found = outputs.map((read) => conformanceViolations(read())).filter((text) => text !== null);
      if (found.length === 0) return;
      process.stderr.write(
        `\nthe server answered differently from stripe-node's types (docs/conformance.md):\n${found.join('\n')}\n`,
      );
      process.exitCode = 1;
    });
  }
  outputs.push(output);
}

/** Starts a server; `database` overrides the store (e.g. a shared PostgreSQL schema for two nodes). */
export async function startServer(options: {
  store: StoreKind;
  name: string;
  database?: string;
  dataDir?: string;
  secretKey?: string;
  env?: Record<string, string>;
  /** More `opentill serve` options. */
  args?: string[];
  /** What runs `serve` (default: this clone's build with node), e.g. `['npx', 'opentill']` in an install. */
  command?: string[];
  cwd?: string;
}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'opentill-test-'));
  let database = options.database;
  let dropSchema: (() => Promise<void>) | null = null;
  if (options.store === 'postgres' && database === undefined) {
    const pg = await testPostgres();
    const schema = await freshSchema(pg.url, options.name);
    database = schema.url;
    dropSchema = schema.drop;
  }
  keyCounter += 1;
  const secretKey = options.secretKey ?? `sk_test_opentill${process.pid}x${keyCounter}x${Date.now()}`;
  const [program, ...programArgs] = options.command ?? [process.execPath, opentillMain];
  const args = [...programArgs, 'serve', '--port', '0', '--data-dir', dataDir, '--secret-key', secretKey];
  if (database) args.push('--database', database);
  args.push(...(options.args ?? []));
  const child = spawn(program!, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    // A launcher such as npx runs the server as its own child: a process group of their own lets
    // stop() signal both, so no server outlives its test.
    detached: options.command !== undefined,
    // The conformance check is on in every server test; a test may only turn it off by setting
    // OPENTILL_TEST_ANSWER_CHECK to '' in `env` (none does).
    env: { ...process.env, OPENTILL_TEST_ANSWER_CHECK: conformanceAnswerCheck, ...options.env },
  });
  let output = '';
  checkAtExit(() => output);
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const started = await new Promise<{ port: number; publishableKey: string }>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      // A child left running would keep the test process alive forever.
      if (options.command !== undefined && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
      reject(new Error(`server did not start in time:\n${output}`));
      // Generous: a start is a few hundred ms, but a machine running the suite beside other work (or the
      // embedded PostgreSQL migrating a schema) can take far longer; a server that never starts still fails.
    }, 90_000);
    const check = () => {
      const port = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      const pk = /publishable key:\s+(\S+)/.exec(output);
      if (port && pk) {
        clearTimeout(timer);
        resolvePromise({ port: Number(port[1]), publishableKey: pk[1]! });
      }
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${output}`));
    });
  });
  return {
    port: started.port,
    baseUrl: `http://127.0.0.1:${started.port}`,
    secretKey,
    publishableKey: started.publishableKey,
    process: child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        if (options.command !== undefined && child.pid !== undefined) process.kill(-child.pid, signal);
        else child.kill(signal);
        await exited;
      }
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      if (dropSchema) await dropSchema();
    },
  };
}
