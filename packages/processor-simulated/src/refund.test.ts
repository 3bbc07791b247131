import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processor, read } from './fixtures.js';

describe('refund', () => {
  it('refund_fail is accepted now and fails later with expired_or_canceled_card', async () => {
    const card = read('4000000000005126');
    for (const amount of [1000, 1005, 1]) {
      assert.deepEqual(await processor.refund({ card, amount, currency: 'usd' }), {
        accepted: true,
        failsLaterWith: 'expired_or_canceled_card',
      });
    }
  });

  const interacEndings: [number, boolean][] = [
    [501, false],
    [505, false],
    [555, false],
    [565, false],
    [575, false],
    [500, true],
    [502, true],
    [503, true],
    [560, true],
    [599, true],
  ];
  for (const [amount, accepted] of interacEndings) {
    it(`Interac refund of ${amount} → ${accepted ? 'accepted' : 'declined'}`, async () => {
      const card = read('4506445006931933', 'interac_present');
      const result = await processor.refund({ card, amount, currency: 'cad' });
      if (accepted) {
        assert.deepEqual(result, { accepted: true, failsLaterWith: null });
      } else {
        assert.equal(result.accepted, false);
        assert.ok(!result.accepted);
        assert.equal(result.failureReason, 'declined');
        assert.equal(typeof result.message, 'string');
      }
    });
  }

  it('card_present refunds ignore the decline endings (only Interac models refund declines)', async () => {
    for (const number of ['4242424242424242', '4506445006931933']) {
      const result = await processor.refund({ card: read(number), amount: 505, currency: 'usd' });
      assert.deepEqual(result, { accepted: true, failsLaterWith: null });
    }
  });
});

describe('incrementAuthorization', () => {
  const card = read('4242424242424242');
  const table: [number, string | null][] = [
    [2000, null],
    [2002, null], // PIN endings cannot apply card-not-present
    [2003, null],
    [2001, 'call_issuer'],
    [2005, 'generic_decline'],
    [2055, 'incorrect_pin'],
    [2065, 'withdrawal_count_limit_exceeded'],
    [2075, 'pin_try_exceeded'],
    [205, 'generic_decline'], // zero-decimal: same rightmost digits
  ];
  for (const [newAmount, declineCode] of table) {
    it(`new total ${newAmount} → ${declineCode ?? 'approved'}`, async () => {
      const result = await processor.incrementAuthorization({ card, currency: 'usd', currentAmount: 100, newAmount });
      if (declineCode === null) {
        assert.deepEqual(result, { approved: true });
      } else {
        assert.equal(result.approved, false);
        assert.ok(!result.approved);
        assert.equal(result.declineCode, declineCode);
        assert.ok(result.message.length > 0);
      }
    });
  }

  it('looks at the new total, not the current amount', async () => {
    const result = await processor.incrementAuthorization({
      card,
      currency: 'usd',
      currentAmount: 1005,
      newAmount: 1500,
    });
    assert.deepEqual(result, { approved: true });
  });
});
