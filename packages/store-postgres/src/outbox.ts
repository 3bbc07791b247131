/**
 * The webhook outbox on PostgreSQL (engine/src/webhooks/outbox.ts has the contract). Every server
 * process dispatches: `claim` locks due rows with `FOR UPDATE SKIP LOCKED` and stamps them with the
 * claimer's node id and a lease, so two processes never claim the same attempt; `finish` only
 * applies while the caller still holds the claim (fencing). A commit that writes deliveries sends
 * `NOTIFY opentill_webhooks` (delivered at COMMIT) to wake the other processes — a hint only, the
 * dispatchers poll anyway.
 */
import pg from 'pg';
import { inTransaction } from './transaction.js';
import { listen, type ListenConnection } from './listen.js';
import type { StoredObject } from '@opentill/core';
import {
  attemptErrorLengthMax,
  attemptExcerptLengthMax,
  newDeliveryId,
  planDeliveries,
  type ClaimedDelivery,
  type CommitBatch,
  type EnabledEndpoint,
  type DeliveryAttempt,
  type DeliveryOutcome,
  type DeliveryQuery,
  type DeliveryRow,
  type NewDelivery,
  type OutboxStore,
} from '@opentill/engine';

export const notifyChannel = 'opentill_webhooks';
/** Finishes applied per transaction. */
const finishBatchMax = 64;
/** A process NOTIFYs at most this often: a hint, and NOTIFY serializes committing transactions. */
const notifyIntervalMs = 50;

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

/** BIGINT columns through `::float8`, so they arrive as numbers. */
const DELIVERY_COLUMNS = `d.id, d.account_id, d.endpoint_id, d.event_id, d.event_type, d.state, d.attempt_count,
  d.created_ms::float8 AS created_ms, d.next_attempt_ms::float8 AS next_attempt_ms, d.last_status, d.last_error`;
const ATTEMPT_COLUMNS = `delivery_id, account_id, endpoint_id, event_id, attempt, at_ms::float8 AS at_ms, status,
  latency_ms::float8 AS latency_ms, response_excerpt, error, next_attempt_ms::float8 AS next_attempt_ms, node`;

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

type Queryable = pg.Pool | pg.PoolClient;

/** Planned deliveries as the parallel arrays `opentill_commit` takes (migration 0008). */
export interface PlannedInsert {
  ids: string[];
  endpointIds: string[];
  eventIds: string[];
  eventTypes: string[];
  at: number[];
  /** The NOTIFY channel when this commit sends the hint, else null. */
  notify: string | null;
  /** The fingerprint of the endpoints planned from (null: no events, nothing to check). */
  fingerprint: string | null;
}
const noDeliveries: PlannedInsert = {
  ids: [],
  endpointIds: [],
  eventIds: [],
  eventTypes: [],
  at: [],
  notify: null,
  fingerprint: null,
};
/** Accounts whose endpoints are kept in memory (cleared when full). */
const endpointCacheMax = 10_000;

