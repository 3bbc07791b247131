/**
 * Collecting and confirming a payment on the phone (docs/tap-to-pay-sdk.md, "Payments"). The SDK is
 * the reader: it starts the reader's `collect_payment_method` action, shows the tap screen, sends
 * what was tapped (`POST /tap_to_pay/tap`), shows the PIN pad when the server asks for a PIN, and
 * keeps the card and PIN in memory for the confirmation. Every decision (brand, cardholder
 * verification, PIN environment) is the server's; this module only follows its answers.
 */
import {
  checkPinEnvironment,
  isPinDeclineCode,
  isSettledPaymentIntent,
  pinPadLayout,
  type TapToPayUxConfiguration,
} from '@opentill/core';
import type { Json, SdkTransport, TransportFailure } from '../transport.js';
import { apiErrorOf, ErrorCode, fromFailure, stripeError } from './errors.js';
import type { IntentHandle, IntentHandles } from './intents.js';
import { paymentMethodFrom } from './mapping.js';
import type { Operation } from './operation.js';
import { actionFailure } from '../state-monitor.js';
import type { ReaderAction, SdkState, StateMonitor } from './state.js';
import type {
  CollectPaymentMethodParams,
  ConfirmPaymentIntentParams,
  PaymentIntent,
  PaymentIntentResult,
  PaymentStatus,
  StripeError,
  UserCallbacks,
} from './types.js';
import type { PinPadRequest, PinPadResult, TapScreenRequest, TapScreenResult, TapToPayUi, TapWallet } from './ui.js';

/** Failed reads (and invalid card numbers) on one tap screen before collection gives up: `CARD_READ_TIMED_OUT`. */
export const readAttemptsMax = 3;

type Cvm = 'none' | 'pin_before_collect' | 'pin_during_confirm';
type TappedCard = { number: string; wallet: TapWallet | null };

/** The card read by the last collection, kept for its confirmation (never sent anywhere else). */
interface HeldCard {
  paymentIntentId: string;
  card: TappedCard;
  pin: string | null;
  cvm: Cvm;
  /** An authorization was tried with it (it ended in a connection error): a retry reads it again. */
  attempted?: boolean;
}

/** The PIN environment as `POST /tap_to_pay/tap` takes it. */
export interface PinEnvironmentWire {
  developerOptions: boolean;
  accessibilityServices: boolean;
  screenRecording: boolean;
  overlays: boolean;
  internet: boolean;
  screenshotAttempted: boolean;
}

/** What the payment flow needs from the terminal. */
export interface PaymentHost {
  readonly transport: SdkTransport;
  readonly monitor: StateMonitor;
  readonly ui: TapToPayUi;
  readonly intents: IntentHandles;
  emit<K extends keyof UserCallbacks>(name: K, ...args: Parameters<NonNullable<UserCallbacks[K]>>): void;
  setPaymentStatus(status: PaymentStatus): void;
  /** The connected phone, or null. */
  connection(): { merchantDisplayName: string; simulated: boolean } | null;
  platform(): 'ios' | 'android';
  /** The UX configuration the next tap screen uses. */
  tapScreenUx(): TapToPayUxConfiguration;
  simulatedCard(): string | null;
  pinEnvironment(): PinEnvironmentWire;
  /** A fresh random seed for a PIN pad layout. */
  pinPadSeed(): number;
}

type TapAnswer =
  | { kind: 'collected'; cvm: Cvm; state: SdkState }
  | { kind: 'pin_required' }
  | { kind: 'refused'; failure: TransportFailure };

type Sale = { amount: number; currency: string };

const isError = (value: unknown): value is StripeError => (value as StripeError | null)?.name === 'StripeError';
const notConnected = () =>
  stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'No reader is connected: call connectReader first.');

export class Payments {
  private held: HeldCard | null = null;

  constructor(private readonly host: PaymentHost) {}

  /** Drops the held card (disconnect, decline, success). */
  forget(): void {
    this.held = null;
  }

  // ----------------------------------------------------------------------------------------------
  // collectPaymentMethod
  // ----------------------------------------------------------------------------------------------

