/**
 * Device → server: what a reader reports (a card presented, the customer's cancel, the inputs). Simulated
 * readers report through the test helpers, devices through `ReaderDevices.applyEvent`: the same methods.
 */
import {
  ApiError,
  allowRedisplayOf,
  beginAuthorization,
  readerDeadline,
  cardCollected,
  checkAmountWithTip,
  checkWaitingForCard,
  customerCancel,
  finishAction,
  inputsCollected,
  isApiError,
  terminalErrors,
  type ActionOutcome,
  type Metadata,
  type PaymentIntent,
  type PaymentMethod,
  type Reader,
  type StoredObject,
} from '@opentill/core';
import { versionsOf, type RequestContext } from '../../engine.js';
import { errorsNotAnswered } from '../../idempotency.js';
import type { Alongside } from '../../payment-intents.js';
import type { CardRead } from '../../ports.js';
import type { CardholderPin } from '../reader-link.js';
import { kinds } from '../../kinds.js';
import { ReaderPart, type ReaderServices } from './part.js';
import type { ReaderAuthorizations } from './authorization.js';

/** A card read for a reader's action, and the check that the action is still the one it was read for. */
interface CardPresented {
  readerId: string;
  sub: Record<string, unknown>;
  paymentMethod: PaymentMethod;
  tip: number;
  stillWaiting: (reader: Reader) => void;
}

export class DeviceReports extends ReaderPart {
  constructor(
    services: ReaderServices,
    private readonly authorization: ReaderAuthorizations,
  ) {
    super(services);
  }

  /**
   * A card is presented to the reader. `readFor` turns the PaymentIntent's payment method types
   * into the card read (Stripe's default test card per type); `pin`: what the cardholder entered
   * on the device with it, if anything.
   */
  async presentPaymentMethod(
    ctx: RequestContext,
    readerId: string,
    readFor: (paymentMethodTypes: string[]) => CardRead,
    tipAmount: number,
    pin: CardholderPin | null = null,
  ): Promise<Reader> {
    const first = await this.load(ctx, readerId);
    if (first.object._internal.offline) throw terminalErrors.offline(); // a silent reader reports nothing
    const action = checkWaitingForCard(first.object, ctx.nowMs);
    const sub = action[action.type] as Record<string, unknown>;
    const sought = await this.cardSought(ctx, action.type, sub);
    const config = (sub['process_config'] ?? sub['collect_config']) as Record<string, unknown> | undefined;
    const tip = config?.['skip_tipping'] === true ? 0 : tipAmount;
    // Checked before the card read, so a refused tip leaves nothing behind: the 8-digit limit is on
    // the amount authorized, tip included.
    if (sought.paymentIntent) checkAmountWithTip(sought.paymentIntent.amount, tip, 'amount_tip');
    const paymentMethod = await this.paymentMethods.createFromCardRead(ctx, readFor(sought.types));
    /** The card was read for this action: if another replaced it meanwhile, the read is void. */
    const stillWaiting = (reader: Reader) => {
      const current = checkWaitingForCard(reader, ctx.nowMs);
      if (current.type !== action.type || JSON.stringify(current[current.type]) !== JSON.stringify(sub)) {
        throw new ApiError(
          'invalid_request_body',
          `The action of reader ${readerId} changed while the card was being read. Present the card again.`,
        );
      }
    };
    const read: CardPresented = { readerId, sub, paymentMethod, tip, stillWaiting };
    switch (action.type) {
      case 'collect_payment_method':
        return this.view(await this.collected(ctx, read, sought.paymentIntent!.id), ctx.nowMs);
      case 'refund_payment':
        return this.view(await this.refunded(ctx, read), ctx.nowMs);
      case 'process_setup_intent':
        return this.view(
          await this.setUp(ctx, read, first.object._internal.allowRedisplay ?? 'unspecified'),
          ctx.nowMs,
        );
      default: {
        // process_payment_intent: the authorization starts, then takes the reader's latency.
        const reader = await this.changeReader(ctx, readerId, (reader) => {
          stillWaiting(reader);
          return beginAuthorization(
            reader,
            { paymentMethod: paymentMethod.id, tipAmount: tip, ...allowRedisplayOf(config) },
            reader._internal.faults.authorizationLatencyMs ?? 0,
            ctx.nowMs,
          );
        });
        const authorized = reader._internal.authorizing?.claimedAtMs
          ? await this.authorization.authorize(ctx, readerId, reader, pin)
          : reader;
        return this.view(authorized, ctx.nowMs);
      }
    }
  }

