/** Currencies Stripe supports, the zero-decimal ones, and the minimum charge per currency. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isSupportedCurrency,
  minimumChargeAmount,
  minorUnitDigits,
  threeDecimalCurrencies,
  zeroDecimalCurrencies,
} from './currencies.js';

const zeroDecimal = [
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
];

describe('currencies', () => {
  it("knows Stripe's lower-case codes, first and last of each line of the table included, and nothing else", () => {
    for (const code of [
      'usd',
      'bzd',
      'cad',
      'cdf',
      'hnl',
      'htg',
      'mkd',
      'mmk',
      'rsd',
      'rub',
      'vnd',
      'vuv',
      'zmw',
      'eur',
      'gbp',
    ]) {
      assert.equal(isSupportedCurrency(code), true, code);
    }
    for (const code of ['USD', 'xxx', '', ' ', 'usd ', 'eu'])
      assert.equal(isSupportedCurrency(code), false, JSON.stringify(code));
  });

  it('has exactly the sixteen zero-decimal currencies, all supported', () => {
    assert.deepEqual([...zeroDecimalCurrencies].sort(), zeroDecimal);
    for (const code of zeroDecimal) assert.equal(isSupportedCurrency(code), true, code);
  });

  it('has exactly the five three-decimal currencies, all supported, none zero-decimal', () => {
    assert.deepEqual([...threeDecimalCurrencies].sort(), ['bhd', 'jod', 'kwd', 'omr', 'tnd']);
    for (const code of threeDecimalCurrencies) {
      assert.equal(isSupportedCurrency(code), true, code);
      assert.equal(zeroDecimalCurrencies.has(code), false, code);
    }
  });

  it('minor-unit digits: 0 for zero-decimal, 3 for three-decimal, 2 otherwise, whatever the case', () => {
    for (const code of zeroDecimal) assert.equal(minorUnitDigits(code), 0, code);
    for (const code of ['bhd', 'jod', 'kwd', 'omr', 'tnd']) assert.equal(minorUnitDigits(code), 3, code);
    for (const code of ['usd', 'eur', 'gbp', 'chf', 'zz1']) assert.equal(minorUnitDigits(code), 2, code);
    assert.equal(minorUnitDigits('JPY'), 0);
    assert.equal(minorUnitDigits('KWD'), 3);
    assert.equal(minorUnitDigits('Usd'), 2);
  });

  it("minimum charge: Stripe's table, else 1 unit for zero-decimal currencies and 50 for the others", () => {
    assert.equal(minimumChargeAmount('usd'), 50);
    assert.equal(minimumChargeAmount('gbp'), 30);
    assert.equal(minimumChargeAmount('huf'), 17500);
    assert.equal(minimumChargeAmount('jpy'), 50, 'the table wins over the zero-decimal rule');
    assert.equal(minimumChargeAmount('krw'), 1);
    assert.equal(minimumChargeAmount('xof'), 1);
    assert.equal(minimumChargeAmount('ang'), 50);
  });
});
