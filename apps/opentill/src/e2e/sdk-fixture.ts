/** Shared set-up of the OpenTill Terminal JS SDK tests: a real server, stripe-node, SDK instances. */
import { StripeTerminal, type ErrorResponse, type Terminal, type TerminalProps } from '@opentill/terminal-sdk';
import { terminalFixture, type TerminalFixture } from './terminal-fixture.js';
import { waitUntil } from './helpers.js';
import type { StoreKind } from '@opentill/testkit';

export interface SdkFixture extends TerminalFixture {
  /** A Terminal whose token callback asks the server for connection tokens (counted). */
  terminal(props?: Partial<TerminalProps>): SdkTerminal;
  /** Every Terminal created, disconnected at the end. */
  terminals: Terminal[];
}

export interface SdkTerminal {
  terminal: Terminal;
  tokenFetches: () => number;
  disconnects: Array<{ error?: { code?: string; message: string } }>;
  connectionStatuses: string[];
  paymentStatuses: string[];
}

export async function sdkFixture(store: StoreKind, name: string): Promise<SdkFixture> {
  const base = await terminalFixture(store, name);
  const terminals: Terminal[] = [];
  const fixture: SdkFixture = {
    ...base,
    terminals,
    terminal(props = {}) {
      let fetches = 0;
      const disconnects: SdkTerminal['disconnects'] = [];
      const connectionStatuses: string[] = [];
      const paymentStatuses: string[] = [];
      const terminal = StripeTerminal.create({
        apiBase: base.server.baseUrl,
        onFetchConnectionToken: async () => {
          fetches += 1;
          return (await base.stripe.terminal.connectionTokens.create()).secret;
        },
        onUnexpectedReaderDisconnect: (event) => {
          disconnects.push(event);
        },
        onConnectionStatusChange: (event) => {
          connectionStatuses.push(event.status);
        },
        onPaymentStatusChange: (event) => {
          paymentStatuses.push(event.status);
        },
        ...props,
      });
      terminals.push(terminal);
      return { terminal, tokenFetches: () => fetches, disconnects, connectionStatuses, paymentStatuses };
    },
    async stop() {
      for (const terminal of terminals) await terminal.disconnectReader();
      await base.stop();
    },
  };
  return fixture;
}

/** The payload of an SDK result, or a failed assertion showing the error. */
export function payload<T>(result: T | ErrorResponse): T {
  if (result && typeof result === 'object' && 'error' in result) {
    throw new Error(`expected success, got ${JSON.stringify((result as ErrorResponse).error)}`);
  }
  return result as T;
}

/** The error of an SDK result. */
export function errorOf(result: unknown): {
  code?: string;
  message: string;
  decline_code?: string;
  payment_intent?: { status: string };
} {
  if (result && typeof result === 'object' && 'error' in result)
    return (result as ErrorResponse).error as ReturnType<typeof errorOf>;
  throw new Error(`expected an error, got ${JSON.stringify(result).slice(0, 300)}`);
}

/** Checks every 25 ms, at most `timeoutMs / 25` times (helpers' waitUntil). */
export function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  return waitUntil(check, what, timeoutMs, 25);
}
