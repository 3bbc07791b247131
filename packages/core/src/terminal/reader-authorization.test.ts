/** The one decision of a reader's authorization: both sides (PaymentIntent and reader) from the processor's answer. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthorizationResult, CardFacts } from '../card.js';
import { attachPaymentMethod, createPaymentIntent, type PaymentIntent } from '../payment-intent.js';
import { buildPaymentMethod } from '../payment-method.js';
import { beginAuthorization, buildReader, startAction, type Reader } from './reader.js';
import {
  authorizationOutcome,
  decideReaderAuthorization,
  endAuthorization,
  isPinDecline,
  readerDeadline,
  type ReaderAuthorization,
} from './reader-authorization.js';
import { ApiError } from '../errors.js';
import { must } from '../must.js';
import { testCardFacts } from '../card-facts.fixture.test.js';

const now = 1_800_000_000_000;
const card: CardFacts = testCardFacts();
const pm = buildPaymentMethod('pm_1', card, now);
const outcome = {
  network_status: 'approved_by_network',
  reason: null,
  risk_level: 'normal',
  risk_score: 10,
  seller_message: 'Payment complete.',
  type: 'authorized',
  advice_code: null,
} as const;
const approved: AuthorizationResult = {
  approved: true,
  authorizationCode: '123456',
  networkTransactionId: '1',
  captureBefore: now / 1000 + 3600,
  overcaptureSupported: false,
  incrementalAuthorizationSupported: false,
  outcome,
  receipt: {
    account_type: 'credit',
    application_cryptogram: 'AC',
    application_preferred_name: 'Visa Credit',
    authorization_code: '123456',
    authorization_response_code: '3030',
    cardholder_verification_method: 'none',
    dedicated_file_name: 'A0000000031010',
    terminal_verification_results: '0000000000',
    transaction_status_information: '0000',
  },
};
function declined(declineCode: string): AuthorizationResult {
  return {
    approved: false,
    code: 'card_declined',
    declineCode,
    message: 'Your card was declined.',
    pinRequired: declineCode.includes('pin'),
    outcome: { ...outcome, network_status: 'declined_by_network', reason: declineCode, type: 'issuer_declined' },
    receipt: null,
  };
}

const paymentIntent: PaymentIntent = attachPaymentMethod(
  createPaymentIntent(
    {
      id: 'pi_1',
      clientSecret: 'pi_1_secret_x',
      amount: 1000,
      currency: 'usd',
      captureMethod: 'manual',
      paymentMethodTypes: ['card_present'],
      paymentMethodOptions: {},
      fields: {},
    },
    now,
  ).paymentIntent,
  pm,
);
const idle = buildReader(
  {
    id: 'tmr_1',
    deviceType: 'simulated_wisepos_e',
    label: 'r',
    location: 'tml_1',
    metadata: {},
    serialNumber: 's',
    deviceSwVersion: '',
    ipAddress: '0.0.0.0',
    link: 'simulated',
  },
  now,
);
const waiting = startAction(
  idle,
  { type: 'process_payment_intent', process_payment_intent: { payment_intent: 'pi_1' } },
  true,
  now,
).reader;
/** Claimed at once (no latency). */
const authorizing = beginAuthorization(waiting, { paymentMethod: 'pm_1', tipAmount: 0 }, 0, now).reader;
const claimed = must(authorizing._internal.authorizing, 'the claimed authorization');

function decide(overrides: Partial<ReaderAuthorization> & { answer?: AuthorizationResult } = {}) {
  const { answer, ...rest } = overrides;
  return decideReaderAuthorization(
    {
      paymentIntent,
      reader: authorizing,
      claimed,
      pinCanFollow: false,
      authorization: {
        paymentMethod: pm,
        card,
        authorization: answer ?? approved,
        chargeId: 'ch_1',
        amount: 1000,
        tipAmount: 0,
        reader: { id: 'tmr_1', location: 'tml_1' },
      },
      ...rest,
    },
    now,
  );
}

