/** The SetupIntent state machine (card_present saving): exact objects, events and refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testCardFacts } from './card-facts.fixture.test.js';
import { ApiError } from './errors.js';
import { must } from './must.js';
import { buildPaymentMethod } from './payment-method.js';
import {
  applySetupVerification,
  cancelSetupIntent,
  checkSetupConfirmable,
  createSetupIntent,
  updateSetupIntent,
  type SetupIntent,
  type SetupIntentStatus,
} from './setup-intent.js';

const nowMs = 1_700_000_000_999;
const card = testCardFacts({ fingerprint: 'fp_1', testCard: '4242424242424242' });

function created(fields: Parameters<typeof createSetupIntent>[0]['fields'] = {}): SetupIntent {
  return createSetupIntent(
    {
      id: 'seti_1',
      clientSecret: 'seti_1_secret_x',
      paymentMethodTypes: ['card_present'],
      usage: 'off_session',
      fields,
    },
    nowMs,
  ).setupIntent;
}
const withStatus = (status: SetupIntentStatus): SetupIntent => ({ ...created(), status });
function refusedWith(code: string, message: string, param?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, code);
    assert.equal(error.message, message);
    assert.equal(error.body.param, param);
    return true;
  };
}

describe('createSetupIntent', () => {
  it("is Stripe's object in requires_payment_method, with one setup_intent.created event", () => {
    const transition = createSetupIntent(
      {
        id: 'seti_1',
        clientSecret: 'seti_1_secret_x',
        paymentMethodTypes: ['card_present', 'interac_present'],
        usage: 'on_session',
        fields: { customer: 'cus_1', description: 'd', metadata: { a: 'b' } },
      },
      nowMs,
    );
    assert.deepEqual(transition.setupIntent, {
      id: 'seti_1',
      object: 'setup_intent',
      allowed_payment_method_types: null,
      excluded_payment_method_types: null,
      application: null,
      automatic_payment_methods: null,
      cancellation_reason: null,
      client_secret: 'seti_1_secret_x',
      created: 1_700_000_000,
      customer: 'cus_1',
      description: 'd',
      flow_directions: null,
      last_setup_error: null,
      latest_attempt: null,
      livemode: false,
      mandate: null,
      metadata: { a: 'b' },
      next_action: null,
      on_behalf_of: null,
      payment_method: null,
      payment_method_configuration_details: null,
      payment_method_options: { card_present: {}, interac_present: {} },
      payment_method_types: ['card_present', 'interac_present'],
      single_use_mandate: null,
      status: 'requires_payment_method',
      usage: 'on_session',
    });
    assert.deepEqual(transition.changed, [transition.setupIntent]);
    assert.deepEqual(transition.events, [{ type: 'setup_intent.created', object: transition.setupIntent }]);
  });
});

describe('updateSetupIntent', () => {
  it('changes the given fields; new payment_method_types bring their options', () => {
    const updated = updateSetupIntent(created(), {
      description: 'new',
      paymentMethodTypes: ['interac_present'],
      customer: 'cus_2',
    });
    assert.equal(updated.description, 'new');
    assert.equal(updated.customer, 'cus_2');
    assert.deepEqual(updated.payment_method_types, ['interac_present']);
    assert.deepEqual(updated.payment_method_options, { interac_present: {} });
    assert.equal('paymentMethodTypes' in updated, false);
    const same = updateSetupIntent(created(), { metadata: { k: 'v' } });
    assert.deepEqual(same, { ...created(), metadata: { k: 'v' } });
  });

  it('refuses new types or a customer once the SetupIntent left the editable states, not metadata or a description', () => {
    for (const status of ['succeeded', 'canceled', 'processing'] as const) {
      const message = `You cannot update this SetupIntent because it has a status of ${status}.`;
      assert.throws(
        () => updateSetupIntent(withStatus(status), { paymentMethodTypes: ['card_present'] }),
        refusedWith('setup_intent_unexpected_state', message),
      );
      assert.throws(
        () => updateSetupIntent(withStatus(status), { customer: 'cus_1' }),
        refusedWith('setup_intent_unexpected_state', message),
      );
      assert.equal(updateSetupIntent(withStatus(status), { description: 'x', metadata: {} }).description, 'x');
    }
    for (const status of ['requires_payment_method', 'requires_confirmation', 'requires_action'] as const) {
      assert.equal(updateSetupIntent(withStatus(status), { customer: 'cus_9' }).customer, 'cus_9');
    }
  });
});

describe('cancelSetupIntent', () => {
  it('cancels from the three waiting states with the reason and a setup_intent.canceled event', () => {
    for (const status of ['requires_payment_method', 'requires_confirmation', 'requires_action'] as const) {
      const transition = cancelSetupIntent(withStatus(status), 'abandoned');
      assert.deepEqual(transition.setupIntent, {
        ...withStatus(status),
        status: 'canceled',
        cancellation_reason: 'abandoned',
      });
      assert.deepEqual(transition.changed, [transition.setupIntent]);
      assert.deepEqual(transition.events, [{ type: 'setup_intent.canceled', object: transition.setupIntent }]);
    }
  });
  it('refuses from any other state, naming the states that may be canceled', () => {
    for (const status of ['succeeded', 'canceled', 'processing'] as const) {
      assert.throws(
        () => cancelSetupIntent(withStatus(status), null),
        (error: unknown) => {
          refusedWith(
            'setup_intent_unexpected_state',
            `You cannot cancel this SetupIntent because it has a status of ${status}. ` +
              'Only a SetupIntent with one of the following statuses may be canceled: requires_payment_method, requires_confirmation, requires_action.',
          )(error);
          assert.deepEqual((error as ApiError).body.setup_intent, withStatus(status));
          return true;
        },
      );
    }
  });
});

describe('checkSetupConfirmable', () => {
  const pm = buildPaymentMethod('pm_1', card, nowMs);
  it('accepts an allowed payment method in requires_payment_method or requires_confirmation', () => {
    assert.doesNotThrow(() => checkSetupConfirmable(withStatus('requires_payment_method'), pm));
    assert.doesNotThrow(() => checkSetupConfirmable(withStatus('requires_confirmation'), pm));
  });
  it('refuses other states, a missing payment method and a type the SetupIntent does not allow', () => {
    for (const status of ['requires_action', 'succeeded', 'canceled', 'processing'] as const) {
      assert.throws(
        () => checkSetupConfirmable(withStatus(status), pm),
        refusedWith(
          'setup_intent_unexpected_state',
          `You cannot confirm this SetupIntent because it has a status of ${status}.`,
        ),
      );
    }
    assert.throws(
      () => checkSetupConfirmable(created(), null),
      refusedWith(
        'setup_intent_unexpected_state',
        "You cannot confirm this SetupIntent because it's missing a payment method. Confirm it with a payment_method.",
      ),
    );
    const interac = buildPaymentMethod('pm_2', { ...card, type: 'interac_present' }, nowMs);
    const twoTypes = { ...created(), payment_method_types: ['card_present', 'card'] };
    assert.throws(
      () => checkSetupConfirmable(twoTypes, interac),
      refusedWith(
        'payment_intent_incompatible_payment_method',
        'The PaymentMethod provided (interac_present) is not allowed for this SetupIntent. Allowed types: card_present, card.',
        'payment_method',
      ),
    );
  });
});

describe('applySetupVerification', () => {
  const pm = buildPaymentMethod('pm_1', { ...card, cardholderName: 'Jo' }, nowMs);
  const command = {
    paymentMethod: pm,
    card,
    attemptId: 'setatt_1',
    generatedCardId: 'pm_gen',
    allowRedisplay: 'always',
    decline: null,
  };

  it('on success: the SetupIntent succeeds with a generated card PaymentMethod (generated from the attempt, no charge details), a succeeded attempt, and its events', () => {
    const setupIntent = created({ customer: 'cus_1' });
    const result = applySetupVerification(setupIntent, command, nowMs);
    const attempt = {
      id: 'setatt_1',
      object: 'setup_attempt',
      application: null,
      attach_to_self: false,
      created: 1_700_000_000,
      customer: 'cus_1',
      customer_account: null,
      flow_directions: null,
      livemode: false,
      on_behalf_of: null,
      payment_method: 'pm_1',
      payment_method_details: { type: 'card_present', card_present: { generated_card: 'pm_gen', offline: null } },
      setup_error: null,
      setup_intent: 'seti_1',
      status: 'succeeded',
      usage: 'off_session',
    };
    const generatedCard = {
      id: 'pm_gen',
      object: 'payment_method',
      allow_redisplay: 'always',
      billing_details: pm['billing_details'],
      card: {
        brand: 'visa',
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null },
        country: 'US',
        display_brand: 'visa',
        exp_month: 12,
        exp_year: 2030,
        fingerprint: 'fp_1',
        funding: 'credit',
        generated_from: { charge: null, payment_method_details: null, setup_attempt: 'setatt_1' },
        last4: '4242',
        networks: { available: ['visa'], preferred: null },
        regulated_status: 'unregulated',
        three_d_secure_usage: { supported: true },
        wallet: null,
      },
      created: 1_700_000_000,
      customer: 'cus_1',
      customer_account: null,
      livemode: false,
      metadata: {},
      type: 'card',
      _internal: { card },
    };
    const succeeded = {
      ...setupIntent,
      status: 'succeeded',
      payment_method: 'pm_gen',
      last_setup_error: null,
      latest_attempt: 'setatt_1',
    };
    assert.deepEqual(result.setupIntent, succeeded);
    assert.deepEqual(result.generatedCard, generatedCard);
    assert.equal(result.decline, null);
    assert.deepEqual(result.changed, [succeeded, attempt, generatedCard]);
    assert.deepEqual(result.events, [
      { type: 'payment_method.attached', object: generatedCard },
      { type: 'setup_intent.succeeded', object: succeeded },
    ]);
  });

  it('without a customer nothing is attached: only setup_intent.succeeded', () => {
    const result = applySetupVerification(created(), command, nowMs);
    assert.deepEqual(
      result.events.map((event) => event.type),
      ['setup_intent.succeeded'],
    );
    assert.equal(must(result.generatedCard)['customer'], null);
  });

  it('on a decline: back to requires_payment_method with last_setup_error, a failed attempt and the card error', () => {
    const setupIntent = { ...created(), payment_method: 'pm_old' };
    const decline = {
      code: 'card_declined' as const,
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    };
    const result = applySetupVerification(setupIntent, { ...command, decline }, nowMs);
    const lastSetupError = {
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
      message: 'Your card has insufficient funds.',
      payment_method: pm,
      type: 'card_error',
    };
    const failed = {
      ...setupIntent,
      status: 'requires_payment_method',
      payment_method: null,
      last_setup_error: lastSetupError,
      latest_attempt: 'setatt_1',
    };
    assert.deepEqual(result.setupIntent, failed);
    assert.equal(result.generatedCard, null);
    assert.deepEqual(result.changed[1], {
      id: 'setatt_1',
      object: 'setup_attempt',
      application: null,
      attach_to_self: false,
      created: 1_700_000_000,
      customer: null,
      customer_account: null,
      flow_directions: null,
      livemode: false,
      on_behalf_of: null,
      payment_method: 'pm_1',
      payment_method_details: { type: 'card_present', card_present: { generated_card: null, offline: null } },
      setup_error: {
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
        type: 'card_error',
      },
      setup_intent: 'seti_1',
      status: 'failed',
      usage: 'off_session',
    });
    assert.equal(result.changed.length, 2);
    assert.deepEqual(result.events, [{ type: 'setup_intent.setup_failed', object: failed }]);
    assert.ok(result.decline instanceof ApiError);
    assert.equal(result.decline.code, 'card_declined');
    assert.equal(result.decline.message, 'Your card has insufficient funds.');
    assert.equal(result.decline.body.decline_code, 'insufficient_funds');
    assert.deepEqual(result.decline.body.setup_intent, failed);
  });

  it('a decline without a decline code carries none', () => {
    const decline = { code: 'expired_card' as const, declineCode: null, message: 'Your card has expired.' };
    const result = applySetupVerification(created(), { ...command, decline }, nowMs);
    assert.equal('decline_code' in (result.setupIntent.last_setup_error ?? {}), false);
    assert.equal(
      must(result.setupIntent.last_setup_error)['doc_url'],
      'https://stripe.com/docs/error-codes/expired-card',
    );
    assert.equal('decline_code' in must(result.decline).body, false);
  });
});
