/**
 * Payments with the mobile Tap to Pay SDK against a real server (SQLite): the tap screen and the
 * PIN pad driven by a scripted customer, the card brands and NFC wallets per platform and country,
 * cardholder verification (PIN before collect, PIN during confirm, declines before any PIN
 * screen), the PIN environment, cancellation, read errors, declines, capture, and the tap screen's
 * UX configuration. Checked through the SDK's results and, on the server, through stripe-node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { pinPadLayout, type DeviceFacts } from '@opentill/core';
import { ErrorCode, readAttemptsMax, type PaymentIntent, type TapWallet } from '@opentill/terminal-sdk/mobile';
import { errorOf, paid, tapToPayFixture, type Phone, type TapToPayFixture } from './tap-to-pay-sdk-fixture.js';

const cards = {
  visa: '4242424242424242',
  mastercard: '5555555555554444',
  amex: '378282246310005',
  discover: '6011111111111117',
  interac: '4506445006931933',
  eftpos: '6280000360000978',
  jcb: '3566002020360505',
  declined: '4000000000000002',
  onlinePinScaRetry: '4000002760000008',
  offlinePinScaRetry: '4000008260000075',
  offlinePinOnly: '4001007020000002',
  notACard: '4242424242424241',
};

describe('mobile Tap to Pay SDK: payments (sqlite)', () => {
  let f: TapToPayFixture;
  before(async () => {
    f = await tapToPayFixture('ttp_sdk_payments');
  });
  after(async () => {
    await f.stop();
  });

  /** One connected phone per platform and country, reused. */
  const phones = new Map<string, Phone>();
  async function phoneIn(
    country: string,
    platform: 'ios' | 'android' = 'android',
    device: Partial<DeviceFacts> = {},
  ): Promise<Phone> {
    const key = `${country}/${platform}/${JSON.stringify(device)}`;
    const known = phones.get(key);
    if (known) return known;
    const phone = f.phone({ device: { platform, ...device } });
    await phone.connect((await f.locationIn(country)).id);
    phones.set(key, phone);
    return phone;
  }

  /** The charge of a settled payment, read by the backend (stripe-node). */
  async function cardPresent(paymentIntentId: string): Promise<Stripe.Charge.PaymentMethodDetails.CardPresent> {
    const { charge } = await f.charged(paymentIntentId);
    const details = charge.payment_method_details;
    return (details?.card_present ?? details?.interac_present) as Stripe.Charge.PaymentMethodDetails.CardPresent;
  }

  /** processPaymentIntent with one scripted tap. */
  async function pay(
    phone: Phone,
    amount: number,
    currency: string,
    card: string,
    wallet: TapWallet | null = null,
    extra: Record<string, unknown> = {},
  ) {
    const paymentIntent = await phone.paymentIntent(amount, currency, extra);
    phone.ui.tapCard(card, wallet);
    return { paymentIntent, result: await phone.terminal.processPaymentIntent({ paymentIntent }) };
  }

  test('a payment: tap screen, success indication, statuses, and the charge on the server', async () => {
    const phone = await phoneIn('FR');
    const screens = phone.ui.tapScreens.length;
    const payments = phone.events.payment.length;
    const { paymentIntent, result } = await pay(phone, 1250, 'eur', cards.visa);
    const done = paid(result);
    assert.equal(done.id, paymentIntent.id);
    assert.equal(done.sdkUuid, paymentIntent.sdkUuid);
    assert.equal(done.status, 'succeeded');
    assert.equal(done.amountReceived, 1250);
    const screen = phone.ui.tapScreens[screens]!;
    assert.deepEqual(
      {
        amount: screen.amount,
        currency: screen.currency,
        merchant: screen.merchantDisplayName,
        platform: screen.platform,
        simulated: screen.simulated,
        retry: screen.retryMessage,
      },
      { amount: 1250, currency: 'eur', merchant: 'Shop FR', platform: 'android', simulated: true, retry: null },
    );
    assert.deepEqual(phone.ui.outcomes.at(-1)?.outcome, { kind: 'success', message: 'Card read' });
    assert.deepEqual(phone.events.payment.slice(payments), ['waitingForInput', 'processing', 'ready']);
    assert.deepEqual(phone.events.inputs.at(-1), ['tapCard']);
    const card = await cardPresent(paymentIntent.id);
    assert.equal(card.brand, 'visa');
    assert.equal(card.read_method, 'contactless_emv');
    assert.equal(card.wallet ?? null, null);
  });

  test('collect then confirm; updatePaymentIntent returns the PaymentMethod; confirm needs a collected PaymentIntent', async () => {
    const phone = await phoneIn('FR');
    const paymentIntent = await phone.paymentIntent(900, 'eur', { captureMethod: 'manual' });
    assert.equal(
      errorOf(await phone.terminal.confirmPaymentIntent({ paymentIntent })).code,
      ErrorCode.CONFIRM_INVALID_PAYMENT_INTENT,
    );
    phone.ui.tapCard(cards.mastercard);
    const statuses = phone.events.payment.length;
    const collected = paid(await phone.terminal.collectPaymentMethod({ paymentIntent, updatePaymentIntent: true }));
    assert.deepEqual(phone.events.payment.slice(statuses), ['waitingForInput', 'ready']);
    assert.equal(collected.status, 'requiresConfirmation');
    assert.equal(collected.paymentMethod?.type, 'cardPresent');
    assert.equal(collected.paymentMethod?.cardPresentDetails?.brand, 'mastercard');
    assert.equal(collected.paymentMethod?.cardPresentDetails?.last4, '4444');
    const confirmed = paid(await phone.terminal.confirmPaymentIntent({ paymentIntent: collected }));
    assert.equal(confirmed.status, 'requiresCapture');
    assert.deepEqual(phone.events.payment.slice(statuses), ['waitingForInput', 'ready', 'processing', 'ready']);
    // The backend captures it (stripe-node), as with any Terminal payment.
    const captured = await f.stripe.paymentIntents.capture(confirmed.id);
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 900);

    const other = await phone.paymentIntent(800, 'eur');
    phone.ui.tapCard(cards.visa);
    const plain = paid(await phone.terminal.collectPaymentMethod({ paymentIntent: other }));
    assert.equal(plain.paymentMethod, undefined, 'without updatePaymentIntent the PaymentMethod is not returned');
    assert.equal(paid(await phone.terminal.confirmPaymentIntent({ paymentIntent: plain })).status, 'succeeded');
  });

  test('the brand matrix per platform and country', async () => {
    const accepted: Array<[string, 'ios' | 'android', string, string, string, string, Record<string, unknown>?]> = [
      ['FR', 'android', 'eur', cards.visa, 'visa', 'visa'],
      ['FR', 'android', 'eur', cards.mastercard, 'mastercard', 'mastercard'],
      ['FR', 'ios', 'eur', cards.amex, 'amex', 'amex'],
      ['US', 'ios', 'usd', cards.discover, 'discover', 'discover'],
      ['FR', 'android', 'eur', cards.discover, 'discover', 'discover'],
      ['CA', 'ios', 'cad', cards.interac, 'interac', 'interac', { paymentMethodTypes: ['interacPresent'] }],
      ['AU', 'android', 'aud', cards.eftpos, 'eftpos_au', 'eftpos_au'],
    ];
    for (const [country, platform, currency, number, brand, network, extra] of accepted) {
      const phone = await phoneIn(country, platform);
      const { paymentIntent, result } = await pay(phone, 1500, currency, number, null, extra);
      assert.equal(paid(result).status, 'succeeded', `${brand} in ${country} on ${platform}`);
      const card = await cardPresent(paymentIntent.id);
      assert.equal(card.brand, brand, `${brand} in ${country}`);
      assert.equal(card.network, network, `${brand} in ${country}`);
    }

    const refused: Array<[string, 'ios' | 'android', string, string, string]> = [
      ['FR', 'ios', 'eur', cards.discover, 'brand_not_accepted_in_country'],
      ['FR', 'android', 'eur', cards.jcb, 'brand_not_accepted'],
      ['FR', 'android', 'eur', cards.eftpos, 'brand_not_accepted_in_country'],
    ];
    for (const [country, platform, currency, number, reason] of refused) {
      const phone = await phoneIn(country, platform);
      const outcomes = phone.ui.outcomes.length;
      const { paymentIntent, result } = await pay(phone, 1500, currency, number);
      const error = errorOf(result);
      assert.equal(error.code, ErrorCode.CARD_NOT_SUPPORTED, `${number} in ${country} on ${platform}`);
      assert.equal(error.metadata['reason'], reason);
      assert.equal(error.apiError?.declineCode, 'card_not_supported');
      assert.equal(phone.ui.outcomes[outcomes]?.outcome.kind, 'error');
      // Nothing was charged, and the same PaymentIntent can be paid with another card.
      assert.equal((await f.stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_payment_method');
      phone.ui.tapCard(cards.visa);
      assert.equal(paid(await phone.terminal.processPaymentIntent({ paymentIntent })).status, 'succeeded');
    }
  });

  test('NFC wallets are reported on the charge', async () => {
    const phone = await phoneIn('FR', 'ios');
    for (const wallet of ['apple_pay', 'google_pay', 'samsung_pay'] as const) {
      const { paymentIntent, result } = await pay(phone, 2000, 'eur', cards.visa, wallet);
      assert.equal(paid(result).status, 'succeeded');
      assert.equal((await cardPresent(paymentIntent.id)).wallet?.type, wallet);
    }
  });

  describe('cardholder verification and the PIN pad', () => {
    test('France: up to the limit no PIN; above it the PIN pad before collect returns, at a random position', async () => {
      const phone = f.phone({ options: { random: () => 0.25 } });
      await phone.connect((await f.locationIn('FR')).id);
      const atLimit = await pay(phone, 5000, 'eur', cards.visa);
      assert.equal(paid(atLimit.result).status, 'succeeded');
      assert.equal(phone.ui.pinPads.length, 0, 'no PIN at exactly the limit (strictly above)');
      assert.equal((await cardPresent(atLimit.paymentIntent.id)).receipt?.cardholder_verification_method, 'none');

      phone.ui.pin('2580');
      const paymentIntent = await phone.paymentIntent(7500, 'eur', { captureMethod: 'manual' });
      phone.ui.tapCard(cards.mastercard);
      const collecting = phone.terminal.collectPaymentMethod({ paymentIntent });
      const pad = await phone.ui.pinPadShown();
      assert.equal(pad.when, 'before_collect');
      assert.equal(pad.amount, 7500);
      assert.deepEqual(pad.layout, pinPadLayout(Math.floor(0.25 * 2 ** 32)));
      assert.equal('ux' in pad, false, 'the UX configuration never reaches the PIN pad');
      const collected = paid(await collecting);
      assert.equal(phone.ui.pending.pins, 0);
      const confirmed = paid(await phone.terminal.confirmPaymentIntent({ paymentIntent: collected }));
      assert.equal(confirmed.status, 'requiresCapture');
      assert.equal((await cardPresent(paymentIntent.id)).receipt?.cardholder_verification_method, 'online_pin');
    });

    test('wallets: no PIN above the limit in France; in Great Britain the issuer can still ask for it', async () => {
      const fr = await phoneIn('FR');
      const pads = fr.ui.pinPads.length;
      assert.equal(paid((await pay(fr, 9000, 'eur', cards.visa, 'google_pay')).result).status, 'succeeded');
      assert.equal(fr.ui.pinPads.length, pads, 'the customer verified on their phone');

      const gb = await phoneIn('GB');
      assert.equal(paid((await pay(gb, 15000, 'gbp', cards.visa, 'apple_pay')).result).status, 'succeeded');
      assert.equal(gb.ui.pinPads.length, 0, 'a wallet above the GB limit needs no PIN either');
      gb.ui.pin('1357');
      const sca = await pay(gb, 2000, 'gbp', cards.onlinePinScaRetry, 'apple_pay');
      assert.equal(paid(sca.result).status, 'succeeded');
      assert.deepEqual(
        gb.ui.pinPads.map((pad) => pad.when),
        ['during_confirm'],
        'in GB the issuer SCA request applies to wallets',
      );
    });

    test('.03 amounts: the PIN flow in France, online_or_offline_pin_required in the United States', async () => {
      const fr = f.phone();
      await fr.connect((await f.locationIn('FR')).id);
      fr.ui.pin('1111');
      const pinTest = await pay(fr, 1003, 'eur', cards.visa);
      assert.equal(paid(pinTest.result).status, 'succeeded');
      assert.deepEqual(
        fr.ui.pinPads.map((pad) => pad.when),
        ['before_collect'],
      );

      const us = f.phone();
      await us.connect((await f.locationIn('US')).id);
      const declined = await pay(us, 1003, 'usd', cards.visa);
      const error = errorOf(declined.result);
      assert.equal(error.code, ErrorCode.DECLINED_BY_STRIPE_API);
      assert.equal(error.nativeErrorCode, 'card_declined');
      assert.equal(error.apiError?.declineCode, 'online_or_offline_pin_required');
      assert.equal(error.metadata['reason'], 'pin_not_supported_in_market');
      assert.equal(us.ui.pinPads.length, 0);
      assert.equal(us.ui.outcomes.at(-1)?.outcome.kind, 'error');
    });

    test('the issuer asks for the PIN during confirm: PIN pad, the card collected again, two charges', async () => {
      const phone = f.phone();
      await phone.connect((await f.locationIn('FR')).id);
      phone.ui.pin('4321');
      const statuses = phone.events.payment.length;
      const { paymentIntent, result } = await pay(phone, 1000, 'eur', cards.onlinePinScaRetry);
      assert.equal(paid(result).status, 'succeeded');
      assert.deepEqual(
        phone.ui.pinPads.map((pad) => pad.when),
        ['during_confirm'],
      );
      assert.equal(phone.ui.tapScreens.length, 1, 'the customer tapped once: the SDK kept the card');
      assert.deepEqual(phone.events.payment.slice(statuses), [
        'waitingForInput',
        'processing',
        'waitingForInput',
        'processing',
        'ready',
      ]);
      const charges = await f.stripe.charges.list({ payment_intent: paymentIntent.id });
      assert.deepEqual(charges.data.map((c) => c.status).sort(), ['failed', 'succeeded']);
      const soft = charges.data.find((c) => c.status === 'failed')!;
      assert.equal(soft.failure_code, 'card_declined');
      assert.equal(soft.outcome?.reason, 'online_or_offline_pin_required');
      assert.equal((await cardPresent(paymentIntent.id)).receipt?.cardholder_verification_method, 'online_pin');

      // Canceling the PIN pad during confirm: CANCELED with the soft-declined PaymentIntent.
      phone.ui.pin('cancel');
      const canceled = await pay(phone, 1000, 'eur', cards.onlinePinScaRetry);
      const error = errorOf(canceled.result);
      assert.equal(error.code, ErrorCode.CANCELED);
      assert.equal(error.paymentIntent?.status, 'requiresPaymentMethod');
    });

    test('declines before any PIN screen: insertion required in GB, offline-PIN-only cards, an old Android SDK', async () => {
      const cases: Array<
        [string, string, number, string, string, string, Partial<DeviceFacts>?, ('ios' | 'android')?]
      > = [
        ['GB', 'gbp', 2000, cards.offlinePinScaRetry, 'offline_pin_required', 'sca_requires_card_insertion'],
        ['CA', 'cad', 30000, cards.offlinePinOnly, 'offline_pin_required', 'offline_pin_only_card', {}, 'ios'],
        [
          'FR',
          'eur',
          7500,
          cards.visa,
          'online_or_offline_pin_required',
          'pin_requires_newer_sdk',
          { sdkVersion: '4.2.0' },
        ],
      ];
      for (const [country, currency, amount, card, declineCode, reason, device = {}, platform = 'android'] of cases) {
        const phone = await phoneIn(country, platform, device);
        const pads = phone.ui.pinPads.length;
        const { paymentIntent, result } = await pay(phone, amount, currency, card);
        const error = errorOf(result);
        assert.equal(error.code, ErrorCode.DECLINED_BY_STRIPE_API, reason);
        assert.equal(error.apiError?.declineCode, declineCode, reason);
        assert.equal(error.metadata['reason'], reason);
        assert.equal(phone.ui.pinPads.length, pads, `${reason}: no PIN screen`);
        assert.equal((await f.stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_payment_method');
      }
    });

    test('an insecure environment refuses the PIN, naming the cause; nothing changes; fixed, it goes through', async () => {
      const phone = f.phone();
      await phone.connect((await f.locationIn('FR')).id);
      const causes: Array<[Partial<DeviceFacts>, string]> = [
        [{ developerOptions: true }, 'developer_options'],
        [{ accessibilityServices: true }, 'accessibility_services'],
        [{ screenRecording: true }, 'screen_recording'],
        [{ overlays: true }, 'overlays'],
        [{ internet: false }, 'no_internet'],
      ];
      const paymentIntent = await phone.paymentIntent(8000, 'eur');
      for (const [facts, cause] of causes) {
        phone.terminal.setDeviceFacts(facts);
        phone.ui.tapCard(cards.visa).pin('2468');
        const error = errorOf(await phone.terminal.collectPaymentMethod({ paymentIntent }));
        assert.equal(error.code, ErrorCode.TAP_TO_PAY_INSECURE_ENVIRONMENT, cause);
        assert.equal(error.metadata['reason'], cause);
        assert.match(error.message, /^TAP_TO_PAY_INSECURE_ENVIRONMENT: /);
        assert.equal(phone.ui.outcomes.at(-1)?.outcome.kind, 'error');
        const reader = (await f.stripe.terminal.readers.retrieve(
          phone.terminal.getConnectedReader()!.id,
        )) as Stripe.Terminal.Reader;
        assert.notEqual(reader.action?.status, 'in_progress', `${cause}: the reader is free`);
        assert.equal((await f.stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_payment_method');
        phone.terminal.setDeviceFacts({
          developerOptions: false,
          accessibilityServices: false,
          screenRecording: false,
          overlays: false,
          internet: true,
        });
      }
      phone.terminal.setDeviceFacts({ screenRecording: true, overlays: true });
      phone.ui.tapCard(cards.visa).pin('2468');
      const both = errorOf(await phone.terminal.collectPaymentMethod({ paymentIntent }));
      assert.deepEqual(both.metadata['causes'], ['screen_recording', 'overlays']);
      phone.terminal.setDeviceFacts({ screenRecording: false, overlays: false });

      phone.ui.tapCard(cards.visa).pin('2468');
      assert.equal(paid(await phone.terminal.processPaymentIntent({ paymentIntent })).status, 'succeeded');
      assert.equal(phone.ui.pending.pins, 0);
    });

    test('a screenshot during PIN entry refuses the PIN; canceling the PIN pad cancels the collection', async () => {
      const phone = await phoneIn('GB');
      const paymentIntent = await phone.paymentIntent(12000, 'gbp');
      phone.ui.tapCard(cards.visa).pin('screenshot');
      const screenshot = errorOf(await phone.terminal.collectPaymentMethod({ paymentIntent }));
      assert.equal(screenshot.code, ErrorCode.TAP_TO_PAY_INSECURE_ENVIRONMENT);
      assert.equal(screenshot.metadata['reason'], 'screenshot_attempt');
      phone.ui.tapCard(cards.visa).pin('cancel');
      assert.equal(errorOf(await phone.terminal.collectPaymentMethod({ paymentIntent })).code, ErrorCode.CANCELED);
      phone.ui.tapCard(cards.visa).pin('9999');
      assert.equal(paid(await phone.terminal.processPaymentIntent({ paymentIntent })).status, 'succeeded');
    });
  });

  describe('cancellation, read errors and declines', () => {
    test('Cancelable: canceling the tap screen is CANCELED and the PaymentIntent can be collected again', async () => {
      const phone = await phoneIn('FR');
      const paymentIntent = await phone.paymentIntent(1000, 'eur');
      phone.ui.tap('never');
      const operation = phone.terminal.processPaymentIntent({ paymentIntent });
      await phone.ui.tapScreenShown(phone.ui.tapScreens.length + 1);
      assert.deepEqual(await operation.cancel(), {});
      const error = errorOf(await operation);
      assert.equal(error.code, ErrorCode.CANCELED);
      assert.equal(errorOf(await operation.cancel()).code, ErrorCode.CANCEL_FAILED, 'already canceled');
      assert.equal(phone.terminal.getPaymentStatus(), 'ready');
      assert.equal((await f.stripe.paymentIntents.retrieve(paymentIntent.id)).status, 'requires_payment_method');

      // The customer closing the tap screen is CANCELED too.
      phone.ui.tap('cancel');
      assert.equal(errorOf(await phone.terminal.collectPaymentMethod({ paymentIntent })).code, ErrorCode.CANCELED);

      phone.ui.tapCard(cards.visa);
      const operationDone = phone.terminal.processPaymentIntent({ paymentIntent });
      assert.equal(paid(await operationDone).status, 'succeeded');
      assert.equal(errorOf(await operationDone.cancel()).code, ErrorCode.CANCEL_FAILED, 'already completed');
    });

    test('a payment being authorized cannot be canceled', async () => {
      const phone = f.phone();
      const reader = await phone.connect((await f.locationIn('FR')).id);
      const paymentIntent = await phone.paymentIntent(1000, 'eur');
      phone.ui.tapCard(cards.visa);
      const collected = paid(await phone.terminal.collectPaymentMethod({ paymentIntent }));
      await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/authorization_latency`, { seconds: '20' });
      const confirming = phone.terminal.confirmPaymentIntent({ paymentIntent: collected });
      const refused = errorOf(await confirming.cancel());
      assert.equal(refused.code, ErrorCode.CANCEL_FAILED);
      assert.match(refused.message, /being authorized/);
      assert.equal(errorOf(await phone.terminal.cancelConfirmPaymentIntent()).code, ErrorCode.CANCEL_FAILED);
      await f.opentill('/opentill/v1/test/clock/advance', { seconds: '21' });
      assert.equal(paid(await confirming).status, 'succeeded');
      await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/authorization_latency`, { seconds: '0' });
    });

    test('read errors show the retry message; too many end with CARD_READ_TIMED_OUT; a bad number asks for another card', async () => {
      const phone = await phoneIn('FR');
      const paymentIntent = await phone.paymentIntent(1000, 'eur');
      const screens = phone.ui.tapScreens.length;
      const messages = phone.events.messages.length;
      phone.ui.tap('read_error', 'read_error').tapCard(cards.visa);
      paid(await phone.terminal.collectPaymentMethod({ paymentIntent }));
      const shown = phone.ui.tapScreens.slice(screens);
      assert.equal(shown.length, 3);
      assert.equal(shown[0]!.retryMessage, null);
      assert.match(shown[1]!.retryMessage ?? '', /could not be read/);
      assert.deepEqual(phone.events.messages.slice(messages), ['retryCard', 'retryCard']);
      assert.equal(paid(await phone.terminal.confirmPaymentIntent({ paymentIntent })).status, 'succeeded');

      const other = await phone.paymentIntent(1000, 'eur');
      phone.ui.tap(...Array<'read_error'>(readAttemptsMax).fill('read_error'));
      const timedOut = errorOf(await phone.terminal.collectPaymentMethod({ paymentIntent: other }));
      assert.equal(timedOut.code, ErrorCode.CARD_READ_TIMED_OUT);
      const reader = (await f.stripe.terminal.readers.retrieve(
        phone.terminal.getConnectedReader()!.id,
      )) as Stripe.Terminal.Reader;
      assert.notEqual(reader.action?.status, 'in_progress');

      phone.ui.tapCard(cards.notACard).tapCard(cards.visa);
      const collected = paid(await phone.terminal.collectPaymentMethod({ paymentIntent: other }));
      assert.equal(phone.events.messages.at(-1), 'tryAnotherCard');
      assert.match(phone.ui.tapScreens.at(-1)!.retryMessage ?? '', /another card/);
      assert.equal(paid(await phone.terminal.confirmPaymentIntent({ paymentIntent: collected })).status, 'succeeded');
    });

    test('a decline at confirm is DECLINED_BY_STRIPE_API with the PaymentIntent; the same PaymentIntent is paid after', async () => {
      const phone = await phoneIn('FR');
      const { paymentIntent, result } = await pay(phone, 1000, 'eur', cards.declined);
      const error = errorOf(result);
      assert.equal(error.code, ErrorCode.DECLINED_BY_STRIPE_API);
      assert.equal(error.apiError?.code, 'card_declined');
      assert.equal(error.apiError?.declineCode, 'generic_decline');
      assert.equal(error.paymentIntent?.id, paymentIntent.id);
      assert.equal(error.paymentIntent?.status, 'requiresPaymentMethod');
      assert.equal(
        errorOf(await phone.terminal.confirmPaymentIntent({ paymentIntent })).code,
        ErrorCode.CONFIRM_INVALID_PAYMENT_INTENT,
        'the declined card is not kept',
      );
      phone.ui.tapCard(cards.visa);
      assert.equal(
        paid(await phone.terminal.processPaymentIntent({ paymentIntent: error.paymentIntent! })).status,
        'succeeded',
      );
    });

    test('a connection error during the authorization is STRIPE_API_CONNECTION_ERROR with the PaymentIntent', async () => {
      const phone = f.phone();
      const reader = await phone.connect((await f.locationIn('FR')).id);
      await f.opentill(`/opentill/v1/test/terminal/readers/${reader.id}/next_authorization_connection_error`);
      const { paymentIntent, result } = await pay(phone, 1000, 'eur', cards.visa);
      const error = errorOf(result);
      assert.equal(error.code, ErrorCode.STRIPE_API_CONNECTION_ERROR);
      assert.equal(error.nativeErrorCode, 'connection_error');
      assert.equal(error.paymentIntent?.id, paymentIntent.id);
      assert.equal(error.paymentIntent?.status, 'requiresConfirmation');
      // The failure table's requires_confirmation row: confirm again, with no new tap (the phone kept the card).
      const tapsBefore = phone.ui.tapScreens.length;
      const retried = paid(await phone.terminal.confirmPaymentIntent({ paymentIntent: error.paymentIntent! }));
      assert.equal(retried.status, 'succeeded');
      assert.equal(phone.ui.tapScreens.length, tapsBefore);
      const charges = await f.stripe.charges.list({ payment_intent: paymentIntent.id });
      assert.equal(charges.data.filter((c) => c.status === 'succeeded').length, 1);
    });

    test('a PaymentIntent the SDK did not return is refused (handles)', async () => {
      const phone = await phoneIn('FR');
      const server = await f.paymentIntent({ amount: 1000 });
      const forged = { id: server.id, sdkUuid: 'not-a-handle' } as PaymentIntent;
      const error = errorOf(await phone.terminal.collectPaymentMethod({ paymentIntent: forged }));
      assert.equal(error.code, ErrorCode.INVALID_REQUIRED_PARAMETER);
      assert.match(error.message, /No PaymentIntent was found with the sdkUuid not-a-handle/);
      // Retrieved by its client secret, the same PaymentIntent is usable.
      const retrieved = paid(await phone.terminal.retrievePaymentIntent(server.client_secret!));
      phone.ui.tapCard(cards.visa);
      assert.equal(
        paid(await phone.terminal.processPaymentIntent({ paymentIntent: retrieved })).status,
        'requiresCapture',
      );
    });

    test('setSimulatedCard: the simulated reader presents that card when the customer script is empty', async () => {
      const phone = await phoneIn('FR');
      assert.deepEqual(await phone.terminal.setSimulatedCard(cards.amex), {});
      assert.equal(errorOf(await phone.terminal.setSimulatedCard('12')).code, ErrorCode.INVALID_REQUIRED_PARAMETER);
      const paymentIntent = await phone.paymentIntent(1000, 'eur');
      assert.equal(paid(await phone.terminal.processPaymentIntent({ paymentIntent })).status, 'succeeded');
      assert.equal(phone.ui.tapScreens.at(-1)!.simulatedCard, cards.amex);
      assert.equal((await cardPresent(paymentIntent.id)).brand, 'amex');
    });
  });

  describe('setTapToPayUxConfiguration', () => {
    test('valid: normalised and used by the next tap screens, never by the PIN pad', async () => {
      const phone = f.phone();
      await phone.connect((await f.locationIn('FR')).id);
      const defaults = await pay(phone, 1000, 'eur', cards.visa);
      paid(defaults.result);
      assert.deepEqual(phone.ui.tapScreens[0]!.ux, {
        tapZone: { indicator: 'default' },
        colors: { primary: null, success: null, error: null },
        darkMode: 'light',
      });

      assert.deepEqual(
        await phone.terminal.setTapToPayUxConfiguration({
          tapZone: { indicator: 'FRONT', xBias: 0.2, yBias: 0.8 },
          colors: { primary: '#635bff', error: '#80DF1B41' },
          darkMode: 'DARK',
        }),
        {},
      );
      const expected = {
        tapZone: { indicator: 'front', xBias: 0.2, yBias: 0.8 },
        colors: { primary: '#FF635BFF', success: null, error: '#80DF1B41' },
        darkMode: 'dark',
      };
      phone.ui.pin('1234');
      const withPin = await pay(phone, 9000, 'eur', cards.visa);
      paid(withPin.result);
      assert.deepEqual(phone.ui.tapScreens[1]!.ux, expected);
      assert.deepEqual(phone.ui.outcomes.at(-1)!.ux, expected, 'the success indication belongs to the tap screen');
      assert.equal(phone.ui.pinPads.length, 1);
      assert.equal('ux' in phone.ui.pinPads[0]!, false);
      assert.deepEqual(Object.keys(phone.ui.pinPads[0]!).sort(), ['amount', 'currency', 'layout', 'message', 'when']);
    });

    test('invalid values are INVALID_REQUIRED_PARAMETER listing every field; the previous configuration stays', async () => {
      const phone = f.phone();
      await phone.terminal.initialize();
      assert.deepEqual(await phone.terminal.setTapToPayUxConfiguration({ darkMode: 'system' }), {});
      const error = errorOf(
        await phone.terminal.setTapToPayUxConfiguration({
          tapZone: { indicator: 'above', bias: 1.5 },
          colors: { primary: 'purple' },
          darkMode: 'dim',
        }),
      );
      assert.equal(error.code, ErrorCode.INVALID_REQUIRED_PARAMETER);
      const fields = (error.metadata['errors'] as Array<{ field: string }>).map((e) => e.field).sort();
      assert.deepEqual(fields, ['colors.primary', 'darkMode', 'tapZone.bias']);
      await phone.connect((await f.locationIn('FR')).id);
      paid((await pay(phone, 1000, 'eur', cards.visa)).result);
      assert.equal(phone.ui.tapScreens.at(-1)!.ux.darkMode, 'system');
    });

    test('on iOS it is UNSUPPORTED_OPERATION, as in React Native', async () => {
      const phone = f.phone({ device: { platform: 'ios' } });
      await phone.terminal.initialize();
      const error = errorOf(await phone.terminal.setTapToPayUxConfiguration({ darkMode: 'dark' }));
      assert.equal(error.code, ErrorCode.UNSUPPORTED_OPERATION);
      assert.equal(error.message, "'setTapToPayUxConfiguration' is unsupported on iOS");
    });
  });
});
