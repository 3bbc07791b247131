/** The pure Connect rules: connected accounts and what capturing a Connect charge moves, once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, createConnectedAccount, must, updateConnectedAccount } from './index.js';
import { capturedCharge, settle } from './connect.fixture.test.js';

const NOW_MS = 1_800_000_000_000;

describe('connected accounts', () => {
  it('derives the type from a controller as Stripe does', () => {
    const cases: Array<[Record<string, unknown> | undefined, string]> = [
      [{ stripe_dashboard: { type: 'full' } }, 'standard'],
      [{ stripe_dashboard: { type: 'express' } }, 'express'],
      [{ stripe_dashboard: { type: 'none' }, requirement_collection: 'application' }, 'custom'],
      [{ stripe_dashboard: { type: 'none' } }, 'none'],
      [undefined, 'none'],
    ];
    for (const [controller, type] of cases) {
      assert.equal(
        createConnectedAccount('acct_1', controller ? { controller } : {}, NOW_MS)['type'],
        type,
        JSON.stringify(controller),
      );
    }
  });

  it('refuses type and controller together', () => {
    assert.throws(
      () => createConnectedAccount('acct_1', { type: 'custom', controller: {} }, NOW_MS),
      (error: unknown) => error instanceof ApiError && error.code === 'parameters_exclusive',
    );
  });

  it('a test account is enabled at once, with card payments and transfers unless told otherwise', () => {
    const account = createConnectedAccount('acct_1', { type: 'express' }, NOW_MS);
    assert.equal(account['charges_enabled'], true);
    assert.deepEqual(account['capabilities'], { card_payments: 'active', transfers: 'active' });
    const only = createConnectedAccount('acct_2', { capabilities: { transfers: { requested: true } } }, NOW_MS);
    assert.deepEqual(only['capabilities'], { transfers: 'active' });
  });

  it('an update reports only what changed', () => {
    const account = createConnectedAccount('acct_1', { email: 'a@example.com' }, NOW_MS);
    const same = updateConnectedAccount(account, { email: 'a@example.com' });
    assert.deepEqual(same.previousAttributes, {});
    const changed = updateConnectedAccount(account, { email: 'b@example.com', metadata: { k: 'v' } });
    assert.deepEqual(changed.previousAttributes, { email: 'a@example.com', metadata: {} });
    assert.equal(changed.account['email'], 'b@example.com');
    assert.equal(account['email'], 'a@example.com', 'the input is not changed');
  });
});

describe('settling a Connect charge', () => {
  it('moves nothing for a plain charge, an uncaptured one, or a failed one', () => {
    assert.equal(settle({ charge: capturedCharge() }), null);
    const destination = { transfer_data: { amount: null, destination: 'acct_shop' } };
    assert.equal(settle({ charge: capturedCharge({ ...destination, captured: false, amount_captured: 0 }) }), null);
    assert.equal(settle({ charge: capturedCharge({ ...destination, status: 'failed', captured: false }) }), null);
  });

  it('a destination charge transfers the captured amount; its fee comes back from the destination', () => {
    const settlement = must(
      settle({
        charge: capturedCharge({
          transfer_data: { amount: null, destination: 'acct_shop' },
          application_fee_amount: 123,
        }),
      }),
    );
    assert.equal(settlement.charge['transfer'], 'tr_1');
    assert.equal(settlement.charge['application_fee'], 'fee_1');
    const transfer = must(settlement.sameAccount[0]);
    const fee = must(settlement.sameAccount[1]);
    assert.equal(transfer['amount'], 1000);
    assert.equal(transfer['destination'], 'acct_shop');
    assert.equal(transfer['destination_payment'], 'py_1');
    assert.equal(transfer['source_transaction'], 'ch_1');
    assert.equal(fee['amount'], 123);
    assert.equal(fee['account'], 'acct_shop');
    assert.equal(fee['charge'], 'py_1');
    assert.equal(fee['originating_transaction'], 'ch_1');
    assert.deepEqual(
      settlement.sameAccountEvents.map((event) => event.type),
      ['transfer.created', 'application_fee.created'],
    );
    assert.equal(settlement.otherAccount?.accountId, 'acct_shop');
    const payment = must(must(settlement.otherAccount).objects[0]);
    assert.equal(payment.id, 'py_1');
    assert.equal(payment['amount'], 1000);
    assert.equal(payment['source_transfer'], 'tr_1');
  });

  it('transfer_data[amount] is what goes, capped at what was captured (partial capture)', () => {
    const partial = must(
      settle({
        charge: capturedCharge({ transfer_data: { amount: 800, destination: 'acct_shop' }, amount_captured: 600 }),
      }),
    );
    assert.equal(must(partial.sameAccount[0])['amount'], 600);
    const full = must(settle({ charge: capturedCharge({ transfer_data: { amount: 800, destination: 'acct_shop' } }) }));
    assert.equal(must(full.sameAccount[0])['amount'], 800);
    assert.equal(full.charge['application_fee'], null);
    assert.equal(full.sameAccount.length, 1);
  });

  it('a direct charge with a fee pays it to the platform', () => {
    const settlement = must(
      settle({
        accountId: 'acct_shop',
        platformId: 'acct_platform',
        charge: capturedCharge({ application_fee_amount: 200 }),
      }),
    );
    assert.equal(settlement.charge['application_fee'], 'fee_1');
    assert.equal(settlement.charge['application'], 'ca_1');
    assert.equal(settlement.charge['transfer'], undefined);
    assert.deepEqual(settlement.sameAccount, []);
    assert.equal(settlement.otherAccount?.accountId, 'acct_platform');
    const fee = must(must(settlement.otherAccount).objects[0]);
    assert.equal(fee['account'], 'acct_shop');
    assert.equal(fee['charge'], 'ch_1');
    assert.equal(fee['originating_transaction'], null);
    assert.deepEqual(
      must(settlement.otherAccount).events.map((event) => event.type),
      ['application_fee.created'],
    );
    // A connected account's charge without a fee moves nothing.
    assert.equal(settle({ accountId: 'acct_shop', platformId: 'acct_platform', charge: capturedCharge() }), null);
  });

  it('never settles twice', () => {
    const once = must(
      settle({ charge: capturedCharge({ transfer_data: { amount: null, destination: 'acct_shop' } }) }),
    );
    assert.equal(settle({ charge: once.charge }), null);
    assert.equal(settle({ charge: { ...once.charge, metadata: { later: 'update' } } }), null);
  });
});
