/**
 * 0001 — initial schema, the PostgreSQL twin of store-sqlite's 0001 (same version and name; the
 * store contract suite checks both adapters behave alike). Times in ms and `created` (seconds) are
 * BIGINT. `seq` orders objects created in the same second (newest first).
 *
 * `data` is `json`, not `jsonb`, on purpose: objects are returned to API clients as stored, and
 * `jsonb` would (a) reorder keys (`{"id","object",…}` comes back sorted by key length), unlike the
 * SQLite adapter, and (b) reject strings the API accepts, such as "\u0000" or a lone surrogate in
 * metadata, failing the whole commit. `json` keeps the text verbatim and still supports `#>`/`#>>`
 * for list filters.
 *
 * PostgreSQL's json operators do refuse to decode such a document, though (any `#>` on it raises
 * 22P05 / 22P02), so one object holding "\u0000" would break every filtered list of its type.
 * For those rare objects `filter_data` holds a copy with the offending escapes replaced by U+FFFD,
 * and filters read `coalesce(filter_data, data)`; it is NULL for every other object.
 */
export const up = `
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  clock_offset_ms BIGINT NOT NULL DEFAULT 0,
  settings JSON NOT NULL DEFAULT '{}'
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
  created BIGINT NOT NULL
);
CREATE TABLE objects (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  type TEXT NOT NULL,
  created BIGINT NOT NULL,
  version INTEGER NOT NULL,
  deadline_ms BIGINT,
  data JSON NOT NULL,
  filter_data JSON
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
  created_ms BIGINT NOT NULL,
  locked_until_ms BIGINT NOT NULL,
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_ms);
`;
