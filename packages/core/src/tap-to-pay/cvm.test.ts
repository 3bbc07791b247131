import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cardholderVerification, defaultCvmLimits, isPinTestAmount, resolveCvmLimits,
  type CardholderVerificationInput, type CvmDecision,
} from './cvm.js';
import { tapToPayCountries } from './countries.js';

const android = (over: Partial<CardholderVerificationInput>): CardholderVerificationInput => ({
  country: 'GB', currency: 'gbp', amount: 1000, brand: 'visa', wallet: null,
  platform: 'android', osVersion: '14', sdkVersion: '5.0.0', ...over,
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
  ['DE issuer SCA on iPhone', iphone({ country: 'DE', currency: 'eur', issuerRequestsSca: true }), 'pin_during_confirm'],
  ['above limit and SCA: PIN once, before collect', android({ amount: 20000, issuerRequestsSca: true }), 'pin_before_collect'],
  ['US issuer SCA (no PIN market)', iphone({ country: 'US', currency: 'usd', issuerRequestsSca: true }), 'online_or_offline_pin_required:pin_not_supported_in_market'],
  // UK SCA needing an inserted card.
  ['GB SCA needing insertion', android({ issuerRequestsSca: true, cardRequiresInsert: true }), 'offline_pin_required:sca_requires_card_insertion'],
  ['GB SCA needing insertion, even under the limit on iPhone', iphone({ amount: 100, issuerRequestsSca: true, cardRequiresInsert: true }), 'offline_pin_required:sca_requires_card_insertion'],
  ['GB insertion flag without SCA', android({ cardRequiresInsert: true }), 'none'],
  ['DE SCA with insertion flag: the UK rule only', android({ country: 'DE', currency: 'eur', issuerRequestsSca: true, cardRequiresInsert: true }), 'pin_during_confirm'],
  // Offline-PIN-only cards.
  ['CA offline-PIN-only card above the limit', android({ country: 'CA', currency: 'cad', amount: 30000, offlinePinOnly: true }), 'offline_pin_required:offline_pin_only_card'],
  ['FI offline-PIN-only card with SCA', iphone({ country: 'FI', currency: 'eur', issuerRequestsSca: true, offlinePinOnly: true }), 'offline_pin_required:offline_pin_only_card'],
  ['FI offline-PIN-only card under the limit: no PIN needed', android({ country: 'FI', currency: 'eur', amount: 2000, offlinePinOnly: true }), 'none'],
  // .03 test amounts.
  ['GB £10.03 opens the PIN flow', android({ amount: 1003 }), 'pin_before_collect'],
  ['FR €0.03 opens the PIN flow', iphone({ country: 'FR', currency: 'eur', amount: 3 }), 'pin_before_collect'],
  ['US $10.03 in a non-PIN market', iphone({ country: 'US', currency: 'usd', amount: 1003 }), 'online_or_offline_pin_required:pin_not_supported_in_market'],
  ['US $10.03 on Android too', android({ country: 'US', currency: 'usd', amount: 1003 }), 'online_or_offline_pin_required:pin_not_supported_in_market'],
  ['GB £10.30 is not a test amount', android({ amount: 1030 }), 'none'],
  ['JP ¥1003 (zero-decimal) is not a test amount', iphone({ country: 'JP', currency: 'jpy', amount: 1003 }), 'none'],
  // NFC wallets.
  ['DE Apple Pay €500: no PIN', iphone({ country: 'DE', currency: 'eur', amount: 50000, wallet: 'apple_pay' }), 'none'],
  ['US Google Pay $10.03: no PIN', android({ country: 'US', currency: 'usd', amount: 1003, wallet: 'google_pay' }), 'none'],
  ['DE Samsung Pay with issuer SCA: still none outside GB/CA/FI', android({ country: 'DE', currency: 'eur', wallet: 'samsung_pay', issuerRequestsSca: true }), 'none'],
  ['GB Apple Pay £500: no PIN for the limit', iphone({ amount: 50000, wallet: 'apple_pay' }), 'none'],
  ['GB Apple Pay with SCA needing insertion', iphone({ wallet: 'apple_pay', issuerRequestsSca: true, cardRequiresInsert: true }), 'offline_pin_required:sca_requires_card_insertion'],
  ['CA Google Pay with issuer SCA', android({ country: 'CA', currency: 'cad', wallet: 'google_pay', issuerRequestsSca: true }), 'pin_during_confirm'],
  ['FI Apple Pay, offline-PIN-only, SCA', iphone({ country: 'FI', currency: 'eur', wallet: 'apple_pay', issuerRequestsSca: true, offlinePinOnly: true }), 'offline_pin_required:offline_pin_only_card'],
  // PIN gated by OS / SDK version.
  ['iPhone on iOS 16.3 above the limit', iphone({ osVersion: '16.3', amount: 20000 }), 'online_or_offline_pin_required:pin_requires_newer_ios'],
  ['iPhone on iOS 16.4 above the limit', iphone({ osVersion: '16.4', amount: 20000 }), 'pin_before_collect'],
  ['iPhone on iOS 16.3 under the limit', iphone({ osVersion: '16.3', amount: 100 }), 'none'],
  ['Android SDK 4.2.9 with SCA', android({ sdkVersion: '4.2.9', issuerRequestsSca: true }), 'online_or_offline_pin_required:pin_requires_newer_sdk'],
  ['Android SDK 4.3.0 with SCA', android({ sdkVersion: '4.3.0', issuerRequestsSca: true }), 'pin_during_confirm'],
  ['Android SDK 4.3 (short) above the limit', android({ sdkVersion: '4.3', amount: 20000 }), 'pin_before_collect'],
  ['iOS SDK version does not gate iPhone PIN', iphone({ sdkVersion: '3.0.0', amount: 20000 }), 'pin_before_collect'],
  // Currency.
  ['GB in EUR', android({ currency: 'eur' }), 'currency_not_supported:currency_not_local'],
  ['upper-case currency is fine', android({ currency: 'GBP', amount: 20000 }), 'pin_before_collect'],
  // Unknown country: no limit, no PIN.
  ['country without a row, .03', android({ country: 'BR', currency: 'brl', amount: 1003 }), 'online_or_offline_pin_required:pin_not_supported_in_market'],
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
    const countries = new Set([...Object.values(tapToPayCountries.ios), ...Object.values(tapToPayCountries.android)].flat());
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
    assert.equal(cardholderVerification(android({ ...br, amount: 30000 }), { limits: { br: { currency: 'BRL', limit: 20000, pin: true } } }), 'pin_before_collect');
  });
  void it('a new country must give every field; limits must be minor-unit integers', () => {
    assert.throws(() => resolveCvmLimits({ BR: { limit: 100 } }), RangeError);
    assert.throws(() => resolveCvmLimits({ GB: { limit: 10.5 } }), RangeError);
    assert.throws(() => resolveCvmLimits({ GB: { limit: -1 } }), RangeError);
  });
});

void describe('isPinTestAmount', () => {
  const rows: [number, string, boolean][] = [
    [3, 'eur', true], [1003, 'gbp', true], [100003, 'usd', true], [1030, 'gbp', false], [13, 'eur', false],
    [1003, 'jpy', false], [1000, 'usd', false], [1003, 'HUF', true],
  ];
  for (const [amount, currency, expected] of rows) {
    void it(`${amount} ${currency} → ${expected}`, () => assert.equal(isPinTestAmount(amount, currency), expected));
  }
});
