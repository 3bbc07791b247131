/**
 * The Terminal reader state machine (server-driven integration). Pure: every function takes the
 * reader document, a command and `nowMs`, and returns the new reader and the events, or throws an
 * `ApiError`. Cross-object work (PaymentIntents, PaymentMethods, refunds) is the engine's; the
 * machine only decides what the reader shows and whether it accepts a command.
 *
 *   idle ──start──→ waiting ──card presented──→ authorizing ──finish──→ final (succeeded | failed)
 *    ↑                │  └──collected (collect_payment_method)──→ final(succeeded) + held card (30 s)
 *    └──cancel_action─┘                                   (busy: new actions and cancel_action refused)
 *
 * `set_reader_display` stays `in_progress` while the cart is shown; `collect_inputs` waits for the
 * inputs. The reader accepts one action at a time; an action that has not started authorizing is
 * replaced by a new one.
 */
import { ApiError } from '../errors.js';
import { compact } from '../compact.js';
import { must } from '../must.js';
import { secondsOf, type DomainEvent, type Metadata, type StoredObject } from '../domain.js';

export const readerActionTypes = [
  'process_payment_intent',
  'collect_payment_method',
  'confirm_payment_intent',
  'process_setup_intent',
  'refund_payment',
  'set_reader_display',
  'collect_inputs',
] as const;
export type ReaderActionType = (typeof readerActionTypes)[number];

/** A new action as the API asked for it: its type and the sub-object named after it. */
export type ActionRequest = { type: ReaderActionType } & Record<string, unknown>;

export interface ReaderAction {
  type: ReaderActionType;
  status: 'in_progress' | 'succeeded' | 'failed';
  failure_code: string | null;
  failure_message: string | null;
  [detail: string]: unknown;
}

/** Injected faults and options of a reader (OpenTill test mode); see docs/terminal.md. */
export interface ReaderFaults {
  /** The next command delivered to the reader times out; `delivered`: the reader got it all the same. */
  nextCommand?: { timeout: true; delivered: boolean } | null;
  /** The next authorization ends with `connection_error`; `charged`: the charge went through anyway. */
  nextAuthorization?: { connectionError: true; charged: boolean } | null;
  /** The next final outcome of an action is lost: no final event, the action stays `in_progress`. */
  dropNextFinalEvent?: boolean;
  /** How long an authorization takes on this reader (ms of the account clock). */
  authorizationLatencyMs?: number;
  /** Demo option: present the default card this long after a payment action starts. */
  autoPresentAfterMs?: number | null;
}

export type ReaderStage = 'idle' | 'waiting' | 'authorizing' | 'final' | 'lost';

// A type literal, not an interface: it stays assignable to `StoredObject['_internal']` (a record)
// while naming every field a reader keeps to itself.
export type ReaderInternal = {
  /** Which adapter of the reader port serves this reader (`simulated` for now). */
  link: string;
  stage: ReaderStage;
  /** The card being authorized (stage `authorizing`), and when the authorization completes. */
  /** `allowRedisplay`: of a card saved by this payment (`setup_future_usage`), from the action's config. */
  authorizing: {
    paymentMethod: string;
    tipAmount: number;
    allowRedisplay?: string;
    dueMs: number;
    claimedAtMs?: number | null;
  } | null;
  /** A card collected by `collect_payment_method`, held for `confirm_payment_intent` until `expiresAtMs`. */
  held: {
    paymentIntent: string;
    paymentMethod: string;
    tipAmount: number;
    allowRedisplay?: string;
    expiresAtMs: number;
  } | null;
  /** The reader refuses commands until then (updating, changing settings). */
  busyUntilMs: number | null;
  /** Set by fault injection: the reader stopped checking in. */
  offline: boolean;
  faults: ReaderFaults;
  /** Demo option `autoPresentAfterMs`: when the default card is presented to the current action. */
  autoPresentAtMs?: number | null;
  /** The id a device names the current action by in its reports (docs/reader-protocol.md). */
  deviceActionId?: string | null;
  /** A reader paired over the gateway: SHA-256 of the reader secret its device authenticates with. */
  secretSha256?: string;
  /** `process_setup_intent`: the `allow_redisplay` of the card the action saves. */
  allowRedisplay?: string;
  /** A Tap to Pay phone: what its SDK reported about the phone (the engine's `PhoneFacts`). */
  tapToPay?: object;
  /** A Bluetooth/USB reader whose device runs beside a mobile SDK: the session it reports through (engine `SdkDeviceHost`). */
  sdkDevice?: { session: string; simulated: boolean };
};

export interface Reader extends StoredObject {
  object: 'terminal.reader';
  action: ReaderAction | null;
  device_sw_version: string | null;
  device_type: string;
  ip_address: string | null;
  label: string;
  last_seen_at: number | null;
  location: string | null;
  metadata: Metadata;
  serial_number: string;
  status: 'online' | 'offline' | null;
  _internal: ReaderInternal;
}

