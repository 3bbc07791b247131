/**
 * 0003 — idempotency through crashes. `token`: the request that owns an in-flight key (a takeover
 * writes a new one; a commit only records its effect while its token still owns the key).
 * `effect`: what the owner committed (sealed snapshot of the objects, and the stored error that
 * follows, if any), written in the commit's own transaction, so a retry after a crash answers the
 * first outcome instead of running again. docs/idempotency.md.
 */
export const up = `
ALTER TABLE idempotency_keys ADD COLUMN token TEXT;
ALTER TABLE idempotency_keys ADD COLUMN effect TEXT;
`;
