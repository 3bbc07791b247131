/**
 * Server-driven actions (server → reader): each is checked, delivered through the reader port and
 * committed as the reader's new action; `confirm_payment_intent` starts authorizing at once.
 */
import {
  ApiError,
  beginAuthorization,
  cancelAction,
  checkAcceptsCommand,
  checkCart,
  releaseHeldCard,
  startAction,
  refundPaymentAction,
  terminalErrors,
  type ActionRequest,
  type Cart,
  type Metadata,
  type PaymentIntent,
  type Reader,
  type ReaderInternal,
  type RefundPaymentCommand,
} from '@opentill/core';
import type { RequestContext } from '../../engine.js';
import type { CardholderPin, ReaderCommand } from '../reader-link.js';
import { kinds } from '../../kinds.js';
import { ReaderPart, mergeInternal, type ReaderServices } from './part.js';
import type { ReaderAuthorizations } from './authorization.js';

type Prepared = {
  action: ActionRequest;
  /** Reader-side state the action needs later (kept off the API object). */
  internal?: Partial<ReaderInternal>;
  /** Start authorizing at once with this card (confirm_payment_intent). */
  authorize?: { paymentMethod: string; tipAmount: number };
};

export class ReaderActions extends ReaderPart {
  constructor(
    services: ReaderServices,
    private readonly authorization: ReaderAuthorizations,
  ) {
    super(services);
  }

  async processPaymentIntent(
    ctx: RequestContext,
    readerId: string,
    paymentIntentId: string,
    processConfig: Record<string, unknown> | undefined,
  ): Promise<Reader> {
    return this.start(ctx, readerId, null, async () => {
      await this.requirePaymentIntentToProcess(ctx, paymentIntentId);
      return {
        action: {
          type: 'process_payment_intent',
          process_payment_intent: {
            payment_intent: paymentIntentId,
            ...(processConfig ? { process_config: processConfig } : {}),
          },
        },
      };
    });
  }

  async collectPaymentMethod(
    ctx: RequestContext,
    readerId: string,
    paymentIntentId: string,
    collectConfig: Record<string, unknown> | undefined,
  ): Promise<Reader> {
    return this.start(ctx, readerId, null, async () => {
      await this.requirePaymentIntentToProcess(ctx, paymentIntentId);
      return {
        action: {
          type: 'collect_payment_method',
          collect_payment_method: {
            payment_intent: paymentIntentId,
            ...(collectConfig ? { collect_config: collectConfig } : {}),
          },
        },
      };
    });
  }

  /** `pin`: collected by the device before the authorization (a Tap to Pay phone), sent with it. */
  async confirmPaymentIntent(
    ctx: RequestContext,
    readerId: string,
    paymentIntentId: string,
    confirmConfig: Record<string, unknown> | undefined,
    pin: CardholderPin | null = null,
  ): Promise<Reader> {
    await this.expireHeldCard(ctx, readerId);
    return this.start(ctx, readerId, pin, async (reader) => {
      const paymentIntent = (await this.engine.load(ctx, kinds.paymentIntent, paymentIntentId, 'payment_intent'))
        .object;
      const held = reader._internal.held;
      if (
        paymentIntent.status !== 'requires_confirmation' ||
        !held ||
        held.paymentIntent !== paymentIntentId ||
        held.paymentMethod !== paymentIntent.payment_method
      ) {
        throw new ApiError(
          'intent_invalid_state',
          'Payment intent must be in the requires_confirmation state, with a payment method collected by this reader ' +
            'in the last 30 seconds, to be confirmed by a reader.',
          { param: 'payment_intent', doc_url: 'https://docs.stripe.com/error-codes#intent-invalid-state' },
        );
      }
      return {
        action: {
          type: 'confirm_payment_intent',
          confirm_payment_intent: {
            payment_intent: paymentIntentId,
            ...(confirmConfig ? { confirm_config: confirmConfig } : {}),
          },
        },
        authorize: {
          paymentMethod: held.paymentMethod,
          tipAmount: held.tipAmount,
          ...(held.allowRedisplay !== undefined ? { allowRedisplay: held.allowRedisplay } : {}),
        },
      };
    });
  }

