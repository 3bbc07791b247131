/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries), reconnecting
 * a second after any error or end. Notifications are hints: whatever was sent while the listener
 * was not connected is covered by the caller's polling, and `listening` runs after each (re)connect
 * so the caller can look at once.
 *
 * A connection whose network silently drops packets reports neither an error nor an end: it just
 * stops delivering notifications. So the listener runs a cheap query every `checkMs`, bounded by the
 * client's `query_timeout`; when it fails the connection is destroyed and a new one opened.
 */
import pg from 'pg';

export interface ListenHandlers {
  /** After connecting, before LISTEN (e.g. read the connection's schema). */
  ready?(client: pg.Client): Promise<void>;
  notification(payload: string): void;
  listening(): void;
}

export interface ListenConnection {
  /** Connection settings (timeouts and keepalive included; `query_timeout` bounds the check). */
  client: pg.ClientConfig;
  /** How often the connection is checked. */
  checkMs: number;
}

export async function listen(
  connection: ListenConnection,
  channel: string,
  handlers: ListenHandlers,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | null = null;
  /** Drops the current connection and schedules the next (null until it listens). */
  let drop: (() => void) | null = null;
  let checking = false;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    if (stopped) return;
    // Named, so an operator (and the tests) can tell these connections apart in pg_stat_activity.
    const next = new pg.Client({ application_name: `opentill listen ${channel}`, ...connection.client });
    const reconnect = () => {
      if (stopped || client !== next) return;
      client = null;
      drop = null;
      // With a query still unanswered (a failed check), `end()` destroys the socket at once rather
      // than waiting for a goodbye the dead network would never carry.
      void next.end().catch(() => undefined);
      retry = setTimeout(() => void connect(), 1000);
      retry.unref();
    };
    next.on('error', reconnect);
    next.on('end', reconnect);
    next.on('notification', (notification) => handlers.notification(notification.payload ?? ''));
    client = next;
    try {
      await next.connect();
      await handlers.ready?.(next);
      await next.query(`LISTEN ${channel}`);
      // Checked from now on (connecting is bounded by the client's own timeouts).
      if (client === next) drop = reconnect;
      handlers.listening();
    } catch {
      reconnect();
    }
  };
  const check = setInterval(() => {
    const current = client;
    const dropCurrent = drop;
    if (checking || !current || !dropCurrent) return;
    checking = true;
    current
      .query('SELECT 1')
      .catch(() => {
        if (client === current) dropCurrent();
      })
      .finally(() => {
        checking = false;
      });
  }, connection.checkMs);
  check.unref();
  await connect();
  return async () => {
    stopped = true;
    clearInterval(check);
    if (retry) clearTimeout(retry);
    const current = client;
    client = null;
    drop = null;
    await current?.end().catch(() => undefined);
  };
}
