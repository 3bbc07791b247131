/**
 * Where Tap to Pay is available, per platform, for the country of the reader's Location (seed
 * "Disponibilité" / "Disponibilité en (version bêta publique)" lists for iPhone and Android;
 * docs/tap-to-pay.md, "Country availability"). Lists change over time at Stripe; these are the seed's.
 *
 * - Generally available: accepted.
 * - Public beta: accepted only with an explicit opt-in (`betaOptIn`), otherwise
 *   `TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED`.
 * - Puerto Rico is excluded on both platforms: country `PR`, or `US` with state `PR`.
 * - Anything else: `TAP_TO_PAY_UNSUPPORTED_COUNTRY`.
 */
import { tapToPayRefusal, type TapToPayRefusal } from './codes.js';
import type { TapToPayPlatform } from './device.js';

export type TapToPayAvailability = 'general' | 'beta';

const list = (s: string): readonly string[] => Object.freeze(s.split(' '));

export const tapToPayCountries: Readonly<
  Record<TapToPayPlatform, Readonly<Record<TapToPayAvailability, readonly string[]>>>
> = Object.freeze({
  ios: Object.freeze({
    general: list('AU CA CZ DE ES FR GB IE IT NL NZ PL PT SE US'),
    beta: list('AT BE CH CY DK EE FI HR HU JP LI LT LU LV MT NO RO SG SI SK'),
  }),
  android: Object.freeze({
    general: list('AT AU BE CH DE DK FI FR GB IE IT MY NL NZ PL SE SG US'),
    beta: list('CA CY CZ EE ES GI HR HU LI LT LU LV MT NO PT RO SI SK'),
  }),
});

export type CountryRefusal = TapToPayRefusal<
  'INVALID_REQUIRED_PARAMETER' | 'TAP_TO_PAY_UNSUPPORTED_COUNTRY' | 'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED',
  'invalid_country' | 'invalid_platform' | 'puerto_rico_excluded' | 'country_not_available' | 'beta_opt_in_required'
>;

export interface CheckCountryOptions {
  /** The account opted into Tap to Pay public-beta countries. */
  betaOptIn?: boolean;
  /** The Location address state, to catch `US` + `PR` (Puerto Rico). */
  state?: string | null;
}

const platformName = { ios: 'Tap to Pay on iPhone', android: 'Tap to Pay on Android' } as const;

/** Whether a Location in `country` may host a Tap to Pay reader on `platform`. */
export function checkCountry(
  platform: TapToPayPlatform,
  country: string,
  options: CheckCountryOptions = {},
): { ok: true; country: string; availability: TapToPayAvailability } | CountryRefusal {
  if (platform !== 'ios' && platform !== 'android') {
    return tapToPayRefusal('INVALID_REQUIRED_PARAMETER', 'invalid_platform', "platform must be 'ios' or 'android'.");
  }
  if (typeof country !== 'string' || !/^[a-zA-Z]{2}$/.test(country.trim())) {
    return tapToPayRefusal(
      'INVALID_REQUIRED_PARAMETER',
      'invalid_country',
      'country must be a two-letter ISO 3166-1 code.',
    );
  }
  const code = country.trim().toUpperCase();
  const state = typeof options.state === 'string' ? options.state.trim().toUpperCase() : '';
  const name = platformName[platform];
  if (code === 'PR' || (code === 'US' && (state === 'PR' || state === 'PUERTO RICO'))) {
    return tapToPayRefusal(
      'TAP_TO_PAY_UNSUPPORTED_COUNTRY',
      'puerto_rico_excluded',
      `${name} is not available in Puerto Rico.`,
    );
  }
  const lists = tapToPayCountries[platform];
  if (lists.general.includes(code)) return { ok: true, country: code, availability: 'general' };
  if (lists.beta.includes(code)) {
    if (options.betaOptIn === true) return { ok: true, country: code, availability: 'beta' };
    return tapToPayRefusal(
      'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED',
      'beta_opt_in_required',
      `${name} is in public beta in ${code}; opt in to the beta to use it there.`,
    );
  }
  return tapToPayRefusal(
    'TAP_TO_PAY_UNSUPPORTED_COUNTRY',
    'country_not_available',
    `${name} is not available in ${code}.`,
  );
}
