/**
 * The one path from "a reader read a card" to a PaymentMethod. The test-mode card-read endpoint,
 * the Terminal test helpers and the reader devices all come through here; the full card number
 * stops at `processor.readCard` and only CardFacts are stored.
 */
import {
  ApiError,
  attachPaymentMethodToCustomer,
  buildPaymentMethod,
  detachPaymentMethod,
  type Customer,
  type PaymentMethod,
  type StoredObject,
} from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from './engine.js';
import { requireCustomer } from './customers.js';
import type { CardRead } from './ports.js';
import { kinds } from './kinds.js';

export class PaymentMethods {
  constructor(private readonly engine: Engine) {}

  async createFromCardRead(
    ctx: RequestContext,
    read: CardRead,
    param = 'card_present[number]',
  ): Promise<PaymentMethod> {
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
    return (await this.engine.load(ctx, kinds.paymentMethod, id)).object;
  }

  /** `POST /v1/payment_methods/:id/attach`: a reusable card joins a live customer (`payment_method.attached`). */
  async attach(ctx: RequestContext, id: string, customerId: string): Promise<StoredObject> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.paymentMethod, id);
      await requireCustomer(this.engine, ctx, customerId);
      const transition = attachPaymentMethodToCustomer(record.object, customerId);
      if (transition.changed.length > 0)
        await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record));
      return transition.paymentMethod;
    });
  }

  /** `POST /v1/payment_methods/:id/detach` (`payment_method.detached`; a customer's default for invoices is cleared). */
  async detach(ctx: RequestContext, id: string): Promise<StoredObject> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.paymentMethod, id);
      const owner = record.object['customer'];
      const customer = typeof owner === 'string' ? await this.engine.find<Customer>(ctx, owner) : null;
      const live = customer && customer.object['deleted'] !== true ? customer : null;
      const transition = detachPaymentMethod(record.object, live?.object ?? null);
      await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record, live));
      return transition.paymentMethod;
    });
  }
}
