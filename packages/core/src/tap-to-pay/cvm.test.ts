import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cardholderVerification,
  defaultCvmLimits,
  isPinTestAmount,
  resolveCvmLimits,
  type CardholderVerificationInput,
  type CvmDecision,
} from './cvm.js';
import { tapToPayCountries } from './countries.js';

const android = (over: Partial<CardholderVerificationInput>): CardholderVerificationInput => ({
  country: 'GB',
  currency: 'gbp',
  amount: 1000,
  brand: 'visa',
  wallet: null,
  platform: 'android',
  osVersion: '14',
  sdkVersion: '5.0.0',
  ...over,
});
const iphone = (over: Partial<CardholderVerificationInput>): CardholderVerificationInput =>
  android({ platform: 'ios', osVersion: '26.1', sdkVersion: '5.0.0', ...over });

/** Expected: a decision string, or `decline:reason`. */
const summary = (d: CvmDecision): string => (typeof d === 'string' ? d : `${d.decline}:${d.reason}`);

const matrix: [string, CardholderVerificationInput, string][] = [
  // Contactless CVM limit.
  ['GB £10.00, under the limit', android({ amount: 1000 }), 'none'],
  ['GB £100.00, at the limit', android({ amount: 10000 }), 'none'],
  ['GB £100.01, above the limit', android({ amount: 10001 }), 'pin_before_collect'],
  ['DE €50.00', android({ country: 'DE', currency: 'eur', amount: 5000 }), 'none'],
  ['DE €75.00', android({ country: 'DE', currency: 'eur', amount: 7500 }), 'pin_before_collect'],
  ['FR €75.00 on iPhone', iphone({ country: 'FR', currency: 'eur', amount: 7500 }), 'pin_before_collect'],
  ['CH CHF 90', android({ country: 'CH', currency: 'chf', amount: 9000 }), 'pin_before_collect'],
  ['CA CAD 200', iphone({ country: 'CA', currency: 'cad', amount: 20000 }), 'none'],
  ['CA CAD 300', iphone({ country: 'CA', currency: 'cad', amount: 30000 }), 'pin_before_collect'],
  ['AU AUD 250', android({ country: 'AU', currency: 'aud', amount: 25000 }), 'pin_before_collect'],
  ['US $5,000 (no US limit)', iphone({ country: 'US', currency: 'usd', amount: 500000 }), 'none'],
  // Issuer SCA.
  ['GB issuer SCA', android({ issuerRequestsSca: true }), 'pin_during_confirm'],
  [
    'DE issuer SCA on iPhone',
    iphone({ country: 'DE', currency: 'eur', issuerRequestsSca: true }),
    'pin_during_confirm',
  ],
  [
    'above limit and SCA: PIN once, before collect',
    android({ amount: 20000, issuerRequestsSca: true }),
    'pin_before_collect',
  ],
  [
    'US issuer SCA (no PIN market)',
    iphone({ country: 'US', currency: 'usd', issuerRequestsSca: true }),
    'online_or_offline_pin_required:pin_not_supported_in_market',
  ],
  // UK SCA needing an inserted card.
  [
    'GB SCA needing insertion',
    android({ issuerRequestsSca: true, cardRequiresInsert: true }),
    'offline_pin_required:sca_requires_card_insertion',
  ],
  [
    'GB SCA needing insertion, even under the limit on iPhone',
    iphone({ amount: 100, issuerRequestsSca: true, cardRequiresInsert: true }),
    'offline_pin_required:sca_requires_card_insertion',
  ],
  ['GB insertion flag without SCA', android({ cardRequiresInsert: true }), 'none'],
  [
    'DE SCA with insertion flag: the UK rule only',
    android({ country: 'DE', currency: 'eur', issuerRequestsSca: true, cardRequiresInsert: true }),
    'pin_during_confirm',
  ],
  // Offline-PIN-only cards.
  [
    'CA offline-PIN-only card above the limit',
    android({ country: 'CA', currency: 'cad', amount: 30000, offlinePinOnly: true }),
    'offline_pin_required:offline_pin_only_card',
  ],
  [
    'FI offline-PIN-only card with SCA',
    iphone({ country: 'FI', currency: 'eur', issuerRequestsSca: true, offlinePinOnly: true }),
    'offline_pin_required:offline_pin_only_card',
  ],
  [
    'FI offline-PIN-only card under the limit: no PIN needed',
    android({ country: 'FI', currency: 'eur', amount: 2000, offlinePinOnly: true }),
    'none',
  ],
  // .03 test amounts.
  ['GB £10.03 opens the PIN flow', android({ amount: 1003 }), 'pin_before_collect'],
  ['FR €0.03 opens the PIN flow', iphone({ country: 'FR', currency: 'eur', amount: 3 }), 'pin_before_collect'],
  [
    'US $10.03 in a non-PIN market',
    iphone({ country: 'US', currency: 'usd', amount: 1003 }),
    'online_or_offline_pin_required:pin_not_supported_in_market',
  ],
  [
    'US $10.03 on Android too',
    android({ country: 'US', currency: 'usd', amount: 1003 }),
    'online_or_offline_pin_required:pin_not_supported_in_market',
  ],
  ['GB £10.30 is not a test amount', android({ amount: 1030 }), 'none'],
  ['JP ¥1003 (zero-decimal) is not a test amount', iphone({ country: 'JP', currency: 'jpy', amount: 1003 }), 'none'],
  // NFC wallets.
  ['DE Apple Pay €500: no PIN', iphone({ country: 'DE', currency: 'eur', amount: 50000, wallet: 'apple_pay' }), 'none'],
  [
    'US Google Pay $10.03: no PIN',
    android({ country: 'US', currency: 'usd', amount: 1003, wallet: 'google_pay' }),
    'none',
  ],
  [
    'DE Samsung Pay with issuer SCA: still none outside GB/CA/FI',
    android({ country: 'DE', currency: 'eur', wallet: 'samsung_pay', issuerRequestsSca: true }),
    'none',
  ],
  ['GB Apple Pay £500: no PIN for the limit', iphone({ amount: 50000, wallet: 'apple_pay' }), 'none'],
  [
    'GB Apple Pay with SCA needing insertion',
    iphone({ wallet: 'apple_pay', issuerRequestsSca: true, cardRequiresInsert: true }),
    'offline_pin_required:sca_requires_card_insertion',
  ],
  [
    'CA Google Pay with issuer SCA',
    android({ country: 'CA', currency: 'cad', wallet: 'google_pay', issuerRequestsSca: true }),
    'pin_during_confirm',
  ],
  [
    'FI Apple Pay, offline-PIN-only, SCA',
    iphone({ country: 'FI', currency: 'eur', wallet: 'apple_pay', issuerRequestsSca: true, offlinePinOnly: true }),
    'offline_pin_required:offline_pin_only_card',
  ],
  // PIN gated by OS / SDK version.
  [
    'iPhone on iOS 16.3 above the limit',
    iphone({ osVersion: '16.3', amount: 20000 }),
    'online_or_offline_pin_required:pin_requires_newer_ios',
  ],
  ['iPhone on iOS 16.4 above the limit', iphone({ osVersion: '16.4', amount: 20000 }), 'pin_before_collect'],
  ['iPhone on iOS 16.3 under the limit', iphone({ osVersion: '16.3', amount: 100 }), 'none'],
  [
    'Android SDK 4.2.9 with SCA',
    android({ sdkVersion: '4.2.9', issuerRequestsSca: true }),
    'online_or_offline_pin_required:pin_requires_newer_sdk',
  ],
  ['Android SDK 4.3.0 with SCA', android({ sdkVersion: '4.3.0', issuerRequestsSca: true }), 'pin_during_confirm'],
  ['Android SDK 4.3 (short) above the limit', android({ sdkVersion: '4.3', amount: 20000 }), 'pin_before_collect'],
  ['iOS SDK version does not gate iPhone PIN', iphone({ sdkVersion: '3.0.0', amount: 20000 }), 'pin_before_collect'],
  // Currency.
  ['GB in EUR', android({ currency: 'eur' }), 'currency_not_supported:currency_not_local'],
  ['upper-case currency is fine', android({ currency: 'GBP', amount: 20000 }), 'pin_before_collect'],
  // Unknown country: no limit, no PIN.
  [
    'country without a row, .03',
    android({ country: 'BR', currency: 'brl', amount: 1003 }),
    'online_or_offline_pin_required:pin_not_supported_in_market',
  ],
  ['country without a row, large amount', android({ country: 'BR', currency: 'brl', amount: 9999900 }), 'none'],
];

