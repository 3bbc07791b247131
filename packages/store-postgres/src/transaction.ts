import type pg from 'pg';

/**
 * pg 8's `query_timeout` fails the query but leaves it unanswered on its connection: every later
 * query (a ROLLBACK included) would queue behind it. Such a connection is destroyed, never reused.
 */
export function isReadTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Query read timeout';
}

/** Runs `fn` in one transaction on one pooled connection; rolls back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await transactionOn(client, fn, (error) => {
      broken = error;
    });
  } finally {
    // A connection in an unknown state (failed ROLLBACK, unanswered query): destroyed rather than reused.
    client.release(broken);
  }
}

/** Runs `fn` in one transaction on `client`; rolls back if it throws; `broken` hears why the connection is unusable. */
export async function transactionOn<C extends pg.ClientBase, T>(
  client: C,
  fn: (client: C) => Promise<T>,
  broken: (error: Error) => void = () => undefined,
): Promise<T> {
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A ROLLBACK behind an unanswered query would only wait out the timeout again; destroying the
    // connection ends the transaction on the server too.
    if (isReadTimeout(error)) broken(error as Error);
    else await client.query('ROLLBACK').catch((rollbackError: Error) => broken(rollbackError));
    throw error;
  }
}
