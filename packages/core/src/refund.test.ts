/** Table-driven tests of the pure refund machine: partial, full, over-refund, sync and async failures. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiError,
  asyncRefundFailureDelayMs,
  cancelRefund,
  compact,
  must,
  createRefund,
  failRefundLater,
  refundableAmount,
  refundPaymentAction,
  type Charge,
  type CreateRefund,
  type StoredObject,
} from './index.js';

const NOW_MS = 1_800_000_000_000;

function charge(overrides: Record<string, unknown> = {}): StoredObject {
  return {
    id: 'ch_1',
    object: 'charge',
    created: NOW_MS / 1000,
    livemode: false,
    amount: 1000,
    amount_captured: 1000,
    amount_refunded: 0,
    captured: true,
    currency: 'usd',
    payment_intent: 'pi_1',
    refunded: false,
    status: 'succeeded',
    ...overrides,
  };
}

const ok = { accepted: true, failsLaterWith: null } as const;

function refund(
  base: StoredObject,
  amount: number | undefined,
  processor: CreateRefund['processor'] = ok,
  id = 're_1',
) {
  return createRefund(
    {
      id,
      charge: base,
      ...compact({ amount }),
      reason: 'requested_by_customer',
      metadata: { a: 'b' },
      processor,
    },
    NOW_MS,
  );
}

function rejects(fn: () => unknown, code: string, message?: string, param?: string): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiError, `expected ApiError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (message !== undefined) assert.equal(caught.body.message, message);
  if (param !== undefined) assert.equal(caught.body.param, param);
  return caught;
}

describe('refundable amount', () => {
  const table: [string, Record<string, unknown>, number | undefined, number | string][] = [
    ['full by default', {}, undefined, 1000],
    ['partial', {}, 300, 300],
    ['exactly what is left', { amount_refunded: 700 }, 300, 300],
    ['the rest by default', { amount_refunded: 700 }, undefined, 300],
    ['after a partial capture only the captured part', { amount_captured: 600, amount_refunded: 400 }, undefined, 600],
    ['over-refund', { amount_refunded: 700 }, 301, 'amount_too_large'],
    ['over-refund after a partial capture', { amount_captured: 600, amount_refunded: 400 }, 601, 'amount_too_large'],
    ['already fully refunded', { amount_refunded: 1000, refunded: true }, undefined, 'charge_already_refunded'],
    ['already fully refunded, with an amount', { amount_refunded: 1000, refunded: true }, 1, 'charge_already_refunded'],
    ['uncaptured', { captured: false, amount_captured: 0 }, undefined, 'charge_expired_for_capture'],
    ['failed charge', { status: 'failed', captured: false }, undefined, 'charge_expired_for_capture'],
  ];
  for (const [label, overrides, requested, expected] of table) {
    it(`${label} → ${expected}`, () => {
      if (typeof expected === 'number') assert.equal(refundableAmount(charge(overrides), requested), expected);
      else rejects(() => refundableAmount(charge(overrides), requested), expected);
    });
  }
  it('the over-refund error has Stripe wording and the amount param', () => {
    const error = rejects(
      () => refundableAmount(charge({ amount_refunded: 700 }), 301),
      'amount_too_large',
      'Refund amount (301) is greater than unrefunded amount on charge (300)',
      'amount',
    );
    assert.equal(error.status, 400);
    assert.equal(error.body.type, 'invalid_request_error');
  });
});

describe('create', () => {
  it('a partial refund succeeds and moves amount_refunded; the charge is not yet refunded', () => {
    const t = refund(charge(), 400);
    assert.equal(t.refund['status'], 'succeeded');
    assert.equal(t.refund['amount'], 400);
    assert.equal(t.refund['object'], 'refund');
    assert.equal(t.refund['charge'], 'ch_1');
    assert.equal(t.refund['payment_intent'], 'pi_1');
    assert.equal(t.refund['currency'], 'usd');
    assert.equal(t.refund['reason'], 'requested_by_customer');
    assert.deepEqual(t.refund['metadata'], { a: 'b' });
    assert.equal(t.refund.created, NOW_MS / 1000);
    const updated = must(t.changed[1]);
    assert.equal(updated['amount_refunded'], 400);
    assert.equal(updated['refunded'], false);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['refund.created', 'charge.refunded'],
    );
    assert.deepEqual(must(t.events[1]).previousAttributes, { amount_refunded: 0 });
  });

  it('partial refunds repeat until the charge is fully refunded, then any further refund fails', () => {
    let current = charge();
    for (const [amount, total] of [
      [300, 300],
      [300, 600],
      [400, 1000],
    ] as const) {
      const t = refund(current, amount);
      current = must(t.changed[1]);
      assert.equal(current['amount_refunded'], total);
    }
    assert.equal(current['refunded'], true);
    rejects(() => refund(current, 1), 'charge_already_refunded');
    rejects(() => refund(current, undefined), 'charge_already_refunded');
  });

  it('a full refund marks the charge refunded', () => {
    const t = refund(charge(), undefined);
    assert.equal(t.refund['amount'], 1000);
    assert.equal(must(t.changed[1])['refunded'], true);
  });

  it('an over-refund is refused before anything changes', () => {
    rejects(() => refund(charge({ amount_refunded: 900 }), 200), 'amount_too_large');
  });

  it('a refund the processor declines on the spot is stored failed and leaves the charge unchanged', () => {
    const t = refund(charge(), 505, { accepted: false, failureReason: 'declined', message: 'declined' });
    assert.equal(t.refund['status'], 'failed');
    assert.equal(t.refund['failure_reason'], 'declined');
    assert.equal(t.changed.length, 1);
    assert.deepEqual(
      t.events.map((e) => e.type),
      ['refund.created', 'refund.failed'],
    );
  });
});

describe('asynchronous failure (refund_fail)', () => {
  it('looks successful at first, then fails: charge amount_refunded restored, refund.failed emitted', () => {
    const t = refund(charge(), 600, { accepted: true, failsLaterWith: 'expired_or_canceled_card' });
    assert.equal(t.refund['status'], 'succeeded');
    assert.equal((t.refund._internal as { failAtMs: number }).failAtMs, NOW_MS + asyncRefundFailureDelayMs);
    const refundedCharge = must(t.changed[1]);
    assert.equal(refundedCharge['amount_refunded'], 600);

    const later = failRefundLater(t.refund, refundedCharge);
    const [failed, restored] = later.changed as [StoredObject, StoredObject];
    assert.equal(failed['status'], 'failed');
    assert.equal(failed['failure_reason'], 'expired_or_canceled_card');
    assert.equal(restored['amount_refunded'], 0);
    assert.equal(restored['refunded'], false);
    assert.deepEqual(
      later.events.map((e) => e.type),
      ['refund.updated', 'refund.failed', 'charge.refund.updated'],
    );
    assert.deepEqual(must(later.events[0]).previousAttributes, { status: 'succeeded' });
    // Failing again is a no-op (the scheduler may see the refund twice).
    assert.deepEqual(failRefundLater(failed, restored), { changed: [], events: [] });
    // The amount can be refunded again once the failed refund gave it back.
    assert.equal(refundableAmount(restored, undefined), 1000);
  });

  it('a refund that does not fail later is left alone by the scheduler', () => {
    const t = refund(charge(), 600);
    assert.equal((t.refund._internal as { failAtMs: number | null }).failAtMs, null);
    assert.deepEqual(failRefundLater(t.refund, must(t.changed[1])), { changed: [], events: [] });
  });

  it('a full refund that fails later un-refunds the charge', () => {
    const t = refund(charge(), undefined, { accepted: true, failsLaterWith: 'expired_or_canceled_card' });
    assert.equal(must(t.changed[1])['refunded'], true);
    const restored = must(failRefundLater(t.refund, must(t.changed[1])).changed[1]);
    assert.equal(restored['refunded'], false);
    assert.equal(restored['amount_refunded'], 0);
  });
});

describe('cancel', () => {
  for (const status of ['succeeded', 'failed', 'pending', 'canceled']) {
    it(`a ${status} refund cannot be canceled (only requires_action can)`, () => {
      const error = rejects(
        () => cancelRefund({ ...refund(charge(), 100).refund, status }),
        'refund_invalid_state',
        `Refund re_1 cannot be canceled because it has a status of ${status}. Only refunds with a status of ` +
          'requires_action can be canceled.',
      );
      assert.equal(error.status, 400);
    });
  }
});

describe('refundPaymentAction (a reader refund_payment action)', () => {
  const captured = charge() as Charge;
  it('names the charge and its PaymentIntent, with only the parameters given', () => {
    assert.deepEqual(refundPaymentAction(captured, { charge: 'ch_1' }), { charge: 'ch_1', payment_intent: 'pi_1' });
    assert.deepEqual(
      refundPaymentAction(captured, {
        paymentIntent: 'pi_1',
        amount: 400,
        metadata: { k: 'v' },
        reason: 'duplicate',
        refundApplicationFee: false,
        reverseTransfer: true,
        config: { enable_customer_cancellation: true },
      }),
      {
        amount: 400,
        charge: 'ch_1',
        metadata: { k: 'v' },
        payment_intent: 'pi_1',
        reason: 'duplicate',
        refund_application_fee: false,
        refund_payment_config: { enable_customer_cancellation: true },
        reverse_transfer: true,
      },
    );
  });

  it('refuses no charge, an uncaptured or failed one (param as asked), a fully refunded one and an amount over what is left', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof ApiError ? [error.code, error.body.param] : error;
      }
      return 'ok';
    };
    assert.deepEqual(
      code(() => refundPaymentAction(null, { paymentIntent: 'pi_1' })),
      ['charge_expired_for_capture', 'payment_intent'],
    );
    assert.deepEqual(
      code(() => refundPaymentAction(charge({ captured: false }) as Charge, { charge: 'ch_1' })),
      ['charge_expired_for_capture', 'charge'],
    );
    assert.deepEqual(
      code(() => refundPaymentAction(charge({ status: 'failed' }) as Charge, { charge: 'ch_1' })),
      ['charge_expired_for_capture', 'charge'],
    );
    assert.deepEqual(
      code(() => refundPaymentAction(charge({ amount_refunded: 1000 }) as Charge, { charge: 'ch_1' })),
      ['charge_already_refunded', 'charge'],
    );
    assert.deepEqual(
      code(() => refundPaymentAction(charge({ amount_refunded: 700 }) as Charge, { charge: 'ch_1', amount: 301 })),
      ['amount_too_large_for_refund', 'amount'],
    );
    assert.deepEqual(
      refundPaymentAction(charge({ amount_refunded: 700 }) as Charge, { charge: 'ch_1', amount: 300 })['amount'],
      300,
    );
  });
});

/** A stored refund without its `_internal` (a document written before the field existed). */
function withoutInternal(object: StoredObject): StoredObject {
  const { _internal: _omitted, ...rest } = object;
  return rest;
}

