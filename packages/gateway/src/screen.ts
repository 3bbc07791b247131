/**
 * The screen hub: the server side of the virtual reader screen (contract in
 * `packages/protocol/src/reader-screen.ts`). A screen session (`POST
 * /opentill/v1/terminal/readers/:id/screen_sessions`, secret key) gives a short-lived token, stored
 * only as a SHA-256 hash; `GET /opentill/v1/screen/connect?token=…` upgrades to a WebSocket that
 * receives every ScreenState of that reader's device and sends CustomerInput back. Simulated readers'
 * devices run in-process (`ReaderDevices`); gateway readers' devices report their screens and get
 * the touches forwarded.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { ApiError, isApiError, limits, secondsOf, type Reader, type StoredObject } from '@opentill/core';
import { hashKey, type RequestContext } from '@opentill/engine';
import { screenLanguageFor, type ScreenReader, type ScreenServerMessage, type ScreenState } from '@opentill/protocol';
import { FrameError, parseCustomerInput, parseJson, resultIdleMs } from '@opentill/reader-device';
import { parseParams } from '@opentill/protocol';
import type { GatewayHost, GatewayServices } from './host.js';
import { gatewayPaths, refuseUpgrade, takeToken, type ReaderGateway } from './gateway.js';
import { publicOrigin, type PublicUrlOptions } from './public-url.js';

/** A screen session token must be used (connected) within this. */
export const screenSessionLifetimeMs = 10 * 60 * 1000;

interface ScreenSessionRecord extends StoredObject {
  object: 'opentill.screen_session';
  token_sha256: string;
  reader: string;
  expires_at_ms: number;
}

interface Viewer {
  ws: WebSocket;
  accountId: string;
  readerId: string;
}

export class ScreenHub {
  private readonly viewers = new Map<string, Set<Viewer>>();
  private readonly seqs = new Map<string, number>();
  /** Locations' country and state, for the screen's language (dropped when a location changes). */
  private readonly places = new Map<string, { country: string | null; state: string | null }>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  /** Screens of devices held by other nodes, as last sent to this node's viewers (JSON), by reader id. */
  private readonly remoteScreens = new Map<string, string>();
  /** Readers watched here whose device is a gateway device (simulated readers' screens are derived, never relayed). */
  private readonly gatewayReaders = new Set<string>();

  constructor(
    private readonly services: GatewayServices,
    private readonly gateway: ReaderGateway,
    private readonly urls: PublicUrlOptions = {},
  ) {
    gateway.route(gatewayPaths.screen, (request, socket, head) => {
      this.upgrade(request, socket, head).catch(() => socket.destroy());
    });
    gateway.onScreen((readerId, state) => void this.broadcastFor(readerId, state).catch(() => undefined));
    // Devices held by other nodes: their node keeps each screen in the store and says so (a hint),
    // and the bus's poll looks again for viewers here in case the hint was lost.
    const stopTopics = gateway.bus.onTopic((topic) => {
      const [kind, accountId, readerId] = topic.split(':');
      if (kind === 'screen' && accountId && readerId)
        void this.refreshRemote(accountId, readerId).catch(() => undefined);
    });
    const stopPolls = gateway.bus.onPoll(async () => {
      for (const [readerId, set] of this.viewers) {
        const first = set.values().next().value;
        if (first) await this.refreshRemote(first.accountId, readerId);
      }
    });
    const stopCommits = services.engine.onCommit((accountId, _events, changed) => {
      for (const object of changed) {
        if (object.object === 'terminal.location') this.places.delete(object.id);
        if (object.object !== 'terminal.reader' || !this.viewers.has(object.id)) continue;
        // A deleted reader's screen closes like its device does (4001 reader_revoked); the page's
        // reconnect is then refused, since its session no longer opens.
        if (object['deleted'] === true) this.closeViewers(accountId, object.id, 4001, 'reader_revoked');
        else void this.refresh(accountId, object as Reader).catch(() => undefined);
      }
    });
    this.unsubscribe = () => {
      stopTopics();
      stopPolls();
      stopCommits();
    };
  }

