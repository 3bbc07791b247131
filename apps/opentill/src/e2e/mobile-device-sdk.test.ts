/**
 * Bluetooth and USB readers whose device runs beside the mobile SDK (docs/tap-to-pay-sdk.md,
 * "Bluetooth and USB readers run beside the SDK"): the reader device state machine in this process
 * reads the simulated card and reports it through `/opentill/v1/sdk/devices`; the reader callbacks
 * (`onDidRequestReaderInput`, `onDidReportReaderEvent`, `onDidRequestReaderDisplayMessage`); payments,
 * SetupIntents, refunds and collectInputs checked through stripe-node; the endpoints' refusals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { ErrorCode, type Reader, type ReaderEvent } from '@opentill/terminal-sdk/mobile';
import { errorOf, paid, tapToPayFixture, type Phone, type TapToPayFixture } from './tap-to-pay-sdk-fixture.js';

let f: TapToPayFixture;
before(async () => {
  f = await tapToPayFixture('mobile-device');
});
after(async () => {
  await f.stop();
});

/** A phone recording `onDidReportReaderEvent` too (the fixture records the other reader callbacks). */
function phoneWithReaderEvents(): { phone: Phone; readerEvents: ReaderEvent[]; changed: () => Promise<void> } {
  const readerEvents: ReaderEvent[] = [];
  const waiters: Array<() => void> = [];
  const phone = f.phone();
  const callbacks = (phone.terminal as unknown as { callbacks: Record<string, unknown> }).callbacks;
  callbacks['onDidReportReaderEvent'] = (event: ReaderEvent) => {
    readerEvents.push(event);
    for (const wake of waiters.splice(0)) wake();
  };
  return {
    phone,
    readerEvents,
    changed: () =>
      new Promise((resolve) => {
        waiters.push(resolve);
      }),
  };
}

async function connect(
  phone: Phone,
  method: 'bluetoothScan' | 'usb' = 'bluetoothScan',
  pick: (readers: Reader[]) => Reader = (readers) => readers[0]!,
): Promise<Reader> {
  if (!phone.terminal.isInitialized) assert.deepEqual(await phone.terminal.initialize(), {});
  assert.deepEqual(await phone.terminal.discoverReaders({ discoveryMethod: method, simulated: true }), {});
  const connected = await phone.terminal.connectReader({
    discoveryMethod: method,
    reader: pick(phone.terminal.discoveredReaders),
    locationId: (await f.location()).id,
  });
  assert.equal(connected.error, undefined, JSON.stringify(connected.error));
  return connected.reader!;
}

/** Waits (event by event, bounded) until `readerEvents` holds `count` entries. */
async function readerEventsReach(events: ReaderEvent[], count: number, changed: () => Promise<void>): Promise<void> {
  for (let attempt = 0; attempt < 10 && events.length < count; attempt += 1) await changed();
  assert.equal(events.length, count, `reader events: ${JSON.stringify(events)}`);
}

