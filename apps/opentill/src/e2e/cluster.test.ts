/**
 * Three `opentill serve` nodes on one PostgreSQL schema behind Debian's haproxy (packages/testkit
 * cluster.ts, the template `opentill cluster` uses), driven through the load balancer with the
 * official `stripe` package: consecutive calls land on different nodes (the `OpenTill-Node` header
 * says which); a node SIGKILLed under a stream of writes loses no acknowledged write and a retry
 * with the same Idempotency-Key gives exactly one object; the scheduler's work (authorization
 * expiry) and the dispatcher's (webhook retries) go on on the survivors, each effect once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { limits } from '@opentill/core';
import { startCluster, type RunningCluster } from '@opentill/testkit';
import { countAll, day, listAll, raw, type RawResponse } from './helpers.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const webhookEnv = {
  // Retries fall due on the test clock (1 min, ×2, capped 1 h), so the test advances it instead of waiting.
  OPENTILL_WEBHOOK_RETRY: 'base=60s,factor=2,cap=1h,window=3h',
  // A short send timeout keeps a dead node's claim (timeout + 5 s) short.
  OPENTILL_WEBHOOK_TIMEOUT: '1500ms',
  OPENTILL_WEBHOOK_POLL: '100ms',
};

describe('cluster: 3 nodes behind haproxy', () => {
  let cluster: RunningCluster;
  let stripe: Stripe;
  const api = (method: string, path: string, form?: Record<string, unknown>): Promise<RawResponse> =>
    raw(cluster, method, path, { key: cluster.secretKey, ...(form ? { form } : {}) });
  const ok = async (method: string, path: string, form?: Record<string, unknown>): Promise<RawResponse['body']> => {
    const response = await api(method, path, form);
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`);
    return response.body;
  };
  const nodeOf = (response: { lastResponse: { headers: Record<string, string> } }) =>
    response.lastResponse.headers['opentill-node'];
  const authorized = async (metadata: Record<string, string> = {}) => {
    const created = await stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      payment_method_types: ['card_present'],
      capture_method: 'manual',
      metadata,
    } as Stripe.PaymentIntentCreateParams);
    await ok('POST', `/opentill/v1/test/payment_intents/${created.id}/present_card`);
    return created;
  };

  before(async () => {
    cluster = await startCluster({ name: 'cluster-e2e', env: webhookEnv });
    // Stripe's own retry policy (5xx, 409, connection errors; the same Idempotency-Key each time).
    stripe = new Stripe(cluster.secretKey, {
      host: '127.0.0.1',
      port: cluster.port,
      protocol: 'http',
      telemetry: false,
      maxNetworkRetries: 3,
      timeout: 20_000,
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('sends consecutive calls of one flow to different nodes, and the flow works across them', async () => {
    const answered: string[] = [];
    const created = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method_types: ['card_present'],
      capture_method: 'manual',
    } as Stripe.PaymentIntentCreateParams);
    answered.push(nodeOf(created)!);
    const presented = await api('POST', `/opentill/v1/test/payment_intents/${created.id}/present_card`);
    assert.equal(presented.status, 200, presented.text);
    answered.push(presented.headers.get('opentill-node')!);
    const retrieved = await stripe.paymentIntents.retrieve(created.id);
    assert.equal(retrieved.status, 'requires_capture');
    answered.push(nodeOf(retrieved)!);
    const updated = await stripe.paymentIntents.update(created.id, { metadata: { order: '42' } });
    answered.push(nodeOf(updated)!);
    const captured = await stripe.paymentIntents.capture(created.id, { amount_to_capture: 1500 });
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 1500);
    assert.equal(captured.metadata['order'], '42');
    answered.push(nodeOf(captured)!);
    const refund = await stripe.refunds.create({ payment_intent: created.id, amount: 500 });
    assert.equal(refund.status, 'succeeded');
    answered.push(nodeOf(refund)!);
    assert.deepEqual(new Set(answered), new Set(['node1', 'node2', 'node3']), `answered by ${answered.join(', ')}`);
    for (let i = 1; i < answered.length; i += 1)
      assert.notEqual(answered[i], answered[i - 1], `calls ${i - 1} and ${i}: ${answered.join(', ')}`);
  });

  it('loses no acknowledged write when a node is SIGKILLed under a stream of requests', async () => {
    const total = 60;
    const workers = 6;
    const killAfter = 15;
    const results: Array<{ id: string } | { error: Stripe.errors.StripeError }> = [];
    let acknowledged = 0;
    let killed: Promise<void> | null = null;
    const create = (i: number) =>
      stripe.paymentIntents.create(
        {
          amount: 100 + i,
          currency: 'usd',
          payment_method_types: ['card_present'],
          metadata: { stream: 'kill', op: String(i) },
        } as Stripe.PaymentIntentCreateParams,
        { idempotencyKey: `kill-stream-${i}` },
      );
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < total) {
          const i = next++;
          try {
            results[i] = { id: (await create(i)).id };
            acknowledged += 1;
            if (acknowledged === killAfter) killed = cluster.kill('node2');
          } catch (error) {
            results[i] = { error: error as Stripe.errors.StripeError };
          }
        }
      }),
    );
    assert.ok(killed, 'node2 was killed during the stream');
    await killed;
    // Only requests in flight on node2 when it died may fail (at most one per worker), each with a
    // retryable answer: the key still locked by the dead node's request (409), or a 5xx.
    const failed = results.flatMap((result, i) => ('error' in result ? [i] : []));
    assert.ok(
      failed.length <= workers,
      `${failed.length} failures: ${failed.map((i) => (results[i] as { error: Error }).error.message).join('; ')}`,
    );
    for (const i of failed) {
      const { error } = results[i] as { error: Stripe.errors.StripeError };
      assert.ok(
        error.statusCode === 409 || (error.statusCode ?? 0) >= 500 || error.type === 'StripeConnectionError',
        `op ${i}: ${error.type} ${error.statusCode} ${error.message}`,
      );
    }
    // A key whose request died with its node stays locked for limits.idempotencyLockMs (account
    // clock); past it, the retry completes the request: exactly one object per key.
    if (failed.length > 0) await cluster.advanceClock(limits.idempotencyLockMs / 1000 + 1);
    for (const i of failed) results[i] = { id: (await create(i)).id };
    const ids = results.map((result) => (result as { id: string }).id);
    assert.equal(new Set(ids).size, total);
    // Every acknowledged id is there, once, with its own metadata; nothing else was created.
    const seen = new Map<string, number>();
    for await (const intent of stripe.paymentIntents.list({ limit: 100 })) {
      if (intent.metadata['stream'] !== 'kill') continue;
      assert.equal(intent.id, ids[Number(intent.metadata['op'])], `op ${intent.metadata['op']}`);
      seen.set(intent.id, (seen.get(intent.id) ?? 0) + 1);
    }
    assert.equal(seen.size, total);
    assert.ok([...seen.values()].every((count) => count === 1));
    await cluster.restart('node2');
    const back = await stripe.paymentIntents.retrieve(ids[0]!);
    assert.equal(back.id, ids[0]);
  });

  describe('the scheduler and the webhook dispatcher on the survivors', () => {
    let receiver: Receiver;
    let receiverUp = false;
    before(async () => {
      receiver = await startReceiver(() => (receiverUp ? 200 : 500));
    });
    after(async () => {
      await receiver?.close();
    });

    it('expires authorizations and retries their webhooks once each after a node dies', async () => {
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['payment_intent.canceled'],
      });
      const count = 6;
      const intents = [];
      for (let i = 0; i < count; i += 1) intents.push(await authorized({ expiry: 'cluster' }));
      await cluster.kill('node1');
      // The authorizations' deadline passes: the survivors' schedulers cancel each once.
      await cluster.advanceClock(7 * day);
      const canceledIds = new Set(intents.map((intent) => intent.id));
      const deliveredFor = (answered: boolean) => (received: typeof receiver.received) => {
        const objects = new Set(
          received
            .filter((r) => !answered || r.at >= flippedAt)
            .map((r) => (r.event['data'] as { object: { id: string } }).object.id),
        );
        return [...canceledIds].every((id) => objects.has(id));
      };
      let flippedAt = Number.POSITIVE_INFINITY;
      await receiver.waitFor(deliveredFor(false), 30_000, 'a first (failed) delivery of every cancellation');
      receiverUp = true;
      flippedAt = Date.now();
      // Every failed delivery's retry falls due; the survivors' dispatchers send each once.
      await cluster.advanceClock(2 * 3600);
      await receiver.waitFor(deliveredFor(true), 30_000, 'a successful retry of every cancellation');
      // A positive control: an event made after, delivered; whatever was due before it was claimed by then.
      const sentinel = await stripe.paymentIntents.create({
        amount: 300,
        currency: 'usd',
        payment_method_types: ['card_present'],
      } as Stripe.PaymentIntentCreateParams);
      await stripe.paymentIntents.cancel(sentinel.id);
      await receiver.waitFor(
        (received) => received.some((r) => (r.event['data'] as { object: { id: string } }).object.id === sentinel.id),
        30_000,
        'the sentinel',
      );

      for (const intent of intents) {
        const fresh = await stripe.paymentIntents.retrieve(intent.id);
        assert.equal(fresh.status, 'canceled');
        assert.equal(fresh.cancellation_reason, 'automatic');
        const events = await listAll(stripe.events.list({ type: 'payment_intent.canceled', limit: 100 }));
        assert.equal(
          events.filter((event) => (event.data.object as { id: string }).id === intent.id).length,
          1,
          `${intent.id}: one cancellation`,
        );
        const successes = receiver.received.filter(
          (r) => r.at >= flippedAt && (r.event['data'] as { object: { id: string } }).object.id === intent.id,
        );
        assert.equal(
          successes.length,
          1,
          `${intent.id}: delivered ${successes.length} times after the receiver came back`,
        );
      }
      assert.equal(await countAll((method, path) => api(method, path), '/v1/events?type=charge.expired'), count);
      await stripe.webhookEndpoints.del(endpoint.id);
      await cluster.restart('node1');
    });
  });
});
