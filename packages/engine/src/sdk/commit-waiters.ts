/**
 * What a long-poll waits on (the SDK state, a device's command): a commit that changes one of the
 * watched objects, at most `ms` (a re-read also sees time pass and other server nodes' commits),
 * or the server stopping. Only a commit that changes a watched object wakes a waiter, so a thousand
 * phones of one account paying at once do not all re-read on every commit of the others.
 */
import type { Engine } from '../engine.js';

export class CommitWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closing = false;

  constructor(engine: Engine) {
    engine.onCommit((accountId, _events, changed) => {
      for (const object of changed) this.wake(accountId, object.id);
    });
  }

  /** Wakes the waits on one object: this node's commit of it, or another node's (docs/cluster.md). */
  wake(accountId: string, objectId: string): void {
    const waiting = this.waiters.get(`${accountId}/${objectId}`);
    if (waiting) for (const wake of [...waiting]) wake();
  }

  get stopping(): boolean {
    return this.closing;
  }

  /** The server is stopping: every wait ends at once, and later ones do not start. */
  shutdown(): void {
    this.closing = true;
    for (const set of this.waiters.values()) for (const wake of [...set]) wake();
  }

  /** Resolves when one of `ids` (of `accountId`) is committed, after `ms`, or at shutdown. */
  wait(accountId: string, ids: string[], ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    const keys = ids.map((id) => `${accountId}/${id}`);
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const key of keys) {
          const set = this.waiters.get(key);
          set?.delete(done);
          if (set?.size === 0) this.waiters.delete(key);
        }
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      for (const key of keys) {
        const set = this.waiters.get(key) ?? new Set();
        this.waiters.set(key, set);
        set.add(done);
      }
    });
  }
}
