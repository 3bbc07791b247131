/**
 * Pairing across nodes (issue 13; docs/cluster.md, Pairing): a device pairs on node A, its code is
 * registered through node B, the device gets its credentials on A, comes online and takes a payment
 * sent through B. Bad codes (made up, reused, used by another account, expired) answer
 * exactly what one node answers. The same with every NOTIFY lost: the pairing node polls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import type { RunningServer } from '@opentill/testkit';
import type { ServerFrame } from '@opentill/reader-device';
import { stripeError } from './terminal-fixture.js';
import { cardRead, TestDevice } from './reader-device-client.js';
import { startNodes, stripeAt, type Nodes } from './cluster-nodes.js';

/** The error one node answers for a code that is not (or no longer) valid: the whole of it. */
function invalidCode(code: string) {
  return {
    statusCode: 400,
    type: 'StripeInvalidRequestError',
    // Stripe sends no `code` for a malformed body, as one node does (ApiError 'invalid_request_body').
    code: undefined,
    param: 'registration_code',
    message:
      `The registration code '${code}' is not valid. Use the code shown by a reader waiting to pair (it expires ` +
      'after a few minutes), or in test mode one of simulated-wpe, simulated-s700, simulated-s710, ' +
      'simulated-v660p, simulated-t600, simulated-m425, simulated-p630, simulated-ux700 to register a simulated reader.',
  };
}

async function refusal(promise: Promise<unknown>) {
  const error = await stripeError(promise);
  return {
    statusCode: error.statusCode,
    type: error.type,
    code: error.code,
    param: error.param,
    message: error.message,
  };
}

const paymentIntent = (api: Stripe, amount: number) =>
  api.paymentIntents.create({
    currency: 'eur',
    payment_method_types: ['card_present'],
    capture_method: 'manual',
    amount,
  } as Stripe.PaymentIntentCreateParams);

