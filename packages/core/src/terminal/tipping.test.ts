import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTipAmount, tippingFor } from './tipping.js';

const usd = { usd: { fixed_amounts: [100, 200], percentages: [10, 15, 20], smart_tip_threshold: 1000 } };

describe('tippingFor', () => {
  it('percentages of the amount at or above the smart tip threshold, fixed amounts below it', () => {
    assert.deepEqual(tippingFor(usd, undefined, 2000, 'usd'), {
      custom_allowed: true,
      options: [
        { label: '10%', amount: 200 },
        { label: '15%', amount: 300 },
        { label: '20%', amount: 400 },
      ],
    });
    assert.deepEqual(tippingFor(usd, undefined, 999, 'usd'), {
      custom_allowed: true,
      options: [
        { label: '$1.00', amount: 100 },
        { label: '$2.00', amount: 200 },
      ],
    });
  });

  it('the eligible amount the action names decides (threshold and percentages), not the payment amount', () => {
    const config = { tipping: { amount_eligible: 500 } };
    assert.deepEqual(
      tippingFor(usd, config, 5000, 'usd')?.options.map((o) => o.amount),
      [100, 200],
    );
    const noThreshold = { usd: { percentages: [10], fixed_amounts: [] } };
    assert.deepEqual(tippingFor(noThreshold, { tipping: { amount_eligible: 1234 } }, 5000, 'usd')?.options, [
      { label: '10%', amount: 123 },
    ]);
  });

  it('fixed amounts when there are no percentages; percentages when there is no threshold', () => {
    assert.deepEqual(tippingFor({ eur: { fixed_amounts: [50] } }, undefined, 10_000, 'eur')?.options, [
      { label: '€0.50', amount: 50 },
    ]);
    assert.deepEqual(tippingFor({ usd: { fixed_amounts: [50], percentages: [5] } }, undefined, 100, 'usd')?.options, [
      { label: '5%', amount: 5 },
    ]);
  });

  it('no tip: skip_tipping, no settings for the currency, no settings at all, or no choices', () => {
    assert.equal(tippingFor(usd, { skip_tipping: true }, 2000, 'usd'), null);
    assert.equal(tippingFor(usd, undefined, 2000, 'eur'), null);
    assert.equal(tippingFor(null, undefined, 2000, 'usd'), null);
    assert.equal(tippingFor(undefined, undefined, 2000, 'usd'), null);
    assert.equal(tippingFor({ usd: { fixed_amounts: [], percentages: [] } }, undefined, 2000, 'usd'), null);
  });

  it('fixed labels are money in one en-US form; an unknown currency code falls back to digits and the code', () => {
    assert.equal(formatTipAmount(200, 'jpy'), '¥200');
    assert.equal(formatTipAmount(200, 'chf'), 'CHF 2.00');
    assert.equal(formatTipAmount(1500, 'kwd'), 'KWD 1.500', 'three-decimal: thousandths');
    assert.equal(formatTipAmount(200, 'JPY'), '¥200', 'the code in either case');
    assert.equal(formatTipAmount(250, 'zz1'), '2.50 ZZ1');
  });
});
