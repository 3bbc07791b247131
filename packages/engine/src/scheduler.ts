/**
 * Time-driven work: objects with a deadline (uncaptured authorizations, refunds that fail later)
 * are handled when the account's clock passes it. Driven by `tick()`, called on an interval by
 * the server and directly after a test-clock advance, so the domain never sets its own timers.
 */
import type { Engine } from './engine.js';
import type { PaymentIntents } from './payment-intents.js';
import type { Refunds } from './refunds.js';

/** Objects handled per account per tick: bounds the work one tick can do. */
const dueBatchMax = 100;

export type DueHandler = (
  ctx: Awaited<ReturnType<Engine['automaticContext']>>,
  record: Awaited<ReturnType<Engine['store']['due']>>[number],
) => Promise<void>;

export class Scheduler {
  private readonly handlers = new Map<string, DueHandler>();

  constructor(
    private readonly engine: Engine,
    paymentIntents: PaymentIntents,
    refunds: Refunds,
  ) {
    this.handlers.set('payment_intent', (ctx, record) => paymentIntents.expire(ctx, record));
    this.handlers.set('refund', (ctx, record) => refunds.failLater(ctx, record));
  }

  /** Other parts (reader actions) register what to do when their objects fall due. */
  register(objectType: string, handler: DueHandler): void {
    this.handlers.set(objectType, handler);
  }

  async tickAccount(accountId: string): Promise<number> {
    const ctx = await this.engine.automaticContext(accountId);
    const due = await this.engine.store.due(accountId, ctx.nowMs, dueBatchMax);
    for (const record of due) {
      const handler = this.handlers.get(record.object.object);
      if (handler) await handler(ctx, record);
    }
    return due.length;
  }

  async tick(): Promise<void> {
    for (const account of await this.engine.store.listAccounts()) await this.tickAccount(account.id);
  }
}
