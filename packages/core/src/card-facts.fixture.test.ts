/**
 * Test fixture, no tests: the card facts of Stripe's Visa test card as a reader reads it tapped, for
 * the core tests that need a card (named `.test.ts` so it is compiled with them and left out of the
 * published package like them).
 */
import type { CardFacts } from './card.js';

export function testCardFacts(overrides: Partial<CardFacts> = {}): CardFacts {
  return {
    type: 'card_present',
    brand: 'visa',
    network: 'visa',
    networksAvailable: ['visa'],
    funding: 'credit',
    country: 'US',
    last4: '4242',
    expMonth: 12,
    expYear: 2030,
    fingerprint: 'fp_test',
    readMethod: 'contactless_emv',
    wallet: null,
    cardholderName: null,
    preferredLocales: ['en'],
    testCard: 'visa',
    ...overrides,
  };
}
