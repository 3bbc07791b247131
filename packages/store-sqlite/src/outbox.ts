/**
 * The webhook outbox on SQLite (engine/src/webhooks/outbox.ts has the contract). One process at a
 * time dispatches: `lease()` elects it through the `webhook_dispatcher_lease` row; claims still
 * carry `locked_by`/`locked_until_ms`, so a takeover after a crash never finishes someone else's
 * claim and expired claims are picked up again.
 */
import type Database from 'better-sqlite3';
import type { StoredObject } from '@opentill/core';
import {
  attemptErrorLengthMax,
  attemptExcerptLengthMax,
  newDeliveryId,
  planDeliveries,
  type ClaimedDelivery,
  type CommitBatch,
  type DeliveryAttempt,
  type DeliveryOutcome,
  type DeliveryQuery,
  type DeliveryRow,
  type NewDelivery,
  type OutboxStore,
} from '@opentill/engine';

type DeliveryDbRow = {
  id: string;
  account_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  state: DeliveryRow['state'];
  attempt_count: number;
  created_ms: number;
  next_attempt_ms: number | null;
  last_status: number | null;
  last_error: string | null;
};
type AttemptDbRow = {
  delivery_id: string;
  account_id: string;
  endpoint_id: string;
  event_id: string;
  attempt: number;
  at_ms: number;
  status: number | null;
  latency_ms: number;
  response_excerpt: string;
  error: string | null;
  next_attempt_ms: number | null;
  node: string;
};

const DELIVERY_COLUMNS =
  'id, account_id, endpoint_id, event_id, event_type, state, attempt_count, created_ms, next_attempt_ms, last_status, last_error';

function toDelivery(row: DeliveryDbRow): DeliveryRow {
  return {
    id: row.id,
    accountId: row.account_id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    state: row.state,
    attemptCount: row.attempt_count,
    createdMs: row.created_ms,
    nextAttemptMs: row.next_attempt_ms,
    lastStatus: row.last_status,
    lastError: row.last_error,
  };
}

function toAttempt(row: AttemptDbRow): DeliveryAttempt {
  return {
    deliveryId: row.delivery_id,
    accountId: row.account_id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    attempt: row.attempt,
    atMs: row.at_ms,
    status: row.status,
    latencyMs: row.latency_ms,
    responseExcerpt: row.response_excerpt,
    error: row.error,
    nextAttemptMs: row.next_attempt_ms,
    node: row.node,
  };
}

export class SqliteOutbox implements OutboxStore {
  private statements: ReturnType<SqliteOutbox['prepare']> | undefined;

  constructor(private readonly db: Database.Database) {}

  private get sql() {
    return (this.statements ??= this.prepare());
  }

