import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTapAmount } from './dom-ui.js';

test("formatTapAmount: minor units to the phone's amount by the currency's decimals (0, 2 or 3)", () => {
  assert.equal(formatTapAmount(7500, 'eur', 'en-US'), '€75.00');
  assert.equal(formatTapAmount(7500, 'JPY', 'en-US'), '¥7,500');
  assert.equal(formatTapAmount(1500, 'kwd', 'en-US'), 'KWD\u00a01.500');
  assert.equal(formatTapAmount(1234, 'zz1', 'en-US'), '12.34 ZZ1', 'a code Intl does not know');
});
