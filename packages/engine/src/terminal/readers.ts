/**
 * Terminal readers: registration and CRUD, server-driven actions, what the device reports back
 * (card presented, customer cancel, inputs), and OpenTill's fault injection. Every reader change
 * is decided by the pure machine in `@opentill/core` (`terminal/reader.ts`) and committed with its
 * events; payments go through `PaymentMethods.createFromCardRead` and `PaymentIntents.confirm`,
 * the one card-read path and the one authorization path.
 */
import {
  ApiError, actionFailures, authorizationRecoveryMs, beginAuthorization, buildReader, cancelAction, cardCollected,
  allowRedisplayOf, checkAcceptsCommand, checkAmountWithTip, checkCart, defaultSimulatedCard, checkWaitingForCard, customerCancel, finishAction, inputsCollected, isApiError,
  readerOfflineAfterMs, releaseHeldCard, startAction, terminalErrors,
  type ActionOutcome, type ActionRequest, type Cart, type Metadata, type PaymentIntent, type Reader,
  type ReaderFaults, type StoredObject,
} from '@opentill/core';
import { hashKey } from '../accounts.js';
import { versionsOf, type Engine, type RequestContext } from '../engine.js';
import { errorsNotAnswered } from '../idempotency.js';
import type { Alongside, PaymentIntents } from '../payment-intents.js';
import type { PaymentMethods } from '../payment-methods.js';
import type { CardRead } from '../ports.js';
import type { Refunds } from '../refunds.js';
import type { SetupIntents } from '../setup-intents.js';
import type { StoredRecord } from '../store.js';
import type { ReaderCommand, ReaderLinks } from './reader-link.js';
import { kinds } from '../kinds.js';

/** Registration codes of simulated readers (contract §4.2; the last four are OpenTill's own guesses). */
export const simulatedRegistrationCodes: Readonly<Record<string, string>> = {
  'simulated-wpe': 'simulated_wisepos_e',
  'simulated-s700': 'simulated_stripe_s700',
  'simulated-s710': 'simulated_stripe_s710',
  'simulated-v660p': 'simulated_verifone_v660p',
  'simulated-t600': 'simulated_stripe_t600',
  'simulated-m425': 'simulated_verifone_m425',
  'simulated-p630': 'simulated_verifone_p630',
  'simulated-ux700': 'simulated_verifone_ux700',
};

const pinDeclineCodes = new Set(['offline_pin_required', 'online_or_offline_pin_required']);

/** A soft decline asking for the cardholder's PIN. */
function isPinDecline(error: unknown): boolean {
  return isApiError(error) && pinDeclineCodes.has(String(error.body.decline_code));
}

/** What the reader reports for an authorization outcome (the API error, minus the objects it carries). */
function outcomeOf(decline: ApiError | null): ActionOutcome {
  if (decline === null) return { status: 'succeeded' };
  const { payment_intent: _pi, payment_method: _pm, ...apiError } = decline.body;
  return {
    status: 'failed', code: decline.code, message: decline.message,
    ...(decline.status === 402 ? {} : { apiError: apiError as Record<string, unknown> }),
  };
}

/** How often a device's signals are written to its reader (well under the 2-minute offline rule). */
export const deviceSignalWriteMs = 60 * 1000;

type Prepared = { action: ActionRequest;
  /** Reader-side state the action needs later (kept off the API object). */
  internal?: Record<string, unknown>;
  /** Start authorizing at once with this card (confirm_payment_intent). */
  authorize?: { paymentMethod: string; tipAmount: number } };

export class TerminalReaders {
  /**
   * PINs a device collected before the authorization (a Tap to Pay phone), by reader, for the
   * duration of the request that authorizes: sent with the first attempt, never stored.
   */
  private readonly collectedPins = new Map<string, string>();

  constructor(
    private readonly engine: Engine,
    private readonly links: ReaderLinks,
    private readonly paymentIntents: PaymentIntents,
    private readonly paymentMethods: PaymentMethods,
    private readonly refunds: Refunds,
    private readonly setupIntents: SetupIntents,
  ) {}

  // ----------------------------------------------------------------------------------------------
  // CRUD
  // ----------------------------------------------------------------------------------------------

  /** The reader as the API shows it: status and last signal come from the reader port. */
  view(reader: Reader, nowMs: number): Reader {
    const presence = this.links.of(reader).presence(reader, nowMs);
    return { ...reader, status: presence.online ? 'online' : 'offline', last_seen_at: presence.lastSeenAtMs };
  }

  async register(ctx: RequestContext, command: {
    registrationCode: string; label?: string; location?: string; metadata: Metadata;
  }): Promise<Reader> {
    const deviceType = simulatedRegistrationCodes[command.registrationCode];
    if (!deviceType) return this.registerPaired(ctx, command);
    if (command.location === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: location.', { param: 'location' });
    }
    await this.engine.load(ctx, kinds.terminalLocation, command.location);
    const secret = this.engine.ids.secret(12).toLowerCase();
    const serial = `${command.registrationCode}-${secret.slice(0, 3)}-${secret.slice(3, 6)}-${secret.slice(6, 8)}-${secret.slice(8, 11)}`;
    const reader = buildReader({
      id: this.engine.ids.next('tmr'), deviceType, label: command.label ?? serial, location: command.location,
      metadata: command.metadata, serialNumber: serial, deviceSwVersion: '', ipAddress: '0.0.0.0', link: 'simulated',
    }, ctx.nowMs);
    await this.engine.commit(ctx, [reader], [], new Map());
    return this.view(reader, ctx.nowMs);
  }

