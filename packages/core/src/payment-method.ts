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
      email: null, name: card.cardholderName, phone: null, tax_id: null,
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
