/** Tests of the search query language subset: parsing, Stripe-shaped errors on `query`, and matching. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, customerSearchFields, limits, matchesSearch, parseSearchQuery, type StoredObject } from './index.js';

const parse = (query: string) => parseSearchQuery(query, customerSearchFields);

function customer(fields: Record<string, unknown>): StoredObject {
  return {
    id: 'cus_1',
    object: 'customer',
    created: 1_700_000_000,
    livemode: false,
    email: null,
    name: null,
    phone: null,
    metadata: {},
    ...fields,
  };
}

const matches = (query: string, fields: Record<string, unknown>) => matchesSearch(customer(fields), parse(query));

describe('search query language', () => {
  it('matches email exactly, case-insensitively, with single or double quotes', () => {
    assert.equal(matches("email:'ada@example.com'", { email: 'Ada@Example.com' }), true);
    assert.equal(matches('email:"ada@example.com"', { email: 'ada@example.com' }), true);
    assert.equal(matches("email:'ada@example.co'", { email: 'ada@example.com' }), false);
    assert.equal(matches("email:'ada@example.com'", { email: null }), false);
  });

  it('matches substrings with ~, names, phones and metadata', () => {
    assert.equal(matches("email~'example.com'", { email: 'ada@example.com' }), true);
    assert.equal(matches("name~'love'", { name: 'Ada Lovelace' }), true);
    assert.equal(matches("name:'Ada Lovelace'", { name: 'ada lovelace' }), true);
    assert.equal(matches("phone:'+15555550100'", { phone: '+15555550100' }), true);
    assert.equal(matches("metadata['member']:'gold'", { metadata: { member: 'gold' } }), true);
    assert.equal(matches('metadata["member"]:"gold"', { metadata: { member: 'silver' } }), false);
    assert.equal(matches("metadata['none']:'gold'", { metadata: {} }), false);
  });

  it('combines clauses with AND or OR, negates with -, compares created, matches null', () => {
    const ada = { email: 'ada@example.com', name: 'Ada' };
    assert.equal(matches("email:'ada@example.com' AND name:'Ada'", ada), true);
    assert.equal(matches("email:'ada@example.com' AND name:'Bob'", ada), false);
    assert.equal(matches("email:'bob@example.com' OR name:'Ada'", ada), true);
    assert.equal(matches("-name:'Bob'", ada), true);
    assert.equal(matches("-name:'Ada'", ada), false);
    assert.equal(matches('created>1600000000', ada), true);
    assert.equal(matches('created<=1600000000', ada), false);
    assert.equal(matches('created:1700000000', ada), true);
    assert.equal(matches('phone:null', ada), true);
    assert.equal(matches("email:'it\\'s@example.com'", { email: "it's@example.com" }), true);
  });

  it('answers invalid_request_body on query for what Stripe refuses', () => {
    const bad = [
      "unknown:'x'", // not a customer search field
      'email:ada@example.com', // unquoted string
      "email:'ada@example.com", // unterminated
      "email:'a' AND name:'b' OR phone:'c'", // mixed connectors
      "email~'ab'", // substring shorter than 3
      "created:'x'", // numeric field with a string
      "name>'x'", // comparison on a string field
      "email:'a' name:'b'", // no connector
      '', // empty
      "email:'a' AND", // dangling connector
    ];
    for (const query of bad) {
      assert.throws(
        () => parse(query),
        (error: unknown) =>
          error instanceof ApiError && error.code === 'invalid_request_body' && error.body.param === 'query',
        query,
      );
    }
  });

  it('bounds the number of clauses', () => {
    const clause = "name:'x'";
    const query = (n: number) => Array.from({ length: n }, () => clause).join(' OR ');
    assert.equal(parse(query(limits.searchClauseCountMax)).clauses.length, limits.searchClauseCountMax);
    assert.throws(() => parse(query(limits.searchClauseCountMax + 1)), ApiError);
  });
});
