/**
 * The reader device: what a smart reader (WisePOS E, S700) does with the server's commands and the
 * customer's touches, as one pure function `step(state, message, nowMs) → { state, outgoing, screen }`.
 * Isomorphic (no Node APIs, no clock, no randomness): the same code runs in-process for simulated
 * readers, in `opentill reader` over the WebSocket gateway, and in a browser.
 *
 *   idle ──action──→ collect ──present_card──→ [tip] ──→ [pin] ──card_read──→ processing ──update──→ result
 *     ↑──────────── tick, resultIdleMs after the result (no card left inserted), or remove_card ───────────┘
 *     │                 └──cancel (customer, when enabled)──→ customer_canceled → result(canceled)
 *     ├──set_reader_display──→ cart            (until the next action or cancel)
 *     └──collect_inputs──→ inputs[0..n) ──submit──→ inputs_submitted → processing → result
 *
 * The device never decides an outcome: it reports what the customer did (`DeviceEvent`) and shows
 * what the server says (`action_update`).
 */
import type {
  CustomerInput,
  ScreenCardOption,
  ScreenCart,
  ScreenInput,
  ScreenReadMethod,
  ScreenState,
  ScreenTipOption,
} from '@opentill/protocol';

export const readerProtocol = 'opentill-reader/1';

export const personalities = {
  wisepos_e: { deviceType: 'bbpos_wisepos_e', name: 'BBPOS WisePOS E', serialPrefix: 'WSC513', swVersion: '2.27.7.0' },
  s700: { deviceType: 'stripe_s700', name: 'Stripe Reader S700', serialPrefix: 'STRM26', swVersion: '2.27.7.0' },
  // Bluetooth/USB readers, run beside the mobile SDK (docs/tap-to-pay-sdk.md); the reader protocol pairs smart readers only (isPersonality).
  stripe_m2: {
    deviceType: 'stripe_m2',
    name: 'Stripe M2',
    serialPrefix: 'STRM2',
    swVersion: '2.01.00.17-SZZZ_Generic_v45-300001',
  },
  chipper_2x: {
    deviceType: 'bbpos_chipper2x',
    name: 'BBPOS Chipper 2X BT',
    serialPrefix: 'CHB20',
    swVersion: '1.00.03.34-SZZZ_Generic_v45-300001',
  },
  wisepad_3: {
    deviceType: 'bbpos_wisepad3',
    name: 'BBPOS WisePad 3',
    serialPrefix: 'WPC32',
    swVersion: '1.00.05.25-SZZZ_Generic_v45-300001',
  },
} as const;
export type Personality = keyof typeof personalities;
export function isPersonality(value: unknown): value is Personality {
  return value === 'wisepos_e' || value === 's700';
}

export type Wallet = 'apple_pay' | 'google_pay' | 'samsung_pay';

/** An action as the device receives it: what to show, not the server's bookkeeping. */
export interface DeviceAction {
  /** Server-assigned id of this action on this reader; every event about it names it. */
  id: string;
  type: string;
  purpose: 'payment' | 'setup' | 'refund' | 'display' | 'inputs';
  amount: number | null;
  currency: string | null;
  /** enable_customer_cancellation: the device shows a cancel button. */
  cancelable: boolean;
  /** On-reader tipping (from the Configuration), null when skipped or not configured. */
  tipping: { options: ScreenTipOption[]; custom_allowed: boolean } | null;
  cart: ScreenCart | null;
  inputs: ScreenInput[] | null;
}

/** Server → device. */
export type ServerCommand =
  | { type: 'action'; action: DeviceAction }
  | { type: 'cancel' }
  /** How the current action is going, as the server decided it. */
  | { type: 'action_update'; action_id: string; status: 'processing' | 'succeeded' | 'failed'; message: string | null };

export interface SubmittedInput {
  index: number;
  value: string | null;
  toggles: Array<'enabled' | 'disabled'> | null;
  skipped: boolean;
}

/** Device → server: what happened at the reader. */
export type DeviceEvent =
  | {
      type: 'card_read';
      action_id: string;
      number: string;
      read_method: ScreenReadMethod;
      wallet: Wallet | null;
      tip_amount: number;
      pin: string | null;
    }
  | { type: 'tip_chosen'; action_id: string; amount: number }
  | { type: 'customer_canceled'; action_id: string }
  | { type: 'inputs_submitted'; action_id: string; inputs: SubmittedInput[] }
  | { type: 'card_removed' }
  | { type: 'display_shown'; action_id: string };

/** Headless answers (`opentill reader --pin …`, test helpers): presets skip the matching screen. */
export interface DevicePresets {
  tip?: number | null;
  pin?: string | null;
}

/** What the in-process host and test helpers may add to a card presentation. */
export type DeviceInput = CustomerInput | (Extract<CustomerInput, { type: 'present_card' }> & { tip_amount?: number });

