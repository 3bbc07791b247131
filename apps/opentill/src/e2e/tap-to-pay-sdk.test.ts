/**
 * The mobile Tap to Pay SDK (`@opentill/terminal-sdk/mobile`, docs/tap-to-pay-sdk.md) against a
 * real server (SQLite): initialization, discovery, the device and country rules at connection,
 * local refusals, one operation at a time, PaymentIntents made by the SDK, Terms of Service, and
 * automatic reconnection after the phone lost its connection (fault injection). Payments (brands,
 * wallets, PIN, UX configuration) are in tap-to-pay-sdk-payments.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceFacts } from '@opentill/core';
import { ErrorCode, notInitializedMessage } from '@opentill/terminal-sdk/mobile';
import { listAll } from './helpers.js';
import { errorOf, goodAndroid, paid, tapToPayFixture, type TapToPayFixture } from './tap-to-pay-sdk-fixture.js';

/** The server's Tap to Pay refusals React Native's ErrorCode union has no name for, and the code the SDK gives them. */
const reactNativeCode: Readonly<Record<string, string>> = {
  TAP_TO_PAY_UNSUPPORTED_OS_VERSION: 'TAP_TO_PAY_UNSUPPORTED_DEVICE',
  TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS: 'TAP_TO_PAY_DEVICE_TAMPERED',
  ATTESTATION_FAILURE: 'TAP_TO_PAY_DEVICE_TAMPERED',
  TAP_TO_PAY_MISSING_ENTITLEMENT: 'TAP_TO_PAY_LIBRARY_NOT_INCLUDED',
  TAP_TO_PAY_PASSCODE_NOT_ENABLED: 'TAP_TO_PAY_INSECURE_ENVIRONMENT',
};