  /**
   * Registration with a code a device got by pairing over the gateway (docs/reader-protocol.md): the
   * reader is bound to that adapter, and the device receives its credentials (a reader secret, stored
   * here only as a SHA-256 hash).
   */
  private async registerPaired(ctx: RequestContext, command: {
    registrationCode: string; label?: string; location?: string; metadata: Metadata;
  }): Promise<Reader> {
    if (command.location === undefined) {
      throw new ApiError('parameter_missing', 'Missing required param: location.', { param: 'location' });
    }
    await this.engine.load(ctx, kinds.terminalLocation, command.location);
    const pending = this.links.claimRegistration(command.registrationCode.trim().toLowerCase(), ctx.nowMs);
    if (!pending) {
      throw new ApiError('invalid_request_body',
        `The registration code '${command.registrationCode.slice(0, 60)}' is not valid. Use the code shown by a reader ` +
        `waiting to pair (it expires after a few minutes), or in test mode one of ` +
        `${Object.keys(simulatedRegistrationCodes).join(', ')} to register a simulated reader.`,
        { param: 'registration_code' });
    }
    const readerSecret = `rdrsk_${this.engine.ids.secret(40)}`;
    const reader = buildReader({
      id: this.engine.ids.next('tmr'), deviceType: pending.deviceType, label: command.label ?? pending.serialNumber,
      location: command.location, metadata: command.metadata, serialNumber: pending.serialNumber,
      deviceSwVersion: pending.deviceSwVersion, ipAddress: pending.ipAddress, link: pending.link,
    }, ctx.nowMs);
    reader._internal = { ...reader._internal, secretSha256: hashKey(readerSecret) };
    await this.engine.commit(ctx, [reader], [], new Map());
    pending.complete(ctx.accountId, reader.id, readerSecret);
    return this.view(reader, ctx.nowMs);
  }

  async load(ctx: RequestContext, id: string, param = 'id'): Promise<StoredRecord<Reader>> {
    return this.engine.load(ctx, kinds.terminalReader, id, param);
  }

  async retrieve(ctx: RequestContext, id: string): Promise<Reader> {
    return this.view((await this.load(ctx, id)).object, ctx.nowMs);
  }