  /** `thenConfirm`: processPaymentIntent goes on to the confirmation, so the status stays busy in between. */
  async collect(
    operation: Operation,
    params: CollectPaymentMethodParams,
    thenConfirm = false,
  ): Promise<PaymentIntentResult> {
    const handle = this.host.intents.resolve(params?.paymentIntent);
    if (isError(handle)) return { error: handle };
    if (!this.host.connection()) return { error: notConnected() };
    this.held = null;
    this.host.setPaymentStatus('waitingForInput');
    let collected = false;
    try {
      const started = await this.startCollection(handle, {
        enable_customer_cancellation: params.customerCancellation !== 'disableIfAvailable',
        ...(typeof params.skipTipping === 'boolean' ? { skip_tipping: params.skipTipping } : {}),
      });
      if (isError(started)) return { error: started };
      const sale = saleOf(
        started.payment_intent ??
          params.paymentIntent.apiObject ?? {
            amount: params.paymentIntent.amount,
            currency: params.paymentIntent.currency,
          },
      );
      const read = await this.readCard(operation, handle, sale);
      if (isError(read)) return { error: read };
      const api = read.payment_intent ?? params.paymentIntent.apiObject ?? { id: handle.id };
      const action = (read.reader?.action?.['collect_payment_method'] ?? {}) as Json;
      const paymentMethod =
        params.updatePaymentIntent && isObject(action['payment_method'])
          ? paymentMethodFrom(action['payment_method'])
          : null;
      collected = true;
      return { paymentIntent: this.host.intents.wrap(api, paymentMethod) };
    } finally {
      if (this.host.connection() && !(collected && thenConfirm)) this.host.setPaymentStatus('ready');
    }
  }

  private async startCollection(handle: IntentHandle, collectConfig: Json): Promise<SdkState | StripeError> {
    const started = await this.host.transport.request<SdkState>('POST', '/collect_payment_method', {
      client_secret: handle.clientSecret,
      collect_config: collectConfig,
    });
    if (!started.ok) return fromFailure(started);
    this.host.monitor.update(started.data);
    return started.data;
  }

  /** The tap screen until a card is collected, refused, or the screen is canceled. */
  private async readCard(operation: Operation, handle: IntentHandle, sale: Sale): Promise<SdkState | StripeError> {
    let retryMessage: string | null = null;
    let failedReads = 0;
    this.host.emit('onDidRequestReaderInput', ['tapCard']);
    for (;;) {
      const screen = await this.present(
        operation,
        (signal) => this.host.ui.presentTapScreen(this.tapScreen(sale, retryMessage), signal),
        { kind: 'canceled' } as TapScreenResult,
      );
      if (isError(screen)) return this.abandon(screen);
      if (operation.aborted) return this.abandon(operation.abortedError());
      if (screen.kind === 'canceled')
        return this.abandon(stripeError(ErrorCode.CANCELED, 'The customer canceled the payment.'));
      if (screen.kind === 'read_error') {
        failedReads += 1;
        if (failedReads >= readAttemptsMax) return this.giveUp(failedReads);
        retryMessage = 'The card could not be read. Hold it against the phone until it vibrates.';
        this.host.emit('onDidRequestReaderDisplayMessage', 'retryCard');
        continue;
      }

      const card = { number: screen.card.number, wallet: screen.card.wallet ?? null };
      let pin: string | null = null;
      let answer = await this.tap(card, null);
      if (answer.kind === 'pin_required') {
        const entry = await this.enterPin(operation, sale, 'before_collect');
        if (isError(entry)) return this.abandon(entry);
        if (entry.kind === 'screenshot_attempted') return this.refuseScreenshot(card);
        pin = entry.pin;
        answer = await this.tap(card, pin);
      }
      if (operation.aborted) return this.abandon(operation.abortedError());

      if (answer.kind === 'collected') {
        this.held = { paymentIntentId: handle.id, card, pin, cvm: answer.cvm };
        await this.outcome({ kind: 'success', message: 'Card read' });
        return answer.state;
      }
      if (answer.kind === 'pin_required') {
        return this.abandon(
          stripeError(ErrorCode.UNEXPECTED_SDK_ERROR, 'The server asked for a PIN again after one was entered.'),
        );
      }
      const code = answer.failure.error.code;
      if (code === 'invalid_number' || code === 'incorrect_number') {
        // Not a card: nothing changed on the server, the customer taps another one.
        failedReads += 1;
        if (failedReads >= readAttemptsMax) return this.giveUp(failedReads);
        retryMessage = 'This card could not be used. Try another card.';
        this.host.emit('onDidRequestReaderDisplayMessage', 'tryAnotherCard');
        continue;
      }
      return this.refused(answer.failure);
    }
  }

  private tapScreen(sale: Sale, retryMessage: string | null): TapScreenRequest {
    const connection = this.host.connection();
    const simulated = connection?.simulated ?? false;
    return {
      amount: sale.amount,
      currency: sale.currency,
      merchantDisplayName: connection?.merchantDisplayName ?? '',
      platform: this.host.platform(),
      simulated,
      ux: this.host.tapScreenUx(),
      retryMessage,
      ...(simulated ? { simulatedCard: this.host.simulatedCard() } : {}),
    };
  }

