import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { parseOptions } from './pglite-wire.js';
import {
  decidePostgres,
  freshSchema,
  localDatabaseUrl,
  schemaSearchPathSql,
  testPostgres,
  testPostgresUrl,
  uniqueSchemaName,
  withSearchPath,
  type TestPostgres,
} from './postgres.js';

const run = promisify(execFile);

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function schemaExists(url: string, schema: string): Promise<boolean> {
  return withClient(url, async (c) => {
    const res = await c.query('select 1 from information_schema.schemata where schema_name = $1', [schema]);
    return res.rowCount === 1;
  });
}

/** Two fresh schemas, same unqualified table name, used through interleaved open connections. */
async function provesIsolation({ url }: TestPostgres): Promise<void> {
  const a = await freshSchema(url, 'isolation a');
  const b = await freshSchema(url, 'isolation b');
  const ca = new pg.Client({ connectionString: a.url });
  const cb = new pg.Client({ connectionString: b.url });
  await Promise.all([ca.connect(), cb.connect()]);
  try {
    await ca.query('create table t (v text)');
    await cb.query('create table t (v text)');
    await Promise.all([
      ca.query('insert into t values ($1)', ['from a']),
      cb.query('insert into t values ($1)', ['from b']),
    ]);
    const [ra, rb] = await Promise.all([
      ca.query('select v, current_schema() as s from t'),
      cb.query('select v, current_schema() as s from t'),
    ]);
    assert.deepEqual(ra.rows, [{ v: 'from a', s: a.schema }]);
    assert.deepEqual(rb.rows, [{ v: 'from b', s: b.schema }]);
  } finally {
    await Promise.all([ca.end(), cb.end()]);
  }
  await a.drop();
  await b.drop();
  assert.equal(await schemaExists(url, a.schema), false);
  assert.equal(await schemaExists(url, b.schema), false);
}

describe('schema naming', () => {
  test('unique, sanitized, at most 63 chars', () => {
    const long = uniqueSchemaName('Payment Intents: capture/refund '.repeat(5));
    assert.ok(long.length <= 63, long);
    assert.match(long, /^[a-z_][a-z0-9_]*$/);
    assert.notEqual(uniqueSchemaName('x'), uniqueSchemaName('x'));
    assert.match(uniqueSchemaName('123'), /^t_123_/);
    assert.match(uniqueSchemaName(''), /^t_[0-9a-f]{6}_/);
  });

  test('withSearchPath keeps existing query parameters and options', () => {
    const url = withSearchPath('postgres://u@h:1/db?application_name=x&options=-c%20statement_timeout%3D5s', 's1');
    const params = new URL(url).searchParams;
    assert.equal(params.get('application_name'), 'x');
    assert.equal(params.get('options'), '-c statement_timeout=5s -c search_path=s1');
    assert.ok(url.includes('options=-c%20statement_timeout'), 'spaces must be %20, not +');
  });

  test('schemaSearchPathSql quotes the schema', () => {
    assert.equal(schemaSearchPathSql('a"b'), 'set search_path to "a""b"');
  });

  test('parseOptions understands libpq forms', () => {
    assert.deepEqual(parseOptions('-c search_path=s1 --statement-timeout=5s -cwork_mem=4MB -c a=b\\ c'), [
      ['search_path', 's1'],
      ['statement_timeout', '5s'],
      ['work_mem', '4MB'],
      ['a', 'b c'],
    ]);
  });
});

describe('default resolution', () => {
  test('OPENTILL_TEST_DATABASE_URL wins', async () => {
    const saved = process.env.OPENTILL_TEST_DATABASE_URL;
    process.env.OPENTILL_TEST_DATABASE_URL = 'postgres://someone@db.example/x';
    try {
      assert.equal(await testPostgresUrl(), 'postgres://someone@db.example/x');
    } finally {
      if (saved === undefined) delete process.env.OPENTILL_TEST_DATABASE_URL;
      else process.env.OPENTILL_TEST_DATABASE_URL = saved;
    }
  });

  test('the local server comes from libpq variables; a closed port means the embedded server', async () => {
    assert.equal(localDatabaseUrl({}), 'postgres://postgres@127.0.0.1:5432/test');
    assert.equal(
      localDatabaseUrl({ PGHOST: 'db', PGPORT: '6543', PGUSER: 'me', PGDATABASE: 'x' }),
      'postgres://me@db:6543/x',
    );
    const decision = await decidePostgres({ PGPORT: '1' });
    assert.equal(decision.value, 'embedded');
    assert.match(
      decision.summary,
      /embedded PGlite .*no server answered at postgres:\/\/postgres@127\.0\.0\.1:1\/test/,
    );
  });

  test('CI=true never falls back: a closed port is an error that names the server', async () => {
    await assert.rejects(
      decidePostgres({ CI: 'true', PGPORT: '1' }),
      /CI=true but PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/test is not reachable/,
    );
  });

  test('an explicit URL and the forced fallback win over probing', async () => {
    assert.equal(
      (await decidePostgres({ OPENTILL_TEST_DATABASE_URL: 'postgres://a:secret@h/db', PGPORT: '1' })).value,
      'postgres://a:secret@h/db',
    );
    assert.doesNotMatch(
      (await decidePostgres({ OPENTILL_TEST_DATABASE_URL: 'postgres://a:secret@h/db' })).summary,
      /secret/,
    );
    assert.equal((await decidePostgres({ OPENTILL_TEST_FORCE_PGLITE: '1' })).value, 'embedded');
  });

  test('fresh schemas are isolated and dropped', async () => {
    const info = await testPostgres();
    await withClient(info.url, async (c) => assert.equal((await c.query('select 1 as one')).rows[0].one, 1));
    await provesIsolation(info);
  });
});

