/** The search query language exactly: parse trees whole, every error's message and position, each operator's boundary. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiError,
  customerSearchFields,
  limits,
  matchesSearch,
  parseSearchQuery,
  type SearchQuery,
  type StoredObject,
} from './index.js';

const parse = (query: string) => parseSearchQuery(query, customerSearchFields);
const docs = 'See https://stripe.com/docs/search#search-query-language.';

function message(query: string): string {
  try {
    parse(query);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'invalid_request_body', query);
    assert.equal(error.body.param, 'query', query);
    return String(error.body.message);
  }
  return 'parsed';
}

const at = (n: number, what: string) => `There was an error parsing your query at character ${n}: ${what}. ${docs}`;

describe('parsing, whole trees', () => {
  it('one clause of each shape', () => {
    assert.deepEqual(customerSearchFields, {
      resource: 'customers',
      strings: ['email', 'name', 'phone'],
      numbers: ['created'],
      metadata: true,
    });
    const rows: Array<[string, SearchQuery]> = [
      [
        "email:'a@b.c'",
        {
          connector: 'AND',
          clauses: [{ negated: false, field: { kind: 'field', name: 'email' }, op: ':', value: 'a@b.c' }],
        },
      ],
      [
        '  -name~"Ada"  ',
        {
          connector: 'AND',
          clauses: [{ negated: true, field: { kind: 'field', name: 'name' }, op: '~', value: 'Ada' }],
        },
      ],
      [
        "metadata['k y']:'v'",
        {
          connector: 'AND',
          clauses: [{ negated: false, field: { kind: 'metadata', key: 'k y' }, op: ':', value: 'v' }],
        },
      ],
      [
        'created>=-12',
        {
          connector: 'AND',
          clauses: [{ negated: false, field: { kind: 'field', name: 'created' }, op: '>=', value: -12 }],
        },
      ],
      [
        'created<=1234567890123456',
        {
          connector: 'AND',
          clauses: [{ negated: false, field: { kind: 'field', name: 'created' }, op: '<=', value: 1234567890123456 }],
        },
      ],
      [
        'phone:null',
        {
          connector: 'AND',
          clauses: [{ negated: false, field: { kind: 'field', name: 'phone' }, op: ':', value: null }],
        },
      ],
      [
        "email:'a\\'b\\\\c'",
        {
          connector: 'AND',
          clauses: [{ negated: false, field: { kind: 'field', name: 'email' }, op: ':', value: "a'b\\c" }],
        },
      ],
    ];
    for (const [query, tree] of rows) assert.deepEqual(parse(query), tree, query);
    assert.equal(parse('created>5').clauses[0]?.op, '>');
    assert.equal(parse('created<5').clauses[0]?.op, '<');
    assert.equal(parse('created:5').clauses[0]?.op, ':');
  });

  it('connectors: OR kept, AND repeated, any spacing between', () => {
    assert.deepEqual(parse("name:'a'   OR\temail:'b'"), {
      connector: 'OR',
      clauses: [
        { negated: false, field: { kind: 'field', name: 'name' }, op: ':', value: 'a' },
        { negated: false, field: { kind: 'field', name: 'email' }, op: ':', value: 'b' },
      ],
    });
    assert.equal(parse("name:'a' AND email:'b' AND phone:'c'").clauses.length, 3);
  });

  it('at most the clause limit', () => {
    const query = (n: number) => Array.from({ length: n }, () => "name:'x'").join(' AND ');
    assert.equal(limits.searchClauseCountMax, 10);
    assert.equal(parse(query(10)).clauses.length, 10);
    assert.equal(message(query(11)), 'A query can have at most 10 clauses.');
  });
});

describe('parsing, every refusal exactly', () => {
  it('syntax errors name the character', () => {
    const rows: Array<[string, string]> = [
      ['', at(1, 'expected a field name')],
      ['  ', at(3, 'expected a field name')],
      ["Email:'a'", at(1, 'expected a field name')],
      ["-:'a'", at(2, 'expected a field name')],
      ["email='a'", at(6, "expected one of ':', '~', '>', '<', '>=', '<='")],
      ['email:a', at(7, 'string values must be quoted')],
      ['created:12a', at(9, 'string values must be quoted')],
      ['created:12345678901234567', at(9, 'string values must be quoted')],
      ["email:'abc", at(11, 'unterminated string')],
      ["email:'abc\\", at(12, 'unterminated string')],
      ['metadata[k]:"v"', at(10, 'expected a quoted string')],
      ["metadata['k':'v'", at(13, "expected ']'")],
      ["email:'a' name:'b'", at(11, "expected 'AND' or 'OR' between clauses")],
      ["email:'a' AND", at(11, "expected 'AND' or 'OR' between clauses")],
      ["email:'a' ANDname:'b'", at(11, "expected 'AND' or 'OR' between clauses")],
      ["email:'a' and name:'b'", at(11, "expected 'AND' or 'OR' between clauses")],
      ["email:'a' AND ", at(15, 'expected a field name')],
      // Only metadata takes a [key]; an operator and a connector must come next, not later on.
      ["name['k']:'v'", at(5, "expected one of ':', '~', '>', '<', '>=', '<='")],
      ["email x:'abc'", at(6, "expected one of ':', '~', '>', '<', '>=', '<='")],
      ["email:'a' name:'b' AND phone:'c'", at(11, "expected 'AND' or 'OR' between clauses")],
    ];
    for (const [query, expected] of rows) assert.equal(message(query), expected, query);
  });

  it('AND and OR together', () => {
    assert.equal(
      message("email:'a' OR name:'b' AND phone:'c'"),
      'You cannot combine AND and OR in the same query. See https://stripe.com/docs/search#search-query-language.',
    );
  });

  it('field and operator rules', () => {
    const unsupported = (name: string) =>
      `Field '${name}' is an unsupported search field for resource customers. See ` +
      'https://stripe.com/docs/search#query-fields-for-customers for a list of supported fields.';
    const numeric = "Field 'created' is a numeric field: use ':', '>', '<', '>=' or '<=' with a number.";
    const rows: Array<[string, string]> = [
      ["address:'x'", unsupported('address')],
      ["metadata:'x'", unsupported('metadata')],
      ['created~123', numeric],
      ["created:'123'", numeric],
      ['created:null', numeric],
      ["name>'x'", "Field 'name' is a string field: use ':' or '~'."],
      ["name<'x'", "Field 'name' is a string field: use ':' or '~'."],
      ["name>='x'", "Field 'name' is a string field: use ':' or '~'."],
      ["name<='x'", "Field 'name' is a string field: use ':' or '~'."],
      ['name:12', "String values must be quoted (field 'name')."],
      ["name~'ab'", "Substring search ('~') needs at least 3 characters (field 'name')."],
      ["metadata['k']~'ab'", "Substring search ('~') needs at least 3 characters (field 'metadata')."],
      ['email~null', "Substring search ('~') needs at least 3 characters (field 'email')."],
    ];
    for (const [query, expected] of rows) assert.equal(message(query), expected, query);
    assert.equal(message("name~'abc'"), 'parsed');
    assert.equal(message('created>=0'), 'parsed');
    // A resource without metadata search refuses metadata[...] clauses.
    assert.throws(
      () => parseSearchQuery("metadata['k']:'v'", { ...customerSearchFields, metadata: false }),
      (error: unknown) =>
        error instanceof ApiError &&
        error.body.message ===
          "Field 'metadata' is an unsupported search field for resource customers. See https://stripe.com/docs/search#query-fields-for-customers for a list of supported fields.",
    );
  });
});

function customer(fields: Record<string, unknown>): StoredObject {
  return { id: 'cus_1', object: 'customer', created: 100, livemode: false, metadata: {}, ...fields };
}
const matches = (query: string, fields: Record<string, unknown> = {}) => matchesSearch(customer(fields), parse(query));

describe('matching', () => {
  it('each numeric operator on both sides of its boundary', () => {
    const rows: Array<[string, boolean, boolean, boolean]> = [
      // the operator against 100, then what created = 99, 100 and 101 give
      [':', false, true, false],
      ['>', false, false, true],
      ['<', true, false, false],
      ['>=', false, true, true],
      ['<=', true, true, false],
    ];
    for (const [op, below, equal, above] of rows) {
      assert.deepEqual(
        [99, 100, 101].map((created) => matches(`created${op}100`, { created })),
        [below, equal, above],
        op,
      );
    }
  });

  it('a number never matches a non-number, nor null a value', () => {
    assert.equal(matches('created:100', { created: '100' }), false);
    assert.equal(matches('created>=0', { created: null }), false);
    assert.equal(matches('phone:null', { phone: '1' }), false);
    assert.equal(matches('phone:null', {}), true);
    assert.equal(matches('phone:null', { phone: null }), true);
    assert.equal(matches("name:'1'", { name: 1 }), false);
    assert.equal(matches("name~'abc'", {}), false);
  });

  it('strings: exact ignores case only, substring needs the whole needle', () => {
    assert.equal(matches("name:'ADA'", { name: 'ada' }), true);
    assert.equal(matches("name:'ada'", { name: 'ADA' }), true);
    assert.equal(matches("name:'ada'", { name: 'ada ' }), false);
    assert.equal(matches("name:'ada'", { name: 'adam' }), false);
    assert.equal(matches("name~'ADA'", { name: 'xadax' }), true);
    assert.equal(matches("name~'adb'", { name: 'xadax' }), false);
    assert.equal(matches("metadata['k']~'old'", { metadata: { k: 'GOLD' } }), true);
    assert.equal(matches("metadata['k']:'gold'", {}), false);
    assert.equal(matches("metadata['k']:null", { metadata: { k: 'x' } }), false);
    assert.equal(matches("metadata['k']:null", { metadata: {} }), true);
  });

  it('a metadata key is a string even where a numeric field is named metadata', () => {
    const fields = { resource: 'things', strings: [], numbers: ['metadata'], metadata: true };
    assert.deepEqual(parseSearchQuery("metadata['k']:'v'", fields).clauses, [
      { negated: false, field: { kind: 'metadata', key: 'k' }, op: ':', value: 'v' },
    ]);
  });

  it('a hand-built substring clause on a number matches nothing', () => {
    const query: SearchQuery = {
      connector: 'AND',
      clauses: [{ negated: false, field: { kind: 'field', name: 'created' }, op: '~', value: 100 }],
    };
    assert.equal(matchesSearch(customer({ created: 100 }), query), false);
  });

  it('AND needs every clause, OR any; negation flips one clause', () => {
    const ada = { name: 'Ada', email: 'ada@x.io' };
    const table: Array<[string, boolean]> = [
      ["name:'Ada' AND email:'ada@x.io'", true],
      ["name:'Ada' AND email:'no'", false],
      ["name:'no' AND email:'ada@x.io'", false],
      ["name:'no' OR email:'no'", false],
      ["name:'no' OR email:'ada@x.io'", true],
      ["name:'Ada' OR email:'no'", true],
      ["-name:'no' AND -email:'no'", true],
      ["-name:'Ada' OR -email:'ada@x.io'", false],
      ["-name:'Ada'", false],
      ["-name:'no'", true],
    ];
    for (const [query, expected] of table) assert.equal(matches(query, ada), expected, query);
  });
});
