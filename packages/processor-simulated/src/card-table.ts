/**
 * The Stripe Terminal simulated test cards (docs.stripe.com/terminal/references/testing: "standard" cards and cards with "specific
 * outcomes") as one exported table, so a card-picker UI and test helpers can reuse it instead of
 * copying numbers around. Behaviour that depends on a card is keyed on `testCard` (the Stripe
 * test payment-method name), never on the number: after `readCard` the number is gone.
 */

import { defaultSimulatedCard, defaultSimulatedCardType } from '@opentill/core';

export type TestCardKind = 'card_present' | 'interac_present' | 'both';
export type Funding = 'credit' | 'debit' | 'prepaid' | 'unknown';

export interface TestCard {
  readonly number: string;
  /** Stripe test payment-method name, e.g. `visa`, `charge_declined_lost_card`. */
  readonly testCard: string;
  readonly brand: string;
  readonly network: string;
  /**
   * Networks the card can route on. Co-badged domestic cards (eftpos/Visa, Cartes Bancaires/Visa…)
   * list the domestic network first (the one used) and the international one second, as Stripe's
   * `networks.available` does; single-network cards list just `network`.
   */
  readonly networks: readonly string[];
  readonly funding: Funding;
  readonly country: string;
  /** Which PaymentMethod types the card can be presented as. */
  readonly type: TestCardKind;
  /** Shown in a card picker. */
  readonly label: string;
}

function card(
  number: string,
  testCard: string,
  brand: string,
  funding: Funding,
  country: string,
  label: string,
  extra: { network?: string; networks?: string[]; type?: TestCardKind } = {},
): TestCard {
  const network = extra.network ?? brand;
  return Object.freeze({
    number,
    testCard,
    brand,
    network,
    networks: Object.freeze(extra.networks ?? [network]),
    funding,
    country,
    type: extra.type ?? 'card_present',
    label,
  });
}

/*
 * Countries: the brand cards are US-issued as in Stripe test mode. Several Stripe test numbers embed
 * an ISO 3166 numeric country code after `4000`/`4001` (036 AU, 250 FR, 276 DE, 702 SG, 826 GB); the
 * PIN cards below use those countries, which also explains why they are PIN-centric (non-US) cards.
 */