export type DevicePhase = 'idle' | 'cart' | 'collect' | 'tip' | 'pin' | 'processing' | 'result' | 'inputs';

export interface DeviceState {
  personality: Personality;
  label: string;
  cards: ScreenCardOption[];
  presets: DevicePresets;
  online: boolean;
  phase: DevicePhase;
  action: DeviceAction | null;
  /** The card presented for the current action (kept on the device only until it is reported). */
  card: { number: string; read_method: ScreenReadMethod; wallet: Wallet | null } | null;
  tip: number | null;
  pinDigits: number;
  pinAttemptsLeft: number;
  inputIndex: number;
  inputValues: SubmittedInput[];
  result: { outcome: 'approved' | 'declined' | 'canceled' | 'error'; message: string } | null;
  /** When the result screen appeared (the host's clock: the account's, test clock included). */
  resultAtMs: number | null;
  cardInserted: boolean;
}

/**
 * How long the result stays on screen before the reader shows its splash again, as a smart reader
 * does. A card still inserted keeps the result (and its "remove card") until it is taken back.
 */
export const resultIdleMs = 4_000;

export type DeviceMessage =
  | { kind: 'command'; command: ServerCommand }
  | { kind: 'input'; input: DeviceInput }
  | { kind: 'connection'; online: boolean }
  /** Time passes (the host calls it when `idleDueAtMs` is reached): the result screen may go back to the splash. */
  | { kind: 'tick' };

export interface StepResult {
  state: DeviceState;
  outgoing: DeviceEvent[];
  screen: ScreenState;
  /** Set when a customer input does not fit the current screen (nothing changed). */
  rejected: string | null;
}

export const readMethods: readonly ScreenReadMethod[] = ['contactless_emv', 'contact_emv', 'magnetic_stripe_track2'];
const wallets: readonly Wallet[] = ['apple_pay', 'google_pay', 'samsung_pay'];
export const testPin = '1234';
const pinAttempts = 3;

export function initialDevice(options: {
  personality: Personality;
  label?: string;
  cards?: ScreenCardOption[];
  presets?: DevicePresets;
}): DeviceState {
  return {
    personality: options.personality,
    label: options.label ?? personalities[options.personality].name,
    cards: options.cards ?? [],
    presets: options.presets ?? {},
    online: true,
    phase: 'idle',
    action: null,
    card: null,
    tip: null,
    pinDigits: 0,
    pinAttemptsLeft: pinAttempts,
    inputIndex: 0,
    inputValues: [],
    result: null,
    resultAtMs: null,
    cardInserted: false,
  };
}

/**
 * Stripe's test amounts ending in .02/.03 ask for a PIN (offline / online-or-offline PIN required):
 * the device prompts for it before reporting the card, as a chip reader does.
 */
export function amountAsksPin(amount: number | null): boolean {
  return amount !== null && (amount % 100 === 2 || amount % 100 === 3);
}

/**
 * Stripe's PIN test cards: their chip asks for a PIN (`offline_pin_cvm`, `online_pin_cvm`) or the issuer
 * does (`offline_pin_sca_retry`, `online_pin_sca_retry`), so the device shows its PIN pad before
 * reporting them, as for the amounts above.
 */
export const pinTestCards: ReadonlySet<string> = new Set([
  '4001007020000002',
  '4000008260000075',
  '4001000360000005',
  '4000002760000008',
]);

/** Whether the device asks for a PIN before reporting this card for this payment. */
export function asksPin(amount: number | null, cardNumber: string): boolean {
  return amountAsksPin(amount) || pinTestCards.has(cardNumber);
}

const cardPurposes = new Set(['payment', 'setup', 'refund']);

function reset(state: DeviceState): DeviceState {
  return {
    ...state,
    card: null,
    tip: null,
    pinDigits: 0,
    pinAttemptsLeft: pinAttempts,
    inputIndex: 0,
    inputValues: [],
    result: null,
    resultAtMs: null,
  };
}

function done(state: DeviceState, outgoing: DeviceEvent[] = [], rejected: string | null = null): StepResult {
  return { state, outgoing, screen: screenOf(state), rejected };
}

/** When a `tick` would change the screen (the result going back to the splash), or null. */
export function idleDueAtMs(state: DeviceState): number | null {
  return state.phase === 'result' && !state.cardInserted && state.resultAtMs !== null
    ? state.resultAtMs + resultIdleMs
    : null;
}

export function step(state: DeviceState, message: DeviceMessage, nowMs: number): StepResult {
  switch (message.kind) {
    case 'connection':
      return done({ ...state, online: message.online });
    case 'tick': {
      const due = idleDueAtMs(state);
      return due !== null && nowMs >= due ? done({ ...reset(state), phase: 'idle', action: null }) : done(state);
    }
    case 'command':
      return command(state, message.command, nowMs);
    case 'input':
      return input(state, message.input);
  }
}

