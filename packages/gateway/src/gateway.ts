/**
 * The reader gateway: `opentill-reader/1` over WebSocket (docs/reader-protocol.md), attached to the
 * HTTP server's `upgrade` event. It is the second adapter of the reader port (`GatewayReaderLink`,
 * `_internal.link: 'gateway'`): pairing, authenticated device connections, heartbeats feeding
 * presence, command delivery with an acknowledgement deadline, device events entering the engine
 * through `ReaderDevices.applyEvent` (TerminalReaders' device-side methods), resume after a
 * reconnect. It also hosts the screen hub (screen.ts) that relays device screens to viewers.
 *
 * Connections are held by the node the device connected to, which holds the reader's lease; a
 * command for a reader connected to another node travels over the reader bus (reader-bus.ts,
 * docs/cluster.md) and is answered by the owning node with the same acknowledgement deadline.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  isApiError,
  limits,
  readerOfflineAfterMs,
  readerStatusAt,
  type Reader,
  type StoredObject,
} from '@opentill/core';
import {
  deviceActionId,
  hashKey,
  sameSecret,
  serverActionStatus,
  type DeliveryResult,
  type PendingRegistration,
  type Presence,
  type ReaderBusStore,
  type RegisteredPairing,
  type RegistrationClaim,
  type ReaderCommand,
  type ReaderLink,
  type ReaderMessage,
  type RequestContext,
  type ServerActionStatus,
} from '@opentill/engine';
import {
  FrameError,
  parseDeviceFrame,
  parseJson,
  personalities,
  readerProtocol,
  type DeviceFrame,
  type ProtocolErrorCode,
  type ServerCommand,
  type ServerFrame,
} from '@opentill/reader-device';
import type { ScreenState } from '@opentill/protocol';
import type { GatewayServices } from './host.js';
import { ReaderBus, type ReaderBusOptions } from './reader-bus.js';
import { registrationCode } from './words.js';

export interface GatewayOptions {
  /** A command not acknowledged within this answers `terminal_reader_timeout`. */
  ackTimeoutMs?: number;
  /** How often devices are told to send a heartbeat. */
  heartbeatIntervalMs?: number;
  /** A registration code shown by a pairing device is valid this long. */
  pairingCodeLifetimeMs?: number;
  /** `last_seen_at` of a connected device is written to the database at most this often. */
  presenceWriteIntervalMs?: number;
  /** The first frame (pair or hello) must arrive within this. */
  helloTimeoutMs?: number;
  /** Several nodes on one database: leases and cross-node commands (docs/cluster.md). */
  bus?: ReaderBusOptions;
  /**
   * This node's name in a cluster (`opentill serve --node-name`): sent as the `OpenTill-Node` header
   * of every WebSocket upgrade answer (devices, screen viewers), as the HTTP API does.
   */
  nodeName?: string;
}

/** What a command row for the owning node carries (`kind: 'deliver'`). */
interface DeliverPayload {
  reader: Reader;
  command: ReaderCommand;
  nowMs: number;
}
/** A screen viewer's touch for the owning node (`kind: 'input'`). */
interface InputPayload {
  input: Extract<ServerFrame, { type: 'customer_input' }>;
}

