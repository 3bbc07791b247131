/**
 * `DomTapToPayUi`: the Tap to Pay UI port (ui.ts) drawn with plain DOM, for browser apps.
 *
 * On a phone the SDK takes over the screen while it reads a card (docs/tap-to-pay-sdk.md, "Tap screen, PIN pad, React adapter and the phone POS"): a full-screen
 * prompt with the tap-zone indicator, a retry prompt after a failed read, the PIN pad, then a
 * success or error indication before control returns to the app. This adapter draws the same
 * screens as one fixed overlay appended to `root`. Because the reader is simulated, the tap screen
 * also carries the simulator's controls: which test card (and NFC wallet) the "customer" holds.
 * Like Stripe's simulated Android screen, tapping the zone reads the card and a long press (≥ 600 ms)
 * is a failed read.
 *
 * Only the tap screen and the outcome follow the UX configuration; the PIN pad keeps a fixed
 * neutral theme (the seed: the configuration "never affects the PIN screen").
 *
 * Every text is set with `textContent`: the merchant name and messages come from the server and
 * the app, never markup. Stable `data-testid` attributes are part of the contract for tests.
 */
import { minorUnitDigits, type TapToPayUxConfiguration } from '@opentill/core';
import type {
  PinPadRequest,
  PinPadResult,
  TapOutcomeScreen,
  TapScreenRequest,
  TapScreenResult,
  TapToPayUi,
  TapWallet,
} from './ui.js';

export interface DomTestCard {
  /** Test card number sent as the tapped card. */
  number: string;
  /** What the merchant sees in the card picker. */
  label: string;
}

/** The test cards offered on the simulated tap screen (numbers: processor-simulated's card table). */
export const domTestCards: readonly DomTestCard[] = Object.freeze(
  [
    { number: '4242424242424242', label: 'Visa' },
    { number: '5555555555554444', label: 'Mastercard' },
    { number: '378282246310005', label: 'American Express' },
    { number: '6011111111111117', label: 'Discover' },
    { number: '4506445006931933', label: 'Interac (CA)' },
    { number: '6280000360000978', label: 'eftpos Australia (AU)' },
    { number: '3566002020360505', label: 'JCB (not accepted)' },
    { number: '4000002760000008', label: 'Online PIN, SCA retry' },
    { number: '4000008260000075', label: 'Offline PIN, SCA retry' },
    { number: '4001007020000002', label: 'Offline PIN only' },
    { number: '4000000000000002', label: 'Charge declined' },
    { number: '4000000000009995', label: 'Insufficient funds' },
  ].map((card) => Object.freeze(card)),
);

const wallets: readonly { value: TapWallet | null; label: string }[] = [
  { value: null, label: 'Physical card' },
  { value: 'apple_pay', label: 'Apple Pay' },
  { value: 'google_pay', label: 'Google Pay' },
  { value: 'samsung_pay', label: 'Samsung Pay' },
];

export interface DomTapToPayUiOptions {
  /** How long the success / error indication stays up before control returns (ms). Default 600; 0 in tests. */
  outcomeMs?: number;
  /** A pointer held this long on the tap zone is a failed read (ms). Default 600. */
  longPressMs?: number;
  /** Locale for amounts (default: the browser's). */
  locale?: string;
  /** The cards offered by the simulator controls (default `domTestCards`). */
  testCards?: readonly DomTestCard[];
  /** Show the simulator controls on the PIN pad ("simulate screenshot"). Default true. */
  pinSimulatorControls?: boolean;
}

/** SDK default colours, used where the UX configuration leaves a colour null. */
export const defaultTapToPayColors = Object.freeze({ primary: '#FF635BFF', success: '#FF1EA672', error: '#FFDF1B41' });

/** `#AARRGGBB` (Android's order, as the UX configuration normalises it) or `#RRGGBB` → CSS `rgba()`. */
export function argbToCss(hex: string): string {
  const m = /^#([0-9a-f]{6}|[0-9a-f]{8})$/i.exec(hex.trim());
  if (!m || m[1] === undefined) throw new RangeError(`not a hex colour: ${hex}`);
  const digits = m[1].length === 6 ? `FF${m[1]}` : m[1];
  const byte = (i: number) => parseInt(digits.slice(i, i + 2), 16);
  const alpha = Math.round((byte(0) / 255) * 1000) / 1000;
  return `rgba(${byte(2)}, ${byte(4)}, ${byte(6)}, ${alpha})`;
}

