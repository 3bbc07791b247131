/**
 * The one path from "a reader read a card" to a PaymentMethod. The test-mode card-read endpoint,
 * the Terminal test helpers and the reader devices all come through here; the full card number
 * stops at `processor.readCard` and only CardFacts are stored.
 */
import { ApiError, buildPaymentMethod, type PaymentMethod } from '@opentill/core';
import type { Engine, RequestContext } from './engine.js';
import type { CardRead } from './ports.js';

export class PaymentMethods {
  constructor(private readonly engine: Engine) {}

  async createFromCardRead(ctx: RequestContext, read: CardRead, param = 'card_present[number]'): Promise<PaymentMethod> {
    const paymentMethod = this.fromCardRead(ctx, read, param);
    await this.engine.commit(ctx, [paymentMethod], [], new Map());
    return paymentMethod;
  }

  /** The PaymentMethod of a card read, not stored yet (committed by the caller, with what it pays). */
  fromCardRead(ctx: RequestContext, read: CardRead, param = 'card_present[number]'): PaymentMethod {
    const result = this.engine.processor.readCard(ctx.accountId, read);
    if (!result.ok) throw new ApiError(result.code, result.message, { param });
    return buildPaymentMethod(this.engine.ids.next('pm'), result.card, ctx.nowMs);
  }

  async retrieve(ctx: RequestContext, id: string): Promise<PaymentMethod> {
    return (await this.engine.load<PaymentMethod>(ctx, id, 'payment_method', 'payment_method')).object;
  }
}