  /** `POST /tap_to_pay/tap`: what was tapped, with the PIN if one was typed, and the PIN environment. */
  private async tap(card: TappedCard, pin: string | null, screenshotAttempted = false): Promise<TapAnswer> {
    const answer = await this.host.transport.request<{ result: string; cvm?: Cvm; state?: SdkState }>(
      'POST',
      '/tap_to_pay/tap',
      {
        card,
        ...(pin !== null ? { pin } : {}),
        pin_environment: {
          ...this.host.pinEnvironment(),
          ...(screenshotAttempted ? { screenshotAttempted: true } : {}),
        },
      },
    );
    if (!answer.ok) return { kind: 'refused', failure: answer };
    if (answer.data.result === 'pin_required') return { kind: 'pin_required' };
    const state = answer.data.state;
    if (state) this.host.monitor.update(state);
    return { kind: 'collected', cvm: answer.data.cvm ?? 'none', state: state ?? (await this.currentState()) };
  }

  private async currentState(): Promise<SdkState> {
    const state = await this.host.transport.request<SdkState>('GET', '/state');
    if (!state.ok)
      return {
        object: 'opentill.sdk_state',
        version: '',
        connection: 'not_connected',
        disconnect_reason: null,
        reader: null,
      };
    return state.data;
  }

  /** The PIN pad, at a fresh random position. */
  private async enterPin(
    operation: Operation,
    sale: Sale,
    when: PinPadRequest['when'],
  ): Promise<Exclude<PinPadResult, { kind: 'canceled' }> | StripeError> {
    this.host.setPaymentStatus('waitingForInput');
    const request: PinPadRequest = {
      amount: sale.amount,
      currency: sale.currency,
      layout: pinPadLayout(this.host.pinPadSeed()),
      when,
      message: null,
    };
    const entry = await this.present(operation, (signal) => this.host.ui.presentPinPad(request, signal), {
      kind: 'canceled',
    } as PinPadResult);
    if (isError(entry)) return entry;
    if (operation.aborted) return operation.abortedError();
    if (entry.kind === 'canceled') return stripeError(ErrorCode.CANCELED, 'The customer canceled PIN entry.');
    return entry;
  }

  /**
   * A screenshot during PIN entry: the PIN is refused. The server is told (so it refuses too and
   * nothing is collected); its refusal names the cause, else core's rule gives the same answer.
   */
  private async refuseScreenshot(card: TappedCard): Promise<StripeError> {
    const answer = await this.tap(card, null, true);
    if (answer.kind === 'refused' && answer.failure.error.code === ErrorCode.TAP_TO_PAY_INSECURE_ENVIRONMENT) {
      return this.refused(answer.failure);
    }
    const error = screenshotRefusal(this.host.pinEnvironment());
    await this.cancelAction();
    await this.outcome({ kind: 'error', message: error.message });
    return error;
  }

  /** A refusal of the tap. Brand and CVM refusals already canceled the action on the server; anything else is canceled here. */
  private async refused(failure: TransportFailure): Promise<StripeError> {
    const error = fromFailure(failure);
    const serverCanceled =
      failure.status === 402 && (failure.error.code === 'CARD_NOT_SUPPORTED' || failure.error.code === 'card_declined');
    if (!serverCanceled) await this.cancelAction();
    await this.outcome({ kind: 'error', message: error.message });
    return error;
  }

  private async giveUp(failedReads: number): Promise<StripeError> {
    await this.cancelAction();
    const error = stripeError(ErrorCode.CARD_READ_TIMED_OUT, `The card could not be read (${failedReads} attempts).`);
    await this.outcome({ kind: 'error', message: error.message });
    return error;
  }

  /** Stops a collection that will not complete: the reader's action is canceled so the reader is free. */
  private async abandon(error: StripeError): Promise<StripeError> {
    await this.cancelAction();
    this.host.ui.dismiss();
    return error;
  }

  private async cancelAction(): Promise<void> {
    const result = await this.host.transport.request<SdkState>('POST', '/cancel_action', {});
    if (result.ok) this.host.monitor.update(result.data);
  }

  private async outcome(screen: { kind: 'success' | 'error'; message: string }): Promise<void> {
    try {
      await this.host.ui.showOutcome(screen, this.host.tapScreenUx());
    } finally {
      this.host.ui.dismiss();
    }
  }