  /** Sends viewers here the screen of a gateway device another node holds, when it changed. */
  private async refreshRemote(accountId: string, readerId: string): Promise<void> {
    if (!this.viewers.has(readerId) || !this.gatewayReaders.has(readerId) || this.gateway.isConnected(readerId)) return;
    const state: ScreenState = (await this.gateway.screenElsewhere(accountId, readerId)) ?? { screen: 'offline' };
    const text = JSON.stringify(state);
    if (this.remoteScreens.get(readerId) === text) return;
    this.remoteScreens.set(readerId, text);
    await this.broadcastFor(readerId, state);
  }

  close(): void {
    this.unsubscribe();
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    for (const set of this.viewers.values()) for (const viewer of set) viewer.ws.close(1001, 'server_closing');
  }

  private closeViewers(accountId: string, readerId: string, code: number, reason: string): void {
    for (const viewer of this.viewers.get(readerId) ?? []) {
      if (viewer.accountId === accountId) viewer.ws.close(code, reason);
    }
  }

  viewerCount(readerId: string): number {
    return this.viewers.get(readerId)?.size ?? 0;
  }

  /** `POST /opentill/v1/terminal/readers/:id/screen_sessions`. */
  register(app: GatewayHost): void {
    app.route('POST', '/opentill/v1/terminal/readers/:id/screen_sessions', async (request, ctx, raw) => {
      parseParams({}, raw);
      const readerId = (request.params as { id: string }).id;
      await this.services.terminalReaders.load(ctx, readerId);
      const token = `otscr_${ctx.accountId}.${randomBytes(24).toString('base64url')}`;
      const expiresAtMs = ctx.nowMs + screenSessionLifetimeMs;
      const record: ScreenSessionRecord = {
        id: this.services.engine.ids.next('scrs'),
        object: 'opentill.screen_session',
        created: secondsOf(ctx.nowMs),
        livemode: false,
        token_sha256: hashKey(token),
        reader: readerId,
        expires_at_ms: expiresAtMs,
      };
      const origin = publicOrigin(request.raw, this.urls);
      const answer = {
        object: 'opentill.screen_session',
        id: record.id,
        reader: readerId,
        token,
        url: `${origin}/opentill/screen/${encodeURIComponent(readerId)}?token=${encodeURIComponent(token)}`,
        websocket_url: `${origin.replace(/^http/, 'ws')}${gatewayPaths.screen}?token=${encodeURIComponent(token)}`,
        expires_at: secondsOf(expiresAtMs),
      };
      // The token is shown once and stored only hashed: the answer itself is the recorded effect (sealed).
      await this.services.engine.commit(ctx, [record], [], new Map(), new Map(), { answer });
      return answer;
    });
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const token = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
    const session = await this.session(token).catch(() => null);
    if (!session) {
      refuseUpgrade(socket, 401, 'Invalid or expired screen session token.');
      return;
    }
    this.gateway.webSocketServer.handleUpgrade(request, socket, head, (ws) =>
      this.onViewer(ws, session.accountId, session.readerId),
    );
  }

  private async session(token: string): Promise<{ accountId: string; readerId: string } | null> {
    const match = /^otscr_([A-Za-z0-9_]{1,100})\.[A-Za-z0-9_-]{20,64}$/.exec(token);
    if (!match) return null;
    const accountId = match[1]!;
    const engine = this.services.engine;
    if (!(await engine.store.getAccount(accountId))) return null;
    const found = await engine.store.list<ScreenSessionRecord>({
      accountId,
      type: 'opentill.screen_session',
      limit: 1,
      filters: [{ field: 'token_sha256', op: 'eq', value: hashKey(token) }],
    });
    const record = found.data[0];
    const ctx = await engine.automaticContext(accountId);
    if (!record || record.expires_at_ms <= ctx.nowMs) return null;
    const reader = await engine.store.get<Reader>(accountId, record.reader);
    if (!reader || reader.object['deleted'] === true) return null;
    return { accountId, readerId: record.reader };
  }

