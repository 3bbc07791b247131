/**
 * At-least-once across crashes: the server is SIGKILLed while deliveries are in flight, restarted on
 * the same data, and every committed event still reaches the receiver (signatures checked by
 * constructEvent). On PostgreSQL two server processes share one schema: they split the work
 * without claiming any delivery twice, and when one is killed the other takes over its claims once
 * their lease expires.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Stripe from 'stripe';
import { freshSchema, startServer, testPostgres, type RunningServer } from '@opentill/testkit';
import { raw, stripeFor, waitUntil as waitUntilEvery } from './helpers.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const env = {
  OPENTILL_WEBHOOK_RETRY: 'base=1s,factor=2,cap=4s,window=10m',
  // Claims of a killed process expire after timeout + 5 s.
  OPENTILL_WEBHOOK_TIMEOUT: '3s',
  OPENTILL_WEBHOOK_POLL: '100ms',
};

/**
 * A receiver that holds every response until `open()` (then answers 200 at once): the deliveries
 * claimed before the kill are certainly in flight when it comes, whatever the machine's load.
 */
async function gatedReceiver(): Promise<{ receiver: Receiver; open(): void; acknowledged: Set<string> }> {
  const held: Array<() => void> = [];
  const acknowledged = new Set<string>();
  let opened = false;
  /** Answers 200 if the sender is still there to read it (a killed process's sockets are gone). */
  const answer = (res: import('node:http').ServerResponse, eventId: string) => () => {
    if (res.destroyed || !res.socket || res.socket.destroyed) return;
    res.writeHead(200);
    res.end('ok', () => acknowledged.add(eventId));
  };
  const receiver = await startReceiver((request) => (res) => {
    if (opened) answer(res, request.event.id)();
    else held.push(answer(res, request.event.id));
  });
  return {
    receiver,
    acknowledged,
    open: () => {
      opened = true;
      for (const release of held.splice(0)) release();
    },
  };
}

/** A process sends at most this many deliveries at once (the dispatcher's default concurrency). */
const inFlightPerProcessMax = 32;

/** Each event's attempts in the delivery log, read per event (the log shows at most 100 rows a query). */
async function attemptsByEvent(
  server: RunningServer,
  secretKey: string,
  eventIds: string[],
): Promise<Map<string, Array<{ node: string; http_status: number | null }>>> {
  const byEvent = new Map<string, Array<{ node: string; http_status: number | null }>>();
  for (const eventId of eventIds) {
    const log = await raw(server, 'GET', `/opentill/v1/webhook_attempts?event=${eventId}`, { key: secretKey });
    assert.equal(log.status, 200, log.text);
    byEvent.set(eventId, log.body.data);
  }
  return byEvent;
}

async function createIntents(stripe: Stripe, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, () =>
        stripe.paymentIntents.create({
          amount: 1000,
          currency: 'usd',
          payment_method_types: ['card_present'],
          capture_method: 'manual',
        } as Stripe.PaymentIntentCreateParams),
      ),
    );
    ids.push(...batch.map((pi) => pi.id));
  }
  return ids;
}

async function allEventIds(stripe: Stripe): Promise<string[]> {
  const ids: string[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) ids.push(event.id);
  return ids;
}

function kill(server: RunningServer): Promise<void> {
  return new Promise((resolve) => {
    server.process.once('exit', () => resolve());
    server.process.kill('SIGKILL');
  });
}

/** Every event id delivered at least once, each delivery signed for the endpoint. */
function checkDelivered(receiver: Receiver, eventIds: string[], secret: string): { duplicates: number } {
  const seen = new Map<string, number>();
  for (const received of receiver.received) {
    const event = Stripe.webhooks.constructEvent(received.body, String(received.headers['stripe-signature']), secret);
    seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
  }
  const missing = eventIds.filter((id) => !seen.has(id));
  assert.deepEqual(missing, [], `${missing.length} of ${eventIds.length} events never delivered`);
  return { duplicates: [...seen.values()].reduce((sum, n) => sum + n - 1, 0) };
}

