/**
 * Shared helpers for this package's tests (deliberately not named *.test.* / test-*: `node --test`
 * would run it as a test file).
 */
import assert from 'node:assert/strict';
import type { AuthorizationRequest, CardFacts, CardPresentType, CardRead } from '@opentill/engine';
import { SimulatedProcessor } from './index.js';

export const ACCOUNT = 'acct_1Simulated';
/** 2025-01-15T12:00:00Z — any fixed instant works, the processor never reads the clock. */
export const NOW_MS = Date.UTC(2025, 0, 15, 12, 0, 0);

export const processor = new SimulatedProcessor({ fingerprintKey: 'test-fingerprint-key' });

export function cardRead(number: string, overrides: Partial<CardRead> = {}): CardRead {
  return { type: 'card_present', number, readMethod: 'contactless_emv', wallet: null, ...overrides };
}

/** Reads a card that must be valid and returns its facts. */
export function read(
  number: string,
  type: CardPresentType = 'card_present',
  overrides: Partial<CardRead> = {},
): CardFacts {
  const result = processor.readCard(ACCOUNT, cardRead(number, { type, ...overrides }));
  assert.ok(result.ok, `expected ${number.slice(-4)} to read`);
  return result.card;
}

export function authRequest(card: CardFacts, overrides: Partial<AuthorizationRequest> = {}): AuthorizationRequest {
  return {
    accountId: ACCOUNT,
    card,
    amount: 1000,
    currency: 'usd',
    captureMethod: 'automatic',
    requestIncrementalAuthorizationSupport: false,
    requestExtendedAuthorization: false,
    pin: null,
    nowMs: NOW_MS,
    ...overrides,
  };
}

/** Appends the Luhn check digit to `partial`, so fixtures need no hand-computed numbers. */
export function withCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) {
    const candidate = partial + d;
    let sum = 0;
    let double = false;
    for (let i = candidate.length - 1; i >= 0; i--) {
      let x = Number(candidate[i]);
      if (double) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
      double = !double;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}