describe('mobile Tap to Pay SDK: connection (sqlite)', () => {
  let f: TapToPayFixture;
  before(async () => {
    f = await tapToPayFixture('ttp_sdk');
  });
  after(async () => {
    await f.stop();
  });

  const phoneReaders = async () =>
    await listAll(f.stripe.terminal.readers.list({ device_type: 'mobile_phone_reader', limit: 100 }));

  test('before initialize every method throws as React Native does; the state getters answer', async () => {
    const { terminal } = f.phone();
    assert.equal(terminal.isInitialized, false);
    assert.equal(terminal.getConnectionStatus(), 'notConnected');
    assert.equal(terminal.getConnectedReader(), null);
    const message = { name: 'Error', message: notInitializedMessage };
    await assert.rejects(terminal.discoverReaders({ discoveryMethod: 'tapToPay' }), message);
    await assert.rejects(
      terminal.connectReader({ discoveryMethod: 'tapToPay', reader: {} as never, locationId: 'tml_x' }),
      message,
    );
    await assert.rejects(terminal.createPaymentIntent({ amount: 100, currency: 'eur' }), message);
    await assert.rejects(terminal.retrievePaymentIntent('pi_x_secret_y'), message);
    await assert.rejects(terminal.collectPaymentMethod({ paymentIntent: {} as never }), message);
    await assert.rejects(terminal.processPaymentIntent({ paymentIntent: {} as never }), message);
    await assert.rejects(terminal.setTapToPayUxConfiguration({}), message);
    await assert.rejects(terminal.cancelCollectPaymentMethod(), message);
    // clearCachedCredentials works without initialization (nothing to clear).
    assert.deepEqual(await terminal.clearCachedCredentials(), {});
  });

  test('initialize: a failing token provider is CONNECTION_TOKEN_PROVIDER_ERROR and the SDK stays uninitialized', async () => {
    let fail = true;
    const phone = f.phone({
      options: {
        tokenProvider: async () => {
          if (fail) throw new Error('backend down');
          return (await f.stripe.terminal.connectionTokens.create()).secret;
        },
      },
    });
    const failed = errorOf(await phone.terminal.initialize());
    assert.equal(failed.name, 'StripeError');
    assert.equal(failed.code, ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR);
    assert.equal(failed.message, "Couldn't fetch connection token. Please check your tokenProvider method");
    assert.equal(phone.terminal.isInitialized, false);
    await assert.rejects(phone.terminal.discoverReaders({ discoveryMethod: 'tapToPay' }), /First initialize/);

    const forged = f.phone({ options: { tokenProvider: async () => 'pst_test_forged' } });
    const refused = errorOf(await forged.terminal.initialize());
    assert.equal(refused.code, ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR);
    assert.match(refused.message, /refused/);

    fail = false;
    assert.deepEqual(await phone.terminal.initialize(), {});
    assert.equal(phone.terminal.isInitialized, true);
  });

  test('discovery finds this phone only; other methods are unsupported; a second discovery at once is READER_BUSY', async () => {
    const phone = f.phone({ installationId: 'discovery-phone' });
    await phone.terminal.initialize();
    const first = phone.terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
    const second = await phone.terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
    assert.equal(errorOf(second).code, ErrorCode.READER_BUSY);
    assert.equal(
      errorOf(second).message,
      'Could not execute discoverReaders because the SDK is busy with another command: discoverReaders.',
    );
    assert.deepEqual(await first, {});
    const [reader] = phone.terminal.discoveredReaders;
    assert.equal(phone.terminal.discoveredReaders.length, 1);
    assert.equal(reader!.serialNumber, 'discovery-phone');
    assert.equal(reader!.id, 'discovery-phone');
    assert.equal(reader!.deviceType, 'tapToPay');
    assert.equal(reader!.simulated, true);
    assert.equal(reader!.locationStatus, 'notSet');
    assert.deepEqual(
      phone.events.discovered.map((readers) => readers.map((r) => r.serialNumber)),
      [['discovery-phone']],
    );
    assert.deepEqual(phone.events.finishedDiscovering, [undefined]);
    assert.deepEqual(phone.events.connection, ['discovering', 'notConnected']);

    // Every reader kind is discovered (mobile-readers-sdk.test.ts) but appsOnDevices, which runs inside a Stripe reader.
    const appsOnDevices = errorOf(await phone.terminal.discoverReaders({ discoveryMethod: 'appsOnDevices' }));
    assert.equal(appsOnDevices.code, ErrorCode.UNSUPPORTED_OPERATION);
    assert.equal(errorOf(await phone.terminal.cancelDiscovering()).code, ErrorCode.CANCEL_FAILED);
    // Discovery registers nothing: the phone becomes a reader when it connects.
    assert.ok((await phoneReaders()).every((r) => r.serial_number !== 'discovery-phone'));

    const supported = await phone.terminal.supportsReadersOfType({
      deviceType: 'tapToPay',
      discoveryMethod: 'tapToPay',
      simulated: true,
    });
    assert.deepEqual(supported, { readerSupportResult: true });
    phone.terminal.setDeviceFacts({ osVersion: '12' });
    const old = await phone.terminal.supportsReadersOfType({
      deviceType: 'tapToPay',
      discoveryMethod: 'tapToPay',
      simulated: true,
    });
    assert.equal(old.readerSupportResult, false);
    assert.equal(old.error?.code, 'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION');
  });

  test('connect registers the phone at the Location; statuses and callbacks follow React Native', async () => {
    const phone = f.phone({ installationId: 'connect-phone' });
    const location = await f.locationIn('FR');
    const reader = await phone.connect(location.id, { merchantDisplayName: 'Café de la Gare' });
    assert.match(reader.id, /^tmr_/);
    assert.equal(reader.serialNumber, 'connect-phone');
    assert.equal(reader.deviceType, 'tapToPay');
    assert.equal(reader.locationId, location.id);
    assert.equal(reader.locationStatus, 'set');
    assert.equal(reader.label, 'Café de la Gare');
    assert.equal(reader.status, 'online');
    assert.equal(reader.simulated, true);
    assert.deepEqual(phone.terminal.getConnectedReader()?.id, reader.id);
    assert.deepEqual(phone.events.connection, ['discovering', 'notConnected', 'connecting', 'connected']);
    assert.deepEqual(phone.events.payment, ['ready']);
    assert.equal(phone.events.termsAccepted, 0, 'no Terms of Service on Android');

    const server = (await f.stripe.terminal.readers.retrieve(reader.id)) as {
      device_type: string;
      location: string;
      serial_number: string;
    };
    assert.equal(server.device_type, 'mobile_phone_reader');
    assert.equal(server.location, location.id);
    assert.equal(server.serial_number, 'connect-phone');

    // A second connection is refused locally.
    const again = errorOf(
      await phone.terminal.connectReader({ discoveryMethod: 'tapToPay', reader, locationId: location.id }),
    );
    assert.equal(again.code, ErrorCode.ALREADY_CONNECTED_TO_READER);

    // Disconnecting ends the session: the next connection asks for a new token, and finds the same reader.
    const fetches = phone.tokenFetches();
    assert.deepEqual(await phone.terminal.disconnectReader(), {});
    assert.deepEqual(phone.events.disconnects, ['disconnectRequested']);
    assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');
    assert.equal(phone.terminal.getPaymentStatus(), 'notReady');
    assert.equal(errorOf(await phone.terminal.disconnectReader()).code, ErrorCode.NOT_CONNECTED_TO_READER);
    const back = await phone.connect(location.id);
    assert.equal(back.id, reader.id);
    assert.equal(phone.tokenFetches(), fetches + 1);
  });

  test("'connected' is announced only once connectReader is over: an app that charges on it is never told READER_BUSY", async () => {
    // connectReader's last request (the Location's offline settings) is held until the test lets it go.
    let asked!: () => void;
    const settingsAsked = new Promise<void>((resolve) => (asked = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const phone = f.phone({
      options: {
        fetch: async (input, init) => {
          if (String(input instanceof Request ? input.url : input).includes('/offline/settings')) {
            asked();
            await released;
          }
          return await fetch(input, init);
        },
      },
    });
    const location = await f.locationIn('FR');
    assert.deepEqual(await phone.terminal.initialize(), {});
    const paymentIntent = await phone.paymentIntent(1000, 'eur');
    const connecting = phone.connect(location.id);
    await settingsAsked;
    assert.equal(phone.terminal.getConnectionStatus(), 'connecting');
    assert.deepEqual(phone.events.connection, ['discovering', 'notConnected', 'connecting']);
    assert.deepEqual(phone.events.payment, [], 'not ready while connectReader still runs');

    // The app's way: charge on the next event after the status says connected (the example POS
    // enables its Charge button on it).
    const charge = phone
      .until((events) => events.connection.includes('connected'))
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => phone.terminal.processPaymentIntent({ paymentIntent }));
    phone.ui.tap('never');
    release();
    await connecting;
    await phone.ui.tapScreenShown();
    assert.deepEqual(await phone.terminal.cancelProcessPaymentIntent(), {});
    assert.equal(errorOf(await charge).code, ErrorCode.CANCELED, 'the charge ran (not READER_BUSY), then was canceled');
  });

  test('local refusals send nothing: missing location, a reader from elsewhere, other discovery methods', async () => {
    const sent: string[] = [];
    const phone = f.phone({
      options: {
        fetch: (input, init) => {
          sent.push(`${init?.method ?? 'GET'} ${String(input).replace(/^.*\/opentill\/v1\/sdk/, '')}`);
          return fetch(input, init);
        },
      },
    });
    await phone.terminal.initialize();
    await phone.terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
    const reader = phone.terminal.discoveredReaders[0]!;
    sent.length = 0;
    const missing = errorOf(
      await phone.terminal.connectReader({ discoveryMethod: 'tapToPay', reader, locationId: '' }),
    );
    assert.equal(missing.code, ErrorCode.MISSING_REQUIRED_PARAMETER);
    const noLocation = errorOf(await phone.terminal.connectReader({ discoveryMethod: 'tapToPay', reader } as never));
    assert.equal(noLocation.code, ErrorCode.MISSING_REQUIRED_PARAMETER);
    const stranger = errorOf(
      await phone.terminal.connectReader({
        discoveryMethod: 'tapToPay',
        locationId: 'tml_x',
        reader: { ...reader, serialNumber: 'someone-else' },
      }),
    );
    assert.equal(stranger.code, ErrorCode.INVALID_REQUIRED_PARAMETER);
    assert.match(stranger.message, /serialNumber someone-else/);
    // The phone is no Bluetooth reader.
    const bluetooth = errorOf(
      await phone.terminal.connectReader({ discoveryMethod: 'bluetoothScan', reader, locationId: 'tml_x' }),
    );
    assert.equal(bluetooth.code, ErrorCode.INVALID_REQUIRED_PARAMETER);
    assert.deepEqual(sent, []);
    assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');

    // A Location the server does not know is the server's refusal.
    const unknown = errorOf(
      await phone.terminal.connectReader({ discoveryMethod: 'tapToPay', reader, locationId: 'tml_nope' }),
    );
    assert.equal(unknown.code, ErrorCode.INVALID_REQUIRED_PARAMETER);
    assert.equal(unknown.metadata['reason'], 'location_not_found');
    assert.deepEqual(sent, ['POST /tap_to_pay/connection']);
  });

  test('the device matrix: each refusal has its code and reason, registers nothing, and can be fixed', async () => {
    const location = await f.locationIn('FR');
    const cases: Array<[string, Partial<DeviceFacts>, string, string, boolean?]> = [
      ['emulator', { isEmulator: true }, 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'emulator'],
      ['iPhone X', { platform: 'ios', model: 'iPhone X' }, 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'iphone_too_old'],
      ['iPad', { platform: 'ios', model: 'iPad Pro' }, 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'not_an_iphone'],
      ['iOS beta', { platform: 'ios', isBeta: true }, 'TAP_TO_PAY_UNSUPPORTED_OS_VERSION', 'os_beta'],
      ['iOS 16.3', { platform: 'ios', osVersion: '16.3' }, 'TAP_TO_PAY_UNSUPPORTED_OS_VERSION', 'os_too_old'],
      [
        'no entitlement',
        { platform: 'ios', iosEntitlement: false },
        'TAP_TO_PAY_MISSING_ENTITLEMENT',
        'missing_entitlement',
      ],
      ['no passcode', { platform: 'ios', passcodeSet: false }, 'TAP_TO_PAY_PASSCODE_NOT_ENABLED', 'passcode_not_set'],
      ['jailbroken iPhone', { platform: 'ios', rooted: true }, 'TAP_TO_PAY_DEVICE_TAMPERED', 'rooted'],
      ['Android 12', { osVersion: '12' }, 'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION', 'os_too_old'],
      ['Android beta', { isBeta: true }, 'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION', 'os_beta'],
      [
        'old security patch',
        { securityPatch: '2020-01-01' },
        'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
        'security_patch_too_old',
      ],
      ['x86', { cpuArch: 'x86_64' }, 'TAP_TO_PAY_UNSUPPORTED_PROCESSOR', 'non_arm_cpu'],
      ['no NFC', { hasNfc: false, nfcEnabled: false }, 'TAP_TO_PAY_UNSUPPORTED_DEVICE', 'no_nfc'],
      ['rooted', { rooted: true }, 'TAP_TO_PAY_DEVICE_TAMPERED', 'rooted'],
      ['bootloader', { bootloaderUnlocked: true }, 'TAP_TO_PAY_DEVICE_TAMPERED', 'bootloader_unlocked'],
      ['modified OS', { modifiedOs: true }, 'TAP_TO_PAY_DEVICE_TAMPERED', 'modified_os'],
      ['not GMS', { gmsCertified: false }, 'ATTESTATION_FAILURE', 'not_gms_certified'],
      [
        'keystore 41',
        { hardwareKeystoreVersion: 41 },
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'hardware_keystore_unsupported',
      ],
      ['NFC off', { nfcEnabled: false }, 'TAP_TO_PAY_NFC_DISABLED', 'nfc_disabled'],
      ['no internet', { internet: false }, 'STRIPE_API_CONNECTION_ERROR', 'no_internet'],
      [
        'forged: Android with an entitlement',
        { iosEntitlement: true },
        'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
        'android_with_ios_facts',
      ],
      [
        'forged: iOS on a Pixel',
        { platform: 'ios', model: 'Pixel 8' },
        'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
        'non_apple_model_on_ios',
      ],
      [
        'forged: iOS 21',
        { platform: 'ios', osVersion: '21.0' },
        'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
        'ios_version_does_not_exist',
      ],
      ['debuggable app, real reader', { debuggable: true }, 'TAP_TO_PAY_DEBUG_NOT_SUPPORTED', 'debuggable_app', false],
      [
        'developer options, real reader',
        { developerOptions: true },
        'TAP_TO_PAY_INSECURE_ENVIRONMENT',
        'developer_options',
        false,
      ],
    ];
    const before = (await phoneReaders()).length;
    for (const [name, device, code, reason, simulated = true] of cases) {
      const phone = f.phone({ device });
      await phone.terminal.initialize();
      await phone.terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated });
      const refused = errorOf(
        await phone.terminal.connectReader({
          discoveryMethod: 'tapToPay',
          reader: phone.terminal.discoveredReaders[0]!,
          locationId: location.id,
        }),
      );
      // React Native's union has no name for some server refusals: its nearest code, the server's in nativeErrorCode.
      assert.equal(refused.code, reactNativeCode[code] ?? code, `${name}: ${JSON.stringify(refused)}`);
      assert.equal(refused.nativeErrorCode, code, name);
      assert.equal(refused.metadata['reason'], reason, name);
      assert.equal(refused.metadata['httpStatusCode'], 400, name);
      if (code === 'ATTESTATION_FAILURE') assert.match(refused.message, /^ATTESTATION_FAILURE: /);
      assert.equal(phone.terminal.getConnectionStatus(), 'notConnected', name);
      assert.equal(phone.terminal.getConnectedReader(), null, name);
      assert.deepEqual(phone.events.connection.slice(-2), ['connecting', 'notConnected'], name);
    }
    assert.equal((await phoneReaders()).length, before, 'no refused phone was registered');

    // The simulated reader skips the debug checks (docs/tap-to-pay.md), and a fixed phone connects.
    const debuggable = f.phone({ device: { debuggable: true, developerOptions: true } });
    await debuggable.connect(location.id, { simulated: true });
    const rooted = f.phone({ device: { rooted: true } });
    await rooted.terminal.initialize();
    await rooted.terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
    assert.equal(
      errorOf(
        await rooted.terminal.connectReader({
          discoveryMethod: 'tapToPay',
          reader: rooted.terminal.discoveredReaders[0]!,
          locationId: location.id,
        }),
      ).code,
      'TAP_TO_PAY_DEVICE_TAMPERED',
    );
    rooted.terminal.setDeviceFacts({ rooted: false });
    await rooted.connect(location.id);
  });

  test('the country matrix: general availability, beta with the opt-in, Puerto Rico, unsupported countries', async () => {
    const refusal = async (country: string, device: Partial<DeviceFacts>, state?: string) => {
      const phone = f.phone({ device });
      await phone.terminal.initialize();
      await phone.terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
      const location = await f.locationIn(country, state);
      return {
        phone,
        location,
        result: await phone.terminal.connectReader({
          discoveryMethod: 'tapToPay',
          reader: phone.terminal.discoveredReaders[0]!,
          locationId: location.id,
        }),
      };
    };
    // General availability: France on iPhone and Android.
    for (const device of [{ platform: 'ios' as const }, {}]) {
      const { result } = await refusal('FR', device);
      assert.equal(result.error, undefined, JSON.stringify(result.error));
    }
    // Austria is a beta on iPhone (general on Android): refused until the account opts in.
    const beta = await refusal('AT', { platform: 'ios' });
    assert.equal(errorOf(beta.result).nativeErrorCode, 'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED');
    assert.equal(errorOf(beta.result).code, 'FEATURE_NOT_ENABLED_ON_ACCOUNT');
    assert.equal(errorOf(beta.result).metadata['reason'], 'beta_opt_in_required');
    const android = await refusal('AT', {});
    assert.equal(android.result.error, undefined, 'Austria is generally available on Android');
    await f.opentill('/opentill/v1/tap_to_pay/settings', { beta_countries: 'true' });
    try {
      const opted = await beta.phone.terminal.connectReader({
        discoveryMethod: 'tapToPay',
        reader: beta.phone.terminal.discoveredReaders[0]!,
        locationId: beta.location.id,
      });
      assert.equal(opted.error, undefined, JSON.stringify(opted.error));
    } finally {
      await f.opentill('/opentill/v1/tap_to_pay/settings', { beta_countries: 'false' });
    }
    const puertoRico = await refusal('US', {}, 'PR');
    assert.equal(errorOf(puertoRico.result).nativeErrorCode, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY');
    assert.equal(errorOf(puertoRico.result).code, 'FEATURE_NOT_ENABLED_ON_ACCOUNT');
    assert.equal(errorOf(puertoRico.result).metadata['reason'], 'puerto_rico_excluded');
    const brazil = await refusal('BR', { platform: 'ios' });
    assert.equal(errorOf(brazil.result).nativeErrorCode, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY');
    assert.equal(errorOf(brazil.result).metadata['reason'], 'country_not_available');
  });

  test('iPhone Terms of Service: accepted on the first connection, refused when not permitted', async () => {
    const location = await f.locationIn('FR');
    const iphone = f.phone({ device: { platform: 'ios' } });
    await iphone.connect(location.id);
    assert.equal(iphone.events.termsAccepted, 1);
    await iphone.terminal.disconnectReader();
    await iphone.connect(location.id, { tosAcceptancePermitted: false });
    assert.equal(iphone.events.termsAccepted, 1, 'accepted once per phone');

    const fresh = f.phone({ device: { platform: 'ios' } });
    await fresh.terminal.initialize();
    await fresh.terminal.discoverReaders({ discoveryMethod: 'tapToPay' });
    const refused = errorOf(
      await fresh.terminal.connectReader({
        discoveryMethod: 'tapToPay',
        reader: fresh.terminal.discoveredReaders[0]!,
        locationId: location.id,
        tosAcceptancePermitted: false,
      }),
    );
    assert.equal(refused.nativeErrorCode, 'TAP_TO_PAY_READER_TOS_NOT_YET_ACCEPTED');
    assert.equal(refused.code, 'MISSING_PREREQUISITE');
    assert.equal(fresh.events.termsAccepted, 0);
  });

  test('payment operations need a connected reader: NOT_CONNECTED_TO_READER', async () => {
    const phone = f.phone();
    await phone.terminal.initialize();
    const paymentIntent = await phone.paymentIntent(1000, 'eur');
    for (const result of [
      await phone.terminal.collectPaymentMethod({ paymentIntent }),
      await phone.terminal.confirmPaymentIntent({ paymentIntent }),
      await phone.terminal.processPaymentIntent({ paymentIntent }),
    ])
      assert.equal(errorOf(result).code, ErrorCode.NOT_CONNECTED_TO_READER);
    assert.equal(errorOf(await phone.terminal.cancelCollectPaymentMethod()).code, ErrorCode.CANCEL_FAILED);
    assert.equal(phone.ui.tapScreens.length, 0);
  });

  test('one operation at a time: READER_BUSY while the tap screen waits; cancel frees the reader', async () => {
    const phone = f.phone();
    await phone.connect((await f.locationIn('FR')).id);
    const paymentIntent = await phone.paymentIntent(1000, 'eur');
    phone.ui.tap('never');
    const collecting = phone.terminal.collectPaymentMethod({ paymentIntent });
    await phone.ui.tapScreenShown();
    assert.equal(phone.terminal.getPaymentStatus(), 'waitingForInput');
    for (const [name, busy] of [
      ['confirmPaymentIntent', await phone.terminal.confirmPaymentIntent({ paymentIntent })],
      ['processPaymentIntent', await phone.terminal.processPaymentIntent({ paymentIntent })],
      ['collectPaymentMethod', await phone.terminal.collectPaymentMethod({ paymentIntent })],
    ] as const) {
      assert.equal(errorOf(busy).code, ErrorCode.READER_BUSY);
      assert.equal(
        errorOf(busy).message,
        `Could not execute ${name} because the SDK is busy with another command: collectPaymentMethod.`,
      );
    }
    assert.equal(errorOf(await phone.terminal.cancelProcessPaymentIntent()).code, ErrorCode.CANCEL_FAILED);
    assert.deepEqual(await phone.terminal.cancelCollectPaymentMethod(), {});
    const canceled = errorOf(await collecting);
    assert.equal(canceled.code, ErrorCode.CANCELED);
    assert.deepEqual(phone.ui.aborted, ['tap']);
    assert.equal(errorOf(await collecting.cancel()).code, ErrorCode.CANCEL_FAILED);
    const reader = (await f.stripe.terminal.readers.retrieve(phone.terminal.getConnectedReader()!.id)) as {
      action: { status: string } | null;
    };
    assert.notEqual(reader.action?.status, 'in_progress', 'the reader action was canceled');
    assert.equal(phone.terminal.getPaymentStatus(), 'ready');
  });

  test('PaymentIntents from the SDK: create (camelCase params), retrieve by client secret, cancel; handles', async () => {
    const phone = f.phone();
    await phone.terminal.initialize();
    const created = await phone.paymentIntent(2599, 'eur', {
      captureMethod: 'manual',
      description: 'Two croissants',
      metadata: { order: '42' },
      statementDescriptorSuffix: 'CAFE',
    });
    assert.match(created.id, /^pi_/);
    assert.equal(created.status, 'requiresPaymentMethod');
    assert.equal(created.captureMethod, 'manual');
    assert.deepEqual(created.apiObject?.['payment_method_types'], ['card_present']);
    assert.equal(created.description, 'Two croissants');
    assert.deepEqual(created.metadata, { order: '42' });
    assert.ok(created.sdkUuid);
    const server = await f.stripe.paymentIntents.retrieve(created.id);
    assert.equal(server.amount, 2599);
    assert.equal(server.statement_descriptor_suffix, 'CAFE');

    const retrieved = paid(await phone.terminal.retrievePaymentIntent(server.client_secret!));
    assert.equal(retrieved.id, created.id);
    assert.equal(retrieved.sdkUuid, created.sdkUuid, 'one handle per PaymentIntent');
    const unknown = errorOf(await phone.terminal.retrievePaymentIntent(`${created.id}_secret_wrong`));
    assert.equal(unknown.code, ErrorCode.INVALID_CLIENT_SECRET);

    const invalid = errorOf(await phone.terminal.createPaymentIntent({ amount: 10, currency: 'eur' }));
    assert.equal(invalid.apiError?.code, 'amount_too_small', JSON.stringify(invalid));

    const noHandle = errorOf(await phone.terminal.cancelPaymentIntent({ paymentIntent: { ...created, sdkUuid: '' } }));
    assert.equal(noHandle.code, ErrorCode.INVALID_REQUIRED_PARAMETER);
    assert.match(noHandle.message, /missing sdkUuid/);
    const canceled = paid(await phone.terminal.cancelPaymentIntent({ paymentIntent: created }));
    assert.equal(canceled.status, 'canceled');
    assert.equal((await f.stripe.paymentIntents.retrieve(created.id)).status, 'canceled');
  });

  test('an expired session is renewed once: a new token, the phone connected again, the call retried', async () => {
    const phone = f.phone();
    const reader = await phone.connect((await f.locationIn('FR')).id);
    const fetches = phone.tokenFetches();
    // Sessions live an hour on the account's clock.
    await f.opentill('/opentill/v1/test/clock/advance', { seconds: '3601' });
    const paymentIntent = await phone.paymentIntent(1000, 'eur');
    assert.equal(phone.tokenFetches(), fetches + 1);
    assert.equal(paid(await phone.terminal.processPaymentIntent({ paymentIntent })).status, 'succeeded');
    assert.equal(phone.terminal.getConnectedReader()?.id, reader.id);
    assert.deepEqual(phone.events.disconnects, [], 'the old session seeing the phone taken over is not a disconnect');
    assert.deepEqual(phone.events.reconnectStarted, []);
    assert.equal(phone.tokenFetches(), fetches + 1);
  });

  describe('automatic reconnection after an unexpected disconnect', () => {
    const offline = (readerId: string) => f.opentill(`/opentill/v1/test/terminal/readers/${readerId}/offline`);
    const online = (readerId: string) => f.opentill(`/opentill/v1/test/terminal/readers/${readerId}/online`);

    test('started, then succeeded once the phone is reachable again; payments work afterwards', async () => {
      const phone = f.phone({ options: { reconnect: { attempts: 200, intervalMs: 50 } } });
      const reader = await phone.connect((await f.locationIn('FR')).id);
      await offline(reader.id);
      await phone.until((e) => e.reconnectStarted.length === 1);
      assert.equal(phone.events.reconnectStarted[0]!.reader.id, reader.id);
      assert.equal(phone.terminal.getConnectionStatus(), 'reconnecting');
      await online(reader.id);
      await phone.until((e) => e.reconnectSucceeded.length === 1);
      assert.equal(phone.events.reconnectSucceeded[0]!.id, reader.id);
      assert.equal(phone.terminal.getConnectionStatus(), 'connected');
      assert.deepEqual(phone.events.connection.slice(-2), ['reconnecting', 'connected']);
      assert.deepEqual(phone.events.disconnects, []);
      assert.deepEqual(phone.events.reconnectFailed, []);

      const paymentIntent = await phone.paymentIntent(1200, 'eur');
      const done = paid(await phone.terminal.processPaymentIntent({ paymentIntent }));
      assert.equal(done.status, 'succeeded');
    });

    test('failed after its attempts: onDidFailReaderReconnect then onDidDisconnect; connecting again works', async () => {
      const phone = f.phone({ options: { reconnect: { attempts: 2, intervalMs: 10 } } });
      const location = await f.locationIn('FR');
      const reader = await phone.connect(location.id);
      await offline(reader.id);
      await phone.until((e) => e.disconnects.length === 1);
      assert.equal(phone.events.reconnectStarted.length, 1);
      assert.deepEqual(
        phone.events.reconnectFailed.map((r) => r.id),
        [reader.id],
      );
      assert.deepEqual(phone.events.disconnects, ['unknown']);
      assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');
      assert.equal(phone.terminal.getConnectedReader(), null);
      // The app connects again when it comes back to the foreground.
      await online(reader.id);
      assert.equal((await phone.connect(location.id)).id, reader.id);
    });

    test('without autoReconnectOnUnexpectedDisconnect the disconnect is reported at once', async () => {
      const phone = f.phone();
      const reader = await phone.connect((await f.locationIn('FR')).id, { autoReconnectOnUnexpectedDisconnect: false });
      await offline(reader.id);
      await phone.until((e) => e.disconnects.length === 1);
      assert.deepEqual(phone.events.reconnectStarted, []);
      assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');
      await online(reader.id);
    });

    test('cancelReaderReconnection stops it; nothing to cancel is CANCEL_FAILED', async () => {
      const phone = f.phone({ options: { reconnect: { attempts: 10_000, intervalMs: 20 } } });
      const reader = await phone.connect((await f.locationIn('FR')).id);
      assert.equal(errorOf(await phone.terminal.cancelReaderReconnection()).code, ErrorCode.CANCEL_FAILED);
      await offline(reader.id);
      await phone.until((e) => e.reconnectStarted.length === 1);
      assert.deepEqual(await phone.terminal.cancelReaderReconnection(), {});
      assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');
      assert.deepEqual(
        phone.events.reconnectFailed.map((r) => r.id),
        [reader.id],
      );
      assert.deepEqual(phone.events.disconnects, ['unknown']);
      await online(reader.id);
    });

    test('disconnectReader during a reconnection stops it and reports only the requested disconnect', async () => {
      const phone = f.phone({ options: { reconnect: { attempts: 10_000, intervalMs: 20 } } });
      const reader = await phone.connect((await f.locationIn('FR')).id);
      await offline(reader.id);
      await phone.until((e) => e.reconnectStarted.length === 1);
      assert.deepEqual(await phone.terminal.disconnectReader(), {});
      assert.deepEqual(phone.events.disconnects, ['disconnectRequested']);
      assert.deepEqual(phone.events.reconnectFailed, []);
      assert.equal(phone.terminal.getConnectionStatus(), 'notConnected');
      await online(reader.id);
    });

    test('a collection waiting on the tap screen stops when the phone goes offline', async () => {
      const phone = f.phone({ options: { reconnect: { attempts: 200, intervalMs: 50 } } });
      const reader = await phone.connect((await f.locationIn('FR')).id);
      const paymentIntent = await phone.paymentIntent(1000, 'eur');
      phone.ui.tap('never');
      const collecting = phone.terminal.collectPaymentMethod({ paymentIntent });
      await phone.ui.tapScreenShown();
      await offline(reader.id);
      assert.equal(errorOf(await collecting).code, ErrorCode.NOT_CONNECTED_TO_READER);
      await online(reader.id);
      await phone.until((e) => e.reconnectSucceeded.length === 1);
      assert.equal(paid(await phone.terminal.processPaymentIntent({ paymentIntent })).status, 'succeeded');
    });
  });

  test('goodAndroid is accepted as is (the fixture is not a refusal by accident)', async () => {
    const phone = f.phone({ device: goodAndroid });
    const reader = await phone.connect((await f.locationIn('DE')).id);
    assert.equal(reader.status, 'online');
  });
});