/** Minor units → "€75.00" in the given locale. */
export function formatTapAmount(amount: number, currency: string, locale?: string): string {
  const digits = minorUnitDigits(currency);
  const major = amount / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() }).format(major);
  } catch {
    // An ISO code Intl does not know: still show something readable.
    return `${major.toFixed(digits)} ${currency.toUpperCase()}`;
  }
}

/** Where the tap-zone indicator sits, as CSS for the absolutely positioned zone inside the stage. */
export function tapZonePlacement(zone: TapToPayUxConfiguration['tapZone']): {
  left: string;
  top: string;
  transform: string;
} {
  // A bias is a fraction of the free space (Android layout bias): left = bias × (W − w). With
  // `left: b%` and `translate(-b%)` the browser computes exactly that without measuring anything.
  const at = (x: number, y: number) => ({
    left: `${round(x * 100)}%`,
    top: `${round(y * 100)}%`,
    transform: `translate(${round(-x * 100)}%, ${round(-y * 100)}%)`,
  });
  switch (zone.indicator) {
    case 'default':
      return at(0.5, 0.08);
    case 'above':
      return at(zone.bias ?? 0.5, 0);
    case 'below':
      return at(zone.bias ?? 0.5, 1);
    case 'left':
      return at(0, zone.bias ?? 0.5);
    case 'right':
      return at(1, zone.bias ?? 0.5);
    case 'front':
    case 'behind':
      return at(zone.xBias ?? 0.5, zone.yBias ?? 0.5);
  }
}

/** Where the amount and prompt go: the middle, or the half the tap zone leaves free when it sits on the screen. */
function infoPlacement(zone: TapToPayUxConfiguration['tapZone']): { top: string; transform: string } {
  let y = 0.5;
  if (zone.indicator === 'front' || zone.indicator === 'behind') y = (zone.yBias ?? 0.5) < 0.5 ? 0.8 : 0.2;
  if ((zone.indicator === 'left' || zone.indicator === 'right') && Math.abs((zone.bias ?? 0.5) - 0.5) < 0.3) {
    y = (zone.bias ?? 0.5) < 0.5 ? 0.8 : 0.2;
  }
  return { top: `${y * 100}%`, transform: `translateY(${-y * 100}%)` };
}

const round = (v: number) => Math.round(v * 100) / 100;

type Theme = 'light' | 'dark';
/** Whatever the host's `setTimeout` returns (a number in browsers). */
type Timer = ReturnType<typeof setTimeout>;

/** The tap screen, the PIN pad and the outcome as one full-screen overlay (see the file comment). */
export class DomTapToPayUi implements TapToPayUi {
  readonly #root: HTMLElement;
  readonly #doc: Document;
  readonly #outcomeMs: number;
  readonly #longPressMs: number;
  readonly #locale: string | undefined;
  readonly #cards: readonly DomTestCard[];
  readonly #pinSimulatorControls: boolean;
  #overlay: HTMLElement | null = null;
  /** Undoes the listeners of the screen currently shown (document-level keys, timers). */
  #cleanup: (() => void) | null = null;
  // The simulator's picks survive between screens: a retry keeps the card the merchant chose.
  #cardNumber: string;
  #wallet: TapWallet | null = null;
  /** The last `simulatedCard` the SDK passed (the app's `setSimulatedCard`). */
  #appCard: string | null = null;

  constructor(root: HTMLElement, options: DomTapToPayUiOptions = {}) {
    this.#root = root;
    this.#doc = root.ownerDocument;
    this.#outcomeMs = options.outcomeMs ?? 600;
    this.#longPressMs = options.longPressMs ?? 600;
    this.#locale = options.locale;
    this.#cards = options.testCards && options.testCards.length > 0 ? options.testCards : domTestCards;
    this.#pinSimulatorControls = options.pinSimulatorControls ?? true;
    this.#cardNumber = (this.#cards[0] as DomTestCard).number;
  }

