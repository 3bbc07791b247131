/**
 * Defects found by the hardening review (issue 10), each pinned by a black-box test against a real
 * server: limits that held per request but not per total, per server but not per account, and
 * inputs that were dropped or reflected instead of refused or stored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useServer } from './helpers.js';

describe('hardening (sqlite)', () => {
  const h = useServer('sqlite', 'hardening');

  it('a tip through present_payment_method cannot lift the amount past the 8-digit limit', async () => {
    const location = await h.stripe.terminal.locations.create({
      display_name: 'Tips', address: { line1: '1 Main St', city: 'Paris', postal_code: '75002', country: 'FR' },
    });
    const reader = await h.stripe.terminal.readers.create({ registration_code: 'simulated-wpe', location: location.id });
    const intent = await h.stripe.paymentIntents.create({
      amount: 99_999_999, currency: 'eur', payment_method_types: ['card_present'], capture_method: 'manual',
    } as never);
    await h.stripe.terminal.readers.processPaymentIntent(reader.id, { payment_intent: intent.id });
    const refused = await h.api('POST', `/v1/test_helpers/terminal/readers/${reader.id}/present_payment_method`,
      { form: { amount_tip: 1 } });
    assertError(refused, 400, { type: 'invalid_request_error', code: 'amount_too_large', param: 'amount_tip' });
    // Nothing was authorized: the PaymentIntent still waits for a card, and a card without a tip pays.
    assert.equal((await h.stripe.paymentIntents.retrieve(intent.id)).status, 'requires_payment_method');
    await h.stripe.testHelpers.terminal.readers.presentPaymentMethod(reader.id);
    const paid = await h.stripe.paymentIntents.retrieve(intent.id);
    assert.equal(paid.status, 'requires_capture');
    assert.equal(paid.amount, 99_999_999);
  });
});
