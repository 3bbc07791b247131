/**
 * Cardholder verification (CVM) for a tapped card: whether a PIN is needed, when it is collected,
 * or why the payment is declined before any PIN screen. Seed "Limites de la vérification du
 * titulaire de la carte" (iPhone and Android) and "Spécificités régionales concernant les codes PIN";
 * docs/tap-to-pay.md, "Cardholder verification". The regional contactless limits are not in the seed (Stripe's support article
 * could not be read); the default table is OpenTill's choice and every row can be overridden.
 *
 * Decision order (first that applies wins; table in docs/tap-to-pay.md):
 *  1. currency not the Location country's currency          → decline `currency_not_supported`
 *  2. NFC wallet outside GB/CA/FI                            → `none` (verified on the customer's phone)
 *  3. GB, issuer SCA, card must be inserted                  → decline `offline_pin_required` (before any PIN screen)
 *  4. what PIN the payment needs (not for wallets: 4a, 4b):
 *     a. amount ending in .03 (test amount)                  → PIN before collect returns
 *     b. amount above the country's contactless CVM limit    → PIN before collect returns
 *     c. issuer requests SCA                                 → PIN during confirm
 *  5. if a PIN is needed:
 *     a. offline-PIN-only card (common in CA, FI)            → decline `offline_pin_required`
 *     b. market without contactless PIN (US, JP)             → decline `online_or_offline_pin_required`
 *     c. iPhone below iOS 16.4 / Android SDK below 4.3.0     → decline `online_or_offline_pin_required`
 *  6. otherwise `none`.
 */
import { zeroDecimalCurrencies } from '../currencies.js';
import type { TapToPayPlatform } from './device.js';
import { versionAtLeast } from './version.js';
import { tapToPayWallets } from './cards.js';

export interface CvmLimitRow {
  /** The Location country's currency (lowercase ISO 4217). */
  currency: string;
  /** Highest amount, in minor units, payable without cardholder verification; null = no limit. */
  limit: number | null;
  /** Whether PIN entry on the phone is accepted in this market. */
  pin: boolean;
}

const eur = (): CvmLimitRow => ({ currency: 'eur', limit: 5000, pin: true });

/**
 * Default contactless CVM limits by Location country (minor units). Sources: the secondary figures
 * of docs/tap-to-pay.md, "Cardholder verification" (GBP 100, EUR 50, CHF 80, CAD 250, AUD 100–200 → 200, NZD 200, US none) and the
 * card schemes' published national contactless limits for the other countries. Marked uncertain:
 * override them with `cardholderVerification(…, { limits })`.
 */
export const defaultCvmLimits: Readonly<Record<string, Readonly<CvmLimitRow>>> = Object.freeze(
  Object.fromEntries(
    Object.entries({
      AT: eur(),
      BE: eur(),
      CY: eur(),
      DE: eur(),
      EE: eur(),
      ES: eur(),
      FI: eur(),
      FR: eur(),
      HR: eur(),
      IE: eur(),
      IT: eur(),
      LT: eur(),
      LU: eur(),
      LV: eur(),
      MT: eur(),
      NL: eur(),
      PT: eur(),
      SI: eur(),
      SK: eur(),
      AU: { currency: 'aud', limit: 20000, pin: true },
      CA: { currency: 'cad', limit: 25000, pin: true },
      CH: { currency: 'chf', limit: 8000, pin: true },
      LI: { currency: 'chf', limit: 8000, pin: true },
      CZ: { currency: 'czk', limit: 50000, pin: true },
      DK: { currency: 'dkk', limit: 35000, pin: true },
      GB: { currency: 'gbp', limit: 10000, pin: true },
      GI: { currency: 'gbp', limit: 10000, pin: true },
      HU: { currency: 'huf', limit: 1500000, pin: true },
      MY: { currency: 'myr', limit: 25000, pin: true },
      NO: { currency: 'nok', limit: 50000, pin: true },
      NZ: { currency: 'nzd', limit: 20000, pin: true },
      PL: { currency: 'pln', limit: 10000, pin: true },
      RO: { currency: 'ron', limit: 10000, pin: true },
      SE: { currency: 'sek', limit: 40000, pin: true },
      SG: { currency: 'sgd', limit: 20000, pin: true },
      JP: { currency: 'jpy', limit: null, pin: false },
      US: { currency: 'usd', limit: null, pin: false },
    } satisfies Record<string, CvmLimitRow>).map(([k, v]) => [k, Object.freeze(v)]),
  ),
);

/** Countries where regional rules can make even NFC wallet payments need card verification. */
export const walletCvmExceptionCountries: readonly string[] = Object.freeze(['GB', 'CA', 'FI']);

/** Minimum versions for PIN entry on the phone. */
export const pinMinimumVersions = Object.freeze({ iosOs: '16.4', androidSdk: '4.3.0' });

/** The default table with overrides applied (a row replaces or adds a country; fields merge). */
export function resolveCvmLimits(
  overrides: Readonly<Record<string, Partial<CvmLimitRow>>> = {},
): Record<string, CvmLimitRow> {
  const table: Record<string, CvmLimitRow> = {};
  for (const [country, row] of Object.entries(defaultCvmLimits)) table[country] = { ...row };
  for (const [raw, row] of Object.entries(overrides)) {
    const country = raw.toUpperCase();
    const base = table[country];
    const merged = { ...base, ...row };
    if (typeof merged.currency !== 'string' || typeof merged.pin !== 'boolean' || merged.limit === undefined) {
      throw new RangeError(`CVM limit override for ${country} needs currency, limit and pin`);
    }
    if (merged.limit !== null && (!Number.isSafeInteger(merged.limit) || merged.limit < 0)) {
      throw new RangeError(`CVM limit for ${country} must be a non-negative integer (minor units) or null`);
    }
    table[country] = { currency: merged.currency.toLowerCase(), limit: merged.limit, pin: merged.pin };
  }
  return table;
}

