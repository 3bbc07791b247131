/** The Charge an authorization attempt produces: every member, approved and declined, card_present and interac_present. */
import assert from 'node:assert/strict';
import { must } from './must.js';
import { describe, it } from 'node:test';
import type { AuthorizationResult, CardFacts } from './card.js';
import { buildCharge, chargeCardDetails, type BuildCharge } from './charge.js';
import { testCardFacts } from './card-facts.fixture.test.js';

const NOW_MS = 1_800_000_000_123;
const NOW_S = 1_800_000_000;

const receipt = {
  account_type: 'credit',
  application_cryptogram: 'AC',
  application_preferred_name: 'Visa Credit',
  authorization_code: '123456',
  authorization_response_code: '3030',
  cardholder_verification_method: 'none',
  dedicated_file_name: 'A0000000031010',
  terminal_verification_results: '0000000000',
  transaction_status_information: '0000',
} as const;

const approvedOutcome = {
  network_status: 'approved_by_network',
  reason: null,
  risk_level: 'normal',
  risk_score: 10,
  seller_message: 'Payment complete.',
  type: 'authorized',
  advice_code: null,
} as const;

const declinedOutcome = {
  network_status: 'declined_by_network',
  reason: 'insufficient_funds',
  risk_level: 'normal',
  risk_score: 20,
  seller_message: 'The bank declined the payment.',
  type: 'issuer_declined',
  advice_code: 'try_again_later',
} as const;

function card(overrides: Partial<CardFacts> = {}): CardFacts {
  return testCardFacts({ cardholderName: 'Jenny Rosen', ...overrides });
}

const approved = (over: Partial<Extract<AuthorizationResult, { approved: true }>> = {}): AuthorizationResult => ({
  approved: true,
  authorizationCode: '654321',
  networkTransactionId: 'ntid_1',
  captureBefore: NOW_S + 172_800,
  overcaptureSupported: true,
  incrementalAuthorizationSupported: true,
  outcome: approvedOutcome,
  receipt,
  ...over,
});

const declined: AuthorizationResult = {
  approved: false,
  code: 'card_declined',
  declineCode: 'insufficient_funds',
  message: 'Your card has insufficient funds.',
  pinRequired: false,
  outcome: declinedOutcome,
  receipt: null,
};

const billing = { address: { city: 'Paris' }, email: null, name: 'Jenny Rosen', phone: null, tax_id: null };

function input(over: Partial<BuildCharge> = {}): BuildCharge {
  return {
    id: 'ch_1',
    paymentIntent: {
      id: 'pi_1',
      object: 'payment_intent',
      created: NOW_S,
      livemode: false,
      currency: 'eur',
      description: 'Coffee',
      metadata: { order: '42' },
      application_fee_amount: 25,
      customer: 'cus_1',
      on_behalf_of: 'acct_shop',
      transfer_data: { destination: 'acct_shop', amount: 700 },
      transfer_group: 'group_1',
    },
    paymentMethod: { id: 'pm_1', object: 'payment_method', created: NOW_S, livemode: false, billing_details: billing },
    card: card(),
    authorization: approved(),
    amount: 1000,
    captureMethod: 'automatic',
    reader: { id: 'tmr_1', location: 'tml_1' },
    nowMs: NOW_MS,
    ...over,
  };
}

/** The card hash every card_present charge carries before what the authorization adds. */
const cardHash = {
  brand: 'visa',
  brand_product: null,
  cardholder_name: 'Jenny Rosen',
  country: 'US',
  exp_month: 12,
  exp_year: 2030,
  fingerprint: 'fp_test',
  funding: 'credit',
  last4: '4242',
  offline: null,
  preferred_locales: ['en'],
  read_method: 'contactless_emv',
};

