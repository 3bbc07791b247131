/**
 * 0008 — the PostgreSQL adapter's one-statement commit function (store-postgres 0008). SQLite
 * commits in-process, with no round trips to save: nothing to do here, the number and name are
 * kept so both adapters describe a database alike (store contract).
 */
export const up = `SELECT 1;`;
