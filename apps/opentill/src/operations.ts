/**
 * `opentill serve`'s operations options (issue 12; docs/operations.md): the operator log (pino to
 * stderr: human-readable on a TTY through pino-pretty, JSON lines otherwise), the request log's
 * retention, the dashboard's directory, and the one-time sign-in link printed at start.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { defaultRequestLogSettings, parseRetention, type RequestLogSettings } from '@opentill/server';

export const operationsOptions = {
  'log-level': { type: 'string' },
  log: { type: 'boolean' },
  'request-log': { type: 'string' },
  'request-log-retention': { type: 'string' },
  'request-log-max-rows': { type: 'string' },
  'dashboard-dir': { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof operationsOptions, string | boolean | undefined>>;

const levels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The operator log: pino (Fastify's own logger), to stderr. */
export async function operatorLogger(values: Values): Promise<pino.Logger> {
  const level = String(
    values['log-level'] ?? (values.log ? 'info' : undefined) ?? process.env['OPENTILL_LOG_LEVEL'] ?? 'info',
  ).toLowerCase();
  if (!levels.has(level)) throw new Error(`--log-level: one of ${[...levels].join(', ')}`);
  if (process.stderr.isTTY) {
    // pino-pretty is a runtime dependency, loaded only for a terminal; it runs in this thread
    // (a stream, not a worker transport), so nothing starts that the process must wait for.
    const pretty = (await import('pino-pretty')).default;
    return pino(
      { level },
      pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
    );
  }
  // Asynchronous writes: a slow reader of stderr never stalls requests; flushed at shutdown.
  return pino({ level }, pino.destination({ fd: 2, sync: false }));
}

export function requestLogSettings(values: Values): RequestLogSettings {
  const env = process.env;
  const enabled = String(values['request-log'] ?? env['OPENTILL_REQUEST_LOG'] ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(enabled)) throw new Error('--request-log: on or off');
  const retention = values['request-log-retention'] ?? env['OPENTILL_REQUEST_LOG_RETENTION'];
  const rows = values['request-log-max-rows'] ?? env['OPENTILL_REQUEST_LOG_MAX_ROWS'];
  const rowsMax = rows === undefined ? defaultRequestLogSettings.rowsMax : Number(rows);
  if (!Number.isInteger(rowsMax) || rowsMax < 1) throw new Error('--request-log-max-rows: a positive integer');
  let retentionMs = defaultRequestLogSettings.retentionMs;
  if (retention !== undefined) {
    try {
      retentionMs = parseRetention(String(retention));
    } catch (error) {
      throw new Error(`--request-log-retention: ${(error as Error).message}`);
    }
  }
  // Tests shorten the pruning period to see it happen; operators keep the default.
  const pruneMs = env['OPENTILL_REQUEST_LOG_PRUNE_INTERVAL_MS'];
  return {
    enabled: enabled === 'on',
    retentionMs,
    rowsMax,
    pruneIntervalMs: pruneMs !== undefined ? Math.max(10, Number(pruneMs)) : defaultRequestLogSettings.pruneIntervalMs,
  };
}

/**
 * `--dashboard-dir`, else apps/dashboard/dist beside this app (a clone or the workspace); null
 * (`/` says the dashboard is not built) when that directory has no index.html.
 */
export function dashboardDir(values: Values): string | null {
  const configured = values['dashboard-dir'] ?? process.env['OPENTILL_DASHBOARD_DIR'];
  const dir =
    typeof configured === 'string' ? configured : fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/** The keys the dashboard may show: only real ones (a restart with a configured key prints "(unchanged)"). */
export function knownKeys(keys: { secretKey: string; publishableKey: string }): {
  secretKey?: string;
  publishableKey?: string;
} {
  return {
    ...(keys.secretKey.startsWith('sk_') ? { secretKey: keys.secretKey } : {}),
    ...(keys.publishableKey.startsWith('pk_') ? { publishableKey: keys.publishableKey } : {}),
  };
}

/** Host to print in links: a wildcard address is reached through loopback. */
export function linkHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Session pruning (expired dashboard sessions and sign-in links): hourly; returns the stop function. */
export function startSessionPruning(prune: () => Promise<number>, onError: (error: unknown) => void): () => void {
  const timer = setInterval(
    () => {
      prune().catch(onError);
    },
    60 * 60 * 1000,
  );
  timer.unref();
  return () => clearInterval(timer);
}
