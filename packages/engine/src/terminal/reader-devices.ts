/**
 * The one reader implementation, seen from the server: what a device is told about an action
 * (`describe`), how its reports enter the engine (`applyEvent`, through `TerminalReaders`' device-side
 * methods — the same ones the test helpers use), and the in-process host of simulated readers.
 *
 * A simulated reader runs the pure `@opentill/reader-device` state machine in-process. Its state is
 * derived from the reader document every time (the action, its stage and outcome), so it survives
 * restarts and is the same on every server node sharing the database; only what the document does
 * not record lives in a small in-memory cache of this node: touches the device has not reported yet
 * (a card waiting for the tip choice or the PIN, inputs so far) and a card inserted for the current
 * action (which the customer may take back after the result). Idle simulated readers hold nothing.
 */
import {
  ApiError,
  checkWaitingForCard,
  formatTipAmount,
  terminalErrors,
  tippingFor,
  type Charge,
  type PaymentIntent,
  type Reader,
  type Tipping,
} from '@opentill/core';
import {
  initialDevice,
  screenOf,
  step,
  type DeviceAction,
  type DeviceEvent,
  type DeviceInput,
  type DevicePresets,
  type DeviceState,
  type Personality,
  type ServerCommand,
} from '@opentill/reader-device';
import type { ScreenCardOption, ScreenInput, ScreenState } from '@opentill/protocol';
import type { Engine, RequestContext } from '../engine.js';
import type { CardRead } from '../ports.js';
import type { TerminalConfigurations } from './configurations.js';
import type { ReaderLinks } from './reader-link.js';
import type { TerminalReaders } from './readers/index.js';

const purposes: Record<string, DeviceAction['purpose']> = {
  process_payment_intent: 'payment',
  collect_payment_method: 'payment',
  confirm_payment_intent: 'payment',
  process_setup_intent: 'setup',
  refund_payment: 'refund',
  set_reader_display: 'display',
  collect_inputs: 'inputs',
};

/** Where the current action stands on the server, as a device is told. */
export type ServerActionStatus =
  | { actionId: string; status: 'waiting' }
  | { actionId: string; status: 'processing' | 'succeeded' | 'failed'; message: string | null; canceled: boolean };

export function deviceActionId(reader: Reader): string | null {
  return reader._internal.deviceActionId ?? null;
}

export function serverActionStatus(reader: Reader): ServerActionStatus | null {
  const action = reader.action;
  const actionId = deviceActionId(reader);
  if (!action || !actionId) return null;
  if (action.status === 'in_progress') {
    const stage = reader._internal.stage;
    return stage === 'waiting'
      ? { actionId, status: 'waiting' }
      : { actionId, status: 'processing', message: null, canceled: false };
  }
  return {
    actionId,
    status: action.status,
    message: action.failure_message,
    canceled: action.failure_code === 'customer_canceled',
  };
}

export function personalityOf(deviceType: string): Personality {
  return deviceType.includes('s700') || deviceType.includes('s710') ? 's700' : 'wisepos_e';
}

/** The device's card read as the one card-read path wants it (the number stops at the processor). */
export function cardReadOfEvent(
  event: Extract<DeviceEvent, { type: 'card_read' }>,
  paymentMethodTypes: string[],
): CardRead {
  const type =
    paymentMethodTypes.includes('card_present') || !paymentMethodTypes.includes('interac_present')
      ? 'card_present'
      : 'interac_present';
  return { type, number: event.number, readMethod: event.read_method, wallet: event.wallet };
}

export interface ApplyOptions {
  /** Test helpers: the card read they build from their parameters (keyed cards, Interac…). */
  readFor?: (paymentMethodTypes: string[]) => CardRead;
}

export class ReaderDevices {
  /** Unreported touches of in-process devices, by reader id (see the file comment). */
  private readonly touches = new Map<string, { actionId: string; state: DeviceState }>();
  private readonly resultsSeen = new Map<string, { actionId: string; atMs: number }>();

  constructor(
    private readonly engine: Engine,
    private readonly links: ReaderLinks,
    private readonly configurations: TerminalConfigurations,
    private readonly terminal: TerminalReaders,
    /** The card picker of every device screen (the processor's test cards). */
    public cards: ScreenCardOption[] = [],
  ) {}

  /** What the device must show for the reader's current action (null: none in progress). */
  async describe(ctx: RequestContext, reader: Reader): Promise<DeviceAction | null> {
    const action = reader.action;
    const id = deviceActionId(reader);
    if (!action || !id) return null;
    const sub = (action[action.type] ?? {}) as Record<string, unknown>;
    const config = (sub['process_config'] ??
      sub['collect_config'] ??
      sub['refund_payment_config'] ??
      sub['confirm_config']) as Record<string, unknown> | undefined;
    const { amount, currency } = await this.amountOf(ctx, action.type, sub);
    const tipping = await this.tippingOf(ctx, reader, action.type, config, amount, currency);
    const cart =
      action.type === 'set_reader_display' ? ((sub['cart'] as DeviceAction['cart'] | undefined) ?? null) : null;
    const inputs =
      action.type === 'collect_inputs'
        ? ((sub['inputs'] as Array<Record<string, unknown>> | undefined) ?? []).map(screenInputOf)
        : null;
    return {
      id,
      type: action.type,
      purpose: purposes[action.type] ?? 'payment',
      amount,
      currency,
      cancelable: config?.['enable_customer_cancellation'] === true,
      tipping,
      cart,
      inputs,
    };
  }