/** Stripe: a reader is offline when nothing was heard from it in the last 2 minutes. */
export const readerOfflineAfterMs = 2 * 60 * 1000;
/**
 * An authorization claimed by a runner that never reported back (process crash) is given up after
 * this: the action fails with `connection_error` and the integrator checks the PaymentIntent.
 */
export const authorizationRecoveryMs = 60 * 1000;
/** Seed: after `collect_payment_method`, confirm or cancel within 30 seconds. */
export const collectedCardHoldMs = 30 * 1000;

const handleErrors =
  'Please reference the integration guide at https://stripe.com/docs/terminal/payments/collect-card-payment?terminal-sdk-platform=server-driven#handle-errors for details on how to handle this error.';

export const terminalErrors = {
  busy: () =>
    new ApiError('terminal_reader_busy', `Reader is currently busy processing another request. ${handleErrors}`, {
      doc_url: 'https://docs.stripe.com/error-codes#terminal-reader-timeout',
    }),
  timeout: () =>
    new ApiError(
      'terminal_reader_timeout',
      `There was a timeout when sending this command to the reader. ${handleErrors}`,
      { doc_url: 'https://docs.stripe.com/error-codes#terminal-reader-timeout' },
    ),
  offline: () =>
    new ApiError(
      'terminal_reader_offline',
      'Reader is currently offline, please ensure the reader is powered on and connected to the internet before ' +
        `retrying your request. Reference the integration guide at https://stripe.com/docs/terminal/payments/collect-card-payment?terminal-sdk-platform=server-driven#handle-errors for details on how to handle this error.`,
      { doc_url: 'https://docs.stripe.com/error-codes#terminal-reader-offline' },
    ),
  intentInvalidState: (param = 'payment_intent') =>
    new ApiError(
      'intent_invalid_state',
      'Payment intent must be in the requires_payment_method state to be processed by a reader.',
      { param, doc_url: 'https://docs.stripe.com/error-codes#intent-invalid-state' },
    ),
} as const;

/** Failure codes and messages shown on `action.failure_code` (docs/terminal.md, "Actions and rules"). */
export const actionFailures = {
  customerCanceled: {
    code: 'customer_canceled',
    message: 'This action could not be completed due to an error on the card reader.',
  },
  connectionError: { code: 'connection_error', message: 'Could not connect to Stripe.' },
  inputCollectionTimedOut: {
    code: 'input_collection_timed_out',
    message: 'The customer did not complete the inputs in time.',
  },
} as const;

export function emptyInternal(link: string): ReaderInternal {
  return { link, stage: 'idle', authorizing: null, held: null, busyUntilMs: null, offline: false, faults: {} };
}

export interface BuildReader {
  id: string;
  deviceType: string;
  label: string;
  location: string;
  metadata: Metadata;
  serialNumber: string;
  deviceSwVersion: string;
  ipAddress: string;
  link: string;
}

export function buildReader(input: BuildReader, nowMs: number): Reader {
  return {
    id: input.id,
    object: 'terminal.reader',
    action: null,
    created: secondsOf(nowMs),
    device_sw_version: input.deviceSwVersion,
    device_type: input.deviceType,
    ip_address: input.ipAddress,
    label: input.label,
    last_seen_at: nowMs,
    livemode: false,
    location: input.location,
    metadata: input.metadata,
    serial_number: input.serialNumber,
    status: 'online',
    _internal: emptyInternal(input.link),
  };
}

export interface ReaderChange {
  reader: Reader;
  events: DomainEvent[];
}

function isBusy(reader: Reader, nowMs: number): boolean {
  const internal = reader._internal;
  return internal.stage === 'authorizing' || (internal.busyUntilMs !== null && internal.busyUntilMs > nowMs);
}

/** Whether the reader takes a command now: online (`online` comes from the reader port) and not busy. */
export function checkAcceptsCommand(reader: Reader, online: boolean, nowMs: number): void {
  if (!online) throw terminalErrors.offline();
  if (isBusy(reader, nowMs)) throw terminalErrors.busy();
}

/** A new action: replaces any action that has not started authorizing. */
export function startAction(reader: Reader, action: ActionRequest, online: boolean, nowMs: number): ReaderChange {
  checkAcceptsCommand(reader, online, nowMs);
  const { type, ...details } = action;
  const next: Reader = {
    ...reader,
    action: {
      api_error: null,
      type,
      status: 'in_progress',
      failure_code: null,
      failure_message: null,
      ...details,
    } as ReaderAction,
    last_seen_at: nowMs,
    _internal: { ...reader._internal, stage: 'waiting', authorizing: null },
  };
  return { reader: next, events: [] };
}