/** Pairs on `pairingNode`, registers through `api`, connects the device to `pairingNode`, pays through `api`. */
async function pairAndPay(pairingNode: RunningServer, api: Stripe, amount: number): Promise<void> {
  const location = await api.terminal.locations.create({ display_name: 'HQ', address: { country: 'FR' } });
  const { device: pairing, code } = await TestDevice.pair(pairingNode.baseUrl);
  const reader = await api.terminal.readers.create({ registration_code: code, location: location.id, label: 'Till' });
  assert.equal(reader.device_type, 'bbpos_wisepos_e');
  assert.equal(reader.label, 'Till');
  const credential = await pairing.paired();
  assert.deepEqual((await pairing.closed).code, 1000);
  assert.equal(credential.readerId, reader.id);
  // The code was used: through either node, it is refused as on one node.
  assert.deepEqual(
    await refusal(api.terminal.readers.create({ registration_code: code, location: location.id })),
    invalidCode(code),
  );
  const device = await TestDevice.connect(pairingNode.baseUrl, credential);
  try {
    assert.equal(((await api.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader).status, 'online');
    const pi = await paymentIntent(api, amount);
    const started = await api.terminal.readers.processPaymentIntent(reader.id, { payment_intent: pi.id });
    assert.equal(started.action?.status, 'in_progress');
    const frame = (await device.command()) as Extract<ServerFrame, { type: 'command' }>;
    const action = (frame.command as unknown as { action: { id: string } }).action;
    assert.equal((await device.event(cardRead(action.id))).ok, true);
    const paid = await api.paymentIntents.retrieve(pi.id);
    assert.equal(paid.status, 'requires_capture');
    assert.equal(paid.amount_capturable, amount);
    assert.equal((await api.charges.list({ payment_intent: pi.id })).data.length, 1);
  } finally {
    device.close();
  }
}

describe('pairing across nodes (postgres)', () => {
  let cluster: Nodes;
  let a: RunningServer;
  let b: RunningServer;
  let apiA: Stripe;
  let apiB: Stripe;
  let location: Stripe.Terminal.Location;

  before(async () => {
    cluster = await startNodes('pairing_flows', 2);
    [a, b] = cluster.nodes as [RunningServer, RunningServer];
    apiA = stripeAt(a.baseUrl, cluster.secretKey);
    apiB = stripeAt(b.baseUrl, cluster.secretKey);
    location = await apiB.terminal.locations.create({ display_name: 'Shop', address: { country: 'FR' } });
  });
  after(async () => {
    await cluster.stop();
  });

  test('a device pairing on node A is registered through node B, comes online on A and takes a payment sent through B', async () => {
    await pairAndPay(a, apiB, 1200);
  });

  test('a made-up code, a reused code and a code used by another account: the errors of one node, on both nodes', async () => {
    assert.deepEqual(
      await refusal(apiB.terminal.readers.create({ registration_code: 'able-acid-aged', location: location.id })),
      invalidCode('able-acid-aged'),
    );
    // Registered by the platform through B; then a connected account (another account) tries it on A and B.
    const shop = await apiA.accounts.create({ type: 'custom', country: 'FR' } as Stripe.AccountCreateParams);
    const shopLocation = await apiA.terminal.locations.create(
      { display_name: 'Shop', address: { country: 'FR' } },
      { stripeAccount: shop.id },
    );
    const { device: pairing, code } = await TestDevice.pair(a.baseUrl);
    const reader = await apiB.terminal.readers.create({ registration_code: code, location: location.id });
    assert.equal((await pairing.paired()).readerId, reader.id);
    for (const api of [apiA, apiB]) {
      assert.deepEqual(
        await refusal(
          api.terminal.readers.create(
            { registration_code: code, location: shopLocation.id },
            { stripeAccount: shop.id },
          ),
        ),
        invalidCode(code),
      );
      assert.deepEqual(
        await refusal(api.terminal.readers.create({ registration_code: code, location: location.id })),
        invalidCode(code),
      );
    }
    // The other account has no reader; the platform has exactly the one.
    assert.equal((await apiB.terminal.readers.list({}, { stripeAccount: shop.id })).data.length, 0);
    assert.deepEqual(
      (await apiB.terminal.readers.list({ location: location.id })).data.map((r) => r.id),
      [reader.id],
    );
  });

  test('two registrations of one code racing through A and B: one reader, the other gets the error of a used code', async () => {
    const { device: pairing, code } = await TestDevice.pair(b.baseUrl);
    const raceLocation = await apiA.terminal.locations.create({ display_name: 'Race', address: { country: 'FR' } });
    const outcomes = await Promise.allSettled(
      [apiA, apiB].map((api) => api.terminal.readers.create({ registration_code: code, location: raceLocation.id })),
    );
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.filter((outcome) => outcome.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.deepEqual(await refusal(Promise.reject(lost[0]!.reason)), invalidCode(code));
    assert.equal((await pairing.paired()).readerId, won[0]!.value.id);
    assert.equal((await apiB.terminal.readers.list({ location: raceLocation.id })).data.length, 1);
  });
});

describe('pairing across nodes with every NOTIFY lost and a short code lifetime (postgres)', () => {
  let cluster: Nodes;
  let a: RunningServer;
  let b: RunningServer;
  let apiB: Stripe;

  before(async () => {
    cluster = await startNodes('pairing_polling', 2, {
      OPENTILL_TEST_READER_BUS_WAKEUPS: 'off',
      OPENTILL_READER_PAIRING_CODE_MS: '4000',
    });
    [a, b] = cluster.nodes as [RunningServer, RunningServer];
    apiB = stripeAt(b.baseUrl, cluster.secretKey);
  });
  after(async () => {
    await cluster.stop();
  });

  test('the pairing node learns of the registration by polling; the device comes online and pays', async () => {
    await pairAndPay(a, apiB, 900);
  });

  test('an expired code: the device is told on its node, and node B answers the error of one node', async () => {
    const location = await apiB.terminal.locations.create({ display_name: 'Late', address: { country: 'FR' } });
    const { device: pairing, code } = await TestDevice.pair(a.baseUrl);
    const error = (await pairing.next('error', () => true, 30_000)) as Extract<ServerFrame, { type: 'error' }>;
    assert.deepEqual(error, {
      type: 'error',
      code: 'pairing_expired',
      message: 'The registration code expired. Pair again.',
      fatal: true,
    });
    await pairing.closed;
    assert.deepEqual(
      await refusal(apiB.terminal.readers.create({ registration_code: code, location: location.id })),
      invalidCode(code),
    );
  });
});
