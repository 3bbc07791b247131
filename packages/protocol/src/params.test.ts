/** Parameter schemas: Stripe's error codes, messages and `param` paths for each kind of bad input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ApiError, limits } from '@opentill/core';
import { decodeForm } from './form.js';
import {
  amount,
  array,
  bool,
  currency,
  int,
  listParams,
  mergeMetadata,
  metadata,
  object,
  oneOf,
  parseParams,
  str,
} from './params.js';

function rejects(fn: () => unknown, code: string, message?: string | RegExp, param?: string): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiError, `expected ApiError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.status, 400);
  assert.equal(caught.body.type, 'invalid_request_error');
  if (typeof message === 'string') assert.equal(caught.body.message, message);
  else if (message) assert.match(caught.body.message, message);
  if (param !== undefined) assert.equal(caught.body.param, param);
  return caught;
}

/** A schema shaped like PaymentIntent create. */
const fields = {
  amount: amount().req(),
  currency: currency().req(),
  capture_method: oneOf(['automatic', 'automatic_async', 'manual'] as const),
  confirm: bool(),
  description: str({ maxLength: 1000 }).orEmpty(),
  metadata: metadata(),
  payment_method_types: array(oneOf(['card_present', 'interac_present'] as const), { max: 3 }),
  payment_method_options: object({
    card_present: object({
      capture_method: oneOf(['manual', 'manual_preferred'] as const).orEmpty(),
      request_incremental_authorization_support: bool(),
    }).orEmpty(),
  }),
  application_fee_amount: int({ min: 0 }),
};
const parse = (form: string) => parseParams(fields, decodeForm(form));
const base = 'amount=1000&currency=usd';

describe('required, unknown and empty parameters', () => {
  it('a valid request parses into typed values', () => {
    const p = parse(
      `${base}&capture_method=manual&confirm=true&payment_method_types[]=card_present` +
        '&payment_method_options[card_present][request_incremental_authorization_support]=true&expand[0]=latest_charge',
    );
    assert.equal(p.amount, 1000);
    assert.equal(p.currency, 'usd');
    assert.equal(p.capture_method, 'manual');
    assert.equal(p.confirm, true);
    assert.deepEqual(p.payment_method_types, ['card_present']);
    assert.deepEqual(JSON.parse(JSON.stringify(p.payment_method_options)), {
      card_present: { request_incremental_authorization_support: true },
    });
    assert.deepEqual(p.expand, ['latest_charge']);
  });
  it('missing amount → parameter_missing', () => {
    rejects(() => parse('currency=usd'), 'parameter_missing', 'Missing required param: amount.', 'amount');
  });
  it('amount= (empty) on a required param → parameter_missing', () => {
    rejects(() => parse('amount=&currency=usd'), 'parameter_missing', 'Missing required param: amount.', 'amount');
  });
  it('unknown top-level param → parameter_unknown', () => {
    rejects(() => parse(`${base}&foo=bar`), 'parameter_unknown', 'Received unknown parameter: foo', 'foo');
  });
  it('unknown nested param → parameter_unknown with the bracket path', () => {
    rejects(
      () => parse(`${base}&payment_method_options[card_present][bogus]=1`),
      'parameter_unknown',
      'Received unknown parameter: payment_method_options[card_present][bogus]',
      'payment_method_options[card_present][bogus]',
    );
  });
  it('empty value on a param that cannot be unset → parameter_invalid_empty', () => {
    rejects(
      () => parse(`${base}&capture_method=`),
      'parameter_invalid_empty',
      "You passed an empty string for 'capture_method'. We assume empty values are an attempt to unset a parameter; " +
        "however 'capture_method' cannot be unset. You should remove 'capture_method' from your request or supply a " +
        'non-empty value.',
      'capture_method',
    );
  });
  it('empty value on an emptyable param → null (unset)', () => {
    assert.equal(parse(`${base}&description=`).description, null);
    assert.equal(
      parse(`${base}&payment_method_options[card_present][capture_method]=`).payment_method_options?.card_present
        ?.capture_method,
      null,
    );
    assert.equal(parse(`${base}&payment_method_options[card_present]=`).payment_method_options?.card_present, null);
  });
  it('a hash where a string is expected, and a string where a hash is expected', () => {
    rejects(() => parse(`${base}&description[a]=b`), 'invalid_request_body', 'Invalid string: hash', 'description');
    rejects(
      () => parse(`${base}&payment_method_options=x`),
      'invalid_object',
      'Invalid hash',
      'payment_method_options',
    );
  });
  it('__proto__ / constructor keys are unknown parameters, never object internals', () => {
    rejects(() => parse(`${base}&constructor[prototype][x]=1`), 'parameter_unknown', undefined, 'constructor');
    rejects(() => parse(`${base}&toString=1`), 'parameter_unknown', undefined, 'toString');
    // Kept as data by the decoder (never dropped silently), so refused like any unknown parameter.
    rejects(() => parse(`${base}&__proto__[amount]=5`), 'parameter_unknown', undefined, '__proto__');
  });
});

