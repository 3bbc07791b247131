/**
 * A scripted customer for tests and Node: the Tap to Pay UI port without a screen. Each tap
 * screen takes the next scripted tap, each PIN pad the next scripted PIN; everything the SDK
 * showed is recorded so a test can check it (the UX configuration of each tap screen, the PIN pad
 * layouts, the outcomes).
 *
 * With nothing scripted, a simulated reader presents its card at once, like the React Native
 * simulator: the card of `setSimulatedCard` (request.simulatedCard), else Visa 4242. A real reader
 * waits for a customer who never comes (until the screen is canceled).
 */
import type {
  PinPadRequest,
  PinPadResult,
  TapOutcomeScreen,
  TapScreenRequest,
  TapScreenResult,
  TapToPayUi,
  TapWallet,
} from './ui.js';
import { defaultSimulatedCard, type TapToPayUxConfiguration } from '@opentill/core';

export type ScriptedTap =
  | { card: { number: string; wallet?: TapWallet | null } }
  /** The read fails (the card moved away). */
  | 'read_error'
  /** The customer closes the tap screen. */
  | 'cancel'
  /** Nobody taps: the screen stays until the SDK takes it down. */
  | 'never';

/** A PIN (4–12 digits), or what happens instead. */
export type ScriptedPin = string | 'cancel' | 'screenshot' | 'never';

export const simulatorDefaultCard = defaultSimulatedCard.card_present;

export class ScriptedTapToPayUi implements TapToPayUi {
  private readonly taps: ScriptedTap[] = [];
  private readonly pins: ScriptedPin[] = [];
  private defaultPin: string | null = null;
  private readonly watchers = new Set<() => void>();

  /** Every tap screen shown, in order (with its UX configuration). */
  readonly tapScreens: TapScreenRequest[] = [];
  /** Every PIN pad shown, in order (with its layout). */
  readonly pinPads: PinPadRequest[] = [];
  readonly outcomes: Array<{ outcome: TapOutcomeScreen; ux: TapToPayUxConfiguration }> = [];
  /** Screens taken down because the SDK aborted them (cancel), by kind. */
  readonly aborted: Array<'tap' | 'pin'> = [];
  dismissals = 0;

  /** Queues what the next tap screens get. */
  tap(...taps: ScriptedTap[]): this {
    this.taps.push(...taps);
    return this;
  }

  /** Shorthand: queue a tapped card (optionally in an NFC wallet). */
  tapCard(number: string, wallet: TapWallet | null = null): this {
    return this.tap({ card: { number, wallet } });
  }

  /** Queues what the next PIN pads get. */
  pin(...pins: ScriptedPin[]): this {
    this.pins.push(...pins);
    return this;
  }

  /** The PIN typed when none is queued (default: none, the pad waits until canceled). */
  setSimulatedPin(pin: string | null): this {
    this.defaultPin = pin;
    return this;
  }

  /** Scripted taps and PINs not used yet. */
  get pending(): { taps: number; pins: number } {
    return { taps: this.taps.length, pins: this.pins.length };
  }

  /** Resolves once `count` tap screens have been shown (default: the next one). */
  tapScreenShown(count = this.tapScreens.length + 1): Promise<TapScreenRequest> {
    return this.until(() => this.tapScreens[count - 1]);
  }

  /** Resolves once `count` PIN pads have been shown (default: the next one). */
  pinPadShown(count = this.pinPads.length + 1): Promise<PinPadRequest> {
    return this.until(() => this.pinPads[count - 1]);
  }

  async presentTapScreen(request: TapScreenRequest, signal: AbortSignal): Promise<TapScreenResult> {
    this.record(() => this.tapScreens.push(structuredClone(request)));
    const next =
      this.taps.shift() ??
      (request.simulated ? { card: { number: request.simulatedCard ?? simulatorDefaultCard } } : 'never');
    if (next === 'read_error') return { kind: 'read_error' };
    if (next === 'cancel') return { kind: 'canceled' };
    if (next === 'never') return this.untilAborted(signal, 'tap', { kind: 'canceled' });
    return { kind: 'tapped', card: { number: next.card.number, wallet: next.card.wallet ?? null } };
  }

  async presentPinPad(request: PinPadRequest, signal: AbortSignal): Promise<PinPadResult> {
    this.record(() => this.pinPads.push(structuredClone(request)));
    const next = this.pins.shift() ?? this.defaultPin ?? 'never';
    if (next === 'cancel') return { kind: 'canceled' };
    if (next === 'screenshot') return { kind: 'screenshot_attempted' };
    if (next === 'never') return this.untilAborted(signal, 'pin', { kind: 'canceled' });
    return { kind: 'entered', pin: next };
  }

  async showOutcome(outcome: TapOutcomeScreen, ux: TapToPayUxConfiguration): Promise<void> {
    this.record(() => this.outcomes.push({ outcome, ux: structuredClone(ux) }));
  }

  dismiss(): void {
    this.record(() => {
      this.dismissals += 1;
    });
  }

  private untilAborted<T>(signal: AbortSignal, kind: 'tap' | 'pin', result: T): Promise<T> {
    return new Promise((resolve) => {
      const done = () => {
        this.record(() => this.aborted.push(kind));
        resolve(result);
      };
      if (signal.aborted) done();
      else signal.addEventListener('abort', done, { once: true });
    });
  }

  private record(change: () => void): void {
    change();
    for (const watcher of [...this.watchers]) watcher();
  }

  private until<T>(pick: () => T | undefined): Promise<T> {
    return new Promise((resolve) => {
      const check = () => {
        const picked = pick();
        if (picked === undefined) return;
        this.watchers.delete(check);
        resolve(picked);
      };
      this.watchers.add(check);
      check();
    });
  }
}
