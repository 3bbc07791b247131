import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compact } from './compact.js';

test('compact drops the keys whose value is undefined and keeps the rest in order', () => {
  const description: string | undefined = undefined;
  const fee: number | undefined = 0;
  const shown = compact({ id: 'pi_1', description, application_fee_amount: fee, metadata: null, on: false, label: '' });
  assert.deepEqual(Object.keys(shown), ['id', 'application_fee_amount', 'metadata', 'on', 'label']);
  assert.deepEqual(shown, { id: 'pi_1', application_fee_amount: 0, metadata: null, on: false, label: '' });
  assert.equal('description' in shown, false);
});

test('compact types an undefined-admitting key as optional without undefined', () => {
  const maybe = (value: string | undefined) => compact({ id: 'x', param: value });
  const shown: { id: string; param?: string } = maybe('amount');
  assert.deepEqual(shown, { id: 'x', param: 'amount' });
  // A required key stays required: reading it needs no check.
  assert.equal(maybe(undefined).id.length, 1);
  assert.deepEqual(maybe(undefined), { id: 'x' });
});

test('compact leaves nested undefined values alone and returns a new object', () => {
  const input = { outer: { inner: undefined }, gone: undefined };
  const shown = compact(input);
  assert.notEqual(shown as object, input);
  assert.deepEqual(shown, { outer: { inner: undefined } });
  assert.equal('gone' in input, true);
});