/** `cancel_action`: clears the action (and a held card, which the engine releases). */
export function cancelAction(
  reader: Reader,
  online: boolean,
  nowMs: number,
): ReaderChange & { released: ReaderInternal['held'] } {
  checkAcceptsCommand(reader, online, nowMs);
  const next: Reader = {
    ...reader,
    action: null,
    last_seen_at: nowMs,
    _internal: { ...reader._internal, stage: 'idle', authorizing: null, held: null },
  };
  return { reader: next, events: [], released: reader._internal.held };
}

const cardActions: readonly ReaderActionType[] = [
  'process_payment_intent',
  'collect_payment_method',
  'process_setup_intent',
  'refund_payment',
];

/** The action currently waiting for a card, or an error saying why a card can't be presented now. */
export function checkWaitingForCard(reader: Reader, nowMs: number): ReaderAction {
  const action = reader.action;
  if (reader._internal.stage === 'authorizing' || (reader._internal.busyUntilMs ?? 0) > nowMs)
    throw terminalErrors.busy();
  if (
    !action ||
    action.status !== 'in_progress' ||
    reader._internal.stage !== 'waiting' ||
    !cardActions.includes(action.type)
  ) {
    throw new ApiError(
      'invalid_request_body',
      `Reader ${reader.id} is not waiting for a payment method: it has no in-progress action of type ` +
        `${cardActions.join(', ')}.`,
      { param: 'reader' },
    );
  }
  return action;
}

/** A card was presented for a payment: the authorization starts and takes `latencyMs`. */
export function beginAuthorization(
  reader: Reader,
  card: { paymentMethod: string; tipAmount: number; allowRedisplay?: string },
  latencyMs: number,
  nowMs: number,
): ReaderChange {
  // With no latency the caller runs the authorization at once: it is claimed in the same change.
  const claimedAtMs = latencyMs === 0 ? nowMs : null;
  const next: Reader = {
    ...reader,
    last_seen_at: nowMs,
    _internal: {
      ...reader._internal,
      stage: 'authorizing',
      authorizing: { ...card, dueMs: nowMs + latencyMs, claimedAtMs },
    },
  };
  return { reader: next, events: [] };
}

const succeededEventTypes: readonly ReaderActionType[] = [
  'process_payment_intent',
  'confirm_payment_intent',
  'process_setup_intent',
  'refund_payment',
  'collect_inputs',
];
const failedEventTypes: readonly ReaderActionType[] = [
  'process_payment_intent',
  'collect_payment_method',
  'confirm_payment_intent',
  'process_setup_intent',
  'refund_payment',
  'collect_inputs',
];

export type ActionOutcome =
  | { status: 'succeeded'; details?: Record<string, unknown> }
  | {
      status: 'failed';
      code: string;
      message: string;
      details?: Record<string, unknown>;
      apiError?: Record<string, unknown>;
    };

/**
 * The action's final outcome. With the fault `dropNextFinalEvent` the outcome is lost on the way:
 * the action stays `in_progress` with no event (stage `lost`, not busy) until `cancel_action`.
 */
export function finishAction(reader: Reader, outcome: ActionOutcome, nowMs: number): ReaderChange {
  const action = reader.action;
  if (!action) return { reader, events: [] };
  const internal: ReaderInternal = { ...reader._internal, authorizing: null };
  if (internal.faults.dropNextFinalEvent) {
    const next: Reader = {
      ...reader,
      last_seen_at: nowMs,
      _internal: { ...internal, stage: 'lost', faults: { ...internal.faults, dropNextFinalEvent: false } },
    };
    return { reader: next, events: [] };
  }
  const sub = { ...(action[action.type] as Record<string, unknown> | undefined), ...(outcome.details ?? {}) };
  const finished: ReaderAction =
    outcome.status === 'succeeded'
      ? { ...action, status: 'succeeded', failure_code: null, failure_message: null, [action.type]: sub }
      : {
          ...action,
          status: 'failed',
          failure_code: outcome.code,
          failure_message: outcome.message,
          [action.type]: sub,
          ...compact({ api_error: outcome.apiError }),
        };
  const next: Reader = { ...reader, action: finished, last_seen_at: nowMs, _internal: { ...internal, stage: 'final' } };
  const emits = outcome.status === 'succeeded' ? succeededEventTypes : failedEventTypes;
  const events: DomainEvent[] = emits.includes(action.type)
    ? [{ type: `terminal.reader.action_${outcome.status}`, object: next }]
    : [];
  return { reader: next, events };
}

/**
 * `collect_payment_method` read a card: the PaymentMethod is shown on the action, which is done
 * (`succeeded`, event `terminal.reader.action_updated`), and the reader holds the card for
 * `confirm_payment_intent` for 30 seconds.
 */
