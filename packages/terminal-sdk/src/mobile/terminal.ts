/**
 * `MobileTerminal`: the React Native SDK's surface for a phone that is its own Tap to Pay reader
 * (docs/tap-to-pay-sdk.md), talking to OpenTill's `/opentill/v1/sdk/…` endpoints.
 *
 * - Results are values (`{…payload}` or `{error}`), never rejections; calling anything but
 *   `clearCachedCredentials` and the state getters before `initialize` throws, as React Native does.
 * - Credentials: `initialize` asks `tokenProvider` for a token at once and redeems it for an SDK
 *   session; later tokens are asked for when the session ended (disconnect) or expired.
 * - One long operation at a time (operation.ts); the payment flow itself is payments.ts.
 * - While connected, the state long-poll (state.ts) watches for an unexpected disconnect and, with
 *   `autoReconnectOnUnexpectedDisconnect`, reconnects.
 */
import {
  checkDevice,
  defaultTapToPayUxConfiguration,
  validateTapToPayUxConfiguration,
  type DeviceFacts,
  type TapToPayUxConfiguration,
} from '@opentill/core';
import { SdkTransport, type Json, type TransportResult } from '../transport.js';
import { ErrorCode, fromFailure, mobileCodeOf, stripeError } from './errors.js';
import { IntentHandles } from './intents.js';
import { createPaymentIntentBody, readerFrom } from './mapping.js';
import { OperationSlot, type Operation } from './operation.js';
import { Payments, type PaymentHost, type PinEnvironmentWire } from './payments.js';
import { StateMonitor, type SdkState } from './state.js';
import { OfflineMode } from './offline/mode.js';
import type { OfflineStatus } from './offline/types.js';
import { discoverMobileReaders, isMobileDiscovery, type MobileDiscovery } from './mobile-readers.js';
import { ExternalReaders, type ExternalConnection } from './external.js';
import { ServerReaders, serverReaderFrom } from './server-readers.js';
import { ReaderFeatures } from './features.js';
import type { SimulatedReadMethod } from './sdk-device.js';
import type {
  CancelSetupIntentMethodParams,
  Cart,
  CollectDataParams,
  CollectDataResultType,
  CollectSetupIntentPaymentMethodParams,
  ConfirmSetupIntentMethodParams,
  CreateSetupIntentParams,
  EasyConnectParams,
  GetLocationsParams,
  GetLocationsResultType,
  ICollectInputsParameters,
  ICollectInputsResults,
  PrintContent,
  ProcessRefundResultType,
  ProcessSetupIntentParams,
  ReaderSettings,
  ReaderSettingsParameters,
  RefundParams,
  SetupIntentResultType,
  SimulateUpdateType,
} from './rn-types.js';
import type { Reader as ApiReader } from '../types.js';
import type {
  Cancelable,
  CollectPaymentMethodParams,
  ConfirmPaymentIntentParams,
  ConnectReaderParams,
  ConnectTapToPayParams,
  ConnectionStatus,
  CreatePaymentIntentParams,
  DiscoverReadersParams,
  ErrorResult,
  MobileTerminalOptions,
  PaymentIntent,
  PaymentIntentResult,
  PaymentStatus,
  ProcessPaymentIntentParams,
  Reader,
  ReaderResult,
  StripeError,
  UserCallbacks,
} from './types.js';
import type { TapToPayUi } from './ui.js';

export const notInitializedMessage = 'First initialize the Stripe Terminal SDK before performing any action';
const tokenProviderMessage = "Couldn't fetch connection token. Please check your tokenProvider method";

/** Automatic reconnection defaults: about 20 s of attempts, as "a reasonable number of attempts". */
const reconnectDefaults = { attempts: 10, intervalMs: 2000 };

interface Connection {
  params: ConnectTapToPayParams;
  reader: Reader;
  autoReconnect: boolean;
  merchantDisplayName: string;
  country: string | null;
  availability: string | null;
}

interface ConnectionAnswer {
  reader: Json;
  merchant_display_name?: string;
  country?: string;
  availability?: string;
  terms_of_service_accepted?: boolean;
}

interface Reconnection {
  canceled: boolean;
  /** Stopped by disconnectReader: that reports the disconnect itself. */
  silent: boolean;
  wake: () => void;
  finished: Promise<void>;
}

export class MobileTerminal {
  private readonly transport: SdkTransport;
  private readonly monitor: StateMonitor;
  private readonly slot = new OperationSlot();
  private readonly intents = new IntentHandles();
  private readonly payments: Payments;
  private readonly callbacks: UserCallbacks;
  private device: DeviceFacts;
  private initialized = false;
  private connectionStatus: ConnectionStatus = 'notConnected';
  private paymentStatus: PaymentStatus = 'notReady';
  private connection: Connection | null = null;
  private reconnection: Reconnection | null = null;
  private discovered: Reader[] = [];
  private ux: TapToPayUxConfiguration = structuredClone(defaultTapToPayUxConfiguration) as TapToPayUxConfiguration;
  private simulatedCardNumber: string | null = null;
  /** Offline payments (offline/mode.ts): it sees every call's network outcome through the transport's fetch. */
  private readonly offline: OfflineMode;
  /** Bluetooth, USB and internet readers (server-readers.ts, mobile-readers.ts, external.ts). */
  private readonly server: ServerReaders;
  readonly external: ExternalReaders;
  private internetFound = new Map<string, ApiReader>();
  private readonly features: ReaderFeatures;

