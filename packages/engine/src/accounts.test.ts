/** Accounts and API keys: keys are stored as hashes only and found again by hash. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { ManualClock, SequentialIds } from './adapters.js';
import { authenticate, authenticateHash, createAccount, hashKey, maskKey } from './accounts.js';
import type { Account, ApiKeyRecord, Store } from './store.js';

function keyStore() {
  const inserted: Array<{ account: Account; keys: ApiKeyRecord[] }> = [];
  const byHash = new Map<string, ApiKeyRecord>();
  const store = {
    async insertAccount(account: Account, keys: ApiKeyRecord[]) {
      inserted.push({ account, keys });
      for (const key of keys) byHash.set(key.hash, key);
    },
    async findApiKey(hash: string) {
      return byHash.get(hash) ?? null;
    },
  };
  return { store: store as unknown as Store, inserted, byHash };
}

describe('hashKey / maskKey', () => {
  it('hashes the key as UTF-8 with SHA-256, hex', () => {
    assert.equal(hashKey('sk_test_é'), createHash('sha256').update(Buffer.from('sk_test_é', 'utf8')).digest('hex'));
    assert.match(hashKey('x'), /^[0-9a-f]{64}$/);
  });
  it('keeps the sk_test_/pk_test_ prefix and the last 4, masks the rest', () => {
    assert.equal(maskKey('sk_test_abcdefgh1234'), 'sk_test_********1234');
    assert.equal(maskKey('pk_test_abcd1234'), 'pk_test_****1234');
    assert.equal(maskKey('rk_live_abcd1234'), 'rk_*********1234');
    assert.equal(maskKey('sk_test_1234'), 'sk_test_1234');
    // Keys that short never exist; masking them must still not throw (a negative repeat count would).
    assert.equal(maskKey('sk_test_1'), 'sk_test_st_1');
    assert.equal(maskKey('ab'), 'abab');
  });
});

describe('createAccount', () => {
  it("creates the account at the clock's second with one secret and one publishable key, stored as hashes with last4", async () => {
    const { store, inserted } = keyStore();
    const created = await createAccount(store, new SequentialIds(), new ManualClock(1_700_000_000_999));
    assert.deepEqual(created.account, {
      id: 'acct_000000000000000000000001',
      created: 1_700_000_000,
      clockOffsetMs: 0,
      settings: {},
    });
    assert.equal(created.secretKey, `sk_test_${'2'.padStart(48, '0')}`);
    assert.equal(created.publishableKey, `pk_test_${'3'.padStart(48, '0')}`);
    assert.equal(inserted.length, 1);
    assert.deepEqual(inserted[0]!.account, created.account);
    assert.deepEqual(inserted[0]!.keys, [
      {
        hash: hashKey(created.secretKey),
        accountId: created.account.id,
        kind: 'secret',
        last4: '0002',
        created: 1_700_000_000,
      },
      {
        hash: hashKey(created.publishableKey),
        accountId: created.account.id,
        kind: 'publishable',
        last4: '0003',
        created: 1_700_000_000,
      },
    ]);
    assert.equal(JSON.stringify(inserted).includes(created.secretKey), false, 'the key itself is never stored');
  });
  it('takes given keys as they are', async () => {
    const { store, inserted } = keyStore();
    const created = await createAccount(store, new SequentialIds(), new ManualClock(0), {
      secretKey: 'sk_test_given9876',
      publishableKey: 'pk_test_given5432',
    });
    assert.equal(created.secretKey, 'sk_test_given9876');
    assert.equal(created.publishableKey, 'pk_test_given5432');
    assert.deepEqual(
      inserted[0]!.keys.map((key) => key.last4),
      ['9876', '5432'],
    );
  });
});

describe('authenticate', () => {
  it('finds the key record of a presented key, nothing for another key', async () => {
    const { store } = keyStore();
    const { secretKey, publishableKey, account } = await createAccount(store, new SequentialIds(), new ManualClock(0));
    assert.equal((await authenticate(store, secretKey))?.kind, 'secret');
    assert.equal((await authenticate(store, publishableKey))?.accountId, account.id);
    assert.equal(await authenticate(store, `${secretKey}x`), null);
    assert.equal((await authenticateHash(store, hashKey(secretKey)))?.kind, 'secret');
  });
  it('refuses a record whose stored hash does not equal the presented one (a store answering loosely)', async () => {
    const record: ApiKeyRecord = {
      hash: hashKey('other'),
      accountId: 'acct_1',
      kind: 'secret',
      last4: 'ther',
      created: 0,
    };
    const loose = {
      async findApiKey() {
        return record;
      },
    } as unknown as Store;
    assert.equal(await authenticate(loose, 'sk_test_1'), null);
    const short = {
      async findApiKey() {
        return { ...record, hash: 'ab' };
      },
    } as unknown as Store;
    assert.equal(await authenticateHash(short, hashKey('x')), null);
    const same = {
      async findApiKey() {
        return { ...record, hash: hashKey('sk_test_1') };
      },
    } as unknown as Store;
    assert.equal((await authenticate(same, 'sk_test_1'))?.accountId, 'acct_1');
  });
});