describe('decideReaderAuthorization', () => {
  it('an approval: the PaymentIntent, its charge and the reader action ending, with both deadlines, in one transition', () => {
    const decision = decide();
    assert.equal(decision.paymentIntent.status, 'requires_capture');
    assert.equal(decision.decline, null);
    assert.deepEqual(decision.outcome, { status: 'succeeded' });
    assert.equal(decision.retryWithPin, false);
    assert.equal(decision.reader?.action?.status, 'succeeded');
    assert.equal(decision.reader?._internal.stage, 'final');
    assert.deepEqual(
      decision.changed.map((object) => object.id),
      ['pi_1', 'ch_1', 'tmr_1'],
    );
    assert.deepEqual(
      decision.events.map((event) => event.type),
      ['charge.succeeded', 'payment_intent.amount_capturable_updated', 'terminal.reader.action_succeeded'],
    );
    assert.deepEqual(
      [...must(decision.deadlines, 'deadlines')],
      [
        ['pi_1', (now / 1000 + 3600) * 1000],
        ['tmr_1', null],
      ],
    );
  });

  it('a decline: both sides record it, the reader reports the card error without the objects it carries', () => {
    const decision = decide({ answer: declined('insufficient_funds') });
    assert.equal(decision.paymentIntent.status, 'requires_payment_method');
    assert.equal(decision.decline?.code, 'card_declined');
    assert.deepEqual(decision.outcome, { status: 'failed', code: 'card_declined', message: 'Your card was declined.' });
    assert.equal(decision.reader?.action?.status, 'failed');
    assert.equal(decision.reader?.action?.failure_code, 'card_declined');
    assert.deepEqual(
      decision.events.map((event) => event.type),
      ['charge.failed', 'payment_intent.payment_failed', 'terminal.reader.action_failed'],
    );
  });

  it('a PIN decline with a PIN to come: the PaymentIntent commits alone, the reader goes on to the second authorization', () => {
    for (const code of ['offline_pin_required', 'online_or_offline_pin_required']) {
      const decision = decide({ answer: declined(code), pinCanFollow: true });
      assert.equal(decision.retryWithPin, true, code);
      assert.equal(decision.reader, null);
      assert.deepEqual(
        decision.changed.map((object) => object.id),
        ['pi_1', 'ch_1'],
      );
      assert.equal(must(decision.deadlines, 'deadlines').has('tmr_1'), false);
    }
    const last = decide({ answer: declined('offline_pin_required'), pinCanFollow: false });
    assert.equal(last.retryWithPin, false, 'no PIN left to ask for: the decline ends the action');
    assert.equal(last.reader?.action?.failure_code, 'card_declined');
    assert.equal(decide({ answer: declined('insufficient_funds'), pinCanFollow: true }).retryWithPin, false);
  });

  it('the injected connection error after the charge: the PaymentIntent is charged, the reader reports connection_error and the fault is used up', () => {
    const faulted: Reader = {
      ...authorizing,
      _internal: { ...authorizing._internal, faults: { nextAuthorization: { connectionError: true, charged: true } } },
    };
    const decision = decide({ reader: faulted });
    assert.equal(decision.paymentIntent.status, 'requires_capture');
    assert.deepEqual(decision.outcome, {
      status: 'failed',
      code: 'connection_error',
      message: 'Could not connect to Stripe.',
    });
    assert.equal(decision.reader?.action?.failure_code, 'connection_error');
    assert.equal(decision.reader?._internal.faults.nextAuthorization, null);
  });

  it('a reader no longer running the claimed authorization (recovered, replaced) is left as it is', () => {
    const recovered: Reader = {
      ...authorizing,
      _internal: { ...authorizing._internal, stage: 'final', authorizing: null },
    };
    const replaced: Reader = {
      ...authorizing,
      _internal: { ...authorizing._internal, authorizing: { ...claimed, claimedAtMs: now + 1 } },
    };
    for (const reader of [recovered, replaced]) {
      const decision = decide({ reader });
      assert.equal(decision.reader, null);
      assert.deepEqual(
        decision.changed.map((object) => object.id),
        ['pi_1', 'ch_1'],
      );
      assert.equal(endAuthorization(reader, claimed, { status: 'succeeded' }, now), null);
    }
  });
});

describe('authorization outcomes and reader deadlines', () => {
  it('a card error (402) is reported bare; any other API error keeps its body minus the objects', () => {
    const invalid = new ApiError('intent_invalid_state', 'bad state', {
      param: 'payment_intent',
      payment_intent: { id: 'pi_1' },
    });
    const { payment_intent: _objectCarried, ...apiError } = invalid.body;
    assert.deepEqual(authorizationOutcome(invalid), {
      status: 'failed',
      code: 'intent_invalid_state',
      message: 'bad state',
      apiError,
    });
    assert.equal('payment_intent' in apiError, false);
    const decline = new ApiError('card_declined', 'Your card was declined.', {
      decline_code: 'generic_decline',
      payment_intent: { id: 'pi_1' },
    });
    assert.deepEqual(authorizationOutcome(decline), {
      status: 'failed',
      code: 'card_declined',
      message: 'Your card was declined.',
    });
    assert.equal(isPinDecline(new ApiError('card_declined', 'x', { decline_code: 'offline_pin_required' })), true);
    assert.equal(isPinDecline(new ApiError('card_declined', 'x', { decline_code: 'insufficient_funds' })), false);
    assert.equal(isPinDecline(null), false);
  });

  it('readerDeadline: the earliest of authorization due or recovery, held card expiry and auto-present', () => {
    assert.equal(readerDeadline(idle), null);
    const due = beginAuthorization(waiting, { paymentMethod: 'pm_1', tipAmount: 0 }, 5000, now).reader;
    assert.equal(readerDeadline(due), now + 5000);
    assert.equal(readerDeadline(authorizing), now + 60_000, 'claimed: the recovery deadline');
    assert.equal(
      readerDeadline({ ...waiting, _internal: { ...waiting._internal, autoPresentAtMs: now + 700 } }),
      now + 700,
    );
    assert.equal(readerDeadline({ ...due, _internal: { ...due._internal, autoPresentAtMs: now + 9000 } }), now + 5000);
  });
});
