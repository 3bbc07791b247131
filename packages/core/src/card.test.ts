/** The default simulated card: Visa 4242, or the Interac test card when Interac is the only card type allowed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSimulatedCard, defaultSimulatedCardType } from './card.js';

describe('default simulated card', () => {
  it('the test card numbers', () => {
    assert.deepEqual(defaultSimulatedCard, {
      card_present: '4242424242424242',
      interac_present: '4506445006931933',
    });
  });

  it('Interac only when it is allowed and card_present is not', () => {
    const rows: Array<[string[], string]> = [
      [['interac_present'], 'interac_present'],
      [['interac_present', 'card'], 'interac_present'],
      [['card_present', 'interac_present'], 'card_present'],
      [['interac_present', 'card_present'], 'card_present'],
      [['card_present'], 'card_present'],
      [[], 'card_present'],
      [['card'], 'card_present'],
    ];
    for (const [types, expected] of rows) assert.equal(defaultSimulatedCardType(types), expected, types.join(','));
  });
});
