/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries), reconnecting
 * a second after any error or end. Notifications are hints: whatever was sent while the listener
 * was not connected is covered by the caller's polling, and `listening` runs after each (re)connect
 * so the caller can look at once.
 */
import pg from 'pg';

export interface ListenHandlers {
  /** After connecting, before LISTEN (e.g. read the connection's schema). */
  ready?(client: pg.Client): Promise<void>;
  notification(payload: string): void;
  listening(): void;
}

export async function listen(
  connectionString: string,
  channel: string,
  handlers: ListenHandlers,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    if (stopped) return;
    const next = new pg.Client({ connectionString });
    const reconnect = () => {
      if (stopped || client !== next) return;
      client = null;
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
      handlers.listening();
    } catch {
      reconnect();
    }
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const current = client;
    client = null;
    await current?.end().catch(() => undefined);
  };
}
