/**
 * The PaymentIntent state machine for in-person payments (`card_present`, `interac_present`).
 *
 *   requires_payment_method ─(attach PM)→ requires_confirmation ─(authorize)→ requires_capture | succeeded
 *          ↑                                       │
 *          └────────────── decline ────────────────┘          any cancellable state ─(cancel)→ canceled
 *
 * Pure: each function takes the current objects, a command and `nowMs`, and returns the new objects
 * and the events, or throws an `ApiError` (a rejection rendered by the HTTP edge). Ids for objects a
 * transition creates are passed in, so the machine itself has no randomness.
 */
import { ApiError } from './errors.js';
import { compact } from './compact.js';
import { limits } from './limits.js';
import { secondsOf, type DomainEvent, type Metadata, type StoredObject, type Transition } from './domain.js';
import type { CardFactsView, AuthorizationView } from './card.js';
import { buildCharge, chargeCardDetails } from './charge.js';
import { buildGeneratedCard, canGenerateCard } from './payment-method.js';

export type PaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface PaymentIntent extends StoredObject {
  object: 'payment_intent';
  /** The list the caller gave as `allowed_payment_method_types` (stripe-node 23's name), or null. */
  allowed_payment_method_types: string[] | null;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  amount_details: { tip: { amount?: number } };
  application_fee_amount: number | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic' | 'automatic_async' | 'manual';
  client_secret: string;
  currency: string;
  customer: string | null;
  description: string | null;
  last_payment_error: Record<string, unknown> | null;
  latest_charge: string | null;
  metadata: Metadata;
  payment_method: string | null;
  payment_method_options: Record<string, Record<string, unknown>>;
  payment_method_types: string[];
  receipt_email: string | null;
  setup_future_usage: 'off_session' | 'on_session' | null;
  statement_descriptor: string | null;
  statement_descriptor_suffix: string | null;
  status: PaymentIntentStatus;
  _internal: { incrementCount: number; confirmCount: number };
}

export interface CreatePaymentIntent {
  id: string;
  clientSecret: string;
  amount: number;
  currency: string;
  captureMethod: PaymentIntent['capture_method'];
  paymentMethodTypes: string[];
  paymentMethodOptions: Record<string, Record<string, unknown>>;
  fields: Partial<
    Pick<
      PaymentIntent,
      | 'allowed_payment_method_types'
      | 'application_fee_amount'
      | 'customer'
      | 'description'
      | 'metadata'
      | 'receipt_email'
      | 'statement_descriptor'
      | 'statement_descriptor_suffix'
      | 'on_behalf_of'
      | 'transfer_group'
      | 'setup_future_usage'
    >
  > & { transfer_data?: { destination: string; amount?: number } };
}

const cancellableStatuses: readonly PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];
const confirmableStatuses: readonly PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];
/** States where what will be charged (amount, currency, method) can still change. */
const editableStatuses: readonly PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

export function createPaymentIntent(
  command: CreatePaymentIntent,
  nowMs: number,
): Transition & { paymentIntent: PaymentIntent } {
  const paymentIntent: PaymentIntent = {
    id: command.id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: command.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: command.captureMethod,
    client_secret: command.clientSecret,
    confirmation_method: 'automatic',
    created: secondsOf(nowMs),
    currency: command.currency,
    customer: null,
    customer_account: null,
    description: null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: command.paymentMethodOptions,
    payment_method_types: command.paymentMethodTypes,
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    ...command.fields,
    _internal: { incrementCount: 0, confirmCount: 0 },
  };
  return {
    paymentIntent,
    changed: [paymentIntent],
    events: [{ type: 'payment_intent.created', object: paymentIntent }],
  };
}

/** The capture method that applies to a card-present payment (`payment_method_options` wins). */
export function effectiveCaptureMethod(
  paymentIntent: PaymentIntent,
  paymentMethodType: string,
): 'automatic' | 'manual' {
  const override = paymentIntent.payment_method_options[paymentMethodType]?.['capture_method'];
  if (override === 'manual' || override === 'manual_preferred') return 'manual';
  return paymentIntent.capture_method === 'manual' ? 'manual' : 'automatic';
}