  /** A UI call that `operation.cancel()` interrupts (even if the UI ignores its signal); a UI that throws is an SDK error. */
  private async present<T>(
    operation: Operation,
    show: (signal: AbortSignal) => Promise<T>,
    onAbort: T,
  ): Promise<T | StripeError> {
    try {
      return await untilAborted(show(operation.signal), operation.signal, onAbort);
    } catch (error) {
      return stripeError(
        ErrorCode.UNEXPECTED_SDK_ERROR,
        `The Tap to Pay UI failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  // ----------------------------------------------------------------------------------------------
  // confirmPaymentIntent
  // ----------------------------------------------------------------------------------------------

  async confirm(operation: Operation, params: ConfirmPaymentIntentParams): Promise<PaymentIntentResult> {
    const handle = this.host.intents.resolve(params?.paymentIntent);
    if (isError(handle)) return { error: handle };
    if (!this.host.connection()) return { error: notConnected() };
    const held = this.held;
    if (!held || held.paymentIntentId !== handle.id) {
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
      if (held.attempted) {
        // The retry of the seed's requires_confirmation row: the reader let go of the card after the
        // transient failure, so the phone presents the card it kept again, then confirms.
        const again = await this.representHeldCard(handle, held);
        if (again) return { error: again };
      }
      held.attempted = true;
      let result = await this.authorize(handle, held.pin, params.returnUrl);
      if (result.error && this.issuerWantsPin(result.error, held)) {
        result = await this.pinDuringConfirm(
          operation,
          handle,
          held,
          saleOf(
            params.paymentIntent.apiObject ?? {
              amount: params.paymentIntent.amount,
              currency: params.paymentIntent.currency,
            },
          ),
          params.returnUrl,
          result.error.paymentIntent,
        );
      }
      // Declined or confirmed, the card has been used; a connection error keeps it for the retry.
      if (!result.error || result.error.code !== ErrorCode.STRIPE_API_CONNECTION_ERROR) this.held = null;
      return result;
    } finally {
      if (this.host.connection()) this.host.setPaymentStatus('ready');
    }
  }

  /** Collects the PaymentIntent again with the held card (and PIN): null when it is collected. */
  private async representHeldCard(handle: IntentHandle, held: HeldCard): Promise<StripeError | null> {
    const started = await this.startCollection(handle, {});
    if (isError(started)) return started;
    const answer = await this.tap(held.card, held.pin);
    if (answer.kind === 'collected') return null;
    if (answer.kind === 'refused') return this.refused(answer.failure);
    return this.abandon(
      stripeError(ErrorCode.UNEXPECTED_SDK_ERROR, 'The server asked for a PIN again for a card already verified.'),
    );
  }

  private issuerWantsPin(error: StripeError, held: HeldCard): boolean {
    return (
      error.code === ErrorCode.DECLINED_BY_STRIPE_API &&
      isPinDeclineCode(error.apiError?.declineCode) &&
      held.cvm === 'pin_during_confirm' &&
      held.pin === null
    );
  }

  /**
   * The issuer asked for the PIN (soft decline, the PaymentIntent's first charge): the PIN pad, then
   * the same card collected again with the PIN, then the authorization with the PIN.
   */
  private async pinDuringConfirm(
    operation: Operation,
    handle: IntentHandle,
    held: HeldCard,
    sale: Sale,
    returnUrl: string | undefined,
    declined: PaymentIntent | undefined,
  ): Promise<PaymentIntentResult> {
    operation.cancelable = true;
    const entry = await this.enterPin(operation, sale, 'during_confirm');
    operation.cancelable = false;
    if (isError(entry)) {
      this.host.ui.dismiss();
      return { error: { ...entry, ...(declined ? { paymentIntent: declined } : {}) } };
    }
    if (entry.kind === 'screenshot_attempted') {
      // The soft decline already ended the action: nothing to tell the reader, the PIN is refused here.
      const error = screenshotRefusal(this.host.pinEnvironment());
      await this.outcome({ kind: 'error', message: error.message });
      return { error: { ...error, ...(declined ? { paymentIntent: declined } : {}) } };
    }
    this.host.setPaymentStatus('processing');
    const started = await this.startCollection(handle, {});
    if (isError(started)) {
      this.host.ui.dismiss();
      return { error: started };
    }
    const answer = await this.tap(held.card, entry.pin);
    if (answer.kind !== 'collected') {
      const error =
        answer.kind === 'refused'
          ? await this.refused(answer.failure)
          : await this.abandon(
              stripeError(ErrorCode.UNEXPECTED_SDK_ERROR, 'The server asked for a PIN again after one was entered.'),
            );
      return { error };
    }
    this.host.ui.dismiss();
    held.pin = entry.pin;
    return this.authorize(handle, entry.pin, returnUrl);
  }

  /** `POST /process_payment` (with the PIN if one was typed), then the action's outcome on the state long-poll. */
  private async authorize(
    handle: IntentHandle,
    pin: string | null,
    returnUrl: string | undefined,
  ): Promise<PaymentIntentResult> {
    const started = await this.host.transport.request<SdkState>('POST', '/process_payment', {
      payment_intent: handle.id,
      ...(pin !== null ? { pin } : {}),
      ...(returnUrl ? { confirm_config: { return_url: returnUrl } } : {}),
    });
    if (!started.ok) return { error: fromFailure(started) };
    this.host.monitor.update(started.data);
    const done = await this.host.monitor.waitFor((state) => decideConfirmation(state, handle.id), started.data);
    if (done === 'lost') {
      return {
        error: stripeError(ErrorCode.NOT_CONNECTED_TO_READER, 'The reader disconnected before the payment completed.'),
      };
    }
    const api = done.state.payment_intent ?? null;
    const paymentIntent = api ? this.host.intents.wrap(api) : undefined;
    if (done.action.status !== 'failed') {
      if (!paymentIntent)
        return { error: stripeError(ErrorCode.UNEXPECTED_SDK_ERROR, 'The PaymentIntent could not be read back.') };
      return { paymentIntent };
    }
    return { error: actionError(done.action, api, paymentIntent) };
  }
}

/** Whether the state shows the outcome of confirming `paymentIntentId` (undefined: keep waiting). */
function decideConfirmation(
  state: SdkState,
  paymentIntentId: string,
): { state: SdkState; action: ReaderAction } | 'lost' | undefined {
  if (state.connection === 'not_connected') return 'lost';
  const action = state.reader?.action ?? null;
  const sub = (action?.[action.type] ?? {}) as Json;
  if (!action || action.type !== 'confirm_payment_intent' || sub['payment_intent'] !== paymentIntentId)
    return undefined;
  if (action.status !== 'in_progress') return { state, action };
  // The PaymentIntent settles just before the action (docs/terminal.md): that is the outcome too.
  if (isSettledPaymentIntent(state.payment_intent, paymentIntentId)) {
    return { state, action: { ...action, status: 'succeeded' } };
  }
  return undefined;
}

/** A failed confirmation as React Native reports it: declines are `DECLINED_BY_STRIPE_API` with `apiError.declineCode`. */
function actionError(action: ReaderAction, api: Json | null, paymentIntent: PaymentIntent | undefined): StripeError {
  const { code, apiError: actionApiError, lastPaymentError } = actionFailure(action, api);
  const details = actionApiError ?? lastPaymentError ?? { code, message: action.failure_message };
  const apiError = apiErrorOf({
    ...details,
    code: typeof details['code'] === 'string' ? details['code'] : code,
    message: typeof details['message'] === 'string' ? details['message'] : (action.failure_message ?? ''),
  });
  const mobileCode =
    code === 'connection_error'
      ? ErrorCode.STRIPE_API_CONNECTION_ERROR
      : code === 'customer_canceled'
        ? ErrorCode.CANCELED
        : code === 'card_declined' || apiError.declineCode !== '' || details['type'] === 'card_error'
          ? ErrorCode.DECLINED_BY_STRIPE_API
          : ErrorCode.STRIPE_API_ERROR;
  return stripeError(mobileCode, action.failure_message ?? apiError.message, {
    nativeErrorCode: code,
    apiError,
    ...(paymentIntent ? { paymentIntent } : {}),
  });
}

/** core's answer to a screenshot during PIN entry (with whatever else is wrong with the environment). */
function screenshotRefusal(environment: PinEnvironmentWire): StripeError {
  const refusal = checkPinEnvironment({ ...environment, screenshotAttempted: true });
  if (refusal.ok) throw new Error('unreachable: a screenshot attempt always makes the PIN environment insecure');
  return stripeError(refusal.code, refusal.message, { metadata: { reason: refusal.reason, causes: refusal.causes } });
}

function saleOf(api: Json): Sale {
  return {
    amount: typeof api['amount'] === 'number' ? api['amount'] : 0,
    currency: typeof api['currency'] === 'string' ? api['currency'] : '',
  };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `promise`, or `onAbort` as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, onAbort: T): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.resolve(onAbort);
  }
  return new Promise((resolve, reject) => {
    const abort = () => resolve(onAbort);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
