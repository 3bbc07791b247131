/**
 * 0009 — the reader bus (issue 13, item 1; docs/cluster.md): which node holds a reader's device
 * connection (a lease fenced by `epoch`), and durable command rows between nodes. On SQLite there
 * is one node, so the tables stay small; the same code path runs on both stores.
 */
export const up = `
CREATE TABLE reader_owners (
  account_id TEXT NOT NULL,
  reader_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  -- The last screen the device reported (JSON), for virtual screens opened through other nodes.
  screen TEXT,
  expires_at_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, reader_id)
);
CREATE TABLE reader_messages (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  reader_id TEXT NOT NULL,
  from_node TEXT NOT NULL,
  to_node TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'taken', 'done')),
  result TEXT,
  created_ms INTEGER NOT NULL
);
CREATE INDEX reader_messages_pending ON reader_messages (to_node, created_ms) WHERE state = 'pending';
CREATE INDEX reader_messages_created ON reader_messages (created_ms);
`;
