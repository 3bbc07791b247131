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
  AllowRedisplay, ConnectionStatus, PaymentStatus, ToggleResult,
  type CardEntryMethod, type CollectPaymentMethodOptions, type ConnectOptions, type CreditCardBrand, type DiscoverResult,
  type DiscoveryConfig, type ErrorResponse, type ExposedError, type FormType, type ICollectInputsParameters,
  type ICollectInputsResult, type IDisconnectResponse, type IPaymentIntent, type IRefund, type ISdkManagedPaymentIntent,
  type IReaderSettings, type ISetReaderDisplayRequest, type ISetReaderSettingsRequest, type ISetupIntent, type ISetupIntentConfig, type ProcessPaymentOptions, type Reader,
  type RefundOptions, type SimulatorConfiguration, type Terminal, type TerminalProps,
} from './types.js';

type Json = Record<string, unknown>;
type ReaderAction = { type: string; status: 'in_progress' | 'succeeded' | 'failed'; failure_code: string | null;
  failure_message: string | null; api_error?: Json } & Json;

interface SdkState {
  object: 'opentill.sdk_state';
  version: string;
  connection: 'connected' | 'not_connected';
  disconnect_reason: string | null;
  reader: (Reader & { action: ReaderAction | null }) | null;
  payment_intent?: IPaymentIntent | null;
  setup_intent?: ISetupIntent | null;
  refund?: IRefund | null;
  collected_tip_amount?: number;
}

type ApiResult<T> = { ok: true; data: T } | { ok: false; status: number; error: ExposedError };
type Ok = Record<string, never>;
type Kind = 'collect' | 'process' | 'inputs' | 'setup_collect' | 'setup_confirm' | 'refund_collect' | 'refund_process';

/** How long one long-poll of the state waits on the server. */
const stateWaitMs = 25_000;
/** A request (other than the long-poll) gives up after this long: `network_timeout`. */
const requestTimeoutMs = 30_000;

const ok = (): Ok => ({}) as Ok;
const failure = (code: string, message: string, extra: Partial<ExposedError> = {}): ErrorResponse =>
  ({ error: { type: 'invalid_request_error', code, message, ...extra } });

/** Server answers that mean the same thing as a documented JS error code. */
const serverCodes: Readonly<Record<string, string>> = {
  terminal_reader_timeout: 'network_timeout',
  terminal_reader_offline: 'network_error',
  terminal_reader_busy: 'command_already_in_progress',
  reader_in_use: 'reader_error',
  invalid_connection_token: 'failed_fetch_connection_token',
};
/** Reader action failure codes that have a JS error code. */
const actionCodes: Readonly<Record<string, string>> = {
  customer_canceled: 'canceled',
  connection_error: 'network_error',
  input_collection_timed_out: 'reader_error',
};

const brands: Readonly<Record<string, CreditCardBrand>> = {
  visa: 'VISA', mastercard: 'MASTERCARD', amex: 'AMERICAN_EXPRESS', discover: 'DISCOVER', diners: 'DINERS', jcb: 'JCB',
  unionpay: 'CUP', interac: 'UNKNOWN_CREDIT', eftpos_au: 'UNKNOWN_CREDIT',
};
const entryMethods: Readonly<Record<string, CardEntryMethod>> = {
  contact_emv: 'CHIP_READ', contactless_emv: 'CONTACTLESS', contactless_magstripe_mode: 'CONTACTLESS',
  magnetic_stripe_fallback: 'FSWIPE', magnetic_stripe_track2: 'SWIPED',
};

export class OpenTillTerminal implements Terminal {
  private apiBase: string;
  private session: string | null = null;
  private sessionPromise: Promise<{ secret: string } | ErrorResponse> | null = null;
  private connectionStatus = ConnectionStatus.NOT_CONNECTED;
  private paymentStatus = PaymentStatus.NOT_READY;
  private reader: Reader | null = null;
  private simulatedReaders = new Set<string>();
  private simulator: SimulatorConfiguration = {};
  private command: Kind | 'display' | 'connect' | null = null;
  private pending: { kind: Kind; cancelRequested: boolean } | null = null;
  private readonly lastOutcome = new Map<Kind, 'completed' | 'canceled'>();
  private latest: SdkState | null = null;
  private readonly listeners = new Set<(state: SdkState) => void>();
  private monitorControl: { stopped: boolean } | null = null;
  private collectedSetupIntent: string | null = null;
  private collectedRefund: { refund: IRefund } | ErrorResponse | null = null;
  private textToSpeech: 'off' | 'speakers' = 'off';