void describe('cardholderVerification: CVM and PIN matrix', () => {
  for (const [name, input, expected] of matrix) {
    void it(`${name} → ${expected}`, () => {
      assert.equal(summary(cardholderVerification(input)), expected);
    });
  }

  void it('declines carry an actionable message', () => {
    const d = cardholderVerification(android({ issuerRequestsSca: true, cardRequiresInsert: true }));
    assert.ok(typeof d === 'object' && /another card/.test(d.message));
  });

  void it('rejects a negative or fractional amount', () => {
    assert.throws(() => cardholderVerification(android({ amount: -1 })), RangeError);
    assert.throws(() => cardholderVerification(android({ amount: 10.5 })), RangeError);
  });
});

void describe('CVM limit table', () => {
  void it('has a row for every Tap to Pay country, in its currency', () => {
    const countries = new Set(
      [...Object.values(tapToPayCountries.ios), ...Object.values(tapToPayCountries.android)].flat(),
    );
    for (const c of countries) assert.ok(defaultCvmLimits[c], `row for ${c}`);
  });
  void it('is frozen', () => {
    assert.ok(Object.isFrozen(defaultCvmLimits));
    assert.ok(Object.isFrozen(defaultCvmLimits.GB));
  });
  void it('overrides change a limit', () => {
    const d = cardholderVerification(android({ amount: 6000 }), { limits: { GB: { limit: 5000 } } });
    assert.equal(d, 'pin_before_collect');
    assert.equal(cardholderVerification(android({ amount: 6000 })), 'none', 'the default is untouched');
  });
  void it('overrides can turn PIN off for a market', () => {
    const d = cardholderVerification(android({ amount: 20000 }), { limits: { GB: { pin: false } } });
    assert.equal(summary(d), 'online_or_offline_pin_required:pin_not_supported_in_market');
  });
  void it('overrides can remove a limit or add a country', () => {
    assert.equal(cardholderVerification(android({ amount: 20000 }), { limits: { GB: { limit: null } } }), 'none');
    const br = { country: 'BR', currency: 'brl' };
    assert.equal(
      cardholderVerification(android({ ...br, amount: 30000 }), {
        limits: { br: { currency: 'BRL', limit: 20000, pin: true } },
      }),
      'pin_before_collect',
    );
  });
  void it('a new country must give every field; limits must be minor-unit integers', () => {
    assert.throws(() => resolveCvmLimits({ BR: { limit: 100 } }), RangeError);
    assert.throws(() => resolveCvmLimits({ GB: { limit: 10.5 } }), RangeError);
    assert.throws(() => resolveCvmLimits({ GB: { limit: -1 } }), RangeError);
  });
});