describe('embedded PGlite fallback (forced)', () => {
  let info: TestPostgres;
  let saved: string | undefined;

  before(async () => {
    saved = process.env.OPENTILL_TEST_FORCE_PGLITE;
    process.env.OPENTILL_TEST_FORCE_PGLITE = '1';
    info = await testPostgres();
  });
  after(() => {
    if (saved === undefined) delete process.env.OPENTILL_TEST_FORCE_PGLITE;
    else process.env.OPENTILL_TEST_FORCE_PGLITE = saved;
  });

  test('serves PGlite', async () => {
    assert.equal(info.embedded, true);
    assert.equal(info.poolMax, 1);
    const version = await withClient(
      info.url,
      async (c) => (await c.query('select version() as v')).rows[0].v as string,
    );
    assert.match(version, /PGlite/);
  });

  test('fresh schemas are isolated and dropped', () => provesIsolation(info));

  test("a connection's own SET survives other connections' turns", async () => {
    const s = await freshSchema(info.url, 'own set');
    const c1 = new pg.Client({ connectionString: s.url });
    const c2 = new pg.Client({ connectionString: info.url });
    await Promise.all([c1.connect(), c2.connect()]);
    try {
      const before = (await c2.query('show search_path')).rows[0].search_path as string;
      await c1.query(`set search_path to ${s.schema}, public`);
      await c2.query('select 1'); // forces a switch away from c1 and back
      const r1 = await c1.query('show search_path');
      const r2 = await c2.query('show search_path');
      assert.equal(r1.rows[0].search_path, `${s.schema}, public`);
      assert.equal(r2.rows[0].search_path, before, "c1's SET must not leak into c2");
    } finally {
      await Promise.all([c1.end(), c2.end()]);
      await s.drop();
    }
  });

  test('a transaction holds other connections until it ends', async () => {
    const s = await freshSchema(info.url, 'tx');
    const writer = new pg.Client({ connectionString: s.url });
    const reader = new pg.Client({ connectionString: s.url });
    await Promise.all([writer.connect(), reader.connect()]);
    try {
      await writer.query('create table t (n int)');
      await writer.query('begin');
      await writer.query('insert into t values (1)');
      const read = reader.query('select count(*)::int as n from t'); // queued behind the tx
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writer.query('insert into t values (2)');
      await writer.query('commit');
      assert.equal((await read).rows[0].n, 2);
    } finally {
      await Promise.all([writer.end(), reader.end()]);
      await s.drop();
    }
  });

  test('a client dying mid-transaction is rolled back and does not block others', async () => {
    const s = await freshSchema(info.url, 'dead client');
    const dying = new pg.Client({ connectionString: s.url });
    dying.on('error', () => undefined);
    await dying.connect();
    await dying.query('create table t (n int)');
    await dying.query('begin');
    await dying.query('insert into t values (1)');
    (dying as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const n = await withClient(s.url, async (c) => (await c.query('select count(*)::int as n from t')).rows[0].n);
    assert.equal(n, 0);
    await s.drop();
  });

  test('three processes share the embedded server concurrently', async () => {
    const child = fileURLToPath(new URL('./fixtures/concurrent-client.js', import.meta.url));
    const env = { ...process.env, OPENTILL_TEST_FORCE_PGLITE: '1' };
    const outputs = await Promise.all(
      [1, 2, 3].map((i) => run(process.execPath, [child, String(i)], { env, timeout: 120_000 })),
    );
    const results = outputs.map(({ stdout }) => JSON.parse(stdout.trim()) as Record<string, string>);
    assert.equal(new Set(results.map((r) => r.schema)).size, 3);
    for (const r of results) {
      assert.equal(r.count, '20');
      assert.equal(r.owners, r.schema, 'every row was written into its own schema');
    }
  });
});