export const gatewayPaths = {
  pair: '/opentill/v1/readers/pair',
  connect: '/opentill/v1/readers/connect',
  screen: '/opentill/v1/screen/connect',
} as const;

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Token bucket: `readerMessagesPerSecondMax` sustained, `readerMessageBurstMax` at once. */
export function takeToken(bucket: Bucket, nowMs: number): boolean {
  bucket.tokens = Math.min(
    limits.readerMessageBurstMax,
    bucket.tokens + ((nowMs - bucket.atMs) / 1000) * limits.readerMessagesPerSecondMax,
  );
  bucket.atMs = nowMs;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

/** What a pairing device said about itself: the `device` JSON of its stored code (docs/cluster.md, Pairing). */
interface PairingDevice {
  personality: keyof typeof personalities;
  serialNumber: string;
  deviceSwVersion: string;
  ipAddress: string;
}

/** A pairing socket open on this node; its code is stored (`reader_pairings`) so any node can register it. */
interface Pairing {
  code: string;
  expiresAtMs: number;
  ws: WebSocket;
  personality: keyof typeof personalities;
  /** The credential handed to the device once registered; only its SHA-256 leaves this node. */
  readerSecret: string;
  expiry: NodeJS.Timeout;
}

/** Draws of a fresh code before giving up (a draw collides only with a code in use: ~1 in 10⁸ each). */
const codeDrawsMax = 10;

interface DeviceConnection {
  ws: WebSocket;
  accountId: string;
  readerId: string;
  /** The reader's lease epoch this connection holds (its fencing token in the store). */
  epoch: number;
  pending: Map<string, (acked: boolean) => void>;
  /** Last status pushed to the device, to push each change once. */
  pushed: string | null;
  /** Device events run one at a time, in order. */
  queue: Promise<void>;
  /**
   * Actions sent and acknowledged whose commit may still be on its way (the API commits the action
   * after the ack): an event about one of them waits for the commit instead of being refused.
   */
  expecting: Set<string>;
  /** Resolved when a commit shows the reader on that action. */
  committed: Map<string, () => void>;
  /** The current command came from another node: its commits reach this node as hints, polled if lost. */
  viaBus: boolean;
}

export type ScreenListener = (readerId: string, state: ScreenState) => void;

export class ReaderGateway implements ReaderLink {
  readonly name = 'gateway';
  private readonly wss: WebSocketServer;
  private readonly pairings = new Map<string, Pairing>();
  private readonly devices = new Map<string, DeviceConnection>();
  /** Last signal of devices connected here (account-clock ms). */
  private readonly lastSeen = new Map<string, number>();
  /** Last screen each connected device reported. */
  readonly screens = new Map<string, ScreenState>();
  private readonly screenListeners = new Set<ScreenListener>();
  private readonly offsets = new Map<string, { offsetMs: number; atMs: number }>();
  private commandCounter = 0;
  private readonly ackTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly pairingCodeLifetimeMs: number;
  /** Registration codes live in the store (docs/cluster.md, Pairing): any node registers any code. */
  private readonly pairingStore: ReaderBusStore;
  /** When this node last renewed `heldUntilMs` of its codes (wall clock). */
  private pairingsHeldAtMs = 0;
  private readonly presenceWriteIntervalMs: number;
  private readonly helloTimeoutMs: number;
  private readonly unsubscribe: () => void;
  private readonly upgradeHandlers = new Map<
    string,
    (request: IncomingMessage, socket: Duplex, head: Buffer) => void
  >();
  readonly bus: ReaderBus;
  private readonly stopHints: () => void;

  constructor(
    private readonly services: GatewayServices,
    options: GatewayOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 20_000;
    this.pairingCodeLifetimeMs = options.pairingCodeLifetimeMs ?? 10 * 60 * 1000;
    this.presenceWriteIntervalMs = options.presenceWriteIntervalMs ?? 60_000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    // ws enforces a hard cap; our own (smaller) limit answers with a clear error frame first.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: limits.readerMessageBytesMax * 4,
      perMessageDeflate: false,
    });
    const nodeName = options.nodeName;
    if (nodeName !== undefined) this.wss.on('headers', (headers) => headers.push(`OpenTill-Node: ${nodeName}`));
    services.readerLinks.add(this);
    this.pairingStore = services.engine.store.readerBus;
    this.bus = new ReaderBus(
      services.engine.store.readerBus,
      services.engine.clock,
      (message) => this.onBusMessage(message),
      (accountId, readerId, epoch) => this.onLeaseLost(accountId, readerId, epoch),
      options.bus,
    );
    const stopTopics = this.bus.onTopic((topic) => this.onBusTopic(topic));
    const stopPolls = this.bus.onPoll(() => this.refreshActiveDevices());
    const stopPairingPolls = this.bus.onPoll(() => this.pollPairings());
    this.stopHints = () => {
      stopTopics();
      stopPolls();
      stopPairingPolls();
    };
    // Wake-ups are hints (polling carries the bus without them): a failed LISTEN must not stop the server.
    void this.bus.start().catch(() => undefined);
    this.unsubscribe = services.engine.onCommit((accountId, _events, changed) => this.onCommit(accountId, changed));
    this.upgradeHandlers.set(gatewayPaths.pair, (request, socket, head) =>
      this.wss.handleUpgrade(request, socket, head, (ws) => this.onPair(ws, request)),
    );
    this.upgradeHandlers.set(gatewayPaths.connect, (request, socket, head) =>
      this.wss.handleUpgrade(request, socket, head, (ws) => this.onDevice(ws)),
    );
  }

  /** Other WebSocket endpoints on the same server (the screen hub). */
  route(path: string, handler: (request: IncomingMessage, socket: Duplex, head: Buffer) => void): void {
    this.upgradeHandlers.set(path, handler);
  }

  /**
   * Listens for upgrades on the HTTP server. An upgrade to a path no handler knows is refused at
   * once (404, socket closed): once an `upgrade` listener exists Node hands every upgrade to it,
   * and a socket nobody answers would stay open forever.
   */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (request.url ?? '').split('?')[0]!;
      const handler = this.upgradeHandlers.get(path);
      if (handler) handler(request, socket, head);
      else refuseUpgrade(socket, 404, 'No WebSocket endpoint at this URL.', 'route_unknown');
    });
  }

  get webSocketServer(): WebSocketServer {
    return this.wss;
  }

  connectedCount(): number {
    return this.devices.size;
  }

  isConnected(readerId: string): boolean {
    return this.devices.has(readerId);
  }

  onScreen(listener: ScreenListener): () => void {
    this.screenListeners.add(listener);
    return () => this.screenListeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    this.stopHints();
    void this.bus.stop();
    for (const device of this.devices.values())
      this.fail(device.ws, 'server_closing', 'The server is shutting down.', 1001);
    for (const pairing of this.pairings.values()) {
      clearTimeout(pairing.expiry);
      this.fail(pairing.ws, 'server_closing', 'The server is shutting down.', 1001);
    }
    this.wss.close();
  }

  // ----------------------------------------------------------------------------------------------
  // The reader port
  // ----------------------------------------------------------------------------------------------

  presence(reader: Reader, nowMs: number): Presence {
    const local = this.lastSeen.get(reader.id) ?? null;
    const stored = reader.last_seen_at;
    const last = local === null ? stored : stored === null ? local : Math.max(local, stored);
    return { online: readerStatusAt(last, nowMs) === 'online', lastSeenAtMs: last };
  }

  async deliver(reader: Reader, command: ReaderCommand, nowMs: number, accountId?: string): Promise<DeliveryResult> {
    const device = this.devices.get(reader.id);
    if (device) {
      device.viaBus = false;
      return this.deliverHere(device, reader, command, nowMs, accountId);
    }
    if (accountId === undefined) return { delivery: { kind: 'timeout', delivered: false } };
    return this.deliverElsewhere(reader, command, nowMs, accountId);
  }

  /**
   * The device is connected to another node (docs/cluster.md): a command row for the lease holder,
   * which delivers it with the same acknowledgement deadline and records the outcome. No live lease
   * (no node holds the device, or its node died and the lease expired): the same answer as a device
   * that is not connected on one node. Taken but never answered (the owner died after taking it):
   * it may have reached the device, so it is the false negative (timeout, action kept).
   */
  private async deliverElsewhere(
    reader: Reader,
    command: ReaderCommand,
    nowMs: number,
    accountId: string,
  ): Promise<DeliveryResult> {
    const payload: DeliverPayload = { reader, command, nowMs };
    // To the lease holder, read in the same statement as the row is written.
    const outcome = await this.bus.request(
      { accountId, readerId: reader.id, toNode: null, kind: 'deliver', payload: JSON.stringify(payload) },
      { pickupMs: this.pickupMs(), answerMs: this.ackTimeoutMs + this.pickupMs() },
    );
    if (outcome.kind === 'unclaimed' || outcome.kind === 'unheld') {
      return { delivery: { kind: 'timeout', delivered: false } };
    }
    const answered = outcome.kind === 'answered' ? (JSON.parse(outcome.result) as Partial<DeliveryResult>) : {};
    return answered.delivery ? { delivery: answered.delivery } : { delivery: { kind: 'timeout', delivered: true } };
  }

  /** How long the owning node has to take a row: two missed polls and a margin (a lost NOTIFY costs one). */
  private pickupMs(): number {
    return 2 * this.bus.pollMs + 1_000;
  }

  /** A row addressed to this node: the device it holds does what the other node asked. */
  private async onBusMessage(message: ReaderMessage): Promise<string> {
    const device = this.devices.get(message.readerId);
    if (message.kind === 'input') {
      const { input } = JSON.parse(message.payload) as InputPayload;
      return JSON.stringify({
        ok:
          device !== undefined && device.accountId === message.accountId && this.forwardInput(message.readerId, input),
      });
    }
    if (message.kind !== 'deliver' || !device || device.accountId !== message.accountId) {
      return JSON.stringify({ delivery: { kind: 'timeout', delivered: false } } satisfies DeliveryResult);
    }
    const { reader, command, nowMs } = JSON.parse(message.payload) as DeliverPayload;
    device.viaBus = true;
    const result = await this.deliverHere(device, reader, command, nowMs, message.accountId);
    return JSON.stringify({ delivery: result.delivery } satisfies DeliveryResult);
  }

  /** Another node took this reader over (its device reconnected there): this connection is stale. */
  private onLeaseLost(accountId: string, readerId: string, epoch: number): void {
    const device = this.devices.get(readerId);
    if (device && device.accountId === accountId && device.epoch === epoch) {
      this.fail(device.ws, 'replaced_by_new_connection', 'This reader connected to another server node.', 4000);
    }
  }

  private async deliverHere(
    device: DeviceConnection,
    reader: Reader,
    command: ReaderCommand,
    nowMs: number,
    accountId?: string,
  ): Promise<DeliveryResult> {
    if (device.ws.readyState !== device.ws.OPEN) return { delivery: { kind: 'timeout', delivered: false } };
    let serverCommand: ServerCommand;
    if (command.kind === 'cancel_action') {
      serverCommand = { type: 'cancel' };
    } else {
      const { type, ...details } = command.action;
      const provisional: Reader = {
        ...reader,
        action: {
          type,
          status: 'in_progress',
          failure_code: null,
          failure_message: null,
          ...details,
        } as Reader['action'],
        _internal: { ...reader._internal, stage: 'waiting', deviceActionId: command.actionId ?? null },
      };
      const ctx = await this.context(accountId ?? device.accountId, nowMs);
      const described = await this.services.readerDevices.describe(ctx, provisional);
      if (!described) return { delivery: { kind: 'timeout', delivered: false } };
      serverCommand = { type: 'action', action: described };
      device.pushed = `${described.id}:waiting`;
      device.expecting.clear();
      device.expecting.add(described.id);
    }
    const acked = await this.send(device, serverCommand, true);
    if (acked) return { delivery: { kind: 'ack' } };
    // Still connected: the command was written and the device may be working on it (its ack was lost
    // or late). The caller answers terminal_reader_timeout and keeps the action: the false negative.
    return {
      delivery: {
        kind: 'timeout',
        delivered: device.ws.readyState === device.ws.OPEN && this.devices.get(reader.id) === device,
      },
    };
  }

  /** A device's PIN pad sends the PIN with the card read; nothing more is asked of it afterwards. */
  pinOnRequest(_reader: Reader, typed: string | null): string | null {
    return typed;
  }

  /**
   * Claims a stored code, whichever node's device shows it (docs/cluster.md, Pairing): one
   * conditional write, so a code registers one reader once. The device learns its credentials from
   * its own node: at once when that is this node, else woken by the `paired` hint or its poll.
   */
  async claimRegistration(code: string, claim: RegistrationClaim): Promise<PendingRegistration | null> {
    // The code's lifetime runs on the wall clock (not the account's): the device shows it, not an account.
    const claimed = await this.pairingStore.claimPairing(code, claim.accountId, claim.readerId, this.wallNow());
    if (!claimed) {
      const local = this.pairings.get(code);
      if (local && local.expiresAtMs < this.wallNow()) this.expire(local);
      return null;
    }
    const device = JSON.parse(claimed.device) as PairingDevice;
    return {
      link: this.name,
      deviceType: personalities[device.personality].deviceType,
      serialNumber: device.serialNumber,
      deviceSwVersion: device.deviceSwVersion,
      ipAddress: device.ipAddress,
      secretSha256: claimed.secretSha256,
      complete: async () => {
        const node = await this.pairingStore.completePairing(code);
        if (node === this.bus.nodeId) this.handOver({ code, accountId: claim.accountId, readerId: claim.readerId });
      },
    };
  }

  /** The device of a registered code waits here: it gets its credentials, and the code is gone. */
  private handOver(registered: RegisteredPairing): void {
    const pairing = this.pairings.get(registered.code);
    if (pairing) {
      this.pairings.delete(registered.code);
      clearTimeout(pairing.expiry);
      this.sendFrame(pairing.ws, {
        type: 'paired',
        account: registered.accountId,
        reader_id: registered.readerId,
        reader_secret: pairing.readerSecret,
        device_type: personalities[pairing.personality].deviceType,
      });
      pairing.ws.close(1000, 'paired');
    }
    // Without a socket here (it closed; or a previous process under this node id) the row is dropped too.
    void this.pairingStore.dropPairing(registered.code, this.bus.nodeId).catch(() => undefined);
  }

  /** The code's lifetime is over: the device is told, the code withdrawn. */
  private expire(pairing: Pairing): void {
    if (this.pairings.get(pairing.code) !== pairing) return;
    this.pairings.delete(pairing.code);
    clearTimeout(pairing.expiry);
    void this.pairingStore.dropPairing(pairing.code, this.bus.nodeId).catch(() => undefined);
    this.fail(pairing.ws, 'pairing_expired', 'The registration code expired. Pair again.');
  }

  /**
   * At every poll while devices pair here: codes registered through other nodes whose `paired` hint
   * was lost, and (every lease/3) the renewal saying this node still holds its codes.
   */
  private async pollPairings(): Promise<void> {
    if (this.pairings.size === 0) return;
    const now = this.wallNow();
    if (now - this.pairingsHeldAtMs >= this.bus.leaseMs / 3) {
      this.pairingsHeldAtMs = now;
      await this.pairingStore.holdPairings(this.bus.nodeId, now + this.bus.leaseMs);
    }
    await this.handOverRegistered();
  }

  private async handOverRegistered(): Promise<void> {
    for (const registered of await this.pairingStore.registeredPairings(this.bus.nodeId)) this.handOver(registered);
  }

  /**
   * Stores a fresh code for a pairing device; null when the socket closed meanwhile or no free code
   * was drawn. The reader secret is drawn here and stays in this node's memory until handed over.
   */
  private async openPairing(
    ws: WebSocket,
    frame: Extract<DeviceFrame, { type: 'pair' }>,
    request: IncomingMessage,
  ): Promise<Pairing | null> {
    const personality = personalities[frame.personality];
    const readerSecret = `rdrsk_${this.services.engine.ids.secret(40)}`;
    for (let draw = 0; draw < codeDrawsMax; draw += 1) {
      const code = registrationCode();
      if (this.pairings.has(code)) continue;
      const suffix = createHash('sha256').update(code).digest('hex').slice(0, 8).toUpperCase();
      const device: PairingDevice = {
        personality: frame.personality,
        serialNumber: frame.serial_number ?? `${personality.serialPrefix}${suffix}`,
        deviceSwVersion: frame.device_sw_version ?? personality.swVersion,
        ipAddress: (request.socket.remoteAddress ?? '0.0.0.0').replace(/^::ffff:/, ''),
      };
      const now = this.wallNow();
      const expiresAtMs = now + this.pairingCodeLifetimeMs;
      const stored = await this.pairingStore.addPairing({
        code,
        nodeId: this.bus.nodeId,
        device: JSON.stringify(device),
        secretSha256: hashKey(readerSecret),
        expiresAtMs,
        heldUntilMs: now + this.bus.leaseMs,
      });
      if (!stored) continue;
      if (ws.readyState !== ws.OPEN) {
        await this.pairingStore.dropPairing(code, this.bus.nodeId);
        return null;
      }
      const pairing: Pairing = {
        code,
        expiresAtMs,
        ws,
        personality: frame.personality,
        readerSecret,
        expiry: setTimeout(() => this.expire(pairing), this.pairingCodeLifetimeMs),
      };
      pairing.expiry.unref();
      this.pairings.set(code, pairing);
      return pairing;
    }
    return null;
  }

  // ----------------------------------------------------------------------------------------------
  // Connections
  // ----------------------------------------------------------------------------------------------

  private onPair(ws: WebSocket, request: IncomingMessage): void {
    // Protocol-level errors (bad frames, over the hard size cap) close the socket; never crash.
    ws.on('error', () => undefined);
    let seq = 0;
    const bucket: Bucket = { tokens: limits.readerMessageBurstMax, atMs: this.wallNow() };
    let asked = false;
    let pairing: Pairing | null = null;
    const helloTimer = setTimeout(() => {
      if (!asked) this.fail(ws, 'unauthenticated', 'Send a pair frame first.');
    }, this.helloTimeoutMs);
    ws.on('close', () => {
      clearTimeout(helloTimer);
      // Closing the socket withdraws the code, on every node.
      if (pairing && this.pairings.get(pairing.code) === pairing) {
        this.pairings.delete(pairing.code);
        clearTimeout(pairing.expiry);
        void this.pairingStore.dropPairing(pairing.code, this.bus.nodeId).catch(() => undefined);
      }
    });
    ws.on('message', (data, isBinary) => {
      const frame = this.decode(ws, data, isBinary, bucket, seq);
      if (!frame) return;
      seq = frame.seq;
      if (frame.type !== 'pair' || asked) {
        if (frame.type === 'heartbeat') return;
        this.fail(ws, 'not_paired', 'This socket only pairs: send one pair frame, then wait for the paired frame.');
        return;
      }
      if (frame.protocol !== readerProtocol) {
        this.fail(ws, 'unsupported_protocol', `This server speaks ${readerProtocol}.`);
        return;
      }
      asked = true;
      this.openPairing(ws, frame, request)
        .then((opened) => {
          pairing = opened;
          if (opened) this.sendFrame(ws, { type: 'pairing', code: opened.code, expires_at_ms: opened.expiresAtMs });
          // No free code, or the socket closed meanwhile: the device pairs again.
          else ws.close(1011, 'no registration code');
        })
        // The store failed: the device may pair again (1011: the server could not fulfil it).
        .catch(() => ws.close(1011, 'no registration code'));
    });
  }

  private onDevice(ws: WebSocket): void {
    ws.on('error', () => undefined);
    let seq = 0;
    const bucket: Bucket = { tokens: limits.readerMessageBurstMax, atMs: this.wallNow() };
    let device: DeviceConnection | null = null;
    let authenticating = false;
    const helloTimer = setTimeout(() => {
      if (!device) this.fail(ws, 'unauthenticated', 'Send a hello frame with the reader credentials first.');
    }, this.helloTimeoutMs);
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (device && this.devices.get(device.readerId) === device) {
        this.devices.delete(device.readerId);
        for (const resolve of device.pending.values()) resolve(false);
        this.screens.delete(device.readerId);
        this.publishScreen(device.readerId, { screen: 'offline' });
        // The last signal reaches the database, so other nodes see it (and the 2-minute rule runs on);
        // the lease ends, so no node sends this reader commands through this one any more.
        void this.persistPresence(device.accountId, device.readerId, true).catch(() => undefined);
        const { accountId, readerId, epoch } = device;
        void this.bus
          .shareScreen(accountId, readerId, epoch, JSON.stringify({ screen: 'offline' }))
          .finally(() => this.bus.release(accountId, readerId, epoch))
          .catch(() => undefined);
      }
    });
    ws.on('message', (data, isBinary) => {
      const frame = this.decode(ws, data, isBinary, bucket, seq);
      if (!frame) return;
      seq = frame.seq;
      if (!device) {
        if (frame.type !== 'hello' || authenticating) {
          this.fail(
            ws,
            'unauthenticated',
            'The first frame on this socket must be hello (with the reader credentials).',
          );
          return;
        }
        authenticating = true;
        // A store failure (PostgreSQL unreachable) is not `unknown_reader`, which a device takes as
        // permanent (it would stop reconnecting and need pairing again): 1011 and no fatal frame, as
        // when the store fails a pairing, so the device connects again (docs/cluster.md).
        this.authenticate(ws, frame, (connected) => {
          device = connected;
          clearTimeout(helloTimer);
        }).catch(() => ws.close(1011, 'reader not authenticated: retry'));
        return;
      }
      this.onDeviceFrame(device, frame);
    });
  }

  /** Checks the credentials; `ready` runs before the welcome is sent, so the device's next frames find the connection. */
  private async authenticate(
    ws: WebSocket,
    hello: Extract<DeviceFrame, { type: 'hello' }>,
    ready: (device: DeviceConnection) => void,
  ): Promise<void> {
    if (hello.protocol !== readerProtocol) {
      this.fail(ws, 'unsupported_protocol', `This server speaks ${readerProtocol}.`);
      return;
    }
    const account = await this.services.engine.store.getAccount(hello.account);
    const record = account ? await this.services.engine.store.get<Reader>(hello.account, hello.reader_id) : null;
    const reader = record?.object;
    if (!reader || reader.object !== 'terminal.reader' || reader._internal.link !== this.name) {
      this.fail(ws, 'unknown_reader', `No gateway reader ${hello.reader_id} on this account.`);
      return;
    }
    const stored = reader._internal.secretSha256;
    if (reader['deleted'] === true || typeof stored !== 'string') {
      this.fail(ws, 'reader_revoked', `Reader ${hello.reader_id} was deleted: pair again.`);
      return;
    }
    if (!sameSecret(hashKey(hello.secret), stored)) {
      this.fail(ws, 'unauthenticated', 'Invalid reader credentials.');
      return;
    }
    if (ws.readyState !== ws.OPEN) return;
    const previous = this.devices.get(reader.id);
    if (previous)
      this.fail(previous.ws, 'replaced_by_new_connection', 'Another connection authenticated as this reader.', 4000);
    const ctx = await this.services.engine.automaticContext(hello.account);
    if (ws.readyState !== ws.OPEN) return;
    // The lease: a device reconnecting here takes the reader over from the node it left (whose old,
    // maybe half-open, connection is closed at its next renewal); of two nodes racing, one wins.
    const epoch = await this.bus.own(hello.account, reader.id);
    if (epoch === null) {
      this.fail(
        ws,
        'replaced_by_new_connection',
        'Another connection authenticated as this reader on another server node.',
        4000,
      );
      return;
    }
    if (ws.readyState !== ws.OPEN) {
      await this.bus.release(hello.account, reader.id, epoch);
      return;
    }
    const device: DeviceConnection = {
      ws,
      accountId: hello.account,
      readerId: reader.id,
      epoch,
      pending: new Map(),
      pushed: null,
      queue: Promise.resolve(),
      expecting: new Set(),
      committed: new Map(),
      viaBus: false,
    };
    this.devices.set(reader.id, device);
    this.lastSeen.set(reader.id, ctx.nowMs);
    ready(device);
    this.sendFrame(ws, {
      type: 'welcome',
      protocol: readerProtocol,
      reader_id: reader.id,
      heartbeat_interval_ms: this.heartbeatIntervalMs,
      ack_timeout_ms: this.ackTimeoutMs,
      offline_after_ms: readerOfflineAfterMs,
      message_bytes_max: limits.readerMessageBytesMax,
      server_time_ms: ctx.nowMs,
    });
    await this.persistPresence(hello.account, reader.id, true);
    await this.resume(device, ctx, reader, hello.action_id);
  }

  /** After (re)connecting: the device continues the current action, gets it again, or drops a stale one. */
  private async resume(
    device: DeviceConnection,
    ctx: RequestContext,
    reader: Reader,
    deviceActionId: string | null,
  ): Promise<void> {
    const status = serverActionStatus(reader);
    if (!status || (status.status !== 'waiting' && status.actionId !== deviceActionId)) {
      if (deviceActionId !== null) void this.send(device, { type: 'cancel' }, false);
      return;
    }
    if (status.actionId !== deviceActionId) {
      const command = await this.services.readerDevices.commandFor(ctx, reader);
      if (command) void this.send(device, command, false);
    }
    this.pushStatus(device, status);
  }

  private onDeviceFrame(device: DeviceConnection, frame: DeviceFrame): void {
    this.touch(device);
    switch (frame.type) {
      case 'heartbeat':
        return;
      case 'ack': {
        const resolve = device.pending.get(frame.command_id);
        if (resolve) {
          device.pending.delete(frame.command_id);
          resolve(true);
        }
        return;
      }
      case 'screen':
        this.screens.set(device.readerId, frame.state);
        this.publishScreen(device.readerId, frame.state);
        void this.bus
          .shareScreen(device.accountId, device.readerId, device.epoch, JSON.stringify(frame.state))
          .catch(() => undefined);
        return;
      case 'event':
        device.queue = device.queue
          .then(async () => {
            const ctx = await this.services.engine.automaticContext(device.accountId);
            const actionId = 'action_id' in frame.event ? frame.event.action_id : null;
            if (actionId !== null && device.expecting.has(actionId)) await this.awaitAction(device, actionId);
            try {
              await this.services.readerDevices.applyEvent(ctx, device.readerId, frame.event);
              this.sendFrame(device.ws, { type: 'event_result', seq: frame.seq, ok: true, error: null });
            } catch (error) {
              const body = isApiError(error)
                ? { code: error.code, message: error.message }
                : { code: 'api_error', message: 'The event could not be processed.' };
              this.sendFrame(device.ws, { type: 'event_result', seq: frame.seq, ok: false, error: body });
            }
            await this.pushCurrent(device);
          })
          .catch(() => {
            // The account or reader vanished mid-event (or the store failed): the device learns nothing more.
            this.sendFrame(device.ws, {
              type: 'event_result',
              seq: frame.seq,
              ok: false,
              error: { code: 'api_error', message: 'The event could not be processed.' },
            });
          });
        return;
      default:
        this.fail(device.ws, 'unauthenticated', `A ${frame.type} frame is not valid on an authenticated connection.`);
    }
  }

  /** Waits (bounded) until the API committed the action the device already acknowledged. */
  private async awaitAction(device: DeviceConnection, actionId: string): Promise<void> {
    const committed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      device.committed.set(actionId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const record = await this.services.engine.store.get<Reader>(device.accountId, device.readerId);
    if (record && deviceActionId(record.object) !== actionId) await committed;
    device.committed.get(actionId)?.();
    device.committed.delete(actionId);
    device.expecting.delete(actionId);
  }

  /** Checks size, rate, JSON shape and sequence; on a violation sends the error and closes. */
  private decode(ws: WebSocket, data: RawData, isBinary: boolean, bucket: Bucket, lastSeq: number): DeviceFrame | null {
    if (!takeToken(bucket, this.wallNow())) {
      this.fail(ws, 'rate_limited', `More than ${limits.readerMessagesPerSecondMax} messages per second.`, 1008);
      return null;
    }
    const size = Array.isArray(data)
      ? data.reduce((n, b) => n + b.length, 0)
      : data instanceof ArrayBuffer
        ? data.byteLength
        : data.length;
    if (size > limits.readerMessageBytesMax) {
      this.fail(ws, 'message_too_large', `Frames are limited to ${limits.readerMessageBytesMax} bytes.`, 1009);
      return null;
    }
    if (isBinary) {
      this.fail(ws, 'malformed_message', 'Frames are JSON text frames.');
      return null;
    }
    let frame: DeviceFrame;
    try {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as Buffer).toString('utf8');
      frame = parseDeviceFrame(parseJson(text));
    } catch (error) {
      if (error instanceof FrameError) this.fail(ws, error.code, error.message);
      else this.fail(ws, 'malformed_message', 'The frame could not be decoded.');
      return null;
    }
    if (frame.seq <= lastSeq) {
      this.fail(ws, 'replayed_message', `seq ${frame.seq} was already used on this connection (last ${lastSeq}).`);
      return null;
    }
    if (frame.seq !== lastSeq + 1) {
      this.fail(ws, 'out_of_order', `Expected seq ${lastSeq + 1}, got ${frame.seq}.`);
      return null;
    }
    return frame;
  }

  // ----------------------------------------------------------------------------------------------
  // Internals
  // ----------------------------------------------------------------------------------------------

  private sendFrame(ws: WebSocket, frame: ServerFrame): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  }

  /** Sends an error frame and, for fatal errors, closes the connection. */
  private fail(ws: WebSocket, code: ProtocolErrorCode, message: string, closeCode = 1008): void {
    this.sendFrame(ws, { type: 'error', code, message, fatal: true });
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(closeCode, code);
  }

  /** Sends a command; with `await` resolves true when acknowledged within the deadline. */
  private send(device: DeviceConnection, command: ServerCommand, wait: boolean): Promise<boolean> {
    this.commandCounter += 1;
    const commandId = `cmd_${this.commandCounter.toString(36)}`;
    this.sendFrame(device.ws, { type: 'command', command_id: commandId, command });
    if (!wait) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        device.pending.delete(commandId);
        resolve(false);
      }, this.ackTimeoutMs);
      device.pending.set(commandId, (acked) => {
        clearTimeout(timer);
        resolve(acked);
      });
    });
  }

  /**
   * A screen viewer's touch for the reader's device wherever it is connected: here, or through a
   * command row for the node holding it. False: no node holds the device.
   */
  async sendInput(
    accountId: string,
    readerId: string,
    input: ServerFrame & { type: 'customer_input' },
  ): Promise<boolean> {
    const device = this.devices.get(readerId);
    if (device) return device.accountId === accountId && this.forwardInput(readerId, input);
    const payload: InputPayload = { input };
    const outcome = await this.bus.request(
      { accountId, readerId, toNode: null, kind: 'input', payload: JSON.stringify(payload) },
      { pickupMs: this.pickupMs(), answerMs: this.pickupMs() },
    );
    return outcome.kind === 'answered' && (JSON.parse(outcome.result) as { ok?: boolean }).ok === true;
  }

  /** The screen of a device connected to another node (kept in the store by its node), or null. */
  async screenElsewhere(accountId: string, readerId: string): Promise<ScreenState | null> {
    const text = await this.bus.liveScreen(accountId, readerId);
    return text === null ? null : (JSON.parse(text) as ScreenState);
  }

  /** Forwards a screen viewer's touch to the device (it decides, as if touched). */
  forwardInput(readerId: string, input: ServerFrame & { type: 'customer_input' }): boolean {
    const device = this.devices.get(readerId);
    if (!device) return false;
    this.sendFrame(device.ws, input);
    return true;
  }

  private publishScreen(readerId: string, state: ScreenState): void {
    for (const listener of this.screenListeners) listener(readerId, state);
  }

  /** The account's automatic context at the time of the command being delivered. */
  private async context(accountId: string, nowMs: number): Promise<RequestContext> {
    return { ...(await this.services.engine.automaticContext(accountId)), nowMs };
  }

  /** Wall clock (the engine's clock, without any account's test-clock offset). */
  private wallNow(): number {
    return this.services.engine.clock.nowMs();
  }

  /** The account's clock (wall clock + test-clock offset), with the offset cached for a second. */
  private async accountNow(accountId: string): Promise<number> {
    const wall = this.services.engine.clock.nowMs();
    const cached = this.offsets.get(accountId);
    if (cached && wall - cached.atMs < 1000) return wall + cached.offsetMs;
    const account = await this.services.engine.store.getAccount(accountId);
    const offsetMs = account?.clockOffsetMs ?? 0;
    this.offsets.set(accountId, { offsetMs, atMs: wall });
    return wall + offsetMs;
  }

  /** Any frame is a signal: presence in memory now, in the database at most every `presenceWriteIntervalMs`. */
  private touch(device: DeviceConnection): void {
    void this.accountNow(device.accountId)
      .then(async (nowMs) => {
        const previous = this.lastSeen.get(device.readerId);
        this.lastSeen.set(device.readerId, nowMs);
        const wasOffline = previous === undefined || nowMs - previous > readerOfflineAfterMs;
        if (this.services.readerPresence.writeDue(device.readerId, wasOffline, this.presenceWriteIntervalMs)) {
          await this.persistPresence(device.accountId, device.readerId, false);
        }
      })
      .catch(() => undefined);
  }

  private async persistPresence(accountId: string, readerId: string, force: boolean): Promise<void> {
    const last = this.lastSeen.get(readerId);
    if (last === undefined) return;
    await this.services.readerPresence.write(accountId, readerId, last, force);
  }

  private onCommit(accountId: string, changed: readonly StoredObject[]): void {
    for (const object of changed) {
      // What other nodes may wait on: a device they hold, an SDK long-poll (a hint; they poll as well).
      if (announcedTypes.has(object.object)) this.announceChange(accountId, object.id);
      if (object.object !== 'terminal.reader') continue;
      const device = this.devices.get(object.id);
      if (device && device.accountId === accountId) this.onReaderChanged(device, object as Reader);
    }
  }

  /** Changes announced in this turn of the event loop, sent once each right after it. */
  private readonly announcing = new Set<string>();

  private announceChange(accountId: string, objectId: string): void {
    if (this.announcing.size === 0) {
      setImmediate(() => {
        const topics = [...this.announcing];
        this.announcing.clear();
        for (const topic of topics) void this.bus.announce(topic).catch(() => undefined);
      });
    }
    this.announcing.add(`changed:${this.bus.nodeId}:${accountId}:${objectId}`);
  }

  /** `changed:<node>:<account>:<id>` from another node: a device held here or a long-poll waiting here looks again. */
  private onBusTopic(topic: string): void {
    if (topic === 'paired') {
      void this.handOverRegistered().catch(() => undefined);
      return;
    }
    const [kind, node, accountId, objectId] = topic.split(':');
    if (kind !== 'changed' || node === this.bus.nodeId || !accountId || !objectId) return;
    this.services.sdkSessions.wake(accountId, objectId);
    const device = this.devices.get(objectId);
    if (device && device.accountId === accountId) void this.refreshDevice(device).catch(() => undefined);
  }

  private async refreshDevice(device: DeviceConnection): Promise<void> {
    const record = await this.services.engine.store.get<Reader>(device.accountId, device.readerId);
    if (record && this.devices.get(device.readerId) === device) this.onReaderChanged(device, record.object);
  }

  private onReaderChanged(device: DeviceConnection, reader: Reader): void {
    if (reader['deleted'] === true) {
      this.fail(device.ws, 'reader_revoked', `Reader ${reader.id} was deleted.`, 4001);
      return;
    }
    const actionId = deviceActionId(reader);
    if (actionId !== null) device.committed.get(actionId)?.();
    const status = serverActionStatus(reader);
    if (status) this.pushStatus(device, status);
  }

  private async pushCurrent(device: DeviceConnection): Promise<void> {
    const record = await this.services.engine.store.get<Reader>(device.accountId, device.readerId);
    const status = record ? serverActionStatus(record.object) : null;
    if (status) this.pushStatus(device, status);
  }

  /**
   * The poll behind the `changed:` hints (a NOTIFY may be lost): devices whose current command came
   * from another node and that wait for its commit of an action they acknowledged, or whose action
   * is not finished yet, look at their reader. Devices commanded through this node need no poll
   * (this node's own commits reach them at once), so one node polls nothing.
   */
  private async refreshActiveDevices(): Promise<void> {
    for (const device of [...this.devices.values()]) {
      if (!device.viaBus) continue;
      const finished = device.pushed !== null && /:(succeeded|failed)$/.test(device.pushed);
      if (device.expecting.size > 0 || (device.pushed !== null && !finished)) await this.refreshDevice(device);
    }
  }

  /** Tells the device how its action is going on the server, once per change. */
  private pushStatus(device: DeviceConnection, status: ServerActionStatus): void {
    const key = `${status.actionId}:${status.status}`;
    if (device.pushed === key || status.status === 'waiting') {
      if (status.status === 'waiting') device.pushed = key;
      return;
    }
    device.pushed = key;
    void this.send(
      device,
      {
        type: 'action_update',
        action_id: status.actionId,
        status: status.status,
        message: status.message,
      },
      false,
    );
  }
}

/** The objects whose commits other nodes hear of: readers (devices, SDK states) and SDK sessions and connections. */
const announcedTypes = new Set(['terminal.reader', 'opentill.sdk_session', 'opentill.sdk_reader_connection']);

/** Answers an upgrade with a Stripe-shaped JSON error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: 401 | 404, message: string, code?: string): void {
  const body = JSON.stringify({ error: { type: 'invalid_request_error', ...(code ? { code } : {}), message } });
  const reason = status === 404 ? 'Not Found' : 'Unauthorized';
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // A peer that never reads must not keep the half-closed socket either.
  setTimeout(() => socket.destroy(), 1_000).unref();
}