  async update(ctx: RequestContext, id: string, command: { label?: string | null; metadataPatch?: (m: Metadata) => Metadata }): Promise<Reader> {
    return this.engine.retrying(async () => {
      const record = await this.load(ctx, id);
      const next: Reader = { ...record.object };
      if (command.label !== undefined) next.label = command.label ?? next.serial_number;
      if (command.metadataPatch) next.metadata = command.metadataPatch(next.metadata);
      await this.engine.commit(ctx, [next], [], versionsOf(record));
      return this.view(next, ctx.nowMs);
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<Record<string, unknown>> {
    return this.engine.retrying(async () => {
      const record = await this.load(ctx, id);
      const reader = record.object;
      if (reader._internal.stage === 'authorizing') throw terminalErrors.busy();
      await this.engine.commit(ctx, [{ ...reader, deleted: true }], [], versionsOf(record), new Map([[id, null]]));
      return { id, object: 'terminal.reader', deleted: true, device_type: reader.device_type, serial_number: reader.serial_number };
    });
  }

  // ----------------------------------------------------------------------------------------------
  // Actions (server → reader)
  // ----------------------------------------------------------------------------------------------

  async processPaymentIntent(ctx: RequestContext, readerId: string, paymentIntentId: string,
    processConfig: Record<string, unknown> | undefined): Promise<Reader> {
    return this.start(ctx, readerId, async () => {
      await this.requirePaymentIntentToProcess(ctx, paymentIntentId);
      return { action: { type: 'process_payment_intent', process_payment_intent: {
        payment_intent: paymentIntentId, ...(processConfig ? { process_config: processConfig } : {}),
      } } };
    });
  }

  async collectPaymentMethod(ctx: RequestContext, readerId: string, paymentIntentId: string,
    collectConfig: Record<string, unknown> | undefined): Promise<Reader> {
    return this.start(ctx, readerId, async () => {
      await this.requirePaymentIntentToProcess(ctx, paymentIntentId);
      return { action: { type: 'collect_payment_method', collect_payment_method: {
        payment_intent: paymentIntentId, ...(collectConfig ? { collect_config: collectConfig } : {}),
      } } };
    });
  }

  async confirmPaymentIntent(ctx: RequestContext, readerId: string, paymentIntentId: string,
    confirmConfig: Record<string, unknown> | undefined): Promise<Reader> {
    await this.expireHeldCard(ctx, readerId);
    return this.start(ctx, readerId, async (reader) => {
      const paymentIntent = (await this.engine.load(ctx, kinds.paymentIntent, paymentIntentId, 'payment_intent')).object;
      const held = reader._internal.held;
      if (paymentIntent.status !== 'requires_confirmation' || !held || held.paymentIntent !== paymentIntentId ||
        held.paymentMethod !== paymentIntent.payment_method) {
        throw new ApiError('intent_invalid_state',
          'Payment intent must be in the requires_confirmation state, with a payment method collected by this reader ' +
          'in the last 30 seconds, to be confirmed by a reader.',
          { param: 'payment_intent', doc_url: 'https://docs.stripe.com/error-codes#intent-invalid-state' });
      }
      return {
        action: { type: 'confirm_payment_intent', confirm_payment_intent: {
          payment_intent: paymentIntentId, ...(confirmConfig ? { confirm_config: confirmConfig } : {}),
        } },
        authorize: {
          paymentMethod: held.paymentMethod, tipAmount: held.tipAmount,
          ...(held.allowRedisplay !== undefined ? { allowRedisplay: held.allowRedisplay } : {}),
        },
      };
    });
  }

  async processSetupIntent(ctx: RequestContext, readerId: string, setupIntentId: string, allowRedisplay: string,
    processConfig: Record<string, unknown> | undefined): Promise<Reader> {
    return this.start(ctx, readerId, async () => {
      const setupIntent = await this.setupIntents.retrieve(ctx, setupIntentId, 'setup_intent');
      if (setupIntent.status !== 'requires_payment_method') {
        throw new ApiError('intent_invalid_state',
          'Setup intent must be in the requires_payment_method state to be processed by a reader.',
          { param: 'setup_intent', doc_url: 'https://docs.stripe.com/error-codes#intent-invalid-state' });
      }
      return {
        action: { type: 'process_setup_intent', process_setup_intent: {
          setup_intent: setupIntentId, ...(processConfig ? { process_config: processConfig } : {}),
        } },
        internal: { allowRedisplay },
      };
    });
  }

  async refundPayment(ctx: RequestContext, readerId: string, command: {
    charge?: string; paymentIntent?: string; amount?: number; metadata?: Metadata; reason?: string;
    refundApplicationFee?: boolean; reverseTransfer?: boolean; config?: Record<string, unknown>;
  }): Promise<Reader> {
    return this.start(ctx, readerId, async () => {
      if (command.charge === undefined && command.paymentIntent === undefined) {
        throw new ApiError('parameter_missing',
          'One of the following params should be provided for this request: payment_intent or charge.', { param: 'charge' });
      }
      let chargeId = command.charge;
      if (command.paymentIntent !== undefined) {
        const paymentIntent = await this.engine.load(ctx, kinds.paymentIntent, command.paymentIntent, 'payment_intent');
        chargeId ??= paymentIntent.object.latest_charge ?? undefined;
      }
      const charge = chargeId ? await this.engine.load(ctx, kinds.charge, chargeId) : null;
      if (!charge || charge.object['status'] !== 'succeeded' || charge.object['captured'] !== true) {
        throw new ApiError('charge_expired_for_capture',
          'There is no captured, successful charge to refund for this request.',
          { param: command.charge !== undefined ? 'charge' : 'payment_intent' });
      }
      const left = Number(charge.object['amount']) - Number(charge.object['amount_refunded']);
      if (left <= 0) {
        throw new ApiError('charge_already_refunded', `Charge ${charge.object.id} has already been refunded.`, { param: 'charge' });
      }
      if (command.amount !== undefined && command.amount > left) {
        throw new ApiError('amount_too_large_for_refund',
          `Refund amount (${command.amount}) is greater than unrefunded amount on charge (${left})`, { param: 'amount' });
      }
      const sub: Record<string, unknown> = {
        ...(command.amount !== undefined ? { amount: command.amount } : {}),
        charge: charge.object.id,
        ...(command.metadata ? { metadata: command.metadata } : {}),
        payment_intent: charge.object['payment_intent'] ?? null,
        ...(command.reason ? { reason: command.reason } : {}),
        ...(command.refundApplicationFee !== undefined ? { refund_application_fee: command.refundApplicationFee } : {}),
        ...(command.config ? { refund_payment_config: command.config } : {}),
        ...(command.reverseTransfer !== undefined ? { reverse_transfer: command.reverseTransfer } : {}),
      };
      return { action: { type: 'refund_payment', refund_payment: sub } };
    });
  }

  async setReaderDisplay(ctx: RequestContext, readerId: string, cart: Cart): Promise<Reader> {
    checkCart(cart);
    return this.start(ctx, readerId, async () => ({
      action: { type: 'set_reader_display', set_reader_display: { type: 'cart', cart } },
    }));
  }

  async collectInputs(ctx: RequestContext, readerId: string, inputs: Array<Record<string, unknown>>,
    metadata: Metadata | null): Promise<Reader> {
    return this.start(ctx, readerId, async () => ({
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
    if (result.released) await this.releasePaymentMethod(ctx, result.released.paymentIntent, result.released.paymentMethod);
    if (result.timeout) throw terminalErrors.timeout();
    return this.view(result.reader, ctx.nowMs);
  }

  // ----------------------------------------------------------------------------------------------
  // Device → server: what the reader reports (simulated readers: the test helpers)
  // ----------------------------------------------------------------------------------------------

  /**
   * A card is presented to the reader. `readFor` turns the PaymentIntent's payment method types
   * into the card read (Stripe's default test card per type).
   */
  async presentPaymentMethod(ctx: RequestContext, readerId: string, readFor: (paymentMethodTypes: string[]) => CardRead,
    tipAmount: number): Promise<Reader> {
    const first = await this.load(ctx, readerId);
    if (first.object._internal.offline) throw terminalErrors.offline(); // a silent reader reports nothing
    const action = checkWaitingForCard(first.object, ctx.nowMs);
    const sub = action[action.type] as Record<string, unknown>;
    let types = ['card_present'];
    let paymentIntentId: string | null = null;
    let paymentIntentAmount = 0;
    if (action.type === 'process_payment_intent' || action.type === 'collect_payment_method') {
      paymentIntentId = String(sub['payment_intent']);
      const paymentIntent = await this.paymentIntents.retrieve(ctx, paymentIntentId);
      types = paymentIntent.payment_method_types;
      paymentIntentAmount = paymentIntent.amount;
    } else if (action.type === 'refund_payment') {
      const paymentMethod = await this.engine.find(ctx, String((await this.engine.load(ctx, kinds.charge, String(sub['charge']))).object['payment_method']));
      types = [String(paymentMethod?.object['type'] ?? 'card_present')];
    }
    const config = (sub['process_config'] ?? sub['collect_config']) as Record<string, unknown> | undefined;
    const tip = config?.['skip_tipping'] === true ? 0 : tipAmount;
    // Checked before the card read, so a refused tip leaves nothing behind: the 8-digit limit is on
    // the amount authorized, tip included.
    if (paymentIntentId !== null) checkAmountWithTip(paymentIntentAmount, tip, 'amount_tip');
    const paymentMethod = await this.paymentMethods.createFromCardRead(ctx, readFor(types));
    /** The card was read for this action: if another replaced it meanwhile, the read is void. */
    const stillWaiting = (reader: Reader) => {
      const current = checkWaitingForCard(reader, ctx.nowMs);
      if (current.type !== action.type || JSON.stringify(current[current.type]) !== JSON.stringify(sub)) {
        throw new ApiError('invalid_request_body',
          `The action of reader ${readerId} changed while the card was being read. Present the card again.`);
      }
    };

    if (action.type === 'collect_payment_method') {
      let attachFailure: ActionOutcome | null = null;
      try {
        await this.paymentIntents.update(ctx, paymentIntentId!, { paymentMethod: paymentMethod.id, fields: {} });
      } catch (error) {
        // The PaymentIntent changed meanwhile (e.g. canceled): the reader reports the failure.
        if (!isApiError(error)) throw error;
        attachFailure = { status: 'failed', code: error.code, message: error.message };
      }
      const reader = await this.changeReader(ctx, readerId, (reader) => {
        stillWaiting(reader);
        if (attachFailure) return finishAction(reader, attachFailure, ctx.nowMs);
        return cardCollected(reader, { paymentIntent: paymentIntentId!, paymentMethod, tipAmount: tip }, ctx.nowMs);
      });
      return this.view(reader, ctx.nowMs);
    }
    if (action.type === 'refund_payment') {
      // The refund and the reader's action ending commit together: a crash never leaves a refund
      // made behind a reader still waiting for the card (which a second card would refund again).
      let finished: Reader | null = null;
      const outcome = await this.refundOutcome(ctx, sub, async (refund) => {
        const record = await this.load(ctx, readerId);
        stillWaiting(record.object);
        const change = finishAction(record.object, refundActionOutcome(refund), ctx.nowMs);
        finished = change.reader;
        return { changed: [change.reader], events: change.events, versions: versionsOf(record),
          deadlines: new Map([[readerId, readerDeadline(change.reader)]]) };
      });
      if (finished) return this.view(finished, ctx.nowMs);
      const reader = await this.changeReader(ctx, readerId, (reader) => {
        stillWaiting(reader);
        return finishAction(reader, outcome, ctx.nowMs);
      });
      return this.view(reader, ctx.nowMs);
    }
    if (action.type === 'process_setup_intent') {
      const outcome = await this.setupOutcome(ctx, String(sub['setup_intent']), paymentMethod.id,
        String(first.object._internal['allowRedisplay'] ?? 'unspecified'));
      const reader = await this.changeReader(ctx, readerId, (reader) => {
        stillWaiting(reader);
        return finishAction(reader, outcome, ctx.nowMs);
      });
      return this.view(reader, ctx.nowMs);
    }
    // process_payment_intent: the authorization starts, then takes the reader's latency.
    const reader = await this.changeReader(ctx, readerId, (reader) => {
      stillWaiting(reader);
      return beginAuthorization(reader, { paymentMethod: paymentMethod.id, tipAmount: tip, ...allowRedisplayOf(config) },
        reader._internal.faults.authorizationLatencyMs ?? 0, ctx.nowMs);
    });
    if (reader._internal.authorizing?.claimedAtMs) return this.view(await this.authorize(ctx, readerId, reader), ctx.nowMs);
    return this.view(reader, ctx.nowMs);
  }

  /** The customer pressed the reader's cancel button. */
  async pressCancel(ctx: RequestContext, readerId: string): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => customerCancel(reader, ctx.nowMs));
    return this.view(reader, ctx.nowMs);
  }

  async succeedInputCollection(ctx: RequestContext, readerId: string, skipNonRequired: boolean): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => {
      const inputs = ((reader.action?.['collect_inputs'] as { inputs?: Array<Record<string, unknown>> } | undefined)?.inputs ?? [])
        .map((input) => filledInput(input, skipNonRequired));
      return inputsCollected(reader, inputs, ctx.nowMs);
    });
    return this.view(reader, ctx.nowMs);
  }

  /** A device submitted the customer's inputs (values as typed; `index` follows the action's inputs). */
  async submitInputs(ctx: RequestContext, readerId: string, submitted: Array<{
    index: number; value: string | null; toggles: Array<'enabled' | 'disabled'> | null; skipped: boolean;
  }>): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => {
      const specs = (reader.action?.['collect_inputs'] as { inputs?: Array<Record<string, unknown>> } | undefined)?.inputs ?? [];
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

  // ----------------------------------------------------------------------------------------------
  // Fault injection (OpenTill test mode)
  // ----------------------------------------------------------------------------------------------

  async setOffline(ctx: RequestContext, readerId: string, silentForMs: number): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => ({
      reader: { ...reader, status: silentForMs > readerOfflineAfterMs ? 'offline' : 'online',
        last_seen_at: ctx.nowMs - silentForMs, _internal: { ...reader._internal, offline: true } },
      events: [],
    }));
    return this.view(reader, ctx.nowMs);
  }

  async setOnline(ctx: RequestContext, readerId: string): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => ({
      reader: { ...reader, status: 'online', last_seen_at: ctx.nowMs, _internal: { ...reader._internal, offline: false } },
      events: [],
    }));
    return this.view(reader, ctx.nowMs);
  }

  /**
   * A device that is not on a socket (a Tap to Pay phone's SDK) was heard from: `last_seen_at` is
   * refreshed, at most once per `deviceSignalWriteMs`, so the 2-minute rule sees it online while it
   * calls and offline once it stops. A reader made silent by fault injection stays silent.
   */
  async heardFrom(ctx: RequestContext, reader: Reader): Promise<boolean> {
    if (reader._internal.offline || (reader.last_seen_at ?? 0) > ctx.nowMs - deviceSignalWriteMs) return false;
    await this.changeReader(ctx, reader.id, (current) => ({
      reader: current._internal.offline ? current : { ...current, status: 'online', last_seen_at: ctx.nowMs },
      events: [],
    }));
    return true;
  }

  async setBusy(ctx: RequestContext, readerId: string, seconds: number): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => ({
      reader: { ...reader, _internal: { ...reader._internal, busyUntilMs: seconds === 0 ? null : ctx.nowMs + seconds * 1000 } },
      events: [],
    }));
    return this.view(reader, ctx.nowMs);
  }

  async setFaults(ctx: RequestContext, readerId: string, faults: Partial<ReaderFaults>): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => ({
      reader: { ...reader, _internal: { ...reader._internal, faults: { ...reader._internal.faults, ...faults } } },
      events: [],
    }));
    return this.view(reader, ctx.nowMs);
  }

  // ----------------------------------------------------------------------------------------------
  // Time-driven work (scheduler): authorization latency, the 30-second hold, demo auto-present
  // ----------------------------------------------------------------------------------------------

  async onDeadline(ctx: RequestContext, record: StoredRecord): Promise<void> {
    const reader = record.object as Reader;
    if (reader['deleted'] === true) return;
    const internal = reader._internal;
    if (internal.stage === 'authorizing' && internal.authorizing) {
      if (internal.authorizing.claimedAtMs) await this.abandonAuthorization(ctx, reader.id);
      else if (internal.authorizing.dueMs <= ctx.nowMs) await this.authorize(ctx, reader.id);
    }
    if (internal.held && internal.held.expiresAtMs <= ctx.nowMs) await this.expireHeldCard(ctx, reader.id);
    const autoAt = internal['autoPresentAtMs'];
    if (typeof autoAt === 'number' && autoAt <= ctx.nowMs) {
      await this.changeReader(ctx, reader.id, (r) => ({ reader: { ...r, _internal: { ...r._internal, autoPresentAtMs: null } }, events: [] }));
      try {
        await this.presentPaymentMethod(ctx, reader.id, (types) => defaultRead(types), 0);
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

  /**
   * Runs the authorization the reader started (card presented or confirm_payment_intent). The runner
   * first claims it (one commit), so a request and the scheduler never both authorize.
   */
  async authorize(ctx: RequestContext, readerId: string, claimedBy?: Reader): Promise<Reader> {
    const claim = claimedBy ? { reader: claimedBy, claimed: true } : await this.engine.retrying(async () => {
      const record = await this.load(ctx, readerId);
      const reader = record.object;
      const authorizing = reader._internal.authorizing;
      if (reader._internal.stage !== 'authorizing' || !authorizing || !reader.action || authorizing.claimedAtMs ||
        authorizing.dueMs > ctx.nowMs) {
        return { reader, claimed: false };
      }
      const claimed: Reader = { ...reader, _internal: { ...reader._internal, authorizing: { ...authorizing, claimedAtMs: ctx.nowMs } } };
      await this.commitReader(ctx, claimed, [], record);
      return { reader: claimed, claimed: true };
    });
    if (!claim.claimed) return claim.reader;
    const reader = claim.reader;
    const authorizing = reader._internal.authorizing!;
    const paymentIntentId = String((reader.action![reader.action!.type] as Record<string, unknown>)['payment_intent']);
    const fault = reader._internal.faults.nextAuthorization;
    const connectionError: ActionOutcome = { status: 'failed', ...actionFailures.connectionError };
    /** The reader's side of the outcome, unless the authorization was given up (recovery) or replaced meanwhile. */
    const finished = (current: Reader, outcome: ActionOutcome) => {
      if (current._internal.stage !== 'authorizing' || current._internal.authorizing?.claimedAtMs !== authorizing.claimedAtMs ||
        current._internal.authorizing?.paymentMethod !== authorizing.paymentMethod) {
        return null;
      }
      const cleared: Reader = fault
        ? { ...current, _internal: { ...current._internal, faults: { ...current._internal.faults, nextAuthorization: null } } }
        : current;
      return finishAction(cleared, outcome, ctx.nowMs);
    };
    let outcome: ActionOutcome = connectionError;
    if (!fault?.connectionError || fault.charged) {
      /** The reader as committed with the PaymentIntent (the last attempt's, when it was). */
      let finishedReader: Reader | null = null;
      const confirmed = await this.confirmOnReader(ctx, reader, paymentIntentId, authorizing, reader.location, async (result) => {
        // The PaymentIntent's outcome and the action's end commit together: never one without the other.
        const record = await this.load(ctx, readerId);
        const change = finished(record.object, fault?.connectionError ? connectionError : result);
        finishedReader = change?.reader ?? null;
        return change ? {
          changed: [change.reader], events: change.events, versions: versionsOf(record),
          deadlines: new Map([[readerId, readerDeadline(change.reader)]]),
        } : null;
      });
      if (confirmed.committed && finishedReader) return finishedReader;
      outcome = fault?.connectionError ? connectionError : confirmed.outcome;
    }
    return this.changeReader(ctx, readerId, (current) => finished(current, outcome) ?? { reader: current, events: [] });
  }

  /** A claimed authorization whose runner never reported back: the reader shows a connection error. */
  private async abandonAuthorization(ctx: RequestContext, readerId: string): Promise<void> {
    await this.changeReader(ctx, readerId, (reader) => {
      const claimedAt = reader._internal.authorizing?.claimedAtMs;
      if (reader._internal.stage !== 'authorizing' || !claimedAt || claimedAt + authorizationRecoveryMs > ctx.nowMs) {
        return { reader, events: [] };
      }
      return finishAction(reader, { status: 'failed', ...actionFailures.connectionError }, ctx.nowMs);
    });
  }

  /** Runs `work` with the PIN the device collected for this reader's next authorization. */
  async withCollectedPin<T>(readerId: string, pin: string | null, work: () => Promise<T>): Promise<T> {
    if (pin === null) return work();
    this.collectedPins.set(readerId, pin);
    try {
      return await work();
    } finally {
      this.collectedPins.delete(readerId);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Internals
  // ----------------------------------------------------------------------------------------------

  /**
   * Confirms the PaymentIntent with the card the reader holds. `finish` builds the reader's side of
   * the final outcome (the action finishing), committed in the same transaction as the
   * PaymentIntent and its charge; `committed` says whether it was. A card asking for a PIN is
   * authorized again once with the PIN the reader collects (the soft decline commits on its own:
   * it is the PaymentIntent's first charge).
   */
  private async confirmOnReader(ctx: RequestContext, reader: Reader, paymentIntentId: string,
    card: { paymentMethod: string; tipAmount: number; allowRedisplay?: string }, location: string | null,
    finish: (outcome: ActionOutcome) => Promise<Alongside | null>): Promise<{ outcome: ActionOutcome; committed: boolean }> {
    const collected = this.collectedPins.get(reader.id) ?? null;
    const prompted = collected === null ? this.links.of(reader).pinEntered(reader) : null;
    let committed = false;
    // The reader answers a decline as the action's outcome: it is never the request's answer.
    const inner = errorsNotAnswered(ctx);
    const attempt = (pin: string | null, last: boolean) => this.paymentIntents.confirm(inner, paymentIntentId, {
      paymentMethod: card.paymentMethod, pin, tipAmount: card.tipAmount, reader: { id: reader.id, location },
      ...(card.allowRedisplay !== undefined ? { allowRedisplay: card.allowRedisplay } : {}),
      alongside: async ({ decline }) => {
        const extra = !last && isPinDecline(decline) ? null : await finish(outcomeOf(decline));
        committed = extra !== null;
        return extra;
      },
    });
    try {
      try {
        await attempt(collected, prompted === null);
      } catch (error) {
        if (prompted === null || !isPinDecline(error)) throw error;
        committed = false;
        await attempt(prompted, true);
      }
      return { outcome: { status: 'succeeded' }, committed };
    } catch (error) {
      if (!isApiError(error)) throw error;
      return { outcome: outcomeOf(error), committed };
    }
  }

  private async setupOutcome(ctx: RequestContext, setupIntentId: string, paymentMethod: string,
    allowRedisplay: string): Promise<ActionOutcome> {
    try {
      const setupIntent = await this.setupIntents.confirm(errorsNotAnswered(ctx), setupIntentId, { paymentMethod, allowRedisplay });
      return { status: 'succeeded', details: { generated_card: setupIntent.payment_method } };
    } catch (error) {
      if (!isApiError(error)) throw error;
      return { status: 'failed', code: error.code, message: error.message };
    }
  }

  private async refundOutcome(ctx: RequestContext, sub: Record<string, unknown>,
    alongside?: (refund: StoredObject) => Promise<Alongside | null>): Promise<ActionOutcome> {
    try {
      const refund = await this.refunds.create(errorsNotAnswered(ctx), {
        charge: String(sub['charge']),
        ...(typeof sub['amount'] === 'number' ? { amount: sub['amount'] } : {}),
        reason: typeof sub['reason'] === 'string' ? sub['reason'] : null,
        metadata: (sub['metadata'] as Metadata | undefined) ?? {},
      }, alongside);
      return refundActionOutcome(refund);
    } catch (error) {
      if (!isApiError(error)) throw error;
      return { status: 'failed', code: error.code, message: error.message };
    }
  }

  /** Checks the reader takes commands, validates the action, delivers it through the reader port, commits. */
  private async start(ctx: RequestContext, readerId: string, prepare: (reader: Reader) => Promise<Prepared>): Promise<Reader> {
    const result = await this.engine.retrying(async () => {
      const record = await this.load(ctx, readerId);
      const reader = record.object;
      const link = this.links.of(reader);
      const online = link.presence(reader, ctx.nowMs).online;
      checkAcceptsCommand(reader, online, ctx.nowMs);
      const prepared = await prepare(reader);
      const actionId = this.engine.ids.next('tmra');
      const sent = await link.deliver(reader, { kind: 'action', action: prepared.action, actionId } as ReaderCommand, ctx.nowMs,
        ctx.accountId);
      const withLink = mergeInternal(reader, sent.internal);
      if (sent.delivery.kind === 'timeout' && !sent.delivery.delivered) {
        if (sent.internal) await this.commitReader(ctx, withLink, [], record);
        return { reader: withLink, timeout: true };
      }
      let next = startAction(withLink, prepared.action, true, ctx.nowMs).reader;
      next = { ...next, _internal: { ...next._internal, deviceActionId: actionId } };
      if (prepared.internal) next = { ...next, _internal: { ...next._internal, ...prepared.internal } };
      if (prepared.authorize) {
        next = beginAuthorization(releaseHeldCard(next), prepared.authorize,
          next._internal.faults.authorizationLatencyMs ?? 0, ctx.nowMs).reader;
      }
      const autoMs = next._internal.faults.autoPresentAfterMs;
      if (typeof autoMs === 'number' && ['process_payment_intent', 'collect_payment_method'].includes(prepared.action.type)) {
        next = { ...next, _internal: { ...next._internal, autoPresentAtMs: ctx.nowMs + autoMs } };
      }
      await this.commitReader(ctx, next, [], record);
      return { reader: next, timeout: sent.delivery.kind === 'timeout' };
    });
    let reader = result.reader;
    // A reader that got the command works on it, even when its acknowledgement was lost.
    if (reader._internal.stage === 'authorizing' && reader._internal.authorizing?.claimedAtMs) {
      reader = await this.authorize(ctx, readerId, reader);
    }
    if (result.timeout) throw terminalErrors.timeout();
    return this.view(reader, ctx.nowMs);
  }

  /** Loads, applies a pure change, commits (with the reader's deadline), retrying on conflicts. */
  private async changeReader(ctx: RequestContext, readerId: string,
    change: (reader: Reader) => { reader: Reader; events: Array<{ type: string; object: StoredObject }> }): Promise<Reader> {
    return this.engine.retrying(async () => {
      const record = await this.load(ctx, readerId);
      const changed = change(record.object);
      if (changed.reader === record.object) return record.object;
      await this.commitReader(ctx, changed.reader, changed.events, record);
      return changed.reader;
    });
  }

  private async commitReader(ctx: RequestContext, reader: Reader, events: Array<{ type: string; object: StoredObject }>,
    record: StoredRecord<Reader>): Promise<void> {
    await this.engine.commit(ctx, [reader], events, versionsOf(record), new Map([[reader.id, readerDeadline(reader)]]));
  }

  private async requirePaymentIntentToProcess(ctx: RequestContext, paymentIntentId: string): Promise<void> {
    const paymentIntent = await this.engine.load(ctx, kinds.paymentIntent, paymentIntentId, 'payment_intent');
    if (paymentIntent.object.status !== 'requires_payment_method') throw terminalErrors.intentInvalidState();
  }

  /** The 30-second hold of a collected card ended: the PaymentIntent goes back to `requires_payment_method`. */
  private async expireHeldCard(ctx: RequestContext, readerId: string): Promise<void> {
    const record = await this.load(ctx, readerId);
    const held = record.object._internal.held;
    if (!held || held.expiresAtMs > ctx.nowMs) return;
    await this.releasePaymentMethod(ctx, held.paymentIntent, held.paymentMethod);
    await this.changeReader(ctx, readerId, (reader) =>
      reader._internal.held?.paymentMethod === held.paymentMethod ? { reader: releaseHeldCard(reader), events: [] } : { reader, events: [] });
  }

  private async releasePaymentMethod(ctx: RequestContext, paymentIntentId: string, paymentMethodId: string): Promise<void> {
    const paymentIntent = await this.engine.find<PaymentIntent>(ctx, paymentIntentId);
    if (paymentIntent?.object.status === 'requires_confirmation' && paymentIntent.object.payment_method === paymentMethodId) {
      await this.paymentIntents.update(ctx, paymentIntentId, { paymentMethod: null, fields: {} });
    }
  }
}

/** A reader's refund action outcome for the refund it made. */
function refundActionOutcome(refund: StoredObject): ActionOutcome {
  if (refund['status'] === 'failed') {
    return { status: 'failed', code: 'refund_failed', message: String(refund['failure_reason'] ?? 'The refund failed.'),
      details: { refund: refund.id } };
  }
  return { status: 'succeeded', details: { refund: refund.id } };
}

function mergeInternal(reader: Reader, internal: DeliveryInternal): Reader {
  return internal ? { ...reader, _internal: { ...reader._internal, ...internal } } : reader;
}
type DeliveryInternal = Partial<Reader['_internal']> | undefined;

/** When the scheduler must look at a reader again, or null. */
export function readerDeadline(reader: Reader): number | null {
  const internal = reader._internal;
  const candidates: number[] = [];
  if (internal.stage === 'authorizing' && internal.authorizing) {
    const claimedAt = internal.authorizing.claimedAtMs;
    candidates.push(claimedAt ? claimedAt + authorizationRecoveryMs : internal.authorizing.dueMs);
  }
  if (internal.held) candidates.push(internal.held.expiresAtMs);
  const autoAt = internal['autoPresentAtMs'];
  if (typeof autoAt === 'number') candidates.push(autoAt);
  return candidates.length > 0 ? Math.min(...candidates) : null;
}

/** Stripe's default simulated card for the payment method types (contract §5.3). */
function defaultRead(types: string[]): CardRead {
  const interacOnly = !types.includes('card_present') && types.includes('interac_present');
  return interacOnly
    ? { type: 'interac_present', number: defaultSimulatedCard.interac_present, readMethod: 'contact_emv', wallet: null }
    : { type: 'card_present', number: defaultSimulatedCard.card_present, readMethod: 'contactless_emv', wallet: null };
}

/** An input as the customer entered it on a device. */
function enteredInput(input: Record<string, unknown>, entered: {
  value: string | null; toggles: Array<'enabled' | 'disabled'> | null; skipped: boolean;
}): Record<string, unknown> {
  const type = String(input['type']);
  const specToggles = Array.isArray(input['toggles']) ? input['toggles'] as Array<Record<string, unknown>> : null;
  const toggles = specToggles
    ? specToggles.map((toggle, i) => ({ ...toggle, value: entered.toggles?.[i] ?? toggle['default_value'] ?? 'disabled' }))
    : null;
  if (entered.skipped) return { ...input, skipped: true, toggles };
  if (type === 'selection') {
    const selection = input['selection'] as { choices?: Array<{ id: string; text: string }> } | undefined;
    const choice = selection?.choices?.find((c) => c.id === entered.value);
    return { ...input, skipped: false, toggles, selection: { ...selection, id: choice?.id ?? null, text: choice?.text ?? null } };
  }
  return { ...input, skipped: false, toggles, [type]: { value: entered.value } };
}

/** What a simulated customer enters for an input (succeed_input_collection). */
function filledInput(input: Record<string, unknown>, skipNonRequired: boolean): Record<string, unknown> {
  const type = String(input['type']);
  const toggles = Array.isArray(input['toggles'])
    ? (input['toggles'] as Array<Record<string, unknown>>).map((toggle) => ({ ...toggle, value: toggle['default_value'] ?? 'disabled' }))
    : null;
  if (skipNonRequired && input['required'] !== true) return { ...input, skipped: true, toggles };
  const values: Record<string, unknown> = {
    email: { value: 'customer@example.com' },
    numeric: { value: '1234' },
    phone: { value: '+15555550123' },
    text: { value: 'OpenTill simulated input' },
    signature: { value: 'file_opentill_simulated_signature' },
  };
  if (type === 'selection') {
    const selection = input['selection'] as { choices?: Array<{ id: string; text: string }> } | undefined;
    const choice = selection?.choices?.[0];
    return { ...input, skipped: false, toggles, selection: { ...selection, id: choice?.id ?? null, text: choice?.text ?? null } };
  }
  return { ...input, skipped: false, toggles, [type]: values[type] ?? { value: null } };
}
