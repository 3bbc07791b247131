/**
 * The store's part of the reader bus (docs/cluster.md): several nodes on one database reach a
 * reader wherever its device is connected. Two tables (migration 0009):
 *
 * - `reader_owners`: which node holds a reader's device connection, as a lease (node id, epoch,
 *   expiry on the owning node's wall clock). Taking it over is a conditional write on the epoch the
 *   taker saw, so two nodes racing for one reader cannot both win; renewals and releases are fenced
 *   by (node, epoch), so a node that lost the lease learns it from a renewal that changes nothing.
 * - `reader_messages`: durable command rows from one node to another (`pending` → `taken` by the
 *   owner → `done` with its result; or `pending` → `done` when the sender withdraws it unclaimed).
 *   Every state change is a conditional write, so a row is delivered at most once and answered once.
 *
 * - `reader_pairings` (migration 0012): registration codes shown by pairing devices, so that
 *   `readers.create({registration_code})` through any node registers a device waiting on another
 *   (`waiting` → `claimed` by one registration → `registered` once the reader is committed, which
 *   wakes the pairing node). Claiming is one conditional write: a code is used at most once.
 *
 * Wake-ups: on PostgreSQL a `NOTIFY opentill_reader_bus` in the same statement as the write (so it
 * is sent at commit, never before the row is visible); on SQLite (one process) the listeners of this
 * process. A wake-up is a hint only: the bus polls the rows, so a lost NOTIFY costs one poll interval.
 * The `done` wake-up of an answered row carries the answer when it fits (`readerBusDoneTopic`), so the
 * sender need not read the row back; the row keeps it all the same, for the poll.
 */

export interface ReaderOwner {
  nodeId: string;
  /** Incremented by every takeover: the fencing token of renewals and releases. */
  epoch: number;
  /** Wall clock (ms) of the owning node; 0 after a clean release. */
  expiresAtMs: number;
}

export type ReaderMessageState = 'pending' | 'taken' | 'done';

export interface ReaderMessage {
  id: string;
  accountId: string;
  readerId: string;
  fromNode: string;
  toNode: string;
  /** What the owner must do (`deliver`, `input`, …): the bus decides, the store only keeps it. */
  kind: string;
  /** JSON text. */
  payload: string;
  /** Wall clock (ms) of the sender, for pruning. */
  createdMs: number;
}

export interface ReaderMessageResult {
  state: ReaderMessageState;
  /** JSON text written by whoever moved the row to `done`. */
  result: string | null;
}

/** A registration code shown by a pairing device connected to `nodeId` (docs/reader-protocol.md, Pairing). */
export interface ReaderPairing {
  /** The three-word code, lowercase. */
  code: string;
  /** The node whose pairing socket shows the code: it hands the device its credentials. */
  nodeId: string;
  /** JSON text: what the device said about itself (the gateway decides its shape). */
  device: string;
  /** SHA-256 of the reader secret the pairing node holds in memory for the device (never stored in clear). */
  secretSha256: string;
  /** Wall clock (ms) of the pairing node: the code is valid until then. */
  expiresAtMs: number;
  /** Wall clock (ms): the pairing node renews this while the socket is open; a node that died stops renewing. */
  heldUntilMs: number;
}

/** A code claimed by a registration: what the registering node needs to build the reader. */
export interface ClaimedPairing {
  nodeId: string;
  device: string;
  secretSha256: string;
}

/** A code whose reader is committed: the pairing node sends the device its credentials. */
export interface RegisteredPairing {
  code: string;
  accountId: string;
  readerId: string;
}

/** `target`: the node a wake-up is for, or `*` for every node. */
export type ReaderBusListener = (target: string, topic: string) => void;

export interface ReaderBusStore {
  owner(accountId: string, readerId: string): Promise<ReaderOwner | null>;
  /**
   * Takes the lease for `nodeId` if it is still as the caller saw it (`seenEpoch`, null: no lease
   * row yet). Returns the new lease, or null when another node got there first.
   */
  own(
    accountId: string,
    readerId: string,
    nodeId: string,
    seenEpoch: number | null,
    expiresAtMs: number,
  ): Promise<ReaderOwner | null>;
  /** Extends the lease held by (node, epoch); false: the lease is no longer this node's. */
  renew(accountId: string, readerId: string, nodeId: string, epoch: number, expiresAtMs: number): Promise<boolean>;
  /** Ends the lease held by (node, epoch) now (the device disconnected cleanly); a no-op otherwise. */
  release(accountId: string, readerId: string, nodeId: string, epoch: number): Promise<void>;
  /** Keeps the screen (JSON text) the device held by (node, epoch) reported; false: not the holder. */
  setScreen(accountId: string, readerId: string, nodeId: string, epoch: number, screen: string): Promise<boolean>;
  /** The last screen kept for the reader, whoever holds it (null: none yet). */
  screen(accountId: string, readerId: string): Promise<string | null>;

