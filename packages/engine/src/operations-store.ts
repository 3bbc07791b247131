/**
 * The store ports of OpenTill's operator surfaces (issue 12): the request log (every API request
 * of an account, redacted before it reaches the store) and the dashboard's sign-in sessions. Both
 * are plain tables beside the objects (migration 0004), outside the objects' commit path: a
 * request-log row is written after its answer, in batches, never inside a command's transaction.
 */

/** Who made a request, as the request log shows it. */
export type RequestSource = 'secret_key' | 'publishable_key' | 'connection_token' | 'dashboard';

export interface RequestLogEntry {
  /** `req_…`, the response's `Request-Id`. */
  id: string;
  accountId: string;
  /** Wall-clock ms when the request arrived. */
  createdMs: number;
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
  idempotencyKey: string | null;
  replayed: boolean;
  errorType: string | null;
  errorCode: string | null;
  durationMs: number;
  source: RequestSource;
  /** The decoded parameters as JSON text, already redacted. */
  requestParams: string;
  /** The response body as sent, already redacted (bounded in size). */
  responseBody: string;
}

export type RequestLogSummary = Omit<RequestLogEntry, 'requestParams' | 'responseBody'>;

export interface RequestLogQuery {
  accountId: string;
  limit: number;
  /** Newest first; `startingAfter` pages older, `endingBefore` newer (ids of this account). */
  startingAfter?: string;
  endingBefore?: string;
  /** `2xx` is class 2. */
  statusClass?: number;
  /** One status code. */
  status?: number;
  method?: string;
  pathPrefix?: string;
  /** A request id or an idempotency key. */
  q?: string;
  /** Only entries after this one (the live stream's catch-up), oldest first. */
  after?: string;
}

export interface RequestLogPruning {
  /** Rows created before this (wall-clock ms) go. */
  olderThanMs: number;
  /** Beyond this many rows (all accounts), the oldest go (at most this many stay: ids may skip). */
  rowsMax: number;
  /** Rows looked at and deleted per statement, so one prune never holds the write lock long. */
  batchRows: number;
}

export interface RequestLogStore {
  /** Appends entries (one transaction). An id already stored is skipped. */
  append(entries: RequestLogEntry[]): Promise<void>;
  /** A page, newest first unless `after`/`endingBefore` (then still returned newest first). */
  list(query: RequestLogQuery): Promise<{ data: RequestLogSummary[]; hasMore: boolean }>;
  get(accountId: string, id: string): Promise<RequestLogEntry | null>;
  /** Deletes by age, then by count; returns how many rows went. */
  prune(pruning: RequestLogPruning): Promise<number>;
  /** Rows stored (all accounts): for metrics and tests. */
  count(): Promise<number>;
}

export interface DashboardSession {
  /** SHA-256 (hex) of the cookie value; the value itself is never stored. */
  tokenHash: string;
  accountId: string;
  csrfToken: string;
  createdMs: number;
  lastSeenMs: number;
}

export interface DashboardSessionStore {
  insertSession(session: DashboardSession): Promise<void>;
  findSession(tokenHash: string): Promise<DashboardSession | null>;
  touchSession(tokenHash: string, lastSeenMs: number): Promise<void>;
  /** True when a session was deleted. */
  deleteSession(tokenHash: string): Promise<boolean>;
  /** A one-time sign-in token (hashed), usable until `expiresMs`. */
  insertSignInToken(tokenHash: string, accountId: string, expiresMs: number): Promise<void>;
  /** Deletes the token and returns its account when it existed and had not expired (single use). */
  consumeSignInToken(tokenHash: string, nowMs: number): Promise<string | null>;
  /** Deletes sessions idle since `idleBeforeMs` or created before `createdBeforeMs`, and expired sign-in tokens. */
  pruneSessions(idleBeforeMs: number, createdBeforeMs: number, nowMs: number): Promise<number>;
}

/**
 * The WHERE conditions of a request-log page, shared by the SQL adapters. `param` binds a value
 * and returns its placeholder (`?` or `$n`). Only column names of our own appear in the SQL text.
 */
export function requestLogConditions(query: RequestLogQuery, param: (value: unknown) => string): string[] {
  const where = [`account_id = ${param(query.accountId)}`];
  const cursor = (id: string) =>
    `(SELECT seq FROM request_log WHERE id = ${param(id)} AND account_id = ${param(query.accountId)})`;
  if (query.startingAfter !== undefined) where.push(`seq < ${cursor(query.startingAfter)}`);
  if (query.endingBefore !== undefined) where.push(`seq > ${cursor(query.endingBefore)}`);
  if (query.after !== undefined) where.push(`seq > ${cursor(query.after)}`);
  // Each filter is an equality on an indexed column, so a page is an index walk in `seq` order
  // (a range on `status` would need a sort of every match).
  if (query.statusClass !== undefined) where.push(`status_class = ${param(query.statusClass)}`);
  if (query.status !== undefined) where.push(`status = ${param(query.status)}`);
  if (query.method !== undefined) where.push(`method = ${param(query.method)}`);
  if (query.pathPrefix !== undefined) {
    where.push(`substr(path, 1, ${param([...query.pathPrefix].length)}) = ${param(query.pathPrefix)}`);
  }
  if (query.q !== undefined) {
    // Two index lookups (a plain OR lets the planner walk every row of the account instead).
    where.push(
      `seq IN (SELECT seq FROM request_log WHERE id = ${param(query.q)} AND account_id = ${param(query.accountId)} ` +
        `UNION ALL SELECT seq FROM request_log WHERE account_id = ${param(query.accountId)} AND idempotency_key = ${param(query.q)})`,
    );
  }
  return where;
}

/** Oldest first when paging towards newer entries (`endingBefore`, `after`); the page is then reversed. */
export function requestLogAscending(query: RequestLogQuery): boolean {
  return query.endingBefore !== undefined || query.after !== undefined;
}
