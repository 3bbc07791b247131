/**
 * Readers the server drives (docs/tap-to-pay-sdk.md, "Every reader kind"): smart readers found by
 * `internet` discovery, and the card-reading side of simulated Bluetooth/USB readers
 * (mobile-readers.ts). The mobile SDK drives them through the JS SDK's own reader code
 * (`OpenTillTerminal`, ../terminal.ts) rather than a second copy of it: same endpoints, same state
 * long-poll, same reader device logic on the server. This module translates between the two
 * vocabularies (terminal-js results and codes → React Native's `{ …, error }` and `ErrorCode`).
 *
 * The JS SDK opens its own SDK session with a token from the same `tokenProvider`; the mobile
 * SDK's session keeps the API calls (PaymentIntents, SetupIntents, Locations).
 */
import { OpenTillTerminal } from '../terminal.js';
import type { ErrorResponse, ExposedError, Reader as ApiReader } from '../types.js';
import type { Json } from '../transport.js';
import { ErrorCode, stripeError } from './errors.js';
import { readerFrom } from './mapping.js';
import type { ICollectInputsParameters, ICollectInputsResult, Refund, SetupIntent } from './rn-types.js';
import type { DeviceType, PaymentIntentStatus, PaymentStatus, Reader, StripeError } from './types.js';

/** terminal-js error codes → React Native's. */
const codes: Readonly<Record<string, ErrorCode>> = {
  canceled: ErrorCode.CANCELED,
  no_established_connection: ErrorCode.NOT_CONNECTED_TO_READER,
  already_connected: ErrorCode.ALREADY_CONNECTED_TO_READER,
  command_already_in_progress: ErrorCode.READER_BUSY,
  network_error: ErrorCode.STRIPE_API_CONNECTION_ERROR,
  network_timeout: ErrorCode.REQUEST_TIMED_OUT,
  card_declined: ErrorCode.DECLINED_BY_STRIPE_API,
  cancelable_already_completed: ErrorCode.CANCEL_FAILED,
  cancelable_already_canceled: ErrorCode.CANCEL_FAILED,
  invalid_payment_intent_client_secret: ErrorCode.INVALID_CLIENT_SECRET,
  invalid_argument: ErrorCode.INVALID_REQUIRED_PARAMETER,
  reader_error: ErrorCode.GENERIC_READER_ERROR,
  failed_fetch_connection_token: ErrorCode.CONNECTION_TOKEN_PROVIDER_ERROR,
  intent_invalid_state: ErrorCode.UNEXPECTED_OPERATION,
};

export function fromExposed(error: ExposedError): StripeError {
  const native = error.code ?? 'unknown';
  const code =
    codes[native] ??
    (native.startsWith('no_active_')
      ? ErrorCode.CANCEL_FAILED
      : error.type === 'card_error'
        ? ErrorCode.DECLINED_BY_STRIPE_API
        : ErrorCode.STRIPE_API_ERROR);
  return stripeError(code, error.message, {
    nativeErrorCode: native,
    metadata: error.request_id ? { stripeAPIRequestId: error.request_id } : {},
    ...(code === ErrorCode.DECLINED_BY_STRIPE_API || code === ErrorCode.STRIPE_API_ERROR
      ? {
          apiError: {
            code: native,
            message: error.message,
            declineCode: error.decline_code ?? '',
            ...(error.type ? { type: error.type } : {}),
          },
        }
      : {}),
  });
}

const isError = (value: unknown): value is ErrorResponse =>
  typeof value === 'object' && value !== null && 'error' in value && (value as ErrorResponse).error !== undefined;

/** The server's device types as React Native's `Reader.DeviceType`. */
const deviceTypes: Readonly<Record<string, DeviceType>> = {
  bbpos_wisepos_e: 'wisePosE',
  simulated_wisepos_e: 'wisePosE',
  stripe_s700: 'stripeS700',
  simulated_stripe_s700: 'stripeS700',
  stripe_s710: 'stripeS710',
  simulated_stripe_s710: 'stripeS710',
  stripe_m2: 'stripeM2',
  bbpos_chipper2x: 'chipper2X',
  bbpos_wisepad3: 'wisePad3',
  verifone_p630: 'verifoneVP110',
  simulated_verifone_p630: 'verifoneVP110',
};

/** A server reader as React Native's `Reader.Type`. */
export function serverReaderFrom(api: ApiReader | Json, simulated: boolean): Reader {
  const json = api as Json;
  return { ...readerFrom(json, simulated), deviceType: deviceTypes[String(json['device_type'])] ?? 'etna' };
}

