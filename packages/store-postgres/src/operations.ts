/**
 * The request log and dashboard sessions on PostgreSQL (engine/src/operations-store.ts). A batch
 * of request-log rows is one INSERT over column arrays.
 */
import type pg from 'pg';
import { binaryTextArray } from './binary-array.js';
import { arrayLiteral } from './array-literal.js';
import {
  requestLogAscending,
  requestLogConditions,
  type DashboardSession,
  type DashboardSessionStore,
  type RequestLogEntry,
  type RequestLogPruning,
  type RequestLogQuery,
  type RequestLogStore,
  type RequestLogSummary,
  type RequestSource,
} from '@opentill/engine';

type LogRow = {
  id: string;
  account_id: string;
  created_ms: number;
  method: string;
  path: string;
  status: number;
  idempotency_key: string | null;
  replayed: boolean;
  error_type: string | null;
  error_code: string | null;
  duration_ms: number;
  source: string;
  request_params?: string;
  response_body?: string;
};

const summaryColumns =
  'id, account_id, created_ms::float8 AS created_ms, method, path, status, idempotency_key, replayed, ' +
  'error_type, error_code, duration_ms, source';
const insertColumns =
  'id, account_id, created_ms, method, path, status, idempotency_key, replayed, error_type, error_code, ' +
  'duration_ms, source, status_class, request_params, response_body';
/** Rows per INSERT (bounds one statement's size; the arrays themselves have no such limit). */
const insertRowsMax = 500;
/** The rows in the order given (`seq`, the listing order, is drawn in insertion order). */
const appendSql = `INSERT INTO request_log (${insertColumns})
  SELECT r.id, r.account_id, r.created_ms, r.method, r.path, r.status, r.idempotency_key, r.replayed, r.error_type,
    r.error_code, r.duration_ms, r.source, r.status_class, r.request_params, r.response_body
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[], $8::boolean[],
    $9::text[], $10::text[], $11::float8[], $12::text[], $13::int[], $14::text[], $15::text[]) WITH ORDINALITY
    AS r(id, account_id, created_ms, method, path, status, idempotency_key, replayed, error_type, error_code,
      duration_ms, source, status_class, request_params, response_body, ord)
  ORDER BY r.ord
  ON CONFLICT (id) DO NOTHING`;

function summaryOf(row: LogRow): RequestLogSummary {
  return {
    id: row.id,
    accountId: row.account_id,
    createdMs: row.created_ms,
    method: row.method,
    path: row.path,
    status: row.status,
    idempotencyKey: row.idempotency_key,
    replayed: row.replayed,
    errorType: row.error_type,
    errorCode: row.error_code,
    durationMs: row.duration_ms,
    source: row.source as RequestSource,
  };
}

export class PostgresRequestLog implements RequestLogStore {
  constructor(private readonly pool: pg.Pool) {}

