/** The customer machine exactly: whole objects, every field, the invoice_prefix boundaries, exact refusals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiError,
  attachPaymentMethodToCustomer,
  createCustomer,
  deleteCustomer,
  deletedCustomer,
  detachPaymentMethod,
  previousAttributes,
  updateCustomer,
  type Customer,
  type CustomerFields,
  type StoredObject,
} from './index.js';

const NOW_MS = 1_800_000_000_999;

function refusal(fn: () => unknown): { code: string; message: unknown; param: unknown } | null {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError);
    return { code: error.code, message: error.body.message, param: error.body.param };
  }
  return null;
}

const blank: Customer = {
  id: 'cus_1',
  object: 'customer',
  address: null,
  balance: 0,
  created: 1_800_000_000,
  currency: null,
  customer_account: null,
  default_source: null,
  delinquent: false,
  description: null,
  discount: null,
  email: null,
  invoice_prefix: 'ABCDEF12',
  invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
  livemode: false,
  metadata: {},
  name: null,
  next_invoice_sequence: 1,
  phone: null,
  preferred_locales: [],
  shipping: null,
  tax_exempt: 'none',
  test_clock: null,
};

const create = (fields: CustomerFields = {}) =>
  createCustomer({ id: 'cus_1', invoicePrefix: 'ABCDEF12', fields }, NOW_MS);

const address = { city: 'Paris', country: 'FR', line1: '1 rue', line2: null, postal_code: '75001', state: null };
const every: CustomerFields = {
  address,
  balance: -250,
  description: 'Regular',
  email: 'ada@example.com',
  invoice_prefix: 'SHOP',
  invoiceDefaultPaymentMethod: 'pm_1',
  invoiceFooter: 'Thanks',
  metadata: { k: 'v' },
  name: 'Ada',
  next_invoice_sequence: 7,
  phone: '+33100000000',
  preferred_locales: ['fr', 'en'],
  shipping: { address, carrier: null, name: 'Ada', phone: null, tracking_number: null },
  tax_exempt: 'exempt',
};
const everyApplied: Customer = {
  ...blank,
  address,
  balance: -250,
  description: 'Regular',
  email: 'ada@example.com',
  invoice_prefix: 'SHOP',
  invoice_settings: { custom_fields: null, default_payment_method: 'pm_1', footer: 'Thanks', rendering_options: null },
  metadata: { k: 'v' },
  name: 'Ada',
  next_invoice_sequence: 7,
  phone: '+33100000000',
  preferred_locales: ['fr', 'en'],
  shipping: { address, carrier: null, name: 'Ada', phone: null, tracking_number: null },
  tax_exempt: 'exempt',
};

describe('creating a customer, whole', () => {
  it('blank, with customer.created', () => {
    const created = create();
    assert.deepEqual(created, {
      customer: blank,
      changed: [blank],
      events: [{ type: 'customer.created', object: blank }],
    });
  });

  it('every field applied', () => {
    assert.deepEqual(create(every).customer, everyApplied);
  });

  it('invoice_prefix: 3 to 12 upper-case letters or digits, the exact refusal otherwise', () => {
    for (const prefix of ['ABC', 'A1B2C3D4E5F6', '123'])
      assert.equal(create({ invoice_prefix: prefix }).customer.invoice_prefix, prefix);
    const refused = (prefix: string) => ({
      code: 'invalid_request_body',
      message: `Invalid invoice_prefix: ${prefix}. It must be 3-12 uppercase letters or numbers.`,
      param: 'invoice_prefix',
    });
    for (const prefix of ['AB', 'A1B2C3D4E5F6G', 'abc', 'AB-C', ' ABC', 'ABC ']) {
      assert.deepEqual(
        refusal(() => create({ invoice_prefix: prefix })),
        refused(prefix),
        prefix,
      );
      assert.deepEqual(
        refusal(() => updateCustomer(blank, { invoice_prefix: prefix })),
        refused(prefix),
        prefix,
      );
    }
    // Only the first 20 characters are echoed.
    assert.deepEqual(
      refusal(() => create({ invoice_prefix: 'X'.repeat(25) })),
      refused('X'.repeat(20)),
    );
  });
});

describe('updating a customer', () => {
  it('every field, with previous_attributes of each', () => {
    const updated = updateCustomer(blank, every);
    const expectedPrevious = {
      address: null,
      balance: 0,
      description: null,
      email: null,
      invoice_prefix: 'ABCDEF12',
      invoice_settings: { default_payment_method: null, footer: null },
      metadata: { k: null },
      name: null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: 'none',
    };
    assert.deepEqual(updated, {
      customer: everyApplied,
      changed: [everyApplied],
      events: [{ type: 'customer.updated', object: everyApplied, previousAttributes: expectedPrevious }],
    });
    assert.deepEqual(blank.invoice_settings.default_payment_method, null, 'the input is not changed');
  });

  it('unsetting: null clears, tax_exempt null is none', () => {
    const full = create(every).customer;
    const cleared = updateCustomer(full, {
      address: null,
      description: null,
      email: null,
      invoiceDefaultPaymentMethod: null,
      invoiceFooter: null,
      name: null,
      phone: null,
      shipping: null,
      tax_exempt: null,
    }).customer;
    assert.deepEqual(cleared, {
      ...everyApplied,
      ...blank,
      balance: -250,
      invoice_prefix: 'SHOP',
      metadata: { k: 'v' },
      next_invoice_sequence: 7,
      preferred_locales: ['fr', 'en'],
    });
  });

  it('nothing changed: the same customer, no change, no event', () => {
    const full = create(every).customer;
    assert.deepEqual(updateCustomer(full, every), { customer: full, changed: [], events: [] });
    assert.equal(updateCustomer(full, {}).customer, full);
  });
});

describe('previous_attributes', () => {
  it('scalars and arrays whole, hashes by key, an added key as null, _internal never', () => {
    assert.deepEqual(
      previousAttributes(
        { a: 1, list: [1, 2], hash: { x: 1, y: 2 }, gone: 'g', same: { s: 1 }, _internal: { i: 1 }, toHash: 'text' },
        {
          a: 2,
          list: [1],
          hash: { x: 1, y: 3, z: 4 },
          added: 5,
          same: { s: 1 },
          _internal: { i: 2 },
          toHash: { t: 1 },
        },
      ),
      { a: 1, list: [1, 2], hash: { y: 2, z: null }, gone: 'g', added: null, toHash: 'text' },
    );
    assert.deepEqual(previousAttributes({ h: [1] }, { h: { 0: 1 } }), { h: [1] });
    assert.deepEqual(previousAttributes({ h: { a: 1 } }, { h: null }), { h: { a: 1 } });
    assert.deepEqual(previousAttributes({ h: null }, { h: { a: 1 } }), { h: null });
    assert.deepEqual(previousAttributes({ a: 0 }, { a: 0 }), {});
    assert.deepEqual(previousAttributes({ a: false }, { a: true }), { a: false });
  });
});

describe('deleting a customer', () => {
  it('whole: the stub, the marked document, the event with the customer as it was', () => {
    const c = create({ email: 'a@b.co' }).customer;
    assert.deepEqual(deleteCustomer(c), {
      deleted: { id: 'cus_1', object: 'customer', deleted: true },
      changed: [{ ...c, deleted: true }],
      events: [{ type: 'customer.deleted', object: c }],
    });
    assert.deepEqual(deletedCustomer('cus_9'), { id: 'cus_9', object: 'customer', deleted: true });
  });
});

const pm = (fields: Record<string, unknown>): StoredObject => ({
  id: 'pm_1',
  object: 'payment_method',
  created: 1,
  livemode: false,
  type: 'card',
  customer: null,
  ...fields,
});

describe('attaching and detaching, exactly', () => {
  it('attach: whole result, the exact refusals', () => {
    const attached = { ...pm({}), customer: 'cus_1' };
    assert.deepEqual(attachPaymentMethodToCustomer(pm({}), 'cus_1'), {
      paymentMethod: attached,
      changed: [attached],
      events: [{ type: 'payment_method.attached', object: attached }],
    });
    const same = pm({ customer: 'cus_1' });
    assert.deepEqual(attachPaymentMethodToCustomer(same, 'cus_1'), { paymentMethod: same, changed: [], events: [] });
    assert.deepEqual(
      refusal(() => attachPaymentMethodToCustomer(pm({ customer: 'cus_2' }), 'cus_1')),
      {
        code: 'payment_method_unexpected_state',
        message: 'The payment method you provided has already been attached to a customer.',
        param: 'payment_method',
      },
    );
    for (const type of ['card_present', 'interac_present']) {
      assert.deepEqual(
        refusal(() => attachPaymentMethodToCustomer(pm({ type }), 'cus_1')),
        {
          code: 'payment_method_invalid_parameter',
          message:
            `PaymentMethods of type ${type} cannot be attached to a customer. Save the card with a SetupIntent or with ` +
            'setup_future_usage instead: the reusable card is the generated_card PaymentMethod.',
          param: 'payment_method',
        },
      );
    }
  });

  it('detach: whole result; the default cleared only when it is this card of this customer', () => {
    const onCustomer = pm({ customer: 'cus_1' });
    const detached = { ...onCustomer, customer: null };
    const detachedEvent = {
      type: 'payment_method.detached',
      object: detached,
      previousAttributes: { customer: 'cus_1' },
    };
    const withDefault = (id: string, defaultPm: string): Customer => ({
      ...blank,
      id,
      invoice_settings: { ...blank.invoice_settings, default_payment_method: defaultPm },
    });
    assert.deepEqual(detachPaymentMethod(onCustomer, null), {
      paymentMethod: detached,
      changed: [detached],
      events: [detachedEvent],
    });
    assert.deepEqual(detachPaymentMethod(onCustomer, withDefault('cus_1', 'pm_2')), {
      paymentMethod: detached,
      changed: [detached],
      events: [detachedEvent],
    });
    assert.deepEqual(detachPaymentMethod(onCustomer, withDefault('cus_2', 'pm_1')), {
      paymentMethod: detached,
      changed: [detached],
      events: [detachedEvent],
    });
    const cleared = { ...withDefault('cus_1', 'pm_1'), invoice_settings: blank.invoice_settings };
    assert.deepEqual(detachPaymentMethod(onCustomer, withDefault('cus_1', 'pm_1')), {
      paymentMethod: detached,
      changed: [detached, cleared],
      events: [
        detachedEvent,
        {
          type: 'customer.updated',
          object: cleared,
          previousAttributes: { invoice_settings: { default_payment_method: 'pm_1' } },
        },
      ],
    });
    assert.deepEqual(
      refusal(() => detachPaymentMethod(pm({}), null)),
      {
        code: 'payment_method_unexpected_state',
        message: 'The payment method you provided is not attached to a customer so detachment is impossible.',
        param: 'payment_method',
      },
    );
  });
});
