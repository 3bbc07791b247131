/**
 * The auditor must be able to fail: each invariant is shown a database that breaks it (and one
 * that keeps it), built directly in SQLite.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import Stripe from 'stripe';
import { SqliteStore } from '@opentill/store-sqlite';
import { audit } from './auditor.js';
import type { Sent } from './client.js';
import type { Received } from './receivers.js';

type Json = Record<string, unknown>;

async function database(
  objects: Json[],
  deliveries: Array<{ event: string; endpoint: string; state: string }> = [],
): Promise<Buffer> {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  const db = new Database(store.serialize());
  await store.close();
  const insert = db.prepare(
    'INSERT INTO objects (id, account_id, type, created, version, data) VALUES (?, ?, ?, ?, 1, ?)',
  );
  for (const object of objects) insert.run(object['id'], 'acct_1', object['object'], 0, JSON.stringify(object));
  const delivery =
    db.prepare(`INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_id, event_type, state, created_ms)
    VALUES (?, 'acct_1', ?, ?, 'x', ?, 0)`);
  deliveries.forEach((row, index) => delivery.run(`whd_${index}`, row.endpoint, row.event, row.state));
  const bytes = db.serialize();
  db.close();
  return bytes;
}

const intent = (id: string, fields: Json = {}): Json => ({
  id,
  object: 'payment_intent',
  status: 'requires_payment_method',
  amount: 1000,
  amount_received: 0,
  metadata: {},
  ...fields,
});
const charge = (id: string, fields: Json = {}): Json => ({
  id,
  object: 'charge',
  payment_intent: 'pi_1',
  amount: 1000,
  amount_captured: 1000,
  amount_refunded: 0,
  captured: true,
  status: 'succeeded',
  ...fields,
});
const event = (id: string, type: string, object: Json, key: string | null = null): Json => ({
  id,
  object: 'event',
  type,
  data: { object },
  request: { id: null, idempotency_key: key },
});
const answered = (kind: string, key: string, status: number, body: Json): Sent => ({
  kind,
  key,
  method: 'POST',
  path: `/v1/${kind}`,
  body: '',
  firstAtMs: 0,
  attempts: 1,
  answers: [{ status, body: JSON.stringify(body), replayed: false, process: 1 }],
});

async function violations(
  objects: Json[],
  options: {
    sent?: Sent[];
    accepted?: Received[];
    deliveries?: Array<{ event: string; endpoint: string; state: string }>;
  } = {},
): Promise<string[]> {
  return audit({
    database: await database(objects, options.deliveries),
    sent: options.sent ?? [],
    accepted: options.accepted ?? [],
  });
}

describe('auditor', () => {
  test('a consistent store passes', async () => {
    assert.deepEqual(
      await violations([intent('pi_1', { status: 'succeeded', amount_received: 1000 }), charge('ch_1')]),
      [],
    );
  });

  test('two objects made by one key are a double effect', async () => {
    const found = await violations([
      intent('pi_1', { metadata: { sim_key: 'k1' } }),
      intent('pi_2', { metadata: { sim_key: 'k1' } }),
    ]);
    assert.deepEqual(found, ['double effect: key k1 made 2 payment_intents (pi_1, pi_2)']);
  });

  test('two authorized charges of one PaymentIntent are a double authorization', async () => {
    const found = await violations([
      intent('pi_1', { status: 'requires_capture' }),
      charge('ch_1', { captured: false, amount_captured: 0 }),
      charge('ch_2', { captured: false, amount_captured: 0 }),
    ]);
    assert.deepEqual(found, ['double authorization: pi_1 has authorized charges ch_1, ch_2']);
  });

  test('refunds beyond the capture break the amounts', async () => {
    const found = await violations([
      intent('pi_1', { status: 'succeeded', amount_received: 1000 }),
      charge('ch_1', { amount_refunded: 1500 }),
      { id: 're_1', object: 'refund', charge: 'ch_1', amount: 1500, status: 'succeeded' },
    ]);
    assert.deepEqual(found, ['amounts: ch_1 has refunds totalling 1500 > captured 1000']);
  });

  test('a succeeded PaymentIntent that moves again is an illegal transition', async () => {
    const found = await violations([
      event('evt_1', 'payment_intent.succeeded', { id: 'pi_9', object: 'payment_intent', status: 'succeeded' }),
      event('evt_2', 'payment_intent.amount_capturable_updated', {
        id: 'pi_9',
        object: 'payment_intent',
        status: 'requires_capture',
      }),
    ]);
    assert.deepEqual(found, [
      'illegal transition: pi_9 succeeded → requires_capture (payment_intent.amount_capturable_updated evt_2)',
    ]);
  });

  test('an acknowledged object missing from the store is a lost write', async () => {
    const found = await violations([], { sent: [answered('payment_intents', 'k1', 200, intent('pi_7'))] });
    assert.deepEqual(found, ['acknowledged write lost: payment_intents k1 answered pi_7, not in the store']);
  });

  test('a state error for a key that committed events is a false error', async () => {
    const found = await violations(
      [event('evt_1', 'payment_intent.canceled', { id: 'pi_1', object: 'payment_intent', status: 'canceled' }, 'k2')],
      {
        sent: [
          answered('cancel', 'k2', 400, {
            error: { code: 'payment_intent_unexpected_state', type: 'invalid_request_error' },
          }),
        ],
      },
    );
    assert.deepEqual(found, [
      'false error: key k2 (cancel /v1/cancel) committed events but answered 400 payment_intent_unexpected_state',
    ]);
  });

  test('webhooks: pending deliveries, missing events and bad signatures are found; a signed event passes', async () => {
    const secret = 'whsec_test';
    const endpoint = {
      id: 'we_1',
      object: 'webhook_endpoint',
      url: 'https://hooks.example.com/1',
      _internal: { secrets: [{ secret, expiresMs: null }] },
    };
    const objects = [
      endpoint,
      event('evt_1', 'payment_intent.created', intent('pi_1')),
      event('evt_2', 'payment_intent.created', intent('pi_2')),
    ];
    const body = (id: string) => JSON.stringify({ id, object: 'event' });
    const signed = (id: string, key: string): Received => ({
      url: endpoint.url,
      body: body(id),
      signature: Stripe.webhooks.generateTestHeaderString({ payload: body(id), secret: key, timestamp: 1_700_000_000 }),
    });
    const found = await violations(objects, {
      accepted: [signed('evt_1', secret), signed('evt_2', 'whsec_wrong')],
      deliveries: [
        { event: 'evt_1', endpoint: 'we_1', state: 'succeeded' },
        { event: 'evt_2', endpoint: 'we_1', state: 'pending' },
      ],
    });
    assert.deepEqual(found, [
      'webhook not delivered: evt_2 to we_1 is pending',
      'webhook signature invalid: evt_2 at https://hooks.example.com/1',
      'webhook missing: evt_2 (payment_intent.created) never reached we_1',
    ]);
  });
});
