/**
 * The Terminal object: Stripe's JS SDK surface, backed by OpenTill's SDK endpoints
 * (`/opentill/v1/sdk/…`, docs/sdk.md). Runs in browsers and Node 20 (global `fetch` only).
 *
 * - Credentials: a connection token from `onFetchConnectionToken` is redeemed at once (single use)
 *   for an SDK session; the session is dropped on disconnect and `clearCachedCredentials`, and
 *   replaced (new token) when the server says it expired. A spent token is never kept.
 * - Waiting: one long-poll of the session state (`GET …/state?after=<version>`) runs while a reader
 *   is connected; commands wait on it for their action's outcome, and it reports a reader that
 *   went offline or was taken over (`onUnexpectedReaderDisconnect`).
 * - Results are values: the payload or `{error}` (never a rejection).
 */
import {
  AllowRedisplay,
  ConnectionStatus,
  PaymentStatus,
  ToggleResult,
  type CardEntryMethod,
  type CollectPaymentMethodOptions,
  type ConnectOptions,
  type CreditCardBrand,
  type DiscoverResult,
  type DiscoveryConfig,
  type ErrorResponse,
  type ExposedError,
  type FormType,
  type ICollectInputsParameters,
  type ICollectInputsResult,
  type IDisconnectResponse,
  type IPaymentMethodReadReusableResponse,
  type IPaymentIntent,
  type IRefund,
  type ISdkManagedPaymentIntent,
  type IReaderSettings,
  type ISetReaderDisplayRequest,
  type ISetReaderSettingsRequest,
  type ISetupIntent,
  type ISetupIntentConfig,
  type ProcessPaymentOptions,
  type Reader,
  type RefundOptions,
  type SimulatorConfiguration,
  type Terminal,
  type TerminalProps,
} from './types.js';
import { intentIdOfClientSecret, isSettledPaymentIntent } from '@opentill/core';
import { SdkTransport, type Json, type TransportFailure, type TransportResult } from './transport.js';
import type { SdkStateWire } from '@opentill/protocol';
import { actionFailure, StateMonitor, type ReaderAction } from './state-monitor.js';

type SdkState = SdkStateWire<Reader & { action: ReaderAction | null }, IPaymentIntent, ISetupIntent, IRefund>;

type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; error: ExposedError };

/** The reader action a command waits for: `type`, about `id` under `idKey` (e.g. `payment_intent`). */
interface AwaitedAction {
  type: string;
  idKey: string | null;
  id: string | null;
  /** Whether a state shows the outcome before the action does (the PaymentIntent settles first). */
  settled?: (state: SdkState) => boolean;
}

/** One reader command, as `runReaderCommand` runs it. */
interface ReaderCommand<T> {
  kind: Kind;
  /** The payment status while it runs. */
  status: PaymentStatus;
  beforeStart?: () => void;
  /** The request that puts the action on the reader: its path and body (built once the command has begun). */
  path: string;
  body: () => Json;
  action: AwaitedAction;
  /** Whether a failure is reported with the session's PaymentIntent (payments) or without. */
  failuresCarryPaymentIntent?: boolean;
  /** The answer when the start is refused (default: the error as is). */
  notStarted?: (error: ExposedError) => Promise<T | ErrorResponse>;
  /** A failed action `finish` handles itself (default: none, they answer `actionError`). */
  finishesFailure?: (action: ReaderAction) => boolean;
  /** The command's answer from the final state: a value completes it, an `{error}` fails it. */
  finish: (done: { state: SdkState; action: ReaderAction }) => Promise<T | ErrorResponse>;
}

const isErrorResponse = (value: unknown): value is ErrorResponse =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && 'error' in value;
type Ok = Record<string, never>;
type Kind = 'collect' | 'process' | 'inputs' | 'setup_collect' | 'setup_confirm' | 'refund_collect' | 'refund_process';

const ok = (): Ok => ({}) as Ok;
const failure = (code: string, message: string, extra: Partial<ExposedError> = {}): ErrorResponse => ({
  error: { type: 'invalid_request_error', code, message, ...extra },
});

/** Server answers that mean the same thing as a documented JS error code. */
const serverCodes: Readonly<Record<string, string>> = {
  terminal_reader_timeout: 'network_timeout',
  terminal_reader_offline: 'network_error',
  terminal_reader_busy: 'command_already_in_progress',
  reader_in_use: 'reader_error',
  invalid_connection_token: 'failed_fetch_connection_token',
};
/** The JS SDK's wording of a failing `onFetchConnectionToken` (docs/sdk.md, "Errors"). */
const tokenMessages = {
  failed: (reason: string) => `onFetchConnectionToken failed: ${reason}`,
  notAToken: 'onFetchConnectionToken did not resolve to a connection token (a string).',
};