  constructor(private readonly options: MobileTerminalOptions) {
    if (typeof options?.tokenProvider !== 'function')
      throw new TypeError('createMobileTerminal: tokenProvider must be a function.');
    if (!options.ui) throw new TypeError('createMobileTerminal: a Tap to Pay UI (ui) is required.');
    this.device = { ...options.device };
    this.callbacks = options.callbacks ?? {};
    this.offline = new OfflineMode(this.offlineHost(), options.apiBase, options.offline, options.fetch);
    this.transport = new SdkTransport({
      apiBase: options.apiBase,
      fetchConnectionToken: () => options.tokenProvider(),
      fetch: this.offline.fetch,
      restoreAfterRenewal: (secret) => this.restoreAfterRenewal(secret),
    });
    this.monitor = new StateMonitor(
      this.transport,
      (state) => this.watch(state),
      () => {
        // With offline payments enabled and the network down, the phone stays connected: it is the reader.
        if (!this.offline.holdsConnection()) this.connectionLost('reader_offline');
      },
    );
    this.payments = new Payments(this.paymentHost());
    this.server = new ServerReaders({
      apiBase: options.apiBase,
      tokenProvider: () => options.tokenProvider(),
      setPaymentStatus: (status) => this.setPaymentStatus(status),
      lost: () => this.external.lost(),
    });
    this.external = new ExternalReaders({
      server: this.server,
      transport: this.transport,
      intents: this.intents,
      slot: this.slot,
      emit: (name, ...args) => this.emit(name, ...args),
      setConnectionStatus: (status) => this.setConnectionStatus(status),
      setPaymentStatus: (status) => this.setPaymentStatus(status),
      reconnect: options.reconnect ?? {},
      simulatedCard: () => this.simulatedCardNumber,
    });
    this.features = new ReaderFeatures({
      transport: this.transport,
      server: this.server,
      external: this.external,
      slot: this.slot,
      kind: () =>
        this.connection && !this.reconnection
          ? 'tapToPay'
          : this.external.connection
            ? this.external.connection.mobile
              ? 'mobile'
              : 'internet'
            : null,
    });
  }

  // ----------------------------------------------------------------------------------------------
  // State
  // ----------------------------------------------------------------------------------------------

  get isInitialized(): boolean {
    return this.initialized;
  }
  /** The readers the last discovery found (React Native's `discoveredReaders`). */
  get discoveredReaders(): Reader[] {
    return [...this.discovered];
  }
  getConnectionStatus(): ConnectionStatus {
    return this.connectionStatus;
  }
  getPaymentStatus(): PaymentStatus {
    return this.paymentStatus;
  }
  getConnectedReader(): Reader | null {
    return this.connection?.reader ?? this.external.connection?.reader ?? null;
  }
  /** The phone's facts as the SDK presents them now. */
  getDeviceFacts(): DeviceFacts {
    return { ...this.device };
  }

  /**
   * Changes what the phone says about itself (OpenTill only): the PIN environment of the next PIN
   * entry (screen recording, overlays…) and the facts of the next connection.
   */
  setDeviceFacts(changes: Partial<DeviceFacts>): void {
    this.device = { ...this.device, ...changes };
  }

  private setConnectionStatus(status: ConnectionStatus): void {
    if (this.connectionStatus === status) return;
    this.connectionStatus = status;
    this.emit('onDidChangeConnectionStatus', status);
  }

  private setPaymentStatus(status: PaymentStatus): void {
    if (this.paymentStatus === status) return;
    this.paymentStatus = status;
    this.emit('onDidChangePaymentStatus', status);
  }

  /** Calls an app callback; one that throws does not break the SDK. */
  private emit<K extends keyof UserCallbacks>(name: K, ...args: Parameters<NonNullable<UserCallbacks[K]>>): void {
    const callback = this.callbacks[name] as ((...values: unknown[]) => void) | undefined;
    try {
      callback?.(...args);
    } catch (error) {
      console.error(`[opentill-mobile] ${name} threw`, error);
    }
  }

  private requireInitialized(): void {
    if (!this.initialized) {
      console.error(notInitializedMessage);
      throw new Error(notInitializedMessage);
    }
  }

