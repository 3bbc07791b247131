/**
 * The reader bus (docs/cluster.md): how a node reaches a reader whose device is connected to another
 * node sharing the database. The store keeps the truth (engine/src/terminal/reader-bus-store.ts):
 * leases saying which node holds each device, and durable command rows. Wake-ups (PostgreSQL NOTIFY)
 * only shorten the wait: every node polls its pending rows, and a sender polls its row's answer, so
 * a lost NOTIFY costs at most `pollMs`. The answer's wake-up carries the answer when it fits, so the
 * sender does not read the row back; and a wake-up that comes while the sender is not yet waiting
 * (during its write or its read) ends its next wait at once instead of being lost to a poll.
 *
 * On SQLite there is one node: no other node ever owns a reader, so a reader not connected here is
 * simply not connected (the one-node behaviour), yet leases are written and read the same way.
 */
import { randomBytes } from 'node:crypto';
import {
  parseReaderBusDone,
  type Clock,
  type ReaderBusStore,
  type ReaderMessage,
  type ReaderMessageResult,
} from '@opentill/engine';

export interface ReaderBusOptions {
  /** This node's id in leases and rows (default: random per process). */
  nodeId?: string;
  /** A lease not renewed within this is over: the owning node is gone (default 15 s). */
  leaseMs?: number;
  /** How often pending rows and unanswered requests are polled when no wake-up comes (default 500 ms). */
  pollMs?: number;
  /** Test-only: false ignores every wake-up (NOTIFY lost), so only polling carries the bus. */
  wakeUps?: boolean;
}

/** What a node answers to a row addressed to it (JSON text). */
export type ReaderMessageHandler = (message: ReaderMessage) => Promise<string>;

/**
 * How a request ended. `answered`: the owner's result. `unclaimed`: no node took the row in time and
 * the sender withdrew it (nothing was delivered). `unanswered`: the owner took the row but no answer
 * came in time (it may have delivered it, then died): the caller must assume it was delivered.
 * `unheld`: sent to the reader's holder, but no other node holds a live lease on it (nothing written).
 */
export type ReaderRequestOutcome =
  { kind: 'answered'; result: string } | { kind: 'unclaimed' } | { kind: 'unanswered' } | { kind: 'unheld' };

/** A request waiting for its answer: the one a wake-up carried, and how to end its current wait. */
interface Awaited {
  result: string | null;
  wake: (() => void) | null;
}

interface Lease {
  accountId: string;
  readerId: string;
  epoch: number;
}

const takeBatchMax = 32;
export const nodeIdPattern = /^[\w.-]{1,64}$/;
const pruneEveryMs = 60_000;
/** Rows are kept this long after they were sent (for the record), then pruned by any node. */
const messageRetentionMs = 10 * 60_000;

