/**
 * Manual-capture windows and the capabilities that depend on brand/currency (Stripe's rules for holding
 * an in-person authorization; the tables below are OpenTill's record of them).
 * Windows are keyed on the network that carried the authorization, since holding periods are
 * network rules (a Cartes Bancaires/Visa card routed on CB does not get Visa's window).
 */
import type { CardFacts } from '@opentill/engine';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Visa's in-person "5 day" authorization is exactly 4 days 18 hours (since 2024-04-14). */
export const VISA_WINDOW_SECONDS = 4 * DAY + 18 * HOUR;
/** JPY authorizations can be held 30 days, whatever the brand. */
export const JPY_WINDOW_SECONDS = 30 * DAY;
/** In-person default for every other network. */
export const DEFAULT_WINDOW_SECONDS = 2 * DAY;
/**
 * Extended authorization: the contract only says "up to 30 days depending on the network". The
 * simulator grants 30 days on the four networks that offer it in person and ignores the request
 * elsewhere (the engine sees the result only through `capture_before`).
 */
export const EXTENDED_WINDOW_SECONDS = 30 * DAY;

const MAJOR_NETWORKS: ReadonlySet<string> = new Set(['visa', 'mastercard', 'amex', 'discover']);

export interface CaptureTerms {
  captureMethod: 'automatic' | 'manual';
  currency: string;
  requestExtendedAuthorization: boolean;
  requestIncrementalAuthorizationSupport: boolean;
  nowMs: number;
}

/** Unix seconds after which an uncaptured authorization lapses; null for automatic capture. */
export function captureBeforeOf(card: CardFacts, terms: CaptureTerms): number | null {
  if (terms.captureMethod !== 'manual') return null;
  const now = Math.floor(terms.nowMs / 1000);
  let window = DEFAULT_WINDOW_SECONDS;
  if (terms.currency.toLowerCase() === 'jpy') window = JPY_WINDOW_SECONDS;
  else if (card.network === 'visa') window = VISA_WINDOW_SECONDS;
  if (terms.requestExtendedAuthorization && MAJOR_NETWORKS.has(card.network)) {
    window = Math.max(window, EXTENDED_WINDOW_SECONDS);
  }
  return now + window;
}

/**
 * Overcapture (on-receipt tips) is US-only and limited to Visa, Mastercard, Amex and Discover;
 * it needs an uncaptured authorization. interac_present has no such field at all.
 */
export function overcaptureSupportedOf(card: CardFacts, terms: CaptureTerms): boolean {
  return (
    card.type === 'card_present' &&
    terms.captureMethod === 'manual' &&
    terms.currency.toLowerCase() === 'usd' &&
    MAJOR_NETWORKS.has(card.brand)
  );
}

/** Incremental authorization: only when requested, on the major brands, for manual capture. */
export function incrementalSupportedOf(card: CardFacts, terms: CaptureTerms): boolean {
  return (
    card.type === 'card_present' &&
    terms.requestIncrementalAuthorizationSupport &&
    terms.captureMethod === 'manual' &&
    MAJOR_NETWORKS.has(card.brand)
  );
}
