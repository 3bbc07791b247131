/** A scriptable `opentill-reader/1` device for protocol tests: raw frames over a real WebSocket. */
import WebSocket from 'ws';
import { readerProtocol, type ServerFrame } from '@opentill/reader-device';

export interface Credential {
  account: string;
  readerId: string;
  secret: string;
}

export class TestDevice {
  readonly ws: WebSocket;
  seq = 0;
  /** Acknowledge every command on receipt (a healthy device); off to lose acks on purpose. */
  autoAck = true;
  readonly frames: ServerFrame[] = [];
  private waiters: Array<{ match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }> = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      if (frame.type === 'command' && this.autoAck) this.send({ type: 'ack', command_id: frame.command_id });
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.ws.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static async open(baseUrl: string, path: string): Promise<TestDevice> {
    const device = new TestDevice(`${baseUrl.replace(/^http/, 'ws')}${path}`);
    await new Promise<void>((resolve, reject) => {
      device.ws.once('open', () => resolve());
      device.ws.once('error', reject);
    });
    return device;
  }

  /** Pairs: resolves with the registration code; `paired()` then waits for the credentials. */
  static async pair(baseUrl: string, personality = 'wisepos_e'): Promise<{ device: TestDevice; code: string }> {
    const device = await TestDevice.open(baseUrl, '/opentill/v1/readers/pair');
    device.send({ type: 'pair', protocol: readerProtocol, personality });
    const frame = await device.next('pairing');
    return { device, code: (frame as Extract<ServerFrame, { type: 'pairing' }>).code };
  }

  async paired(): Promise<Credential> {
    const frame = (await this.next('paired')) as Extract<ServerFrame, { type: 'paired' }>;
    return { account: frame.account, readerId: frame.reader_id, secret: frame.reader_secret };
  }

  static async connect(baseUrl: string, credential: Credential, actionId: string | null = null): Promise<TestDevice> {
    const device = await TestDevice.open(baseUrl, '/opentill/v1/readers/connect');
    device.send({
      type: 'hello',
      protocol: readerProtocol,
      account: credential.account,
      reader_id: credential.readerId,
      secret: credential.secret,
      action_id: actionId,
    });
    await device.next('welcome');
    return device;
  }

  /** Sends a frame with the next sequence number (or the given one). */
  send(frame: Record<string, unknown>): number {
    const seq = typeof frame['seq'] === 'number' ? frame['seq'] : this.seq + 1;
    this.seq = Math.max(this.seq, seq);
    this.ws.send(JSON.stringify({ ...frame, seq }));
    return seq;
  }

  /** The next frame (already received or to come) matching the type and predicate, not consumed before. */
  next(
    type: ServerFrame['type'],
    predicate: (frame: ServerFrame) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ServerFrame> {
    const match = (f: ServerFrame) => f.type === type && predicate(f) && !this.consumed.has(f);
    const found = this.frames.find(match);
    if (found) {
      this.consumed.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(-800)}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          this.consumed.add(f);
          resolve(f);
        },
      });
    });
  }

  private readonly consumed = new Set<ServerFrame>();

  /** Waits for the next command (acknowledged on receipt when `autoAck`). */
  async command(): Promise<Extract<ServerFrame, { type: 'command' }>> {
    return (await this.next('command', (f) => f.type === 'command' && f.command.type !== 'action_update')) as Extract<
      ServerFrame,
      { type: 'command' }
    >;
  }

  /**
   * The command the device acts on once an API call has answered: the last one received. An API call
   * can deliver one action more than once (the server retries its commit after a version conflict and
   * re-sends the action, with the same action id); a device replaces its action with the latest
   * command, so the earlier copies are consumed here too.
   */
  async latestCommand(): Promise<Extract<ServerFrame, { type: 'command' }>> {
    let latest = await this.command();
    for (;;) {
      const later = this.frames.find(
        (f) => f.type === 'command' && f.command.type !== 'action_update' && !this.consumed.has(f),
      );
      if (!later) return latest;
      this.consumed.add(later);
      latest = later as Extract<ServerFrame, { type: 'command' }>;
    }
  }

  async event(event: Record<string, unknown>): Promise<Extract<ServerFrame, { type: 'event_result' }>> {
    const seq = this.send({ type: 'event', event });
    return (await this.next('event_result', (f) => f.type === 'event_result' && f.seq === seq)) as Extract<
      ServerFrame,
      { type: 'event_result' }
    >;
  }

  close(): void {
    this.ws.close();
  }
}

export function cardRead(
  actionId: string,
  number = '4242424242424242',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'card_read',
    action_id: actionId,
    number,
    read_method: 'contactless_emv',
    wallet: null,
    tip_amount: 0,
    pin: null,
    ...extra,
  };
}
