/**
 * 0001 — initial schema. Objects are JSON documents keyed by id, scoped by account, versioned for
 * optimistic concurrency; `seq` orders objects created in the same second the way Stripe lists them
 * (newest first). `deadline_ms` is what the scheduler scans (authorization expiry, async refunds).
 */
export const up = `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  created INTEGER NOT NULL,
  clock_offset_ms INTEGER NOT NULL DEFAULT 0,
  settings TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE server_settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE api_keys (
  hash TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  kind TEXT NOT NULL CHECK (kind IN ('secret', 'publishable')),
  last4 TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE objects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  type TEXT NOT NULL,
  created INTEGER NOT NULL,
  version INTEGER NOT NULL,
  deadline_ms INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX objects_by_type ON objects (account_id, type, created DESC, seq DESC);
CREATE INDEX objects_by_deadline ON objects (account_id, deadline_ms) WHERE deadline_ms IS NOT NULL;
CREATE TABLE idempotency_keys (
  account_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
  response_status INTEGER,
  response_body TEXT,
  created_ms INTEGER NOT NULL,
  locked_until_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_ms);
`;
