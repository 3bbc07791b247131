/**
 * `GET /v1/events?delivery_success=` end to end, on SQLite and PostgreSQL: events delivered to
 * every endpoint are listed by `true`; events still pending (receiver failing, retries scheduled)
 * and events whose delivery failed for good (its retry window ran out) by `false`; with `type`,
 * `created` and pagination with `limit` in both directions.
 *
 * The server retries after 1, 2, 4 … min within a 10 min window, so a delivery fails for good after
 * a few test-clock advances.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '@opentill/testkit';
import { raw, stores, waitUntil, type RawResponse } from './helpers.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const webhookEnv = {
  OPENTILL_WEBHOOK_RETRY: 'base=60s,factor=2,cap=1h,window=10m',
  OPENTILL_WEBHOOK_TIMEOUT: '1500ms',
  OPENTILL_WEBHOOK_POLL: '100ms',
};

type Outcome = 'ok' | 'dead' | 'pending';

for (const store of stores) {
  describe(`events delivery_success (${store})`, () => {
    let server: RunningServer;
    let receiver: Receiver;
    const ok = async (method: string, path: string, form?: Record<string, unknown>): Promise<RawResponse['body']> => {
      const response = await raw(server, method, path, { key: server.secretKey, ...(form ? { form } : {}) });
      assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`);
      return response.body;
    };
    const ids = (list: RawResponse['body']): string[] => (list.data as Array<{ id: string }>).map((event) => event.id);
    const events = (query: string) => ok('GET', `/v1/events?type=payment_intent.created&${query}`);
    const deliveries = async (eventId: string) =>
      (await ok('GET', `/opentill/v1/webhook_deliveries?event=${eventId}`)).data as Array<{
        state: string;
        attempt_count: number;
      }>;
    /** event id → what its delivery came to */
    const outcomes = new Map<string, Outcome>();

    /** A PaymentIntent whose `payment_intent.created` webhook the receiver answers per `outcome`. */
    const paymentIntent = async (outcome: Outcome): Promise<string> => {
      const pi = await ok('POST', '/v1/payment_intents', {
        amount: 1500,
        currency: 'usd',
        payment_method_types: ['card_present'],
        capture_method: 'manual',
        metadata: { outcome },
      });
      const created = await events('limit=1');
      const event = created.data[0];
      assert.equal(event.data.object.id, pi.id);
      outcomes.set(event.id, outcome);
      return event.id as string;
    };

    before(async () => {
      server = await startServer({ store, name: `delivery_success ${store}`, env: webhookEnv });
      receiver = await startReceiver((request) => {
        const object = (request.event['data'] as { object: { metadata?: { outcome?: string } } }).object;
        return object.metadata?.outcome === 'ok' ? 200 : 503;
      });
    });
    after(async () => {
      await server?.stop();
      await receiver?.close();
    });

    it('true lists events delivered to every endpoint; false those pending or failed for good; pages both ways', async () => {
      const endpoint = await ok('POST', '/v1/webhook_endpoints', {
        url: receiver.url,
        enabled_events: ['payment_intent.created'],
      });
      const second = await ok('POST', '/v1/webhook_endpoints', {
        url: `${receiver.url}?second`,
        enabled_events: ['payment_intent.created'],
      });
      const delivered = async (eventId: string) => {
        await waitUntil(
          async () => (await ok('GET', `/v1/events/${eventId}`)).pending_webhooks === 0,
          `${eventId} delivered`,
        );
      };
      await delivered(await paymentIntent('ok'));
      await delivered(await paymentIntent('ok'));

      // Failed for good: the receiver refuses it until its 10 min window has passed.
      const dead = await paymentIntent('dead');
      const attempted = async (eventId: string) => (await deliveries(eventId)).map((row) => row.attempt_count);
      await waitUntil(async () => {
        const counts = await attempted(dead);
        return counts.length === 2 && counts.every((n) => n >= 1);
      }, 'first attempts');
      const states = async (eventId: string) => (await deliveries(eventId)).map((row) => row.state);
      // Each round moves the test clock to the next retry's time and waits for that attempt.
      for (let round = 0; (await states(dead)).some((state) => state !== 'failed'); round += 1) {
        assert.ok(round < 30, 'failed for good within 30 rounds');
        const rows = await ok('GET', `/opentill/v1/webhook_deliveries?event=${dead}`);
        const due = Math.min(
          ...(rows.data as Array<{ state: string; next_attempt_at: number }>)
            .filter((row) => row.state === 'pending')
            .map((row) => row.next_attempt_at),
        );
        const now = (await ok('GET', '/opentill/v1/test/clock')).frozen_time as number;
        const before = (await attempted(dead)).reduce((sum, n) => sum + n, 0);
        await ok('POST', '/opentill/v1/test/clock/advance', { seconds: Math.max(1, due - now + 1) });
        await waitUntil(
          async () => {
            const rows = await deliveries(dead);
            return (
              rows.every((row) => row.state === 'failed') ||
              rows.reduce((sum, row) => sum + row.attempt_count, 0) > before
            );
          },
          `an attempt after advance ${round + 1}`,
        );
      }
      assert.deepEqual(await states(dead), ['failed', 'failed'], 'failed for good on both endpoints');
      assert.equal((await ok('GET', `/v1/events/${dead}`)).pending_webhooks, 0, 'pending_webhooks alone cannot tell');
      // Failing a whole window disabled the endpoints: enable them again for the rest.
      for (const id of [endpoint.id, second.id]) await ok('POST', `/v1/webhook_endpoints/${id}`, { disabled: 'false' });

      await delivered(await paymentIntent('ok'));
      // Still pending: the first attempt failed and a retry is scheduled (the clock is not moved again).
      const pending = await paymentIntent('pending');
      await waitUntil(async () => {
        const rows = await deliveries(pending);
        return rows.length === 2 && rows.every((row) => row.state === 'pending' && row.attempt_count === 1);
      }, 'a failed first attempt, retry scheduled');
      await delivered(await paymentIntent('ok'));
      await paymentIntent('pending');

      const all = ids(await events('limit=100'));
      assert.equal(all.length, 7);
      const expected = (want: boolean) => all.filter((id) => (outcomes.get(id) === 'ok') === want);
      assert.deepEqual(ids(await events('limit=100&delivery_success=true')), expected(true));
      assert.deepEqual(ids(await events('limit=100&delivery_success=false')), expected(false));
      assert.deepEqual(expected(true).length, 4);
      assert.deepEqual(
        expected(false).map((id) => outcomes.get(id)),
        ['pending', 'pending', 'dead'],
      );
      assert.ok(expected(false).includes(dead) && expected(false).includes(pending));

      // Pages of 2 forward, then back, skipping the events that do not match.
      const delivered4 = expected(true);
      const first = await events('limit=2&delivery_success=true');
      assert.deepEqual(ids(first), delivered4.slice(0, 2));
      assert.equal(first.has_more, true);
      const next = await events(`limit=2&delivery_success=true&starting_after=${delivered4[1]}`);
      assert.deepEqual(ids(next), delivered4.slice(2, 4));
      assert.equal(next.has_more, false);
      const back = await events(`limit=2&delivery_success=true&ending_before=${delivered4[3]}`);
      assert.deepEqual(ids(back), delivered4.slice(1, 3));
      assert.equal(back.has_more, true);
      const start = await events(`limit=2&delivery_success=true&ending_before=${delivered4[1]}`);
      assert.deepEqual(ids(start), delivered4.slice(0, 1));
      assert.equal(start.has_more, false);

      // Pages of 1 through the undelivered ones, forward and back.
      const undelivered = expected(false);
      const forward: string[] = [];
      let page = await events('limit=1&delivery_success=false');
      for (let pages = 1; ; pages += 1) {
        assert.ok(pages <= undelivered.length, 'no more pages than undelivered events');
        forward.push(...ids(page));
        if (!page.has_more) break;
        page = await events(`limit=1&delivery_success=false&starting_after=${forward[forward.length - 1]}`);
      }
      assert.deepEqual(forward, undelivered);
      const backward: string[] = [];
      page = await events(`limit=1&delivery_success=false&ending_before=${undelivered[2]}`);
      for (let pages = 1; ; pages += 1) {
        assert.ok(pages <= undelivered.length, 'no more pages than undelivered events');
        backward.unshift(...ids(page));
        if (!page.has_more) break;
        page = await events(`limit=1&delivery_success=false&ending_before=${backward[0]}`);
      }
      assert.deepEqual(backward, undelivered.slice(0, 2));

      // With the other filters: another type, a created range, types[].
      assert.deepEqual(ids(await ok('GET', '/v1/events?type=refund.created&delivery_success=false')), []);
      const future = Math.floor(Date.now() / 1000) + 10 * 24 * 3600;
      assert.deepEqual(ids(await events(`delivery_success=true&created[gte]=${future}`)), []);
      assert.deepEqual(
        ids(await ok('GET', '/v1/events?types[]=payment_intent.created&limit=100&delivery_success=false')),
        undelivered,
      );
      const bad = await raw(server, 'GET', '/v1/events?delivery_success=maybe', { key: server.secretKey });
      assert.equal(bad.status, 400, bad.text);
    });
  });
}
