/**
 * The store contract: one node:test suite every adapter of the store port must pass, so the SQLite
 * and PostgreSQL adapters keep the same semantics. Each test gets a brand-new, empty store.
 *
 *   runStoreContract('sqlite', async () => ({ store: new SqliteStore(file), cleanup: ... }),
 *                    { migrations });
 *
 * `newStore` returns a store that is NOT migrated yet (the suite calls `migrate()`, some tests
 * twice or concurrently); `cleanup` must close the store and delete what it created.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { StoredObject } from '@opentill/core';
import { compact, limits } from '@opentill/core';
import type {
  Account,
  ApiKeyRecord,
  CommitBatch,
  CommitResult,
  IdempotencyBegin,
  ListQuery,
  Processor,
  RequestContext,
  Store,
} from '@opentill/engine';
import { apiVersion, Engine, ManualClock, PaymentIntents, SequentialIds } from '@opentill/engine';
import { outboxContract } from './outbox-contract.js';
import { operationsContract } from './operations-contract.js';
import { readerBusContract } from './reader-bus-contract.js';

export interface StoreUnderTest {
  store: Store;
  cleanup(): Promise<void>;
}

export interface StoreContractOptions {
  /**
   * The adapter's migration list. Checked against `storeMigrationHistory`: every adapter must
   * number and name its migrations alike, so a database can be described the same way whatever
   * holds it.
   */
  migrations?: ReadonlyArray<{ version: number; name: string }>;
}

/** Append here when adding a migration to the adapters. */
const storeMigrationHistory: ReadonlyArray<{ version: number; name: string }> = [
  { version: 1, name: 'initial' },
  { version: 2, name: 'webhooks' },
  { version: 3, name: 'idempotency-effects' },
  { version: 4, name: 'request-log' },
  { version: 6, name: 'connect' },
  { version: 8, name: 'commit-function' },
  { version: 9, name: 'reader-bus' },
  { version: 11, name: 'commit-batch' },
  { version: 12, name: 'reader-pairings' },
  { version: 13, name: 'endpoints-plpgsql' },
];

const ACCT = 'acct_contract_a';
const OTHER = 'acct_contract_b';

/** A stored object in wire shape; `extra` fields are top-level. */
export function storedObject(
  id: string,
  type: string,
  created: number,
  extra: Record<string, unknown> = {},
): StoredObject {
  return { id, object: type, created, livemode: false, ...extra };
}

function account(id: string, created: number, extra: Partial<Account> = {}): Account {
  return { id, created, clockOffsetMs: 0, settings: {}, platformId: null, ...extra };
}

function apiKey(hash: string, accountId: string, kind: ApiKeyRecord['kind'] = 'secret'): ApiKeyRecord {
  return { hash, accountId, kind, last4: hash.slice(-4), created: 1_700_000_000 };
}

async function insertNew(store: Store, objects: StoredObject[], accountId = ACCT): Promise<void> {
  for (const object of objects) {
    assert.deepEqual(await store.commit({ accountId, puts: [{ object, expectedVersion: 0 }], events: [] }), {
      ok: true,
      deliveries: 0,
    });
  }
}

/** The store's idempotency keys, each begun with a fresh token that finish/abandon then use. */
const owned = new WeakMap<Store, ReturnType<typeof trackOwners>>();
function ownedKeys(store: Store) {
  let keys = owned.get(store);
  if (!keys) owned.set(store, (keys = trackOwners(store)));
  return keys;
}
function trackOwners(store: Store) {
  const owners = new Map<string, string>();
  let next = 0;
  const owner = (account: string, key: string) => owners.get(`${account}\u0000${key}`) ?? 'nobody';
  return {
    begin: async (account: string, key: string, hash: string, nowMs: number): Promise<IdempotencyBegin> => {
      const token = `tok${(next += 1)}`;
      const result = await store.idempotency.begin(account, key, hash, nowMs, token);
      if (result.kind === 'started') owners.set(`${account}\u0000${key}`, token);
      return result;
    },
    finish: (account: string, key: string, status: number, body: string) =>
      store.idempotency.finish(account, key, status, body, owner(account, key)),
    abandon: (account: string, key: string) => store.idempotency.abandon(account, key, owner(account, key)),
    prune: (olderThanMs: number) => store.idempotency.prune(olderThanMs),
  };
}

async function ids(
  store: Store,
  query: Partial<ListQuery> & { type: string },
): Promise<{ ids: string[]; hasMore: boolean }> {
  const page = await store.list({ accountId: ACCT, limit: 100, ...query });
  return { ids: page.data.map((object) => object.id), hasMore: page.hasMore };
}

/**
 * `store`, except that the first `rivals` commits updating an object find a rival write got there
 * first: the wrapper commits a change of its own to that object (a metadata key `rival_<n>`), then
 * passes the batch on, so the store itself answers the conflict. Counts every commit it is given.
 */
function rivalled(store: Store, rivals: number): { store: Store; commits(): number } {
  let commits = 0;
  let left = rivals;
  const commit = async (batch: CommitBatch): Promise<CommitResult> => {
    commits += 1;
    const update = batch.puts.find((put) => put.expectedVersion > 0);
    if (update && left > 0) {
      left -= 1;
      const current = await store.get(batch.accountId, update.object.id);
      assert.ok(current !== null);
      const metadata = { ...(current.object['metadata'] as Record<string, string>), [`rival_${left}`]: 'won' };
      const rival = await store.commit({
        accountId: batch.accountId,
        puts: [{ object: { ...current.object, metadata }, expectedVersion: current.version }],
        events: [],
      });
      assert.equal(rival.ok, true);
    }
    return store.commit(batch);
  };
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === 'commit') return commit;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, commits: () => commits };
}

