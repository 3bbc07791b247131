/**
 * Webhooks end to end, on SQLite and PostgreSQL: endpoint CRUD and validation; signed deliveries
 * to a real local receiver, every signature checked by the official `stripe.webhooks.constructEvent`;
 * retries on the test clock; secret rolling; the delivery log, resend and fault injection; bounded
 * failures against bad receivers; an endpoint disabled after failing for its whole retry window.
 *
 * The server runs with a custom retry schedule (1 min, ×2, capped 1 h, window 3 h) so retries are
 * reached by advancing the test clock, and a 1.5 s receiver timeout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { startServer, type RunningServer } from '@opentill/testkit';
import { listAll, raw, type RawResponse, stores, stripeFor, waitUntil } from './helpers.js';
import { startReceiver, type Receiver, type Received } from './webhook-receiver.js';

const webhookEnv = {
  OPENTILL_WEBHOOK_RETRY: 'base=60s,factor=2,cap=1h,window=3h',
  OPENTILL_WEBHOOK_TIMEOUT: '1500ms',
  OPENTILL_WEBHOOK_POLL: '100ms',
};

/** constructEvent must accept it with this secret (throws otherwise). */
function verify(received: Received, secret: string): Stripe.Event {
  const signature = received.headers['stripe-signature'];
  assert.equal(typeof signature, 'string');
  return Stripe.webhooks.constructEvent(received.body, signature as string, secret);
}

