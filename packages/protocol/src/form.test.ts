/**
 * The form decoder: Stripe's bracket nesting as stripe-node and curl send it, the limits, hostile
 * input, plus property-based fuzzing (only ApiError ever escapes) and a round trip through
 * stripe-node's own encoder.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import qs from 'qs';
import { ApiError, limits } from '@opentill/core';
import { checkJsonShape, decodeForm, decodeSimple, decodeWithQs } from './form.js';
import { array, bool, int, mergeMetadata, metadata, object, parseParams, str } from './params.js';
import { toWire } from './wire.js';

/** Plain JSON copy (the decoder returns null-prototype objects, which deepEqual compares by prototype). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const decode = (text: string | Buffer): unknown => plain(decodeForm(text));

function rejectsBody(fn: () => unknown, message?: RegExp): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiError, `expected an ApiError, got ${String(caught)}`);
  assert.equal(caught.status, 400);
  assert.equal(caught.body.type, 'invalid_request_error');
  if (message) assert.match(caught.body.message, message);
  return caught;
}

/**
 * stripe-node's own encoder (`queryStringifyRequestData`), reached through the package's files. No
 * fallback: if it cannot be loaded, this file fails at once rather than testing another encoder.
 */
function stripeNodeEncoder(): (data: unknown) => string {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('stripe')), 'utils.js');
  const utils = require(file) as { queryStringifyRequestData?: (data: unknown) => string };
  const encode = utils.queryStringifyRequestData;
  assert.ok(typeof encode === 'function', `stripe-node's queryStringifyRequestData not found in ${file}`);
  return encode;
}
const stripeEncode = stripeNodeEncoder();

describe('bracket nesting', () => {
  const table: [string, unknown][] = [
    ['amount=1000&currency=usd', { amount: '1000', currency: 'usd' }],
    ['a[b]=1', { a: { b: '1' } }],
    ['a[b][c]=1&a[b][d]=2&a[e]=3', { a: { b: { c: '1', d: '2' }, e: '3' } }],
    // Arrays come out as objects keyed by index; the array schema reads them as arrays.
    [
      'payment_method_types[0]=card_present&payment_method_types[1]=interac_present',
      { payment_method_types: { 0: 'card_present', 1: 'interac_present' } },
    ],
    ['payment_method_types[]=card_present', { payment_method_types: { 0: 'card_present' } }],
    [
      'payment_method_types[]=card_present&payment_method_types[]=interac_present',
      { payment_method_types: { 0: 'card_present', 1: 'interac_present' } },
    ],
    ['a[1]=y&a[0]=x', { a: { 0: 'x', 1: 'y' } }],
    [
      'inputs[0][type]=email&inputs[0][custom_text][title]=T&inputs[1][type]=text',
      { inputs: { 0: { type: 'email', custom_text: { title: 'T' } }, 1: { type: 'text' } } },
    ],
    [
      'inputs[0][selection][choices][0][id]=a&inputs[0][selection][choices][1][id]=b',
      { inputs: { 0: { selection: { choices: { 0: { id: 'a' }, 1: { id: 'b' } } } } } },
    ],
    // Numeric metadata keys are keys, not array indexes (nothing is compacted or renumbered).
    ['metadata[0]=a', { metadata: { 0: 'a' } }],
    ['metadata[12345]=b&metadata[7]=c', { metadata: { 12345: 'b', 7: 'c' } }],
    ['a[5000]=x', { a: { 5000: 'x' } }],
    // Encoded brackets are brackets (stripe-node leaves them raw, other clients encode them).
    ['a%5Bb%5D=1', { a: { b: '1' } }],
    ['a%5bb%5d=1', { a: { b: '1' } }],
  ];
  for (const [text, expected] of table) {
    it(text, () => assert.deepEqual(decode(text), plain(expected)));
  }
});