describe('the device beside the SDK reads the card', () => {
  test("an inserted card: the reader asks for it, reports it inserted then removed; the server's reader is the M2 itself", async () => {
    const { phone, readerEvents, changed } = phoneWithReaderEvents();
    const reader = await connect(phone);
    const api = (await f.stripe.terminal.readers.retrieve(reader.id)) as Stripe.Terminal.Reader;
    assert.equal(api.device_type, 'stripe_m2');
    assert.equal(api.serial_number, reader.serialNumber);
    assert.equal(api.location, (await f.location()).id);

    assert.deepEqual(await phone.terminal.setSimulatedCard('5555555555554444'), {});
    const intent = await phone.paymentIntent(1850, 'usd');
    const processed = paid(await phone.terminal.processPaymentIntent({ paymentIntent: intent }));
    assert.equal(processed.status, 'succeeded');
    await readerEventsReach(readerEvents, 2, changed);
    assert.deepEqual(readerEvents, ['cardInserted', 'cardRemoved']);
    assert.deepEqual(phone.events.inputs, [['insertCard', 'swipeCard', 'tapCard']]);
    assert.deepEqual(phone.events.messages, ['removeCard']);

    const { charge } = await f.charged(processed.id);
    const present = charge.payment_method_details?.card_present;
    assert.equal(present?.last4, '4444');
    assert.equal(present?.brand, 'mastercard');
    assert.equal(present?.read_method, 'contact_emv');
    assert.equal(charge.amount, 1850);
  });

  test('tapped and swiped cards (no insert events), a decline, a PIN card, collect then confirm', async () => {
    const { phone, readerEvents } = phoneWithReaderEvents();
    await connect(phone, 'bluetoothScan', (readers) => readers[2]!);
    assert.deepEqual(await phone.terminal.setSimulatedReadMethod('contactless_emv'), {});
    assert.equal(
      errorOf(await phone.terminal.setSimulatedReadMethod('telepathy' as 'contact_emv')).code,
      ErrorCode.INVALID_REQUIRED_PARAMETER,
    );
    const tapped = paid(
      await phone.terminal.processPaymentIntent({ paymentIntent: await phone.paymentIntent(500, 'usd') }),
    );
    assert.equal(
      (await f.charged(tapped.id)).charge.payment_method_details?.card_present?.read_method,
      'contactless_emv',
    );

    await phone.terminal.setSimulatedReadMethod('magnetic_stripe_track2');
    const intent = await phone.paymentIntent(700, 'usd');
    const collected = paid(await phone.terminal.collectPaymentMethod({ paymentIntent: intent }));
    assert.equal(collected.status, 'requiresConfirmation');
    const confirmed = paid(await phone.terminal.confirmPaymentIntent({ paymentIntent: collected }));
    assert.equal(
      (await f.charged(confirmed.id)).charge.payment_method_details?.card_present?.read_method,
      'magnetic_stripe_track2',
    );
    assert.deepEqual(readerEvents, []);

    // A declined card: the issuer's answer, the PaymentIntent back to requires_payment_method.
    await phone.terminal.setSimulatedCard('4000000000000002');
    const declined = await phone.terminal.processPaymentIntent({
      paymentIntent: await phone.paymentIntent(900, 'usd'),
    });
    assert.equal(errorOf(declined).code, ErrorCode.DECLINED_BY_STRIPE_API);
    assert.equal(declined.error?.paymentIntent?.status, 'requiresPaymentMethod');

    // The offline-PIN card: the WisePad 3's PIN pad takes the cardholder's PIN before the card is reported.
    await phone.terminal.setSimulatedCard('4001007020000002');
    await phone.terminal.setSimulatedReadMethod('contact_emv');
    const withPin = paid(
      await phone.terminal.processPaymentIntent({ paymentIntent: await phone.paymentIntent(2000, 'eur') }),
    );
    assert.equal(withPin.status, 'succeeded');
    const verified = (await f.charged(withPin.id)).charge.payment_method_details?.card_present?.receipt
      ?.cardholder_verification_method;
    assert.equal(verified, 'offline_pin');
  });

  test('SetupIntent and refund read the card on the device; collectInputs on the S700 over USB, refused on the M2', async () => {
    const { phone, readerEvents, changed } = phoneWithReaderEvents();
    await connect(phone);
    await phone.terminal.setSimulatedCard('4242424242424242');
    const created = await phone.terminal.createSetupIntent({});
    assert.equal(created.error, undefined, JSON.stringify(created.error));
    const setup = await phone.terminal.processSetupIntent({
      setupIntent: created.setupIntent!,
      allowRedisplay: 'always',
    });
    assert.equal(setup.error, undefined, JSON.stringify(setup.error));
    assert.equal(setup.setupIntent?.status, 'succeeded');
    const server = await f.stripe.setupIntents.retrieve(created.setupIntent!.id, { expand: ['latest_attempt'] });
    assert.equal(server.status, 'succeeded');
    await readerEventsReach(readerEvents, 2, changed);

    const payment = paid(
      await phone.terminal.processPaymentIntent({ paymentIntent: await phone.paymentIntent(1500, 'usd') }),
    );
    await readerEventsReach(readerEvents, 4, changed);
    const { charge } = await f.charged(payment.id);
    const refunded = await phone.terminal.processRefund({ chargeId: charge.id, amount: 600, currency: 'usd' });
    assert.equal(refunded.error, undefined, JSON.stringify(refunded.error));
    assert.equal(refunded.refund?.status, 'succeeded');
    assert.equal((await f.stripe.charges.retrieve(charge.id)).amount_refunded, 600);
    await readerEventsReach(readerEvents, 6, changed);
    assert.deepEqual(readerEvents, [
      'cardInserted',
      'cardRemoved',
      'cardInserted',
      'cardRemoved',
      'cardInserted',
      'cardRemoved',
    ]);

    const inputs = {
      inputs: [
        { formType: 'email' as const, title: 'Receipt' },
        { formType: 'numeric' as const, title: 'Zip', required: false },
      ],
    };
    assert.equal(
      errorOf(await phone.terminal.collectInputs(inputs as never)).code,
      ErrorCode.COLLECT_INPUTS_UNSUPPORTED,
    );
    await phone.terminal.disconnectReader();

    await connect(phone, 'usb', (readers) => readers.find((reader) => reader.deviceType === 'stripeS700')!);
    const collected = await phone.terminal.collectInputs(inputs as never);
    assert.equal(collected.error, undefined, JSON.stringify(collected.error));
    assert.equal(collected.collectInputResults?.length, 2);
    assert.deepEqual(await phone.terminal.setSimulatedCollectInputsResult('all'), {});
    const skipped = await phone.terminal.collectInputs(inputs as never);
    assert.equal(skipped.error, undefined, JSON.stringify(skipped.error));
    assert.equal(skipped.collectInputResults?.length, 2);
  });

  test('operations in the wrong state: confirm before collect, collect without a reader, a second reader', async () => {
    const { phone } = phoneWithReaderEvents();
    await phone.terminal.initialize();
    const intent = await phone.paymentIntent(1000, 'usd');
    assert.equal(
      errorOf(await phone.terminal.collectPaymentMethod({ paymentIntent: intent })).code,
      ErrorCode.NOT_CONNECTED_TO_READER,
    );
    await connect(phone);
    assert.equal(
      errorOf(await phone.terminal.confirmPaymentIntent({ paymentIntent: intent })).code,
      ErrorCode.CONFIRM_INVALID_PAYMENT_INTENT,
    );
    assert.equal(errorOf(await phone.terminal.confirmRefund()).code, ErrorCode.UNEXPECTED_OPERATION);
    assert.equal(errorOf(await phone.terminal.installAvailableUpdate()).code, ErrorCode.UNEXPECTED_OPERATION);
    const second = await phone.terminal.connectReader({
      discoveryMethod: 'bluetoothScan',
      reader: phone.terminal.discoveredReaders[1]!,
      locationId: (await f.location()).id,
    });
    assert.equal(errorOf(second).code, ErrorCode.ALREADY_CONNECTED_TO_READER);
    assert.equal(paid(await phone.terminal.processPaymentIntent({ paymentIntent: intent })).status, 'succeeded');
  });
});

