/**
 * PostgreSQL for test suites.
 *
 * Resolution order of `testPostgres()`:
 *  1. OPENTILL_TEST_DATABASE_URL              - used as is.
 *  2. OPENTILL_TEST_FORCE_PGLITE=1             - embedded server (to test the fallback).
 *  3. OPENTILL_TEST_POSTGRES                   - the run's decision, made ONCE by scripts/test.mjs
 *                                                before it starts the test processes (`decidePostgres`):
 *                                                a server URL, or `embedded`. Every file of a run
 *                                                therefore uses the same backend.
 *  4. otherwise (a file run on its own)        - `decidePostgres()` in this process:
 *     CI=true                                  - the local server (below) must answer, else we throw
 *                                                (never skip, never fall back in CI);
 *     the local server answers `select 1` in ~1s - use it;
 *     otherwise                                - embedded server.
 * The local server is postgres://$PGUSER@$PGHOST:$PGPORT/$PGDATABASE, by default
 * postgres://postgres@127.0.0.1:5432/test; `PGPORT=1` (a closed port) forces the fallback.
 *
 * Embedded server design (chosen after measuring, see pglite-wire.ts):
 * node:test runs every test file in its own process, and booting PGlite costs
 * ~3-5 s and ~200 MB per instance, so instead of one PGlite per process we run
 * ONE shared, detached server process (dist/pglite-server.js) on the fixed
 * port 54329 (OPENTILL_TEST_PGLITE_PORT), started on demand by whichever test
 * process needs it first; the bound port is the lock, and it exits by itself
 * when idle. It speaks the wire protocol through our own multiplexer instead
 * of pglite-socket's PGLiteSocketServer, because the latter shares one session
 * (search_path!) between all clients, so `freshSchema` URLs would not isolate.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { embeddedLogFile, embeddedPidFile, embeddedPort } from './pglite-paths.js';

/** The real server the suites use when it answers (libpq's environment variables, then defaults). */
export function localDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const user = encodeURIComponent(env.PGUSER || 'postgres');
  const host = env.PGHOST || '127.0.0.1';
  const port = env.PGPORT || '5432';
  const database = encodeURIComponent(env.PGDATABASE || 'test');
  return `postgres://${user}@${host}:${port}/${database}`;
}

/** The environment variable that carries a run's decision from scripts/test.mjs to its test processes. */
export const RUN_DECISION_ENV = 'OPENTILL_TEST_POSTGRES';

export interface PostgresDecision {
  /** A real server's URL, or `embedded` for the PGlite fallback. */
  value: string;
  /** One line for the run's summary: which backend and why. */
  summary: string;
}

export interface TestPostgres {
  url: string;
  /**
   * Recommended `max` for a pg Pool. PGlite runs one statement at a time and
   * an open transaction blocks every other connection, so extra clients buy
   * nothing there and only add cross-connection waits.
   */
  poolMax: number;
  /** True when served by the embedded PGlite fallback. */
  embedded: boolean;
}

export interface FreshSchema {
  /** Connection URL whose sessions default to `search_path = schema`. */
  url: string;
  schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

const REAL_POOL_MAX = 10;
const EMBEDDED_POOL_MAX = 1;

export async function testPostgresUrl(): Promise<string> {
  return (await testPostgres()).url;
}

export async function testPostgres(): Promise<TestPostgres> {
  const explicit = process.env.OPENTILL_TEST_DATABASE_URL;
  if (explicit) return { url: explicit, poolMax: REAL_POOL_MAX, embedded: false };
  if (process.env.OPENTILL_TEST_FORCE_PGLITE === '1') return embedded();
  const decided = process.env[RUN_DECISION_ENV] || (await processDecision()).value;
  if (decided === 'embedded') return embedded();
  return { url: decided, poolMax: REAL_POOL_MAX, embedded: false };
}

/** Decided once per process when no run decided for it (a test file started on its own). */
let ownDecision: Promise<PostgresDecision> | undefined;
function processDecision(): Promise<PostgresDecision> {
  ownDecision ??= decidePostgres();
  return ownDecision;
}

/**
 * Which PostgreSQL a test run uses: OPENTILL_TEST_DATABASE_URL; the embedded server when forced;
 * with CI=true the local server, which must answer (throws otherwise); else the local server if it
 * answers `select 1` within a second, and the embedded PGlite server if not.
 */
export async function decidePostgres(env: NodeJS.ProcessEnv = process.env): Promise<PostgresDecision> {
  const explicit = env.OPENTILL_TEST_DATABASE_URL;
  if (explicit) return { value: explicit, summary: `PostgreSQL: ${redact(explicit)} (OPENTILL_TEST_DATABASE_URL)` };
  const embeddedSummary = (why: string) => `PostgreSQL: embedded PGlite on 127.0.0.1:${embeddedPort()} (${why})`;
  if (env.OPENTILL_TEST_FORCE_PGLITE === '1')
    return { value: 'embedded', summary: embeddedSummary('OPENTILL_TEST_FORCE_PGLITE=1') };
  const local = localDatabaseUrl(env);
  if (env.CI === 'true') {
    const failure = await probe(local, 5_000);
    if (failure) {
      throw new Error(
        `CI=true but PostgreSQL at ${redact(local)} is not reachable (${failure}). ` +
          'CI must run the tests against a real server; start the postgres service.',
      );
    }
    return { value: local, summary: `PostgreSQL: real server at ${redact(local)} (CI=true requires it)` };
  }
  const failure = await probe(local, 1_000);
  if (failure === null) return { value: local, summary: `PostgreSQL: real server at ${redact(local)} (it answered)` };
  return { value: 'embedded', summary: embeddedSummary(`no server answered at ${redact(local)}: ${failure}`) };
}

/** A URL without its password, for logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparsable URL';
  }
}

/** Connects and runs `select 1`; returns null on success, else the reason. */
async function probe(url: string, timeoutMs: number): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined); // late socket errors must not crash the test process
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------
// embedded fallback

