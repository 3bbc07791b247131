/**
 * PostgreSQL adapter of the store port (node-postgres Pool). Same semantics as the SQLite adapter:
 * a commit is one transaction whose version-checked UPDATEs make the whole batch fail if any object
 * changed since it was loaded; no transaction is held across calls. Several server processes may
 * share one database: migrations run under an advisory lock and idempotency keys are claimed with
 * row locks, so processes never race each other.
 */
import pg from 'pg';
import { inTransaction, transactionOn } from './transaction.js';
import { RoundTripBatcher, type Settled } from './batcher.js';
import { binaryTextArray } from './binary-array.js';
import { arrayLiteral } from './array-literal.js';
import type { StoredObject } from '@opentill/core';
import type {
  Account,
  AccountReset,
  ApiKeyRecord,
  CommitBatch,
  CommitResult,
  Filter,
  IdempotencyBegin,
  IdempotencyStore,
  ListPage,
  ListQuery,
  Store,
  StoredRecord,
  StoredText,
} from '@opentill/engine';
import { compact, limits } from '@opentill/core';
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
   * Hot statements (key claims, stored answers) of concurrent requests on their way at once per kind;
   * more calls wait and go together as one statement (default 2; `batcher.ts`).
   */
  batchesInFlightMax?: number;
  /**
   * Schema holding the tables. Created by `migrate()` if missing, and set as `search_path` on every
   * new connection (overriding any `search_path` in the connection string). Default: the
   * connection's own search_path (normally `public`).
   */
  schema?: string;
  /**
   * Bounds of every PostgreSQL wait (defaults: `limits.postgres*`): opening a connection or waiting
   * for a pooled one, a query of the pool, the liveness check period of the LISTEN connections.
   */
  timeouts?: { connectMs?: number; queryMs?: number; listenCheckMs?: number };
}

/** `data` is `json`; node-postgres parses it, so rows carry the object itself. */
type Row = { id: string; version: number; data: StoredObject };
type AccountRow = {
  id: string;
  created: number;
  clock_offset_ms: number;
  settings: Record<string, unknown>;
  platform_id: string | null;
};
type KeyRow = { hash: string; account_id: string; kind: 'secret' | 'publishable'; last4: string; created: number };