describe('integers and amounts', () => {
  const table: [string, string, string | RegExp][] = [
    ['abc', 'parameter_invalid_integer', 'Invalid integer: abc'],
    ['10.5', 'parameter_invalid_integer', 'Invalid integer: 10.5'],
    ['1e3', 'parameter_invalid_integer', 'Invalid integer: 1e3'],
    [' 100', 'parameter_invalid_integer', 'Invalid integer:  100'],
    ['0x10', 'parameter_invalid_integer', 'Invalid integer: 0x10'],
    ['-100', 'parameter_invalid_integer', 'This value must be greater than or equal to 1.'],
    ['0', 'parameter_invalid_integer', 'This value must be greater than or equal to 1.'],
    ['100000000', 'amount_too_large', 'Amount must be no more than 99999999.'],
    ['99999999999999999999', 'parameter_invalid_integer', /Invalid integer/],
    ['9007199254740993', 'parameter_invalid_integer', /Invalid integer/],
  ];
  for (const [value, code, message] of table) {
    it(`amount=${value} → ${code}`, () => {
      rejects(() => parse(`amount=${encodeURIComponent(value)}&currency=usd`), code, message, 'amount');
    });
  }
  it('amount[]=1 → parameter_invalid_integer', () => {
    rejects(() => parse('amount[]=1&currency=usd'), 'parameter_invalid_integer', 'Invalid integer: hash', 'amount');
  });
  for (const value of ['1', '50', '99999999', '007']) {
    it(`amount=${value} is accepted`, () => assert.equal(parse(`amount=${value}&currency=usd`).amount, Number(value)));
  }
  it('JSON numbers: fractional and unsafe are refused, integral accepted', () => {
    assert.equal(parseParams(fields, { amount: 1000, currency: 'usd' }).amount, 1000);
    rejects(
      () => parseParams(fields, { amount: 10.5, currency: 'usd' }),
      'parameter_invalid_integer',
      undefined,
      'amount',
    );
    rejects(
      () => parseParams(fields, { amount: 2 ** 60, currency: 'usd' }),
      'parameter_invalid_integer',
      undefined,
      'amount',
    );
    rejects(
      () => parseParams(fields, { amount: true, currency: 'usd' }),
      'parameter_invalid_integer',
      undefined,
      'amount',
    );
    rejects(() => parseParams(fields, { amount: null, currency: 'usd' }), 'parameter_missing', undefined, 'amount');
  });
  it('int bounds', () => {
    assert.equal(int({ min: 0 }).parse('0', 'x'), 0);
    rejects(
      () => int({ min: 0 }).parse('-1', 'x'),
      'parameter_invalid_integer',
      'This value must be greater than or equal to 0.',
      'x',
    );
    rejects(
      () => int({ max: 5 }).parse('6', 'x'),
      'parameter_invalid_integer',
      'This value must be less than or equal to 5.',
      'x',
    );
  });
});

describe('currencies, enums, booleans, strings', () => {
  it('currency is lower-cased; unknown currencies are refused', () => {
    assert.equal(parse('amount=1000&currency=EUR').currency, 'eur');
    rejects(() => parse('amount=1000&currency=xyz'), 'invalid_currency', /^Invalid currency: xyz/, 'currency');
    rejects(() => parse('amount=1000&currency=dollars'), 'invalid_currency', undefined, 'currency');
  });
  it('unknown enum value', () => {
    rejects(
      () => parse(`${base}&capture_method=later`),
      'invalid_enum_value',
      'Invalid capture_method: must be one of automatic, automatic_async, or manual',
      'capture_method',
    );
  });
  it('booleans are true/false, or True/False as Python and .NET send them', () => {
    assert.equal(parse(`${base}&confirm=false`).confirm, false);
    assert.equal(parse(`${base}&confirm=True`).confirm, true);
    assert.equal(parse(`${base}&confirm=False`).confirm, false);
    for (const value of ['1', '0', 'yes', 'TRUE', 'tRue', 'FALSE', 'on']) {
      rejects(() => parse(`${base}&confirm=${value}`), 'invalid_boolean', `Invalid boolean: ${value}`, 'confirm');
    }
  });
  it('string length', () => {
    assert.equal(parse(`${base}&description=${'x'.repeat(1000)}`).description?.length, 1000);
    rejects(
      () => parse(`${base}&description=${'x'.repeat(1001)}`),
      'invalid_string_length',
      /at most 1000 characters/,
      'description',
    );
    rejects(() => str({ minLength: 3 }).parse('ab', 'x'), 'invalid_string_length', undefined, 'x');
    rejects(
      () => str({ pattern: /^\d+$/, patternMessage: 'digits' }).parse('ab', 'x'),
      'invalid_request_body',
      'digits',
      'x',
    );
  });
});