for (const store of stores) {
  describe(`webhooks (${store})`, () => {
    let server: RunningServer;
    let stripe: Stripe;
    let receiver: Receiver;
    const api = (method: string, path: string, form?: Record<string, unknown>): Promise<RawResponse> =>
      raw(server, method, path, { key: server.secretKey, ...(form ? { form } : {}) });
    const ok = async (method: string, path: string, form?: Record<string, unknown>): Promise<RawResponse['body']> => {
      const response = await api(method, path, form);
      assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${response.text}`);
      return response.body;
    };
    const advance = (seconds: number) => ok('POST', '/opentill/v1/test/clock/advance', { seconds });
    const paymentIntent = () =>
      stripe.paymentIntents.create({
        amount: 1500,
        currency: 'usd',
        payment_method_types: ['card_present'],
        capture_method: 'manual',
      } as Stripe.PaymentIntentCreateParams);
    const endpoints: string[] = [];
    const newEndpoint = async (events: string[] = ['*'], url = receiver.url) => {
      const endpoint = await stripe.webhookEndpoints.create({
        url,
        enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
      });
      endpoints.push(endpoint.id);
      return endpoint;
    };
    /** Deletes every endpoint created so far, so each test starts with only its own. */
    const clearEndpoints = async () => {
      for (const id of endpoints.splice(0)) await api('DELETE', `/v1/webhook_endpoints/${id}`);
    };

    /**
     * A positive marker for "nothing else happened": an event created now, delivered to an endpoint
     * of its own. Once it arrives, the dispatcher has claimed since, so anything that was due by now
     * was claimed too.
     */
    const markerDelivered = async () => {
      const marker = await startReceiver();
      const markerEndpoint = await newEndpoint(['payment_intent.created'], marker.url);
      try {
        await paymentIntent();
        await marker.waitFor((all) => all.length >= 1, 10_000, 'the marker');
      } finally {
        await stripe.webhookEndpoints.del(markerEndpoint.id);
        endpoints.splice(endpoints.indexOf(markerEndpoint.id), 1);
        await marker.close();
      }
    };

    before(async () => {
      server = await startServer({ store, name: `webhooks ${store}`, env: webhookEnv });
      stripe = stripeFor(server, server.secretKey);
      receiver = await startReceiver();
    });
    after(async () => {
      await server?.stop();
      await receiver?.close();
    });

    describe('endpoints', () => {
      it('create shows the secret once; retrieve, update, list and delete behave like Stripe', async () => {
        const created = await stripe.webhookEndpoints.create({
          url: receiver.url,
          enabled_events: ['payment_intent.succeeded', 'terminal.reader.action_failed'],
          description: 'POS backend',
          metadata: { team: 'pos' },
          api_version: '2026-10-28.endive',
        });
        endpoints.push(created.id);
        assert.match(created.id, /^we_/);
        assert.match(created.secret!, /^whsec_/);
        assert.equal(created.object, 'webhook_endpoint');
        assert.equal(created.status, 'enabled');
        assert.equal(created.api_version, '2026-10-28.endive');
        assert.deepEqual(created.enabled_events, ['payment_intent.succeeded', 'terminal.reader.action_failed']);
        assert.deepEqual(created.metadata, { team: 'pos' });
        assert.equal(created.livemode, false);
        const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
        assert.equal(retrieved.secret, undefined, 'the secret is never shown again');
        assert.equal((retrieved as unknown as Record<string, unknown>)['_internal'], undefined);
        const disabled = await stripe.webhookEndpoints.update(created.id, {
          disabled: true,
          enabled_events: ['*'],
          description: '',
        });
        assert.equal(disabled.status, 'disabled');
        assert.deepEqual(disabled.enabled_events, ['*']);
        assert.equal(disabled.description, null);
        assert.equal((await stripe.webhookEndpoints.update(created.id, { disabled: false })).status, 'enabled');
        const listed = await stripe.webhookEndpoints.list({ limit: 100 });
        assert.ok(listed.data.some((endpoint) => endpoint.id === created.id));
        assert.ok(listed.data.every((endpoint) => endpoint.secret === undefined));
        const deleted = await stripe.webhookEndpoints.del(created.id);
        assert.deepEqual(deleted, { id: created.id, object: 'webhook_endpoint', deleted: true });
        await assert.rejects(stripe.webhookEndpoints.retrieve(created.id), {
          statusCode: 404,
          code: 'resource_missing',
        });
        assert.ok(
          !(await listAll(stripe.webhookEndpoints.list({ limit: 100 }))).some((endpoint) => endpoint.id === created.id),
        );
        endpoints.splice(endpoints.indexOf(created.id), 1);
      });

      it('bad input: clear 4xx at configuration time', async () => {
        const bad = async (form: Record<string, unknown>, param: string) => {
          const response = await api('POST', '/v1/webhook_endpoints', form);
          assert.equal(response.status, 400, response.text);
          assert.equal(response.body.error.param, param, response.text);
          assert.equal(response.body.error.type, 'invalid_request_error');
        };
        await bad({ url: 'not a url', enabled_events: ['*'] }, 'url');
        await bad({ url: 'ftp://example.com/hook', enabled_events: ['*'] }, 'url');
        await bad({ url: receiver.url, enabled_events: ['payment_intent.exploded'] }, 'enabled_events[0]');
        await bad({ url: receiver.url, enabled_events: ['*', 'charge.nope'] }, 'enabled_events[1]');
        await bad({ enabled_events: ['*'] }, 'url');
        await bad({ url: receiver.url }, 'enabled_events');
        await bad({ url: receiver.url, enabled_events: ['*'], api_version: 'yesterday' }, 'api_version');
        await bad({ url: receiver.url, enabled_events: ['*'], colour: 'red' }, 'colour');
        const update = await api('POST', '/v1/webhook_endpoints/we_missing', { disabled: 'true' });
        assert.equal(update.status, 404);
      });

      it('at most 16 endpoints per account, also when created concurrently', async () => {
        // 20 creates at once: exactly 16 land (the limit is checked in the commit that inserts).
        const raced = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            api('POST', '/v1/webhook_endpoints', {
              url: `${receiver.url}?race=${i}`,
              enabled_events: ['refund.failed'],
            }),
          ),
        );
        assert.equal(raced.filter((r) => r.status === 200).length, 16, raced.map((r) => r.status).join(','));
        assert.ok(raced.filter((r) => r.status !== 200).every((r) => r.status === 400));
        assert.equal((await ok('GET', '/v1/webhook_endpoints?limit=100')).data.length, 16);
        for (const r of raced.filter((r) => r.status === 200)) await ok('DELETE', `/v1/webhook_endpoints/${r.body.id}`);

        const made: string[] = [];
        for (let i = 0; i < 16; i += 1)
          made.push(
            (
              await ok('POST', '/v1/webhook_endpoints', {
                url: `${receiver.url}?n=${i}`,
                enabled_events: ['refund.failed'],
              })
            ).id,
          );
        const over = await api('POST', '/v1/webhook_endpoints', { url: receiver.url, enabled_events: ['*'] });
        assert.equal(over.status, 400, over.text);
        assert.match(over.body.error.message, /maximum of 16 webhook endpoints/);
        await ok('DELETE', `/v1/webhook_endpoints/${made.pop()!}`);
        made.push(
          (await ok('POST', '/v1/webhook_endpoints', { url: receiver.url, enabled_events: ['refund.failed'] })).id,
        );
        for (const id of made) await ok('DELETE', `/v1/webhook_endpoints/${id}`);
      });
    });

    describe('delivery', () => {
      it('each event reaches the endpoint signed (constructEvent), with Stripe headers and pending_webhooks kept', async () => {
        await clearEndpoints();
        receiver.received.length = 0;
        receiver.behaviour = () => 200;
        const endpoint = await newEndpoint(['*']);
        const only = await newEndpoint(['payment_intent.amount_capturable_updated']);
        const pi = await paymentIntent();
        await ok('POST', `/opentill/v1/test/payment_intents/${pi.id}/present_card`, {});
        const about = (r: Received) => {
          const object = (r.event['data'] as { object?: { id?: string; payment_intent?: string } } | undefined)?.object;
          return object?.id === pi.id || object?.payment_intent === pi.id;
        };
        await receiver.waitFor(
          (all) => all.filter(about).length >= 4,
          10_000,
          'created, charge.succeeded and 2× amount_capturable_updated',
        );
        const mine = receiver.received.filter(about);
        assert.deepEqual(mine.map((r) => r.event.type).sort(), [
          'charge.succeeded',
          'payment_intent.amount_capturable_updated',
          'payment_intent.amount_capturable_updated',
          'payment_intent.created',
        ]);
        for (const received of mine) {
          assert.equal(received.headers['user-agent'], 'Stripe/1.0 (+https://stripe.com/docs/webhooks)');
          assert.equal(received.headers['content-type'], 'application/json; charset=utf-8');
          assert.match(String(received.headers['stripe-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
        }
        // Each delivery verifies with its own endpoint's secret, and only with it.
        const verifiedBy = mine.map((received) => {
          try {
            verify(received, endpoint.secret!);
            return 'all';
          } catch {
            verify(received, only.secret!);
            return 'only';
          }
        });
        assert.deepEqual(verifiedBy.filter((v) => v === 'only').length, 1);
        const created = mine.find((r) => r.event.type === 'payment_intent.created')!;
        const event = verify(created, endpoint.secret!);
        assert.equal(event.object, 'event');
        assert.equal((event.data.object as Stripe.PaymentIntent).id, pi.id);
        assert.equal(event.pending_webhooks, 1, 'owed to one endpoint when sent');
        const capturable = mine.find((r) => r.event.type === 'payment_intent.amount_capturable_updated')!;
        assert.equal(capturable.event['pending_webhooks'], 2, 'owed to both endpoints when sent');
        // Once delivered, nothing is owed.
        await waitUntil(
          async () => (await stripe.events.retrieve(capturable.event.id)).pending_webhooks === 0,
          'pending_webhooks 0',
        );
        // The log shows the attempts.
        const log = await ok('GET', `/opentill/v1/webhook_attempts?event=${capturable.event.id}`);
        assert.equal(log.data.length, 2);
        for (const attempt of log.data) {
          assert.equal(attempt.http_status, 200);
          assert.equal(attempt.response_excerpt, 'ok');
          assert.equal(attempt.next_retry_at, null);
          assert.equal(typeof attempt.latency_ms, 'number');
        }
      });

      it('failures are retried with backoff on the test clock until a 2xx; the log shows each attempt and the next retry', async () => {
        await clearEndpoints();
        receiver.received.length = 0;
        // The first event fails three times; later ones (the markers below) succeed at once.
        let failures = 3;
        let failing: string | null = null;
        receiver.behaviour = (request) => {
          failing ??= request.event.id;
          return request.event.id === failing && failures-- > 0 ? 503 : 200;
        };
        const endpoint = await newEndpoint(['payment_intent.created']);
        await paymentIntent();
        await receiver.waitFor((all) => all.length >= 1, 10_000, 'first attempt');
        const eventId = receiver.received[0]!.event.id;
        const sent = () => receiver.received.filter((r) => r.event.id === eventId).length;
        const attempts = async () =>
          (await ok('GET', `/opentill/v1/webhook_attempts?event=${eventId}`)).data as Array<
            Record<string, RawResponse['body']>
          >;
        await waitUntil(async () => (await attempts()).length === 1, 'first attempt logged');
        const first = (await attempts())[0]!;
        assert.equal(first.http_status, 503);
        assert.equal(first.error, 'HTTP 503');
        assert.equal(first.response_excerpt, 'status 503');
        // Retry 1 is due within 1 min (jittered into [30 s, 60 s]); nothing happens before.
        assert.ok(
          first.next_retry_at - first.created >= 29 && first.next_retry_at - first.created <= 60,
          JSON.stringify(first),
        );
        // Nothing before its time. Marker: a later event to the same endpoint, delivered after the
        // first attempt was logged, so the dispatcher has claimed again since.
        const marker = await paymentIntent();
        await receiver.waitFor(
          (all) => all.some((r) => (r.event['data'] as { object: { id: string } }).object.id === marker.id),
          10_000,
          'the marker event',
        );
        assert.equal(sent(), 1, 'no retry before its time');
        assert.equal((await stripe.events.retrieve(eventId)).pending_webhooks, 1);
        await advance(60);
        await receiver.waitFor(() => sent() >= 2, 10_000, 'retry 1');
        await waitUntil(async () => (await attempts()).length === 2, 'retry 1 logged');
        const second = (await attempts())[0]!;
        assert.ok(
          second.next_retry_at - second.created <= 120 && second.next_retry_at - second.created >= 59,
          'retry 2 within 2 min',
        );
        await advance(120);
        await receiver.waitFor(() => sent() >= 3, 10_000, 'retry 2');
        await waitUntil(async () => (await attempts()).length === 3, 'retry 2 logged');
        await advance(240);
        await receiver.waitFor(() => sent() >= 4, 10_000, 'retry 3');
        await waitUntil(async () => (await stripe.events.retrieve(eventId)).pending_webhooks === 0, 'delivered');
        const log = await attempts();
        assert.deepEqual(
          log.map((a) => a.http_status),
          [200, 503, 503, 503],
        );
        assert.deepEqual(
          log.map((a) => a.attempt),
          [4, 3, 2, 1],
        );
        assert.equal(sent(), 4);
        for (const received of receiver.received) verify(received, endpoint.secret!);
        const deliveries = await ok('GET', `/opentill/v1/webhook_deliveries?event=${eventId}`);
        assert.equal(deliveries.data.length, 1);
        assert.equal(deliveries.data[0].state, 'succeeded');
        assert.equal(deliveries.data[0].attempt_count, 4);
      });

      it('Stripe-Signature carries the wall clock, whatever the account clock says, and each retry is signed afresh', async () => {
        await clearEndpoints();
        receiver.received.length = 0;
        let failures = 1;
        receiver.behaviour = (request) =>
          request.event.type === 'payment_intent.created' && failures-- > 0 ? 503 : 200;
        // Days ahead on the test clock: a timestamp taken from it would be days in the future, which
        // constructEvent still accepts (it only bounds how old a signature is).
        await advance(3 * 24 * 3600);
        const endpoint = await newEndpoint(['payment_intent.created']);
        const signedAt = (received: Received) =>
          Number(/^t=(\d+),/.exec(String(received.headers['stripe-signature']))?.[1]);
        /** The signature's `t` lies between the wall clock before the request was caused and after it arrived. */
        const assertWallClock = (received: Received, before: number) => {
          const t = signedAt(received);
          assert.ok(
            t >= Math.floor(before / 1000) && t <= Math.ceil(received.at / 1000),
            `t=${t} is not wall-clock time (${Math.floor(before / 1000)}…${Math.ceil(received.at / 1000)})`,
          );
          verify(received, endpoint.secret!);
        };
        const beforeFirst = Date.now();
        await paymentIntent();
        await receiver.waitFor((all) => all.length >= 1, 10_000, 'first attempt');
        const first = receiver.received[0]!;
        assertWallClock(first, beforeFirst);
        // The retry happens in a later wall-clock second than the first signature, so a re-used
        // timestamp shows. Bounded: the clock reaches the next second within 1 s.
        for (let tries = 0; Math.floor(Date.now() / 1000) <= signedAt(first); tries += 1) {
          assert.ok(tries < 100, 'the wall clock reaches the next second');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const beforeRetry = Date.now();
        await advance(60);
        await receiver.waitFor((all) => all.length >= 2, 10_000, 'the retry');
        const retry = receiver.received[1]!;
        assert.equal(retry.event.id, first.event.id);
        assertWallClock(retry, beforeRetry);
        assert.ok(signedAt(retry) > signedAt(first), 'the retry is signed again, with its own timestamp');
      });

      it('a rolled secret: both signatures during the grace period, each verifies with constructEvent', async () => {
        await clearEndpoints();
        receiver.received.length = 0;
        receiver.behaviour = () => 200;
        const endpoint = await newEndpoint(['payment_intent.created']);
        const rolled = await ok('POST', `/opentill/v1/webhook_endpoints/${endpoint.id}/roll_secret`, {
          expires_in_seconds: 3600,
        });
        assert.match(rolled.secret, /^whsec_/);
        assert.notEqual(rolled.secret, endpoint.secret);
        await paymentIntent();
        await receiver.waitFor((all) => all.length >= 1);
        const [first] = receiver.received;
        assert.match(String(first!.headers['stripe-signature']), /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
        verify(first!, endpoint.secret!);
        verify(first!, rolled.secret);
        await advance(3601);
        await paymentIntent();
        await receiver.waitFor((all) => all.length >= 2);
        const second = receiver.received[1]!;
        assert.match(String(second.headers['stripe-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
        verify(second, rolled.secret);
        assert.throws(() => verify(second, endpoint.secret!), /No signatures found matching/);
      });

      it('a disabled endpoint gets nothing; a deleted one stops retrying', async () => {
        await clearEndpoints();
        receiver.received.length = 0;
        receiver.behaviour = () => 500;
        const endpoint = await newEndpoint(['payment_intent.created']);
        await stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
        // The control: an enabled endpoint on another receiver gets each event.
        const control = await startReceiver();
        const controlEndpoint = await newEndpoint(['payment_intent.created'], control.url);
        try {
          const first = await paymentIntent();
          const events = await stripe.events.list({ type: 'payment_intent.created', limit: 1 });
          assert.equal((events.data[0]!.data.object as Stripe.PaymentIntent).id, first.id);
          // Nothing is even queued for the disabled endpoint: the event's only delivery is the control's.
          const queued = await ok('GET', `/opentill/v1/webhook_deliveries?event=${events.data[0]!.id}`);
          assert.deepEqual(
            queued.data.map((d: { endpoint: string }) => d.endpoint),
            [controlEndpoint.id],
          );
          await control.waitFor((all) => all.some((r) => r.event.id === events.data[0]!.id), 10_000, 'the control');
          assert.equal(receiver.received.length, 0);
          await waitUntil(
            async () => (await stripe.events.retrieve(events.data[0]!.id)).pending_webhooks === 0,
            'control delivered',
          );
        } finally {
          await stripe.webhookEndpoints.del(controlEndpoint.id);
          endpoints.splice(endpoints.indexOf(controlEndpoint.id), 1);
          await control.close();
        }
        await stripe.webhookEndpoints.update(endpoint.id, { disabled: false });
        await paymentIntent();
        await receiver.waitFor((all) => all.length >= 1);
        const eventId = receiver.received[0]!.event.id;
        await waitUntil(
          async () => (await ok('GET', `/opentill/v1/webhook_attempts?event=${eventId}`)).data.length === 1,
          'attempt',
        );
        await stripe.webhookEndpoints.del(endpoint.id);
        endpoints.splice(endpoints.indexOf(endpoint.id), 1);
        await waitUntil(async () => (await stripe.events.retrieve(eventId)).pending_webhooks === 0, 'canceled');
        const deliveries = await ok('GET', `/opentill/v1/webhook_deliveries?event=${eventId}`);
        assert.equal(deliveries.data.length, 1);
        assert.equal(deliveries.data[0].state, 'canceled');
        // Past the retry's time, and a marker endpoint that gets an event created afterwards: by then
        // the dispatcher has claimed every due delivery, and the canceled one stays canceled.
        await advance(3600);
        await markerDelivered();
        assert.equal(receiver.received.length, 1, 'no retry after deletion');
        const after = await ok('GET', `/opentill/v1/webhook_deliveries?event=${eventId}`);
        assert.deepEqual(
          after.data.map((d: { state: string; attempt_count: number }) => [d.state, d.attempt_count]),
          [['canceled', 1]],
        );
      });
    });

    describe('operability', () => {
      it('fault injection: drop (missing webhook, then resend) and delay (late webhook)', async () => {
        await clearEndpoints();
        receiver.received.length = 0;
        receiver.behaviour = () => 200;
        const endpoint = await newEndpoint(['payment_intent.created']);
        await ok('POST', `/opentill/v1/test/webhook_endpoints/${endpoint.id}/fault`, { mode: 'drop' });
        const dropped = await paymentIntent();
        const events = await stripe.events.list({ type: 'payment_intent.created', limit: 1 });
        const eventId = events.data[0]!.id;
        assert.equal((events.data[0]!.data.object as Stripe.PaymentIntent).id, dropped.id);
        await waitUntil(
          async () => (await ok('GET', `/opentill/v1/webhook_attempts?endpoint=${endpoint.id}`)).data.length === 1,
          'drop logged',
        );
        const log = await ok('GET', `/opentill/v1/webhook_attempts?endpoint=${endpoint.id}`);
        assert.match(log.data[0].error, /dropped by fault injection/);
        assert.equal(log.data[0].http_status, null);
        // Dropped is final: the delivery is failed (never claimed again), and nothing arrived.
        const droppedDelivery = await ok('GET', `/opentill/v1/webhook_deliveries?event=${eventId}`);
        assert.deepEqual(
          droppedDelivery.data.map((d: { state: string; next_attempt_at: number | null }) => [
            d.state,
            d.next_attempt_at,
          ]),
          [['failed', null]],
        );
        assert.equal(receiver.received.length, 0, 'a dropped webhook never arrives by itself');
        assert.equal((await stripe.events.retrieve(eventId)).pending_webhooks, 0);

        await ok('POST', `/opentill/v1/test/webhook_endpoints/${endpoint.id}/fault`, { mode: 'none' });
        const resent = await ok('POST', `/opentill/v1/events/${eventId}/resend`, { endpoint: endpoint.id });
        assert.equal(resent.object, 'opentill.webhook_delivery');
        assert.equal(resent.state, 'pending');
        await receiver.waitFor((all) => all.length >= 1);
        assert.equal(verify(receiver.received[0]!, endpoint.secret!).id, eventId);

        await ok('POST', `/opentill/v1/test/webhook_endpoints/${endpoint.id}/fault`, {
          mode: 'delay',
          delay_seconds: 600,
        });
        await paymentIntent();
        const delayedEvent = (await stripe.events.list({ type: 'payment_intent.created', limit: 1 })).data[0]!.id;
        // The dispatcher took it and put it back, due 600 s after it was queued, with no attempt made.
        const delayed = async () => (await ok('GET', `/opentill/v1/webhook_deliveries?event=${delayedEvent}`)).data[0];
        await waitUntil(async () => {
          const d = await delayed();
          return d.next_attempt_at - d.created === 600;
        }, 'the delay scheduled');
        assert.deepEqual([(await delayed()).state, (await delayed()).attempt_count], ['pending', 0]);
        assert.equal(receiver.received.length, 1, 'delayed');
        // The account clock keeps running with the wall clock, and under load seconds pass between
        // these steps: stop a minute short of the 600 s (599 s failed on a busy machine), then pass it.
        await advance(540);
        await markerDelivered();
        assert.equal(receiver.received.length, 1, 'still delayed');
        assert.equal((await delayed()).attempt_count, 0);
        await advance(61);
        await receiver.waitFor((all) => all.length >= 2, 10_000, 'the late webhook');
        await ok('POST', `/opentill/v1/test/webhook_endpoints/${endpoint.id}/fault`, { mode: 'none' });
        const badFault = await api('POST', `/opentill/v1/test/webhook_endpoints/${endpoint.id}/fault`, {
          mode: 'delay',
        });
        assert.equal(badFault.status, 400);
        const missing = await api('POST', `/opentill/v1/events/evt_missing/resend`, { endpoint: endpoint.id });
        assert.equal(missing.status, 404);
      });

      it('bad receivers: hangs, redirects, huge bodies and resets are bounded failures; nothing is lost', async () => {
        await clearEndpoints();
        receiver.received.length = 0;
        const hang = await startReceiver(() => () => undefined);
        const redirect = await startReceiver(() => (res) => {
          res.writeHead(302, { Location: 'http://example.com/' });
          res.end();
        });
        const huge = await startReceiver(() => (res) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          const chunk = 'x'.repeat(64 * 1024);
          let sent = 0;
          const more = () => {
            while (sent < 200 && res.write(chunk)) sent += 1;
            if (sent < 200) res.once('drain', more);
            else res.end();
          };
          more();
        });
        const reset = await startReceiver(() => (res) => res.socket?.destroy());
        try {
          const made: Stripe.WebhookEndpoint[] = [];
          for (const bad of [hang, redirect, huge, reset])
            made.push(await newEndpoint(['payment_intent.created'], bad.url));
          await paymentIntent();
          await waitUntil(
            async () => {
              const all = await Promise.all(
                made.map((e) => ok('GET', `/opentill/v1/webhook_attempts?endpoint=${e.id}`)),
              );
              return all.every((log) => log.data.length === 1);
            },
            'one attempt each',
            10_000,
          );
          const [hung, redirected, big, resetLog] = await Promise.all(
            made.map(async (e) => (await ok('GET', `/opentill/v1/webhook_attempts?endpoint=${e.id}`)).data[0]),
          );
          assert.match(hung.error, /timed out after 1500 ms/);
          assert.equal(hung.http_status, null);
          assert.equal(redirected.http_status, 302);
          assert.match(redirected.error, /redirect not followed/);
          assert.equal(big.http_status, 500);
          assert.ok(big.response_excerpt.length <= 1024);
          assert.match(resetLog.error, /ECONNRESET|socket hang up/);
          for (const log of [hung, redirected, big, resetLog]) assert.ok(log.next_retry_at !== null, 'will be retried');
          assert.equal(redirect.received.length, 1);
        } finally {
          for (const bad of [hang, redirect, huge, reset]) await bad.close();
        }
      });

      it('an endpoint failing for its whole retry window is disabled, with an event', async () => {
        await clearEndpoints();
        receiver.received.length = 0;
        // Fails everything but the notification to the watcher.
        receiver.behaviour = (request) => (request.event.type === 'opentill.webhook_endpoint.disabled' ? 200 : 500);
        const endpoint = await newEndpoint(['payment_intent.created']);
        const watcher = await newEndpoint(['opentill.webhook_endpoint.disabled'], `${receiver.url}?watcher`);
        await paymentIntent();
        await receiver.waitFor((all) => all.length >= 1);
        const eventId = receiver.received[0]!.event.id;
        const delivery = async () =>
          (await ok('GET', `/opentill/v1/webhook_deliveries?event=${eventId}&endpoint=${endpoint.id}`)).data[0];
        // The receiver can see the first attempt before the sender records it; advancing the clock in
        // that gap would move the first retry an hour later and leave one attempt fewer in the window.
        await waitUntil(async () => (await delivery())?.attempt_count >= 1, 'attempt 1 recorded');
        // 1, 2, 4, 8, 16, 32, 60, 60 … minutes: each hour makes exactly the next attempt due, and the
        // 3 h window ends after ~9 attempts. Each round waits for its attempt (or the end).
        for (let round = 0; (await delivery()).state === 'pending'; round += 1) {
          assert.ok(round < 14, 'given up within the 3 h window');
          const made = (await delivery()).attempt_count;
          await advance(3600);
          await waitUntil(
            async () => {
              const d = await delivery();
              return d.state !== 'pending' || d.attempt_count > made;
            },
            `attempt ${made + 1}`,
          );
        }
        const final = await delivery();
        assert.equal(final.state, 'failed');
        await waitUntil(
          async () => (await stripe.webhookEndpoints.retrieve(endpoint.id)).status === 'disabled',
          'disabled',
          15_000,
        );
        const log = await ok('GET', `/opentill/v1/webhook_attempts?endpoint=${endpoint.id}&limit=100`);
        assert.equal(log.data.length, final.attempt_count);
        assert.ok(log.data.length >= 4, `several attempts (${log.data.length})`);
        assert.equal(log.data[0].next_retry_at, null, 'the last attempt schedules nothing');
        const disabledEvents = await stripe.events.list({ type: 'opentill.webhook_endpoint.disabled', limit: 5 });
        assert.equal(disabledEvents.data.length, 1);
        assert.equal((disabledEvents.data[0]!.data.object as unknown as Stripe.WebhookEndpoint).id, endpoint.id);
        assert.equal(
          (disabledEvents.data[0]!.data.object as unknown as Record<string, unknown>)['_internal'],
          undefined,
        );
        // The watcher (explicitly subscribed) hears about it; '*' endpoints would not.
        await receiver.waitFor(
          (all) => all.some((r) => r.event.type === 'opentill.webhook_endpoint.disabled'),
          10_000,
          'disabled event',
        );
        verify(receiver.ofType('opentill.webhook_endpoint.disabled')[0]!, watcher.secret!);
      });
    });
  });
}
