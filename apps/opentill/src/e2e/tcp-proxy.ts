/**
 * A TCP proxy a test controls: the network between an SDK and the server (or a node and
 * PostgreSQL). `cut()` drops every open connection and refuses new ones at once (the peer sees a
 * network error, never a hang); `blackHole()` is the silent cut: open connections and new ones are
 * held open, every byte in either direction is swallowed, nothing is ever closed (a firewall DROP,
 * a pulled cable, a frozen proxy); `restore()` lets connections through again (held ones that carried nothing resume; the others stay
 * black holes until the node closes them).
 */
import net from 'node:net';

export interface TcpProxy {
  url: string;
  cut(): void;
  blackHole(): void;
  restore(): void;
  /**
   * The connections passing traffic now (opened since the last restore) that sent `LISTEN <channel>`
   * and had it answered: a node's LISTEN connections, read off the wire (works whichever PostgreSQL
   * is behind the proxy). Each with its own id, to tell new connections from old ones.
   */
  passingListeners(): Array<{ id: number; channel: string }>;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  /** Null for a connection accepted during a black hole (never connected onwards). */
  upstream: net.Socket | null;
  held: boolean;
  /** Bytes lost while held: the two sides no longer agree on the stream. */
  lost: boolean;
  id: number;
  /** The channel of a `LISTEN` this connection sent, and whether PostgreSQL answered it. */
  listen: { channel: string; answered: boolean } | null;
}

const swallow = (): void => undefined;

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: 'open' | 'cut' | 'blackHole' = 'open';
  const pairs = new Set<Pair>();
  const destroy = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };
  const hold = (pair: Pair) => {
    pair.held = true;
    for (const socket of [pair.client, pair.upstream]) {
      if (!socket) continue;
      socket.unpipe();
      // Read and drop: nothing reaches the other side, nothing is closed.
      socket.removeAllListeners('data');
      socket.on('data', () => {
        pair.lost = true;
      });
      socket.resume();
    }
  };
  const pass = (pair: Pair) => {
    pair.held = false;
    pair.client.removeAllListeners('data');
    pair.upstream!.removeAllListeners('data');
    pair.client.pipe(pair.upstream!);
    pair.upstream!.pipe(pair.client);
    // Reads the wire for LISTEN (a simple-protocol query: its text is in the chunk) and its
    // CommandComplete tag coming back.
    pair.client.on('data', (chunk: Buffer) => {
      const listen = /LISTEN "?([\w.]+)"?/.exec(chunk.toString('latin1'));
      if (listen) pair.listen = { channel: listen[1]!, answered: false };
    });
    pair.upstream!.on('data', (chunk: Buffer) => {
      if (pair.listen && chunk.includes('LISTEN\0', 0, 'latin1')) pair.listen.answered = true;
    });
  };
  let pairCount = 0;
  const server = net.createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    if (mode === 'blackHole') {
      // The node's SYN is answered (by this host), its startup message never is.
      const pair: Pair = { client, upstream: null, held: true, lost: true, id: ++pairCount, listen: null };
      pairs.add(pair);
      client.on('data', swallow).on('error', swallow);
      client.on('close', () => {
        if (mode !== 'blackHole') destroy(pair);
      });
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, held: false, lost: false, id: ++pairCount, listen: null };
    pairs.add(pair);
    // A held connection whose node side closes during the black hole keeps its PostgreSQL side
    // open (the node's goodbye is lost too) until `restore()`.
    client.on('error', swallow).on('close', () => {
      if (!pair.held || mode !== 'blackHole') destroy(pair);
    });
    upstream.on('error', swallow).on('close', () => {
      if (!pair.held) destroy(pair);
    });
    pass(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      mode = 'cut';
      for (const pair of pairs) destroy(pair);
    },
    blackHole() {
      mode = 'blackHole';
      for (const pair of pairs) hold(pair);
    },
    restore() {
      mode = 'open';
      // The network is back. A held connection that carried nothing meanwhile (an idle pooled one)
      // passes traffic again. One that lost bytes stays a black hole (its state is gone, as in a
      // firewall or NAT that forgot it, or a server that gave up on it) until the node closes it;
      // one the node already closed is closed on the PostgreSQL side too.
      for (const pair of pairs) {
        if (!pair.held) continue;
        if (!pair.upstream || pair.client.destroyed) destroy(pair);
        else if (!pair.lost) pass(pair);
      }
    },
    passingListeners() {
      const listeners: Array<{ id: number; channel: string }> = [];
      for (const pair of pairs) {
        if (!pair.held && !pair.client.destroyed && pair.listen?.answered)
          listeners.push({ id: pair.id, channel: pair.listen.channel });
      }
      return listeners;
    },
    async close() {
      mode = 'cut';
      for (const pair of pairs) destroy(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