/** A transport failure as the JS SDK's `ExposedError`. */
function exposed(failed: TransportFailure): ExposedError {
  const { error } = failed;
  if (failed.kind === 'network' || failed.kind === 'timeout') {
    return { type: 'api_connection_error', code: error.code, message: error.message };
  }
  if (failed.kind === 'token') return { type: 'invalid_request_error', code: error.code, message: error.message };
  return {
    type: typeof error['type'] === 'string' ? error['type'] : 'api_error',
    code: serverCodes[error.code] ?? error.code,
    message: error.message,
    ...(typeof error['decline_code'] === 'string' ? { decline_code: error['decline_code'] } : {}),
    ...(error['payment_intent'] ? { payment_intent: error['payment_intent'] as IPaymentIntent } : {}),
    ...(failed.requestId ? { request_id: failed.requestId } : {}),
  };
}

function apiResult<T>(result: TransportResult<T>): ApiResult<T> {
  return result.ok ? { ok: true, data: result.data } : { ok: false, status: result.status, error: exposed(result) };
}

/** Reader action failure codes that have a JS error code. */
const actionCodes: Readonly<Record<string, string>> = {
  customer_canceled: 'canceled',
  connection_error: 'network_error',
  input_collection_timed_out: 'reader_error',
};

const brands: Readonly<Record<string, CreditCardBrand>> = {
  visa: 'VISA',
  mastercard: 'MASTERCARD',
  amex: 'AMERICAN_EXPRESS',
  discover: 'DISCOVER',
  diners: 'DINERS',
  jcb: 'JCB',
  unionpay: 'CUP',
  interac: 'UNKNOWN_CREDIT',
  eftpos_au: 'UNKNOWN_CREDIT',
};
const entryMethods: Readonly<Record<string, CardEntryMethod>> = {
  contact_emv: 'CHIP_READ',
  contactless_emv: 'CONTACTLESS',
  contactless_magstripe_mode: 'CONTACTLESS',
  magnetic_stripe_fallback: 'FSWIPE',
  magnetic_stripe_track2: 'SWIPED',
};

export class OpenTillTerminal implements Terminal {
  /** HTTP, the SDK session and its renewal (shared with the mobile SDK). */
  private readonly transport: SdkTransport;
  /** The state long-poll, while a reader is connected (shared with the mobile SDK). */
  private readonly monitor: StateMonitor<SdkState>;
  private connectionStatus = ConnectionStatus.NOT_CONNECTED;
  private paymentStatus = PaymentStatus.NOT_READY;
  private reader: Reader | null = null;
  private simulatedReaders = new Set<string>();
  private simulator: SimulatorConfiguration = {};
  private command: Kind | 'display' | 'connect' | null = null;
  /**
   * The command in progress. `started` settles once its first request (the one that puts the action
   * on the reader) has been answered: a cancel waits for it, or it would reach the server before the
   * action exists and cancel nothing.
   */
  private pending: { kind: Kind; cancelRequested: boolean; started: Promise<void>; markStarted: () => void } | null =
    null;
  private readonly lastOutcome = new Map<Kind, 'completed' | 'canceled'>();
  private collectedSetupIntent: string | null = null;
  private collectedRefund: { refund: IRefund } | ErrorResponse | null = null;
  private textToSpeech: 'off' | 'speakers' = 'off';

  constructor(private readonly props: TerminalProps) {
    if (typeof props?.onFetchConnectionToken !== 'function') {
      throw new TypeError(
        'StripeTerminal.create: onFetchConnectionToken must be a function returning a connection token.',
      );
    }
    const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
    this.transport = new SdkTransport({
      apiBase: props.apiBase ?? origin ?? 'http://127.0.0.1:4242',
      fetchConnectionToken: () => props.onFetchConnectionToken(),
      tokenMessages,
      restoreAfterRenewal: (secret) => this.reconnectAfterRenewal(secret),
    });
    this.monitor = new StateMonitor<SdkState>(
      this.transport,
      (state) => this.watch(state),
      (failed) => this.lostReader(exposed(failed)),
    );
  }

  // ----------------------------------------------------------------------------------------------
  // Status
  // ----------------------------------------------------------------------------------------------

  getConnectionStatus(): ConnectionStatus {
    return this.connectionStatus;
  }
  getPaymentStatus(): PaymentStatus {
    return this.paymentStatus;
  }
  getConnectedReader(): Reader {
    return this.reader as Reader;
  }
  overrideBaseURL(url: string): void {
    this.transport.apiBase = url.replace(/\/+$/, '');
  }

  private setConnectionStatus(status: ConnectionStatus): void {
    if (this.connectionStatus === status) return;
    this.connectionStatus = status;
    this.safely(() => this.props.onConnectionStatusChange?.({ status }));
  }

  private setPaymentStatus(status: PaymentStatus): void {
    if (this.paymentStatus === status) return;
    this.paymentStatus = status;
    this.safely(() => this.props.onPaymentStatusChange?.({ status }));
  }