export class PostgresOutbox implements OutboxStore {
  private lastNotifyMs = 0;
  constructor(
    private readonly pool: pg.Pool,
    private readonly connection: ListenConnection & { schema?: string },
  ) {}

  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  /**
   * The webhook deliveries of a commit's events, planned before its one statement (`opentill_commit`
   * inserts them; planning sets the events' pending_webhooks) from the account's enabled endpoints
   * as last read by this process. The statement checks the endpoints' fingerprint and refuses a
   * stale plan (`OT412`); the caller then calls again with `fresh`, which reads them anew. Nothing
   * is read for a batch without events.
   */
  async plan(batch: CommitBatch, fresh = false): Promise<PlannedInsert> {
    if (batch.events.length === 0) return noDeliveries;
    let endpoints = fresh ? undefined : this.endpoints.get(batch.accountId);
    if (!endpoints) {
      const { rows } = await this.pool.query<{
        fingerprint: string;
        endpoints: Array<EnabledEndpoint & { connect: boolean | null }>;
      }>({
        name: 'opentill_enabled_endpoints',
        text: `SELECT opentill_endpoints($1) AS fingerprint,
           coalesce(json_agg(json_build_object('id', id, 'enabledEvents', coalesce(data -> 'enabled_events', '[]'),
             'connect', (data -> '_internal' ->> 'connect')::boolean) ORDER BY id COLLATE "C"), '[]') AS endpoints
         FROM objects
         WHERE account_id = $1 AND type = 'webhook_endpoint' AND data ->> 'status' = 'enabled' AND (data -> 'deleted') IS NULL`,
        values: [batch.accountId],
      });
      // The account's own endpoints: its Connect ones hear its connected accounts (`planInTransaction`).
      endpoints = {
        fingerprint: rows[0]!.fingerprint,
        endpoints: rows[0]!.endpoints.filter((endpoint) => endpoint.connect !== true),
      };
      // Bounded: one entry per account that commits events; a miss costs one read.
      if (this.endpoints.size >= endpointCacheMax) this.endpoints.clear();
      this.endpoints.set(batch.accountId, endpoints);
    }
    const planned =
      endpoints.endpoints.length === 0 ? [] : planDeliveries(endpoints.endpoints, batch.events, newDeliveryId);
    return {
      ids: planned.map((d) => d.id),
      endpointIds: planned.map((d) => d.endpointId),
      eventIds: planned.map((d) => d.event.id),
      eventTypes: planned.map((d) => String(d.event['type'])),
      at: planned.map((d) => Math.round(batch.nowMs ?? d.event.created * 1000)),
      notify: planned.length > 0 && this.notifyDue() ? notifyChannel : null,
      fingerprint: endpoints.fingerprint,
    };
  }

  /** Endpoints per account as last read: `plan` uses them, `opentill_commit` checks the fingerprint. */
  private readonly endpoints = new Map<string, { fingerprint: string; endpoints: EnabledEndpoint[] }>();

  /** A process NOTIFYs at most every `notifyIntervalMs`. */
  private notifyDue(): boolean {
    const now = Date.now();
    if (now - this.lastNotifyMs < notifyIntervalMs) return false;
    this.lastNotifyMs = now;
    return true;
  }

  /**
   * Connect commits (another account's writes alongside, or a connected account's events) are not
   * one `opentill_commit` statement: the adapter runs them as a transaction of statements, and this
   * plans their deliveries inside it, from the endpoints as they are in that transaction (it sets
   * the events' pending_webhooks, before the events are inserted).
   */
  async planInTransaction(client: pg.PoolClient, batch: CommitBatch): Promise<number> {
    if (batch.events.length === 0) return 0;
    // The account's own endpoints (not its Connect ones: those hear its connected accounts).
    const own = (await this.enabledEndpoints(client, batch.accountId)).filter((row) => row.connect !== true);
    let queued = await this.queue(client, batch, batch.accountId, own);
    // A connected account's events also go to its platform's Connect endpoints; the delivery rows
    // belong to the platform (its endpoint, its delivery log), the event stays the connected account's.
    if (batch.connectPlatformId) {
      const connect = (await this.enabledEndpoints(client, batch.connectPlatformId)).filter(
        (row) => row.connect === true,
      );
      queued += await this.queue(client, batch, batch.connectPlatformId, connect, true);
    }
    return queued;
  }

  private async enabledEndpoints(client: pg.PoolClient, accountId: string) {
    const { rows } = await client.query<{ id: string; events: unknown[] | null; connect: boolean | null }>(
      `SELECT id, data -> 'enabled_events' AS events, (data -> '_internal' ->> 'connect')::boolean AS connect FROM objects
       WHERE account_id = $1 AND type = 'webhook_endpoint' AND data ->> 'status' = 'enabled' AND (data -> 'deleted') IS NULL`,
      [accountId],
    );
    return rows;
  }

