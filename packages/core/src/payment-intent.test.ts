/**
 * Table-driven tests of the pure PaymentIntent state machine: every status × command, with the
 * exact Stripe error codes and messages for wrong states.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiError,
  applyAuthorization,
  applyIncrement,
  attachPaymentMethod,
  authorizationDeadlineMs,
  buildPaymentMethod,
  cancelPaymentIntent,
  captureCeiling,
  capturePaymentIntent,
  checkConfirmable,
  checkIncrementable,
  createPaymentIntent,
  effectiveCaptureMethod,
  expireAuthorization,
  limits,
  must,
  updatePaymentIntent,
  type AuthorizationResult,
  type PaymentIntent,
  type PaymentIntentStatus,
  type StoredObject,
  type UpdatePaymentIntent,
} from './index.js';
import { testCardFacts } from './card-facts.fixture.test.js';

const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const DAY_S = 24 * 3600;

const allStatuses: PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'requires_capture',
  'canceled',
  'succeeded',
];

const card = testCardFacts;

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

function approved(overrides: Partial<Extract<AuthorizationResult, { approved: true }>> = {}): AuthorizationResult {
  return {
    approved: true,
    authorizationCode: '123456',
    networkTransactionId: '000000000000001',
    captureBefore: NOW_S + 2 * DAY_S,
    overcaptureSupported: false,
    incrementalAuthorizationSupported: false,
    outcome: {
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 10,
      seller_message: 'Payment complete.',
      type: 'authorized',
      advice_code: null,
    },
    receipt,
    ...overrides,
  };
}

function declined(
  code: 'card_declined' | 'expired_card' | 'incorrect_pin' | 'processing_error' = 'card_declined',
  declineCode: string | null = 'insufficient_funds',
  message = 'Your card has insufficient funds.',
): AuthorizationResult {
  return {
    approved: false,
    code,
    declineCode,
    message,
    pinRequired: false,
    outcome: {
      network_status: 'declined_by_network',
      reason: declineCode,
      risk_level: 'normal',
      risk_score: 10,
      seller_message: 'declined',
      type: 'issuer_declined',
      advice_code: null,
    },
    receipt: null,
  };
}

function newIntent(
  options: {
    amount?: number;
    captureMethod?: PaymentIntent['capture_method'];
    pmo?: Record<string, Record<string, unknown>>;
    types?: string[];
  } = {},
): PaymentIntent {
  return createPaymentIntent(
    {
      id: 'pi_1',
      clientSecret: 'pi_1_secret_x',
      amount: options.amount ?? 1000,
      currency: 'usd',
      captureMethod: options.captureMethod ?? 'manual',
      paymentMethodTypes: options.types ?? ['card_present'],
      paymentMethodOptions: options.pmo ?? {},
      fields: {},
    },
    NOW_MS,
  ).paymentIntent;
}

const pm = buildPaymentMethod('pm_1', card(), NOW_MS);

/** Authorizes a new PaymentIntent: returns it (requires_capture or succeeded) with its charge. */
function authorized(options: Parameters<typeof newIntent>[0] & { auth?: AuthorizationResult; tip?: number } = {}) {
  const paymentIntent = attachPaymentMethod(newIntent(options), pm);
  const amount = paymentIntent.amount + (options.tip ?? 0);
  return applyAuthorization(
    paymentIntent,
    {
      paymentMethod: pm,
      card: card(),
      authorization: options.auth ?? approved(),
      chargeId: 'ch_1',
      amount,
      tipAmount: options.tip ?? 0,
      reader: null,
    },
    NOW_MS,
  );
}

/** A PaymentIntent forced into any status (for the wrong-state tables). */
function inStatus(status: PaymentIntentStatus): PaymentIntent {
  return { ...newIntent(), status };
}

