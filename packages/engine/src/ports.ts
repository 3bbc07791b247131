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

export type ReadMethod =
  | 'contact_emv'
  | 'contactless_emv'
  | 'contactless_magstripe_mode'
  | 'magnetic_stripe_fallback'
  | 'magnetic_stripe_track2';

export type WalletType = 'apple_pay' | 'google_pay' | 'samsung_pay' | 'unknown';

export type CardPresentType = 'card_present' | 'interac_present';

/** What a reader read from a card. `number` is the full PAN and must never be stored or logged. */
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
export interface CardFacts {
  type: CardPresentType;
  brand: string;
  network: string;
  networksAvailable: string[];
  funding: 'credit' | 'debit' | 'prepaid' | 'unknown';
  country: string | null;
  last4: string;
  expMonth: number;
  expYear: number;
  /** Stable per card number and account; a keyed hash so it cannot be reversed. */
  fingerprint: string;
  readMethod: ReadMethod;
  wallet: WalletType | null;
  cardholderName: string | null;
  preferredLocales: string[];
  /** The Stripe test payment method name of this card (`visa`, `charge_declined_lost_card`, …). */
  testCard: string;
}

export type CardReadResult =
  | { ok: true; card: CardFacts }
  | { ok: false; code: 'invalid_number' | 'incorrect_number'; message: string };

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

export interface ProcessorOutcome {
  network_status: 'approved_by_network' | 'declined_by_network' | 'not_sent_to_network' | 'reversed_after_approval';
  reason: string | null;
  risk_level: 'normal' | 'elevated' | 'highest' | 'not_assessed';
  risk_score: number;
  seller_message: string;
  type: 'authorized' | 'issuer_declined' | 'blocked' | 'invalid' | 'manual_review';
  advice_code: 'confirm_card_data' | 'do_not_try_again' | 'try_again_later' | null;
}

export interface CardReceipt {
  account_type: 'checking' | 'credit' | 'prepaid' | 'savings' | 'unknown';
  application_cryptogram: string;
  application_preferred_name: string;
  authorization_code: string | null;
  authorization_response_code: string;
  cardholder_verification_method:
    | 'approval' | 'failure' | 'none' | 'offline_pin' | 'offline_pin_and_signature' | 'online_pin' | 'signature';
  dedicated_file_name: string;
  terminal_verification_results: string;
  transaction_status_information: string;
}

export type AuthorizationResult =
  | {
      approved: true;
      authorizationCode: string;
      networkTransactionId: string;
      /** Unix seconds after which an uncaptured authorization lapses (manual capture only). */
      captureBefore: number | null;
      overcaptureSupported: boolean;
      incrementalAuthorizationSupported: boolean;
      outcome: ProcessorOutcome;
      receipt: CardReceipt;
    }
  | {
      approved: false;
      /** Stripe error code: `card_declined`, `expired_card`, `incorrect_pin`, `processing_error`. */
      code: 'card_declined' | 'expired_card' | 'incorrect_pin' | 'processing_error';
      declineCode: string | null;
      message: string;
      /** The card asks for a PIN (test amounts ending 02/03, PIN test cards): retry with `pin`. */
      pinRequired: boolean;
      outcome: ProcessorOutcome;
      receipt: CardReceipt | null;
    };

export interface IncrementRequest {
  card: CardFacts;
  currency: string;
  /** Total authorized so far and the requested new total, minor units. */
  currentAmount: number;
  newAmount: number;
}

export type IncrementResult =
  | { approved: true }
  | { approved: false; declineCode: string; message: string };

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