  async processSetupIntent(
    ctx: RequestContext,
    readerId: string,
    setupIntentId: string,
    allowRedisplay: string,
    processConfig: Record<string, unknown> | undefined,
  ): Promise<Reader> {
    return this.start(ctx, readerId, null, async () => {
      const setupIntent = await this.setupIntents.retrieve(ctx, setupIntentId, 'setup_intent');
      if (setupIntent.status !== 'requires_payment_method') {
        throw new ApiError(
          'intent_invalid_state',
          'Setup intent must be in the requires_payment_method state to be processed by a reader.',
          { param: 'setup_intent', doc_url: 'https://docs.stripe.com/error-codes#intent-invalid-state' },
        );
      }
      return {
        action: {
          type: 'process_setup_intent',
          process_setup_intent: {
            setup_intent: setupIntentId,
            ...(processConfig ? { process_config: processConfig } : {}),
          },
        },
        internal: { allowRedisplay },
      };
    });
  }

  async refundPayment(ctx: RequestContext, readerId: string, command: RefundPaymentCommand): Promise<Reader> {
    return this.start(ctx, readerId, null, async () => {
      if (command.charge === undefined && command.paymentIntent === undefined) {
        throw new ApiError(
          'parameter_missing',
          'One of the following params should be provided for this request: payment_intent or charge.',
          { param: 'charge' },
        );
      }
      let chargeId = command.charge;
      if (command.paymentIntent !== undefined) {
        const paymentIntent = await this.engine.load(ctx, kinds.paymentIntent, command.paymentIntent, 'payment_intent');
        chargeId ??= paymentIntent.object.latest_charge ?? undefined;
      }
      const charge = chargeId ? await this.engine.load(ctx, kinds.charge, chargeId) : null;
      return {
        action: { type: 'refund_payment', refund_payment: refundPaymentAction(charge?.object ?? null, command) },
      };
    });
  }

  async setReaderDisplay(ctx: RequestContext, readerId: string, cart: Cart): Promise<Reader> {
    checkCart(cart);
    return this.start(ctx, readerId, null, async () => ({
      action: { type: 'set_reader_display', set_reader_display: { type: 'cart', cart } },
    }));
  }

  async collectInputs(
    ctx: RequestContext,
    readerId: string,
    inputs: Array<Record<string, unknown>>,
    metadata: Metadata | null,
  ): Promise<Reader> {
    return this.start(ctx, readerId, null, async () => ({
      action: { type: 'collect_inputs', collect_inputs: { inputs, metadata } },
    }));
  }

  async cancelAction(ctx: RequestContext, readerId: string): Promise<Reader> {
    const result = await this.engine.retrying(async () => {
      const record = await this.load(ctx, readerId);
      const reader = record.object;
      const link = this.links.of(reader);
      checkAcceptsCommand(reader, link.presence(reader, ctx.nowMs).online, ctx.nowMs);
      const sent = await link.deliver(reader, { kind: 'cancel_action' }, ctx.nowMs, ctx.accountId);
      const withLink = mergeInternal(reader, sent.internal);
      if (sent.delivery.kind === 'timeout' && !sent.delivery.delivered) {
        if (sent.internal) await this.commitReader(ctx, withLink, [], record);
        return { timeout: true, reader: withLink, released: null };
      }
      const canceled = cancelAction(withLink, true, ctx.nowMs);
      await this.commitReader(ctx, canceled.reader, canceled.events, record);
      return { timeout: sent.delivery.kind === 'timeout', reader: canceled.reader, released: canceled.released };
    });
    if (result.released)
      await this.releasePaymentMethod(ctx, result.released.paymentIntent, result.released.paymentMethod);
    if (result.timeout) throw terminalErrors.timeout();
    return this.view(result.reader, ctx.nowMs);
  }