describe('values', () => {
  const table: [string, unknown][] = [
    ['', {}],
    ['a=', { a: '' }],
    ['a', { a: '' }],
    ['description=', { description: '' }],
    ['metadata=', { metadata: '' }],
    ['metadata[k]=', { metadata: { k: '' } }],
    ['a=hello+world', { a: 'hello world' }],
    ['a=hello%20world', { a: 'hello world' }],
    ['a=1%2B1%3D2', { a: '1+1=2' }],
    ['a+b=c', { 'a b': 'c' }],
    ['a=%C3%A9t%C3%A9', { a: 'été' }],
    ['a=%F0%9F%92%B3', { a: '💳' }],
    ['a=%21%2A%28%29%27', { a: "!*()'" }],
    ['a=x=y', { a: 'x=y' }],
    ['a=1&&b=2', { a: '1', b: '2' }],
    ['=x', {}],
  ];
  for (const [text, expected] of table) {
    it(JSON.stringify(text), () => assert.deepEqual(decode(text), expected));
  }
  it('raw UTF-8 bytes in the body', () => {
    assert.deepEqual(decode(Buffer.from('description=café ☕', 'utf8')), { description: 'café ☕' });
  });
});

describe('invalid encodings', () => {
  for (const text of [
    'a=%',
    'a=%G1',
    'a=%2',
    '%=1',
    'a=%FF',
    'a=%C3%28',
    'a=%E0%A4%A',
    'a=%ED%A0%80',
    'a[%FF]=1',
    'a=%C0%AF',
  ]) {
    it(`invalid percent-encoding ${text} → 400`, () => {
      rejectsBody(() => decodeForm(text), /Invalid percent-encoding or UTF-8/);
    });
  }
  for (const bytes of [
    [0xff],
    [0x61, 0x3d, 0xc3],
    [0x61, 0x3d, 0xc3, 0x28],
    [0x61, 0x3d, 0xed, 0xa0, 0x80],
    [0xfe, 0xff],
  ]) {
    it(`invalid UTF-8 bytes ${Buffer.from(bytes).toString('hex')} → 400`, () => {
      rejectsBody(() => decodeForm(Buffer.from(bytes)), /not valid UTF-8/);
    });
  }
});

describe('limits', () => {
  it(`nesting up to ${limits.formDepthMax} brackets is accepted, deeper is refused`, () => {
    const key = (depth: number) => `a${'[b]'.repeat(depth)}`;
    assert.doesNotThrow(() => decodeForm(`${key(limits.formDepthMax)}=1`));
    rejectsBody(() => decodeForm(`${key(limits.formDepthMax + 1)}=1`), /nesting deeper/);
    rejectsBody(() => decodeForm(`${key(500)}=1`), /nesting deeper/);
  });
  it(`${limits.formParameterCountMax} parameters are accepted, one more is refused`, () => {
    const params = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join('&');
    assert.equal(Object.keys(decodeForm(params(limits.formParameterCountMax))).length, limits.formParameterCountMax);
    rejectsBody(() => decodeForm(params(limits.formParameterCountMax + 1)), /more than 1000 parameters/);
    rejectsBody(() => decodeForm('&'.repeat(100_000)), /parameters/);
  });
  it('a huge array index is a key, not a 10-million-slot array', () => {
    assert.deepEqual(decode('a[9999999]=x'), { a: { 9999999: 'x' } });
  });
  it('JSON bodies: the same depth, array and key limits', () => {
    let deep: unknown = 1;
    for (let i = 0; i <= limits.formDepthMax; i += 1) deep = { a: deep };
    rejectsBody(() => checkJsonShape(deep), /nesting deeper/);
    rejectsBody(() => checkJsonShape({ a: new Array(limits.formArrayIndexMax + 2).fill(1) }), /array is too long/);
    const wide = Object.fromEntries(Array.from({ length: limits.formParameterCountMax + 1 }, (_, i) => [`k${i}`, 1]));
    rejectsBody(() => checkJsonShape(wide), /too many parameters/);
    assert.doesNotThrow(() => checkJsonShape({ a: [1, { b: 'c' }], d: null }));
  });
});