describe('/opentill/v1/sdk/devices refusals', () => {
  async function session(): Promise<string> {
    const token = await f.stripe.terminal.connectionTokens.create();
    const opened = await fetch(`${f.server.baseUrl}/opentill/v1/sdk/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ connection_token: token.secret }),
    });
    return ((await opened.json()) as { secret: string }).secret;
  }
  const call = async (secret: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${f.server.baseUrl}/opentill/v1/sdk${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { error?: { code: string; param?: string; reason?: string } } & Record<
        string,
        unknown
      >,
    };
  };

  test('registration, commands and events refuse bad input with 4xx and change nothing', async () => {
    const host = await session();
    const other = await session();
    const location = (await f.location()).id;
    const register = (body: Record<string, unknown>) => call(host, 'POST', '/devices', body);
    assert.equal(
      (await register({ device_type: 'stripe_m2', serial_number: 'STRM2X1' })).body.error?.code,
      'MISSING_REQUIRED_PARAMETER',
    );
    assert.equal((await register({ location, device_type: 'toaster', serial_number: 'X' })).status, 400);
    assert.equal((await register({ location, device_type: 'stripe_m2', serial_number: 'bad serial!' })).status, 400);
    assert.equal(
      (await register({ location: 'tml_nope', device_type: 'stripe_m2', serial_number: 'STRM2X1' })).body.error?.reason,
      'location_not_found',
    );
    const ok = await register({ location, device_type: 'stripe_m2', serial_number: 'STRM2X1', simulated: true });
    assert.equal(ok.status, 200);
    const readerId = (ok.body['reader'] as { id: string }).id;
    assert.equal(
      (await register({ location, device_type: 'bbpos_wisepad3', serial_number: 'STRM2X1' })).body.error?.reason,
      'device_type_mismatch',
    );

    const command = await call(host, 'GET', `/devices/${readerId}/command`);
    assert.equal(command.status, 200);
    assert.equal(command.body['action'], null);
    assert.equal((await call(other, 'GET', `/devices/${readerId}/command`)).status, 403);
    assert.equal((await call(host, 'GET', '/devices/tmr_nope/command')).status, 404);
    const smart = await f.reader();
    assert.equal((await call(host, 'GET', `/devices/${smart.id}/command`)).body.error?.reason, 'not_sdk_device');

    const event = (body: unknown) => call(host, 'POST', `/devices/${readerId}/events`, body);
    assert.equal((await event({})).body.error?.param, 'event');
    assert.equal((await event({ event: { type: 'card_read', action_id: 'tmra_1' } })).body.error?.param, 'event');
    assert.equal((await event({ event: { type: 'card_removed' }, extra: 1 })).status, 400);
    const stale = await event({
      event: {
        type: 'card_read',
        action_id: 'tmra_stale',
        number: '4242424242424242',
        read_method: 'contact_emv',
        wallet: null,
        tip_amount: 0,
        pin: null,
      },
    });
    assert.equal(stale.status, 400);
    assert.equal(
      (await call(other, 'POST', `/devices/${readerId}/events`, { event: { type: 'card_removed' } })).status,
      403,
    );
    const reader = (await f.stripe.terminal.readers.retrieve(readerId)) as Stripe.Terminal.Reader;
    assert.equal(reader.action, null);
  });
});