const secondsText = (value: unknown): string | undefined => (typeof value === 'number' ? String(value) : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const camel = (value: string) => value.replace(/_([a-z])/g, (_m, letter: string) => letter.toUpperCase());

/** The server's SetupIntent as React Native's `SetupIntent.Type`; `sdkUuid` is its id (a SetupIntent has one handle). */
export function setupIntentFrom(api: Json): SetupIntent {
  const usage = text(api['usage']);
  const paymentMethod = api['payment_method'];
  const result: SetupIntent = {
    id: text(api['id']) ?? '',
    sdkUuid: text(api['id']) ?? '',
    livemode: api['livemode'] === true,
    status: camel(text(api['status']) ?? 'unknown') as SetupIntent['status'],
    metadata: (api['metadata'] ?? {}) as Record<string, string>,
    paymentMethodTypes: Array.isArray(api['payment_method_types']) ? (api['payment_method_types'] as string[]) : [],
    apiObject: api,
  };
  const optional: Array<[keyof SetupIntent, string | undefined]> = [
    ['clientSecret', text(api['client_secret'])],
    ['created', secondsText(api['created'])],
    ['customer', text(api['customer'])],
    ['description', text(api['description'])],
    ['onBehalfOf', text(api['on_behalf_of'])],
    ['mandate', text(api['mandate'])],
    ['cancellationReason', text(api['cancellation_reason'])],
    ['application', text(api['application'])],
    [
      'paymentMethodId',
      typeof paymentMethod === 'string' ? paymentMethod : text((paymentMethod as Json | null)?.['id']),
    ],
    ['usage', usage ? camel(usage) : undefined],
  ];
  for (const [key, value] of optional)
    if (value !== undefined) (result as unknown as Record<string, unknown>)[key] = value;
  return result;
}

export function refundFrom(api: Json): Refund {
  const refund: Refund = { id: text(api['id']) ?? '', status: (text(api['status']) ?? 'unknown') as Refund['status'] };
  if (typeof api['amount'] === 'number') refund.amount = api['amount'];
  const optional: Array<[keyof Refund, string | undefined]> = [
    ['chargeId', text(api['charge'])],
    ['paymentIntentId', text(api['payment_intent'])],
    ['currency', text(api['currency'])],
    ['created', secondsText(api['created'])],
    ['reason', text(api['reason'])],
    ['failureReason', text(api['failure_reason'])],
    ['balanceTransaction', text(api['balance_transaction'])],
    ['description', text(api['description'])],
    ['receiptNumber', text(api['receipt_number'])],
    ['failureBalanceTransaction', text(api['failure_balance_transaction'])],
    ['transferReversal', text(api['transfer_reversal'])],
    ['sourceTransferReversal', text(api['source_transfer_reversal'])],
  ];
  for (const [key, value] of optional)
    if (value !== undefined) (refund as unknown as Record<string, unknown>)[key] = value;
  if (api['metadata']) refund.metadata = api['metadata'] as Record<string, string>;
  return refund;
}

export interface ServerReaderHost {
  apiBase: string;
  tokenProvider: () => Promise<string>;
  setPaymentStatus(status: PaymentStatus): void;
  /** The reader went away without a disconnectReader. */
  lost(): void;
}

const paymentStatuses: Readonly<Record<string, PaymentStatus>> = {
  not_ready: 'notReady',
  ready: 'ready',
  waiting_for_input: 'waitingForInput',
  processing: 'processing',
};

type Result<T> = T | { error: StripeError };

/** The JS SDK driving one server reader for the mobile SDK. */
export class ServerReaders {
  private inner: OpenTillTerminal | null = null;
  private connected = false;

  constructor(private readonly host: ServerReaderHost) {}

  private terminal(): OpenTillTerminal {
    if (!this.inner) {
      this.inner = new OpenTillTerminal({
        apiBase: this.host.apiBase,
        onFetchConnectionToken: () => this.host.tokenProvider(),
        onPaymentStatusChange: (event) => {
          if (this.connected) this.host.setPaymentStatus(paymentStatuses[event.status] ?? 'notReady');
        },
        onUnexpectedReaderDisconnect: () => {
          if (!this.connected) return;
          this.connected = false;
          this.host.lost();
        },
      });
    }
    return this.inner;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** React Native's `setSimulatedCollectInputsResult` as the JS SDK's simulator configuration. */
  simulatedInputs(behavior: 'all' | 'none' | 'timeout'): void {
    const config = this.terminal().getSimulatorConfiguration();
    this.terminal().setSimulatorConfiguration({
      ...config,
      collectInputsResult:
        behavior === 'timeout'
          ? { resultType: 'timeout' }
          : { resultType: 'succeeded', skipBehavior: behavior === 'all' ? 'all' : 'none' },
    });
  }

  async discover(options: { simulated: boolean; location?: string }): Promise<Result<{ readers: ApiReader[] }>> {
    const found = await this.terminal().discoverReaders({
      simulated: options.simulated,
      ...(options.location ? { location: options.location } : {}),
    });
    if (isError(found)) return { error: fromExposed(found.error) };
    return { readers: found.discoveredReaders };
  }

  async connect(reader: ApiReader, failIfInUse: boolean): Promise<Result<{ reader: ApiReader }>> {
    const connected = await this.terminal().connectReader(reader, { fail_if_in_use: failIfInUse });
    if (isError(connected)) return { error: fromExposed(connected.error) };
    this.connected = true;
    return { reader: connected.reader };
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.inner?.disconnectReader();
  }

  // Payments -----------------------------------------------------------------------------------------

  async collect(
    clientSecret: string,
    options: {
      skipTipping?: boolean;
      updatePaymentIntent?: boolean;
      customerCancellation?: string;
      tipEligibleAmount?: number;
    },
  ): Promise<Result<{ paymentIntent: Json }>> {
    const collected = await this.terminal().collectPaymentMethod(clientSecret, {
      config_override: {
        ...(typeof options.skipTipping === 'boolean' ? { skip_tipping: options.skipTipping } : {}),
        ...(options.updatePaymentIntent ? { update_payment_intent: true } : {}),
        ...(options.customerCancellation
          ? { enable_customer_cancellation: options.customerCancellation !== 'disableIfAvailable' }
          : {}),
        ...(typeof options.tipEligibleAmount === 'number'
          ? { tipping: { eligible_amount: options.tipEligibleAmount } }
          : {}),
      },
    });
    if (isError(collected)) return { error: fromExposed(collected.error) };
    return { paymentIntent: collected.paymentIntent as unknown as Json };
  }

  async confirm(paymentIntentId: string, returnUrl?: string): Promise<Result<{ paymentIntent: Json }>> {
    const confirmed = await this.terminal().processPayment(
      { id: paymentIntentId } as never,
      returnUrl ? { config_override: { return_url: returnUrl } } : {},
    );
    if (isError(confirmed)) {
      const error = fromExposed(confirmed.error);
      return { error };
    }
    return { paymentIntent: confirmed.paymentIntent as unknown as Json };
  }

  cancelCollect(): Promise<{ error?: StripeError }> {
    return this.cancel(() => this.terminal().cancelCollectPaymentMethod());
  }
  cancelConfirm(): Promise<{ error?: StripeError }> {
    return this.cancel(() => this.terminal().cancelProcessPayment());
  }

  private async cancel(run: () => Promise<Record<string, never> | ErrorResponse>): Promise<{ error?: StripeError }> {
    if (!this.connected)
      return { error: stripeError(ErrorCode.CANCEL_FAILED, 'There is nothing to cancel: no reader is connected.') };
    const answer = await run();
    return isError(answer) ? { error: { ...fromExposed(answer.error), code: ErrorCode.CANCEL_FAILED } } : {};
  }

  // SetupIntents ---------------------------------------------------------------------------------------

  async collectSetupIntent(
    clientSecret: string,
    allowRedisplay: string,
    customerCancellation?: string,
  ): Promise<Result<{ setupIntent: Json }>> {
    const collected = await this.terminal().collectSetupIntentPaymentMethod(
      clientSecret,
      allowRedisplay as never,
      customerCancellation ? { enable_customer_cancellation: customerCancellation !== 'disableIfAvailable' } : null,
    );
    if (isError(collected)) return { error: fromExposed(collected.error) };
    return { setupIntent: collected.setupIntent as unknown as Json };
  }

  async confirmSetupIntent(setupIntent: Json): Promise<Result<{ setupIntent: Json }>> {
    const confirmed = await this.terminal().confirmSetupIntent(setupIntent as never);
    if (isError(confirmed)) return { error: fromExposed(confirmed.error) };
    return { setupIntent: confirmed.setupIntent as unknown as Json };
  }

  cancelCollectSetupIntent(): Promise<{ error?: StripeError }> {
    return this.cancel(() => this.terminal().cancelCollectSetupIntentPaymentMethod());
  }
  cancelConfirmSetupIntent(): Promise<{ error?: StripeError }> {
    return this.cancel(() => this.terminal().cancelConfirmSetupIntent());
  }

  // Refunds --------------------------------------------------------------------------------------------

  async collectRefund(
    chargeId: string,
    amount: number,
    currency: string,
    options: { refundApplicationFee?: boolean; reverseTransfer?: boolean; customerCancellation?: string },
  ): Promise<{ error?: StripeError }> {
    const collected = await this.terminal().collectRefundPaymentMethod(
      chargeId,
      amount,
      currency,
      {
        ...(options.refundApplicationFee !== undefined ? { refund_application_fee: options.refundApplicationFee } : {}),
        ...(options.reverseTransfer !== undefined ? { reverse_transfer: options.reverseTransfer } : {}),
      },
      options.customerCancellation
        ? { enable_customer_cancellation: options.customerCancellation !== 'disableIfAvailable' }
        : {},
    );
    return isError(collected) ? { error: fromExposed(collected.error) } : {};
  }

  async confirmRefund(): Promise<Result<{ refund: Json }>> {
    const refunded = await this.terminal().processRefund();
    if (isError(refunded)) return { error: fromExposed(refunded.error) };
    return { refund: refunded.refund as unknown as Json };
  }

  cancelRefund(): Promise<{ error?: StripeError }> {
    return this.cancel(() => this.terminal().cancelCollectRefundPaymentMethod());
  }

  // Reader display, inputs, settings -------------------------------------------------------------------

  async setReaderDisplay(cart: {
    currency: string;
    tax: number;
    total: number;
    lineItems: Array<{ displayName: string; quantity: number; amount: number }>;
  }): Promise<{ error?: StripeError }> {
    const shown = await this.terminal().setReaderDisplay({
      type: 'cart',
      cart: {
        currency: cart.currency,
        tax: cart.tax,
        total: cart.total,
        line_items: cart.lineItems.map((item) => ({
          description: item.displayName,
          quantity: item.quantity,
          amount: item.amount,
        })),
      },
    });
    return isError(shown) ? { error: fromExposed(shown.error) } : {};
  }

  async clearReaderDisplay(): Promise<{ error?: StripeError }> {
    const cleared = await this.terminal().clearReaderDisplay();
    return isError(cleared) ? { error: fromExposed(cleared.error) } : {};
  }

  async collectInputs(
    params: ICollectInputsParameters,
  ): Promise<Result<{ collectInputResults: ICollectInputsResult[] }>> {
    const collected = await this.terminal().collectInputs({
      inputs: params.inputs.map((input) => ({
        formType: input.formType,
        required: input.required ?? null,
        title: input.title,
        description: input.description ?? null,
        toggles:
          input.toggles?.map((toggle) => ({
            title: toggle.title ?? null,
            description: toggle.description ?? null,
            defaultValue: toggle.defaultValue,
          })) ?? null,
        skipButtonText: input.skipButtonText ?? null,
        submitButtonText: input.submitButtonText ?? null,
        ...(input.selectionButtons ? { selectionButtons: input.selectionButtons } : {}),
      })),
    } as never);
    if (isError(collected)) return { error: fromExposed(collected.error) };
    return { collectInputResults: collected as unknown as ICollectInputsResult[] };
  }

  cancelCollectInputs(): Promise<{ error?: StripeError }> {
    return this.cancel(() => this.terminal().cancelCollectInputs());
  }

  async readerSettings(
    textToSpeechViaSpeakers?: boolean,
  ): Promise<Result<{ textToSpeechStatus: 'off' | 'headphones' | 'speakers' }>> {
    const settings =
      textToSpeechViaSpeakers === undefined
        ? await this.terminal().getReaderSettings()
        : await this.terminal().setReaderSettings({
            accessibility_parameters: { enableTextToSpeechSpeakers: textToSpeechViaSpeakers },
          } as never);
    if (isError(settings)) return { error: fromExposed(settings.error) };
    return { textToSpeechStatus: settings.accessibilitySettings.textToSpeechStatus };
  }
}

export const paymentIntentStatusOf = (api: Json): PaymentIntentStatus =>
  camel(String(api['status'] ?? 'unknown')) as PaymentIntentStatus;
