/**
 * Shared set-up of the mobile Tap to Pay SDK tests (tap-to-pay-sdk*.test.ts): a real server,
 * stripe-node, Locations by country, and phones — a `MobileTerminal` with a scripted customer and
 * a record of every callback.
 */
import assert from 'node:assert/strict';
import type Stripe from 'stripe';
import { defaultIosReleases, type DeviceFacts } from '@opentill/core';
import {
  createMobileTerminal,
  ScriptedTapToPayUi,
  type ConnectTapToPayParams,
  type ConnectionStatus,
  type DisconnectReason,
  type MobileTerminal,
  type MobileTerminalOptions,
  type PaymentIntent,
  type PaymentStatus,
  type Reader,
  type ReaderDisplayMessage,
  type ReaderInputOptions,
  type StripeError,
} from '@opentill/terminal-sdk/mobile';
import type { StoreKind } from '@opentill/testkit';
import { terminalFixture, type TerminalFixture } from './terminal-fixture.js';

/** An iOS version newer than the newest release core knows: always "released within the last year". */
export const currentIos = (() => {
  const newest = defaultIosReleases[defaultIosReleases.length - 1]!.version.split('.').map(Number);
  return `${newest[0]}.${(newest[1] ?? 0) + 1}`;
})();

/** A security patch from last month (Android: less than 12 months old). */
const recentPatch = (() => {
  const date = new Date(Date.now() - 30 * 24 * 3600 * 1000);
  return date.toISOString().slice(0, 10);
})();

export const goodAndroid: DeviceFacts = {
  platform: 'android',
  osVersion: '15',
  isBeta: false,
  model: 'Pixel 8',
  hasNfc: true,
  nfcEnabled: true,
  cpuArch: 'arm64-v8a',
  rooted: false,
  bootloaderUnlocked: false,
  modifiedOs: false,
  isEmulator: false,
  gmsCertified: true,
  hardwareKeystoreVersion: 300,
  securityPatch: recentPatch,
  developerOptions: false,
  accessibilityServices: false,
  screenRecording: false,
  overlays: false,
  internet: true,
  debuggable: false,
  sdkVersion: '5.0.0',
};

