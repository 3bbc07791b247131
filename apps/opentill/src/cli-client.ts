/** What `opentill listen` and `opentill trigger` share: finding the server and the key, and calling it. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const clientOptions = {
  'api-key': { type: 'string' },
  'api-base': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export const clientUsage =
`  --api-key <sk>        secret key (default env OPENTILL_SECRET_KEY, else <data-dir>/keys.json)
  --api-base <url>      the running server (default http://127.0.0.1:4242, env OPENTILL_API_BASE)
  --data-dir <dir>      where \`opentill serve\` keeps its keys (default ./.opentill)`;

/** A Stripe object or list as JSON; fields are read with care by the callers. */
export interface ApiObject {
  id: string;
  [field: string]: unknown;
}

export interface Client {
  base: string;
  key: string;
  call(method: 'GET' | 'POST' | 'DELETE', path: string, form?: Record<string, unknown>): Promise<ApiObject>;
}

function encode(data: Record<string, unknown>): string {
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
  constructor(readonly status: number, readonly body: unknown) {
    super(`HTTP ${status}: ${(body as { error?: { message?: string } } | null)?.error?.message ?? JSON.stringify(body).slice(0, 300)}`);
  }
}

export function client(values: { 'api-key'?: string | undefined; 'api-base'?: string | undefined; 'data-dir'?: string | undefined }): Client {
  const base = (values['api-base'] ?? process.env['OPENTILL_API_BASE'] ?? 'http://127.0.0.1:4242').replace(/\/+$/, '');
  let key = values['api-key'] ?? process.env['OPENTILL_SECRET_KEY'];
  if (!key) {
    const keysPath = join(resolve(values['data-dir'] ?? process.env['OPENTILL_DATA_DIR'] ?? '.opentill'), 'keys.json');
    if (existsSync(keysPath)) key = (JSON.parse(readFileSync(keysPath, 'utf8')) as { secretKey?: string }).secretKey;
  }
  if (!key) throw new Error('no API key: pass --api-key sk_test_… (or set OPENTILL_SECRET_KEY)');
  const secret = key;
  return {
    base,
    key: secret,
    async call(method, path, form) {
      const body = form ? encode(form) : undefined;
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${secret}`,
          ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      const parsed = text ? JSON.parse(text) as unknown : null;
      if (!response.ok) throw new ApiFailure(response.status, parsed);
      return parsed as ApiObject;
    },
  };
}
