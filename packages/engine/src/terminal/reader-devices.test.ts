import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTipAmount } from './reader-devices.js';

describe('fixed tip labels', () => {
  it('are money in one en-US form, whatever the locale; zero-decimal currencies have no decimals', () => {
    assert.equal(formatTipAmount(200, 'eur'), '€2.00');
    assert.equal(formatTipAmount(150, 'usd'), '$1.50');
    assert.equal(formatTipAmount(123456, 'gbp'), '£1,234.56');
    assert.equal(formatTipAmount(200, 'cad'), 'CA$2.00');
    assert.equal(formatTipAmount(200, 'chf'), 'CHF 2.00');
    assert.equal(formatTipAmount(200, 'jpy'), '¥200');
  });
});
