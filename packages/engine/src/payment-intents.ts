/** PaymentIntent commands: load → pure transition → (processor) → atomic commit. */
import {
  ApiError,
  applyAuthorization,
  assert,
  applyIncrement,
  attachPaymentMethod,
  authorizationDeadlineMs,
  cancelPaymentIntent,
  capturePaymentIntent,
  checkAmountWithTip,
  checkConfirmable,
  checkIncrementable,
  createPaymentIntent,
  effectiveCaptureMethod,
  clientSecretOf,
  expireAuthorization,
  minimumChargeAmount,
  updatePaymentIntent,
  type CapturePaymentIntent,
  type CreatePaymentIntent,
  type DomainEvent,
  type PaymentIntent,
  type PaymentMethod,
  type StoredObject,
  type ApplyAuthorization,
  type Charge,
  type Transition,
  type UpdatePaymentIntent,
} from '@opentill/core';
import type { Engine, RequestContext } from './engine.js';
import { requireCustomer } from './customers.js';
import type { StoredRecord, StoredText } from './store.js';
import type { UnitOfWork } from './unit-of-work.js';
import { kinds } from './kinds.js';

export interface CreateCommand extends Omit<CreatePaymentIntent, 'id' | 'clientSecret'> {
  /** `confirm=true` with `payment_method`: create and confirm in one call. */
  confirm: boolean;
  paymentMethod: string | null;
}

function checkMinimumAmount(amount: number, currency: string, param: string): void {
  const minimum = minimumChargeAmount(currency);
  if (amount < minimum) {
    throw new ApiError('amount_too_small', `Amount must be at least ${minimum} ${currency}`, { param });
  }
}

/** Objects committed in the same transaction as another object's change (a reader's refund action ending). */
export interface Alongside {
  changed: StoredObject[];
  events: DomainEvent[];
  versions: Map<string, number>;
  deadlines: Map<string, number | null>;
}

export interface ConfirmOptions {
  paymentMethod: string | null;
  pin: string | null;
  tipAmount: number;
  reader: { id: string; location: string | null } | null;
  /**
   * Records what else changes with this outcome in the unit of work (committed in the same
   * transaction as the PaymentIntent and its charge), or throws to commit nothing.
   */
  alongside?: (unit: UnitOfWork, outcome: { paymentIntent: PaymentIntent; decline: ApiError | null }) => Promise<void>;
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
}