  /** Checks the reader takes commands, validates the action, delivers it through the reader port, commits. */
  private async start(
    ctx: RequestContext,
    readerId: string,
    pin: CardholderPin | null,
    prepare: (reader: Reader) => Promise<Prepared>,
  ): Promise<Reader> {
    // One action id for every round: when the commit below loses a race and the round runs again,
    // the device gets the same action again (a replacement it can answer), never a second action whose
    // id would make its answer to the first one be refused.
    const actionId = this.engine.ids.next('tmra');
    const result = await this.engine.retrying(async () => {
      const record = await this.load(ctx, readerId);
      const reader = record.object;
      const link = this.links.of(reader);
      const online = link.presence(reader, ctx.nowMs).online;
      checkAcceptsCommand(reader, online, ctx.nowMs);
      const prepared = await prepare(reader);
      const sent = await link.deliver(
        reader,
        { kind: 'action', action: prepared.action, actionId } as ReaderCommand,
        ctx.nowMs,
        ctx.accountId,
      );
      const withLink = mergeInternal(reader, sent.internal);
      if (sent.delivery.kind === 'timeout' && !sent.delivery.delivered) {
        if (sent.internal) await this.commitReader(ctx, withLink, [], record);
        return { reader: withLink, timeout: true };
      }
      let next = startAction(withLink, prepared.action, true, ctx.nowMs).reader;
      next = { ...next, _internal: { ...next._internal, deviceActionId: actionId } };
      if (prepared.internal) next = { ...next, _internal: { ...next._internal, ...prepared.internal } };
      if (prepared.authorize) {
        next = beginAuthorization(
          releaseHeldCard(next),
          prepared.authorize,
          next._internal.faults.authorizationLatencyMs ?? 0,
          ctx.nowMs,
        ).reader;
      }
      const autoMs = next._internal.faults.autoPresentAfterMs;
      if (
        typeof autoMs === 'number' &&
        ['process_payment_intent', 'collect_payment_method'].includes(prepared.action.type)
      ) {
        next = { ...next, _internal: { ...next._internal, autoPresentAtMs: ctx.nowMs + autoMs } };
      }
      await this.commitReader(ctx, next, [], record);
      return { reader: next, timeout: sent.delivery.kind === 'timeout' };
    });
    let reader = result.reader;
    // A reader that got the command works on it, even when its acknowledgement was lost.
    if (reader._internal.stage === 'authorizing' && reader._internal.authorizing?.claimedAtMs) {
      reader = await this.authorization.authorize(ctx, readerId, reader, pin);
    }
    if (result.timeout) throw terminalErrors.timeout();
    return this.view(reader, ctx.nowMs);
  }

  private async requirePaymentIntentToProcess(ctx: RequestContext, paymentIntentId: string): Promise<void> {
    const paymentIntent = await this.engine.load(ctx, kinds.paymentIntent, paymentIntentId, 'payment_intent');
    if (paymentIntent.object.status !== 'requires_payment_method') throw terminalErrors.intentInvalidState();
  }

  /** The 30-second hold of a collected card ended: the PaymentIntent goes back to `requires_payment_method`. */
  async expireHeldCard(ctx: RequestContext, readerId: string): Promise<void> {
    const record = await this.load(ctx, readerId);
    const held = record.object._internal.held;
    if (!held || held.expiresAtMs > ctx.nowMs) return;
    await this.releasePaymentMethod(ctx, held.paymentIntent, held.paymentMethod);
    await this.changeReader(ctx, readerId, (reader) =>
      reader._internal.held?.paymentMethod === held.paymentMethod
        ? { reader: releaseHeldCard(reader), events: [] }
        : { reader, events: [] },
    );
  }

  private async releasePaymentMethod(
    ctx: RequestContext,
    paymentIntentId: string,
    paymentMethodId: string,
  ): Promise<void> {
    const paymentIntent = await this.engine.find<PaymentIntent>(ctx, paymentIntentId);
    if (
      paymentIntent?.object.status === 'requires_confirmation' &&
      paymentIntent.object.payment_method === paymentMethodId
    ) {
      await this.paymentIntents.update(ctx, paymentIntentId, { paymentMethod: null, fields: {} });
    }
  }
}
