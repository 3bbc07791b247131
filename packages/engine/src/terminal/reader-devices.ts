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
  ApiError, checkWaitingForCard, terminalErrors, zeroDecimalCurrencies, type Configuration, type PaymentIntent, type Reader,
} from '@opentill/core';
import {
  initialDevice, screenOf, step, type DeviceAction, type DeviceEvent, type DeviceInput, type DevicePresets, type DeviceState,
  type Personality, type ServerCommand,
} from '@opentill/reader-device';
import type { ScreenCardOption, ScreenInput, ScreenState } from '@opentill/protocol';
import type { Engine, RequestContext } from '../engine.js';
import type { CardRead } from '../ports.js';
import type { TerminalConfigurations } from './configurations.js';
import type { ReaderLinks } from './reader-link.js';
import type { TerminalReaders } from './readers.js';

const purposes: Record<string, DeviceAction['purpose']> = {
  process_payment_intent: 'payment', collect_payment_method: 'payment', confirm_payment_intent: 'payment',
  process_setup_intent: 'setup', refund_payment: 'refund', set_reader_display: 'display', collect_inputs: 'inputs',
};

/** Where the current action stands on the server, as a device is told. */
export type ServerActionStatus =
  | { actionId: string; status: 'waiting' }
  | { actionId: string; status: 'processing' | 'succeeded' | 'failed'; message: string | null; canceled: boolean };

export function deviceActionId(reader: Reader): string | null {
  const id = reader._internal['deviceActionId'];
  return typeof id === 'string' ? id : null;
}

export function serverActionStatus(reader: Reader): ServerActionStatus | null {
  const action = reader.action;
  const actionId = deviceActionId(reader);
  if (!action || !actionId) return null;
  if (action.status === 'in_progress') {
    const stage = reader._internal.stage;
    return stage === 'waiting' ? { actionId, status: 'waiting' } : { actionId, status: 'processing', message: null, canceled: false };
  }
  return {
    actionId, status: action.status, message: action.failure_message,
    canceled: action.failure_code === 'customer_canceled',
  };
}

export function personalityOf(deviceType: string): Personality {
  return deviceType.includes('s700') || deviceType.includes('s710') ? 's700' : 'wisepos_e';
}

/** The device's card read as the one card-read path wants it (the number stops at the processor). */
export function cardReadOfEvent(event: Extract<DeviceEvent, { type: 'card_read' }>, paymentMethodTypes: string[]): CardRead {
  const type = paymentMethodTypes.includes('card_present') || !paymentMethodTypes.includes('interac_present') ? 'card_present' : 'interac_present';
  return { type, number: event.number, readMethod: event.read_method, wallet: event.wallet };
}

export interface ApplyOptions {
  /** Test helpers: the card read they build from their parameters (keyed cards, Interac…). */
  readFor?: (paymentMethodTypes: string[]) => CardRead;
}

