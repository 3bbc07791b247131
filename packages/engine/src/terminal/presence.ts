/**
 * Throttled presence writes: a device's signals keep it online in memory on the node that hears
 * them, and reach the database (`last_seen_at`, so other nodes and the 2-minute rule see them) at
 * most once per `presenceWriteIntervalMs`, or at once after a silence. One home for the rule the
 * SDK's phone signals (`TerminalReaders.heardFrom`) and the gateway's socket devices both follow.
 */
import type { Reader } from '@opentill/core';
import { Conflict, type Engine } from '../engine.js';
import { readerDeadline } from '@opentill/core';

/** `last_seen_at` of a device is written at most this often while it keeps signalling. */
export const presenceWriteIntervalMs = 60 * 1000;

/** Whether a signal at `nowMs` is to be written, the last write having been at `lastWrittenMs` (null: never). */
export function isPresenceWriteDue(
  lastWrittenMs: number | null,
  nowMs: number,
  intervalMs = presenceWriteIntervalMs,
): boolean {
  return lastWrittenMs === null || nowMs - lastWrittenMs >= intervalMs;
}

/** The presence writes of devices connected to this node (the reader gateway's). */
export class ReaderPresence {
  /** When each reader's presence was last written from here (engine clock). */
  private readonly writtenAt = new Map<string, number>();

  constructor(private readonly engine: Engine) {}

  /** Whether a connected device's signal goes to the database now: after a silence (`wasOffline`), or once per interval. */
  writeDue(readerId: string, wasOffline: boolean, intervalMs = presenceWriteIntervalMs): boolean {
    return (
      wasOffline || isPresenceWriteDue(this.writtenAt.get(readerId) ?? null, this.engine.clock.nowMs(), intervalMs)
    );
  }

  /**
   * Writes `lastSeenMs` (account clock) as the reader's `last_seen_at` and `status: online`, unless
   * the store already holds as recent a signal (`force`: write anyway, on connect and disconnect).
   */
  async write(accountId: string, readerId: string, lastSeenMs: number, force: boolean): Promise<void> {
    this.writtenAt.set(readerId, this.engine.clock.nowMs());
    const engine = this.engine;
    await engine.retrying(async () => {
      const record = await engine.store.get<Reader>(accountId, readerId);
      if (!record || record.object['deleted'] === true) return;
      const reader = record.object;
      if (!force && reader.last_seen_at !== null && reader.last_seen_at >= lastSeenMs) return;
      const account = await engine.store.getAccount(accountId);
      // Straight to the store: a presence write has no events, so nothing (webhooks, screens) needs waking.
      const result = await engine.store.commit({
        accountId,
        events: [],
        nowMs: engine.clock.nowMs() + (account?.clockOffsetMs ?? 0),
        puts: [
          {
            object: { ...reader, last_seen_at: Math.max(lastSeenMs, reader.last_seen_at ?? 0), status: 'online' },
            expectedVersion: record.version,
            deadlineMs: readerDeadline(reader),
          },
        ],
      });
      if (!result.ok) throw new Conflict(result.conflictId);
    });
  }
}
