import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameSecret } from './secrets.js';

describe('sameSecret', () => {
  it('is true for equal texts only', () => {
    assert.equal(sameSecret('a1b2', 'a1b2'), true);
    assert.equal(sameSecret('a1b2', 'a1b3'), false);
    assert.equal(sameSecret('a1b2', 'a1b'), false);
    assert.equal(sameSecret('', ''), true);
    assert.equal(sameSecret('é', 'e'), false);
  });
});
