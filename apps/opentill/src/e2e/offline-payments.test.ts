/**
 * Offline payments with the mobile SDK (docs/offline.md) against a real server (SQLite and PostgreSQL), the
 * network between SDK and server cut and restored by a TCP proxy the test controls: payments taken
 * offline, stored in files, kept across an SDK restart, forwarded exactly once when the network is
 * back, seen through stripe-node with their events; replays, corrupt and full storage, and the limits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { constants as cryptoConstants, createPublicKey, publicEncrypt } from 'node:crypto';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { limits, resolveCvmLimits } from '@opentill/core';
import {
  ErrorCode,
  FileOfflineStorage,
  MemoryOfflineStorage,
  type OfflineStatus,
  type OfflineStorage,
  type PaymentIntent,
  type StripeError,
} from '@opentill/terminal-sdk/mobile';
import { listAll } from './helpers.js';
import { errorOf, paid, tapToPayFixture, type Phone, type TapToPayFixture } from './tap-to-pay-sdk-fixture.js';
import { tcpProxy, type TcpProxy } from './tcp-proxy.js';
import { stores } from './terminal-fixture.js';

const visa = '4242424242424242';
const declined = '4000000000000002';

interface OfflineEvents {
  statuses: OfflineStatus[];
  forwarded: Array<{ paymentIntent: PaymentIntent; error: StripeError | undefined }>;
  failures: Array<StripeError | undefined>;
}

for (const store of stores)
  describe(`mobile SDK offline payments (${store}, network cut by a proxy)`, () => {
    let f: TapToPayFixture;
    let proxy: TcpProxy;
    let offlineLocation: Stripe.Terminal.Location;
    let onlineOnlyLocation: Stripe.Terminal.Location;
    const directories: string[] = [];
    const disposers: Array<() => void> = [];

    before(async () => {
      f = await tapToPayFixture(`offline_payments_${store}`, store);
      proxy = await tcpProxy(f.server.port);
      const configuration = await f.stripe.terminal.configurations.create({ offline: { enabled: true } });
      offlineLocation = await f.stripe.terminal.locations.create({
        display_name: 'Offline FR',
        address: { line1: '1 rue', city: 'Paris', country: 'FR', postal_code: '75001' },
        configuration_overrides: configuration.id,
      });
      onlineOnlyLocation = await f.locationIn('FR');
    });
    after(async () => {
      proxy.restore();
      for (const dispose of disposers) dispose();
      await f.stop();
      await proxy.close();
      for (const directory of directories) await rm(directory, { recursive: true, force: true });
    });

    async function directory(): Promise<string> {
      const made = await mkdtemp(path.join(tmpdir(), 'opentill-offline-'));
      directories.push(made);
      return made;
    }

    /** A phone talking through the proxy, storing offline payments in `storage`, with its offline callbacks recorded. */
    function phoneWith(
      storage: OfflineStorage,
      extra: { now?: () => number; tokenProvider?: () => Promise<string> } = {},
    ): {
      phone: Phone;
      events: OfflineEvents;
      until: (check: (events: OfflineEvents) => boolean) => Promise<void>;
    } {
      const events: OfflineEvents = { statuses: [], forwarded: [], failures: [] };
      const watchers = new Set<() => void>();
      const record = (change: () => void) => {
        change();
        for (const watch of [...watchers]) watch();
      };
      const phone = f.phone({
        options: {
          apiBase: proxy.url,
          ...(extra.tokenProvider ? { tokenProvider: extra.tokenProvider } : {}),
          offline: { storage, probeIntervalMs: 50, ...(extra.now ? { now: extra.now } : {}) },
          callbacks: {
            onDidChangeOfflineStatus: (status) => record(() => events.statuses.push(status)),
            onDidForwardPaymentIntent: (paymentIntent, error) =>
              record(() => events.forwarded.push({ paymentIntent, error })),
            onDidForwardingFailure: (error) => record(() => events.failures.push(error)),
          },
        },
      });
      disposers.push(() => phone.terminal.dispose());
      return {
        phone,
        events,
        until: (check) =>
          new Promise((resolve) => {
            const watch = () => {
              if (!check(events)) return;
              watchers.delete(watch);
              resolve();
            };
            watchers.add(watch);
            watch();
          }),
      };
    }

    async function offlinePayment(
      phone: Phone,
      amount: number,
      card: string,
      extra: Record<string, unknown> = {},
      wallet: 'google_pay' | null = null,
    ): Promise<PaymentIntent> {
      const paymentIntent = await phone.paymentIntent(amount, 'eur', extra);
      assert.equal(paymentIntent.id, '', 'a PaymentIntent created offline has no id until it is forwarded');
      phone.ui.tapCard(card, wallet);
      return paid(await phone.terminal.processPaymentIntent({ paymentIntent }));
    }

    async function storedFiles(dir: string): Promise<string[]> {
      return (await readdir(dir)).filter((name) => name.startsWith('payment'));
    }

    test('payments taken offline survive a restart and are forwarded exactly once, with their events, when the network returns', async () => {
      const dir = await directory();
      const runId = `run_${Date.now().toString(36)}`;
      const first = phoneWith(new FileOfflineStorage(dir));
      await first.phone.connect(offlineLocation.id);
      assert.equal((await first.phone.terminal.getOfflineStatus()).sdk.networkStatus, 'online');

      proxy.cut();
      // prefer_online: the create cannot reach the server and falls back to offline.
      const approved = await offlinePayment(first.phone, 1500, visa, { metadata: { run: runId } });
      assert.equal(approved.status, 'requiresCapture');
      assert.equal(approved.paymentMethod, undefined, 'no paymentMethod before forwarding');
      assert.equal(approved.offlineDetails?.requiresUpload, true);
      assert.equal(approved.offlineDetails?.cardPresentDetails.last4, '4242');
      const refused = await offlinePayment(first.phone, 2500, declined, {
        metadata: { run: runId },
        offlineBehavior: 'force_offline',
      });
      assert.equal(refused.status, 'requiresCapture', 'offline, a card is not declined until it is forwarded');
      assert.equal(first.phone.terminal.getConnectionStatus(), 'connected', 'the phone stays connected while offline');
      assert.deepEqual(
        first.events.statuses.at(-1)?.sdk,
        { networkStatus: 'offline', offlinePaymentsCount: 2, offlinePaymentAmountsByCurrency: { eur: 4000 } },
        'onDidChangeOfflineStatus',
      );
      assert.ok(first.events.statuses.some((s) => s.sdk.networkStatus === 'online'));
      const status = await first.phone.terminal.getOfflineStatus();
      assert.deepEqual(status.sdk, {
        networkStatus: 'offline',
        offlinePaymentsCount: 2,
        offlinePaymentAmountsByCurrency: { eur: 4000 },
      });
      assert.equal((await storedFiles(dir)).length, 2);
      // Nothing in the files reads as a card number.
      for (const name of await storedFiles(dir)) {
        const text = await (await import('node:fs/promises')).readFile(path.join(dir, name), 'utf8');
        assert.ok(!text.includes(visa) && !text.includes(declined), 'the card number is sealed, never stored in clear');
      }

      // The app is killed; a new SDK starts over the same storage, still offline.
      first.phone.terminal.dispose();
      const second = phoneWith(new FileOfflineStorage(dir));
      assert.deepEqual(await second.phone.terminal.initialize(), {});
      assert.equal((await second.phone.terminal.getOfflineStatus()).sdk.offlinePaymentsCount, 2);
      // Connecting offline: only where this device connected online with offline mode enabled.
      const terminal = second.phone.terminal;
      await terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
      const elsewhere = errorOf(
        await terminal.connectReader({
          discoveryMethod: 'tapToPay',
          reader: terminal.discoveredReaders[0]!,
          locationId: onlineOnlyLocation.id,
        }),
      );
      assert.equal(elsewhere.code, ErrorCode.LOCATION_CONNECTION_NOT_AVAILABLE_OFFLINE);
      const reader = await second.phone.connect(offlineLocation.id);
      assert.match(reader.id, /^tmr_/, 'the reader of the last online connection');
      const third = await offlinePayment(second.phone, 3500, visa, { metadata: { run: runId } });
      assert.equal(third.status, 'requiresCapture');

      proxy.restore();
      await second.until((events) => events.forwarded.length === 3);
      await second.phone.terminal.waitForForwarding();
      const [one, two, three] = second.events.forwarded;
      assert.equal(three!.paymentIntent.status, 'succeeded');
      assert.equal(three!.paymentIntent.sdkUuid, third.sdkUuid);
      // The phone stayed connected and is connected on the server again: an online payment goes through.
      assert.equal(terminal.getConnectionStatus(), 'connected');
      const online = await second.phone.paymentIntent(1700, 'eur', { offlineBehavior: 'require_online' });
      assert.match(online.id, /^pi_/);
      second.phone.ui.tapCard(visa);
      assert.equal(paid(await terminal.processPaymentIntent({ paymentIntent: online })).status, 'succeeded');
      assert.equal(one!.error, undefined);
      assert.match(one!.paymentIntent.id, /^pi_/);
      assert.equal(one!.paymentIntent.status, 'succeeded');
      assert.equal(
        one!.paymentIntent.sdkUuid,
        approved.sdkUuid,
        'the app knows the forwarded payment by the handle it had',
      );
      assert.equal(two!.error?.code, ErrorCode.DECLINED_BY_STRIPE_API);
      assert.equal(two!.paymentIntent.status, 'requiresPaymentMethod');
      assert.deepEqual((await second.phone.terminal.getOfflineStatus()).sdk, {
        networkStatus: 'online',
        offlinePaymentsCount: 0,
        offlinePaymentAmountsByCurrency: {},
      });
      assert.deepEqual(await storedFiles(dir), []);

      // Through stripe-node: exactly two PaymentIntents of this run, charged with the card read offline.
      const listed = (await listAll(f.stripe.paymentIntents.list({ limit: 100 }))).filter(
        (pi) => pi.metadata['run'] === runId,
      );
      assert.equal(listed.length, 3, 'each payment forwarded exactly once');
      const { paymentIntent, charge } = await f.charged(one!.paymentIntent.id);
      assert.equal(paymentIntent.amount_received, 1500);
      const offline = (
        charge.payment_method_details?.card_present as unknown as { offline: { type: string; stored_at: number } }
      ).offline;
      assert.equal(offline.type, 'deferred');
      assert.equal(offline.stored_at, Math.floor(Number(approved.offlineDetails!.storedAtMs) / 1000));
      const failed = await f.charged(two!.paymentIntent.id);
      assert.equal(failed.charge.status, 'failed');
      assert.equal(failed.paymentIntent.last_payment_error?.code, 'card_declined');
      const events = await listAll(f.stripe.events.list({ limit: 100 }));
      const typesOf = (id: string) =>
        events
          .filter(
            (e) =>
              (e.data.object as { id?: string; payment_intent?: string }).id === id ||
              (e.data.object as { payment_intent?: string }).payment_intent === id,
          )
          .map((e) => e.type)
          .sort();
      assert.deepEqual(typesOf(one!.paymentIntent.id), [
        'charge.succeeded',
        'payment_intent.created',
        'payment_intent.succeeded',
      ]);
      assert.deepEqual(typesOf(two!.paymentIntent.id), [
        'charge.failed',
        'payment_intent.created',
        'payment_intent.payment_failed',
      ]);
    });

    test('a stored payment forwarded twice (replayed after a crash, or by two instances at once) is charged once', async () => {
      const dir = await directory();
      const copy = await directory();
      const taker = phoneWith(new FileOfflineStorage(dir));
      await taker.phone.connect(offlineLocation.id);
      await taker.phone.terminal.setSimulatedOfflineMode(true);
      const taken = await offlinePayment(taker.phone, 1200, visa);
      taker.phone.terminal.dispose();
      await cp(dir, copy, { recursive: true });
      const pristine = await directory();
      await cp(dir, pristine, { recursive: true });

      // Two SDKs over copies of the same stored payment, forwarding at the same time.
      const a = phoneWith(new FileOfflineStorage(dir));
      const b = phoneWith(new FileOfflineStorage(copy));
      await Promise.all([a.phone.terminal.initialize(), b.phone.terminal.initialize()]);
      await Promise.all([a.until((e) => e.forwarded.length === 1), b.until((e) => e.forwarded.length === 1)]);
      const idA = a.events.forwarded[0]!.paymentIntent.id;
      assert.equal(b.events.forwarded[0]!.paymentIntent.id, idA, 'both forwards answer the same PaymentIntent');
      assert.equal(a.events.forwarded[0]!.paymentIntent.sdkUuid, taken.sdkUuid);
      const charges = await f.stripe.charges.list({ payment_intent: idA });
      assert.equal(charges.data.length, 1, 'charged once');

      // The file put back (a crash between forward and removal): the replay answers the same PaymentIntent, charged once.
      const c = phoneWith(new FileOfflineStorage(pristine));
      await c.phone.terminal.initialize();
      await c.until((e) => e.forwarded.length === 1);
      assert.equal(c.events.forwarded[0]!.paymentIntent.id, idA);
      assert.equal((await f.stripe.charges.list({ payment_intent: idA })).data.length, 1, 'still charged once');
      assert.deepEqual(await storedFiles(pristine), []);
    });

    test('storage: a corrupt record is reported and kept while the others are forwarded; a full storage refuses the payment and loses nothing', async () => {
      const dir = await directory();
      const taker = phoneWith(new FileOfflineStorage(dir));
      await taker.phone.connect(offlineLocation.id);
      await taker.phone.terminal.setSimulatedOfflineMode(true);
      await offlinePayment(taker.phone, 1300, visa);
      taker.phone.terminal.dispose();
      const corrupt = 'payment%3Aoffpi_corrupt.json';
      await writeFile(path.join(dir, corrupt), '{"version":1,"offlineId":"offpi_corr');

      const restarted = phoneWith(new FileOfflineStorage(dir));
      await restarted.phone.terminal.initialize();
      await restarted.until((e) => e.forwarded.length === 1);
      await restarted.phone.terminal.waitForForwarding();
      const failure = restarted.events.failures.find(
        (error) => error?.metadata['reason'] === 'offline_storage_corrupt',
      );
      assert.ok(failure, 'the corrupt record is reported');
      assert.equal(failure.code, ErrorCode.UNEXPECTED_SDK_ERROR);
      assert.equal(failure.metadata['key'], 'payment:offpi_corrupt');
      assert.deepEqual(await storedFiles(dir), [corrupt], 'the corrupt record is kept, never deleted');

      // A storage that cannot take more (disk full): the payment is refused, what was stored stays.
      const memory = new MemoryOfflineStorage();
      let full = false;
      const storage: OfflineStorage = {
        get: (key) => memory.get(key),
        del: (key) => memory.del(key),
        keys: () => memory.keys(),
        set: async (key, value) => {
          if (full && key.startsWith('payment:'))
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          await memory.set(key, value);
        },
      };
      const phone = phoneWith(storage);
      await phone.phone.connect(offlineLocation.id);
      await phone.phone.terminal.setSimulatedOfflineMode(true);
      await offlinePayment(phone.phone, 1400, visa);
      full = true;
      const paymentIntent = await phone.phone.paymentIntent(1500, 'eur');
      phone.phone.ui.tapCard(visa);
      const error = errorOf(await phone.phone.terminal.processPaymentIntent({ paymentIntent }));
      assert.equal(error.code, ErrorCode.UNEXPECTED_SDK_ERROR);
      assert.equal(error.metadata['reason'], 'offline_storage_unavailable');
      assert.match(error.message, /ENOSPC/);
      assert.equal((await phone.phone.terminal.getOfflineStatus()).sdk.offlinePaymentsCount, 1);
      assert.equal((await memory.keys()).filter((key) => key.startsWith('payment:')).length, 1);
      full = false;
      await phone.phone.terminal.setSimulatedOfflineMode(false);
      await phone.until((e) => e.forwarded.length === 1);
      assert.equal(phone.events.forwarded[0]!.paymentIntent.status, 'succeeded');
    });

    test("a device clock far ahead of the server's: the payment is recorded as stored at the server's time", async () => {
      const ahead = 3 * 24 * 3600 * 1000;
      const { phone, until, events } = phoneWith(new MemoryOfflineStorage(), { now: () => Date.now() + ahead });
      await phone.connect(offlineLocation.id);
      await phone.terminal.setSimulatedOfflineMode(true);
      const taken = await offlinePayment(phone, 1100, visa);
      assert.ok(Number(taken.offlineDetails!.storedAtMs) > Date.now() + ahead / 2, 'the device stores its own time');
      await phone.terminal.setSimulatedOfflineMode(false);
      await until((e) => e.forwarded.length === 1);
      const { charge } = await f.charged(events.forwarded[0]!.paymentIntent.id);
      const offline = (charge.payment_method_details?.card_present as unknown as { offline: { stored_at: number } })
        .offline;
      assert.ok(offline.stored_at <= Math.ceil(Date.now() / 1000), 'not in the future');
      assert.ok(offline.stored_at >= charge.created - 1);
    });

    test('the SDK endpoints: bad input is a 4xx with its code and param and writes nothing; a valid forward replayed answers the same PaymentIntent', async () => {
      const token = (await f.stripe.terminal.connectionTokens.create()).secret;
      const sdk = async (method: string, route: string, body?: unknown) => {
        const response = await fetch(`${f.server.baseUrl}/opentill/v1/sdk${route}`, {
          method,
          headers: { 'content-type': 'application/json', ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      let secret = '';
      secret = (await sdk('POST', '/sessions', { connection_token: token })).body['secret'] as string;
      const settings = await sdk('GET', `/offline/settings?location=${offlineLocation.id}`);
      assert.equal(settings.status, 200);
      assert.equal(settings.body['enabled'], true);
      assert.equal((await sdk('GET', `/offline/settings?location=${onlineOnlyLocation.id}`)).body['enabled'], false);
      const noLocation = await sdk('GET', '/offline/settings');
      assert.deepEqual(
        [noLocation.status, noLocation.body['error']['code'], noLocation.body['error']['param']],
        [400, 'parameter_missing', 'location'],
      );
      const unknown = await sdk('GET', '/offline/settings?location=tml_nope');
      assert.deepEqual([unknown.status, unknown.body['error']['code']], [404, 'resource_missing']);

      const key = createPublicKey({
        key: Buffer.from(settings.body['encryption_key']['spki'] as string, 'base64'),
        format: 'der',
        type: 'spki',
      });
      const seal = (card: unknown) =>
        publicEncrypt(
          { key, padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
          Buffer.from(JSON.stringify(card)),
        ).toString('base64url');
      const valid = {
        offline_id: `offpi_badinput${Date.now()}`,
        stored_at: Date.now(),
        key_id: settings.body['encryption_key']['id'],
        sealed_card: seal({ number: visa, wallet: null }),
        payment_intent: { amount: 1000, currency: 'eur' },
      };
      const before = (await listAll(f.stripe.paymentIntents.list({ limit: 100 }))).length;
      // Validation errors carry no code, as Stripe's (docs/decisions.md).
      const cases: Array<[Record<string, unknown>, number, string | undefined, string | undefined]> = [
        [{ ...valid, offline_id: undefined }, 400, 'parameter_missing', 'offline_id'],
        [{ ...valid, offline_id: 'short' }, 400, undefined, 'offline_id'],
        [{ ...valid, offline_id: 'has spaces in it' }, 400, undefined, 'offline_id'],
        [{ ...valid, payment_intent: 'x' }, 400, undefined, 'payment_intent'],
        [
          { ...valid, payment_intent: { amount: 10, currency: 'eur' } },
          400,
          'amount_too_small',
          'payment_intent[amount]',
        ],
        [
          { ...valid, payment_intent: { amount: 1000, currency: 'eur', confirm: true } },
          400,
          undefined,
          'payment_intent',
        ],
        [{ ...valid, payment_intent: { amount: 1000 } }, 400, 'parameter_missing', 'currency'],
        [{ ...valid, sealed_card: 'not-sealed' }, 400, 'MISSING_EMV_DATA', 'sealed_card'],
        [{ ...valid, sealed_card: seal({ wallet: null }) }, 400, 'MISSING_EMV_DATA', 'sealed_card'],
        [{ ...valid, key_id: 'offkey_of_another_account' }, 400, 'ACCOUNT_ID_MISMATCH_WHILE_FORWARDING', 'key_id'],
        [{ ...valid, stored_at: -1 }, 400, 'parameter_invalid_integer', 'stored_at'],
        [{ ...valid, surprise: 1 }, 400, 'parameter_unknown', 'surprise'],
      ];
      for (const [body, status, code, param] of cases) {
        const answer = await sdk('POST', '/offline/payments', body);
        assert.equal(answer.status, status, JSON.stringify(answer.body));
        assert.equal(answer.body['error']['code'], code, JSON.stringify(answer.body));
        if (param) assert.equal(answer.body['error']['param'], param, JSON.stringify(answer.body));
      }
      assert.equal((await listAll(f.stripe.paymentIntents.list({ limit: 100 }))).length, before, 'nothing written');

      const first = await sdk('POST', '/offline/payments', valid);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body['forwarded_now'], true);
      assert.equal(first.body['payment_intent']['status'], 'succeeded');
      const replay = await sdk('POST', '/offline/payments', {
        ...valid,
        payment_intent: { amount: 9999, currency: 'usd' },
      });
      assert.equal(replay.body['forwarded_now'], false);
      assert.equal(
        replay.body['payment_intent']['id'],
        first.body['payment_intent']['id'],
        'the first outcome, whatever the replay carries',
      );
      assert.equal(
        (await f.stripe.charges.list({ payment_intent: first.body['payment_intent']['id'] as string })).data.length,
        1,
      );
    });

    test('the token provider failing while forwarding: onDidForwardingFailure, the payment kept, forwarded once it works again', async () => {
      let failing = false;
      const { phone, events, until } = phoneWith(new MemoryOfflineStorage(), {
        tokenProvider: async () => {
          if (failing) throw new Error('backend down');
          return (await f.stripe.terminal.connectionTokens.create()).secret;
        },
      });
      await phone.connect(offlineLocation.id);
      await phone.terminal.setSimulatedOfflineMode(true);
      const taken = await offlinePayment(phone, 1900, visa);
      await phone.terminal.disconnectReader(); // ends the session: forwarding needs a new token
      failing = true;
      await phone.terminal.setSimulatedOfflineMode(false);
      await until((e) =>
        e.failures.some((error) => error?.code === ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR_WHILE_FORWARDING),
      );
      assert.equal(events.forwarded.length, 0);
      assert.equal((await phone.terminal.getOfflineStatus()).sdk.offlinePaymentsCount, 1);
      failing = false;
      await until((e) => e.forwarded.length === 1);
      assert.equal(events.forwarded[0]!.paymentIntent.sdkUuid, taken.sdkUuid);
      assert.equal(events.forwarded[0]!.paymentIntent.status, 'succeeded');
    });

    test('the account offline limits (/opentill/v1/offline/limits): checked, changed, handed to the device at connection', async () => {
      const limitsApi = async (method: 'GET' | 'POST', params?: Record<string, string>) => {
        const response = await fetch(`${f.server.baseUrl}/opentill/v1/offline/limits`, {
          method,
          headers: {
            authorization: `Bearer ${f.server.secretKey}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          ...(params ? { body: new URLSearchParams(params).toString() } : {}),
        });
        return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
      };
      const defaults = await limitsApi('GET');
      assert.equal(defaults.status, 200);
      assert.equal(defaults.body['transaction_amount_max']['eur'], limits.offlineTransactionAmountMaxDefault.eur);
      assert.equal(defaults.body['payment_age_max_seconds'], limits.offlinePaymentAgeMaxMs / 1000);
      const refused: Array<[Record<string, string>, string | undefined, string]> = [
        [
          { 'transaction_amount_max[eur]': '5000', 'stored_amount_max[eur]': '4000' },
          undefined,
          'stored_amount_max[eur]',
        ],
        [{ 'transaction_amount_max[xyz]': '5000' }, undefined, 'transaction_amount_max[xyz]'],
        [{ payment_count_max: '0' }, 'parameter_invalid_integer', 'payment_count_max'],
        [{ 'stored_amount_max[eur]': '-5' }, 'parameter_invalid_integer', 'stored_amount_max[eur]'],
        [{ color: 'red' }, 'parameter_unknown', 'color'],
      ];
      for (const [params, code, param] of refused) {
        const answer = await limitsApi('POST', params);
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.equal(answer.body['error']['code'], code, JSON.stringify(answer.body));
        assert.equal(answer.body['error']['param'], param, JSON.stringify(answer.body));
      }
      assert.deepEqual((await limitsApi('GET')).body, defaults.body, 'nothing written');

      const changed = await limitsApi('POST', {
        'transaction_amount_max[eur]': '3000',
        'stored_amount_max[eur]': '4000',
        payment_count_max: '2',
        'transaction_amount_max[usd]': '',
        'stored_amount_max[usd]': '',
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      assert.equal(changed.body['object'], 'opentill.offline_limits');
      assert.equal(changed.body['transaction_amount_max']['usd'], undefined);
      try {
        const { phone } = phoneWith(new MemoryOfflineStorage());
        await phone.connect(offlineLocation.id);
        await phone.terminal.setSimulatedOfflineMode(true);
        assert.equal(
          errorOf(await phone.terminal.createPaymentIntent({ amount: 1000, currency: 'usd' })).code,
          ErrorCode.INVALID_OFFLINE_CURRENCY,
        );
        const refuse = async (amount: number) => {
          const paymentIntent = await phone.paymentIntent(amount, 'eur');
          phone.ui.tapCard(visa, 'google_pay');
          return errorOf(await phone.terminal.processPaymentIntent({ paymentIntent }));
        };
        const tooBig = await refuse(3001);
        assert.deepEqual([tooBig.code, tooBig.metadata['limit']], [ErrorCode.AMOUNT_EXCEEDS_MAX_OFFLINE_AMOUNT, 3000]);
        await offlinePayment(phone, 2500, visa, {}, 'google_pay');
        const overStored = await refuse(1600);
        assert.deepEqual(
          [overStored.code, overStored.metadata['reason']],
          [ErrorCode.OFFLINE_PAYMENTS_DATABASE_TOO_LARGE, 'stored_amount'],
        );
        await offlinePayment(phone, 1000, visa, {}, 'google_pay');
        const tooMany = await refuse(100);
        assert.deepEqual(
          [tooMany.code, tooMany.metadata['reason']],
          [ErrorCode.OFFLINE_PAYMENTS_DATABASE_TOO_LARGE, 'payment_count'],
        );
        phone.terminal.dispose();
      } finally {
        const restored = await limitsApi('POST', {
          'transaction_amount_max[eur]': String(defaults.body['transaction_amount_max']['eur']),
          'stored_amount_max[eur]': String(defaults.body['stored_amount_max']['eur']),
          'transaction_amount_max[usd]': String(defaults.body['transaction_amount_max']['usd']),
          'stored_amount_max[usd]': String(defaults.body['stored_amount_max']['usd']),
          payment_count_max: String(defaults.body['payment_count_max']),
        });
        assert.equal(restored.status, 200, JSON.stringify(restored.body));
      }
    });

    test('offline limits and rules: amount, stored amount, age, currency, online PIN, offlineBehavior', async () => {
      let deviceNow = Date.now();
      const memory = new MemoryOfflineStorage();
      const { phone } = phoneWith(memory, { now: () => deviceNow });
      await phone.connect(offlineLocation.id);
      const terminal = phone.terminal;
      await terminal.setSimulatedOfflineMode(true);
      assert.equal((await terminal.getOfflineStatus()).sdk.networkStatus, 'offline');

      // require_online while offline.
      assert.equal(
        errorOf(
          await terminal.createPaymentIntent({ amount: 1000, currency: 'eur', offlineBehavior: 'require_online' }),
        ).code,
        ErrorCode.NOT_CONNECTED_TO_INTERNET_AND_REQUIRE_ONLINE_SET,
      );
      // An offline PaymentIntent canceled before it is stored; a stored one is not canceled by the SDK.
      const dropped = await phone.paymentIntent(700, 'eur');
      assert.equal(paid(await terminal.cancelPaymentIntent({ paymentIntent: dropped })).status, 'canceled');
      assert.equal(
        errorOf(await terminal.collectPaymentMethod({ paymentIntent: dropped })).code,
        ErrorCode.INVALID_REQUIRED_PARAMETER,
      );
      const kept = await offlinePayment(phone, 800, visa, {}, 'google_pay');
      assert.equal(
        errorOf(await terminal.cancelPaymentIntent({ paymentIntent: kept })).code,
        ErrorCode.UNEXPECTED_OPERATION,
      );
      // A currency without offline limits.
      assert.equal(
        errorOf(await terminal.createPaymentIntent({ amount: 1000, currency: 'inr' })).code,
        ErrorCode.INVALID_OFFLINE_CURRENCY,
      );

      // One payment above the per-transaction limit.
      const max = limits.offlineTransactionAmountMaxDefault.eur;
      const big = await phone.paymentIntent(max + 1, 'eur');
      phone.ui.tapCard(visa, 'google_pay');
      const tooBig = errorOf(await terminal.processPaymentIntent({ paymentIntent: big }));
      assert.equal(tooBig.code, ErrorCode.AMOUNT_EXCEEDS_MAX_OFFLINE_AMOUNT);

      // Above the contactless CVM limit a card needs a PIN, which Tap to Pay takes online only; a phone wallet verifies on the device.
      const cvm = resolveCvmLimits()['FR']!;
      assert.ok(cvm.limit !== null && cvm.limit < max);
      const pinNeeded = await phone.paymentIntent(cvm.limit + 100, 'eur');
      phone.ui.tapCard(visa);
      assert.equal(
        errorOf(await terminal.processPaymentIntent({ paymentIntent: pinNeeded })).code,
        ErrorCode.ONLINE_PIN_NOT_SUPPORTED_OFFLINE,
      );
      await offlinePayment(phone, cvm.limit + 100, visa, {}, 'google_pay');

      // The age of the oldest stored payment.
      deviceNow += limits.offlinePaymentAgeMaxMs + 1000;
      const late = await phone.paymentIntent(500, 'eur');
      phone.ui.tapCard(visa);
      const tooOld = errorOf(await terminal.processPaymentIntent({ paymentIntent: late }));
      assert.equal(tooOld.code, ErrorCode.OFFLINE_PAYMENTS_DATABASE_TOO_LARGE);
      assert.equal(tooOld.metadata['reason'], 'payment_age');
      deviceNow -= limits.offlinePaymentAgeMaxMs + 1000;

      // The stored amount: payments up to the limit, then one more is refused.
      const storedMax = limits.offlineStoredAmountMaxDefault.eur;
      let stored = (await terminal.getOfflineStatus()).sdk.offlinePaymentAmountsByCurrency['eur'] ?? 0;
      while (stored + max <= storedMax) {
        await offlinePayment(phone, max, visa, {}, 'google_pay');
        stored += max;
      }
      const over = await phone.paymentIntent(storedMax - stored + 1, 'eur');
      phone.ui.tapCard(visa, 'google_pay');
      const full = errorOf(await terminal.processPaymentIntent({ paymentIntent: over }));
      assert.equal(full.code, ErrorCode.OFFLINE_PAYMENTS_DATABASE_TOO_LARGE);
      assert.equal(full.metadata['reason'], 'stored_amount');
      assert.equal((await terminal.getOfflineStatus()).sdk.offlinePaymentAmountsByCurrency['eur'], stored);

      // force_offline at a Location whose Configuration does not enable offline mode.
      terminal.dispose();
      const other = phoneWith(new MemoryOfflineStorage());
      await other.phone.connect(onlineOnlyLocation.id);
      assert.equal(
        errorOf(
          await other.phone.terminal.createPaymentIntent({
            amount: 1000,
            currency: 'eur',
            offlineBehavior: 'force_offline',
          }),
        ).code,
        ErrorCode.FORCE_OFFLINE_WITH_FEATURE_DISABLED,
      );
      await other.phone.terminal.setSimulatedOfflineMode(true);
      assert.equal(
        errorOf(await other.phone.terminal.createPaymentIntent({ amount: 1000, currency: 'eur' })).code,
        ErrorCode.STRIPE_API_CONNECTION_ERROR,
        'prefer_online without offline mode: the network error',
      );
      await other.phone.terminal.setSimulatedOfflineMode(false);
    });
  });
