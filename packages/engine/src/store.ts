/**
 * The store port. Objects are documents in Stripe's wire shape, versioned for optimistic
 * concurrency: a command loads what it needs, decides with a pure state machine, then commits
 * every changed object, its events and their outbox rows in one atomic batch that fails as a
 * whole if any object changed since it was loaded. No transaction is held across an await, so
 * the SQLite (synchronous) and PostgreSQL (asynchronous) adapters keep the same semantics.
 */
import type { StoredObject } from '@opentill/core';

export interface StoredRecord<T extends StoredObject = StoredObject> {
  object: T;
  version: number;
}

/** An object's stored JSON text (internal fields included) and its `object` type. */
export interface StoredText {
  type: string;
  version: number;
  data: string;
}

export type Filter =
  | { field: string; op: 'eq'; value: string | number | boolean | null }
  | { field: string; op: 'in'; values: string[] }
  | { field: string; op: 'prefix'; value: string };

export interface ListQuery {
  accountId: string;
  type: string;
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  created?: { gt?: number; gte?: number; lt?: number; lte?: number };
  /** Top-level fields of the stored object (`data->>field`). */
  filters?: Filter[];
  /**
   * Events only: keep those whose webhooks are all delivered (true) or not (false), as
   * `OutboxStore.undeliveredEvents` defines it. In the query itself, so a page and its cursors reach
   * every match however many non-matching events lie between (`GET /v1/events?delivery_success=`).
   */
  deliverySuccess?: boolean;
}

export interface ListPage<T extends StoredObject = StoredObject> {
  data: T[];
  hasMore: boolean;
}

export interface Put {
  object: StoredObject;
  /** The version that was loaded; 0 for a new object. */
  expectedVersion: number;
  /**
   * When the scheduler must look at this object again (ms); null clears it; undefined keeps the
   * stored one (a new object then has none). Commands that don't own the deadline leave it alone.
   */
  deadlineMs?: number | null | undefined;
  /** `JSON.stringify(object)`, when the caller made it already (the store then skips its own). */
  data?: string;
}

export interface CommitBatch {
  accountId: string;
  puts: Put[];
  /** Event objects (`evt_…`), stored in the same transaction. */
  events: StoredObject[];
  /**
   * The account's clock (ms) at commit: when the webhook deliveries of these events are first due.
   * Default: each event's `created`.
   */
  nowMs?: number;
  /**
   * The idempotency key of the request making this commit: the key row is updated in the SAME
   * transaction, only while this request still owns it (`token`, state `in_flight`), recording
   * `effect` (sealed: it may hold secrets). If the key was taken over, the whole commit fails
   * (`keyLost`): a request that lost its key must not commit. docs/idempotency.md.
   */
  idempotency?: { key: string; token: string; effect: string };
  /**
   * Connect: the platform of `accountId` when it is a connected account. Its events are then also
   * queued for the platform's Connect webhook endpoints (delivery rows of the platform's).
   */
  connectPlatformId?: string;
  /**
   * Connect: another account's share of the same change, in the SAME transaction (a direct charge's
   * application fee on the platform, a destination charge's payment on the connected account).
   */
  alongside?: Array<{ accountId: string; puts: Put[]; events: StoredObject[]; connectPlatformId?: string }>;
}

/** `deliveries`: webhook deliveries the commit queued (the dispatcher wakes only when there are some). */
export type CommitResult =
  | { ok: true; deliveries: number }
  /**
   * `keyLost`: the batch's idempotency key is no longer this request's (taken over, or its answer
   * stored); `conflictId` is then the key. Nothing was written.
   */
  | { ok: false; conflictId: string; keyLost?: true };

export interface Account {
  id: string;
  created: number;
  /** Test-mode clock offset, added to the wall clock for everything this account does. */
  clockOffsetMs: number;
  settings: Record<string, unknown>;
  /** Connect: the platform that created this account with `POST /v1/accounts`; null (or absent) otherwise. */
  platformId?: string | null;
}

/** What `Store.resetAccount` deleted. */
export interface AccountReset {
  objects: number;
  deliveries: number;
  attempts: number;
  idempotencyKeys: number;
}

export interface ApiKeyRecord {
  /** SHA-256 of the key, hex. The key itself is never stored. */
  hash: string;
  accountId: string;
  kind: 'secret' | 'publishable';
  /** Last 4 characters, to show a masked key (`sk_test_…1234`). */
  last4: string;
  created: number;
}

