import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPinDeclineCode, isSettledPaymentIntent } from './action-outcome.js';

describe('reader action outcome rules', () => {
  it('the PIN soft declines are offline_pin_required and online_or_offline_pin_required only', () => {
    assert.equal(isPinDeclineCode('offline_pin_required'), true);
    assert.equal(isPinDeclineCode('online_or_offline_pin_required'), true);
    for (const other of ['incorrect_pin', 'pin_try_exceeded', 'card_declined', '', null, undefined, 42]) {
      assert.equal(isPinDeclineCode(other), false, String(other));
    }
  });

  it('a PaymentIntent is settled for the reader when it is the one confirmed and requires_capture or succeeded', () => {
    assert.equal(isSettledPaymentIntent({ id: 'pi_1', status: 'requires_capture' }, 'pi_1'), true);
    assert.equal(isSettledPaymentIntent({ id: 'pi_1', status: 'succeeded' }, 'pi_1'), true);
    assert.equal(isSettledPaymentIntent({ id: 'pi_2', status: 'succeeded' }, 'pi_1'), false, 'another PaymentIntent');
    for (const status of [
      'requires_payment_method',
      'requires_confirmation',
      'requires_action',
      'processing',
      'canceled',
    ]) {
      assert.equal(isSettledPaymentIntent({ id: 'pi_1', status }, 'pi_1'), false, status);
    }
    assert.equal(isSettledPaymentIntent(null, 'pi_1'), false);
    assert.equal(isSettledPaymentIntent(undefined, 'pi_1'), false);
  });
});
