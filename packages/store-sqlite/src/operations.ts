/**
 * The request log and dashboard sessions on SQLite (engine/src/operations-store.ts). Request-log
 * appends join the store's group transaction, so a batch costs no COMMIT of its own.
 */
import type Database from 'better-sqlite3';
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
  replayed: number;
  error_type: string | null;
  error_code: string | null;
  duration_ms: number;
  source: string;
  request_params?: string;
  response_body?: string;
};

const summaryColumns =
  'id, account_id, created_ms, method, path, status, idempotency_key, replayed, error_type, error_code, duration_ms, source';

function summaryOf(row: LogRow): RequestLogSummary {
  return {
    id: row.id,
    accountId: row.account_id,
    createdMs: row.created_ms,
    method: row.method,
    path: row.path,
    status: row.status,
    idempotencyKey: row.idempotency_key,
    replayed: row.replayed === 1,
    errorType: row.error_type,
    errorCode: row.error_code,
    durationMs: row.duration_ms,
    source: row.source as RequestSource,
  };
}

export class SqliteRequestLog implements RequestLogStore {
  private insertStatement: Database.Statement | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly grouped: <T>(run: () => T) => Promise<T>,
  ) {}

  async append(entries: RequestLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const insert = (this.insertStatement ??= this.db.prepare(
      `INSERT OR IGNORE INTO request_log (${summaryColumns}, status_class, request_params, response_body) ` +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ));
    await this.grouped(() => {
      for (const e of entries) {
        insert.run(
          e.id,
          e.accountId,
          e.createdMs,
          e.method,
          e.path,
          e.status,
          e.idempotencyKey,
          e.replayed ? 1 : 0,
          e.errorType,
          e.errorCode,
          e.durationMs,
          e.source,
          Math.floor(e.status / 100),
          e.requestParams,
          e.responseBody,
        );
      }
    });
  }

  async list(query: RequestLogQuery): Promise<{ data: RequestLogSummary[]; hasMore: boolean }> {
    const params: unknown[] = [];
    const where = requestLogConditions(query, (value) => {
      params.push(value);
      return '?';
    });
    const ascending = requestLogAscending(query);
    params.push(query.limit + 1);
    const rows = this.db
      .prepare<unknown[], LogRow>(
        `SELECT ${summaryColumns} FROM request_log WHERE ${where.join(' AND ')} ORDER BY seq ${ascending ? 'ASC' : 'DESC'} LIMIT ?`,
      )
      .all(...params);
    const page = rows.slice(0, query.limit);
    if (ascending) page.reverse();
    return { data: page.map(summaryOf), hasMore: rows.length > query.limit };
  }

  async get(accountId: string, id: string): Promise<RequestLogEntry | null> {
    const row = this.db
      .prepare<[string, string], LogRow>(
        `SELECT ${summaryColumns}, request_params, response_body FROM request_log WHERE id = ? AND account_id = ?`,
      )
      .get(id, accountId);
    return row ? { ...summaryOf(row), requestParams: row.request_params!, responseBody: row.response_body! } : null;
  }

  async prune(pruning: RequestLogPruning): Promise<number> {
    // Both deletes look only at the oldest `batchRows` rows by seq (rowids, so rows are found
    // without reading the table), one batch per group transaction: a prune never walks a
    // million-row table nor holds the write lock long.
    const deleteAll = async (sql: string, bound: number) => {
      const statement = this.db.prepare(sql);
      let deleted = 0;
      for (;;) {
        const changes = (await this.grouped(() => statement.run(pruning.batchRows, bound))).changes;
        deleted += changes;
        if (changes < pruning.batchRows) return deleted;
      }
    };
    // Rows are appended in time order, so the old ones are among the lowest seqs.
    let deleted = await deleteAll(
      'DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log ORDER BY seq LIMIT ?) AND created_ms < ?',
      pruning.olderThanMs,
    );
    // seqs are dense (rowids: max + 1 each), so the newest `rowsMax` rows are those above max − rowsMax.
    const newest =
      this.db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM request_log').get()?.seq ?? null;
    if (newest !== null && newest > pruning.rowsMax) {
      deleted += await deleteAll(
        'DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log ORDER BY seq LIMIT ?) AND seq <= ?',
        newest - pruning.rowsMax,
      );
    }
    return deleted;
  }

  async count(): Promise<number> {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM request_log').get()!.n;
  }
}

type SessionRow = {
  token_hash: string;
  account_id: string;
  csrf_token: string;
  created_ms: number;
  last_seen_ms: number;
};

export class SqliteDashboardSessions implements DashboardSessionStore {
  constructor(private readonly db: Database.Database) {}

  async insertSession(s: DashboardSession): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO dashboard_sessions (token_hash, account_id, csrf_token, created_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?)',
      )
      .run(s.tokenHash, s.accountId, s.csrfToken, s.createdMs, s.lastSeenMs);
  }

  async findSession(tokenHash: string): Promise<DashboardSession | null> {
    const row = this.db
      .prepare<[string], SessionRow>(
        'SELECT token_hash, account_id, csrf_token, created_ms, last_seen_ms FROM dashboard_sessions WHERE token_hash = ?',
      )
      .get(tokenHash);
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
    this.db.prepare('UPDATE dashboard_sessions SET last_seen_ms = ? WHERE token_hash = ?').run(lastSeenMs, tokenHash);
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM dashboard_sessions WHERE token_hash = ?').run(tokenHash).changes === 1;
  }

  async insertSignInToken(tokenHash: string, accountId: string, expiresMs: number): Promise<void> {
    this.db
      .prepare('INSERT INTO dashboard_sign_in_tokens (token_hash, account_id, expires_ms) VALUES (?, ?, ?)')
      .run(tokenHash, accountId, expiresMs);
  }

  async consumeSignInToken(tokenHash: string, nowMs: number): Promise<string | null> {
    const row = this.db
      .prepare<[string], { account_id: string; expires_ms: number }>(
        'DELETE FROM dashboard_sign_in_tokens WHERE token_hash = ? RETURNING account_id, expires_ms',
      )
      .get(tokenHash);
    return row && row.expires_ms > nowMs ? row.account_id : null;
  }

  async pruneSessions(idleBeforeMs: number, createdBeforeMs: number, nowMs: number): Promise<number> {
    const sessions = this.db
      .prepare('DELETE FROM dashboard_sessions WHERE last_seen_ms < ? OR created_ms < ?')
      .run(idleBeforeMs, createdBeforeMs).changes;
    return sessions + this.db.prepare('DELETE FROM dashboard_sign_in_tokens WHERE expires_ms <= ?').run(nowMs).changes;
  }
}
