/**
 * What the engine knows about a card and an authorization: the processor port produces these, and
 * the pure state machines consume them. Never a full card number.
 */
export type ReadMethod =
  | 'contact_emv'
  | 'contactless_emv'
  | 'contactless_magstripe_mode'
  | 'magnetic_stripe_fallback'
  | 'magnetic_stripe_track2';

export type WalletType = 'apple_pay' | 'google_pay' | 'samsung_pay' | 'unknown';

export type CardPresentType = 'card_present' | 'interac_present';

/** The test card a simulated reader presents when the test names none: Visa 4242, or Interac for
 *  Interac-only payments (Stripe's simulated readers do the same). */
export const defaultSimulatedCard: Readonly<Record<CardPresentType, string>> = {
  card_present: '4242424242424242',
  interac_present: '4506445006931933',
};

/** The card type of the default simulated card: Interac only when it is the sole card type allowed (processor-simulated's `defaultTestCardNumber`; docs/terminal.md). */
export function defaultSimulatedCardType(paymentMethodTypes: readonly string[]): CardPresentType {
  return !paymentMethodTypes.includes('card_present') && paymentMethodTypes.includes('interac_present')
    ? 'interac_present'
    : 'card_present';
}

/** What a reader read from a card. `number` is the full PAN and must never be stored or logged. */
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
  /** Set on a card read offline and forwarded later: Stripe's `card_present.offline` (`type: deferred`). */
  offline?: { storedAt: number; type: 'deferred' } | null;
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
    'approval' | 'failure' | 'none' | 'offline_pin' | 'offline_pin_and_signature' | 'online_pin' | 'signature';
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

/** Views used by the state machines: they are the processor's own types. */
export type CardFactsView = CardFacts;
export type AuthorizationView = AuthorizationResult;
