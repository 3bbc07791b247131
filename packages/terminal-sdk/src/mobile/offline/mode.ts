/**
 * Offline mode of the mobile SDK (docs/offline.md), as Stripe documents it for Terminal:
 *
 * - The network status is what the SDK's own calls see: a call that could not reach the server
 *   makes it `offline`, any answer makes it `online`. While offline a probe asks every
 *   `probeIntervalMs` whether the server answers again. `setSimulatedOfflineMode(true)` holds it
 *   offline without touching the network.
 * - The Location's Configuration (`offline[enabled]`) and the limits are fetched at connection,
 *   while online, and kept in storage.
 * - `offlineBehavior` decides where a PaymentIntent is created; one created offline has no `id`
 *   (and no `paymentMethod`) until it is forwarded, and is known by its `sdkUuid`.
 * - Collection shows the same tap screen; confirmation checks the limits, seals the card with the
 *   account's offline key and stores the payment (durable before the answer).
 * - When the network is back every stored payment is forwarded, oldest first, each under its own
 *   id (the server's idempotency key): `onDidForwardPaymentIntent` per payment, then it is removed.
 */
import type { ReceiptDetails } from '../rn-types.js';
import type { OfflineSettings, TapToPayUxConfiguration } from '@opentill/core';
import type { Json, SdkTransport, TransportFailure } from '../../transport.js';
import { ErrorCode, fromFailure, stripeError } from '../errors.js';
import type { IntentHandles } from '../intents.js';
import type { Operation } from '../operation.js';
import { readAttemptsMax } from '../payments.js';
import type {
  CollectPaymentMethodParams,
  ConfirmPaymentIntentParams,
  CreatePaymentIntentParams,
  PaymentIntent,
  PaymentIntentResult,
  PaymentStatus,
  StripeError,
  UserCallbacks,
} from '../types.js';
import type { TapScreenResult, TapToPayUi } from '../ui.js';
import { IndexedDbOfflineStorage, MemoryOfflineStorage, type OfflineStorage } from './storage.js';
import type { NetworkStatus, OfflineDetails, OfflineOptions, OfflineStatus } from './types.js';

/** One payment stored on the device. Never the card number: `sealedCard` only the server can open. */
interface StoredPayment {
  version: 1;
  offlineId: string;
  storedAtMs: number;
  location: string;
  reader: string | null;
  keyId: string;
  sealedCard: string;
  /** The body `POST /payment_intents` would have had. */
  create: Json;
  amount: number;
  currency: string;
  captureMethod: string;
  card: { last4: string; wallet: string | null };
}

/** A PaymentIntent created offline, in memory until confirmed (then stored). */
interface OfflineIntent {
  offlineId: string;
  createdAtMs: number;
  create: Json;
  params: CreatePaymentIntentParams;
  card: { number: string; wallet: string | null } | null;
  stored: boolean;
}

export interface OfflineHost {
  transport(): SdkTransport;
  ui(): TapToPayUi;
  intents(): IntentHandles;
  emit<K extends keyof UserCallbacks>(name: K, ...args: Parameters<NonNullable<UserCallbacks[K]>>): void;
  setPaymentStatus(status: PaymentStatus): void;
  /** The connected phone: its Location, reader id, display name. */
  connection(): { locationId: string; readerId: string; merchantDisplayName: string; simulated: boolean } | null;
  platform(): 'ios' | 'android';
  tapScreenUx(): TapToPayUxConfiguration;
  simulatedCard(): string | null;
  /** The network is back and the phone stayed connected locally: connect it on the server again. */
  restoreConnection(): Promise<void>;
}

const paymentKey = (offlineId: string) => `payment:${offlineId}`;
const settingsKey = (location: string) => `settings:${location}`;
const connectionKey = (location: string) => `connection:${location}`;