function command(state: DeviceState, cmd: ServerCommand, nowMs: number): StepResult {
  if (cmd.type === 'cancel') return done({ ...reset(state), phase: 'idle', action: null });
  if (cmd.type === 'action') {
    const action = cmd.action;
    // confirm_payment_intent authorizes the card the reader already holds: nothing to ask.
    const phase: DevicePhase =
      action.purpose === 'display'
        ? 'cart'
        : action.purpose === 'inputs'
          ? 'inputs'
          : action.type === 'confirm_payment_intent'
            ? 'processing'
            : 'collect';
    const next: DeviceState = { ...reset(state), action, phase };
    return done(next, action.purpose === 'display' ? [{ type: 'display_shown', action_id: action.id }] : []);
  }
  // action_update
  if (!state.action || state.action.id !== cmd.action_id) return done(state);
  if (cmd.status === 'processing') return done({ ...state, phase: 'processing' });
  const declined = cmd.status === 'failed';
  const canceled = declined && state.result?.outcome === 'canceled';
  const outcome = canceled ? 'canceled' : declined ? 'declined' : 'approved';
  const message = cmd.message ?? (declined ? 'Declined' : state.action.purpose === 'inputs' ? 'Thank you' : 'Approved');
  return done({ ...state, phase: 'result', card: null, result: { outcome, message }, resultAtMs: nowMs });
}

function input(state: DeviceState, touch: DeviceInput): StepResult {
  const action = state.action;
  if (touch.type === 'remove_card') {
    if (!state.cardInserted) return done(state, [], 'No card is inserted.');
    // Taking the card back after the result ends the transaction on the reader: back to the splash.
    const next: DeviceState =
      state.phase === 'result'
        ? { ...reset(state), phase: 'idle', action: null, cardInserted: false }
        : { ...state, cardInserted: false };
    return done(next, [{ type: 'card_removed' }]);
  }
  if (touch.type === 'cancel') {
    if (!action || !action.cancelable || !['collect', 'tip', 'pin'].includes(state.phase)) {
      return done(state, [], 'There is no cancel button on this screen.');
    }
    return done({ ...state, phase: 'processing', card: null, result: { outcome: 'canceled', message: 'Canceled' } }, [
      { type: 'customer_canceled', action_id: action.id },
    ]);
  }
  if (!action) return done(state, [], 'The reader is idle.');
  switch (touch.type) {
    case 'present_card': {
      if (state.phase !== 'collect' || !cardPurposes.has(action.purpose))
        return done(state, [], 'The reader is not waiting for a card.');
      if (!/^\d{12,19}$/.test(touch.number)) return done(state, [], 'Unreadable card number.');
      if (!readMethods.includes(touch.read_method)) return done(state, [], 'Unknown read method.');
      if (touch.wallet !== null && (!wallets.includes(touch.wallet) || touch.read_method !== 'contactless_emv')) {
        return done(state, [], 'Wallets are read contactless only.');
      }
      // An explicit tip (test helpers) always applies; a preset one answers the tip screen when there is one.
      const presetTip =
        'tip_amount' in touch && typeof touch.tip_amount === 'number'
          ? touch.tip_amount
          : action.tipping
            ? (state.presets.tip ?? null)
            : null;
      const next: DeviceState = {
        ...state,
        card: { number: touch.number, read_method: touch.read_method, wallet: touch.wallet },
        cardInserted: touch.read_method === 'contact_emv',
        tip: presetTip,
      };
      return advance(next);
    }
    case 'choose_tip': {
      if (state.phase !== 'tip') return done(state, [], 'The reader is not asking for a tip.');
      if (!Number.isSafeInteger(touch.amount) || touch.amount < 0 || touch.amount > 99_999_999)
        return done(state, [], 'Invalid tip amount.');
      const allowed =
        action.tipping?.custom_allowed ||
        action.tipping?.options.some((o) => o.amount === touch.amount) ||
        touch.amount === 0;
      if (!allowed) return done(state, [], 'That tip is not offered.');
      return advance({ ...state, tip: touch.amount }, [
        { type: 'tip_chosen', action_id: action.id, amount: touch.amount },
      ]);
    }
    case 'enter_pin': {
      if (state.phase !== 'pin') return done(state, [], 'The reader is not asking for a PIN.');
      if (!/^\d{4,12}$/.test(touch.pin)) return done(state, [], 'A PIN has 4 to 12 digits.');
      return report({ ...state, pinDigits: touch.pin.length }, touch.pin);
    }
    case 'submit_input': {
      if (state.phase !== 'inputs' || !action.inputs) return done(state, [], 'The reader is not collecting inputs.');
      if (touch.index !== state.inputIndex) return done(state, [], `Expected input ${state.inputIndex}.`);
      const spec = action.inputs[touch.index]!;
      if (touch.skipped && spec.required) return done(state, [], 'This input is required.');
      if (!touch.skipped) {
        const invalid = checkValue(spec, touch.value);
        if (invalid) return done(state, [], invalid);
      }
      const toggles = touch.toggles ?? spec.toggles?.map((t) => t.default_value) ?? null;
      if (toggles && toggles.length !== (spec.toggles?.length ?? 0)) return done(state, [], 'Wrong number of toggles.');
      const values = [
        ...state.inputValues,
        { index: touch.index, value: touch.skipped ? null : touch.value, toggles, skipped: touch.skipped },
      ];
      if (values.length < action.inputs.length)
        return done({ ...state, inputValues: values, inputIndex: touch.index + 1 });
      return done({ ...state, inputValues: values, inputIndex: values.length, phase: 'processing' }, [
        { type: 'inputs_submitted', action_id: action.id, inputs: values },
      ]);
    }
  }
}

