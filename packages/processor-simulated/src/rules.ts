/**
 * What an authorization does, decided before any result object is built. The order mirrors
 * Stripe's Terminal testing page (docs.stripe.com/terminal/references/testing) and is the whole point of this module:
 *   0. Interac outside CAD cannot be carried by the Interac network (the page's "Canada only").
 *   1. Specific-outcome cards (card-table.ts) decide alone — they are not "standard cards", which are the only
 *      ones the docs combine with test amounts, so `refund_fail` also ignores test amounts.
 *   2. A card whose (explicitly given) expiry is in the past is declined `expired_card`; listed cards
 *      default to a future expiry, so this only fires when the caller asked for an expired card.
 *   3. Test amounts by the last two digits of the amount in minor units. For zero-decimal
 *      currencies that is the "two rightmost digits" the docs mention — the same `% 100`.
 *   4. Everything else is approved.
 */
import type { AuthorizationRequest, CardFacts, CardReceipt } from '@opentill/engine';
import type { DeclineCode } from './declines.js';

export type Cvm = CardReceipt['cardholder_verification_method'];

export type Decision = { approve: true; cvm: Cvm } | { approve: false; decline: DeclineCode; pinRequired: boolean };

/** The PIN every test-amount flow expects unless the docs say "any 4-digit PIN". */
export const TEST_PIN = '1234';

/** The last two digits of an amount in minor units (also right for zero-decimal currencies). */
export function amountEnding(amount: number): number {
  return Math.abs(Math.trunc(amount)) % 100;
}

/** Amount endings that decline without any PIN interaction (shared with increments and refunds). */
export const hardDeclineEndings: Readonly<Record<number, DeclineCode>> = Object.freeze({
  1: 'call_issuer',
  5: 'generic_decline',
  55: 'incorrect_pin',
  65: 'withdrawal_count_limit_exceeded',
  75: 'pin_try_exceeded',
});

/** A PIN is 4–12 digits (ISO 9564); an empty string means none was entered. */
function normalizePin(pin: string | null): string | null {
  return pin === null || pin === '' ? null : pin;
}
const isWellFormedPin = (pin: string): boolean => /^[0-9]{4,12}$/.test(pin);

/**
 * The verification method when nothing forces one: no PIN → `none` (contactless/no-CVM, the
 * common case); a PIN on an inserted chip can be verified offline by the card, while any other
 * read method can only carry it online to the issuer.
 */
export function defaultCvm(card: CardFacts, pin: string | null): Cvm {
  if (pin === null) return 'none';
  return card.readMethod === 'contact_emv' ? 'offline_pin' : 'online_pin';
}

/** Cards that first soft-decline asking for a PIN, then approve with that verification method. */
const scaRetryCards: Readonly<Record<string, { decline: DeclineCode; cvm: Cvm }>> = {
  offline_pin_sca_retry: { decline: 'offline_pin_required', cvm: 'offline_pin' },
  online_pin_sca_retry: { decline: 'online_or_offline_pin_required', cvm: 'online_pin' },
};

const declineCards: Readonly<Record<string, DeclineCode>> = {
  charge_declined: 'generic_decline',
  charge_declined_insufficient_funds: 'insufficient_funds',
  charge_declined_lost_card: 'lost_card',
  charge_declined_stolen_card: 'stolen_card',
  charge_declined_expired_card: 'expired_card',
  charge_declined_processing_error: 'processing_error',
};

const decline = (code: DeclineCode, pinRequired = false): Decision => ({ approve: false, decline: code, pinRequired });

/** Step 1: specific-outcome cards. `null` means "not a specific-outcome card". */
function specificCardDecision(card: CardFacts, pin: string | null): Decision | null {
  const declineCode = declineCards[card.testCard];
  if (declineCode) return decline(declineCode);
  if (card.testCard === 'offline_pin_cvm') return { approve: true, cvm: 'offline_pin' };
  if (card.testCard === 'online_pin_cvm') return { approve: true, cvm: 'online_pin' };
  const retry = scaRetryCards[card.testCard];
  if (retry) {
    if (pin === null) return decline(retry.decline, true);
    // The docs name no PIN for these cards, so any well-formed PIN completes the retry.
    return isWellFormedPin(pin) ? { approve: true, cvm: retry.cvm } : decline('incorrect_pin');
  }
  if (card.testCard === 'refund_fail') return { approve: true, cvm: defaultCvm(card, pin) };
  return null;
}

/** Step 2: an expiry in the past (cards are valid through the last day of their expiry month, UTC). */
function isExpired(card: CardFacts, nowMs: number): boolean {
  return nowMs >= Date.UTC(card.expYear, card.expMonth, 1); // month index expMonth = following month
}

/** Step 3: test amounts. */
function testAmountDecision(card: CardFacts, amount: number, pin: string | null): Decision {
  const ending = amountEnding(amount);
  const hard = hardDeclineEndings[ending];
  if (hard) return decline(hard);
  if (ending === 2) {
    if (pin === null) return decline('offline_pin_required', true);
    return pin === TEST_PIN ? { approve: true, cvm: 'offline_pin' } : decline('incorrect_pin');
  }
  if (ending === 3) {
    if (pin === null) return decline('online_or_offline_pin_required', true);
    return /^[0-9]{4}$/.test(pin) ? { approve: true, cvm: 'online_pin' } : decline('incorrect_pin');
  }
  // 00 and every other ending (including the older copy's 60, dropped from the current docs).
  return { approve: true, cvm: defaultCvm(card, pin) };
}

export function decide(request: AuthorizationRequest): Decision {
  const { card } = request;
  const pin = normalizePin(request.pin);
  if (card.type === 'interac_present' && request.currency.toLowerCase() !== 'cad') {
    return decline('currency_not_supported');
  }
  const specific = specificCardDecision(card, pin);
  if (specific) return specific;
  if (isExpired(card, request.nowMs)) return decline('expired_card');
  return testAmountDecision(card, request.amount, pin);
}