function rejects(fn: () => unknown, code: string, message?: string | RegExp, param?: string): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiError, `expected an ApiError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (typeof message === 'string') assert.equal(caught.body.message, message);
  else if (message) assert.match(caught.body.message, message);
  if (param !== undefined) assert.equal(caught.body.param, param);
  return caught;
}

describe('create', () => {
  it('starts in requires_payment_method with Stripe defaults and a created event', () => {
    const t = createPaymentIntent(
      {
        id: 'pi_1',
        clientSecret: 'pi_1_secret_x',
        amount: 1000,
        currency: 'eur',
        captureMethod: 'automatic',
        paymentMethodTypes: ['card_present'],
        paymentMethodOptions: {},
        fields: { description: 'd', metadata: { a: 'b' } },
      },
      NOW_MS,
    );
    const pi = t.paymentIntent;
    assert.equal(pi.status, 'requires_payment_method');
    assert.equal(pi.object, 'payment_intent');
    assert.equal(pi.amount_capturable, 0);
    assert.equal(pi.amount_received, 0);
    assert.equal(pi.latest_charge, null);
    assert.equal(pi.created, NOW_S);
    assert.equal(pi.livemode, false);
    assert.equal(pi.description, 'd');
    assert.deepEqual(pi.metadata, { a: 'b' });
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['payment_intent.created'],
    );
  });
});

describe('effective capture method (payment_method_options[card_present][capture_method] wins)', () => {
  const table: [PaymentIntent['capture_method'], string | undefined, 'automatic' | 'manual'][] = [
    ['automatic', undefined, 'automatic'],
    ['automatic_async', undefined, 'automatic'],
    ['manual', undefined, 'manual'],
    ['automatic', 'manual', 'manual'],
    ['automatic', 'manual_preferred', 'manual'],
    ['automatic_async', 'manual', 'manual'],
    ['manual', 'manual', 'manual'],
  ];
  for (const [top, override, expected] of table) {
    it(`capture_method=${top}, card_present override=${override ?? 'none'} → ${expected}`, () => {
      const pi = newIntent({ captureMethod: top, pmo: override ? { card_present: { capture_method: override } } : {} });
      assert.equal(effectiveCaptureMethod(pi, 'card_present'), expected);
      // The card_present override does not apply to interac_present.
      assert.equal(effectiveCaptureMethod(pi, 'interac_present'), top === 'manual' ? 'manual' : 'automatic');
    });
  }
  it('an authorization with the override ends in requires_capture even when capture_method=automatic', () => {
    const t = authorized({ captureMethod: 'automatic', pmo: { card_present: { capture_method: 'manual' } } });
    assert.equal(t.paymentIntent.status, 'requires_capture');
    assert.equal(t.charge['captured'], false);
  });
});

describe('update', () => {
  const editable = new Set<PaymentIntentStatus>([
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
  ]);
  for (const status of allStatuses) {
    const updates: [string, Omit<UpdatePaymentIntent, 'fields'>][] = [
      ['amount', { amount: 2000 }],
      ['currency', { currency: 'eur' }],
      ['capture_method', { captureMethod: 'automatic' }],
      ['payment_method_types', { paymentMethodTypes: ['interac_present'] }],
      ['payment_method', { paymentMethod: 'pm_2' }],
    ];
    for (const [param, update] of updates) {
      it(`${param} in ${status}: ${editable.has(status) ? 'allowed' : 'payment_intent_unexpected_state'}`, () => {
        const pi = inStatus(status);
        if (editable.has(status)) {
          const t = updatePaymentIntent(pi, { ...update, fields: {} });
          assert.equal(t.changed.length, 1);
          assert.deepEqual(t.events, []);
        } else {
          const error = rejects(
            () => updatePaymentIntent(pi, { ...update, fields: {} }),
            'payment_intent_unexpected_state',
            `This PaymentIntent's ${param} could not be updated because it has a status of ${status}. You may only ` +
              `update the ${param} of a PaymentIntent with one of the following statuses: requires_payment_method, ` +
              'requires_confirmation, requires_action.',
            param,
          );
          assert.equal(error.status, 400);
          assert.equal((error.body.payment_intent as PaymentIntent).id, 'pi_1');
        }
      });
    }
    it(`description and metadata can be updated in ${status}`, () => {
      const t = updatePaymentIntent(inStatus(status), { fields: { description: 'x' }, metadata: { k: 'v' } });
      const next = t.changed[0] as PaymentIntent;
      assert.equal(next.description, 'x');
      assert.deepEqual(next.metadata, { k: 'v' });
      assert.equal(next.status, status);
    });
  }
  it('application_fee_amount is editable up to requires_capture', () => {
    assert.equal(
      (
        updatePaymentIntent(inStatus('requires_capture'), { applicationFeeAmount: 5, fields: {} })
          .changed[0] as PaymentIntent
      ).application_fee_amount,
      5,
    );
    rejects(
      () => updatePaymentIntent(inStatus('succeeded'), { applicationFeeAmount: 5, fields: {} }),
      'payment_intent_unexpected_state',
      undefined,
      'application_fee_amount',
    );
  });
  it('setting a payment_method moves to requires_confirmation; unsetting goes back', () => {
    const withPm = updatePaymentIntent(newIntent(), { paymentMethod: 'pm_1', fields: {} }).changed[0] as PaymentIntent;
    assert.equal(withPm.status, 'requires_confirmation');
    assert.equal(withPm.payment_method, 'pm_1');
    const without = updatePaymentIntent(withPm, { paymentMethod: null, fields: {} }).changed[0] as PaymentIntent;
    assert.equal(without.status, 'requires_payment_method');
    assert.equal(without.payment_method, null);
  });
  it('changing the amount after a decline clears last_payment_error', () => {
    const failed = authorized({ auth: declined() }).paymentIntent;
    assert.notEqual(failed.last_payment_error, null);
    const next = updatePaymentIntent(failed, { amount: 1200, fields: {} }).changed[0] as PaymentIntent;
    assert.equal(next.last_payment_error, null);
    assert.equal(next.amount, 1200);
  });
});