async function pendingTotal(server: RunningServer): Promise<number> {
  let total = 0;
  for await (const event of stripeFor(server, server.secretKey).events.list({ limit: 100 }))
    total += event.pending_webhooks;
  return total;
}

/** helpers' waitUntil, 100 ms apart: a check here lists every event. */
function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<void> {
  return waitUntilEvery(check, what, timeoutMs, 100);
}

describe('webhooks survive a crash (sqlite)', () => {
  it('SIGKILL mid-deliveries, restart on the same file: every event delivered at least once', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'opentill-crash-'));
    const secretKey = `sk_test_crash${process.pid}x${Date.now()}`;
    const { receiver, open, acknowledged } = await gatedReceiver();
    let server = await startServer({ store: 'sqlite', name: 'crash sqlite', dataDir, secretKey, env });
    try {
      const stripe = stripeFor(server, secretKey);
      const endpoint = await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
      await createIntents(stripe, 80);
      await receiver.waitFor((all) => all.length >= 10, 15_000, '10 deliveries in flight before the kill');
      await kill(server);
      open();
      const beforeRestart = receiver.received.length;
      server = await startServer({ store: 'sqlite', name: 'crash sqlite', dataDir, secretKey, env });
      const restarted = stripeFor(server, secretKey);
      const eventIds = await allEventIds(restarted);
      assert.equal(eventIds.length, 80, 'every committed event survived');
      assert.ok(beforeRestart >= 10, `${beforeRestart} requests held at the kill`);
      await waitUntil(async () => (await pendingTotal(server)) === 0, 'pending_webhooks 0 everywhere', 30_000);
      assert.deepEqual(
        eventIds.filter((id) => !acknowledged.has(id)),
        [],
        'every event acknowledged by the receiver',
      );
      const { duplicates } = checkDelivered(receiver, eventIds, endpoint.secret!);
      // No request held by the gate was ever answered to the process that sent it: each was sent
      // again (after the restart, or after its timeout if the machine was slow), so at least one
      // event came twice, whatever the timing.
      assert.ok(duplicates >= 1, `${duplicates} duplicates`);
      t.diagnostic(`${beforeRestart} requests in flight at the kill; ${duplicates} events delivered twice`);
    } finally {
      await server.stop();
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('webhooks on PostgreSQL with two server processes', () => {
  it('two processes share the work without sending anything twice', async (t) => {
    const pg = await testPostgres();
    const schema = await freshSchema(pg.url, 'webhooks two nodes');
    const secretKey = `sk_test_twonodes${process.pid}x${Date.now()}`;
    // Held until more requests are waiting than one process sends at once: both are sending then.
    // A timeout far longer than the test waits, so no held request is given up and sent again.
    const { receiver, open } = await gatedReceiver();
    const patient = { ...env, OPENTILL_WEBHOOK_TIMEOUT: '120s' };
    const a = await startServer({
      store: 'postgres',
      name: 'two nodes a',
      database: schema.url,
      secretKey,
      env: patient,
    });
    const b = await startServer({
      store: 'postgres',
      name: 'two nodes b',
      database: schema.url,
      secretKey,
      env: patient,
    });
    try {
      const stripeA = stripeFor(a, secretKey);
      const stripeB = stripeFor(b, secretKey);
      const endpoint = await stripeA.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['payment_intent.created'],
      });
      await Promise.all([createIntents(stripeA, 60), createIntents(stripeB, 60)]);
      const eventIds = await allEventIds(stripeA);
      assert.equal(eventIds.length, 120);
      await receiver.waitFor(
        (all) => all.length > inFlightPerProcessMax,
        15_000,
        'more requests waiting than one process sends',
      );
      open();
      await waitUntil(async () => (await pendingTotal(a)) === 0, 'everything delivered', 30_000);
      const byEvent = await attemptsByEvent(a, secretKey, eventIds);
      // Stopped, each process has finished its sends: nothing more can arrive.
      await Promise.all([a.stop(), b.stop()]);
      const { duplicates } = checkDelivered(receiver, eventIds, endpoint.secret!);
      assert.equal(duplicates, 0, 'no delivery sent twice');
      assert.deepEqual(
        [...byEvent.values()].filter((attempts) => attempts.length !== 1 || attempts[0]!.http_status !== 200),
        [],
        'one successful attempt per event',
      );
      const byNode = new Map<string, number>();
      for (const [attempt] of byEvent.values()) byNode.set(attempt!.node, (byNode.get(attempt!.node) ?? 0) + 1);
      assert.equal(byNode.size, 2, `both processes delivered (${[...byNode.keys()].join(', ')})`);
      t.diagnostic(`attempts by node: ${[...byNode.values()].join(' / ')}`);
    } finally {
      await a.stop();
      await b.stop();
      await receiver.close();
      await schema.drop();
    }
  });

  it('one process SIGKILLed mid-deliveries: the other takes over, the restarted one joins; every event delivered', async (t) => {
    const pg = await testPostgres();
    const schema = await freshSchema(pg.url, 'webhooks crash pg');
    const secretKey = `sk_test_crashpg${process.pid}x${Date.now()}`;
    const { receiver, open, acknowledged } = await gatedReceiver();
    // Held requests must not time out before the gate opens (a retry would blur who sent what), yet
    // A's claims expire after timeout + 5 s. The embedded PGlite server is slower still.
    // 20 s leaves a loaded machine (CI beside other work) room between the first held request and
    // the gate opening; A's claims then expire after 25 s, well inside the 90 s wait below.
    const crashEnv = { ...env, OPENTILL_WEBHOOK_TIMEOUT: '20s' };
    let a = await startServer({
      store: 'postgres',
      name: 'crash pg a',
      database: schema.url,
      secretKey,
      env: crashEnv,
    });
    const b = await startServer({
      store: 'postgres',
      name: 'crash pg b',
      database: schema.url,
      secretKey,
      env: crashEnv,
    });
    try {
      const stripeA = stripeFor(a, secretKey);
      const endpoint = await stripeA.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
      await Promise.all([createIntents(stripeA, 50), createIntents(stripeFor(b, secretKey), 50)]);
      // More requests held than one process sends at once: A certainly has some in flight.
      await receiver.waitFor(
        (all) => all.length > inFlightPerProcessMax,
        15_000,
        'both processes with deliveries in flight',
      );
      await kill(a);
      const atKill = receiver.received.length;
      open();
      assert.ok(atKill <= 2 * inFlightPerProcessMax, `${atKill} requests in flight at the kill`);
      // B alone finishes (A's claims expire after the lease), then A comes back on the same schema.
      const eventIds = await allEventIds(stripeFor(b, secretKey));
      assert.equal(eventIds.length, 100);
      await waitUntil(
        async () => (await pendingTotal(b)) === 0,
        "B finished everything, A's expired claims included",
        90_000,
      );
      a = await startServer({ store: 'postgres', name: 'crash pg a', database: schema.url, secretKey, env: crashEnv });
      assert.deepEqual(
        eventIds.filter((id) => !acknowledged.has(id)),
        [],
        'every event acknowledged by the receiver',
      );
      const { duplicates } = checkDelivered(receiver, eventIds, endpoint.secret!);
      // A's requests held at the kill (at least those beyond B's share) go out again from B.
      assert.ok(
        duplicates >= atKill - inFlightPerProcessMax && duplicates >= 1 && duplicates <= inFlightPerProcessMax,
        `${duplicates} duplicates (only what A had in flight)`,
      );
      // A died before any answer reached it, so every logged attempt is B's (or restarted A's), and
      // each event has exactly one, successful.
      const byEvent = await attemptsByEvent(b, secretKey, eventIds);
      assert.deepEqual(
        [...byEvent.values()].filter((attempts) => attempts.length !== 1 || attempts[0]!.http_status !== 200),
        [],
        'one successful attempt per event',
      );
      t.diagnostic(
        `${atKill} requests in flight at the kill; ${duplicates} events delivered twice (A's unacknowledged claims)`,
      );
    } finally {
      await a.stop();
      await b.stop();
      await receiver.close();
      await schema.drop();
    }
  });
});
