/** OpenTill test mode: a reader made silent or busy, injected faults, and the presence of devices not on a socket. */
import { readerOfflineAfterMs, type Reader, type ReaderFaults } from '@opentill/core';
import type { RequestContext } from '../../engine.js';
import { isPresenceWriteDue } from '../presence.js';
import { ReaderPart } from './part.js';

export class ReaderFaultInjection extends ReaderPart {
  async setOffline(ctx: RequestContext, readerId: string, silentForMs: number): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => ({
      reader: {
        ...reader,
        status: silentForMs > readerOfflineAfterMs ? 'offline' : 'online',
        last_seen_at: ctx.nowMs - silentForMs,
        _internal: { ...reader._internal, offline: true },
      },
      events: [],
    }));
    return this.view(reader, ctx.nowMs);
  }

  async setOnline(ctx: RequestContext, readerId: string): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => ({
      reader: {
        ...reader,
        status: 'online',
        last_seen_at: ctx.nowMs,
        _internal: { ...reader._internal, offline: false },
      },
      events: [],
    }));
    return this.view(reader, ctx.nowMs);
  }

  /**
   * A device that is not on a socket (a Tap to Pay phone's SDK) was heard from: `last_seen_at` is
   * refreshed, at most once per `presenceWriteIntervalMs` (presence.ts), so the 2-minute rule sees it online while it
   * calls and offline once it stops. A reader made silent by fault injection stays silent.
   */
  async heardFrom(ctx: RequestContext, reader: Reader): Promise<boolean> {
    if (reader._internal.offline || !isPresenceWriteDue(reader.last_seen_at, ctx.nowMs)) return false;
    await this.changeReader(ctx, reader.id, (current) => ({
      reader: current._internal.offline ? current : { ...current, status: 'online', last_seen_at: ctx.nowMs },
      events: [],
    }));
    return true;
  }

  async setBusy(ctx: RequestContext, readerId: string, seconds: number): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => ({
      reader: {
        ...reader,
        _internal: { ...reader._internal, busyUntilMs: seconds === 0 ? null : ctx.nowMs + seconds * 1000 },
      },
      events: [],
    }));
    return this.view(reader, ctx.nowMs);
  }

  async setFaults(ctx: RequestContext, readerId: string, faults: Partial<ReaderFaults>): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => ({
      reader: { ...reader, _internal: { ...reader._internal, faults: { ...reader._internal.faults, ...faults } } },
      events: [],
    }));
    return this.view(reader, ctx.nowMs);
  }
}