export function cardCollected(
  reader: Reader,
  collected: { paymentIntent: string; paymentMethod: StoredObject; tipAmount: number },
  nowMs: number,
): ReaderChange {
  const action = must(reader.action, 'the reader action that collected the card');
  const { _internal: _dropped, ...paymentMethod } = collected.paymentMethod;
  const sub = { ...(action['collect_payment_method'] as Record<string, unknown>), payment_method: paymentMethod };
  const next: Reader = {
    ...reader,
    action: { ...action, status: 'succeeded', collect_payment_method: sub },
    last_seen_at: nowMs,
    _internal: {
      ...reader._internal,
      stage: 'final',
      authorizing: null,
      held: {
        paymentIntent: collected.paymentIntent,
        paymentMethod: collected.paymentMethod.id,
        tipAmount: collected.tipAmount,
        expiresAtMs: nowMs + collectedCardHoldMs,
        ...allowRedisplayOf((action['collect_payment_method'] as Record<string, unknown>)['collect_config']),
      },
    },
  };
  return { reader: next, events: [{ type: 'terminal.reader.action_updated', object: next }] };
}

/** The `allow_redisplay` an action's config chose, as an optional field. */
export function allowRedisplayOf(config: unknown): { allowRedisplay?: string } {
  const value = (config as Record<string, unknown> | undefined)?.['allow_redisplay'];
  return typeof value === 'string' ? { allowRedisplay: value } : {};
}

/** The held card lapses (or is used by confirm): the reader forgets it. */
export function releaseHeldCard(reader: Reader): Reader {
  return { ...reader, _internal: { ...reader._internal, held: null } };
}

/** The customer pressed cancel on the reader: only offered when the action enabled it. */
export function customerCancel(reader: Reader, nowMs: number): ReaderChange {
  const action = reader.action;
  if (reader._internal.stage === 'authorizing') throw terminalErrors.busy();
  if (!action || action.status !== 'in_progress' || reader._internal.stage !== 'waiting') {
    throw new ApiError('invalid_request_body', `Reader ${reader.id} has no in-progress action to cancel.`);
  }
  const sub = action[action.type] as Record<string, unknown> | undefined;
  const config = (sub?.['process_config'] ?? sub?.['collect_config'] ?? sub?.['refund_payment_config']) as
    Record<string, unknown> | undefined;
  if (config?.['enable_customer_cancellation'] !== true) {
    throw new ApiError(
      'invalid_request_body',
      `The reader shows no cancel button: the ${action.type} action did not set enable_customer_cancellation.`,
    );
  }
  return finishAction(reader, { status: 'failed', ...actionFailures.customerCanceled }, nowMs);
}

/** `collect_inputs` ends: the customer submitted (values filled by the caller) or timed out. */
export function inputsCollected(reader: Reader, inputs: unknown[] | null, nowMs: number): ReaderChange {
  const action = reader.action;
  if (
    !action ||
    action.type !== 'collect_inputs' ||
    action.status !== 'in_progress' ||
    reader._internal.stage !== 'waiting'
  ) {
    throw new ApiError('invalid_request_body', `Reader ${reader.id} is not collecting inputs.`);
  }
  if (inputs === null)
    return finishAction(reader, { status: 'failed', ...actionFailures.inputCollectionTimedOut }, nowMs);
  return finishAction(reader, { status: 'succeeded', details: { inputs } }, nowMs);
}

/** Status from the last signal, with Stripe's 2-minute rule. */
export function readerStatusAt(lastSeenAtMs: number | null, nowMs: number): 'online' | 'offline' {
  return lastSeenAtMs !== null && nowMs - lastSeenAtMs <= readerOfflineAfterMs ? 'online' : 'offline';
}

// ------------------------------------------------------------------------------------------------
// Carts (set_reader_display)
// ------------------------------------------------------------------------------------------------

export const cartLineItemCountMax = 100;

export interface Cart {
  currency: string;
  line_items: Array<{ amount: number; description: string; quantity: number }>;
  tax: number | null;
  total: number;
}

/** A cart must add up: Σ amount × quantity + tax = total (amounts are line totals per unit). */
export function checkCart(cart: Cart): void {
  if (cart.line_items.length === 0) {
    throw new ApiError('parameter_missing', 'Missing required param: cart[line_items].', { param: 'cart[line_items]' });
  }
  if (cart.line_items.length > cartLineItemCountMax) {
    throw new ApiError(
      'invalid_array',
      `Invalid array: cart[line_items] can have at most ${cartLineItemCountMax} items.`,
      { param: 'cart[line_items]' },
    );
  }
  const sum = cart.line_items.reduce((total, item) => total + item.amount * item.quantity, 0) + (cart.tax ?? 0);
  if (sum !== cart.total) {
    throw new ApiError(
      'invalid_request_body',
      `The cart total (${cart.total}) must equal the sum of line_items amount × quantity plus tax (${sum}).`,
      { param: 'cart[total]' },
    );
  }
}