  async append(entries: RequestLogEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += insertRowsMax) {
      const batch = entries.slice(start, start + insertRowsMax);
      // One named statement over column arrays, whatever the row count: PostgreSQL parses and plans it
      // once per connection, where a multi-row VALUES list was a new statement of up to 7,500
      // parameters on every flush. The bodies go in the binary array format (nothing to escape).
      await this.pool.query({
        name: 'opentill_request_log_append',
        text: appendSql,
        values: [
          arrayLiteral(batch.map((e) => e.id)),
          arrayLiteral(batch.map((e) => e.accountId)),
          arrayLiteral(batch.map((e) => e.createdMs)),
          arrayLiteral(batch.map((e) => e.method)),
          arrayLiteral(batch.map((e) => e.path)),
          arrayLiteral(batch.map((e) => e.status)),
          arrayLiteral(batch.map((e) => e.idempotencyKey)),
          arrayLiteral(batch.map((e) => e.replayed)),
          arrayLiteral(batch.map((e) => e.errorType)),
          arrayLiteral(batch.map((e) => e.errorCode)),
          arrayLiteral(batch.map((e) => e.durationMs)),
          arrayLiteral(batch.map((e) => e.source)),
          arrayLiteral(batch.map((e) => Math.floor(e.status / 100))),
          binaryTextArray(batch.map((e) => e.requestParams)),
          binaryTextArray(batch.map((e) => e.responseBody)),
        ],
      });
    }
  }

  async list(query: RequestLogQuery): Promise<{ data: RequestLogSummary[]; hasMore: boolean }> {
    const params: unknown[] = [];
    const where = requestLogConditions(query, (value) => `$${params.push(value)}`);
    const ascending = requestLogAscending(query);
    const { rows } = await this.pool.query<LogRow>(
      `SELECT ${summaryColumns} FROM request_log WHERE ${where.join(' AND ')} ORDER BY seq ${ascending ? 'ASC' : 'DESC'} ` +
        `LIMIT $${params.push(query.limit + 1)}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    if (ascending) page.reverse();
    return { data: page.map(summaryOf), hasMore: rows.length > query.limit };
  }

  async get(accountId: string, id: string): Promise<RequestLogEntry | null> {
    const { rows } = await this.pool.query<LogRow>(
      `SELECT ${summaryColumns}, request_params, response_body FROM request_log WHERE id = $1 AND account_id = $2`,
      [id, accountId],
    );
    const row = rows[0];
    return row ? { ...summaryOf(row), requestParams: row.request_params!, responseBody: row.response_body! } : null;
  }

  async prune(pruning: RequestLogPruning): Promise<number> {
    // Like SQLite's: only the oldest `batchRows` rows by seq are looked at per statement.
    let deleted = 0;
    const deleteAll = async (sql: string, bound: number) => {
      for (;;) {
        const changes = (await this.pool.query(sql, [pruning.batchRows, bound])).rowCount ?? 0;
        deleted += changes;
        if (changes < pruning.batchRows) return;
      }
    };
    await deleteAll(
      'DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log ORDER BY seq LIMIT $1) AND created_ms < $2',
      pruning.olderThanMs,
    );
    // Identity values can skip (a rolled-back insert), so max − rowsMax keeps at most rowsMax rows.
    const { rows } = await this.pool.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM request_log');
    const newest = rows[0]?.seq === null || rows[0]?.seq === undefined ? null : Number(rows[0].seq);
    if (newest !== null && newest > pruning.rowsMax) {
      await deleteAll(
        'DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log ORDER BY seq LIMIT $1) AND seq <= $2',
        newest - pruning.rowsMax,
      );
    }
    return deleted;
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM request_log');
    return rows[0]!.n;
  }
}

type SessionRow = {
  token_hash: string;
  account_id: string;
  csrf_token: string;
  created_ms: number;
  last_seen_ms: number;
};

export class PostgresDashboardSessions implements DashboardSessionStore {
  constructor(private readonly pool: pg.Pool) {}

  async insertSession(s: DashboardSession): Promise<void> {
    await this.pool.query(
      'INSERT INTO dashboard_sessions (token_hash, account_id, csrf_token, created_ms, last_seen_ms) VALUES ($1, $2, $3, $4, $5)',
      [s.tokenHash, s.accountId, s.csrfToken, s.createdMs, s.lastSeenMs],
    );
  }

  async findSession(tokenHash: string): Promise<DashboardSession | null> {
    const { rows } = await this.pool.query<SessionRow>(
      'SELECT token_hash, account_id, csrf_token, created_ms::float8 AS created_ms, last_seen_ms::float8 AS last_seen_ms ' +
        'FROM dashboard_sessions WHERE token_hash = $1',
      [tokenHash],
    );
    const row = rows[0];
    return row
      ? {
          tokenHash: row.token_hash,
          accountId: row.account_id,
          csrfToken: row.csrf_token,
          createdMs: row.created_ms,
          lastSeenMs: row.last_seen_ms,
        }
      : null;
  }

  async touchSession(tokenHash: string, lastSeenMs: number): Promise<void> {
    await this.pool.query('UPDATE dashboard_sessions SET last_seen_ms = $1 WHERE token_hash = $2', [
      lastSeenMs,
      tokenHash,
    ]);
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return (
      ((await this.pool.query('DELETE FROM dashboard_sessions WHERE token_hash = $1', [tokenHash])).rowCount ?? 0) === 1
    );
  }

  async insertSignInToken(tokenHash: string, accountId: string, expiresMs: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO dashboard_sign_in_tokens (token_hash, account_id, expires_ms) VALUES ($1, $2, $3)',
      [tokenHash, accountId, expiresMs],
    );
  }

  async consumeSignInToken(tokenHash: string, nowMs: number): Promise<string | null> {
    const { rows } = await this.pool.query<{ account_id: string; expires_ms: number }>(
      'DELETE FROM dashboard_sign_in_tokens WHERE token_hash = $1 RETURNING account_id, expires_ms::float8 AS expires_ms',
      [tokenHash],
    );
    const row = rows[0];
    return row && row.expires_ms > nowMs ? row.account_id : null;
  }

  async pruneSessions(idleBeforeMs: number, createdBeforeMs: number, nowMs: number): Promise<number> {
    const sessions = await this.pool.query(
      'DELETE FROM dashboard_sessions WHERE last_seen_ms < $1 OR created_ms < $2',
      [idleBeforeMs, createdBeforeMs],
    );
    const tokens = await this.pool.query('DELETE FROM dashboard_sign_in_tokens WHERE expires_ms <= $1', [nowMs]);
    return (sessions.rowCount ?? 0) + (tokens.rowCount ?? 0);
  }
}
