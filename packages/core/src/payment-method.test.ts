/** card_present / interac_present PaymentMethods as Stripe shows them, built from card facts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CardFacts } from './card.js';
import { buildPaymentMethod, cardPresentHash } from './payment-method.js';

const card: CardFacts = {
  type: 'card_present',
  brand: 'mastercard',
  network: 'mastercard',
  networksAvailable: ['mastercard'],
  funding: 'debit',
  country: 'FR',
  last4: '4444',
  expMonth: 3,
  expYear: 2031,
  fingerprint: 'fp_2',
  readMethod: 'contact_emv',
  wallet: null,
  cardholderName: 'A B',
  preferredLocales: ['fr', 'en'],
  testCard: '5555555555554444',
};
const common = {
  brand: 'mastercard',
  cardholder_name: 'A B',
  country: 'FR',
  exp_month: 3,
  exp_year: 2031,
  fingerprint: 'fp_2',
  funding: 'debit',
  last4: '4444',
  networks: { available: ['mastercard'], preferred: null },
  preferred_locales: ['fr', 'en'],
  read_method: 'contact_emv',
};

describe('cardPresentHash', () => {
  it('card_present: the common fields plus brand_product and offline; a wallet only when there is one', () => {
    assert.deepEqual(cardPresentHash(card), { ...common, brand_product: null, offline: null });
    assert.deepEqual(cardPresentHash({ ...card, wallet: 'apple_pay', readMethod: 'contactless_emv' }), {
      ...common,
      read_method: 'contactless_emv',
      brand_product: null,
      offline: null,
      wallet: { type: 'apple_pay' },
    });
  });
  it('interac_present: the common fields only', () => {
    assert.deepEqual(cardPresentHash({ ...card, type: 'interac_present', wallet: 'google_pay' }), common);
  });
});

describe('buildPaymentMethod', () => {
  it("is Stripe's object, keyed by its type, with the facts kept internally and no card number", () => {
    const pm = buildPaymentMethod('pm_1', card, 1_700_000_000_999);
    assert.deepEqual(pm, {
      id: 'pm_1',
      object: 'payment_method',
      allow_redisplay: 'unspecified',
      billing_details: {
        address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
        email: null,
        name: 'A B',
        phone: null,
        tax_id: null,
      },
      created: 1_700_000_000,
      customer: null,
      customer_account: null,
      livemode: false,
      metadata: {},
      type: 'card_present',
      card_present: { ...common, brand_product: null, offline: null },
      _internal: { card },
    });
    const interac = buildPaymentMethod('pm_2', { ...card, type: 'interac_present' }, 0);
    assert.equal(interac.type, 'interac_present');
    assert.deepEqual(interac['interac_present'], common);
    assert.equal('card_present' in interac, false);
  });
});
