/**
 * `opentill serve` — the composition root: wires the store adapter, the simulated processor, the
 * engine, the HTTP server, the reader gateway and the webhook dispatcher, and runs the scheduler.
 * Everything that can be wrong with the options (values, a busy port, a fixtures file) is found
 * before anything is written.
 */
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  authenticate,
  createAccount,
  createServices,
  randomIds,
  SeededIds,
  seededRandom,
  systemClock,
  type IdSource,
  type Store,
} from '@opentill/engine';
import { compact, limits } from '@opentill/core';
import { SimulatedProcessor, testCards } from '@opentill/processor-simulated';
import { attachGateway, nodeIdPattern, parsePublicUrl, publicUrlProblem } from '@opentill/gateway';
import { buildServer, RequestLogRecorder, type AnswerCheck } from '@opentill/server';
import { SqliteStore } from '@opentill/store-sqlite';
import { PostgresStore } from '@opentill/store-postgres';
import { startWebhooks, webhookConfig, webhookFlags } from './serve-webhooks.js';
import {
  CliError,
  UsageError,
  booleanFlag,
  parsePort,
  stringFlag,
  type Command,
  type FlagValues,
} from '../cli/command.js';
import { dataDirFlag, dataDirOf, defaultHost, defaultPort, writeServerRecord } from '../cli/client.js';
import { applyFixtures, injectCaller, readFixtures, type Fixtures } from '../fixture-file.js';
import { configuredKeyProblem } from '../configured-keys.js';
import {
  dashboardDir,
  knownKeys,
  linkHost,
  operationsOptions,
  operatorLogger,
  requestLogSettings,
  startSessionPruning,
} from '../operations.js';

const schedulerIntervalMs = 1_000;

interface KeysFile {
  secretKey: string;
  publishableKey: string;
}

/** The data dir holds keys and card data: created owner-only (0700); its files are created 0600. */
const dataDirMode = 0o700;
const dataFileMode = 0o600;

async function openStore(databaseUrl: string | undefined, dataDir: string): Promise<Store> {
  if (databaseUrl) {
    const envMs = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
    // The bounds of every PostgreSQL wait (limits.postgres*); the env overrides are for tests.
    const timeouts = compact({
      connectMs: envMs('OPENTILL_POSTGRES_CONNECT_TIMEOUT_MS'),
      queryMs: envMs('OPENTILL_POSTGRES_QUERY_TIMEOUT_MS'),
      listenCheckMs: envMs('OPENTILL_POSTGRES_LISTEN_CHECK_MS'),
    });
    return new PostgresStore({ connectionString: databaseUrl, timeouts });
  }
  mkdirSync(dataDir, { recursive: true, mode: dataDirMode });
  return new SqliteStore(join(dataDir, 'opentill.sqlite'));
}

/**
 * Makes sure the configured keys (or the ones generated on first start) open an account, and
 * returns the keys to print. Generated keys are kept in the data dir, readable only by the owner,
 * so a restart prints the same keys; the database itself only ever holds their hashes.
 */
async function ensureAccount(
  store: Store,
  ids: IdSource,
  dataDir: string,
  configured: Partial<KeysFile>,
): Promise<KeysFile> {
  const keysPath = join(dataDir, 'keys.json');
  const saved: Partial<KeysFile> = existsSync(keysPath) ? (JSON.parse(readFileSync(keysPath, 'utf8')) as KeysFile) : {};
  const secretKey = configured.secretKey ?? saved.secretKey;
  if (secretKey && (await authenticate(store, secretKey))) {
    return { secretKey, publishableKey: configured.publishableKey ?? saved.publishableKey ?? '(unchanged)' };
  }
  const created = await createAccount(store, ids, systemClock, {
    ...(secretKey ? { secretKey } : {}),
    ...(configured.publishableKey ? { publishableKey: configured.publishableKey } : {}),
  });
  const keys = { secretKey: created.secretKey, publishableKey: created.publishableKey };
  if (!configured.secretKey) {
    mkdirSync(dataDir, { recursive: true, mode: dataDirMode });
    writeFileSync(keysPath, JSON.stringify(keys, null, 2), { mode: dataFileMode });
  }
  return keys;
}

/**
 * Test-only fault point for the crash harness (apps/opentill/src/e2e/crash-harness.test.ts):
 * `OPENTILL_TEST_CRASH_BEFORE_ANSWER=n` kills this process with SIGKILL at the n-th request whose
 * effect is committed, before its answer is stored — the moment a crash used to make a retry run
 * the request twice. Unset (always, outside tests): no hook at all.
 */
