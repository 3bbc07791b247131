/**
 * How client commands (listen, trigger, reader, screen, reset) find the server and its key, and call
 * it. The server, in this order: `--api-base`, `OPENTILL_API_BASE`, the address `opentill serve`
 * recorded in its data directory (`server.json`, while that process lives), `PORT` (as `serve`
 * reads it), then `serve`'s default. The key: `--api-key`, `OPENTILL_SECRET_KEY`, then the keys file
 * the record (or the data directory) names. When the server cannot be reached the error names the
 * URL, where it came from and how to point elsewhere.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, stringFlag, type Flag, type FlagValues } from './command.js';

export const defaultPort = 4242;
export const defaultHost = '127.0.0.1';
export const serverRecordName = 'server.json';

export const dataDirFlag: Flag = {
  name: 'data-dir',
  type: 'string',
  value: 'dir',
  help: "the server's data directory (default ./.opentill, env OPENTILL_DATA_DIR)",
};

export const clientFlags: Flag[] = [
  {
    name: 'api-key',
    type: 'string',
    value: 'sk_test_…',
    help: 'secret key (default env OPENTILL_SECRET_KEY, else the one serve keeps)',
  },
  {
    name: 'api-base',
    type: 'string',
    value: 'url',
    help: 'the server (default: env OPENTILL_API_BASE, the address serve\nrecorded in the data directory, env PORT, http://127.0.0.1:4242)',
  },
  dataDirFlag,
];

/** The same flags for commands that parse their own arguments with `parseArgs` (`logs tail`). */
export const clientOptions = {
  'api-key': { type: 'string' },
  'api-base': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;
export const clientUsage = clientFlags
  .map((flag) => `  --${flag.name} <${flag.value ?? ''}>  ${flag.help.replace(/\n/g, ' ')}`)
  .join('\n');

export function dataDirOf(values: FlagValues): string {
  return resolve(stringFlag(values, 'data-dir') ?? process.env['OPENTILL_DATA_DIR'] ?? '.opentill');
}

/** What `opentill serve` writes into its data directory once it listens; removed when it stops. */
export interface ServerRecord {
  url: string;
  pid: number;
  dialect: string;
  /** Where the secret key is kept (`keys.json`), or how it was given (`--api-key`, `env`): clients say so. */
  key: { file: string } | { given: 'flag' | 'env' };
  started_at: string;
}

export function writeServerRecord(dataDir: string, record: ServerRecord): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, serverRecordName);
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return () => {
    try {
      const current = JSON.parse(readFileSync(path, 'utf8')) as ServerRecord;
      if (current.pid === record.pid) rmSync(path, { force: true });
    } catch {
      /* already gone */
    }
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readServerRecord(dataDir: string): ServerRecord | null {
  const path = join(dataDir, serverRecordName);
  if (!existsSync(path)) return null;
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as ServerRecord;
    return typeof record.url === 'string' && Number.isInteger(record.pid) && alive(record.pid) ? record : null;
  } catch {
    return null;
  }
}

export interface Target {
  base: string;
  /** Where `base` came from, for error messages. */
  source: string;
  record: ServerRecord | null;
  dataDir: string;
}

export function locateServer(values: FlagValues): Target {
  const dataDir = dataDirOf(values);
  const record = readServerRecord(dataDir);
  const flag = stringFlag(values, 'api-base');
  const env = process.env['OPENTILL_API_BASE'];
  const port = process.env['PORT'];
  const [raw, source] = flag
    ? [flag, '--api-base']
    : env
      ? [env, 'OPENTILL_API_BASE']
      : record
        ? [record.url, `${join(dataDir, serverRecordName)}`]
        : port
          ? [`http://${defaultHost}:${port}`, 'PORT']
          : [`http://${defaultHost}:${defaultPort}`, 'the default'];
  return { base: normalizeBase(raw, source), source, record, dataDir };
}

