/** Time-driven work (scheduler): authorization latency and recovery, the 30-second hold, demo auto-present. */
import { readerDeadline, isApiError, type Reader } from '@opentill/core';
import { versionsOf, type RequestContext } from '../../engine.js';
import type { StoredRecord } from '../../store.js';
import { ReaderPart, type ReaderServices } from './part.js';
import type { ReaderAuthorizations } from './authorization.js';
import type { ReaderActions } from './actions.js';
import type { DeviceReports } from './device-reports.js';
import { defaultRead } from './simulated-customer.js';

export class ReaderDeadlines extends ReaderPart {
  constructor(
    services: ReaderServices,
    private readonly authorization: ReaderAuthorizations,
    private readonly actions: ReaderActions,
    private readonly reports: DeviceReports,
  ) {
    super(services);
  }

  async onDeadline(ctx: RequestContext, record: StoredRecord): Promise<void> {
    const reader = record.object as Reader;
    if (reader['deleted'] === true) return;
    const internal = reader._internal;
    if (internal.stage === 'authorizing' && internal.authorizing) {
      if (internal.authorizing.claimedAtMs) await this.authorization.abandon(ctx, reader.id);
      else if (internal.authorizing.dueMs <= ctx.nowMs) await this.authorization.authorize(ctx, reader.id);
    }
    if (internal.held && internal.held.expiresAtMs <= ctx.nowMs) await this.actions.expireHeldCard(ctx, reader.id);
    const autoAt = internal.autoPresentAtMs;
    if (typeof autoAt === 'number' && autoAt <= ctx.nowMs) {
      await this.changeReader(ctx, reader.id, (r) => ({
        reader: { ...r, _internal: { ...r._internal, autoPresentAtMs: null } },
        events: [],
      }));
      try {
        await this.reports.presentPaymentMethod(ctx, reader.id, (types) => defaultRead(types), 0);
      } catch (error) {
        if (!isApiError(error)) throw error;
      }
    }
    // Whatever is left is re-armed (or cleared) from the reader's current state.
    await this.engine.retrying(async () => {
      const fresh = await this.engine.store.get<Reader>(ctx.accountId, reader.id);
      if (!fresh || fresh.object['deleted'] === true) return;
      const deadline = readerDeadline(fresh.object);
      if (deadline !== null && deadline <= ctx.nowMs) return; // handled on the next tick
      await this.engine.commit(ctx, [fresh.object], [], versionsOf(fresh), new Map([[reader.id, deadline]]));
    });
  }
}