export class ReaderDevices {
  /** PINs typed on a device, for the authorization that asks for them (this node, this request). */
  private readonly pins = new Map<string, string>();
  /** Unreported touches of in-process devices, by reader id (see the file comment). */
  private readonly touches = new Map<string, { actionId: string; state: DeviceState }>();
  private readonly resultsSeen = new Map<string, { actionId: string; atMs: number }>();
  private readers: TerminalReaders | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly links: ReaderLinks,
    private readonly configurations: TerminalConfigurations,
    /** The card picker of every device screen (the processor's test cards). */
    public cards: ScreenCardOption[] = [],
  ) {}

  attach(readers: TerminalReaders): void {
    this.readers = readers;
  }

  private get terminal(): TerminalReaders {
    if (!this.readers) throw new Error('ReaderDevices not attached to TerminalReaders');
    return this.readers;
  }

  /** The PIN the device sent with the card being authorized, if any. */
  pinFor(readerId: string): string | null {
    return this.pins.get(readerId) ?? null;
  }

  /** What the device must show for the reader's current action (null: none in progress). */
  async describe(ctx: RequestContext, reader: Reader): Promise<DeviceAction | null> {
    const action = reader.action;
    const id = deviceActionId(reader);
    if (!action || !id) return null;
    const sub = (action[action.type] ?? {}) as Record<string, unknown>;
    const config = (sub['process_config'] ?? sub['collect_config'] ?? sub['refund_payment_config'] ?? sub['confirm_config']) as
      Record<string, unknown> | undefined;
    let amount: number | null = null;
    let currency: string | null = null;
    if (typeof sub['payment_intent'] === 'string' && action.type !== 'refund_payment') {
      const pi = await this.engine.find<PaymentIntent>(ctx, sub['payment_intent']);
      if (pi) { amount = pi.object.amount; currency = pi.object.currency; }
    } else if (action.type === 'refund_payment' && typeof sub['charge'] === 'string') {
      const charge = await this.engine.find(ctx, sub['charge']);
      if (charge) {
        amount = typeof sub['amount'] === 'number' ? sub['amount'] : Number(charge.object['amount']) - Number(charge.object['amount_refunded']);
        currency = String(charge.object['currency']);
      }
    } else if (action.type === 'process_setup_intent') {
      amount = 0;
    }
    let tipping: DeviceAction['tipping'] = null;
    if (purposes[action.type] === 'payment' && action.type !== 'confirm_payment_intent' && config?.['skip_tipping'] !== true &&
      amount !== null && currency !== null) {
      const configuration: Configuration = await this.configurations.effectiveFor(ctx, reader);
      const settings = (configuration['tipping'] as Record<string, Record<string, unknown>> | null | undefined)?.[currency];
      const eligible = typeof (config?.['tipping'] as Record<string, unknown> | undefined)?.['amount_eligible'] === 'number'
        ? Number((config!['tipping'] as Record<string, unknown>)['amount_eligible']) : amount;
      if (settings) {
        const threshold = typeof settings['smart_tip_threshold'] === 'number' ? settings['smart_tip_threshold'] : null;
        const fixed = Array.isArray(settings['fixed_amounts']) ? settings['fixed_amounts'] as number[] : [];
        const percentages = Array.isArray(settings['percentages']) ? settings['percentages'] as number[] : [];
        const useFixed = fixed.length > 0 && (percentages.length === 0 || (threshold !== null && eligible < threshold));
        const options = useFixed
          ? fixed.map((value) => ({ label: formatTipAmount(value, currency), amount: value }))
          : percentages.map((pct) => ({ label: `${pct}%`, amount: Math.round((eligible * pct) / 100) }));
        if (options.length > 0) tipping = { options, custom_allowed: true };
      }
    }
    const cart = action.type === 'set_reader_display'
      ? (sub['cart'] as DeviceAction['cart'] | undefined) ?? null : null;
    const inputs = action.type === 'collect_inputs'
      ? ((sub['inputs'] as Array<Record<string, unknown>> | undefined) ?? []).map(screenInputOf) : null;
    return {
      id, type: action.type, purpose: purposes[action.type] ?? 'payment', amount, currency,
      cancelable: config?.['enable_customer_cancellation'] === true, tipping, cart, inputs,
    };
  }

  /** The command that brings a device to the reader's current action (resume after a reconnect). */
  async commandFor(ctx: RequestContext, reader: Reader): Promise<ServerCommand | null> {
    const described = await this.describe(ctx, reader);
    return described ? { type: 'action', action: described } : null;
  }

  /** A device's report enters the engine through the device-side methods of TerminalReaders. */
  async applyEvent(ctx: RequestContext, readerId: string, event: DeviceEvent, options: ApplyOptions = {}): Promise<Reader | null> {
    if (event.type === 'card_removed') return null;
    const record = await this.terminal.load(ctx, readerId, 'reader');
    if (deviceActionId(record.object) !== event.action_id) {
      throw new ApiError('invalid_request_body', `Action ${event.action_id} is not the current action of reader ${readerId}.`);
    }
    switch (event.type) {
      case 'tip_chosen':
      case 'display_shown':
        return null;
      case 'customer_canceled':
        return this.terminal.pressCancel(ctx, readerId);
      case 'inputs_submitted':
        return this.terminal.submitInputs(ctx, readerId, event.inputs);
      case 'card_read': {
        if (event.pin) this.pins.set(readerId, event.pin);
        try {
          return await this.terminal.presentPaymentMethod(ctx, readerId,
            options.readFor ?? ((types) => cardReadOfEvent(event, types)), event.tip_amount);
        } finally {
          this.pins.delete(readerId);
        }
      }
    }
  }

  // ----------------------------------------------------------------------------------------------
  // In-process devices (simulated readers)
  // ----------------------------------------------------------------------------------------------

  /** The simulated device's state, derived from the reader document (plus unreported touches). */
  async simulatedState(ctx: RequestContext, reader: Reader, presets: DevicePresets = {}): Promise<DeviceState> {
    let state = initialDevice({ personality: personalityOf(reader.device_type), label: reader.label, cards: this.cards, presets });
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
        if (described) state = step(state, { kind: 'command', command: { type: 'action', action: described } }, ctx.nowMs).state;
        if (status.status !== 'waiting') {
          state = status.status === 'processing'
            ? { ...state, phase: 'processing' }
            : { ...state, phase: 'result', resultAtMs: this.resultSeenAt(reader.id, status.actionId, ctx.nowMs), result: {
                outcome: status.canceled ? 'canceled' : status.status === 'failed' ? 'declined' : 'approved',
                message: status.message ?? (status.status === 'failed' ? 'Declined' : 'Approved'),
              } };
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
  async simulatedInput(ctx: RequestContext, readerId: string, input: DeviceInput,
    options: ApplyOptions & { explain?: (reader: Reader) => void; presets?: DevicePresets } = {}): Promise<Reader> {
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
    const keep = awaitingCustomer(result.state) || result.state.cardInserted ||
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

/**
 * A fixed tip amount as its label on the reader: the amount in major units with the currency's
 * symbol, always in the same en-US form whatever the server's locale (`€2.00`, `$1.50`, `£3.00`,
 * `¥200`, `CA$2.00`, `CHF 2.00`). Stripe's zero-decimal currencies have no decimals.
 */
export function formatTipAmount(amount: number, currency: string): string {
  const digits = zeroDecimalCurrencies.has(currency.toLowerCase()) ? 0 : 2;
  const major = amount / 10 ** digits;
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency', currency: currency.toUpperCase(), minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(major).replace(/\u00a0/g, ' ');
  } catch {
    return `${major.toFixed(digits)} ${currency.toUpperCase()}`;
  }
}

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
    ...(selection?.choices ? { choices: selection.choices.map((c) => ({ id: c.id, text: c.text,
      style: c.style === 'secondary' ? 'secondary' as const : 'primary' as const })) } : {}),
    ...(toggles ? { toggles: toggles.map((t) => ({
      title: typeof t['title'] === 'string' ? t['title'] : null, description: typeof t['description'] === 'string' ? t['description'] : null,
      default_value: t['default_value'] === 'enabled' ? 'enabled' as const : 'disabled' as const,
    })) } : {}),
    skip_button: typeof text['skip_button'] === 'string' ? text['skip_button'] : null,
    submit_button: typeof text['submit_button'] === 'string' ? text['submit_button'] : null,
  };
}
