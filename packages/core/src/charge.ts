/** Charges: what one authorization attempt of a PaymentIntent produced. */
import type { AuthorizationResult, CardFacts } from './card.js';
import { secondsOf, type StoredObject } from './domain.js';
import { cardPresentHash } from './payment-method.js';

/** A charge as stored and shown (the fields the engine reads; the rest is Stripe's wire shape as built). */
export interface Charge extends StoredObject {
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  currency: string;
  payment_intent: string | null;
  payment_method: string;
  status: 'succeeded' | 'pending' | 'failed';
}

export interface BuildCharge {
  id: string;
  paymentIntent: StoredObject & { currency: string; description: string | null; metadata: Record<string, string> };
  paymentMethod: StoredObject;
  card: CardFacts;
  authorization: AuthorizationResult;
  amount: number;
  captureMethod: 'automatic' | 'manual';
  reader: { id: string; location: string | null } | null;
  nowMs: number;
}

export function chargeCardDetails(charge: StoredObject): Record<string, unknown> | undefined {
  const details = charge['payment_method_details'] as Record<string, unknown> | undefined;
  const type = details?.['type'];
  return typeof type === 'string' ? (details?.[type] as Record<string, unknown> | undefined) : undefined;
}

export function buildCharge(input: BuildCharge): Charge {
  const { authorization: auth, card } = input;
  const approved = auth.approved;
  // A charge's card_present / interac_present details are the PaymentMethod's hash minus `networks`
  // (which only the PaymentMethod has), plus what the authorization produced.
  const { networks: _networks, ...cardHash } = cardPresentHash(card);
  const cardDetails: Record<string, unknown> = {
    ...cardHash,
    emv_auth_data: approved ? '8A023030' : null,
    generated_card: null,
    network: card.network,
    network_transaction_id: approved ? auth.networkTransactionId : null,
    receipt: auth.receipt,
    ...(input.reader ? { reader: input.reader.id, location: input.reader.location } : {}),
  };
  if (card.type === 'card_present') {
    Object.assign(cardDetails, {
      amount_authorized: approved ? input.amount : null,
      capture_before: approved && auth.captureBefore !== null ? auth.captureBefore : undefined,
      incremental_authorization_supported: approved && auth.incrementalAuthorizationSupported,
      overcapture_supported: approved && auth.overcaptureSupported,
    });
    if (cardDetails['capture_before'] === undefined) delete cardDetails['capture_before'];
  }
  const captured = approved && input.captureMethod === 'automatic';
  return {
    id: input.id,
    object: 'charge',
    amount: input.amount,
    amount_captured: captured ? input.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: (input.paymentIntent['application_fee_amount'] as number | null) ?? null,
    // Stripe leaves the member out when there is no authorization code (a decline).
    ...(approved ? { authorization_code: auth.authorizationCode } : {}),
    balance_transaction: null,
    billing_details: input.paymentMethod['billing_details'],
    calculated_statement_descriptor: 'OPENTILL',
    captured,
    created: secondsOf(input.nowMs),
    currency: input.paymentIntent.currency,
    customer: (input.paymentIntent['customer'] as string | null | undefined) ?? null,
    description: input.paymentIntent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: approved ? null : auth.code,
    failure_message: approved ? null : auth.message,
    fraud_details: {},
    livemode: false,
    metadata: { ...input.paymentIntent.metadata },
    on_behalf_of: (input.paymentIntent['on_behalf_of'] as string | null | undefined) ?? null,
    outcome: { ...auth.outcome, network_advice_code: null, network_decline_code: null },
    paid: approved,
    payment_intent: input.paymentIntent.id,
    payment_method: input.paymentMethod.id,
    payment_method_details: { type: card.type, [card.type]: cardDetails },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: approved ? 'succeeded' : 'failed',
    transfer_data: chargeTransferData(input.paymentIntent['transfer_data']),
    transfer_group: (input.paymentIntent['transfer_group'] as string | null | undefined) ?? null,
  };
}

/** A PaymentIntent's `transfer_data` as its charge shows it (`amount` null when the whole amount goes). */
function chargeTransferData(value: unknown): { amount: number | null; destination: string } | null {
  if (value === null || typeof value !== 'object') return null;
  const data = value as { amount?: number; destination: string };
  return { amount: data.amount ?? null, destination: data.destination };
}
