/**
 * ISO 4217 currencies Stripe accepts, lowercase, and which have no minor unit. Source: Stripe's
 * "supported currencies" and "zero-decimal currencies" pages.
 */
const supported = (
  'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd cad ' +
  'cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl ' +
  'htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd ' +
  'mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd ' +
  'rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd ' +
  'vuv wst xaf xcd xof xpf yer zar zmw'
).split(' ');

const supportedSet: ReadonlySet<string> = new Set(supported);

export const zeroDecimalCurrencies: ReadonlySet<string> = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

/** Stripe's three-decimal currencies: amounts count thousandths (1.000 KWD is 1000). */
export const threeDecimalCurrencies: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * How many decimals a currency's minor unit has (0, 2 or 3), whatever the code's case: the one rule
 * the reader's tip labels, the phone's amount and the dashboard use to turn minor units into money.
 */
export function minorUnitDigits(currency: string): 0 | 2 | 3 {
  const code = currency.toLowerCase();
  return zeroDecimalCurrencies.has(code) ? 0 : threeDecimalCurrencies.has(code) ? 3 : 2;
}

export function isSupportedCurrency(code: string): boolean {
  return supportedSet.has(code);
}

/**
 * Stripe's minimum charge amounts in minor units (≈ 0.50 USD). Currencies not listed use 50 minor
 * units, or 1 major unit for zero-decimal ones, which is the order of magnitude Stripe uses.
 */
const minimums: Record<string, number> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};

export function minimumChargeAmount(currency: string): number {
  return minimums[currency] ?? (zeroDecimalCurrencies.has(currency) ? 1 : 50);
}
