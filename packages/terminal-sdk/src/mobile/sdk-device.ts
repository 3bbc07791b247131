/**
 * A Bluetooth or USB reader's device, running beside the mobile SDK in its process
 * (docs/tap-to-pay-sdk.md, "Bluetooth and USB readers run beside the SDK"). It is the one reader
 * device state machine of every reader (`@opentill/reader-device`: the same `step` the server runs
 * for its simulated readers and `opentill reader` runs over the gateway), driven here:
 *
 * - its commands come from the server through the SDK session that registered the reader
 *   (`GET /opentill/v1/sdk/devices/:reader/command`, a long-poll: the action to show, then how it
 *   stands), translated into the device's `action` / `action_update` / `cancel` commands;
 * - the simulated customer acts on it (the simulator configuration: `setSimulatedCard`, the read
 *   method, the test PIN, `setSimulatedCollectInputsResult`), and what the device reports (the card
 *   read, the PIN, inputs, the card taken back) goes to `POST /opentill/v1/sdk/devices/:reader/events`;
 * - its device events become React Native's callbacks: `onDidRequestReaderInput` when it waits for
 *   a card, `onDidReportReaderEvent('cardInserted' | 'cardRemoved')`, and
 *   `onDidRequestReaderDisplayMessage('removeCard')` when the transaction is over with the card in.
 */
import {
  initialDevice,
  step,
  testPin,
  type DeviceAction,
  type DeviceEvent,
  type DeviceInput,
  type DeviceState,
  type Personality,
  type ServerCommand,
} from '@opentill/reader-device';
import type { SdkTransport, TransportResult } from '../transport.js';
import type { ReaderInputOptions, UserCallbacks } from './types.js';

/** How the simulated customer presents the card (OpenTill: React Native's simulator only sets the number). */
export type SimulatedReadMethod = 'contact_emv' | 'contactless_emv' | 'magnetic_stripe_track2';
export type SimulatedInputsBehavior = 'all' | 'none' | 'timeout';

interface ActionStatus {
  actionId: string;
  status: 'waiting' | 'processing' | 'succeeded' | 'failed';
  message?: string | null;
}

/** `GET /devices/:reader/command`. */
export interface DeviceCommandAnswer {
  version: string;
  reader: string;
  action: DeviceAction | null;
  status: ActionStatus | null;
}

export interface SdkDeviceHost {
  transport: SdkTransport;
  emit<K extends keyof UserCallbacks>(name: K, ...args: Parameters<NonNullable<UserCallbacks[K]>>): void;
  simulatedCard(): string | null;
  readMethod(): SimulatedReadMethod;
  inputsBehavior(): SimulatedInputsBehavior;
}

/** Every Bluetooth/USB reader reads cards three ways. */
const inputOptions: ReaderInputOptions[] = ['insertCard', 'swipeCard', 'tapCard'];
/** The device's long-poll wait (the server caps it at 30 s). */
const pollWaitMs = 25_000;
/** Failed polls in a row after which the device stops (the connection is being lost anyway). */
const failuresMax = 5;

/** Values the simulated customer types for each input kind (valid for the device's checks). */
const typedValues: Readonly<Record<string, string>> = {
  email: 'customer@example.com',
  numeric: '12345',
  phone: '+15555550100',
  text: 'OpenTill',
  signature: 'data:image/png;base64,iVBORw0KGgo=',
};