  /** The amount and currency a device shows for an action (a refund's: what is left to refund unless given). */
  private async amountOf(
    ctx: RequestContext,
    type: string,
    sub: Record<string, unknown>,
  ): Promise<{ amount: number | null; currency: string | null }> {
    if (typeof sub['payment_intent'] === 'string' && type !== 'refund_payment') {
      const pi = await this.engine.find<PaymentIntent>(ctx, sub['payment_intent']);
      return pi ? { amount: pi.object.amount, currency: pi.object.currency } : { amount: null, currency: null };
    }
    if (type === 'refund_payment' && typeof sub['charge'] === 'string') {
      const charge = await this.engine.find<Charge>(ctx, sub['charge']);
      if (!charge) return { amount: null, currency: null };
      const amount =
        typeof sub['amount'] === 'number' ? sub['amount'] : charge.object.amount - charge.object.amount_refunded;
      return { amount, currency: charge.object.currency };
    }
    return { amount: type === 'process_setup_intent' ? 0 : null, currency: null };
  }

  /** The tip choices of a payment action (none when confirming: the tip was chosen at collection). */
  private async tippingOf(
    ctx: RequestContext,
    reader: Reader,
    type: string,
    config: Record<string, unknown> | undefined,
    amount: number | null,
    currency: string | null,
  ): Promise<Tipping | null> {
    if (
      purposes[type] !== 'payment' ||
      type === 'confirm_payment_intent' ||
      amount === null ||
      currency === null ||
      config?.['skip_tipping'] === true
    ) {
      return null;
    }
    const configuration = await this.configurations.effectiveFor(ctx, reader);
    return tippingFor(configuration['tipping'], config, amount, currency);
  }

  /** The command that brings a device to the reader's current action (resume after a reconnect). */
  async commandFor(ctx: RequestContext, reader: Reader): Promise<ServerCommand | null> {
    const described = await this.describe(ctx, reader);
    return described ? { type: 'action', action: described } : null;
  }

  /** A device's report enters the engine through the device-side methods of TerminalReaders. */
  async applyEvent(
    ctx: RequestContext,
    readerId: string,
    event: DeviceEvent,
    options: ApplyOptions = {},
  ): Promise<Reader | null> {
    if (event.type === 'card_removed') return null;
    const record = await this.terminal.load(ctx, readerId, 'reader');
    if (deviceActionId(record.object) !== event.action_id) {
      throw new ApiError(
        'invalid_request_body',
        `Action ${event.action_id} is not the current action of reader ${readerId}.`,
      );
    }
    switch (event.type) {
      case 'tip_chosen':
      case 'display_shown':
        return null;
      case 'customer_canceled':
        return this.terminal.pressCancel(ctx, readerId);
      case 'inputs_submitted':
        return this.terminal.submitInputs(ctx, readerId, event.inputs);
      case 'card_read':
        // The PIN typed on the device's pad goes with the card read, for the authorization that asks for it.
        return this.terminal.presentPaymentMethod(
          ctx,
          readerId,
          options.readFor ?? ((types) => cardReadOfEvent(event, types)),
          event.tip_amount,
          event.pin ? { pin: event.pin, upfront: false } : null,
        );
    }
  }

  // ----------------------------------------------------------------------------------------------
  // In-process devices (simulated readers)
  // ----------------------------------------------------------------------------------------------

  /** The simulated device's state, derived from the reader document (plus unreported touches). */
  async simulatedState(ctx: RequestContext, reader: Reader, presets: DevicePresets = {}): Promise<DeviceState> {
    let state = initialDevice({
      personality: personalityOf(reader.device_type),
      label: reader.label,
      cards: this.cards,
      presets,
    });
    const presence = this.links.of(reader).presence(reader, ctx.nowMs);
    const status = serverActionStatus(reader);
    const cached = this.touches.get(reader.id);
    // What the device keeps to itself belongs to one action: a newer action starts afresh.
    const own = cached && status && cached.actionId === status.actionId ? cached.state : null;
    if (cached && !own) this.touches.delete(reader.id);
    if (status) {
      if (own && status.status === 'waiting' && awaitingCustomer(own)) {
        state = { ...own, presets };
      } else {
        const described = await this.describe(ctx, reader);
        if (described)
          state = step(state, { kind: 'command', command: { type: 'action', action: described } }, ctx.nowMs).state;
        if (status.status !== 'waiting') {
          state =
            status.status === 'processing'
              ? { ...state, phase: 'processing' }
              : {
                  ...state,
                  phase: 'result',
                  resultAtMs: this.resultSeenAt(reader.id, status.actionId, ctx.nowMs),
                  result: {
                    outcome: status.canceled ? 'canceled' : status.status === 'failed' ? 'declined' : 'approved',
                    message: status.message ?? (status.status === 'failed' ? 'Declined' : 'Approved'),
                  },
                };
        }
        if (own && status.status !== 'waiting' && status.status !== 'processing' && own.phase === 'idle') {
          // The customer took the inserted card back after the result: the reader is on its splash screen.
          state = { ...state, phase: 'idle', action: null, result: null, cardInserted: false };
        } else if (own) {
          // A card inserted for this action stays in the reader until the customer takes it back.
          state = { ...state, cardInserted: own.cardInserted };
        }
      }
    }
    // The result goes back to the splash after a while (the device decides, on the account's clock).
    state = step(state, { kind: 'tick' }, ctx.nowMs).state;
    return step(state, { kind: 'connection', online: presence.online }, ctx.nowMs).state;
  }