describe('arrays', () => {
  const table: [string, string[]][] = [
    ['payment_method_types[]=card_present', ['card_present']],
    [
      'payment_method_types[0]=card_present&payment_method_types[1]=interac_present',
      ['card_present', 'interac_present'],
    ],
    [
      'payment_method_types[1]=interac_present&payment_method_types[0]=card_present',
      ['card_present', 'interac_present'],
    ],
    ['payment_method_types[]=card_present&payment_method_types[]=interac_present', ['card_present', 'interac_present']],
  ];
  for (const [form, expected] of table) {
    it(form, () => assert.deepEqual(parse(`${base}&${form}`).payment_method_types, expected));
  }
  it('an invalid item is reported with its index', () => {
    rejects(
      () => parse(`${base}&payment_method_types[0]=card_present&payment_method_types[1]=cash`),
      'invalid_enum_value',
      undefined,
      'payment_method_types[1]',
    );
  });
  it('a string or a non-index hash is not an array', () => {
    rejects(
      () => parse(`${base}&payment_method_types=card_present`),
      'invalid_array',
      undefined,
      'payment_method_types',
    );
    rejects(
      () => parse(`${base}&payment_method_types[a]=card_present`),
      'invalid_array',
      undefined,
      'payment_method_types',
    );
  });
  it('too many items', () => {
    rejects(
      () => parse(`${base}${'&payment_method_types[]=card_present'.repeat(4)}`),
      'invalid_array',
      /at most 3 items/,
      'payment_method_types',
    );
  });
  it(`expand[] takes at most ${limits.expandCountMax} entries`, () => {
    const many = (n: number) => Array.from({ length: n }, () => 'expand[]=latest_charge').join('&');
    assert.equal(parse(`${base}&${many(limits.expandCountMax)}`).expand?.length, limits.expandCountMax);
    rejects(() => parse(`${base}&${many(limits.expandCountMax + 1)}`), 'invalid_array', undefined, 'expand');
  });
  it('JSON arrays are arrays', () => {
    assert.deepEqual(
      parseParams(fields, { amount: 1, currency: 'usd', payment_method_types: ['interac_present'] })
        .payment_method_types,
      ['interac_present'],
    );
  });
});