  private async queue(
    client: pg.PoolClient,
    batch: CommitBatch,
    accountId: string,
    rows: ReadonlyArray<{ id: string; events: unknown[] | null }>,
    keepPendingCount = false,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const counts = keepPendingCount ? batch.events.map((event) => event['pending_webhooks']) : [];
    const planned = planDeliveries(
      rows.map((row) => ({ id: row.id, enabledEvents: row.events ?? [] })),
      batch.events,
      newDeliveryId,
    );
    // `pending_webhooks` counts the event's own account's deliveries (the ones recounted as they finish).
    if (keepPendingCount)
      batch.events.forEach((event, index) => {
        event['pending_webhooks'] = counts[index];
      });
    if (planned.length === 0) return 0;
    await this.insert(
      client,
      planned.map((delivery) => ({
        id: delivery.id,
        accountId,
        endpointId: delivery.endpointId,
        eventId: delivery.event.id,
        eventType: String(delivery.event['type']),
        nextAttemptMs: batch.nowMs ?? delivery.event.created * 1000,
      })),
    );
    return planned.length;
  }

  private async insert(client: Queryable, deliveries: Array<NewDelivery & { id: string }>): Promise<void> {
    await client.query(
      `INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_id, event_type, state, created_ms, next_attempt_ms)
       SELECT id, account_id, endpoint_id, event_id, event_type, 'pending', at, at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
         AS t(id, account_id, endpoint_id, event_id, event_type, at)`,
      [
        deliveries.map((d) => d.id),
        deliveries.map((d) => d.accountId),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.eventType),
        deliveries.map((d) => Math.round(d.nextAttemptMs)),
      ],
    );
    if (this.notifyDue()) await client.query('SELECT pg_notify($1, current_schema())', [notifyChannel]);
  }

  /** Sets the event's pending_webhooks to its count of pending deliveries (event row locked first). */
  private async recount(client: pg.PoolClient, accountId: string, eventId: string): Promise<void> {
    const { rows } = await client.query<{ data: StoredObject }>(
      "SELECT data FROM objects WHERE id = $1 AND account_id = $2 AND type = 'event' FOR UPDATE",
      [eventId, accountId],
    );
    const event = rows[0]?.data;
    if (!event) return;
    const count = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM webhook_deliveries WHERE account_id = $1 AND event_id = $2 AND state = 'pending'",
      [accountId, eventId],
    );
    const n = count.rows[0]?.n ?? 0;
    if (event['pending_webhooks'] === n) return;
    event['pending_webhooks'] = n;
    await client.query('UPDATE objects SET data = $1::json, version = version + 1 WHERE id = $2 AND account_id = $3', [
      JSON.stringify(event),
      eventId,
      accountId,
    ]);
  }

  async claim(node: string, wallNowMs: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query<DeliveryDbRow & { clock_offset_ms: number }>(
      `WITH due AS (
         SELECT d.id, a.clock_offset_ms FROM webhook_deliveries d JOIN accounts a ON a.id = d.account_id
         WHERE d.state = 'pending' AND d.next_attempt_ms <= $1::bigint + a.clock_offset_ms
           AND (d.locked_until_ms IS NULL OR d.locked_until_ms < $1::bigint)
         ORDER BY d.next_attempt_ms, d.seq LIMIT $2
         FOR UPDATE OF d SKIP LOCKED)
       UPDATE webhook_deliveries d SET locked_by = $3, locked_until_ms = $1::bigint + $4::bigint
       FROM due WHERE d.id = due.id
       RETURNING ${DELIVERY_COLUMNS}, due.clock_offset_ms::float8 AS clock_offset_ms`,
      [Math.round(wallNowMs), limit, node, Math.round(leaseMs)],
    );
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.flatMap((row) => [row.event_id, row.endpoint_id]))];
    const objects = await this.pool.query<{
      id: string;
      account_id: string;
      platform_id: string | null;
      data: StoredObject;
    }>(
      `SELECT o.id, o.account_id, a.platform_id, o.data FROM objects o JOIN accounts a ON a.id = o.account_id
       WHERE o.id = ANY($1::text[])`,
      [ids],
    );
    const byId = new Map(objects.rows.map((row) => [row.id, row]));
    const find = (id: string, accountId: string): StoredObject | null => {
      const row = byId.get(id);
      return row && row.account_id === accountId ? row.data : null;
    };
    // An event of a connected account reached through its platform (a Connect endpoint's delivery).
    const findEvent = (id: string, accountId: string): StoredObject | null => {
      const row = byId.get(id);
      return row && (row.account_id === accountId || row.platform_id === accountId) ? row.data : null;
    };
    return rows
      .sort((a, b) => (a.next_attempt_ms ?? 0) - (b.next_attempt_ms ?? 0))
      .map((row) => ({
        ...toDelivery(row),
        clockOffsetMs: row.clock_offset_ms,
        event: findEvent(row.event_id, row.account_id),
        endpoint: find(row.endpoint_id, row.account_id),
      }));
  }

  /**
   * Finishes are queued and applied in batches, one transaction per batch: each is one statement
   * (the fenced UPDATE plus the attempt INSERT), then the events of final deliveries are recounted
   * once each, in id order (so concurrent batches lock events in the same order).
   */
  async finish(
    node: string,
    deliveryId: string,
    outcome: DeliveryOutcome,
    attempt: DeliveryAttempt | null,
  ): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.finishQueue.push({ node, deliveryId, outcome, attempt, resolve, reject });
      if (!this.flushing && this.finishQueue.length === 1) setImmediate(() => void this.flushFinishes());
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
  private flushing = false;

  private async flushFinishes(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.finishQueue.length > 0) {
        const batch = this.finishQueue.splice(0, finishBatchMax);
        try {
          const results = await this.transaction(async (client) => {
            const applied: boolean[] = [];
            const events = new Map<string, [string, string]>();
            for (const item of batch) {
              const row = await this.finishOne(client, item.node, item.deliveryId, item.outcome, item.attempt);
              applied.push(row !== null);
              if (row && item.outcome.state !== 'pending')
                events.set(`${row.account_id}\0${row.event_id}`, [row.account_id, row.event_id]);
            }
            for (const key of [...events.keys()].sort()) {
              const [accountId, eventId] = events.get(key)!;
              await this.recount(client, accountId, eventId);
            }
            return applied;
          });
          batch.forEach((item, index) => item.resolve(results[index]!));
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async finishOne(
    client: pg.PoolClient,
    node: string,
    deliveryId: string,
    outcome: DeliveryOutcome,
    attempt: DeliveryAttempt | null,
  ): Promise<{ account_id: string; event_id: string } | null> {
    const clean = (text: string, max: number) => text.slice(0, max).replace(/\0/g, '');
    const { rows } = await client.query<{ account_id: string; event_id: string }>(
      `WITH d AS (
         UPDATE webhook_deliveries SET state = $3, next_attempt_ms = $4, attempt_count = attempt_count + $5, locked_by = NULL,
           locked_until_ms = NULL, last_status = coalesce($6, last_status), last_error = coalesce($7, last_error)
         WHERE id = $1 AND state = 'pending' AND locked_by = $2
         RETURNING account_id, endpoint_id, event_id),
       a AS (
         INSERT INTO webhook_attempts (delivery_id, account_id, endpoint_id, event_id, attempt, at_ms, status, latency_ms,
           response_excerpt, error, next_attempt_ms, node)
         SELECT $1, d.account_id, d.endpoint_id, d.event_id, $8::int, $9::bigint, $6::int, $10::bigint, $11::text, $12::text,
           $13::bigint, $2 FROM d WHERE $14::boolean)
       SELECT account_id, event_id FROM d`,
      [
        deliveryId,
        node,
        outcome.state,
        outcome.state === 'pending' ? Math.round(outcome.nextAttemptMs) : null,
        attempt ? 1 : 0,
        attempt?.status ?? null,
        attempt ? (attempt.error === null ? '' : clean(attempt.error, attemptErrorLengthMax)) : null,
        attempt?.attempt ?? 0,
        Math.round(attempt?.atMs ?? 0),
        Math.round(attempt?.latencyMs ?? 0),
        clean(attempt?.responseExcerpt ?? '', attemptExcerptLengthMax),
        attempt?.error === null || attempt?.error === undefined ? null : clean(attempt.error, attemptErrorLengthMax),
        attempt?.nextAttemptMs === null || attempt?.nextAttemptMs === undefined
          ? null
          : Math.round(attempt.nextAttemptMs),
        attempt !== null,
      ],
    );
    return rows[0] ?? null;
  }

  async enqueue(deliveries: NewDelivery[]): Promise<string[]> {
    if (deliveries.length === 0) return [];
    return this.transaction(async (client) => {
      const withIds = deliveries.map((delivery) => ({ ...delivery, id: newDeliveryId() }));
      await this.insert(client, withIds);
      for (const eventKey of [...new Set(deliveries.map((d) => `${d.accountId}\0${d.eventId}`))].sort()) {
        const [accountId, eventId] = eventKey.split('\0') as [string, string];
        await this.recount(client, accountId, eventId);
      }
      return withIds.map((delivery) => delivery.id);
    });
  }

  async cancelEndpoint(accountId: string, endpointId: string): Promise<number> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ event_id: string }>(
        `UPDATE webhook_deliveries SET state = 'canceled', next_attempt_ms = NULL, locked_by = NULL, locked_until_ms = NULL
         WHERE account_id = $1 AND endpoint_id = $2 AND state = 'pending' RETURNING event_id`,
        [accountId, endpointId],
      );
      for (const eventId of [...new Set(rows.map((row) => row.event_id))].sort())
        await this.recount(client, accountId, eventId);
      return rows.length;
    });
  }

  private where(query: DeliveryQuery, params: unknown[]): string {
    const where = [`account_id = $${params.push(query.accountId)}`];
    if (query.eventId !== undefined) where.push(`event_id = $${params.push(query.eventId)}`);
    if (query.endpointId !== undefined) where.push(`endpoint_id = $${params.push(query.endpointId)}`);
    return where.join(' AND ');
  }

  async deliveries(query: DeliveryQuery): Promise<DeliveryRow[]> {
    const params: unknown[] = [];
    const where = this.where(query, params);
    const { rows } = await this.pool.query<DeliveryDbRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE ${where} ORDER BY seq DESC LIMIT $${params.push(query.limit)}`,
      params,
    );
    return rows.map(toDelivery);
  }

  async attempts(query: DeliveryQuery): Promise<DeliveryAttempt[]> {
    const params: unknown[] = [];
    const where = this.where(query, params);
    const { rows } = await this.pool.query<AttemptDbRow>(
      `SELECT ${ATTEMPT_COLUMNS} FROM webhook_attempts WHERE ${where} ORDER BY seq DESC LIMIT $${params.push(query.limit)}`,
      params,
    );
    return rows.map(toAttempt);
  }

  async undeliveredEvents(accountId: string, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const { rows } = await this.pool.query<{ event_id: string }>(
      `SELECT DISTINCT d.event_id FROM webhook_deliveries d
       WHERE d.account_id = $1 AND d.event_id = ANY($2::text[])
         AND (d.state = 'pending' OR (d.state = 'failed' AND NOT EXISTS (
           SELECT 1 FROM webhook_deliveries s WHERE s.account_id = d.account_id AND s.event_id = d.event_id
             AND s.endpoint_id = d.endpoint_id AND s.state = 'succeeded')))`,
      [accountId, eventIds],
    );
    return new Set(rows.map((row) => row.event_id));
  }

  async backlog(): Promise<{ pending: number; oldestDueMs: number | null }> {
    const { rows } = await this.pool.query<{ pending: number; due: number | null }>(
      "SELECT count(*)::int AS pending, min(next_attempt_ms)::float8 AS due FROM webhook_deliveries WHERE state = 'pending'",
    );
    return { pending: rows[0]!.pending, oldestDueMs: rows[0]!.due };
  }

  async lastSuccessMs(accountId: string, endpointId: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ at: number | null }>(
      'SELECT max(at_ms)::float8 AS at FROM webhook_attempts WHERE account_id = $1 AND endpoint_id = $2 AND status BETWEEN 200 AND 299',
      [accountId, endpointId],
    );
    return rows[0]?.at ?? null;
  }

  async lease(): Promise<boolean> {
    return true;
  }

  async releaseLease(): Promise<void> {
    // No lease on PostgreSQL.
  }

  /** LISTEN on a dedicated connection (listen.ts); missed hints are covered by polling. */
  async subscribe(wake: () => void): Promise<() => Promise<void>> {
    // `listening`: anything committed while we were not listening.
    return listen(this.connection, notifyChannel, {
      notification: () => wake(),
      listening: () => wake(),
    });
  }
}
