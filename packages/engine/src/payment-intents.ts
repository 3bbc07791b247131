/** PaymentIntent commands: load → pure transition → (processor) → atomic commit. */
import {
  ApiError, applyAuthorization, applyIncrement, attachPaymentMethod, authorizationDeadlineMs, cancelPaymentIntent,
  capturePaymentIntent, checkAmountWithTip, checkConfirmable, checkIncrementable, createPaymentIntent, effectiveCaptureMethod,
  clientSecretOf, expireAuthorization, minimumChargeAmount, updatePaymentIntent,
  type CapturePaymentIntent, type CreatePaymentIntent, type DomainEvent, type PaymentIntent, type PaymentMethod, type StoredObject,
  type UpdatePaymentIntent,
} from '@opentill/core';
import { versionsOf, type Engine, type RequestContext } from './engine.js';
import { requireCustomer } from './customers.js';
import type { StoredRecord, StoredText } from './store.js';
import { kinds } from './kinds.js';

export interface CreateCommand extends Omit<CreatePaymentIntent, 'id' | 'clientSecret'> {
  /** `confirm=true` with `payment_method`: create and confirm in one call. */
  confirm: boolean;
  paymentMethod: string | null;
}

function checkMinimumAmount(amount: number, currency: string, param: string): void {
  const minimum = minimumChargeAmount(currency);
  if (amount < minimum) {
    throw new ApiError('amount_too_small',
      `Amount must be at least ${minimum} ${currency}`, { param });
  }
}

/** Objects committed in the same transaction as a PaymentIntent's confirmation. */
export interface Alongside {
  changed: StoredObject[];
  events: DomainEvent[];
  versions: Map<string, number>;
  deadlines: Map<string, number | null>;
}

export class PaymentIntents {
  constructor(private readonly engine: Engine) {}

  async create(ctx: RequestContext, command: CreateCommand): Promise<PaymentIntent> {
    checkMinimumAmount(command.amount, command.currency, 'amount');
    await requireCustomer(this.engine, ctx, command.fields.customer);
    const paymentMethod = command.paymentMethod
      ? await this.engine.load(ctx, kinds.paymentMethod, command.paymentMethod)
      : null;
    const id = this.engine.ids.next('pi');
    const created = createPaymentIntent({
      ...command, id, clientSecret: clientSecretOf(id, this.engine.ids.secret(25)),
    }, ctx.nowMs);
    let paymentIntent = created.paymentIntent;
    if (paymentMethod) paymentIntent = attachPaymentMethod(paymentIntent, paymentMethod.object);
    if (!command.confirm) {
      await this.engine.commit(ctx, [paymentIntent], created.events, new Map());
      return paymentIntent;
    }
    checkConfirmable(paymentIntent, paymentMethod?.object ?? null);
    // Created and confirmed in ONE commit: a crash leaves either nothing or the whole outcome.
    return this.confirm(ctx, id, {
      paymentMethod: null, pin: null, tipAmount: 0, reader: null, creating: { paymentIntent, events: created.events },
    });
  }

  async retrieve(ctx: RequestContext, id: string): Promise<PaymentIntent> {
    return (await this.engine.load(ctx, kinds.paymentIntent, id)).object;
  }

  /** `retrieve` as stored JSON text (null: use `retrieve`). */
  retrieveText(ctx: RequestContext, id: string): Promise<StoredText | null> {
    return this.engine.loadText(ctx, kinds.paymentIntent, id);
  }

