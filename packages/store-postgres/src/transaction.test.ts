import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { testPostgres } from '@opentill/testkit';
import { inTransaction } from './transaction.js';

type PidRow = { pid: number };
const pidOf = async (client: pg.Pool | pg.PoolClient) =>
  (await client.query<PidRow>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

/**
 * pg 8's `query_timeout` fails a query but leaves it pending on its connection (limits.ts,
 * `postgresQueryTimeoutMs`): such a connection must be destroyed. With one pooled connection, a
 * reused one would make the next statement wait behind the sleep and time out too.
 */
describe('a query past its timeout', () => {
  it('fails, and its connection is destroyed, never reused (pool.query and inTransaction)', async (t) => {
    const postgres = await testPostgres();
    if (postgres.embedded) return t.skip('needs the real PostgreSQL: a sleeping backend beside another connection');
    const pool = new pg.Pool({ connectionString: postgres.url, max: 1, query_timeout: 300 });
    pool.on('error', () => undefined);
    try {
      const first = await pidOf(pool);
      await assert.rejects(pool.query('SELECT pg_sleep(5)'), /Query read timeout/);
      const second = await pidOf(pool);
      assert.notEqual(second, first, 'pool.query: a new connection');
      let inside = 0;
      await assert.rejects(
        inTransaction(pool, async (client) => {
          inside = await pidOf(client);
          await client.query('SELECT pg_sleep(5)');
        }),
        /Query read timeout/,
      );
      assert.equal(inside, second, 'the transaction ran on the pooled connection');
      const third = await inTransaction(pool, (client) => pidOf(client));
      assert.notEqual(third, second, 'inTransaction: a new connection');
    } finally {
      await pool.end();
    }
  });
});
