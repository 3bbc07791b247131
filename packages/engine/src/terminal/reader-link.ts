/**
 * The reader port: how the engine reaches a Terminal reader, wherever it is. A reader document
 * names its adapter (`_internal.link`). The simulated reader is the first adapter (in-process,
 * deterministic, honouring the faults injected on the reader document); a WebSocket gateway for
 * external devices is the next. Nothing outside an adapter may assume where readers live: the
 * engine only asks "is it reachable?", "deliver this command" and "what PIN did the cardholder type?".
 * What a device does by itself (a card is presented, the customer presses cancel, inputs are
 * submitted) comes back into the engine through `TerminalReaders`' device-side methods.
 */
import {
  readerOfflineAfterMs,
  readerStatusAt,
  type Reader,
  type ReaderAction,
  type ReaderInternal,
} from '@opentill/core';

/**
 * The PIN a cardholder entered with the card, passed along with the card read to the authorization
 * (never stored). `upfront`: collected before the authorization (a Tap to Pay phone) and sent with
 * the first attempt; otherwise typed on the device's PIN pad and given when the card asks for it.
 */
export interface CardholderPin {
  pin: string;
  upfront: boolean;
}

export type ReaderCommand =
  /** `actionId`: the id the device names the action by in its reports (`_internal.deviceActionId`). */
  | { kind: 'action'; action: Pick<ReaderAction, 'type'> & Record<string, unknown>; actionId?: string }
  | { kind: 'cancel_action' };

/**
 * What came back from the device. `timeout`: no acknowledgement in time; `delivered` says whether
 * the device did get the command (a false negative for the caller, who only sees the timeout).
 */
export type Delivery = { kind: 'ack' } | { kind: 'timeout'; delivered: boolean };

export interface DeliveryResult {
  delivery: Delivery;
  /** Adapter state to keep on the reader document (e.g. a consumed one-shot fault). */
  internal?: Partial<ReaderInternal>;
}

export interface Presence {
  online: boolean;
  /** Last signal from the device, ms since the epoch. */
  lastSeenAtMs: number | null;
}

/**
 * A device waiting to be registered with a pairing code (gateway), claimed for one reader of one
 * account. The device's reader secret is held by the node it waits on (only its hash travels);
 * `complete` hands the device its credentials once the reader is committed, on whichever node it waits.
 */
export interface PendingRegistration {
  link: string;
  deviceType: string;
  serialNumber: string;
  deviceSwVersion: string;
  ipAddress: string;
  /** SHA-256 of the reader secret the device will receive: what the reader stores. */
  secretSha256: string;
  complete(): Promise<void>;
}

/** Who claims a registration code: the account, the id of the reader about to be created, the time. */
export interface RegistrationClaim {
  accountId: string;
  readerId: string;
  nowMs: number;
}

export interface ReaderLink {
  readonly name: string;
  presence(reader: Reader, nowMs: number): Presence;
  /** `accountId`: whose reader it is (adapters that talk to devices build their context from it). */
  deliver(reader: Reader, command: ReaderCommand, nowMs: number, accountId?: string): Promise<DeliveryResult>;
  /**
   * The PIN the cardholder gives when the card asks for one, given what they typed with the card
   * (`typed`, if anything); null: none.
   */
  pinOnRequest(reader: Reader, typed: string | null): string | null;
  /** A registration code this adapter handed out (pairing), consumed; null: not one of its codes (or used, expired). */
  claimRegistration?(code: string, claim: RegistrationClaim): Promise<PendingRegistration | null>;
}

/**
 * Simulated readers (`simulated_*` device types). They check in continuously, so they are online
 * with `last_seen_at` = now, unless fault injection made them silent: then their last signal is
 * the stored `last_seen_at`, and the 2-minute rule decides. Delivery to a silent reader times out
 * (it may still be within its 2 minutes); an injected `nextCommand` timeout is consumed here.
 */
export class SimulatedReaderLink implements ReaderLink {
  readonly name: string = 'simulated';

  presence(reader: Reader, nowMs: number): Presence {
    if (!reader._internal.offline) return { online: true, lastSeenAtMs: nowMs };
    return { online: readerStatusAt(reader.last_seen_at, nowMs) === 'online', lastSeenAtMs: reader.last_seen_at };
  }

  async deliver(reader: Reader, _command: ReaderCommand, _nowMs: number): Promise<DeliveryResult> {
    if (reader._internal.offline) return { delivery: { kind: 'timeout', delivered: false } };
    const fault = reader._internal.faults.nextCommand;
    if (fault?.timeout) {
      return {
        delivery: { kind: 'timeout', delivered: fault.delivered },
        internal: { faults: { ...reader._internal.faults, nextCommand: null } },
      };
    }
    return { delivery: { kind: 'ack' } };
  }

  pinOnRequest(_reader: Reader, typed: string | null): string | null {
    // The PIN typed on the screen, else the simulated cardholder knows the test PIN of Stripe's test cards.
    return typed ?? '1234';
  }
}

/**
 * Tap to Pay phones (`mobile_phone_reader`, docs/tap-to-pay-sdk.md). The phone is the device and
 * the SDK inside it is the reader: it learns its actions from the SDK state it polls, so delivery
 * is immediate, and it reads cards and PINs itself (the SDK reports them through
 * `/opentill/v1/sdk/tap_to_pay/tap`). Its SDK's calls are its signals: online while the app runs,
 * offline two minutes after it stops; fault injection (`offline`) reproduces a phone losing its
 * connection at once.
 */
export class TapToPayReaderLink extends SimulatedReaderLink {
  override readonly name = 'tap_to_pay';

  /** Online while its SDK calls (TerminalReaders.heardFrom): the 2-minute rule on `last_seen_at`. */
  override presence(reader: Reader, nowMs: number): Presence {
    const online = !reader._internal.offline && readerStatusAt(reader.last_seen_at, nowMs) === 'online';
    return { online, lastSeenAtMs: reader.last_seen_at };
  }

  /** No PIN is typed on the server's side: the phone collects it and sends it with the authorization. */
  override pinOnRequest(): string | null {
    return null;
  }
}

export class ReaderLinks {
  private readonly links = new Map<string, ReaderLink>();

  constructor(links: ReaderLink[] = [new SimulatedReaderLink(), new TapToPayReaderLink()]) {
    for (const link of links) this.add(link);
  }

  add(link: ReaderLink): void {
    this.links.set(link.name, link);
  }

  async claimRegistration(code: string, claim: RegistrationClaim): Promise<PendingRegistration | null> {
    for (const link of this.links.values()) {
      const claimed = await link.claimRegistration?.(code, claim);
      if (claimed) return claimed;
    }
    return null;
  }

  of(reader: Reader): ReaderLink {
    const link = this.links.get(reader._internal.link);
    if (!link) throw new Error(`no reader link '${reader._internal.link}' for ${reader.id}`);
    return link;
  }
}

export { readerOfflineAfterMs };
