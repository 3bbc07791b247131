import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { StoredObject } from '@opentill/core';
import { limits } from '@opentill/core';
import {
  freshSchema,
  runStoreContract,
  storedObject,
  testPostgres,
  uniqueSchemaName,
  type TestPostgres,
} from '@opentill/testkit';
import { migrations, PostgresStore } from './index.js';

const ACCT = 'acct_pg';

// Every contract test gets its own schema, through the URL's search_path (freshSchema).
runStoreContract(
  'postgres',
  async () => {
    const { url, poolMax } = await testPostgres();
    const fresh = await freshSchema(url, 'store contract');
    const store = new PostgresStore({ connectionString: fresh.url, poolMax });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await fresh.drop();
      },
    };
  },
  { migrations },
);

async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/**
 * Two stores on one schema, each with its own pool: what two server processes sharing one
 * database look like. The schema is given by the `schema` option, so the store creates it.
 */
describe('postgres: two stores sharing a database', () => {
  let db: TestPostgres;
  let schema: string;
  let a: PostgresStore;
  let b: PostgresStore;

  before(async () => {
    db = await testPostgres();
    schema = uniqueSchemaName('two stores');
    a = new PostgresStore({ connectionString: db.url, poolMax: db.poolMax, schema });
    b = new PostgresStore({ connectionString: db.url, poolMax: db.poolMax, schema });
    // Both migrate at once on a schema that does not exist yet: the advisory lock serializes them.
    await Promise.all([a.migrate(), b.migrate()]);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    if (schema) await sql(db.url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });

  it('created the schema and migrated it exactly once, outside public', async () => {
    const applied = await sql(db.url, `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);
    assert.deepEqual(
      applied.rows,
      migrations.map(({ version, name }) => ({ version, name })),
    );
    const tables = await sql(
      db.url,
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    assert.deepEqual(
      tables.rows.map((row: { table_name: string }) => row.table_name),
      [
        'accounts',
        'api_keys',
        'dashboard_sessions',
        'dashboard_sign_in_tokens',
        'idempotency_keys',
        'objects',
        'reader_messages',
        'reader_owners',
        'reader_pairings',
        'request_log',
        'schema_migrations',
        'server_settings',
        'webhook_attempts',
        'webhook_deliveries',
        'webhook_dispatcher_lease',
      ],
    );
    await Promise.all([a.migrate(), b.migrate()]);
  });

  it('every pooled connection uses the schema', async () => {
    await a.commit({
      accountId: ACCT,
      puts: [{ object: storedObject('obj_path', 'thing', 1), expectedVersion: 0 }],
      events: [],
    });
    // More concurrent reads than one connection serves, so the pool opens several.
    const reads = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).get(ACCT, 'obj_path')));
    assert.ok(reads.every((record) => record?.version === 1));
  });

  it('50 commits racing on one object from both stores: exactly one winner per version', async () => {
    const base = storedObject('pi_race2', 'payment_intent', 1, { writer: -1 });
    await a.commit({ accountId: ACCT, puts: [{ object: base, expectedVersion: 0 }], events: [] });
    for (let version = 1; version <= 5; version++) {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, writer) =>
          (writer % 2 ? a : b).commit({
            accountId: ACCT,
            puts: [{ object: { ...base, writer }, expectedVersion: version }],
            events: [storedObject(`evt_race2_${version}_${writer}`, 'event', 1)],
          }),
        ),
      );
      const winners = results.flatMap((result, writer) => (result.ok ? [writer] : []));
      assert.equal(winners.length, 1, `version ${version}: ${JSON.stringify(results)}`);
      assert.ok(results.every((result) => result.ok || result.conflictId === 'pi_race2'));
      assert.deepEqual(await b.get(ACCT, 'pi_race2'), {
        object: { ...base, writer: winners[0] },
        version: version + 1,
      });
    }
    const events = await a.list({
      accountId: ACCT,
      type: 'event',
      limit: 100,
      filters: [{ field: 'id', op: 'prefix', value: 'evt_race2_' }],
    });
    assert.equal(events.data.length, 5, "only the winners' events are stored");
  });

  it('50 read-modify-write increments split between both stores lose nothing', async () => {
    await a.commit({
      accountId: ACCT,
      puts: [{ object: storedObject('counter2', 'thing', 1, { n: 0 }), expectedVersion: 0 }],
      events: [],
    });
    const winnerOf = new Map<number, number>();
    const increment = async (writer: number): Promise<void> => {
      const store = writer % 2 ? a : b;
      // Each conflict is another writer's success: 50 attempts always suffice.
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const record = (await store.get<StoredObject & { n: number }>(ACCT, 'counter2'))!;
        const result = await store.commit({
          accountId: ACCT,
          puts: [{ object: { ...record.object, n: record.object.n + 1 }, expectedVersion: record.version }],
          events: [],
        });
        if (result.ok) {
          assert.equal(winnerOf.has(record.version), false, `version ${record.version} won twice`);
          winnerOf.set(record.version, writer);
          return;
        }
      }
      assert.fail(`writer ${writer} lost 50 times in a row`);
    };
    await Promise.all(Array.from({ length: 50 }, (_, writer) => increment(writer)));
    const final = await a.get<StoredObject & { n: number }>(ACCT, 'counter2');
    assert.equal(final?.object.n, 50);
    assert.equal(final?.version, 51);
    assert.equal(winnerOf.size, 50);
  });

  it('concurrent idempotency begins with one key from both stores: exactly one started', async () => {
    const now = 1_700_000_000_000;
    for (let round = 0; round < 10; round++) {
      const key = `race-${round}`;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).idempotency.begin(ACCT, key, 'h', now, `t${i}`)),
      );
      assert.equal(results.filter((r) => r.kind === 'started').length, 1, JSON.stringify(results));
      // The same race on takeover of the now-expired lock.
      const later = now + limits.idempotencyLockMs;
      const takeovers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).idempotency.begin(ACCT, key, 'h', later, `u${i}`)),
      );
      assert.equal(takeovers.filter((r) => r.kind === 'started').length, 1, JSON.stringify(takeovers));
      // And abandon racing re-begins: whoever runs after the abandon may start, never two at once.
      await a.idempotency.abandon(ACCT, key, `u${takeovers.findIndex((r) => r.kind === 'started')}`);
      const again = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).idempotency.begin(ACCT, key, 'h', later, `v${i}`)),
      );
      assert.equal(again.filter((r) => r.kind === 'started').length, 1, JSON.stringify(again));
    }
  });

  it('batches updating two objects in opposite orders: one wins, the other is a conflict, never an error', async () => {
    const x = storedObject('pair_x', 'thing', 1, { n: 0 });
    const y = storedObject('pair_y', 'thing', 1, { n: 0 });
    await a.commit({
      accountId: ACCT,
      puts: [
        { object: x, expectedVersion: 0 },
        { object: y, expectedVersion: 0 },
      ],
      events: [],
    });
    for (let version = 1; version <= 10; version++) {
      // PostgreSQL may detect a deadlock here and abort one transaction: that too must read as a conflict.
      const results = await Promise.all([
        a.commit({
          accountId: ACCT,
          puts: [
            { object: { ...x, n: version }, expectedVersion: version },
            { object: { ...y, n: version }, expectedVersion: version },
          ],
          events: [],
        }),
        b.commit({
          accountId: ACCT,
          puts: [
            { object: { ...y, n: -version }, expectedVersion: version },
            { object: { ...x, n: -version }, expectedVersion: version },
          ],
          events: [],
        }),
      ]);
      assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
      const [gx, gy] = await Promise.all([
        a.get<StoredObject & { n: number }>(ACCT, 'pair_x'),
        a.get<StoredObject & { n: number }>(ACCT, 'pair_y'),
      ]);
      assert.equal(gx?.version, version + 1);
      assert.equal(gy?.version, version + 1);
      assert.equal(gx?.object.n, gy?.object.n, 'both objects come from the same batch');
    }
  });

  it('a commit plans webhook deliveries from the endpoints as they are, even when another store changed them since', async () => {
    const account = 'acct_pg_endpoints';
    const event = (id: string) => storedObject(id, 'event', 1, { type: 'charge.succeeded', pending_webhooks: 0 });
    const deliveriesOf = async (eventId: string) =>
      (await a.outbox.deliveries({ accountId: account, eventId, limit: 10 })).map((d) => d.endpointId);
    // Store a reads (and keeps) the account's endpoints: none.
    assert.deepEqual(await a.commit({ accountId: account, puts: [], events: [event('evt_ep_1')] }), {
      ok: true,
      deliveries: 0,
    });
    // Store b adds one: a's next commit must deliver to it.
    const endpoint = storedObject('we_ep', 'webhook_endpoint', 1, {
      status: 'enabled',
      enabled_events: ['charge.succeeded'],
    });
    await b.commit({ accountId: account, puts: [{ object: endpoint, expectedVersion: 0 }], events: [] });
    assert.deepEqual(await a.commit({ accountId: account, puts: [], events: [event('evt_ep_2')] }), {
      ok: true,
      deliveries: 1,
    });
    assert.deepEqual(await deliveriesOf('evt_ep_2'), ['we_ep']);
    assert.equal((await a.get(account, 'evt_ep_2'))?.object['pending_webhooks'], 1);
    // Store b narrows its events: a's next event of the old type is owed to nobody, and says so.
    await b.commit({
      accountId: account,
      puts: [{ object: { ...endpoint, enabled_events: ['refund.created'] }, expectedVersion: 1 }],
      events: [],
    });
    assert.deepEqual(await a.commit({ accountId: account, puts: [], events: [event('evt_ep_3')] }), {
      ok: true,
      deliveries: 0,
    });
    assert.deepEqual(await deliveriesOf('evt_ep_3'), []);
    assert.equal((await a.get(account, 'evt_ep_3'))?.object['pending_webhooks'], 0);
    // A stale plan that also loses a version check writes nothing (the function is one atomic statement).
    await b.commit({
      accountId: account,
      puts: [{ object: { ...endpoint, enabled_events: ['*'] }, expectedVersion: 2 }],
      events: [],
    });
    const stale = await a.commit({
      accountId: account,
      puts: [{ object: { ...endpoint, enabled_events: [] }, expectedVersion: 1 }],
      events: [event('evt_ep_4')],
    });
    assert.deepEqual(stale, { ok: false, conflictId: 'we_ep' });
    assert.equal(await a.get(account, 'evt_ep_4'), null);
    assert.deepEqual(await deliveriesOf('evt_ep_4'), []);
  });

  it('server settings: concurrent first calls from both stores agree', async () => {
    const values = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).setting('race2', `value-${i}`)),
    );
    assert.equal(new Set(values).size, 1, JSON.stringify(values));
  });

  it('bigint columns come back as numbers', async () => {
    await a.insertAccount({ id: 'acct_big', created: 4_102_444_800, clockOffsetMs: -1_700_000_000_000, settings: {} }, [
      { hash: 'f'.repeat(64), accountId: 'acct_big', kind: 'secret', last4: 'ffff', created: 4_102_444_800 },
    ]);
    const account = await b.getAccount('acct_big');
    assert.deepEqual(account, {
      id: 'acct_big',
      created: 4_102_444_800,
      clockOffsetMs: -1_700_000_000_000,
      settings: {},
      platformId: null,
    });
    assert.equal(typeof (await b.findApiKey('f'.repeat(64)))?.created, 'number');
  });
});
