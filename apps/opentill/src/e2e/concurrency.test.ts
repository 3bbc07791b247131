/**
 * Concurrent requests on one PaymentIntent never double-capture or over-refund: two server
 * processes sharing one PostgreSQL schema (the multi-node setup), and two sharing one SQLite file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Stripe from 'stripe';
import { limits } from '@opentill/core';
import { freshSchema, startServer, testPostgres, type RunningServer } from '@opentill/testkit';
import {
  assertError,
  authorizedIntent,
  raw,
  stopServer,
  stripeFor,
  type Harness,
  type RawResponse,
} from './helpers.js';

const attempts = 20;

function harnessOf(server: RunningServer, key: string): Harness {
  return {
    server,
    stripe: stripeFor(server, key),
    api: (method, path, options = {}) => raw(server, method, path, { key, ...options }),
  };
}

/** Only a success, a state error or a lock timeout may come back; never a 5xx. */
function checkOutcomes(responses: RawResponse[], allowed: number[]): void {
  for (const response of responses) {
    assert.ok(allowed.includes(response.status), `unexpected ${response.status}: ${response.text.slice(0, 300)}`);
    if (response.status >= 400) assertError(response, response.status);
    if (response.status === 429) assert.equal(response.body.error.code, 'lock_timeout');
  }
}

/** How many responses succeeded (`ok`) and how many failed with each error code. */
function outcomes(responses: RawResponse[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const response of responses) {
    const key = response.status === 200 ? 'ok' : String(response.body?.error?.code);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Every event of a type, all pages. */
async function allEvents(h: Harness, type: string): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of h.stripe.events.list({ type, limit: 100 })) events.push(event);
  return events;
}

/**
 * `start` pushes each node into `nodes` as soon as it runs and sets the cleanup first, so a node
 * that fails to start never leaves the others running (a live child would keep this file alive).
 */