export const goodIphone: DeviceFacts = {
  platform: 'ios',
  osVersion: currentIos,
  isBeta: false,
  model: 'iPhone 15',
  hasNfc: true,
  nfcEnabled: true,
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

/** Everything a phone's callbacks reported, in order. */
export interface PhoneEvents {
  connection: ConnectionStatus[];
  payment: PaymentStatus[];
  inputs: ReaderInputOptions[][];
  messages: ReaderDisplayMessage[];
  discovered: Reader[][];
  finishedDiscovering: Array<StripeError | undefined>;
  reconnectStarted: Array<{ reader: Reader; reason?: DisconnectReason }>;
  reconnectSucceeded: Reader[];
  reconnectFailed: Reader[];
  disconnects: Array<DisconnectReason | undefined>;
  termsAccepted: number;
}

export interface Phone {
  terminal: MobileTerminal;
  ui: ScriptedTapToPayUi;
  events: PhoneEvents;
  tokenFetches: () => number;
  /** Waits until `check` holds on the events (each callback re-checks it). */
  until(check: (events: PhoneEvents) => boolean): Promise<void>;
  /** initialize + discover + connect at `locationId`; asserts success. */
  connect(locationId: string, params?: Partial<ConnectTapToPayParams> & { simulated?: boolean }): Promise<Reader>;
  /** A PaymentIntent created by the SDK (asserts success). */
  paymentIntent(amount: number, currency: string, extra?: Record<string, unknown>): Promise<PaymentIntent>;
}

export interface TapToPayFixture extends TerminalFixture {
  phone(options?: {
    device?: Partial<DeviceFacts>;
    installationId?: string;
    options?: Partial<MobileTerminalOptions>;
  }): Phone;
  /** The server's PaymentIntent with its latest charge expanded (stripe-node). */
  charged(paymentIntentId: string): Promise<{ paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge }>;
}

let installations = 0;

export async function tapToPayFixture(name: string, store: StoreKind = 'sqlite'): Promise<TapToPayFixture> {
  const base = await terminalFixture(store, name);
  const phones: Phone[] = [];

  const fixture: TapToPayFixture = {
    ...base,
    async charged(paymentIntentId) {
      const paymentIntent = await base.stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] });
      assert.ok(
        paymentIntent.latest_charge && typeof paymentIntent.latest_charge === 'object',
        'the PaymentIntent has a charge',
      );
      return { paymentIntent, charge: paymentIntent.latest_charge };
    },

    phone({ device = {}, installationId, options = {} } = {}) {
      installations += 1;
      let fetches = 0;
      const watchers = new Set<() => void>();
      const events: PhoneEvents = {
        connection: [],
        payment: [],
        inputs: [],
        messages: [],
        discovered: [],
        finishedDiscovering: [],
        reconnectStarted: [],
        reconnectSucceeded: [],
        reconnectFailed: [],
        disconnects: [],
        termsAccepted: 0,
      };
      const record = (change: () => void) => {
        change();
        for (const watch of [...watchers]) watch();
      };
      const ui = new ScriptedTapToPayUi();
      const platform = device.platform ?? 'android';
      const terminal = createMobileTerminal({
        apiBase: base.server.baseUrl,
        tokenProvider: async () => {
          fetches += 1;
          return (await base.stripe.terminal.connectionTokens.create()).secret;
        },
        device: { ...(platform === 'ios' ? goodIphone : goodAndroid), ...device },
        installationId: installationId ?? `${name}-phone-${installations}`,
        ui,
        callbacks: {
          onDidChangeConnectionStatus: (status) => record(() => events.connection.push(status)),
          onDidChangePaymentStatus: (status) => record(() => events.payment.push(status)),
          onDidRequestReaderInput: (inputs) => record(() => events.inputs.push(inputs)),
          onDidRequestReaderDisplayMessage: (message) => record(() => events.messages.push(message)),
          onUpdateDiscoveredReaders: (readers) => record(() => events.discovered.push(readers)),
          onFinishDiscoveringReaders: (error) => record(() => events.finishedDiscovering.push(error)),
          onDidStartReaderReconnect: (reader, reason) => record(() => events.reconnectStarted.push({ reader, reason })),
          onDidSucceedReaderReconnect: (reader) => record(() => events.reconnectSucceeded.push(reader)),
          onDidFailReaderReconnect: (reader) => record(() => events.reconnectFailed.push(reader)),
          onDidDisconnect: (reason) => record(() => events.disconnects.push(reason)),
          onDidAcceptTermsOfService: () =>
            record(() => {
              events.termsAccepted += 1;
            }),
        },
        ...options,
      });
      const phone: Phone = {
        terminal,
        ui,
        events,
        tokenFetches: () => fetches,
        until(check) {
          return new Promise((resolve) => {
            const watch = () => {
              if (!check(events)) return;
              watchers.delete(watch);
              resolve();
            };
            watchers.add(watch);
            watch();
          });
        },
        async connect(locationId, params = {}) {
          if (!terminal.isInitialized) assert.deepEqual(await terminal.initialize(), {});
          const discovery = await terminal.discoverReaders({
            discoveryMethod: 'tapToPay',
            simulated: params.simulated ?? true,
          });
          assert.equal(discovery.error, undefined, JSON.stringify(discovery.error));
          const connected = await terminal.connectReader({
            discoveryMethod: 'tapToPay',
            reader: terminal.discoveredReaders[0]!,
            locationId,
            ...params,
          });
          assert.equal(connected.error, undefined, JSON.stringify(connected.error));
          return connected.reader!;
        },
        async paymentIntent(amount, currency, extra = {}) {
          const created = await terminal.createPaymentIntent({ amount, currency, ...extra });
          assert.equal(created.error, undefined, JSON.stringify(created.error));
          return created.paymentIntent!;
        },
      };
      phones.push(phone);
      return phone;
    },

    async stop() {
      for (const phone of phones) {
        if (phone.terminal.getConnectedReader() || phone.terminal.getConnectionStatus() === 'reconnecting') {
          await phone.terminal.disconnectReader();
        }
      }
      await base.stop();
    },
  };
  return fixture;
}

/** The error of an SDK result (fails the test on success). */
export function errorOf(result: { error?: StripeError }): StripeError {
  assert.ok(result.error, `expected an error, got ${JSON.stringify(result).slice(0, 400)}`);
  return result.error;
}

/** The PaymentIntent of an SDK result (fails the test on an error). */
export function paid(result: { paymentIntent?: PaymentIntent; error?: StripeError }): PaymentIntent {
  assert.equal(result.error, undefined, JSON.stringify(result.error));
  assert.ok(result.paymentIntent);
  return result.paymentIntent;
}