  constructor(private readonly props: TerminalProps) {
    if (typeof props?.onFetchConnectionToken !== 'function') {
      throw new TypeError('StripeTerminal.create: onFetchConnectionToken must be a function returning a connection token.');
    }
    const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
    this.apiBase = (props.apiBase ?? origin ?? 'http://127.0.0.1:4242').replace(/\/+$/, '');
  }

  // ----------------------------------------------------------------------------------------------
  // Status
  // ----------------------------------------------------------------------------------------------

  getConnectionStatus(): ConnectionStatus { return this.connectionStatus; }
  getPaymentStatus(): PaymentStatus { return this.paymentStatus; }
  getConnectedReader(): Reader { return this.reader as Reader; }
  overrideBaseURL(url: string): void { this.apiBase = url.replace(/\/+$/, ''); }

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
  // HTTP and credentials
  // ----------------------------------------------------------------------------------------------

  private async raw<T>(method: string, path: string, body: Json | undefined, secret: string | null,
    signal?: AbortSignal): Promise<ApiResult<T>> {
    const headers: Record<string, string> = {};
    if (secret) headers['authorization'] = `Bearer ${secret}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(path.startsWith('/state') ? stateWaitMs + requestTimeoutMs : requestTimeoutMs);
    let response: Response;
    const combined = signal ? anySignal([signal, timeout]) : { signal: timeout, release: () => undefined };
    try {
      response = await fetch(`${this.apiBase}/opentill/v1/sdk${path}`, {
        method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: combined.signal,
      });
    } catch (error) {
      combined.release();
      const timedOut = timeout.aborted;
      return { ok: false, status: 0, error: { type: 'api_connection_error', code: timedOut ? 'network_timeout' : 'network_error',
        message: timedOut ? 'The request to the OpenTill server timed out.'
          : `Could not reach the OpenTill server at ${this.apiBase}: ${(error as Error).message}` } };
    }
    const requestId = response.headers.get('request-id') ?? undefined;
    let parsed: unknown = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    } finally {
      combined.release();
    }
    if (response.ok) return { ok: true, data: parsed as T };
    const error = ((parsed as { error?: Json } | null)?.error ?? {}) as Json;
    const code = typeof error['code'] === 'string' ? error['code'] : `http_${response.status}`;
    return { ok: false, status: response.status, error: {
      type: typeof error['type'] === 'string' ? error['type'] : 'api_error',
      code: serverCodes[code] ?? code,
      message: typeof error['message'] === 'string' ? error['message'] : `The OpenTill server answered ${response.status}.`,
      ...(typeof error['decline_code'] === 'string' ? { decline_code: error['decline_code'] } : {}),
      ...(error['payment_intent'] ? { payment_intent: error['payment_intent'] as IPaymentIntent } : {}),
      ...(requestId ? { request_id: requestId } : {}),
    } };
  }

  /** The SDK session, opened with a fresh connection token from the app when there is none. */
  private async ensureSession(): Promise<{ secret: string } | ErrorResponse> {
    if (this.session) return { secret: this.session };
    this.sessionPromise ??= (async (): Promise<{ secret: string } | ErrorResponse> => {
      let token: unknown;
      try {
        token = await this.props.onFetchConnectionToken();
      } catch (error) {
        return failure('failed_fetch_connection_token',
          `onFetchConnectionToken failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (typeof token !== 'string' || token === '') {
        return failure('failed_fetch_connection_token', 'onFetchConnectionToken did not resolve to a connection token (a string).');
      }
      const opened = await this.raw<{ secret: string }>('POST', '/sessions', { connection_token: token }, null);
      if (!opened.ok) {
        if (opened.status === 0) return { error: opened.error };
        return failure('failed_fetch_connection_token', `The connection token was refused: ${opened.error.message}`);
      }
      this.session = opened.data.secret;
      return { secret: opened.data.secret };
    })();
    try {
      return await this.sessionPromise;
    } finally {
      this.sessionPromise = null;
    }
  }

  /** A session-authenticated call; an expired session is replaced once (new token, same reader). */
  private async request<T>(method: string, path: string, body?: Json, signal?: AbortSignal): Promise<ApiResult<T>> {
    for (let attempt = 0; ; attempt += 1) {
      const session = await this.ensureSession();
      if ('error' in session) return { ok: false, status: 0, error: session.error };
      const result = await this.raw<T>(method, path, body, session.secret, signal);
      if (result.ok || result.status !== 401 || attempt > 0) return result;
      // Forget the session only if nobody replaced it meanwhile: the state monitor's long-poll
      // sees the same expiry, and a second renewal would take the reader over from the first.
      if (this.session === session.secret) this.session = null;
      if (this.reader) {
        const renewed = await this.ensureSession();
        if ('error' in renewed) return { ok: false, status: 0, error: renewed.error };
        const again = await this.raw('POST', '/connection', { reader: this.reader.id, simulated: this.simulatedReaders.has(this.reader.id) },
          renewed.secret);
        if (!again.ok) return again;
      }
    }
  }

  // ----------------------------------------------------------------------------------------------
  // State monitor
  // ----------------------------------------------------------------------------------------------

  private update(state: SdkState): void {
    this.latest = state;
    // Keep the connected reader fresh (status, last_seen_at, action), as Stripe's SDK would.
    if (this.reader && state.reader?.id === this.reader.id && state.connection === 'connected') this.reader = state.reader;
    for (const listener of [...this.listeners]) listener(state);
    if (this.reader && state.connection === 'not_connected' && state.disconnect_reason !== null) {
      const offline = state.disconnect_reason === 'reader_offline';
      this.lostReader({ type: 'api_connection_error', code: offline ? 'network_error' : 'reader_error',
        message: offline ? 'The reader went offline.' : state.disconnect_reason === 'taken_over'
          ? 'Another point of sale connected to the reader.' : 'The reader is no longer available.' });
    }
  }

  private startMonitor(): void {
    const control = { stopped: false };
    if (this.monitorControl) this.monitorControl.stopped = true;
    this.monitorControl = control;
    void this.monitor(control);
  }

  /**
   * Stops watching. The long-poll in flight is not aborted: the server answers it at once, since
   * whatever stops the monitor (disconnect, session end, lost reader) changes the state.
   */
  private stopMonitor(): void {
    if (this.monitorControl) this.monitorControl.stopped = true;
    this.monitorControl = null;
  }

  private async monitor(control: { stopped: boolean }): Promise<void> {
    let failures = 0;
    while (!control.stopped) {
      const after = this.latest?.version;
      const query = after ? `?after=${encodeURIComponent(after)}&wait_ms=${stateWaitMs}` : '';
      const result = await this.request<SdkState>('GET', `/state${query}`);
      if (control.stopped) return;
      if (result.ok) {
        failures = 0;
        this.update(result.data);
        continue;
      }
      failures += 1;
      if (failures >= 3) {
        this.lostReader(result.error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * failures));
    }
  }

  /** The reader is gone without the app asking: report it once. */
  private lostReader(error: ExposedError): void {
    if (!this.reader) return;
    const readerId = this.reader.id;
    this.dropConnection();
    void this.raw('DELETE', '/connection', undefined, this.session).catch(() => undefined);
    this.safely(() => this.props.onUnexpectedReaderDisconnect?.({ error: { ...error, message: `${error.message} (${readerId})` } }));
  }

  private dropConnection(): void {
    this.stopMonitor();
    this.reader = null;
    const gone: SdkState = { object: 'opentill.sdk_state', version: 'disconnected', connection: 'not_connected',
      disconnect_reason: 'session_ended', reader: null };
    this.latest = null;
    for (const listener of [...this.listeners]) listener(gone);
    this.setConnectionStatus(ConnectionStatus.NOT_CONNECTED);
    this.setPaymentStatus(PaymentStatus.NOT_READY);
  }

  private waitFor<T>(decide: (state: SdkState) => T | undefined, first: SdkState): Promise<T> {
    return new Promise((resolve) => {
      const check = (state: SdkState) => {
        const decided = decide(state);
        if (decided === undefined) return;
        this.listeners.delete(check);
        resolve(decided);
      };
      this.listeners.add(check);
      check(first);
    });
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

  async connectReader(reader: Reader, connectOptions: ConnectOptions = {}): Promise<{ reader: Reader } | ErrorResponse> {
    if (this.reader || this.command === 'connect') {
      return failure('already_connected', 'A reader is already connected: disconnect it first.');
    }
    if (!reader || typeof reader.id !== 'string') return failure('invalid_argument', 'connectReader needs a Reader from discoverReaders.');
    this.command = 'connect';
    this.setConnectionStatus(ConnectionStatus.CONNECTING);
    try {
      const result = await this.request<Reader>('POST', '/connection', {
        reader: reader.id, fail_if_in_use: connectOptions.fail_if_in_use === true, simulated: this.simulatedReaders.has(reader.id),
      });
      if (!result.ok) {
        this.setConnectionStatus(ConnectionStatus.NOT_CONNECTED);
        return { error: result.error };
      }
      this.reader = result.data;
      this.latest = null;
      this.setConnectionStatus(ConnectionStatus.CONNECTED);
      this.setPaymentStatus(PaymentStatus.READY);
      this.startMonitor();
      return { reader: result.data };
    } finally {
      this.command = null;
    }
  }

  async disconnectReader(): Promise<IDisconnectResponse | ErrorResponse> {
    const had = this.reader !== null;
    this.dropConnection();
    // A new connection needs a new connection token: the session ends with the connection.
    if (had && this.session) {
      const secret = this.session;
      this.session = null;
      const result = await this.raw('DELETE', '/session', undefined, secret);
      if (!result.ok && result.status === 0) return { error: result.error };
    }
    return {} as IDisconnectResponse;
  }

  async clearCachedCredentials(): Promise<Ok | ErrorResponse> {
    const secret = this.session;
    this.session = null;
    if (this.reader) this.dropConnection();
    if (secret) await this.raw('DELETE', '/session', undefined, secret);
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
    if (kind !== 'display') this.pending = { kind, cancelRequested: false };
    return null;
  }

  private end(kind: Kind | 'display', outcome: 'completed' | 'canceled' | 'failed'): void {
    if (this.command === kind) this.command = null;
    if (kind !== 'display') {
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
      ...(s.collectInputsResult ? { collectInputsResult: { resultType: s.collectInputsResult.resultType,
        ...(s.collectInputsResult.skipBehavior ? { skipBehavior: s.collectInputsResult.skipBehavior } : {}) } } : {}),
    };
  }

  /**
   * Waits for the reader's action `type` (about `id` under `idKey`) to finish. Resolves with the
   * final state, or an error: canceled, replaced by another command, or the reader was lost.
   */
  private async outcome(first: SdkState, type: string, idKey: string | null, id: string | null,
    extraSuccess?: (state: SdkState) => boolean): Promise<{ state: SdkState; action: ReaderAction } | ErrorResponse> {
    let seen = false;
    return this.waitFor((state) => {
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
    const code = action.failure_code ?? 'reader_error';
    const paymentIntent = withPaymentIntent ? state.payment_intent ?? undefined : undefined;
    const lastError = (paymentIntent as { last_payment_error?: { decline_code?: string; type?: string } } | undefined)
      ?.last_payment_error;
    const apiError = action.api_error as { type?: string; decline_code?: string } | undefined;
    const declineCode = apiError?.decline_code ?? (code === 'card_declined' ? lastError?.decline_code : undefined);
    return { error: {
      type: apiError?.type ?? (lastError && code !== 'connection_error' ? lastError.type ?? 'card_error' : 'invalid_request_error'),
      code: actionCodes[code] ?? code,
      message: action.failure_message ?? 'The reader reported an error.',
      ...(declineCode ? { decline_code: declineCode } : {}),
      ...(paymentIntent ? { payment_intent: paymentIntent } : {}),
    } };
  }

  private async cancelPending(kind: Kind, never: string): Promise<Ok | ErrorResponse> {
    if (!this.reader) return failure('no_established_connection', 'No reader is connected.');
    if (this.pending?.kind !== kind) {
      const last = this.lastOutcome.get(kind);
      if (last === 'canceled') return failure('cancelable_already_canceled', 'The command was already canceled.');
      if (last === 'completed') return failure('cancelable_already_completed', 'The command already completed.');
      return failure(never, 'There is no command of this kind in progress to cancel.');
    }
    this.pending.cancelRequested = true;
    const result = await this.request<SdkState>('POST', '/cancel_action', {});
    if (!result.ok) {
      if (this.pending) this.pending.cancelRequested = false;
      if (result.error.code === 'command_already_in_progress') {
        return failure('cancelable_already_completed', 'The reader is already processing: the command can no longer be canceled.');
      }
      return { error: result.error };
    }
    this.update(result.data);
    return ok();
  }

  // Payments ---------------------------------------------------------------------------------------

  async collectPaymentMethod(request: string, options: CollectPaymentMethodOptions = {}):
    Promise<{ paymentIntent: ISdkManagedPaymentIntent } | ErrorResponse> {
    if (typeof request !== 'string' || !request.includes('_secret_')) {
      return failure('invalid_payment_intent_client_secret', 'collectPaymentMethod needs the client_secret of a PaymentIntent.');
    }
    const refused = this.begin('collect');
    if (refused) return refused;
    let result: 'completed' | 'canceled' | 'failed' = 'failed';
    try {
      this.setPaymentStatus(PaymentStatus.WAITING_FOR_INPUT);
      const override = options.config_override ?? {};
      const cancellation = override.enable_customer_cancellation ?? this.props.readerBehavior?.allowCustomerCancel;
      const collectConfig: Json = {
        ...(typeof override.skip_tipping === 'boolean' ? { skip_tipping: override.skip_tipping } : {}),
        ...(typeof override.tipping?.eligible_amount === 'number' ? { tipping: { amount_eligible: override.tipping.eligible_amount } } : {}),
        ...(typeof cancellation === 'boolean' ? { enable_customer_cancellation: cancellation } : {}),
        ...(override.allow_redisplay ? { allow_redisplay: override.allow_redisplay } : {}),
      };
      const started = await this.request<SdkState>('POST', '/collect_payment_method', {
        client_secret: request, collect_config: collectConfig, simulator: this.simulatorPayload(),
        ...(override.payment_intent_id ? { payment_intent_id: override.payment_intent_id } : {}),
      });
      if (!started.ok) return { error: started.error };
      this.update(started.data);
      const paymentIntentId = request.split('_secret_')[0]!;
      const done = await this.outcome(started.data, 'collect_payment_method', 'payment_intent', paymentIntentId);
      if ('error' in done) {
        if (done.error.code === 'canceled') result = 'canceled';
        return done;
      }
      if (done.action.status === 'failed') return this.actionError(done.state, done.action, true);
      const paymentIntent = done.state.payment_intent;
      if (!paymentIntent) return failure('reader_error', 'The PaymentIntent could not be read back from the server.');
      const paymentMethod = (done.action['collect_payment_method'] as Json)['payment_method'] as Json | undefined;
      result = 'completed';
      return { paymentIntent: {
        ...paymentIntent,
        payment_method: override.update_payment_intent ? paymentMethod ?? paymentIntent.payment_method : null,
        sdk_payment_details: sdkPaymentDetails(paymentMethod, done.state.collected_tip_amount),
      } as unknown as ISdkManagedPaymentIntent };
    } finally {
      this.end('collect', result);
    }
  }

  cancelCollectPaymentMethod(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('collect', 'no_active_collect_payment_method_attempt');
  }

  async processPayment(request: ISdkManagedPaymentIntent | IPaymentIntent, options: ProcessPaymentOptions = {}):
    Promise<{ paymentIntent: IPaymentIntent } | ErrorResponse> {
    if (!request || typeof request.id !== 'string') {
      return failure('invalid_argument', 'processPayment needs the PaymentIntent returned by collectPaymentMethod.');
    }
    const refused = this.begin('process');
    if (refused) return refused;
    let result: 'completed' | 'canceled' | 'failed' = 'failed';
    try {
      this.setPaymentStatus(PaymentStatus.PROCESSING);
      const returnUrl = options.config_override?.return_url;
      const started = await this.request<SdkState>('POST', '/process_payment', {
        payment_intent: request.id, simulator: this.simulatorPayload(), ...(returnUrl ? { confirm_config: { return_url: returnUrl } } : {}),
      });
      if (!started.ok) {
        // A retry after an unknown outcome (the answer was lost): the PaymentIntent tells the truth.
        if (started.error.code === 'intent_invalid_state') {
          const state = await this.request<SdkState>('GET', '/state');
          const current = state.ok ? state.data.payment_intent : null;
          if (current?.id === request.id && (current.status === 'requires_capture' || current.status === 'succeeded')) {
            result = 'completed';
            return { paymentIntent: current };
          }
          if (current?.id === request.id) return { error: { ...started.error, payment_intent: current } };
        }
        return { error: started.error };
      }
      this.update(started.data);
      const done = await this.outcome(started.data, 'confirm_payment_intent', 'payment_intent', request.id, (state) =>
        state.payment_intent?.id === request.id &&
        (state.payment_intent.status === 'requires_capture' || state.payment_intent.status === 'succeeded'));
      if ('error' in done) {
        if (done.error.code === 'canceled') result = 'canceled';
        return done;
      }
      if (done.action.status === 'failed') return this.actionError(done.state, done.action, true);
      const paymentIntent = done.state.payment_intent;
      if (!paymentIntent) return failure('reader_error', 'The PaymentIntent could not be read back from the server.');
      result = 'completed';
      // Stripe's simulator follows its configuration until processPayment completes, then reverts.
      this.simulator = {};
      return { paymentIntent };
    } finally {
      this.end('process', result);
    }
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
          currency: cart.currency, tax: cart.tax ?? undefined, total: cart.total,
          line_items: (cart.line_items ?? []).map((item) => ({ amount: item.amount, description: item.description, quantity: item.quantity })),
        },
      });
      if (!result.ok) return { error: result.error };
      this.update(result.data);
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
      this.update(result.data);
      return ok();
    } finally {
      this.end('display', 'completed');
    }
  }

  // Collect inputs ---------------------------------------------------------------------------------

  async collectInputs(params: ICollectInputsParameters): Promise<ICollectInputsResult[] | ErrorResponse> {
    if (!params || !Array.isArray(params.inputs)) return failure('invalid_argument', 'collectInputs needs {inputs: [...]}.');
    const refused = this.begin('inputs');
    if (refused) return refused;
    let result: 'completed' | 'canceled' | 'failed' = 'failed';
    try {
      this.setPaymentStatus(PaymentStatus.WAITING_FOR_INPUT);
      const inputs = params.inputs.map((input) => {
        const extra = input as { selectionButtons?: Array<{ id: string; text: string; style?: string }>; submitButtonText?: string | null };
        return {
          type: input.formType,
          custom_text: {
            title: input.title,
            ...(input.description ? { description: input.description } : {}),
            ...(input.skipButtonText ? { skip_button: input.skipButtonText } : {}),
            ...(extra.submitButtonText ? { submit_button: extra.submitButtonText } : {}),
          },
          ...(typeof input.required === 'boolean' ? { required: input.required } : {}),
          ...(extra.selectionButtons ? { selection: { choices: extra.selectionButtons.map((button) => ({
            id: button.id, text: button.text, ...(button.style ? { style: button.style } : {}) })) } } : {}),
          ...(input.toggles ? { toggles: input.toggles.map((toggle) => ({
            ...(toggle.title ? { title: toggle.title } : {}), ...(toggle.description ? { description: toggle.description } : {}),
            default_value: toggle.defaultValue })) } : {}),
        };
      });
      const started = await this.request<SdkState>('POST', '/collect_inputs', { inputs, simulator: this.simulatorPayload() });
      if (!started.ok) return { error: started.error };
      this.update(started.data);
      const done = await this.outcome(started.data, 'collect_inputs', null, null);
      if ('error' in done) {
        if (done.error.code === 'canceled') result = 'canceled';
        return done;
      }
      if (done.action.status === 'failed') return this.actionError(done.state, done.action, false);
      result = 'completed';
      const collected = ((done.action['collect_inputs'] as Json)['inputs'] ?? []) as Json[];
      return collected.map(inputResult);
    } finally {
      this.end('inputs', result);
    }
  }

  cancelCollectInputs(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('inputs', 'cancelable_already_completed');
  }

  // SetupIntents -----------------------------------------------------------------------------------

  async collectSetupIntentPaymentMethod(clientSecret: string, customerConsentCollectedOrAllowRedisplay: boolean | AllowRedisplay,
    config: ISetupIntentConfig | null = null): Promise<{ setupIntent: ISetupIntent } | ErrorResponse> {
    if (typeof clientSecret !== 'string' || !clientSecret.includes('_secret_')) {
      return failure('invalid_argument', 'collectSetupIntentPaymentMethod needs the client_secret of a SetupIntent.');
    }
    const allowRedisplay = typeof customerConsentCollectedOrAllowRedisplay === 'boolean'
      ? (customerConsentCollectedOrAllowRedisplay ? AllowRedisplay.ALWAYS : AllowRedisplay.UNSPECIFIED)
      : customerConsentCollectedOrAllowRedisplay;
    const refused = this.begin('setup_collect');
    if (refused) return refused;
    let result: 'completed' | 'canceled' | 'failed' = 'failed';
    try {
      this.setPaymentStatus(PaymentStatus.WAITING_FOR_INPUT);
      const started = await this.request<SdkState>('POST', '/collect_setup_intent', {
        client_secret: clientSecret, allow_redisplay: allowRedisplay, simulator: this.simulatorPayload(),
        ...(typeof config?.enable_customer_cancellation === 'boolean'
          ? { process_config: { enable_customer_cancellation: config.enable_customer_cancellation } } : {}),
      });
      if (!started.ok) return { error: started.error };
      this.update(started.data);
      const setupIntentId = clientSecret.split('_secret_')[0]!;
      const done = await this.outcome(started.data, 'process_setup_intent', 'setup_intent', setupIntentId);
      if ('error' in done) {
        if (done.error.code === 'canceled') result = 'canceled';
        return done;
      }
      if (done.action.status === 'failed') return this.actionError(done.state, done.action, false);
      const setupIntent = done.state.setup_intent;
      if (!setupIntent) return failure('reader_error', 'The SetupIntent could not be read back from the server.');
      this.collectedSetupIntent = setupIntent.id;
      result = 'completed';
      return { setupIntent };
    } finally {
      this.end('setup_collect', result);
    }
  }

  cancelCollectSetupIntentPaymentMethod(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('setup_collect', 'cancelable_already_completed');
  }

  /** The reader confirms the SetupIntent when the card is read (docs/sdk.md): this returns it. */
  async confirmSetupIntent(setupIntent: ISetupIntent): Promise<{ setupIntent: ISetupIntent } | ErrorResponse> {
    if (!setupIntent || setupIntent.id !== this.collectedSetupIntent) {
      return failure('invalid_argument', 'confirmSetupIntent needs the SetupIntent returned by collectSetupIntentPaymentMethod.');
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

  async collectRefundPaymentMethod(chargeId: string, amount: number, currency: string, options: RefundOptions = {},
    config: { enable_customer_cancellation?: boolean | null } = {}): Promise<Ok | ErrorResponse> {
    if (typeof chargeId !== 'string' || !Number.isInteger(amount) || amount <= 0 || typeof currency !== 'string') {
      return failure('invalid_argument', 'collectRefundPaymentMethod needs a charge id, a positive integer amount and a currency.');
    }
    const refused = this.begin('refund_collect');
    if (refused) return refused;
    let result: 'completed' | 'canceled' | 'failed' = 'failed';
    try {
      this.collectedRefund = null;
      this.setPaymentStatus(PaymentStatus.WAITING_FOR_INPUT);
      const started = await this.request<SdkState>('POST', '/collect_refund', {
        charge: chargeId, amount, currency, simulator: this.simulatorPayload(),
        ...(typeof options.reverse_transfer === 'boolean' ? { reverse_transfer: options.reverse_transfer } : {}),
        ...(typeof options.refund_application_fee === 'boolean' ? { refund_application_fee: options.refund_application_fee } : {}),
        ...(typeof config.enable_customer_cancellation === 'boolean'
          ? { refund_payment_config: { enable_customer_cancellation: config.enable_customer_cancellation } } : {}),
      });
      if (!started.ok) return { error: started.error };
      this.update(started.data);
      const done = await this.outcome(started.data, 'refund_payment', 'charge', chargeId);
      if ('error' in done) {
        if (done.error.code === 'canceled') result = 'canceled';
        return done;
      }
      if (done.action.status === 'failed' && done.action.failure_code !== 'refund_failed') {
        return this.actionError(done.state, done.action, false);
      }
      // The card was read; the refund's outcome is processRefund's answer.
      this.collectedRefund = done.action.status === 'failed'
        ? { error: { type: 'invalid_request_error', code: 'refund_failed', message: done.action.failure_message ?? 'The refund failed.',
          ...(done.state.refund?.failure_reason ? { failure_reason: done.state.refund.failure_reason } : {}) } }
        : { refund: done.state.refund ?? {} };
      result = 'completed';
      return ok();
    } finally {
      this.end('refund_collect', result);
    }
  }

  cancelCollectRefundPaymentMethod(): Promise<Ok | ErrorResponse> {
    return this.cancelPending('refund_collect', 'cancelable_already_completed');
  }

  async processRefund(): Promise<{ refund: IRefund } | ErrorResponse> {
    if (!this.reader) return failure('no_established_connection', 'No reader is connected: call connectReader first.');
    const collected = this.collectedRefund;
    if (!collected) return failure('invalid_argument', 'processRefund needs a successful collectRefundPaymentMethod first.');
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
    if (c.paymentMethodType === 'interac_present' || c.paymentMethodType === 'card_present') next.paymentMethodType = c.paymentMethodType;
    if (c.collectInputsResult && typeof c.collectInputsResult === 'object') {
      next.collectInputsResult = { resultType: c.collectInputsResult.resultType,
        ...(c.collectInputsResult.skipBehavior ? { skipBehavior: c.collectInputsResult.skipBehavior } : {}) };
    }
    this.simulator = next;
  }

  getSimulatorConfiguration(): SimulatorConfiguration {
    return { ...this.simulator };
  }

  // Not offered by OpenTill (docs/sdk.md): answered as values, never thrown -----------------------

  async readReusableCard(): Promise<{ payment_method: unknown } | ErrorResponse> {
    return failure('reader_error', 'readReusableCard is not supported by OpenTill: use collectSetupIntentPaymentMethod.');
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

function sdkPaymentDetails(paymentMethod: Json | undefined, tipAmount: number | undefined): ISdkManagedPaymentIntent['sdk_payment_details'] {
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
    skipped ? ToggleResult.SKIPPED : toggle['value'] === 'enabled' ? ToggleResult.ENABLED : ToggleResult.DISABLED);
  const value = (key: string) => {
    const field = input[key] as { value?: unknown } | undefined;
    return skipped || typeof field?.value !== 'string' ? null : field.value;
  };
  const selection = input['selection'] as { id?: string | null; text?: string | null } | undefined;
  return {
    formType: type, skipped, toggles,
    selection: skipped ? null : selection?.text ?? null,
    selectionId: skipped ? null : selection?.id ?? null,
    signatureSvg: value('signature'), phone: value('phone'), email: value('email'), text: value('text'),
    numericString: value('numeric'),
  };
}

/** An AbortSignal that aborts when any of `signals` does (AbortSignal.any is newer than Node 20.3); `release` unhooks it. */
function anySignal(signals: AbortSignal[]): { signal: AbortSignal; release: () => void } {
  const control = new AbortController();
  const hooks: Array<() => void> = [];
  for (const signal of signals) {
    if (signal.aborted) {
      control.abort(signal.reason);
      break;
    }
    const abort = () => control.abort(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    hooks.push(() => signal.removeEventListener('abort', abort));
  }
  return { signal: control.signal, release: () => { for (const unhook of hooks) unhook(); } };
}
