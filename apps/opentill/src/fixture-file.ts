/**
 * `opentill serve --fixtures <file.json>`: objects the server creates at start — locations,
 * configurations, simulated readers, webhook endpoints, customers — through its own API (so every field is
 * validated exactly as a request's), once: each entry has a `key`, kept on the object
 * (`metadata.opentill_fixture`; a configuration, which has no metadata, is matched by `name`), and an
 * object already carrying its key is reused, not created again, on the next start. `"@key"` in a
 * reader's `location` or a location's `configuration_overrides` names another fixture's object.
 *
 *   { "locations": [{ "key": "shop", "display_name": "Shop", "address": { "line1": "…", "country": "US", … } }],
 *     "configurations": [{ "key": "tips", "tipping": { "usd": { "percentages": [10, 15, 20] } } }],
 *     "readers": [{ "key": "counter", "location": "@shop", "registration_code": "simulated-wpe", "label": "Counter" }],
 *     "webhook_endpoints": [{ "key": "app", "url": "http://localhost:3000/webhook", "enabled_events": ["*"] }],
 *     "customers": [{ "key": "ada", "email": "ada@example.com", "name": "Ada Lovelace" }] }
 */
import { readFileSync, statSync } from 'node:fs';
import { limits } from '@opentill/core';
import { CliError } from './cli/command.js';
import { encodeForm } from './cli/client.js';

export const fixtureKinds = ['configurations', 'locations', 'readers', 'webhook_endpoints', 'customers'] as const;
type Kind = (typeof fixtureKinds)[number];
type Entry = Record<string, unknown> & { key: string };
export type Fixtures = Partial<Record<Kind, Entry[]>>;

const paths: Record<Kind, string> = {
  configurations: '/v1/terminal/configurations',
  locations: '/v1/terminal/locations',
  readers: '/v1/terminal/readers',
  webhook_endpoints: '/v1/webhook_endpoints',
  customers: '/v1/customers',
};

export function readFixtures(path: string): Fixtures {
  let text: string;
  try {
    if (statSync(path).size > limits.fixtureFileBytesMax)
      throw new CliError(`--fixtures: ${path} is larger than ${limits.fixtureFileBytesMax} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(
      `--fixtures: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--fixtures: ${path} is not JSON (${(error as Error).message})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new CliError(`--fixtures: ${path} must hold a JSON object`);
  const fixtures: Fixtures = {};
  const keys = new Set<string>();
  for (const [kind, entries] of Object.entries(data)) {
    if (!(fixtureKinds as readonly string[]).includes(kind)) {
      throw new CliError(`--fixtures: unknown section '${kind}' (expected ${fixtureKinds.join(', ')})`);
    }
    if (!Array.isArray(entries) || entries.length > limits.fixtureObjectsMax) {
      throw new CliError(`--fixtures: '${kind}' must be a list of at most ${limits.fixtureObjectsMax} objects`);
    }
    for (const [index, entry] of entries.entries()) {
      const key = (entry as { key?: unknown } | null)?.key;
      if (!entry || typeof entry !== 'object' || typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key)) {
        throw new CliError(
          `--fixtures: ${kind}[${index}] needs a "key" (letters, digits, _ . -; at most 64) that names it across restarts`,
        );
      }
      if (keys.has(key)) throw new CliError(`--fixtures: the key '${key}' is used twice`);
      keys.add(key);
    }
    fixtures[kind as Kind] = entries as Entry[];
  }
  // References are checked now, before the server writes anything.
  const refs: Array<[Kind, string, Kind]> = [
    ['locations', 'configuration_overrides', 'configurations'],
    ['readers', 'location', 'locations'],
  ];
  for (const [kind, field, target] of refs) {
    for (const entry of fixtures[kind] ?? []) {
      const value = entry[field];
      if (
        typeof value === 'string' &&
        value.startsWith('@') &&
        !(fixtures[target] ?? []).some((other) => other.key === value.slice(1))
      ) {
        throw new CliError(
          `--fixtures: ${kind} '${entry.key}' names '${value}', which is not one of the ${target} in the file`,
        );
      }
    }
  }
  return fixtures;
}

/** Calls the server's own API (in-process `inject`, no socket). */
export type Caller = (
  method: 'GET' | 'POST',
  path: string,
  form?: Record<string, unknown>,
) => Promise<{ status: number; body: Record<string, unknown> }>;

export interface FixtureResult {
  created: number;
  reused: number;
}

export async function applyFixtures(fixtures: Fixtures, call: Caller): Promise<FixtureResult> {
  const ids = new Map<string, string>();
  const result: FixtureResult = { created: 0, reused: 0 };
  const resolveRef = (value: unknown, where: string): unknown => {
    if (typeof value !== 'string' || !value.startsWith('@')) return value;
    const id = ids.get(value.slice(1));
    if (!id) throw new CliError(`--fixtures: ${where} names '${value}', which is not a fixture defined before it`);
    return id;
  };
  // Dependencies first: a location may name a configuration, a reader a location.
  for (const kind of fixtureKinds) {
    const entries = fixtures[kind] ?? [];
    if (entries.length === 0) continue;
    const listed = await call('GET', `${paths[kind]}?limit=${limits.listLimitMax}`);
    const existing = (listed.body['data'] as Array<Record<string, unknown>> | undefined) ?? [];
    for (const entry of entries) {
      const { key, ...fields } = entry;
      const found = existing.find((object) =>
        kind === 'configurations'
          ? object['name'] === `fixture:${key}`
          : (object['metadata'] as Record<string, string> | undefined)?.['opentill_fixture'] === key,
      );
      if (found && found['deleted'] !== true) {
        ids.set(key, String(found['id']));
        result.reused += 1;
        continue;
      }
      const form: Record<string, unknown> = { ...fields };
      if (kind === 'configurations') form['name'] = `fixture:${key}`;
      else form['metadata'] = { ...(fields['metadata'] as Record<string, unknown> | undefined), opentill_fixture: key };
      if ('location' in form) form['location'] = resolveRef(form['location'], `${kind} '${key}'`);
      if ('configuration_overrides' in form)
        form['configuration_overrides'] = resolveRef(form['configuration_overrides'], `${kind} '${key}'`);
      const created = await call('POST', paths[kind], form);
      if (created.status !== 200) {
        const error = created.body['error'] as { message?: string; param?: string } | undefined;
        throw new CliError(
          `--fixtures: ${kind} '${key}' was refused: ${error?.message ?? `HTTP ${created.status}`}${error?.param ? ` (param ${error.param})` : ''}`,
        );
      }
      ids.set(key, String(created.body['id']));
      result.created += 1;
    }
  }
  return result;
}

/** A Caller on a Fastify instance: the request goes through authentication, decoding and validation. */
export function injectCaller(
  inject: (options: {
    method: 'GET' | 'POST';
    url: string;
    headers: Record<string, string>;
    payload?: string;
  }) => Promise<{ statusCode: number; body: string }>,
  secretKey: string,
): Caller {
  return async (method, path, form) => {
    const response = await inject({
      method,
      url: path,
      headers: {
        authorization: `Bearer ${secretKey}`,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: encodeForm(form) } : {}),
    });
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  };
}
