/** The shared base of the reader service's parts (terminal/readers/index.ts). */
import { readerDeadline, type Reader, type StoredObject } from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from '../../engine.js';
import type { PaymentIntents } from '../../payment-intents.js';
import type { PaymentMethods } from '../../payment-methods.js';
import type { Refunds } from '../../refunds.js';
import type { SetupIntents } from '../../setup-intents.js';
import type { StoredRecord } from '../../store.js';
import type { ReaderLinks } from '../reader-link.js';
import { kinds } from '../../kinds.js';

/** What every part of the reader service uses. */
export interface ReaderServices {
  engine: Engine;
  links: ReaderLinks;
  paymentIntents: PaymentIntents;
  paymentMethods: PaymentMethods;
  refunds: Refunds;
  setupIntents: SetupIntents;
}

/**
 * The base of each part of `TerminalReaders`: the services, and the reader document's load, view
 * and commit (every reader change commits with its scheduler deadline, `readerDeadline`).
 */
export abstract class ReaderPart {
  protected readonly engine: Engine;
  protected readonly links: ReaderLinks;
  protected readonly paymentIntents: PaymentIntents;
  protected readonly paymentMethods: PaymentMethods;
  protected readonly refunds: Refunds;
  protected readonly setupIntents: SetupIntents;

  constructor(services: ReaderServices) {
    this.engine = services.engine;
    this.links = services.links;
    this.paymentIntents = services.paymentIntents;
    this.paymentMethods = services.paymentMethods;
    this.refunds = services.refunds;
    this.setupIntents = services.setupIntents;
  }

  /** The reader as the API shows it: status and last signal come from the reader port. */
  view(reader: Reader, nowMs: number): Reader {
    const presence = this.links.of(reader).presence(reader, nowMs);
    return { ...reader, status: presence.online ? 'online' : 'offline', last_seen_at: presence.lastSeenAtMs };
  }

  async load(ctx: RequestContext, id: string, param = 'id'): Promise<StoredRecord<Reader>> {
    return this.engine.load(ctx, kinds.terminalReader, id, param);
  }

  /** Loads, applies a pure change, commits (with the reader's deadline), retrying on conflicts. */
  async changeReader(
    ctx: RequestContext,
    readerId: string,
    change: (reader: Reader) => { reader: Reader; events: Array<{ type: string; object: StoredObject }> },
  ): Promise<Reader> {
    return this.engine.retrying(async () => {
      const record = await this.load(ctx, readerId);
      const changed = change(record.object);
      if (changed.reader === record.object) return record.object;
      await this.commitReader(ctx, changed.reader, changed.events, record);
      return changed.reader;
    });
  }

  protected async commitReader(
    ctx: RequestContext,
    reader: Reader,
    events: Array<{ type: string; object: StoredObject }>,
    record: StoredRecord<Reader>,
  ): Promise<void> {
    await this.engine.commit(ctx, [reader], events, versionsOf(record), new Map([[reader.id, readerDeadline(reader)]]));
  }
}

export function mergeInternal(reader: Reader, internal: DeliveryInternal): Reader {
  return internal ? { ...reader, _internal: { ...reader._internal, ...internal } } : reader;
}
type DeliveryInternal = Partial<Reader['_internal']> | undefined;