/** BIGINT columns are read through `::float8` so they arrive as numbers (exact below 2^53). */
const OBJECT_COLUMNS = 'id, version, data';
const ACCOUNT_COLUMNS =
  'id, created::float8 AS created, clock_offset_ms::float8 AS clock_offset_ms, settings, platform_id';

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
  // Every match contains `\u`; most documents have none, and a substring search is far cheaper than the regex.
  if (!json.includes('\\u')) return null;
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
  /** Connection settings of every connection (the pool's add a query timeout). */
  private readonly connection: pg.ClientConfig;
  /** Run on every new connection. */
  private readonly setup: string;
  private readonly schema: string | undefined;
  /** Key claims of concurrent requests, one INSERT per batch; each answers whether its token took the key. */
  private readonly claims: RoundTripBatcher<KeyClaim, boolean>;
  /** Stored answers of concurrent requests, one UPDATE per batch. */
  private readonly finishes: RoundTripBatcher<KeyAnswer, void>;
  /** Point reads of concurrent requests (`get`, `getText`), one SELECT per batch and kind. */
  private readonly reads: RoundTripBatcher<ObjectKey, StoredRecord | null>;
  private readonly textReads: RoundTripBatcher<ObjectKey, StoredText | null>;
  /** Commits of concurrent requests, one statement per batch (`commitCalls`); each answers `ok` or `key_lost`, or fails alone. */
  private readonly commits: RoundTripBatcher<unknown[], string>;

  constructor(options: PostgresStoreOptions) {
    this.schema = options.schema;
    // Generic plans for the prepared statements (and the PL/pgSQL bodies) of this pool: they are
    // keyed lookups and `unnest` batches, whose generic plan is the plan. By default PostgreSQL
    // re-plans a statement on every execution while a custom plan looks cheaper, which an
    // `unnest` of a known short array always does: that was ~7 % of the backend's CPU per create.
    const setup = [
      'SET plan_cache_mode TO force_generic_plan',
      ...(options.schema === undefined ? [] : [`SET search_path TO ${quoteIdent(options.schema)}`]),
    ].join('; ');
    // A silently dropped network (no RST, no FIN) never ends a connection: every wait is bounded
    // (limits.ts). `query_timeout` fails the query client-side; pg 8 leaves the connection with the
    // query still unanswered, so it must never be reused: `pool.query` releases it with the error
    // (the pool destroys it), and `inTransaction` does the same.
    this.connection = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.timeouts?.connectMs ?? limits.postgresConnectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: limits.postgresKeepAliveIdleMs,
    };
    this.setup = setup;
    const queryTimeout = { query_timeout: options.timeouts?.queryMs ?? limits.postgresQueryTimeoutMs };
    this.pool = new pg.Pool({
      ...this.connection,
      ...queryTimeout,
      max: options.poolMax ?? 10,
      // Awaited by the pool before the connection is handed out (a failure fails the checkout),
      // which `pool.on('connect')` would not guarantee.
      onConnect: async (client: pg.ClientBase) => void (await client.query(setup)),
    });
    // An idle connection that dies (server restart) is dropped by the pool; without a listener the
    // 'error' event would crash the process.
    this.pool.on('error', () => undefined);
    const batching = { inFlightMax: options.batchesInFlightMax ?? 2, batchMax: hotBatchMax };
    this.claims = new RoundTripBatcher((claims) => this.claimKeys(claims), batching);
    this.finishes = new RoundTripBatcher((answers) => this.storeAnswers(answers), batching);
    this.commits = new RoundTripBatcher((calls) => this.commitCalls(calls), { ...batching, batchMax: commitBatchMax });
    this.reads = new RoundTripBatcher((keys) => this.readObjects(keys), batching);
    this.textReads = new RoundTripBatcher((keys) => this.readObjectTexts(keys), batching);
    this.idempotency = this.idempotencyStore();
    this.requestLog = new PostgresRequestLog(this.pool);
    this.dashboardSessions = new PostgresDashboardSessions(this.pool);
    const listenConnection = {
      client: { ...this.connection, ...queryTimeout },
      checkMs: options.timeouts?.listenCheckMs ?? limits.postgresListenCheckIntervalMs,
    };
    this.readerBus = new PostgresReaderBus(this.pool, {
      ...listenConnection,
      ...compact({ schema: options.schema }),
    });
    this.outbox = new PostgresOutbox(this.pool, {
      ...listenConnection,
      ...compact({ schema: options.schema }),
    });
  }

  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  /**
   * On a connection of its own, without the pool's query timeout: the advisory lock may wait for
   * another node's migration, and a migration of a large database may take minutes. A node serves
   * nothing until it has migrated; connecting is bounded, and TCP keepalive ends a dead connection.
   */
  async migrate(): Promise<void> {
    const migrator = new pg.Client(this.connection);
    // An error after connecting (the server went away) fails the running query; without a listener it would crash the process.
    migrator.on('error', () => undefined);
    await migrator.connect();
    try {
      await migrator.query(this.setup);
      await this.migrateOn(migrator);
    } finally {
      await migrator.end().catch(() => undefined);
    }
  }

  private async migrateOn(migrator: pg.Client): Promise<void> {
    await transactionOn(migrator, async (client) => {
      // Transaction-scoped, so it is released by COMMIT/ROLLBACK even if this process dies. Keyed by
      // schema: stores in different schemas of one database migrate independently.
      await client.query(
        "SELECT pg_advisory_xact_lock(hashtextextended('opentill.migrate:' || coalesce($1::text, current_schema(), current_setting('search_path')), 0))",
        [this.schema ?? null],
      );
      if (this.schema !== undefined) {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
        const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
        if (rows[0]?.schema !== this.schema) {
          throw new Error(`PostgresStore: search_path is ${rows[0]?.schema ?? 'empty'}, expected ${this.schema}`);
        }
      }
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.up);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
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
      await client.query(
        'INSERT INTO accounts (id, created, clock_offset_ms, settings, platform_id) VALUES ($1, $2, $3, $4::json, $5)',
        [
          account.id,
          account.created,
          account.clockOffsetMs,
          JSON.stringify(account.settings),
          account.platformId ?? null,
        ],
      );
      for (const key of keys) await this.insertKey(client, key);
    });
  }

  private async insertKey(client: pg.Pool | pg.PoolClient, key: ApiKeyRecord): Promise<void> {
    await client.query('INSERT INTO api_keys (hash, account_id, kind, last4, created) VALUES ($1, $2, $3, $4, $5)', [
      key.hash,
      key.accountId,
      key.kind,
      key.last4,
      key.created,
    ]);
  }

  async addApiKey(key: ApiKeyRecord): Promise<void> {
    await this.insertKey(this.pool, key);
  }

  async getAccount(id: string): Promise<Account | null> {
    const { rows } = await this.pool.query<AccountRow>({
      name: 'opentill_account',
      text: `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`,
      values: [id],
    });
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async listAccounts(): Promise<Account[]> {
    const { rows } = await this.pool.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created, id`);
    return rows.map(toAccount);
  }

  async updateAccount(account: Account): Promise<void> {
    await this.pool.query('UPDATE accounts SET clock_offset_ms = $1, settings = $2::json WHERE id = $3', [
      account.clockOffsetMs,
      JSON.stringify(account.settings),
      account.id,
    ]);
  }

  async findApiKey(hash: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query<KeyRow>({
      name: 'opentill_api_key',
      text: 'SELECT hash, account_id, kind, last4, created::float8 AS created FROM api_keys WHERE hash = $1',
      values: [hash],
    });
    const row = rows[0];
    return row
      ? { hash: row.hash, accountId: row.account_id, kind: row.kind, last4: row.last4, created: row.created }
      : null;
  }

  async get<T extends StoredObject = StoredObject>(accountId: string, id: string): Promise<StoredRecord<T> | null> {
    return this.reads.run({ accountId, id }) as Promise<StoredRecord<T> | null>;
  }

  /**
   * The stored text as written (`json` keeps it verbatim; every writer of `data` uses
   * JSON.stringify): the retrieve path sends it without a JSON.parse and a re-serialization.
   */
  async getText(accountId: string, id: string): Promise<StoredText | null> {
    return this.textReads.run({ accountId, id });
  }

  /** Point reads in one statement: each answers what a lone `SELECT … WHERE id AND account_id` would. */
  private async readObjects(keys: ObjectKey[]): Promise<Array<Settled<StoredRecord | null>>> {
    const { rows } = await this.pool.query<Row & { ord: number }>({
      name: 'opentill_get_batch',
      text: `SELECT k.ord::int AS ord, o.version, o.data ${batchedPointRead}`,
      values: [arrayLiteral(keys.map((key) => key.id)), arrayLiteral(keys.map((key) => key.accountId))],
    });
    const found: Array<Settled<StoredRecord | null>> = keys.map(() => ({ ok: true, value: null }));
    for (const row of rows) found[row.ord - 1] = { ok: true, value: { object: row.data, version: row.version } };
    return found;
  }

  private async readObjectTexts(keys: ObjectKey[]): Promise<Array<Settled<StoredText | null>>> {
    const { rows } = await this.pool.query<StoredText & { ord: number }>({
      name: 'opentill_get_text_batch',
      text: `SELECT k.ord::int AS ord, o.type, o.version, o.data::text AS data ${batchedPointRead}`,
      values: [arrayLiteral(keys.map((key) => key.id)), arrayLiteral(keys.map((key) => key.accountId))],
    });
    const found: Array<Settled<StoredText | null>> = keys.map(() => ({ ok: true, value: null }));
    for (const { ord, ...text } of rows) found[ord - 1] = { ok: true, value: text };
    return found;
  }

  async list<T extends StoredObject = StoredObject>(query: ListQuery): Promise<ListPage<T>> {
    const params: unknown[] = [query.accountId, query.type];
    const where = ['account_id = $1', 'type = $2'];
    const created = query.created ?? {};
    for (const [op, sqlOp] of [
      ['gt', '>'],
      ['gte', '>='],
      ['lt', '<'],
      ['lte', '<='],
    ] as const) {
      const value = created[op];
      if (value !== undefined) where.push(`created ${sqlOp} $${params.push(value)}`);
    }
    for (const filter of query.filters ?? []) where.push(filterSql(filter, params));
    if (query.deliverySuccess !== undefined)
      where.push(query.deliverySuccess ? `NOT ${eventUndeliveredSql}` : eventUndeliveredSql);
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
      `SELECT data FROM objects WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`,
      params,
    );
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    if (ascending) page.reverse();
    return { data: page.map((row) => row.data), hasMore };
  }

  /**
   * One call of `opentill_commit` (migration 0008), atomic like the transaction it replaces (BEGIN,
   * a statement per row, COMMIT: 6 round trips for a create), through `opentill_commit_guarded`
   * (0011) so that concurrent requests' commits share one round trip (`commitCalls`).
   * Webhook deliveries are planned from the endpoints this process last read; when they changed
   * since, the call refuses the plan (`OT412`, nothing written) and it is planned again from a
   * fresh read.
   */
  async commit(batch: CommitBatch): Promise<CommitResult> {
    // A batch that changes webhook endpoints must plan its own events' deliveries from the endpoints
    // as it leaves them (as SQLite does, planning after the writes); the one-statement path plans
    // from the endpoints read before and would refuse itself (OT412) every time. Such batches are rare
    // (endpoint create/update/delete/disable), so they take the statement-by-statement transaction.
    if (
      batch.alongside?.length ||
      batch.connectPlatformId ||
      batch.puts.some((put) => put.object.object === 'webhook_endpoint')
    ) {
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
        const outcome = await this.commits.run([
          batch.accountId,
          idempotency?.key ?? null,
          idempotency?.token ?? null,
          idempotency?.effect ?? null,
          arrayLiteral(puts.map((put) => put.object.id)),
          arrayLiteral(puts.map((put) => put.object.object)),
          arrayLiteral(puts.map((put) => put.object.created)),
          // An undefined deadline keeps the stored one (updates); null clears it.
          arrayLiteral(puts.map((put) => put.expectedVersion)),
          arrayLiteral(puts.map((put) => put.deadlineMs === undefined)),
          arrayLiteral(puts.map((put) => put.deadlineMs ?? null)),
          // The documents go in the binary array format: nothing to escape (binary-array.ts).
          binaryTextArray(putData),
          binaryTextArray(putData.map(filterData)),
          arrayLiteral(batch.events.map((event) => event.id)),
          arrayLiteral(batch.events.map((event) => event.created)),
          binaryTextArray(eventData),
          binaryTextArray(eventData.map(filterData)),
          arrayLiteral(deliveries.ids),
          arrayLiteral(deliveries.endpointIds),
          arrayLiteral(deliveries.eventIds),
          arrayLiteral(deliveries.eventTypes),
          arrayLiteral(deliveries.at),
          deliveries.notify,
          deliveries.fingerprint,
        ]);
        if (outcome === 'key_lost') return { ok: false, conflictId: idempotency!.key, keyLost: true };
        return { ok: true, deliveries: deliveries.ids.length };
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (code === endpointsChangedCode && attempt < endpointReplansMax) {
          batch.events.forEach((event, index) => {
            event['pending_webhooks'] = pendingWebhooks[index];
          });
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
            [idempotency.effect, batch.accountId, idempotency.key, idempotency.token],
          );
          if (claimed.rowCount !== 1) return { ok: false, conflictId: idempotency.key, keyLost: true };
        }
        const parts: CommitBatch[] = [
          batch,
          ...(batch.alongside ?? []).map((part) => ({ ...part, ...compact({ nowMs: batch.nowMs }) })),
        ];
        let deliveries = 0;
        for (const part of parts) {
          for (const put of part.puts) {
            current = put.object.id;
            const data = put.data ?? JSON.stringify(put.object);
            if (put.expectedVersion === 0) {
              await client.query(
                `INSERT INTO objects (id, account_id, type, created, version, deadline_ms, data, filter_data)
                 VALUES ($1, $2, $3, $4, 1, $5, $6::json, $7::json)`,
                [
                  put.object.id,
                  part.accountId,
                  put.object.object,
                  put.object.created,
                  put.deadlineMs ?? null,
                  data,
                  filterData(data),
                ],
              );
            } else {
              // An undefined deadline keeps the stored one; null clears it.
              const keep = put.deadlineMs === undefined;
              const result = await client.query(
                `UPDATE objects SET version = version + 1, data = $1::json, filter_data = $2::json,
                   deadline_ms = CASE WHEN $3::boolean THEN deadline_ms ELSE $4::bigint END
                 WHERE id = $5 AND account_id = $6 AND version = $7`,
                [
                  data,
                  filterData(data),
                  keep,
                  keep ? null : put.deadlineMs,
                  put.object.id,
                  part.accountId,
                  put.expectedVersion,
                ],
              );
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
              [event.id, part.accountId, event.created, data, filterData(data)],
            );
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
      const remove = async (table: string) =>
        (await client.query(`DELETE FROM ${table} WHERE account_id = $1`, [accountId])).rowCount ?? 0;
      return {
        objects: await remove('objects'),
        deliveries: await remove('webhook_deliveries'),
        attempts: await remove('webhook_attempts'),
        idempotencyKeys: await remove('idempotency_keys'),
      };
    });
  }

  async setting(name: string, value: string): Promise<string> {
    // Two statements, not one: a single statement's snapshot would not see a row another node
    // committed after it started, which is exactly the row ON CONFLICT DO NOTHING skipped for.
    await this.pool.query('INSERT INTO server_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
      name,
      value,
    ]);
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM server_settings WHERE name = $1', [
      name,
    ]);
    return rows[0]!.value;
  }

  async due(accountId: string, nowMs: number, limit: number): Promise<StoredRecord[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE account_id = $1 AND deadline_ms IS NOT NULL AND deadline_ms <= $2
       ORDER BY deadline_ms, seq LIMIT $3`,
      [accountId, nowMs, limit],
    );
    return rows.map((row) => ({ object: row.data, version: row.version }));
  }

  /**
   * Claims free keys, one INSERT for the batch. A key already present, or claimed by an earlier row
   * of the same batch (two requests racing with one key), is left alone: only rows whose token comes
   * back took their key; the others decide under the row lock (`idempotencyBegin`).
   */
  private async claimKeys(claims: KeyClaim[]): Promise<Array<Settled<boolean>>> {
    const rows = inKeyOrder(claims);
    const { rows: taken } = await this.pool.query<{ token: string }>({
      name: 'opentill_idempotency_claim_batch',
      text: `INSERT INTO idempotency_keys (account_id, key, request_hash, state, created_ms, locked_until_ms, token)
        SELECT c.account_id, c.key, c.request_hash, 'in_flight', c.created_ms, c.locked_until_ms, c.token
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) WITH ORDINALITY
          AS c(account_id, key, request_hash, created_ms, locked_until_ms, token, ord)
        ORDER BY c.ord
        ON CONFLICT (account_id, key) DO NOTHING RETURNING token`,
      values: [
        arrayLiteral(rows.map((c) => c.accountId)),
        arrayLiteral(rows.map((c) => c.key)),
        arrayLiteral(rows.map((c) => c.requestHash)),
        arrayLiteral(rows.map((c) => c.nowMs)),
        arrayLiteral(rows.map((c) => c.lockedUntil)),
        arrayLiteral(rows.map((c) => c.token)),
      ],
    });
    const tokens = new Set(taken.map((row) => row.token));
    return claims.map((claim) => ({ ok: true, value: tokens.has(claim.token) }));
  }

  /**
   * Several commits in one statement, `SELECT opentill_commit_guarded(…), opentill_commit_guarded(…)`
   * (a named statement per count): one transaction, each call in its own subtransaction, so each
   * fails alone (its error comes back as a value and is rethrown to its own caller, with its SQLSTATE
   * as `code`, as node-postgres would have thrown it) and all are durable before any is answered.
   */
  private async commitCalls(calls: unknown[][]): Promise<Array<Settled<string>>> {
    const { rows } = await this.pool.query<Record<string, string>>({
      name: `opentill_commit_batch_${calls.length}`,
      text: commitBatchSql(calls.length),
      values: calls.flat(),
    });
    const row = rows[0] ?? {};
    return calls.map((_call, index): Settled<string> => {
      const outcome = row[`o${index}`] ?? 'error XX000 no outcome';
      if (!outcome.startsWith('error ')) return { ok: true, value: outcome };
      const error = Object.assign(new Error(outcome.slice(12)), { code: outcome.slice(6, 11) });
      return { ok: false, error };
    });
  }

  /** Stores the answers, one UPDATE for the batch; each only while its token still owns its in-flight key. */
  private async storeAnswers(answers: KeyAnswer[]): Promise<Array<Settled<void>>> {
    const rows = inKeyOrder(answers);
    await this.pool.query({
      name: 'opentill_idempotency_finish_batch',
      text: `UPDATE idempotency_keys AS k SET state = 'done', response_status = a.status, response_body = a.body, effect = NULL
        FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[]) AS a(account_id, key, token, status, body)
        WHERE k.account_id = a.account_id AND k.key = a.key AND k.token = a.token AND k.state = 'in_flight'`,
      values: [
        arrayLiteral(rows.map((a) => a.accountId)),
        arrayLiteral(rows.map((a) => a.key)),
        arrayLiteral(rows.map((a) => a.token)),
        arrayLiteral(rows.map((a) => a.status)),
        binaryTextArray(rows.map((a) => a.body)),
      ],
    });
    return answers.map(() => ({ ok: true, value: undefined }));
  }

  private idempotencyStore(): IdempotencyStore {
    return {
      begin: (accountId, key, requestHash, nowMs, token) =>
        this.idempotencyBegin(accountId, key, requestHash, nowMs, token),
      finish: (accountId, key, status, body, token) => this.finishes.run({ accountId, key, status, body, token }),
      abandon: async (accountId, key, token) => {
        await this.pool.query({
          name: 'opentill_idempotency_abandon',
          text: "DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2 AND token = $3 AND state = 'in_flight' AND effect IS NULL",
          values: [accountId, key, token],
        });
      },
      prune: async (olderThanMs) => {
        const result = await this.pool.query("DELETE FROM idempotency_keys WHERE created_ms < $1 AND state = 'done'", [
          olderThanMs,
        ]);
        return result.rowCount ?? 0;
      },
    };
  }

  /**
   * Race-safe across processes: the first request claims the key by inserting it; any other looks at
   * the row under `FOR UPDATE`, so two requests can never both take over an expired key.
   */
  private async idempotencyBegin(
    accountId: string,
    key: string,
    requestHash: string,
    nowMs: number,
    token: string,
  ): Promise<IdempotencyBegin> {
    const lockedUntil = nowMs + limits.idempotencyLockMs;
    const claim = (client: pg.PoolClient) =>
      client.query({
        name: 'opentill_idempotency_claim',
        text: `INSERT INTO idempotency_keys (account_id, key, request_hash, state, created_ms, locked_until_ms, token)
       VALUES ($1, $2, $3, 'in_flight', $4, $5, $6) ON CONFLICT (account_id, key) DO NOTHING RETURNING 1`,
        values: [accountId, key, requestHash, nowMs, lockedUntil, token],
      });
    if (await this.claims.run({ accountId, key, requestHash, nowMs, lockedUntil, token })) return { kind: 'started' };
    return this.transaction(async (client): Promise<IdempotencyBegin> => {
      for (let attempt = 1; ; attempt++) {
        if (attempt > 10) throw new Error(`idempotency key ${key}: claimed and released 10 times in a row`);
        const { rows } = await client.query<IdempotencyRowState>(
          `SELECT request_hash, state, response_status, response_body, created_ms::float8 AS created_ms,
                  locked_until_ms::float8 AS locked_until_ms, token, effect
           FROM idempotency_keys WHERE account_id = $1 AND key = $2 FOR UPDATE`,
          [accountId, key],
        );
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
          [accountId, key, requestHash, nowMs, lockedUntil, token],
        );
        return { kind: 'started' };
      }
    });
  }
}