function unexpectedState(paymentIntent: PaymentIntent, message: string, param?: string): ApiError {
  return new ApiError('payment_intent_unexpected_state', message, {
    ...compact({ param }),
    payment_intent: paymentIntent,
  });
}

// ------------------------------------------------------------------------------------------------
// Update
// ------------------------------------------------------------------------------------------------

export interface UpdatePaymentIntent {
  amount?: number;
  currency?: string;
  captureMethod?: PaymentIntent['capture_method'];
  paymentMethodTypes?: string[];
  paymentMethodOptions?: Record<string, Record<string, unknown>>;
  /** `null` detaches. A string must be an existing PaymentMethod the engine checked. */
  paymentMethod?: string | null;
  applicationFeeAmount?: number | null;
  fields: Partial<
    Pick<
      PaymentIntent,
      | 'allowed_payment_method_types'
      | 'customer'
      | 'description'
      | 'receipt_email'
      | 'statement_descriptor'
      | 'statement_descriptor_suffix'
      | 'transfer_group'
      | 'setup_future_usage'
    >
  >;
  metadata?: Metadata;
}

export function updatePaymentIntent(paymentIntent: PaymentIntent, update: UpdatePaymentIntent): Transition {
  const editable = editableStatuses.includes(paymentIntent.status);
  const guard = (param: string, present: boolean) => {
    if (present && !editable) {
      throw unexpectedState(
        paymentIntent,
        `This PaymentIntent's ${param} could not be updated because it has a status of ${paymentIntent.status}. ` +
          `You may only update the ${param} of a PaymentIntent with one of the following statuses: ` +
          `${editableStatuses.join(', ')}.`,
        param,
      );
    }
  };
  guard('amount', update.amount !== undefined);
  guard('currency', update.currency !== undefined);
  guard('capture_method', update.captureMethod !== undefined);
  guard('payment_method_types', update.paymentMethodTypes !== undefined);
  guard('payment_method', update.paymentMethod !== undefined);
  guard('setup_future_usage', update.fields.setup_future_usage !== undefined);
  const feeEditable = editable || paymentIntent.status === 'requires_capture';
  if (update.applicationFeeAmount !== undefined && !feeEditable) {
    throw unexpectedState(
      paymentIntent,
      `This PaymentIntent's application_fee_amount could not be updated because it has a status of ` +
        `${paymentIntent.status}.`,
      'application_fee_amount',
    );
  }
  const next: PaymentIntent = { ...paymentIntent, ...update.fields };
  if (update.amount !== undefined) next.amount = update.amount;
  if (update.currency !== undefined) next.currency = update.currency;
  if (update.captureMethod !== undefined) next.capture_method = update.captureMethod;
  if (update.paymentMethodTypes !== undefined) next.payment_method_types = update.paymentMethodTypes;
  if (update.paymentMethodOptions !== undefined) next.payment_method_options = update.paymentMethodOptions;
  if (update.applicationFeeAmount !== undefined) next.application_fee_amount = update.applicationFeeAmount;
  if (update.metadata !== undefined) next.metadata = update.metadata;
  if (update.paymentMethod !== undefined) {
    next.payment_method = update.paymentMethod;
    next.status = update.paymentMethod === null ? 'requires_payment_method' : 'requires_confirmation';
  }
  // Stripe clears the last error once the PaymentIntent is changed for another attempt.
  if (editable && (update.amount !== undefined || update.paymentMethod !== undefined)) next.last_payment_error = null;
  return { changed: [next], events: [] };
}

// ------------------------------------------------------------------------------------------------
// Attach a collected payment method (reader collect step; confirm with `payment_method`)
// ------------------------------------------------------------------------------------------------

export function attachPaymentMethod(paymentIntent: PaymentIntent, paymentMethod: StoredObject): PaymentIntent {
  return {
    ...paymentIntent,
    payment_method: paymentMethod.id,
    status: 'requires_confirmation',
    last_payment_error: null,
  };
}

// ------------------------------------------------------------------------------------------------
// Confirm: checked first (before the processor is called), then the authorization is applied.
// ------------------------------------------------------------------------------------------------

