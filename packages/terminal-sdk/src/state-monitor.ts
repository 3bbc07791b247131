/**
 * The session state long-poll of both SDKs (`GET /opentill/v1/sdk/state?after=<version>`,
 * docs/sdk.md): one poll runs while a reader (or the Tap to Pay phone) is connected. Commands wait
 * on it for their reader action's outcome, and it is how an unexpected disconnect (the reader went
 * offline, another session took it) is seen. Each SDK reads the state with its own type.
 */
import type { SdkReaderActionWire, SdkStateWire } from '@opentill/protocol';
import { stateWaitMs, type Json, type SdkTransport, type TransportFailure } from './transport.js';

export type ReaderAction = Json & SdkReaderActionWire;

/** What a failed reader action says, read once for both SDKs (each shapes it into its own public error). */
export interface ActionFailure {
  /** The reader's failure code (`reader_error` when it gave none). */
  code: string;
  message: string | null;
  /** The Stripe API error the action carries (a decline's), if any. */
  apiError: Json | null;
  /** The `last_payment_error` of the PaymentIntent given, if any. */
  lastPaymentError: Json | null;
}

export function actionFailure(action: ReaderAction, paymentIntent: Json | null | undefined): ActionFailure {
  return {
    code: action.failure_code ?? 'reader_error',
    message: action.failure_message,
    apiError: (action['api_error'] ?? null) as Json | null,
    lastPaymentError: (paymentIntent?.['last_payment_error'] ?? null) as Json | null,
  };
}

/** What the monitor reads of a state: the SDKs type the rest (the reader, the intents) themselves. */
export type StateBase = SdkStateWire;

/** What stopping the monitor tells the commands still waiting on it. */
const stopped: StateBase = {
  object: 'opentill.sdk_state',
  version: 'stopped',
  connection: 'not_connected',
  disconnect_reason: 'session_ended',
  reader: null,
};

/** Consecutive failed polls after which the connection counts as lost. */
const failuresMax = 3;

export class StateMonitor<S extends StateBase> {
  private latest: S | null = null;
  private readonly listeners = new Set<(state: S) => void>();
  private control: { stopped: boolean } | null = null;

  /**
   * `onState` sees every state (the terminal watches for disconnects); `onLost` is called once
   * when the server could not be polled `failuresMax` times in a row.
   */
  constructor(
    private readonly transport: SdkTransport,
    private readonly onState: (state: S) => void,
    private readonly onLost: (failure: TransportFailure) => void,
  ) {}

  get running(): boolean {
    return this.control !== null;
  }

  /** Not connected, no reader, no intent: a state of every SDK's type. */
  private get stopped(): S {
    return stopped as S;
  }

  start(): void {
    this.stop(false);
    const control = { stopped: false };
    this.control = control;
    this.latest = null;
    void this.poll(control);
  }

  /**
   * Stops polling and releases whoever waits (they see a disconnected state). The poll in flight
   * is not aborted: whatever stops the monitor changes the state, so the server answers it at once.
   */
  stop(release = true): void {
    if (this.control) this.control.stopped = true;
    this.control = null;
    this.latest = null;
    if (release) for (const listener of [...this.listeners]) listener(this.stopped);
  }

  /** A state answered by a command (`POST …` answers the state too): newer than the poll's. */
  update(state: S): void {
    this.latest = state;
    for (const listener of [...this.listeners]) listener(state);
    this.onState(state);
  }

  /**
   * Resolves with what `decide` returns for the first state (from `first` on) it does not answer
   * `undefined` to. A monitor that is not running answers the stopped state at once.
   */
  waitFor<T>(decide: (state: S) => T | undefined, first: S): Promise<T> {
    return new Promise((resolve) => {
      const check = (state: S) => {
        const decided = decide(state);
        if (decided === undefined) return;
        this.listeners.delete(check);
        resolve(decided);
      };
      this.listeners.add(check);
      check(this.control ? first : this.stopped);
    });
  }

  private async poll(control: { stopped: boolean }): Promise<void> {
    let failures = 0;
    while (!control.stopped) {
      const after = this.latest?.version;
      const query = after ? `?after=${encodeURIComponent(after)}&wait_ms=${stateWaitMs}` : '';
      const session = this.transport.currentSecret;
      const result = await this.transport.request<S>('GET', `/state${query}`);
      if (control.stopped) return;
      if (result.ok && session !== null && this.transport.currentSecret !== session) {
        // The session was renewed while this poll waited (the renewal connected the reader to the
        // new session): the answer is the old session's view ("taken over"). Ask again. (The mobile
        // SDK restarts the monitor on renewal, so its old poll already stopped above.)
        this.latest = null;
        continue;
      }
      if (result.ok) {
        failures = 0;
        this.update(result.data);
        continue;
      }
      failures += 1;
      if (failures >= failuresMax) {
        this.onLost(result);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * failures));
    }
  }
}
