/**
 * OpenTill Terminal JS SDK: the typed surface of `@stripe/terminal-js` 0.26.0, talking to an
 * OpenTill server instead of Stripe. Use it like Stripe's:
 *
 *   import { loadStripeTerminal } from '@opentill/terminal-sdk';
 *   const StripeTerminal = await loadStripeTerminal();
 *   const terminal = StripeTerminal.create({ onFetchConnectionToken, onUnexpectedReaderDisconnect, apiBase });
 *
 * There is no script to inject: `loadStripeTerminal()` resolves at once (also outside a browser).
 */
import { OpenTillTerminal } from './terminal.js';
import {
  ConnectionStatus,
  OutputLogLevel,
  PaymentStatus,
  type StripeTerminal as StripeTerminalType,
  type Terminal,
  type TerminalProps,
} from './types.js';

export * from './types.js';
export { OpenTillTerminal } from './terminal.js';

export const StripeTerminal: StripeTerminalType = {
  create(props: TerminalProps): Terminal {
    return new OpenTillTerminal(props);
  },
  PaymentStatus,
  ConnectionStatus,
  OutputLogLevel,
};

/** Stripe's loader resolves `window.StripeTerminal`; this one resolves the SDK itself. */
export function loadStripeTerminal(): Promise<StripeTerminalType> {
  return Promise.resolve(StripeTerminal);
}

export default StripeTerminal;