function crashHookFromEnv(): { beforeAnswerStored?: () => void } {
  const at = Number(process.env['OPENTILL_TEST_CRASH_BEFORE_ANSWER'] ?? '');
  if (!Number.isInteger(at) || at <= 0) return {};
  let seen = 0;
  return {
    beforeAnswerStored: () => {
      seen += 1;
      if (seen === at) process.kill(process.pid, 'SIGKILL');
    },
  };
}

/**
 * Test-only fault point for the cluster failover test (apps/opentill/src/e2e/cluster-reader-failover.test.ts):
 * `OPENTILL_TEST_CRASH_AFTER_AUTHORIZATION_CLAIM=<label>` kills this process with SIGKILL right after
 * it committed the claim of a reader's authorization (stage `authorizing`, `claimedAtMs` set) for a
 * reader labelled `<label>`, before the authorization's own transaction: the "claimed, never
 * committed" point of docs/cluster.md. The label keeps it to the one reader the test marks, on
 * whichever node claims it. Unset (always, outside tests): the store is not touched.
 */
function crashAfterAuthorizationClaim(store: Store): void {
  const label = process.env['OPENTILL_TEST_CRASH_AFTER_AUTHORIZATION_CLAIM'];
  if (!label) return;
  const commit = store.commit.bind(store);
  store.commit = async (batch) => {
    const result = await commit(batch);
    const claimed = batch.puts.some(({ object }) => {
      const internal = object['_internal'] as
        { stage?: string; authorizing?: { claimedAtMs?: number | null } | null } | undefined;
      return (
        object.object === 'terminal.reader' &&
        object['label'] === label &&
        internal?.stage === 'authorizing' &&
        typeof internal.authorizing?.claimedAtMs === 'number'
      );
    });
    if (result.ok && claimed) process.kill(process.pid, 'SIGKILL');
    return result;
  };
}

/**
 * Test-only: `OPENTILL_TEST_ANSWER_CHECK=<module>` loads a module whose default export checks every
 * answer before it is sent (the e2e suite's conformance check, packages/testkit/src/conformance;
 * testkit's startServer sets it). Unset (always, outside tests): no hook at all.
 */
async function answerCheckFromEnv(): Promise<{ answerCheck?: AnswerCheck }> {
  const module = process.env['OPENTILL_TEST_ANSWER_CHECK'];
  if (!module) return {};
  const loaded = (await import(pathToFileURL(module).href)) as { default: AnswerCheck };
  return { answerCheck: loaded.default };
}