  /**
   * When this node first showed the result of a reader's action (the reader document does not say when
   * it ended); one entry per reader, replaced by its next action's.
   */
  private resultSeenAt(readerId: string, actionId: string, nowMs: number): number {
    const seen = this.resultsSeen.get(readerId);
    if (seen && seen.actionId === actionId) return seen.atMs;
    this.resultsSeen.set(readerId, { actionId, atMs: nowMs });
    return nowMs;
  }

  async simulatedScreen(ctx: RequestContext, reader: Reader): Promise<ScreenState> {
    return screenOf(await this.simulatedState(ctx, reader));
  }

  /**
   * A customer touches a simulated reader (screen viewer or test helper). The device decides; what it
   * reports goes through `applyEvent`. A touch the device refuses throws: `explain` gives the API's
   * precise error when the server state says why, else the device's reason.
   */
  async simulatedInput(
    ctx: RequestContext,
    readerId: string,
    input: DeviceInput,
    options: ApplyOptions & { explain?: (reader: Reader) => void; presets?: DevicePresets } = {},
  ): Promise<Reader> {
    const record = await this.terminal.load(ctx, readerId);
    const reader = record.object;
    const state = await this.simulatedState(ctx, reader, options.presets);
    const result = step(state, { kind: 'input', input }, ctx.nowMs);
    if (result.rejected !== null) {
      options.explain?.(reader);
      throw new ApiError('invalid_request_body', `Reader ${readerId}: ${result.rejected}`);
    }
    const actionId = deviceActionId(reader);
    // Kept on this node: touches not reported yet (a card waiting for the tip or the PIN, inputs so far,
    // even when an informational event such as tip_chosen went out), and an inserted card (or its
    // removal after the result), which the reader document does not record.
    const keep =
      awaitingCustomer(result.state) ||
      result.state.cardInserted ||
      (result.state.phase === 'idle' && state.phase === 'result');
    if (keep && actionId) this.touches.set(readerId, { actionId, state: result.state });
    else this.touches.delete(readerId);
    let latest: Reader | null = null;
    for (const event of result.outgoing) latest = (await this.applyEvent(ctx, readerId, event, options)) ?? latest;
    return latest ?? this.terminal.view(reader, ctx.nowMs);
  }
}

/** The device is still with the customer: its touches so far are not (all) reported. */
function awaitingCustomer(state: DeviceState): boolean {
  return state.phase === 'tip' || state.phase === 'pin' || state.phase === 'inputs';
}

export { formatTipAmount };

/** Why a card cannot be presented, in the API's words (test helpers). */
export function explainCardRefusal(reader: Reader, nowMs: number): void {
  if (reader._internal.offline) throw terminalErrors.offline();
  checkWaitingForCard(reader, nowMs);
}

function screenInputOf(input: Record<string, unknown>): ScreenInput {
  const text = (input['custom_text'] ?? {}) as Record<string, unknown>;
  const selection = input['selection'] as { choices?: Array<{ id: string; text: string; style?: string }> } | undefined;
  const toggles = input['toggles'] as Array<Record<string, unknown>> | undefined;
  return {
    type: String(input['type']) as ScreenInput['type'],
    title: String(text['title'] ?? ''),
    description: typeof text['description'] === 'string' ? text['description'] : null,
    required: input['required'] === true,
    ...(selection?.choices
      ? {
          choices: selection.choices.map((c) => ({
            id: c.id,
            text: c.text,
            style: c.style === 'secondary' ? ('secondary' as const) : ('primary' as const),
          })),
        }
      : {}),
    ...(toggles
      ? {
          toggles: toggles.map((t) => ({
            title: typeof t['title'] === 'string' ? t['title'] : null,
            description: typeof t['description'] === 'string' ? t['description'] : null,
            default_value: t['default_value'] === 'enabled' ? ('enabled' as const) : ('disabled' as const),
          })),
        }
      : {}),
    skip_button: typeof text['skip_button'] === 'string' ? text['skip_button'] : null,
    submit_button: typeof text['submit_button'] === 'string' ? text['submit_button'] : null,
  };
}
