/**
 * PostgreSQL adapter of the store port (node-postgres Pool). Same semantics as the SQLite adapter:
 * a commit is one transaction whose version-checked UPDATEs make the whole batch fail if any object
 * changed since it was loaded; no transaction is held across calls. Several server processes may
 * share one database: migrations run under an advisory lock and idempotency keys are claimed with
 * row locks, so processes never race each other.
 */
import pg from 'pg';
import { inTransaction } from './transaction.js';
import type { StoredObject } from '@opentill/core';
import type {
  Account, AccountReset, ApiKeyRecord, CommitBatch, CommitResult, Filter, IdempotencyBegin, IdempotencyStore, ListPage, ListQuery,
  Store, StoredRecord, StoredText,
} from '@opentill/engine';
import { limits } from '@opentill/core';
import { decideBegin, eventUndeliveredSql, type IdempotencyRowState } from '@opentill/engine';
import { migrations } from './migrations/index.js';
import { PostgresOutbox } from './outbox.js';
import { PostgresDashboardSessions, PostgresRequestLog } from './operations.js';
import { PostgresReaderBus } from './reader-bus.js';

export { migrations } from './migrations/index.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Pool size (default 10). */
  poolMax?: number;
  /**
   * Schema holding the tables. Created by `migrate()` if missing, and set as `search_path` on every
   * new connection (overriding any `search_path` in the connection string). Default: the
   * connection's own search_path (normally `public`).
   */
  schema?: string;
}

/** `data` is `json`; node-postgres parses it, so rows carry the object itself. */
type Row = { id: string; version: number; data: StoredObject };
type AccountRow = { id: string; created: number; clock_offset_ms: number; settings: Record<string, unknown>; platform_id: string | null };
type KeyRow = { hash: string; account_id: string; kind: 'secret' | 'publishable'; last4: string; created: number };

/** BIGINT columns are read through `::float8` so they arrive as numbers (exact below 2^53). */
const OBJECT_COLUMNS = 'id, version, data';
const ACCOUNT_COLUMNS = 'id, created::float8 AS created, clock_offset_ms::float8 AS clock_offset_ms, settings, platform_id';

/** SQLSTATEs that mean "another transaction got in the way": the batch is reported as a conflict. */
const CONFLICT_CODES = new Set(['40001' /* serialization_failure */, '40P01' /* deadlock_detected */]);
/** Raised by `opentill_commit` for a stale version; the message is the object's id. */
const versionConflictCode = 'OT409';
/** Raised by `opentill_commit` when the account's webhook endpoints changed since this process read them. */
const endpointsChangedCode = 'OT412';
/** Plans per commit before giving up (each re-plan follows a fresh read; only endpoint churn needs a second). */
const endpointReplansMax = 5;

function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** Field names used in filters come from our code, never from requests; checked all the same. */
function jsonPath(field: string): string {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/.test(field)) throw new Error(`bad filter field ${field}`);
  return `'{${field.split('.').join(',')}}'`;
}

/**
 * `\u0000` and lone-surrogate escapes (JSON.stringify writes a surrogate escaped only when it is
 * lone), not preceded by an odd run of backslashes. PostgreSQL stores them in `json` but its json
 * operators refuse to decode them.
 */
const UNDECODABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/** The copy of `data` that filters read when `data` has escapes PostgreSQL cannot decode, else null. */
function filterData(json: string): string | null {
  UNDECODABLE_ESCAPE.lastIndex = 0;
  return UNDECODABLE_ESCAPE.test(json) ? json.replace(UNDECODABLE_ESCAPE, '$1\\ufffd') : null;
}

/**
 * Typed comparisons, so `eq 5` does not match the string "5" and `eq true` does not match "true":
 * the JSON type of the field is checked before its text is compared. `eq null` matches JSON null
 * and a missing field, like the SQLite adapter.
 */
