/**
 * PostgreSQL silently cut off (docs/cluster.md, "PostgreSQL lost during reader traffic"): the node
 * reaches PostgreSQL through a TCP proxy switched to a black hole — connections stay open, every
 * byte is swallowed, nothing is ever closed (a firewall DROP, a pulled cable, a frozen proxy), so
 * no error ever comes from the network. The node's bounds (limits.postgres*, shortened here through
 * the env) turn every wait into a retryable Stripe `api_error`: requests answer, the process stays
 * up. When the network is back the node serves again by itself, and its LISTEN connections (outbox
 * and reader-bus wake-ups), which saw no error either, are found dead by their liveness check and
 * reconnected: pg_stat_activity shows new, listening ones (the old ones lost a wake-up in the cut
 * and stay dead: only a reconnect brings wake-ups back).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { freshSchema, isolatedPostgres, startServer, type FreshSchema, type RunningServer } from '@opentill/testkit';
import { raw, waitUntil, type RawResponse } from './helpers.js';
import { tcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Short bounds, so the test waits seconds; the real ones (limits.ts) are 10 and 20 s. */
const boundsEnv = {
  OPENTILL_POSTGRES_CONNECT_TIMEOUT_MS: '3000',
  OPENTILL_POSTGRES_QUERY_TIMEOUT_MS: '3000',
  OPENTILL_POSTGRES_LISTEN_CHECK_MS: '500',
};
/** A request bounded on the client side far above the node's bounds: a hang fails the test. */
const answerWithinMs = 30_000;
/** One LISTEN connection for the outbox, one for the reader bus. */
const listenerCount = 2;

describe('store: PostgreSQL silently cut (packets dropped, nothing closed)', () => {
  let postgres: Awaited<ReturnType<typeof isolatedPostgres>>;
  let schema: FreshSchema;
  let proxy: TcpProxy;
  let server: RunningServer;

  const call = (method: string, path: string, form?: Record<string, unknown>, key?: string): Promise<RawResponse> =>
    raw(server, method, path, {
      key: server.secretKey,
      timeoutMs: answerWithinMs,
      ...(form ? { form } : {}),
      ...(key ? { headers: { 'Idempotency-Key': key } } : {}),
    });
  const create = (op: string) =>
    call(
      'POST',
      '/v1/payment_intents',
      { amount: 500, currency: 'usd', 'payment_method_types[0]': 'card_present', 'metadata[op]': op },
      `silent-${op}`,
    );
  /** The node's LISTEN connections that are listening now (read off the proxy's wire). */
  const listeners = () => proxy.passingListeners();
  const assertRetryable = (response: RawResponse, what: string) => {
    assert.equal(response.status, 500, `${what}: ${response.status} ${response.text}`);
    assert.equal(response.body.error.type, 'api_error', `${what}: ${response.text}`);
    assert.equal(response.headers.get('stripe-should-retry'), 'true', what);
  };

  before(async () => {
    // Its own embedded server on the fallback: connections frozen mid-transaction by the black hole
    // would hold the shared one (one transaction at a time) for every other test file.
    postgres = await isolatedPostgres();
    schema = await freshSchema(postgres.url, 'silent-cut');
    const target = new URL(schema.url);
    proxy = await tcpProxy(Number(target.port || 5432));
    const through = new URL(schema.url);
    through.hostname = '127.0.0.1';
    through.port = new URL(proxy.url).port;
    server = await startServer({ store: 'postgres', name: 'silent-cut', database: through.toString(), env: boundsEnv });
  });
  after(async () => {
    await server?.stop();
    await proxy?.close();
    await schema?.drop();
    await postgres?.stop();
  });

  it('answers retryable Stripe errors during the black hole, then serves and listens again by itself', async () => {
    const before = await create('before');
    assert.equal(before.status, 200, before.text);
    let listenedBefore: number[] = [];
    await waitUntil(
      () => {
        const now = listeners();
        listenedBefore = now.map((listener) => listener.id);
        return Promise.resolve(new Set(now.map((listener) => listener.channel)).size === listenerCount);
      },
      'the node listening through the proxy',
      20_000,
      100,
    );

    proxy.blackHole();
    // The LISTEN connections see no error; their liveness checks (every 500 ms here) are swallowed,
    // so they are out of step for good (the proxy keeps them black holes after the restore, as a
    // firewall that forgot them would): only reconnecting brings wake-ups back.
    // Each request waits out at most a checkout or a query, then the release of its key: it answers.
    // Sequential and concurrent, reads and keyed writes.
    assertRetryable(await call('GET', '/v1/payment_intents?limit=3'), 'list');
    assertRetryable(await create('during'), 'create');
    const concurrent = await Promise.all([
      call('GET', `/v1/payment_intents/${before.body.id as string}`),
      call('GET', '/v1/payment_intents?limit=3'),
      create('during-2'),
    ]);
    concurrent.forEach((response, index) => assertRetryable(response, `concurrent ${index}`));
    // The connection that would carry this one was given up on: a new one is opened (and swallowed).
    assertRetryable(await call('GET', '/v1/payment_intents?limit=3'), 'list again');
    assert.equal(server.process.exitCode, null, 'the node still runs');

    proxy.restore();
    // Serves again by itself (bounded: 100 tries, 200 ms apart; a try meeting a connection that lost
    // bytes in the cut answers a retryable error and destroys it).
    let recovered: RawResponse | null = null;
    for (let attempt = 0; attempt < 100 && recovered?.status !== 200; attempt += 1) {
      recovered = await call('GET', '/v1/payment_intents?limit=10');
      if (recovered.status !== 200) {
        assertRetryable(recovered, `recovering, attempt ${attempt}`);
        await sleep(200);
      }
    }
    assert.equal(recovered?.status, 200, recovered?.text);
    // New LISTEN connections: the old ones saw no error, only their liveness check found them dead.
    await waitUntil(
      () => {
        const now = listeners();
        return Promise.resolve(
          now.length === listenerCount &&
            new Set(now.map((listener) => listener.channel)).size === listenerCount &&
            now.every((listener) => !listenedBefore.includes(listener.id)),
        );
      },
      'the node listening again on new connections',
      20_000,
      100,
    );

    // Nothing reached PostgreSQL in the black hole, so no key was claimed: each retry runs once,
    // and its replay answers the same object.
    const ids = new Set<string>([before.body.id as string]);
    for (const op of ['during', 'during-2']) {
      const retried = await create(op);
      assert.equal(retried.status, 200, `${op}: ${retried.text}`);
      const replayed = await create(op);
      assert.equal(replayed.body.id, retried.body.id, `${op}: replayed`);
      ids.add(retried.body.id as string);
    }
    const listed = await call('GET', '/v1/payment_intents?limit=100');
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(new Set((listed.body.data as Array<{ id: string }>).map((intent) => intent.id)), ids);
    assert.equal(server.process.exitCode, null, 'the node still runs');
  });
});
