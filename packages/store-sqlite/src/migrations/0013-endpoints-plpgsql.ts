/**
 * 0013 — the PostgreSQL adapter's `opentill_endpoints` in PL/pgSQL (store-postgres 0013). SQLite has no
 * such function: nothing to do here, the number and name are kept so both adapters describe a
 * database alike (store contract).
 */
export const up = `SELECT 1;`;