export class SdkReaderDevice {
  private state: DeviceState;
  private readonly control = new AbortController();
  private loop: Promise<void> | null = null;
  /** Resolves whenever the device has applied a command (tests and the host wait on it, never on time). */
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly host: SdkDeviceHost,
    readonly readerId: string,
    private readonly personality: Personality,
  ) {
    this.state = initialDevice({ personality });
  }

  /** The device's state now (its screen is `screenOf(state)`). */
  get current(): DeviceState {
    return this.state;
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.control.abort('stopped');
    await this.loop;
  }

  private async run(): Promise<void> {
    let after: string | null = null;
    let failures = 0;
    while (!this.control.signal.aborted) {
      const query: string = after === null ? '' : `?after=${encodeURIComponent(after)}&wait_ms=${pollWaitMs}`;
      const answer: TransportResult<DeviceCommandAnswer> = await this.host.transport.request<DeviceCommandAnswer>(
        'GET',
        `/devices/${encodeURIComponent(this.readerId)}/command${query}`,
        undefined,
        this.control.signal,
      );
      if (this.control.signal.aborted) return;
      if (!answer.ok) {
        failures += 1;
        if (failures >= failuresMax || answer.kind === 'http') return;
        await new Promise((resolve) => setTimeout(resolve, 200 * failures));
        continue;
      }
      failures = 0;
      after = answer.data.version;
      await this.apply(answer.data);
      for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Brings the device to what the server says, then lets the simulated customer act. */
  private async apply(answer: DeviceCommandAnswer): Promise<void> {
    const { action, status } = answer;
    const mine = this.state.action;
    if (!action || !status) {
      // The action is gone (canceled on the server): the device goes back to its splash screen.
      if (mine && ['collect', 'tip', 'pin', 'inputs'].includes(this.state.phase)) this.command({ type: 'cancel' });
      return;
    }
    if (mine?.id !== action.id) {
      // Readers without a screen of their own offer no tip (on-reader tipping is a smart reader's).
      this.command({ type: 'action', action: this.personality === 's700' ? action : { ...action, tipping: null } });
      if (status.status === 'waiting') await this.customer();
    }
    if (status.status === 'waiting' || this.state.action?.id !== status.actionId) return;
    if (status.status === 'processing') {
      if (this.state.phase !== 'processing')
        this.command({ type: 'action_update', action_id: status.actionId, status: 'processing', message: null });
      return;
    }
    if (this.state.phase === 'result') return;
    this.command({
      type: 'action_update',
      action_id: status.actionId,
      status: status.status,
      message: status.message ?? null,
    });
    // A card collected for a later confirmation stays in; after the last step it is taken back.
    const cardStaysIn = action.type === 'collect_payment_method' && status.status === 'succeeded';
    if (this.state.cardInserted && !cardStaysIn) {
      this.host.emit('onDidRequestReaderDisplayMessage', 'removeCard');
      await this.input({ type: 'remove_card' });
    }
  }

  private command(command: ServerCommand): void {
    this.state = step(this.state, { kind: 'command', command }, Date.now()).state;
  }

  /** One touch of the simulated customer; what the device reports goes to the server. */
  private async input(input: DeviceInput): Promise<boolean> {
    const wasInserted = this.state.cardInserted;
    const result = step(this.state, { kind: 'input', input }, Date.now());
    if (result.rejected !== null) return false;
    this.state = result.state;
    if (!wasInserted && this.state.cardInserted) this.host.emit('onDidReportReaderEvent', 'cardInserted');
    for (const event of result.outgoing) await this.report(event);
    if (wasInserted && !this.state.cardInserted) this.host.emit('onDidReportReaderEvent', 'cardRemoved');
    return true;
  }

  private async report(event: DeviceEvent): Promise<void> {
    // A refusal (the action was canceled meanwhile) is seen on the next command: nothing to do here.
    await this.host.transport.request(
      'POST',
      `/devices/${encodeURIComponent(this.readerId)}/events`,
      { event: event as unknown as Record<string, unknown> },
      this.control.signal,
    );
  }

  /** The simulated customer, until the device has reported (or waits for something the simulator never does). */
  private async customer(): Promise<void> {
    for (let touches = 0; touches < 12 && !this.control.signal.aborted; touches += 1) {
      const action = this.state.action;
      switch (this.state.phase) {
        case 'collect': {
          this.host.emit('onDidRequestReaderInput', [...inputOptions]);
          const number = this.host.simulatedCard() ?? '4242424242424242';
          if (!(await this.input({ type: 'present_card', number, read_method: this.host.readMethod(), wallet: null })))
            return;
          break;
        }
        case 'tip':
          if (!(await this.input({ type: 'choose_tip', amount: 0 }))) return;
          break;
        case 'pin':
          // The simulated cardholder knows the test PIN of Stripe's test cards.
          if (!(await this.input({ type: 'enter_pin', pin: testPin }))) return;
          break;
        case 'inputs': {
          const behavior = this.host.inputsBehavior();
          const spec = action?.inputs?.[this.state.inputIndex];
          if (!spec || behavior === 'timeout') return;
          const skip = behavior === 'all' && !spec.required;
          const value =
            spec.type === 'selection' ? (spec.choices?.[0]?.id ?? null) : (typedValues[spec.type] ?? 'OpenTill');
          if (
            !(await this.input({
              type: 'submit_input',
              index: this.state.inputIndex,
              value: skip ? null : value,
              skipped: skip,
            }))
          )
            return;
          break;
        }
        default:
          return;
      }
    }
  }

  /** Resolves after the device has applied its next command answer (OpenTill tests: a positive signal, never a timer). */
  nextApplied(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
    });
  }
}