describe('prototype keys are plain data', () => {
  const cases = [
    '__proto__[polluted]=yes',
    'a[__proto__][polluted]=yes',
    'constructor[prototype][polluted]=yes',
    '__proto__=x',
    'a[constructor][prototype][polluted]=yes',
    'a[0][__proto__][polluted]=yes',
    'toString=x&hasOwnProperty=y&valueOf=z',
  ];
  for (const text of cases) {
    it(text, () => {
      const out = decodeForm(text) as Record<string, unknown>;
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
      assert.equal(Object.getPrototypeOf(out), null);
      // A `__proto__` key is kept, as data: an own property of a null-prototype object.
      if (Object.hasOwn(out, '__proto__')) assert.equal(Object.getPrototypeOf(out), null);
    });
  }
  it('a __proto__ key is kept as data, through the fast path and through qs (never dropped silently)', () => {
    const want = JSON.parse('{"metadata":{"__proto__":"b","a":"1"}}') as unknown;
    assert.deepEqual(decode('metadata[__proto__]=b&metadata[a]=1'), want);
    assert.deepEqual(decode('metadata%5B__proto__%5D=b&metadata%5Ba%5D=1'), want);
    assert.deepEqual(decode('a[__proto__][__proto__]=x'), JSON.parse('{"a":{"__proto__":{"__proto__":"x"}}}'));
    assert.deepEqual(decode('a[x__proto__]=1&a[__proto__x]=2'), { a: { x__proto__: '1', __proto__x: '2' } });
    rejectsBody(() => decodeForm('a[%00opentill:__proto__%00]=1'), /NUL/);
  });
  it('constructor / toString keys survive as data', () => {
    assert.deepEqual(decode('constructor[prototype][x]=1&toString=2'), {
      constructor: { prototype: { x: '1' } },
      toString: '2',
    });
  });
});

// -------------------------------------------------------------------------------------------------
// Property-based tests (seeded: failures reproduce).
// -------------------------------------------------------------------------------------------------

const runs = { seed: 20261126, numRuns: 400 };

function onlyApiErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    if (error instanceof ApiError) return error.status === 400;
    throw error;
  }
}

/** Characters that drive the decoder's interesting branches. */
const formChars = fc.constantFrom(
  'a',
  'b',
  '0',
  '1',
  '9',
  '[',
  ']',
  '=',
  '&',
  '%',
  '+',
  '.',
  '_',
  ' ',
  'F',
  'C',
  '3',
  '__proto__',
  'constructor',
  'prototype',
  '%5B',
  '%5D',
  '%FF',
  '%C3',
  '%A9',
  '%00',
  '[]',
  '[0]',
  '\u00e9',
  '\ud83d\udcb3',
);

describe('fuzz: the decoder only ever answers data or a 400 ApiError', () => {
  it('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => onlyApiErrors(() => decodeForm(text))),
      runs,
    );
  });
  it('strings from form-syntax characters', () => {
    fc.assert(
      fc.property(fc.array(formChars, { maxLength: 120 }), (parts) => onlyApiErrors(() => decodeForm(parts.join('')))),
      runs,
    );
  });
  it('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyApiErrors(() => decodeForm(Buffer.from(bytes)))),
      runs,
    );
  });
  it('never pollutes Object.prototype and only yields strings and null-prototype objects', () => {
    fc.assert(
      fc.property(fc.array(formChars, { maxLength: 80 }), (parts) => {
        let out: unknown;
        try {
          out = decodeForm(parts.join(''));
        } catch (error) {
          if (error instanceof ApiError) return true;
          throw error;
        }
        const check = (value: unknown): boolean => {
          if (typeof value === 'string') return true;
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          return Object.getPrototypeOf(value) === null && Object.values(value).every(check);
        };
        return check(out) && Object.keys(Object.prototype).length === 0;
      }),
      runs,
    );
  });
});

/** Keys as stripe-node would meet them: anything but brackets (which it sends raw); `__proto__` included. */
const key = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
    fc.constantFrom('__proto__', '_internal', 'constructor'),
  )
  .filter((k) => !/[[\]]/.test(k));
const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.boolean(),
  fc.constant(null),
);
type Tree = unknown;
const { tree } = fc.letrec<{ tree: Tree; node: Tree }>((tie) => ({
  tree: fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 4, noNullPrototype: true }),
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 5 },
    scalar,
    tie('tree'),
    fc.array(fc.oneof(scalar, tie('tree')), { minLength: 1, maxLength: 4 }),
  ),
}));

/** Leaves and bracket depth of an encoded tree: kept within the decoder's limits. */
function shape(value: unknown, depth = 0): { leaves: number; depth: number } {
  if (value === null || typeof value !== 'object') return { leaves: 1, depth };
  const children = Object.values(value as Record<string, unknown>).map((item) => shape(item, depth + 1));
  return {
    leaves: children.reduce((n, c) => n + c.leaves, 0),
    depth: Math.max(depth, ...children.map((c) => c.depth)),
  };
}
const boundedTree = tree.filter((object) => {
  const { leaves, depth } = shape(object);
  return leaves <= limits.formParameterCountMax && depth <= limits.formDepthMax + 1;
});