describe('metadata', () => {
  const meta = (form: string) => parse(`${base}&${form}`).metadata;
  it('set, unset one key, unset everything', () => {
    assert.deepEqual(meta('metadata[a]=1&metadata[b]=2'), { a: '1', b: '2' });
    assert.deepEqual(meta('metadata[a]='), { a: null });
    assert.equal(meta('metadata='), null);
    assert.deepEqual(mergeMetadata({ a: '1', b: '2' }, { a: null, c: '3' }), { b: '2', c: '3' });
    assert.deepEqual(mergeMetadata({ a: '1' }, null), {});
    assert.deepEqual(mergeMetadata({ a: '1' }, undefined), { a: '1' });
  });
  it('numeric keys are keys (stripe-node sends metadata[0]=…)', () => {
    assert.deepEqual(meta('metadata[0]=a&metadata[1]=b'), { 0: 'a', 1: 'b' });
    assert.deepEqual(meta('metadata[12345]=order'), { 12345: 'order' });
  });
  it('JSON numbers and booleans become strings', () => {
    assert.deepEqual(parseParams(fields, { amount: 1, currency: 'usd', metadata: { n: 5, b: true } }).metadata, {
      n: '5',
      b: 'true',
    });
  });
  it(`keys up to ${limits.metadataKeyLengthMax} characters`, () => {
    assert.deepEqual(meta(`metadata[${'k'.repeat(40)}]=v`), { ['k'.repeat(40)]: 'v' });
    rejects(
      () => meta(`metadata[${'k'.repeat(41)}]=v`),
      'invalid_metadata',
      /Metadata keys must be 40 characters or less/,
      `metadata[${'k'.repeat(41)}]`,
    );
  });
  it(`values up to ${limits.metadataValueLengthMax} characters`, () => {
    assert.equal(meta(`metadata[k]=${'v'.repeat(500)}`)?.['k']?.length, 500);
    rejects(() => meta(`metadata[k]=${'v'.repeat(501)}`), 'invalid_metadata', /up to 500 characters/, 'metadata[k]');
  });
  it(`at most ${limits.metadataKeyCountMax} keys after merging`, () => {
    const keys = (n: number, prefix = 'k') =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
    assert.equal(Object.keys(mergeMetadata({}, keys(50))).length, 50);
    rejects(
      () => mergeMetadata({}, keys(51)),
      'invalid_metadata',
      'You can only specify up to 50 metadata keys.',
      'metadata',
    );
    rejects(() => mergeMetadata(keys(50, 'old'), { extra: 'v' }), 'invalid_metadata');
    // Unsetting in the same request makes room.
    assert.equal(Object.keys(mergeMetadata(keys(50, 'old'), { old0: null, extra: 'v' })).length, 50);
  });
  it('nested values and blank keys are refused', () => {
    rejects(() => meta('metadata[a][b]=c'), 'invalid_metadata', undefined, 'metadata[a]');
    rejects(() => meta('metadata[%20]=c'), 'invalid_metadata', 'Metadata keys cannot be blank.');
    rejects(
      () => parseParams(fields, { amount: 1, currency: 'usd', metadata: ['a'] }),
      'invalid_object',
      'Invalid hash',
      'metadata',
    );
    rejects(() => meta('metadata=x'), 'invalid_object', 'Invalid hash', 'metadata');
  });
});

describe('list parameters', () => {
  const list = (form: string) => parseParams(listParams, decodeForm(form));
  it('limit is 1–100', () => {
    assert.equal(list('limit=1').limit, 1);
    assert.equal(list('limit=100').limit, 100);
    rejects(() => list('limit=0'), 'parameter_invalid_integer', undefined, 'limit');
    rejects(() => list('limit=101'), 'parameter_invalid_integer', undefined, 'limit');
    rejects(() => list('limit=ten'), 'parameter_invalid_integer', 'Invalid integer: ten', 'limit');
  });
  it('created as an integer or a range', () => {
    assert.deepEqual(list('created=100').created, { gte: 100, lte: 100 });
    assert.deepEqual(JSON.parse(JSON.stringify(list('created[gt]=1&created[lte]=5').created)), { gt: 1, lte: 5 });
    rejects(() => list('created[after]=1'), 'parameter_unknown', undefined, 'created[after]');
    rejects(() => list('created[gt]=x'), 'parameter_invalid_integer', undefined, 'created[gt]');
    rejects(() => list('created=soon'), 'parameter_invalid_integer', undefined, 'created');
  });
});

describe('fuzz: schemas only ever answer a parsed value or a 400 ApiError', () => {
  const token = fc.constantFrom(
    'amount',
    'currency',
    'metadata',
    'capture_method',
    'payment_method_types',
    'confirm',
    'payment_method_options',
    'card_present',
    'expand',
    'description',
    'application_fee_amount',
    '0',
    '1',
    '',
    'x',
    '__proto__',
    'constructor',
  );
  const value = fc.oneof(
    fc.constantFrom('', '1000', '-1', '1.5', 'usd', 'true', 'manual', 'card_present', '1e9'),
    fc.string({ maxLength: 8 }),
  );
  const pair = fc.tuple(fc.array(token, { minLength: 1, maxLength: 4 }), value).map(
    ([path, v]) =>
      `${path[0]}${path
        .slice(1)
        .map((p) => `[${p}]`)
        .join('')}=${encodeURIComponent(v)}`,
  );
  it('random forms through a PaymentIntent-like schema', () => {
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 12 }), (pairs) => {
        try {
          parseParams(fields, decodeForm(pairs.join('&')));
        } catch (error) {
          if (error instanceof ApiError && error.status === 400) return true;
          throw error;
        }
        return true;
      }),
      { seed: 4242, numRuns: 1000 },
    );
  });
  it('random JSON values through the same schema', () => {
    fc.assert(
      fc.property(fc.dictionary(token, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }), (body) => {
        try {
          parseParams(fields, body);
        } catch (error) {
          if (error instanceof ApiError && error.status === 400) return true;
          throw error;
        }
        return true;
      }),
      { seed: 4243, numRuns: 1000 },
    );
  });
});
