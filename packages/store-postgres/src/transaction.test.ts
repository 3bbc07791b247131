import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import pg from 'pg';
import { testPostgres } from '@opentill/testkit';
import { inTransaction } from './transaction.js';

/**
 * A TCP relay to PostgreSQL that can stop passing the server's bytes back (`mute`): a query sent
 * then gets no answer, whichever PostgreSQL is behind it (the real server or the embedded one).
 * It counts the connections it was asked for: a new count is a new pooled connection.
 */
async function relay(target: URL) {
  const sockets: net.Socket[] = [];
  let muted = false;
  let connections = 0;
  const server = net.createServer((client) => {
    connections += 1;
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.push(client, upstream);
    client.on('error', () => undefined).pipe(upstream);
    upstream
      .on('error', () => undefined)
      .on('data', (chunk: Buffer) => {
        if (!muted) client.write(chunk);
      });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    connections: () => connections,
    mute: (on: boolean) => {
      muted = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * pg 8's `query_timeout` fails a query but leaves it pending on its connection (limits.ts,
 * `postgresQueryTimeoutMs`): such a connection must be destroyed. With one pooled connection, a
 * reused one would have the next statement wait behind the unanswered one and time out too.
 */
describe('a query past its timeout', () => {
  it('fails, and its connection is destroyed, never reused (pool.query and inTransaction)', async () => {
    const link = await relay(new URL((await testPostgres()).url));
    const pool = new pg.Pool({ connectionString: link.url, max: 1, query_timeout: 1_000 });
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
      assert.equal(link.connections(), 1);
      link.mute(true);
      await assert.rejects(pool.query('SELECT 2'), /Query read timeout/);
      link.mute(false);
      assert.equal((await pool.query<{ n: number }>('SELECT 3 AS n')).rows[0]!.n, 3);
      assert.equal(link.connections(), 2, 'pool.query: a new connection');
      await assert.rejects(
        inTransaction(pool, async (client) => {
          await client.query('SELECT 4');
          link.mute(true);
          await client.query('SELECT 5');
        }),
        /Query read timeout/,
      );
      link.mute(false);
      assert.equal(link.connections(), 2, 'the transaction ran on the pooled connection');
      assert.equal(await inTransaction(pool, async (client) => (await client.query('SELECT 6 AS n')).rows[0].n), 6);
      assert.equal(link.connections(), 3, 'inTransaction: a new connection');
    } finally {
      await pool.end();
      await link.close();
    }
  });
});