/** Calls per batched hot statement: 6 array parameters whatever the count; bounds the locks one statement holds. */
const hotBatchMax = 64;

/** Commits per batched statement: 23 parameters each. */
const commitBatchMax = 16;

/** The parameter types of `opentill_commit` (0008), in order. */
const commitParameterTypes = [
  'text',
  'text',
  'text',
  'text',
  'text[]',
  'text[]',
  'bigint[]',
  'int[]',
  'boolean[]',
  'bigint[]',
  'text[]',
  'text[]',
  'text[]',
  'bigint[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'bigint[]',
  'text',
  'text',
];
const commitBatchSqls: string[] = [];

/** `SELECT opentill_commit_guarded($1, …, $23) AS o0, … AS o<count - 1>` (cached per count). */
function commitBatchSql(count: number): string {
  return (commitBatchSqls[count] ??= `SELECT ${Array.from({ length: count }, (_unused, call) => {
    const parameters = commitParameterTypes.map(
      (type, index) => `$${call * commitParameterTypes.length + index + 1}::${type}`,
    );
    return `opentill_commit_guarded(${parameters.join(', ')}) AS o${call}`;
  }).join(', ')}`);
}

/** The FROM of a batched point read: `k.ord` (1-based) says which key a row answers. */
const batchedPointRead = `FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(id, account_id, ord)
  JOIN objects o ON o.id = k.id AND o.account_id = k.account_id`;

interface ObjectKey {
  accountId: string;
  id: string;
}
interface KeyClaim {
  accountId: string;
  key: string;
  requestHash: string;
  nowMs: number;
  lockedUntil: number;
  token: string;
}
interface KeyAnswer {
  accountId: string;
  key: string;
  status: number;
  body: string;
  token: string;
}

/**
 * Rows of a batch in key order: two claim batches holding the same keys insert them in the same order,
 * so one waits for the other instead of deadlocking. (Answers touch disjoint keys: one token each.)
 */
function inKeyOrder<T extends { accountId: string; key: string }>(items: T[]): T[] {
  return [...items].sort((a, b) =>
    a.accountId === b.accountId ? compare(a.key, b.key) : compare(a.accountId, b.accountId),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    created: row.created,
    clockOffsetMs: row.clock_offset_ms,
    settings: row.settings,
    platformId: row.platform_id,
  };
}

/** A version conflict inside `commitStatementByStatement` (rolls its transaction back). */
class AcrossConflict extends Error {
  constructor(readonly id: string) {
    super(`version conflict on ${id}`);
  }
}