  /** The card the simulator controls will tap next (also settable by the app, e.g. from a test). */
  setSimulatedCard(number: string, wallet: TapWallet | null = null): void {
    this.#cardNumber = number;
    this.#wallet = wallet;
  }

  presentTapScreen(request: TapScreenRequest, signal: AbortSignal): Promise<TapScreenResult> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        this.dismiss();
        resolve({ kind: 'canceled' });
        return;
      }
      // The app's `setSimulatedCard` choice wins when it changes; otherwise the merchant's last pick stays.
      const appCard = request.simulatedCard ?? null;
      if (appCard !== null && appCard !== this.#appCard) this.#cardNumber = appCard;
      this.#appCard = appCard;
      const overlay = this.#show('tap', request.ux);
      let settled = false;
      let pressTimer: Timer | undefined;
      const finish = (result: TapScreenResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(pressTimer);
        signal.removeEventListener('abort', onAbort);
        this.#doc.removeEventListener('keydown', onKey);
        if (result.kind === 'canceled') this.dismiss();
        else {
          // The SDK now talks to the server; keep the screen up (no flash of the app) until its next call.
          overlay.dataset['state'] = result.kind === 'tapped' ? 'processing' : 'read_error';
          prompt.textContent = result.kind === 'tapped' ? 'Processing…' : 'Card not read';
          overlay.querySelectorAll<HTMLButtonElement | HTMLSelectElement>('button, select').forEach((control) => {
            control.disabled = true;
          });
        }
        resolve(result);
      };
      const onAbort = () => finish({ kind: 'canceled' });
      const onKey = (event: KeyboardEvent) => {
        if (event.key === 'Escape') finish({ kind: 'canceled' });
      };
      signal.addEventListener('abort', onAbort);
      this.#doc.addEventListener('keydown', onKey);
      this.#cleanup = () => finish({ kind: 'canceled' });

      const tap = () => finish({ kind: 'tapped', card: { number: this.#cardNumber, wallet: this.#wallet } });
      overlay.append(this.#topBar('Tap to Pay', () => finish({ kind: 'canceled' }), 'ttp-cancel'));

      const stage = el(this.#doc, 'div', 'ttp-stage');
      const info = el(this.#doc, 'div', 'ttp-info');
      info.append(
        el(this.#doc, 'div', 'ttp-merchant', request.merchantDisplayName, 'ttp-merchant'),
        el(
          this.#doc,
          'div',
          'ttp-amount',
          formatTapAmount(request.amount, request.currency, this.#locale),
          'ttp-amount',
        ),
      );
      if (request.retryMessage)
        info.append(el(this.#doc, 'div', 'ttp-retry', request.retryMessage, 'ttp-retry-message'));
      const prompt = el(this.#doc, 'div', 'ttp-prompt', 'Hold card here', 'ttp-prompt');
      info.append(prompt);
      Object.assign(info.style, infoPlacement(request.ux.tapZone));
      stage.append(
        info,
        this.#tapZone(
          request.ux.tapZone,
          tap,
          () => finish({ kind: 'read_error' }),
          (t) => {
            pressTimer = t;
          },
        ),
      );
      overlay.append(stage);
      // A browser has no NFC: even for a "real" reader, the card the customer holds is picked here.
      overlay.append(this.#simulatorPanel(tap, request.simulated));
      // Focus moves into the dialog (screen readers, keys) without a focus ring on the zone.
      overlay.focus({ preventScroll: true });
    });
  }

  presentPinPad(request: PinPadRequest, signal: AbortSignal): Promise<PinPadResult> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        this.dismiss();
        resolve({ kind: 'canceled' });
        return;
      }
      // No UX configuration here on purpose: the PIN screen has its own fixed theme.
      const overlay = this.#show('pin', null);
      let digits = '';
      let settled = false;
      const finish = (result: PinPadResult) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        this.#doc.removeEventListener('keydown', onKey);
        if (result.kind === 'canceled') this.dismiss();
        else {
          overlay.dataset['state'] = 'processing';
          overlay.querySelectorAll('button').forEach((button) => {
            button.disabled = true;
          });
        }
        resolve(result);
      };
      const onAbort = () => finish({ kind: 'canceled' });
      signal.addEventListener('abort', onAbort);
      this.#cleanup = () => finish({ kind: 'canceled' });

      const pad = el(this.#doc, 'div', 'ttp-pin-pad', null, 'ttp-pin-pad');
      pad.setAttribute('role', 'group');
      pad.setAttribute('aria-label', 'PIN pad');
      pad.tabIndex = -1;
      const { xBias, yBias } = request.layout.position;
      Object.assign(pad.style, tapZonePlacement({ indicator: 'front', xBias, yBias }));
      pad.dataset['xBias'] = String(xBias);
      pad.dataset['yBias'] = String(yBias);

      const dots = el(this.#doc, 'div', 'ttp-pin-dots', null, 'ttp-pin-dots');
      dots.setAttribute('aria-live', 'polite');
      const ok = this.#button('OK', 'ttp-pin-ok ttp-key-ok', 'ttp-pin-ok', () => {
        if (digits.length >= 4) finish({ kind: 'entered', pin: digits });
      });
      const render = () => {
        dots.textContent = '';
        dots.dataset['length'] = String(digits.length);
        dots.setAttribute('aria-label', `${digits.length} digits entered`);
        for (let i = 0; i < Math.max(4, digits.length); i++)
          dots.append(el(this.#doc, 'span', i < digits.length ? 'ttp-dot ttp-dot-on' : 'ttp-dot'));
        ok.disabled = digits.length < 4;
      };
      const press = (digit: number) => {
        if (digits.length < 12) digits += String(digit);
        render();
      };
      const clear = () => {
        digits = digits.slice(0, -1);
        render();
      };
      const onKey = (event: KeyboardEvent) => {
        if (/^[0-9]$/.test(event.key)) press(Number(event.key));
        else if (event.key === 'Backspace') clear();
        else if (event.key === 'Enter') ok.click();
        else if (event.key === 'Escape') finish({ kind: 'canceled' });
        else return;
        event.preventDefault();
      };
      this.#doc.addEventListener('keydown', onKey);

      const header = el(this.#doc, 'div', 'ttp-pin-header');
      header.append(
        el(this.#doc, 'div', 'ttp-pin-title', 'Enter PIN', 'ttp-pin-title'),
        el(
          this.#doc,
          'div',
          'ttp-pin-amount',
          formatTapAmount(request.amount, request.currency, this.#locale),
          'ttp-pin-amount',
        ),
      );
      pad.append(header);
      if (request.message) pad.append(el(this.#doc, 'div', 'ttp-pin-message', request.message, 'ttp-pin-message'));
      pad.append(dots);
      const keys = el(this.#doc, 'div', 'ttp-pin-keys');
      const rows = request.layout.rows;
      rows.forEach((row, index) => {
        const line = el(this.#doc, 'div', 'ttp-pin-row');
        const last = index === rows.length - 1;
        // The last row (the lone digit) is framed by clear and OK, as on card readers.
        if (last) line.append(this.#button('⌫', 'ttp-key ttp-key-clear', 'ttp-pin-clear', clear, 'Delete last digit'));
        for (const digit of row)
          line.append(this.#button(String(digit), 'ttp-key', `ttp-pin-key-${digit}`, () => press(digit)));
        if (last) line.append(ok);
        keys.append(line);
      });
      pad.append(
        keys,
        this.#button('Cancel', 'ttp-pin-cancel', 'ttp-pin-cancel', () => finish({ kind: 'canceled' })),
      );
      if (this.#pinSimulatorControls) {
        pad.append(
          this.#button('Simulate screenshot', 'ttp-pin-screenshot', 'ttp-pin-screenshot', () =>
            finish({ kind: 'screenshot_attempted' }),
          ),
        );
      }
      // The pad moves within an area inset from the screen edges, so it never touches them.
      const area = el(this.#doc, 'div', 'ttp-pin-area');
      area.append(pad);
      overlay.append(area);
      render();
      pad.focus({ preventScroll: true });
    });
  }

  showOutcome(outcome: TapOutcomeScreen, ux: TapToPayUxConfiguration): Promise<void> {
    const overlay = this.#show('outcome', ux);
    const box = el(this.#doc, 'div', `ttp-outcome ttp-outcome-${outcome.kind}`, null, 'ttp-outcome');
    box.dataset['kind'] = outcome.kind;
    box.setAttribute('role', outcome.kind === 'error' ? 'alert' : 'status');
    box.append(
      el(this.#doc, 'div', 'ttp-outcome-icon', outcome.kind === 'success' ? '✓' : '!'),
      el(this.#doc, 'div', 'ttp-outcome-message', outcome.message, 'ttp-outcome-message'),
    );
    overlay.append(box);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        // Only take down the overlay if nothing else replaced the outcome meanwhile.
        if (this.#overlay === overlay) this.dismiss();
        resolve();
      };
      const timer = setTimeout(done, this.#outcomeMs);
      this.#cleanup = done;
    });
  }

  dismiss(): void {
    const cleanup = this.#cleanup;
    this.#cleanup = null;
    cleanup?.();
    this.#overlay?.remove();
    this.#overlay = null;
  }

  /** Replaces what the overlay shows (creating it the first time); `ux` null = the neutral PIN theme. */
  #show(screen: 'tap' | 'pin' | 'outcome', ux: TapToPayUxConfiguration | null): HTMLElement {
    // A screen still waiting (e.g. an outcome timer) is settled before the next one replaces it.
    const cleanup = this.#cleanup;
    this.#cleanup = null;
    cleanup?.();
    installStyles(this.#doc);
    let overlay = this.#overlay;
    if (!overlay || !overlay.isConnected) {
      overlay = el(this.#doc, 'div', 'ttp-overlay');
      overlay.setAttribute('role', 'dialog');
      overlay.setAttribute('aria-modal', 'true');
      overlay.tabIndex = -1;
      this.#root.append(overlay);
      this.#overlay = overlay;
    }
    overlay.textContent = '';
    overlay.dataset['testid'] =
      screen === 'pin' ? 'ttp-pin-screen' : screen === 'tap' ? 'ttp-tap-screen' : 'ttp-outcome-screen';
    overlay.dataset['screen'] = screen;
    overlay.dataset['state'] = 'waiting';
    overlay.setAttribute('aria-label', screen === 'pin' ? 'Enter PIN' : 'Tap to Pay');
    for (const name of ['--ttp-primary', '--ttp-success', '--ttp-error']) overlay.style.removeProperty(name);
    if (ux === null) {
      overlay.dataset['theme'] = 'pin';
      delete overlay.dataset['colorScheme'];
      return overlay;
    }
    overlay.dataset['theme'] = ux.darkMode;
    overlay.dataset['colorScheme'] = this.#scheme(ux.darkMode);
    const colors = { ...defaultTapToPayColors, ...definedColors(ux.colors) };
    overlay.style.setProperty('--ttp-primary', argbToCss(colors.primary));
    overlay.style.setProperty('--ttp-success', argbToCss(colors.success));
    overlay.style.setProperty('--ttp-error', argbToCss(colors.error));
    return overlay;
  }

  /** The scheme `system` resolves to now (for tests and screenshots; the CSS follows changes live). */
  #scheme(mode: TapToPayUxConfiguration['darkMode']): Theme {
    if (mode !== 'system') return mode;
    const view = this.#doc.defaultView;
    return view?.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }

  #topBar(title: string, onClose: () => void, closeTestId: string): HTMLElement {
    const bar = el(this.#doc, 'div', 'ttp-top');
    bar.append(
      this.#button('×', 'ttp-close', closeTestId, onClose, 'Cancel'),
      el(this.#doc, 'div', 'ttp-title', title),
    );
    return bar;
  }

  #tapZone(
    zone: TapToPayUxConfiguration['tapZone'],
    onTap: () => void,
    onLongPress: () => void,
    setTimer: (timer: Timer | undefined) => void,
  ): HTMLElement {
    const button = this.#button(
      '',
      `ttp-zone ttp-zone-${zone.indicator}`,
      'ttp-tap-zone',
      () => {
        if (!longPressed) onTap();
      },
      zone.indicator === 'behind' ? 'Hold card to the back of the phone' : 'Hold card here',
    );
    button.dataset['indicator'] = zone.indicator;
    Object.assign(button.style, tapZonePlacement(zone));
    // The contactless symbol; "behind" is an outline: the antenna is on the back of the phone.
    const mark = el(this.#doc, 'span', 'ttp-zone-mark');
    for (let i = 0; i < 3; i++) mark.append(el(this.#doc, 'span', 'ttp-wave'));
    button.append(mark);
    if (zone.indicator === 'behind') button.append(el(this.#doc, 'span', 'ttp-zone-label', 'Back of the phone'));
    if (['above', 'below', 'left', 'right'].includes(zone.indicator))
      button.append(el(this.#doc, 'span', 'ttp-zone-arrow'));
    let longPressed = false;
    let timer: Timer | undefined;
    const stop = () => {
      clearTimeout(timer);
      timer = undefined;
      setTimer(undefined);
    };
    button.addEventListener('pointerdown', () => {
      longPressed = false;
      stop();
      timer = setTimeout(() => {
        longPressed = true;
        onLongPress();
      }, this.#longPressMs);
      setTimer(timer);
    });
    for (const type of ['pointerup', 'pointercancel', 'pointerleave'] as const) button.addEventListener(type, stop);
    // A long press on touch screens would open the context menu instead of the failed read.
    button.addEventListener('contextmenu', (event) => event.preventDefault());
    return button;
  }

  #simulatorPanel(onTap: () => void, simulated: boolean): HTMLElement {
    const panel = el(this.#doc, 'div', 'ttp-sim', null, 'ttp-simulator');
    panel.append(
      el(
        this.#doc,
        'div',
        'ttp-sim-title',
        `${simulated ? 'Simulated reader' : 'Test card held by the customer'}: tap = read, long press = failed read`,
      ),
    );
    const cardSelect = this.#select(
      'ttp-card-select',
      'Test card',
      this.#cards.map((c) => ({ value: c.number, label: `${c.label} •••• ${c.number.slice(-4)}` })),
      this.#cardNumber,
      (value) => {
        this.#cardNumber = value;
      },
    );
    const walletSelect = this.#select(
      'ttp-wallet-select',
      'Wallet',
      wallets.map((w) => ({ value: w.value ?? '', label: w.label })),
      this.#wallet ?? '',
      (value) => {
        this.#wallet = value === '' ? null : (value as TapWallet);
      },
    );
    const row = el(this.#doc, 'div', 'ttp-sim-row');
    row.append(cardSelect, walletSelect);
    panel.append(row, this.#button('Tap card', 'ttp-sim-tap', 'ttp-tap-button', onTap));
    return panel;
  }

  #select(
    testId: string,
    label: string,
    options: { value: string; label: string }[],
    selected: string,
    onChange: (value: string) => void,
  ): HTMLElement {
    const wrapper = el(this.#doc, 'label', 'ttp-sim-field');
    wrapper.append(el(this.#doc, 'span', 'ttp-sim-label', label));
    const select = this.#doc.createElement('select');
    select.dataset['testid'] = testId;
    // A number typed elsewhere (setSimulatedCard) that is not in the list still shows as chosen.
    if (!options.some((o) => o.value === selected)) options = [{ value: selected, label: selected }, ...options];
    for (const o of options) {
      const option = this.#doc.createElement('option');
      option.value = o.value;
      option.textContent = o.label;
      option.selected = o.value === selected;
      select.append(option);
    }
    select.addEventListener('change', () => onChange(select.value));
    wrapper.append(select);
    return wrapper;
  }

  #button(text: string, className: string, testId: string, onClick: () => void, ariaLabel?: string): HTMLButtonElement {
    const button = el(this.#doc, 'button', className, text, testId);
    button.type = 'button';
    if (ariaLabel) button.setAttribute('aria-label', ariaLabel);
    button.addEventListener('click', (event) => {
      event.preventDefault();
      onClick();
    });
    return button;
  }
}

function definedColors(
  colors: TapToPayUxConfiguration['colors'],
): Partial<Record<'primary' | 'success' | 'error', string>> {
  const out: Partial<Record<'primary' | 'success' | 'error', string>> = {};
  if (colors.primary) out.primary = colors.primary;
  if (colors.success) out.success = colors.success;
  if (colors.error) out.error = colors.error;
  return out;
}

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className: string,
  text?: string | null,
  testId?: string,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  if (testId) node.dataset['testid'] = testId;
  return node;
}

const styleId = 'opentill-ttp-styles';

function installStyles(doc: Document): void {
  if (doc.getElementById(styleId)) return;
  const style = doc.createElement('style');
  style.id = styleId;
  style.textContent = styles;
  (doc.head ?? doc.documentElement).append(style);
}

// The tap screen's theme follows the UX configuration (colours through CSS variables, dark mode
// through data-theme); `[data-theme="pin"]` is the PIN pad's fixed neutral theme.
const dark =
  '--ttp-bg: #10131a; --ttp-fg: #f5f7fa; --ttp-muted: #a3acb9; --ttp-surface: #1c212b; --ttp-border: #333a47;';
const styles = `
.ttp-overlay { position: fixed; inset: 0; z-index: 2147483000; display: flex; flex-direction: column;
  --ttp-bg: #ffffff; --ttp-fg: #1a1f36; --ttp-muted: #697386; --ttp-surface: #f6f8fa; --ttp-border: #e3e8ee;
  background: var(--ttp-bg); color: var(--ttp-fg); font: 16px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  -webkit-user-select: none; user-select: none; -webkit-tap-highlight-color: transparent; overflow: hidden; }
.ttp-overlay[data-theme="dark"] { ${dark} }
@media (prefers-color-scheme: dark) { .ttp-overlay[data-theme="system"] { ${dark} } }
.ttp-overlay button { font: inherit; cursor: pointer; }
.ttp-overlay:focus { outline: none; }
.ttp-overlay button:disabled { cursor: default; opacity: .6; }
.ttp-top { display: flex; align-items: center; gap: 8px; padding: 10px 12px; }
.ttp-close { width: 40px; height: 40px; border-radius: 20px; border: 0; background: var(--ttp-surface); color: var(--ttp-fg);
  font-size: 24px; line-height: 1; }
.ttp-title { font-weight: 600; color: var(--ttp-muted); font-size: 14px; }
.ttp-stage { position: relative; flex: 1; min-height: 0; margin: 0 12px; }
.ttp-info { position: absolute; left: 0; right: 0; text-align: center; pointer-events: none; }
.ttp-merchant { color: var(--ttp-muted); font-size: 16px; }
.ttp-amount { font-size: 40px; font-weight: 700; letter-spacing: -.5px; margin: 4px 0 12px; }
.ttp-prompt { color: var(--ttp-primary); font-size: 20px; font-weight: 600; }
.ttp-overlay[data-state="read_error"] .ttp-prompt { color: var(--ttp-error); }
.ttp-retry { color: var(--ttp-error); font-weight: 600; margin: 0 0 8px; }
.ttp-zone { position: absolute; width: 112px; height: 112px; border-radius: 56px; border: 0; padding: 0; z-index: 1;
  background: var(--ttp-primary); color: #fff; display: flex; align-items: center; justify-content: center;
  touch-action: none; box-shadow: 0 0 0 10px color-mix(in srgb, var(--ttp-primary) 20%, transparent); }
.ttp-zone-above, .ttp-zone-below { width: 140px; height: 64px; border-radius: 32px; }
.ttp-zone-left, .ttp-zone-right { width: 64px; height: 140px; border-radius: 32px; }
.ttp-zone-behind { background: transparent; color: var(--ttp-primary); border: 3px dashed var(--ttp-primary); box-shadow: none;
  flex-direction: column; gap: 2px; }
.ttp-zone-label { font-size: 11px; font-weight: 600; }
.ttp-zone:focus-visible { outline: 3px solid var(--ttp-fg); outline-offset: 4px; }
.ttp-overlay[data-state="processing"] .ttp-zone { animation: ttp-pulse 1s ease-in-out infinite; }
@keyframes ttp-pulse { 50% { opacity: .45; } }
.ttp-zone-mark { position: relative; width: 36px; height: 36px; display: block; }
.ttp-wave { position: absolute; top: 50%; border: 3px solid currentColor; border-left-color: transparent; border-top-color: transparent;
  border-bottom-color: transparent; border-radius: 50%; transform: translateY(-50%); }
.ttp-wave:nth-child(1) { left: 3px; width: 12px; height: 12px; }
.ttp-wave:nth-child(2) { left: -3px; width: 24px; height: 24px; }
.ttp-wave:nth-child(3) { left: -9px; width: 36px; height: 36px; }
.ttp-zone-arrow { position: absolute; width: 0; height: 0; border: 8px solid transparent; }
.ttp-zone-above .ttp-zone-arrow { top: -6px; border-bottom-color: currentColor; }
.ttp-zone-below .ttp-zone-arrow { bottom: -6px; border-top-color: currentColor; }
.ttp-zone-left .ttp-zone-arrow { left: -6px; border-right-color: currentColor; }
.ttp-zone-right .ttp-zone-arrow { right: -6px; border-left-color: currentColor; }
.ttp-sim { margin: 8px 12px 12px; padding: 10px; border: 1px dashed var(--ttp-border); border-radius: 12px; background: var(--ttp-surface); }
.ttp-sim-title { font-size: 12px; color: var(--ttp-muted); margin-bottom: 6px; }
.ttp-sim-row { display: flex; gap: 8px; }
.ttp-sim-field { flex: 1; min-width: 0; display: flex; flex-direction: column; font-size: 12px; color: var(--ttp-muted); }
.ttp-sim-field select { font: inherit; font-size: 14px; padding: 6px; border-radius: 8px; border: 1px solid var(--ttp-border);
  background: var(--ttp-bg); color: var(--ttp-fg); max-width: 100%; }
.ttp-sim-tap { width: 100%; margin-top: 8px; padding: 10px; border-radius: 10px; border: 0; background: var(--ttp-primary); color: #fff;
  font-weight: 600; }
.ttp-overlay[data-theme="pin"] { background: #000000; color: #ffffff; }
.ttp-pin-area { position: absolute; inset: 12px; }
.ttp-pin-pad { position: absolute; width: min(300px, calc(100% - 24px)); padding: 16px; border-radius: 16px; background: #1f1f1f;
  box-sizing: border-box; outline: none; }
.ttp-pin-header { text-align: center; }
.ttp-pin-title { font-size: 18px; font-weight: 600; }
.ttp-pin-amount { color: #bdbdbd; }
.ttp-pin-message { margin-top: 8px; color: #ffcc80; font-size: 13px; text-align: center; }
.ttp-pin-dots { display: flex; justify-content: center; gap: 10px; min-height: 14px; margin: 14px 0; }
.ttp-dot { width: 12px; height: 12px; border-radius: 6px; border: 2px solid #9e9e9e; box-sizing: border-box; }
.ttp-dot-on { background: #ffffff; border-color: #ffffff; }
.ttp-pin-keys { display: flex; flex-direction: column; gap: 8px; }
.ttp-pin-row { display: flex; justify-content: center; gap: 8px; }
.ttp-pin-row > button { flex: 1; max-width: 84px; height: 52px; border-radius: 10px; border: 0; background: #333333; color: #ffffff; font-size: 22px; }
.ttp-pin-row > .ttp-key-clear { background: #5d4037; font-size: 18px; }
.ttp-pin-row > .ttp-key-ok { background: #2e7d32; font-size: 18px; font-weight: 700; }
.ttp-pin-cancel, .ttp-pin-screenshot { display: block; width: 100%; margin-top: 10px; padding: 8px; border-radius: 10px;
  border: 1px solid #424242; background: transparent; color: #e0e0e0; }
.ttp-pin-screenshot { font-size: 12px; color: #9e9e9e; border-style: dashed; }
.ttp-outcome { margin: auto; text-align: center; padding: 24px; }
.ttp-outcome-icon { width: 96px; height: 96px; border-radius: 48px; margin: 0 auto 16px; color: #fff; font-size: 56px; line-height: 96px;
  font-weight: 700; }
.ttp-outcome-success .ttp-outcome-icon { background: var(--ttp-success); }
.ttp-outcome-error .ttp-outcome-icon { background: var(--ttp-error); }
.ttp-outcome-success .ttp-outcome-message { color: var(--ttp-success); font-weight: 600; font-size: 20px; }
.ttp-outcome-error .ttp-outcome-message { color: var(--ttp-error); font-weight: 600; font-size: 18px; }
`;