/**
 * The 8-digit amount limit holds for what is authorized: the amount plus an on-reader tip. Stripe's
 * error for too large an amount, on the parameter that carried the tip.
 */
export function checkAmountWithTip(amount: number, tipAmount: number, param: string): void {
  if (amount + tipAmount > limits.amountMax) {
    throw new ApiError('amount_too_large', `Amount must be no more than ${limits.amountMax}.`, { param });
  }
}

export function checkConfirmable(paymentIntent: PaymentIntent, paymentMethod: StoredObject | null): void {
  if (!confirmableStatuses.includes(paymentIntent.status)) {
    if (paymentIntent.status === 'succeeded' || paymentIntent.status === 'requires_capture') {
      throw unexpectedState(
        paymentIntent,
        'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.',
      );
    }
    throw unexpectedState(
      paymentIntent,
      `You cannot confirm this PaymentIntent because it has a status of ${paymentIntent.status}. ` +
        `Only a PaymentIntent with one of the following statuses may be confirmed: ${confirmableStatuses.join(', ')}.`,
    );
  }
  if (paymentMethod === null) {
    throw unexpectedState(
      paymentIntent,
      "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the " +
        'PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.',
      'payment_method',
    );
  }
  const type = String(paymentMethod['type']);
  if (!paymentIntent.payment_method_types.includes(type)) {
    throw new ApiError(
      'payment_intent_incompatible_payment_method',
      `The PaymentMethod provided (${type}) is not allowed for this PaymentIntent. Please attach a PaymentMethod of ` +
        `one of the following types: ${paymentIntent.payment_method_types.join(', ')}. Alternatively, update the allowed ` +
        `payment_method_types for this PaymentIntent to include "${type}".`,
      { param: 'payment_method', payment_intent: paymentIntent },
    );
  }
}

export interface ApplyAuthorization {
  paymentMethod: StoredObject;
  card: CardFactsView;
  authorization: AuthorizationView;
  chargeId: string;
  /** Amount authorized: the PaymentIntent amount plus an on-reader tip, if any. */
  amount: number;
  tipAmount: number;
  reader: { id: string; location: string | null } | null;
  /**
   * With `setup_future_usage`: the id for the reusable card an approval generates, and its
   * `allow_redisplay` (the reader's `process_config` / `collect_config`). Absent: nothing is saved.
   */
  generatedCard?: { id: string; allowRedisplay: string };
}

/**
 * Applies what the processor answered. Approval: a charge and `requires_capture` or `succeeded`.
 * Decline: a failed charge, `requires_payment_method` and `last_payment_error`, and the
 * card error the confirm request answers with (returned, not thrown: the change must be stored).
 */
