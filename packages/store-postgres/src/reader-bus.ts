/**
 * The reader bus on PostgreSQL (engine/src/terminal/reader-bus-store.ts). Every state change is one
 * conditional statement; the rows that wake another node carry their `pg_notify` in the same
 * statement, so the NOTIFY goes out at commit, when the row is visible. NOTIFY channels are
 * database-wide while OpenTill's tables live in a schema, so each payload starts with the schema
 * and a listener ignores other schemas' hints.
 */
import type pg from 'pg';
import { listen, type ListenConnection } from './listen.js';
import {
  parseReaderBusPayload,
  type ClaimedPairing,
  type ReaderPairing,
  type RegisteredPairing,
  readerBusChannel,
  readerBusDoneTopic,
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

const messageColumns = 'id, account_id, reader_id, from_node, to_node, kind, payload, created_ms::float8 AS created_ms';
/** The NOTIFY payload built in SQL: `<schema>|<target>|<topic>`. */
const notifySql = (target: string, topic: string) =>
  `pg_notify('${readerBusChannel}', current_schema() || '|' || ${target} || '|' || ${topic})`;

export class PostgresReaderBus implements ReaderBusStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly connection: ListenConnection & { schema?: string },
  ) {}

  async owner(accountId: string, readerId: string): Promise<ReaderOwner | null> {
    const { rows } = await this.pool.query<OwnerRow>({
      name: 'opentill_reader_owner',
      text: 'SELECT node_id, epoch::float8 AS epoch, expires_at_ms::float8 AS expires_at_ms FROM reader_owners WHERE account_id = $1 AND reader_id = $2',
      values: [accountId, readerId],
    });
    const row = rows[0];
    return row ? { nodeId: row.node_id, epoch: row.epoch, expiresAtMs: row.expires_at_ms } : null;
  }

  async own(
    accountId: string,
    readerId: string,
    nodeId: string,
    seenEpoch: number | null,
    expiresAtMs: number,
  ): Promise<ReaderOwner | null> {
    // READ COMMITTED: a second UPDATE racing on the same row waits for the first, then re-checks
    // `epoch = $5` against the row the first one wrote, and changes nothing. Exactly one wins.
    const result =
      seenEpoch === null
        ? await this.pool.query(
            `INSERT INTO reader_owners (account_id, reader_id, node_id, epoch, expires_at_ms) VALUES ($1, $2, $3, 1, $4)
         ON CONFLICT (account_id, reader_id) DO NOTHING`,
            [accountId, readerId, nodeId, expiresAtMs],
          )
        : await this.pool.query(
            `UPDATE reader_owners SET node_id = $3, epoch = epoch + 1, expires_at_ms = $4
         WHERE account_id = $1 AND reader_id = $2 AND epoch = $5`,
            [accountId, readerId, nodeId, expiresAtMs, seenEpoch],
          );
    return result.rowCount === 1 ? { nodeId, epoch: (seenEpoch ?? 0) + 1, expiresAtMs } : null;
  }

  async renew(
    accountId: string,
    readerId: string,
    nodeId: string,
    epoch: number,
    expiresAtMs: number,
  ): Promise<boolean> {
    const result = await this.pool.query({
      name: 'opentill_reader_renew',
      text: 'UPDATE reader_owners SET expires_at_ms = $5 WHERE account_id = $1 AND reader_id = $2 AND node_id = $3 AND epoch = $4',
      values: [accountId, readerId, nodeId, epoch, expiresAtMs],
    });
    return result.rowCount === 1;
  }

  async release(accountId: string, readerId: string, nodeId: string, epoch: number): Promise<void> {
    await this.pool.query(
      'UPDATE reader_owners SET expires_at_ms = 0 WHERE account_id = $1 AND reader_id = $2 AND node_id = $3 AND epoch = $4',
      [accountId, readerId, nodeId, epoch],
    );
  }

  async setScreen(
    accountId: string,
    readerId: string,
    nodeId: string,
    epoch: number,
    screen: string,
  ): Promise<boolean> {
    const result = await this.pool.query({
      name: 'opentill_reader_set_screen',
      text: 'UPDATE reader_owners SET screen = $5 WHERE account_id = $1 AND reader_id = $2 AND node_id = $3 AND epoch = $4',
      values: [accountId, readerId, nodeId, epoch, screen],
    });
    return result.rowCount === 1;
  }

  async screen(accountId: string, readerId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ screen: string | null }>({
      name: 'opentill_reader_screen',
      text: 'SELECT screen FROM reader_owners WHERE account_id = $1 AND reader_id = $2',
      values: [accountId, readerId],
    });
    return rows[0]?.screen ?? null;
  }

  async send(message: ReaderMessage): Promise<void> {
    await this.pool.query({
      name: 'opentill_reader_send',
      text: `WITH sent AS (
          INSERT INTO reader_messages (id, account_id, reader_id, from_node, to_node, kind, payload, state, result, created_ms)
          VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', NULL, $8) RETURNING to_node)
        SELECT ${notifySql('to_node', "'message'")} FROM sent`,
      values: [
        message.id,
        message.accountId,
        message.readerId,
        message.fromNode,
        message.toNode,
        message.kind,
        message.payload,
        message.createdMs,
      ],
    });
  }

  async sendToHolder(message: Omit<ReaderMessage, 'toNode'>, nowMs: number): Promise<string | null> {
    // One round trip: the lease read, the row and its NOTIFY (sent at commit, with the row).
    const { rows } = await this.pool.query<{ to_node: string }>({
      name: 'opentill_reader_send_to_holder',
      text: `WITH holder AS (
          SELECT node_id FROM reader_owners WHERE account_id = $2 AND reader_id = $3 AND expires_at_ms > $8 AND node_id <> $4),
        sent AS (
          INSERT INTO reader_messages (id, account_id, reader_id, from_node, to_node, kind, payload, state, result, created_ms)
          SELECT $1, $2, $3, $4, node_id, $5, $6, 'pending', NULL, $7 FROM holder RETURNING to_node)
        SELECT to_node, ${notifySql('to_node', "'message'")} FROM sent`,
      values: [
        message.id,
        message.accountId,
        message.readerId,
        message.fromNode,
        message.kind,
        message.payload,
        message.createdMs,
        nowMs,
      ],
    });
    return rows[0]?.to_node ?? null;
  }

  async take(nodeId: string, limit: number): Promise<ReaderMessage[]> {
    const { rows } = await this.pool.query<MessageRow>({
      name: 'opentill_reader_take',
      // A materialized CTE: `id IN (… LIMIT)` may be planned as a join that does not honour the limit.
      text: `WITH picked AS MATERIALIZED (
          SELECT id FROM reader_messages WHERE to_node = $1 AND state = 'pending' ORDER BY created_ms, id LIMIT $2 FOR UPDATE SKIP LOCKED)
        UPDATE reader_messages SET state = 'taken' FROM picked WHERE reader_messages.id = picked.id AND reader_messages.state = 'pending'
        RETURNING ${messageColumns
          .split(', ')
          .map((column) => `reader_messages.${column}`)
          .join(', ')}`,
      values: [nodeId, limit],
    });
    return rows.sort((a, b) => a.created_ms - b.created_ms || (a.id < b.id ? -1 : 1)).map(messageOf);
  }

  async finish(id: string, result: string): Promise<boolean> {
    return this.conclude(id, 'taken', result);
  }

  async withdraw(id: string, result: string): Promise<boolean> {
    return this.conclude(id, 'pending', result);
  }

  private async conclude(id: string, from: ReaderMessageState, result: string): Promise<boolean> {
    // The wake-up goes out at commit with the row: an answer carries the result it committed.
    const topic = from === 'taken' ? readerBusDoneTopic(id, result) : 'done';
    const { rowCount } = await this.pool.query({
      name: 'opentill_reader_conclude',
      text: `WITH done AS (UPDATE reader_messages SET state = 'done', result = $2 WHERE id = $1 AND state = $3 RETURNING from_node)
        SELECT ${notifySql('from_node', '$4::text')} FROM done`,
      values: [id, result, from, topic],
    });
    return rowCount === 1;
  }

  async result(id: string): Promise<ReaderMessageResult | null> {
    const { rows } = await this.pool.query<ReaderMessageResult>({
      name: 'opentill_reader_result',
      text: 'SELECT state, result FROM reader_messages WHERE id = $1',
      values: [id],
    });
    return rows[0] ?? null;
  }

  async prune(olderThanMs: number): Promise<number> {
    return (await this.pool.query('DELETE FROM reader_messages WHERE created_ms < $1', [olderThanMs])).rowCount ?? 0;
  }

  async addPairing(pairing: ReaderPairing): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO reader_pairings (code, node_id, device, secret_sha256, expires_at_ms, held_until_ms, state)
       VALUES ($1, $2, $3, $4, $5, $6, 'waiting') ON CONFLICT (code) DO NOTHING`,
      [pairing.code, pairing.nodeId, pairing.device, pairing.secretSha256, pairing.expiresAtMs, pairing.heldUntilMs],
    );
    return rowCount === 1;
  }

  async claimPairing(code: string, accountId: string, readerId: string, nowMs: number): Promise<ClaimedPairing | null> {
    // One conditional UPDATE: of two registrations racing for the code, the second re-checks
    // `state = 'waiting'` against the row the first wrote (READ COMMITTED) and claims nothing.
    const { rows } = await this.pool.query<{ node_id: string; device: string; secret_sha256: string }>(
      `UPDATE reader_pairings SET state = 'claimed', account_id = $2, reader_id = $3
       WHERE code = $1 AND state = 'waiting' AND expires_at_ms >= $4 AND held_until_ms >= $4
       RETURNING node_id, device, secret_sha256`,
      [code, accountId, readerId, nowMs],
    );
    const row = rows[0];
    return row ? { nodeId: row.node_id, device: row.device, secretSha256: row.secret_sha256 } : null;
  }

  async completePairing(code: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ node_id: string }>(
      `WITH done AS (UPDATE reader_pairings SET state = 'registered' WHERE code = $1 AND state = 'claimed' RETURNING node_id)
       SELECT node_id, ${notifySql('node_id', "'paired'")} FROM done`,
      [code],
    );
    return rows[0]?.node_id ?? null;
  }

  async registeredPairings(nodeId: string): Promise<RegisteredPairing[]> {
    const { rows } = await this.pool.query<{ code: string; account_id: string; reader_id: string }>(
      `SELECT code, account_id, reader_id FROM reader_pairings WHERE node_id = $1 AND state = 'registered' ORDER BY code`,
      [nodeId],
    );
    return rows.map((row) => ({ code: row.code, accountId: row.account_id, readerId: row.reader_id }));
  }

  async dropPairing(code: string, nodeId: string): Promise<void> {
    await this.pool.query('DELETE FROM reader_pairings WHERE code = $1 AND node_id = $2', [code, nodeId]);
  }

  async holdPairings(nodeId: string, heldUntilMs: number): Promise<void> {
    await this.pool.query("UPDATE reader_pairings SET held_until_ms = $2 WHERE node_id = $1 AND state = 'waiting'", [
      nodeId,
      heldUntilMs,
    ]);
  }

  async prunePairings(olderThanMs: number): Promise<number> {
    return (await this.pool.query('DELETE FROM reader_pairings WHERE expires_at_ms < $1', [olderThanMs])).rowCount ?? 0;
  }

  async notify(target: string, topic: string): Promise<void> {
    await this.pool.query(`SELECT ${notifySql('$1::text', '$2::text')}`, [target, topic]);
  }

  /** LISTEN on a dedicated connection (listen.ts); hints of other schemas sharing the database are ignored. */
  async subscribe(listener: ReaderBusListener): Promise<() => Promise<void>> {
    let schema: string | null = null;
    return listen(this.connection, readerBusChannel, {
      ready: async (client) => {
        if (this.connection.schema !== undefined)
          await client.query(`SET search_path TO "${this.connection.schema.replace(/"/g, '""')}"`);
        schema = (await client.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? null;
      },
      notification: (text) => {
        const at = text.indexOf('|');
        if (schema === null || at < 0 || text.slice(0, at) !== schema) return;
        const parsed = parseReaderBusPayload(text.slice(at + 1));
        if (parsed) listener(parsed.target, parsed.topic);
      },
      listening: () => listener('*', 'listening'), // anything sent while we were not listening
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