function newOfflineId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `offpi_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i += 1) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

const storageError = (what: string, error: unknown, key?: string) =>
  stripeError(
    ErrorCode.UNEXPECTED_SDK_ERROR,
    `The offline payments storage could not be ${what}: ${error instanceof Error ? error.message : String(error)}`,
    {
      metadata: {
        reason: what === 'read' ? 'offline_storage_corrupt' : 'offline_storage_unavailable',
        ...(key ? { key } : {}),
      },
    },
  );

export class OfflineMode {
  readonly storage: OfflineStorage;
  private networkStatus: NetworkStatus = 'unknown';
  private simulatedOffline = false;
  private settings = new Map<string, OfflineSettings>();
  /** The server's answer to the last online connection at each Location: what an offline connection reuses. */
  private connections = new Map<string, Json>();
  private payments = new Map<string, StoredPayment>();
  private intents = new Map<string, OfflineIntent>();
  private loaded: Promise<void> | null = null;
  private forwarding: Promise<void> | null = null;
  private probe: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  /** The phone stayed connected while the network was down: connect it on the server when it is back. */
  private heldConnection = false;
  private readonly probeIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly host: OfflineHost,
    private readonly apiBase: string,
    options: OfflineOptions = {},
    private readonly baseFetch: typeof fetch = (...args) => fetch(...args),
  ) {
    this.storage =
      options.storage ??
      (typeof (globalThis as { indexedDB?: unknown }).indexedDB === 'object'
        ? new IndexedDbOfflineStorage()
        : new MemoryOfflineStorage());
    this.probeIntervalMs = options.probeIntervalMs ?? 5000;
    this.now = options.now ?? (() => Date.now());
  }

  // ----------------------------------------------------------------------------------------------
  // Network status
  // ----------------------------------------------------------------------------------------------

  /** The fetch the SDK's transport uses: every call tells the network status. */
  readonly fetch: typeof fetch = async (input, init) => {
    if (this.simulatedOffline) throw new TypeError('fetch failed (simulated offline mode)');
    try {
      const response = await this.baseFetch(input, init);
      this.setNetwork('online');
      return response;
    } catch (error) {
      // An abort by the SDK itself (a canceled long-poll) says nothing about the network.
      if (!(init?.signal?.aborted && (init.signal.reason as { name?: string } | undefined)?.name !== 'TimeoutError'))
        this.setNetwork('offline');
      throw error;
    }
  };

  get isOffline(): boolean {
    return this.simulatedOffline || this.networkStatus === 'offline';
  }

  private setNetwork(status: NetworkStatus): void {
    if (this.networkStatus === status) return;
    const wasOffline = this.networkStatus === 'offline';
    this.networkStatus = status;
    this.emitStatus();
    if (status === 'offline') this.scheduleProbe();
    if (status === 'online' && wasOffline) void this.networkBack();
  }

  private async networkBack(): Promise<void> {
    if (this.heldConnection) {
      this.heldConnection = false;
      await this.host.restoreConnection();
    }
    await this.forwardSoon();
  }

  private scheduleProbe(): void {
    if (this.probe || this.stopped || this.simulatedOffline) return;
    this.probe = setTimeout(() => {
      this.probe = null;
      void this.probeOnce();
    }, this.probeIntervalMs);
    unref(this.probe);
  }

  /** `OPTIONS /opentill/v1/sdk/sessions`: answered without credentials, so it only says whether the server is reachable. */
  private async probeOnce(): Promise<void> {
    if (this.stopped || this.simulatedOffline || this.networkStatus !== 'offline') return;
    try {
      await this.fetch(`${this.apiBase.replace(/\/+$/, '')}/opentill/v1/sdk/sessions`, {
        method: 'OPTIONS',
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      // Still offline.
    }
    if (this.networkStatus === 'offline') this.scheduleProbe();
  }

  /** `setSimulatedOfflineMode`: every call fails as without a network; turning it off checks the network at once. */
  async setSimulated(offline: boolean): Promise<void> {
    this.simulatedOffline = offline;
    if (offline) {
      if (this.probe) clearTimeout(this.probe);
      this.probe = null;
      this.emitStatus();
      return;
    }
    this.networkStatus = 'unknown';
    this.emitStatus();
    await this.probeAndForward();
  }

  private async probeAndForward(): Promise<void> {
    this.networkStatus = 'offline';
    await this.probeOnce();
  }

  /**
   * The state long-poll gave up. With offline payments enabled at the phone's Location and the
   * network down, the phone stays connected (it is the reader); else the connection is lost.
   */
  holdsConnection(): boolean {
    const connection = this.host.connection();
    if (!connection || !this.isOffline || this.settings.get(connection.locationId)?.enabled !== true) return false;
    this.heldConnection = true;
    return true;
  }

  // ----------------------------------------------------------------------------------------------
  // Storage and status
  // ----------------------------------------------------------------------------------------------

  /** Loads what the device stored (a restart); records that cannot be read are kept and reported, never deleted. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      let keys: string[];
      try {
        keys = await this.storage.keys();
      } catch (error) {
        this.host.emit('onDidForwardingFailure', storageError('listed', error));
        return;
      }
      for (const key of keys) {
        let text: string | undefined;
        try {
          text = await this.storage.get(key);
          if (text === undefined) continue;
          const value = JSON.parse(text) as unknown;
          if (key.startsWith('settings:')) this.settings.set(key.slice('settings:'.length), value as OfflineSettings);
          else if (key.startsWith('connection:')) this.connections.set(key.slice('connection:'.length), value as Json);
          else if (key.startsWith('payment:')) this.payments.set(key.slice('payment:'.length), checkedPayment(value));
        } catch (error) {
          this.host.emit('onDidForwardingFailure', storageError('read', error, key));
        }
      }
      this.emitStatus();
    })();
    return this.loaded;
  }

  /** After `initialize`: load, then forward what is stored if the server answers. */
  async start(): Promise<void> {
    await this.load();
    if (this.payments.size > 0) await this.probeAndForward();
  }

  stop(): void {
    this.stopped = true;
    if (this.probe) clearTimeout(this.probe);
    this.probe = null;
  }

  status(): OfflineStatus {
    const amounts: Record<string, number> = {};
    for (const payment of this.payments.values())
      amounts[payment.currency] = (amounts[payment.currency] ?? 0) + payment.amount;
    return {
      sdk: {
        networkStatus: this.simulatedOffline ? 'offline' : this.networkStatus,
        offlinePaymentsCount: this.payments.size,
        offlinePaymentAmountsByCurrency: amounts,
      },
    };
  }

  private emitStatus(): void {
    this.host.emit('onDidChangeOfflineStatus', this.status());
  }

  /** At connection (online): the Location's offline settings and the connection, kept for offline use. */
  async connected(locationId: string, connection: Json): Promise<void> {
    await this.load();
    const answer = await this.host
      .transport()
      .request<OfflineSettings>('GET', `/offline/settings?location=${encodeURIComponent(locationId)}`);
    if (!answer.ok) return;
    this.settings.set(locationId, answer.data);
    this.connections.set(locationId, connection);
    try {
      await this.storage.set(settingsKey(locationId), JSON.stringify(answer.data));
      await this.storage.set(connectionKey(locationId), JSON.stringify(connection));
    } catch {
      // Kept in memory for this run; the next connection stores it again.
    }
  }

  /**
   * `connectReader` could not reach the server: the phone connects offline at a Location where it
   * connected online before and offline mode is enabled (Stripe's rule). Null when this device
   * never used offline mode (the network error stands); else the last online connection's answer,
   * or React Native's error.
   */
  async offlineConnection(locationId: string): Promise<{ connection: Json } | { error: StripeError } | null> {
    await this.load();
    if (this.settings.size === 0) return null;
    const settings = this.settings.get(locationId);
    if (settings?.enabled !== true) {
      return {
        error: stripeError(
          ErrorCode.LOCATION_CONNECTION_NOT_AVAILABLE_OFFLINE,
          `The device is offline and has not connected at ` +
            `Location ${locationId} with offline mode enabled while online: connect there once online first.`,
        ),
      };
    }
    const connection = this.connections.get(locationId);
    if (!connection) {
      return {
        error: stripeError(
          ErrorCode.READER_CONNECTION_NOT_AVAILABLE_OFFLINE,
          'The device is offline and this reader has not ' + 'connected online before: connect it once online first.',
        ),
      };
    }
    this.heldConnection = true;
    return { connection };
  }

  disconnected(): void {
    for (const intent of this.intents.values()) intent.card = null;
    this.heldConnection = false;
  }

  // ----------------------------------------------------------------------------------------------
  // createPaymentIntent
  // ----------------------------------------------------------------------------------------------

  /** Where `createPaymentIntent` goes: online, offline, or refused. */
  decideCreate(params: CreatePaymentIntentParams): 'online' | 'offline' | StripeError {
    const behavior = params.offlineBehavior ?? 'prefer_online';
    if (!['prefer_online', 'require_online', 'force_offline'].includes(behavior)) {
      return stripeError(
        ErrorCode.INVALID_REQUIRED_PARAMETER,
        `offlineBehavior must be prefer_online, require_online or force_offline.`,
      );
    }
    const settings = this.currentSettings();
    if (behavior === 'require_online') {
      return this.isOffline
        ? stripeError(
            ErrorCode.NOT_CONNECTED_TO_INTERNET_AND_REQUIRE_ONLINE_SET,
            'The device is offline and the PaymentIntent was created with offlineBehavior require_online.',
          )
        : 'online';
    }
    if (behavior === 'force_offline') {
      if (settings?.enabled !== true) {
        return stripeError(
          ErrorCode.FORCE_OFFLINE_WITH_FEATURE_DISABLED,
          'A PaymentIntent was created with offlineBehavior ' +
            "force_offline and the reader in use is not configured to operate offline: enable offline[enabled] on its Location's Configuration.",
        );
      }
      return 'offline';
    }
    return this.isOffline && settings?.enabled === true ? 'offline' : 'online';
  }

  /** Whether an online create that could not reach the server falls back to offline (prefer_online). */
  fallsBack(params: CreatePaymentIntentParams, failure: TransportFailure): boolean {
    return (
      (params.offlineBehavior ?? 'prefer_online') === 'prefer_online' &&
      failure.kind !== 'http' &&
      failure.kind !== 'token' &&
      this.currentSettings()?.enabled === true
    );
  }

  private currentSettings(): OfflineSettings | null {
    const connection = this.host.connection();
    return connection ? (this.settings.get(connection.locationId) ?? null) : null;
  }

  createOffline(params: CreatePaymentIntentParams, body: Json): PaymentIntentResult {
    const settings = this.currentSettings();
    if (!settings) {
      return {
        error: stripeError(
          ErrorCode.NOT_CONNECTED_TO_READER,
          'Offline PaymentIntents need a reader connected (while online) ' +
            'at a Location whose Configuration enables offline mode.',
        ),
      };
    }
    if (!Number.isInteger(params.amount) || params.amount <= 0) {
      return {
        error: stripeError(ErrorCode.INVALID_REQUIRED_PARAMETER, 'amount must be a positive integer (minor units).'),
      };
    }
    const currency = params.currency.toLowerCase();
    if (settings.transaction_amount_max[currency] === undefined) {
      return {
        error: stripeError(ErrorCode.INVALID_OFFLINE_CURRENCY, `Offline payments are not available in ${currency}.`),
      };
    }
    const types = (body['payment_method_types'] as string[] | undefined) ?? ['card_present'];
    if (!types.includes('card_present')) {
      return {
        error: stripeError(
          ErrorCode.INTERAC_NOT_SUPPORTED_OFFLINE,
          'Offline payments take card_present only (Interac is not supported offline).',
        ),
      };
    }
    const intent: OfflineIntent = {
      offlineId: newOfflineId(),
      createdAtMs: this.now(),
      create: { ...body, currency },
      params: { ...params, currency },
      card: null,
      stored: false,
    };
    this.intents.set(intent.offlineId, intent);
    return { paymentIntent: this.view(intent, 'requiresPaymentMethod') };
  }

  /** A PaymentIntent this SDK created offline (by its `sdkUuid`). */
  owns(paymentIntent: PaymentIntent | undefined): boolean {
    return typeof paymentIntent?.sdkUuid === 'string' && this.intents.has(paymentIntent.sdkUuid);
  }

  /** `cancelPaymentIntent` of one created offline: before it is stored it is simply dropped. */
  cancel(paymentIntent: PaymentIntent): PaymentIntentResult {
    const intent = this.intents.get(paymentIntent.sdkUuid);
    if (!intent)
      return { error: stripeError(ErrorCode.INVALID_REQUIRED_PARAMETER, 'No offline PaymentIntent has this sdkUuid.') };
    if (intent.stored) {
      return {
        error: stripeError(
          ErrorCode.UNEXPECTED_OPERATION,
          'This offline payment is stored and will be forwarded: cancel or ' +
            'refund it on your backend once onDidForwardPaymentIntent has given its id.',
        ),
      };
    }
    this.intents.delete(intent.offlineId);
    return { paymentIntent: this.view(intent, 'canceled') };
  }

  private view(intent: OfflineIntent, status: PaymentIntent['status'], offlineDetails?: OfflineDetails): PaymentIntent {
    const p = intent.params;
    return {
      id: '',
      sdkUuid: intent.offlineId,
      amount: p.amount,
      currency: p.currency,
      captureMethod: p.captureMethod ?? 'automatic',
      // React Native's shapes: `created` in seconds as a string, absent fields absent (mobile/types.ts).
      charges: [],
      created: String(Math.floor(intent.createdAtMs / 1000)),
      livemode: false,
      metadata: p.metadata ?? {},
      status,
      ...(p.description ? { description: p.description } : {}),
      ...(offlineDetails ? { offlineDetails } : {}),
      apiObject: {
        payment_method_types: (intent.create['payment_method_types'] as string[] | undefined) ?? ['card_present'],
      },
    };
  }

  // ----------------------------------------------------------------------------------------------
  // Collect and confirm
  // ----------------------------------------------------------------------------------------------

  async collect(
    operation: Operation,
    params: CollectPaymentMethodParams,
    thenConfirm = false,
  ): Promise<PaymentIntentResult> {
    const intent = this.intents.get(params.paymentIntent.sdkUuid);
    const connection = this.host.connection();
    if (!intent || !connection)
      return { error: stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'No reader is connected.') };
    if (intent.stored) {
      return {
        error: stripeError(
          ErrorCode.UNEXPECTED_OPERATION,
          'This offline PaymentIntent was already confirmed and stored.',
        ),
      };
    }
    const settings = this.settings.get(connection.locationId)!;
    intent.card = null;
    this.host.setPaymentStatus('waitingForInput');
    let collected = false;
    try {
      this.host.emit('onDidRequestReaderInput', ['tapCard']);
      let retryMessage: string | null = null;
      for (let failed = 0; ;) {
        const screen = await present(operation, (signal) =>
          this.host.ui().presentTapScreen(
            {
              amount: intent.params.amount,
              currency: intent.params.currency,
              merchantDisplayName: connection.merchantDisplayName,
              platform: this.host.platform(),
              simulated: connection.simulated,
              ux: this.host.tapScreenUx(),
              retryMessage,
              ...(connection.simulated ? { simulatedCard: this.host.simulatedCard() } : {}),
            },
            signal,
          ),
        );
        if ('name' in screen) return { error: screen };
        if (operation.aborted) return { error: operation.abortedError() };
        if (screen.kind === 'canceled')
          return { error: stripeError(ErrorCode.CANCELED, 'The customer canceled the payment.') };
        if (screen.kind === 'read_error' || !luhn(screen.card.number)) {
          failed += 1;
          if (failed >= readAttemptsMax) {
            return {
              error: await this.outcome(
                stripeError(ErrorCode.CARD_READ_TIMED_OUT, `The card could not be read (${failed} attempts).`),
              ),
            };
          }
          retryMessage =
            screen.kind === 'read_error'
              ? 'The card could not be read. Hold it against the phone until it vibrates.'
              : 'This card could not be used. Try another card.';
          this.host.emit(
            'onDidRequestReaderDisplayMessage',
            screen.kind === 'read_error' ? 'retryCard' : 'tryAnotherCard',
          );
          continue;
        }
        // Offline there is no online PIN: above the contactless CVM limit only a wallet (verified on the device) is accepted.
        const limit = settings.cvm_limit;
        if (
          limit &&
          limit.amount !== null &&
          limit.currency === intent.params.currency &&
          intent.params.amount > limit.amount &&
          !screen.card.wallet
        ) {
          return {
            error: await this.outcome(
              stripeError(
                ErrorCode.ONLINE_PIN_NOT_SUPPORTED_OFFLINE,
                `Above ${limit.amount} ${limit.currency} ` +
                  'this card needs a PIN, and Tap to Pay takes PINs online only: try again once online, or with a phone wallet.',
              ),
            ),
          };
        }
        intent.card = { number: screen.card.number, wallet: screen.card.wallet ?? null };
        await this.showOutcome({ kind: 'success', message: 'Card read' });
        collected = true;
        return { paymentIntent: this.view(intent, 'requiresConfirmation') };
      }
    } finally {
      if (this.host.connection() && !(collected && thenConfirm)) this.host.setPaymentStatus('ready');
    }
  }

  async confirm(operation: Operation, params: ConfirmPaymentIntentParams): Promise<PaymentIntentResult> {
    const intent = this.intents.get(params.paymentIntent.sdkUuid);
    const connection = this.host.connection();
    if (!intent || !connection)
      return { error: stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'No reader is connected.') };
    const card = intent.card;
    if (!card || intent.stored) {
      return {
        error: stripeError(
          ErrorCode.CONFIRM_INVALID_PAYMENT_INTENT,
          'confirmPaymentIntent needs the PaymentIntent whose payment method was just collected (collectPaymentMethod).',
        ),
      };
    }
    operation.cancelable = false;
    this.host.setPaymentStatus('processing');
    try {
      await this.load();
      const settings = this.settings.get(connection.locationId)!;
      const refused = this.checkLimits(settings, intent.params.currency, intent.params.amount);
      if (refused) return { error: refused };
      let sealedCard: string;
      try {
        sealedCard = await seal(settings.encryption_key.spki, JSON.stringify(card));
      } catch (error) {
        return {
          error: stripeError(
            ErrorCode.OFFLINE_ENCRYPTION_KEYS_UNAVAILABLE,
            `The card could not be sealed: ${(error as Error).message}`,
          ),
        };
      }
      const storedAtMs = this.now();
      const payment: StoredPayment = {
        version: 1,
        offlineId: intent.offlineId,
        storedAtMs,
        location: connection.locationId,
        reader: connection.readerId,
        keyId: settings.encryption_key.id,
        sealedCard,
        create: intent.create,
        amount: intent.params.amount,
        currency: intent.params.currency,
        captureMethod: intent.params.captureMethod ?? 'automatic',
        card: { last4: card.number.slice(-4), wallet: card.wallet },
      };
      try {
        await this.storage.set(paymentKey(payment.offlineId), JSON.stringify(payment));
      } catch (error) {
        // Not stored: the payment is not taken (the customer is asked for another way to pay); nothing stored before is touched.
        return { error: storageError('written', error, paymentKey(payment.offlineId)) };
      }
      intent.stored = true;
      intent.card = null;
      this.payments.set(payment.offlineId, payment);
      this.emitStatus();
      return { paymentIntent: this.view(intent, 'requiresCapture', detailsOf(payment)) };
    } finally {
      if (this.host.connection()) this.host.setPaymentStatus('ready');
    }
  }

  /** The documented limits: one payment's amount, the stored amount and count, the age of the oldest. */
  private checkLimits(settings: OfflineSettings, currency: string, amount: number): StripeError | null {
    const transactionMax = settings.transaction_amount_max[currency];
    if (transactionMax === undefined)
      return stripeError(ErrorCode.INVALID_OFFLINE_CURRENCY, `Offline payments are not available in ${currency}.`);
    if (amount > transactionMax) {
      return stripeError(
        ErrorCode.AMOUNT_EXCEEDS_MAX_OFFLINE_AMOUNT,
        `The amount ${amount} ${currency} exceeds the maximum of ` +
          `${transactionMax} ${currency} for one offline payment.`,
        { metadata: { limit: transactionMax } },
      );
    }
    const stored = this.status().sdk.offlinePaymentAmountsByCurrency[currency] ?? 0;
    const storedMax = settings.stored_amount_max[currency] ?? transactionMax;
    const tooLarge = (reason: string, message: string, limit: number) =>
      stripeError(
        ErrorCode.OFFLINE_PAYMENTS_DATABASE_TOO_LARGE,
        `${message} Bring the device back online to forward the stored payments before collecting more.`,
        { metadata: { reason, limit } },
      );
    if (stored + amount > storedMax) {
      return tooLarge(
        'stored_amount',
        `Storing ${amount} ${currency} more would exceed the ${storedMax} ${currency} offline payments may hold.`,
        storedMax,
      );
    }
    if (this.payments.size >= settings.payment_count_max) {
      return tooLarge(
        'payment_count',
        `${this.payments.size} offline payments are stored (at most ${settings.payment_count_max}).`,
        settings.payment_count_max,
      );
    }
    const oldest = Math.min(...[...this.payments.values()].map((p) => p.storedAtMs));
    if (Number.isFinite(oldest) && this.now() - oldest > settings.payment_age_max_ms) {
      return tooLarge(
        'payment_age',
        `The oldest stored offline payment is older than ${settings.payment_age_max_ms} ms.`,
        settings.payment_age_max_ms,
      );
    }
    return null;
  }

  private async outcome(error: StripeError): Promise<StripeError> {
    await this.showOutcome({ kind: 'error', message: error.message });
    return error;
  }

  private async showOutcome(screen: { kind: 'success' | 'error'; message: string }): Promise<void> {
    try {
      await this.host.ui().showOutcome(screen, this.host.tapScreenUx());
    } finally {
      this.host.ui().dismiss();
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Forwarding
  // ----------------------------------------------------------------------------------------------

  /** Starts forwarding unless it runs already; resolves when that run ends. */
  forwardSoon(): Promise<void> {
    this.forwarding ??= this.forwardAll().finally(() => {
      this.forwarding = null;
    });
    return this.forwarding;
  }

  /** Resolves once nothing is left to forward now (test and shutdown aid; a bounded run, never a wait for the network). */
  async drained(): Promise<void> {
    while (this.forwarding) await this.forwarding;
  }

  private async forwardAll(): Promise<void> {
    await this.load();
    for (;;) {
      if (this.stopped || this.isOffline) return;
      const next = [...this.payments.values()].sort((a, b) => a.storedAtMs - b.storedAtMs)[0];
      if (!next) return;
      const answer = await this.host
        .transport()
        .request<{ payment_intent: Json; error: Json | null }>('POST', '/offline/payments', {
          offline_id: next.offlineId,
          stored_at: next.storedAtMs,
          payment_intent: next.create,
          sealed_card: next.sealedCard,
          key_id: next.keyId,
          ...(next.reader ? { reader: next.reader } : {}),
        });
      if (!answer.ok) {
        if (answer.kind === 'network' || answer.kind === 'timeout') return;
        const error =
          answer.kind === 'token'
            ? stripeError(ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR_WHILE_FORWARDING, answer.error.message)
            : fromFailure(answer);
        this.host.emit('onDidForwardingFailure', error);
        // A refusal that will never change (a 4xx other than rate limits): the payment cannot be forwarded. It stays stored
        // (nothing is lost), set aside until the next start, and the app is told; anything else is retried later.
        if (
          answer.kind === 'http' &&
          answer.status >= 400 &&
          answer.status < 500 &&
          answer.status !== 429 &&
          answer.status !== 409
        ) {
          this.payments.delete(next.offlineId);
          this.host.emit('onDidForwardPaymentIntent', this.forwardedView(next, null), error);
          continue;
        }
        this.retryLater();
        return;
      }
      try {
        await this.storage.del(paymentKey(next.offlineId));
      } catch (error) {
        // Forwarded, still stored: the next forward is a replay the server answers without charging.
        this.host.emit('onDidForwardingFailure', storageError('updated', error, paymentKey(next.offlineId)));
      }
      this.payments.delete(next.offlineId);
      this.intents.delete(next.offlineId);
      const decline = answer.data.error;
      const error = decline
        ? stripeError(ErrorCode.DECLINED_BY_STRIPE_API, String(decline['message'] ?? 'The payment was declined.'), {
            nativeErrorCode: String(decline['code'] ?? 'card_declined'),
            metadata: { ...(decline['decline_code'] ? { declineCode: decline['decline_code'] } : {}) },
          })
        : undefined;
      this.host.emit('onDidForwardPaymentIntent', this.forwardedView(next, answer.data.payment_intent), error);
      this.emitStatus();
    }
  }

  private retryLater(): void {
    if (this.stopped) return;
    unref(
      setTimeout(() => {
        void this.forwardSoon();
      }, this.probeIntervalMs),
    );
  }

  /** The forwarded payment as the server has it now (with its id), under the handle the app knew it by. */
  private forwardedView(payment: StoredPayment, api: Json | null): PaymentIntent {
    const known = api ? this.host.intents().wrap(api, null, payment.offlineId) : null;
    const details = detailsOf(payment, false);
    if (known) return { ...known, offlineDetails: details };
    const intent: OfflineIntent = {
      offlineId: payment.offlineId,
      createdAtMs: payment.storedAtMs,
      create: payment.create,
      params: {
        amount: payment.amount,
        currency: payment.currency,
        captureMethod: payment.captureMethod as 'automatic',
      },
      card: null,
      stored: true,
    };
    return this.view(intent, 'requiresCapture', details);
  }
}

/** A Node timer does not keep the process alive for the probe alone (a browser timer has no `unref`). */
function unref(timer: unknown): void {
  (timer as { unref?: () => void } | null)?.unref?.();
}

function detailsOf(payment: StoredPayment, requiresUpload = true): OfflineDetails {
  return {
    storedAtMs: String(payment.storedAtMs),
    requiresUpload,
    cardPresentDetails: {
      brand: '',
      cardholderName: '',
      expMonth: 0,
      expYear: 0,
      last4: payment.card.last4,
      readMethod: 'contactless_emv',
      receiptDetails: {} as ReceiptDetails,
    },
    amountDetails: {},
  };
}

function checkedPayment(value: unknown): StoredPayment {
  const p = value as Partial<StoredPayment> | null;
  if (
    !p ||
    p.version !== 1 ||
    typeof p.offlineId !== 'string' ||
    typeof p.sealedCard !== 'string' ||
    typeof p.amount !== 'number' ||
    typeof p.currency !== 'string' ||
    typeof p.storedAtMs !== 'number' ||
    typeof p.create !== 'object'
  ) {
    throw new Error('not a stored offline payment');
  }
  return p as StoredPayment;
}

/** RSA-OAEP (SHA-256) with the server's offline key (WebCrypto: the same code in a browser and in Node). */
async function seal(spkiBase64: string, plain: string): Promise<string> {
  const der = Uint8Array.from(atob(spkiBase64), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('spki', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, new TextEncoder().encode(plain)),
  );
  let binary = '';
  for (const byte of sealed) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A UI call that `operation.cancel()` interrupts; a UI that throws is an SDK error. */
async function present(
  operation: Operation,
  show: (signal: AbortSignal) => Promise<TapScreenResult>,
): Promise<TapScreenResult | StripeError> {
  try {
    const aborted = new Promise<TapScreenResult>((resolve) => {
      if (operation.signal.aborted) resolve({ kind: 'canceled' });
      operation.signal.addEventListener('abort', () => resolve({ kind: 'canceled' }), { once: true });
    });
    const result = await Promise.race([show(operation.signal), aborted]);
    return operation.aborted ? operation.abortedError() : result;
  } catch (error) {
    return stripeError(
      ErrorCode.UNEXPECTED_SDK_ERROR,
      `The Tap to Pay UI failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
