/**
 * A small PostgreSQL wire-protocol front end for one PGlite instance that
 * gives every client connection its own session settings.
 *
 * Why not `PGLiteSocketServer` from @electric-sql/pglite-socket (0.2.x)?
 * Measured against PGlite 0.5:
 *  - PGlite has exactly one backend session. pglite-socket multiplexes all
 *    sockets onto it, so `SET search_path` on one connection changes it for
 *    every other connection, and the startup packet's `options`
 *    (`-c search_path=...`) and database name are ignored.
 *    Schema-per-test isolation therefore breaks as soon as two test files share
 *    the server.
 *  - It switches between clients at any message boundary unless PGlite reports
 *    an explicit transaction block, so an extended-protocol pipeline
 *    (Parse/Bind/Execute/Sync) of one client can in principle interleave with
 *    another's.
 *  - `maxConnections` defaults to 1; extra sockets get a non-protocol
 *    "Too many connections" line.
 *
 * This server keeps pglite-socket's model (one global queue, one statement at
 * a time) but:
 *  - a connection keeps exclusive use of the session from its first message
 *    until PGlite answers ReadyForQuery with status 'I' (idle). That covers both
 *    explicit transactions and unfinished extended-protocol pipelines.
 *  - named prepared statements are per connection, as on a real server: every
 *    statement name in Parse/Bind/Describe/Close is prefixed with the
 *    connection's id (two clients may prepare the same name, as node-postgres
 *    and the store adapter do), and a closed connection's are deallocated.
 *  - on every switch between connections it saves the outgoing connection's
 *    tracked settings and restores the incoming one's. Tracked settings are
 *    `search_path` plus every `-c name=value` from the startup `options`, so
 *    `?options=-c%20search_path%3Dx` works as on a real server.
 *
 *  - LISTEN/NOTIFY reaches the listening connection: PGlite writes a
 *    NotificationResponse into the output of whichever connection's statement
 *    committed it, so notifications are taken out of every output and sent to
 *    the connections that LISTENed on their channel (the session itself stays
 *    LISTENing while any connection does).
 *
 * Still not emulated (document for test authors): other per-session state is
 * shared (portals, temp tables, advisory locks, untracked
 * GUCs), and a transaction blocks every other connection until it ends, so
 * code that opens a transaction and then waits on a second connection
 * deadlocks.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const READY_FOR_QUERY = 0x5a; // 'Z'
const TERMINATE = 0x58; // 'X'

interface Conn {
  readonly id: number;
  readonly socket: Socket;
  buffer: Buffer;
  started: boolean;
  closed: boolean;
  /** GUC values this connection expects to see; restored on switch-in. */
  settings: Map<string, string>;
  /** Its named prepared statements, as renamed in the shared session (deallocated on close). */
  statements: Set<string>;
  /** Channels it LISTENs on (UNLISTENed in the shared session when no connection is left on them). */
  channels: Set<string>;
}

/** A client message, or `null` meaning "this client disconnected". */
interface Job {
  conn: Conn;
  message: Uint8Array | null;
}

export interface MultiplexServerOptions {
  db: PGlite | Promise<PGlite>;
  host?: string;
  port: number;
}

export class PGliteMultiplexServer {
  private readonly dbReady: Promise<PGlite>;
  private server: Server | null = null;
  private nextId = 1;
  private readonly conns = new Set<Conn>();
  private readonly queue: Job[] = [];
  private processing = false;
  /** Connection that must run next (mid-transaction / mid-pipeline). */
  private owner: Conn | null = null;
  /** Connection whose settings are currently applied to the session. */
  private current: Conn | null = null;
  private defaultSearchPath = 'public';