  /** Writes a `pending` row and wakes its target node. */
  send(message: ReaderMessage): Promise<void>;
  /**
   * Reads the reader's lease and writes a `pending` row for its holder in one statement: the node
   * holding a live lease (`expiresAtMs` > `nowMs`) other than the sender. Returns that node, woken;
   * null when no other node holds one (nothing written).
   */
  sendToHolder(message: Omit<ReaderMessage, 'toNode'>, nowMs: number): Promise<string | null>;
  /** Claims up to `limit` pending rows addressed to `nodeId` (→ `taken`), oldest first. */
  take(nodeId: string, limit: number): Promise<ReaderMessage[]>;
  /**
   * `taken` → `done` with the owner's result, waking the sender with `readerBusDoneTopic` (the result
   * itself when it fits); false if the row was not taken.
   */
  finish(id: string, result: string): Promise<boolean>;
  /** `pending` → `done` with the sender's own result (it gives up before any node took it); false if taken. Wakes the sender with `done`. */
  withdraw(id: string, result: string): Promise<boolean>;
  result(id: string): Promise<ReaderMessageResult | null>;
  /** Deletes rows created before `olderThanMs` (wall clock); returns how many. */
  prune(olderThanMs: number): Promise<number>;

  /** Stores a new code (`waiting`); false when the code is taken (by a live or not yet pruned row). */
  addPairing(pairing: ReaderPairing): Promise<boolean>;
  /**
   * `waiting` → `claimed` by `accountId` for the reader about to be created, if the code is neither
   * expired nor abandoned (`expiresAtMs`, `heldUntilMs` ≥ `nowMs`). Null: no such code, used, expired.
   */
  claimPairing(code: string, accountId: string, readerId: string, nowMs: number): Promise<ClaimedPairing | null>;
  /** `claimed` → `registered` (the reader is committed) and wakes the pairing node; returns it, or null. */
  completePairing(code: string): Promise<string | null>;
  /** The codes of `nodeId` whose readers are registered, for it to hand out the credentials. */
  registeredPairings(nodeId: string): Promise<RegisteredPairing[]>;
  /** Removes `nodeId`'s code (its socket closed, it expired, or the credentials were sent). */
  dropPairing(code: string, nodeId: string): Promise<void>;
  /** Extends `heldUntilMs` of every `waiting` code of `nodeId` (its pairing sockets are still open). */
  holdPairings(nodeId: string, heldUntilMs: number): Promise<void>;
  /** Deletes codes that expired before `olderThanMs`; returns how many. */
  prunePairings(olderThanMs: number): Promise<number>;

  /** A wake-up hint with no row (a reader document changed, a screen changed). */
  notify(target: string, topic: string): Promise<void>;
  /** Calls `listener` on every wake-up hint; returns how to stop. Hints may be lost: poll as well. */
  subscribe(listener: ReaderBusListener): Promise<() => Promise<void>>;
}

/** The NOTIFY channel (PostgreSQL); the payload is `<target>|<topic>`. */
export const readerBusChannel = 'opentill_reader_bus';

export function readerBusPayload(target: string, topic: string): string {
  return `${target}|${topic}`;
}

export function parseReaderBusPayload(payload: string): { target: string; topic: string } | null {
  const at = payload.indexOf('|');
  return at <= 0 ? null : { target: payload.slice(0, at), topic: payload.slice(at + 1) };
}

/**
 * The largest result (UTF-8 bytes) a `done` wake-up carries: a NOTIFY payload must stay under 8,000
 * bytes, and it also holds the schema (≤ 63), the target node id (≤ 64) and the row id.
 */
export const readerBusDoneResultMax = 7_000;

/**
 * The wake-up of a row its owner answered: `done:<id>:<result>` when the result fits, so the sender
 * has the answer without reading the row; else `done` (the sender reads it). The topic is written in
 * the same statement as the row (sent at commit), so the result it carries is the committed one.
 */
export function readerBusDoneTopic(id: string, result: string): string {
  return new TextEncoder().encode(result).length <= readerBusDoneResultMax && !id.includes(':')
    ? `done:${id}:${result}`
    : 'done';
}

/** The row id and result of a `done:<id>:<result>` wake-up; null for any other topic. */
export function parseReaderBusDone(topic: string): { id: string; result: string } | null {
  if (!topic.startsWith('done:')) return null;
  const at = topic.indexOf(':', 5);
  return at <= 5 ? null : { id: topic.slice(5, at), result: topic.slice(at + 1) };
}
