/**
 * 0004 — the PostgreSQL twin of store-sqlite's 0004: the request log and dashboard sessions (issue 12; 0003 belongs to another change).
 * `request_log`: one row per API request, redacted before it is written, newest found by `seq`
 * (an identity column: pruning from the oldest end is an index walk).
 * The filters of the dashboard and `opentill logs tail` (status class, status code, method) and the
 * search (request id, idempotency key) have indexes that keep pages newest first without a sort;
 * a path prefix walks the account's rows.
 * `dashboard_sessions`: the cookie's SHA-256, never the cookie; `dashboard_sign_in_tokens`: the
 * one-time links `opentill serve` prints, hashed, deleted when used.
 */
export const up = `
CREATE TABLE request_log (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  status_class INTEGER NOT NULL,
  idempotency_key TEXT,
  replayed BOOLEAN NOT NULL,
  error_type TEXT,
  error_code TEXT,
  duration_ms DOUBLE PRECISION NOT NULL,
  source TEXT NOT NULL,
  request_params TEXT NOT NULL,
  response_body TEXT NOT NULL
);
CREATE UNIQUE INDEX request_log_id ON request_log (id);
CREATE INDEX request_log_by_account ON request_log (account_id, seq);
CREATE INDEX request_log_by_status_class ON request_log (account_id, status_class, seq);
CREATE INDEX request_log_by_status ON request_log (account_id, status, seq);
CREATE INDEX request_log_by_method ON request_log (account_id, method, seq);
CREATE INDEX request_log_by_idempotency_key ON request_log (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TABLE dashboard_sessions (
  token_hash TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL
);
CREATE TABLE dashboard_sign_in_tokens (
  token_hash TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  expires_ms BIGINT NOT NULL
);
`;