  constructor(private readonly options: MultiplexServerOptions) {
    // The db may still be booting (several seconds); we can already accept
    // connections and queue their messages, which lets the listening port act
    // as the cross-process lock.
    this.dbReady = Promise.resolve(options.db).then(async (db) => {
      const res = await db.query<{ search_path: string }>('show search_path');
      this.defaultSearchPath = res.rows[0]?.search_path ?? 'public';
      return db;
    });
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  /** Resolves once listening; rejects e.g. with EADDRINUSE. */
  listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : this.options.port);
      });
    });
  }

  async close(): Promise<void> {
    for (const conn of this.conns) conn.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn: Conn = {
      id: this.nextId++,
      socket,
      buffer: Buffer.alloc(0),
      started: false,
      closed: false,
      settings: new Map(),
      statements: new Set(),
      channels: new Set(),
    };
    this.conns.add(conn);
    socket.on('data', (data) => this.onData(conn, data));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.onClose(conn));
  }

  private onData(conn: Conn, data: Buffer): void {
    conn.buffer = Buffer.concat([conn.buffer, data]);
    for (;;) {
      const message = conn.started ? takeTypedMessage(conn) : takeStartupMessage(conn);
      if (!message) return;
      this.route(conn, message);
    }
  }

  /** Handles pre-startup negotiation locally; queues everything else. */
  private route(conn: Conn, message: Buffer): void {
    if (!conn.started) {
      const code = message.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        conn.socket.write('N'); // no encryption; client continues in plain text
        return;
      }
      if (code === CANCEL_REQUEST || code !== PROTOCOL_3) {
        conn.socket.end(); // cancellation is not supported; nothing to signal
        return;
      }
      conn.started = true;
      conn.settings = settingsFromStartup(message, this.defaultSearchPath);
    } else if (message[0] === TERMINATE) {
      // Never forward Terminate: the PGlite session is shared by everyone.
      conn.socket.end();
      return;
    }
    this.enqueue(conn, conn.started ? renameStatement(conn, message) : message);
  }

  private enqueue(conn: Conn, message: Buffer): void {
    this.queue.push({ conn, message: new Uint8Array(message) });
    void this.drain();
  }

  private nextJob(): Job | undefined {
    const index = this.owner ? this.queue.findIndex((job) => job.conn === this.owner) : 0;
    return index < 0 ? undefined : this.queue.splice(index, 1)[0];
  }

  private async drain(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      const db = await this.dbReady;
      for (let job = this.nextJob(); job; job = this.nextJob()) {
        await this.run(db, job);
      }
    } finally {
      this.processing = false;
    }
  }

  /** All access to the db happens here, one job at a time. */
  private async run(db: PGlite, { conn, message }: Job): Promise<void> {
    if (message === null) return this.release(db, conn);
    if (conn.closed) return;
    try {
      await this.switchTo(db, conn);
    } catch (error) {
      // e.g. an unknown setting in the startup options: refuse that client only.
      console.error(`[pglite-wire] conn #${conn.id}: cannot apply settings:`, error);
      conn.socket.destroy();
      return;
    }
    await this.execute(db, conn, message);
  }

  private async execute(db: PGlite, conn: Conn, message: Uint8Array): Promise<void> {
    let tail = Buffer.alloc(0);
    trackListen(conn, message);
    // Whole backend messages: NotificationResponses go to their listeners, the rest to `conn`.
    let pending = Buffer.alloc(0);
    try {
      await db.runExclusive(() =>
        db.execProtocolRawStream(message, {
          onRawData: (data) => {
            if (data.length === 0) return;
            pending = pending.length === 0 ? Buffer.from(data) : Buffer.concat([pending, Buffer.from(data)]);
            const out: Buffer[] = [];
            while (pending.length >= 5) {
              const length = 1 + pending.readInt32BE(1);
              if (pending.length < length) break;
              const backendMessage = pending.subarray(0, length);
              pending = pending.subarray(length);
              if (backendMessage[0] === NOTIFICATION_RESPONSE) this.notify(backendMessage);
              else out.push(backendMessage);
            }
            if (out.length === 0) return;
            const chunk = out.length === 1 ? out[0]! : Buffer.concat(out);
            if (!conn.closed) conn.socket.write(chunk);
            tail = Buffer.concat([tail, chunk]).subarray(-6);
          },
        }),
      );
      if (pending.length > 0 && !conn.closed) conn.socket.write(pending);
    } catch (error) {
      // A raw protocol failure leaves this client in an unknown state; drop it
      // rather than let it hold the shared session.
      console.error(`[pglite-wire] conn #${conn.id}:`, error);
      conn.socket.destroy();
    }
    this.owner = readyStatus(tail) === 'I' ? null : conn;
  }

  /** Sends a NotificationResponse to every open connection listening on its channel. */
  private notify(message: Buffer): void {
    const channelStart = 9; // type, length, sender pid
    const channel = message.subarray(channelStart, message.indexOf(0, channelStart)).toString('utf8');
    for (const listener of this.conns) {
      if (!listener.closed && listener.channels.has(channel)) listener.socket.write(message);
    }
  }

  /** Saves the previous connection's settings and applies `conn`'s. */
  private async switchTo(db: PGlite, conn: Conn): Promise<void> {
    const previous = this.current;
    if (previous === conn) return;
    if (previous && !previous.closed) await saveSettings(db, previous);
    await applySettings(db, conn.settings);
    this.current = conn;
  }

  private onClose(conn: Conn): void {
    conn.closed = true;
    this.conns.delete(conn);
    // Cleanup goes through the queue so it never races a running statement.
    this.queue.push({ conn, message: null });
    void this.drain();
  }

  private async release(db: PGlite, conn: Conn): Promise<void> {
    if (this.current === conn) this.current = null;
    if (this.owner === conn) {
      // The client vanished mid-transaction: roll back so others can proceed.
      this.owner = null;
      if (db.isInTransaction()) await db.exec('ROLLBACK');
    }
    for (const name of conn.statements) {
      await db.exec(`DEALLOCATE "${name.replace(/"/g, '""')}"`).catch(() => undefined);
    }
    for (const channel of conn.channels) {
      const stillHeard = [...this.conns].some((other) => other !== conn && other.channels.has(channel));
      if (!stillHeard) await db.exec(`UNLISTEN "${channel.replace(/"/g, '""')}"`).catch(() => undefined);
    }
  }
}