export function applyAuthorization(
  paymentIntent: PaymentIntent,
  command: ApplyAuthorization,
  nowMs: number,
): Transition & { paymentIntent: PaymentIntent; charge: StoredObject; decline: ApiError | null } {
  const captureMethod = effectiveCaptureMethod(paymentIntent, command.card.type);
  const charge = buildCharge({
    id: command.chargeId,
    paymentIntent,
    paymentMethod: command.paymentMethod,
    card: command.card,
    authorization: command.authorization,
    amount: command.amount,
    captureMethod,
    reader: command.reader,
    nowMs,
  });
  const base: PaymentIntent = {
    ...paymentIntent,
    latest_charge: charge.id,
    _internal: { ...paymentIntent._internal, confirmCount: paymentIntent._internal.confirmCount + 1 },
  };
  const auth = command.authorization;
  if (!auth.approved) {
    const lastPaymentError: Record<string, unknown> = {
      charge: charge.id,
      code: auth.code,
      ...(auth.declineCode ? { decline_code: auth.declineCode } : {}),
      doc_url: `https://stripe.com/docs/error-codes/${auth.code.replaceAll('_', '-')}`,
      message: auth.message,
      payment_method: command.paymentMethod,
      type: 'card_error',
    };
    const failed: PaymentIntent = {
      ...base,
      status: 'requires_payment_method',
      payment_method: null,
      last_payment_error: lastPaymentError,
    };
    const decline = new ApiError(auth.code, auth.message, {
      ...(auth.declineCode ? { decline_code: auth.declineCode } : {}),
      charge: charge.id,
      payment_intent: failed,
      payment_method: command.paymentMethod,
    });
    return {
      paymentIntent: failed,
      charge,
      decline,
      changed: [failed, charge],
      events: [
        { type: 'charge.failed', object: charge },
        { type: 'payment_intent.payment_failed', object: failed },
      ],
      deadlines: new Map([[failed.id, authorizationDeadlineMs(failed, charge)]]),
    };
  }
  const tip = command.tipAmount > 0 ? { amount: command.tipAmount } : {};
  const approved: PaymentIntent =
    captureMethod === 'manual'
      ? {
          ...base,
          amount: command.amount,
          status: 'requires_capture',
          amount_capturable: command.amount,
          payment_method: command.paymentMethod.id,
          last_payment_error: null,
          amount_details: { tip },
        }
      : {
          ...base,
          amount: command.amount,
          status: 'succeeded',
          amount_received: command.amount,
          payment_method: command.paymentMethod.id,
          last_payment_error: null,
          amount_details: { tip },
        };
  const saved = savedCard(paymentIntent, command, charge, nowMs);
  const approvedCharge = saved ? saved.charge : charge;
  const events: DomainEvent[] = [{ type: 'charge.succeeded', object: approvedCharge }];
  if (saved && paymentIntent.customer) events.push({ type: 'payment_method.attached', object: saved.generatedCard });
  events.push(
    captureMethod === 'manual'
      ? { type: 'payment_intent.amount_capturable_updated', object: approved }
      : { type: 'payment_intent.succeeded', object: approved },
  );
  return {
    paymentIntent: approved,
    charge: approvedCharge,
    decline: null,
    changed: [approved, approvedCharge, ...(saved ? [saved.generatedCard] : [])],
    events,
    // An uncaptured authorization expires at its capture_before: the scheduler looks again then.
    deadlines: new Map([[approved.id, authorizationDeadlineMs(approved, approvedCharge)]]),
  };
}

/**
 * `setup_future_usage` on a card_present payment: Stripe saves the card as a reusable `card`
 * PaymentMethod, attached to the PaymentIntent's customer (if any), and names it on the charge
 * (`payment_method_details.card_present.generated_card`). Digital wallets are not saved.
 */
function savedCard(
  paymentIntent: PaymentIntent,
  command: ApplyAuthorization,
  charge: StoredObject,
  nowMs: number,
): { generatedCard: StoredObject; charge: StoredObject } | null {
  if (!command.generatedCard || !paymentIntent.setup_future_usage || !canGenerateCard(command.card)) {
    return null;
  }
  const details = charge['payment_method_details'] as Record<string, unknown>;
  const type = String(details['type']);
  const detailsWithCard = {
    ...details,
    [type]: { ...(details[type] as Record<string, unknown>), generated_card: command.generatedCard.id },
  };
  const generatedCard = buildGeneratedCard({
    id: command.generatedCard.id,
    card: command.card,
    from: command.paymentMethod,
    generatedFrom: { charge: charge.id, paymentMethodDetails: detailsWithCard, setupAttempt: null },
    customer: paymentIntent.customer,
    allowRedisplay: command.generatedCard.allowRedisplay,
    nowMs,
  });
  return { generatedCard, charge: { ...charge, payment_method_details: detailsWithCard } };
}

// ------------------------------------------------------------------------------------------------
// Capture, cancel, increment, expire
// ------------------------------------------------------------------------------------------------

/** The largest amount a capture may take: the authorization, or more when overcapture applies. */
export function captureCeiling(paymentIntent: PaymentIntent, charge: StoredObject): number {
  const details = chargeCardDetails(charge);
  if (!details?.['overcapture_supported']) return paymentIntent.amount_capturable;
  const authorized = paymentIntent.amount_capturable;
  const extra = Math.max(Math.floor((authorized * limits.overcapturePercentMax) / 100), limits.overcaptureFlatMinorMax);
  return authorized + extra;
}