/** What the decoder should give back for `value`: strings everywhere, arrays as index-keyed objects. */
function expected(value: unknown): unknown {
  if (value === null) return '';
  if (Array.isArray(value)) return Object.fromEntries(value.map((item, index) => [String(index), expected(item)]));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, expected(v)]));
  }
  return String(value);
}

describe('round trip', () => {
  it("objects encoded by stripe-node's encoder decode back equal", () => {
    fc.assert(
      fc.property(boundedTree, (object) => {
        assert.deepEqual(decode(stripeEncode(object)), expected(object));
      }),
      runs,
    );
  });
  it('qs.stringify (indices, encoded brackets) decodes back equal', () => {
    fc.assert(
      fc.property(boundedTree, (object) => {
        assert.deepEqual(decode(qs.stringify(object, { arrayFormat: 'indices' })), expected(object));
      }),
      runs,
    );
  });
  it('curl-style `a[]=` arrays of scalars decode like indexed ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }), { minLength: 1, maxLength: 8 }),
        (items) => {
          const text = qs.stringify({ list: items }, { arrayFormat: 'brackets' });
          assert.deepEqual(decode(text), { list: expected(items) });
        },
      ),
      runs,
    );
  });
  it('stripe-node examples', () => {
    const body = stripeEncode({
      amount: 1000,
      currency: 'eur',
      payment_method_types: ['card_present'],
      capture_method: 'manual',
      payment_method_options: { card_present: { request_incremental_authorization_support: true } },
      metadata: { order_id: '6735', note: 'a & b = c?', empty: null },
      expand: ['latest_charge'],
    });
    assert.deepEqual(decode(body), {
      amount: '1000',
      currency: 'eur',
      payment_method_types: { 0: 'card_present' },
      capture_method: 'manual',
      payment_method_options: { card_present: { request_incremental_authorization_support: 'true' } },
      metadata: { order_id: '6735', note: 'a & b = c?', empty: '' },
      expand: { 0: 'latest_charge' },
    });
  });
});

describe('decodeSimple (the fast path of decodeForm)', () => {
  const attempt = (fn: () => unknown): unknown => {
    try {
      return fn();
    } catch (error) {
      return error instanceof ApiError ? `${error.code}: ${error.message}` : `thrown ${String(error)}`;
    }
  };

  it('answers what qs answers whenever it answers', (t) => {
    const piece = fc.constantFrom(
      'a',
      'b',
      '0',
      '1',
      '_',
      'x9',
      '[',
      ']',
      '=',
      '&',
      '%',
      '%20',
      '%ZZ',
      '+',
      '.',
      '[]',
      '__proto__',
      'constructor',
      'toString',
      '?',
      'é',
    );
    // Well-formed bodies too (key[segment]=value pairs), or the fast path would rarely answer.
    const pair = fc
      .tuple(
        fc.constantFrom('a', 'b', 'amount', 'x9', '_', '0', 'é', 'constructor'),
        fc.constantFrom('', '[a]', '[0]', '[1]', '[]', '[b][c]', '[a][0]', '[0][a]'),
        fc.constantFrom('', '1', 'x', '%20', '+', '%C3%A9', '%ZZ', 'é', '[', ']', 'a]=b', '%'),
      )
      .map(([name, path, value]) => `${name}${path}=${value}`);
    const body = fc.oneof(
      fc.array(piece, { maxLength: 24 }).map((pieces) => pieces.join('')),
      fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&')),
    );
    let answered = 0;
    const runs = 20000;
    fc.assert(
      fc.property(body, (text) => {
        const simple = attempt(() => decodeSimple(text));
        if (simple === null) return;
        answered += 1;
        const slow = attempt(() => decodeWithQs(text));
        const fast = attempt(() => decodeForm(text));
        // Both sides are null-prototype trees: compared as they are, prototypes included.
        assert.deepEqual(fast, slow, text);
      }),
      { numRuns: runs },
    );
    // The comparison only runs where the fast path answers: it must have answered often.
    t.diagnostic(`fast path answered ${answered} of ${runs}`);
    assert.ok(answered >= runs / 10, `the fast path answered only ${answered} of ${runs} inputs`);
  });

  it('takes the bodies SDKs send', () => {
    const body =
      'amount=1000&currency=eur&payment_method_types[0]=card_present&capture_method=manual&metadata[order]=A+1%21';
    assert.notEqual(decodeSimple(body), null);
    assert.deepEqual(decodeForm(body), decodeWithQs(body));
  });
});

