import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { arrayLiteral, type ArrayElement } from './array-literal.js';

// node-postgres' own conversion of a JS array parameter: the literal must be exactly what it sends.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as {
  prepareValue: (value: unknown) => unknown;
};

test('arrayLiteral is the text node-postgres sends for the same array', () => {
  const element: fc.Arbitrary<ArrayElement> = fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom('\\', '"', '{', '}', ',', ' ', 'a', 'N', 'U', 'L', 'é', '\u0000') }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
  );
  fc.assert(
    fc.property(fc.array(element, { maxLength: 8 }), (values) => {
      assert.equal(arrayLiteral(values), prepareValue(values));
    }),
    { numRuns: 2000 },
  );
});

test('arrayLiteral: the shapes the hot statements send', () => {
  assert.equal(arrayLiteral([]), '{}');
  assert.equal(arrayLiteral(['pi_1', null, 'a"b\\c']), '{"pi_1",NULL,"a\\"b\\\\c"}');
  assert.equal(arrayLiteral([1796354249, 0, -1, 1.5]), '{"1796354249","0","-1","1.5"}');
  assert.equal(arrayLiteral([true, false, undefined]), '{"true","false",NULL}');
});