  /** What card the action waits for: the PaymentIntent's payment method types, or the refunded charge's card type. */
  private async cardSought(
    ctx: RequestContext,
    type: string,
    sub: Record<string, unknown>,
  ): Promise<{ types: string[]; paymentIntent: PaymentIntent | null }> {
    if (type === 'process_payment_intent' || type === 'collect_payment_method') {
      const paymentIntent = await this.paymentIntents.retrieve(ctx, String(sub['payment_intent']));
      return { types: paymentIntent.payment_method_types, paymentIntent };
    }
    if (type === 'refund_payment') {
      const charge = await this.engine.load(ctx, kinds.charge, String(sub['charge']));
      const paymentMethod = await this.engine.find(ctx, charge.object.payment_method);
      return { types: [String(paymentMethod?.object['type'] ?? 'card_present')], paymentIntent: null };
    }
    return { types: ['card_present'], paymentIntent: null };
  }

  /** collect_payment_method: the card is attached to the PaymentIntent and held by the reader (or the attach failure shown). */
  private async collected(ctx: RequestContext, read: CardPresented, paymentIntentId: string): Promise<Reader> {
    let attachFailure: ActionOutcome | null = null;
    try {
      await this.paymentIntents.update(ctx, paymentIntentId, { paymentMethod: read.paymentMethod.id, fields: {} });
    } catch (error) {
      // The PaymentIntent changed meanwhile (e.g. canceled): the reader reports the failure.
      if (!isApiError(error)) throw error;
      attachFailure = { status: 'failed', code: error.code, message: error.message };
    }
    return this.changeReader(ctx, read.readerId, (reader) => {
      read.stillWaiting(reader);
      if (attachFailure) return finishAction(reader, attachFailure, ctx.nowMs);
      return cardCollected(
        reader,
        { paymentIntent: paymentIntentId, paymentMethod: read.paymentMethod, tipAmount: read.tip },
        ctx.nowMs,
      );
    });
  }

  /**
   * refund_payment: the refund and the reader's action ending commit together, so a crash never
   * leaves a refund made behind a reader still waiting for the card (which a second card would
   * refund again).
   */
  private async refunded(ctx: RequestContext, read: CardPresented): Promise<Reader> {
    let finished: Reader | null = null;
    const outcome = await this.refundOutcome(ctx, read.sub, async (refund) => {
      const record = await this.load(ctx, read.readerId);
      read.stillWaiting(record.object);
      const change = finishAction(record.object, refundActionOutcome(refund), ctx.nowMs);
      finished = change.reader;
      return {
        changed: [change.reader],
        events: change.events,
        versions: versionsOf(record),
        deadlines: new Map([[read.readerId, readerDeadline(change.reader)]]),
      };
    });
    if (finished) return finished;
    return this.changeReader(ctx, read.readerId, (reader) => {
      read.stillWaiting(reader);
      return finishAction(reader, outcome, ctx.nowMs);
    });
  }

  /** process_setup_intent: the SetupIntent is confirmed with the card, then the action ends with its outcome. */
  private async setUp(ctx: RequestContext, read: CardPresented, allowRedisplay: string): Promise<Reader> {
    const outcome = await this.setupOutcome(
      ctx,
      String(read.sub['setup_intent']),
      read.paymentMethod.id,
      allowRedisplay,
    );
    return this.changeReader(ctx, read.readerId, (reader) => {
      read.stillWaiting(reader);
      return finishAction(reader, outcome, ctx.nowMs);
    });
  }