export interface CapturePaymentIntent {
  amountToCapture?: number;
  applicationFeeAmount?: number;
  metadata?: Metadata;
  statementDescriptor?: string;
  statementDescriptorSuffix?: string;
}

export function capturePaymentIntent(
  paymentIntent: PaymentIntent,
  charge: StoredObject | null,
  command: CapturePaymentIntent,
  nowMs: number,
): Transition & { paymentIntent: PaymentIntent } {
  if (paymentIntent.status !== 'requires_capture' || charge === null) {
    throw unexpectedState(
      paymentIntent,
      `This PaymentIntent could not be captured because it has a status of ${paymentIntent.status}. ` +
        'Only a PaymentIntent with one of the following statuses may be captured: requires_capture.',
    );
  }
  const captureBefore = chargeCardDetails(charge)?.['capture_before'];
  if (typeof captureBefore === 'number' && secondsOf(nowMs) >= captureBefore) {
    throw new ApiError(
      'charge_expired_for_capture',
      'This PaymentIntent could not be captured because its authorization has expired.',
      { payment_intent: paymentIntent },
    );
  }
  const amount = command.amountToCapture ?? paymentIntent.amount_capturable;
  const ceiling = captureCeiling(paymentIntent, charge);
  if (amount > ceiling) {
    throw new ApiError(
      'amount_too_large',
      ceiling === paymentIntent.amount_capturable
        ? `The amount_to_capture (${amount}) must be less than or equal to the PaymentIntent's amount_capturable (${paymentIntent.amount_capturable}).`
        : `The amount_to_capture (${amount}) exceeds the overcapture limit for this PaymentIntent (${ceiling}).`,
      { param: 'amount_to_capture', payment_intent: paymentIntent },
    );
  }
  if (command.applicationFeeAmount !== undefined && command.applicationFeeAmount > amount) {
    throw new ApiError(
      'payment_intent_invalid_parameter',
      'The application_fee_amount cannot be greater than the amount being captured.',
      { param: 'application_fee_amount' },
    );
  }
  const overcaptured = amount > paymentIntent.amount_capturable;
  const captured: PaymentIntent = {
    ...paymentIntent,
    status: 'succeeded',
    amount: overcaptured ? amount : paymentIntent.amount,
    amount_capturable: 0,
    amount_received: amount,
    ...compact({
      application_fee_amount: command.applicationFeeAmount,
      metadata: command.metadata,
      statement_descriptor: command.statementDescriptor,
      statement_descriptor_suffix: command.statementDescriptorSuffix,
    }),
  };
  const chargeAmount = overcaptured ? amount : Number(charge['amount']);
  const capturedCharge: StoredObject = {
    ...charge,
    amount: chargeAmount,
    amount_captured: amount,
    // A partial capture releases the rest, which Stripe reports as refunded on the charge.
    amount_refunded: chargeAmount - amount,
    captured: true,
    application_fee_amount: captured.application_fee_amount,
  };
  return {
    paymentIntent: captured,
    changed: [captured, capturedCharge],
    events: [
      { type: 'charge.captured', object: capturedCharge },
      { type: 'payment_intent.succeeded', object: captured },
    ],
  };
}

export function cancelPaymentIntent(
  paymentIntent: PaymentIntent,
  charge: StoredObject | null,
  reason: string | null,
  nowMs: number,
): Transition & { paymentIntent: PaymentIntent } {
  if (!cancellableStatuses.includes(paymentIntent.status)) {
    throw unexpectedState(
      paymentIntent,
      `You cannot cancel this PaymentIntent because it has a status of ${paymentIntent.status}. Only a PaymentIntent ` +
        'with one of the following statuses may be canceled: requires_payment_method, requires_capture, ' +
        'requires_confirmation, requires_action.',
    );
  }
  const released = paymentIntent.status === 'requires_capture' && charge !== null;
  const canceled: PaymentIntent = {
    ...paymentIntent,
    status: 'canceled',
    canceled_at: secondsOf(nowMs),
    cancellation_reason: reason,
    amount_capturable: 0,
  };
  const changed: StoredObject[] = [canceled];
  const events: DomainEvent[] = [];
  if (released) {
    const refundedCharge = { ...charge, amount_refunded: Number(charge['amount']), refunded: true };
    changed.push(refundedCharge);
    events.push({ type: 'charge.refunded', object: refundedCharge });
  }
  events.push({ type: 'payment_intent.canceled', object: canceled });
  return { paymentIntent: canceled, changed, events };
}