function normalizeBase(raw: string, source: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`${source}: '${raw}' is not a URL (e.g. http://127.0.0.1:4242)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`${source}: '${raw}' must be an http:// or https:// URL`);
  return url.toString().replace(/\/+$/, '');
}

export function findApiKey(values: FlagValues, target: Target): string {
  const given = stringFlag(values, 'api-key') ?? process.env['OPENTILL_SECRET_KEY'];
  if (given) return given;
  const keysFile =
    target.record && 'file' in target.record.key ? target.record.key.file : join(target.dataDir, 'keys.json');
  if (existsSync(keysFile)) {
    const key = (JSON.parse(readFileSync(keysFile, 'utf8')) as { secretKey?: string }).secretKey;
    if (key) return key;
  }
  if (target.record && 'given' in target.record.key) {
    throw new CliError(
      `no API key: the server at ${target.record.url} was started with its key given by ${
        target.record.key.given === 'flag' ? '--api-key' : 'OPENTILL_SECRET_KEY'
      }; pass the same --api-key sk_test_… (or set OPENTILL_SECRET_KEY)`,
    );
  }
  throw new CliError(
    `no API key: pass --api-key sk_test_… (or set OPENTILL_SECRET_KEY), or run from the directory where 'opentill serve' keeps ${keysFile}`,
  );
}

/** The one-line "cannot connect" message: the URL tried, where it came from, how to fix it. */
export function unreachable(target: Target, error: unknown): CliError {
  const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND'
        ? 'unknown host'
        : (error as Error).name === 'TimeoutError'
          ? 'no answer in time'
          : (code ?? (error as Error).message);
  return new CliError(
    `cannot reach OpenTill at ${target.base} (${why}; address from ${target.source}). ` +
      `Start it with 'opentill serve', or point to it with --api-base <url> or OPENTILL_API_BASE`,
  );
}

/** A Stripe object or list as JSON; fields are read with care by the callers. */
export interface ApiObject {
  id: string;
  [field: string]: unknown;
}

export interface Client {
  base: string;
  key: string;
  target: Target;
  call(method: 'GET' | 'POST' | 'DELETE', path: string, form?: Record<string, unknown>): Promise<ApiObject>;
}

/** Stripe's form encoding (`a[b][0]=c`). */
export function encodeForm(data: Record<string, unknown>): string {
  const pairs: string[] = [];
  const walk = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (value === null || typeof value !== 'object') {
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value === null ? '' : String(value))}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(`${key}[${index}]`, item));
    } else {
      for (const [inner, item] of Object.entries(value)) walk(`${key}[${inner}]`, item);
    }
  };
  for (const [key, value] of Object.entries(data)) walk(key, value);
  return pairs.join('&');
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(
      `HTTP ${status}: ${(body as { error?: { message?: string } } | null)?.error?.message ?? JSON.stringify(body).slice(0, 300)}`,
    );
  }
}

export function client(values: FlagValues): Client {
  const target = locateServer(values);
  const secret = findApiKey(values, target);
  const base = target.base;
  return {
    base,
    key: secret,
    target,
    async call(method, path, form) {
      const body = form ? encodeForm(form) : undefined;
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${secret}`,
            ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
          },
          ...(body !== undefined ? { body } : {}),
          signal: AbortSignal.timeout(30_000),
        });
      } catch (error) {
        throw unreachable(target, error);
      }
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = text ? (JSON.parse(text) as unknown) : null;
      } catch {
        throw new CliError(
          `${base}${path} answered HTTP ${response.status} with something that is not JSON: is ${base} an OpenTill server?`,
        );
      }
      if (!response.ok) throw new ApiFailure(response.status, parsed);
      return parsed as ApiObject;
    },
  };
}

/** A refused call as a one-line CLI error: what was refused and the server's reason. */
export function refusal(what: string, failure: ApiFailure): CliError {
  const hint = failure.status === 401 ? ' (check --api-key: it must be a secret key of this server)' : '';
  return new CliError(`${what} was refused: ${failure.message}${hint}`);
}