void describe('isPinTestAmount', () => {
  const rows: [number, string, boolean][] = [
    [3, 'eur', true],
    [1003, 'gbp', true],
    [100003, 'usd', true],
    [1030, 'gbp', false],
    [13, 'eur', false],
    [1003, 'jpy', false],
    [1000, 'usd', false],
    [1003, 'HUF', true],
  ];
  for (const [amount, currency, expected] of rows) {
    void it(`${amount} ${currency} → ${expected}`, () => assert.equal(isPinTestAmount(amount, currency), expected));
  }
});

void describe('cardholderVerification: every row at its limit and one unit above, the exact refusals', () => {
  // The default table as the docs state it (docs/tap-to-pay.md), row by row through the rule.
  const expected: Record<string, [currency: string, limit: number | null, pin: boolean]> = {
    AT: ['eur', 5000, true],
    BE: ['eur', 5000, true],
    CY: ['eur', 5000, true],
    DE: ['eur', 5000, true],
    EE: ['eur', 5000, true],
    ES: ['eur', 5000, true],
    FI: ['eur', 5000, true],
    FR: ['eur', 5000, true],
    HR: ['eur', 5000, true],
    IE: ['eur', 5000, true],
    IT: ['eur', 5000, true],
    LT: ['eur', 5000, true],
    LU: ['eur', 5000, true],
    LV: ['eur', 5000, true],
    MT: ['eur', 5000, true],
    NL: ['eur', 5000, true],
    PT: ['eur', 5000, true],
    SI: ['eur', 5000, true],
    SK: ['eur', 5000, true],
    AU: ['aud', 20000, true],
    CA: ['cad', 25000, true],
    CH: ['chf', 8000, true],
    LI: ['chf', 8000, true],
    CZ: ['czk', 50000, true],
    DK: ['dkk', 35000, true],
    GB: ['gbp', 10000, true],
    GI: ['gbp', 10000, true],
    HU: ['huf', 1500000, true],
    MY: ['myr', 25000, true],
    NO: ['nok', 50000, true],
    NZ: ['nzd', 20000, true],
    PL: ['pln', 10000, true],
    RO: ['ron', 10000, true],
    SE: ['sek', 40000, true],
    SG: ['sgd', 20000, true],
    JP: ['jpy', null, false],
    US: ['usd', null, false],
  };
  void it('the table holds exactly these rows, each frozen', () => {
    assert.deepEqual(Object.keys(defaultCvmLimits).sort(), Object.keys(expected).sort());
    for (const [country, [currency, limit, pin]] of Object.entries(expected)) {
      assert.deepEqual(defaultCvmLimits[country], { currency, limit, pin }, country);
      assert.equal(Object.isFrozen(defaultCvmLimits[country]), true, country);
    }
    assert.deepEqual(
      resolveCvmLimits(),
      Object.fromEntries(
        Object.entries(expected).map(([country, [currency, limit, pin]]) => [country, { currency, limit, pin }]),
      ),
    );
  });
  for (const [country, [currency, limit]] of Object.entries(expected)) {
    void it(`${country}: ${limit === null ? 'no limit' : `${limit} ${currency} without PIN, ${limit + 1} with`}`, () => {
      // Lower case and padding are tolerated in both the country and the currency.
      const at = android({
        country: ` ${country.toLowerCase()} `,
        currency: ` ${currency.toUpperCase()} `,
        amount: limit ?? 99_999_900,
      });
      assert.equal(cardholderVerification(at), 'none');
      if (limit !== null)
        assert.equal(summary(cardholderVerification({ ...at, amount: limit + 1 })), 'pin_before_collect');
      const wrong = cardholderVerification({ ...at, currency: currency === 'usd' ? 'eur' : 'usd' });
      assert.deepEqual(wrong, {
        decline: 'currency_not_supported',
        reason: 'currency_not_local',
        message: `Tap to Pay in ${country} charges ${currency.toUpperCase()} only, not ${currency === 'usd' ? 'EUR' : 'USD'}.`,
      });
    });
  }

  void it('a country with no row: its own currency, no limit, no PIN', () => {
    assert.equal(cardholderVerification(android({ country: 'BR', currency: 'brl', amount: 99_999_900 })), 'none');
    assert.equal(
      summary(cardholderVerification(android({ country: 'BR', currency: 'brl', amount: 1003 }))),
      'online_or_offline_pin_required:pin_not_supported_in_market',
    );
  });

  void it('NFC wallets need no PIN outside GB, CA and FI, whatever the amount; inside, the limit holds for them too', () => {
    for (const wallet of ['apple_pay', 'GOOGLE_PAY', 'samsung_pay']) {
      assert.equal(
        cardholderVerification(android({ country: 'DE', currency: 'eur', amount: 5001, wallet })),
        'none',
        wallet,
      );
      assert.equal(
        cardholderVerification(
          android({ country: 'DE', currency: 'eur', amount: 1003, wallet, issuerRequestsSca: true }),
        ),
        'none',
      );
    }
    assert.equal(
      summary(cardholderVerification(android({ country: 'DE', currency: 'eur', amount: 5001, wallet: 'paypal' }))),
      'pin_before_collect',
      'not a Tap to Pay wallet: a card',
    );
    for (const [country, currency] of [
      ['GB', 'gbp'],
      ['CA', 'cad'],
      ['FI', 'eur'],
    ] as const) {
      // A wallet in these countries skips the amount rules but not the issuer's SCA request.
      assert.equal(
        cardholderVerification(android({ country, currency, amount: 1_000_000, wallet: 'apple_pay' })),
        'none',
        country,
      );
      assert.equal(
        cardholderVerification(
          android({ country, currency, amount: 1000, wallet: 'apple_pay', issuerRequestsSca: true }),
        ),
        'pin_during_confirm',
        country,
      );
    }
  });

  void it('GB issuer SCA that needs insertion: declined before any PIN screen, with the exact message', () => {
    const other = 'Ask for another card, or take the payment with a Terminal card reader or a payment link.';
    assert.deepEqual(cardholderVerification(android({ issuerRequestsSca: true, cardRequiresInsert: true })), {
      decline: 'offline_pin_required',
      reason: 'sca_requires_card_insertion',
      message: `The card issuer requires the card to be inserted for strong customer authentication; Tap to Pay cannot read inserted cards. ${other}`,
    });
    assert.equal(
      cardholderVerification(android({ issuerRequestsSca: true, cardRequiresInsert: false })),
      'pin_during_confirm',
    );
    assert.equal(cardholderVerification(android({ issuerRequestsSca: false, cardRequiresInsert: true })), 'none');
    assert.equal(
      cardholderVerification(
        android({ country: 'DE', currency: 'eur', issuerRequestsSca: true, cardRequiresInsert: true }),
      ),
      'pin_during_confirm',
      'only in GB',
    );
    assert.deepEqual(cardholderVerification(android({ amount: 10001, offlinePinOnly: true })), {
      decline: 'offline_pin_required',
      reason: 'offline_pin_only_card',
      message: `This card only supports offline PIN, which needs the card inserted; Tap to Pay does not support it. ${other}`,
    });
    assert.equal(
      cardholderVerification(android({ amount: 100, offlinePinOnly: true })),
      'none',
      'no PIN needed, no refusal',
    );
    assert.deepEqual(cardholderVerification(android({ country: 'US', currency: 'usd', amount: 1003 })), {
      decline: 'online_or_offline_pin_required',
      reason: 'pin_not_supported_in_market',
      message: `The card requires a PIN, and PIN entry on Tap to Pay is not available in US. ${other}`,
    });
  });

  void it('PIN entry needs iOS 16.4 and Android SDK 4.3.0 exactly', () => {
    assert.equal(cardholderVerification(iphone({ amount: 10001, osVersion: '16.4' })), 'pin_before_collect');
    assert.deepEqual(cardholderVerification(iphone({ amount: 10001, osVersion: '16.3.1' })), {
      decline: 'online_or_offline_pin_required',
      reason: 'pin_requires_newer_ios',
      message:
        'The card requires a PIN; PIN entry on Tap to Pay on iPhone needs iOS 16.4 or later (this iPhone runs 16.3.1).',
    });
    assert.equal(
      cardholderVerification(iphone({ amount: 10001, osVersion: '16.4', sdkVersion: '1.0.0' })),
      'pin_before_collect',
      'an iPhone is not held to the Android SDK minimum',
    );
    assert.equal(cardholderVerification(android({ amount: 10001, sdkVersion: '4.3.0' })), 'pin_before_collect');
    assert.deepEqual(cardholderVerification(android({ amount: 10001, sdkVersion: '4.2.9', osVersion: '10' })), {
      decline: 'online_or_offline_pin_required',
      reason: 'pin_requires_newer_sdk',
      message:
        'The card requires a PIN; PIN entry on Tap to Pay on Android needs Terminal Android SDK 4.3.0 or later (the app uses 4.2.9).',
    });
  });

  void it("override errors name the country; the override's currency is lower-cased and country upper-cased", () => {
    assert.throws(() => resolveCvmLimits({ br: { limit: 100 } }), {
      name: 'RangeError',
      message: 'CVM limit override for BR needs currency, limit and pin',
    });
    assert.throws(() => resolveCvmLimits({ BR: { currency: 'brl', limit: 100 } }), {
      message: 'CVM limit override for BR needs currency, limit and pin',
    });
    assert.throws(() => resolveCvmLimits({ BR: { currency: 'brl', pin: true } }), {
      message: 'CVM limit override for BR needs currency, limit and pin',
    });
    for (const limit of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      assert.throws(
        () => resolveCvmLimits({ gb: { limit } }),
        { name: 'RangeError', message: 'CVM limit for GB must be a non-negative integer (minor units) or null' },
        String(limit),
      );
    }
    assert.deepEqual(resolveCvmLimits({ gb: { limit: 0 } })['GB'], { currency: 'gbp', limit: 0, pin: true });
    assert.deepEqual(resolveCvmLimits({ br: { currency: 'BRL', limit: null, pin: true } })['BR'], {
      currency: 'brl',
      limit: null,
      pin: true,
    });
    assert.equal(
      summary(cardholderVerification(android({ amount: 1 }), { limits: { GB: { limit: 0 } } })),
      'pin_before_collect',
    );
    assert.equal(cardholderVerification(android({ amount: 0 }), { limits: { GB: { limit: 0 } } }), 'none');
  });

  void it('amounts must be non-negative safe integers', () => {
    for (const amount of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1]) {
      assert.throws(
        () => cardholderVerification(android({ amount })),
        { name: 'RangeError', message: 'amount must be a non-negative integer in minor units' },
        String(amount),
      );
    }
    assert.equal(cardholderVerification(android({ amount: 0 })), 'none');
  });
});
