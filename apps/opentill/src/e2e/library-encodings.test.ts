/**
 * Every official library's form encoding of the same calls (library-bodies.ts), sent as recorded
 * to a real server; each must land exactly as stripe-node's own call does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { assertError, type Harness, type Json, listAll, useServer } from './helpers.js';
import { libraryBodies } from './library-bodies.js';

const formHeaders = { 'Content-Type': 'application/x-www-form-urlencoded' };

async function newReader(h: Harness): Promise<Stripe.Terminal.Reader> {
  const location = await h.stripe.terminal.locations.create({
    display_name: 'Shop',
    address: { line1: '1 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' },
  });
  return h.stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
}

/** The fields the calls set, as stripe-node reads them back. */
function shapeOf(pi: Json): Json {
  return {
    amount: pi.amount,
    currency: pi.currency,
    capture_method: pi.capture_method,
    payment_method_types: pi.payment_method_types,
    description: pi.description,
    metadata: pi.metadata,
    incremental: pi.payment_method_options?.card_present?.request_incremental_authorization_support,
  };
}

describe("official libraries' encodings (sqlite)", () => {
  const h = useServer('sqlite', 'library_encodings');
  let reference: Json;

  it("stripe-node's own call, the reference", async () => {
    const created = await h.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      capture_method: 'manual',
      payment_method_types: ['card_present'],
      description: 'Café crème',
      metadata: { order_id: '6735', note: 'two words' },
      payment_method_options: { card_present: { request_incremental_authorization_support: true } },
    } as Stripe.PaymentIntentCreateParams);
    reference = shapeOf(created);
    assert.deepEqual(reference, {
      amount: 1000,
      currency: 'eur',
      capture_method: 'manual',
      payment_method_types: ['card_present'],
      description: 'Café crème',
      metadata: { order_id: '6735', note: 'two words' },
      incremental: true,
    });
    const updated = await h.stripe.paymentIntents.update(created.id, {
      metadata: { note: '', lane: '3' },
      description: '',
    });
    assert.deepEqual(updated.metadata, { order_id: '6735', lane: '3' });
    assert.equal(updated.description, null);
  });

  for (const library of libraryBodies) {
    it(`${library.library}: create, update, unset metadata, process_payment_intent, list`, async () => {
      const created = await h.api('POST', '/v1/payment_intents', { body: library.create, headers: formHeaders });
      assert.equal(created.status, 200, created.text);
      const id: string = created.body.id;
      assert.deepEqual(
        shapeOf(await h.stripe.paymentIntents.retrieve(id)),
        reference,
        "lands as stripe-node's call does",
      );

      const updated = await h.api('POST', `/v1/payment_intents/${id}`, { body: library.update, headers: formHeaders });
      assert.equal(updated.status, 200, updated.text);
      const afterUpdate = await h.stripe.paymentIntents.retrieve(id);
      assert.deepEqual(afterUpdate.metadata, { order_id: '6735', lane: '3' });
      assert.equal(afterUpdate.description, null);

      if (library.unsetMetadata !== null) {
        const unset = await h.api('POST', `/v1/payment_intents/${id}`, {
          body: library.unsetMetadata,
          headers: formHeaders,
        });
        assert.equal(unset.status, 200, unset.text);
        assert.deepEqual((await h.stripe.paymentIntents.retrieve(id)).metadata, {});
      }

      const reader = await newReader(h);
      const processed = await h.api('POST', `/v1/terminal/readers/${reader.id}/process_payment_intent`, {
        body: library.process.replace('{pi}', id),
        headers: formHeaders,
      });
      assert.equal(processed.status, 200, processed.text);
      const action = ((await h.stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).action;
      assert.equal(action?.process_payment_intent?.payment_intent, id);
      assert.deepEqual(action?.process_payment_intent?.process_config, {
        enable_customer_cancellation: true,
        skip_tipping: false,
      });
      await h.stripe.terminal.readers.cancelAction(reader.id);

      const listed = await h.api('GET', `/v1/payment_intents?${library.list}`);
      assert.equal(listed.status, 200, listed.text);
      const all = await listAll(h.stripe.paymentIntents.list({ limit: 100 }));
      assert.deepEqual(
        listed.body.data.map((pi: Json) => pi.id),
        all.slice(0, 3).map((pi) => pi.id),
      );
      assert.equal(listed.body.data[0].id, id, 'newest first');
      assert.equal(listed.body.has_more, all.length > 3);
    });
  }

  it("what no library sends is refused with Stripe's error, nothing written", async () => {
    const before = (await listAll(h.stripe.paymentIntents.list({ limit: 100 }))).length;
    // A Python float, a number-like boolean, an empty list (Java and .NET encode [] as `key=`).
    assertError(
      await h.api('POST', '/v1/payment_intents', { body: 'amount=1000.0&currency=eur', headers: formHeaders }),
      400,
      { code: 'parameter_invalid_integer', param: 'amount', message: 'Invalid integer: 1000.0' },
    );
    assertError(
      await h.api('POST', '/v1/payment_intents', { body: 'amount=1000&currency=eur&confirm=1', headers: formHeaders }),
      400,
      { code: undefined, param: 'confirm', message: 'Invalid boolean: 1' },
    );
    assertError(
      await h.api('POST', '/v1/payment_intents', {
        body: 'amount=1000&currency=eur&payment_method_types=',
        headers: formHeaders,
      }),
      400,
      { code: 'parameter_invalid_empty', param: 'payment_method_types' },
    );
    assert.equal((await listAll(h.stripe.paymentIntents.list({ limit: 100 }))).length, before);
  });
});
