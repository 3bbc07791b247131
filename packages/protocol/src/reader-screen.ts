/*
 * NOTE for the screen UI (server side implemented in packages/gateway/src/screen.ts; additions only,
 * nothing above changed meaning):
 *  - the screen_sessions answer is `{ object: 'opentill.screen_session', id, reader, token, url,
 *    websocket_url, expires_at }`; `url` is `<origin>/opentill/screen/<readerId>?token=<token>`,
 *    `websocket_url` the ready-made `ws(s)://…/opentill/v1/screen/connect?token=…`;
 *  - the token must be used to connect within 10 minutes (expires_at); an open channel stays open;
 *    an invalid or expired token gets HTTP 401 on the upgrade (no WebSocket);
 *  - a gateway reader whose device is not connected shows `{ screen: 'offline' }`;
 *  - viewer messages are limited to 64 KiB and 50/s (burst 100): beyond that the channel is closed
 *    (1009 / 1008); a malformed message gets `input_rejected`, and so does an input the device refuses
 *    on a simulated reader (a gateway device just keeps showing its current screen).
 */
/**
 * The virtual reader screen contract: what a reader device shows (ScreenState) and what the person
 * in front of it does (CustomerInput). Isomorphic (no Node APIs): the device logic publishes
 * ScreenState, the server relays it to every screen viewer of that reader, and viewers send
 * CustomerInput back to the device, whether the device runs in-process (simulated readers) or
 * across the WebSocket gateway (external devices, `opentill reader`).
 *
 * Screen channel (WebSocket, JSON text frames), after `POST /opentill/v1/terminal/readers/:id/screen_sessions`
 * (secret key) returned `{ url, token }`:
 *   GET /opentill/v1/screen/connect?token=…  (upgrade)
 *   server → viewer: { type: 'screen', reader: ScreenReader, state: ScreenState, seq: number }
 *   viewer → server: { type: 'input', input: CustomerInput }
 *   server → viewer: { type: 'input_rejected', reason: string }   (input not valid for the current screen)
 */

export interface ScreenReader {
  id: string;
  label: string;
  device_type: string;
  status: 'online' | 'offline' | null;
  /** The screen's language, from the reader's location (`screenLanguageFor`); a page's `?lang=` overrides it. */
  language: ScreenLanguage;
  /** The location's country (ISO 3166-1 alpha-2), for money formats and the tax label; null without a location. */
  country: string | null;
}

/** Languages the virtual screen is written in (checked translations only; English otherwise). */
export const screenLanguages = ['en', 'fr', 'de', 'es', 'it', 'nl'] as const;
export type ScreenLanguage = (typeof screenLanguages)[number];

/**
 * The language a reader in this country (and state/province) shows: the country's main language
 * where the screen has it, English otherwise (docs/decisions.md "Reader screen language"). Countries
 * with several: Canada is English except Quebec (French); Belgium French, Switzerland German (a page
 * can ask for another with `?lang=`).
 */
export function screenLanguageFor(country: string | null | undefined, state?: string | null): ScreenLanguage {
  switch ((country ?? '').toUpperCase()) {
    case 'FR':
    case 'BE':
    case 'LU':
    case 'MC':
      return 'fr';
    case 'CA':
      return (state ?? '').toUpperCase() === 'QC' ? 'fr' : 'en';
    case 'DE':
    case 'AT':
    case 'CH':
    case 'LI':
      return 'de';
    case 'ES':
      return 'es';
    case 'IT':
      return 'it';
    case 'NL':
      return 'nl';
    default:
      return 'en';
  }
}

export function isScreenLanguage(value: unknown): value is ScreenLanguage {
  return typeof value === 'string' && (screenLanguages as readonly string[]).includes(value);
}

export interface ScreenCart {
  currency: string;
  line_items: Array<{ amount: number; description: string; quantity: number }>;
  tax: number | null;
  total: number;
}

/** A card the picker offers: Stripe's test cards, by name (`visa`, `charge_declined_insufficient_funds` …). */
export interface ScreenCardOption {
  number: string;
  name: string;
  label: string;
  brand: string;
}

export type ScreenReadMethod = 'contactless_emv' | 'contact_emv' | 'magnetic_stripe_track2';

export interface ScreenTipOption {
  label: string;
  amount: number;
}

export interface ScreenInput {
  type: 'email' | 'numeric' | 'phone' | 'selection' | 'signature' | 'text';
  title: string;
  description: string | null;
  required: boolean;
  choices?: Array<{ id: string; text: string; style: 'primary' | 'secondary' }>;
  toggles?: Array<{ title: string | null; description: string | null; default_value: 'enabled' | 'disabled' }>;
  skip_button: string | null;
  submit_button: string | null;
}

export type ScreenState =
  /** Idle: splash with the reader's label. */
  | { screen: 'splash'; message: string | null }
  /** `set_reader_display`: the cart, until the next action or cancel_action. */
  | { screen: 'cart'; cart: ScreenCart }
  /** Waiting for a card: amount, "tap, insert or swipe", the card picker, cancel when enabled. */
  | {
      screen: 'collect';
      amount: number;
      currency: string;
      purpose: 'payment' | 'setup' | 'refund';
      cancelable: boolean;
      cards: ScreenCardOption[];
      read_methods: ScreenReadMethod[];
      wallets: Array<'apple_pay' | 'google_pay' | 'samsung_pay'>;
    }
  /** On-reader tipping, from the Configuration's tipping settings. */
  | {
      screen: 'tip';
      amount: number;
      currency: string;
      options: ScreenTipOption[];
      custom_allowed: boolean;
      cancelable: boolean;
    }
  /** PIN pad: the card asked for a PIN. */
  | {
      screen: 'pin';
      amount: number;
      currency: string;
      digits_entered: number;
      attempts_left: number;
      cancelable: boolean;
    }
  | { screen: 'processing'; amount: number; currency: string }
  | {
      screen: 'result';
      outcome: 'approved' | 'declined' | 'canceled' | 'error';
      message: string;
      amount: number | null;
      currency: string | null;
    }
  /** `collect_inputs`: one form per input, in order. */
  | { screen: 'inputs'; inputs: ScreenInput[]; index: number }
  | { screen: 'offline' };

export type CustomerInput =
  | {
      type: 'present_card';
      number: string;
      read_method: ScreenReadMethod;
      wallet: 'apple_pay' | 'google_pay' | 'samsung_pay' | null;
    }
  | { type: 'choose_tip'; amount: number }
  | { type: 'enter_pin'; pin: string }
  | { type: 'cancel' }
  | { type: 'remove_card' }
  | {
      type: 'submit_input';
      index: number;
      /** The value collected for inputs[index] (text/email/phone/numeric: the string; selection: the choice id; signature: a data URL). */
      value: string | null;
      toggles?: Array<'enabled' | 'disabled'>;
      skipped: boolean;
    };

export type ScreenServerMessage =
  | { type: 'screen'; reader: ScreenReader; state: ScreenState; seq: number }
  | { type: 'input_rejected'; reason: string };

export type ScreenViewerMessage = { type: 'input'; input: CustomerInput };
