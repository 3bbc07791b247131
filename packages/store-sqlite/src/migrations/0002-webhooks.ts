/**
 * 0002 — the webhook outbox. One row per (event, endpoint) delivery, written in the same
 * transaction as its event; one row per attempt (the delivery log). Times in ms on the account's
 * clock except `locked_until_ms` (wall clock). `webhook_dispatcher_lease` elects the one SQLite
 * dispatcher. See engine/src/webhooks/outbox.ts.
 */
export const up = `
CREATE TABLE webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'canceled')),
  attempt_count INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  next_attempt_ms INTEGER,
  locked_by TEXT,
  locked_until_ms INTEGER,
  last_status INTEGER,
  last_error TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (account_id, event_id);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (account_id, endpoint_id, state);
CREATE TABLE webhook_attempts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  status INTEGER,
  latency_ms INTEGER NOT NULL,
  response_excerpt TEXT NOT NULL,
  error TEXT,
  next_attempt_ms INTEGER,
  node TEXT NOT NULL
);
CREATE INDEX webhook_attempts_by_event ON webhook_attempts (account_id, event_id, seq);
CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (account_id, endpoint_id, seq);
CREATE TABLE webhook_dispatcher_lease (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until_ms INTEGER NOT NULL
);
`;