  private onViewer(ws: WebSocket, accountId: string, readerId: string): void {
    ws.on('error', () => undefined);
    const viewer: Viewer = { ws, accountId, readerId };
    let set = this.viewers.get(readerId);
    if (!set) this.viewers.set(readerId, (set = new Set()));
    set.add(viewer);
    const bucket = { tokens: limits.readerMessageBurstMax, atMs: Date.now() };
    ws.on('close', () => {
      set!.delete(viewer);
      if (set!.size === 0 && this.viewers.get(readerId) === set) {
        this.viewers.delete(readerId);
        this.remoteScreens.delete(readerId);
        this.gatewayReaders.delete(readerId);
      }
    });
    ws.on('message', (data, isBinary) => {
      const size = Array.isArray(data)
        ? data.reduce((n, b) => n + b.length, 0)
        : data instanceof ArrayBuffer
          ? data.byteLength
          : data.length;
      if (!takeToken(bucket, Date.now())) {
        ws.close(1008, 'rate_limited');
        return;
      }
      if (size > limits.readerMessageBytesMax || isBinary) {
        ws.close(1009, 'message_too_large');
        return;
      }
      let input;
      try {
        const message = parseJson(Buffer.from(data as Buffer).toString('utf8')) as Record<string, unknown> | null;
        if (
          !message ||
          typeof message !== 'object' ||
          message['type'] !== 'input' ||
          Object.keys(message).length !== 2
        ) {
          throw new FrameError('malformed_message', 'Expected {"type":"input","input":{…}}.');
        }
        input = parseCustomerInput(message['input']);
      } catch (error) {
        this.sendTo(ws, { type: 'input_rejected', reason: error instanceof Error ? error.message : 'Invalid input.' });
        return;
      }
      void this.input(viewer, input).catch((error: unknown) => {
        this.sendTo(ws, {
          type: 'input_rejected',
          reason: isApiError(error) ? error.message : 'The input could not be processed.',
        });
      });
    });
    void this.initial(viewer).catch(() => ws.close(1011, 'internal_error'));
  }

  private async initial(viewer: Viewer): Promise<void> {
    const ctx = await this.services.engine.automaticContext(viewer.accountId);
    const reader = (await this.services.terminalReaders.load(ctx, viewer.readerId)).object;
    if (reader._internal.link === 'gateway' && this.viewers.has(reader.id)) this.gatewayReaders.add(reader.id);
    const state = await this.screenOf(ctx, reader);
    this.sendTo(viewer.ws, {
      type: 'screen',
      reader: await this.screenReader(ctx, reader),
      state,
      seq: this.nextSeq(reader.id),
    });
    this.returnToIdleLater(viewer.accountId, reader, state);
  }

  private async input(viewer: Viewer, input: ReturnType<typeof parseCustomerInput>): Promise<void> {
    const ctx = await this.services.engine.automaticContext(viewer.accountId);
    const reader = (await this.services.terminalReaders.load(ctx, viewer.readerId)).object;
    if (reader._internal.link === 'tap_to_pay') {
      // A phone's card reads go through its SDK's tap screen and the Tap to Pay rules, never here.
      throw new ApiError(
        'invalid_request_body',
        "This reader is a Tap to Pay phone: cards are tapped on the phone (its app's tap screen), not on this screen.",
      );
    }
    if (reader._internal.link === 'gateway') {
      if (!(await this.gateway.sendInput(viewer.accountId, reader.id, { type: 'customer_input', input }))) {
        throw new ApiError('invalid_request_body', 'The reader is not connected.');
      }
      return;
    }
    await this.services.readerDevices.simulatedInput(ctx, reader.id, input);
    // Touches the device keeps to itself (a card waiting for the tip) change no document: show them now.
    await this.refresh(viewer.accountId, (await this.services.terminalReaders.load(ctx, reader.id)).object);
  }

