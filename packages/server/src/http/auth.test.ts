import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, limits } from '@opentill/core';
import { hashKey, type ApiKeyRecord, type Store } from '@opentill/engine';
import { Authenticator } from './auth.js';

const validKey = `sk_test_${'v'.repeat(48)}`;

/** A store that knows one key and counts lookups (the authenticator touches nothing else). */
function countingStore(): { store: Store; lookups: string[] } {
  const lookups: string[] = [];
  const record: ApiKeyRecord = {
    hash: hashKey(validKey),
    accountId: 'acct_1',
    kind: 'secret',
    last4: 'vvvv',
    created: 0,
  };
  const store = {
    findApiKey: async (hash: string) => {
      lookups.push(hash);
      return hash === record.hash ? record : null;
    },
  } as unknown as Store;
  return { store, lookups };
}

async function rejectsInvalid(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof ApiError && error.code === 'api_key_invalid');
}

describe('Authenticator key cache', () => {
  it('refuses a key longer than any real key without looking it up or caching it', async () => {
    const { store, lookups } = countingStore();
    const authenticator = new Authenticator(store);
    const long = `sk_test_${'x'.repeat(limits.apiKeyLengthMax)}`;
    await rejectsInvalid(authenticator.principal(`Bearer ${long}`));
    await rejectsInvalid(authenticator.principal(`Basic ${Buffer.from(`${long}:`).toString('base64')}`));
    assert.equal(lookups.length, 0);
    assert.equal(authenticator.cachedKeyCount, 0);
  });

  it('keys the cache by hash and evicts the oldest entries, so a flood of invalid keys keeps valid keys cached', async () => {
    const { store, lookups } = countingStore();
    const authenticator = new Authenticator(store);
    // Cache the valid key first, then flood with distinct invalid keys well past the bound.
    assert.equal((await authenticator.principal(`Bearer ${validKey}`)).accountId, 'acct_1');
    const flood = 10_500;
    for (let i = 0; i < flood; i += 1) {
      await rejectsInvalid(authenticator.principal(`Bearer sk_test_${'z'.repeat(200)}${i}`));
    }
    assert.ok(authenticator.cachedKeyCount <= 10_000, `cache holds ${authenticator.cachedKeyCount} entries`);
    // Every lookup was by a 64-character hash, never by the presented string.
    assert.ok(lookups.every((hash) => /^[0-9a-f]{64}$/.test(hash)));
    // An invalid key seen recently is answered from the cache (no second lookup).
    const before = lookups.length;
    await rejectsInvalid(authenticator.principal(`Bearer sk_test_${'z'.repeat(200)}${flood - 1}`));
    assert.equal(lookups.length, before);
  });
});