/** Fails now, before the store is opened or an account created, when the address cannot be bound. */
export function checkPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const fix = `pick another with --port <n> (or env PORT), or stop what uses it (e.g. lsof -i :${port})`;
      reject(
        new CliError(
          error.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use; ${fix}`
            : error.code === 'EACCES'
              ? `port ${port} on ${host} needs privileges; use a port above 1023 (--port 4242)`
              : `cannot listen on ${host}:${port} (${error.code ?? error.message}); check --host and --port`,
        ),
      );
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * The `--seed` stream must not repeat ids already in the store: each start with a seed takes the next
 * free "epoch" (a server setting), so a fresh data directory always starts at epoch 0 (same ids run
 * after run) and a restart on the same data continues with different ones.
 */
async function seedEpoch(store: Store, seed: string): Promise<number> {
  const marker = `${process.pid}:${Date.now()}:${Math.random()}`;
  for (let epoch = 0; epoch < 10_000; epoch += 1) {
    if ((await store.setting(`seed_epoch:${seed}:${epoch}`, marker)) === marker) return epoch;
  }
  throw new CliError(
    `--seed ${seed}: this data directory was started with it 10000 times; use another seed or a fresh --data-dir`,
  );
}

export const serve: Command = {
  name: 'serve',
  summary: 'Start OpenTill: the /v1 API, reader gateway, virtual screens, webhooks',
  usage: ['serve [options]'],
  flags: [
    {
      name: 'port',
      short: 'p',
      type: 'string',
      value: 'n',
      help: `HTTP port; 0 picks a free one (default ${defaultPort}, env PORT)`,
    },
    { name: 'host', type: 'string', value: 'addr', help: `address to listen on (default ${defaultHost}, env HOST)` },
    {
      ...dataDirFlag,
      help: 'where the SQLite file, keys and server.json live\n(default ./.opentill, env OPENTILL_DATA_DIR)',
    },
    {
      name: 'database',
      type: 'string',
      value: 'url',
      help: 'postgres://… to run on PostgreSQL instead (env DATABASE_URL)',
    },
    {
      name: 'api-key',
      type: 'string',
      value: 'sk_test_…',
      help: 'use this secret key (env OPENTILL_SECRET_KEY; default: generated\non first start and kept in <data-dir>/keys.json)',
    },
    { name: 'secret-key', type: 'string', aliasOf: 'api-key', help: 'deprecated spelling of --api-key' },
    {
      name: 'publishable-key',
      type: 'string',
      value: 'pk_test_…',
      help: 'use this publishable key (env OPENTILL_PUBLISHABLE_KEY)',
    },
    {
      name: 'fixtures',
      type: 'string',
      value: 'file.json',
      help: 'create these locations, configurations, readers and webhook\nendpoints at start, once (env OPENTILL_FIXTURES; docs/cli.md)',
    },
    {
      name: 'seed',
      type: 'string',
      value: 'text',
      help: 'reproducible ids and secrets: the same seed and requests on a fresh\ndata directory give the same ids (env OPENTILL_SEED)',
    },
    {
      name: 'public-url',
      type: 'string',
      value: 'url',
      help: "origin put in the URLs OpenTill hands out, e.g. https://till.example.com\n(env OPENTILL_PUBLIC_URL; default: the request's Host if well-formed)",
    },
    {
      name: 'node-name',
      type: 'string',
      value: 'name',
      help: "this node's name in a cluster, sent as the OpenTill-Node header on every\nanswer (env OPENTILL_NODE_NAME; docs/cluster-running.md)",
    },
    {
      name: 'trust-proxy',
      type: 'boolean',
      help: 'take X-Forwarded-Proto/-Host (validated) from a proxy in front (env OPENTILL_TRUST_PROXY=1)',
    },
    ...webhookFlags,
    // The operations flags (docs/operations.md): their values are read by operations.ts.
    {
      name: 'log-level',
      type: operationsOptions['log-level'].type,
      value: 'level',
      help: 'operator log on stderr: fatal, error, warn, info (default), debug, trace,\nsilent (env OPENTILL_LOG_LEVEL); JSON lines, human-readable on a terminal',
    },
    { name: 'log', type: operationsOptions.log.type, help: 'same as --log-level info (kept for older scripts)' },
    {
      name: 'request-log',
      type: operationsOptions['request-log'].type,
      value: 'on|off',
      help: 'record every API request for the dashboard and `opentill logs tail`\n(default on, env OPENTILL_REQUEST_LOG)',
    },
    {
      name: 'request-log-retention',
      type: operationsOptions['request-log-retention'].type,
      value: 'duration',
      help: 'keep request log rows this long: 7d (default), 12h, 30m\n(env OPENTILL_REQUEST_LOG_RETENTION)',
    },
    {
      name: 'request-log-max-rows',
      type: operationsOptions['request-log-max-rows'].type,
      value: 'n',
      help: 'and at most this many rows (default 1000000, env OPENTILL_REQUEST_LOG_MAX_ROWS)',
    },
    {
      name: 'dashboard-dir',
      type: operationsOptions['dashboard-dir'].type,
      value: 'dir',
      help: 'the built dashboard (default apps/dashboard/dist, env OPENTILL_DASHBOARD_DIR)',
    },
  ],
  description: 'Logs, request log, dashboard and health endpoints: docs/operations.md, docs/dashboard.md.',
  examples: [
    'opentill serve',
    'opentill serve --port 5700 --data-dir /tmp/opentill',
    'opentill serve --api-key sk_test_localdevelopment1 --fixtures fixtures.json --seed 42',
    'opentill serve --database postgres://localhost/opentill',
    'opentill serve --webhook-retry short --webhook-timeout 5s --no-webhook-allow-private',
  ],
  async run({ values }) {
    await startServe(values);
    return new Promise<never>(() => undefined);
  },
};

async function startServe(values: FlagValues): Promise<void> {
  // Every option is checked before anything is opened or written.
  const webhooks = webhookConfig(values);
  const logger = await operatorLogger(values as never);
  const logSettings = requestLogSettings(values as never);
  const portFlag = stringFlag(values, 'port');
  const port = parsePort(
    portFlag ?? process.env['PORT'] ?? String(defaultPort),
    portFlag !== undefined ? '--port' : 'PORT',
  );
  const host = stringFlag(values, 'host') ?? process.env['HOST'] ?? defaultHost;
  const dataDir = dataDirOf(values);
  const databaseUrl = stringFlag(values, 'database') ?? process.env['DATABASE_URL'];
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new UsageError(
      `--database: '${databaseUrl.slice(0, 60)}' is not a postgres:// URL (leave it out for SQLite in --data-dir)`,
    );
  }
  const secretFlag = stringFlag(values, 'api-key');
  // An empty value (e.g. `OPENTILL_SECRET_KEY=`) means "not configured".
  const secretKey = (secretFlag ?? process.env['OPENTILL_SECRET_KEY']) || undefined;
  const publishableKey =
    (stringFlag(values, 'publishable-key') ?? process.env['OPENTILL_PUBLISHABLE_KEY']) || undefined;
  const publicUrlText = (stringFlag(values, 'public-url') ?? process.env['OPENTILL_PUBLIC_URL']) || undefined;
  const configProblem =
    (secretKey !== undefined ? configuredKeyProblem('secret', secretKey) : null) ??
    (publishableKey !== undefined ? configuredKeyProblem('publishable', publishableKey) : null) ??
    (publicUrlText !== undefined ? publicUrlProblem(publicUrlText) : null);
  if (configProblem) throw new UsageError(configProblem);
  const publicUrl = publicUrlText !== undefined ? parsePublicUrl(publicUrlText) : null;
  const trustProxy =
    booleanFlag(values, 'trust-proxy') ?? ['1', 'true'].includes(process.env['OPENTILL_TRUST_PROXY'] ?? '');
  const fixturesPath = stringFlag(values, 'fixtures') ?? process.env['OPENTILL_FIXTURES'];
  const fixtures: Fixtures | null = fixturesPath ? readFixtures(fixturesPath) : null;
  const seed = stringFlag(values, 'seed') ?? process.env['OPENTILL_SEED'];
  if (seed !== undefined && !/^[\w.-]{1,64}$/.test(seed))
    throw new UsageError(`--seed: use up to 64 letters, digits, _ . or -`);
  const nodeId = process.env['OPENTILL_NODE_ID'] || undefined;
  if (nodeId !== undefined && !nodeIdPattern.test(nodeId))
    throw new UsageError('OPENTILL_NODE_ID: use up to 64 letters, digits, _ . or -');
  const nodeName = (stringFlag(values, 'node-name') ?? process.env['OPENTILL_NODE_NAME']) || undefined;
  if (nodeName !== undefined && !/^[\w.-]{1,64}$/.test(nodeName))
    throw new UsageError(`--node-name: use up to 64 letters, digits, _ . or -`);
  await checkPortFree(port, host);

  const store = await openStore(databaseUrl, dataDir);
  crashAfterAuthorizationClaim(store);
  await store.migrate();
  const ids: IdSource = seed !== undefined ? new SeededIds(`${seed}#${await seedEpoch(store, seed)}`) : randomIds;
  const keys = await ensureAccount(store, ids, dataDir, {
    ...(secretKey ? { secretKey } : {}),
    ...(publishableKey ? { publishableKey } : {}),
  });
  const fingerprintKey = await store.setting('fingerprint_key', ids.secret(43));
  const services = createServices({
    store,
    processor: new SimulatedProcessor({ fingerprintKey }),
    clock: systemClock,
    ids,
  });
  const envMs = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const accountId = (await authenticate(store, keys.secretKey))!.accountId;
  const recorder = new RequestLogRecorder(store.requestLog, logSettings, (error, what) =>
    logger.error({ err: error }, what),
  );
  const app = buildServer({
    engine: services.engine,
    services,
    logger,
    requestLog: recorder,
    ...(nodeName !== undefined ? { nodeName } : {}),
    ...crashHookFromEnv(),
    ...(await answerCheckFromEnv()),
    timeouts: {
      headersMs: envMs('OPENTILL_HTTP_HEADERS_TIMEOUT_MS'),
      requestMs: envMs('OPENTILL_HTTP_REQUEST_TIMEOUT_MS'),
    },
    dashboard: {
      dir: dashboardDir(values as never),
      knownKeys: (id) => (id === accountId ? knownKeys(keys) : undefined),
    },
  });
  // Reader devices over WebSocket (docs/reader-protocol.md) and the virtual screen hub.
  services.readerDevices.cards = testCards.map((card) => ({
    number: card.number,
    name: card.testCard,
    label: card.label,
    brand: card.brand,
  }));
  const gateway = attachGateway(app, services, {
    publicUrl,
    trustProxy,
    ackTimeoutMs: envMs('OPENTILL_READER_ACK_TIMEOUT_MS'),
    heartbeatIntervalMs: envMs('OPENTILL_READER_HEARTBEAT_MS'),
    presenceWriteIntervalMs: envMs('OPENTILL_READER_PRESENCE_WRITE_MS'),
    pairingCodeLifetimeMs: envMs('OPENTILL_READER_PAIRING_CODE_MS'),
    ...(nodeName !== undefined ? { nodeName } : {}),
    // Several nodes on one database (docs/cluster.md). OPENTILL_TEST_READER_BUS_WAKEUPS=off is test-only (NOTIFY lost).
    bus: {
      nodeId,
      pollMs: envMs('OPENTILL_READER_BUS_POLL_MS'),
      leaseMs: envMs('OPENTILL_READER_LEASE_MS'),
      wakeUps: process.env['OPENTILL_TEST_READER_BUS_WAKEUPS'] !== 'off',
    },
  });
  if (fixtures) {
    const applied = await applyFixtures(
      fixtures,
      injectCaller((options) => app.fastify.inject(options), keys.secretKey),
    );
    process.stdout.write(
      `Fixtures from ${fixturesPath}: ${applied.created} created, ${applied.reused} already there\n`,
    );
  }
  try {
    await app.fastify.listen({ port, host });
  } catch (error) {
    // Taken between the check and now (rare): the same advice.
    await store.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError(`port ${port} on ${host} is already in use; pick another with --port <n>`);
    throw error;
  }
  const address = app.fastify.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const dispatcher = await startWebhooks(
    services,
    webhooks,
    (error) => logger.error({ err: error }, 'webhook dispatcher error'),
    (delivery) => app.changes?.publish(delivery.accountId, { type: 'webhook_delivery', id: delivery.id }),
    seed !== undefined ? seededRandom(seed, 'webhook-jitter') : undefined,
  );
  recorder.start();
  const stopSessionPruning = startSessionPruning(
    () => app.authenticator.dashboard.prune(),
    (error) => logger.error({ err: error }, 'dashboard session pruning failed'),
  );
  const signInToken = await app.authenticator.dashboard.createSignInToken(accountId);

  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    services.scheduler
      .tick()
      .catch((error: unknown) => logger.error({ err: error }, 'scheduler tick failed'))
      .finally(() => {
        ticking = false;
      });
  }, schedulerIntervalMs);
  timer.unref();

  const urlHost = host === '0.0.0.0' || host === '::' ? defaultHost : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${boundPort}`;
  const forgetRecord = writeServerRecord(dataDir, {
    url,
    pid: process.pid,
    dialect: store.dialect,
    key: secretFlag
      ? { given: 'flag' }
      : process.env['OPENTILL_SECRET_KEY']
        ? { given: 'env' }
        : { file: join(dataDir, 'keys.json') },
    started_at: new Date().toISOString(),
  });
  process.stdout.write(
    `OpenTill listening on http://${host}:${boundPort} (${store.dialect}${seed !== undefined ? `, seed ${seed}` : ''})\n` +
      `  secret key:      ${keys.secretKey}\n` +
      `  publishable key: ${keys.publishableKey}\n` +
      `  dashboard:       http://${linkHost(host)}:${boundPort}/opentill/dashboard/sign-in?token=${signInToken} (one-time link, 10 minutes)\n`,
  );
  if (process.stdout.isTTY) {
    process.stdout.write(`  next: opentill trigger payment_intent.succeeded   (or: opentill reader --pair)\n`);
  }

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    forgetRecord();
    clearInterval(timer);
    gateway.close();
    // close() waits for every request in flight, long-polls included: those get a grace period, then
    // their connections are closed (the clients retry against whatever serves next).
    const forceClose = setTimeout(() => app.fastify.server.closeAllConnections(), limits.shutdownGraceMs);
    forceClose.unref();
    await app.fastify.close();
    clearTimeout(forceClose);
    await dispatcher.stop();
    stopSessionPruning();
    await recorder.stop();
    await store.close();
    logger.flush();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}
