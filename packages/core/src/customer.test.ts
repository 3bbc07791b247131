/**
 * Tests of the pure customer machine (create, update with previous_attributes, delete), attaching and
 * detaching PaymentMethods, and the card a `setup_future_usage` payment saves (`generated_card`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiError,
  applyAuthorization,
  attachPaymentMethod,
  attachPaymentMethodToCustomer,
  buildGeneratedCard,
  buildPaymentMethod,
  createCustomer,
  createPaymentIntent,
  deleteCustomer,
  detachPaymentMethod,
  must,
  updateCustomer,
  type AuthorizationResult,
  type CardFacts,
  type Customer,
  type StoredObject,
} from './index.js';
import { testCardFacts } from './card-facts.fixture.test.js';

const NOW_MS = 1_800_000_000_000;

function rejects(fn: () => unknown, code: string, param?: string): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiError, `expected ApiError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (param !== undefined) assert.equal(caught.body.param, param);
  return caught;
}

const card = testCardFacts;

const approved: AuthorizationResult = {
  approved: true,
  authorizationCode: '123456',
  networkTransactionId: '000000000000001',
  captureBefore: null,
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

function customer(fields: Parameters<typeof createCustomer>[0]['fields'] = {}): Customer {
  return createCustomer({ id: 'cus_1', invoicePrefix: 'ABCDEF12', fields }, NOW_MS).customer;
}

function savedCard(customerId: string | null = null): StoredObject {
  return buildGeneratedCard({
    id: 'pm_card',
    card: card(),
    from: buildPaymentMethod('pm_present', card(), NOW_MS),
    generatedFrom: { charge: 'ch_1', paymentMethodDetails: null, setupAttempt: null },
    customer: customerId,
    allowRedisplay: 'always',
    nowMs: NOW_MS,
  });
}

describe('customers', () => {
  it('creates the whole Stripe shape with customer.created', () => {
    const created = createCustomer(
      { id: 'cus_1', invoicePrefix: 'ABCDEF12', fields: { email: 'a@b.co', name: 'Ada' } },
      NOW_MS,
    );
    const c = created.customer;
    assert.deepEqual(Object.keys(c).sort(), [
      'address',
      'balance',
      'created',
      'currency',
      'customer_account',
      'default_source',
      'delinquent',
      'description',
      'discount',
      'email',
      'id',
      'invoice_prefix',
      'invoice_settings',
      'livemode',
      'metadata',
      'name',
      'next_invoice_sequence',
      'object',
      'phone',
      'preferred_locales',
      'shipping',
      'tax_exempt',
      'test_clock',
    ]);
    assert.equal(c.email, 'a@b.co');
    assert.equal(c.created, NOW_MS / 1000);
    assert.equal(c.invoice_prefix, 'ABCDEF12');
    assert.deepEqual(c.invoice_settings, {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    });
    assert.deepEqual(
      created.events.map((e) => e.type),
      ['customer.created'],
    );
  });

  it('refuses an invoice_prefix Stripe would refuse', () => {
    rejects(() => customer({ invoice_prefix: 'ab' }), 'invalid_request_body', 'invoice_prefix');
    assert.equal(customer({ invoice_prefix: 'SHOP1' }).invoice_prefix, 'SHOP1');
  });

  it('updates with previous_attributes of the changed fields only, and no event when nothing changed', () => {
    const before = customer({ email: 'old@b.co', metadata: { a: '1' } });
    const updated = updateCustomer(before, { email: 'new@b.co', name: null, metadata: { a: '2' } });
    assert.equal(updated.customer.email, 'new@b.co');
    assert.deepEqual(
      updated.events.map((e) => e.type),
      ['customer.updated'],
    );
    assert.deepEqual(must(updated.events[0]).previousAttributes, { email: 'old@b.co', metadata: { a: '1' } });
    const nested = updateCustomer(before, { metadata: { b: '2' }, invoiceFooter: 'thanks' });
    assert.deepEqual(must(nested.events[0]).previousAttributes, {
      metadata: { a: '1', b: null },
      invoice_settings: { footer: null },
    });
    const same = updateCustomer(before, { email: 'old@b.co' });
    assert.deepEqual(same.changed, []);
    assert.deepEqual(same.events, []);
    assert.equal(same.customer, before);
  });

  it('unsets tax_exempt to none, as Stripe does', () => {
    const exempt = customer({ tax_exempt: 'exempt' });
    assert.equal(updateCustomer(exempt, { tax_exempt: null }).customer.tax_exempt, 'none');
  });

  it('deletes into a stub, keeping the document marked, with customer.deleted carrying the customer', () => {
    const c = customer({ email: 'a@b.co' });
    const deleted = deleteCustomer(c);
    assert.deepEqual(deleted.deleted, { id: 'cus_1', object: 'customer', deleted: true });
    assert.equal(must(deleted.changed[0])['deleted'], true);
    assert.equal(must(deleted.events[0]).type, 'customer.deleted');
    assert.equal(must(deleted.events[0]).object['email'], 'a@b.co');
    assert.equal(must(deleted.events[0]).object['deleted'], undefined);
  });
});

describe('attaching and detaching PaymentMethods', () => {
  it('attaches a reusable card with payment_method.attached', () => {
    const attached = attachPaymentMethodToCustomer(savedCard(), 'cus_1');
    assert.equal(attached.paymentMethod['customer'], 'cus_1');
    assert.deepEqual(
      attached.events.map((e) => [e.type, e.previousAttributes]),
      [['payment_method.attached', undefined]],
    );
  });

  it('attaching again to the same customer changes nothing; to another is refused', () => {
    const onOne = savedCard('cus_1');
    assert.deepEqual(attachPaymentMethodToCustomer(onOne, 'cus_1').changed, []);
    rejects(() => attachPaymentMethodToCustomer(onOne, 'cus_2'), 'payment_method_unexpected_state', 'payment_method');
  });

  it('refuses to attach a card_present PaymentMethod (single use: the generated card is what is saved)', () => {
    rejects(
      () => attachPaymentMethodToCustomer(buildPaymentMethod('pm_present', card(), NOW_MS), 'cus_1'),
      'payment_method_invalid_parameter',
      'payment_method',
    );
  });

  it('detaches with payment_method.detached and clears the customer default that named it', () => {
    const c = {
      ...customer(),
      invoice_settings: { ...customer().invoice_settings, default_payment_method: 'pm_card' },
    };
    const detached = detachPaymentMethod(savedCard('cus_1'), c);
    assert.equal(detached.paymentMethod['customer'], null);
    assert.deepEqual(
      detached.events.map((e) => e.type),
      ['payment_method.detached', 'customer.updated'],
    );
    const clearedCustomer = detached.changed[1] as Customer;
    assert.equal(clearedCustomer.invoice_settings.default_payment_method, null);
    assert.deepEqual(
      detachPaymentMethod(savedCard('cus_1'), customer()).events.map((e) => e.type),
      ['payment_method.detached'],
    );
  });

  it('refuses to detach what is not attached', () => {
    rejects(() => detachPaymentMethod(savedCard(null), null), 'payment_method_unexpected_state', 'payment_method');
  });
});

describe('saving a card with a payment (setup_future_usage)', () => {
  function pay(options: {
    setupFutureUsage: 'off_session' | null;
    customer: string | null;
    card?: CardFacts;
    generated?: boolean;
  }) {
    const read = options.card ?? card();
    const present = buildPaymentMethod('pm_present', read, NOW_MS);
    const created = createPaymentIntent(
      {
        id: 'pi_1',
        clientSecret: 'pi_1_secret',
        amount: 1000,
        currency: 'usd',
        captureMethod: 'automatic',
        paymentMethodTypes: ['card_present'],
        paymentMethodOptions: {},
        fields: { customer: options.customer, setup_future_usage: options.setupFutureUsage },
      },
      NOW_MS,
    ).paymentIntent;
    return applyAuthorization(
      attachPaymentMethod(created, present),
      {
        paymentMethod: present,
        card: read,
        authorization: approved,
        chargeId: 'ch_1',
        amount: 1000,
        tipAmount: 0,
        reader: null,
        ...(options.generated === false ? {} : { generatedCard: { id: 'pm_card', allowRedisplay: 'always' } }),
      },
      NOW_MS,
    );
  }
  const generatedOf = (charge: StoredObject) =>
    must((charge['payment_method_details'] as Record<string, Record<string, unknown>>)['card_present'])[
      'generated_card'
    ];

  it('generates a reusable card attached to the customer, named on the charge', () => {
    const applied = pay({ setupFutureUsage: 'off_session', customer: 'cus_1' });
    const generated = must(applied.changed.find((o) => o.id === 'pm_card'));
    assert.equal(generated['type'], 'card');
    assert.equal(generated['customer'], 'cus_1');
    assert.equal(generated['allow_redisplay'], 'always');
    assert.equal((generated['card'] as Record<string, unknown>)['last4'], '4242');
    const generatedFrom = must((generated['card'] as Record<string, Record<string, unknown>>)['generated_from']);
    assert.equal(generatedFrom['charge'], 'ch_1');
    assert.deepEqual(
      generatedFrom['payment_method_details'],
      applied.charge['payment_method_details'],
      'the details of the payment that generated it, as on the charge',
    );
    assert.equal(generatedOf(applied.charge), 'pm_card');
    assert.equal(applied.charge['customer'], 'cus_1');
    assert.equal(applied.paymentIntent.payment_method, 'pm_present');
    assert.deepEqual(
      applied.events.map((e) => e.type),
      ['charge.succeeded', 'payment_method.attached', 'payment_intent.succeeded'],
    );
  });

  it('without a customer the card is generated but attached to no one (no payment_method.attached)', () => {
    const applied = pay({ setupFutureUsage: 'off_session', customer: null });
    assert.equal(must(applied.changed.find((o) => o.id === 'pm_card'))['customer'], null);
    assert.deepEqual(
      applied.events.map((e) => e.type),
      ['charge.succeeded', 'payment_intent.succeeded'],
    );
  });

  it('saves nothing without setup_future_usage, or from a digital wallet', () => {
    for (const applied of [
      pay({ setupFutureUsage: null, customer: 'cus_1' }),
      pay({ setupFutureUsage: 'off_session', customer: 'cus_1', card: card({ wallet: 'apple_pay' }) }),
    ]) {
      assert.equal(
        applied.changed.some((o) => o.id === 'pm_card'),
        false,
      );
      assert.equal(generatedOf(applied.charge), null);
    }
  });
});