function takeStartupMessage(conn: Conn): Buffer | null {
  if (conn.buffer.length < 8) return null;
  const length = conn.buffer.readInt32BE(0);
  if (conn.buffer.length < length) return null;
  return take(conn, length);
}

function takeTypedMessage(conn: Conn): Buffer | null {
  if (conn.buffer.length < 5) return null;
  const length = 1 + conn.buffer.readInt32BE(1);
  if (conn.buffer.length < length) return null;
  return take(conn, length);
}

function take(conn: Conn, length: number): Buffer {
  const message = conn.buffer.subarray(0, length);
  conn.buffer = conn.buffer.subarray(length);
  return message;
}

const PARSE = 0x50; // 'P'
const QUERY = 0x51; // 'Q'
const NOTIFICATION_RESPONSE = 0x41; // 'A'

/**
 * Follows a connection's LISTEN / UNLISTEN statements (simple queries, or extended-protocol
 * Parse) so notifications can be routed to it. Unquoted names fold to lower case, as PostgreSQL does.
 */
export function trackListen(conn: { channels: Set<string> }, message: Uint8Array): void {
  const type = message[0];
  if (type !== QUERY && type !== PARSE) return;
  const body = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  let at = 5;
  if (type === PARSE) at = body.indexOf(0, 5) + 1;
  const end = body.indexOf(0, at);
  if (at <= 0 || end < 0) return;
  const match = /^\s*(UN)?LISTEN\s+(\*|"((?:[^"]|"")+)"|([A-Za-z_][\w$]*))\s*;?\s*$/i.exec(
    body.subarray(at, end).toString('utf8'),
  );
  if (!match) return;
  const channel = match[3] !== undefined ? match[3].replace(/""/g, '"') : match[4]?.toLowerCase();
  if (!match[1]) {
    if (channel) conn.channels.add(channel);
  } else if (match[2] === '*') conn.channels.clear();
  else if (channel) conn.channels.delete(channel);
}
const BIND = 0x42; // 'B'
const DESCRIBE = 0x44; // 'D'
const CLOSE = 0x43; // 'C'

