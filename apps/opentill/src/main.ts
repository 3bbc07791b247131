#!/usr/bin/env node
/**
 * `opentill` — the composition root. `opentill serve` wires the store adapter, the simulated
 * processor, the engine and the HTTP server, and runs the scheduler.
 */
import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { authenticate, createAccount, randomIds, systemClock, type Store } from '@opentill/engine';
import { SimulatedProcessor, testCards } from '@opentill/processor-simulated';
import { attachGateway, parsePublicUrl, publicUrlProblem } from '@opentill/gateway';
import { buildServer, createServices, RequestLogRecorder } from '@opentill/server';
import { SqliteStore } from '@opentill/store-sqlite';
import { PostgresStore } from '@opentill/store-postgres';
import { startWebhooks, webhookConfig, webhookOptions, webhookUsage } from './webhooks.js';
import { listen, listenUsage } from './listen.js';
import { trigger, triggerUsage } from './trigger.js';
import { reader, readerUsage } from './reader.js';
import { configuredKeyProblem } from './configured-keys.js';
import {
  dashboardDir, knownKeys, linkHost, operationsOptions, operationsUsage, operatorLogger, requestLogSettings, startSessionPruning,
} from './operations.js';
import { logs, logsUsage } from './logs-tail.js';

export const defaultPort = 4242;
const schedulerIntervalMs = 1_000;

const usage = `Usage: opentill serve [options]

Options:
  --port <n>            HTTP port (default ${defaultPort}, env PORT)
  --host <addr>         address to listen on (default 127.0.0.1, env HOST)
  --data-dir <dir>      where the SQLite file lives (default ./.opentill, env OPENTILL_DATA_DIR)
  --database <url>      postgres://… to run on PostgreSQL instead (env DATABASE_URL)
  --secret-key <key>    use this sk_test_… key (env OPENTILL_SECRET_KEY)
  --publishable-key <k> use this pk_test_… key (env OPENTILL_PUBLISHABLE_KEY)
  --public-url <url>    origin put in the URLs OpenTill hands out, e.g. https://till.example.com
                        (env OPENTILL_PUBLIC_URL; default: the request's Host if well-formed, else
                        the address the request came in on)
  --trust-proxy         take X-Forwarded-Proto/-Host (validated) from a proxy in front (env OPENTILL_TRUST_PROXY=1)
${operationsUsage}${webhookUsage}
${listenUsage}

${triggerUsage}

${readerUsage}

${logsUsage}`;

interface KeysFile { secretKey: string; publishableKey: string }

/** The data dir holds keys and card data: created owner-only (0700); its files are created 0600. */
const dataDirMode = 0o700;
const dataFileMode = 0o600;

async function openStore(databaseUrl: string | undefined, dataDir: string): Promise<Store> {
  if (databaseUrl) return new PostgresStore({ connectionString: databaseUrl });
  mkdirSync(dataDir, { recursive: true, mode: dataDirMode });
  return new SqliteStore(join(dataDir, 'opentill.sqlite'));
}

/**
 * Makes sure the configured keys (or the ones generated on first start) open an account, and
 * returns the keys to print. Generated keys are kept in the data dir, readable only by the owner,
 * so a restart prints the same keys; the database itself only ever holds their hashes.
 */