export interface CardholderVerificationInput {
  /** Location country. */
  country: string;
  /** PaymentIntent currency (lowercase ISO 4217). */
  currency: string;
  /** PaymentIntent amount in minor units. */
  amount: number;
  brand: string;
  /** NFC wallet type (`apple_pay`, `google_pay`, `samsung_pay`) or null for a physical card. */
  wallet?: string | null;
  platform: TapToPayPlatform;
  osVersion: string;
  sdkVersion: string;
  /** The issuer asks for strong customer authentication on this payment. */
  issuerRequestsSca?: boolean;
  /** The issuer's SCA can only be met by inserting the card (offline PIN). */
  cardRequiresInsert?: boolean;
  /** The card supports offline PIN only (needs contact / insertion). */
  offlinePinOnly?: boolean;
}

export type CvmDeclineCode = 'offline_pin_required' | 'online_or_offline_pin_required' | 'currency_not_supported';

export type CvmDeclineReason =
  | 'currency_not_local'
  | 'sca_requires_card_insertion'
  | 'offline_pin_only_card'
  | 'pin_not_supported_in_market'
  | 'pin_requires_newer_ios'
  | 'pin_requires_newer_sdk';

export interface CvmDecline {
  /** The Stripe decline code reported on the failed charge (`last_payment_error.decline_code`). */
  decline: CvmDeclineCode;
  reason: CvmDeclineReason;
  message: string;
}

export type CvmDecision = 'none' | 'pin_before_collect' | 'pin_during_confirm' | CvmDecline;

export interface CardholderVerificationOptions {
  /** Per-country overrides of `defaultCvmLimits`. */
  limits?: Readonly<Record<string, Partial<CvmLimitRow>>>;
}

/** Physical test cards: an amount whose decimal part is .03 tests online PIN (seed). */
export function isPinTestAmount(amount: number, currency: string): boolean {
  return !zeroDecimalCurrencies.has(currency.toLowerCase()) && amount % 100 === 3;
}

const otherMethod = 'Ask for another card, or take the payment with a Terminal card reader or a payment link.';

/** Decides cardholder verification for one tapped card. */
export function cardholderVerification(
  input: CardholderVerificationInput,
  options: CardholderVerificationOptions = {},
): CvmDecision {
  if (!Number.isSafeInteger(input.amount) || input.amount < 0)
    throw new RangeError('amount must be a non-negative integer in minor units');
  const country = input.country.trim().toUpperCase();
  const currency = input.currency.trim().toLowerCase();
  const row = (options.limits ? resolveCvmLimits(options.limits) : defaultCvmLimits)[country] ?? {
    currency,
    limit: null,
    pin: false,
  };

  if (row.currency !== currency) {
    return {
      decline: 'currency_not_supported',
      reason: 'currency_not_local',
      message: `Tap to Pay in ${country} charges ${row.currency.toUpperCase()} only, not ${currency.toUpperCase()}.`,
    };
  }
  const wallet =
    typeof input.wallet === 'string' && (tapToPayWallets as readonly string[]).includes(input.wallet.toLowerCase());
  const regional = walletCvmExceptionCountries.includes(country);
  if (wallet && !regional) return 'none';

  if (country === 'GB' && input.issuerRequestsSca === true && input.cardRequiresInsert === true) {
    return {
      decline: 'offline_pin_required',
      reason: 'sca_requires_card_insertion',
      message: `The card issuer requires the card to be inserted for strong customer authentication; Tap to Pay cannot read inserted cards. ${otherMethod}`,
    };
  }

  let need: 'none' | 'pin_before_collect' | 'pin_during_confirm' = 'none';
  if (!wallet && isPinTestAmount(input.amount, currency)) need = 'pin_before_collect';
  else if (!wallet && row.limit !== null && input.amount > row.limit) need = 'pin_before_collect';
  else if (input.issuerRequestsSca === true) need = 'pin_during_confirm';
  if (need === 'none') return 'none';

  if (input.offlinePinOnly === true) {
    return {
      decline: 'offline_pin_required',
      reason: 'offline_pin_only_card',
      message: `This card only supports offline PIN, which needs the card inserted; Tap to Pay does not support it. ${otherMethod}`,
    };
  }
  if (!row.pin) {
    return {
      decline: 'online_or_offline_pin_required',
      reason: 'pin_not_supported_in_market',
      message: `The card requires a PIN, and PIN entry on Tap to Pay is not available in ${country}. ${otherMethod}`,
    };
  }
  if (input.platform === 'ios' && !versionAtLeast(input.osVersion, pinMinimumVersions.iosOs)) {
    return {
      decline: 'online_or_offline_pin_required',
      reason: 'pin_requires_newer_ios',
      message: `The card requires a PIN; PIN entry on Tap to Pay on iPhone needs iOS ${pinMinimumVersions.iosOs} or later (this iPhone runs ${input.osVersion}).`,
    };
  }
  if (input.platform === 'android' && !versionAtLeast(input.sdkVersion, pinMinimumVersions.androidSdk)) {
    return {
      decline: 'online_or_offline_pin_required',
      reason: 'pin_requires_newer_sdk',
      message: `The card requires a PIN; PIN entry on Tap to Pay on Android needs Terminal Android SDK ${pinMinimumVersions.androidSdk} or later (the app uses ${input.sdkVersion}).`,
    };
  }
  return need;
}