export class ReaderBus {
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly pollMs: number;
  private readonly wakeUps: boolean;
  private readonly leases = new Map<string, Lease>();
  private readonly waiting = new Set<() => void>();
  /** The requests of this node waiting for their answer, by row id. */
  private readonly awaiting = new Map<string, Awaited>();
  /** Wake-ups for every waiting request (`done` without a result, `listening`) so far. */
  private wakeUpCount = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => Promise<void>) | null = null;
  private draining: Promise<void> | null = null;
  private drainAgain = false;
  private stopped = false;
  private readonly hintListeners = new Set<(topic: string) => void>();
  private readonly pollListeners = new Set<() => Promise<void>>();

  constructor(
    private readonly store: ReaderBusStore,
    private readonly clock: Clock,
    private readonly handle: ReaderMessageHandler,
    /** Called when a renewal shows that another node took the reader over. */
    private readonly onLost: (accountId: string, readerId: string, epoch: number) => void,
    options: ReaderBusOptions = {},
  ) {
    this.nodeId = options.nodeId ?? `node_${randomBytes(6).toString('hex')}`;
    // Node ids go into NOTIFY payloads split on ':' and '|'.
    if (!nodeIdPattern.test(this.nodeId))
      throw new Error(`node id '${this.nodeId.slice(0, 80)}': use 1 to 64 letters, digits, _ . or -`);
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollMs ?? 500;
    this.wakeUps = options.wakeUps ?? true;
  }

  /** Listens for wake-ups and starts polling, renewing leases and pruning. */
  async start(): Promise<void> {
    this.unsubscribe = await this.store.subscribe((target, topic) => this.onHint(target, topic));
    const every = (ms: number, run: () => Promise<unknown>) => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy || this.stopped) return;
        busy = true;
        void run()
          .catch(() => undefined)
          .finally(() => {
            busy = false;
          });
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.pollMs, async () => {
      await this.drain();
      for (const listener of this.pollListeners) await listener().catch(() => undefined);
    });
    every(Math.max(50, Math.floor(this.leaseMs / 3)), () => this.renewAll());
    every(pruneEveryMs, async () => {
      await this.store.prune(this.clock.nowMs() - messageRetentionMs);
      await this.store.prunePairings(this.clock.nowMs() - messageRetentionMs);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const wake of this.waiting) wake();
    await this.unsubscribe?.();
  }

  /**
   * Hints that are not about command rows: for every node (`changed:…`, `screen:…`), from every node
   * this one included, and those addressed to this node (`paired`: a code of this node is registered).
   */
  onTopic(listener: (topic: string) => void): () => void {
    this.hintListeners.add(listener);
    return () => this.hintListeners.delete(listener);
  }

  /** Runs `listener` at every poll: what a lost hint would have triggered. */
  onPoll(listener: () => Promise<void>): () => void {
    this.pollListeners.add(listener);
    return () => this.pollListeners.delete(listener);
  }

  /** A hint for every node; best effort (the listeners poll as well). */
  async announce(topic: string): Promise<void> {
    await this.store.notify('*', topic);
  }

  private onHint(target: string, topic: string): void {
    if (!this.wakeUps || this.stopped) return;
    if (target !== this.nodeId && target !== '*') return;
    const answer = parseReaderBusDone(topic);
    if (answer) {
      // An answer to one of this node's requests, as committed in its row: only that request wakes.
      const awaited = this.awaiting.get(answer.id);
      if (awaited) {
        awaited.result = answer.result;
        awaited.wake?.();
      }
      return;
    }
    if (topic === 'message' || topic === 'listening') void this.drain().catch(() => undefined);
    if (topic === 'done' || topic === 'listening') {
      this.wakeUpCount += 1;
      for (const wake of this.waiting) wake();
    }
    if (topic !== 'listening' && topic !== 'message' && topic !== 'done') {
      for (const listener of this.hintListeners) listener(topic);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Leases
  // ----------------------------------------------------------------------------------------------

  /**
   * Takes the reader for this node (its device just authenticated here): a conditional write on the
   * epoch read, so of two nodes racing for one reader exactly one wins. Returns the lease's epoch
   * (the connection's fencing token), or null: another node won.
   */
  async own(accountId: string, readerId: string): Promise<number | null> {
    const seen = await this.store.owner(accountId, readerId);
    const owned = await this.store.own(
      accountId,
      readerId,
      this.nodeId,
      seen?.epoch ?? null,
      this.clock.nowMs() + this.leaseMs,
    );
    if (!owned) return null;
    this.leases.set(keyOf(accountId, readerId), { accountId, readerId, epoch: owned.epoch });
    return owned.epoch;
  }

  /**
   * The connection holding `epoch` left this node: its lease ends now, so senders stop waiting for
   * this node at once. A newer connection's lease (a reconnect, here or elsewhere) is left alone.
   */
  async release(accountId: string, readerId: string, epoch: number): Promise<void> {
    const key = keyOf(accountId, readerId);
    if (this.leases.get(key)?.epoch === epoch) this.leases.delete(key);
    await this.store.release(accountId, readerId, this.nodeId, epoch);
  }

  /** Keeps the screen a device held here reported, for viewers on other nodes, and tells them. */
  async shareScreen(accountId: string, readerId: string, epoch: number, screen: string): Promise<void> {
    if (await this.store.setScreen(accountId, readerId, this.nodeId, epoch, screen)) {
      await this.announce(`screen:${accountId}:${readerId}`);
    }
  }

  /** The screen last kept for a reader whose device holds a live lease somewhere; null otherwise. */
  async liveScreen(accountId: string, readerId: string): Promise<string | null> {
    return (await this.ownerOf(accountId, readerId)) === null ? null : this.store.screen(accountId, readerId);
  }

  /** The node holding a live lease on the reader, or null (none, expired, released). */
  async ownerOf(accountId: string, readerId: string): Promise<string | null> {
    const owner = await this.store.owner(accountId, readerId);
    return owner && owner.expiresAtMs > this.clock.nowMs() ? owner.nodeId : null;
  }

  /** The renewal heartbeat of this node; a renewal that changes nothing means the reader was taken over. */
  private async renewAll(): Promise<void> {
    const expiresAtMs = this.clock.nowMs() + this.leaseMs;
    for (const [key, lease] of [...this.leases]) {
      const renewed = await this.store.renew(lease.accountId, lease.readerId, this.nodeId, lease.epoch, expiresAtMs);
      if (renewed || this.leases.get(key) !== lease) continue;
      this.leases.delete(key);
      this.onLost(lease.accountId, lease.readerId, lease.epoch);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Requests
  // ----------------------------------------------------------------------------------------------

  /**
   * Writes a row for `toNode` and waits for its answer: up to `pickupMs` for the owner to take it
   * (else the row is withdrawn: `unclaimed`), then up to `answerMs` more for the answer. `toNode`
   * null: the node holding a live lease on the reader, read in the same statement as the row is
   * written (one round trip, not two); none other than this one: `unheld`.
   */
  async request(
    message: Pick<ReaderMessage, 'accountId' | 'readerId' | 'kind' | 'payload'> & { toNode: string | null },
    budget: { pickupMs: number; answerMs: number },
  ): Promise<ReaderRequestOutcome> {
    const id = `rbm_${randomBytes(12).toString('hex')}`;
    const startMs = this.clock.nowMs();
    // Registered before the row is written: the owner's answer (a wake-up carrying it) can arrive
    // before `send` itself returns.
    const awaited: Awaited = { result: null, wake: null };
    this.awaiting.set(id, awaited);
    try {
      // Every wake-up counted from here on ends the next wait at once, so one that arrives while the
      // sender is not yet waiting (during `send`, during a read that saw the row before its answer)
      // is never lost to a poll interval.
      let seen = this.wakeUpCount;
      const row0 = { ...message, id, fromNode: this.nodeId, createdMs: startMs };
      if (message.toNode !== null) await this.store.send({ ...row0, toNode: message.toNode });
      else if ((await this.store.sendToHolder(row0, startMs)) === null) return { kind: 'unheld' };
      // Just written: nothing to read before a wake-up or a poll interval.
      let row: ReaderMessageResult | null = { state: 'pending', result: null };
      // Bounded: each round waits for a wake-up or one poll interval, and the deadline ends the rounds.
      const roundsMax = Math.ceil((budget.pickupMs + budget.answerMs) / Math.max(1, Math.min(this.pollMs, 50))) + 4;
      for (let round = 0; round < roundsMax; round += 1) {
        if (round > 0 && awaited.result === null) {
          seen = this.wakeUpCount;
          row = await this.store.result(id);
        }
        if (awaited.result !== null) return { kind: 'answered', result: awaited.result };
        if (row?.state === 'done' && row.result !== null) return { kind: 'answered', result: row.result };
        const elapsed = this.clock.nowMs() - startMs;
        if (row?.state === 'pending' && elapsed >= budget.pickupMs) {
          if (await this.store.withdraw(id, JSON.stringify({ withdrawn: true }))) return { kind: 'unclaimed' };
          continue; // taken meanwhile: wait for its answer
        }
        if (elapsed >= budget.pickupMs + budget.answerMs || this.stopped) return { kind: 'unanswered' };
        const untilDeadline =
          (row?.state === 'pending' ? budget.pickupMs : budget.pickupMs + budget.answerMs) - elapsed;
        await this.wait(Math.max(1, Math.min(this.pollMs, untilDeadline)), seen, awaited);
      }
      return { kind: 'unanswered' };
    } finally {
      this.awaiting.delete(id);
    }
  }

  /** Up to `ms`, ended by a wake-up; at once if one came since `seen` or the answer is already here. */
  private wait(ms: number, seen: number, awaited: Awaited): Promise<void> {
    if (this.wakeUpCount !== seen || awaited.result !== null || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        awaited.wake = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiting.add(wake);
      awaited.wake = wake;
    });
  }

  /** Takes this node's pending rows and answers each (concurrently: a delivery waits for its ack). */
  private drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      try {
        do {
          this.drainAgain = false;
          const taken = await this.store.take(this.nodeId, takeBatchMax);
          for (const message of taken) void this.answer(message);
          if (taken.length === takeBatchMax) this.drainAgain = true;
        } while (this.drainAgain && !this.stopped);
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  private async answer(message: ReaderMessage): Promise<void> {
    let result: string;
    try {
      result = await this.handle(message);
    } catch {
      result = JSON.stringify({ error: 'handler_failed' });
    }
    await this.store.finish(message.id, result).catch(() => undefined);
  }
}

function keyOf(accountId: string, readerId: string): string {
  return `${accountId}/${readerId}`;
}