void describe('buildCharge', () => {
  void it('an approved, automatically captured card_present charge: every member', () => {
    const charge = buildCharge(input());
    assert.deepEqual(charge, {
      id: 'ch_1',
      object: 'charge',
      amount: 1000,
      amount_captured: 1000,
      amount_refunded: 0,
      application: null,
      application_fee: null,
      application_fee_amount: 25,
      authorization_code: '654321',
      balance_transaction: null,
      billing_details: billing,
      calculated_statement_descriptor: 'OPENTILL',
      captured: true,
      created: NOW_S,
      currency: 'eur',
      customer: 'cus_1',
      description: 'Coffee',
      disputed: false,
      failure_balance_transaction: null,
      failure_code: null,
      failure_message: null,
      fraud_details: {},
      livemode: false,
      metadata: { order: '42' },
      on_behalf_of: 'acct_shop',
      outcome: { ...approvedOutcome, network_advice_code: null, network_decline_code: null },
      paid: true,
      payment_intent: 'pi_1',
      payment_method: 'pm_1',
      payment_method_details: {
        type: 'card_present',
        card_present: {
          ...cardHash,
          emv_auth_data: '8A023030',
          generated_card: null,
          network: 'visa',
          network_transaction_id: 'ntid_1',
          receipt,
          reader: 'tmr_1',
          location: 'tml_1',
          amount_authorized: 1000,
          capture_before: NOW_S + 172_800,
          incremental_authorization_supported: true,
          overcapture_supported: true,
        },
      },
      receipt_email: null,
      receipt_number: null,
      receipt_url: null,
      refunded: false,
      review: null,
      shipping: null,
      source: null,
      source_transfer: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: 'succeeded',
      transfer_data: { amount: 700, destination: 'acct_shop' },
      transfer_group: 'group_1',
    });
    assert.equal(
      chargeCardDetails(charge),
      (charge['payment_method_details'] as Record<string, unknown>)['card_present'],
    );
  });

  void it('manual capture: authorized, not captured, nothing captured yet; metadata is a copy', () => {
    const built = input({ captureMethod: 'manual' });
    const charge = buildCharge(built);
    assert.equal(charge['captured'], false);
    assert.equal(charge['amount_captured'], 0);
    assert.equal(charge['paid'], true);
    assert.equal(charge['status'], 'succeeded');
    assert.notEqual(charge['metadata'], built.paymentIntent.metadata);
  });

  void it('no capture deadline: capture_before is left out (not null); flags false without support', () => {
    const charge = buildCharge(
      input({
        authorization: approved({
          captureBefore: null,
          incrementalAuthorizationSupported: false,
          overcaptureSupported: false,
        }),
      }),
    );
    const details = must(chargeCardDetails(charge), 'card details');
    assert.equal('capture_before' in details, false);
    assert.equal(details['incremental_authorization_supported'], false);
    assert.equal(details['overcapture_supported'], false);
  });

  void it('a declined card_present charge: failure code and message, no authorization code, nothing authorized', () => {
    const charge = buildCharge(input({ authorization: declined, reader: null }));
    assert.equal('authorization_code' in charge, false);
    assert.equal(charge['failure_code'], 'card_declined');
    assert.equal(charge['failure_message'], 'Your card has insufficient funds.');
    assert.equal(charge['paid'], false);
    assert.equal(charge['captured'], false);
    assert.equal(charge['amount_captured'], 0);
    assert.equal(charge['status'], 'failed');
    assert.deepEqual(charge['outcome'], { ...declinedOutcome, network_advice_code: null, network_decline_code: null });
    assert.deepEqual(chargeCardDetails(charge), {
      ...cardHash,
      emv_auth_data: null,
      generated_card: null,
      network: 'visa',
      network_transaction_id: null,
      receipt: null,
      amount_authorized: null,
      incremental_authorization_supported: false,
      overcapture_supported: false,
    });
  });

  void it('interac_present: the Interac hash (no wallet, offline or brand_product), no card_present-only members', () => {
    const interac = card({
      type: 'interac_present',
      brand: 'interac',
      network: 'interac',
      networksAvailable: ['interac'],
      country: 'CA',
    });
    const charge = buildCharge(
      input({ card: interac, authorization: approved(), reader: { id: 'tmr_2', location: null } }),
    );
    assert.deepEqual(charge['payment_method_details'], {
      type: 'interac_present',
      interac_present: {
        brand: 'interac',
        cardholder_name: 'Jenny Rosen',
        country: 'CA',
        exp_month: 12,
        exp_year: 2030,
        fingerprint: 'fp_test',
        funding: 'credit',
        last4: '4242',
        preferred_locales: ['en'],
        read_method: 'contactless_emv',
        emv_auth_data: '8A023030',
        generated_card: null,
        network: 'interac',
        network_transaction_id: 'ntid_1',
        receipt,
        reader: 'tmr_2',
        location: null,
      },
    });
  });

  void it('a PaymentIntent without Connect or customer members: nulls', () => {
    const plain = input();
    const paymentIntent = {
      id: 'pi_2',
      object: 'payment_intent',
      created: NOW_S,
      livemode: false,
      currency: 'usd',
      description: null,
      metadata: {},
    };
    const charge = buildCharge({ ...plain, paymentIntent });
    for (const member of [
      'application_fee_amount',
      'customer',
      'on_behalf_of',
      'transfer_data',
      'transfer_group',
      'description',
    ]) {
      assert.equal(charge[member], null, member);
    }
    assert.deepEqual(
      buildCharge({ ...plain, paymentIntent: { ...paymentIntent, transfer_data: { destination: 'acct_x' } } })[
        'transfer_data'
      ],
      { amount: null, destination: 'acct_x' },
      'the whole amount goes: amount null',
    );
    assert.equal(
      buildCharge({ ...plain, paymentIntent: { ...paymentIntent, transfer_data: 'acct_x' } })['transfer_data'],
      null,
    );
  });
});

void describe('chargeCardDetails', () => {
  void it("the details under the charge's payment method type; undefined without details or type", () => {
    assert.deepEqual(
      chargeCardDetails({
        id: 'ch',
        object: 'charge',
        created: 1,
        livemode: false,
        payment_method_details: { type: 'interac_present', interac_present: { last4: '1933' } },
      }),
      { last4: '1933' },
    );
    assert.equal(chargeCardDetails({ id: 'ch', object: 'charge', created: 1, livemode: false }), undefined);
    assert.equal(
      chargeCardDetails({
        id: 'ch',
        object: 'charge',
        created: 1,
        livemode: false,
        payment_method_details: { card_present: {} },
      }),
      undefined,
    );
  });
});