function embeddedUrl(port = embeddedPort()): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

let embeddedStart: Promise<TestPostgres> | undefined;
function embedded(): Promise<TestPostgres> {
  embeddedStart ??= ensureEmbeddedServer(embeddedPort()).catch((error: unknown) => {
    embeddedStart = undefined; // let a later call retry
    throw error;
  });
  return embeddedStart;
}

async function ensureEmbeddedServer(port: number): Promise<TestPostgres> {
  const url = embeddedUrl(port);
  const result = { url, poolMax: EMBEDDED_POOL_MAX, embedded: true };
  if ((await probe(url, 1_000)) === null) return result;
  spawnEmbeddedServer(port);
  // PGlite takes a few seconds to boot, much longer on a loaded machine.
  const deadline = Date.now() + 60_000;
  let failure: string | null = 'not started';
  while (failure !== null && Date.now() < deadline) {
    failure = await probe(url, 10_000);
    if (failure !== null) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (failure !== null) {
    throw new Error(
      `embedded PGlite server on port ${port} did not come up (${failure}); see ${embeddedLogFile(port)}`,
    );
  }
  return result;
}

/**
 * Detached with stdio in a log file, so it outlives this test process and is
 * shared by the other ones. If another process already spawned one, ours
 * exits at once (port taken), which is harmless.
 */
function spawnEmbeddedServer(port: number): void {
  const script = fileURLToPath(new URL('./pglite-server.js', import.meta.url));
  const log = openSync(embeddedLogFile(port), 'a');
  const child = spawn(process.execPath, [script, String(port)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
}

/**
 * A PostgreSQL of the test's own when the run uses the embedded one: a second embedded server on a
 * free port, stopped with `stop()`. For a test that freezes connections on purpose (a black-holed
 * proxy): the embedded server runs one transaction at a time, so a transaction frozen mid-way on
 * the shared one would hold every other test file of the run. On the real server: `testPostgres()`.
 */
export async function isolatedPostgres(): Promise<TestPostgres & { stop(): Promise<void> }> {
  const shared = await testPostgres();
  if (!shared.embedded) return { ...shared, stop: async () => undefined };
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => free.close(() => resolve()));
  const started = await ensureEmbeddedServer(port);
  return {
    ...started,
    stop: async () => {
      try {
        process.kill(Number(readFileSync(embeddedPidFile(port), 'utf8')), 'SIGTERM');
      } catch {
        /* already gone (it exits by itself when idle) */
      }
    },
  };
}

// ---------------------------------------------------------------------------
// schemas

let schemaCounter = 0;

/**
 * Creates an empty schema and returns a URL whose connections use it by
 * default, through the startup `options` parameter (honoured by pg, libpq,
 * real PostgreSQL and our embedded server). Clients that cannot pass startup
 * options should run `schemaSearchPathSql(schema)` right after connecting.
 */
export async function freshSchema(url: string, name: string): Promise<FreshSchema> {
  const schema = uniqueSchemaName(name);
  await runSql(url, `create schema ${quoteIdent(schema)}`);
  return {
    url: withSearchPath(url, schema),
    schema,
    drop: () => runSql(url, `drop schema if exists ${quoteIdent(schema)} cascade`),
  };
}

export function schemaSearchPathSql(schema: string): string {
  return `set search_path to ${quoteIdent(schema)}`;
}

/** `<sanitized name>_<hash6>_<pid>_<counter>`, at most 63 bytes (NAMEDATALEN - 1). */
export function uniqueSchemaName(name: string): string {
  const counter = ++schemaCounter;
  const hash = createHash('sha1')
    .update(`${name}\0${process.pid}\0${counter}\0${Date.now()}`)
    .digest('hex')
    .slice(0, 6);
  const suffix = `_${hash}_${process.pid}_${counter}`;
  const base = sanitize(name).slice(0, 63 - suffix.length);
  return `${base}${suffix}`;
}

function sanitize(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  // Identifiers must not start with a digit; an empty name still needs a base.
  return /^[a-z_]/.test(cleaned) ? cleaned : `t_${cleaned}`.replace(/_$/, '');
}

function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** Adds `-c search_path=<schema>` to the URL's `options`, keeping existing ones. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  const existing = parsed.searchParams.get('options');
  const option = `-c search_path=${schema}`;
  parsed.searchParams.delete('options');
  // Encode by hand: URLSearchParams would turn spaces into '+'.
  const options = encodeURIComponent(existing ? `${existing} ${option}` : option);
  const rest = parsed.searchParams.toString();
  parsed.search = rest ? `${rest}&options=${options}` : `options=${options}`;
  return parsed.toString();
}

async function runSql(url: string, sql: string): Promise<void> {
  // Bounded: a schema drop stuck behind a lock (a backend outliving its server) fails the test
  // with PostgreSQL's own message instead of holding the file until the runner's limit.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 30_000, statement_timeout: 60_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