async function ensureAccount(store: Store, dataDir: string, configured: Partial<KeysFile>): Promise<KeysFile> {
  const keysPath = join(dataDir, 'keys.json');
  const saved: Partial<KeysFile> = existsSync(keysPath) ? JSON.parse(readFileSync(keysPath, 'utf8')) as KeysFile : {};
  const secretKey = configured.secretKey ?? saved.secretKey;
  if (secretKey && await authenticate(store, secretKey)) {
    return { secretKey, publishableKey: configured.publishableKey ?? saved.publishableKey ?? '(unchanged)' };
  }
  const created = await createAccount(store, randomIds, systemClock, {
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

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' },
      database: { type: 'string' }, 'secret-key': { type: 'string' }, 'publishable-key': { type: 'string' },
      help: { type: 'boolean' },
      'public-url': { type: 'string' }, 'trust-proxy': { type: 'boolean' },
      ...webhookOptions, ...operationsOptions,
    },
    strict: true,
  });
  if (values.help) { process.stdout.write(usage); return; }
  const webhooks = webhookConfig(values);
  const logger = await operatorLogger(values);
  const logSettings = requestLogSettings(values);
  const port = Number(values.port ?? process.env['PORT'] ?? defaultPort);
  const host = values.host ?? process.env['HOST'] ?? '127.0.0.1';
  const dataDir = resolve(values['data-dir'] ?? process.env['OPENTILL_DATA_DIR'] ?? '.opentill');
  const databaseUrl = values.database ?? process.env['DATABASE_URL'];
  // An empty value (e.g. `OPENTILL_SECRET_KEY=`) means "not configured".
  const secretKey = (values['secret-key'] ?? process.env['OPENTILL_SECRET_KEY']) || undefined;
  const publishableKey = (values['publishable-key'] ?? process.env['OPENTILL_PUBLISHABLE_KEY']) || undefined;
  const publicUrlText = (values['public-url'] ?? process.env['OPENTILL_PUBLIC_URL']) || undefined;
  // Checked before anything is created or written (data dir, database, keys file).
  const configProblem = (secretKey !== undefined ? configuredKeyProblem('secret', secretKey) : null) ??
    (publishableKey !== undefined ? configuredKeyProblem('publishable', publishableKey) : null) ??
    (publicUrlText !== undefined ? publicUrlProblem(publicUrlText) : null);
  if (configProblem) {
    process.stderr.write(`opentill: ${configProblem}\n`);
    process.exit(2);
  }
  const publicUrl = publicUrlText !== undefined ? parsePublicUrl(publicUrlText) : null;
  const trustProxy = values['trust-proxy'] ?? ['1', 'true'].includes(process.env['OPENTILL_TRUST_PROXY'] ?? '');

  const store = await openStore(databaseUrl, dataDir);
  await store.migrate();
  const keys = await ensureAccount(store, dataDir, {
    ...(secretKey ? { secretKey } : {}), ...(publishableKey ? { publishableKey } : {}),
  });
  const fingerprintKey = await store.setting('fingerprint_key', randomIds.secret(43));
  const services = createServices({
    store, processor: new SimulatedProcessor({ fingerprintKey }), clock: systemClock, ids: randomIds,
  });
  const envMs = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const accountId = (await authenticate(store, keys.secretKey))!.accountId;
  const recorder = new RequestLogRecorder(store.requestLog, logSettings, (error, what) => logger.error({ err: error }, what));
  const app = buildServer({
    engine: services.engine, services, logger, requestLog: recorder, ...crashHookFromEnv(),
    timeouts: { headersMs: envMs('OPENTILL_HTTP_HEADERS_TIMEOUT_MS'), requestMs: envMs('OPENTILL_HTTP_REQUEST_TIMEOUT_MS') },
    dashboard: { dir: dashboardDir(values), knownKeys: (id) => (id === accountId ? knownKeys(keys) : undefined) },
  });
  // Reader devices over WebSocket (docs/reader-protocol.md) and the virtual screen hub.
  services.readerDevices.cards = testCards.map((card) => ({ number: card.number, name: card.testCard, label: card.label, brand: card.brand }));
  const gateway = attachGateway(app, services, {
    publicUrl, trustProxy,
    ackTimeoutMs: envMs('OPENTILL_READER_ACK_TIMEOUT_MS'), heartbeatIntervalMs: envMs('OPENTILL_READER_HEARTBEAT_MS'),
    presenceWriteIntervalMs: envMs('OPENTILL_READER_PRESENCE_WRITE_MS'),
  });
  await app.fastify.listen({ port, host });
  const address = app.fastify.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const dispatcher = await startWebhooks(services, webhooks, (error) => logger.error({ err: error }, 'webhook dispatcher error'),
    (delivery) => app.changes?.publish(delivery.accountId, { type: 'webhook_delivery', id: delivery.id }));
  recorder.start();
  const stopSessionPruning = startSessionPruning(() => app.authenticator.dashboard.prune(),
    (error) => logger.error({ err: error }, 'dashboard session pruning failed'));
  const signInToken = await app.authenticator.dashboard.createSignInToken(accountId);

  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    services.scheduler.tick()
      .catch((error: unknown) => logger.error({ err: error }, 'scheduler tick failed'))
      .finally(() => { ticking = false; });
  }, schedulerIntervalMs);
  timer.unref();

  process.stdout.write(
    `OpenTill listening on http://${host}:${boundPort} (${store.dialect})\n` +
    `  secret key:      ${keys.secretKey}\n` +
    `  publishable key: ${keys.publishableKey}\n` +
    `  dashboard:       http://${linkHost(host)}:${boundPort}/opentill/dashboard/sign-in?token=${signInToken} (one-time link, 10 minutes)\n`);

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    clearInterval(timer);
    gateway.close();
    await app.fastify.close();
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

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve':
      await serve(rest);
      return;
    case 'listen':
      await listen(rest);
      return;
    case 'trigger':
      await trigger(rest);
      return;
    case 'reader':
      await reader(rest);
      return;
    case 'logs':
      await logs(rest);
      return;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`opentill: unknown command '${command}'\n${usage}`);
      process.exit(2);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`opentill: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