describe('confirm', () => {
  const confirmable = new Set<PaymentIntentStatus>([
    'requires_payment_method',
    'requires_confirmation',
    'requires_action',
  ]);
  for (const status of allStatuses) {
    it(`confirm in ${status}: ${confirmable.has(status) ? 'allowed' : 'payment_intent_unexpected_state'}`, () => {
      const pi = inStatus(status);
      if (confirmable.has(status)) {
        assert.doesNotThrow(() => checkConfirmable(pi, pm));
      } else if (status === 'succeeded' || status === 'requires_capture') {
        rejects(
          () => checkConfirmable(pi, pm),
          'payment_intent_unexpected_state',
          'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.',
        );
      } else {
        rejects(
          () => checkConfirmable(pi, pm),
          'payment_intent_unexpected_state',
          `You cannot confirm this PaymentIntent because it has a status of ${status}. Only a PaymentIntent with one of ` +
            'the following statuses may be confirmed: requires_payment_method, requires_confirmation, requires_action.',
        );
      }
    });
  }
  it('without a payment method → payment_intent_unexpected_state on payment_method', () => {
    rejects(
      () => checkConfirmable(newIntent(), null),
      'payment_intent_unexpected_state',
      /missing a payment method/,
      'payment_method',
    );
  });
  it('a payment method of a type the PaymentIntent does not allow → payment_intent_incompatible_payment_method', () => {
    const interac = buildPaymentMethod(
      'pm_i',
      card({ type: 'interac_present', brand: 'interac', network: 'interac' }),
      NOW_MS,
    );
    rejects(
      () => checkConfirmable(newIntent(), interac),
      'payment_intent_incompatible_payment_method',
      /The PaymentMethod provided \(interac_present\) is not allowed/,
      'payment_method',
    );
  });

  it('manual capture: approval → requires_capture with amount_capturable and an uncaptured charge', () => {
    const t = authorized({ captureMethod: 'manual' });
    assert.equal(t.paymentIntent.status, 'requires_capture');
    assert.equal(t.paymentIntent.amount_capturable, 1000);
    assert.equal(t.paymentIntent.amount_received, 0);
    assert.equal(t.paymentIntent.latest_charge, 'ch_1');
    assert.equal(t.paymentIntent.payment_method, 'pm_1');
    assert.equal(t.paymentIntent._internal.confirmCount, 1);
    assert.equal(t.charge['status'], 'succeeded');
    assert.equal(t.charge['captured'], false);
    assert.equal(t.charge['paid'], true);
    assert.equal(t.charge['amount_captured'], 0);
    assert.equal(t.decline, null);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['charge.succeeded', 'payment_intent.amount_capturable_updated'],
    );
    assert.equal(authorizationDeadlineMs(t.paymentIntent, t.charge), (NOW_S + 2 * DAY_S) * 1000);
  });

  it('automatic capture: approval → succeeded with amount_received and a captured charge', () => {
    const t = authorized({ captureMethod: 'automatic', auth: approved({ captureBefore: null }) });
    assert.equal(t.paymentIntent.status, 'succeeded');
    assert.equal(t.paymentIntent.amount_capturable, 0);
    assert.equal(t.paymentIntent.amount_received, 1000);
    assert.equal(t.charge['captured'], true);
    assert.equal(t.charge['amount_captured'], 1000);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['charge.succeeded', 'payment_intent.succeeded'],
    );
    assert.equal(authorizationDeadlineMs(t.paymentIntent, t.charge), null);
  });

  it('an on-reader tip is authorized with the amount and recorded in amount_details.tip', () => {
    const t = authorized({ captureMethod: 'automatic', tip: 150 });
    assert.equal(t.paymentIntent.amount, 1150);
    assert.equal(t.paymentIntent.amount_received, 1150);
    assert.deepEqual(t.paymentIntent.amount_details, { tip: { amount: 150 } });
  });

  for (const [code, declineCode, message] of [
    ['card_declined', 'insufficient_funds', 'Your card has insufficient funds.'],
    ['card_declined', 'generic_decline', 'Your card was declined.'],
    ['expired_card', 'expired_card', 'Your card has expired.'],
    ['incorrect_pin', 'incorrect_pin', 'The PIN you entered is incorrect.'],
    ['processing_error', null, 'An error occurred while processing your card. Try again in a little bit.'],
  ] as const) {
    it(`decline ${code}/${declineCode ?? '-'} → requires_payment_method with last_payment_error and a 402`, () => {
      const t = authorized({ auth: declined(code, declineCode, message) });
      const pi = t.paymentIntent;
      assert.equal(pi.status, 'requires_payment_method');
      assert.equal(pi.payment_method, null);
      assert.equal(pi.amount_capturable, 0);
      assert.equal(pi.latest_charge, 'ch_1');
      assert.equal(pi.last_payment_error?.['code'], code);
      assert.equal(pi.last_payment_error?.['decline_code'], declineCode ?? undefined);
      assert.equal(pi.last_payment_error?.['type'], 'card_error');
      assert.equal(pi.last_payment_error?.['message'], message);
      assert.equal(t.charge['status'], 'failed');
      assert.equal(t.charge['paid'], false);
      assert.equal(t.charge['failure_code'], code);
      assert.equal(t.charge['failure_message'], message);
      assert.ok(t.decline);
      assert.equal(t.decline.status, 402);
      assert.equal(t.decline.body.type, 'card_error');
      assert.equal(t.decline.body.code, code);
      assert.equal(t.decline.body.decline_code, declineCode ?? undefined);
      assert.equal(t.decline.body.charge, 'ch_1');
      assert.equal((t.decline.body.payment_intent as PaymentIntent).status, 'requires_payment_method');
      assert.deepEqual(
        t.events.map((e) => e.type),
        ['charge.failed', 'payment_intent.payment_failed'],
      );
      // The PaymentIntent can be confirmed again with another card.
      assert.doesNotThrow(() => checkConfirmable(pi, pm));
    });
  }

  it('a retry after a decline succeeds and clears last_payment_error', () => {
    const failed = authorized({ auth: declined() }).paymentIntent;
    const retried = applyAuthorization(
      attachPaymentMethod(failed, pm),
      {
        paymentMethod: pm,
        card: card(),
        authorization: approved(),
        chargeId: 'ch_2',
        amount: 1000,
        tipAmount: 0,
        reader: null,
      },
      NOW_MS,
    );
    assert.equal(retried.paymentIntent.status, 'requires_capture');
    assert.equal(retried.paymentIntent.last_payment_error, null);
    assert.equal(retried.paymentIntent.latest_charge, 'ch_2');
    assert.equal(retried.paymentIntent._internal.confirmCount, 2);
  });
});

