/**
 * The Tap to Pay UI port: what the SDK shows while it is the reader (docs/tap-to-pay-sdk.md). On a
 * phone the SDK takes over the screen during collection; here the host supplies the screens, so
 * the same SDK drives a browser overlay (`DomTapToPayUi`) or a scripted customer in tests and Node
 * (`ScriptedTapToPayUi`). The port only presents and reports: every decision (brand, CVM, PIN
 * environment) is the server's.
 */
import type { PinPadLayout, TapToPayUxConfiguration } from '@opentill/core';

export type TapWallet = 'apple_pay' | 'google_pay' | 'samsung_pay';

export interface TapScreenRequest {
  amount: number;
  currency: string;
  merchantDisplayName: string;
  platform: 'ios' | 'android';
  simulated: boolean;
  /** The validated UX configuration (`setTapToPayUxConfiguration`); the tap screen only. */
  ux: TapToPayUxConfiguration;
  /** Shown above the prompt after a failed read or a refused card ("Try again", "Card not supported"). */
  retryMessage: string | null;
  /**
   * On a simulated reader, the test card number the simulator presents (`setSimulatedCard`), or
   * null for the simulator's default. Absent on a real reader: the customer taps their own card.
   */
  simulatedCard?: string | null;
}

export type TapScreenResult =
  /** A card or NFC wallet was held to the phone. `number` is a test card number. */
  | { kind: 'tapped'; card: { number: string; wallet: TapWallet | null } }
  /** The read failed (card moved away too soon; on the simulated screen: a long press). */
  | { kind: 'read_error' }
  /** The merchant or customer closed the tap screen. */
  | { kind: 'canceled' };

export interface PinPadRequest {
  amount: number;
  currency: string;
  /** Where the pad sits, drawn at random for each entry (core `pinPadLayout`). */
  layout: PinPadLayout;
  /** Why the PIN is asked: over the contactless limit / test amount, or the issuer during confirm. */
  when: 'before_collect' | 'during_confirm';
  /** Shown above the pad after a refused entry (insecure environment fixed, retry). */
  message: string | null;
}

export type PinPadResult =
  | { kind: 'entered'; pin: string }
  | { kind: 'canceled' }
  /** Something tried to capture the screen during PIN entry: the SDK refuses the PIN. */
  | { kind: 'screenshot_attempted' };

export type TapOutcomeScreen = { kind: 'success'; message: string } | { kind: 'error'; message: string };

export interface TapToPayUi {
  /** Full-screen prompt to tap; resolves with what happened. `signal` aborts it (cancel). */
  presentTapScreen(request: TapScreenRequest, signal: AbortSignal): Promise<TapScreenResult>;
  /** The PIN pad (not affected by the UX configuration). */
  presentPinPad(request: PinPadRequest, signal: AbortSignal): Promise<PinPadResult>;
  /** The success / error indication at the end of the read; resolves when control returns to the app. */
  showOutcome(outcome: TapOutcomeScreen, ux: TapToPayUxConfiguration): Promise<void>;
  /** Removes whatever the SDK shows (control back to the app). */
  dismiss(): void;
}
