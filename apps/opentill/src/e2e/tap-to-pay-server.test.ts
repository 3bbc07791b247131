/**
 * Tap to Pay, the server's side (docs/tap-to-pay-sdk.md): the raw `/opentill/v1/sdk/tap_to_pay/…`
 * endpoints a phone's SDK calls, checked over HTTP on both stores — registration of the phone as a
 * `mobile_phone_reader`, refusals that write nothing, taps through the brand / CVM / PIN rules, the
 * issuer's PIN during confirm (two charges), and the account settings. The SDK's own behaviour is
 * tested in tap-to-pay-sdk*.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import WebSocket from 'ws';
import type Stripe from 'stripe';
import { listAll, waitUntil } from './helpers.js';
import { stores, terminalFixture, type TerminalFixture } from './terminal-fixture.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const goodAndroid = {
  platform: 'android',
  osVersion: '15',
  isBeta: false,
  model: 'Pixel 8',
  hasNfc: true,
  cpuArch: 'arm64-v8a',
  rooted: false,
  bootloaderUnlocked: false,
  modifiedOs: false,
  isEmulator: false,
  gmsCertified: true,
  hardwareKeystoreVersion: 300,
  securityPatch: '2026-10-05',
  internet: true,
  sdkVersion: '5.0.0',
};
export const goodIphone = {
  platform: 'ios',
  osVersion: '27.0',
  isBeta: false,
  model: 'iPhone 15',
  hasNfc: true,
  cpuArch: 'arm64',
  rooted: false,
  bootloaderUnlocked: false,
  modifiedOs: false,
  isEmulator: false,
  iosEntitlement: true,
  passcodeSet: true,
  internet: true,
  sdkVersion: '5.0.0',
};
const secure = {
  developerOptions: false,
  accessibilityServices: false,
  screenRecording: false,
  overlays: false,
  internet: true,
};

for (const store of stores) {
  describe(`Tap to Pay server endpoints (${store})`, () => {
    let f: TerminalFixture;
    before(async () => {
      f = await terminalFixture(store, `ttp_server_${store}`);
    });
    after(async () => {
      await f.stop();
    });

    /** An SDK session (a redeemed connection token) and a JSON caller bound to it. */
    async function session(
      location?: string,
    ): Promise<(method: string, path: string, body?: Json) => Promise<{ status: number; body: Json }>> {
      const token = await f.stripe.terminal.connectionTokens.create(location ? { location } : {});
      const opened = await fetch(`${f.server.baseUrl}/opentill/v1/sdk/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ connection_token: token.secret }),
      });
      const { secret } = (await opened.json()) as { secret: string };
      return async (method, path, body) => {
        const response = await fetch(`${f.server.baseUrl}/opentill/v1/sdk${path}`, {
          method,
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        return { status: response.status, body: (await response.json()) as Json };
      };
    }

    const locationIn = (country: string, state?: string) => f.locationIn(country, state);

    const phoneReaders = async () =>
      await listAll(f.stripe.terminal.readers.list({ device_type: 'mobile_phone_reader', limit: 100 }));

    async function connected(
      country = 'FR',
      device: Json = goodAndroid,
      installation = `inst-${country}-${Math.random().toString(36).slice(2, 10)}`,
    ) {
      const call = await session();
      const location = await locationIn(country);
      const answer = await call('POST', '/tap_to_pay/connection', {
        location: location.id,
        device,
        installation_id: installation,
        simulated: true,
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return { call, location, reader: answer.body['reader'] as Json, answer: answer.body };
    }

    async function collect(call: Awaited<ReturnType<typeof session>>, params: Json) {
      const created = await call('POST', '/payment_intents', {
        currency: 'eur',
        payment_method_types: ['card_present'],
        ...params,
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const started = await call('POST', '/collect_payment_method', { client_secret: created.body['client_secret'] });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      return created.body;
    }

    test('connect registers the phone as a mobile_phone_reader at the Location, once per installation', async () => {
      const { call, location, reader, answer } = await connected('FR', goodAndroid, `inst-register-${store}`);
      assert.equal(reader['device_type'], 'mobile_phone_reader');
      assert.equal(reader['location'], location.id);
      assert.equal(reader['serial_number'], `inst-register-${store}`);
      assert.equal(answer['merchant_display_name'], 'Shop FR');
      assert.equal(answer['availability'], 'general');
      assert.equal(answer['terms_of_service_accepted'], false);
      assert.equal(reader['_internal'], undefined);
      const listed = (await f.stripe.terminal.readers.retrieve(reader['id'])) as Stripe.Terminal.Reader;
      assert.equal(listed.device_type, 'mobile_phone_reader');
      assert.equal(listed.status, 'online');

      const again = await call('POST', '/tap_to_pay/connection', {
        location: location.id,
        device: goodAndroid,
        installation_id: 'x',
      });
      assert.equal(again.status, 409);
      assert.equal(again.body['error']['code'], 'ALREADY_CONNECTED_TO_READER');

      // The same app installation on a new session is the same reader (taken over).
      const other = await session();
      const reconnected = await other('POST', '/tap_to_pay/connection', {
        location: location.id,
        device: goodAndroid,
        installation_id: `inst-register-${store}`,
        merchant_display_name: 'Café',
      });
      assert.equal(reconnected.status, 200);
      assert.equal(reconnected.body['reader']['id'], reader['id']);
      assert.equal(reconnected.body['reader']['label'], 'Café');
      const state = await call('GET', '/state');
      assert.equal(state.body['disconnect_reason'], 'taken_over');
    });

    test('the phone is online while its SDK calls, offline two minutes after it stops', async () => {
      const { call, reader } = await connected('FR', goodAndroid, `inst-presence-${store}`);
      const seen = async () => (await f.stripe.terminal.readers.retrieve(reader['id'])) as Stripe.Terminal.Reader;
      assert.equal((await seen()).status, 'online');
      await f.opentill('/opentill/v1/test/clock/advance', { seconds: '150' });
      assert.equal((await seen()).status, 'offline');
      assert.equal(
        (await f.stripe.terminal.readers.list({ status: 'offline', device_type: 'mobile_phone_reader' })).data.some(
          (r) => r.id === reader['id'],
        ),
        true,
      );
      // The SDK's next call is a signal: the phone is back online, and its state says connected.
      const state = await call('GET', '/state');
      assert.equal(state.body['connection'], 'connected');
      assert.equal(state.body['reader']['status'], 'online');
      assert.equal((await seen()).status, 'online');
      // Fault injection keeps it silent, whatever the SDK does.
      await f.opentill(`/opentill/v1/test/terminal/readers/${reader['id']}/offline`);
      const offline = await call('GET', '/state');
      assert.equal(offline.body['disconnect_reason'], 'reader_offline');
      await f.opentill(`/opentill/v1/test/terminal/readers/${reader['id']}/online`);
    });

    test('the virtual reader screen of a phone shows it, but cards are only tapped on the phone', async () => {
      const { call, reader } = await connected('FR', goodAndroid, `inst-screen-${store}`);
      const session = await f.opentill(`/opentill/v1/terminal/readers/${reader['id']}/screen_sessions`);
      const viewer = new WebSocket(
        `${f.server.baseUrl.replace('http', 'ws')}/opentill/v1/screen/connect?token=${encodeURIComponent(String(session['token']))}`,
      );
      const frames: Array<{ type: string; reason?: string; state?: { screen: string } }> = [];
      viewer.on('message', (data) => frames.push(JSON.parse(data.toString()) as { type: string }));
      await new Promise((resolve) => viewer.once('open', resolve));
      const pi = await collect(call, { amount: 1000 });
      await waitUntil(() => frames.some((frame) => frame.state?.screen === 'collect'), 'the collect screen', 5000, 20);
      viewer.send(
        JSON.stringify({
          type: 'input',
          input: { type: 'present_card', number: '3566002020360505', read_method: 'contactless_emv', wallet: null },
        }),
      );
      await waitUntil(() => frames.some((frame) => frame.type === 'input_rejected'), 'input_rejected', 5000, 20);
      viewer.close();
      assert.match(String(frames.find((frame) => frame.type === 'input_rejected')?.reason), /Tap to Pay phone/);
      assert.equal((await f.stripe.paymentIntents.retrieve(pi['id'])).status, 'requires_payment_method');
      assert.equal(
        ((await f.stripe.terminal.readers.retrieve(reader['id'])) as Stripe.Terminal.Reader).action?.status,
        'in_progress',
      );
    });

    test('a deleted phone reader is registered again on the next connection, in the same session', async () => {
      const { call, location, reader } = await connected('FR', goodAndroid, `inst-deleted-${store}`);
      await f.stripe.terminal.readers.del(reader['id']);
      const state = await call('GET', '/state');
      assert.equal(state.body['disconnect_reason'], 'reader_deleted');
      const again = await call('POST', '/tap_to_pay/connection', {
        location: location.id,
        device: goodAndroid,
        installation_id: `inst-deleted-${store}`,
      });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.notEqual(again.body['reader']['id'], reader['id']);
      assert.equal(again.body['reader']['serial_number'], `inst-deleted-${store}`);
    });

    test('refusals answer the documented code and write nothing', async () => {
      const call = await session();
      const location = await locationIn('FR');
      const before = (await phoneReaders()).length;
      const cases: Array<[Json, number, string, string?]> = [
        [{ device: goodAndroid, installation_id: 'r1' }, 400, 'MISSING_REQUIRED_PARAMETER', 'location_missing'],
        [
          { location: 'tml_nope', device: goodAndroid, installation_id: 'r1' },
          400,
          'INVALID_REQUIRED_PARAMETER',
          'location_not_found',
        ],
        [{ location: location.id, installation_id: 'r1' }, 400, 'INVALID_REQUIRED_PARAMETER', 'missing_fact'],
        [
          { location: location.id, device: goodAndroid, installation_id: 'bad id!' },
          400,
          'INVALID_REQUIRED_PARAMETER',
          'invalid_installation_id',
        ],
        [
          { location: location.id, device: goodAndroid, installation_id: 'r1', on_behalf_of: 'nope' },
          400,
          'INVALID_REQUIRED_PARAMETER',
          'invalid_on_behalf_of',
        ],
        [
          { location: location.id, device: goodAndroid, installation_id: 'r1', merchant_display_name: ' ' },
          400,
          'INVALID_REQUIRED_PARAMETER',
          'invalid_merchant_display_name',
        ],
        [
          { location: location.id, device: { ...goodAndroid, isEmulator: true }, installation_id: 'r1' },
          400,
          'TAP_TO_PAY_UNSUPPORTED_DEVICE',
          'emulator',
        ],
        [
          { location: location.id, device: { ...goodAndroid, osVersion: '12' }, installation_id: 'r1' },
          400,
          'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
          'os_too_old',
        ],
        [
          { location: location.id, device: { ...goodAndroid, gmsCertified: false }, installation_id: 'r1' },
          400,
          'ATTESTATION_FAILURE',
          'not_gms_certified',
        ],
        [
          { location: location.id, device: { ...goodAndroid, iosEntitlement: true }, installation_id: 'r1' },
          400,
          'TAP_TO_PAY_INCONSISTENT_DEVICE_FACTS',
          'android_with_ios_facts',
        ],
        [
          {
            location: location.id,
            device: { ...goodAndroid, debuggable: true },
            installation_id: 'r1',
            simulated: false,
          },
          400,
          'TAP_TO_PAY_DEBUG_NOT_SUPPORTED',
          'debuggable_app',
        ],
        [
          { location: location.id, device: { ...goodIphone, model: 'iPhone X' }, installation_id: 'r1' },
          400,
          'TAP_TO_PAY_UNSUPPORTED_DEVICE',
          'iphone_too_old',
        ],
        [
          { location: location.id, device: { ...goodIphone, passcodeSet: false }, installation_id: 'r1' },
          400,
          'TAP_TO_PAY_PASSCODE_NOT_ENABLED',
          'passcode_not_set',
        ],
        [
          { location: location.id, device: goodIphone, installation_id: 'r1', tos_acceptance_permitted: false },
          400,
          'TAP_TO_PAY_READER_TOS_NOT_YET_ACCEPTED',
          'tos_not_accepted',
        ],
        [{ location: location.id, device: goodAndroid, installation_id: 'r1', surprise: 1 }, 400, 'parameter_unknown'],
      ];
      for (const [body, status, code, reason] of cases) {
        const answer = await call('POST', '/tap_to_pay/connection', body);
        assert.equal(answer.status, status, JSON.stringify({ body, answer: answer.body }));
        assert.equal(answer.body['error']['code'], code, JSON.stringify(answer.body));
        if (reason) assert.equal(answer.body['error']['reason'], reason);
      }
      const wrongType = await call('POST', '/tap_to_pay/connection', {
        location: { id: 'tml_1' },
        device: goodAndroid,
        installation_id: 'r1',
      });
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.body['error']['type'], 'invalid_request_error', JSON.stringify(wrongType.body));
      assert.equal(wrongType.body['error']['param'], 'location');
      const gms = await call('POST', '/tap_to_pay/connection', {
        location: location.id,
        device: { ...goodAndroid, gmsCertified: false },
        installation_id: 'r1',
      });
      assert.match(gms.body['error']['message'], /^ATTESTATION_FAILURE: .*not GMS certified/);
      assert.equal((await phoneReaders()).length, before);
      // The same session can still connect: a refusal leaves nothing half done.
      const fine = await call('POST', '/tap_to_pay/connection', {
        location: location.id,
        device: goodAndroid,
        installation_id: `after-refusals-${store}`,
      });
      assert.equal(fine.status, 200);
    });

    test('a connection token scoped to a Location cannot connect the phone elsewhere', async () => {
      const scoped = await session((await locationIn('FR')).id);
      const elsewhere = await locationIn('DE');
      const answer = await scoped('POST', '/tap_to_pay/connection', {
        location: elsewhere.id,
        device: goodAndroid,
        installation_id: 'scope',
      });
      assert.equal(answer.body['error']['reason'], 'location_out_of_scope');
    });

    test('countries: beta needs the account opt-in; Puerto Rico is excluded', async () => {
      const call = await session();
      const austria = await locationIn('AT'); // beta on iPhone, general on Android
      const beta = await call('POST', '/tap_to_pay/connection', {
        location: austria.id,
        device: goodIphone,
        installation_id: `at-${store}`,
      });
      assert.equal(beta.body['error']['code'], 'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED');
      const puertoRico = await locationIn('US', 'PR');
      const excluded = await call('POST', '/tap_to_pay/connection', {
        location: puertoRico.id,
        device: goodAndroid,
        installation_id: `pr-${store}`,
      });
      assert.equal(excluded.body['error']['reason'], 'puerto_rico_excluded');
      const brazil = await locationIn('BR');
      const unsupported = await call('POST', '/tap_to_pay/connection', {
        location: brazil.id,
        device: goodAndroid,
        installation_id: `br-${store}`,
      });
      assert.equal(unsupported.body['error']['code'], 'TAP_TO_PAY_UNSUPPORTED_COUNTRY');

      const settings = await f.opentill('/opentill/v1/tap_to_pay/settings', { beta_countries: 'true' });
      assert.equal(settings['beta_countries'], true);
      const opted = await call('POST', '/tap_to_pay/connection', {
        location: austria.id,
        device: goodIphone,
        installation_id: `at-${store}`,
      });
      assert.equal(opted.status, 200, JSON.stringify(opted.body));
      assert.equal(opted.body['availability'], 'beta');
      assert.equal(opted.body['terms_of_service_accepted'], true);
      await f.opentill('/opentill/v1/tap_to_pay/settings', { beta_countries: 'false' });
    });

    test('a tap under the limit is collected and confirmed; the charge shows the wallet', async () => {
      const { call } = await connected('FR');
      const pi = await collect(call, { amount: 1200 });
      const tapped = await call('POST', '/tap_to_pay/tap', {
        card: { number: '4242424242424242', wallet: 'apple_pay' },
      });
      assert.equal(tapped.status, 200, JSON.stringify(tapped.body));
      assert.equal(tapped.body['result'], 'collected');
      assert.equal(tapped.body['cvm'], 'none');
      const processed = await call('POST', '/process_payment', { payment_intent: pi['id'] });
      assert.equal(
        processed.body['reader']['action']['status'],
        'succeeded',
        JSON.stringify(processed.body['reader']['action']),
      );
      const final = await f.stripe.paymentIntents.retrieve(pi['id'], { expand: ['latest_charge'] });
      assert.equal(final.status, 'succeeded');
      const card = (final.latest_charge as Stripe.Charge).payment_method_details!.card_present!;
      assert.equal(card.wallet?.type, 'apple_pay');
      assert.equal(card.read_method, 'contactless_emv');
    });

    test('the contactless CVM limit itself needs no PIN; one cent above it does (FR: EUR 50.00)', async () => {
      // cvm.ts: a PIN when `amount > limit`, so the limit is the highest amount without one.
      const limit = 5000;
      const card = { number: '4242424242424242', wallet: null };
      const { call } = await connected('FR');
      const atLimit = await collect(call, { amount: limit });
      const tapped = await call('POST', '/tap_to_pay/tap', { card });
      assert.equal(tapped.status, 200, JSON.stringify(tapped.body));
      assert.equal(tapped.body['result'], 'collected');
      assert.equal(tapped.body['cvm'], 'none');
      const processed = await call('POST', '/process_payment', { payment_intent: atLimit['id'] });
      assert.equal(
        processed.body['reader']['action']['status'],
        'succeeded',
        JSON.stringify(processed.body['reader']['action']),
      );
      assert.equal((await f.stripe.paymentIntents.retrieve(atLimit['id'])).status, 'succeeded');

      await collect(call, { amount: limit + 1 });
      const above = await call('POST', '/tap_to_pay/tap', { card });
      assert.deepEqual(above.body, { result: 'pin_required', when: 'before_collect' });
    });

    test('above the contactless limit a PIN is needed before collect; an insecure environment refuses it', async () => {
      const { call } = await connected('FR');
      const pi = await collect(call, { amount: 7500, capture_method: 'manual' });
      const card = { number: '5555555555554444', wallet: null };
      const asked = await call('POST', '/tap_to_pay/tap', { card });
      assert.deepEqual(asked.body, { result: 'pin_required', when: 'before_collect' });
      const recording = await call('POST', '/tap_to_pay/tap', {
        card,
        pin: '1234',
        pin_environment: { ...secure, screenRecording: true, overlays: true },
      });
      assert.equal(recording.status, 400);
      assert.equal(recording.body['error']['code'], 'TAP_TO_PAY_INSECURE_ENVIRONMENT');
      assert.equal(recording.body['error']['reason'], 'screen_recording');
      assert.deepEqual(recording.body['error']['causes'], ['screen_recording', 'overlays']);
      const badPin = await call('POST', '/tap_to_pay/tap', { card, pin: '12a4', pin_environment: secure });
      assert.equal(badPin.status, 400);
      const collected = await call('POST', '/tap_to_pay/tap', { card, pin: '1234', pin_environment: secure });
      assert.equal(collected.body['cvm'], 'pin_before_collect');
      const processed = await call('POST', '/process_payment', { payment_intent: pi['id'], pin: '1234' });
      assert.equal(processed.body['reader']['action']['status'], 'succeeded');
      const final = await f.stripe.paymentIntents.retrieve(pi['id'], { expand: ['latest_charge'] });
      assert.equal(final.status, 'requires_capture');
      const receipt = (final.latest_charge as Stripe.Charge).payment_method_details!.card_present!.receipt;
      assert.equal(receipt?.cardholder_verification_method, 'online_pin');
    });

    test('the issuer asks for the PIN during confirm: a soft decline, then the authorization (two charges)', async () => {
      const { call } = await connected('FR');
      const pi = await collect(call, { amount: 1000 });
      const card = { number: '4000002760000008', wallet: null };
      const tapped = await call('POST', '/tap_to_pay/tap', { card });
      assert.equal(tapped.body['cvm'], 'pin_during_confirm');
      const first = await call('POST', '/process_payment', { payment_intent: pi['id'] });
      assert.equal(first.body['reader']['action']['status'], 'failed');
      assert.equal(
        first.body['payment_intent']['last_payment_error']['decline_code'],
        'online_or_offline_pin_required',
      );
      assert.equal((await call('POST', '/collect_payment_method', { client_secret: pi['client_secret'] })).status, 200);
      await call('POST', '/tap_to_pay/tap', { card, pin: '4321', pin_environment: secure });
      const second = await call('POST', '/process_payment', { payment_intent: pi['id'], pin: '4321' });
      assert.equal(second.body['reader']['action']['status'], 'succeeded');
      const charges = await f.stripe.charges.list({ payment_intent: pi['id'] });
      assert.deepEqual(charges.data.map((c) => c.status).sort(), ['failed', 'succeeded']);
    });

    test('refused brands and CVM declines end the collection; misreads change nothing', async () => {
      const { call, reader } = await connected('FR');
      const pi = await collect(call, { amount: 1000 });
      const misread = await call('POST', '/tap_to_pay/tap', { card: { number: '4242424242424241' } });
      assert.equal(misread.status, 402);
      assert.equal(misread.body['error']['code'], 'incorrect_number');
      const jcb = await call('POST', '/tap_to_pay/tap', { card: { number: '3566002020360505' } });
      assert.equal(jcb.status, 402);
      assert.equal(jcb.body['error']['code'], 'CARD_NOT_SUPPORTED');
      assert.equal(jcb.body['error']['decline_code'], 'card_not_supported');
      const after = (await f.stripe.terminal.readers.retrieve(reader['id'])) as Stripe.Terminal.Reader;
      assert.notEqual(after.action?.status, 'in_progress');
      // The PaymentIntent can be collected again.
      await call('POST', '/collect_payment_method', { client_secret: pi['client_secret'] });
      const notCollecting = await call('POST', '/tap_to_pay/tap', {
        card: { number: '4242424242424242', wallet: 'paypal' },
      });
      assert.equal(notCollecting.status, 400);

      const us = await connected('US');
      await collect(us.call, { amount: 1003, currency: 'usd' });
      const declined = await us.call('POST', '/tap_to_pay/tap', { card: { number: '4242424242424242' } });
      assert.equal(declined.status, 402);
      assert.equal(declined.body['error']['code'], 'card_declined');
      assert.equal(declined.body['error']['decline_code'], 'online_or_offline_pin_required');
      assert.equal(declined.body['error']['reason'], 'pin_not_supported_in_market');
    });

    test('a tap without a collection, or on a reader that is not a phone, is refused', async () => {
      const { call } = await connected('FR');
      const idle = await call('POST', '/tap_to_pay/tap', { card: { number: '4242424242424242' } });
      assert.equal(idle.status, 400);
      const plain = await session();
      const notConnected = await plain('POST', '/tap_to_pay/tap', { card: { number: '4242424242424242' } });
      assert.equal(notConnected.body['error']['code'], 'no_established_connection');
    });

    test('fuzz: random bodies and forged device facts get a 2xx or a documented 4xx, never a 5xx', async () => {
      const call = await session();
      const location = await locationIn('FR');
      const check = (answer: { status: number; body: Json }, what: string) => {
        assert.ok(answer.status < 500, `${what} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        if (answer.status >= 400) assert.equal(typeof answer.body['error']?.['message'], 'string', what);
      };
      const factValue = fc.oneof(
        fc.boolean(),
        fc.constant(null),
        fc.integer({ min: -5, max: 500 }),
        fc.constantFrom(
          '',
          '13',
          '15.1',
          '27.0',
          '16.3',
          'x86',
          'arm64',
          'iPhone 8',
          'iPhone 16',
          '2026-13-40',
          '2026-10-01',
          'ios',
        ),
        fc.string({ maxLength: 8 }),
        fc.array(fc.boolean(), { maxLength: 2 }),
      );
      const forged = fc
        .tuple(
          fc.constantFrom(goodAndroid, goodIphone),
          fc.dictionary(
            fc.constantFrom(
              ...Object.keys(goodAndroid),
              ...Object.keys(goodIphone),
              'nfcEnabled',
              'debuggable',
              'overlays',
              'extra',
            ),
            factValue,
            { maxKeys: 4 },
          ),
        )
        .map(([base, changes]) => ({ ...base, ...changes }));
      await fc.assert(
        fc.asyncProperty(forged, fc.boolean(), async (device, simulated) => {
          const answer = await call('POST', '/tap_to_pay/connection', {
            location: location.id,
            device,
            installation_id: 'fuzz',
            simulated,
          });
          check(answer, JSON.stringify(device));
          if (answer.status === 200) await call('DELETE', '/connection');
        }),
        { seed: 6, numRuns: 80, endOnFailure: true },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.jsonValue({ maxDepth: 3 }),
          fc.constantFrom(
            '/tap_to_pay/connection',
            '/tap_to_pay/tap',
            '/payment_intents',
            '/payment_intents/retrieve',
            '/payment_intents/cancel',
          ),
          async (body, path) => {
            check(await call('POST', path, body as Json), `${path} ${JSON.stringify(body).slice(0, 200)}`);
          },
        ),
        { seed: 7, numRuns: 80, endOnFailure: true },
      );
    });

    test('settings: the CVM table can be changed per country, and bad rows are refused', async () => {
      const defaults = (await fetch(`${f.server.baseUrl}/opentill/v1/tap_to_pay/settings`, {
        headers: { authorization: `Bearer ${f.server.secretKey}` },
      }).then((r) => r.json())) as Json;
      assert.deepEqual(defaults['cvm_limits']['GB'], { currency: 'gbp', limit: 10000, pin: true });
      const lowered = (await f.opentill('/opentill/v1/tap_to_pay/settings', {
        'cvm_limits[fr][limit]': '2000',
      })) as Json;
      assert.equal(lowered['cvm_limits']['FR']['limit'], 2000);
      const { call } = await connected('FR');
      await collect(call, { amount: 2500 });
      const asked = await call('POST', '/tap_to_pay/tap', { card: { number: '4242424242424242' } });
      assert.equal(asked.body['result'], 'pin_required');
      await assert.rejects(f.opentill('/opentill/v1/tap_to_pay/settings', { 'cvm_limits[XX1][limit]': '1' }), /400/);
      await assert.rejects(
        f.opentill('/opentill/v1/tap_to_pay/settings', { 'cvm_limits[BR][limit]': '1' }),
        /currency/,
      );
      await f.opentill('/opentill/v1/tap_to_pay/settings', { 'cvm_limits[FR][limit]': '5000' });
    });
  });
}
