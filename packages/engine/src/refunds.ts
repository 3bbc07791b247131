/** Refund commands. The processor is asked first; the refund and the charge change together. */
import {
  ApiError,
  createRefund,
  failRefundLater,
  refundableAmount,
  cancelRefund,
  type Charge,
  type Metadata,
  type StoredObject,
} from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from './engine.js';
import type { StoredRecord } from './store.js';
import type { Alongside } from './payment-intents.js';
import { kinds } from './kinds.js';

export interface CreateRefundCommand {
  charge?: string;
  paymentIntent?: string;
  amount?: number;
  reason: string | null;
  metadata: Metadata;
  instructionsEmail?: string;
}

export class Refunds {
  constructor(private readonly engine: Engine) {}

  private async chargeFor(ctx: RequestContext, command: CreateRefundCommand): Promise<StoredRecord<Charge>> {
    if (command.charge !== undefined && command.paymentIntent !== undefined) {
      // Stripe accepts both when they agree; check they do.
      const charge = await this.engine.load(ctx, kinds.charge, command.charge);
      if (charge.object.payment_intent !== command.paymentIntent) {
        throw new ApiError(
          'parameters_exclusive',
          `The charge ${command.charge} does not belong to the PaymentIntent ${command.paymentIntent}.`,
          { param: 'charge' },
        );
      }
      return charge;
    }
    if (command.charge !== undefined) return this.engine.load(ctx, kinds.charge, command.charge);
    if (command.paymentIntent !== undefined) {
      const paymentIntent = await this.engine.load(ctx, kinds.paymentIntent, command.paymentIntent, 'payment_intent');
      const charge = await this.engine.find<Charge>(ctx, paymentIntent.object.latest_charge);
      if (!charge || charge.object.status !== 'succeeded') {
        throw new ApiError(
          'charge_expired_for_capture',
          `This PaymentIntent (${command.paymentIntent}) does not have a successful charge to refund.`,
          { param: 'payment_intent' },
        );
      }
      return charge;
    }
    throw new ApiError(
      'parameter_missing',
      'One of the following params should be provided for this request: payment_intent or charge.',
      { param: 'charge' },
    );
  }

  /**
   * `alongside`: what else changes with this refund (a reader's refund action finishing), committed
   * in the same transaction; null: the refund commits alone.
   */
  async create(
    ctx: RequestContext,
    command: CreateRefundCommand,
    alongside?: (refund: StoredObject) => Promise<Alongside | null>,
  ): Promise<StoredObject> {
    return this.engine.retrying(async () => {
      const charge = await this.chargeFor(ctx, command);
      const amount = refundableAmount(charge.object, command.amount);
      const paymentMethod = await this.engine.load(ctx, kinds.paymentMethod, charge.object.payment_method);
      const processor = await this.engine.processor.refund({
        card: paymentMethod.object._internal.card,
        amount,
        currency: charge.object.currency,
      });
      const transition = createRefund(
        {
          id: this.engine.ids.next('re'),
          charge: charge.object,
          amount,
          reason: command.reason,
          metadata: command.metadata,
          ...(command.instructionsEmail ? { instructionsEmail: command.instructionsEmail } : {}),
          processor: processor.accepted
            ? processor
            : { accepted: false, failureReason: processor.failureReason, message: processor.message },
        },
        ctx.nowMs,
      );
      const failAt = (transition.refund._internal as { failAtMs: number | null }).failAtMs;
      const extra = alongside ? await alongside(transition.refund) : null;
      await this.engine.commit(
        ctx,
        [...transition.changed, ...(extra?.changed ?? [])],
        [...transition.events, ...(extra?.events ?? [])],
        new Map([...versionsOf(charge), ...(extra?.versions ?? [])]),
        new Map([[transition.refund.id, failAt], ...(extra?.deadlines ?? [])]),
      );
      return transition.refund;
    });
  }

  async retrieve(ctx: RequestContext, id: string): Promise<StoredObject> {
    return (await this.engine.load(ctx, kinds.refund, id)).object;
  }

  async update(ctx: RequestContext, id: string, patch: (m: Metadata) => Metadata): Promise<StoredObject> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.refund, id);
      const next = { ...record.object, metadata: patch(record.object['metadata'] as Metadata) };
      await this.engine.commit(
        ctx,
        [next],
        [{ type: 'refund.updated', object: next, previousAttributes: { metadata: record.object['metadata'] } }],
        versionsOf(record),
      );
      return next;
    });
  }

  async cancel(ctx: RequestContext, id: string): Promise<StoredObject> {
    const record = await this.engine.load(ctx, kinds.refund, id);
    return cancelRefund(record.object);
  }

  /** Scheduler: a refund that was accepted fails later (test card `refund_fail`). */
  async failLater(ctx: RequestContext, record: StoredRecord): Promise<void> {
    await this.engine.retrying(async () => {
      const refund = await this.engine.store.get(ctx.accountId, record.object.id);
      if (!refund) return;
      const charge = await this.engine.load(ctx, kinds.charge, String(refund.object['charge']));
      const transition = failRefundLater(refund.object, charge.object);
      await this.engine.commit(
        ctx,
        transition.changed.length ? transition.changed : [refund.object],
        transition.events,
        versionsOf(refund, charge),
      );
    });
  }
}