export type IdempotencyBegin =
  | { kind: 'started' }
  | { kind: 'in_use' }
  /** `firstEndpoint`: `METHOD /path` the key was first used on, when its hash records it. */
  | { kind: 'mismatch'; firstEndpoint?: string }
  | { kind: 'replay'; status: number; body: string }
  /**
   * An in-flight key whose lock expired after its request committed an effect (the process died
   * before storing the answer): never run again; answer from `effect` and `finish` with `token`.
   */
  | { kind: 'recover'; token: string; effect: string };

export interface IdempotencyStore {
  /**
   * Reserves the key for a request owning `token` (a fresh random value per request). A free key,
   * one past retention, or an in-flight one whose lock expired WITHOUT an effect is (re)claimed
   * with this token; the old holder's commits then fail.
   */
  begin(accountId: string, key: string, requestHash: string, nowMs: number, token: string): Promise<IdempotencyBegin>;
  /** Stores the answer, if `token` still owns the key; the recorded effect is dropped. */
  finish(accountId: string, key: string, status: number, body: string, token: string): Promise<void>;
  /**
   * Forgets an in-flight key (validation failure) so the same key may be used again, if `token`
   * still owns it and no effect was recorded under it.
   */
  abandon(accountId: string, key: string, token: string): Promise<void>;
  /** Deletes keys older than the retention window. */
  prune(olderThanMs: number): Promise<number>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;

  insertAccount(account: Account, keys: ApiKeyRecord[]): Promise<void>;
  getAccount(id: string): Promise<Account | null>;
  listAccounts(): Promise<Account[]>;
  updateAccount(account: Account): Promise<void>;
  findApiKey(hash: string): Promise<ApiKeyRecord | null>;
  addApiKey(key: ApiKeyRecord): Promise<void>;

  get<T extends StoredObject = StoredObject>(accountId: string, id: string): Promise<StoredRecord<T> | null>;
  /**
   * The stored document as text, unparsed, with its type column (optional: an adapter whose stored
   * text is exactly `JSON.stringify` of the object implements it). Read paths that only send the
   * object back skip a JSON.parse and a re-serialization (16–18 µs per PaymentIntent). With this
   * path, `bench/run.mjs` retrieve went from 161–216 to 92–136 server µs per request.
   */
  getText?(accountId: string, id: string): Promise<StoredText | null>;
  list<T extends StoredObject = StoredObject>(query: ListQuery): Promise<ListPage<T>>;
  commit(batch: CommitBatch): Promise<CommitResult>;
  /** Objects whose deadline has passed, oldest first. */
  due(accountId: string, nowMs: number, limit: number): Promise<StoredRecord[]>;

  /**
   * A server-wide setting, created with `value` if absent, shared by every node (e.g. the secret
   * keying card fingerprints). Returns the stored value.
   */
  setting(name: string, value: string): Promise<string>;

  /**
   * Test mode's "start over": deletes every object (events and webhook endpoints included), webhook
   * delivery and attempt, and idempotency key of one account, in one transaction. The account and
   * its API keys stay. Returns how many rows of each kind went.
   */
  resetAccount(accountId: string): Promise<AccountReset>;

  readonly idempotency: IdempotencyStore;

  /** The webhook outbox (`webhooks/outbox.ts` documents the contract). */
  readonly outbox: OutboxStore;

  /** The request log and dashboard sessions (`operations-store.ts`). */
  readonly requestLog: RequestLogStore;
  readonly dashboardSessions: DashboardSessionStore;

  /** Reader leases and cross-node reader commands (`terminal/reader-bus-store.ts`, docs/cluster.md). */
  readonly readerBus: ReaderBusStore;

  /** True when every migration this build knows is applied (`/readyz`). Throws when the store is unreachable. */
  migrationsApplied(): Promise<boolean>;
}

export type {
  OutboxStore,
  DeliveryState,
  ClaimedDelivery,
  DeliveryAttempt,
  DeliveryRow,
  DeliveryOutcome,
  NewDelivery,
  DeliveryQuery,
} from './webhooks/outbox.js';
import type { OutboxStore } from './webhooks/outbox.js';
import type { DashboardSessionStore, RequestLogStore } from './operations-store.js';
import type { ReaderBusStore } from './terminal/reader-bus-store.js';