describe('capture', () => {
  for (const status of allStatuses.filter((s) => s !== 'requires_capture')) {
    it(`capture in ${status} → payment_intent_unexpected_state`, () => {
      const error = rejects(
        () => capturePaymentIntent(inStatus(status), null, {}, NOW_MS),
        'payment_intent_unexpected_state',
        `This PaymentIntent could not be captured because it has a status of ${status}. Only a PaymentIntent with one ` +
          'of the following statuses may be captured: requires_capture.',
      );
      assert.equal((error.body.payment_intent as PaymentIntent).status, status);
    });
  }

  it('full capture → succeeded; charge captured; events charge.captured + payment_intent.succeeded', () => {
    const { paymentIntent, charge } = authorized();
    const t = capturePaymentIntent(paymentIntent, charge, {}, NOW_MS);
    assert.equal(t.paymentIntent.status, 'succeeded');
    assert.equal(t.paymentIntent.amount_received, 1000);
    assert.equal(t.paymentIntent.amount_capturable, 0);
    const captured = must(t.changed[1]);
    assert.equal(captured['captured'], true);
    assert.equal(captured['amount_captured'], 1000);
    assert.equal(captured['amount_refunded'], 0);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['charge.captured', 'payment_intent.succeeded'],
    );
    assert.equal(authorizationDeadlineMs(t.paymentIntent, captured), null);
    // A second capture is refused.
    rejects(
      () => capturePaymentIntent(t.paymentIntent, captured, {}, NOW_MS),
      'payment_intent_unexpected_state',
      /has a status of succeeded/,
    );
  });

  it('partial capture: amount_received is the captured part; the rest is released (refunded on the charge)', () => {
    const { paymentIntent, charge } = authorized();
    const t = capturePaymentIntent(paymentIntent, charge, { amountToCapture: 600 }, NOW_MS);
    assert.equal(t.paymentIntent.status, 'succeeded');
    assert.equal(t.paymentIntent.amount, 1000);
    assert.equal(t.paymentIntent.amount_received, 600);
    assert.equal(t.paymentIntent.amount_capturable, 0);
    const captured = must(t.changed[1]);
    assert.equal(captured['amount'], 1000);
    assert.equal(captured['amount_captured'], 600);
    assert.equal(captured['amount_refunded'], 400);
    assert.equal(captured['refunded'], false);
  });

  it('more than amount_capturable without overcapture → amount_too_large', () => {
    const { paymentIntent, charge } = authorized();
    assert.equal(captureCeiling(paymentIntent, charge), 1000);
    rejects(
      () => capturePaymentIntent(paymentIntent, charge, { amountToCapture: 1001 }, NOW_MS),
      'amount_too_large',
      "The amount_to_capture (1001) must be less than or equal to the PaymentIntent's amount_capturable (1000).",
      'amount_to_capture',
    );
  });

  describe('overcapture (50% or 50 USD, whichever is greater)', () => {
    for (const [authorizedAmount, ceiling] of [
      [1000, 6000],
      [4000, 9000],
      [10000, 15000],
      [20001, 30001],
    ] as const) {
      it(`authorized ${authorizedAmount} → capture up to ${ceiling}`, () => {
        const { paymentIntent, charge } = authorized({
          amount: authorizedAmount,
          auth: approved({ overcaptureSupported: true }),
        });
        assert.equal(captureCeiling(paymentIntent, charge), ceiling);
        const t = capturePaymentIntent(paymentIntent, charge, { amountToCapture: ceiling }, NOW_MS);
        assert.equal(t.paymentIntent.amount, ceiling, 'the PaymentIntent amount becomes the new total');
        assert.equal(t.paymentIntent.amount_received, ceiling);
        const captured = must(t.changed[1]);
        assert.equal(captured['amount'], ceiling);
        assert.equal(captured['amount_captured'], ceiling);
        assert.equal(captured['amount_refunded'], 0);
        const details = (captured['payment_method_details'] as { card_present: Record<string, unknown> }).card_present;
        assert.equal(
          details['amount_authorized'],
          authorizedAmount,
          'amount_authorized keeps the original authorization',
        );
        rejects(
          () => capturePaymentIntent(paymentIntent, charge, { amountToCapture: ceiling + 1 }, NOW_MS),
          'amount_too_large',
          `The amount_to_capture (${ceiling + 1}) exceeds the overcapture limit for this PaymentIntent (${ceiling}).`,
          'amount_to_capture',
        );
      });
    }
  });

  it('after capture_before → charge_expired_for_capture', () => {
    const { paymentIntent, charge } = authorized();
    rejects(
      () => capturePaymentIntent(paymentIntent, charge, {}, (NOW_S + 2 * DAY_S) * 1000),
      'charge_expired_for_capture',
    );
    assert.doesNotThrow(() => capturePaymentIntent(paymentIntent, charge, {}, (NOW_S + 2 * DAY_S) * 1000 - 1000));
  });

  it('application_fee_amount above the captured amount is refused', () => {
    const { paymentIntent, charge } = authorized();
    rejects(
      () => capturePaymentIntent(paymentIntent, charge, { amountToCapture: 500, applicationFeeAmount: 501 }, NOW_MS),
      'payment_intent_invalid_parameter',
      undefined,
      'application_fee_amount',
    );
  });

  it('capture applies metadata and statement descriptors', () => {
    const { paymentIntent, charge } = authorized();
    const t = capturePaymentIntent(
      paymentIntent,
      charge,
      {
        metadata: { order: '1' },
        statementDescriptor: 'SHOP',
        statementDescriptorSuffix: 'X',
      },
      NOW_MS,
    );
    assert.deepEqual(t.paymentIntent.metadata, { order: '1' });
    assert.equal(t.paymentIntent.statement_descriptor, 'SHOP');
    assert.equal(t.paymentIntent.statement_descriptor_suffix, 'X');
  });
});