function filterSql(filter: Filter, params: unknown[]): string {
  const value = `(coalesce(filter_data, data) #> ${jsonPath(filter.field)})`;
  const text = `(coalesce(filter_data, data) #>> ${jsonPath(filter.field)})`;
  const param = (v: unknown): string => `$${params.push(v)}`;
  switch (filter.op) {
    case 'eq': {
      const v = filter.value;
      if (v === null) return `(${value} IS NULL OR json_typeof(${value}) = 'null')`;
      if (typeof v === 'string') return `(json_typeof(${value}) = 'string' AND ${text} = ${param(v)}::text)`;
      if (typeof v === 'boolean') return `(json_typeof(${value}) = 'boolean' AND ${text} = ${param(String(v))}::text)`;
      // CASE, not AND: the numeric cast must only see numbers.
      return `(CASE WHEN json_typeof(${value}) = 'number' THEN ${text}::numeric = ${param(String(v))}::numeric ELSE false END)`;
    }
    case 'in':
      if (filter.values.length === 0) return 'false';
      return `(json_typeof(${value}) = 'string' AND ${text} = ANY(${param(filter.values)}::text[]))`;
    case 'prefix':
      return `(json_typeof(${value}) = 'string' AND ${text} LIKE ${param(filter.value.replace(/[\\%_]/g, (c) => `\\${c}`) + '%')}::text ESCAPE '\\')`;
  }
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly idempotency: IdempotencyStore;
  readonly outbox: PostgresOutbox;
  readonly requestLog: PostgresRequestLog;
  readonly dashboardSessions: PostgresDashboardSessions;
  readonly readerBus: PostgresReaderBus;
  private readonly pool: pg.Pool;
  private readonly schema: string | undefined;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema;
    const setSearchPath = options.schema === undefined ? undefined : `SET search_path TO ${quoteIdent(options.schema)}`;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolMax ?? 10,
      // Awaited by the pool before the connection is handed out (a failure fails the checkout),
      // which `pool.on('connect')` would not guarantee.
      ...(setSearchPath ? { onConnect: async (client: pg.ClientBase) => void (await client.query(setSearchPath)) } : {}),
    });
    // An idle connection that dies (server restart) is dropped by the pool; without a listener the
    // 'error' event would crash the process.
    this.pool.on('error', () => undefined);
    this.idempotency = this.idempotencyStore();
    this.requestLog = new PostgresRequestLog(this.pool);
    this.dashboardSessions = new PostgresDashboardSessions(this.pool);
    this.readerBus = new PostgresReaderBus(this.pool, { connectionString: options.connectionString, ...(options.schema !== undefined ? { schema: options.schema } : {}) });
    this.outbox = new PostgresOutbox(this.pool, { connectionString: options.connectionString, ...(options.schema !== undefined ? { schema: options.schema } : {}) });
  }

  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }


  async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      // Transaction-scoped, so it is released by COMMIT/ROLLBACK even if this process dies. Keyed by
      // schema: stores in different schemas of one database migrate independently.
      await client.query(
        "SELECT pg_advisory_xact_lock(hashtextextended('opentill.migrate:' || coalesce($1::text, current_schema(), current_setting('search_path')), 0))",
        [this.schema ?? null]);
      if (this.schema !== undefined) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
        const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
        if (rows[0]?.schema !== this.schema) {
          throw new Error(`PostgresStore: search_path is ${rows[0]?.schema ?? 'empty'}, expected ${this.schema}`);
        }
      }
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.up);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
          [migration.version, migration.name, Date.now()]);
      }
    });
  }

  async migrationsApplied(): Promise<boolean> {
    const { rows } = await this.pool.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    return migrations.every((migration) => applied.has(migration.version));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async insertAccount(account: Account, keys: ApiKeyRecord[]): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('INSERT INTO accounts (id, created, clock_offset_ms, settings, platform_id) VALUES ($1, $2, $3, $4::json, $5)',
        [account.id, account.created, account.clockOffsetMs, JSON.stringify(account.settings), account.platformId ?? null]);
      for (const key of keys) await this.insertKey(client, key);
    });
  }

  private async insertKey(client: pg.Pool | pg.PoolClient, key: ApiKeyRecord): Promise<void> {
    await client.query('INSERT INTO api_keys (hash, account_id, kind, last4, created) VALUES ($1, $2, $3, $4, $5)',
      [key.hash, key.accountId, key.kind, key.last4, key.created]);
  }

  async addApiKey(key: ApiKeyRecord): Promise<void> {
    await this.insertKey(this.pool, key);
  }

  async getAccount(id: string): Promise<Account | null> {
    const { rows } = await this.pool.query<AccountRow>({
      name: 'opentill_account', text: `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, values: [id] });
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async listAccounts(): Promise<Account[]> {
    const { rows } = await this.pool.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created, id`);
    return rows.map(toAccount);
  }

  async updateAccount(account: Account): Promise<void> {
    await this.pool.query('UPDATE accounts SET clock_offset_ms = $1, settings = $2::json WHERE id = $3',
      [account.clockOffsetMs, JSON.stringify(account.settings), account.id]);
  }

  async findApiKey(hash: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query<KeyRow>({
      name: 'opentill_api_key', text: 'SELECT hash, account_id, kind, last4, created::float8 AS created FROM api_keys WHERE hash = $1',
      values: [hash] });
    const row = rows[0];
    return row ? { hash: row.hash, accountId: row.account_id, kind: row.kind, last4: row.last4, created: row.created } : null;
  }

  async get<T extends StoredObject = StoredObject>(accountId: string, id: string): Promise<StoredRecord<T> | null> {
    const { rows } = await this.pool.query<Row>({
      name: 'opentill_get', text: `SELECT ${OBJECT_COLUMNS} FROM objects WHERE id = $1 AND account_id = $2`, values: [id, accountId] });
    const row = rows[0];
    return row ? { object: row.data as T, version: row.version } : null;
  }

  /**
   * The stored text as written (`json` keeps it verbatim; every writer of `data` uses
   * JSON.stringify): the retrieve path sends it without a JSON.parse and a re-serialization.
   */
  async getText(accountId: string, id: string): Promise<StoredText | null> {
    const { rows } = await this.pool.query<StoredText>({
      name: 'opentill_get_text', text: 'SELECT type, version, data::text AS data FROM objects WHERE id = $1 AND account_id = $2',
      values: [id, accountId] });
    return rows[0] ?? null;
  }

  async list<T extends StoredObject = StoredObject>(query: ListQuery): Promise<ListPage<T>> {
    const params: unknown[] = [query.accountId, query.type];
    const where = ['account_id = $1', 'type = $2'];
    const created = query.created ?? {};
    for (const [op, sqlOp] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<=']] as const) {
      const value = created[op];
      if (value !== undefined) where.push(`created ${sqlOp} $${params.push(value)}`);
    }
    for (const filter of query.filters ?? []) where.push(filterSql(filter, params));
    if (query.deliverySuccess !== undefined) where.push(query.deliverySuccess ? `NOT ${eventUndeliveredSql}` : eventUndeliveredSql);
    let ascending = false;
    const cursorId = query.startingAfter ?? query.endingBefore;
    if (cursorId !== undefined) {
      ascending = query.startingAfter === undefined;
      // The cursor row must exist (same account and type); otherwise the page is empty, as in SQLite.
      const cursor = `(SELECT created, seq FROM objects WHERE id = $${params.push(cursorId)} AND account_id = $1 AND type = $2)`;
      where.push(`(created, seq) ${ascending ? '>' : '<'} ${cursor}`);
    }
    const order = ascending ? 'created ASC, seq ASC' : 'created DESC, seq DESC';
    const limit = `$${params.push(query.limit + 1)}`;
    const { rows } = await this.pool.query<{ data: T }>(
      `SELECT data FROM objects WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`, params);
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    if (ascending) page.reverse();
    return { data: page.map((row) => row.data), hasMore };
  }

  /**
   * One round trip: the whole batch is one call of `opentill_commit` (migration 0008), atomic like
   * the transaction it replaces (BEGIN, a statement per row, COMMIT: 6 round trips for a create).
   * Webhook deliveries are planned from the endpoints this process last read; when they changed
   * since, the call refuses the plan (`OT412`, nothing written) and it is planned again from a
   * fresh read.
   */
  async commit(batch: CommitBatch): Promise<CommitResult> {
    // A batch that changes webhook endpoints must plan its own events' deliveries from the endpoints
    // as it leaves them (as SQLite does, planning after the writes); the one-statement path plans
    // from the endpoints read before and would refuse itself (OT412) every time. Such batches are rare
    // (endpoint create/update/delete/disable), so they take the statement-by-statement transaction.
    if (batch.alongside?.length || batch.connectPlatformId || batch.puts.some((put) => put.object.object === 'webhook_endpoint')) {
      return this.commitStatementByStatement(batch);
    }
    const puts = batch.puts;
    const putData = puts.map((put) => put.data ?? JSON.stringify(put.object));
    // Planning sets pending_webhooks on the events it routes; a re-plan starts from the originals.
    const pendingWebhooks = batch.events.map((event) => event['pending_webhooks']);
    const idempotency = batch.idempotency;
    for (let attempt = 1; ; attempt++) {
      const deliveries = await this.outbox.plan(batch, attempt > 1);
      const eventData = batch.events.map((event) => JSON.stringify(event));
      try {
        const { rows } = await this.pool.query<{ outcome: string | null }>({
          name: 'opentill_commit',
          text: `SELECT opentill_commit($1, $2, $3, $4, $5::text[], $6::text[], $7::bigint[], $8::int[], $9::boolean[], $10::bigint[],
            $11::text[], $12::text[], $13::text[], $14::bigint[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
            $20::text[], $21::bigint[], $22, $23) AS outcome`,
          values: [
            batch.accountId, idempotency?.key ?? null, idempotency?.token ?? null, idempotency?.effect ?? null,
            puts.map((put) => put.object.id), puts.map((put) => put.object.object), puts.map((put) => put.object.created),
            // An undefined deadline keeps the stored one (updates); null clears it.
            puts.map((put) => put.expectedVersion), puts.map((put) => put.deadlineMs === undefined),
            puts.map((put) => put.deadlineMs ?? null), putData, putData.map(filterData),
            batch.events.map((event) => event.id), batch.events.map((event) => event.created), eventData, eventData.map(filterData),
            deliveries.ids, deliveries.endpointIds, deliveries.eventIds, deliveries.eventTypes, deliveries.at, deliveries.notify,
            deliveries.fingerprint,
          ],
        });
        if (rows[0]?.outcome === 'key_lost') return { ok: false, conflictId: idempotency!.key, keyLost: true };
        return { ok: true, deliveries: deliveries.ids.length };
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (code === endpointsChangedCode && attempt < endpointReplansMax) {
          batch.events.forEach((event, index) => { event['pending_webhooks'] = pendingWebhooks[index]; });
          continue;
        }
        if (code === versionConflictCode) return { ok: false, conflictId: (error as Error).message };
        // Two batches updating the same objects in opposite orders deadlock; PostgreSQL aborts one.
        // Retrying it is exactly what a version conflict asks for.
        if (CONFLICT_CODES.has(code)) return { ok: false, conflictId: puts[0]?.object.id ?? batch.events[0]?.id ?? '' };
        throw error;
      }
    }
  }

  /**
   * A Connect commit: several accounts' writes (`alongside`), or a connected account's events (also
   * routed to its platform's Connect endpoints); or a commit that changes webhook endpoints (its
   * deliveries are planned after its writes). Rare next to plain commits, so it keeps the
   * statement-by-statement transaction rather than widening `opentill_commit`; same semantics
   * (idempotency effect first, version-checked puts, deliveries planned inside, then the events).
   */
  private async commitStatementByStatement(batch: CommitBatch): Promise<CommitResult> {
    let current = '';
    try {
      return await this.transaction(async (client): Promise<CommitResult> => {
        const idempotency = batch.idempotency;
        if (idempotency) {
          const claimed = await client.query(
            "UPDATE idempotency_keys SET effect = $1 WHERE account_id = $2 AND key = $3 AND token = $4 AND state = 'in_flight'",
            [idempotency.effect, batch.accountId, idempotency.key, idempotency.token]);
          if (claimed.rowCount !== 1) return { ok: false, conflictId: idempotency.key, keyLost: true };
        }
        const parts: CommitBatch[] = [batch, ...(batch.alongside ?? []).map((part) => ({ ...part, nowMs: batch.nowMs }))];
        let deliveries = 0;
        for (const part of parts) {
          for (const put of part.puts) {
            current = put.object.id;
            const data = put.data ?? JSON.stringify(put.object);
            if (put.expectedVersion === 0) {
              await client.query(
                `INSERT INTO objects (id, account_id, type, created, version, deadline_ms, data, filter_data)
                 VALUES ($1, $2, $3, $4, 1, $5, $6::json, $7::json)`,
                [put.object.id, part.accountId, put.object.object, put.object.created, put.deadlineMs ?? null, data, filterData(data)]);
            } else {
              // An undefined deadline keeps the stored one; null clears it.
              const keep = put.deadlineMs === undefined;
              const result = await client.query(
                `UPDATE objects SET version = version + 1, data = $1::json, filter_data = $2::json,
                   deadline_ms = CASE WHEN $3::boolean THEN deadline_ms ELSE $4::bigint END
                 WHERE id = $5 AND account_id = $6 AND version = $7`,
                [data, filterData(data), keep, keep ? null : put.deadlineMs, put.object.id, part.accountId, put.expectedVersion]);
              if (result.rowCount !== 1) throw new AcrossConflict(put.object.id);
            }
          }
          deliveries += await this.outbox.planInTransaction(client, part);
          for (const event of part.events) {
            current = event.id;
            const data = JSON.stringify(event);
            await client.query(
              `INSERT INTO objects (id, account_id, type, created, version, deadline_ms, data, filter_data)
               VALUES ($1, $2, 'event', $3, 1, NULL, $4::json, $5::json)`,
              [event.id, part.accountId, event.created, data, filterData(data)]);
          }
        }
        return { ok: true, deliveries };
      });
    } catch (error) {
      if (error instanceof AcrossConflict) return { ok: false, conflictId: error.id };
      // Two batches updating the same objects in opposite orders deadlock; PostgreSQL aborts one.
      if (CONFLICT_CODES.has((error as { code?: string }).code ?? '')) return { ok: false, conflictId: current };
      throw error;
    }
  }

  async resetAccount(accountId: string): Promise<AccountReset> {
    return this.transaction(async (client) => {
      const remove = async (table: string) => (await client.query(`DELETE FROM ${table} WHERE account_id = $1`, [accountId])).rowCount ?? 0;
      return {
        objects: await remove('objects'), deliveries: await remove('webhook_deliveries'),
        attempts: await remove('webhook_attempts'), idempotencyKeys: await remove('idempotency_keys'),
      };
    });
  }

  async setting(name: string, value: string): Promise<string> {
    // Two statements, not one: a single statement's snapshot would not see a row another node
    // committed after it started, which is exactly the row ON CONFLICT DO NOTHING skipped for.
    await this.pool.query('INSERT INTO server_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, value]);
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM server_settings WHERE name = $1', [name]);
    return rows[0]!.value;
  }

  async due(accountId: string, nowMs: number, limit: number): Promise<StoredRecord[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE account_id = $1 AND deadline_ms IS NOT NULL AND deadline_ms <= $2
       ORDER BY deadline_ms, seq LIMIT $3`, [accountId, nowMs, limit]);
    return rows.map((row) => ({ object: row.data, version: row.version }));
  }

  private idempotencyStore(): IdempotencyStore {
    return {
      begin: (accountId, key, requestHash, nowMs, token) => this.idempotencyBegin(accountId, key, requestHash, nowMs, token),
      finish: async (accountId, key, status, body, token) => {
        await this.pool.query({
          name: 'opentill_idempotency_finish',
          text: `UPDATE idempotency_keys SET state = 'done', response_status = $1, response_body = $2, effect = NULL
           WHERE account_id = $3 AND key = $4 AND token = $5 AND state = 'in_flight'`,
          values: [status, body, accountId, key, token] });
      },
      abandon: async (accountId, key, token) => {
        await this.pool.query({
          name: 'opentill_idempotency_abandon',
          text: "DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND token = $3 AND state = 'in_flight' AND effect IS NULL",
          values: [accountId, key, token] });
      },
      prune: async (olderThanMs) => {
        const result = await this.pool.query("DELETE FROM idempotency_keys WHERE created_ms < $1 AND state = 'done'", [olderThanMs]);
        return result.rowCount ?? 0;
      },
    };
  }

  /**
   * Race-safe across processes: the first request claims the key by inserting it; any other looks at
   * the row under `FOR UPDATE`, so two requests can never both take over an expired key.
   */
  private async idempotencyBegin(accountId: string, key: string, requestHash: string, nowMs: number,
    token: string): Promise<IdempotencyBegin> {
    const lockedUntil = nowMs + limits.idempotencyLockMs;
    const claim = (client: pg.Pool | pg.PoolClient) => client.query({
      name: 'opentill_idempotency_claim',
      text: `INSERT INTO idempotency_keys (account_id, key, request_hash, state, created_ms, locked_until_ms, token)
       VALUES ($1, $2, $3, 'in_flight', $4, $5, $6) ON CONFLICT (account_id, key) DO NOTHING RETURNING 1`,
      values: [accountId, key, requestHash, nowMs, lockedUntil, token] });
    if ((await claim(this.pool)).rowCount === 1) return { kind: 'started' };
    return this.transaction(async (client): Promise<IdempotencyBegin> => {
      for (let attempt = 1; ; attempt++) {
        if (attempt > 10) throw new Error(`idempotency key ${key}: claimed and released 10 times in a row`);
        const { rows } = await client.query<IdempotencyRowState>(
          `SELECT request_hash, state, response_status, response_body, created_ms::float8 AS created_ms,
                  locked_until_ms::float8 AS locked_until_ms, token, effect
           FROM idempotency_keys WHERE account_id = $1 AND key = $2 FOR UPDATE`, [accountId, key]);
        const row = rows[0];
        // Abandoned or pruned since our INSERT saw it: claim it again (another request may beat us).
        if (!row) {
          if ((await claim(client)).rowCount === 1) return { kind: 'started' };
          continue;
        }
        const decided = decideBegin(row, requestHash, nowMs);
        if (decided) return decided;
        await client.query(
          `UPDATE idempotency_keys SET request_hash = $3, state = 'in_flight', response_status = NULL, response_body = NULL,
             created_ms = $4, locked_until_ms = $5, token = $6, effect = NULL WHERE account_id = $1 AND key = $2`,
          [accountId, key, requestHash, nowMs, lockedUntil, token]);
        return { kind: 'started' };
      }
    });
  }
}

function toAccount(row: AccountRow): Account {
  return { id: row.id, created: row.created, clockOffsetMs: row.clock_offset_ms, settings: row.settings, platformId: row.platform_id };
}

/** A version conflict inside `commitStatementByStatement` (rolls its transaction back). */
class AcrossConflict extends Error {
  constructor(readonly id: string) {
    super(`version conflict on ${id}`);
  }
}
