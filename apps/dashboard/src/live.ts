/**
 * Live updates. The server's dashboard stream (`/opentill/dashboard/…/stream`) sends a notice per
 * change; without it, the event stream `opentill listen` reads; without either (an older server, a
 * proxy that buffers streams), polling. Each notice bumps a version number the pages reload on,
 * at most once per `coalesceMs` so a burst of changes is one reload.
 */
import { useEffect, useState } from 'react';

export type LiveMode = 'stream' | 'events' | 'polling' | 'connecting';

const streams = ['/opentill/v1/dashboard/stream', '/opentill/v1/events/stream'] as const;
const coalesceMs = 400;
/** Polling interval: starts short, doubles while nothing changes the page's tab visibility, capped. */
const pollFirstMs = 3_000;
const pollMaxMs = 15_000;

export function useLiveUpdates(enabled: boolean): { version: number; mode: LiveMode } {
  const [version, setVersion] = useState(0);
  const [mode, setMode] = useState<LiveMode>('connecting');
  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let source: EventSource | null = null;
    let pollTimer: ReturnType<typeof setTimeout> | undefined;
    let bumpTimer: ReturnType<typeof setTimeout> | undefined;
    const bump = () => {
      if (bumpTimer !== undefined) return;
      bumpTimer = setTimeout(() => {
        bumpTimer = undefined;
        if (!stopped) setVersion((v) => v + 1);
      }, coalesceMs);
    };
    const poll = (delayMs: number) => {
      setMode('polling');
      pollTimer = setTimeout(() => {
        if (stopped) return;
        // A hidden tab polls less often; a visible one comes back to the short interval.
        bump();
        poll(document.hidden ? Math.min(delayMs * 2, pollMaxMs) : pollFirstMs);
      }, delayMs);
    };
    const open = (index: number) => {
      const path = streams[index];
      if (path === undefined) {
        poll(pollFirstMs);
        return;
      }
      const es = new EventSource(path, { withCredentials: true });
      source = es;
      let opened = false;
      es.onopen = () => {
        opened = true;
        setMode(index === 0 ? 'stream' : 'events');
        // Whatever changed while the stream was down shows now.
        bump();
      };
      es.onmessage = bump;
      for (const name of ['change', 'event', 'notice']) es.addEventListener(name, bump);
      es.onerror = () => {
        if (stopped) return;
        // A stream that never opened (404, 401) or that the server closed for good: try the next.
        if (!opened || es.readyState === EventSource.CLOSED) {
          es.close();
          source = null;
          open(index + 1);
        }
        // Otherwise EventSource reconnects by itself.
      };
    };
    open(0);
    // Coming back to the tab re-reads what is shown: a stream only carries the changes of the
    // server process it is connected to (several nodes), and a hidden tab may have missed some.
    const visible = () => {
      if (!document.hidden) bump();
    };
    document.addEventListener('visibilitychange', visible);
    window.addEventListener('focus', visible);
    return () => {
      document.removeEventListener('visibilitychange', visible);
      window.removeEventListener('focus', visible);
      stopped = true;
      source?.close();
      clearTimeout(pollTimer);
      clearTimeout(bumpTimer);
    };
  }, [enabled]);
  return { version, mode };
}
