import { test } from 'node:test';
import assert from 'node:assert/strict';
import { must } from './must.js';

test('must returns a present value unchanged, falsy ones included', () => {
  const list: number[] = [0, 1];
  assert.equal(must(list[0]), 0);
  assert.equal(must(''), '');
  assert.equal(must(false), false);
});

test('must throws on undefined and null, naming what was missing', () => {
  const list: string[] = [];
  assert.throws(() => must(list[0], 'the first item'), { message: 'expected the first item, found undefined' });
  assert.throws(() => must(null), { message: 'expected a value, found null' });
});