/**
 * The uncaptured authorization lapsed: funds go back to the cardholder, the charge expires and
 * the PaymentIntent is canceled automatically.
 */
export function expireAuthorization(paymentIntent: PaymentIntent, charge: StoredObject, nowMs: number): Transition {
  if (paymentIntent.status !== 'requires_capture') return { changed: [], events: [] };
  const expiredCharge = { ...charge, amount_refunded: Number(charge['amount']), refunded: true };
  const canceled: PaymentIntent = {
    ...paymentIntent,
    status: 'canceled',
    canceled_at: secondsOf(nowMs),
    cancellation_reason: 'automatic',
    amount_capturable: 0,
  };
  return {
    changed: [canceled, expiredCharge],
    events: [
      { type: 'charge.expired', object: expiredCharge },
      { type: 'payment_intent.canceled', object: canceled },
    ],
  };
}

/** The deadline the scheduler watches for a PaymentIntent, in ms, or null. */
export function authorizationDeadlineMs(paymentIntent: PaymentIntent, charge: StoredObject | null): number | null {
  if (paymentIntent.status !== 'requires_capture' || charge === null) return null;
  const captureBefore = chargeCardDetails(charge)?.['capture_before'];
  return typeof captureBefore === 'number' ? captureBefore * 1000 : null;
}

export function checkIncrementable(paymentIntent: PaymentIntent, charge: StoredObject | null, amount: number): void {
  if (paymentIntent.status !== 'requires_capture' || charge === null) {
    throw unexpectedState(
      paymentIntent,
      `This PaymentIntent's authorization could not be incremented because it has a status of ${paymentIntent.status}. ` +
        'Only a PaymentIntent with one of the following statuses may be incremented: requires_capture.',
    );
  }
  if (!chargeCardDetails(charge)?.['incremental_authorization_supported']) {
    throw new ApiError(
      'incremental_authorization_not_supported',
      'This PaymentIntent does not support incremental authorizations. Request support with ' +
        'payment_method_options[card_present][request_incremental_authorization_support]=true when creating it.',
      { payment_intent: paymentIntent },
    );
  }
  if (paymentIntent._internal.incrementCount >= limits.incrementalAuthorizationCountMax) {
    throw new ApiError(
      'payment_intent_amount_reached_limit',
      `This PaymentIntent has reached the maximum of ${limits.incrementalAuthorizationCountMax} incremental authorization attempts.`,
      { payment_intent: paymentIntent },
    );
  }
  if (amount <= paymentIntent.amount) {
    throw new ApiError(
      'payment_intent_invalid_parameter',
      `The amount (${amount}) must be greater than the amount currently authorized (${paymentIntent.amount}).`,
      { param: 'amount', payment_intent: paymentIntent },
    );
  }
}

export function applyIncrement(
  paymentIntent: PaymentIntent,
  charge: StoredObject,
  amount: number,
  approved: boolean,
  fields: { description?: string; metadata?: Metadata; applicationFeeAmount?: number },
): Transition & { paymentIntent: PaymentIntent } {
  const counted: PaymentIntent = {
    ...paymentIntent,
    _internal: { ...paymentIntent._internal, incrementCount: paymentIntent._internal.incrementCount + 1 },
  };
  if (!approved) return { paymentIntent: counted, changed: [counted], events: [] };
  const next: PaymentIntent = {
    ...counted,
    amount,
    amount_capturable: amount,
    ...compact({
      description: fields.description,
      metadata: fields.metadata,
      application_fee_amount: fields.applicationFeeAmount,
    }),
  };
  const nextCharge = { ...charge, amount };
  return {
    paymentIntent: next,
    changed: [next, nextCharge],
    events: [
      { type: 'charge.updated', object: nextCharge, previousAttributes: { amount: charge['amount'] } },
      { type: 'payment_intent.amount_capturable_updated', object: next },
    ],
  };
}
