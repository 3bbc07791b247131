/**
 * 0012 — registration codes across nodes (issue 13; docs/cluster.md, Pairing): the code a pairing
 * device shows is stored, so `readers.create({registration_code})` through any node registers it.
 * On SQLite (one node) the same rows carry the codes of the one process, so both stores run one code path.
 */
export const up = `
CREATE TABLE reader_pairings (
  code TEXT PRIMARY KEY,
  node_id TEXT NOT NULL,
  -- What the device said about itself (JSON): device type, serial number, software version, IP address.
  device TEXT NOT NULL,
  -- SHA-256 of the reader secret the pairing node keeps in memory until it hands it to the device.
  secret_sha256 TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  -- Renewed by the pairing node while the socket is open: a code on a dead node cannot be claimed.
  held_until_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'claimed', 'registered')),
  account_id TEXT,
  reader_id TEXT
);
CREATE INDEX reader_pairings_node ON reader_pairings (node_id, state);
CREATE INDEX reader_pairings_expires ON reader_pairings (expires_at_ms);
`;