  private prepare() {
    const db = this.db;
    return {
      endpoints: db.prepare<[string], { id: string; events: string | null; connect: number | null }>(
        `SELECT id, json_extract(data, '$.enabled_events') AS events, json_extract(data, '$._internal.connect') AS connect FROM objects
         WHERE account_id = ? AND type = 'webhook_endpoint' AND json_extract(data, '$.status') = 'enabled'
           AND json_extract(data, '$.deleted') IS NULL`,
      ),
      // An event of a connected account reached through its platform: `platform_id` proves the link.
      connectedObject: db.prepare<[string, string, string], { data: string }>(
        `SELECT o.data FROM objects o JOIN accounts a ON a.id = o.account_id
         WHERE o.id = ? AND (o.account_id = ? OR a.platform_id = ?)`,
      ),
      insert: db.prepare(
        `INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_id, event_type, state, created_ms, next_attempt_ms)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
      ),
      due: db.prepare<[number, number, number], DeliveryDbRow & { clock_offset_ms: number }>(
        `SELECT d.id, d.account_id, d.endpoint_id, d.event_id, d.event_type, d.state, d.attempt_count, d.created_ms,
                d.next_attempt_ms, d.last_status, d.last_error, a.clock_offset_ms
         FROM webhook_deliveries d JOIN accounts a ON a.id = d.account_id
         WHERE d.state = 'pending' AND d.next_attempt_ms <= ? + a.clock_offset_ms
           AND (d.locked_until_ms IS NULL OR d.locked_until_ms < ?)
         ORDER BY d.next_attempt_ms, d.seq LIMIT ?`,
      ),
      lock: db.prepare('UPDATE webhook_deliveries SET locked_by = ?, locked_until_ms = ? WHERE id = ?'),
      object: db.prepare<[string, string], { data: string }>(
        'SELECT data FROM objects WHERE id = ? AND account_id = ?',
      ),
      current: db.prepare<[string], { account_id: string; event_id: string; state: string; locked_by: string | null }>(
        'SELECT account_id, event_id, state, locked_by FROM webhook_deliveries WHERE id = ?',
      ),
      reschedule: db.prepare(
        `UPDATE webhook_deliveries SET next_attempt_ms = ?, attempt_count = attempt_count + ?, locked_by = NULL,
           locked_until_ms = NULL, last_status = coalesce(?, last_status), last_error = coalesce(?, last_error) WHERE id = ?`,
      ),
      final: db.prepare(
        `UPDATE webhook_deliveries SET state = ?, next_attempt_ms = NULL, attempt_count = attempt_count + ?, locked_by = NULL,
           locked_until_ms = NULL, last_status = coalesce(?, last_status), last_error = coalesce(?, last_error) WHERE id = ?`,
      ),
      attempt: db.prepare(
        `INSERT INTO webhook_attempts (delivery_id, account_id, endpoint_id, event_id, attempt, at_ms, status, latency_ms,
           response_excerpt, error, next_attempt_ms, node) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      pendingCount: db.prepare<[string, string], { n: number }>(
        "SELECT count(*) AS n FROM webhook_deliveries WHERE account_id = ? AND event_id = ? AND state = 'pending'",
      ),
      setPending: db.prepare(
        "UPDATE objects SET data = json_set(data, '$.pending_webhooks', ?), version = version + 1 WHERE id = ? AND account_id = ? AND type = 'event'",
      ),
      cancel: db.prepare<[string, string], { event_id: string }>(
        `UPDATE webhook_deliveries SET state = 'canceled', next_attempt_ms = NULL, locked_by = NULL, locked_until_ms = NULL
         WHERE account_id = ? AND endpoint_id = ? AND state = 'pending' RETURNING event_id`,
      ),
      undelivered: db.prepare<[string, string], { event_id: string }>(
        `SELECT DISTINCT d.event_id FROM webhook_deliveries d
         WHERE d.account_id = ? AND d.event_id IN (SELECT value FROM json_each(?))
           AND (d.state = 'pending' OR (d.state = 'failed' AND NOT EXISTS (
             SELECT 1 FROM webhook_deliveries s WHERE s.account_id = d.account_id AND s.event_id = d.event_id
               AND s.endpoint_id = d.endpoint_id AND s.state = 'succeeded')))`,
      ),
      lastSuccess: db.prepare<[string, string], { at: number | null }>(
        'SELECT max(at_ms) AS at FROM webhook_attempts WHERE account_id = ? AND endpoint_id = ? AND status BETWEEN 200 AND 299',
      ),
      lease: db.prepare(
        `INSERT INTO webhook_dispatcher_lease (name, holder, until_ms) VALUES ('dispatcher', ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
         WHERE webhook_dispatcher_lease.holder = excluded.holder OR webhook_dispatcher_lease.until_ms < ?`,
      ),
    };
  }

  /** Inside `commit`'s transaction, before the events are inserted (it sets their pending_webhooks). */
  plan(batch: CommitBatch): number {
    if (batch.events.length === 0) return 0;
    // The account's own endpoints (not its Connect ones: those hear its connected accounts).
    const own = this.sql.endpoints.all(batch.accountId).filter((row) => row.connect !== 1);
    let queued = this.queue(batch, batch.accountId, own);
    // A connected account's events also go to its platform's Connect endpoints; the delivery rows
    // belong to the platform (its endpoint, its delivery log), the event stays the connected account's.
    if (batch.connectPlatformId) {
      const connect = this.sql.endpoints.all(batch.connectPlatformId).filter((row) => row.connect === 1);
      queued += this.queue(batch, batch.connectPlatformId, connect, true);
    }
    return queued;
  }

  private queue(
    batch: CommitBatch,
    accountId: string,
    rows: ReadonlyArray<{ id: string; events: string | null }>,
    keepPendingCount = false,
  ): number {
    if (rows.length === 0) return 0;
    const endpoints = rows.map((row) => ({
      id: row.id,
      enabledEvents: row.events ? (JSON.parse(row.events) as unknown[]) : [],
    }));
    const counts = keepPendingCount ? batch.events.map((event) => event['pending_webhooks']) : [];
    let queued = 0;
    for (const delivery of planDeliveries(endpoints, batch.events, newDeliveryId)) {
      const createdMs = batch.nowMs ?? delivery.event.created * 1000;
      this.sql.insert.run(
        delivery.id,
        accountId,
        delivery.endpointId,
        delivery.event.id,
        String(delivery.event['type']),
        createdMs,
        createdMs,
      );
      queued += 1;
    }
    // `pending_webhooks` counts the event's own account's deliveries (the ones recounted as they finish).
    if (keepPendingCount)
      batch.events.forEach((event, index) => {
        event['pending_webhooks'] = counts[index];
      });
    return queued;
  }

  private recount(accountId: string, eventId: string): void {
    const { n } = this.sql.pendingCount.get(accountId, eventId)!;
    this.sql.setPending.run(n, eventId, accountId);
  }

  async claim(node: string, wallNowMs: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const sql = this.sql;
    return this.db
      .transaction((): ClaimedDelivery[] => {
        const rows = sql.due.all(wallNowMs, wallNowMs, limit);
        return rows.map((row) => {
          sql.lock.run(node, wallNowMs + leaseMs, row.id);
          const event = sql.connectedObject.get(row.event_id, row.account_id, row.account_id);
          const endpoint = sql.object.get(row.endpoint_id, row.account_id);
          return {
            ...toDelivery(row),
            clockOffsetMs: row.clock_offset_ms,
            event: event ? (JSON.parse(event.data) as StoredObject) : null,
            endpoint: endpoint ? (JSON.parse(endpoint.data) as StoredObject) : null,
          };
        });
      })
      .immediate();
  }

  /**
   * Finishes arriving in the same turn of the event loop are written in one transaction: one
   * commit per batch instead of one per delivery (the dispatcher finishes many sends at once).
   */
  async finish(
    node: string,
    deliveryId: string,
    outcome: DeliveryOutcome,
    attempt: DeliveryAttempt | null,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.finishQueue.push({ node, deliveryId, outcome, attempt, resolve, reject });
      if (this.finishQueue.length === 1) setImmediate(() => this.flushFinishes());
    });
  }

  private readonly finishQueue: Array<{
    node: string;
    deliveryId: string;
    outcome: DeliveryOutcome;
    attempt: DeliveryAttempt | null;
    resolve(value: boolean): void;
    reject(error: unknown): void;
  }> = [];

  private flushFinishes(): void {
    const batch = this.finishQueue.splice(0);
    let results: boolean[];
    try {
      results = this.db
        .transaction(() => batch.map((item) => this.finishOne(item.node, item.deliveryId, item.outcome, item.attempt)))
        .immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => item.resolve(results[index]!));
  }

  private finishOne(
    node: string,
    deliveryId: string,
    outcome: DeliveryOutcome,
    attempt: DeliveryAttempt | null,
  ): boolean {
    const sql = this.sql;
    {
      const row = sql.current.get(deliveryId);
      if (!row || row.state !== 'pending' || row.locked_by !== node) return false;
      if (attempt) {
        sql.attempt.run(
          attempt.deliveryId,
          attempt.accountId,
          attempt.endpointId,
          attempt.eventId,
          attempt.attempt,
          attempt.atMs,
          attempt.status,
          attempt.latencyMs,
          attempt.responseExcerpt.slice(0, attemptExcerptLengthMax),
          attempt.error?.slice(0, attemptErrorLengthMax) ?? null,
          attempt.nextAttemptMs,
          attempt.node,
        );
      }
      const made = attempt ? 1 : 0;
      const status = attempt?.status ?? null;
      const error = attempt ? (attempt.error?.slice(0, attemptErrorLengthMax) ?? '') : null;
      if (outcome.state === 'pending') {
        sql.reschedule.run(outcome.nextAttemptMs, made, status, error, deliveryId);
      } else {
        sql.final.run(outcome.state, made, status, error, deliveryId);
        this.recount(row.account_id, row.event_id);
      }
      return true;
    }
  }

  async enqueue(deliveries: NewDelivery[]): Promise<string[]> {
    const sql = this.sql;
    return this.db
      .transaction((): string[] => {
        const ids = deliveries.map((delivery) => {
          const id = newDeliveryId();
          sql.insert.run(
            id,
            delivery.accountId,
            delivery.endpointId,
            delivery.eventId,
            delivery.eventType,
            delivery.nextAttemptMs,
            delivery.nextAttemptMs,
          );
          return id;
        });
        for (const delivery of deliveries) this.recount(delivery.accountId, delivery.eventId);
        return ids;
      })
      .immediate();
  }

  async cancelEndpoint(accountId: string, endpointId: string): Promise<number> {
    return this.db
      .transaction((): number => {
        const events = this.sql.cancel.all(accountId, endpointId);
        for (const eventId of new Set(events.map((row) => row.event_id))) this.recount(accountId, eventId);
        return events.length;
      })
      .immediate();
  }

  private where(query: DeliveryQuery, params: unknown[]): string {
    const where = ['account_id = ?'];
    params.push(query.accountId);
    if (query.eventId !== undefined) {
      where.push('event_id = ?');
      params.push(query.eventId);
    }
    if (query.endpointId !== undefined) {
      where.push('endpoint_id = ?');
      params.push(query.endpointId);
    }
    return where.join(' AND ');
  }

  async deliveries(query: DeliveryQuery): Promise<DeliveryRow[]> {
    const params: unknown[] = [];
    const where = this.where(query, params);
    return this.db
      .prepare<unknown[], DeliveryDbRow>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ${where} ORDER BY seq DESC LIMIT ?`,
      )
      .all(...params, query.limit)
      .map(toDelivery);
  }

  async attempts(query: DeliveryQuery): Promise<DeliveryAttempt[]> {
    const params: unknown[] = [];
    const where = this.where(query, params);
    return this.db
      .prepare<unknown[], AttemptDbRow>(
        `SELECT delivery_id, account_id, endpoint_id, event_id, attempt, at_ms, status, latency_ms, response_excerpt, error,
              next_attempt_ms, node FROM webhook_attempts WHERE ${where} ORDER BY seq DESC LIMIT ?`,
      )
      .all(...params, query.limit)
      .map(toAttempt);
  }

  async undeliveredEvents(accountId: string, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    return new Set(this.sql.undelivered.all(accountId, JSON.stringify(eventIds)).map((row) => row.event_id));
  }

  async backlog(): Promise<{ pending: number; oldestDueMs: number | null }> {
    const row = this.db
      .prepare<[], { pending: number; due: number | null }>(
        "SELECT count(*) AS pending, min(next_attempt_ms) AS due FROM webhook_deliveries WHERE state = 'pending'",
      )
      .get()!;
    return { pending: row.pending, oldestDueMs: row.due };
  }

  async lastSuccessMs(accountId: string, endpointId: string): Promise<number | null> {
    return this.sql.lastSuccess.get(accountId, endpointId)?.at ?? null;
  }

  async lease(node: string, wallNowMs: number, leaseMs: number): Promise<boolean> {
    return this.sql.lease.run(node, wallNowMs + leaseMs, wallNowMs).changes === 1;
  }

  async releaseLease(node: string): Promise<void> {
    this.db.prepare("DELETE FROM webhook_dispatcher_lease WHERE name = 'dispatcher' AND holder = ?").run(node);
  }

  async subscribe(): Promise<() => Promise<void>> {
    // One process dispatches; its own commits wake it (engine.onCommit).
    return async () => undefined;
  }
}
