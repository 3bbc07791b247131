/**
 * 0011 — the PostgreSQL adapter's batched commit function (store-postgres 0011). SQLite already
 * group-commits in-process: nothing to do here, the number and name are kept so both adapters
 * describe a database alike (store contract).
 */
export const up = `SELECT 1;`;
