/**
 * A device's last signal (`last_seen_at`) written to the reader document, for adapters that hear
 * devices directly (the WebSocket gateway). Other nodes read presence from the document, so the
 * 2-minute rule holds for a reader whose device is connected elsewhere (docs/cluster.md).
 *
 * Straight to the store, not through `Engine.commit`: a presence write has no events and changes
 * nothing a listener (webhooks, screens, the dashboard) cares about, so nothing needs waking.
 */
import type { Reader } from '@opentill/core';
import { Conflict, type Engine } from '../engine.js';
import { readerDeadline } from './readers.js';

export class ReaderPresence {
  constructor(private readonly engine: Engine) {}

  /**
   * Records `lastSeenMs` (account clock) unless the document already has a later signal; `force`
   * writes it even when equal (a reconnect or disconnect marks the reader online again).
   */
  async record(accountId: string, readerId: string, lastSeenMs: number, force: boolean): Promise<void> {
    const engine = this.engine;
    await engine.retrying(async () => {
      const record = await engine.store.get<Reader>(accountId, readerId);
      if (!record || record.object['deleted'] === true) return;
      const reader = record.object;
      if (!force && reader.last_seen_at !== null && reader.last_seen_at >= lastSeenMs) return;
      const ctx = await engine.automaticContext(accountId);
      const result = await engine.store.commit({
        accountId, events: [], nowMs: ctx.nowMs,
        puts: [{ object: { ...reader, last_seen_at: Math.max(lastSeenMs, reader.last_seen_at ?? 0), status: 'online' },
          expectedVersion: record.version, deadlineMs: readerDeadline(reader) }],
      });
      if (!result.ok) throw new Conflict(result.conflictId);
    });
  }
}