export const testCards: readonly TestCard[] = Object.freeze([
  // Standard cards: approve, and combine with the test amounts (rules.ts, step 3).
  card('4242424242424242', 'visa', 'visa', 'credit', 'US', 'Visa'),
  card('4000056655665556', 'visa_debit', 'visa', 'debit', 'US', 'Visa (debit)'),
  card('5555555555554444', 'mastercard', 'mastercard', 'credit', 'US', 'Mastercard'),
  card('5200828282828210', 'mastercard_debit', 'mastercard', 'debit', 'US', 'Mastercard (debit)'),
  card('5105105105105100', 'mastercard_prepaid', 'mastercard', 'prepaid', 'US', 'Mastercard (prepaid)'),
  card('378282246310005', 'amex', 'amex', 'credit', 'US', 'American Express'),
  card('371449635398431', 'amex2', 'amex', 'credit', 'US', 'American Express'),
  card('6011111111111117', 'discover', 'discover', 'credit', 'US', 'Discover'),
  card('6011000990139424', 'discover2', 'discover', 'credit', 'US', 'Discover'),
  card('3056930009020004', 'diners', 'diners', 'credit', 'US', 'Diners Club'),
  card('36227206271667', 'diners_14digits', 'diners', 'credit', 'US', 'Diners Club (14 digit)'),
  card('3566002020360505', 'jcb', 'jcb', 'credit', 'US', 'JCB'),
  card('6200000000000005', 'unionpay', 'unionpay', 'credit', 'US', 'UnionPay'),
  // Read as interac_present it is an Interac debit card; read as card_present it is the Visa it is
  // co-badged with (IIN 4…). readCard switches brand/network on the read type.
  card('4506445006931933', 'interac', 'interac', 'debit', 'CA', 'Interac', { type: 'both' }),
  card('6280000360000978', 'eftpos_au_debit', 'eftpos_au', 'debit', 'AU', 'eftpos Australia'),
  card('4000050360000001', 'eftpos_au_visa_debit', 'eftpos_au', 'debit', 'AU', 'eftpos Australia / Visa', {
    networks: ['eftpos_au', 'visa'],
  }),
  card('5555050360000080', 'eftpos_au_mastercard_debit', 'eftpos_au', 'debit', 'AU', 'eftpos Australia / Mastercard', {
    networks: ['eftpos_au', 'mastercard'],
  }),
  card(
    '4000002500001001',
    'cartes_bancaires_visa_debit',
    'cartes_bancaires',
    'debit',
    'FR',
    'Cartes Bancaires / Visa',
    {
      networks: ['cartes_bancaires', 'visa'],
    },
  ),
  card(
    '5555552500001001',
    'cartes_bancaires_mastercard_debit',
    'cartes_bancaires',
    'debit',
    'FR',
    'Cartes Bancaires / Mastercard',
    {
      networks: ['cartes_bancaires', 'mastercard'],
    },
  ),
  // Not in the contract's brand enum (which predates girocard); reported as its own brand/network.
  card('4711009900000316877', 'girocard_debit', 'girocard', 'debit', 'DE', 'Girocard'),

  // Specific outcomes: these decide the authorization on their own (test amounts ignored).
  card('4001007020000002', 'offline_pin_cvm', 'visa', 'credit', 'SG', 'Offline PIN'),
  card('4000008260000075', 'offline_pin_sca_retry', 'visa', 'credit', 'GB', 'Offline PIN (SCA retry)'),
  card('4001000360000005', 'online_pin_cvm', 'visa', 'credit', 'AU', 'Online PIN'),
  card('4000002760000008', 'online_pin_sca_retry', 'visa', 'credit', 'DE', 'Online PIN (SCA retry)'),
  card('4000000000000002', 'charge_declined', 'visa', 'credit', 'US', 'Charge declined'),
  card('4000000000009995', 'charge_declined_insufficient_funds', 'visa', 'credit', 'US', 'Insufficient funds'),
  card('4000000000009987', 'charge_declined_lost_card', 'visa', 'credit', 'US', 'Lost card'),
  card('4000000000009979', 'charge_declined_stolen_card', 'visa', 'credit', 'US', 'Stolen card'),
  card('4000000000000069', 'charge_declined_expired_card', 'visa', 'credit', 'US', 'Expired card'),
  card('4000000000000119', 'charge_declined_processing_error', 'visa', 'credit', 'US', 'Processing error'),
  card('4000000000005126', 'refund_fail', 'visa', 'credit', 'US', 'Refund fails asynchronously'),
]);

const byNumber: ReadonlyMap<string, TestCard> = new Map(testCards.map((c) => [c.number, c]));

/** The listed test card with this exact number, if any. */
export function findTestCard(number: string): TestCard | undefined {
  return byNumber.get(number);
}

/** The listed test card with this test payment-method name, if any. */
export function findTestCardByName(testCard: string): TestCard | undefined {
  return testCards.find((c) => c.testCard === testCard);
}

/**
 * The card a simulated reader uses when `present_payment_method` gets no card (docs.stripe.com/terminal/references/testing).
 * Visa whenever `card_present` is allowed (even alongside `interac_present`); Interac only when it
 * is the sole card type. Anything else (no card type at all) falls back to Visa so the simulator
 * always has something to present — the engine rejects unusable intents before this matters.
 */
export function defaultTestCardNumber(paymentMethodTypes: readonly string[]): string {
  return defaultSimulatedCard[defaultSimulatedCardType(paymentMethodTypes)];
}

/**
 * Brand of an unlisted number from its IIN prefix. Order matters only where ranges could be
 * confused; the checks below are mutually exclusive as written.
 */
export function brandFromIin(number: string): string {
  const p2 = Number(number.slice(0, 2));
  const p3 = Number(number.slice(0, 3));
  const p4 = Number(number.slice(0, 4));
  if (number.startsWith('4')) return 'visa';
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return 'mastercard';
  if (p2 === 34 || p2 === 37) return 'amex';
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return 'discover';
  if (p2 === 36 || p2 === 38 || (p3 >= 300 && p3 <= 305)) return 'diners';
  if (p2 === 35) return 'jcb';
  if (p2 === 62) return 'unionpay';
  return 'unknown';
}