describe('cancel', () => {
  const cancellable = new Set<PaymentIntentStatus>([
    'requires_payment_method',
    'requires_capture',
    'requires_confirmation',
    'requires_action',
    'processing',
  ]);
  for (const status of allStatuses) {
    it(`cancel in ${status}: ${cancellable.has(status) ? 'canceled' : 'payment_intent_unexpected_state'}`, () => {
      const pi = inStatus(status);
      if (cancellable.has(status)) {
        const t = cancelPaymentIntent(pi, null, 'requested_by_customer', NOW_MS);
        assert.equal(t.paymentIntent.status, 'canceled');
        assert.equal(t.paymentIntent.cancellation_reason, 'requested_by_customer');
        assert.equal(t.paymentIntent.canceled_at, NOW_S);
        assert.equal(t.paymentIntent.amount_capturable, 0);
        assert.deepEqual(
          t.events.map((e) => e.type),
          ['payment_intent.canceled'],
        );
      } else {
        const error = rejects(
          () => cancelPaymentIntent(pi, null, null, NOW_MS),
          'payment_intent_unexpected_state',
          `You cannot cancel this PaymentIntent because it has a status of ${status}. Only a PaymentIntent with one of ` +
            'the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, ' +
            'requires_action.',
        );
        assert.equal((error.body.payment_intent as PaymentIntent).status, status);
      }
    });
  }

  it('canceling an authorized PaymentIntent releases the authorization (charge refunded)', () => {
    const { paymentIntent, charge } = authorized();
    const t = cancelPaymentIntent(paymentIntent, charge, null, NOW_MS);
    assert.equal(t.paymentIntent.status, 'canceled');
    assert.equal(t.paymentIntent.cancellation_reason, null);
    assert.equal(t.paymentIntent.amount_capturable, 0);
    const released = must(t.changed[1]);
    assert.equal(released['amount_refunded'], 1000);
    assert.equal(released['refunded'], true);
    assert.equal(released['captured'], false);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['charge.refunded', 'payment_intent.canceled'],
    );
    assert.equal(authorizationDeadlineMs(t.paymentIntent, released), null);
    // Every further operation fails.
    rejects(() => capturePaymentIntent(t.paymentIntent, released, {}, NOW_MS), 'payment_intent_unexpected_state');
    rejects(() => checkConfirmable(t.paymentIntent, pm), 'payment_intent_unexpected_state');
    rejects(() => cancelPaymentIntent(t.paymentIntent, released, null, NOW_MS), 'payment_intent_unexpected_state');
    rejects(() => checkIncrementable(t.paymentIntent, released, 2000), 'payment_intent_unexpected_state');
  });

  it('canceling after a decline (requires_payment_method with a failed charge) releases nothing', () => {
    const { paymentIntent, charge } = authorized({ auth: declined() });
    const t = cancelPaymentIntent(paymentIntent, charge, 'abandoned', NOW_MS);
    assert.equal(t.changed.length, 1);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['payment_intent.canceled'],
    );
  });
});

