/**
 * Black-box test helpers: a real `opentill serve` per store, the official stripe-node client
 * pointed at it, and raw HTTP for the curl forms (Basic auth, form and JSON bodies).
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import Stripe from 'stripe';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freshSchema, startServer, testPostgres, type RunningServer, type StoreKind } from '@opentill/testkit';

export const stores = ['sqlite', 'postgres'] as const satisfies readonly StoreKind[];

/** Every raw request gives up after this: a hang is a failure, not a stuck suite. */
export const requestTimeoutMs = 10_000;

export function stripeFor(server: { port: number }, key: string, options: { maxNetworkRetries?: number } = {}): Stripe {
  return new Stripe(key, {
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    telemetry: false,
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    timeout: requestTimeoutMs,
  });
}

export interface Harness {
  server: RunningServer;
  stripe: Stripe;
  /** Raw HTTP with the secret key (Bearer unless `auth` says otherwise). */
  api: (method: string, path: string, options?: RawOptions) => Promise<RawResponse>;
  /** Starts another server process on the same database and account (stopped with the first). */
  peer?: () => Promise<RunningServer>;
}

/**
 * Starts a server for the enclosing `describe` (before/after hooks) and returns a handle whose
 * fields are filled once it runs. The database (temp dir or PostgreSQL schema) is made here so a
 * second process can share it.
 */
export function useServer(store: StoreKind, name: string): Harness {
  const harness = {} as Harness;
  const peers: RunningServer[] = [];
  let cleanup: () => Promise<void> = async () => undefined;
  before(async () => {
    let where: { dataDir?: string; database?: string };
    if (store === 'sqlite') {
      const dataDir = mkdtempSync(join(tmpdir(), 'opentill-e2e-'));
      where = { dataDir };
      cleanup = async () => rmSync(dataDir, { recursive: true, force: true });
    } else {
      const schema = await freshSchema((await testPostgres()).url, name);
      where = { database: schema.url };
      cleanup = schema.drop;
    }
    harness.server = await startServer({ store, name, ...where });
    harness.stripe = stripeFor(harness.server, harness.server.secretKey);
    harness.api = (method, path, options = {}) =>
      raw(harness.server, method, path, {
        key: harness.server.secretKey,
        ...options,
      });
    harness.peer = async () => {
      const peer = await startServer({ store, name: `${name}_peer`, ...where, secretKey: harness.server.secretKey });
      peers.push(peer);
      return peer;
    };
  });
  after(async () => {
    for (const peer of peers) await stopServer(peer);
    await stopServer(harness.server);
    await cleanup();
  });
  return harness;
}

export interface RawOptions {
  /** API key; `null` sends no Authorization header. */
  key?: string | null;
  auth?: 'bearer' | 'basic';
  /** A form body: an object (encoded like stripe-node) or the raw text. */
  form?: Record<string, unknown> | string;
  json?: unknown;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (every OpenTill response is JSON), asserted field by field. */
  body: Json;
}