  private safely(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      if (this.props.logLevel === 'verbose') console.error('[opentill-terminal] callback threw', error);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // HTTP, credentials and the state monitor (SdkTransport, StateMonitor)
  // ----------------------------------------------------------------------------------------------

  /**
   * A session-authenticated call (docs/sdk.md, "Credentials"). An expired session is replaced once
   * — new token, same reader — and no call runs on the new session before the reader is reconnected
   * to it (the transport makes every call wait for the renewal).
   */
  private async request<T>(method: string, path: string, body?: Json): Promise<ApiResult<T>> {
    return apiResult(await this.transport.request<T>(method, path, body));
  }

  /** The renewal's second half: the connected reader, connected again to the new session. */
  private async reconnectAfterRenewal(secret: string): Promise<TransportResult<unknown> | null> {
    if (!this.reader) return null;
    return this.transport.raw(
      'POST',
      '/connection',
      { reader: this.reader.id, simulated: this.simulatedReaders.has(this.reader.id) },
      secret,
    );
  }

  /** Every state the long-poll (or a command) sees. */
  private watch(state: SdkState): void {
    // Keep the connected reader fresh (status, last_seen_at, action), as Stripe's SDK would.
    if (this.reader && state.reader?.id === this.reader.id && state.connection === 'connected')
      this.reader = state.reader;
    if (this.reader && state.connection === 'not_connected' && state.disconnect_reason !== null) {
      const offline = state.disconnect_reason === 'reader_offline';
      this.lostReader({
        type: 'api_connection_error',
        code: offline ? 'network_error' : 'reader_error',
        message: offline
          ? 'The reader went offline.'
          : state.disconnect_reason === 'taken_over'
            ? 'Another point of sale connected to the reader.'
            : 'The reader is no longer available.',
      });
    }
  }

  /** The reader is gone without the app asking: report it once. */
  private lostReader(error: ExposedError): void {
    if (!this.reader) return;
    const readerId = this.reader.id;
    this.dropConnection();
    void this.transport.raw('DELETE', '/connection', undefined, this.transport.currentSecret).catch(() => undefined);
    this.safely(() =>
      this.props.onUnexpectedReaderDisconnect?.({ error: { ...error, message: `${error.message} (${readerId})` } }),
    );
  }

  private dropConnection(): void {
    // Stops the long-poll; the commands waiting on it see a disconnected state.
    this.monitor.stop();
    this.reader = null;
    this.setConnectionStatus(ConnectionStatus.NOT_CONNECTED);
    this.setPaymentStatus(PaymentStatus.NOT_READY);
  }

  // ----------------------------------------------------------------------------------------------
  // Discovery and connection
  // ----------------------------------------------------------------------------------------------

  async discoverReaders(config: DiscoveryConfig = {}): Promise<DiscoverResult | ErrorResponse> {
    const query = new URLSearchParams();
    if (config.simulated) query.set('simulated', 'true');
    if (config.location) query.set('location', config.location);
    const result = await this.request<{ data: Reader[] }>('GET', `/readers?${query.toString()}`);
    if (!result.ok) return { error: result.error };
    let readers = result.data.data;
    if (config.device_type) readers = readers.filter((reader) => reader.device_type === config.device_type);
    if (config.simulated) for (const reader of readers) this.simulatedReaders.add(reader.id);
    return { discoveredReaders: readers };
  }

  async connectReader(
    reader: Reader,
    connectOptions: ConnectOptions = {},
  ): Promise<{ reader: Reader } | ErrorResponse> {
    if (this.reader || this.command === 'connect') {
      return failure('already_connected', 'A reader is already connected: disconnect it first.');
    }
    if (!reader || typeof reader.id !== 'string')
      return failure('invalid_argument', 'connectReader needs a Reader from discoverReaders.');
    this.command = 'connect';
    this.setConnectionStatus(ConnectionStatus.CONNECTING);
    try {
      const result = await this.request<Reader>('POST', '/connection', {
        reader: reader.id,
        fail_if_in_use: connectOptions.fail_if_in_use === true,
        simulated: this.simulatedReaders.has(reader.id),
      });
      if (!result.ok) {
        this.setConnectionStatus(ConnectionStatus.NOT_CONNECTED);
        return { error: result.error };
      }
      this.reader = result.data;
      this.setConnectionStatus(ConnectionStatus.CONNECTED);
      this.setPaymentStatus(PaymentStatus.READY);
      this.monitor.start();
      return { reader: result.data };
    } finally {
      this.command = null;
    }
  }

  /**
   * Always resolves `{}`, as 0.26.0 types it (`Promise<IDisconnectResponse>`): the reader is
   * dropped locally at once; a session that could not be ended over the network is logged and
   * expires on the server by itself.
   */
  async disconnectReader(): Promise<IDisconnectResponse> {
    const had = this.reader !== null;
    this.dropConnection();
    // A new connection needs a new connection token: the session ends with the connection.
    if (had) {
      const ended = await this.transport.endSession();
      if (ended && !ended.ok && ended.status === 0)
        console.warn('[opentill] disconnectReader: the SDK session could not be ended', exposed(ended).message);
    }
    return {} as IDisconnectResponse;
  }

  async clearCachedCredentials(): Promise<Ok | ErrorResponse> {
    // The session is forgotten before the reader is dropped (a status callback's call opens a new one).
    const ended = this.transport.endSession();
    if (this.reader) this.dropConnection();
    await ended;
    return ok();
  }

  // ----------------------------------------------------------------------------------------------
  // Commands
  // ----------------------------------------------------------------------------------------------

  private begin(kind: Kind | 'display'): ErrorResponse | null {
    if (!this.reader) return failure('no_established_connection', 'No reader is connected: call connectReader first.');
    if (this.command) {
      return failure('command_already_in_progress', `Another command (${this.command}) is in progress on this reader.`);
    }
    this.command = kind;
    if (kind !== 'display') {
      let markStarted = () => {};
      const started = new Promise<void>((resolve) => {
        markStarted = resolve;
      });
      this.pending = { kind, cancelRequested: false, started, markStarted };
    }
    return null;
  }

  private end(kind: Kind | 'display', outcome: 'completed' | 'canceled' | 'failed'): void {
    if (this.command === kind) this.command = null;
    if (kind !== 'display') {
      this.pending?.markStarted();
      this.pending = null;
      if (outcome !== 'failed') this.lastOutcome.set(kind, outcome);
      else this.lastOutcome.delete(kind);
    }
    if (this.reader) this.setPaymentStatus(PaymentStatus.READY);
  }

  private simulatorPayload(): Json {
    const s = this.simulator;
    return {
      ...(s.testCardNumber ? { testCardNumber: s.testCardNumber } : {}),
      ...(s.testPaymentMethod ? { testPaymentMethod: s.testPaymentMethod } : {}),
      ...(typeof s.tipAmount === 'number' ? { tipAmount: s.tipAmount } : {}),
      ...(s.paymentMethodType ? { paymentMethodType: s.paymentMethodType } : {}),
      ...(s.collectInputsResult
        ? {
            collectInputsResult: {
              resultType: s.collectInputsResult.resultType,
              ...(s.collectInputsResult.skipBehavior ? { skipBehavior: s.collectInputsResult.skipBehavior } : {}),
            },
          }
        : {}),
    };
  }

  /**
   * The one sequence of every reader command: begin (one command at a time) → payment status →
   * start the reader action → follow its updates → outcome (canceled, failed, or `finish`) → end
   * (remembers whether it completed or was canceled, for the `cancelXxx()` answers).
   */
  private async runReaderCommand<T>(command: ReaderCommand<T>): Promise<T | ErrorResponse> {
    const refused = this.begin(command.kind);
    if (refused) return refused;
    let result: 'completed' | 'canceled' | 'failed' = 'failed';
    const answer = (value: T | ErrorResponse): T | ErrorResponse => {
      if (!isErrorResponse(value)) result = 'completed';
      return value;
    };
    try {
      command.beforeStart?.();
      this.setPaymentStatus(command.status);
      const started = await this.startCommand(command.path, command.body());
      if (!started.ok)
        return answer(command.notStarted ? await command.notStarted(started.error) : { error: started.error });
      this.monitor.update(started.data);
      const done = await this.outcome(started.data, command.action);
      if ('error' in done) {
        if (done.error.code === 'canceled') result = 'canceled';
        return done;
      }
      if (done.action.status === 'failed' && !command.finishesFailure?.(done.action)) {
        return this.actionError(done.state, done.action, command.failuresCarryPaymentIntent === true);
      }
      return answer(await command.finish(done));
    } finally {
      this.end(command.kind, result);
    }
  }

  /**
   * Waits for the reader's action `type` (about `id` under `idKey`) to finish, or for `settled` to
   * show its outcome first. Resolves with the final state, or an error: canceled, replaced by
   * another command, or the reader was lost.
   */
  private async outcome(
    first: SdkState,
    { type, idKey, id, settled: extraSuccess }: AwaitedAction,
  ): Promise<{ state: SdkState; action: ReaderAction } | ErrorResponse> {
    let seen = false;
    return this.monitor.waitFor((state) => {
      if (state.connection === 'not_connected') {
        return failure('no_established_connection', 'The reader was disconnected before the command completed.');
      }
      const action = state.reader?.action ?? null;
      const sub = (action?.[action.type] ?? {}) as Json;
      const mine = action !== null && action.type === type && (idKey === null || sub[idKey] === id);
      if (mine) {
        seen = true;
        if (action.status !== 'in_progress') return { state, action };
        if (extraSuccess?.(state)) return { state, action: { ...action, status: 'succeeded' as const } };
        return undefined;
      }
      if (this.pending?.cancelRequested) return failure('canceled', 'The command was canceled.');
      if (seen) return failure('canceled', 'The command was replaced on the reader by another one.');
      return undefined;
    }, first);
  }

  private actionError(state: SdkState, action: ReaderAction, withPaymentIntent: boolean): ErrorResponse {
    const paymentIntent = withPaymentIntent ? (state.payment_intent ?? undefined) : undefined;
    const failed = actionFailure(action, paymentIntent as Json | undefined);
    const { code } = failed;
    const lastError = failed.lastPaymentError as { decline_code?: string; type?: string } | null;
    const apiError = failed.apiError as { type?: string; decline_code?: string } | null;
    const declineCode = apiError?.decline_code ?? (code === 'card_declined' ? lastError?.decline_code : undefined);
    return {
      error: {
        type:
          apiError?.type ??
          (lastError && code !== 'connection_error' ? (lastError.type ?? 'card_error') : 'invalid_request_error'),
        code: actionCodes[code] ?? code,
        message: action.failure_message ?? 'The reader reported an error.',
        ...(declineCode ? { decline_code: declineCode } : {}),
        ...(paymentIntent ? { payment_intent: paymentIntent } : {}),
      },
    };
  }

  /** The request that starts a command's reader action; a cancel waits for its answer. */
  private async startCommand(path: string, body: Json): Promise<ApiResult<SdkState>> {
    try {
      return await this.request<SdkState>('POST', path, body);
    } finally {
      this.pending?.markStarted();
    }
  }

  private async cancelPending(kind: Kind, never: string): Promise<Ok | ErrorResponse> {
    if (!this.reader) return failure('no_established_connection', 'No reader is connected.');
    if (this.pending?.kind !== kind) {
      const last = this.lastOutcome.get(kind);
      if (last === 'canceled') return failure('cancelable_already_canceled', 'The command was already canceled.');
      if (last === 'completed') return failure('cancelable_already_completed', 'The command already completed.');
      return failure(never, 'There is no command of this kind in progress to cancel.');
    }
    const pending = this.pending;
    pending.cancelRequested = true;
    await pending.started;
    // The command may have ended while its start was answered (failed to start, or done at once).
    if (this.pending !== pending)
      return this.lastOutcome.get(kind) === 'completed'
        ? failure('cancelable_already_completed', 'The command already completed.')
        : ok();
    const result = await this.request<SdkState>('POST', '/cancel_action', {});
    if (!result.ok) {
      if (this.pending) this.pending.cancelRequested = false;
      if (result.error.code === 'command_already_in_progress') {
        return failure(
          'cancelable_already_completed',
          'The reader is already processing: the command can no longer be canceled.',
        );
      }
      return { error: result.error };
    }
    this.monitor.update(result.data);
    return ok();
  }

  // Payments ---------------------------------------------------------------------------------------

  async collectPaymentMethod(
    request: string,
    options: CollectPaymentMethodOptions = {},
  ): Promise<{ paymentIntent: ISdkManagedPaymentIntent } | ErrorResponse> {
    const paymentIntentId = typeof request === 'string' ? intentIdOfClientSecret(request) : null;
    if (paymentIntentId === null) {
      return failure(
        'invalid_payment_intent_client_secret',
        'collectPaymentMethod needs the client_secret of a PaymentIntent.',
      );
    }
    const override = options.config_override ?? {};
    return this.runReaderCommand({
      kind: 'collect',
      status: PaymentStatus.WAITING_FOR_INPUT,
      path: '/collect_payment_method',
      body: () => {
        const cancellation = override.enable_customer_cancellation ?? this.props.readerBehavior?.allowCustomerCancel;
        const collectConfig: Json = {
          ...(typeof override.skip_tipping === 'boolean' ? { skip_tipping: override.skip_tipping } : {}),
          ...(typeof override.tipping?.eligible_amount === 'number'
            ? { tipping: { amount_eligible: override.tipping.eligible_amount } }
            : {}),
          ...(typeof cancellation === 'boolean' ? { enable_customer_cancellation: cancellation } : {}),
          ...(override.allow_redisplay ? { allow_redisplay: override.allow_redisplay } : {}),
        };
        return {
          client_secret: request,
          collect_config: collectConfig,
          simulator: this.simulatorPayload(),
          ...(override.payment_intent_id ? { payment_intent_id: override.payment_intent_id } : {}),
        };
      },
      action: { type: 'collect_payment_method', idKey: 'payment_intent', id: paymentIntentId },
      failuresCarryPaymentIntent: true,
      finish: async (done) => {
        const paymentIntent = done.state.payment_intent;
        if (!paymentIntent) return failure('reader_error', 'The PaymentIntent could not be read back from the server.');
        const paymentMethod = (done.action['collect_payment_method'] as Json)['payment_method'] as Json | undefined;
        return {
          paymentIntent: {
            ...paymentIntent,
            payment_method: override.update_payment_intent ? (paymentMethod ?? paymentIntent.payment_method) : null,
            sdk_payment_details: sdkPaymentDetails(paymentMethod, done.state.collected_tip_amount),
          } as unknown as ISdkManagedPaymentIntent,
        };
      },
    });
  }

  cancelCollectPaymentMethod(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('collect', 'no_active_collect_payment_method_attempt');
  }

  async processPayment(
    request: ISdkManagedPaymentIntent | IPaymentIntent,
    options: ProcessPaymentOptions = {},
  ): Promise<{ paymentIntent: IPaymentIntent } | ErrorResponse> {
    if (!request || typeof request.id !== 'string') {
      return failure('invalid_argument', 'processPayment needs the PaymentIntent returned by collectPaymentMethod.');
    }
    const returnUrl = options.config_override?.return_url;
    return this.runReaderCommand({
      kind: 'process',
      status: PaymentStatus.PROCESSING,
      path: '/process_payment',
      body: () => ({
        payment_intent: request.id,
        simulator: this.simulatorPayload(),
        ...(returnUrl ? { confirm_config: { return_url: returnUrl } } : {}),
      }),
      action: {
        type: 'confirm_payment_intent',
        idKey: 'payment_intent',
        id: request.id,
        settled: (state) => isSettledPaymentIntent(state.payment_intent, request.id),
      },
      failuresCarryPaymentIntent: true,
      notStarted: async (error) => {
        // A retry after an unknown outcome (the answer was lost): the PaymentIntent tells the truth.
        if (error.code === 'intent_invalid_state') {
          const state = await this.request<SdkState>('GET', '/state');
          const current = state.ok ? state.data.payment_intent : null;
          if (current && isSettledPaymentIntent(current, request.id)) return { paymentIntent: current };
          if (current?.id === request.id) return { error: { ...error, payment_intent: current } };
        }
        return { error };
      },
      finish: async (done) => {
        const paymentIntent = done.state.payment_intent;
        if (!paymentIntent) return failure('reader_error', 'The PaymentIntent could not be read back from the server.');
        // Stripe's simulator follows its configuration until processPayment completes, then reverts.
        this.simulator = {};
        return { paymentIntent };
      },
    });
  }

  cancelProcessPayment(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('process', 'cancelable_already_completed');
  }

  // Reader display ---------------------------------------------------------------------------------

  async setReaderDisplay(request: ISetReaderDisplayRequest): Promise<Ok | ErrorResponse> {
    const refused = this.begin('display');
    if (refused) return refused;
    try {
      const cart = request?.cart ?? {};
      const result = await this.request<SdkState>('POST', '/set_reader_display', {
        type: request?.type ?? 'cart',
        cart: {
          currency: cart.currency,
          tax: cart.tax ?? undefined,
          total: cart.total,
          line_items: (cart.line_items ?? []).map((item) => ({
            amount: item.amount,
            description: item.description,
            quantity: item.quantity,
          })),
        },
      });
      if (!result.ok) return { error: result.error };
      this.monitor.update(result.data);
      return ok();
    } finally {
      this.end('display', 'completed');
    }
  }

  async clearReaderDisplay(): Promise<Ok | ErrorResponse> {
    const refused = this.begin('display');
    if (refused) return refused;
    try {
      const state = await this.request<SdkState>('GET', '/state');
      if (!state.ok) return { error: state.error };
      if (state.data.reader?.action?.type !== 'set_reader_display') return ok();
      const result = await this.request<SdkState>('POST', '/cancel_action', {});
      if (!result.ok) return { error: result.error };
      this.monitor.update(result.data);
      return ok();
    } finally {
      this.end('display', 'completed');
    }
  }

  // Collect inputs ---------------------------------------------------------------------------------

  async collectInputs(params: ICollectInputsParameters): Promise<ICollectInputsResult[] | ErrorResponse> {
    if (!params || !Array.isArray(params.inputs))
      return failure('invalid_argument', 'collectInputs needs {inputs: [...]}.');
    return this.runReaderCommand({
      kind: 'inputs',
      status: PaymentStatus.WAITING_FOR_INPUT,
      path: '/collect_inputs',
      body: () => ({
        inputs: params.inputs.map((input) => {
          const extra = input as {
            selectionButtons?: Array<{ id: string; text: string; style?: string }>;
            submitButtonText?: string | null;
          };
          return {
            type: input.formType,
            custom_text: {
              title: input.title,
              ...(input.description ? { description: input.description } : {}),
              ...(input.skipButtonText ? { skip_button: input.skipButtonText } : {}),
              ...(extra.submitButtonText ? { submit_button: extra.submitButtonText } : {}),
            },
            ...(typeof input.required === 'boolean' ? { required: input.required } : {}),
            ...(extra.selectionButtons
              ? {
                  selection: {
                    choices: extra.selectionButtons.map((button) => ({
                      id: button.id,
                      text: button.text,
                      ...(button.style ? { style: button.style } : {}),
                    })),
                  },
                }
              : {}),
            ...(input.toggles
              ? {
                  toggles: input.toggles.map((toggle) => ({
                    ...(toggle.title ? { title: toggle.title } : {}),
                    ...(toggle.description ? { description: toggle.description } : {}),
                    default_value: toggle.defaultValue,
                  })),
                }
              : {}),
          };
        }),
        simulator: this.simulatorPayload(),
      }),
      action: { type: 'collect_inputs', idKey: null, id: null },
      finish: async (done) => (((done.action['collect_inputs'] as Json)['inputs'] ?? []) as Json[]).map(inputResult),
    });
  }

  cancelCollectInputs(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('inputs', 'cancelable_already_completed');
  }

  // SetupIntents -----------------------------------------------------------------------------------

  async collectSetupIntentPaymentMethod(
    clientSecret: string,
    customerConsentCollectedOrAllowRedisplay: boolean | AllowRedisplay,
    config: ISetupIntentConfig | null = null,
  ): Promise<{ setupIntent: ISetupIntent } | ErrorResponse> {
    const setupIntentId = typeof clientSecret === 'string' ? intentIdOfClientSecret(clientSecret) : null;
    if (setupIntentId === null) {
      return failure('invalid_argument', 'collectSetupIntentPaymentMethod needs the client_secret of a SetupIntent.');
    }
    const allowRedisplay =
      typeof customerConsentCollectedOrAllowRedisplay === 'boolean'
        ? customerConsentCollectedOrAllowRedisplay
          ? AllowRedisplay.ALWAYS
          : AllowRedisplay.UNSPECIFIED
        : customerConsentCollectedOrAllowRedisplay;
    return this.runReaderCommand({
      kind: 'setup_collect',
      status: PaymentStatus.WAITING_FOR_INPUT,
      path: '/collect_setup_intent',
      body: () => ({
        client_secret: clientSecret,
        allow_redisplay: allowRedisplay,
        simulator: this.simulatorPayload(),
        ...(typeof config?.enable_customer_cancellation === 'boolean'
          ? { process_config: { enable_customer_cancellation: config.enable_customer_cancellation } }
          : {}),
      }),
      action: { type: 'process_setup_intent', idKey: 'setup_intent', id: setupIntentId },
      finish: async (done) => {
        const setupIntent = done.state.setup_intent;
        if (!setupIntent) return failure('reader_error', 'The SetupIntent could not be read back from the server.');
        this.collectedSetupIntent = setupIntent.id;
        return { setupIntent };
      },
    });
  }

  cancelCollectSetupIntentPaymentMethod(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('setup_collect', 'cancelable_already_completed');
  }

  /** The reader confirms the SetupIntent when the card is read (docs/sdk.md): this returns it. */
  async confirmSetupIntent(setupIntent: ISetupIntent): Promise<{ setupIntent: ISetupIntent } | ErrorResponse> {
    if (!setupIntent || setupIntent.id !== this.collectedSetupIntent) {
      return failure(
        'invalid_argument',
        'confirmSetupIntent needs the SetupIntent returned by collectSetupIntentPaymentMethod.',
      );
    }
    const refused = this.begin('setup_confirm');
    if (refused) return refused;
    let result: 'completed' | 'failed' = 'failed';
    try {
      const state = await this.request<SdkState>('GET', '/state');
      if (!state.ok) return { error: state.error };
      const current = state.data.setup_intent;
      if (!current || current.id !== setupIntent.id) {
        return failure('reader_error', 'The reader no longer holds this SetupIntent: collect it again.');
      }
      this.collectedSetupIntent = null;
      result = 'completed';
      return { setupIntent: current };
    } finally {
      this.end('setup_confirm', result);
    }
  }

  cancelConfirmSetupIntent(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('setup_confirm', 'cancelable_already_completed');
  }

  // Refunds ----------------------------------------------------------------------------------------

  async collectRefundPaymentMethod(
    chargeId: string,
    amount: number,
    currency: string,
    options: RefundOptions = {},
    config: { enable_customer_cancellation?: boolean | null } = {},
  ): Promise<Ok | ErrorResponse> {
    if (typeof chargeId !== 'string' || !Number.isInteger(amount) || amount <= 0 || typeof currency !== 'string') {
      return failure(
        'invalid_argument',
        'collectRefundPaymentMethod needs a charge id, a positive integer amount and a currency.',
      );
    }
    return this.runReaderCommand({
      kind: 'refund_collect',
      status: PaymentStatus.WAITING_FOR_INPUT,
      path: '/collect_refund',
      beforeStart: () => {
        this.collectedRefund = null;
      },
      body: () => ({
        charge: chargeId,
        amount,
        currency,
        simulator: this.simulatorPayload(),
        ...(typeof options.reverse_transfer === 'boolean' ? { reverse_transfer: options.reverse_transfer } : {}),
        ...(typeof options.refund_application_fee === 'boolean'
          ? { refund_application_fee: options.refund_application_fee }
          : {}),
        ...(typeof config.enable_customer_cancellation === 'boolean'
          ? { refund_payment_config: { enable_customer_cancellation: config.enable_customer_cancellation } }
          : {}),
      }),
      action: { type: 'refund_payment', idKey: 'charge', id: chargeId },
      // The card was read; the refund's outcome is processRefund's answer.
      finishesFailure: (action) => action.failure_code === 'refund_failed',
      finish: async (done) => {
        this.collectedRefund =
          done.action.status === 'failed'
            ? {
                error: {
                  type: 'invalid_request_error',
                  code: 'refund_failed',
                  message: done.action.failure_message ?? 'The refund failed.',
                  ...(done.state.refund?.failure_reason ? { failure_reason: done.state.refund.failure_reason } : {}),
                },
              }
            : { refund: done.state.refund ?? {} };
        return ok();
      },
    });
  }

  cancelCollectRefundPaymentMethod(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('refund_collect', 'cancelable_already_completed');
  }

  async processRefund(): Promise<{ refund: IRefund } | ErrorResponse> {
    if (!this.reader) return failure('no_established_connection', 'No reader is connected: call connectReader first.');
    const collected = this.collectedRefund;
    if (!collected)
      return failure('invalid_argument', 'processRefund needs a successful collectRefundPaymentMethod first.');
    this.collectedRefund = null;
    this.lastOutcome.set('refund_process', 'completed');
    return collected;
  }

  cancelProcessRefund(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('refund_process', 'cancelable_already_completed');
  }

  // Simulator --------------------------------------------------------------------------------------

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Stripe types it `any`
  setSimulatorConfiguration(config: any): void {
    const c = (config ?? {}) as SimulatorConfiguration;
    const next: SimulatorConfiguration = {};
    if (typeof c.testCardNumber === 'string') next.testCardNumber = c.testCardNumber;
    if (typeof c.testPaymentMethod === 'string') next.testPaymentMethod = c.testPaymentMethod;
    if (typeof c.tipAmount === 'number') next.tipAmount = c.tipAmount;
    if (c.paymentMethodType === 'interac_present') next.paymentMethodType = c.paymentMethodType;
    if (c.collectInputsResult && typeof c.collectInputsResult === 'object') {
      next.collectInputsResult = {
        resultType: c.collectInputsResult.resultType,
        ...(c.collectInputsResult.skipBehavior ? { skipBehavior: c.collectInputsResult.skipBehavior } : {}),
      };
    }
    this.simulator = next;
  }

  getSimulatorConfiguration(): SimulatorConfiguration {
    return { ...this.simulator };
  }

  // Not offered by OpenTill (docs/sdk.md): answered as values, never thrown -----------------------

  async readReusableCard(): Promise<{ payment_method: IPaymentMethodReadReusableResponse } | ErrorResponse> {
    return failure(
      'reader_error',
      'readReusableCard is not supported by OpenTill: use collectSetupIntentPaymentMethod.',
    );
  }

  async cancelReadReusableCard(): Promise<Ok | ErrorResponse> {
    return failure('no_active_read_reusable_card_attempt', 'There is no readReusableCard in progress.');
  }

  async setReaderSettings(request: ISetReaderSettingsRequest): Promise<IReaderSettings | ErrorResponse> {
    if (!this.reader) return failure('no_established_connection', 'No reader is connected: call connectReader first.');
    this.textToSpeech = request?.accessibility_parameters?.enableTextToSpeechSpeakers ? 'speakers' : 'off';
    return this.getReaderSettings();
  }

  async getReaderSettings(): Promise<IReaderSettings | ErrorResponse> {
    if (!this.reader) return failure('no_established_connection', 'No reader is connected: call connectReader first.');
    return { accessibilitySettings: { textToSpeechStatus: this.textToSpeech } };
  }

  async print(): Promise<Ok | ErrorResponse> {
    return failure('reader_error', 'Printing is not supported by OpenTill readers.');
  }
}

function sdkPaymentDetails(
  paymentMethod: Json | undefined,
  tipAmount: number | undefined,
): ISdkManagedPaymentIntent['sdk_payment_details'] {
  const card = (paymentMethod?.['card_present'] ?? paymentMethod?.['interac_present'] ?? null) as Json | null;
  const tip = tipAmount ?? null;
  if (!card) return { card_payment: null, tip_selection: tip !== null ? { amount: tip } : null };
  const month = typeof card['exp_month'] === 'number' ? String(card['exp_month']).padStart(2, '0') : null;
  const year = typeof card['exp_year'] === 'number' ? String(card['exp_year']).slice(-2) : null;
  return {
    card_payment: {
      masked_pan: typeof card['last4'] === 'string' ? `************${card['last4']}` : null,
      expiration_date: month && year ? `${month}${year}` : null,
      card_brand: brands[String(card['brand'])] ?? 'UNKNOWN_CREDIT',
      card_entry_method: entryMethods[String(card['read_method'])] ?? 'INVALID_ENTRY_METHOD',
    },
    tip_selection: tip !== null ? { amount: tip } : null,
  };
}

function inputResult(input: Json): ICollectInputsResult {
  const type = String(input['type']) as FormType;
  const skipped = input['skipped'] === true;
  const toggles = ((input['toggles'] ?? []) as Json[]).map((toggle) =>
    skipped ? ToggleResult.SKIPPED : toggle['value'] === 'enabled' ? ToggleResult.ENABLED : ToggleResult.DISABLED,
  );
  const value = (key: string) => {
    const field = input[key] as { value?: unknown } | undefined;
    return skipped || typeof field?.value !== 'string' ? null : field.value;
  };
  const selection = input['selection'] as { id?: string | null; text?: string | null } | undefined;
  return {
    formType: type,
    skipped,
    toggles,
    selection: skipped ? null : (selection?.text ?? null),
    selectionId: skipped ? null : (selection?.id ?? null),
    signatureSvg: value('signature'),
    phone: value('phone'),
    email: value('email'),
    text: value('text'),
    numericString: value('numeric'),
  };
}
