/**
 * OpenTill Terminal JS SDK: every method and documented error code, against a real server
 * (SQLite; the core flow also runs on PostgreSQL in sdk-core.test.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AllowRedisplay,
  FormType,
  SelectionButtonStyle,
  StripeTerminal,
  ToggleValue,
  loadStripeTerminal,
  type Reader,
  type Terminal,
} from '@opentill/terminal-sdk';
import { errorOf, payload, sdkFixture, until, type SdkFixture } from './sdk-fixture.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

describe('terminal SDK methods and error codes (sqlite)', () => {
  let f: SdkFixture;
  before(async () => {
    f = await sdkFixture('sqlite', 'sdk_methods');
  });
  after(async () => {
    await f.stop();
  });

  /** A registered simulated reader, connected through non-simulated discovery: cards come from the device side. */
  async function deviceConnected(terminal: Terminal): Promise<Reader> {
    const reader = await f.reader();
    const found = payload(await terminal.discoverReaders({ location: reader.location as string }));
    const mine = found.discoveredReaders.find((r) => r.id === reader.id)!;
    payload(await terminal.connectReader(mine));
    return mine;
  }

  async function simulatedConnected(terminal: Terminal): Promise<Reader> {
    const reader = payload(await terminal.discoverReaders({ simulated: true })).discoveredReaders[0]!;
    payload(await terminal.connectReader(reader));
    return reader;
  }

  const present = (readerId: string, params: Record<string, unknown> = {}) =>
    f.stripe.testHelpers.terminal.readers.presentPaymentMethod(readerId, params);

  test('loadStripeTerminal resolves the SDK; create needs onFetchConnectionToken', async () => {
    const loaded = await loadStripeTerminal();
    assert.equal(loaded, StripeTerminal);
    assert.equal(loaded.PaymentStatus.WAITING_FOR_INPUT, 'waiting_for_input');
    assert.equal(loaded.ConnectionStatus.CONNECTING, 'connecting');
    assert.throws(() => StripeTerminal.create({} as Loose), /onFetchConnectionToken/);
  });

  test('failed_fetch_connection_token: a failing callback, then recovery; forged and expired tokens', async () => {
    let fail = true;
    const { terminal } = f.terminal({
      onFetchConnectionToken: async () => {
        if (fail) throw new Error('backend down');
        return (await f.stripe.terminal.connectionTokens.create()).secret;
      },
    });
    const failed = errorOf(await terminal.discoverReaders({ simulated: true }));
    assert.equal(failed.code, 'failed_fetch_connection_token');
    assert.match(failed.message, /backend down/);
    fail = false;
    payload(await terminal.discoverReaders({ simulated: true }));

    const notString = f.terminal({ onFetchConnectionToken: async () => 42 as unknown as string });
    assert.equal(errorOf(await notString.terminal.discoverReaders()).code, 'failed_fetch_connection_token');
    const forged = f.terminal({ onFetchConnectionToken: async () => 'pst_test_forged' });
    assert.equal(errorOf(await forged.terminal.discoverReaders()).code, 'failed_fetch_connection_token');
    const otherAccount = f.terminal({
      onFetchConnectionToken: async () => `pst_test_${Buffer.from('acct_nope.x').toString('base64url')}`,
    });
    assert.equal(errorOf(await otherAccount.terminal.discoverReaders()).code, 'failed_fetch_connection_token');

    // Expired: a token lives 10 minutes (account clock).
    const old = (await f.stripe.terminal.connectionTokens.create()).secret;
    await f.opentill('/opentill/v1/test/clock/advance', { seconds: '601' });
    const expired = f.terminal({ onFetchConnectionToken: async () => old });
    const refused = errorOf(await expired.terminal.discoverReaders());
    assert.equal(refused.code, 'failed_fetch_connection_token');
    assert.match(refused.message, /expired/);
  });

  test('network_error when the server cannot be reached', async () => {
    const { terminal } = f.terminal({ apiBase: 'http://127.0.0.1:9' });
    assert.equal(errorOf(await terminal.discoverReaders()).code, 'network_error');
  });

  test('discoverReaders: location filter, token scope, simulated only, discovery_too_many_readers', async () => {
    const t = f.terminal();
    const reader = await f.reader();
    const listed = payload(await t.terminal.discoverReaders({ location: reader.location as string }));
    assert.ok(listed.discoveredReaders.some((r) => r.id === reader.id));
    assert.ok(listed.discoveredReaders.every((r) => r.location === reader.location));
    const simulated = payload(await t.terminal.discoverReaders({ simulated: true }));
    assert.ok(
      simulated.discoveredReaders.some((r) => r.id === reader.id),
      'the simulated reader is among them',
    );
    assert.ok(simulated.discoveredReaders.every((r) => r.device_type.startsWith('simulated_')));

    const elsewhere = await f.stripe.terminal.locations.create({ display_name: 'Annex', address: { country: 'FR' } });
    const scoped = f.terminal({
      onFetchConnectionToken: async () =>
        (await f.stripe.terminal.connectionTokens.create({ location: elsewhere.id })).secret,
    });
    const none = payload(await scoped.terminal.discoverReaders());
    assert.deepEqual(none.discoveredReaders, []);
    assert.equal(
      errorOf(await scoped.terminal.discoverReaders({ location: reader.location as string })).code,
      'invalid_argument',
    );
    assert.equal(errorOf(await scoped.terminal.connectReader(reader)).code, 'invalid_argument');
  });

  test('connectReader: already_connected, fail_if_in_use, takeover reports an unexpected disconnect', async () => {
    const first = f.terminal();
    const reader = await deviceConnected(first.terminal);
    assert.equal(errorOf(await first.terminal.connectReader(reader)).code, 'already_connected');

    const second = f.terminal();
    payload(await second.terminal.discoverReaders({ location: reader.location as string }));
    const inUse = errorOf(await second.terminal.connectReader(reader, { fail_if_in_use: true }));
    assert.equal(inUse.code, 'reader_error');
    assert.match(inUse.message, /another point of sale/);
    assert.equal(second.terminal.getConnectionStatus(), 'not_connected');

    payload(await second.terminal.connectReader(reader));
    await until(() => first.disconnects.length === 1, 'the first POS to see the takeover');
    assert.equal(first.disconnects[0]!.error?.code, 'reader_error');
    assert.equal(first.terminal.getConnectionStatus(), 'not_connected');
    assert.equal(errorOf(await first.terminal.collectPaymentMethod('pi_x_secret_y')).code, 'no_established_connection');
    payload(await second.terminal.disconnectReader());
  });

  test('an offline reader is an unexpected disconnect (network_error)', async () => {
    const t = f.terminal();
    const reader = await deviceConnected(t.terminal);
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/offline`);
    await until(() => t.disconnects.length === 1, 'onUnexpectedReaderDisconnect');
    assert.equal(t.disconnects[0]!.error?.code, 'network_error');
    assert.equal(t.terminal.getConnectionStatus(), 'not_connected');
    assert.equal(t.terminal.getPaymentStatus(), 'not_ready');
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/online`);
  });

  test('no_established_connection before connecting', async () => {
    const { terminal } = f.terminal();
    assert.equal(errorOf(await terminal.collectPaymentMethod('pi_1_secret_2')).code, 'no_established_connection');
    assert.equal(
      errorOf(await terminal.setReaderDisplay({ type: 'cart', cart: {} })).code,
      'no_established_connection',
    );
    assert.equal(errorOf(await terminal.collectInputs({ inputs: [] })).code, 'no_established_connection');
    assert.equal(errorOf(await terminal.processRefund()).code, 'no_established_connection');
    assert.equal(errorOf(await terminal.cancelCollectPaymentMethod()).code, 'no_established_connection');
    assert.deepEqual(payload(await terminal.disconnectReader()), {});
  });

  test('collect on a device: the card comes from the reader; cancel; command_already_in_progress', async () => {
    const t = f.terminal();
    const reader = await deviceConnected(t.terminal);
    const { terminal } = t;
    assert.equal(errorOf(await terminal.cancelCollectPaymentMethod()).code, 'no_active_collect_payment_method_attempt');

    const intent = await f.paymentIntent();
    const pending = terminal.collectPaymentMethod(intent.client_secret!);
    await until(() => terminal.getPaymentStatus() === 'waiting_for_input', 'waiting for the card');
    assert.equal(
      errorOf(await terminal.setReaderDisplay({ type: 'cart', cart: { currency: 'eur', total: 0, line_items: [] } }))
        .code,
      'command_already_in_progress',
    );
    payload(await terminal.cancelCollectPaymentMethod());
    const canceled = errorOf(await pending);
    assert.equal(canceled.code, 'canceled');
    assert.equal(errorOf(await terminal.cancelCollectPaymentMethod()).code, 'cancelable_already_canceled');
    assert.equal((await f.stripe.paymentIntents.retrieve(intent.id)).status, 'requires_payment_method');

    const again = terminal.collectPaymentMethod(intent.client_secret!, {
      config_override: { update_payment_intent: true },
    });
    await until(
      async () =>
        ((await f.stripe.terminal.readers.retrieve(reader.id)) as Loose).action?.type === 'collect_payment_method',
      'the collect action',
    );
    await present(reader.id, { card_present: { number: '5555555555554444' } });
    const collected = payload(await again);
    assert.equal((collected.paymentIntent.payment_method as Loose).card_present.brand, 'mastercard');
    assert.equal(collected.paymentIntent.sdk_payment_details.card_payment?.card_brand, 'MASTERCARD');
    assert.equal(errorOf(await terminal.cancelCollectPaymentMethod()).code, 'cancelable_already_completed');
    const processed = payload(await terminal.processPayment(collected.paymentIntent));
    assert.equal(processed.paymentIntent.status, 'requires_capture');
    assert.equal(errorOf(await terminal.cancelProcessPayment()).code, 'cancelable_already_completed');
  });

  test('customer cancellation on the reader (enable_customer_cancellation) → canceled', async () => {
    const t = f.terminal();
    const reader = await deviceConnected(t.terminal);
    const intent = await f.paymentIntent();
    const pending = t.terminal.collectPaymentMethod(intent.client_secret!, {
      config_override: { enable_customer_cancellation: true },
    });
    await until(
      async () =>
        ((await f.stripe.terminal.readers.retrieve(reader.id)) as Loose).action?.type === 'collect_payment_method',
      'the collect action',
    );
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/press_cancel`);
    const error = errorOf(await pending);
    assert.equal(error.code, 'canceled');
    assert.equal(error.payment_intent?.status, 'requires_payment_method');
  });

  test('reader faults: busy → command_already_in_progress, lost command → network_timeout', async () => {
    const t = f.terminal();
    const reader = await simulatedConnected(t.terminal);
    const intent = await f.paymentIntent();
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/busy`, { seconds: '60' });
    assert.equal(
      errorOf(await t.terminal.collectPaymentMethod(intent.client_secret!)).code,
      'command_already_in_progress',
    );
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/busy`, { seconds: '0' });
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/next_command_timeout`);
    assert.equal(errorOf(await t.terminal.collectPaymentMethod(intent.client_secret!)).code, 'network_timeout');
    assert.equal(
      errorOf(await t.terminal.collectPaymentMethod('pi_nope_secret_nope')).code,
      'invalid_payment_intent_client_secret',
    );
    assert.equal(
      errorOf(await t.terminal.collectPaymentMethod('garbage')).code,
      'invalid_payment_intent_client_secret',
    );
    assert.equal(
      errorOf(
        await t.terminal.collectPaymentMethod(intent.client_secret!, {
          config_override: { update_payment_intent: true, payment_intent_id: 'pi_other' },
        }),
      ).code,
      'invalid_argument',
    );
    payload(await t.terminal.disconnectReader());
  });

  test('failure table: declined (requires_payment_method) → collect again with the same PaymentIntent', async () => {
    const { terminal } = f.terminal();
    await simulatedConnected(terminal);
    const intent = await f.paymentIntent();
    terminal.setSimulatorConfiguration({ testPaymentMethod: 'charge_declined_insufficient_funds' });
    const collected = payload(await terminal.collectPaymentMethod(intent.client_secret!));
    const declined = errorOf(await terminal.processPayment(collected.paymentIntent));
    assert.equal(declined.code, 'card_declined');
    assert.equal(declined.decline_code, 'insufficient_funds');
    assert.equal(declined.payment_intent?.status, 'requires_payment_method');

    terminal.setSimulatorConfiguration({ testPaymentMethod: 'visa' });
    const retried = payload(await terminal.collectPaymentMethod(intent.client_secret!));
    assert.equal(
      payload(await terminal.processPayment(retried.paymentIntent)).paymentIntent.status,
      'requires_capture',
    );
    payload(await terminal.disconnectReader());
  });

  test('failure table: requires_confirmation (transient) → processPayment again', async () => {
    const { terminal } = f.terminal();
    const reader = await simulatedConnected(terminal);
    const intent = await f.paymentIntent();
    const collected = payload(await terminal.collectPaymentMethod(intent.client_secret!));
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/next_authorization_connection_error`);
    const transient = errorOf(await terminal.processPayment(collected.paymentIntent));
    assert.equal(transient.code, 'network_error');
    assert.equal(transient.payment_intent?.status, 'requires_confirmation');
    const processed = payload(await terminal.processPayment(collected.paymentIntent));
    assert.equal(processed.paymentIntent.status, 'requires_capture');
    payload(await terminal.disconnectReader());
  });

  test('failure table: unknown outcome (no PaymentIntent) → processPayment again tells the truth', async () => {
    const { terminal } = f.terminal();
    await simulatedConnected(terminal);
    const intent = await f.paymentIntent();
    const collected = payload(await terminal.collectPaymentMethod(intent.client_secret!));
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      const response = await realFetch(input, init);
      if (String(input).endsWith('/process_payment')) throw new TypeError('fetch failed (answer lost)');
      return response;
    };
    let lost;
    try {
      lost = errorOf(await terminal.processPayment(collected.paymentIntent));
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.equal(lost.code, 'network_error');
    assert.equal(lost.payment_intent, undefined);
    const retried = payload(await terminal.processPayment(collected.paymentIntent));
    assert.equal(retried.paymentIntent.status, 'requires_capture');
    assert.equal(retried.paymentIntent.id, intent.id);
    payload(await terminal.disconnectReader());
  });

  test('simulator configuration: tip, skip_tipping, interac, replace semantics, reset after processPayment', async () => {
    const { terminal } = f.terminal();
    await simulatedConnected(terminal);
    terminal.setSimulatorConfiguration({ testCardNumber: '5555555555554444', tipAmount: 200, bogus: 1 });
    assert.deepEqual(terminal.getSimulatorConfiguration(), { testCardNumber: '5555555555554444', tipAmount: 200 });
    const intent = await f.paymentIntent({ amount: 1000, capture_method: 'automatic' });
    const collected = payload(await terminal.collectPaymentMethod(intent.client_secret!));
    assert.equal(collected.paymentIntent.sdk_payment_details.tip_selection?.amount, 200);
    const processed = payload(await terminal.processPayment(collected.paymentIntent));
    assert.equal(processed.paymentIntent.status, 'succeeded');
    assert.equal(processed.paymentIntent.amount, 1200);
    assert.deepEqual(terminal.getSimulatorConfiguration(), {}, 'the simulator reverts after processPayment');

    terminal.setSimulatorConfiguration({ tipAmount: 300 });
    terminal.setSimulatorConfiguration({ testPaymentMethod: 'amex' });
    assert.deepEqual(terminal.getSimulatorConfiguration(), { testPaymentMethod: 'amex' }, 'set replaces, never merges');
    const noTip = await f.paymentIntent({ amount: 1000 });
    terminal.setSimulatorConfiguration({ tipAmount: 300 });
    const skipped = payload(
      await terminal.collectPaymentMethod(noTip.client_secret!, { config_override: { skip_tipping: true } }),
    );
    assert.equal(payload(await terminal.processPayment(skipped.paymentIntent)).paymentIntent.amount, 1000);

    const interac = await f.paymentIntent({
      currency: 'cad',
      payment_method_types: ['interac_present'],
      capture_method: 'automatic',
    });
    terminal.setSimulatorConfiguration({ paymentMethodType: 'interac_present' });
    const collectedInterac = payload(await terminal.collectPaymentMethod(interac.client_secret!));
    assert.equal(
      payload(await terminal.processPayment(collectedInterac.paymentIntent)).paymentIntent.status,
      'succeeded',
    );
    payload(await terminal.disconnectReader());
  });

  test('setReaderDisplay / clearReaderDisplay', async () => {
    const { terminal } = f.terminal();
    const reader = await simulatedConnected(terminal);
    payload(
      await terminal.setReaderDisplay({
        type: 'cart',
        cart: {
          line_items: [{ description: 'Caramel latte', amount: 659, quantity: 1 }],
          tax: 100,
          total: 759,
          currency: 'eur',
        },
      }),
    );
    const shown = (await f.stripe.terminal.readers.retrieve(reader.id)) as Loose;
    assert.equal(shown.action.type, 'set_reader_display');
    assert.equal(shown.action.set_reader_display.cart.total, 759);
    const bad = errorOf(
      await terminal.setReaderDisplay({
        type: 'cart',
        cart: { line_items: [{ description: 'x', amount: 1, quantity: 1 }], total: 5, currency: 'eur' },
      }),
    );
    assert.match(bad.message, /total|add up|sum/i);
    payload(await terminal.clearReaderDisplay());
    assert.equal(((await f.stripe.terminal.readers.retrieve(reader.id)) as Loose).action, null);
    payload(await terminal.clearReaderDisplay());
    payload(await terminal.disconnectReader());
  });

  test('collectInputs: results, skip all, timeout, cancelCollectInputs', async () => {
    const { terminal } = f.terminal();
    await simulatedConnected(terminal);
    const inputs = {
      inputs: [
        {
          formType: FormType.SELECTION,
          title: 'Receipt?',
          required: true,
          selectionButtons: [
            { style: SelectionButtonStyle.PRIMARY, text: 'Email', id: 'email' },
            { style: SelectionButtonStyle.SECONDARY, text: 'None', id: 'none' },
          ],
        },
        {
          formType: FormType.EMAIL,
          title: 'Your email',
          required: false,
          toggles: [{ title: 'News', defaultValue: ToggleValue.ENABLED }],
        },
      ],
    };
    const results = payload(await terminal.collectInputs(inputs));
    assert.equal(results.length, 2);
    assert.equal(results[0]!.formType, 'selection');
    assert.equal(results[0]!.selectionId, 'email');
    assert.equal(results[0]!.selection, 'Email');
    assert.equal(results[1]!.email, 'customer@example.com');
    assert.deepEqual(results[1]!.toggles, ['enabled']);

    terminal.setSimulatorConfiguration({ collectInputsResult: { resultType: 'succeeded', skipBehavior: 'all' } });
    const skipped = payload(await terminal.collectInputs(inputs));
    assert.equal(skipped[1]!.skipped, true);
    assert.deepEqual(skipped[1]!.toggles, ['skipped']);
    terminal.setSimulatorConfiguration({ collectInputsResult: { resultType: 'timeout' } });
    assert.equal(errorOf(await terminal.collectInputs(inputs)).code, 'reader_error');
    assert.equal(errorOf(await terminal.cancelCollectInputs()).code, 'cancelable_already_completed');
    payload(await terminal.disconnectReader());

    const device = f.terminal();
    await deviceConnected(device.terminal);
    const pending = device.terminal.collectInputs(inputs);
    await until(() => device.terminal.getPaymentStatus() === 'waiting_for_input', 'the inputs on the reader');
    payload(await device.terminal.cancelCollectInputs());
    assert.equal(errorOf(await pending).code, 'canceled');
  });

  test('SetupIntents: collectSetupIntentPaymentMethod then confirmSetupIntent', async () => {
    const { terminal } = f.terminal();
    await simulatedConnected(terminal);
    const setupIntent = await f.stripe.setupIntents.create({
      customer: (await f.stripe.customers.create({})).id,
      payment_method_types: ['card_present'],
    } as Loose);
    const collected = payload(
      await terminal.collectSetupIntentPaymentMethod(setupIntent.client_secret!, AllowRedisplay.ALWAYS, null),
    );
    assert.equal(collected.setupIntent.id, setupIntent.id);
    const confirmed = payload(await terminal.confirmSetupIntent(collected.setupIntent));
    assert.equal(confirmed.setupIntent.status, 'succeeded');
    assert.match(String(confirmed.setupIntent.payment_method), /^pm_/);
    assert.equal(errorOf(await terminal.confirmSetupIntent(collected.setupIntent)).code, 'invalid_argument');
    assert.equal(errorOf(await terminal.cancelCollectSetupIntentPaymentMethod()).code, 'cancelable_already_completed');
    assert.equal(errorOf(await terminal.cancelConfirmSetupIntent()).code, 'cancelable_already_completed');
    payload(await terminal.disconnectReader());
  });

  test('refunds: collectRefundPaymentMethod then processRefund', async () => {
    const { terminal } = f.terminal();
    await simulatedConnected(terminal);
    const intent = await f.paymentIntent({ amount: 1500, capture_method: 'automatic' });
    const paid = payload(
      await terminal.processPayment(payload(await terminal.collectPaymentMethod(intent.client_secret!)).paymentIntent),
    );
    const charge = paid.paymentIntent.latest_charge as string;
    assert.equal(errorOf(await terminal.processRefund()).code, 'invalid_argument');
    assert.equal(errorOf(await terminal.collectRefundPaymentMethod(charge, 500, 'usd')).code, 'invalid_argument');
    payload(await terminal.collectRefundPaymentMethod(charge, 500, 'eur'));
    const refunded = payload(await terminal.processRefund());
    assert.equal(refunded.refund.amount, 500);
    assert.equal(refunded.refund.status, 'succeeded');
    assert.equal(refunded.refund.charge, charge);
    assert.equal(errorOf(await terminal.cancelCollectRefundPaymentMethod()).code, 'cancelable_already_completed');
    assert.equal(errorOf(await terminal.cancelProcessRefund()).code, 'cancelable_already_completed');
    const tooMuch = errorOf(await terminal.collectRefundPaymentMethod(charge, 5000, 'eur'));
    assert.equal(tooMuch.code, 'amount_too_large_for_refund');
    payload(await terminal.disconnectReader());
  });

  test('clearCachedCredentials drops the session: the next call fetches a new token', async () => {
    const t = f.terminal();
    await simulatedConnected(t.terminal);
    assert.equal(t.tokenFetches(), 1);
    payload(await t.terminal.clearCachedCredentials());
    assert.equal(t.terminal.getConnectionStatus(), 'not_connected');
    payload(await t.terminal.discoverReaders({ simulated: true }));
    assert.equal(t.tokenFetches(), 2);
  });
  test('processing: an authorization in progress cannot be canceled; a lost final event still completes', async () => {
    const { terminal } = f.terminal();
    const reader = await simulatedConnected(terminal);
    const intent = await f.paymentIntent();
    const collected = payload(await terminal.collectPaymentMethod(intent.client_secret!));
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/authorization_latency`, { seconds: '5' });
    const pending = terminal.processPayment(collected.paymentIntent);
    await until(
      async () =>
        ((await f.stripe.terminal.readers.retrieve(reader.id)) as Loose).action?.type === 'confirm_payment_intent',
      'the authorization to start',
    );
    assert.equal(terminal.getPaymentStatus(), 'processing');
    assert.equal(errorOf(await terminal.cancelProcessPayment()).code, 'cancelable_already_completed');
    await f.opentill('/opentill/v1/test/clock/advance', { seconds: '6' });
    assert.equal(payload(await pending).paymentIntent.status, 'requires_capture');
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/authorization_latency`, { seconds: '0' });

    // The reader's final outcome is lost (no event, action stays in_progress): the PaymentIntent tells the truth.
    await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/drop_next_final_event`);
    const second = await f.paymentIntent();
    const collectedAgain = payload(await terminal.collectPaymentMethod(second.client_secret!));
    assert.equal(
      payload(await terminal.processPayment(collectedAgain.paymentIntent)).paymentIntent.status,
      'requires_capture',
    );
    assert.equal(((await f.stripe.terminal.readers.retrieve(reader.id)) as Loose).action.status, 'in_progress');
    payload(await terminal.disconnectReader());
  });

  test('server endpoints: SDK credentials only, CORS preflight, wrong-state calls', async () => {
    const base = `${f.server.baseUrl}/opentill/v1/sdk`;
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${base}${path}`, init);
      return {
        status: response.status,
        body: (await response.json().catch(() => null)) as Loose,
        headers: response.headers,
      };
    };
    assert.equal((await call('/readers')).body.error.code, 'sdk_session_invalid');
    assert.equal((await call('/readers', { headers: { authorization: 'Bearer sdks_test_garbage' } })).status, 401);
    const withKey = await call('/readers', { headers: { authorization: `Bearer ${f.server.secretKey}` } });
    assert.equal(withKey.status, 401, 'an API key is not an SDK credential');
    const noToken = await call('/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(noToken.status, 400);
    assert.equal(
      (await call('/sessions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x' }))
        .status,
      400,
    );
    const preflight = await fetch(`${base}/collect_payment_method`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://pos.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);

    const token = (await f.stripe.terminal.connectionTokens.create()).secret;
    const opened = await call('/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection_token: token }),
    });
    assert.match(opened.body.secret, /^sdks_test_/);
    assert.equal(opened.headers.get('access-control-allow-origin'), '*');
    const auth = { authorization: `Bearer ${opened.body.secret}`, 'content-type': 'application/json' };
    const notConnected = await call('/cancel_action', { method: 'POST', headers: auth, body: '{}' });
    assert.equal(notConnected.body.error.code, 'no_established_connection');
    const unknownParam = await call('/connection', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ reader: 'tmr_x', bogus: 1 }),
    });
    assert.equal(unknownParam.status, 400);
    assert.equal(
      (await call('/connection', { method: 'POST', headers: auth, body: JSON.stringify({ reader: 'tmr_nope' }) }))
        .status,
      404,
    );
    assert.equal((await call('/state', { headers: auth })).body.connection, 'not_connected');
    assert.equal((await call('/session', { method: 'DELETE', headers: auth })).body.ended, true);
    assert.equal((await call('/state', { headers: auth })).body.error.code, 'sdk_session_invalid');
  });

  test('an expired SDK session is renewed with a new token, on the same reader', async () => {
    const t = f.terminal();
    const reader = await simulatedConnected(t.terminal);
    assert.equal(t.tokenFetches(), 1);
    await f.opentill('/opentill/v1/test/clock/advance', { seconds: '3601' });
    const intent = await f.paymentIntent();
    const collected = payload(await t.terminal.collectPaymentMethod(intent.client_secret!));
    assert.equal(t.tokenFetches(), 2);
    assert.equal(
      payload(await t.terminal.processPayment(collected.paymentIntent)).paymentIntent.status,
      'requires_capture',
    );
    assert.equal((t.terminal.getConnectedReader() as Reader).id, reader.id);
    assert.equal(t.disconnects.length, 0);
    payload(await t.terminal.disconnectReader());
  });

  test('discovery_too_many_readers (last: it crowds the account)', async () => {
    const t = f.terminal();
    const crowded = await f.stripe.terminal.locations.create({ display_name: 'Mall', address: { country: 'FR' } });
    for (let i = 0; i < 101; i += 1)
      await f.stripe.terminal.readers.create({ registration_code: 'simulated-s700', location: crowded.id });
    assert.equal(
      errorOf(await t.terminal.discoverReaders({ location: crowded.id })).code,
      'discovery_too_many_readers',
    );
    assert.equal(errorOf(await t.terminal.discoverReaders({ simulated: true })).code, 'discovery_too_many_readers');
  });
});