/** A confirmation loaded and checked, ready to ask the processor. */
export interface Confirmation {
  /** With the parameters the confirm call carries applied. */
  paymentIntent: PaymentIntent;
  paymentMethod: PaymentMethod;
  options: ConfirmOptions;
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
    const created = createPaymentIntent(
      {
        ...command,
        id,
        clientSecret: clientSecretOf(id, this.engine.ids.secret(25)),
      },
      ctx.nowMs,
    );
    let paymentIntent = created.paymentIntent;
    if (paymentMethod) paymentIntent = attachPaymentMethod(paymentIntent, paymentMethod.object);
    if (!command.confirm) {
      await this.engine
        .unitOfWork(ctx)
        .record({ changed: [paymentIntent], events: created.events })
        .commit();
      return paymentIntent;
    }
    checkConfirmable(paymentIntent, paymentMethod?.object ?? null);
    // Created and confirmed in ONE commit: a crash leaves either nothing or the whole outcome.
    return this.confirm(ctx, id, {
      paymentMethod: null,
      pin: null,
      tipAmount: 0,
      reader: null,
      creating: { paymentIntent, events: created.events },
    });
  }

  async retrieve(ctx: RequestContext, id: string): Promise<PaymentIntent> {
    return (await this.engine.load(ctx, kinds.paymentIntent, id)).object;
  }

  /** `retrieve` as stored JSON text (null: use `retrieve`). */
  retrieveText(ctx: RequestContext, id: string): Promise<StoredText | null> {
    return this.engine.loadText(ctx, kinds.paymentIntent, id);
  }

  async update(
    ctx: RequestContext,
    id: string,
    update: UpdatePaymentIntent & { metadataPatch?: (m: Record<string, string>) => Record<string, string> },
  ): Promise<PaymentIntent> {
    return this.engine.transact(ctx, async (unit) => {
      const paymentIntent = await unit.load(kinds.paymentIntent, id);
      if (update.paymentMethod) await unit.load(kinds.paymentMethod, update.paymentMethod);
      await requireCustomer(this.engine, ctx, update.fields.customer);
      const amount = update.amount ?? paymentIntent.amount;
      const currency = update.currency ?? paymentIntent.currency;
      if (update.amount !== undefined || update.currency !== undefined) checkMinimumAmount(amount, currency, 'amount');
      const metadata = update.metadataPatch ? update.metadataPatch(paymentIntent.metadata) : update.metadata;
      const transition = updatePaymentIntent(paymentIntent, { ...update, ...(metadata ? { metadata } : {}) });
      await unit.record(transition).commit();
      return transition.changed[0] as PaymentIntent;
    });
  }

  /**
   * Confirms with the attached (or given) card-present PaymentMethod: authorizes through the
   * processor, then records the charge. A decline is committed, then thrown as a 402 card error.
   */
  async confirm(ctx: RequestContext, id: string, options: ConfirmOptions): Promise<PaymentIntent> {
    const outcome = await this.engine.transact(ctx, async (unit) => {
      const confirmation = await this.loadConfirmation(unit, id, options);
      const applied = applyAuthorization(
        confirmation.paymentIntent,
        await this.askProcessor(ctx, confirmation, options.pin),
        ctx.nowMs,
      );
      this.recordConfirmation(unit, confirmation, applied);
      await options.alongside?.(unit, { paymentIntent: applied.paymentIntent, decline: applied.decline });
      // A decline is committed, then answered: the answer is part of the recorded effect.
      await unit.commit({ error: applied.decline });
      return applied;
    });
    if (outcome.decline) throw outcome.decline;
    return outcome.paymentIntent;
  }

  /**
   * Loads and checks what a confirmation needs (the PaymentIntent with the parameters the call
   * carries, its PaymentMethod); throws, having changed nothing, when it cannot be confirmed.
   */
  async loadConfirmation(unit: UnitOfWork, id: string, options: ConfirmOptions): Promise<Confirmation> {
    let paymentIntent = options.creating ? options.creating.paymentIntent : await unit.load(kinds.paymentIntent, id);
    const paymentMethodId = options.newPaymentMethod?.id ?? options.paymentMethod ?? paymentIntent.payment_method;
    const paymentMethod =
      options.newPaymentMethod ?? (paymentMethodId ? await unit.load(kinds.paymentMethod, paymentMethodId) : null);
    // A confirm that will be refused must not apply the parameters it carries: check first.
    checkConfirmable(paymentIntent, paymentMethod);
    if (options.update) {
      paymentIntent = updatePaymentIntent(paymentIntent, options.update(paymentIntent)).changed[0] as PaymentIntent;
      checkConfirmable(paymentIntent, paymentMethod);
    }
    // A tip chosen on a device screen arrives here unchecked: the limit holds for the total.
    checkAmountWithTip(paymentIntent.amount, options.tipAmount, 'amount_tip');
    assert(paymentMethod !== null, 'checkConfirmable refuses a PaymentIntent without a PaymentMethod');
    return { paymentIntent, paymentMethod, options };
  }

  /** Asks the processor to authorize a checked confirmation: the command `applyAuthorization` applies. */
  async askProcessor(
    ctx: RequestContext,
    { paymentIntent, paymentMethod, options }: Confirmation,
    pin: string | null,
  ): Promise<ApplyAuthorization> {
    const card = paymentMethod._internal.card;
    const amount = paymentIntent.amount + options.tipAmount;
    const cardPresentOptions = paymentIntent.payment_method_options['card_present'];
    const authorization = await this.engine.processor.authorize({
      accountId: ctx.accountId,
      card,
      amount,
      currency: paymentIntent.currency,
      captureMethod: effectiveCaptureMethod(paymentIntent, card.type),
      requestIncrementalAuthorizationSupport:
        cardPresentOptions?.['request_incremental_authorization_support'] === true,
      requestExtendedAuthorization: cardPresentOptions?.['request_extended_authorization'] === true,
      pin,
      nowMs: ctx.nowMs,
    });
    return {
      paymentMethod,
      card,
      authorization,
      chargeId: this.engine.ids.next('ch'),
      amount,
      tipAmount: options.tipAmount,
      reader: options.reader,
      ...(paymentIntent.setup_future_usage
        ? {
            generatedCard: { id: this.engine.ids.next('pm'), allowRedisplay: options.allowRedisplay ?? 'unspecified' },
          }
        : {}),
    };
  }

  /** Records a confirmation's outcome, with the PaymentMethod just read and the creation it completes. */
  recordConfirmation(unit: UnitOfWork, confirmation: Confirmation, outcome: Transition): void {
    const { newPaymentMethod, creating } = confirmation.options;
    if (newPaymentMethod) unit.put([newPaymentMethod]);
    if (creating) unit.record({ changed: [], events: creating.events });
    unit.record(outcome);
  }

  async capture(
    ctx: RequestContext,
    id: string,
    command: CapturePaymentIntent & {
      metadataPatch?: (m: Record<string, string>) => Record<string, string>;
    },
  ): Promise<PaymentIntent> {
    return this.engine.transact(ctx, async (unit) => {
      const paymentIntent = await unit.load(kinds.paymentIntent, id);
      const charge = await unit.find<Charge>(paymentIntent.latest_charge);
      const metadata = command.metadataPatch ? command.metadataPatch(paymentIntent.metadata) : command.metadata;
      const transition = capturePaymentIntent(
        paymentIntent,
        charge,
        { ...command, ...(metadata ? { metadata } : {}) },
        ctx.nowMs,
      );
      await unit.record(transition).commit();
      return transition.paymentIntent;
    });
  }

  async cancel(ctx: RequestContext, id: string, reason: string | null): Promise<PaymentIntent> {
    return this.engine.transact(ctx, async (unit) => {
      const paymentIntent = await unit.load(kinds.paymentIntent, id);
      const charge = await unit.find<Charge>(paymentIntent.latest_charge);
      const transition = cancelPaymentIntent(paymentIntent, charge, reason, ctx.nowMs);
      await unit.record(transition).commit();
      return transition.paymentIntent;
    });
  }

  async incrementAuthorization(
    ctx: RequestContext,
    id: string,
    command: {
      amount: number;
      description?: string;
      metadataPatch?: (m: Record<string, string>) => Record<string, string>;
      applicationFeeAmount?: number;
    },
  ): Promise<PaymentIntent> {
    const result = await this.engine.transact(ctx, async (unit) => {
      const paymentIntent = await unit.load(kinds.paymentIntent, id);
      const charge = await unit.find<Charge>(paymentIntent.latest_charge);
      checkIncrementable(paymentIntent, charge, command.amount);
      assert(charge !== null, 'checkIncrementable refuses a PaymentIntent without a charge');
      const paymentMethod = await unit.load(kinds.paymentMethod, charge.payment_method);
      const answer = await this.engine.processor.incrementAuthorization({
        card: paymentMethod._internal.card,
        currency: paymentIntent.currency,
        currentAmount: paymentIntent.amount,
        newAmount: command.amount,
      });
      const metadata = command.metadataPatch ? command.metadataPatch(paymentIntent.metadata) : undefined;
      const transition = applyIncrement(paymentIntent, charge, command.amount, answer.approved, {
        ...(command.description !== undefined ? { description: command.description } : {}),
        ...(metadata ? { metadata } : {}),
        ...(command.applicationFeeAmount !== undefined ? { applicationFeeAmount: command.applicationFeeAmount } : {}),
      });
      const decline = answer.approved
        ? null
        : new ApiError('card_declined', answer.message, {
            decline_code: answer.declineCode,
            payment_intent: transition.paymentIntent,
          });
      unit.record({
        ...transition,
        deadlines: new Map([[paymentIntent.id, authorizationDeadlineMs(transition.paymentIntent, charge)]]),
      });
      await unit.commit({ error: decline });
      return { paymentIntent: transition.paymentIntent, decline };
    });
    if (result.decline) throw result.decline;
    return result.paymentIntent;
  }

  /** Scheduler: the authorization window of an uncaptured PaymentIntent has passed. */
  async expire(ctx: RequestContext, record: StoredRecord): Promise<void> {
    await this.engine.transact(ctx, async (unit) => {
      const fresh = await this.engine.store.get<PaymentIntent>(ctx.accountId, record.object.id);
      if (!fresh) return;
      const paymentIntent = unit.adopt(fresh);
      const charge = await unit.find<Charge>(paymentIntent.latest_charge);
      const deadline = authorizationDeadlineMs(paymentIntent, charge);
      if (charge === null || deadline === null || deadline > ctx.nowMs) {
        // Nothing to expire (captured or canceled meanwhile): clear or move the deadline.
        await unit.put([paymentIntent], [[paymentIntent.id, deadline]]).commit();
        return;
      }
      await unit.record(expireAuthorization(paymentIntent, charge, ctx.nowMs)).commit();
    });
  }
}
