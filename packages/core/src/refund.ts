/** Refunds of card-present charges. Pure: the processor's answer comes in with the command. */
import { ApiError } from './errors.js';
import { compact } from './compact.js';
import { secondsOf, type DomainEvent, type Metadata, type StoredObject, type Transition } from './domain.js';
import type { Charge } from './charge.js';

/** A refund that fails asynchronously (test card `refund_fail`) fails this long after creation. */
export const asyncRefundFailureDelayMs = 5_000;

export interface CreateRefund {
  id: string;
  charge: StoredObject;
  amount?: number;
  reason: string | null;
  metadata: Metadata;
  instructionsEmail?: string;
  processor:
    { accepted: true; failsLaterWith: string | null } | { accepted: false; failureReason: string; message: string };
}

/** Checks a refund is possible and returns the amount it will take. */
export function refundableAmount(charge: StoredObject, requested: number | undefined): number {
  // After a partial capture Stripe counts the released part as refunded, so what is left to refund
  // is the charge amount less everything refunded so far.
  const total = Number(charge['amount']);
  const refunded = Number(charge['amount_refunded']);
  if (charge['status'] !== 'succeeded' || !charge['captured']) {
    throw new ApiError(
      'charge_expired_for_capture',
      `Charge ${charge.id} has not been captured; cancel its PaymentIntent instead of refunding it.`,
      { param: 'charge' },
    );
  }
  const left = total - refunded;
  if (left <= 0) {
    throw new ApiError('charge_already_refunded', `Charge ${charge.id} has already been refunded.`, {
      charge: charge.id,
    });
  }
  const amount = requested ?? left;
  if (amount > left) {
    throw new ApiError(
      'amount_too_large',
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
      { param: 'amount' },
    );
  }
  return amount;
}

export function createRefund(command: CreateRefund, nowMs: number): Transition & { refund: StoredObject } {
  const amount = refundableAmount(command.charge, command.amount);
  const { charge } = command;
  const accepted = command.processor.accepted;
  const refund: StoredObject = {
    id: command.id,
    object: 'refund',
    amount,
    balance_transaction: null,
    charge: charge.id,
    created: secondsOf(nowMs),
    currency: charge['currency'],
    customer: charge['customer'] ?? null,
    customer_account: null,
    destination_details: {
      type: 'card',
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
    },
    ...compact({ instructions_email: command.instructionsEmail }),
    livemode: false,
    metadata: command.metadata,
    payment_intent: charge['payment_intent'],
    payment_method: charge['payment_method'] ?? null,
    reason: command.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: accepted ? 'succeeded' : 'failed',
    transfer_reversal: null,
    ...(command.processor.accepted ? {} : { failure_reason: command.processor.failureReason }),
    _internal: {
      failsLaterWith: command.processor.accepted ? command.processor.failsLaterWith : null,
      failAtMs:
        command.processor.accepted && command.processor.failsLaterWith !== null
          ? nowMs + asyncRefundFailureDelayMs
          : null,
    },
  };
  if (!accepted) {
    return {
      refund,
      changed: [refund],
      events: [
        { type: 'refund.created', object: refund },
        { type: 'refund.failed', object: refund },
      ],
    };
  }
  const amountRefunded = Number(charge['amount_refunded']) + amount;
  const refundedCharge: StoredObject = {
    ...charge,
    amount_refunded: amountRefunded,
    refunded: amountRefunded >= Number(charge['amount']),
  };
  const events: DomainEvent[] = [
    { type: 'refund.created', object: refund },
    {
      type: 'charge.refunded',
      object: refundedCharge,
      previousAttributes: { amount_refunded: charge['amount_refunded'] },
    },
  ];
  return { refund, changed: [refund, refundedCharge], events };
}

/** The processor reported the refund failed after it looked successful. */
export function failRefundLater(refund: StoredObject, charge: StoredObject): Transition {
  const internal = refund._internal as { failsLaterWith: string | null } | undefined;
  if (refund['status'] !== 'succeeded' || !internal?.failsLaterWith) return { changed: [], events: [] };
  const failed: StoredObject = {
    ...refund,
    status: 'failed',
    failure_reason: internal.failsLaterWith,
    _internal: { failsLaterWith: null, failAtMs: null },
  };
  const amountRefunded = Math.max(0, Number(charge['amount_refunded']) - Number(refund['amount']));
  const restored: StoredObject = { ...charge, amount_refunded: amountRefunded, refunded: false };
  return {
    changed: [failed, restored],
    events: [
      { type: 'refund.updated', object: failed, previousAttributes: { status: 'succeeded' } },
      { type: 'refund.failed', object: failed },
      { type: 'charge.refund.updated', object: failed },
    ],
  };
}

export function cancelRefund(refund: StoredObject): never {
  throw new ApiError(
    'refund_invalid_state',
    `Refund ${refund.id} cannot be canceled because it has a status of ${String(refund['status'])}. ` +
      'Only refunds with a status of requires_action can be canceled.',
  );
}

/** A reader's `refund_payment` action as asked (the charge found by id or through its PaymentIntent). */
export interface RefundPaymentCommand {
  charge?: string;
  paymentIntent?: string;
  amount?: number;
  metadata?: Metadata;
  reason?: string;
  refundApplicationFee?: boolean;
  reverseTransfer?: boolean;
  config?: Record<string, unknown>;
}

/**
 * The `refund_payment` sub-object of a reader's action, once the charge it refunds (null: none
 * found) is known to be captured, successful and not fully refunded, and the amount fits.
 */
export function refundPaymentAction(charge: Charge | null, command: RefundPaymentCommand): Record<string, unknown> {
  if (!charge || charge.status !== 'succeeded' || !charge.captured) {
    throw new ApiError(
      'charge_expired_for_capture',
      'There is no captured, successful charge to refund for this request.',
      { param: command.charge !== undefined ? 'charge' : 'payment_intent' },
    );
  }
  const left = charge.amount - charge.amount_refunded;
  if (left <= 0) {
    throw new ApiError('charge_already_refunded', `Charge ${charge.id} has already been refunded.`, {
      param: 'charge',
    });
  }
  if (command.amount !== undefined && command.amount > left) {
    throw new ApiError(
      'amount_too_large_for_refund',
      `Refund amount (${command.amount}) is greater than unrefunded amount on charge (${left})`,
      { param: 'amount' },
    );
  }
  return {
    ...(command.amount !== undefined ? { amount: command.amount } : {}),
    charge: charge.id,
    ...(command.metadata ? { metadata: command.metadata } : {}),
    payment_intent: charge.payment_intent ?? null,
    ...(command.reason ? { reason: command.reason } : {}),
    ...(command.refundApplicationFee !== undefined ? { refund_application_fee: command.refundApplicationFee } : {}),
    ...(command.config ? { refund_payment_config: command.config } : {}),
    ...(command.reverseTransfer !== undefined ? { reverse_transfer: command.reverseTransfer } : {}),
  };
}
