/** Connect's objects whole: every member of an account, a transfer, a fee and a destination payment. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, createConnectedAccount, deletedAccount, must, updateConnectedAccount } from './index.js';
import { capturedCharge, settle } from './connect.fixture.test.js';

// 999 ms past a whole second: `created` is the second, rounded down.
const NOW_MS = 1_800_000_000_999;
const NOW_S = 1_800_000_000;

const requirements = {
  alternatives: [],
  current_deadline: null,
  currently_due: [],
  disabled_reason: null,
  errors: [],
  eventually_due: [],
  past_due: [],
  pending_verification: [],
};

function controller(
  type: string,
  fees: string,
  losses: string,
  collection: string,
  dashboard: string,
): Record<string, unknown> {
  return {
    fees: { payer: fees },
    is_controller: true,
    losses: { payments: losses },
    requirement_collection: collection,
    stripe_dashboard: { type: dashboard },
    type,
  };
}

function defaultAccount(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'acct_1',
    object: 'account',
    business_profile: {
      mcc: null,
      minority_owned_business_designation: null,
      name: null,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: null,
    capabilities: { card_payments: 'active', transfers: 'active' },
    charges_enabled: true,
    controller: controller('application', 'application', 'application', 'stripe', 'none'),
    country: 'US',
    created: NOW_S,
    default_currency: 'usd',
    details_submitted: true,
    email: null,
    livemode: false,
    metadata: {},
    payouts_enabled: true,
    requirements,
    settings: null,
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: 'none',
    ...overrides,
  };
}

describe('a connected account, whole', () => {
  it('with no fields: type none, the defaults of a test account', () => {
    assert.deepEqual(createConnectedAccount('acct_1', {}, NOW_MS), defaultAccount());
  });

  it('every given field is kept', () => {
    const account = createConnectedAccount(
      'acct_1',
      {
        type: 'custom',
        country: 'GB',
        email: 'shop@example.com',
        business_type: 'company',
        default_currency: 'gbp',
        metadata: { k: 'v' },
        capabilities: { card_payments: { requested: true }, transfers: { requested: false } },
        business_profile: { name: 'Shop', url: 'https://shop.example', mcc: '5734' },
      },
      NOW_MS,
    );
    assert.deepEqual(
      account,
      defaultAccount({
        business_profile: {
          mcc: '5734',
          minority_owned_business_designation: null,
          name: 'Shop',
          specified_commercial_transactions_act_url: null,
          support_address: null,
          support_email: null,
          support_phone: null,
          support_url: null,
          url: 'https://shop.example',
        },
        business_type: 'company',
        capabilities: { card_payments: 'active' },
        controller: controller('application', 'application', 'application', 'application', 'none'),
        country: 'GB',
        default_currency: 'gbp',
        email: 'shop@example.com',
        metadata: { k: 'v' },
        type: 'custom',
      }),
    );
  });

  it('the controller each type implies', () => {
    const cases: Array<[Exclude<string, 'none'>, Record<string, unknown>]> = [
      ['standard', controller('application', 'account', 'stripe', 'stripe', 'full')],
      ['express', controller('application', 'application', 'application', 'stripe', 'express')],
      ['custom', controller('application', 'application', 'application', 'application', 'none')],
    ];
    for (const [type, expected] of cases) {
      const account = createConnectedAccount('acct_1', { type: type as 'custom' }, NOW_MS);
      assert.deepEqual(account['controller'], expected, type);
      assert.equal(account['type'], type);
    }
  });

  it('a given controller is kept member by member over the defaults of its type', () => {
    const full = createConnectedAccount(
      'acct_1',
      {
        controller: {
          fees: { payer: 'application' },
          losses: { payments: 'application' },
          requirement_collection: 'application',
          stripe_dashboard: { type: 'full' },
        },
      },
      NOW_MS,
    );
    assert.equal(full['type'], 'standard');
    assert.deepEqual(
      full['controller'],
      controller('application', 'application', 'application', 'application', 'full'),
    );
    const express = createConnectedAccount('acct_1', { controller: { stripe_dashboard: { type: 'express' } } }, NOW_MS);
    assert.deepEqual(
      express['controller'],
      controller('application', 'application', 'application', 'stripe', 'express'),
    );
    // A dashboard of none with Stripe collecting requirements is no Custom account.
    const none = createConnectedAccount(
      'acct_1',
      { controller: { stripe_dashboard: { type: 'none' }, requirement_collection: 'stripe' } },
      NOW_MS,
    );
    assert.equal(none['type'], 'none');
    // Requirement collection by the application without a dashboard type is no Custom account either.
    const noDashboard = createConnectedAccount(
      'acct_1',
      { controller: { requirement_collection: 'application' } },
      NOW_MS,
    );
    assert.equal(noDashboard['type'], 'none');
    assert.deepEqual(
      noDashboard['controller'],
      controller('application', 'application', 'application', 'application', 'none'),
    );
  });

  it('type and controller together: the exact Stripe error', () => {
    assert.throws(
      () => createConnectedAccount('acct_1', { type: 'custom', controller: {} }, NOW_MS),
      (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.code, 'parameters_exclusive');
        assert.equal(error.message, 'You may only specify one of these parameters: controller, type.');
        assert.equal(error.body.param, 'type');
        return true;
      },
    );
    // Either one alone is fine.
    assert.equal(createConnectedAccount('acct_1', { controller: {} }, NOW_MS)['type'], 'none');
    assert.equal(createConnectedAccount('acct_1', { type: 'express' }, NOW_MS)['type'], 'express');
  });

  it('capabilities: requested true is active, anything else is not', () => {
    const account = createConnectedAccount(
      'acct_1',
      { capabilities: { transfers: { requested: true }, card_payments: {}, tax: { requested: false } } },
      NOW_MS,
    );
    assert.deepEqual(account['capabilities'], { transfers: 'active' });
    assert.deepEqual(createConnectedAccount('acct_1', { capabilities: {} }, NOW_MS)['capabilities'], {});
  });

  it('deleting marks the account deleted and keeps the rest', () => {
    const account = createConnectedAccount('acct_1', {}, NOW_MS);
    assert.deepEqual(deletedAccount(account), { ...defaultAccount(), deleted: true });
    assert.equal(account['deleted'], undefined);
  });
});

describe('updating a connected account', () => {
  const account = createConnectedAccount(
    'acct_1',
    { email: 'a@example.com', business_profile: { name: 'Shop', url: 'https://a.example' } },
    NOW_MS,
  );

  it('every field changed, with its previous value', () => {
    const { account: next, previousAttributes } = updateConnectedAccount(account, {
      email: null,
      business_type: 'individual',
      default_currency: 'eur',
      metadata: { k: 'v' },
      capabilities: { transfers: { requested: false }, tax_reporting_us_1099_k: { requested: true } },
      // A member given as undefined keeps its value.
      business_profile: { name: 'New', url: undefined, mcc: '5812' } as { name: string; mcc: string },
    });
    const profile = account['business_profile'] as Record<string, unknown>;
    assert.deepEqual(previousAttributes, {
      email: 'a@example.com',
      business_type: null,
      default_currency: 'usd',
      metadata: {},
      capabilities: { card_payments: 'active', transfers: 'active' },
      business_profile: profile,
    });
    assert.deepEqual(next, {
      ...account,
      email: null,
      business_type: 'individual',
      default_currency: 'eur',
      metadata: { k: 'v' },
      capabilities: { card_payments: 'active', tax_reporting_us_1099_k: 'active' },
      business_profile: { ...profile, name: 'New', mcc: '5812', url: 'https://a.example' },
    });
  });

  it('nothing given, or the same values: nothing changes and nothing is reported', () => {
    assert.deepEqual(updateConnectedAccount(account, {}), { account, previousAttributes: {} });
    assert.deepEqual(
      updateConnectedAccount(account, {
        email: 'a@example.com',
        business_type: null,
        default_currency: 'usd',
        metadata: {},
        capabilities: { card_payments: { requested: true } },
        business_profile: { name: 'Shop' },
      }),
      { account, previousAttributes: {} },
    );
  });

  it('each field on its own', () => {
    assert.deepEqual(updateConnectedAccount(account, { business_type: 'company' }).previousAttributes, {
      business_type: null,
    });
    assert.deepEqual(updateConnectedAccount(account, { default_currency: 'gbp' }).previousAttributes, {
      default_currency: 'usd',
    });
    assert.deepEqual(updateConnectedAccount(account, { metadata: { a: 'b' } }).previousAttributes, { metadata: {} });
    assert.deepEqual(
      updateConnectedAccount(account, { capabilities: { card_payments: { requested: false } } }).account[
        'capabilities'
      ],
      { transfers: 'active' },
    );
    // A capability named without `requested` is left as it is.
    assert.deepEqual(updateConnectedAccount(account, { capabilities: { card_payments: {} } }), {
      account,
      previousAttributes: {},
    });
  });
});

function fee(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'fee_1',
    object: 'application_fee',
    account: 'acct_shop',
    amount: 123,
    amount_refunded: 0,
    application: 'ca_1',
    balance_transaction: null,
    charge: 'py_1',
    created: NOW_S,
    currency: 'usd',
    fee_source: { charge: 'py_1', type: 'charge' },
    livemode: false,
    originating_transaction: 'ch_1',
    refunded: false,
    refunds: { object: 'list', data: [], has_more: false, total_count: 0, url: '/v1/application_fees/fee_1/refunds' },
    ...overrides,
  };
}

function transfer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'tr_1',
    object: 'transfer',
    amount: 1000,
    amount_reversed: 0,
    balance_transaction: null,
    created: NOW_S,
    currency: 'usd',
    description: null,
    destination: 'acct_shop',
    destination_payment: 'py_1',
    livemode: false,
    metadata: {},
    reversals: { object: 'list', data: [], has_more: false, total_count: 0, url: '/v1/transfers/tr_1/reversals' },
    reversed: false,
    source_transaction: 'ch_1',
    source_type: 'card',
    transfer_group: null,
    ...overrides,
  };
}

function payment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'py_1',
    object: 'charge',
    amount: 1000,
    amount_captured: 1000,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: null,
    captured: true,
    created: NOW_S,
    currency: 'usd',
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: null,
    paid: true,
    payment_intent: null,
    payment_method: null,
    payment_method_details: null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: 'tr_1',
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
    ...overrides,
  };
}

describe('settling a Connect charge, whole', () => {
  it('a destination charge with a fee: the charge, the transfer, the fee, the destination payment', () => {
    const given = capturedCharge({
      currency: 'eur',
      transfer_group: 'group_1',
      transfer_data: { amount: null, destination: 'acct_shop' },
      application_fee_amount: 123,
      _internal: { other: 1 },
    });
    const expectedTransfer = transfer({ currency: 'eur', transfer_group: 'group_1' });
    const expectedFee = fee({ currency: 'eur' });
    assert.deepEqual(settle({ charge: given }), {
      charge: { ...given, _internal: { other: 1, connectSettled: true }, transfer: 'tr_1', application_fee: 'fee_1' },
      sameAccount: [expectedTransfer, expectedFee],
      sameAccountEvents: [
        { type: 'transfer.created', object: expectedTransfer },
        { type: 'application_fee.created', object: expectedFee },
      ],
      otherAccount: {
        accountId: 'acct_shop',
        objects: [
          payment({ currency: 'eur', application: 'ca_1', application_fee: 'fee_1', application_fee_amount: 123 }),
        ],
        events: [],
      },
    });
  });

  it('a destination charge without a fee: no fee anywhere', () => {
    const given = capturedCharge({
      transfer_data: { amount: null, destination: 'acct_shop' },
      application_fee_amount: 0,
    });
    assert.deepEqual(settle({ charge: given }), {
      charge: { ...given, _internal: { connectSettled: true }, transfer: 'tr_1' },
      sameAccount: [transfer()],
      sameAccountEvents: [{ type: 'transfer.created', object: transfer() }],
      otherAccount: { accountId: 'acct_shop', objects: [payment()], events: [] },
    });
  });

  it('transfer_data[amount] below, at and above what was captured', () => {
    const amountOf = (amount: number, captured: number) =>
      must(
        settle({
          charge: capturedCharge({ transfer_data: { amount, destination: 'acct_shop' }, amount_captured: captured }),
        }),
      ).sameAccount.map((object) => object['amount']);
    assert.deepEqual(amountOf(599, 600), [599]);
    assert.deepEqual(amountOf(600, 600), [600]);
    assert.deepEqual(amountOf(601, 600), [600]);
  });

  it('a direct charge with a fee of 1 pays it to the platform; a fee of 0 moves nothing', () => {
    const given = capturedCharge({ application_fee_amount: 1 });
    const expectedFee = fee({
      account: 'acct_shop',
      amount: 1,
      charge: 'ch_1',
      fee_source: { charge: 'ch_1', type: 'charge' },
      originating_transaction: null,
    });
    assert.deepEqual(settle({ accountId: 'acct_shop', platformId: 'acct_platform', charge: given }), {
      charge: { ...given, _internal: { connectSettled: true }, application_fee: 'fee_1', application: 'ca_1' },
      sameAccount: [],
      sameAccountEvents: [],
      otherAccount: {
        accountId: 'acct_platform',
        objects: [expectedFee],
        events: [{ type: 'application_fee.created', object: expectedFee }],
      },
    });
    assert.equal(
      settle({
        accountId: 'acct_shop',
        platformId: 'acct_platform',
        charge: capturedCharge({ application_fee_amount: 0 }),
      }),
      null,
    );
  });

  it('a fee on a platform charge without a destination moves nothing (no platform above it)', () => {
    assert.equal(settle({ charge: capturedCharge({ application_fee_amount: 200 }) }), null);
  });

  it('captured but not succeeded, or succeeded but not captured: nothing', () => {
    const destination = { transfer_data: { amount: null, destination: 'acct_shop' } };
    assert.equal(settle({ charge: capturedCharge({ ...destination, status: 'pending' }) }), null);
    assert.equal(settle({ charge: capturedCharge({ ...destination, captured: false }) }), null);
    assert.equal(settle({ charge: capturedCharge({ ...destination, captured: 'true' }) }), null);
    assert.equal(
      settle({ charge: capturedCharge({ ...destination, _internal: { connectSettled: false } }) })?.charge['transfer'],
      'tr_1',
    );
    assert.equal(
      settle({ charge: capturedCharge({ ...destination, _internal: { connectSettled: 'yes' } }) })?.charge['transfer'],
      'tr_1',
    );
  });
});