describe('every member, and the exact refusals', () => {
  it('an accepted refund: the whole object, and the charge event with what it replaced', () => {
    const base = charge({ customer: 'cus_1', payment_method: 'pm_1', amount_refunded: 100 });
    const t = createRefund(
      {
        id: 're_9',
        charge: base,
        amount: 250,
        reason: null,
        metadata: { order: '7' },
        instructionsEmail: 'jenny@example.com',
        processor: { accepted: true, failsLaterWith: null },
      },
      NOW_MS + 999,
    );
    assert.deepEqual(t.refund, {
      id: 're_9',
      object: 'refund',
      amount: 250,
      balance_transaction: null,
      charge: 'ch_1',
      created: NOW_MS / 1000,
      currency: 'usd',
      customer: 'cus_1',
      customer_account: null,
      destination_details: {
        type: 'card',
        card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      },
      instructions_email: 'jenny@example.com',
      livemode: false,
      metadata: { order: '7' },
      payment_intent: 'pi_1',
      payment_method: 'pm_1',
      reason: null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
      _internal: { failsLaterWith: null, failAtMs: null },
    });
    assert.deepEqual(t.changed, [t.refund, { ...base, amount_refunded: 350, refunded: false }]);
    assert.deepEqual(t.events, [
      { type: 'refund.created', object: t.refund },
      { type: 'charge.refunded', object: t.changed[1], previousAttributes: { amount_refunded: 100 } },
    ]);
  });

  it('a refused refund: failed, with its reason, nothing moved; no customer or payment method gives null', () => {
    const t = createRefund(
      {
        id: 're_8',
        charge: charge(),
        amount: 100,
        reason: 'duplicate',
        metadata: {},
        processor: { accepted: false, failureReason: 'lost_or_stolen_card', message: 'The card was lost.' },
      },
      NOW_MS,
    );
    assert.equal(t.refund['customer'], null);
    assert.equal(t.refund['payment_method'], null);
    assert.equal('instructions_email' in t.refund, false);
    assert.equal(t.refund['failure_reason'], 'lost_or_stolen_card');
    assert.deepEqual(t.refund._internal, { failsLaterWith: null, failAtMs: null });
    assert.deepEqual(t.changed, [t.refund]);
    assert.deepEqual(t.events, [
      { type: 'refund.created', object: t.refund },
      { type: 'refund.failed', object: t.refund },
    ]);
    assert.equal('failure_reason' in refund(charge(), 100).refund, false, 'an accepted refund has no failure_reason');
  });

  it("uncaptured or failed charges and refunded ones: Stripe's codes, messages and params", () => {
    const uncaptured = rejects(
      () => refundableAmount(charge({ captured: false }), undefined),
      'charge_expired_for_capture',
      'Charge ch_1 has not been captured; cancel its PaymentIntent instead of refunding it.',
      'charge',
    );
    assert.equal(uncaptured.status, 400);
    rejects(() => refundableAmount(charge({ status: 'failed' }), undefined), 'charge_expired_for_capture');
    rejects(() => refundableAmount(charge({ status: 'pending' }), 5), 'charge_expired_for_capture');
    const refunded = rejects(
      () => refundableAmount(charge({ amount_refunded: 1000 }), undefined),
      'charge_already_refunded',
      'Charge ch_1 has already been refunded.',
    );
    assert.equal(refunded.body.param, undefined);
    rejects(() => refundableAmount(charge({ amount_refunded: 1200 }), undefined), 'charge_already_refunded');
    assert.equal(refundableAmount(charge({ amount_refunded: 999 }), undefined), 1);
  });

  it('a failure after a later refund gives back only its own amount (never below zero)', () => {
    const first = refund(charge(), 300, { accepted: true, failsLaterWith: 'charge_for_pending_refund_disputed' });
    const second = refund(must(first.changed[1], 'the charge'), 200, ok, 're_2');
    const later = failRefundLater(first.refund, must(second.changed[1], 'the charge'));
    assert.deepEqual(later.changed, [
      {
        ...first.refund,
        status: 'failed',
        failure_reason: 'charge_for_pending_refund_disputed',
        _internal: { failsLaterWith: null, failAtMs: null },
      },
      { ...must(second.changed[1], 'the charge'), amount_refunded: 200, refunded: false },
    ]);
    assert.deepEqual(
      later.events.map((e) => e.object),
      [later.changed[0], later.changed[0], later.changed[0]],
    );
    const clamped = failRefundLater(first.refund, charge({ amount_refunded: 100 }));
    assert.equal(must(clamped.changed[1], 'the charge')['amount_refunded'], 0);
    // Only a succeeded refund that is due to fail fails.
    assert.deepEqual(failRefundLater({ ...first.refund, status: 'pending' }, charge()), { changed: [], events: [] });
    assert.deepEqual(failRefundLater(withoutInternal(first.refund), charge()), { changed: [], events: [] });
  });
});