export function runStoreContract(
  name: string,
  newStore: () => Promise<StoreUnderTest>,
  options: StoreContractOptions = {},
): void {
  /** A test body run against a fresh store (migrated unless `migrate: false`), always cleaned up. */
  function test(
    title: string,
    body: (store: Store, t: TestContext) => Promise<void>,
    config: { migrate?: boolean } = {},
  ): void {
    it(title, async (t) => {
      const { store, cleanup } = await newStore();
      try {
        if (config.migrate !== false) await store.migrate();
        await body(store, t);
      } finally {
        await cleanup();
      }
    });
  }

  describe(`store contract: ${name}`, () => {
    describe('migrations', () => {
      test(
        'migrate() is idempotent: a second run changes nothing and keeps data',
        async (store) => {
          await store.migrate();
          await store.insertAccount(account(ACCT, 1), []);
          await insertNew(store, [storedObject('obj_1', 'thing', 1)]);
          await store.migrate();
          assert.equal((await store.getAccount(ACCT))?.id, ACCT);
          assert.equal((await store.get(ACCT, 'obj_1'))?.version, 1);
        },
        { migrate: false },
      );

      test(
        'concurrent migrate() calls on a fresh database all succeed',
        async (store) => {
          await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
          await insertNew(store, [storedObject('obj_1', 'thing', 1)]);
          assert.equal((await store.get(ACCT, 'obj_1'))?.version, 1);
        },
        { migrate: false },
      );

      if (options.migrations) {
        const list = options.migrations;
        it('migrations are numbered and named like every other adapter', () => {
          assert.deepEqual(
            list.map(({ version, name: n }) => ({ version, name: n })),
            storeMigrationHistory,
          );
        });
      }

      test('dialect is declared', async (store) => {
        assert.ok(store.dialect === 'sqlite' || store.dialect === 'postgres');
      });
    });

    describe('accounts and API keys', () => {
      test('insert, get, list (oldest first), update', async (store) => {
        const settings = { branding: { name: 'Café ☕', colors: ['#fff', '#000'] }, flags: { a: true, n: null } };
        await store.insertAccount(account('acct_2', 2_000, { clockOffsetMs: -5_000, settings }), []);
        await store.insertAccount(account('acct_1', 1_000), []);
        assert.deepEqual(
          await store.getAccount('acct_2'),
          account('acct_2', 2_000, { clockOffsetMs: -5_000, settings }),
        );
        assert.equal(await store.getAccount('acct_missing'), null);
        assert.deepEqual(
          (await store.listAccounts()).map((a) => a.id),
          ['acct_1', 'acct_2'],
        );

        const later = {
          ...account('acct_1', 1_000),
          clockOffsetMs: 86_400_000 * 365 * 10,
          settings: { x: [1, { y: 'z' }] },
        };
        await store.updateAccount(later);
        assert.deepEqual(await store.getAccount('acct_1'), later);
        // `created` is not something update changes.
        await store.updateAccount({ ...later, created: 99 });
        assert.equal((await store.getAccount('acct_1'))?.created, 1_000);
      });

      test('api keys: inserted with the account, added later, found by hash', async (store) => {
        const secret = apiKey('a'.repeat(64), ACCT, 'secret');
        const publishable = apiKey('b'.repeat(64), ACCT, 'publishable');
        await store.insertAccount(account(ACCT, 1), [secret, publishable]);
        assert.deepEqual(await store.findApiKey(secret.hash), secret);
        assert.deepEqual(await store.findApiKey(publishable.hash), publishable);
        assert.equal(await store.findApiKey('c'.repeat(64)), null);

        const added = apiKey('d'.repeat(64), ACCT);
        await store.addApiKey(added);
        assert.deepEqual(await store.findApiKey(added.hash), added);
        await assert.rejects(store.addApiKey(added), 'a hash is unique');
      });

      test('a connected account names its platform (Connect); others name none', async (store) => {
        await store.insertAccount(account(ACCT, 1), []);
        await store.insertAccount(account('acct_shop', 2, { platformId: ACCT }), []);
        assert.equal((await store.getAccount('acct_shop'))?.platformId, ACCT);
        assert.equal((await store.getAccount(ACCT))?.platformId, null);
        assert.deepEqual(
          (await store.listAccounts()).map((a) => [a.id, a.platformId]),
          [
            [ACCT, null],
            ['acct_shop', ACCT],
          ],
        );
      });

      test('insertAccount is atomic: a failing key leaves no account behind', async (store) => {
        const key = apiKey('e'.repeat(64), ACCT);
        await assert.rejects(store.insertAccount(account(ACCT, 1), [key, { ...key }]));
        assert.equal(await store.getAccount(ACCT), null);
        assert.equal(await store.findApiKey(key.hash), null);
      });
    });

    describe('server settings', () => {
      test('created with the given value if absent; afterwards the stored value wins', async (store) => {
        assert.equal(await store.setting('fingerprint_secret', 'first'), 'first');
        assert.equal(await store.setting('fingerprint_secret', 'second'), 'first');
        assert.equal(await store.setting('other', 'ünïcødé 🔐'), 'ünïcødé 🔐');
        assert.equal(await store.setting('fingerprint_secret', ''), 'first');
      });

      test('concurrent first calls all get the same value', async (store) => {
        const values = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setting('race', `value-${i}`)));
        assert.equal(new Set(values).size, 1, JSON.stringify(values));
        assert.match(values[0]!, /^value-\d+$/);
      });
    });

    describe('get', () => {
      test('returns the object and its version, scoped by account', async (store) => {
        await insertNew(store, [storedObject('pi_1', 'payment_intent', 10, { amount: 100 })]);
        assert.deepEqual(await store.get(ACCT, 'pi_1'), {
          object: storedObject('pi_1', 'payment_intent', 10, { amount: 100 }),
          version: 1,
        });
        assert.equal(await store.get(OTHER, 'pi_1'), null, "another account's id is not found");
        assert.equal(await store.get(ACCT, 'pi_missing'), null);
      });
    });

    describe('getText (the fast read path; optional)', () => {
      test('the exact stored JSON with its type and version, scoped by account, following updates', async (store) => {
        if (!store.getText) {
          // An adapter without it: the engine's loadText answers null and callers use `get`.
          assert.equal(store.getText, undefined);
          return;
        }
        const object = storedObject('pi_text', 'payment_intent', 10, {
          zeta: 1,
          alpha: 'é 😀',
          _internal: { kept: true },
        });
        await insertNew(store, [object]);
        assert.deepEqual(await store.getText(ACCT, 'pi_text'), {
          type: 'payment_intent',
          version: 1,
          data: JSON.stringify(object),
        });
        assert.equal(await store.getText(OTHER, 'pi_text'), null, "another account's id is not found");
        assert.equal(await store.getText(ACCT, 'pi_missing'), null);
        const updated = { ...object, amount: 5 };
        await store.commit({ accountId: ACCT, puts: [{ object: updated, expectedVersion: 1 }], events: [] });
        assert.deepEqual(await store.getText(ACCT, 'pi_text'), {
          type: 'payment_intent',
          version: 2,
          data: JSON.stringify(updated),
        });
        assert.equal(await store.getText(OTHER, 'pi_text'), null);
        // Events are type "event"; the other account's objects are its own only.
        await store.commit({
          accountId: ACCT,
          puts: [],
          events: [storedObject('evt_text', 'event', 10, { type: 'thing.created' })],
        });
        await insertNew(store, [storedObject('pi_other_text', 'payment_intent', 10)], OTHER);
        assert.equal((await store.getText(ACCT, 'evt_text'))?.type, 'event');
        assert.equal(await store.getText(OTHER, 'evt_text'), null);
        assert.equal((await store.getText(OTHER, 'pi_other_text'))?.version, 1);
        assert.equal(await store.getText(ACCT, 'pi_other_text'), null);
      });
    });

    describe('list', () => {
      /** o0 … o6, created 100, 100, 100, 101, 101, 102, 102: o6 is the newest. */
      async function seven(store: Store): Promise<void> {
        const created = [100, 100, 100, 101, 101, 102, 102];
        await insertNew(
          store,
          created.map((c, i) => storedObject(`o${i}`, 'thing', c)),
        );
      }

      test('newest first, objects created in the same second in reverse insertion order', async (store) => {
        // Inserted out of `created` order on purpose.
        await insertNew(store, [
          storedObject('a', 'thing', 200),
          storedObject('b', 'thing', 100),
          storedObject('c', 'thing', 200),
          storedObject('d', 'thing', 100),
        ]);
        assert.deepEqual(await ids(store, { type: 'thing' }), { ids: ['c', 'a', 'd', 'b'], hasMore: false });
      });

      test('only the account and type asked for; events are type "event"', async (store) => {
        await insertNew(store, [storedObject('t1', 'thing', 1), storedObject('w1', 'widget', 1)]);
        await insertNew(store, [storedObject('t2', 'thing', 1)], OTHER);
        await store.commit({
          accountId: ACCT,
          puts: [],
          events: [storedObject('evt_1', 'event', 1, { type: 'thing.created' })],
        });
        assert.deepEqual((await ids(store, { type: 'thing' })).ids, ['t1']);
        assert.deepEqual((await ids(store, { type: 'widget' })).ids, ['w1']);
        assert.deepEqual((await ids(store, { type: 'event' })).ids, ['evt_1']);
        assert.deepEqual((await ids(store, { type: 'nothing' })).ids, []);
      });

      test('limit and has_more', async (store) => {
        await seven(store);
        assert.deepEqual(await ids(store, { type: 'thing', limit: 3 }), { ids: ['o6', 'o5', 'o4'], hasMore: true });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 6 }), {
          ids: ['o6', 'o5', 'o4', 'o3', 'o2', 'o1'],
          hasMore: true,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 7 }), {
          ids: ['o6', 'o5', 'o4', 'o3', 'o2', 'o1', 'o0'],
          hasMore: false,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 100 }), {
          ids: ['o6', 'o5', 'o4', 'o3', 'o2', 'o1', 'o0'],
          hasMore: false,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 1 }), { ids: ['o6'], hasMore: true });
      });

      test('starting_after pages forward (older), across same-second objects', async (store) => {
        await seven(store);
        assert.deepEqual(await ids(store, { type: 'thing', limit: 3, startingAfter: 'o4' }), {
          ids: ['o3', 'o2', 'o1'],
          hasMore: true,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 3, startingAfter: 'o1' }), {
          ids: ['o0'],
          hasMore: false,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 3, startingAfter: 'o0' }), {
          ids: [],
          hasMore: false,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 2, startingAfter: 'o2' }), {
          ids: ['o1', 'o0'],
          hasMore: false,
        });
        // Walking every page with limit 2 sees every object exactly once.
        const seen: string[] = [];
        let after: string | undefined;
        for (let pages = 1; ; pages += 1) {
          assert.ok(pages <= 4, 'seven objects fit in four pages of two');
          const page = await ids(store, { type: 'thing', limit: 2, ...(after ? { startingAfter: after } : {}) });
          seen.push(...page.ids);
          if (!page.hasMore) break;
          after = page.ids.at(-1);
        }
        assert.deepEqual(seen, ['o6', 'o5', 'o4', 'o3', 'o2', 'o1', 'o0']);
      });

      test('ending_before pages backward (newer), still newest first within the page', async (store) => {
        await seven(store);
        assert.deepEqual(await ids(store, { type: 'thing', limit: 3, endingBefore: 'o0' }), {
          ids: ['o3', 'o2', 'o1'],
          hasMore: true,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 3, endingBefore: 'o3' }), {
          ids: ['o6', 'o5', 'o4'],
          hasMore: false,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 3, endingBefore: 'o5' }), {
          ids: ['o6'],
          hasMore: false,
        });
        assert.deepEqual(await ids(store, { type: 'thing', limit: 3, endingBefore: 'o6' }), {
          ids: [],
          hasMore: false,
        });
        const seen: string[] = [];
        let before = 'o0';
        for (let pages = 1; ; pages += 1) {
          assert.ok(pages <= 3, 'six objects fit in three pages of two');
          const page = await ids(store, { type: 'thing', limit: 2, endingBefore: before });
          seen.unshift(...page.ids);
          if (!page.hasMore) break;
          before = page.ids[0]!;
        }
        assert.deepEqual(seen, ['o6', 'o5', 'o4', 'o3', 'o2', 'o1']);
      });

      test('a cursor that is unknown, of another type or of another account gives an empty page', async (store) => {
        await seven(store);
        await insertNew(store, [storedObject('w1', 'widget', 101)]);
        await insertNew(store, [storedObject('x1', 'thing', 101)], OTHER);
        for (const cursor of ['o_missing', 'w1', 'x1']) {
          assert.deepEqual(
            await ids(store, { type: 'thing', startingAfter: cursor }),
            { ids: [], hasMore: false },
            cursor,
          );
          assert.deepEqual(
            await ids(store, { type: 'thing', endingBefore: cursor }),
            { ids: [], hasMore: false },
            cursor,
          );
        }
      });

      test('created filters (gt, gte, lt, lte, combined, with cursors)', async (store) => {
        await seven(store);
        assert.deepEqual((await ids(store, { type: 'thing', created: { gt: 100 } })).ids, ['o6', 'o5', 'o4', 'o3']);
        assert.deepEqual((await ids(store, { type: 'thing', created: { gte: 101 } })).ids, ['o6', 'o5', 'o4', 'o3']);
        assert.deepEqual((await ids(store, { type: 'thing', created: { lt: 101 } })).ids, ['o2', 'o1', 'o0']);
        assert.deepEqual((await ids(store, { type: 'thing', created: { lte: 101 } })).ids, [
          'o4',
          'o3',
          'o2',
          'o1',
          'o0',
        ]);
        assert.deepEqual((await ids(store, { type: 'thing', created: { gte: 101, lte: 101 } })).ids, ['o4', 'o3']);
        assert.deepEqual((await ids(store, { type: 'thing', created: { gt: 102 } })).ids, []);
        assert.deepEqual(
          await ids(store, { type: 'thing', created: { gte: 100, lt: 102 }, limit: 2, startingAfter: 'o4' }),
          { ids: ['o3', 'o2'], hasMore: true },
        );
        assert.deepEqual(await ids(store, { type: 'thing', created: { lte: 101 }, limit: 2, endingBefore: 'o1' }), {
          ids: ['o3', 'o2'],
          hasMore: true,
        });
      });

      test('created filters work with times in milliseconds-scale numbers too', async (store) => {
        const big = 4_102_444_800; // 2100-01-01 in seconds: beyond 32 bits
        await insertNew(store, [storedObject('late', 'thing', big), storedObject('early', 'thing', 1)]);
        assert.deepEqual((await ids(store, { type: 'thing', created: { gte: big } })).ids, ['late']);
        assert.deepEqual((await ids(store, { type: 'thing' })).ids, ['late', 'early']);
      });
    });

    describe('list filters', () => {
      async function seed(store: Store): Promise<void> {
        await insertNew(store, [
          storedObject('f1', 'thing', 1, {
            status: 'succeeded',
            amount: 500,
            captured: true,
            customer: null,
            nested: { kind: 'card' },
            desc: 'a_b%c',
          }),
          storedObject('f2', 'thing', 2, {
            status: 'canceled',
            amount: 5,
            captured: false,
            customer: 'cus_1',
            nested: { kind: 'cash' },
            desc: 'axbyc',
          }),
          storedObject('f3', 'thing', 3, {
            status: 'requires_capture',
            amount: '500',
            captured: 'true',
            customer: 'cus_2',
            desc: 'b_a',
          }),
          storedObject('f4', 'thing', 4, {
            status: 'succeeded',
            amount: 500.0,
            captured: 0,
            customer: false,
            nested: null,
          }),
          storedObject('f5', 'thing', 5, { amount: 0, customer: '' }),
        ]);
      }
      const filtered = (store: Store, filters: ListQuery['filters']) =>
        ids(store, compact({ type: 'thing', filters })).then((r) => r.ids);

      test('eq on strings', async (store) => {
        await seed(store);
        assert.deepEqual(await filtered(store, [{ field: 'status', op: 'eq', value: 'succeeded' }]), ['f4', 'f1']);
        assert.deepEqual(await filtered(store, [{ field: 'status', op: 'eq', value: 'nope' }]), []);
        assert.deepEqual(await filtered(store, [{ field: 'customer', op: 'eq', value: '' }]), ['f5']);
        assert.deepEqual(
          await filtered(store, [{ field: 'amount', op: 'eq', value: '500' }]),
          ['f3'],
          'a string matches strings only',
        );
      });

      test('eq on numbers matches numbers only', async (store) => {
        await seed(store);
        assert.deepEqual(await filtered(store, [{ field: 'amount', op: 'eq', value: 500 }]), ['f4', 'f1']);
        assert.deepEqual(await filtered(store, [{ field: 'amount', op: 'eq', value: 0 }]), ['f5']);
        assert.deepEqual(await filtered(store, [{ field: 'amount', op: 'eq', value: 5 }]), ['f2']);
      });

      test('eq on booleans matches booleans, not strings', async (store) => {
        await seed(store);
        assert.deepEqual(await filtered(store, [{ field: 'captured', op: 'eq', value: true }]), ['f1']);
      });

      test('eq on booleans does not match the numbers 0 and 1', async (store) => {
        await seed(store);
        assert.deepEqual(await filtered(store, [{ field: 'captured', op: 'eq', value: false }]), ['f2']);
        assert.deepEqual(await filtered(store, [{ field: 'captured', op: 'eq', value: 0 }]), ['f4']);
      });

      test('eq null matches JSON null and a missing field, nothing falsy', async (store) => {
        await seed(store);
        assert.deepEqual(await filtered(store, [{ field: 'customer', op: 'eq', value: null }]), ['f1']);
        assert.deepEqual(await filtered(store, [{ field: 'status', op: 'eq', value: null }]), ['f5']);
        assert.deepEqual(await filtered(store, [{ field: 'captured', op: 'eq', value: null }]), ['f5']);
        assert.deepEqual(await filtered(store, [{ field: 'nested', op: 'eq', value: null }]), ['f5', 'f4', 'f3']);
      });

      test('nested fields (a.b)', async (store) => {
        await seed(store);
        assert.deepEqual(await filtered(store, [{ field: 'nested.kind', op: 'eq', value: 'card' }]), ['f1']);
        assert.deepEqual(await filtered(store, [{ field: 'nested.kind', op: 'eq', value: null }]), ['f5', 'f4', 'f3']);
      });

      test('in', async (store) => {
        await seed(store);
        assert.deepEqual(
          await filtered(store, [{ field: 'status', op: 'in', values: ['canceled', 'requires_capture'] }]),
          ['f3', 'f2'],
        );
        assert.deepEqual(await filtered(store, [{ field: 'status', op: 'in', values: ['succeeded'] }]), ['f4', 'f1']);
        assert.deepEqual(
          await filtered(store, [{ field: 'status', op: 'in', values: [] }]),
          [],
          'an empty list matches nothing',
        );
        assert.deepEqual(
          await filtered(store, [{ field: 'amount', op: 'in', values: ['500'] }]),
          ['f3'],
          'strings only',
        );
        assert.deepEqual(
          await filtered(store, [{ field: 'status', op: 'in', values: ["it's", 'a "quote"', '\\'] }]),
          [],
        );
      });

      test('prefix, with LIKE wildcards taken literally', async (store) => {
        await seed(store);
        assert.deepEqual(await filtered(store, [{ field: 'status', op: 'prefix', value: 'succ' }]), ['f4', 'f1']);
        assert.deepEqual(await filtered(store, [{ field: 'status', op: 'prefix', value: 'requires_' }]), ['f3']);
        assert.deepEqual(
          await filtered(store, [{ field: 'desc', op: 'prefix', value: 'a_b%' }]),
          ['f1'],
          '_ and % are not wildcards',
        );
        assert.deepEqual(await filtered(store, [{ field: 'desc', op: 'prefix', value: 'a_' }]), ['f1']);
        assert.deepEqual(await filtered(store, [{ field: 'status', op: 'prefix', value: '' }]), [
          'f4',
          'f3',
          'f2',
          'f1',
        ]);
        assert.deepEqual(await filtered(store, [{ field: 'status', op: 'prefix', value: 'x' }]), []);
      });

      test('prefix is case-sensitive', async (store) => {
        await insertNew(store, [
          storedObject('upper', 'thing', 1, { desc: 'Abc' }),
          storedObject('lower', 'thing', 2, { desc: 'abc' }),
        ]);
        assert.deepEqual(await filtered(store, [{ field: 'desc', op: 'prefix', value: 'Ab' }]), ['upper']);
        assert.deepEqual(await filtered(store, [{ field: 'desc', op: 'prefix', value: 'ab' }]), ['lower']);
      });

      test('several filters are ANDed, and combine with cursors and limits', async (store) => {
        await seed(store);
        assert.deepEqual(
          await filtered(store, [
            { field: 'status', op: 'eq', value: 'succeeded' },
            { field: 'captured', op: 'eq', value: true },
          ]),
          ['f1'],
        );
        assert.deepEqual(
          await ids(store, {
            type: 'thing',
            limit: 1,
            filters: [{ field: 'amount', op: 'eq', value: 500 }],
          }),
          { ids: ['f4'], hasMore: true },
        );
        assert.deepEqual(
          await ids(store, {
            type: 'thing',
            limit: 1,
            startingAfter: 'f4',
            filters: [{ field: 'amount', op: 'eq', value: 500 }],
          }),
          { ids: ['f1'], hasMore: false },
        );
      });

      test('a malformed field name is refused', async (store) => {
        await assert.rejects(filtered(store, [{ field: "x'); DROP TABLE objects; --", op: 'eq', value: 1 }]));
      });
    });

    describe('commit', () => {
      test("alongside (Connect): another account's objects and events commit in the same transaction, or not at all", async (store) => {
        const fee = storedObject('fee_1', 'application_fee', 5);
        const feeEvent = {
          ...storedObject('evt_fee', 'event', 5),
          type: 'application_fee.created',
          data: { object: fee },
        };
        const charge = storedObject('ch_1', 'charge', 5);
        assert.equal(
          (
            await store.commit({
              accountId: ACCT,
              puts: [{ object: charge, expectedVersion: 0 }],
              events: [],
              alongside: [{ accountId: OTHER, puts: [{ object: fee, expectedVersion: 0 }], events: [feeEvent] }],
            })
          ).ok,
          true,
        );
        assert.equal((await store.get(OTHER, 'fee_1'))?.object.object, 'application_fee');
        assert.equal((await store.get(OTHER, 'evt_fee'))?.object['type'], 'application_fee.created');
        assert.equal(await store.get(ACCT, 'fee_1'), null, 'each object in its own account');
        assert.equal(await store.get(OTHER, 'ch_1'), null);
        // A conflict on the main part leaves the other account's part unwritten too.
        const failed = await store.commit({
          accountId: ACCT,
          puts: [{ object: { ...charge, paid: true }, expectedVersion: 9 }],
          events: [],
          alongside: [
            {
              accountId: OTHER,
              puts: [{ object: storedObject('fee_2', 'application_fee', 6), expectedVersion: 0 }],
              events: [],
            },
          ],
        });
        assert.equal(failed.ok, false);
        assert.equal(await store.get(OTHER, 'fee_2'), null);
      });

      test('insert at version 1, each update adds 1', async (store) => {
        const v1 = storedObject('pi_1', 'payment_intent', 1, { status: 'requires_payment_method' });
        await insertNew(store, [v1]);
        const v2 = { ...v1, status: 'succeeded' };
        assert.deepEqual(
          await store.commit({ accountId: ACCT, puts: [{ object: v2, expectedVersion: 1 }], events: [] }),
          { ok: true, deliveries: 0 },
        );
        assert.deepEqual(await store.get(ACCT, 'pi_1'), { object: v2, version: 2 });
        assert.deepEqual(
          await store.commit({ accountId: ACCT, puts: [{ object: v1, expectedVersion: 2 }], events: [] }),
          { ok: true, deliveries: 0 },
        );
        assert.deepEqual(await store.get(ACCT, 'pi_1'), { object: v1, version: 3 });
      });

      test('a stale version is a conflict naming the object, and writes nothing', async (store) => {
        const v1 = storedObject('pi_1', 'payment_intent', 1, { status: 'a' });
        await insertNew(store, [v1]);
        await store.commit({
          accountId: ACCT,
          puts: [{ object: { ...v1, status: 'b' }, expectedVersion: 1 }],
          events: [],
        });
        for (const stale of [1, 3, 99]) {
          assert.deepEqual(
            await store.commit({
              accountId: ACCT,
              puts: [{ object: { ...v1, status: 'c' }, expectedVersion: stale }],
              events: [],
            }),
            { ok: false, conflictId: 'pi_1' },
          );
        }
        assert.deepEqual(await store.get(ACCT, 'pi_1'), { object: { ...v1, status: 'b' }, version: 2 });
      });

      test('updating a missing object, or one of another account, is a conflict', async (store) => {
        await insertNew(store, [storedObject('pi_other', 'payment_intent', 1)], OTHER);
        for (const id of ['pi_missing', 'pi_other']) {
          assert.deepEqual(
            await store.commit({
              accountId: ACCT,
              puts: [{ object: storedObject(id, 'payment_intent', 1), expectedVersion: 1 }],
              events: [],
            }),
            { ok: false, conflictId: id },
          );
        }
        assert.equal((await store.get(OTHER, 'pi_other'))?.version, 1);
      });

      test('atomic: a batch whose second put conflicts writes nothing, events included', async (store) => {
        const existing = storedObject('ch_1', 'charge', 1, { amount: 1 });
        await insertNew(store, [existing]);
        const result = await store.commit({
          accountId: ACCT,
          puts: [
            { object: storedObject('pi_new', 'payment_intent', 2), expectedVersion: 0, deadlineMs: 10 },
            { object: { ...existing, amount: 2 }, expectedVersion: 7 },
          ],
          events: [storedObject('evt_1', 'event', 2, { type: 'payment_intent.created' })],
        });
        assert.deepEqual(result, { ok: false, conflictId: 'ch_1' });
        assert.equal(await store.get(ACCT, 'pi_new'), null);
        assert.equal(await store.get(ACCT, 'evt_1'), null);
        assert.deepEqual((await ids(store, { type: 'event' })).ids, []);
        assert.deepEqual(await store.due(ACCT, 1_000, 10), []);
        assert.deepEqual(await store.get(ACCT, 'ch_1'), { object: existing, version: 1 });
      });

      test('atomic: an earlier update is rolled back when a later one conflicts', async (store) => {
        const a = storedObject('a', 'thing', 1, { n: 1 });
        const b = storedObject('b', 'thing', 1, { n: 1 });
        await insertNew(store, [a, b]);
        assert.deepEqual(
          await store.commit({
            accountId: ACCT,
            puts: [
              { object: { ...a, n: 2 }, expectedVersion: 1 },
              { object: { ...b, n: 2 }, expectedVersion: 2 },
            ],
            events: [],
          }),
          { ok: false, conflictId: 'b' },
        );
        assert.deepEqual(await store.get(ACCT, 'a'), { object: a, version: 1 });
        // The same batch with the right versions goes through whole.
        assert.deepEqual(
          await store.commit({
            accountId: ACCT,
            puts: [
              { object: { ...a, n: 2 }, expectedVersion: 1 },
              { object: { ...b, n: 2 }, expectedVersion: 1 },
            ],
            events: [storedObject('evt_ab', 'event', 2)],
          }),
          { ok: true, deliveries: 0 },
        );
        assert.equal((await store.get(ACCT, 'a'))?.version, 2);
        assert.equal((await store.get(ACCT, 'b'))?.version, 2);
        assert.equal((await store.get(ACCT, 'evt_ab'))?.version, 1);
      });

      test('creating an id that exists does not succeed and writes nothing', async (store) => {
        await insertNew(store, [storedObject('dup', 'thing', 1, { n: 1 })]);
        const outcome = await store
          .commit({
            accountId: ACCT,
            puts: [
              { object: storedObject('fresh', 'thing', 2), expectedVersion: 0 },
              { object: storedObject('dup', 'thing', 2, { n: 2 }), expectedVersion: 0 },
            ],
            events: [storedObject('evt_dup', 'event', 2)],
          })
          .then(
            (result: CommitResult) => result,
            () => 'rejected' as const,
          );
        assert.ok(outcome === 'rejected' || !outcome.ok, 'the duplicate create is not ok');
        assert.deepEqual(await store.get(ACCT, 'dup'), {
          object: storedObject('dup', 'thing', 1, { n: 1 }),
          version: 1,
        });
        assert.equal(await store.get(ACCT, 'fresh'), null);
        assert.equal(await store.get(ACCT, 'evt_dup'), null);
      });

      test('events are stored as type "event", listed newest first, retrievable by id', async (store) => {
        const events = [1, 2, 3].map((i) =>
          storedObject(`evt_${i}`, 'event', 10, { type: 'thing.updated', data: { object: { n: i } } }),
        );
        assert.deepEqual(
          await store.commit({
            accountId: ACCT,
            puts: [{ object: storedObject('t', 'thing', 10), expectedVersion: 0 }],
            events,
          }),
          { ok: true, deliveries: 0 },
        );
        assert.deepEqual((await ids(store, { type: 'event' })).ids, ['evt_3', 'evt_2', 'evt_1']);
        assert.deepEqual(await store.get(ACCT, 'evt_2'), { object: events[1], version: 1 });
        assert.equal(await store.get(OTHER, 'evt_2'), null);
        assert.deepEqual(
          (await ids(store, { type: 'event', filters: [{ field: 'type', op: 'prefix', value: 'thing.' }] })).ids.length,
          3,
        );
      });

      test('concurrent commits on the same object: exactly one wins each version', async (store) => {
        const base = storedObject('pi_race', 'payment_intent', 1, { writer: -1 });
        await insertNew(store, [base]);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, writer) =>
            store.commit({
              accountId: ACCT,
              puts: [{ object: { ...base, writer }, expectedVersion: 1 }],
              events: [storedObject(`evt_race_${writer}`, 'event', 1)],
            }),
          ),
        );
        const winners = results.flatMap((result, writer) => (result.ok ? [writer] : []));
        assert.equal(winners.length, 1, JSON.stringify(results));
        for (const result of results) if (!result.ok) assert.equal(result.conflictId, 'pi_race');
        assert.deepEqual(await store.get(ACCT, 'pi_race'), { object: { ...base, writer: winners[0] }, version: 2 });
        assert.deepEqual(
          (await ids(store, { type: 'event' })).ids,
          [`evt_race_${winners[0]}`],
          "only the winner's event is stored",
        );
      });

      test('concurrent read-modify-write loops lose no update', async (store) => {
        await insertNew(store, [storedObject('counter', 'thing', 1, { n: 0 })]);
        const increment = async (): Promise<number> => {
          for (let attempt = 1; ; attempt++) {
            const record = (await store.get<StoredObject & { n: number }>(ACCT, 'counter'))!;
            const result = await store.commit({
              accountId: ACCT,
              puts: [{ object: { ...record.object, n: record.object.n + 1 }, expectedVersion: record.version }],
              events: [],
            });
            if (result.ok) return attempt;
          }
        };
        await Promise.all(Array.from({ length: 10 }, increment));
        assert.deepEqual(await store.get(ACCT, 'counter'), {
          object: storedObject('counter', 'thing', 1, { n: 10 }),
          version: 11,
        });
      });
    });

    describe('due', () => {
      test('objects whose deadline has passed, oldest deadline first, limited, scoped by account', async (store) => {
        const put = (id: string, deadlineMs: number | null, accountId = ACCT) =>
          store.commit({
            accountId,
            puts: [{ object: storedObject(id, 'payment_intent', 1), expectedVersion: 0, deadlineMs }],
            events: [],
          });
        await put('d300', 300);
        await put('d100', 100);
        await put('none', null);
        await put('d250', 250);
        await put('d200', 200);
        await put('d500', 500);
        await put('other', 50, OTHER);
        await store.commit({
          accountId: ACCT,
          puts: [{ object: storedObject('undefined_deadline', 'thing', 1), expectedVersion: 0 }],
          events: [],
        });
        const due = async (now: number, limit = 10) => (await store.due(ACCT, now, limit)).map((r) => r.object.id);
        assert.deepEqual(await due(250), ['d100', 'd200', 'd250'], 'a deadline equal to now is due');
        assert.deepEqual(await due(250, 2), ['d100', 'd200']);
        assert.deepEqual(await due(99), []);
        assert.deepEqual(await due(10_000), ['d100', 'd200', 'd250', 'd300', 'd500']);
        assert.deepEqual((await store.due(ACCT, 250, 1))[0], {
          object: storedObject('d100', 'payment_intent', 1),
          version: 1,
        });
        assert.deepEqual(
          (await store.due(OTHER, 250, 10)).map((r) => r.object.id),
          ['other'],
        );
      });

      test('an update sets, moves, clears or keeps the deadline', async (store) => {
        const object = storedObject('pi_d', 'payment_intent', 1);
        await store.commit({ accountId: ACCT, puts: [{ object, expectedVersion: 0, deadlineMs: 100 }], events: [] });
        await store.commit({ accountId: ACCT, puts: [{ object, expectedVersion: 1, deadlineMs: 1_000 }], events: [] });
        assert.deepEqual(await store.due(ACCT, 500, 10), []);
        assert.deepEqual(
          (await store.due(ACCT, 1_000, 10)).map((r) => r.version),
          [2],
        );
        await store.commit({ accountId: ACCT, puts: [{ object, expectedVersion: 2, deadlineMs: null }], events: [] });
        assert.deepEqual(await store.due(ACCT, 10_000, 10), []);
        await store.commit({
          accountId: ACCT,
          puts: [{ object, expectedVersion: 3, deadlineMs: 1_700_000_000_000 }],
          events: [],
        });
        assert.deepEqual(await store.due(ACCT, 1_699_999_999_999, 10), []);
        assert.equal((await store.due(ACCT, 1_700_000_000_000, 10)).length, 1, 'ms timestamps beyond 32 bits');
        await store.commit({ accountId: ACCT, puts: [{ object, expectedVersion: 4 }], events: [] });
        assert.deepEqual(
          (await store.due(ACCT, 1_700_000_000_000, 10)).map((r) => r.version),
          [5],
          'an omitted deadline keeps the stored one',
        );
        await store.commit({ accountId: ACCT, puts: [{ object, expectedVersion: 5, deadlineMs: null }], events: [] });
        await store.commit({ accountId: ACCT, puts: [{ object, expectedVersion: 6 }], events: [] });
        assert.deepEqual(await store.due(ACCT, Number.MAX_SAFE_INTEGER, 10), [], 'kept cleared');
      });
    });

    describe('idempotency', () => {
      const T0 = 1_700_000_000_000;
      const LOCK = limits.idempotencyLockMs;
      const RETENTION = limits.idempotencyRetentionMs;

      test('begin → in_use while in flight → finish → replay; another request → mismatch', async (store) => {
        const idem = ownedKeys(store);
        assert.deepEqual(await idem.begin(ACCT, 'k1', 'h1', T0), { kind: 'started' });
        assert.deepEqual(await idem.begin(ACCT, 'k1', 'h1', T0 + 1), { kind: 'in_use' });
        assert.deepEqual(await idem.begin(ACCT, 'k1', 'h2', T0 + 1), { kind: 'in_use' });
        const body = JSON.stringify({ id: 'pi_1', description: 'Grüße 👋', nested: { a: [1, 2] } });
        await idem.finish(ACCT, 'k1', 200, body);
        assert.deepEqual(await idem.begin(ACCT, 'k1', 'h1', T0 + 2), { kind: 'replay', status: 200, body });
        assert.deepEqual(
          await idem.begin(ACCT, 'k1', 'h1', T0 + 3),
          { kind: 'replay', status: 200, body },
          'replays again',
        );
        assert.deepEqual(await idem.begin(ACCT, 'k1', 'h2', T0 + 4), { kind: 'mismatch' });
      });

      test('a mismatch names the endpoint the key was first used on when its hash records one', async (store) => {
        const idem = ownedKeys(store);
        await idem.begin(ACCT, 'ke', 'POST /v1/payment_intents d1', T0);
        await idem.finish(ACCT, 'ke', 200, '{}');
        assert.deepEqual(await idem.begin(ACCT, 'ke', 'POST /v1/refunds d2', T0 + 1), {
          kind: 'mismatch',
          firstEndpoint: 'POST /v1/payment_intents',
        });
        assert.deepEqual(
          await idem.begin(ACCT, 'ke', 'POST /v1/payment_intents d3', T0 + 2),
          { kind: 'mismatch', firstEndpoint: 'POST /v1/payment_intents' },
          'the caller compares endpoints',
        );
        await idem.begin(ACCT, 'kf', 'POST /v1/payment_intents d1', T0);
        assert.deepEqual(
          await idem.begin(ACCT, 'kf', 'POST /v1/refunds d2', T0 + LOCK + 1),
          { kind: 'mismatch', firstEndpoint: 'POST /v1/payment_intents' },
          'in flight, lock expired',
        );
        // A key stored before hashes carried their endpoint (the digest alone) still replays its request.
        await idem.begin(ACCT, 'kg', 'd4', T0);
        await idem.finish(ACCT, 'kg', 200, '{"id":"pi_old"}');
        assert.deepEqual(await idem.begin(ACCT, 'kg', 'POST /v1/payment_intents d4', T0 + 1), {
          kind: 'replay',
          status: 200,
          body: '{"id":"pi_old"}',
        });
        assert.deepEqual(await idem.begin(ACCT, 'kg', 'POST /v1/payment_intents d5', T0 + 2), { kind: 'mismatch' });
      });

      test('error responses replay too', async (store) => {
        await ownedKeys(store).begin(ACCT, 'k', 'h', T0);
        await ownedKeys(store).finish(ACCT, 'k', 402, '{"error":{"type":"card_error"}}');
        assert.deepEqual(await ownedKeys(store).begin(ACCT, 'k', 'h', T0 + 1), {
          kind: 'replay',
          status: 402,
          body: '{"error":{"type":"card_error"}}',
        });
      });

      test('keys are scoped by account', async (store) => {
        assert.deepEqual(await ownedKeys(store).begin(ACCT, 'k', 'h1', T0), { kind: 'started' });
        assert.deepEqual(await ownedKeys(store).begin(OTHER, 'k', 'h2', T0), { kind: 'started' });
        await ownedKeys(store).finish(ACCT, 'k', 200, 'a');
        assert.deepEqual(await ownedKeys(store).begin(OTHER, 'k', 'h2', T0 + 1), { kind: 'in_use' });
      });

      test('abandon forgets an in-flight key; it does not touch a finished one', async (store) => {
        const idem = ownedKeys(store);
        await idem.begin(ACCT, 'k', 'h1', T0);
        await idem.abandon(ACCT, 'k');
        assert.deepEqual(
          await idem.begin(ACCT, 'k', 'h2', T0 + 1),
          { kind: 'started' },
          'reusable, even for another request',
        );
        await idem.finish(ACCT, 'k', 201, 'done');
        await idem.abandon(ACCT, 'k');
        assert.deepEqual(await idem.begin(ACCT, 'k', 'h2', T0 + 2), { kind: 'replay', status: 201, body: 'done' });
        await idem.abandon(ACCT, 'never-begun');
      });

      test('an in-flight key whose lock expired is taken over', async (store) => {
        const idem = ownedKeys(store);
        assert.deepEqual(await idem.begin(ACCT, 'k', 'h1', T0), { kind: 'started' });
        assert.deepEqual(await idem.begin(ACCT, 'k', 'h1', T0 + LOCK - 1), { kind: 'in_use' });
        assert.deepEqual(
          await idem.begin(ACCT, 'k', 'h2', T0 + LOCK),
          { kind: 'mismatch' },
          'another request never takes the key over',
        );
        assert.deepEqual(
          await idem.begin(ACCT, 'k', 'h1', T0 + LOCK),
          { kind: 'started' },
          'taken over at lock expiry',
        );
        assert.deepEqual(
          await idem.begin(ACCT, 'k', 'h1', T0 + LOCK + 1),
          { kind: 'in_use' },
          'the new owner holds a fresh lock',
        );
        await idem.finish(ACCT, 'k', 200, 'second');
        assert.deepEqual(await idem.begin(ACCT, 'k', 'h1', T0 + LOCK + 2), {
          kind: 'replay',
          status: 200,
          body: 'second',
        });
      });

      test('a finished key older than the retention window starts afresh', async (store) => {
        const idem = ownedKeys(store);
        await idem.begin(ACCT, 'k', 'h1', T0);
        await idem.finish(ACCT, 'k', 200, 'old');
        assert.deepEqual(
          await idem.begin(ACCT, 'k', 'h2', T0 + RETENTION),
          { kind: 'mismatch' },
          'still retained at exactly the window',
        );
        assert.deepEqual(await idem.begin(ACCT, 'k', 'h1', T0 + RETENTION), {
          kind: 'replay',
          status: 200,
          body: 'old',
        });
        assert.deepEqual(await idem.begin(ACCT, 'k', 'h2', T0 + RETENTION + 1), { kind: 'started' });
        assert.deepEqual(await idem.begin(ACCT, 'k', 'h2', T0 + RETENTION + 2), { kind: 'in_use' });
        await idem.finish(ACCT, 'k', 200, 'new');
        assert.deepEqual(await idem.begin(ACCT, 'k', 'h2', T0 + RETENTION + 3), {
          kind: 'replay',
          status: 200,
          body: 'new',
        });
      });

      test('prune deletes finished keys created before the cutoff and says how many', async (store) => {
        const idem = ownedKeys(store);
        for (const [key, at] of [
          ['old1', T0],
          ['old2', T0 + 1],
          ['edge', T0 + 10],
          ['new', T0 + 20],
        ] as const) {
          await idem.begin(ACCT, key, 'h', at);
          await idem.finish(ACCT, key, 200, key);
        }
        await idem.begin(ACCT, 'flying', 'h', T0);
        assert.equal(await idem.prune(T0 + 10), 2);
        assert.equal(await idem.prune(T0 + 10), 0);
        assert.deepEqual(await idem.begin(ACCT, 'old1', 'other', T0 + 30), { kind: 'started' }, 'pruned: usable again');
        assert.deepEqual(await idem.begin(ACCT, 'edge', 'h', T0 + 30), { kind: 'replay', status: 200, body: 'edge' });
        assert.deepEqual(await idem.begin(ACCT, 'new', 'h', T0 + 30), { kind: 'replay', status: 200, body: 'new' });
        assert.deepEqual(
          await idem.begin(ACCT, 'flying', 'h', T0 + 30),
          { kind: 'in_use' },
          'in-flight keys are not pruned',
        );
      });

      test('long and non-ASCII keys', async (store) => {
        const long = 'k'.repeat(limits.idempotencyKeyLengthMax);
        const unicode = 'clé-🔑-ключ';
        for (const key of [long, unicode, 'it\'s "quoted" \\']) {
          assert.deepEqual(await ownedKeys(store).begin(ACCT, key, 'h', T0), { kind: 'started' }, key);
          await ownedKeys(store).finish(ACCT, key, 200, key);
          assert.deepEqual(await ownedKeys(store).begin(ACCT, key, 'h', T0 + 1), {
            kind: 'replay',
            status: 200,
            body: key,
          });
        }
      });

      test('concurrent begins with one key: exactly one starts', async (store) => {
        const results = await Promise.all(
          Array.from({ length: 20 }, () => ownedKeys(store).begin(ACCT, 'race', 'h', T0)),
        );
        assert.equal(results.filter((r) => r.kind === 'started').length, 1, JSON.stringify(results));
        assert.ok(results.every((r: IdempotencyBegin) => r.kind === 'started' || r.kind === 'in_use'));
      });

      test('concurrent takeovers of an expired key: exactly one starts', async (store) => {
        await ownedKeys(store).begin(ACCT, 'race', 'h', T0);
        const results = await Promise.all(
          Array.from({ length: 20 }, () => ownedKeys(store).begin(ACCT, 'race', 'h', T0 + LOCK + 1)),
        );
        assert.equal(results.filter((r) => r.kind === 'started').length, 1, JSON.stringify(results));
      });

      /** Begins `key` for a request owning `token`; the commit that records `effect` under it. */
      const keyed = (
        key: string,
        token: string,
        effect: string,
        puts: StoredObject[],
        events: StoredObject[] = [],
      ) => ({
        accountId: ACCT,
        puts: puts.map((object) => ({ object, expectedVersion: 0 })),
        events,
        idempotency: { key, token, effect },
      });

      test('a commit records its effect on the key; after the lock a retry recovers it instead of running again', async (store) => {
        assert.deepEqual(await store.idempotency.begin(ACCT, 'k', 'h', T0, 'tokA'), { kind: 'started' });
        assert.deepEqual(
          await store.commit(keyed('k', 'tokA', 'effect-1', [storedObject('pi_k', 'payment_intent', 1)])),
          { ok: true, deliveries: 0 },
        );
        assert.deepEqual(
          await store.commit({ ...keyed('k', 'tokA', 'effect-2', []), puts: [] }),
          { ok: true, deliveries: 0 },
          'a later commit of the same request replaces the effect',
        );
        assert.deepEqual(await store.idempotency.begin(ACCT, 'k', 'h', T0 + LOCK - 1, 'tokB'), { kind: 'in_use' });
        assert.deepEqual(await store.idempotency.begin(ACCT, 'k', 'other', T0 + LOCK, 'tokB'), { kind: 'mismatch' });
        assert.deepEqual(await store.idempotency.begin(ACCT, 'k', 'h', T0 + LOCK, 'tokB'), {
          kind: 'recover',
          token: 'tokA',
          effect: 'effect-2',
        });
        assert.deepEqual(
          await store.idempotency.begin(ACCT, 'k', 'h', T0 + LOCK + 1, 'tokC'),
          { kind: 'recover', token: 'tokA', effect: 'effect-2' },
          'still not taken over: every retry recovers until the answer is stored',
        );
        await store.idempotency.abandon(ACCT, 'k', 'tokA');
        assert.equal(
          (await store.idempotency.begin(ACCT, 'k', 'h', T0 + LOCK + 2, 'tokD')).kind,
          'recover',
          'a key with an effect is never abandoned',
        );
        await store.idempotency.finish(ACCT, 'k', 200, 'answer', 'tokA');
        assert.deepEqual(await store.idempotency.begin(ACCT, 'k', 'h', T0 + LOCK + 3, 'tokE'), {
          kind: 'replay',
          status: 200,
          body: 'answer',
        });
      });

      test("a key taken over fails the old holder's commit as a whole", async (store) => {
        await store.idempotency.begin(ACCT, 'k', 'h', T0, 'old');
        assert.deepEqual(
          await store.idempotency.begin(ACCT, 'k', 'h', T0 + LOCK, 'new'),
          { kind: 'started' },
          'no effect: taken over',
        );
        const event = storedObject('evt_old', 'event', 1, { type: 'payment_intent.created', data: { object: {} } });
        assert.deepEqual(
          await store.commit(keyed('k', 'old', 'old-effect', [storedObject('pi_old', 'payment_intent', 1)], [event])),
          { ok: false, conflictId: 'k', keyLost: true },
        );
        assert.equal(await store.get(ACCT, 'pi_old'), null, 'no object');
        assert.equal(await store.get(ACCT, 'evt_old'), null, 'no event');
        await store.idempotency.finish(ACCT, 'k', 200, 'old answer', 'old');
        await store.idempotency.abandon(ACCT, 'k', 'old');
        assert.deepEqual(
          await store.idempotency.begin(ACCT, 'k', 'h', T0 + LOCK + 1, 'third'),
          { kind: 'in_use' },
          'the old holder neither finished nor released it',
        );
        assert.deepEqual(
          await store.commit(keyed('k', 'new', 'new-effect', [storedObject('pi_new', 'payment_intent', 1)])),
          { ok: true, deliveries: 0 },
        );
        assert.deepEqual(await store.idempotency.begin(ACCT, 'k', 'h', T0 + 2 * LOCK + 1, 'fourth'), {
          kind: 'recover',
          token: 'new',
          effect: 'new-effect',
        });
        assert.deepEqual(
          await store.commit({ ...keyed('k', 'x', 'e', []), accountId: OTHER }),
          { ok: false, conflictId: 'k', keyLost: true },
          'keys are scoped by account',
        );
      });

      test('a commit that conflicts records no effect; a finished key takes no effect', async (store) => {
        await store.idempotency.begin(ACCT, 'k', 'h', T0, 'tok');
        const stale = {
          accountId: ACCT,
          puts: [{ object: storedObject('pi_missing', 'payment_intent', 1), expectedVersion: 3 }],
          events: [],
          idempotency: { key: 'k', token: 'tok', effect: 'never' },
        };
        assert.deepEqual(await store.commit(stale), { ok: false, conflictId: 'pi_missing' });
        assert.deepEqual(
          await store.idempotency.begin(ACCT, 'k', 'h', T0 + LOCK, 'tok2'),
          { kind: 'started' },
          'no effect recorded: taken over',
        );
        await store.idempotency.finish(ACCT, 'k', 200, 'done', 'tok2');
        assert.deepEqual(
          await store.commit(keyed('k', 'tok2', 'late', [storedObject('pi_late', 'payment_intent', 1)])),
          { ok: false, conflictId: 'k', keyLost: true },
        );
        assert.equal(await store.get(ACCT, 'pi_late'), null);
      });

      test('concurrent keyed commits: a lost key fails only its own batch', async (store) => {
        for (const key of ['a', 'b', 'c']) await store.idempotency.begin(ACCT, key, 'h', T0, `tok-${key}`);
        const results = await Promise.all([
          store.commit(keyed('a', 'tok-a', 'ea', [storedObject('pi_a', 'payment_intent', 1)])),
          store.commit(keyed('b', 'wrong', 'eb', [storedObject('pi_b', 'payment_intent', 1)])),
          store.commit(keyed('c', 'tok-c', 'ec', [storedObject('pi_c', 'payment_intent', 1)])),
        ]);
        assert.deepEqual(results, [
          { ok: true, deliveries: 0 },
          { ok: false, conflictId: 'b', keyLost: true },
          { ok: true, deliveries: 0 },
        ]);
        assert.deepEqual((await ids(store, { type: 'payment_intent' })).ids.sort(), ['pi_a', 'pi_c']);
      });

      // An adapter may send the calls of concurrent requests together (PostgreSQL batches them into one
      // statement per kind): every request must still get its own outcome, and one failing must not
      // fail or undo its neighbours.
      test('30 requests at once: each claims, commits and answers on its own; failures stay their own', async (store) => {
        const keys = Array.from({ length: 30 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
        await insertNew(store, [storedObject('pi_shared', 'payment_intent', 1)]);
        const begun = await Promise.all(
          keys.map((key) => store.idempotency.begin(ACCT, key, `h-${key}`, T0, `tok-${key}`)),
        );
        assert.deepEqual(
          begun,
          keys.map(() => ({ kind: 'started' })),
        );
        const results = await Promise.all(
          keys.map((key, i) => {
            if (i === 7)
              return store.commit(keyed(key, 'not-its-token', 'e', [storedObject(`pi_${key}`, 'payment_intent', 1)]));
            // Both load version 1 of one object: exactly one of them wins.
            if (i === 11 || i === 12) {
              return store.commit({
                ...keyed(key, `tok-${key}`, `effect-${key}`, []),
                puts: [{ object: storedObject('pi_shared', 'payment_intent', 1, { by: key }), expectedVersion: 1 }],
              });
            }
            const event = storedObject(`evt_${key}`, 'event', 1, {
              type: 'payment_intent.created',
              data: { object: {} },
            });
            return store.commit(
              keyed(key, `tok-${key}`, `effect-${key}`, [storedObject(`pi_${key}`, 'payment_intent', 1)], [event]),
            );
          }),
        );
        assert.deepEqual(results[7], { ok: false, conflictId: keys[7], keyLost: true });
        const racing = [results[11]!, results[12]!];
        assert.equal(racing.filter((r) => r.ok).length, 1, JSON.stringify(racing));
        assert.deepEqual(
          racing.find((r) => !r.ok),
          { ok: false, conflictId: 'pi_shared' },
        );
        const others = keys.filter((_, i) => i !== 7 && i !== 11 && i !== 12);
        for (const key of others) assert.deepEqual(results[keys.indexOf(key)], { ok: true, deliveries: 0 }, key);
        assert.deepEqual(
          (await ids(store, { type: 'payment_intent' })).ids.sort(),
          ['pi_shared', ...others.map((key) => `pi_${key}`)].sort(),
        );
        assert.equal((await ids(store, { type: 'event' })).ids.length, others.length);
        await Promise.all(keys.map((key) => store.idempotency.finish(ACCT, key, 200, `answer-${key}`, `tok-${key}`)));
        const replays = await Promise.all(
          keys.map((key) => store.idempotency.begin(ACCT, key, `h-${key}`, T0 + 1, 'later')),
        );
        assert.deepEqual(
          replays,
          keys.map((key) => ({ kind: 'replay', status: 200, body: `answer-${key}` })),
        );
      });
    });

    describe('JSON round trip', () => {
      const tricky = storedObject('pi_json', 'payment_intent', 1_700_000_000, {
        // Key order is part of what clients see: kept as written, not sorted.
        zeta: 1,
        alpha: 2,
        amount: 12_345,
        mid: 3,
        description: 'Crème brûlée — 東京 — Ελληνικά — עברית — 😀👩‍👩‍👧‍👦🏳️‍🌈',
        quotes: `it's "quoted" \\ back\\slash / slash`,
        controls: 'tab\tnewline\ncr\rnul\u0000bell\u0007',
        lone_surrogate: '\ud800',
        sql: "'); DROP TABLE objects; --",
        numbers: {
          zero: 0,
          negative: -42,
          float: 3.14159,
          tiny: 1e-7,
          max_safe: Number.MAX_SAFE_INTEGER,
          min_safe: Number.MIN_SAFE_INTEGER,
        },
        booleans: [true, false],
        nothing: null,
        empty: { object: {}, array: [], string: '' },
        deep: { a: { b: { c: { d: { e: [{ f: ['g', { h: 'i' }] }] } } } } },
        metadata: { 'key with spaces': 'v', ключ: 'значение', '🔑': '🔒', '': 'empty key' },
        _internal: { secret: 'kept in storage, dropped on the wire' },
      });

      test('get, list, due and events return exactly what was stored, key order included', async (store) => {
        const event = storedObject('evt_json', 'event', 1_700_000_000, { type: 'x', data: { object: tricky } });
        await store.commit({
          accountId: ACCT,
          puts: [{ object: tricky, expectedVersion: 0, deadlineMs: 5 }],
          events: [event],
        });
        const got = await store.get(ACCT, 'pi_json');
        assert.deepEqual(got?.object, tricky);
        assert.equal(JSON.stringify(got?.object), JSON.stringify(tricky));
        const listed = await store.list({ accountId: ACCT, type: 'payment_intent', limit: 10 });
        assert.equal(JSON.stringify(listed.data[0]), JSON.stringify(tricky));
        const due = await store.due(ACCT, 5, 10);
        assert.equal(JSON.stringify(due[0]?.object), JSON.stringify(tricky));
        assert.equal(JSON.stringify((await store.get(ACCT, 'evt_json'))?.object), JSON.stringify(event));
      });

      test('an update round-trips too, and filters see through unicode', async (store) => {
        await insertNew(store, [storedObject('pi_json', 'payment_intent', 1)]);
        await store.commit({ accountId: ACCT, puts: [{ object: tricky, expectedVersion: 1 }], events: [] });
        assert.equal(JSON.stringify((await store.get(ACCT, 'pi_json'))?.object), JSON.stringify(tricky));
        assert.deepEqual(
          (
            await ids(store, {
              type: 'payment_intent',
              filters: [{ field: 'description', op: 'prefix', value: 'Crème brûlée — 東京' }],
            })
          ).ids,
          ['pi_json'],
        );
        assert.deepEqual(
          (
            await ids(store, {
              type: 'payment_intent',
              filters: [{ field: 'sql', op: 'eq', value: "'); DROP TABLE objects; --" }],
            })
          ).ids,
          ['pi_json'],
        );
      });
    });

    describe('the engine on this store: a commit that lost a race is retried from a fresh load', () => {
      /** Creates a PaymentIntent, then adds metadata `mine` with a store where `rivals` writers win first. */
      async function updateAgainst(store: Store, rivals: number) {
        const raced = rivalled(store, rivals);
        const engine = new Engine({
          store: raced.store,
          processor: {} as Processor,
          clock: new ManualClock(1_700_000_000_000),
          ids: new SequentialIds(),
        });
        const ctx: RequestContext = {
          accountId: ACCT,
          requestId: null,
          idempotencyKey: null,
          nowMs: 1_700_000_000_000,
          apiVersion,
        };
        const paymentIntents = new PaymentIntents(engine);
        const created = await paymentIntents.create(ctx, {
          amount: 1000,
          currency: 'usd',
          captureMethod: 'automatic',
          paymentMethodTypes: ['card_present'],
          paymentMethodOptions: {},
          fields: {},
          confirm: false,
          paymentMethod: null,
        });
        const outcome = await paymentIntents
          .update(ctx, created.id, { fields: {}, metadataPatch: (m) => ({ ...m, mine: 'kept' }) })
          .then(
            (updated) => updated,
            (error: unknown) => error,
          );
        return { outcome, stored: await store.get(ACCT, created.id), updateCommits: raced.commits() - 1 };
      }
      const rivalKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`rival_${i}`, 'won']));

      test("one rival: the second attempt commits, on top of the rival's change", async (store) => {
        await store.insertAccount(account(ACCT, 1), []);
        const { outcome, stored, updateCommits } = await updateAgainst(store, 1);
        assert.equal(updateCommits, 2);
        assert.deepEqual((outcome as { metadata: unknown }).metadata, { ...rivalKeys(1), mine: 'kept' });
        assert.deepEqual(stored?.object['metadata'], { ...rivalKeys(1), mine: 'kept' });
        assert.equal(stored?.version, 3, 'created, the rival, the retried update');
      });

      test(`${limits.commitRetryCountMax - 1} rivals: the last allowed attempt commits`, async (store) => {
        await store.insertAccount(account(ACCT, 1), []);
        const rivals = limits.commitRetryCountMax - 1;
        const { stored, updateCommits } = await updateAgainst(store, rivals);
        assert.equal(updateCommits, limits.commitRetryCountMax);
        assert.deepEqual(stored?.object['metadata'], { ...rivalKeys(rivals), mine: 'kept' });
      });

      test(`${limits.commitRetryCountMax} rivals: lock_timeout after exactly that many attempts, nothing of the command written`, async (store) => {
        await store.insertAccount(account(ACCT, 1), []);
        const rivals = limits.commitRetryCountMax;
        const { outcome, stored, updateCommits } = await updateAgainst(store, rivals);
        assert.equal((outcome as { code?: string }).code, 'lock_timeout');
        assert.equal(updateCommits, limits.commitRetryCountMax);
        assert.deepEqual(stored?.object['metadata'], rivalKeys(rivals));
      });
    });

    describe('webhook outbox', () => outboxContract(test));
    describe('request log and dashboard sessions', () => operationsContract(test));
    describe('reader bus', () => readerBusContract(test));
  });
}