function suite(
  name: string,
  start: (nodes: RunningServer[], setCleanup: (fn: () => Promise<void>) => void) => Promise<void>,
) {
  describe(name, () => {
    const nodes: RunningServer[] = [];
    let cleanup: () => Promise<void> = async () => undefined;
    let h: Harness;
    before(async () => {
      await start(nodes, (fn) => {
        cleanup = fn;
      });
      h = harnessOf(nodes[0]!, nodes[0]!.secretKey);
    });
    after(async () => {
      for (const node of nodes) await stopServer(node);
      await cleanup();
    });
    /** Sends request `i` to node `i % nodes`. */
    const spread = (count: number, send: (node: RunningServer, i: number) => Promise<RawResponse>) =>
      Promise.all(Array.from({ length: count }, (_, i) => send(nodes[i % nodes.length]!, i)));
    const post = (node: RunningServer, path: string, form: string) =>
      raw(node, 'POST', path, { key: nodes[0]!.secretKey, form });

    it('both nodes see the same account', async () => {
      const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
      for (const node of nodes) {
        const seen = await raw(node, 'GET', `/v1/payment_intents/${pi.id}`, { key: nodes[0]!.secretKey });
        assert.equal(seen.status, 200, seen.text);
      }
    });

    it('a live event stream (opentill listen) on one node gets the events committed on the other, once each', async () => {
      const [a, b] = [nodes[0]!, nodes[1]!];
      const controller = new AbortController();
      const response = await fetch(`${a.baseUrl}/opentill/v1/events/stream?events=payment_intent.created`, {
        headers: { authorization: `Bearer ${a.secretKey}` },
        signal: controller.signal,
      });
      assert.equal(response.status, 200);
      const reader = response.body!.getReader();
      let text = '';
      const received = (id: string) => text.split(`"id":"${id}"`).length - 1;
      // The stream is bounded twice: a number of reads, and an abort if it goes quiet.
      const quiet = setTimeout(() => controller.abort(), 30_000);
      const until = async (check: () => boolean) => {
        for (let reads = 0; !check(); reads += 1) {
          assert.ok(reads < 1_000, `no match after ${reads} reads:\n${text}`);
          const chunk = await reader.read();
          if (chunk.done) throw new Error(`stream ended:\n${text}`);
          text += new TextDecoder().decode(chunk.value);
        }
      };
      await until(() => text.includes('event: ready'));
      const onB = JSON.parse((await post(b, '/v1/payment_intents', 'amount=1200&currency=usd')).text) as { id: string };
      const onA = JSON.parse((await post(a, '/v1/payment_intents', 'amount=1300&currency=usd')).text) as { id: string };
      const events = await h.stripe.events.list({ type: 'payment_intent.created', limit: 10 });
      const eventOf = (pi: string) => events.data.find((e) => (e.data.object as { id: string }).id === pi)!.id;
      await until(() => received(eventOf(onB.id)) > 0 && received(eventOf(onA.id)) > 0);
      // Once each, even though node A also reads back its own events from the store. The marker is
      // one more event committed on node B: A's stream can only get it from a store catch-up that
      // read everything after A's own event, and the stream is in order, so anything that catch-up
      // sent twice is in the text by the time the marker is.
      const last = JSON.parse((await post(b, '/v1/payment_intents', 'amount=1400&currency=usd')).text) as {
        id: string;
      };
      const lastEvent = (await h.stripe.events.list({ type: 'payment_intent.created', limit: 1 })).data[0]!;
      assert.equal((lastEvent.data.object as { id: string }).id, last.id);
      await until(() => received(lastEvent.id) > 0);
      clearTimeout(quiet);
      controller.abort();
      assert.equal(received(eventOf(onB.id)), 1);
      assert.equal(received(eventOf(onA.id)), 1);
    });

    it(`${attempts} concurrent captures: exactly one succeeds, every other one sees it captured`, async () => {
      for (const amountToCapture of [undefined, 700]) {
        const pi = await authorizedIntent(h);
        const form = amountToCapture ? `amount_to_capture=${amountToCapture}` : '';
        const responses = await spread(attempts, (node) => post(node, `/v1/payment_intents/${pi.id}/capture`, form));
        // A loser conflicts at most once (only one capture ever commits), far below the retry limit:
        // it reloads and answers the state error. A lock_timeout here means the retry did not happen.
        checkOutcomes(responses, [200, 400]);
        assert.deepEqual(outcomes(responses), { ok: 1, payment_intent_unexpected_state: attempts - 1 });
        const charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
        assert.equal(charge.amount_captured, amountToCapture ?? 1000);
        const events = await allEvents(h, 'charge.captured');
        assert.equal(events.filter((e) => (e.data.object as { id: string }).id === charge.id).length, 1);
      }
    });

    it(`${limits.commitRetryCountMax} concurrent metadata updates: every one succeeds, every key is kept`, async () => {
      // n writers of one object: writer k conflicts at most k - 1 times (each conflict is another
      // writer's commit), so with n = commitRetryCountMax every one commits within its retries.
      const n = limits.commitRetryCountMax;
      const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
      const responses = await spread(n, (node, i) =>
        post(node, `/v1/payment_intents/${pi.id}`, `metadata[key_${i}]=value_${i}`),
      );
      checkOutcomes(responses, [200]);
      const final = await h.stripe.paymentIntents.retrieve(pi.id);
      assert.deepEqual(
        final.metadata,
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`key_${i}`, `value_${i}`])),
      );
    });

    it(`${attempts} concurrent refunds: exactly as many as fit in the charge`, async () => {
      const pi = await authorizedIntent(h, { capture_method: 'automatic', amount: 1000 });
      const responses = await spread(attempts, (node) =>
        post(node, '/v1/refunds', `payment_intent=${pi.id}&amount=300`),
      );
      // Three refunds of 300 fit in 1000; a loser conflicts at most three times (< the retry limit).
      checkOutcomes(responses, [200, 400]);
      assert.deepEqual(outcomes(responses), { ok: 3, amount_too_large: attempts - 3 });
      const charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
      const refunds = await h.stripe.refunds.list({ charge: charge.id, limit: 100 });
      assert.deepEqual(
        refunds.data.map((r) => r.id).sort(),
        responses
          .filter((r) => r.status === 200)
          .map((r) => String(r.body.id))
          .sort(),
        'every stored refund was answered 200',
      );
      assert.equal(charge.amount_refunded, 900);
    });

    it(`${attempts} concurrent full refunds: exactly one`, async () => {
      const pi = await authorizedIntent(h, { capture_method: 'automatic', amount: 1000 });
      const responses = await spread(attempts, (node) => post(node, '/v1/refunds', `charge=${pi.latest_charge}`));
      checkOutcomes(responses, [200, 400]);
      assert.deepEqual(outcomes(responses), { ok: 1, charge_already_refunded: attempts - 1 });
      const charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
      assert.equal(charge.amount_refunded, 1000);
      assert.equal((await h.stripe.refunds.list({ charge: charge.id })).data.length, 1);
    });

    it(`${attempts} concurrent card presentations: one authorization, one charge`, async () => {
      const pi = await h.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', capture_method: 'manual' });
      const responses = await spread(attempts, (node) =>
        post(node, `/opentill/v1/test/payment_intents/${pi.id}/present_card`, ''),
      );
      checkOutcomes(responses, [200, 400]);
      // A loser is refused by the route's early state check (intent_invalid_state) or, if it got
      // past it before the winner committed, by confirm after its reload: which one is a race.
      const { ok, ...refused } = outcomes(responses);
      assert.equal(ok, 1);
      assert.deepEqual(
        Object.keys(refused).filter(
          (code) => code !== 'intent_invalid_state' && code !== 'payment_intent_unexpected_state',
        ),
        [],
      );
      const charges = await h.stripe.charges.list({ payment_intent: pi.id, limit: 100 });
      assert.equal(charges.data.length, 1);
      const final = await h.stripe.paymentIntents.retrieve(pi.id);
      assert.equal(final.status, 'requires_capture');
      assert.equal(final.latest_charge, charges.data[0]!.id);
    });

    it(`${attempts} concurrent increments: at most 10 attempts, amounts consistent`, async () => {
      const pi = await authorizedIntent(h, {
        payment_method_options: { card_present: { request_incremental_authorization_support: true } },
      });
      const responses = await spread(attempts, (node, i) =>
        post(node, `/v1/payment_intents/${pi.id}/increment_authorization`, `amount=${1100 + i * 100}`),
      );
      checkOutcomes(responses, [200, 400, 429]);
      const ok = responses.filter((r) => r.status === 200);
      assert.ok(ok.length >= 1 && ok.length <= 10, `successes: ${ok.length}`);
      const final = await h.stripe.paymentIntents.retrieve(pi.id);
      const charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
      assert.equal(final.amount_capturable, final.amount);
      assert.equal(charge.amount, final.amount);
      assert.equal(final.amount, Math.max(...ok.map((r) => Number(r.body.amount))));
    });

    it('captures, cancels and refunds racing on one authorization stay consistent', async () => {
      const pi = await authorizedIntent(h, { amount: 1000 });
      const responses = await spread(attempts, (node, i) => {
        if (i % 4 === 0) return post(node, `/v1/payment_intents/${pi.id}/cancel`, '');
        if (i % 4 === 1) return post(node, `/v1/payment_intents/${pi.id}/capture`, '');
        return post(node, '/v1/refunds', `payment_intent=${pi.id}&amount=250`);
      });
      // At most five commits ever succeed here (a capture or a cancel, four refunds): no lock_timeout.
      checkOutcomes(responses, [200, 400]);
      const final = await h.stripe.paymentIntents.retrieve(pi.id);
      const charge = await h.stripe.charges.retrieve(String(pi.latest_charge));
      const refunds = await h.stripe.refunds.list({ charge: charge.id, limit: 100 });
      const captures = responses.filter((r, i) => i % 4 === 1 && r.status === 200).length;
      const cancels = responses.filter((r, i) => i % 4 === 0 && r.status === 200).length;
      assert.equal(captures + cancels, 1, 'the authorization is either captured or released, once');
      if (final.status === 'canceled') {
        assert.equal(refunds.data.length, 0);
        assert.equal(charge.captured, false);
      } else {
        assert.equal(final.status, 'succeeded');
        const refunded = refunds.data.reduce((sum, r) => sum + r.amount, 0);
        assert.equal(charge.amount_refunded, refunded);
        assert.ok(refunded <= 1000);
      }
    });
  });
}

suite('concurrency: two nodes on one PostgreSQL schema', async (nodes, setCleanup) => {
  const pg = await testPostgres();
  const schema = await freshSchema(pg.url, 'e2e_concurrency');
  setCleanup(schema.drop);
  const first = await startServer({ store: 'postgres', name: 'node_a', database: schema.url });
  nodes.push(first);
  // Same key on the second node: it finds the account the first one created.
  nodes.push(
    await startServer({ store: 'postgres', name: 'node_b', database: schema.url, secretKey: first.secretKey }),
  );
});

suite('concurrency: two processes on one SQLite file', async (nodes, setCleanup) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'opentill-concurrency-'));
  setCleanup(async () => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startServer({ store: 'sqlite', name: 'sqlite_a', dataDir });
  nodes.push(first);
  nodes.push(await startServer({ store: 'sqlite', name: 'sqlite_b', dataDir, secretKey: first.secretKey }));
});
