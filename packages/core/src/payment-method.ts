/** PaymentMethods of type `card_present` / `interac_present`, built from what a reader read. */
import type { CardFacts } from './card.js';
import { secondsOf, type StoredObject } from './domain.js';

export interface PaymentMethod extends StoredObject {
  object: 'payment_method';
  type: 'card_present' | 'interac_present';
  /** The card facts, kept for authorization; the PAN itself is never stored. */
  _internal: { card: CardFacts };
}

/** The `card_present` / `interac_present` hash of a PaymentMethod, as Stripe shows it. */
export function cardPresentHash(card: CardFacts): Record<string, unknown> {
  const common = {
    brand: card.brand,
    cardholder_name: card.cardholderName,
    country: card.country,
    exp_month: card.expMonth,
    exp_year: card.expYear,
    fingerprint: card.fingerprint,
    funding: card.funding,
    last4: card.last4,
    networks: { available: card.networksAvailable, preferred: null },
    preferred_locales: card.preferredLocales,
    read_method: card.readMethod,
  };
  if (card.type === 'interac_present') return common;
  return {
    ...common,
    brand_product: null,
    offline: card.offline ? { stored_at: card.offline.storedAt, type: card.offline.type } : null,
    ...(card.wallet ? { wallet: { type: card.wallet } } : {}),
  };
}

export function buildPaymentMethod(id: string, card: CardFacts, nowMs: number): PaymentMethod {
  return {
    id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: card.cardholderName,
      phone: null,
      tax_id: null,
    },
    created: secondsOf(nowMs),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: card.type,
    [card.type]: cardPresentHash(card),
    _internal: { card },
  };
}

export interface BuildGeneratedCard {
  id: string;
  card: CardFacts;
  /** The reader PaymentMethod the card was read into. */
  from: StoredObject;
  /**
   * Where it came from: the charge of a PaymentIntent with `setup_future_usage` (with that charge's
   * `payment_method_details`), or a SetupIntent's attempt (no payment: no details).
   */
  generatedFrom: {
    charge: string | null;
    paymentMethodDetails: Record<string, unknown> | null;
    setupAttempt: string | null;
  };
  customer: string | null;
  allowRedisplay: string;
  nowMs: number;
}

/**
 * The reusable `card` PaymentMethod Stripe generates from a card read on a reader (the
 * `generated_card` of a card_present charge or setup attempt). Only what a card-not-present payment
 * needs is kept: the facts, never the number.
 */
export function buildGeneratedCard(input: BuildGeneratedCard): StoredObject {
  const { card } = input;
  return {
    id: input.id,
    object: 'payment_method',
    allow_redisplay: input.allowRedisplay,
    billing_details: input.from['billing_details'],
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: null },
      country: card.country,
      display_brand: card.brand,
      exp_month: card.expMonth,
      exp_year: card.expYear,
      fingerprint: card.fingerprint,
      funding: card.funding,
      generated_from: {
        charge: input.generatedFrom.charge,
        payment_method_details: input.generatedFrom.paymentMethodDetails,
        setup_attempt: input.generatedFrom.setupAttempt,
      },
      last4: card.last4,
      networks: { available: card.networksAvailable, preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: secondsOf(input.nowMs),
    customer: input.customer,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
    _internal: { card },
  };
}

/**
 * Whether a card read can be saved as a `generated_card`: card_present only (Interac cards are
 * single-branded debit, which Stripe does not save), and not a digital wallet (Stripe: "Digital
 * wallet payments such as Apple Pay or Google Pay can't be saved and don't create a generated_card").
 */
export function canGenerateCard(card: CardFacts): boolean {
  return card.type === 'card_present' && !card.wallet;
}