  /** The customer pressed the reader's cancel button. */
  async pressCancel(ctx: RequestContext, readerId: string): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => customerCancel(reader, ctx.nowMs));
    return this.view(reader, ctx.nowMs);
  }

  /** A device submitted the customer's inputs (values as typed; `index` follows the action's inputs). */
  async submitInputs(
    ctx: RequestContext,
    readerId: string,
    submitted: Array<{
      index: number;
      value: string | null;
      toggles: Array<'enabled' | 'disabled'> | null;
      skipped: boolean;
    }>,
  ): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => {
      const specs =
        (reader.action?.['collect_inputs'] as { inputs?: Array<Record<string, unknown>> } | undefined)?.inputs ?? [];
      if (submitted.length !== specs.length || submitted.some((input, i) => input.index !== i)) {
        throw new ApiError('invalid_request_body', `Reader ${readerId}: expected ${specs.length} inputs, in order.`);
      }
      const inputs = specs.map((spec, i) => enteredInput(spec, submitted[i]!));
      return inputsCollected(reader, inputs, ctx.nowMs);
    });
    return this.view(reader, ctx.nowMs);
  }

  async timeoutInputCollection(ctx: RequestContext, readerId: string): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => inputsCollected(reader, null, ctx.nowMs));
    return this.view(reader, ctx.nowMs);
  }

  private async setupOutcome(
    ctx: RequestContext,
    setupIntentId: string,
    paymentMethod: string,
    allowRedisplay: string,
  ): Promise<ActionOutcome> {
    try {
      const setupIntent = await this.setupIntents.confirm(errorsNotAnswered(ctx), setupIntentId, {
        paymentMethod,
        allowRedisplay,
      });
      return { status: 'succeeded', details: { generated_card: setupIntent.payment_method } };
    } catch (error) {
      if (!isApiError(error)) throw error;
      return { status: 'failed', code: error.code, message: error.message };
    }
  }

  private async refundOutcome(
    ctx: RequestContext,
    sub: Record<string, unknown>,
    alongside?: (refund: StoredObject) => Promise<Alongside | null>,
  ): Promise<ActionOutcome> {
    try {
      const refund = await this.refunds.create(
        errorsNotAnswered(ctx),
        {
          charge: String(sub['charge']),
          ...(typeof sub['amount'] === 'number' ? { amount: sub['amount'] } : {}),
          reason: typeof sub['reason'] === 'string' ? sub['reason'] : null,
          metadata: (sub['metadata'] as Metadata | undefined) ?? {},
        },
        alongside,
      );
      return refundActionOutcome(refund);
    } catch (error) {
      if (!isApiError(error)) throw error;
      return { status: 'failed', code: error.code, message: error.message };
    }
  }
}

/** A reader's refund action outcome for the refund it made. */
function refundActionOutcome(refund: StoredObject): ActionOutcome {
  if (refund['status'] === 'failed') {
    return {
      status: 'failed',
      code: 'refund_failed',
      message: String(refund['failure_reason'] ?? 'The refund failed.'),
      details: { refund: refund.id },
    };
  }
  return { status: 'succeeded', details: { refund: refund.id } };
}

/** An input as the customer entered it on a device. */
function enteredInput(
  input: Record<string, unknown>,
  entered: {
    value: string | null;
    toggles: Array<'enabled' | 'disabled'> | null;
    skipped: boolean;
  },
): Record<string, unknown> {
  const type = String(input['type']);
  const specToggles = Array.isArray(input['toggles']) ? (input['toggles'] as Array<Record<string, unknown>>) : null;
  const toggles = specToggles
    ? specToggles.map((toggle, i) => ({
        ...toggle,
        value: entered.toggles?.[i] ?? toggle['default_value'] ?? 'disabled',
      }))
    : null;
  if (entered.skipped) return { ...input, skipped: true, toggles };
  if (type === 'selection') {
    const selection = input['selection'] as { choices?: Array<{ id: string; text: string }> } | undefined;
    const choice = selection?.choices?.find((c) => c.id === entered.value);
    return {
      ...input,
      skipped: false,
      toggles,
      selection: { ...selection, id: choice?.id ?? null, text: choice?.text ?? null },
    };
  }
  return { ...input, skipped: false, toggles, [type]: { value: entered.value } };
}