  async update(ctx: RequestContext, id: string, update: UpdatePaymentIntent & { metadataPatch?: (m: Record<string, string>) => Record<string, string> }): Promise<PaymentIntent> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.paymentIntent, id);
      if (update.paymentMethod) await this.engine.load(ctx, kinds.paymentMethod, update.paymentMethod);
      await requireCustomer(this.engine, ctx, update.fields.customer);
      const amount = update.amount ?? record.object.amount;
      const currency = update.currency ?? record.object.currency;
      if (update.amount !== undefined || update.currency !== undefined) checkMinimumAmount(amount, currency, 'amount');
      const metadata = update.metadataPatch ? update.metadataPatch(record.object.metadata) : update.metadata;
      const transition = updatePaymentIntent(record.object, { ...update, ...(metadata ? { metadata } : {}) });
      await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record));
      return transition.changed[0] as PaymentIntent;
    });
  }

  /**
   * Confirms with the attached (or given) card-present PaymentMethod: authorizes through the
   * processor, then records the charge. A decline is committed, then thrown as a 402 card error.
   */
  async confirm(ctx: RequestContext, id: string, options: {
    paymentMethod: string | null; pin: string | null; tipAmount: number;
    reader: { id: string; location: string | null } | null;
    /**
     * What else changes with this outcome (a reader's action finishing), committed in the same
     * transaction as the PaymentIntent and its charge; null: the PaymentIntent commits alone.
     */
    alongside?: (outcome: { paymentIntent: PaymentIntent; decline: ApiError | null }) => Promise<Alongside | null>;
    /** A PaymentIntent being created (not stored yet) with its events: created and confirmed in one commit. */
    creating?: { paymentIntent: PaymentIntent; events: DomainEvent[] };
    /**
     * Parameters the confirm call carries (`capture_method`, `receipt_email`…), applied in the same
     * commit as the confirmation, and only when the PaymentIntent can be confirmed.
     */
    update?: (current: PaymentIntent) => UpdatePaymentIntent;
    /** A PaymentMethod just read and not stored yet: stored in the same commit as the confirmation. */
    newPaymentMethod?: PaymentMethod;
    /** `allow_redisplay` of the card saved with `setup_future_usage` (a reader's config); default `unspecified`. */
    allowRedisplay?: string;
  }): Promise<PaymentIntent> {
    const outcome = await this.engine.retrying(async () => {
      const record: StoredRecord<PaymentIntent> = options.creating
        ? { object: options.creating.paymentIntent, version: 0 }
        : await this.engine.load(ctx, kinds.paymentIntent, id);
      const paymentMethodId = options.newPaymentMethod?.id ?? options.paymentMethod ?? record.object.payment_method;
      const paymentMethod: StoredRecord<PaymentMethod> | null = options.newPaymentMethod
        ? { object: options.newPaymentMethod, version: 0 }
        : paymentMethodId ? await this.engine.load(ctx, kinds.paymentMethod, paymentMethodId) : null;
      // A confirm that will be refused must not apply the parameters it carries: check first.
      checkConfirmable(record.object, paymentMethod?.object ?? null);
      if (options.update) {
        const updated = updatePaymentIntent(record.object, options.update(record.object)).changed[0] as PaymentIntent;
        record.object = updated;
        checkConfirmable(updated, paymentMethod?.object ?? null);
      }
      // A tip chosen on a device screen arrives here unchecked: the limit holds for the total.
      checkAmountWithTip(record.object.amount, options.tipAmount, 'amount_tip');
      const pm = paymentMethod!.object;
      const card = pm._internal.card;
      const amount = record.object.amount + options.tipAmount;
      const authorization = await this.engine.processor.authorize({
        accountId: ctx.accountId,
        card,
        amount,
        currency: record.object.currency,
        captureMethod: effectiveCaptureMethod(record.object, card.type),
        requestIncrementalAuthorizationSupport:
          record.object.payment_method_options['card_present']?.['request_incremental_authorization_support'] === true,
        requestExtendedAuthorization:
          record.object.payment_method_options['card_present']?.['request_extended_authorization'] === true,
        pin: options.pin,
        nowMs: ctx.nowMs,
      });
      const applied = applyAuthorization(record.object, {
        paymentMethod: pm, card, authorization, chargeId: this.engine.ids.next('ch'), amount,
        tipAmount: options.tipAmount, reader: options.reader,
        ...(record.object.setup_future_usage ? {
          generatedCard: { id: this.engine.ids.next('pm'), allowRedisplay: options.allowRedisplay ?? 'unspecified' },
        } : {}),
      }, ctx.nowMs);
      const deadlines = new Map<string, number | null>([
        [applied.paymentIntent.id, authorizationDeadlineMs(applied.paymentIntent, applied.charge)],
      ]);
      const extra = options.alongside ? await options.alongside({ paymentIntent: applied.paymentIntent, decline: applied.decline }) : null;
      await this.engine.commit(ctx, [...(options.newPaymentMethod ? [options.newPaymentMethod] : []), ...applied.changed, ...(extra?.changed ?? [])],
        [...(options.creating?.events ?? []), ...applied.events, ...(extra?.events ?? [])],
        new Map([...(options.creating ? [] : versionsOf(record)), ...(extra?.versions ?? [])]),
        new Map([...deadlines, ...(extra?.deadlines ?? [])]),
        // A decline is committed, then answered: the answer is part of the recorded effect.
        { error: applied.decline });
      return applied;
    });
    if (outcome.decline) throw outcome.decline;
    return outcome.paymentIntent;
  }

  async capture(ctx: RequestContext, id: string, command: CapturePaymentIntent & {
    metadataPatch?: (m: Record<string, string>) => Record<string, string>;
  }): Promise<PaymentIntent> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.paymentIntent, id);
      const charge = await this.engine.find(ctx, record.object.latest_charge);
      const metadata = command.metadataPatch ? command.metadataPatch(record.object.metadata) : command.metadata;
      const transition = capturePaymentIntent(record.object, charge?.object ?? null,
        { ...command, ...(metadata ? { metadata } : {}) }, ctx.nowMs);
      await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record, charge));
      return transition.paymentIntent;
    });
  }

  async cancel(ctx: RequestContext, id: string, reason: string | null): Promise<PaymentIntent> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.paymentIntent, id);
      const charge = await this.engine.find(ctx, record.object.latest_charge);
      const transition = cancelPaymentIntent(record.object, charge?.object ?? null, reason, ctx.nowMs);
      await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record, charge));
      return transition.paymentIntent;
    });
  }

  async incrementAuthorization(ctx: RequestContext, id: string, command: {
    amount: number; description?: string; metadataPatch?: (m: Record<string, string>) => Record<string, string>;
    applicationFeeAmount?: number;
  }): Promise<PaymentIntent> {
    const result = await this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.paymentIntent, id);
      const charge = await this.engine.find(ctx, record.object.latest_charge);
      checkIncrementable(record.object, charge?.object ?? null, command.amount);
      const paymentMethod = await this.engine.load(ctx, kinds.paymentMethod, String(charge!.object['payment_method']));
      const answer = await this.engine.processor.incrementAuthorization({
        card: paymentMethod.object._internal.card, currency: record.object.currency,
        currentAmount: record.object.amount, newAmount: command.amount,
      });
      const metadata = command.metadataPatch ? command.metadataPatch(record.object.metadata) : undefined;
      const transition = applyIncrement(record.object, charge!.object, command.amount, answer.approved, {
        ...(command.description !== undefined ? { description: command.description } : {}),
        ...(metadata ? { metadata } : {}),
        ...(command.applicationFeeAmount !== undefined ? { applicationFeeAmount: command.applicationFeeAmount } : {}),
      });
      const decline = answer.approved ? null : new ApiError('card_declined', answer.message, {
        decline_code: answer.declineCode, payment_intent: transition.paymentIntent,
      });
      await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record, charge),
        new Map([[record.object.id, authorizationDeadlineMs(transition.paymentIntent, charge!.object)]]), { error: decline });
      return { paymentIntent: transition.paymentIntent, decline };
    });
    if (result.decline) throw result.decline;
    return result.paymentIntent;
  }

  /** Scheduler: the authorization window of an uncaptured PaymentIntent has passed. */
  async expire(ctx: RequestContext, record: StoredRecord): Promise<void> {
    await this.engine.retrying(async () => {
      const fresh = await this.engine.store.get<PaymentIntent>(ctx.accountId, record.object.id);
      if (!fresh) return;
      const charge = await this.engine.find<StoredObject>(ctx, fresh.object.latest_charge);
      const deadline = authorizationDeadlineMs(fresh.object, charge?.object ?? null);
      if (charge === null || deadline === null || deadline > ctx.nowMs) {
        // Nothing to expire (captured or canceled meanwhile): clear or move the deadline.
        await this.engine.commit(ctx, [fresh.object], [], versionsOf(fresh), new Map([[fresh.object.id, deadline]]));
        return;
      }
      const transition = expireAuthorization(fresh.object, charge.object, ctx.nowMs);
      await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(fresh, charge));
    });
  }
}