/** After the card (and tip): ask for what is still missing, else report the card. */
function advance(state: DeviceState, outgoing: DeviceEvent[] = []): StepResult {
  const action = state.action!;
  if (state.tip === null && action.tipping && action.purpose === 'payment') {
    return done({ ...state, phase: 'tip' }, outgoing);
  }
  if (asksPin(action.amount, state.card!.number) && action.purpose === 'payment') {
    if (state.presets.pin) return report(state, state.presets.pin, outgoing);
    return done({ ...state, phase: 'pin', pinDigits: 0 }, outgoing);
  }
  return report(state, null, outgoing);
}

function report(state: DeviceState, pin: string | null, outgoing: DeviceEvent[] = []): StepResult {
  const action = state.action!;
  const card = state.card!;
  return done({ ...state, phase: 'processing' }, [
    ...outgoing,
    {
      type: 'card_read',
      action_id: action.id,
      number: card.number,
      read_method: card.read_method,
      wallet: card.wallet,
      tip_amount: state.tip ?? 0,
      pin,
    },
  ]);
}

function checkValue(spec: ScreenInput, value: string | null): string | null {
  if (value === null || value.length === 0) return spec.required ? 'A value is required.' : null;
  if (value.length > 5000) return 'The value is too long.';
  switch (spec.type) {
    case 'email':
      return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value) ? null : 'Invalid email address.';
    case 'numeric':
      return /^\d+$/.test(value) ? null : 'Digits only.';
    case 'phone':
      return /^\+?[\d\s-]{4,20}$/.test(value) ? null : 'Invalid phone number.';
    case 'selection':
      return spec.choices?.some((c) => c.id === value) ? null : 'Not one of the choices.';
    case 'signature':
      return value.startsWith('data:image/') ? null : 'A signature is an image data URL.';
    default:
      return null;
  }
}

/** What the device shows in a state. */
export function screenOf(state: DeviceState): ScreenState {
  if (!state.online) return { screen: 'offline' };
  const action = state.action;
  switch (state.phase) {
    case 'idle':
      return { screen: 'splash', message: null };
    case 'cart':
      return action?.cart ? { screen: 'cart', cart: action.cart } : { screen: 'splash', message: null };
    case 'collect':
      return {
        screen: 'collect',
        amount: action?.amount ?? 0,
        currency: action?.currency ?? 'usd',
        purpose: action?.purpose === 'setup' || action?.purpose === 'refund' ? action.purpose : 'payment',
        cancelable: action?.cancelable ?? false,
        cards: state.cards,
        read_methods: [...readMethods],
        wallets: [...wallets],
      };
    case 'tip':
      return {
        screen: 'tip',
        amount: action?.amount ?? 0,
        currency: action?.currency ?? 'usd',
        options: action?.tipping?.options ?? [],
        custom_allowed: action?.tipping?.custom_allowed ?? false,
        cancelable: action?.cancelable ?? false,
      };
    case 'pin':
      return {
        screen: 'pin',
        amount: (action?.amount ?? 0) + (state.tip ?? 0),
        currency: action?.currency ?? 'usd',
        digits_entered: state.pinDigits,
        attempts_left: state.pinAttemptsLeft,
        cancelable: action?.cancelable ?? false,
      };
    case 'processing':
      return {
        screen: 'processing',
        amount: (action?.amount ?? 0) + (state.tip ?? 0),
        currency: action?.currency ?? 'usd',
      };
    case 'result':
      return {
        screen: 'result',
        outcome: state.result?.outcome ?? 'error',
        message: state.result?.message ?? '',
        amount: action?.amount === null || action?.amount === undefined ? null : action.amount + (state.tip ?? 0),
        currency: action?.currency ?? null,
      };
    case 'inputs':
      return { screen: 'inputs', inputs: action?.inputs ?? [], index: state.inputIndex };
  }
}