  /** React Native throws from its async methods: a rejected promise. */
  private guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      this.requireInitialized();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return run();
  }

  private guardCancelable<T>(run: () => Cancelable<T>): Cancelable<T> {
    try {
      this.requireInitialized();
    } catch (error) {
      const rejected = Promise.reject(error as Error);
      return Object.assign(rejected, { cancel: () => Promise.reject(error as Error) });
    }
    return run();
  }

  // ----------------------------------------------------------------------------------------------
  // Initialization and credentials
  // ----------------------------------------------------------------------------------------------

  /** Asks the token provider for a token and opens the SDK session with it. */
  async initialize(): Promise<{ reader?: Reader; error?: undefined } | { error: StripeError; reader?: undefined }> {
    if (this.initialized) return this.connection ? { reader: this.connection.reader } : {};
    let token: unknown;
    try {
      token = await this.options.tokenProvider();
    } catch {
      return { error: stripeError(ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR, tokenProviderMessage) };
    }
    const opened = await this.transport.redeem(token);
    if ('ok' in opened && opened.kind === 'network') {
      // Offline at start: stored payments are still there, the session opens when the network is back.
      this.initialized = true;
      void this.offline.start();
      return {};
    }
    if ('ok' in opened) {
      const error = fromFailure(opened);
      return {
        error:
          error.code === ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR
            ? { ...error, message: `${tokenProviderMessage}: ${error.message}` }
            : error,
      };
    }
    this.initialized = true;
    void this.offline.start();
    return {};
  }

  /** Ends the SDK session: the next call asks the token provider again. Refused while a reader is connected (as on iOS). */
  async clearCachedCredentials(): Promise<ErrorResult> {
    if (this.connection || this.reconnection) {
      return {
        error: stripeError(
          ErrorCode.UNEXPECTED_OPERATION,
          'clearCachedCredentials cannot be called while a reader is connected: ' + 'disconnect it first.',
        ),
      };
    }
    this.intents.clear();
    const ended = await this.transport.endSession();
    return ended && !ended.ok && ended.kind !== 'http' ? { error: fromFailure(ended) } : {};
  }

  // ----------------------------------------------------------------------------------------------
  // Discovery
  // ----------------------------------------------------------------------------------------------

  /**
   * Tap to Pay discovery finds exactly this phone (not registered yet: its id is its serial number,
   * the installation id). Device requirements are checked at connection, by the server.
   */
  discoverReaders(params: DiscoverReadersParams): Cancelable<ErrorResult> {
    return this.guardCancelable(() =>
      this.slot.run('discoverReaders', async (operation) => {
        if (params?.discoveryMethod === 'internet' || isMobileDiscovery(params?.discoveryMethod)) {
          return this.discoverOther(
            params as DiscoverReadersParams & { discoveryMethod: 'internet' | MobileDiscovery },
            operation.signal,
          );
        }
        if (params?.discoveryMethod !== 'tapToPay') {
          const error = stripeError(
            ErrorCode.UNSUPPORTED_OPERATION,
            `OpenTill's mobile SDK does not discover '${String(params?.discoveryMethod)}' ` +
              `readers (appsOnDevices runs inside a Stripe reader's own app).`,
          );
          this.emit('onFinishDiscoveringReaders', error);
          return { error };
        }
        const before = this.connectionStatus;
        if (before === 'notConnected') this.setConnectionStatus('discovering');
        // Discovery answers once, after the current task: a second command in the meantime is busy.
        await Promise.resolve();
        if (before === 'notConnected') this.setConnectionStatus('notConnected');
        if (operation.aborted) {
          const error = operation.abortedError();
          this.emit('onFinishDiscoveringReaders', error);
          return { error };
        }
        const simulated = params.simulated === true;
        this.discovered = [
          {
            id: this.options.installationId,
            serialNumber: this.options.installationId,
            deviceType: 'tapToPay',
            simulated,
            locationStatus: 'notSet',
            batteryStatus: 'unknown',
            status: 'online',
            label: this.device.model,
          },
        ];
        this.emit('onUpdateDiscoveredReaders', this.discoveredReaders);
        this.emit('onFinishDiscoveringReaders', undefined);
        return {};
      }),
    );
  }

  /** Bluetooth/USB discovery finds the simulated readers beside the SDK; internet discovery the server's readers. */
  private async discoverOther(
    params: DiscoverReadersParams & { discoveryMethod: 'internet' | MobileDiscovery },
    signal: AbortSignal,
  ): Promise<ErrorResult> {
    const before = this.connectionStatus;
    if (before === 'notConnected') this.setConnectionStatus('discovering');
    try {
      let readers: Reader[];
      if (params.discoveryMethod === 'internet') {
        const p = params as {
          simulated?: boolean;
          locationId?: string;
          discoveryFilter?: { readerId?: string; serialNumber?: string };
        };
        const found = await this.server.discover({
          simulated: p.simulated === true,
          ...(p.locationId ? { location: p.locationId } : {}),
        });
        if ('error' in found) {
          this.emit('onFinishDiscoveringReaders', found.error);
          return { error: found.error };
        }
        const filter = p.discoveryFilter ?? {};
        const kept = found.readers.filter(
          (reader) =>
            (!filter.readerId || reader.id === filter.readerId) &&
            (!filter.serialNumber || reader.serial_number === filter.serialNumber),
        );
        this.internetFound = new Map(kept.map((reader) => [reader.id, reader]));
        readers = kept.map((reader) => serverReaderFrom(reader, p.simulated === true));
      } else {
        // A Bluetooth scan answers after the current task, like Tap to Pay discovery.
        await Promise.resolve();
        if ((params as { simulated?: boolean }).simulated !== true) {
          // Only simulated Bluetooth/USB readers exist beside OpenTill's SDK: a real scan finds nothing.
          const error =
            params.discoveryMethod === 'usb'
              ? stripeError(
                  ErrorCode.USB_DISCOVERY_TIMED_OUT,
                  'No USB reader was found: OpenTill simulates USB readers only (simulated: true).',
                )
              : stripeError(
                  ErrorCode.BLUETOOTH_SCAN_TIMED_OUT,
                  'No Bluetooth reader was found: OpenTill simulates Bluetooth readers only (simulated: true).',
                );
          this.emit('onFinishDiscoveringReaders', error);
          return { error };
        }
        readers = discoverMobileReaders(params.discoveryMethod, true, this.options.installationId);
      }
      if (signal.aborted) {
        const error = stripeError(ErrorCode.CANCELED, 'discoverReaders was canceled.');
        this.emit('onFinishDiscoveringReaders', error);
        return { error };
      }
      this.discovered = readers;
      this.emit('onUpdateDiscoveredReaders', this.discoveredReaders);
      this.emit('onFinishDiscoveringReaders', undefined);
      return {};
    } finally {
      if (before === 'notConnected' && this.connectionStatus === 'discovering')
        this.setConnectionStatus('notConnected');
    }
  }

  cancelDiscovering(): Promise<ErrorResult> {
    return this.guard(async () => {
      this.discovered = [];
      return this.slot.cancelNamed('discoverReaders');
    });
  }

  /** Whether this phone can be a reader of that kind: `checkDevice` on its facts, now (the server decides at connection). */
  supportsReadersOfType(params: {
    deviceType: string;
    discoveryMethod: string;
    simulated?: boolean;
  }): Promise<{ readerSupportResult: boolean; error?: StripeError }> {
    return this.guard(async () => {
      if (params?.deviceType !== 'tapToPay' || params.discoveryMethod !== 'tapToPay')
        return { readerSupportResult: false };
      const checked = checkDevice(this.device, { nowMs: Date.now(), simulated: params.simulated === true });
      if (checked.ok) return { readerSupportResult: true };
      return {
        readerSupportResult: false,
        error: stripeError(mobileCodeOf(checked.code), checked.message, {
          nativeErrorCode: checked.code,
          metadata: {
            reason: checked.reason,
            ...('field' in checked && checked.field ? { field: checked.field } : {}),
          },
        }),
      };
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Connection
  // ----------------------------------------------------------------------------------------------

  connectReader(params: ConnectReaderParams): Promise<ReaderResult> {
    return this.guard(async () => {
      if (
        (this.connection || this.reconnection || this.external.connection) &&
        params?.discoveryMethod !== 'appsOnDevices'
      ) {
        return {
          error: stripeError(
            ErrorCode.ALREADY_CONNECTED_TO_READER,
            'Already connected to a reader: disconnect it first.',
          ),
        };
      }
      if (params?.discoveryMethod === 'internet' || isMobileDiscovery(params?.discoveryMethod)) {
        return this.slot.run('connectReader', () =>
          this.external.connect(params as ExternalConnection['params'], this.discovered, this.internetFound),
        );
      }
      if (params?.discoveryMethod !== 'tapToPay') {
        return {
          error: stripeError(
            ErrorCode.UNSUPPORTED_OPERATION,
            `OpenTill's mobile SDK does not connect '${String(params?.discoveryMethod)}' readers.`,
          ),
        };
      }
      if (this.connection || this.reconnection) {
        return {
          error: stripeError(
            ErrorCode.ALREADY_CONNECTED_TO_READER,
            'Already connected to a reader: disconnect it first.',
          ),
        };
      }
      if (typeof params.locationId !== 'string' || params.locationId === '') {
        return {
          error: stripeError(
            ErrorCode.MISSING_REQUIRED_PARAMETER,
            'You must provide a locationId to connect a Tap to Pay reader.',
          ),
        };
      }
      if (!params.reader || params.reader.serialNumber !== this.options.installationId) {
        return {
          error: stripeError(
            ErrorCode.INVALID_REQUIRED_PARAMETER,
            `Could not find a reader with serialNumber ${String(params.reader?.serialNumber)}: connect the reader discoverReaders found.`,
          ),
        };
      }
      return this.slot.run('connectReader', async () => {
        this.setConnectionStatus('connecting');
        const answer = await this.transport.request<ConnectionAnswer>(
          'POST',
          '/tap_to_pay/connection',
          this.connectionBody(params),
        );
        if (!answer.ok) {
          // Offline: the phone connects with what its last online connection at this Location answered (docs/offline.md).
          const offline =
            answer.kind === 'network' || answer.kind === 'timeout'
              ? await this.offline.offlineConnection(params.locationId)
              : null;
          if (offline && 'connection' in offline)
            return { reader: this.connected(params, offline.connection as unknown as ConnectionAnswer) };
          this.setConnectionStatus('notConnected');
          return { error: offline?.error ?? fromFailure(answer) };
        }
        // The offline settings come first: the app hears 'connected' (and may start a payment on
        // it) only once this operation is over, never while it would still answer READER_BUSY.
        await this.offline.connected(params.locationId, answer.data as unknown as Json);
        const reader = this.connected(params, answer.data);
        if (answer.data.terms_of_service_accepted === true) this.emit('onDidAcceptTermsOfService');
        return { reader };
      });
    });
  }

  private connectionBody(params: ConnectTapToPayParams): Json {
    return {
      location: params.locationId,
      simulated: params.reader.simulated === true,
      device: this.device,
      installation_id: this.options.installationId,
      ...(params.merchantDisplayName !== undefined ? { merchant_display_name: params.merchantDisplayName } : {}),
      ...(params.onBehalfOf !== undefined ? { on_behalf_of: params.onBehalfOf } : {}),
      tos_acceptance_permitted: params.tosAcceptancePermitted !== false,
    };
  }

  private connected(params: ConnectTapToPayParams, answer: ConnectionAnswer): Reader {
    const reader = readerFrom(answer.reader, params.reader.simulated === true);
    this.connection = {
      params,
      reader,
      autoReconnect: params.autoReconnectOnUnexpectedDisconnect !== false,
      merchantDisplayName: answer.merchant_display_name ?? reader.label ?? '',
      country: answer.country ?? null,
      availability: answer.availability ?? null,
    };
    this.setConnectionStatus('connected');
    this.setPaymentStatus('ready');
    this.monitor.start();
    return reader;
  }

  /**
   * After a 401 the transport opened a new session: connect the phone to it again. The long-poll
   * stops first and restarts on the new session, since a poll still running on the old one would
   * report the phone "taken over" — by this very SDK. If the phone cannot be connected again, the
   * connection is lost (automatic reconnection, or a disconnect).
   */
  private async restoreAfterRenewal(secret: string): Promise<TransportResult<unknown> | null> {
    const connection = this.connection;
    if (!connection && this.external.device) return this.external.hostAgain(secret);
    if (!connection || this.reconnection) return null;
    this.monitor.stop(false);
    const restored = await this.transport.raw(
      'POST',
      '/tap_to_pay/connection',
      this.connectionBody(connection.params),
      secret,
    );
    if (this.connection !== connection) return restored;
    if (restored.ok) this.monitor.start();
    else this.connectionLost('reader_offline');
    return restored;
  }

  /** Disconnects the phone and ends the SDK session (a new connection fetches a new token, as docs/sdk.md says). */
  disconnectReader(): Promise<ErrorResult> {
    return this.guard(async () => {
      if (this.external.connection || this.external.reconnecting) {
        // An update running now fails as interrupted (READER_SOFTWARE_UPDATE_FAILED_INTERRUPTED).
        this.external.interruptUpdate();
        await this.slot.abortAll('canceled');
        this.discovered = [];
        return this.external.disconnect('disconnectRequested');
      }
      if (!this.connection && !this.reconnection) {
        return { error: stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'No reader is connected.') };
      }
      await this.slot.abortAll('canceled');
      await this.stopReconnecting(true);
      this.monitor.stop();
      this.payments.forget();
      this.offline.disconnected();
      this.connection = null;
      this.discovered = [];
      this.intents.clear();
      const ended = await this.transport.endSession();
      this.setConnectionStatus('notConnected');
      this.setPaymentStatus('notReady');
      this.emit('onDidDisconnect', 'disconnectRequested');
      return ended && !ended.ok && ended.kind !== 'http' ? { error: fromFailure(ended) } : {};
    });
  }

  /** Every state the long-poll (or a command) sees: an unexpected disconnect starts here. */
  private watch(state: SdkState): void {
    const connection = this.connection;
    if (!connection || this.reconnection) return;
    if (state.connection === 'not_connected') {
      if (state.disconnect_reason !== null) this.connectionLost(state.disconnect_reason);
      return;
    }
    if (state.reader && state.reader.id === connection.reader.id)
      connection.reader = readerFrom(state.reader, connection.reader.simulated === true);
  }

  private connectionLost(reason: NonNullable<SdkState['disconnect_reason']>): void {
    const connection = this.connection;
    if (!connection || this.reconnection) return;
    this.monitor.stop();
    this.payments.forget();
    void this.slot.abortAll('disconnected');
    if (reason === 'reader_offline' && connection.autoReconnect) {
      this.startReconnecting(connection);
      return;
    }
    this.connection = null;
    this.setConnectionStatus('notConnected');
    this.setPaymentStatus('notReady');
    this.emit('onDidDisconnect', 'unknown');
  }

  // ----------------------------------------------------------------------------------------------
  // Automatic reconnection
  // ----------------------------------------------------------------------------------------------

  private startReconnecting(connection: Connection): void {
    const attempts = this.options.reconnect?.attempts ?? reconnectDefaults.attempts;
    const intervalMs = this.options.reconnect?.intervalMs ?? reconnectDefaults.intervalMs;
    let wake: () => void = () => undefined;
    const reconnection: Reconnection = {
      canceled: false,
      silent: false,
      wake: () => wake(),
      finished: Promise.resolve(),
    };
    const pause = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    this.reconnection = reconnection;
    this.setConnectionStatus('reconnecting');
    this.setPaymentStatus('notReady');
    this.emit('onDidStartReaderReconnect', connection.reader, 'unknown');
    reconnection.finished = (async () => {
      // The session still holds the phone: release it, so connecting again is a fresh connection.
      await this.transport.request('DELETE', '/connection');
      for (let attempt = 0; attempt < attempts && !reconnection.canceled; attempt += 1) {
        await pause();
        if (reconnection.canceled) break;
        const answer = await this.transport.request<ConnectionAnswer>(
          'POST',
          '/tap_to_pay/connection',
          this.connectionBody(connection.params),
        );
        if (!answer.ok) continue;
        if (reconnection.canceled || answer.data.reader?.['status'] === 'offline') {
          await this.transport.request('DELETE', '/connection');
          continue;
        }
        this.reconnection = null;
        const reader = this.connected(connection.params, answer.data);
        this.emit('onDidSucceedReaderReconnect', reader);
        return;
      }
      this.reconnection = null;
      this.connection = null;
      if (reconnection.silent) return;
      this.setConnectionStatus('notConnected');
      this.emit('onDidFailReaderReconnect', connection.reader);
      this.emit('onDidDisconnect', 'unknown');
    })();
  }

  private async stopReconnecting(silent: boolean): Promise<void> {
    const reconnection = this.reconnection;
    if (!reconnection) return;
    reconnection.canceled = true;
    reconnection.silent = silent;
    reconnection.wake();
    await reconnection.finished;
  }

  /** Stops an automatic reconnection: the reader is then disconnected (`onDidFailReaderReconnect`, `onDidDisconnect`). */
  cancelReaderReconnection(): Promise<ErrorResult> {
    return this.guard(async () => {
      if (this.external.reconnecting) return this.external.cancelReconnection();
      if (!this.reconnection) {
        return { error: stripeError(ErrorCode.CANCEL_FAILED, 'There is no reader reconnection to cancel.') };
      }
      await this.stopReconnecting(false);
      return {};
    });
  }

  // ----------------------------------------------------------------------------------------------
  // PaymentIntents (API calls: no reader needed)
  // ----------------------------------------------------------------------------------------------

  createPaymentIntent(params: CreatePaymentIntentParams): Promise<PaymentIntentResult> {
    return this.guard(async () => {
      if (!params || typeof params.amount !== 'number' || typeof params.currency !== 'string') {
        return {
          error: stripeError(
            ErrorCode.MISSING_REQUIRED_PARAMETER,
            'createPaymentIntent needs an amount and a currency.',
          ),
        };
      }
      const decided = this.offline.decideCreate(params);
      if (typeof decided === 'object') return { error: decided };
      const body = createPaymentIntentBody(params);
      if (decided === 'offline') return this.offline.createOffline(params, body);
      const created = await this.transport.request<Json>('POST', '/payment_intents', body);
      if (!created.ok && this.offline.fallsBack(params, created)) return this.offline.createOffline(params, body);
      if (!created.ok) return { error: fromFailure(created) };
      return { paymentIntent: this.intents.wrap(created.data) };
    });
  }

  retrievePaymentIntent(clientSecret: string): Promise<PaymentIntentResult> {
    return this.guard(async () => {
      if (typeof clientSecret !== 'string' || clientSecret === '') {
        return {
          error: stripeError(
            ErrorCode.INVALID_CLIENT_SECRET,
            'retrievePaymentIntent needs the client secret of a PaymentIntent.',
          ),
        };
      }
      const found = await this.transport.request<Json>('POST', '/payment_intents/retrieve', {
        client_secret: clientSecret,
      });
      if (!found.ok) return { error: fromFailure(found) };
      return { paymentIntent: this.intents.wrap(found.data) };
    });
  }

  cancelPaymentIntent(params: { paymentIntent: PaymentIntent }): Promise<PaymentIntentResult> {
    return this.guard(async () => {
      if (this.offline.owns(params?.paymentIntent)) return this.offline.cancel(params.paymentIntent);
      const handle = this.intents.resolve(params?.paymentIntent);
      if ('name' in handle) return { error: handle };
      // The client secret is what lets an SDK session reach a PaymentIntent (docs/sdk.md).
      const canceled = await this.transport.request<Json>('POST', '/payment_intents/cancel', {
        payment_intent: handle.id,
        client_secret: handle.clientSecret,
      });
      if (!canceled.ok) return { error: fromFailure(canceled) };
      return { paymentIntent: this.intents.wrap(canceled.data) };
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Payments
  // ----------------------------------------------------------------------------------------------

  collectPaymentMethod(params: CollectPaymentMethodParams): Cancelable<PaymentIntentResult> {
    if (this.external.connection) return this.guardCancelable(() => this.external.collect(params));
    return this.guardCancelable(() =>
      this.readerOperation('collectPaymentMethod', (operation) =>
        this.offline.owns(params?.paymentIntent)
          ? this.offline.collect(operation, params)
          : this.payments.collect(operation, params),
      ),
    );
  }

  confirmPaymentIntent(params: ConfirmPaymentIntentParams): Cancelable<PaymentIntentResult> {
    if (this.external.connection) return this.guardCancelable(() => this.external.confirm(params));
    return this.guardCancelable(() =>
      this.readerOperation('confirmPaymentIntent', (operation) =>
        this.offline.owns(params?.paymentIntent)
          ? this.offline.confirm(operation, params)
          : this.payments.confirm(operation, params),
      ),
    );
  }

  /** collectPaymentMethod then confirmPaymentIntent, as one operation. */
  processPaymentIntent(params: ProcessPaymentIntentParams): Cancelable<PaymentIntentResult> {
    if (this.external.connection) return this.guardCancelable(() => this.external.process(params));
    return this.guardCancelable(() =>
      this.readerOperation('processPaymentIntent', async (operation) => {
        if (this.offline.owns(params?.paymentIntent)) {
          const collected = await this.offline.collect(operation, params, true);
          return collected.error
            ? collected
            : this.offline.confirm(operation, { paymentIntent: collected.paymentIntent });
        }
        const collected = await this.payments.collect(operation, params, true);
        if (collected.error) return collected;
        return this.payments.confirm(operation, {
          paymentIntent: collected.paymentIntent,
          ...(params.returnUrl ? { returnUrl: params.returnUrl } : {}),
        });
      }),
    );
  }

  cancelCollectPaymentMethod(): Promise<ErrorResult> {
    return this.guard(() =>
      this.external.connection
        ? this.external.cancel('collectPaymentMethod')
        : this.slot.cancelNamed('collectPaymentMethod'),
    );
  }

  cancelConfirmPaymentIntent(): Promise<ErrorResult> {
    return this.guard(() =>
      this.external.connection
        ? this.external.cancel('confirmPaymentIntent')
        : this.slot.cancelNamed('confirmPaymentIntent'),
    );
  }

  cancelProcessPaymentIntent(): Promise<ErrorResult> {
    return this.guard(() =>
      this.external.connection
        ? this.external.cancel('processPaymentIntent')
        : this.slot.cancelNamed('processPaymentIntent'),
    );
  }

  /** An operation that needs the connected reader: `NOT_CONNECTED_TO_READER` without one. */
  private readerOperation(
    name: 'collectPaymentMethod' | 'confirmPaymentIntent' | 'processPaymentIntent',
    body: (operation: Operation) => Promise<PaymentIntentResult>,
  ): Cancelable<PaymentIntentResult> {
    if (!this.connection || this.reconnection) {
      const error = stripeError(
        ErrorCode.NOT_CONNECTED_TO_READER,
        `Could not execute ${name}: no reader is connected.`,
      );
      return Object.assign(Promise.resolve({ error }), {
        cancel: async () => ({
          error: stripeError(
            ErrorCode.CANCEL_FAILED,
            `${name} could not be canceled because it has already completed.`,
          ),
        }),
      });
    }
    return this.slot.run(name, body);
  }

  // ----------------------------------------------------------------------------------------------
  // Tap to Pay settings
  // ----------------------------------------------------------------------------------------------

  /** The tap screen's look (Android): validated by core, used by every tap screen shown from now on (never the PIN pad). */
  setTapToPayUxConfiguration(config: unknown): Promise<ErrorResult> {
    return this.guard(async () => {
      if (this.device.platform === 'ios') {
        return {
          error: stripeError(ErrorCode.UNSUPPORTED_OPERATION, "'setTapToPayUxConfiguration' is unsupported on iOS"),
        };
      }
      const validated = validateTapToPayUxConfiguration(config);
      if (!validated.ok) {
        return {
          error: stripeError(ErrorCode.INVALID_REQUIRED_PARAMETER, validated.message, {
            metadata: { errors: validated.errors },
          }),
        };
      }
      this.ux = validated.value;
      return {};
    });
  }

  /** The card the simulated reader presents (React Native `setSimulatedCard`): handed to the UI with each tap screen. */
  setSimulatedCard(cardNumber: string): Promise<ErrorResult> {
    return this.guard(async () => {
      if (typeof cardNumber !== 'string' || !/^\d{12,19}$/.test(cardNumber)) {
        return {
          error: stripeError(
            ErrorCode.INVALID_REQUIRED_PARAMETER,
            'setSimulatedCard needs a test card number (12–19 digits).',
          ),
        };
      }
      this.simulatedCardNumber = cardNumber;
      return {};
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Offline mode (offline/mode.ts, docs/offline.md)
  // ----------------------------------------------------------------------------------------------

  /** The network status and what is stored on this device, waiting to be forwarded. */
  getOfflineStatus(): Promise<OfflineStatus> {
    return this.guard(async () => {
      await this.offline.load();
      return this.offline.status();
    });
  }

  /** Every call fails as without a network while on (React Native `setSimulatedOfflineMode`); off: forwarding resumes. */
  setSimulatedOfflineMode(simulatedOffline: boolean): Promise<ErrorResult> {
    return this.guard(async () => {
      await this.offline.setSimulated(simulatedOffline === true);
      return {};
    });
  }

  /** Resolves when the forwarding under way (if any) has ended (OpenTill only: for tests and an orderly shutdown). */
  waitForForwarding(): Promise<void> {
    return this.offline.drained();
  }

  /** Stops the offline probe and forwarding timers (OpenTill only: a process that ends). */
  dispose(): void {
    this.offline.stop();
    this.monitor.stop(false);
  }

  private offlineHost(): ConstructorParameters<typeof OfflineMode>[0] {
    return {
      transport: () => this.transport,
      ui: () => this.options.ui as TapToPayUi,
      intents: () => this.intents,
      emit: (name, ...args) => this.emit(name, ...args),
      setPaymentStatus: (status) => this.setPaymentStatus(status),
      connection: () =>
        this.connection && !this.reconnection
          ? {
              locationId: this.connection.params.locationId,
              readerId: this.connection.reader.id,
              merchantDisplayName: this.connection.merchantDisplayName,
              simulated: this.connection.reader.simulated === true,
            }
          : null,
      platform: () => this.device.platform,
      tapScreenUx: () => structuredClone(this.ux),
      simulatedCard: () => this.simulatedCardNumber,
      restoreConnection: async () => {
        const connection = this.connection;
        if (!connection || this.reconnection) return;
        await this.transport.request('DELETE', '/connection');
        const answer = await this.transport.request<ConnectionAnswer>(
          'POST',
          '/tap_to_pay/connection',
          this.connectionBody(connection.params),
        );
        if (this.connection !== connection) return;
        if (answer.ok) this.monitor.start();
        else this.connectionLost('reader_offline');
      },
    };
  }

  // ----------------------------------------------------------------------------------------------
  // The rest of React Native's surface (features.ts, external.ts)
  // ----------------------------------------------------------------------------------------------

  /** Discovers and connects in one call: the first reader found (internet: the one the filter names; tapToPay: this phone). */
  easyConnect(params: EasyConnectParams): Promise<ReaderResult> {
    return this.guard(async () => {
      if (params?.discoveryMethod !== 'internet' && params?.discoveryMethod !== 'tapToPay') {
        return {
          error: stripeError(
            ErrorCode.UNSUPPORTED_OPERATION,
            `easyConnect does not support '${String(params?.discoveryMethod)}'.`,
          ),
        };
      }
      const discovered = await this.discoverReaders(
        params.discoveryMethod === 'internet'
          ? {
              discoveryMethod: 'internet',
              simulated: params.simulated === true,
              ...(params.locationId ? { locationId: params.locationId } : {}),
              ...(params.discoveryFilter ? { discoveryFilter: params.discoveryFilter } : {}),
            }
          : { discoveryMethod: 'tapToPay', simulated: params.simulated === true },
      );
      if (discovered.error) return { error: discovered.error };
      const reader = this.discovered[0];
      if (!reader)
        return { error: stripeError(ErrorCode.GENERIC_READER_ERROR, 'easyConnect found no reader to connect.') };
      if (params.discoveryMethod === 'internet') {
        return this.connectReader({
          discoveryMethod: 'internet',
          reader,
          ...(params.failIfInUse ? { failIfInUse: true } : {}),
        });
      }
      const { simulated: _simulated, discoveryMethod: _method, ...rest } = params;
      return this.connectReader({ discoveryMethod: 'tapToPay', reader, ...rest });
    });
  }

  /** Stops an easyConnect still discovering (its connection, once started, runs to its end). */
  cancelEasyConnect(): Promise<ErrorResult> {
    return this.guard(async () => this.slot.cancelNamed('discoverReaders'));
  }

  rebootReader(): Promise<ErrorResult> {
    return this.guard(async () => {
      if (this.connection)
        return { error: stripeError(ErrorCode.UNSUPPORTED_OPERATION, 'rebootReader is not supported on Tap to Pay.') };
      return this.external.reboot();
    });
  }

  installAvailableUpdate(): Promise<ErrorResult> {
    return this.guardCancelable(() => this.external.installAvailableUpdate());
  }
  cancelInstallingUpdate(): Promise<ErrorResult> {
    return this.guard(() => this.external.cancelInstallingUpdate());
  }
  /** The update simulated Bluetooth/USB readers offer (`random` behaves as `available`). */
  simulateReaderUpdate(update: SimulateUpdateType): Promise<ErrorResult> {
    return this.guard(async () => {
      const kinds: SimulateUpdateType[] = [
        'random',
        'available',
        'none',
        'required',
        'lowBattery',
        'lowBatterySucceedConnect',
        'requiredForOffline',
      ];
      if (!kinds.includes(update))
        return { error: stripeError(ErrorCode.INVALID_REQUIRED_PARAMETER, `Unknown update type '${String(update)}'.`) };
      this.external.simulateUpdate(update);
      return {};
    });
  }
  /** OpenTill: the battery level simulated Bluetooth readers report (0–1). */
  setSimulatedBatteryLevel(level: number): void {
    this.external.setBattery(level);
  }
  /** OpenTill: a simulated Bluetooth/USB reader loses its link (automatic reconnection, as after a real loss). */
  simulateUnexpectedDisconnect(): ErrorResult {
    return this.external.simulateUnexpectedDisconnect();
  }
  /**
   * OpenTill: how the simulated customer presents the card to a Bluetooth/USB reader — inserted
   * (`contact_emv`, the default: `onDidReportReaderEvent('cardInserted')`, then `'cardRemoved'`),
   * tapped (`contactless_emv`) or swiped (`magnetic_stripe_track2`).
   */
  setSimulatedReadMethod(method: SimulatedReadMethod): Promise<ErrorResult> {
    return this.guard(async () => {
      if (!['contact_emv', 'contactless_emv', 'magnetic_stripe_track2'].includes(method)) {
        return { error: stripeError(ErrorCode.INVALID_REQUIRED_PARAMETER, `Unknown read method '${String(method)}'.`) };
      }
      this.external.readMethod = method;
      return {};
    });
  }
  /** OpenTill: how long each step of a simulated software update takes (default 50 ms). */
  setSimulatedUpdateStepMs(ms: number): void {
    this.external.updateStepMs = Math.max(0, ms);
  }

  getLocations(params: GetLocationsParams = {}): Promise<GetLocationsResultType> {
    return this.guard(() => this.features.getLocations(params));
  }

  createSetupIntent(params: CreateSetupIntentParams): Promise<SetupIntentResultType> {
    return this.guard(() => this.features.createSetupIntent(params));
  }
  retrieveSetupIntent(clientSecret: string): Promise<SetupIntentResultType> {
    return this.guard(() => this.features.retrieveSetupIntent(clientSecret));
  }
  cancelSetupIntent(params: CancelSetupIntentMethodParams): Promise<SetupIntentResultType> {
    return this.guard(() => this.features.cancelSetupIntent(params));
  }
  collectSetupIntentPaymentMethod(params: CollectSetupIntentPaymentMethodParams): Promise<SetupIntentResultType> {
    return this.guardCancelable(() => this.features.collectSetupIntentPaymentMethod(params));
  }
  confirmSetupIntent(params: ConfirmSetupIntentMethodParams): Promise<SetupIntentResultType> {
    return this.guardCancelable(() => this.features.confirmSetupIntent(params));
  }
  processSetupIntent(params: ProcessSetupIntentParams): Promise<SetupIntentResultType> {
    return this.guardCancelable(() => this.features.processSetupIntent(params));
  }
  cancelCollectSetupIntent(): Promise<ErrorResult> {
    return this.guard(() => this.features.cancelCollectSetupIntent());
  }
  cancelConfirmSetupIntent(): Promise<ErrorResult> {
    return this.guard(() => this.features.cancelConfirmSetupIntent());
  }
  cancelProcessSetupIntent(): Promise<ErrorResult> {
    return this.guard(() => this.features.cancelProcessSetupIntent());
  }

  processRefund(params: RefundParams): Promise<ProcessRefundResultType> {
    return this.guardCancelable(() => this.features.processRefund(params));
  }
  collectRefundPaymentMethod(params: RefundParams): Promise<ErrorResult> {
    return this.guardCancelable(() => this.features.collectRefundPaymentMethod(params));
  }
  confirmRefund(): Promise<ProcessRefundResultType> {
    return this.guard(() => this.features.confirmRefund());
  }
  cancelProcessRefund(): Promise<ErrorResult> {
    return this.guard(() => this.features.cancelProcessRefund());
  }

  setReaderDisplay(cart: Cart): Promise<ErrorResult> {
    return this.guard(() => this.features.setReaderDisplay(cart));
  }
  clearReaderDisplay(): Promise<ErrorResult> {
    return this.guard(() => this.features.clearReaderDisplay());
  }
  collectInputs(params: ICollectInputsParameters): Promise<ICollectInputsResults> {
    return this.guardCancelable(() => this.features.collectInputs(params));
  }
  cancelCollectInputs(): Promise<ErrorResult> {
    return this.guard(() => this.features.cancelCollectInputs());
  }
  collectData(params: CollectDataParams): Promise<CollectDataResultType> {
    return this.guardCancelable(() => this.features.collectData(params));
  }
  cancelCollectData(): Promise<ErrorResult> {
    return this.guard(() => this.features.cancelCollectData());
  }
  getReaderSettings(): Promise<ReaderSettings> {
    return this.guard(() => this.features.getReaderSettings());
  }
  setReaderSettings(params: ReaderSettingsParameters): Promise<ReaderSettings> {
    return this.guard(() => this.features.setReaderSettings(params));
  }
  print(content: PrintContent): Promise<ErrorResult> {
    return this.guard(() => this.features.print(content));
  }
  /** `setSimulatedCollectInputsResult` of React Native: how simulated smart readers answer collectInputs. */
  setSimulatedCollectInputsResult(behavior: string): Promise<ErrorResult> {
    return this.guard(async () => {
      const known = ['all', 'none', 'timeout'];
      if (!known.includes(behavior))
        return {
          error: stripeError(ErrorCode.INVALID_REQUIRED_PARAMETER, `Unknown collectInputs behavior '${behavior}'.`),
        };
      this.server.simulatedInputs(behavior as 'all' | 'none' | 'timeout');
      this.external.inputsBehavior = behavior as 'all' | 'none' | 'timeout';
      return {};
    });
  }
  /** The SDK's version (React Native answers the native SDK's). */
  getNativeSdkVersion(): Promise<string> {
    return Promise.resolve(`opentill-${this.device.sdkVersion}`);
  }

  private paymentHost(): PaymentHost {
    return {
      transport: this.transport,
      monitor: this.monitor,
      ui: this.options.ui as TapToPayUi,
      intents: this.intents,
      emit: (name, ...args) => this.emit(name, ...args),
      setPaymentStatus: (status) => this.setPaymentStatus(status),
      connection: () =>
        this.connection && !this.reconnection
          ? {
              merchantDisplayName: this.connection.merchantDisplayName,
              simulated: this.connection.reader.simulated === true,
            }
          : null,
      platform: () => this.device.platform,
      tapScreenUx: () => structuredClone(this.ux),
      simulatedCard: () => this.simulatedCardNumber,
      pinEnvironment: () => this.pinEnvironment(),
      pinPadSeed: () => Math.floor(this.random() * 2 ** 32),
    };
  }

  private pinEnvironment(): PinEnvironmentWire {
    const d = this.device;
    return {
      developerOptions: d.developerOptions === true,
      accessibilityServices: d.accessibilityServices === true,
      screenRecording: d.screenRecording === true,
      overlays: d.overlays === true,
      internet: d.internet === true,
      screenshotAttempted: false,
    };
  }

  private random(): number {
    if (this.options.random) return this.options.random();
    const values = new Uint32Array(1);
    crypto.getRandomValues(values);
    return (values[0] ?? 0) / 2 ** 32;
  }
}

export function createMobileTerminal(options: MobileTerminalOptions): MobileTerminal {
  return new MobileTerminal(options);
}