/** A JSON value of unknown shape that tests read field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of arbitrary shape, checked by assertions
export type Json = any;

/** Form encoding as stripe-node does it (indexed arrays, raw brackets, null → empty). */
export function encodeForm(data: Record<string, unknown>): string {
  const pairs: string[] = [];
  const enc = (s: string) =>
    encodeURIComponent(s)
      .replace(/[!*()']/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%5B/g, '[')
      .replace(/%5D/g, ']');
  const walk = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (value === null || typeof value !== 'object') {
      pairs.push(`${enc(key)}=${enc(value === null ? '' : String(value))}`);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => walk(`${key}[${index}]`, item));
    } else {
      for (const [k, v] of Object.entries(value)) walk(`${key}[${k}]`, v);
    }
  };
  for (const [k, v] of Object.entries(data)) walk(k, v);
  return pairs.join('&');
}

export async function raw(
  server: { baseUrl: string },
  method: string,
  path: string,
  options: RawOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) {
    headers['Authorization'] =
      options.auth === 'basic' ? `Basic ${Buffer.from(`${options.key}:`).toString('base64')}` : `Bearer ${options.key}`;
  }
  let body: string | Buffer | undefined = options.body;
  if (options.form !== undefined) {
    body = typeof options.form === 'string' ? options.form : encodeForm(options.form);
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] ??= 'application/json';
  }
  if (options.contentType) headers['Content-Type'] = options.contentType;
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? requestTimeoutMs),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`${method} ${path} answered ${response.status} with a non-JSON body: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Asserts a Stripe-shaped error response. */
export function assertError(
  response: RawResponse,
  status: number,
  expected: {
    type?: string;
    code?: string | undefined;
    param?: string;
    message?: string | RegExp;
    decline_code?: string;
  } = {},
): Json {
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${response.text.slice(0, 400)}`);
  const error = response.body?.error;
  assert.ok(error && typeof error === 'object', `no error envelope: ${response.text.slice(0, 200)}`);
  assert.equal(typeof error.message, 'string');
  assert.match(response.headers.get('request-id') ?? '', /^req_/);
  if (expected.type !== undefined) assert.equal(error.type, expected.type);
  if ('code' in expected) assert.equal(error.code, expected.code);
  if (expected.param !== undefined) assert.equal(error.param, expected.param);
  if (expected.decline_code !== undefined) assert.equal(error.decline_code, expected.decline_code);
  if (typeof expected.message === 'string') assert.equal(error.message, expected.message);
  else if (expected.message) assert.match(error.message, expected.message);
  return error;
}

/** Asserts a stripe-node call rejects with the given error fields. */
export async function rejectsStripe(
  promise: Promise<unknown>,
  expected: {
    type?: string;
    statusCode?: number;
    code?: string;
    param?: string;
    message?: string | RegExp;
    decline_code?: string;
  },
): Promise<Json> {
  let caught: Json;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, 'expected the call to fail');
  assert.ok(caught instanceof Stripe.errors.StripeError, `not a StripeError: ${String(caught)}`);
  const fields = caught as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(expected)) {
    if (value instanceof RegExp) assert.match(String(fields[field]), value, field);
    else assert.equal(fields[field], value, `${field}: ${String(fields['message'])}`);
  }
  return caught;
}

// ---- OpenTill test endpoints ---------------------------------------------------------------------

/** Reads a card (test endpoint) → a card_present PaymentMethod. */
export async function readCard(h: Harness, params: Record<string, unknown> = {}): Promise<Stripe.PaymentMethod> {
  const response = await h.api('POST', '/opentill/v1/test/payment_methods', { form: params });
  assert.equal(response.status, 200, response.text);
  return response.body as Stripe.PaymentMethod;
}

/** Presents a card to a PaymentIntent (reads it and confirms). */
export function presentCard(
  h: Harness,
  paymentIntentId: string,
  params: Record<string, unknown> = {},
): Promise<RawResponse> {
  return h.api('POST', `/opentill/v1/test/payment_intents/${paymentIntentId}/present_card`, { form: params });
}

export async function presentCardOk(
  h: Harness,
  paymentIntentId: string,
  params: Record<string, unknown> = {},
): Promise<Stripe.PaymentIntent> {
  const response = await presentCard(h, paymentIntentId, params);
  assert.equal(response.status, 200, response.text);
  return response.body as Stripe.PaymentIntent;
}

export async function advanceClock(h: Harness, seconds: number): Promise<void> {
  const response = await h.api('POST', '/opentill/v1/test/clock/advance', { form: { seconds } });
  assert.equal(response.status, 200, response.text);
}

/**
 * stripe-node 23's types name the Terminal parameter `allowed_payment_method_types`; the docs' curl
 * examples and older SDKs send `payment_method_types`, which the server accepts too.
 */
export type CreateIntentParams = Stripe.PaymentIntentCreateParams & { payment_method_types?: string[] };

export function createIntent(
  h: Harness,
  params: CreateIntentParams,
  options?: Stripe.RequestOptions,
): Promise<Stripe.Response<Stripe.PaymentIntent>> {
  return h.stripe.paymentIntents.create(params as Stripe.PaymentIntentCreateParams, options);
}

