/**
 * The reader bus on SQLite (engine/src/terminal/reader-bus-store.ts). One process owns a SQLite
 * file, so wake-ups are this process's listeners; the rows and their conditional writes are the
 * same as on PostgreSQL, so the bus runs the same code path on both stores.
 */
import type Database from 'better-sqlite3';
import {
  readerBusDoneTopic,
  type ClaimedPairing,
  type ReaderPairing,
  type RegisteredPairing,
  type ReaderBusListener,
  type ReaderBusStore,
  type ReaderMessage,
  type ReaderMessageResult,
  type ReaderMessageState,
  type ReaderOwner,
} from '@opentill/engine';

type OwnerRow = { node_id: string; epoch: number; expires_at_ms: number };
type MessageRow = {
  id: string;
  account_id: string;
  reader_id: string;
  from_node: string;
  to_node: string;
  kind: string;
  payload: string;
  created_ms: number;
};

export class SqliteReaderBus implements ReaderBusStore {
  private readonly listeners = new Set<ReaderBusListener>();

  constructor(private readonly db: Database.Database) {}

  async owner(accountId: string, readerId: string): Promise<ReaderOwner | null> {
    const row = this.db
      .prepare<[string, string], OwnerRow>(
        'SELECT node_id, epoch, expires_at_ms FROM reader_owners WHERE account_id = ? AND reader_id = ?',
      )
      .get(accountId, readerId);
    return row ? { nodeId: row.node_id, epoch: row.epoch, expiresAtMs: row.expires_at_ms } : null;
  }

  async own(
    accountId: string,
    readerId: string,
    nodeId: string,
    seenEpoch: number | null,
    expiresAtMs: number,
  ): Promise<ReaderOwner | null> {
    const changes =
      seenEpoch === null
        ? this.db
            .prepare(
              'INSERT INTO reader_owners (account_id, reader_id, node_id, epoch, expires_at_ms) VALUES (?, ?, ?, 1, ?) ON CONFLICT DO NOTHING',
            )
            .run(accountId, readerId, nodeId, expiresAtMs).changes
        : this.db
            .prepare(
              'UPDATE reader_owners SET node_id = ?, epoch = epoch + 1, expires_at_ms = ? WHERE account_id = ? AND reader_id = ? AND epoch = ?',
            )
            .run(nodeId, expiresAtMs, accountId, readerId, seenEpoch).changes;
    return changes === 1 ? { nodeId, epoch: (seenEpoch ?? 0) + 1, expiresAtMs } : null;
  }

  async renew(
    accountId: string,
    readerId: string,
    nodeId: string,
    epoch: number,
    expiresAtMs: number,
  ): Promise<boolean> {
    return (
      this.db
        .prepare(
          'UPDATE reader_owners SET expires_at_ms = ? WHERE account_id = ? AND reader_id = ? AND node_id = ? AND epoch = ?',
        )
        .run(expiresAtMs, accountId, readerId, nodeId, epoch).changes === 1
    );
  }

  async release(accountId: string, readerId: string, nodeId: string, epoch: number): Promise<void> {
    this.db
      .prepare(
        'UPDATE reader_owners SET expires_at_ms = 0 WHERE account_id = ? AND reader_id = ? AND node_id = ? AND epoch = ?',
      )
      .run(accountId, readerId, nodeId, epoch);
  }

  async setScreen(
    accountId: string,
    readerId: string,
    nodeId: string,
    epoch: number,
    screen: string,
  ): Promise<boolean> {
    return (
      this.db
        .prepare(
          'UPDATE reader_owners SET screen = ? WHERE account_id = ? AND reader_id = ? AND node_id = ? AND epoch = ?',
        )
        .run(screen, accountId, readerId, nodeId, epoch).changes === 1
    );
  }

  async screen(accountId: string, readerId: string): Promise<string | null> {
    return (
      this.db
        .prepare<[string, string], { screen: string | null }>(
          'SELECT screen FROM reader_owners WHERE account_id = ? AND reader_id = ?',
        )
        .get(accountId, readerId)?.screen ?? null
    );
  }

  /** The pending row of a message (its wake-up is the caller's). */
  private insertMessage(message: ReaderMessage): void {
    this.db
      .prepare(
        `INSERT INTO reader_messages (id, account_id, reader_id, from_node, to_node, kind, payload, state, result, created_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', NULL, ?)`,
      )
      .run(
        message.id,
        message.accountId,
        message.readerId,
        message.fromNode,
        message.toNode,
        message.kind,
        message.payload,
        message.createdMs,
      );
  }

  async send(message: ReaderMessage): Promise<void> {
    this.insertMessage(message);
    this.wake(message.toNode, 'message');
  }

  async sendToHolder(message: Omit<ReaderMessage, 'toNode'>, nowMs: number): Promise<string | null> {
    const toNode = this.db.transaction(() => {
      const owner = this.db
        .prepare<[string, string, number, string], { node_id: string }>(
          'SELECT node_id FROM reader_owners WHERE account_id = ? AND reader_id = ? AND expires_at_ms > ? AND node_id <> ?',
        )
        .get(message.accountId, message.readerId, nowMs, message.fromNode);
      if (!owner) return null;
      this.insertMessage({ ...message, toNode: owner.node_id });
      return owner.node_id;
    })();
    if (toNode !== null) this.wake(toNode, 'message');
    return toNode;
  }

