/**
 * The webhook outbox: the part of the store port the dispatcher works on.
 *
 * Deliveries are written by `Store.commit` in the SAME transaction as the events they carry: the
 * adapter reads the account's enabled `webhook_endpoint` objects inside that transaction, matches
 * each event against their `enabled_events` (`endpointWantsEvent`), inserts one `pending` delivery
 * per (event, endpoint) and sets the event's `pending_webhooks` to that count (on the event object
 * it was given, so the engine's copy agrees). Reading the endpoints in the transaction, rather than
 * from a cache in the engine, keeps every server process right at once when another one creates,
 * disables or deletes an endpoint, and costs one indexed query per commit that has events.
 *
 * A delivery is `pending` until it reaches a final state: `succeeded` (a 2xx), `failed` (retries
 * exhausted, or dropped by fault injection) or `canceled` (endpoint deleted). A dispatcher
 * *claims* due pending deliveries for a lease (`locked_by` = its node id, `locked_until_ms`); only
 * the holder of an unexpired claim may finish it (fencing), and a claim left by a crashed process
 * is taken over once its lease has passed. Nothing is ever deleted by delivering: at-least-once.
 *
 * Times: `nextAttemptMs` and attempt times are on the ACCOUNT's clock (wall clock + test-clock
 * offset), so advancing the test clock makes retries due; leases are on the wall clock.
 *
 * PostgreSQL claims with `FOR UPDATE SKIP LOCKED` (several processes share the work) and sends a
 * NOTIFY on commit as a wake-up hint only. SQLite has one dispatcher at a time: `lease()` elects it.
 */
import { randomBytes } from 'node:crypto';
import type { StoredObject } from '@opentill/core';
import { endpointWantsEvent } from './event-types.js';

export type DeliveryState = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface DeliveryRow {
  id: string;
  accountId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  state: DeliveryState;
  /** Attempts made so far (HTTP requests, or faults recorded as attempts). */
  attemptCount: number;
  /** Account clock, ms. */
  createdMs: number;
  /** Account clock, ms; null once final. */
  nextAttemptMs: number | null;
  lastStatus: number | null;
  lastError: string | null;
}

export interface ClaimedDelivery extends DeliveryRow {
  /** The event as stored (pending_webhooks current). Null if it no longer exists. */
  event: StoredObject | null;
  /** The endpoint as stored (secrets under `_internal`). Null if it no longer exists. */
  endpoint: StoredObject | null;
  /** The account's test-clock offset at claim time. */
  clockOffsetMs: number;
}

export interface DeliveryAttempt {
  deliveryId: string;
  accountId: string;
  endpointId: string;
  eventId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Account clock, ms. */
  atMs: number;
  /** HTTP status, or null when no response came (timeout, refused, reset, dropped). */
  status: number | null;
  latencyMs: number;
  /** First bytes of the response body (bounded), or the error. */
  responseExcerpt: string;
  error: string | null;
  /** When the next attempt is due (account clock), null if none. */
  nextAttemptMs: number | null;
  /** Dispatcher node that made it. */
  node: string;
}

/** What a dispatcher decided for a claimed delivery. */
export type DeliveryOutcome =
  | { state: 'succeeded' | 'failed' | 'canceled' }
  /** Try again at `nextAttemptMs` (account clock). */
  | { state: 'pending'; nextAttemptMs: number };

export interface NewDelivery {
  accountId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** Account clock, ms. */
  nextAttemptMs: number;
}

export interface DeliveryQuery {
  accountId: string;
  eventId?: string;
  endpointId?: string;
  limit: number;
}