/** A card_present PaymentIntent (manual capture unless told), authorized with `number`. */
export async function authorizedIntent(
  h: Harness,
  options: Partial<CreateIntentParams> = {},
  card: Record<string, unknown> = {},
): Promise<Stripe.PaymentIntent> {
  const created = await createIntent(h, {
    amount: 1000,
    currency: 'usd',
    payment_method_types: ['card_present'],
    capture_method: 'manual',
    ...options,
  });
  return presentCardOk(h, created.id, card);
}

export const day = 24 * 60 * 60;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Every object a list endpoint (`/v1/payment_intents`, `/v1/events?type=charge.*`…) holds, following `has_more`
 * page by page (at most `pagesMax` pages of 100), for raw HTTP what `listAll` is for stripe-node.
 */
export async function listAllRaw(
  api: (method: string, path: string) => Promise<RawResponse>,
  path: string,
  pagesMax = 100,
): Promise<Json[]> {
  const items: Json[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < pagesMax; pages += 1) {
    const response = await api(
      'GET',
      `${path}${path.includes('?') ? '&' : '?'}limit=100${after ? `&starting_after=${after}` : ''}`,
    );
    assert.equal(response.status, 200, response.text);
    const data = response.body.data as Json[];
    items.push(...data);
    if (!response.body.has_more) return items;
    after = data[data.length - 1]!.id;
  }
  throw new Error(`${path}: more than ${pagesMax} pages`);
}

/** How many objects a list endpoint holds in all (`listAllRaw`'s count). */
export async function countAll(
  api: (method: string, path: string) => Promise<RawResponse>,
  path: string,
  pagesMax = 100,
): Promise<number> {
  return (await listAllRaw(api, path, pagesMax)).length;
}

/**
 * Every object of a stripe-node list, page after page (`has_more`), so a count or an absence is exact however
 * many objects the account holds; stripe-node's `autoPagingToArray` stops at 10,000 (its own maximum), far
 * above what a test account holds, and the assertion then fails on the count rather than passing on a page.
 */
export function listAll<T>(list: Stripe.ApiListPromise<T>): Promise<T[]> {
  return list.autoPagingToArray({ limit: 10_000 });
}

/**
 * Polls `check` every `intervalMs` until it holds, at most `timeoutMs / intervalMs` times, then throws. Bounded by a
 * count of checks rather than by the wall clock: on a loaded machine (slow checks, late timers) every check still
 * happens, where a deadline would have spent them waiting.
 */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<void> {
  const attempts = Math.max(1, Math.ceil(timeoutMs / intervalMs));
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (await check()) return;
    if (attempt < attempts) await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what} (${attempts} checks, ${intervalMs} ms apart)`);
}

/**
 * The non-optional top-level fields of a resource interface in the pinned stripe-node's type
 * definitions (e.g. `requiredFields('PaymentIntents', 'PaymentIntent')`): what an object must carry.
 */
export function requiredFields(resourceFile: string, iface: string): string[] {
  const require = createRequire(import.meta.url);
  const root = dirname(dirname(require.resolve('stripe')));
  const source = readFileSync(join(root, 'esm', 'resources', `${resourceFile}.d.ts`), 'utf8');
  const start = source.indexOf(`export interface ${iface} {`);
  assert.ok(start >= 0, `interface ${iface} not found in ${resourceFile}.d.ts`);
  const fields: string[] = [];
  let depth = 0;
  let line = '';
  for (let i = source.indexOf('{', start); i < source.length; i += 1) {
    const c = source[i]!;
    if (c === '\n') {
      const match = /^\s*(\w+):/.exec(line);
      if (depth === 1 && match) fields.push(match[1]!);
      line = '';
      continue;
    }
    if (c === '{' || c === '(' || c === '<') depth += 1;
    if (c === '}' || c === ')' || c === '>') {
      depth -= 1;
      if (depth === 0) break;
    }
    line += c;
  }
  return fields;
}

/** Stops a server; one that does not exit within 10 s of SIGTERM is killed (a hang must not stall the suite). */
export async function stopServer(server: RunningServer | undefined): Promise<void> {
  if (!server) return;
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => resolve(server.stop('SIGKILL')), 10_000);
  });
  await Promise.race([server.stop(), killed]);
  clearTimeout(timer);
}
