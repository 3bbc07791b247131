/**
 * Ports: everything the engine needs from the outside world. Each port is small and owned by
 * its consumer (the engine); every port has a deterministic adapter used in tests.
 */

/** Wall-clock time in milliseconds. Tests use a manual clock; the server uses the system clock. */
export interface Clock {
  nowMs(): number;
}

/** Object ids (`pi_…`, `ch_…`) and secrets. Tests use a sequential source for reproducibility. */
export interface IdSource {
  /** A new id with the given Stripe prefix, e.g. `next('pi')` → `pi_3Q…`. */
  next(prefix: string): string;
  /** A random url-safe secret of `length` characters (client secrets, webhook secrets, keys). */
  secret(length: number): string;
}

// ---------------------------------------------------------------------------------------------
// Card processor port. The only component that ever sees a full card number is `readCard`; it
// turns it into CardFacts (last4, fingerprint, brand …) and the number is dropped right there.
// ---------------------------------------------------------------------------------------------

import type { AuthorizationResult, CardFacts, CardPresentType, ReadMethod, WalletType } from '@opentill/core';

export type {
  AuthorizationResult,
  CardFacts,
  CardPresentType,
  CardReceipt,
  ProcessorOutcome,
  ReadMethod,
  WalletType,
} from '@opentill/core';

export interface CardRead {
  type: CardPresentType;
  number: string;
  readMethod: ReadMethod;
  wallet: WalletType | null;
  /** Optional expiry (defaults chosen by the processor when absent). */
  expMonth?: number;
  expYear?: number;
  cardholderName?: string | null;
}

/** What is kept about a card: everything a Stripe PaymentMethod shows, never the PAN. */
export type CardReadResult =
  { ok: true; card: CardFacts } | { ok: false; code: 'invalid_number' | 'incorrect_number'; message: string };

export interface AuthorizationRequest {
  accountId: string;
  card: CardFacts;
  /** Amount to authorize in minor units (tips included). */
  amount: number;
  currency: string;
  captureMethod: 'automatic' | 'manual';
  requestIncrementalAuthorizationSupport: boolean;
  requestExtendedAuthorization: boolean;
  /** The PIN the cardholder entered, when a PIN was collected. */
  pin: string | null;
  nowMs: number;
}

export interface IncrementRequest {
  card: CardFacts;
  currency: string;
  /** Total authorized so far and the requested new total, minor units. */
  currentAmount: number;
  newAmount: number;
}

export type IncrementResult = { approved: true } | { approved: false; declineCode: string; message: string };

export interface RefundRequest {
  card: CardFacts;
  amount: number;
  currency: string;
}

export type RefundResult =
  /** The refund is accepted. `failsLaterWith` set: it will fail asynchronously (test card refund_fail). */
  | { accepted: true; failsLaterWith: 'expired_or_canceled_card' | 'declined' | null }
  | { accepted: false; failureReason: 'declined' | 'expired_or_canceled_card' | 'unknown'; message: string };

export interface Processor {
  readCard(accountId: string, read: CardRead): CardReadResult;
  authorize(request: AuthorizationRequest): Promise<AuthorizationResult>;
  incrementAuthorization(request: IncrementRequest): Promise<IncrementResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
}