  private async screenOf(ctx: RequestContext, reader: Reader): Promise<ScreenState> {
    if (reader._internal.link === 'gateway') {
      const here =
        this.gateway.screens.get(reader.id) ??
        (this.gateway.isConnected(reader.id) ? { screen: 'splash', message: null } : null);
      return here ?? (await this.gateway.screenElsewhere(ctx.accountId, reader.id)) ?? { screen: 'offline' };
    }
    return this.services.readerDevices.simulatedScreen(ctx, reader);
  }

  private async screenReader(ctx: RequestContext, reader: Reader): Promise<ScreenReader> {
    const view = this.services.terminalReaders.view(reader, ctx.nowMs);
    const place = reader.location
      ? (this.places.get(reader.location) ?? (await this.loadPlace(ctx, reader.location)))
      : null;
    return {
      id: reader.id,
      label: reader.label,
      device_type: reader.device_type,
      status: view.status,
      language: screenLanguageFor(place?.country, place?.state),
      country: place?.country ?? null,
    };
  }

  private async loadPlace(
    ctx: RequestContext,
    locationId: string,
  ): Promise<{ country: string | null; state: string | null }> {
    const location = await this.services.engine.store.get(ctx.accountId, locationId);
    const address = (location?.object['address'] ?? null) as { country?: string; state?: string | null } | null;
    const place = { country: address?.country ?? null, state: address?.state ?? null };
    if (this.places.size >= limits.listLimitMax * 10) this.places.clear();
    this.places.set(locationId, place);
    return place;
  }

  /**
   * A simulated reader's result screen turns back into its splash after `resultIdleMs` (the device
   * decides, on the account's clock): one refresh when that is due shows it. Gateway devices time
   * it themselves and report their new screen.
   */
  private returnToIdleLater(accountId: string, reader: Reader, state: ScreenState): void {
    if (state.screen !== 'result' || reader._internal.link === 'gateway' || this.idleTimers.has(reader.id)) return;
    const timer = setTimeout(() => {
      this.idleTimers.delete(reader.id);
      void this.services.engine.store
        .get<Reader>(accountId, reader.id)
        .then((record) => (record ? this.refresh(accountId, record.object) : undefined))
        .catch(() => undefined);
    }, resultIdleMs + 50);
    timer.unref();
    this.idleTimers.set(reader.id, timer);
  }

  private async refresh(accountId: string, reader: Reader): Promise<void> {
    if (!this.viewers.has(reader.id) || reader['deleted'] === true) return;
    if (reader._internal.link === 'gateway') return; // the device reports its own screens
    const ctx = await this.services.engine.automaticContext(accountId);
    const state = await this.screenOf(ctx, reader);
    await this.broadcast(ctx, reader, state);
    this.returnToIdleLater(accountId, reader, state);
  }

  private async broadcastFor(readerId: string, state: ScreenState): Promise<void> {
    const set = this.viewers.get(readerId);
    const first = set?.values().next().value;
    if (!first) return;
    const ctx = await this.services.engine.automaticContext(first.accountId);
    const reader = await this.services.engine.store.get<Reader>(first.accountId, readerId);
    if (reader) await this.broadcast(ctx, reader.object, state);
  }

  private async broadcast(ctx: RequestContext, reader: Reader, state: ScreenState): Promise<void> {
    if (!this.viewers.has(reader.id)) return;
    const screenReader = await this.screenReader(ctx, reader);
    const set = this.viewers.get(reader.id);
    if (!set) return;
    const message: ScreenServerMessage = { type: 'screen', reader: screenReader, state, seq: this.nextSeq(reader.id) };
    for (const viewer of set) this.sendTo(viewer.ws, message);
  }

  private nextSeq(readerId: string): number {
    const seq = (this.seqs.get(readerId) ?? 0) + 1;
    this.seqs.set(readerId, seq);
    return seq;
  }

  private sendTo(ws: WebSocket, message: ScreenServerMessage): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }
}
