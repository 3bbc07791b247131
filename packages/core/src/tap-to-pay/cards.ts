/**
 * Which cards and wallets a Tap to Pay reader accepts (seed: iPhone "Visa, Mastercard et American
 * Express … Discover aux États-Unis, Interac au Canada et eftpos en Australie"; Android "Visa,
 * Mastercard, American Express et Discover … eftpos en Australie et Interac … au Canada").
 *
 * - Everywhere, both platforms: `visa`, `mastercard`, `amex`.
 * - `discover`: iPhone only in the US; Android everywhere Tap to Pay is available.
 * - `interac`: Canada only (both platforms; Interac on Android is a beta in the seed, and Canada is
 *   itself a beta country on Android, so the country opt-in covers it).
 * - `eftpos_au`: Australia only.
 * - NFC wallets `apple_pay`, `google_pay`, `samsung_pay` are accepted; the card network inside the
 *   wallet follows the same brand rules. Any other wallet is refused.
 * - A co-badged card whose brand is refused is accepted on its first accepted network
 *   (an eftpos/Visa card in New Zealand routes as Visa).
 * - Anything else (JCB, Diners, UnionPay, Cartes Bancaires, unknown…) is declined with
 *   `CARD_NOT_SUPPORTED` / decline code `card_not_supported`.
 */
import { tapToPayRefusal, type TapToPayRefusal } from './codes.js';
import type { TapToPayPlatform } from './device.js';

export const tapToPayWallets = Object.freeze(['apple_pay', 'google_pay', 'samsung_pay'] as const);
export type TapToPayWallet = (typeof tapToPayWallets)[number];

/** Brand → where it is accepted: `'*'` everywhere, else the country list. */
export const tapToPayBrandRules: Readonly<Record<TapToPayPlatform, Readonly<Record<string, '*' | readonly string[]>>>> =
  Object.freeze({
    ios: Object.freeze({
      visa: '*',
      mastercard: '*',
      amex: '*',
      discover: Object.freeze(['US']),
      interac: Object.freeze(['CA']),
      eftpos_au: Object.freeze(['AU']),
    }),
    android: Object.freeze({
      visa: '*',
      mastercard: '*',
      amex: '*',
      discover: '*',
      interac: Object.freeze(['CA']),
      eftpos_au: Object.freeze(['AU']),
    }),
  });

const brandNames: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  interac: 'Interac',
  eftpos_au: 'eftpos',
  jcb: 'JCB',
  diners: 'Diners Club',
  unionpay: 'UnionPay',
  cartes_bancaires: 'Cartes Bancaires',
};

export interface CardAcceptanceInput {
  platform: TapToPayPlatform;
  /** Location country (ISO 3166-1 alpha-2). */
  country: string;
  /** Stripe card brand: `visa`, `mastercard`, `amex`, `discover`, `interac`, `eftpos_au`, `jcb`… */
  brand: string;
  /** Networks the card can route on (co-badged cards); defaults to `[brand]`. */
  networks?: readonly string[];
  /** The NFC wallet the card was presented from, or null for a physical card. */
  wallet?: string | null;
}

export type CardRefusal = TapToPayRefusal<
  'CARD_NOT_SUPPORTED',
  'brand_not_accepted' | 'brand_not_accepted_in_country' | 'wallet_not_supported'
> & { declineCode: 'card_not_supported' };

export interface CardAccepted {
  ok: true;
  /** The network the payment is routed on (the brand, or an accepted co-badged network). */
  network: string;
  /** `wallet.type` to report on the PaymentMethod, or null. */
  wallet: TapToPayWallet | null;
}

function brandAllowed(platform: TapToPayPlatform, brand: string, country: string): boolean {
  const rule = tapToPayBrandRules[platform][brand];
  return rule === '*' || (rule !== undefined && rule.includes(country));
}

const platformName = { ios: 'Tap to Pay on iPhone', android: 'Tap to Pay on Android' } as const;

/** Whether a tapped card (or wallet) is accepted, and on which network. */
export function acceptCard(input: CardAcceptanceInput): CardAccepted | CardRefusal {
  const country = input.country.trim().toUpperCase();
  const brand = input.brand.trim().toLowerCase();
  const name = platformName[input.platform];
  const decline = (reason: CardRefusal['reason'], message: string): CardRefusal => ({
    ...tapToPayRefusal('CARD_NOT_SUPPORTED', reason, message),
    declineCode: 'card_not_supported',
  });

  let wallet: TapToPayWallet | null = null;
  if (input.wallet !== undefined && input.wallet !== null) {
    const w = input.wallet.trim().toLowerCase();
    if (!(tapToPayWallets as readonly string[]).includes(w)) {
      return decline(
        'wallet_not_supported',
        `${name} accepts Apple Pay, Google Pay and Samsung Pay wallets, not "${input.wallet}". Try another card or payment method.`,
      );
    }
    wallet = w as TapToPayWallet;
  }
  const networks = [brand, ...(input.networks ?? []).map((n) => n.trim().toLowerCase()).filter((n) => n !== brand)];
  const network = networks.find((n) => brandAllowed(input.platform, n, country));
  if (network) return { ok: true, network, wallet };

  const label = brandNames[brand] ?? brand;
  const elsewhere = Object.keys(tapToPayBrandRules[input.platform]).includes(brand);
  if (elsewhere) {
    return decline(
      'brand_not_accepted_in_country',
      `${name} does not accept ${label} cards in ${country}. Try another card or payment method.`,
    );
  }
  return decline('brand_not_accepted', `${name} does not accept ${label} cards. Try another card or payment method.`);
}
