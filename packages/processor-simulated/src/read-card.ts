/**
 * readCard: the only place a full card number is seen. It is turned into CardFacts here and
 * dropped; nothing below keeps or logs it (errors do not echo it either).
 */
import type { CardFacts, CardRead, CardReadResult } from '@opentill/engine';
import { fingerprintOf } from './derive.js';
import { isValidPan } from './luhn.js';
import { brandFromIin, findTestCard, type TestCard } from './card-table.js';

/** Simulated cards read with a far-future expiry unless the caller picks one (even the expired-card
 *  test card: Stripe declines it at authorization, it does not print an old date). */
export const DEFAULT_EXP_MONTH = 12;
export const DEFAULT_EXP_YEAR = 2030;

const INCORRECT_NUMBER: CardReadResult = {
  ok: false,
  code: 'incorrect_number',
  message: 'Your card number is incorrect.',
};

interface Identity {
  brand: string;
  network: string;
  networks: string[];
  funding: CardFacts['funding'];
  country: string | null;
  testCard: string;
}

function identityOf(listed: TestCard | undefined, number: string, type: CardRead['type']): Identity {
  if (!listed) {
    // Unlisted but valid numbers behave like standard cards; only the IIN tells us anything.
    const brand = brandFromIin(number);
    return { brand, network: brand, networks: [brand], funding: 'unknown', country: null, testCard: 'custom' };
  }
  if (listed.testCard === 'interac' && type === 'card_present') {
    // The Interac test card is co-badged with Visa (IIN 4): presented as card_present it is a Visa.
    return {
      brand: 'visa',
      network: 'visa',
      networks: ['visa'],
      funding: listed.funding,
      country: listed.country,
      testCard: listed.testCard,
    };
  }
  return {
    brand: listed.brand,
    network: listed.network,
    networks: [...listed.networks],
    funding: listed.funding,
    country: listed.country,
    testCard: listed.testCard,
  };
}

function validMonth(month: number | undefined): month is number {
  return month !== undefined && Number.isInteger(month) && month >= 1 && month <= 12;
}
function validYear(year: number | undefined): year is number {
  return year !== undefined && Number.isInteger(year) && year >= 1000 && year <= 9999;
}

export function readCard(fingerprintKey: string, accountId: string, read: CardRead): CardReadResult {
  const number = read.number;
  const listed = findTestCard(number);
  // Listed test cards are accepted as-is (all pass Luhn today, but the table is the authority).
  if (!listed && !isValidPan(number)) return INCORRECT_NUMBER;
  const identity = identityOf(listed, number, read.type);
  const card: CardFacts = {
    type: read.type,
    brand: identity.brand,
    network: identity.network,
    networksAvailable: identity.networks,
    funding: identity.funding,
    country: identity.country,
    last4: number.slice(-4),
    // Out-of-range expiry values fall back to the defaults rather than failing the read: a
    // simulated reader has no way to "misread" an expiry.
    expMonth: validMonth(read.expMonth) ? read.expMonth : DEFAULT_EXP_MONTH,
    expYear: validYear(read.expYear) ? read.expYear : DEFAULT_EXP_YEAR,
    fingerprint: fingerprintOf(fingerprintKey, accountId, number),
    readMethod: read.readMethod,
    wallet: read.wallet,
    cardholderName: read.cardholderName ?? null,
    preferredLocales: ['en'],
    testCard: identity.testCard,
  };
  return { ok: true, card };
}