describe('metadata keys survive decoding, validation, merging and the wire', () => {
  it('property: any key up to 40 characters, prototype names and `_internal` included, round-trips', () => {
    const metadataKey = fc.oneof(
      fc.constantFrom('__proto__', '_internal', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'valueOf'),
      fc
        .string({ minLength: 1, maxLength: limits.metadataKeyLengthMax })
        .filter((k) => !/[[\]]/.test(k) && k.trim() !== ''),
    );
    const value = fc.string({ minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(metadataKey, value), { selector: ([k]) => k, minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (pairs, percentEncoded) => {
          const body = pairs
            .map(([k, v]) => {
              const name = percentEncoded ? encodeURIComponent(`metadata[${k}]`) : `metadata[${encodeURIComponent(k)}]`;
              return `${name}=${encodeURIComponent(v)}`;
            })
            .join('&');
          const params = parseParams({ metadata: metadata() }, decodeForm(body));
          const merged = mergeMetadata({}, params.metadata);
          const wire = JSON.parse(
            toWire({ id: 'pi_1', object: 'payment_intent', metadata: merged, _internal: { secret: 1 } }),
          ) as { metadata: Record<string, string>; _internal?: unknown };
          const want = Object.fromEntries(pairs) as Record<string, string>;
          assert.deepEqual(wire.metadata, want);
          assert.equal(Object.hasOwn(wire, '_internal'), false, "the object's own _internal is still dropped");
          assert.equal(Object.keys(Object.prototype).length, 0);
        },
      ),
      runs,
    );
  });
});

describe("the official libraries' encodings decode to the same parameters", () => {
  // One call (a PaymentIntent with an array, a nested boolean, metadata, a space and an accent) as
  // each library writes it (apps/opentill/src/e2e/library-bodies.ts has the whole set).
  const expected = {
    amount: 1000,
    currency: 'eur',
    payment_method_types: ['card_present'],
    description: 'Café crème',
    metadata: { note: 'two words' },
    payment_method_options: { card_present: { request_incremental_authorization_support: true } },
  };
  const fields = {
    amount: int(),
    currency: str(),
    payment_method_types: array(str()),
    description: str(),
    metadata: metadata(),
    payment_method_options: object({ card_present: object({ request_incremental_authorization_support: bool() }) }),
  };
  const bodies: Record<string, string> = {
    'stripe-node': stripeEncode(expected),
    // urlencode: escaped brackets, `+` for spaces, str(True).
    'stripe-python 5.0.0':
      'amount=1000&currency=eur&payment_method_types%5B0%5D=card_present&description=Caf%C3%A9+cr%C3%A8me' +
      '&metadata%5Bnote%5D=two+words&payment_method_options%5Bcard_present%5D%5Brequest_incremental_authorization_support%5D=True',
    // CGI.escape / urlencode / URLEncoder / QueryEscape with the brackets restored.
    'stripe-ruby, stripe-php, stripe-java, stripe-go':
      'amount=1000&currency=eur&payment_method_types[0]=card_present' +
      '&description=Caf%C3%A9+cr%C3%A8me&metadata[note]=two+words' +
      '&payment_method_options[card_present][request_incremental_authorization_support]=true',
    // FormUrlEncodedContent: escaped brackets, bool.ToString().
    'stripe-dotnet':
      'amount=1000&currency=eur&description=Caf%C3%A9+cr%C3%A8me&metadata%5Bnote%5D=two+words' +
      '&payment_method_options%5Bcard_present%5D%5Brequest_incremental_authorization_support%5D=True' +
      '&payment_method_types%5B0%5D=card_present',
    'unindexed arrays':
      'amount=1000&currency=eur&payment_method_types[]=card_present&description=Caf%C3%A9%20cr%C3%A8me' +
      '&metadata[note]=two%20words&payment_method_options[card_present][request_incremental_authorization_support]=true',
  };
  for (const [library, body] of Object.entries(bodies)) {
    it(library, () => {
      assert.deepEqual(plain(parseParams(fields, decodeForm(body))), expected);
    });
  }
  it('empty values unset: `metadata=` and `metadata[k]=`', () => {
    assert.deepEqual(plain(parseParams(fields, decodeForm('metadata='))), { metadata: null });
    assert.deepEqual(plain(parseParams(fields, decodeForm('metadata%5Bnote%5D='))), { metadata: { note: null } });
  });
});