  async take(nodeId: string, limit: number): Promise<ReaderMessage[]> {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare<[string, number], MessageRow>(
          `SELECT id, account_id, reader_id, from_node, to_node, kind, payload, created_ms FROM reader_messages
         WHERE to_node = ? AND state = 'pending' ORDER BY created_ms, id LIMIT ?`,
        )
        .all(nodeId, limit);
      const claim = this.db.prepare("UPDATE reader_messages SET state = 'taken' WHERE id = ? AND state = 'pending'");
      return rows.filter((row) => claim.run(row.id).changes === 1).map(messageOf);
    })();
  }

  async finish(id: string, result: string): Promise<boolean> {
    return this.conclude(id, 'taken', result);
  }

  async withdraw(id: string, result: string): Promise<boolean> {
    return this.conclude(id, 'pending', result);
  }

  private conclude(id: string, from: ReaderMessageState, result: string): boolean {
    const row = this.db
      .prepare<[string, string, string], { from_node: string }>(
        "UPDATE reader_messages SET state = 'done', result = ? WHERE id = ? AND state = ? RETURNING from_node",
      )
      .get(result, id, from);
    if (row) this.wake(row.from_node, from === 'taken' ? readerBusDoneTopic(id, result) : 'done');
    return row !== undefined;
  }

  async result(id: string): Promise<ReaderMessageResult | null> {
    const row = this.db
      .prepare<[string], { state: ReaderMessageState; result: string | null }>(
        'SELECT state, result FROM reader_messages WHERE id = ?',
      )
      .get(id);
    return row ?? null;
  }

  async prune(olderThanMs: number): Promise<number> {
    return this.db.prepare('DELETE FROM reader_messages WHERE created_ms < ?').run(olderThanMs).changes;
  }

  async addPairing(pairing: ReaderPairing): Promise<boolean> {
    return (
      this.db
        .prepare(
          `INSERT INTO reader_pairings (code, node_id, device, secret_sha256, expires_at_ms, held_until_ms, state)
         VALUES (?, ?, ?, ?, ?, ?, 'waiting') ON CONFLICT (code) DO NOTHING`,
        )
        .run(
          pairing.code,
          pairing.nodeId,
          pairing.device,
          pairing.secretSha256,
          pairing.expiresAtMs,
          pairing.heldUntilMs,
        ).changes === 1
    );
  }

  async claimPairing(code: string, accountId: string, readerId: string, nowMs: number): Promise<ClaimedPairing | null> {
    const row = this.db
      .prepare<[string, string, string, number, number], { node_id: string; device: string; secret_sha256: string }>(
        `UPDATE reader_pairings SET state = 'claimed', account_id = ?, reader_id = ?
         WHERE code = ? AND state = 'waiting' AND expires_at_ms >= ? AND held_until_ms >= ?
         RETURNING node_id, device, secret_sha256`,
      )
      .get(accountId, readerId, code, nowMs, nowMs);
    return row ? { nodeId: row.node_id, device: row.device, secretSha256: row.secret_sha256 } : null;
  }

  async completePairing(code: string): Promise<string | null> {
    const row = this.db
      .prepare<[string], { node_id: string }>(
        "UPDATE reader_pairings SET state = 'registered' WHERE code = ? AND state = 'claimed' RETURNING node_id",
      )
      .get(code);
    if (!row) return null;
    this.wake(row.node_id, 'paired');
    return row.node_id;
  }

  async registeredPairings(nodeId: string): Promise<RegisteredPairing[]> {
    return this.db
      .prepare<[string], { code: string; account_id: string; reader_id: string }>(
        "SELECT code, account_id, reader_id FROM reader_pairings WHERE node_id = ? AND state = 'registered' ORDER BY code",
      )
      .all(nodeId)
      .map((row) => ({ code: row.code, accountId: row.account_id, readerId: row.reader_id }));
  }

  async dropPairing(code: string, nodeId: string): Promise<void> {
    this.db.prepare('DELETE FROM reader_pairings WHERE code = ? AND node_id = ?').run(code, nodeId);
  }

  async holdPairings(nodeId: string, heldUntilMs: number): Promise<void> {
    this.db
      .prepare("UPDATE reader_pairings SET held_until_ms = ? WHERE node_id = ? AND state = 'waiting'")
      .run(heldUntilMs, nodeId);
  }

  async prunePairings(olderThanMs: number): Promise<number> {
    return this.db.prepare('DELETE FROM reader_pairings WHERE expires_at_ms < ?').run(olderThanMs).changes;
  }

  async notify(target: string, topic: string): Promise<void> {
    this.wake(target, topic);
  }

  async subscribe(listener: ReaderBusListener): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }

  /** After the write returned, like a NOTIFY delivered at commit. */
  private wake(target: string, topic: string): void {
    if (this.listeners.size === 0) return;
    setImmediate(() => {
      for (const listener of this.listeners) listener(target, topic);
    });
  }
}

function messageOf(row: MessageRow): ReaderMessage {
  return {
    id: row.id,
    accountId: row.account_id,
    readerId: row.reader_id,
    fromNode: row.from_node,
    toNode: row.to_node,
    kind: row.kind,
    payload: row.payload,
    createdMs: row.created_ms,
  };
}