describe('authorization expiry', () => {
  it('an uncaptured authorization expires: canceled (automatic), charge expired and refunded', () => {
    const { paymentIntent, charge } = authorized();
    const t = expireAuthorization(paymentIntent, charge, (NOW_S + 2 * DAY_S) * 1000);
    const [canceled, expired] = t.changed as [PaymentIntent, StoredObject];
    assert.equal(canceled.status, 'canceled');
    assert.equal(canceled.cancellation_reason, 'automatic');
    assert.equal(canceled.canceled_at, NOW_S + 2 * DAY_S);
    assert.equal(canceled.amount_capturable, 0);
    assert.equal(expired['refunded'], true);
    assert.equal(expired['amount_refunded'], 1000);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['charge.expired', 'payment_intent.canceled'],
    );
  });
  for (const status of allStatuses.filter((s) => s !== 'requires_capture')) {
    it(`nothing expires in ${status}`, () => {
      const { charge } = authorized();
      assert.deepEqual(expireAuthorization(inStatus(status), charge, NOW_MS + 10 * DAY_S * 1000), {
        changed: [],
        events: [],
      });
      assert.equal(authorizationDeadlineMs(inStatus(status), charge), null);
    });
  }
});

describe('incremental authorization', () => {
  const incrementable = () => authorized({ auth: approved({ incrementalAuthorizationSupported: true }) });

  for (const status of allStatuses.filter((s) => s !== 'requires_capture')) {
    it(`increment in ${status} → payment_intent_unexpected_state`, () => {
      rejects(
        () => checkIncrementable(inStatus(status), incrementable().charge, 2000),
        'payment_intent_unexpected_state',
        `This PaymentIntent's authorization could not be incremented because it has a status of ${status}. Only a ` +
          'PaymentIntent with one of the following statuses may be incremented: requires_capture.',
      );
    });
  }

  it('without incremental_authorization_supported → incremental_authorization_not_supported', () => {
    const { paymentIntent, charge } = authorized();
    rejects(() => checkIncrementable(paymentIntent, charge, 2000), 'incremental_authorization_not_supported');
  });

  it('the new amount must be greater than the current one', () => {
    const { paymentIntent, charge } = incrementable();
    rejects(
      () => checkIncrementable(paymentIntent, charge, 1000),
      'payment_intent_invalid_parameter',
      'The amount (1000) must be greater than the amount currently authorized (1000).',
      'amount',
    );
    rejects(
      () => checkIncrementable(paymentIntent, charge, 999),
      'payment_intent_invalid_parameter',
      undefined,
      'amount',
    );
  });

  it('an approved increment raises amount, amount_capturable and the charge amount', () => {
    const { paymentIntent, charge } = incrementable();
    checkIncrementable(paymentIntent, charge, 1500);
    const t = applyIncrement(paymentIntent, charge, 1500, true, { description: 'more', metadata: { a: '1' } });
    assert.equal(t.paymentIntent.amount, 1500);
    assert.equal(t.paymentIntent.amount_capturable, 1500);
    assert.equal(t.paymentIntent.status, 'requires_capture');
    assert.equal(t.paymentIntent.description, 'more');
    assert.deepEqual(t.paymentIntent.metadata, { a: '1' });
    assert.equal(must(t.changed[1])['amount'], 1500);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['charge.updated', 'payment_intent.amount_capturable_updated'],
    );
    // The increased authorization can then be captured in full.
    const captured = capturePaymentIntent(t.paymentIntent, must(t.changed[1]), {}, NOW_MS);
    assert.equal(captured.paymentIntent.amount_received, 1500);
  });

  it('a declined increment leaves the PaymentIntent and charge unchanged but counts the attempt', () => {
    const { paymentIntent, charge } = incrementable();
    const t = applyIncrement(paymentIntent, charge, 1505, false, {});
    assert.equal(t.changed.length, 1);
    assert.deepEqual(t.events, []);
    assert.equal(t.paymentIntent.amount, 1000);
    assert.equal(t.paymentIntent.amount_capturable, 1000);
    assert.equal(t.paymentIntent._internal.incrementCount, 1);
  });

  it(`at most ${limits.incrementalAuthorizationCountMax} attempts, declines included`, () => {
    let { paymentIntent } = incrementable();
    const { charge } = incrementable();
    for (let attempt = 1; attempt <= limits.incrementalAuthorizationCountMax; attempt += 1) {
      const amount = paymentIntent.amount + 100;
      checkIncrementable(paymentIntent, charge, amount);
      paymentIntent = applyIncrement(paymentIntent, charge, amount, attempt % 2 === 0, {}).paymentIntent;
    }
    assert.equal(paymentIntent._internal.incrementCount, 10);
    rejects(
      () => checkIncrementable(paymentIntent, charge, paymentIntent.amount + 100),
      'payment_intent_amount_reached_limit',
      'This PaymentIntent has reached the maximum of 10 incremental authorization attempts.',
    );
  });
});