export interface OutboxStore {
  /**
   * Claims up to `limit` pending deliveries due at their account's clock (`wallNowMs` + offset),
   * not claimed by anyone else (or whose claim expired), oldest due first, for `leaseMs`.
   */
  claim(node: string, wallNowMs: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;
  /**
   * Records `attempt` (if any) and applies `outcome` to a delivery this node still holds; returns
   * false (and changes nothing, attempt included) if the claim was lost. A final state recounts the
   * event's `pending_webhooks`.
   */
  finish(node: string, deliveryId: string, outcome: DeliveryOutcome, attempt: DeliveryAttempt | null): Promise<boolean>;
  /** New pending deliveries (resend), counted in their events' `pending_webhooks`. Returns their ids. */
  enqueue(deliveries: NewDelivery[]): Promise<string[]>;
  /** Pending deliveries of an endpoint become `canceled` (endpoint deleted). */
  cancelEndpoint(accountId: string, endpointId: string): Promise<number>;
  deliveries(query: DeliveryQuery): Promise<DeliveryRow[]>;
  /** Attempts, newest first. */
  attempts(query: DeliveryQuery): Promise<DeliveryAttempt[]>;
  /**
   * Of `eventIds` (one list page: at most `limits.listLimitMax` ids of `accountId`), those that are
   * NOT delivered: they have a `pending` delivery, or a `failed` one to an endpoint that has no
   * `succeeded` delivery of the same event (a successful resend makes up for a failure; a
   * `canceled` delivery — endpoint deleted — is owed to no one and counts for nothing). Events
   * with no deliveries are delivered. One indexed query (`webhook_deliveries_by_event`). Backs
   * `GET /v1/events?delivery_success=`.
   */
  undeliveredEvents(accountId: string, eventIds: readonly string[]): Promise<Set<string>>;
  /**
   * Pending deliveries (all accounts) and the earliest next attempt among them (account clock, ms),
   * for `/metrics`: one query on the partial index of pending deliveries.
   */
  backlog(): Promise<{ pending: number; oldestDueMs: number | null }>;
  /** Account-clock time of the endpoint's last 2xx, or null. */
  lastSuccessMs(accountId: string, endpointId: string): Promise<number | null>;
  /**
   * SQLite: takes or renews the single-dispatcher lease for `node` (true if held). PostgreSQL:
   * always true — SKIP LOCKED claims let every process dispatch.
   */
  lease(node: string, wallNowMs: number, leaseMs: number): Promise<boolean>;
  /** Gives the lease up (clean shutdown), so a restarted process need not wait for it to expire. */
  releaseLease(node: string): Promise<void>;
  /** Calls `wake` when another process committed deliveries (PostgreSQL NOTIFY); a hint only. */
  subscribe(wake: () => void): Promise<() => Promise<void>>;
}

/** An endpoint as the adapters read it inside a commit. */
export interface EnabledEndpoint {
  id: string;
  enabledEvents: readonly unknown[];
}

export interface PlannedDelivery {
  id: string;
  endpointId: string;
  event: StoredObject;
}

/**
 * Shared by the adapters' `commit`: the deliveries owed for `events` to the account's enabled
 * endpoints. Sets `pending_webhooks` on each event that has any (events with none are left exactly
 * as given).
 */
export function planDeliveries(
  endpoints: readonly EnabledEndpoint[],
  events: readonly StoredObject[],
  newId: () => string,
): PlannedDelivery[] {
  const planned: PlannedDelivery[] = [];
  for (const event of events) {
    let count = 0;
    for (const endpoint of endpoints) {
      if (!endpointWantsEvent(endpoint.enabledEvents, String(event['type']))) continue;
      planned.push({ id: newId(), endpointId: endpoint.id, event });
      count += 1;
    }
    if (count > 0) event['pending_webhooks'] = count;
  }
  return planned;
}

/**
 * The SQL condition (the same in SQLite and PostgreSQL) that an `objects` row is an event NOT
 * delivered, as `OutboxStore.undeliveredEvents` defines it: a `pending` delivery, or a `failed` one
 * to an endpoint with no `succeeded` delivery of the same event. Indexed by
 * `webhook_deliveries_by_event`. Shared by both adapters' `list` (`ListQuery.deliverySuccess`).
 */
export const eventUndeliveredSql = `EXISTS (SELECT 1 FROM webhook_deliveries d
  WHERE d.account_id = objects.account_id AND d.event_id = objects.id
    AND (d.state = 'pending' OR (d.state = 'failed' AND NOT EXISTS (
      SELECT 1 FROM webhook_deliveries s WHERE s.account_id = d.account_id AND s.event_id = d.event_id
        AND s.endpoint_id = d.endpoint_id AND s.state = 'succeeded'))))`;

/** Delivery ids: `whd_` + 24 random hex characters. */
export function newDeliveryId(): string {
  return `whd_${randomBytes(12).toString('hex')}`;
}

/** Bounded text columns of the attempt log. */
export const attemptExcerptLengthMax = 1024;
export const attemptErrorLengthMax = 500;
