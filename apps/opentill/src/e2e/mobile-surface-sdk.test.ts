/**
 * The rest of React Native's `useStripeTerminal` surface in the mobile SDK (docs/tap-to-pay-sdk.md,
 * "The whole surface"): internet readers driven through the SDK, SetupIntents, refunds, the reader
 * display, collectInputs, collectData, reader settings, print, Locations and easyConnect, each with
 * its errors; results checked through stripe-node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CollectDataType, ErrorCode, FormType, type Reader } from '@opentill/terminal-sdk/mobile';
import { errorOf, paid, tapToPayFixture, type Phone, type TapToPayFixture } from './tap-to-pay-sdk-fixture.js';

let f: TapToPayFixture;
before(async () => {
  f = await tapToPayFixture('mobile-surface');
});
after(async () => {
  await f.stop();
});

async function internet(phone: Phone): Promise<Reader> {
  if (!phone.terminal.isInitialized) assert.deepEqual(await phone.terminal.initialize(), {});
  const location = await f.location();
  assert.deepEqual(
    await phone.terminal.discoverReaders({ discoveryMethod: 'internet', simulated: true, locationId: location.id }),
    {},
  );
  const connected = await phone.terminal.connectReader({
    discoveryMethod: 'internet',
    reader: phone.terminal.discoveredReaders[0]!,
  });
  assert.equal(connected.error, undefined, JSON.stringify(connected.error));
  return connected.reader!;
}

describe('internet readers through the mobile SDK', () => {
  test('connect, display a cart, collect inputs, settings, pay, refund, disconnect', async () => {
    const phone = f.phone();
    const reader = await internet(phone);
    assert.equal(reader.deviceType, 'wisePosE');
    assert.equal(phone.terminal.getConnectionStatus(), 'connected');
    assert.equal(phone.terminal.getPaymentStatus(), 'ready');

    // The reader display.
    assert.deepEqual(
      await phone.terminal.setReaderDisplay({
        currency: 'usd',
        tax: 100,
        total: 1100,
        lineItems: [{ displayName: 'Coffee', quantity: 2, amount: 500 }],
      }),
      {},
    );
    const shown = (await f.stripe.terminal.readers.retrieve(reader.id)) as { action?: { type?: string } | null };
    assert.equal(shown.action?.type, 'set_reader_display');
    assert.deepEqual(await phone.terminal.clearReaderDisplay(), {});
    assert.equal(
      errorOf(await phone.terminal.setReaderDisplay({} as never)).code,
      ErrorCode.INVALID_REQUIRED_PARAMETER,
    );

    // collectInputs with the simulated result.
    assert.deepEqual(await phone.terminal.setSimulatedCollectInputsResult('none'), {});
    const inputs = await phone.terminal.collectInputs({
      inputs: [{ formType: FormType.EMAIL, title: 'Email', required: true }],
    });
    assert.equal(inputs.error, undefined, JSON.stringify(inputs.error));
    assert.equal(inputs.collectInputResults?.[0]?.formType, 'email');
    assert.equal(inputs.collectInputResults?.[0]?.skipped, false);
    assert.equal(
      errorOf(await phone.terminal.collectInputs({ inputs: [] })).code,
      ErrorCode.COLLECT_INPUTS_INVALID_PARAMETER,
    );
    assert.equal(
      errorOf(await phone.terminal.setSimulatedCollectInputsResult('maybe')).code,
      ErrorCode.INVALID_REQUIRED_PARAMETER,
    );

    // Reader settings.
    assert.deepEqual(await phone.terminal.getReaderSettings(), { accessibility: { textToSpeechStatus: 'off' } });
    assert.deepEqual(await phone.terminal.setReaderSettings({ textToSpeechViaSpeakers: true }), {
      accessibility: { textToSpeechStatus: 'speakers' },
    });
    assert.equal(
      errorOf(await phone.terminal.setReaderSettings({} as never)).code,
      ErrorCode.INVALID_REQUIRED_PARAMETER,
    );

    // A payment, collected then confirmed.
    const intent = await phone.paymentIntent(2000, 'usd');
    const collected = paid(await phone.terminal.collectPaymentMethod({ paymentIntent: intent }));
    assert.equal(collected.status, 'requiresConfirmation');
    const confirmed = paid(await phone.terminal.confirmPaymentIntent({ paymentIntent: collected }));
    assert.equal(confirmed.status, 'succeeded');
    const { charge } = await f.charged(confirmed.id);
    assert.equal(charge.amount, 2000);

    // A refund by PaymentIntent (card read again on the reader), and one by charge.
    const refunded = await phone.terminal.processRefund({
      paymentIntentId: confirmed.id,
      clientSecret: confirmed.clientSecret!,
      amount: 500,
      currency: 'usd',
    });
    assert.equal(refunded.error, undefined, JSON.stringify(refunded.error));
    assert.equal(refunded.refund?.status, 'succeeded');
    assert.equal(refunded.refund?.amount, 500);
    assert.equal(refunded.refund?.chargeId, charge.id);
    assert.deepEqual(
      await phone.terminal.collectRefundPaymentMethod({ chargeId: charge.id, amount: 300, currency: 'usd' }),
      {},
    );
    const second = await phone.terminal.confirmRefund();
    assert.equal(second.refund?.amount, 300);
    const refunds = await f.stripe.refunds.list({ charge: charge.id });
    assert.deepEqual(refunds.data.map((r) => r.amount).sort(), [300, 500]);
    assert.equal(errorOf(await phone.terminal.confirmRefund()).code, ErrorCode.UNEXPECTED_OPERATION);
    assert.equal(
      errorOf(await phone.terminal.processRefund({ amount: 1 } as never)).code,
      ErrorCode.MISSING_REQUIRED_PARAMETER,
    );

    // Printing and non-payment data: answered with React Native's errors.
    assert.equal(
      errorOf(await phone.terminal.print('data:image/png;base64,iVBORw0KGgo=')).code,
      ErrorCode.PRINTER_ABSENT,
    );
    assert.equal(errorOf(await phone.terminal.print('not an image!')).code, ErrorCode.INVALID_REQUIRED_PARAMETER);
    const data = await phone.terminal.collectData({
      collectDataType: CollectDataType.MAGSTRIPE,
      customerCancellation: 'enableIfAvailable',
    });
    assert.equal(errorOf(data).code, ErrorCode.UNSUPPORTED_OPERATION);
    assert.equal(errorOf(await phone.terminal.cancelCollectData()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(errorOf(await phone.terminal.rebootReader()).code, ErrorCode.UNSUPPORTED_OPERATION);

    assert.deepEqual(await phone.terminal.disconnectReader(), {});
    assert.equal(phone.events.disconnects.at(-1), 'disconnectRequested');
    assert.equal(
      errorOf(await phone.terminal.setReaderDisplay({ currency: 'usd', tax: 0, total: 0, lineItems: [] })).code,
      ErrorCode.NOT_CONNECTED_TO_READER,
    );
  });

  test('SetupIntents: create, retrieve, process on the reader, cancel; wrong secrets and states refused', async () => {
    const phone = f.phone();
    await phone.terminal.initialize();
    const created = await phone.terminal.createSetupIntent({
      description: 'Card on file',
      usage: 'offSession',
      metadata: { till: '7' },
    });
    assert.equal(created.error, undefined, JSON.stringify(created.error));
    const setupIntent = created.setupIntent!;
    assert.match(setupIntent.id, /^seti_/);
    assert.equal(setupIntent.status, 'requiresPaymentMethod');
    assert.equal(setupIntent.usage, 'offSession');
    assert.equal(setupIntent.description, 'Card on file');
    assert.deepEqual(setupIntent.metadata, { till: '7' });

    // Reader work needs a reader.
    assert.equal(
      errorOf(await phone.terminal.collectSetupIntentPaymentMethod({ setupIntent })).code,
      ErrorCode.NOT_CONNECTED_TO_READER,
    );
    await internet(phone);
    const retrieved = await phone.terminal.retrieveSetupIntent(setupIntent.clientSecret!);
    assert.equal(retrieved.setupIntent?.id, setupIntent.id);
    assert.equal(
      errorOf(await phone.terminal.retrieveSetupIntent(`${setupIntent.id}_secret_wrong`)).code,
      ErrorCode.INVALID_CLIENT_SECRET,
    );
    assert.equal(errorOf(await phone.terminal.retrieveSetupIntent('')).code, ErrorCode.INVALID_CLIENT_SECRET);

    const processed = await phone.terminal.processSetupIntent({
      setupIntent: retrieved.setupIntent!,
      allowRedisplay: 'always',
    });
    assert.equal(processed.error, undefined, JSON.stringify(processed.error));
    assert.equal(processed.setupIntent?.status, 'succeeded');
    const server = await f.stripe.setupIntents.retrieve(setupIntent.id);
    assert.equal(server.status, 'succeeded');
    assert.ok(server.payment_method);

    const other = (await phone.terminal.createSetupIntent({})).setupIntent!;
    const canceled = await phone.terminal.cancelSetupIntent({ setupIntent: other });
    assert.equal(canceled.setupIntent?.status, 'canceled');
    assert.equal(
      errorOf(await phone.terminal.cancelSetupIntent({ setupIntent: {} as never })).code,
      ErrorCode.INVALID_REQUIRED_PARAMETER,
    );
    assert.equal(
      errorOf(await phone.terminal.confirmSetupIntent({ setupIntent: undefined as never })).code,
      ErrorCode.CONFIRM_INVALID_SETUP_INTENT,
    );
    assert.equal(errorOf(await phone.terminal.cancelCollectSetupIntent()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(errorOf(await phone.terminal.cancelConfirmSetupIntent()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(errorOf(await phone.terminal.cancelProcessSetupIntent()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(errorOf(await phone.terminal.cancelProcessRefund()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(errorOf(await phone.terminal.cancelCollectInputs()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(errorOf(await phone.terminal.cancelCollectPaymentMethod()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(errorOf(await phone.terminal.cancelConfirmPaymentIntent()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(errorOf(await phone.terminal.cancelProcessPaymentIntent()).code, ErrorCode.CANCEL_FAILED);
  });
});

describe('Locations, easyConnect and Tap to Pay limits', () => {
  test("getLocations pages the account's Locations", async () => {
    const phone = f.phone();
    await phone.terminal.initialize();
    const first = await f.location();
    const second = await f.locationIn('GB');
    const listed = await phone.terminal.getLocations({ limit: 100 });
    assert.equal(listed.error, undefined, JSON.stringify(listed.error));
    const ids = listed.locations!.map((location) => location.id);
    assert.ok(ids.includes(first.id) && ids.includes(second.id));
    const gb = listed.locations!.find((location) => location.id === second.id)!;
    assert.equal(gb.address?.country, 'GB');
    assert.equal(gb.livemode, false);
    const page = await phone.terminal.getLocations({ limit: 1 });
    assert.equal(page.locations?.length, 1);
    assert.equal(page.hasMore, true);
    assert.equal(errorOf(await phone.terminal.getLocations({ limit: 0 })).code, ErrorCode.INVALID_REQUIRED_PARAMETER);
  });

  test('easyConnect: an internet reader in one call; appsOnDevices refused', async () => {
    const phone = f.phone();
    await phone.terminal.initialize();
    const location = await f.location();
    const connected = await phone.terminal.easyConnect({
      discoveryMethod: 'internet',
      simulated: true,
      locationId: location.id,
    });
    assert.equal(connected.error, undefined, JSON.stringify(connected.error));
    assert.equal(connected.reader?.deviceType, 'wisePosE');
    assert.equal(phone.terminal.getConnectionStatus(), 'connected');
    assert.equal(
      errorOf(await phone.terminal.easyConnect({ discoveryMethod: 'internet', simulated: true })).code,
      ErrorCode.ALREADY_CONNECTED_TO_READER,
    );
    await phone.terminal.disconnectReader();
    assert.equal(
      errorOf(await phone.terminal.easyConnect({ discoveryMethod: 'appsOnDevices' })).code,
      ErrorCode.UNSUPPORTED_OPERATION,
    );
    const tapToPay = await phone.terminal.easyConnect({
      discoveryMethod: 'tapToPay',
      simulated: true,
      locationId: location.id,
    });
    assert.equal(tapToPay.reader?.deviceType, 'tapToPay');
  });

  test('on Tap to Pay: no reader display, settings, SetupIntents or refunds on the phone (UNSUPPORTED_OPERATION), no reboot', async () => {
    const phone = f.phone();
    await phone.connect((await f.location()).id);
    assert.equal(
      errorOf(await phone.terminal.setReaderDisplay({ currency: 'usd', tax: 0, total: 0, lineItems: [] })).code,
      ErrorCode.UNSUPPORTED_OPERATION,
    );
    assert.equal(errorOf(await phone.terminal.getReaderSettings()).code, ErrorCode.READER_SETTINGS_ERROR);
    assert.equal(
      errorOf(await phone.terminal.collectInputs({ inputs: [{ formType: FormType.TEXT, title: 'Name' }] })).code,
      ErrorCode.COLLECT_INPUTS_UNSUPPORTED,
    );
    const setupIntent = (await phone.terminal.createSetupIntent({})).setupIntent!;
    assert.equal(
      errorOf(await phone.terminal.collectSetupIntentPaymentMethod({ setupIntent })).code,
      ErrorCode.UNSUPPORTED_OPERATION,
    );
    assert.equal(
      errorOf(await phone.terminal.processRefund({ chargeId: 'ch_x', amount: 1, currency: 'usd' })).code,
      ErrorCode.UNSUPPORTED_OPERATION,
    );
    assert.equal(errorOf(await phone.terminal.rebootReader()).code, ErrorCode.UNSUPPORTED_OPERATION);
    assert.match(await phone.terminal.getNativeSdkVersion(), /^opentill-/);
  });
});