/**
 * The message with its prepared-statement name (if any, and not the unnamed one) prefixed with
 * the connection's id. Parse: name first; Bind: portal, then statement; Describe/Close: a kind
 * byte ('S' statement, 'P' portal), then the name.
 */
export function renameStatement(conn: { id: number; statements: Set<string> }, message: Buffer): Buffer {
  const type = message[0];
  let at: number;
  if (type === PARSE) at = 5;
  else if (type === BIND) at = message.indexOf(0, 5) + 1;
  else if ((type === DESCRIBE || type === CLOSE) && message[5] === 0x53 /* 'S' */) at = 6;
  else return message;
  const end = message.indexOf(0, at);
  if (at <= 0 || end < 0 || end === at) return message;
  const name = `c${conn.id}.${message.subarray(at, end).toString('utf8')}`;
  if (type === PARSE) conn.statements.add(name);
  if (type === CLOSE) conn.statements.delete(name);
  const renamed = Buffer.concat([message.subarray(0, at), Buffer.from(name, 'utf8'), message.subarray(end)]);
  renamed.writeInt32BE(renamed.length - 1, 1);
  return renamed;
}

/** Status byte of a trailing ReadyForQuery ('I', 'T', 'E'), if any. */
function readyStatus(tail: Buffer): string | null {
  if (tail.length < 6 || tail[0] !== READY_FOR_QUERY || tail.readInt32BE(1) !== 5) return null;
  return String.fromCharCode(tail[5] ?? 0);
}

/** Startup packet: int32 len, int32 protocol, then NUL-terminated key/value pairs. */
function startupParams(message: Buffer): Map<string, string> {
  const parts = message.subarray(8).toString('utf8').split('\0');
  const params = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) params.set(parts[i]!, parts[i + 1]!);
  return params;
}

function settingsFromStartup(message: Buffer, defaultSearchPath: string): Map<string, string> {
  const settings = new Map([['search_path', defaultSearchPath]]);
  for (const [name, value] of parseOptions(startupParams(message).get('options') ?? '')) {
    settings.set(name, value);
  }
  return settings;
}

/** Parses libpq `options`: `-c name=value` / `--name=value`, `\ ` escapes a space. */
export function parseOptions(options: string): Array<[string, string]> {
  const words = options.match(/(?:\\.|[^\s\\])+/g)?.map((w) => w.replace(/\\(.)/g, '$1')) ?? [];
  const result: Array<[string, string]> = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const assignment =
      word === '-c'
        ? words[++i]
        : word.startsWith('--')
          ? word.slice(2)
          : word.startsWith('-c')
            ? word.slice(2)
            : undefined;
    const eq = assignment?.indexOf('=') ?? -1;
    if (assignment && eq > 0) result.push([assignment.slice(0, eq).replace(/-/g, '_'), assignment.slice(eq + 1)]);
  }
  return result;
}

async function saveSettings(db: PGlite, conn: Conn): Promise<void> {
  for (const name of conn.settings.keys()) {
    const res = await db.query<{ value: string }>('select current_setting($1) as value', [name]);
    conn.settings.set(name, res.rows[0]?.value ?? '');
  }
}

async function applySettings(db: PGlite, settings: Map<string, string>): Promise<void> {
  for (const [name, value] of settings) {
    await db.query('select set_config($1, $2, false)', [name, value]);
  }
}
